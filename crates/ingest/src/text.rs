//! Plain text of feed HTML, for lengths and summaries.

use crate::feed::text_of;
use regex::Regex;
use std::sync::LazyLock;

static TAGS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<(script|style)\b.*?</(script|style)>|<[^>]*>").unwrap());

pub fn html_to_text(html: &str) -> String {
    if html.is_empty() {
        return String::new();
    }
    let spaced = TAGS.replace_all(html, " ");
    text_of(&spaced)
}

/// A plain-text summary of at most ~300 characters, cut at a word.
pub fn summary_text(html: &str) -> String {
    let text = html_to_text(html);
    if text.chars().count() <= 300 {
        return text;
    }
    let cut: String = text.chars().take(300).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(a, _)| a)
        .trim_end_matches([',', ';', ':', '-']);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_summary() {
        assert_eq!(
            html_to_text("<p>a&nbsp;b</p><script>x()</script><p>c</p>"),
            "a b c"
        );
        let long = "word ".repeat(100);
        let s = summary_text(&long);
        assert!(s.ends_with('…') && s.chars().count() <= 301);
    }
}

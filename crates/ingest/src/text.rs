//! Plain text of feed HTML, for lengths and summaries.

/// Plain text of feed HTML, paragraphs kept: extract's reading of an HTML fragment.
pub fn html_to_text(html: &str) -> String {
    newsroom_extract::fragment_text(html)
}

/// A plain-text summary of HTML, at most ~300 characters, cut at a word.
pub fn summary_text(html: &str) -> String {
    summary_of_text(&newsroom_extract::fragment_line(html))
}

/// A summary of plain text (already extracted), at most ~300 characters, cut at a word.
pub fn summary_of_text(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
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
            "a b\n\nc"
        );
        let long = "word ".repeat(100);
        let s = summary_text(&long);
        assert!(s.ends_with('…') && s.chars().count() <= 301);
        // Plain text is not read as markup: "a <b" is not a tag here.
        assert_eq!(
            summary_of_text("if a <b and c> d\n\nthen"),
            "if a <b and c> d then"
        );
    }
}

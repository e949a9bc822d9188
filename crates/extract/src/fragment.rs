//! Plain text of an HTML fragment that is not a page: a feed's title, summary or body.
//! It goes through the same pre-pass and tree builder as pages, so scripts, styles and
//! comments are dropped, `>` inside an attribute does not end a tag, and entities are
//! decoded the way a browser decodes them.

use crate::dom::Tag;
use crate::prepass::prepare;
use crate::text::TextBuf;

/// The fragment's text, whitespace collapsed as a browser does, blocks separated by a
/// blank line.
pub fn fragment_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return html.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let prepared = prepare(html);
    let dom = crate::parse::build(&prepared.html);
    let mut buf = TextBuf::default();
    // Ends of the open blocks: text after a block's end starts a new paragraph.
    let mut ends: Vec<u32> = Vec::new();
    for (i, n) in dom.nodes.iter().enumerate() {
        while ends.last().is_some_and(|&e| i as u32 >= e) {
            ends.pop();
            buf.paragraph();
        }
        match n.tag {
            Tag::Text => buf.push_text(dom.text_of(i)),
            Tag::Br => buf.line(),
            t if t.is_block() => {
                buf.paragraph();
                ends.push(n.end);
            }
            _ => {}
        }
    }
    buf.into_text()
}

/// The fragment's text on one line: for titles, names and summaries.
pub fn fragment_line(html: &str) -> String {
    fragment_text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_scripts_and_comments() {
        assert_eq!(
            fragment_text("<p>a&nbsp;b</p><script>x()</script><p>c <b>d</b></p>e"),
            "a b\n\nc d\n\ne"
        );
        assert_eq!(
            fragment_line(
                "safe<script type=\"text/javascript\">location.href='x';</script> description"
            ),
            "safe description"
        );
        assert_eq!(fragment_line("safe<!-- alert(1); -->"), "safe");
        assert_eq!(fragment_line("safe<!--"), "safe");
        assert_eq!(
            fragment_line("<img alt=\"cat<br />dog\" src=\"x.jpg\">AT&amp;T &lt;3"),
            "AT&T <3"
        );
        assert_eq!(fragment_line("  plain   words "), "plain words");
        assert_eq!(fragment_line("Q&amp;A <i>session</i>"), "Q&A session");
        assert_eq!(fragment_line("Q&A <i>session</i>"), "Q&A session");
    }
}

//! A byte-level pass over the decoded page before tree building.
//!
//! Half or more of a news page is script, style, SVG and comments; none of it
//! is article text, and the tree builder spends most of its time on bytes.
//! Cutting them out with `memchr` first keeps html5ever's work proportional
//! to the markup that matters. The same pass keeps JSON-LD blocks (which we
//! do want), caps nesting depth (html5ever's scope checks are linear in the
//! stack, so 100k nested divs would be quadratic) and caps the size handed on.

use memchr::memchr;

/// Markup beyond this many bytes (after stripping) is dropped.
pub const MAX_MARKUP: usize = 3 << 20;
/// Elements nested deeper than this are flattened into their ancestor.
pub const MAX_DEPTH: u32 = 200;

pub struct Prepared {
    pub html: String,
    pub jsonld: Vec<String>,
    pub truncated: bool,
    pub depth_capped: bool,
}

/// Elements whose content is never article text. Their content is raw text
/// to the tokenizer, so we must skip to the matching end tag.
const DROP_WITH_CONTENT: &[&[u8]] = &[
    b"script",
    b"style",
    b"template",
    b"svg",
    b"noscript",
    b"math",
    b"textarea",
    b"select",
    b"canvas",
    b"object",
    b"audio",
];

/// Elements that close implicitly or are void do not count towards depth.
fn counts_for_depth(name: &[u8]) -> bool {
    !matches!(
        name,
        b"p" | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"option"
            | b"optgroup"
            | b"rb"
            | b"rt"
            | b"rp"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
            | b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
            | b"param"
            | b"keygen"
            | b"frame"
    )
}

pub fn prepare(src: &str) -> Prepared {
    let b = src.as_bytes();
    let mut out = String::with_capacity(b.len().min(MAX_MARKUP) / 2 + 64);
    let mut jsonld = Vec::new();
    let mut keep_from = 0usize;
    let mut i = 0usize;
    let mut depth = 0u32;
    let mut excess = 0u32;
    let mut truncated = false;
    let mut depth_capped = false;
    let mut name_buf = [0u8; 16];

    // Copies the pending span [keep_from, upto) into the output.
    macro_rules! flush {
        ($upto:expr) => {{
            let upto = $upto;
            if upto > keep_from {
                out.push_str(&src[keep_from..upto]);
            }
        }};
    }

    while let Some(off) = memchr(b'<', &b[i..]) {
        let lt = i + off;
        if out.len() + (lt - keep_from) > MAX_MARKUP {
            truncated = true;
            flush!(last_boundary(
                src,
                keep_from,
                MAX_MARKUP.saturating_sub(out.len())
            ));
            keep_from = b.len();
            break;
        }
        let Some(&next) = b.get(lt + 1) else { break };
        match next {
            b'!' => {
                if b[lt..].starts_with(b"<!--") {
                    let end = memchr::memmem::find(&b[lt + 4..], b"-->")
                        .map_or(b.len(), |p| lt + 4 + p + 3);
                    flush!(lt);
                    keep_from = end;
                    i = end;
                } else {
                    i = memchr(b'>', &b[lt..]).map_or(b.len(), |p| lt + p + 1);
                }
            }
            b'?' => {
                let end = memchr(b'>', &b[lt..]).map_or(b.len(), |p| lt + p + 1);
                flush!(lt);
                keep_from = end;
                i = end;
            }
            b'/' => {
                let name = tag_name(b, lt + 2, &mut name_buf);
                let end = memchr(b'>', &b[lt..]).map_or(b.len(), |p| lt + p + 1);
                if !name.is_empty() && counts_for_depth(name) {
                    if excess > 0 {
                        excess -= 1;
                        flush!(lt);
                        keep_from = end;
                    } else {
                        depth = depth.saturating_sub(1);
                    }
                }
                i = end;
            }
            c if c.is_ascii_alphabetic() => {
                let name_len;
                let drop;
                let counted;
                {
                    let name = tag_name(b, lt + 1, &mut name_buf);
                    name_len = name.len();
                    drop = DROP_WITH_CONTENT.iter().position(|d| *d == name);
                    counted = counts_for_depth(name);
                }
                let gt = tag_end(b, lt + 1 + name_len);
                let self_closing = gt >= 2 && b[gt - 2] == b'/';
                if let Some(d) = drop {
                    let dname = DROP_WITH_CONTENT[d];
                    let content_start = gt;
                    let (content_end, after) = if self_closing {
                        (gt, gt)
                    } else {
                        find_end_tag(b, gt, dname)
                    };
                    if dname == b"script" {
                        let attrs = &b[lt..gt];
                        if memchr::memmem::find(&attrs.to_ascii_lowercase(), b"ld+json").is_some() {
                            jsonld.push(
                                src[content_start..content_end.max(content_start)].to_string(),
                            );
                        }
                    }
                    flush!(lt);
                    keep_from = after;
                    i = after;
                    continue;
                }
                if counted && !self_closing {
                    if depth >= MAX_DEPTH {
                        excess += 1;
                        depth_capped = true;
                        flush!(lt);
                        keep_from = gt;
                    } else {
                        depth += 1;
                    }
                }
                i = gt;
            }
            _ => i = lt + 1,
        }
        if i >= b.len() {
            break;
        }
    }
    if keep_from < b.len() {
        let room = MAX_MARKUP.saturating_sub(out.len());
        if b.len() - keep_from > room {
            truncated = true;
            flush!(last_boundary(src, keep_from, room));
        } else {
            flush!(b.len());
        }
    }
    Prepared {
        html: out,
        jsonld,
        truncated,
        depth_capped,
    }
}

/// Lower-cased tag name starting at `at`, in a small buffer; names longer
/// than the buffer are cut, which only matters for custom elements.
fn tag_name<'a>(b: &[u8], at: usize, buf: &'a mut [u8; 16]) -> &'a [u8] {
    let mut n = 0;
    let mut j = at;
    while j < b.len() && n < buf.len() {
        let c = b[j];
        if c.is_ascii_alphanumeric() || c == b'-' || c == b':' {
            buf[n] = c.to_ascii_lowercase();
            n += 1;
            j += 1;
        } else {
            break;
        }
    }
    &buf[..n]
}

/// Index just past the `>` closing a start tag, honouring quoted values.
fn tag_end(b: &[u8], mut j: usize) -> usize {
    // Tags are short: a plain loop beats setting up a SIMD search per tag.
    // Quotes only quote at the start of a value (`alt=don't` is unquoted).
    let mut after_eq = false;
    while j < b.len() {
        let c = b[j];
        if c.is_ascii_whitespace() {
            j += 1;
            continue;
        }
        let value_start = after_eq;
        after_eq = c == b'=';
        match c {
            b'>' => return j + 1,
            q @ (b'"' | b'\'') if value_start => {
                // An unterminated quote would swallow the page; a real
                // browser does the same, but we stop at the next `>` instead.
                match memchr(q, &b[j + 1..]) {
                    Some(p) if p < (1 << 20) => j = j + 1 + p + 1,
                    _ => j += 1,
                }
            }
            _ => j += 1,
        }
    }
    b.len()
}

/// Finds `</name` case-insensitively from `from`; returns (content end,
/// index after the end tag's `>`). Unclosed: everything to the end.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> (usize, usize) {
    let mut j = from;
    while let Some(off) = memchr(b'<', &b[j..]) {
        let p = j + off;
        if b.get(p + 1) == Some(&b'/') {
            let s = p + 2;
            if s + name.len() <= b.len() && b[s..s + name.len()].eq_ignore_ascii_case(name) {
                let after = memchr(b'>', &b[s..]).map_or(b.len(), |q| s + q + 1);
                return (p, after);
            }
        }
        j = p + 1;
    }
    (b.len(), b.len())
}

/// The last tag start at or before `keep_from + room`, so truncation never
/// splits a tag or a UTF-8 sequence.
fn last_boundary(src: &str, keep_from: usize, room: usize) -> usize {
    let limit = (keep_from + room).min(src.len());
    let b = src.as_bytes();
    match memchr::memrchr(b'<', &b[keep_from..limit]) {
        Some(p) => keep_from + p,
        None => {
            let mut l = limit;
            while !src.is_char_boundary(l) {
                l -= 1;
            }
            l
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_scripts_styles_comments_and_keeps_jsonld() {
        let p = prepare(
            "<html><head><style>p{}</style><script type=\"application/ld+json\">{\"a\":1}</script>\
             <script>if (a<b) {}</script></head><body><!-- x --><p>Hi<svg><path/></svg> there</p></body>",
        );
        assert_eq!(p.html, "<html><head></head><body><p>Hi there</p></body>");
        assert_eq!(p.jsonld, vec!["{\"a\":1}".to_string()]);
    }

    #[test]
    fn quoted_gt_does_not_end_tag() {
        let p = prepare("<div title=\"a>b\"><script>x</script>t</div>");
        assert_eq!(p.html, "<div title=\"a>b\">t</div>");
        let p = prepare("<img alt=don't><script>x</script><p>it's</p>");
        assert_eq!(p.html, "<img alt=don't><p>it's</p>");
    }

    #[test]
    fn depth_is_capped() {
        let s = "<div>".repeat(1000) + "deep" + &"</div>".repeat(1000);
        let p = prepare(&s);
        assert!(p.depth_capped);
        assert_eq!(p.html.matches("<div>").count(), MAX_DEPTH as usize);
        assert_eq!(p.html.matches("</div>").count(), MAX_DEPTH as usize);
        assert!(p.html.contains("deep"));
    }

    #[test]
    fn size_is_capped_on_a_tag_boundary() {
        let s = "<p>".to_string() + &"word ".repeat(2 * MAX_MARKUP / 5);
        let p = prepare(&s);
        assert!(p.truncated);
        assert!(p.html.len() <= MAX_MARKUP);
    }

    #[test]
    fn unclosed_script_drops_the_rest() {
        let p = prepare("<p>a</p><script>var x = '<p>'");
        assert_eq!(p.html, "<p>a</p>");
    }
}

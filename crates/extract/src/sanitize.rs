//! The HTML allow-list shared with ingestion: everything newsroom stores or
//! serves as HTML passes through here.
//!
//! Two steps: a rewrite on the parsed fragment that needs whole-element
//! context (lazy images, which iframes are video players, URL resolution),
//! then ammonia's allow-list, which is the security boundary. Every URL
//! attribute the allow-list keeps must be a [`PublicUrl`] (absolute http or
//! https), and is written in its normalised form; anything else (relative
//! links that could not be resolved, `mailto:`, `javascript:`, `data:`) loses
//! the attribute, never the text around it. The web layer runs [`clean`]
//! again over stored bodies when it renders them.

/// Changes whenever what [`sanitize_html`] keeps changes (the allow-list,
/// the URL rules, the iframe hosts). Stored bodies are sealed with it
/// (`newsroom_ingest::seal`), so a body sealed by an older allow-list is
/// sanitised again when served.
pub const SANITIZER_VERSION: u32 = 1;

use crate::media::{absolutize, pick_img_src, video_kind};
use ammonia::Builder;
use newsroom_core::PublicUrl;
use scraper::{Html, Node};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The `rel` forced on every link.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tags(["iframe", "picture", "figure", "figcaption"])
        .rm_tags(["nav", "footer", "header", "aside", "map", "area"])
        .add_tag_attributes(
            "iframe",
            ["src", "width", "height", "allowfullscreen", "title"],
        )
        .add_tag_attributes("img", ["width", "height", "title"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
        .add_tag_attributes("time", ["datetime"])
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .attribute_filter(public_urls_only)
        .link_rel(Some(LINK_REL))
        .strip_comments(true);
    b
});

/// Elements dropped with their content before the allow-list sees them.
fn drop_with_content(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "object"
            | "embed"
            | "form"
            | "button"
            | "input"
            | "select"
            | "textarea"
            | "svg"
            | "math"
            | "head"
            | "title"
            | "canvas"
    )
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Sanitises stored HTML: resolves relative URLs against `base_url`, turns
/// lazy images into plain `src`, keeps only YouTube/Vimeo/Dailymotion
/// iframes, and applies the allow-list (links get `rel="noopener
/// noreferrer nofollow"`).
pub fn sanitize_html(html: &str, base_url: Option<&str>) -> String {
    let base = base_url.and_then(|b| url::Url::parse(b).ok());
    let frag = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len());
    let mut skip_depth: Option<usize> = None;
    let mut depth = 0usize;
    for edge in frag.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) => {
                depth += 1;
                if skip_depth.is_some() {
                    continue;
                }
                match n.value() {
                    Node::Text(t) => escape(&mut out, t, false),
                    Node::Element(e) => {
                        let name = e.name();
                        if drop_with_content(name) {
                            skip_depth = Some(depth);
                            continue;
                        }
                        if name == "html" {
                            continue;
                        }
                        if name == "iframe" {
                            let src = e.attr("src").or_else(|| e.attr("data-src")).unwrap_or("");
                            if !matches!(video_kind(src), Some("youtube" | "vimeo" | "dailymotion"))
                            {
                                skip_depth = Some(depth);
                                continue;
                            }
                        }
                        out.push('<');
                        out.push_str(name);
                        if name == "img"
                            && let Some(src) = pick_img_src(|a| e.attr(a))
                        {
                            push_attr(&mut out, "src", &absolutize(&src, base.as_ref()));
                        }
                        for (k, v) in e.attrs() {
                            match (name, k) {
                                ("img", "src" | "srcset") | (_, "style" | "class" | "id") => {}
                                (_, "href" | "src" | "cite" | "poster") => {
                                    push_attr(&mut out, k, &absolutize(v, base.as_ref()))
                                }
                                _ if k.starts_with("data-") || k.starts_with("on") => {}
                                _ => push_attr(&mut out, k, v),
                            }
                        }
                        out.push('>');
                    }
                    _ => {}
                }
            }
            ego_tree::iter::Edge::Close(n) => {
                if let Some(d) = skip_depth {
                    if d == depth {
                        skip_depth = None;
                    }
                } else if let Node::Element(e) = n.value() {
                    let name = e.name();
                    if name != "html" && !VOID.contains(&name) {
                        out.push_str("</");
                        out.push_str(name);
                        out.push('>');
                    }
                }
                depth -= 1;
            }
        }
    }
    clean(&out)
}

/// The allow-list alone, for markup whose URLs are already absolute (the
/// extractor's own rendering).
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// The allow-list's last word on URL attributes: only a [`PublicUrl`] stays.
fn public_urls_only<'u>(_element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    if !matches!(attribute, "href" | "src" | "cite" | "poster" | "xlink:href") {
        return Some(Cow::Borrowed(value));
    }
    let url = PublicUrl::or_drop(value, None, "body link")?;
    Some(if url.as_str() == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(url.into_string())
    })
}

fn push_attr(out: &mut String, k: &str, v: &str) {
    out.push(' ');
    out.push_str(k);
    out.push_str("=\"");
    escape(out, v, true);
    out.push('"');
}

/// Escapes as html5ever's serialiser does, so our own rendering is
/// byte-identical to what the allow-list would produce from it.
pub(crate) fn escape(out: &mut String, s: &str, attr: bool) {
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\r' | b'\0' | 0xC2))
    {
        out.push_str(s);
        return;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // The HTML parser normalises newlines and drops NULs.
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\0' => {}
            '&' => out.push_str("&amp;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '<' if !attr => out.push_str("&lt;"),
            '>' if !attr => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// True for URLs the allow-list keeps in `href`/`src`.
pub fn allowed_url(u: &str) -> bool {
    PublicUrl::parse(u).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_go_and_links_get_rel() {
        let s = sanitize_html(
            "<p onclick=x>Hi <a href=\"/a\">a</a><script>alert(1)</script></p>",
            Some("https://n.example/x/"),
        );
        assert_eq!(
            s,
            "<p>Hi <a href=\"https://n.example/a\" rel=\"noopener noreferrer nofollow\">a</a></p>"
        );
    }

    #[test]
    fn lazy_images_resolve() {
        let s = sanitize_html(
            "<img src=\"data:image/gif;base64,AA\" data-src=\"i.jpg\" alt=\"A\">",
            Some("https://n.example/d/"),
        );
        assert_eq!(s, "<img src=\"https://n.example/d/i.jpg\" alt=\"A\">");
        let s = sanitize_html(
            "<img srcset=\"s.jpg 100w, l.jpg 800w\">",
            Some("https://n.example/"),
        );
        assert_eq!(s, "<img src=\"https://n.example/l.jpg\">");
    }

    #[test]
    fn only_video_iframes_stay() {
        let s = sanitize_html(
            "<iframe src=\"https://ads.example/x\"></iframe><iframe src=\"https://www.youtube.com/embed/abc\"></iframe>",
            None,
        );
        assert_eq!(
            s,
            "<iframe src=\"https://www.youtube.com/embed/abc\"></iframe>"
        );
    }

    #[test]
    fn javascript_urls_are_removed() {
        let s = sanitize_html("<a href=\"javascript:alert(1)\">x</a>", None);
        assert!(!s.contains("javascript"));
    }
}

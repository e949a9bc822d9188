//! Atom as it was written before Atom 1.0, and the text-construct forms feed-rs refuses,
//! rewritten into what feed-rs reads. feed-rs refuses a whole feed over one title whose
//! `type` is a MIME type, so without this a feed of fifty good items is lost to one.
//!
//! - the Atom 0.3 namespace, and the draft namespaces before it (echo, pie, necho), on a
//!   `<feed version="…">` root, become Atom 1.0's;
//! - 0.3 element names (`issued`, `modified`, `tagline`, `copyright`) become 1.0's;
//! - a text construct's `type` and 0.3 `mode` become one of `text`, `html`, `xhtml`:
//!   `text/plain` is text, `text/html` and escaped XHTML are html, inline XHTML is xhtml;
//! - base64 content (0.3's `mode="base64"`, or 1.0's non-text MIME type) is decoded and
//!   kept as escaped HTML.

use base64::Engine;
use regex::Regex;
use std::sync::LazyLock;

const ATOM_10: &str = "http://www.w3.org/2005/Atom";

/// Rewrites an Atom document; other documents pass through untouched.
pub(crate) fn normalize(s: String) -> String {
    if !is_atom_root(&s) {
        return s;
    }
    let s = legacy_namespace(s);
    if !s.contains(ATOM_10) {
        return s;
    }
    let s = if s.contains("<issued")
        || s.contains("<modified")
        || s.contains("<tagline")
        || s.contains("<copyright")
    {
        s.replace("<issued>", "<published>")
            .replace("</issued>", "</published>")
            .replace("<modified>", "<updated>")
            .replace("</modified>", "</updated>")
            .replace("<tagline", "<subtitle")
            .replace("</tagline>", "</subtitle>")
            .replace("<copyright", "<rights")
            .replace("</copyright>", "</rights>")
    } else {
        s
    };
    text_constructs(&s)
}

/// Whether the first element is an Atom `feed` or `entry` (RSS documents declare the
/// Atom namespace too, for `atom:link`, and their `media:title type="plain"` must stay).
fn is_atom_root(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let skip = if rest.starts_with("!--") {
            rest.find("-->").map(|e| e + 3)
        } else if rest.starts_with('?') || rest.starts_with('!') {
            rest.find('>').map(|e| e + 1)
        } else {
            Some(0)
        };
        match skip {
            None => return false,
            Some(0) => {}
            Some(n) => {
                rest = &rest[n..];
                continue;
            }
        }
        let rest = rest.strip_prefix("atom:").unwrap_or(rest);
        return rest.starts_with("feed") || rest.starts_with("entry");
    }
    false
}

static FEED_ROOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<feed\b[^>]*\bversion\s*=\s*["'][^"']*["'][^>]*>"#).unwrap());
static DEFAULT_NS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bxmlns\s*=\s*["']([^"']*)["']"#).unwrap());

/// A versioned `<feed>` root is Atom 0.3 or a draft of it, whatever its default namespace
/// says; the namespace is swapped wherever it occurs (entries may repeat it).
fn legacy_namespace(s: String) -> String {
    let Some(root) = FEED_ROOT.find(&s) else {
        return s;
    };
    let Some(ns) = DEFAULT_NS.captures(root.as_str()).map(|c| c[1].to_string()) else {
        return s;
    };
    if ns == ATOM_10 || ns.is_empty() {
        return s;
    }
    s.replace(&format!("\"{ns}\""), &format!("\"{ATOM_10}\""))
        .replace(&format!("'{ns}'"), &format!("'{ATOM_10}'"))
}

/// Start tags of text constructs (and content) that carry a `type` or `mode`; other
/// namespaces' elements (`media:title type="plain"`) are theirs to read.
static TEXT_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"<((?:atom:)?(?:title|subtitle|summary|content|rights|info))(\s[^>]*?\b(?:type|mode)\s*=[^>]*?)(/?)>"#,
    )
    .unwrap()
});
static SRC_ATTR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bsrc\s*=").unwrap());
static ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\b(type|mode)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).unwrap());

/// What a text construct is once read: the 1.0 type, and whether its text is base64.
fn classify(
    type_attr: Option<&str>,
    mode: Option<&str>,
    element: &str,
) -> (Option<&'static str>, bool) {
    let ty = type_attr.map(|t| t.trim().to_ascii_lowercase());
    let mode = mode.map(|m| m.trim().to_ascii_lowercase());
    let is_content = element.ends_with("content");
    let base64 = mode.as_deref() == Some("base64");
    let kind = match ty.as_deref() {
        None if mode.as_deref() == Some("xml") => "xhtml",
        None | Some("") | Some("text") | Some("text/plain") => "text",
        Some("html") | Some("text/html") => "html",
        Some("xhtml") => "xhtml",
        Some("application/xhtml+xml") => {
            if mode.as_deref() == Some("escaped") {
                "html"
            } else {
                "xhtml"
            }
        }
        // Content may carry any MIME type; feed-rs reads XML and text/* inline.
        Some(t)
            if is_content
                && (t.starts_with("text/") || t.ends_with("+xml") || t.ends_with("/xml")) =>
        {
            return (None, base64);
        }
        // Any other MIME type: Atom 1.0 says the text is base64 of a document of that
        // type. Decoded, it is shown as HTML, which also shows plain text right.
        Some(_) => return (Some("html"), true),
    };
    // 0.3's mode="escaped" on text/plain is plain text; on HTML types it is HTML.
    (Some(kind), base64)
}

fn text_constructs(s: &str) -> String {
    if !TEXT_START.is_match(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for c in TEXT_START.captures_iter(s) {
        let whole = c.get(0).unwrap();
        if whole.start() < last {
            continue;
        }
        let name = &c[1];
        let attrs = &c[2];
        let self_closing = !c[3].is_empty();
        let (mut type_attr, mut mode) = (None, None);
        for a in ATTR.captures_iter(attrs) {
            let v = a.get(2).or(a.get(3)).map_or("", |m| m.as_str());
            if &a[1] == "type" {
                type_attr = Some(v);
            } else {
                mode = Some(v);
            }
        }
        // Content by reference keeps its MIME type: feed-rs reads that form.
        if name.ends_with("content") && SRC_ATTR.is_match(attrs) {
            continue;
        }
        let (kind, base64) = classify(type_attr, mode, name);
        let Some(kind) = kind else { continue };
        let rest_attrs = ATTR.replace_all(attrs, "");
        let start = format!(
            "<{name}{} type=\"{kind}\"{}>",
            rest_attrs.trim_end(),
            if self_closing { "/" } else { "" }
        );
        out.push_str(&s[last..whole.start()]);
        last = whole.end();
        if base64 && !self_closing {
            let close = format!("</{name}>");
            if let Some(len) = s[last..].find(&close) {
                match decode_base64(&s[last..last + len]) {
                    Some(decoded) => {
                        out.push_str(&start);
                        out.push_str(&escape_xml(&decoded));
                        out.push_str(&close);
                        last += len + close.len();
                        continue;
                    }
                    None => {
                        // Not base64 after all: keep the text, read as text.
                        out.push_str(&format!("<{name}{} type=\"text\">", rest_attrs.trim_end()));
                        continue;
                    }
                }
            }
        }
        out.push_str(&start);
    }
    out.push_str(&s[last..]);
    out
}

fn decode_base64(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains('<') {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(body: &str) -> String {
        format!("<feed xmlns=\"{ATOM_10}\">{body}</feed>")
    }

    #[test]
    fn mime_types_become_atom_types() {
        for (attrs, want) in [
            (r#"type="text/plain""#, r#"type="text""#),
            (r#"type="text/plain" mode="escaped""#, r#"type="text""#),
            (r#"type="text/html" mode="escaped""#, r#"type="html""#),
            (
                r#"type="application/xhtml+xml" mode="xml""#,
                r#"type="xhtml""#,
            ),
            (
                r#"type="application/xhtml+xml" mode="escaped""#,
                r#"type="html""#,
            ),
            (r#"type="""#, r#"type="text""#),
            (r#"mode="escaped""#, r#"type="text""#),
        ] {
            let got = normalize(atom(&format!("<title {attrs}>x</title>")));
            assert_eq!(got, atom(&format!("<title {want}>x</title>")), "{attrs}");
        }
    }

    #[test]
    fn base64_is_decoded_and_escaped() {
        let got = normalize(atom(
            "<entry><summary type=\"application/octet-stream\">\n RXhhbXBsZSA8Yj5BdG9tPC9iPg==\n</summary></entry>",
        ));
        assert_eq!(
            got,
            atom("<entry><summary type=\"html\">Example &lt;b&gt;Atom&lt;/b&gt;</summary></entry>")
        );
        let legacy = normalize(atom(
            "<title type=\"text/html\" mode=\"base64\">PGI+eDwvYj4=</title>",
        ));
        assert_eq!(
            legacy,
            atom("<title type=\"html\">&lt;b&gt;x&lt;/b&gt;</title>")
        );
        // Not base64: the text is kept, as text.
        let odd = normalize(atom("<title mode=\"base64\">not base64!</title>"));
        assert_eq!(odd, atom("<title type=\"text\">not base64!</title>"));
    }

    #[test]
    fn content_keeps_readable_mime_types() {
        let doc = atom(
            "<content type=\"text/csv\">a,b</content><content type=\"image/svg+xml\"><svg/></content><content type=\"video/mp4\" src=\"https://v.example/a.mp4\"/>",
        );
        assert_eq!(normalize(doc.clone()), doc);
    }

    #[test]
    fn draft_namespaces_are_atom() {
        for ns in [
            "http://purl.org/atom/ns#",
            "http://purl.org/pie/",
            "http://example.com/necho",
        ] {
            let got = normalize(format!(
                "<feed version=\"0.3\" xmlns=\"{ns}\"><tagline>t</tagline><modified>m</modified></feed>"
            ));
            assert_eq!(
                got,
                format!(
                    "<feed version=\"0.3\" xmlns=\"{ATOM_10}\"><subtitle>t</subtitle><updated>m</updated></feed>"
                )
            );
        }
        // An RSS document is not touched, whatever its elements are called, nor are
        // another namespace's elements in an Atom one.
        let rss = format!(
            "<!-- <feed> --><rss version=\"2.0\" xmlns:atom=\"{ATOM_10}\"><channel><title type=\"text/plain\">x</title></channel></rss>"
        );
        assert_eq!(normalize(rss.clone()), rss);
        let media = atom("<media:title type=\"plain\">x</media:title>");
        assert_eq!(normalize(media.clone()), media);
    }
}

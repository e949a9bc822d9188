//! The thin layer in front of feed-rs: it rewrites what real feeds get wrong and feed-rs
//! rejects or misreads, and refuses what is dangerous.
//!
//! - the XML declaration goes (the text is UTF-8 by now, whatever it declared);
//! - a DOCTYPE with entity declarations is refused (entity bombs), a plain one dropped;
//! - `<rss>` without a version, or with one feed-rs does not know (`2.01`), becomes 2.0;
//! - HTML named entities (`&nbsp;`) become numeric references, bare `&` becomes `&amp;`;
//! - dates feed-rs cannot read are rewritten to RFC 3339, zoneless ones in the source's zone;
//! - Atom 0.3 and its drafts, and text constructs feed-rs refuses, are rewritten
//!   (`atom_legacy`).

use super::dates::parse_date;
use crate::error::{FeedError, FeedErrorClass};
use jiff::tz::TimeZone;
use regex::Regex;
use std::sync::LazyLock;

/// What kind of document the text holds, judged by its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    Feed,
    Json,
    Html,
    Other,
}

pub(crate) fn sniff_root(text: &str) -> Root {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        return Root::Json;
    }
    let Some(name) = root_element(t) else {
        return Root::Other;
    };
    match name.to_ascii_lowercase().as_str() {
        "html" => Root::Html,
        "rss" | "feed" | "rdf:rdf" | "rdf" | "entry" | "channel" => Root::Feed,
        n if n.ends_with(":rdf") => Root::Feed,
        _ => Root::Other,
    }
}

/// The name of the first element, after the prolog, comments, PIs and a DOCTYPE.
fn root_element(t: &str) -> Option<&str> {
    let mut rest = t;
    loop {
        rest = rest.trim_start();
        if rest.starts_with("<?") {
            rest = &rest[rest.find("?>")? + 2..];
        } else if rest.starts_with("<!--") {
            rest = &rest[rest.find("-->")? + 3..];
        } else if starts_with_ci(rest, "<!doctype") {
            if starts_with_ci(rest, "<!doctype html") {
                return Some("html");
            }
            rest = &rest[doctype_end(rest)?..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(after.len());
            return Some(&after[..end]);
        } else {
            return None;
        }
    }
}

/// Compared as bytes: slicing the text at the prefix's length could cut a
/// multi-byte character in half (a fuzzed `<rss ve“…` did).
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// End (exclusive) of a DOCTYPE starting at 0, internal subset included.
fn doctype_end(s: &str) -> Option<usize> {
    let gt = s.find('>')?;
    match s[..gt].find('[') {
        Some(open) => {
            let close = open + s[open..].find(']')?;
            Some(close + s[close..].find('>')? + 1)
        }
        None => Some(gt + 1),
    }
}

/// Everything before the root element, with the DOCTYPE checked and removed.
fn strip_prolog(t: &str) -> Result<String, FeedError> {
    let t = t.trim_start_matches('\u{feff}').trim_start();
    let start = t.find('<').unwrap_or(0);
    let mut rest = &t[start..];
    let mut kept = String::new();
    loop {
        let trimmed = rest.trim_start();
        if trimmed.starts_with("<?xml ") || trimmed.starts_with("<?xml?") {
            rest = trimmed.find("?>").map(|i| &trimmed[i + 2..]).unwrap_or("");
        } else if trimmed.starts_with("<?") || trimmed.starts_with("<!--") {
            let end = if trimmed.starts_with("<?") {
                trimmed.find("?>").map(|i| i + 2)
            } else {
                trimmed.find("-->").map(|i| i + 3)
            };
            let end = end.unwrap_or(trimmed.len());
            kept.push_str(&trimmed[..end]);
            rest = &trimmed[end..];
        } else if starts_with_ci(trimmed, "<!doctype") {
            let end = doctype_end(trimmed).unwrap_or(trimmed.len());
            if trimmed[..end].contains("<!ENTITY") {
                return Err(FeedError::new(
                    FeedErrorClass::Parse,
                    "DOCTYPE with entity declarations refused (possible entity expansion bomb)",
                ));
            }
            rest = &trimmed[end..];
        } else {
            kept.push_str(trimmed);
            return Ok(kept);
        }
    }
}

static RSS_ROOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^((?:\s*<[?!][^>]*>)*\s*)<rss\b([^>]*)>").unwrap());
static VERSION_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bversion\s*=\s*["']([^"']*)["']"#).unwrap());

fn fix_rss_version(t: String) -> String {
    let Some(c) = RSS_ROOT.captures(&t) else {
        return t;
    };
    let attrs = c.get(2).unwrap();
    let new_attrs = match VERSION_ATTR.captures(attrs.as_str()) {
        Some(v) if matches!(&v[1], "2.0" | "0.91" | "0.92") => return t,
        Some(v) => {
            let r = v.get(0).unwrap();
            format!(
                "{}version=\"2.0\"{}",
                &attrs.as_str()[..r.start()],
                &attrs.as_str()[r.end()..]
            )
        }
        None => format!(" version=\"2.0\"{}", attrs.as_str()),
    };
    let mut out = String::with_capacity(t.len() + 16);
    out.push_str(&t[..attrs.start()]);
    out.push_str(&new_attrs);
    out.push_str(&t[attrs.end()..]);
    out
}

/// HTML named entities to numeric references; stray `&` escaped; CDATA and comments untouched.
pub fn fix_entities(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + s.len() / 64);
    let (mut i, mut last) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'<' if s[i..].starts_with("<![CDATA[") => {
                i = s[i..].find("]]>").map_or(b.len(), |e| i + e + 3);
                continue;
            }
            b'<' if s[i..].starts_with("<!--") => {
                i = s[i..].find("-->").map_or(b.len(), |e| i + e + 3);
                continue;
            }
            b'&' => {
                let rest = &s[i + 1..];
                let name_len = rest
                    .bytes()
                    .take(33)
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'#')
                    .count();
                let name = &rest[..name_len];
                let terminated = rest.as_bytes().get(name_len) == Some(&b';');
                let replacement = if terminated && is_xml_reference(name) {
                    None
                } else if let Some((c1, c2)) = terminated
                    .then(|| newsroom_extract::parse::named_reference(name))
                    .flatten()
                {
                    let c2 = c2.map_or(String::new(), |c| format!("&#{};", c as u32));
                    Some(format!("&#{};{c2}", c1 as u32))
                } else {
                    Some("&amp;".to_string())
                };
                if let Some(r) = replacement {
                    out.push_str(&s[last..i]);
                    out.push_str(&r);
                    i += if r == "&amp;" { 1 } else { 1 + name_len + 1 };
                    last = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&s[last..]);
    out
}

fn is_xml_reference(name: &str) -> bool {
    if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
        return true;
    }
    let Some(num) = name.strip_prefix('#') else {
        return false;
    };
    let cp = match num.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => num.parse::<u32>().ok(),
    };
    // Control characters are not allowed in XML even as references.
    cp.and_then(char::from_u32)
        .is_some_and(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

static DATE_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<((?:[A-Za-z0-9_-]+:)?(?:pubDate|date|published|updated|issued|modified|created|lastBuildDate))(\s[^>]*)?>([^<]{1,100})</((?:[A-Za-z0-9_-]+:)?[A-Za-z]+)>")
        .unwrap()
});

fn fix_dates(s: &str, tz: &TimeZone) -> String {
    DATE_ELEMENT
        .replace_all(s, |c: &regex::Captures<'_>| {
            let whole = c[0].to_string();
            if c[1] != c[4] {
                return whole;
            }
            let text = c[3].trim();
            match parse_date(&unescape_basic(text), tz) {
                Some(t) => match jiff::Timestamp::from_second(t) {
                    Ok(ts) => format!(
                        "<{}{}>{}</{}>",
                        &c[1],
                        c.get(2).map_or("", |m| m.as_str()),
                        ts,
                        &c[4]
                    ),
                    Err(_) => whole,
                },
                None => whole,
            }
        })
        .into_owned()
}

fn unescape_basic(s: &str) -> String {
    s.replace("&#43;", "+").replace("&amp;", "&")
}

/// Default namespaces that early RSS put on its elements and feed-rs does not know:
/// UserLand's on RSS 2.0 (which has none) and Netscape's RSS 0.90 on RDF (read as 1.0).
fn legacy_rss_namespaces(s: String) -> String {
    const USERLAND: [&str; 2] = [
        "xmlns=\"http://backend.userland.com/rss2\"",
        "xmlns=\"http://backend.userland.com/rss\"",
    ];
    const RSS_090: &str = "xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"";
    let mut s = s;
    for ns in USERLAND {
        if s.contains(ns) {
            s = s.replacen(ns, "", 1);
        }
    }
    if s.contains(RSS_090) {
        s = s.replacen(RSS_090, "xmlns=\"http://purl.org/rss/1.0/\"", 1);
    }
    s
}

/// Control characters that XML 1.0 forbids and broken CMSs emit.
fn strip_forbidden_controls(s: String) -> String {
    if !s
        .bytes()
        .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return s;
    }
    s.chars()
        .filter(|c| !(c.is_control() && (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')))
        .collect()
}

/// Prepare decoded XML text for feed-rs.
pub(crate) fn prepare_xml(text: &str, tz: &TimeZone) -> Result<String, FeedError> {
    let t = strip_prolog(text)?;
    let t = strip_forbidden_controls(t);
    let t = fix_rss_version(t);
    let t = super::atom_legacy::normalize(t);
    let t = legacy_rss_namespaces(t);
    let t = fix_entities(&t);
    Ok(fix_dates(&t, tz))
}

/// JSON Feed dates are RFC 3339 by the spec; normalise the ones that are not. Also returns
/// each item's `image` and `banner_image`, in that order, which feed-rs does not keep.
pub(crate) fn prepare_json(
    text: &str,
    tz: &TimeZone,
) -> Result<(String, Vec<Vec<String>>), FeedError> {
    let mut v: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| FeedError::new(FeedErrorClass::Parse, format!("JSON: {e}")))?;
    if v.get("version")
        .and_then(|v| v.as_str())
        .is_none_or(|s| !s.contains("jsonfeed.org"))
    {
        return Err(FeedError::new(
            FeedErrorClass::NotAFeed,
            "JSON without a JSON Feed version",
        ));
    }
    let mut images = Vec::new();
    if let Some(items) = v.get_mut("items").and_then(|i| i.as_array_mut()) {
        for item in items {
            images.push(
                ["image", "banner_image"]
                    .iter()
                    .filter_map(|k| item.get(*k).and_then(|x| x.as_str()))
                    .map(|u| u.trim().to_string())
                    .filter(|u| !u.is_empty())
                    .collect(),
            );
            for key in ["date_published", "date_modified"] {
                if let Some(serde_json::Value::String(s)) = item.get(key)
                    && s.parse::<jiff::Timestamp>().is_err()
                {
                    let fixed =
                        parse_date(s, tz).and_then(|t| jiff::Timestamp::from_second(t).ok());
                    item[key] = fixed.map_or(serde_json::Value::Null, |t| t.to_string().into());
                }
            }
        }
    }
    Ok((v.to_string(), images))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        assert_eq!(
            fix_entities("a&nbsp;b &amp; c &#160; &#x41; AT&T &copy; &bogus;"),
            "a&#160;b &amp; c &#160; &#x41; AT&amp;T &#169; &amp;bogus;"
        );
        assert_eq!(
            fix_entities("<![CDATA[a&nbsp;b & c]]>&mdash;"),
            "<![CDATA[a&nbsp;b & c]]>&#8212;"
        );
        assert_eq!(fix_entities("<!-- & -->&hellip;"), "<!-- & -->&#8230;");
        assert_eq!(fix_entities("&#1;x"), "&amp;#1;x");
        // HTML5's names, beyond HTML 4's, and the few that stand for two characters.
        assert_eq!(fix_entities("&check; &rsqb;"), "&#10003; &#93;");
        assert_eq!(fix_entities("&NotEqualTilde;"), "&#8770;&#824;");
    }

    #[test]
    fn rss_versions() {
        assert_eq!(
            fix_rss_version("<rss><channel/></rss>".into()),
            "<rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(
            fix_rss_version("<rss version=\"2.01\" xmlns:a=\"b\">".into()),
            "<rss version=\"2.0\" xmlns:a=\"b\">"
        );
        assert_eq!(
            fix_rss_version("<!-- x --><rss version='0.91'>".into()),
            "<!-- x --><rss version='0.91'>"
        );
    }

    #[test]
    fn doctype_with_entities_is_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><rss><channel><title>&lol2;</title></channel></rss>"#;
        assert_eq!(
            prepare_xml(bomb, &TimeZone::UTC).unwrap_err().class,
            FeedErrorClass::Parse
        );
        let netscape = r#"<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"></rss>"#;
        assert_eq!(
            prepare_xml(netscape, &TimeZone::UTC).unwrap(),
            r#"<rss version="0.91"></rss>"#
        );
    }

    #[test]
    fn legacy_rss_namespaces_are_dropped_or_mapped() {
        assert_eq!(
            legacy_rss_namespaces(
                "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\">".into()
            ),
            "<rss version=\"2.0\" >"
        );
        assert_eq!(
            legacy_rss_namespaces(
                "<rdf:RDF xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">".into()
            ),
            "<rdf:RDF xmlns=\"http://purl.org/rss/1.0/\">"
        );
    }

    #[test]
    fn roots() {
        assert_eq!(sniff_root("<?xml version='1.0'?>\n<rss>"), Root::Feed);
        assert_eq!(sniff_root("<!DOCTYPE html><html>"), Root::Html);
        assert_eq!(sniff_root("<html lang=en>"), Root::Html);
        assert_eq!(sniff_root("<rdf:RDF xmlns:rdf=''>"), Root::Feed);
        assert_eq!(sniff_root("{\"version\":1}"), Root::Json);
        assert_eq!(sniff_root("hello"), Root::Other);
    }

    #[test]
    fn dates_rewritten() {
        let tz = TimeZone::get("Europe/Kyiv").unwrap();
        let x = fix_dates(
            "<pubDate>2024-05-01 13:00:00</pubDate><dc:date>01.05.2024 13:00</dc:date>",
            &tz,
        );
        assert_eq!(
            x,
            "<pubDate>2024-05-01T10:00:00Z</pubDate><dc:date>2024-05-01T10:00:00Z</dc:date>"
        );
    }
}

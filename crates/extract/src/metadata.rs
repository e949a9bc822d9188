//! Page metadata from `<meta>`, `<title>`, `<html lang>`, microdata and
//! `<time>`: OpenGraph and friends, normalised.

use crate::dom::{Dom, Tag};
use std::collections::HashMap;

#[derive(Default)]
pub struct Meta {
    /// Lower-cased `name`/`property`/`itemprop` → first `content`.
    pub tags: HashMap<String, String>,
    pub title: Option<String>,
    pub lang: Option<String>,
    pub canonical: Option<String>,
    pub time_datetime: Option<String>,
    pub micro_author: Option<String>,
    pub rel_author: Option<String>,
    pub h1: Option<String>,
}

impl Meta {
    pub fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .find_map(|k| self.tags.get(*k))
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }
}

/// Collapsed text of an element's subtree.
pub fn element_text(dom: &Dom, i: usize) -> String {
    let end = dom.nodes[i].end as usize;
    let mut s = String::new();
    for j in i + 1..end {
        if dom.nodes[j].tag == Tag::Text {
            s.push_str(dom.text_of(j));
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn collect(dom: &Dom) -> Meta {
    let mut m = Meta::default();
    for (i, n) in dom.nodes.iter().enumerate() {
        match n.tag {
            Tag::Meta => {
                let key = dom
                    .attr(i, "property")
                    .or_else(|| dom.attr(i, "name"))
                    .or_else(|| dom.attr(i, "itemprop"))
                    .or_else(|| dom.attr(i, "http-equiv"));
                if let (Some(k), Some(c)) = (key, dom.attr(i, "content")) {
                    m.tags
                        .entry(k.trim().to_ascii_lowercase())
                        .or_insert_with(|| c.trim().to_string());
                }
            }
            Tag::Title if m.title.is_none() => {
                let t = element_text(dom, i);
                if !t.is_empty() {
                    m.title = Some(t);
                }
            }
            Tag::H1 if m.h1.is_none() => {
                let t = element_text(dom, i);
                if !t.is_empty() {
                    m.h1 = Some(t);
                }
            }
            Tag::Html if m.lang.is_none() => {
                m.lang = dom
                    .attr(i, "lang")
                    .or_else(|| dom.attr(i, "xml:lang"))
                    .map(str::to_string);
            }
            Tag::Link => {
                let rel = dom.attr(i, "rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") && m.canonical.is_none() {
                    m.canonical = dom.attr(i, "href").map(str::to_string);
                }
            }
            Tag::Time if m.time_datetime.is_none() => {
                m.time_datetime = dom.attr(i, "datetime").map(str::to_string);
            }
            Tag::A
                if m.rel_author.is_none()
                    && dom.attr(i, "rel").is_some_and(|r| {
                        r.split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("author"))
                    }) =>
            {
                let t = element_text(dom, i);
                if !t.is_empty() && t.len() < 100 {
                    m.rel_author = Some(t);
                }
            }
            _ => {}
        }
        if n.tag != Tag::Text
            && n.tag != Tag::Meta
            && m.micro_author.is_none()
            && let Some(p) = dom.attr(i, "itemprop")
            && p.eq_ignore_ascii_case("author")
        {
            let t = element_text(dom, i);
            if !t.is_empty() && t.len() < 100 {
                m.micro_author = Some(t);
            }
        }
    }
    m
}

/// Parses the date formats news pages use into UTC seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    // `+0000` offsets without a colon.
    let b = s.as_bytes();
    if b.len() > 5
        && matches!(b[b.len() - 5], b'+' | b'-')
        && b[b.len() - 4..].iter().all(u8::is_ascii_digit)
    {
        let fixed = format!("{}:{}", &s[..s.len() - 2], &s[s.len() - 2..]);
        if let Ok(ts) = fixed.parse::<jiff::Timestamp>() {
            return Some(ts.as_second());
        }
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return jiff::tz::TimeZone::UTC
            .to_timestamp(dt)
            .ok()
            .map(|t| t.as_second());
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
        return Some(z.timestamp().as_second());
    }
    if s.len() >= 10
        && let Some(Ok(d)) = s.get(..10).map(str::parse::<jiff::civil::Date>)
    {
        return jiff::tz::TimeZone::UTC
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .ok()
            .map(|t| t.as_second());
    }
    None
}

/// `en-US`, `en_US`, `EN` → `en`; rejects values that are not language tags.
pub fn normalise_lang(s: &str) -> Option<String> {
    let primary = s
        .trim()
        .split(['-', '_', ',', ';'])
        .next()?
        .trim()
        .to_ascii_lowercase();
    (2..=3)
        .contains(&primary.len())
        .then_some(primary)
        .filter(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("2020-01-02T03:04:05Z"), Some(1577934245));
        assert_eq!(parse_time("2020-01-02T04:04:05+0100"), Some(1577934245));
        assert_eq!(parse_time("2020-01-02T03:04:05"), Some(1577934245));
        assert_eq!(
            parse_time("Thu, 02 Jan 2020 03:04:05 GMT"),
            Some(1577934245)
        );
        assert_eq!(parse_time("2020-01-02"), Some(1577923200));
        assert_eq!(parse_time("yesterday"), None);
        // Multi-byte text where a date prefix would be cut must not panic.
        assert_eq!(parse_time("2019年11月20日 10:00"), None);
    }

    #[test]
    fn langs() {
        assert_eq!(normalise_lang("en-US").as_deref(), Some("en"));
        assert_eq!(normalise_lang("pt_BR").as_deref(), Some("pt"));
        assert_eq!(normalise_lang("").as_deref(), None);
    }

    #[test]
    fn collects_opengraph_and_microdata() {
        let dom = crate::parse::build(
            r#"<html lang="de"><head><title> T </title><meta property="og:title" content="OG">
            </head><body><h1>Head</h1><span itemprop="author">Jane Roe</span><time datetime="2021-05-01">x</time></body></html>"#,
        );
        let m = collect(&dom);
        assert_eq!(m.get(&["og:title"]), Some("OG"));
        assert_eq!(m.title.as_deref(), Some("T"));
        assert_eq!(m.lang.as_deref(), Some("de"));
        assert_eq!(m.micro_author.as_deref(), Some("Jane Roe"));
        assert_eq!(m.time_datetime.as_deref(), Some("2021-05-01"));
        assert_eq!(m.h1.as_deref(), Some("Head"));
    }
}

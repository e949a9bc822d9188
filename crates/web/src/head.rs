//! What a page's `<head>` tells machines about it: the canonical address,
//! a description, Open Graph and Twitter card previews, and schema.org
//! JSON-LD (`NewsArticle` on articles, `CollectionPage`/`ItemList` on
//! stories, `WebSite` with a `SearchAction` and a `BreadcrumbList` on home
//! and section pages). The base layout writes them all from one `PageMeta`,
//! so every page carries the same set.
//!
//! JSON-LD sits in a `<script>` element, where HTML escaping does not apply:
//! `json_ld` escapes what could end the element or the script instead.

use serde::Serialize;
use serde_json::{Value, json};
use std::borrow::Cow;
use std::io;

/// The head of one page. Addresses in it are absolute.
#[derive(Debug, Clone, Default)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// The canonical address; `None` on pages that have none (error pages).
    pub url: Option<String>,
    /// `og:type`: `website` or `article`.
    pub og_type: &'static str,
    pub image: Option<String>,
    /// JSON-LD documents, each already made safe by `json_ld`.
    pub json_ld: Vec<String>,
}

impl PageMeta {
    pub fn new(title: String, description: String, url: Option<String>) -> Self {
        Self {
            title,
            description: one_line(&description, 300),
            url,
            og_type: "website",
            image: None,
            json_ld: Vec::new(),
        }
    }

    /// `summary_large_image` when there is an image to show large.
    pub fn twitter_card(&self) -> &'static str {
        if self.image.is_some() {
            "summary_large_image"
        } else {
            "summary"
        }
    }
}

/// A JSON-LD document as the text of a `<script type="application/ld+json">`
/// element. `<` (so no `</script>` or `<!--`), `>`, `&` and the JavaScript
/// line separators U+2028/U+2029 become `\uXXXX` escapes: they can only
/// stand inside JSON strings, where the escape means the same character.
///
/// Written in one pass by serde_json with `ScriptSafe` escaping its
/// strings: building a `Value` and escaping its text after was 8% of an
/// uncached article page (docs/PERFORMANCE.md).
pub fn json_ld<T: Serialize + ?Sized>(doc: &T) -> String {
    let mut out = Vec::with_capacity(1024);
    doc.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out, ScriptSafe,
    ))
    .expect("a JSON-LD document is strings, numbers, lists and maps with string keys");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// serde_json's compact output, with the characters `json_ld` names escaped
/// inside strings (keys too). Everything else it writes is ASCII
/// punctuation, digits and literals, none of them those characters.
struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let (escape, len): (&[u8], usize) = match b {
                b'<' => (b"\\u003c", 1),
                b'>' => (b"\\u003e", 1),
                b'&' => (b"\\u0026", 1),
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                0xE2 if bytes[i + 1..].starts_with(&[0x80, 0xA8]) => (b"\\u2028", 3),
                0xE2 if bytes[i + 1..].starts_with(&[0x80, 0xA9]) => (b"\\u2029", 3),
                _ => continue,
            };
            w.write_all(&bytes[start..i])?;
            w.write_all(escape)?;
            start = i + len;
        }
        w.write_all(&bytes[start..])
    }
}

/// Text on one line, cut at a word boundary to at most `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    one_line_cow(s, max).into_owned()
}

/// `one_line`, borrowing text that is one line already (most titles and
/// summaries): the page's head asks for the same text more than once.
fn one_line_cow(s: &str, max: usize) -> Cow<'_, str> {
    let flat_already = !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && !s.chars().any(|c| c != ' ' && c.is_whitespace());
    if flat_already && s.len() <= max {
        // Bytes bound characters: no count needed.
        return Cow::Borrowed(s);
    }
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return Cow::Owned(flat);
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    Cow::Owned(format!("{cut}…"))
}

/// The site's logo, absolute.
pub fn logo_url(base: &str) -> String {
    format!("{base}/favicon.svg")
}

/// What an article page says about its article.
pub struct NewsArticle<'a> {
    pub url: &'a str,
    pub headline: &'a str,
    pub description: &'a str,
    pub image: Option<&'a str>,
    pub published: &'a str,
    pub modified: &'a str,
    pub author: Option<&'a str>,
    /// The outlet, the author when the article names no person.
    pub outlet: &'a str,
    /// The outlet's page, when it passed the check (`safe_html::original`).
    pub original_url: Option<&'a str>,
    pub language: Option<&'a str>,
}

/// The `NewsArticle` document as written: fields in the order of their
/// names, as a `serde_json::Value` wrote them before (the same bytes).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewsArticleLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    author: [Typed<'a>; 1],
    date_modified: &'a str,
    date_published: &'a str,
    description: Cow<'a, str>,
    headline: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<[&'a str; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_based_on: Option<&'a str>,
    main_entity_of_page: Page<'a>,
    publisher: Publisher<'a>,
    url: &'a str,
}

/// `{"@type": kind, "name": name}`: a person or an organisation.
#[derive(Serialize)]
struct Typed<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct Page<'a> {
    #[serde(rename = "@id")]
    id: &'a str,
    #[serde(rename = "@type")]
    kind: &'static str,
}

/// The site as its publisher: name and logo.
#[derive(Serialize)]
struct Publisher<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    logo: Logo,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Logo {
    #[serde(rename = "@type")]
    kind: &'static str,
    url: String,
}

impl NewsArticle<'_> {
    /// The JSON-LD text of the document (`json_ld`).
    pub fn to_json_ld(&self, site_name: &str, base: &str) -> String {
        let author = match self.author.filter(|a| !a.trim().is_empty()) {
            Some(name) => Typed {
                kind: "Person",
                name,
            },
            None => Typed {
                kind: "Organization",
                name: self.outlet,
            },
        };
        json_ld(&NewsArticleLd {
            context: "https://schema.org",
            kind: "NewsArticle",
            author: [author],
            date_modified: self.modified,
            date_published: self.published,
            description: one_line_cow(self.description, 300),
            headline: one_line_cow(self.headline, 110),
            image: self.image.map(|i| [i]),
            in_language: self.language,
            is_based_on: self.original_url,
            main_entity_of_page: Page {
                id: self.url,
                kind: "WebPage",
            },
            publisher: Publisher {
                kind: "Organization",
                logo: Logo {
                    kind: "ImageObject",
                    url: logo_url(base),
                },
                name: site_name,
                url: format!("{base}/"),
            },
            url: self.url,
        })
    }
}

/// The site, with its search box, for home and section pages.
pub fn website(site_name: &str, base: &str) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site_name,
        "url": format!("{base}/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": { "@type": "EntryPoint", "urlTemplate": format!("{base}/search?q={{search_term_string}}") },
            "query-input": "required name=search_term_string"
        }
    })
}

/// `ListItem`s in order; `key` names the address (`item` in a breadcrumb,
/// `url` in a list of pages).
fn list_items(entries: &[(&str, String)], key: &str) -> Vec<Value> {
    entries
        .iter()
        .enumerate()
        .map(|(i, (name, url))| {
            let mut item = json!({ "@type": "ListItem", "position": i + 1, "name": name });
            item[key] = json!(url);
            item
        })
        .collect()
}

/// Where a page stands: `(name, absolute address)` from the home page down.
pub fn breadcrumbs(trail: &[(&str, String)]) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": list_items(trail, "item")
    })
}

/// A page listing articles (a story's coverage): `(headline, absolute address)`.
pub fn collection(name: &str, url: &str, articles: &[(&str, String)]) -> Value {
    let items = list_items(articles, "url");
    json!({
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": name,
        "url": url,
        "mainEntity": {
            "@type": "ItemList",
            "numberOfItems": items.len(),
            "itemListElement": items
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str =
        "a</script><script>alert(1)</script> <!-- & \u{2028}\u{2029} é \"q\" \\ \u{1}";

    /// No character that could end the element or the script, and the
    /// text parses back to the document.
    fn assert_script_safe(s: &str) -> Value {
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!s.contains(bad), "{bad:?} in {s}");
        }
        serde_json::from_str(s).expect("JSON-LD parses")
    }

    #[test]
    fn json_ld_cannot_end_its_script() {
        let doc = json!({ "headline": HOSTILE, HOSTILE: [HOSTILE, 1] });
        let s = json_ld(&doc);
        // And it still means the same.
        assert_eq!(assert_script_safe(&s), doc);
    }

    fn article<'a>(title: &'a str, author: Option<&'a str>) -> NewsArticle<'a> {
        NewsArticle {
            url: "https://news.example/news/1-a",
            headline: title,
            description: "  A summary\n spread   over lines ",
            image: Some("https://img.example/1.jpg"),
            published: "2026-12-01T10:00:00Z",
            modified: "2026-12-02T11:00:00Z",
            author,
            outlet: "The Outlet",
            original_url: Some("https://outlet.example/a?b=1&c=2"),
            language: Some("en"),
        }
    }

    #[test]
    fn news_article_is_the_schema_org_document_and_script_safe() {
        let a = article(HOSTILE, None);
        let text = a.to_json_ld("Site <News>", "https://news.example");
        let expected = json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": { "@type": "WebPage", "@id": "https://news.example/news/1-a" },
            "url": "https://news.example/news/1-a",
            "headline": one_line(HOSTILE, 110),
            "description": "A summary spread over lines",
            "datePublished": "2026-12-01T10:00:00Z",
            "dateModified": "2026-12-02T11:00:00Z",
            "author": [{ "@type": "Organization", "name": "The Outlet" }],
            "publisher": {
                "@type": "Organization",
                "name": "Site <News>",
                "url": "https://news.example/",
                "logo": { "@type": "ImageObject", "url": "https://news.example/favicon.svg" }
            },
            "isBasedOn": "https://outlet.example/a?b=1&c=2",
            "image": ["https://img.example/1.jpg"],
            "inLanguage": "en",
        });
        assert_eq!(assert_script_safe(&text), expected);
        // The same bytes as the document built as a `Value` (keys in order).
        assert_eq!(text, json_ld(&expected));

        let named = article("Plain title", Some("Jo Writer"));
        let doc = assert_script_safe(&named.to_json_ld("S", "https://s.example"));
        assert_eq!(
            doc["author"],
            json!([{ "@type": "Person", "name": "Jo Writer" }])
        );
        assert_eq!(doc["headline"], "Plain title");
        let bare = NewsArticle {
            image: None,
            original_url: None,
            language: None,
            ..article("T", Some("  "))
        };
        let doc = assert_script_safe(&bare.to_json_ld("S", "https://s.example"));
        for absent in ["image", "isBasedOn", "inLanguage"] {
            assert!(doc.get(absent).is_none(), "{absent} in {doc}");
        }
        assert_eq!(
            doc["author"][0]["name"], "The Outlet",
            "a blank author is none"
        );
    }

    #[test]
    fn one_line_cuts_at_a_word() {
        assert_eq!(one_line(" a\n b  c ", 10), "a b c");
        assert_eq!(one_line("alpha beta gamma delta", 15), "alpha beta…");
        assert_eq!(one_line(&"x".repeat(20), 10).chars().count(), 10);
        // Already one line: kept as it is, however its bytes count.
        assert_eq!(one_line("éé ü", 4), "éé ü");
        assert_eq!(one_line("a\u{a0}b", 10), "a b");
    }
}

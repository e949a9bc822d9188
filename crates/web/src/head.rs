//! What a page's `<head>` tells machines about it: the canonical address,
//! a description, Open Graph and Twitter card previews, and schema.org
//! JSON-LD (`NewsArticle` on articles, `CollectionPage`/`ItemList` on
//! stories, `WebSite` with a `SearchAction` and a `BreadcrumbList` on home
//! and section pages). The base layout writes them all from one `PageMeta`,
//! so every page carries the same set.
//!
//! JSON-LD sits in a `<script>` element, where HTML escaping does not apply:
//! `json_ld` escapes what could end the element or the script instead.

use serde_json::{Value, json};

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
pub fn json_ld(doc: &Value) -> String {
    let raw = doc.to_string();
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text on one line, cut at a word boundary to at most `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{cut}…")
}

/// The site's logo, absolute.
pub fn logo_url(base: &str) -> String {
    format!("{base}/favicon.svg")
}

/// The site as its publisher: name and logo.
pub fn publisher(site_name: &str, base: &str) -> Value {
    json!({
        "@type": "Organization",
        "name": site_name,
        "url": format!("{base}/"),
        "logo": { "@type": "ImageObject", "url": logo_url(base) }
    })
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

impl NewsArticle<'_> {
    pub fn to_json(&self, site_name: &str, base: &str) -> Value {
        let author = match self.author.filter(|a| !a.trim().is_empty()) {
            Some(name) => json!({ "@type": "Person", "name": name }),
            None => json!({ "@type": "Organization", "name": self.outlet }),
        };
        let mut doc = json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": { "@type": "WebPage", "@id": self.url },
            "url": self.url,
            "headline": one_line(self.headline, 110),
            "description": one_line(self.description, 300),
            "datePublished": self.published,
            "dateModified": self.modified,
            "author": [author],
            "publisher": publisher(site_name, base),
        });
        if let Some(original) = self.original_url {
            doc["isBasedOn"] = json!(original);
        }
        if let Some(img) = self.image {
            doc["image"] = json!([img]);
        }
        if let Some(l) = self.language {
            doc["inLanguage"] = json!(l);
        }
        doc
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

    #[test]
    fn json_ld_cannot_end_its_script() {
        let doc =
            json!({ "headline": "a</script><script>alert(1)</script> <!-- & \u{2028}\u{2029}" });
        let s = json_ld(&doc);
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!s.contains(bad), "{bad:?} in {s}");
        }
        // And it still means the same.
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn one_line_cuts_at_a_word() {
        assert_eq!(one_line(" a\n b  c ", 10), "a b c");
        assert_eq!(one_line("alpha beta gamma delta", 15), "alpha beta…");
        assert_eq!(one_line(&"x".repeat(20), 10).chars().count(), 10);
    }
}

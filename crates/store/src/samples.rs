//! Sample rows for tests, this crate's and the other crates' (feature `testkit`).

use newsroom_core::{FullTextMode, NewArticle, NewSource, SourceId};

/// A time to write them at.
pub const T0: i64 = 1_700_000_000;

/// A source named `name`, on a host of its own.
pub fn source(name: &str) -> NewSource {
    NewSource {
        name: name.into(),
        feed_url: format!("https://{name}.example/feed.xml"),
        site_url: None,
        section_id: None,
        full_text: FullTextMode::Auto,
    }
}

/// An English article of `source` at `https://news.example/{key}`, with no GUID.
pub fn article(source: SourceId, key: &str, text: &str) -> NewArticle {
    NewArticle {
        source_id: source,
        section_id: None,
        guid: None,
        canonical_url: format!("https://news.example/{key}"),
        original_url: format!("https://news.example/{key}"),
        title: format!("Article {key}"),
        summary: String::new(),
        body_html: format!("<p>{text}</p>"),
        body_text: text.into(),
        body_seal: None,
        image: None,
        video: None,
        author: None,
        language: Some("en".into()),
        published_at: T0,
        fetched_at: T0,
    }
}

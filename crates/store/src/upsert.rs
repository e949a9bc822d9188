//! The decision an article upsert makes, kept apart from SQL so both backends
//! decide the same way.

use crate::rows::ArticleRow;
use newsroom_core::NewArticle;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Insert,
    /// Keep the stored article; just record that it was seen.
    Touch,
    Update(Merged),
    Suppress,
}

/// Field values to write on update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub original_url: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub body_text: String,
    /// Goes with `body_html`: the seal of whichever body is kept.
    pub body_seal: Option<String>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_width: Option<i64>,
    pub image_height: Option<i64>,
    pub video_url: Option<String>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub section_id: Option<i64>,
    pub published_at: i64,
}

fn keep_nonempty(new: &str, old: &str) -> String {
    if new.trim().is_empty() {
        old.to_string()
    } else {
        new.to_string()
    }
}

/// An empty new value never erases a stored one: a feed that drops its
/// summary, or a full-text fetch that failed this time, must not blank the article.
pub fn decide(existing: Option<&ArticleRow>, new: &NewArticle) -> Decision {
    let Some(old) = existing else {
        return Decision::Insert;
    };
    if old.status != "published" {
        return Decision::Suppress;
    }
    let (image_url, image_alt, image_width, image_height) = match &new.image {
        Some(img) => (
            Some(img.url.to_string()),
            Some(img.alt.clone()),
            img.width.map(i64::from).or(old.image_width),
            img.height.map(i64::from).or(old.image_height),
        ),
        None => (
            old.image_url.clone(),
            old.image_alt.clone(),
            old.image_width,
            old.image_height,
        ),
    };
    let merged = Merged {
        original_url: keep_nonempty(&new.original_url, &old.original_url),
        title: keep_nonempty(&new.title, &old.title),
        summary: keep_nonempty(&new.summary, &old.summary),
        body_html: keep_nonempty(&new.body_html, &old.body_html),
        body_text: keep_nonempty(&new.body_text, &old.body_text),
        body_seal: if new.body_html.trim().is_empty() {
            old.body_seal.clone()
        } else {
            new.body_seal.clone()
        },
        image_url,
        image_alt,
        image_width,
        image_height,
        video_url: new
            .video
            .as_ref()
            .map(|v| v.url.to_string())
            .or_else(|| old.video_url.clone()),
        author: new.author.clone().or_else(|| old.author.clone()),
        language: new.language.clone().or_else(|| old.language.clone()),
        section_id: new.section_id.map(|s| s.0).or(old.section_id),
        // Ingestion decides which source's time wins (`newsroom_ingest::merge`); the store
        // records the decision.
        published_at: new.published_at,
    };
    let same = merged.title == old.title
        && merged.summary == old.summary
        && merged.body_html == old.body_html
        && merged.body_text == old.body_text
        && merged.image_url == old.image_url
        && merged.video_url == old.video_url
        && merged.author == old.author
        && merged.published_at == old.published_at;
    if same {
        Decision::Touch
    } else {
        Decision::Update(merged)
    }
}

//! The merge stage: the field rules of `merge` applied to one item, what is stored of it,
//! and what its page gave, into the article to store and the state to remember.

use crate::config::IngestConfig;
use crate::feed::FeedItem;
use crate::identify::{Identity, rechecks_due};
use crate::merge::{self, Body, Published};
use crate::page::PageRead;
use crate::seal::SealKey;
use crate::text::{html_to_text, summary_of_text, summary_text};
use newsroom_core::{
    BodyOrigin, IngestState, LeadImage, NewArticle, PublicUrl, Source, Timestamp, Video,
};

/// What the page request of this poll came to.
pub enum PageResult {
    NotAsked,
    Read(PageRead),
    NotModified(crate::fetch::Validators),
    Failed,
}

impl PageResult {
    fn asked(&self) -> bool {
        !matches!(self, PageResult::NotAsked)
    }

    pub fn read(&self) -> Option<&PageRead> {
        match self {
            PageResult::Read(p) => Some(p),
            _ => None,
        }
    }
}

pub struct Merged {
    pub article: NewArticle,
    pub state: IngestState,
    /// A page or feed body much shorter than the stored one was refused.
    pub refused_shrink: bool,
}

/// The feed's body for an item, sanitised within the `cpu` limits, with its plain text.
/// Blocking: call it in `cpu::run`.
pub fn feed_body(item: &FeedItem) -> Option<Body> {
    let html = item
        .content_html
        .as_deref()
        .or(item.summary_html.as_deref())
        .filter(|h| !h.trim().is_empty())?;
    let text = html_to_text(html);
    Some(Body {
        html: crate::cpu::sanitize(html, item.url.as_deref(), &text),
        text,
        origin: BodyOrigin::Feed,
        seal: None,
    })
}

/// `None` when nothing gives the item a title.
#[allow(clippy::too_many_arguments)]
pub fn merge_item(
    cfg: &IngestConfig,
    seal: Option<&SealKey>,
    source: &Source,
    id: &Identity,
    item: &FeedItem,
    feed_body: Option<Body>,
    feed_hash: String,
    page: &PageResult,
    canonical_url: String,
    now: Timestamp,
) -> Option<Merged> {
    let stored = id.known.as_ref();
    let old = stored.map(|k| &k.article);
    let old_state = stored.map(|k| &k.state);
    let ex = page.read().map(|p| &p.extracted);

    let stored_body = stored.map(|k| Body {
        html: k.article.body_html.clone(),
        text: k.article.body_text.clone(),
        origin: k.state.body_origin,
        seal: k.article.body_seal.clone(),
    });
    // Bodies fresh from the sanitiser (the feed's above, the extractor's
    // here) are sealed; a stored one keeps whatever seal it had.
    let sealed = |b: Body| Body {
        seal: seal.map(|k| k.seal(&b.html)),
        ..b
    };
    let feed_body = feed_body.map(sealed);
    let page_body = ex
        .map(|e| Body {
            html: e.html.clone(),
            text: e.text.clone(),
            origin: BodyOrigin::Page,
            seal: None,
        })
        .map(sealed);
    let fresh = merge::fresh_body(feed_body, page_body);
    let body = merge::body(stored_body.clone(), fresh.clone());
    let refused_shrink = merge::refused_shrink(stored_body.as_ref(), fresh.as_ref(), body.as_ref());
    let body = body.unwrap_or(Body {
        html: String::new(),
        text: String::new(),
        origin: BodyOrigin::Feed,
        seal: None,
    });

    // The page's own addresses (og:image, og:video, JSON-LD media) are as untrusted as
    // the feed's: one that is not a PublicUrl is dropped, the article kept.
    let page_url = page.read().and_then(|p| url::Url::parse(&p.url).ok());
    let page_image = ex.and_then(|e| e.image.as_ref()).and_then(|i| {
        Some(LeadImage {
            url: PublicUrl::or_drop(&i.url, page_url.as_ref(), "page image")?,
            alt: i.alt.clone().unwrap_or_default(),
            width: i.width,
            height: i.height,
        })
    });
    let page_video = ex
        .and_then(|e| e.video.as_ref())
        .and_then(|v| PublicUrl::or_drop(&v.url, page_url.as_ref(), "page video"))
        .map(|url| Video { url });
    let published = merge::published(
        stored.map(|k| Published {
            at: k.article.published_at,
            trusted: k.state.published_trusted,
        }),
        &[item.published, ex.and_then(|e| e.published)],
        now,
        cfg.future_skew,
    );
    let feed_summary = item
        .summary_html
        .as_deref()
        .or(item.content_html.as_deref())
        .map(summary_text);
    let title = merge::title(
        &item.title,
        old.map(|a| a.title.as_str()),
        ex.and_then(|e| e.title.as_deref()),
    )
    .or_else(|| Some(summary_of_text(&body.text).chars().take(120).collect()))
    .filter(|t: &String| !t.trim().is_empty())?;

    let article = NewArticle {
        source_id: source.id,
        section_id: source.section_id,
        // The stored article's identity stays: the store finds it by these.
        guid: match old {
            Some(a) => a.guid.clone().or_else(|| id.guid.clone()),
            None => id.guid.clone(),
        },
        canonical_url: old.map_or(canonical_url, |a| a.canonical_url.clone()),
        original_url: id.link.to_string(),
        title,
        // The page's own summary parses its whole body again: only asked
        // for when neither the feed nor the stored article has one.
        summary: merge::first_text(
            [feed_summary, old.map(|a| a.summary.clone())]
                .into_iter()
                .chain(std::iter::once_with(|| ex.map(|e| summary_text(&e.html)))),
        )
        .unwrap_or_default(),
        image: merge::image([
            old.and_then(|a| a.image.clone()),
            page_image,
            item.image.clone(),
        ]),
        video: merge::video([
            old.and_then(|a| a.video.clone()),
            item.video.clone(),
            page_video,
        ]),
        author: merge::first_text([
            item.author.clone(),
            old.and_then(|a| a.author.clone()),
            ex.and_then(|e| e.author.clone()),
        ]),
        language: merge::first_text([
            ex.and_then(|e| e.language.clone()),
            item.language.clone(),
            old.and_then(|a| a.language.clone()),
        ]),
        published_at: published.at,
        fetched_at: now,
        body_html: body.html,
        body_text: body.text,
        body_seal: body.seal,
    };

    let mut state = old_state.cloned().unwrap_or(IngestState {
        first_seen: now,
        ..IngestState::default()
    });
    state.body_origin = body.origin;
    state.published_trusted = published.trusted;
    state.feed_updated = item.updated.or(state.feed_updated);
    state.feed_hash = Some(feed_hash);
    match page {
        PageResult::Read(p) => {
            state.page_etag = p.validators.etag.clone();
            state.page_last_modified = p.validators.last_modified.clone();
        }
        PageResult::NotModified(v) => {
            state.page_etag = v.etag.clone().or(state.page_etag.take());
            state.page_last_modified = v.last_modified.clone().or(state.page_last_modified.take());
        }
        _ => {}
    }
    if page.asked() {
        state.page_checked_at = Some(now);
        state.rechecks = rechecks_due(&cfg.page_rechecks, state.first_seen, now);
    }
    Some(Merged {
        article,
        state,
        refused_shrink,
    })
}

/// A stable hash of what the feed says of an item's content, to notice edits.
pub fn feed_hash(item: &FeedItem) -> String {
    let mut h = blake3::Hasher::new();
    for part in [&item.summary_html, &item.content_html] {
        h.update(part.as_deref().unwrap_or("").as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..32].to_string()
}

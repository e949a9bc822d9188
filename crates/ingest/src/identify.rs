//! The identify stage: which stored article, if any, a feed item is. Every address an
//! article has had (its GUID within its source, its feed link, each redirect hop, the
//! page's final URL and rel=canonical) is remembered in the store, so an item seen again is
//! recognised before any page fetch.

use crate::feed::FeedItem;
use newsroom_core::{
    AddressKind, Article, ArticleAddress, BodyOrigin, FullTextMode, IngestState, PublicUrl, Source,
    Timestamp, url,
};
use newsroom_store::{ArticleLookup, Store};

/// A feed item and what is already known of it.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The item's link as the feed gave it (checked and made absolute by the feed stage).
    pub link: PublicUrl,
    /// The link, canonicalised.
    pub feed_canonical: String,
    pub guid: Option<String>,
    pub known: Option<Known>,
}

/// A stored article and what ingestion remembers of it.
#[derive(Debug, Clone)]
pub struct Known {
    pub article: Article,
    pub state: IngestState,
    /// False for an article stored before ingestion kept state: the state is a guess.
    pub had_state: bool,
}

/// `None` when the item has no usable link.
pub async fn identify(store: &dyn Store, source: &Source, item: &FeedItem) -> Option<Identity> {
    let link = item.url.clone()?;
    let feed_canonical = url::canonicalize(link.as_str()).ok()?;
    let mut lookups = Vec::with_capacity(3);
    if let Some(g) = &item.guid {
        lookups.push(ArticleLookup::Address(ArticleAddress::guid(source.id, g)));
    }
    lookups.push(ArticleLookup::Address(ArticleAddress::url(
        &feed_canonical,
        AddressKind::FeedLink,
    )));
    // Articles stored before addresses were remembered are found by their canonical URL.
    lookups.push(ArticleLookup::CanonicalUrl(feed_canonical.clone()));
    let known = find(store, source, &lookups).await;
    Some(Identity {
        link,
        feed_canonical,
        guid: item.guid.clone(),
        known,
    })
}

/// A stored article one of the page's addresses (a redirect hop, its final URL, its
/// canonical) belongs to. Addresses [`identify`] has just looked up for `id` (the
/// feed link's) are not asked again: most pages are at their feed link and name it
/// canonical, and then there is nothing to ask.
pub async fn by_page(
    store: &dyn Store,
    source: &Source,
    id: &Identity,
    page_urls: &[(String, AddressKind)],
) -> Option<Known> {
    let mut asked = vec![id.feed_canonical.clone()];
    for c in page_urls
        .iter()
        .filter_map(|(u, _)| url::canonicalize(u).ok())
    {
        if !asked.contains(&c) {
            asked.push(c);
        }
    }
    let lookups: Vec<ArticleLookup> = asked
        .into_iter()
        .skip(1)
        .flat_map(|c| {
            [
                ArticleLookup::Address(ArticleAddress::url(&c, AddressKind::PageUrl)),
                ArticleLookup::CanonicalUrl(c),
            ]
        })
        .collect();
    if lookups.is_empty() {
        return None;
    }
    find(store, source, &lookups).await
}

/// The first article `lookups` find, in one statement, and what ingestion remembers of it.
async fn find(store: &dyn Store, source: &Source, lookups: &[ArticleLookup]) -> Option<Known> {
    let (article, state) = store.find_article(lookups).await.ok().flatten()?;
    let had_state = state.is_some();
    let state = state.unwrap_or_else(|| legacy_state(source, &article));
    Some(Known {
        article,
        state,
        had_state,
    })
}

/// A best guess for an article stored before ingestion kept state: a body from a source
/// that fetches pages counts as the page's, and its published time as stated.
fn legacy_state(source: &Source, a: &Article) -> IngestState {
    IngestState {
        body_origin: if source.full_text == FullTextMode::Never {
            BodyOrigin::Feed
        } else {
            BodyOrigin::Page
        },
        published_trusted: a.published_at >= crate::merge::EARLIEST_BELIEVABLE,
        first_seen: a.published_at.min(a.fetched_at),
        ..IngestState::default()
    }
}

/// The addresses to remember for an article after this poll. A site's home page is left
/// out: dead links commonly redirect there, and it names no one article.
pub fn addresses(
    source: &Source,
    id: &Identity,
    keep_guid: bool,
    page_urls: &[(String, AddressKind)],
) -> Vec<ArticleAddress> {
    let mut out = Vec::new();
    if keep_guid && let Some(g) = &id.guid {
        out.push(ArticleAddress::guid(source.id, g));
    }
    out.push(ArticleAddress::url(
        &id.feed_canonical,
        AddressKind::FeedLink,
    ));
    for (u, kind) in page_urls {
        if let Ok(c) = url::canonicalize(u)
            && !is_home(&c)
            && !out.iter().any(|a| a.address == c && a.source.is_none())
        {
            out.push(ArticleAddress::url(&c, *kind));
        }
    }
    out
}

fn is_home(u: &str) -> bool {
    ::url::Url::parse(u).is_ok_and(|p| p.path() == "/" && p.query().is_none())
}

/// The scheduled page re-checks already due for an article first seen at `first_seen`.
pub fn rechecks_due(schedule: &[i64], first_seen: Timestamp, now: Timestamp) -> i64 {
    schedule
        .iter()
        .filter(|&&after| now - first_seen >= after)
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_pages_are_not_addresses() {
        assert!(is_home("https://x.test/"));
        assert!(!is_home("https://x.test/a"));
        assert!(!is_home("https://x.test/?p=12"));
    }

    #[test]
    fn rechecks_count_the_steps_passed() {
        let s = [3600, 6 * 3600, 24 * 3600];
        assert_eq!(rechecks_due(&s, 1000, 1000), 0);
        assert_eq!(rechecks_due(&s, 1000, 1000 + 3600), 1);
        assert_eq!(rechecks_due(&s, 1000, 1000 + 7 * 3600), 2);
        assert_eq!(rechecks_due(&s, 1000, 1000 + 30 * 3600), 3);
    }
}

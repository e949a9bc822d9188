//! Adding a source, the one way both `newsroom source add` and the admin's
//! form do it: the address is checked, its feed discovered (the address
//! itself, a feed its page links to, or a common path), and the source
//! stored unless its feed is polled already.

use crate::discover::discover;
use crate::error::FetchError;
use crate::feed::ParseOptions;
use crate::fetch::Fetcher;
use crate::pipeline::{IngestConfig, IngestError};
use newsroom_core::{FullTextMode, NewSection, NewSource, SectionId, Source, SourceId};
use newsroom_store::{Store, StoreError};

/// Longer addresses are refused before anything is fetched.
pub const MAX_URL_CHARS: usize = 2048;

/// What to add.
#[derive(Debug, Clone)]
pub struct SourceRequest<'a> {
    /// A feed URL, or a site URL whose feed is discovered.
    pub url: &'a str,
    /// The source's name; the feed's title (or its host) when `None`.
    pub name: Option<&'a str>,
    pub section: Option<SectionPick<'a>>,
    pub full_text: FullTextMode,
}

/// The section a new source files its articles under.
#[derive(Debug, Clone, Copy)]
pub enum SectionPick<'a> {
    /// A section by slug or name, made when it does not exist yet (the CLI).
    Named(&'a str),
    /// An existing section (the admin's list of sections).
    Id(SectionId),
}

#[derive(Debug, thiserror::Error)]
pub enum AddSourceError {
    /// The request itself is wrong: the address, the section.
    #[error("{0}")]
    Invalid(String),
    #[error("{feed_url} is already source {id}")]
    Exists { id: SourceId, feed_url: String },
    /// Nothing at the address could be read as a feed.
    #[error(transparent)]
    Discovery(#[from] FetchError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// What adding a source needs besides the store: the fetcher (with its SSRF
/// guard) and the ingest settings feeds are parsed with.
#[derive(Clone)]
pub struct SourceAdder {
    pub fetcher: Fetcher,
    pub cfg: IngestConfig,
}

impl SourceAdder {
    pub async fn add(
        &self,
        store: &dyn Store,
        req: &SourceRequest<'_>,
    ) -> Result<Source, AddSourceError> {
        add_source(store, &self.fetcher, &self.cfg, req).await
    }
}

/// An address newsroom may fetch: http(s), with a host, without user name
/// or password, at most `MAX_URL_CHARS`. Where it points is checked when it
/// is fetched (the fetcher's SSRF guard).
pub fn check_url(raw: &str) -> Result<String, AddSourceError> {
    let raw = raw.trim();
    let bad = |m: String| Err(AddSourceError::Invalid(m));
    if raw.is_empty() {
        return bad("The address is missing.".into());
    }
    if raw.chars().count() > MAX_URL_CHARS {
        return bad(format!(
            "The address is longer than {MAX_URL_CHARS} characters."
        ));
    }
    if raw.chars().any(char::is_control) {
        return bad("The address holds control characters.".into());
    }
    let u = match url::Url::parse(raw) {
        Ok(u) => u,
        Err(e) => return bad(format!("The address is not valid ({e}).")),
    };
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return bad("The address must start with http:// or https:// and name a host.".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return bad("The address may not carry a user name or password.".into());
    }
    Ok(u.to_string())
}

/// Adds the source `req` asks for; fails when its feed is a source already.
pub async fn add_source(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    req: &SourceRequest<'_>,
) -> Result<Source, AddSourceError> {
    let url = check_url(req.url)?;
    // A section that does not exist is refused before any fetching.
    let section_id = match req.section {
        None => None,
        Some(SectionPick::Id(id)) => {
            if !store.list_sections().await?.iter().any(|s| s.id == id) {
                return Err(AddSourceError::Invalid("There is no such section.".into()));
            }
            Some(id)
        }
        Some(SectionPick::Named(_)) => None,
    };
    let opts = ParseOptions {
        time_zone: cfg.time_zone.clone(),
        ..Default::default()
    };
    let found = discover(fetcher, &url, &opts).await?;
    if let Some(existing) = store.source_by_feed_url(&found.feed_url).await? {
        return Err(AddSourceError::Exists {
            id: existing.id,
            feed_url: found.feed_url,
        });
    }
    let section_id = match req.section {
        Some(SectionPick::Named(name)) => Some(
            ensure_section(store, name)
                .await
                .map_err(|e| AddSourceError::Invalid(e.to_string()))?,
        ),
        _ => section_id,
    };
    let name = match req.name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None if !found.title.trim().is_empty() => found.title.trim().to_string(),
        None => url::Url::parse(&found.feed_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| found.feed_url.clone()),
    };
    let new = NewSource {
        name,
        feed_url: found.feed_url.clone(),
        site_url: found.site_url,
        section_id,
        full_text: req.full_text,
    };
    match store.add_source(&new, cfg.clock.now()).await {
        // Added by someone else since the check above.
        Err(StoreError::Conflict(_)) => Err(AddSourceError::Exists {
            id: store
                .source_by_feed_url(&found.feed_url)
                .await?
                .map(|s| s.id)
                .unwrap_or(SourceId(0)),
            feed_url: found.feed_url,
        }),
        other => Ok(other?),
    }
}

/// Find or create the section with this slug (or name): OPML folders and `--section` both
/// name sections that may not exist yet.
pub async fn ensure_section(
    store: &dyn Store,
    name_or_slug: &str,
) -> Result<SectionId, IngestError> {
    let slug = newsroom_core::slug::slugify(name_or_slug);
    if slug.is_empty() {
        return Err(IngestError::Invalid(format!(
            "section name {name_or_slug:?} has no letters or digits"
        )));
    }
    if let Some(s) = store.section_by_slug(&slug).await? {
        return Ok(s.id);
    }
    let position = store
        .list_sections()
        .await?
        .iter()
        .map(|s| s.position)
        .max()
        .unwrap_or(0)
        + 1;
    let name = if name_or_slug == slug {
        title_case(&slug)
    } else {
        name_or_slug.trim().to_string()
    };
    Ok(store
        .upsert_section(&NewSection {
            slug,
            name,
            position,
            max_age_days: None,
        })
        .await?
        .id)
}

fn title_case(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            check_url(" https://news.example/feed.xml ").unwrap(),
            "https://news.example/feed.xml"
        );
        for bad in [
            "",
            "news.example/feed",
            "ftp://news.example/feed",
            "javascript:alert(1)",
            "https://user:pw@news.example/feed",
            "http://",
            "https://news.example/\u{7}",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?}");
        }
        assert!(check_url(&format!("https://x.example/{}", "a".repeat(2100))).is_err());
    }
}

//! What each CLI command does, as library calls, so that the binary only parses arguments
//! and prints.

pub use crate::add_source::ensure_section;
use crate::add_source::{AddSourceError, SectionPick, SourceAdder, SourceRequest, check_url};
use crate::fetch::Fetcher;
use crate::opml::{OpmlFeed, parse_opml, write_opml};
use crate::pipeline::{IngestConfig, IngestError};
use crate::ssrf::SsrfGuard;
use newsroom_core::{FullTextMode, NewSource, Source, SourceId, SourceSettings, Timestamp};
use newsroom_store::{NewAudit, SourceStats, Store};

/// `newsroom source add URL [--section S] [--full-text MODE]`: a feed URL or a site URL
/// (whose feed is discovered), named after its feed. Fails if the feed is already a source.
pub async fn add_source(
    store: &dyn Store,
    fetcher: &Fetcher,
    cfg: &IngestConfig,
    url: &str,
    section: Option<&str>,
    full_text: FullTextMode,
) -> Result<Source, AddSourceError> {
    let req = SourceRequest {
        url,
        name: None,
        section: section.map(SectionPick::Named),
        full_text,
    };
    crate::add_source::add_source(store, fetcher, cfg, &req).await
}

/// A row of `newsroom source list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub id: SourceId,
    pub name: String,
    pub feed_url: String,
    /// `ok`, `new`, `failing`, `disabled` (`Source::health_label`).
    pub health: &'static str,
    pub last_success_at: Option<Timestamp>,
    pub last_error_class: Option<String>,
    pub last_error: Option<String>,
    pub next_poll_at: Timestamp,
    pub articles: i64,
    /// Per-item notes of the last poll that read the feed.
    pub notes: Vec<String>,
}

/// `newsroom source list`.
pub async fn list_sources(store: &dyn Store) -> Result<Vec<SourceRow>, IngestError> {
    Ok(store.list_sources().await?.into_iter().map(row).collect())
}

fn row(s: SourceStats) -> SourceRow {
    let h = &s.source.health;
    SourceRow {
        id: s.source.id,
        name: s.source.name.clone(),
        feed_url: s.source.feed_url.clone(),
        health: s.source.health_label().as_str(),
        last_success_at: h.last_success_at,
        last_error_class: h.last_error_class.clone(),
        last_error: h.last_error.clone(),
        notes: h.notes.clone(),
        next_poll_at: h.next_poll_at,
        articles: s.article_count,
    }
}

/// `newsroom source remove ID` (and the admin's Remove): the source and its
/// articles go, recorded in the audit log as `actor`'s; false if there was none.
pub async fn remove_source(
    store: &dyn Store,
    id: SourceId,
    actor: &str,
    now: Timestamp,
) -> Result<bool, IngestError> {
    let Some(before) = store.get_source(id).await? else {
        return Ok(false);
    };
    if !store.delete_source(id).await? {
        return Ok(false);
    }
    store
        .append_audit(
            &NewAudit::new(actor, "source.remove", "source", id.0, now)
                .before(Some(&before))
                .after(None::<&Source>),
        )
        .await?;
    Ok(true)
}

/// `newsroom source disable ID` (and enable again with `enabled = true`),
/// and the admin's switches; recorded in the audit log as `actor`'s.
pub async fn set_source_enabled(
    store: &dyn Store,
    id: SourceId,
    enabled: bool,
    actor: &str,
    now: Timestamp,
) -> Result<bool, IngestError> {
    let action = if enabled {
        "source.enable"
    } else {
        "source.disable"
    };
    change_source(store, id, action, actor, now, || {
        store.set_source_enabled(id, enabled)
    })
    .await
}

/// Changes one source with `change`, recorded as `action` with the source
/// before and after; false (and no row) when there is no such source.
async fn change_source<F, Fut>(
    store: &dyn Store,
    id: SourceId,
    action: &str,
    actor: &str,
    now: Timestamp,
    change: F,
) -> Result<bool, IngestError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = newsroom_store::Result<bool>>,
{
    let Some(before) = store.get_source(id).await? else {
        return Ok(false);
    };
    if !change().await? {
        return Ok(false);
    }
    let after = store.get_source(id).await?;
    store
        .append_audit(
            &NewAudit::new(actor, action, "source", id.0, now)
                .before(Some(&before))
                .after(after.as_ref()),
        )
        .await?;
    Ok(true)
}

/// Records a source just added (by `newsroom source add`, the admin or an
/// OPML import) in the audit log as `actor`'s.
pub async fn record_source_added(
    store: &dyn Store,
    source: &Source,
    actor: &str,
    now: Timestamp,
) -> Result<(), IngestError> {
    store
        .append_audit(
            &NewAudit::new(actor, "source.add", "source", source.id.0, now)
                .before(None::<&Source>)
                .after(Some(source)),
        )
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    /// Feeds already polled (or listed twice in the file): skipped.
    pub already_there: usize,
    /// Outlines that could not be added: the address as given (control
    /// characters dropped, at most 200 characters) and why.
    pub rejected: Vec<(String, String)>,
}

/// More feeds than this in one file are refused whole.
pub const MAX_OPML_FEEDS: usize = 5000;
/// A source's name from an outline's title is cut at this many characters.
const MAX_TITLE_CHARS: usize = 200;

/// An outline's text as it may be shown: no control characters, bounded.
fn shown(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    match clean.char_indices().nth(MAX_TITLE_CHARS) {
        Some((i, _)) => format!("{}…", &clean[..i]),
        None => clean.to_string(),
    }
}

/// `newsroom import-opml FILE` and the admin's upload: adds every feed (no network: OPML
/// names the feeds), with folders as sections, recorded as one audit row by `actor`
/// (`source.import`, listing the sources added; none when nothing was added). Each address is checked as `source add`
/// checks it (http or https, a host, no user name or password, bounded), and one naming
/// an address on a private network is refused unless `guard` allows them; host names are
/// checked by the same guard when they are fetched. Feeds already present are skipped.
pub async fn import_opml(
    store: &dyn Store,
    bytes: &[u8],
    full_text: FullTextMode,
    guard: &SsrfGuard,
    actor: &str,
) -> Result<ImportReport, IngestError> {
    let opml = parse_opml(bytes)?;
    let mut added: Vec<Source> = Vec::new();
    if opml.feeds.len() > MAX_OPML_FEEDS {
        return Err(IngestError::Invalid(format!(
            "the file lists {} feeds; at most {MAX_OPML_FEEDS} are imported at once",
            opml.feeds.len()
        )));
    }
    let mut report = ImportReport::default();
    for f in opml.feeds {
        let refused = |why: String| (shown(&f.xml_url), why);
        let feed_url = match check_url(&f.xml_url) {
            Ok(u) => u,
            Err(e) => {
                report.rejected.push(refused(e.to_string()));
                continue;
            }
        };
        let parsed = url::Url::parse(&feed_url).map_err(|e| IngestError::Invalid(e.to_string()))?;
        if let Err(e) = guard.check_url(&parsed) {
            report.rejected.push(refused(format!(
                "The address is on a private or local network ({}), which is not fetched.",
                e.addr
            )));
            continue;
        }
        if store.source_by_feed_url(&feed_url).await?.is_some() {
            report.already_there += 1;
            continue;
        }
        let section_id = match f.category.as_deref() {
            Some(c) => match ensure_section(store, c).await {
                Ok(id) => Some(id),
                Err(e) => {
                    report.rejected.push(refused(e.to_string()));
                    continue;
                }
            },
            None => None,
        };
        let name = match shown(&f.title) {
            t if t.is_empty() => parsed.host_str().unwrap_or(&feed_url).to_string(),
            t => t,
        };
        let new = NewSource {
            name,
            feed_url,
            // A site address that would not pass as a feed's is not kept.
            site_url: f.html_url.as_deref().and_then(|u| check_url(u).ok()),
            section_id,
            full_text,
        };
        match store.add_source(&new, crate::now()).await {
            Ok(s) => {
                report.added += 1;
                added.push(s);
            }
            // Listed twice under two spellings of one address.
            Err(newsroom_store::StoreError::Conflict(_)) => report.already_there += 1,
            Err(e) => return Err(e.into()),
        }
    }
    if !added.is_empty() {
        let after = serde_json::json!({
            "added": added,
            "already_there": report.already_there,
            "rejected": report.rejected.len(),
        });
        store
            .append_audit(
                &NewAudit::new(actor, "source.import", "opml", 0, crate::now())
                    .before(None::<&Source>)
                    .after(Some(&after)),
            )
            .await?;
    }
    Ok(report)
}

/// The admin's settings form: section, full-text policy, poll bounds and
/// enabled at once (checked by the caller), recorded in the audit log as
/// `actor`'s (`source.settings`, the source before and after); false if
/// there is no such source.
pub async fn update_source_settings(
    store: &dyn Store,
    id: SourceId,
    settings: &SourceSettings,
    actor: &str,
    now: Timestamp,
) -> Result<bool, IngestError> {
    change_source(store, id, "source.settings", actor, now, || {
        store.update_source_settings(id, settings)
    })
    .await
}

// Here, beside `import_opml`, so that adding one source does not depend on
// the commands built on it.
impl SourceAdder {
    /// Imports an OPML file as `newsroom import-opml` does, under this fetcher's guard.
    pub async fn import_opml(
        &self,
        store: &dyn Store,
        bytes: &[u8],
        full_text: FullTextMode,
        actor: &str,
    ) -> Result<ImportReport, IngestError> {
        import_opml(store, bytes, full_text, self.fetcher.ssrf_guard(), actor).await
    }
}

/// `newsroom export-opml`: every source, in folders named after their sections.
pub async fn export_opml(store: &dyn Store, title: &str) -> Result<String, IngestError> {
    let sections = store.list_sections().await?;
    let feeds: Vec<OpmlFeed> = store
        .list_sources()
        .await?
        .into_iter()
        .map(|s| OpmlFeed {
            title: s.source.name.clone(),
            xml_url: s.source.feed_url.clone(),
            html_url: s.source.site_url.clone(),
            category: s
                .source
                .section_id
                .and_then(|id| sections.iter().find(|x| x.id == id))
                .map(|x| x.name.clone()),
        })
        .collect();
    Ok(write_opml(title, &feeds))
}

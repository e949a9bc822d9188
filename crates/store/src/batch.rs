//! Articles written in batches: a source's new items, each with the addresses
//! and ingest state ingestion remembers of it, in one write transaction.
//!
//! A transaction per article cost a COMMIT (a WAL sync and an FTS5 segment
//! flush on SQLite) and its own statements for the site's hourly count; on
//! SQLite every statement is also two thread hand-offs to the connection's
//! worker. A batch pays those once, and writes its new articles, their
//! addresses and their states as multi-row statements.

use crate::dialect::{Db, Dialect, Lock, with_pool};
use crate::error::{Result, StoreError};
use crate::known::Known;
use crate::memory::{add_addresses_sql, bind_state, set_states_sql};
use crate::model::{ArticleWrite, UpsertKind, UpsertOutcome};
use crate::rows::ARTICLE_COLS;
use crate::rows::ArticleRow;
use crate::upsert::{Decision, decide};
use newsroom_core::{ArticleAddress, ArticleId, IngestState, NewArticle, Timestamp};
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

/// The (source, guid) match wins over the URL match: a feed that moves an
/// item to a new URL keeps its guid.
static FIND_FOR_UPSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ARTICLE_COLS} FROM articles a \
         WHERE (source_id = $1 AND guid = $2) OR canonical_url = $3 \
         ORDER BY CASE WHEN source_id = $1 AND guid = $2 THEN 0 ELSE 1 END LIMIT 1"
    )
});
/// The stored articles of `rows` (source, GUID) pairs; `CROSS JOIN` keeps
/// SQLite's planner on the pairs first, each a search of the unique index.
fn known_by_guid_sql(rows: usize, numbered: bool) -> String {
    format!(
        "SELECT {ARTICLE_COLS} FROM (VALUES {}) AS v CROSS JOIN articles a \
         WHERE a.source_id = v.column1 AND a.guid = v.column2",
        crate::table::values_list(rows, 2, numbered)
    )
}
/// The stored articles at `rows` canonical URLs.
fn known_by_url_sql(rows: usize, numbered: bool) -> String {
    format!(
        "SELECT {ARTICLE_COLS} FROM articles a WHERE a.canonical_url IN (VALUES {})",
        crate::table::values_list(rows, 1, numbered)
    )
}
/// Which of `rows` canonical URLs are tombstoned: one statement for a
/// batch, not one an item.
fn tombstoned_sql(rows: usize, numbered: bool) -> String {
    format!(
        "SELECT canonical_url FROM tombstones WHERE canonical_url IN (VALUES {})",
        crate::table::values_list(rows, 1, numbered)
    )
}
/// `fetched_at` (the first parameter) of `rows` articles: the unchanged
/// items of a batch, most of every pass, touched together.
fn touch_articles_sql(rows: usize, numbered: bool) -> String {
    let ids = if numbered {
        (2..rows + 2)
            .map(|n| format!("(${n})"))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        crate::table::values_list(rows, 1, false)
    };
    let first = if numbered { "$1" } else { "?" };
    format!("UPDATE articles SET fetched_at = {first} WHERE id IN (VALUES {ids})")
}
/// New articles, `rows` of them, 20 parameters each (status and views are
/// the columns' defaults, 'published' and 0). One statement for all of a
/// batch's new articles: on SQLite each write statement that follows one
/// with FTS5 writes flushes them as a new index segment (and merges
/// segments now and then), so an INSERT per article cost a segment each.
/// The ids come back by canonical URL: neither database promises RETURNING
/// rows in VALUES order.
fn insert_articles_sql(rows: usize, numbered: bool) -> String {
    format!(
        "INSERT INTO articles (source_id, section_id, guid, canonical_url, original_url, title, summary, \
         body_html, body_text, image_url, image_alt, image_width, image_height, video_url, author, language, \
         published_at, fetched_at, updated_at, body_seal) VALUES {} RETURNING id, canonical_url",
        crate::table::values_list(rows, 20, numbered)
    )
}
const UPDATE_ARTICLE: &str = "UPDATE articles SET original_url = $2, title = $3, summary = $4, body_html = $5, \
     body_text = $6, image_url = $7, image_alt = $8, image_width = $9, image_height = $10, video_url = $11, \
     author = $12, language = $13, fetched_at = $14, updated_at = $15, section_id = $16, published_at = $17, body_seal = $18 WHERE id = $1";

/// Rows per multi-row statement: well under both databases' parameter limits.
const ROWS_PER_STATEMENT: usize = 200;

/// One article of a batch, borrowed.
pub(crate) struct Item<'a> {
    pub article: &'a NewArticle,
    pub addresses: &'a [ArticleAddress],
    pub state: Option<&'a IngestState>,
}

impl Db<'_> {
    /// Upserts every item's article, then remembers the addresses and state
    /// of each one stored, and counts the batch in the site's hour: all in one
    /// transaction, so all of it is written or none.
    pub(crate) async fn write_articles(
        self,
        items: &[Item<'_>],
        now: Timestamp,
    ) -> Result<Vec<UpsertOutcome>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, |pool| {
            let numbered = pool.numbered_params();
            let mut tx = pool.begin_write(Some(Lock::Articles)).await?;
            let mut outcomes = Vec::with_capacity(items.len());
            // New articles wait here for one INSERT (see `insert_articles_sql`);
            // an item that could be one of them (same address or GUID) first
            // has them written, so its look-up finds them as it would have
            // article by article.
            let mut pending: Vec<usize> = Vec::new();
            let mut tombstoned: HashSet<String> = HashSet::new();
            let urls: Vec<&str> = items
                .iter()
                .map(|i| i.article.canonical_url.as_str())
                .collect();
            for chunk in urls.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(tombstoned_sql(
                    chunk.len(),
                    numbered,
                )));
                for url in chunk {
                    q = q.bind(*url);
                }
                tombstoned.extend(q.fetch_all(&mut *tx).await?);
            }
            let mut known = Known::default();
            for chunk in items.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query_as::<_, ArticleRow>(sqlx::AssertSqlSafe(
                    known_by_guid_sql(chunk.len(), numbered),
                ));
                for i in chunk {
                    q = q.bind(i.article.source_id.0).bind(&i.article.guid);
                }
                known.add_by_guid(q.fetch_all(&mut *tx).await?);
                let mut q = sqlx::query_as::<_, ArticleRow>(sqlx::AssertSqlSafe(known_by_url_sql(
                    chunk.len(),
                    numbered,
                )));
                for i in chunk {
                    q = q.bind(&i.article.canonical_url);
                }
                known.add_by_url(q.fetch_all(&mut *tx).await?);
            }
            // Unchanged articles' new `fetched_at`, the last an article was given;
            // written together once every item is decided.
            let mut touched: BTreeMap<i64, Timestamp> = BTreeMap::new();
            let mut next = 0;
            loop {
                let done = next == items.len();
                if !pending.is_empty()
                    && (done || could_be_pending(items, &pending, items[next].article))
                {
                    for chunk in pending.chunks(ROWS_PER_STATEMENT) {
                        let mut q = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(
                            insert_articles_sql(chunk.len(), numbered),
                        ));
                        for &at in chunk {
                            let a = items[at].article;
                            let img = a.image.as_ref();
                            q = q
                                .bind(a.source_id.0)
                                .bind(a.section_id.map(|s| s.0))
                                .bind(&a.guid)
                                .bind(&a.canonical_url)
                                .bind(&a.original_url)
                                .bind(&a.title)
                                .bind(&a.summary)
                                .bind(&a.body_html)
                                .bind(&a.body_text)
                                .bind(img.map(|i| i.url.as_str()))
                                .bind(img.map(|i| i.alt.as_str()))
                                .bind(img.and_then(|i| i.width).map(i64::from))
                                .bind(img.and_then(|i| i.height).map(i64::from))
                                .bind(a.video.as_ref().map(|v| v.url.as_str()))
                                .bind(&a.author)
                                .bind(&a.language)
                                .bind(a.published_at)
                                .bind(a.fetched_at)
                                .bind(a.fetched_at)
                                .bind(&a.body_seal);
                        }
                        let ids = q.fetch_all(&mut *tx).await?;
                        for &at in chunk {
                            outcomes[at] = inserted(&ids, items[at].article)?;
                        }
                    }
                    pending.clear();
                }
                if done {
                    break;
                }
                let a = items[next].article;
                next += 1;
                if tombstoned.contains(&a.canonical_url) {
                    outcomes.push(UpsertOutcome {
                        id: None,
                        kind: UpsertKind::Suppressed,
                    });
                    continue;
                }
                let asked: Option<ArticleRow>;
                let (existing, decision) = {
                    let existing = match known.get(a) {
                        Some(found) => found,
                        None => {
                            asked = sqlx::query_as(FIND_FOR_UPSERT.as_str())
                                .bind(a.source_id.0)
                                .bind(&a.guid)
                                .bind(&a.canonical_url)
                                .fetch_optional(&mut *tx)
                                .await?;
                            asked.as_ref()
                        }
                    };
                    (existing.map(|r| r.id), decide(existing, a))
                };
                let changes = matches!(decision, Decision::Touch | Decision::Update(_));
                known.note(a, existing.filter(|_| changes));
                let existing_id = existing.unwrap_or_default();
                let outcome = match decision {
                    Decision::Insert => {
                        pending.push(outcomes.len());
                        // Its id comes with the INSERT.
                        UpsertOutcome {
                            id: None,
                            kind: UpsertKind::Inserted,
                        }
                    }
                    Decision::Touch => {
                        touched.insert(existing_id, a.fetched_at);
                        UpsertOutcome {
                            id: Some(ArticleId(existing_id)),
                            kind: UpsertKind::Unchanged,
                        }
                    }
                    Decision::Update(m) => {
                        // Its own `fetched_at` comes after any touch before it.
                        touched.remove(&existing_id);
                        sqlx::query(UPDATE_ARTICLE)
                            .bind(existing_id)
                            .bind(&m.original_url)
                            .bind(&m.title)
                            .bind(&m.summary)
                            .bind(&m.body_html)
                            .bind(&m.body_text)
                            .bind(&m.image_url)
                            .bind(&m.image_alt)
                            .bind(m.image_width)
                            .bind(m.image_height)
                            .bind(&m.video_url)
                            .bind(&m.author)
                            .bind(&m.language)
                            .bind(a.fetched_at)
                            .bind(now)
                            .bind(m.section_id)
                            .bind(m.published_at)
                            .bind(&m.body_seal)
                            .execute(&mut *tx)
                            .await?;
                        UpsertOutcome {
                            id: Some(ArticleId(existing_id)),
                            kind: UpsertKind::Updated,
                        }
                    }
                    Decision::Suppress => UpsertOutcome {
                        id: existing.map(ArticleId),
                        kind: UpsertKind::Suppressed,
                    },
                };
                outcomes.push(outcome);
            }
            let mut by_time: BTreeMap<Timestamp, Vec<i64>> = BTreeMap::new();
            for (id, at) in touched {
                by_time.entry(at).or_default().push(id);
            }
            for (at, ids) in &by_time {
                for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(touch_articles_sql(
                        chunk.len(),
                        numbered,
                    )))
                    .bind(*at);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            let count = |k: UpsertKind| outcomes.iter().filter(|o| o.kind == k).count() as i64;
            let (stored, updated) = (count(UpsertKind::Inserted), count(UpsertKind::Updated));
            if stored + updated > 0 {
                pool.index_text(&mut tx, (stored + updated) as usize)
                    .await?;
                // The dashboard's ingest per hour, in the same transaction so
                // it never counts a write that rolled back.
                let hour = crate::fetches::hour_of(now);
                sqlx::query(crate::history::COUNT_INGEST)
                    .bind(hour)
                    .bind(stored)
                    .bind(updated)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(crate::history::PRUNE_SITE_HOURS)
                    .bind(hour - crate::history::SITE_HOURS_KEPT)
                    .execute(&mut *tx)
                    .await?;
            }
            let kept = remembered(items, &outcomes);
            let addresses: Vec<(i64, &ArticleAddress)> = kept
                .iter()
                .flat_map(|(id, item)| item.addresses.iter().map(move |a| (*id, a)))
                .collect();
            for rows in addresses.chunks(ROWS_PER_STATEMENT) {
                let mut q =
                    sqlx::query(sqlx::AssertSqlSafe(add_addresses_sql(rows.len(), numbered)));
                for (id, a) in rows {
                    q = q
                        .bind(a.scope())
                        .bind(&a.address)
                        .bind(a.kind.as_str())
                        .bind(*id);
                }
                q.execute(&mut *tx).await?;
            }
            let states = last_state_per_article(&kept);
            for rows in states.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(set_states_sql(rows.len(), numbered)));
                for (id, s) in rows {
                    q = bind_state!(q, *id, s);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(outcomes)
        })
    }
}

impl Db<'_> {
    pub(crate) async fn store_articles(
        self,
        batch: &[ArticleWrite],
        now: Timestamp,
    ) -> Result<Vec<UpsertOutcome>> {
        let items: Vec<Item<'_>> = batch
            .iter()
            .map(|w| Item {
                article: &w.article,
                addresses: &w.addresses,
                state: w.state.as_ref(),
            })
            .collect();
        self.write_articles(&items, now).await
    }
}

/// Whether `a` may be the same article as one waiting for the INSERT: the
/// upsert's look-up (`FIND_FOR_UPSERT`) would find it by either key.
fn could_be_pending(items: &[Item<'_>], pending: &[usize], a: &NewArticle) -> bool {
    pending.iter().any(|&at| {
        let p = items[at].article;
        p.canonical_url == a.canonical_url
            || (p.source_id == a.source_id && a.guid.is_some() && p.guid == a.guid)
    })
}

/// The outcome of a new article, its id found among those the INSERT returned.
fn inserted(ids: &[(i64, String)], a: &NewArticle) -> Result<UpsertOutcome> {
    let (id, _) = ids
        .iter()
        .find(|(_, url)| *url == a.canonical_url)
        .ok_or_else(|| StoreError::Corrupt(format!("no id returned for {}", a.canonical_url)))?;
    Ok(UpsertOutcome {
        id: Some(ArticleId(*id)),
        kind: UpsertKind::Inserted,
    })
}

/// The items stored (not suppressed), by their article's id.
fn remembered<'i, 'a>(
    items: &'i [Item<'a>],
    outcomes: &[UpsertOutcome],
) -> Vec<(i64, &'i Item<'a>)> {
    items
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| o.kind != UpsertKind::Suppressed)
        .filter_map(|(item, o)| Some((o.id?.0, item)))
        .collect()
}

/// One state per article, the batch's last: two items of a batch can be one
/// article (a second link to the same page), and one statement may not set a
/// row twice (PostgreSQL refuses).
fn last_state_per_article<'a>(kept: &[(i64, &Item<'a>)]) -> Vec<(i64, &'a IngestState)> {
    let mut out: Vec<(i64, &IngestState)> = Vec::new();
    for (id, item) in kept {
        let Some(s) = item.state else { continue };
        match out.iter_mut().find(|(o, _)| o == id) {
            Some(slot) => slot.1 = s,
            None => out.push((*id, s)),
        }
    }
    out
}

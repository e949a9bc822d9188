//! The stored articles a batch's items may be, read for the whole batch
//! before its first write (by source and GUID, and by canonical URL) rather
//! than by one look-up an item inside the writer's transaction: on SQLite
//! each statement is two thread hand-offs to the connection's worker.
//!
//! An item sharing a key with an earlier item of the batch, or matching a
//! row the batch has already changed, is looked up again: what the batch
//! wrote may be what it finds (see `could_be_pending`).

use crate::rows::ArticleRow;
use newsroom_core::NewArticle;
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub(crate) struct Known {
    by_guid: HashMap<(i64, String), ArticleRow>,
    by_url: HashMap<String, ArticleRow>,
    seen_guids: HashSet<(i64, String)>,
    seen_urls: HashSet<String>,
    changed: HashSet<i64>,
}

fn guid_key(a: &NewArticle) -> Option<(i64, String)> {
    a.guid.clone().map(|g| (a.source_id.0, g))
}

impl Known {
    /// Rows read by the source-and-GUID statement.
    pub fn add_by_guid(&mut self, rows: Vec<ArticleRow>) {
        for r in rows {
            if let Some(g) = r.guid.clone() {
                self.by_guid.insert((r.source_id, g), r);
            }
        }
    }

    /// Rows read by the canonical-URL statement.
    pub fn add_by_url(&mut self, rows: Vec<ArticleRow>) {
        for r in rows {
            self.by_url.insert(r.canonical_url.clone(), r);
        }
    }

    /// What the upsert's own look-up (`FIND_FOR_UPSERT`, the GUID match
    /// first) would find for `a`: `Some(None)` when nothing is stored,
    /// `None` when the batch's writes so far may have changed the answer.
    pub fn get(&self, a: &NewArticle) -> Option<Option<&ArticleRow>> {
        let key = guid_key(a);
        if self.seen_urls.contains(&a.canonical_url)
            || key.as_ref().is_some_and(|k| self.seen_guids.contains(k))
        {
            return None;
        }
        let found = key
            .and_then(|k| self.by_guid.get(&k))
            .or_else(|| self.by_url.get(&a.canonical_url));
        match found {
            Some(r) if self.changed.contains(&r.id) => None,
            found => Some(found),
        }
    }

    /// `a` has been decided; `changed` is the stored row it updated or touched.
    pub fn note(&mut self, a: &NewArticle, changed: Option<i64>) {
        self.seen_urls.insert(a.canonical_url.clone());
        if let Some(k) = guid_key(a) {
            self.seen_guids.insert(k);
        }
        self.changed.extend(changed);
    }
}

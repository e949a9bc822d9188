//! Reads that run on the caller's thread, for the reads an uncached article
//! page makes: the article, and its story's members for the story's block.
//!
//! sqlx's SQLite driver runs every statement on its connection's own
//! worker thread, so each read is a send, two wake-ups and a receive: a
//! third of an uncached article page's CPU went to that hand-off, more than
//! SQLite's own work on an indexed row (docs/PERFORMANCE.md, "Uncached
//! article page"). These connections are read-only handles on the same file,
//! opened by rusqlite (which links the same libsqlite3-sys as sqlx), and the
//! statement runs where it is asked. Only short indexed reads belong here:
//! they hold the async worker thread while they run. In WAL mode they never
//! wait for a writer, and each statement sees the last committed write.

use crate::error::{Result, StoreError};
use crate::rows::{ArticlePageRow, ArticleRow};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Handles kept for the next read; more than this many reads at once open
/// more, and the extra ones are closed when they finish.
const KEPT: usize = 8;

pub(crate) struct DirectReads {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
}

impl DirectReads {
    pub(crate) fn new(path: PathBuf, busy_timeout: Duration) -> Self {
        Self {
            path,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(self.busy_timeout)?;
        Ok(conn)
    }

    fn with<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let kept = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match kept {
            Some(c) => c,
            None => self.open().map_err(direct_err)?,
        };
        let out = read(&conn).map_err(direct_err);
        // A handle whose read failed may be broken; a fresh one costs little.
        if out.is_ok() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < KEPT {
                idle.push(conn);
            }
        }
        out
    }

    pub(crate) fn article_page(&self, id: i64) -> Result<Option<ArticlePageRow>> {
        self.with(|conn| {
            conn.prepare_cached(crate::articles::ARTICLE_PAGE.as_str())?
                .query_row([id], |row| {
                    Ok(ArticlePageRow {
                        article: article_row(row)?,
                        story_id: row.get("story_id")?,
                        source_name: row.get("source_name")?,
                        story_hidden: row.get("story_hidden")?,
                    })
                })
                .optional()
        })
    }

    pub(crate) fn story_members(&self, story: i64) -> Result<Vec<(i64, i64, String)>> {
        self.with(|conn| {
            conn.prepare_cached(crate::stories::STORY_MEMBERS)?
                .query_map([story], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect()
        })
    }
}

fn direct_err(e: rusqlite::Error) -> StoreError {
    StoreError::Direct(e.to_string())
}

/// The columns of `ARTICLE_COLS`, by name, as sqlx's `FromRow` reads them.
fn article_row(row: &Row<'_>) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        id: row.get("id")?,
        source_id: row.get("source_id")?,
        section_id: row.get("section_id")?,
        guid: row.get("guid")?,
        canonical_url: row.get("canonical_url")?,
        original_url: row.get("original_url")?,
        title: row.get("title")?,
        summary: row.get("summary")?,
        body_html: row.get("body_html")?,
        body_text: row.get("body_text")?,
        image_url: row.get("image_url")?,
        image_alt: row.get("image_alt")?,
        image_width: row.get("image_width")?,
        image_height: row.get("image_height")?,
        video_url: row.get("video_url")?,
        author: row.get("author")?,
        language: row.get("language")?,
        published_at: row.get("published_at")?,
        fetched_at: row.get("fetched_at")?,
        updated_at: row.get("updated_at")?,
        status: row.get("status")?,
        views: row.get("views")?,
        body_seal: row.get("body_seal")?,
    })
}

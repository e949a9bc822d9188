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

/// How much of the database file each handle reads through a memory map
/// rather than `pread`. A read's B-tree descent then takes the file's pages
/// where the kernel keeps them, without copying each into the handle's own
/// page cache, which every commit of the view flush empties. SQLite clamps it
/// to its compiled maximum (2 GB); the pages still count once, as the
/// kernel's file cache, not per handle.
const MMAP_BYTES: i64 = 1 << 31;

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
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
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
                        story_id: row.get(ARTICLE_FIELDS.len())?,
                        source_name: row.get(ARTICLE_FIELDS.len() + 1)?,
                        story_hidden: row.get(ARTICLE_FIELDS.len() + 2)?,
                    })
                })
                .optional()
        })
    }

    /// The memory map a handle reads through, in bytes (0: none).
    #[cfg(test)]
    pub(crate) fn mapped_bytes(&self) -> Result<i64> {
        self.with(|conn| conn.pragma_query_value(None, "mmap_size", |r| r.get(0)))
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

/// `ARTICLE_COLS` in its order. The page's row is read by position: by
/// name, each of its 26 columns was looked up by comparing names, a quarter
/// of the read's own CPU.
pub(crate) const ARTICLE_FIELDS: [&str; 23] = [
    "id",
    "source_id",
    "section_id",
    "guid",
    "canonical_url",
    "original_url",
    "title",
    "summary",
    "body_html",
    "body_text",
    "image_url",
    "image_alt",
    "image_width",
    "image_height",
    "video_url",
    "author",
    "language",
    "published_at",
    "fetched_at",
    "updated_at",
    "status",
    "views",
    "body_seal",
];

fn article_row(row: &Row<'_>) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        id: row.get(0)?,
        source_id: row.get(1)?,
        section_id: row.get(2)?,
        guid: row.get(3)?,
        canonical_url: row.get(4)?,
        original_url: row.get(5)?,
        title: row.get(6)?,
        summary: row.get(7)?,
        body_html: row.get(8)?,
        body_text: row.get(9)?,
        image_url: row.get(10)?,
        image_alt: row.get(11)?,
        image_width: row.get(12)?,
        image_height: row.get(13)?,
        video_url: row.get(14)?,
        author: row.get(15)?,
        language: row.get(16)?,
        published_at: row.get(17)?,
        fetched_at: row.get(18)?,
        updated_at: row.get(19)?,
        status: row.get(20)?,
        views: row.get(21)?,
        body_seal: row.get(22)?,
    })
}

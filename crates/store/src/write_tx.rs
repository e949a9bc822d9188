//! A write transaction, holding on SQLite this process's turn to write.
//!
//! SQLite has one writer at a time, and a connection that finds the write
//! lock taken does not queue: its busy handler sleeps (1, 2, 5, 10 … ms)
//! and tries again. On a pool of several connections (`serve`'s, shared by
//! the site and the ingest worker) concurrent writers spent their time in
//! those sleeps (thousands of `clock_nanosleep` in one pass) and woke late.
//! Writers of one database file in this process take turns on an async lock
//! instead, held from BEGIN until the commit or the drop. A pool of one
//! connection queues every statement already and takes no turn; PostgreSQL
//! needs none.

use sqlx::{Database, Transaction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use tokio::sync::OwnedMutexGuard;

/// A write transaction (`Dialect::begin_write`): derefs to its connection,
/// as sqlx's `Transaction` does.
pub struct WriteTx<DB: Database> {
    // Dropped first: the rollback of an abandoned transaction is queued on
    // its connection before the next writer is let in.
    tx: Transaction<'static, DB>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl<DB: Database> WriteTx<DB> {
    pub(crate) fn new(tx: Transaction<'static, DB>, turn: Option<OwnedMutexGuard<()>>) -> Self {
        Self { tx, _turn: turn }
    }

    /// Commits, then gives the turn to the next writer.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}

impl<DB: Database> std::ops::Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: Database> std::ops::DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// The turns, one per database file written by this process (a site opens
/// a handful of stores at most, so they are never forgotten).
static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

/// Waits for the turn to write `file`.
pub(crate) async fn turn(file: &Path) -> OwnedMutexGuard<()> {
    let lock = {
        let mut turns = TURNS.lock().unwrap_or_else(|e| e.into_inner());
        turns.entry(file.to_path_buf()).or_default().clone()
    };
    lock.lock_owned().await
}

//! Where a poll's prepared articles are written: one writer for a whole pass.
//!
//! A source brings a few new items at a time (two, in the 400-item bench), so
//! a transaction per source paid a COMMIT, an FTS5 flush and the site's hourly
//! count for two articles. The pass's polls hand their batches to one writer
//! instead, which stores what has arrived (up to [`WRITE_BATCH`] articles, or
//! whatever came within [`GATHER`]) in one transaction, and hands each poll back
//! the outcome of its own items, so each source's counts stay its own.

use newsroom_core::Timestamp;
use newsroom_store::{ArticleWrite, Store, UpsertKind};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Articles stored per write transaction.
pub const WRITE_BATCH: usize = 64;
/// How long the writer waits for more polls' items before it writes what it has.
const GATHER: Duration = Duration::from_millis(4);

/// Where a poll's prepared articles go.
pub(crate) enum Writes<'a> {
    /// Straight to the store, each batch of the poll its own transaction.
    Direct(&'a dyn Store),
    /// To the pass's writer ([`run_writer`]).
    Queued(mpsc::UnboundedSender<Request>),
}

/// One poll's batch, waiting for the writer.
pub(crate) struct Request {
    writes: Vec<ArticleWrite>,
    reply: oneshot::Sender<Vec<Option<UpsertKind>>>,
}

/// A queue for a pass's polls, and the end its writer reads.
pub(crate) fn queue<'a>() -> (Writes<'a>, mpsc::UnboundedReceiver<Request>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Writes::Queued(tx), rx)
}

/// A batch handed to [`Writes::submit`]: what became of its items, now
/// (stored straight away) or once the pass's writer has written it.
pub(crate) enum Ticket {
    Done(Vec<Option<UpsertKind>>),
    Queued(oneshot::Receiver<Vec<Option<UpsertKind>>>, usize),
}

impl Ticket {
    /// One outcome per write, `None` where it could not be stored.
    pub(crate) async fn outcome(self) -> Vec<Option<UpsertKind>> {
        match self {
            Ticket::Done(kinds) => kinds,
            // The writer outlives every poll of its pass, so it never goes
            // away early; should it, the items count as not stored.
            Ticket::Queued(answer, n) => answer.await.unwrap_or_else(|_| vec![None; n]),
        }
    }
}

impl Writes<'_> {
    /// Hands `writes` over: stored all together or (should that fail) each
    /// alone, at once when direct, by the pass's writer when queued, so
    /// that a poll need not wait for its items to be written before it
    /// gives its slot to the next source.
    pub(crate) async fn submit(
        &self,
        writes: Vec<ArticleWrite>,
        now: impl Fn() -> Timestamp,
    ) -> Ticket {
        let n = writes.len();
        match self {
            Writes::Direct(store) => Ticket::Done(store_all_or_each(*store, now(), &writes).await),
            Writes::Queued(queue) => {
                let (reply, answer) = oneshot::channel();
                if queue.send(Request { writes, reply }).is_err() {
                    return Ticket::Done(vec![None; n]);
                }
                Ticket::Queued(answer, n)
            }
        }
    }

    /// [`Writes::submit`], waiting for the outcome.
    #[cfg(test)]
    pub(crate) async fn store(
        &self,
        writes: Vec<ArticleWrite>,
        now: impl Fn() -> Timestamp,
    ) -> Vec<Option<UpsertKind>> {
        self.submit(writes, now).await.outcome().await
    }
}

/// Writes what the polls send until every sender is gone.
pub(crate) async fn run_writer(
    store: &dyn Store,
    now: impl Fn() -> Timestamp,
    mut queue: mpsc::UnboundedReceiver<Request>,
) {
    while let Some(first) = queue.recv().await {
        let mut requests = vec![first];
        let mut items = requests[0].writes.len();
        let until = tokio::time::Instant::now() + GATHER;
        while items < WRITE_BATCH {
            let Ok(Some(more)) = tokio::time::timeout_at(until, queue.recv()).await else {
                break;
            };
            items += more.writes.len();
            requests.push(more);
        }
        let mut sizes = Vec::with_capacity(requests.len());
        let mut writes = Vec::with_capacity(items);
        let mut replies = Vec::with_capacity(requests.len());
        for r in requests {
            sizes.push(r.writes.len());
            writes.extend(r.writes);
            replies.push(r.reply);
        }
        let mut kinds = store_all_or_each(store, now(), &writes).await.into_iter();
        for (reply, n) in replies.into_iter().zip(sizes) {
            // A poll that went away (its pass was cancelled) needs no answer.
            let _ = reply.send(kinds.by_ref().take(n).collect());
        }
    }
}

/// Stores the batch's articles in one transaction. Should it fail, each is
/// stored alone, so one bad item costs only its own write.
async fn store_all_or_each(
    store: &dyn Store,
    now: Timestamp,
    writes: &[ArticleWrite],
) -> Vec<Option<UpsertKind>> {
    if writes.is_empty() {
        return Vec::new();
    }
    match store.store_articles(writes, now).await {
        Ok(stored) => stored.into_iter().map(|s| Some(s.kind)).collect(),
        Err(e) => {
            tracing::warn!(articles = writes.len(), error = %e, "storing a batch of articles failed; storing each alone");
            let mut out = Vec::with_capacity(writes.len());
            for w in writes {
                out.push(match store.store_articles(std::slice::from_ref(w), now).await {
                    Ok(s) => s.first().map(|s| s.kind),
                    Err(e) => {
                        tracing::warn!(url = %w.article.original_url, error = %e, "storing an article failed");
                        None
                    }
                });
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsroom_core::SourceId;
    use newsroom_store::SqliteStore;
    use newsroom_store::samples::{T0, article, source};

    fn write(source: SourceId, n: u32) -> ArticleWrite {
        ArticleWrite {
            article: article(source, &n.to_string(), "Text"),
            addresses: Vec::new(),
            state: None,
        }
    }

    /// Two polls' items go into one transaction; one item that cannot be
    /// stored (its source does not exist) sends the writer item by item, and
    /// each poll still hears exactly what became of its own items.
    #[tokio::test]
    async fn polls_share_a_transaction_and_hear_their_own_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("q.db").display());
        let store = SqliteStore::open(&url, &Default::default()).await.unwrap();
        let src = store.add_source(&source("one"), T0).await.unwrap().id;
        let (writes, queue) = queue();
        let writer = run_writer(&store, || T0, queue);
        let polls = async {
            let writes = writes;
            let a = writes.store(vec![write(src, 1), write(src, 2)], || T0);
            let b = writes.store(vec![write(src, 3), write(SourceId(999), 4)], || T0);
            let c = writes.store(vec![write(src, 1)], || T0);
            let (a, b) = futures::join!(a, b);
            (a, b, c.await)
        };
        let ((a, b, c), ()) = futures::join!(polls, writer);
        assert_eq!(a, [Some(UpsertKind::Inserted), Some(UpsertKind::Inserted)]);
        assert_eq!(b, [Some(UpsertKind::Inserted), None]);
        assert_eq!(c, [Some(UpsertKind::Unchanged)]);
        let stored = store.table_counts().await.unwrap();
        assert_eq!(stored.articles, 3);
    }

    /// Handing a batch over does not wait for the writer (a pass's poll
    /// gives its slot away meanwhile); its outcome comes once it is written.
    #[tokio::test]
    async fn a_batch_is_handed_over_before_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("q.db").display());
        let store = SqliteStore::open(&url, &Default::default()).await.unwrap();
        let src = store.add_source(&source("one"), T0).await.unwrap().id;
        let (writes, queue) = queue();
        // No writer runs yet: `submit` returns all the same.
        let ticket = writes.submit(vec![write(src, 1)], || T0).await;
        assert_eq!(store.table_counts().await.unwrap().articles, 0);
        drop(writes);
        let ((), kinds) = futures::join!(run_writer(&store, || T0, queue), ticket.outcome());
        assert_eq!(kinds, [Some(UpsertKind::Inserted)]);
        assert_eq!(store.table_counts().await.unwrap().articles, 1);
    }
}

//! The audit log (migration 0014): who changed what, when, and the object
//! before and after, kept until an operator prunes it.

use crate::dialect::{Db, with_pool};
use crate::error::{Result, StoreError};
use crate::model::{AuditEntry, AuditQuery, NewAudit};
use newsroom_core::Timestamp;

const INSERT_AUDIT: &str = "INSERT INTO audit_log \
     (at, actor, action, object_kind, object_id, before_json, after_json) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
const LIST_AUDIT: &str = "SELECT id, at, actor, action, object_kind, object_id, before_json, after_json \
     FROM audit_log WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) \
     AND ($3 IS NULL OR object_kind = $3) AND ($4 IS NULL OR object_id = $4) \
     AND ($6 IS NULL OR id < $6) ORDER BY id DESC LIMIT $5";
const PRUNE_AUDIT: &str = "DELETE FROM audit_log WHERE at < $1";

type AuditRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

fn to_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(serde_json::Value::to_string)
}

fn from_text(id: i64, t: Option<String>) -> Result<Option<serde_json::Value>> {
    t.map(|t| {
        serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("audit row {id}: {e}")))
    })
    .transpose()
}

impl Db<'_> {
    pub(crate) async fn append_audit(self, e: &NewAudit<'_>) -> Result<i64> {
        let (before, after) = (to_text(&e.before), to_text(&e.after));
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(INSERT_AUDIT)
                .bind(e.at)
                .bind(e.actor)
                .bind(e.action)
                .bind(e.object_kind)
                .bind(e.object_id)
                .bind(before.as_deref())
                .bind(after.as_deref())
                .fetch_one(pool)
                .await?
        }))
    }

    pub(crate) async fn list_audit(self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = with_pool!(self, |pool| {
            sqlx::query_as(LIST_AUDIT)
                .bind(q.actor.as_deref())
                .bind(q.action.as_deref())
                .bind(q.object_kind.as_deref())
                .bind(q.object_id)
                .bind(q.limit.max(0))
                .bind(q.before_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(
                |(id, at, actor, action, object_kind, object_id, before, after)| {
                    Ok(AuditEntry {
                        id,
                        at,
                        actor,
                        action,
                        object_kind,
                        object_id,
                        before: from_text(id, before)?,
                        after: from_text(id, after)?,
                    })
                },
            )
            .collect()
    }

    pub(crate) async fn prune_audit(self, before: Timestamp) -> Result<u64> {
        with_pool!(self, |pool| {
            let r = sqlx::query(PRUNE_AUDIT).bind(before).execute(pool).await?;
            Ok(r.rows_affected())
        })
    }
}

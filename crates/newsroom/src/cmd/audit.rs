//! `newsroom audit`: the audit log, newest first, as a table or JSON lines;
//! `newsroom audit prune --before TIME` deletes the older rows, which is
//! itself recorded.

use crate::cli::{AuditArgs, AuditCommand, Global};
use crate::cmd::story::{fmt_time, parse_time};
use crate::cmd::{ingest, load_config};
use anyhow::Result;
use newsroom_store::{AuditQuery, NewAudit};
use std::io::Write;

pub async fn run(global: &Global, args: AuditArgs) -> Result<()> {
    let cfg = load_config(global)?;
    if let Some(AuditCommand::Prune { before }) = args.command {
        let before = parse_time("--before", &before)?;
        let store = ingest::open_store(&cfg).await?;
        let deleted = store.prune_audit(before).await?;
        let actor = global.actor();
        store
            .append_audit(
                &NewAudit::new(
                    &actor,
                    "audit.prune",
                    "audit",
                    0,
                    newsroom_web::state::now(),
                )
                .after(Some(
                    &serde_json::json!({ "before": before, "deleted": deleted }),
                )),
            )
            .await?;
        println!(
            "pruned {deleted} audit rows recorded before {}",
            fmt_time(before)
        );
        return Ok(());
    }
    let mut q = AuditQuery {
        actor: args.user,
        action: args.action,
        limit: args.limit,
        ..AuditQuery::default()
    };
    if let Some(o) = args.object.as_deref() {
        q = q.object(o)?;
    }
    let store = ingest::open_store(&cfg).await?;
    let rows = store.list_audit(&q).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        for r in &rows {
            serde_json::to_writer(&mut out, r)?;
            out.write_all(b"\n")?;
        }
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(out, "the audit log is empty")?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>6}  {:<20} {:<16} {:<16} {:<14} CHANGE",
        "ID", "TIME", "WHO", "ACTION", "OBJECT"
    )?;
    for r in &rows {
        writeln!(
            out,
            "{:>6}  {:<20} {:<16} {:<16} {:<14} {}",
            r.id,
            fmt_time(r.at),
            r.actor,
            r.action,
            format!("{}:{}", r.object_kind, r.object_id),
            r.change()
        )?;
    }
    Ok(())
}

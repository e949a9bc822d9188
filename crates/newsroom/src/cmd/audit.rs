//! `newsroom audit`: the audit log, newest first, as a table or JSON lines.

use crate::cli::{AuditArgs, Global};
use crate::cmd::{ingest, load_config};
use anyhow::{Context, Result};
use newsroom_store::{AuditEntry, AuditQuery};
use std::io::Write;

pub async fn run(global: &Global, args: AuditArgs) -> Result<()> {
    let cfg = load_config(global)?;
    let (object_kind, object_id) = match args.object.as_deref() {
        None => (None, None),
        Some(o) => match o.split_once(':') {
            None => (Some(o.to_string()), None),
            Some((kind, id)) => (
                Some(kind.to_string()),
                Some(
                    id.parse::<i64>()
                        .with_context(|| format!("--object {o:?}: the id must be a number"))?,
                ),
            ),
        },
    };
    let store = ingest::open_store(&cfg).await?;
    let rows = store
        .list_audit(&AuditQuery {
            actor: args.user,
            action: args.action,
            object_kind,
            object_id,
            limit: args.limit,
        })
        .await?;
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
            jiff::Timestamp::from_second(r.at)
                .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|_| r.at.to_string()),
            r.actor,
            r.action,
            format!("{}:{}", r.object_kind, r.object_id),
            change(r)
        )?;
    }
    Ok(())
}

/// The fields that differ between before and after, `key: old → new`; the
/// whole object where only one side exists.
fn change(r: &AuditEntry) -> String {
    use serde_json::Value;
    let short = |v: &Value| {
        let s = v.to_string();
        if s.chars().count() > 60 {
            format!("{}…", s.chars().take(59).collect::<String>())
        } else {
            s
        }
    };
    match (&r.before, &r.after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter(|k| b.get(*k) != a.get(*k))
                .map(|k| {
                    let side = |v: Option<&Value>| v.map(short).unwrap_or_else(|| "-".into());
                    format!("{k}: {} → {}", side(b.get(k)), side(a.get(k)))
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        (None, Some(a)) => format!("+ {}", short(a)),
        (Some(b), None) => format!("- {}", short(b)),
        (Some(b), Some(a)) => format!("{} → {}", short(b), short(a)),
        (None, None) => String::new(),
    }
}

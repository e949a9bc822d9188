//! `newsroom extract`: the extractor on one page or a batch, as JSON.

use crate::cli::ExtractArgs;
use anyhow::{Context, Result, bail};
use std::io::{BufRead, Read, Write};

pub fn run(args: ExtractArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(list) = &args.batch {
        let file =
            std::fs::File::open(list).with_context(|| format!("cannot open {}", list.display()))?;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("{}: line {}", list.display(), n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let obj = match batch_line(&line, args.charset.as_deref()) {
                Ok(v) => v,
                Err(e) => {
                    serde_json::json!({"path": path_of(&line), "error": format!("line {}: {e:#}", n + 1)})
                }
            };
            serde_json::to_writer(&mut out, &obj)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(());
    }
    let bytes = match args.file.as_deref() {
        None | Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read standard input")?;
            buf
        }
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read {path}"))?,
    };
    let e = newsroom_extract::extract(&bytes, args.url.as_deref(), args.charset.as_deref());
    serde_json::to_writer(&mut out, &newsroom_extract::contract_json(&e))?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn path_of(line: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("path").cloned())
        .unwrap_or(serde_json::Value::Null)
}

fn batch_line(line: &str, charset: Option<&str>) -> Result<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(line).context("not a JSON object")?;
    let Some(path) = v.get("path").and_then(|p| p.as_str()) else {
        bail!("missing \"path\"")
    };
    let url = v.get("url").and_then(|u| u.as_str());
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    let e = newsroom_extract::extract(&bytes, url, charset);
    let mut obj = newsroom_extract::contract_json(&e);
    if let Some(map) = obj.as_object_mut() {
        map.insert("path".into(), serde_json::Value::String(path.to_string()));
    }
    Ok(obj)
}

//! `newsroom cluster --input FILE.jsonl [--window-hours H] [--thread-days D]`:
//! the contract outside evaluation relies on.
//!
//! One output line per input line, in input order, always:
//! `{"id": …, "story": …, "thread": …}`. A line that cannot be clustered gets
//! `{"id": …, "story": null, "thread": null, "error": "…"}` and a note on
//! stderr; nothing in the input can stop the run except an I/O
//! error on the streams themselves.

use crate::clusterer::{Clusterer, Config, Item};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("window must be a positive number of hours, got {0}")]
    InvalidWindow(f64),
    #[error("thread horizon must be a positive number of days, got {0}")]
    InvalidHorizon(f64),
}

/// What a run did, for the caller to log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Input lines read (= output lines written).
    pub lines: u64,
    /// Lines assigned to a story.
    pub clustered: u64,
    /// Lines answered with an error.
    pub errors: u64,
    /// Stories opened.
    pub stories: u64,
    /// Threads opened.
    pub threads: u64,
    /// Items folded into an earlier near-duplicate.
    pub near_duplicates: u64,
    /// Items stamped earlier than an item before them; clustered at arrival.
    pub late: u64,
}

#[derive(Serialize)]
struct Out<'a> {
    id: &'a Value,
    story: Option<u64>,
    thread: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// Reads JSON lines, clusters them online in file order, writes one
/// `{"id": …, "story": …, "thread": …}` line per input line. `window_hours`
/// is the story lifetime (`Config::story_hours`); everything else default.
pub fn run_cli(
    input: impl BufRead,
    output: impl Write,
    window_hours: f64,
) -> Result<RunStats, ClusterError> {
    let config = Config {
        story_hours: window_hours,
        ..Config::default()
    };
    run_cli_config(input, output, config)
}

/// `run_cli` with every setting given.
pub fn run_cli_config(
    input: impl BufRead,
    output: impl Write,
    config: Config,
) -> Result<RunStats, ClusterError> {
    let window_hours = config.story_hours;
    if !(window_hours.is_finite() && window_hours > 0.0) {
        return Err(ClusterError::InvalidWindow(window_hours));
    }
    let days = config.threads.horizon_days;
    if !(days.is_finite() && days > 0.0) {
        return Err(ClusterError::InvalidHorizon(days));
    }
    let mut clusterer = Clusterer::new(config);
    let mut out = BufWriter::new(output);
    let mut stats = RunStats::default();
    // Ids seen so far -> first line number. A duplicate id is most likely a
    // re-sent article; answering it twice with different stories would be
    // worse than flagging it.
    // Keyed by a 64-bit hash of the id, so the table costs 16 bytes a line
    // however long the ids are (a false duplicate needs a 64-bit collision).
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut last_time: Option<i64> = None;
    let mut input = input;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        stats.lines += 1;
        let line_no = stats.lines;
        let (id, result) = parse_line(&buf);
        let result = result.and_then(|item| match seen.get(&id_key(&item.id)) {
            Some(first) => Err(format!("duplicate id (first seen on line {first})")),
            None => Ok(item),
        });
        match result {
            Ok(item) => {
                seen.insert(id_key(&item.id), line_no);
                if last_time.is_some_and(|t| item.published < t) {
                    stats.late += 1;
                }
                last_time = Some(last_time.map_or(item.published, |t| t.max(item.published)));
                let a = clusterer.add(item);
                stats.clustered += 1;
                stats.stories += u64::from(a.new_story);
                stats.threads += u64::from(a.new_thread);
                stats.near_duplicates += u64::from(a.near_duplicate_of.is_some());
                write_line(
                    &mut out,
                    &Out {
                        id: &id,
                        story: Some(a.story),
                        thread: Some(a.thread),
                        error: None,
                    },
                )?;
            }
            Err(msg) => {
                stats.errors += 1;
                eprintln!("cluster: line {line_no}: {msg}");
                write_line(
                    &mut out,
                    &Out {
                        id: &id,
                        story: None,
                        thread: None,
                        error: Some(&msg),
                    },
                )?;
            }
        }
    }
    out.flush()?;
    if stats.late > 0 {
        eprintln!(
            "cluster: {} items were stamped earlier than an item before them; clustered at arrival",
            stats.late
        );
    }
    Ok(stats)
}

fn id_key(id: &str) -> u64 {
    crate::hash::hash_str(9, id)
}

fn write_line(out: &mut impl Write, line: &Out<'_>) -> Result<(), ClusterError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The id as given (for echoing back, even on error) and the item or why not.
fn parse_line(raw: &[u8]) -> (Value, Result<Item, String>) {
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t.trim_end_matches(['\n', '\r']),
        Err(_) => return (Value::Null, Err("line is not valid UTF-8".into())),
    };
    if text.trim().is_empty() {
        return (Value::Null, Err("empty line".into()));
    }
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (Value::Null, Err(format!("invalid JSON: {e}"))),
    };
    let Value::Object(map) = v else {
        return (Value::Null, Err("line is not a JSON object".into()));
    };
    let id_value = map.get("id").cloned().unwrap_or(Value::Null);
    let id = match &id_value {
        Value::String(s) if !s.is_empty() => s.clone(),
        // Numeric ids are common in exports; accept them as their text.
        Value::Number(n) => n.to_string(),
        _ => return (id_value, Err("missing or empty \"id\" (a string)".into())),
    };
    let title = match map.get("title") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return (id_value, Err("empty \"title\"".into())),
        _ => return (id_value, Err("missing \"title\" (a string)".into())),
    };
    let published = match map.get("published") {
        Some(Value::String(s)) => match s.trim().parse::<jiff::Timestamp>() {
            Ok(t) => t.as_second(),
            Err(e) => {
                return (
                    id_value,
                    Err(format!("\"published\" is not an RFC 3339 time: {e}")),
                );
            }
        },
        _ => {
            return (
                id_value,
                Err("missing \"published\" (an RFC 3339 string)".into()),
            );
        }
    };
    // Optional fields of the wrong type are ignored rather than fatal: the
    // headline alone is enough to cluster.
    let opt = |k: &str| match map.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let item = Item {
        id,
        title,
        text: opt("text"),
        url: opt("url"),
        source: opt("source"),
        published,
    };
    (id_value, Ok(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> (Vec<Value>, RunStats) {
        let mut out = Vec::new();
        let stats = run_cli(input.as_bytes(), &mut out, 36.0).unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (lines, stats)
    }

    #[test]
    fn one_line_out_per_line_in_even_when_bad() {
        let input = concat!(
            r#"{"id":"a","title":"Malaysia Airlines jet missing over South China Sea","published":"2014-03-10T00:00:00Z"}"#,
            "\n",
            "not json\n",
            r#"{"id":"b","title":"  ","published":"2014-03-10T00:01:00Z"}"#,
            "\n",
            r#"{"id":"c","title":"Malaysia Airlines jet still missing over South China Sea","published":"yesterday"}"#,
            "\n",
            r#"{"id":"a","title":"Malaysia Airlines jet missing over South China Sea","published":"2014-03-10T00:02:00Z"}"#,
            "\n",
            "\n",
            r#"{"id":"d","title":"Search for missing Malaysia Airlines jet widens","published":"2014-03-09T23:00:00+00:00","url":"http://x.com/search-missing-malaysia-airlines-jet"}"#,
            "\n",
            r#"{"id":7,"title":"Новости: Malaysia Airlines 航班 missing","published":"2014-03-10T00:03:00Z","text":null}"#,
        );
        let (lines, stats) = run(input);
        assert_eq!(lines.len(), 8);
        assert_eq!(stats.lines, 8);
        assert_eq!(stats.errors, 5);
        assert_eq!(stats.late, 1);
        assert_eq!(lines[0]["id"], "a");
        assert!(lines[0]["story"].is_u64());
        for i in [1, 2, 3, 4, 5] {
            assert!(lines[i]["error"].is_string(), "line {i}: {}", lines[i]);
            assert!(lines[i]["story"].is_null());
        }
        assert_eq!(lines[2]["id"], "b");
        assert!(lines[4]["error"].as_str().unwrap().contains("duplicate"));
        assert_eq!(
            lines[6]["story"], lines[0]["story"],
            "late item still clusters"
        );
        assert_eq!(lines[7]["id"], 7);
        assert!(lines[7]["story"].is_u64());
    }

    #[test]
    fn invalid_utf8_and_missing_newline_at_end() {
        let mut input = b"\xff\xfe\n".to_vec();
        input.extend_from_slice(
            br#"{"id":"x","title":"Hello world","published":"2014-03-10T00:00:00Z"}"#,
        );
        let mut out = Vec::new();
        let stats = run_cli(&input[..], &mut out, 36.0).unwrap();
        assert_eq!(stats.lines, 2);
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
    }

    #[test]
    fn rejects_nonsense_windows() {
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(run_cli(&b""[..], Vec::new(), w).is_err());
        }
    }

    #[test]
    fn megabyte_text_is_fine() {
        let body = "lorem ipsum ".repeat(100_000);
        let line = serde_json::json!({"id": "big", "title": "Big text", "text": body, "published": "2014-03-10T00:00:00Z"});
        let (lines, _) = run(&format!("{line}\n"));
        assert_eq!(lines.len(), 1);
        assert!(lines[0]["story"].is_u64());
    }
}

//! A strict reader of the Prometheus text exposition format (version 0.0.4),
//! for the metrics tests: every line must be a comment (`# HELP`, `# TYPE`),
//! empty, or a sample; a family's `# TYPE` comes before its samples, once;
//! its samples stand together; a sample's name is its family's (with
//! `_bucket`, `_sum`, `_count` for a histogram); label values are quoted
//! with `\\`, `\"` and `\n` escapes; and a histogram's buckets rise with
//! `le`, end at `+Inf`, and that bucket equals its `_count`.
//! `parse_with_python` reads the same text with Python's `prometheus_client`.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    /// One comparable line: name, labels in order, value.
    pub fn key(&self) -> String {
        format!("{} {:?} {}", self.name, self.labels, self.value)
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    is_name(s) && !s.contains(':')
}

fn value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// `{k="v",...}` at the start of `s`: the labels and what follows.
fn labels(s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut out = BTreeMap::new();
    let mut rest = s.strip_prefix('{').ok_or("labels must open with {")?;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((out, after));
        }
        let eq = rest.find('=').ok_or("a label without =")?;
        let name = &rest[..eq];
        if !is_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("a label value must be quoted")?;
        let mut v = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().ok_or("an unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("a dangling escape")?.1 {
                    '\\' => v.push('\\'),
                    '"' => v.push('"'),
                    'n' => v.push('\n'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (_, '\n') => return Err("a newline in a label value".into()),
                (_, c) => v.push(c),
            }
        };
        if out.insert(name.to_string(), v).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = &rest[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn sample_line(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("a sample without a value")?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let (labels, rest) = if line[name_end..].starts_with('{') {
        labels(&line[name_end..])?
    } else {
        (BTreeMap::new(), &line[name_end..])
    };
    let mut parts = rest
        .strip_prefix(' ')
        .ok_or("no space before the value")?
        .split(' ');
    let v = parts
        .next()
        .and_then(value)
        .ok_or("a value that is not a number")?;
    if let Some(ts) = parts.next() {
        ts.parse::<i64>()
            .map_err(|_| "a timestamp that is not an integer")?;
    }
    if parts.next().is_some() {
        return Err("more than a value and a timestamp".into());
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value: v,
    })
}

/// Every sample of `text`, or the first line that breaks the format.
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helped = HashSet::new();
    let mut closed = HashSet::new();
    let mut current: Option<String> = None;
    let mut samples = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        let fail = |why: String| format!("line {}: {why}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut w = comment.splitn(3, ' ');
            let (kind, name, rest) = (w.next(), w.next().unwrap_or(""), w.next());
            match kind {
                Some("TYPE") => {
                    let t = rest.unwrap_or("");
                    if !is_name(name)
                        || !["counter", "gauge", "histogram", "summary", "untyped"].contains(&t)
                    {
                        return Err(fail("a bad TYPE line".into()));
                    }
                    if types.insert(name.to_string(), t.to_string()).is_some() {
                        return Err(fail(format!("a second TYPE for {name}")));
                    }
                    if let Some(prev) = current.replace(name.to_string()) {
                        closed.insert(prev);
                    }
                }
                Some("HELP") => {
                    if !is_name(name) || !helped.insert(name.to_string()) {
                        return Err(fail("a bad or second HELP line".into()));
                    }
                }
                _ => {}
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let s = sample_line(line).map_err(fail)?;
        let family = current
            .as_deref()
            .ok_or_else(|| fail("a sample before any TYPE".into()))?;
        let allowed: Vec<String> = match types[family].as_str() {
            "histogram" => ["_bucket", "_sum", "_count"]
                .iter()
                .map(|x| format!("{family}{x}"))
                .collect(),
            "summary" => ["", "_sum", "_count"]
                .iter()
                .map(|x| format!("{family}{x}"))
                .collect(),
            _ => vec![family.to_string()],
        };
        if !allowed.contains(&s.name) || closed.contains(family) {
            return Err(fail(format!("a sample outside its family {family}")));
        }
        samples.push(s);
    }
    check_histograms(&types, &samples)?;
    Ok(samples)
}

fn check_histograms(types: &BTreeMap<String, String>, samples: &[Sample]) -> Result<(), String> {
    for (family, _) in types.iter().filter(|(_, t)| *t == "histogram") {
        let mut series: BTreeMap<Vec<(String, String)>, (Vec<(f64, f64)>, Option<f64>)> =
            BTreeMap::new();
        for s in samples {
            let mut key: Vec<(String, String)> = s
                .labels
                .iter()
                .filter(|(k, _)| *k != "le")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            key.sort();
            let entry = series.entry(key).or_default();
            if s.name == format!("{family}_bucket") {
                let le = s
                    .labels
                    .get("le")
                    .and_then(|l| value(l))
                    .ok_or(format!("{family}: a bucket without le"))?;
                entry.0.push((le, s.value));
            } else if s.name == format!("{family}_count") {
                entry.1 = Some(s.value);
            }
        }
        for (labels, (buckets, count)) in series {
            if buckets.is_empty() && count.is_none() {
                continue;
            }
            let rising = buckets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
            let last = buckets.last().copied();
            if !rising || last.map(|b| b.0) != Some(f64::INFINITY) || last.map(|b| b.1) != count {
                return Err(format!(
                    "{family} {labels:?}: buckets {buckets:?}, count {count:?}"
                ));
            }
        }
    }
    Ok(())
}

/// The samples Python's `prometheus_client` reads from `text`.
pub fn parse_with_python(python: &Path, text: &str) -> Vec<Sample> {
    use std::io::Write;
    const READ: &str = "import sys, json\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        out = [{'name': s.name, 'labels': s.labels, 'value': repr(s.value)}\n\
               for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]\n\
        print(json.dumps(out))\n";
    let mut child = std::process::Command::new(python)
        .args(["-c", READ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter()
        .map(|r| Sample {
            name: r["name"].as_str().unwrap().to_string(),
            labels: serde_json::from_value(r["labels"].clone()).unwrap(),
            // As text: serde_json's float reading may be a unit off in the last place.
            value: value(r["value"].as_str().unwrap()).unwrap(),
        })
        .collect()
}

#[test]
fn the_reader_refuses_what_is_not_the_format() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\\\"q\"} 3\n\n\
                # TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 4.5\nh_count 2\n";
    let s = parse(good).unwrap();
    assert_eq!(s.len(), 5);
    assert_eq!(s[0].labels["x"], "1\"q");
    for bad in [
        "a 1\n",                                                                          // no TYPE
        "# TYPE a counter\na{x=1} 1\n",                 // unquoted
        "# TYPE a counter\na{x=\"1\"} one\n",           // not a number
        "# TYPE a counter\nb 1\n",                      // another family's name
        "# TYPE a counter\n# TYPE b gauge\nb 1\na 2\n", // a family split
        "# TYPE a counter\n# TYPE a gauge\n",           // two TYPEs
        "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", // falling
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n", // +Inf is not the count
        "# TYPE a counter\na{x=\"1\"}  1\n",            // two spaces
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}

//! `newsroom cluster --input FILE.jsonl`: the real binary prints one
//! `{"id", "story", "thread"}` line per input line, in input order, and its
//! `--window-hours` and `--thread-days` change what it does.

use std::process::Command;

fn run(input: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, input).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .arg("cluster")
        .arg("--input")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const LAUNCH: &str = "North Korea fired a ballistic missile over Hokkaido early on Tuesday. Prime Minister Shinzo Abe called the Hwasong-12 launch by Kim Jong Un's government an unprecedented threat to Japan.";

fn line(id: &str, title: &str, hours: i64) -> String {
    let t = jiff::Timestamp::from_second(1_503_878_400 + hours * 3600).unwrap();
    serde_json::json!({"id": id, "title": title, "text": LAUNCH, "published": t.to_string()})
        .to_string()
        + "\n"
}

#[test]
fn prints_id_story_and_thread_per_line_in_order() {
    let input = [
        line("a", "North Korea fires missile over Japan", 0),
        "not json\n".to_string(),
        line("b", "Missile over Hokkaido: Abe condemns North Korea", 2),
        // Thirty hours later: a new day-level story, the same thread.
        line("c", "Hwasong-12 launch condemned at the United Nations", 30),
    ]
    .concat();
    let out = run(&input, &[]);
    assert_eq!(out.len(), 4);
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&out[0]), ["id", "story", "thread"]);
    assert_eq!(out[0]["id"], "a");
    assert_eq!(out[1]["story"], serde_json::Value::Null);
    assert_eq!(out[1]["thread"], serde_json::Value::Null);
    assert!(out[1]["error"].is_string());
    assert_eq!(out[2]["story"], out[0]["story"]);
    assert_ne!(out[3]["story"], out[0]["story"]);
    assert_eq!(out[3]["thread"], out[0]["thread"]);

    // A horizon shorter than the quiet gap closes the thread first.
    let short = run(&input, &["--thread-days", "0.5"]);
    assert_ne!(short[3]["thread"], short[0]["thread"]);
}

#[test]
fn window_hours_is_the_story_lifetime() {
    // One article every 3 hours for 36 hours on one event.
    let input: String = (0..13)
        .map(|i| {
            line(
                &format!("i{i}"),
                &format!("North Korea missile over Japan, report {i}"),
                3 * i,
            )
        })
        .collect();
    let stories = |args: &[&str]| {
        let mut s: Vec<u64> = run(&input, args)
            .iter()
            .map(|v| v["story"].as_u64().unwrap())
            .collect();
        s.dedup();
        s.len()
    };
    // The default day-long lifetime splits the 36 hours in two stories; a
    // 48-hour window keeps one; 720 and 87,600 hours do as 48 does here,
    // but not as the default.
    assert_eq!(stories(&[]), 2);
    assert_eq!(stories(&["--window-hours", "48"]), 1);
    assert_eq!(stories(&["--window-hours", "720"]), 1);
    assert!(stories(&["--window-hours", "6"]) >= 4);
}

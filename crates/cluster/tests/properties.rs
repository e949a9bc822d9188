//! Properties of the online clusterer that must hold for any input stream.

use newsroom_cluster::{Clusterer, Config, Item, run_cli};
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "Ukraine",
    "Crimea",
    "Putin",
    "vote",
    "Malaysia",
    "jet",
    "missing",
    "search",
    "Apple",
    "iPhone",
    "GM",
    "recall",
    "Fed",
    "rates",
    "Yellen",
    "stocks",
    "fall",
    "rise",
    "Bieber",
    "court",
    "oil",
    "China",
    "data",
    "weak",
    "SXSW",
    "Snowden",
    "talks",
    "Obama",
    "sanctions",
    "Russia",
    "Детройт",
    "東京",
    "election",
    "storm",
    "snow",
    "bankruptcy",
];

/// A stream: (words of the title, minutes since the previous item, with
/// occasional steps backwards to exercise out-of-order times).
fn stream(max: usize) -> impl Strategy<Value = Vec<(Vec<usize>, i64)>> {
    prop::collection::vec(
        (prop::collection::vec(0..WORDS.len(), 0..9), -30i64..240),
        1..max,
    )
}

/// One input line without its newline: raw bytes, a mangled object, or a
/// valid article with odd but legal content.
fn garbage_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(
            any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
            0..80
        ),
        r#"[a-z{}":,\ \[\]0-9]{0,60}"#.prop_map(String::into_bytes),
        (
            "[a-z0-9]{0,6}",
            "\\PC{0,40}",
            prop_oneof![
                Just("2014-03-10T00:00:00Z"),
                Just("2014-03-09T23:00:00+01:00"),
                Just("bad"),
                Just("")
            ],
        )
            .prop_map(|(id, title, t)| {
                serde_json::json!({"id": id, "title": title, "published": t})
                    .to_string()
                    .into_bytes()
            }),
    ]
}

fn items(s: &[(Vec<usize>, i64)]) -> Vec<Item> {
    let mut t = 1_400_000_000i64;
    s.iter()
        .enumerate()
        .map(|(i, (words, step))| {
            t += step * 60;
            let title: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
            Item {
                id: format!("i{i}"),
                title: title.join(" "),
                text: None,
                url: (i % 3 == 0)
                    .then(|| format!("http://example.com/{}", title.join("-").to_lowercase())),
                source: None,
                published: t,
            }
        })
        .collect()
}

/// (story, thread) of each item.
fn run(items: &[Item], config: &Config) -> Vec<(u64, u64)> {
    let mut c = Clusterer::new(config.clone());
    items.iter().map(|i| answer(&mut c, i)).collect()
}

fn answer(c: &mut Clusterer, item: &Item) -> (u64, u64) {
    let a = c.add(item.clone());
    (a.story, a.thread)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cli_answers_each_line_once_in_order(s in stream(60)) {
        let items = items(&s);
        let mut input = String::new();
        for it in &items {
            let published = jiff::Timestamp::from_second(it.published).unwrap().to_string();
            input.push_str(&serde_json::json!({"id": it.id, "title": it.title, "url": it.url, "published": published}).to_string());
            input.push('\n');
        }
        let mut out = Vec::new();
        let stats = run_cli(input.as_bytes(), &mut out, 36.0).unwrap();
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(lines.len(), items.len());
        prop_assert_eq!(stats.lines as usize, items.len());
        for (line, it) in lines.iter().zip(&items) {
            prop_assert_eq!(line["id"].as_str(), Some(it.id.as_str()));
            // Empty titles are the only rejects in this stream.
            prop_assert_eq!(line["story"].is_u64(), !it.title.trim().is_empty(), "{}", line);
            prop_assert_eq!(line["thread"].is_u64(), line["story"].is_u64(), "{}", line);
        }
    }

    /// Arbitrary bytes, JSON-ish fragments and valid lines mixed: never a
    /// panic, always exactly one answer per input line.
    #[test]
    fn cli_survives_garbage(lines in prop::collection::vec(garbage_line(), 0..40)) {
        let mut input = Vec::new();
        for l in &lines {
            input.extend_from_slice(l);
            input.push(b'\n');
        }
        let mut out = Vec::new();
        let stats = run_cli(&input[..], &mut out, 36.0).unwrap();
        prop_assert_eq!(stats.lines as usize, lines.len());
        let text = String::from_utf8(out).unwrap();
        prop_assert_eq!(text.lines().count(), lines.len());
        for l in text.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            prop_assert!(v["story"].is_u64() != v.get("error").is_some(), "{}", l);
            prop_assert_eq!(v["thread"].is_u64(), v["story"].is_u64(), "{}", l);
        }
    }

    #[test]
    fn reruns_give_the_same_stories(s in stream(80)) {
        let items = items(&s);
        let config = Config::default();
        prop_assert_eq!(run(&items, &config), run(&items, &config));
    }

    #[test]
    fn a_restored_snapshot_continues_the_same_stories(s in stream(80), cut in 0usize..80) {
        let items = items(&s);
        let cut = cut.min(items.len());
        let whole = run(&items, &Config::default());
        let mut c = Clusterer::new(Config::default());
        let mut got: Vec<(u64, u64)> = items[..cut].iter().map(|i| answer(&mut c, i)).collect();
        let snapshot = serde_json::to_string(&c).unwrap();
        let mut restored: Clusterer = serde_json::from_str(&snapshot).unwrap();
        got.extend(items[cut..].iter().map(|i| answer(&mut restored, i)));
        prop_assert_eq!(got, whole);
    }

    /// Eviction, merging and compaction all at once: a short window, eager
    /// joins and merges, and compactions at arbitrary points must change no
    /// decision (and must not panic).
    #[test]
    fn compaction_at_any_point_changes_nothing(s in stream(120), cuts in prop::collection::vec(0usize..120, 0..6)) {
        let items = items(&s);
        let mut config = Config { story_hours: 3.0, threshold: 0.05, merge_threshold: 0.05, ..Config::default() };
        config.threads.horizon_days = 0.5;
        config.threads.max_terms = 8;
        let plain = run(&items, &config);
        let mut c = Clusterer::new(config.clone());
        let mut got = Vec::new();
        for (i, it) in items.iter().enumerate() {
            if cuts.contains(&i) {
                c.compact();
                c = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            }
            got.push(answer(&mut c, it));
        }
        prop_assert_eq!(got, plain);
    }

    #[test]
    fn new_stories_get_fresh_ids_and_joins_reuse_live_ones(s in stream(80)) {
        let items = items(&s);
        let mut c = Clusterer::new(Config::default());
        let mut max = 0u64;
        for it in items {
            let a = c.add(it);
            if a.new_story {
                prop_assert!(a.story > max);
                max = a.story;
            } else {
                prop_assert!(a.story <= max);
            }
        }
    }
}

/// Memory stays bounded when the stream runs far past the window: the
/// state after 60 windows is no bigger than after a few.
#[test]
fn state_is_bounded_beyond_the_window() {
    // DF counts outlive the window by a few half-lives by design; a short
    // half-life lets the test reach the steady state quickly.
    // Stories live 2 h and are kept 4 h more (8 fade half-lives): 6 h.
    let mut config = Config {
        story_hours: 2.0,
        idf_half_life_hours: 6.0,
        ..Config::default()
    };
    config.threads.horizon_days = 0.25;
    config.threads.idf_half_life_days = 0.25;
    config.threads.max_terms = 16;
    let mut c = Clusterer::new(config);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut peak_after_warmup = None;
    let mut worst = newsroom_cluster::StateSize::default();
    // One item every 2 minutes for 360 hours (60 windows), fresh vocabulary
    // all the time so nothing is shared with old stories.
    for i in 0..10_800u64 {
        let hour = i / 30;
        let words: Vec<String> = (0..6)
            .map(|_| format!("w{}x{}", hour / 2, next() % 40))
            .collect();
        c.add(Item {
            id: i.to_string(),
            title: words.join(" "),
            text: None,
            url: Some(format!(
                "http://example.com/{}-{}",
                words.join("-"),
                next() % 1000
            )),
            source: None,
            published: 1_400_000_000 + i as i64 * 120,
        });
        let s = c.state_size();
        if i == 2_000 {
            peak_after_warmup = Some(s);
        }
        if i > 2_000 {
            worst.live_stories = worst.live_stories.max(s.live_stories);
            worst.story_slots = worst.story_slots.max(s.story_slots);
            worst.postings = worst.postings.max(s.postings);
            worst.df_terms = worst.df_terms.max(s.df_terms);
            worst.near_dup_entries = worst.near_dup_entries.max(s.near_dup_entries);
            worst.near_dup_buckets = worst.near_dup_buckets.max(s.near_dup_buckets);
            worst.expiry_entries = worst.expiry_entries.max(s.expiry_entries);
            worst.live_threads = worst.live_threads.max(s.live_threads);
            worst.thread_postings = worst.thread_postings.max(s.thread_postings);
            worst.thread_df_terms = worst.thread_df_terms.max(s.thread_df_terms);
        }
    }
    let w = peak_after_warmup.unwrap();
    // 6 h at 30 items/h is 180 items in the window.
    assert!(worst.live_stories <= 181, "{worst:?}");
    // One entry per member added plus one per merge, each at most once.
    assert!(worst.expiry_entries <= 2 * 181, "{worst:?}");
    assert!(worst.near_dup_entries <= 181, "{worst:?}");
    // Dead postings wait for a compaction, and DF counts fade over a few
    // half-lives: both stay within a constant factor of the early state.
    assert!(
        worst.story_slots <= 3 * w.story_slots.max(181),
        "{worst:?} vs {w:?}"
    );
    assert!(
        worst.postings <= 3 * w.postings.max(4096 * 2),
        "{worst:?} vs {w:?}"
    );
    assert!(
        worst.df_terms <= 4 * w.df_terms.max(1024),
        "{worst:?} vs {w:?}"
    );
    // Threads close after 6 h of quiet: at most the window's items, each
    // thread's terms capped, IDF counts fading.
    assert!(worst.live_threads <= 181, "{worst:?}");
    assert!(
        worst.thread_postings <= 3 * w.thread_postings.max(4096 * 2),
        "{worst:?} vs {w:?}"
    );
    assert!(
        worst.thread_df_terms <= 4 * w.thread_df_terms.max(1024),
        "{worst:?} vs {w:?}"
    );
    // 16 LSH bands plus a prefix and a suffix key per entry.
    assert!(worst.near_dup_buckets <= 18 * 181, "{worst:?}");
}

/// Extreme timestamps (library callers are not limited to what RFC 3339
/// can express) must not overflow or panic.
#[test]
fn extreme_times_do_not_panic() {
    let mut c = Clusterer::default();
    for (i, t) in [i64::MIN, 0, i64::MAX, -5, i64::MAX, i64::MIN]
        .into_iter()
        .enumerate()
    {
        let a = c.add(Item {
            id: i.to_string(),
            title: "Extreme time headline about the same thing".into(),
            text: Some(String::new()),
            url: Some("not a url".into()),
            source: Some(String::new()),
            published: t,
        });
        assert!(a.story >= 1);
    }
}

//! Regression guard on the extraction-dev set (the Scrapinghub benchmark).
//! Not a timing test. Skips, saying so, when the dataset is absent.

use newsroom_extract::metric::{page_counts, prf};
use std::io::Read;
use std::path::PathBuf;

/// The F1 recorded in docs/QUALITY.md; update both together.
const RECORDED_F1: f64 = 0.978;

fn dataset() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/extraction-dev");
    dir.join("ground-truth.json").is_file().then_some(dir)
}

fn pages(dir: &std::path::Path) -> Vec<(String, Option<String>, Vec<u8>, String)> {
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    let mut ids: Vec<_> = truth.as_object().unwrap().keys().cloned().collect();
    ids.sort();
    for id in ids {
        let mut raw = Vec::new();
        let f = std::fs::File::open(dir.join(format!("html/{id}.html.gz"))).unwrap();
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut raw)
            .unwrap();
        let url = truth[&id]["url"].as_str().map(str::to_string);
        let body = truth[&id]["articleBody"].as_str().unwrap_or("").to_string();
        out.push((id, url, raw, body));
    }
    out
}

#[test]
fn dev_set_f1_does_not_regress() {
    let Some(dir) = dataset() else {
        eprintln!(
            "SKIPPED: extraction-dev dataset not found next to the repository (../shared/datasets/extraction-dev)"
        );
        return;
    };
    let rows: Vec<_> = pages(&dir)
        .iter()
        .map(|(_, url, raw, body)| {
            page_counts(
                &newsroom_extract::extract(raw, url.as_deref(), None).text,
                body,
            )
        })
        .collect();
    let (p, r, f) = prf(&rows);
    eprintln!("dev set: P {p:.3} R {r:.3} F1 {f:.3} (recorded {RECORDED_F1})");
    assert!(
        f >= RECORDED_F1 - 0.005,
        "F1 {f:.3} fell below recorded {RECORDED_F1} - 0.005"
    );
}

#[test]
fn extracted_html_is_a_fixed_point_of_the_sanitiser() {
    let Some(dir) = dataset() else {
        eprintln!("SKIPPED: extraction-dev dataset not found");
        return;
    };
    for (id, url, raw, _) in pages(&dir) {
        let e = newsroom_extract::extract(&raw, url.as_deref(), None);
        let again = newsroom_extract::sanitize_html(&e.html, url.as_deref());
        // Ingestion runs the allow-list alone over this output (one parse
        // less): it must leave it unchanged too.
        assert_eq!(
            newsroom_extract::sanitize::clean(&e.html),
            e.html,
            "page {id}: the allow-list alone changes the extractor's HTML"
        );
        if again != e.html {
            let at = again
                .bytes()
                .zip(e.html.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let ctx = |s: &str| {
                s.get(at.saturating_sub(80)..(at + 80).min(s.len()))
                    .unwrap_or("")
                    .to_string()
            };
            panic!(
                "page {id}: extractor HTML is not within the allow-list\n ours: {}\n sanitised: {}",
                ctx(&e.html),
                ctx(&again)
            );
        }
    }
}

/// The fast tree builder must extract what html5ever's spec-complete one
/// does: the whole extractor runs on both and the texts are compared page
/// by page (html5ever's output taken as the truth).
#[test]
fn fast_parser_agrees_with_html5ever_on_the_dev_set() {
    let Some(dir) = dataset() else {
        eprintln!(
            "SKIPPED: extraction-dev dataset not found next to the repository (../shared/datasets/extraction-dev)"
        );
        return;
    };
    let reference = newsroom_extract::Options {
        parser: newsroom_extract::Parser::Html5ever,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let mut differing = Vec::new();
    for (id, url, raw, _) in pages(&dir) {
        let fast = newsroom_extract::extract(&raw, url.as_deref(), None).text;
        let slow = newsroom_extract::extract_with(&raw, url.as_deref(), None, reference).text;
        let row = page_counts(&fast, &slow);
        let (_, _, f) = prf(std::slice::from_ref(&row));
        if f < 0.99 {
            differing.push(format!("{id}: {f:.3}"));
        }
        rows.push(row);
    }
    let (p, r, f) = prf(&rows);
    eprintln!("fast vs html5ever: P {p:.4} R {r:.4} F1 {f:.4}; pages below 0.99: {differing:?}");
    assert!(
        f >= 0.995,
        "agreement F1 {f:.4}; differing pages {differing:?}"
    );
    assert!(
        differing.len() * 50 <= rows.len(),
        "more than 2% of pages differ: {differing:?}"
    );
}

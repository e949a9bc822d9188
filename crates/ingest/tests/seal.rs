//! A sealed body is served as stored, skipping the web layer's second
//! sanitiser pass (`newsroom_ingest::seal`). That is invisible only if the
//! sanitiser leaves its own output alone: checked here on every real news
//! page of the extraction set, as ingestion stores them (extracted, then
//! sanitised against the page's address).

use newsroom_ingest::cpu;

#[test]
fn stored_bodies_of_real_pages_are_fixed_points_of_the_sanitiser() {
    let Some(pages) = newsroom_ingest::testkit::dataset_pages() else {
        return;
    };
    let mut checked = 0;
    let mut changed = Vec::new();
    for (id, url, html) in &pages {
        if !cpu::page_is_parsable(html) {
            continue;
        }
        let e = newsroom_extract::extract(html, Some(url), None);
        let stored = cpu::sanitize(&e.html, Some(url), &e.text);
        let served = cpu::sanitize(&stored, None, &e.text);
        if served != stored {
            let at = stored
                .bytes()
                .zip(served.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(stored.len().min(served.len()));
            let from = at.saturating_sub(60);
            changed.push(format!(
                "{id}: stored …{}… served …{}…",
                &stored[stored.floor_char_boundary(from)..stored.floor_char_boundary((at + 60).min(stored.len()))],
                &served[served.floor_char_boundary(from)..served.floor_char_boundary((at + 60).min(served.len()))],
            ));
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} pages checked");
    assert!(changed.is_empty(), "{} of {checked}:\n{}", changed.len(), changed.join("\n"));
}

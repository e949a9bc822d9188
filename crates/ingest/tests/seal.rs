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
                &stored[stored.floor_char_boundary(from)
                    ..stored.floor_char_boundary((at + 60).min(stored.len()))],
                &served[served.floor_char_boundary(from)
                    ..served.floor_char_boundary((at + 60).min(served.len()))],
            ));
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} pages checked");
    assert!(
        changed.is_empty(),
        "{} of {checked}:\n{}",
        changed.len(),
        changed.join("\n")
    );
}

/// Rows from before seals (or by hand) are sanitised and sealed once; the
/// next run finds nothing, and a body sealed by another site is redone.
#[tokio::test]
async fn reseal_cleans_and_seals_old_rows_once() {
    use newsroom_core::{NewArticle, NewSource};
    use newsroom_ingest::seal::{SealKey, reseal};
    use newsroom_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let store = newsroom_store::SqliteStore::open(&url, &Default::default())
        .await
        .unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: "old".into(),
                feed_url: "https://old.example/feed".into(),
                site_url: None,
                section_id: None,
                full_text: Default::default(),
            },
            1_700_000_000,
        )
        .await
        .unwrap()
        .id;
    let key = SealKey::of_site(&store).await.unwrap();
    let foreign = SealKey::from_site_secret(&[3u8; 32]);
    let hostile = |n: i64| format!("<p onclick=\"x()\">Old {n}</p><script>steal({n})</script>");
    for n in 0..450i64 {
        let html = hostile(n);
        let seal = (n % 10 == 0).then(|| foreign.seal(&html));
        store
            .upsert_article(
                &NewArticle {
                    source_id: src,
                    guid: Some(format!("old-{n}")),
                    canonical_url: format!("https://old.example/{n}"),
                    original_url: format!("https://old.example/{n}"),
                    title: format!("Old {n}"),
                    body_html: html,
                    body_text: format!("Old {n}"),
                    body_seal: seal,
                    published_at: 1_700_000_000 + n,
                    fetched_at: 1_700_000_000 + n,
                    ..Default::default()
                },
                1_700_000_000 + n,
            )
            .await
            .unwrap();
    }
    let mut batches = 0;
    let done = reseal(&store, &key, std::time::Duration::ZERO, |_| batches += 1)
        .await
        .unwrap();
    assert_eq!((done.read, done.sealed), (450, 450));
    assert!(batches >= 3, "in batches: {batches}");
    for n in [0i64, 1, 249, 449] {
        let a = store
            .article_by_canonical_url(&format!("https://old.example/{n}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.body_html, format!("<p>Old {n}</p>"), "sanitised");
        assert!(key.verifies(&a.body_html, a.body_seal.as_deref()), "sealed");
    }
    let again = reseal(&store, &key, std::time::Duration::ZERO, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (again.read, again.sealed),
        (0, 0),
        "the second run has nothing to do"
    );
}

//! The behaviour every `Store` backend must show. Each backend's integration
//! test runs the whole suite through [`conformance_suite!`] on a fresh, real
//! database per test.

use crate::model::{
    ArticleLookup, ArticleWrite, AuditQuery, FetchRecord, FetchResult, ListQuery, NewAudit,
    Session, StoryMember, StoryReach, UpsertKind, UserRole, ViewDelta, Visit,
};
use crate::store::Store;
use newsroom_core::{
    AddressKind, ArticleAddress, ArticleId, ArticleStatus, BodyOrigin, FullTextMode, IngestState,
    LeadImage, NewArticle, NewSection, NewSource, PollBounds, SectionId, SourceHealth, SourceId,
    SourceSettings, StoryId, Video,
};
use std::sync::Arc;

/// Generates one `#[tokio::test]` per conformance check. `$make` is an async
/// expression giving `Option<Arc<dyn Store>>` for a fresh database; `None`
/// skips (for a backend that is not available on this machine).
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@each $make;
            search_ranks_folds_and_filters, search_survives_hostile_input, search_stems_and_marks,
            search_stems_other_languages,
            sections_upsert_and_list, sources_crud, source_health_roundtrip, article_roundtrip,
            upsert_identity_and_updates, upsert_keeps_stored_fields, hidden_and_deleted_stay_out,
            list_paging_and_sections, views_batches_and_most_read, views_concurrent_flushes_are_exact,
            views_for_unknown_articles_are_dropped, view_batches_apply_once, visits_count_once_across_nodes, stories_group_articles, jobs_are_claimed_once,
            jobs_concurrent_claims_never_overlap, lease_expiry_hands_job_over, meta_settings,
            retention_deletes_and_remembers, table_counts_add_up, export_import_roundtrip,
            articles_after_in_id_order, story_reach_counts_sources, most_read_groups_stories,
            article_id_ranges_and_links, users_and_sessions, admin_lists_every_status,
            article_addresses_and_ingest_state, published_time_is_written_when_it_changes,
            cache_changes_follow_writes, threads_string_stories, ingest_freshness_from_health,
            story_leads_are_earliest_published, pool_stats_see_calls,
            audit_log_appends_and_filters, audit_log_pages_and_prunes,
            hidden_stories_leave_every_list, pinned_stories_while_the_pin_lasts,
            fetch_history_is_bounded, source_settings_roundtrip, chart_counts,
            story_reasons_are_kept_and_replaced, views_per_hour_of_articles_and_stories,
            site_activity_per_hour, history_exports_and_imports,
            article_page_reads_outlet_and_story, bulk_imports_write_whole_pages,
            batches_store_all_or_nothing, batches_are_searchable, lookups_find_the_first_article,
            unsealed_bodies_are_found_and_sealed_once, filing_batches_open_join_and_thread,
            polls_record_health_and_history_together, polls_in_one_batch_as_one_by_one,
            batches_touch_unchanged_articles_as_one_by_one, batches_see_their_own_writes);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $make.await else { return };
                $crate::conformance::$name(store).await;
            }
        )*
    };
}

const T0: i64 = 1_700_000_000;

async fn source(store: &dyn Store, name: &str) -> SourceId {
    store
        .add_source(
            &NewSource {
                name: name.into(),
                feed_url: format!("https://{name}.example/feed.xml"),
                site_url: Some(format!("https://{name}.example/")),
                section_id: None,
                full_text: FullTextMode::Auto,
            },
            T0,
        )
        .await
        .unwrap()
        .id
}

fn article(src: SourceId, n: i64) -> NewArticle {
    NewArticle {
        source_id: src,
        section_id: None,
        guid: Some(format!("guid-{n}")),
        canonical_url: format!("https://news.example/a/{n}"),
        original_url: format!("https://news.example/a/{n}?utm_source=x"),
        title: format!("Headline {n}"),
        summary: format!("Summary {n}"),
        body_html: format!("<p>Body {n}</p>"),
        body_text: format!("Body {n}"),
        body_seal: Some(format!("seal-{n}")),
        image: None,
        video: None,
        author: None,
        language: Some("en".into()),
        published_at: T0 + n * 60,
        fetched_at: T0 + n * 60 + 5,
    }
}

async fn insert(store: &dyn Store, a: &NewArticle) -> ArticleId {
    let out = store.upsert_article(a, a.fetched_at).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Inserted);
    out.id.unwrap()
}

pub async fn sections_upsert_and_list(store: Arc<dyn Store>) {
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 2,
            max_age_days: None,
        })
        .await
        .unwrap();
    store
        .upsert_section(&NewSection {
            slug: "business".into(),
            name: "Business".into(),
            position: 1,
            max_age_days: Some(30),
        })
        .await
        .unwrap();
    let again = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World news".into(),
            position: 3,
            max_age_days: None,
        })
        .await
        .unwrap();
    assert_eq!(again.id, world.id, "same slug, same section");
    let all = store.list_sections().await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.slug.as_str()).collect::<Vec<_>>(),
        ["business", "world"]
    );
    assert_eq!(all[0].max_age_days, Some(30));
    let found = store.section_by_slug("world").await.unwrap().unwrap();
    assert_eq!(found.name, "World news");
    assert!(store.section_by_slug("nope").await.unwrap().is_none());
}

pub async fn sources_crud(store: Arc<dyn Store>) {
    let id = source(&*store, "alpha").await;
    let s = store.get_source(id).await.unwrap().unwrap();
    assert_eq!(s.name, "alpha");
    assert!(s.enabled);
    assert_eq!(s.full_text, FullTextMode::Auto);
    // A feed that moved permanently: the source follows it, unless another
    // source already polls the new address.
    let other = source(&*store, "beta-moved").await;
    assert!(
        store
            .set_source_feed_url(id, "https://alpha.example/new-feed.xml")
            .await
            .unwrap()
    );
    let moved = store
        .source_by_feed_url("https://alpha.example/new-feed.xml")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.id, id);
    assert!(matches!(
        store
            .set_source_feed_url(other, "https://alpha.example/new-feed.xml")
            .await,
        Err(crate::StoreError::Conflict(_))
    ));
    assert!(
        !store
            .set_source_feed_url(SourceId(id.0 + 10_000), "https://x.example/f")
            .await
            .unwrap()
    );
    store
        .set_source_feed_url(id, "https://alpha.example/feed.xml")
        .await
        .unwrap();
    store.delete_source(other).await.unwrap();
    assert_eq!(
        store
            .source_by_feed_url("https://alpha.example/feed.xml")
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    let dup = store
        .add_source(
            &NewSource {
                name: "again".into(),
                feed_url: "https://alpha.example/feed.xml".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Never,
            },
            T0,
        )
        .await;
    assert!(
        matches!(dup, Err(crate::StoreError::Conflict(_))),
        "duplicate feed URL must be a conflict: {dup:?}"
    );
    assert!(store.set_source_enabled(id, false).await.unwrap());
    assert!(!store.get_source(id).await.unwrap().unwrap().enabled);
    assert!(store.set_source_name(id, "Alpha News").await.unwrap());
    insert(&*store, &article(id, 1)).await;
    insert(&*store, &article(id, 2)).await;
    let list = store.list_sources().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].article_count, 2);
    assert_eq!(list[0].source.name, "Alpha News");
    assert!(store.delete_source(id).await.unwrap());
    assert!(store.get_source(id).await.unwrap().is_none());
    assert_eq!(
        store.count_articles(&ListQuery::default()).await.unwrap(),
        0
    );
    assert!(!store.delete_source(id).await.unwrap());
}

pub async fn source_health_roundtrip(store: Arc<dyn Store>) {
    let id = source(&*store, "beta").await;
    let h = SourceHealth {
        last_success_at: Some(T0 + 10),
        last_attempt_at: Some(T0 + 20),
        last_error_class: Some("http_5xx".into()),
        last_error: Some("HTTP 503 from beta.example".into()),
        consecutive_failures: 3,
        next_poll_at: T0 + 900,
        etag: Some("\"abc\"".into()),
        last_modified: Some("Mon, 13 Feb 2023 12:42:00 GMT".into()),
        notes: vec![
            "https://beta.example/a has no usable link".into(),
            "2 items share the GUID \"x\"".into(),
        ],
    };
    store.update_source_health(id, &h).await.unwrap();
    assert_eq!(store.get_source(id).await.unwrap().unwrap().health, h);
}

pub async fn ingest_freshness_from_health(store: Arc<dyn Store>) {
    let f = store.ingest_freshness().await.unwrap();
    assert_eq!(
        (f.last_success_at, f.failing_sources, f.enabled_sources),
        (None, 0, 0)
    );
    let ok = source(&*store, "fresh").await;
    let failing = source(&*store, "broken").await;
    let off = source(&*store, "off").await;
    let f = store.ingest_freshness().await.unwrap();
    assert_eq!(
        (f.last_success_at, f.failing_sources, f.enabled_sources),
        (None, 0, 3),
        "new sources"
    );
    let good = |at| SourceHealth {
        last_success_at: Some(at),
        last_attempt_at: Some(at),
        ..SourceHealth::default()
    };
    store
        .update_source_health(ok, &good(T0 + 50))
        .await
        .unwrap();
    let bad = SourceHealth {
        last_success_at: Some(T0 + 40),
        last_attempt_at: Some(T0 + 60),
        last_error_class: Some("http_5xx".into()),
        consecutive_failures: 1,
        ..SourceHealth::default()
    };
    store.update_source_health(failing, &bad).await.unwrap();
    // A disabled source's failure is not news, but its last success still counts.
    store
        .update_source_health(
            off,
            &SourceHealth {
                last_success_at: Some(T0 + 70),
                ..bad.clone()
            },
        )
        .await
        .unwrap();
    store.set_source_enabled(off, false).await.unwrap();
    let f = store.ingest_freshness().await.unwrap();
    assert_eq!(
        (f.last_success_at, f.failing_sources, f.enabled_sources),
        (Some(T0 + 70), 1, 2)
    );
    store
        .update_source_health(failing, &good(T0 + 80))
        .await
        .unwrap();
    let f = store.ingest_freshness().await.unwrap();
    assert_eq!(
        (f.last_success_at, f.failing_sources),
        (Some(T0 + 80), 0),
        "recovered"
    );
}

pub async fn pool_stats_see_calls(store: Arc<dyn Store>) {
    store.table_counts().await.unwrap();
    // A connection goes back to the pool a moment after its call returns.
    let mut idle = store.pool_stats();
    for _ in 0..500 {
        if idle.in_use == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        idle = store.pool_stats();
    }
    assert!(
        idle.max >= 1 && idle.open >= 1 && idle.open <= idle.max,
        "{idle:?}"
    );
    assert_eq!(
        (idle.in_use, idle.waiting),
        (0, 0),
        "every call has returned: {idle:?}"
    );
}

pub async fn article_roundtrip(store: Arc<dyn Store>) {
    let src = source(&*store, "gamma").await;
    let sec = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 0,
            max_age_days: None,
        })
        .await
        .unwrap();
    let mut a = article(src, 7);
    a.section_id = Some(sec.id);
    a.image = Some(LeadImage {
        url: newsroom_core::PublicUrl::parse("https://img.example/1.jpg").unwrap(),
        alt: "Soldiers in Bakhmut".into(),
        width: Some(1200),
        height: Some(675),
    });
    a.video = Some(Video {
        url: newsroom_core::PublicUrl::parse("https://video.example/1.mp4").unwrap(),
    });
    a.author = Some("Jane Doe".into());
    a.title = "Ukraine war: «Bakhmut» — ünïcödé ✓".into();
    let id = insert(&*store, &a).await;
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.source_id, src);
    assert_eq!(got.section_id, Some(sec.id));
    assert_eq!(got.guid, a.guid);
    assert_eq!(got.canonical_url, a.canonical_url);
    assert_eq!(got.original_url, a.original_url);
    assert_eq!(got.title, a.title);
    assert_eq!(got.summary, a.summary);
    assert_eq!(got.body_html, a.body_html);
    assert_eq!(got.body_text, a.body_text);
    assert_eq!(got.body_seal, a.body_seal);
    assert_eq!(got.image, a.image);
    assert_eq!(got.video, a.video);
    assert_eq!(got.author, a.author);
    assert_eq!(got.language.as_deref(), Some("en"));
    assert_eq!(got.published_at, a.published_at);
    assert_eq!(got.fetched_at, a.fetched_at);
    assert_eq!(got.updated_at, a.fetched_at);
    assert_eq!(got.status, ArticleStatus::Published);
    assert_eq!(got.views, 0);
    assert!(got.is_video());
    assert_eq!(
        store
            .article_by_canonical_url(&a.canonical_url)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    assert!(
        store
            .get_article(ArticleId(id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn upsert_identity_and_updates(store: Arc<dyn Store>) {
    let src = source(&*store, "delta").await;
    let a = article(src, 1);
    let id = insert(&*store, &a).await;

    let same = store.upsert_article(&a, T0 + 999).await.unwrap();
    assert_eq!((same.id, same.kind), (Some(id), UpsertKind::Unchanged));

    let mut edited = a.clone();
    edited.title = "Headline 1, updated".into();
    let out = store.upsert_article(&edited, T0 + 1000).await.unwrap();
    assert_eq!((out.id, out.kind), (Some(id), UpsertKind::Updated));
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!(got.title, "Headline 1, updated");
    assert_eq!(got.updated_at, T0 + 1000);

    // Same guid, new URL: still the same article.
    let mut moved = edited.clone();
    moved.canonical_url = "https://news.example/moved".into();
    let out = store.upsert_article(&moved, T0 + 1001).await.unwrap();
    assert_eq!(out.id, Some(id));

    // No guid, same canonical URL (another feed of the same site): same article.
    let mut other = article(source(&*store, "epsilon").await, 1);
    other.guid = None;
    let out = store.upsert_article(&other, T0 + 1002).await.unwrap();
    assert_eq!(out.id, Some(id));
    assert_eq!(
        store.count_articles(&ListQuery::default()).await.unwrap(),
        1,
        "nothing is stored twice"
    );
}

pub async fn upsert_keeps_stored_fields(store: Arc<dyn Store>) {
    let src = source(&*store, "zeta").await;
    let mut a = article(src, 1);
    a.image = Some(LeadImage {
        url: newsroom_core::PublicUrl::parse("https://img.example/z.jpg").unwrap(),
        alt: "z".into(),
        width: None,
        height: None,
    });
    let id = insert(&*store, &a).await;
    let mut thin = a.clone();
    thin.body_html.clear();
    thin.body_text.clear();
    thin.body_seal = None;
    thin.image = None;
    let out = store.upsert_article(&thin, T0 + 50).await.unwrap();
    assert_eq!(
        out.kind,
        UpsertKind::Unchanged,
        "empty fields must not erase stored ones"
    );
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!(got.body_text, "Body 1");
    assert_eq!(got.body_seal, a.body_seal, "the kept body keeps its seal");
    assert!(got.image.is_some());

    // The seal goes with the body it was made for: a new body brings its
    // own, or none, never the old one's.
    let mut edited = a.clone();
    edited.body_html = "<p>Body 1, edited</p>".into();
    edited.body_seal = Some("seal-edited".into());
    let out = store.upsert_article(&edited, T0 + 60).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Updated);
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!(got.body_seal.as_deref(), Some("seal-edited"));
    let mut unsealed = edited.clone();
    unsealed.body_html = "<p>Body 1, edited again</p>".into();
    unsealed.body_seal = None;
    store.upsert_article(&unsealed, T0 + 70).await.unwrap();
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!(got.body_html, unsealed.body_html);
    assert_eq!(
        got.body_seal, None,
        "an unsealed body must not inherit a seal"
    );
}

pub async fn hidden_and_deleted_stay_out(store: Arc<dyn Store>) {
    let src = source(&*store, "eta").await;
    let a1 = article(src, 1);
    let a2 = article(src, 2);
    let id1 = insert(&*store, &a1).await;
    let id2 = insert(&*store, &a2).await;
    assert!(
        store
            .set_article_status(id1, ArticleStatus::Hidden, T0 + 10)
            .await
            .unwrap()
    );
    let mut edited = a1.clone();
    edited.title = "Hidden but edited".into();
    let out = store.upsert_article(&edited, T0 + 20).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Suppressed);
    assert_eq!(
        store.get_article(id1).await.unwrap().unwrap().title,
        "Headline 1"
    );

    assert!(store.delete_article(id2, T0 + 30).await.unwrap());
    assert!(store.get_article(id2).await.unwrap().is_none());
    let out = store.upsert_article(&a2, T0 + 40).await.unwrap();
    assert_eq!(
        (out.id, out.kind),
        (None, UpsertKind::Suppressed),
        "deleted items do not come back"
    );
    let cards = store
        .list_articles(&ListQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        cards.is_empty(),
        "hidden articles are not listed: {cards:?}"
    );
    assert!(!store.delete_article(id2, T0 + 50).await.unwrap());
}

pub async fn list_paging_and_sections(store: Arc<dyn Store>) {
    let src = source(&*store, "theta").await;
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 0,
            max_age_days: None,
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..25 {
        let mut a = article(src, n);
        if n % 2 == 0 {
            a.section_id = Some(world.id);
        }
        if n == 3 {
            a.video = Some(Video {
                url: newsroom_core::PublicUrl::parse("https://v.example/3").unwrap(),
            });
        }
        ids.push(insert(&*store, &a).await);
    }
    let page1 = store
        .list_articles(&ListQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page1.len(), 10);
    assert_eq!(page1[0].id, ids[24], "newest first");
    assert!(
        page1
            .windows(2)
            .all(|w| w[0].published_at >= w[1].published_at)
    );
    assert_eq!(page1[0].source_name, "theta");
    let page3 = store
        .list_articles(&ListQuery {
            limit: 10,
            offset: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page3.len(), 5);
    assert_eq!(page3.last().unwrap().id, ids[0]);
    assert!(page3.iter().any(|c| c.video && c.id == ids[3]));
    let q = ListQuery {
        section: Some(world.id),
        limit: 100,
        ..Default::default()
    };
    assert_eq!(store.count_articles(&q).await.unwrap(), 13);
    let in_world = store.list_articles(&q).await.unwrap();
    assert!(in_world.iter().all(|c| c.section_id == Some(world.id)));
    let none = ListQuery {
        section: Some(SectionId(world.id.0 + 99)),
        limit: 10,
        ..Default::default()
    };
    assert!(store.list_articles(&none).await.unwrap().is_empty());
    let by_source = ListQuery {
        source: Some(src),
        limit: 100,
        ..Default::default()
    };
    assert_eq!(store.count_articles(&by_source).await.unwrap(), 25);
}

pub async fn views_batches_and_most_read(store: Arc<dyn Store>) {
    let src = source(&*store, "iota").await;
    let a = insert(&*store, &article(src, 1)).await;
    let b = insert(&*store, &article(src, 2)).await;
    let c = insert(&*store, &article(src, 3)).await;
    let now = T0 + 100_000;
    let hour = now / 3600;
    store
        .add_views(&[
            ViewDelta {
                article: a,
                hour,
                n: 5,
            },
            ViewDelta {
                article: b,
                hour,
                n: 9,
            },
            ViewDelta {
                article: a,
                hour,
                n: 2,
            },
            // Old views count in the total but not in a 24 h most-read list.
            ViewDelta {
                article: c,
                hour: hour - 48,
                n: 100,
            },
        ])
        .await
        .unwrap();
    let views = store.article_views(&[a, b, c]).await.unwrap();
    let get = |id| views.iter().find(|(x, _)| *x == id).unwrap().1;
    assert_eq!((get(a), get(b), get(c)), (7, 9, 100));
    let top = store.most_read(now - 24 * 3600, 10).await.unwrap();
    assert_eq!(top.iter().map(|c| c.id).collect::<Vec<_>>(), [b, a]);
    assert_eq!(top[0].views, 9);
    let all_time = store.most_read(0, 10).await.unwrap();
    assert_eq!(all_time[0].id, c);
    assert_eq!(store.get_article(a).await.unwrap().unwrap().views, 7);
}

pub async fn views_concurrent_flushes_are_exact(store: Arc<dyn Store>) {
    let src = source(&*store, "kappa").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(insert(&*store, &article(src, n)).await);
    }
    let hour = T0 / 3600;
    let mut tasks = Vec::new();
    for t in 0..8i64 {
        let store = store.clone();
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..10i64 {
                // Each task touches the articles in a different order.
                let batch: Vec<ViewDelta> = (0..ids.len())
                    .map(|i| ViewDelta {
                        article: ids[(i + t as usize) % ids.len()],
                        hour: hour + round % 2,
                        n: 1 + t,
                    })
                    .collect();
                store.add_views(&batch).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let per_article: i64 = (0..8).map(|t| (1 + t) * 10).sum();
    for (_, v) in store.article_views(&ids).await.unwrap() {
        assert_eq!(v, per_article);
    }
    assert_eq!(
        store.table_counts().await.unwrap().total_views,
        per_article * 5
    );
}

pub async fn views_for_unknown_articles_are_dropped(store: Arc<dyn Store>) {
    let src = source(&*store, "lambda").await;
    let a = insert(&*store, &article(src, 1)).await;
    store
        .add_views(&[
            ViewDelta {
                article: a,
                hour: 1,
                n: 1,
            },
            ViewDelta {
                article: ArticleId(a.0 + 500),
                hour: 1,
                n: 4,
            },
        ])
        .await
        .unwrap();
    let counts = store.table_counts().await.unwrap();
    assert_eq!(counts.total_views, 1);
    assert_eq!(counts.article_views_hourly, 1);
    store.add_views(&[]).await.unwrap();
}

pub async fn view_batches_apply_once(store: Arc<dyn Store>) {
    let src = source(&*store, "batchy").await;
    let a = insert(&*store, &article(src, 1)).await;
    let delta = move |n| {
        [ViewDelta {
            article: a,
            hour: T0 / 3600,
            n,
        }]
    };
    let total =
        |store: Arc<dyn Store>| async move { store.article_views(&[a]).await.unwrap()[0].1 };
    assert!(
        store
            .add_views_once("node-a/1", &delta(3), T0)
            .await
            .unwrap()
    );
    // The same batch again (a retry after a lost reply): nothing added.
    assert!(
        !store
            .add_views_once("node-a/1", &delta(3), T0 + 5)
            .await
            .unwrap()
    );
    assert_eq!(total(store.clone()).await, 3);
    assert!(
        store
            .add_views_once("node-a/2", &delta(2), T0 + 10)
            .await
            .unwrap()
    );
    assert_eq!(total(store.clone()).await, 5);

    // Several nodes replaying one batch at the same moment: one applies it.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .add_views_once("node-b/7", &delta(4), T0 + 20)
                .await
                .unwrap()
        }));
    }
    let mut applied = 0;
    for t in tasks {
        applied += usize::from(t.await.unwrap());
    }
    assert_eq!(applied, 1, "exactly one replay applies the batch");
    assert_eq!(total(store.clone()).await, 9);

    // Ids are remembered for 30 days, then pruned by later batches.
    let later = T0 + 31 * 86_400;
    assert!(
        store
            .add_views_once("node-c/1", &delta(1), later)
            .await
            .unwrap()
    );
    assert!(
        store
            .add_views_once("node-a/1", &delta(3), later)
            .await
            .unwrap()
    );
    assert_eq!(total(store.clone()).await, 13);
    // An empty batch still claims its id.
    assert!(store.add_views_once("node-c/2", &[], later).await.unwrap());
    assert!(!store.add_views_once("node-c/2", &[], later).await.unwrap());
}

pub async fn visits_count_once_across_nodes(store: Arc<dyn Store>) {
    const WINDOW: i64 = 1800;
    let visit = |visitor: i64, article: i64, at: i64| Visit {
        visitor,
        article: ArticleId(article),
        at,
    };
    let claim = |batch: &'static str, visits: Vec<Visit>, now: i64| {
        let store = store.clone();
        async move {
            store
                .claim_visits(batch, &visits, WINDOW, now)
                .await
                .unwrap()
        }
    };
    // Node a counts two visitors; node b then sees one of them again.
    let first = vec![visit(1, 10, T0), visit(-2, 10, T0)];
    let mut got = claim("a/1", first.clone(), T0).await;
    got.sort_unstable_by_key(|v| v.visitor);
    assert_eq!(got, [visit(-2, 10, T0), visit(1, 10, T0)]);
    assert!(
        claim("b/1", vec![visit(1, 10, T0 + 60)], T0 + 60)
            .await
            .is_empty()
    );
    // Another article, or the same one a window later, counts.
    assert_eq!(
        claim("b/2", vec![visit(1, 11, T0 + 60)], T0 + 60).await,
        [visit(1, 11, T0 + 60)]
    );
    // A retried batch gets its answer again; nothing else changes.
    let mut again = claim("a/1", first, T0 + 90).await;
    again.sort_unstable_by_key(|v| v.visitor);
    assert_eq!(again, [visit(-2, 10, T0), visit(1, 10, T0)]);
    assert_eq!(
        claim("b/3", vec![visit(1, 10, T0 + WINDOW)], T0 + WINDOW).await,
        [visit(1, 10, T0 + WINDOW)]
    );
    // One batch holding a visitor twice, a window apart (a long outage).
    assert_eq!(
        claim(
            "c/1",
            vec![
                visit(3, 10, T0 + 5000),
                visit(3, 10, T0),
                visit(3, 10, T0 + 10)
            ],
            T0 + 5000
        )
        .await
        .len(),
        2
    );

    // Many nodes counting one new visit at the same moment: one counts it.
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_visits(
                    &format!("node-{n}/1"),
                    &[visit(7, 12, T0 + 100)],
                    WINDOW,
                    T0 + 100,
                )
                .await
                .unwrap()
                .len()
        }));
    }
    let mut counted = 0;
    for t in tasks {
        counted += t.await.unwrap();
    }
    assert_eq!(counted, 1, "exactly one node counts a visit");

    // Records a window (and a margin) old are forgotten by later flushes.
    let later = T0 + 86_400;
    assert!(
        !claim("d/1", vec![visit(9, 1, later)], later)
            .await
            .is_empty()
    );
    assert_eq!(
        claim("d/2", vec![visit(7, 12, T0 + 200)], later).await,
        [visit(7, 12, T0 + 200)],
        "pruned keys count again"
    );
}

pub async fn stories_group_articles(store: Arc<dyn Store>) {
    let s1 = source(&*store, "mu").await;
    let s2 = source(&*store, "nu").await;
    let a = insert(&*store, &article(s1, 5)).await;
    let mut other = article(s2, 3);
    other.canonical_url = "https://other.example/3".into();
    let b = insert(&*store, &other).await;
    let story = store.create_story(a, T0 + 1000).await.unwrap();
    store.assign_story(b, story, T0 + 2000).await.unwrap();
    let st = store.get_story(story).await.unwrap().unwrap();
    assert_eq!(st.size, 2);
    assert_eq!(st.lead_article, b, "the earliest member leads");
    assert_eq!(st.last_update, T0 + 2000);
    assert_eq!(st.thread, story, "a new story opens its own thread");
    let members = store.story_articles(story).await.unwrap();
    assert_eq!(members.iter().map(|c| c.id).collect::<Vec<_>>(), [b, a]);
    assert!(members.iter().all(|c| c.story_id == Some(story)));
    assert_eq!(members[0].original_url, other.original_url);
    assert!(
        store
            .assign_story(ArticleId(a.0 + 999), story, T0)
            .await
            .is_err()
    );
}

pub async fn articles_after_in_id_order(store: Arc<dyn Store>) {
    let src = source(&*store, "omicron").await;
    assert!(store.articles_after(None, 10).await.unwrap().is_empty());
    // Published times out of id order: the clusterer reads in arrival (id) order.
    let ids = [
        insert(&*store, &article(src, 9)).await,
        insert(&*store, &article(src, 2)).await,
        insert(&*store, &article(src, 5)).await,
        insert(&*store, &article(src, 7)).await,
    ];
    store
        .set_article_status(ids[2], ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    let all = store.articles_after(None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|a| a.id).collect::<Vec<_>>(),
        [ids[0], ids[1], ids[3]],
        "published only, lowest id first"
    );
    assert_eq!(all[0].title, "Headline 9");
    let page = store.articles_after(None, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    let rest = store.articles_after(Some(page[1].id), 10).await.unwrap();
    assert_eq!(rest.iter().map(|a| a.id).collect::<Vec<_>>(), [ids[3]]);
    assert!(
        store
            .articles_after(Some(ids[3]), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn article_id_ranges_and_links(store: Arc<dyn Store>) {
    let src = source(&*store, "sigma").await;
    assert!(store.article_id_ranges(2).await.unwrap().is_empty());
    let mut ids = Vec::new();
    for n in 1..=7 {
        ids.push(insert(&*store, &article(src, n)).await);
    }
    // A content change moves updated_at, which is what lastmod reports.
    let mut edited = article(src, 1);
    edited.title = "Headline 1, updated".into();
    let out = store.upsert_article(&edited, T0 + 10_000).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Updated);
    // Hiding every article of one range leaves that range out.
    let range_of = |id: ArticleId| (id.0 - 1) / 2 + 1;
    let gone = range_of(ids[3]);
    for id in ids.iter().filter(|id| range_of(**id) == gone) {
        store
            .set_article_status(*id, ArticleStatus::Hidden, T0 + 20_000)
            .await
            .unwrap();
    }
    let mut expected: Vec<(i64, i64, i64)> = Vec::new();
    for id in &ids {
        let a = store.get_article(*id).await.unwrap().unwrap();
        if a.status != ArticleStatus::Published {
            continue;
        }
        match expected.last_mut() {
            Some(last) if last.0 == range_of(a.id) => {
                last.1 += 1;
                last.2 = last.2.max(a.updated_at);
            }
            _ => expected.push((range_of(a.id), 1, a.updated_at)),
        }
    }
    let ranges = store.article_id_ranges(2).await.unwrap();
    assert_eq!(
        ranges
            .iter()
            .map(|r| (r.index, r.articles, r.last_modified))
            .collect::<Vec<_>>(),
        expected
    );
    assert!(ranges.iter().all(|r| r.index != gone));
    assert_eq!(ranges[0].last_modified, T0 + 10_000, "edited article");
    assert_eq!(
        ranges.iter().map(|r| r.articles).sum::<i64>(),
        ids.len() as i64 - ids.iter().filter(|id| range_of(**id) == gone).count() as i64
    );
    assert_eq!(
        store.article_id_ranges(0).await.unwrap().len() as i64,
        ranges.iter().map(|r| r.articles).sum::<i64>(),
        "size 0 counts as 1"
    );

    let links = store.article_links(ids[0], ids[6]).await.unwrap();
    assert!(
        links.windows(2).all(|w| w[0].id < w[1].id),
        "lowest id first"
    );
    assert_eq!(
        links.len() as i64,
        ranges.iter().map(|r| r.articles).sum::<i64>(),
        "published only"
    );
    assert_eq!(links[0].id, ids[0]);
    assert_eq!(links[0].title, "Headline 1, updated");
    assert_eq!(links[0].updated_at, T0 + 10_000);
    let last = links.last().unwrap();
    assert_eq!(last.id, ids[6]);
    assert_eq!(
        (last.title.as_str(), last.published_at),
        ("Headline 7", T0 + 7 * 60)
    );
    // One range's links are exactly what the range counted.
    for r in &ranges {
        let page = store
            .article_links(ArticleId((r.index - 1) * 2 + 1), ArticleId(r.index * 2))
            .await
            .unwrap();
        assert_eq!(page.len() as i64, r.articles, "range {}", r.index);
    }
    assert!(
        store
            .article_links(ArticleId(ids[6].0 + 1), ArticleId(ids[6].0 + 100))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn story_reach_counts_sources(store: Arc<dyn Store>) {
    let s1 = source(&*store, "pi").await;
    let s2 = source(&*store, "rho").await;
    let a = insert(&*store, &article(s1, 1)).await;
    let b = insert(&*store, &article(s1, 2)).await;
    let c = insert(&*store, &article(s2, 3)).await;
    let d = insert(&*store, &article(s2, 4)).await;
    let lone = insert(&*store, &article(s2, 5)).await;
    let big = store.create_story(a, T0).await.unwrap();
    for m in [b, c] {
        store.assign_story(m, big, T0).await.unwrap();
    }
    let small = store.create_story(d, T0).await.unwrap();
    assert_eq!(store.article_story(c).await.unwrap(), Some(big));
    assert_eq!(store.article_story(lone).await.unwrap(), None);
    assert_eq!(
        store.article_story(ArticleId(lone.0 + 999)).await.unwrap(),
        None
    );
    let reach = store
        .story_reach(&[small, big, StoryId(big.0 + 1000)])
        .await
        .unwrap();
    assert_eq!(
        reach,
        [
            StoryReach {
                story: big,
                articles: 3,
                sources: 2,
                lead: a,
                first_published: T0 + 60,
                thread: big,
                thread_first_published: T0 + 60,
            },
            StoryReach {
                story: small,
                articles: 1,
                sources: 1,
                lead: d,
                first_published: T0 + 240,
                thread: small,
                thread_first_published: T0 + 240,
            },
        ]
    );
    // Hidden members no longer count.
    store
        .set_article_status(c, ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    let reach = store.story_reach(&[big]).await.unwrap();
    assert_eq!((reach[0].articles, reach[0].sources), (2, 1));
    assert!(store.story_reach(&[]).await.unwrap().is_empty());
}

pub async fn most_read_groups_stories(store: Arc<dyn Store>) {
    let s1 = source(&*store, "sigma").await;
    let s2 = source(&*store, "tau").await;
    let a = insert(&*store, &article(s1, 1)).await;
    let b = insert(&*store, &article(s2, 2)).await;
    let c = insert(&*store, &article(s1, 3)).await;
    let lone = insert(&*store, &article(s2, 4)).await;
    let story = store.create_story(a, T0).await.unwrap();
    store.assign_story(b, story, T0).await.unwrap();
    store.assign_story(c, story, T0).await.unwrap();
    let now = T0 + 100_000;
    let hour = now / 3600;
    let d = |article, hour, n| ViewDelta { article, hour, n };
    store
        .add_views(&[
            d(a, hour, 3),
            d(b, hour, 4),
            d(c, hour, 2),
            d(lone, hour, 6),
            // Too old for the list: counts in totals only.
            d(a, hour - 30, 100),
        ])
        .await
        .unwrap();
    // Per article, the lone article leads (6 > 4); per story, the story does (9 > 6).
    let per_article = store.most_read(now - 3600, 10).await.unwrap();
    assert_eq!(per_article[0].id, lone);
    let grouped = store.most_read_by_story(now - 3600, 10).await.unwrap();
    assert_eq!(
        grouped
            .iter()
            .map(|r| (r.card.id, r.recent_views))
            .collect::<Vec<_>>(),
        [(b, 9), (lone, 6)],
        "one line per story, its most-read member standing for it"
    );
    assert_eq!(grouped[0].card.story_id, Some(story));
    assert_eq!(grouped[1].card.story_id, None);
    let top = store.most_read_by_story(now - 3600, 1).await.unwrap();
    assert_eq!(top.len(), 1);
    store
        .set_article_status(b, ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    let grouped = store.most_read_by_story(now - 3600, 10).await.unwrap();
    assert_eq!(
        grouped
            .iter()
            .map(|r| (r.card.id, r.recent_views))
            .collect::<Vec<_>>(),
        [(lone, 6), (a, 5)]
    );
}

pub async fn jobs_are_claimed_once(store: Arc<dyn Store>) {
    store
        .ensure_job("source:1", "poll", T0, Some("{\"source\":1}"))
        .await
        .unwrap();
    store
        .ensure_job("source:2", "poll", T0 + 10, None)
        .await
        .unwrap();
    store
        .ensure_job("source:3", "poll", T0 + 10_000, None)
        .await
        .unwrap();
    store
        .ensure_job("rollup", "housekeeping", T0, None)
        .await
        .unwrap();
    // ensure_job never resets an existing job.
    store
        .ensure_job("source:1", "poll", T0 + 50_000, None)
        .await
        .unwrap();

    let now = T0 + 100;
    let got = store.claim_jobs("poll", "w1", now, 60, 10).await.unwrap();
    assert_eq!(
        got.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        ["source:1", "source:2"]
    );
    assert_eq!(got[0].payload.as_deref(), Some("{\"source\":1}"));
    assert_eq!(got[0].lease_owner.as_deref(), Some("w1"));
    assert_eq!(got[0].attempts, 1);
    assert!(
        store
            .claim_jobs("poll", "w2", now + 1, 60, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased jobs are not handed out"
    );
    assert!(
        store
            .renew_lease("source:1", "w1", now + 30, 60)
            .await
            .unwrap()
    );
    assert!(
        !store
            .renew_lease("source:1", "w2", now + 30, 60)
            .await
            .unwrap()
    );
    assert!(
        !store
            .complete_job("source:1", "w2", Some(now + 900), None)
            .await
            .unwrap(),
        "only the holder completes"
    );
    assert!(
        store
            .complete_job("source:1", "w1", Some(now + 900), None)
            .await
            .unwrap()
    );
    let j = store.get_job("source:1").await.unwrap().unwrap();
    assert_eq!((j.due_at, j.lease_owner, j.attempts), (now + 900, None, 0));
    assert!(
        store
            .complete_job("source:2", "w1", Some(now + 60), Some("timeout"))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_job("source:2")
            .await
            .unwrap()
            .unwrap()
            .last_error
            .as_deref(),
        Some("timeout")
    );
    let h = store
        .claim_jobs("housekeeping", "w2", now, 60, 10)
        .await
        .unwrap();
    assert_eq!(h.len(), 1);
    assert!(
        store
            .complete_job("rollup", "w2", None, None)
            .await
            .unwrap()
    );
    assert!(
        store.get_job("rollup").await.unwrap().is_none(),
        "a one-off job is deleted when done"
    );
}

pub async fn jobs_concurrent_claims_never_overlap(store: Arc<dyn Store>) {
    for i in 0..60 {
        store
            .ensure_job(&format!("job:{i:02}"), "poll", T0, None)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_jobs("poll", &format!("w{w}"), T0 + 5, 600, 3)
                    .await
                    .unwrap();
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|j| j.key));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!(n, all.len(), "a job was handed to two workers");
    assert_eq!(n, 60);
}

pub async fn lease_expiry_hands_job_over(store: Arc<dyn Store>) {
    store
        .ensure_job("source:9", "poll", T0, None)
        .await
        .unwrap();
    let first = store
        .claim_jobs("poll", "dead-worker", T0, 30, 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        store
            .claim_jobs("poll", "w2", T0 + 29, 30, 1)
            .await
            .unwrap()
            .is_empty()
    );
    let taken = store
        .claim_jobs("poll", "w2", T0 + 31, 30, 1)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "an expired lease frees the job");
    assert_eq!(taken[0].attempts, 2);
    assert!(
        !store
            .renew_lease("source:9", "dead-worker", T0 + 32, 30)
            .await
            .unwrap()
    );
    assert!(
        !store
            .complete_job("source:9", "dead-worker", Some(T0 + 100), None)
            .await
            .unwrap()
    );
    assert!(
        store
            .complete_job("source:9", "w2", Some(T0 + 100), None)
            .await
            .unwrap()
    );
}

/// Each write a cached page shows leaves a change row behind (the triggers
/// of migration 0008); view totals and source health leave none.
pub async fn cache_changes_follow_writes(store: Arc<dyn Store>) {
    let start = store.last_change().await.unwrap();
    let since = |after: i64| {
        let store = store.clone();
        async move {
            let rows = store.changes_after(after, 1000).await.unwrap();
            assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "in id order");
            rows.into_iter()
                .map(|c| (c.topic, c.key))
                .collect::<Vec<_>>()
        }
    };
    let src = source(&*store, "cc").await;
    let a = insert(&*store, &article(src, 1)).await;
    let mark = store.last_change().await.unwrap();
    assert!(since(start).await.contains(&("article".into(), a.0)));
    store
        .add_views(&[ViewDelta {
            article: a,
            hour: T0 / 3600,
            n: 5,
        }])
        .await
        .unwrap();
    store
        .update_source_health(src, &SourceHealth::default())
        .await
        .unwrap();
    assert_eq!(
        since(mark).await,
        vec![],
        "counts and health change no page text"
    );
    store
        .add_views_once(
            "node/1",
            &[ViewDelta {
                article: a,
                hour: T0 / 3600,
                n: 1,
            }],
            T0,
        )
        .await
        .unwrap();
    store
        .set_article_status(a, ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    let story = store.create_story(a, T0).await.unwrap();
    let sec = store
        .upsert_section(&NewSection {
            slug: "cc".into(),
            name: "CC".into(),
            position: 0,
            max_age_days: None,
        })
        .await
        .unwrap();
    store.set_source_name(src, "Renamed").await.unwrap();
    let got = since(mark).await;
    for want in [
        ("views".to_string(), 0),
        ("article".to_string(), a.0),
        ("story".to_string(), story.0),
        ("section".to_string(), sec.id.0),
        ("source".to_string(), src.0),
    ] {
        assert!(got.contains(&want), "{want:?} in {got:?}");
    }
    assert_eq!(
        store.changes_after(mark, 2).await.unwrap().len(),
        2,
        "limit"
    );
    let last = store.last_change().await.unwrap();
    assert!(last > mark);
    assert!(store.prune_changes(i64::MAX).await.unwrap() >= 6);
    assert_eq!(since(start).await, vec![]);
}

pub async fn meta_settings(store: Arc<dyn Store>) {
    assert!(store.get_meta("salt").await.unwrap().is_none());
    assert_eq!(store.init_meta("salt", "one").await.unwrap(), "one");
    // A checkpoint (a no-op on PostgreSQL) changes nothing that is read.
    store.checkpoint().await.unwrap();
    assert_eq!(
        store.init_meta("salt", "two").await.unwrap(),
        "one",
        "init never overwrites"
    );
    store.set_meta("salt", "three").await.unwrap();
    assert_eq!(
        store.get_meta("salt").await.unwrap().as_deref(),
        Some("three")
    );
}

pub async fn retention_deletes_and_remembers(store: Arc<dyn Store>) {
    let src = source(&*store, "xi").await;
    let sec = store
        .upsert_section(&NewSection {
            slug: "brief".into(),
            name: "Brief".into(),
            position: 0,
            max_age_days: Some(1),
        })
        .await
        .unwrap();
    let mut old = article(src, 1);
    old.section_id = Some(sec.id);
    let old_id = insert(&*store, &old).await;
    store
        .add_views(&[ViewDelta {
            article: old_id,
            hour: T0 / 3600,
            n: 3,
        }])
        .await
        .unwrap();
    let mut fresh = article(src, 100);
    fresh.section_id = Some(sec.id);
    insert(&*store, &fresh).await;
    let n = store
        .delete_articles_before(Some(sec.id), T0 + 50 * 60, T0 + 90_000)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(store.get_article(old_id).await.unwrap().is_none());
    assert_eq!(
        store.upsert_article(&old, T0 + 90_001).await.unwrap().kind,
        UpsertKind::Suppressed
    );
    assert_eq!(
        store.table_counts().await.unwrap().article_views_hourly,
        1,
        "view history is kept"
    );
}

pub async fn table_counts_add_up(store: Arc<dyn Store>) {
    assert!(store.table_counts().await.unwrap().is_empty_site());
    let src = source(&*store, "omicron").await;
    let a = insert(&*store, &article(src, 1)).await;
    store
        .add_views(&[ViewDelta {
            article: a,
            hour: 10,
            n: 4,
        }])
        .await
        .unwrap();
    store.set_meta("k", "v").await.unwrap();
    let c = store.table_counts().await.unwrap();
    assert_eq!(
        (
            c.sources,
            c.articles,
            c.article_views_hourly,
            c.meta,
            c.total_views
        ),
        (1, 1, 1, 1, 4)
    );
    assert!(!c.is_empty_site());
    store.ping().await.unwrap();
}

/// Every table's rows as `export_rows` gives them, read in pages of 2 so
/// that every table with more rows than that takes several.
async fn export_all(store: &dyn Store) -> Vec<(crate::table::Table, Vec<serde_json::Value>)> {
    let mut dump = Vec::new();
    for t in crate::table::Table::ALL {
        let mut rows = Vec::new();
        let mut after: Option<serde_json::Value> = None;
        loop {
            let page = store.export_rows(t, after.as_ref(), 2).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().cloned();
            rows.extend(page);
        }
        dump.push((t, rows));
    }
    dump
}

/// Every table out and back in again, in pages: the same rows, the same ids,
/// and ids handed out afterwards do not collide with imported ones.
pub async fn export_import_roundtrip(store: Arc<dyn Store>) {
    use crate::table::Table;
    let sec = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: Some(7),
        })
        .await
        .unwrap();
    let src = source(&*store, "pi").await;
    let mut ids = Vec::new();
    for n in 0..7 {
        let mut a = article(src, n);
        a.section_id = Some(sec.id);
        if n == 2 {
            a.image = Some(LeadImage {
                url: newsroom_core::PublicUrl::parse("https://img.example/p.jpg").unwrap(),
                alt: "ünï «alt»".into(),
                width: Some(640),
                height: None,
            });
        }
        ids.push(insert(&*store, &a).await);
    }
    let story = store.create_story(ids[0], T0 + 10).await.unwrap();
    store.assign_story(ids[1], story, T0 + 11).await.unwrap();
    store
        .add_views(&[
            ViewDelta {
                article: ids[0],
                hour: 10,
                n: 3,
            },
            ViewDelta {
                article: ids[0],
                hour: 11,
                n: 4,
            },
            ViewDelta {
                article: ids[3],
                hour: 11,
                n: 5,
            },
        ])
        .await
        .unwrap();
    store.delete_article(ids[6], T0 + 20).await.unwrap();
    store.ensure_job("a", "poll", T0, Some("{}")).await.unwrap();
    store.ensure_job("b", "poll", T0, None).await.unwrap();
    store.claim_jobs("poll", "w1", T0, 60, 1).await.unwrap();
    store.set_meta("salt", "s1").await.unwrap();
    store.set_meta("site", "demo").await.unwrap();
    let before = store.table_counts().await.unwrap();

    let dump = export_all(&*store).await;
    let rows_of = |t: Table| dump.iter().find(|(x, _)| *x == t).unwrap().1.len() as i64;
    assert_eq!(rows_of(Table::Articles), before.articles);
    assert_eq!(
        rows_of(Table::ArticleViewsHourly),
        before.article_views_hourly
    );
    assert_eq!(rows_of(Table::Jobs), 2);
    assert_eq!(rows_of(Table::Meta), 2);
    assert_eq!(rows_of(Table::Tombstones), 1);
    let a0 = store.get_article(ids[2]).await.unwrap().unwrap();

    store.clear_all().await.unwrap();
    assert_eq!(
        store.table_counts().await.unwrap(),
        Default::default(),
        "clear_all leaves every table empty"
    );
    for (t, rows) in &dump {
        assert_eq!(
            store.import_rows(*t, rows).await.unwrap(),
            rows.len() as u64
        );
    }
    assert_eq!(store.table_counts().await.unwrap(), before);
    for (t, rows) in &dump {
        let again = store.export_rows(*t, None, 1000).await.unwrap();
        assert_eq!(&again, rows, "{t} reads back as it was written");
    }
    assert_eq!(store.get_article(ids[2]).await.unwrap().unwrap(), a0);
    assert_eq!(store.get_story(story).await.unwrap().unwrap().size, 2);
    assert_eq!(
        store
            .get_job("a")
            .await
            .unwrap()
            .unwrap()
            .lease_owner
            .as_deref(),
        Some("w1")
    );

    let fresh = insert(&*store, &article(src, 50)).await;
    assert!(
        fresh.0 > ids[..6].iter().map(|i| i.0).max().unwrap(),
        "new ids come after imported ones"
    );
    let sec2 = store
        .upsert_section(&NewSection {
            slug: "sport".into(),
            name: "Sport".into(),
            position: 2,
            max_age_days: None,
        })
        .await
        .unwrap();
    assert!(sec2.id.0 > sec.id.0);
    assert!(store.create_story(fresh, T0 + 30).await.unwrap().0 > story.0);
    store
        .add_source(
            &NewSource {
                name: "rho".into(),
                feed_url: "https://rho.example/feed.xml".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Auto,
            },
            T0,
        )
        .await
        .unwrap();
}

fn session(token_hash: &str, user_id: i64, created_at: i64, expires_at: i64) -> Session {
    Session {
        token_hash: token_hash.into(),
        user_id,
        created_at,
        expires_at,
        csrf_secret: format!("csrf-{token_hash}"),
    }
}

/// Accounts are unique by name; a session is found by its token hash only
/// until it expires; removing an account signs out all its browsers.
pub async fn users_and_sessions(store: Arc<dyn Store>) {
    let alice = store
        .add_user("alice", "$argon2id$hash-a", UserRole::Admin, T0)
        .await
        .unwrap();
    assert_eq!(
        (alice.name.as_str(), alice.role, alice.created_at),
        ("alice", UserRole::Admin, T0)
    );
    let bob = store
        .add_user("bob", "$argon2id$hash-b", UserRole::Editor, T0 + 1)
        .await
        .unwrap();
    let dup = store
        .add_user("alice", "$argon2id$other", UserRole::Editor, T0)
        .await;
    assert!(
        matches!(dup, Err(crate::StoreError::Conflict(_))),
        "a taken name must be a conflict: {dup:?}"
    );
    let found = store.user_by_name("alice").await.unwrap().unwrap();
    assert_eq!(found, alice);
    assert_eq!(found.password_hash, "$argon2id$hash-a");
    assert!(store.user_by_name("carol").await.unwrap().is_none());
    assert!(
        store.user_by_name("ALICE").await.unwrap().is_none(),
        "names are matched exactly; callers normalise"
    );
    let all = store.list_users().await.unwrap();
    assert_eq!(
        all.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["alice", "bob"]
    );

    store
        .create_session(&session("h1", alice.id, T0, T0 + 100))
        .await
        .unwrap();
    store
        .create_session(&session("h2", alice.id, T0, T0 + 10))
        .await
        .unwrap();
    store
        .create_session(&session("h3", bob.id, T0, T0 + 100))
        .await
        .unwrap();
    let (s, u) = store.session_user("h1", T0 + 5).await.unwrap().unwrap();
    assert_eq!(s, session("h1", alice.id, T0, T0 + 100));
    assert_eq!(u, alice);
    assert!(
        store.session_user("h2", T0 + 10).await.unwrap().is_none(),
        "expired at its expiry second"
    );
    assert!(store.session_user("nope", T0).await.unwrap().is_none());
    assert_eq!(store.delete_expired_sessions(T0 + 10).await.unwrap(), 1);
    assert!(store.session_user("h2", T0).await.unwrap().is_none());

    assert!(store.delete_session("h1").await.unwrap());
    assert!(!store.delete_session("h1").await.unwrap());
    assert!(store.session_user("h1", T0 + 5).await.unwrap().is_none());

    assert!(store.session_user("h3", T0 + 5).await.unwrap().is_some());
    assert!(store.remove_user("bob").await.unwrap());
    assert!(!store.remove_user("bob").await.unwrap());
    assert!(
        store.session_user("h3", T0 + 5).await.unwrap().is_none(),
        "a removed account is signed out everywhere"
    );
    assert!(store.user_by_name("bob").await.unwrap().is_none());
    // The name is free again. SQLite may hand out the same id again, which
    // is harmless only because no session outlived the old account.
    store
        .add_user("bob", "$argon2id$hash-c", UserRole::Admin, T0 + 2)
        .await
        .unwrap();
    assert!(store.session_user("h3", T0 + 5).await.unwrap().is_none());
    assert!(store.delete_expired_sessions(T0 + 1000).await.unwrap() == 0);
}

/// The admin list shows hidden articles too, with their status, newest
/// first and paged, where public lists leave them out.
pub async fn admin_lists_every_status(store: Arc<dyn Store>) {
    let src = source(&*store, "sigma").await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(insert(&*store, &article(src, n)).await);
    }
    assert!(
        store
            .set_article_status(ids[1], ArticleStatus::Hidden, T0 + 999)
            .await
            .unwrap()
    );
    let all = store.list_all_articles(10, 0).await.unwrap();
    assert_eq!(
        all.iter().map(|a| a.card.id).collect::<Vec<_>>(),
        ids.iter().rev().copied().collect::<Vec<_>>(),
        "newest first, hidden included"
    );
    assert_eq!(all[3].status, ArticleStatus::Hidden);
    assert_eq!(all[3].card.source_name, "sigma");
    assert!(
        all.iter()
            .filter(|a| a.card.id != ids[1])
            .all(|a| a.status == ArticleStatus::Published)
    );
    let page2 = store.list_all_articles(2, 2).await.unwrap();
    assert_eq!(
        page2.iter().map(|a| a.card.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    assert_eq!(
        store
            .list_articles(&ListQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        4,
        "the public list still leaves it out"
    );
}

/// An article for the search checks: its own words in title, summary and body.
fn searchable(src: SourceId, n: i64, title: &str, summary: &str, body: &str) -> NewArticle {
    NewArticle {
        title: title.into(),
        summary: summary.into(),
        body_html: format!("<p>{body}</p>"),
        body_text: body.into(),
        ..article(src, n)
    }
}

async fn search_titles(
    store: &dyn Store,
    query: &str,
    section: Option<SectionId>,
) -> (Vec<String>, i64) {
    let terms = crate::search::SearchTerms::parse(query);
    let found = store
        .search_articles(&terms, section, 50, 0)
        .await
        .unwrap_or_else(|e| panic!("search {query:?}: {e}"));
    (
        found.cards.into_iter().map(|c| c.title).collect(),
        found.total,
    )
}

pub async fn search_ranks_folds_and_filters(store: Arc<dyn Store>) {
    let src = source(&*store, "sigma").await;
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 0,
            max_age_days: None,
        })
        .await
        .unwrap();
    let filler = "Officials gave no further details on Tuesday evening.";
    // The title match is the oldest of the three, so only relevance puts it first.
    let mut title_hit = searchable(
        src,
        1,
        "Harbour strike ends after talks",
        "Dock workers return on Monday.",
        filler,
    );
    title_hit.section_id = Some(world.id);
    let title_hit = insert(&*store, &title_hit).await;
    let body_hit = insert(
        &*store,
        &searchable(
            src,
            2,
            "Markets close higher",
            "Shares rose in late trading.",
            "Traders said the harbour reopening helped shipping stocks.",
        ),
    )
    .await;
    let summary_hit = insert(
        &*store,
        &searchable(
            src,
            3,
            "Ferry timetable changes",
            "New crossings from the harbour start in May.",
            filler,
        ),
    )
    .await;
    let (titles, total) = search_titles(&*store, "harbour", None).await;
    assert_eq!(
        titles,
        [
            "Harbour strike ends after talks",
            "Ferry timetable changes",
            "Markets close higher"
        ],
        "title match, then summary, then body"
    );
    assert_eq!(total, 3);
    let page = store
        .search_articles(&crate::search::SearchTerms::parse("harbour"), None, 1, 1)
        .await
        .unwrap();
    assert_eq!(page.total, 3, "the total counts every page");
    assert_eq!(
        page.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        [summary_hit]
    );
    let card = &search_titles(&*store, "HARBOUR strike", None).await.0;
    assert_eq!(
        card,
        &["Harbour strike ends after talks"],
        "every word must match"
    );
    assert_eq!(
        search_titles(&*store, "harbour", Some(world.id)).await.0,
        ["Harbour strike ends after talks"],
        "section filter"
    );
    assert_eq!(
        search_titles(&*store, "harb", None).await.1,
        0,
        "words match whole"
    );
    assert_eq!(search_titles(&*store, "harb*", None).await.1, 3, "prefix");
    // English articles are stemmed: another form of the word finds them.
    assert_eq!(
        search_titles(&*store, "harbours", None).await.1,
        3,
        "stemmed"
    );

    // Diacritics fold both ways; case folds in every script.
    insert(
        &*store,
        &searchable(src, 4, "Café culture returns to Lviv", "", "Reopened."),
    )
    .await;
    insert(
        &*store,
        &searchable(src, 5, "Cafe prices rise again", "", "Coffee costs more."),
    )
    .await;
    insert(
        &*store,
        &searchable(src, 6, "Київ готується до зими", "Генератори для шкіл.", ""),
    )
    .await;
    for q in ["cafe", "café", "CAFÉ", "Cafè"] {
        let (mut titles, total) = search_titles(&*store, q, None).await;
        titles.sort();
        assert_eq!(
            titles,
            ["Cafe prices rise again", "Café culture returns to Lviv"],
            "{q}"
        );
        assert_eq!(total, 2, "{q}");
    }
    assert_eq!(
        search_titles(&*store, "caf*", None).await.1,
        2,
        "prefix folds too"
    );
    assert_eq!(
        search_titles(&*store, "Lviv café", None).await.0,
        ["Café culture returns to Lviv"]
    );
    for q in ["київ", "КИЇВ", "генератори"] {
        assert_eq!(
            search_titles(&*store, q, None).await.0,
            ["Київ готується до зими"],
            "{q}"
        );
    }

    // Phrases keep their words together and in order.
    insert(
        &*store,
        &searchable(
            src,
            7,
            "Parking rules",
            "",
            "The red car was parked outside.",
        ),
    )
    .await;
    insert(
        &*store,
        &searchable(src, 8, "Paint shop", "", "A car painted red won the show."),
    )
    .await;
    assert_eq!(
        search_titles(&*store, "\"red car\"", None).await.0,
        ["Parking rules"]
    );
    assert_eq!(search_titles(&*store, "red car", None).await.1, 2);
    assert_eq!(search_titles(&*store, "\"car red\"", None).await.1, 0);

    // Equal relevance: the newer first.
    insert(
        &*store,
        &searchable(src, 9, "Twin report", "Same words.", ""),
    )
    .await;
    let newer = insert(
        &*store,
        &searchable(src, 10, "Twin report", "Same words.", ""),
    )
    .await;
    let twins = store
        .search_articles(&crate::search::SearchTerms::parse("twin"), None, 10, 0)
        .await
        .unwrap();
    assert_eq!(twins.cards.len(), 2);
    assert_eq!(twins.cards[0].id, newer, "recency breaks the tie");

    // The index follows edits, and view counts leave it alone.
    store
        .add_views(&[ViewDelta {
            article: body_hit,
            hour: T0 / 3600,
            n: 3,
        }])
        .await
        .unwrap();
    let mut edited = searchable(
        src,
        2,
        "Markets close higher",
        "Shares rose in late trading.",
        "Traders said the port reopening helped shipping stocks.",
    );
    edited.fetched_at += 100;
    assert_eq!(
        store
            .upsert_article(&edited, T0 + 10_000)
            .await
            .unwrap()
            .kind,
        UpsertKind::Updated
    );
    assert_eq!(
        search_titles(&*store, "harbour", None).await.1,
        2,
        "the old body is forgotten"
    );
    assert_eq!(
        search_titles(&*store, "port reopening", None).await.0,
        ["Markets close higher"]
    );

    // Hidden and deleted articles never appear, and come back when unhidden.
    store
        .set_article_status(summary_hit, ArticleStatus::Hidden, T0 + 10_001)
        .await
        .unwrap();
    assert_eq!(
        search_titles(&*store, "harbour", None).await,
        (vec!["Harbour strike ends after talks".to_string()], 1)
    );
    assert!(store.delete_article(title_hit, T0 + 10_002).await.unwrap());
    assert_eq!(search_titles(&*store, "harbour", None).await.1, 0);
    store
        .set_article_status(summary_hit, ArticleStatus::Published, T0 + 10_003)
        .await
        .unwrap();
    assert_eq!(
        search_titles(&*store, "harbour", None).await.0,
        ["Ferry timetable changes"]
    );
    assert_eq!(search_titles(&*store, "", None).await.1, 0);
}

/// Stemming where the article's language has a stemmer, the very words
/// ranked first, and snippets with the matches marked.
pub async fn search_stems_and_marks(store: Arc<dyn Store>) {
    use crate::search::{SNIPPET_END, SNIPPET_START, SearchTerms};
    let src = source(&*store, "upsilon").await;
    let other_form = insert(
        &*store,
        &searchable(
            src,
            1,
            "Runners crowd the city marathon",
            "Thousands ran.",
            "The runners were running past the harbour at dawn; she runs daily.",
        ),
    )
    .await;
    // Older than the other and matched in the body only: only the exact
    // word can put it first.
    let mut exact = searchable(
        src,
        2,
        "City news in brief",
        "",
        "A runner from Lviv won; officials said the race will run again next year.",
    );
    exact.published_at -= 30 * 86_400;
    let exact = insert(&*store, &exact).await;
    // Not English: no English stemming.
    let mut unstemmed = searchable(src, 3, "Runners", "", "Runners everywhere.");
    unstemmed.language = None;
    let unstemmed = insert(&*store, &unstemmed).await;

    let found = |q: &'static str| {
        let store = store.clone();
        async move {
            store
                .search_articles(&SearchTerms::parse(q), None, 10, 0)
                .await
                .unwrap_or_else(|e| panic!("{q}: {e}"))
        }
    };
    let r = found("run").await;
    assert_eq!(
        r.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        [exact, other_form],
        "the very word first, then other forms; the unstemmed article has neither"
    );
    assert_eq!(r.total, 2);
    let r = found("runners").await;
    assert_eq!(r.total, 3);
    assert!(r.cards.iter().any(|c| c.id == unstemmed), "its very word");
    assert_eq!(
        r.cards[2].id, exact,
        "runner, stemmed: after both exact matches"
    );

    // Snippets: body text with each match marked, one per card.
    let r = found("harbour").await;
    assert_eq!(r.cards.len(), r.snippets.len());
    let mark = |w: &str| format!("{SNIPPET_START}{w}{SNIPPET_END}");
    assert!(
        r.snippets[0].contains(&mark("harbour")),
        "{:?}",
        r.snippets[0]
    );
    assert!(r.snippets[0].contains("past the"), "{:?}", r.snippets[0]);
    let r = found("running").await;
    let s = &r.snippets[0];
    assert_eq!(r.cards[0].id, other_form);
    assert!(s.contains(&mark("running")), "{s:?}");
    assert!(
        s.contains(&mark("runs")),
        "stemmed forms are marked too: {s:?}"
    );
    // Nothing but the marks is added: the rest is the body's own text.
    let plain: String = s
        .chars()
        .filter(|c| *c != SNIPPET_START && *c != SNIPPET_END)
        .collect();
    assert!(
        "The runners were running past the harbour at dawn; she runs daily."
            .contains(plain.trim_matches('…').trim()),
        "{plain:?}"
    );
}

/// Stemming beyond English, in the article's own language (German,
/// Russian, French here): another form of a word finds it, an edit moves
/// what finds it, and a deleted article leaves the index.
pub async fn search_stems_other_languages(store: Arc<dyn Store>) {
    let src = source(&*store, "polyglot").await;
    let mut stored = Vec::new();
    for (n, language, title, body) in [
        (
            1,
            "de-AT",
            "Neue Häuser für die Altstadt",
            "Die Häuser wurden gestern eröffnet.",
        ),
        (2, "ru", "Новости о выборах", "Выборы прошли спокойно."),
        (
            3,
            "fr",
            "Les élections municipales",
            "Les électeurs ont voté.",
        ),
    ] {
        let mut a = searchable(src, n, title, "", body);
        a.language = Some(language.into());
        stored.push((insert(&*store, &a).await, a));
    }
    let [(de_id, mut de), (ru_id, _), (fr_id, _)] = <[_; 3]>::try_from(stored).unwrap();
    let ids = |q: &'static str| {
        let store = store.clone();
        async move {
            let found = store
                .search_articles(&crate::search::SearchTerms::parse(q), None, 10, 0)
                .await
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            (
                found.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
                found.total,
            )
        }
    };
    assert_eq!(ids("haus").await, (vec![de_id], 1), "Häuser, stemmed");
    let found = store
        .search_articles(&crate::search::SearchTerms::parse("haus"), None, 10, 0)
        .await
        .unwrap();
    let marked = format!(
        "{}Häuser{}",
        crate::search::SNIPPET_START,
        crate::search::SNIPPET_END
    );
    assert!(found.snippets[0].contains(&marked), "{:?}", found.snippets);
    assert_eq!(ids("новость").await, (vec![ru_id], 1), "новости, stemmed");
    assert_eq!(ids("выбор").await, (vec![ru_id], 1));
    assert_eq!(
        ids("élection").await,
        (vec![fr_id], 1),
        "élections, stemmed"
    );
    assert_eq!(
        ids("neues haus").await,
        (vec![de_id], 1),
        "every word, stemmed"
    );
    assert_eq!(ids("haus ghost").await.1, 0, "every word must match");
    assert_eq!(ids("\"neue häuser\"").await, (vec![de_id], 1), "a phrase");

    // An edit: the old words no longer find it, the new ones do.
    de.title = "Neue Brücke für die Altstadt".into();
    de.body_text = "Die Brücke wurde gestern eröffnet.".into();
    de.body_html = format!("<p>{}</p>", de.body_text);
    let out = store.upsert_article(&de, de.fetched_at + 60).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Updated);
    assert_eq!(ids("haus").await.1, 0, "the old text left the index");
    assert_eq!(ids("brücken").await, (vec![de_id], 1));
    // The second pass and the tenth: unchanged text stays found once.
    for _ in 0..10 {
        store
            .upsert_article(&de, de.fetched_at + 120)
            .await
            .unwrap();
    }
    assert_eq!(ids("brücken").await, (vec![de_id], 1));

    assert!(
        store
            .delete_article(ru_id, de.fetched_at + 180)
            .await
            .unwrap()
    );
    assert_eq!(ids("новость").await.1, 0, "deleted, gone from the index");
}

pub async fn search_survives_hostile_input(store: Arc<dyn Store>) {
    let src = source(&*store, "tau").await;
    insert(
        &*store,
        &searchable(
            src,
            1,
            "Near the harbour, or not",
            "And/or: a \"quoted\" summary; it's 50% off.",
            "Body with NEAR(x y) and -minus and *stars* and 'quotes'.",
        ),
    )
    .await;
    let before = store.table_counts().await.unwrap();
    let ten_kb = |s: &str| s.repeat(10_240 / s.len() + 1);
    let mut inputs: Vec<String> = [
        "\"",
        "*",
        "**",
        "\"*\"",
        "NEAR(",
        "NEAR(harbour",
        "-",
        "-harbour",
        "AND OR",
        "harbour OR",
        "NOT harbour",
        "' OR '1'='1",
        "'; DROP TABLE articles; --",
        "\"; DELETE FROM articles; --",
        "\\",
        "%_",
        ":*",
        "harbour:*",
        "title:harbour",
        "{title summary}: harbour",
        "harbour^2",
        "!harbour & | <-> <2>",
        "(harbour",
        "harbour)",
        "\"harbour",
        "\u{0}",
        "\u{0301}",
        "½ ² Ⅷ",
        "🔥 harbour 🔥",
        "ǡ",
        "abcабв*",
        "שלום עולם",
        "e\u{0301}",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    inputs.push(ten_kb("a"));
    inputs.push(ten_kb("\"*"));
    inputs.push(ten_kb("harbour "));
    inputs.push(ten_kb("NEAR( \"x\" - * OR AND ' ; "));
    inputs.push(ten_kb("ї"));
    for q in &inputs {
        let terms = crate::search::SearchTerms::parse(q);
        let found = store.search_articles(&terms, None, 20, 0).await;
        let found = found.unwrap_or_else(|e| panic!("search {:?}: {e}", &q[..q.len().min(40)]));
        assert!(found.total >= found.cards.len() as i64);
    }
    for q in [
        "NEAR(harbour",
        "\"harbour",
        "harbour)",
        "-harbour",
        "harbour OR",
        "🔥 harbour 🔥",
    ] {
        assert_eq!(search_titles(&*store, q, None).await.1, 1, "{q}");
    }
    assert_eq!(
        search_titles(&*store, "and or", None).await.1,
        1,
        "operator words are words"
    );
    assert_eq!(
        store.table_counts().await.unwrap(),
        before,
        "nothing changed"
    );
}

pub async fn article_addresses_and_ingest_state(store: Arc<dyn Store>) {
    let a_src = source(&*store, "addr-a").await;
    let b_src = source(&*store, "addr-b").await;
    let a = insert(&*store, &article(a_src, 1)).await;
    let b = insert(&*store, &article(b_src, 2)).await;
    let guid = ArticleAddress::guid(a_src, "tag:a,2024:1");
    let link = ArticleAddress::url("https://news.example/r/1", AddressKind::Redirect);
    assert_eq!(store.article_by_address(&guid).await.unwrap(), None);
    store
        .add_article_addresses(a, &[guid.clone(), link.clone()])
        .await
        .unwrap();
    assert_eq!(store.article_by_address(&guid).await.unwrap(), Some(a));
    assert_eq!(store.article_by_address(&link).await.unwrap(), Some(a));
    // A GUID means something only in its own feed.
    let same_guid_elsewhere = ArticleAddress::guid(b_src, "tag:a,2024:1");
    assert_eq!(
        store
            .article_by_address(&same_guid_elsewhere)
            .await
            .unwrap(),
        None
    );
    // An address already claimed stays with the first article; adding it again is no error.
    store
        .add_article_addresses(b, &[link.clone(), same_guid_elsewhere.clone()])
        .await
        .unwrap();
    assert_eq!(store.article_by_address(&link).await.unwrap(), Some(a));
    assert_eq!(
        store
            .article_by_address(&same_guid_elsewhere)
            .await
            .unwrap(),
        Some(b)
    );

    assert_eq!(store.ingest_state(a).await.unwrap(), None);
    let mut state = IngestState {
        body_origin: BodyOrigin::Page,
        published_trusted: true,
        first_seen: T0,
        feed_updated: Some(T0 + 5),
        feed_hash: Some("abc".into()),
        page_etag: Some("\"v1\"".into()),
        page_last_modified: Some("Wed, 01 May 2024 10:00:00 GMT".into()),
        page_checked_at: Some(T0 + 10),
        rechecks: 1,
    };
    store.set_ingest_state(a, &state).await.unwrap();
    assert_eq!(store.ingest_state(a).await.unwrap().as_ref(), Some(&state));
    state.body_origin = BodyOrigin::Feed;
    state.published_trusted = false;
    state.page_etag = None;
    state.rechecks = 3;
    store.set_ingest_state(a, &state).await.unwrap();
    assert_eq!(store.ingest_state(a).await.unwrap().as_ref(), Some(&state));
    assert_eq!(store.ingest_state(b).await.unwrap(), None);

    // What is remembered goes with the article.
    assert!(store.delete_article(a, T0 + 100).await.unwrap());
    assert_eq!(store.article_by_address(&guid).await.unwrap(), None);
    assert_eq!(store.article_by_address(&link).await.unwrap(), None);
    assert_eq!(store.ingest_state(a).await.unwrap(), None);
    assert_eq!(
        store
            .article_by_address(&same_guid_elsewhere)
            .await
            .unwrap(),
        Some(b)
    );
    store.clear_all().await.unwrap();
    assert_eq!(
        store
            .article_by_address(&same_guid_elsewhere)
            .await
            .unwrap(),
        None
    );
}

pub async fn published_time_is_written_when_it_changes(store: Arc<dyn Store>) {
    let src = source(&*store, "published").await;
    let mut a = article(src, 1);
    let id = insert(&*store, &a).await;
    let same = store.upsert_article(&a, T0 + 500).await.unwrap();
    assert_eq!(same.kind, UpsertKind::Unchanged);
    a.published_at = T0 - 3600;
    let moved = store.upsert_article(&a, T0 + 600).await.unwrap();
    assert_eq!((moved.id, moved.kind), (Some(id), UpsertKind::Updated));
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!((got.published_at, got.updated_at), (T0 - 3600, T0 + 600));
}

pub async fn threads_string_stories(store: Arc<dyn Store>) {
    let s1 = source(&*store, "upsilon").await;
    let s2 = source(&*store, "phi").await;
    // One event over three days: a story a day, each day's later than the last.
    let day = |n: i64, src, d: i64| {
        let mut a = article(src, n);
        a.published_at = T0 + d * 86_400 + n * 60;
        a.fetched_at = a.published_at + 5;
        a
    };
    let a1 = insert(&*store, &day(1, s1, 0)).await;
    let a2 = insert(&*store, &day(2, s2, 0)).await;
    let b1 = insert(&*store, &day(3, s1, 1)).await;
    let c1 = insert(&*store, &day(4, s2, 2)).await;
    let lone = insert(&*store, &day(5, s1, 2)).await;
    let stray = insert(&*store, &day(6, s2, 2)).await;
    let first = store.create_story(a1, T0).await.unwrap();
    store.assign_story(a2, first, T0).await.unwrap();
    let second = store
        .create_story_in_thread(b1, first, T0 + 86_400)
        .await
        .unwrap();
    // Naming any story of the thread names the thread.
    let third = store
        .create_story_in_thread(c1, second, T0 + 2 * 86_400)
        .await
        .unwrap();
    let own = store.create_story(lone, T0 + 2 * 86_400).await.unwrap();
    let unknown = store
        .create_story_in_thread(stray, StoryId(first.0 + 10_000), T0 + 2 * 86_400)
        .await
        .unwrap();
    for (story, thread) in [
        (first, first),
        (second, first),
        (third, first),
        (own, own),
        (unknown, unknown),
    ] {
        assert_eq!(
            store.get_story(story).await.unwrap().unwrap().thread,
            thread,
            "story {story}"
        );
    }
    let thread = store.thread_stories(first, 10).await.unwrap();
    assert_eq!(
        thread.iter().map(|t| t.story).collect::<Vec<_>>(),
        [third, second, first],
        "newest first"
    );
    assert_eq!(
        thread[2].articles.iter().map(|c| c.id).collect::<Vec<_>>(),
        [a1, a2],
        "each story's articles oldest first"
    );
    assert_eq!(thread[2].lead().id, a1);
    assert_eq!(thread[0].articles[0].source_name, "phi");
    assert_eq!(
        store
            .thread_stories(first, 2)
            .await
            .unwrap()
            .iter()
            .map(|t| t.story)
            .collect::<Vec<_>>(),
        [third, second]
    );
    assert_eq!(store.thread_stories(own, 10).await.unwrap().len(), 1);
    assert!(
        store
            .thread_stories(StoryId(first.0 + 10_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Reach says where a story stands in its thread.
    let reach = store.story_reach(&[first, third, own]).await.unwrap();
    let by: std::collections::HashMap<StoryId, StoryReach> =
        reach.into_iter().map(|r| (r.story, r)).collect();
    assert_eq!(by[&third].thread, first);
    assert!(by[&third].developing(), "continues a thread begun earlier");
    assert!(!by[&first].developing(), "the thread's first story");
    assert!(!by[&own].developing());
    assert_eq!(by[&third].thread_first_published, T0 + 60);
    // A story whose articles are all hidden leaves the thread's list.
    store
        .set_article_status(b1, ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .thread_stories(first, 10)
            .await
            .unwrap()
            .iter()
            .map(|t| t.story)
            .collect::<Vec<_>>(),
        [third, first]
    );
    // A story copied from a site older than threads has no thread id: it is
    // a thread of its own, with itself as the timeline.
    let old_lead = insert(&*store, &day(90, s1, 3)).await;
    let old = StoryId(first.0 + 20_000);
    store
        .import_rows(
            crate::table::Table::Stories,
            &[
                serde_json::json!({"id": old.0, "lead_article_id": old_lead.0,
                "first_seen": T0, "last_update": T0, "size": 1}),
            ],
        )
        .await
        .unwrap();
    store.assign_story(old_lead, old, T0).await.unwrap();
    assert_eq!(
        store
            .thread_stories(old, 10)
            .await
            .unwrap()
            .iter()
            .map(|t| t.story)
            .collect::<Vec<_>>(),
        [old]
    );
}

pub async fn story_leads_are_earliest_published(store: Arc<dyn Store>) {
    let s1 = source(&*store, "chi").await;
    let s2 = source(&*store, "psi").await;
    let a = insert(&*store, &article(s1, 3)).await;
    let b = insert(&*store, &article(s2, 1)).await;
    let c = insert(&*store, &article(s2, 2)).await;
    let story = store.create_story(a, T0).await.unwrap();
    store.assign_story(b, story, T0).await.unwrap();
    store.assign_story(c, story, T0).await.unwrap();
    let lead = |r: Vec<StoryReach>| r[0].lead;
    assert_eq!(lead(store.story_reach(&[story]).await.unwrap()), b);
    assert_eq!(store.story_articles(story).await.unwrap()[0].id, b);
    // The lead hidden: the next earliest published article leads, in the
    // reach and at the head of the members alike.
    store
        .set_article_status(b, ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    let reach = store.story_reach(&[story]).await.unwrap();
    assert_eq!(reach[0].lead, c);
    assert_eq!(reach[0].first_published, T0 + 120);
    assert_eq!(store.story_articles(story).await.unwrap()[0].id, c);
    // Cards by id: in the order asked, hidden and unknown ones left out.
    let cards = store
        .article_cards(&[a, ArticleId(a.0 + 999), b, c])
        .await
        .unwrap();
    assert_eq!(cards.iter().map(|c| c.id).collect::<Vec<_>>(), [a, c]);
    assert_eq!(cards[1].story_id, Some(story));
    assert!(store.article_cards(&[]).await.unwrap().is_empty());
}

pub async fn audit_log_appends_and_filters(store: Arc<dyn Store>) {
    let all = |limit| AuditQuery {
        limit,
        ..AuditQuery::default()
    };
    assert!(store.list_audit(&all(10)).await.unwrap().is_empty());
    let rows = [
        (
            "ann",
            "source.add",
            "source",
            1,
            None,
            Some(serde_json::json!({"name": "A"})),
        ),
        (
            "bob",
            "article.hide",
            "article",
            7,
            Some(serde_json::json!({"status": "published"})),
            Some(serde_json::json!({"status": "hidden"})),
        ),
        (
            "ann",
            "source.remove",
            "source",
            1,
            Some(serde_json::json!({"name": "A", "quote": "it's \"fine\""})),
            None,
        ),
        ("ann", "article.hide", "article", 8, None, None),
    ];
    let mut ids = Vec::new();
    for (i, (actor, action, kind, id, before, after)) in rows.iter().enumerate() {
        ids.push(
            store
                .append_audit(&NewAudit {
                    at: T0 + i as i64,
                    actor,
                    action,
                    object_kind: kind,
                    object_id: *id,
                    before: before.clone(),
                    after: after.clone(),
                })
                .await
                .unwrap(),
        );
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
    let listed = store.list_audit(&all(10)).await.unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0].id, ids[3], "newest first");
    // Before and after come back as they went in, quotes and all.
    let removed = &listed[1];
    assert_eq!(
        (
            removed.at,
            removed.actor.as_str(),
            removed.action.as_str(),
            removed.object_kind.as_str(),
            removed.object_id
        ),
        (T0 + 2, "ann", "source.remove", "source", 1)
    );
    assert_eq!(removed.before, rows[2].4);
    assert_eq!(removed.after, None);
    assert_eq!(listed[2].after, rows[1].5);
    assert_eq!(store.list_audit(&all(2)).await.unwrap().len(), 2, "limit");
    let by = |actor: Option<&str>, action: Option<&str>, kind: Option<&str>, id: Option<i64>| {
        AuditQuery {
            actor: actor.map(str::to_string),
            action: action.map(str::to_string),
            object_kind: kind.map(str::to_string),
            object_id: id,
            before_id: None,
            limit: 10,
        }
    };
    let ids_of = |v: Vec<crate::model::AuditEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids_of(
            store
                .list_audit(&by(Some("ann"), None, None, None))
                .await
                .unwrap()
        ),
        vec![ids[3], ids[2], ids[0]]
    );
    assert_eq!(
        ids_of(
            store
                .list_audit(&by(None, Some("article.hide"), None, None))
                .await
                .unwrap()
        ),
        vec![ids[3], ids[1]]
    );
    assert_eq!(
        ids_of(
            store
                .list_audit(&by(None, None, Some("source"), Some(1)))
                .await
                .unwrap()
        ),
        vec![ids[2], ids[0]]
    );
    assert_eq!(
        ids_of(
            store
                .list_audit(&by(Some("bob"), None, Some("article"), Some(8)))
                .await
                .unwrap()
        ),
        Vec::<i64>::new()
    );
}

pub async fn audit_log_pages_and_prunes(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            store
                .append_audit(&NewAudit::new("ann", "story.pin", "story", i, T0 + i * 100))
                .await
                .unwrap(),
        );
    }
    let page = |before_id, limit| AuditQuery {
        before_id,
        limit,
        ..AuditQuery::default()
    };
    let ids_of = |v: Vec<crate::model::AuditEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let first = ids_of(store.list_audit(&page(None, 2)).await.unwrap());
    assert_eq!(first, [ids[4], ids[3]]);
    let second = ids_of(store.list_audit(&page(Some(ids[3]), 2)).await.unwrap());
    assert_eq!(
        second,
        [ids[2], ids[1]],
        "the next page starts below the last row shown"
    );
    let q = AuditQuery::default().object("story:3").unwrap();
    assert_eq!(
        (q.object_kind.as_deref(), q.object_id),
        (Some("story"), Some(3))
    );
    assert!(AuditQuery::default().object("story:x").is_err());
    // Pruning drops what was recorded before the time, and only that.
    assert_eq!(store.prune_audit(T0 + 200).await.unwrap(), 2);
    assert_eq!(
        ids_of(store.list_audit(&page(None, 10)).await.unwrap()),
        [ids[4], ids[3], ids[2]]
    );
    assert_eq!(store.prune_audit(T0 + 200).await.unwrap(), 0);
}

/// Three stories with a section each: `shown` (two articles), `gone` (two
/// articles, hidden by an editor) and a lone article outside any story.
pub async fn hidden_stories_leave_every_list(store: Arc<dyn Store>) {
    use crate::search::SearchTerms;
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: None,
        })
        .await
        .unwrap()
        .id;
    let s1 = source(&*store, "omicron").await;
    let s2 = source(&*store, "rho").await;
    let mut ids = Vec::new();
    for (n, src) in [(1, s1), (2, s2), (3, s1), (4, s2), (5, s1)] {
        let a = NewArticle {
            section_id: Some(world),
            ..searchable(
                src,
                n,
                &format!("Harbour strike day {n}"),
                "",
                "Dockers strike at the harbour.",
            )
        };
        ids.push(insert(&*store, &a).await);
    }
    let shown = store.create_story(ids[0], T0).await.unwrap();
    store.assign_story(ids[1], shown, T0).await.unwrap();
    let gone = store.create_story(ids[2], T0).await.unwrap();
    store.assign_story(ids[3], gone, T0).await.unwrap();
    let now = T0 + 100_000;
    let hour = now / 3600;
    store
        .add_views(
            &ids.iter()
                .map(|a| ViewDelta {
                    article: *a,
                    hour,
                    n: 5 + a.0,
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let every = ListQuery {
        limit: 50,
        ..ListQuery::default()
    };
    let in_world = ListQuery {
        section: Some(world),
        limit: 50,
        ..ListQuery::default()
    };
    let listed = |store: Arc<dyn Store>| {
        let (every, in_world) = (every.clone(), in_world.clone());
        async move {
            let cards = |v: Vec<crate::model::ArticleCard>| {
                let mut ids: Vec<i64> = v.into_iter().map(|c| c.id.0).collect();
                ids.sort_unstable();
                ids
            };
            let ranges = store.article_id_ranges(1000).await.unwrap();
            let links = store
                .article_links(ArticleId(1), ArticleId(i64::MAX / 2))
                .await
                .unwrap();
            let terms = SearchTerms::parse("harbour");
            let mut most: Vec<i64> = store
                .most_read(now - 3600, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id.0)
                .collect();
            most.sort_unstable();
            let by_story: Vec<Option<StoryId>> = store
                .most_read_by_story(now - 3600, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.card.story_id)
                .collect();
            (
                [
                    cards(store.list_articles(&every).await.unwrap()),
                    cards(store.list_articles(&in_world).await.unwrap()),
                    cards(
                        store
                            .search_articles(&terms, None, 50, 0)
                            .await
                            .unwrap()
                            .cards,
                    ),
                    cards(
                        store
                            .search_articles(&terms, Some(world), 50, 0)
                            .await
                            .unwrap()
                            .cards,
                    ),
                    {
                        let mut l: Vec<i64> = links.iter().map(|l| l.id.0).collect();
                        l.sort_unstable();
                        l
                    },
                    most,
                ],
                [
                    store.count_articles(&every).await.unwrap(),
                    store.count_articles(&in_world).await.unwrap(),
                    store
                        .search_articles(&terms, None, 50, 0)
                        .await
                        .unwrap()
                        .total,
                    ranges.iter().map(|r| r.articles).sum::<i64>(),
                ],
                by_story,
            )
        }
    };
    let all: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let (lists, counts, by_story) = listed(store.clone()).await;
    for l in &lists {
        assert_eq!(l, &all, "before hiding, every list has every article");
    }
    assert_eq!(counts, [5, 5, 5, 5]);
    assert_eq!(by_story.len(), 3);

    assert!(store.set_story_hidden(gone, true).await.unwrap());
    let (lists, counts, by_story) = listed(store.clone()).await;
    let left = vec![ids[0].0, ids[1].0, ids[4].0];
    for (i, l) in lists.iter().enumerate() {
        assert_eq!(l, &left, "list {i}: the hidden story's articles are out");
    }
    assert_eq!(counts, [3, 3, 3, 3], "counts and sitemap ranges agree");
    assert_eq!(by_story.len(), 2, "most read by story: {by_story:?}");
    assert!(by_story.contains(&Some(shown)) && !by_story.contains(&Some(gone)));
    // Its thread no longer lists it; the other story is untouched.
    assert!(store.thread_stories(gone, 10).await.unwrap().is_empty());
    assert_eq!(store.thread_stories(shown, 10).await.unwrap().len(), 1);

    assert!(store.set_story_hidden(gone, false).await.unwrap());
    let (lists, _, _) = listed(store.clone()).await;
    assert_eq!(lists[0], all, "shown again");
}

pub async fn pinned_stories_while_the_pin_lasts(store: Arc<dyn Store>) {
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: None,
        })
        .await
        .unwrap()
        .id;
    let s1 = source(&*store, "kappa").await;
    let in_world = |n| NewArticle {
        section_id: Some(world),
        ..article(s1, n)
    };
    let a1 = insert(&*store, &in_world(1)).await;
    let a2 = insert(&*store, &article(s1, 2)).await;
    let a3 = insert(&*store, &in_world(3)).await;
    let b1 = insert(&*store, &in_world(4)).await;
    let c1 = insert(&*store, &in_world(5)).await;
    let pinned = store.create_story(a1, T0).await.unwrap();
    store.assign_story(a2, pinned, T0).await.unwrap();
    store.assign_story(a3, pinned, T0).await.unwrap();
    let other = store.create_story(b1, T0).await.unwrap();
    let merged = store.create_story(c1, T0).await.unwrap();
    let now = T0 + 1000;
    let ids = |v: Vec<(crate::model::ArticleCard, i64)>| {
        v.into_iter().map(|c| c.0.id).collect::<Vec<_>>()
    };
    assert!(store.pinned_cards(now, None, 10).await.unwrap().is_empty());

    assert!(store.set_story_pin(pinned, Some(now + 3600)).await.unwrap());
    assert!(
        store.set_story_pin(other, Some(now - 1)).await.unwrap(),
        "a pin that has ended"
    );
    // One card per story: its newest member, in the section when asked.
    assert_eq!(ids(store.pinned_cards(now, None, 10).await.unwrap()), [a3]);
    assert_eq!(
        ids(store.pinned_cards(now, Some(world), 10).await.unwrap()),
        [a3]
    );
    assert_eq!(
        store.pinned_cards(now, None, 10).await.unwrap()[0].1,
        now + 3600,
        "the pin's end"
    );
    store
        .set_article_status(a3, ArticleStatus::Hidden, now)
        .await
        .unwrap();
    assert_eq!(ids(store.pinned_cards(now, None, 10).await.unwrap()), [a2]);
    assert_eq!(
        ids(store.pinned_cards(now, Some(world), 10).await.unwrap()),
        [a1],
        "the section's own member"
    );
    assert!(
        store
            .pinned_cards(now, Some(SectionId(world.0 + 99)), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The pin ends on the clock: at its time and after, nothing.
    assert_eq!(
        store
            .pinned_cards(now + 3599, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .pinned_cards(now + 3600, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Several pins: the most recently active first; hidden and merged
    // stories lead nothing.
    assert!(store.set_story_pin(other, Some(now + 60)).await.unwrap());
    assert!(store.set_story_pin(merged, Some(now + 60)).await.unwrap());
    assert_eq!(
        ids(store.pinned_cards(now, None, 10).await.unwrap()),
        [c1, b1, a2]
    );
    assert_eq!(
        ids(store.pinned_cards(now, None, 1).await.unwrap()),
        [c1],
        "limit"
    );
    store
        .merge_stories(other, &[merged], "editor", now)
        .await
        .unwrap();
    assert!(store.set_story_hidden(pinned, true).await.unwrap());
    assert_eq!(
        ids(store.pinned_cards(now, None, 10).await.unwrap()),
        [c1],
        "the target's newest member"
    );
    assert_eq!(
        store.get_story(other).await.unwrap().unwrap().pinned_until,
        Some(now + 60)
    );
    assert!(store.set_story_pin(other, None).await.unwrap());
    assert!(store.pinned_cards(now, None, 10).await.unwrap().is_empty());
}

fn fetch(source: SourceId, at: i64, i: i64) -> FetchRecord {
    let (result, status, class) = match i % 3 {
        0 => (FetchResult::Ok, Some(200), None),
        1 => (FetchResult::NotModified, Some(304), None),
        _ => (FetchResult::Failed, None, Some("timeout".to_string())),
    };
    FetchRecord {
        source_id: source,
        fetched_at: at,
        status,
        result,
        duration_ms: 10 + i,
        error: class
            .as_ref()
            .map(|_| format!("no answer within 3 s ({i})")),
        error_class: class,
        items: 3,
        inserted: i % 2,
        updated: 0,
    }
}

pub async fn fetch_history_is_bounded(store: Arc<dyn Store>) {
    let a = source(&*store, "history-a").await;
    let b = source(&*store, "history-b").await;
    let hour = crate::hour_of(T0);
    // 55 fetches of `a`, a minute apart from the start of an hour; one of `b`.
    for i in 0..55 {
        store
            .record_fetch(&fetch(a, hour + i * 60, i))
            .await
            .unwrap();
    }
    store.record_fetch(&fetch(b, hour, 0)).await.unwrap();
    let last = store.source_fetches(a, 20).await.unwrap();
    assert_eq!(last.len(), 20);
    assert_eq!(last[0], fetch(a, hour + 54 * 60, 54), "newest first");
    assert_eq!(last[19], fetch(a, hour + 35 * 60, 35));
    let kept = store.source_fetches(a, 1000).await.unwrap();
    assert_eq!(
        kept.len() as i64,
        crate::FETCHES_KEPT,
        "older fetches pruned"
    );
    assert_eq!(kept.last().unwrap().fetched_at, hour + 5 * 60);
    assert_eq!(store.source_fetches(b, 100).await.unwrap().len(), 1);
    // The roll-up saw all 55: 0..55 by i % 3 is 19 ok, 18 not modified, 18 timeouts.
    let hours = store.source_fetch_hours(a, hour).await.unwrap();
    let by = |r: &str| hours.iter().find(|h| h.result == r).cloned().unwrap();
    assert_eq!(hours.len(), 3, "{hours:?}");
    assert_eq!(
        (
            by("ok").fetches,
            by("not_modified").fetches,
            by("timeout").fetches
        ),
        (19, 18, 18)
    );
    assert_eq!(by("timeout").max_ms, 10 + 53);
    assert_eq!(
        by("ok").total_ms,
        (0..55).filter(|i| i % 3 == 0).map(|i| 10 + i).sum::<i64>()
    );
    assert!(hours.iter().all(|h| h.hour == hour));
    // A fetch 31 days on prunes the roll-up older than 30 days.
    store
        .record_fetch(&fetch(a, hour + 31 * 86_400, 0))
        .await
        .unwrap();
    let hours = store.source_fetch_hours(a, 0).await.unwrap();
    assert_eq!(hours.len(), 1, "{hours:?}");
    assert_eq!(hours[0].hour, hour + 31 * 86_400);
    assert_eq!(
        store.source_fetch_hours(b, 0).await.unwrap().len(),
        1,
        "other sources keep theirs"
    );
    // Removing a source removes its history.
    assert!(store.delete_source(a).await.unwrap());
    assert!(store.source_fetches(a, 100).await.unwrap().is_empty());
    assert!(store.source_fetch_hours(a, 0).await.unwrap().is_empty());
    assert_eq!(store.source_fetches(b, 100).await.unwrap().len(), 1);
}

pub async fn source_settings_roundtrip(store: Arc<dyn Store>) {
    let id = source(&*store, "settings").await;
    let other = source(&*store, "untouched").await;
    let world = store
        .upsert_section(&NewSection {
            slug: "world".into(),
            name: "World".into(),
            position: 1,
            max_age_days: None,
        })
        .await
        .unwrap();
    let fresh = store.get_source(id).await.unwrap().unwrap();
    assert_eq!(
        fresh.poll,
        PollBounds::default(),
        "new sources follow the site's settings"
    );
    let set = SourceSettings {
        section_id: Some(world.id),
        full_text: FullTextMode::Never,
        poll: PollBounds::new(Some(600), Some(7200)).unwrap(),
        enabled: false,
    };
    assert!(store.update_source_settings(id, &set).await.unwrap());
    let s = store.get_source(id).await.unwrap().unwrap();
    assert_eq!(
        SourceSettings {
            section_id: s.section_id,
            full_text: s.full_text,
            poll: s.poll,
            enabled: s.enabled,
        },
        set
    );
    assert_eq!(s.health, fresh.health, "health is not touched");
    let listed = store.list_sources().await.unwrap();
    assert_eq!(listed.iter().find(|l| l.source.id == id).unwrap().source, s);
    let untouched = store.get_source(other).await.unwrap().unwrap();
    assert_eq!(
        (untouched.poll, untouched.enabled),
        (PollBounds::default(), true)
    );
    // Back to the site's settings.
    let back = SourceSettings {
        section_id: None,
        full_text: FullTextMode::Auto,
        poll: PollBounds::default(),
        enabled: true,
    };
    assert!(store.update_source_settings(id, &back).await.unwrap());
    let s = store.get_source(id).await.unwrap().unwrap();
    assert_eq!(
        (s.section_id, s.poll, s.enabled),
        (None, PollBounds::default(), true)
    );
    assert!(
        !store
            .update_source_settings(SourceId(id.0 + 10_000), &back)
            .await
            .unwrap()
    );
}

pub async fn chart_counts(store: Arc<dyn Store>) {
    let a = source(&*store, "charted").await;
    let b = source(&*store, "other-charted").await;
    let day = T0 - T0 % 86_400;
    // `a`: 3 articles on one day, 2 the next; `b`: 1 (not counted for `a`).
    for (n, at) in [
        (1, day + 10),
        (2, day + 3600),
        (3, day + 86_399),
        (4, day + 86_400),
        (5, day + 90_000),
    ] {
        let mut x = article(a, n);
        x.published_at = at;
        insert(&*store, &x).await;
    }
    let mut other = article(b, 9);
    other.published_at = day + 100;
    let other_id = insert(&*store, &other).await;
    let per_day = store.source_articles_per_day(a, day).await.unwrap();
    let got: Vec<(i64, i64)> = per_day.iter().map(|c| (c.at, c.n)).collect();
    assert_eq!(got, [(day, 3), (day + 86_400, 2)]);
    let later = store
        .source_articles_per_day(a, day + 86_400)
        .await
        .unwrap();
    assert_eq!(later.iter().map(|c| c.n).sum::<i64>(), 2, "from `since` on");
    // Views per hour, summed over articles; hours before `since` left out.
    let first = store.source_articles_per_day(b, 0).await.unwrap();
    assert_eq!(first.len(), 1);
    let ids: Vec<ArticleId> = store
        .list_articles(&ListQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    // View rows are keyed by hour number.
    let h = crate::hour_of(T0);
    let n = h / 3600;
    let mut batch = vec![
        ViewDelta {
            article: other_id,
            hour: n - 2,
            n: 9,
        },
        ViewDelta {
            article: other_id,
            hour: n,
            n: 2,
        },
    ];
    for id in ids.iter().filter(|i| **i != other_id) {
        batch.push(ViewDelta {
            article: *id,
            hour: n,
            n: 3,
        });
        batch.push(ViewDelta {
            article: *id,
            hour: n + 1,
            n: 1,
        });
    }
    store.add_views(&batch).await.unwrap();
    let views: Vec<(i64, i64)> = store
        .views_per_hour(h - 3600)
        .await
        .unwrap()
        .iter()
        .map(|c| (c.at, c.n))
        .collect();
    assert_eq!(views, [(h, 2 + 5 * 3), (h + 3600, 5)]);
}

pub async fn story_reasons_are_kept_and_replaced(store: Arc<dyn Store>) {
    use crate::moderation::{self, Editor};
    use crate::reasons::{CLUSTERER, REASON_TERMS, ReasonKind, StoryReason};
    let src = source(&*store, "why").await;
    let a1 = insert(&*store, &article(src, 1)).await;
    let a2 = insert(&*store, &article(src, 2)).await;
    let a3 = insert(&*store, &article(src, 3)).await;
    let b1 = insert(&*store, &article(src, 4)).await;
    let s = store.create_story(a1, T0).await.unwrap();
    store.assign_story(a2, s, T0).await.unwrap();
    store.assign_story(a3, s, T0).await.unwrap();
    let other = store.create_story(b1, T0).await.unwrap();
    assert!(store.story_reasons(s).await.unwrap().is_empty(), "none yet");

    let opened = StoryReason {
        score: Some(0.04),
        threshold: Some(0.1),
        ..StoryReason::new(ReasonKind::Opened, CLUSTERER, T0)
    };
    let joined = StoryReason {
        score: Some(0.31),
        threshold: Some(0.1),
        terms: (0..20).map(|i| format!("word{i}")).collect(),
        entities: vec!["Suez Canal".into(), "Ever Given".into()],
        ..StoryReason::new(ReasonKind::Joined, CLUSTERER, T0)
    };
    let copy = StoryReason {
        copy_of: Some(a2.0),
        ..StoryReason::new(ReasonKind::Copy, CLUSTERER, T0)
    };
    assert!(store.set_story_reason(a1, &opened).await.unwrap());
    assert!(store.set_story_reason(a2, &joined).await.unwrap());
    assert!(store.set_story_reason(a3, &copy).await.unwrap());
    assert!(
        !store
            .set_story_reason(ArticleId(999_999), &copy)
            .await
            .unwrap(),
        "unknown article"
    );
    let got = store.story_reasons(s).await.unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], (a1, opened.clone()));
    let kept = &got[1].1;
    assert_eq!(kept.terms.len(), REASON_TERMS, "terms are capped");
    assert_eq!(kept.terms[0], "word0");
    assert_eq!(kept.entities, ["Suez Canal", "Ever Given"]);
    assert_eq!((kept.score, kept.threshold), (Some(0.31), Some(0.1)));
    assert_eq!(got[2].1.copy_of, Some(a2.0));

    // A re-clustering replaces the reason.
    assert!(store.set_story_reason(a3, &joined).await.unwrap());
    assert_eq!(
        store.story_reasons(s).await.unwrap()[2].1.kind,
        ReasonKind::Joined
    );

    // An editor's split: the article says who moved it, from where, and the
    // clusterer's reason no longer replaces the editor's.
    let ed = Editor {
        name: "alice",
        now: T0 + 10,
    };
    let split = moderation::split(&*store, &ed, a3, &[]).await.unwrap();
    let r = &store.story_reasons(split.id).await.unwrap()[0];
    assert_eq!(r.0, a3);
    assert_eq!(
        (r.1.kind, r.1.by.as_str(), r.1.from_story),
        (ReasonKind::Split, "alice", Some(s.0))
    );
    assert!(
        !store.set_story_reason(a3, &joined).await.unwrap(),
        "locked by the editor"
    );
    assert_eq!(
        store.story_reasons(split.id).await.unwrap()[0].1.kind,
        ReasonKind::Split
    );

    // A merge: every moved article says it was merged in, by whom, from where.
    moderation::merge(
        &*store,
        &Editor {
            name: CLUSTERER,
            now: T0 + 20,
        },
        s,
        &[other],
    )
    .await
    .unwrap();
    let after = store.story_reasons(s).await.unwrap();
    let moved = after.iter().find(|(a, _)| *a == b1).unwrap();
    assert_eq!(
        (moved.1.kind, moved.1.by.as_str(), moved.1.from_story),
        (ReasonKind::Merged, CLUSTERER, Some(other.0))
    );
    assert_eq!(
        after.iter().find(|(a, _)| *a == a2).unwrap().1.kind,
        ReasonKind::Joined,
        "the target's own keep theirs"
    );
    let audit = store
        .list_audit(&AuditQuery {
            actor: Some(CLUSTERER.into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].object_id),
        ("story.merge", s.0)
    );

    // An editor's lead keeps what the clusterer found and says who chose it.
    moderation::lead(
        &*store,
        &Editor {
            name: "bob",
            now: T0 + 30,
        },
        s,
        a2,
    )
    .await
    .unwrap();
    let lead = store
        .story_reasons(s)
        .await
        .unwrap()
        .into_iter()
        .find(|(a, _)| *a == a2)
        .unwrap()
        .1;
    assert_eq!(
        (lead.kind, lead.by.as_str(), lead.score),
        (ReasonKind::Lead, "bob", Some(0.31))
    );
    assert_eq!(lead.entities, ["Suez Canal", "Ever Given"]);
}

/// An article's views per hour, and a story's summed over the articles
/// filed under it now (a merge brings the other story's views along).
pub async fn views_per_hour_of_articles_and_stories(store: Arc<dyn Store>) {
    let src = source(&*store, "viewed").await;
    let a = insert(&*store, &article(src, 1)).await;
    let b = insert(&*store, &article(src, 2)).await;
    let c = insert(&*store, &article(src, 3)).await;
    let story = store.create_story(a, T0).await.unwrap();
    store.assign_story(b, story, T0).await.unwrap();
    let other = store.create_story(c, T0).await.unwrap();
    let n = T0 / 3600;
    let h = n * 3600;
    let delta = |article, hour, n| ViewDelta { article, hour, n };
    store
        .add_views(&[
            delta(a, n - 5, 100),
            delta(a, n - 1, 4),
            delta(a, n, 2),
            delta(b, n, 3),
            delta(b, n + 2, 1),
            delta(c, n, 50),
        ])
        .await
        .unwrap();
    let pairs = |v: Vec<crate::model::CountAt>| v.iter().map(|c| (c.at, c.n)).collect::<Vec<_>>();
    assert_eq!(
        pairs(store.article_views_per_hour(a, h - 3 * 3600).await.unwrap()),
        [(h - 3600, 4), (h, 2)],
        "hours before `since` left out"
    );
    assert_eq!(
        pairs(store.article_views_per_hour(b, 0).await.unwrap()),
        [(h, 3), (h + 7200, 1)]
    );
    assert_eq!(
        pairs(store.story_views_per_hour(story, h - 3600).await.unwrap()),
        [(h - 3600, 4), (h, 5), (h + 7200, 1)],
        "summed over the members, not the other story"
    );
    assert!(
        store
            .article_views_per_hour(ArticleId(c.0 + 1000), 0)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .merge_stories(story, &[other], "ann", T0 + 60)
        .await
        .unwrap();
    assert_eq!(
        pairs(store.story_views_per_hour(story, h).await.unwrap()),
        [(h, 55), (h + 7200, 1)]
    );
    assert!(
        store
            .story_views_per_hour(other, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

/// New and updated articles count in the hour of the upsert's `now`
/// (nothing for an unchanged or a suppressed one); lag samples add up per
/// hour; rows older than `SITE_HOURS_KEPT` are pruned as new ones come.
pub async fn site_activity_per_hour(store: Arc<dyn Store>) {
    use crate::model::SiteHour;
    let src = source(&*store, "busy").await;
    let h = crate::hour_of(T0);
    for n in 0..3 {
        store
            .upsert_article(&article(src, n), h + 10 * n)
            .await
            .unwrap();
    }
    store
        .upsert_article(&article(src, 3), h + 3600)
        .await
        .unwrap();
    let mut edited = article(src, 0);
    edited.title = "Headline 0, corrected".into();
    let out = store.upsert_article(&edited, h + 3700).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Updated);
    let out = store.upsert_article(&edited, h + 3800).await.unwrap();
    assert_eq!(out.kind, UpsertKind::Unchanged);
    let gone = insert(&*store, &article(src, 4)).await;
    store.delete_article(gone, h + 3900).await.unwrap();
    let out = store
        .upsert_article(&article(src, 4), h + 3900)
        .await
        .unwrap();
    assert_eq!(out.kind, UpsertKind::Suppressed);
    for (at, lag) in [(h + 5, 5), (h + 100, 30), (h + 3601, 0), (h + 3602, -7)] {
        store.record_cluster_lag(at, lag).await.unwrap();
    }
    // `insert` stored article 4 at its own fetch time, in the first hour.
    let got = store.site_hours(h).await.unwrap();
    assert_eq!(
        got,
        [
            SiteHour {
                hour: h,
                stored: 4,
                updated: 0,
                lag_samples: 2,
                lag_total: 35,
                lag_max: 30
            },
            SiteHour {
                hour: h + 3600,
                stored: 1,
                updated: 1,
                lag_samples: 2,
                lag_total: 0,
                lag_max: 0
            },
        ]
    );
    assert_eq!(store.site_hours(h + 3600).await.unwrap(), got[1..]);
    assert_eq!(
        store.site_hours(h + 1800).await.unwrap(),
        got,
        "from the hour of `since`, the part before it too"
    );
    // 31 days on, a sample prunes every hour older than 30 days; so does
    // an article stored then.
    let later = h + 31 * 86_400;
    store.record_cluster_lag(later, 12).await.unwrap();
    let kept = store.site_hours(0).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!((kept[0].hour, kept[0].lag_max), (later, 12));
    store
        .upsert_article(&article(src, 5), later + 62 * 86_400)
        .await
        .unwrap();
    let kept = store.site_hours(0).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!((kept[0].hour, kept[0].stored), (later + 62 * 86_400, 1));
    assert_eq!(store.table_counts().await.unwrap().site_hours, 1);
}

/// Fetch history, the audit log and the site's activity go out and back
/// in as `copy` moves them: the same rows, and rows written afterwards get
/// ids past the imported ones.
pub async fn history_exports_and_imports(store: Arc<dyn Store>) {
    use crate::table::Table;
    let src = source(&*store, "moved").await;
    let h = crate::hour_of(T0);
    for i in 0..5 {
        store
            .record_fetch(&fetch(src, h + i * 600, i))
            .await
            .unwrap();
    }
    insert(&*store, &article(src, 1)).await;
    store.record_cluster_lag(h + 20, 9).await.unwrap();
    for (i, action) in ["source.add", "story.merge", "story.split"]
        .into_iter()
        .enumerate()
    {
        store
            .append_audit(&NewAudit {
                at: T0 + i as i64,
                actor: "ann «ü»",
                action,
                object_kind: "story",
                object_id: 7,
                before: (i > 0).then(|| serde_json::json!({"members": [1, 2]})),
                after: Some(serde_json::json!({"title": "Ünïcödé \"quoted\""})),
            })
            .await
            .unwrap();
    }
    let before = store.table_counts().await.unwrap();
    assert_eq!(
        (
            before.source_fetches,
            before.source_fetch_hours,
            before.audit_log,
            before.site_hours
        ),
        (5, 3, 3, 1)
    );
    let history = [
        Table::SourceFetches,
        Table::SourceFetchHours,
        Table::AuditLog,
        Table::SiteHours,
    ];
    let dump = export_all(&*store).await;
    let fetches = store.source_fetches(src, 100).await.unwrap();
    let hours = store.source_fetch_hours(src, 0).await.unwrap();
    let audit = store
        .list_audit(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let activity = store.site_hours(0).await.unwrap();

    store.clear_all().await.unwrap();
    assert_eq!(store.table_counts().await.unwrap(), Default::default());
    for (t, rows) in &dump {
        store.import_rows(*t, rows).await.unwrap();
    }
    assert_eq!(store.table_counts().await.unwrap(), before);
    for (t, rows) in dump.iter().filter(|(t, _)| history.contains(t)) {
        assert!(!rows.is_empty(), "{t}");
        assert_eq!(
            &store.export_rows(*t, None, 100).await.unwrap(),
            rows,
            "{t}"
        );
    }
    assert_eq!(store.source_fetches(src, 100).await.unwrap(), fetches);
    assert_eq!(store.source_fetch_hours(src, 0).await.unwrap(), hours);
    let again = store
        .list_audit(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(again, audit);
    assert_eq!(store.site_hours(0).await.unwrap(), activity);
    // New rows after the import.
    let next = store
        .append_audit(&NewAudit {
            at: T0 + 10,
            actor: "bob",
            action: "story.pin",
            object_kind: "story",
            object_id: 7,
            before: None,
            after: None,
        })
        .await
        .unwrap();
    assert!(next > audit.iter().map(|r| r.id).max().unwrap());
    store.record_fetch(&fetch(src, h + 3000, 0)).await.unwrap();
    assert_eq!(store.source_fetches(src, 100).await.unwrap().len(), 6);
}

/// An article page's one read (`article_page`) and a story's members
/// (`story_members`) say what `get_article`, `get_source`, `article_story`
/// and `get_story` say, for every status.
pub async fn article_page_reads_outlet_and_story(store: Arc<dyn Store>) {
    let s1 = source(&*store, "upsilon").await;
    let s2 = source(&*store, "phi").await;
    let a = insert(&*store, &article(s1, 1)).await;
    let b = insert(&*store, &article(s2, 2)).await;
    let lone = insert(&*store, &article(s2, 3)).await;
    let story = store.create_story(a, T0).await.unwrap();
    store.assign_story(b, story, T0).await.unwrap();

    let page = store.article_page(b).await.unwrap().unwrap();
    assert_eq!(page.article, store.get_article(b).await.unwrap().unwrap());
    assert_eq!(page.source_name, "phi");
    assert_eq!(page.story, Some(story));
    assert!(!page.story_hidden);
    let page = store.article_page(lone).await.unwrap().unwrap();
    assert_eq!((page.story, page.story_hidden), (None, false));
    assert!(
        store
            .article_page(ArticleId(lone.0 + 999))
            .await
            .unwrap()
            .is_none()
    );

    let member = |id, source, published| StoryMember {
        id,
        source,
        published,
    };
    assert_eq!(
        store.story_members(story).await.unwrap(),
        [member(a, s1, true), member(b, s2, true)]
    );
    store
        .set_article_status(b, ArticleStatus::Hidden, T0)
        .await
        .unwrap();
    assert_eq!(
        store.story_members(story).await.unwrap(),
        [member(a, s1, true), member(b, s2, false)],
        "a hidden member is still a member"
    );
    let page = store.article_page(b).await.unwrap().unwrap();
    assert_eq!(page.article.status, ArticleStatus::Hidden);
    assert!(store.set_story_hidden(story, true).await.unwrap());
    assert!(store.article_page(a).await.unwrap().unwrap().story_hidden);
    assert!(
        store
            .story_members(StoryId(story.0 + 999))
            .await
            .unwrap()
            .is_empty()
    );
    let other = store.create_story(lone, T0).await.unwrap();
    assert_eq!(
        store
            .article_stories(&[lone, b, a, ArticleId(lone.0 + 999)])
            .await
            .unwrap(),
        [story, other],
        "hidden members count; each story once"
    );
    assert!(store.article_stories(&[]).await.unwrap().is_empty());
}

/// A page imported in several statements (`Table::rows_per_insert` and a
/// shorter tail) gives the very rows an ingested article has, each found by
/// search; a page with one bad row is refused whole.
pub async fn bulk_imports_write_whole_pages(store: Arc<dyn Store>) {
    use crate::table::Table;
    let first = insert(&*store, &article(source(&*store, "bulk").await, 0)).await;
    let template = store.export_rows(Table::Articles, None, 1).await.unwrap()[0].clone();
    let src_rows = store.export_rows(Table::Sources, None, 10).await.unwrap();
    store.clear_all().await.unwrap();
    store.import_rows(Table::Sources, &src_rows).await.unwrap();

    let n = Table::Articles.rows_per_insert() * 2 + 37;
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut r = template.clone();
            let id = first.0 + 100 + i as i64;
            r["id"] = id.into();
            r["guid"] = format!("bulk-{i}").into();
            r["canonical_url"] = format!("https://news.example/bulk/{i}").into();
            r["title"] = format!("Bulk headline {i}").into();
            r["body_text"] = format!("Word{i}x appears here").into();
            r
        })
        .collect();
    let mut bad = rows.clone();
    bad[n - 3]["published_at"] = "yesterday".into();
    assert!(
        store.import_rows(Table::Articles, &bad).await.is_err(),
        "a page with a bad row is refused"
    );
    assert_eq!(
        store.table_counts().await.unwrap().articles,
        0,
        "and nothing of it is written"
    );

    assert_eq!(
        store.import_rows(Table::Articles, &rows).await.unwrap(),
        n as u64
    );
    assert_eq!(
        store
            .export_rows(Table::Articles, None, n as i64 + 10)
            .await
            .unwrap(),
        rows,
        "every row reads back as written, in every statement of the page"
    );
    for i in [0, Table::Articles.rows_per_insert(), n - 1] {
        let (titles, total) = search_titles(&*store, &format!("word{i}x"), None).await;
        assert_eq!(
            (titles, total),
            (vec![format!("Bulk headline {i}")], 1),
            "row {i} is in the search index"
        );
    }
    let hourly: Vec<serde_json::Value> = (0..Table::ArticleViewsHourly.rows_per_insert() + 5)
        .map(|h| serde_json::json!({"article_id": rows[h % n]["id"], "hour": h as i64, "views": 2}))
        .collect();
    store
        .import_rows(Table::ArticleViewsHourly, &hourly)
        .await
        .unwrap();
    // View totals: a row for each article read, none for one never read.
    let totals: Vec<serde_json::Value> = (0..n)
        .filter(|i| i % 7 != 0)
        .map(|i| serde_json::json!({"article_id": rows[i]["id"], "views": (i % 7) as i64}))
        .collect();
    store
        .import_rows(Table::ArticleViews, &totals)
        .await
        .unwrap();
    let counts = store.table_counts().await.unwrap();
    assert_eq!(counts.article_views_hourly, hourly.len() as i64);
    assert_eq!(counts.articles, n as i64);
    assert_eq!(counts.article_views, totals.len() as i64);
    assert_eq!(
        counts.total_views,
        (0..n).map(|i| (i % 7) as i64).sum::<i64>()
    );
    let ids: Vec<ArticleId> = [0, 1, 6]
        .iter()
        .map(|&i| ArticleId(rows[i]["id"].as_i64().unwrap()))
        .collect();
    let mut got = store.article_views(&ids).await.unwrap();
    got.sort();
    assert_eq!(got, [(ids[0], 0), (ids[1], 1), (ids[2], 6)]);
}

fn remembered(a: NewArticle, addresses: Vec<ArticleAddress>, rechecks: i64) -> ArticleWrite {
    ArticleWrite {
        state: Some(IngestState {
            body_origin: BodyOrigin::Page,
            published_trusted: true,
            first_seen: a.fetched_at,
            rechecks,
            ..IngestState::default()
        }),
        article: a,
        addresses,
    }
}

pub async fn batches_store_all_or_nothing(store: Arc<dyn Store>) {
    let src = source(&*store, "batch").await;
    let old = insert(&*store, &article(src, 1)).await;
    let hidden = insert(&*store, &article(src, 2)).await;
    assert!(
        store
            .set_article_status(hidden, ArticleStatus::Hidden, T0 + 10)
            .await
            .unwrap()
    );
    let gone = insert(&*store, &article(src, 3)).await;
    assert!(store.delete_article(gone, T0 + 10).await.unwrap());

    let link =
        |n: i64| ArticleAddress::url(&format!("https://feed.example/{n}"), AddressKind::FeedLink);
    let guid = |n: i64| ArticleAddress::guid(src, &format!("tag:{n}"));
    let mut edited = article(src, 1);
    edited.title = "Headline 1, edited".into();
    // A second item naming the same page (another GUID): one article, whose
    // state is the batch's last.
    let mut again = article(src, 10);
    again.guid = Some("guid-10-again".into());
    again.title = "Headline 10, again".into();
    let batch = vec![
        remembered(article(src, 10), vec![guid(10), link(10)], 1),
        remembered(edited, vec![link(1)], 2),
        remembered(article(src, 2), vec![link(2)], 3),
        remembered(article(src, 3), vec![link(3)], 4),
        remembered(again, vec![link(11)], 5),
    ];
    let out = store.store_articles(&batch, T0 + 100).await.unwrap();
    let kinds: Vec<UpsertKind> = out.iter().map(|o| o.kind).collect();
    assert_eq!(
        kinds,
        [
            UpsertKind::Inserted,
            UpsertKind::Updated,
            UpsertKind::Suppressed,
            UpsertKind::Suppressed,
            UpsertKind::Updated
        ]
    );
    let new = out[0].id.unwrap();
    assert_eq!(
        (out[1].id, out[2].id, out[3].id, out[4].id),
        (Some(old), Some(hidden), None, Some(new))
    );
    let got = store.get_article(new).await.unwrap().unwrap();
    assert_eq!(got.title, "Headline 10, again");
    assert_eq!(
        store.get_article(old).await.unwrap().unwrap().title,
        "Headline 1, edited"
    );
    for (address, owner) in [
        (guid(10), Some(new)),
        (link(10), Some(new)),
        (link(11), Some(new)),
        (link(1), Some(old)),
        (link(2), None),
        (link(3), None),
    ] {
        assert_eq!(
            store.article_by_address(&address).await.unwrap(),
            owner,
            "{address:?}"
        );
    }
    assert_eq!(store.ingest_state(new).await.unwrap().unwrap().rechecks, 5);
    assert_eq!(store.ingest_state(old).await.unwrap().unwrap().rechecks, 2);
    assert_eq!(store.ingest_state(hidden).await.unwrap(), None);
    let hours = store.site_hours(crate::hour_of(T0)).await.unwrap();
    let (stored, updated) = hours
        .iter()
        .fold((0, 0), |(s, u), h| (s + h.stored, u + h.updated));
    // The four inserted one by one above, the batch's new one; its two updates.
    assert_eq!((stored, updated), (4, 2));

    // One item that cannot be stored (its source does not exist): nothing of
    // the batch is written, and the store takes the next batch as usual.
    let mut orphan = article(SourceId(i64::from(i32::MAX)), 21);
    orphan.guid = None;
    let mut edited = article(src, 1);
    edited.title = "Headline 1, lost with its batch".into();
    let batch = vec![
        remembered(article(src, 20), vec![link(20)], 1),
        remembered(edited, vec![link(1)], 9),
        remembered(orphan, vec![link(21)], 1),
    ];
    assert!(store.store_articles(&batch, T0 + 200).await.is_err());
    assert_eq!(
        store
            .article_by_canonical_url(&article(src, 20).canonical_url)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.article_by_address(&link(20)).await.unwrap(), None);
    assert_eq!(
        store.get_article(old).await.unwrap().unwrap().title,
        "Headline 1, edited"
    );
    assert_eq!(store.ingest_state(old).await.unwrap().unwrap().rechecks, 2);
    let out = store.store_articles(&batch[..1], T0 + 300).await.unwrap();
    assert_eq!(out[0].kind, UpsertKind::Inserted);
    assert_eq!(
        store.article_by_address(&link(20)).await.unwrap(),
        out[0].id
    );
    assert!(
        store
            .store_articles(&[], T0 + 300)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A batch's new articles are written together (more of them than one
/// statement takes): each gets its own id, search finds each right after the
/// batch (English, German through SQLite's own stemming), and a later batch's
/// edit moves what finds it.
pub async fn batches_are_searchable(store: Arc<dyn Store>) {
    let src = source(&*store, "batch-search").await;
    let words = |n: i64| match n {
        0 => (
            "Zanzibar harbour reopens",
            "en",
            "The harbour opened at dawn.",
        ),
        150 => (
            "Neue Häuser am Hafen",
            "de",
            "Die Häuser wurden gestern eröffnet.",
        ),
        260 => (
            "Quokka census finds growth",
            "en",
            "Rangers counted quokkas.",
        ),
        _ => ("Routine notice", "en", "Nothing of note."),
    };
    let batch: Vec<ArticleWrite> = (0..261)
        .map(|n| {
            let (title, language, body) = words(n);
            let mut a = searchable(src, 1000 + n, title, "", body);
            a.language = Some(language.into());
            let link = ArticleAddress::url(
                &format!("https://feed.example/s/{n}"),
                AddressKind::FeedLink,
            );
            remembered(a, vec![link], n)
        })
        .collect();
    let out = store.store_articles(&batch, T0 + 100).await.unwrap();
    assert_eq!(out.len(), batch.len());
    let mut ids = Vec::new();
    for (w, o) in batch.iter().zip(&out) {
        assert_eq!(o.kind, UpsertKind::Inserted);
        let id = o.id.unwrap();
        let got = store.get_article(id).await.unwrap().unwrap();
        assert_eq!(
            got.canonical_url, w.article.canonical_url,
            "each id is its own article's"
        );
        ids.push(id);
    }
    ids.sort_unstable_by_key(|i| i.0);
    ids.dedup();
    assert_eq!(ids.len(), batch.len());
    let found = |q: &'static str| {
        let store = store.clone();
        async move {
            let r = store
                .search_articles(&crate::search::SearchTerms::parse(q), None, 10, 0)
                .await
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            r.cards.iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };
    let id_of = |n: usize| out[n].id.unwrap();
    assert_eq!(found("zanzibar").await, vec![id_of(0)]);
    assert_eq!(found("haus").await, vec![id_of(150)], "Häuser, stemmed");
    assert_eq!(found("quokka").await, vec![id_of(260)]);

    let mut edited = batch[0].article.clone();
    edited.title = "Ferry service resumes".into();
    let next = vec![
        remembered(edited, vec![], 1),
        remembered(
            searchable(src, 2000, "Walrus sighted", "", "A walrus."),
            vec![],
            1,
        ),
    ];
    let out2 = store.store_articles(&next, T0 + 200).await.unwrap();
    assert_eq!(
        out2.iter().map(|o| o.kind).collect::<Vec<_>>(),
        [UpsertKind::Updated, UpsertKind::Inserted]
    );
    assert_eq!(found("ferry").await, vec![id_of(0)]);
    assert!(
        found("zanzibar").await.is_empty(),
        "the old title left the index"
    );
    assert_eq!(found("walrus").await, vec![out2[1].id.unwrap()]);
}

pub async fn lookups_find_the_first_article(store: Arc<dyn Store>) {
    let src = source(&*store, "lookups").await;
    let (a_new, b_new) = (article(src, 1), article(src, 2));
    let a = insert(&*store, &a_new).await;
    let b = insert(&*store, &b_new).await;
    let guid = ArticleAddress::guid(src, "tag:a");
    let hop = ArticleAddress::url("https://news.example/r/2", AddressKind::Redirect);
    store
        .add_article_addresses(a, &[guid.clone()])
        .await
        .unwrap();
    store
        .add_article_addresses(b, &[hop.clone()])
        .await
        .unwrap();
    let state = IngestState {
        body_origin: BodyOrigin::Page,
        published_trusted: true,
        first_seen: T0,
        feed_updated: Some(T0 + 1),
        feed_hash: Some("h".into()),
        page_etag: Some("\"e\"".into()),
        page_last_modified: None,
        page_checked_at: Some(T0 + 2),
        rechecks: 2,
    };
    store.set_ingest_state(a, &state).await.unwrap();
    let find = |lookups: Vec<ArticleLookup>| {
        let store = store.clone();
        async move { store.find_article(&lookups).await.unwrap() }
    };
    let by_url = |u: &str| ArticleLookup::CanonicalUrl(u.to_string());
    let unknown = ArticleLookup::Address(ArticleAddress::guid(src, "tag:none"));

    let (got, got_state) = find(vec![
        ArticleLookup::Address(guid.clone()),
        ArticleLookup::Address(hop.clone()),
    ])
    .await
    .unwrap();
    assert_eq!((got.id, got.title.as_str()), (a, "Headline 1"));
    assert_eq!(got_state, Some(state));
    // The first lookup that finds wins, whatever the others find.
    let (got, got_state) = find(vec![
        unknown.clone(),
        ArticleLookup::Address(hop.clone()),
        ArticleLookup::Address(guid.clone()),
    ])
    .await
    .unwrap();
    assert_eq!((got.id, got_state), (b, None));
    let (got, _) = find(vec![
        by_url(&b_new.canonical_url),
        ArticleLookup::Address(guid.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(got.id, b);
    // A GUID belongs to its source.
    let elsewhere = source(&*store, "lookups-other").await;
    let foreign = ArticleLookup::Address(ArticleAddress::guid(elsewhere, "tag:a"));
    assert_eq!(
        find(vec![foreign, by_url("https://news.example/none")]).await,
        None
    );
    assert_eq!(find(vec![]).await, None);
    // What was deleted is found by nothing.
    assert!(store.delete_article(a, T0 + 10).await.unwrap());
    assert_eq!(
        find(vec![
            ArticleLookup::Address(guid),
            by_url(&a_new.canonical_url)
        ])
        .await,
        None
    );
}

/// Bodies without a seal of the current sanitiser are listed in id order,
/// and sealing writes only where the body is still the one that was read.
pub async fn unsealed_bodies_are_found_and_sealed_once(store: Arc<dyn Store>) {
    use crate::model::SealedBody;
    let src = source(&*store, "seals").await;
    let mut ids = Vec::new();
    for (n, seal) in [
        (1, Some("v1:current")),
        (2, None),
        (3, Some("v0:older")),
        (4, None),
        (5, Some("v1")),
    ] {
        let mut a = article(src, n);
        a.body_seal = seal.map(str::to_string);
        ids.push(insert(&*store, &a).await);
    }
    let mut empty = article(src, 6);
    empty.body_html.clear();
    empty.body_text.clear();
    empty.body_seal = None;
    insert(&*store, &empty).await;

    let found = store
        .unsealed_bodies(ArticleId(0), "v1:", 10)
        .await
        .unwrap();
    let found_ids: Vec<_> = found.iter().map(|b| b.id).collect();
    assert_eq!(
        found_ids,
        vec![ids[1], ids[2], ids[3], ids[4]],
        "no seal, another version's, a cut one; never an empty body"
    );
    assert_eq!(found[0].html, "<p>Body 2</p>");
    assert_eq!(found[0].text, "Body 2");
    let page = store.unsealed_bodies(ids[1], "v1:", 2).await.unwrap();
    assert_eq!(
        page.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![ids[2], ids[3]],
        "after, limit"
    );

    // Article 4's body changes between the read and the write: it keeps the new one.
    let mut edited = article(src, 4);
    edited.body_html = "<p>Body 4, edited</p>".into();
    edited.body_seal = None;
    store.upsert_article(&edited, T0 + 100).await.unwrap();
    let sealed: Vec<SealedBody> = found
        .iter()
        .map(|b| SealedBody {
            id: b.id,
            old_html: b.html.clone(),
            html: format!("{}<!-- clean -->", b.html),
            seal: format!("v1:{}", b.id),
        })
        .collect();
    assert_eq!(store.seal_bodies(&sealed).await.unwrap(), 3);
    for (i, id) in ids.iter().enumerate().skip(1) {
        let a = store.get_article(*id).await.unwrap().unwrap();
        if i == 3 {
            assert_eq!(
                a.body_html, "<p>Body 4, edited</p>",
                "a body written meanwhile stays"
            );
            assert_eq!(a.body_seal, None);
        } else {
            assert_eq!(a.body_html, format!("<p>Body {}</p><!-- clean -->", i + 1));
            assert_eq!(a.body_seal, Some(format!("v1:{id}")));
        }
    }
    let left = store
        .unsealed_bodies(ArticleId(0), "v1:", 10)
        .await
        .unwrap();
    assert_eq!(left.iter().map(|b| b.id).collect::<Vec<_>>(), vec![ids[3]]);
    assert_eq!(store.seal_bodies(&[]).await.unwrap(), 0);
}

pub async fn filing_batches_open_join_and_thread(store: Arc<dyn Store>) {
    use crate::filing::{Filing, FilingStory, StoryRef};
    use crate::moderation::{self, Editor};
    use crate::reasons::{CLUSTERER, ReasonKind, StoryReason};
    let src = source(&*store, "filed").await;
    let mut ids = Vec::new();
    for n in 1..=9 {
        ids.push(insert(&*store, &article(src, n)).await);
    }
    let old = store.create_story(ids[0], T0).await.unwrap();
    // An editor moved this one out into a story of its own: it stays there.
    let ed = Editor {
        name: "alice",
        now: T0 + 1,
    };
    let split = moderation::split(&*store, &ed, ids[8], &[]).await.unwrap();
    let why = |kind| Some(StoryReason::new(kind, CLUSTERER, T0 + 5));
    let file = |i: usize, story, kind| Filing {
        article: ids[i],
        story,
        reason: why(kind),
    };
    let batch = [
        file(1, FilingStory::Open { thread: None }, ReasonKind::Opened),
        file(
            2,
            FilingStory::Join(StoryRef::Opened(0)),
            ReasonKind::Joined,
        ),
        file(
            3,
            FilingStory::Open {
                thread: Some(StoryRef::Opened(0)),
            },
            ReasonKind::Opened,
        ),
        file(
            4,
            FilingStory::Join(StoryRef::Stored(old)),
            ReasonKind::Copy,
        ),
        file(
            5,
            FilingStory::Open {
                thread: Some(StoryRef::Stored(old)),
            },
            ReasonKind::Opened,
        ),
        file(
            6,
            FilingStory::Join(StoryRef::Opened(2)),
            ReasonKind::Joined,
        ),
        file(
            8,
            FilingStory::Join(StoryRef::Opened(0)),
            ReasonKind::Joined,
        ),
    ];
    let got = store.file_articles(&batch, T0 + 5).await.unwrap();
    assert_eq!(got.len(), batch.len());
    let (first, second, third) = (got[0], got[2], got[4]);
    assert_eq!(got, [first, first, second, old, third, second, first]);
    assert!(first != second && second != third && first != old);
    for (i, story) in [
        (1, first),
        (2, first),
        (3, second),
        (4, old),
        (5, third),
        (6, second),
    ] {
        assert_eq!(
            store.article_story(ids[i]).await.unwrap(),
            Some(story),
            "article {i}"
        );
    }
    assert_eq!(
        store.article_story(ids[8]).await.unwrap(),
        Some(split.id),
        "an editor's placement holds"
    );
    for (story, size, thread, lead) in [
        (first, 2, first, ids[1]),
        (second, 2, first, ids[3]),
        (old, 2, old, ids[0]),
        (third, 1, old, ids[5]),
    ] {
        let s = store.get_story(story).await.unwrap().unwrap();
        assert_eq!(
            (s.size, s.thread, s.lead_article, s.last_update),
            (size, thread, lead, T0 + 5),
            "story {story}"
        );
    }
    let reasons = store.story_reasons(first).await.unwrap();
    assert_eq!(
        reasons
            .iter()
            .map(|(a, r)| (*a, r.kind))
            .collect::<Vec<_>>(),
        [(ids[1], ReasonKind::Opened), (ids[2], ReasonKind::Joined)]
    );
    assert_eq!(
        store.story_reasons(split.id).await.unwrap()[0].1.kind,
        ReasonKind::Split,
        "the clusterer does not replace an editor's reason"
    );

    // All or nothing: a bad filing leaves nothing of its batch.
    let stories_before = store.table_counts().await.unwrap().stories;
    for bad in [
        // Names itself, or a filing that opens nothing, or an unknown article.
        file(
            7,
            FilingStory::Join(StoryRef::Opened(2)),
            ReasonKind::Joined,
        ),
        file(
            7,
            FilingStory::Join(StoryRef::Opened(1)),
            ReasonKind::Joined,
        ),
        Filing {
            article: ArticleId(ids[8].0 + 1000),
            ..file(
                7,
                FilingStory::Join(StoryRef::Stored(old)),
                ReasonKind::Joined,
            )
        },
    ] {
        let batch = [
            file(7, FilingStory::Open { thread: None }, ReasonKind::Opened),
            file(
                7,
                FilingStory::Join(StoryRef::Stored(old)),
                ReasonKind::Joined,
            ),
            bad,
        ];
        assert!(store.file_articles(&batch, T0 + 6).await.is_err());
        assert_eq!(store.article_story(ids[7]).await.unwrap(), None);
        assert_eq!(store.table_counts().await.unwrap().stories, stories_before);
        assert_eq!(store.get_story(old).await.unwrap().unwrap().size, 2);
    }
    assert!(store.file_articles(&[], T0).await.unwrap().is_empty());

    // Filed under a story merged away, an article lands in its target.
    moderation::merge(&*store, &ed, old, &[third])
        .await
        .unwrap();
    let into_merged = [file(
        7,
        FilingStory::Join(StoryRef::Stored(third)),
        ReasonKind::Joined,
    )];
    assert_eq!(
        store.file_articles(&into_merged, T0 + 7).await.unwrap(),
        [third]
    );
    assert_eq!(store.article_story(ids[7]).await.unwrap(), Some(old));
    assert_eq!(store.get_story(old).await.unwrap().unwrap().size, 4);
}

pub async fn polls_record_health_and_history_together(store: Arc<dyn Store>) {
    let a = source(&*store, "polled-a").await;
    let b = source(&*store, "polled-b").await;
    let health = |n: i64| SourceHealth {
        last_success_at: Some(T0 + n),
        last_attempt_at: Some(T0 + n),
        next_poll_at: T0 + 900 + n,
        etag: Some(format!("\"e{n}\"")),
        notes: vec![format!("note {n}\nsecond line")],
        ..SourceHealth::default()
    };
    let hour = crate::hour_of(T0);
    store
        .record_polls(
            &[(a, health(1)), (b, health(2))],
            &[fetch(a, hour, 0), fetch(b, hour + 60, 1)],
        )
        .await
        .unwrap();
    for (id, n, f) in [(a, 1, fetch(a, hour, 0)), (b, 2, fetch(b, hour + 60, 1))] {
        let got = store.get_source(id).await.unwrap().unwrap().health;
        assert_eq!(
            (got.next_poll_at, got.etag, got.notes),
            (
                T0 + 900 + n,
                Some(format!("\"e{n}\"")),
                vec![format!("note {n} second line")]
            ),
            "source {id}"
        );
        assert_eq!(store.source_fetches(id, 10).await.unwrap(), [f]);
        assert_eq!(store.source_fetch_hours(id, hour).await.unwrap().len(), 1);
    }
    store.record_polls(&[], &[]).await.unwrap();
}

/// A pass's polls recorded in one batch leave what the same polls recorded
/// one by one leave: the newest fetches kept, the hours counted, old hours
/// pruned, each source's last health.
pub async fn polls_in_one_batch_as_one_by_one(store: Arc<dyn Store>) {
    let one = [
        source(&*store, "one-a").await,
        source(&*store, "one-b").await,
    ];
    let batch = [
        source(&*store, "batch-a").await,
        source(&*store, "batch-b").await,
    ];
    let hour = crate::hour_of(T0);
    // 60 fetches of the first source over two hours, one of the second, and
    // then a fetch 31 days on; results and durations vary with `i`.
    let plan = |ids: [SourceId; 2]| {
        let mut fetches: Vec<FetchRecord> =
            (0..60).map(|i| fetch(ids[0], hour + i * 120, i)).collect();
        fetches.push(fetch(ids[1], hour + 30, 7));
        let later: Vec<FetchRecord> = vec![fetch(ids[0], hour + 31 * 86_400, 3)];
        (fetches, later)
    };
    let health = |n: i64| SourceHealth {
        last_attempt_at: Some(T0 + n),
        consecutive_failures: n,
        next_poll_at: T0 + 900 + n,
        last_error_class: Some(format!("class {n}")),
        ..SourceHealth::default()
    };
    let (fetches, later) = plan(one);
    for f in &fetches {
        store.record_fetch(f).await.unwrap();
    }
    for (id, n) in [(one[0], 1), (one[0], 2), (one[1], 3)] {
        store.record_polls(&[(id, health(n))], &[]).await.unwrap();
    }
    let (fetches, later_b) = plan(batch);
    let healths = [
        (batch[0], health(1)),
        (batch[0], health(2)),
        (batch[1], health(3)),
    ];
    store.record_polls(&healths, &fetches).await.unwrap();
    let state = async |id: SourceId, since: i64| {
        let mut fetches = store.source_fetches(id, 1000).await.unwrap();
        for f in &mut fetches {
            f.source_id = SourceId(0);
        }
        let health = store.get_source(id).await.unwrap().unwrap().health;
        let hours = store.source_fetch_hours(id, since).await.unwrap();
        (
            fetches,
            hours,
            health.consecutive_failures,
            health.last_error_class,
        )
    };
    for i in 0..2 {
        let (one, batch) = (state(one[i], 0).await, state(batch[i], 0).await);
        assert_eq!(one, batch, "source {i}");
    }
    let a = state(batch[0], 0).await;
    assert_eq!(a.0.len() as i64, crate::FETCHES_KEPT);
    assert_eq!(a.1.iter().map(|h| h.fetches).sum::<i64>(), 60);
    assert_eq!(
        (a.2, a.3.as_deref()),
        (2, Some("class 2")),
        "the last health wins"
    );
    // A later batch prunes the hours older than 30 days, as fetch by fetch.
    store.record_fetch(&later[0]).await.unwrap();
    store.record_polls(&[], &later_b).await.unwrap();
    let (one_a, batch_a) = (state(one[0], 0).await, state(batch[0], 0).await);
    assert_eq!(one_a, batch_a);
    assert_eq!(batch_a.1.len(), 1, "{:?}", batch_a.1);
    assert_eq!(
        state(batch[1], 0).await.1.len(),
        1,
        "the other source keeps its hour"
    );
}

/// Unchanged articles of a batch are touched together; each keeps the
/// `fetched_at` its last item gave it, touched or updated, as item by item.
pub async fn batches_touch_unchanged_articles_as_one_by_one(store: Arc<dyn Store>) {
    let src = source(&*store, "touched").await;
    let (one, two) = (article(src, 1), article(src, 2));
    let (id1, id2) = (insert(&*store, &one).await, insert(&*store, &two).await);
    let at = |a: &NewArticle, t: i64| ArticleWrite {
        article: NewArticle {
            fetched_at: T0 + t,
            ..a.clone()
        },
        addresses: Vec::new(),
        state: None,
    };
    let fetched = async |id: ArticleId| store.get_article(id).await.unwrap().unwrap().fetched_at;
    let mut edited = one.clone();
    edited.title = "Headline 1, edited".into();
    let rounds: [(Vec<ArticleWrite>, [UpsertKind; 3], i64, i64); 3] = [
        // Touched twice: the last time holds.
        (
            vec![at(&one, 500), at(&two, 600), at(&one, 700)],
            [UpsertKind::Unchanged; 3],
            700,
            600,
        ),
        // Touched, then updated: the update's time.
        (
            vec![at(&one, 800), at(&edited, 900), at(&two, 650)],
            [
                UpsertKind::Unchanged,
                UpsertKind::Updated,
                UpsertKind::Unchanged,
            ],
            900,
            650,
        ),
        // Updated, then touched: the touch's time.
        (
            vec![at(&one, 1000), at(&two, 1100), at(&two, 660)],
            [
                UpsertKind::Updated,
                UpsertKind::Unchanged,
                UpsertKind::Unchanged,
            ],
            1000,
            660,
        ),
    ];
    for (i, (batch, kinds, t1, t2)) in rounds.into_iter().enumerate() {
        let out = store.store_articles(&batch, T0 + 2000).await.unwrap();
        let got: Vec<UpsertKind> = out.iter().map(|o| o.kind).collect();
        assert_eq!(got, kinds, "round {i}");
        assert_eq!(
            (fetched(id1).await, fetched(id2).await),
            (T0 + t1, T0 + t2),
            "round {i}"
        );
    }
}

/// An item that finds a row an earlier item of its batch has just updated
/// (found by the other key) decides on what that item wrote, as upserts one
/// after another would, not on the row as the batch found it when it began.
pub async fn batches_see_their_own_writes(store: Arc<dyn Store>) {
    let (src, other) = (
        source(&*store, "ownwrites").await,
        source(&*store, "ownwrites-syndicated").await,
    );
    let stored = article(src, 1);
    let id = insert(&*store, &stored).await;
    // Found by its GUID, at a new address (the stored one is kept), retitled.
    let by_guid = NewArticle {
        canonical_url: "https://news.example/moved/1".into(),
        title: "Headline 1, corrected".into(),
        ..article(src, 1)
    };
    // Another outlet's copy without a GUID, found by the stored address: no
    // title of its own (the stored one is kept), a body of its own.
    let by_url = NewArticle {
        guid: None,
        canonical_url: stored.canonical_url.clone(),
        title: String::new(),
        ..searchable(other, 2, "", "Summary 2", "A longer body of the copy.")
    };
    let batch = [
        remembered(by_guid, vec![], 0),
        remembered(by_url, vec![], 0),
    ];
    let out = store.store_articles(&batch, T0 + 500).await.unwrap();
    assert_eq!(
        out.iter().map(|o| (o.kind, o.id)).collect::<Vec<_>>(),
        [
            (UpsertKind::Updated, Some(id)),
            (UpsertKind::Updated, Some(id))
        ]
    );
    let got = store.get_article(id).await.unwrap().unwrap();
    assert_eq!(
        got.title, "Headline 1, corrected",
        "the first item's title stays"
    );
    assert_eq!(got.body_text, "A longer body of the copy.");
}

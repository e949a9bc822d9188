//! A stored body is served without a second sanitiser pass only when its
//! seal is this site's seal of exactly that HTML (`newsroom_ingest::seal`).
//! The probe attribute is one the sanitiser removes, so it shows on the page
//! and in the API only where the second pass was skipped.

use super::*;
use newsroom_ingest::seal::SealKey;

async fn put(site: &Site, tag: &str, seal: Option<String>) -> ArticleId {
    let sec = site.store.section_by_slug("world").await.unwrap().unwrap();
    let src = site.store.list_sources().await.unwrap()[0].source.id;
    site.store
        .upsert_article(
            &NewArticle {
                source_id: src,
                section_id: Some(sec.id),
                guid: Some(format!("fixture:seal:{tag}")),
                canonical_url: format!("https://outlet.example/seal/{tag}"),
                original_url: format!("https://outlet.example/seal/{tag}"),
                title: format!("Sealed body {tag}"),
                summary: "Probe.".into(),
                body_html: probe(tag),
                body_text: format!("Probe {tag}."),
                body_seal: seal,
                image: None,
                video: None,
                author: None,
                language: Some("en".into()),
                published_at: NOW - 600,
                fetched_at: NOW - 500,
            },
            NOW - 400,
        )
        .await
        .unwrap()
        .id
        .unwrap()
}

fn probe(tag: &str) -> String {
    format!("<p data-probe=\"{tag}\">Probe {tag}.</p>")
}

#[tokio::test]
async fn only_a_matching_seal_skips_the_second_sanitiser_pass() {
    let site = site().await;
    let key = SealKey::of_site(&*site.store).await.unwrap();
    let other_site = SealKey::from_site_secret(&[9u8; 32]);
    let cases = [
        ("sealed", Some(key.seal(&probe("sealed"))), true),
        ("unsealed", None, false),
        ("foreign", Some(other_site.seal(&probe("foreign"))), false),
        (
            "other-html",
            Some(key.seal("<p>Something else.</p>")),
            false,
        ),
        ("garbage", Some("zz".repeat(32)), false),
    ];
    for (tag, seal, skipped) in cases {
        let id = put(&site, tag, seal).await;
        let page = get(&site.app, &slug_path(id, &format!("Sealed body {tag}"))).await;
        assert_eq!(page.status, StatusCode::OK, "{tag}");
        assert!(
            page.body.contains(&format!("Probe {tag}.")),
            "{tag}: body shown"
        );
        assert_eq!(
            page.body.contains("data-probe="),
            skipped,
            "{tag}: page served the stored body as is"
        );
        let api = get(&site.app, &format!("/api/v1/articles/{id}")).await;
        let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let body = v["body_html"].as_str().unwrap();
        assert!(body.contains(&format!("Probe {tag}.")), "{tag}: API body");
        assert_eq!(
            body.contains("data-probe="),
            skipped,
            "{tag}: API body as is"
        );
    }
}

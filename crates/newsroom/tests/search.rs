//! Search through the real binary with demo content: the results page, the
//! search box on every page, the empty and no-results pages, paging, hostile
//! queries and the JSON API, on SQLite and, when NEWSROOM_TEST_POSTGRES_URL
//! is set, on PostgreSQL.

#[macro_use]
mod common;

use common::*;

const SEED_TITLE: &str = "Ukraine war: Russians slowly take ground around Bakhmut";
const SEED_PATH: &str = "/news/1-ukraine-war-russians-slowly-take-ground-around-bakhmut";
const BASE: &str = "https://news.example";

fn env() -> Vec<(&'static str, &'static str)> {
    vec![("NEWSROOM_SITE__BASE_URL", BASE)]
}

fn noindex(doc: &scraper::Html) -> bool {
    select(doc, "head meta[name='robots']")
        .iter()
        .any(|m| m.value().attr("content") == Some("noindex"))
}

/// Headlines, links and outlets of a results page, in order.
fn results(doc: &scraper::Html) -> Vec<(String, String, String)> {
    select(doc, "main .search-results .news-item")
        .iter()
        .map(|it| {
            let frag = scraper::Html::parse_fragment(&it.html());
            let a = &select(&frag, "a.headline")[0];
            (
                text(a),
                a.value().attr("href").unwrap().to_string(),
                text(&select(&frag, ".outlet")[0]),
            )
        })
        .collect()
}

fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

on_every_backend!(search_pages_and_api => search_pages_and_api_on);

async fn search_pages_and_api_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &env());

    // A box in the header of every page.
    let (_, home) = get(&server.url("/"), BROWSER_UA).await;
    let doc = scraper::Html::parse_document(&home);
    let form = select(&doc, "header form[role='search'][action='/search']");
    assert_eq!(form.len(), 1, "search box in the header");
    assert_eq!(
        select(&doc, "header form[role='search'] input[name='q']").len(),
        1
    );
    assert!(!noindex(&doc), "only search pages are noindex");

    // A word from a known headline finds it, first, as the lists show it.
    let (status, html) = get(&server.url("/search?q=Bakhmut"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert!(noindex(&doc), "result pages are noindex");
    let found = results(&doc);
    assert_eq!(
        found.first(),
        Some(&(
            SEED_TITLE.to_string(),
            SEED_PATH.to_string(),
            "BBC News".to_string()
        )),
        "{found:?}"
    );
    let first = &select(&doc, "main .search-results .news-item")[0];
    let frag = scraper::Html::parse_fragment(&first.html());
    let views = select(&frag, ".views[data-views]");
    assert!(
        views[0]
            .value()
            .attr("data-views")
            .unwrap()
            .parse::<i64>()
            .unwrap()
            >= 1366,
        "live count"
    );
    assert_eq!(
        select(&frag, "time")[0].value().attr("datetime"),
        Some("2023-02-13T12:42:00Z")
    );
    assert!(!text(&select(&frag, "time")[0]).is_empty(), "time label");
    let summary = text(&select(&doc, "main .search-summary")[0]);
    assert!(summary.contains("for “Bakhmut”"), "{summary}");
    assert_eq!(
        select(&doc, "main form input[name='q']")[0]
            .value()
            .attr("value"),
        Some("Bakhmut"),
        "the query stays in the box"
    );

    // Case, prefix, and a phrase from the body.
    for query in [
        "bakhmut",
        "BAKH*",
        "\"sparkling wines\"",
        "Zelensky fortress",
    ] {
        let (status, html) = get(&server.url(&format!("/search?q={}", q(query))), BROWSER_UA).await;
        assert_eq!(status, 200, "{query}");
        let found = results(&scraper::Html::parse_document(&html));
        assert_eq!(
            found.first().map(|f| f.1.as_str()),
            Some(SEED_PATH),
            "{query}: {found:?}"
        );
    }
    let (_, html) = get(&server.url("/search?q=%22wines+sparkling%22"), BROWSER_UA).await;
    assert!(
        results(&scraper::Html::parse_document(&html)).is_empty(),
        "a phrase keeps its order"
    );

    // Nothing typed: a prompt, no list.
    for path in ["/search", "/search?q=", "/search?q=%22+*+-"] {
        let (status, html) = get(&server.url(path), BROWSER_UA).await;
        assert_eq!(status, 200, "{path}");
        let doc = scraper::Html::parse_document(&html);
        assert!(noindex(&doc));
        assert!(results(&doc).is_empty());
        let summary = text(&select(&doc, "main .search-summary")[0]);
        assert!(summary.starts_with("Type a word or a phrase."), "{summary}");
    }

    // Nothing found, said in the site's language.
    let (status, html) = get(&server.url("/search?q=zzqxj"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert!(results(&doc).is_empty());
    assert_eq!(
        text(&select(&doc, "main .search-summary")[0]),
        "Nothing found for “zzqxj”."
    );

    // Paging through many results; pages that cannot exist are 404s.
    let (status, html) = get(&server.url("/search?q=demo"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(results(&doc).len(), 20, "a page is page_size long");
    let next = select(&doc, "main .pager a[rel='next']")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(next, "/search?q=demo&page=2");
    let (status, html) = get(&server.url(&next), BROWSER_UA).await;
    assert_eq!(status, 200);
    let page2 = results(&scraper::Html::parse_document(&html));
    assert_eq!(page2.len(), 20);
    assert!(
        page2.iter().all(|r| !results(&doc).contains(r)),
        "page 2 continues page 1"
    );
    for path in [
        "/search?q=demo&page=0",
        "/search?q=demo&page=51",
        "/search?q=demo&page=x",
        "/search?q=bakhmut&page=2",
        "/search?q=bakhmut&section=no-such-section",
    ] {
        assert_eq!(get(&server.url(path), BROWSER_UA).await.0, 404, "{path}");
    }
    let (status, html) = get(
        &server.url("/search?q=paris&section=technology"),
        BROWSER_UA,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        results(&scraper::Html::parse_document(&html))
            .iter()
            .map(|r| r.0.as_str())
            .collect::<Vec<_>>(),
        ["Paris prosecutors raid French offices of Elon Musk's X"],
        "section filter"
    );
    let (status, html) = get(
        &server.url("/search?q=bakhmut&section=technology"),
        BROWSER_UA,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        results(&scraper::Html::parse_document(&html)).is_empty(),
        "a world article is not in technology"
    );

    // Hostile input is searched for as words, never an error.
    let long = "\"NEAR(* -AND OR ' ; DROP TABLE articles; -- ".repeat(60);
    for query in [
        "\"",
        "*",
        "NEAR(",
        "-",
        "AND OR",
        "' OR '1'='1",
        "\\",
        ":*",
        "title:bakhmut",
        "\u{1e}1\u{1f}",
        long.as_str(),
    ] {
        let (status, html) = get(&server.url(&format!("/search?q={}", q(query))), BROWSER_UA).await;
        assert_eq!(status, 200, "{query:.40}");
        assert!(html.contains("</html>"));
    }
    let (_, html) = get(&server.url("/search?q=war%3ABakhmut"), BROWSER_UA).await;
    assert_eq!(
        results(&scraper::Html::parse_document(&html))
            .first()
            .map(|r| r.1.as_str()),
        Some(SEED_PATH),
        "a colon is a separator, not a column filter"
    );

    // The JSON API.
    let r = client()
        .get(server.url("/api/v1/search?q=bakhmut"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let j: serde_json::Value = r.json().await.unwrap();
    assert!(j["total"].as_i64().unwrap() >= 1, "{j}");
    let top = &j["articles"][0];
    assert_eq!(top["id"], 1);
    assert_eq!(top["title"], SEED_TITLE);
    assert_eq!(top["url"], format!("{BASE}{SEED_PATH}"));
    assert_eq!(top["published"], "2023-02-13T12:42:00Z");
    assert_eq!(top["source"]["name"], "BBC News");
    let j: serde_json::Value = client()
        .get(server.url("/api/v1/search?q=demo&page=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(j["total"].as_i64().unwrap() > 40, "{j}");
    assert_eq!(j["page"], 2);
    assert_eq!(
        j["next"],
        format!("{BASE}/api/v1/search?q=demo&page=3"),
        "the next page, absolute"
    );
    assert_eq!(j["articles"].as_array().unwrap().len(), 20);
    let published: Vec<&str> = j["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["published"].as_str().unwrap())
        .collect();
    assert!(
        published
            .iter()
            .all(|p| p.len() == 20 && p.ends_with('Z') && p.as_bytes()[10] == b'T'),
        "{published:?}"
    );
    let long_path = format!("/api/v1/search?q={}", q(&long));
    for (path, want) in [
        ("/api/v1/search?q=", 200),
        ("/api/v1/search?q=zzqxj", 200),
        (long_path.as_str(), 200),
        ("/api/v1/search?q=demo&page=0", 400),
        ("/api/v1/search?q=demo&section=nope", 404),
    ] {
        let r = client().get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), want, "{path:.60}");
        let j: serde_json::Value = r.json().await.unwrap();
        if want == 200 {
            assert_eq!(j["total"], j["articles"].as_array().unwrap().len(), "{j}");
        }
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_speaks_the_site_language() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"], &[("NEWSROOM_SITE__LOCALE", "uk")]);
    let (status, html) = get(&server.url("/search?q=zzqxj"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(
        text(&select(&doc, "main .search-summary")[0]),
        "За запитом «zzqxj» нічого не знайдено."
    );
    assert_eq!(
        select(&doc, "header form[role='search'] button")
            .first()
            .map(text),
        Some("Пошук".to_string())
    );
    let (_, html) = get(&server.url("/search?q=bakhmut"), BROWSER_UA).await;
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(
        text(&select(&doc, "main .search-summary")[0]),
        "1 результат за запитом «bakhmut»"
    );
    server.stop();
}

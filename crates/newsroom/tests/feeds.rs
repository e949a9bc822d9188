//! Feeds out and sitemaps, against the real binary on 127.0.0.1 with demo
//! content plus one article whose headline, summary, outlet and image address
//! carry everything XML escaping can get wrong. Feeds are read with feed-rs
//! (the parser ingestion uses), sitemaps with quick-xml's reader.

#[macro_use]
mod common;

use common::*;
use newsroom_core::{FullTextMode, LeadImage, NewArticle, NewSource};
use newsroom_store::{ListQuery, PoolConfig};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use std::collections::HashMap;

/// Not the address the test server listens on: feeds must use the configured
/// base URL, never the request's host.
const BASE: &str = "https://news.test";
const SITE_NAME: &str = "Evening <Post> & \"Co\"";
/// As stored: a control character XML cannot carry, markup, quotes, `]]>`,
/// and a letter that the slug keeps and URLs must percent-encode.
const TRICKY_TITLE: &str = "Tom & Jerry's \"Café\" <b>deal</b> ]]> 5 < 6\u{1}!";
/// As every page and feed shows it.
const TRICKY_SHOWN: &str = "Tom & Jerry's \"Café\" <b>deal</b> ]]> 5 < 6!";
/// Also a noncharacter, which XML 1.0 forbids although it is no control character.
const TRICKY_SUMMARY: &str = "AT&T <says> \"a < b\" & 'c > d' &amp; more\u{b}\u{fffe}.";
const TRICKY_SUMMARY_SHOWN: &str = "AT&T <says> \"a < b\" & 'c > d' &amp; more.";
const TRICKY_OUTLET: &str = "Kitchen & Sink \"Daily\" <News>";
const TRICKY_IMAGE: &str = "https://img.test/pic.png?w=1&h=\"2\"";

/// The image address as feeds give it: absolute, and percent-encoded where
/// a URL must be (the quotes).
fn image_url() -> String {
    url::Url::parse(TRICKY_IMAGE).unwrap().to_string()
}

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("NEWSROOM_SITE__BASE_URL", BASE),
        ("NEWSROOM_SITE__NAME", SITE_NAME),
    ]
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The demo site, then the tricky article written into its database; returns
/// the article's id and how many articles are published.
async fn seed(db: &Backend, dir: &std::path::Path) -> (i64, i64) {
    let env = env();
    let first = Server::start(dir, &db.args(&["--demo"]), &env);
    assert!(first.stop().success());
    let store = newsroom_store::open(&db.demo_url(dir), &PoolConfig::default())
        .await
        .unwrap();
    let world = store.section_by_slug("world").await.unwrap().unwrap();
    let src = store
        .add_source(
            &NewSource {
                name: TRICKY_OUTLET.into(),
                feed_url: "https://kitchen.test/feed.xml".into(),
                site_url: None,
                section_id: None,
                full_text: FullTextMode::Never,
            },
            now(),
        )
        .await
        .unwrap();
    store.set_source_enabled(src.id, false).await.unwrap();
    let t = now() - 30;
    let out = store
        .upsert_article(
            &NewArticle {
                source_id: src.id,
                section_id: Some(world.id),
                guid: Some("tricky".into()),
                canonical_url: "https://kitchen.test/a?x=1&y=2".into(),
                original_url: "https://kitchen.test/a?x=1&y=2".into(),
                title: TRICKY_TITLE.into(),
                summary: TRICKY_SUMMARY.into(),
                body_html: "<p>Body.</p>".into(),
                body_text: "Body.".into(),
                image: Some(LeadImage {
                    url: newsroom_core::PublicUrl::parse(TRICKY_IMAGE).unwrap(),
                    alt: String::new(),
                    width: None,
                    height: None,
                }),
                language: Some("en".into()),
                published_at: t,
                fetched_at: t,
                ..NewArticle::default()
            },
            t,
        )
        .await
        .unwrap();
    let total = store.count_articles(&ListQuery::default()).await.unwrap();
    (out.id.unwrap().0, total)
}

on_every_backend!(feeds_and_sitemaps_through_the_real_binary => feeds_and_sitemaps_on);

async fn feeds_and_sitemaps_on(db: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (tricky_id, total) = seed(db, dir.path()).await;
    let server = Server::start(dir.path(), &db.args(&["--demo"]), &env());

    let (status, home) = get(&server.url("/"), BROWSER_UA).await;
    assert_eq!(status, 200);
    let latest = home_latest(&home);
    assert!(latest.len() >= 8, "{latest:?}");
    assert_eq!(
        latest[0].0, TRICKY_SHOWN,
        "the tricky article is the newest"
    );
    check_feed_links_in_head(&home, "");

    let mut parsed = Vec::new();
    for (path, content_type) in [
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
    ] {
        let body = fetch(&server, path, content_type).await;
        if path.ends_with(".xml") {
            check_raw_xml(&body);
            // Well-formed and escaped once: the headline reads back exactly.
            let doc = parse_xml(&body);
            assert!(
                doc.all("title").iter().any(|t| t.text == TRICKY_SHOWN),
                "{path}: {body}"
            );
        } else {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
            assert_eq!(v["feed_url"], format!("{BASE}/feed.json"));
            assert_eq!(v["items"][0]["image"], image_url());
            assert_eq!(v["items"][0]["summary"], TRICKY_SUMMARY_SHOWN);
        }
        let feed = feed_rs::parser::parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{body}"));
        check_feed(path, &feed, &latest, total, tricky_id);
        parsed.push(feed);
    }
    // The three formats carry the same items.
    let ids = |f: &feed_rs::model::Feed| f.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&parsed[0]), ids(&parsed[1]));
    assert_eq!(ids(&parsed[0]), ids(&parsed[2]));

    // Feed links lead to the article pages themselves, not to redirects.
    for e in parsed[0].entries.iter().take(6) {
        let link = &e.links[0].href;
        let path = link.strip_prefix(BASE).unwrap();
        let (status, html) = get(&server.url(path), BROWSER_UA).await;
        assert_eq!(status, 200, "{link}");
        let doc = scraper::Html::parse_document(&html);
        let h1 = &select(&doc, "main h1")[0];
        let headline: String = h1
            .children()
            .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
            .collect();
        assert_eq!(headline, e.title.as_ref().unwrap().content, "{link}");
    }

    // A section's feeds follow its page.
    let (status, section_html) = get(&server.url("/section/world"), BROWSER_UA).await;
    assert_eq!(status, 200);
    check_feed_links_in_head(&section_html, "/section/world");
    let doc = scraper::Html::parse_document(&section_html);
    let on_page: Vec<(String, String)> = select(&doc, "main .news-item a.headline")
        .iter()
        .map(|a| (text(a), absolute(a.value().attr("href").unwrap())))
        .collect();
    assert!(on_page.len() >= 10, "{on_page:?}");
    for (path, content_type) in [
        (
            "/section/world/feed.xml",
            "application/rss+xml; charset=utf-8",
        ),
        (
            "/section/world/atom.xml",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/section/world/feed.json",
            "application/feed+json; charset=utf-8",
        ),
    ] {
        let body = fetch(&server, path, content_type).await;
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert!(
            feed.title.as_ref().unwrap().content.ends_with(SITE_NAME),
            "{path}: {:?}",
            feed.title
        );
        let in_feed: Vec<(String, String)> = feed
            .entries
            .iter()
            .take(on_page.len())
            .map(|e| {
                (
                    e.title.as_ref().unwrap().content.clone(),
                    absolute(&e.links[0].href),
                )
            })
            .collect();
        assert_eq!(in_feed, on_page, "{path}");
    }
    for missing in [
        "/section/no-such-section/feed.xml",
        "/section/no-such-section/atom.xml",
        "/section/no-such-section/feed.json",
    ] {
        let (status, _) = get(&server.url(missing), BROWSER_UA).await;
        assert_eq!(status, 404, "{missing}");
    }

    // A reader that has the current version is told so without a body.
    let r = client().get(server.url("/feed.xml")).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let again = client()
        .get(server.url("/feed.xml"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    check_sitemaps(&server, &latest, total, tricky_id).await;
    server.stop();
}

/// The aside's latest list on the home page: (headline, absolute link, time).
fn home_latest(html: &str) -> Vec<(String, String, i64)> {
    let doc = scraper::Html::parse_document(html);
    select(&doc, "aside .news-item")
        .iter()
        .map(|item| {
            let frag = scraper::Html::parse_fragment(&item.html());
            let a = &select(&frag, "a.headline")[0];
            let time = select(&frag, "time")[0].value().attr("datetime").unwrap();
            (
                text(a),
                absolute(a.value().attr("href").unwrap()),
                time.parse::<jiff::Timestamp>().unwrap().as_second(),
            )
        })
        .collect()
}

/// A site path or URL as the URL crate normalises it (percent-encoding
/// non-ASCII slugs), so links from pages and feeds compare equal.
fn absolute(href: &str) -> String {
    url::Url::parse(BASE)
        .unwrap()
        .join(href)
        .unwrap()
        .to_string()
}

fn check_feed_links_in_head(html: &str, prefix: &str) {
    let doc = scraper::Html::parse_document(html);
    let links: Vec<(String, String)> = select(&doc, "head link[rel=alternate][type]")
        .iter()
        .map(|l| {
            (
                l.value().attr("type").unwrap().to_string(),
                l.value().attr("href").unwrap().to_string(),
            )
        })
        .collect();
    for (ty, file) in [
        ("application/rss+xml", "feed.xml"),
        ("application/atom+xml", "atom.xml"),
        ("application/feed+json", "feed.json"),
    ] {
        let want = (ty.to_string(), format!("{prefix}/{file}"));
        assert!(links.contains(&want), "{want:?} in {links:?}");
    }
}

async fn fetch(server: &Server, path: &str, content_type: &str) -> String {
    let r = client()
        .get(server.url(path))
        .header("user-agent", "FeedReader/1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    let h = r.headers();
    assert_eq!(h["content-type"], content_type, "{path}");
    assert!(
        h["cache-control"].to_str().unwrap().contains("max-age="),
        "{path}"
    );
    assert!(h.contains_key("etag"), "{path}");
    r.text().await.unwrap()
}

/// Nothing XML 1.0 forbids, and the tricky text escaped, never raw.
fn check_raw_xml(body: &str) {
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let bad: Vec<char> = body
        .chars()
        .filter(|c| {
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{fffe}' | '\u{ffff}')
        })
        .collect();
    assert!(bad.is_empty(), "characters XML cannot carry: {bad:?}");
    assert!(!body.contains("<b>deal"), "unescaped markup");
    assert!(!body.contains("<says>"), "unescaped markup");
}

fn check_feed(
    path: &str,
    feed: &feed_rs::model::Feed,
    latest: &[(String, String, i64)],
    total: i64,
    tricky_id: i64,
) {
    assert_eq!(feed.title.as_ref().unwrap().content, SITE_NAME, "{path}");
    assert_eq!(feed.entries.len() as i64, total.min(50), "{path}");
    let times: Vec<i64> = feed
        .entries
        .iter()
        .map(|e| e.published.expect("published").timestamp())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "{path}: newest first"
    );

    let by_link: HashMap<String, &feed_rs::model::Entry> = feed
        .entries
        .iter()
        .map(|e| (absolute(&e.links[0].href), e))
        .collect();
    // The feed holds the newest articles, so every line of the latest list
    // whose article was published after its oldest item is in it. A line of
    // a story shows the story's lead (its earliest article), which may be
    // older than that, at the time of the story's newest article there: the
    // shown time is never before the lead's own, and equal for a line of
    // one article.
    let oldest = *times.last().unwrap();
    let mut checked = 0;
    let mut exact = 0;
    for (title, link, time) in latest.iter().filter(|l| l.2 > oldest) {
        let Some(e) = by_link.get(link) else {
            continue;
        };
        assert_eq!(&e.title.as_ref().unwrap().content, title, "{path}");
        let published = e.published.unwrap().timestamp();
        assert!(published <= *time, "{path}: {title}: {published} > {time}");
        exact += usize::from(published == *time);
        checked += 1;
    }
    assert!(exact > 0, "{path}: no line at its own article's time");
    // Not a vacuous check: most lines are recent.
    assert!(
        checked >= latest.len() / 2,
        "{path}: {checked} of {latest:?}"
    );

    let first = &feed.entries[0];
    // A new site's ids are tag: URIs on its host, apart from its address.
    assert!(
        first.id.starts_with("tag:news.test,")
            && first.id.ends_with(&format!(":/news/{tricky_id}")),
        "{path}: stable id {}",
        first.id
    );
    assert_eq!(
        first.title.as_ref().unwrap().content,
        TRICKY_SHOWN,
        "{path}"
    );
    assert_eq!(
        first.links[0].href,
        format!("{BASE}/news/{tricky_id}-tom-jerrys-caf%C3%A9-b-deal-b-5-6"),
        "{path}"
    );
    // RSS's <description> is HTML to a feed reader: the text it shows is
    // what the HTML says, and that must be the plain summary, untouched.
    let summary = &first.summary.as_ref().unwrap().content;
    let shown = if path.ends_with("feed.xml") {
        html_text(summary)
    } else {
        summary.clone()
    };
    assert_eq!(shown, TRICKY_SUMMARY_SHOWN, "{path}: {summary}");
    assert_eq!(
        first.authors.first().and_then(|a| a.name.as_deref()),
        Some(TRICKY_OUTLET),
        "{path}"
    );
    // The image: an RSS enclosure (feed-rs files it as media), an Atom
    // enclosure link; JSON Feed's `image` is checked on the raw JSON.
    if path.ends_with("feed.xml") {
        let media = first.media[0].content[0].url.as_ref().unwrap();
        assert_eq!(media.as_str(), image_url());
    } else if path.ends_with("atom.xml") {
        assert!(
            first
                .links
                .iter()
                .any(|l| l.rel.as_deref() == Some("enclosure") && l.href == image_url()),
            "{path}: {:?}",
            first.links
        );
    }
}

async fn check_sitemaps(
    server: &Server,
    latest: &[(String, String, i64)],
    total: i64,
    tricky_id: i64,
) {
    let local = |loc: &str| server.url(loc.strip_prefix(BASE).expect("absolute on the site"));
    let get_xml = |loc: String| async move {
        let r = client().get(&loc).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{loc}");
        assert_eq!(
            r.headers()["content-type"],
            "application/xml; charset=utf-8",
            "{loc}"
        );
        let body = r.text().await.unwrap();
        check_raw_xml(&body);
        parse_xml(&body)
    };
    let (_, robots) = get(&server.url("/robots.txt"), BROWSER_UA).await;
    assert!(robots.contains(&format!("Sitemap: {BASE}/sitemap.xml")));

    let index = get_xml(server.url("/sitemap.xml")).await;
    assert_eq!(index.name, "sitemapindex");
    assert_eq!(
        index.attr("xmlns"),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let files: Vec<String> = index.all("loc").iter().map(|l| l.text.clone()).collect();
    assert!(
        files.contains(&format!("{BASE}/sitemap-news.xml")),
        "{files:?}"
    );
    assert!(
        files.contains(&format!("{BASE}/sitemaps/sections.xml")),
        "{files:?}"
    );
    assert!(
        files.contains(&format!("{BASE}/sitemaps/articles-1.xml")),
        "{files:?}"
    );
    for s in index.all("sitemap") {
        let lastmod = &s.child("lastmod").expect("lastmod").text;
        lastmod.parse::<jiff::Timestamp>().unwrap();
    }

    // Every published article, once, at the address of its page.
    let mut article_locs = Vec::new();
    for f in files.iter().filter(|f| f.contains("/sitemaps/articles-")) {
        let set = get_xml(local(f)).await;
        assert_eq!(set.name, "urlset");
        for u in set.all("url") {
            article_locs.push(u.child("loc").unwrap().text.clone());
            let lastmod = &u.child("lastmod").expect("lastmod").text;
            lastmod.parse::<jiff::Timestamp>().unwrap();
        }
    }
    assert_eq!(article_locs.len() as i64, total);
    let mut unique = article_locs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), article_locs.len(), "no article twice");
    for (_, link, _) in latest {
        assert!(article_locs.contains(link), "{link} in the sitemap");
    }
    let tricky_loc = format!("{BASE}/news/{tricky_id}-tom-jerrys-caf%C3%A9-b-deal-b-5-6");
    assert!(article_locs.contains(&tricky_loc));
    let (status, _) = get(&local(&tricky_loc), BROWSER_UA).await;
    assert_eq!(status, 200, "sitemap address is the page, not a redirect");

    let sections = get_xml(local(&format!("{BASE}/sitemaps/sections.xml"))).await;
    let locs: Vec<String> = sections.all("loc").iter().map(|l| l.text.clone()).collect();
    assert_eq!(locs[0], format!("{BASE}/"));
    assert!(locs.contains(&format!("{BASE}/section/world")), "{locs:?}");

    // Google News: the last two days only, with publication and title.
    let news = get_xml(local(&format!("{BASE}/sitemap-news.xml"))).await;
    assert_eq!(
        news.attr("xmlns:news"),
        Some("http://www.google.com/schemas/sitemap-news/0.9")
    );
    let cutoff = now() - 2 * 86_400 - 60;
    let urls = news.all("url");
    assert!(!urls.is_empty());
    let mut titles = Vec::new();
    for u in &urls {
        let n = u.child("news:news").expect("news:news");
        let publication = n.child("news:publication").unwrap();
        assert_eq!(publication.child("news:name").unwrap().text, SITE_NAME);
        assert_eq!(publication.child("news:language").unwrap().text, "en");
        let when = n
            .child("news:publication_date")
            .unwrap()
            .text
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second();
        assert!(when >= cutoff, "older than two days: {when}");
        titles.push(n.child("news:title").unwrap().text.clone());
    }
    assert_eq!(urls[0].child("loc").unwrap().text, tricky_loc);
    assert_eq!(titles[0], TRICKY_SHOWN);
    // The demo has articles from days ago: they are not news any more.
    assert!((urls.len() as i64) < total);
    // By the article's own time, from its page: a story's line in the list
    // shows its newest article's time.
    let mut recent = 0;
    for (title, link, _) in latest {
        let path = url::Url::parse(link).unwrap().path().to_owned();
        let (_, page) = get(&server.url(&path), BROWSER_UA).await;
        let doc = scraper::Html::parse_document(&page);
        let own = select(&doc, "time.published")[0]
            .value()
            .attr("datetime")
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second();
        if own >= now() - 2 * 86_400 + 60 {
            assert!(titles.contains(title), "{title} is recent news");
            recent += 1;
        }
    }
    assert!(recent > 0, "no recent line checked");

    for missing in [
        "/sitemaps/articles-0.xml",
        "/sitemaps/articles-2.xml",
        "/sitemaps/articles-01.xml",
        "/sitemaps/other.xml",
    ] {
        let (status, _) = get(&server.url(missing), BROWSER_UA).await;
        assert_eq!(status, 404, "{missing}");
    }
}

/// An XML element with its attributes, children and text (entities resolved).
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Descendants named `name`, in document order.
    fn all(&self, name: &str) -> Vec<&El> {
        let mut out = Vec::new();
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            out.extend(c.all(name));
        }
        out
    }
}

/// Parses a whole document, panicking on anything that is not well-formed:
/// mismatched tags, undefined entities, more than one root.
/// The text an HTML fragment shows, as a reader would display it.
fn html_text(html: &str) -> String {
    scraper::Html::parse_fragment(html)
        .root_element()
        .text()
        .collect()
}

fn parse_xml(s: &str) -> El {
    fn element(e: &quick_xml::events::BytesStart<'_>) -> El {
        El {
            name: e.name().as_ref().to_string(),
            attrs: e
                .attributes()
                .map(|a| {
                    let a = a.expect("well-formed attribute");
                    (
                        a.key.as_ref().to_string(),
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .expect("attribute value")
                            .into_owned(),
                    )
                })
                .collect(),
            ..El::default()
        }
    }
    let mut reader = quick_xml::Reader::from_str(s);
    reader.config_mut().check_end_names = true;
    let mut stack = vec![El::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let el = element(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().expect("balanced tags").children.push(el);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t),
            Event::CData(t) => stack.last_mut().unwrap().text.push_str(&t),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("character reference") {
                    Some(c) => c,
                    None => match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => panic!("undefined entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut top = stack.pop().unwrap();
    assert_eq!(top.children.len(), 1, "one root element");
    top.children.pop().unwrap()
}

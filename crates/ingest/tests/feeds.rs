//! Every feed format from the committed samples, the pre-processing layer, charsets, and
//! feed faults served over HTTP.

use jiff::tz::TimeZone;
use newsroom_ingest::feed::{FeedErrorClass, FeedFormat, ParseOptions, parse_feed};
use newsroom_ingest::testkit::TestServer;
use newsroom_ingest::{FetchConfig, FetchOutcome, FetchRequest, Fetcher};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn parse(name: &str) -> newsroom_ingest::ParsedFeed {
    parse_with(name, TimeZone::UTC)
}

fn parse_with(name: &str, tz: TimeZone) -> newsroom_ingest::ParsedFeed {
    let opts = ParseOptions {
        base_url: Some(format!("https://feeds.example/{name}")),
        http_charset: None,
        time_zone: tz,
    };
    parse_feed(&fixture(name), &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const MAY1_10UTC: i64 = 1714557600;

#[test]
fn rss_091_with_netscape_doctype() {
    let f = parse("rss091.xml");
    assert_eq!(f.format, FeedFormat::Rss0);
    assert_eq!(f.title, "Harbour Gazette");
    assert_eq!(f.language.as_deref(), Some("en-gb"));
    assert_eq!(f.items.len(), 2);
    assert_eq!(
        f.items[0].url.as_deref(),
        Some("https://harbour-gazette.example/news/ferry-winter.html")
    );
    assert_eq!(f.items[0].guid, None, "no guid in the feed, none made up");
    assert_eq!(
        f.items[1].summary_html.as_deref(),
        Some("Both were brought ashore safely & checked by paramedics.")
    );
}

#[test]
fn rss_10_rdf() {
    let f = parse_with("rss10.rdf", TimeZone::get("Europe/Berlin").unwrap());
    assert_eq!(f.format, FeedFormat::Rss1);
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.items[0].title, "Komet bei Tageslicht sichtbar");
    assert_eq!(f.items[0].author.as_deref(), Some("Anna Schmidt"));
    assert_eq!(f.items[0].published, Some(MAY1_10UTC));
    // Zoneless dc:date in the source's zone (Berlin, UTC+2 in May).
    assert_eq!(f.items[1].published, Some(MAY1_10UTC - 150 * 60));
}

#[test]
fn rss_20_with_media_and_entities() {
    let f = parse("rss20-media.xml");
    assert_eq!(f.format, FeedFormat::Rss2);
    assert_eq!(f.title, "City Daily – Top Stories");
    assert_eq!(f.site_url.as_deref(), Some("https://citydaily.example/"));
    assert_eq!(f.items.len(), 3);
    let a = &f.items[0];
    assert_eq!(
        a.title, "Council approves new tram line to the airport",
        "&nbsp; read, and spaces in titles normalised"
    );
    assert_eq!(a.guid.as_deref(), Some("citydaily-84213"));
    assert_eq!(a.published, Some(MAY1_10UTC));
    assert_eq!(a.author.as_deref(), Some("Maria Lopez"));
    assert_eq!(a.language.as_deref(), Some("en-us"));
    assert!(a.content_html.as_deref().unwrap().contains("opens in 2027"));
    assert!(
        a.summary_html.as_deref().unwrap().contains("31&ndash;12"),
        "CDATA is left as HTML"
    );
    let img = a.image.as_ref().unwrap();
    assert_eq!(
        (img.url.as_str(), img.width, img.height),
        (
            "https://cdn.citydaily.example/img/tram-1200.jpg",
            Some(1200),
            Some(675)
        )
    );
    assert_eq!(a.categories, ["Transport"]);
    let v = &f.items[1];
    assert_eq!(
        v.video.as_ref().unwrap().url,
        "https://cdn.citydaily.example/video/storm.mp4"
    );
    assert_eq!(
        v.image.as_ref().unwrap().url,
        "https://cdn.citydaily.example/img/storm-thumb.jpg"
    );
    assert_eq!(v.author.as_deref(), Some("Tom Reed"));
    assert_eq!(
        v.published,
        Some(MAY1_10UTC - 1800),
        "11:30 +0200 is 09:30Z"
    );
    let m = &f.items[2];
    assert_eq!(
        m.image.as_ref().unwrap().url,
        "https://cdn.citydaily.example/img/markets.png"
    );
    assert_eq!(m.published, Some(1714517100), "EST is UTC-5");
}

#[test]
fn rss_without_version_sql_dates_and_html_entities() {
    let f = parse_with("rss-noversion.xml", TimeZone::get("Europe/Kyiv").unwrap());
    assert_eq!(f.format, FeedFormat::Rss2);
    assert_eq!(f.items.len(), 2);
    assert_eq!(
        f.items[0].published,
        Some(MAY1_10UTC),
        "13:00 Kyiv summer time"
    );
    assert_eq!(f.items[1].published, Some(MAY1_10UTC + 7 * 3600 + 15 * 60));
    assert_eq!(
        f.items[0].url.as_deref(),
        Some("https://feeds.example/news/bridge-reopens"),
        "relative links resolved"
    );
    let d = f.items[0].summary_html.as_deref().unwrap();
    assert!(d.contains('\u{a0}') && d.contains('—'), "{d}");
    assert!(
        f.items[1]
            .summary_html
            .as_deref()
            .unwrap()
            .contains("AT&T sponsored"),
        "a bare ampersand survives"
    );
}

#[test]
fn rss_201() {
    let f = parse("rss201.xml");
    assert_eq!(f.items.len(), 1);
    assert_eq!(f.items[0].published, Some(MAY1_10UTC - 2 * 3600));
}

#[test]
fn atom_03() {
    let f = parse("atom03.xml");
    assert_eq!(f.format, FeedFormat::Atom);
    assert_eq!(f.title, "Old Blog Network");
    let e = &f.items[0];
    assert_eq!(e.guid.as_deref(), Some("tag:oldblog.example,2024:atom-03"));
    assert_eq!(
        e.url.as_deref(),
        Some("https://oldblog.example/2024/05/atom-03")
    );
    assert_eq!(e.published, Some(MAY1_10UTC - 3600));
    assert_eq!(e.updated, Some(MAY1_10UTC));
    assert!(
        e.content_html
            .as_deref()
            .unwrap()
            .contains("<em>still</em>"),
        "{:?}",
        e.content_html
    );
}

#[test]
fn atom_10() {
    let f = parse("atom10.xml");
    assert_eq!(f.format, FeedFormat::Atom);
    assert_eq!(f.site_url.as_deref(), Some("https://quotidien.example/"));
    assert_eq!(f.items.len(), 2);
    let e = &f.items[0];
    assert_eq!(
        e.title, "La mairie adopte le budget",
        "HTML titles become text"
    );
    assert_eq!(
        e.url.as_deref(),
        Some("https://quotidien.example/2024/05/01/budget"),
        "not the replies link"
    );
    assert_eq!(e.published, Some(MAY1_10UTC - 3 * 3600));
    assert_eq!(e.updated, Some(MAY1_10UTC - 3 * 3600 + 1800));
    assert_eq!(e.author.as_deref(), Some("Claire Martin"));
    assert_eq!(e.language.as_deref(), Some("fr"));
    // No <published>: the update time stands in.
    assert_eq!(f.items[1].published, Some(MAY1_10UTC - 4 * 3600));
    assert!(
        f.items[1]
            .content_html
            .as_deref()
            .unwrap()
            .contains("Le marché revient.")
    );
}

#[test]
fn json_feed_10_and_11() {
    let f = parse("jsonfeed10.json");
    assert_eq!(f.format, FeedFormat::JsonFeed);
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.items[0].guid.as_deref(), Some("2024-05-01-rust"));
    assert_eq!(f.items[0].published, Some(MAY1_10UTC));
    assert_eq!(
        f.items[0].image.as_ref().map(|i| i.url.as_str()),
        Some("https://technotes.example/img/rust.png")
    );
    assert_eq!(
        f.items[1].published,
        Some(MAY1_10UTC - 16 * 3600),
        "a non-RFC 3339 date is rescued"
    );
    let g = parse("jsonfeed11.json");
    assert_eq!(g.items.len(), 1);
    let i = &g.items[0];
    assert_eq!(i.published, Some(MAY1_10UTC - 3 * 3600 - 45 * 60));
    assert_eq!(i.author.as_deref(), Some("Ola Berg"));
    assert_eq!(
        i.video.as_ref().map(|v| v.url.as_str()),
        Some("https://fieldreports.example/v/barrier.mp4")
    );
}

#[test]
fn legacy_charsets() {
    let f = parse("rss-cp1251.xml");
    assert_eq!(f.title, "Новости дня");
    assert_eq!(f.items[0].title, "В городе открыли новый мост");
    assert_eq!(f.items[0].published, Some(MAY1_10UTC));
    let g = parse("rss-latin1.xml");
    assert_eq!(g.title, "Journal de la Côte");
    assert_eq!(g.items[0].title, "Fête de la mer à Saint-Malo");
    // Wrong header charset on the same bytes.
    let opts = ParseOptions {
        http_charset: Some("utf-8".into()),
        ..Default::default()
    };
    assert_eq!(
        parse_feed(&fixture("rss-cp1251.xml"), &opts).unwrap().title,
        "Новости дня"
    );
}

#[test]
fn an_edited_title_keeps_no_made_up_id() {
    // Without ids, an item is known by its link: a title edit must not change identity.
    let a = b"<rss version=\"2.0\"><channel><item><title>One</title><link>https://x.example/1</link></item></channel></rss>";
    let b = b"<rss version=\"2.0\"><channel><item><title>One (updated)</title><link>https://x.example/1</link></item></channel></rss>";
    let fa = parse_feed(a, &ParseOptions::default()).unwrap();
    let fb = parse_feed(b, &ParseOptions::default()).unwrap();
    assert_eq!(fa.items[0].guid, None);
    assert_eq!(fa.items[0].url, fb.items[0].url);
}

#[test]
fn refusals() {
    let o = ParseOptions::default();
    assert_eq!(
        parse_feed(b"<!DOCTYPE html><html><body>hi</body></html>", &o)
            .unwrap_err()
            .class,
        FeedErrorClass::NotAFeed
    );
    assert_eq!(
        parse_feed(b"{\"hello\": 1}", &o).unwrap_err().class,
        FeedErrorClass::NotAFeed
    );
    assert_eq!(
        parse_feed(b"<rss version=\"2.0\"><channel><item>", &o)
            .map(|f| f.items.len())
            .unwrap_or(0),
        0
    );
    assert_eq!(
        parse_feed(newsroom_ingest::testkit::ENTITY_BOMB.as_bytes(), &o)
            .unwrap_err()
            .class,
        FeedErrorClass::Parse
    );
    assert_eq!(
        parse_feed(newsroom_ingest::testkit::CHALLENGE_PAGE.as_bytes(), &o)
            .unwrap_err()
            .class,
        FeedErrorClass::BotWall
    );
    let huge = vec![b' '; newsroom_ingest::feed::MAX_FEED_BYTES + 1];
    assert_eq!(
        parse_feed(&huge, &o).unwrap_err().class,
        FeedErrorClass::TooLarge
    );
}

#[tokio::test]
async fn feed_faults_over_http() {
    let s = TestServer::with_faults().await;
    let f = Fetcher::new(FetchConfig {
        allow_private_networks: true,
        ..FetchConfig::default()
    })
    .unwrap();
    let get = |path: &str| {
        let f = f.clone();
        let url = s.url(path);
        async move {
            match f.fetch(&FetchRequest::feed(url.clone())).await.unwrap() {
                FetchOutcome::Fetched(x) => parse_feed(
                    &x.body,
                    &ParseOptions {
                        base_url: Some(x.url),
                        http_charset: x.charset,
                        ..Default::default()
                    },
                ),
                other => panic!("{other:?}"),
            }
        }
    };
    let wrong = get("/fault/wrong-charset").await.unwrap();
    assert_eq!(wrong.title, "Новости");
    assert_eq!(
        get("/fault/entity-bomb").await.unwrap_err().class,
        FeedErrorClass::Parse
    );
    assert_eq!(
        get("/fault/html").await.unwrap_err().class,
        FeedErrorClass::NotAFeed
    );
    assert_eq!(get("/fault/slow").await.unwrap().items.len(), 3);
}

fn parse_text(xml: &str) -> newsroom_ingest::ParsedFeed {
    parse_feed(xml.as_bytes(), &ParseOptions::default()).unwrap_or_else(|e| panic!("{xml}: {e}"))
}

/// Titles as readers should see them, whatever markup or encoding the feed used; and
/// feeds that feed-rs alone refuses over one text construct are read whole.
#[test]
fn titles_keep_their_words_and_lose_their_scripts() {
    let rss = parse_text(
        r#"<rss version="2.0"><channel><title>Desk &amp;amp; Co</title>
        <item><title>History of the &lt;blink&gt; tag</title><link>https://a.example/1</link></item>
        <item><title>A &lt;b&gt;bold&lt;/b&gt; claim</title><link>https://a.example/2</link></item>
        <item><title><![CDATA[Safe<script>alert(1)</script> title<!-- x -->]]></title><link>https://a.example/3</link></item>
        <item><title>Prices &lt; 5% and &gt; 2%</title><link>https://a.example/4</link></item>
        </channel></rss>"#,
    );
    let titles: Vec<&str> = rss.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "History of the <blink> tag",
            "A bold claim",
            "Safe title",
            "Prices < 5% and > 2%"
        ]
    );
    assert_eq!(rss.title, "Desk & Co");

    // Atom 0.3 with MIME types and modes, base64 included: feed-rs refuses every one of
    // these forms on its own, and with it the whole feed.
    let atom03 = parse_text(
        r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#">
        <title type="text/plain" mode="escaped">Old &amp; plain</title>
        <entry><title type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml">In <b>XHTML</b></div></title>
          <link rel="alternate" type="text/html" href="https://b.example/1"/>
          <content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body</p></div></content></entry>
        <entry><title type="text/html" mode="base64">PGI+QmFzZTY0PC9iPiB0aXRsZQ==</title><link rel="alternate" type="text/html" href="https://b.example/2"/></entry>
        <entry><title type="text/html" mode="escaped">safe&lt;script type="text/javascript">location.href='x';&lt;/script> description</title><link rel="alternate" type="text/html" href="https://b.example/3"/></entry>
        </feed>"#,
    );
    assert_eq!(atom03.title, "Old & plain");
    let titles: Vec<&str> = atom03.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["In XHTML", "Base64 title", "safe description"]);
    assert!(
        atom03.items[0]
            .content_html
            .as_deref()
            .unwrap()
            .contains("Body")
    );

    // Atom 1.0: a summary in a non-text MIME type is base64; a draft namespace is Atom.
    let atom10 = parse_text(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">A &lt;i&gt;site&lt;/i&gt;</title>
        <entry><title>T</title><link href="https://c.example/1"/>
        <summary type="application/octet-stream">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</summary></entry></feed>"#,
    );
    assert_eq!(atom10.title, "A site");
    assert_eq!(
        atom10.items[0].summary_html.as_deref(),
        Some("Example <b>Atom</b>")
    );
    let pie = parse_text(
        r#"<feed version="0.3" xmlns="http://purl.org/pie/"><title>Pie era</title></feed>"#,
    );
    assert_eq!(pie.title, "Pie era");
}

/// RSS 0.90 (Netscape's RDF namespace) and RSS 2.0 under UserLand's namespace are read.
#[test]
fn early_rss_namespaces() {
    let rss090 = parse_text(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
        <channel><title>Netscape era</title><link>https://n.example/</link></channel>
        <item><title>Item title</title><link>https://n.example/1</link></item></rdf:RDF>"#,
    );
    assert_eq!(rss090.title, "Netscape era");
    assert_eq!(rss090.items[0].title, "Item title");
    let userland = parse_text(
        r#"<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>UserLand</title>
        <item><title>Namespaced item</title><link>https://u.example/1</link></item></channel></rss>"#,
    );
    assert_eq!(userland.items[0].title, "Namespaced item");
}

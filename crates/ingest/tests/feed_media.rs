//! Media in feeds, wherever real feeds put it: Media RSS thumbnails and content directly
//! under the item or entry (BBC style), inside `media:group` and inside `media:content`;
//! enclosures judged by type, then by file extension; Atom `link rel="enclosure"`;
//! `itunes:image`; JSON Feed `image`, `banner_image` and attachments. Also the publisher's
//! polling hints (`<ttl>`, `sy:updatePeriod`).

use newsroom_ingest::feed::{ParseOptions, parse_feed};

fn parse(name: &str) -> newsroom_ingest::ParsedFeed {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let opts = ParseOptions {
        base_url: Some(format!("https://feeds.example/{name}")),
        ..Default::default()
    };
    parse_feed(&bytes, &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn image(f: &newsroom_ingest::ParsedFeed, i: usize) -> Option<&str> {
    f.items[i].image.as_ref().map(|m| m.url.as_str())
}

fn video(f: &newsroom_ingest::ParsedFeed, i: usize) -> Option<&str> {
    f.items[i].video.as_ref().map(|v| v.url.as_str())
}

#[test]
fn media_rss_bbc_style_groups_enclosures_and_itunes() {
    let f = parse("media-bbc.xml");
    assert_eq!(f.items.len(), 6);
    // media:thumbnail directly under the item, no media:content: the largest one.
    let img = f.items[0].image.as_ref().expect("BBC-style thumbnail");
    assert_eq!(img.url, "https://ichef.northshire.example/976/bridge.jpg");
    assert_eq!((img.width, img.height), (Some(976), Some(549)));
    assert_eq!(video(&f, 0), None);
    // media:content inside media:group: the largest, with the group's title as alt text.
    let img = f.items[1].image.as_ref().unwrap();
    assert_eq!(img.url, "https://img.northshire.example/fair-large.jpg");
    assert_eq!(img.alt, "Stalls on the green");
    // An enclosure without a type, by its .webm extension.
    assert_eq!(
        video(&f, 2),
        Some("https://video.northshire.example/floods.webm")
    );
    assert_eq!(image(&f, 2), None);
    // application/octet-stream says nothing: the extension (.MOV, query and all) decides;
    // an untyped .jpeg enclosure is the image.
    assert_eq!(
        video(&f, 3),
        Some("https://video.northshire.example/mayor.MOV?token=abc")
    );
    assert_eq!(
        image(&f, 3),
        Some("https://img.northshire.example/mayor.jpeg")
    );
    // An audio enclosure is neither; the episode's itunes:image is the picture, and the
    // channel's artwork is nobody's.
    assert_eq!(video(&f, 4), None);
    assert_eq!(
        image(&f, 4),
        Some("https://northshire.example/episodes/week.jpg")
    );
    assert!(f.items.iter().all(|i| {
        i.image
            .as_ref()
            .is_none_or(|m| !m.url.contains("show-artwork"))
    }));
    // medium="video" without a type, with a thumbnail nested in media:content.
    assert_eq!(
        video(&f, 5),
        Some("https://video.northshire.example/regatta")
    );
    assert_eq!(
        image(&f, 5),
        Some("https://img.northshire.example/regatta.jpg")
    );
}

#[test]
fn atom_thumbnails_and_enclosure_links() {
    let f = parse("media-atom.xml");
    assert_eq!(f.items.len(), 3);
    // media:thumbnail directly under the entry, under another prefix.
    assert_eq!(
        image(&f, 0),
        Some("https://valley-courier.example/img/roof.jpg")
    );
    // link rel="enclosure" with a video type; the page link stays the alternate one.
    assert_eq!(
        video(&f, 1),
        Some("https://media.valley-courier.example/ferry.mp4")
    );
    assert_eq!(
        f.items[1].url.as_deref(),
        Some("https://valley-courier.example/2024/05/ferry")
    );
    // Untyped .webm and a typed image, both relative: resolved against the feed.
    assert_eq!(
        video(&f, 2),
        Some("https://feeds.example/media/harvest.webm")
    );
    assert_eq!(
        image(&f, 2),
        Some("https://feeds.example/media/harvest.png")
    );
    assert_eq!(
        f.items[2].url.as_deref(),
        Some("https://valley-courier.example/2024/05/harvest")
    );
}

#[test]
fn json_feed_image_banner_and_attachments() {
    let f = parse("jsonfeed-media.json");
    assert_eq!(image(&f, 0), Some("https://hill-herald.example/img/a.jpg"));
    assert_eq!(
        image(&f, 1),
        Some("https://hill-herald.example/img/b-banner.jpg")
    );
    // The attachment's type decides, whatever its extension; audio is passed over.
    assert_eq!(
        video(&f, 2),
        Some("https://hill-herald.example/video/c.bin")
    );
    assert_eq!(
        video(&f, 3),
        Some("https://hill-herald.example/video/d.m4v")
    );
}

#[test]
fn ttl_and_update_period_become_the_publisher_interval() {
    // <ttl>15</ttl> and hourly/2 (30 minutes): the larger.
    assert_eq!(parse("media-bbc.xml").publisher_interval, Some(1800));
    assert_eq!(parse("media-atom.xml").publisher_interval, None);
    let rss = |channel: &str| {
        let xml = format!(
            r#"<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>{channel}<item><title>a</title><link>https://x.example/a</link></item></channel></rss>"#
        );
        parse_feed(xml.as_bytes(), &ParseOptions::default())
            .unwrap()
            .publisher_interval
    };
    assert_eq!(rss("<ttl>90</ttl>"), Some(5400));
    assert_eq!(rss("<sy:updatePeriod>daily</sy:updatePeriod>"), Some(86400));
    assert_eq!(rss("<sy:updateFrequency>4</sy:updateFrequency>"), Some(900));
    assert_eq!(rss(""), None);
    // Both given: the larger wins.
    assert_eq!(
        rss("<sy:updatePeriod>weekly</sy:updatePeriod><ttl>1</ttl>"),
        Some(7 * 86400)
    );
}

//! `newsroom feed parse [--url URL] FILE|-`: what newsroom reads from one feed file, as
//! JSON, for an operator finding out why a feed looks wrong.

use crate::cli::{FeedCommand, FeedParseArgs, Global};
use crate::cmd::load_config;
use anyhow::{Context, Result, anyhow};
use newsroom_ingest::feed::{FeedFormat, FeedItem, ParseOptions, ParsedFeed, parse_feed};
use serde_json::{Value, json};
use std::io::{Read, Write};

pub fn run(global: &Global, cmd: FeedCommand) -> Result<()> {
    match cmd {
        FeedCommand::Parse(args) => parse(global, args),
    }
}

fn parse(global: &Global, args: FeedParseArgs) -> Result<()> {
    let bytes = match args.file.as_str() {
        "-" => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read standard input")?;
            buf
        }
        path => std::fs::read(path).with_context(|| format!("cannot read {path}"))?,
    };
    // Zoneless dates are read in the site's time zone, as `fetch` reads them.
    let time_zone = match &args.time_zone {
        Some(z) => z.clone(),
        None => load_config(global)?.site.time_zone,
    };
    let opts = ParseOptions {
        base_url: args.url.clone(),
        http_charset: args.charset.clone(),
        time_zone: jiff::tz::TimeZone::get(&time_zone)
            .with_context(|| format!("{time_zone:?} is not an IANA time zone"))?,
    };
    let feed = parse_feed(&bytes, &opts)
        .map_err(newsroom_ingest::FetchError::from)
        .map_err(|e| anyhow!("{}: {} ({})", args.file, e.human(), e.class))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &feed_json(&feed))?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

fn format_name(f: FeedFormat) -> &'static str {
    match f {
        FeedFormat::Atom => "atom",
        FeedFormat::Rss0 => "rss0.9x",
        FeedFormat::Rss1 => "rss1.0",
        FeedFormat::Rss2 => "rss2.0",
        FeedFormat::JsonFeed => "jsonfeed",
    }
}

fn time(t: Option<i64>) -> Value {
    t.and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or(Value::Null, |ts| Value::String(ts.to_string()))
}

pub fn feed_json(feed: &ParsedFeed) -> Value {
    json!({
        "format": format_name(feed.format),
        "title": feed.title,
        "site_link": feed.site_url,
        "language": feed.language,
        "publisher_interval_secs": feed.publisher_interval,
        "items": feed.items.iter().map(item_json).collect::<Vec<_>>(),
    })
}

fn item_json(i: &FeedItem) -> Value {
    json!({
        "guid": i.guid,
        "link": i.url,
        "title": i.title,
        "published": time(i.published),
        "updated": time(i.updated),
        "summary": i.summary_html,
        "content": i.content_html,
        "image": i.image,
        "video": i.video.as_ref().map(|v| &v.url),
        "author": i.author,
    })
}

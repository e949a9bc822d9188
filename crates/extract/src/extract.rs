//! Putting the signals together.

use crate::dom::Dom;
use crate::media::{Image, Video, absolutize, video_kind};
use crate::metadata::{normalise_lang, parse_time};
use crate::{charset, jsonld, metadata, prepass, sanitize, scoring, text};
use serde_json::{Value, json};

/// Input beyond this many bytes is not read: no news article needs more,
/// and it bounds time and memory on hostile input.
pub const MAX_INPUT: usize = 16 << 20;

/// What `extract` found. Times are UTC seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extracted {
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<i64>,
    pub modified: Option<i64>,
    /// Primary language subtag, lower case (`en`, `pt`).
    pub language: Option<String>,
    pub image: Option<Image>,
    pub video: Option<Video>,
    /// Main text, paragraphs separated by a blank line.
    pub text: String,
    /// Main content as sanitised HTML.
    pub html: String,
    /// How sure we are that `text` is an article body, 0..1.
    pub confidence: f32,
    /// The page's `<link rel="canonical">` href as written (maybe relative): ingestion
    /// judges it against the page's URL.
    pub canonical: Option<String>,
}

/// Extracts the article from a page. Pure and deterministic; never panics.
pub fn extract(html: &[u8], url: Option<&str>, http_charset: Option<&str>) -> Extracted {
    extract_with(html, url, http_charset, Options::default())
}

/// Switches for measuring the extractor, not for production use.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Use JSON-LD `articleBody` and explicit body markup to locate the
    /// article (default). Off, every page goes through the generic DOM
    /// statistics path, as a page without such markup would.
    pub structured_body: bool,
    /// Which tree builder parses the page.
    pub parser: Parser,
}

/// The tree builder behind extraction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parser {
    /// Our builder for the markup extraction reads (default): the HTML
    /// implied-end-tag rules that decide which block text belongs to,
    /// without a general DOM. See `parse` for why.
    #[default]
    Fast,
    /// html5ever's spec-complete tree builder: the reference the fast
    /// builder is tested against, at about 2.5x its parse cost.
    Html5ever,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            structured_body: true,
            parser: Parser::Fast,
        }
    }
}

/// `extract` with explicit `Options`.
pub fn extract_with(
    html: &[u8],
    url: Option<&str>,
    http_charset: Option<&str>,
    options: Options,
) -> Extracted {
    let bytes = &html[..html.len().min(MAX_INPUT)];
    let decoded = charset::decode_cow(bytes, http_charset);
    let prepared = prepass::prepare(&decoded);
    drop(decoded);
    let dom = match options.parser {
        Parser::Fast => crate::parse::build(&prepared.html),
        Parser::Html5ever => crate::parse_html5ever::build(&prepared.html),
    };
    let ld = jsonld::parse(&prepared.jsonld);
    let meta = metadata::collect(&dom);
    let base = url.and_then(|u| url::Url::parse(u).ok()).or_else(|| {
        meta.canonical
            .as_deref()
            .and_then(|c| url::Url::parse(c).ok())
    });

    let mut out = Extracted::default();
    // JSON-LD articleBody, when long, tells which DOM element is the article.
    // A short or ellipsised one is a teaser and would pick one paragraph.
    let ld_anchor = ld
        .body
        .as_deref()
        .map(str::trim_end)
        .filter(|b| {
            options.structured_body
                && b.chars().count() >= 800
                && !b.ends_with('…')
                && !b.ends_with("...")
        })
        .map(scoring::anchor);
    let titles: Vec<&str> = [
        ld.headline.as_deref(),
        meta.get(&["og:title"]),
        meta.title.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let sel = scoring::select_with(&dom, ld_anchor.as_ref(), options.structured_body, &titles);
    let (mut body_text, mut body_html) = match &sel {
        Some(s) => (
            text::render_text(&dom, s),
            text::render_html(&dom, s, base.as_ref()),
        ),
        None => (String::new(), String::new()),
    };

    // JSON-LD articleBody is the fallback when the DOM held little text:
    // pages that render the article with script, or with an unusual layout.
    let ld_body = ld
        .body
        .as_deref()
        .map(str::trim)
        .filter(|b| b.chars().count() >= 200);
    let mut from_ld = false;
    if let Some(b) = ld_body.filter(|_| options.structured_body)
        && body_text.chars().count() * 2 < b.chars().count()
    {
        let paras: Vec<&str> = b
            .split('\n')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        body_text = paras.join("\n\n");
        body_html.clear();
        for p in &paras {
            body_html.push_str("<p>");
            sanitize::escape(&mut body_html, p, false);
            body_html.push_str("</p>");
        }
        from_ld = true;
    }
    out.text = body_text;
    // Already within the allow-list by construction (see `text::render_html`).
    out.html = body_html;

    out.title = ld
        .headline
        .clone()
        .or_else(|| meta.get(&["og:title", "twitter:title"]).map(str::to_string))
        .or_else(|| meta.h1.clone())
        .or_else(|| meta.title.clone())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
    out.author = ld
        .author
        .clone()
        .or_else(|| {
            meta.get(&[
                "author",
                "article:author",
                "byl",
                "dc.creator",
                "parsely-author",
                "sailthru.author",
            ])
            .filter(|a| !a.starts_with("http"))
            .map(str::to_string)
        })
        .or_else(|| meta.micro_author.clone())
        .or_else(|| meta.rel_author.clone())
        .map(|a| {
            a.trim_start_matches("By ")
                .trim_start_matches("by ")
                .trim()
                .to_string()
        })
        .filter(|a| !a.is_empty());
    out.published = ld
        .published
        .as_deref()
        .and_then(parse_time)
        .or_else(|| {
            meta.get(&[
                "article:published_time",
                "datepublished",
                "date",
                "dc.date",
                "dc.date.issued",
                "pubdate",
                "publishdate",
                "og:published_time",
                "sailthru.date",
                "parsely-pub-date",
            ])
            .and_then(parse_time)
        })
        .or_else(|| meta.time_datetime.as_deref().and_then(parse_time));
    out.modified = ld.modified.as_deref().and_then(parse_time).or_else(|| {
        meta.get(&[
            "article:modified_time",
            "og:updated_time",
            "datemodified",
            "last-modified",
        ])
        .and_then(parse_time)
    });
    out.canonical = meta.canonical.clone();
    out.language = meta
        .lang
        .as_deref()
        .and_then(normalise_lang)
        .or_else(|| ld.language.as_deref().and_then(normalise_lang))
        .or_else(|| {
            meta.get(&["og:locale", "content-language", "language", "dc.language"])
                .and_then(normalise_lang)
        });

    out.image = meta
        .get(&[
            "og:image",
            "og:image:url",
            "og:image:secure_url",
            "twitter:image",
            "twitter:image:src",
        ])
        .map(|u| Image {
            url: absolutize(u, base.as_ref()),
            alt: meta
                .get(&["og:image:alt", "twitter:image:alt"])
                .map(str::to_string),
            width: meta.get(&["og:image:width"]).and_then(|w| w.parse().ok()),
            height: meta.get(&["og:image:height"]).and_then(|w| w.parse().ok()),
        })
        .or_else(|| {
            ld.image.as_deref().map(|u| Image {
                url: absolutize(u, base.as_ref()),
                ..Image::default()
            })
        })
        .or_else(|| {
            sel.as_ref()
                .and_then(|s| first_image(&dom, s, base.as_ref()))
        });
    out.video = find_video(&dom, &meta, &ld, base.as_ref());

    out.confidence = confidence(&out, sel.as_ref(), &ld, &meta, from_ld, &prepared);
    out
}

fn first_image(dom: &Dom, sel: &scoring::Selection, base: Option<&url::Url>) -> Option<Image> {
    let end = dom.nodes[sel.root].end as usize;
    (sel.root..end)
        .filter(|&i| dom.nodes[i].tag == crate::dom::Tag::Img && !sel.dead[i])
        .find_map(|i| {
            let src = crate::media::pick_img_src(|a| dom.attr(i, a))?;
            Some(Image {
                url: absolutize(&src, base),
                alt: dom
                    .attr(i, "alt")
                    .map(str::to_string)
                    .filter(|a| !a.is_empty()),
                width: dom.attr(i, "width").and_then(|w| w.parse().ok()),
                height: dom.attr(i, "height").and_then(|w| w.parse().ok()),
            })
        })
}

fn find_video(
    dom: &Dom,
    meta: &metadata::Meta,
    ld: &jsonld::LdArticle,
    base: Option<&url::Url>,
) -> Option<Video> {
    let from_meta = meta
        .get(&[
            "og:video:secure_url",
            "og:video:url",
            "og:video",
            "twitter:player",
        ])
        .or(ld.video.as_deref())
        .map(|u| absolutize(u, base));
    if let Some(u) = from_meta {
        let kind = video_kind(&u).unwrap_or("embed");
        return Some(Video { url: u, kind });
    }
    for (i, n) in dom.nodes.iter().enumerate() {
        let src = match n.tag {
            crate::dom::Tag::Iframe => dom.attr(i, "src").or_else(|| dom.attr(i, "data-src")),
            crate::dom::Tag::Video | crate::dom::Tag::Source => dom.attr(i, "src"),
            _ => None,
        };
        if let Some(src) = src {
            let u = absolutize(src, base);
            if let Some(kind) = video_kind(&u) {
                return Some(Video { url: u, kind });
            }
        }
    }
    None
}

/// A rough probability that `text` is a real article body: enough good
/// paragraph text, a container that is mostly such text, and agreement
/// from structured data.
fn confidence(
    out: &Extracted,
    sel: Option<&scoring::Selection>,
    ld: &jsonld::LdArticle,
    meta: &metadata::Meta,
    from_ld: bool,
    prepared: &prepass::Prepared,
) -> f32 {
    let chars = out.text.chars().filter(|c| !c.is_whitespace()).count() as f32;
    if chars == 0.0 {
        return 0.0;
    }
    let mut c = 0.0f32;
    if let Some(s) = sel {
        let amount = (s.good as f32 / 1500.0).min(1.0).sqrt();
        let purity = if s.total > 0 {
            s.good as f32 / s.total as f32
        } else {
            0.0
        };
        let share = if s.doc_good > 0 {
            s.good as f32 / s.doc_good as f32
        } else {
            0.0
        };
        c += 0.5 * amount + 0.15 * purity + 0.1 * share;
    } else if from_ld {
        c += 0.35;
    }
    let article_meta = ld.is_article
        || meta
            .get(&["og:type"])
            .is_some_and(|t| t.eq_ignore_ascii_case("article"));
    if article_meta {
        c += 0.15;
    }
    if out.title.is_some() {
        c += 0.05;
    }
    if out.published.is_some() {
        c += 0.05;
    }
    if prepared.truncated || prepared.depth_capped {
        c *= 0.5;
    }
    // Prose is mostly letters and spaces; decoded binary or mojibake is not.
    let total = out.text.chars().count().max(1) as f32;
    let prose = out
        .text
        .chars()
        .filter(|ch| ch.is_alphabetic() || ch.is_whitespace())
        .count() as f32;
    c *= ((prose / total - 0.6) / 0.25).clamp(0.0, 1.0);
    c.clamp(0.0, 1.0)
}

fn rfc3339(t: Option<i64>) -> Value {
    t.and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or(Value::Null, |ts| Value::String(ts.to_string()))
}

/// The CLI contract object: `title`, `text`, `html`, `image`, `video`,
/// `published`, `author`, `language`, `confidence`; missing values are null,
/// times RFC 3339, `image` and `video` are URL strings.
pub fn contract_json(e: &Extracted) -> Value {
    let opt = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
    let nonempty = |s: &str| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::String(s.to_string())
        }
    };
    json!({
        "title": opt(&e.title),
        "text": nonempty(&e.text),
        "html": nonempty(&e.html),
        "image": e.image.as_ref().map_or(Value::Null, |i| Value::String(i.url.clone())),
        "video": e.video.as_ref().map_or(Value::Null, |v| Value::String(v.url.clone())),
        "published": rfc3339(e.published),
        "author": opt(&e.author),
        "language": opt(&e.language),
        "confidence": (e.confidence as f64 * 1000.0).round() / 1000.0,
    })
}

//! Files the binary serves itself: stylesheet, page script, favicons, robots.txt.

use crate::state::Shared;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub const SITE_CSS: &str = include_str!("../../static/site.css");
pub const SITE_JS: &str = include_str!("../../static/site.js");
pub(crate) const FAVICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">\
<rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#b3261e\"/>\
<path d=\"M9 24V8h3l8 11V8h3v16h-3l-8-11v11z\" fill=\"#fff\"/></svg>";

/// Changes whenever a served asset changes, so asset URLs can be cached forever.
pub fn asset_version() -> String {
    let mut h = blake3::Hasher::new();
    h.update(SITE_CSS.as_bytes());
    h.update(SITE_JS.as_bytes());
    h.finalize().to_hex()[..10].to_string()
}

fn with(content_type: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

const FOREVER: &str = "public, max-age=31536000, immutable";
const A_DAY: &str = "public, max-age=86400";
/// An asset asked for without the current `?v=` (an old page, a typed
/// address) may change under that address: kept briefly, revalidated by ETag.
const BRIEFLY: &str = "public, max-age=300";

/// Forever only for the address that names this exact version (`?v=`
/// once, as the templates write it); any other query is read leniently.
fn lifetime(state: &Shared, q: &RawQuery) -> &'static str {
    let current = q.0.as_deref().is_some_and(|q| {
        q.split('&')
            .filter_map(|kv| kv.strip_prefix("v="))
            .eq([state.asset_version.as_str()])
    });
    if current { FOREVER } else { BRIEFLY }
}

pub async fn css(State(state): State<Shared>, q: RawQuery) -> Response {
    with("text/css; charset=utf-8", lifetime(&state, &q), SITE_CSS)
}

pub async fn js(State(state): State<Shared>, q: RawQuery) -> Response {
    with(
        "text/javascript; charset=utf-8",
        lifetime(&state, &q),
        SITE_JS,
    )
}

/// The files compressed at start (`respond::compress::Bodies::pin`).
pub fn pinned() -> Vec<Bytes> {
    vec![
        Bytes::from_static(SITE_CSS.as_bytes()),
        Bytes::from_static(SITE_JS.as_bytes()),
        Bytes::from_static(FAVICON_SVG.as_bytes()),
        Bytes::from(favicon_ico_bytes()),
    ]
}

pub async fn favicon_svg() -> Response {
    with("image/svg+xml", A_DAY, FAVICON_SVG)
}

pub async fn favicon_ico() -> Response {
    with("image/x-icon", A_DAY, favicon_ico_bytes())
}

pub async fn robots(State(state): State<Shared>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /admin/\n\nSitemap: {}/sitemap.xml\n",
        crate::public_base::current(&state)
    );
    with("text/plain; charset=utf-8", A_DAY, body)
}

/// A 32×32 ICO (one 32-bit BMP image): the SVG's red square with a white
/// border, drawn here so the binary needs no image files.
pub fn favicon_ico_bytes() -> Vec<u8> {
    const N: u32 = 32;
    let mut pixels = Vec::with_capacity((N * N * 4) as usize);
    for y in 0..N {
        for x in 0..N {
            // BMP rows go bottom-up; the picture is symmetric, so only the colour matters.
            let edge = x < 3 || y < 3 || x >= N - 3 || y >= N - 3;
            let stem = (9..12).contains(&x) || (20..23).contains(&x);
            let diag = (8..24).contains(&y) && {
                let t = (N - 1 - y) as i32 - 8;
                let d = x as i32 - 9 - (t * 11 / 16);
                (0..3).contains(&d)
            };
            let letter = (8..24).contains(&y) && (stem || diag);
            let (b, g, r) = if letter || edge {
                (0xff, 0xff, 0xff)
            } else {
                (0x1e, 0x26, 0xb3)
            };
            pixels.extend_from_slice(&[b, g, r, 0xff]);
        }
    }
    let mask = vec![0u8; (N * N / 8) as usize];
    let bmp_len = 40 + pixels.len() + mask.len();
    let mut out = Vec::with_capacity(22 + bmp_len);
    out.extend_from_slice(&[0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&[N as u8, N as u8, 0, 0, 1, 0, 32, 0]);
    out.extend_from_slice(&(bmp_len as u32).to_le_bytes());
    out.extend_from_slice(&22u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&(N as i32).to_le_bytes());
    out.extend_from_slice(&((N * 2) as i32).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&32u16.to_le_bytes());
    out.extend_from_slice(&[0u8; 24]);
    out.extend_from_slice(&pixels);
    out.extend_from_slice(&mask);
    out
}

/// Placeholder pictures for the demo content (`/static/demo/{name}.svg`), drawn
/// here so the demo needs no network and no image files.
pub async fn demo_image(
    axum::extract::Path(name): axum::extract::Path<String>,
) -> crate::error::WebResult<Response> {
    let stem = name
        .strip_suffix(".svg")
        .filter(|s| s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .ok_or(crate::error::WebError::not_found())?;
    let hue = blake3::hash(stem.as_bytes()).as_bytes()[0] as u32 * 360 / 256;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1200 675\" width=\"1200\" height=\"675\">\
<defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\">\
<stop offset=\"0\" stop-color=\"hsl({hue},45%,38%)\"/><stop offset=\"1\" stop-color=\"hsl({h2},55%,22%)\"/></linearGradient></defs>\
<rect width=\"1200\" height=\"675\" fill=\"url(#g)\"/>\
<circle cx=\"930\" cy=\"190\" r=\"120\" fill=\"hsla({hue},80%,85%,0.25)\"/>\
<path d=\"M0 520 L260 400 L470 470 L720 330 L1200 480 L1200 675 L0 675 Z\" fill=\"hsla(0,0%,0%,0.35)\"/>\
<text x=\"48\" y=\"620\" font-family=\"sans-serif\" font-size=\"34\" fill=\"#fff\" opacity=\"0.85\">newsroom demo image</text></svg>",
        h2 = (hue + 40) % 360
    );
    Ok(with("image/svg+xml", A_DAY, svg))
}

//! URL canonicalisation.
//!
//! One article reaches us under many URLs: with campaign tags, with a
//! fragment, with an upper-case host, through a feed and through a page. The
//! canonical form is what identity and de-duplication compare, so it must be
//! a fixed point: canonicalising a canonical URL changes nothing.
//!
//! Only changes that cannot name a different resource are made. Path case is
//! kept, `http` is not upgraded, `www.` is not removed and trailing slashes
//! stay, because servers are free to treat those as different pages.

use crate::PublicUrl;
pub use crate::url_error::UrlError;
use url::Url;

/// Query parameters that only say how a reader arrived (campaign, click and
/// share trackers), never which page they get. Compared case-insensitively
/// after percent-decoding. Deliberately no bare `ref` or `source`: some sites
/// use those to select content.
const TRACKING_PARAMS: &[&str] = &[
    // Google Ads and Analytics
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "_ga",
    "_gl",
    // Meta, Microsoft, Yandex, Twitter/X, TikTok, LinkedIn
    "fbclid",
    "igshid",
    "igsh",
    "msclkid",
    "yclid",
    "ysclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "ref_src",
    "ref_url",
    // Mailchimp, HubSpot, Marketo, Vero, Yahoo
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatracking",
    "mkt_tok",
    "vero_id",
    "vero_conv",
    "guccounter",
    "guce_referrer",
    "guce_referrer_sig",
    // news-site share and analytics tags (AT Internet, comScore, NYT, MSN)
    "xtor",
    "at_medium",
    "at_campaign",
    "at_campaign_type",
    "at_link_id",
    "at_link_origin",
    "at_link_type",
    "at_format",
    "at_ptr_name",
    "at_bbc_team",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
    "smid",
    "smtyp",
    "ocid",
    "_openstat",
    "__twitter_impression",
];

/// Prefixes of tracking parameter families (Urchin/Google Analytics tags
/// such as `utm_source`, `utm_medium`, `utm_campaign`, ...).
const TRACKING_PREFIXES: &[&str] = &["utm_"];

/// The canonical form of an absolute http(s) URL.
pub fn canonicalize(url: &str) -> Result<String, UrlError> {
    let parsed = parse_http(url)?;
    canonical(parsed, url).map(String::from)
}

/// The canonical URL of a fetched page, respecting its
/// `<link rel="canonical">` when that is usable.
///
/// The link is resolved against the page URL. It is ignored when it is not
/// http(s), does not parse, or points at a home page (`/`) other than the
/// page's own: a CMS that stamps every article with the front page (or with
/// another site's front page) as canonical would otherwise fold all its
/// articles into one.
pub fn canonical_for_page(
    page_url: &str,
    link_rel_canonical: Option<&str>,
) -> Result<String, UrlError> {
    let page = parse_http(page_url)?;
    let page_canonical = canonical(page.clone(), page_url)?;
    let Some(link) = link_rel_canonical.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(page_canonical.into());
    };
    let Ok(resolved) = PublicUrl::resolve(link, Some(&page)).map(|u| u.to_url()) else {
        return Ok(page_canonical.into());
    };
    let Ok(link_canonical) = canonical(resolved, link) else {
        return Ok(page_canonical.into());
    };
    if is_home(&link_canonical) && !same_home(&link_canonical, &page_canonical) {
        return Ok(page_canonical.into());
    }
    Ok(link_canonical.into())
}

/// Every canonical URL is a [`PublicUrl`] too: it is stored and shown.
fn parse_http(url: &str) -> Result<Url, UrlError> {
    PublicUrl::parse(url).map(|u| u.to_url())
}

/// Normalises an already parsed http(s) URL. The url crate has lower-cased
/// scheme and host, applied IDNA, dropped a default port and resolved dot
/// segments; the rest is done here.
fn canonical(mut url: Url, original: &str) -> Result<Url, UrlError> {
    let no_host = || UrlError::NoHost(original.to_owned());
    let host = url.host_str().ok_or_else(no_host)?;
    // "example.com." is the same DNS name as "example.com".
    if host.ends_with('.') {
        let bare = host.trim_end_matches('.').to_owned();
        if bare.is_empty() {
            return Err(no_host());
        }
        url.set_host(Some(&bare)).map_err(|_| no_host())?;
    }
    // Credentials are not part of what the page is, and must not be stored.
    // Setting them empty cannot fail on a URL that has a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);

    let path = collapse_slashes(&normalize_percent(url.path()));
    if path != url.path() {
        url.set_path(&path);
    }

    let query = url.query().map(canonical_query);
    match query {
        Some(q) if !q.is_empty() => url.set_query(Some(&q)),
        _ => url.set_query(None),
    }
    Ok(url)
}

/// Drops tracking parameters and empty pairs, then sorts the rest by name.
/// The sort is stable, so repeated names (`a=2&a=1`) keep their order, which
/// some servers give meaning to. Pairs are kept as raw text so that `+`,
/// `%20` and the like reach the server exactly as before.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(normalize_percent)
        .map(defuse_reference)
        .filter_map(|pair| {
            let name = pair.split_once('=').map_or(pair.as_str(), |(n, _)| n);
            if name.is_empty() || is_tracking(name) {
                return None;
            }
            Some((name.to_owned(), pair))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let parts: Vec<String> = pairs.into_iter().map(|(_, p)| p).collect();
    parts.join("&")
}

/// A pair that begins like a character reference (`quest;…`, `amp;…`)
/// would become one behind the `&` the sort may put before it, and be read
/// back as `?` or `&` by the next reader (canonicalising again decodes
/// references as a browser does): its `;` is written `%3B`, which reads the
/// same to a server and is no reference.
fn defuse_reference(pair: String) -> String {
    match crate::public_url::reference(&pair) {
        Some((_, used)) if pair[..used].ends_with(';') => {
            format!("{}%3B{}", &pair[..used - 1], &pair[used..])
        }
        _ => pair,
    }
}

fn is_tracking(raw_name: &str) -> bool {
    let name = percent_decode_lossy(raw_name).to_ascii_lowercase();
    TRACKING_PARAMS.contains(&name.as_str())
        || TRACKING_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// RFC 3986 §6.2.2: percent-encoded unreserved characters are decoded
/// (`%7E` → `~`) and the remaining escapes get upper-case hex, so two
/// spellings of one URL compare equal.
fn normalize_percent(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(v) = escape_at(bytes, i) {
            if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(v));
            } else {
                out.push('%');
                out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
                out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
            }
            i += 3;
            continue;
        }
        // A stray `%` becomes `%25`: left bare, decoding the escape after it
        // would make a new one (`%%33` → `%3` → `3`), and the form would not
        // be its own normal form.
        if bytes[i] == b'%' {
            out.push_str("%25");
            i += 1;
            continue;
        }
        // Serialized URLs are ASCII; anything else is copied through whole.
        let ch = s[i..].chars().next().expect("index is on a char boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(v) = escape_at(bytes, i) {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The byte a `%XX` escape starting at `i` stands for, if there is one.
fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    if bytes[i] != b'%' {
        return None;
    }
    let digit = |j: usize| bytes.get(j).and_then(|&b| char::from(b).to_digit(16));
    Some((digit(i + 1)? * 16 + digit(i + 2)?) as u8)
}

/// `/a//b` and `/a/b` are the same article on every server we have met, and
/// feeds that glue a base URL to a path often produce the former.
fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for ch in path.chars() {
        if ch == '/' && out.ends_with('/') {
            continue;
        }
        out.push(ch);
    }
    out
}

fn is_home(url: &Url) -> bool {
    url.path() == "/"
}

fn same_home(link: &Url, page: &Url) -> bool {
    let site = |u: &Url| {
        u.host_str()
            .map(|h| h.strip_prefix("www.").unwrap_or(h).to_owned())
    };
    is_home(page) && site(link) == site(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[rustfmt::skip]
    const CASES: &[(&str, &str)] = &[
        // scheme and host
        ("HTTPS://Example.COM/News/Story", "https://example.com/News/Story"),
        ("http://example.com", "http://example.com/"),
        // A pair sorted behind an '&' must not become a character reference
        // (`&quest;` would be read back as '?').
        (
            "https://example.com/?quest;x=1&a=2",
            "https://example.com/?a=2&quest%3Bx=1",
        ),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://WWW.Example.com../a", "https://www.example.com/a"),
        ("https://bücher.de/a", "https://xn--bcher-kva.de/a"),
        ("https://ПРИМЕР.рф/новости", "https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://[::1]:8080/a", "https://[::1]:8080/a"),
        ("http://192.168.0.1./a", "http://192.168.0.1/a"),
        // fragment
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?#", "https://example.com/a"),
        // tracking parameters
        ("https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://example.com/a"),
        ("https://example.com/a?id=7&UTM_Source=rss", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=IwAR0&gclid=x&dclid=y&msclkid=z", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&yclid=3&_ga=4&igshid=5&ref_src=twsrc", "https://example.com/a"),
        ("https://example.com/a?%75tm_source=x&p=1", "https://example.com/a?p=1"),
        ("https://example.com/a?utm_=x&utmost=1", "https://example.com/a?utmost=1"),
        ("https://example.com/a?ref=home&source=rss", "https://example.com/a?ref=home&source=rss"),
        // sorting, stability, empties
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?b=2&a=9&b=1&a=3", "https://example.com/a?a=9&a=3&b=2&b=1"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a?&&", "https://example.com/a"),
        ("https://example.com/a?=x&a=1", "https://example.com/a?a=1"),
        ("https://example.com/a?print&id=3", "https://example.com/a?id=3&print"),
        ("https://example.com/a?q=a+b&r=a%20b", "https://example.com/a?q=a+b&r=a%20b"),
        ("https://example.com/a?q=%2f%7e", "https://example.com/a?q=%2F~"),
        ("https://example.com/a?q=%%33&r=5%", "https://example.com/a?q=%253&r=5%25"),
        ("https://example.com/100%/x", "https://example.com/100%25/x"),
        ("http://A.aa/?fbclid&#40", "http://a.aa/?fbclid("),
        // path
        ("https://example.com//news///2024//story/", "https://example.com/news/2024/story/"),
        ("https://example.com/News/Story.HTML", "https://example.com/News/Story.HTML"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/%7Euser/%41b%2fc", "https://example.com/~user/Ab%2Fc"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/story/", "https://example.com/story/"),
    ];

    #[test]
    fn table() {
        let mut failures = Vec::new();
        for &(input, want) in CASES {
            match canonicalize(input) {
                Ok(got) if got == want => {}
                other => failures.push(format!("{input:?}: got {other:?}, want {want:?}")),
            }
            if let Ok(got) = canonicalize(want)
                && got != want
            {
                failures.push(format!("{want:?} is not a fixed point: {got:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn rejects() {
        assert!(matches!(
            canonicalize("/news/1"),
            Err(UrlError::Parse { .. })
        ));
        assert!(matches!(
            canonicalize("example.com/a"),
            Err(UrlError::Parse { .. })
        ));
        assert!(matches!(canonicalize(""), Err(UrlError::Parse { .. })));
        assert!(matches!(
            canonicalize("ftp://example.com/a"),
            Err(UrlError::Scheme(_))
        ));
        assert!(matches!(
            canonicalize("mailto:a@example.com"),
            Err(UrlError::Scheme(_))
        ));
        assert!(matches!(
            canonicalize("javascript:alert(1)"),
            Err(UrlError::Scheme(_))
        ));
        assert!(canonicalize("http://./a").is_err());
        let err = canonicalize("ftp://example.com/a").unwrap_err();
        assert!(err.to_string().contains("ftp://example.com/a"), "{err}");
    }

    #[rustfmt::skip]
    const PAGE_CASES: &[(&str, Option<&str>, &str)] = &[
        // no link, or an unusable one: the page's own canonical form
        ("https://example.com/a?utm_source=x", None, "https://example.com/a"),
        ("https://example.com/a", Some(""), "https://example.com/a"),
        ("https://example.com/a", Some("   "), "https://example.com/a"),
        ("https://example.com/a", Some("ftp://example.com/b"), "https://example.com/a"),
        ("https://example.com/a", Some("javascript:void(0)"), "https://example.com/a"),
        ("https://example.com/a", Some("http://[::1/"), "https://example.com/a"),
        // absolute and relative links, canonicalised themselves
        ("https://example.com/a?x=1", Some("https://Example.com/story-1?utm_medium=s"), "https://example.com/story-1"),
        ("https://m.example.com/a", Some("/news/a"), "https://m.example.com/news/a"),
        ("https://example.com/news/2024/a", Some("b"), "https://example.com/news/2024/b"),
        ("https://example.com/news/a", Some("../world/a#top"), "https://example.com/world/a"),
        ("https://example.com/a", Some("//cdn.example.org/a"), "https://cdn.example.org/a"),
        // cross-site canonical to an article (syndication) is respected
        ("https://aggregator.example/item/9", Some("https://origin.example/2024/story"), "https://origin.example/2024/story"),
        // home pages: ignored unless the page is that home page
        ("https://example.com/article/1", Some("https://other.example/"), "https://example.com/article/1"),
        ("https://example.com/article/1", Some("https://other.example"), "https://example.com/article/1"),
        ("https://example.com/article/1", Some("/"), "https://example.com/article/1"),
        ("https://example.com/article/1", Some("https://other.example/?lang=en"), "https://example.com/article/1"),
        ("https://example.com/?utm_source=x", Some("https://www.example.com/"), "https://www.example.com/"),
        ("https://example.com/", Some("https://other.example/"), "https://example.com/"),
    ];

    #[test]
    fn page_canonicals() {
        let mut failures = Vec::new();
        for &(page, link, want) in PAGE_CASES {
            match canonical_for_page(page, link) {
                Ok(got) if got == want => {}
                other => {
                    failures.push(format!("{page:?} + {link:?}: got {other:?}, want {want:?}"))
                }
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
        assert!(canonical_for_page("/relative", Some("https://example.com/a")).is_err());
        assert!(canonical_for_page("ftp://example.com/", None).is_err());
    }

    fn host() -> impl Strategy<Value = String> {
        // Labels with "--" in third and fourth place are reserved for
        // punycode ("xn--"): made-up ones like "xn--a" are not hosts at all
        // (`invalid_punycode_host_is_an_error` covers them).
        let ascii = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?(\\.[a-zA-Z]{2,6}){1,3}\\.{0,2}"
            .prop_filter("IDNA-reserved label", |h: &String| {
                !h.split('.')
                    .any(|l| l.len() >= 4 && l.as_bytes()[2..4] == *b"--")
            });
        prop_oneof![
            ascii,
            Just("bücher.de".to_owned()),
            Just("ПРИМЕР.рф".to_owned()),
            Just("127.0.0.1".to_owned()),
            Just("[2001:db8::1]".to_owned()),
            Just("xn--e1afmkfd.xn--p1ai".to_owned()),
        ]
    }

    #[test]
    fn invalid_punycode_host_is_an_error() {
        assert!(canonicalize("http://xn--A.aA/").is_err());
    }

    fn generated_url() -> impl Strategy<Value = String> {
        let scheme = prop_oneof![Just("http"), Just("https"), Just("HTTP"), Just("HtTpS")];
        let userinfo = prop_oneof![Just(""), Just("user@"), Just("u:p@")];
        let port = prop_oneof![
            Just(""),
            Just(":80"),
            Just(":443"),
            Just(":8080"),
            Just(":0443")
        ];
        let path = prop::collection::vec(
            prop_oneof![
                "[a-zA-Z0-9._~-]{0,8}",
                "%[0-9a-fA-F]{2}",
                Just(String::new()),
                Just(".".to_owned()),
                Just("..".to_owned()),
                Just("новости".to_owned()),
                Just("a b".to_owned()),
            ],
            0..6,
        )
        .prop_map(|segs| format!("/{}", segs.join("/")));
        let key = prop_oneof![
            "[a-zA-Z_]{1,6}",
            Just("utm_source".to_owned()),
            Just("UTM_Campaign".to_owned()),
            Just("fbclid".to_owned()),
            Just("_ga".to_owned()),
            Just("%75tm_x".to_owned()),
            Just("id".to_owned()),
            Just(String::new()),
        ];
        let value = prop_oneof![
            "[a-zA-Z0-9+]{0,6}",
            "%[0-9a-fA-F]{2}",
            Just("a b".to_owned()),
            Just("x=y".to_owned()),
            Just("ü".to_owned()),
        ];
        let pair = (key, prop::option::of(value)).prop_map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k,
        });
        let query = prop::option::of(prop::collection::vec(pair, 0..6).prop_map(|p| p.join("&")));
        let fragment = prop::option::of("[a-zA-Z0-9#?/]{0,6}");
        (scheme, userinfo, host(), port, path, query, fragment).prop_map(
            |(scheme, userinfo, host, port, path, query, fragment)| {
                let mut url = format!("{scheme}://{userinfo}{host}{port}{path}");
                if let Some(q) = query {
                    url.push('?');
                    url.push_str(&q);
                }
                if let Some(f) = fragment {
                    url.push('#');
                    url.push_str(&f);
                }
                url
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn idempotent_on_generated_urls(url in generated_url()) {
            let once = canonicalize(&url);
            prop_assert!(once.is_ok(), "{url:?}: {once:?}");
            let once = once.unwrap();
            prop_assert_eq!(canonicalize(&once), Ok(once.clone()), "input {:?}", url);
            prop_assert!(!once.contains('#'));
            // No empty query (`?A&#9?` has the query `A?`: its reference is a tab).
            prop_assert!(once.split_once('?').is_none_or(|(_, q)| !q.is_empty()), "{}", once);
            // No tracking parameter survives, by name: `?fbclid&#40` is `?fbclid(` once
            // its character reference is read (as a browser reads it), a name of its own.
            let query = once.split_once('?').map_or("", |(_, q)| q);
            for pair in query.split('&') {
                let name = percent_decode_lossy(pair.split_once('=').map_or(pair, |(n, _)| n))
                    .to_ascii_lowercase();
                prop_assert!(!name.starts_with("utm_") && name != "fbclid", "{}", once);
            }
        }

        #[test]
        fn idempotent_on_arbitrary_text(tail in "\\PC{0,40}") {
            let url = format!("http://{tail}");
            if let Ok(once) = canonicalize(&url) {
                prop_assert_eq!(canonicalize(&once), Ok(once.clone()), "input {:?}", url);
            }
        }

        #[test]
        fn page_canonical_is_canonical(url in generated_url(), link in generated_url()) {
            let got = canonical_for_page(&url, Some(&link)).unwrap();
            prop_assert_eq!(canonicalize(&got), Ok(got.clone()));
        }
    }
}

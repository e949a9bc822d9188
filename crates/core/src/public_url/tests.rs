use super::*;
use proptest::prelude::*;

/// Addresses that must never become a `PublicUrl`, however they are spelled.
#[rustfmt::skip]
const REFUSED: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\u{1}\u{2}javascript:alert(1)",
    "\u{0}javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\r\nscript:alert(1)",
    "\u{c}javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#0000106&#0000097vascript:alert(1)",
    "javascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "java&Tab;script:alert(1)",
    "java&NewLine;script:alert(1)",
    "&amp;#106;avascript:alert(1)",
    "&amp;amp;#106;avascript:alert(1)",
    "java&am\tp;#x09;script:alert(1)",
    "https://example.com/&amp;amp;amp;amp;amp;amp;",
    "javascript://%0Aalert(1)",
    "javascript://https://example.com/%0aalert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    "DATA:image/png;base64,AAAA",
    "file:///etc/passwd",
    "FILE://host/share",
    "ftp://example.com/a",
    "blob:https://example.com/uuid",
    "filesystem:https://example.com/temporary/a",
    "about:blank",
    "mailto:a@example.com",
    "tel:+123",
    "ws://example.com/socket",
    "//example.com/protocol-relative",
    "/relative/path",
    "relative",
    "",
    "   ",
    "http://",
    "https://",
    "http://./a",
    "http://.../a",
    "https://:443/",
    "http://[::1/",
    "http://exa mple.com/",
    "http://xn--a.aa/",
    "https://a`b.example/",
    "https://a{b}.example/",
    "https://a$b.example/",
];

#[test]
fn refuses_every_unsafe_form() {
    let accepted: Vec<String> = REFUSED
        .iter()
        .filter_map(|raw| {
            PublicUrl::parse(raw)
                .ok()
                .map(|u| format!("{raw:?} -> {u}"))
        })
        .collect();
    assert!(accepted.is_empty(), "accepted:\n{}", accepted.join("\n"));
}

#[test]
fn relative_ones_cannot_escape_their_base() {
    let base = Url::parse("https://news.example/a/b.html").unwrap();
    for raw in REFUSED
        .iter()
        .filter(|r| r.contains(':') && !r.starts_with("http"))
        .filter(|r| !r.starts_with("//") && !r.contains("&colon;") && !r.contains("&#58;"))
    {
        if let Ok(u) = PublicUrl::resolve(raw, Some(&base)) {
            // A value with no scheme of its own is a path on the base host.
            assert!(
                u.as_str().starts_with("https://news.example/"),
                "{raw:?} -> {u}"
            );
        }
    }
    assert_eq!(
        PublicUrl::resolve("../img/a.jpg", Some(&base)).unwrap(),
        "https://news.example/img/a.jpg"
    );
    assert_eq!(
        PublicUrl::resolve("//cdn.example/a.jpg", Some(&base)).unwrap(),
        "https://cdn.example/a.jpg"
    );
    assert!(PublicUrl::resolve("javascript:alert(1)", Some(&base)).is_err());
    assert!(PublicUrl::resolve(" data:image/svg+xml,<svg>", Some(&base)).is_err());
}

#[rustfmt::skip]
const KEPT: &[(&str, &str)] = &[
    ("https://example.com/a.jpg", "https://example.com/a.jpg"),
    ("HTTPS://Example.COM/A.jpg", "https://example.com/A.jpg"),
    ("  https://example.com/a  ", "https://example.com/a"),
    ("\u{1}https://example.com/a", "https://example.com/a"),
    ("ht\ttps://example.com/a", "https://example.com/a"),
    ("http://example.com", "http://example.com/"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    ("https://trusted.example@evil.example/", "https://evil.example/"),
    ("https://example.com/a?x=1&amp;y=2", "https://example.com/a?x=1&y=2"),
    ("https://example.com/a?x=1&y=2", "https://example.com/a?x=1&y=2"),
    ("https://example.com/a?x=1&amp;amp;y=2", "https://example.com/a?x=1&y=2"),
    ("https://example.com/a?x=&am\tp;amp;", "https://example.com/a?x=&"),
    ("&#104;ttps://example.com/a", "https://example.com/a"),
    ("https://example.com/a b\"<>", "https://example.com/a%20b%22%3C%3E"),
    ("https://example.com/v.mp4#t=10", "https://example.com/v.mp4#t=10"),
    ("https://bücher.de/a", "https://xn--bcher-kva.de/a"),
    ("https:\\\\example.com\\a", "https://example.com/a"),
    ("http:example.com/a", "http://example.com/a"),
    ("https://[2001:db8::1]:8443/a", "https://[2001:db8::1]:8443/a"),
    ("http://127.0.0.1:9/a", "http://127.0.0.1:9/a"),
];

#[test]
fn keeps_http_urls_in_normal_form() {
    let mut failures = Vec::new();
    for &(raw, want) in KEPT {
        match PublicUrl::parse(raw) {
            Ok(u) if u == want => {}
            other => failures.push(format!("{raw:?}: got {other:?}, want {want:?}")),
        }
        match PublicUrl::parse(want) {
            Ok(u) if u == want => {}
            other => failures.push(format!("{want:?} is not a fixed point: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn errors_name_the_problem() {
    assert!(matches!(
        PublicUrl::parse("javascript:alert(1)"),
        Err(UrlError::Scheme(_))
    ));
    assert!(matches!(
        PublicUrl::parse("/a"),
        Err(UrlError::Parse { .. })
    ));
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
    assert!(matches!(PublicUrl::parse(&long), Err(UrlError::TooLong(_))));
    let err = PublicUrl::parse(&format!("ftp://example.com/{}", "b".repeat(1000))).unwrap_err();
    assert!(
        err.to_string().len() < 400,
        "errors carry an excerpt: {err}"
    );
}

#[test]
fn serde_checks_like_parse() {
    let u: PublicUrl = serde_json::from_str("\"HTTPS://Example.com/a\"").unwrap();
    assert_eq!(u, "https://example.com/a");
    assert_eq!(
        serde_json::to_string(&u).unwrap(),
        "\"https://example.com/a\""
    );
    assert!(serde_json::from_str::<PublicUrl>("\"javascript:alert(1)\"").is_err());
    assert!(serde_json::from_str::<PublicUrl>("\"data:text/html,x\"").is_err());
}

#[test]
fn or_drop_drops() {
    assert!(PublicUrl::or_drop("javascript:x", None, "test").is_none());
    assert_eq!(
        PublicUrl::or_drop("https://example.com/", None, "test").unwrap(),
        "https://example.com/"
    );
}

/// A scheme spelled so a browser may read it: case, tabs and newlines
/// inside, controls and spaces in front, character references.
fn disguised(scheme: &'static str) -> impl Strategy<Value = String> {
    let chars: Vec<char> = scheme.chars().collect();
    let n = chars.len();
    (
        prop::collection::vec(prop::bool::ANY, n),
        prop::collection::vec(prop_oneof![Just(""), Just("\t"), Just("\n"), Just("\r")], n),
        prop::collection::vec(0u8..4, n),
        "[\u{0}-\u{20}]{0,3}",
        prop_oneof![
            Just(":"),
            Just("&colon;"),
            Just("&#58;"),
            Just("&#x3a;"),
            Just("&#0058")
        ],
        "\\PC{0,20}",
    )
        .prop_map(move |(upper, gaps, encoding, lead, colon, rest)| {
            let mut s = lead;
            for (i, &c) in chars.iter().enumerate() {
                let c = if upper[i] { c.to_ascii_uppercase() } else { c };
                match encoding[i] {
                    1 => s.push_str(&format!("&#{};", c as u32)),
                    2 => s.push_str(&format!("&#x{:X}", c as u32)),
                    _ => s.push(c),
                }
                s.push_str(gaps[i]);
            }
            s.push_str(colon);
            s.push_str(&rest);
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn disguised_schemes_never_pass(
        raw in prop_oneof![
            disguised("javascript"),
            disguised("vbscript"),
            disguised("data"),
            disguised("file"),
        ]
    ) {
        prop_assert!(PublicUrl::parse(&raw).is_err(), "{:?}", raw);
        let base = Url::parse("https://news.example/x/").unwrap();
        if let Ok(u) = PublicUrl::resolve(&raw, Some(&base)) {
            prop_assert!(u.as_str().starts_with("https://news.example/"), "{:?} -> {}", raw, u);
        }
    }

    #[test]
    fn anything_accepted_is_http_and_a_fixed_point(raw in "\\PC{0,60}") {
        for candidate in [raw.clone(), format!("https://{raw}"), format!("http:{raw}")] {
            if let Ok(u) = PublicUrl::parse(&candidate) {
                let s = u.as_str();
                prop_assert!(s.starts_with("http://") || s.starts_with("https://"), "{}", s);
                prop_assert!(!s.chars().any(|c| c.is_control() || c.is_whitespace()), "{:?}", s);
                prop_assert!(!s.contains(['"', '<', '>']), "{:?}", s);
                let parsed = Url::parse(s).unwrap();
                prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
                prop_assert_eq!(PublicUrl::parse(s).unwrap(), u.clone());
            }
        }
    }
}

//! What the sanitiser fuzz target asserts, shared with
//! `tests/fuzz_regressions.rs` so every input kept under `regressions/` is
//! replayed by `cargo test`.

use newsroom_core::PublicUrl;

/// Whatever goes in, what comes out has no script, no event handler, no
/// element outside the allow-list's reach, and only `PublicUrl`s (in normal
/// form) in URL attributes; and the web layer's second pass keeps them so.
pub fn sanitize(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    let base = data.first().map(|b| b % 3);
    let base = match base {
        Some(0) => None,
        Some(1) => Some("https://news.example/a/b.html"),
        _ => Some("javascript:alert(1)//"),
    };
    let once = newsroom_extract::sanitize_html(&html, base);
    check_clean(&once, &html);
    check_clean(&newsroom_extract::sanitize::clean(&once), &html);
}

fn check_clean(out: &str, input: &str) {
    let doc = scraper::Html::parse_fragment(out);
    for node in doc.tree.nodes() {
        let scraper::Node::Element(e) = node.value() else {
            continue;
        };
        let name = e.name();
        assert!(
            !matches!(
                name,
                "script"
                    | "style"
                    | "object"
                    | "embed"
                    | "form"
                    | "svg"
                    | "math"
                    | "base"
                    | "meta"
                    | "link"
            ),
            "{input:?} -> <{name}> in {out:?}"
        );
        for (k, v) in e.attrs() {
            assert!(!k.starts_with("on"), "{input:?} -> {k} in {out:?}");
            assert!(
                !matches!(k, "style" | "srcdoc" | "srcset"),
                "{input:?} -> {k} in {out:?}"
            );
            if matches!(
                k,
                "href" | "src" | "cite" | "poster" | "xlink:href" | "action" | "formaction"
            ) {
                let u =
                    PublicUrl::parse(v).unwrap_or_else(|e| panic!("{input:?} -> {k}={v:?}: {e}"));
                assert_eq!(u.as_str(), v, "{input:?} -> {k} not in normal form");
            }
        }
    }
}

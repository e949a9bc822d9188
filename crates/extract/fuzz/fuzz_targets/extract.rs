#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks a declared charset, so the decoder paths are
    // fuzzed as well as the parser and the heuristics.
    let (charset, html) = match data.split_first() {
        Some((b, rest)) => (
            match b % 5 {
                0 => None,
                1 => Some("utf-8"),
                2 => Some("windows-1251"),
                3 => Some("shift_jis"),
                _ => Some("utf-16le"),
            },
            rest,
        ),
        None => (None, data),
    };
    // The same byte picks the tree builder: the fast one and html5ever, the
    // reference it is tested against, both face the fuzzer.
    let parser = if data.first().is_some_and(|b| b / 5 % 2 == 1) {
        newsroom_extract::Parser::Html5ever
    } else {
        newsroom_extract::Parser::Fast
    };
    let options = newsroom_extract::Options {
        parser,
        ..Default::default()
    };
    let e = newsroom_extract::extract_with(
        html,
        Some("https://example.com/news/a.html"),
        charset,
        options,
    );
    assert!((0.0..=1.0).contains(&e.confidence));
    let _ = newsroom_extract::contract_json(&e);
    let s = String::from_utf8_lossy(html);
    let _ = newsroom_extract::sanitize_html(&s, Some("https://example.com/"));
});

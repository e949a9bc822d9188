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
    let e = newsroom_extract::extract(html, Some("https://example.com/news/a.html"), charset);
    assert!((0.0..=1.0).contains(&e.confidence));
    let _ = newsroom_extract::contract_json(&e);
    let s = String::from_utf8_lossy(html);
    let _ = newsroom_extract::sanitize_html(&s, Some("https://example.com/"));
});

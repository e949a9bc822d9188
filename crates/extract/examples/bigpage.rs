//! Extracts one synthetic page of the given size in MB (default 50), to
//! measure time and peak memory on huge input:
//! /usr/bin/time -v target/release/examples/bigpage 50
use std::time::Instant;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let para = "<div class=c><p>Some article text, with commas, and enough words to look like prose.</p><script>var x = 1;</script></div>\n";
    let mut html = String::from("<html><body><article>");
    while html.len() < mb << 20 {
        html.push_str(para);
    }
    let t = Instant::now();
    let e = newsroom_extract::extract(html.as_bytes(), None, None);
    println!(
        "{mb} MB page: {:.0} ms, {} chars of text, confidence {:.2}",
        t.elapsed().as_secs_f64() * 1e3,
        e.text.len(),
        e.confidence
    );
}

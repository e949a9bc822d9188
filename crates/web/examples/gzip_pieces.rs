//! What a page with count holes costs to compress, and how big it is, in
//! each way the site can make its pieces. Takes saved pages (`curl` one
//! from `newsroom serve --demo`); the holes are the digits after each
//! `data-views="` and after the `>` that closes that tag, as the site's are.
//!
//!   cargo run --release -p newsroom-web --example gzip_pieces -- article.html home.html
//!
//! Rows: gzip of the page whole (what nginx's `gzip_static` would send),
//! gzip pieces each from a fresh compressor (the site before session 11),
//! the gzip chain at levels 1 and 6 (the site now), brotli whole and
//! brotli's catable pieces. docs/PERFORMANCE.md, "Gzip chains", has figures.

use newsroom_web::respond::compress::{brotli, brotli_params, gzip};
use newsroom_web::respond::pieces::{BrPieces, Gap, GzPieces};
use std::time::Instant;

/// The page's static runs and the lengths of the digits between them.
fn runs(page: &str) -> (Vec<&[u8]>, Vec<usize>) {
    let b = page.as_bytes();
    let (mut runs, mut lens, mut start, mut i) = (Vec::new(), Vec::new(), 0, 0);
    while let Some(at) = page[i..].find("data-views=\"").map(|p| i + p + 12) {
        let mut hole = |from: usize| {
            let end = from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
            runs.push(&b[start..from]);
            lens.push(end - from);
            start = end;
            end
        };
        let end = hole(at);
        let close = end + page[end..].find('>').map_or(0, |p| p + 1);
        i = hole(close);
    }
    runs.push(&b[start..]);
    (runs, lens)
}

fn time(name: &str, iters: u32, mut f: impl FnMut() -> usize) {
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..iters {
        bytes = f();
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(iters);
    println!("| {name} | {bytes} | {us:.1} |");
}

fn main() {
    for file in std::env::args().skip(1) {
        let page = std::fs::read_to_string(&file).expect("a readable page");
        let (runs, lens) = runs(&page);
        println!(
            "\n{file}: {} bytes, {} holes\n\n| pieces | bytes | µs to make |\n|---|---|---|",
            page.len(),
            lens.len()
        );
        let chain: Vec<Gap> = lens.iter().map(|&n| Gap::Digits(n as u8)).collect();
        let apart = vec![Gap::Restart; lens.len()];
        let size = |g: &GzPieces| (0..runs.len()).map(|i| g.piece_len(i)).sum::<usize>();
        time("gzip 6, whole page", 200, || gzip(page.as_bytes()).len());
        time("gzip 6, each run apart", 200, || {
            size(&GzPieces::new(runs.iter().copied(), &apart, 6))
        });
        for level in [1, 6] {
            time(&format!("gzip {level}, one chain"), 200, || {
                size(&GzPieces::new(runs.iter().copied(), &chain, level))
            });
        }
        time("brotli 5, whole page", 50, || {
            brotli(page.as_bytes(), &brotli_params()).len()
        });
        time("brotli 5, each run apart (catable)", 50, || {
            BrPieces::new(runs.iter().copied()).len()
        });
    }
}

//! Time per extraction stage over a dataset directory, to see where the
//! budget goes. cargo run --release -p newsroom-extract --example stages -- DIR
use newsroom_extract::{charset, jsonld, metadata, prepass, scoring, text};
use std::io::Read;
use std::time::Instant;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/datasets/extraction-dev".into());
    let Ok(rd) = std::fs::read_dir(format!("{dir}/html")) else {
        println!("dataset not found at {dir}");
        return;
    };
    let mut pages = Vec::new();
    for e in rd.flatten() {
        let mut raw = Vec::new();
        if let Ok(f) = std::fs::File::open(e.path())
            && flate2::read::GzDecoder::new(f)
                .read_to_end(&mut raw)
                .is_ok()
        {
            pages.push(raw);
        }
    }
    let mut t = [0f64; 9];
    let names = [
        "decode",
        "prepass",
        "parse",
        "jsonld",
        "metadata",
        "select",
        "text",
        "html",
        "extract()",
    ];
    let (mut raw_len, mut kept_len) = (0usize, 0usize);
    for p in &pages {
        let mut now = Instant::now();
        let mut lap = |k: usize, now: &mut Instant| {
            t[k] += now.elapsed().as_secs_f64();
            *now = Instant::now();
        };
        let d = charset::decode_cow(p, None);
        lap(0, &mut now);
        let pr = prepass::prepare(&d);
        lap(1, &mut now);
        raw_len += d.len();
        kept_len += pr.html.len();
        let dom = newsroom_extract::parse::build(&pr.html);
        lap(2, &mut now);
        let _ld = jsonld::parse(&pr.jsonld);
        lap(3, &mut now);
        let _m = metadata::collect(&dom);
        lap(4, &mut now);
        let sel = scoring::select(&dom, None);
        lap(5, &mut now);
        if let Some(s) = sel {
            let _ = text::render_text(&dom, &s);
            lap(6, &mut now);
            let h = text::render_html(&dom, &s, None);
            lap(7, &mut now);
            let _ = h;
        }
        now = Instant::now();
        let _ = newsroom_extract::extract(p, None, None);
        t[8] += now.elapsed().as_secs_f64();
    }
    let total: f64 = t[..8].iter().sum();
    for (n, v) in names.iter().zip(t) {
        println!("{n:9} {:7.1} ms  {:4.1}%", v * 1e3, 100.0 * v / total);
    }
    println!(
        "total     {:7.1} ms for {} pages; prepass keeps {:.0}% of bytes",
        total * 1e3,
        pages.len(),
        100.0 * kept_len as f64 / raw_len as f64
    );
}

//! Parse cost of our tree builder against html5ever's tokenizer alone and
//! its full tree builder (scraper), on the pre-passed markup of a dataset.
//! cargo run --release -p newsroom-extract --example tokcost -- DIR
//! (figures in docs/PERFORMANCE.md, "Fast builder vs html5ever")
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer};
use newsroom_extract::{charset, prepass};
use std::cell::Cell;
use std::io::Read;
use std::time::Instant;

struct Count(Cell<usize>);
impl TokenSink for Count {
    type Handle = ();
    fn process_token(&self, t: Token, _l: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(_) = t {
            self.0.set(self.0.get() + 1);
        }
        TokenSinkResult::Continue
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/datasets/extraction-dev".into());
    let mut pages = Vec::new();
    for e in std::fs::read_dir(format!("{dir}/html")).unwrap().flatten() {
        let mut raw = Vec::new();
        let f = std::fs::File::open(e.path()).unwrap();
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut raw)
            .unwrap();
        let d = charset::decode_cow(&raw, None);
        pages.push(prepass::prepare(&d).html.to_string());
    }
    for round in 0..3 {
        let now = Instant::now();
        let mut n = 0;
        for p in &pages {
            n += newsroom_extract::parse::build(p).nodes.len();
        }
        let ours = now.elapsed().as_secs_f64();
        let now = Instant::now();
        let mut tags = 0;
        for p in &pages {
            let q = BufferQueue::default();
            q.push_back(StrTendril::from_slice(p));
            let tok = Tokenizer::new(Count(Cell::new(0)), Default::default());
            let _ = tok.feed(&q);
            tok.end();
            tags += tok.sink.0.get();
        }
        let tokz = now.elapsed().as_secs_f64();
        let now = Instant::now();
        for p in &pages {
            let _ = scraper::Html::parse_document(p);
        }
        let full = now.elapsed().as_secs_f64();
        println!(
            "round {round}: ours {:.1} ms ({n} nodes), html5ever tokenizer {:.1} ms ({tags} tags), scraper {:.1} ms",
            ours * 1e3,
            tokz * 1e3,
            full * 1e3
        );
    }
}

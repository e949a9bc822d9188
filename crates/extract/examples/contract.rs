//! Prints the CLI contract object for one page, text and html shortened:
//! cargo run --example contract -- PAGE.html[.gz] [URL]
use std::io::Read;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        println!("usage: contract PAGE.html[.gz] [URL]");
        return;
    };
    let url = args.next();
    let mut raw = Vec::new();
    let f = std::fs::File::open(&path).expect("open");
    if path.ends_with(".gz") {
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut raw)
            .expect("gzip");
    } else {
        std::io::BufReader::new(f)
            .read_to_end(&mut raw)
            .expect("read");
    }
    let e = newsroom_extract::extract(&raw, url.as_deref(), None);
    let mut j = newsroom_extract::contract_json(&e);
    for k in ["text", "html"] {
        if let Some(s) = j[k].as_str() {
            let short: String = s.chars().take(160).collect();
            j[k] = serde_json::Value::String(short);
        }
    }
    println!("{}", serde_json::to_string_pretty(&j).unwrap_or_default());
}

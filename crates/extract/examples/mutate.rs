//! Poor man's fuzzing without cargo-fuzz: every dev page cut and corrupted
//! at many points, each run checked for panics.
//! cargo run --release -p newsroom-extract --example mutate -- DIR
use std::io::Read;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/datasets/extraction-dev".into());
    let Ok(rd) = std::fs::read_dir(format!("{dir}/html")) else {
        println!("dataset not found at {dir}");
        return;
    };
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut runs, mut panics) = (0, 0);
    for e in rd.flatten() {
        let mut raw = Vec::new();
        let Ok(f) = std::fs::File::open(e.path()) else {
            continue;
        };
        if flate2::read::GzDecoder::new(f)
            .read_to_end(&mut raw)
            .is_err()
        {
            continue;
        }
        for k in 0..12 {
            let mut page = raw.clone();
            if k % 2 == 0 {
                page.truncate((rnd() as usize) % (page.len() + 1));
            }
            for _ in 0..(k * 20) {
                if page.is_empty() {
                    break;
                }
                let at = (rnd() as usize) % page.len();
                page[at] = rnd() as u8;
            }
            runs += 1;
            let charset = ["utf-8", "windows-1252", "shift_jis", "utf-16be", "gb18030"][k % 5];
            if std::panic::catch_unwind(|| {
                newsroom_extract::extract(&page, Some("https://x.example/a"), Some(charset))
            })
            .is_err()
            {
                panics += 1;
            }
        }
    }
    println!("{runs} mutated pages, {panics} panics");
}

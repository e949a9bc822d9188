//! Replays the feed fuzz corpus kept in the repository
//! (`fuzz/regressions/feed/`) through the fuzz target's own checks, so
//! `cargo test` guards it without cargo-fuzz.

#[path = "../fuzz/checks.rs"]
mod checks;

#[test]
fn feed_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/feed");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        checks::feed(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", dir.display());
}

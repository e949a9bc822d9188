//! Replays the fuzz corpus kept in the repository (`fuzz/regressions/`:
//! inputs that once broke an invariant, and hand-picked tricky ones) through
//! the fuzz targets' own checks, so `cargo test` guards them without
//! cargo-fuzz.

#[path = "../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", dir.display());
}

#[test]
fn public_url_corpus() {
    replay("public_url", checks::public_url);
}

#[test]
fn canonicalize_corpus() {
    replay("canonicalize", checks::canonicalize_check);
}

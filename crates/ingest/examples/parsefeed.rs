//! Parse a feed file and print what newsroom sees: `cargo run -p newsroom-ingest --example parsefeed -- FILE [TZ]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("read the feed file");
    let tz = args
        .get(2)
        .map(|z| jiff::tz::TimeZone::get(z).expect("an IANA zone"))
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let opts = newsroom_ingest::ParseOptions {
        time_zone: tz,
        ..Default::default()
    };
    match newsroom_ingest::parse_feed(&bytes, &opts) {
        Ok(f) => println!("{f:#?}"),
        Err(e) => eprintln!("{}", newsroom_ingest::FetchError::from(e).human()),
    }
}

//! The cached article page in process: the request path's own CPU (router,
//! `front`, the handler, the counter, validators and body), without the
//! kernel's TCP work or hyper, which swamp it in `bench/hot.sh`. A
//! measurement, not a check; run it by hand, in release, for two builds:
//!
//!   cargo test --release -p newsroom-web --test router -- --ignored --nocapture hot_path
//!
//! `HOT_N` sets the requests per case (default 200,000).

use super::*;

#[tokio::test(flavor = "current_thread")]
#[ignore = "a measurement, run by hand"]
async fn hot_path_cpu_per_request() {
    // Every request from one address: lift the cap on its visitors.
    let s = site_with(|c| c.max_visitors_per_ip = 0).await;
    let (id, title) = s.articles[0].clone();
    let path = slug_path(id, &title);
    let n: u64 = std::env::var("HOT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    for round in 1..=3 {
        for new_visitor in [false, true] {
            let mut bytes = 0u64;
            let t0 = thread_cpu_ns();
            for i in 0..n {
                let ua = match new_visitor {
                    true => format!("Mozilla/5.0 bench-{round}-{i}"),
                    false => "Mozilla/5.0 bench-repeat".to_string(),
                };
                bytes += served_bytes(&s.app, &path, &ua, "").await as u64;
            }
            let took = thread_cpu_ns() - t0;
            println!(
                "round {round}, {}: {:.2} µs CPU per request, {} bytes each",
                if new_visitor {
                    "new visitor"
                } else {
                    "repeat visitor"
                },
                took as f64 / n as f64 / 1000.0,
                bytes / n
            );
        }
    }
}

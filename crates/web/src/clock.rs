//! The system time, in the seconds every store call and page label uses.
//! A site with `fixed_now` set reads `AppState::now` instead.

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

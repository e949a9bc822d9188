//! Dates as real feeds write them. RFC 822/2822 and RFC 3339 are the standards; feeds also
//! send SQL-style `2024-05-01 10:00:00`, European `01.05.2024 10:00`, named zones beyond
//! the US ones, and wrong weekdays. A date without a zone is read in the source's time zone.

use jiff::Timestamp;
use jiff::fmt::strtime;
use jiff::tz::TimeZone;

/// Zone abbreviations feeds use that RFC 2822 does not define, as offsets in minutes.
/// Ambiguous ones (IST, CST) take their most common meaning in news feeds.
const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("UT", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEST", 60),
    ("BST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("MET", 60),
    ("MEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("MSD", 240),
    ("IST", 330),
    ("PKT", 300),
    ("SGT", 480),
    ("HKT", 480),
    ("CST", -360),
    ("CDT", -300),
    ("EST", -300),
    ("EDT", -240),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
    ("JST", 540),
    ("KST", 540),
    ("AEST", 600),
    ("AEDT", 660),
    ("ACST", 570),
    ("AWST", 480),
    ("NZST", 720),
    ("NZDT", 780),
    ("BRT", -180),
    ("ART", -180),
];

const WITH_OFFSET: &[&str] = &[
    "%d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M %z",
    "%d %B %Y %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%:z",
    "%Y-%m-%dT%H:%M:%S%:z",
    "%Y-%m-%dT%H:%M%:z",
    "%d.%m.%Y %H:%M:%S %z",
    "%b %d %Y %H:%M:%S %z",
];

const LOCAL: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %B %Y %H:%M:%S",
    "%d %B %Y %H:%M",
    "%b %d, %Y %H:%M:%S",
    "%B %d, %Y %H:%M",
];

const DATE_ONLY: &[&str] = &[
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%B %d, %Y",
];

/// Parse a feed date into UTC seconds; `tz` is used when the date names no zone.
pub fn parse_date(raw: &str, tz: &TimeZone) -> Option<i64> {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t.as_second());
    }
    // Weekdays are often wrong or localised; the date itself is what counts.
    let s = strip_weekday(&s);
    let s = replace_zone_name(s.trim());
    if let Ok(z) = jiff::fmt::rfc2822::parse(&s) {
        return Some(z.timestamp().as_second());
    }
    for fmt in WITH_OFFSET {
        if let Ok(tm) = strtime::parse(fmt, &s)
            && let Ok(t) = tm.to_timestamp()
        {
            return Some(t.as_second());
        }
    }
    for fmt in LOCAL {
        if let Ok(tm) = strtime::parse(fmt, &s)
            && let Ok(dt) = tm.to_datetime()
            && let Ok(z) = dt.to_zoned_datetime(tz.clone())
        {
            return Some(z.timestamp().as_second());
        }
    }
    for fmt in DATE_ONLY {
        if let Ok(tm) = strtime::parse(fmt, &s)
            && let Ok(d) = tm.to_date()
            && let Ok(z) = d.to_zoned_datetime(tz.clone())
        {
            return Some(z.timestamp().as_second());
        }
    }
    // Unix seconds, as a few generators write them.
    if s.len() >= 9 && s.len() <= 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    None
}

fn strip_weekday(s: &str) -> &str {
    match s.split_once(',') {
        Some((head, rest))
            if !head.is_empty()
                && head.len() <= 12
                && head.chars().all(|c| c.is_alphabetic() || c == '.') =>
        {
            rest.trim_start()
        }
        _ => s,
    }
}

/// `... 10:00:00 MSK` → `... 10:00:00 +0300`, and `+03:00` → `+0300` after a time.
fn replace_zone_name(s: &str) -> String {
    if let Some((head, last)) = s.rsplit_once(' ') {
        let upper = last
            .trim_matches(|c| c == '(' || c == ')')
            .to_ascii_uppercase();
        if let Some((_, mins)) = ZONES.iter().find(|(n, _)| *n == upper) {
            let sign = if *mins < 0 { '-' } else { '+' };
            return format!("{head} {sign}{:02}{:02}", mins.abs() / 60, mins.abs() % 60);
        }
        if (last.starts_with('+') || last.starts_with('-'))
            && last.len() == 6
            && last.as_bytes()[3] == b':'
        {
            return format!("{head} {}{}", &last[..3], &last[4..]);
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kyiv() -> TimeZone {
        TimeZone::get("Europe/Kyiv").unwrap()
    }

    #[test]
    fn standard_forms() {
        let tz = TimeZone::UTC;
        let t = 1714557600; // 2024-05-01T10:00:00Z
        assert_eq!(parse_date("Wed, 01 May 2024 10:00:00 +0000", &tz), Some(t));
        assert_eq!(parse_date("Wed, 01 May 2024 10:00:00 GMT", &tz), Some(t));
        assert_eq!(parse_date("2024-05-01T10:00:00Z", &tz), Some(t));
        assert_eq!(parse_date("2024-05-01T13:00:00+03:00", &tz), Some(t));
        assert_eq!(parse_date("2024-05-01T10:00:00.123Z", &tz), Some(t));
    }

    #[test]
    fn real_world_forms() {
        let tz = TimeZone::UTC;
        let t = 1714557600;
        assert_eq!(
            parse_date("Mon, 01 May 2024 10:00:00 +0000", &tz),
            Some(t),
            "wrong weekday"
        );
        assert_eq!(
            parse_date("1 May 2024 10:00:00 +0000", &tz),
            Some(t),
            "no weekday, one digit day"
        );
        assert_eq!(parse_date("Wed, 01 May 2024 13:00:00 MSK", &tz), Some(t));
        assert_eq!(parse_date("Wed, 01 May 2024 12:00:00 CEST", &tz), Some(t));
        assert_eq!(parse_date("Wed, 01 May 2024 13:00:00 +03:00", &tz), Some(t));
        assert_eq!(parse_date("2024-05-01 13:00:00 +0300", &tz), Some(t));
        assert_eq!(parse_date("2024-05-01T13:00:00+0300", &tz), Some(t));
        assert_eq!(
            parse_date("  Wed,  01 May 2024\n 10:00:00 GMT ", &tz),
            Some(t)
        );
        assert_eq!(parse_date("1714557600", &tz), Some(t));
        assert_eq!(parse_date("not a date", &tz), None);
    }

    #[test]
    fn zoneless_dates_use_the_source_time_zone() {
        // Kyiv is UTC+3 in May (summer time).
        let t = 1714557600;
        assert_eq!(parse_date("2024-05-01 13:00:00", &kyiv()), Some(t));
        assert_eq!(parse_date("2024-05-01T13:00:00", &kyiv()), Some(t));
        assert_eq!(parse_date("01.05.2024 13:00", &kyiv()), Some(t));
        assert_eq!(parse_date("2024-05-01 10:00:00", &TimeZone::UTC), Some(t));
        // Winter: UTC+2.
        assert_eq!(parse_date("2024-01-15 12:00", &kyiv()), Some(1705312800));
        assert_eq!(parse_date("2024-05-01", &kyiv()), Some(t - 13 * 3600));
    }
}

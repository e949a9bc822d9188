//! Locale-aware time labels.
//!
//! Timestamps live as `i64` UTC seconds everywhere else; this module is the
//! edge where they become civil time in the site's IANA zone and then words.
//! Words and date layouts come from ICU4X's CLDR data; the only hand-made
//! layout is the English house style of the seed page (see [`house_style`]).

use std::fmt;

use icu_calendar::{Date, Gregorian};
use icu_datetime::fieldsets::{T, YMD, YMDE, YMDET, YMDT};
use icu_datetime::input::{DateTime as IcuDateTime, Time as IcuTime};
use icu_datetime::options::{Alignment, YearStyle};
use icu_datetime::pattern::{DateTimePattern, FixedCalendarDateTimeNames};
use icu_datetime::{DateTimeFormatterPreferences, FixedCalendarDateTimeFormatter};
use icu_decimal::input::Decimal;
use icu_experimental::relativetime::options::Numeric;
use icu_experimental::relativetime::{RelativeTimeFormatter, RelativeTimeFormatterOptions};
use icu_locale::Locale as IcuLocale;
use jiff::Timestamp;
use jiff::civil::DateTime as CivilDateTime;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use writeable::TryWriteable;

/// A language the site can be shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
    Ru,
    Uk,
}

impl Locale {
    pub const ALL: [Locale; 5] = [Locale::En, Locale::De, Locale::Fr, Locale::Ru, Locale::Uk];

    /// Accepts a BCP 47 tag such as `de`, `DE` or `de-AT`; only the language
    /// subtag decides, since the site has one translation per language.
    pub fn parse(s: &str) -> Option<Locale> {
        let lang = s.trim().split(['-', '_']).next()?;
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(lang))
    }

    /// The BCP 47 language tag, as used in `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Ru => "ru",
            Locale::Uk => "uk",
        }
    }

    fn icu(self) -> IcuLocale {
        // The tags above are all valid BCP 47, so this cannot fail.
        self.tag().parse().expect("static locale tags are valid")
    }
}

impl std::str::FromStr for Locale {
    type Err = UnknownLocale;

    fn from_str(s: &str) -> Result<Locale, UnknownLocale> {
        Locale::parse(s).ok_or_else(|| UnknownLocale(s.to_owned()))
    }
}

/// A locale tag the site has no translation for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported locale {0:?} (expected one of en, de, fr, ru, uk)")]
pub struct UnknownLocale(pub String);

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TimeError {
    #[error("unknown time zone {name:?} (expected an IANA name such as \"Europe/Kyiv\"): {source}")]
    UnknownZone { name: String, source: jiff::Error },
    #[error("no date/time formatting data for locale {locale}: {detail}")]
    Icu { locale: Locale, detail: String },
}

/// Turns instants into the labels the site shows, in one zone and language.
///
/// Built once at start-up and shared (it is `Send + Sync`); every formatter is
/// prepared here, so the per-request calls only convert and write.
#[derive(Debug)]
pub struct SiteClock {
    tz: TimeZone,
    tz_name: String,
    locale: Locale,
    yesterday: String,
    style: Style,
}

// One clock per site, built once and never moved on a hot path, so the size
// gap between the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Style {
    House(house_style::Patterns),
    Cldr(CldrFormatters),
}

#[derive(Debug)]
struct CldrFormatters {
    time: FixedCalendarDateTimeFormatter<Gregorian, T>,
    date_time: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    long: FixedCalendarDateTimeFormatter<Gregorian, YMDET>,
}

impl SiteClock {
    pub fn new(tz_name: &str, locale: Locale) -> Result<SiteClock, TimeError> {
        let tz = TimeZone::get(tz_name).map_err(|source| TimeError::UnknownZone {
            name: tz_name.to_owned(),
            source,
        })?;
        let icu_err = |detail: String| TimeError::Icu { locale, detail };
        let prefs: DateTimeFormatterPreferences = (&locale.icu()).into();
        let style = match locale {
            Locale::En => Style::House(house_style::Patterns::new(prefs).map_err(icu_err)?),
            _ => Style::Cldr(CldrFormatters::new(prefs).map_err(icu_err)?),
        };
        Ok(SiteClock {
            tz,
            tz_name: tz_name.to_owned(),
            locale,
            yesterday: yesterday_word(locale).map_err(icu_err)?,
            style,
        })
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn tz_name(&self) -> &str {
        &self.tz_name
    }

    /// Latest-news label: "HH:MM" if `ts` is on today's local date (relative
    /// to `now`), "Yesterday, HH:MM" if on yesterday's local date, else
    /// "DD.MM.YYYY, HH:MM" (in the locale's own short numeric form).
    pub fn list_label(&self, ts: i64, now: i64) -> String {
        let at = self.civil(ts);
        let today = self.civil(now).date();
        if at.date() == today {
            self.time_of_day(at)
        } else if today.yesterday().is_ok_and(|y| y == at.date()) {
            // The relative word and the clock time are joined with a comma in
            // every locale: CLDR has no "relative day + time" pattern that
            // ICU4X exposes, and the comma reads naturally in all five.
            format!("{}, {}", self.yesterday, self.time_of_day(at))
        } else {
            self.date_time(at)
        }
    }

    /// Article date, e.g. "Monday, 13 February, 2023, 14:42" for English.
    pub fn long_datetime(&self, ts: i64) -> String {
        let at = icu_datetime(self.civil(ts));
        match &self.style {
            Style::House(p) => p.long(&at),
            Style::Cldr(f) => f.long.format(&at).to_string(),
        }
    }

    /// The word for yesterday, capitalised, as the page script needs it.
    pub fn yesterday_word(&self) -> String {
        self.yesterday.clone()
    }

    fn civil(&self, ts: i64) -> CivilDateTime {
        // Out-of-range input (beyond ±9999 years) is a data bug upstream; a
        // clamped label is kinder to the page than a panic.
        let ts = Timestamp::from_second(ts).unwrap_or(if ts < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
        self.tz.to_datetime(ts)
    }

    fn time_of_day(&self, at: CivilDateTime) -> String {
        let at = icu_datetime(at);
        match &self.style {
            Style::House(p) => p.time(&at),
            Style::Cldr(f) => f.time.format(&at).to_string(),
        }
    }

    fn date_time(&self, at: CivilDateTime) -> String {
        let at = icu_datetime(at);
        match &self.style {
            Style::House(p) => p.date_time(&at),
            Style::Cldr(f) => f.date_time.format(&at).to_string(),
        }
    }
}

impl CldrFormatters {
    fn new(prefs: DateTimeFormatterPreferences) -> Result<Self, String> {
        let err = |e: icu_datetime::DateTimeFormatterLoadError| e.to_string();
        Ok(CldrFormatters {
            time: FixedCalendarDateTimeFormatter::try_new(prefs, T::hm()).map_err(err)?,
            // Zero-padded day and month and a four-digit year, so the list
            // column lines up the way "DD.MM.YYYY" does in the house style.
            date_time: FixedCalendarDateTimeFormatter::try_new(
                prefs,
                YMD::short()
                    .with_alignment(Alignment::Column)
                    .with_year_style(YearStyle::Full)
                    .with_time_hm(),
            )
            .map_err(err)?,
            long: FixedCalendarDateTimeFormatter::try_new(prefs, YMDE::long().with_time_hm())
                .map_err(err)?,
        })
    }
}

/// The English house style of the seed page.
///
/// CLDR English has no layout that matches it: the seed puts commas after the
/// weekday, the month and the year ("Monday, 13 February, 2023, 14:42") and
/// writes list dates as "02.02.2026, 10:12" with a 24-hour clock. These three
/// CLDR patterns are the whole of the hand-made part; the weekday and month
/// names in them still come from ICU's data.
mod house_style {
    use super::*;

    const LONG: &str = "EEEE, d MMMM, y, HH:mm";
    const DATE_TIME: &str = "dd.MM.y, HH:mm";
    const TIME: &str = "HH:mm";

    #[derive(Debug)]
    pub(super) struct Patterns {
        names: FixedCalendarDateTimeNames<Gregorian>,
        numeric: FixedCalendarDateTimeNames<Gregorian>,
        long: DateTimePattern,
        date_time: DateTimePattern,
        time: DateTimePattern,
    }

    impl Patterns {
        pub(super) fn new(prefs: DateTimeFormatterPreferences) -> Result<Self, String> {
            let parse = |p: &str| p.parse::<DateTimePattern>().map_err(|e| e.to_string());
            let (long, date_time, time) = (parse(LONG)?, parse(DATE_TIME)?, parse(TIME)?);
            // Two name sets because ICU keeps one length per field: the
            // numeric "MM" cannot share a set with the month name "MMMM".
            let load = |patterns: &[&DateTimePattern]| {
                let mut names = FixedCalendarDateTimeNames::<Gregorian>::try_new(prefs)
                    .map_err(|e| e.to_string())?;
                for p in patterns {
                    names.include_for_pattern(p).map_err(|e| e.to_string())?;
                }
                Ok::<_, String>(names)
            };
            let names = load(&[&long])?;
            let numeric = load(&[&date_time, &time])?;
            Ok(Patterns {
                names,
                numeric,
                long,
                date_time,
                time,
            })
        }

        fn write(
            names: &FixedCalendarDateTimeNames<Gregorian>,
            pattern: &DateTimePattern,
            at: &IcuDateTime<Gregorian>,
        ) -> String {
            // Everything the patterns use was loaded in `new`, so this cannot
            // fail; if it ever did, ICU's lossy output (with a visible
            // placeholder) is better on a page than a panic.
            match names
                .with_pattern_unchecked(pattern)
                .format(at)
                .try_write_to_string()
            {
                Ok(s) => s.into_owned(),
                Err((_, lossy)) => lossy.into_owned(),
            }
        }

        pub(super) fn long(&self, at: &IcuDateTime<Gregorian>) -> String {
            Self::write(&self.names, &self.long, at)
        }

        pub(super) fn date_time(&self, at: &IcuDateTime<Gregorian>) -> String {
            Self::write(&self.numeric, &self.date_time, at)
        }

        pub(super) fn time(&self, at: &IcuDateTime<Gregorian>) -> String {
            Self::write(&self.numeric, &self.time, at)
        }
    }
}

fn icu_datetime(at: CivilDateTime) -> IcuDateTime<Gregorian> {
    // jiff's civil ranges (years ±9999, valid months/days/times) are within
    // ICU's, so these conversions cannot fail.
    let date = Date::try_new_gregorian(i32::from(at.year()), at.month() as u8, at.day() as u8)
        .expect("jiff dates are valid Gregorian dates");
    let time = IcuTime::try_new(at.hour() as u8, at.minute() as u8, at.second() as u8, 0)
        .expect("jiff times are valid times");
    IcuDateTime { date, time }
}

/// CLDR's "yesterday" (the relative-day form for -1), capitalised because the
/// label starts with it.
fn yesterday_word(locale: Locale) -> Result<String, String> {
    let rtf = RelativeTimeFormatter::try_new_long_day(
        (&locale.icu()).into(),
        RelativeTimeFormatterOptions::default().with_numeric(Numeric::Auto),
    )
    .map_err(|e| e.to_string())?;
    let word = rtf.format(Decimal::from(-1i8)).to_string();
    let mut chars = word.chars();
    Ok(match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => word,
    })
}

/// The UTC instant for `<time datetime>`, e.g. "2023-02-13T12:42:00Z".
pub fn rfc3339(ts: i64) -> String {
    match Timestamp::from_second(ts) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => String::new(),
    }
}

/// A time an operator or editor typed: RFC 3339 (`2026-12-08T12:00:00Z`,
/// any offset) or UTC seconds. `None` for anything else.
pub fn parse_instant(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<i64>() {
        return Some(secs);
    }
    raw.parse::<Timestamp>().ok().map(|t| t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_instants() {
        assert_eq!(parse_instant("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_instant(" 2023-11-14T22:13:20Z "), Some(1_700_000_000));
        assert_eq!(
            parse_instant("2023-11-15T00:13:20+02:00"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_instant("tomorrow"), None);
        assert_eq!(parse_instant("2023-11-14"), None);
    }

    /// Instants are written with an explicit offset so that a time inside a
    /// repeated hour names exactly one instant.
    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>()
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .as_second()
    }

    struct Case {
        what: &'static str,
        zone: &'static str,
        locale: Locale,
        ts: &'static str,
        now: &'static str,
        want: &'static str,
    }

    const fn case(
        what: &'static str,
        zone: &'static str,
        locale: Locale,
        ts: &'static str,
        now: &'static str,
        want: &'static str,
    ) -> Case {
        Case {
            what,
            zone,
            locale,
            ts,
            now,
            want,
        }
    }

    const KYIV: &str = "Europe/Kyiv";
    const NY: &str = "America/New_York";
    use Locale::*;

    #[rustfmt::skip]
    const LIST_CASES: &[Case] = &[
        // The seed page's list, seen at 01:30 on 4 February 2026 in Kyiv.
        case("seed today", KYIV, En, "2026-02-04T01:29:00+02:00", "2026-02-04T01:30:00+02:00", "01:29"),
        case("seed yesterday", KYIV, En, "2026-02-03T22:08:00+02:00", "2026-02-04T01:30:00+02:00", "Yesterday, 22:08"),
        case("seed yesterday 2", KYIV, En, "2026-02-03T17:49:00+02:00", "2026-02-04T01:30:00+02:00", "Yesterday, 17:49"),
        case("seed older", KYIV, En, "2026-02-02T10:12:00+02:00", "2026-02-04T01:30:00+02:00", "02.02.2026, 10:12"),
        case("seed older 2", KYIV, En, "2026-02-02T00:50:00+02:00", "2026-02-04T01:30:00+02:00", "02.02.2026, 00:50"),
        case("seed older 3", KYIV, En, "2026-02-01T20:18:00+02:00", "2026-02-04T01:30:00+02:00", "01.02.2026, 20:18"),
        // Midnight, from both sides.
        case("00:00 is today at 00:00", KYIV, En, "2026-02-04T00:00:00+02:00", "2026-02-04T00:00:00+02:00", "00:00"),
        case("23:59 is yesterday at 00:00", KYIV, En, "2026-02-03T23:59:00+02:00", "2026-02-04T00:00:00+02:00", "Yesterday, 23:59"),
        case("00:00 is today at 23:59", KYIV, En, "2026-02-03T00:00:00+02:00", "2026-02-03T23:59:00+02:00", "00:00"),
        case("23:59 the day before is yesterday at 23:59", KYIV, En, "2026-02-02T23:59:00+02:00", "2026-02-03T23:59:00+02:00", "Yesterday, 23:59"),
        case("24h01m ago but two dates back", KYIV, En, "2026-02-02T23:59:00+02:00", "2026-02-04T00:00:00+02:00", "02.02.2026, 23:59"),
        case("47h59m ago is still yesterday", KYIV, En, "2026-02-03T00:00:00+02:00", "2026-02-04T23:59:00+02:00", "Yesterday, 00:00"),
        case("same UTC date, local yesterday", KYIV, En, "2026-02-03T23:30:00+02:00", "2026-02-04T00:30:00+02:00", "Yesterday, 23:30"),
        case("a slightly future item shows its date", KYIV, En, "2026-02-05T00:10:00+02:00", "2026-02-04T23:50:00+02:00", "05.02.2026, 00:10"),
        // Year boundaries.
        case("31 Dec seen on 1 Jan", KYIV, En, "2026-12-31T23:50:00+02:00", "2027-01-01T00:05:00+02:00", "Yesterday, 23:50"),
        case("30 Dec seen on 1 Jan", KYIV, En, "2026-12-30T09:00:00+02:00", "2027-01-01T10:00:00+02:00", "30.12.2026, 09:00"),
        case("31 Dec seen on 2 Jan", KYIV, En, "2026-12-31T10:00:00+02:00", "2027-01-02T10:00:00+02:00", "31.12.2026, 10:00"),
        case("previous year, same month", KYIV, En, "2025-02-04T01:29:00+02:00", "2026-02-04T01:30:00+02:00", "04.02.2025, 01:29"),
        case("31 Dec seen on 1 Jan in New York", NY, En, "2023-12-31T23:59:00-05:00", "2024-01-01T00:00:00-05:00", "Yesterday, 23:59"),
        case("31 Dec seen on 1 Jan, de", KYIV, De, "2026-12-31T23:50:00+02:00", "2027-01-01T00:05:00+02:00", "Gestern, 23:50"),
        // Kyiv, 26 March 2023: 03:00 EET jumps to 04:00 EEST (a 23-hour day).
        case("Kyiv before the gap", KYIV, En, "2023-03-26T02:59:00+02:00", "2023-03-26T12:00:00+03:00", "02:59"),
        case("Kyiv first minute after the gap", KYIV, En, "2023-03-26T03:00:00+02:00", "2023-03-26T12:00:00+03:00", "04:00"),
        case("Kyiv instant inside the skipped hour", KYIV, En, "2023-03-26T01:30:00Z", "2023-03-26T12:00:00+03:00", "04:30"),
        case("Kyiv 23-hour day: 00:00 at 23:59", KYIV, En, "2023-03-26T00:00:00+02:00", "2023-03-26T23:59:00+03:00", "00:00"),
        case("Kyiv 23-hour day: 23:59 the day before", KYIV, En, "2023-03-25T23:59:00+02:00", "2023-03-26T23:59:00+03:00", "Yesterday, 23:59"),
        case("Kyiv 23h05m ago is yesterday", KYIV, En, "2023-03-26T00:05:00+02:00", "2023-03-27T00:10:00+03:00", "Yesterday, 00:05"),
        case("Kyiv after the gap seen next day", KYIV, Uk, "2023-03-26T04:30:00+03:00", "2023-03-27T09:00:00+03:00", "Учора, 04:30"),
        // Kyiv, 29 October 2023: 04:00 EEST falls back to 03:00 EET (a 25-hour day).
        case("Kyiv repeated hour, first pass", KYIV, En, "2023-10-29T03:30:00+03:00", "2023-10-29T12:00:00+02:00", "03:30"),
        case("Kyiv repeated hour, second pass", KYIV, En, "2023-10-29T03:30:00+02:00", "2023-10-29T12:00:00+02:00", "03:30"),
        case("Kyiv 25-hour day: 00:00 at 23:59", KYIV, En, "2023-10-29T00:00:00+03:00", "2023-10-29T23:59:00+02:00", "00:00"),
        case("Kyiv 25-hour day seen next midnight", KYIV, En, "2023-10-29T00:00:00+03:00", "2023-10-30T00:00:00+02:00", "Yesterday, 00:00"),
        case("Kyiv repeated hour seen next day, ru", KYIV, Ru, "2023-10-29T03:30:00+02:00", "2023-10-30T08:00:00+02:00", "Вчера, 03:30"),
        case("Kyiv repeated hour two days later", KYIV, En, "2023-10-29T03:30:00+03:00", "2023-10-31T08:00:00+02:00", "29.10.2023, 03:30"),
        // New York, 12 March 2023: 02:00 EST jumps to 03:00 EDT.
        case("NY before the gap", NY, En, "2023-03-12T01:59:00-05:00", "2023-03-12T12:00:00-04:00", "01:59"),
        case("NY instant inside the skipped hour", NY, En, "2023-03-12T07:30:00Z", "2023-03-12T12:00:00-04:00", "03:30"),
        case("NY 23-hour day: 00:00 at 23:59", NY, En, "2023-03-12T00:00:00-05:00", "2023-03-12T23:59:00-04:00", "00:00"),
        case("NY 23h ago is yesterday", NY, En, "2023-03-12T00:30:00-05:00", "2023-03-13T00:30:00-04:00", "Yesterday, 00:30"),
        // New York, 5 November 2023: 02:00 EDT falls back to 01:00 EST.
        case("NY repeated hour, first pass", NY, En, "2023-11-05T01:30:00-04:00", "2023-11-05T12:00:00-05:00", "01:30"),
        case("NY repeated hour, second pass", NY, En, "2023-11-05T01:30:00-05:00", "2023-11-05T12:00:00-05:00", "01:30"),
        case("NY 24h20m ago is still today", NY, En, "2023-11-05T00:10:00-04:00", "2023-11-05T23:30:00-05:00", "00:10"),
        case("NY 25h ago is yesterday", NY, En, "2023-11-04T23:59:00-04:00", "2023-11-05T23:59:00-05:00", "Yesterday, 23:59"),
        case("NY repeated hour seen next day, fr", NY, Fr, "2023-11-05T01:30:00-05:00", "2023-11-06T09:00:00-05:00", "Hier, 01:30"),
        // Every locale, on the seed's three forms.
        case("de today", KYIV, De, "2026-02-04T01:29:00+02:00", "2026-02-04T01:30:00+02:00", "01:29"),
        case("de yesterday", KYIV, De, "2026-02-03T22:08:00+02:00", "2026-02-04T01:30:00+02:00", "Gestern, 22:08"),
        case("de older", KYIV, De, "2026-02-02T10:12:00+02:00", "2026-02-04T01:30:00+02:00", "02.02.2026, 10:12"),
        case("fr today", KYIV, Fr, "2026-02-04T01:29:00+02:00", "2026-02-04T01:30:00+02:00", "01:29"),
        case("fr yesterday", KYIV, Fr, "2026-02-03T22:08:00+02:00", "2026-02-04T01:30:00+02:00", "Hier, 22:08"),
        case("fr older", KYIV, Fr, "2026-02-02T10:12:00+02:00", "2026-02-04T01:30:00+02:00", "02/02/2026 10:12"),
        case("ru today", KYIV, Ru, "2026-02-04T01:29:00+02:00", "2026-02-04T01:30:00+02:00", "01:29"),
        case("ru yesterday", KYIV, Ru, "2026-02-03T22:08:00+02:00", "2026-02-04T01:30:00+02:00", "Вчера, 22:08"),
        case("ru older", KYIV, Ru, "2026-02-02T10:12:00+02:00", "2026-02-04T01:30:00+02:00", "02.02.2026, 10:12"),
        case("uk today", KYIV, Uk, "2026-02-04T01:29:00+02:00", "2026-02-04T01:30:00+02:00", "01:29"),
        case("uk yesterday", KYIV, Uk, "2026-02-03T22:08:00+02:00", "2026-02-04T01:30:00+02:00", "Учора, 22:08"),
        case("uk older", KYIV, Uk, "2026-02-02T10:12:00+02:00", "2026-02-04T01:30:00+02:00", "02.02.2026, 10:12"),
    ];

    #[rustfmt::skip]
    const LONG_CASES: &[(&str, Locale, &str, &str)] = &[
        (KYIV, En, "2023-02-13T14:42:00+02:00", "Monday, 13 February, 2023, 14:42"),
        (KYIV, De, "2023-02-13T14:42:00+02:00", "Montag, 13. Februar 2023 um 14:42"),
        (KYIV, Fr, "2023-02-13T14:42:00+02:00", "lundi 13 février 2023 à 14:42"),
        // ICU puts a narrow no-break space before the year abbreviation.
        (KYIV, Ru, "2023-02-13T14:42:00+02:00", "понедельник, 13 февраля 2023\u{202f}г. в 14:42"),
        (KYIV, Uk, "2023-02-13T14:42:00+02:00", "понеділок, 13 лютого 2023\u{202f}р. о 14:42"),
        (KYIV, En, "2023-01-01T00:00:00+02:00", "Sunday, 1 January, 2023, 00:00"),
        (KYIV, En, "2022-12-31T23:59:00+02:00", "Saturday, 31 December, 2022, 23:59"),
        (KYIV, En, "2023-03-26T01:30:00Z", "Sunday, 26 March, 2023, 04:30"),
        (KYIV, En, "2023-10-29T03:30:00+02:00", "Sunday, 29 October, 2023, 03:30"),
        (NY, En, "2023-03-12T07:30:00Z", "Sunday, 12 March, 2023, 03:30"),
        (NY, En, "2023-11-05T01:30:00-05:00", "Sunday, 5 November, 2023, 01:30"),
        (NY, Ru, "2023-11-05T01:30:00-04:00", "воскресенье, 5 ноября 2023\u{202f}г. в 01:30"),
    ];

    #[test]
    fn list_labels() {
        let mut failures = Vec::new();
        for c in LIST_CASES {
            let clock = SiteClock::new(c.zone, c.locale).unwrap();
            let got = clock.list_label(ts(c.ts), ts(c.now));
            if got != c.want {
                failures.push(format!(
                    "{} ({} {}): ts {} now {}: got {got:?}, want {:?}",
                    c.what, c.zone, c.locale, c.ts, c.now, c.want
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn long_datetimes() {
        let mut failures = Vec::new();
        for &(zone, locale, at, want) in LONG_CASES {
            let got = SiteClock::new(zone, locale).unwrap().long_datetime(ts(at));
            if got != want {
                failures.push(format!("{zone} {locale} {at}: got {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn yesterday_words() {
        let words: Vec<String> = Locale::ALL
            .iter()
            .map(|&l| SiteClock::new("UTC", l).unwrap().yesterday_word())
            .collect();
        assert_eq!(words, ["Yesterday", "Gestern", "Hier", "Вчера", "Учора"]);
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(
            rfc3339(ts("2023-02-13T14:42:00+02:00")),
            "2023-02-13T12:42:00Z"
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(ts("2023-10-29T03:30:00+02:00")),
            "2023-10-29T01:30:00Z"
        );
    }

    #[test]
    fn bad_zone_is_named() {
        let err = SiteClock::new("Mars/Olympus_Mons", Locale::En).unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus_Mons"), "{err}");
    }

    #[test]
    fn clock_reports_its_settings() {
        let clock = SiteClock::new("Europe/Kyiv", Locale::Uk).unwrap();
        assert_eq!(clock.tz_name(), "Europe/Kyiv");
        assert_eq!(clock.locale(), Locale::Uk);
    }

    #[test]
    fn out_of_range_instants_do_not_panic() {
        let clock = SiteClock::new("UTC", Locale::En).unwrap();
        assert!(!clock.list_label(i64::MAX, 0).is_empty());
        assert!(!clock.long_datetime(i64::MIN).is_empty());
    }

    #[test]
    fn locale_tags() {
        for l in Locale::ALL {
            assert_eq!(Locale::parse(l.tag()), Some(l));
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.tag())
            );
        }
        assert_eq!(Locale::parse("de-AT"), Some(Locale::De));
        assert_eq!(Locale::parse("UK"), Some(Locale::Uk));
        assert_eq!(Locale::parse("pt"), None);
        assert_eq!(Locale::parse(""), None);
        assert_eq!("ru-RU".parse::<Locale>(), Ok(Locale::Ru));
        let err = "pt-BR".parse::<Locale>().unwrap_err();
        assert!(err.to_string().contains("pt-BR"), "{err}");
        assert_eq!(Locale::default(), Locale::En);
        let l: Locale = serde_json::from_str("\"fr\"").unwrap();
        assert_eq!(l, Locale::Fr);
    }

    #[test]
    fn clock_is_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<SiteClock>();
    }
}

//! UI strings for the site chrome, from Fluent files in `crates/core/i18n/`.
//!
//! The files are compiled in, so a site never starts with a missing
//! translation file. A message missing from a locale falls back to English,
//! then to its id, so a gap shows up as readable text rather than an error.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::time::Locale;

/// The `.ftl` source of a locale, as compiled into the binary.
pub fn ftl_source(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("../i18n/en.ftl"),
        Locale::De => include_str!("../i18n/de.ftl"),
        Locale::Fr => include_str!("../i18n/fr.ftl"),
        Locale::Ru => include_str!("../i18n/ru.ftl"),
        Locale::Uk => include_str!("../i18n/uk.ftl"),
    }
}

/// A value for a message placeable such as `{ $n }` or `{ $source }`.
///
/// Numbers stay numbers so Fluent can pick the plural form of the locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    Int(i64),
    Str(&'a str),
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                // Counts on a news site never come near i64::MAX; saturate
                // rather than wrap if one ever did.
                Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_arg!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(s)
    }
}

/// The chrome strings of one locale, with English behind them.
///
/// Build one per locale at start-up and share it: the concurrent bundle makes
/// it `Send + Sync`.
pub struct Messages {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
    /// `None` for English itself.
    fallback: Option<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

impl Messages {
    pub fn new(locale: Locale) -> Messages {
        Messages {
            locale,
            bundle: bundle(locale),
            fallback: (locale != Locale::En).then(|| bundle(Locale::En)),
        }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The message `id` without arguments.
    pub fn get(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with its placeables filled, e.g.
    /// `get_args("sources-count", &[("n", 3)])` or
    /// `get_args("read-original", &[("source", "BBC")])`. Mixed kinds take
    /// [`Arg`] values: `&[("n", Arg::Int(2)), ("source", Arg::Str("BBC"))]`.
    pub fn get_args<'a, V>(&self, id: &str, args: &[(&str, V)]) -> String
    where
        V: Into<Arg<'a>> + Copy,
    {
        let mut fargs = FluentArgs::with_capacity(args.len());
        for &(name, value) in args {
            let value: FluentValue<'_> = match value.into() {
                Arg::Int(n) => n.into(),
                Arg::Str(s) => s.into(),
            };
            fargs.set(name.to_owned(), value);
        }
        self.format(id, Some(&fargs))
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        [Some(&self.bundle), self.fallback.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|b| format_in(b, id, args))
            .unwrap_or_else(|| id.to_owned())
    }
}

/// Formats `id` in one bundle; `None` if the bundle lacks it or it fails, so
/// the caller can fall back.
fn format_in(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs<'_>>,
) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, args, &mut errors);
    // A missing argument still yields usable text ("{$n}" in place), which
    // beats falling back to another language for the whole message.
    Some(out.into_owned())
}

fn bundle(locale: Locale) -> FluentBundle<FluentResource> {
    let langid: LanguageIdentifier = locale
        .tag()
        .parse()
        .expect("static locale tags are valid language identifiers");
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // The strings go into HTML and page scripts, where Unicode isolation
    // marks around placeables are noise (and break exact-text checks).
    bundle.set_use_isolating(false);
    // The .ftl files are compiled in and checked by the tests below, so a
    // syntax error here is a build defect; keep what parsed rather than die.
    let resource = match FluentResource::try_new(ftl_source(locale).to_owned()) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    // Duplicate ids are the only error here; the first definition wins.
    let _ = bundle.add_resource(resource);
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(locale: Locale) -> BTreeSet<String> {
        let resource = FluentResource::try_new(ftl_source(locale).to_owned())
            .unwrap_or_else(|(_, errs)| panic!("{locale}.ftl does not parse: {errs:?}"));
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_locale_has_every_id() {
        let en = ids(Locale::En);
        assert!(en.len() >= 20, "{en:?}");
        for locale in Locale::ALL {
            let got = ids(locale);
            let missing: Vec<_> = en.difference(&got).collect();
            let extra: Vec<_> = got.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{locale}.ftl: missing {missing:?}, not in en.ftl {extra:?}"
            );
        }
    }

    #[test]
    fn every_message_formats_cleanly() {
        let mut args = FluentArgs::new();
        args.set("n", 3);
        args.set("source", "BBC");
        args.set("query", "café");
        args.set("total", 5);
        for locale in Locale::ALL {
            let bundle = bundle(locale);
            for id in ids(locale) {
                let pattern = bundle.get_message(&id).and_then(|m| m.value());
                let pattern = pattern.unwrap_or_else(|| panic!("{locale} {id}: no value"));
                let mut errors = Vec::new();
                let out = bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{locale} {id}: {errors:?}");
                assert!(!out.trim().is_empty(), "{locale} {id} is empty");
                assert!(!out.contains(['\u{2068}', '\u{2069}']), "{locale} {id}");
            }
        }
    }

    #[test]
    fn english_words() {
        let m = Messages::new(Locale::En);
        assert_eq!(m.get("latest-news"), "Latest news");
        assert_eq!(
            m.get("not-found-text"),
            "The page you asked for does not exist."
        );
        assert_eq!(
            m.get_args("read-original", &[("source", "BBC News")]),
            "Read the original at BBC News"
        );
        assert_eq!(m.get_args("page", &[("n", 2)]), "Page 2");
        assert_eq!(m.get_args("sources-count", &[("n", 1)]), "1 source");
        assert_eq!(m.get_args("sources-count", &[("n", 4)]), "4 sources");
        assert_eq!(m.get_args("more-sources", &[("n", 1)]), "+1 source");
        assert_eq!(m.get_args("more-sources", &[("n", 3usize)]), "+3 sources");
        assert_eq!(m.get_args("views-count", &[("n", 1367i64)]), "1367 views");
    }

    #[test]
    fn slavic_plurals() {
        let cases: &[(Locale, i64, &str)] = &[
            (Locale::Ru, 1, "1 источник"),
            (Locale::Ru, 2, "2 источника"),
            (Locale::Ru, 4, "4 источника"),
            (Locale::Ru, 5, "5 источников"),
            (Locale::Ru, 11, "11 источников"),
            (Locale::Ru, 12, "12 источников"),
            (Locale::Ru, 21, "21 источник"),
            (Locale::Ru, 22, "22 источника"),
            (Locale::Ru, 25, "25 источников"),
            (Locale::Ru, 0, "0 источников"),
            (Locale::Uk, 1, "1 джерело"),
            (Locale::Uk, 3, "3 джерела"),
            (Locale::Uk, 7, "7 джерел"),
            (Locale::Uk, 14, "14 джерел"),
            (Locale::Uk, 101, "101 джерело"),
            (Locale::Uk, 102, "102 джерела"),
        ];
        for &(locale, n, want) in cases {
            let got = Messages::new(locale).get_args("sources-count", &[("n", n)]);
            assert_eq!(got, want, "{locale} {n}");
        }
        assert_eq!(
            Messages::new(Locale::Ru).get_args("more-sources", &[("n", 3)]),
            "+3 источника"
        );
        assert_eq!(
            Messages::new(Locale::Uk).get_args("views-count", &[("n", 5)]),
            "5 переглядів"
        );
    }

    #[test]
    fn other_plurals() {
        let de = Messages::new(Locale::De);
        assert_eq!(de.get_args("sources-count", &[("n", 1)]), "1 Quelle");
        assert_eq!(de.get_args("sources-count", &[("n", 2)]), "2 Quellen");
        let fr = Messages::new(Locale::Fr);
        assert_eq!(fr.get_args("sources-count", &[("n", 0)]), "0 source");
        assert_eq!(fr.get_args("sources-count", &[("n", 2)]), "2 sources");
    }

    #[test]
    fn locales_differ_from_english() {
        let en = Messages::new(Locale::En);
        for locale in [Locale::De, Locale::Fr, Locale::Ru, Locale::Uk] {
            let m = Messages::new(locale);
            assert_ne!(m.get("latest-news"), en.get("latest-news"), "{locale}");
            assert_eq!(m.locale(), locale);
        }
        assert_eq!(Messages::new(Locale::De).get("home"), "Startseite");
        assert_eq!(
            Messages::new(Locale::Uk).get("latest-news"),
            "Останні новини"
        );
    }

    #[test]
    fn missing_ids_fall_back() {
        let m = Messages::new(Locale::Ru);
        assert_eq!(m.get("no-such-message"), "no-such-message");
        assert_eq!(
            m.get_args("no-such-message", &[("n", 1)]),
            "no-such-message"
        );

        // English fills a gap in another locale: a bundle built from a
        // partial resource stands in for a translation that lags behind.
        let mut partial = FluentBundle::new_concurrent(vec!["de".parse().unwrap()]);
        partial.set_use_isolating(false);
        let res = FluentResource::try_new("home = Startseite\n".to_owned()).unwrap();
        partial.add_resource(res).unwrap();
        let m = Messages {
            locale: Locale::De,
            bundle: partial,
            fallback: Some(bundle(Locale::En)),
        };
        assert_eq!(m.get("home"), "Startseite");
        assert_eq!(m.get("most-read"), "Most read");
        assert_eq!(m.get_args("page", &[("n", 3)]), "Page 3");
    }

    #[test]
    fn mixed_args() {
        let m = Messages::new(Locale::En);
        let s = m.get_args(
            "read-original",
            &[("n", Arg::Int(2)), ("source", Arg::Str("Reuters"))],
        );
        assert_eq!(s, "Read the original at Reuters");
        let name = String::from("AP");
        assert_eq!(
            m.get_args("read-original", &[("source", &name)]),
            "Read the original at AP"
        );
    }

    #[test]
    fn messages_are_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Messages>();
    }
}

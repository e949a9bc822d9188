//! Who is not a reader, by User-Agent: crawlers, link previews, monitors,
//! HTTP libraries and headless browsers. Their requests are served but never
//! counted. The list is data, in `not_readers.txt` beside this file, so
//! adding an entry is one line (with the User-Agent it must catch, which the
//! tests check).

use std::sync::LazyLock;

const LIST: &str = include_str!("not_readers.txt");

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The whole User-Agent must be `text` (else: it must contain it).
    pub whole: bool,
    pub text: String,
    /// A User-Agent this entry catches.
    pub example: String,
}

impl Entry {
    pub fn matches(&self, user_agent: &str) -> bool {
        let ua = user_agent.trim();
        if self.whole {
            ua.eq_ignore_ascii_case(&self.text)
        } else {
            ua.to_ascii_lowercase()
                .contains(&self.text.to_ascii_lowercase())
        }
    }
}

/// The lines of the list that are entries (not comments or blank).
fn entry_lines() -> impl Iterator<Item = &'static str> {
    LIST.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every entry of the list, in file order. A malformed line is a bug in
/// the shipped file: the tests parse it, so it never reaches a release.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
        entry_lines()
            .filter_map(|l| {
                let mut parts = l.splitn(3, " | ");
                let whole = match parts.next()? {
                    "is" => true,
                    "has" => false,
                    _ => return None,
                };
                Some(Entry {
                    whole,
                    text: parts.next()?.to_string(),
                    example: parts.next()?.to_string(),
                })
            })
            .collect()
    });
    &ENTRIES
}

/// Every `has` entry in one automaton, matched case-insensitively in one
/// pass over the User-Agent: this runs on every page view, and scanning the
/// string once per entry would cost more than the rest of the check.
static CONTAINS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(entries().iter().filter(|e| !e.whole).map(|e| &e.text))
        .expect("the not-readers list forms a valid automaton")
});

/// True when the User-Agent is not a reader's, or there is none at all
/// (every browser sends one).
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.trim();
    ua.is_empty()
        || CONTAINS.is_match(ua)
        || entries()
            .iter()
            .any(|e| e.whole && ua.eq_ignore_ascii_case(&e.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of the file is an entry: none is dropped for bad syntax.
    #[test]
    fn every_line_is_an_entry() {
        assert_eq!(
            entries().len(),
            entry_lines().count(),
            "a malformed line in not_readers.txt"
        );
        assert!(entries().len() >= 80);
    }

    /// The test per entry: each entry catches its own example on its own,
    /// in any case, and the whole check catches it too.
    #[test]
    fn each_entry_catches_its_example() {
        let mut failed = Vec::new();
        for e in entries() {
            let upper = e.example.to_ascii_uppercase();
            let lower = e.example.to_ascii_lowercase();
            if !(e.matches(&e.example) && e.matches(&upper) && e.matches(&lower)) {
                failed.push(format!(
                    "entry {:?} misses its example {:?}",
                    e.text, e.example
                ));
            }
            if !(is_bot(&e.example) && is_bot(&upper) && is_bot(&lower)) {
                failed.push(format!(
                    "is_bot misses {:?} (entry {:?})",
                    e.example, e.text
                ));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn the_clients_named_in_issue_11_are_not_readers() {
        for ua in [
            "curl/8.5.0",
            "python-requests/2.32.3",
            "Wget/1.21.4",
            "Go-http-client/2.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36",
            "node-fetch",
            "axios/1.7.2",
            "okhttp/4.9.0",
            "-",
            " - ",
            "",
            "   ",
        ] {
            assert!(is_bot(ua), "{ua:?}");
        }
    }

    #[test]
    fn browsers_are_readers() {
        for ua in [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Opera/9.80 (X11; Linux x86_64) Presto/2.12.388 Version/12.16",
            "Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1 GNUTLS/3.7.8",
            "-x-",
        ] {
            assert!(!is_bot(ua), "{ua}");
        }
    }
}

//! The words of class and id names that say what a page part is, found in
//! one pass of one automaton built once per process.
//!
//! A regex set did this before, and in a short `fetch --once` its lazy DFA
//! spent most of its time building states (overlapping search over six
//! sets of alternations): about 7% of the CPU of ingesting 400 pages. The
//! words are literals, so an Aho-Corasick automaton finds every one of them
//! at once; the few that must stand alone are checked at their ends.
//!
//! Written as: `~` for an optional `-` or `_` between two parts, a leading
//! `=` for a word that must be the whole name or end at a space, `_` or `-`
//! on both sides.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::sync::LazyLock;

/// The six sets, in the order of the bits [`found`] returns.
pub const BODY: u8 = 1;
pub const JUNK: u8 = 2;
pub const CAPTION: u8 = 4;
pub const WEAK_JUNK: u8 = 8;
pub const POSITIVE: u8 = 16;
pub const STRONG_JUNK: u8 = 32;

const SETS: [(u8, &str); 6] = [
    (
        BODY,
        "article~body articlebody article~content article~text story~body story~content \
         story~text entry~content post~content post~body post~text body~text news~text \
         main~text text~body content~body article__body articlecontent storycontent \
         rich~text markdown =prose",
    ),
    (
        JUNK,
        "comment disqus share sharing social related recommend newsletter subscri cookie \
         consent gdpr promo advert sponsor sidebar widget breadcrumb popup modal signup \
         sign-up login outbrain taboola trending most~popular most~read read~more \
         more~stories also~read next~article prev~article author~bio tag~list tags~list \
         tag~cloud pagination pager toolbar masthead navbar =nav navigation menu =ad =ads \
         ad~slot ad~container ad~wrapper adsense dfp banner =rail see~also footer copyright \
         disclaimer skip~link print~only sr~only visually~hidden screen~reader off~screen \
         overlay lightbox gallery slideshow carousel =toc table~of~contents follow donate \
         donation rating feedback survey alert offcanvas jump~link edit~section",
    ),
    (
        CAPTION,
        "caption credit =figure photo~desc photo~info photo~text image~desc image~info \
         image~text image~meta img~desc img~info wp-caption",
    ),
    (
        WEAK_JUNK,
        "byline author dateline timestamp =date meta =tag =tags topics keywords kicker \
         subtitle standfirst infobox",
    ),
    (
        POSITIVE,
        "article body content entry main post story text blog",
    ),
    (
        STRONG_JUNK,
        "comment disqus related recommend outbrain taboola newsletter cookie consent \
         most~popular most~read more~stories",
    ),
];

struct Words {
    automaton: AhoCorasick,
    /// Per pattern: its set's bit, and whether it must stand alone.
    meaning: Vec<(u8, bool)>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| {
    let mut literals = Vec::new();
    let mut meaning = Vec::new();
    for (bit, words) in SETS {
        for word in words.split_whitespace() {
            let (alone, word) = match word.strip_prefix('=') {
                Some(w) => (true, w),
                None => (false, word),
            };
            for literal in spellings(word) {
                literals.push(literal);
                meaning.push((bit, alone));
            }
        }
    }
    let automaton = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::Standard)
        .build(&literals)
        .expect("class words build");
    Words { automaton, meaning }
});

/// Each way `word` may be written: every `~` as nothing, `-` or `_`.
fn spellings(word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for (i, part) in word.split('~').enumerate() {
        if i > 0 {
            out = out
                .iter()
                .flat_map(|s| ["", "-", "_"].map(|sep| format!("{s}{sep}")))
                .collect();
        }
        for s in &mut out {
            s.push_str(part);
        }
    }
    out
}

/// A name ends here: the text's end, whitespace, `_` or `-`.
fn is_edge(c: Option<char>) -> bool {
    c.is_none_or(|c| c == '_' || c == '-' || c.is_whitespace())
}

/// The sets whose words occur in `lower` (a lower-cased `class id`), as bits.
pub fn found(lower: &str) -> u8 {
    let words = &*WORDS;
    let mut bits = 0;
    for m in words.automaton.find_overlapping_iter(lower) {
        let (bit, alone) = words.meaning[m.pattern().as_usize()];
        if bits & bit != 0 {
            continue;
        }
        if alone
            && !(is_edge(lower[..m.start()].chars().next_back())
                && is_edge(lower[m.end()..].chars().next()))
        {
            continue;
        }
        bits |= bit;
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_separators_are_spelled_out() {
        assert_eq!(spellings("post"), ["post"]);
        assert_eq!(
            spellings("most~read"),
            ["mostread", "most-read", "most_read"]
        );
        assert_eq!(spellings("table~of~contents").len(), 9);
    }

    #[test]
    fn words_that_stand_alone_need_an_edge_on_both_sides() {
        assert_eq!(found("nav"), JUNK);
        assert_eq!(found("main-nav"), JUNK | POSITIVE);
        assert_eq!(found("nav_top x"), JUNK);
        assert_eq!(found("canvas"), 0);
        assert_eq!(found("navy"), 0);
        assert_eq!(found("ad"), JUNK);
        assert_eq!(found("ads\u{a0}x"), JUNK, "any whitespace is an edge");
        assert_eq!(found("head lead"), 0);
        assert_eq!(found("prose"), BODY);
        assert_eq!(found("proser"), 0);
        assert_eq!(found("tags"), WEAK_JUNK);
        assert_eq!(found("update"), 0);
    }

    /// The regex set these words replaced, as it was: the words must find
    /// what it found, on every spelling with every neighbour, and on the
    /// class and id names of real pages.
    fn former(lower: &str) -> u8 {
        static FORMER: LazyLock<regex::RegexSet> = LazyLock::new(|| {
            regex::RegexSet::new([
                r"article[-_]?body|articlebody|article[-_]?content|article[-_]?text|story[-_]?body|story[-_]?content|story[-_]?text|entry[-_]?content|post[-_]?content|post[-_]?body|post[-_]?text|body[-_]?text|news[-_]?text|main[-_]?text|text[-_]?body|content[-_]?body|article__body|articlecontent|storycontent|rich[-_]?text|markdown|(^|[\s_-])prose($|[\s_-])",
                r"comment|disqus|share|sharing|social|related|recommend|newsletter|subscri|cookie|consent|gdpr|promo|advert|sponsor|sidebar|widget|breadcrumb|popup|modal|signup|sign-up|login|outbrain|taboola|trending|most[-_]?popular|most[-_]?read|read[-_]?more|more[-_]?stories|also[-_]?read|next[-_]?article|prev[-_]?article|author[-_]?bio|tag[-_]?list|tags[-_]?list|tag[-_]?cloud|pagination|pager|toolbar|masthead|navbar|(^|[\s_-])nav($|[\s_-])|navigation|menu|(^|[\s_-])ads?($|[\s_-])|ad[-_]?slot|ad[-_]?container|ad[-_]?wrapper|adsense|dfp|banner|(^|[\s_-])rail($|[\s_-])|see[-_]?also|footer|copyright|disclaimer|skip[-_]?link|print[-_]?only|sr[-_]?only|visually[-_]?hidden|screen[-_]?reader|off[-_]?screen|overlay|lightbox|gallery|slideshow|carousel|(^|[\s_-])toc($|[\s_-])|table[-_]?of[-_]?contents|follow|donate|donation|rating|feedback|survey|alert|offcanvas|jump[-_]?link|edit[-_]?section",
                r"caption|credit|(^|[\s_-])figure($|[\s_-])|photo[-_]?(desc|info|text)|image[-_]?(desc|info|text|meta)|img[-_]?(desc|info)|wp-caption",
                r"byline|author|dateline|timestamp|(^|[\s_-])date($|[\s_-])|meta|(^|[\s_-])tags?($|[\s_-])|topics|keywords|kicker|subtitle|standfirst|infobox",
                r"article|body|content|entry|main|post|story|text|blog",
                r"comment|disqus|related|recommend|outbrain|taboola|newsletter|cookie|consent|most[-_]?(popular|read)|more[-_]?stories",
            ])
            .unwrap()
        });
        FORMER
            .matches(lower)
            .iter()
            .fold(0, |bits, i| bits | SETS[i].0)
    }

    #[test]
    fn the_words_find_what_the_former_regex_set_found() {
        let mut names: Vec<String> = Vec::new();
        let sides = ["", "x", "-", "_", " ", "\u{a0}", "a-", "-b", "ab "];
        for (_, words) in SETS {
            for word in words.split_whitespace() {
                for spelled in spellings(word.trim_start_matches('=')) {
                    for before in sides {
                        for after in sides {
                            names.push(format!("{before}{spelled}{after}"));
                        }
                    }
                    // Cut short: a part of a word finds nothing it should not.
                    names.push(spelled[..spelled.len() - 1].to_string());
                    names.push(spelled[1..].to_string());
                }
            }
        }
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dev = here.join("../../../shared/datasets/extraction-dev/html");
        let mut pages: Vec<String> = Vec::new();
        for dir in [here.join("tests/pages"), dev.clone()] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                eprintln!(
                    "SKIPPED (names of these pages): {} not found",
                    dir.display()
                );
                continue;
            };
            for path in entries.map(|e| e.unwrap().path()) {
                let name = path.to_string_lossy().into_owned();
                let bytes = std::fs::read(&path).unwrap();
                if name.ends_with(".html.gz") {
                    let mut html = Vec::new();
                    std::io::Read::read_to_end(
                        &mut flate2::read::GzDecoder::new(&bytes[..]),
                        &mut html,
                    )
                    .unwrap();
                    pages.push(String::from_utf8_lossy(&html).into_owned());
                } else if name.ends_with(".html") {
                    pages.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        let before = names.len();
        for html in pages {
            let html = html.to_ascii_lowercase();
            for attr in ["class=\"", "id=\""] {
                for (at, _) in html.match_indices(attr) {
                    let value = &html[at + attr.len()..];
                    names.push(value[..value.find('"').unwrap_or(0)].trim().to_string());
                }
            }
        }
        assert!(
            names.len() - before > 100,
            "the test pages' names were read"
        );
        for name in &names {
            assert_eq!(found(name), former(name), "{name:?}");
        }
    }

    #[test]
    fn every_set_is_reported_once_found() {
        assert_eq!(found("comment-list"), JUNK | STRONG_JUNK);
        assert_eq!(found("article-body"), BODY | POSITIVE);
        assert_eq!(found("wp-caption"), CAPTION);
        assert_eq!(found("byline"), WEAK_JUNK);
        assert_eq!(found("row col-md-8"), 0);
    }
}

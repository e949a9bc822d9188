//! Why a story's articles belong together, in words a reader can check: the
//! names and the words that most of them share. The clusterer itself works
//! on hashed terms; this reads the headlines and summaries again, with the
//! same stopwords and plural folding, and keeps the surface forms.
//!
//! Names are runs of capitalised words, as in `event_terms`, but only words
//! that some article capitalises where grammar does not (not at the start of
//! a sentence, not in a headline written in Title Case): "Rafah" in
//! "Crossing at Rafah opens", never "Crossing".

use crate::event_terms::is_text_stopword;
use crate::hash::FxMap;
use crate::tokenize::stem;
use std::collections::HashSet;

/// A name or word, and in how many of the articles it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub text: String,
    pub articles: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedTerms {
    pub names: Vec<Shared>,
    pub words: Vec<Shared>,
}

/// Characters of an article's text read; a lede says what binds a story.
const TEXT_CHARS: usize = 1_500;

struct Word<'a> {
    raw: &'a str,
    key: String,
    capital: bool,
    /// Capitalised by grammar or style rather than because it is a name.
    grammar: bool,
    /// Follows the previous word with only spaces between.
    joined: bool,
}

fn words(text: &str, title_case: bool) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    let mut joined = false;
    let mut start = None;
    for (i, c) in text.char_indices() {
        let inner = (c == '\'' || c == '\u{2019}') && start.is_some();
        if c.is_alphanumeric() || inner {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            push_word(&text[s..i], sentence_start || title_case, joined, &mut out);
            sentence_start = false;
            joined = true;
        }
        if matches!(
            c,
            '.' | '!' | '?' | ':' | '\n' | '"' | '\u{201c}' | '\u{201e}' | '\u{ab}'
        ) {
            sentence_start = true;
        }
        if !c.is_whitespace() {
            joined = false;
        }
    }
    if let Some(s) = start {
        push_word(&text[s..], sentence_start || title_case, joined, &mut out);
    }
    out
}

fn push_word<'a>(raw: &'a str, grammar: bool, joined: bool, out: &mut Vec<Word<'a>>) {
    let raw = raw.trim_end_matches(['\'', '\u{2019}']);
    let raw = raw
        .strip_suffix("'s")
        .or_else(|| raw.strip_suffix("\u{2019}s"))
        .unwrap_or(raw);
    if raw.is_empty() {
        return;
    }
    out.push(Word {
        raw,
        key: stem(&raw.to_lowercase().replace(['\'', '\u{2019}'], "")),
        capital: raw.chars().next().is_some_and(char::is_uppercase),
        grammar,
        joined,
    });
}

/// A word that can say what the event is.
fn counts(w: &Word<'_>) -> bool {
    let digit = w.key.bytes().any(|b| b.is_ascii_digit());
    (digit || w.key.chars().count() >= 3) && !is_text_stopword(&w.key)
}

/// A word that can be part of a name ("Un" in "Kim Jong Un").
fn nameable(w: &Word<'_>) -> bool {
    w.capital && w.key.chars().count() >= 2 && !is_text_stopword(&w.key)
}

/// Most words capitalised: the headline's capitals say nothing about names.
fn is_title_case(title: &str) -> bool {
    let ws = words(title, false);
    let content: Vec<&Word<'_>> = ws.iter().filter(|w| counts(w)).collect();
    content.len() >= 3 && content.iter().filter(|w| w.capital).count() * 4 >= content.len() * 3
}

/// The names and words that at least two of the articles, and at least half
/// of them, share, most widely shared first (then in order of appearance),
/// at most `max` of each. Each article is its headline and a text (summary
/// or body), of which the start is read.
pub fn shared_terms(articles: &[(&str, &str)], max: usize) -> SharedTerms {
    let docs: Vec<Vec<Word<'_>>> = articles
        .iter()
        .map(|(title, text)| {
            let cut = text
                .char_indices()
                .nth(TEXT_CHARS)
                .map_or(text.len(), |(i, _)| i);
            let mut ws = words(title, is_title_case(title));
            ws.extend(words(&text[..cut], false));
            ws
        })
        .collect();
    // Words some article capitalises where only a name would be.
    let proper: HashSet<&str> = docs
        .iter()
        .flatten()
        .filter(|w| nameable(w) && !w.grammar)
        .map(|w| w.key.as_str())
        .collect();
    let need = 2.max(articles.len().div_ceil(2));
    let mut names = Tally::default();
    let mut plain = Tally::default();
    for doc in &docs {
        let mut run: Vec<&Word<'_>> = Vec::new();
        let mut seen_names = HashSet::new();
        let mut seen_words = HashSet::new();
        let mut flush = |run: &mut Vec<&Word<'_>>, seen: &mut HashSet<String>| {
            if run.is_empty() {
                return;
            }
            let key = run
                .iter()
                .map(|w| w.key.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let text = run.iter().map(|w| w.raw).collect::<Vec<_>>().join(" ");
            if seen.insert(key.clone()) {
                names.add(key, text);
            }
            run.clear();
        };
        for w in doc {
            let name = nameable(w) && proper.contains(w.key.as_str());
            if !name || !w.joined {
                flush(&mut run, &mut seen_names);
            }
            if name {
                run.push(w);
            }
            if counts(w) && seen_words.insert(w.key.clone()) {
                plain.add(w.key.clone(), w.raw.to_lowercase());
            }
        }
        flush(&mut run, &mut seen_names);
    }
    let names = names.shared(need, max);
    // A word inside a name already shown says nothing more.
    let in_names: HashSet<String> = names
        .iter()
        .flat_map(|n| n.text.split(' ').map(|w| stem(&w.to_lowercase())))
        .collect();
    plain.order.retain(|k| !in_names.contains(k));
    SharedTerms {
        words: plain.shared(need, max),
        names,
    }
}

#[derive(Default)]
struct Tally {
    /// Key -> (first surface form, articles).
    seen: FxMap<String, (String, usize)>,
    order: Vec<String>,
}

impl Tally {
    fn add(&mut self, key: String, text: String) {
        match self.seen.get_mut(&key) {
            Some(e) => e.1 += 1,
            None => {
                self.order.push(key.clone());
                self.seen.insert(key, (text, 1));
            }
        }
    }

    fn shared(&self, need: usize, max: usize) -> Vec<Shared> {
        let mut out: Vec<(usize, Shared)> = self
            .order
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let (text, n) = self.seen.get(k)?;
                (*n >= need).then(|| {
                    (
                        i,
                        Shared {
                            text: text.clone(),
                            articles: *n,
                        },
                    )
                })
            })
            .collect();
        out.sort_by(|a, b| b.1.articles.cmp(&a.1.articles).then(a.0.cmp(&b.0)));
        out.into_iter().take(max).map(|e| e.1).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[Shared]) -> Vec<&str> {
        v.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn names_and_words_most_articles_share() {
        let s = shared_terms(
            &[
                (
                    "Rafah crossing reopens for medical evacuees",
                    "The Rafah crossing reopened on Monday for patients.",
                ),
                (
                    "Crossing at Rafah opens again, first patients leave",
                    "Egypt let the first patients through.",
                ),
                (
                    "Patients cross into Egypt as Rafah reopens",
                    "Doctors in Gaza said more patients were waiting.",
                ),
            ],
            8,
        );
        assert_eq!(texts(&s.names), ["Rafah", "Egypt"]);
        assert_eq!(s.names[0].articles, 3);
        assert_eq!(s.names[1].articles, 2);
        // "patients" is folded with "patient"; "rafah" is a name, not a word.
        assert_eq!(texts(&s.words), ["patients", "crossing", "reopens"]);
        assert_eq!(s.words[0].articles, 3);
    }

    #[test]
    fn grammar_capitals_are_not_names() {
        // "Crossing" starts a sentence, and the Title Case headline
        // capitalises every word: neither makes a name.
        let s = shared_terms(
            &[
                ("Crossing Reopens For Medical Evacuees At Border", ""),
                (
                    "Crossing opens again at the border",
                    "Crossing guards waved people on.",
                ),
            ],
            8,
        );
        assert!(s.names.is_empty(), "{:?}", s.names);
        assert_eq!(texts(&s.words), ["crossing", "border"]);
    }

    #[test]
    fn runs_of_names_stay_whole() {
        let s = shared_terms(
            &[
                (
                    "Talks with Kim Jong Un stall",
                    "Officials met Kim Jong Un in Pyongyang.",
                ),
                (
                    "Envoy says Kim Jong Un wants more time",
                    "Pyongyang gave no date.",
                ),
            ],
            8,
        );
        assert_eq!(texts(&s.names), ["Kim Jong Un", "Pyongyang"]);
        assert!(!texts(&s.words).contains(&"kim"));
    }

    #[test]
    fn one_article_or_nothing_in_common_shares_nothing() {
        assert_eq!(
            shared_terms(&[("Dam talks begin in Cairo", "")], 8),
            SharedTerms::default()
        );
        assert_eq!(shared_terms(&[], 8), SharedTerms::default());
        let s = shared_terms(&[("Dam talks begin", ""), ("Storm closes roads", "")], 8);
        assert!(s.names.is_empty() && s.words.is_empty());
    }

    #[test]
    fn most_must_share_in_a_big_story() {
        // Two of six is not "most": only what four or more share shows.
        let mut v = vec![("Harbour strike spreads to Rotterdam", ""); 4];
        v.push(("Ferry delays in Calais", ""));
        v.push(("Ferry delays in Calais", ""));
        let s = shared_terms(&v, 8);
        assert_eq!(texts(&s.names), ["Rotterdam"]);
        assert_eq!(texts(&s.words), ["harbour", "strike", "spreads"]);
        assert_eq!(s.words[0].articles, 4);
    }
}

//! Turning an item into weighted terms.
//!
//! Headlines are a dozen words, so we squeeze several views out of them:
//! the words, pairs of adjacent capitalised words (names and phrases such
//! as "Billy Dee" / "Dee Williams" that identify an event far better than
//! either word alone), the URL slug, and the lede of the text when present.

use crate::hash::hash_str;
use crate::tokenize::{Token, is_stopword, tokens, url_words};
use serde::{Deserialize, Serialize};

/// Namespaces keep a word and a phrase with the same spelling apart.
const NS_WORD: u8 = 0;
const NS_PHRASE: u8 = 1;

/// Relative weights of the views. Tuned on the first 14 days only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureWeights {
    pub title_word: f32,
    /// Extra factor for capitalised words and acronyms (likely names).
    pub capital_boost: f32,
    pub phrase: f32,
    /// Adjacent pairs that are not both capitalised ("gas prices").
    pub phrase_plain: f32,
    /// Factor for all-caps words ("NSA", "GM", "DWTS").
    pub acronym_boost: f32,
    pub url_word: f32,
    pub text_word: f32,
    /// Only the start of a body is used: the lede names the event, and it
    /// bounds the cost of megabyte-sized texts.
    pub text_words_max: usize,
}

impl Default for FeatureWeights {
    fn default() -> Self {
        FeatureWeights {
            title_word: 1.0,
            capital_boost: 1.15,
            phrase: 0.5,
            phrase_plain: 0.5,
            acronym_boost: 1.0,
            url_word: 0.8,
            text_word: 0.3,
            text_words_max: 60,
        }
    }
}

/// Term id of an ordered pair of words, from the words' ids (no string
/// building on the hot path).
pub fn phrase_key(first: u64, second: u64) -> u64 {
    crate::hash::mix(
        first.rotate_left(23) ^ second ^ u64::from(NS_PHRASE).wrapping_mul(0x9e37_79b9_7f4a_7c15),
    )
}

/// Raw (pre-IDF) weights, one entry per distinct term, sorted by term.
pub fn extract(
    title: &str,
    url: Option<&str>,
    text: Option<&str>,
    w: &FeatureWeights,
    scratch: &mut Vec<Token>,
) -> Vec<(u64, f32)> {
    let mut title_tokens = Vec::new();
    tokens(title, &mut title_tokens);
    extract_tokens(&title_tokens, url, text, w, scratch)
}

/// `extract` from the title's tokens, so that the clusterer tokenises a
/// title once for stories and threads.
pub fn extract_tokens(
    title: &[Token],
    url: Option<&str>,
    text: Option<&str>,
    w: &FeatureWeights,
    scratch: &mut Vec<Token>,
) -> Vec<(u64, f32)> {
    let mut out: Vec<(u64, f32)> = Vec::with_capacity(32);
    visit_terms(title, url, text, w, scratch, |h, weight, _| {
        out.push((h, weight));
        true
    });
    // A term seen in several views keeps its strongest weight rather than the
    // sum: a slug repeating the headline is not extra evidence.
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    out.dedup_by_key(|e| e.0);
    out
}

/// Where a term came from, so that it can be named again (the clusterer
/// says which terms an article shares with its story).
#[derive(Debug, Clone, Copy)]
pub enum View<'a> {
    /// A headline word; `name` when its capital marks a name (an acronym,
    /// or a capital past the first word of a sentence-case headline).
    Title { token: &'a Token, name: bool },
    /// Two adjacent headline words.
    Pair {
        first: &'a Token,
        second: &'a Token,
        name: bool,
    },
    /// A word of the URL's path.
    Url(&'a Token),
    /// A word of the text's lede.
    Text(&'a Token),
}

/// Every term of an item with its raw weight and where it came from, title
/// first, then URL, then text (a term may come more than once), until
/// `emit` answers false: naming terms usually needs the title only.
pub fn visit_terms(
    title: &[Token],
    url: Option<&str>,
    text: Option<&str>,
    w: &FeatureWeights,
    scratch: &mut Vec<Token>,
    mut emit: impl FnMut(u64, f32, View<'_>) -> bool,
) {
    // In Title Case headlines every word is capitalised, so capitals say
    // nothing about names; only sentence-case headlines get the boost.
    // The first word is capitalised either way and does not count.
    let content = title
        .iter()
        .skip(1)
        .filter(|t| !is_stopword(&t.text))
        .count();
    let capitals = title
        .iter()
        .skip(1)
        .filter(|t| !is_stopword(&t.text) && t.capital)
        .count();
    let sentence_case = capitals * 10 <= content * 6;
    let first_pos = title.first().map(|t| t.pos);
    let is_name = |t: &Token| t.acronym || (t.capital && sentence_case && Some(t.pos) != first_pos);
    let mut prev: Option<(&Token, u64)> = None;
    for t in title {
        if is_stopword(&t.text) {
            prev = None;
            continue;
        }
        let h = hash_str(NS_WORD, &t.text);
        let boost = if t.acronym {
            w.acronym_boost
        } else if t.capital && sentence_case {
            w.capital_boost
        } else {
            1.0
        };
        let name = is_name(t);
        if !emit(h, w.title_word * boost, View::Title { token: t, name }) {
            return;
        }
        if let Some((p, ph)) = prev
            && p.pos + 1 == t.pos
        {
            let pw = if p.capital && t.capital {
                w.phrase
            } else {
                w.phrase_plain
            };
            if pw > 0.0 {
                let pair = View::Pair {
                    first: p,
                    second: t,
                    name: name && (is_name(p) || Some(p.pos) == first_pos && p.capital),
                };
                if !emit(phrase_key(ph, h), pw, pair) {
                    return;
                }
            }
        }
        prev = Some((t, h));
    }
    if let (Some(u), true) = (url, w.url_word > 0.0) {
        scratch.clear();
        url_words(u, scratch);
        for t in scratch.iter() {
            if !emit(hash_str(NS_WORD, &t.text), w.url_word, View::Url(t)) {
                return;
            }
        }
    }
    if let (Some(body), true) = (text, w.text_word > 0.0) {
        // Cut before tokenising so a 1 MB body costs no more than a lede.
        let cut = body
            .char_indices()
            .nth(w.text_words_max * 12)
            .map_or(body.len(), |(i, _)| i);
        scratch.clear();
        tokens(&body[..cut], scratch);
        for t in scratch
            .iter()
            .filter(|t| !is_stopword(&t.text))
            .take(w.text_words_max)
        {
            if !emit(hash_str(NS_WORD, &t.text), w.text_word, View::Text(t)) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_merge_by_strongest_weight() {
        let w = FeatureWeights::default();
        let mut s = Vec::new();
        let f = extract(
            "Billy Dee Williams dances",
            Some("http://x.com/billy-dee-williams-dances-star-wars"),
            None,
            &w,
            &mut s,
        );
        // Title Case: capitals say nothing, no boost.
        let weight = |f: &[(u64, f32)], word: &str| {
            f.iter().find(|e| e.0 == hash_str(NS_WORD, word)).unwrap().1
        };
        assert_eq!(weight(&f, "billy"), w.title_word);
        // Sentence case: capitalised words are likely names.
        let g = extract(
            "Police question actor Billy Dee Williams over a dance",
            None,
            None,
            &w,
            &mut s,
        );
        assert_eq!(weight(&g, "billy"), w.title_word * w.capital_boost);
        assert_eq!(weight(&g, "actor"), w.title_word);
        let star = f.iter().find(|e| e.0 == hash_str(NS_WORD, "star")).unwrap();
        assert_eq!(star.1, w.url_word);
        let pair = phrase_key(hash_str(NS_WORD, "dee"), hash_str(NS_WORD, "william"));
        assert!(f.iter().any(|e| e.0 == pair));
        let reversed = phrase_key(hash_str(NS_WORD, "william"), hash_str(NS_WORD, "dee"));
        assert!(!f.iter().any(|e| e.0 == reversed), "pairs are ordered");
        assert!(f.windows(2).all(|p| p[0].0 < p[1].0));
    }

    #[test]
    fn huge_text_is_cut_to_the_lede() {
        let w = FeatureWeights::default();
        let body = "word ".repeat(200_000) + "unique";
        let mut s = Vec::new();
        let f = extract("Title here", None, Some(&body), &w, &mut s);
        assert!(!f.iter().any(|e| e.0 == hash_str(NS_WORD, "unique")));
    }
}

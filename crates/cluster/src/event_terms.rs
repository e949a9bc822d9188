//! Terms that name an event across days: the words of the title and of the
//! lead paragraph, the named entities (runs of capitalised words) of the
//! title and of the start of the text, and the numbers.
//!
//! Day-level stories live on headline words; a development three days later
//! often shares few of them ("Fireball lights up sky" / "Meteor seen over
//! New England"), but it names the same people, places and figures. Names
//! are recognised by capitals only: no model, no gazetteer.

use crate::features::phrase_key;
use crate::hash::{hash_str, mix};
use crate::tokenize::{Token, is_stopword, tokens};
use serde::{Deserialize, Serialize};

const NS_WORD: u8 = 0;
const NS_NUMBER: u8 = 2;
const ENTITY_SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// Weights of the views; see docs/QUALITY.md ("Threads") for how they were
/// chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventWeights {
    pub title_word: f32,
    pub lead_word: f32,
    /// A whole entity ("Kim Jong Un", "Hokkaido").
    pub entity: f32,
    /// A word inside an entity, so "Kim" still meets "Kim Jong Un".
    pub entity_word: f32,
    pub number: f32,
    /// Words taken from the lead paragraph(s).
    pub lead_words: usize,
    /// Characters of the text searched for entities (bounds the cost of
    /// long texts).
    pub entity_chars: usize,
}

impl Default for EventWeights {
    fn default() -> Self {
        EventWeights {
            title_word: 2.0,
            lead_word: 0.7,
            entity: 1.0,
            entity_word: 0.5,
            number: 1.0,
            lead_words: 80,
            entity_chars: 2800,
        }
    }
}

/// Time words and reporting verbs that run through every text: they name
/// when and how something was told, never which event.
const TEXT_STOPWORDS: &[&str] = &[
    "accord",
    "april",
    "august",
    "caption",
    "day",
    "december",
    "february",
    "first",
    "friday",
    "image",
    "january",
    "july",
    "june",
    "last",
    "like",
    "march",
    "monday",
    "month",
    "november",
    "october",
    "people",
    "photo",
    "saturday",
    "september",
    "sunday",
    "thursday",
    "time",
    "told",
    "tuesday",
    "wednesday",
    "week",
    "year",
];

pub(crate) fn is_text_stopword(w: &str) -> bool {
    // The extra words are 3 to 9 bytes long: most words are ruled out by
    // length before the search.
    is_stopword(w) || ((3..=9).contains(&w.len()) && TEXT_STOPWORDS.binary_search(&w).is_ok())
}

fn has_digit(t: &Token) -> bool {
    t.text.bytes().any(|b| b.is_ascii_digit())
}

/// Raw (pre-IDF) weights, one entry per distinct term, sorted by term.
pub fn event_terms(
    title: &str,
    text: Option<&str>,
    w: &EventWeights,
    scratch: &mut Vec<Token>,
) -> Vec<(u64, f32)> {
    let mut title_tokens = Vec::new();
    tokens(title, &mut title_tokens);
    event_terms_tokens(title, &title_tokens, text, w, scratch)
}

/// `event_terms` from the title's tokens (`title` is still needed to spot
/// the title repeated at the top of the text).
pub fn event_terms_tokens(
    title: &str,
    title_tokens: &[Token],
    text: Option<&str>,
    w: &EventWeights,
    scratch: &mut Vec<Token>,
) -> Vec<(u64, f32)> {
    let mut out: Vec<(u64, f32)> = Vec::with_capacity(64);
    for t in title_tokens {
        if has_digit(t) {
            out.push((hash_str(NS_NUMBER, &t.text), w.number));
        } else if !is_text_stopword(&t.text) {
            out.push((hash_str(NS_WORD, &t.text), w.title_word));
        }
    }
    entities(title_tokens, w, &mut out);
    if let Some(body) = text {
        let lead = lead(body, title, w.lead_words);
        scratch.clear();
        tokens(lead, scratch);
        for t in scratch.iter().take(w.lead_words) {
            if has_digit(t) {
                out.push((hash_str(NS_NUMBER, &t.text), w.number));
            } else if !is_text_stopword(&t.text) {
                out.push((hash_str(NS_WORD, &t.text), w.lead_word));
            }
        }
        let cut = body
            .char_indices()
            .nth(w.entity_chars)
            .map_or(body.len(), |(i, _)| i);
        scratch.clear();
        tokens(&body[..cut], scratch);
        entities(scratch, w, &mut out);
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    out.dedup_by_key(|e| e.0);
    out
}

/// Runs of adjacent capitalised words that are not stopwords: "Kim Jong Un",
/// "Hokkaido", "NASA". Each run is one term, and its words count too.
fn entities(toks: &[Token], w: &EventWeights, out: &mut Vec<(u64, f32)>) {
    let mut run: Option<(u64, u32)> = None;
    let flush = |run: &mut Option<(u64, u32)>, out: &mut Vec<(u64, f32)>| {
        if let Some((key, _)) = run.take() {
            out.push((mix(key), w.entity));
        }
    };
    for t in toks {
        let name = t.capital && !has_digit(t) && !is_text_stopword(&t.text);
        if !name {
            flush(&mut run, out);
            continue;
        }
        let h = hash_str(NS_WORD, &t.text);
        out.push((h, w.entity_word));
        run = match run {
            Some((key, pos)) if pos + 1 == t.pos => Some((phrase_key(key, h), t.pos)),
            _ => {
                flush(&mut run, out);
                Some((h ^ ENTITY_SEED, t.pos))
            }
        };
    }
    flush(&mut run, out);
}

/// The lead paragraph(s): the first paragraphs of at least eight words that
/// are not the title again (extracted texts often repeat it) and not a
/// photo caption or byline, up to about `words` words.
pub fn lead<'a>(text: &'a str, title: &str, words: usize) -> &'a str {
    let title = title.trim();
    let mut start = None;
    let mut end = 0;
    let mut count = 0;
    let mut offset = 0;
    for para in text.split('\n') {
        let here = offset;
        offset += para.len() + 1;
        let p = para.trim();
        let n = p.split_whitespace().count();
        // A short line between paragraphs (a caption) does not end the
        // lead; it stays inside the slice, where it weighs little.
        if n < 8 || p.eq_ignore_ascii_case(title) {
            continue;
        }
        start.get_or_insert(here);
        end = here + para.len();
        count += n;
        if count >= words {
            break;
        }
    }
    match start {
        Some(s) => &text[s..end],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(terms: &[(u64, f32)], key: u64) -> Option<f32> {
        terms.iter().find(|e| e.0 == key).map(|e| e.1)
    }

    #[test]
    fn stopword_list_is_sorted() {
        assert!(TEXT_STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(TEXT_STOPWORDS.iter().all(|w| (3..=9).contains(&w.len())));
    }

    #[test]
    fn lead_skips_the_repeated_title_and_captions() {
        let text = "Storm hits coast\nEnlarge this image toggle caption AP\n\
                    A powerful storm hit the northern coast early on Tuesday, cutting power.\n\
                    More text follows here with enough words to count as a paragraph.";
        let l = lead(text, "Storm hits coast", 10);
        assert!(l.starts_with("A powerful storm"), "{l}");
        assert!(!l.contains("More text"), "{l}");
        assert_eq!(lead("short\nlines only", "t", 80), "");
    }

    #[test]
    fn entities_numbers_and_lead_words_are_terms() {
        let w = EventWeights::default();
        let mut s = Vec::new();
        let text = "North Korea fired a ballistic missile over Hokkaido on Tuesday, \
                    and Kim Jong Un said 143 more would follow.";
        let f = event_terms("Missile flies over Japan", Some(text), &w, &mut s);
        let word = |x: &str| hash_str(NS_WORD, x);
        assert_eq!(has(&f, word("missile")), Some(w.title_word));
        assert_eq!(has(&f, word("ballistic")), Some(w.lead_word));
        assert_eq!(has(&f, hash_str(NS_NUMBER, "143")), Some(w.number));
        let kim = mix(phrase_key(
            phrase_key(word("kim") ^ ENTITY_SEED, word("jong")),
            word("un"),
        ));
        assert_eq!(has(&f, kim), Some(w.entity));
        // Weekdays name when, not what.
        assert_eq!(has(&f, word("tuesday")), None);
        assert!(f.windows(2).all(|p| p[0].0 < p[1].0));
    }
}

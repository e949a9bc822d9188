//! The words of a text, hashed: how the JSON-LD `articleBody` anchors the
//! container search, and how the renderers match paragraphs against it.

/// Hashes of the words of a reference text (JSON-LD `articleBody`), used to
/// find the DOM element that holds that text.
pub type Anchor = crate::boilerplate::HashSet64;

pub fn word_hash(w: &str) -> u64 {
    // FNV-1a: tiny and good enough for a per-page word set.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in w.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Calls `f` on every word (alphanumeric run) of `s`; ASCII text, the
/// common case, is split on bytes without decoding characters.
pub fn for_each_word(s: &str, mut f: impl FnMut(&str)) {
    if s.is_ascii() {
        for w in s.split(|c: char| !c.is_ascii_alphanumeric()) {
            if !w.is_empty() {
                f(w);
            }
        }
    } else {
        for w in s.split(|c: char| !c.is_alphanumeric()) {
            if !w.is_empty() {
                f(w);
            }
        }
    }
}

pub fn anchor(text: &str) -> Anchor {
    let mut set = Anchor::default();
    for_each_word(text, |w| {
        set.insert(word_hash(w));
    });
    set
}

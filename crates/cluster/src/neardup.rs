//! Near-duplicate detection over a time window: MinHash with LSH banding,
//! plus a prefix key for truncated copies.
//!
//! Banding finds candidates in O(bands) lookups whatever the stream size;
//! each candidate is then verified, so the bands only need high recall.
//! Truncation ("Crude oil drops to $101 a barrel after ...") lowers Jaccard
//! in proportion to what was cut, so truncated copies are also looked up by
//! their first characters and verified as a prefix.

use crate::hash::{FxMap, mix};
use crate::minhash::{PERMUTATIONS, Signature, canonical, estimate, shingles, signature};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

const BANDS: usize = 16;
const ROWS: usize = PERMUTATIONS / BANDS;
const PREFIX_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NearDupConfig {
    /// Estimated Jaccard of character shingles at or above which two
    /// headlines are copies of one another.
    pub min_jaccard: f64,
    /// A truncated copy must keep at least this share of the longer one.
    pub min_prefix_share: f64,
    /// Word-set Jaccard at or above which two headlines of five or more
    /// words are copies (one word changed in eight: 7/9 = 0.78).
    pub min_word_jaccard: f64,
    /// Headlines with fewer words are too generic ("Sector Update: Consumer")
    /// to call copies from their text alone.
    pub min_words: usize,
}

impl Default for NearDupConfig {
    fn default() -> Self {
        NearDupConfig {
            min_jaccard: 0.55,
            min_prefix_share: 0.5,
            min_word_jaccard: 0.7,
            min_words: 4,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    seq: u64,
    time: i64,
    item: String,
    story: u64,
    canon: String,
    #[serde(with = "sig_serde")]
    sig: Signature,
}

/// A found original: which item, in which story, how similar.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub item: String,
    pub story: u64,
    pub similarity: f64,
}

/// Fingerprint of one headline, computed once and reused for lookup and
/// insertion.
pub struct Fingerprint {
    canon: String,
    sig: Signature,
    keys: [u64; BANDS + 2],
    eligible: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NearDupIndex {
    config: NearDupConfig,
    entries: VecDeque<Entry>,
    next_seq: u64,
    /// LSH band key (and prefix key) -> sequence numbers of entries.
    buckets: FxMap<u64, Vec<u64>>,
}

impl NearDupIndex {
    pub fn new(config: NearDupConfig) -> Self {
        NearDupIndex {
            config,
            entries: VecDeque::new(),
            next_seq: 0,
            buckets: FxMap::default(),
        }
    }

    pub fn fingerprint(&self, normalised_title: &str, scratch: &mut Vec<u64>) -> Fingerprint {
        let canon = canonical(normalised_title);
        shingles(&canon, scratch);
        let sig = signature(scratch);
        let keys = bucket_keys(&sig, &canon);
        let eligible = canon.split(' ').count() >= self.config.min_words;
        Fingerprint {
            canon,
            sig,
            keys,
            eligible,
        }
    }

    fn get(&self, seq: u64) -> Option<&Entry> {
        let first = self.entries.front()?.seq;
        self.entries
            .get(usize::try_from(seq.checked_sub(first)?).ok()?)
    }

    /// The most similar earlier copy within the window, if any. Ties go to
    /// the earliest item so re-runs agree.
    pub fn find(&self, fp: &Fingerprint) -> Option<Match> {
        if !fp.eligible {
            return None;
        }
        let mut best: Option<(f64, u64)> = None;
        let long_enough = fp.canon.chars().count() >= PREFIX_CHARS;
        for (k, key) in fp.keys.iter().enumerate() {
            if k >= BANDS && !long_enough {
                continue;
            }
            let Some(list) = self.buckets.get(key) else {
                continue;
            };
            for &seq in list {
                let Some(e) = self.get(seq) else { continue };
                let sim = self.similarity(fp, e);
                if sim <= 0.0 {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((s, q)) => sim > s || (sim == s && seq < q),
                };
                if better {
                    best = Some((sim, seq));
                }
            }
        }
        let (similarity, seq) = best?;
        let e = self.get(seq)?;
        Some(Match {
            item: e.item.clone(),
            story: e.story,
            similarity,
        })
    }

    /// Verified similarity, or 0 when the pair is not a copy.
    fn similarity(&self, fp: &Fingerprint, e: &Entry) -> f64 {
        let j = estimate(&fp.sig, &e.sig);
        if j >= self.config.min_jaccard {
            return j;
        }
        let (short, long) = if fp.canon.len() <= e.canon.len() {
            (&fp.canon, &e.canon)
        } else {
            (&e.canon, &fp.canon)
        };
        // A cut copy ends mid-headline; compare whole words only so that
        // "Sbarro files" is not a copy of "Sbarro filesystem ...".
        let is_prefix = long.starts_with(short.as_str())
            && long[short.len()..].starts_with(' ')
            && short.split(' ').count() >= self.config.min_words;
        if is_prefix && short.len() as f64 >= self.config.min_prefix_share * long.len() as f64 {
            return self
                .config
                .min_jaccard
                .max(short.len() as f64 / long.len() as f64);
        }
        // One word swapped in a short headline breaks many character
        // shingles but few words.
        // (Skipped when the shingles disagree outright: that is most band
        // collisions, and word sets cost allocations.)
        if j < 0.25 {
            return 0.0;
        }
        let w = word_jaccard(&fp.canon, &e.canon, self.config.min_words.max(5));
        if w >= self.config.min_word_jaccard {
            // Ranked below any shingle-level match.
            return self.config.min_jaccard * w;
        }
        0.0
    }

    pub fn insert(&mut self, fp: Fingerprint, item: String, story: u64, time: i64) {
        if !fp.eligible {
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        for key in fp.keys {
            self.buckets.entry(key).or_default().push(seq);
        }
        self.entries.push_back(Entry {
            seq,
            time,
            item,
            story,
            canon: fp.canon,
            sig: fp.sig,
        });
    }

    /// Drops entries older than `horizon`, with their bucket slots.
    pub fn evict(&mut self, horizon: i64) {
        while self.entries.front().is_some_and(|e| e.time < horizon) {
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            let fp = bucket_keys(&e.sig, &e.canon);
            for key in fp {
                if let Some(list) = self.buckets.get_mut(&key) {
                    // Entries enter in sequence order, so the oldest is first.
                    if let Some(pos) = list.iter().position(|&s| s == e.seq) {
                        list.remove(pos);
                    }
                    if list.is_empty() {
                        self.buckets.remove(&key);
                    }
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }
}

/// Jaccard of the two headlines' word sets; 0 when either has fewer than
/// `min_words` distinct words.
fn word_jaccard(a: &str, b: &str, min_words: usize) -> f64 {
    let mut wa: Vec<&str> = a.split(' ').collect();
    let mut wb: Vec<&str> = b.split(' ').collect();
    wa.sort_unstable();
    wa.dedup();
    wb.sort_unstable();
    wb.dedup();
    if wa.len() < min_words || wb.len() < min_words {
        return 0.0;
    }
    let (mut i, mut k, mut inter) = (0, 0, 0usize);
    while i < wa.len() && k < wb.len() {
        match wa[i].cmp(wb[k]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => k += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                k += 1;
            }
        }
    }
    inter as f64 / (wa.len() + wb.len() - inter) as f64
}

/// LSH band keys, then the prefix key, then the suffix key.
fn bucket_keys(sig: &Signature, canon: &str) -> [u64; BANDS + 2] {
    let mut keys = [0u64; BANDS + 2];
    for (b, key) in keys.iter_mut().take(BANDS).enumerate() {
        let mut h = mix(b as u64 + 0x9e37);
        for &v in &sig[b * ROWS..(b + 1) * ROWS] {
            h = mix(h ^ u64::from(v));
        }
        *key = h;
    }
    let end = canon
        .char_indices()
        .nth(PREFIX_CHARS)
        .map_or(canon.len(), |(i, _)| i);
    keys[BANDS] = mix(crate::hash::hash_str(3, &canon[..end]));
    // The suffix key finds copies edited near the start ("Report: ...").
    let n = canon.chars().count();
    let start = canon
        .char_indices()
        .nth(n.saturating_sub(PREFIX_CHARS))
        .map_or(0, |(i, _)| i);
    keys[BANDS + 1] = mix(crate::hash::hash_str(4, &canon[start..]));
    keys
}

/// serde has no impls for arrays longer than 32.
mod sig_serde {
    use super::{PERMUTATIONS, Signature};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(sig: &Signature, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(sig.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Signature, D::Error> {
        let v = Vec::<u32>::deserialize(d)?;
        v.try_into()
            .map_err(|v: Vec<u32>| D::Error::invalid_length(v.len(), &"64 minhash values"))
            .map(|a: [u32; PERMUTATIONS]| a)
    }
}

//! Fragments many pages share (the section menu, a story's block on its
//! articles' pages), each kept until a write it shows or its time bound.
//!
//! `crate::invalidate` drops what a write touches, on every node; the time
//! bound (`SiteConfig::fragment_ttl`) only ages what a fragment does not
//! know changed by itself. A fragment read from the database before a write
//! and put after it must not be kept as current: every drop bumps a
//! generation, and `put` keeps a value only when none happened since its
//! read began.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub struct Kept<K, V> {
    /// Its label in the metrics' cache lookups.
    name: &'static str,
    ttl: Duration,
    /// Past this many entries the map starts over: each is one indexed
    /// read to rebuild, and a bound on entries bounds the bytes of values
    /// this small.
    max_entries: usize,
    map: RwLock<HashMap<K, (Instant, Arc<V>)>>,
    generation: AtomicU64,
}

impl<K: Eq + Hash, V> Kept<K, V> {
    pub fn new(name: &'static str, ttl: Duration, max_entries: usize) -> Self {
        Self {
            name,
            ttl,
            max_entries,
            map: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    /// The value kept under `key`, if it is current.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        let found = map
            .get(key)
            .filter(|(made, _)| made.elapsed() < self.ttl)
            .map(|(_, v)| v.clone());
        crate::metrics::cache_lookup(self.name, found.is_some());
        found
    }

    /// Where a rebuild starts: pass it back to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `value` unless something was dropped since `generation` (it
    /// may have been read before that write); returns it either way.
    pub fn put(&self, key: K, value: V, generation: u64) -> Arc<V> {
        let value = Arc::new(value);
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::Acquire) == generation && !self.ttl.is_zero() {
            if map.len() >= self.max_entries && !map.contains_key(&key) {
                map.clear();
            }
            map.insert(key, (Instant::now(), value.clone()));
        }
        value
    }

    /// The keys of the values `pick` names. Drops nothing.
    pub fn keys_where(&self, mut pick: impl FnMut(&V) -> bool) -> Vec<K>
    where
        K: Clone,
    {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.iter()
            .filter(|(_, (_, v))| pick(v))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Drops every value `keep` refuses.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        // Under the lock, so no `put` of an older read slips in after it.
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.retain(|k, (_, v)| keep(k, v));
    }

    pub fn clear(&self) {
        self.retain(|_, _| false);
    }

    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_before_a_drop_is_not_kept() {
        let kept: Kept<u32, &str> = Kept::new("test", Duration::from_secs(60), 10);
        let before = kept.generation();
        kept.put(1, "one", before);
        assert_eq!(kept.get(&1).as_deref(), Some(&"one"));
        let read_at = kept.generation();
        kept.retain(|k, _| *k != 1);
        assert!(kept.get(&1).is_none(), "dropped");
        kept.put(1, "old read", read_at);
        assert!(kept.get(&1).is_none(), "read before the drop: not kept");
        kept.put(1, "new read", kept.generation());
        assert_eq!(kept.get(&1).as_deref(), Some(&"new read"));
    }

    #[test]
    fn bounded_in_entries_and_time() {
        let kept: Kept<u32, u32> = Kept::new("test", Duration::from_millis(30), 3);
        for k in 0..3 {
            kept.put(k, k, kept.generation());
        }
        assert_eq!(kept.len(), 3);
        kept.put(2, 20, kept.generation());
        assert_eq!(kept.len(), 3, "replacing an entry keeps the others");
        kept.put(9, 9, kept.generation());
        assert_eq!(kept.len(), 1, "full: starts over");
        std::thread::sleep(Duration::from_millis(40));
        assert!(kept.get(&9).is_none(), "past its time bound");
        let off: Kept<u32, u32> = Kept::new("test", Duration::ZERO, 3);
        off.put(1, 1, off.generation());
        assert!(off.is_empty());
    }
}

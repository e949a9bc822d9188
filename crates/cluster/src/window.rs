//! Time window bookkeeping: effective arrival times and story expiry.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The clusterer's clock. Items are clustered at their arrival time: an
/// item stamped earlier than one already seen is treated as arriving now,
/// because decisions already made cannot be revisited and the window must
/// never move backwards.
pub fn effective_time(published: i64, clock: Option<i64>) -> i64 {
    match clock {
        Some(c) if published < c => c,
        _ => published,
    }
}

/// Oldest time still inside a window of `window_secs` ending at `now`.
pub fn horizon(now: i64, window_secs: i64) -> i64 {
    now.saturating_sub(window_secs)
}

/// One entry per story update, in time order. A story is due for eviction
/// when its newest entry leaves the window; older entries for the same
/// story are recognised as superseded and skipped, so no entry is ever
/// searched for or moved.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExpiryQueue {
    queue: VecDeque<(i64, u32, u64)>,
}

impl ExpiryQueue {
    pub fn touch(&mut self, time: i64, slot: u32, story: u64) {
        self.queue.push_back((time, slot, story));
    }

    /// Pops entries older than `horizon`; `expire(slot, story)` decides
    /// whether the story is really gone or was refreshed since.
    pub fn drain_before(&mut self, horizon: i64, mut expire: impl FnMut(u32, u64)) {
        while let Some(&(t, slot, story)) = self.queue.front() {
            if t >= horizon {
                break;
            }
            self.queue.pop_front();
            expire(slot, story);
        }
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_items_are_clustered_now() {
        assert_eq!(effective_time(100, None), 100);
        assert_eq!(effective_time(50, Some(100)), 100);
        assert_eq!(effective_time(150, Some(100)), 150);
    }

    #[test]
    fn drains_only_entries_outside_the_window() {
        let mut q = ExpiryQueue::default();
        q.touch(10, 0, 1);
        q.touch(20, 1, 2);
        q.touch(30, 0, 1);
        let mut seen = Vec::new();
        q.drain_before(horizon(45, 20), |s, id| seen.push((s, id)));
        assert_eq!(seen, vec![(0, 1), (1, 2)]);
        assert_eq!(q.len(), 1);
    }
}

//! What the clustering job tells the metrics recorder, through the
//! `metrics` facade (the binary installs the recorder). Enabled by the
//! `store` feature.

use crate::clusterer::Assignment;
use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use newsroom_core::Timestamp;

pub const ARTICLES: &str = "newsroom_cluster_articles_total";
pub const LAG: &str = "newsroom_cluster_lag_seconds";
pub const LIVE_STORIES: &str = "newsroom_cluster_live_stories";

/// Help texts, once the recorder is installed.
pub fn describe() {
    describe_counter!(
        ARTICLES,
        "Articles filed into stories, by result: new_story (it opened one), joined, near_duplicate (joined as a copy of an earlier article)"
    );
    describe_histogram!(
        LAG,
        Unit::Seconds,
        "From an article's fetch to its filing into a story"
    );
    describe_gauge!(
        LIVE_STORIES,
        Unit::Count,
        "Stories still open to new articles in the clusterer's window (on the node holding the clustering lease)"
    );
}

pub(crate) fn filed(a: &Assignment, fetched_at: Timestamp, now: Timestamp) {
    let result = if a.new_story {
        "new_story"
    } else if a.near_duplicate_of.is_some() {
        "near_duplicate"
    } else {
        "joined"
    };
    counter!(ARTICLES, "result" => result).increment(1);
    histogram!(LAG).record((now - fetched_at).max(0) as f64);
}

pub(crate) fn live_stories(n: usize) {
    gauge!(LIVE_STORIES).set(n as f64);
}

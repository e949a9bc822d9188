#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod affix;
pub mod bcubed;
pub mod cli;
mod clusterer;
pub mod dataset;
pub mod event_terms;
pub mod explain;
pub mod features;
mod hash;
pub mod index;
#[cfg(feature = "store")]
pub mod metrics;
pub mod minhash;
pub mod neardup;
#[cfg(feature = "store")]
pub mod persist;
pub mod story;
pub mod tfidf;
pub mod thread;
pub mod tokenize;
pub mod window;
#[cfg(feature = "store")]
pub mod worker;

pub use bcubed::{BCubed, bcubed};
pub use cli::{ClusterError, RunStats, run_cli, run_cli_config};
pub use clusterer::{
    Assignment, Clusterer, Config, Item, SHARED_TERMS, SharedTerm, StateSize, decay,
};
pub use explain::{Shared, SharedTerms, shared_terms};
pub use story::StorySummary;
pub use thread::{ThreadConfig, ThreadSummary};

//! View counting: who counts as a visitor, which requests are bots, and the
//! in-memory buffer that batches counts into the store.

pub mod bots;
pub mod counter;
pub mod visitor;

pub use counter::{Batch, FlushStats, ViewCounter};
pub use visitor::VisitorKey;

//! View counting: who counts as a visitor, which requests are bots, and the
//! in-memory buffer that batches counts into the store, the task that
//! flushes it, and the file that keeps what a shutdown could not write.

pub mod bots;
pub mod counter;
pub mod flush;
mod spool;
pub mod visitor;

pub use counter::{Batch, FlushStats, ViewCounter};
pub use visitor::VisitorKey;

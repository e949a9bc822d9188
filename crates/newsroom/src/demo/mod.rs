//! Demo content: `seed` is the small hand-written site `serve --demo` fills
//! an empty database with; `synthetic` is a generated site of any size
//! (`newsroom demo --articles N`).

mod seed;
pub mod synthetic;
mod words;

pub use seed::fill_if_empty;

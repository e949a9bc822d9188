#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod boilerplate;
pub mod charset;
mod class_words;
pub mod dom;
pub mod fragment;
pub mod jsonld;
pub mod media;
pub mod metadata;
pub mod metric;
pub mod parse;
pub mod parse_html5ever;
pub mod prepass;
pub mod sanitize;
pub mod scoring;
pub mod selection;
mod siblings;
pub mod text;
pub mod words;

mod extract;

pub use extract::{Extracted, Options, Parser, contract_json, extract, extract_with};
pub use fragment::{fragment_line, fragment_text};
pub use media::{Image, Video};
pub use sanitize::sanitize_html;

//! The JSON API under `/api/`: the content API, the view beacon and the
//! OpenAPI description. Search's JSON answer lives with search.

pub mod beacon;
pub mod content;
pub mod openapi;

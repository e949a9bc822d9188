//! Why an address was refused, for canonicalisation and `PublicUrl` alike
//! (its own module, so that neither of those depends on the other for it).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not an absolute URL: {url:?} ({reason})")]
    Parse {
        url: String,
        reason: url::ParseError,
    },
    #[error("not an http(s) URL: {0:?}")]
    Scheme(String),
    #[error("URL has no host: {0:?}")]
    NoHost(String),
    #[error("URL of {0} bytes is too long")]
    TooLong(usize),
    #[error("URL wrapped in too many layers of character references: {0:?}")]
    Encoded(String),
}

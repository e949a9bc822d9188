//! Why a fetch failed, in a few stable classes the scheduler and `source list` share.

use std::fmt;

/// The class of a failed fetch. `as_str()` names are stored in the database and shown to
/// operators, so they never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FetchErrorClass {
    Dns,
    Connect,
    Timeout,
    Tls,
    Http4xx,
    /// 404 or 410: the feed is gone (re-probed at the backoff ceiling, never dropped).
    Gone,
    /// 429.
    RateLimited,
    Http5xx,
    /// A bot-protection wall (`cf-mitigated`, a JavaScript challenge page).
    BotWall,
    /// The body is HTML or something else where a feed was expected.
    NotAFeed,
    Parse,
    TooLarge,
    SsrfBlocked,
    /// Not http or https (a feed or redirect to `file://`, `ftp://`...).
    UnsupportedScheme,
    RedirectLoop,
}

impl FetchErrorClass {
    pub const ALL: [FetchErrorClass; 15] = [
        Self::Dns,
        Self::Connect,
        Self::Timeout,
        Self::Tls,
        Self::Http4xx,
        Self::Gone,
        Self::RateLimited,
        Self::Http5xx,
        Self::BotWall,
        Self::NotAFeed,
        Self::Parse,
        Self::TooLarge,
        Self::SsrfBlocked,
        Self::UnsupportedScheme,
        Self::RedirectLoop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::Http4xx => "http_4xx",
            Self::Gone => "gone",
            Self::RateLimited => "rate_limited",
            Self::Http5xx => "http_5xx",
            Self::BotWall => "bot_wall",
            Self::NotAFeed => "not_a_feed",
            Self::Parse => "parse",
            Self::TooLarge => "too_large",
            Self::SsrfBlocked => "ssrf_blocked",
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::RedirectLoop => "redirect_loop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A sentence for operators.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Dns => "the host name could not be resolved",
            Self::Connect => "the server could not be reached",
            Self::Timeout => "the server took too long to answer",
            Self::Tls => "the secure connection failed (certificate or TLS error)",
            Self::Http4xx => "the server refused the request",
            Self::Gone => "the feed is gone (404 or 410)",
            Self::RateLimited => "the server asked us to slow down (429)",
            Self::Http5xx => "the server had an error",
            Self::BotWall => "a bot-protection wall blocked the request",
            Self::NotAFeed => "the address does not serve a feed",
            Self::Parse => "the feed could not be read",
            Self::TooLarge => "the response was larger than the size limit",
            Self::SsrfBlocked => {
                "the address is on a private or local network, which is not allowed"
            }
            Self::UnsupportedScheme => {
                "the address is not http or https (e.g. file://), which is never fetched"
            }
            Self::RedirectLoop => "the redirects loop or are too many",
        }
    }

    /// Failures that say nothing about the source, only about our own network: when every
    /// fetch of a pass fails like this, the pass counts as an outage.
    pub fn is_network_level(self) -> bool {
        matches!(self, Self::Dns | Self::Connect)
    }
}

impl fmt::Display for FetchErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed fetch: its class, a detail for the log, and when the server allows us back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{class}: {detail}")]
pub struct FetchError {
    pub class: FetchErrorClass,
    pub detail: String,
    pub status: Option<u16>,
    /// From Retry-After on 429/503: do not ask again before this time (UTC seconds).
    pub not_before: Option<i64>,
}

impl FetchError {
    pub fn new(class: FetchErrorClass, detail: impl Into<String>) -> Self {
        Self {
            class,
            detail: detail.into(),
            status: None,
            not_before: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_not_before(mut self, not_before: Option<i64>) -> Self {
        self.not_before = not_before;
        self
    }

    /// The message for `source list`: the class's sentence and the detail.
    pub fn human(&self) -> String {
        format!("{} ({})", self.class.describe(), self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in FetchErrorClass::ALL {
            assert!(seen.insert(c.as_str()));
            assert_eq!(FetchErrorClass::parse(c.as_str()), Some(c));
            assert!(!c.describe().is_empty());
        }
        assert_eq!(FetchErrorClass::Http4xx.as_str(), "http_4xx");
        assert_eq!(FetchErrorClass::Gone.as_str(), "gone");
        assert!(
            !FetchErrorClass::UnsupportedScheme
                .describe()
                .contains("private"),
            "file:// is no network at all"
        );
    }
}

impl From<newsroom_feed::FeedError> for FetchError {
    fn from(e: newsroom_feed::FeedError) -> Self {
        use newsroom_feed::FeedErrorClass as F;
        let class = match e.class {
            F::TooLarge => FetchErrorClass::TooLarge,
            F::BotWall => FetchErrorClass::BotWall,
            F::NotAFeed => FetchErrorClass::NotAFeed,
            F::Parse => FetchErrorClass::Parse,
        };
        FetchError::new(class, e.detail)
    }
}

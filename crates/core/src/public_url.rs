//! [`PublicUrl`]: the only kind of URL newsroom stores or puts in a page.
//!
//! Feeds and pages are written by strangers. A link, image, video or
//! enclosure address from them ends up in an `href` or `src` on our site, so
//! a `javascript:` or `data:` address there runs (or renders) with the site's
//! origin. Checking the scheme with a string prefix is not enough: browsers
//! drop tabs and newlines anywhere in a URL, strip leading control
//! characters, ignore case, and decode character references in attributes
//! before they look at the scheme. So the value is parsed the way a browser
//! parses it (the WHATWG algorithm of the `url` crate), after decoding
//! character references, and only the serialisation of that parse is kept.
//! What a page prints is then exactly what was judged.

use crate::url_error::UrlError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use url::Url;

/// Longer addresses are refused: nothing legitimate needs more, and every
/// stored URL is kept in rows, pages and feeds.
pub const MAX_URL_BYTES: usize = 4096;

/// An absolute `http` or `https` URL with a host and no credentials, in the
/// normalised form the `url` crate serialises (lower-case scheme and host,
/// IDNA, percent-encoded path and query).
///
/// It can only be made by parsing ([`PublicUrl::parse`],
/// [`PublicUrl::resolve`]), so a value of this type is safe to print into an
/// HTML attribute (with the usual attribute escaping) and into feeds.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// An absolute address; relative ones are refused.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        Self::resolve(raw, None)
    }

    /// `raw` resolved against `base` when it is relative (the page or feed
    /// it came from). An absolute `raw` is judged on its own.
    pub fn resolve(raw: &str, base: Option<&Url>) -> Result<Self, UrlError> {
        if raw.len() > MAX_URL_BYTES {
            return Err(UrlError::TooLong(raw.len()));
        }
        let decoded = decode_references(raw).ok_or_else(|| UrlError::Encoded(shorten(raw)))?;
        let parsed = match base {
            Some(b) => b.join(&decoded),
            None => Url::parse(&decoded),
        }
        .map_err(|reason| UrlError::Parse {
            url: shorten(raw),
            reason,
        })?;
        Self::from_url(parsed).map_err(|e| match e {
            UrlError::Scheme(_) => UrlError::Scheme(shorten(raw)),
            UrlError::NoHost(_) => UrlError::NoHost(shorten(raw)),
            other => other,
        })
    }

    /// A URL parsed already (a fetched page's final address, a resolved link).
    pub fn from_url(mut url: Url) -> Result<Self, UrlError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlError::Scheme(shorten(url.as_str())));
        }
        match url.host() {
            // The WHATWG parser lets through host names no DNS holds
            // (`a\`b`, `a{b}`); a public address is letters, digits,
            // `-`, `_` and dots after IDNA, or an IP address.
            Some(url::Host::Domain(h))
                if !h.trim_matches('.').is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) => {}
            Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => {}
            _ => return Err(UrlError::NoHost(shorten(url.as_str()))),
        }
        // `https://trusted.example@evil.example/` shows one host and opens
        // another; credentials have no business in a stored address either.
        // Clearing them cannot fail on a URL with a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let s = String::from(url);
        if s.len() > MAX_URL_BYTES {
            return Err(UrlError::TooLong(s.len()));
        }
        Ok(Self(s))
    }

    /// The value when it passes, `None` (with a debug log naming `what`)
    /// when it does not: for fields where a bad URL means "no image", "no
    /// video" and so on, never a failed item.
    pub fn or_drop(raw: &str, base: Option<&Url>, what: &'static str) -> Option<Self> {
        match Self::resolve(raw, base) {
            Ok(u) => Some(u),
            Err(error) => {
                tracing::debug!(field = what, %error, "URL dropped");
                None
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The parsed form, for joining relative links against it.
    pub fn to_url(&self) -> Url {
        // The string is the serialisation of a parsed URL, so it parses.
        Url::parse(&self.0).expect("a PublicUrl is a valid URL")
    }
}

/// A short, single-line excerpt of a rejected value for errors and logs.
fn shorten(raw: &str) -> String {
    const KEEP: usize = 200;
    let mut s: String = raw.chars().take(KEEP).collect();
    if s.len() < raw.len() {
        s.push('…');
    }
    s
}

/// How many layers of character references are peeled off before a value
/// is given up on: real addresses have one at most (`&amp;` in a feed that
/// escaped twice).
const MAX_REFERENCE_LAYERS: usize = 4;

/// Decodes HTML character references, as a browser does in an attribute
/// value, so `&#106;avascript:` and `javascript&colon;` are judged as the
/// `javascript:` they become. Only references that can change how a URL
/// parses are named; numeric ones are all decoded.
///
/// Decoding goes on until nothing changes (tabs and newlines, which the URL
/// parser drops, are dropped first, so `&am<TAB>p;` is seen as `&amp;`): a
/// value may be decoded again by whoever reads it next (the sanitiser's
/// second pass at render time reads an attribute the HTML parser decoded
/// already), and what is kept must read the same then. `None` for a value
/// still changing after [`MAX_REFERENCE_LAYERS`] rounds.
fn decode_references(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    let mut value: std::borrow::Cow<'_, str> = if raw.contains(['\t', '\n', '\r']) {
        raw.replace(['\t', '\n', '\r'], "").into()
    } else {
        raw.into()
    };
    for _ in 0..=MAX_REFERENCE_LAYERS {
        if !value.contains('&') {
            return Some(value);
        }
        let once = decode_once(&value);
        if once == value {
            return Some(value);
        }
        value = once.replace(['\t', '\n', '\r'], "").into();
    }
    None
}

fn decode_once(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match reference(after) {
            Some((ch, used)) => {
                out.push(ch);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference at the start of `s` (just after `&`) stands
/// for, and how many bytes it used, the `;` included when present.
pub(crate) fn reference(s: &str) -> Option<(char, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits
            .bytes()
            .take_while(|b| (*b as char).is_digit(radix))
            .count();
        if len == 0 || len > 8 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        // Browsers turn NUL and out-of-range references into U+FFFD, which no
        // scheme or host can contain either way; such a reference is left as
        // it is, so the URL parser reads its '&' and '#' as a browser reading
        // the literal text would (`?fbclid&#0a` keeps a query and a fragment).
        // Other control characters likewise: only tab and newlines, which the
        // URL parser drops, are decoded (`java&#9;script:` is `javascript:`).
        let ch =
            char::from_u32(code).filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))?;
        let semi = usize::from(digits[len..].starts_with(';'));
        return Some((ch, skip + len + semi));
    }
    const NAMED: &[(&str, char)] = &[
        ("amp;", '&'),
        ("colon;", ':'),
        ("Tab;", '\t'),
        ("NewLine;", '\n'),
        ("sol;", '/'),
        ("bsol;", '\\'),
        ("quest;", '?'),
        ("num;", '#'),
        ("period;", '.'),
        ("commat;", '@'),
        ("percnt;", '%'),
        ("lt;", '<'),
        ("gt;", '>'),
        ("quot;", '"'),
        ("apos;", '\''),
        ("nbsp;", '\u{a0}'),
    ];
    NAMED
        .iter()
        .find(|(name, _)| s.starts_with(name))
        .map(|&(name, ch)| (ch, name.len()))
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Read-only access to the checked text; there is no way back in.
impl std::ops::Deref for PublicUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PublicUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for PublicUrl {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PublicUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::str::FromStr for PublicUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for PublicUrl {
    type Error = UrlError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PublicUrl {
    type Error = UrlError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PublicUrl> for String {
    fn from(u: PublicUrl) -> Self {
        u.0
    }
}

impl Serialize for PublicUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Deserialising checks like parsing: JSON from anywhere cannot smuggle a
/// `javascript:` address into the type.
impl<'de> Deserialize<'de> for PublicUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;

//! Which content coding a response is sent in, from `Accept-Encoding`.
//!
//! Only brotli, gzip and identity are offered. A header that cannot be
//! understood (odd q-values, a thousand codings, `identity;q=0` with nothing
//! else acceptable) never fails a request: what is not understood counts as
//! not accepted, and identity is the answer of last resort, as servers
//! commonly send it rather than a 406.

use axum::http::{HeaderMap, HeaderValue, header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Br,
}

/// Past this many bytes of `Accept-Encoding`, the rest is not read.
const MAX_HEADER_BYTES: usize = 8 * 1024;

impl Coding {
    /// The `Content-Encoding` value; `None` for identity.
    pub fn header(self) -> Option<HeaderValue> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some(HeaderValue::from_static("gzip")),
            Coding::Br => Some(HeaderValue::from_static("br")),
        }
    }

    /// What this coding adds to an entity tag, so each representation has
    /// its own strong tag (`conditional::base_tag` takes it off again).
    pub fn tag_suffix(self) -> &'static str {
        match self {
            Coding::Identity => "",
            Coding::Gzip => "-gz",
            Coding::Br => "-br",
        }
    }
}

/// How much a client weighs brotli and gzip, in thousandths (0: not at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    br: u16,
    gzip: u16,
}

impl Accepted {
    /// For a body compressed whole: brotli or gzip, whichever the client
    /// weighs more (brotli on a tie, being smaller); identity when it
    /// accepts neither.
    pub fn for_body(self) -> Coding {
        if self.br > 0 && self.br >= self.gzip {
            Coding::Br
        } else if self.gzip > 0 {
            Coding::Gzip
        } else {
            Coding::Identity
        }
    }

    /// For a page with count holes: the same, but gzip on a tie. Its
    /// pieces are one chain, brotli's are not (`pieces`), so gzip makes the
    /// smaller page, in less time.
    pub fn for_page(self) -> Coding {
        if self.gzip > 0 && self.gzip >= self.br {
            Coding::Gzip
        } else {
            self.for_body()
        }
    }

    pub fn of(headers: &HeaderMap) -> Self {
        let mut br: Option<u16> = None;
        let mut gzip: Option<u16> = None;
        let mut any: Option<u16> = None;
        let mut budget = MAX_HEADER_BYTES;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(text) = value.to_str() else { continue };
            for item in text.split(',') {
                if budget < item.len() {
                    break;
                }
                budget -= item.len();
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let q = parts
                    .find_map(|p| {
                        let (k, v) = p.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("q").then(|| qvalue(v.trim()))
                    })
                    .unwrap_or(Some(1000));
                // An unreadable weight counts as "not acceptable".
                let q = q.unwrap_or(0);
                let slot = if name.eq_ignore_ascii_case("br") {
                    &mut br
                } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                    &mut gzip
                } else if name == "*" {
                    &mut any
                } else {
                    continue;
                };
                // Listed twice: the higher weight stands.
                *slot = Some(slot.map_or(q, |old| old.max(q)));
            }
        }
        Self {
            br: br.or(any).unwrap_or(0),
            gzip: gzip.or(any).unwrap_or(0),
        }
    }
}

/// A weight in thousandths: `0`, `0.5`, `1.000` (RFC 9110, 12.4.2). `None`
/// for anything else (`2`, `-1`, `0.1234`, `NaN`).
fn qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(v: &str) -> Coding {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        Accepted::of(&h).for_body()
    }

    #[test]
    fn weights_decide() {
        assert_eq!(Accepted::of(&HeaderMap::new()).for_body(), Coding::Identity);
        assert_eq!(pick("gzip, deflate, br"), Coding::Br);
        assert_eq!(pick("gzip"), Coding::Gzip);
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Coding::Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(pick("*"), Coding::Br);
        assert_eq!(pick("*;q=0.3, br;q=0"), Coding::Gzip);
        assert_eq!(pick("identity;q=0"), Coding::Identity);
        assert_eq!(pick("identity;q=0, gzip;q=0.001"), Coding::Gzip);
        assert_eq!(pick("GZIP;Q=1.000"), Coding::Gzip);
    }

    #[test]
    fn pages_take_gzip_on_a_tie() {
        let page = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            Accepted::of(&h).for_page()
        };
        assert_eq!(page("gzip, deflate, br, zstd"), Coding::Gzip);
        assert_eq!(page("*"), Coding::Gzip);
        assert_eq!(page("br"), Coding::Br);
        assert_eq!(page("br;q=1, gzip;q=0.9"), Coding::Br);
        assert_eq!(page("gzip;q=0, br"), Coding::Br);
        assert_eq!(page("identity"), Coding::Identity);
        assert_eq!(page("br;q=0, gzip;q=0"), Coding::Identity);
    }

    #[test]
    fn odd_input_is_not_accepted_but_never_fails() {
        assert_eq!(pick("br;q=2, gzip;q=0.5"), Coding::Gzip);
        assert_eq!(pick("br;q=-1"), Coding::Identity);
        assert_eq!(pick("br;q=0.0001"), Coding::Identity);
        assert_eq!(pick("br;q=NaN;q=1"), Coding::Identity);
        assert_eq!(pick(";;;,,,=;q=,br;q"), Coding::Br);
        let many: Vec<String> = (0..1000)
            .map(|i| format!("x-coding-{i};q=0.{}", i % 10))
            .collect();
        assert_eq!(
            pick(&(many.join(", ") + ", gzip")),
            Coding::Identity,
            "past the budget"
        );
        assert_eq!(
            pick(&(String::from("gzip, ") + &many.join(", "))),
            Coding::Gzip
        );
    }
}

//! Turning fetched bytes into text, for pages and feeds alike: BOM first,
//! then what the bytes declare (the HTTP header's charset, then the XML
//! prolog or a `<meta>` prescan), then a guess. Decoding never fails;
//! malformed sequences become U+FFFD.
//!
//! Declarations are checked against the bytes: servers often send a default
//! `charset=utf-8` for files written in another encoding, and CMSs label
//! UTF-8 pages latin-1. A declared UTF-8 that does not decode gives way to
//! the next declaration; bytes that are valid, non-ASCII UTF-8 are UTF-8
//! whatever the labels say (legacy text is almost never valid UTF-8).

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// Browsers only look this far for `<meta charset>`; we look a bit further
/// because some CMSs put kilobytes of inline script first.
const PRESCAN: usize = 8192;

/// The `charset` parameter of a Content-Type value.
pub fn charset_param(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .skip(1)
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| v.trim().trim_matches(['"', '\'']).to_string())
        })
        .filter(|s| !s.is_empty())
}

/// Which encoding the bytes are in.
pub fn detect(bytes: &[u8], http_charset: Option<&str>) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    detect_without_bom(
        bytes,
        http_charset,
        simdutf8::basic::from_utf8(bytes).is_ok(),
    )
}

/// `valid_utf8` is passed in so the page is validated once, not per check.
fn detect_without_bom(
    bytes: &[u8],
    http_charset: Option<&str>,
    valid_utf8: bool,
) -> &'static Encoding {
    if valid_utf8 && !bytes.is_ascii() {
        return UTF_8;
    }
    let header =
        http_charset.and_then(|l| Encoding::for_label(l.trim().trim_matches('"').as_bytes()));
    let document = || declared_in_document(&bytes[..bytes.len().min(PRESCAN)]);
    let mostly_valid = || valid_utf8 || mostly_valid_utf8(bytes);
    for enc in [header.map(ascii_compatible), document()]
        .into_iter()
        .flatten()
    {
        if enc != UTF_8 || mostly_valid() {
            return enc;
        }
    }
    if mostly_valid() { UTF_8 } else { WINDOWS_1252 }
}

/// A page or feed labelled UTF-16 without a BOM is almost always mislabelled
/// ASCII-compatible text (the label was found by an ASCII scan, or the
/// server's default); the HTML spec says to treat it as UTF-8.
fn ascii_compatible(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        UTF_8
    } else {
        enc
    }
}

/// The encoding the document declares about itself: an XML prolog's
/// `encoding`, else an HTML `<meta>`.
pub fn declared_in_document(head: &[u8]) -> Option<&'static Encoding> {
    xml_prolog_encoding(head)
        .or_else(|| meta_charset(head))
        .map(ascii_compatible)
}

/// `<?xml version="1.0" encoding="windows-1251"?>` at the very start.
fn xml_prolog_encoding(head: &[u8]) -> Option<&'static Encoding> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = head[start..].strip_prefix(b"<?xml")?;
    let prolog = &rest[..memchr::memmem::find(rest, b"?>")?];
    let at = memchr::memmem::find(prolog, b"encoding")?;
    let mut r = &prolog[at + 8..];
    while let [b' ' | b'\t' | b'\n' | b'\r', rr @ ..] = r {
        r = rr;
    }
    let r = r.strip_prefix(b"=")?;
    let r = r.trim_ascii_start();
    let (quote, r) = r.split_first()?;
    if !matches!(quote, b'"' | b'\'') {
        return None;
    }
    let len = memchr::memchr(*quote, r)?;
    Encoding::for_label(&r[..len])
}

/// Decodes a page's or feed's bytes to a `String` (BOM removed); never
/// panics on malformed input.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> String {
    decode_cow(bytes, http_charset).into_owned()
}

/// As `decode`, borrowing when the bytes are already valid UTF-8 (most
/// pages): no copy on the hot path.
pub fn decode_cow<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Cow<'a, str> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom_len..]).0;
    }
    // SIMD validation: every page passes through here, most of them UTF-8.
    let valid = simdutf8::basic::from_utf8(bytes).ok();
    let enc = detect_without_bom(bytes, http_charset, valid.is_some());
    match valid {
        Some(s) if enc == UTF_8 => Cow::Borrowed(s),
        _ => enc.decode_without_bom_handling(bytes).0,
    }
}

/// Valid UTF-8, tolerating a handful of broken sequences (truncated pages,
/// one bad byte pasted in from elsewhere).
fn mostly_valid_utf8(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let errors = utf8_errors(sample);
    errors == 0 || errors * 50 < sample.iter().filter(|b| !b.is_ascii()).count().max(1)
}

fn utf8_errors(mut bytes: &[u8]) -> usize {
    let mut errors = 0;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return errors,
            Err(e) => {
                errors += 1;
                let skip = e.valid_up_to() + e.error_len().unwrap_or(bytes.len() - e.valid_up_to());
                if skip >= bytes.len() {
                    return errors;
                }
                bytes = &bytes[skip..];
            }
        }
    }
}

/// The HTML prescan, simplified: `<meta charset=…>` or
/// `<meta http-equiv="content-type" content="…; charset=…">`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let head = head.to_ascii_lowercase();
    let mut i = 0;
    while let Some(off) = memchr::memmem::find(&head[i..], b"<meta") {
        let start = i + off + 5;
        let end = memchr::memchr(b'>', &head[start..]).map_or(head.len(), |p| start + p);
        let tag = &head[start..end];
        if let Some(p) = memchr::memmem::find(tag, b"charset") {
            let mut rest = &tag[p + 7..];
            while let [b' ' | b'\t' | b'\n' | b'\r', r @ ..] = rest {
                rest = r;
            }
            if let [b'=', r @ ..] = rest {
                let mut r = r;
                while let [b' ' | b'"' | b'\'', rr @ ..] = r {
                    r = rr;
                }
                let len = r
                    .iter()
                    .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .unwrap_or(r.len());
                if let Some(enc) = Encoding::for_label(&r[..len]) {
                    return Some(enc);
                }
            }
        }
        i = end;
        if i >= head.len() {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins_over_header() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<p>héllo</p>".as_bytes());
        assert_eq!(decode(&b, Some("iso-8859-1")), "<p>héllo</p>");
    }

    #[test]
    fn meta_charset_is_honoured() {
        let b = b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body>";
        assert!(decode(b, None).contains("Привет"));
    }

    #[test]
    fn http_equiv_is_honoured() {
        let b = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-2\"><p>\xb1</p>";
        assert!(decode(b, None).contains('ą'));
    }

    #[test]
    fn latin1_label_on_utf8_bytes_is_overridden() {
        let b = "<meta charset=iso-8859-1><p>Müller straße</p>".as_bytes();
        assert!(decode(b, None).contains("Müller straße"));
    }

    #[test]
    fn undeclared_legacy_bytes_fall_back_to_windows_1252() {
        let b = b"<p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>";
        assert!(decode(b, None).contains("café crème brûlée"));
    }

    #[test]
    fn garbage_never_panics() {
        let b: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let _ = decode(&b, Some("utf-16"));
        let _ = decode(&b, Some("nonsense"));
        let _ = decode(&[], None);
    }

    #[test]
    fn header_param() {
        assert_eq!(
            charset_param("text/xml; charset=\"windows-1251\""),
            Some("windows-1251".into())
        );
        assert_eq!(
            charset_param("application/rss+xml;Charset=UTF-8"),
            Some("UTF-8".into())
        );
        assert_eq!(charset_param("text/html"), None);
    }

    #[test]
    fn utf16_bom_is_decoded() {
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<a>ж</a>".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&utf16, None), "<a>ж</a>");
    }

    #[test]
    fn xml_prolog_is_honoured() {
        let text = "<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Привет</t>";
        let (cp, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert_eq!(decode(&cp, None), text);
        let text = "\n <?xml version='1.0' encoding = 'ISO-8859-2' ?><t>\u{105}</t>";
        let (l2, _, _) = encoding_rs::ISO_8859_2.encode(text);
        assert_eq!(decode(&l2, None), text);
        // An encoding named after the prolog is not the prolog's.
        let (l1, _, _) = WINDOWS_1252.encode("<t>encoding=\"windows-1251\" Café</t>");
        assert!(decode(&l1, None).contains("Café"));
    }

    #[test]
    fn wrong_header_gives_way() {
        // The server claims UTF-8 for a windows-1251 file with an honest prolog.
        let (cp, _, _) = encoding_rs::WINDOWS_1251
            .encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Новости</t>");
        assert!(decode(&cp, Some("utf-8")).contains("Новости"));
        // The server claims latin-1 for a UTF-8 file that says so itself.
        let s = "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Київ</t>";
        assert!(decode(s.as_bytes(), Some("iso-8859-1")).contains("Київ"));
        // A legacy header over ASCII bytes stands (nothing tells it wrong).
        assert_eq!(detect(b"<p>plain</p>", Some("koi8-r")), encoding_rs::KOI8_R);
        // Nothing declared, not UTF-8: windows-1252.
        assert_eq!(decode(b"caf\xe9", None), "café");
    }

    #[test]
    fn a_few_broken_bytes_leave_utf8_standing() {
        let mut b = "<meta charset=utf-8><p>".as_bytes().to_vec();
        for _ in 0..10 {
            b.extend_from_slice("Zürich, München, Köln, Genève. ".as_bytes());
        }
        b.push(0xff);
        let text = decode(&b, None);
        assert!(text.contains("Zürich, München, Köln, Genève"), "{text}");
    }
}

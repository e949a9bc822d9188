//! Turning page bytes into text the way a browser would: BOM first, then the
//! HTTP header, then a `<meta>` prescan, then a guess. Decoding never fails;
//! malformed sequences become U+FFFD.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Browsers only look this far for `<meta charset>`; we look a bit further
/// because some CMSs put kilobytes of inline script first.
const PRESCAN: usize = 8192;

/// Which encoding the bytes are in, with the reason kept for debugging.
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
    let declared = http_charset
        .and_then(|l| Encoding::for_label(l.trim().trim_matches('"').as_bytes()))
        .or_else(|| meta_charset(&bytes[..bytes.len().min(PRESCAN)]));
    let mostly_valid = || valid_utf8 || mostly_valid_utf8(bytes);
    match declared {
        // A page served as UTF-16 without a BOM is almost always mislabelled
        // ASCII-compatible text; the HTML spec says to treat it as UTF-8.
        Some(enc) if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE => UTF_8,
        Some(enc) if enc == UTF_8 => {
            if mostly_valid() {
                UTF_8
            } else {
                WINDOWS_1252
            }
        }
        // A legacy label on bytes that are valid, non-ASCII UTF-8
        // is the commonest mis-declaration on the web: trust the bytes.
        Some(enc) if !valid_utf8 || bytes.is_ascii() => enc,
        Some(_) => UTF_8,
        None => {
            if mostly_valid() {
                UTF_8
            } else {
                WINDOWS_1252
            }
        }
    }
}

/// Decodes HTML bytes to a `String`, honouring BOM, HTTP charset and
/// `<meta>` declarations; never panics on malformed input.
pub fn decode_html(bytes: &[u8], http_charset: Option<&str>) -> String {
    decode_cow(bytes, http_charset).into_owned()
}

/// As `decode_html`, borrowing when the page is already valid UTF-8 (most
/// pages): no copy on the hot path.
pub fn decode_cow<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> std::borrow::Cow<'a, str> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom_len..]).0;
    }
    // SIMD validation: every page passes through here, most of them UTF-8.
    let valid = simdutf8::basic::from_utf8(bytes).ok();
    let enc = detect_without_bom(bytes, http_charset, valid.is_some());
    match valid {
        Some(s) if enc == UTF_8 => std::borrow::Cow::Borrowed(s),
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
        assert_eq!(decode_html(&b, Some("iso-8859-1")), "<p>héllo</p>");
    }

    #[test]
    fn meta_charset_is_honoured() {
        let b = b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body>";
        assert!(decode_html(b, None).contains("Привет"));
    }

    #[test]
    fn http_equiv_is_honoured() {
        let b = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-2\"><p>\xb1</p>";
        assert!(decode_html(b, None).contains('ą'));
    }

    #[test]
    fn latin1_label_on_utf8_bytes_is_overridden() {
        let b = "<meta charset=iso-8859-1><p>Müller straße</p>".as_bytes();
        assert!(decode_html(b, None).contains("Müller straße"));
    }

    #[test]
    fn undeclared_legacy_bytes_fall_back_to_windows_1252() {
        let b = b"<p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>";
        assert!(decode_html(b, None).contains("café crème brûlée"));
    }

    #[test]
    fn garbage_never_panics() {
        let b: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let _ = decode_html(&b, Some("utf-16"));
        let _ = decode_html(&b, Some("nonsense"));
        let _ = decode_html(&[], None);
    }
}

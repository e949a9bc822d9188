//! Turning fetched bytes into text: BOM, then the HTTP header's charset, then the XML
//! prolog or an HTML meta tag, then UTF-8 when it is valid and windows-1252 when not.
//!
//! Servers often send a default `charset=utf-8` for files written in another encoding, so a
//! declared UTF-8 that does not decode cleanly gives way to the next declaration.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use std::sync::LazyLock;

/// The text and the encoding it was decoded from.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
}

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

static XML_PROLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"#).unwrap()
});
static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"#).unwrap()
});

/// The encoding the document declares about itself (XML prolog or HTML meta).
pub fn declared_in_document(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let label = XML_PROLOG
        .captures(head)
        .or_else(|| META_CHARSET.captures(head))
        .map(|c| c[1].to_vec())?;
    let enc = Encoding::for_label(&label)?;
    // Found by an ASCII scan, so the document is not really UTF-16 whatever it says.
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        return Some(UTF_8);
    }
    Some(enc)
}

/// Pick the encoding for `bytes` given the HTTP header's charset, if any.
pub fn detect(bytes: &[u8], http_charset: Option<&str>) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    let valid_utf8 = std::str::from_utf8(bytes).is_ok();
    let header = http_charset.and_then(|l| Encoding::for_label(l.as_bytes()));
    let document = declared_in_document(bytes);
    // A legacy header over a valid, non-ASCII UTF-8 body that says it is UTF-8 is a server default.
    if valid_utf8 && document == Some(UTF_8) && !bytes.is_ascii() {
        return UTF_8;
    }
    for enc in [header, document].into_iter().flatten() {
        if enc == UTF_8 && !valid_utf8 {
            continue;
        }
        return enc;
    }
    if valid_utf8 { UTF_8 } else { WINDOWS_1252 }
}

/// Decode to UTF-8 (BOM removed).
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> Decoded {
    let encoding = detect(bytes, http_charset);
    let (text, actual, _) = encoding.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bom_wins() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<rss>é</rss>".as_bytes());
        let d = decode(&b, Some("iso-8859-1"));
        assert_eq!(d.text, "<rss>é</rss>");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<a>ж</a>".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&utf16, None).text, "<a>ж</a>");
    }

    #[test]
    fn prolog_and_meta() {
        let (cp, _, _) = encoding_rs::WINDOWS_1251
            .encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Привет</t>");
        assert_eq!(
            decode(&cp, None).text,
            "<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Привет</t>"
        );
        let (l1, _, _) =
            WINDOWS_1252.encode("<html><head><meta charset=\"iso-8859-1\"></head>Café</html>");
        assert!(decode(&l1, None).text.contains("Café"));
        let (l1, _, _) = WINDOWS_1252.encode(
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">Noël",
        );
        assert!(decode(&l1, None).text.contains("Noël"));
    }

    #[test]
    fn wrong_header_gives_way() {
        // The server claims UTF-8 for a windows-1251 file with an honest prolog.
        let (cp, _, _) = encoding_rs::WINDOWS_1251
            .encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Новости</t>");
        assert!(decode(&cp, Some("utf-8")).text.contains("Новости"));
        // The server claims latin-1 for a UTF-8 file that says so itself.
        let s = "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Київ</t>";
        assert!(
            decode(s.as_bytes(), Some("iso-8859-1"))
                .text
                .contains("Київ")
        );
        // Nothing declared, not UTF-8: windows-1252.
        assert_eq!(decode(b"caf\xe9", None).text, "café");
    }
}

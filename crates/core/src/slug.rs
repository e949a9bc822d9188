//! URL slugs for article and section paths.

/// Lower-case, ASCII-or-letter words joined by '-', at most `max` bytes,
/// cut at a word boundary. Letters outside ASCII (Cyrillic, accents) are kept:
/// browsers show them readably and they are valid in a path once percent-encoded.
pub fn slugify(text: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::with_capacity(text.len().min(MAX));
    let mut pending_dash = false;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                if out.len() + 1 + ch.len_utf8() > MAX {
                    break;
                }
                out.push('-');
            }
            pending_dash = false;
            for lc in ch.to_lowercase() {
                if out.len() + lc.len_utf8() > MAX {
                    return out;
                }
                out.push(lc);
            }
        } else if ch == '\'' || ch == '’' {
            // "Musk's" -> "musks", not "musk-s".
        } else {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("article");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Ukraine war: Russians slowly take ground around Bakhmut"),
            "ukraine-war-russians-slowly-take-ground-around-bakhmut"
        );
        assert_eq!(
            slugify("Paris prosecutors raid French offices of Elon Musk's X"),
            "paris-prosecutors-raid-french-offices-of-elon-musks-x"
        );
        assert_eq!(slugify("Війна: Бахмут"), "війна-бахмут");
        assert_eq!(slugify("!!!"), "article");
        assert!(slugify(&"word ".repeat(100)).len() <= 80);
    }
}

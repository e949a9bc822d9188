//! Headline normalisation and tokenisation.
//!
//! Headlines are short, so every token matters: we strip the packaging that
//! differs between copies of one headline (wire prefixes, outlet suffixes,
//! truncation marks, markup) before anything else looks at the text.

/// Wire-desk prefixes that mark a revision rather than a different story.
const WIRE_PREFIXES: &[&str] = &[
    "update",
    "updated",
    "corrected",
    "correction",
    "refile",
    "rpt",
    "exclusive",
    "wrapup",
    "breakingviews",
    "breaking",
    "urgent",
    "instant view",
    "analysis",
    "factbox",
    "timeline",
    "live",
    "video",
    "watch",
    "photos",
    "recap",
    "rpt-update",
];

/// Removes markup, wire prefixes ("UPDATE 1-", "RPT-"), an outlet suffix
/// (" - Reuters", " | Fox News") and a trailing ellipsis, and collapses
/// whitespace. Case is kept: capitalisation is a feature downstream.
pub fn normalise_title(title: &str, source: Option<&str>) -> String {
    let mut s = strip_markup(title);
    s = s.trim().to_string();
    // Wire prefixes can stack ("RPT-UPDATE 2-").
    for _ in 0..3 {
        match strip_wire_prefix(&s) {
            Some(rest) => s = rest.to_string(),
            None => break,
        }
    }
    s = strip_ellipsis(&s).to_string();
    if let Some(rest) = strip_outlet_suffix(&s, source) {
        s = rest.to_string();
    }
    s = strip_ellipsis(&s).to_string();
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn strip_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            _ => out.push(c),
        }
    }
    // An unmatched '<' would otherwise swallow the rest of the headline.
    if in_tag {
        return s.to_string();
    }
    if out.contains('&') {
        out = out
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ");
    }
    out
}

fn strip_wire_prefix(s: &str) -> Option<&str> {
    // A prefix is a short run of letters, optional digits, then '-' or ':'
    // with no space before it ("UPDATE 1-", "EXCLUSIVE-", "VIDEO:").
    let head_end = s.find(['-', ':', '\u{2013}', '\u{2014}'])?;
    if head_end == 0 || head_end > 24 {
        return None;
    }
    let head = &s[..head_end];
    let after = s[head_end..].chars().nth(1);
    // Reuters desk slugs: "US STOCKS-Wall Street ...", "DEALTALK-Vivendi ...".
    let slug = head
        .chars()
        .all(|c| c.is_uppercase() || c.is_ascii_digit() || matches!(c, ' ' | '/' | '.'))
        && head.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && s[head_end..].starts_with('-')
        && after.is_some_and(|c| c.is_uppercase() || c == '"' || c == '\'');
    if slug {
        let rest = s[head_end + 1..].trim_start();
        return (!rest.is_empty()).then_some(rest);
    }
    let word = head.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let lw = word.to_ascii_lowercase();
    if !WIRE_PREFIXES.contains(&lw.as_str()) {
        return None;
    }
    // "Update-ready" style words are not prefixes: require the uppercase
    // wire style, or a digit, or a colon.
    let sep = s[head_end..].chars().next()?;
    let shouty = word.chars().all(|c| !c.is_lowercase());
    if !(shouty || sep == ':' || head.len() > word.len()) {
        return None;
    }
    let rest = s[head_end + sep.len_utf8()..].trim_start();
    (!rest.is_empty()).then_some(rest)
}

fn strip_ellipsis(s: &str) -> &str {
    let t = s.trim_end();
    let t = t
        .strip_suffix("...")
        .or_else(|| t.strip_suffix('\u{2026}'))
        .unwrap_or(t);
    t.trim_end()
}

/// " - Reuters", " | Fox News", " — BBC News": a separator followed by at
/// most five words. When the source is known we also accept a suffix that
/// names it regardless of length.
fn strip_outlet_suffix<'a>(s: &'a str, source: Option<&str>) -> Option<&'a str> {
    let mut best: Option<usize> = None;
    for sep in [" - ", " | ", " \u{2014} ", " \u{2013} ", " :: "] {
        if let Some(i) = s.rfind(sep)
            && best.is_none_or(|b| i > b)
        {
            best = Some(i);
        }
    }
    let i = best?;
    let head = &s[..i];
    let tail = s[i..]
        .trim_start_matches([' ', '-', '|', '\u{2014}', '\u{2013}', ':'])
        .trim();
    if head.split_whitespace().count() < 3 || tail.is_empty() {
        return None;
    }
    let names_source = source.is_some_and(|src| {
        let a = squash(src);
        let b = squash(tail);
        !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
    });
    let words = tail.split_whitespace().count();
    let looks_like_outlet = words <= 4
        && tail
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(|c| !c.is_lowercase()))
        && !tail.contains(['?', '!', '"']);
    (names_source || looks_like_outlet).then_some(head)
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One word of a headline after lowercasing and light stemming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    /// Starts with an uppercase letter in the original, or is an acronym.
    pub capital: bool,
    /// All letters uppercase and at least two of them ("NSA", "DWTS").
    pub acronym: bool,
    /// Index among all words, stopwords included, to find adjacent pairs.
    pub pos: u32,
    /// Byte range of the word in the text tokenised, to show it as written.
    pub span: (u32, u32),
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff)
}

/// Splits into words on anything that is not a letter or digit. Apostrophes
/// inside words are dropped ("don't" -> "dont") and possessive "'s" removed.
/// Scripts without spaces (CJK) yield one token per character so they still
/// share terms across headlines.
pub fn tokens(text: &str, out: &mut Vec<Token>) {
    let mut pos = 0u32;
    let mut word = String::new();
    let mut raw = String::new();
    let mut start = 0usize;
    let mut chars = text.char_indices().peekable();
    let flush = |word: &mut String,
                 raw: &mut String,
                 pos: &mut u32,
                 span: (usize, usize),
                 out: &mut Vec<Token>| {
        if !word.is_empty() {
            if let Some(base) = word
                .strip_suffix("'s")
                .or_else(|| word.strip_suffix("\u{2019}s"))
            {
                let l = base.len();
                word.truncate(l);
            }
            word.retain(|c| c != '\'' && c != '\u{2019}');
            let first = raw.chars().next();
            let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
            let acronym = letters >= 2 && !raw.chars().any(char::is_lowercase);
            let capital = first.is_some_and(char::is_uppercase) || acronym;
            if !word.is_empty() && word.len() < 64 {
                out.push(Token {
                    text: stem(word),
                    capital,
                    acronym,
                    pos: *pos,
                    span: (span.0 as u32, span.1 as u32),
                });
            }
            *pos += 1;
            word.clear();
            raw.clear();
        }
    };
    while let Some((i, c)) = chars.next() {
        if is_cjk(c) {
            flush(&mut word, &mut raw, &mut pos, (start, i), out);
            out.push(Token {
                text: c.to_string(),
                capital: false,
                acronym: false,
                pos,
                span: (i as u32, (i + c.len_utf8()) as u32),
            });
            pos += 1;
        } else if c.is_alphanumeric() {
            if word.is_empty() {
                start = i;
            }
            raw.push(c);
            word.extend(c.to_lowercase());
        } else if (c == '\'' || c == '\u{2019}')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.1.is_alphanumeric())
        {
            word.push('\'');
        } else {
            flush(&mut word, &mut raw, &mut pos, (start, i), out);
        }
    }
    flush(&mut word, &mut raw, &mut pos, (start, text.len()), out);
}

/// Plural folding only: headlines mix "Stock"/"Stocks" and "Rally"/"Rallies"
/// for one event, while heavier stemming merges unrelated words.
pub fn stem(w: &str) -> String {
    let n = w.len();
    if !w.is_ascii() || n <= 3 {
        return w.to_string();
    }
    if let Some(b) = w.strip_suffix("ies")
        && n > 4
    {
        return format!("{b}y");
    }
    if w.ends_with("sses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes") {
        return w[..n - 2].to_string();
    }
    if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        return w[..n - 1].to_string();
    }
    w.to_string()
}

/// Words too common in headlines to say anything about the event.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are",
    "as", "at", "be", "been", "before", "being", "between", "both", "but", "by", "can", "could",
    "did", "do", "doe", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
    "get", "got", "ha", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his",
    "how", "i", "if", "in", "into", "is", "it", "its", "just", "me", "more", "most", "my", "new",
    "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our",
    "out", "over", "own", "s", "said", "same", "say", "says", "she", "should", "so", "some",
    "such", "t", "than", "that", "the", "their", "them", "then", "there", "these", "they", "thi",
    "this", "those", "through", "to", "too", "under", "until", "up", "very", "via", "wa", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your",
];

pub fn is_stopword(w: &str) -> bool {
    // Every stopword is at most 7 bytes: most words are ruled out by length
    // before any hashing.
    w.len() <= 7 && stopword_set().contains(w)
}

fn stopword_set() -> &'static crate::hash::FxSet<&'static str> {
    static SET: std::sync::OnceLock<crate::hash::FxSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().copied().collect())
}

/// Path words of news URLs that name the page type, not the event.
const URL_NOISE: &[&str] = &[
    "amp", "article", "asp", "aspx", "blog", "cfm", "cms", "com", "content", "detail", "en",
    "feed", "htm", "html", "http", "https", "id", "index", "jsp", "net", "news", "org", "php",
    "post", "print", "shtml", "ssf", "story", "www",
];

/// Words of a URL's path: most outlets put a slug of the headline there,
/// often longer than the (possibly truncated) headline itself. The host and
/// the query string say who published, not what happened, so they are
/// skipped, as are numeric ids.
pub fn url_words(url: &str, out: &mut Vec<Token>) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => return,
    };
    let path = path.split(['?', '#', '\\']).next().unwrap_or("");
    let path = if path.len() > 512 {
        &path[..floor_char(path, 512)]
    } else {
        path
    };
    let mut tmp = Vec::new();
    tokens(path, &mut tmp);
    for t in tmp {
        // Numbers in paths are dates and ids; mixed tokens longer than a
        // model name ("ios7", "mh370") are hashes.
        let digits = t.text.chars().filter(char::is_ascii_digit).count();
        if digits == t.text.chars().count() || (digits > 0 && t.text.len() > 6) {
            continue;
        }
        if URL_NOISE.binary_search(&t.text.as_str()).is_ok() || is_stopword(&t.text) {
            continue;
        }
        out.push(Token {
            capital: false,
            acronym: false,
            ..t
        });
    }
}

/// The host of an absolute URL, lowercased by the caller's needs only:
/// used as the outlet's key when an item names no source.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    (!host.is_empty()).then_some(host)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopword_lists_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(
            STOPWORDS.iter().all(|w| w.len() <= 7),
            "is_stopword short-cuts on length"
        );
        assert!(URL_NOISE.windows(2).all(|w| w[0] < w[1]));
        assert!(
            WIRE_PREFIXES
                .iter()
                .all(|p| p.chars().all(|c| !c.is_uppercase()))
        );
    }

    #[test]
    fn strips_wire_packaging() {
        assert_eq!(
            normalise_title("UPDATE 1-Ukraine crisis deepens", None),
            "Ukraine crisis deepens"
        );
        assert_eq!(
            normalise_title("RPT-UPDATE 2-Ukraine crisis deepens", None),
            "Ukraine crisis deepens"
        );
        assert_eq!(
            normalise_title("Ukraine crisis deepens as troops mass - Reuters", None),
            "Ukraine crisis deepens as troops mass"
        );
        assert_eq!(
            normalise_title("Ukraine crisis deepens as troops mass | Fox News", None),
            "Ukraine crisis deepens as troops mass"
        );
        assert_eq!(
            normalise_title("Crude oil drops to $101 a barrel after China  ...", None),
            "Crude oil drops to $101 a barrel after China"
        );
        assert_eq!(
            normalise_title("See <i>Dancing With the Stars</i>", None),
            "See Dancing With the Stars"
        );
        // Not an outlet: lowercase words after the dash belong to the headline.
        assert_eq!(
            normalise_title("Stocks fall - and investors worry about it", None),
            "Stocks fall - and investors worry about it"
        );
        // "Update" as an ordinary word stays.
        assert_eq!(normalise_title("Update: none", None), "none");
        assert_eq!(
            normalise_title("US STOCKS-Wall Street edges lower", None),
            "Wall Street edges lower"
        );
        assert_eq!(
            normalise_title("DEALTALK-Vivendi hunts for exit", None),
            "Vivendi hunts for exit"
        );
        assert_eq!(
            normalise_title("COVID-19 cases rise", None),
            "COVID-19 cases rise"
        );
        assert_eq!(
            normalise_title("X-Men sequel announced", None),
            "X-Men sequel announced"
        );
        assert_eq!(
            normalise_title("Updated-look phones sell", None),
            "Updated-look phones sell"
        );
    }

    #[test]
    fn tokens_fold_plurals_possessives_and_case() {
        let mut t = Vec::new();
        tokens("World's Stocks Rallies; NSA don't", &mut t);
        let words: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["world", "stock", "rally", "nsa", "dont"]);
        assert!(t[3].acronym && t[0].capital && !t[4].capital);
        // Spans give each word back as written.
        let text = "World's Stocks Rallies; NSA don't";
        let mut t = Vec::new();
        tokens(text, &mut t);
        let raw: Vec<_> = t
            .iter()
            .map(|t| &text[t.span.0 as usize..t.span.1 as usize])
            .collect();
        assert_eq!(raw, ["World's", "Stocks", "Rallies", "NSA", "don't"]);
        let mut t = Vec::new();
        tokens("東京 stocks", &mut t);
        assert_eq!(t[1].span, (3, 6));
        assert_eq!(t[2].span, (7, 13));
    }

    #[test]
    fn cjk_splits_per_character() {
        let mut t = Vec::new();
        tokens("東京 stocks", &mut t);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn url_words_skip_host_ids_and_query() {
        let mut t = Vec::new();
        url_words(
            "http://www.example.com/news/2014/03/18/billy-dee-williams-dances-123456.html?utm=x",
            &mut t,
        );
        let words: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["billy", "dee", "william", "dance"]);
    }
}

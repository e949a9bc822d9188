//! Full-text search of published articles.
//!
//! What a reader types never reaches a query language as typed: FTS5's MATCH
//! and PostgreSQL's tsquery both have operators (`NEAR`, `-`, `OR`, `:`, `(`)
//! that turn a stray character into a syntax error or a different question.
//! [`SearchTerms::parse`] keeps only words (runs of letters and digits), the
//! phrases they form between double quotes, and a `*` right after the last
//! word, and each backend gets them back quoted so that its parser sees
//! nothing but words.
//!
//! Both backends fold case and Latin diacritics (`café` finds `cafe` and the
//! other way round), stem words where the article's language has a stemmer
//! (on SQLite, English by FTS5's Porter stemmer and eight more languages by
//! `stems`; on PostgreSQL every language it has a configuration for), and rank an article with the very words typed above
//! one with only their other forms; then a title match above a summary match
//! above a body match, leaning mildly towards recent articles: relevance is
//! divided by `1 + age in years`, so between two equally relevant articles
//! the newer comes first, and a much better match still beats a newer one.
//! Each result comes with a snippet of its body, the matched words marked
//! (`SNIPPET_START`/`SNIPPET_END`): FTS5's `snippet()`, PostgreSQL's
//! `ts_headline`.

use crate::model::ArticleCard;
use crate::rows::CARD_COLS;
use std::fmt::Write;
use std::sync::LazyLock;

const LISTED: &str = crate::listed::listed!("a");

/// Longer input is cut here: a search box needs no more, and it bounds the
/// work and the page-cache key a request can cause.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words past this many are dropped; each costs an index look-up.
pub const MAX_TERMS: usize = 10;
/// A shorter word before `*` is searched as a whole word: a one-letter
/// prefix would read most of the index.
const MIN_PREFIX_CHARS: usize = 2;

/// A reader's query reduced to what is safe to search for: every group's
/// words must appear (a group of several is a phrase, its words in order),
/// and `prefix`, if any, must begin a word. Only [`SearchTerms::parse`] makes
/// one, so a backend can trust every word to be letters and digits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTerms {
    groups: Vec<Vec<String>>,
    prefix: Option<String>,
}

/// One page of matches and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchResults {
    pub cards: Vec<ArticleCard>,
    /// One per card: its body around the matches, each matched word between
    /// `SNIPPET_START` and `SNIPPET_END`. Plain text otherwise, not HTML.
    pub snippets: Vec<String>,
    pub total: i64,
}

impl SearchTerms {
    /// Never fails: whatever cannot be read as a word is a separator.
    pub fn parse(input: &str) -> SearchTerms {
        let cut = match input.char_indices().nth(MAX_QUERY_CHARS) {
            Some((at, _)) => &input[..at],
            None => input,
        };
        let mut groups: Vec<Vec<String>> = Vec::new();
        // Whether the last group is a lone word typed with `*` right after it.
        let mut starred = false;
        let mut phrase: Option<Vec<String>> = None;
        let mut word = String::new();
        let mut words = 0;
        let mut chars = cut.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
                if chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                    continue;
                }
                // The word ends here.
                if words == MAX_TERMS {
                    word.clear();
                    continue;
                }
                words += 1;
                let w = std::mem::take(&mut word);
                match phrase.as_mut() {
                    Some(p) => p.push(w),
                    None => {
                        starred = chars.peek() == Some(&'*');
                        groups.push(vec![w]);
                    }
                }
                continue;
            }
            if c == '"' {
                match phrase.take() {
                    Some(p) => {
                        if !p.is_empty() {
                            groups.push(p);
                            starred = false;
                        }
                    }
                    None => phrase = Some(Vec::new()),
                }
            }
        }
        // A phrase left open runs to the end.
        if let Some(p) = phrase.filter(|p| !p.is_empty()) {
            groups.push(p);
            starred = false;
        }
        let mut prefix = None;
        if starred
            && groups
                .last()
                .is_some_and(|g| g.len() == 1 && g[0].chars().count() >= MIN_PREFIX_CHARS)
        {
            prefix = groups.pop().and_then(|mut g| g.pop());
        }
        SearchTerms { groups, prefix }
    }

    /// True when there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.prefix.is_none()
    }

    /// The query as it was understood: words, "phrases" and a final `prefix*`.
    /// Equal for inputs that search the same, so it serves as a cache key.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for g in &self.groups {
            if !out.is_empty() {
                out.push(' ');
            }
            if g.len() == 1 {
                out.push_str(&g[0]);
            } else {
                let _ = write!(out, "\"{}\"", g.join(" "));
            }
        }
        if let Some(p) = &self.prefix {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{p}*");
        }
        out
    }

    /// An FTS5 MATCH expression: every group a quoted string (a phrase, to
    /// FTS5), so no word is ever read as an operator or a column name.
    pub(crate) fn fts5_match(&self) -> String {
        let mut out = String::new();
        for g in &self.groups {
            let _ = write!(out, "\"{}\" ", g.join(" "));
        }
        if let Some(p) = &self.prefix {
            let _ = write!(out, "\"{p}\"*");
        }
        out.trim_end().to_string()
    }

    /// An FTS5 MATCH expression for an index of stemmed words: each group as
    /// any of `forms(group)` (its words stemmed one way, for each way), and
    /// the prefix as typed. Quoted as `fts5_match` quotes.
    pub(crate) fn fts5_match_forms(&self, forms: impl Fn(&[String]) -> Vec<String>) -> String {
        let mut parts: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                let alternatives: Vec<String> =
                    forms(g).iter().map(|f| format!("\"{f}\"")).collect();
                format!("({})", alternatives.join(" OR "))
            })
            .collect();
        if let Some(p) = &self.prefix {
            parts.push(format!("\"{p}\"*"));
        }
        parts.join(" AND ")
    }

    /// Input for PostgreSQL's `websearch_to_tsquery`, every group quoted so
    /// that words such as `or` stay words.
    pub(crate) fn websearch(&self) -> String {
        self.groups
            .iter()
            .map(|g| format!("\"{}\"", g.join(" ")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// Every word of every group, in order.
    pub(crate) fn words(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().flatten().map(String::as_str)
    }
}

/// Relevance is divided by this plus the article's age in years.
const YEAR_SECS: &str = "31557600.0";

/// Where a snippet marks a matched word: `SNIPPET_START` before it,
/// `SNIPPET_END` after. Control characters, which the web layer strips from
/// any other text before it turns these into `<mark>` elements.
pub const SNIPPET_START: char = '\u{2}';
pub const SNIPPET_END: char = '\u{3}';
/// Words of body text a snippet shows around the matches.
const SNIPPET_WORDS: &str = "24";

/// SQLite: the articles that match, unstemmed (`articles_fts`, every
/// article) or stemmed (`articles_fts_stem`, English ones, by FTS5's Porter
/// stemmer; `articles_fts_lang`, other languages, stemmed by `stems`), each
/// once, with whether it matched unstemmed and its best bm25 (lower is
/// better; the column weights favour the title).
const SQLITE_HITS: &str = "WITH hits AS ( \
       SELECT rowid AS id, 1 AS exact, bm25(articles_fts, 10.0, 4.0, 1.0) AS score \
         FROM articles_fts WHERE articles_fts MATCH $1 \
       UNION ALL \
       SELECT rowid, 0, bm25(articles_fts_stem, 10.0, 4.0, 1.0) \
         FROM articles_fts_stem WHERE articles_fts_stem MATCH $1 \
       UNION ALL \
       SELECT rowid, 0, bm25(articles_fts_lang, 10.0, 4.0, 1.0) \
         FROM articles_fts_lang WHERE articles_fts_lang MATCH $2), \
     best AS (SELECT id, MAX(exact) AS exact, MIN(score) AS score FROM hits GROUP BY id)";

/// SQLite: `$1` MATCH expression, `$2` the one of the stems index
/// (`SearchTerms::fts5_match_forms`), `$3` section or NULL, `$4` limit, `$5`
/// offset. The very words first, then by relevance over age; the snippet
/// is made for the page's rows only, from the stemmed index where it has
/// the article (it marks every form), else the unstemmed one.
pub(crate) fn sqlite_search() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        let snippet = |table: &str| {
            format!(
                "(SELECT snippet({table}, 2, char(2), char(3), '…', {SNIPPET_WORDS}) FROM {table} \
                  WHERE {table} MATCH $1 AND rowid = page.id)"
            )
        };
        format!(
            "{SQLITE_HITS}, page AS ( \
               SELECT a.id, best.exact, -best.score \
                   / (1.0 + MAX(0, unixepoch() - a.published_at) / {YEAR_SECS}) AS rank \
               FROM best JOIN articles a ON a.id = best.id \
               WHERE {LISTED} AND ($3 IS NULL OR a.section_id = $3) \
               ORDER BY best.exact DESC, rank DESC, a.published_at DESC, a.id DESC \
               LIMIT $4 OFFSET $5) \
             SELECT {CARD_COLS}, COALESCE({}, {}, '') AS snippet \
             FROM page JOIN articles a ON a.id = page.id JOIN sources s ON s.id = a.source_id \
             ORDER BY page.exact DESC, page.rank DESC, a.published_at DESC, a.id DESC",
            snippet("articles_fts_stem"),
            snippet("articles_fts"),
        )
    });
    &Q
}

pub(crate) fn sqlite_count() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{SQLITE_HITS} SELECT COUNT(*) FROM best JOIN articles a ON a.id = best.id \
             WHERE {LISTED} AND ($3 IS NULL OR a.section_id = $3)"
        )
    });
    &Q
}

/// The unstemmed tsquery from `$1` (websearch text, '' for none) and `$2`
/// (a prefix, '' for none); `newsroom_search_query` parses each side only
/// when present, as PostgreSQL notices (and logs) an empty query.
const PG_EXACT: &str = "newsroom_search_query('pg_catalog.simple', $1, $2)";

/// Languages with a stemming configuration (`newsroom_search_config`).
const PG_STEMMERS: [&str; 8] = [
    "english",
    "german",
    "french",
    "russian",
    "spanish",
    "italian",
    "portuguese",
    "dutch",
];

/// The stemmed tsquery: the query stemmed in each language, any of which
/// may match, as the reader's language is not known; an article's vector
/// is stemmed in its own (`search_stem`).
fn pg_stemmed() -> String {
    PG_STEMMERS
        .iter()
        .map(|c| format!("newsroom_search_query('pg_catalog.{c}', $1, $2)"))
        .collect::<Vec<_>>()
        .join(" || ")
}

fn pg_where() -> String {
    format!(
        "(a.search_vector @@ {PG_EXACT} OR a.search_stem @@ ({})) AND {LISTED} \
         AND ($3::BIGINT IS NULL OR a.section_id = $3)",
        pg_stemmed()
    )
}

/// PostgreSQL: `$1`/`$2` as in `PG_EXACT`, `$3` section or NULL, `$4`
/// limit, `$5` offset. The very words first, then ts_rank (title A,
/// summary B, body C) over age. ts_headline, costly, is worked out after
/// the sort and limit, for the page's rows only.
pub(crate) fn pg_search() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        let stemmed = pg_stemmed();
        format!(
            "SELECT {CARD_COLS}, ts_headline(newsroom_search_config(a.language), left(a.body_text, 50000), \
                 {PG_EXACT} || ({stemmed}), \
                 'StartSel=' || chr(2) || ', StopSel=' || chr(3) \
                   || ', MaxWords={SNIPPET_WORDS}, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet \
             FROM articles a JOIN sources s ON s.id = a.source_id \
             WHERE {} \
             ORDER BY (a.search_vector @@ {PG_EXACT}) DESC, \
               CAST(GREATEST(ts_rank(a.search_vector, {PG_EXACT}), ts_rank(a.search_stem, ({stemmed}))) AS DOUBLE PRECISION) \
                 / (1.0 + GREATEST(0, CAST(EXTRACT(EPOCH FROM now()) AS DOUBLE PRECISION) - a.published_at) \
                     / {YEAR_SECS}) DESC, \
               a.published_at DESC, a.id DESC \
             LIMIT $4 OFFSET $5",
            pg_where()
        )
    });
    &Q
}

pub(crate) fn pg_count() -> &'static str {
    static Q: LazyLock<String> =
        LazyLock::new(|| format!("SELECT COUNT(*) FROM articles a WHERE {}", pg_where()));
    &Q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        SearchTerms::parse(s).canonical()
    }

    #[test]
    fn words_phrases_and_a_final_prefix() {
        assert_eq!(canon("Café  Crème"), "café crème");
        assert_eq!(canon("\"Big red\" car"), "\"big red\" car");
        assert_eq!(canon("bakh*"), "bakh*");
        assert_eq!(canon("bakh* war"), "bakh war", "only the last word");
        assert_eq!(canon("war \"bakh\"*"), "war bakh", "not after a phrase");
        assert_eq!(canon("a*"), "a", "too short for a prefix");
        assert_eq!(canon("\"one word\""), "\"one word\"");
        assert_eq!(canon("\"open phrase"), "\"open phrase\"");
        assert_eq!(canon("\"single\""), "single");
    }

    #[test]
    fn operators_are_separators() {
        for (input, want) in [
            ("\"", ""),
            ("*", ""),
            ("\"\"", ""),
            ("NEAR(", "near"),
            ("-", ""),
            ("-war", "war"),
            ("AND OR", "and or"),
            ("x' OR '1'='1", "x or 1 1"),
            ("title:war", "title war"),
            ("a\u{0}b", "a b"),
            ("covid-19", "covid 19"),
            ("^war + (peace)", "war peace"),
        ] {
            assert_eq!(canon(input), want, "{input:?}");
        }
        assert!(SearchTerms::parse("\" * - ( )").is_empty());
    }

    #[test]
    fn length_and_term_count_are_bounded() {
        let long = "ab ".repeat(5000);
        let t = SearchTerms::parse(&long);
        assert_eq!(t.canonical().split(' ').count(), MAX_TERMS);
        let one_word = "x".repeat(10_000);
        assert_eq!(
            SearchTerms::parse(&one_word).canonical().chars().count(),
            MAX_QUERY_CHARS
        );
        let phrase = format!("\"{}\"", "w ".repeat(20));
        assert_eq!(
            SearchTerms::parse(&phrase).canonical(),
            format!("\"{}\"", ["w"; MAX_TERMS].join(" "))
        );
        // Multi-byte text is cut on a character boundary.
        let cyr = "ї".repeat(500);
        assert_eq!(
            SearchTerms::parse(&cyr).canonical().chars().count(),
            MAX_QUERY_CHARS
        );
    }

    #[test]
    fn backends_get_only_quoted_words() {
        let t = SearchTerms::parse("NEAR(war \"Big  Red\" OR caf*");
        assert_eq!(
            t.fts5_match(),
            "\"near\" \"war\" \"big red\" \"or\" \"caf\"*"
        );
        assert_eq!(t.websearch(), "\"near\" \"war\" \"big red\" \"or\"");
        assert_eq!(t.prefix(), Some("caf"));
        let only = SearchTerms::parse("caf*");
        assert_eq!(only.fts5_match(), "\"caf\"*");
        assert_eq!(only.websearch(), "");
    }
}

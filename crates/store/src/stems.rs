//! Stemmed search on SQLite beyond English.
//!
//! FTS5 has one stemmer, Porter's, for English (`articles_fts_stem`). For the
//! other languages newsroom stems (the ones PostgreSQL's
//! `newsroom_search_config` maps, so both backends find the same), the words
//! are stemmed here with Snowball's stemmers and written to a contentless
//! FTS5 index, `articles_fts_lang` (migration 0019). Triggers queue every
//! article whose text or language changes (`articles_stem_pending`); the
//! queue is worked off inside the upsert that wrote the article, and whole
//! at open (after the migration itself, or a `copy`). A search asks that
//! index with the query stemmed in each of those languages, as the reader's
//! language is not known; an article's words are stemmed in its own.

use crate::dialect::IdListSql;
use crate::search::{SNIPPET_END, SNIPPET_START, SearchTerms};
use rust_stemmers::{Algorithm, Stemmer};
use sqlx::SqliteConnection;

/// The languages stemmed here, by their ISO 639-1 code (`de`, `de-AT`).
const LANGUAGES: [(&str, Algorithm); 8] = [
    ("de", Algorithm::German),
    ("fr", Algorithm::French),
    ("ru", Algorithm::Russian),
    ("es", Algorithm::Spanish),
    ("it", Algorithm::Italian),
    ("pt", Algorithm::Portuguese),
    ("nl", Algorithm::Dutch),
    ("sv", Algorithm::Swedish),
];

/// Characters of each field stemmed, as PostgreSQL's vectors read them.
const TITLE_CHARS: usize = 2_000;
const SUMMARY_CHARS: usize = 10_000;
const BODY_CHARS: usize = 100_000;

/// Articles stemmed per statement batch: an upsert queues one, so a batch
/// that size keeps an upsert quick while it also works off an old backlog.
pub(crate) const UPSERT_BATCH: i64 = 16;
const OPEN_BATCH: i64 = 200;

fn stemmer_for(language: &str) -> Option<Stemmer> {
    let code = language.split(['-', '_']).next()?;
    LANGUAGES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|&(_, a)| Stemmer::create(a))
}

/// `text`'s words, as a search reads them (runs of letters and digits,
/// lower-cased), stemmed and joined by spaces; at most `max_chars` read.
fn stem_text(stemmer: &Stemmer, text: &str, max_chars: usize) -> String {
    let text = match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&stemmer.stem(&word.to_lowercase()));
    }
    out
}

/// Every distinct stemmed form of `words` (a search group, lower-cased),
/// one per language, each the words stemmed that way and joined by spaces.
pub(crate) fn forms(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(LANGUAGES.len());
    for &(_, algorithm) in &LANGUAGES {
        let stemmer = Stemmer::create(algorithm);
        let form = words
            .iter()
            .map(|w| stemmer.stem(w).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        if !out.contains(&form) {
            out.push(form);
        }
    }
    out
}

const PENDING: &str = "SELECT p.article_id, a.language, a.title, a.summary, a.body_text \
     FROM articles_stem_pending p LEFT JOIN articles a ON a.id = p.article_id \
     ORDER BY p.article_id LIMIT $1";
const FORGET: &str = "DELETE FROM articles_fts_lang WHERE rowid = $1";
const WRITE: &str =
    "INSERT INTO articles_fts_lang (rowid, title, summary, body_text) VALUES ($1, $2, $3, $4)";
const DONE: &str = "DELETE FROM articles_stem_pending WHERE article_id = $1";

type PendingRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Rewrites the stems of up to `limit` queued articles, inside the caller's
/// write transaction (so no writer changes them between the read and the
/// write); returns how many were taken off the queue.
pub(crate) async fn index_pending(conn: &mut SqliteConnection, limit: i64) -> sqlx::Result<usize> {
    let rows: Vec<PendingRow> = sqlx::query_as(PENDING)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    for (id, language, title, summary, body) in &rows {
        sqlx::query(FORGET).bind(id).execute(&mut *conn).await?;
        if let Some(stemmer) = language.as_deref().and_then(stemmer_for) {
            let field = |text: &Option<String>, max| {
                stem_text(&stemmer, text.as_deref().unwrap_or(""), max)
            };
            sqlx::query(WRITE)
                .bind(id)
                .bind(field(title, TITLE_CHARS))
                .bind(field(summary, SUMMARY_CHARS))
                .bind(field(body, BODY_CHARS))
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query(DONE).bind(id).execute(&mut *conn).await?;
    }
    Ok(rows.len())
}

/// Works off the whole queue, a batch per write transaction, so that
/// writers waiting meanwhile get their turn between batches.
pub(crate) async fn index_all_pending(pool: &sqlx::SqlitePool) -> sqlx::Result<usize> {
    let mut total = 0;
    loop {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let n = index_pending(&mut tx, OPEN_BATCH).await?;
        tx.commit().await?;
        total += n;
        if n < OPEN_BATCH as usize {
            if total > 0 {
                tracing::info!(articles = total, "stemmed search index brought up to date");
            }
            return Ok(total);
        }
    }
}

/// Words of body text a snippet shows, as the SQL `snippet()` calls do.
const SNIPPET_WORDS: usize = 24;
/// Words shown before the first match, so that it reads in context.
const SNIPPET_LEAD: usize = 6;

/// The bodies of articles found through `articles_fts_lang` only, which
/// keeps no text for FTS5's `snippet()` to cut.
pub(crate) const BODIES: IdListSql =
    IdListSql("SELECT id, language, substr(body_text, 1, 100000) FROM articles WHERE id {ids}");

/// A snippet of `body` around its first word whose stem, in `language`, is
/// one of the query's (or that begins with its prefix), each such word
/// marked as the SQL snippets mark theirs; `None` when no word matches.
pub(crate) fn snippet(language: &str, body: &str, terms: &SearchTerms) -> Option<String> {
    let stemmer = stemmer_for(language)?;
    let wanted: Vec<String> = terms
        .words()
        .map(|w| stemmer.stem(w).into_owned())
        .collect();
    let prefix = terms.prefix();
    let mut words: Vec<(usize, usize, bool)> = Vec::new();
    let mut start = None;
    for (i, c) in body
        .char_indices()
        .chain(std::iter::once((body.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = body[s..i].to_lowercase();
                let hit = wanted.iter().any(|w| *w == stemmer.stem(&word))
                    || prefix.is_some_and(|p| word.starts_with(p));
                words.push((s, i, hit));
                start = None;
            }
            _ => {}
        }
    }
    let first = words.iter().position(|w| w.2)?;
    let from = first.saturating_sub(SNIPPET_LEAD);
    let to = (from + SNIPPET_WORDS).min(words.len());
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = words[from].0;
    for &(s, e, hit) in &words[from..to] {
        out.push_str(&body[at..s]);
        if hit {
            out.push(SNIPPET_START);
            out.push_str(&body[s..e]);
            out.push(SNIPPET_END);
        } else {
            out.push_str(&body[s..e]);
        }
        at = e;
    }
    if to < words.len() {
        out.push('…');
    } else {
        out.push_str(&body[at..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stemmed_in_their_language() {
        let de = stemmer_for("de-AT").unwrap();
        assert_eq!(
            stem_text(&de, "Die Häuser, brannten!", 100),
            "die haus brannt"
        );
        let ru = stemmer_for("ru").unwrap();
        assert_eq!(stem_text(&ru, "Новости о выборах", 100), "новост о выбор");
        assert!(stemmer_for("en").is_none(), "English has FTS5's own index");
        assert!(stemmer_for("uk").is_none());
        assert_eq!(stem_text(&de, "Häuser Häuser", 6), "haus");
    }

    #[test]
    fn snippets_mark_every_form_in_context() {
        let body = "Am Montag wurden in der Altstadt drei neue Häuser eröffnet, \
                    und jedes Haus hat einen Garten. Weitere Bauten folgen im Frühjahr. \
                    Die Stadt plant außerdem eine Schule, zwei Parks und einen Markt am Fluss.";
        let terms = SearchTerms::parse("haus gart*");
        let s = snippet("de", body, &terms).unwrap();
        let mark = |w: &str| format!("{SNIPPET_START}{w}{SNIPPET_END}");
        assert!(s.contains(&mark("Häuser")), "{s:?}");
        assert!(s.contains(&mark("Haus")), "{s:?}");
        assert!(s.contains(&mark("Garten")), "the prefix: {s:?}");
        assert!(
            s.starts_with("…wurden in der"),
            "six words of context: {s:?}"
        );
        assert!(s.ends_with('…'), "cut after 24 words: {s:?}");
        let plain: String = s
            .chars()
            .filter(|c| !matches!(*c, SNIPPET_START | SNIPPET_END))
            .collect();
        assert!(
            body.contains(plain.trim_matches('…')),
            "only marks are added: {plain:?}"
        );
        assert_eq!(snippet("de", body, &SearchTerms::parse("brücke")), None);
        assert_eq!(snippet("en", body, &terms), None, "not stemmed here");
    }

    #[test]
    fn a_query_group_takes_each_language_s_form_once() {
        let f = forms(&["häuser".to_string()]);
        assert!(f.contains(&"haus".to_string()), "{f:?}");
        assert!(f.len() < LANGUAGES.len(), "duplicates dropped: {f:?}");
        let phrase = forms(&["neue".to_string(), "häuser".to_string()]);
        assert!(phrase.contains(&"neu haus".to_string()), "{phrase:?}");
    }
}

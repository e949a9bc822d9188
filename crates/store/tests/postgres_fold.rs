//! Migration 0020 gives `newsroom_search_fold` a faster body. Its output must
//! stay the first body's, character for character: the stored search vectors
//! were folded by the first one, and every query is folded by the new one.
//! Needs NEWSROOM_TEST_POSTGRES_URL; without it the test says so and passes.

use newsroom_store::{PgStore, PoolConfig, testdb};

const SUITE: &str = "PostgreSQL search fold test";
const FIRST: &str = include_str!("../migrations/postgres/0004_article_search.sql");

/// The first body of the fold (migration 0004), under another name, and
/// the letters it maps.
fn first_fold() -> (String, Vec<char>) {
    let start = FIRST
        .find("CREATE FUNCTION newsroom_search_fold")
        .expect("0004 defines the fold");
    let end = start + FIRST[start..].find("\n$$;").expect("its end") + 4;
    let sql = FIRST[start..end].replace("newsroom_search_fold", "first_search_fold");
    let from = sql
        .split("translate(t,")
        .nth(1)
        .expect("the translate call");
    let letters = from
        .split('\'')
        .nth(1)
        .expect("its from-list")
        .chars()
        .collect();
    (sql, letters)
}

#[tokio::test]
async fn the_faster_fold_folds_as_the_first_did() {
    let Some(url) = testdb::fresh_postgres_url(SUITE).await else {
        return;
    };
    let store = PgStore::open(&url, &PoolConfig::default()).await.unwrap();
    let (first, letters) = first_fold();
    assert!(letters.len() > 400, "{} letters", letters.len());
    sqlx::raw_sql(sqlx::AssertSqlSafe(first))
        .execute(store.pool())
        .await
        .unwrap();

    // Each mapped letter alone and among others; Latin-1 only, beyond it
    // only, both, neither; combining marks, other scripts; and mixes.
    let mut texts: Vec<String> = letters.iter().map(|c| format!("a{c}b {c}{c}")).collect();
    texts.push(letters.iter().collect());
    texts.extend(
        [
            "",
            "plain ascii, covid-19 a/b x.y user@host a+b c:d ~e f&g h=i j?k 50% #l \\m <n>",
            "Ça été un «café» à Zürich; ÿ",
            "Łódź, Kraków, Đà Nẵng, Tiếng Việt, ſ ẛ Ǖǖ",
            "é\u{301} e\u{300}\u{301} \u{36f}x \u{2ff}y \u{370}z",
            "Новости й ё, Ελληνικά ά, 日本語, 한국어, 🙂 “quoted” — dash",
            "×÷ Æ æ Ð ð Ø ø Þ þ ß µ ¿¡",
        ]
        .map(String::from),
    );
    let others: Vec<char> = "abz AZ09 -./@é\u{301}йß“”日"
        .chars()
        .chain(letters.iter().copied())
        .collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2_000 {
        let text: String = (0..40)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                others[(seed % others.len() as u64) as usize]
            })
            .collect();
        texts.push(text);
    }
    let differ: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t, first_search_fold(t), newsroom_search_fold(t) FROM unnest($1::text[]) t \
         WHERE first_search_fold(t) IS DISTINCT FROM newsroom_search_fold(t)",
    )
    .bind(&texts)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(differ.is_empty(), "{differ:?}");
}

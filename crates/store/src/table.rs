//! The tables as plain rows, for moving a whole site between backends
//! (`newsroom copy`). A row travels as a JSON object keyed by column name;
//! integers are i64 and the rest text, which is all either schema holds.

use crate::error::{Result, StoreError};
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// Every table, in an order where each one's foreign keys point only at
/// tables before it: import in this order, clear in the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Sections,
    Sources,
    Stories,
    Articles,
    ArticleViews,
    ArticleAddresses,
    ArticleIngestState,
    ArticleViewsHourly,
    Tombstones,
    Jobs,
    Meta,
    SourceFetches,
    SourceFetchHours,
    AuditLog,
    SiteHours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Text,
}

pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Int,
    }
}
const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Text,
    }
}

const SECTIONS: &[Column] = &[
    int("id"),
    text("slug"),
    text("name"),
    int("position"),
    int("max_age_days"),
];
const SOURCES: &[Column] = &[
    int("id"),
    text("name"),
    text("feed_url"),
    text("site_url"),
    int("section_id"),
    text("full_text"),
    int("enabled"),
    int("created_at"),
    int("last_success_at"),
    int("last_attempt_at"),
    text("last_error_class"),
    text("last_error"),
    int("consecutive_failures"),
    int("next_poll_at"),
    text("etag"),
    text("last_modified"),
    text("item_notes"),
    int("poll_min_secs"),
    int("poll_max_secs"),
];
const STORIES: &[Column] = &[
    int("id"),
    int("lead_article_id"),
    int("first_seen"),
    int("last_update"),
    int("size"),
    int("thread_id"),
    text("editor_title"),
    int("editor_lead"),
    int("pinned_until"),
    int("hidden"),
    int("merged_into"),
];
const ARTICLES: &[Column] = &[
    int("id"),
    int("source_id"),
    int("section_id"),
    int("story_id"),
    text("guid"),
    text("canonical_url"),
    text("original_url"),
    text("title"),
    text("summary"),
    text("body_html"),
    text("body_text"),
    text("body_seal"),
    text("image_url"),
    text("image_alt"),
    int("image_width"),
    int("image_height"),
    text("video_url"),
    text("author"),
    text("language"),
    int("published_at"),
    int("fetched_at"),
    int("updated_at"),
    text("status"),
    int("story_locked"),
    text("story_reason"),
];
const ADDRESSES: &[Column] = &[
    int("scope"),
    text("address"),
    text("kind"),
    int("article_id"),
];
const INGEST_STATE: &[Column] = &[
    int("article_id"),
    text("body_origin"),
    int("published_trusted"),
    int("first_seen"),
    int("feed_updated"),
    text("feed_hash"),
    text("page_etag"),
    text("page_last_modified"),
    int("page_checked_at"),
    int("rechecks"),
];
const TOTALS: &[Column] = &[int("article_id"), int("views")];
const HOURLY: &[Column] = &[int("article_id"), int("hour"), int("views")];
const TOMBSTONES: &[Column] = &[text("canonical_url"), int("deleted_at")];
const JOBS: &[Column] = &[
    text("key"),
    text("kind"),
    int("due_at"),
    text("lease_owner"),
    int("lease_until"),
    int("attempts"),
    text("last_error"),
    text("payload"),
];
const META: &[Column] = &[text("key"), text("value")];
const FETCHES: &[Column] = &[
    int("id"),
    int("source_id"),
    int("fetched_at"),
    int("status"),
    text("outcome"),
    int("duration_ms"),
    text("error_class"),
    text("error"),
    int("items"),
    int("inserted"),
    int("updated"),
];
const FETCH_HOURS: &[Column] = &[
    int("source_id"),
    int("hour"),
    text("result"),
    int("fetches"),
    int("total_ms"),
    int("max_ms"),
];
const AUDIT: &[Column] = &[
    int("id"),
    int("at"),
    text("actor"),
    text("action"),
    text("object_kind"),
    int("object_id"),
    text("before_json"),
    text("after_json"),
];
const SITE_HOURS: &[Column] = &[
    int("hour"),
    int("stored"),
    int("updated"),
    int("lag_samples"),
    int("lag_total"),
    int("lag_max"),
];

struct Statements {
    first_page: String,
    next_page: String,
    delete_all: String,
    reset_sequence: Option<String>,
}

static STATEMENTS: LazyLock<Vec<Statements>> =
    LazyLock::new(|| Table::ALL.iter().map(|t| t.statements()).collect());

impl Table {
    pub const ALL: [Table; 15] = [
        Table::Sections,
        Table::Sources,
        Table::Stories,
        Table::Articles,
        Table::ArticleViews,
        Table::ArticleAddresses,
        Table::ArticleIngestState,
        Table::ArticleViewsHourly,
        Table::Tombstones,
        Table::Jobs,
        Table::Meta,
        Table::SourceFetches,
        Table::SourceFetchHours,
        Table::AuditLog,
        Table::SiteHours,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Sections => "sections",
            Table::Sources => "sources",
            Table::Stories => "stories",
            Table::Articles => "articles",
            Table::ArticleViews => "article_views",
            Table::ArticleAddresses => "article_addresses",
            Table::ArticleIngestState => "article_ingest_state",
            Table::ArticleViewsHourly => "article_views_hourly",
            Table::Tombstones => "tombstones",
            Table::Jobs => "jobs",
            Table::Meta => "meta",
            Table::SourceFetches => "source_fetches",
            Table::SourceFetchHours => "source_fetch_hours",
            Table::AuditLog => "audit_log",
            Table::SiteHours => "site_hours",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Sections => SECTIONS,
            Table::Sources => SOURCES,
            Table::Stories => STORIES,
            Table::Articles => ARTICLES,
            Table::ArticleViews => TOTALS,
            Table::ArticleAddresses => ADDRESSES,
            Table::ArticleIngestState => INGEST_STATE,
            Table::ArticleViewsHourly => HOURLY,
            Table::Tombstones => TOMBSTONES,
            Table::Jobs => JOBS,
            Table::Meta => META,
            Table::SourceFetches => FETCHES,
            Table::SourceFetchHours => FETCH_HOURS,
            Table::AuditLog => AUDIT,
            Table::SiteHours => SITE_HOURS,
        }
    }

    /// The primary key, which pages an export (keyset paging, so a large
    /// table costs the same per page at the end as at the start).
    pub fn key(self) -> &'static [&'static str] {
        match self {
            Table::ArticleViewsHourly => &["article_id", "hour"],
            Table::Tombstones => &["canonical_url"],
            Table::Jobs | Table::Meta => &["key"],
            Table::ArticleAddresses => &["scope", "address"],
            Table::ArticleIngestState | Table::ArticleViews => &["article_id"],
            Table::SourceFetchHours => &["source_id", "hour", "result"],
            Table::SiteHours => &["hour"],
            _ => &["id"],
        }
    }

    /// Whether new rows take their id from a counter that must move past imported ids.
    pub fn has_serial_id(self) -> bool {
        self.key() == ["id"]
    }

    fn index(self) -> usize {
        Table::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn statements(self) -> Statements {
        let name = self.name();
        let cols: Vec<&str> = self.columns().iter().map(|c| c.name).collect();
        let cols = cols.join(", ");
        let key = self.key();
        let order = key.join(", ");
        let n = key.len();
        let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        // A row value comparison works in both dialects: (a, b) > ($1, $2).
        let (lhs, rhs) = if n == 1 {
            (order.clone(), marks[0].clone())
        } else {
            (format!("({order})"), format!("({})", marks.join(", ")))
        };
        Statements {
            first_page: format!("SELECT {cols} FROM {name} ORDER BY {order} LIMIT $1"),
            next_page: format!(
                "SELECT {cols} FROM {name} WHERE {lhs} > {rhs} ORDER BY {order} LIMIT ${}",
                n + 1
            ),
            delete_all: format!("DELETE FROM {name}"),
            reset_sequence: self.has_serial_id().then(|| {
                format!(
                    "SELECT setval(pg_get_serial_sequence('{name}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                )
            }),
        }
    }

    /// The first page of an export: `$1` is the limit.
    pub fn first_page_sql(self) -> &'static str {
        &STATEMENTS[self.index()].first_page
    }

    /// A later page: `$1..$k` are the key of the last row seen, `$k+1` the limit.
    pub fn next_page_sql(self) -> &'static str {
        &STATEMENTS[self.index()].next_page
    }

    /// Rows one `insert_rows_sql` statement takes at most: few enough that
    /// every table's parameters stay below SQLite's limit (32,766) and
    /// PostgreSQL's (65,535), and as many as that allows up to a thousand,
    /// a page of `demo` or `copy`.
    pub fn rows_per_insert(self) -> usize {
        (30_000 / self.columns().len()).clamp(1, 1_000)
    }

    /// Inserts `rows` rows (at most `rows_per_insert`) with every column,
    /// ids included, in one statement. One statement rather than one per
    /// row matters for SQLite's full-text indexes: FTS5 writes its pending
    /// terms to disk at the end of each statement inside a transaction, so
    /// a statement per article costs a new index segment (and the merges
    /// that follow) per article. `numbered` gives `$1, $2, …`; otherwise
    /// the parameters are `?`, which SQLite binds without looking each
    /// one's name up (a look-up that walks every name before it).
    pub fn insert_rows_sql(self, rows: usize, numbered: bool) -> String {
        let width = self.columns().len();
        let mut sql = format!("INSERT INTO {} (", self.name());
        for (i, c) in self.columns().iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(c.name);
        }
        sql.push_str(") VALUES ");
        sql.push_str(&values_list(rows, width, numbered));
        sql
    }

    pub fn delete_all_sql(self) -> &'static str {
        &STATEMENTS[self.index()].delete_all
    }

    /// PostgreSQL only: moves the id sequence past the largest stored id.
    pub fn reset_sequence_sql(self) -> Option<&'static str> {
        STATEMENTS[self.index()].reset_sequence.as_deref()
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One column value ready to bind.
pub enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
}

/// The values of `row` for the named columns, in that order, typed by the schema.
pub fn cells(table: Table, row: &Value, names: &[&str]) -> Result<Vec<Cell>> {
    if !row.is_object() {
        return Err(StoreError::Corrupt(format!(
            "{table}: a row must be an object"
        )));
    }
    names
        .iter()
        .map(|name| {
            let col = table
                .columns()
                .iter()
                .find(|c| c.name == *name)
                .ok_or_else(|| bad(table, name, "is not a column"))?;
            let v = field(row, name);
            Ok(match col.ty {
                ColType::Int => Cell::Int(int_of(table, name, v)?),
                ColType::Text => Cell::Text(text_of(table, name, v)?.map(str::to_string)),
            })
        })
        .collect()
}

/// Every column value of `row`, in column order.
pub fn all_cells(table: Table, row: &Value) -> Result<Vec<Cell>> {
    let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
    cells(table, row, &names)
}

/// A JSON value as a nullable integer column.
pub fn int_of(table: Table, col: &str, v: &Value) -> Result<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(table, col, "is not a 64-bit integer")),
        _ => Err(bad(table, col, "must be an integer or null")),
    }
}

/// A JSON value as a nullable text column.
pub fn text_of<'v>(table: Table, col: &str, v: &'v Value) -> Result<Option<&'v str>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(bad(table, col, "must be a string or null")),
    }
}

fn bad(table: Table, col: &str, what: &str) -> StoreError {
    StoreError::Corrupt(format!("{table}.{col} {what}"))
}

/// The column value of an exported row; a missing column reads as null.
pub fn field<'r>(row: &'r Value, col: &str) -> &'r Value {
    row.get(col).unwrap_or(&Value::Null)
}

/// Reads one database row into a JSON object. Generic over the backend so
/// both export the same shape.
pub fn row_to_json<R>(table: Table, row: &R) -> Result<Value>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut m = Map::new();
    for (i, c) in table.columns().iter().enumerate() {
        let v = match c.ty {
            ColType::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
            ColType::Text => row.try_get::<Option<String>, _>(i)?.map(Value::from),
        };
        m.insert(c.name.to_string(), v.unwrap_or(Value::Null));
    }
    Ok(Value::Object(m))
}

/// `($1, $2), ($3, $4)`: the rows of a multi-row `VALUES`, `width`
/// parameters each, numbered or `?` (see `Table::insert_rows_sql`).
pub(crate) fn values_list(rows: usize, width: usize, numbered: bool) -> String {
    let mut sql = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push_str(&format!("${}", r * width + c + 1));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

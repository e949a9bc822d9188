//! SQL shared by both backends. Placeholders are `$N`, which SQLite and
//! PostgreSQL both accept, so each statement is written once. Where the
//! dialects differ the difference is a named piece in `Dialect`.
//! Statements are `&'static str` (sqlx refuses unaudited dynamic SQL); the
//! ones assembled from column lists are built once on first use.

use std::sync::LazyLock;

/// The few places where SQLite and PostgreSQL need different text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Row locking for lease claims: PostgreSQL skips rows another claim holds;
    /// SQLite has a single writer, so the claim's transaction is the lock.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
        }
    }

    pub fn claim_jobs(self) -> &'static str {
        static SQLITE: LazyLock<String> = LazyLock::new(|| Dialect::Sqlite.claim_jobs_text());
        static POSTGRES: LazyLock<String> = LazyLock::new(|| Dialect::Postgres.claim_jobs_text());
        match self {
            Dialect::Sqlite => &SQLITE,
            Dialect::Postgres => &POSTGRES,
        }
    }

    fn claim_jobs_text(self) -> String {
        format!(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE key IN (SELECT key FROM jobs WHERE kind = $3 AND due_at <= $4 \
                 AND (lease_until IS NULL OR lease_until <= $4) \
                 ORDER BY due_at, key LIMIT $5 {}) \
             RETURNING {JOB_COLS}",
            self.skip_locked()
        )
    }
}

pub const SECTION_COLS: &str = "id, slug, name, position, max_age_days";

pub const UPSERT_SECTION: &str = "INSERT INTO sections (slug, name, position, max_age_days) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (slug) DO UPDATE SET name = excluded.name, position = excluded.position, max_age_days = excluded.max_age_days \
     RETURNING id, slug, name, position, max_age_days";
pub const LIST_SECTIONS: &str =
    "SELECT id, slug, name, position, max_age_days FROM sections ORDER BY position, name";
pub const SECTION_BY_SLUG: &str =
    "SELECT id, slug, name, position, max_age_days FROM sections WHERE slug = $1";

pub const SOURCE_COLS: &str = "id, name, feed_url, site_url, section_id, full_text, enabled, created_at, \
     last_success_at, last_attempt_at, last_error_class, last_error, consecutive_failures, next_poll_at, etag, last_modified";

pub fn insert_source() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "INSERT INTO sources (name, feed_url, site_url, section_id, full_text, enabled, created_at, next_poll_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING {SOURCE_COLS}"
        )
    });
    &Q
}
pub fn get_source() -> &'static str {
    static Q: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {SOURCE_COLS} FROM sources WHERE id = $1"));
    &Q
}
pub fn source_by_feed_url() -> &'static str {
    static Q: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {SOURCE_COLS} FROM sources WHERE feed_url = $1"));
    &Q
}
pub fn list_sources() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {SOURCE_COLS}, (SELECT COUNT(*) FROM articles a WHERE a.source_id = sources.id) AS article_count \
         FROM sources ORDER BY name, id"
        )
    });
    &Q
}
pub const SET_SOURCE_ENABLED: &str = "UPDATE sources SET enabled = $2 WHERE id = $1";
pub const SET_SOURCE_NAME: &str = "UPDATE sources SET name = $2 WHERE id = $1";
pub const SET_SOURCE_FEED_URL: &str = "UPDATE sources SET feed_url = $2 WHERE id = $1";
pub const DELETE_SOURCE_ARTICLES: &str = "DELETE FROM articles WHERE source_id = $1";
pub const DELETE_SOURCE: &str = "DELETE FROM sources WHERE id = $1";
pub const UPDATE_SOURCE_HEALTH: &str = "UPDATE sources SET last_success_at = $2, last_attempt_at = $3, \
     last_error_class = $4, last_error = $5, consecutive_failures = $6, next_poll_at = $7, etag = $8, last_modified = $9 \
     WHERE id = $1";

pub const ARTICLE_COLS: &str = "id, source_id, section_id, guid, canonical_url, original_url, title, summary, \
     body_html, body_text, image_url, image_alt, image_width, image_height, video_url, author, language, \
     published_at, fetched_at, updated_at, status, views";

pub fn get_article() -> &'static str {
    static Q: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {ARTICLE_COLS} FROM articles WHERE id = $1"));
    &Q
}
pub fn article_by_canonical_url() -> &'static str {
    static Q: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {ARTICLE_COLS} FROM articles WHERE canonical_url = $1"));
    &Q
}
/// The (source, guid) match wins over the URL match: a feed that moves an
/// item to a new URL keeps its guid.
pub fn find_for_upsert() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {ARTICLE_COLS} FROM articles \
         WHERE (source_id = $1 AND guid = $2) OR canonical_url = $3 \
         ORDER BY CASE WHEN source_id = $1 AND guid = $2 THEN 0 ELSE 1 END LIMIT 1"
        )
    });
    &Q
}
pub const TOMBSTONE_EXISTS: &str = "SELECT COUNT(*) FROM tombstones WHERE canonical_url = $1";
pub const INSERT_ARTICLE: &str = "INSERT INTO articles (source_id, section_id, guid, canonical_url, original_url, title, summary, \
     body_html, body_text, image_url, image_alt, image_width, image_height, video_url, author, language, \
     published_at, fetched_at, updated_at, status, views) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, 'published', 0) \
     RETURNING id";
pub const UPDATE_ARTICLE: &str = "UPDATE articles SET original_url = $2, title = $3, summary = $4, body_html = $5, \
     body_text = $6, image_url = $7, image_alt = $8, image_width = $9, image_height = $10, video_url = $11, \
     author = $12, language = $13, fetched_at = $14, updated_at = $15, section_id = $16, published_at = $17 WHERE id = $1";
pub const TOUCH_ARTICLE: &str = "UPDATE articles SET fetched_at = $2 WHERE id = $1";

/// Columns of an `ArticleCard`; `a` is articles, `s` is sources.
pub const CARD_COLS: &str = "a.id, a.title, a.summary, a.published_at, a.views, a.video_url, a.image_url, \
     a.source_id, s.name AS source_name, a.section_id, a.story_id, a.original_url";

pub fn list_articles() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         WHERE a.status = 'published' AND ($1 IS NULL OR a.section_id = $1) AND ($2 IS NULL OR a.source_id = $2) \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $3 OFFSET $4"
        )
    });
    &Q
}
pub const COUNT_ARTICLES: &str = "SELECT COUNT(*) FROM articles a \
     WHERE a.status = 'published' AND ($1 IS NULL OR a.section_id = $1) AND ($2 IS NULL OR a.source_id = $2)";
/// Ranges are numbered from 1, so range n starts at id (n - 1) * $1 + 1.
pub const ARTICLE_ID_RANGES: &str = "SELECT CAST((id - 1) / $1 + 1 AS BIGINT) AS idx, \
     CAST(COUNT(*) AS BIGINT) AS articles, CAST(MAX(updated_at) AS BIGINT) AS last_modified \
     FROM articles WHERE status = 'published' GROUP BY 1 ORDER BY 1";
pub const ARTICLE_LINKS: &str = "SELECT id, title, published_at, updated_at FROM articles \
     WHERE status = 'published' AND id >= $1 AND id <= $2 ORDER BY id";
pub fn most_read() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         JOIN (SELECT article_id, CAST(SUM(views) AS BIGINT) AS recent FROM article_views_hourly \
               WHERE hour >= $1 GROUP BY article_id) r ON r.article_id = a.id \
         WHERE a.status = 'published' \
         ORDER BY r.recent DESC, a.published_at DESC, a.id DESC LIMIT $2"
        )
    });
    &Q
}
pub fn story_articles() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id \
         WHERE a.story_id = $1 AND a.status = 'published' ORDER BY a.published_at, a.id"
        )
    });
    &Q
}
/// New articles for the clusterer, in id order. Ids follow commit order
/// (SQLite has one writer; PostgreSQL upserts hold one advisory lock), so
/// nothing below the last id seen can still appear.
pub fn articles_after() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {ARTICLE_COLS} FROM articles \
         WHERE status = 'published' AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
        )
    });
    &Q
}
pub const ARTICLE_STORY: &str = "SELECT story_id FROM articles WHERE id = $1";
/// Published members and distinct outlets per story; `{IDS}` is the id list.
pub const STORY_REACH_SELECT: &str = "SELECT story_id, COUNT(*) AS articles, COUNT(DISTINCT source_id) AS sources \
     FROM articles WHERE status = 'published' AND story_id";
pub const STORY_REACH_GROUP: &str = "GROUP BY story_id ORDER BY story_id";
/// Most read, one line per story: views since `$1` (hour) are summed over a
/// story's members, and the member read most stands for the story. Articles
/// outside any story form a group of their own (keyed by their negated id).
pub fn most_read_by_story() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {CARD_COLS}, g.total AS recent_views FROM articles a JOIN sources s ON s.id = a.source_id \
         JOIN (SELECT x.article_id, x.total, \
                 ROW_NUMBER() OVER (PARTITION BY x.grp ORDER BY x.recent DESC, x.article_id DESC) AS rn \
               FROM (SELECT r.article_id, r.recent, COALESCE(m.story_id, -m.id) AS grp, \
                       CAST(SUM(r.recent) OVER (PARTITION BY COALESCE(m.story_id, -m.id)) AS BIGINT) AS total \
                     FROM (SELECT article_id, CAST(SUM(views) AS BIGINT) AS recent FROM article_views_hourly \
                           WHERE hour >= $1 GROUP BY article_id) r \
                     JOIN articles m ON m.id = r.article_id WHERE m.status = 'published') x) g \
           ON g.article_id = a.id AND g.rn = 1 \
         ORDER BY g.total DESC, a.published_at DESC, a.id DESC LIMIT $2"
        )
    });
    &Q
}
pub const SET_ARTICLE_STATUS: &str =
    "UPDATE articles SET status = $2, updated_at = $3 WHERE id = $1";
pub const INSERT_TOMBSTONE: &str = "INSERT INTO tombstones (canonical_url, deleted_at) VALUES ($1, $2) \
     ON CONFLICT (canonical_url) DO NOTHING";
pub const DELETE_ARTICLE: &str = "DELETE FROM articles WHERE id = $1";
/// In id order, the order view flushes lock articles in, so retention and a
/// flush on another node do not deadlock.
pub const OLD_ARTICLES: &str = "SELECT id, canonical_url FROM articles \
     WHERE ($1 IS NULL OR section_id = $1) AND published_at < $2 ORDER BY id";

/// Claims a flushed batch's id inside its transaction; no row inserted means
/// the batch was applied before.
pub const CLAIM_VIEW_BATCH: &str =
    "INSERT INTO view_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING";
pub const PRUNE_VIEW_BATCHES: &str = "DELETE FROM view_batches WHERE applied_at < $1";
/// How long applied batch ids are remembered.
pub const VIEW_BATCH_MEMORY_SECS: i64 = 30 * 86_400;
pub const ADD_VIEWS_TOTAL: &str = "UPDATE articles SET views = views + $2 WHERE id = $1";
pub const ADD_VIEWS_HOURLY: &str = "INSERT INTO article_views_hourly (article_id, hour, views) \
     SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM articles WHERE id = $1) \
     ON CONFLICT (article_id, hour) DO UPDATE SET views = article_views_hourly.views + excluded.views";

pub const INSERT_STORY: &str = "INSERT INTO stories (lead_article_id, first_seen, last_update, size) VALUES ($1, $2, $2, 0) RETURNING id";
pub const SET_ARTICLE_STORY: &str = "UPDATE articles SET story_id = $2 WHERE id = $1";
/// Recomputes size and first-seen from the members; the lead is the earliest member.
pub const REFRESH_STORY: &str = "UPDATE stories SET \
     size = (SELECT COUNT(*) FROM articles WHERE story_id = $1), \
     first_seen = COALESCE((SELECT MIN(published_at) FROM articles WHERE story_id = $1), first_seen), \
     lead_article_id = COALESCE((SELECT id FROM articles WHERE story_id = $1 ORDER BY published_at, id LIMIT 1), lead_article_id), \
     last_update = $2 WHERE id = $1";
pub const GET_STORY: &str =
    "SELECT id, lead_article_id, first_seen, last_update, size FROM stories WHERE id = $1";

pub const JOB_COLS: &str =
    "key, kind, due_at, lease_owner, lease_until, attempts, last_error, payload";
pub const ENSURE_JOB: &str = "INSERT INTO jobs (key, kind, due_at, payload) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING";
pub const RENEW_LEASE: &str =
    "UPDATE jobs SET lease_until = $3 WHERE key = $1 AND lease_owner = $2 AND lease_until > $4";
pub const COMPLETE_JOB: &str = "UPDATE jobs SET due_at = $3, lease_owner = NULL, lease_until = NULL, last_error = $4, \
     attempts = CASE WHEN $4 IS NULL THEN 0 ELSE attempts END \
     WHERE key = $1 AND lease_owner = $2";
pub const DELETE_JOB: &str = "DELETE FROM jobs WHERE key = $1 AND lease_owner = $2";
pub fn get_job() -> &'static str {
    static Q: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {JOB_COLS} FROM jobs WHERE key = $1"));
    &Q
}

pub const GET_META: &str = "SELECT value FROM meta WHERE key = $1";
pub const SET_META: &str = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
pub const INIT_META: &str =
    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

pub const TABLE_COUNTS: &str = "SELECT \
     (SELECT COUNT(*) FROM sections), (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM articles), \
     (SELECT COUNT(*) FROM stories), (SELECT COUNT(*) FROM article_views_hourly), (SELECT COUNT(*) FROM tombstones), \
     (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM meta), \
     CAST(COALESCE((SELECT SUM(views) FROM articles), 0) AS BIGINT)";

/// Every article whatever its status, for the admin area.
pub fn list_all_articles() -> &'static str {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {CARD_COLS}, a.status FROM articles a JOIN sources s ON s.id = a.source_id \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $1 OFFSET $2"
        )
    });
    &Q
}

pub const INSERT_USER: &str = "INSERT INTO users (name, password_hash, role, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING id, name, password_hash, role, created_at";
pub const USER_BY_NAME: &str =
    "SELECT id, name, password_hash, role, created_at FROM users WHERE name = $1";
pub const LIST_USERS: &str =
    "SELECT id, name, password_hash, role, created_at FROM users ORDER BY name";
pub const DELETE_USER_SESSIONS: &str =
    "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)";
pub const DELETE_USER: &str = "DELETE FROM users WHERE name = $1";
pub const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, csrf_secret) \
     VALUES ($1, $2, $3, $4, $5)";
pub const SESSION_USER: &str = "SELECT s.token_hash, s.user_id, s.created_at, s.expires_at, s.csrf_secret, \
     u.name AS u_name, u.password_hash AS u_password_hash, u.role AS u_role, u.created_at AS u_created_at \
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2";
pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";
pub const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

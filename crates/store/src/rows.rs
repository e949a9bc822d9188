//! Row shapes shared by both backends, and their conversion to domain types.
//! Every integer column is read as i64 (PostgreSQL columns are BIGINT) and
//! every flag as an integer 0/1, so one row type decodes from either database.

use crate::error::StoreError;
use crate::model::{ArticleCard, ArticleLink, IdRange, Job};
use newsroom_core::{
    Article, ArticleId, ArticleStatus, FullTextMode, LeadImage, PollBounds, PublicUrl, Section,
    SectionId, Source, SourceHealth, SourceId, Story, StoryId, Video,
};

/// The view total of `articles a` as a column: a row of its own
/// (`article_views`), and none until the article is read.
macro_rules! views_of_a {
    () => {
        "COALESCE((SELECT v.views FROM article_views v WHERE v.article_id = a.id), 0) AS views"
    };
}

/// Columns of an `ArticleRow`, from `articles a`.
pub(crate) const ARTICLE_COLS: &str = concat!(
    "a.id, a.source_id, a.section_id, a.guid, a.canonical_url, a.original_url, \
     a.title, a.summary, a.body_html, a.body_text, a.image_url, a.image_alt, a.image_width, a.image_height, \
     a.video_url, a.author, a.language, a.published_at, a.fetched_at, a.updated_at, a.status, ",
    views_of_a!(),
    ", a.body_seal"
);

/// Columns of a `CardRow`; `a` is articles, `s` is sources.
pub(crate) const CARD_COLS: &str = concat!(
    "a.id, a.title, a.summary, a.published_at, ",
    views_of_a!(),
    ", a.video_url, a.image_url, a.source_id, s.name AS source_name, a.section_id, a.story_id, a.original_url"
);

#[derive(sqlx::FromRow)]
pub struct SectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub position: i64,
    pub max_age_days: Option<i64>,
}

impl From<SectionRow> for Section {
    fn from(r: SectionRow) -> Self {
        Section {
            id: SectionId(r.id),
            slug: r.slug,
            name: r.name,
            position: r.position,
            max_age_days: r.max_age_days,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct SourceRow {
    pub id: i64,
    pub name: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    pub section_id: Option<i64>,
    pub full_text: String,
    pub enabled: i64,
    pub created_at: i64,
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_error_class: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub next_poll_at: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub item_notes: Option<String>,
    pub poll_min_secs: Option<i64>,
    pub poll_max_secs: Option<i64>,
}

impl TryFrom<SourceRow> for Source {
    type Error = StoreError;
    fn try_from(r: SourceRow) -> Result<Self, StoreError> {
        let full_text = FullTextMode::parse(&r.full_text).ok_or_else(|| {
            StoreError::Corrupt(format!("source {}: full_text {:?}", r.id, r.full_text))
        })?;
        Ok(Source {
            id: SourceId(r.id),
            name: r.name,
            feed_url: r.feed_url,
            site_url: r.site_url,
            section_id: r.section_id.map(SectionId),
            full_text,
            enabled: r.enabled != 0,
            created_at: r.created_at,
            poll: PollBounds {
                min_secs: r.poll_min_secs,
                max_secs: r.poll_max_secs,
            },
            health: SourceHealth {
                last_success_at: r.last_success_at,
                last_attempt_at: r.last_attempt_at,
                last_error_class: r.last_error_class,
                last_error: r.last_error,
                consecutive_failures: r.consecutive_failures,
                next_poll_at: r.next_poll_at,
                etag: r.etag,
                last_modified: r.last_modified,
                notes: r
                    .item_notes
                    .as_deref()
                    .map(|n| n.lines().map(str::to_string).collect())
                    .unwrap_or_default(),
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SourceStatsRow {
    #[sqlx(flatten)]
    pub source: SourceRow,
    pub article_count: i64,
}

#[derive(sqlx::FromRow, Clone)]
pub struct ArticleRow {
    pub id: i64,
    pub source_id: i64,
    pub section_id: Option<i64>,
    pub guid: Option<String>,
    pub canonical_url: String,
    pub original_url: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub body_text: String,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_width: Option<i64>,
    pub image_height: Option<i64>,
    pub video_url: Option<String>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub published_at: i64,
    pub fetched_at: i64,
    pub updated_at: i64,
    pub status: String,
    pub views: i64,
    pub body_seal: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct ArticlePageRow {
    #[sqlx(flatten)]
    pub article: ArticleRow,
    pub story_id: Option<i64>,
    pub source_name: String,
    pub story_hidden: i64,
}

impl TryFrom<ArticlePageRow> for crate::model::ArticlePage {
    type Error = StoreError;
    fn try_from(r: ArticlePageRow) -> Result<Self, StoreError> {
        Ok(Self {
            article: r.article.try_into()?,
            source_name: r.source_name,
            story: r.story_id.map(newsroom_core::StoryId),
            story_hidden: r.story_hidden != 0,
        })
    }
}

fn dim(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

impl TryFrom<ArticleRow> for Article {
    type Error = StoreError;
    fn try_from(r: ArticleRow) -> Result<Self, StoreError> {
        let status = ArticleStatus::parse(&r.status).ok_or_else(|| {
            StoreError::Corrupt(format!("article {}: status {:?}", r.id, r.status))
        })?;
        Ok(Article {
            id: ArticleId(r.id),
            source_id: SourceId(r.source_id),
            section_id: r.section_id.map(SectionId),
            guid: r.guid,
            canonical_url: r.canonical_url,
            original_url: r.original_url,
            title: r.title,
            summary: r.summary,
            body_html: r.body_html,
            body_text: r.body_text,
            body_seal: r.body_seal,
            // Rows written before URLs were checked (or by hand) may hold
            // any text: what is not a PublicUrl is dropped on the way out.
            image: stored_url(r.image_url, "image").map(|url| LeadImage {
                url,
                alt: r.image_alt.unwrap_or_default(),
                width: dim(r.image_width),
                height: dim(r.image_height),
            }),
            video: stored_url(r.video_url, "video").map(|url| Video { url }),
            author: r.author,
            language: r.language,
            published_at: r.published_at,
            fetched_at: r.fetched_at,
            updated_at: r.updated_at,
            status,
            views: r.views,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CardRow {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub published_at: i64,
    pub views: i64,
    pub video_url: Option<String>,
    pub image_url: Option<String>,
    pub source_id: i64,
    pub source_name: String,
    pub section_id: Option<i64>,
    pub story_id: Option<i64>,
    pub original_url: String,
}

impl From<CardRow> for ArticleCard {
    fn from(r: CardRow) -> Self {
        ArticleCard {
            id: ArticleId(r.id),
            title: r.title,
            summary: r.summary,
            published_at: r.published_at,
            views: r.views,
            video: stored_url(r.video_url, "video").is_some(),
            image_url: stored_url(r.image_url, "image"),
            source_id: SourceId(r.source_id),
            source_name: r.source_name,
            section_id: r.section_id.map(SectionId),
            story_id: r.story_id.map(StoryId),
            original_url: r.original_url,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct IdRangeRow {
    pub idx: i64,
    pub articles: i64,
    pub last_modified: i64,
}

impl From<IdRangeRow> for IdRange {
    fn from(r: IdRangeRow) -> Self {
        IdRange {
            index: r.idx,
            articles: r.articles,
            last_modified: r.last_modified,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ArticleLinkRow {
    pub id: i64,
    pub title: String,
    pub published_at: i64,
    pub updated_at: i64,
}

impl From<ArticleLinkRow> for ArticleLink {
    fn from(r: ArticleLinkRow) -> Self {
        ArticleLink {
            id: ArticleId(r.id),
            title: r.title,
            published_at: r.published_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct RankedCardRow {
    #[sqlx(flatten)]
    pub card: CardRow,
    pub recent_views: i64,
}

impl From<RankedCardRow> for crate::model::RankedCard {
    fn from(r: RankedCardRow) -> Self {
        crate::model::RankedCard {
            card: r.card.into(),
            recent_views: r.recent_views,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct StoryRow {
    pub id: i64,
    pub lead_article_id: i64,
    pub first_seen: i64,
    pub last_update: i64,
    pub size: i64,
    pub thread_id: Option<i64>,
    pub editor_title: Option<String>,
    pub editor_lead: Option<i64>,
    pub pinned_until: Option<i64>,
    pub hidden: Option<i64>,
    pub merged_into: Option<i64>,
}

impl From<StoryRow> for Story {
    fn from(r: StoryRow) -> Self {
        Story {
            id: StoryId(r.id),
            lead_article: ArticleId(r.lead_article_id),
            first_seen: r.first_seen,
            last_update: r.last_update,
            size: r.size,
            thread: StoryId(r.thread_id.unwrap_or(r.id)),
            title: r.editor_title,
            editor_lead: r.editor_lead.unwrap_or(0) != 0,
            pinned_until: r.pinned_until,
            hidden: r.hidden.unwrap_or(0) != 0,
            merged_into: r.merged_into.map(StoryId),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct JobRow {
    pub key: String,
    pub kind: String,
    pub due_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub payload: Option<String>,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Job {
            key: r.key,
            kind: r.kind,
            due_at: r.due_at,
            lease_owner: r.lease_owner,
            lease_until: r.lease_until,
            attempts: r.attempts,
            last_error: r.last_error,
            payload: r.payload,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct AdminArticleRow {
    #[sqlx(flatten)]
    pub card: CardRow,
    pub status: String,
}

impl TryFrom<AdminArticleRow> for crate::model::AdminArticle {
    type Error = StoreError;
    fn try_from(r: AdminArticleRow) -> Result<Self, StoreError> {
        let status = ArticleStatus::parse(&r.status).ok_or_else(|| {
            StoreError::Corrupt(format!("article {}: status {:?}", r.card.id, r.status))
        })?;
        Ok(crate::model::AdminArticle {
            card: r.card.into(),
            status,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
}

impl TryFrom<UserRow> for crate::model::User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        let role = crate::model::UserRole::parse(&r.role)
            .ok_or_else(|| StoreError::Corrupt(format!("user {}: role {:?}", r.id, r.role)))?;
        Ok(crate::model::User {
            id: r.id,
            name: r.name,
            password_hash: r.password_hash,
            role,
            created_at: r.created_at,
        })
    }
}

/// A session joined with its user; the user's columns carry a `u_` prefix.
#[derive(sqlx::FromRow)]
pub struct SessionUserRow {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub csrf_secret: String,
    pub u_name: String,
    pub u_password_hash: String,
    pub u_role: String,
    pub u_created_at: i64,
}

impl TryFrom<SessionUserRow> for (crate::model::Session, crate::model::User) {
    type Error = StoreError;
    fn try_from(r: SessionUserRow) -> Result<Self, StoreError> {
        let user = UserRow {
            id: r.user_id,
            name: r.u_name,
            password_hash: r.u_password_hash,
            role: r.u_role,
            created_at: r.u_created_at,
        }
        .try_into()?;
        Ok((
            crate::model::Session {
                token_hash: r.token_hash,
                user_id: r.user_id,
                created_at: r.created_at,
                expires_at: r.expires_at,
                csrf_secret: r.csrf_secret,
            },
            user,
        ))
    }
}

fn stored_url(raw: Option<String>, what: &'static str) -> Option<PublicUrl> {
    PublicUrl::or_drop(&raw?, None, what)
}

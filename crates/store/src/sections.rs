//! Sections: the named parts of the site an article is filed under.

use crate::dialect::{Db, with_pool};
use crate::error::Result;
use crate::rows::SectionRow;
use newsroom_core::{NewSection, Section};

const UPSERT_SECTION: &str = "INSERT INTO sections (slug, name, position, max_age_days) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (slug) DO UPDATE SET name = excluded.name, position = excluded.position, max_age_days = excluded.max_age_days \
     RETURNING id, slug, name, position, max_age_days";
const LIST_SECTIONS: &str =
    "SELECT id, slug, name, position, max_age_days FROM sections ORDER BY position, name";
const SECTION_BY_SLUG: &str =
    "SELECT id, slug, name, position, max_age_days FROM sections WHERE slug = $1";

impl Db<'_> {
    pub(crate) async fn upsert_section(self, s: &NewSection) -> Result<Section> {
        let row: SectionRow = with_pool!(self, |pool| {
            sqlx::query_as(UPSERT_SECTION)
                .bind(&s.slug)
                .bind(&s.name)
                .bind(s.position)
                .bind(s.max_age_days)
                .fetch_one(pool)
                .await?
        });
        Ok(row.into())
    }

    pub(crate) async fn list_sections(self) -> Result<Vec<Section>> {
        let rows: Vec<SectionRow> = with_pool!(self, |pool| sqlx::query_as(LIST_SECTIONS)
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn section_by_slug(self, slug: &str) -> Result<Option<Section>> {
        let row: Option<SectionRow> = with_pool!(self, |pool| {
            sqlx::query_as(SECTION_BY_SLUG)
                .bind(slug)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Into::into))
    }
}

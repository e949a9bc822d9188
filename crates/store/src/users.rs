//! Users and sessions: admin accounts and the browsers signed in to them.

use crate::dialect::{Db, conflict_or, with_pool};
use crate::error::Result;
use crate::model::{Session, User, UserRole};
use crate::rows::{SessionUserRow, UserRow};
use newsroom_core::Timestamp;

const INSERT_USER: &str = "INSERT INTO users (name, password_hash, role, created_at) \
     VALUES ($1, $2, $3, $4) RETURNING id, name, password_hash, role, created_at";
const USER_BY_NAME: &str =
    "SELECT id, name, password_hash, role, created_at FROM users WHERE name = $1";
const LIST_USERS: &str =
    "SELECT id, name, password_hash, role, created_at FROM users ORDER BY name";
const DELETE_USER_SESSIONS: &str =
    "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)";
const DELETE_USER: &str = "DELETE FROM users WHERE name = $1";
const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, csrf_secret) \
     VALUES ($1, $2, $3, $4, $5)";
const SESSION_USER: &str = "SELECT s.token_hash, s.user_id, s.created_at, s.expires_at, s.csrf_secret, \
     u.name AS u_name, u.password_hash AS u_password_hash, u.role AS u_role, u.created_at AS u_created_at \
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";
const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

impl Db<'_> {
    pub(crate) async fn add_user(
        self,
        name: &str,
        password_hash: &str,
        role: UserRole,
        now: Timestamp,
    ) -> Result<User> {
        let row: UserRow = with_pool!(self, |pool| {
            sqlx::query_as(INSERT_USER)
                .bind(name)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now)
                .fetch_one(pool)
                .await
                .map_err(|e| conflict_or(e, || format!("a user named {name:?} already exists")))?
        });
        row.try_into()
    }

    pub(crate) async fn user_by_name(self, name: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = with_pool!(self, |pool| {
            sqlx::query_as(USER_BY_NAME)
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn list_users(self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = with_pool!(self, |pool| sqlx::query_as(LIST_USERS)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub(crate) async fn remove_user(self, name: &str) -> Result<bool> {
        // Sessions first and in the same transaction: no window in which a
        // removed account's browser is still signed in.
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(DELETE_USER_SESSIONS)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            let r = sqlx::query(DELETE_USER)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn create_session(self, s: &Session) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(INSERT_SESSION)
                .bind(&s.token_hash)
                .bind(s.user_id)
                .bind(s.created_at)
                .bind(s.expires_at)
                .bind(&s.csrf_secret)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub(crate) async fn session_user(
        self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Session, User)>> {
        let row: Option<SessionUserRow> = with_pool!(self, |pool| {
            sqlx::query_as(SESSION_USER)
                .bind(token_hash)
                .bind(now)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    pub(crate) async fn delete_session(self, token_hash: &str) -> Result<bool> {
        with_pool!(self, |pool| {
            let r = sqlx::query(DELETE_SESSION)
                .bind(token_hash)
                .execute(pool)
                .await?;
            Ok(r.rows_affected() > 0)
        })
    }

    pub(crate) async fn delete_expired_sessions(self, now: Timestamp) -> Result<u64> {
        with_pool!(self, |pool| {
            let r = sqlx::query(DELETE_EXPIRED_SESSIONS)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(r.rows_affected())
        })
    }
}

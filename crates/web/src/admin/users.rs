//! `/admin/users`: who can sign in. Accounts are made and removed with
//! `newsroom user`, on the server, so a stolen session cannot add more.

use super::Admin;
use super::layout::Layout;
use super::session::AdminOnly;
use crate::error::WebResult;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRow>,
}

struct UserRow {
    name: String,
    role: &'static str,
    created: String,
    is_me: bool,
}

pub async fn list(State(st): State<Admin>, AdminOnly(who): AdminOnly) -> WebResult<Html<String>> {
    let users = st
        .site
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_me: u.id == who.user.id,
            role: u.role.as_str(),
            created: st.time(u.created_at),
            name: u.name,
        })
        .collect();
    let page = UsersPage {
        l: Layout::new(&st.site.cfg.name, &who, "users"),
        users,
    };
    Ok(Html(page.render()?))
}

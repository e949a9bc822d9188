//! Sign-in sessions: the browser holds a random token in a cookie; the store
//! holds only its hash, so reading the database (or a backup) does not let
//! anyone sign in. Sessions last a fixed 14 days from sign-in.

use super::{Admin, AdminState};
use crate::error::WebError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use newsroom_store::{Session, User, UserRole};

/// The session cookie. Scoped to /admin, so public pages never see it.
pub const COOKIE: &str = "newsroom_admin";
/// The login form's nonce: there is no session yet to tie a CSRF token to,
/// so the form's token is a keyed hash of this nonce under a server secret
/// ([`super::csrf::login_token`]); without it another site could sign a
/// browser in to an account of the attacker's choosing.
pub const LOGIN_COOKIE: &str = "newsroom_login";
pub const LOGIN_PATH: &str = "/admin/login";
pub const SESSION_SECS: i64 = 14 * 86_400;
const LOGIN_COOKIE_SECS: i64 = 3600;

/// 32 random bytes as 64 hex digits: for session tokens and CSRF secrets.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// What the store keeps in place of a token.
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

fn is_token(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The value of cookie `name` if it is shaped like one of our tokens;
/// anything else is treated as absent, so junk never reaches the store.
pub fn cookie_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| is_token(v))
}

/// A `Set-Cookie` value. HttpOnly always (no script needs it); `Secure` when
/// the site is served over https, where a browser must never send it in clear.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let (path, same_site) = if name == LOGIN_COOKIE {
        (LOGIN_PATH, "Strict")
    } else {
        // Lax, not Strict: a link to the admin area from a mail or chat
        // should arrive signed in. Lax still withholds it from other sites' POSTs.
        ("/admin", "Lax")
    };
    let mut c =
        format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite={same_site}");
    if secure {
        c.push_str("; Secure");
    }
    // Only our own token characters and fixed text: always a valid header.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    set_cookie(name, "", 0, secure)
}

pub fn login_cookie(value: &str, secure: bool) -> HeaderValue {
    set_cookie(LOGIN_COOKIE, value, LOGIN_COOKIE_SECS, secure)
}

/// A signed-in user and the session they came with.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: User,
    pub session: Session,
}

impl Authed {
    pub fn is_admin(&self) -> bool {
        self.user.role == UserRole::Admin
    }
}

/// The session the request's cookie names, if it exists and has not expired.
pub async fn lookup(st: &AdminState, headers: &HeaderMap) -> Result<Option<Authed>, WebError> {
    let Some(token) = cookie_token(headers, COOKIE) else {
        return Ok(None);
    };
    let found = st
        .site
        .store
        .session_user(&token_hash(token), crate::state::now())
        .await?;
    Ok(found.map(|(session, user)| Authed { user, session }))
}

/// Where a request without a session goes.
pub fn to_login() -> Response {
    Redirect::to(LOGIN_PATH).into_response()
}

impl FromRequestParts<Admin> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &Admin) -> Result<Self, Response> {
        // The POST guard has already looked the session up.
        if let Some(a) = parts.extensions.get::<Authed>() {
            return Ok(a.clone());
        }
        match lookup(st, &parts.headers).await {
            Ok(Some(a)) => Ok(a),
            Ok(None) => Err(to_login()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A signed-in admin; editors get a 403.
pub struct AdminOnly(pub Authed);

impl FromRequestParts<Admin> for AdminOnly {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &Admin) -> Result<Self, Response> {
        let a = Authed::from_request_parts(parts, st).await?;
        if a.is_admin() {
            Ok(AdminOnly(a))
        } else {
            Err(
                WebError::Forbidden("Only administrators can manage sources and users.")
                    .into_response(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert!(is_token(&a) && is_token(&b));
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a, "the store never sees the token");
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn cookie_is_found_among_others_and_junk_is_ignored() {
        let t = new_token();
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE}={t}; x=y")).unwrap(),
        );
        assert_eq!(cookie_token(&h, COOKIE), Some(t.as_str()));
        assert_eq!(cookie_token(&h, LOGIN_COOKIE), None);
        let mut bad = HeaderMap::new();
        bad.append(
            header::COOKIE,
            HeaderValue::from_static("newsroom_admin=' OR 1=1 --"),
        );
        assert_eq!(cookie_token(&bad, COOKIE), None);
        let mut upper = HeaderMap::new();
        upper.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("{COOKIE}={}", t.to_uppercase())).unwrap(),
        );
        assert_eq!(cookie_token(&upper, COOKIE), None);
        // A second Cookie header (HTTP/2 splits them) is read too.
        let mut split = HeaderMap::new();
        split.append(header::COOKIE, HeaderValue::from_static("a=b"));
        split.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("{COOKIE}={t}")).unwrap(),
        );
        assert_eq!(cookie_token(&split, COOKIE), Some(t.as_str()));
    }

    #[test]
    fn cookie_attributes() {
        let c = set_cookie(COOKIE, "abc", SESSION_SECS, false);
        let c = c.to_str().unwrap();
        assert_eq!(
            c,
            "newsroom_admin=abc; Path=/admin; Max-Age=1209600; HttpOnly; SameSite=Lax"
        );
        let s = set_cookie(COOKIE, "abc", SESSION_SECS, true);
        assert!(s.to_str().unwrap().ends_with("; Secure"));
        let l = login_cookie("abc", false);
        assert!(
            l.to_str()
                .unwrap()
                .contains("Path=/admin/login; Max-Age=3600; HttpOnly; SameSite=Strict")
        );
        assert!(
            clear_cookie(COOKIE, true)
                .to_str()
                .unwrap()
                .starts_with("newsroom_admin=; Path=/admin; Max-Age=0;")
        );
    }
}

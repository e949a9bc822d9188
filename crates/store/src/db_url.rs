//! Database URLs as they may be shown, and what a PostgreSQL URL may carry.
//!
//! Every log line, error and help text that names a database goes through
//! [`Redacted`], so the one place that knows where secrets hide in a URL is
//! here: the password of the user info, query parameters that carry a
//! password or key, and, for a URL that does not parse, everything after its
//! scheme (we cannot tell where the secret is, so nothing is shown).

use std::fmt;

/// What replaces a secret.
const HIDDEN: &str = "***";

/// A database URL displayed with its secrets hidden:
/// `postgres://u:pw@db/site?password=pw` shows as
/// `postgres://u:***@db/site?password=***`.
#[derive(Clone, Copy)]
pub struct Redacted<'a>(pub &'a str);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(mut u) = url::Url::parse(self.0) else {
            return match scheme_of(self.0) {
                Some(s) => write!(f, "{s}:{HIDDEN} (not a valid URL)"),
                None => write!(f, "{HIDDEN} (not a valid URL)"),
            };
        };
        // Another scheme is no database we know: where its secrets are is
        // anyone's guess (`u:pw@host` even parses, as scheme `u`).
        if !matches!(u.scheme(), "sqlite" | "postgres" | "postgresql") {
            return write!(f, "{}:{HIDDEN}", u.scheme());
        }
        if u.password().is_some() {
            let _ = u.set_password(Some(HIDDEN));
        }
        if u.query().is_some() {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if is_secret_key(&k) {
                        HIDDEN.to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        // A fragment is never part of a connection string; it could only be a mistake.
        if u.fragment().is_some() {
            u.set_fragment(Some(HIDDEN));
        }
        // `***` is percent-encoded in the query by the serializer; shown as typed.
        f.write_str(&u.as_str().replace("%2A%2A%2A", HIDDEN))
    }
}

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`; see [`Redacted`].
pub fn redact_url(url: &str) -> String {
    Redacted(url).to_string()
}

/// Query keys whose values are secrets (`password`, `sslpassword`, tokens...).
fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["pass", "secret", "token", "key", "auth", "credential"]
        .iter()
        .any(|s| k.contains(s))
}

/// The scheme of a URL-like string, if it starts with a valid one.
fn scheme_of(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// The connection parameters sqlx reads from a PostgreSQL URL. Anything else
/// it ignores with a warning that prints the value, which may be a secret
/// (`sslpassword=...`): such a URL is refused before sqlx sees it.
const PG_PARAMS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// The first query parameter of a PostgreSQL URL that the driver would not
/// understand, by name only.
pub(crate) fn unknown_pg_param(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    u.query_pairs()
        .map(|(k, _)| k.into_owned())
        .find(|k| !PG_PARAMS.contains(&k.as_str()) && !k.starts_with("options["))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_password() {
        assert_eq!(
            redact_url("postgres://news:s3cret@db.example:5432/site"),
            "postgres://news:***@db.example:5432/site"
        );
        assert_eq!(
            redact_url("postgres://news@db.example/site"),
            "postgres://news@db.example/site"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn password_parameters() {
        let shown = redact_url(
            "postgres://u@h/db?sslmode=disable&password=S3cret&PassWord=S3cret&sslpassword=S3cret",
        );
        assert!(!shown.contains("S3cret"), "{shown}");
        assert_eq!(
            shown,
            "postgres://u@h/db?sslmode=disable&password=***&PassWord=***&sslpassword=***"
        );
        // Percent-encoded secrets are hidden too.
        let shown = redact_url("postgres://u:S%33cret@h/db?password=S%33cret");
        assert!(
            !shown.contains("S%33cret") && !shown.contains("S3cret"),
            "{shown}"
        );
    }

    #[test]
    fn unparsable_urls_show_only_their_scheme() {
        for (url, want) in [
            (
                "postgres://u:S3cret@[::1/db",
                "postgres:*** (not a valid URL)",
            ),
            (
                "postgres://u:S3cret@host:99999/db",
                "postgres:*** (not a valid URL)",
            ),
            ("S3cret host=db", "*** (not a valid URL)"),
            ("", "*** (not a valid URL)"),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn other_schemes_show_only_their_scheme() {
        assert_eq!(redact_url("u:S3cret@host/db"), "u:***");
        assert_eq!(redact_url("mysql://u:S3cret@host/db"), "mysql:***");
    }

    #[test]
    fn fragments_are_hidden() {
        assert_eq!(
            redact_url("postgres://u@h/db#S3cret"),
            "postgres://u@h/db#***"
        );
    }

    #[test]
    fn unknown_pg_params_are_named() {
        assert_eq!(
            unknown_pg_param("postgres://u@h/db?sslmode=require&password=x"),
            None
        );
        assert_eq!(
            unknown_pg_param("postgres://u@h/db?options[search_path]=a"),
            None
        );
        assert_eq!(
            unknown_pg_param("postgres://u@h/db?sslpassword=S3cret").as_deref(),
            Some("sslpassword")
        );
    }
}

//! Account names and passwords: what is accepted, and how passwords are kept.
//! Shared by the login form and the `newsroom user` command, so both agree
//! on what a name is.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub const MAX_NAME_CHARS: usize = 64;
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Argon2 accepts far more, but hashing megabytes per attempt is a cheap
/// way to burn the server's CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error(
        "a user name is 1 to {MAX_NAME_CHARS} characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit"
    )]
    BadName,
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("a password may be at most {MAX_PASSWORD_BYTES} bytes")]
    LongPassword,
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

/// The stored form of a user name: trimmed and lower-cased, so `Alice` and
/// `alice` are one account and one login throttle, and nothing that looks
/// like another name (no spaces, no look-alike letters) gets in.
pub fn normalize_name(raw: &str) -> Result<String, AccountError> {
    let name = raw.trim().to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name)
    } else {
        Err(AccountError::BadName)
    }
}

/// Rules for a password being set (not for one being tried at login).
pub fn check_new_password(password: &str) -> Result<(), AccountError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::LongPassword);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    Ok(())
}

/// An argon2id PHC string with a random salt and the crate's default
/// parameters. Slow on purpose: call it off the async runtime.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash. A hash that does not parse
/// matches nothing. Slow on purpose: call it off the async runtime.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_bounded() {
        assert_eq!(normalize_name("  Alice ").unwrap(), "alice");
        assert_eq!(normalize_name("j.doe-2_x").unwrap(), "j.doe-2_x");
        for bad in [
            "",
            "   ",
            "-lead",
            ".hidden",
            "two words",
            "ünï",
            "a/b",
            "<b>",
            &"x".repeat(65),
        ] {
            assert_eq!(normalize_name(bad), Err(AccountError::BadName), "{bad:?}");
        }
        assert!(normalize_name(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn password_rules() {
        assert_eq!(
            check_new_password("short"),
            Err(AccountError::ShortPassword)
        );
        assert!(check_new_password("twelve chars").is_ok());
        assert_eq!(
            check_new_password(&"p".repeat(1025)),
            Err(AccountError::LongPassword)
        );
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let h1 = hash_password("correct horse battery").unwrap();
        let h2 = hash_password("correct horse battery").unwrap();
        assert!(h1.starts_with("$argon2id$"), "{h1}");
        assert_ne!(h1, h2, "a fresh salt each time");
        assert!(!h1.contains("correct horse"));
        assert!(verify_password("correct horse battery", &h1));
        assert!(!verify_password("correct horse batterY", &h1));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert!(!verify_password(&"p".repeat(2000), &h1));
    }
}

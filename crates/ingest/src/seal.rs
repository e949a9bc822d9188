//! A stored body's seal: proof that this site's sanitiser produced it.
//!
//! The web layer sanitises every stored body again when it serves it, since
//! rows written by an older version, by hand or by another program were not
//! bound by ingestion. That second pass is a fifth of an uncached article
//! page. A body that comes out of [`crate::cpu::sanitize`] is sealed with a
//! keyed hash of the sanitiser's version and the HTML; the web layer serves a
//! body whose seal matches as it is, and sanitises any other.
//!
//! The key derives from the site secret in the store, so a row copied from
//! another site, edited in place, or sealed by an older allow-list does not
//! match. It is no defence against someone who can read the store's secret:
//! such a writer could write anything; this only keeps unchecked rows out.

use std::fmt;

/// Derived from the site secret; never logged.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(..)")
    }
}

/// Meta key of the site secret (shared with the visitor hash, each use
/// under its own derived key).
pub const SITE_SECRET_META: &str = "visitor_secret";

impl SealKey {
    pub fn from_site_secret(secret: &[u8; 32]) -> Self {
        Self(blake3::derive_key("newsroom body seal v1", secret))
    }

    /// The site's key: the secret stored by whichever node or command came
    /// first, created here if none has.
    pub async fn of_site(store: &dyn newsroom_store::Store) -> Result<Self, SealError> {
        let fresh: [u8; 32] = rand::random();
        let stored = store
            .init_meta(SITE_SECRET_META, &hex::encode(fresh))
            .await
            .map_err(|e| SealError(e.to_string()))?;
        let mut secret = [0u8; 32];
        hex::decode_to_slice(stored.trim(), &mut secret)
            .map_err(|_| SealError(format!("stored {SITE_SECRET_META} is not 64 hex digits")))?;
        Ok(Self::from_site_secret(&secret))
    }

    /// The seal of `html`, as sanitised by this build's sanitiser.
    pub fn seal(&self, html: &str) -> String {
        self.hash(html).to_hex().to_string()
    }

    /// Whether `seal` is this site's seal of `html` under this sanitiser.
    pub fn verifies(&self, html: &str, seal: Option<&str>) -> bool {
        let Some(seal) = seal else { return false };
        // `blake3::Hash` compares in constant time.
        blake3::Hash::from_hex(seal).is_ok_and(|s| s == self.hash(html))
    }

    fn hash(&self, html: &str) -> blake3::Hash {
        let mut h = blake3::Hasher::new_keyed(&self.0);
        h.update(&newsroom_extract::sanitize::SANITIZER_VERSION.to_le_bytes());
        h.update(&(crate::cpu::MAX_HTML_BYTES as u64).to_le_bytes());
        h.update(&(crate::cpu::MAX_HTML_DEPTH as u64).to_le_bytes());
        h.update(html.as_bytes());
        h.finalize()
    }
}

/// The site's key, read from the store on first use and kept by every
/// clone (of [`crate::IngestConfig`]). A failed read is not kept: the next
/// item tries again, and meanwhile bodies go unsealed (served, sanitised).
#[derive(Debug, Clone, Default)]
pub struct SealSlot(std::sync::Arc<tokio::sync::OnceCell<SealKey>>);

impl SealSlot {
    pub async fn load(&self, store: &dyn newsroom_store::Store) -> Option<&SealKey> {
        match self.0.get_or_try_init(|| SealKey::of_site(store)).await {
            Ok(k) => Some(k),
            Err(e) => {
                tracing::warn!("bodies stored unsealed: {e}");
                None
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("site secret: {0}")]
pub struct SealError(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_holds_only_for_its_key_and_html() {
        let key = SealKey::from_site_secret(&[7u8; 32]);
        let html = "<p>Hello <a href=\"https://example.com/\">world</a></p>";
        let seal = key.seal(html);
        assert!(key.verifies(html, Some(&seal)));
        assert!(!key.verifies(html, None), "no seal");
        assert!(!key.verifies(&html.replace("Hello", "Hallo"), Some(&seal)), "edited html");
        assert!(!key.verifies(html, Some(&seal[..32])), "cut seal");
        assert!(!key.verifies(html, Some("not hex at all")), "garbage seal");
        let other = SealKey::from_site_secret(&[8u8; 32]);
        assert!(!other.verifies(html, Some(&seal)), "another site's seal");
        assert_ne!(format!("{key:?}").len(), 0);
        assert!(!format!("{key:?}").contains("07"), "the key is not logged");
    }
}

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
pub struct SealKey {
    key: [u8; 32],
    /// How every seal under this key and sanitiser starts (`v1.` and a
    /// short id of the key), so that the store can find bodies sealed by
    /// another sanitiser or another site (`Store::unsealed_bodies`).
    prefix: String,
}

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
        let key = blake3::derive_key("newsroom body seal v1", secret);
        let id = blake3::derive_key("newsroom body seal key id v1", &key);
        let prefix = format!(
            "v{}.{}:",
            newsroom_extract::sanitize::SANITIZER_VERSION,
            hex::encode(&id[..4])
        );
        Self { key, prefix }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
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

    /// The seal of `html`, as sanitised by this build's sanitiser:
    /// [`prefix`] and a keyed hash.
    pub fn seal(&self, html: &str) -> String {
        format!("{}{}", self.prefix, self.hash(html).to_hex())
    }

    /// A stored body's HTML run through the sanitiser (as a stored body is
    /// at render: no base address, `text` for HTML too deep to parse), and
    /// its seal. Blocking: call it in [`crate::cpu::run`].
    pub fn sanitize_and_seal(&self, html: &str, text: &str) -> (String, String) {
        let clean = crate::cpu::sanitize(html, None, text);
        let seal = self.seal(&clean);
        (clean, seal)
    }

    /// Whether `seal` is this site's seal of `html` under this sanitiser.
    pub fn verifies(&self, html: &str, seal: Option<&str>) -> bool {
        let Some(hex) = seal.and_then(|s| s.strip_prefix(self.prefix.as_str())) else {
            return false;
        };
        // `blake3::Hash` compares in constant time.
        blake3::Hash::from_hex(hex).is_ok_and(|s| s == self.hash(html))
    }

    fn hash(&self, html: &str) -> blake3::Hash {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(&newsroom_extract::sanitize::SANITIZER_VERSION.to_le_bytes());
        h.update(&(crate::cpu::MAX_HTML_BYTES as u64).to_le_bytes());
        h.update(&(crate::cpu::MAX_HTML_DEPTH as u64).to_le_bytes());
        h.update(html.as_bytes());
        h.finalize()
    }
}

/// Bodies per batch of [`reseal`].
const RESEAL_BATCH: u32 = 200;

/// What [`reseal`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Bodies read that had no current seal.
    pub read: u64,
    /// Of those, sealed (the rest were written meanwhile and keep theirs, or
    /// the sanitiser failed on them and they stay unsealed).
    pub sealed: u64,
}

/// Sanitises and seals every stored body that has no seal of this
/// sanitiser: rows from before seals, from an older allow-list, or copied
/// in by hand. Until then such a body is sanitised at every uncached render.
/// `pause` is slept between batches, so a site that does this in the
/// background keeps serving. A body written meanwhile is left as written.
pub async fn reseal(
    store: &dyn newsroom_store::Store,
    key: &SealKey,
    pause: std::time::Duration,
    mut progress: impl FnMut(Resealed),
) -> Result<Resealed, SealError> {
    let prefix = key.prefix().to_string();
    let mut done = Resealed::default();
    let mut after = newsroom_core::ArticleId(0);
    loop {
        let batch = store
            .unsealed_bodies(after, &prefix, RESEAL_BATCH)
            .await
            .map_err(|e| SealError(e.to_string()))?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        done.read += batch.len() as u64;
        let key = key.clone();
        let sealed = crate::cpu::run(move || {
            batch
                .into_iter()
                .filter_map(|b| {
                    // A body the sanitiser cannot take stays unsealed (and is
                    // sanitised, or left out, at render); the others go on.
                    let (html, seal) =
                        std::panic::catch_unwind(|| key.sanitize_and_seal(&b.html, &b.text))
                            .map_err(|_| {
                                tracing::warn!(
                                    article = b.id.0,
                                    "its stored body was not sealed: the sanitiser failed on it"
                                )
                            })
                            .ok()?;
                    Some(newsroom_store::SealedBody {
                        id: b.id,
                        seal,
                        html,
                        old_html: b.html,
                    })
                })
                .collect::<Vec<_>>()
        })
        .await
        .ok_or_else(|| SealError("the sealing task failed".into()))?;
        done.sealed += store
            .seal_bodies(&sealed)
            .await
            .map_err(|e| SealError(e.to_string()))?;
        progress(done);
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    Ok(done)
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
#[error("sealing bodies: {0}")]
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
        assert!(
            !key.verifies(&html.replace("Hello", "Hallo"), Some(&seal)),
            "edited html"
        );
        assert!(!key.verifies(html, Some(&seal[..32])), "cut seal");
        assert!(!key.verifies(html, Some("not hex at all")), "garbage seal");
        let other = SealKey::from_site_secret(&[8u8; 32]);
        assert!(!other.verifies(html, Some(&seal)), "another site's seal");
        assert!(seal.starts_with(key.prefix()) && key.prefix().starts_with("v1."));
        assert_ne!(
            key.prefix(),
            other.prefix(),
            "another site's seals are told apart"
        );
        assert!(!format!("{key:?}").contains("07"), "the key is not logged");
    }
}

//! A visitor is a keyed hash of IP address and User-Agent. The key rotates
//! every UTC day, so nothing that identifies a person is kept, and no cookie
//! is set. The daily key derives from a site secret in the store, so every
//! node of one site hashes a visitor the same way.

/// 64 bits of a keyed BLAKE3 hash: collisions among a day's visitors are
/// negligible, and the dedup table stays small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VisitorKey(pub u64);

pub struct VisitorHasher {
    secret: [u8; 32],
}

impl VisitorHasher {
    pub fn new(secret: [u8; 32]) -> Self {
        Self { secret }
    }

    pub fn day_key(&self, day: i64) -> [u8; 32] {
        let mut h = blake3::Hasher::new_keyed(&self.secret);
        h.update(b"newsroom visitor salt v1");
        h.update(&day.to_le_bytes());
        *h.finalize().as_bytes()
    }

    /// The address alone, for the cap on visitors one address may add.
    pub fn address(&self, day_key: &[u8; 32], ip: &str) -> u64 {
        let mut h = blake3::Hasher::new_keyed(day_key);
        h.update(b"address\0");
        h.update(ip.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&h.finalize().as_bytes()[..8]);
        u64::from_le_bytes(first)
    }

    pub fn visitor(&self, day_key: &[u8; 32], ip: &str, user_agent: &str) -> VisitorKey {
        let mut h = blake3::Hasher::new_keyed(day_key);
        h.update(ip.as_bytes());
        h.update(&[0]);
        h.update(user_agent.as_bytes());
        let bytes = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&bytes.as_bytes()[..8]);
        VisitorKey(u64::from_le_bytes(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_visitor_same_day_same_key() {
        let h = VisitorHasher::new([7; 32]);
        let d1 = h.day_key(19_000);
        assert_eq!(
            h.visitor(&d1, "10.0.0.1", "UA"),
            h.visitor(&d1, "10.0.0.1", "UA")
        );
        assert_ne!(
            h.visitor(&d1, "10.0.0.1", "UA"),
            h.visitor(&d1, "10.0.0.2", "UA")
        );
        assert_ne!(
            h.visitor(&d1, "10.0.0.1", "UA"),
            h.visitor(&d1, "10.0.0.1", "UA2")
        );
        let d2 = h.day_key(19_001);
        assert_ne!(
            h.visitor(&d1, "10.0.0.1", "UA"),
            h.visitor(&d2, "10.0.0.1", "UA"),
            "the salt rotates daily"
        );
    }
}

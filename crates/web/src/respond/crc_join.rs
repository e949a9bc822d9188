//! gzip's CRC-32 of text joined from pieces whose own CRCs are known.
//!
//! `crc32fast::Hasher::combine` works out the shift for the second part's
//! length on every call: about 5% of a gzip response's CPU, with a page
//! joined from some thirty pieces. The shift of a piece depends on its
//! length alone, so a piece keeps it (`Shift::of_len`), made once with the
//! piece, and joining is then one multiplication in GF(2)[x] mod the
//! polynomial.
//!
//! Polynomials are in the reflected order of gzip's CRC: the top bit is x^0.

/// The CRC-32 polynomial, reflected (x^32 implied).
const POLY: u32 = 0xedb8_8320;
/// x^0, the polynomial 1.
const ONE: u32 = 1 << 31;

/// `a * b` mod the polynomial.
fn mul(a: u32, mut b: u32) -> u32 {
    let mut product = 0;
    // Walks a's terms from x^0 up, with b times that power of x.
    for k in 0..32 {
        if a & (ONE >> k) != 0 {
            product ^= b;
        }
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    product
}

/// x^(2^k) for k = 0..64: enough for any length in bits below 2^64.
fn powers() -> &'static [u32; 64] {
    static POWERS: std::sync::OnceLock<[u32; 64]> = std::sync::OnceLock::new();
    POWERS.get_or_init(|| {
        let mut p = [0u32; 64];
        p[0] = ONE >> 1; // x^1
        for k in 1..64 {
            p[k] = mul(p[k - 1], p[k - 1]);
        }
        p
    })
}

/// What a CRC is multiplied by when text of a given length follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift(u32);

impl Shift {
    /// x^(8 * len): `len` bytes shift a CRC by that many bits.
    pub fn of_len(len: u64) -> Self {
        let powers = powers();
        let mut shift = ONE;
        // 8 * len = len << 3: the powers start at x^(2^3).
        let mut n = len;
        let mut k = 3;
        while n != 0 {
            if n & 1 != 0 {
                shift = mul(powers[k % 64], shift);
            }
            n >>= 1;
            k += 1;
        }
        Self(shift)
    }
}

/// The CRC of `a` then `b`, from `a`'s CRC, `b`'s CRC and `b`'s shift.
pub fn join(crc_a: u32, crc_b: u32, shift_b: Shift) -> u32 {
    mul(shift_b.0, crc_a) ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_crcs_are_the_crc_of_the_joined_text() {
        let text: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for cut in [0, 1, 2, 7, 64, 1000, 4999, 5000] {
            let (a, b) = text.split_at(cut);
            let joined = join(
                crc32fast::hash(a),
                crc32fast::hash(b),
                Shift::of_len(b.len() as u64),
            );
            assert_eq!(joined, crc32fast::hash(&text), "cut at {cut}");
        }
        // Many pieces, as a page is joined.
        let mut crc = 0;
        for piece in text.chunks(37) {
            crc = join(
                crc,
                crc32fast::hash(piece),
                Shift::of_len(piece.len() as u64),
            );
        }
        assert_eq!(crc, crc32fast::hash(&text));
    }

    #[test]
    fn an_empty_piece_changes_nothing() {
        assert_eq!(Shift::of_len(0), Shift(ONE));
        assert_eq!(join(0x1234_5678, 0, Shift::of_len(0)), 0x1234_5678);
    }
}

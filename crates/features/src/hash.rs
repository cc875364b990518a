//! The feature hash: a fixed, portable 64-bit hash (MurmurHash3-style mixing), written out here so that
//! no dependency upgrade, CPU or process can change which bucket a token lands in.

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

/// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
#[inline]
pub const fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[inline]
fn mix_block(h: u64, k: u64) -> u64 {
    let k = k.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
    (h ^ k)
        .rotate_left(27)
        .wrapping_mul(5)
        .wrapping_add(0x52dc_e729)
}

/// Hashes `bytes` under `seed`. Little-endian by definition, so the value is the same on every machine.
#[inline]
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(C2);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        h = mix_block(h, u64::from_le_bytes(b));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = mix_block(h, u64::from_le_bytes(b));
    }
    fmix64(h)
}

/// ASCII lower-casing of 8 bytes at once; bytes must be ASCII (< 0x80), so no carry crosses a byte.
#[inline]
fn lower8(x: u64) -> u64 {
    const LSB: u64 = 0x0101_0101_0101_0101;
    let ge_a = x + 0x3f * LSB; // high bit set where byte >= 'A'
    let gt_z = x + 0x25 * LSB; // high bit set where byte > 'Z'
    x | ((ge_a & !gt_z & (0x80 * LSB)) >> 2)
}

/// `hash_bytes(seed, ascii.to_ascii_lowercase())` without making the lower-case copy.
/// `ascii` must be ASCII (the callers check); other bytes would hash differently.
#[inline]
pub fn hash_ascii_lower(seed: u64, ascii: &[u8]) -> u64 {
    debug_assert!(ascii.is_ascii());
    let mut h = seed ^ (ascii.len() as u64).wrapping_mul(C2);
    let mut chunks = ascii.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        h = mix_block(h, lower8(u64::from_le_bytes(b)));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = mix_block(h, lower8(u64::from_le_bytes(b)));
    }
    fmix64(h)
}

/// Combines two token hashes into the hash of the ordered pair (a word bigram, a CJK character pair).
#[inline]
pub fn combine(a: u64, b: u64) -> u64 {
    fmix64(a.rotate_left(23) ^ b.wrapping_mul(C1) ^ 0x9e37_79b9_7f4a_7c15)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden values: if one of these changes, every saved model silently breaks. Bump
    /// `FEATURE_VERSION` instead of editing them.
    #[test]
    fn hash_is_frozen() {
        assert_eq!(hash_bytes(0, b""), 0);
        assert_eq!(hash_bytes(1, b"viagra"), 0xddd8_7aed_7556_944b);
        assert_eq!(hash_bytes(7, b"the quick brown fox"), 0x1d03_bea9_48bf_6e0e);
        assert_eq!(combine(1, 2), 0x2c6b_8539_2274_92d2);
    }

    #[test]
    fn ascii_lower_hash_equals_hashing_the_lowered_copy() {
        let samples: [&[u8]; 6] = [
            b"",
            b"A",
            b"Hello World",
            b"@[`{AZaz09",
            b"MiXeD-CaSe_0123456789xyz",
            b"ZZZZZZZZ@@@@@@@@",
        ];
        for s in samples {
            assert_eq!(
                hash_ascii_lower(3, s),
                hash_bytes(3, &s.to_ascii_lowercase()),
                "{s:?}"
            );
        }
        for b in 0u8..128 {
            let v = [b; 11];
            assert_eq!(
                hash_ascii_lower(9, &v),
                hash_bytes(9, &v.to_ascii_lowercase()),
                "byte {b}"
            );
        }
    }

    #[test]
    fn seed_and_length_matter() {
        assert_ne!(hash_bytes(1, b"a"), hash_bytes(2, b"a"));
        assert_ne!(hash_bytes(1, b"a"), hash_bytes(1, b"a\0"));
        assert_ne!(combine(1, 2), combine(2, 1));
    }
}

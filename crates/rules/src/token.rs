//! Signed form tokens: [`FormTokens`] issues and verifies them, [`FormSecret`] keys them and never
//! shows itself, [`FORM_SNIPPET`] puts them in a comment form.
//!
//! A token is `v1.<post id, hex>.<issue time>.<nonce, hex>.<HMAC-SHA256, hex>`; the MAC covers the
//! post id, the issue time and a 128-bit random nonce, keyed by the site's secret. The token is not
//! secret (it is in the page); the key is, and it stays on the server.

use std::fmt;

use serde::{Deserialize, Deserializer};
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};

use crate::error::RulesError;
use crate::scan::trim;

/// Domain separation: a MAC made by this scheme is never valid for another use of the same key.
const CONTEXT: &[u8] = b"ferret-form-token-v1";
/// Longest post id a token carries (bytes); longer ids (odd permalinks) are refused at issue.
pub const MAX_POST_ID: usize = 256;
/// Fewest secret bytes accepted.
pub const MIN_SECRET_LEN: usize = 16;
/// Default minimum time between issuing a token and submitting the form (seconds).
pub const DEFAULT_MIN_FILL_SECS: i64 = 3;
/// Default maximum token age (seconds): 2 hours.
pub const DEFAULT_MAX_AGE_SECS: i64 = 2 * 60 * 60;

/// The key that signs form tokens. Its `Debug` prints `FormSecret(<redacted>)`; it is never
/// written into a [`RuleHit`](crate::RuleHit) detail, an error or a log.
///
/// In `ferret.toml` it is a string of at least 16 bytes (`rules.token.secret`); generate one with
/// `head -c 32 /dev/urandom | base64`.
#[derive(Clone, PartialEq, Eq)]
pub struct FormSecret(Vec<u8>);

impl FormSecret {
    /// A secret from raw bytes; at least [`MIN_SECRET_LEN`] of them.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<FormSecret, RulesError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_SECRET_LEN {
            return Err(RulesError::BadSetting {
                key: "token.secret",
                value: format!("<{} bytes>", bytes.len()),
                reason: "the form secret needs at least 16 bytes; generate one with `head -c 32 /dev/urandom | base64`",
            });
        }
        Ok(FormSecret(bytes))
    }
}

impl fmt::Debug for FormSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FormSecret(<redacted>)")
    }
}

impl FormSecret {
    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty (only possible when deserialized; [`Rules::new`](crate::Rules::new)
    /// refuses secrets shorter than [`MIN_SECRET_LEN`]).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for FormSecret {
    /// Any string: the length is checked by [`Rules::new`](crate::Rules::new), because a parse
    /// error here would be printed with the offending line of `ferret.toml`, secret included.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FormSecret, D::Error> {
        Ok(FormSecret(String::deserialize(d)?.into_bytes()))
    }
}

/// Why a token was refused. Each maps to one [`RuleId`](crate::RuleId).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No token was submitted (a bot that does not run the form's JavaScript).
    #[error("no form token")]
    Missing,
    /// The token is malformed or its MAC does not verify.
    #[error("forged or malformed form token")]
    Forged,
    /// The token is genuine but was issued for another post.
    #[error("form token issued for another post")]
    WrongPost,
    /// The token is older than the maximum age.
    #[error("form token expired: issued {age} s ago, max {max} s")]
    Expired {
        /// Seconds since issue.
        age: i64,
        /// The maximum age.
        max: i64,
    },
    /// The form came back faster than a person can fill it (or before it was issued).
    #[error("form submitted {elapsed} s after issue, min {min} s")]
    TooFast {
        /// Seconds since issue (negative: issued in the future).
        elapsed: i64,
        /// The minimum fill time.
        min: i64,
    },
    /// The token was used before.
    #[error("form token already used")]
    Replayed,
}

/// What a verified token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// When it was issued (unix seconds).
    pub issued: i64,
    /// Its random nonce: the key of the replay cache.
    pub nonce: [u8; 16],
}

/// Issues and verifies signed form tokens. Stateless and cheap to share: replay detection (the
/// nonce cache) lives in [`Rules`](crate::Rules), because it is per process state.
///
/// ```
/// use ferret_rules::{FormSecret, FormTokens, TokenError};
///
/// let tokens = FormTokens::new(FormSecret::new("correct horse battery staple").unwrap());
/// let t = tokens.issue("42", 1_000).unwrap();
/// assert!(tokens.verify(&t, "42", 1_010).is_ok());
/// assert_eq!(tokens.verify(&t, "42", 1_001), Err(TokenError::TooFast { elapsed: 1, min: 3 }));
/// assert_eq!(tokens.verify(&t, "43", 1_010), Err(TokenError::WrongPost));
/// ```
#[derive(Clone)]
pub struct FormTokens {
    /// The keyed MAC: the key schedule runs once, here.
    mac: KeyedMac,
    min_fill_secs: i64,
    max_age_secs: i64,
}

impl fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormTokens")
            .field("secret", &"<redacted>")
            .field("min_fill_secs", &self.min_fill_secs)
            .field("max_age_secs", &self.max_age_secs)
            .finish()
    }
}

impl FormTokens {
    /// Tokens keyed by `secret`, with the default minimum fill time (3 s) and maximum age (2 h).
    pub fn new(secret: FormSecret) -> FormTokens {
        FormTokens {
            mac: KeyedMac::new(&secret.0),
            min_fill_secs: DEFAULT_MIN_FILL_SECS,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
        }
    }

    /// Sets the minimum time between issue and submission (seconds, ≥ 0).
    pub fn min_fill_secs(mut self, secs: i64) -> FormTokens {
        self.min_fill_secs = secs;
        self
    }

    /// Sets the maximum token age (seconds, > 0).
    pub fn max_age_secs(mut self, secs: i64) -> FormTokens {
        self.max_age_secs = secs;
        self
    }

    /// The maximum token age (seconds).
    pub fn max_age(&self) -> i64 {
        self.max_age_secs
    }

    /// A fresh token for the form of `post_id` (the value the form sends as `comment_post_ID`, or
    /// the permalink when it sends none), issued at `now` (unix seconds). Errors only when
    /// `post_id` is longer than [`MAX_POST_ID`] bytes or the OS has no randomness.
    pub fn issue(&self, post_id: &str, now: i64) -> Result<String, RulesError> {
        let post_id = post_id.trim();
        if post_id.len() > MAX_POST_ID {
            return Err(RulesError::PostIdTooLong {
                len: post_id.len(),
                max: MAX_POST_ID,
            });
        }
        let mut nonce = [0u8; 16];
        getrandom::getrandom(&mut nonce).map_err(|e| RulesError::Randomness(e.to_string()))?;
        let tag = self.tag(post_id.as_bytes(), now, &nonce);
        let mut out = String::with_capacity(8 + 2 * post_id.len() + 20 + 32 + 64);
        out.push_str("v1.");
        push_hex(&mut out, post_id.as_bytes());
        out.push('.');
        out.push_str(&now.to_string());
        out.push('.');
        push_hex(&mut out, &nonce);
        out.push('.');
        push_hex(&mut out, &tag);
        Ok(out)
    }

    /// Checks the signature and the post only, not the time: what a recheck of an old comment can
    /// still verify.
    pub fn verify_signature(&self, token: &str, post_id: &str) -> Result<TokenInfo, TokenError> {
        self.check_signature(&Parsed::of(token)?, post_id)
    }

    /// Full verification at `now`: signature, post, minimum fill time and maximum age. Replays are
    /// caught by [`Rules`](crate::Rules), which remembers used nonces.
    pub fn verify(&self, token: &str, post_id: &str, now: i64) -> Result<TokenInfo, TokenError> {
        self.check(&Parsed::of(token)?, post_id, now)
    }

    /// [`FormTokens::verify_signature`] of a parsed token.
    pub(crate) fn check_signature(
        &self,
        t: &Parsed<'_>,
        post_id: &str,
    ) -> Result<TokenInfo, TokenError> {
        // The MAC input, assembled in place: the post id is decoded straight into it.
        let mut msg = [0u8; MAX_MSG];
        let post_len = decode_hex(t.post_hex, &mut msg[POST_AT..POST_AT + MAX_POST_ID])
            .ok_or(TokenError::Forged)?
            .len();
        let len = write_msg_around_post(&mut msg, post_len, t.issued, &t.nonce);
        if !self.mac.verify(&msg[..len], &t.tag) {
            return Err(TokenError::Forged);
        }
        // Only a genuine token gets to say which post it was for.
        if msg[POST_AT..POST_AT + post_len] != *trim(post_id).as_bytes() {
            return Err(TokenError::WrongPost);
        }
        Ok(TokenInfo {
            issued: t.issued,
            nonce: t.nonce,
        })
    }

    /// [`FormTokens::verify`] of a parsed token.
    pub(crate) fn check(
        &self,
        t: &Parsed,
        post_id: &str,
        now: i64,
    ) -> Result<TokenInfo, TokenError> {
        let info = self.check_signature(t, post_id)?;
        let elapsed = now.saturating_sub(info.issued);
        if elapsed < self.min_fill_secs {
            return Err(TokenError::TooFast {
                elapsed,
                min: self.min_fill_secs,
            });
        }
        if elapsed > self.max_age_secs {
            return Err(TokenError::Expired {
                age: elapsed,
                max: self.max_age_secs,
            });
        }
        Ok(info)
    }

    fn tag(&self, post: &[u8], issued: i64, nonce: &[u8; 16]) -> [u8; 32] {
        let mut msg = [0u8; MAX_MSG];
        msg[POST_AT..POST_AT + post.len()].copy_from_slice(post);
        let len = write_msg_around_post(&mut msg, post.len(), issued, nonce);
        words_to_bytes(&self.mac.tag(&msg[..len]))
    }
}

/// A token split and decoded, its MAC not yet checked (the post id stays hex until then).
pub(crate) struct Parsed<'t> {
    post_hex: &'t [u8],
    issued: i64,
    /// The replay cache's key; not to be trusted before the MAC is checked.
    pub(crate) nonce: [u8; 16],
    tag: [u32; 8],
}

impl<'t> Parsed<'t> {
    /// Decodes `v1.<post>.<issued>.<nonce>.<tag>`. The nonce and tag have fixed lengths, so their
    /// dots are at fixed places from the end; the one left is the first dot after `v1.`. Any other
    /// dot is in a hex or decimal field, which then fails to decode: a token with other than
    /// exactly four dots is refused as forged.
    pub(crate) fn of(token: &'t str) -> Result<Parsed<'t>, TokenError> {
        let token = trim(token).as_bytes();
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        const TAIL: usize = 1 + 32 + 1 + 64;
        let head_len = token.len().checked_sub(TAIL).ok_or(TokenError::Forged)?;
        let (head, tail) = token.split_at(head_len);
        let fields = head.strip_prefix(b"v1.").ok_or(TokenError::Forged)?;
        if tail[0] != b'.' || tail[33] != b'.' {
            return Err(TokenError::Forged);
        }
        let dot = memchr::memchr(b'.', fields).ok_or(TokenError::Forged)?;
        let issued = parse_time(&fields[dot + 1..]).ok_or(TokenError::Forged)?;
        // The nonce's 32 digits are one block; the tag's 64 two.
        let nonce = hex32(tail[1..33].try_into().expect("32 digits")).ok_or(TokenError::Forged)?;
        let tag_hex = &tail[34..];
        let (Some(hi), Some(lo)) = (
            hex32(tag_hex[..32].try_into().expect("32 digits")),
            hex32(tag_hex[32..].try_into().expect("32 digits")),
        ) else {
            return Err(TokenError::Forged);
        };
        // The tag's bytes are big-endian words, as SHA-256's state.
        let tag = std::array::from_fn(|i| {
            let half = if i < 4 { &hi } else { &lo };
            let at = 4 * (i % 4);
            u32::from_be_bytes(half[at..at + 4].try_into().expect("4 bytes"))
        });
        Ok(Parsed {
            post_hex: &fields[..dot],
            issued,
            nonce,
            tag,
        })
    }
}

/// Where the post id starts in the MAC input.
const POST_AT: usize = CONTEXT.len() + 4;

/// Longest MAC input: context, post id length, post id, issue time, nonce.
const MAX_MSG: usize = CONTEXT.len() + 4 + MAX_POST_ID + 8 + 16;

/// Completes the MAC input in `msg` around the post id already at `CONTEXT.len() + 4`; returns its
/// length. Length-prefixed fields, so no two (post, time, nonce) triples give the same bytes:
/// `CONTEXT ‖ len(post) as u32 BE ‖ post ‖ issued as i64 BE ‖ nonce`.
fn write_msg_around_post(
    msg: &mut [u8; MAX_MSG],
    post_len: usize,
    issued: i64,
    nonce: &[u8; 16],
) -> usize {
    let c = CONTEXT.len();
    msg[..c].copy_from_slice(CONTEXT);
    msg[c..c + 4].copy_from_slice(&(post_len as u32).to_be_bytes());
    let at = c + 4 + post_len;
    msg[at..at + 8].copy_from_slice(&issued.to_be_bytes());
    msg[at + 8..at + 24].copy_from_slice(nonce);
    at + 24
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// HMAC-SHA256 (RFC 2104) over SHA-256's compression function, with the key schedule done once:
/// it keeps the states after the inner and the outer key block, so a MAC of a message under 56
/// bytes is exactly two compressions, with no buffering and no per-call key state to copy but
/// these 64 bytes. The tests check it against the `hmac` crate.
#[derive(Clone)]
struct KeyedMac {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl KeyedMac {
    fn new(key: &[u8]) -> KeyedMac {
        let mut k = [0u8; 64];
        if key.len() > k.len() {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let keyed = |pad: u8| {
            let mut block = [0u8; 64];
            for (b, k) in block.iter_mut().zip(k) {
                *b = k ^ pad;
            }
            let mut state = SHA256_IV;
            compress(&mut state, &block);
            state
        };
        KeyedMac {
            inner: keyed(0x36),
            outer: keyed(0x5c),
        }
    }

    /// The MAC of `msg`, as SHA-256 state words (the digest is their big-endian bytes).
    fn tag(&self, msg: &[u8]) -> [u32; 8] {
        let mut inner = self.inner;
        finish(&mut inner, 64, msg);
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&words_to_bytes(&inner));
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut outer = self.outer;
        compress(&mut outer, &block);
        outer
    }

    /// Whether `tag` is the MAC of `msg`, in constant time: all 32 bytes are compared whatever
    /// they hold (XOR, then OR into one word, with no branch or early exit), so the time taken
    /// says nothing about how much of a forged tag was right. `black_box` keeps the compiler from
    /// turning the fold into a loop that stops at the first difference.
    fn verify(&self, msg: &[u8], tag: &[u32; 8]) -> bool {
        let mac = self.tag(msg);
        let mut diff = 0u32;
        for (w, t) in mac.iter().zip(tag) {
            diff |= w ^ t;
        }
        std::hint::black_box(diff) == 0
    }
}

/// Hashes `msg` and SHA-256's padding into `state`, which has already taken `done` bytes (a
/// multiple of 64).
fn finish(state: &mut [u32; 8], done: usize, msg: &[u8]) {
    let mut blocks = msg.chunks_exact(64);
    for block in &mut blocks {
        compress(state, block.try_into().expect("64 bytes"));
    }
    let rest = blocks.remainder();
    let mut last = [0u8; 128];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] = 0x80;
    let end = if rest.len() + 9 <= 64 { 64 } else { 128 };
    last[end - 8..end].copy_from_slice(&((done + msg.len()) as u64 * 8).to_be_bytes());
    for block in last[..end].chunks_exact(64) {
        compress(state, block.try_into().expect("64 bytes"));
    }
}

/// SHA-256 of `msg` in one go, from the block function: no streaming state to fill and copy.
pub(crate) fn sha256(msg: &[u8]) -> [u8; 32] {
    let mut state = SHA256_IV;
    finish(&mut state, 0, msg);
    words_to_bytes(&state)
}

/// One SHA-256 block (SHA-NI when the CPU has it).
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

fn words_to_bytes(words: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, w) in out.chunks_exact_mut(4).zip(words) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

/// Hex digit values; 0xFF for every other byte.
pub(crate) const HEX_VALUES: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Decodes lower- or upper-case hex into `buf`; `None` when odd, too long or not hex. Eight
/// digits at a time (see [`hex8`]), the rest through [`HEX_VALUES`].
fn decode_hex<'a>(s: &[u8], buf: &'a mut [u8]) -> Option<&'a [u8]> {
    if !s.len().is_multiple_of(2) || s.len() / 2 > buf.len() {
        return None;
    }
    let out = &mut buf[..s.len() / 2];
    let mut digits = s.chunks_exact(8);
    let mut bytes = out.chunks_exact_mut(4);
    // Any non-hex digit clears the group's `Some`, any non-hex byte of the tail sets a high bit;
    // both are checked once at the end.
    let mut bad8 = 0;
    for (o, d) in (&mut bytes).zip(&mut digits) {
        let (v, bad) = hex8(u64::from_le_bytes(d.try_into().expect("8 digits")));
        bad8 |= bad;
        o.copy_from_slice(&v.to_le_bytes());
    }
    let mut bad = 0u8;
    for (o, pair) in bytes
        .into_remainder()
        .iter_mut()
        .zip(digits.remainder().chunks_exact(2))
    {
        let (hi, lo) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        bad |= hi | lo;
        *o = hi << 4 | (lo & 15);
    }
    (bad8 == 0 && bad & 0xF0 == 0).then_some(&*out)
}

/// 32 lower- or upper-case hex digits as 16 bytes; `None` when any is not a hex digit. Two SSE2
/// blocks of 16 digits on x86-64 (every x86-64 CPU has SSE2), four [`hex8`] words elsewhere.
#[inline(always)]
fn hex32(d: &[u8; 32]) -> Option<[u8; 16]> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; the loads read the 32 bytes of `d`, unaligned.
        unsafe {
            let splat = |b: u8| _mm_set1_epi8(b as i8);
            // Each byte's value (0..=15) and 0xFF where it is a hex digit. The signed compares
            // are right for ASCII; a byte of 0x80 or more is negative, below '0' and 'a'.
            let digits = |v: __m128i| {
                let is_digit = _mm_and_si128(
                    _mm_cmpgt_epi8(v, splat(b'0' - 1)),
                    _mm_cmpgt_epi8(splat(b'9' + 1), v),
                );
                let folded = _mm_or_si128(v, splat(0x20));
                let is_letter = _mm_and_si128(
                    _mm_cmpgt_epi8(folded, splat(b'a' - 1)),
                    _mm_cmpgt_epi8(splat(b'f' + 1), folded),
                );
                // The low nibble, plus 9 for letters ('a' and 'A' end in 1).
                let value = _mm_add_epi8(
                    _mm_and_si128(v, splat(0x0F)),
                    _mm_and_si128(is_letter, splat(9)),
                );
                (value, _mm_or_si128(is_digit, is_letter))
            };
            let (v0, ok0) = digits(_mm_loadu_si128(d.as_ptr().cast()));
            let (v1, ok1) = digits(_mm_loadu_si128(d.as_ptr().add(16).cast()));
            // Each 16-bit lane holds a pair, first digit in its low byte: (low << 4) | high.
            let pairs = |v: __m128i| {
                _mm_or_si128(
                    _mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0x00FF)), 4),
                    _mm_srli_epi16(v, 8),
                )
            };
            let bytes = _mm_packus_epi16(pairs(v0), pairs(v1));
            if _mm_movemask_epi8(_mm_and_si128(ok0, ok1)) != 0xFFFF {
                return None;
            }
            Some(std::mem::transmute::<__m128i, [u8; 16]>(bytes))
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    hex32_words(d)
}

/// [`hex32`] through [`decode_hex`] (four [`hex8`] words): what other CPUs run, and what the
/// tests check SSE2 against.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn hex32_words(d: &[u8; 32]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    decode_hex(d, &mut out)?;
    Some(out)
}

/// Eight hex digits (the bytes of `x`, first digit lowest) as four bytes (first byte lowest), and
/// a word that is not 0 when any is not a hex digit; branch-free SWAR. Each byte of `x & 0x7f…`
/// plus a constant below 0x80 stays below 0x100, so no carry crosses bytes and the sum's high bit
/// says whether the byte was at least `0x80 − constant`.
#[inline]
fn hex8(x: u64) -> (u32, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let low7 = x & !HIGH;
    // 0x80 in each byte that is at least `c`.
    let at_least = |v: u64, c: u8| v.wrapping_add(ONES * u64::from(0x80 - c)) & HIGH;
    let digit = at_least(low7, b'0') & !at_least(low7, b'9' + 1);
    let folded = low7 | (ONES * 0x20);
    let letter = at_least(folded, b'a') & !at_least(folded, b'f' + 1);
    // Every byte must be a digit or a letter, and ASCII.
    let bad = ((digit | letter) ^ HIGH) | (x & HIGH);
    // Digit values: the low nibble, plus 9 for letters ('a' and 'A' end in 1).
    let nibbles = (low7 & (ONES * 0x0F)) + (letter >> 7) * 9;
    // Pairs of nibbles (first one high) into the low byte of each 16-bit lane, then the four
    // lanes' bytes together.
    const LANES: u64 = 0x000F_000F_000F_000F;
    let pairs = (nibbles & LANES) << 4 | (nibbles >> 8) & LANES;
    let halves = (pairs | pairs >> 8) & 0x0000_FFFF_0000_FFFF;
    ((halves | halves >> 16) as u32, bad)
}

/// Unsigned decimal, at most 18 digits (no overflow, no sign, no spaces).
fn parse_time(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0')))
}

/// The placeholder in [`FORM_SNIPPET`] that the page template replaces with a token from
/// [`FormTokens::issue`] (see [`form_snippet`]).
pub const TOKEN_PLACEHOLDER: &str = "{{FERRET_TOKEN}}";

/// A small HTML/JS snippet for the comment form's page. The server replaces
/// [`TOKEN_PLACEHOLDER`] with `FormTokens::issue(post_id, now)` when it renders the page; the
/// script adds the token to the form as the hidden field `ferret_token` only when the visitor
/// submits the form, so bots that post the form without running JavaScript (or that scrape hidden
/// inputs) send no token and are caught as `token_missing`. The token is only hex digits, dots and
/// `v1`, so it is safe inside the JavaScript string and the HTML attribute.
///
/// Give the form `data-ferret` (or keep WordPress's `id="commentform"`), and have the form handler
/// pass the `ferret_token` and `comment_post_ID` POST fields on as extra (server) fields of the
/// [`Comment`](ferret_features::Comment).
pub const FORM_SNIPPET: &str = r#"<script>
/* Ferret form token: added only on submit, so only browsers that run this script send it. */
(function () {
  var token = "{{FERRET_TOKEN}}";
  function arm(form) {
    form.addEventListener("submit", function () {
      var input = form.querySelector('input[name="ferret_token"]');
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "ferret_token";
        form.appendChild(input);
      }
      input.value = token;
    });
  }
  function init() {
    var forms = document.querySelectorAll("form[data-ferret], form#commentform");
    for (var i = 0; i < forms.length; i++) arm(forms[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
</script>"#;

/// [`FORM_SNIPPET`] with the token filled in, ready to print after the comment form.
pub fn form_snippet(token: &str) -> String {
    FORM_SNIPPET.replace(TOKEN_PLACEHOLDER, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> FormTokens {
        FormTokens::new(FormSecret::new(*b"0123456789abcdef0123").unwrap())
    }

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        let mut s = String::new();
        push_hex(&mut s, &[0, 1, 0xab, 0xff]);
        assert_eq!(s, "0001abff");
        let mut buf = [0u8; 4];
        assert_eq!(
            decode_hex(s.as_bytes(), &mut buf),
            Some(&[0, 1, 0xab, 0xff][..])
        );
        assert_eq!(decode_hex(b"0", &mut buf), None);
        assert_eq!(decode_hex(b"zz", &mut buf), None);
        assert_eq!(decode_hex(b"0001abff00", &mut buf), None);
    }

    /// Hex digit pairs as bytes through [`HEX_VALUES`], the reference for the faster decoders;
    /// `None` when any is not a hex digit.
    fn table<const N: usize>(d: &[u8]) -> Option<[u8; N]> {
        let mut out = [0u8; N];
        for (o, p) in out.iter_mut().zip(d.chunks_exact(2)) {
            let (hi, lo) = (HEX_VALUES[usize::from(p[0])], HEX_VALUES[usize::from(p[1])]);
            if (hi | lo) & 0xF0 != 0 {
                return None;
            }
            *o = hi << 4 | lo;
        }
        Some(out)
    }

    #[test]
    fn eight_digits_at_a_time_match_the_table() {
        // Every byte value in every position, among valid digits of both cases.
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut d = *b"09afAF5c";
                d[pos] = b;
                let (v, bad) = hex8(u64::from_le_bytes(d));
                assert_eq!(
                    (bad == 0).then_some(v),
                    table::<4>(&d).map(u32::from_le_bytes),
                    "{d:?}"
                );
            }
        }
        let mut buf = [0u8; 12];
        let s = &b"00112233445566778899AaBbCcDdEeFf"[..24];
        assert_eq!(
            decode_hex(s, &mut buf),
            Some(&[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb][..])
        );
        assert_eq!(decode_hex(b"0011223g4455", &mut buf), None);
        assert_eq!(decode_hex("00112233445566é7".as_bytes(), &mut buf), None);
    }

    #[test]
    fn thirty_two_digits_at_a_time_match_the_table() {
        // Every byte value in every position, among valid digits of both cases.
        let valid = *b"0123456789abcdefABCDEF09afAF5c7e";
        assert_eq!(
            hex32(&valid),
            Some([
                0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef, 0x09, 0xaf, 0xaf,
                0x5c, 0x7e
            ])
        );
        for pos in 0..32 {
            for b in 0..=255u8 {
                let mut d = valid;
                d[pos] = b;
                assert_eq!(hex32(&d), table::<16>(&d), "{d:?}");
                assert_eq!(hex32_words(&d), table::<16>(&d), "{d:?}");
            }
        }
    }

    #[test]
    fn sha256_is_sha256() {
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300] {
            let msg: Vec<u8> = (0..len).map(|i| (i * 13 + 1) as u8).collect();
            assert_eq!(sha256(&msg)[..], Sha256::digest(&msg)[..], "{len}");
        }
    }

    #[test]
    fn mac_is_hmac_sha256() {
        use hmac::{Hmac, Mac};
        // Short, one-block, long (hashed) keys; messages around the padding boundaries.
        for key in [
            &b"0123456789abcdef"[..],
            &[7u8; 64],
            &[9u8; 65],
            &[1u8; 200],
        ] {
            let ours = KeyedMac::new(key);
            for len in [0, 1, 50, 55, 56, 63, 64, 65, 119, 120, 200, MAX_MSG] {
                let msg: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
                let mut theirs = Hmac::<Sha256>::new_from_slice(key).unwrap();
                theirs.update(&msg);
                let expected: [u8; 32] = theirs.finalize().into_bytes().into();
                assert_eq!(
                    words_to_bytes(&ours.tag(&msg)),
                    expected,
                    "{} {len}",
                    key.len()
                );
                let words = expected
                    .chunks_exact(4)
                    .map(|w| u32::from_be_bytes(w.try_into().unwrap()));
                let mut words: [u32; 8] = std::array::from_fn({
                    let mut words = words;
                    move |_| words.next().unwrap()
                });
                assert!(ours.verify(&msg, &words));
                words[7] ^= 1;
                assert!(!ours.verify(&msg, &words));
            }
        }
    }

    #[test]
    fn tokens_keep_their_format() {
        // A token made by the HMAC crate's code before the hand-rolled MAC must still verify.
        use hmac::{Hmac, Mac};
        let secret = b"0123456789abcdef0123";
        let mut m = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        m.update(CONTEXT);
        m.update(&3u32.to_be_bytes());
        m.update(b"abc");
        m.update(&1_000i64.to_be_bytes());
        m.update(&[0x5a; 16]);
        let mut tok = String::from("v1.");
        push_hex(&mut tok, b"abc");
        tok.push_str(".1000.");
        push_hex(&mut tok, &[0x5a; 16]);
        tok.push('.');
        push_hex(&mut tok, &m.finalize().into_bytes());
        assert_eq!(
            tokens().verify(&tok, "abc", 1_010),
            Ok(TokenInfo {
                issued: 1_000,
                nonce: [0x5a; 16]
            })
        );
        assert_eq!(
            tokens()
                .verify(&format!(" {tok}\n"), "abc", 1_010)
                .map(|i| i.issued),
            Ok(1_000)
        );
        for bad in [
            "",
            "v1",
            "v1.",
            "v2.61.1.00.00",
            &tok[1..],
            &tok[..tok.len() - 1],
        ] {
            assert!(tokens().verify(bad, "abc", 1_010).is_err(), "{bad}");
        }
        assert_eq!(
            tokens().verify("  ", "abc", 1_010),
            Err(TokenError::Missing)
        );
        let upper = tok.to_uppercase().replacen("V1", "v1", 1);
        assert!(tokens().verify(&upper, "abc", 1_010).is_ok());
        let two_dots = tok.replacen(".1000.", ".10.00.", 1);
        assert_eq!(
            tokens().verify(&two_dots, "abc", 1_010),
            Err(TokenError::Forged)
        );
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let t = tokens();
        let tok = t.issue("7", 100).unwrap();
        assert!(t.verify(&tok, "7", 110).is_ok());
        for i in 0..tok.len() {
            let mut b = tok.clone().into_bytes();
            b[i] = if b[i] == b'1' { b'2' } else { b'1' };
            let forged = String::from_utf8(b).unwrap();
            if forged == tok {
                continue;
            }
            assert!(t.verify(&forged, "7", 110).is_err(), "{forged}");
        }
    }

    #[test]
    fn secret_is_redacted() {
        let s = FormSecret::new("super secret value!!").unwrap();
        assert!(!format!("{s:?}").contains("super"));
        assert!(!format!("{:?}", FormTokens::new(s)).contains("super"));
        assert!(FormSecret::new("short").is_err());
    }

    #[test]
    fn snippet_takes_the_token() {
        let tok = tokens().issue("1", 5).unwrap();
        let html = form_snippet(&tok);
        assert!(html.contains(&tok) && !html.contains(TOKEN_PLACEHOLDER));
        assert!(FORM_SNIPPET.contains(TOKEN_PLACEHOLDER));
    }
}

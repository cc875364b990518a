//! Signed form tokens: [`FormTokens`] issues and verifies them, [`FormSecret`] keys them and never
//! shows itself, [`FORM_SNIPPET`] puts them in a comment form.
//!
//! A token is `v1.<post id, hex>.<issue time>.<nonce, hex>.<HMAC-SHA256, hex>`; the MAC covers the
//! post id, the issue time and a 128-bit random nonce, keyed by the site's secret. The token is not
//! secret (it is in the page); the key is, and it stays on the server.

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer};
use sha2::Sha256;

use crate::error::RulesError;

// `Hmac` keeps the inner and outer key states, so a token costs two SHA-256 blocks, not four.
type HmacSha256 = Hmac<Sha256>;

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
    /// The keyed MAC state; cloned per token so the key schedule runs once.
    mac: HmacSha256,
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
            mac: HmacSha256::new_from_slice(&secret.0).expect("HMAC takes keys of any length"),
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
        let token = token.trim();
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        // `v1.<post>.<issued>.<nonce>.<tag>`: exactly four dots.
        let mut dots = [0usize; 4];
        let mut n = 0;
        for i in memchr::memchr_iter(b'.', token.as_bytes()) {
            if n == dots.len() {
                return Err(TokenError::Forged);
            }
            dots[n] = i;
            n += 1;
        }
        if n != dots.len() || &token[..dots[0]] != "v1" {
            return Err(TokenError::Forged);
        }
        let post_hex = &token[dots[0] + 1..dots[1]];
        let issued = &token[dots[1] + 1..dots[2]];
        let nonce_hex = &token[dots[2] + 1..dots[3]];
        let tag_hex = &token[dots[3] + 1..];
        let mut post = [0u8; MAX_POST_ID];
        let post = decode_hex(post_hex, &mut post).ok_or(TokenError::Forged)?;
        let issued = parse_time(issued).ok_or(TokenError::Forged)?;
        let mut nonce = [0u8; 16];
        if decode_hex(nonce_hex, &mut nonce).map(<[u8]>::len) != Some(16) {
            return Err(TokenError::Forged);
        }
        let mut tag = [0u8; 32];
        if decode_hex(tag_hex, &mut tag).map(<[u8]>::len) != Some(32) {
            return Err(TokenError::Forged);
        }
        let mut mac = self.mac.clone();
        feed(&mut mac, post, issued, &nonce);
        // Constant-time comparison of the whole tag.
        mac.verify_slice(&tag).map_err(|_| TokenError::Forged)?;
        // Only a genuine token gets to say which post it was for.
        if post != post_id.trim().as_bytes() {
            return Err(TokenError::WrongPost);
        }
        Ok(TokenInfo { issued, nonce })
    }

    /// Full verification at `now`: signature, post, minimum fill time and maximum age. Replays are
    /// caught by [`Rules`](crate::Rules), which remembers used nonces.
    pub fn verify(&self, token: &str, post_id: &str, now: i64) -> Result<TokenInfo, TokenError> {
        let info = self.verify_signature(token, post_id)?;
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
        let mut mac = self.mac.clone();
        feed(&mut mac, post, issued, nonce);
        mac.finalize().into_bytes().into()
    }
}

/// Length-prefixed fields, so no two (post, time, nonce) triples feed the same bytes.
fn feed(mac: &mut HmacSha256, post: &[u8], issued: i64, nonce: &[u8; 16]) {
    mac.update(CONTEXT);
    mac.update(&(post.len() as u32).to_be_bytes());
    mac.update(post);
    mac.update(&issued.to_be_bytes());
    mac.update(nonce);
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

/// Hex digit values; 0xFF for every other byte.
const HEX_VALUES: [u8; 256] = {
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

/// Decodes lower- or upper-case hex into `buf`; `None` when odd, too long or not hex.
fn decode_hex<'a>(s: &str, buf: &'a mut [u8]) -> Option<&'a [u8]> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(2) || s.len() / 2 > buf.len() {
        return None;
    }
    // Any non-hex byte sets a high bit; checked once at the end.
    let mut bad = 0u8;
    for (out, pair) in buf.iter_mut().zip(s.chunks_exact(2)) {
        let (hi, lo) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        bad |= hi | lo;
        *out = hi << 4 | (lo & 15);
    }
    (bad & 0xF0 == 0).then_some(&buf[..s.len() / 2])
}

/// Unsigned decimal, at most 18 digits (no overflow, no sign, no spaces).
fn parse_time(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
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
        assert_eq!(decode_hex(&s, &mut buf), Some(&[0, 1, 0xab, 0xff][..]));
        assert_eq!(decode_hex("0", &mut buf), None);
        assert_eq!(decode_hex("zz", &mut buf), None);
        assert_eq!(decode_hex("0001abff00", &mut buf), None);
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

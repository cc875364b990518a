//! [`RulesConfig`]: the `[rules]` table of `ferret.toml`, one sub-table per rule.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::outcome::Action;
use crate::token::{FormSecret, DEFAULT_MAX_AGE_SECS, DEFAULT_MIN_FILL_SECS};

/// The `[rules]` table. Every key is optional; the defaults are those of the table below (and of
/// `crates/rules/README.md`, which has a full example). Unknown keys are errors, so a typo does
/// not silently switch a rule off.
///
/// | Key | Default | Purpose |
/// |---|---|---|
/// | `enabled` | `true` | all rules on/off |
/// | `trusted_roles.roles` | `["administrator", "editor"]` | `user_role`s that are ham |
/// | `trusted_authors.min_approved` | `1` | approved comments that make an author trusted |
/// | `disallowed.{words,ips,emails,hosts,regex}` | empty | WordPress's *Disallowed Comment Keys*, action `spam` |
/// | `moderation.{words,ips,emails,hosts,regex}` | empty | WordPress's *Comment Moderation* keys, action `hold` |
/// | `links.max_links` | `2` | held at this many links or more (WordPress) |
/// | `honeypot.action` | `discard` | a filled honeypot field |
/// | `token.enabled` | `false` | signed form tokens (needs `secret`) |
/// | `token.min_fill_secs` / `max_age_secs` | `3` / `7200` | fill-time and age window |
/// | `comment_types.types` | `{pingback = "hold", trackback = "hold"}` | policy per comment type |
/// | `duplicates.window_secs` | `3600` | same content within this window is held |
/// | `flood.max_comments` / `window_secs` | `5` / `60` | more comments than this from one IP is held |
///
/// Every rule table has `enabled`; rules that act have `action` (`hold`, `spam` or `discard`). A
/// rule whose action is `spam` or `discard` is a *block* rule and runs before trusted authors are
/// cleared; a `hold` rule runs after.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// All rules on or off.
    pub enabled: bool,
    /// Trusted roles → ham.
    pub trusted_roles: TrustedRolesConfig,
    /// Trusted commenters → ham (unless a block rule fires).
    pub trusted_authors: TrustedAuthorsConfig,
    /// Disallowed keys; action defaults to `spam`.
    pub disallowed: KeysConfig,
    /// Moderation keys; action defaults to `hold`.
    pub moderation: KeysConfig,
    /// Link limit.
    pub links: LinksConfig,
    /// Honeypot field.
    pub honeypot: HoneypotConfig,
    /// Signed form tokens.
    pub token: TokenConfig,
    /// Policy per comment type.
    pub comment_types: CommentTypesConfig,
    /// Duplicate content.
    pub duplicates: DuplicatesConfig,
    /// Floods from one IP.
    pub flood: FloodConfig,
}

impl Default for RulesConfig {
    fn default() -> RulesConfig {
        RulesConfig {
            enabled: true,
            trusted_roles: TrustedRolesConfig::default(),
            trusted_authors: TrustedAuthorsConfig::default(),
            disallowed: KeysConfig::default(),
            moderation: KeysConfig::default(),
            links: LinksConfig::default(),
            honeypot: HoneypotConfig::default(),
            token: TokenConfig::default(),
            comment_types: CommentTypesConfig::default(),
            duplicates: DuplicatesConfig::default(),
            flood: FloodConfig::default(),
        }
    }
}

impl RulesConfig {
    /// Resolves relative list-file paths against `dir` (the directory of `ferret.toml`), so the
    /// rules load the same files whatever the working directory.
    pub fn with_base_dir(mut self, dir: impl AsRef<Path>) -> RulesConfig {
        let dir = dir.as_ref();
        for keys in [&mut self.disallowed, &mut self.moderation] {
            for list in [
                &mut keys.words,
                &mut keys.ips,
                &mut keys.emails,
                &mut keys.hosts,
                &mut keys.regex,
            ] {
                if let ListSource::File(p) = list {
                    if p.is_relative() {
                        *p = dir.join(&*p);
                    }
                }
            }
        }
        self
    }
}

/// `[rules.trusted_roles]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrustedRolesConfig {
    /// On or off.
    pub enabled: bool,
    /// Roles (case-insensitive) whose comments are ham. `user_role` may list several roles
    /// separated by commas, as the Akismet plugin sends them; any trusted one counts.
    pub roles: Vec<String>,
}

impl Default for TrustedRolesConfig {
    fn default() -> TrustedRolesConfig {
        TrustedRolesConfig {
            enabled: true,
            roles: vec!["administrator".into(), "editor".into()],
        }
    }
}

/// `[rules.trusted_authors]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TrustedAuthorsConfig {
    /// On or off.
    pub enabled: bool,
    /// An author (e-mail + name + URL) with at least this many approved comments is ham, unless
    /// a block rule fires. `1` is WordPress's "comment author must have a previously approved
    /// comment".
    pub min_approved: u64,
}

impl Default for TrustedAuthorsConfig {
    fn default() -> TrustedAuthorsConfig {
        TrustedAuthorsConfig {
            enabled: true,
            min_approved: 1,
        }
    }
}

/// Where a list's entries come from: an inline array, or a file path (one entry per line, `#`
/// starts a comment line, blank lines ignored: WordPress's list format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListSource {
    /// `words = ["casino", "cheap pills"]`.
    Inline(Vec<String>),
    /// `words = "disallowed.txt"`: relative paths are resolved by
    /// [`RulesConfig::with_base_dir`].
    File(PathBuf),
}

impl Default for ListSource {
    fn default() -> ListSource {
        ListSource::Inline(Vec::new())
    }
}

impl<'de> Deserialize<'de> for ListSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ListSource, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ListSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of entries or the path of a list file")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ListSource, E> {
                Ok(ListSource::File(PathBuf::from(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ListSource, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(ListSource::Inline(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[rules.disallowed]` and `[rules.moderation]`: WordPress's key lists, split by entry type.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// On or off (on by default; empty lists cost nothing).
    pub enabled: bool,
    /// Action; `spam` for `disallowed` and `hold` for `moderation` when not set.
    pub action: Option<Action>,
    /// Words and phrases, WordPress semantics: a case-insensitive substring of the author, e-mail,
    /// URL, content, IP or user agent. A WordPress list can be used as is.
    pub words: ListSource,
    /// IPs and CIDR ranges, v4 and v6, matched against `user_ip`.
    pub ips: ListSource,
    /// E-mail addresses (`someone@example.com`) and domains (`example.com` or `@example.com`,
    /// subdomains included), matched against `comment_author_email`.
    pub emails: ListSource,
    /// URL hosts (`example.com`, subdomains included; a URL is reduced to its host), matched
    /// against the author URL and every http(s) link in the content.
    pub hosts: ListSource,
    /// Regular expressions (opt-in, case-insensitive unless `(?-i)`), matched like `words`.
    pub regex: ListSource,
}

impl Default for KeysConfig {
    fn default() -> KeysConfig {
        KeysConfig {
            enabled: true,
            action: None,
            words: ListSource::default(),
            ips: ListSource::default(),
            emails: ListSource::default(),
            hosts: ListSource::default(),
            regex: ListSource::default(),
        }
    }
}

/// `[rules.links]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LinksConfig {
    /// On or off.
    pub enabled: bool,
    /// A comment with this many links or more is caught (WordPress's `comment_max_links`);
    /// `0` switches the rule off. Links are `<a …>` tags and bare http(s) URLs in the content; a
    /// URL inside or as the text of an `<a>` tag is not counted twice.
    pub max_links: u32,
    /// Action (default `hold`).
    pub action: Action,
}

impl Default for LinksConfig {
    fn default() -> LinksConfig {
        LinksConfig {
            enabled: true,
            max_links: 2,
            action: Action::Hold,
        }
    }
}

/// `[rules.honeypot]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct HoneypotConfig {
    /// On or off. It only fires for comments that name a `honeypot_field_name`.
    pub enabled: bool,
    /// Action (default `discard`).
    pub action: Action,
}

impl Default for HoneypotConfig {
    fn default() -> HoneypotConfig {
        HoneypotConfig {
            enabled: true,
            action: Action::Discard,
        }
    }
}

/// `[rules.token]`: signed form tokens.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TokenConfig {
    /// On or off (off by default: the form must carry the snippet first).
    pub enabled: bool,
    /// The signing key, at least 16 bytes. Required when enabled. Redacted in `Debug`.
    pub secret: Option<FormSecret>,
    /// The server field holding the token.
    pub field: String,
    /// The server field holding the post id (the permalink is used when it is absent).
    pub post_field: String,
    /// Fastest plausible submission after the form was served (seconds).
    pub min_fill_secs: i64,
    /// Oldest accepted token (seconds).
    pub max_age_secs: i64,
    /// Action for every token failure (default `spam`).
    pub action: Action,
    /// Used nonces remembered for replay detection (bounded memory, allocated up front: 2 MiB for
    /// the default 100,000; at most 10,000,000; see the crate docs).
    pub replay_capacity: usize,
}

impl Default for TokenConfig {
    fn default() -> TokenConfig {
        TokenConfig {
            enabled: false,
            secret: None,
            field: "ferret_token".into(),
            post_field: "comment_post_ID".into(),
            min_fill_secs: DEFAULT_MIN_FILL_SECS,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
            action: Action::Spam,
            replay_capacity: 100_000,
        }
    }
}

/// `[rules.comment_types]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct CommentTypesConfig {
    /// On or off.
    pub enabled: bool,
    /// Action per `comment_type` (case-insensitive; a missing type is `comment`). Types not
    /// listed pass. Setting this table replaces the default one.
    pub types: BTreeMap<String, Action>,
}

impl Default for CommentTypesConfig {
    fn default() -> CommentTypesConfig {
        CommentTypesConfig {
            enabled: true,
            types: [
                ("pingback".to_owned(), Action::Hold),
                ("trackback".to_owned(), Action::Hold),
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// `[rules.duplicates]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicatesConfig {
    /// On or off.
    pub enabled: bool,
    /// Action (default `hold`).
    pub action: Action,
    /// The same content (case and whitespace folded) from anyone within this many seconds is caught.
    pub window_secs: i64,
    /// Shorter contents (in characters, after folding) are never duplicates: "Thanks!" is not spam.
    pub min_chars: usize,
    /// Content hashes remembered (bounded memory).
    pub capacity: usize,
}

impl Default for DuplicatesConfig {
    fn default() -> DuplicatesConfig {
        DuplicatesConfig {
            enabled: true,
            action: Action::Hold,
            window_secs: 3600,
            min_chars: 20,
            capacity: 100_000,
        }
    }
}

/// `[rules.flood]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FloodConfig {
    /// On or off.
    pub enabled: bool,
    /// Action (default `hold`; `spam` makes it a block rule).
    pub action: Action,
    /// More than this many comments from one IP (IPv6: one /64) within the window is a flood.
    pub max_comments: u32,
    /// The window (seconds).
    pub window_secs: i64,
    /// IPs remembered (bounded memory).
    pub capacity: usize,
}

impl Default for FloodConfig {
    fn default() -> FloodConfig {
        FloodConfig {
            enabled: true,
            action: Action::Hold,
            max_comments: 5,
            window_secs: 60,
            capacity: 100_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_inline_or_files_and_paths_resolve() {
        let c: RulesConfig = toml::from_str(
            r#"
            [disallowed]
            words = ["casino", "cheap pills"]
            ips = "ips.txt"
            emails = "/etc/ferret/emails.txt"
            "#,
        )
        .unwrap();
        assert_eq!(
            c.disallowed.words,
            ListSource::Inline(vec!["casino".into(), "cheap pills".into()])
        );
        let c = c.with_base_dir("/srv/site");
        assert_eq!(
            c.disallowed.ips,
            ListSource::File("/srv/site/ips.txt".into())
        );
        assert_eq!(
            c.disallowed.emails,
            ListSource::File("/etc/ferret/emails.txt".into())
        );
        assert!(c.disallowed.enabled);
        assert_eq!(c.links.max_links, 2);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = toml::from_str::<RulesConfig>("[links]\nmax_link = 3\n").unwrap_err();
        assert!(e.to_string().contains("max_link"), "{e}");
        let e = toml::from_str::<RulesConfig>("[honeypot]\naction = \"drop\"\n").unwrap_err();
        assert!(e.to_string().contains("drop"), "{e}");
    }

    #[test]
    fn the_secret_never_shows() {
        let c: RulesConfig =
            toml::from_str("[token]\nenabled = true\nsecret = \"a very secret key 123\"\n")
                .unwrap();
        assert!(!format!("{c:?}").contains("very secret"));
        // A short secret parses (a TOML error would quote the line) and is refused by Rules::new
        // without showing it.
        let c: RulesConfig =
            toml::from_str("[token]\nenabled = true\nsecret = \"shortkey\"\n").unwrap();
        let e = crate::Rules::new(&c).unwrap_err();
        assert!(!e.to_string().contains("shortkey"), "{e}");
        assert!(e.to_string().contains("16 bytes"), "{e}");
    }
}

//! Ferret's local rules: cheap, explainable checks that run before the model and Akismet.
//!
//! The router asks [`Rules::check`] first. A [`RuleOutcome::Hit`] decides the comment at once,
//! for a reason a moderator can read ([`RuleHit`]: an [`Action`], a stable [`RuleId`] and a
//! detail such as the list entry that matched); [`RuleOutcome::Pass`] hands it on to the model,
//! which may still escalate to Akismet. Trusted commenters are cleared without spending anything,
//! blatant spam is stopped without spending anything.
//!
//! - [`RulesConfig`] is the `[rules]` table of `ferret.toml` (one sub-table per rule);
//!   [`Rules::new`] builds every matcher once and refuses a bad regex or CIDR with the list, file
//!   and line ([`RulesError`]).
//! - [`RuleContext`] carries the time and the history of approved authors
//!   ([`ApprovedAuthors`]: an [`Author`] is stored as an [`AuthorKey`] from the history's
//!   [`AuthorKeys`]; [`MemoryAuthors`] and [`NoHistory`] are ready-made).
//! - [`FormTokens`] issues and verifies signed form tokens, [`FORM_SNIPPET`] is the HTML/JS that
//!   puts one into a form.
//!
//! ```
//! use ferret_features::Comment;
//! use ferret_rules::{Action, MemoryAuthors, RuleContext, RuleId, RuleOutcome, Rules, RulesConfig};
//!
//! let config: RulesConfig = toml::from_str(r#"
//!     [disallowed]
//!     words = ["casino"]
//!     ips = ["203.0.113.0/24"]
//! "#).unwrap();
//! let rules = Rules::new(&config).unwrap();
//! let authors = MemoryAuthors::new();
//! let ctx = RuleContext::new(1_700_000_000, &authors);
//!
//! let spam = Comment {
//!     comment_content: Some("Best CASINO bonus".into()),
//!     ..Comment::default()
//! };
//! let RuleOutcome::Hit(hit) = rules.check(&spam, &ctx) else { panic!("not caught") };
//! assert_eq!((hit.action, hit.rule), (Action::Spam, RuleId::Disallowed));
//! assert_eq!(hit.detail, r#"word "casino" in comment_content"#);
//!
//! let ham = Comment::from_text("Thanks, this helped me fix my bread recipe.");
//! assert_eq!(rules.check(&ham, &ctx), RuleOutcome::Pass);
//! ```
//!
//! # Precedence
//! 1. **Trusted role** (`user_role` administrator/editor) → ham, nothing else runs.
//! 2. **Block rules**: every rule whose action is `spam` or `discard` (by default: honeypot,
//!    disallowed keys, rejected comment types, bad form tokens, and floods when set to `spam`).
//! 3. **Trusted author** (≥ N approved comments, by e-mail + name + URL) → ham.
//! 4. **Hold rules**: every rule whose action is `hold` (by default: moderation keys, the link
//!    limit, held comment types such as pingbacks, duplicates, floods).
//! 5. Otherwise [`RuleOutcome::Pass`].
//!
//! Within a phase the order is fixed (block: honeypot, disallowed, comment type, token, flood,
//! duplicate, moderation, links; hold: moderation, links, comment type, duplicate, flood,
//! disallowed, honeypot, token); the first hit decides.
//!
//! # State: per process, bounded, skipped on rechecks
//! Duplicates, floods and used token nonces are remembered in memory, per process (several
//! processes or restarts each have their own memory), in bounded maps: at most `capacity`
//! entries per rule (see the `state` module's docs: each key is kept for at least `capacity / 2`
//! newer keys, and under heavier traffic the rule errs towards passing). Every fresh check counts
//! towards them, whatever rule decides it. All three sit behind one lock, which a check takes once,
//! after the token's MAC is checked. A recheck (`recheck_reason` set) is the same comment again: it
//! skips duplicates, floods and token replay and time checks (the token's signature and post are
//! still checked).
//!
//! # Hot path
//! [`Rules`] is built once and shared (`Send + Sync`); a passing check allocates nothing once the
//! buffers and the bounded state maps have grown (`tests/alloc.rs` counts); a hit allocates its
//! [`RuleHit::detail`] string. The six searched fields are lower-cased once per check into a
//! reused [`Scratch`] buffer (one per thread in [`Rules::check`]), separated by a byte that no
//! entry contains, and each word list is one case-sensitive Aho-Corasick search over it.
#![deny(missing_docs)]

mod authors;
mod config;
mod error;
mod lists;
mod outcome;
mod scan;
mod state;
mod token;
mod words;

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use ferret_features::Comment;

pub use authors::{ApprovedAuthors, Author, AuthorKey, AuthorKeys, MemoryAuthors, NoHistory};
pub use config::{
    CommentTypesConfig, DuplicatesConfig, FloodConfig, HoneypotConfig, KeysConfig, LinksConfig,
    ListSource, RulesConfig, TokenConfig, TrustedAuthorsConfig, TrustedRolesConfig,
};
pub use error::{EntryAt, Result, RulesError};
pub use outcome::{Action, RuleHit, RuleId, RuleOutcome, UnknownRuleId};
pub use scan::Scratch;
use token::Parsed;
pub use token::{
    form_snippet, FormSecret, FormTokens, TokenError, TokenInfo, FORM_SNIPPET, MAX_POST_ID,
    MIN_SECRET_LEN, TOKEN_PLACEHOLDER,
};

use lists::KeyList;
use scan::{lower_into, parse_ip, trim, Needs, View};
use state::{Duplicates, Floods, NonceLines, Nonces};
use words::{Known, PairMatcher};

/// What a check needs besides the comment: the time and the approved-author history.
#[derive(Clone, Copy)]
pub struct RuleContext<'a> {
    /// Now, in unix seconds (the router's clock, so tests control time).
    pub now: i64,
    /// Approved comments per author, for the trusted-author rule.
    pub authors: &'a dyn ApprovedAuthors,
}

impl<'a> RuleContext<'a> {
    /// A context at `now` (unix seconds) with this author history.
    pub fn new(now: i64, authors: &'a dyn ApprovedAuthors) -> RuleContext<'a> {
        RuleContext { now, authors }
    }
}

impl RuleContext<'static> {
    /// A context at `now` without author history ([`NoHistory`]).
    pub fn at(now: i64) -> RuleContext<'static> {
        RuleContext {
            now,
            authors: &NoHistory,
        }
    }
}

impl fmt::Debug for RuleContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleContext")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

struct TokenRule {
    tokens: FormTokens,
    field: String,
    post_field: String,
    action: Action,
    /// Where the replay tables (in [`State`]) are, to prefetch without the lock.
    lines: NonceLines,
}

struct DupRule {
    action: Action,
    min_chars: usize,
    seed: u64,
}

struct FloodRule {
    action: Action,
    max: u32,
    window: i64,
}

/// All rules, built once from a [`RulesConfig`]; share it between threads (`Arc<Rules>`).
pub struct Rules {
    enabled: bool,
    roles: Vec<String>,
    min_approved: Option<u64>,
    honeypot: Option<Action>,
    token: Option<TokenRule>,
    types: Vec<(String, Action)>,
    disallowed: Option<(KeyList, Action)>,
    moderation: Option<(KeyList, Action)>,
    /// Disallowed and moderation words in one search, when both lists are small.
    word_pair: Option<PairMatcher>,
    links: Option<(u32, Action)>,
    duplicates: Option<DupRule>,
    flood: Option<FloodRule>,
    /// The stateful rules' memory, behind one lock that a check takes once.
    state: Mutex<State>,
    needs: Needs,
}

/// What [`Rules::remember`] found: a flood's estimated count, the seconds since the same content
/// was last seen (within the window), a replayed nonce.
#[derive(Default)]
struct Seen {
    flood: Option<u32>,
    since: Option<i64>,
    replayed: bool,
}

/// The per-process memory of the duplicate, flood and token rules (each present when its rule is
/// on).
struct State {
    duplicates: Option<Duplicates>,
    floods: Option<Floods>,
    nonces: Option<Nonces>,
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("enabled", &self.enabled)
            .field("trusted_roles", &self.roles)
            .field("min_approved", &self.min_approved)
            .field("honeypot", &self.honeypot)
            .field("token", &self.token.as_ref().map(|t| t.action))
            .field("comment_types", &self.types)
            .field(
                "disallowed_entries",
                &self.disallowed.as_ref().map(|d| d.0.len()),
            )
            .field(
                "moderation_entries",
                &self.moderation.as_ref().map(|d| d.0.len()),
            )
            .field("links", &self.links)
            .field("duplicates", &self.duplicates.as_ref().map(|d| d.action))
            .field("flood", &self.flood.as_ref().map(|d| (d.max, d.window)))
            .finish()
    }
}

fn not_ham(key: &'static str, a: Action) -> Result<Action> {
    if a == Action::Ham {
        return Err(RulesError::BadSetting {
            key,
            value: "\"ham\"".into(),
            reason: "only trusted roles and authors clear a comment; use hold, spam or discard",
        });
    }
    Ok(a)
}

fn positive(key: &'static str, v: i64) -> Result<i64> {
    if v <= 0 {
        return Err(RulesError::BadSetting {
            key,
            value: v.to_string(),
            reason: "must be a positive number of seconds",
        });
    }
    Ok(v)
}

/// The values of the named server fields (`None` for a name not asked for or not sent), in one
/// pass over a small map, which compares lengths before bytes (a lookup compares bytes with each
/// key on its way); by lookups in a large one.
fn server_fields<'c, const N: usize>(
    server: &'c std::collections::BTreeMap<String, String>,
    names: [Option<&str>; N],
) -> [Option<&'c str>; N] {
    if server.len() > 16 {
        return names.map(|n| n.and_then(|n| server.get(n)).map(String::as_str));
    }
    let mut out = [None; N];
    for (k, v) in server {
        for (o, n) in out.iter_mut().zip(names) {
            // Slice equality compares the lengths before any byte.
            if n.is_some_and(|n| n == k) {
                *o = Some(v.as_str());
            }
        }
    }
    out
}

/// The most used-token nonces remembered: the replay tables are allocated up front, 16 to 32
/// bytes a nonce.
const MAX_REPLAY_CAPACITY: usize = 10_000_000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The state is a cache: a panic elsewhere cannot leave it inconsistent in a harmful way.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The order rules run in within a phase.
#[derive(Clone, Copy)]
enum Slot {
    Honeypot,
    Disallowed,
    CommentType,
    Token,
    Flood,
    Duplicate,
    Moderation,
    Links,
}

const BLOCK_ORDER: [Slot; 8] = [
    Slot::Honeypot,
    Slot::Disallowed,
    Slot::CommentType,
    Slot::Token,
    Slot::Flood,
    Slot::Duplicate,
    Slot::Moderation,
    Slot::Links,
];

const HOLD_ORDER: [Slot; 8] = [
    Slot::Moderation,
    Slot::Links,
    Slot::CommentType,
    Slot::Duplicate,
    Slot::Flood,
    Slot::Disallowed,
    Slot::Honeypot,
    Slot::Token,
];

/// What the stateful and per-comment rules found before the phases run.
struct Found<'c> {
    /// The honeypot field's value, when the form declared one and sent it.
    honeypot: Option<&'c str>,
    token: Option<(RuleId, String)>,
    flood: Option<String>,
    duplicate: Option<String>,
    comment_type: Option<(Action, usize)>,
    /// The disallowed and moderation word searches, when one shared search answered them.
    words: (Known, Known),
}

impl Rules {
    /// Builds every rule once: reads list files, compiles the matchers, checks every setting.
    pub fn new(config: &RulesConfig) -> Result<Rules> {
        let c = config;
        let roles = if c.trusted_roles.enabled {
            c.trusted_roles
                .roles
                .iter()
                .map(|r| r.trim().to_lowercase())
                .filter(|r| !r.is_empty())
                .collect()
        } else {
            Vec::new()
        };
        let min_approved = if c.trusted_authors.enabled {
            if c.trusted_authors.min_approved == 0 {
                return Err(RulesError::BadSetting {
                    key: "trusted_authors.min_approved",
                    value: "0".into(),
                    reason: "must be at least 1 (0 would trust every author who gives an e-mail)",
                });
            }
            Some(c.trusted_authors.min_approved)
        } else {
            None
        };
        let honeypot = if c.honeypot.enabled {
            Some(not_ham("honeypot.action", c.honeypot.action)?)
        } else {
            None
        };
        let token = if c.token.enabled {
            let t = &c.token;
            let secret = t.secret.clone().ok_or(RulesError::BadSetting {
                key: "token.secret",
                value: "<missing>".into(),
                reason: "signed form tokens need a secret of at least 16 bytes; generate one with `head -c 32 /dev/urandom | base64`",
            })?;
            if secret.len() < MIN_SECRET_LEN {
                return Err(RulesError::BadSetting {
                    key: "token.secret",
                    value: format!("<{} bytes>", secret.len()),
                    reason: "the form secret needs at least 16 bytes; generate one with `head -c 32 /dev/urandom | base64`",
                });
            }
            if t.min_fill_secs < 0 {
                return Err(RulesError::BadSetting {
                    key: "token.min_fill_secs",
                    value: t.min_fill_secs.to_string(),
                    reason: "must not be negative",
                });
            }
            let max_age = positive("token.max_age_secs", t.max_age_secs)?;
            if max_age <= t.min_fill_secs {
                return Err(RulesError::BadSetting {
                    key: "token.max_age_secs",
                    value: max_age.to_string(),
                    reason: "must be longer than min_fill_secs, or no token is ever valid",
                });
            }
            if t.replay_capacity > MAX_REPLAY_CAPACITY {
                return Err(RulesError::BadSetting {
                    key: "token.replay_capacity",
                    value: t.replay_capacity.to_string(),
                    reason: "at most 10,000,000 nonces (256 MiB of tables, allocated up front)",
                });
            }
            let nonces = Nonces::new(t.replay_capacity);
            Some((
                TokenRule {
                    tokens: FormTokens::new(secret)
                        .min_fill_secs(t.min_fill_secs)
                        .max_age_secs(max_age),
                    field: t.field.clone(),
                    post_field: t.post_field.clone(),
                    action: not_ham("token.action", t.action)?,
                    lines: nonces.lines(),
                },
                nonces,
            ))
        } else {
            None
        };
        let mut types = Vec::new();
        if c.comment_types.enabled {
            for (t, &a) in &c.comment_types.types {
                types.push((t.trim().to_lowercase(), not_ham("comment_types.types", a)?));
            }
        }
        let disallowed = if c.disallowed.enabled {
            let a = not_ham(
                "disallowed.action",
                c.disallowed.action.unwrap_or(Action::Spam),
            )?;
            Some((KeyList::build("disallowed", &c.disallowed)?, a))
        } else {
            None
        };
        let moderation = if c.moderation.enabled {
            let a = not_ham(
                "moderation.action",
                c.moderation.action.unwrap_or(Action::Hold),
            )?;
            Some((KeyList::build("moderation", &c.moderation)?, a))
        } else {
            None
        };
        let links = if c.links.enabled && c.links.max_links > 0 {
            Some((c.links.max_links, not_ham("links.action", c.links.action)?))
        } else {
            None
        };
        let duplicates = if c.duplicates.enabled {
            let d = &c.duplicates;
            let window = positive("duplicates.window_secs", d.window_secs)?;
            let mut seed = [0u8; 8];
            // Without OS randomness the hash is merely unseeded; the rule still works.
            let _ = getrandom::getrandom(&mut seed);
            Some((
                DupRule {
                    action: not_ham("duplicates.action", d.action)?,
                    min_chars: d.min_chars,
                    seed: u64::from_le_bytes(seed),
                },
                Duplicates::new(d.capacity, window),
            ))
        } else {
            None
        };
        let flood = if c.flood.enabled {
            let f = &c.flood;
            let window = positive("flood.window_secs", f.window_secs)?;
            if f.max_comments == 0 {
                return Err(RulesError::BadSetting {
                    key: "flood.max_comments",
                    value: "0".into(),
                    reason:
                        "must be at least 1 (more than max_comments within the window is a flood)",
                });
            }
            Some((
                FloodRule {
                    action: not_ham("flood.action", f.action)?,
                    max: f.max_comments,
                    window,
                },
                Floods::new(f.capacity, window, f.max_comments),
            ))
        } else {
            None
        };
        let mut needs = Needs {
            links: links.is_some(),
            ..Needs::default()
        };
        for (list, _) in disallowed.iter().chain(moderation.iter()) {
            let n = list.needs();
            needs.words |= n.words;
            needs.email |= n.email;
            needs.hosts |= n.hosts;
        }
        let word_pair = match (&disallowed, &moderation) {
            (Some((d, _)), Some((m, _))) => d.pair(m),
            _ => None,
        };
        let (token, nonces) = token.unzip();
        let (duplicates, dup_state) = duplicates.unzip();
        let (flood, floods) = flood.unzip();
        Ok(Rules {
            enabled: c.enabled,
            roles,
            min_approved,
            honeypot,
            token,
            types,
            disallowed,
            moderation,
            word_pair,
            links,
            duplicates,
            flood,
            state: Mutex::new(State {
                duplicates: dup_state,
                floods,
                nonces,
            }),
            needs,
        })
    }

    /// The token issuer configured under `[rules.token]` (same secret and time window), for the
    /// page that renders the comment form. `None` when signed tokens are off.
    pub fn form_tokens(&self) -> Option<&FormTokens> {
        self.token.as_ref().map(|t| &t.tokens)
    }

    /// Checks one comment, with this thread's reusable [`Scratch`].
    ///
    /// The router calls it first for every comment, with its clock and its approved-author
    /// history: `rules.check(&comment, &RuleContext::new(clock.now(), &authors))`.
    pub fn check(&self, c: &Comment, ctx: &RuleContext<'_>) -> RuleOutcome {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => self.check_with(c, ctx, &mut s),
            // Re-entered from an ApprovedAuthors implementation: use a fresh buffer.
            Err(_) => self.check_with(c, ctx, &mut Scratch::default()),
        })
    }

    /// [`Rules::check`] with caller-owned buffers.
    pub fn check_with(&self, c: &Comment, ctx: &RuleContext<'_>, s: &mut Scratch) -> RuleOutcome {
        if !self.enabled {
            return RuleOutcome::Pass;
        }
        if let Some(role) = self.trusted_role(c) {
            return hit(
                Action::Ham,
                RuleId::TrustedRole,
                format!("user_role {role}"),
            );
        }
        let fresh = c
            .recheck_reason
            .as_deref()
            .is_none_or(|r| trim(r).is_empty());
        // The server fields the rules read, found in one pass.
        let [token_value, post_value, honeypot] = server_fields(
            &c.server,
            [
                self.token.as_ref().map(|t| t.field.as_str()),
                self.token.as_ref().map(|t| t.post_field.as_str()),
                c.honeypot_field_name
                    .as_deref()
                    .filter(|_| self.honeypot.is_some()),
            ],
        );
        // The token is checked after the other rules' work, which its replay-cache lookup's
        // cache misses overlap: `start` has the lines requested.
        let token_fields = self
            .token
            .as_ref()
            .map(|t| t.start(c, token_value, post_value, fresh));
        // Parsed once, for the flood rule and the IP lists.
        let ip = c.user_ip.as_deref().and_then(parse_ip);
        let comment_type = self.comment_type(c, s);
        let dup = self
            .duplicates
            .as_ref()
            .filter(|_| fresh)
            .map(|r| (r.seed, r.min_chars.max(1)));
        // The trusted-author rule's threshold, when some author has an approved comment (with
        // none, no author key is computed, nor the fields it is made from).
        let min_approved = self.min_approved.filter(|_| !ctx.authors.is_empty());
        let needs = Needs {
            author: min_approved.is_some(),
            ..self.needs
        };
        let view = View::new(c, ip, s, needs, dup);
        let words = match &self.word_pair {
            Some(p) => p.find(view.words),
            None => (None, None),
        };
        let token = match (&self.token, token_fields) {
            (Some(t), Some(started)) => t.check(started, ctx.now, fresh),
            _ => Ok(None),
        };
        let flood_ip = ip.filter(|_| fresh && self.flood.is_some());
        let nonce = token.as_ref().ok().copied().flatten();
        let seen = self.remember(flood_ip, view.content_key, nonce, ctx.now);
        let token = match token {
            Err(e) => Some(e),
            Ok(_) if seen.replayed => Some(TokenError::Replayed),
            Ok(_) => None,
        };
        let found = Found {
            honeypot,
            token: token.and_then(|e| Some(self.token.as_ref()?.failure(e))),
            flood: flood_ip.zip(seen.flood).and_then(|(ip, n)| {
                let r = self.flood.as_ref()?;
                Some(format!(
                    "about {n} comments from {ip} within {} s (max {})",
                    r.window, r.max
                ))
            }),
            duplicate: seen.since.map(|s| format!("same content seen {s} s ago")),
            comment_type,
            words,
        };
        if let Some(h) = self.phase::<true>(c, &view, &found) {
            return RuleOutcome::Hit(h);
        }
        if let Some(min) = min_approved {
            // The view has the author's fields: `needs.author` is set whenever `min_approved` is.
            if let Some(n) = view.with_author(|a| ctx.authors.approved(a)) {
                if n >= min {
                    return hit(
                        Action::Ham,
                        RuleId::TrustedAuthor,
                        format!("{n} approved comments"),
                    );
                }
            }
        }
        match self.phase::<false>(c, &view, &found) {
            Some(h) => RuleOutcome::Hit(h),
            None => RuleOutcome::Pass,
        }
    }

    /// The first hit of the block phase (`BLOCK`) or the hold phase, in that phase's order. The
    /// order is a constant and each slot's code is inlined in place: no dispatch per slot.
    fn phase<const BLOCK: bool>(
        &self,
        c: &Comment,
        v: &View<'_>,
        f: &Found<'_>,
    ) -> Option<RuleHit> {
        let [s0, s1, s2, s3, s4, s5, s6, s7] = if BLOCK { BLOCK_ORDER } else { HOLD_ORDER };
        self.slot::<BLOCK>(s0, c, v, f)
            .or_else(|| self.slot::<BLOCK>(s1, c, v, f))
            .or_else(|| self.slot::<BLOCK>(s2, c, v, f))
            .or_else(|| self.slot::<BLOCK>(s3, c, v, f))
            .or_else(|| self.slot::<BLOCK>(s4, c, v, f))
            .or_else(|| self.slot::<BLOCK>(s5, c, v, f))
            .or_else(|| self.slot::<BLOCK>(s6, c, v, f))
            .or_else(|| self.slot::<BLOCK>(s7, c, v, f))
    }

    /// One rule's hit in the phase, if it belongs to it.
    #[inline(always)]
    fn slot<const BLOCK: bool>(
        &self,
        slot: Slot,
        c: &Comment,
        v: &View<'_>,
        f: &Found<'_>,
    ) -> Option<RuleHit> {
        let here = |a: Action| a.is_block() == BLOCK;
        match slot {
            Slot::Honeypot => match self.honeypot {
                Some(a) if here(a) => f.honeypot.filter(|v| !trim(v).is_empty()).map(|_| {
                    let name = c.honeypot_field_name.as_deref().unwrap_or("");
                    mk(a, RuleId::Honeypot, format!("field {name:?} filled in"))
                }),
                _ => None,
            },
            Slot::Token => match (&self.token, &f.token) {
                (Some(t), Some((rule, detail))) if here(t.action) => {
                    Some(mk(t.action, *rule, detail.clone()))
                }
                _ => None,
            },
            Slot::CommentType => match f.comment_type {
                Some((a, i)) if here(a) => Some(mk(
                    a,
                    RuleId::CommentType,
                    format!("comment_type {}", self.types[i].0),
                )),
                _ => None,
            },
            Slot::Disallowed | Slot::Moderation => {
                let (list, rule, known) = match slot {
                    Slot::Disallowed => (&self.disallowed, RuleId::Disallowed, f.words.0),
                    _ => (&self.moderation, RuleId::Moderation, f.words.1),
                };
                match list {
                    Some((l, a)) if here(*a) => l.find(v, known).map(|d| mk(*a, rule, d)),
                    _ => None,
                }
            }
            Slot::Flood => match (&self.flood, &f.flood) {
                (Some(r), Some(d)) if here(r.action) => {
                    Some(mk(r.action, RuleId::Flood, d.clone()))
                }
                _ => None,
            },
            Slot::Duplicate => match (&self.duplicates, &f.duplicate) {
                (Some(r), Some(d)) if here(r.action) => {
                    Some(mk(r.action, RuleId::Duplicate, d.clone()))
                }
                _ => None,
            },
            Slot::Links => match self.links {
                Some((max, a)) if here(a) && v.links >= max => Some(mk(
                    a,
                    RuleId::MaxLinks,
                    format!("{} links (held at {max} or more)", v.links),
                )),
                _ => None,
            },
        }
    }

    fn trusted_role<'c>(&self, c: &'c Comment) -> Option<&'c str> {
        if self.roles.is_empty() {
            return None;
        }
        let roles = c.user_role.as_deref()?;
        // The Akismet plugin sends all of a user's roles, comma-separated.
        roles.split(',').map(str::trim).find(|r| {
            self.roles.iter().any(|t| {
                if r.is_ascii() {
                    t.eq_ignore_ascii_case(r)
                } else {
                    *t == r.to_lowercase()
                }
            })
        })
    }

    /// Records a fresh comment in the stateful rules' memory, under the one lock a check takes:
    /// its IP's count (`flood_ip`), its content (`content`, the duplicate key) and its token's
    /// nonce (`nonce`, once the token is otherwise valid).
    fn remember(
        &self,
        flood_ip: Option<std::net::IpAddr>,
        content: Option<u64>,
        nonce: Option<[u8; 16]>,
        now: i64,
    ) -> Seen {
        if flood_ip.is_none() && content.is_none() && nonce.is_none() {
            return Seen::default();
        }
        let mut st = lock(&self.state);
        Seen {
            flood: flood_ip.and_then(|ip| st.floods.as_mut()?.record(Floods::key(ip), now)),
            since: content.and_then(|h| st.duplicates.as_mut()?.record(h, now)),
            replayed: nonce.is_some_and(|n| st.nonces.as_mut().is_some_and(|t| !t.first_use(n))),
        }
    }

    fn comment_type(&self, c: &Comment, s: &mut Scratch) -> Option<(Action, usize)> {
        if self.types.is_empty() {
            return None;
        }
        let t = c.comment_type.as_deref().map(trim).unwrap_or("");
        let t = if t.is_empty() { "comment" } else { t };
        // The names are lower case; an ASCII type needs no lower-cased copy.
        let i = if t.is_ascii() {
            self.types
                .iter()
                .position(|(name, _)| name.eq_ignore_ascii_case(t))
        } else {
            lower_into(t, &mut s.key);
            self.types.iter().position(|(name, _)| *name == s.key)
        };
        i.map(|i| (self.types[i].1, i))
    }
}

/// A comment's token, parsed (or why it could not be), and the post id it must be for.
type Started<'c> = (std::result::Result<Parsed<'c>, TokenError>, &'c str);

impl TokenRule {
    /// The comment's token, parsed (not yet verified), and its post id. For a fresh comment, the
    /// replay cache starts loading the lines that the token's nonce will be looked up in: the
    /// table is large and the nonces random, so that lookup is a cache miss (and often a TLB
    /// miss) unless it was asked for early.
    fn start<'c>(
        &self,
        c: &'c Comment,
        token: Option<&'c str>,
        post: Option<&'c str>,
        fresh: bool,
    ) -> Started<'c> {
        let token = token.unwrap_or("");
        let post = post
            .map(trim)
            .filter(|p| !p.is_empty())
            .or(c.permalink.as_deref())
            .unwrap_or("");
        let parsed = Parsed::of(token);
        if let (true, Ok(p)) = (fresh, &parsed) {
            self.lines.prefetch(&p.nonce);
        }
        (parsed, post)
    }

    /// The token's verdict before the replay lookup: `Ok(Some(nonce))` when it is valid and the
    /// nonce must be looked up (a fresh comment), `Ok(None)` when it is valid and that is all
    /// (rechecks verify the signature and post only).
    fn check(
        &self,
        (parsed, post): Started<'_>,
        now: i64,
        fresh: bool,
    ) -> std::result::Result<Option<[u8; 16]>, TokenError> {
        let t = parsed?;
        if !fresh {
            return self.tokens.check_signature(&t, post).map(|_| None);
        }
        self.tokens
            .check(&t, post, now)
            .map(|info| Some(info.nonce))
    }

    /// The rule and detail of a failed token.
    fn failure(&self, e: TokenError) -> (RuleId, String) {
        let rule = match e {
            TokenError::Missing => RuleId::TokenMissing,
            TokenError::Forged => RuleId::TokenForged,
            TokenError::WrongPost => RuleId::TokenWrongPost,
            TokenError::Expired { .. } => RuleId::TokenExpired,
            TokenError::TooFast { .. } => RuleId::TokenTooFast,
            TokenError::Replayed => RuleId::TokenReplayed,
        };
        let detail = match e {
            TokenError::Missing => format!("no {} field", self.field),
            other => other.to_string(),
        };
        (rule, detail)
    }
}

fn mk(action: Action, rule: RuleId, detail: String) -> RuleHit {
    RuleHit {
        action,
        rule,
        detail,
    }
}

fn hit(action: Action, rule: RuleId, detail: String) -> RuleOutcome {
    RuleOutcome::Hit(mk(action, rule, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_fields_are_the_maps_values_small_or_large() {
        // Maps of 0 to 40 fields (one pass up to 16, lookups past it), names of equal lengths
        // and prefixes of one another, present and absent.
        let names = [
            "hp_url",
            "hp_urx",
            "ferret_token",
            "ferret_toke",
            "comment_post_ID",
            "x",
        ];
        for n in 0..40 {
            let mut server = std::collections::BTreeMap::new();
            for i in 0..n {
                server.insert(format!("HTTP_{i}"), format!("v{i}"));
            }
            for (i, name) in names.iter().enumerate().filter(|(i, _)| n % (i + 2) == 0) {
                server.insert((*name).to_owned(), format!("value {i}"));
            }
            let want = names.map(|n| server.get(n).map(String::as_str));
            assert_eq!(server_fields(&server, names.map(Some)), want, "{n}");
            let [a, b] = server_fields(&server, [None, Some("hp_url")]);
            assert_eq!((a, b), (None, want[0]), "{n}");
        }
    }

    #[test]
    fn rules_are_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Rules>();
        assert_send_sync::<MemoryAuthors>();
    }
}

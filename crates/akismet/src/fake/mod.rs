//! A fake Akismet: a real HTTP/1.1 server on 127.0.0.1 that behaves like the documented service,
//! with programmable verdicts, latency and faults, and a log of what it received.
//!
//! Enabled by the `fake` feature. Any crate can use it in its tests:
//!
//! ```toml
//! [dev-dependencies]
//! ferret-akismet = { workspace = true, features = ["fake"] }
//! ```
//!
//! ```
//! use std::time::Duration;
//! use ferret_akismet::fake::{FakeAkismet, FakeVerdict, Fault};
//! use ferret_akismet::{Error, Verdict};
//! use ferret_features::Comment;
//!
//! let fake = FakeAkismet::start().unwrap();
//! // An oracle that knows the true label.
//! fake.set_verdict(|req| if req.param("comment_content").unwrap_or("").contains("casino") {
//!     FakeVerdict::Spam
//! } else {
//!     FakeVerdict::Ham
//! });
//! let client = fake.client_config().max_retries(0).build_blocking().unwrap();
//! let mut c = Comment::from_text("best casino bonus");
//! c.user_ip = Some("192.0.2.1".into());
//! assert_eq!(client.check(&c).unwrap().verdict, Verdict::Spam);
//!
//! fake.push_fault(Fault::Status(503));
//! assert!(matches!(client.check(&c), Err(Error::HttpStatus { status: 503, .. })));
//! assert_eq!(fake.requests().len(), 2);
//! ```
//!
//! Behaviour, as documented by Akismet:
//!
//! | Request | Answer |
//! |---|---|
//! | any endpoint, unknown `api_key` (verify-key: `key`) | `invalid` + `X-akismet-debug-help` |
//! | check / submit without `blog` or `user_ip` | `invalid` + `X-akismet-debug-help` |
//! | author `viagra-test-123` or `akismet-guaranteed-spam`, e-mail `akismet-guaranteed-spam@example.com` | `true` (no pro-tip) |
//! | `user_role=administrator` | `false` |
//! | anything else | the verdict function (default: ham) |
//! | every check | `X-akismet-guid`; `Discard` adds `X-akismet-pro-tip: discard`; `PendingHam` adds `X-akismet-recheck-after` |
//! | submit-spam / submit-ham | `Thanks for making the web a better place.` |
//! | usage-limit | JSON counting the checks answered so far |
//! | key-sites | JSON (or CSV with `format=csv`) per blog: calls, spam, ham, missed spam, false positives |
//!
//! The server runs on its own thread and stops when the [`FakeAkismet`] is dropped.

mod server;

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::config::ClientConfig;
use crate::error::Endpoint;

/// Author names Akismet always calls spam.
pub const SPAM_AUTHORS: [&str; 2] = ["viagra-test-123", "akismet-guaranteed-spam"];
/// The e-mail address Akismet always calls spam.
pub const SPAM_EMAIL: &str = "akismet-guaranteed-spam@example.com";
/// The `user_role` Akismet always calls ham.
pub const HAM_ROLE: &str = "administrator";

/// What the verdict function tells the fake to answer to a `comment-check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FakeVerdict {
    /// `false`.
    Ham,
    /// `true`.
    Spam,
    /// `true` with `X-akismet-pro-tip: discard`.
    Discard,
    /// `false` with `X-akismet-recheck-after: seconds` (Akismet is still checking).
    PendingHam {
        /// The recheck delay in seconds.
        recheck_after: u32,
    },
}

/// A misbehaviour for the next request(s), see [`FakeAkismet::push_fault`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status (e.g. 500, 503) and a short HTML body.
    Status(u16),
    /// Answer 429 with this `Retry-After` value (seconds or an HTTP date), or none.
    RateLimit(Option<String>),
    /// Read the request, then never answer (the client's timeout must fire).
    Hang,
    /// Answer normally, but only after this delay.
    Delay(Duration),
    /// Answer 200 with this body instead of the real one.
    Garbage(String),
    /// Send bytes that are not HTTP at all, then close.
    Malformed,
    /// Reset the TCP connection (RST) instead of answering.
    Reset,
    /// Close the connection cleanly without answering.
    Close,
}

/// One request the fake received, for assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The raw query string (empty when none).
    pub query: String,
    /// Parameters from the query string and the form body, in order; names may repeat.
    pub params: Vec<(String, String)>,
    /// Request headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Which TCP connection (numbered from 1 in accept order) carried the request.
    pub connection: usize,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
}

impl FakeRequest {
    /// The endpoint requested, if it is one.
    pub fn endpoint(&self) -> Option<Endpoint> {
        Endpoint::from_path(&self.path)
    }

    /// The first value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of parameter `name` (e.g. `comment_context[]`), in order.
    pub fn params_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.params
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type VerdictFn = Arc<dyn Fn(&FakeRequest) -> FakeVerdict + Send + Sync>;

/// Per-blog counters served by key-sites.
#[derive(Clone, Copy, Debug, Default)]
struct SiteCounts {
    calls: u64,
    spam: u64,
    ham: u64,
    missed_spam: u64,
    false_positives: u64,
}

struct State {
    keys: Vec<String>,
    verdict: VerdictFn,
    latency: Duration,
    faults: VecDeque<Fault>,
    standing_fault: Option<Fault>,
    alert: Option<(String, String)>,
    usage: u64,
    limit: Option<u64>,
    throttled: bool,
    sites: BTreeMap<String, SiteCounts>,
    log: Vec<FakeRequest>,
    recording: bool,
    next_guid: u64,
}

/// Shared between the handle and the server tasks.
pub(crate) struct Shared {
    state: Mutex<State>,
    accepted: AtomicUsize,
    open: AtomicUsize,
    peak_open: AtomicUsize,
}

impl Shared {
    /// Poison-tolerant lock: a panicking test thread must not wedge the server.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake Akismet. See the [module docs](self) for its behaviour.
pub struct FakeAkismet {
    shared: Arc<Shared>,
    addr: SocketAddr,
    control: server::Control,
}

impl std::fmt::Debug for FakeAkismet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAkismet")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeAkismet {
    /// The key the fake accepts from the start (12 characters, like a real key).
    pub const KEY: &'static str = "fakekey12345";
    /// The blog [`FakeAkismet::client_config`] uses.
    pub const BLOG: &'static str = "https://blog.example";

    /// Starts a fake on `127.0.0.1` with an ephemeral port.
    pub fn start() -> io::Result<FakeAkismet> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys: vec![FakeAkismet::KEY.to_owned()],
                verdict: Arc::new(|_| FakeVerdict::Ham),
                latency: Duration::ZERO,
                faults: VecDeque::new(),
                standing_fault: None,
                alert: None,
                usage: 0,
                limit: Some(350_000),
                throttled: false,
                sites: BTreeMap::new(),
                log: Vec::new(),
                recording: true,
                next_guid: 1,
            }),
            accepted: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            peak_open: AtomicUsize::new(0),
        });
        let (addr, control) = server::spawn(Arc::clone(&shared))?;
        Ok(FakeAkismet {
            shared,
            addr,
            control,
        })
    }

    /// The server's address (always loopback).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for [`ClientConfig::base_url`].
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The blog [`FakeAkismet::client_config`] uses.
    pub fn blog(&self) -> &'static str {
        FakeAkismet::BLOG
    }

    /// A client configuration pointed at this fake, with the valid key and short timeouts
    /// (connect 1 s, total 2 s, backoff 5–50 ms) so fault tests stay fast.
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::new(FakeAkismet::KEY, FakeAkismet::BLOG)
            .base_url(self.base_url())
            .connect_timeout(Duration::from_secs(1))
            .timeout(Duration::from_secs(2))
            .backoff(Duration::from_millis(5), Duration::from_millis(50))
    }

    /// Accepts another API key.
    pub fn add_key(&self, key: impl Into<String>) {
        self.shared.lock().keys.push(key.into());
    }

    /// Decides `comment-check` verdicts for requests that are not Akismet test values.
    pub fn set_verdict(&self, f: impl Fn(&FakeRequest) -> FakeVerdict + Send + Sync + 'static) {
        self.shared.lock().verdict = Arc::new(f);
    }

    /// Delay added to every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    /// Applies `fault` to the next request (faults queue up, one per request).
    pub fn push_fault(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Applies `fault` to each of the next `n` requests.
    pub fn push_faults(&self, fault: Fault, n: usize) {
        let mut s = self.shared.lock();
        s.faults.extend(std::iter::repeat_n(fault, n));
    }

    /// Applies `fault` to every request once the queue is empty, until set to `None`.
    pub fn set_standing_fault(&self, fault: Option<Fault>) {
        self.shared.lock().standing_fault = fault;
    }

    /// Adds `X-akismet-alert-code` / `-msg` to every check answer (or stops, with `None`).
    pub fn set_alert(&self, alert: Option<(u32, &str)>) {
        self.shared.lock().alert = alert.map(|(c, m)| (c.to_string(), m.to_owned()));
    }

    /// The monthly limit usage-limit reports; `None` is an unlimited plan (`"none"`).
    pub fn set_usage_limit(&self, limit: Option<u64>) {
        self.shared.lock().limit = limit;
    }

    /// The `throttled` flag usage-limit reports.
    pub fn set_throttled(&self, throttled: bool) {
        self.shared.lock().throttled = throttled;
    }

    /// Checks answered so far (what usage-limit reports as `usage`).
    pub fn usage(&self) -> u64 {
        self.shared.lock().usage
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<FakeRequest> {
        self.shared.lock().log.clone()
    }

    /// Turns the request log on (the default) or off, e.g. for benchmarks with millions of calls.
    pub fn set_recording(&self, on: bool) {
        self.shared.lock().recording = on;
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// TCP connections accepted since start.
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The most connections that were open at the same time.
    pub fn peak_open_connections(&self) -> usize {
        self.shared.peak_open.load(Ordering::SeqCst)
    }

    /// Stops listening and closes every open connection: clients now get "connection refused".
    pub fn refuse_connections(&self) {
        self.control.stop_listening();
    }

    /// Listens again on the same port after [`FakeAkismet::refuse_connections`].
    pub fn accept_connections(&self) -> io::Result<()> {
        self.control.listen(self.addr)
    }
}

/// The answer the fake's logic chose, before faults and latency.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub reason: &'static str,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    fn text(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            reason: "OK",
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: body.into(),
        }
    }

    fn invalid(help: &str) -> Reply {
        let mut r = Reply::text("invalid");
        r.headers.push(("X-akismet-debug-help", help.to_owned()));
        r
    }

    fn json(body: String) -> Reply {
        let mut r = Reply::text(body);
        r.content_type = "application/json";
        r
    }

    pub(crate) fn status(status: u16, reason: &'static str, body: &str) -> Reply {
        let mut r = Reply::text(body);
        r.status = status;
        r.reason = reason;
        r
    }
}

/// What to do with one request: logged, then either a fault or a reply after `delay`.
pub(crate) enum Plan {
    Fault(Fault),
    Reply { reply: Reply, delay: Duration },
}

/// Logs `req` and decides the answer. Faults take precedence and do not count as usage.
pub(crate) fn plan(shared: &Shared, mut req: FakeRequest) -> Plan {
    let mut s = shared.lock();
    let fault = s.faults.pop_front().or_else(|| s.standing_fault.clone());
    req.fault = fault.clone();
    let delay = match &fault {
        Some(Fault::Delay(d)) => s.latency + *d,
        Some(other) => {
            let other = other.clone();
            if s.recording {
                s.log.push(req);
            }
            return Plan::Fault(other);
        }
        None => s.latency,
    };
    let reply = respond(&mut s, &req);
    if s.recording {
        s.log.push(req);
    }
    Plan::Reply { reply, delay }
}

fn respond(s: &mut State, req: &FakeRequest) -> Reply {
    let Some(endpoint) = req.endpoint() else {
        return Reply::status(404, "Not Found", "Not found");
    };
    let key = match endpoint {
        Endpoint::VerifyKey => req.param("key").or_else(|| req.param("api_key")),
        _ => req.param("api_key"),
    };
    let key_ok = key.is_some_and(|k| s.keys.iter().any(|known| known == k));
    let blank = |name: &str| req.param(name).is_none_or(|v| v.trim().is_empty());
    match endpoint {
        Endpoint::VerifyKey => {
            if blank("blog") {
                Reply::invalid("Empty \"blog\" value")
            } else if !key_ok {
                Reply::invalid("Invalid key")
            } else {
                Reply::text("valid")
            }
        }
        Endpoint::CommentCheck | Endpoint::SubmitSpam | Endpoint::SubmitHam => {
            if !key_ok {
                return Reply::invalid("Invalid key");
            }
            if blank("blog") {
                return Reply::invalid("Empty \"blog\" value");
            }
            if blank("user_ip") {
                return Reply::invalid("Empty \"user_ip\" value");
            }
            let blog = req.param("blog").unwrap_or_default().to_owned();
            if endpoint == Endpoint::CommentCheck {
                check(s, req, blog)
            } else {
                let site = s.sites.entry(blog).or_default();
                if endpoint == Endpoint::SubmitSpam {
                    site.missed_spam += 1;
                } else {
                    site.false_positives += 1;
                }
                Reply::text(crate::wire::THANKS)
            }
        }
        Endpoint::UsageLimit => {
            if !key_ok {
                return Reply::invalid("Invalid key");
            }
            let (limit, pct) = match s.limit {
                Some(l) => {
                    let pct = if l == 0 {
                        100.0
                    } else {
                        s.usage as f64 * 100.0 / l as f64
                    };
                    (serde_json::Value::from(l), format!("{pct:.2}"))
                }
                None => (serde_json::Value::from("none"), "0.00".to_owned()),
            };
            let body = serde_json::json!({
                "limit": limit, "usage": s.usage, "percentage": pct, "throttled": s.throttled,
            });
            Reply::json(body.to_string())
        }
        Endpoint::KeySites => {
            if !key_ok {
                return Reply::invalid("Invalid key");
            }
            key_sites(s, req)
        }
    }
}

fn check(s: &mut State, req: &FakeRequest, blog: String) -> Reply {
    let author = req.param("comment_author").unwrap_or_default();
    let email = req.param("comment_author_email").unwrap_or_default();
    let verdict = if SPAM_AUTHORS.contains(&author) || email == SPAM_EMAIL {
        FakeVerdict::Spam
    } else if req.param("user_role") == Some(HAM_ROLE) {
        FakeVerdict::Ham
    } else {
        let f = Arc::clone(&s.verdict);
        f(req)
    };
    s.usage += 1;
    let guid = format!("fake-{:08x}-{:04x}", s.next_guid, req.connection % 0x10000);
    s.next_guid += 1;
    let site = s.sites.entry(blog).or_default();
    site.calls += 1;
    let mut reply = match verdict {
        FakeVerdict::Ham | FakeVerdict::PendingHam { .. } => {
            site.ham += 1;
            Reply::text("false")
        }
        FakeVerdict::Spam | FakeVerdict::Discard => {
            site.spam += 1;
            Reply::text("true")
        }
    };
    reply.headers.push(("X-akismet-guid", guid));
    match verdict {
        FakeVerdict::Discard => reply
            .headers
            .push(("X-akismet-pro-tip", "discard".to_owned())),
        FakeVerdict::PendingHam { recheck_after } => reply
            .headers
            .push(("X-akismet-recheck-after", recheck_after.to_string())),
        FakeVerdict::Ham | FakeVerdict::Spam => {}
    }
    if let Some((code, msg)) = &s.alert {
        reply.headers.push(("X-akismet-alert-code", code.clone()));
        reply.headers.push(("X-akismet-alert-msg", msg.clone()));
    }
    reply
}

fn key_sites(s: &State, req: &FakeRequest) -> Reply {
    const MONTH: &str = "2026-01";
    let month = req.param("month").unwrap_or(MONTH);
    let filter = req.param("filter").unwrap_or_default();
    let limit: usize = req
        .param("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(500);
    let offset: usize = req
        .param("offset")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut rows: Vec<(&String, &SiteCounts)> = s
        .sites
        .iter()
        .filter(|(site, _)| site.contains(filter))
        .collect();
    let order = req.param("order").unwrap_or("total");
    rows.sort_by_key(|(_, c)| {
        std::cmp::Reverse(match order {
            "spam" => c.spam,
            "ham" => c.ham,
            "missed_spam" => c.missed_spam,
            "false_positives" => c.false_positives,
            _ => c.calls,
        })
    });
    let total = rows.len();
    let page: Vec<_> = rows.into_iter().skip(offset).take(limit).collect();
    if req.param("format") == Some("csv") {
        let mut out = format!(
            "Active sites for {} during {month} (limit:{limit}, offset: {offset}, total: {total})\n",
            FakeAkismet::KEY
        );
        out.push_str("Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked\n");
        for (site, c) in page {
            out.push_str(&format!(
                "{site},{},{},{},{},{},false\n",
                c.calls, c.spam, c.ham, c.missed_spam, c.false_positives
            ));
        }
        let mut r = Reply::text(out);
        r.content_type = "text/csv";
        return r;
    }
    let sites: Vec<serde_json::Value> = page
        .into_iter()
        .map(|(site, c)| {
            serde_json::json!({
                "site": site, "api_calls": c.calls.to_string(), "spam": c.spam.to_string(),
                "ham": c.ham.to_string(), "missed_spam": c.missed_spam.to_string(),
                "false_positives": c.false_positives.to_string(), "is_revoked": false,
            })
        })
        .collect();
    let mut body = serde_json::Map::new();
    body.insert(month.to_owned(), serde_json::Value::Array(sites));
    body.insert("limit".into(), limit.into());
    body.insert("offset".into(), offset.into());
    body.insert("total".into(), total.into());
    Reply::json(serde_json::Value::Object(body).to_string())
}

//! The wire format: comments to form bodies, response bodies and headers to typed answers.
//!
//! Pure functions, so they are unit- and property-tested without a network.

use std::time::{Duration, SystemTime};

use ferret_features::Comment;
use serde_json::Value;

use crate::error::{Endpoint, Error, Result};
use crate::key::ApiKey;
use crate::types::{Alert, KeySites, KeyStatus, Limit, Report, SiteActivity, UsageLimit, Verdict};

/// Longest stretch of an unexpected body kept in [`Error::Protocol`].
const BODY_EXCERPT: usize = 200;

/// The body Akismet sends after a successful submit-spam / submit-ham.
pub(crate) const THANKS: &str = "Thanks for making the web a better place.";

/// Parameter names the client sets itself; an extra key with one of these names is dropped so
/// it cannot override them (or smuggle in a second `api_key`).
const RESERVED: &[&str] = &[
    "api_key",
    "key",
    "blog",
    "user_ip",
    "user_agent",
    "referrer",
    "permalink",
    "comment_type",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_content",
    "comment_date_gmt",
    "comment_post_modified_gmt",
    "comment_parent",
    "blog_lang",
    "blog_charset",
    "user_role",
    "is_test",
    "recheck_reason",
    "honeypot_field_name",
    "comment_context",
    "comment_context[]",
    "comment_check_response",
    "reporter",
    "guid",
];

/// Server variables that carry credentials. Akismet asks for the server environment but never
/// cookies; authorization headers are no better.
const CREDENTIAL_VARS: &[&str] = &[
    "HTTP_AUTHORIZATION",
    "HTTP_PROXY_AUTHORIZATION",
    "PHP_AUTH_USER",
    "PHP_AUTH_PW",
    "PHP_AUTH_DIGEST",
];

/// Whether an extra key may be sent: not reserved, not empty, not a cookie or credential.
pub(crate) fn extra_allowed(name: &str) -> bool {
    if name.is_empty() || RESERVED.contains(&name) {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    !upper.contains("COOKIE") && !CREDENTIAL_VARS.contains(&upper.as_str())
}

/// The comment as it will be sent: `blog` and `is_test` defaults applied, forbidden extras removed.
pub(crate) fn prepare(comment: &Comment, default_blog: &str, default_is_test: bool) -> Comment {
    let mut c = comment.clone();
    if c.blog.as_deref().is_none_or(str::is_empty) {
        c.blog = Some(default_blog.to_owned());
    }
    if c.is_test.is_none() && default_is_test {
        c.is_test = Some(true);
    }
    c.server.retain(|k, _| extra_allowed(k));
    c
}

/// Checks the fields Akismet requires, before spending a call on them.
pub(crate) fn require_fields(c: &Comment) -> Result<()> {
    if c.blog.as_deref().is_none_or(str::is_empty) {
        return Err(Error::MissingField { field: "blog" });
    }
    if c.user_ip.as_deref().is_none_or(|ip| ip.trim().is_empty()) {
        return Err(Error::MissingField { field: "user_ip" });
    }
    Ok(())
}

/// A form body under construction.
pub(crate) struct Form(form_urlencoded::Serializer<'static, String>);

impl Form {
    pub(crate) fn new(key: &ApiKey) -> Form {
        let mut s = form_urlencoded::Serializer::new(String::with_capacity(512));
        s.append_pair("api_key", key.expose());
        Form(s)
    }

    pub(crate) fn pair(&mut self, name: &str, value: &str) -> &mut Form {
        self.0.append_pair(name, value);
        self
    }

    fn opt(&mut self, name: &str, value: &Option<String>) -> &mut Form {
        if let Some(v) = value {
            self.0.append_pair(name, v);
        }
        self
    }

    /// Every documented field, `comment_context[]` repeated, then the extras (honeypot value and
    /// server variables). `c` must come from [`prepare`], which already dropped forbidden extras.
    pub(crate) fn comment(&mut self, c: &Comment) -> &mut Form {
        self.opt("blog", &c.blog)
            .opt("user_ip", &c.user_ip)
            .opt("user_agent", &c.user_agent)
            .opt("referrer", &c.referrer)
            .opt("permalink", &c.permalink)
            .opt("comment_type", &c.comment_type)
            .opt("comment_author", &c.comment_author)
            .opt("comment_author_email", &c.comment_author_email)
            .opt("comment_author_url", &c.comment_author_url)
            .opt("comment_content", &c.comment_content)
            .opt("comment_date_gmt", &c.comment_date_gmt)
            .opt("comment_post_modified_gmt", &c.comment_post_modified_gmt)
            .opt("comment_parent", &c.comment_parent)
            .opt("blog_lang", &c.blog_lang)
            .opt("blog_charset", &c.blog_charset)
            .opt("user_role", &c.user_role)
            .opt("recheck_reason", &c.recheck_reason)
            .opt("honeypot_field_name", &c.honeypot_field_name);
        if let Some(t) = c.is_test {
            self.pair("is_test", if t { "1" } else { "0" });
        }
        for word in &c.comment_context {
            self.pair("comment_context[]", word);
        }
        for (k, v) in &c.server {
            if extra_allowed(k) {
                self.pair(k, v);
            }
        }
        self
    }

    /// A feedback report: the comment plus `comment_check_response`, `guid` and `reporter`.
    pub(crate) fn report(&mut self, r: &Report, c: &Comment) -> &mut Form {
        self.comment(c);
        if let Some(v) = r.comment_check_response {
            self.pair("comment_check_response", v.as_wire());
        }
        self.opt("guid", &r.guid).opt("reporter", &r.reporter)
    }

    pub(crate) fn finish(mut self) -> String {
        self.0.finish()
    }
}

/// The `X-akismet-*` headers (and `Retry-After`) of one answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Headers {
    pub pro_tip: Option<String>,
    pub debug_help: Option<String>,
    pub alert_code: Option<String>,
    pub alert_msg: Option<String>,
    pub guid: Option<String>,
    pub recheck_after: Option<String>,
    pub error: Option<String>,
    pub retry_after: Option<String>,
}

impl Headers {
    /// Picks the headers out of a reqwest header map; values that are not text are ignored.
    pub(crate) fn from_map(map: &reqwest::header::HeaderMap, key: &ApiKey) -> Headers {
        let get = |name: &str| {
            map.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| key.redact(v.trim()))
        };
        Headers {
            pro_tip: get("x-akismet-pro-tip"),
            debug_help: get("x-akismet-debug-help"),
            alert_code: get("x-akismet-alert-code"),
            alert_msg: get("x-akismet-alert-msg"),
            guid: get("x-akismet-guid"),
            recheck_after: get("x-akismet-recheck-after"),
            error: get("x-akismet-error"),
            retry_after: get("retry-after"),
        }
    }

    fn alert(&self) -> Option<Alert> {
        if self.alert_code.is_none() && self.alert_msg.is_none() {
            return None;
        }
        Some(Alert {
            code: self.alert_code.as_deref().and_then(|c| c.parse().ok()),
            message: self.alert_msg.clone(),
        })
    }
}

/// `Retry-After` as seconds or an HTTP date, relative to `now`. A date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn excerpt(body: &str, key: &ApiKey) -> String {
    let cut: String = body.chars().take(BODY_EXCERPT).collect();
    key.redact(&cut)
}

/// `invalid` (any case, e.g. `Invalid Key`) means the key or a required parameter was refused.
fn is_invalid(body: &str) -> bool {
    let b = body.trim();
    b.eq_ignore_ascii_case("invalid") || b.eq_ignore_ascii_case("invalid key")
}

fn protocol(endpoint: Endpoint, body: &str, h: &Headers, key: &ApiKey) -> Error {
    Error::Protocol {
        endpoint,
        body: excerpt(body, key),
        debug_help: h.debug_help.clone(),
    }
}

/// A 200 answer to `comment-check`.
pub(crate) fn parse_check(
    body: &str,
    h: &Headers,
    as_submitted: Comment,
    key: &ApiKey,
) -> Result<crate::CheckResult> {
    let endpoint = Endpoint::CommentCheck;
    if let Some(err) = &h.error {
        // WordPress: "an error occurred that we anticipated (like a suspended key)".
        return Err(Error::Invalid {
            endpoint,
            debug_help: Some(h.debug_help.clone().unwrap_or_else(|| err.clone())),
        });
    }
    let verdict = match body.trim() {
        "true" if h.pro_tip.as_deref() == Some("discard") => Verdict::Discard,
        "true" => Verdict::Spam,
        "false" => Verdict::Ham,
        b if is_invalid(b) => {
            return Err(Error::Invalid {
                endpoint,
                debug_help: h.debug_help.clone(),
            })
        }
        _ => return Err(protocol(endpoint, body, h, key)),
    };
    let recheck_after = match verdict {
        Verdict::Ham => h
            .recheck_after
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs),
        _ => None,
    };
    Ok(crate::CheckResult {
        verdict,
        guid: h.guid.clone().filter(|g| !g.is_empty()),
        recheck_after,
        debug_help: h.debug_help.clone(),
        alert: h.alert(),
        as_submitted,
    })
}

/// A 200 answer to `submit-spam` / `submit-ham`.
pub(crate) fn parse_submit(
    endpoint: Endpoint,
    body: &str,
    h: &Headers,
    key: &ApiKey,
) -> Result<()> {
    let b = body.trim();
    if b == THANKS {
        Ok(())
    } else if is_invalid(b) {
        Err(Error::Invalid {
            endpoint,
            debug_help: h.debug_help.clone(),
        })
    } else {
        Err(protocol(endpoint, body, h, key))
    }
}

/// A 200 answer to `verify-key`.
pub(crate) fn parse_verify(body: &str, h: &Headers, key: &ApiKey) -> Result<KeyStatus> {
    match body.trim() {
        "valid" => Ok(KeyStatus::Valid),
        b if is_invalid(b) => Ok(KeyStatus::Invalid {
            debug_help: h.debug_help.clone(),
        }),
        _ => Err(protocol(Endpoint::VerifyKey, body, h, key)),
    }
}

/// A count that Akismet may send as a number or as a string of digits.
fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json(endpoint: Endpoint, body: &str, h: &Headers, key: &ApiKey) -> Result<Value> {
    if is_invalid(body) {
        return Err(Error::Invalid {
            endpoint,
            debug_help: h.debug_help.clone(),
        });
    }
    serde_json::from_str(body).map_err(|_| protocol(endpoint, body, h, key))
}

/// A 200 answer to `usage-limit`: `limit` a number or `"none"`, `percentage` a string.
pub(crate) fn parse_usage(body: &str, h: &Headers, key: &ApiKey) -> Result<UsageLimit> {
    let endpoint = Endpoint::UsageLimit;
    let v = json(endpoint, body, h, key)?;
    let bad = || protocol(endpoint, body, h, key);
    let limit = match v.get("limit").ok_or_else(bad)? {
        Value::String(s) if s.trim().eq_ignore_ascii_case("none") => Limit::Unlimited,
        other => Limit::Calls(count(other).ok_or_else(bad)?),
    };
    let usage = v.get("usage").and_then(count).ok_or_else(bad)?;
    let percentage = match v.get("percentage") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(bad()),
    };
    let throttled = match v.get("throttled") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => false,
        Some(_) => return Err(bad()),
    };
    Ok(UsageLimit {
        limit,
        usage,
        percentage,
        throttled,
    })
}

/// A 200 answer to `key-sites` in JSON: month keys holding site rows, plus `limit/offset/total`.
pub(crate) fn parse_key_sites(body: &str, h: &Headers, key: &ApiKey) -> Result<KeySites> {
    let endpoint = Endpoint::KeySites;
    let v = json(endpoint, body, h, key)?;
    let bad = || protocol(endpoint, body, h, key);
    let obj = v.as_object().ok_or_else(bad)?;
    let mut out = KeySites::default();
    for (name, value) in obj {
        match name.as_str() {
            "limit" => out.limit = count(value).ok_or_else(bad)?,
            "offset" => out.offset = count(value).ok_or_else(bad)?,
            "total" => out.total = count(value).ok_or_else(bad)?,
            month => {
                let rows = value.as_array().ok_or_else(bad)?;
                let mut sites = Vec::with_capacity(rows.len());
                for row in rows {
                    sites.push(site(row).ok_or_else(bad)?);
                }
                out.months.insert(month.to_owned(), sites);
            }
        }
    }
    Ok(out)
}

fn site(row: &Value) -> Option<SiteActivity> {
    let n = |name: &str| row.get(name).map_or(Some(0), count);
    Some(SiteActivity {
        site: row.get("site")?.as_str()?.to_owned(),
        api_calls: n("api_calls")?,
        spam: n("spam")?,
        ham: n("ham")?,
        missed_spam: n("missed_spam")?,
        false_positives: n("false_positives")?,
        is_revoked: match row.get("is_revoked") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            _ => false,
        },
    })
}

/// Decodes a form body (or query string) into pairs, repeated names kept in order.
#[cfg(any(test, feature = "fake"))]
pub(crate) fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Groups decoded pairs by name.
#[cfg(test)]
fn group(pairs: &[(String, String)]) -> std::collections::BTreeMap<&str, Vec<&str>> {
    let mut m: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        m.entry(k.as_str()).or_default().push(v.as_str());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> ApiKey {
        ApiKey::new("testkey12345")
    }

    fn full_comment() -> Comment {
        let mut c = Comment {
            blog: Some("https://blog.example".into()),
            user_ip: Some("203.0.113.7".into()),
            user_agent: Some("Mozilla/5.0".into()),
            referrer: Some("https://ref.example/".into()),
            permalink: Some("https://blog.example/post".into()),
            comment_type: Some("comment".into()),
            comment_author: Some("Ann & Bob".into()),
            comment_author_email: Some("ann@example.org".into()),
            comment_author_url: Some("https://ann.example".into()),
            comment_content: Some("Hello = world?".into()),
            comment_date_gmt: Some("2026-01-02T03:04:05Z".into()),
            comment_post_modified_gmt: Some("2026-01-01T00:00:00Z".into()),
            comment_parent: Some("41".into()),
            blog_lang: Some("en, fr_ca".into()),
            blog_charset: Some("UTF-8".into()),
            user_role: Some("subscriber".into()),
            is_test: Some(true),
            recheck_reason: Some("edit".into()),
            honeypot_field_name: Some("hp_url".into()),
            comment_context: vec!["cooking".into(), "bread".into()],
            ..Comment::default()
        };
        c.server
            .insert("hp_url".into(), "http://spam.example".into());
        c.server.insert("HTTP_ACCEPT_LANGUAGE".into(), "en".into());
        c.server.insert("REMOTE_ADDR".into(), "203.0.113.7".into());
        c.server.insert("HTTP_COOKIE".into(), "session=abc".into());
        c.server.insert("http_cookie2".into(), "x".into());
        c.server
            .insert("HTTP_AUTHORIZATION".into(), "Basic Zm9v".into());
        c.server.insert("api_key".into(), "smuggled".into());
        c
    }

    #[test]
    fn sends_every_documented_field_and_no_cookie() {
        let c = prepare(&full_comment(), "https://default.example", false);
        let mut f = Form::new(&key());
        f.comment(&c);
        let pairs = decode_form(f.finish().as_bytes());
        let g = group(&pairs);
        for name in RESERVED.iter().filter(|n| {
            ![
                "key",
                "comment_context",
                "comment_check_response",
                "reporter",
                "guid",
            ]
            .contains(n)
        }) {
            assert!(g.contains_key(name), "missing {name}");
        }
        assert_eq!(g["api_key"], ["testkey12345"], "exactly one api_key, ours");
        assert_eq!(g["comment_context[]"], ["cooking", "bread"]);
        assert_eq!(g["comment_author"], ["Ann & Bob"]);
        assert_eq!(g["honeypot_field_name"], ["hp_url"]);
        assert_eq!(g["hp_url"], ["http://spam.example"]);
        assert_eq!(g["HTTP_ACCEPT_LANGUAGE"], ["en"]);
        assert_eq!(g["recheck_reason"], ["edit"]);
        assert_eq!(g["is_test"], ["1"]);
        assert!(!g.contains_key("HTTP_COOKIE") && !g.contains_key("http_cookie2"));
        assert!(!g.contains_key("HTTP_AUTHORIZATION"));
        assert!(
            !c.server.contains_key("HTTP_COOKIE"),
            "snapshot has no cookie either"
        );
    }

    #[test]
    fn prepare_fills_defaults_without_overriding() {
        let c = prepare(&Comment::from_text("x"), "https://default.example", true);
        assert_eq!(c.blog.as_deref(), Some("https://default.example"));
        assert_eq!(c.is_test, Some(true));
        let mut own = full_comment();
        own.is_test = Some(false);
        let c = prepare(&own, "https://default.example", true);
        assert_eq!(c.blog.as_deref(), Some("https://blog.example"));
        assert_eq!(c.is_test, Some(false));
    }

    #[test]
    fn required_fields_are_checked_locally() {
        let c = prepare(&Comment::from_text("x"), "https://b.example", false);
        assert!(matches!(
            require_fields(&c),
            Err(Error::MissingField { field: "user_ip" })
        ));
        let c = prepare(&full_comment(), "", false);
        assert!(require_fields(&c).is_ok());
    }

    #[test]
    fn report_carries_original_verdict_guid_and_reporter() {
        let r = Report {
            comment: full_comment(),
            comment_check_response: Some(Verdict::Discard),
            guid: Some("g-1".into()),
            reporter: Some("mod".into()),
        };
        let mut f = Form::new(&key());
        f.report(&r, &prepare(&r.comment, "", false));
        let pairs = decode_form(f.finish().as_bytes());
        let g = group(&pairs);
        assert_eq!(g["comment_check_response"], ["true"]);
        assert_eq!(g["guid"], ["g-1"]);
        assert_eq!(g["reporter"], ["mod"]);
    }

    #[test]
    fn check_answers_map_to_verdicts() {
        let mut h = Headers::default();
        let c = Comment::default();
        assert_eq!(
            parse_check("false", &h, c.clone(), &key()).unwrap().verdict,
            Verdict::Ham
        );
        assert_eq!(
            parse_check("true", &h, c.clone(), &key()).unwrap().verdict,
            Verdict::Spam
        );
        h.pro_tip = Some("discard".into());
        h.guid = Some("abc".into());
        h.alert_code = Some("10009".into());
        h.alert_msg = Some("overuse".into());
        let r = parse_check("true", &h, c.clone(), &key()).unwrap();
        assert_eq!(r.verdict, Verdict::Discard);
        assert_eq!(r.guid.as_deref(), Some("abc"));
        assert_eq!(
            r.alert,
            Some(Alert {
                code: Some(10009),
                message: Some("overuse".into())
            })
        );
        let h = Headers {
            recheck_after: Some("120".into()),
            ..Headers::default()
        };
        let r = parse_check("false", &h, c.clone(), &key()).unwrap();
        assert!(r.is_provisional());
        assert_eq!(r.recheck_after, Some(Duration::from_secs(120)));
        let h = Headers {
            debug_help: Some("Empty \"blog\"".into()),
            ..Headers::default()
        };
        let e = parse_check("invalid", &h, c.clone(), &key()).unwrap_err();
        assert_eq!(e.debug_help(), Some("Empty \"blog\""));
        let e = parse_check("<html>testkey12345</html>", &h, c, &key()).unwrap_err();
        assert!(matches!(&e, Error::Protocol { body, .. } if !body.contains("testkey12345")));
    }

    #[test]
    fn x_akismet_error_is_an_invalid_answer() {
        let h = Headers {
            error: Some("suspended".into()),
            ..Headers::default()
        };
        let e = parse_check("false", &h, Comment::default(), &key()).unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }));
    }

    #[test]
    fn submit_and_verify_bodies() {
        let h = Headers::default();
        assert!(parse_submit(Endpoint::SubmitHam, THANKS, &h, &key()).is_ok());
        let e = parse_submit(Endpoint::SubmitHam, "Invalid Key", &h, &key()).unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }));
        let e = parse_submit(Endpoint::SubmitSpam, "ok", &h, &key()).unwrap_err();
        assert!(matches!(e, Error::Protocol { .. }));
        assert_eq!(parse_verify("valid", &h, &key()).unwrap(), KeyStatus::Valid);
        assert!(!parse_verify("invalid", &h, &key()).unwrap().is_valid());
        assert!(parse_verify("maybe", &h, &key()).is_err());
    }

    #[test]
    fn usage_limit_accepts_numbers_none_and_strings() {
        let h = Headers::default();
        let u = parse_usage(
            r#"{"limit":350000,"usage":7463,"percentage":"2.13","throttled":false}"#,
            &h,
            &key(),
        )
        .unwrap();
        assert_eq!(u.limit, Limit::Calls(350_000));
        assert_eq!(
            (u.usage, u.percentage.as_str(), u.throttled),
            (7463, "2.13", false)
        );
        let u = parse_usage(
            r#"{"limit":"none","usage":"5","percentage":"0","throttled":true}"#,
            &h,
            &key(),
        )
        .unwrap();
        assert_eq!(u.limit, Limit::Unlimited);
        assert!(u.throttled);
        assert!(parse_usage(r#"{"limit":"lots","usage":1,"percentage":"1"}"#, &h, &key()).is_err());
        assert!(parse_usage("[]", &h, &key()).is_err());
        assert!(matches!(
            parse_usage("invalid", &h, &key()),
            Err(Error::Invalid { .. })
        ));
    }

    #[test]
    fn key_sites_parses_the_documented_sample() {
        let body = r#"{"2022-09":[{"site":"https://a.example","api_calls":"2072","spam":"2069","ham":"3",
            "missed_spam":"0","false_positives":"4","is_revoked":false}],"limit":10,"offset":0,"total":2}"#;
        let ks = parse_key_sites(body, &Headers::default(), &key()).unwrap();
        assert_eq!((ks.limit, ks.offset, ks.total), (10, 0, 2));
        let s = &ks.months["2022-09"][0];
        assert_eq!(
            (s.api_calls, s.spam, s.ham, s.false_positives),
            (2072, 2069, 3, 4)
        );
        assert!(parse_key_sites(
            r#"{"2022-09":[{"api_calls":"1"}]}"#,
            &Headers::default(),
            &key()
        )
        .is_err());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    proptest! {
        #[test]
        fn parsers_never_panic_on_any_body(body in ".{0,300}", hv in "[ -~]{0,20}") {
            let h = Headers { pro_tip: Some(hv.clone()), recheck_after: Some(hv.clone()),
                alert_code: Some(hv.clone()), retry_after: Some(hv.clone()), ..Headers::default() };
            let _ = parse_check(&body, &h, Comment::default(), &key());
            let _ = parse_submit(Endpoint::SubmitSpam, &body, &h, &key());
            let _ = parse_verify(&body, &h, &key());
            let _ = parse_usage(&body, &h, &key());
            let _ = parse_key_sites(&body, &h, &key());
            let _ = parse_retry_after(&hv, SystemTime::now());
        }

        #[test]
        fn any_comment_round_trips_through_the_form(author in ".{0,40}", ctx in proptest::collection::vec(".{0,10}", 0..4),
                extra_name in "[A-Za-z_]{1,12}", extra in ".{0,20}") {
            let mut c = Comment { user_ip: Some("192.0.2.1".into()), comment_author: Some(author.clone()),
                comment_context: ctx.clone(), ..Comment::default() };
            c.server.insert(extra_name.clone(), extra.clone());
            let c = prepare(&c, "https://b.example", false);
            let mut f = Form::new(&key());
            f.comment(&c);
            let pairs = decode_form(f.finish().as_bytes());
            let g = group(&pairs);
            prop_assert_eq!(g["comment_author"].clone(), vec![author.as_str()]);
            let got: Vec<&str> = g.get("comment_context[]").cloned().unwrap_or_default();
            prop_assert_eq!(got, ctx.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(g["api_key"].clone(), vec!["testkey12345"]);
            if extra_allowed(&extra_name) {
                prop_assert!(g[extra_name.as_str()].contains(&extra.as_str()));
            } else {
                prop_assert!(!extra_name.to_ascii_uppercase().contains("COOKIE") || !g.contains_key(extra_name.as_str()));
            }
        }
    }
}

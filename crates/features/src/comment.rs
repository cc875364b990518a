//! The `Comment` type: every field of Akismet's `comment-check`, with Akismet's names on the wire.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One comment (or contact-form message, sign-up, forum post…) as Akismet's `comment-check` sees it.
///
/// Field names are Akismet's, so a JSON object built for Akismet deserializes as is, and
/// `serde_json::to_string(&comment)` gives Akismet's names back. Every field is optional except that
/// Akismet itself requires `blog` and `user_ip`; the local engine needs neither.
///
/// Keys that are not Akismet fields land in [`Comment::server`]: Akismet asks for the web server's
/// environment (`HTTP_*`, `REMOTE_ADDR`, …) as extra parameters, and the honeypot *value* is such an
/// extra parameter, named by [`Comment::honeypot_field_name`] (see [`Comment::honeypot_value`]).
/// Scalar values (numbers, booleans) in those extra keys are kept as their JSON text; `null` is dropped.
///
/// ```
/// use ferret_features::Comment;
///
/// let c: Comment = serde_json::from_str(r#"{
///     "blog": "https://example.org", "user_ip": "203.0.113.7",
///     "comment_author": "Ann", "comment_content": "Nice post!",
///     "honeypot_field_name": "hp_url", "hp_url": "",
///     "comment_context": ["cooking", "bread"], "HTTP_ACCEPT_LANGUAGE": "en"
/// }"#).unwrap();
/// assert_eq!(c.comment_author.as_deref(), Some("Ann"));
/// assert_eq!(c.honeypot_value(), Some(""));
/// assert_eq!(c.server.get("HTTP_ACCEPT_LANGUAGE").map(String::as_str), Some("en"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Comment {
    /// The front page of the site the comment was posted to, a full URI (`blog`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blog: Option<String>,
    /// The commenter's IP address (`user_ip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ip: Option<String>,
    /// The commenter's browser User-Agent (`user_agent`), not the library's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The HTTP Referer of the form submission (`referrer`, Akismet's spelling).
    #[serde(skip_serializing_if = "Option::is_none", alias = "referer")]
    pub referrer: Option<String>,
    /// The page the comment was posted on (`permalink`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// `comment`, `forum-post`, `reply`, `blog-post`, `contact-form`, `signup`, `message`, `pingback`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_type: Option<String>,
    /// The name the commenter gave (`comment_author`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_author: Option<String>,
    /// The e-mail address the commenter gave (`comment_author_email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_author_email: Option<String>,
    /// The URL the commenter typed in (`comment_author_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_author_url: Option<String>,
    /// The comment text (`comment_content`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_content: Option<String>,
    /// When the comment was posted, UTC ISO 8601 (`comment_date_gmt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_date_gmt: Option<String>,
    /// When the commented-on post was last modified, UTC ISO 8601 (`comment_post_modified_gmt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_post_modified_gmt: Option<String>,
    /// The ID of the comment this one replies to (`comment_parent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_parent: Option<String>,
    /// The site's languages, ISO 639-1, comma-separated, e.g. `en, fr_ca` (`blog_lang`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blog_lang: Option<String>,
    /// The site's character set, e.g. `UTF-8` (`blog_charset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blog_charset: Option<String>,
    /// The commenter's role on the site, e.g. `administrator` (`user_role`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_role: Option<String>,
    /// Marks a test call that Akismet should not learn from (`is_test`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_bool"
    )]
    pub is_test: Option<bool>,
    /// Why this comment is being checked again: `edit`, `retry`, `recheck_queue`, … (`recheck_reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recheck_reason: Option<String>,
    /// The name of the form's hidden honeypot field (`honeypot_field_name`); its value is the extra
    /// parameter of that name, see [`Comment::honeypot_value`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub honeypot_field_name: Option<String>,
    /// Words that describe the page's topic (`comment_context[]`, sent repeated).
    #[serde(skip_serializing_if = "Vec::is_empty", alias = "comment_context[]")]
    pub comment_context: Vec<String>,
    /// Every other key: web-server variables (`HTTP_*`, `REMOTE_ADDR`, …) and the honeypot value.
    #[serde(flatten, deserialize_with = "scalar_map")]
    pub server: BTreeMap<String, String>,
}

impl Comment {
    /// A comment with only its text set: what the CLI builds from `{"text": "..."}`.
    pub fn from_text(text: impl Into<String>) -> Comment {
        Comment {
            comment_content: Some(text.into()),
            ..Comment::default()
        }
    }

    /// The comment text, or `""` when there is none.
    pub fn content(&self) -> &str {
        self.comment_content.as_deref().unwrap_or("")
    }

    /// The value of the honeypot field, when the form declared one and the value was sent.
    pub fn honeypot_value(&self) -> Option<&str> {
        let name = self.honeypot_field_name.as_deref()?;
        self.server.get(name).map(String::as_str)
    }
}

/// Accepts `true`/`false`, `1`/`0` and their string forms, as PHP forms send them.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Int(i64),
        Str(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Bool(b)) => Ok(Some(b)),
        Some(Raw::Int(i)) => Ok(Some(i != 0)),
        Some(Raw::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "0" | "false" | "no" | "off" => Ok(Some(false)),
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            other => Err(de::Error::custom(format!(
                "is_test: expected a boolean, found {other:?}"
            ))),
        },
    }
}

/// Collects the remaining keys, turning scalar values into text so that a stray number or boolean in
/// an input record (`"utf8_lossy": true`) is kept instead of failing the whole record.
fn scalar_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct ScalarMap;
    impl<'de> Visitor<'de> for ScalarMap {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of server variables")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let value: Scalar = map
                    .next_value()
                    .map_err(|e| de::Error::custom(format!("field {key:?}: {e}")))?;
                if let Some(v) = value.0 {
                    out.insert(key, v);
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(ScalarMap)
}

/// A JSON scalar as text; `null` as `None`. Objects and arrays are refused with a clear message.
struct Scalar(Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_akismet_names() {
        let json = r#"{"blog":"https://example.org","user_ip":"198.51.100.4","referrer":"https://a.example/",
            "comment_type":"comment","comment_author":"viagra-test-123","comment_content":"hi",
            "is_test":"1","comment_context":["a","b"],"HTTP_USER_AGENT":"x","blog_lang":"en, fr_ca"}"#;
        let c: Comment = serde_json::from_str(json).unwrap();
        assert_eq!(c.is_test, Some(true));
        assert_eq!(c.comment_context, ["a", "b"]);
        assert_eq!(c.server["HTTP_USER_AGENT"], "x");
        let back: Comment = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn accepts_bracketed_context_and_scalar_extras() {
        let c: Comment =
            serde_json::from_str(r#"{"comment_context[]":["x"],"utf8_lossy":true,"n":3,"z":null}"#)
                .unwrap();
        assert_eq!(c.comment_context, ["x"]);
        assert_eq!(c.server["utf8_lossy"], "true");
        assert_eq!(c.server["n"], "3");
        assert!(!c.server.contains_key("z"));
    }

    #[test]
    fn rejects_wrong_types_naming_the_field() {
        let err = serde_json::from_str::<Comment>(r#"{"comment_content": 5}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
        let err = serde_json::from_str::<Comment>(r#"{"extra": {"a": 1}}"#).unwrap_err();
        assert!(err.to_string().contains("extra"), "{err}");
        let err = serde_json::from_str::<Comment>(r#"{"is_test": "maybe"}"#).unwrap_err();
        assert!(err.to_string().contains("is_test"), "{err}");
    }
}

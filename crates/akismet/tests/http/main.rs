//! Integration tests: the real client against the fake Akismet, over HTTP on 127.0.0.1.

mod blocking;
mod concurrency;
mod endpoints;
mod fake_behaviour;
mod faults;
mod redaction;

use ferret_akismet::fake::FakeAkismet;
use ferret_features::Comment;

/// A fake plus a comment that passes the client's required-field checks.
pub fn fake() -> FakeAkismet {
    FakeAkismet::start().expect("start the fake Akismet")
}

/// A minimal valid comment.
pub fn comment(text: &str) -> Comment {
    let mut c = Comment::from_text(text);
    c.user_ip = Some("203.0.113.7".into());
    c
}

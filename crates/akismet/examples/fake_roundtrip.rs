//! A tour of the client against the fake Akismet: run `cargo run -p ferret-akismet --example fake_roundtrip --features fake`.
//!
//! Everything here crosses real HTTP on 127.0.0.1; swap `fake.client_config()` for
//! `ClientConfig::new(your_key, your_blog)` to talk to the real service.

use std::time::Duration;

use ferret_akismet::fake::{FakeAkismet, FakeVerdict, Fault};
use ferret_akismet::{Error, KeySitesQuery, Report};
use ferret_features::Comment;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeAkismet::start()?;
    // The fake's "truth": anything mentioning a casino is spam, pills are blatant spam.
    fake.set_verdict(|req| {
        let text = req.param("comment_content").unwrap_or("");
        if text.contains("pills") {
            FakeVerdict::Discard
        } else if text.contains("casino") {
            FakeVerdict::Spam
        } else {
            FakeVerdict::Ham
        }
    });
    println!("fake Akismet listening on {}", fake.base_url());

    let client = fake
        .client_config()
        .application("ferret-example", "1.0")
        .build_blocking()?;
    println!("verify-key: {:?}", client.verify_key()?);

    for text in [
        "Lovely bread recipe",
        "Best casino bonus",
        "Cheap pills here",
    ] {
        let mut comment = Comment::from_text(text);
        comment.user_ip = Some("203.0.113.7".into());
        let check = client.check(&comment)?;
        println!("{text:?} -> {:?} (guid {:?})", check.verdict, check.guid);
        if text.contains("bread") {
            // Pretend a moderator marks it spam after all.
            client.submit_spam(&Report::from_check(&check).reporter("example-moderator"))?;
            println!("  reported as spam");
        }
    }

    let usage = client.usage_limit()?;
    println!("usage-limit: {usage:?}");
    let sites = client.key_sites(&KeySitesQuery::default())?;
    println!("key-sites: {sites:?}");

    // Faults: a 503 is retried; a hang hits the timeout.
    fake.push_fault(Fault::Status(503));
    let mut comment = Comment::from_text("retried after a 503");
    comment.user_ip = Some("203.0.113.7".into());
    println!("after one 503: {:?}", client.check(&comment)?.verdict);

    let impatient = fake
        .client_config()
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build_blocking()?;
    fake.push_fault(Fault::Hang);
    match impatient.check(&comment) {
        Err(e @ Error::Timeout { .. }) => println!("hang: {e} (retryable: {})", e.is_retryable()),
        other => println!("hang: unexpected {other:?}"),
    }
    println!(
        "the fake saw {} requests on {} connections",
        fake.requests().len(),
        fake.connections_accepted()
    );
    Ok(())
}

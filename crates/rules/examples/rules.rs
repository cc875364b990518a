//! A tour of the rules: build them from a `[rules]` table, check a few comments, issue and verify a
//! form token. Run with `cargo run -p ferret-rules --example rules`.

use std::time::{SystemTime, UNIX_EPOCH};

use ferret_features::Comment;
use ferret_rules::{form_snippet, MemoryAuthors, RuleContext, RuleOutcome, Rules, RulesConfig};

fn main() {
    let config: RulesConfig = toml::from_str(
        r#"
        [disallowed]
        words = ["online casino", "replica watches"]
        ips = ["203.0.113.0/24", "2001:db8:bad::/48"]
        [moderation]
        hosts = ["bit.ly"]
        [token]
        enabled = true
        secret = "change me: 32 random bytes, base64"
        "#,
    )
    .expect("valid [rules] table");
    let rules = Rules::new(&config).expect("rules build");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);

    // The page with the comment form embeds a token for post 42.
    let token = rules.form_tokens().unwrap().issue("42", now - 20).unwrap();
    println!("snippet for the form page:\n{}\n", form_snippet(&token));

    let authors = MemoryAuthors::new();
    let ctx = RuleContext::new(now, &authors);
    let with_token = |mut c: Comment| {
        c.server.insert("comment_post_ID".into(), "42".into());
        c.server.insert("ferret_token".into(), token.clone());
        c
    };
    let comments = [
        (
            "no token (a bot without JavaScript)",
            Comment::from_text("Nice post"),
        ),
        (
            "a person with the token",
            with_token(Comment::from_text("Nice post, thanks!")),
        ),
        (
            "the same token again (replay)",
            with_token(Comment::from_text("Nice post, thanks!")),
        ),
        (
            "an administrator",
            Comment {
                user_role: Some("administrator".into()),
                ..Comment::from_text("Updated the post")
            },
        ),
        (
            "an IP in a disallowed range",
            Comment {
                user_ip: Some("203.0.113.50".into()),
                ..Comment::from_text("hello")
            },
        ),
    ];
    for (what, c) in &comments {
        match rules.check(c, &ctx) {
            RuleOutcome::Pass => println!("{what}: pass (the model decides)"),
            RuleOutcome::Hit(h) => println!("{what}: {h}"),
        }
    }

    // Ham feedback makes an author trusted.
    let mut ann = Comment::from_text("Lovely photos https://a.example https://b.example");
    ann.comment_author = Some("Ann".into());
    ann.comment_author_email = Some("ann@example.org".into());
    authors.record_approved(authors.keys().of(&ann).unwrap());
    ann.server.insert("comment_post_ID".into(), "42".into());
    ann.server.insert(
        "ferret_token".into(),
        rules.form_tokens().unwrap().issue("42", now - 60).unwrap(),
    );
    println!(
        "Ann after one approved comment: {:?}",
        rules.check(&ann, &ctx).rule()
    );
}

//! Every endpoint, answered by the fake as the documentation says.

use std::time::Duration;

use ferret_akismet::fake::{FakeAkismet, FakeVerdict};
use ferret_akismet::{
    ClientConfig, Endpoint, Error, KeySitesOrder, KeySitesQuery, KeyStatus, Limit, Report, Verdict,
};

use crate::{comment, fake};

#[tokio::test]
async fn verify_key_valid_and_invalid_with_debug_help() {
    let fake = fake();
    let good = fake.client_config().build().unwrap();
    assert_eq!(good.verify_key().await.unwrap(), KeyStatus::Valid);
    let req = fake.requests().pop().unwrap();
    assert_eq!(req.endpoint(), Some(Endpoint::VerifyKey));
    assert_eq!(
        req.param("key"),
        Some(FakeAkismet::KEY),
        "verify-key sends `key`"
    );
    assert_eq!(
        req.param("api_key"),
        Some(FakeAkismet::KEY),
        "and `api_key`"
    );
    assert_eq!(req.param("blog"), Some(FakeAkismet::BLOG));
    assert_eq!(req.method, "POST");

    let bad = ClientConfig::new("wrongkey0000", FakeAkismet::BLOG)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    match bad.verify_key().await.unwrap() {
        KeyStatus::Invalid { debug_help } => assert_eq!(debug_help.as_deref(), Some("Invalid key")),
        KeyStatus::Valid => panic!("a wrong key must not verify"),
    }
}

#[tokio::test]
async fn comment_check_test_values() {
    let fake = fake();
    fake.set_verdict(|_| FakeVerdict::Spam); // test values must win over the verdict function
    let client = fake.client_config().build().unwrap();

    for author in ["viagra-test-123", "akismet-guaranteed-spam"] {
        let mut c = comment("hello");
        c.comment_author = Some(author.into());
        let r = client.check(&c).await.unwrap();
        assert_eq!(r.verdict, Verdict::Spam, "{author}");
        assert!(r.guid.is_some());
    }
    let mut c = comment("hello");
    c.comment_author_email = Some("akismet-guaranteed-spam@example.com".into());
    assert_eq!(client.check(&c).await.unwrap().verdict, Verdict::Spam);

    let mut c = comment("hello");
    c.user_role = Some("administrator".into());
    c.is_test = Some(true);
    assert_eq!(client.check(&c).await.unwrap().verdict, Verdict::Ham);
    assert_eq!(fake.requests().last().unwrap().param("is_test"), Some("1"));
}

#[tokio::test]
async fn comment_check_discard_pending_and_alert() {
    let fake = fake();
    fake.set_verdict(|req| match req.param("comment_content") {
        Some("blatant") => FakeVerdict::Discard,
        Some("unsure") => FakeVerdict::PendingHam { recheck_after: 120 },
        _ => FakeVerdict::Ham,
    });
    fake.set_alert(Some((10009, "Your key was suspended due to overuse")));
    let client = fake.client_config().build().unwrap();

    let r = client.check(&comment("blatant")).await.unwrap();
    assert_eq!(r.verdict, Verdict::Discard);
    assert!(r.should_discard() && r.is_spam());
    let alert = r.alert.unwrap();
    assert_eq!(alert.code, Some(10009));
    assert!(alert.message.unwrap().contains("overuse"));

    let r = client.check(&comment("unsure")).await.unwrap();
    assert!(r.is_provisional());
    assert_eq!(r.recheck_after, Some(Duration::from_secs(120)));

    let r = client.check(&comment("fine")).await.unwrap();
    assert_eq!(r.verdict, Verdict::Ham);
    assert!(!r.is_provisional());
    let connections: std::collections::HashSet<_> =
        fake.requests().iter().map(|q| q.connection).collect();
    assert_eq!(connections.len(), 1, "three calls, one pooled connection");
}

#[tokio::test]
async fn comment_check_sends_every_field_and_never_cookies() {
    let fake = fake();
    let client = fake
        .client_config()
        .application("MyBlog", "2.1")
        .build()
        .unwrap();
    let mut c = comment("Nice post");
    c.user_agent = Some("Mozilla/5.0".into());
    c.referrer = Some("https://ref.example/".into());
    c.permalink = Some("https://blog.example/p/1".into());
    c.comment_type = Some("comment".into());
    c.comment_author = Some("Ann".into());
    c.comment_author_email = Some("ann@example.org".into());
    c.comment_author_url = Some("https://ann.example".into());
    c.comment_date_gmt = Some("2026-01-02T03:04:05Z".into());
    c.comment_post_modified_gmt = Some("2026-01-01T00:00:00Z".into());
    c.comment_parent = Some("41".into());
    c.blog_lang = Some("en, fr_ca".into());
    c.blog_charset = Some("UTF-8".into());
    c.user_role = Some("subscriber".into());
    c.recheck_reason = Some("edit".into());
    c.honeypot_field_name = Some("hp_url".into());
    c.comment_context = vec!["cooking".into(), "bread".into()];
    c.server.insert("hp_url".into(), "".into());
    c.server.insert("HTTP_ACCEPT_LANGUAGE".into(), "en".into());
    c.server.insert("REQUEST_URI".into(), "/p/1".into());
    c.server
        .insert("HTTP_COOKIE".into(), "wordpress_logged_in=secret".into());
    c.server
        .insert("HTTP_AUTHORIZATION".into(), "Bearer secret".into());
    let r = client.check(&c).await.unwrap();

    let req = fake.requests().pop().unwrap();
    for (name, value) in [
        ("blog", FakeAkismet::BLOG),
        ("user_ip", "203.0.113.7"),
        ("user_agent", "Mozilla/5.0"),
        ("referrer", "https://ref.example/"),
        ("permalink", "https://blog.example/p/1"),
        ("comment_type", "comment"),
        ("comment_author", "Ann"),
        ("comment_author_email", "ann@example.org"),
        ("comment_author_url", "https://ann.example"),
        ("comment_content", "Nice post"),
        ("comment_date_gmt", "2026-01-02T03:04:05Z"),
        ("comment_post_modified_gmt", "2026-01-01T00:00:00Z"),
        ("comment_parent", "41"),
        ("blog_lang", "en, fr_ca"),
        ("blog_charset", "UTF-8"),
        ("user_role", "subscriber"),
        ("recheck_reason", "edit"),
        ("honeypot_field_name", "hp_url"),
        ("hp_url", ""),
        ("HTTP_ACCEPT_LANGUAGE", "en"),
        ("REQUEST_URI", "/p/1"),
    ] {
        assert_eq!(req.param(name), Some(value), "{name}");
    }
    assert_eq!(
        req.params_named("comment_context[]").collect::<Vec<_>>(),
        ["cooking", "bread"]
    );
    assert!(
        req.params.iter().all(|(_, v)| !v.contains("secret")),
        "no cookie or credential"
    );
    assert!(!r.as_submitted.server.contains_key("HTTP_COOKIE"));
    let ua = req.header("user-agent").unwrap();
    assert!(ua.starts_with("MyBlog/2.1 | Ferret/"), "{ua}");
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
}

#[tokio::test]
async fn missing_user_ip_is_caught_before_spending_a_call() {
    let fake = fake();
    let client = fake.client_config().build().unwrap();
    let err = client
        .check(&ferret_features::Comment::from_text("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::MissingField { field: "user_ip" }),
        "{err}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn submit_spam_and_ham_match_the_original_check() {
    let fake = fake();
    let client = fake.client_config().build().unwrap();
    let mut c = comment("Visit my casino");
    c.comment_context = vec!["games".into()];
    c.server.insert("HTTP_COOKIE".into(), "x=1".into());
    let check = client.check(&c).await.unwrap();
    assert_eq!(check.verdict, Verdict::Ham);

    client
        .submit_spam(&Report::from_check(&check).reporter("moderator-ann"))
        .await
        .unwrap();
    let checked = fake.requests()[0].clone();
    let submitted = fake.requests().pop().unwrap();
    assert_eq!(submitted.endpoint(), Some(Endpoint::SubmitSpam));
    assert_eq!(submitted.param("comment_check_response"), Some("false"));
    assert_eq!(submitted.param("reporter"), Some("moderator-ann"));
    assert_eq!(submitted.param("guid"), check.guid.as_deref());
    for (name, value) in &checked.params {
        assert_eq!(
            submitted.param(name),
            Some(value.as_str()),
            "{name} matches the check"
        );
    }

    client
        .submit_ham(&Report::new(comment("I meant it")).original_verdict(Verdict::Discard))
        .await
        .unwrap();
    let submitted = fake.requests().pop().unwrap();
    assert_eq!(submitted.endpoint(), Some(Endpoint::SubmitHam));
    assert_eq!(submitted.param("comment_check_response"), Some("true"));
}

#[tokio::test]
async fn submit_with_bad_key_is_invalid() {
    let fake = fake();
    let client = ClientConfig::new("wrongkey0000", FakeAkismet::BLOG)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let err = client
        .submit_ham(&Report::new(comment("x")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                endpoint: Endpoint::SubmitHam,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.debug_help(), Some("Invalid key"));
    assert!(!err.is_retryable());
    let err = client.check(&comment("x")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                endpoint: Endpoint::CommentCheck,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn usage_limit_counts_checks_and_reports_none() {
    let fake = fake();
    fake.set_usage_limit(Some(8));
    let client = fake.client_config().build().unwrap();
    for _ in 0..3 {
        client.check(&comment("x")).await.unwrap();
    }
    client
        .submit_spam(&Report::new(comment("x")))
        .await
        .unwrap();
    let u = client.usage_limit().await.unwrap();
    assert_eq!(
        (u.limit, u.usage, u.percentage.as_str(), u.throttled),
        (Limit::Calls(8), 3, "37.50", false)
    );
    assert_eq!(fake.usage(), 3);

    fake.set_usage_limit(None);
    fake.set_throttled(true);
    let u = client.usage_limit().await.unwrap();
    assert_eq!(u.limit, Limit::Unlimited);
    assert!(u.throttled);

    let bad = ClientConfig::new("wrongkey0000", FakeAkismet::BLOG)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    assert!(matches!(
        bad.usage_limit().await,
        Err(Error::Invalid { .. })
    ));
}

#[tokio::test]
async fn key_sites_reports_per_blog_activity() {
    let fake = fake();
    fake.set_verdict(|req| {
        if req.param("comment_content") == Some("spam") {
            FakeVerdict::Spam
        } else {
            FakeVerdict::Ham
        }
    });
    let client = fake.client_config().build().unwrap();
    let mut other = comment("spam");
    other.blog = Some("https://other.example".into());
    client.check(&other).await.unwrap();
    client.check(&comment("spam")).await.unwrap();
    client.check(&comment("ham")).await.unwrap();
    client
        .submit_ham(&Report::new(comment("ham")))
        .await
        .unwrap();

    let sites = client
        .key_sites(
            &KeySitesQuery::default()
                .month("2026-02")
                .order(KeySitesOrder::Total)
                .limit(10),
        )
        .await
        .unwrap();
    assert_eq!((sites.limit, sites.offset, sites.total), (10, 0, 2));
    let rows = &sites.months["2026-02"];
    assert_eq!(rows[0].site, FakeAkismet::BLOG);
    assert_eq!(
        (
            rows[0].api_calls,
            rows[0].spam,
            rows[0].ham,
            rows[0].false_positives
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(rows[1].site, "https://other.example");

    let filtered = client
        .key_sites(&KeySitesQuery::default().filter("other").offset(0))
        .await
        .unwrap();
    assert_eq!(filtered.total, 1);
    let req = fake.requests().pop().unwrap();
    assert_eq!(
        (req.param("filter"), req.param("format")),
        (Some("other"), Some("json"))
    );
}

#[tokio::test]
async fn base_url_with_a_path_prefix_is_not_the_fake() {
    // A prefix the fake does not serve: the request reaches it and gets a 404, proving the
    // client used the configured base URL verbatim.
    let fake = fake();
    let client = fake
        .client_config()
        .base_url(format!("{}/prefix", fake.base_url()))
        .build()
        .unwrap();
    let err = client.verify_key().await.unwrap_err();
    assert!(
        matches!(err, Error::HttpStatus { status: 404, .. }),
        "{err}"
    );
    assert_eq!(fake.requests()[0].path, "/prefix/1.1/verify-key");
}

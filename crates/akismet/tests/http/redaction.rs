//! The API key never shows in an error, its `Debug`, its source chain, or a URL.

use std::error::Error as _;
use std::time::Duration;

use ferret_akismet::fake::{FakeAkismet, Fault};
use ferret_akismet::{ClientConfig, Error};

use crate::{comment, fake};

fn everything_printed(err: &Error) -> String {
    let mut out = format!("{err}\n{err:?}\n{err:#?}");
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    out
}

#[tokio::test]
async fn no_error_carries_the_key() {
    let fake = fake();
    let key = FakeAkismet::KEY;
    let client = fake
        .client_config()
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let faults = [
        Fault::Garbage(format!("unknown key {key} for this site")),
        Fault::Status(500),
        Fault::RateLimit(Some("3600".into())),
        Fault::Hang,
        Fault::Malformed,
        Fault::Reset,
        Fault::Close,
    ];
    let mut seen = 0;
    for fault in faults {
        fake.push_fault(fault.clone());
        let err = client.check(&comment("x")).await.unwrap_err();
        let printed = everything_printed(&err);
        assert!(
            !printed.contains(key),
            "{fault:?} leaked the key: {printed}"
        );
        seen += 1;
    }
    fake.refuse_connections();
    let err = client.check(&comment("x")).await.unwrap_err();
    assert!(!everything_printed(&err).contains(key));
    assert_eq!(seen, 7);
    // The redaction is real: the garbage body did contain the key and now says so.
    let log = fake.requests();
    assert!(
        log.iter()
            .all(|r| !r.path.contains(key) && !r.query.contains(key)),
        "key only in bodies"
    );
    assert!(
        log.iter()
            .all(|r| r.headers.iter().all(|(_, v)| !v.contains(key))),
        "nor in headers"
    );
}

#[tokio::test]
async fn garbage_echoing_the_key_is_redacted_not_dropped() {
    let fake = fake();
    fake.push_fault(Fault::Garbage(format!("key={} rejected", FakeAkismet::KEY)));
    let err = fake
        .client_config()
        .max_retries(0)
        .build()
        .unwrap()
        .check(&comment("x"))
        .await
        .unwrap_err();
    match err {
        Error::Protocol { body, .. } => assert_eq!(body, "key=<redacted> rejected"),
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn debug_of_clients_and_config_hides_the_key() {
    let config = ClientConfig::new("s3cr3tkey123", "https://blog.example");
    let blocking = config.clone().build_blocking().unwrap();
    let printed = format!("{config:?} {blocking:?} {:?}", blocking.as_async());
    assert!(!printed.contains("s3cr3tkey123"), "{printed}");
    assert!(printed.contains("<redacted>"));
}

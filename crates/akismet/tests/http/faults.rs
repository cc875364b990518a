//! Every fault the fake can inject, seen through the client: error kind, retryability, retries.

use std::time::{Duration, Instant};

use ferret_akismet::fake::{FakeAkismet, Fault};
use ferret_akismet::{Client, Endpoint, Error, Verdict};

use crate::{comment, fake};

fn client(fake: &FakeAkismet, retries: u32) -> Client {
    fake.client_config()
        .timeout(Duration::from_millis(300))
        .max_retries(retries)
        .build()
        .unwrap()
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let fake = fake();
    fake.push_faults(Fault::Status(500), 2);
    let r = client(&fake, 2).check(&comment("x")).await.unwrap();
    assert_eq!(r.verdict, Verdict::Ham);
    let log = fake.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].fault, Some(Fault::Status(500)));
    assert_eq!(log[2].fault, None);
}

#[tokio::test]
async fn server_errors_give_up_after_max_retries() {
    let fake = fake();
    fake.set_standing_fault(Some(Fault::Status(503)));
    let err = client(&fake, 2).check(&comment("x")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::HttpStatus {
                status: 503,
                endpoint: Endpoint::CommentCheck,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_retryable());
    assert_eq!(fake.requests().len(), 3, "1 try + 2 retries");
    assert_eq!(fake.usage(), 0, "faulted calls are not counted");
}

#[tokio::test]
async fn unexpected_4xx_is_not_retried() {
    let fake = fake();
    fake.push_fault(Fault::Status(403));
    let err = client(&fake, 3).check(&comment("x")).await.unwrap_err();
    assert!(
        matches!(err, Error::HttpStatus { status: 403, .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn rate_limit_with_short_retry_after_is_waited_out() {
    let fake = fake();
    fake.push_fault(Fault::RateLimit(Some("1".into())));
    let start = Instant::now();
    let r = client(&fake, 1).check(&comment("x")).await.unwrap();
    assert_eq!(r.verdict, Verdict::Ham);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured: {:?}",
        start.elapsed()
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn rate_limit_longer_than_allowed_goes_back_to_the_caller() {
    let fake = fake();
    fake.push_fault(Fault::RateLimit(Some("3600".into())));
    let start = Instant::now();
    let err = client(&fake, 3).check(&comment("x")).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.is_retryable());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn rate_limit_retry_after_as_http_date_and_absent() {
    let fake = fake();
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(7200));
    fake.push_fault(Fault::RateLimit(Some(at)));
    let err = client(&fake, 0).usage_limit().await.unwrap_err();
    let after = err.retry_after().unwrap();
    assert!(
        after > Duration::from_secs(7000) && after <= Duration::from_secs(7200),
        "{after:?}"
    );

    fake.push_fault(Fault::RateLimit(None));
    let err = client(&fake, 0).usage_limit().await.unwrap_err();
    assert!(matches!(
        err,
        Error::RateLimited {
            retry_after: None,
            endpoint: Endpoint::UsageLimit
        }
    ));
}

#[tokio::test]
async fn hang_times_out_within_the_configured_limit() {
    let fake = fake();
    fake.set_standing_fault(Some(Fault::Hang));
    let start = Instant::now();
    let err = client(&fake, 1).check(&comment("x")).await.unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(err, Error::Timeout { limit, .. } if limit == Duration::from_millis(300)),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(fake.requests().len(), 2, "the timeout was retried once");
}

#[tokio::test]
async fn latency_under_the_timeout_is_fine_over_it_is_not() {
    let fake = fake();
    fake.set_latency(Duration::from_millis(50));
    let c = client(&fake, 0);
    let start = Instant::now();
    c.check(&comment("x")).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(50));
    fake.push_fault(Fault::Delay(Duration::from_millis(500)));
    let err = c.check(&comment("x")).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn garbage_bodies_are_protocol_errors_and_not_retried() {
    let fake = fake();
    fake.set_standing_fault(Some(Fault::Garbage("<html>Proxy login</html>".into())));
    let c = client(&fake, 3);
    let err = c.check(&comment("x")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Protocol { body, .. } if body == "<html>Proxy login</html>"),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert!(matches!(c.verify_key().await, Err(Error::Protocol { .. })));
    assert!(matches!(c.usage_limit().await, Err(Error::Protocol { .. })));
    assert!(matches!(
        c.key_sites(&Default::default()).await,
        Err(Error::Protocol { .. })
    ));
    let report = ferret_akismet::Report::new(comment("x"));
    assert!(matches!(
        c.submit_spam(&report).await,
        Err(Error::Protocol { .. })
    ));
    assert_eq!(fake.requests().len(), 5, "none retried");
}

#[tokio::test]
async fn malformed_http_reset_and_close_are_network_errors_and_retried() {
    for fault in [Fault::Malformed, Fault::Reset, Fault::Close] {
        let fake = fake();
        fake.push_fault(fault.clone());
        let err = client(&fake, 0).check(&comment("x")).await.unwrap_err();
        assert!(matches!(err, Error::Network { .. }), "{fault:?}: {err:?}");
        assert!(err.is_retryable());

        fake.push_fault(fault.clone());
        let r = client(&fake, 1).check(&comment("x")).await;
        assert!(r.is_ok(), "{fault:?} then success: {r:?}");
    }
}

#[tokio::test]
async fn refused_connections_are_network_errors_until_the_fake_listens_again() {
    let fake = fake();
    let c = client(&fake, 1);
    c.check(&comment("x")).await.unwrap();
    fake.refuse_connections();
    let err = c.check(&comment("x")).await.unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.is_retryable());
    fake.accept_connections().unwrap();
    c.check(&comment("x")).await.unwrap();
    assert_eq!(
        fake.connections_accepted(),
        2,
        "a new connection after the outage"
    );
}

#[tokio::test]
async fn connect_timeout_fires_when_the_server_never_completes_the_handshake() {
    // A listener with a full accept queue that never accepts: Linux drops further SYNs, so the
    // client's connect hangs, as against a black-holed host.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => fillers.push(s),
            Err(_) => break, // the queue is full
        }
    }
    let client = ferret_akismet::ClientConfig::new(FakeAkismet::KEY, FakeAkismet::BLOG)
        .base_url(format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(5))
        .max_retries(0)
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client.verify_key().await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { limit, .. } if limit == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    drop(listener);
}

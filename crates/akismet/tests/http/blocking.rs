//! The blocking facade and the oracle traits, over real HTTP.

use std::sync::Arc;

use ferret_akismet::fake::{FakeAkismet, Fault};
use ferret_akismet::{
    BlockingOracle, Error, KeySitesQuery, KeyStatus, Limit, Oracle, Report, Verdict,
};

use crate::{comment, fake};

#[test]
fn every_endpoint_through_the_blocking_client() {
    let fake = fake();
    fake.set_usage_limit(Some(100));
    let client = fake.client_config().build_blocking().unwrap();
    assert_eq!(client.verify_key().unwrap(), KeyStatus::Valid);
    let mut c = comment("x");
    c.comment_author = Some("viagra-test-123".into());
    let check = client.check(&c).unwrap();
    assert_eq!(check.verdict, Verdict::Spam);
    client.submit_ham(&Report::from_check(&check)).unwrap();
    client.submit_spam(&Report::new(comment("y"))).unwrap();
    let usage = client.usage_limit().unwrap();
    assert_eq!((usage.limit, usage.usage), (Limit::Calls(100), 1));
    let sites = client.key_sites(&KeySitesQuery::default()).unwrap();
    assert_eq!(sites.total, 1);
    assert_eq!(fake.requests().len(), 6);
}

#[test]
fn blocking_client_retries_and_reports_errors_too() {
    let fake = fake();
    fake.push_fault(Fault::Reset);
    let client = fake.client_config().build_blocking().unwrap();
    assert!(client.check(&comment("x")).is_ok());
    fake.set_standing_fault(Some(Fault::Status(502)));
    let err = client.check(&comment("x")).unwrap_err();
    assert!(matches!(err, Error::HttpStatus { status: 502, .. }));
}

#[tokio::test]
async fn blocking_client_inside_an_async_runtime_does_not_panic() {
    let fake = fake();
    let client = fake.client_config().build_blocking().unwrap();
    assert_eq!(client.check(&comment("x")).unwrap().verdict, Verdict::Ham);
    drop(client); // dropping a runtime inside a runtime would panic without shutdown_background
}

#[tokio::test]
async fn the_real_client_is_an_object_safe_oracle() {
    let fake = fake();
    let oracle: Arc<dyn Oracle> = Arc::new(fake.client_config().build().unwrap());
    let r = oracle.check(&comment("x")).await.unwrap();
    oracle.submit_spam(&Report::from_check(&r)).await.unwrap();
    oracle.submit_ham(&Report::from_check(&r)).await.unwrap();
    assert_eq!(oracle.usage().await.unwrap().usage, 1);
}

#[test]
fn the_blocking_client_is_an_object_safe_blocking_oracle() {
    let fake = fake();
    let oracle: Box<dyn BlockingOracle> = Box::new(fake.client_config().build_blocking().unwrap());
    let r = oracle.check(&comment("x")).unwrap();
    oracle.submit_ham(&Report::from_check(&r)).unwrap();
    assert_eq!(oracle.usage().unwrap().usage, 1);
    let bad = ferret_akismet::ClientConfig::new("nokey0000000", FakeAkismet::BLOG)
        .base_url(fake.base_url())
        .build_blocking()
        .unwrap();
    assert!(matches!(
        BlockingOracle::check(&bad, &comment("x")),
        Err(Error::Invalid { .. })
    ));
}

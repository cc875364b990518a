//! The fake's own documented behaviour, probed with raw HTTP (the client refuses to send these).

use ferret_akismet::fake::FakeAkismet;

use crate::fake;

fn post(fake: &FakeAkismet, path: &str, body: &str) -> (u16, String, Option<String>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(fake.addr()).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let help = head
        .lines()
        .find_map(|l| l.strip_prefix("X-akismet-debug-help: "))
        .map(str::to_owned);
    (status, body.to_owned(), help)
}

#[test]
fn missing_blog_or_user_ip_is_invalid_with_debug_help() {
    let fake = fake();
    let k = FakeAkismet::KEY;
    let (status, body, help) = post(
        &fake,
        "/1.1/comment-check",
        &format!("api_key={k}&user_ip=1.2.3.4"),
    );
    assert_eq!(
        (status, body.as_str(), help.as_deref()),
        (200, "invalid", Some("Empty \"blog\" value"))
    );
    let (_, body, help) = post(
        &fake,
        "/1.1/comment-check",
        &format!("api_key={k}&blog=https%3A%2F%2Fb.example"),
    );
    assert_eq!(
        (body.as_str(), help.as_deref()),
        ("invalid", Some("Empty \"user_ip\" value"))
    );
    let (_, body, _) = post(
        &fake,
        "/1.1/submit-spam",
        &format!("api_key={k}&blog=https%3A%2F%2Fb.example"),
    );
    assert_eq!(body, "invalid");
    let (_, body, help) = post(&fake, "/1.1/verify-key", &format!("key={k}"));
    assert_eq!(
        (body.as_str(), help.as_deref()),
        ("invalid", Some("Empty \"blog\" value"))
    );
    let (_, body, _) = post(
        &fake,
        "/1.1/comment-check",
        "blog=https%3A%2F%2Fb.example&user_ip=1.2.3.4",
    );
    assert_eq!(body, "invalid", "no key at all");
    assert_eq!(fake.usage(), 0, "invalid calls are not counted");
}

#[test]
fn unknown_paths_and_csv_key_sites() {
    let fake = fake();
    let (status, _, _) = post(&fake, "/1.1/nope", "");
    assert_eq!(status, 404);
    let (status, body, _) = post(
        &fake,
        "/1.2/key-sites",
        &format!("api_key={}&format=csv&month=2026-03", FakeAkismet::KEY),
    );
    assert_eq!(status, 200);
    assert!(body.starts_with("Active sites for"), "{body}");
    assert!(body.contains("during 2026-03"), "{body}");
}

#[test]
fn added_keys_are_accepted() {
    let fake = fake();
    fake.add_key("secondkey123");
    let (_, body, _) = post(
        &fake,
        "/1.1/verify-key",
        "key=secondkey123&blog=https%3A%2F%2Fb.example",
    );
    assert_eq!(body, "valid");
}

#[test]
fn dropping_the_fake_closes_its_port() {
    let fake = fake();
    let addr = fake.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(fake);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        if std::net::TcpStream::connect(addr).is_err() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "port still open after drop"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn recording_can_be_switched_off_without_changing_answers() {
    let fake = fake();
    fake.set_recording(false);
    let (_, body, _) = post(
        &fake,
        "/1.1/verify-key",
        "key=fakekey12345&blog=https%3A%2F%2Fb.example",
    );
    assert_eq!(body, "valid");
    assert!(fake.requests().is_empty());
    fake.set_recording(true);
    post(
        &fake,
        "/1.1/verify-key",
        "key=fakekey12345&blog=https%3A%2F%2Fb.example",
    );
    assert_eq!(fake.requests().len(), 1);
}

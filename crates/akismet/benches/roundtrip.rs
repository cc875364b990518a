//! comment-check round trips to the fake on loopback: Ferret's client vs a raw keep-alive socket.
//!
//! The raw baseline sends the same bytes over one TCP connection and reads the answer, so the
//! difference between the two is the client's own overhead (form encoding, reqwest/hyper,
//! semaphore, header and body parsing), which the issue bounds at 200 µs.

use std::io::{Read, Write};
use std::net::TcpStream;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferret_akismet::fake::FakeAkismet;
use ferret_akismet::Verdict;
use ferret_features::Comment;

fn comment() -> Comment {
    let mut c = Comment::from_text("Thanks for the recipe, the bread came out great!");
    c.user_ip = Some("203.0.113.7".into());
    c.user_agent = Some("Mozilla/5.0 (X11; Linux x86_64)".into());
    c.comment_author = Some("Ann".into());
    c.comment_author_email = Some("ann@example.org".into());
    c.permalink = Some("https://blog.example/bread".into());
    c.comment_context = vec!["cooking".into(), "bread".into()];
    c.server.insert("HTTP_ACCEPT_LANGUAGE".into(), "en".into());
    c
}

/// The exact request the client sends, captured from the fake, replayed over a raw socket.
fn raw_request(fake: &FakeAkismet) -> Vec<u8> {
    let req = fake.requests().pop().expect("one request captured");
    let body: String = form_body(&req.params);
    format!(
        "POST /1.1/comment-check HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        fake.addr(),
        req.header("user-agent").unwrap_or("raw"),
        body.len()
    )
    .into_bytes()
}

fn form_body(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Reads one HTTP response with a Content-Length body; returns the body.
fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> String {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "fake closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if buf.len() >= end + 4 + len {
                return String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let fake = FakeAkismet::start().expect("fake");
    let comment = comment();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = {
        let _guard = rt.enter();
        fake.client_config().build().expect("client")
    };
    // Warm the pool and capture the request for the raw baseline.
    let first = rt.block_on(client.check(&comment)).expect("check");
    assert_eq!(first.verdict, Verdict::Ham);
    let raw = raw_request(&fake);
    fake.set_recording(false);
    let blocking = fake
        .client_config()
        .build_blocking()
        .expect("blocking client");

    let mut group = c.benchmark_group("comment_check_roundtrip");
    let size = raw.len();
    group.bench_function(BenchmarkId::new("raw_socket_baseline", size), |b| {
        let mut stream = TcpStream::connect(fake.addr()).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut buf = Vec::with_capacity(4096);
        b.iter(|| {
            stream.write_all(&raw).expect("write");
            let body = read_response(&mut stream, &mut buf);
            assert_eq!(body, "false");
        });
    });
    group.bench_function(BenchmarkId::new("ferret_async_client", size), |b| {
        b.iter(|| {
            let r = rt.block_on(client.check(&comment)).expect("check");
            assert_eq!(r.verdict, Verdict::Ham);
        });
    });
    group.bench_function(BenchmarkId::new("ferret_blocking_client", size), |b| {
        b.iter(|| {
            let r = blocking.check(&comment).expect("check");
            assert_eq!(r.verdict, Verdict::Ham);
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

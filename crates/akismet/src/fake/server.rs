//! The fake's HTTP/1.1 plumbing: listener, keep-alive connections, parsing, faults on the wire.
//!
//! Hand-rolled on `httparse` rather than a server framework because the faults (resets, bytes
//! that are not HTTP, hangs, refusing connections) need direct control of the socket.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::{plan, FakeRequest, Fault, Plan, Reply, Shared};

const MAX_HEAD: usize = 64 << 10;
const MAX_BODY: usize = 1 << 20;

/// The handle's side of the server: its runtime, and the switch for listening.
pub(crate) struct Control {
    runtime: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
    listeners: mpsc::UnboundedSender<std::net::TcpListener>,
    up: watch::Sender<bool>,
    stopped: Mutex<std::sync::mpsc::Receiver<()>>,
}

/// Binds 127.0.0.1:0 and starts serving on a private one-worker runtime.
pub(crate) fn spawn(shared: Arc<Shared>) -> io::Result<(SocketAddr, Control)> {
    let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("fake-akismet")
        .enable_all()
        .build()?;
    let (tx, rx) = mpsc::unbounded_channel();
    let (up, _) = watch::channel(true);
    let (stopped_tx, stopped_rx) = std::sync::mpsc::channel();
    runtime.spawn(accept_loop(
        Arc::clone(&shared),
        rx,
        up.subscribe(),
        stopped_tx,
    ));
    tx.send(listener)
        .map_err(|_| io::Error::other("fake server did not start"))?;
    Ok((
        addr,
        Control {
            runtime: Some(runtime),
            shared,
            listeners: tx,
            up,
            stopped: Mutex::new(stopped_rx),
        },
    ))
}

fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

impl Control {
    /// Closes the listener and every connection, and waits (up to 2 s) until they are gone.
    pub(crate) fn stop_listening(&self) {
        if !self.up.send_replace(false) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        if let Ok(rx) = self.stopped.lock() {
            let _ = rx.recv_timeout(Duration::from_secs(2));
        }
        while self.shared.open.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Listens on `addr` again.
    pub(crate) fn listen(&self, addr: SocketAddr) -> io::Result<()> {
        if *self.up.borrow() {
            return Ok(());
        }
        let listener = bind(addr)?;
        self.up.send_replace(true);
        self.listeners
            .send(listener)
            .map_err(|_| io::Error::other("fake server has stopped"))
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        // Drops every task (closing every socket) without blocking; safe inside async tests.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn accept_loop(
    shared: Arc<Shared>,
    mut listeners: mpsc::UnboundedReceiver<std::net::TcpListener>,
    up: watch::Receiver<bool>,
    stopped: std::sync::mpsc::Sender<()>,
) {
    while let Some(std_listener) = listeners.recv().await {
        let Ok(listener) = TcpListener::from_std(std_listener) else {
            continue;
        };
        let mut watch_up = up.clone();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let id = shared.accepted.fetch_add(1, Ordering::SeqCst) + 1;
                    let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
                    shared.peak_open.fetch_max(open, Ordering::SeqCst);
                    let guard = OpenGuard(Arc::clone(&shared));
                    let mut conn_up = up.clone();
                    tokio::spawn(async move {
                        let _guard = guard;
                        tokio::select! {
                            _ = serve(&_guard.0, stream, id) => {}
                            _ = conn_up.wait_for(|up| !*up) => {}
                        }
                    });
                }
                _ = watch_up.wait_for(|up| !*up) => break,
            }
        }
        drop(listener);
        let _ = stopped.send(());
    }
}

/// Counts a connection as closed however its task ends (finished, cancelled or dropped).
struct OpenGuard(Arc<Shared>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(shared: &Shared, mut stream: TcpStream, id: usize) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(4096);
    loop {
        let req = match read_request(&mut stream, &mut buf, id).await {
            Ok(Some(req)) => req,
            Ok(None) => return,
            Err(reply) => {
                let _ = write_reply(&mut stream, &reply, true).await;
                return;
            }
        };
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let reply = match plan(shared, req) {
            Plan::Reply { reply, delay } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                reply
            }
            Plan::Fault(fault) => match fault {
                Fault::Status(code) => {
                    Reply::status(code, reason(code), "<html><body>Server error</body></html>")
                }
                Fault::RateLimit(retry_after) => {
                    let mut r = Reply::status(429, "Too Many Requests", "Too many requests");
                    if let Some(v) = retry_after {
                        r.headers.push(("Retry-After", v));
                    }
                    r
                }
                Fault::Garbage(body) => Reply::status(200, "OK", &body),
                Fault::Hang => {
                    // Hold the connection open and silent until the client gives up.
                    let mut sink = [0u8; 1024];
                    while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                    return;
                }
                Fault::Malformed => {
                    let _ = stream
                        .write_all(b"\x00\x7fgarbage that is not HTTP\r\n\r\n")
                        .await;
                    return;
                }
                Fault::Reset => {
                    // SO_LINGER 0 turns the close into a TCP RST.
                    let _ = stream.set_zero_linger();
                    return;
                }
                Fault::Close | Fault::Delay(_) => return,
            },
        };
        if write_reply(&mut stream, &reply, close).await.is_err() || close {
            return;
        }
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

async fn write_reply(stream: &mut TcpStream, reply: &Reply, close: bool) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nServer: ferret-fake-akismet\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        reply.status,
        reply.reason,
        reply.content_type,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    stream.write_all(out.as_bytes()).await
}

/// Reads one request. `Ok(None)` on a clean EOF between requests; `Err(reply)` for a request
/// the fake refuses (malformed, too large, chunked).
async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    connection: usize,
) -> Result<Option<FakeRequest>, Reply> {
    loop {
        if !buf.is_empty() {
            if let Some(parsed) = parse_head(buf, connection)? {
                let (mut req, head_len, body_len) = parsed;
                while buf.len() < head_len + body_len {
                    if read_more(stream, buf).await? == 0 {
                        return Ok(None);
                    }
                }
                let body: Vec<u8> = buf.drain(..head_len + body_len).skip(head_len).collect();
                req.params.extend(crate::wire::decode_form(&body));
                return Ok(Some(req));
            }
        }
        if read_more(stream, buf).await? == 0 {
            return Ok(None);
        }
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<usize, Reply> {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(n)
        }
        Err(_) => Ok(0),
    }
}

/// Parses the request head in `buf`: `Ok(None)` if incomplete; else the request (query params
/// filled in), the head length and the body length.
pub(crate) fn parse_head(
    buf: &[u8],
    connection: usize,
) -> Result<Option<(FakeRequest, usize, usize)>, Reply> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(Reply::status(
                431,
                "Request Header Fields Too Large",
                "too large",
            ))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Reply::status(400, "Bad Request", "bad request")),
    };
    let method = req.method.unwrap_or("").to_owned();
    let target = req.path.unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some() {
        return Err(Reply::status(
            501,
            "Not Implemented",
            "chunked bodies are not supported",
        ));
    }
    let body_len = match header("content-length").map(|v| v.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(n)) if n <= MAX_BODY => n,
        Some(Ok(_)) => return Err(Reply::status(413, "Payload Too Large", "too large")),
        Some(Err(_)) => return Err(Reply::status(400, "Bad Request", "bad content-length")),
    };
    if method != "GET" && method != "POST" {
        return Err(Reply::status(405, "Method Not Allowed", "use GET or POST"));
    }
    let request = FakeRequest {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        params: crate::wire::decode_form(query.as_bytes()),
        headers,
        connection,
        fault: None,
    };
    Ok(Some((request, head_len, body_len)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_form_post_with_query() {
        let raw = b"POST /1.2/usage-limit?extended=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\napi_key=abcd";
        let (req, head, body) = parse_head(raw, 7).unwrap().unwrap();
        assert_eq!(
            (req.method.as_str(), req.path.as_str()),
            ("POST", "/1.2/usage-limit")
        );
        assert_eq!(req.param("extended"), Some("1"));
        assert_eq!(req.connection, 7);
        assert_eq!(head + body, raw.len());
    }

    #[test]
    fn refuses_what_it_does_not_speak() {
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(parse_head(chunked, 1).err().map(|r| r.status), Some(501));
        let huge = b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n";
        assert_eq!(parse_head(huge, 1).err().map(|r| r.status), Some(413));
        assert_eq!(
            parse_head(b"\x00\x01\r\n\r\n", 1).err().map(|r| r.status),
            Some(400)
        );
        assert!(parse_head(b"POST / HTTP/1.1\r\nHost:", 1)
            .unwrap()
            .is_none());
    }

    proptest! {
        #[test]
        fn parse_head_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_head(&bytes, 1);
        }
    }
}

//! Mail reduced to what a comment has: the subject and the readable body, without headers.
//!
//! Comments have no `Received:` chains or `X-Mailer:` lines; a model trained on whole RFC 822 messages
//! learns those instead of the words. [`mail_text`] keeps the `Subject`, walks MIME parts (to a
//! bounded depth), decodes quoted-printable and base64 text parts, drops attachments and turns HTML
//! into text. It never fails: anything it cannot parse is passed through as text.

/// Deepest MIME nesting followed.
const MAX_DEPTH: usize = 6;

/// The subject and readable body of a raw RFC 822 message.
///
/// ```
/// let raw = "From: a@b\r\nSubject: Hello there\r\nContent-Type: text/html\r\n\r\n<p>Buy <b>now</b></p>";
/// assert_eq!(ferret_features::mail::mail_text(raw).trim(), "Hello there\n\n Buy  now");
/// ```
pub fn mail_text(raw: &str) -> String {
    let (headers, body) = split_headers(raw);
    let mut out = String::with_capacity(body.len().min(1 << 16));
    if let Some(subject) = header(headers, "subject") {
        out.push_str(subject.trim());
        out.push_str("\n\n");
    }
    part_text(headers, body, &mut out, 0);
    out
}

/// Splits at the first empty line, if there is one and everything before it is a header block: `Name: value` lines,
/// folded continuations, and optionally an mbox `From ` line first. Anything else (an SMS that reads
/// "Sorry: call you later") has no headers and is all body.
fn split_headers(raw: &str) -> (&str, &str) {
    let Some((head, body)) = ["\r\n\r\n", "\n\n"]
        .iter()
        .filter_map(|sep| raw.find(sep).map(|i| (i, sep.len())))
        .min()
        .map(|(i, n)| (&raw[..i], &raw[i + n..]))
    else {
        return ("", raw); // no blank line: no header block
    };
    let mut headers = 0;
    for (k, line) in head.lines().enumerate() {
        if k == 0 && line.starts_with("From ") {
            continue;
        }
        if line.starts_with([' ', '\t']) && headers > 0 {
            continue;
        }
        let is_header = line.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        if !is_header {
            return ("", raw);
        }
        headers += 1;
    }
    if headers == 0 {
        return ("", raw);
    }
    (head, body)
}

/// The unfolded value of the first header called `name` (case-insensitive).
fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    let mut lines = headers.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        // Folded continuation lines: return only the first physical line's span when there are none;
        // otherwise the value up to the last continuation line (callers only need the parameters).
        let start = v.as_ptr() as usize - headers.as_ptr() as usize;
        let mut end = start + v.len();
        while let Some(next) = lines.peek() {
            if next.starts_with([' ', '\t']) {
                end = next.as_ptr() as usize - headers.as_ptr() as usize + next.len();
                lines.next();
            } else {
                break;
            }
        }
        return Some(&headers[start..end]);
    }
    None
}

/// The value of `param=` in a structured header such as `Content-Type`.
fn param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    for piece in value.split(';').skip(1) {
        let (k, v) = piece.split_once('=')?;
        if k.trim().eq_ignore_ascii_case(name) {
            return Some(v.trim().trim_matches('"'));
        }
    }
    None
}

fn part_text(headers: &str, body: &str, out: &mut String, depth: usize) {
    let ctype = header(headers, "content-type").unwrap_or("text/plain");
    let mime = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime.starts_with("multipart/") && depth < MAX_DEPTH {
        if let Some(boundary) = param(ctype, "boundary").filter(|b| !b.is_empty()) {
            let delim = format!("--{boundary}");
            for part in body.split(delim.as_str()).skip(1) {
                if part.starts_with("--") {
                    break;
                }
                let (h, b) = split_headers(part.trim_start_matches(['\r', '\n']));
                part_text(h, b, out, depth + 1);
            }
            return;
        }
    }
    if !(mime.is_empty() || mime.starts_with("text/") || mime.starts_with("multipart/")) {
        return; // attachments, images
    }
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let decoded = match encoding.as_str() {
        "quoted-printable" => quoted_printable(body),
        "base64" => base64(body),
        _ => body.to_owned(),
    };
    if mime.contains("html") {
        html_to_text(&decoded, out);
    } else {
        out.push_str(&decoded);
    }
    out.push('\n');
}

fn quoted_printable(s: &str) -> String {
    let out = decode_quoted_printable(s.as_bytes(), false).unwrap_or_default();
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(s: &str) -> String {
    let out = decode_base64(s.as_bytes(), false).unwrap_or_default();
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes quoted-printable (RFC 2045): `=XX` becomes the byte, a soft line break (`=` before a
/// line end, blanks allowed in between, or `=` at the very end) vanishes.
///
/// With `strict`, any other `=` is an error naming its byte offset; otherwise it stays as it is
/// (what mail readers do, and what RFC 2047 `Q` words need).
///
/// ```
/// use ferret_features::mail::decode_quoted_printable;
/// assert_eq!(decode_quoted_printable(b"caf=C3=A9 a=\r\nb", true).unwrap(), "café ab".as_bytes());
/// assert_eq!(decode_quoted_printable(b"1=2", false).unwrap(), b"1=2");
/// assert!(decode_quoted_printable(b"1=2", true).is_err());
/// ```
pub fn decode_quoted_printable(s: &[u8], strict: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &s[i + 1..];
        let ws = rest
            .iter()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count();
        if rest[ws..].starts_with(b"\r\n") {
            i += 1 + ws + 2;
        } else if rest[ws..].starts_with(b"\n") {
            i += 1 + ws + 1;
        } else if rest.len() == ws {
            i = s.len();
        } else if let (Some(h), Some(l)) = (rest.first().and_then(hex), rest.get(1).and_then(hex)) {
            out.push(h << 4 | l);
            i += 3;
        } else if strict {
            return Err(format!(
                "invalid quoted-printable escape {:?} at byte {i} of the part",
                String::from_utf8_lossy(&s[i..(i + 3).min(s.len())])
            ));
        } else {
            out.push(b'=');
            i += 1;
        }
    }
    Ok(out)
}

fn hex(c: &u8) -> Option<u8> {
    (*c as char).to_digit(16).map(|d| d as u8)
}

/// Decodes base64, skipping whitespace.
///
/// With `strict`, any character outside the standard alphabet, data after `=` padding, or a
/// dangling final character is an error naming what is wrong; otherwise other characters are
/// skipped, the URL-safe alphabet (`-`, `_`) is accepted and decoding stops at the first `=`.
///
/// ```
/// use ferret_features::mail::decode_base64;
/// assert_eq!(decode_base64(b"aGVs\nbG8=", true).unwrap(), b"hello");
/// assert!(decode_base64(b"aGV*", true).is_err());
/// assert_eq!(decode_base64(b"aG*Vs", false).unwrap(), b"hel");
/// ```
pub fn decode_base64(s: &[u8], strict: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits, mut n, mut pad) = (0u32, 0u32, 0usize, false);
    for (i, &c) in s.iter().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'-' if !strict => 62,
            b'_' if !strict => 63,
            b'=' if !strict => break,
            b'=' => {
                pad = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ if !strict => continue,
            _ => {
                return Err(format!(
                    "invalid base64 character {:?} at byte {i} of the part",
                    c as char
                ))
            }
        };
        if pad {
            return Err(format!(
                "base64 data after `=` padding at byte {i} of the part"
            ));
        }
        n += 1;
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if strict && n % 4 == 1 {
        return Err("truncated base64 (a dangling character at the end of the part)".into());
    }
    Ok(out)
}

/// Drops tags (a tag becomes a space, so `<p>a</p><p>b</p>` stays two words), comments, `<script>`
/// and `<style>` contents, and decodes the common entities.
fn html_to_text(html: &str, out: &mut String) {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_entities(&rest[..lt], out);
        let after = &rest[lt..];
        let lower_start: String = after
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let close = if after.starts_with("<!--") {
            after.find("-->").map(|i| i + 3)
        } else if lower_start.starts_with("<script") || lower_start.starts_with("<style") {
            let tag = if lower_start.starts_with("<script") {
                "</script"
            } else {
                "</style"
            };
            find_ci(after, tag).and_then(|i| after[i..].find('>').map(|j| i + j + 1))
        } else {
            after.find('>').map(|i| i + 1)
        };
        match close {
            Some(n) => {
                // Comments are deleted outright (defeats `Wr<!--x-->inkle`); tags become a space.
                if !after.starts_with("<!--") {
                    out.push(' ');
                }
                rest = &after[n..];
            }
            None => {
                rest = "";
            }
        }
    }
    push_entities(rest, out);
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Appends `s` to `out` with HTML character references decoded: the common named ones (`&amp;`,
/// `&nbsp;`, typographic quotes, dashes, `&hellip;`) and numeric ones (`&#233;`, `&#xE9;`);
/// anything else is kept as written. Shared by the mail reader and the importers.
pub fn push_entities(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.find(';').filter(|&i| i <= 10);
        let decoded = end.and_then(|i| {
            let name = &after[1..i];
            match name {
                "nbsp" => Some(' '),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "rsquo" | "lsquo" => Some('\''),
                "ldquo" | "rdquo" => Some('"'),
                "hellip" => Some('…'),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
        });
        match (decoded, end) {
            (Some(c), Some(i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            _ => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_headers_keeps_subject() {
        let raw = "Received: from x\nFrom: a@b.example\nSubject: Cheap\n meds\n\nHello\nworld\n";
        let t = mail_text(raw);
        assert!(t.starts_with("Cheap\n meds\n\nHello\nworld"), "{t:?}");
        assert!(!t.contains("Received"));
    }

    #[test]
    fn walks_multipart_and_decodes() {
        let raw = "Subject: s\nContent-Type: multipart/alternative; boundary=\"XX\"\n\n\
                   preamble\n--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n\
                   caf=C3=A9 soft=\nbreak\n--XX\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n\
                   PGI+Qm9sZDwvYj4mYW1wOw==\n--XX\nContent-Type: image/png\n\niVBORw0KGgo=\n--XX--\n";
        let t = mail_text(raw);
        assert!(t.contains("café softbreak"), "{t:?}");
        assert!(t.contains(" Bold &"), "{t:?}");
        assert!(!t.contains("iVBOR") && !t.contains("preamble"), "{t:?}");
    }

    #[test]
    fn html_comments_and_scripts_vanish() {
        let mut out = String::new();
        html_to_text(
            "Wr<!--x-->inkle<script>var a=1;</script> &#65;&#x42;&bogus",
            &mut out,
        );
        assert_eq!(out, "Wrinkle  AB&bogus");
    }

    #[test]
    fn text_without_headers_is_all_body() {
        assert_eq!(
            mail_text("Hi there: how are you?\n\nBye").trim(),
            "Hi there: how are you?\n\nBye"
        );
        assert_eq!(mail_text("just a note").trim(), "just a note");
        assert_eq!(mail_text("Sorry: call later").trim(), "Sorry: call later");
        let mbox = "From a@b  Thu Aug 22 2002\nSubject: hi\nX-A: 1\n  folded\n\nbody";
        assert_eq!(mail_text(mbox), "hi\n\nbody\n");
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [
            "",
            "\n\n",
            "Content-Type: multipart/mixed; boundary=\n\n--",
            "=",
            "a=\r",
            "<",
            "&#99999999;",
        ] {
            let _ = mail_text(raw);
            let _ = quoted_printable(raw);
            let mut s = String::new();
            html_to_text(raw, &mut s);
        }
    }
}

//! The bench's fixtures, shared by `benches/rules.rs` (criterion) and `examples/rules_hot_path.rs`
//! (callgrind): every rule on, key lists of `n` entries, a corpus of ordinary comments.
#![allow(dead_code)]

pub mod core_probe;

use ferret_features::Comment;
use ferret_rules::{FormSecret, FormTokens, MemoryAuthors, Rules, RulesConfig};

pub const SECRET: &str = "bench secret, 32 bytes long.....";

/// A pseudo-word of 7 letters, all positions varied (so no prefilter shortcut: the first letters
/// are as spread as in a real list), e.g. `aaaaaab`, `qmzfkcw`.
pub fn fake_word(i: usize) -> String {
    let mut s = String::new();
    let mut n = i.wrapping_mul(2_654_435_761) % 8_031_810_176; // 26^7, scrambled
    for _ in 0..7 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

fn quoted(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.map(|s| format!("{s:?}")).collect();
    format!("[{}]", v.join(", "))
}

/// Every rule on; key lists of `n` entries each (words, IPs, e-mails, hosts); with `regex`, three
/// opt-in regexes too.
pub fn rules(n: usize, regex: bool) -> Rules {
    rules_with(n, regex, true)
}

pub fn rules_with(n: usize, regex: bool, token: bool) -> Rules {
    Rules::new(&config(n, regex, token)).unwrap()
}

/// The configuration behind [`rules_with`], for callers that switch single rules off.
pub fn config(n: usize, regex: bool, token: bool) -> RulesConfig {
    let small_words = [
        "online casino",
        "replica watches",
        "payday loan",
        "buy backlinks",
        "cheap jerseys",
        "essay writing service",
        "weight loss pills",
        "male enhancement",
        "free spins",
        "hot singles",
    ];
    let words = if n <= small_words.len() {
        quoted(small_words.iter().map(|s| s.to_string()))
    } else {
        quoted((0..n).map(fake_word))
    };
    let ips = quoted((0..n.max(10)).map(|i| {
        if i % 2 == 0 {
            format!("10.{}.{}.0/24", (i / 2) >> 8 & 255, (i / 2) & 255)
        } else {
            format!("2001:db8:{:x}::/48", i / 2)
        }
    }));
    let emails = quoted((0..n.max(10)).map(|i| format!("spammer{i}@mail{}.example", i % 1000)));
    let hosts = quoted((0..n.max(10)).map(|i| format!("spam-host-{i}.example")));
    let regex = if regex {
        r"regex = ['\bv[i1]agr[a@]\b', 'c[i1]al[i1]s\s+online', '^\d{9,}$']"
    } else {
        ""
    };
    let toml_text = format!(
        r#"
        [disallowed]
        words = {words}
        ips = {ips}
        emails = {emails}
        hosts = {hosts}
        {regex}
        [moderation]
        words = ["crypto", "forex", "seo"]
        hosts = ["bit.ly", "tinyurl.com"]
        [token]
        enabled = {token}
        secret = "{SECRET}"
        [flood]
        max_comments = 5
        window_secs = 60
        "#
    );
    toml::from_str(&toml_text).unwrap()
}

/// Ordinary comments with every field set: none trips a rule.
pub fn corpus() -> Vec<Comment> {
    let texts = [
        "Thanks for the detailed write-up. I tried the sourdough method with rye and the crumb came out much more open than before. Do you proof overnight in the fridge or on the counter?",
        "Great post! I have been looking for a clear explanation of how the borrow checker treats two-phase borrows, and this is the first one that made sense to me.",
        "I disagree with the second point: in my experience the cache hit rate drops sharply once the working set exceeds L2, so the benchmark on a laptop says little about a server. See https://example.org/notes/cache for my numbers.",
        "Merci pour l'article ! J'ai essayé la recette avec de la farine d'épeautre et le résultat était très bon, même si la pâte était un peu collante au départ.",
        "Small typo in the third paragraph: 'their' should be 'there'. Otherwise a lovely read, thank you.",
        "Ich habe die Anleitung Schritt für Schritt befolgt und es hat auf Anhieb funktioniert. Nur die Größe der Form würde ich beim nächsten Mal anpassen.",
        "Is there an RSS feed for the comments? I would like to follow this discussion without checking back every day.",
        "We ran into the same issue in production last year. Pinning the dependency and adding a regression test was the only thing that stopped it from coming back.",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut c = Comment {
                comment_author: Some(format!("Reader {i}")),
                comment_author_email: Some(format!("reader{i}@example.net")),
                comment_author_url: Some(format!("https://reader{i}.example.net/")),
                comment_content: Some((*t).to_owned()),
                user_ip: Some(if i % 2 == 0 {
                    format!("192.0.2.{}", 10 + i)
                } else {
                    format!("2001:db8:ffff::{i}")
                }),
                user_agent: Some(
                    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".into(),
                ),
                comment_type: Some("comment".into()),
                permalink: Some("https://blog.example/2024/bread".into()),
                honeypot_field_name: Some("hp_url".into()),
                ..Comment::default()
            };
            c.server.insert("hp_url".into(), String::new());
            c.server.insert("comment_post_ID".into(), "42".into());
            c
        })
        .collect()
}

/// A copy of `c` with a fresh form token for post 42, issued 30 s before `now`.
pub fn with_token(c: &Comment, tokens: &FormTokens, now: i64) -> Comment {
    let mut c = c.clone();
    c.server
        .insert("ferret_token".into(), tokens.issue("42", now - 30).unwrap());
    c
}

/// The corpus as the comments a site receives: each an hour after the last (so duplicates and
/// floods never fire), each with a fresh token issued 30 s before it is checked.
pub struct Fresh {
    corpus: Vec<Comment>,
    tokens: FormTokens,
    now: i64,
    i: usize,
}

impl Fresh {
    pub fn new() -> Fresh {
        Fresh {
            corpus: corpus(),
            tokens: tokens(),
            now: 1_700_000_000,
            i: 0,
        }
    }

    /// The corpus' next comment and the time it is checked at.
    pub fn next_comment(&mut self) -> (Comment, i64) {
        self.i += 1;
        let c = &self.corpus[self.i % self.corpus.len()];
        self.now += 3601;
        (with_token(c, &self.tokens, self.now), self.now)
    }

    /// `c` with a fresh token, and the time it is checked at (an hour after the last comment).
    pub fn next_of(&mut self, c: &Comment) -> (Comment, i64) {
        self.now += 3601;
        (with_token(c, &self.tokens, self.now), self.now)
    }
}

/// The median of `v` (reordered).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The token issuer of the rules' `[token]` table (same secret; issuing needs nothing else).
pub fn tokens() -> FormTokens {
    FormTokens::new(FormSecret::new(SECRET).unwrap())
}

/// Approved-comment history of 1,000 authors, none of them the corpus' authors: the
/// trusted-author lookup runs and misses.
pub fn history() -> MemoryAuthors {
    let authors = MemoryAuthors::new();
    for i in 0..1000 {
        let mut a = Comment::from_text("x");
        a.comment_author_email = Some(format!("known{i}@example.org"));
        authors.record_approved(authors.keys().of(&a).unwrap());
    }
    authors
}

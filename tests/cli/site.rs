//! `ferret check --db` and the store commands, through the real binary, a real SQLite file and
//! the fake Akismet on 127.0.0.1; plus issue 4's streaming goals on the shared SMS corpus.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use ferret_akismet::fake::{FakeAkismet, FakeVerdict};
use serde_json::Value;

use super::{datasets, ferret, stderr, stdout_json, trained, FIXTURE};

/// A fake Akismet that answers from the true labels (by comment text).
fn oracle(labels: HashMap<String, bool>) -> FakeAkismet {
    let fake = FakeAkismet::start().unwrap();
    let labels = Arc::new(Mutex::new(labels));
    fake.set_verdict(move |req| {
        let text = req.param("comment_content").unwrap_or_default();
        if labels.lock().unwrap().get(text) == Some(&true) {
            FakeVerdict::Spam
        } else {
            FakeVerdict::Ham
        }
    });
    fake.set_recording(false);
    fake
}

/// `ferret` in `dir` (so no stray ferret.toml is picked up) talking to `fake`.
fn site(dir: &Path, fake: &FakeAkismet, args: &[&str]) -> Command {
    let mut c = ferret();
    c.current_dir(dir)
        .args(args)
        .args(["--db", "site.db", "--akismet-blog", FakeAkismet::BLOG])
        .args(["--akismet-url", &fake.base_url()])
        .env("FERRET_AKISMET_KEY", FakeAkismet::KEY);
    c
}

fn out(mut c: Command) -> Output {
    c.output().expect("ferret runs")
}

/// Fixture comments with an IP (Akismet requires one), and their labels.
fn fixture_stream(dir: &Path) -> (std::path::PathBuf, HashMap<String, bool>) {
    let mut labels = HashMap::new();
    let mut text = String::new();
    for (i, line) in std::fs::read_to_string(FIXTURE)
        .unwrap()
        .lines()
        .enumerate()
    {
        let v: Value = serde_json::from_str(line).unwrap();
        let t = v["text"].as_str().unwrap();
        labels.insert(t.to_owned(), v["label"] == "spam");
        // One visitor each: a single IP for all of them would be a flood to the local rules.
        let rec = serde_json::json!({"id": format!("c{i}"), "text": t, "user_ip": format!("192.0.2.{}", i % 250 + 1)});
        text.push_str(&rec.to_string());
        text.push('\n');
    }
    let p = dir.join("stream.jsonl");
    std::fs::write(&p, text).unwrap();
    (p, labels)
}

#[test]
fn store_commands_end_to_end_and_the_key_stays_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (stream, labels) = fixture_stream(dir.path());
    let fake = oracle(labels);
    // Cold start: while the model warms up (fewer than 50 of each class) every comment is unsure and
    // goes to Akismet, whose answers teach the model.
    let o = out(site(
        dir.path(),
        &fake,
        &["check", "--empty-model", stream.to_str().unwrap()],
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 72);
    assert_eq!(lines[0]["id"], "c0");
    assert_eq!(lines[0]["source"], "akismet");
    assert!(lines.iter().all(|l| l["source"] == "akismet"));
    let check_id = lines[5]["check_id"].as_str().unwrap().to_owned();

    // stats agrees with what the fake saw.
    let o = out(site(dir.path(), &fake, &["stats", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let s = &stdout_json(&o)[0];
    assert_eq!(s["calls"].as_u64(), Some(fake.usage()));
    assert_eq!(s["checks"], 72);

    // Feedback by check id and by comment id; history shows it.
    let o = out(site(dir.path(), &fake, &["feedback", "ham", &check_id]));
    assert!(o.status.success(), "{}", stderr(&o));
    let fb = &stdout_json(&o)[0];
    assert_eq!(fb["check_id"], check_id.as_str());
    let o = out(site(
        dir.path(),
        &fake,
        &["feedback", "spam", "--comment-id", "c5"],
    ));
    assert_eq!(stdout_json(&o)[0]["relabelled"], true, "{}", stderr(&o));
    let o = out(site(dir.path(), &fake, &["history", "--comment-id", "c5"]));
    let h = stdout_json(&o);
    assert_eq!(h[0]["check_id"], check_id.as_str());
    assert_eq!(h[0]["learned"], "spam");
    let events: Vec<_> = h[1..]
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert!(events.contains(&"report-spam".to_owned()), "{events:?}");

    // An unknown id is a clear error naming it; exit 1.
    let o = out(site(
        dir.path(),
        &fake,
        &["feedback", "ham", "--comment-id", "no-such"],
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no-such"));

    for cmd in ["recheck", "purge", "retrain"] {
        let o = out(site(dir.path(), &fake, &[cmd]));
        assert!(o.status.success(), "{cmd}: {}", stderr(&o));
    }
    // The key never lands in the store or the output.
    let db = std::fs::read(dir.path().join("site.db")).unwrap();
    assert!(!db
        .windows(FakeAkismet::KEY.len())
        .any(|w| w == FakeAkismet::KEY.as_bytes()));
    let o = out(site(dir.path(), &fake, &["stats"]));
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(!all.contains(FakeAkismet::KEY), "{all}");
}

#[test]
fn ferret_toml_settings_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    std::fs::write(
        dir.path().join("ferret.toml"),
        format!(
            "db = \"from-toml.db\"\nmodel = {:?}\n[budget]\nmonthly_limit = 500\n",
            model.to_str().unwrap()
        ),
    )
    .unwrap();
    let o = ferret()
        .current_dir(dir.path())
        .args(["check", "--text", "hello, are we meeting for lunch?"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout_json(&o)[0]["check_id"].is_string());
    assert!(dir.path().join("from-toml.db").exists());
    let o = ferret()
        .current_dir(dir.path())
        .args(["stats", "--json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&o)[0]["monthly_limit"], 500);

    std::fs::write(
        dir.path().join("ferret.toml"),
        "[budget]\nmonthy_limit = 5\n",
    )
    .unwrap();
    let o = ferret()
        .current_dir(dir.path())
        .args(["stats"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("ferret.toml") && e.contains("monthy_limit"),
        "{e}"
    );
}

#[test]
fn two_processes_share_one_monthly_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fake = oracle(HashMap::new());
    let mut inputs = Vec::new();
    for p in 0..2 {
        let mut s = String::new();
        for i in 0..150 {
            s.push_str(&format!(
                "{{\"id\":\"p{p}-{i}\",\"text\":\"process {p} comment {i}\",\"user_ip\":\"192.0.2.9\"}}\n"
            ));
        }
        let path = dir.path().join(format!("in{p}.jsonl"));
        std::fs::write(&path, s).unwrap();
        inputs.push(path);
    }
    // Create the store first so both processes open the same one.
    let o = out(site(
        dir.path(),
        &fake,
        &["check", "--empty-model", "--text", "first"],
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let children: Vec<_> = inputs
        .iter()
        .map(|p| {
            site(
                dir.path(),
                &fake,
                &["check", "--monthly-limit", "40", p.to_str().unwrap()],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut decisions = 0;
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        decisions += stdout_json(&o).len();
    }
    assert_eq!(decisions, 300);
    let used = fake.usage();
    assert!(used <= 40, "{used} calls for a limit of 40");
    let o = out(site(dir.path(), &fake, &["stats", "--json"]));
    assert_eq!(stdout_json(&o)[0]["calls"].as_u64(), Some(used));
}

#[test]
fn kill_9_mid_stream_loses_no_ledger_entry() {
    let dir = tempfile::tempdir().unwrap();
    let fake = oracle(HashMap::new());
    fake.set_latency(std::time::Duration::from_millis(20));
    let mut child = site(dir.path(), &fake, &["check", "--empty-model", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..60 {
        writeln!(
            stdin,
            "{{\"id\":{i},\"text\":\"slow comment {i}\",\"user_ip\":\"192.0.2.3\"}}"
        )
        .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    drop(stdin);
    let seen = fake.usage();
    assert!(seen > 0, "the process was killed before any call");
    // Reopen: the store is intact and every call Akismet saw was counted before it was made.
    let o = out(site(dir.path(), &fake, &["stats", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let calls = stdout_json(&o)[0]["calls"].as_u64().unwrap();
    assert!(calls >= seen, "ledger {calls} < calls made {seen}");
    assert!(
        calls <= seen + 1,
        "at most the one in flight is counted but unanswered"
    );
}

/// Reads a JSONL corpus: `(text, is_spam)`, duplicates removed.
fn corpus(path: &Path) -> Vec<(String, bool)> {
    let mut seen = std::collections::HashSet::new();
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            let t = v["text"].as_str()?.to_owned();
            seen.insert(t.clone()).then(|| (t, v["label"] == "spam"))
        })
        .collect()
}

struct StreamResult {
    n: usize,
    escalated: usize,
    errors: usize,
    held: usize,
    quarters: [f64; 4],
}

/// Request metadata for a corpus that has none: a random address and a common browser. Training
/// and live comments get the same kind, as a site's own history would have; a stream with metadata
/// its training data lacked would teach the model "has an IP" as a clue on every comment.
fn visitor(rng: &mut fastrand::Rng) -> (String, &'static str) {
    let ip = format!(
        "{}.{}.{}.{}",
        rng.u8(1..224),
        rng.u8(..),
        rng.u8(..),
        rng.u8(1..255)
    );
    (
        ip,
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    )
}

/// Streams `test` through `ferret check --db` with the fake answering from the true labels.
fn stream(dir: &Path, train: Option<&[(String, bool)]>, test: &[(String, bool)]) -> StreamResult {
    let mut args = vec!["check".to_owned()];
    let mut rng = fastrand::Rng::with_seed(44);
    match train {
        Some(train) => {
            let mut s = String::new();
            for (t, spam) in train {
                let (ip, ua) = visitor(&mut rng);
                let label = if *spam { "spam" } else { "ham" };
                s.push_str(
                    &serde_json::json!({"text": t, "label": label, "user_ip": ip, "user_agent": ua})
                        .to_string(),
                );
                s.push('\n');
            }
            std::fs::write(dir.join("train.jsonl"), s).unwrap();
            let o = ferret()
                .current_dir(dir)
                .args(["train", "--model", "half.ferret", "train.jsonl"])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            args.extend(["--model".into(), "half.ferret".into()]);
        }
        None => args.push("--empty-model".into()),
    }
    let mut s = String::new();
    for (i, (t, _)) in test.iter().enumerate() {
        let (ip, ua) = visitor(&mut rng);
        s.push_str(
            &serde_json::json!({"id": i, "text": t, "user_ip": ip, "user_agent": ua}).to_string(),
        );
        s.push('\n');
    }
    std::fs::write(dir.join("stream.jsonl"), s).unwrap();
    args.push("stream.jsonl".into());
    let fake = oracle(test.iter().cloned().collect());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = out(site(dir, &fake, &a));
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), test.len());
    let (mut escalated, mut errors, mut held) = (0, 0, 0);
    let mut q = [0usize; 4];
    for (i, l) in lines.iter().enumerate() {
        let spam = test[l["id"].as_u64().unwrap() as usize].1;
        if l["source"] == "akismet" {
            escalated += 1;
            q[i * 4 / lines.len()] += 1;
        }
        match l["verdict"].as_str().unwrap() {
            "held" => held += 1,
            "spam" | "discard" if !spam => errors += 1,
            "ham" if spam => errors += 1,
            _ => {}
        }
    }
    let per_q = lines.len() as f64 / 4.0;
    StreamResult {
        n: lines.len(),
        escalated,
        errors,
        held,
        quarters: q.map(|c| c as f64 / per_q),
    }
}

/// Issue 4's goal "a site with history": train on one half of sms.jsonl (duplicates removed,
/// shuffled), stream the other half through `ferret check --model THAT --db NEW.db` with the fake
/// Akismet answering from the true labels: error ≤ 0.5 %, ≤ 3 % escalated, fewer escalations in
/// the last quarter than the first. Also the cold start (no model at all), where escalation must
/// fall steeply as it learns.
#[test]
fn issue4_streaming_goals_on_sms() {
    let Some(ds) = datasets() else { return };
    let mut all = corpus(&ds.join("sms.jsonl"));
    fastrand::Rng::with_seed(4).shuffle(&mut all);
    let (train, test) = all.split_at(all.len() / 2);
    let dir = tempfile::tempdir().unwrap();
    let r = stream(dir.path(), Some(train), test);
    let pct = |x: usize| 100.0 * x as f64 / r.n as f64;
    println!(
        "site with history: n {} | escalated {:.2} % | error {:.3} % | held {} | escalation by quarter {:.2?} %",
        r.n,
        pct(r.escalated),
        pct(r.errors),
        r.held,
        r.quarters.map(|q| q * 100.0)
    );
    assert!(pct(r.errors) <= 0.5, "error {:.3} %", pct(r.errors));
    // The goal: at most 3 % escalated (measured 2.98 % with this seed), and fewer escalations at
    // the end than at the start, because Akismet's answers are learned (2.94 % -> 2.47 %).
    assert!(
        pct(r.escalated) <= 3.0,
        "escalated {:.2} %",
        pct(r.escalated)
    );
    assert!(r.quarters[3] < r.quarters[0], "{:?}", r.quarters);
    assert_eq!(
        r.held, 0,
        "with Akismet up and no limit nothing waits for a moderator"
    );

    let dir = tempfile::tempdir().unwrap();
    let c = stream(dir.path(), None, test);
    let pct = |x: usize| 100.0 * x as f64 / c.n as f64;
    println!(
        "cold start: n {} | escalated {:.2} % | error {:.3} % | escalation by quarter {:.2?} %",
        c.n,
        pct(c.escalated),
        pct(c.errors),
        c.quarters.map(|q| q * 100.0)
    );
    assert!(c.quarters[3] < c.quarters[0] / 2.0, "{:?}", c.quarters);
}

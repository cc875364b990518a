//! The real `ferret` binary, end to end: each test in its own temp dir, with the small fixtures in
//! `tests/fixtures/` (written for these tests) and, when present, the shared corpora.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

// The store commands (`check --db`, `feedback`, `stats`, …) and issue 4's goals.
#[path = "cli/site.rs"]
mod site;

// Issue 6's evaluation report, `ferret explain` and progress bars.
#[path = "cli/report.rs"]
mod report;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/train.jsonl");

fn ferret() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferret"));
    c.env_remove("FERRET_MODEL")
        .env_remove("FERRET_CONFIG")
        .env_remove("FERRET_AKISMET_KEY");
    c
}

fn run(args: &[&str]) -> Output {
    ferret().args(args).output().expect("ferret runs")
}

/// Runs `ferret train --model MODEL ARGS…`.
fn train(model: &Path, args: &[&str]) -> Output {
    ferret()
        .args(["train", "--model"])
        .arg(model)
        .args(args)
        .output()
        .expect("ferret runs")
}

fn stdout_json(o: &Output) -> Vec<Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A model trained on the fixture, in `dir`.
fn trained(dir: &Path) -> PathBuf {
    let model = dir.join("m.ferret");
    let o = train(&model, &[FIXTURE]);
    assert!(o.status.success(), "{}", stderr(&o));
    model
}

fn check_file(model: &Path, input: &Path) -> Output {
    run(&[
        "check",
        "--model",
        model.to_str().unwrap(),
        input.to_str().unwrap(),
    ])
}

/// `ferret check` on a file, with stdout and stderr piped, for tests that read output as it streams.
fn spawn_check(model: &Path, input: &Path) -> std::process::Child {
    ferret()
        .args([
            "check",
            "--model",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn train_then_check_keeps_order_ids_and_separates() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"id":"a","text":"Claim your FREE prize now!! Call 09061701461"}"#, "\n",
            r#"{"text":"Thanks, the second example fixed my build."}"#, "\n",
            "\n",
            r#"{"id":42,"comment_content":"cheap viagra at http://pills-discount.example/buy","comment_author":"x"}"#, "\n",
        ),
    )
    .unwrap();
    let o = check_file(&model, &input);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = stdout_json(&o);
    assert_eq!(lines.len(), 3, "one line per input, blank lines skipped");
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[1]["id"], 2, "no id: the 1-based line number");
    assert_eq!(lines[2]["id"], 42);
    for l in &lines {
        assert_eq!(l["source"], "model");
        let p = l["p_spam"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    assert_eq!(lines[0]["verdict"], "spam", "{lines:?}");
    assert_eq!(lines[1]["verdict"], "ham", "{lines:?}");
    assert_eq!(lines[2]["verdict"], "spam", "{lines:?}");
}

#[test]
fn check_text_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let o = run(&[
        "check",
        "--model",
        model.to_str().unwrap(),
        "--text",
        "Happy birthday! Lovely day",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["id"], 1);
    let mut child = ferret()
        .args(["check", "--model", model.to_str().unwrap(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"text\":\"hi\"}\n{\"text\":\"yo\"}")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        stdout_json(&o).len(),
        2,
        "a last line without newline counts"
    );
}

/// Issue 2, "Bad input": each bad line gets an error line naming it; the run goes on; exit 1.
#[test]
fn issue2_bad_lines_are_reported_and_the_run_continues() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let input = dir.path().join("bad.jsonl");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"text\":\"fine\"}\n"); // 1
    bytes.extend_from_slice(b"{\"text\":\"\xff\xfe broken\"}\n"); // 2 invalid UTF-8
    bytes.extend_from_slice(b"{not json}\n"); // 3
    bytes.extend_from_slice(b"{\"text\":\"\\ud800\"}\n"); // 4 lone surrogate
    bytes.extend_from_slice(b"{\"text\":\"nul \\u0000 inside\"}\n"); // 5 NUL: fine
    bytes.extend_from_slice(b"{\"text\":\"\"}\n"); // 6 empty text: fine
    bytes.extend_from_slice("{\"text\":\"\u{202E}rtl \u{200B}zero\u{FEFF}width\"}\n".as_bytes()); // 7
    bytes.extend_from_slice(b"{\"comment_content\": 5}\n"); // 8 wrong type
    bytes.extend_from_slice(b"[1,2]\n"); // 9 not an object
    std::fs::write(&input, bytes).unwrap();
    let o = check_file(&model, &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = stdout_json(&o);
    assert_eq!(v.len(), 9);
    for (i, line) in v.iter().enumerate() {
        assert_eq!(line["id"], i as u64 + 1);
    }
    let err = |i: usize| {
        v[i]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("line {}: {:?}", i + 1, v[i]))
            .to_owned()
    };
    assert!(err(1).contains("invalid UTF-8"));
    assert!(
        err(2).contains("key must be a string") || err(2).contains("expected"),
        "{}",
        err(2)
    );
    assert!(err(3).contains("Unicode"), "{}", err(3));
    assert!(err(7).contains("invalid type"), "{}", err(7));
    assert!(err(8).contains("invalid type"), "{}", err(8));
    for ok in [0, 4, 5, 6] {
        assert!(v[ok]["verdict"].is_string(), "line {}: {:?}", ok + 1, v[ok]);
    }
    assert!(stderr(&o).contains("5 input line(s)"), "{}", stderr(&o));
}

#[test]
fn ten_megabytes_of_text_gets_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let input = dir.path().join("big.jsonl");
    let text = "spam ham eggs ".repeat(10 << 20 >> 4);
    std::fs::write(&input, format!("{{\"text\":\"{text}\"}}\n")).unwrap();
    let o = check_file(&model, &input);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout_json(&o)[0]["verdict"].is_string());
}

#[test]
fn a_million_lines_stream_through_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let input = dir.path().join("million.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..1_000_000u32 {
        writeln!(w, "{{\"id\":{i},\"text\":\"comment number {i}\"}}").unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let mut child = spawn_check(&model, &input);
    let mut n = 0u32;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        assert!(
            line.starts_with(&format!("{{\"id\":{n},")),
            "line {n}: {line}"
        );
        n += 1;
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(n, 1_000_000);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let input = dir.path().join("many.jsonl");
    std::fs::write(&input, "{\"text\":\"x\"}\n".repeat(200_000)).unwrap();
    let mut child = spawn_check(&model, &input);
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("verdict"));
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn missing_corrupt_and_foreign_models_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.ferret");
    let o = run(&["check", "--model", missing.to_str().unwrap(), "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.ferret"), "{}", stderr(&o));

    let model = trained(dir.path());
    let mut bytes = std::fs::read(&model).unwrap();
    let cut = dir.path().join("cut.ferret");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&["check", "--model", cut.to_str().unwrap(), "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("truncated") && stderr(&o).contains("cut.ferret"),
        "{}",
        stderr(&o)
    );

    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let flipped = dir.path().join("flipped.ferret");
    std::fs::write(&flipped, &bytes).unwrap();
    let o = run(&["check", "--model", flipped.to_str().unwrap(), "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("corrupt"), "{}", stderr(&o));

    let o = run(&["check", "--model", FIXTURE, "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a Ferret model"), "{}", stderr(&o));

    let o = ferret()
        .args(["check", "--text", "x"])
        .env("FERRET_MODEL", &missing)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("default model") && stderr(&o).contains("--model"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn train_refuses_bad_lines_naming_file_line_and_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.jsonl");
    std::fs::write(
        &input,
        "{\"label\":\"spam\",\"text\":\"a\"}\n{\"label\":\"eggs\",\"text\":\"b\"}\n",
    )
    .unwrap();
    let model = dir.path().join("m.ferret");
    let o = train(&model, &[input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("t.jsonl:2") && e.contains("label") && e.contains("eggs"),
        "{e}"
    );
    assert!(!model.exists());
    std::fs::write(&input, "{\"text\":\"no label\"}\n").unwrap();
    let o = train(&model, &[input.to_str().unwrap()]);
    assert!(stderr(&o).contains("t.jsonl:1") && stderr(&o).contains("\"label\" is missing"));
    let o = train(&model, &["--bits", "40", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bits"), "{}", stderr(&o));
}

#[test]
fn the_shipped_default_model_is_used_without_model() {
    let o = run(&[
        "check",
        "--text",
        "WINNER!! You have won a cash prize. Call 09061701461 to claim now",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout_json(&o)[0]["verdict"], "spam");
}

#[test]
fn eval_json_has_every_key_in_range() {
    let o = run(&["eval", "--folds", "3", "--seed", "1", "--json", FIXTURE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = &stdout_json(&o)[0];
    assert_eq!(v["n"], 72);
    for key in [
        "accuracy",
        "precision",
        "recall",
        "f1",
        "auc",
        "unsure_rate",
        "error_rate",
        "escalation_at_1pct",
        "escalation_at_0_5pct",
    ] {
        let x = v[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
        assert!((0.0..=1.0).contains(&x), "{key} = {x}");
    }
    assert!(v["train_seconds"].as_f64().unwrap() >= 0.0);
    assert!(v["classify_per_second"].as_f64().unwrap() > 0.0);
    assert!(v["auc"].as_f64().unwrap() > 0.9, "the fixture is easy: {v}");
}

/// Where the shared corpora are, if anywhere: `FERRET_DATASETS`, else `../shared/datasets`.
fn datasets() -> Option<PathBuf> {
    let dir = std::env::var_os("FERRET_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"));
    if dir.join("sms.jsonl").exists() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: shared corpora not found at {} (set FERRET_DATASETS)",
            dir.display()
        );
        None
    }
}

fn eval_json(args: &[&str]) -> Value {
    let mut a = vec!["eval", "--folds", "5", "--seed", "7", "--json"];
    a.extend_from_slice(args);
    let o = run(&a);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout_json(&o).remove(0)
}

/// Issue 2's accuracy goals, under its protocol (duplicates removed, stratified 5-fold, seed 7).
#[test]
fn issue2_goals_on_the_shared_corpora() {
    let Some(d) = datasets() else { return };
    let sms = eval_json(&[d.join("sms.jsonl").to_str().unwrap()]);
    assert_eq!(sms["n"], 5171);
    assert!(sms["auc"].as_f64().unwrap() >= 0.990, "SMS: {sms}");
    assert!(
        sms["escalation_at_0_5pct"].as_f64().unwrap() <= 0.03,
        "SMS: {sms}"
    );
    let sa = eval_json(&[d.join("spamassassin.jsonl").to_str().unwrap()]);
    assert_eq!(sa["n"], 6046);
    assert!(sa["auc"].as_f64().unwrap() >= 0.9995, "SpamAssassin: {sa}");
    assert!(
        sa["escalation_at_0_5pct"].as_f64().unwrap() <= 0.002,
        "SpamAssassin: {sa}"
    );
}

/// Tokenizer smoke test on umlauts and accents (machine-translated SMS: not an accuracy claim).
#[test]
fn multilingual_text_trains_and_scores() {
    let Some(d) = datasets() else { return };
    let src = d.join("sms_multilingual_de_fr_mt.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let de = dir.path().join("de.jsonl");
    let mut out = String::new();
    for line in std::fs::read_to_string(src).unwrap().lines().take(2000) {
        let v: Value = serde_json::from_str(line).unwrap();
        out.push_str(&serde_json::json!({"label": v["label"], "text": v["text_de"]}).to_string());
        out.push('\n');
    }
    std::fs::write(&de, out).unwrap();
    let v = eval_json(&[de.to_str().unwrap()]);
    assert!(v["auc"].as_f64().unwrap() > 0.95, "German SMS: {v}");
}

/// The importer fixtures (`crates/import/tests/fixtures/`, hand-written).
fn import_fixture(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/crates/import/tests/fixtures/").to_owned() + name
}

#[test]
fn issue6_train_and_eval_read_mixed_formats() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("site.ferret");
    let wxr = import_fixture("site.wxr.xml");
    let spam = import_fixture("wpcli_spam.json");
    let o = train(&model, &["--verbose", &wxr, &spam, FIXTURE]);
    let e = stderr(&o);
    assert!(o.status.success(), "{e}");
    assert!(e.contains("site.wxr.xml (wxr): read 7, imported 4 (3 ham, 1 spam), skipped 3 (1 pending, 1 trash, 1 unknown status)"), "{e}");
    assert!(
        e.contains("wpcli_spam.json (json): read 2, imported 2 (0 ham, 2 spam)"),
        "{e}"
    );
    assert!(
        e.contains("skipped (pending)") && e.contains("rye flour"),
        "--verbose lists examples: {e}"
    );
    assert!(model.exists());
    // Pending comments can be taken as ham.
    let o = train(&model, &["--pending-as", "ham", &wxr, &spam]);
    assert!(
        stderr(&o).contains("imported 5 (4 ham, 1 spam)"),
        "{}",
        stderr(&o)
    );
    // eval over every format at once.
    let files = [
        wxr.clone(),
        spam.clone(),
        import_fixture("wp_comments.sql"),
        import_fixture("wp_comments.csv"),
        import_fixture("disqus.xml"),
        import_fixture("wpcli_spam.csv"),
        import_fixture("ham.mbox"),
        import_fixture("maildir"),
    ];
    let mut args = vec!["eval", "--folds", "2", "--json"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = &stdout_json(&o)[0];
    assert!(v["n"].as_u64().unwrap() >= 15, "{v}");
}

#[test]
fn issue6_train_refuses_a_one_class_model() {
    let dir = tempfile::tempdir().unwrap();
    let wxr = dir.path().join("site.xml");
    std::fs::write(
        &wxr,
        r#"<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><link>https://x.example/p/</link>
        <wp:comment><wp:comment_content>nice post</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
        <wp:comment><wp:comment_content>thanks</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
        </item></channel></rss>"#,
    )
    .unwrap();
    let model = dir.path().join("m.ferret");
    let o = train(&model, &[wxr.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("no spam in this file") && e.contains("leaves spam out"),
        "{e}"
    );
    assert!(
        e.contains("refusing to train a one-class model")
            && e.contains("wp comment list --status=spam"),
        "{e}"
    );
    assert!(!model.exists());
    // Malformed input names file and line; --format overrides sniffing.
    std::fs::write(
        &wxr,
        "<rss xmlns:wp=\"x\"><channel><item>\n<wp:comment><wp:comment_content>cut",
    )
    .unwrap();
    let o = train(&model, &[wxr.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("site.xml:2"), "{}", stderr(&o));
    let o = train(&model, &["--format", "eggs", wxr.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown format"), "{}", stderr(&o));
}

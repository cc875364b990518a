//! Issue 6's report half: `eval --report DIR`, `ferret explain`, quiet progress, and (when Chromium
//! is installed) the report rendered headless without console errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{ferret, run, stderr, stdout_json, trained, FIXTURE};

/// The fixture plus a ham comment that looks like spam and carries markup, so it lands among the
/// worst false positives and its text must be escaped.
fn fixture_with_markup(dir: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    text.push_str(
        r#"{"label":"ham","text":"<script>alert('pwned')</script> WINNER!! claim your FREE prize now, call 09061701461 & win"}"#,
    );
    text.push('\n');
    let p = dir.join("in.jsonl");
    std::fs::write(&p, text).unwrap();
    p
}

/// Tags open and close in order (void elements and `/>` aside): a page a browser reads as meant.
fn assert_balanced(html: &str) {
    const VOID: [&str; 6] = ["meta", "br", "img", "input", "link", "hr"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("every < is a tag and closes") + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if tag.starts_with('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn eval_report(input: &Path, out: &Path) -> String {
    let o = run(&[
        "eval",
        "--folds",
        "3",
        "--seed",
        "1",
        "--report",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("report.html"), "{}", stderr(&o));
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

#[test]
fn issue6_eval_report_writes_metrics_and_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture_with_markup(dir.path());
    let out = dir.path().join("report"); // created by eval
    let html = eval_report(&input, &out);

    // metrics.json has exactly the keys of `eval --json`.
    let metrics: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let o = run(&[
        "eval",
        "--folds",
        "3",
        "--seed",
        "1",
        "--json",
        input.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json = &stdout_json(&o)[0];
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&metrics), keys(json));
    assert_eq!(metrics["n"], json["n"]);
    assert_eq!(metrics["auc"], json["auc"]);

    // Every chart, both tables, nothing fetched from anywhere, no script.
    for id in [
        "<svg id=\"roc\"",
        "<svg id=\"histogram\"",
        "<svg id=\"escalation\"",
        "<svg id=\"calibration\"",
        "<svg id=\"confusion\"",
        "<table id=\"worst-fp\"",
        "<table id=\"worst-fn\"",
        "<table class=\"metrics\"",
    ] {
        assert!(html.contains(id), "no {id}");
    }
    assert_eq!(html.matches("<svg ").count(), 5);
    assert!(!html.contains("<script"), "comment text must be escaped");
    assert!(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"));
    assert!(html.contains("&amp; win"));
    for remote in ["http://", "https://", "src=", "<link"] {
        let outside_svg_ns = html.replace("http://www.w3.org/2000/svg", "");
        let outside_text = outside_svg_ns
            .split("<td class=\"text\"")
            .next()
            .unwrap()
            .to_owned();
        assert!(!outside_text.contains(remote), "page loads {remote}");
    }
    assert_balanced(&html);
    // The worst rows show the tokens that pushed them.
    let fp = html.split("id=\"worst-fp\"").nth(1).unwrap();
    assert!(
        fp.contains("class=\"tok s\""),
        "spam-side tokens in worst FPs"
    );
    assert!(fp.contains(">prize <b>+"), "{}", &fp[..fp.len().min(3000)]);
}

#[test]
fn issue6_explain_names_tokens_with_weights() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let m = model.to_str().unwrap();
    let text = "WINNER!! Claim your FREE prize now, call 09061701461";
    let o = run(&["explain", "--model", m, "--json", "--text", text]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = &stdout_json(&o)[0];
    assert_eq!(v["verdict"], "spam");
    let features = v["features"].as_array().unwrap();
    assert!(!features.is_empty() && features.len() <= 20);
    let weight_of = |kind: &str, text: &str| {
        features
            .iter()
            .find(|f| {
                f["tokens"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["kind"] == kind && t["text"] == text)
            })
            .map(|f| f["weight"].as_f64().unwrap())
    };
    let prize = weight_of("word", "prize").expect("prize is among the top features");
    assert!(prize > 0.0);
    let w: Vec<f64> = features
        .iter()
        .map(|f| f["weight"].as_f64().unwrap().abs())
        .collect();
    assert!(w.windows(2).all(|p| p[0] >= p[1]), "strongest first: {w:?}");

    // The table form, with metadata from a whole comment.
    let o = run(&[
        "explain",
        "--model",
        m,
        "--top",
        "0",
        "--comment",
        r#"{"text":"see you at lunch tomorrow","comment_author":"Alice"}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("verdict "), "{out}");
    assert!(out.contains("word \"lunch\""), "{out}");
    assert!(out.contains("author \"alice\""), "{out}");

    // Neither or both of --text and --comment is a usage error.
    assert_eq!(run(&["explain", "--model", m]).status.code(), Some(2));
}

#[test]
fn issue6_progress_bars_stay_out_of_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let mut s = String::new();
    for i in 0..30_000 {
        let label = if i % 4 == 0 { "spam" } else { "ham" };
        s.push_str(&format!(
            "{{\"label\":\"{label}\",\"text\":\"message {i} for {label}\"}}\n"
        ));
    }
    std::fs::write(&input, s).unwrap();
    let model = dir.path().join("m.ferret");
    let o = ferret()
        .env_remove("CI")
        .args([
            "train",
            "--model",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        !err.contains('\r') && !err.contains('\x1b') && !err.contains("ETA"),
        "{err:?}"
    );
    // Only whole summary lines (the import counts and the training summary), no bar.
    assert!(err.lines().all(|l| l.starts_with("ferret: ")), "{err}");
}

/// Renders the report in headless Chromium when it is installed: a screenshot is made and the page
/// logs no console error.
#[test]
fn issue6_report_renders_in_headless_chromium() {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        eprintln!(
            "skipped: no Chromium at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = fixture_with_markup(dir.path());
    let out = dir.path().join("report");
    eval_report(&input, &out);
    let url = format!("file://{}", out.join("report.html").display());
    let profile = dir.path().join("profile");
    let chrome = |extra: &[&str]| {
        Command::new(&chromium)
            .args([
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .expect("chromium runs")
    };
    let shot = dir.path().join("shot.png");
    let o = chrome(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1200,3000",
    ]);
    let png =
        std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}): {}", stderr(&o)));
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    let o = chrome(&["--dump-dom"]);
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("Ferret evaluation report"), "{}", stderr(&o));
    assert!(dom.contains("id=\"escalation\""));
    let log = stderr(&o);
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .map(str::trim)
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}

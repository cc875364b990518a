//! Writes seed corpora for the fuzz targets (corpus dirs are gitignored, so seeds are made at run
//! time), and loads model files outside libFuzzer to inspect a finding.
//!
//! ```text
//! cargo run --release --manifest-path fuzz/seedgen/Cargo.toml --target-dir fuzz/target/seedgen -- seeds fuzz/corpus
//! cargo run --release --manifest-path fuzz/seedgen/Cargo.toml --target-dir fuzz/target/seedgen -- load FILE...
//! ```

use std::fs;
use std::path::Path;
use std::time::Instant;

use ferret_bayes::{Combining, Label, Model, ModelConfig};
use ferret_features::{Comment, FeatureConfig, Features};

const SPAM: &[&str] = &[
    "WINNER!! Claim your FREE prize now, txt WIN to 87121",
    "URGENT! You have won a cash prize, call 09061701461",
    "Cheap meds at http://pills.example/buy?id=42 and www.casino.example.co.uk",
    "Buy [url=http://spam.example/]cheap watches[/url] <a href=\"http://x.example\">here</a>",
    "vi\u{200B}agra €9.99 £5 $$$ best price!!! mail sales@pills.example",
    "免费赚钱 点击这里 http://例子.测试/注册",
];
const HAM: &[&str] = &[
    "Are we still on for lunch tomorrow?",
    "Thanks for the recipe, the bread came out great",
    "I think the second paragraph has a typo: \"their\" should be \"there\".",
    "Call me at +44 (20) 7946-0958 or write to ann@example.org; server 192.168.1.20 is down.",
    "Très bien écrit, merci ! Ça m'a beaucoup aidé.",
    "ありがとうございます。とても参考になりました。",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seeds") => seeds(Path::new(args.get(1).map_or("fuzz/corpus", String::as_str))),
        Some("load") => args[1..].iter().for_each(|p| load(Path::new(p))),
        _ => {
            eprintln!("usage: seedgen seeds [CORPUS_DIR] | seedgen load FILE...");
            std::process::exit(2);
        }
    }
}

fn trained(features: FeatureConfig, config: ModelConfig) -> Model {
    let mut m = Model::new(features, config);
    let mut fz = m.featurizer();
    let mut f = Features::new();
    for (texts, label) in [(SPAM, Label::Spam), (HAM, Label::Ham)] {
        for t in texts {
            fz.featurize(&Comment::from_text(*t), &mut f);
            m.learn(&f, label).unwrap();
        }
    }
    m
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    println!("{:>7} bytes  {}", bytes.len(), p.display());
}

fn seeds(corpus: &Path) {
    let ml = corpus.join("model_loader");
    let fc = |bits: u8, bigrams: bool| {
        FeatureConfig::params()
            .bits(bits)
            .bigrams(bigrams)
            .check()
            .unwrap()
    };
    let mc = ModelConfig::default();
    let nb = ModelConfig::params()
        .combining(Combining::NaiveBayes)
        .presence(false)
        .max_clues(0)
        .alpha(0.5)
        .check()
        .unwrap();
    let extreme = ModelConfig::params()
        .robinson_s(1e-300)
        .robinson_x(1e-300)
        .min_dev(0.0)
        .max_clues(65_535)
        .alpha(1e300)
        .check()
        .unwrap();
    let models = [
        ("trained-12bit-chi2.ferret", trained(fc(12, true), mc)),
        ("trained-10bit-nb-counts.ferret", trained(fc(10, false), nb)),
        ("trained-8bit-extreme-params.ferret", trained(fc(8, true), extreme)),
        ("empty-8bit.ferret", Model::new(fc(8, true), mc)),
    ];
    for (name, m) in &models {
        let b = m.to_bytes();
        assert_eq!(&Model::from_bytes(&b).unwrap(), m, "{name} round-trips");
        write(&ml, name, &b);
    }

    let fz = corpus.join("featurizer");
    let mut n = 0;
    let mut put = |s: &str| {
        n += 1;
        write(&fz, &format!("seed-{n:02}"), s.as_bytes());
    };
    for t in SPAM.iter().chain(HAM) {
        put(t);
    }
    put("");
    put("   \t\n");
    put("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!!!???");
    put("ftp://user:pw@[::1]:21/a/b.c?x=1#frag http://10.0.0.1/ https://xn--bcher-kva.example./");
    put("ref 1234567 8901234 0800 123 4567 1.2.3.4 255.255.255.255");
    put(
        r#"{"blog":"https://example.org","user_ip":"203.0.113.7","user_agent":"Mozilla/5.0 (Windows NT 10.0) Chrome/120","referrer":"https://a.example/x","permalink":"https://example.org/p/1","comment_type":"comment","comment_author":"Best Pills 24","comment_author_email":"x123@pills.example","comment_author_url":"http://pills.example/","comment_content":"Cheap meds http://pills.example/buy!!","blog_lang":"en, fr_ca","user_role":"guest","is_test":"1","comment_context":["a","b"],"honeypot_field_name":"hp","hp":"filled","HTTP_ACCEPT":"*/*","n":3,"z":null}"#,
    );
    put(r#"{"comment_content":"Are we still on for lunch?","comment_author":"Ann","comment_author_email":"ann@example.org"}"#);
    put(r#"{"user_ip":"2001:db8::1","comment_author_email":"no-at-sign","comment_content":"ありがとう"}"#);
    put("From a@b Mon Jan 1 00:00:00 2024\nReceived: from x\nFrom: a@b.example\nSubject: Cheap\n meds\n\nHello\nworld\n");
    put(
        "Subject: s\r\nContent-Type: multipart/alternative; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n\
         Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 soft=\r\nbreak\r\n\
         --XX\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+Qm9sZDwvYj4mYW1wOw==\r\n\
         --XX\r\nContent-Type: image/png\r\n\r\niVBORw0KGgo=\r\n--XX--\r\n",
    );
    put(
        "Subject: html\nContent-Type: text/html; charset=utf-8\n\n<html><style>p{}</style><script>x<y</script>\
         <!-- c --><p>Buy&nbsp;now &amp; &#x41;&#66;&bogus; &#1114112;</p><a href=\"http://x.example\">x</a>",
    );
}

fn load(p: &Path) {
    let bytes = fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let t = Instant::now();
    let r = Model::from_bytes(&bytes);
    let dt = t.elapsed();
    let what = match &r {
        Ok(m) => format!(
            "Ok: 2^{} buckets, {} non-empty, docs ham {} spam {}, {:?}",
            m.feature_config().bits(),
            m.vocabulary(),
            m.docs(Label::Ham),
            m.docs(Label::Spam),
            m.config()
        ),
        Err(e) => format!("Err: {e}"),
    };
    println!(
        "{}: {} bytes, {what}; from_bytes took {dt:.2?}, peak RSS {}",
        p.display(),
        bytes.len(),
        peak_rss()
    );
}

fn peak_rss() -> String {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

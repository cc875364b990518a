//! Property tests: any text or comment featurizes without panicking into well-formed features.

use ferret_features::{mail, Comment, FeatureConfig, Features, Featurizer};
use proptest::prelude::*;

fn well_formed(f: &Features, cfg: FeatureConfig) {
    let ids = f.ids();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids strictly increasing"
    );
    assert!(
        ids.iter().all(|&i| (i as usize) < cfg.buckets()),
        "ids inside the space"
    );
    assert!(f.iter().all(|(_, n)| n >= 1), "counts at least one");
}

/// Text mixing the scripts and tricks the featurizer special-cases.
fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<String>(),
        "[a-zA-Z]{1,12}",
        "[0-9 ().+-]{1,20}",
        Just("http://x.example.co.uk/a/b?c=d".to_owned()),
        Just("www.".to_owned()),
        Just("a@b.example".to_owned()),
        Just("192.168.1.1".to_owned()),
        Just("免费赚钱快来".to_owned()),
        Just("セールス".to_owned()),
        Just("\u{200B}\u{FEFF}\u{202E}\u{2066}".to_owned()),
        Just("!!??".to_owned()),
        Just("£€$".to_owned()),
        Just("\0".to_owned()),
        "[\\u{0}-\\u{10FFFF}]{0,8}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_text_featurizes_well(text in tricky_text(), cap in 1u32..200, bits in 8u8..=22) {
        let cfg = FeatureConfig::params().bits(bits).max_text_bytes(cap).check().unwrap();
        let mut fz = Featurizer::new(cfg);
        let mut a = Features::new();
        fz.featurize_text(&text, &mut a);
        well_formed(&a, cfg);
        prop_assert_eq!(a.truncated(), text.len() > cap as usize);
        // Reusing the featurizer on other input does not leak into the next result.
        let mut b = Features::new();
        fz.featurize_text("something else, 日本語, x@y.example", &mut b);
        fz.featurize_text(&text, &mut b);
        prop_assert_eq!(&a, &b);
        // A fresh featurizer agrees: the hash is stable and has no per-process state.
        let mut c = Features::new();
        Featurizer::new(cfg).featurize_text(&text, &mut c);
        prop_assert_eq!(&a, &c);
    }

    #[test]
    fn any_comment_featurizes_well(
        content in tricky_text(),
        author in tricky_text(),
        email in tricky_text(),
        url in tricky_text(),
        ua in tricky_text(),
        ip in tricky_text(),
        lang in tricky_text(),
    ) {
        let c = Comment {
            comment_content: Some(content),
            comment_author: Some(author),
            comment_author_email: Some(email),
            comment_author_url: Some(url),
            user_agent: Some(ua),
            user_ip: Some(ip),
            blog_lang: Some(lang),
            referrer: Some("https://ref.example/x".into()),
            ..Comment::default()
        };
        let cfg = FeatureConfig::default();
        let f = Featurizer::new(cfg).features(&c);
        well_formed(&f, cfg);
    }

    #[test]
    fn mail_text_never_panics(raw in tricky_text(), headers in "[A-Za-z-]{1,10}: [ -~]{0,30}\n") {
        let _ = mail::mail_text(&raw);
        let _ = mail::mail_text(&format!("{headers}Content-Type: multipart/mixed; boundary=b\n\n--b\n{raw}\n--b--"));
        let _ = mail::mail_text(&format!("{headers}Content-Transfer-Encoding: base64\n\n{raw}"));
        let _ = mail::mail_text(&format!("{headers}Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n{raw}"));
    }

    #[test]
    fn comments_round_trip_through_json(author in any::<String>(), text in any::<String>(), ctx in proptest::collection::vec(any::<String>(), 0..3)) {
        let c = Comment {
            comment_author: Some(author),
            comment_content: Some(text),
            comment_context: ctx,
            ..Comment::default()
        };
        let json = serde_json::to_string(&c).unwrap();
        prop_assert_eq!(serde_json::from_str::<Comment>(&json).unwrap(), c);
    }
}

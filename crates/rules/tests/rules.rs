//! Every rule one by one, all of them together, precedence, configuration errors, form tokens,
//! CIDR ranges, subdomains and 100,000-entry lists.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use ferret_features::Comment;
use ferret_rules::{
    Action, AuthorKey, EntryAt, FormSecret, FormTokens, MemoryAuthors, RuleContext, RuleId,
    RuleOutcome, Rules, RulesConfig, RulesError,
};

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "test secret, 32 bytes of it....!";

fn config(toml_text: &str) -> RulesConfig {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}"))
}

fn rules(toml_text: &str) -> Rules {
    Rules::new(&config(toml_text)).unwrap_or_else(|e| panic!("{e}"))
}

fn comment(json: &str) -> Comment {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn text(t: &str) -> Comment {
    Comment::from_text(t)
}

fn at(now: i64) -> RuleContext<'static> {
    RuleContext::at(now)
}

/// (action, rule) of a hit, or None for a pass.
fn verdict(r: &Rules, c: &Comment, now: i64) -> Option<(Action, RuleId)> {
    r.check(c, &at(now)).hit().map(|h| (h.action, h.rule))
}

fn detail(r: &Rules, c: &Comment, now: i64) -> String {
    match r.check(c, &at(now)) {
        RuleOutcome::Hit(h) => h.detail,
        RuleOutcome::Pass => panic!("expected a hit for {c:?}"),
    }
}

// ---------------------------------------------------------------- defaults

#[test]
fn defaults_pass_an_ordinary_comment() {
    let r = Rules::new(&RulesConfig::default()).unwrap();
    let c = comment(
        r#"{"comment_author":"Ann","comment_author_email":"ann@example.org","user_ip":"192.0.2.1",
            "comment_content":"Lovely recipe, I used rye flour and it worked. See https://ann.example/rye"}"#,
    );
    assert_eq!(r.check(&c, &at(NOW)), RuleOutcome::Pass);
}

#[test]
fn disabled_rules_pass_everything() {
    let r = rules("enabled = false\n[disallowed]\nwords = [\"casino\"]\n");
    assert_eq!(verdict(&r, &text("casino casino"), NOW), None);
}

// ---------------------------------------------------------------- trusted roles and authors

#[test]
fn trusted_roles_are_ham_before_anything_else() {
    let r = rules("[disallowed]\nwords = [\"casino\"]\n");
    let admin = comment(r#"{"user_role":"administrator","comment_content":"casino test"}"#);
    assert_eq!(
        verdict(&r, &admin, NOW),
        Some((Action::Ham, RuleId::TrustedRole))
    );
    // The Akismet plugin sends every role, comma-separated.
    let editor = comment(r#"{"user_role":"subscriber, Editor","comment_content":"casino"}"#);
    assert_eq!(
        verdict(&r, &editor, NOW),
        Some((Action::Ham, RuleId::TrustedRole))
    );
    let sub = comment(r#"{"user_role":"subscriber","comment_content":"casino"}"#);
    assert_eq!(
        verdict(&r, &sub, NOW),
        Some((Action::Spam, RuleId::Disallowed))
    );
    let off = rules("[trusted_roles]\nenabled = false\n");
    assert_eq!(verdict(&off, &admin, NOW), None);
    let custom = rules("[trusted_roles]\nroles = [\"author\"]\n");
    assert_eq!(verdict(&custom, &admin, NOW), None);
    let author = comment(r#"{"user_role":"Author"}"#);
    assert_eq!(
        verdict(&custom, &author, NOW),
        Some((Action::Ham, RuleId::TrustedRole))
    );
}

#[test]
fn trusted_authors_skip_hold_rules_but_not_block_rules() {
    let r = rules("[disallowed]\nwords = [\"casino\"]\n[trusted_authors]\nmin_approved = 2\n");
    let authors = MemoryAuthors::new();
    let c = comment(
        r#"{"comment_author":"Ann","comment_author_email":"Ann@Example.org","comment_author_url":"https://ann.example",
            "comment_content":"links: https://a.example https://b.example https://c.example"}"#,
    );
    let key = authors.keys().of(&c).unwrap();
    let ctx = RuleContext::new(NOW, &authors);
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::MaxLinks));
    authors.record_approved(key);
    assert_eq!(
        r.check(&c, &ctx).rule(),
        Some(RuleId::MaxLinks),
        "one is not enough"
    );
    authors.record_approved(key);
    let out = r.check(&c, &ctx);
    assert_eq!(out.action(), Some(Action::Ham));
    assert_eq!(out.rule(), Some(RuleId::TrustedAuthor));
    assert_eq!(out.hit().unwrap().detail, "2 approved comments");
    // Same author, different case and spacing: still trusted (the plugin's SQL is case-insensitive).
    let same = comment(
        r#"{"comment_author":" ann ","comment_author_email":"ann@example.org","comment_author_url":"HTTPS://ANN.EXAMPLE",
            "comment_content":"hi"}"#,
    );
    assert_eq!(r.check(&same, &ctx).rule(), Some(RuleId::TrustedAuthor));
    // A block rule still wins.
    let mut bad = c.clone();
    bad.comment_content = Some("play casino now".into());
    assert_eq!(
        r.check(&bad, &ctx).action(),
        Some(Action::Spam),
        "trusted authors do not bypass block rules"
    );
    // Another name with the same e-mail is another author.
    let mut other = c.clone();
    other.comment_author = Some("Bob".into());
    assert_eq!(r.check(&other, &ctx).rule(), Some(RuleId::MaxLinks));
    // No e-mail, no key: never trusted.
    let mut anon = c.clone();
    anon.comment_author_email = None;
    assert_eq!(authors.keys().of(&anon), None);
    assert_eq!(AuthorKey::legacy_of(&anon), None);
    assert_eq!(r.check(&anon, &ctx).rule(), Some(RuleId::MaxLinks));
}

#[test]
fn the_check_finds_every_author_under_the_key_feedback_stores() {
    // The check keys the author from the fields it has already lower-cased; feedback stores
    // `AuthorKeys::of` (and, in stores from before per-store keys, `AuthorKey::legacy_of`). They
    // must agree for any author, or a trusted author goes unrecognised.
    let long = "Ǆ".repeat(120);
    let authors: [(&str, &str, &str); 9] = [
        ("Ann@Example.org", "Ann", "https://ann.example"),
        ("  padded@example.org\t", " Bob  ", " https://BOB.example/ "),
        ("ÉLODIE@exemple.fr", "Élodie Ö", "https://exemple.fr/é"),
        // İ lower-cases to two chars (3 bytes from 2): the char-by-char path.
        ("İz@example.tr", "İzmir", ""),
        (
            "\u{a0}nbsp@example.org\u{a0}",
            "Σίσυφος",
            "HTTP://Σ.example",
        ),
        ("x@y", &long, ""),
        ("x@y", "", &"HTTPS://A.EXAMPLE/".repeat(20)),
        ("solo@example.org", "", ""),
        ("ΑΒΓ@EXAMPLE.GR", "ǅ ǈ ǋ", "https://Ǆ.example"),
    ];
    for toml_text in [
        "[trusted_authors]\nmin_approved = 1\n",
        "[trusted_authors]\nmin_approved = 1\n[moderation]\nwords = [\"seo\"]\n",
    ] {
        let r = rules(toml_text);
        for (email, name, url) in authors {
            let c = Comment {
                comment_author_email: Some(email.into()),
                comment_author: Some(name.into()),
                comment_author_url: Some(url.into()),
                comment_content: Some("Thanks!".into()),
                ..Comment::default()
            };
            // Known under the history's key, or only under the legacy key (the fallback).
            let current = MemoryAuthors::new();
            current.record_approved(current.keys().of(&c).unwrap());
            let legacy = MemoryAuthors::new();
            legacy.set_legacy(AuthorKey::legacy_of(&c).unwrap(), 1);
            for (history, kind) in [(current, "current"), (legacy, "legacy")] {
                history.record_approved(AuthorKey::from_bytes([7; 16]));
                let out = r.check(&c, &RuleContext::new(NOW, &history));
                assert_eq!(
                    out.rule(),
                    Some(RuleId::TrustedAuthor),
                    "{kind} {email:?} {name:?} {url:?} with {toml_text:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- honeypot

#[test]
fn honeypot_filled_is_discarded() {
    let r = Rules::new(&RulesConfig::default()).unwrap();
    let filled = comment(
        r#"{"honeypot_field_name":"hp_url","hp_url":"http://spam.example","comment_content":"hi"}"#,
    );
    assert_eq!(
        verdict(&r, &filled, NOW),
        Some((Action::Discard, RuleId::Honeypot))
    );
    assert_eq!(detail(&r, &filled, NOW), r#"field "hp_url" filled in"#);
    let empty = comment(r#"{"honeypot_field_name":"hp_url","hp_url":"","comment_content":"hi"}"#);
    assert_eq!(verdict(&r, &empty, NOW), None);
    let spaces =
        comment(r#"{"honeypot_field_name":"hp_url","hp_url":"  ","comment_content":"hi"}"#);
    assert_eq!(verdict(&r, &spaces, NOW), None);
    // A value under another name is not the honeypot.
    let other = comment(r#"{"honeypot_field_name":"hp_url","website":"x","comment_content":"hi"}"#);
    assert_eq!(verdict(&r, &other, NOW), None);
    let off = rules("[honeypot]\nenabled = false\n");
    assert_eq!(verdict(&off, &filled, NOW), None);
    let held = rules("[honeypot]\naction = \"hold\"\n");
    assert_eq!(
        verdict(&held, &filled, NOW),
        Some((Action::Hold, RuleId::Honeypot))
    );
}

// ---------------------------------------------------------------- disallowed and moderation keys

/// Both word lists are searched in one pass when small: each list still reports its own first
/// match, whichever list matches first, with overlapping and shared entries.
#[test]
fn words_also_match_the_content_without_tags_as_wordpress_does() {
    // WordPress checks keys against wp_strip_all_tags($comment) as well as the raw content.
    let r =
        rules("[disallowed]\nwords = [\"casino\", \"cheap pills\"]\n[links]\nenabled = false\n");
    for t in [
        "best ca<b></b>sino in town",
        "CA<!-- hidden -->SINO",
        "<a href=\"x\">cheap</a> pills here",
        "cheap<style>.x{}</style> pills",
        "ca<SCRIPT type=\"x\">var a;</script >sino",
    ] {
        let out = r.check(&text(t), &at(NOW));
        assert_eq!(
            out.hit()
                .map(|h| (h.rule, h.detail.contains("comment_content"))),
            Some((RuleId::Disallowed, true)),
            "{t:?}"
        );
    }
    // Script contents go with the tag, and tags leave no trace, so nothing new is invented.
    for t in [
        "a <script>var casino;</script>",
        "cheap <br> pills",
        "cas<",
        "plain text, no tags",
    ] {
        let out = r.check(&text(t), &at(NOW));
        let got = out.hit().map(|h| h.rule);
        let raw_hit = t.to_lowercase().contains("casino");
        assert_eq!(got.is_some(), raw_hit, "{t:?}");
    }
}

#[test]
fn both_word_lists_report_their_own_first_match() {
    // Each text's hit (action, rule, detail) or none.
    type Case<'a> = (&'a str, Option<(Action, RuleId, &'a str)>);
    let expect = |r: &Rules, cases: &[Case<'_>]| {
        for (t, want) in cases {
            let got = r
                .check(&text(t), &at(NOW))
                .hit()
                .map(|h| (h.action, h.rule, h.detail.clone()));
            assert_eq!(
                got.as_ref().map(|(a, r, d)| (*a, *r, d.as_str())),
                *want,
                "{t:?}"
            );
        }
    };
    // Disallowed blocks, moderation holds.
    let r = rules(
        "[disallowed]\nwords = [\"casino\", \"pills\"]\n[moderation]\nwords = [\"cas\", \"seo\", \"pills\"]\n",
    );
    expect(
        &r,
        &[
            // A moderation match first, a disallowed one later: still spam.
            (
                "seo tips and a casino",
                Some((
                    Action::Spam,
                    RuleId::Disallowed,
                    r#"word "casino" in comment_content"#,
                )),
            ),
            // The moderation entry is a prefix of the disallowed one at the same place.
            (
                "casino",
                Some((
                    Action::Spam,
                    RuleId::Disallowed,
                    r#"word "casino" in comment_content"#,
                )),
            ),
            (
                "cash",
                Some((
                    Action::Hold,
                    RuleId::Moderation,
                    r#"word "cas" in comment_content"#,
                )),
            ),
            (
                "seo",
                Some((
                    Action::Hold,
                    RuleId::Moderation,
                    r#"word "seo" in comment_content"#,
                )),
            ),
            (
                "pills",
                Some((
                    Action::Spam,
                    RuleId::Disallowed,
                    r#"word "pills" in comment_content"#,
                )),
            ),
            ("nothing here", None),
        ],
    );
    // Both hold: moderation runs first in the hold phase and must find its own match even where
    // a disallowed entry matches first or at the same place.
    let r = rules(
        "[disallowed]\naction = \"hold\"\nwords = [\"cas\", \"pills\"]\n[moderation]\nwords = [\"casino\", \"pills\"]\n",
    );
    expect(
        &r,
        &[
            (
                "casino",
                Some((
                    Action::Hold,
                    RuleId::Moderation,
                    r#"word "casino" in comment_content"#,
                )),
            ),
            (
                "pills",
                Some((
                    Action::Hold,
                    RuleId::Moderation,
                    r#"word "pills" in comment_content"#,
                )),
            ),
            (
                "cash and casino",
                Some((
                    Action::Hold,
                    RuleId::Moderation,
                    r#"word "casino" in comment_content"#,
                )),
            ),
            (
                "cash",
                Some((
                    Action::Hold,
                    RuleId::Disallowed,
                    r#"word "cas" in comment_content"#,
                )),
            ),
            ("nothing here", None),
        ],
    );
}

#[test]
fn disallowed_words_match_every_field_case_insensitively() {
    let r =
        rules("[disallowed]\nwords = [\"Casino\", \"cheap pills\", \"ВИАГРА\", \"203.0.113.\"]\n");
    for (json, field) in [
        (
            r#"{"comment_author":"Best CASINO"}"#,
            r#"word "Casino" in comment_author"#,
        ),
        (
            r#"{"comment_author_email":"x@casinos.example"}"#,
            r#"word "Casino" in comment_author_email"#,
        ),
        (
            r#"{"comment_author_url":"https://casino.example"}"#,
            r#"word "Casino" in comment_author_url"#,
        ),
        (
            r#"{"comment_content":"buy CHEAP Pills here"}"#,
            r#"word "cheap pills" in comment_content"#,
        ),
        (
            r#"{"user_ip":"203.0.113.9"}"#,
            r#"word "203.0.113." in user_ip"#,
        ),
        (
            r#"{"user_agent":"CasinoBot/1.0"}"#,
            r#"word "Casino" in user_agent"#,
        ),
        // Unicode case folding: non-ASCII text is lower-cased before the search.
        (
            r#"{"comment_content":"купить виагра дёшево"}"#,
            r#"word "ВИАГРА" in comment_content"#,
        ),
        (
            r#"{"comment_content":"Ünïcödé text and a CaSiNo"}"#,
            r#"word "Casino" in comment_content"#,
        ),
    ] {
        let c = comment(json);
        assert_eq!(
            verdict(&r, &c, NOW),
            Some((Action::Spam, RuleId::Disallowed)),
            "{json}"
        );
        assert_eq!(detail(&r, &c, NOW), field, "{json}");
    }
    assert_eq!(verdict(&r, &text("cheap flights and pills"), NOW), None);
    // Fields outside WordPress's six are not searched.
    let c = comment(r#"{"referrer":"https://casino.example","comment_content":"hello"}"#);
    assert_eq!(verdict(&r, &c, NOW), None);
}

#[test]
fn word_matches_never_span_two_fields() {
    let r = rules("[disallowed]\nwords = [\"casino\", \"ÉCOLE\"]\n");
    // "cas" ends the author and "ino" starts the e-mail: no match.
    let c = comment(
        r#"{"comment_author":"Las Cas","comment_author_email":"ino@example.org","comment_content":"hi"}"#,
    );
    assert_eq!(verdict(&r, &c, NOW), None);
    // Non-ASCII text before the match shifts the lower-cased offsets: the field is still named.
    let c = comment(
        r#"{"comment_author":"ÀÉÎÕÜ","comment_content":"Ünïcödé","user_agent":"École Bot"}"#,
    );
    assert_eq!(detail(&r, &c, NOW), r#"word "ÉCOLE" in user_agent"#);
    // The leftmost match in the earliest field is named.
    let r = rules("[disallowed]\nwords = [\"sino\", \"casino\"]\n");
    assert_eq!(
        detail(&r, &text("a casino here"), NOW),
        r#"word "casino" in comment_content"#
    );
}

#[test]
fn moderation_keys_hold() {
    let r = rules("[moderation]\nwords = [\"crypto\"]\nips = [\"198.51.100.0/24\"]\n");
    assert_eq!(
        verdict(&r, &text("Crypto tips"), NOW),
        Some((Action::Hold, RuleId::Moderation))
    );
    let c = comment(r#"{"user_ip":"198.51.100.77","comment_content":"hi"}"#);
    assert_eq!(
        verdict(&r, &c, NOW),
        Some((Action::Hold, RuleId::Moderation))
    );
    assert_eq!(detail(&r, &c, NOW), "ip 198.51.100.0/24");
}

#[test]
fn word_list_files_use_wordpress_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.txt"),
        "# spam words\n\n  casino  \nreplica watches\n# another comment\n",
    )
    .unwrap();
    let c = config("[disallowed]\nwords = \"keys.txt\"\n").with_base_dir(dir.path());
    let r = Rules::new(&c).unwrap();
    assert_eq!(
        verdict(&r, &text("Replica Watches sale"), NOW),
        Some((Action::Spam, RuleId::Disallowed))
    );
    assert_eq!(
        verdict(&r, &text("a spam word"), NOW),
        None,
        "comments are not entries"
    );
}

#[test]
fn ip_lists_match_v4_and_v6_cidr_ranges() {
    let r = rules(
        r#"[disallowed]
        ips = ["192.0.2.0/24", "198.51.100.7", "2001:db8:dead::/48", "2001:db8::1", "10.0.0.0/8"]"#,
    );
    for (ip, entry) in [
        ("192.0.2.1", Some("192.0.2.0/24")),
        ("192.0.2.255", Some("192.0.2.0/24")),
        ("192.0.3.0", None),
        ("198.51.100.7", Some("198.51.100.7")),
        ("198.51.100.70", None),
        ("10.200.3.4", Some("10.0.0.0/8")),
        ("::ffff:192.0.2.9", Some("192.0.2.0/24")),
        ("2001:db8:dead:beef::1", Some("2001:db8:dead::/48")),
        ("2001:db8:deae::1", None),
        ("2001:db8::1", Some("2001:db8::1")),
        ("2001:db8::2", None),
        (" 192.0.2.5 ", Some("192.0.2.0/24")),
        ("not an ip", None),
    ] {
        let c = comment(&format!(r#"{{"user_ip":"{ip}","comment_content":"hi"}}"#));
        match entry {
            Some(e) => assert_eq!(detail(&r, &c, NOW), format!("ip {e}"), "{ip}"),
            None => assert_eq!(verdict(&r, &c, NOW), None, "{ip}"),
        }
    }
}

#[test]
fn email_lists_match_addresses_and_domains_with_subdomains() {
    let r = rules(
        r#"[disallowed]
        emails = ["Spammer@Example.org", "@spam.example", "junk.example", "*.bulk.example"]"#,
    );
    for (email, hit) in [
        ("spammer@example.org", true),
        ("SPAMMER@EXAMPLE.ORG", true),
        ("other@example.org", false),
        ("a@spam.example", true),
        ("a@mx.spam.example", true),
        ("a@notspam.example", false),
        ("a@junk.example", true),
        ("a@a.b.junk.example", true),
        ("a@bulk.example", true),
        ("a@example", false),
    ] {
        let c = comment(&format!(
            r#"{{"comment_author_email":"{email}","comment_content":"hi"}}"#
        ));
        assert_eq!(verdict(&r, &c, NOW).is_some(), hit, "{email}");
    }
}

#[test]
fn host_lists_match_author_urls_and_links_with_subdomains() {
    let r = rules(
        r#"[moderation]
        hosts = ["spam.example", "https://www.shady.example/path", "*.pills.example"]"#,
    );
    for (json, hit) in [
        (
            r#"{"comment_author_url":"http://spam.example"}"#,
            Some("host spam.example (spam.example)"),
        ),
        (
            r#"{"comment_author_url":"https://WWW.Spam.Example/x"}"#,
            Some("host spam.example (www.spam.example)"),
        ),
        (
            r#"{"comment_author_url":"spam.example/no-scheme"}"#,
            Some("host spam.example (spam.example)"),
        ),
        (r#"{"comment_author_url":"https://notspam.example"}"#, None),
        (
            r#"{"comment_author_url":"https://spam.example.evil.example"}"#,
            None,
        ),
        (
            r#"{"comment_content":"visit https://shop.pills.example/buy now"}"#,
            Some("host *.pills.example (shop.pills.example)"),
        ),
        (
            r#"{"comment_content":"<a href=\"http://x.www.shady.example\">x</a>"}"#,
            Some("host https://www.shady.example/path (x.www.shady.example)"),
        ),
        (r#"{"comment_content":"shady.example is fine"}"#, None),
        (
            r#"{"comment_content":"mentions spam.example without a link"}"#,
            None,
        ),
    ] {
        let c = comment(json);
        match hit {
            Some(d) => {
                assert_eq!(
                    verdict(&r, &c, NOW),
                    Some((Action::Hold, RuleId::Moderation)),
                    "{json}"
                );
                assert_eq!(detail(&r, &c, NOW), d, "{json}");
            }
            None => assert_eq!(verdict(&r, &c, NOW), None, "{json}"),
        }
    }
}

#[test]
fn regex_lists_are_opt_in_and_case_insensitive() {
    let r = rules(
        r#"[disallowed]
        regex = ['\bv[i1]agr[a@]\b', '^\d{6,}$', '(?-i)^SHOUT$']"#,
    );
    assert_eq!(
        verdict(&r, &text("cheap V1AGRA here"), NOW),
        Some((Action::Spam, RuleId::Disallowed))
    );
    assert_eq!(
        detail(&r, &text("cheap V1AGRA here"), NOW),
        r#"regex "\\bv[i1]agr[a@]\\b" in comment_content"#
    );
    let c = comment(r#"{"comment_author":"12345678","comment_content":"hi"}"#);
    assert_eq!(verdict(&r, &c, NOW).map(|v| v.1), Some(RuleId::Disallowed));
    assert_eq!(
        verdict(&r, &text("SHOUT"), NOW).map(|v| v.1),
        Some(RuleId::Disallowed)
    );
    assert_eq!(verdict(&r, &text("shout"), NOW), None);
    assert_eq!(verdict(&r, &text("viagraville"), NOW), None);
}

// ---------------------------------------------------------------- links

#[test]
fn max_links_holds_at_two_links_like_wordpress() {
    let r = Rules::new(&RulesConfig::default()).unwrap();
    assert_eq!(verdict(&r, &text("one link https://a.example"), NOW), None);
    assert_eq!(
        verdict(&r, &text("two https://a.example http://b.example"), NOW),
        Some((Action::Hold, RuleId::MaxLinks))
    );
    assert_eq!(
        detail(&r, &text("two https://a.example http://b.example"), NOW),
        "2 links (held at 2 or more)"
    );
    // An anchor with its URL as its text is one link, not two.
    assert_eq!(
        verdict(
            &r,
            &text(r#"<a href="https://a.example">https://a.example</a>"#),
            NOW
        ),
        None
    );
    assert_eq!(
        verdict(
            &r,
            &text(r#"<a href="https://a.example">a</a> <A HREF="https://b.example">b</A>"#),
            NOW
        ),
        Some((Action::Hold, RuleId::MaxLinks))
    );
    let five = rules("[links]\nmax_links = 5\naction = \"spam\"\n");
    assert_eq!(
        verdict(&five, &text("https://a.example http://b.example"), NOW),
        None
    );
    let many = "https://a.example ".repeat(5);
    assert_eq!(
        verdict(&five, &text(&many), NOW),
        Some((Action::Spam, RuleId::MaxLinks))
    );
    let off = rules("[links]\nmax_links = 0\n");
    assert_eq!(verdict(&off, &text(&many), NOW), None);
}

// ---------------------------------------------------------------- comment types

#[test]
fn comment_types_have_a_policy() {
    let r = Rules::new(&RulesConfig::default()).unwrap();
    for (t, v) in [
        ("pingback", Some((Action::Hold, RuleId::CommentType))),
        ("Trackback", Some((Action::Hold, RuleId::CommentType))),
        ("comment", None),
        ("", None),
        ("contact-form", None),
    ] {
        let c = comment(&format!(
            r#"{{"comment_type":"{t}","comment_content":"hi"}}"#
        ));
        assert_eq!(verdict(&r, &c, NOW), v, "{t}");
    }
    let strict = rules(
        "[comment_types.types]\npingback = \"discard\"\ntrackback = \"spam\"\n\"xmlrpc\" = \"hold\"\n",
    );
    let c = comment(r#"{"comment_type":"pingback"}"#);
    assert_eq!(
        verdict(&strict, &c, NOW),
        Some((Action::Discard, RuleId::CommentType))
    );
    assert_eq!(detail(&strict, &c, NOW), "comment_type pingback");
    let c = comment(r#"{"comment_type":"xmlrpc"}"#);
    assert_eq!(
        verdict(&strict, &c, NOW),
        Some((Action::Hold, RuleId::CommentType))
    );
}

// ---------------------------------------------------------------- duplicates and floods

#[test]
fn duplicates_within_the_window_are_held() {
    let r = rules("[flood]\nenabled = false\n");
    let a = comment(
        r#"{"comment_author":"A","comment_content":"Great post, please visit my website today"}"#,
    );
    let b = comment(
        r#"{"comment_author":"B","comment_content":"  great POST,   please visit my website today "}"#,
    );
    assert_eq!(verdict(&r, &a, NOW), None);
    assert_eq!(
        verdict(&r, &b, NOW + 10),
        Some((Action::Hold, RuleId::Duplicate))
    );
    assert_eq!(detail(&r, &b, NOW + 20), "same content seen 10 s ago");
    // A recheck is the same comment again: not a duplicate, and not recorded.
    let mut again = a.clone();
    again.recheck_reason = Some("recheck_queue".into());
    assert_eq!(verdict(&r, &again, NOW + 30), None);
    // Past the window (one hour after the last sighting) it passes.
    assert_eq!(verdict(&r, &a, NOW + 20 + 3601), None);
    // Short contents are never duplicates.
    assert_eq!(verdict(&r, &text("Thanks!"), NOW), None);
    assert_eq!(verdict(&r, &text("Thanks!"), NOW), None);
    let spam = rules("[duplicates]\naction = \"spam\"\nmin_chars = 1\n");
    assert_eq!(verdict(&spam, &text("Thanks!"), NOW), None);
    assert_eq!(
        verdict(&spam, &text("thanks!"), NOW),
        Some((Action::Spam, RuleId::Duplicate))
    );
}

#[test]
fn floods_from_one_ip_are_held_and_rechecks_do_not_count() {
    let r = rules("[duplicates]\nenabled = false\n[flood]\nmax_comments = 3\nwindow_secs = 60\n");
    let from = |ip: &str, n: usize| {
        comment(&format!(
            r#"{{"user_ip":"{ip}","comment_content":"comment {n}"}}"#
        ))
    };
    let t0 = NOW - NOW % 60; // start of a window: the estimate is exact
    for n in 0..3 {
        assert_eq!(verdict(&r, &from("192.0.2.1", n), t0 + n as i64), None);
    }
    assert_eq!(
        verdict(&r, &from("192.0.2.1", 3), t0 + 3),
        Some((Action::Hold, RuleId::Flood))
    );
    assert!(
        detail(&r, &from("192.0.2.1", 4), t0 + 4).contains("from 192.0.2.1 within 60 s (max 3)")
    );
    // Another IP is not affected; IPv6 counts per /64.
    assert_eq!(verdict(&r, &from("192.0.2.2", 0), t0 + 5), None);
    for n in 0..3 {
        let ip = format!("2001:db8::{n}");
        assert_eq!(verdict(&r, &from(&ip, n), t0 + 5), None);
    }
    assert_eq!(
        verdict(&r, &from("2001:db8::ff", 9), t0 + 6),
        Some((Action::Hold, RuleId::Flood))
    );
    // Rechecks are neither counted nor caught.
    let mut re = from("192.0.2.3", 0);
    re.recheck_reason = Some("retry".into());
    for _ in 0..10 {
        assert_eq!(verdict(&r, &re, t0 + 7), None);
    }
    assert_eq!(verdict(&r, &from("192.0.2.3", 1), t0 + 7), None);
    // Two windows later the IP starts afresh.
    assert_eq!(verdict(&r, &from("192.0.2.1", 9), t0 + 130), None);
}

#[test]
fn flood_as_spam_is_a_block_rule_even_for_trusted_authors() {
    let r = rules("[flood]\nmax_comments = 1\naction = \"spam\"\n[duplicates]\nenabled = false\n");
    let authors = MemoryAuthors::new();
    let c = comment(
        r#"{"user_ip":"192.0.2.1","comment_author":"A","comment_author_email":"a@example.org","comment_content":"x"}"#,
    );
    authors.record_approved(authors.keys().of(&c).unwrap());
    let ctx = RuleContext::new(NOW, &authors);
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::TrustedAuthor));
    assert_eq!(
        r.check(&c, &ctx).hit().map(|h| (h.action, h.rule)),
        Some((Action::Spam, RuleId::Flood))
    );
}

// ---------------------------------------------------------------- form tokens

fn token_rules() -> Rules {
    rules(&format!(
        "[token]\nenabled = true\nsecret = \"{SECRET}\"\n[duplicates]\nenabled = false\n[flood]\nenabled = false\n"
    ))
}

fn with_token(token: Option<&str>, post: &str) -> Comment {
    let mut c = text("A perfectly normal comment");
    c.server.insert("comment_post_ID".into(), post.into());
    if let Some(t) = token {
        c.server.insert("ferret_token".into(), t.into());
    }
    c
}

fn issue(post: &str, now: i64) -> String {
    FormTokens::new(FormSecret::new(SECRET).unwrap())
        .issue(post, now)
        .unwrap()
}

#[test]
fn a_valid_token_passes_once() {
    let r = token_rules();
    let t = r.form_tokens().unwrap().issue("42", NOW).unwrap();
    assert_eq!(verdict(&r, &with_token(Some(&t), "42"), NOW + 30), None);
    // Tokens from another FormTokens with the same secret are as good.
    let t2 = issue("42", NOW);
    assert_eq!(verdict(&r, &with_token(Some(&t2), "42"), NOW + 30), None);
}

#[test]
fn missing_token_is_spam() {
    let r = token_rules();
    assert_eq!(
        verdict(&r, &with_token(None, "42"), NOW),
        Some((Action::Spam, RuleId::TokenMissing))
    );
    assert_eq!(
        detail(&r, &with_token(Some("  "), "42"), NOW),
        "no ferret_token field"
    );
}

#[test]
fn forged_token_is_spam() {
    let r = token_rules();
    let other = FormTokens::new(FormSecret::new("another secret of 32 bytes......").unwrap());
    let forged = other.issue("42", NOW).unwrap();
    assert_eq!(
        verdict(&r, &with_token(Some(&forged), "42"), NOW + 30),
        Some((Action::Spam, RuleId::TokenForged))
    );
    // A genuine token with its time pushed back (to dodge expiry) no longer verifies.
    let good = issue("42", NOW);
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    parts[2] = (NOW + 5000).to_string();
    let moved = parts.join(".");
    assert_eq!(
        verdict(&r, &with_token(Some(&moved), "42"), NOW + 5030),
        Some((Action::Spam, RuleId::TokenForged))
    );
    for junk in [
        "x",
        "v1",
        "v1....",
        "v2.3432.1.00.00",
        "v1.zz.1.00.00",
        &good[..good.len() - 2],
    ] {
        assert_eq!(
            verdict(&r, &with_token(Some(junk), "42"), NOW + 30),
            Some((Action::Spam, RuleId::TokenForged)),
            "{junk}"
        );
    }
}

#[test]
fn token_for_another_post_is_spam() {
    let r = token_rules();
    let t = issue("41", NOW);
    assert_eq!(
        verdict(&r, &with_token(Some(&t), "42"), NOW + 30),
        Some((Action::Spam, RuleId::TokenWrongPost))
    );
    // Without comment_post_ID the permalink is the post id.
    let t = issue("https://blog.example/bread", NOW);
    let mut c = text("hello there");
    c.permalink = Some("https://blog.example/bread".into());
    c.server.insert("ferret_token".into(), t.clone());
    assert_eq!(verdict(&r, &c, NOW + 30), None);
    let mut c = text("hello there");
    c.permalink = Some("https://blog.example/other".into());
    c.server.insert(
        "ferret_token".into(),
        issue("https://blog.example/bread", NOW),
    );
    assert_eq!(
        verdict(&r, &c, NOW + 30).map(|v| v.1),
        Some(RuleId::TokenWrongPost)
    );
}

#[test]
fn replayed_token_is_spam() {
    let r = token_rules();
    let t = issue("42", NOW);
    assert_eq!(verdict(&r, &with_token(Some(&t), "42"), NOW + 10), None);
    assert_eq!(
        verdict(&r, &with_token(Some(&t), "42"), NOW + 20),
        Some((Action::Spam, RuleId::TokenReplayed))
    );
    // A recheck of the accepted comment is the same comment, not a replay, even hours later.
    let mut re = with_token(Some(&t), "42");
    re.recheck_reason = Some("recheck_queue".into());
    assert_eq!(verdict(&r, &re, NOW + 10 * 3600), None);
    // But a recheck still refuses a forged token.
    let mut re = with_token(Some("v1.00.1.00.00"), "42");
    re.recheck_reason = Some("edit".into());
    assert_eq!(
        verdict(&r, &re, NOW).map(|v| v.1),
        Some(RuleId::TokenForged)
    );
}

#[test]
fn the_flood_duplicate_and_replay_memories_see_every_fresh_comment() {
    // All three stateful rules on (they share one lock per check): a comment is counted by each
    // whatever the others, or the token, make of it.
    let r = rules(&format!(
        "[token]\nenabled = true\nsecret = \"{SECRET}\"\n[flood]\nmax_comments = 2\nwindow_secs = 60\n"
    ));
    let t0 = NOW - NOW % 60; // start of a window: the flood estimate is exact
    let post = |ip: &str, token: &str, content: &str| {
        let mut c = with_token(Some(token), "42");
        c.comment_content = Some(content.into());
        c.user_ip = Some(ip.into());
        c
    };
    let (a, b, c) = (
        "The first comment, long enough to be remembered",
        "A second one, also long enough to be remembered",
        "A third text that nobody has written before now",
    );
    let ip = "192.0.2.7";
    let t1 = issue("42", t0 - 60);
    assert_eq!(verdict(&r, &post(ip, &t1, a), t0), None);
    // The token replayed with new content: caught as a replay, and still counted and remembered.
    assert_eq!(
        verdict(&r, &post(ip, &t1, b), t0 + 1),
        Some((Action::Spam, RuleId::TokenReplayed))
    );
    // Third comment from the IP within the minute: a flood, so the replay above was counted.
    assert_eq!(
        verdict(&r, &post(ip, &issue("42", t0 - 50), c), t0 + 2),
        Some((Action::Hold, RuleId::Flood))
    );
    // The replayed comment's content was remembered too (duplicates come before floods).
    assert_eq!(
        verdict(&r, &post(ip, &issue("42", t0 - 40), b), t0 + 3),
        Some((Action::Hold, RuleId::Duplicate))
    );
    // A forged token is caught, and its comment counted and remembered all the same.
    let ip = "192.0.2.8";
    let d = "Yet another text, with a token nobody signed";
    assert_eq!(
        verdict(&r, &post(ip, "v1.00.1.00.00", d), t0 + 4).map(|v| v.1),
        Some(RuleId::TokenForged)
    );
    assert_eq!(
        verdict(&r, &post(ip, &issue("42", t0 - 30), d), t0 + 5),
        Some((Action::Hold, RuleId::Duplicate))
    );
    // Each fresh token passes once, even when another rule held its comment.
    let t2 = issue("42", t0 - 20);
    let e = "Fresh words at last, held as the third from this IP";
    assert_eq!(
        verdict(&r, &post(ip, &t2, e), t0 + 6),
        Some((Action::Hold, RuleId::Flood))
    );
    assert_eq!(
        verdict(&r, &post("192.0.2.9", &t2, e), t0 + 7),
        Some((Action::Spam, RuleId::TokenReplayed))
    );
}

#[test]
fn expired_token_is_spam() {
    let r = token_rules();
    let t = issue("42", NOW);
    assert_eq!(
        verdict(&r, &with_token(Some(&t), "42"), NOW + 7201),
        Some((Action::Spam, RuleId::TokenExpired))
    );
    assert_eq!(
        detail(&r, &with_token(Some(&issue("42", NOW)), "42"), NOW + 9000),
        "form token expired: issued 9000 s ago, max 7200 s"
    );
    let t = issue("42", NOW);
    assert_eq!(verdict(&r, &with_token(Some(&t), "42"), NOW + 7200), None);
}

#[test]
fn too_fast_token_is_spam() {
    let r = token_rules();
    let t = issue("42", NOW);
    for now in [NOW, NOW + 2, NOW - 100] {
        assert_eq!(
            verdict(&r, &with_token(Some(&t), "42"), now),
            Some((Action::Spam, RuleId::TokenTooFast)),
            "{now}"
        );
    }
    // Refused-as-too-fast does not burn the nonce: the same form submitted later passes.
    assert_eq!(verdict(&r, &with_token(Some(&t), "42"), NOW + 3), None);
    let slow = rules(&format!(
        "[token]\nenabled = true\nsecret = \"{SECRET}\"\nmin_fill_secs = 10\naction = \"hold\"\n"
    ));
    let t = slow.form_tokens().unwrap().issue("42", NOW).unwrap();
    assert_eq!(
        verdict(&slow, &with_token(Some(&t), "42"), NOW + 9),
        Some((Action::Hold, RuleId::TokenTooFast))
    );
}

#[test]
fn the_secret_never_leaves() {
    let c = config(&format!("[token]\nenabled = true\nsecret = \"{SECRET}\"\n"));
    assert!(!format!("{c:?}").contains(SECRET));
    let r = Rules::new(&c).unwrap();
    assert!(!format!("{r:?}").contains(SECRET));
    assert!(!format!("{:?}", r.form_tokens().unwrap()).contains(SECRET));
    let t = r.form_tokens().unwrap().issue("42", NOW).unwrap();
    assert!(!t.contains(SECRET));
    let cases = [
        with_token(None, "42"),
        with_token(Some("v1.00.1.00.00"), "42"),
        with_token(Some(&t), "41"),
        with_token(Some(&t), "42"),
    ];
    for (i, c) in cases.iter().enumerate() {
        if let RuleOutcome::Hit(h) = r.check(c, &at(NOW + 1 + i as i64 * 10_000)) {
            assert!(!h.detail.contains(SECRET) && !h.to_string().contains(SECRET));
        }
    }
}

// ---------------------------------------------------------------- precedence and everything at once

const ALL: &str = r#"
[disallowed]
words = ["casino"]
ips = ["203.0.113.0/24"]
[moderation]
words = ["crypto"]
hosts = ["shady.example"]
[token]
enabled = true
secret = "test secret, 32 bytes of it....!"
[flood]
max_comments = 100
"#;

#[test]
fn precedence_role_block_author_hold() {
    let r = rules(ALL);
    let authors = MemoryAuthors::new();
    let ctx = RuleContext::new(NOW + 60, &authors);
    let tok = issue("7", NOW);
    let base = |extra: &str| {
        comment(&format!(
            r#"{{"comment_author":"Ann","comment_author_email":"ann@example.org","comment_post_ID":"7",
                "honeypot_field_name":"hp","comment_content":"hello", {extra}}}"#
        ))
    };
    authors.record_approved(authors.keys().of(&base(r#""x":"1""#)).unwrap());

    // Role beats everything, even a filled honeypot.
    let c = base(r#""user_role":"administrator","hp":"filled""#);
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::TrustedRole));
    // Honeypot beats disallowed, token and trusted author.
    let c = base(r#""hp":"filled","user_ip":"203.0.113.5""#);
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::Honeypot));
    // Disallowed beats the missing token and the trusted author.
    let c = base(r#""user_ip":"203.0.113.5""#);
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::Disallowed));
    // The missing token (a block rule) beats the trusted author.
    let c = base(r#""comment_author_url":"","y":"1""#);
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::TokenMissing));
    // With a valid token, the trusted author beats moderation and links.
    let c = comment(&format!(
        r#"{{"comment_author":"Ann","comment_author_email":"ann@example.org","comment_post_ID":"7","ferret_token":"{tok}",
            "comment_content":"crypto https://shady.example https://b.example"}}"#
    ));
    assert_eq!(r.check(&c, &ctx).rule(), Some(RuleId::TrustedAuthor));
    // A stranger with the same comment is held by moderation (first hold rule).
    let tok2 = issue("7", NOW);
    let c = comment(&format!(
        r#"{{"comment_author":"Bob","comment_author_email":"bob@example.org","comment_post_ID":"7","ferret_token":"{tok2}",
            "comment_content":"crypto https://shady.example https://b.example"}}"#
    ));
    let out = r.check(&c, &ctx);
    assert_eq!(out.rule(), Some(RuleId::Moderation));
    assert_eq!(
        out.hit().unwrap().detail,
        r#"word "crypto" in comment_content"#
    );
}

#[test]
fn all_rules_together_one_comment_each() {
    let r = rules(ALL);
    let ctx = at(NOW + 60);
    let post = |extra: &str, content: &str| {
        let tok = issue("7", NOW);
        comment(&format!(
            r#"{{"comment_post_ID":"7","ferret_token":"{tok}","comment_content":"{content}"{extra}}}"#
        ))
    };
    let cases: Vec<(Comment, Option<RuleId>)> = vec![
        (post("", "a fine comment"), None),
        (post("", "casino"), Some(RuleId::Disallowed)),
        (
            post(r#","user_ip":"203.0.113.1""#, "hi"),
            Some(RuleId::Disallowed),
        ),
        (post("", "crypto"), Some(RuleId::Moderation)),
        (
            post(r#","comment_author_url":"http://a.shady.example""#, "hi"),
            Some(RuleId::Moderation),
        ),
        (
            post("", "https://a.example http://b.example"),
            Some(RuleId::MaxLinks),
        ),
        (
            post(r#","comment_type":"pingback""#, "hi"),
            Some(RuleId::CommentType),
        ),
        (
            post(r#","honeypot_field_name":"hp","hp":"x""#, "hi"),
            Some(RuleId::Honeypot),
        ),
        (with_token(None, "7"), Some(RuleId::TokenMissing)),
        (
            post(r#","user_role":"editor""#, "casino"),
            Some(RuleId::TrustedRole),
        ),
    ];
    for (c, want) in &cases {
        assert_eq!(r.check(c, &ctx).rule(), *want, "{c:?}");
    }
}

#[test]
fn checks_from_many_threads_share_state() {
    let r = Arc::new(rules("[flood]\nmax_comments = 100\nwindow_secs = 3600\n"));
    let hits: usize = (0..4)
        .map(|t| {
            let r = Arc::clone(&r);
            std::thread::spawn(move || {
                (0..100)
                    .filter(|i| {
                        let c = comment(&format!(
                            r#"{{"user_ip":"192.0.2.9","comment_content":"thread {t} comment {i}"}}"#
                        ));
                        r.check(&c, &at(NOW)).rule() == Some(RuleId::Flood)
                    })
                    .count()
            })
        })
        .map(|h| h.join().unwrap())
        .sum();
    // 400 comments from one IP within the hour, 100 allowed: exactly 300 caught.
    assert_eq!(hits, 300);
}

// ---------------------------------------------------------------- configuration errors

#[test]
fn a_bad_regex_names_the_list_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regex.txt");
    std::fs::write(&path, "# patterns\nfine\n\nbro(ken\n").unwrap();
    let c = config("[moderation]\nregex = \"regex.txt\"\n").with_base_dir(dir.path());
    let err = Rules::new(&c).unwrap_err();
    match &err {
        RulesError::BadRegex {
            list, at, entry, ..
        } => {
            assert_eq!(list, "rules.moderation.regex");
            assert_eq!(
                at,
                &EntryAt::File {
                    path: path.clone(),
                    line: 4
                }
            );
            assert_eq!(entry, "bro(ken");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("rules.moderation.regex") && msg.contains("regex.txt line 4"),
        "{msg}"
    );
    // Inline: the position in the array.
    let err = Rules::new(&config("[disallowed]\nregex = [\"ok\", \"[\"]\n")).unwrap_err();
    assert!(err.to_string().contains("inline entry 2"), "{err}");
}

#[test]
fn a_bad_cidr_names_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = std::fs::File::create(dir.path().join("ips.txt")).unwrap();
    writeln!(f, "192.0.2.0/24\n2001:db8::/129").unwrap();
    let c = config("[disallowed]\nips = \"ips.txt\"\n").with_base_dir(dir.path());
    let err = Rules::new(&c).unwrap_err().to_string();
    assert!(
        err.contains("ips.txt line 2") && err.contains("2001:db8::/129"),
        "{err}"
    );
    for bad in ["192.168.", "10.0.0.0/x", "300.1.1.1", "10.0.0.0/33"] {
        let err = Rules::new(&config(&format!("[disallowed]\nips = [\"{bad}\"]\n"))).unwrap_err();
        assert!(matches!(err, RulesError::BadCidr { .. }), "{bad}: {err}");
    }
}

#[test]
fn other_config_errors_say_what_to_do() {
    let missing = Rules::new(&config(
        "[disallowed]\nwords = \"/nonexistent/ferret/words.txt\"\n",
    ))
    .unwrap_err();
    assert!(matches!(missing, RulesError::ReadList { .. }), "{missing}");
    assert!(missing.to_string().contains("rules.disallowed.words"));
    let no_secret = Rules::new(&config("[token]\nenabled = true\n")).unwrap_err();
    assert!(
        no_secret.to_string().contains("token.secret"),
        "{no_secret}"
    );
    let ham = Rules::new(&config("[links]\naction = \"ham\"\n")).unwrap_err();
    assert!(ham.to_string().contains("links.action"), "{ham}");
    let zero = Rules::new(&config("[trusted_authors]\nmin_approved = 0\n")).unwrap_err();
    assert!(zero.to_string().contains("min_approved"), "{zero}");
    let win = Rules::new(&config("[duplicates]\nwindow_secs = 0\n")).unwrap_err();
    assert!(win.to_string().contains("duplicates.window_secs"), "{win}");
    let email = Rules::new(&config("[disallowed]\nemails = [\"a b@c\"]\n")).unwrap_err();
    assert!(matches!(email, RulesError::BadEntry { .. }), "{email}");
    // A replay cache too large to allocate is refused, not an abort at start-up.
    let huge = Rules::new(&config(&format!(
        "[token]\nenabled = true\nsecret = \"{}\"\nreplay_capacity = 100000000000000\n",
        "s".repeat(32)
    )))
    .unwrap_err();
    assert!(huge.to_string().contains("token.replay_capacity"), "{huge}");
    let typo = toml::from_str::<RulesConfig>("[moderation]\nword = [\"x\"]\n").unwrap_err();
    assert!(typo.to_string().contains("word"), "{typo}");
}

// ---------------------------------------------------------------- 100,000-entry lists

/// A deterministic word that is not an English word: `zq` + base-26 digits of `i`.
fn fake_word(i: usize) -> String {
    let mut s = String::from("zq");
    let mut n = i;
    for _ in 0..5 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

#[test]
fn lists_of_100_000_entries_build_and_match() {
    const N: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &mut dyn Iterator<Item = String>| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.path().join(name)).unwrap());
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
    };
    write("words.txt", &mut (0..N).map(fake_word));
    // 100,000 /24 networks in 10.0.0.0/8 and 100,000 /48s in 2001:db8::/32 (every other one).
    write(
        "ips.txt",
        &mut (0..N).map(|i| {
            if i % 2 == 0 {
                format!("10.{}.{}.0/24", (i / 2) >> 8 & 255, (i / 2) & 255)
            } else {
                format!("2001:db8:{:x}::/48", i / 2)
            }
        }),
    );
    write(
        "emails.txt",
        &mut (0..N).map(|i| format!("spammer{i}@mail{}.example", i % 1000)),
    );
    write(
        "hosts.txt",
        &mut (0..N).map(|i| format!("spam-host-{i}.example")),
    );
    let c = config(
        "[disallowed]\nwords = \"words.txt\"\nips = \"ips.txt\"\nemails = \"emails.txt\"\nhosts = \"hosts.txt\"\n",
    )
    .with_base_dir(dir.path());
    let t = Instant::now();
    let r = Rules::new(&c).unwrap();
    println!("built 4 x 100,000-entry lists in {:?}", t.elapsed());

    let hit = |json: &str| detail(&r, &comment(json), NOW);
    assert_eq!(
        hit(&format!(
            r#"{{"comment_content":"hello {} world"}}"#,
            fake_word(99_999).to_uppercase()
        )),
        format!("word {:?} in comment_content", fake_word(99_999))
    );
    assert_eq!(
        hit(r#"{"user_ip":"10.0.5.77","comment_content":"hi"}"#),
        "ip 10.0.5.0/24"
    );
    assert_eq!(
        hit(r#"{"user_ip":"2001:db8:c34f:1::9","comment_content":"hi"}"#),
        "ip 2001:db8:c34f::/48"
    );
    assert_eq!(
        hit(r#"{"comment_author_email":"Spammer77777@MAIL777.example","comment_content":"hi"}"#),
        "email spammer77777@mail777.example"
    );
    assert_eq!(
        hit(r#"{"comment_content":"see https://www.spam-host-4242.example/x"}"#),
        "host spam-host-4242.example (www.spam-host-4242.example)"
    );
    // And ordinary comments still pass.
    let ham = comment(
        r#"{"comment_author":"Ann","comment_author_email":"ann@example.org","user_ip":"192.0.2.1",
            "comment_content":"Nice photos of https://ann.example/garden, thanks for sharing!"}"#,
    );
    assert_eq!(r.check(&ham, &at(NOW)), RuleOutcome::Pass);
    assert_eq!(
        verdict(
            &r,
            &comment(r#"{"user_ip":"10.200.0.1","comment_content":"x"}"#),
            NOW
        ),
        None,
        "10.200.0.0/24 is past the generated networks"
    );
}

#[test]
fn rule_ids_are_countable() {
    let mut counts = [0u64; RuleId::COUNT];
    let r = rules("[disallowed]\nwords = [\"casino\"]\n");
    for t in [
        "casino",
        "ok",
        "casino again",
        "https://a.example https://b.example",
    ] {
        if let Some(rule) = r.check(&text(t), &at(NOW)).rule() {
            counts[rule.index()] += 1;
        }
    }
    assert_eq!(counts[RuleId::Disallowed.index()], 2);
    assert_eq!(counts[RuleId::MaxLinks.index()], 1);
    let names: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
    assert!(names.contains(&"token_replayed") && names.contains(&"max_links"));
}

#[test]
fn the_readme_shows_the_real_snippet_and_a_loadable_example() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(ferret_rules::FORM_SNIPPET),
        "README.md's HTML/JS snippet differs from FORM_SNIPPET"
    );
    // The full `ferret.toml` example parses (list files aside, it is a valid [rules] table).
    let start = readme.find("```toml\n[rules]\n").expect("toml example") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    #[derive(serde::Deserialize)]
    struct File {
        #[allow(dead_code)]
        rules: RulesConfig,
    }
    toml::from_str::<File>(&readme[start..end]).unwrap_or_else(|e| panic!("{e}"));
}

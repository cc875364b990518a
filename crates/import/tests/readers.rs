//! Every reader on its hand-written fixture (`tests/fixtures/`), then on malformed input: each bad
//! file is an error naming the file and a line, never a panic or a silent partial import.

use std::path::{Path, PathBuf};

use ferret_import::{Format, Import, ImportError, ImportOptions, Label, Labelled, SkipReason};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import(name: &str, opts: &ImportOptions) -> (Vec<Labelled>, Import) {
    let mut imp = Import::open(&fixture(name), opts).unwrap();
    let mut v = Vec::new();
    for r in imp.by_ref() {
        v.push(r.unwrap_or_else(|e| panic!("{name}: {e}")));
    }
    (v, imp)
}

fn all(name: &str) -> (Vec<Labelled>, Import) {
    import(name, &ImportOptions::new())
}

fn from_str(text: &str, name: &str, opts: &ImportOptions) -> Result<Vec<Labelled>, ImportError> {
    Import::from_reader(std::io::Cursor::new(text.as_bytes().to_vec()), name, opts)?.collect()
}

#[test]
fn wxr_reads_every_comment_with_its_post() {
    let (v, imp) = all("site.wxr.xml");
    assert_eq!(imp.format(), Format::Wxr);
    let s = imp.stats();
    assert_eq!((s.read, s.ham, s.spam), (7, 3, 1), "{s}");
    assert_eq!(s.skipped_for(SkipReason::Pending), 1);
    assert_eq!(s.skipped_for(SkipReason::Trash), 1);
    assert_eq!(s.skipped_for(SkipReason::UnknownStatus), 1);
    assert!(s
        .examples
        .iter()
        .any(|(r, e)| *r == SkipReason::Pending && e.contains("rye flour")));
    let c = &v[0].comment;
    assert_eq!(c.comment_author.as_deref(), Some("Zoë Brûlé"));
    assert_eq!(c.comment_author_email.as_deref(), Some("zoe@crumb.example"));
    assert_eq!(c.user_ip.as_deref(), Some("198.51.100.23"));
    assert_eq!(c.comment_date_gmt.as_deref(), Some("2024-01-03T10:00:00Z"));
    assert_eq!(
        c.comment_post_modified_gmt.as_deref(),
        Some("2024-01-02T09:00:00Z")
    );
    assert_eq!(
        c.permalink.as_deref(),
        Some("https://bread.example/2024/pain-de-campagne/")
    );
    assert_eq!(c.blog.as_deref(), Some("https://bread.example"));
    assert_eq!(c.comment_context, ["Sourdough", "levain"]);
    assert_eq!(c.comment_type.as_deref(), Some("comment"));
    assert!(c.content().starts_with(
        "Très belle mie ! I used 75% hydration & it worked <b>perfectly</b>. 日本語も"
    ));
    assert_eq!(v[0].pos.line, 29, "{:?}", v[0].pos);
    // Entities outside CDATA, an empty type, a reply.
    let c = &v[1].comment;
    assert_eq!(c.comment_author.as_deref(), Some("Ann & Bob"));
    assert_eq!(c.content(), "Entities outside CDATA: <i>café</i> — \"ok\"");
    assert_eq!(c.comment_type.as_deref(), Some("comment"));
    assert_eq!(c.comment_parent.as_deref(), Some("1"));
    assert_eq!(c.comment_author_url, None);
    assert_eq!(v[2].comment.comment_type.as_deref(), Some("pingback"));
    assert_eq!(
        v[2].comment.content(),
        "[&#8230;] see this pain de campagne [&#8230;]"
    );
    assert_eq!(v[3].label, Label::Spam);
    assert_eq!(
        v[3].comment.permalink.as_deref(),
        Some("https://bread.example/2024/baguette/")
    );
    assert_eq!(v[3].comment.comment_context, ["Yeasted"]);
    // A site-wide constant (the blog's language) would be a class proxy when spam comes from
    // another export, so it is not set.
    assert!(v.iter().all(|l| l.comment.blog_lang.is_none()));
}

#[test]
fn wxr_pending_and_trash_can_be_mapped() {
    let opts = ImportOptions::new()
        .pending_as(Some(Label::Ham))
        .trash_as(Some(Label::Spam));
    let (v, imp) = import("site.wxr.xml", &opts);
    assert_eq!((imp.stats().ham, imp.stats().spam), (4, 2));
    assert_eq!(v.len(), 6);
    assert!(v
        .iter()
        .any(|l| l.comment.content() == "first!!!" && l.label == Label::Spam));
}

#[test]
fn wxr_without_spam_says_where_to_get_it() {
    let opts = ImportOptions::new();
    let ham_only = r#"<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>
        <wp:comment><wp:comment_content>hi</wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
        </item></channel></rss>"#;
    let mut imp = Import::from_reader(ham_only.as_bytes(), "site.xml", &opts).unwrap();
    assert_eq!(imp.by_ref().count(), 1);
    let hint = imp.stats().hint().unwrap();
    assert!(
        hint.contains("leaves spam out") && hint.contains("wp comment list --status=spam"),
        "{hint}"
    );
}

#[test]
fn disqus_posts_with_threads() {
    let (v, imp) = all("disqus.xml");
    assert_eq!(imp.format(), Format::Disqus);
    assert_eq!((imp.stats().ham, imp.stats().spam), (1, 1));
    assert_eq!(imp.stats().skipped_for(SkipReason::Trash), 1);
    let c = &v[0].comment;
    assert_eq!(
        c.content(),
        "Lovely crust, thanks for the recipe! \n Merci & à bientôt"
            .replace(" \n ", "\n\n")
            .trim()
    );
    assert_eq!(c.comment_author.as_deref(), Some("Zoë"));
    assert_eq!(c.comment_author_email.as_deref(), Some("zoe@crumb.example"));
    assert_eq!(c.user_ip.as_deref(), Some("198.51.100.23"));
    assert_eq!(
        c.permalink.as_deref(),
        Some("https://bread.example/2024/pain-de-campagne/")
    );
    assert_eq!(c.comment_date_gmt.as_deref(), Some("2024-01-03T10:00:00Z"));
    assert_eq!(v[1].label, Label::Spam);
    assert!(
        v[1].comment.content().contains("http://casino.example/"),
        "{}",
        v[1].comment.content()
    );
}

#[test]
fn wp_comments_csv() {
    let (v, imp) = all("wp_comments.csv");
    assert_eq!(imp.format(), Format::Csv);
    let s = imp.stats();
    assert_eq!(
        (s.ham, s.spam, s.skipped_for(SkipReason::Pending)),
        (2, 1, 1),
        "{s}"
    );
    let c = &v[0].comment;
    assert_eq!(
        c.content(),
        "Très belle mie, \"perfect\" crust,\nand a second line"
    );
    assert_eq!(
        c.user_agent.as_deref(),
        Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0")
    );
    assert_eq!(c.user_ip.as_deref(), Some("198.51.100.23"));
    assert_eq!(c.comment_date_gmt.as_deref(), Some("2024-01-03T10:00:00Z"));
    assert_eq!(v[0].pos.line, 2);
    assert_eq!(v[1].pos.line, 4);
    assert_eq!(v[2].comment.comment_type.as_deref(), Some("pingback"));
}

#[test]
fn sql_dump_extended_inserts_and_column_lists() {
    let (v, imp) = all("wp_comments.sql");
    assert_eq!(imp.format(), Format::Sql);
    let s = imp.stats();
    assert_eq!(
        (s.ham, s.spam, s.skipped_for(SkipReason::Pending)),
        (2, 2, 1),
        "{s}"
    );
    let c = &v[0].comment;
    assert_eq!(
        c.content(),
        "Très belle mie, it's \"perfect\";\nsecond line, (parens) and O'Brien"
    );
    assert_eq!(c.comment_author.as_deref(), Some("Zoë Brûlé"));
    assert_eq!(
        c.user_agent.as_deref(),
        Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0")
    );
    assert!(v[1].comment.content().ends_with("100\\% off"));
    assert_eq!(v[2].comment.comment_type.as_deref(), Some("pingback"));
    assert_eq!(v[3].comment.comment_author, None);
    assert_eq!(v[3].label, Label::Spam);
    assert_eq!(v[3].comment.comment_type.as_deref(), Some("comment"));
}

#[test]
fn sql_without_create_table_uses_wordpress_schema() {
    let dump = "INSERT INTO wp_comments VALUES (1,2,'a','a@b','','1.2.3.4','2024-01-01 00:00:00','2024-01-01 00:00:00','hello there',0,'1','UA','comment',0,0);\n";
    let v = from_str(dump, "d.sql", &ImportOptions::new()).unwrap();
    assert_eq!(v[0].comment.content(), "hello there");
    assert_eq!(v[0].comment.user_agent.as_deref(), Some("UA"));
    assert_eq!(v[0].label, Label::Ham);
}

#[test]
fn wp_cli_json_and_csv() {
    let (v, imp) = all("wpcli_spam.json");
    assert_eq!(imp.format(), Format::Json);
    assert_eq!(imp.stats().spam, 2);
    let c = &v[0].comment;
    assert_eq!(
        c.content(),
        "Best online casino bonus — click http://casino.example/"
    );
    assert_eq!(c.user_ip.as_deref(), Some("45.0.0.7"));
    assert_eq!(c.user_agent.as_deref(), Some("Mozilla/4.0"));
    assert_eq!(c.comment_date_gmt.as_deref(), Some("2024-02-01T01:02:03Z"));
    assert!(c.server.is_empty(), "{:?}", c.server);
    assert_eq!(v[1].comment.comment_type.as_deref(), Some("comment"));
    assert_eq!(v[1].comment.user_agent, None);

    let (v, imp) = all("wpcli_spam.csv");
    assert_eq!(imp.stats().spam, 2);
    assert_eq!(
        v[0].comment.content(),
        "Best online casino bonus, click http://casino.example/"
    );
    assert_eq!(v[0].comment.comment_type.as_deref(), Some("comment"));
}

#[test]
fn corpora_with_column_mapping() {
    // The SMS collection: TSV, no header, label first, bare quotes in the text.
    let opts = ImportOptions::new()
        .label_col(Some("1".into()))
        .text_col(Some("2".into()));
    let (v, imp) = import("sms.tsv", &opts);
    assert_eq!(imp.format(), Format::Tsv);
    assert_eq!((imp.stats().ham, imp.stats().spam), (2, 1));
    assert_eq!(v[2].comment.content(), "I said \"call me later");
    // YouTube-comments style CSV: CLASS 1 is spam, the text column found by name.
    let opts = ImportOptions::new().spam_value("1");
    let (v, imp) = import("corpus.csv", &opts);
    assert_eq!((imp.stats().ham, imp.stats().spam), (1, 1));
    assert_eq!(
        v[1].comment.content(),
        "Check out my channel http://x.example, subscribe!"
    );
    // Named columns that are not there: the error lists those that are.
    let opts = ImportOptions::new().text_col(Some("body_text".into()));
    let e = Import::open(&fixture("corpus.csv"), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("body_text") && e.contains("CONTENT, CLASS"),
        "{e}"
    );
}

#[test]
fn jsonl_as_before() {
    let (v, imp) = all("train.jsonl");
    assert_eq!(imp.format(), Format::Jsonl);
    assert_eq!(v.len(), 3);
    assert_eq!(v[1].comment.comment_author.as_deref(), Some("rx"));
    assert_eq!(v[2].pos.line, 4);
    let e = from_str("{\"text\":\"x\"}\n", "t.jsonl", &ImportOptions::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.jsonl:1") && e.contains("\"label\" is missing"),
        "{e}"
    );
    let v = from_str(
        "{\"text\":\"x\"}\n",
        "t.jsonl",
        &ImportOptions::new().unlabelled_as(Some(Label::Spam)),
    )
    .unwrap();
    assert_eq!(v[0].label, Label::Spam);
}

#[test]
fn mbox_decodes_mime_and_charsets() {
    let (v, imp) = all("ham.mbox");
    assert_eq!(imp.format(), Format::Mbox);
    assert_eq!(imp.stats().ham, 2);
    let c = &v[0].comment;
    assert_eq!(c.comment_author.as_deref(), Some("Zoë Brûlé"));
    assert_eq!(c.comment_author_email.as_deref(), Some("zoe@crumb.example"));
    let t = c.content();
    assert!(
        t.starts_with("Re: pain de campagne à la maison\n\n"),
        "{t:?}"
    );
    assert!(
        t.contains("Très belle mie, merci ! Le levain était parfait et la croûte croustillante."),
        "{t:?}"
    );
    assert!(t.contains("\nFrom the oven"), "mboxrd unescape: {t:?}");
    assert_eq!(
        t.matches("belle mie").count(),
        1,
        "alternative parts are one text: {t:?}"
    );
    assert!(
        !t.contains("Received") && !t.contains("multi-part message"),
        "{t:?}"
    );
    assert_eq!(v[0].pos.line, 1);
    assert_eq!(v[1].pos.line, 27);
    assert_eq!(
        v[1].comment.content(),
        "lunch\n\nAre we still on for lunch? ça va"
    );
    assert!(c.user_ip.is_none() && c.user_agent.is_none());
}

#[test]
fn maildir_labels_from_folders() {
    let (v, imp) = all("maildir");
    assert_eq!(imp.format(), Format::Maildir);
    let s = imp.stats();
    assert_eq!(
        (s.ham, s.spam, s.skipped_for(SkipReason::NotMail)),
        (1, 2, 1),
        "{s}"
    );
    assert_eq!(v[0].label, Label::Ham);
    assert_eq!(
        v[0].comment.content(),
        "recipe\n\nCould you share the rye recipe?"
    );
    assert!(v[0]
        .file
        .as_ref()
        .unwrap()
        .ends_with("ham/new/1700000002.3.host"));
    assert_eq!(v[1].label, Label::Spam);
    assert!(
        v[1].comment.content().contains("Win € 500 at"),
        "{}",
        v[1].comment.content()
    );
    assert!(v[1].comment.content().contains("http://casino.example/"));
    assert_eq!(
        v[2].comment.content(),
        "Cheap pills\n\nCheap pills, no prescription"
    );
}

#[test]
fn unlabelled_mail_is_an_error_unless_defaulted() {
    let msg = "From: a@b.example\nSubject: hi\n\nhello\n";
    let e = from_str(msg, "message.eml", &ImportOptions::new())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("message.eml:1") && e.contains("--unlabelled-as"),
        "{e}"
    );
    let v = from_str(
        msg,
        "message.eml",
        &ImportOptions::new().unlabelled_as(Some(Label::Ham)),
    )
    .unwrap();
    assert_eq!(v[0].comment.content(), "hi\n\nhello");
    let v = from_str(msg, "spam/message.eml", &ImportOptions::new()).unwrap();
    assert_eq!(v[0].label, Label::Spam);
}

/// Asserts an error that names `file` and `line`, and mentions `needle`.
fn bad(text: &str, name: &str, line: u64, needle: &str) {
    bad_with(text, name, line, needle, &ImportOptions::new());
}

fn bad_with(text: &str, name: &str, line: u64, needle: &str, opts: &ImportOptions) {
    let e = match from_str(text, name, opts) {
        Ok(v) => panic!("{name}: expected an error, read {} records", v.len()),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains(&format!("{name}:{line}")) && e.contains(needle),
        "{name}: {e}"
    );
}

#[test]
fn malformed_inputs_are_errors_with_positions() {
    let wxr = std::fs::read_to_string(fixture("site.wxr.xml")).unwrap();
    // Truncated in the middle of the first comment's content.
    let cut = wxr.find("Très belle").unwrap() + 5;
    bad(&wxr[..cut], "cut.xml", 37, "CDATA not closed");
    // Truncated between comments.
    let cut = wxr.find("<wp:comment>\n\t\t\t<wp:comment_id>2").unwrap();
    bad(&wxr[..cut], "cut2.xml", 44, "still open");
    // Mismatched tag.
    bad(
        &wxr.replacen("</wp:comment_author>", "</wp:comment_autor>", 1),
        "tag.xml",
        31,
        "comment_autor",
    );
    // Invalid UTF-8 inside CDATA.
    let mut bytes = wxr.clone().into_bytes();
    let at = wxr.find("Très").unwrap() + 1;
    bytes[at] = 0xff;
    let r: Result<Vec<_>, _> = Import::from_reader(
        std::io::Cursor::new(bytes),
        "utf.xml",
        &ImportOptions::new(),
    )
    .unwrap()
    .collect();
    let e = r.unwrap_err().to_string();
    assert!(e.contains("utf.xml:37") && e.contains("UTF-8"), "{e}");
    // Disqus cut short.
    let dq = std::fs::read_to_string(fixture("disqus.xml")).unwrap();
    bad(
        &dq[..dq.find("<isSpam>true").unwrap()],
        "dq.xml",
        44,
        "truncated",
    );
    // CSV with an unclosed quote swallowing the next rows.
    let csv = "comment_author,comment_content,comment_approved\na,\"open quote,1\nb,fine,1\n";
    bad(csv, "bad.csv", 2, "fields");
    // CSV whose rows have too many fields.
    bad(
        "comment_content,comment_approved\nx,1,extra\n",
        "extra.csv",
        2,
        "3 fields",
    );
    // CSV in Latin-1.
    let r: Result<Vec<_>, _> = Import::from_reader(
        &b"comment_content,comment_approved\ncaf\xe9,1\n"[..],
        "l1.csv",
        &ImportOptions::new(),
    )
    .unwrap()
    .collect();
    assert!(r.unwrap_err().to_string().contains("iconv"));
    // SQL: unterminated string, bad row, missing semicolon.
    bad(
        "INSERT INTO `wp_comments` VALUES (1,2,'a','b','','','','','it\\'s cut",
        "cut.sql",
        1,
        "quoted string",
    );
    bad(
        "INSERT INTO wp_comments (comment_content, comment_approved) VALUES ('a','1'),('b');",
        "short.sql",
        1,
        "1 values but the INSERT has 2",
    );
    bad(
        "INSERT INTO wp_comments (comment_content, comment_approved) VALUES ('a','1')\n",
        "semi.sql",
        2,
        "truncated",
    );
    bad(
        "\n\nINSERT INTO wp_comments (comment_author) VALUES ('a');",
        "nocontent.sql",
        3,
        "no comment_content",
    );
    // JSON: cut inside an object, garbage between objects.
    bad(
        "[{\"comment_content\":\"a\",\"comment_approved\":\"spam\"},\n{\"comment_content\":\"b",
        "cut.json",
        2,
        "truncated",
    );
    bad(
        "[{\"comment_content\":\"a\",\"comment_approved\":\"spam\"} x]",
        "junk.json",
        1,
        "expected an object",
    );
    bad(
        "[{\"comment_content\": 5, \"label\":\"spam\"}]",
        "type.json",
        1,
        "invalid type",
    );
    bad(
        "{\"label\":\"spam\",\"text\":\"a\"}\n{\"label\":\"eggs\",\"text\":\"b\"}\n",
        "t.jsonl",
        2,
        "eggs",
    );
    bad(
        "{\"label\":\"spam\",\"text\":\"a\"}\n{not json\n",
        "t2.jsonl",
        2,
        "key must be a string",
    );
    // Mail: bad base64, bad quoted-printable, multipart without boundary.
    let mbox = "From a@b Mon Jan 1 00:00:00 2024\nFrom: a@b\nSubject: ok\n\nfine\n\nFrom c@d Mon Jan 1 00:00:00 2024\nFrom: c@d\nContent-Transfer-Encoding: base64\n\naGVsbG8*d29ybGQ=\n";
    bad(mbox, "spam.mbox", 7, "invalid base64");
    bad(
        "From: a@b\nSubject: x\nContent-Transfer-Encoding: quoted-printable\n\nbad =ZZ escape\n",
        "spam.eml",
        1,
        "quoted-printable",
    );
    bad(
        "From: a@b\nContent-Type: multipart/mixed\n\n--x\n\nhi\n",
        "ham.eml",
        1,
        "without a boundary",
    );
    bad("not an mbox\n", "spam.mbox", 1, "From ");
    bad_with(
        "no headers\n",
        "x.mbox",
        1,
        "From ",
        &ImportOptions::new().format(Some(Format::Mbox)),
    );
}

#[test]
fn sniffing_is_overridable_and_unknown_content_is_an_error() {
    let e = from_str(
        "<html><body>hi</body></html>",
        "page.html",
        &ImportOptions::new(),
    )
    .unwrap_err();
    assert!(matches!(e, ImportError::UnknownFormat { .. }), "{e}");
    let v = from_str(
        "text,label\nhello,ham\n",
        "x.txt",
        &ImportOptions::new().format(Some(Format::Csv)),
    )
    .unwrap();
    assert_eq!(v[0].label, Label::Ham);
    let e = Import::open(
        &fixture("maildir"),
        &ImportOptions::new().format(Some(Format::Csv)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("folder"), "{e}");
}

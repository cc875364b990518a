//! Writes a synthetic WordPress export for benchmarks: `N` comments in WXR (ham, pending and trash,
//! as WordPress's exporter writes them: no spam) and, with a third argument, a WP-CLI JSON file of
//! spam (`wp comment list --status=spam --format=json` shape) to train against.
//!
//! ```sh
//! cargo run --release -p ferret-import --example gen_wxr -- 1000000 7 /tmp/site.xml /tmp/spam.json 20000
//! ferret train --model /tmp/site.ferret /tmp/site.xml /tmp/spam.json
//! ```
//! The same seed always writes the same bytes.

use std::fs::File;
use std::io::{BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const HAM_WORDS: &[&str] = &[
    "the",
    "bread",
    "recipe",
    "flour",
    "water",
    "salt",
    "levain",
    "crumb",
    "crust",
    "oven",
    "thanks",
    "great",
    "tried",
    "this",
    "weekend",
    "my",
    "kids",
    "loved",
    "it",
    "how",
    "long",
    "do",
    "you",
    "proof",
    "overnight",
    "fridge",
    "rye",
    "whole",
    "wheat",
    "hydration",
    "starter",
    "was",
    "a",
    "bit",
    "dense",
    "but",
    "tasty",
    "next",
    "time",
    "I",
    "will",
    "bake",
    "longer",
    "question",
    "about",
    "temperature",
    "lovely",
    "photos",
    "café",
    "très",
    "bon",
    "merci",
    "Dutch",
    "oven",
    "lid",
    "steam",
];
const SPAM_WORDS: &[&str] = &[
    "cheap",
    "pills",
    "buy",
    "now",
    "online",
    "casino",
    "bonus",
    "free",
    "click",
    "here",
    "best",
    "price",
    "discount",
    "viagra",
    "loans",
    "crypto",
    "earn",
    "money",
    "fast",
    "SEO",
    "backlinks",
    "service",
    "visit",
    "my",
    "site",
    "great",
    "post",
    "thanks",
    "sharing",
    "nice",
    "article",
];
const NAMES: &[&str] = &[
    "Ann", "Bob", "Zoë", "Chen Wei", "Priya", "Mark", "Olga", "José", "Fatima", "Tom", "Yuki",
    "Lena",
];

fn sentence(rng: &mut Rng, words: &[&str], n: usize, out: &mut String) {
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(words));
    }
    out.push('.');
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: gen_wxr N SEED OUT.xml [SPAM.json SPAM_N]");
        std::process::exit(2);
    }
    let n: usize = args[1].parse().expect("N");
    let mut rng = Rng(args[2].parse().expect("SEED"));
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&args[3])?);
    writeln!(
        w,
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Generated site</title>
	<link>https://site.example</link>
	<language>en-US</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://site.example</wp:base_site_url>
	<wp:base_blog_url>https://site.example</wp:base_blog_url>"#
    )?;
    let mut text = String::new();
    let mut written = 0;
    let mut post = 0;
    while written < n {
        post += 1;
        let per_post = 1 + rng.below(20);
        writeln!(
            w,
            "\t<item>\n\t\t<title><![CDATA[Post {post}]]></title>\n\t\t<link>https://site.example/{post}/</link>\n\t\t<content:encoded><![CDATA[<p>Post body {post} with a few words about baking bread.</p>]]></content:encoded>\n\t\t<wp:post_id>{post}</wp:post_id>\n\t\t<wp:post_modified_gmt><![CDATA[2024-01-01 00:00:00]]></wp:post_modified_gmt>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n\t\t<category domain=\"category\" nicename=\"bread\"><![CDATA[Bread]]></category>"
        )?;
        for _ in 0..per_post.min(n - written) {
            written += 1;
            text.clear();
            for _ in 0..1 + rng.below(3) {
                if !text.is_empty() {
                    text.push(' ');
                }
                let len = 6 + rng.below(14);
                sentence(&mut rng, HAM_WORDS, len, &mut text);
            }
            let name = rng.pick(NAMES);
            let status = match rng.below(100) {
                0..=1 => "0",
                2 => "trash",
                _ => "1",
            };
            let (mailno, ip3, ip4) = (rng.below(1000), rng.below(256), rng.below(256));
            let kind = if rng.below(50) == 0 {
                "pingback"
            } else {
                "comment"
            };
            writeln!(
                w,
                "\t\t<wp:comment>\n\t\t\t<wp:comment_id>{written}</wp:comment_id>\n\t\t\t<wp:comment_author><![CDATA[{name}]]></wp:comment_author>\n\t\t\t<wp:comment_author_email><![CDATA[{}{}@mail.example]]></wp:comment_author_email>\n\t\t\t<wp:comment_author_url></wp:comment_author_url>\n\t\t\t<wp:comment_author_IP><![CDATA[198.51.{}.{}]]></wp:comment_author_IP>\n\t\t\t<wp:comment_date><![CDATA[2024-02-03 04:05:06]]></wp:comment_date>\n\t\t\t<wp:comment_date_gmt><![CDATA[2024-02-03 04:05:06]]></wp:comment_date_gmt>\n\t\t\t<wp:comment_content><![CDATA[{text}]]></wp:comment_content>\n\t\t\t<wp:comment_approved><![CDATA[{status}]]></wp:comment_approved>\n\t\t\t<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>\n\t\t\t<wp:comment_parent>0</wp:comment_parent>\n\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n\t\t</wp:comment>",
                name.to_lowercase().replace(' ', "."),
                mailno,
                ip3,
                ip4
            )?;
        }
        writeln!(w, "\t</item>")?;
    }
    writeln!(w, "</channel>\n</rss>")?;
    w.flush()?;
    if args.len() >= 6 {
        let m: usize = args[5].parse().expect("SPAM_N");
        let mut w = BufWriter::new(File::create(&args[4])?);
        w.write_all(b"[")?;
        for i in 0..m {
            text.clear();
            let len = 5 + rng.below(15);
            sentence(&mut rng, SPAM_WORDS, len, &mut text);
            text.push_str(&format!(
                " http://{}.example/{}",
                rng.pick(SPAM_WORDS),
                rng.below(999)
            ));
            let rec = serde_json::json!({
                "comment_ID": (n + i + 1).to_string(),
                "comment_author": rng.pick(SPAM_WORDS),
                "comment_author_email": format!("x{}@spam.example", rng.below(100000)),
                "comment_author_url": "",
                "comment_author_IP": format!("45.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256)),
                "comment_date_gmt": "2024-02-03 04:05:06",
                "comment_content": text,
                "comment_type": "comment",
                "comment_approved": "spam",
            });
            if i > 0 {
                w.write_all(b",")?;
            }
            serde_json::to_writer(&mut w, &rec)?;
        }
        w.write_all(b"]\n")?;
        w.flush()?;
    }
    Ok(())
}

//! The bench's cases (`benches/rules.rs`) as a plain loop, for instruction counts that do not
//! depend on what else the machine is doing:
//!
//! ```text
//! cargo build --release -p ferret-rules --example rules_hot_path
//! valgrind --tool=callgrind --callgrind-out-file=cg.rules.%p \
//!   target/release/examples/rules_hot_path all_rules_pass small 20000
//! callgrind_annotate --inclusive=yes cg.rules.<pid> | grep 'Rules::check '
//! ```
//!
//! The cost per check is the inclusive count of `ferret_rules::Rules::check` divided by the number
//! of checks; token issue, corpus cloning and the list build happen outside it. Cases:
//! `all_rules_pass`, `disallowed_ip_hit`, `all_but_token_pass` and `regex` (all rules plus three
//! regexes), each with `small` or `100k` lists. valgrind hides SHA-NI, so SHA-256 there is the
//! software fallback (about 1,400 instructions a block more than with SHA-NI).

use std::hint::black_box;

use ferret_features::Comment;
use ferret_rules::{Action, AuthorKey, MemoryAuthors, RuleContext, RuleId, RuleOutcome};

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, case, lists, n] = args.as_slice() else {
        eprintln!("usage: rules_hot_path all_rules_pass|disallowed_ip_hit|all_but_token_pass|regex small|100k N");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    let size = if lists == "100k" { 100_000 } else { 10 };
    let token = case != "all_but_token_pass";
    let rules = common::rules_with(size, case == "regex", token);
    let authors = MemoryAuthors::new();
    for i in 0..1000 {
        let mut a = Comment::from_text("x");
        a.comment_author_email = Some(format!("known{i}@example.org"));
        authors.record_approved(AuthorKey::of(&a).unwrap());
    }
    let mut corpus = common::corpus();
    if case == "disallowed_ip_hit" {
        for c in &mut corpus {
            c.user_ip = Some("10.0.3.7".into());
        }
    }
    let mut now = 1_700_000_000i64;
    for i in 0..n {
        now += 3601;
        let mut c = corpus[i % corpus.len()].clone();
        if token {
            let t = rules.form_tokens().unwrap().issue("42", now - 30).unwrap();
            c.server.insert("ferret_token".into(), t);
        }
        let out = rules.check(black_box(&c), &RuleContext::new(now, &authors));
        if case == "disallowed_ip_hit" {
            assert_eq!(
                out.hit().map(|h| (h.action, h.rule)),
                Some((Action::Spam, RuleId::Disallowed))
            );
        } else {
            assert_eq!(out, RuleOutcome::Pass);
        }
    }
}

//! A check that no rule catches allocates nothing once the scratch buffers have grown: counted
//! with a global allocator (own test binary, so no other test allocates meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferret_features::Comment;
use ferret_rules::{MemoryAuthors, RuleContext, RuleOutcome, Rules, RulesConfig};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Only this test's thread is counted: the test harness may allocate on its own threads.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if COUNTING.with(Cell::get) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_passing_check_does_not_allocate() {
    let config: RulesConfig = toml::from_str(
        r#"
        [disallowed]
        words = ["online casino", "replica watches", "ВИАГРА"]
        ips = ["203.0.113.0/24", "2001:db8:bad::/48"]
        emails = ["@spam.example"]
        hosts = ["casino.example"]
        regex = ['\bv[i1]agr[a@]\b']
        [moderation]
        words = ["crypto"]
        hosts = ["bit.ly"]
        "#,
    )
    .unwrap();
    let rules = Rules::new(&config).unwrap();
    let authors = MemoryAuthors::new();
    let mut known = Comment::from_text("x");
    known.comment_author_email = Some("someone@example.org".into());
    authors.record_approved(authors.keys().of(&known).unwrap());
    let corpus: Vec<Comment> = [
        (
            "Ann",
            "ann@example.org",
            "192.0.2.1",
            "Thanks, the rye version worked well. See https://ann.example/rye",
        ),
        (
            "Zoë",
            "zoe@example.net",
            "2001:db8::7",
            "Très bien expliqué, merci ! Ich habe es ausprobiert.",
        ),
        (
            "Bob",
            "bob@example.com",
            "198.51.100.3",
            "<a href=\"https://bob.example\">my notes</a> on the same topic",
        ),
    ]
    .iter()
    .map(|(a, e, ip, t)| Comment {
        comment_author: Some((*a).into()),
        comment_author_email: Some((*e).into()),
        comment_author_url: Some(format!("https://{}.example/", a.to_lowercase())),
        user_ip: Some((*ip).into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0".into()),
        ..Comment::from_text(*t)
    })
    .collect();
    let mut now = 1_700_000_000;
    let mut run = |rounds: usize| {
        for _ in 0..rounds {
            for c in &corpus {
                now += 3601;
                assert_eq!(
                    rules.check(c, &RuleContext::new(now, &authors)),
                    RuleOutcome::Pass
                );
            }
        }
    };
    // Warm-up: scratch buffers, the regex cache and the state maps reach their size.
    run(10);
    let before = ALLOCS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    run(1000);
    COUNTING.with(|c| c.set(false));
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(after - before, 0, "allocations in 3,000 passing checks");
}

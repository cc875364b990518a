//! The no-escalation path as a plain loop, for instruction counts that do not depend on what else
//! the machine is doing (the criterion bench `router` measures time):
//!
//! ```text
//! cargo build --release -p ferret-router --example hot_path
//! for mode in bare router; do for n in 20000 40000; do
//!   valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=cg.$mode.$n.%p \
//!     target/release/examples/hot_path $mode $n
//! done; done
//! ```
//!
//! The caller's cost per comment is the difference of the main thread's totals (`cg.*-01`) between
//! the two `n`, divided by the difference in `n`: loading the model and opening the store cancel
//! out, and the history writer's work is on its own thread.

use std::hint::black_box;
use std::path::Path;

use ferret_bayes::{Cutoffs, Model};
use ferret_features::{Comment, Features};
use ferret_router::{Config, Ferret, Verdict};

/// Confident comments (the default model is sure of each), as in `benches/router.rs`.
const COMMENTS: [(&str, bool); 4] = [
    ("Thanks for the detailed write-up, the second example fixed my build on Debian.", false),
    ("Are we still meeting for lunch tomorrow at noon? I can book a table at the place near the station.", false),
    ("WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.", true),
    ("Congratulations! You have won a FREE holiday. Text WIN to 87121 now to claim, T&C apply, 18+ only £1.50/msg.", true),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, n) = match args.as_slice() {
        [_, mode, n] => (mode.as_str(), n.parse::<usize>()?),
        _ => return Err("usage: hot_path bare|router N".into()),
    };
    let model_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/default.ferret");
    let comments: Vec<(Comment, bool)> = COMMENTS
        .iter()
        .map(|(t, s)| (Comment::from_text(*t), *s))
        .collect();
    let mut spam = 0usize;
    match mode {
        "bare" => {
            let model = Model::load(&model_path)?;
            let cutoffs = Cutoffs::default();
            let mut fz = model.featurizer();
            let mut f = Features::new();
            for i in 0..n {
                let (c, _) = &comments[i % comments.len()];
                fz.featurize(black_box(c), &mut f);
                let (v, _) = model.classify(&f, &cutoffs);
                spam += usize::from(v == ferret_bayes::Verdict::Spam);
            }
        }
        "router" => {
            let dir = tempfile::tempdir()?;
            let mut config = Config {
                db: dir.path().join("hot.db"),
                model: Some(model_path),
                ..Config::default()
            };
            // The default rules, except the duplicate rule: the loop repeats the same comments.
            config.rules.duplicates.enabled = false;
            let ferret = Ferret::open(config)?;
            for i in 0..n {
                let (c, _) = &comments[i % comments.len()];
                let d = ferret.check_blocking(black_box(c))?;
                spam += usize::from(d.verdict == Verdict::Spam);
                if i % 4096 == 4095 {
                    ferret.flush()?;
                }
            }
            ferret.flush()?;
        }
        other => return Err(format!("unknown mode {other:?}: bare or router").into()),
    }
    let want = comments.iter().filter(|(_, s)| *s).count() * n / comments.len();
    if spam.abs_diff(want) > comments.len() {
        return Err(format!("{spam} spam verdicts, expected about {want}").into());
    }
    println!("{mode} {n}: {spam} spam");
    Ok(())
}

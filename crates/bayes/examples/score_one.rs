//! Scores a comment with a model file: `cargo run --release -p ferret-bayes --example score_one -- MODEL "text"`.
//! With a third argument N, repeats featurize + score N times (for profilers) and prints the rate.

use std::path::Path;
use std::time::Instant;

use ferret_bayes::{Cutoffs, Model};
use ferret_features::{Comment, Features};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(text)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: score_one MODEL TEXT [REPEAT]");
        std::process::exit(2);
    };
    let repeat: u64 = args.get(3).map_or(Ok(1), |n| n.parse())?;
    let model = Model::load(Path::new(path))?;
    let mut fz = model.featurizer();
    let mut features = Features::new();
    let comment = Comment::from_text(text.as_str());
    let cutoffs = Cutoffs::default();
    let start = Instant::now();
    let mut verdict = None;
    for _ in 0..repeat {
        fz.featurize(&comment, &mut features);
        verdict = Some(model.classify(&features, &cutoffs));
    }
    let (v, s) = verdict.expect("repeat >= 1");
    println!(
        "{}: p_spam {:.6}, log-odds {:.3}, {} clues of {} features",
        v.as_str(),
        s.p_spam,
        s.log_odds,
        s.clues,
        features.len()
    );
    if repeat > 1 {
        println!(
            "{:.0} ns per featurize + score",
            start.elapsed().as_nanos() as f64 / repeat as f64
        );
    }
    Ok(())
}

//! Shows what the featurizer makes of a comment given as JSON (Akismet's field names) or plain text:
//! `cargo run -p ferret-features --example featurize -- '{"comment_author":"Ann","comment_content":"hi"}'`

use ferret_features::{Comment, FeatureConfig, Featurizer};

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| {
        "Claim your FREE prize at http://win.example.co.uk/now!! Call 0800 123 4567".to_owned()
    });
    let comment: Comment =
        serde_json::from_str(&arg).unwrap_or_else(|_| Comment::from_text(arg.as_str()));
    let mut fz = Featurizer::new(FeatureConfig::default());
    let features = fz.features(&comment);
    println!(
        "{} distinct features ({} occurrences){}",
        features.len(),
        features.iter().map(|(_, n)| u64::from(n)).sum::<u64>(),
        if features.truncated() {
            ", text cut at the cap"
        } else {
            ""
        }
    );
    for (bucket, count) in features.iter().take(20) {
        println!("  bucket {bucket:>7}  x{count}");
    }
}

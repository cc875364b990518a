//! Runs `ferret check --text` through the library entry point, as the binary does:
//! `cargo run -p ferret-cli --example check_text -- "Win a free cruise, call now"`

use clap::Parser;

fn main() {
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Thanks, that fixed my build.".to_owned());
    let cli = ferret_cli::Cli::parse_from(["ferret", "check", "--text", &text]);
    std::process::exit(ferret_cli::run(cli));
}

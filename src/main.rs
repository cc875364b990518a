//! The `ferret` binary: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() {
    std::process::exit(ferret_cli::run(ferret_cli::Cli::parse()));
}

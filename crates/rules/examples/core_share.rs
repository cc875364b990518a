//! Does this CPU core run other work beside ours? A probe to run before trusting a nanosecond
//! benchmark of the rules (`cargo bench -p ferret-rules --bench rules`).
//!
//! On an x86-64 core with simultaneous multithreading, two hardware threads share the execution
//! units. A VM's vCPU can be one of them, with another tenant's busy thread on the other, and the
//! guest cannot see it (`lscpu` reports one thread per core). Code that waits on latency runs at
//! full speed anyway; code that keeps several units busy, as a rules check does, slows down by
//! whatever share the other thread takes. The probe (`benches/common/core_probe.rs`) measures
//! adds a cycle in eight independent chains, with one dependent chain as the clock.
//!
//! ```text
//! cargo build --release -p ferret-rules --example core_share
//! taskset -c 1 target/release/examples/core_share [ROUNDS]
//! ```
//!
//! Pin it to the CPU the benchmark will use. A free core with four integer units gives about 3.85
//! adds a cycle in every chunk; a median well below that means the core is shared.

#[path = "../benches/common/mod.rs"]
mod common;

/// Loop iterations (32 adds each) per timed chunk.
const ITERS: u64 = 2_000;

fn main() {
    let rounds: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 5_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: core_share [ROUNDS]   (ROUNDS: a positive number of chunk pairs)");
            std::process::exit(2);
        }
    };
    let mut per_cycle = Vec::with_capacity(rounds);
    let mut ghz = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let Some((p, g)) = common::core_probe::adds_per_cycle(ITERS) else {
            eprintln!("core_share: the probe is written for x86-64 only");
            std::process::exit(2);
        };
        per_cycle.push(p);
        ghz.push(g);
    }
    per_cycle.sort_by(f64::total_cmp);
    ghz.sort_by(f64::total_cmp);
    // Quantiles; the extremes are left out, as an interrupt inside one chunk of a pair makes them.
    let q = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    println!("{rounds} chunk pairs of {ITERS} × 32 adds on the current CPU");
    println!(
        "independent adds a cycle: p10 {:.2}  median {:.2}  p90 {:.2}   (a free 4-unit core: about 3.85)",
        q(&per_cycle, 0.1),
        q(&per_cycle, 0.5),
        q(&per_cycle, 0.9),
    );
    println!(
        "clock, from the dependent chain: median {:.2} GHz (p10–p90 {:.2}–{:.2})",
        q(&ghz, 0.5),
        q(&ghz, 0.1),
        q(&ghz, 0.9)
    );
}

//! How much of its CPU core this thread gets: 32 adds in one dependency chain (one add a cycle on
//! any x86-64 core, so its time is the clock) against 32 adds in eight independent chains (as many
//! a cycle as the core's integer units allow: four on Zen 2/3 and Skylake, less a little for the
//! loop's counter; 3.85 – 3.86 on this VM's Zen 3 core in its quiet spells). On a core whose other
//! hardware thread runs someone else's work (a VM's vCPU can be one, and the guest cannot see it),
//! the second figure drops with whatever share that thread takes, and so does the speed of any
//! code that keeps several units busy, as a rules check does. Used by `examples/core_share.rs`
//! and by `examples/rules_hot_path.rs share`.

/// Adds a cycle in `iters` × 32 independent adds, with the clock in GHz from as many dependent
/// ones timed just before; `None` off x86-64.
pub fn adds_per_cycle(iters: u64) -> Option<(f64, f64)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::time::Instant;
        let t = Instant::now();
        std::hint::black_box(dependent(iters));
        let dep = t.elapsed().as_secs_f64();
        let t = Instant::now();
        std::hint::black_box(independent(iters));
        let indep = t.elapsed().as_secs_f64();
        // Both do 32 × iters adds; the dependent ones take a cycle each.
        Some((dep / indep, (32 * iters) as f64 / dep / 1e9))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = iters;
        None
    }
}

/// 32 adds an iteration, each on the previous one's result.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn dependent(n: u64) -> u64 {
    let mut a = 0u64;
    for _ in 0..n {
        // SAFETY: register-only arithmetic: no memory or stack is touched, and the flags it
        // changes are not declared preserved.
        unsafe {
            std::arch::asm!(
                ".rept 32", "add {a}, 1", ".endr",
                a = inout(reg) a,
                options(nomem, nostack),
            );
        }
    }
    a
}

/// 32 adds an iteration, in eight chains that do not wait on each other.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn independent(n: u64) -> u64 {
    let (mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h) = (0u64, 0, 0, 0, 0, 0, 0, 0);
    for _ in 0..n {
        // SAFETY: as in `dependent`.
        unsafe {
            std::arch::asm!(
                ".rept 4",
                "add {a}, 1", "add {b}, 1", "add {c}, 1", "add {d}, 1",
                "add {e}, 1", "add {f}, 1", "add {g}, 1", "add {h}, 1",
                ".endr",
                a = inout(reg) a, b = inout(reg) b, c = inout(reg) c, d = inout(reg) d,
                e = inout(reg) e, f = inout(reg) f, g = inout(reg) g, h = inout(reg) h,
                options(nomem, nostack),
            );
        }
    }
    a ^ b ^ c ^ d ^ e ^ f ^ g ^ h
}

//! The per-process memory of the stateful rules (duplicates, floods, used token nonces), each in a
//! bounded two-generation map (for nonces, a two-generation set of open-addressed tables: see
//! [`Nonces`]).
//!
//! A [`TwoGen`] map holds at most `capacity` keys: new keys go into the current generation; when
//! it holds `capacity / 2`, it becomes the old generation and the previous old one is dropped. A
//! key found in the old generation moves back to the current one, so active keys survive. Every
//! key is therefore remembered for at least `capacity / 2` insertions of other keys; under more
//! traffic than that within a rule's window, the oldest keys are forgotten early and the rule errs
//! towards letting comments pass. Memory stays fixed and no operation is worse than O(1)
//! amortized (rotation swaps two maps and clears one, reusing its allocation).

use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

/// Two generations of `(key, value)` pairs in hash tables that share one randomly seeded hasher,
/// so a key's hash is computed once per [`TwoGen::entry`] and serves both tables.
pub(crate) struct TwoGen<K, V> {
    cur: HashTable<(K, V)>,
    old: HashTable<(K, V)>,
    hasher: RandomState,
    half: usize,
}

impl<K: Hash + Eq + Copy, V> TwoGen<K, V> {
    pub(crate) fn new(capacity: usize) -> TwoGen<K, V> {
        TwoGen {
            cur: HashTable::new(),
            old: HashTable::new(),
            hasher: RandomState::default(),
            half: (capacity / 2).max(1),
        }
    }

    /// The value for `key`, inserted with `init` when absent. One hash; a key in the current
    /// generation costs one probe, any other one probe of each table and one insertion.
    pub(crate) fn entry(&mut self, key: K, init: impl FnOnce() -> V) -> &mut V {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(key);
        let cur = match self.cur.find_entry(hash, |e| e.0 == key) {
            Ok(found) => return &mut found.into_mut().1,
            Err(absent) => absent.into_table(),
        };
        let v = match self.old.find_entry(hash, |e| e.0 == key) {
            Ok(found) => found.remove().0 .1,
            Err(_) => init(),
        };
        if cur.len() >= self.half {
            std::mem::swap(cur, &mut self.old);
            cur.clear();
        }
        &mut cur
            .insert_unique(hash, (key, v), |e| hasher.hash_one(e.0))
            .into_mut()
            .1
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.cur.len() + self.old.len()
    }
}

/// Same content seen within the window? Keyed by a 64-bit hash of the folded content.
pub(crate) struct Duplicates {
    seen: TwoGen<u64, i64>,
    window: i64,
}

impl Duplicates {
    pub(crate) fn new(capacity: usize, window: i64) -> Duplicates {
        Duplicates {
            seen: TwoGen::new(capacity),
            window,
        }
    }

    /// Records the content at `now`; returns the seconds since it was last seen when that is
    /// within the window.
    pub(crate) fn record(&mut self, hash: u64, now: i64) -> Option<i64> {
        let last = self.seen.entry(hash, || i64::MIN);
        let prev = *last;
        *last = now.max(prev);
        let since = now.saturating_sub(prev);
        (prev != i64::MIN && (0..=self.window).contains(&since)).then_some(since)
    }
}

/// Comments per IP in a sliding window, estimated from two fixed windows (the current count plus
/// the previous window's count weighted by how much of it still overlaps): exact for bursts inside
/// one window, never more than one window's count off, and a fixed 24 bytes per IP.
pub(crate) struct Floods {
    ips: TwoGen<u128, FloodCount>,
    window: i64,
    max: u32,
}

#[derive(Clone, Copy)]
struct FloodCount {
    window_index: i64,
    cur: u32,
    prev: u32,
}

impl Floods {
    pub(crate) fn new(capacity: usize, window: i64, max: u32) -> Floods {
        Floods {
            ips: TwoGen::new(capacity),
            window,
            max,
        }
    }

    /// The flood key: IPv4 addresses as they are, IPv6 by /64 (one subscriber's network);
    /// IPv4-mapped IPv6 as IPv4.
    pub(crate) fn key(ip: IpAddr) -> u128 {
        match ip {
            IpAddr::V4(v4) => u128::from(u32::from(v4)),
            // The /64 prefix in the high half; the low bit tells it from the IPv4 keys.
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => u128::from(u32::from(v4)),
                None => (u128::from(v6) >> 64) << 64 | 1,
            },
        }
    }

    /// Counts one comment from `key` at `now`; returns the estimated count in the window when it
    /// is over the limit.
    pub(crate) fn record(&mut self, key: u128, now: i64) -> Option<u32> {
        let w = now.div_euclid(self.window);
        let e = self.ips.entry(key, || FloodCount {
            window_index: w,
            cur: 0,
            prev: 0,
        });
        if e.window_index != w {
            // Time only moves forward here; a clock step back counts in the current window.
            if e.window_index + 1 == w {
                e.prev = e.cur;
            } else if e.window_index < w {
                e.prev = 0;
            }
            if e.window_index < w {
                e.cur = 0;
                e.window_index = w;
            }
        }
        e.cur = e.cur.saturating_add(1);
        let into = now.rem_euclid(self.window);
        // prev × (remaining share of the previous window) + cur, in integers.
        let weighted = i128::from(e.prev) * i128::from(self.window - into)
            + i128::from(e.cur) * i128::from(self.window);
        // The division (a 128-bit one) only for a flood.
        (weighted > i128::from(self.max) * i128::from(self.window))
            .then(|| ((weighted / i128::from(self.window)) as u32).max(self.max + 1))
    }
}

/// Used form-token nonces, for replay detection: the [`TwoGen`] scheme (same generations, same
/// guarantees) specialised to a set of random 64-bit keys, in two open-addressed tables of `u64`
/// with linear probing.
///
/// A nonce is 128 random bits drawn by the server and covered by the MAC, so no one can choose
/// it; 63 of its bits identify it well enough: the odds that a fresh token is taken for a replay
/// are at most capacity / 2^63 (about 10^-14 with 100,000 remembered nonces). Nonces are the one
/// state that grows with every genuine comment, and as they are random a lookup lands on a cold
/// cache line; here the key is its own slot content, so a lookup reads one line of each
/// generation (independent loads that the CPU overlaps) and the insertion writes the current
/// generation's line just read, instead of a control byte line then a separate data line.
/// Each table has a power of two of slots, at least twice `capacity / 2`, so it is at most half
/// full: 8 to 16 bytes a slot per remembered nonce (1 MiB a table for the default 100,000).
/// Both tables are one [`Slots`] region, allocated and zeroed up front (2 MiB for the default,
/// on huge pages where the OS has them: see [`Slots`]), and never move, so [`NonceLines`] can
/// point at them without a lock; which half is the current generation is an index.
pub(crate) struct Nonces {
    /// The two tables, `slots` each: the current one at `cur * slots`, the old one in the other
    /// half.
    tables: Slots,
    slots: usize,
    cur: usize,
    cur_len: usize,
    half: usize,
    /// 64 − log2(slots): the top bits of the mixed key pick the first slot.
    shift: u32,
}

impl Nonces {
    pub(crate) fn new(capacity: usize) -> Nonces {
        let half = (capacity / 2).max(1);
        let slots = (2 * half).next_power_of_two().max(2);
        Nonces {
            tables: Slots::zeroed(2 * slots),
            slots,
            cur: 0,
            cur_len: 0,
            half,
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// Generation `g`'s table (0 or 1).
    fn table(&self, g: usize) -> &[u64] {
        &self.tables[g * self.slots..(g + 1) * self.slots]
    }

    /// [`Nonces::table`], to write.
    fn table_mut(&mut self, g: usize) -> &mut [u64] {
        &mut self.tables[g * self.slots..(g + 1) * self.slots]
    }

    /// The key of a nonce: never 0, which marks an empty slot.
    fn key(nonce: &[u8; 16]) -> u64 {
        let [a, b, c, d, e, f, g, h, ..] = *nonce;
        u64::from_le_bytes([a, b, c, d, e, f, g, h]) | 1
    }

    /// The first slot of the key's run.
    fn home(shift: u32, key: u64) -> usize {
        // The key is random already; the multiply only guards the top bits against any skew.
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
    }

    /// Where the tables are, for [`NonceLines::prefetch`] (valid as long as these `Nonces`).
    pub(crate) fn lines(&self) -> NonceLines {
        NonceLines {
            tables: [self.table(0).as_ptr(), self.table(1).as_ptr()],
            shift: self.shift,
        }
    }

    /// Records the nonce; `false` when it was already used.
    pub(crate) fn first_use(&mut self, nonce: [u8; 16]) -> bool {
        let key = Nonces::key(&nonce);
        let home = Nonces::home(self.shift, key);
        let (cur, old) = (self.table(self.cur), self.table(1 - self.cur));
        // Both first slots are loaded before either is looked at, so that the two cache misses
        // (the tables are large and the keys random) overlap instead of adding up. Both tables
        // have the same size, so the key's run starts at `home` in the old one too.
        let (first_cur, first_old) = (cur[home], old[home]);
        let Err(mut at) = find_in_run(cur, home, first_cur, key) else {
            return false;
        };
        let seen = find_in_run(old, home, first_old, key).is_ok();
        if self.cur_len >= self.half {
            // Rotate: the current generation becomes the old one, the previous old one is
            // dropped (its table zeroed and reused: no table ever moves).
            self.cur = 1 - self.cur;
            self.cur_len = 0;
            self.table_mut(self.cur).fill(0);
            at = home;
        }
        // A key seen in the old generation moves back to the current one (its old copy goes
        // with that generation), so a nonce replayed again and again stays remembered.
        self.table_mut(self.cur)[at] = key;
        self.cur_len += 1;
        !seen
    }
}

/// The addresses of a [`Nonces`]' two tables, to request the lines a nonce's lookup will read
/// without taking the lock the tables are behind. The tables never move, and which one is the
/// current generation does not matter: the lines of both are requested.
#[derive(Clone, Copy)]
pub(crate) struct NonceLines {
    tables: [*const u64; 2],
    shift: u32,
}

// SAFETY: the pointers are only ever handed to `prefetch`, a hint that does not read or write
// memory, so sharing them between threads cannot race.
unsafe impl Send for NonceLines {}
// SAFETY: as for `Send`.
unsafe impl Sync for NonceLines {}

impl NonceLines {
    /// Starts loading the cache lines that [`Nonces::first_use`] will read for this nonce, so that
    /// their misses (the tables are large, the keys random) overlap the caller's other work (the
    /// rest of the check). A hint only: it changes nothing else.
    pub(crate) fn prefetch(&self, nonce: &[u8; 16]) {
        let home = Nonces::home(self.shift, Nonces::key(nonce));
        for table in self.tables {
            // `home` is below the tables' length; `wrapping_add` keeps the arithmetic defined even
            // if it were not, since the pointer is never dereferenced.
            prefetch(table.wrapping_add(home));
        }
    }
}

/// Zeroed `u64`s in an allocation of their own. A region of 2 MiB or more is aligned to 2 MiB and,
/// on Linux, advised as transparent huge pages before it is first written: the replay tables are
/// probed at a random place per check, and on 4 KiB pages the default 2 MiB is 512 pages, so
/// that probe also missed the TLB; on one huge page a check took 100–150 ns less (see the crate's
/// README). Where huge pages are off (`transparent_hugepage` = `never`) or none is free, the
/// region stays on small pages and works the same. Smaller regions are aligned to a cache line.
pub(crate) struct Slots {
    ptr: std::ptr::NonNull<u64>,
    len: usize,
}

// SAFETY: `Slots` owns its memory outright, as a `Box<[u64]>` would.
unsafe impl Send for Slots {}
// SAFETY: shared access only reads through `&[u64]`, as for a `Box<[u64]>`.
unsafe impl Sync for Slots {}

/// A 2 MiB (huge) page.
const HUGE_PAGE: usize = 2 << 20;

impl Slots {
    pub(crate) fn zeroed(len: usize) -> Slots {
        let layout = Slots::layout(len);
        // SAFETY: the layout's size is not zero (`layout` makes it at least 8 bytes).
        let raw = unsafe { std::alloc::alloc(layout) };
        let Some(ptr) = std::ptr::NonNull::new(raw.cast::<u64>()) else {
            std::alloc::handle_alloc_error(layout);
        };
        #[cfg(target_os = "linux")]
        if layout.align() == HUGE_PAGE {
            // A hint: where transparent huge pages are off or none is free, the region simply
            // stays on small pages, so the result is not looked at.
            // SAFETY: the range is this allocation, which nothing else uses yet.
            unsafe { libc::madvise(raw.cast(), layout.size(), libc::MADV_HUGEPAGE) };
        }
        // SAFETY: `ptr` is valid for writes of `len` `u64`s, and zero is a valid `u64`.
        unsafe { ptr.as_ptr().write_bytes(0, len) };
        Slots { ptr, len }
    }

    fn layout(len: usize) -> std::alloc::Layout {
        let size = len
            .max(1)
            .checked_mul(8)
            .expect("replay table size fits in memory");
        let align = if size >= HUGE_PAGE { HUGE_PAGE } else { 64 };
        std::alloc::Layout::from_size_align(size, align).expect("replay table size fits in memory")
    }
}

impl std::ops::Deref for Slots {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        // SAFETY: `ptr` holds `len` initialized `u64`s that this `Slots` owns.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [u64] {
        // SAFETY: as for `deref`, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with this same layout.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), Slots::layout(self.len)) };
    }
}

/// Walks the linear-probing run of `table` that starts at slot `at`, already read as `k`:
/// `Ok` when `key` is in it, else `Err` with the empty slot that ends it.
fn find_in_run(table: &[u64], mut at: usize, mut k: u64, key: u64) -> Result<(), usize> {
    while k != 0 {
        if k == key {
            return Ok(());
        }
        // Only reached with a slot read, so `table` is not empty.
        at = (at + 1) & (table.len() - 1);
        k = table[at];
    }
    Err(at)
}

/// Asks the CPU to bring the cache line at `at` in (a no-op off x86-64).
#[inline(always)]
fn prefetch(at: *const u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is a hint: it never faults, reads nothing into the program and has no
    // effect on memory or on the program's behaviour, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_gen_is_bounded_and_keeps_active_keys() {
        let mut m: TwoGen<u32, u32> = TwoGen::new(100);
        for i in 0..10_000 {
            *m.entry(i, || 0) += 1;
            // Key 0 is touched all the time: it must survive.
            *m.entry(0, || 0) += 1;
            assert!(m.len() <= 100);
        }
        assert_eq!(*m.entry(0, || 0), 10_001);
    }

    #[test]
    fn duplicates_within_window_only() {
        let mut d = Duplicates::new(10, 60);
        assert_eq!(d.record(1, 1000), None);
        assert_eq!(d.record(1, 1030), Some(30));
        assert_eq!(d.record(1, 1200), None);
        assert_eq!(d.record(2, 1200), None);
    }

    #[test]
    fn floods_count_a_sliding_window() {
        let mut f = Floods::new(10, 60, 3);
        let k = Floods::key("192.0.2.1".parse().unwrap());
        for t in [600, 601, 602] {
            assert_eq!(f.record(k, t), None);
        }
        assert_eq!(f.record(k, 603), Some(4));
        // Half a window later the previous burst still half counts: 4/2 + 1 = 3, not over.
        assert_eq!(f.record(k, 690), None);
        // Long after, a fresh start.
        assert_eq!(f.record(k, 10_000), None);
        // IPv6 by /64.
        let a = Floods::key("2001:db8::1".parse().unwrap());
        let b = Floods::key("2001:db8::ffff:1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, Floods::key("2001:db8:0:1::1".parse().unwrap()));
        assert_eq!(k, Floods::key("::ffff:192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn nonces_are_single_use() {
        let mut n = Nonces::new(4);
        assert!(n.first_use([1; 16]));
        assert!(!n.first_use([1; 16]));
        assert!(n.first_use([2; 16]));
    }

    fn nonce(i: u64) -> [u8; 16] {
        let mut n = [0u8; 16];
        // Spread like random nonces, and keep bit 0 clear so `| 1` cannot merge two of them.
        n[..8].copy_from_slice(&(i.wrapping_mul(0xD6E8_FEB8_6659_FD93) << 1).to_le_bytes());
        n
    }

    #[test]
    fn nonces_follow_two_gen() {
        // The same answers as a TwoGen of the same capacity, for fresh nonces, replays from
        // either generation and long-forgotten ones, across many rotations.
        for capacity in [1, 2, 7, 100, 1000] {
            let mut n = Nonces::new(capacity);
            let mut reference: TwoGen<u64, ()> = TwoGen::new(capacity);
            let mut x = 12345u64;
            for step in 0..50 * capacity + 100 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let i = (x >> 33) % (3 * capacity as u64 + 2);
                let mut fresh = false;
                reference.entry(i, || fresh = true);
                n.lines().prefetch(&nonce(i));
                assert_eq!(n.first_use(nonce(i)), fresh, "{capacity} {step} {i}");
                // Bounded: the tables never grow, and are never more than half full.
                let half = (capacity / 2).max(1);
                assert_eq!(n.slots, (2 * half).next_power_of_two().max(2));
                assert_eq!(n.tables.len(), 2 * n.slots);
                assert!(n.cur_len <= half && 2 * n.cur_len <= n.slots);
            }
        }
    }

    #[test]
    fn default_replay_tables_are_one_huge_page_and_rotate() {
        // The default capacity: two tables of 2^17 slots, one zeroed 2 MiB region on a 2 MiB
        // boundary (what a huge page needs); smaller regions on a cache line.
        let mut n = Nonces::new(100_000);
        assert_eq!(n.tables.len() * 8, HUGE_PAGE);
        assert_eq!(n.tables.as_ptr() as usize % HUGE_PAGE, 0);
        assert!(n.tables.iter().all(|&k| k == 0));
        let small = Slots::zeroed(100);
        assert_eq!(small.as_ptr() as usize % 64, 0);
        assert!(small.iter().all(|&k| k == 0));
        // Past a rotation (50,000 a generation): the last generation's nonces are still replays,
        // one from two generations back is forgotten, fresh ones pass.
        for i in 0..120_000 {
            assert!(n.first_use(nonce(i)), "{i}");
        }
        assert!(!n.first_use(nonce(119_999)));
        assert!(!n.first_use(nonce(60_000)));
        assert!(n.first_use(nonce(10)));
        assert!(n.first_use(nonce(1 << 40)));
    }
}

//! Random bytes, and random damage to the real fixtures, never panic any reader: every input ends
//! in records or an error.

use std::path::Path;

use ferret_import::{Format, Import, ImportOptions, Label};
use proptest::prelude::*;

fn drain(bytes: Vec<u8>, format: Option<Format>) {
    let opts = ImportOptions::new()
        .format(format)
        .unlabelled_as(Some(Label::Ham))
        .text_col(None);
    if let Ok(imp) = Import::from_reader(std::io::Cursor::new(bytes), "fuzz", &opts) {
        for r in imp.take(10_000) {
            if r.is_err() {
                break;
            }
        }
    }
}

/// The `i`-th format that reads a single file (every format but maildir, a folder); `None` past
/// the end, which makes the importer sniff the format.
fn file_format(i: usize) -> Option<Format> {
    Format::ALL
        .into_iter()
        .filter(|f| *f != Format::Maildir)
        .nth(i)
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            v.push(std::fs::read(p).unwrap());
        }
    }
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), f in 0usize..10) {
        drain(bytes, file_format(f));
    }

    #[test]
    fn damaged_fixtures_never_panic(which in 0usize..64, cut in any::<prop::sample::Index>(),
                                    flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
                                    f in 0usize..10) {
        let all = fixtures();
        let mut bytes = all[which % all.len()].clone();
        let n = cut.index(bytes.len() + 1);
        bytes.truncate(n);
        if !bytes.is_empty() {
            for (i, b) in flips {
                let i = i.index(bytes.len());
                bytes[i] = b;
            }
        }
        drain(bytes, file_format(f));
    }
}

//! Features as stored bytes: LEB128 `(delta id, count)` pairs behind a one-byte version.

use ferret_features::Features;

const VERSION: u8 = 1;

/// Encodes features compactly (typically 2–3 bytes per feature).
pub fn encode(f: &Features) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + f.len() * 3);
    out.push(VERSION);
    let mut prev = 0u32;
    for (id, n) in f.iter() {
        leb(&mut out, id - prev);
        leb(&mut out, n);
        prev = id;
    }
    out
}

/// Decodes [`encode`]'s output; `None` when the bytes are not a valid encoding.
pub fn decode(b: &[u8]) -> Option<Features> {
    let (&v, mut rest) = b.split_first()?;
    if v != VERSION {
        return None;
    }
    let mut pairs = Vec::new();
    let mut id = 0u32;
    while !rest.is_empty() {
        let d = read(&mut rest)?;
        let n = read(&mut rest)?;
        id = id.checked_add(d)?;
        if n == 0 || (!pairs.is_empty() && d == 0) {
            return None;
        }
        pairs.push((id, n));
    }
    Some(Features::from_pairs(pairs))
}

fn leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn read(b: &mut &[u8]) -> Option<u32> {
    let mut v = 0u64;
    for shift in (0..35).step_by(7) {
        let (&x, rest) = b.split_first()?;
        *b = rest;
        v |= u64::from(x & 0x7f) << shift;
        if x & 0x80 == 0 {
            return u32::try_from(v).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let f = Features::from_pairs([(0, 1), (5, 2), (1 << 20, 300), (u32::MAX, 7)]);
        assert_eq!(decode(&encode(&f)), Some(f));
        assert_eq!(decode(&encode(&Features::new())), Some(Features::new()));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[2, 1, 1]), None);
        assert_eq!(decode(&[1, 0x80]), None);
        assert_eq!(decode(&[1, 1, 0]), None);
        assert_eq!(decode(&[1, 0xff, 0xff, 0xff, 0xff, 0x7f, 1]), None);
    }
}

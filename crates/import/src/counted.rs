//! A buffered reader that counts consumed bytes and lines, so errors can name a line even when
//! the parser underneath (quick-xml) only knows byte offsets.
//!
//! It keeps its own large buffer instead of forwarding to the inner reader's: parsers call
//! `fill_buf`/`consume` once per token, and both are then a few inlined instructions. Lines are
//! counted lazily: only when [`Counted::line`] is asked, or when the buffer is about to be
//! refilled, are the newlines of the bytes consumed since the last count counted (with memchr's
//! SIMD counter), so every byte is looked at once, in long runs, whatever the token size.

use std::cell::Cell;
use std::io::{self, BufRead, Read};

/// Size of the buffer: big enough that refills (and line counts at refill) are rare.
const BUF: usize = 256 << 10;

/// Counts what is consumed through it.
pub(crate) struct Counted<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Next unconsumed byte in `buf`.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// Bytes consumed.
    pub byte: u64,
    /// Bytes consumed with [`Counted::skip`]: read by a caller's own scan rather than by the
    /// parser on top, so the parser's offsets are this much behind `byte`'s.
    pub skipped: u64,
    /// Newlines in everything consumed before `buf[counted]`.
    lines: Cell<u64>,
    /// How far into `buf` newlines are counted (`<= pos`).
    counted: Cell<usize>,
}

impl<R: Read> Counted<R> {
    pub fn new(inner: R) -> Self {
        Counted {
            inner,
            buf: vec![0; BUF].into_boxed_slice(),
            pos: 0,
            end: 0,
            byte: 0,
            skipped: 0,
            lines: Cell::new(0),
            counted: Cell::new(0),
        }
    }

    /// 1-based line of the next unconsumed byte.
    pub fn line(&self) -> u64 {
        self.count_to(self.pos);
        self.lines.get() + 1
    }

    /// The buffered, unconsumed bytes, without reading more (may be empty).
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Consumes `n` buffered bytes on behalf of a scan done outside the parser (see `skipped`).
    pub fn skip(&mut self, n: usize) {
        let n = n.min(self.end - self.pos);
        self.pos += n;
        self.byte += n as u64;
        self.skipped += n as u64;
    }

    /// Counts the newlines of `buf[counted..to]`.
    fn count_to(&self, to: usize) {
        let from = self.counted.get();
        if from < to {
            let n = memchr::memchr_iter(b'\n', &self.buf[from..to]).count() as u64;
            self.lines.set(self.lines.get() + n);
            self.counted.set(to);
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Counted<R> {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.end {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        let n = amt.min(self.end - self.pos);
        self.pos += n;
        self.byte += n as u64;
    }
}

impl<R: Read> Counted<R> {
    /// Everything is consumed: count the rest of the buffer's lines and read the next block.
    #[cold]
    fn refill(&mut self) -> io::Result<()> {
        self.count_to(self.end);
        self.pos = 0;
        self.end = 0;
        self.counted.set(0);
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => {
                    self.end = n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_bytes_and_lines_across_refills() {
        // Lines longer and shorter than the buffer, consumed in odd steps.
        let mut text = Vec::new();
        for i in 0..2000 {
            text.extend(std::iter::repeat_n(b'x', i * 97 % 400));
            text.push(b'\n');
        }
        let mut c = Counted::new(io::BufReader::with_capacity(1000, &text[..]));
        let mut consumed = 0usize;
        let mut step = 1;
        loop {
            let avail = c.fill_buf().unwrap().len();
            if avail == 0 {
                break;
            }
            let n = step.min(avail);
            c.consume(n);
            consumed += n;
            step = step * 7 % 5003 + 1;
            let want = text[..consumed].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            assert_eq!(c.line(), want);
            assert_eq!(c.byte, consumed as u64);
        }
        assert_eq!(consumed, text.len());
    }
}

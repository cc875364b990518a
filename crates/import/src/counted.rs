//! A `BufRead` wrapper that counts consumed bytes and lines, so errors can name a line even when
//! the parser underneath (quick-xml) only knows byte offsets.

use std::io::{self, BufRead, Read};

/// Counts what is consumed through it.
pub(crate) struct Counted<R> {
    inner: R,
    /// Bytes consumed.
    pub byte: u64,
    /// Newlines consumed (the current line is `lines + 1`).
    pub lines: u64,
}

impl<R: BufRead> Counted<R> {
    pub fn new(inner: R) -> Self {
        Counted {
            inner,
            byte: 0,
            lines: 0,
        }
    }

    /// 1-based line of the next unconsumed byte.
    pub fn line(&self) -> u64 {
        self.lines + 1
    }
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.byte += n as u64;
        self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        }
        self.byte += amt as u64;
        self.inner.consume(amt);
    }
}

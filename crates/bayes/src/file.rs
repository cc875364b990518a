//! The model file: magic, versions, parameters, sparse counts, CRC-32; written atomically.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `FERRETNB` |
//! | 8 | 2 | format version ([`FORMAT_VERSION`]) |
//! | 10 | 2 | feature (tokenizer) version ([`ferret_features::FEATURE_VERSION`]) |
//! | 12 | 1 | `bits` |
//! | 13 | 1 | flags: bit 0 bigrams, bit 1 presence |
//! | 14 | 1 | combining: 0 chi-squared, 1 naive Bayes |
//! | 15 | 1 | reserved, 0 |
//! | 16 | 4 | `max_text_bytes` |
//! | 20 | 4 | `max_clues` |
//! | 24 | 32 | `robinson_s`, `robinson_x`, `min_dev`, `alpha` as f64 |
//! | 56 | 16 | comments learned: ham, spam |
//! | 72 | 8 | number of non-empty buckets `n` |
//! | 80 | 8 | total file length in bytes |
//! | 88 | … | `n` × (LEB128 bucket delta, LEB128 ham count, LEB128 spam count) |
//! | end − 4 | 4 | CRC-32 of every byte before it |

use std::fs;
use std::io::Write;
use std::path::Path;

use ferret_features::{FeatureConfig, FEATURE_VERSION};

use crate::params::{Combining, ModelConfig};
use crate::{Error, Model, Result};

/// The magic bytes every model file starts with.
pub const MAGIC: &[u8; 8] = b"FERRETNB";
/// The model file format this build writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
const HEADER: usize = 88;

impl Model {
    /// The model as a file image.
    pub fn to_bytes(&self) -> Vec<u8> {
        let nz = self
            .counts
            .iter()
            .filter(|c| c[0] != 0 || c[1] != 0)
            .count();
        let mut b = Vec::with_capacity(HEADER + nz * 5 + 4);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        b.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        b.push(self.features.bits());
        b.push(u8::from(self.features.bigrams()) | u8::from(self.config.presence) << 1);
        b.push(match self.config.combining {
            Combining::ChiSquared => 0,
            Combining::NaiveBayes => 1,
        });
        b.push(0);
        b.extend_from_slice(&self.features.max_text_bytes().to_le_bytes());
        b.extend_from_slice(&self.config.max_clues.to_le_bytes());
        for v in [
            self.config.robinson_s,
            self.config.robinson_x,
            self.config.min_dev,
            self.config.alpha,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&self.docs[0].to_le_bytes());
        b.extend_from_slice(&self.docs[1].to_le_bytes());
        b.extend_from_slice(&(nz as u64).to_le_bytes());
        let len_at = b.len();
        b.extend_from_slice(&0u64.to_le_bytes());
        let mut prev = 0u64;
        for (id, c) in self.counts.iter().enumerate() {
            if c[0] == 0 && c[1] == 0 {
                continue;
            }
            put_varint(&mut b, id as u64 - prev);
            put_varint(&mut b, u64::from(c[0]));
            put_varint(&mut b, u64::from(c[1]));
            prev = id as u64;
        }
        let total = (b.len() + 4) as u64;
        b[len_at..len_at + 8].copy_from_slice(&total.to_le_bytes());
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b
    }

    /// Reads a file image. A truncated, corrupt, foreign or too-new image is a typed error.
    pub fn from_bytes(b: &[u8]) -> Result<Model> {
        if b.len() < MAGIC.len() {
            return if MAGIC.starts_with(b) && !b.is_empty() {
                Err(Error::Truncated {
                    len: b.len() as u64,
                    expected: HEADER as u64 + 4,
                })
            } else {
                Err(Error::NotAModel)
            };
        }
        if &b[..8] != MAGIC {
            return Err(Error::NotAModel);
        }
        if b.len() < HEADER + 4 {
            return Err(Error::Truncated {
                len: b.len() as u64,
                expected: HEADER as u64 + 4,
            });
        }
        let mut r = Reader { b, at: 8 };
        let format = r.u16();
        if format > FORMAT_VERSION {
            return Err(Error::TooNew {
                found: format,
                supported: FORMAT_VERSION,
            });
        }
        if format == 0 {
            return Err(Error::Corrupt {
                what: "format version 0",
            });
        }
        let feature_version = r.u16();
        let bits = r.u8();
        let flags = r.u8();
        let combining = match r.u8() {
            0 => Combining::ChiSquared,
            1 => Combining::NaiveBayes,
            _ => {
                return Err(Error::Corrupt {
                    what: "unknown combining method",
                })
            }
        };
        let _reserved = r.u8();
        let max_text = r.u32();
        let max_clues = r.u32();
        let (s, x, min_dev, alpha) = (r.f64(), r.f64(), r.f64(), r.f64());
        let docs = [r.u64(), r.u64()];
        let nz = r.u64();
        let declared = r.u64();
        if (b.len() as u64) < declared {
            return Err(Error::Truncated {
                len: b.len() as u64,
                expected: declared,
            });
        }
        if b.len() as u64 != declared {
            return Err(Error::Corrupt {
                what: "length does not match the header",
            });
        }
        let (body, crc) = b.split_at(b.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
            return Err(Error::Corrupt {
                what: "checksum mismatch",
            });
        }
        // Checksum good: the header can be trusted; a tokenizer mismatch is an incompatibility.
        if feature_version != FEATURE_VERSION {
            return Err(Error::FeatureVersion {
                found: feature_version,
                supported: FEATURE_VERSION,
            });
        }
        let features = FeatureConfig::params()
            .bits(bits)
            .bigrams(flags & 1 != 0)
            .max_text_bytes(max_text)
            .check()
            .map_err(|_| Error::Corrupt {
                what: "feature parameters out of range",
            })?;
        let config = ModelConfig::params()
            .combining(combining)
            .robinson_s(s)
            .robinson_x(x)
            .min_dev(min_dev)
            .alpha(alpha)
            .presence(flags & 2 != 0)
            .max_clues(max_clues)
            .check()
            .map_err(|_| Error::Corrupt {
                what: "model parameters out of range",
            })?;
        let mut model = Model::new(features, config);
        model.docs = docs;
        if nz > model.counts.len() as u64 {
            return Err(Error::Corrupt {
                what: "more entries than buckets",
            });
        }
        let mut r = Reader {
            b: body,
            at: HEADER,
        };
        let mut id = 0u64;
        for i in 0..nz {
            let delta = r.varint()?;
            if i > 0 && delta == 0 {
                return Err(Error::Corrupt {
                    what: "bucket ids not increasing",
                });
            }
            let Some(next) = id.checked_add(delta) else {
                return Err(Error::Corrupt {
                    what: "bucket id overflows",
                });
            };
            id = next;
            let ham = r.varint()?;
            let spam = r.varint()?;
            let Some(slot) = model.counts.get_mut(id as usize) else {
                return Err(Error::Corrupt {
                    what: "bucket id out of range",
                });
            };
            let to_u32 = |v: u64| {
                u32::try_from(v).map_err(|_| Error::Corrupt {
                    what: "count too large",
                })
            };
            *slot = [to_u32(ham)?, to_u32(spam)?];
            if ham == 0 && spam == 0 {
                return Err(Error::Corrupt {
                    what: "empty bucket stored",
                });
            }
            model.totals[0] += ham;
            model.totals[1] += spam;
        }
        if r.at != body.len() {
            return Err(Error::Corrupt {
                what: "trailing bytes after the counts",
            });
        }
        model.nonzero = nz;
        Ok(model)
    }

    /// Writes the model to `path` atomically: a temporary file beside it is written, flushed to disk
    /// and renamed over `path`, so readers see the old model or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().ok_or_else(|| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a file path",
            ))
        })?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&self.to_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            // Persist the rename itself; not every platform can open a directory, hence best effort.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io(e)
        })
    }

    /// Reads a model file; errors name the file.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Model::from_bytes(&bytes).map_err(|e| Error::InFile {
            path: path.to_owned(),
            source: Box::new(e),
        })
    }
}

fn put_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

/// Bounds-checked little-endian reader over the header (whose length was checked up front) and body.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.b[self.at..self.at + N]);
        self.at += N;
        out
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take())
    }
    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            // Not `ok_or`: it would build and drop an error value for every varint of a model.
            let Some(&byte) = self.b.get(self.at) else {
                return Err(Error::Corrupt {
                    what: "counts end early",
                });
            };
            self.at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::Corrupt {
            what: "varint too long",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Label;
    use ferret_features::Features;

    fn trained() -> Model {
        let fc = FeatureConfig::params().bits(12).check().unwrap();
        let mut m = Model::new(fc, ModelConfig::default());
        for i in 0..100u32 {
            let f = Features::from_pairs([(i * 37 % 4096, 1), (i % 10, 2), (4095, 1)]);
            m.learn(&f, if i % 4 == 0 { Label::Spam } else { Label::Ham })
                .unwrap();
        }
        m
    }

    #[test]
    fn round_trips() {
        let m = trained();
        assert_eq!(Model::from_bytes(&m.to_bytes()).unwrap(), m);
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let b = trained().to_bytes();
        for n in 0..b.len() {
            let e = Model::from_bytes(&b[..n]).unwrap_err();
            assert!(
                matches!(e, Error::Truncated { .. } | Error::NotAModel),
                "{n}: {e}"
            );
        }
    }

    #[test]
    fn every_bit_flip_is_detected() {
        let b = trained().to_bytes();
        for i in 0..b.len() {
            let mut c = b.clone();
            c[i] ^= 0x10;
            assert!(
                Model::from_bytes(&c).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
    }

    #[test]
    fn foreign_and_too_new_files() {
        assert!(matches!(
            Model::from_bytes(b"PK\x03\x04 zip file here..."),
            Err(Error::NotAModel)
        ));
        let mut b = trained().to_bytes();
        b[8] = 9;
        assert!(matches!(
            Model::from_bytes(&b),
            Err(Error::TooNew {
                found: 9,
                supported: 1
            })
        ));
    }

    #[test]
    fn a_tiny_file_cannot_claim_a_huge_model() {
        // Found by fuzzing: a valid 92-byte file declaring 2^28 buckets made the loader allocate
        // 2 GiB. Bits are capped at 24 (128 MiB).
        let mut b = Model::new(
            FeatureConfig::params().bits(8).check().unwrap(),
            ModelConfig::default(),
        )
        .to_bytes();
        b[12] = 28;
        let n = b.len();
        let crc = crc32fast::hash(&b[..n - 4]);
        b[n - 4..].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(Model::from_bytes(&b), Err(Error::Corrupt { .. })));
    }

    #[test]
    fn other_tokenizer_version_is_refused_with_advice() {
        let mut b = trained().to_bytes();
        b[10] = b[10].wrapping_add(1);
        let n = b.len();
        let crc = crc32fast::hash(&b[..n - 4]);
        b[n - 4..].copy_from_slice(&crc.to_le_bytes());
        let e = Model::from_bytes(&b).unwrap_err();
        assert!(matches!(e, Error::FeatureVersion { .. }));
        assert!(e.to_string().contains("ferret train"), "{e}");
    }

    #[test]
    fn save_is_atomic_and_load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.ferret");
        let m = trained();
        m.save(&p).unwrap();
        assert_eq!(Model::load(&p).unwrap(), m);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
        std::fs::write(&p, b"garbage").unwrap();
        let e = Model::load(&p).unwrap_err();
        assert!(e.to_string().contains("m.ferret"), "{e}");
        let e = Model::load(&dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }
}

//! The crate's error type: every variant names the input, and the line or byte where it went wrong.

use std::io;

use crate::Format;

/// Result with [`ImportError`].
pub type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The input.
        file: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The input is not well-formed for its format.
    #[error("{file}:{line}: malformed {format} (byte {byte}): {what}")]
    Malformed {
        /// The input (for folders: the message file).
        file: String,
        /// The format being read.
        format: Format,
        /// 1-based line where the problem was found.
        line: u64,
        /// Byte offset where the problem was found.
        byte: u64,
        /// What is wrong.
        what: String,
    },
    /// A record has no label and no default was given.
    #[error("{file}:{line}: {}", unlabelled_advice(*format))]
    Unlabelled {
        /// The input.
        file: String,
        /// 1-based line of the record.
        line: u64,
        /// The format being read.
        format: Format,
    },
    /// A column named by the options does not exist, or no text column was found.
    #[error("{file}: {what}")]
    Columns {
        /// The input.
        file: String,
        /// What is missing, with the columns there are.
        what: String,
    },
    /// The content matches no known format.
    #[error(
        "{file}: cannot tell the format from the first bytes; pass --format \
         (wxr, disqus, csv, tsv, sql, json, jsonl, mbox, maildir, eml)"
    )]
    UnknownFormat {
        /// The input.
        file: String,
    },
    /// `--format` was given a name that is not a format.
    #[error("unknown format {found:?}: expected one of wxr, disqus, csv, tsv, sql, json, jsonl, mbox, maildir, eml")]
    UnknownFormatName {
        /// The value given.
        found: String,
    },
    /// The forced format cannot read this kind of input.
    #[error("{file}: cannot read as {format}: {why}")]
    WrongFormat {
        /// The input.
        file: String,
        /// The format forced.
        format: Format,
        /// Why not.
        why: &'static str,
    },
}

impl ImportError {
    pub(crate) fn malformed(
        file: &str,
        format: Format,
        line: u64,
        byte: u64,
        what: impl Into<String>,
    ) -> ImportError {
        ImportError::Malformed {
            file: file.to_owned(),
            format,
            line,
            byte,
            what: what.into(),
        }
    }
}

fn unlabelled_advice(format: Format) -> &'static str {
    match format {
        Format::Jsonl | Format::Json => {
            "field \"label\" is missing (expected \"spam\" or \"ham\"; or pass --unlabelled-as spam|ham)"
        }
        Format::Csv | Format::Tsv | Format::Sql => {
            "this row has no label: name a label column (--label-col, or a comment_approved column), \
             or pass --unlabelled-as spam|ham"
        }
        _ => "this message has no label: put it under a folder or file named spam or ham, \
              or pass --unlabelled-as spam|ham",
    }
}

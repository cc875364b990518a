//! Stage one of Ferret's pipeline: a [`Comment`] becomes sparse hashed features.
//!
//! (Featurizer under construction; this file is completed in the local-engine change.)
#![deny(missing_docs)]

mod comment;

pub use comment::Comment;

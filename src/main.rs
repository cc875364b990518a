//! The `ferret` binary.
fn main() {}

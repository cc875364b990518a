//! Ferret facade (under construction).

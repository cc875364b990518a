//! ferret-bayes (under construction).

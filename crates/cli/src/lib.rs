//! ferret-cli (under construction).

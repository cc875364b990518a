//! ferret-akismet (under construction).

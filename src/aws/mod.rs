//! AWS.

//! The command-line tests, one binary: each module drives the built `chaoslab` binary
//! through one part of the PRODUCT.md contract. They share one test binary (instead of
//! one per file) so that CI links and stores the crate once, not twelve times.

mod common;

mod bench;
mod compare;
mod contract;
mod delay;
mod dimension;
mod koopman;
mod plrnn;
mod presets;
mod reservoir;
mod sindy;
mod sindy_suite;
mod user_system;

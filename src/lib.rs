//! chaoslab: a lab for chaotic dynamics.
//!
//! The numerical core follows the data flow — [`systems`] → [`integrate`] → [`data`] →
//! [`models`] → [`eval`] — with background [`jobs`], file [`io`] and the command line
//! ([`cli`]). The window lives in [`app`] (panels) and [`render`] (the wgpu attractor
//! view); nothing else depends on egui, eframe or wgpu.

pub mod app;
pub mod cli;
pub mod data;
pub mod eval;
pub mod integrate;
pub mod io;
pub mod jobs;
pub mod models;
pub mod render;
pub mod systems;

//! Reading and writing files: trajectories as CSV (`t,<state names>`) or NPY (a
//! `samples × dim` f64 array), each with a provenance sidecar `<file>.provenance.json`;
//! sessions ([`session`]); every write is atomic (temporary file in the same folder,
//! then rename).

mod atomic;
pub mod session;
mod trajectory_file;

pub use atomic::{StagedWrite, write_atomic};
pub use trajectory_file::{parse_trajectory, read_trajectory, write_trajectory};

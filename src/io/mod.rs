//! Reading and writing files: trajectories as CSV (`t,<state names>`) or NPY (a
//! `samples × dim` f64 array), each with a provenance sidecar `<file>.provenance.json`;
//! every write is atomic (temporary file in the same folder, then rename).

mod atomic;
mod trajectory_file;

pub use atomic::write_atomic;
pub use trajectory_file::{read_trajectory, write_trajectory};

//! Background jobs below the window's priority.
//!
//! Where no GPU is present, the window is painted on the CPU (Mesa's llvmpipe) and every
//! frame competes with the fits for the same cores. Lowering the jobs' threads (their
//! own and the rayon pool's) to a lower scheduling priority (nice 9 on Linux) lets a
//! frame run as soon as it is due: measured with `gui --frame-times` on 2 cores at
//! 1400 × 900, the compare preset's median frame while four fits run went from 49 to
//! 40 ms (the fits took 8.5 s instead of 4.9 s: the window's frames use the CPU they
//! gave up), and a PLRNN training beside an orbit diagram from 88 to 57 ms. On a GPU
//! a frame costs little CPU, so the jobs lose little. The command line never lowers
//! its priority.

use std::sync::atomic::{AtomicBool, Ordering};

use thread_priority::{ThreadPriority, ThreadPriorityValue};

/// Whether job threads lower their own priority (set once by the window).
static BELOW_WINDOW: AtomicBool = AtomicBool::new(false);

/// The portable priority value (0–99, 50 normal) jobs run at: nice 9 on Linux.
const JOB_PRIORITY: u8 = 23;

/// From now on, jobs run below the window's priority, and so do the threads of rayon's
/// global pool (which is built here if nothing built it yet; if it already exists its
/// threads keep their priority). Called once when the window opens.
pub fn run_jobs_below_window() {
    BELOW_WINDOW.store(true, Ordering::Relaxed);
    // Fails only when the pool already exists; then its threads stay as they are.
    let _ = rayon::ThreadPoolBuilder::new()
        .start_handler(|_| lower_current_thread())
        .build_global();
}

/// Lowers the calling thread's priority if [`run_jobs_below_window`] was called; a
/// failure (a platform that refuses) leaves the thread as it was.
pub(crate) fn lower_if_below_window() {
    if BELOW_WINDOW.load(Ordering::Relaxed) {
        lower_current_thread();
    }
}

fn lower_current_thread() {
    if let Ok(value) = ThreadPriorityValue::try_from(JOB_PRIORITY) {
        let _ = thread_priority::set_current_thread_priority(ThreadPriority::Crossplatform(value));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::{lower_current_thread, run_jobs_below_window};
    use crate::jobs::{Job, JobState};

    /// The calling thread's nice value, field 19 of `/proc/thread-self/stat`.
    fn own_niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("procfs");
        // The command name (field 2) may hold spaces; fields after its ')' are plain.
        let rest = &stat[stat.rfind(')').expect("a command name") + 2..];
        rest.split(' ')
            .nth(16)
            .and_then(|f| f.parse().ok())
            .expect("field 19")
    }

    #[test]
    fn jobs_and_pool_threads_run_below_the_window() {
        let window = own_niceness();
        run_jobs_below_window();
        let mut job = Job::spawn("nice", None, |_| Ok(own_niceness()));
        let job_nice = loop {
            match job.poll() {
                JobState::Done(n) => break n,
                JobState::Running(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                other => panic!(
                    "the job did not finish: {}",
                    matches!(other, JobState::Failed(_))
                ),
            }
        };
        // Threads started by the pool's start handler (the global pool's, which another
        // test may have built first, so a local pool with the same handler is checked).
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .start_handler(|_| lower_current_thread())
            .build()
            .expect("a pool");
        let pool_nice = pool.broadcast(|_| own_niceness());
        eprintln!("window thread nice {window}, job {job_nice}, pool {pool_nice:?}");
        assert!(job_nice > window, "job {job_nice} vs {window}");
        assert!(pool_nice.iter().all(|&n| n > window), "{pool_nice:?}");
    }
}

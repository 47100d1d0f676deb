//! Background jobs: long computations (fits, Lyapunov spectra, long integrations) run on
//! their own thread and report progress; the caller polls without blocking and can
//! cancel at any time.
//!
//! A worker receives a [`JobContext`]; it calls [`JobContext::check`] at loop boundaries
//! (returning [`Cancelled`] promptly once cancel was asked for) and
//! [`JobContext::report`] with a fraction and a message. [`Job::poll`] gives the current
//! [`JobState`]. Cancelling marks the job cancelled at once, so the caller's view never
//! waits for the worker; the worker's eventual result is discarded.

mod priority;

pub use priority::run_jobs_below_window;

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The error a worker returns when it stops because of a cancel request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

/// Progress of a running job.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Completed fraction in `[0, 1]`.
    pub fraction: f32,
    /// What the worker is doing now.
    pub message: String,
    /// Optional series the worker streams (for example a loss curve).
    pub curve: Vec<f64>,
    /// The latest partial result the worker shared (for example the rows of a
    /// pseudospectrum computed so far), for the caller to draw while it runs.
    pub partial: Option<Partial>,
}

/// A partial result shared by a running worker; the caller downcasts it to the type the
/// worker publishes. Two values are equal when they are the same publication.
#[derive(Clone)]
pub struct Partial(pub Arc<dyn Any + Send + Sync>);

impl Partial {
    /// The value as a `T`, if it is one.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl std::fmt::Debug for Partial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Partial(..)")
    }
}

impl PartialEq for Partial {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Called whenever a worker has news (the GUI passes a repaint request here).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// The worker's side of a job: cancel flag, progress, waker.
#[derive(Clone)]
pub struct JobContext {
    cancel: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
    waker: Option<Waker>,
}

impl JobContext {
    /// A context that is never cancelled and reports to no one (CLI, tests).
    pub fn detached() -> Self {
        Self {
            cancel: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(Mutex::new(Progress::default())),
            waker: None,
        }
    }

    /// `Err(Cancelled)` once cancel was requested.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Publishes progress and wakes the caller.
    pub fn report(&self, fraction: f32, message: &str) {
        if let Ok(mut p) = self.progress.lock() {
            p.fraction = fraction.clamp(0.0, 1.0);
            if p.message != message {
                p.message = message.to_string();
            }
        }
        self.wake();
    }

    /// Appends a value to the streamed curve.
    pub fn push_curve(&self, value: f64) {
        if let Ok(mut p) = self.progress.lock() {
            p.curve.push(value);
        }
        self.wake();
    }

    /// Shares a partial result (replacing the previous one) and wakes the caller.
    pub fn publish(&self, value: Arc<dyn Any + Send + Sync>) {
        if let Ok(mut p) = self.progress.lock() {
            p.partial = Some(Partial(value));
        }
        self.wake();
    }

    fn wake(&self) {
        if let Some(w) = &self.waker {
            w();
        }
    }
}

/// Where a job stands.
#[derive(Debug, PartialEq)]
pub enum JobState<T> {
    /// Still running.
    Running(Progress),
    /// Finished with a result (handed out once; later polls return `Taken`).
    Done(T),
    /// Finished with a readable error.
    Failed(String),
    /// Cancelled by the caller.
    Cancelled,
    /// The result was already handed out.
    Taken,
}

/// The caller's handle to a background computation producing `T`.
pub struct Job<T> {
    /// A short label ("Fit DMD").
    pub label: String,
    ctx: JobContext,
    rx: Receiver<Result<T, String>>,
    cancelled: bool,
    finished: bool,
    started: Instant,
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a new thread.
    pub fn spawn<F>(label: &str, waker: Option<Waker>, work: F) -> Self
    where
        F: FnOnce(&JobContext) -> Result<T, String> + Send + 'static,
    {
        let ctx = JobContext {
            cancel: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(Mutex::new(Progress::default())),
            waker,
        };
        let (tx, rx) = mpsc::channel();
        let worker_ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("job: {label}"))
            .spawn(move || {
                priority::lower_if_below_window();
                // A panic in the work (a bug) becomes a failed job that says so.
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&worker_ctx)))
                        .unwrap_or_else(|payload| Err(panic_message(payload.as_ref())));
                let _ = tx.send(result); // the handle may be gone; nothing to do then
                worker_ctx.wake();
            });
        let mut job = Self {
            label: label.to_string(),
            ctx,
            rx,
            cancelled: false,
            finished: false,
            started: Instant::now(),
        };
        if let Err(e) = spawned {
            // Could not start a thread: surface it as a failed job instead of panicking.
            let (tx, rx) = mpsc::channel();
            let _ = tx.send(Err(format!("could not start a worker thread: {e}")));
            job.rx = rx;
        }
        job
    }

    /// Asks the worker to stop; the job reads as cancelled from now on.
    pub fn cancel(&mut self) {
        self.ctx.cancel.store(true, Ordering::Relaxed);
        if !self.finished {
            self.cancelled = true;
        }
    }

    /// Seconds since the job started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// True once the job is done, failed, cancelled or taken.
    pub fn is_finished(&self) -> bool {
        self.finished || self.cancelled
    }

    /// The current state, without blocking.
    pub fn poll(&mut self) -> JobState<T> {
        if self.cancelled {
            return JobState::Cancelled;
        }
        if self.finished {
            return JobState::Taken;
        }
        match self.rx.try_recv() {
            Ok(Ok(v)) => {
                self.finished = true;
                JobState::Done(v)
            }
            Ok(Err(msg)) => {
                self.finished = true;
                JobState::Failed(msg)
            }
            Err(TryRecvError::Empty) => JobState::Running(
                self.ctx
                    .progress
                    .lock()
                    .map(|p| p.clone())
                    .unwrap_or_default(),
            ),
            Err(TryRecvError::Disconnected) => {
                self.finished = true;
                JobState::Failed("the worker stopped without a result (it panicked)".into())
            }
        }
    }

    /// Blocks until the job ends (CLI and tests).
    pub fn wait(mut self) -> JobState<T> {
        if self.cancelled {
            return JobState::Cancelled;
        }
        match self.rx.recv() {
            Ok(Ok(v)) => JobState::Done(v),
            Ok(Err(msg)) => JobState::Failed(msg),
            Err(_) => {
                self.finished = true;
                JobState::Failed("the worker stopped without a result (it panicked)".into())
            }
        }
    }
}

/// The message of a caught panic, worded as a failed job.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!(
        "the job failed on an internal error ({what}); this is a bug in chaoslab, please report it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_panic_in_the_work_is_a_failed_job_with_its_message() {
        let job: Job<u32> = Job::spawn("bug", None, |_| panic!("index out of range"));
        match job.wait() {
            JobState::Failed(msg) => {
                assert!(
                    msg.contains("index out of range") && msg.contains("bug"),
                    "{msg}"
                )
            }
            other => panic!("expected a failed job, got {other:?}"),
        }
    }

    #[test]
    fn reports_progress_and_result() {
        let job = Job::spawn("sum", None, |ctx| {
            ctx.report(0.5, "half");
            Ok(21 * 2)
        });
        assert_eq!(job.wait(), JobState::Done(42));
    }

    #[test]
    fn cancel_stops_a_long_worker_quickly() {
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let mut job = Job::spawn("spin", None, move |ctx| {
            loop {
                if ctx.check().is_err() {
                    flag.store(true, Ordering::SeqCst);
                    return Err::<(), _>("cancelled".into());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        assert!(matches!(job.poll(), JobState::Running(_)));
        let t = Instant::now();
        job.cancel();
        assert_eq!(job.poll(), JobState::Cancelled);
        while !stopped.load(Ordering::SeqCst) {
            assert!(
                t.elapsed() < Duration::from_millis(100),
                "worker ignored cancel"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn failure_is_readable() {
        let job: Job<()> = Job::spawn("bad", None, |_| Err("no data".into()));
        assert_eq!(job.wait(), JobState::Failed("no data".into()));
    }
}

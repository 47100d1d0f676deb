//! `chaoslab gui --preset FILE --frame-times [--json]`: how responsive the whole window
//! stays while the preset's jobs run (fits, an orbit diagram, a characterisation).
//!
//! Records the interval between frames from the first frame on which a job runs until
//! every job has finished (or [`MAX_FRAMES`] frames), repainting continuously; then
//! [`IDLE_FRAMES`] more with the jobs done, and the process's CPU time over those, which
//! is what the window's frame itself costs (on a software renderer, mostly rasterising
//! egui's layers). Prints the median, 95th percentile and longest interval, the idle
//! median and CPU per idle frame, and closes the window.
//! Under `xvfb-run` this measures Mesa's software Vulkan with the jobs competing for the
//! same cores, which is the set-up ("frames under 50 ms while four fits run").

use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The longest recording, in frames.
pub const MAX_FRAMES: usize = 3_000;
/// Frames recorded after the jobs finished.
pub const IDLE_FRAMES: usize = 30;
/// Frames drawn before the jobs may start: the first frames build the renderer's
/// pipelines and buffers, which is start-up, not responsiveness.
pub const WARM_UP_FRAMES: usize = 30;

/// The measurement.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FrameTimes {
    /// Intervals measured (frames while jobs ran).
    pub frames: usize,
    /// Median interval between frames, milliseconds.
    pub median_frame_ms: f64,
    /// 95th percentile, milliseconds.
    pub p95_frame_ms: f64,
    /// Longest interval, milliseconds.
    pub max_frame_ms: f64,
    /// Wall time the jobs ran while recorded, seconds.
    pub busy_seconds: f64,
    /// Median interval once the jobs finished, milliseconds.
    pub idle_median_frame_ms: f64,
    /// CPU time the whole process spent per idle frame, milliseconds (Linux only):
    /// the frame's own cost, all renderer threads included.
    pub idle_cpu_ms_per_frame: Option<f64>,
    /// 3-D views rendered offscreen per idle frame: the live view, plus any view whose
    /// camera or curves changed (a still view keeps its texture).
    pub idle_offscreen_passes_per_frame: f64,
}

/// The recorder the app drives from its frame.
pub struct FrameRecorder {
    warm_up: usize,
    stamps: Vec<Instant>,
    /// Frames after the jobs finished, with the process CPU time at the first.
    idle: Vec<Instant>,
    idle_cpu_start: Option<f64>,
    idle_passes_start: u64,
    /// Where the measurement goes when done.
    pub result: Arc<Mutex<Option<FrameTimes>>>,
}

impl FrameRecorder {
    /// A recorder writing to `result`.
    pub fn new(result: Arc<Mutex<Option<FrameTimes>>>) -> Self {
        Self {
            warm_up: WARM_UP_FRAMES,
            stamps: Vec::new(),
            idle: Vec::new(),
            idle_cpu_start: None,
            idle_passes_start: 0,
            result,
        }
    }

    /// Whether the warm-up frames are over (jobs may start).
    pub fn warmed_up(&self) -> bool {
        self.warm_up == 0
    }

    /// Called once per frame with whether jobs run; returns true when the measurement is
    /// complete (the window should close).
    pub fn frame(&mut self, busy: bool) -> bool {
        if self.warm_up > 0 {
            self.warm_up -= 1;
            return false;
        }
        let now = Instant::now();
        if self.idle.is_empty() {
            if busy && self.stamps.len() < MAX_FRAMES + 1 {
                self.stamps.push(now);
                return false;
            }
            if self.stamps.is_empty() {
                return false; // the jobs have not started yet
            }
            // The frame on which the last job was seen finished closes the last interval
            // and opens the idle ones.
            self.stamps.push(now);
            self.idle.push(now);
            self.idle_cpu_start = process_cpu_seconds();
            self.idle_passes_start = crate::render::offscreen_passes();
            return false;
        }
        self.idle.push(now);
        if self.idle.len() <= IDLE_FRAMES {
            return false;
        }
        let mut times = summarise(&self.stamps);
        let idle = summarise(&self.idle);
        times.idle_median_frame_ms = idle.median_frame_ms;
        times.idle_cpu_ms_per_frame = match (self.idle_cpu_start, process_cpu_seconds()) {
            (Some(a), Some(b)) => Some((b - a) * 1e3 / idle.frames.max(1) as f64),
            _ => None,
        };
        times.idle_offscreen_passes_per_frame =
            crate::render::offscreen_passes().saturating_sub(self.idle_passes_start) as f64
                / idle.frames.max(1) as f64;
        if let Ok(mut r) = self.result.lock() {
            *r = Some(times);
        }
        true
    }
}

/// CPU time (user + system) this process has used, in seconds, from `/proc/self/stat`
/// (fields 14 and 15, in the kernel's fixed USER_HZ = 100 ticks per second); `None`
/// where there is no procfs.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces; the fields after it are plain.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Median, 95th percentile and maximum of the intervals between `stamps`.
pub fn summarise(stamps: &[Instant]) -> FrameTimes {
    let mut ms: Vec<f64> = stamps
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64() * 1e3)
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if ms.is_empty() {
            f64::NAN
        } else {
            ms[((ms.len() - 1) as f64 * q).round() as usize]
        }
    };
    FrameTimes {
        frames: ms.len(),
        median_frame_ms: at(0.5),
        p95_frame_ms: at(0.95),
        max_frame_ms: ms.last().copied().unwrap_or(f64::NAN),
        busy_seconds: match (stamps.first(), stamps.last()) {
            (Some(a), Some(b)) => (*b - *a).as_secs_f64(),
            _ => 0.0,
        },
        idle_median_frame_ms: f64::NAN,
        idle_cpu_ms_per_frame: None,
        idle_offscreen_passes_per_frame: f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn summary_of_known_intervals() {
        let t0 = Instant::now();
        // Intervals 10, 20, …, 200 ms.
        let mut stamps = vec![t0];
        for k in 1..=20u64 {
            let last = *stamps.last().expect("stamp");
            stamps.push(last + Duration::from_millis(10 * k));
        }
        let s = summarise(&stamps);
        assert_eq!(s.frames, 20);
        assert!(
            (s.median_frame_ms - 110.0).abs() < 1e-6,
            "{}",
            s.median_frame_ms
        );
        assert!((s.p95_frame_ms - 190.0).abs() < 1e-6);
        assert!((s.max_frame_ms - 200.0).abs() < 1e-6);
        assert!((s.busy_seconds - 2.1).abs() < 1e-9);
    }

    #[test]
    fn records_only_while_busy_and_finishes_when_the_jobs_do() {
        let result = Arc::new(Mutex::new(None));
        let mut r = FrameRecorder::new(result.clone());
        for _ in 0..WARM_UP_FRAMES {
            assert!(!r.warmed_up());
            assert!(!r.frame(true), "warm-up frames are not measured");
        }
        assert!(r.warmed_up());
        assert!(!r.frame(false), "waits for the jobs to start");
        assert!(!r.frame(true));
        assert!(!r.frame(true));
        assert!(!r.frame(true));
        assert!(!r.frame(false), "the jobs finished: idle frames follow");
        for _ in 1..IDLE_FRAMES {
            assert!(!r.frame(false));
        }
        assert!(r.frame(false), "done after the idle frames");
        let got = result.lock().expect("lock").clone().expect("measured");
        assert_eq!(got.frames, 3, "three busy frames and the closing one");
        assert!(got.idle_median_frame_ms >= 0.0);
        if cfg!(target_os = "linux") {
            assert!(got.idle_cpu_ms_per_frame.is_some_and(|c| c >= 0.0));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn process_cpu_time_grows_with_work() {
        let before = process_cpu_seconds().expect("procfs is there on Linux");
        // About 0.2 s of arithmetic on this thread (ticks are 10 ms).
        let start = Instant::now();
        let mut x = 1.0f64;
        while start.elapsed().as_secs_f64() < 0.2 {
            x = (x * 1.000_000_1).sin() + 1.0;
        }
        std::hint::black_box(x);
        let after = process_cpu_seconds().expect("read again");
        assert!(after - before > 0.05, "{before} → {after}");
    }
}

//! The characterisation job the window runs in the background: the Lyapunov spectrum
//! (streaming its running estimates through a channel, so the window can plot them
//! converging), the Kaplan–Yorke dimension, and the Grassberger–Procaccia correlation
//! dimension of the attractor. No egui here.

use std::sync::mpsc::{Receiver, channel};

use crate::eval::correlation_dimension::{
    AttractorSampling, CorrelationDimension, CorrelationOptions, attractor_correlation_dimension,
};
use crate::eval::lyapunov::{
    DEFAULT_CHECKPOINTS, LyapunovCheckpoint, LyapunovOptions, LyapunovResult,
    lyapunov_spectrum_observed,
};
use crate::jobs::{Job, Waker};
use crate::systems::System;

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct CharacteriseSettings {
    /// Averaging span: dominant periods for flows, iterations for maps.
    pub periods: f64,
    /// Discarded transient: dominant periods for flows, iterations for maps.
    pub transient: f64,
    /// Also compute the correlation dimension.
    pub dimension: bool,
}

/// Everything the window shows about a finished characterisation.
#[derive(Clone, Debug)]
pub struct Characterisation {
    /// The system's name when the job started.
    pub system: String,
    /// Its parameters then (a change makes the result stale).
    pub params: Vec<f64>,
    /// The spectrum, the Kaplan–Yorke dimension and the contraction rate.
    pub spectrum: LyapunovResult,
    /// The correlation dimension, or why it could not be computed (`None`: not asked).
    pub dimension: Option<Result<CorrelationDimension, String>>,
}

/// Starts the characterisation of `system` from `x0`; the receiver yields the spectrum's
/// running estimates at [`DEFAULT_CHECKPOINTS`] times while it runs.
pub fn spawn_characterise(
    system: System,
    x0: Vec<f64>,
    settings: CharacteriseSettings,
    waker: Option<Waker>,
) -> (Job<Characterisation>, Receiver<LyapunovCheckpoint>) {
    let (tx, rx) = channel();
    let job = Job::spawn("Characterise", waker, move |job| {
        let options = LyapunovOptions {
            periods: settings.periods,
            transient_periods: settings.transient,
            initial_condition: Some(x0.clone()),
            ..LyapunovOptions::default()
        };
        let spectrum =
            lyapunov_spectrum_observed(&system, &options, job, DEFAULT_CHECKPOINTS, &mut |c| {
                // The window may have dropped the receiver (a new run); nothing to do.
                let _ = tx.send(c.clone());
            })
            .map_err(|e| e.to_string())?;
        let dimension = if settings.dimension {
            job.report(0.0, "correlation dimension");
            let sampling = AttractorSampling {
                initial_condition: Some(x0),
                ..AttractorSampling::for_system(&system)
            };
            match attractor_correlation_dimension(
                &system,
                &sampling,
                &CorrelationOptions::default(),
                job,
            ) {
                Ok(d) => Some(Ok(d)),
                Err(e) => {
                    job.check().map_err(|e| e.to_string())?;
                    Some(Err(e.to_string()))
                }
            }
        } else {
            None
        };
        job.report(1.0, "done");
        Ok(Characterisation {
            system: system.name().to_string(),
            params: system.params().to_vec(),
            spectrum,
            dimension,
        })
    });
    (job, rx)
}

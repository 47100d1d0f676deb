//! The data panel: load your own measurements (CSV or NPY) by file dialog, drag and
//! drop, or a typed path; the file is read on a background job; the loaded dataset
//! replaces the live system as what the models are fitted on.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use egui::{Color32, Ui};

use super::fit_job::points_3d;
use crate::data::Trajectory;
use crate::io::session::DatasetRef;
use crate::jobs::{Job, JobState, Waker};

/// State of the data panel.
#[derive(Default)]
pub struct DataPanel {
    /// The path field.
    pub path_text: String,
    /// Sampling interval for files without a time column (empty: from the file or 1).
    pub dt_text: String,
    /// The user's largest Lyapunov exponent of the data (empty: unknown).
    pub lyapunov_text: String,
    /// The loaded dataset.
    pub loaded: Option<Arc<Trajectory>>,
    /// Its first three coordinates for the 3-D view.
    pub points: Arc<Vec<[f32; 3]>>,
    /// Bumped when `points` change.
    pub generation: u64,
    /// The last error, shown in red.
    pub error: Option<String>,
    /// The loaded file by path and content hash, with the dt it was read with (what a
    /// saved session records).
    pub loaded_from: Option<DatasetRef>,
    job: Option<Job<(Trajectory, DatasetRef)>>,
    dialog: Option<Receiver<Option<PathBuf>>>,
}

impl DataPanel {
    /// Shows `traj`, read from `reference`, as the loaded dataset (a session opened it).
    pub fn set_loaded(&mut self, traj: Arc<Trajectory>, reference: DatasetRef) {
        self.points = Arc::new(points_3d(traj.samples(), traj.dim()));
        self.generation += 1;
        self.path_text = reference.path.display().to_string();
        self.dt_text = reference.dt.map(|d| d.to_string()).unwrap_or_default();
        self.lyapunov_text = reference
            .lyapunov
            .map(|l| l.to_string())
            .unwrap_or_default();
        self.loaded = Some(traj);
        self.loaded_from = Some(reference);
        self.error = None;
    }

    /// Starts reading `path` on a background job.
    pub fn load(&mut self, path: PathBuf, waker: Option<Waker>) {
        let dt = match self.dt_text.trim() {
            "" => None,
            s => match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                _ => {
                    self.error = Some(format!("dt '{s}' is not a positive number"));
                    return;
                }
            },
        };
        self.path_text = path.display().to_string();
        self.error = None;
        self.job = Some(Job::spawn("Load data", waker, move |job| {
            job.report(0.0, "reading");
            // Hash first: if the file changes while it is read, the session will notice.
            let reference = DatasetRef::new(&path, dt, None).map_err(|e| e.to_string())?;
            let traj = crate::io::read_trajectory(&path, dt).map_err(|e| format!("{e:#}"))?;
            Ok((traj, reference))
        }));
    }

    /// The user's λ_max, if they typed a valid positive one.
    pub fn lyapunov(&self) -> Option<f64> {
        self.lyapunov_text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
    }

    /// True while a file is being read.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Polls the read job and the file dialog; returns true when a dataset arrived.
    pub fn poll(&mut self, waker: Option<Waker>) -> bool {
        if let Some(rx) = &self.dialog
            && let Ok(picked) = rx.try_recv()
        {
            self.dialog = None;
            if let Some(path) = picked {
                self.load(path, waker);
            }
        }
        let Some(job) = &mut self.job else {
            return false;
        };
        match job.poll() {
            JobState::Running(_) => false,
            JobState::Done((traj, reference)) => {
                self.loaded_from = Some(reference);
                self.points = Arc::new(points_3d(traj.samples(), traj.dim()));
                self.generation += 1;
                self.loaded = Some(Arc::new(traj));
                self.job = None;
                true
            }
            JobState::Failed(msg) => {
                self.error = Some(msg);
                self.job = None;
                false
            }
            JobState::Cancelled | JobState::Taken => {
                self.job = None;
                false
            }
        }
    }

    /// Draws the panel and handles dropped files.
    pub fn ui(&mut self, ui: &mut Ui, waker: Option<Waker>) {
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            self.load(path, waker.clone());
        }
        ui.label(egui::RichText::new("CSV (optional header, optional t column) or NPY (samples × variables). Drop a file on the window.").small());
        ui.horizontal(|ui| {
            let l = ui.label("file");
            ui.text_edit_singleline(&mut self.path_text)
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = ui.label("dt (if no t column)");
            ui.add(egui::TextEdit::singleline(&mut self.dt_text).desired_width(60.0))
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = ui.label("λ_max (optional)");
            ui.add(egui::TextEdit::singleline(&mut self.lyapunov_text).desired_width(60.0))
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.busy(), egui::Button::new("Load"))
                .clicked()
                && !self.path_text.trim().is_empty()
            {
                self.load(PathBuf::from(self.path_text.trim()), waker.clone());
            }
            if ui
                .add_enabled(self.dialog.is_none(), egui::Button::new("Open file…"))
                .clicked()
            {
                let (tx, rx) = channel();
                let waker = waker.clone();
                // The dialog runs on its own thread so the window keeps drawing.
                std::thread::spawn(move || {
                    let picked = rfd::FileDialog::new()
                        .add_filter("Data", &["csv", "txt", "npy"])
                        .pick_file();
                    let _ = tx.send(picked);
                    if let Some(w) = waker {
                        w();
                    }
                });
                self.dialog = Some(rx);
            }
        });
        if self.busy() {
            ui.label("reading…");
        }
        if let Some(d) = &self.loaded {
            ui.label(format!(
                "{} samples × {} variables ({}), dt = {}",
                d.len(),
                d.dim(),
                d.names().join(", "),
                d.dt()
            ));
        }
        if let Some(e) = &self.error {
            ui.colored_label(Color32::from_rgb(255, 110, 90), e);
        }
    }
}

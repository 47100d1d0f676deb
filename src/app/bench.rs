//! The model bench (right panel): the shared training-data settings, then one card per
//! model family with its hyperparameters, "Fit", progress with a live curve, cancel,
//! and the outcome or the reason it failed.

use egui::{Color32, Ui};
use egui_plot::{Line, PlotPoints};

use super::cards::{ModelCard, all_cards, labelled_f64};
use super::fit_job::{DataSettings, FitOutcome, FitSource, FitWork, spawn_fit};
use crate::jobs::{Job, JobState, Progress, Waker};
use crate::models::koopman::Pseudospectrum;

/// Where a card's fit stands.
#[derive(Default)]
pub enum FitStatus {
    /// Nothing fitted yet.
    #[default]
    Idle,
    /// Running, with the latest progress.
    Running(Progress),
    /// Finished.
    Done(Box<FitOutcome>),
    /// Failed with a readable reason.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

/// One card: the family's settings, its status and its running job.
pub struct Card {
    /// The family-specific part.
    pub spec: Box<dyn ModelCard>,
    /// The fit's status.
    pub status: FitStatus,
    job: Option<Job<FitOutcome>>,
}

impl Card {
    /// The finished outcome, if any.
    pub fn outcome(&self) -> Option<&FitOutcome> {
        match &self.status {
            FitStatus::Done(o) => Some(o),
            _ => None,
        }
    }

    /// The pseudospectrum to draw: the finished fit's, or the rows a running ResDMD fit
    /// has computed so far (missing points `NaN`); the flag says whether it is partial.
    pub fn pseudospectrum(&self) -> Option<(&Pseudospectrum, bool)> {
        match &self.status {
            FitStatus::Done(o) => o.model.pseudospectrum().map(|p| (p, false)),
            FitStatus::Running(p) => p
                .partial
                .as_ref()
                .and_then(|p| p.downcast_ref::<Pseudospectrum>())
                .map(|p| (p, true)),
            _ => None,
        }
    }

    /// The card's colour.
    pub fn color(&self) -> Color32 {
        let [r, g, b] = self.spec.color();
        Color32::from_rgb(r, g, b)
    }
}

/// What the user asked the bench to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchAction {
    /// Fit card `i`.
    Fit(usize),
    /// Cancel card `i`.
    Cancel(usize),
    /// Fit every card and show the attractors side by side.
    CompareAll,
    /// Cancel every running fit.
    CancelAll,
    /// Train card `i`'s fitted model further.
    Continue(usize),
}

/// All model cards and the shared data settings.
pub struct Bench {
    /// The training data every card is fitted on.
    pub data: DataSettings,
    /// The cards, in display order.
    pub cards: Vec<Card>,
}

impl Default for Bench {
    fn default() -> Self {
        Self {
            data: DataSettings::default(),
            cards: all_cards()
                .into_iter()
                .map(|spec| Card {
                    spec,
                    status: FitStatus::Idle,
                    job: None,
                })
                .collect(),
        }
    }
}

impl Bench {
    /// Index of the card titled `title`.
    pub fn index_of(&self, title: &str) -> Option<usize> {
        self.cards
            .iter()
            .position(|c| c.spec.title().eq_ignore_ascii_case(title))
    }

    /// True while any fit runs.
    pub fn busy(&self) -> bool {
        self.cards.iter().any(|c| c.job.is_some())
    }

    /// Starts card `i`'s fit on `source` (cancelling a previous run).
    pub fn start(&mut self, i: usize, source: FitSource, waker: Option<Waker>) {
        let data = self.data.clone();
        let Some(model) = self.cards.get(i).map(|c| c.spec.model()) else {
            return;
        };
        self.run(i, source, FitWork::Fit(model), data, waker);
    }

    /// Trains card `i`'s fitted model further on fresh data from `source` with the
    /// card's current settings (families that can, see `ModelCard::can_continue`).
    pub fn continue_fit(&mut self, i: usize, source: FitSource, waker: Option<Waker>) {
        let data = self.data.clone();
        let Some(card) = self.cards.get(i) else {
            return;
        };
        let Some(model) = card
            .outcome()
            .and_then(|o| card.spec.continue_model(o.model.as_ref()))
        else {
            return;
        };
        self.run(i, source, FitWork::Fit(model), data, waker);
    }

    /// Runs `work` as card `i`'s job on `source` with `data` (cancelling a previous
    /// run): a fit, or the scoring of a model restored from a session.
    pub fn run(
        &mut self,
        i: usize,
        source: FitSource,
        work: FitWork,
        data: DataSettings,
        waker: Option<Waker>,
    ) {
        let Some(card) = self.cards.get_mut(i) else {
            return;
        };
        if let Some(job) = &mut card.job {
            job.cancel();
        }
        let label = format!("Fit {}", card.spec.title());
        card.job = Some(spawn_fit(&label, source, work, data, waker));
        card.status = FitStatus::Running(Progress::default());
    }

    /// Cancels card `i`; it reads "cancelled" at once.
    pub fn cancel(&mut self, i: usize) {
        if let Some(card) = self.cards.get_mut(i) {
            if let Some(job) = &mut card.job {
                job.cancel();
            }
            card.job = None;
            card.status = FitStatus::Cancelled;
        }
    }

    /// Cancels every running fit (finished ones keep their results).
    pub fn cancel_running(&mut self) {
        for i in 0..self.cards.len() {
            if matches!(self.cards[i].status, FitStatus::Running(_)) {
                self.cancel(i);
            }
        }
    }

    /// Cancels everything and clears results (a new system was picked).
    pub fn reset(&mut self) {
        for i in 0..self.cards.len() {
            self.cancel(i);
            self.cards[i].status = FitStatus::Idle;
        }
    }

    /// Polls every running job without blocking; returns true when a fit finished.
    pub fn poll(&mut self) -> bool {
        let mut finished = false;
        for card in &mut self.cards {
            let Some(job) = &mut card.job else { continue };
            match job.poll() {
                JobState::Running(p) => card.status = FitStatus::Running(p),
                JobState::Done(outcome) => {
                    card.status = FitStatus::Done(Box::new(outcome));
                    card.job = None;
                    finished = true;
                }
                JobState::Failed(msg) => {
                    card.status = FitStatus::Failed(msg);
                    card.job = None;
                }
                JobState::Cancelled | JobState::Taken => card.job = None,
            }
        }
        finished
    }

    /// Draws the bench; returns what the user asked for.
    pub fn ui(&mut self, ui: &mut Ui) -> Option<BenchAction> {
        let mut action = None;
        ui.heading("Models");
        egui::CollapsingHeader::new("Training data")
            .default_open(true)
            .show(ui, |ui| {
                labelled_f64(ui, "periods of data", &mut self.data.periods, 5.0..=2000.0);
                labelled_f64(
                    ui,
                    "train fraction",
                    &mut self.data.train_fraction,
                    0.5..=0.95,
                );
                labelled_f64(ui, "noise (× std)", &mut self.data.noise, 0.0..=1.0);
            });
        if ui
            .button("Compare all")
            .on_hover_text(
                "Fit every card on the same data, each with its own settings, and show the \
                 held-out truth and every model's free run side by side",
            )
            .clicked()
        {
            action = Some(BenchAction::CompareAll);
        }
        // One progress view for several fits at once (Compare all), above the cards
        // that each show their own.
        if let Some(p) = combined_progress(self.cards.iter().map(|c| &c.status)) {
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(p.fraction)
                        .desired_width(ui.available_width() - 90.0)
                        .text(format!("{} of {} fits done", p.done, p.total)),
                );
                if ui.button("Cancel all").clicked() {
                    action = Some(BenchAction::CancelAll);
                }
            });
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, card) in self.cards.iter_mut().enumerate() {
                if let Some(a) = card_ui(ui, i, card) {
                    action = Some(a);
                }
                ui.add_space(6.0);
            }
        });
        action
    }
}

/// Where several fits stand together.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CombinedProgress {
    /// Fits finished (done or failed).
    pub done: usize,
    /// Fits running or finished.
    pub total: usize,
    /// The finished ones plus each running fit's own fraction, over `total`.
    pub fraction: f32,
}

/// The progress of the fits that are running or finished, while at least one runs and
/// there are two or more (one fit shows its progress on its card alone).
pub fn combined_progress<'a>(
    statuses: impl Iterator<Item = &'a FitStatus>,
) -> Option<CombinedProgress> {
    let (mut done, mut running, mut sum) = (0, 0, 0.0f32);
    for status in statuses {
        match status {
            FitStatus::Running(p) => {
                running += 1;
                sum += p.fraction.clamp(0.0, 1.0);
            }
            FitStatus::Done(_) | FitStatus::Failed(_) => done += 1,
            FitStatus::Idle | FitStatus::Cancelled => {}
        }
    }
    let total = done + running;
    (running > 0 && total >= 2).then(|| CombinedProgress {
        done,
        total,
        fraction: (done as f32 + sum) / total as f32,
    })
}

fn card_ui(ui: &mut Ui, i: usize, card: &mut Card) -> Option<BenchAction> {
    let mut action = None;
    let title = card.spec.title();
    let color = card.color();
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().rect_filled(r, 2.0, color);
            ui.heading(title);
        });
        ui.label(egui::RichText::new(card.spec.blurb()).small());
        card.spec.settings_ui(ui);
        let running = matches!(card.status, FitStatus::Running(_));
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new(format!("Fit {title}")))
                .clicked()
            {
                action = Some(BenchAction::Fit(i));
            }
            if running && ui.button(format!("Cancel {title}")).clicked() {
                action = Some(BenchAction::Cancel(i));
            }
        });
        match &card.status {
            FitStatus::Idle => {
                ui.weak("not fitted");
            }
            FitStatus::Running(p) => {
                ui.add(egui::ProgressBar::new(p.fraction).show_percentage());
                ui.label(format!("running: {}", p.message));
                if p.curve.len() > 1 {
                    live_curve(ui, title, &p.curve, color);
                }
                card.spec.progress_ui(ui, p);
            }
            FitStatus::Cancelled => {
                ui.label("cancelled");
            }
            FitStatus::Failed(reason) => {
                ui.colored_label(Color32::from_rgb(255, 110, 90), format!("failed: {reason}"));
            }
            FitStatus::Done(out) => {
                outcome_ui(ui, out);
                card.spec.result_ui(ui, out.model.as_ref());
                if card.spec.can_continue()
                    && ui
                        .button(format!("Continue training {title}"))
                        .on_hover_text("Train this model further with the settings above")
                        .clicked()
                {
                    action = Some(BenchAction::Continue(i));
                }
            }
        }
    });
    action
}

fn outcome_ui(ui: &mut Ui, out: &FitOutcome) {
    ui.label(format!(
        "done: fitted on {} samples in {:.1} ms",
        out.train_samples,
        out.fit_seconds * 1e3
    ));
    if let Some(spec) = out.model.spectrum() {
        ui.label(format!("{} eigenvalues", spec.eigenvalues.len()));
    }
    // The same numbers as the metrics table and `chaoslab compare`: medians over the
    // held-out starts.
    let c = &out.comparison;
    let unit = if out.lyapunov > 0.0 {
        "Lyapunov times"
    } else {
        "time units"
    };
    ui.strong(format!("VPT = {:.2} {unit}", c.vpt))
        .on_hover_text(format!(
            "median over the held-out starts; IQR {:.2}–{:.2}",
            c.vpt_iqr[0], c.vpt_iqr[1]
        ));
    if out.lyapunov > 0.0 {
        ui.label(format!("λ_max = {:.3} (QR method)", out.lyapunov));
    }
    ui.label(format!("sMAPE = {:.1}", c.smape));
    if let Some(step) = out.held_out.diverged_at {
        ui.colored_label(
            Color32::from_rgb(255, 110, 90),
            format!("the forecast diverged after {step} steps"),
        );
    }
    if let Some(eqs) = out.model.equations() {
        for e in eqs {
            ui.monospace(e);
        }
    }
}

fn live_curve(ui: &mut Ui, title: &str, curve: &[f64], color: Color32) {
    let pts: PlotPoints = curve
        .iter()
        .enumerate()
        .map(|(k, v)| [k as f64, *v])
        .collect();
    crate::app::theme::plot(format!("live_curve_{title}"))
        .height(80.0)
        .show_axes([false, true])
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| plot.line(Line::new("loss", pts).color(color)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(fraction: f32) -> FitStatus {
        FitStatus::Running(Progress {
            fraction,
            ..Progress::default()
        })
    }

    #[test]
    fn combined_progress_counts_finished_fits_and_running_fractions() {
        let statuses = [
            running(0.5),
            FitStatus::Failed("diverged".into()),
            FitStatus::Idle,
            running(0.25),
            FitStatus::Cancelled,
        ];
        let p = combined_progress(statuses.iter()).expect("two fits run");
        assert_eq!((p.done, p.total), (1, 3));
        assert!((p.fraction - 1.75 / 3.0).abs() < 1e-6, "{}", p.fraction);
        // A single fit shows its progress on its card; nothing running, nothing to show.
        assert_eq!(combined_progress([running(0.5)].iter()), None);
        let idle = [FitStatus::Failed("x".into()), FitStatus::Idle];
        assert_eq!(combined_progress(idle.iter()), None);
    }
}

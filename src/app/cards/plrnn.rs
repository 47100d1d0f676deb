//! The PLRNN card: latent size M, hidden width L, epochs, sequence length, batch size,
//! learning rate, seed, and the teacher-forcing strength α (fixed or adaptive). The
//! bench streams the loss curve while it trains and shows D_stsp, D_H and the model's
//! Lyapunov exponent with the result.

use super::{ModelCard, labelled_f64, labelled_usize};
use crate::models::Model;
use crate::models::plrnn::gtf::{AlphaRule, DEFAULT_ALPHA};
use crate::models::plrnn::{
    DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_HIDDEN, DEFAULT_LR_START, DEFAULT_SEQ_LEN, Plrnn,
};

/// PLRNN card settings (the GTF paper's recipe, with a desktop epoch budget).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlrnnCard {
    /// 0 means "the data's dimension".
    latent: usize,
    hidden: usize,
    epochs: usize,
    seq_len: usize,
    batch: usize,
    lr: f64,
    seed: usize,
    adaptive: bool,
    alpha: f64,
}

impl Default for PlrnnCard {
    fn default() -> Self {
        Self {
            latent: 0,
            hidden: DEFAULT_HIDDEN,
            epochs: DEFAULT_EPOCHS,
            seq_len: DEFAULT_SEQ_LEN,
            batch: DEFAULT_BATCH_SIZE,
            lr: DEFAULT_LR_START,
            seed: 0,
            adaptive: true,
            alpha: DEFAULT_ALPHA,
        }
    }
}

impl ModelCard for PlrnnCard {
    fn title(&self) -> &'static str {
        "PLRNN"
    }

    fn blurb(&self) -> &'static str {
        "Clipped shallow PLRNN trained with generalized teacher forcing (Hess et al., ICML 2023): reproduces the attractor's statistics rather than the exact path."
    }

    fn color(&self) -> [u8; 3] {
        [220, 120, 220]
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        labelled_usize(ui, "latent M (0 = data dim)", &mut self.latent, 0..=64);
        labelled_usize(ui, "hidden L", &mut self.hidden, 1..=1024);
        labelled_usize(ui, "epochs (×50 steps)", &mut self.epochs, 1..=5000);
        labelled_usize(ui, "sequence length", &mut self.seq_len, 2..=1000);
        labelled_usize(ui, "batch size", &mut self.batch, 1..=256);
        labelled_f64(ui, "learning rate", &mut self.lr, 1e-6..=1e-1);
        labelled_usize(ui, "seed", &mut self.seed, 0..=1_000_000);
        ui.checkbox(&mut self.adaptive, "adaptive α (aGTF)");
        if !self.adaptive {
            labelled_f64(ui, "forcing α", &mut self.alpha, 0.0..=1.0);
        }
    }

    fn model(&self) -> Box<dyn Model> {
        Box::new(Plrnn {
            latent: (self.latent > 0).then_some(self.latent),
            hidden: self.hidden,
            epochs: self.epochs,
            seq_len: self.seq_len,
            batch_size: self.batch,
            lr_start: self.lr,
            seed: self.seed as u64,
            alpha: if self.adaptive {
                AlphaRule::adaptive()
            } else {
                AlphaRule::Fixed { alpha: self.alpha }
            },
            ..Plrnn::default()
        })
    }
}

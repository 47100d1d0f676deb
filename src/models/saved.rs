//! The saved-model file: one JSON object
//! `{"format": "chaoslab-model", "version": 1, "family": "<family>", ...fields}` holding
//! everything needed to forecast again (for DMD: basis, reduced operator, spectrum,
//! options). Files of another format or a newer version are refused with a message.

use serde::{Deserialize, Serialize};

use super::FittedModel;
use super::dmd::{DmdModel, HankelDmdModel};
use super::koopman::EdmdModel;
use super::plrnn::PlrnnModel;
use super::reservoir::{EsnModel, NvarModel};
use super::sindy::SindyModel;

/// The current saved-model schema version.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// A fitted model of any family in its saved form. One per file or per card, so the
/// variants' size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum SavedModel {
    /// Exact DMD.
    Dmd(DmdModel),
    /// EDMD with a dictionary (eigenvectors and the quadrature form are not saved).
    Edmd(EdmdModel),
    /// Hankel (time-delay) DMD.
    #[serde(rename = "hankel-dmd")]
    HankelDmd(HankelDmdModel),
    /// SINDy: the recovered sparse equations.
    Sindy(SindyModel),
    /// Clipped shPLRNN: sizes, parameters, standardisation and training record.
    Plrnn(PlrnnModel),
    /// Echo-state network: random weights, read-out, lift and standardisation.
    Esn(EsnModel),
    /// NVAR (next-generation reservoir computer): read-out, lift and standardisation.
    Nvar(NvarModel),
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    #[serde(flatten)]
    model: SavedModel,
}

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// Not JSON, or not our format.
    #[error("not a chaoslab model file: {0}")]
    Format(String),
    /// Written by a newer chaoslab.
    #[error(
        "the model file has format version {0}, this chaoslab reads version {MODEL_FORMAT_VERSION}; upgrade chaoslab or refit the model"
    )]
    Version(u32),
}

impl SavedModel {
    /// The model as a trait object, ready to forecast.
    pub fn into_fitted(self) -> Box<dyn FittedModel> {
        match self {
            SavedModel::Dmd(m) => Box::new(m),
            SavedModel::Edmd(m) => Box::new(m),
            SavedModel::HankelDmd(m) => Box::new(m),
            SavedModel::Sindy(m) => Box::new(m),
            SavedModel::Plrnn(m) => Box::new(m),
            SavedModel::Esn(m) => Box::new(m),
            SavedModel::Nvar(m) => Box::new(m),
        }
    }

    /// Serialises with the format envelope.
    pub fn to_json(&self) -> String {
        let env = Envelope {
            format: "chaoslab-model".into(),
            version: MODEL_FORMAT_VERSION,
            model: self.clone(),
        };
        serde_json::to_string_pretty(&env).expect("model types serialise without failure")
    }

    /// Parses a model file's text.
    pub fn from_json(text: &str) -> Result<SavedModel, ModelFileError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ModelFileError::Format(e.to_string()))?;
        if value.get("format").and_then(|f| f.as_str()) != Some("chaoslab-model") {
            return Err(ModelFileError::Format(
                "the \"format\" field is missing or is not \"chaoslab-model\"".into(),
            ));
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
        if version != MODEL_FORMAT_VERSION {
            return Err(ModelFileError::Version(version));
        }
        let env: Envelope =
            serde_json::from_value(value).map_err(|e| ModelFileError::Format(e.to_string()))?;
        Ok(env.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrate::{Simulation, solve};
    use crate::jobs::JobContext;
    use crate::models::Model;
    use crate::models::dmd::Dmd;
    use crate::systems::Catalog;

    #[test]
    fn dmd_round_trips_bit_for_bit() {
        let sys = Catalog::builtin().system("Lorenz").expect("Lorenz");
        let (traj, _) = solve(
            &sys,
            &Simulation::for_system(&sys, 5.0),
            &JobContext::detached(),
        )
        .expect("integrates");
        let fitted = Dmd::default()
            .fit(&traj, &JobContext::detached())
            .expect("fits");
        let text = fitted.to_saved().to_json();
        let back = SavedModel::from_json(&text).expect("parses").into_fitted();
        let a = fitted.forecast(traj.row(0), 50).expect("finite");
        let b = back.forecast(traj.row(0), 50).expect("finite");
        assert_eq!(a, b);
    }

    #[test]
    fn newer_version_is_refused_with_advice() {
        let err =
            SavedModel::from_json(r#"{"format":"chaoslab-model","version":9,"family":"dmd"}"#)
                .expect_err("refused");
        assert!(err.to_string().contains("version 9"), "{err}");
    }
}

//! Model families by name, each with the defaults "compare all" uses.

use super::Model;
use super::dmd::Dmd;

/// The family names the CLI accepts, in display order.
pub fn families() -> Vec<&'static str> {
    vec!["dmd"]
}

/// The model `name` with its default hyperparameters, or an error listing the names.
pub fn default_model(name: &str) -> Result<Box<dyn Model>, String> {
    match name.trim().to_ascii_lowercase().as_str() {
        "dmd" => Ok(Box::new(Dmd::default())),
        other => Err(format!(
            "unknown model '{other}'; choose from {}",
            families().join(", ")
        )),
    }
}

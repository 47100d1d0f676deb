//! `chaoslab list`: the catalog.

use clap::Args;
use serde_json::json;

use super::json_out;
use crate::systems::Catalog;

/// Arguments of `list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(args: &ListArgs) -> anyhow::Result<String> {
    let cat = Catalog::builtin();
    if args.json {
        let systems: Vec<_> = cat
            .infos()
            .map(|s| {
                json!({
                    "name": s.name,
                    "kind": s.kind,
                    "dimension": s.state_names.len(),
                    "state_names": s.state_names,
                    "parameters": s.params.iter().map(|p| &p.name).collect::<Vec<_>>(),
                    "defaults": s.params.iter().map(|p| p.default).collect::<Vec<_>>(),
                    "citation": s.citation,
                    "description": s.description,
                })
            })
            .collect();
        return Ok(json_out(json!({ "systems": systems })));
    }
    let mut out = format!(
        "{:<12} {:<5} {:>3}  {:<32} citation\n",
        "name", "kind", "dim", "parameters"
    );
    for s in cat.infos() {
        let params: Vec<String> = s
            .params
            .iter()
            .map(|p| format!("{}={}", p.name, p.default))
            .collect();
        out.push_str(&format!(
            "{:<12} {:<5} {:>3}  {:<32} {}\n",
            s.name,
            s.kind.to_string(),
            s.state_names.len(),
            params.join(" "),
            s.citation
        ));
    }
    Ok(out)
}

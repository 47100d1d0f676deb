//! The command line: `chaoslab <command>`. Each sub-command prints human-readable text,
//! or one JSON object on stdout with `--json`; errors go to stderr with a non-zero exit
//! code. The contract is in PRODUCT.md ("Command line contract").

mod bench;
mod compare;
mod fit;
mod generate;
mod list;
mod lyapunov;
mod preset;
mod rhs;
mod simulate;
mod sindy_args;
mod system_args;

use clap::{Parser, Subcommand};

pub use system_args::{SystemArgs, parse_vector};

/// chaoslab: chaotic systems, live attractors, and data-driven models compared in
/// Lyapunov times. Without a command it opens the window.
#[derive(Parser, Debug)]
#[command(name = "chaoslab", version, about)]
pub struct Cli {
    /// What to do (default: open the window).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Sub-commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the window (optionally load a preset, or take a screenshot and exit).
    Gui(GuiArgs),
    /// List the catalog: name, kind, dimension, parameters, citation.
    List(list::ListArgs),
    /// Integrate a system and write or summarise the trajectory.
    Simulate(simulate::SimulateArgs),
    /// Evaluate the vector field (or the map's image) at a state.
    Rhs(rhs::RhsArgs),
    /// Lyapunov spectrum, Kaplan–Yorke dimension and phase-space contraction.
    Lyapunov(lyapunov::LyapunovArgs),
    /// Fit a model to a system's trajectory or to a data file.
    Fit(Box<fit::FitArgs>),
    /// Free-run a saved model.
    Generate(generate::GenerateArgs),
    /// Fit several models on the same data and compare forecasts and statistics.
    Compare(Box<compare::CompareArgs>),
    /// Benchmarks: integration speed of one system, or the whole catalog in parallel.
    Bench(bench::BenchArgs),
    /// Run a preset's jobs without a window and summarise them (`preset run FILE`).
    Preset(preset::PresetArgs),
}

/// `chaoslab gui`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GuiArgs {
    /// A preset file (JSON) to load at start.
    #[arg(long)]
    pub preset: Option<std::path::PathBuf>,
    /// Open the window, run the preset's jobs to completion, save a PNG of the whole
    /// window here and exit.
    #[arg(long)]
    pub screenshot: Option<std::path::PathBuf>,
    /// With --screenshot: save only this plot, by the name the Export menu shows
    /// ('eigenvalue plot', 'forecast-error plot', '3-D view', 'time series', …).
    #[arg(long, requires = "screenshot")]
    pub plot: Option<String>,
    /// With --screenshot --plot: draw the plot offscreen at K times the window's pixels
    /// (1–4; the 3-D view, eigenvalue, forecast-error and series/metrics plots).
    #[arg(long, requires = "plot", default_value_t = 1, value_name = "K",
          value_parser = clap::value_parser!(u32).range(1..=4))]
    pub scale: u32,
    /// Draw N points of a Lorenz trajectory for a fixed number of frames and print the
    /// median frame time, then exit.
    #[arg(long, value_name = "N")]
    pub bench_render: Option<usize>,
    /// With a preset that starts jobs: record the frame intervals while they run and
    /// print the median, 95th percentile and longest, then exit.
    #[arg(long, requires = "preset", conflicts_with_all = ["screenshot", "bench_render"])]
    pub frame_times: bool,
    /// With --bench-render or --frame-times: print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a non-GUI command; returns what to print on stdout.
pub fn run(command: Command) -> anyhow::Result<String> {
    match command {
        Command::Gui(_) => anyhow::bail!("the gui command is handled by the binary"),
        Command::List(a) => list::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Rhs(a) => rhs::run(&a),
        Command::Lyapunov(a) => lyapunov::run(&a),
        Command::Fit(a) => fit::run(&a),
        Command::Generate(a) => generate::run(&a),
        Command::Compare(a) => compare::run(&a),
        Command::Bench(a) => bench::run(&a),
        Command::Preset(a) => preset::run(&a),
    }
}

/// Formats a JSON value for stdout.
pub(crate) fn json_out(value: serde_json::Value) -> String {
    serde_json::to_string_pretty(&value).expect("JSON values always serialise")
}

//! The `chaoslab` binary: the window by default, or a sub-command (see `chaoslab --help`).

use std::process::ExitCode;

use clap::Parser;

use chaoslab::cli::{Cli, Command, GuiArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => chaoslab::app::run(GuiArgs::default()),
        Some(Command::Gui(args)) => chaoslab::app::run(args),
        Some(cmd) => chaoslab::cli::run(cmd).map(|text| print!("{text}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

//! The `automl` binary: parse the command line, dispatch, print the whole error chain
//! once, and turn the outcome into an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = automl::commands::Cli::parse();
    match automl::commands::dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

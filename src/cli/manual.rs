//! `automl manual`: shell completions and the man page, generated from the same clap
//! definitions that parse the command line, so they never drift from it.

use super::output::Output;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Print a completion script: `automl manual completions bash > ~/.local/share/bash-completion/completions/automl`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `automl manual man > automl.1 && man ./automl.1`.
    Man,
}

pub(crate) fn run(command: Command, out: &mut Output) -> anyhow::Result<ExitCode> {
    let mut bytes = Vec::new();
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut super::command(), "automl", &mut bytes);
        }
        Command::Man => clap_mangen::Man::new(super::command()).render(&mut bytes)?,
    }
    out.stdout_raw(&String::from_utf8_lossy(&bytes));
    Ok(ExitCode::SUCCESS)
}

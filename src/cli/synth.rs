//! `automl synth`: render the template, one ASL file per machine and the asset manifest.
//! Deterministic: the same flags give the same bytes on any machine.

use super::output::Output;
use super::settings::SettingsArgs;
use super::Global;
use crate::stack;
use anyhow::Context;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

/// Render `<stack>.template.json`, `<Machine>.asl.json` and `manifest.json` (no AWS needed).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory to write into (created if missing).
    #[arg(short, long, default_value = "automl.out")]
    output: PathBuf,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// The files written.
#[derive(Serialize)]
struct Written {
    files: Vec<String>,
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.files.iter().try_for_each(|file| writeln!(f, "{file}"))
    }
}

pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let settings = args.settings.into_settings();
    let stack = stack::build(&settings)?;
    let files = stack::synth::files(&global.stack_name, &settings, &stack);
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create output directory {}", args.output.display()))?;
    let mut written = Written { files: Vec::new() };
    for (name, contents) in &files {
        let path = args.output.join(name);
        std::fs::write(&path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.files.push(path.display().to_string());
    }
    out.result(&written);
    Ok(ExitCode::SUCCESS)
}

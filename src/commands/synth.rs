//! `automl synth`: render the template, one ASL file per machine and the asset manifest.
//! Deterministic: the same flags give the same bytes on any machine.

use super::Global;
use crate::stack::{self, Settings};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Render `<stack>.template.json`, `<Machine>.asl.json` and `manifest.json` (no AWS needed).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write into (created if missing).
    #[arg(short, long, default_value = "automl.out")]
    pub output: PathBuf,
    #[command(flatten)]
    pub settings: Settings,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let stack = stack::build(&args.settings)?;
    let files = stack::synth::files(&global.stack_name, &args.settings, &stack);
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create output directory {}", args.output.display()))?;
    for (name, contents) in &files {
        let path = args.output.join(name);
        std::fs::write(&path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if !global.json {
            println!("{}", path.display());
        }
    }
    if global.json {
        let names: Vec<String> = files
            .iter()
            .map(|(n, _)| args.output.join(n).display().to_string())
            .collect();
        println!("{}", serde_json::json!({ "files": names }));
    }
    Ok(ExitCode::SUCCESS)
}

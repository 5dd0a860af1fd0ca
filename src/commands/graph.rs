//! `automl graph`: draw the state machines as Mermaid or Graphviz dot.

use super::Global;
use crate::asl::{render_graph, GraphFormat};
use crate::stack::{self, MachineId, Settings};
use std::process::ExitCode;

/// Draw the state machines (state names, choice labels, failure edges).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Diagram language.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
    /// Only this machine (default: all three).
    #[arg(value_enum)]
    pub machine: Option<MachineId>,
}

pub fn run(args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let stack = stack::build(&Settings::default())?;
    for machine in &stack.machines {
        if args.machine.is_some_and(|only| only != machine.id) {
            continue;
        }
        if args.machine.is_none() && args.format == GraphFormat::Mermaid {
            println!("%% {}", machine.id.logical_id());
        }
        print!(
            "{}",
            render_graph(machine.id.logical_id(), &machine.definition, args.format)
        );
    }
    Ok(ExitCode::SUCCESS)
}

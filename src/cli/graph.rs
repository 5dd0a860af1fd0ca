//! `automl graph`: draw the state machines as Mermaid or Graphviz dot.

use super::output::Output;
use super::Global;
use crate::asl::{render_graph, GraphFormat};
use crate::stack::{self, MachineId, Settings};
use serde::Serialize;
use std::fmt;
use std::process::ExitCode;

/// Draw the state machines (state names, choice labels, failure edges).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Diagram language.
    #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot"])]
    format: String,
    /// Only this machine (default: all three).
    #[arg(value_parser = ["main", "train", "deploy"], ignore_case = true)]
    machine: Option<String>,
}

/// The diagrams: text as they render, `{"format", "machines": {Name: diagram}}` in JSON.
#[derive(Serialize)]
struct Diagrams {
    format: &'static str,
    machines: Vec<Diagram>,
    #[serde(skip)]
    titled: bool,
}

#[derive(Serialize)]
struct Diagram {
    machine: &'static str,
    diagram: String,
}

impl fmt::Display for Diagrams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagram in &self.machines {
            if self.titled {
                writeln!(f, "%% {}", diagram.machine)?;
            }
            write!(f, "{}", diagram.diagram)?;
        }
        Ok(())
    }
}

pub(crate) fn run(args: Args, _global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let format = if args.format == "dot" {
        GraphFormat::Dot
    } else {
        GraphFormat::Mermaid
    };
    let only = args.machine.as_deref().and_then(MachineId::from_name);
    let stack = stack::build(&Settings::default())?;
    let machines = stack
        .machines
        .iter()
        .filter(|machine| only.is_none_or(|only| only == machine.id))
        .map(|machine| Diagram {
            machine: machine.id.logical_id(),
            diagram: render_graph(machine.id.logical_id(), &machine.definition, format),
        })
        .collect();
    let diagrams = Diagrams {
        format: if format == GraphFormat::Dot {
            "dot"
        } else {
            "mermaid"
        },
        machines,
        titled: only.is_none() && format == GraphFormat::Mermaid,
    };
    if out.json() {
        out.result(&diagrams);
    } else {
        out.stdout_raw(&diagrams.to_string());
    }
    Ok(ExitCode::SUCCESS)
}

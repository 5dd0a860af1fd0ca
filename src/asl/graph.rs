//! Diagrams of a state machine a person can read: Mermaid (renders on GitHub) and
//! Graphviz dot. Nodes are state names with their type; edges carry choice conditions,
//! `otherwise`, wait delays and catch rules; terminal states point at an end node.

use super::{State, StateMachine};
use std::fmt::Write;

/// The diagram language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GraphFormat {
    Mermaid,
    Dot,
}

/// Renders `machine`, titled `name`, in `format`.
pub(crate) fn render(name: &str, machine: &StateMachine, format: GraphFormat) -> String {
    match format {
        GraphFormat::Mermaid => mermaid(machine),
        GraphFormat::Dot => dot(name, machine),
    }
}

fn kind(state: &State) -> &'static str {
    match state {
        State::Task(_) => "Task",
        State::Choice(_) => "Choice",
        State::Pass(_) => "Pass",
        State::Wait(_) => "Wait",
        State::Succeed(_) => "Succeed",
        State::Fail(_) => "Fail",
    }
}

/// Mermaid node ids must be plain words; state names may hold spaces or punctuation.
fn node_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn mermaid(machine: &StateMachine) -> String {
    let mut out = String::from("flowchart TD\n");
    let start = node_id(&machine.start_at);
    writeln!(out, "    start((start)) --> {start}").unwrap();
    for (name, state) in &machine.states {
        let id = node_id(name);
        let label = format!("{name}<br/><small>{}</small>", kind(state));
        let shape = match state {
            State::Choice(_) => format!("{id}{{\"{label}\"}}"),
            State::Succeed(_) => format!("{id}([\"{label}\"])"),
            State::Fail(_) => format!("{id}[[\"{label}\"]]"),
            _ => format!("{id}[\"{label}\"]"),
        };
        writeln!(out, "    {shape}").unwrap();
    }
    for (name, state) in &machine.states {
        let id = node_id(name);
        for (label, target) in state.edges() {
            let target = node_id(target);
            if label.is_empty() {
                writeln!(out, "    {id} --> {target}").unwrap();
            } else {
                writeln!(
                    out,
                    "    {id} -- \"{}\" --> {target}",
                    label.replace('"', "'")
                )
                .unwrap();
            }
        }
        if state.is_terminal() {
            writeln!(out, "    {id} --> finish((end))").unwrap();
        }
    }
    for (name, state) in &machine.states {
        if matches!(state, State::Fail(_)) {
            writeln!(out, "    style {} fill:#fdd,stroke:#c00", node_id(name)).unwrap();
        }
    }
    out
}

fn dot(name: &str, machine: &StateMachine) -> String {
    let quote = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!(
        "digraph {} {{\n    rankdir=TB;\n    node [fontname=\"Helvetica\"];\n",
        quote(name)
    );
    writeln!(out, "    \"(start)\" [shape=circle, label=\"start\"];").unwrap();
    writeln!(out, "    \"(end)\" [shape=doublecircle, label=\"end\"];").unwrap();
    writeln!(out, "    \"(start)\" -> {};", quote(&machine.start_at)).unwrap();
    for (state_name, state) in &machine.states {
        let shape = match state {
            State::Choice(_) => "diamond",
            State::Succeed(_) => "oval",
            State::Fail(_) => "octagon",
            _ => "box",
        };
        let label = format!("{state_name}\\n({})", kind(state));
        writeln!(
            out,
            "    {} [shape={shape}, label=\"{label}\"];",
            quote(state_name)
        )
        .unwrap();
        for (edge, target) in state.edges() {
            if edge.is_empty() {
                writeln!(out, "    {} -> {};", quote(state_name), quote(target)).unwrap();
            } else {
                writeln!(
                    out,
                    "    {} -> {} [label={}];",
                    quote(state_name),
                    quote(target),
                    quote(&edge)
                )
                .unwrap();
            }
        }
        if state.is_terminal() {
            writeln!(out, "    {} -> \"(end)\";", quote(state_name)).unwrap();
        }
    }
    out.push_str("}\n");
    out
}

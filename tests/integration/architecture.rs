//! The invariants of ARCHITECTURE.md, checked over the source: which room may name
//! which. A grep over `src/` is enough, because every path into another room is spelled
//! `crate::<room>` (or the crate's name for an external one).

use crate::support::root;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<room>` (a folder or a single file).
fn sources(room: &str) -> Vec<PathBuf> {
    let src = root().join("src");
    let mut files = Vec::new();
    let file = src.join(format!("{room}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut stack = vec![src.join(room)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty(), "no sources for room `{room}`");
    files.sort();
    files
}

/// The code of a file without its comments (a doc comment may name anything).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Files of `rooms` whose code contains any of `needles`, as `file: needle`.
fn offenders(rooms: &[&str], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for room in rooms {
        for file in sources(room) {
            let text = code(&file);
            for needle in needles {
                if text.contains(needle) {
                    let shown = file
                        .strip_prefix(root())
                        .unwrap_or(&file)
                        .display()
                        .to_string();
                    found.push(format!("{shown}: {needle}"));
                }
            }
        }
    }
    found
}

const ALL_BUT_CLI: &[&str] = &[
    "asl", "aws", "awsmodel", "cfn", "iam", "input", "local", "report", "s3uri", "sfn", "stack",
];

#[test]
fn only_the_command_line_knows_clap_the_commands_and_exit_codes() {
    let found = offenders(ALL_BUT_CLI, &["clap::", "crate::cli", "ExitCode", "Global"]);
    assert!(
        found.is_empty(),
        "below the command line:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_output_module_prints() {
    let mut rooms: Vec<&str> = ALL_BUT_CLI.to_vec();
    rooms.push("cli");
    let found: Vec<String> = offenders(
        &rooms,
        &[
            "println!",
            "print!(",
            "eprint!(",
            "eprintln!",
            "std::io::stdout",
            "dbg!(",
        ],
    )
    .into_iter()
    .filter(|line| !line.starts_with("src/cli/output.rs"))
    .collect();
    assert!(
        found.is_empty(),
        "printing outside src/cli/output.rs:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_interpreter_imports_nothing_above_it() {
    let found: Vec<String> = offenders(&["sfn"], &["crate::"])
        .into_iter()
        .filter(|line| !line.ends_with("crate::"))
        .collect();
    assert!(found.is_empty());
    // Every `crate::` path in the interpreter is `crate::sfn::...`.
    for file in sources("sfn") {
        let text = code(&file);
        for (at, _) in text.match_indices("crate::") {
            assert!(
                text[at..].starts_with("crate::sfn"),
                "{} names {} — the interpreter imports nothing of the crate but itself",
                file.display(),
                &text[at..(at + 30).min(text.len())]
            );
        }
    }
}

#[test]
fn the_interpreter_does_no_io() {
    let found = offenders(
        &["sfn"],
        &[
            "std::fs",
            "std::process",
            "std::net",
            "File::",
            "Command::new",
        ],
    );
    assert!(
        found.is_empty(),
        "I/O in the interpreter:\n{}",
        found.join("\n")
    );
}

#[test]
fn aws_and_local_never_import_each_other() {
    let found = [
        offenders(&["aws"], &["crate::local"]),
        // `crate::aws::`/`crate::aws;`, not `crate::awsmodel` (the model of AWS's API).
        offenders(
            &["local"],
            &[
                "crate::aws::",
                "crate::aws;",
                "crate::aws}",
                "aws_sdk",
                "aws_config",
            ],
        ),
    ]
    .concat();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_models_know_nothing_of_automl_and_the_stack_nothing_of_the_sdk() {
    let models = offenders(
        &["cfn", "asl", "iam", "s3uri", "awsmodel"],
        &[
            "crate::stack",
            "crate::input",
            "crate::local",
            "crate::aws",
            "crate::report",
            "crate::sfn",
        ],
    );
    assert!(
        models.is_empty(),
        "models importing AutoML:\n{}",
        models.join("\n")
    );
    let stack = offenders(
        &["stack"],
        &[
            "crate::local",
            "crate::aws",
            "crate::report",
            "crate::input",
            "aws_sdk",
            "aws_config",
            "tokio",
        ],
    );
    assert!(
        stack.is_empty(),
        "the stack reaching up or into the SDK:\n{}",
        stack.join("\n")
    );
}

#[test]
fn only_the_aws_room_talks_to_aws() {
    let mut rooms: Vec<&str> = ALL_BUT_CLI.to_vec();
    rooms.retain(|room| *room != "aws");
    rooms.push("cli");
    let found = offenders(&rooms, &["aws_sdk_", "aws_config::", "aws_smithy"]);
    assert!(
        found.is_empty(),
        "the SDK outside src/aws:\n{}",
        found.join("\n")
    );
}

#[test]
fn reports_and_input_stay_below_the_runners() {
    let found = offenders(
        &["report", "input"],
        // `crate::awsmodel` (the model of AWS's API) is a model, below everything.
        &[
            "crate::aws::",
            "crate::aws;",
            "crate::aws}",
            "crate::local",
            "crate::cli",
        ],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

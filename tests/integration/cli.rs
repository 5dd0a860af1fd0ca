//! The command line's own promises: exit codes that mean the same in every command, quiet
//! broken pipes, and the man page and completions generated from the same flags.

use crate::support::Test;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn an_unreadable_input_is_exit_code_2_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{").unwrap();
    for file in [&missing, &broken] {
        for command in [
            vec!["validate"],
            vec!["validate", "--local"],
            vec!["run", "--local"],
        ] {
            Test::new()
                .args(&command)
                .arg(file)
                .status(2)
                .stderr_contains(file.file_name().unwrap().to_str().unwrap())
                .run();
        }
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("automl"))
        .args(["graph", "--format", "dot"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe: what `automl graph | head -1` does.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("digraph"), "{first}");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "a broken pipe is not an error: {stderr}");
}

#[test]
fn the_man_page_and_completions_come_from_the_flags() {
    let man = Test::new().args(["manual", "man"]).run();
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(
        man.starts_with(".ie") || man.contains(".TH automl"),
        "{man}"
    );
    for subcommand in ["synth", "validate", "deploy", "run", "destroy"] {
        assert!(man.contains(subcommand), "the man page lacks {subcommand}");
    }
    for shell in ["bash", "zsh", "fish"] {
        let completions = Test::new().args(["manual", "completions", shell]).run();
        let text = String::from_utf8_lossy(&completions.stdout);
        assert!(
            text.contains("stack-name"),
            "{shell} completions lack --stack-name"
        );
        assert!(text.contains("deploy"), "{shell} completions lack deploy");
    }
}

#[test]
fn every_command_is_listed_in_every_build() {
    let help = Test::new().arg("--help").run();
    let help = String::from_utf8_lossy(&help.stdout);
    for command in [
        "synth",
        "validate",
        "graph",
        "deploy",
        "diff",
        "destroy",
        "run",
        "redrive",
        "stop",
        "status",
        "executions",
        "invoke",
        "local",
        "manual",
    ] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
}

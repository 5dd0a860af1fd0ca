//! `automl synth` end to end: the committed `templates/` match what the code renders,
//! rendering is byte-stable, and the real linters (cfn-lint, asl-validator, checkov)
//! accept every file with zero findings.

use crate::support::{diff, root, run_tool, Test};
use automl_testkit::tool;
use std::path::Path;
use std::process::Command;

fn synth_into(dir: &Path) -> Vec<String> {
    Test::new().args(["synth", "-o"]).arg(dir).run();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn committed_templates_match_what_synth_renders() {
    let out = tempfile::tempdir().unwrap();
    let names = synth_into(out.path());
    assert_eq!(
        names,
        [
            "Deploy.asl.json",
            "Main.asl.json",
            "Train.asl.json",
            "automl.template.json",
            "manifest.json"
        ]
    );
    for name in &names {
        let committed =
            std::fs::read_to_string(root().join("templates").join(name)).unwrap_or_default();
        let rendered = std::fs::read_to_string(out.path().join(name)).unwrap();
        assert!(
            committed == rendered,
            "templates/{name} differs from what the code renders; if the change is intended, \
             regenerate with `cargo run -- synth -o templates` and commit it:\n{}",
            diff(&committed, &rendered)
        );
    }
}

#[test]
fn synth_is_byte_stable_across_runs_and_directories() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    synth_into(a.path());
    Test::new()
        .current_dir(b.path())
        .args(["synth", "-o", "nested/out"])
        .run();
    for name in synth_into(a.path()) {
        let first = std::fs::read(a.path().join(&name)).unwrap();
        let second = std::fs::read(b.path().join("nested/out").join(&name)).unwrap();
        assert!(first == second, "{name} changed between two synths");
    }
}

#[test]
fn settings_change_the_template_and_bad_settings_are_refused() {
    let out = tempfile::tempdir().unwrap();
    Test::new()
        .args([
            "--stack-name",
            "churn",
            "synth",
            "--training-max-runtime",
            "7200",
            "--data-uri",
            "s3://my-data/automl",
            "-o",
        ])
        .arg(out.path())
        .run();
    let template = std::fs::read_to_string(out.path().join("churn.template.json")).unwrap();
    assert!(
        template.contains(r#"\"MaxRuntimeInSeconds\":7200"#),
        "max runtime not applied"
    );
    assert!(
        template.contains("arn:${AWS::Partition}:s3:::my-data/automl*"),
        "data uri not granted"
    );
    Test::new()
        .args([
            "synth",
            "--train-timeout",
            "600",
            "--training-max-runtime",
            "3600",
            "-o",
        ])
        .arg(out.path())
        .status(1)
        .stderr_contains(
            "--train-timeout (600s) must be longer than --training-max-runtime (3600s)",
        )
        .run();
    Test::new()
        .args(["synth", "--autogluon-version", "0.3.1"])
        .status(2)
        .stderr_contains("known: 1.4.0")
        .run();
    Test::new()
        .args(["synth", "--data-uri", "my-data/x"])
        .status(2)
        .stderr_contains("does not start with s3://")
        .run();
}

#[test]
fn the_template_is_region_agnostic_and_uses_no_managed_policies() {
    let template = std::fs::read_to_string(root().join("templates/automl.template.json")).unwrap();
    for forbidden in [
        "eu-west-1.",
        "arn:aws:",
        "FullAccess",
        "ManagedPolicyArns",
        "AWS::CloudFormation::CustomResource",
        "AWS::Lambda::LayerVersion",
    ] {
        assert!(
            !template.contains(forbidden),
            "template contains {forbidden:?}"
        );
    }
    let parsed: serde_json::Value = serde_json::from_str(&template).unwrap();
    let resources = parsed["Resources"].as_object().unwrap();
    assert!(
        resources.len() <= 13,
        "{} resources: the sample had 26, we promise at most half (the 13th is the role that deletes an expired endpoint)",
        resources.len()
    );
    assert!(
        template.contains(r#"\"InitialInstanceCount.$\":\"$.Parameters.Deploy.InstanceCount\""#)
    );
    assert!(template.contains(r#"\"sagemaker_region\":\"${AWS::Region}\""#));
}

#[test]
fn cfn_lint_reports_nothing() {
    let cfn_lint = tool("cfn-lint", "install-linters.sh");
    let out = tempfile::tempdir().unwrap();
    synth_into(out.path());
    let template = out.path().join("automl.template.json");
    let text = run_tool(&cfn_lint, &[template.to_str().unwrap()]);
    assert!(text.trim().is_empty(), "cfn-lint findings:\n{text}");
}

#[test]
fn asl_validator_accepts_every_machine() {
    let validator = tool("asl-validator", "install-linters.sh");
    let out = tempfile::tempdir().unwrap();
    for name in synth_into(out.path())
        .iter()
        .filter(|n| n.ends_with(".asl.json"))
    {
        let path = out.path().join(name);
        let text = run_tool(&validator, &["--json-path", path.to_str().unwrap()]);
        assert!(text.contains("is valid"), "{name}: {text}");
    }
}

#[test]
fn checkov_fails_no_check_and_every_skip_is_in_the_readme() {
    let checkov = tool("checkov", "install-linters.sh");
    let out = tempfile::tempdir().unwrap();
    synth_into(out.path());
    let template = out.path().join("automl.template.json");
    let output = Command::new(checkov)
        .args([
            "--quiet",
            "--compact",
            "--skip-download",
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "-f",
        ])
        .arg(&template)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .expect("run checkov");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov output is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let summary = &report["summary"];
    assert_eq!(
        summary["failed"], 0,
        "checkov failed checks: {:#}",
        report["results"]["failed_checks"]
    );
    assert!(
        summary["passed"].as_u64().unwrap() > 40,
        "checkov ran too few checks: {summary}"
    );
    assert_eq!(
        summary["skipped"],
        automl::stack::CHECKOV_SKIPS.len(),
        "every skip in the template is one of ours"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for (id, resource, _) in automl::stack::CHECKOV_SKIPS {
        assert!(
            readme.contains(id),
            "README.md does not list the checkov skip {id} on {resource}"
        );
    }
}

#[test]
fn graph_draws_every_machine() {
    let output = Test::new().args(["graph"]).run();
    let text = String::from_utf8(output.stdout).unwrap();
    for state in [
        "ShouldTrain",
        "ModelRejected",
        "TrainModel",
        "CreateModel",
        "ChooseMode",
        "EndpointFailed",
        "BatchTransform",
    ] {
        assert!(text.contains(state), "graph lacks {state}");
    }
    Test::new()
        .args(["graph", "--format", "dot", "deploy"])
        .stdout_contains("\"IsEndpointReady\" -> \"WaitForEndpoint\" [label=\"Endpoint.EndpointStatus == 'Creating' or Endpoint.EndpointStatus == 'Updating' or Endpoint.EndpointStatus == 'SystemUpdating'\"];")
        .stdout_lacks("ShouldTrain")
        .run();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for machine in ["main", "train", "deploy"] {
        let mermaid = String::from_utf8(Test::new().args(["graph", machine]).run().stdout).unwrap();
        assert!(
            readme.contains(mermaid.trim()),
            "README.md's {machine} diagram is stale: paste `automl graph {machine}`"
        );
    }
}

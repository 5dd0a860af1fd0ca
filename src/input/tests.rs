//! Tests across the module: the seed inputs and the examples, the contract against the
//! synthesized machines, a table of broken inputs, and never-panic properties.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(relative: &str) -> Value {
    read(&root().join(relative)).unwrap_or_else(|e| panic!("{e}"))
}

const SEEDS: [&str; 3] = [
    "tests/fixtures/seed-inputs/train_evaluate_input.json",
    "tests/fixtures/seed-inputs/train_endpoint_input.json",
    "tests/fixtures/seed-inputs/pretrained_batch_input.json",
];

const EXAMPLES: [&str; 3] = [
    "examples/train_evaluate.json",
    "examples/train_evaluate_endpoint.json",
    "examples/pretrained_batch.json",
];

/// The model registry's examples: register a version (manual approval), deploy one.
const REGISTRY_EXAMPLES: [&str; 2] = [
    "examples/train_evaluate_register.json",
    "examples/registered_batch.json",
];

fn valid(raw: &Value) -> Normalized {
    validate(raw).unwrap_or_else(|problems| {
        panic!(
            "expected valid, got:\n{}",
            problems
                .iter()
                .map(|p| format!("  {p}\n"))
                .collect::<String>()
        )
    })
}

// ---- seeds and examples ---------------------------------------------------------------

#[test]
fn seed_inputs_validate_unchanged() {
    for (seed, expected) in SEEDS.iter().zip([
        "train + evaluate",
        "train + evaluate + deploy to endpoint",
        "batch transform with pretrained model 32551d1b-a907-4bc3-aa2a-9f98be0d07c1",
    ]) {
        let normalized = valid(&load(seed));
        assert_eq!(normalized.describe(), expected, "{seed}");
        assert!(
            normalized.notes().is_empty(),
            "{seed}: {:?}",
            normalized.notes()
        );
    }
}

#[test]
fn seed_fixtures_are_the_seed_files() {
    let shared = root().join("../shared/seed-inputs");
    if !shared.is_dir() {
        return; // outside the development workspace: the committed copies are the reference
    }
    for seed in SEEDS {
        let name = seed.rsplit('/').next().unwrap();
        let original = std::fs::read(shared.join(name)).unwrap();
        let copy = std::fs::read(root().join(seed)).unwrap();
        assert!(
            original == copy,
            "{seed} differs from ../shared/seed-inputs/{name}"
        );
    }
}

#[test]
fn examples_validate_without_notes() {
    for example in EXAMPLES {
        let normalized = valid(&load(example));
        assert!(
            normalized.notes().is_empty(),
            "{example}: {:?}",
            normalized.notes()
        );
    }
}

#[test]
fn seed_form_and_natural_form_normalise_alike() {
    let seed = load(SEEDS[1]);
    let mut natural = seed.clone();
    let train = &mut natural["Parameters"]["Train"];
    train["FitArgs"] = json!({"presets": "medium_quality_faster_train"});
    train["InitArgs"] = json!({"label": "y", "problem_type": "binary"});
    natural["Parameters"]["Evaluation"]["Threshold"] = json!(0.6);
    let (seed, natural) = (valid(&seed), valid(&natural));
    assert_eq!(seed, natural);
    let value = seed.value();
    assert_eq!(value["Parameters"]["Evaluation"]["Threshold"], json!(0.6));
    assert_eq!(
        value["Parameters"]["Train"]["InitArgs"]["label"],
        json!("y")
    );
    assert_eq!(
        value["Parameters"]["Train"]["FitArgs"]["presets"],
        json!("medium_quality_faster_train")
    );
    assert_eq!(
        value["Parameters"]["Flow"],
        json!({"Train": true, "Evaluate": true, "Deploy": true})
    );
}

#[test]
fn examples_are_the_seed_flows() {
    for (seed, example) in SEEDS.iter().zip(EXAMPLES) {
        let (mut seed, mut example) = (
            valid(&load(seed)).into_value(),
            valid(&load(example)).into_value(),
        );
        // The examples use AutoGluon 1.x's preset name and a time limit; all else is equal.
        for value in [&mut seed, &mut example] {
            if let Some(train) = value["Parameters"].get_mut("Train") {
                train.as_object_mut().unwrap().remove("FitArgs");
            }
        }
        assert_eq!(seed, example, "{example}");
    }
}

#[test]
fn registry_examples_normalise_to_what_the_main_machine_reads() {
    let register = valid(&load(REGISTRY_EXAMPLES[0]));
    assert_eq!(
        register.value()["Parameters"]["Registry"],
        json!({"ModelName": "bank", "Approval": "manual"})
    );
    assert_eq!(
        register.describe(),
        "train + evaluate + register as bank (manual)"
    );
    // Approval defaults to auto; the section is dropped (with a note) when nothing trains.
    let mut auto = load(REGISTRY_EXAMPLES[0]);
    auto["Parameters"]["Registry"] = json!({"ModelName": "bank"});
    assert_eq!(valid(&auto).registry().unwrap().approval.name(), "auto");
    let batch = valid(&load(REGISTRY_EXAMPLES[1]));
    assert_eq!(batch.pretrained_package(), Some("bank/1"));
    assert_eq!(batch.pretrained_model(), None);
    assert_eq!(
        batch.describe(),
        "batch transform with pretrained model version bank/1"
    );
    let mut arn = load(REGISTRY_EXAMPLES[1]);
    arn["Parameters"]["PretrainedModel"] = json!({"ModelPackage": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/automl-bank/12"});
    valid(&arn);
    let mut ignored = load(REGISTRY_EXAMPLES[1]);
    ignored["Parameters"]["Registry"] = json!({"ModelName": "bank"});
    let ignored = valid(&ignored);
    assert!(ignored.registry().is_none());
    assert!(ignored
        .notes()
        .iter()
        .any(|n| n.path == "Parameters.Registry" && n.message.starts_with("ignored")));
}

#[test]
fn normalising_is_idempotent() {
    for file in SEEDS.iter().chain(EXAMPLES.iter()) {
        let once = valid(&load(file));
        let twice = valid(once.value());
        assert_eq!(once, twice, "{file}");
    }
}

#[test]
fn canonical_form_drops_what_the_flow_does_not_read() {
    let mut raw = load(SEEDS[1]);
    raw["Parameters"]["Flow"]["Deploy"] = json!(false);
    raw["Parameters"]["PretrainedModel"] = json!({"Name": "ignored-model"});
    raw["Parameters"]["Deploy"]["BatchInputDataPath"] = json!("s3://b-1/in/");
    let normalized = valid(&raw);
    let parameters = normalized.value()["Parameters"].as_object().unwrap();
    assert_eq!(
        parameters.keys().collect::<Vec<_>>(),
        ["Evaluation", "Flow", "Train"],
        "{parameters:?}"
    );
    let noted: Vec<&str> = normalized.notes().iter().map(|n| n.path.as_str()).collect();
    assert_eq!(noted, ["Parameters.Deploy", "Parameters.PretrainedModel"]);

    // Batch paths only in batch mode.
    let mut raw = load(SEEDS[1]);
    raw["Parameters"]["Deploy"]["BatchOutputDataPath"] = json!("s3://b-1/out/");
    let normalized = valid(&raw);
    assert_eq!(
        normalized.value()["Parameters"]["Deploy"],
        json!({"InstanceCount": 1, "InstanceType": "ml.m5.2xlarge", "Mode": "endpoint"})
    );
    assert_eq!(
        normalized.notes()[0].path,
        "Parameters.Deploy.BatchOutputDataPath"
    );

    // Evaluate defaults to false.
    let mut raw = load(SEEDS[2]);
    raw["Parameters"]["Flow"]
        .as_object_mut()
        .unwrap()
        .remove("Evaluate");
    assert_eq!(
        valid(&raw).value()["Parameters"]["Flow"]["Evaluate"],
        json!(false)
    );
}

#[test]
fn accessors() {
    let batch = valid(&load(SEEDS[2]));
    assert_eq!(
        batch.flow(),
        Flow {
            train: false,
            evaluate: false,
            deploy: true
        }
    );
    assert_eq!(batch.deploy_mode(), Some(DeployMode::Batch));
    assert_eq!(batch.train_output(), None);
    assert_eq!(
        batch.pretrained_model(),
        Some("32551d1b-a907-4bc3-aa2a-9f98be0d07c1")
    );
    let locations: Vec<(String, String)> = batch
        .data_locations()
        .into_iter()
        .map(|(path, uri)| (path, format!("{}|{}", uri.bucket, uri.key)))
        .collect();
    assert_eq!(
        locations,
        [
            (
                "Parameters.Deploy.BatchInputDataPath".to_string(),
                "stepfunctions-mlops|data/bank/test_batch.csv".to_string()
            ),
            (
                "Parameters.Deploy.BatchOutputDataPath".to_string(),
                "stepfunctions-mlops|output/batch/".to_string()
            ),
        ]
    );
    let endpoint = valid(&load(SEEDS[1]));
    assert_eq!(endpoint.deploy_mode(), Some(DeployMode::Endpoint));
    assert_eq!(endpoint.pretrained_model(), None);
    assert_eq!(endpoint.train_output().unwrap().key, "output/training/");
    assert_eq!(endpoint.evaluation().unwrap().threshold, 0.6);
    assert_eq!(data_locations(&endpoint).len(), 3);
    assert_eq!(serde_json::to_value(&endpoint).unwrap(), *endpoint.value());
}

// ---- one source of truth: the machines and the contract ---------------------------------

/// Every `$.Parameters...` path a definition reads: values of `*.$` keys (intrinsic
/// function arguments included) and Choice `Variable`s.
fn parameter_paths(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if let (true, Value::String(text)) =
                    (key.ends_with(".$") || key == "Variable", value)
                {
                    let mut rest = text.as_str();
                    while let Some(at) = rest.find("$.Parameters") {
                        let tail = &rest[at + 2..];
                        let end = tail
                            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                            .unwrap_or(tail.len());
                        out.insert(tail[..end].trim_end_matches('.').to_string());
                        rest = &tail[end..];
                    }
                }
                parameter_paths(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| parameter_paths(item, out)),
        _ => {}
    }
}

fn machine_paths() -> BTreeSet<String> {
    let stack =
        crate::stack::build(&crate::stack::Settings::default()).expect("the default stack builds");
    let mut paths = BTreeSet::new();
    for machine in &stack.machines {
        let definition = serde_json::to_value(&machine.definition).unwrap();
        parameter_paths(&definition, &mut paths);
    }
    paths
}

/// Whether an execution of `normalized` reaches a state that reads `path`; `Err` for a
/// path outside the contract.
fn reachable(path: &str, n: &Normalized) -> Result<bool, String> {
    let flow = n.flow();
    let parts: Vec<&str> = path.split('.').collect();
    Ok(match parts.as_slice() {
        ["Parameters"] | ["Parameters", "Flow", ..] => true,
        ["Parameters", "Train", ..] => flow.train,
        ["Parameters", "Evaluation", ..] => flow.evaluate,
        ["Parameters", "Deploy", field, ..] if field.starts_with("Batch") => {
            n.deploy_mode() == Some(DeployMode::Batch)
        }
        ["Parameters", "Deploy", "InstanceCount" | "InstanceType", ..] => {
            flow.deploy && n.deploy_mode() != Some(DeployMode::Serverless)
        }
        ["Parameters", "Deploy", "Serverless", ..] => {
            n.deploy_mode() == Some(DeployMode::Serverless)
        }
        // Optional: every state that reads them is behind an IsPresent Choice on them.
        ["Parameters", "Deploy", "EndpointName" | "Update" | "AutoScaling" | "TimeToLive" | "ExpiresAt", ..] => {
            flow.deploy && lookup_path(n.value(), path).is_some()
        }
        ["Parameters", "Deploy", ..] => flow.deploy,
        // Filled by the Main machine after training (or after creating a model from a
        // registered version).
        ["Parameters", "PretrainedModel", "ModelPackage"] => n.pretrained_package().is_some(),
        ["Parameters", "PretrainedModel", ..] => {
            flow.deploy && !flow.train && n.pretrained_package().is_none()
        }
        // Whether to register is decided by the section's presence.
        ["Parameters", "Registry"] => false,
        ["Parameters", "Registry", ..] => n.registry().is_some(),
        _ => {
            return Err(format!(
                "a machine reads $.{path}, which the input contract lacks"
            ))
        }
    })
}

fn lookup_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[test]
fn every_path_the_machines_read_exists_in_the_normalised_inputs() {
    let paths = machine_paths();
    for expected in [
        "Parameters.Flow.Train",
        "Parameters.Train.FitArgs",
        "Parameters.Train.InitArgs",
        "Parameters.Train.FeatureImportance",
        "Parameters.Evaluation.Threshold",
        "Parameters.Deploy.BatchInputDataPath",
        "Parameters.PretrainedModel.Name",
        "Parameters.PretrainedModel.ModelPackage",
        "Parameters.Registry.ModelName",
        "Parameters.Registry.Approval",
    ] {
        assert!(
            paths.contains(expected),
            "the path collector missed {expected}: {paths:?}"
        );
    }
    for file in SEEDS
        .iter()
        .chain(EXAMPLES.iter())
        .chain(REGISTRY_EXAMPLES.iter())
    {
        let normalized = valid(&load(file));
        for path in &paths {
            match reachable(path, &normalized) {
                Err(finding) => panic!("{finding}"),
                Ok(false) => {}
                Ok(true) => assert!(
                    lookup_path(normalized.value(), path).is_some(),
                    "{file}: the machines read $.{path}, which the normalised input lacks"
                ),
            }
        }
    }
}

#[test]
fn every_field_of_the_normalised_inputs_is_read_by_a_machine() {
    let paths = machine_paths();
    fn fields(value: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                // FitArgs, InitArgs and FeatureImportance are read whole.
                if value.is_object()
                    && !matches!(key.as_str(), "FitArgs" | "InitArgs" | "FeatureImportance")
                {
                    fields(value, &path, out);
                } else {
                    out.push(path);
                }
            }
        }
    }
    for file in SEEDS
        .iter()
        .chain(EXAMPLES.iter())
        .chain(REGISTRY_EXAMPLES.iter())
    {
        let mut found = Vec::new();
        fields(valid(&load(file)).value(), "", &mut found);
        for field in found {
            assert!(paths.contains(&field), "{file}: no machine reads $.{field}");
        }
    }
}

// ---- broken inputs ------------------------------------------------------------------------

/// A seed input with edits: JSON pointer -> new value (`None` removes it).
fn edited(seed: usize, edits: &[(&str, Option<Value>)]) -> Value {
    let mut value = load(SEEDS[seed]);
    for (pointer, new) in edits {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let parent = if parent.is_empty() {
            &mut value
        } else {
            value
                .pointer_mut(parent)
                .unwrap_or_else(|| panic!("{pointer}"))
        };
        let object = parent.as_object_mut().unwrap();
        match new {
            Some(new) => object.insert(key.to_string(), new.clone()),
            None => object.remove(key),
        };
    }
    value
}

const TRAIN_EVALUATE: usize = 0;
const TRAIN_ENDPOINT: usize = 1;
const PRETRAINED_BATCH: usize = 2;

/// A broken input: (seed, edits, the path a problem must name, a phrase its message must hold).
type Broken = (
    usize,
    Vec<(&'static str, Option<Value>)>,
    &'static str,
    &'static str,
);

fn broken_inputs() -> Vec<Broken> {
    let set = |p: &'static str, v: Value| (p, Some(v));
    let del = |p: &'static str| (p, None);
    let regression = json!({"label": "price", "problem_type": "regression"});
    vec![
        // Flow
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/Flow/Evaluate", json!(true))],
            "Parameters.Flow.Evaluate",
            "needs Parameters.Flow.Train",
        ),
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/Flow/Deploy", json!(false))],
            "Parameters.Flow",
            "all false",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Flow/Train", json!("true"))],
            "Parameters.Flow.Train",
            "without quotes",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Flow/Deploy")],
            "Parameters.Flow.Deploy",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Flow/Evaluate", Value::Null)],
            "Parameters.Flow.Evaluate",
            "true or false",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Flow")],
            "Parameters.Flow",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Flow/Evaluate")],
            "Parameters.Flow.Evaluate",
            "the Evaluation section would be ignored",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Flow/Deplyo", json!(false))],
            "Parameters.Flow.Deplyo",
            "did you mean \"Deploy\"",
        ),
        // document shape
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Flows", json!({}))],
            "Parameters.Flows",
            "did you mean \"Flow\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Flow", json!({}))],
            "Flow",
            "belongs inside Parameters",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters")],
            "Parameters",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters", json!([]))],
            "Parameters",
            "must be a JSON object",
        ),
        // sections per flow
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Train")],
            "Parameters.Train",
            "required when Parameters.Flow.Train is true",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Train/TrainDataPath")],
            "Parameters.Train.TrainDataPath",
            "required when Parameters.Flow.Train is true",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Train/TestDataPath")],
            "Parameters.Train.TestDataPath",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Train/TrainingOutput")],
            "Parameters.Train.TrainingOutput",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Train/InstanceType")],
            "Parameters.Train.InstanceType",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Train/InitArgs")],
            "Parameters.Train.InitArgs",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Evaluation")],
            "Parameters.Evaluation",
            "required when Parameters.Flow.Evaluate is true",
        ),
        (
            TRAIN_EVALUATE,
            vec![del("/Parameters/Evaluation/Metric")],
            "Parameters.Evaluation.Metric",
            "required",
        ),
        (
            TRAIN_ENDPOINT,
            vec![del("/Parameters/Deploy")],
            "Parameters.Deploy",
            "required when Parameters.Flow.Deploy is true",
        ),
        (
            TRAIN_ENDPOINT,
            vec![del("/Parameters/Deploy/Mode")],
            "Parameters.Deploy.Mode",
            "required",
        ),
        (
            PRETRAINED_BATCH,
            vec![del("/Parameters/PretrainedModel")],
            "Parameters.PretrainedModel",
            "Parameters.Flow.Train is false",
        ),
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/PretrainedModel", json!({}))],
            "Parameters.PretrainedModel.Name",
            "required",
        ),
        (
            PRETRAINED_BATCH,
            vec![del("/Parameters/Deploy/BatchInputDataPath")],
            "Parameters.Deploy.BatchInputDataPath",
            "required when Parameters.Deploy.Mode is \"batch\"",
        ),
        (
            PRETRAINED_BATCH,
            vec![del("/Parameters/Deploy/BatchOutputDataPath")],
            "Parameters.Deploy.BatchOutputDataPath",
            "required",
        ),
        // S3 URIs
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/TrainDataPath",
                json!("stepfunctions-mlops/data/train.csv"),
            )],
            "Parameters.Train.TrainDataPath",
            "not an S3 URI",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/TestDataPath",
                json!("s3://Bad_Bucket/test.csv"),
            )],
            "Parameters.Train.TestDataPath",
            "bucket",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/TrainingOutput", json!(""))],
            "Parameters.Train.TrainingOutput",
            "empty",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/TrainingOutput",
                json!("S3://b-1/out/"),
            )],
            "Parameters.Train.TrainingOutput",
            "lowercase",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/TrainDataPath",
                json!("https://b-1.s3.amazonaws.com/train.csv"),
            )],
            "Parameters.Train.TrainDataPath",
            "URL",
        ),
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/Deploy/BatchOutputDataPath", json!(42))],
            "Parameters.Deploy.BatchOutputDataPath",
            "must be an S3 URI",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/Deploy/BatchInputDataPath",
                json!(" s3://b-1/in.csv"),
            )],
            "Parameters.Deploy.BatchInputDataPath",
            "spaces",
        ),
        // instances
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/InstanceType", json!("m5.2xlarge"))],
            "Parameters.Train.InstanceType",
            "did you mean \"ml.m5.2xlarge\"",
        ),
        (
            TRAIN_ENDPOINT,
            vec![set("/Parameters/Deploy/InstanceType", json!("ml.m5"))],
            "Parameters.Deploy.InstanceType",
            "ml.<family>.<size>",
        ),
        // The AutoGluon images are x86 only.
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InstanceType",
                json!("ml.c7g.2xlarge"),
            )],
            "Parameters.Train.InstanceType",
            "Graviton (arm64)",
        ),
        (
            TRAIN_ENDPOINT,
            vec![set(
                "/Parameters/Deploy/InstanceType",
                json!("ml.m6gd.large"),
            )],
            "Parameters.Deploy.InstanceType",
            "x86 only",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/InstanceCount", json!(0))],
            "Parameters.Train.InstanceCount",
            "1 or more",
        ),
        (
            TRAIN_ENDPOINT,
            vec![set("/Parameters/Deploy/InstanceCount", json!(-1))],
            "Parameters.Deploy.InstanceCount",
            "1 or more",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/InstanceCount", json!(1.5))],
            "Parameters.Train.InstanceCount",
            "whole number",
        ),
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/Deploy/InstanceCount", json!("2"))],
            "Parameters.Deploy.InstanceCount",
            "without quotes",
        ),
        (
            PRETRAINED_BATCH,
            vec![del("/Parameters/Deploy/InstanceCount")],
            "Parameters.Deploy.InstanceCount",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/InstanceCount", json!(1e12))],
            "Parameters.Train.InstanceCount",
            "more instances",
        ),
        // mode
        (
            TRAIN_ENDPOINT,
            vec![set("/Parameters/Deploy/Mode", json!("Endpoint"))],
            "Parameters.Deploy.Mode",
            "did you mean \"endpoint\"",
        ),
        (
            TRAIN_ENDPOINT,
            vec![set("/Parameters/Deploy/Mode", json!("stream"))],
            "Parameters.Deploy.Mode",
            "use \"endpoint\"",
        ),
        // InitArgs and FitArgs
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!({"problem_type": "binary"}),
            )],
            "Parameters.Train.InitArgs",
            "\"label\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!("\"{\\\"problem_type\\\": \\\"binary\\\"}\""),
            )],
            "Parameters.Train.InitArgs",
            "\"label\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/InitArgs", json!({"label": 5}))],
            "Parameters.Train.InitArgs.label",
            "must be the name of the target column",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!({"label": "y", "problem_type": "binay"}),
            )],
            "Parameters.Train.InitArgs.problem_type",
            "did you mean \"binary\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!({"label": "y", "problem_type": "binary", "eval_metric": "rmse"}),
            )],
            "Parameters.Train.InitArgs.eval_metric",
            "regression",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!({"label": "y", "eval_metrics": "f1"}),
            )],
            "Parameters.Train.InitArgs.eval_metrics",
            "did you mean \"eval_metric\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!({"label": "y", "problem_type": "quantile"}),
            )],
            "Parameters.Train.InitArgs",
            "quantile_levels",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/FitArgs", json!("{presets: medium}"))],
            "Parameters.Train.FitArgs",
            "not JSON",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/FitArgs", json!([1, 2]))],
            "Parameters.Train.FitArgs",
            "must be a JSON object",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/FitArgs", json!("\"[1]\""))],
            "Parameters.Train.FitArgs",
            "decodes to an array",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/FitArgs", json!({"time_limits": 60}))],
            "Parameters.Train.FitArgs.time_limits",
            "did you mean \"time_limit\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/FitArgs",
                json!({"presets": "medium_qualty"}),
            )],
            "Parameters.Train.FitArgs.presets",
            "did you mean \"medium_quality\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/FitArgs",
                json!({"hyperparameters": {"GBM": {"x": "y".repeat(3000)}}}),
            )],
            "Parameters.Train.FitArgs",
            "2500",
        ),
        // Evaluation
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Metric", json!("acuracy"))],
            "Parameters.Evaluation.Metric",
            "did you mean \"accuracy\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Metric", json!("r2"))],
            "Parameters.Evaluation.Metric",
            "regression",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Metric", json!("log_loss"))],
            "Parameters.Evaluation.Metric",
            "eval_metric",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Metric", json!(1))],
            "Parameters.Evaluation.Metric",
            "must be",
        ),
        (
            TRAIN_EVALUATE,
            vec![
                set("/Parameters/Train/InitArgs", regression.clone()),
                set("/Parameters/Evaluation/Metric", json!("rmse")),
                set("/Parameters/Evaluation/Threshold", json!(-60)),
            ],
            "Parameters.Evaluation.Metric",
            "write \"root_mean_squared_error\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![
                set("/Parameters/Train/InitArgs", regression.clone()),
                set(
                    "/Parameters/Evaluation/Metric",
                    json!("root_mean_squared_error"),
                ),
                set("/Parameters/Evaluation/Threshold", json!(60)),
            ],
            "Parameters.Evaluation.Threshold",
            "higher-is-better",
        ),
        (
            TRAIN_EVALUATE,
            vec![
                set("/Parameters/Train/InitArgs", regression),
                set(
                    "/Parameters/Evaluation/Metric",
                    json!("mean_absolute_error"),
                ),
                set("/Parameters/Evaluation/Threshold", json!("44")),
            ],
            "Parameters.Evaluation.Threshold",
            "write -44",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Threshold", json!(60))],
            "Parameters.Evaluation.Threshold",
            "write 0.6",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Threshold", json!(-0.5))],
            "Parameters.Evaluation.Threshold",
            "accepts every model",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Threshold", json!("sixty"))],
            "Parameters.Evaluation.Threshold",
            "must be a number",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Threshold", json!(true))],
            "Parameters.Evaluation.Threshold",
            "must be a number",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Threshold", json!("NaN"))],
            "Parameters.Evaluation.Threshold",
            "must be a number",
        ),
        (
            TRAIN_EVALUATE,
            vec![
                del("/Parameters/Evaluation/Threshold"),
                set("/Parameters/Evaluation/Treshold", json!(0.6)),
            ],
            "Parameters.Evaluation.Treshold",
            "did you mean \"Threshold\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Evaluation/Mode", json!("batch"))],
            "Parameters.Evaluation.Mode",
            "belongs in Parameters.Deploy",
        ),
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/Deploy/Treshold", json!(1))],
            "Parameters.Deploy.Treshold",
            "belongs in Parameters.Evaluation",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Train/Comment", json!("my run"))],
            "Parameters.Train.Comment",
            "unknown key",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Train/InitArgs",
                json!({"label": "y", "problem_type": "regression"}),
            )],
            "Parameters.Evaluation.Metric",
            "problem_type is \"regression\"",
        ),
        // names
        (
            PRETRAINED_BATCH,
            vec![set("/Parameters/PretrainedModel/Name", json!("my_model"))],
            "Parameters.PretrainedModel.Name",
            "not a SageMaker model name",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel/Name",
                json!("arn:aws:sagemaker:us-east-1:123456789012:model/m-1"),
            )],
            "Parameters.PretrainedModel.Name",
            "not its ARN",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel/Name",
                json!("m".repeat(64)),
            )],
            "Parameters.PretrainedModel.Name",
            "at most 63",
        ),
        // the model registry
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Registry", json!({}))],
            "Parameters.Registry.ModelName",
            "required",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Registry",
                json!({"ModelName": "Penguins"}),
            )],
            "Parameters.Registry.ModelName",
            "lowercase letters",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Registry",
                json!({"ModelName": "m".repeat(44)}),
            )],
            "Parameters.Registry.ModelName",
            "at most 43",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Registry",
                json!({"ModelName": "p", "Approval": "manaul"}),
            )],
            "Parameters.Registry.Approval",
            "did you mean \"manual\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![set(
                "/Parameters/Registry",
                json!({"ModelName": "p", "Aproval": "auto"}),
            )],
            "Parameters.Registry.Aproval",
            "did you mean \"Approval\"",
        ),
        (
            TRAIN_EVALUATE,
            vec![
                set("/Parameters/Flow/Evaluate", json!(false)),
                del("/Parameters/Evaluation"),
                set("/Parameters/Registry", json!({"ModelName": "p"})),
            ],
            "Parameters.Registry",
            "needs Parameters.Flow.Evaluate true",
        ),
        (
            TRAIN_EVALUATE,
            vec![
                set("/Parameters/Flow/Deploy", json!(true)),
                set(
                    "/Parameters/Deploy",
                    json!({"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large"}),
                ),
                set(
                    "/Parameters/Registry",
                    json!({"ModelName": "p", "Approval": "manual"}),
                ),
            ],
            "Parameters.Registry.Approval",
            "before anyone approved it",
        ),
        (
            TRAIN_EVALUATE,
            vec![set("/Registry", json!({"ModelName": "p"}))],
            "Registry",
            "belongs inside Parameters",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel",
                json!({"Name": "m", "ModelPackage": "p/1"}),
            )],
            "Parameters.PretrainedModel",
            "not both",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel",
                json!({"ModelPackage": "penguins"}),
            )],
            "Parameters.PretrainedModel.ModelPackage",
            "has no version",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel",
                json!({"ModelPackage": "penguins/v2"}),
            )],
            "Parameters.PretrainedModel.ModelPackage",
            "is not a version number",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel",
                json!({"ModelPackage": "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/automl-p"}),
            )],
            "Parameters.PretrainedModel.ModelPackage",
            "is not the ARN of a model package version",
        ),
        (
            PRETRAINED_BATCH,
            vec![set(
                "/Parameters/PretrainedModel",
                json!({"ModelPackag": "p/1"}),
            )],
            "Parameters.PretrainedModel.ModelPackag",
            "did you mean \"ModelPackage\"",
        ),
        // present but unread sections are still checked
        (
            TRAIN_EVALUATE,
            vec![set("/Parameters/Deploy", json!({"Mode": "batc"}))],
            "Parameters.Deploy.Mode",
            "did you mean \"batch\"",
        ),
    ]
}

#[test]
fn broken_inputs_are_rejected_naming_the_path() {
    for (seed, edits, path, phrase) in broken_inputs() {
        let raw = edited(seed, &edits);
        let problems = match validate(&raw) {
            Ok(_) => panic!("accepted {edits:?} on {}", SEEDS[seed]),
            Err(problems) => problems,
        };
        assert!(
            problems
                .iter()
                .any(|p| p.path == path && p.message.contains(phrase)),
            "{edits:?}: no problem at {path} saying {phrase:?}; got:\n{}",
            problems
                .iter()
                .map(|p| format!("  {p}\n"))
                .collect::<String>()
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let raw = edited(
        TRAIN_ENDPOINT,
        &[
            ("/Parameters/Train/InstanceType", Some(json!("m5.large"))),
            (
                "/Parameters/Train/TrainDataPath",
                Some(json!("data/train.csv")),
            ),
            ("/Parameters/Evaluation/Treshold", Some(json!(0.6))),
            ("/Parameters/Deploy/Mode", Some(json!("batch"))),
            ("/Parameters/Deploy/InstanceCount", Some(json!(0))),
        ],
    );
    let problems = validate(&raw).unwrap_err();
    let paths: BTreeSet<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for path in [
        "Parameters.Train.InstanceType",
        "Parameters.Train.TrainDataPath",
        "Parameters.Evaluation.Treshold",
        "Parameters.Deploy.BatchInputDataPath",
        "Parameters.Deploy.BatchOutputDataPath",
        "Parameters.Deploy.InstanceCount",
    ] {
        assert!(paths.contains(path), "{path} missing from {problems:#?}");
    }
}

#[test]
fn odd_documents_are_problems_not_panics() {
    for raw in [
        json!(null),
        json!([]),
        json!("text"),
        json!(1),
        json!({}),
        json!({"Parameters": null}),
        json!({"Parameters": {"Flow": []}}),
        json!({"Parameters": {"Flow": {"Train": true, "Deploy": true}, "Train": "x", "Deploy": 1}}),
        json!({"": {"\u{0}": "\u{ffff}"}}),
    ] {
        let problems = validate(&raw).unwrap_err();
        assert!(!problems.is_empty(), "{raw}");
    }
    assert_eq!(validate(&json!(null)).unwrap_err()[0].path, "$");
}

// ---- never panic ------------------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Strings that steer the checker down its paths.
    fn interesting_string() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("s3://bucket-1/key".to_string()),
            Just("s3://".to_string()),
            Just("ml.m5.large".to_string()),
            Just("endpoint".to_string()),
            Just("batch".to_string()),
            Just("0.6".to_string()),
            Just("-1e400".to_string()),
            Just("accuracy".to_string()),
            Just("root_mean_squared_error".to_string()),
            Just(r#"{"label": "y", "problem_type": "regression"}"#.to_string()),
            Just(r#""{\"label\": \"y\"}""#.to_string()),
            Just(r#""\"\\\"\""#.to_string()),
            Just("arn:aws:sagemaker:x:1:model/".to_string()),
            ".{0,12}",
            "\\PC{0,8}",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        let known: Vec<String> = [
            "Parameters",
            "Flow",
            "Train",
            "Evaluate",
            "Deploy",
            "PretrainedModel",
            "Name",
            "TrainDataPath",
            "TestDataPath",
            "TrainingOutput",
            "InstanceCount",
            "InstanceType",
            "FitArgs",
            "InitArgs",
            "Evaluation",
            "Threshold",
            "Metric",
            "Mode",
            "BatchInputDataPath",
            "BatchOutputDataPath",
            "label",
            "problem_type",
            "eval_metric",
            "quantile_levels",
            "presets",
        ]
        .map(String::from)
        .to_vec();
        prop_oneof![4 => prop::sample::select(known), 1 => ".{0,6}"]
    }

    pub(super) fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            interesting_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 96, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key(), inner, 0..8)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// A seed input with one field replaced by anything.
    fn mutated_seed() -> impl Strategy<Value = Value> {
        let pointers = [
            "/Parameters/Flow/Train",
            "/Parameters/Flow/Evaluate",
            "/Parameters/Flow/Deploy",
            "/Parameters/Train/FitArgs",
            "/Parameters/Train/InitArgs",
            "/Parameters/Train/InstanceCount",
            "/Parameters/Train/TrainDataPath",
            "/Parameters/Evaluation/Threshold",
            "/Parameters/Evaluation/Metric",
            "/Parameters/Deploy/Mode",
            "/Parameters/Deploy/BatchInputDataPath",
            "/Parameters/PretrainedModel/Name",
            "/Parameters/Train",
            "/Parameters/Deploy",
            "/Parameters/Extra",
        ];
        (
            0..SEEDS.len(),
            prop::sample::select(pointers.to_vec()),
            json_value(),
        )
            .prop_map(|(seed, pointer, value)| {
                let mut raw = load(SEEDS[seed]);
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                if raw.pointer(parent).is_none() {
                    let section = parent.rsplit_once('/').unwrap().1;
                    raw["Parameters"][section] = json!({});
                }
                if let Some(object) = raw.pointer_mut(parent).and_then(Value::as_object_mut) {
                    object.insert(key.to_string(), value);
                }
                raw
            })
    }

    fn check_outcome(raw: &Value) -> Result<(), TestCaseError> {
        match validate(raw) {
            Ok(normalized) => {
                // Valid means: stable under re-validation, canonical types, and every
                // location parses.
                let again = validate(normalized.value());
                prop_assert_eq!(
                    again.as_ref().ok().map(Normalized::value),
                    Some(normalized.value())
                );
                if let Some(train) = normalized.value()["Parameters"].get("Train") {
                    prop_assert!(train["FitArgs"].is_object() && train["InitArgs"].is_object());
                }
                if let Some(evaluation) = normalized.value()["Parameters"].get("Evaluation") {
                    prop_assert!(evaluation["Threshold"].is_number());
                }
                let _ = normalized.describe();
                let _ = normalized.data_locations();
            }
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for problem in &problems {
                    prop_assert!(!problem.path.is_empty() && !problem.message.is_empty());
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_json_never_panics(raw in json_value()) {
            check_outcome(&raw)?;
            check_outcome(&json!({"Parameters": raw}))?;
        }

        #[test]
        fn mutated_seeds_never_panic(raw in mutated_seed()) {
            check_outcome(&raw)?;
        }

        #[test]
        fn arbitrary_text_never_panics_the_reader(text in "\\PC{0,64}|[\\[\\]{}\",:0-9a-z ]{0,64}") {
            if let Ok(raw) = parse(text.as_bytes(), std::path::Path::new("x.json")) {
                check_outcome(&raw)?;
            }
        }

        #[test]
        fn execution_names_never_panic(name in "\\PC{0,100}", stack in "[a-zA-Z][a-zA-Z0-9-]{0,60}") {
            let _ = check_execution_name(&name, &stack);
        }
    }
}

#[test]
fn a_local_run_takes_plain_paths_where_aws_needs_s3_uris() {
    let raw = serde_json::json!({
        "Parameters": {
            "Flow": { "Train": true, "Evaluate": false, "Deploy": false },
            "Train": {
                "TrainDataPath": "examples/data/penguins/train.csv",
                "TestDataPath": "examples/data/penguins/test.csv",
                "TrainingOutput": ".automl/output",
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "InitArgs": { "label": "species" }
            }
        }
    });
    let problems = crate::input::validate(&raw).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.path == "Parameters.Train.TrainDataPath"),
        "{problems:?}"
    );
    let local = crate::input::validate_for(&raw, crate::input::Target::Local).unwrap();
    assert_eq!(
        local.value()["Parameters"]["Train"]["TestDataPath"],
        "examples/data/penguins/test.csv"
    );
    assert!(
        local.data_locations().is_empty(),
        "plain paths are not S3 locations"
    );
}

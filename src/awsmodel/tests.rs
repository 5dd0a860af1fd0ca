//! The validator against hand-made requests (one per kind of constraint) and against the
//! verdicts botocore gives on the recorded cases (tests/fixtures/service-model-cases.json,
//! written by scripts/aws-models/cases.py; its freshness is checked by
//! tests/python/test_service_models.py).

use super::pattern::{compile, translate, REWRITES};
use super::validate::ViolationKind;
use super::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[test]
fn models_parse_and_name_one_botocore() {
    let version = botocore_version();
    assert!(!version.is_empty());
    for service in Service::ALL {
        let model = service.model();
        assert!(model.broken.is_none(), "{:?}: {:?}", service, model.broken);
        assert_eq!(
            model.botocore_version(),
            version,
            "{service:?} comes from another botocore"
        );
        assert!(
            model
                .source_file()
                .starts_with(&format!("botocore/data/{}/", service.botocore_name())),
            "{}",
            model.source_file()
        );
        assert!(model.operations().count() > 0);
        assert_eq!(
            Service::from_botocore_name(service.botocore_name()),
            Some(service)
        );
    }
}

#[test]
fn every_pattern_in_the_models_compiles() {
    let mut count = 0;
    let mut failures = Vec::new();
    for service in Service::ALL {
        for (shape, pattern) in service.model().patterns() {
            count += 1;
            if let Err(why) = compile(pattern) {
                failures.push(format!("{}/{shape}: {why}", service.botocore_name()));
            }
        }
    }
    assert!(
        count > 100,
        "only {count} patterns: is the extract complete?"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rewrite_is_of_a_pattern_in_the_models() {
    let all: BTreeSet<&str> = Service::ALL
        .iter()
        .flat_map(|s| s.model().patterns().map(|(_, p)| p))
        .collect();
    for (from, _) in REWRITES {
        assert!(all.contains(from), "stale rewrite: {from}");
    }
}

fn matches(java: &str, value: &str) -> bool {
    compile(java).unwrap().is_match(value)
}

#[test]
fn java_classes_keep_their_java_meaning() {
    // \d \w \s are ASCII in Java.
    assert!(matches(r"\d+", "2026"));
    assert!(!matches(r"\d+", "\u{0663}"));
    assert!(!matches(r"\w+", "é"));
    assert!(matches(r"[\w+=,.@\/-]+", "a+b=c,d.e@f/g-h"));
    // `.` stops at every Java line terminator.
    assert!(matches(".*", "anything at all"));
    assert!(!matches(".*", "a\rb"));
    assert!(!matches(".*", "a\u{2028}b"));
    // POSIX classes are ASCII.
    assert!(matches(r"\p{Alnum}+", "abc123"));
    assert!(!matches(r"\p{Alnum}+", "é"));
    assert!(!matches(r"\p{Print}+", "tab\there"));
    // Unicode categories stay Unicode.
    assert!(matches(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", "Zürich 2026"));
    // A `-` after a range is a literal.
    assert!(matches("[a-zA-Z0-9-_]+", "a-b_c"));
    assert!(!matches("[a-zA-Z0-9-_]+", "a.b"));
    // A surrogate pair is one supplementary code point.
    let xml = r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*";
    assert!(matches(xml, "emoji \u{1F600} ok"));
    assert!(!matches(xml, "bell \u{7}"));
    // A quantified `$` is an end anchor.
    assert!(matches(r"([\p{L}\p{Z}\p{N}_.:\/=+\-@]*)${1,256}", "value"));
    // A class repeated many times (over the `regex` size limit) still counts.
    let long = r"[\p{L}\p{M}\p{Z}\p{N}\p{P}]{0,1024}";
    assert!(matches(long, &"é".repeat(1024)));
    assert!(!matches(long, &"é".repeat(1025)));
    assert!(!matches(long, "a+b"));
    // Whole values only.
    assert!(!matches("[a-z]+", "abc1"));
}

#[test]
fn rewrites_mean_what_the_look_around_meant() {
    let not_blank = REWRITES[0].0;
    assert!(matches(not_blank, " x "));
    assert!(!matches(not_blank, "   "));
    assert!(!matches(not_blank, ""));
    let name = REWRITES[1].0;
    assert!(matches(name, "automl"));
    assert!(matches(
        name,
        "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/automl"
    ));
    assert!(!matches(name, "automl-"));
    assert!(matches(name, "a"));
    let versioned = REWRITES[2].0;
    assert!(matches(versioned, "automl/12"));
    assert!(!matches(versioned, "automl-/12"));
    let path = REWRITES[3].0;
    assert!(matches(path, "/opt/ml/model.tar.gz"));
    assert!(matches(path, "/."));
    assert!(!matches(path, "/opt/../etc"));
    assert!(!matches(path, "/"));
    let source = REWRITES[4].0;
    assert!(matches(source, "automl.training"));
    assert!(matches(source, "a"));
    assert!(matches(source, "aws"));
    assert!(!matches(source, "aws.sagemaker"));
    assert!(matches(source, "$.detail[0]"));
    assert!(!matches(source, "#x"));
}

#[test]
fn untranslatable_syntax_is_an_error_not_a_wrong_answer() {
    assert!(translate("(?=a)a").is_err());
    assert!(translate("(?<!a)b").is_err());
    assert!(translate("a++").is_err());
    assert!(translate(r"(a)\1").is_err());
    assert!(translate("(?>a)").is_err());
    // Lazy quantifiers and literal braces are fine.
    assert!(matches("a+?b", "aab"));
    assert!(matches("x{y", "x{y"));
    assert!(matches(r"\p{Print}+", "printable"));
}

fn train_request() -> Value {
    json!({
        "TrainingJobName": "automl-run-1",
        "RoleArn": "arn:aws:iam::123456789012:role/automl-SageMakerRole-ABC",
        "AlgorithmSpecification": {"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/autogluon-training:1.4.0-cpu-py311-ubuntu22.04", "TrainingInputMode": "File"},
        "HyperParameters": {"fit_args": "{}", "init_args": "{\"label\":\"y\"}"},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/train.csv"}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://b/output/"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "Tags": [{"Key": "automl:stack", "Value": "automl"}]
    })
}

fn violations(operation: &str, request: &Value) -> Vec<(String, &'static str)> {
    match validate(Service::SageMaker, operation, request) {
        Ok(()) => Vec::new(),
        Err(problem) => {
            assert!(problem.model_error.is_none(), "{problem}");
            problem
                .violations
                .iter()
                .map(|v| (v.path.clone(), v.kind.code()))
                .collect()
        }
    }
}

#[test]
fn a_valid_request_passes() {
    assert_eq!(violations("CreateTrainingJob", &train_request()), vec![]);
}

#[test]
fn each_kind_of_violation_names_its_path() {
    let mut r = train_request();
    r.as_object_mut().unwrap().remove("RoleArn");
    r["ResourceConfig"]["InstanceType"] = json!("ml.foo");
    r["ResourceConfig"]["InstanceCount"] = json!("1");
    r["ResourceConfig"]["Colour"] = json!("red");
    r["TrainingJobName"] = json!("a_b");
    r["HyperParameters"]["fit_args"] = json!("x".repeat(2501));
    r["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = json!("gs://b/k");
    r["StoppingCondition"]["MaxRuntimeInSeconds"] = json!(0);
    r["Tags"][0]["Value"] = json!("a#b");
    let mut got = violations("CreateTrainingJob", &r);
    got.sort();
    let want: Vec<(String, &str)> = vec![
        ("HyperParameters.fit_args", "length"),
        (
            "InputDataConfig[0].DataSource.S3DataSource.S3Uri",
            "pattern",
        ),
        ("ResourceConfig", "unknown"),
        ("ResourceConfig.InstanceCount", "type"),
        ("ResourceConfig.InstanceType", "enum"),
        ("StoppingCondition.MaxRuntimeInSeconds", "range"),
        ("Tags[0].Value", "pattern"),
        ("TrainingJobName", "pattern"),
        ("input", "missing"),
    ]
    .into_iter()
    .map(|(p, c)| (p.to_string(), c))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn messages_read_like_botocore_and_like_aws() {
    let request = json!({
        "EndpointConfigName": "automl-1",
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.foo", "InitialInstanceCount": 1}]
    });
    let problem = validate(Service::SageMaker, "CreateEndpointConfig", &request).unwrap_err();
    let text = problem.to_string();
    assert!(
        text.starts_with("ProductionVariants[0].InstanceType: ml.foo is not one of ml."),
        "{text}"
    );
    assert!(text.contains("values)"), "a long enum is shortened: {text}");
    let aws = problem.aws_message();
    assert!(
        aws.starts_with("1 validation error detected: Value 'ml.foo' at 'productionVariants.1.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [ml."),
        "{aws}"
    );
    let mut missing = request.clone();
    missing
        .as_object_mut()
        .unwrap()
        .remove("EndpointConfigName");
    missing["ProductionVariants"][0]["InstanceType"] = json!("ml.m5.large");
    let aws = validate(Service::SageMaker, "CreateEndpointConfig", &missing)
        .unwrap_err()
        .aws_message();
    assert_eq!(aws, "1 validation error detected: Value null at 'endpointConfigName' failed to satisfy constraint: Member must not be null");
    let long = json!({"EndpointName": "e".repeat(64)});
    let aws = validate(Service::SageMaker, "DescribeEndpoint", &long)
        .unwrap_err()
        .aws_message();
    assert!(aws.starts_with("2 validation errors detected: "), "{aws}");
    assert!(
        aws.contains("Member must have length less than or equal to 63"),
        "{aws}"
    );
}

#[test]
fn an_operation_outside_the_extract_is_a_model_error() {
    let problem = validate(Service::SageMaker, "DeleteEverything", &json!({})).unwrap_err();
    assert!(problem.violations.is_empty());
    let why = problem.model_error.unwrap();
    assert!(
        why.contains("DeleteEverything") && why.contains("CreateTrainingJob"),
        "{why}"
    );
}

#[test]
fn timestamps_are_numbers_or_iso_dates() {
    let base = json!({
        "Name": "n", "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:m", "RoleArn": "arn:aws:iam::123456789012:role/r"}
    });
    for (date, ok) in [
        (json!("2026-12-02T00:00:00Z"), true),
        (json!("2026-12-02"), true),
        (json!("2026-12-02T03:04:05.123+01:00"), true),
        (json!(1764633600), true),
        (json!("tomorrow"), false),
        (json!("2026-13-02"), false),
        (json!(true), false),
    ] {
        let mut r = base.clone();
        r["StartDate"] = date.clone();
        let result = validate(Service::Scheduler, "CreateSchedule", &r);
        assert_eq!(result.is_ok(), ok, "{date}: {result:?}");
    }
}

#[test]
fn instance_types_differ_by_use() {
    let training = instance_types(InstanceUse::Training);
    let endpoint = instance_types(InstanceUse::Endpoint);
    let transform = instance_types(InstanceUse::Transform);
    for list in [training, endpoint, transform] {
        assert!(list.len() > 50);
        assert!(list.iter().any(|t| t == "ml.m5.xlarge"));
        assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted");
    }
    // ml.c5.large serves but does not train; ml.c5n.xlarge trains but does not serve.
    assert!(endpoint.iter().any(|t| t == "ml.c5.large"));
    assert!(!training.iter().any(|t| t == "ml.c5.large"));
    assert!(training.iter().any(|t| t == "ml.c5n.xlarge"));
    assert!(!endpoint.iter().any(|t| t == "ml.c5n.xlarge"));
}

/// One recorded case: the request and botocore's verdicts.
struct Case {
    name: String,
    service: Service,
    operation: String,
    request: Value,
    /// The Task's own form, when Step Functions changes it on the way to the API.
    task_parameters: Option<Value>,
    expected: BTreeSet<(String, String, String)>,
}

fn recorded_cases() -> (Value, Vec<Case>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/service-model-cases.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (written by scripts/aws-models/cases.py)"));
    let document: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let triples = |v: &Value| -> BTreeSet<(String, String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let s = |i: usize| t[i].as_str().unwrap().to_string();
                (s(0), s(1), s(2))
            })
            .collect()
    };
    let cases = document["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut expected = triples(&c["botocore"]);
            expected.extend(triples(&c["service_side"]));
            Case {
                name: c["name"].as_str().unwrap().to_string(),
                service: Service::from_botocore_name(c["service"].as_str().unwrap()).unwrap(),
                operation: c["operation"].as_str().unwrap().to_string(),
                request: c["request"].clone(),
                task_parameters: c.get("task_parameters").cloned(),
                expected,
            }
        })
        .collect();
    (document["_source"].clone(), cases)
}

#[test]
fn the_validator_agrees_with_botocore_on_every_recorded_case() {
    let (source, cases) = recorded_cases();
    assert_eq!(
        source["botocore"].as_str(),
        Some(botocore_version()),
        "the cases and the extract come from different botocore versions: regenerate both"
    );
    let mut disagreements = Vec::new();
    let mut codes = BTreeSet::new();
    let mut valid = 0;
    for case in &cases {
        let got: BTreeSet<(String, String, String)> =
            match validate(case.service, &case.operation, &case.request) {
                Ok(()) => BTreeSet::new(),
                Err(problem) => {
                    assert!(problem.model_error.is_none(), "{}: {problem}", case.name);
                    problem
                        .violations
                        .iter()
                        .map(|v| {
                            let member = match &v.kind {
                                ViolationKind::Missing { member }
                                | ViolationKind::Unknown { member, .. } => member.clone(),
                                _ => String::new(),
                            };
                            (v.path.clone(), v.kind.code().to_string(), member)
                        })
                        .collect()
                }
            };
        codes.extend(case.expected.iter().map(|(_, code, _)| code.clone()));
        valid += usize::from(case.expected.is_empty());
        if got != case.expected {
            disagreements.push(format!(
                "{}: botocore {:?}, Rust {:?}",
                case.name, case.expected, got
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // The cases exercise every constraint, and both verdicts.
    for code in [
        "missing", "unknown", "type", "length", "range", "enum", "pattern",
    ] {
        assert!(
            codes.contains(code),
            "no recorded case breaks a {code} constraint"
        );
    }
    assert!(
        valid >= 9 && cases.len() - valid >= 30,
        "{valid} valid of {}",
        cases.len()
    );
}

/// JSON strings the integration serialised, parsed back (key order and number spelling
/// are the serialiser's).
fn decoded(request: &Value) -> Value {
    let mut out = request.clone();
    for key in ["Payload", "input"] {
        if let Some(Value::String(text)) = request.get(key) {
            if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                out[key] = parsed;
            }
        }
    }
    out
}

#[test]
fn task_parameters_become_the_api_request_as_step_functions_sends_it() {
    let (_, cases) = recorded_cases();
    let converted: Vec<&Case> = cases
        .iter()
        .filter(|c| c.task_parameters.is_some())
        .collect();
    assert!(
        converted.len() >= 4,
        "too few recorded conversions: {}",
        converted.len()
    );
    for case in converted {
        let api = api_request(
            case.service,
            &case.operation,
            case.task_parameters.as_ref().unwrap(),
        );
        assert_eq!(decoded(&api), decoded(&case.request), "{}", case.name);
    }
    // Already-API-form requests are unchanged.
    for case in cases.iter().filter(|c| c.task_parameters.is_none()) {
        assert_eq!(
            api_request(case.service, &case.operation, &case.request),
            case.request,
            "{}",
            case.name
        );
    }
}

#[test]
fn task_resources_name_their_operation() {
    for (resource, service, operation) in [
        (
            "arn:aws:states:::sagemaker:createTrainingJob.sync",
            Service::SageMaker,
            "CreateTrainingJob",
        ),
        (
            "arn:aws-cn:states:::sagemaker:createModel",
            Service::SageMaker,
            "CreateModel",
        ),
        (
            "arn:aws:states:::aws-sdk:sagemaker:describeEndpoint",
            Service::SageMaker,
            "DescribeEndpoint",
        ),
        ("arn:aws:states:::lambda:invoke", Service::Lambda, "Invoke"),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            Service::StepFunctions,
            "StartExecution",
        ),
        (
            "arn:aws:states:::aws-sdk:applicationautoscaling:registerScalableTarget",
            Service::ApplicationAutoScaling,
            "RegisterScalableTarget",
        ),
    ] {
        assert_eq!(
            operation_of(resource),
            Some((service, operation.to_string())),
            "{resource}"
        );
    }
    assert_eq!(operation_of("arn:aws:states:::sqs:sendMessage"), None);
    assert_eq!(operation_of("arn:aws:lambda:us-east-1:1:function:f"), None);
    let (service, operation) =
        operation_of("arn:aws:states:::states:startExecution.sync:2").unwrap();
    let parameters = json!({"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m", "Name": "n".repeat(81), "Input": {"a": 1}});
    let refused = validate(
        service,
        &operation,
        &api_request(service, &operation, &parameters),
    )
    .unwrap_err();
    assert_eq!(refused.violations.len(), 1, "{refused}");
    assert_eq!(refused.violations[0].path, "name");
}

#[test]
fn every_pattern_matches_what_python_regex_matches() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/service-model-cases.json"
    );
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let probes: Vec<&str> = document["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let patterns = document["patterns"].as_object().unwrap();
    let in_models: BTreeSet<&str> = Service::ALL
        .iter()
        .flat_map(|s| s.model().patterns().map(|(_, p)| p))
        .collect();
    assert_eq!(
        patterns.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        in_models,
        "the probes cover another extract"
    );
    let mut disagreements = Vec::new();
    let mut matched = 0;
    for (pattern, verdicts) in patterns {
        let compiled = compile(pattern).unwrap();
        for (probe, verdict) in probes.iter().zip(verdicts.as_str().unwrap().chars()) {
            let want = verdict == '1';
            matched += usize::from(want);
            if compiled.is_match(probe) != want {
                disagreements.push(format!(
                    "{pattern:?} on {probe:?}: Python regex says {want}"
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        matched > 500,
        "the probes match too little to test anything: {matched}"
    );
}

mod never_panics {
    use super::super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// JSON built from the members of the operations' shapes, so that the walk goes deep.
    fn json() -> impl Strategy<Value = Value> {
        let keys = prop_oneof![
            Just("TrainingJobName".to_string()),
            Just("ResourceConfig".to_string()),
            Just("InstanceType".to_string()),
            Just("ProductionVariants".to_string()),
            Just("HyperParameters".to_string()),
            Just("Tags".to_string()),
            Just("Key".to_string()),
            Just("Value".to_string()),
            Just("InputDataConfig".to_string()),
            Just("DataSource".to_string()),
            Just("S3DataSource".to_string()),
            Just("Environment".to_string()),
            Just("StartDate".to_string()),
            "\\PC{0,6}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn on_any_request(request in json()) {
            for service in Service::ALL {
                for operation in service.model().operations() {
                    let result = validate(service, operation, &request);
                    if let Err(problem) = result {
                        let _ = problem.aws_message();
                        let _ = problem.to_string();
                    }
                }
            }
        }
    }
}

//! Differential tests of the local runner's States Language interpreter against an
//! independent implementation: moto's Step Functions "execute" mode (LocalStack's
//! interpreter). The same definitions and inputs run through both; the status, the
//! output, the error (and, where both are specified, the cause) and the sequence of
//! states entered must agree. Task states call a Lambda function that echoes its payload
//! (moto's Docker-free Lambda), or read from an S3 bucket that does not exist (an error
//! to retry and catch); the local side runs them through a test host that does the same.
//!
//! Where moto and the AWS specification disagree, the interpreter follows the
//! specification; each such case is listed in `KNOWN_DIFFERENCES` with the reason (the
//! test fails if one of them stops differing, so the list stays true). Two quirks of
//! moto are absorbed rather than listed: it returns a string output bare (`yes`, not
//! `"yes"`), and JSON text (`States.JsonToString`) is compared parsed, because key order
//! is the one thing the two cannot share (serde_json sorts keys; AWS keeps them).

use automl::sfn::{
    execute, Definition, ExecutionInfo, ExecutionStatus, Failure, Host, TaskCall, Timestamp,
};
use automl::stack::{self, MachineId, Settings};
use automl_testkit::Moto;
use serde_json::{json, Value};
use std::time::Duration;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

/// What one run of a machine looked like.
#[derive(Debug, Clone, PartialEq)]
struct Observed {
    status: String,
    output: Option<Value>,
    error: Option<String>,
    cause: Option<String>,
    entered: Vec<String>,
}

/// moto, with Step Functions executing machines and a Docker-free echo Lambda.
struct Emulator {
    _moto: Moto,
    rt: tokio::runtime::Runtime,
    sfn: aws_sdk_sfn::Client,
    machines: usize,
}

impl Emulator {
    fn start() -> Emulator {
        let moto = Moto::start();
        configure(
            &moto,
            &json!({"stepfunctions": {"execute_state_machine": true}, "lambda": {"use_docker": false}}),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(moto.endpoint())
                .region(aws_config::Region::new(REGION))
                .credentials_provider(aws_sdk_sfn::config::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .load(),
        );
        let sfn = aws_sdk_sfn::Client::new(&config);
        // The echo function: its role comes from CloudFormation (moto checks it exists).
        let cfn = aws_sdk_cloudformation::Client::new(&config);
        let lambda = aws_sdk_lambda::Client::new(&config);
        rt.block_on(async {
            let template = json!({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": "echo-role",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
            }}}});
            cfn.create_stack().stack_name("roles").template_body(template.to_string()).send().await.unwrap();
            // An empty zip archive: the Docker-free Lambda never runs the code.
            let mut zip = b"PK\x05\x06".to_vec();
            zip.extend([0u8; 18]);
            lambda
                .create_function()
                .function_name("echo")
                .runtime(aws_sdk_lambda::types::Runtime::Python312)
                .role(format!("arn:aws:iam::{ACCOUNT}:role/echo-role"))
                .handler("index.handler")
                .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(aws_sdk_lambda::primitives::Blob::new(zip)).build())
                .send()
                .await
                .unwrap();
        });
        Emulator {
            _moto: moto,
            rt,
            sfn,
            machines: 0,
        }
    }

    /// Creates a machine; returns its ARN.
    fn create(&mut self, definition: &Value) -> String {
        self.machines += 1;
        let name = format!("m{}", self.machines);
        self.rt.block_on(async {
            self.sfn
                .create_state_machine()
                .name(name)
                .definition(definition.to_string())
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/sfn"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("moto refused {definition}: {e:?}"))
                .state_machine_arn
        })
    }

    /// Runs one execution to its end; returns what happened and the execution ARN.
    fn run(&self, machine: &str, name: &str, input: &Value) -> (Observed, String) {
        self.rt.block_on(async {
            let arn = self
                .sfn
                .start_execution()
                .state_machine_arn(machine)
                .name(name)
                .input(input.to_string())
                .send()
                .await
                .unwrap()
                .execution_arn;
            let started = std::time::Instant::now();
            let described = loop {
                let d = self
                    .sfn
                    .describe_execution()
                    .execution_arn(&arn)
                    .send()
                    .await
                    .unwrap();
                if d.status.as_str() != "RUNNING" {
                    break d;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "moto execution {arn} did not end"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let mut entered = Vec::new();
            let mut token = None;
            loop {
                let page = self
                    .sfn
                    .get_execution_history()
                    .execution_arn(&arn)
                    .set_next_token(token)
                    .send()
                    .await
                    .unwrap();
                for event in page.events {
                    if let Some(details) = event.state_entered_event_details {
                        entered.push(details.name);
                    }
                }
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
            // A failed execution's error and cause are in its history's last event.
            let (error, cause) = if described.status.as_str() == "SUCCEEDED" {
                (None, None)
            } else {
                let history = self
                    .sfn
                    .get_execution_history()
                    .execution_arn(&arn)
                    .reverse_order(true)
                    .max_results(1)
                    .send()
                    .await
                    .unwrap();
                let last = history.events.into_iter().next();
                let details = last
                    .as_ref()
                    .and_then(|e| e.execution_failed_event_details.clone());
                (
                    details
                        .as_ref()
                        .and_then(|d| d.error.clone())
                        .or(described.error.clone()),
                    details
                        .as_ref()
                        .and_then(|d| d.cause.clone())
                        .or(described.cause.clone()),
                )
            };
            let observed = Observed {
                status: described.status.as_str().to_string(),
                // moto writes a string output bare (`yes`, not `"yes"`): read it as the string.
                output: described.output.as_deref().map(|o| {
                    serde_json::from_str(o).unwrap_or_else(|_| Value::String(o.to_string()))
                }),
                error,
                cause,
                entered,
            };
            (observed, arn)
        })
    }
}

/// POSTs moto's `/moto-api/config`, which answers 201 (testkit's `moto_api` expects 200).
fn configure(moto: &Moto, config: &Value) {
    use std::io::{Read, Write};
    let address = moto.endpoint().trim_start_matches("http://").to_string();
    let body = config.to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /moto-api/config HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 20") || response.starts_with("HTTP/1.0 20"),
        "moto config: {response}"
    );
}

/// The local side's Task host: `lambda:invoke` returns the payload (as moto's Docker-free
/// Lambda does); `aws-sdk:s3:getObject` fails as for a bucket that does not exist.
struct EchoHost;

impl Host for EchoHost {
    fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure> {
        if call.resource == "arn:aws:states:::aws-sdk:s3:getObject" {
            // Named as moto's aws-sdk integration names it (the host is not under test).
            return Err(Failure::new(
                "s3.NoSuchBucketException",
                "The specified bucket does not exist",
            ));
        }
        assert_eq!(
            call.resource, "arn:aws:states:::lambda:invoke",
            "only lambda:invoke and s3:getObject are used here"
        );
        let function = call.input["FunctionName"].as_str().unwrap_or_default();
        assert_eq!(function, "echo");
        Ok(json!({
            "ExecutedVersion": "$LATEST",
            "Payload": call.input.get("Payload").cloned().unwrap_or(Value::Null),
            "StatusCode": 200,
        }))
    }
}

fn run_local(
    definition: &Value,
    input: &Value,
    name: &str,
    machine_arn: &str,
    execution_arn: &str,
) -> Observed {
    let loaded = Definition::load("Test", definition, &|_| Ok(()))
        .unwrap_or_else(|e| panic!("local load failed: {e}"));
    let info = ExecutionInfo {
        name: name.to_string(),
        arn: execution_arn.to_string(),
        machine_arn: machine_arn.to_string(),
        machine_name: machine_arn.rsplit(':').next().unwrap().to_string(),
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/sfn"),
        start: Timestamp::now(),
        input: input.clone(),
        redrive_count: 0,
    };
    let outcome = execute(&loaded, info, 0, None, &mut EchoHost);
    let status = match outcome.status {
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
        ExecutionStatus::Running => "RUNNING",
    };
    Observed {
        status: status.to_string(),
        output: outcome.output,
        error: outcome.error,
        cause: outcome.cause,
        entered: outcome
            .history
            .iter()
            .filter(|e| e.kind.ends_with("StateEntered"))
            .map(|e| {
                e.details["stateEnteredEventDetails"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect(),
    }
}

/// Values that legitimately differ between runs: UUIDs, and JSON text whose key order is
/// an implementation detail (compared parsed).
fn normalise(value: &Value) -> Value {
    match value {
        Value::String(s) => {
            let is_uuid = s.len() == 36
                && s.chars().enumerate().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
            if is_uuid {
                return json!("<uuid>");
            }
            match serde_json::from_str::<Value>(s) {
                Ok(parsed @ (Value::Object(_) | Value::Array(_))) => {
                    json!({"<json>": normalise(&parsed)})
                }
                _ => value.clone(),
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

/// How to compare failures' causes.
#[derive(Clone, Copy, PartialEq)]
enum Cause {
    /// Exactly (Fail states: the machine itself says the cause).
    Exact,
    /// Not at all: each implementation words its runtime errors its own way.
    Ignore,
}

struct Case {
    name: &'static str,
    definition: Value,
    inputs: Vec<Value>,
    cause: Cause,
}

fn case(name: &'static str, definition: Value, inputs: Vec<Value>) -> Case {
    Case {
        name,
        definition,
        inputs,
        cause: Cause::Exact,
    }
}

/// Cases where moto departs from the AWS States Language specification (and from AWS):
/// `(case, input index, why)`. The interpreter follows the specification; the test
/// checks that these still differ (and fails once moto is fixed, so the list stays true).
const KNOWN_DIFFERENCES: &[(&str, usize, &str)] = &[
    ("runtime-errors", 3, "a ResultPath that cannot be applied is States.ResultPathMatchFailure (spec, appendix A); moto: States.Runtime"),
    ("runtime-errors", 4, "a Choice without a match and without Default is States.NoChoiceMatched (spec); moto: States.Runtime"),
    ("no-choice-matched", 0, "States.NoChoiceMatched (spec); moto: States.Runtime"),
    ("missing-variable", 0, "a Choice Variable that selects nothing fails the execution with States.Runtime (AWS: 'Invalid path ... references an invalid value'); moto silently takes Default"),
    ("timestamp-lt", 0, "timestamps may carry fractional seconds (RFC 3339, spec 'Timestamps'); moto cannot parse 2024-05-01T12:00:00.5Z"),
    ("intrinsic-failure", 0, "a failing intrinsic function is States.IntrinsicFailure (spec, appendix A); moto: States.Runtime"),
    ("format-escaped", 0, "\\{ and \\} are literal braces in States.Format (AWS intrinsic functions: reserved characters are escaped with \\); moto fails with KeyError"),
    ("format-quote", 0, "\\' is a literal quote in an intrinsic string literal; moto cuts the string at it"),
    ("array", 0, "States.Array keeps null arguments ([3, 'two', {...}, null, true]); moto drops them"),
    ("unique", 0, "States.ArrayUnique removes duplicate JSON values of any type, objects included; moto fails on objects (unhashable dict)"),
];

/// Cases whose Parallel branches moto runs on threads of their own: the order in which
/// their states are entered is its scheduler's, so the states entered are compared as a
/// multiset (the interpreter runs branches one after the other).
const CONCURRENT: &[&str] = &["parallel-branches", "parallel-fail-caught"];

/// Runs every case through both implementations; returns the report of mismatches.
fn differential(cases: Vec<Case>) {
    let mut emulator = Emulator::start();
    let mut mismatches = Vec::new();
    let mut runs = 0;
    for case in cases {
        let machine = emulator.create(&case.definition);
        for (i, input) in case.inputs.iter().enumerate() {
            let name = format!("{}-{i}", case.name);
            let (theirs, arn) = emulator.run(&machine, &name, input);
            let ours = run_local(&case.definition, input, &name, &machine, &arn);
            runs += 1;
            let mut differs = Vec::new();
            if ours.status != theirs.status {
                differs.push("status");
            }
            let sorted = |entered: &[String]| {
                let mut entered = entered.to_vec();
                entered.sort();
                entered
            };
            let entered_agree = if CONCURRENT.contains(&case.name) {
                sorted(&ours.entered) == sorted(&theirs.entered)
            } else {
                ours.entered == theirs.entered
            };
            if !entered_agree {
                differs.push("states entered");
            }
            if ours.output.as_ref().map(normalise) != theirs.output.as_ref().map(normalise) {
                differs.push("output");
            }
            if ours.error != theirs.error {
                differs.push("error");
            }
            if case.cause == Cause::Exact && ours.cause != theirs.cause {
                differs.push("cause");
            }
            let known = KNOWN_DIFFERENCES
                .iter()
                .any(|(c, n, _)| *c == case.name && *n == i);
            if !differs.is_empty() && !known {
                mismatches.push(format!(
                    "{name}: {} differ\n  input: {input}\n  moto:  {theirs:?}\n  local: {ours:?}",
                    differs.join(", ")
                ));
            } else if differs.is_empty() && known {
                mismatches.push(format!(
                    "{name}: listed in KNOWN_DIFFERENCES but both agree now: remove it"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {runs} runs differ:\n{}",
        mismatches.len(),
        mismatches.join("\n\n")
    );
}

/// A machine whose Choice state applies one rule: `Yes` when it holds, else `No`.
fn choice(rule: Value) -> Value {
    let mut branch = rule;
    branch["Next"] = json!("Yes");
    json!({
        "StartAt": "Decide",
        "States": {
            "Decide": {"Type": "Choice", "Choices": [branch], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": true},
            "No": {"Type": "Pass", "Result": "no", "End": true},
        }
    })
}

#[test]
fn pass_and_data_flow_agree() {
    differential(vec![
        case(
            "pass-result",
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"x": [1, 2]}, "ResultPath": "$.r", "End": true}}}),
            vec![json!({}), json!({"a": 1}), json!({"r": {"old": true}})],
        ),
        case(
            "pass-parameters",
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
                "InputPath": "$.in",
                "Parameters": {"v.$": "$.v", "name.$": "$$.Execution.Name", "state.$": "$$.State.Name", "id.$": "$$.Execution.Id",
                                "machine.$": "$$.StateMachine.Name", "input.$": "$$.Execution.Input", "literal": {"deep": [1, {"k.$": "$.v"}]}, "all.$": "$"},
                "ResultPath": "$.out", "OutputPath": "$.out", "End": true}}}),
            vec![
                json!({"in": {"v": "x"}}),
                json!({"in": {"v": [1, {"a": null}]}}),
            ],
        ),
        case(
            "paths",
            json!({"StartAt": "A", "States": {
                "A": {"Type": "Pass", "InputPath": "$.a", "ResultPath": "$.b.c", "Next": "B"},
                "B": {"Type": "Pass", "ResultPath": null, "Next": "C"},
                "C": {"Type": "Pass", "InputPath": null, "Result": 1, "ResultPath": "$.one", "Next": "D"},
                "D": {"Type": "Pass", "OutputPath": "$.b", "Next": "E"},
                "E": {"Type": "Pass", "Parameters": {"list.$": "$.c.items[1]", "quoted.$": "$['c']['items'][0]"}, "End": true}}}),
            vec![json!({"a": {"items": [10, 20]}})],
        ),
        case(
            "queries",
            json!({"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Parameters": {
                "names.$": "$.people[*].name", "deep.$": "$..age", "adults.$": "$.people[?(@.age >= 18)].name", "first.$": "$.people[0:1]"
            }, "End": true}}}),
            vec![json!({"people": [{"name": "a", "age": 20}, {"name": "b", "age": 10}]})],
        ),
        Case {
            name: "runtime-errors",
            definition: json!({"StartAt": "Route", "States": {
                "Route": {"Type": "Choice", "Choices": [
                    {"Variable": "$.kind", "StringEquals": "input", "Next": "BadInput"},
                    {"Variable": "$.kind", "StringEquals": "parameters", "Next": "BadParameters"},
                    {"Variable": "$.kind", "StringEquals": "output", "Next": "BadOutput"},
                    {"Variable": "$.kind", "StringEquals": "result", "Next": "BadResult"}]},
                "BadInput": {"Type": "Pass", "InputPath": "$.missing", "End": true},
                "BadParameters": {"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true},
                "BadOutput": {"Type": "Pass", "OutputPath": "$.missing", "End": true},
                "BadResult": {"Type": "Pass", "Result": 1, "ResultPath": "$.kind.sub", "End": true}}}),
            inputs: vec![
                json!({"kind": "input"}),
                json!({"kind": "parameters"}),
                json!({"kind": "output"}),
                json!({"kind": "result"}),
                json!({"kind": "none"}),
            ],
            cause: Cause::Ignore,
        },
    ]);
}

#[test]
fn choice_rules_agree() {
    let data = json!({"s": "banana", "n": 42, "f": 2.5, "b": true, "z": null, "t": "2024-05-01T12:00:00Z",
                      "other": {"s": "apple", "n": 41, "b": true, "t": "2024-05-01T12:00:01Z"}, "arr": [1]});
    let all = || vec![data.clone()];
    let mut cases = Vec::new();
    let rules: Vec<(&'static str, Value)> = vec![
        (
            "string-eq",
            json!({"Variable": "$.s", "StringEquals": "banana"}),
        ),
        (
            "string-lt",
            json!({"Variable": "$.s", "StringLessThan": "cherry"}),
        ),
        (
            "string-gt",
            json!({"Variable": "$.s", "StringGreaterThan": "banana"}),
        ),
        (
            "string-le",
            json!({"Variable": "$.s", "StringLessThanEquals": "banana"}),
        ),
        (
            "string-ge",
            json!({"Variable": "$.s", "StringGreaterThanEquals": "bananas"}),
        ),
        (
            "string-eq-path",
            json!({"Variable": "$.s", "StringEqualsPath": "$.other.s"}),
        ),
        (
            "string-gt-path",
            json!({"Variable": "$.s", "StringGreaterThanPath": "$.other.s"}),
        ),
        (
            "string-matches",
            json!({"Variable": "$.s", "StringMatches": "b*n*a"}),
        ),
        (
            "string-matches-no",
            json!({"Variable": "$.s", "StringMatches": "*x*"}),
        ),
        (
            "string-on-number",
            json!({"Variable": "$.n", "StringEquals": "42"}),
        ),
        (
            "numeric-eq",
            json!({"Variable": "$.n", "NumericEquals": 42}),
        ),
        (
            "numeric-eq-float",
            json!({"Variable": "$.n", "NumericEquals": 42.0}),
        ),
        (
            "numeric-lt",
            json!({"Variable": "$.f", "NumericLessThan": 3}),
        ),
        (
            "numeric-gt",
            json!({"Variable": "$.f", "NumericGreaterThan": 2.5}),
        ),
        (
            "numeric-le",
            json!({"Variable": "$.f", "NumericLessThanEquals": 2.5}),
        ),
        (
            "numeric-ge",
            json!({"Variable": "$.n", "NumericGreaterThanEquals": 43}),
        ),
        (
            "numeric-gt-path",
            json!({"Variable": "$.n", "NumericGreaterThanPath": "$.other.n"}),
        ),
        (
            "numeric-on-string",
            json!({"Variable": "$.s", "NumericEquals": 1}),
        ),
        (
            "boolean-eq",
            json!({"Variable": "$.b", "BooleanEquals": true}),
        ),
        (
            "boolean-eq-false",
            json!({"Variable": "$.b", "BooleanEquals": false}),
        ),
        (
            "boolean-eq-path",
            json!({"Variable": "$.b", "BooleanEqualsPath": "$.other.b"}),
        ),
        (
            "timestamp-eq",
            json!({"Variable": "$.t", "TimestampEquals": "2024-05-01T12:00:00Z"}),
        ),
        (
            "timestamp-lt",
            json!({"Variable": "$.t", "TimestampLessThan": "2024-05-01T12:00:00.5Z"}),
        ),
        (
            "timestamp-gt",
            json!({"Variable": "$.t", "TimestampGreaterThan": "2024-05-01T11:00:00Z"}),
        ),
        (
            "timestamp-lt-path",
            json!({"Variable": "$.t", "TimestampLessThanPath": "$.other.t"}),
        ),
        ("is-null", json!({"Variable": "$.z", "IsNull": true})),
        ("is-null-false", json!({"Variable": "$.s", "IsNull": true})),
        ("is-present", json!({"Variable": "$.s", "IsPresent": true})),
        (
            "is-present-missing",
            json!({"Variable": "$.nope", "IsPresent": true}),
        ),
        (
            "is-absent",
            json!({"Variable": "$.nope.deeper", "IsPresent": false}),
        ),
        ("is-numeric", json!({"Variable": "$.f", "IsNumeric": true})),
        ("is-string", json!({"Variable": "$.n", "IsString": true})),
        ("is-boolean", json!({"Variable": "$.b", "IsBoolean": true})),
        (
            "is-timestamp",
            json!({"Variable": "$.t", "IsTimestamp": true}),
        ),
        (
            "is-timestamp-no",
            json!({"Variable": "$.s", "IsTimestamp": true}),
        ),
        (
            "and",
            json!({"And": [{"Variable": "$.n", "NumericGreaterThan": 40}, {"Variable": "$.b", "BooleanEquals": true}]}),
        ),
        (
            "and-no",
            json!({"And": [{"Variable": "$.n", "NumericGreaterThan": 40}, {"Variable": "$.b", "BooleanEquals": false}]}),
        ),
        (
            "or",
            json!({"Or": [{"Variable": "$.n", "NumericLessThan": 0}, {"Variable": "$.s", "StringEquals": "banana"}]}),
        ),
        (
            "or-no",
            json!({"Or": [{"Variable": "$.n", "NumericLessThan": 0}, {"Variable": "$.s", "StringEquals": "kiwi"}]}),
        ),
        (
            "not",
            json!({"Not": {"Variable": "$.s", "StringEquals": "kiwi"}}),
        ),
        (
            "nested",
            json!({"Not": {"Or": [{"And": [{"Variable": "$.nope", "IsPresent": true}, {"Variable": "$.nope", "BooleanEquals": true}]}, {"Variable": "$.z", "IsNull": false}]}}),
        ),
        (
            "present-and-true",
            json!({"And": [{"Variable": "$.nope", "IsPresent": true}, {"Variable": "$.nope", "BooleanEquals": true}]}),
        ),
    ];
    for (name, rule) in rules {
        cases.push(case(name, choice(rule), all()));
    }
    // A variable that selects nothing fails the execution (States.Runtime).
    cases.push(Case {
        name: "missing-variable",
        definition: choice(json!({"Variable": "$.nope", "BooleanEquals": true})),
        inputs: all(),
        cause: Cause::Ignore,
    });
    cases.push(case(
        "no-default",
        json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "S"}]}, "S": {"Type": "Succeed"}}}),
        vec![json!({"n": 1})],
    ));
    cases.push(Case {
        name: "no-choice-matched",
        definition: json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "S"}]}, "S": {"Type": "Succeed"}}}),
        inputs: vec![json!({"n": 2})],
        cause: Cause::Ignore,
    });
    cases.push(case(
        "choice-io",
        json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.keep", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "S"}], "Default": "S"},
            "S": {"Type": "Succeed", "InputPath": "$.x", "OutputPath": "$.y"}}}),
        vec![json!({"inner": {"go": true, "keep": {"x": {"y": 5}}}})],
    ));
    differential(cases);
}

#[test]
fn intrinsic_functions_agree() {
    let calls: Vec<(&'static str, &'static str)> = vec![
        (
            "format",
            "States.Format('{}-{} is {} ({}) {}', $.name, $$.Execution.Name, $.n, $.b, $.f)",
        ),
        (
            "format-escaped",
            "States.Format('\\{literal\\} {}', $.name)",
        ),
        ("format-quote", "States.Format('it\\'s {}', $.name)"),
        ("json-to-string", "States.JsonToString($.obj)"),
        ("string-to-json", "States.StringToJson($.text)"),
        ("array", "States.Array($.n, 'two', $.obj, null, true)"),
        ("array-empty", "States.Array()"),
        ("partition", "States.ArrayPartition($.list, 2)"),
        ("contains", "States.ArrayContains($.list, 3)"),
        ("range", "States.ArrayRange(1, 9, 2)"),
        ("get-item", "States.ArrayGetItem($.list, 1)"),
        ("length", "States.ArrayLength($.list)"),
        ("unique", "States.ArrayUnique($.dups)"),
        ("base64", "States.Base64Encode($.name)"),
        ("base64-decode", "States.Base64Decode('aGVsbG8gd29ybGQ=')"),
        ("hash-sha256", "States.Hash($.name, 'SHA-256')"),
        ("hash-md5", "States.Hash($.name, 'MD5')"),
        ("hash-sha1", "States.Hash($.name, 'SHA-1')"),
        ("hash-sha512", "States.Hash($.name, 'SHA-512')"),
        ("merge", "States.JsonMerge($.obj, $.more, false)"),
        ("add", "States.MathAdd($.n, -2)"),
        ("split", "States.StringSplit($.csv, ',')"),
        ("split-multi", "States.StringSplit('a.b+c', '.+')"),
        ("uuid", "States.UUID()"),
        (
            "nested",
            "States.ArrayGetItem(States.StringSplit(States.Format('{}/{}', $.name, 'x'), '/'), 0)",
        ),
        (
            "random-in-range",
            "States.ArrayContains(States.ArrayRange(1, 10, 1), States.MathRandom(1, 10))",
        ),
    ];
    let input = json!({
        "name": "automl", "n": 3, "f": 1.5, "b": false,
        "obj": {"b": 1, "a": [true, null, "x"]}, "more": {"a": "replaced", "c": 3},
        "text": "{\"k\": [1, 2.5, \"v\"]}", "list": [1, 2, 3, 4, 5], "dups": [1, "1", 1, {"a": 1}, {"a": 1}], "csv": "a,b,,c"
    });
    let mut cases: Vec<Case> = calls
        .into_iter()
        .map(|(name, call)| {
            case(
                name,
                json!({"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"value.$": call}, "End": true}}}),
                vec![input.clone()],
            )
        })
        .collect();
    cases.push(Case {
        name: "intrinsic-failure",
        definition: json!({"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"x.$": "States.ArrayGetItem($.list, 9)"}, "End": true}}}),
        inputs: vec![json!({"list": [1]})],
        cause: Cause::Ignore,
    });
    differential(cases);
}

#[test]
fn wait_succeed_fail_agree() {
    differential(vec![
        case(
            "waits",
            json!({"StartAt": "W1", "States": {
                "W1": {"Type": "Wait", "Seconds": 1, "Next": "W2"},
                "W2": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "W3"},
                "W3": {"Type": "Wait", "Timestamp": "2020-01-01T00:00:00Z", "Next": "W4"},
                "W4": {"Type": "Wait", "TimestampPath": "$.when", "InputPath": "$", "OutputPath": "$.when", "Next": "Done"},
                "Done": {"Type": "Succeed"}}}),
            vec![json!({"delay": 0, "when": "2021-06-01T10:00:00Z"})],
        ),
        case(
            "fail-literal",
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ModelRejected", "Cause": "below the threshold"}}}),
            vec![json!({})],
        ),
        case(
            "fail-paths",
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c.why"}}}),
            vec![json!({"e": "EndpointCreationFailed", "c": {"why": "the server exited"}})],
        ),
        case(
            "fail-intrinsic-cause",
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "CausePath": "States.Format('job {} failed', $.job)"}}}),
            vec![json!({"job": "j-1"})],
        ),
        case(
            "succeed-io",
            json!({"StartAt": "S", "States": {"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}),
            vec![json!({"a": {"b": [1, 2]}})],
        ),
    ]);
}

#[test]
fn tasks_retry_and_catch_agree() {
    let echo = |extra: Value| {
        let mut task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "echo", "Payload": {"value.$": "$.v", "execution.$": "$$.Execution.Name"}}});
        for (k, v) in extra.as_object().unwrap() {
            task[k] = v.clone();
        }
        task
    };
    let mut selected = echo(
        json!({"ResultSelector": {"got.$": "$.Payload.value", "code.$": "$.StatusCode"}, "ResultPath": "$.result", "OutputPath": "$.result", "End": true}),
    );
    selected["InputPath"] = json!("$.in");
    differential(vec![
        case(
            "task-result-selector",
            json!({"StartAt": "T", "States": {"T": selected}}),
            vec![json!({"in": {"v": [1, "a"]}})],
        ),
        case(
            "task-discard-result",
            json!({"StartAt": "T", "States": {"T": echo(json!({"ResultSelector": {"p.$": "$.Payload"}, "ResultPath": null, "End": true}))}}),
            vec![json!({"v": 1})],
        ),
        Case {
            name: "task-retry-then-catch",
            definition: json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                      "Parameters": {"Bucket": "no-such-bucket", "Key": "k"},
                      "Retry": [{"ErrorEquals": ["s3.NoSuchBucketException"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}],
                      "Next": "Unreached"},
                "Unreached": {"Type": "Succeed"},
                "Handled": {"Type": "Pass", "Parameters": {"error.$": "$.error.Error", "kept.$": "$.keep"}, "End": true}}}),
            inputs: vec![json!({"keep": 1})],
            cause: Cause::Ignore,
        },
        Case {
            name: "task-catch-by-name",
            definition: json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                      "Parameters": {"Bucket": "no-such-bucket", "Key": "k"},
                      "Catch": [{"ErrorEquals": ["Other"], "Next": "Wrong"}, {"ErrorEquals": ["States.TaskFailed"], "Next": "Right"}],
                      "End": true},
                "Wrong": {"Type": "Fail", "Error": "Wrong", "Cause": "x"},
                "Right": {"Type": "Pass", "Parameters": {"error.$": "$.Error"}, "End": true}}}),
            inputs: vec![json!({})],
            cause: Cause::Ignore,
        },
        Case {
            name: "task-uncaught",
            definition: json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "Parameters": {"Bucket": "no-such-bucket", "Key": "k"}, "End": true}}}),
            inputs: vec![json!({})],
            cause: Cause::Ignore,
        },
    ]);
}

#[test]
fn parallel_and_map_agree() {
    let pass = |name: &str, parameters: Value| json!({"StartAt": name, "States": {name: {"Type": "Pass", "Parameters": parameters, "End": true}}});
    let echo = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "echo", "Payload.$": "$"}, "ResultSelector": {"echoed.$": "$.Payload"}, "End": true});
    differential(vec![
        case(
            "parallel-branches",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "InputPath": "$.in",
                "Parameters": {"v.$": "$.v", "name.$": "$$.Execution.Name"},
                "ResultSelector": {"first.$": "$[0]", "second.$": "$[1]"}, "ResultPath": "$.out", "End": true,
                "Branches": [pass("B0", json!({"b": 0, "v.$": "$.v"})),
                             {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Parameters": {"w.$": "States.Format('{}-{}', $.name, $.v)"}, "Next": "B1b"},
                                                        "B1b": {"Type": "Pass", "End": true}}}]}}}),
            vec![
                json!({"in": {"v": 1}}),
                json!({"in": {"v": [1, {"a": null}]}}),
            ],
        ),
        case(
            "parallel-fail-caught",
            json!({"StartAt": "P", "States": {
                "P": {"Type": "Parallel", "Next": "Unreached",
                      "Catch": [{"ErrorEquals": ["Other"], "Next": "Wrong"}, {"ErrorEquals": ["Broken"], "ResultPath": "$.caught", "Next": "Handled"}],
                      "Branches": [pass("Fine", json!({"ok": true})),
                                   {"StartAt": "Breaks", "States": {"Breaks": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}}}]},
                "Unreached": {"Type": "Succeed"},
                "Wrong": {"Type": "Fail", "Error": "Wrong", "Cause": "x"},
                "Handled": {"Type": "Pass", "End": true}}}),
            vec![json!({"keep": 1})],
        ),
        case(
            "map-item-selector",
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "tag.$": "$.tag"},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Inner", "States": {
                    "Inner": {"Type": "Pass", "Parameters": {"i.$": "$.index", "pair.$": "States.Array($.tag, $.value)"}, "End": true}}},
                "ResultPath": "$.results", "End": true}}}),
            vec![
                json!({"tag": "t", "items": [1, "two", {"three": 3}]}),
                json!({"tag": "t", "items": []}),
            ],
        ),
        case(
            "map-legacy-iterator",
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1,
                "Parameters": {"value.$": "$$.Map.Item.Value"},
                "Iterator": {"StartAt": "Choose", "States": {
                    "Choose": {"Type": "Choice", "Choices": [{"Variable": "$.value", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"},
                    "Big": {"Type": "Pass", "Result": "big", "End": true},
                    "Small": {"Type": "Pass", "Result": "small", "End": true}}},
                "End": true}}}),
            vec![json!([0, 1, 2, 3])],
        ),
        case(
            "map-fail-caught",
            json!({"StartAt": "M", "States": {
                "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "Next": "Unreached",
                      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Handled"}],
                      "ItemProcessor": {"StartAt": "Check", "States": {
                          "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 3, "Next": "Break"}], "Default": "Ok"},
                          "Ok": {"Type": "Pass", "End": true},
                          "Break": {"Type": "Fail", "Error": "SomeFailure", "Cause": "three"}}}},
                "Unreached": {"Type": "Succeed"},
                "Handled": {"Type": "Pass", "End": true}}}),
            vec![json!({"items": [1, 2]}), json!({"items": [1, 3, 5]})],
        ),
        case(
            "map-nested-with-task",
            json!({"StartAt": "Outer", "States": {"Outer": {"Type": "Map", "ItemsPath": "$.rows", "MaxConcurrency": 1, "End": true,
                "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Map", "MaxConcurrency": 1, "End": true,
                    "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": echo}}}}}}}}),
            vec![json!({"rows": [[1, 2], [], ["a"]]})],
        ),
    ]);
}

/// Our own machines with every Task replaced by a Pass state that puts a mocked result
/// (taken from the input's `Parameters.Mock.<state>`) where the Task's ResultPath says: the Choice
/// skeleton, data flow and terminal states of what `synth` renders.
fn skeleton(id: MachineId) -> Value {
    let built = stack::build(&Settings::default()).unwrap();
    let mut text = built.definition_json(id).to_string();
    for (placeholder, value) in [
        ("${AWS::Partition}", "aws"),
        ("${AWS::StackName}", "automl"),
        ("${AWS::Region}", REGION),
    ] {
        text = text.replace(placeholder, value);
    }
    let mut definition: Value = serde_json::from_str(&text).unwrap();
    let states = definition["States"].as_object_mut().unwrap();
    for (name, state) in states.iter_mut() {
        if state["Type"] == "Task" {
            let mut pass =
                json!({"Type": "Pass", "InputPath": format!("$.Parameters.Mock.{name}")});
            if let Some(rp) = state.get("ResultPath") {
                pass["ResultPath"] = rp.clone();
            }
            for key in ["Next", "End"] {
                if let Some(v) = state.get(key) {
                    pass[key] = v.clone();
                }
            }
            *state = pass;
        }
        if state["Type"] == "Wait" {
            state["Seconds"] = json!(0);
        }
    }
    // A mocked Task has no Catch: the states only its errors led to (the transient-retry
    // loop) are now unreachable, which both interpreters refuse. Drop them.
    let start = definition["StartAt"].as_str().unwrap().to_string();
    let states = definition["States"].as_object_mut().unwrap();
    loop {
        let mut targets = std::collections::BTreeSet::from([start.clone()]);
        for state in states.values() {
            for key in ["Next", "Default"] {
                if let Some(t) = state.get(key).and_then(Value::as_str) {
                    targets.insert(t.to_string());
                }
            }
            for list in ["Choices", "Catch"] {
                for rule in state
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(t) = rule.get("Next").and_then(Value::as_str) {
                        targets.insert(t.to_string());
                    }
                }
            }
        }
        let before = states.len();
        states.retain(|name, _| targets.contains(name));
        if states.len() == before {
            break;
        }
    }
    definition.as_object_mut().unwrap().remove("TimeoutSeconds");
    definition
}

#[test]
fn our_machines_choice_skeletons_agree() {
    let mock = json!({
        "TrainModel": {"ExecutionArn": "arn:x", "ModelName": "automl-r-train", "ModelPath": "s3://b/o/model.tar.gz", "TrainingJobName": "automl-r-train"},
        "EvaluateModel": {"IsValid": true, "Metric": "accuracy", "Value": 0.9, "Threshold": 0.6, "Scores": {"accuracy": 0.9}},
        "DeployModel": {"ExecutionArn": "arn:y", "Output": {"Mode": "endpoint", "EndpointName": "automl-r-deploy"}},
    });
    let rejected = {
        let mut m = mock.clone();
        m["EvaluateModel"]["IsValid"] = json!(false);
        m
    };
    let flow = |train: bool, evaluate: Option<bool>, deploy: bool, mock: &Value| {
        let mut flow = json!({"Train": train, "Deploy": deploy});
        if let Some(e) = evaluate {
            flow["Evaluate"] = json!(e);
        }
        json!({"Parameters": {"Flow": flow, "PretrainedModel": {"Name": "given"}, "Evaluation": {"Metric": "accuracy", "Threshold": 0.6}, "Mock": mock}})
    };
    let main_inputs = vec![
        flow(true, Some(true), true, &mock),
        flow(true, Some(true), true, &rejected),
        flow(true, Some(false), false, &mock),
        flow(true, None, true, &mock),
        flow(false, None, true, &mock),
        flow(false, Some(true), true, &mock),
        flow(false, Some(false), false, &mock),
    ];
    let deploy_mock = json!({
        "CreateEndpointConfig": {}, "CreateEndpoint": {},
        // In service on this execution's config (`<stack>-<execution>`: deploy-0 is the
        // endpoint case), so the update check passes.
        "DescribeEndpoint": {"EndpointStatus": "InService", "EndpointConfigName": "automl-deploy-0", "Name": "automl-deploy-0"},
        "BatchTransform": {"TransformJobName": "automl-r-deploy", "OutputPath": "s3://b/out/"},
    });
    let failed_endpoint = json!({"CreateEndpointConfig": {}, "CreateEndpoint": {}, "DescribeEndpoint": {"EndpointStatus": "Failed", "FailureReason": "no capacity"}});
    let deploy = |mode: &str, mock: &Value| json!({"Parameters": {"Deploy": {"Mode": mode, "InstanceCount": 1, "InstanceType": "ml.m5.xlarge"}, "PretrainedModel": {"Name": "m"}, "Mock": mock}});
    let train_mock = json!({"TrainModel": {"TrainingJobName": "automl-r-train", "ModelArtifacts": "s3://b/o/model.tar.gz"}, "CreateModel": {}});
    differential(vec![
        case("main", skeleton(MachineId::Main), main_inputs),
        case(
            "deploy",
            skeleton(MachineId::Deploy),
            vec![
                deploy("endpoint", &deploy_mock),
                deploy("batch", &deploy_mock),
                deploy("stream", &deploy_mock),
                deploy("endpoint", &failed_endpoint),
            ],
        ),
        case(
            "train",
            skeleton(MachineId::Train),
            vec![json!({"Parameters": {"Train": {}, "Mock": train_mock}})],
        ),
    ]);
}

/// Executions started from the console skip `automl run`'s name check: the Main machine
/// refuses, before any Task (nothing is created), a name SageMaker would refuse once it
/// names resources `<stack>-<name>-deploy` (`<stack>-<name>-deploy-r<n>` after the n-th
/// redrive, n < 100,000) — by character (`_`, `.`, non-ASCII) and by length (the stack
/// here is `automl`: at most 63 - 7 - 14 = 42 characters). Both interpreters agree.
#[test]
fn the_main_machine_refuses_names_sagemaker_would_refuse() {
    let definition = skeleton(MachineId::Main);
    let input = json!({"Parameters": {"Flow": {"Train": true, "Evaluate": false, "Deploy": false}, "Mock": {
        "TrainModel": {"ExecutionArn": "arn:x", "ModelName": "m", "ModelPath": "s3://b/m.tar.gz", "TrainingJobName": "j"},
    }}});
    let longest = "a".repeat(42);
    let cases: Vec<(String, Option<&str>)> = vec![
        ("ok-run-1".into(), None),
        (longest.clone(), None),
        ("-leading-and-trailing-".into(), None),
        ("bad_name".into(), Some("ExecutionNameHasInvalidCharacters")),
        (
            "dotted.name".into(),
            Some("ExecutionNameHasInvalidCharacters"),
        ),
        // Not here: "naïve" — moto fails its non-ASCII name with States.Runtime, the
        // interpreter with InvalidInput (the StringSplit check holds for any character).
        ("at@sign".into(), Some("ExecutionNameHasInvalidCharacters")),
        (format!("{longest}b"), Some("ExecutionNameTooLong")),
        ("a".repeat(80), Some("ExecutionNameTooLong")),
    ];
    let mut emulator = Emulator::start();
    let machine = emulator.create(&definition);
    for (name, refusal) in cases {
        let (theirs, arn) = emulator.run(&machine, &name, &input);
        let ours = run_local(&definition, &input, &name, &machine, &arn);
        assert_eq!(
            ours.status, theirs.status,
            "{name}: ours {ours:?}\nmoto {theirs:?}"
        );
        assert_eq!(ours.error, theirs.error, "{name}");
        assert_eq!(ours.entered, theirs.entered, "{name}");
        match refusal {
            None => {
                assert_eq!(ours.status, "SUCCEEDED", "{name}: {ours:?}");
                assert!(ours.entered.contains(&"TrainModel".to_string()), "{name}");
            }
            Some(fail) => {
                assert_eq!(ours.status, "FAILED", "{name}: {ours:?}");
                assert_eq!(ours.error.as_deref(), Some("InvalidInput"), "{name}");
                assert_eq!(
                    ours.entered.last().map(String::as_str),
                    Some(fail),
                    "{name}"
                );
                assert!(
                    !ours
                        .entered
                        .iter()
                        .any(|s| s == "TrainModel" || s == "DeployModel"),
                    "{name} reached a Task: {:?}",
                    ours.entered
                );
            }
        }
    }
}

/// The Main machine names each attempt's child in the Task's own Parameters, picking
/// `<name>-train` or `<name>-train-r<n>` by `$$.Execution.RedriveCount` with intrinsics
/// (no `if` in ASL). Neither moto nor this test can redrive, so the count comes from the
/// input here (`$.Count` in place of `$$.Execution.RedriveCount`), and both interpreters
/// must give the name the machine intends on the first attempt, after one redrive and
/// after the most the history allows.
#[test]
fn the_child_name_picks_the_redrive_suffix_alike_in_both_interpreters() {
    let main = stack::build(&Settings::default())
        .unwrap()
        .definition_json(MachineId::Main);
    let mut parameters = json!({});
    for state in ["TrainModel", "DeployModel"] {
        let expression = main["States"][state]["Parameters"]["Name.$"]
            .as_str()
            .unwrap()
            .replace("$$.Execution.RedriveCount", "$.Count");
        parameters[format!("{state}.$")] = json!(expression);
    }
    let definition = json!({"StartAt": "Name", "States": {
        "Name": {"Type": "Pass", "Parameters": parameters, "End": true},
    }});
    let mut emulator = Emulator::start();
    let machine = emulator.create(&definition);
    for (count, suffix) in [(0, ""), (1, "-r1"), (12_499, "-r12499")] {
        let input = json!({"Count": count});
        let name = format!("run-{count}");
        let (theirs, arn) = emulator.run(&machine, &name, &input);
        let ours = run_local(&definition, &input, &name, &machine, &arn);
        assert_eq!(ours, theirs, "count {count}");
        assert_eq!(
            ours.output,
            Some(json!({
                "TrainModel": format!("{name}-train{suffix}"),
                "DeployModel": format!("{name}-deploy{suffix}"),
            })),
            "count {count}"
        );
    }
}

/// The Train machine picks the image by instance type: GPU families get the GPU image,
/// Graviton is refused before anything is created; both interpreters agree.
#[test]
fn the_train_machine_chooses_the_image_by_device() {
    let definition = skeleton(MachineId::Train);
    let mock = json!({"TrainModel": {"TrainingJobName": "automl-r-train", "ModelArtifacts": "s3://b/o/model.tar.gz"}, "CreateModel": {}});
    let input = |train_type: &str, deploy_type: Option<&str>| {
        let mut parameters = json!({"Train": {"InitArgs": {"label": "y"}, "InstanceType": train_type}, "Mock": mock});
        if let Some(t) = deploy_type {
            parameters["Deploy"] = json!({"InstanceType": t});
        }
        json!({ "Parameters": parameters })
    };
    let cases = [
        (
            input("ml.m5.xlarge", None),
            &["TrainOnCpu", "ServeOnCpu"][..],
        ),
        (
            input("ml.g5.2xlarge", Some("ml.m5.large")),
            &["TrainOnGpu", "ServeOnCpu"][..],
        ),
        (
            input("ml.m5.xlarge", Some("ml.g4dn.xlarge")),
            &["TrainOnCpu", "ServeOnGpu"][..],
        ),
        (
            input("ml.p4d.24xlarge", Some("ml.p3.2xlarge")),
            &["TrainOnGpu", "ServeOnGpu"][..],
        ),
        (input("ml.c7g.4xlarge", None), &["GravitonNotSupported"][..]),
        (input("ml.m6gd.large", None), &["GravitonNotSupported"][..]),
    ];
    let mut emulator = Emulator::start();
    let machine = emulator.create(&definition);
    for (i, (input, expected)) in cases.iter().enumerate() {
        let name = format!("device-{i}");
        let (theirs, arn) = emulator.run(&machine, &name, input);
        let ours = run_local(&definition, input, &name, &machine, &arn);
        assert_eq!(
            ours.status, theirs.status,
            "{input}: ours {ours:?}\nmoto {theirs:?}"
        );
        assert_eq!(ours.entered, theirs.entered, "{input}");
        assert_eq!(ours.error, theirs.error, "{input}");
        for state in *expected {
            assert!(
                ours.entered.iter().any(|s| s == state),
                "{input}: {:?}",
                ours.entered
            );
        }
        if expected[0] == "GravitonNotSupported" {
            assert_eq!(ours.error.as_deref(), Some("InvalidInput"));
            assert!(
                !ours.entered.iter().any(|s| s == "TrainModel"),
                "{:?}",
                ours.entered
            );
        }
    }
}

/// A Train execution rerun by a redrive (its `FirstAttempt.TrainingJobName` is not its own
/// job name) describes the first attempt's job and, when it completed, goes straight to
/// CreateModel with that job's artifacts; any other status trains; a first attempt, or an
/// execution started without `FirstAttempt`, trains without looking. Both interpreters
/// agree on the states entered and the output.
#[test]
fn a_rerun_train_execution_reuses_a_completed_first_job_alike_in_both_interpreters() {
    let definition = skeleton(MachineId::Train);
    let first_job = "automl-first-train";
    let artifacts = "s3://b/o/automl-first-train/output/model.tar.gz";
    let input = |first_attempt: Option<&str>, status: &str| {
        // The mocked Tasks put their result where the ResultPath says, without the
        // ResultSelector: DescribeFirstAttemptJob's mock is the selected result.
        let mut description = json!({"TrainingJobName": first_job, "TrainingJobStatus": status});
        if status == "Completed" {
            description["ModelArtifacts"] = json!({"S3ModelArtifacts": artifacts});
        }
        let mock = json!({
            "DescribeFirstAttemptJob": {"TrainingJobName": first_job, "TrainingJobStatus": status, "Description": description},
            "TrainModel": {"TrainingJobName": "trained-again", "ModelArtifacts": "s3://b/o/again/model.tar.gz"},
            "CreateModel": {},
        });
        let mut input = json!({"Parameters": {"Train": {"InitArgs": {"label": "y"}, "InstanceType": "ml.m5.xlarge"}, "Mock": mock}});
        if let Some(job) = first_attempt {
            input["FirstAttempt"] = json!({ "TrainingJobName": job });
        }
        input
    };
    // (input, execution name, reused?, described?)
    let cases = [
        (input(Some(first_job), "Completed"), "rerun-0", true, true),
        (input(Some(first_job), "Failed"), "rerun-1", false, true),
        (input(Some(first_job), "Stopped"), "rerun-2", false, true),
        // The first attempt itself: its own job name is the first attempt's.
        (
            input(Some("automl-first-3"), "Completed"),
            "first-3",
            false,
            false,
        ),
        (input(None, "Completed"), "console-4", false, false),
    ];
    let mut emulator = Emulator::start();
    let machine = emulator.create(&definition);
    for (input, name, reused, described) in &cases {
        let (theirs, arn) = emulator.run(&machine, name, input);
        let ours = run_local(&definition, input, name, &machine, &arn);
        assert_eq!(ours, theirs, "{name}");
        assert_eq!(ours.status, "SUCCEEDED", "{name}: {ours:?}");
        let entered = |state: &str| ours.entered.iter().any(|s| s == state);
        assert_eq!(
            entered("DescribeFirstAttemptJob"),
            *described,
            "{name}: {:?}",
            ours.entered
        );
        assert_eq!(
            entered("ReuseFirstAttemptJob"),
            *reused,
            "{name}: {:?}",
            ours.entered
        );
        assert_eq!(
            entered("TrainModel"),
            !*reused,
            "{name}: {:?}",
            ours.entered
        );
        let output = ours.output.as_ref().unwrap();
        assert_eq!(output["ModelName"], format!("automl-{name}"), "{name}");
        if *reused {
            assert_eq!(output["TrainingJobName"], first_job, "{name}");
            assert_eq!(output["ModelPath"], artifacts, "{name}");
        } else {
            assert_eq!(output["TrainingJobName"], "trained-again", "{name}");
        }
    }
}

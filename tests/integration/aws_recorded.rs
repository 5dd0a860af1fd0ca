//! The local interpreter against executions recorded on AWS: every fixture under
//! `tests/fixtures/aws-recorded/` (LocalStack's snapshot tests, recorded against AWS;
//! `convert.py` there says how they were made) runs through the interpreter, and the
//! status, the output (as JSON), the error and the cause (as strings) must be exactly
//! what AWS recorded. Task states get the result AWS's service gave, replayed in order
//! by a host that also checks the task's input is the one AWS scheduled; the history's
//! event types must be the ones AWS recorded, in order. Both query languages run:
//! JSONPath and JSONata (147 executions; `States.QueryEvaluationError` causes in AWS's
//! words). A Distributed Map's ItemReader reads the S3 objects the test put before it
//! started the execution (the fixture's `s3`, which the same host serves). Fixtures that
//! need what the interpreter does not run (a Map's ResultWriter) must be refused at load,
//! with an error.

use automl::sfn::{
    execute, Definition, ExecutionInfo, ExecutionStatus, Failure, Host, TaskCall, Timestamp,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Replays the Task results recorded in one AWS history, in order, and serves the S3
/// objects the test put (`"bucket/key": body`).
struct ReplayHost {
    tasks: Vec<Value>,
    next: usize,
    mismatches: Vec<String>,
    objects: serde_json::Map<String, Value>,
}

impl Host for ReplayHost {
    fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure> {
        let Some(task) = self.tasks.get(self.next) else {
            self.mismatches.push(format!(
                "state {} ran a Task AWS did not schedule",
                call.state
            ));
            return Err(Failure::new("Replay.NoMoreTasks", "not in the recording"));
        };
        self.next += 1;
        if !same(&task["parameters"], call.input) {
            self.mismatches.push(format!(
                "state {}: task input {} but AWS scheduled {}",
                call.state, call.input, task["parameters"]
            ));
        }
        if let Some(output) = task.get("output") {
            return Ok(output.clone());
        }
        let error = task["error"].as_str().unwrap_or_default().to_string();
        let cause = match (task.get("cause"), task.get("cause_json")) {
            (Some(Value::String(cause)), _) => cause.clone(),
            (_, Some(json)) => json.to_string(),
            _ => String::new(),
        };
        Err(Failure::new(error, cause))
    }

    fn max_wait(&self) -> Option<Duration> {
        Some(Duration::ZERO)
    }

    fn get_object(&mut self, bucket: &str, key: &str) -> Result<String, Failure> {
        match self.objects.get(&format!("{bucket}/{key}")) {
            Some(Value::String(body)) => Ok(body.clone()),
            _ => {
                self.mismatches.push(format!(
                    "read s3://{bucket}/{key}, which the test did not put"
                ));
                Err(Failure::new("Replay.NoSuchKey", "not in the recording"))
            }
        }
    }

    /// Each object as a listObjectsV2 ItemReader gives it; the recording masked `Etag`
    /// and `LastModified` (see `same`), so any value the host gives matches there.
    fn list_objects(&mut self, bucket: &str, prefix: &str) -> Result<Vec<Value>, Failure> {
        let start = format!("{bucket}/{prefix}");
        Ok(self
            .objects
            .iter()
            .filter(|(name, _)| name.starts_with(&start))
            .map(|(name, body)| {
                let body = body.as_str().unwrap_or_default();
                json!({
                    "Etag": format!("\"{}\"", hex(&<md5::Md5 as md5::Digest>::digest(body.as_bytes()))),
                    "Key": &name[bucket.len() + 1..],
                    "LastModified": 1_700_000_000,
                    "Size": body.len(),
                    "StorageClass": "STANDARD",
                })
            })
            .collect())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws-recorded");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// What the snapshot put in place of timestamps (see convert.py): any timestamp matches.
const MASKED_TIMES: &[&str] = &[
    "date",
    "timestamp",
    "start-time",
    "entered-time",
    "<start-time>",
    "<entered-time>",
];

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// JSON equality, where the recording masked a timestamp (any RFC 3339 string matches)
/// or a random result (`RandomNumberGenerated`: any number; `generated-uuid`,
/// `<uuid:N>`: any UUID). test_map_item_reader_base_list_objects_v2 put `<Etag-KEY>`
/// and `<date>` in place of each listed object's `Etag` and `LastModified` (its own
/// normalisation, whatever AWS wrote there): any value matches those.
fn same(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), _) if e == "<date>" => !actual.is_null(),
        (Value::String(e), Value::String(_)) if e.starts_with("<Etag-") && e.ends_with('>') => true,
        (Value::String(e), Value::String(a)) if MASKED_TIMES.contains(&e.as_str()) => {
            e == a || is_timestamp(a)
        }
        (Value::String(e), Value::Number(_)) if e == "RandomNumberGenerated" => true,
        (Value::String(e), Value::String(a))
            if e == "generated-uuid" || (e.starts_with("<uuid:") && e.ends_with('>')) =>
        {
            e == a || is_uuid(a)
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len() && e.iter().all(|(k, v)| a.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(v, w)| same(v, w))
        }
        _ => expected == actual,
    }
}

/// String equality, where the recording masked a state's input in a cause
/// (`<json-input:N>`, LocalStack's stepfunctions_api transformer): any JSON text matches.
fn same_cause(expected: &str, actual: &str) -> bool {
    let Some(start) = expected.find("<json-input:") else {
        return expected == actual;
    };
    let end = start + expected[start..].find('>').unwrap() + 1;
    let (prefix, suffix) = (&expected[..start], &expected[end..]);
    actual.len() >= prefix.len() + suffix.len()
        && actual.starts_with(prefix)
        && actual.ends_with(suffix)
        && serde_json::from_str::<Value>(&actual[prefix.len()..actual.len() - suffix.len()]).is_ok()
}

fn status_name(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
        ExecutionStatus::Running => "RUNNING",
    }
}

/// An RFC 3339 UTC timestamp as the interpreter writes them (`2024-05-01T12:00:00.000Z`).
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && text.ends_with('Z')
}

/// The events of an execution with Parallel states, against a recording that cannot be
/// compared in order. AWS runs the branches at once, so their events interleave as they
/// happen; and LocalStack's `SfnNoneRecursiveParallelTransformer`, which sorts each
/// Parallel state's events to make the snapshot stable, loses some: every
/// `ParallelStateSucceeded`, and more when Parallel states nest (the ids show the gaps:
/// test_parallel_state_order's ParallelStateExited is #13, after #11). So: every event
/// AWS recorded is ours too (as many times), and ours are only of the kinds it recorded,
/// or `ParallelStateSucceeded`.
fn parallel_events_agree(recorded: &[&str], ours: &[&str]) -> bool {
    let mut left: Vec<&str> = ours.to_vec();
    for kind in recorded {
        match left.iter().position(|k| k == kind) {
            Some(i) => {
                left.remove(i);
            }
            None => return false,
        }
    }
    left.iter()
        .all(|kind| *kind == "ParallelStateSucceeded" || recorded.contains(kind))
}

/// Runs one fixture; the differences from AWS, empty when it matches.
fn check(fixture: &Value) -> Vec<String> {
    let loaded = Definition::load("Recorded", &fixture["definition"], &|_| Ok(()));
    if let Some(feature) = fixture.get("unsupported") {
        return match loaded {
            Err(_) => vec![],
            Ok(_) => vec![format!("needs {feature}, yet it loaded")],
        };
    }
    // AWS refused the definition at CreateStateMachine: the loader must refuse it too
    // (in its own words: AWS's message is about its schema).
    if fixture["expected"]["status"] == "INVALID_DEFINITION" {
        return match loaded {
            Err(_) => vec![],
            Ok(_) => vec![format!(
                "loaded, but AWS refused it: {}",
                fixture["expected"]["cause"]
            )],
        };
    }
    let definition = match loaded {
        Ok(definition) => definition,
        Err(e) => return vec![format!("refused at load: {e}")],
    };
    let context = &fixture["context"];
    let text = |key: &str, default: &str| context[key].as_str().unwrap_or(default).to_string();
    let info = ExecutionInfo {
        name: text("execution_name", "<ExecArnPart_0idx>"),
        arn: text("execution_arn", "<execution_arn>"),
        machine_arn: text("machine_arn", "<machine_arn>"),
        machine_name: text("machine_name", "<ArnPart_0idx>"),
        role_arn: text("role_arn", "snf_role_arn"),
        start: Timestamp::now(),
        input: fixture["input"].clone(),
        redrive_count: 0,
    };
    let mut host = ReplayHost {
        tasks: fixture["tasks"].as_array().cloned().unwrap_or_default(),
        next: 0,
        mismatches: vec![],
        objects: fixture["s3"].as_object().cloned().unwrap_or_default(),
    };
    let outcome = execute(&definition, info, 0, None, &mut host);
    let expected = &fixture["expected"];
    let mut differences = host.mismatches;
    if host.next != host.tasks.len() {
        differences.push(format!(
            "ran {} of the {} Tasks AWS ran",
            host.next,
            host.tasks.len()
        ));
    }
    if let Some(recorded) = fixture.get("events").and_then(Value::as_array) {
        let recorded: Vec<&str> = recorded.iter().filter_map(Value::as_str).collect();
        let ours: Vec<&str> = outcome.history.iter().map(|e| e.kind.as_str()).collect();
        let agree = if fixture["definition"].to_string().contains("\"Parallel\"") {
            parallel_events_agree(&recorded, &ours)
        } else {
            recorded == ours
        };
        if !agree {
            differences.push(format!("events {ours:?}\n    AWS    {recorded:?}"));
        }
    }
    let status = status_name(outcome.status);
    if expected["status"] != status {
        differences.push(format!("status {status}, AWS {}", expected["status"]));
    }
    let output_matches = match (expected.get("output"), outcome.output.as_ref()) {
        (Some(e), Some(a)) => same(e, a),
        (e, a) => e == a,
    };
    if !output_matches {
        differences.push(format!(
            "output {}, AWS {}",
            json!(outcome.output),
            json!(expected.get("output"))
        ));
    }
    if expected.get("error").and_then(Value::as_str) != outcome.error.as_deref() {
        differences.push(format!(
            "error {:?}, AWS {:?}",
            outcome.error,
            expected.get("error")
        ));
    }
    let cause_matches = match expected.get("cause_json") {
        Some(json) => {
            outcome
                .cause
                .as_deref()
                .and_then(|c| serde_json::from_str::<Value>(c).ok())
                .as_ref()
                == Some(json)
        }
        None => match (
            expected.get("cause").and_then(Value::as_str),
            outcome.cause.as_deref(),
        ) {
            (Some(e), Some(a)) => same_cause(e, a),
            (e, a) => e == a,
        },
    };
    if !cause_matches {
        differences.push(format!(
            "cause {:?}, AWS {:?}",
            outcome.cause,
            expected.get("cause").or(expected.get("cause_json"))
        ));
    }
    differences
}

#[test]
fn the_interpreter_does_what_aws_recorded() {
    let files = fixtures();
    assert!(files.len() > 100, "fixtures missing: {}", files.len());
    let mut failures = vec![];
    let (mut run, mut refused, mut unsupported) = (0, 0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let fixture: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if fixture.get("unsupported").is_some() {
            unsupported += 1;
        } else if fixture["expected"]["status"] == "INVALID_DEFINITION" {
            refused += 1;
        } else {
            run += 1;
        }
        let differences = check(&fixture);
        if !differences.is_empty() {
            failures.push(format!(
                "{}:\n    {}",
                file.file_name().unwrap().to_string_lossy(),
                differences.join("\n    ")
            ));
        }
    }
    eprintln!(
        "{} fixtures: {run} executions run, {refused} definitions AWS refused, {unsupported} \
         that need what the local runner refuses (a Map's ResultWriter); {} differ",
        files.len(),
        failures.len()
    );
    if let Ok(out) = std::env::var("AWS_RECORDED_REPORT") {
        std::fs::write(out, failures.join("\n")).unwrap();
    }
    // What convert.py made from LocalStack's recordings (1024 fixtures, 1016 of them
    // executions the interpreter runs, Parallel, Map and JSONata included, 26 reading
    // their items from S3): far fewer means fixtures went missing.
    assert!(
        run >= 950,
        "only {run} recorded executions ran: fixtures missing?"
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ from AWS:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

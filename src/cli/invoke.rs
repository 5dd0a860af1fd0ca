//! `automl invoke`: send rows to a deployed (or local) endpoint and print predictions.

use super::local::StateArgs;
use super::output::Output;
use super::Global;
use anyhow::{bail, Context as _};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

/// Send CSV or JSON rows to an endpoint and print its predictions, as CSV with a header
/// (`prediction` and, for classification, one probability column per class), or the
/// endpoint's JSON with `--json`.
///
/// Rows are the feature columns in training order, without the label:
/// `automl invoke --local automl-my-run-deploy --body 'Torgersen,39.1,18.7,181,3750,MALE,2007'`
/// (the penguins examples: island, bill_length_mm, bill_depth_mm, flipper_length_mm,
/// body_mass_g, sex, year). A CSV may start with a header row naming the columns, in any
/// order (a label column there is ignored): `--file examples/data/penguins/test.csv`.
/// JSON works too: `{"instances": [{"column": value, ...}]}`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The endpoint's name (`run` prints it, e.g. automl-my-run-deploy).
    endpoint: String,
    /// Call a local endpoint (started by `automl run --local`) instead of SageMaker.
    #[arg(long)]
    local: bool,
    /// The rows to send.
    #[arg(long, conflicts_with = "file")]
    body: Option<String>,
    /// A file holding the rows to send (`-`: standard input, the default).
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// The rows' media type: text/csv, application/json or application/jsonlines
    /// [default: from the file extension, else application/json when the rows start with
    /// `{` or `[`, else text/csv].
    #[arg(long)]
    content_type: Option<String>,
    /// The predictions' media type [default: text/csv for CSV rows, else application/json].
    #[arg(long)]
    accept: Option<String>,
    #[command(flatten)]
    state: StateArgs,
}

pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let body = read_body(&args)?;
    let content_type = args
        .content_type
        .clone()
        .unwrap_or_else(|| guess_content_type(&args, &body).to_string());
    // Without --accept: JSON from the endpoint, which names the classes, printed as CSV
    // with a header (or as it is with --json).
    let table = args.accept.is_none();
    let accept = args
        .accept
        .clone()
        .unwrap_or_else(|| "application/json".to_string());
    let response = if args.local {
        let store = crate::local::store::Store::new(args.state.state_dir.clone());
        crate::local::endpoints::Registry::new(&store).invoke(
            &args.endpoint,
            &content_type,
            &accept,
            &body,
        )?
    } else {
        invoke_aws(global, &args.endpoint, &content_type, &accept, body)?
    };
    let mut text = String::from_utf8_lossy(&response).into_owned();
    if table && !out.json() {
        if let Ok(predictions) = serde_json::from_slice::<serde_json::Value>(&response) {
            text = csv_table(&predictions).unwrap_or(text);
        }
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    out.stdout_raw(&text);
    Ok(ExitCode::SUCCESS)
}

/// `{"predictions": [...], "probabilities": [{class: p}, ...]}` as CSV with a header:
/// `prediction[,<class>...]`. `None` for any other shape (printed as it came).
fn csv_table(doc: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let predictions = doc.get("predictions")?.as_array()?;
    let probabilities = doc.get("probabilities").and_then(Value::as_array);
    let classes: Vec<String> = probabilities
        .and_then(|rows| rows.first())
        .and_then(Value::as_object)
        .map(|row| row.keys().cloned().collect())
        .unwrap_or_default();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let cell = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let quantiles = predictions.first().is_some_and(Value::is_array);
    let mut header = vec!["prediction".to_string()];
    if quantiles {
        let levels = predictions[0].as_array().map_or(0, Vec::len);
        header = (0..levels).map(|i| format!("prediction_{i}")).collect();
    }
    header.extend(classes.iter().cloned());
    writer.write_record(&header).ok()?;
    for (i, prediction) in predictions.iter().enumerate() {
        let mut row: Vec<String> = match prediction {
            Value::Array(values) => values.iter().map(cell).collect(),
            other => vec![cell(other)],
        };
        if let Some(probabilities) = probabilities.and_then(|rows| rows.get(i)) {
            row.extend(
                classes
                    .iter()
                    .map(|c| probabilities.get(c).map(cell).unwrap_or_default()),
            );
        }
        writer.write_record(&row).ok()?;
    }
    String::from_utf8(writer.into_inner().ok()?).ok()
}

#[cfg(feature = "aws")]
fn invoke_aws(
    global: &Global,
    endpoint: &str,
    content_type: &str,
    accept: &str,
    body: Vec<u8>,
) -> anyhow::Result<Vec<u8>> {
    crate::aws::invoke::invoke_endpoint(&global.aws(), endpoint, content_type, accept, body)
}

#[cfg(not(feature = "aws"))]
fn invoke_aws(
    _global: &Global,
    _endpoint: &str,
    _content_type: &str,
    _accept: &str,
    _body: Vec<u8>,
) -> anyhow::Result<Vec<u8>> {
    Err(super::no_aws("invoke"))
}

fn read_body(args: &Args) -> anyhow::Result<Vec<u8>> {
    let body = match (&args.body, &args.file) {
        (Some(body), _) => body.clone().into_bytes(),
        (None, Some(path)) if path.as_os_str() != "-" => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() && args.file.is_none() {
                bail!("no rows to send: give them with --body '...', --file rows.csv, or on standard input");
            }
            let mut body = Vec::new();
            stdin
                .lock()
                .read_to_end(&mut body)
                .context("cannot read standard input")?;
            body
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        bail!("no rows to send: the body is empty");
    }
    Ok(body)
}

fn guess_content_type(args: &Args, body: &[u8]) -> &'static str {
    if let Some(ext) = args
        .file
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
    {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => return "text/csv",
            "json" => return "application/json",
            "jsonl" | "jsonlines" | "ndjson" => return "application/jsonlines",
            _ => {}
        }
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => "application/json",
        _ => "text/csv",
    }
}

#[cfg(test)]
mod tests {
    use super::csv_table;
    use serde_json::json;

    #[test]
    fn predictions_become_a_table_with_a_header() {
        let doc = json!({"predictions": ["Adelie", "Gentoo"],
                         "probabilities": [{"Adelie": 0.9, "Chinstrap": 0.05, "Gentoo": 0.05},
                                           {"Adelie": 0.1, "Chinstrap": 0.0, "Gentoo": 0.9}]});
        assert_eq!(
            csv_table(&doc).unwrap(),
            "prediction,Adelie,Chinstrap,Gentoo\nAdelie,0.9,0.05,0.05\nGentoo,0.1,0.0,0.9\n"
        );
        assert_eq!(
            csv_table(&json!({"predictions": [1.5, 2]})).unwrap(),
            "prediction\n1.5\n2\n"
        );
        assert!(csv_table(&json!({"error": "x"})).is_none());
    }
}

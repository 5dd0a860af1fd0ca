//! `automl invoke`: send rows to a deployed (or local) endpoint and print predictions.

use super::local::StateArgs;
use super::output::Output;
use super::Global;
use anyhow::{bail, Context as _};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

/// Send CSV or JSON rows to an endpoint and print its predictions.
///
/// Rows are the feature columns in training order, without a header and without the
/// label: `automl invoke --local automl-my-run-deploy --body '39.1,18.7,181,3750,MALE'`.
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
    let accept = args.accept.clone().unwrap_or_else(|| {
        if content_type.starts_with("text/csv") {
            "text/csv".to_string()
        } else {
            "application/json".to_string()
        }
    });
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
    if !text.ends_with('\n') {
        text.push('\n');
    }
    out.stdout_raw(&text);
    Ok(ExitCode::SUCCESS)
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

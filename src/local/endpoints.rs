//! Local endpoints: each one a detached `tabular_serve.py serve` process that outlives
//! the run that created it, recorded in the state directory (name, pid, port, model).
//! Its status is read from the process itself, never assumed: `Creating` until it prints
//! `listening on http://HOST:PORT` and answers `GET /ping`, `InService` after, `Failed`
//! (with the server's own error) when the process has ended. `automl local endpoints`
//! lists them, `automl local stop` ends them (SageMaker's DeleteEndpoint),
//! `automl invoke --local` calls them.

use super::process;
use super::store::{write_json, ResourceKind, Store};
use crate::sfn::time::Timestamp;
use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// What the state directory remembers of an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct EndpointRecord {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) config_name: String,
    pub(crate) model_name: String,
    pub(crate) model_data_url: String,
    pub(crate) instance_type: String,
    pub(crate) instance_count: u64,
    pub(crate) pid: u32,
    /// Creation time, RFC 3339 and epoch milliseconds.
    pub(crate) created: String,
    pub(crate) created_millis: i64,
    pub(crate) dir: PathBuf,
    pub(crate) log: PathBuf,
}

/// What an endpoint is doing now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status")]
pub(crate) enum EndpointStatus {
    Creating,
    InService { url: String },
    Failed { reason: String },
}

impl EndpointStatus {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            EndpointStatus::Creating => "Creating",
            EndpointStatus::InService { .. } => "InService",
            EndpointStatus::Failed { .. } => "Failed",
        }
    }
}

/// How long a server may take to load its model before the endpoint counts as failed.
const STARTUP_LIMIT: Duration = Duration::from_secs(600);

pub(crate) struct Registry<'a> {
    store: &'a Store,
}

impl<'a> Registry<'a> {
    pub(crate) fn new(store: &'a Store) -> Registry<'a> {
        Registry { store }
    }

    pub(crate) fn get(&self, name: &str) -> Option<EndpointRecord> {
        serde_json::from_value(self.store.record(ResourceKind::Endpoint, name)?).ok()
    }

    pub(crate) fn all(&self) -> Vec<EndpointRecord> {
        self.store
            .names(ResourceKind::Endpoint)
            .iter()
            .filter_map(|name| self.get(name))
            .collect()
    }

    pub(crate) fn save(&self, record: &EndpointRecord) -> anyhow::Result<()> {
        write_json(
            &self
                .store
                .resource_dir(ResourceKind::Endpoint, &record.name)
                .join("record.json"),
            &serde_json::to_value(record).expect("records serialise"),
        )
    }

    /// The marker that identifies this endpoint's server in its command line.
    pub(crate) fn marker(record: &EndpointRecord) -> String {
        record.dir.join("model").display().to_string()
    }

    /// The endpoint's real status, from its process, its log and `GET /ping`.
    pub(crate) fn status(&self, record: &EndpointRecord) -> EndpointStatus {
        let alive = process::alive(record.pid, &Registry::marker(record));
        let listening = std::fs::read_to_string(&record.log).ok().and_then(|log| {
            log.lines().find_map(|line| {
                line.trim()
                    .strip_prefix("listening on ")
                    .map(str::to_string)
            })
        });
        if !alive {
            let reason = process::last_error(&record.log)
                .map(|e| format!("the model server exited: {e}"))
                .unwrap_or_else(|| {
                    "the model server is not running (stopped, or its machine restarted)"
                        .to_string()
                });
            return EndpointStatus::Failed {
                reason: format!("{reason} (log: {})", record.log.display()),
            };
        }
        if let Some(url) = listening {
            if ping(&url) {
                return EndpointStatus::InService { url };
            }
        }
        let age = Timestamp::now().epoch_millis() - record.created_millis;
        if age > STARTUP_LIMIT.as_millis() as i64 {
            process::stop(
                record.pid,
                &Registry::marker(record),
                Duration::from_secs(5),
            );
            return EndpointStatus::Failed {
                reason: format!(
                    "the model server did not answer /ping within {} s (log: {})",
                    STARTUP_LIMIT.as_secs(),
                    record.log.display()
                ),
            };
        }
        EndpointStatus::Creating
    }

    /// Stops the server and forgets the endpoint (SageMaker's DeleteEndpoint). Returns
    /// whether a running server was stopped.
    pub(crate) fn delete(&self, name: &str) -> anyhow::Result<bool> {
        let Some(record) = self.get(name) else {
            bail!("no local endpoint named `{name}` (`automl local endpoints` lists them)");
        };
        let stopped = process::stop(
            record.pid,
            &Registry::marker(&record),
            Duration::from_secs(10),
        );
        let dir = self.store.resource_dir(ResourceKind::Endpoint, name);
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
        Ok(stopped)
    }

    /// Sends one request to an InService endpoint: the response body, or the server's
    /// error message.
    pub(crate) fn invoke(
        &self,
        name: &str,
        content_type: &str,
        accept: &str,
        body: &[u8],
    ) -> anyhow::Result<Vec<u8>> {
        let Some(record) = self.get(name) else {
            let known = self.store.names(ResourceKind::Endpoint);
            bail!(
                "no local endpoint named `{name}` in {} ({}); run a flow with Deploy.Mode \"endpoint\" first",
                self.store.dir.display(),
                if known.is_empty() { "there are none".to_string() } else { format!("there are: {}", known.join(", ")) }
            );
        };
        let url = match self.status(&record) {
            EndpointStatus::InService { url } => url,
            EndpointStatus::Creating => bail!("endpoint `{name}` is still Creating: its server is loading the model; try again in a few seconds"),
            EndpointStatus::Failed { reason } => bail!("endpoint `{name}` is Failed: {reason}"),
        };
        let response = ureq::post(&format!("{url}/invocations"))
            .timeout(Duration::from_secs(300))
            .set("Content-Type", content_type)
            .set("Accept", accept)
            .send_bytes(body);
        match response {
            Ok(response) => read_body(response),
            Err(ureq::Error::Status(code, response)) => {
                let text =
                    String::from_utf8_lossy(&read_body(response).unwrap_or_default()).to_string();
                let message = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                    .unwrap_or(text);
                bail!("endpoint `{name}` refused the request (HTTP {code}): {message}")
            }
            Err(e) => bail!("cannot reach endpoint `{name}` at {url}: {e}"),
        }
    }
}

fn read_body(response: ureq::Response) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body)?;
    Ok(body)
}

fn ping(url: &str) -> bool {
    ureq::get(&format!("{url}/ping"))
        .timeout(Duration::from_secs(2))
        .call()
        .is_ok_and(|r| r.status() == 200)
}

//! Local endpoints: each one a detached `tabular_serve.py serve` process that outlives
//! the run that created it, recorded in the state directory (name, pid, port, model).
//! Its status is read from the process itself, never assumed: `Creating` until it prints
//! `listening on http://HOST:PORT` and answers `GET /ping`, `InService` after, `Failed`
//! (with the server's own error) when the process has ended. `automl local endpoints`
//! lists them, `automl local stop` ends them (SageMaker's DeleteEndpoint),
//! `automl invoke --local` calls them.
//!
//! An update in place (UpdateEndpoint) starts the new config's server beside the old one
//! (the record's `pending`); the endpoint is `Updating` until the new server answers
//! `/ping`, then the record is rewritten to point at it (an atomic rename: a caller reads
//! either the old server or the new one, never half a record) and the old server is
//! stopped after the requests it holds are answered. A new server that fails leaves the
//! old one serving (a rollback, with the reason in `failure_reason`). An endpoint with a
//! time to live (`expires_millis`) is deleted when it is next looked at after its expiry;
//! its servers stop by themselves then (they watch the endpoint's `expires-at` file).

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
    /// The server of an update in progress, not yet serving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pending: Option<Box<EndpointRecord>>,
    /// Why the last update was rolled back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) failure_reason: Option<String>,
    /// When the endpoint's time to live ends (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires_millis: Option<i64>,
    /// Application Auto Scaling's target and policy for the variant, as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_scaling: Option<serde_json::Value>,
}

/// How long a caller that read the old record may still be on its way to the old server
/// when the record is switched: the old server keeps accepting for this long.
const HANDOVER_GRACE: Duration = Duration::from_millis(1500);

/// The file every server of an endpoint watches for its expiry (epoch seconds).
pub(crate) const EXPIRY_FILE: &str = "expires-at";

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

    /// The record of endpoint `name`; `None` also for a name SageMaker would refuse
    /// (checked before it becomes a path: `../x` never reaches the file system), and for
    /// an endpoint whose time to live has ended (it is deleted then, as the schedule
    /// deletes it on AWS).
    pub(crate) fn get(&self, name: &str) -> Option<EndpointRecord> {
        let record = self.stored(name)?;
        if let Some(expiry) = record.expires_millis {
            if Timestamp::now().epoch_millis() >= expiry {
                let _ = self.delete(name);
                let _ = std::fs::write(
                    self.expired_marker(name),
                    Timestamp::from_millis(expiry).to_rfc3339(),
                );
                return None;
            }
        }
        Some(record)
    }

    /// The record as stored, expired or not.
    fn stored(&self, name: &str) -> Option<EndpointRecord> {
        crate::input::check_sagemaker_name(name).ok()?;
        serde_json::from_value(self.store.record(ResourceKind::Endpoint, name)?).ok()
    }

    /// Where the time an expired endpoint was deleted at is kept, for `invoke` to say so.
    fn expired_marker(&self, name: &str) -> PathBuf {
        self.store
            .dir
            .join("sagemaker")
            .join(ResourceKind::Endpoint.dir_name())
            .join(format!(".{name}.expired"))
    }

    /// When endpoint `name` expired, if it was deleted at the end of its time to live.
    pub(crate) fn expired_at(&self, name: &str) -> Option<String> {
        crate::input::check_sagemaker_name(name).ok()?;
        std::fs::read_to_string(self.expired_marker(name)).ok()
    }

    /// Gives the endpoint a time to live: its record and the file its servers watch.
    pub(crate) fn set_expiry(
        &self,
        record: &mut EndpointRecord,
        expiry: Timestamp,
    ) -> anyhow::Result<()> {
        record.expires_millis = Some(expiry.epoch_millis());
        let file = self
            .store
            .resource_dir(ResourceKind::Endpoint, &record.name)
            .join(EXPIRY_FILE);
        std::fs::write(
            &file,
            format!("{}\n", expiry.epoch_millis() as f64 / 1000.0),
        )
        .with_context(|| format!("cannot write {}", file.display()))?;
        self.save(record)
    }

    /// Moves an update forward: when the pending server answers, the record switches to
    /// it and the old server is stopped; when it failed, the old one keeps serving.
    /// Returns the record as it is now.
    pub(crate) fn advance(&self, mut record: EndpointRecord) -> anyhow::Result<EndpointRecord> {
        let Some(pending) = record.pending.clone() else {
            return Ok(record);
        };
        match self.status(&pending) {
            EndpointStatus::Creating => Ok(record),
            EndpointStatus::InService { .. } => {
                let old = record.clone();
                let mut next = *pending;
                next.pending = None;
                next.failure_reason = None;
                next.created = old.created.clone();
                next.created_millis = old.created_millis;
                next.expires_millis = old.expires_millis;
                next.auto_scaling = old.auto_scaling.clone();
                self.save(&next)?;
                // Callers that read the old record just before the switch reach the old
                // server within the grace; SIGTERM then lets it answer what it holds
                // (tabular_serve.py joins its request threads before exiting).
                std::thread::sleep(HANDOVER_GRACE);
                process::stop(old.pid, &Registry::marker(&old), Duration::from_secs(30));
                Ok(next)
            }
            EndpointStatus::Failed { reason } => {
                record.pending = None;
                record.failure_reason = Some(format!("the new endpoint config's server failed; the endpoint was rolled back to its previous config: {reason}"));
                self.save(&record)?;
                Ok(record)
            }
        }
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
        check_name(name)?;
        let Some(record) = self.stored(name) else {
            bail!("no local endpoint named `{name}` (`automl local endpoints` lists them)");
        };
        let stopped = process::stop(
            record.pid,
            &Registry::marker(&record),
            Duration::from_secs(10),
        );
        if let Some(pending) = &record.pending {
            process::stop(
                pending.pid,
                &Registry::marker(pending),
                Duration::from_secs(10),
            );
        }
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
        check_name(name)?;
        let Some(record) = self.get(name) else {
            if let Some(at) = self.expired_at(name) {
                bail!("endpoint `{name}` expired at {at}: its TimeToLive ended and it was deleted; run the flow again to serve the model");
            }
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
        let send = |url: &str| {
            ureq::post(&format!("{url}/invocations"))
                .timeout(Duration::from_secs(300))
                .set("Content-Type", content_type)
                .set("Accept", accept)
                .send_bytes(body)
        };
        let mut response = send(&url);
        // The endpoint may have switched servers between reading the record and
        // connecting (an update in place): ask the server the record names now.
        if let Err(ureq::Error::Transport(_)) = &response {
            if let Some(now) = self.get(name).filter(|now| now.pid != record.pid) {
                if let EndpointStatus::InService { url } = self.status(&now) {
                    response = send(&url);
                }
            }
        }
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

/// Refuses an endpoint name SageMaker would refuse, before it names a directory.
fn check_name(name: &str) -> anyhow::Result<()> {
    crate::input::check_sagemaker_name(name).map_err(|why| {
        anyhow::anyhow!(
            "`{}` is not an endpoint name: {why} (SageMaker names match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}$)",
            name.escape_debug()
        )
    })
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

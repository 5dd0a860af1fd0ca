//! The options of a served endpoint in Parameters.Deploy: its stable name (update in
//! place), the blue/green update, autoscaling, the serverless configuration and the time
//! to live. Every limit is the service's own, from botocore's models (sagemaker,
//! application-autoscaling, scheduler `service-2.json`, extracted in `src/awsmodel/`).

use super::{Checker, AUTO_SCALING, SERVERLESS, UPDATE};
use crate::input::model::{AutoScaling, DeployMode, EndpointUpdate, Serverless, UpdateStrategy};
use crate::input::names;
use crate::input::problem::{child, describe, quote};
use crate::input::suggest;
use serde_json::{Map, Value};

/// botocore sagemaker `ServerlessMemorySizeInMB`: min 1024, max 6144; the SageMaker
/// developer guide ("Serverless endpoint configuration") allows 1024, 2048, 3072, 4096,
/// 5120 or 6144 MB, so steps of 1024.
const SERVERLESS_MEMORY_MB: (u64, u64, u64) = (1024, 6144, 1024);
/// botocore sagemaker `ServerlessMaxConcurrency`: min 1, max 200.
const SERVERLESS_MAX_CONCURRENCY: (u64, u64) = (1, 200);
/// botocore sagemaker `WaitIntervalInSeconds`: min 0, max 3600.
const WAIT_SECONDS: (u64, u64) = (0, 3600);
/// botocore sagemaker `AlarmList`: min 1, max 10 members; `AlarmName`: 1..255 characters,
/// pattern `(?!\s*$).+` (not blank).
const MAX_ALARMS: usize = 10;
const MAX_ALARM_NAME: usize = 255;
/// The wait the SageMaker console proposes for a blue/green update (botocore has no default).
pub(crate) const DEFAULT_WAIT_SECONDS: u32 = 300;
/// A TimeToLive of more than a year is almost certainly a unit mistake (hours, not minutes).
const MAX_TIME_TO_LIVE_HOURS: f64 = 24.0 * 366.0;

/// What the endpoint options came to.
pub(super) struct EndpointOptions {
    pub(super) endpoint_name: Option<String>,
    pub(super) update: Option<EndpointUpdate>,
    pub(super) auto_scaling: Option<AutoScaling>,
    pub(super) serverless: Option<Serverless>,
    pub(super) time_to_live: Option<f64>,
    pub(super) expires_at: Option<String>,
}

impl Checker {
    /// Reads the endpoint options of `Parameters.Deploy` (`map`) for `mode`; `None` when
    /// one is invalid (reported).
    pub(super) fn endpoint_options(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        mode: Option<DeployMode>,
    ) -> Option<EndpointOptions> {
        let served = matches!(mode, Some(DeployMode::Endpoint | DeployMode::Serverless));
        let mut ok = true;
        if mode == Some(DeployMode::Batch) {
            for key in [
                "EndpointName",
                "Update",
                "AutoScaling",
                "Serverless",
                "TimeToLive",
                "ExpiresAt",
            ] {
                if map.contains_key(key) {
                    self.note(
                        child(path, key),
                        "ignored: Parameters.Deploy.Mode is \"batch\"; only endpoints read it",
                    );
                }
            }
            return Some(EndpointOptions::none());
        }
        let endpoint_name = match map.get("EndpointName") {
            None => None,
            Some(value) => {
                let p = child(path, "EndpointName");
                let name = self.checked_string(value, p, "a SageMaker endpoint name", |name| {
                    names::check_sagemaker_name(name).map_err(|why| {
                        format!("{why} (SageMaker endpoint names match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}$)")
                    })
                });
                ok &= name.is_some();
                name
            }
        };
        let update = match map.get("Update") {
            None => None,
            Some(value) => {
                if endpoint_name.is_none() && served {
                    self.note(
                        child(path, "Update"),
                        "only used when Parameters.Deploy.EndpointName names an existing endpoint: without a name \
                         every execution creates a new endpoint",
                    );
                }
                let update = self.update(value, &child(path, "Update"));
                ok &= update.is_some();
                update
            }
        };
        let auto_scaling = match map.get("AutoScaling") {
            None => None,
            Some(_) if mode == Some(DeployMode::Serverless) => {
                self.error(
                    child(path, "AutoScaling"),
                    "a serverless endpoint scales by itself up to Serverless.MaxConcurrency: remove AutoScaling, \
                     or use Mode \"endpoint\"",
                );
                ok = false;
                None
            }
            Some(value) => {
                let scaling = self.auto_scaling(value, &child(path, "AutoScaling"));
                ok &= scaling.is_some();
                scaling
            }
        };
        let serverless = match (map.get("Serverless"), mode) {
            (Some(value), Some(DeployMode::Serverless)) => {
                let serverless = self.serverless(value, &child(path, "Serverless"));
                ok &= serverless.is_some();
                serverless
            }
            (None, Some(DeployMode::Serverless)) => {
                self.error(
                    child(path, "Serverless"),
                    "required when Parameters.Deploy.Mode is \"serverless\": give \
                     {\"MemorySizeInMB\": 2048, \"MaxConcurrency\": 5}",
                );
                ok = false;
                None
            }
            (Some(_), _) => {
                self.note(
                    child(path, "Serverless"),
                    "ignored: Parameters.Deploy.Mode is not \"serverless\"",
                );
                None
            }
            (None, _) => None,
        };
        let time_to_live = match map.get("TimeToLive") {
            None => None,
            Some(value) => {
                let hours = self.time_to_live(value, &child(path, "TimeToLive"));
                ok &= hours.is_some();
                hours
            }
        };
        let expires_at = match map.get("ExpiresAt") {
            None => None,
            Some(value) => {
                let p = child(path, "ExpiresAt");
                let at = self.checked_string(
                    value,
                    p,
                    "a UTC time such as \"2030-01-31T18:00:00\"",
                    |text| parse_expiry(text).map(|_| ()),
                );
                ok &= at.is_some();
                at
            }
        };
        // A named endpoint may exist already: it is then updated, all at once by default.
        let update = match (&endpoint_name, update) {
            (Some(_), None) if served => Some(EndpointUpdate::new(
                UpdateStrategy::AllAtOnce,
                None,
                DEFAULT_WAIT_SECONDS,
                Vec::new(),
            )),
            (_, update) => update,
        };
        ok.then_some(EndpointOptions {
            endpoint_name,
            update,
            auto_scaling,
            serverless,
            time_to_live,
            expires_at,
        })
    }

    fn update(&mut self, value: &Value, path: &str) -> Option<EndpointUpdate> {
        let map = self.object(
            value,
            path,
            r#"{"Strategy": "canary", "CanaryPercent": 10, "WaitSeconds": 300, "RollbackAlarms": ["my-alarm"]}"#,
        )?;
        self.unknown_keys(map, path, UPDATE);
        let mut ok = true;
        let strategy = match map.get("Strategy") {
            None => UpdateStrategy::AllAtOnce,
            Some(value) => {
                let p = child(path, "Strategy");
                match self.string(value, &p, "\"all-at-once\" or \"canary\"") {
                    Some(name) => {
                        match UpdateStrategy::ALL.into_iter().find(|s| s.name() == name) {
                            Some(strategy) => strategy,
                            None => {
                                let hint = suggest::did_you_mean(
                                    name,
                                    UpdateStrategy::ALL.map(UpdateStrategy::name),
                                );
                                self.error(
                                p,
                                format!(
                                    "{} is not an update strategy{hint}: use \"all-at-once\" (all traffic moves to the \
                                     new fleet at once) or \"canary\" (CanaryPercent first, the rest after WaitSeconds)",
                                    quote(name)
                                ),
                            );
                                ok = false;
                                UpdateStrategy::AllAtOnce
                            }
                        }
                    }
                    None => {
                        ok = false;
                        UpdateStrategy::AllAtOnce
                    }
                }
            }
        };
        let canary_percent = match (map.get("CanaryPercent"), strategy) {
            (Some(value), UpdateStrategy::Canary) => {
                // botocore sagemaker `CapacitySizeValue`: min 1; a percentage of at most 100.
                let percent = self.integer_in(
                    value,
                    &child(path, "CanaryPercent"),
                    (1, 100),
                    "a percentage of the fleet, e.g. 10",
                );
                ok &= percent.is_some();
                percent
            }
            (None, UpdateStrategy::Canary) => {
                self.error(
                    child(path, "CanaryPercent"),
                    "required when Strategy is \"canary\": give the share of the fleet that takes traffic first, e.g. 10",
                );
                ok = false;
                None
            }
            (Some(_), UpdateStrategy::AllAtOnce) => {
                self.note(
                    child(path, "CanaryPercent"),
                    "ignored: Strategy is \"all-at-once\"",
                );
                None
            }
            (None, UpdateStrategy::AllAtOnce) => None,
        };
        let wait_seconds = match map.get("WaitSeconds") {
            None => Some(DEFAULT_WAIT_SECONDS),
            Some(value) => self.integer_in(
                value,
                &child(path, "WaitSeconds"),
                WAIT_SECONDS,
                "seconds, e.g. 300",
            ),
        };
        ok &= wait_seconds.is_some();
        let rollback_alarms = match map.get("RollbackAlarms") {
            None => Vec::new(),
            Some(value) => match self.alarms(value, &child(path, "RollbackAlarms")) {
                Some(alarms) => alarms,
                None => {
                    ok = false;
                    Vec::new()
                }
            },
        };
        ok.then(|| {
            EndpointUpdate::new(
                strategy,
                canary_percent,
                wait_seconds.unwrap_or(DEFAULT_WAIT_SECONDS),
                rollback_alarms,
            )
        })
    }

    fn alarms(&mut self, value: &Value, path: &str) -> Option<Vec<String>> {
        let Value::Array(items) = value else {
            self.error(
                path,
                format!(
                    "must be a list of CloudWatch alarm names such as [\"my-alarm\"], not {}",
                    describe(value)
                ),
            );
            return None;
        };
        if items.is_empty() || items.len() > MAX_ALARMS {
            self.error(
                path,
                format!(
                    "SageMaker takes 1 to {MAX_ALARMS} rollback alarms, not {}: list the alarms, or remove RollbackAlarms",
                    items.len()
                ),
            );
            return None;
        }
        let mut names = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let name = self.checked_string(item, p, "a CloudWatch alarm name", |name| {
                if name.trim().is_empty() {
                    Err("is blank: give the name of a CloudWatch alarm".to_string())
                } else if name.chars().count() > MAX_ALARM_NAME {
                    Err(format!(
                        "is longer than SageMaker's {MAX_ALARM_NAME} characters for an alarm name"
                    ))
                } else {
                    Ok(())
                }
            });
            names.push(name?);
        }
        Some(names)
    }

    fn auto_scaling(&mut self, value: &Value, path: &str) -> Option<AutoScaling> {
        let map = self.object(
            value,
            path,
            r#"{"MinInstances": 1, "MaxInstances": 4, "TargetInvocationsPerInstance": 100}"#,
        )?;
        self.unknown_keys(map, path, AUTO_SCALING);
        let need = Some("required in Parameters.Deploy.AutoScaling");
        // Application Auto Scaling: a SageMaker variant's MinCapacity is at least 1
        // (scaling to zero is for inference components only); botocore
        // `ResourceCapacity` is an integer.
        let min = self
            .field(
                map,
                path,
                "MinInstances",
                need,
                "the fewest instances, e.g. 1",
            )
            .and_then(|(p, v)| {
                self.integer_in(
                    v,
                    &p,
                    (1, u64::from(i32::MAX as u32)),
                    "the fewest instances, e.g. 1",
                )
            });
        let max = self
            .field(
                map,
                path,
                "MaxInstances",
                need,
                "the most instances, e.g. 4",
            )
            .and_then(|(p, v)| {
                self.integer_in(
                    v,
                    &p,
                    (1, u64::from(i32::MAX as u32)),
                    "the most instances, e.g. 4",
                )
            });
        let target = self
            .field(
                map,
                path,
                "TargetInvocationsPerInstance",
                need,
                "invocations per instance per minute, e.g. 100",
            )
            .and_then(|(p, v)| match v.as_f64() {
                Some(t) if t > 0.0 && t.is_finite() => Some(t),
                _ => {
                    self.error(
                        p,
                        format!(
                            "must be a positive number of invocations per instance per minute (the \
                             SageMakerVariantInvocationsPerInstance metric), e.g. 100, not {}",
                            describe(v)
                        ),
                    );
                    None
                }
            });
        let (min, max, target) = (min?, max?, target?);
        if max < min {
            self.error(
                child(path, "MaxInstances"),
                format!("{max} is fewer than MinInstances ({min}): MaxInstances must be at least MinInstances"),
            );
            return None;
        }
        Some(AutoScaling {
            min_instances: min,
            max_instances: max,
            target_invocations_per_instance: target,
        })
    }

    fn serverless(&mut self, value: &Value, path: &str) -> Option<Serverless> {
        let map = self.object(
            value,
            path,
            r#"{"MemorySizeInMB": 2048, "MaxConcurrency": 5}"#,
        )?;
        self.unknown_keys(map, path, SERVERLESS);
        let need = Some("required in Parameters.Deploy.Serverless");
        let (low, high, step) = SERVERLESS_MEMORY_MB;
        let memory = self
            .field(map, path, "MemorySizeInMB", need, "1024, 2048, 3072, 4096, 5120 or 6144")
            .and_then(|(p, v)| {
                let mb = self.integer_in(v, &p, (low, high), "1024, 2048, 3072, 4096, 5120 or 6144")?;
                if u64::from(mb) % step != 0 {
                    self.error(
                        p,
                        format!("{mb} MB is not a serverless memory size: SageMaker takes 1024, 2048, 3072, 4096, 5120 or 6144"),
                    );
                    return None;
                }
                Some(mb)
            });
        let concurrency = self
            .field(
                map,
                path,
                "MaxConcurrency",
                need,
                "the most concurrent invocations, 1 to 200",
            )
            .and_then(|(p, v)| {
                self.integer_in(
                    v,
                    &p,
                    SERVERLESS_MAX_CONCURRENCY,
                    "the most concurrent invocations, 1 to 200",
                )
            });
        Some(Serverless {
            memory_size_in_mb: memory?,
            max_concurrency: concurrency?,
        })
    }

    fn time_to_live(&mut self, value: &Value, path: &str) -> Option<f64> {
        match value.as_f64() {
            Some(hours) if hours > 0.0 && hours <= MAX_TIME_TO_LIVE_HOURS => Some(hours),
            Some(hours) => {
                self.error(
                    path,
                    format!(
                        "{hours} hours is not a time to live: give more than 0 and at most {MAX_TIME_TO_LIVE_HOURS} hours \
                         (fractions are fine: 0.5 is 30 minutes)"
                    ),
                );
                None
            }
            None => {
                self.error(
                    path,
                    format!(
                        "must be a number of hours such as 24, not {}",
                        describe(value)
                    ),
                );
                None
            }
        }
    }

    /// A whole number within `range` (inclusive).
    fn integer_in(
        &mut self,
        value: &Value,
        path: &str,
        range: (u64, u64),
        what: &str,
    ) -> Option<u32> {
        let (low, high) = range;
        let whole = value.as_u64().or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        });
        match whole {
            Some(n) if (low..=high).contains(&n) => Some(n as u32),
            Some(n) => {
                self.error(path, format!("{n} is outside {low}..{high}: give {what}"));
                None
            }
            None => {
                self.error(
                    path,
                    format!("must be a whole number, {what}, not {}", describe(value)),
                );
                None
            }
        }
    }
}

impl EndpointOptions {
    fn none() -> EndpointOptions {
        EndpointOptions {
            endpoint_name: None,
            update: None,
            auto_scaling: None,
            serverless: None,
            time_to_live: None,
            expires_at: None,
        }
    }
}

/// EventBridge Scheduler's one-time schedule time, `yyyy-mm-ddThh:mm:ss` in UTC (the
/// `at()` expression of the Scheduler user guide, "Schedule types"), as a timestamp.
pub(crate) fn parse_expiry(text: &str) -> Result<crate::sfn::Timestamp, String> {
    let well_formed = text.len() == 19
        && text.as_bytes()[10] == b'T'
        && !text.ends_with('Z')
        && !text.contains('.');
    well_formed
        .then(|| crate::sfn::Timestamp::parse(&format!("{text}Z")))
        .flatten()
        .ok_or_else(|| {
            format!(
                "{} is not a UTC time of the form yyyy-mm-ddThh:mm:ss",
                quote(text)
            )
        })
}

/// The expiry `hours` after `start`, as `at()` takes it.
pub(crate) fn expiry_after(start: crate::sfn::Timestamp, hours: f64) -> String {
    let millis = start.epoch_millis() + (hours * 3_600_000.0).round() as i64;
    // Scheduler runs at whole seconds: round up so the endpoint lives at least its TTL.
    let seconds = millis.div_euclid(1000) + i64::from(millis.rem_euclid(1000) != 0);
    let at = crate::sfn::Timestamp(i128::from(seconds) * 1_000_000_000).to_rfc3339();
    at[..19].to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn deploy(deploy: Value) -> Result<Value, Vec<String>> {
        let raw = json!({"Parameters": {
            "Flow": {"Train": false, "Deploy": true},
            "PretrainedModel": {"Name": "automl-m"},
            "Deploy": deploy,
        }});
        crate::input::validate(&raw)
            .map(|n| n.value()["Parameters"]["Deploy"].clone())
            .map_err(|problems| problems.iter().map(ToString::to_string).collect())
    }

    fn problems(value: Value) -> String {
        deploy(value).unwrap_err().join("\n")
    }

    #[test]
    fn a_named_endpoint_gets_a_blue_green_deployment_config() {
        let out = deploy(json!({"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large",
            "EndpointName": "automl-live",
            "Update": {"Strategy": "canary", "CanaryPercent": 10, "WaitSeconds": 60, "RollbackAlarms": ["errors"]}}))
        .unwrap();
        assert_eq!(
            out["Update"]["DeploymentConfig"],
            json!({
                "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
                    "Type": "CANARY", "WaitIntervalInSeconds": 60,
                    "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10}}},
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
            })
        );
        // The DeploymentConfig is valid for SageMaker's UpdateEndpoint as botocore models it.
        let request = json!({"EndpointName": "automl-live", "EndpointConfigName": "automl-x",
                             "DeploymentConfig": out["Update"]["DeploymentConfig"]});
        crate::awsmodel::validate(
            crate::awsmodel::Service::SageMaker,
            "UpdateEndpoint",
            &request,
        )
        .unwrap();
        // Without Update: all at once, the default wait.
        let out = deploy(
            json!({"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large",
            "EndpointName": "automl-live"}),
        )
        .unwrap();
        assert_eq!(
            out["Update"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]
                ["TrafficRoutingConfiguration"]["Type"],
            "ALL_AT_ONCE"
        );
        // A normalised input validates again to itself.
        assert_eq!(deploy(out.clone()).unwrap(), out);
    }

    #[test]
    fn limits_are_the_services() {
        let base = |extra: Value| {
            let mut d = json!({"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large", "EndpointName": "automl-e"});
            d.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            d
        };
        let p = problems(base(json!({"Update": {"Strategy": "canary"}})));
        assert!(
            p.contains("Parameters.Deploy.Update.CanaryPercent: required"),
            "{p}"
        );
        let p = problems(base(json!({"Update": {"Strategy": "linear"}})));
        assert!(p.contains("not an update strategy"), "{p}");
        let p = problems(base(json!({"Update": {"WaitSeconds": 3601}})));
        assert!(p.contains("3601 is outside 0..3600"), "{p}");
        let alarms: Vec<String> = (0..11).map(|i| format!("a{i}")).collect();
        let p = problems(base(json!({"Update": {"RollbackAlarms": alarms}})));
        assert!(p.contains("1 to 10 rollback alarms, not 11"), "{p}");
        let p = problems(base(
            json!({"AutoScaling": {"MinInstances": 3, "MaxInstances": 2, "TargetInvocationsPerInstance": 10}}),
        ));
        assert!(
            p.contains("MaxInstances: 2 is fewer than MinInstances (3)"),
            "{p}"
        );
        let p = problems(base(
            json!({"AutoScaling": {"MinInstances": 0, "MaxInstances": 2, "TargetInvocationsPerInstance": 10}}),
        ));
        assert!(p.contains("MinInstances: 0 is outside 1.."), "{p}");
        let p = problems(base(json!({"TimeToLive": 0})));
        assert!(
            p.contains("TimeToLive: 0 hours is not a time to live"),
            "{p}"
        );
        let p = problems(base(json!({"EndpointName": "bad_name"})));
        assert!(p.contains("Parameters.Deploy.EndpointName"), "{p}");
        let serverless = |s: Value| json!({"Mode": "serverless", "Serverless": s});
        assert!(problems(serverless(
            json!({"MemorySizeInMB": 1500, "MaxConcurrency": 5})
        ))
        .contains("1500 MB is not a serverless memory size"));
        assert!(problems(serverless(
            json!({"MemorySizeInMB": 7168, "MaxConcurrency": 5})
        ))
        .contains("7168 is outside 1024..6144"));
        assert!(problems(serverless(
            json!({"MemorySizeInMB": 2048, "MaxConcurrency": 201})
        ))
        .contains("201 is outside 1..200"));
        assert!(problems(json!({"Mode": "serverless"}))
            .contains("Parameters.Deploy.Serverless: required"));
        let p = problems(
            json!({"Mode": "serverless", "Serverless": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
                                "AutoScaling": {"MinInstances": 1, "MaxInstances": 2, "TargetInvocationsPerInstance": 1}}),
        );
        assert!(p.contains("scales by itself"), "{p}");
        // Serverless needs no instances.
        let out = deploy(json!({"Mode": "serverless", "Serverless": {"MemorySizeInMB": 6144, "MaxConcurrency": 200}})).unwrap();
        assert!(out.get("InstanceType").is_none());
    }

    #[test]
    fn the_expiry_is_the_start_plus_the_time_to_live_in_whole_seconds() {
        let start = crate::sfn::Timestamp::parse("2026-12-31T23:59:59.500Z").unwrap();
        // 23:59:59.5 + 3.6 s = 00:00:03.1, rounded up to the next whole second.
        assert_eq!(super::expiry_after(start, 0.001), "2027-01-01T00:00:04");
        assert_eq!(super::expiry_after(start, 24.0), "2027-01-02T00:00:00");
        assert!(super::parse_expiry("2027-01-01T00:00:03").is_ok());
        assert!(super::parse_expiry("2027-01-01T00:00:03Z").is_err());
        assert!(super::parse_expiry("tomorrow").is_err());
    }
}

//! Parameters.Registry: register the model this execution trains and evaluates as a
//! version of the stack's model package group `<stack>-<ModelName>`, approved when it
//! passes the evaluation gate (`"Approval": "auto"`, the default) or left for a person
//! (`"manual"`).

use super::{Checker, Flags, REGISTRY};
use crate::input::model::{Approval, Registry};
use crate::input::names;
use crate::input::problem::quote;
use crate::input::suggest;
use serde_json::Value;

const EXAMPLE: &str = r#"{"ModelName": "penguins", "Approval": "auto"}"#;

impl Checker {
    pub(super) fn registry_section(
        &mut self,
        value: Option<&Value>,
        flags: Flags,
    ) -> Option<Registry> {
        let path = "Parameters.Registry";
        let value = value?;
        let used = flags.train == Some(true);
        if flags.train == Some(false) {
            self.note(
                path,
                "ignored: Parameters.Flow.Train is false; only a model this execution trains is registered \
                 (deploy a registered version with Parameters.PretrainedModel.ModelPackage)",
            );
        } else if used && flags.evaluate == Some(false) {
            self.error(
                path,
                "needs Parameters.Flow.Evaluate true: a registered version carries its evaluation score, \
                 and passing Parameters.Evaluation.Threshold is what approves it",
            );
        }
        let map = self.object(value, path, EXAMPLE)?;
        self.unknown_keys(map, path, REGISTRY);
        let model_name = self
            .field(
                map,
                path,
                "ModelName",
                Some("required in Parameters.Registry"),
                "the model's name in the registry, e.g. \"penguins\"",
            )
            .and_then(|(p, v)| {
                self.checked_string(
                    v,
                    p,
                    "a model name such as \"penguins\"",
                    names::check_registry_model_name,
                )
            });
        let approval = match map.get("Approval") {
            None => Some(Approval::Auto),
            Some(v) => {
                let p = format!("{path}.Approval");
                self.approval(v, &p)
            }
        };
        if used && approval == Some(Approval::Manual) && flags.deploy == Some(true) {
            self.error(
                format!("{path}.Approval"),
                "\"manual\" with Parameters.Flow.Deploy true would deploy the model before anyone approved it: \
                 set Flow.Deploy to false, approve the version (`automl models approve <model>/<version>`), then \
                 deploy it with Parameters.PretrainedModel.ModelPackage; or use \"auto\"",
            );
        }
        Some(Registry {
            model_name: model_name?,
            approval: approval?,
        })
    }

    fn approval(&mut self, value: &Value, path: &str) -> Option<Approval> {
        let name = self.string(value, path, "\"auto\" or \"manual\"")?;
        if let Some(approval) = Approval::ALL.into_iter().find(|a| a.name() == name) {
            return Some(approval);
        }
        let hint = suggest::did_you_mean(name, Approval::ALL.map(Approval::name));
        self.error(
            path,
            format!(
                "{} is not an approval{hint}: use \"auto\" (a version that passes the evaluation gate is \
                 Approved) or \"manual\" (it waits as PendingManualApproval for `automl models approve`)",
                quote(name)
            ),
        );
        None
    }
}

//! Names and identifiers an input carries or an execution gets: execution names (Step
//! Functions' rules, and SageMaker's, since the machines name SageMaker resources after
//! the execution), SageMaker model names and instance types.

use super::problem::{quote, Problem};
use super::suggest::closest;
use crate::awsmodel;
pub(crate) use crate::awsmodel::InstanceUse;

/// The longest suffix the machines append to an execution's name when naming what it
/// creates: the Main machine starts `<name>-train` and `<name>-deploy` (`-r<n>` after the
/// n-th redrive), which name SageMaker resources `<stack>-<child>` (training job, model;
/// endpoint, endpoint config, transform job). One definition, the machine's.
fn longest_suffix() -> String {
    crate::stack::machines::main::longest_child_suffix()
}

/// SageMaker's limit on the names of training jobs, models, endpoints and transform jobs.
pub(crate) const SAGEMAKER_NAME_MAX: usize = 63;

pub(crate) use crate::sfn::names::EXECUTION_NAME_MAX;
use crate::sfn::names::{forbidden_char, EXECUTION_NAME_FORBIDDEN};

/// The longest execution name that stack `stack_name` can run: `<stack>-<name>` and the
/// longest suffix (`-deploy-r99999`) must fit SageMaker's 63 characters. 0 when the stack
/// name leaves no room.
pub(crate) fn max_execution_name_len(stack_name: &str) -> usize {
    SAGEMAKER_NAME_MAX
        .saturating_sub(stack_name.chars().count() + 1 + longest_suffix().len())
        .min(EXECUTION_NAME_MAX)
}

/// Checks an execution name (`automl run --name`): Step Functions' rules for execution
/// names, and, because the machines name SageMaker resources `<stack>-<name>-train` and
/// `<stack>-<name>-deploy` (`-r<n>` after a redrive), SageMaker's rules for those names.
pub(crate) fn check_execution_name(name: &str, stack_name: &str) -> Result<(), Problem> {
    let problem = |message: String| Err(Problem::new("--name", message));
    let length = name.chars().count();
    if length == 0 {
        return problem(
            "the execution name is empty: give 1 to 80 characters such as my-run-1".into(),
        );
    }
    if length > EXECUTION_NAME_MAX {
        return problem(format!(
            "the execution name has {length} characters; Step Functions allows at most {EXECUTION_NAME_MAX}"
        ));
    }
    if let Some(c) = forbidden_char(name) {
        return problem(format!(
            "{} contains {c:?}, which Step Functions does not allow in execution names \
             (no whitespace, control characters or any of {EXECUTION_NAME_FORBIDDEN}); \
             use letters, digits and '-'",
            quote(name)
        ));
    }
    let resource = format!("{stack_name}-{name}{}", longest_suffix());
    if let Err(why) = check_sagemaker_name(&resource) {
        let max = max_execution_name_len(stack_name);
        let fix = if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
        {
            if max == 0 {
                format!("the stack name {stack_name:?} leaves no room for an execution name; use a shorter stack name")
            } else {
                format!("with stack {stack_name:?}, use at most {max} characters")
            }
        } else {
            "use only letters, digits and '-', starting and ending with a letter or digit"
                .to_string()
        };
        return problem(format!(
            "the machines would name SageMaker resources after it, up to {} (a redriven run's endpoint), which SageMaker refuses: {why}; {fix}",
            quote(&resource)
        ));
    }
    Ok(())
}

/// SageMaker's rule for model, job and endpoint names: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`.
/// Returns why a name breaks it.
pub(crate) fn check_sagemaker_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if length == 0 {
        return Err("the name is empty".to_string());
    }
    if length > SAGEMAKER_NAME_MAX {
        return Err(format!(
            "it has {length} characters and SageMaker allows at most {SAGEMAKER_NAME_MAX}"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "{c:?} is not allowed: SageMaker names use only letters, digits and '-'"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("SageMaker names start and end with a letter or digit".to_string());
    }
    Ok(())
}

/// Checks `PretrainedModel.Name`: an existing SageMaker model's name (not its ARN).
pub(crate) fn check_model_name(name: &str) -> Result<(), String> {
    if let Some(arn_name) = name
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":model/"))
    {
        return Err(format!(
            "give the SageMaker model's name, not its ARN: {}",
            quote(arn_name.1)
        ));
    }
    check_sagemaker_name(name).map_err(|why| {
        format!(
            "{} is not a SageMaker model name: {why} (the name is shown by `aws sagemaker list-models`)",
            quote(name)
        )
    })
}

/// The longest `Registry.ModelName`: the group is `<stack>-<ModelName>`, a SageMaker
/// name (botocore sagemaker `CreateModelPackageGroupInput.ModelPackageGroupName`:
/// `EntityName`, at most 63), and stack names have at most 19 characters
/// (`stack::check_stack_name`).
pub(crate) const REGISTRY_MODEL_NAME_MAX: usize = SAGEMAKER_NAME_MAX - 19 - 1;

/// Checks `Registry.ModelName` (and the model part of `PretrainedModel.ModelPackage`):
/// lowercase, because SageMaker lowercases names in ARNs and IAM matches the group's ARN
/// by the stack's (lowercase) prefix.
pub(crate) fn check_registry_model_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if length > REGISTRY_MODEL_NAME_MAX {
        return Err(format!(
            "{} has {length} characters; use at most {REGISTRY_MODEL_NAME_MAX}: the model package group is \
             <stack>-<ModelName>, which SageMaker allows up to {SAGEMAKER_NAME_MAX} characters",
            quote(name)
        ));
    }
    let valid = !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{} is not a registry model name: use lowercase letters, digits and '-', starting and ending \
             with a letter or digit, e.g. \"penguins\" (the group is named <stack>-<ModelName>)",
            quote(name)
        ))
    }
}

/// A model package version's ARN (botocore sagemaker `VersionedArnOrName`, the versioned
/// form): `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`.
const MODEL_PACKAGE_ARN: &str = r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]+:[0-9]{12}:model-package/[a-z0-9](-*[a-z0-9]){0,62}/[0-9]{1,9}$";

/// Checks `PretrainedModel.ModelPackage`: `<model>/<version>` (a group of this stack,
/// `<stack>-<model>`) or a version's ARN.
pub(crate) fn check_model_package(reference: &str) -> Result<(), String> {
    const FORM: &str = "give <model>/<version> as `automl models` lists it, e.g. \"penguins/3\", \
                        or the version's ARN (arn:aws:sagemaker:<region>:<account>:model-package/<stack>-<model>/<version>)";
    if reference.starts_with("arn:") {
        let pattern = regex::Regex::new(MODEL_PACKAGE_ARN).expect("the pattern compiles");
        return if pattern.is_match(reference) {
            Ok(())
        } else {
            Err(format!(
                "{} is not the ARN of a model package version: {FORM}",
                quote(reference)
            ))
        };
    }
    let Some((model, version)) = reference.split_once('/') else {
        return Err(format!("{} has no version: {FORM}", quote(reference)));
    };
    check_registry_model_name(model)?;
    let numbered = !version.is_empty()
        && version.len() <= 9
        && version.chars().all(|c| c.is_ascii_digit())
        && !version.starts_with('0');
    if numbered {
        Ok(())
    } else {
        Err(format!(
            "{} is not a version number (1, 2, ...): {FORM}",
            quote(version)
        ))
    }
}

/// Checks an instance type against those SageMaker accepts for `use_`: the enum in AWS's
/// model of the API (botocore's sagemaker service-2.json `TrainingInstanceType`,
/// `ProductionVariantInstanceType`, `TransformInstanceType`, extracted in src/awsmodel/).
/// Training, endpoints and batch transform accept different lists. A near miss gets a
/// suggestion; a type offered only for another use says so.
pub(crate) fn check_instance_type(value: &str, use_: InstanceUse) -> Result<(), String> {
    let known = awsmodel::instance_types(use_);
    if known.iter().any(|t| t == value) {
        return Ok(());
    }
    let quoted = quote(value);
    let purpose = instance_purpose(use_);
    let fixed = value.trim().to_ascii_lowercase();
    let guess = [fixed.clone(), format!("ml.{fixed}")]
        .into_iter()
        .find(|c| known.contains(c))
        .or_else(|| closest(&fixed, known.iter().map(String::as_str)).map(str::to_string));
    let did_you_mean = guess.map_or_else(String::new, |g| format!(" (did you mean {g:?}?)"));
    let offered = format!(
        "SageMaker offers {} types for {purpose}, e.g. \"ml.m5.xlarge\" ({} in botocore {})",
        known.len(),
        use_.shape_name(),
        awsmodel::botocore_version()
    );
    let elsewhere: Vec<&str> = [
        InstanceUse::Training,
        InstanceUse::Endpoint,
        InstanceUse::Transform,
    ]
    .into_iter()
    .filter(|other| *other != use_ && awsmodel::instance_types(*other).iter().any(|t| t == value))
    .map(instance_purpose)
    .collect();
    if !elsewhere.is_empty() {
        return Err(format!(
            "{quoted} is a SageMaker instance type for {}, not for {purpose}{did_you_mean}: {offered}",
            elsewhere.join(" and ")
        ));
    }
    let parts: Vec<&str> = value.split('.').collect();
    let shape = if parts.len() == 3 && parts[0] == "ml" && parts.iter().all(|p| !p.is_empty()) {
        ""
    } else {
        "; they read ml.<family>.<size>, in lowercase"
    };
    Err(format!(
        "{quoted} is not a SageMaker instance type{did_you_mean}: {offered}{shape}"
    ))
}

fn instance_purpose(use_: InstanceUse) -> &'static str {
    match use_ {
        InstanceUse::Training => "training",
        InstanceUse::Endpoint => "endpoints",
        InstanceUse::Transform => "batch transform",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_names() {
        assert!(check_execution_name("run-1", "automl").is_ok());
        assert!(check_execution_name("a", "automl").is_ok());
        let max = max_execution_name_len("automl");
        assert_eq!(max, 63 - "automl--deploy-r99999".len());
        assert!(check_execution_name(&"a".repeat(max), "automl").is_ok());
        let err = check_execution_name(&"a".repeat(max + 1), "automl").unwrap_err();
        assert_eq!(err.path, "--name");
        assert!(
            err.message.contains(&format!("at most {max} characters")),
            "{err}"
        );
        for bad in [
            "",
            "has space",
            "a/b",
            "a:b",
            "tab\t",
            "x{y}",
            &"a".repeat(81),
        ] {
            assert!(check_execution_name(bad, "automl").is_err(), "{bad:?}");
        }
        // Step Functions allows these, SageMaker does not.
        for bad in ["under_score", "dot.ted", "é"] {
            let err = check_execution_name(bad, "automl").unwrap_err();
            assert!(err.message.contains("SageMaker"), "{err}");
        }
        // SageMaker allows runs of '-' inside a name: automl--lead-deploy is fine.
        assert!(check_execution_name("-lead", "automl").is_ok());
        let err = check_execution_name("x", &"s".repeat(60)).unwrap_err();
        assert!(err.message.contains("shorter stack name"), "{err}");
    }

    #[test]
    fn model_names() {
        assert!(check_model_name("32551d1b-a907-4bc3-aa2a-9f98be0d07c1").is_ok());
        assert!(check_model_name("automl-run-1-train").is_ok());
        let err = check_model_name("arn:aws:sagemaker:eu-west-1:123456789012:model/my-model")
            .unwrap_err();
        assert!(err.contains("\"my-model\""), "{err}");
        for bad in ["", "a_b", "-a", &"m".repeat(64)] {
            assert!(check_model_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn instance_types() {
        use InstanceUse::{Endpoint, Training, Transform};
        for (good, use_) in [
            ("ml.m5.2xlarge", Training),
            ("ml.g4dn.xlarge", Training),
            ("ml.m5.large", Endpoint),
            ("ml.t2.medium", Endpoint),
            ("ml.m5.xlarge", Transform),
        ] {
            assert!(check_instance_type(good, use_).is_ok(), "{good}");
        }
        let err = check_instance_type("m5.2xlarge", Training).unwrap_err();
        assert!(err.contains("did you mean \"ml.m5.2xlarge\""), "{err}");
        assert!(err.contains("TrainingInstanceType in botocore"), "{err}");
        let err = check_instance_type("ML.M5.XLARGE", Endpoint).unwrap_err();
        assert!(err.contains("did you mean \"ml.m5.xlarge\""), "{err}");
        let err = check_instance_type("ml.m5.xlarge2", Transform).unwrap_err();
        assert!(err.contains("did you mean \"ml.m5.xlarge\""), "{err}");
        // Offered for one use and not another, per AWS's model.
        let err = check_instance_type("ml.c5.large", Training).unwrap_err();
        assert!(
            err.starts_with("\"ml.c5.large\" is a SageMaker instance type for endpoints"),
            "{err}"
        );
        let err = check_instance_type("ml.c5n.xlarge", Endpoint).unwrap_err();
        assert!(err.contains("for training, not for endpoints"), "{err}");
        for bad in [
            "",
            "ml.",
            "ml.m5",
            "ml..xlarge",
            "ml.m5.xlarge.x",
            "db.m5.large",
            "ml.m5.mega",
        ] {
            assert!(check_instance_type(bad, Training).is_err(), "{bad:?}");
        }
        assert!(check_instance_type("ml.m5", Endpoint)
            .unwrap_err()
            .contains("ml.<family>.<size>"));
    }
}

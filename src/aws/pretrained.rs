//! Before a run that deploys a pretrained model (Flow.Train false, Flow.Deploy true): the
//! model named by `Parameters.PretrainedModel.Name` must exist in the stack's region. A
//! wrong name would otherwise surface minutes later, inside the Deploy machine, as
//! "Could not find model"; here it fails in seconds, before StartExecution, and names the
//! models that do exist.

use super::config::Aws;
use super::error::{code, message, Explain};
use crate::report::Progress;
use aws_sdk_sagemaker::primitives::DateTime;
use aws_sdk_sagemaker::types::{ModelSortKey, OrderKey};

/// How many existing models the error names.
const SHOWN: usize = 5;

/// Why the run may not start.
#[derive(Debug, thiserror::Error)]
#[error(
    "Parameters.PretrainedModel.Name: there is no SageMaker model named `{name}` in {region}, so \
     nothing was started. {existing} Give the name of an existing model (`aws sagemaker list-models`), \
     or train one in the same run (Parameters.Flow.Train: true)."
)]
pub(crate) struct NoSuchModel {
    name: String,
    region: String,
    existing: String,
}

/// Fails when the flow deploys a pretrained model that does not exist. Not being able to
/// look (no sagemaker:DescribeModel for the caller, throttling, ...) is not a reason to
/// refuse the run: that only warns, and the Deploy machine reports what it finds.
pub(crate) async fn require_model(
    aws: &Aws,
    normalized: &crate::input::Normalized,
    progress: &mut dyn Progress,
) -> anyhow::Result<()> {
    let flow = normalized.flow();
    let Some(name) = normalized.pretrained_model() else {
        return Ok(());
    };
    if flow.train || !flow.deploy {
        return Ok(());
    }
    let described = aws
        .sagemaker()
        .describe_model()
        .model_name(name)
        .send()
        .await;
    let error = match described {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    // SageMaker answers a missing model with ValidationException "Could not find model
    // ..." (DescribeModel has no ResourceNotFound error: botocore's sagemaker model lists
    // no errors for it); moto answers the same.
    let missing = code(&error) == Some("ValidationException")
        && message(&error).is_some_and(|m| m.contains("Could not find model"));
    if !missing {
        let why = super::error::translate(&error, "sagemaker:DescribeModel");
        progress.line(&format!(
            "warning: cannot check that the pretrained model `{name}` exists ({why}); starting anyway"
        ));
        return Ok(());
    }
    Err(NoSuchModel {
        name: name.to_string(),
        region: aws.region.clone(),
        existing: existing_models(aws).await,
    }
    .into())
}

/// "Models there, newest first: a, b, c (and more)." or why they cannot be listed.
async fn existing_models(aws: &Aws) -> String {
    // One page, asked newest first: on AWS that page holds the newest models. Sorted again
    // here because an emulator may ignore SortBy.
    let listed = aws
        .sagemaker()
        .list_models()
        .sort_by(ModelSortKey::CreationTime)
        .sort_order(OrderKey::Descending)
        .max_results(20)
        .send()
        .await
        .explain("sagemaker:ListModels");
    let page = match listed {
        Ok(page) => page,
        Err(error) => return format!("The models there could not be listed ({error})."),
    };
    let more = page.next_token.is_some();
    let mut models: Vec<(DateTime, String)> = page
        .models
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| Some((m.creation_time?, m.model_name?)))
        .collect();
    if models.is_empty() {
        return "There are no models there yet.".to_string();
    }
    models.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let more = more || models.len() > SHOWN;
    let names: Vec<String> = models
        .into_iter()
        .take(SHOWN)
        .map(|(_, name)| format!("`{name}`"))
        .collect();
    format!(
        "Models there, newest first: {}{}.",
        names.join(", "),
        if more { " (and more)" } else { "" }
    )
}

//! `automl deploy`: upload assets and create or update the stack through a change set.

use super::output::Output;
use super::settings::SettingsArgs;
use super::Global;
use std::path::PathBuf;
use std::process::ExitCode;

/// Upload the assets (to a bucket created on first use: no bootstrap step), then create or
/// update the stack through a change set: show what will change, follow it as it happens,
/// print the outputs. A deploy with nothing to change says so and succeeds.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// CloudFormation service role to deploy with (trust_policy.json and
    /// permissions_policy.json describe it). Default: your own credentials.
    #[arg(long, value_name = "ARN", value_parser = parse_role_arn)]
    role_arn: Option<String>,
    /// The evaluation Lambda's zip (from `bash lambdas/evaluate/build.sh`). Default: the
    /// one already uploaded, else built with that script when run inside the repository.
    #[arg(long, value_name = "PATH")]
    lambda_zip: Option<PathBuf>,
    /// Also write the stack's outputs to this file, as a JSON object.
    #[arg(long, value_name = "PATH")]
    outputs_file: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
}

fn parse_role_arn(arn: &str) -> Result<String, String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len();
    if ok {
        Ok(arn.to_string())
    } else {
        Err("expected an IAM role ARN, like arn:aws:iam::123456789012:role/automl-deploy".into())
    }
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let request = crate::aws::deploy::DeployRequest {
        settings: args.settings.into_settings(),
        role_arn: args.role_arn,
        lambda_zip: args.lambda_zip,
        outputs_file: args.outputs_file,
    };
    let report = crate::aws::deploy::deploy(&global.aws(), &request, out)?;
    out.finish();
    out.result(&report);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(_args: Args, _global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("deploy"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn role_arns_are_checked() {
        assert!(super::parse_role_arn("arn:aws:iam::123456789012:role/automl-deploy").is_ok());
        assert!(super::parse_role_arn("arn:aws:iam::123456789012:role/path/x").is_ok());
        assert!(super::parse_role_arn("automl-deploy").is_err());
        assert!(super::parse_role_arn("arn:aws:iam::123456789012:user/x").is_err());
    }
}

//! The one place SDK errors become sentences. Every call site says which AWS action it
//! made (`cloudformation:CreateChangeSet`), and [`Explain::explain`] turns a failure into
//! an [`AwsError`] whose message names that action and says what to do — never the
//! `{:?}` dump of an SDK error.

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::config::http::HttpResponse;
use std::error::Error as StdError;
use std::fmt::Write as _;

/// An AWS failure, in words.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AwsError {
    #[error(
        "no AWS credentials found: this command calls AWS and needs an identity. Configure one: \
         set AWS_PROFILE (or pass --profile) for a profile in ~/.aws/config, run `aws configure` \
         (access keys) or `aws configure sso` then `aws sso login` (IAM Identity Center), or set \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN). \
         `automl run --local` needs no credentials"
    )]
    NoCredentials,
    #[error("could not load AWS credentials{profile}: {detail}")]
    CredentialsUnusable { profile: String, detail: String },
    #[error(
        "no AWS region configured: pass --region, set AWS_REGION, or set `region` in your \
         AWS profile (~/.aws/config)"
    )]
    NoRegion,
    #[error("`{0}` is not an AWS region name (they look like eu-west-1 or us-east-2)")]
    BadRegion(String),
    #[error("AWS rejected your credentials when calling {action}: {message} — check AWS_PROFILE / AWS_ACCESS_KEY_ID, or refresh them (`aws sso login`)")]
    BadCredentials { action: String, message: String },
    #[error("your AWS credentials have expired (calling {action}): refresh them, e.g. with `aws sso login`, and try again")]
    ExpiredCredentials { action: String },
    #[error(
        "access denied: your AWS identity may not call {action}{}",
        detail(message)
    )]
    AccessDenied { action: String, message: String },
    #[error("AWS throttled {action} even after retries: wait a minute and try again")]
    Throttled { action: String },
    #[error("could not reach AWS for {action} ({endpoint}): {cause}")]
    Unreachable {
        action: String,
        endpoint: String,
        cause: String,
    },
    #[error("{action} timed out: {cause}")]
    TimedOut { action: String, cause: String },
    #[error("{action} failed: {message}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Service {
        action: String,
        code: Option<String>,
        message: String,
    },
}

fn detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({message})")
    }
}

/// `.explain("s3:PutObject")?` on the result of an SDK call.
pub(crate) trait Explain<T> {
    fn explain(self, action: &str) -> Result<T, AwsError>;
}

impl<T, E> Explain<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    fn explain(self, action: &str) -> Result<T, AwsError> {
        self.map_err(|error| translate(&error, action))
    }
}

/// The service error code of a failed call (`ValidationError`, `NoSuchKey`, ...), if the
/// service answered with one.
pub(crate) fn code<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> Option<&str> {
    match error {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// The service's message of a failed call, if it answered with one.
pub(crate) fn message<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> Option<&str> {
    match error {
        SdkError::ServiceError(service) => service.err().message(),
        _ => None,
    }
}

/// The HTTP status of a failed call, if a response came back.
pub(crate) fn http_status<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error.raw_response().map(|r| r.status().as_u16())
}

/// Turns one SDK error into a sentence.
pub(crate) fn translate<E>(error: &SdkError<E, HttpResponse>, action: &str) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let action = action.to_string();
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let mut code = err.code().map(str::to_string);
            let mut message = err.message().unwrap_or_default().to_string();
            let status = service.raw().status().as_u16();
            if code.is_none() {
                // The SDK could not read the error (an emulator's or a proxy's shape): look
                // for a code and message in the body itself, else say what it could not read.
                let (scraped_code, scraped_message) =
                    scrape(service.raw().body().bytes().unwrap_or_default());
                code = scraped_code;
                message = scraped_message.unwrap_or(message);
                if code.is_none() && message.is_empty() && status != 403 {
                    message = root_cause(error);
                }
            }
            classify(action, code, message, Some(status))
        }
        SdkError::DispatchFailure(failure) => {
            let cause = chain(error);
            if mentions_credentials(&cause) {
                return AwsError::CredentialsUnusable {
                    profile: String::new(),
                    detail: cause,
                };
            }
            if failure.is_timeout() {
                return AwsError::TimedOut { action, cause };
            }
            AwsError::Unreachable {
                action,
                endpoint: std::env::var("AWS_ENDPOINT_URL")
                    .map(|e| format!("endpoint {e}"))
                    .unwrap_or_else(|_| "the regional endpoint".into()),
                cause: root_cause(error),
            }
        }
        SdkError::TimeoutError(_) => AwsError::TimedOut {
            action,
            cause: chain(error),
        },
        SdkError::ResponseError(response) => {
            // An answer that is not the service's protocol: a proxy, or an emulator's
            // HTTP 500 page. Say what came back.
            let status = response.raw().status().as_u16();
            AwsError::Service {
                action,
                code: None,
                message: format!("unexpected HTTP {status} response: {}", chain(error)),
            }
        }
        _ => {
            let cause = chain(error);
            if mentions_credentials(&cause) {
                return AwsError::CredentialsUnusable {
                    profile: String::new(),
                    detail: cause,
                };
            }
            AwsError::Service {
                action,
                code: None,
                message: cause,
            }
        }
    }
}

/// Classifies a service error by its code (and, for bodiless answers such as a HEAD
/// request's 403, by its HTTP status).
pub(crate) fn classify(
    action: String,
    code: Option<String>,
    message: String,
    status: Option<u16>,
) -> AwsError {
    match code.as_deref() {
        Some(
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "AuthorizationErrorException"
            | "Forbidden",
        ) => AwsError::AccessDenied { action, message },
        Some(
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired",
        ) => AwsError::ExpiredCredentials { action },
        Some(
            "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidAccessKeyId"
            | "AuthFailure"
            | "InvalidSignatureException"
            | "IncompleteSignature",
        ) => AwsError::BadCredentials { action, message },
        Some(
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "SlowDown"
            | "ProvisionedThroughputExceededException",
        ) => AwsError::Throttled { action },
        None if status == Some(403) => AwsError::AccessDenied { action, message },
        _ => AwsError::Service {
            action,
            message: if message.is_empty() {
                status
                    .map(|s| format!("HTTP {s}"))
                    .unwrap_or_else(|| "no details".into())
            } else {
                message
            },
            code,
        },
    }
}

/// `<Code>` and `<Message>` of an XML error body, or `__type`/`code` and `message` of a
/// JSON one.
fn scrape(body: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(body);
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_string()).filter(|t| !t.is_empty())
    };
    if let (Some(code), message) = (tag("Code"), tag("Message")) {
        return (Some(code), message);
    }
    if let Ok(serde_json::Value::Object(json)) = serde_json::from_str::<serde_json::Value>(&text) {
        let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let code = field("__type")
            .or_else(|| field("code"))
            .map(|c| c.rsplit('#').next().unwrap_or(&c).to_string());
        return (code, field("message").or_else(|| field("Message")));
    }
    (None, None)
}

fn mentions_credentials(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("credential")
}

/// The innermost cause (`tcp connect error: Connection refused`).
pub(crate) fn root_cause(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// An error and its sources as one line, each cause once.
pub(crate) fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut out = String::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    let mut seen: Vec<String> = Vec::new();
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() && !seen.iter().any(|s| s.contains(&text)) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            let _ = write!(out, "{text}");
            seen.push(text);
        }
        current = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_the_sdk_cannot_read_are_scraped() {
        let xml = b"<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: u is not authorized</Message></Error></Errors></ErrorResponse>";
        assert_eq!(
            scrape(xml),
            (
                Some("AccessDenied".into()),
                Some("User: u is not authorized".into())
            )
        );
        let json =
            br#"{"__type": "com.amazonaws#ThrottlingException", "message": "Rate exceeded"}"#;
        assert_eq!(
            scrape(json),
            (
                Some("ThrottlingException".into()),
                Some("Rate exceeded".into())
            )
        );
        assert_eq!(scrape(b"<html>500</html>"), (None, None));
    }

    #[test]
    fn codes_become_sentences_that_name_the_action() {
        let denied = classify(
            "cloudformation:CreateChangeSet".into(),
            Some("AccessDenied".into()),
            "User: arn:aws:iam::1:user/dev is not authorized".into(),
            Some(403),
        );
        assert_eq!(
            denied.to_string(),
            "access denied: your AWS identity may not call cloudformation:CreateChangeSet \
             (User: arn:aws:iam::1:user/dev is not authorized)"
        );
        let head = classify("s3:HeadObject".into(), None, String::new(), Some(403));
        assert!(matches!(head, AwsError::AccessDenied { .. }));
        let throttled = classify(
            "states:GetExecutionHistory".into(),
            Some("ThrottlingException".into()),
            String::new(),
            Some(400),
        );
        assert!(throttled
            .to_string()
            .contains("throttled states:GetExecutionHistory"));
        let other = classify(
            "x:Y".into(),
            Some("ValidationError".into()),
            "bad".into(),
            Some(400),
        );
        assert_eq!(other.to_string(), "x:Y failed: bad (ValidationError)");
        assert!(
            matches!(&other, AwsError::Service { code: Some(code), .. } if code == "ValidationError")
        );
        let expired = classify(
            "sts:GetCallerIdentity".into(),
            Some("ExpiredToken".into()),
            String::new(),
            Some(403),
        );
        assert!(expired.to_string().contains("expired"));
    }
}

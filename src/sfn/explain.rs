//! Failure causes for people. A `.sync` task that fails carries, as Step Functions
//! reports it, the JSON description of the failed job or child execution as its cause —
//! nested once per level (Main -> Train execution -> training job). [`explain`] unfolds
//! that into one line that ends with what actually went wrong.

use serde_json::Value;

pub(crate) fn explain(cause: &str) -> String {
    let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(cause) else {
        return cause.to_string();
    };
    let text = |key: &str| doc.get(key).and_then(Value::as_str);
    // A child execution (DescribeExecution).
    if let (Some(status), Some(name)) = (text("Status"), text("Name")) {
        let mut line = format!("execution {name} {status}");
        if let Some(error) = text("Error") {
            line.push_str(&format!(": {error}"));
        }
        if let Some(inner) = text("Cause") {
            line.push_str(&format!(": {}", explain(inner)));
        }
        return line;
    }
    // A SageMaker job (Describe*Job).
    if let Some(reason) = text("FailureReason") {
        let (kind, name, status) = if let Some(name) = text("TrainingJobName") {
            ("training job", name, text("TrainingJobStatus"))
        } else if let Some(name) = text("TransformJobName") {
            ("transform job", name, text("TransformJobStatus"))
        } else {
            ("job", "", None)
        };
        return format!("{kind} {name} {}: {reason}", status.unwrap_or("failed"));
    }
    // A Lambda error document.
    if let Some(message) = text("errorMessage") {
        return message.to_string();
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unfolds_nested_causes() {
        let job = json!({"TrainingJobName": "automl-r-train", "TrainingJobStatus": "Failed", "FailureReason": "AlgorithmError: no label"});
        let child = json!({"Name": "r-train", "Status": "FAILED", "Error": "States.TaskFailed", "Cause": job.to_string()});
        assert_eq!(
            explain(&child.to_string()),
            "execution r-train FAILED: States.TaskFailed: training job automl-r-train Failed: AlgorithmError: no label"
        );
        assert_eq!(explain("plain"), "plain");
        assert_eq!(
            explain(&json!({"errorMessage": "m", "errorType": "T"}).to_string()),
            "m"
        );
    }
}

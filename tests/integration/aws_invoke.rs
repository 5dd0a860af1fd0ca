//! `automl invoke ENDPOINT` (a deployed SageMaker endpoint) against a moto server: the
//! request goes through the real SDK, and the endpoint's answer is printed.

use crate::support::aws::Env;

#[test]
fn invoke_prints_the_endpoints_answer() {
    let env = Env::start();
    env.create_endpoint("automl-x-train", "automl-x-deploy", None);
    // moto answers every invocation (even of a missing endpoint) with a canned body, so
    // only the round trip through the SDK is checked here, not the error messages.
    let output = env
        .automl()
        .args(["invoke", "automl-x-deploy", "--body", "1,2,3"])
        .run();
    assert!(!output.stdout.trim_ascii().is_empty());
}

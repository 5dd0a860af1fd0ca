//! Shared by the `aws_*` integration tests: a moto server per test, the real `automl`
//! binary pointed at it, and SDK clients that check results through the emulator's own
//! APIs (never through automl's code).

use crate::support::Test;
pub use automl_testkit::{env_for, Moto, REGION};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use std::path::PathBuf;

/// A moto server, a scratch directory and the clients to inspect what automl did.
pub struct Env {
    pub moto: Moto,
    pub dir: tempfile::TempDir,
    pub sdk: SdkConfig,
    pub runtime: tokio::runtime::Runtime,
    /// Who signs the clients and `automl()`: moto's any-key identity, or the admin of an
    /// IAM-enforcing server.
    keys: Keys,
}

/// The access key of an IAM identity.
#[derive(Clone)]
pub struct Keys {
    pub id: String,
    pub secret: String,
}

impl Keys {
    pub fn new(id: &str, secret: &str) -> Keys {
        Keys {
            id: id.to_string(),
            secret: secret.to_string(),
        }
    }
}

impl Env {
    /// A plain moto server: any key may do anything.
    pub fn start() -> Env {
        Env::on(Moto::start(), Keys::new("testing", "testing"))
    }

    /// A moto server that enforces IAM once its first three requests are spent: they
    /// create an admin (allowed everything) whose keys sign the clients and `automl()`;
    /// [`Env::user`] adds the identities a test restricts.
    pub fn enforcing_iam() -> Env {
        let mut env = Env::on(Moto::start_enforcing(3), Keys::new("free", "free"));
        let admin = env.user(
            "admin",
            serde_json::json!({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        );
        env.sdk = env.block_on(sdk_config(&env.moto.endpoint(), &admin.id, &admin.secret));
        env.keys = admin;
        env
    }

    fn on(moto: Moto, keys: Keys) -> Env {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let sdk = runtime.block_on(sdk_config(&moto.endpoint(), &keys.id, &keys.secret));
        Env {
            moto,
            dir: tempfile::tempdir().unwrap(),
            sdk,
            runtime,
            keys,
        }
    }

    /// This server after `automl deploy` of the default stack `automl`.
    pub fn deployed(self) -> Env {
        self.deploy(&[]);
        self
    }

    /// This server with the data the example inputs name in S3 ([`Env::put_example_data`]).
    pub fn with_example_data(self) -> Env {
        self.put_example_data();
        self
    }

    /// The ARN of the default stack's Main machine (the stack must be deployed).
    pub fn main_machine(&self) -> String {
        self.resources("automl")["MainStateMachine"].clone()
    }

    /// Creates IAM user `name` whose inline policy is `policy`, by this Env's identity;
    /// returns its keys.
    pub fn user(&self, name: &str, policy: serde_json::Value) -> Keys {
        let iam = aws_sdk_iam::Client::new(&self.sdk);
        self.block_on(async {
            iam.create_user().user_name(name).send().await.unwrap();
            iam.put_user_policy()
                .user_name(name)
                .policy_name("p")
                .policy_document(policy.to_string())
                .send()
                .await
                .unwrap();
            let key = iam
                .create_access_key()
                .user_name(name)
                .send()
                .await
                .unwrap()
                .access_key
                .unwrap();
            Keys::new(&key.access_key_id, &key.secret_access_key)
        })
    }

    /// `automl` as [`Env::automl`], signed by `keys` instead.
    pub fn automl_as(&self, keys: &Keys) -> Test {
        Test::new()
            .envs(self.moto.env_as(&keys.id, &keys.secret))
            .current_dir(self.dir.path())
    }

    /// `automl` with this server's environment, run in the scratch directory (outside the
    /// repository, so nothing is built behind the test's back).
    pub fn automl(&self) -> Test {
        self.automl_as(&self.keys)
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A small valid zip standing in for the Lambda (moto stores it, never runs it).
    pub fn lambda_zip(&self) -> PathBuf {
        let path = self.path("bootstrap.zip");
        std::fs::write(
            &path,
            zip_with_one_file("bootstrap", b"#!/bin/sh\necho stand-in\n"),
        )
        .unwrap();
        path
    }

    /// `automl deploy --lambda-zip <small zip> ARGS`, which must succeed.
    pub fn deploy(&self, args: &[&str]) -> std::process::Output {
        let zip = self.lambda_zip();
        self.automl()
            .arg("deploy")
            .arg("--lambda-zip")
            .arg(&zip)
            .args(args)
            .run()
    }

    pub fn cfn(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.sdk)
    }
    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.sdk)
    }
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk)
    }
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.sdk)
    }
    pub fn sagemaker(&self) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::new(&self.sdk)
    }
    pub fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk)
    }
    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.sdk)
    }
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk)
                .force_path_style(true)
                .build(),
        )
    }

    /// Puts `body` at `s3://bucket/key`, creating the bucket if need be.
    pub fn put_object(&self, bucket: &str, key: &str, body: impl AsRef<[u8]>) {
        let s3 = self.s3();
        self.block_on(async {
            let _ = s3
                .create_bucket()
                .bucket(bucket)
                .create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                        .build(),
                )
                .send()
                .await;
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(aws_sdk_s3::primitives::ByteStream::from(
                    body.as_ref().to_vec(),
                ))
                .send()
                .await
                .unwrap();
        });
    }

    /// A model, an endpoint config and an endpoint (`endpoint`, serving `model` from one
    /// ml.m5.large), as the Deploy machine creates them; each tagged `automl:stack` =
    /// `stack` when given.
    pub fn create_endpoint(&self, model: &str, endpoint: &str, stack: Option<&str>) {
        use aws_sdk_sagemaker::types::{
            ContainerDefinition, ProductionVariant, ProductionVariantInstanceType, Tag,
        };
        let tags: Option<Vec<Tag>> =
            stack.map(|stack| vec![Tag::builder().key("automl:stack").value(stack).build()]);
        let sm = self.sagemaker();
        self.block_on(async {
            sm.create_model()
                .model_name(model)
                .execution_role_arn("arn:aws:iam::123456789012:role/sagemaker")
                .primary_container(ContainerDefinition::builder().image("x").build())
                .set_tags(tags.clone())
                .send()
                .await
                .unwrap();
            sm.create_endpoint_config()
                .endpoint_config_name(endpoint)
                .production_variants(
                    ProductionVariant::builder()
                        .variant_name("AllTraffic")
                        .model_name(model)
                        .initial_instance_count(1)
                        .instance_type(ProductionVariantInstanceType::MlM5Large)
                        .build(),
                )
                .set_tags(tags.clone())
                .send()
                .await
                .unwrap();
            sm.create_endpoint()
                .endpoint_name(endpoint)
                .endpoint_config_name(endpoint)
                .set_tags(tags)
                .send()
                .await
                .unwrap();
        });
    }

    /// The data the example inputs name (`s3://stepfunctions-mlops/data/bank/...`), small:
    /// `run` reads the head of each data location before it starts anything.
    pub fn put_example_data(&self) {
        let rows = "age,job,balance,y\n30,admin,100,no\n41,technician,250,yes\n";
        for key in ["data/bank/train.csv", "data/bank/test.csv"] {
            self.put_object("stepfunctions-mlops", key, rows);
        }
        self.put_object(
            "stepfunctions-mlops",
            "data/bank/test_batch.csv",
            "30,admin,100\n",
        );
    }

    /// Logical id -> physical id of the stack's resources.
    pub fn resources(&self, stack: &str) -> std::collections::BTreeMap<String, String> {
        self.block_on(async {
            let out = self
                .cfn()
                .list_stack_resources()
                .stack_name(stack)
                .send()
                .await
                .unwrap();
            out.stack_resource_summaries
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    (
                        r.logical_resource_id.unwrap_or_default(),
                        r.physical_resource_id.unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// The stack as CloudFormation describes it (it must exist).
    pub fn describe_stack(&self, stack: &str) -> aws_sdk_cloudformation::types::Stack {
        self.block_on(async {
            self.cfn()
                .describe_stacks()
                .stack_name(stack)
                .send()
                .await
                .unwrap()
                .stacks
                .unwrap()
                .remove(0)
        })
    }

    /// True when the stack exists (not deleted).
    pub fn stack_exists(&self, stack: &str) -> bool {
        self.block_on(async {
            match self.cfn().describe_stacks().stack_name(stack).send().await {
                Ok(out) => out.stacks.unwrap_or_default().iter().any(|s| {
                    s.stack_status.as_ref().map(|s| s.as_str()) != Some("DELETE_COMPLETE")
                }),
                Err(_) => false,
            }
        })
    }

    /// GETs `?query` of a bucket with a raw HTTP request: moto answers GetBucketVersioning
    /// with a root element the Rust SDK refuses to parse.
    pub fn raw_bucket_get(&self, bucket: &str, query: &str) -> String {
        ureq::get(&format!("{}/{bucket}?{query}", self.moto.endpoint()))
            .set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20240101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0")
            .call()
            .map(|r| r.into_string().unwrap_or_default())
            .unwrap_or_else(|e| format!("{e}"))
    }
}

/// An inline policy that allows everything but `action`.
pub fn allow_all_but(action: &str) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Effect": "Allow", "Action": "*", "Resource": "*" },
            { "Effect": "Deny", "Action": action, "Resource": "*" },
        ],
    })
}

pub async fn sdk_config(endpoint: &str, key: &str, secret: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .load()
        .await
}

/// What `automl synth ARGS` writes, read back.
pub struct Synth {
    pub template: serde_json::Value,
    pub manifest: serde_json::Value,
    /// `Main`, `Train`, `Deploy` -> definition.
    pub asl: std::collections::BTreeMap<String, serde_json::Value>,
}

pub fn synth(args: &[&str]) -> Synth {
    let dir = tempfile::tempdir().unwrap();
    Test::new()
        .arg("synth")
        .arg("-o")
        .arg(dir.path())
        .args(args)
        .run();
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    Synth {
        template: read("automl.template.json"),
        manifest: read("manifest.json"),
        asl: ["Main", "Train", "Deploy"]
            .iter()
            .map(|m| (m.to_string(), read(&format!("{m}.asl.json"))))
            .collect(),
    }
}

/// The example inputs: examples/*.json, or the seed inputs while there are none.
pub fn example_inputs() -> Vec<PathBuf> {
    let root = crate::support::root();
    for dir in [
        root.join("examples"),
        root.join("tests/fixtures/seed-inputs"),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        if !files.is_empty() {
            return files;
        }
    }
    panic!("no example inputs in examples/ or tests/fixtures/seed-inputs/");
}

/// A zip archive holding one stored (uncompressed) file.
pub fn zip_with_one_file(name: &str, contents: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(contents);
    let crc = crc.sum();
    let size = contents.len() as u32;
    let mut local = Vec::new();
    local.extend_from_slice(&0x04034b50u32.to_le_bytes());
    local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, stored, time, date
    local.extend_from_slice(&crc.to_le_bytes());
    local.extend_from_slice(&size.to_le_bytes());
    local.extend_from_slice(&size.to_le_bytes());
    local.extend_from_slice(&(name.len() as u16).to_le_bytes());
    local.extend_from_slice(&0u16.to_le_bytes());
    local.extend_from_slice(name.as_bytes());
    local.extend_from_slice(contents);
    let mut central = Vec::new();
    central.extend_from_slice(&0x02014b50u32.to_le_bytes());
    central.extend_from_slice(&[0x14, 0x03, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // made by unix, version, flags, stored, time, date
    central.extend_from_slice(&crc.to_le_bytes());
    central.extend_from_slice(&size.to_le_bytes());
    central.extend_from_slice(&size.to_le_bytes());
    central.extend_from_slice(&(name.len() as u16).to_le_bytes());
    central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // extra, comment, disk, internal attrs
    central.extend_from_slice(&(0o100755u32 << 16).to_le_bytes()); // external attrs: rwxr-xr-x
    central.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    central.extend_from_slice(name.as_bytes());
    let mut zip = local.clone();
    let central_offset = zip.len() as u32;
    zip.extend_from_slice(&central);
    zip.extend_from_slice(&0x06054b50u32.to_le_bytes());
    zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
    zip.extend_from_slice(&central_offset.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

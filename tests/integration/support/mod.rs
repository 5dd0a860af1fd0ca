//! The CLI test harness: run the real `automl` binary with arguments, environment and
//! stdin, then check its exit status and output, with the whole output in the failure
//! message. `Test::new().args(["validate", f]).status(1).stderr_contains("Threshold").run()`.
//! [`aws`] adds a moto server per test and SDK clients that check what automl did.

#[cfg(feature = "aws")]
pub mod aws;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

/// One invocation of `automl` and what it must produce.
pub struct Test {
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    current_dir: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    status: Option<i32>,
    stdout: Vec<Expect>,
    stderr: Vec<Expect>,
}

enum Expect {
    Contains(String),
    Lacks(String),
    Equals(String),
}

impl Test {
    pub fn new() -> Test {
        Test {
            args: Vec::new(),
            env: Vec::new(),
            current_dir: None,
            stdin: None,
            status: Some(0),
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Test {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn envs<K: Into<OsString>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Test {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Test {
        self.current_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Test {
        self.stdin = Some(input.into());
        self
    }

    /// The expected exit code (default 0).
    pub fn status(mut self, code: i32) -> Test {
        self.status = Some(code);
        self
    }

    /// Accept any exit code.
    pub fn any_status(mut self) -> Test {
        self.status = None;
        self
    }

    pub fn stdout(mut self, exact: impl Into<String>) -> Test {
        self.stdout.push(Expect::Equals(exact.into()));
        self
    }

    pub fn stdout_contains(mut self, text: impl Into<String>) -> Test {
        self.stdout.push(Expect::Contains(text.into()));
        self
    }

    pub fn stdout_lacks(mut self, text: impl Into<String>) -> Test {
        self.stdout.push(Expect::Lacks(text.into()));
        self
    }

    pub fn stderr_contains(mut self, text: impl Into<String>) -> Test {
        self.stderr.push(Expect::Contains(text.into()));
        self
    }

    pub fn stderr_lacks(mut self, text: impl Into<String>) -> Test {
        self.stderr.push(Expect::Lacks(text.into()));
        self
    }

    /// Runs the binary and checks every expectation; returns the output for more checks.
    pub fn run(self) -> Output {
        let mut command =
            assert_cmd::Command::cargo_bin("automl").expect("the automl binary is built");
        command.args(&self.args);
        // Tests never inherit a developer's AWS configuration or stack name.
        for key in [
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "AUTOML_STACK_NAME",
        ] {
            command.env_remove(key);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        if let Some(stdin) = &self.stdin {
            command.write_stdin(stdin.clone());
        }
        let output = command.output().expect("run automl");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        let shown = format!(
            "automl {}\n--- status: {:?}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}",
            self.args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            output.status.code()
        );
        if let Some(code) = self.status {
            assert_eq!(
                output.status.code(),
                Some(code),
                "unexpected exit status\n{shown}"
            );
        }
        for (stream, text, expectations) in [
            ("stdout", &stdout, &self.stdout),
            ("stderr", &stderr, &self.stderr),
        ] {
            for expect in expectations {
                match expect {
                    Expect::Contains(part) => {
                        assert!(
                            text.contains(part.as_str()),
                            "{stream} lacks {part:?}\n{shown}"
                        )
                    }
                    Expect::Lacks(part) => {
                        assert!(
                            !text.contains(part.as_str()),
                            "{stream} contains {part:?}\n{shown}"
                        )
                    }
                    Expect::Equals(whole) => {
                        if text != whole {
                            panic!("{stream} differs\n{}\n{shown}", diff(whole, text));
                        }
                    }
                }
            }
        }
        output
    }
}

/// A line diff, expected (-) against actual (+), for failure messages.
pub fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..expected.len().max(actual.len()) {
        let (e, a) = (expected.get(i), actual.get(i));
        if e != a {
            if let Some(e) = e {
                out.push_str(&format!("{:>5} - {e}\n", i + 1));
            }
            if let Some(a) = a {
                out.push_str(&format!("{:>5} + {a}\n", i + 1));
            }
            shown += 1;
            if shown == 20 {
                out.push_str("      ... (more differences)\n");
                break;
            }
        }
    }
    out
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/tools/VENV/bin/NAME`, the tool `tests/tools/INSTALLER` installs; a missing one
/// fails the test with the command that installs it.
pub fn venv_tool(name: &str, installer: &str, venv: &str) -> PathBuf {
    let path = root()
        .join("target/tools")
        .join(venv)
        .join("bin")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `bash tests/tools/{installer}` (or `bash tests/run-all.sh`)",
        path.display()
    );
    path
}

/// A scratch directory for `run --local`: its `objects/` (an object root) holds the
/// penguins data the examples ship, as `s3://data/penguins/{train,test,batch}.csv`.
pub fn penguins_scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("objects/data/penguins");
    std::fs::create_dir_all(&data).unwrap();
    for file in ["train.csv", "test.csv", "batch.csv"] {
        std::fs::copy(
            root().join("examples/data/penguins").join(file),
            data.join(file),
        )
        .unwrap();
    }
    dir
}

/// The AutoGluon test environment's Python (tests/tools/install-autogluon.sh).
pub fn python() -> PathBuf {
    venv_tool("python", "install-autogluon.sh", "autogluon")
}

/// Runs a test tool with `args`; its stdout and stderr, or a failure that shows them.
pub fn run_tool(program: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{text}",
        program.display()
    );
    text
}

//! Test harness shared by the workspace's integration tests: the tools the suite needs
//! (found where `tests/tools/install-*.sh` put them, or on PATH, else a failure that says
//! which script installs them) and a moto server on a free loopback port.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (the directory holding the top-level Cargo.toml).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/testkit sits two levels below the workspace root")
        .to_path_buf()
}

/// Where the install scripts put the test tools: `target/tools/`.
pub fn tools_dir() -> PathBuf {
    workspace_root().join("target").join("tools")
}

/// Finds an executable installed by `tests/tools/<installer>` (in `target/tools/*/bin`
/// or `target/tools/node/node_modules/.bin`), falling back to PATH. A missing tool is a
/// test failure that names the script that installs it — never a silent skip.
pub fn tool(name: &str, installer: &str) -> PathBuf {
    if let Ok(entries) = std::fs::read_dir(tools_dir()) {
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            for candidate in [
                dir.join("bin").join(name),
                dir.join("node_modules").join(".bin").join(name),
            ] {
                if candidate.is_file() {
                    return candidate;
                }
            }
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "`{name}` is not installed: run `bash tests/tools/{installer}` \
         (or `bash tests/run-all.sh`, which installs every test tool)"
    );
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port on loopback")
}

/// The region every test talks to.
pub const REGION: &str = "eu-west-1";

/// The environment for a process that talks to `endpoint` with these credentials, and
/// no shared configuration from the host.
pub fn env_for(endpoint: &str, key: &str, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", key.to_string()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_CONFIG_FILE", "/dev/null".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ]
}

/// A moto server in server mode on a free loopback port, killed on drop.
/// Every test gets its own server, so tests never see each other's resources.
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts `moto_server` (installed by `tests/tools/install-moto.sh`) and waits until it
    /// accepts connections.
    pub fn start() -> Moto {
        Moto::launch(None)
    }

    /// A server that enforces IAM: the first `free_actions` requests are allowed
    /// unauthenticated (to create users and policies), every later one is checked
    /// against the caller's policies by moto's own evaluator.
    pub fn start_enforcing(free_actions: u32) -> Moto {
        Moto::launch(Some(free_actions))
    }

    fn launch(free_actions: Option<u32>) -> Moto {
        let exe = tool("moto_server", "install-moto.sh");
        let port = free_port();
        let mut command = Command::new(exe);
        if let Some(free_actions) = free_actions {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", free_actions.to_string());
        }
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto_server");
        let moto = Moto { child, port };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {addr} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a process needs to talk to this server with the real AWS SDK:
    /// endpoint, dummy credentials, a region, and no shared config from the host.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        self.env_as("testing", "testing")
    }

    /// Like [`Moto::env`], with these credentials (an enforcing server checks them).
    pub fn env_as(&self, key: &str, secret: &str) -> Vec<(&'static str, String)> {
        env_for(&self.endpoint(), key, secret)
    }

    /// Sets this server's environment on the current process (for in-process SDK clients).
    pub fn set_process_env(&self) {
        for (key, value) in self.env() {
            std::env::set_var(key, value);
        }
    }

    /// POSTs a JSON body to one of moto's own `/moto-api/...` paths (e.g. to switch Step
    /// Functions into "execute" mode) and returns the response body.
    pub fn moto_api(&self, path: &str, body: &serde_json::Value) -> String {
        let body = body.to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        stream.write_all(request.as_bytes()).expect("send to moto");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read from moto");
        assert!(
            // moto answers /moto-api/config with 201.
            response.starts_with("HTTP/1.1 2") || response.starts_with("HTTP/1.0 2"),
            "moto {path} answered: {response}"
        );
        response
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

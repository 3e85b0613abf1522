//! The local authorization server (node-oidc-provider, tests/server) that
//! the integration tests start on 127.0.0.1, shared by the test files.
// Each test file uses the members it needs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// URLs of the running server. Its stdin is held by `_child`; the server
/// exits when the test process does.
pub(crate) struct Server {
    pub(crate) issuer: String,
    pub(crate) token_endpoint: String,
    pub(crate) revocation_endpoint: String,
    pub(crate) introspection_endpoint: String,
    pub(crate) api: String,
    pub(crate) stats: String,
    /// The hostile endpoint streaming oversized token responses (tests/server/oversized.mjs).
    pub(crate) oversized: String,
    _child: Child,
}

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Installs (once) and starts the server with `args`; returns when it announces itself.
pub(crate) fn start(args: &[&str]) -> Server {
    let root = repo_root();
    let status = Command::new("bash")
        .arg(root.join("scripts/auth-server.sh"))
        .status()
        .expect("bash is needed to install the test server");
    assert!(status.success(), "scripts/auth-server.sh failed");
    let mut child = Command::new("node")
        .arg(root.join("tests/server/server.mjs"))
        .args(["--port", "0", "--max-seconds", "300"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node is needed to run the test server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("server did not announce itself ({e}): {line:?}"));
    let url = |name: &str| ready[name].as_str().unwrap().to_owned();
    Server {
        issuer: url("issuer"),
        token_endpoint: url("token_endpoint"),
        revocation_endpoint: url("revocation_endpoint"),
        introspection_endpoint: url("introspection_endpoint"),
        api: url("api"),
        stats: url("stats"),
        oversized: url("oversized"),
        _child: child,
    }
}

impl Server {
    /// The server's own count of token requests from `client_id`.
    pub(crate) fn token_requests(&self, client_id: &str) -> u64 {
        let body = ccauth_example::agent()
            .get(&self.stats)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
        stats["token_requests_by_client"][client_id]
            .as_u64()
            .unwrap_or(0)
    }
}

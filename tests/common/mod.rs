//! Shared test harness: a simulated Ollama and a router, both on `127.0.0.1:0`, talking real HTTP;
//! and a Python virtualenv with the official SDKs for client tests.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the harness"
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use ollama_router::config::{GpuSource, Settings, from_toml_str};
use ollama_router::{AppState, app};
use ollama_sim::sim::{self, SimConfig, SimHandle};

pub struct TestEnv {
    pub sim: SimHandle,
    pub router_addr: SocketAddr,
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn fast_sim() -> SimConfig {
    SimConfig {
        fast: true,
        ..SimConfig::default()
    }
}

impl TestEnv {
    /// A fast simulated 12 GiB GPU and a router with the default configuration.
    pub async fn start() -> TestEnv {
        TestEnv::with(fast_sim(), "").await
    }

    /// A simulated Ollama with `sim` and a router configured by `router_toml` (over the defaults;
    /// `upstream.url` is pointed at the sim, and `gpu.source` at the sim unless the TOML sets it).
    pub async fn with(sim: SimConfig, router_toml: &str) -> TestEnv {
        let sim = sim::spawn(sim).await.expect("start the simulated Ollama");
        let mut config = from_toml_str(router_toml).expect("test config parses");
        config.upstream.url = sim.url();
        if config.gpu.source == GpuSource::Auto {
            config.gpu.source = GpuSource::Sim;
        }
        TestEnv::with_settings(
            sim,
            Settings::compile(config, None).expect("test config is valid"),
        )
        .await
    }

    pub async fn with_settings(sim: SimHandle, settings: Settings) -> TestEnv {
        let state = AppState::for_settings(settings).expect("router state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind router");
        let router_addr = listener.local_addr().expect("router address");
        let router = app(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let env = TestEnv {
            sim,
            router_addr,
            state,
            server,
        };
        env.refresh().await;
        env
    }

    /// Router URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.router_addr)
    }

    /// Simulated Ollama URL for `path`.
    pub fn sim_url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.url())
    }

    /// Makes the router re-read Ollama's lists and the GPU now (`POST /router/refresh`).
    pub async fn refresh(&self) {
        let r = reqwest::Client::new()
            .post(self.url("/router/refresh"))
            .send()
            .await
            .expect("refresh");
        assert!(r.status().is_success());
    }

    /// What the simulated Ollama received, in order.
    pub async fn sim_requests(&self) -> Vec<serde_json::Value> {
        reqwest::get(self.sim_url("/sim/requests"))
            .await
            .expect("sim requests")
            .json()
            .await
            .expect("sim requests json")
    }
}

/// Wraps a test body so one hung request cannot eat CI's time.
pub async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(60), f)
        .await
        .expect("test timed out after 60 s")
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The virtualenv with the official `openai`, `anthropic` and `ollama` SDKs, created on first use
/// (cross-process locked, so parallel test binaries share one install). Override the location with
/// `ROUTER_TEST_VENV`.
pub fn python_venv() -> PathBuf {
    let venv = std::env::var_os("ROUTER_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target").join("sdk-venv"));
    let marker = venv.join(".sdks-installed");
    if marker.exists() {
        return venv;
    }
    std::fs::create_dir_all(venv.parent().unwrap_or(Path::new("."))).expect("venv parent dir");
    let lock_path = venv.with_extension("lock");
    let lock = std::fs::File::create(&lock_path).expect("venv lock file");
    lock.lock().expect("lock the venv");
    if !marker.exists() {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            Command::new(&python).args(["-m", "venv"]).arg(&venv),
            "create the SDK virtualenv (is python3 installed?)",
        );
        run(
            Command::new(venv.join("bin").join("pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "openai>=1.60,<3",
                "anthropic>=0.45,<1",
                "ollama>=0.4,<1",
            ]),
            "pip install the official SDKs (needs the package registry)",
        );
        std::fs::write(&marker, b"openai anthropic ollama\n").expect("venv marker");
    }
    venv
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot {what}: {e}"));
    assert!(
        out.status.success(),
        "cannot {what}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `tests/clients/<script> <args>` with the SDK virtualenv's Python; panics with its output
/// if it fails. Returns stdout. It blocks: call it through [`run_python_async`] from async tests,
/// since the router under test runs on the same runtime.
pub async fn run_python_async(script: &'static str, args: Vec<String>) -> String {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_python(script, &refs)
    })
    .await
    .expect("python runner thread")
}

/// Blocking form of [`run_python_async`].
pub fn run_python(script: &str, args: &[&str]) -> String {
    let venv = python_venv();
    let out = Command::new(venv.join("bin").join("python"))
        .arg(manifest_dir().join("tests").join("clients").join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

//! Shared test harness: a simulated Ollama and a router, both on `127.0.0.1:0`, talking real HTTP;
//! and a Python virtualenv with the official SDKs for client tests.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the harness"
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use ollama_router::config::{GpuSource, Settings, SettingsShared, from_toml_str};
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
        TestEnv::with_state_file(sim, router_toml, None).await
    }

    /// Like [`TestEnv::with`], learning into (and starting from) the state file `state_file`.
    pub async fn with_state_file(
        sim: SimConfig,
        router_toml: &str,
        state_file: Option<PathBuf>,
    ) -> TestEnv {
        let sim = sim::spawn(sim).await.expect("start the simulated Ollama");
        let mut config = from_toml_str(router_toml).expect("test config parses");
        config.upstream.url = sim.url();
        if config.gpu.source == GpuSource::Auto {
            config.gpu.source = GpuSource::Sim;
        }
        let settings = Settings::compile(config, None).expect("test config is valid");
        let state = AppState::new(SettingsShared::new(settings), state_file).expect("router state");
        TestEnv::with_state(sim, state).await
    }

    pub async fn with_settings(sim: SimHandle, settings: Settings) -> TestEnv {
        let state = AppState::for_settings(settings).expect("router state");
        TestEnv::with_state(sim, state).await
    }

    async fn with_state(sim: SimHandle, state: AppState) -> TestEnv {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind router");
        let router_addr = listener.local_addr().expect("router address");
        let router = app(state.clone());
        let limits = ollama_router::server::limits_from(state.shared_settings().clone());
        let server = tokio::spawn(async move {
            let drain = ollama_router::server::Drain {
                shutdown: std::future::pending::<()>(),
                grace: std::time::Duration::from_secs(1),
            };
            let _ = ollama_router::server::serve(listener, router, limits, drain).await;
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

    /// Loads the models' vocabularies from the sim's `/api/show` (what the router's background
    /// loader does after start-up), so prompts are counted exactly from here on. Tests whose
    /// prompts are sized in real tokens need it: the fallback estimate errs high by design.
    pub async fn load_vocabularies(&self) {
        let tags = self
            .state
            .inventory()
            .load()
            .tags
            .clone()
            .expect("the router has read /api/tags");
        self.state
            .vocab()
            .refresh(&self.state.upstream(), &tags)
            .await;
        assert!(
            !self.state.vocab().snapshot().is_empty(),
            "vocabularies loaded"
        );
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
        let mut req = reqwest::Client::new().post(self.url("/router/refresh"));
        // A router with tokens wants one for admin endpoints.
        if let Some(token) = self.state.settings().config.auth.tokens.first() {
            req = req.bearer_auth(token.expose());
        }
        let r = req.send().await.expect("refresh");
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

/// A router alone, on its own accept loop, configured by `router_toml` (over the defaults), for
/// tests that bring their own Ollama (a killed process, a hung socket).
pub struct RouterOnly {
    pub addr: SocketAddr,
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
}

impl RouterOnly {
    pub async fn start(router_toml: &str) -> RouterOnly {
        let config = from_toml_str(router_toml).expect("test config parses");
        let settings = Settings::compile(config, None).expect("test config is valid");
        let state = AppState::for_settings(settings).expect("router state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind router");
        let addr = listener.local_addr().expect("router address");
        let router = app(state.clone());
        let limits = ollama_router::server::limits_from(state.shared_settings().clone());
        let server = tokio::spawn(async move {
            let drain = ollama_router::server::Drain {
                shutdown: std::future::pending::<()>(),
                grace: std::time::Duration::from_secs(1),
            };
            let _ = ollama_router::server::serve(listener, router, limits, drain).await;
        });
        RouterOnly {
            addr,
            state,
            server,
        }
    }
}

impl Drop for RouterOnly {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// What a [`ScriptedOllama`] does with a `POST /api/chat`.
#[derive(Clone, Copy, Debug)]
pub enum Script {
    /// Streams this many NDJSON chunks, then breaks the connection mid-body (no final chunk): a
    /// transport failure, not Ollama's own `{"error"}` line.
    BreakAfter(usize),
    /// Streams a chunk every few milliseconds until the reader goes away.
    Endless,
    /// Never answers (no status line): the first-byte timeout's case.
    Hang,
    /// Streams this many chunks, then goes silent with the connection open: the idle timeout's.
    StallAfter(usize),
}

/// A stand-in Ollama speaking raw HTTP/1.1 for what the simulator does not produce. `POST
/// /v1/responses` gets a small completed response; every other request an empty 404, so the
/// router's pollers do not disturb the script.
pub struct ScriptedOllama {
    pub url: String,
    /// Every request received: request line and body.
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    /// Set once a streamed answer could not be written any more: the router hung up on it.
    pub hung_up: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

pub fn scripted_ollama(script: Script) -> ScriptedOllama {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hung_up = std::sync::Arc::new(AtomicBool::new(false));
    let flag = hung_up.clone();
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let flag = flag.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                log.lock().unwrap().push((
                    request_line.trim().to_string(),
                    String::from_utf8_lossy(&body).into_owned(),
                ));
                if request_line.starts_with("POST /v1/responses") {
                    let answer = r#"{"id":"resp_1","object":"response","status":"completed"}"#;
                    let _ = write!(
                        conn,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                        answer.len()
                    );
                    return;
                }
                if !request_line.starts_with("POST /api/chat") {
                    let _ = conn.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return;
                }
                if let Script::Hang = script {
                    std::thread::sleep(std::time::Duration::from_secs(120));
                    return;
                }
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n");
                let chunk = |i: usize| {
                    let line = format!(
                        "{{\"model\":\"qwen3:8b\",\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{{\"role\":\"assistant\",\"content\":\"w{i} \"}},\"done\":false}}\n"
                    );
                    format!("{:x}\r\n{line}\r\n", line.len())
                };
                match script {
                    Script::BreakAfter(n) => {
                        for i in 0..n {
                            let _ = conn.write_all(chunk(i).as_bytes());
                        }
                        let _ = conn.flush();
                        let _ = conn.shutdown(std::net::Shutdown::Both);
                    }
                    Script::Hang => unreachable!("handled before the status line"),
                    Script::StallAfter(n) => {
                        for i in 0..n {
                            let _ = conn.write_all(chunk(i).as_bytes());
                        }
                        let _ = conn.flush();
                        std::thread::sleep(std::time::Duration::from_secs(120));
                    }
                    Script::Endless => {
                        for i in 0.. {
                            if conn
                                .write_all(chunk(i).as_bytes())
                                .and_then(|()| conn.flush())
                                .is_err()
                            {
                                flag.store(true, Ordering::SeqCst);
                                return;
                            }
                            std::thread::sleep(std::time::Duration::from_millis(5));
                        }
                    }
                }
            });
        }
    });
    ScriptedOllama {
        url,
        requests,
        hung_up,
    }
}

/// A router with the default configuration (static GPU) in front of `upstream_url`; the sim in
/// the returned environment is idle.
pub async fn router_in_front_of(upstream_url: &str) -> TestEnv {
    router_in_front_of_with(upstream_url, "").await
}

/// [`router_in_front_of`] with `router_toml` over the defaults.
pub async fn router_in_front_of_with(upstream_url: &str, router_toml: &str) -> TestEnv {
    let mut config = from_toml_str(router_toml).unwrap();
    config.upstream.url = upstream_url.to_string();
    config.gpu.source = GpuSource::Static;
    let settings = Settings::compile(config, None).unwrap();
    TestEnv::with_settings(sim::spawn(fast_sim()).await.unwrap(), settings).await
}

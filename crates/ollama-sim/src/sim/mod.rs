//! The simulated Ollama: a faithful stand-in for Ollama's HTTP API on a simulated GPU, so tests,
//! benches and `ollama-router serve --demo` run without a GPU or an Ollama install.
//!
//! It follows `reference/ollama-protocol.md`: the same routes, fields, framing, status codes and
//! error texts; the seed's models with their real sizes and architectures (plus two models the
//! seed does not know); loading, reloads on runner-option changes, eviction, spill and its
//! slowdown, `keep_alive`; silent truncation; deterministic answers. Where Ollama's behaviour was
//! not verifiable, the code says so in a comment.
//!
//! Beyond Ollama's API it serves `/sim/*` for tests: the log of inference requests, counters,
//! NVML-like GPU readings, failure injection, reset and run-time foreign VRAM.
//!
//! Module map: [`gowire`] (Go wire details), [`library`] (the seed's models), [`models`] (installed models and their metadata),
//! [`tokens`] (token accounting and truncation), [`answer`] (deterministic output), [`sched`]
//! (scheduler), [`openai`] (`/v1/chat/completions` as Ollama's OpenAI layer serves it), [`responses`] (`/v1/responses`),
//! [`anthropic`] (`/v1/messages`), `sse` (their shared SSE plumbing), `api` /
//! `inference` / `control` (HTTP handlers).

pub mod answer;
pub mod anthropic;
mod api;
pub mod bpe;
mod control;
pub mod gowire;
mod inference;
pub mod library;
pub mod memory;
pub mod models;
pub mod openai;
pub mod responses;
pub mod sched;
mod sse;
pub mod tokens;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::models::InstalledModel;
use self::sched::{Limits, Scheduler, Stats};

pub use self::memory::KvType;

const GIB: u64 = 1024 * 1024 * 1024;

/// How the simulated Ollama and its GPU behave.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Total VRAM in bytes (default 12 GiB).
    pub vram_total: u64,
    /// VRAM held by other programs (games, desktop), in bytes (default 0).
    pub foreign_vram: u64,
    /// `true`: never sleep (tests, benches); `false`: realistic load, prompt and token timing.
    pub fast: bool,
    /// Memory bandwidth; token rates scale by `bandwidth_gbps / 504` (the seed's RTX 4070).
    pub bandwidth_gbps: f64,
    /// `num_ctx` when a request sets none (Ollama's default on a < 23 GiB card).
    pub default_num_ctx: u32,
    /// `OLLAMA_KEEP_ALIVE`.
    pub default_keep_alive: Duration,
    /// `OLLAMA_MAX_LOADED_MODELS`.
    pub max_loaded_models: usize,
    /// `OLLAMA_NUM_PARALLEL`: KV cache slots per runner (embedding models always use 1).
    pub num_parallel: u32,
    /// What `/api/version` reports.
    pub version: String,
    /// `OLLAMA_FLASH_ATTENTION` (off by default, as in the Ollama the seed measured with).
    pub flash_attention: bool,
    /// `OLLAMA_KV_CACHE_TYPE`; honoured only with flash attention, as in Ollama.
    pub kv_cache_type: KvType,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            vram_total: 12 * GIB,
            foreign_vram: 0,
            fast: false,
            bandwidth_gbps: library::SEED_BANDWIDTH_GBPS,
            default_num_ctx: 4096,
            default_keep_alive: Duration::from_secs(300),
            max_loaded_models: 3,
            num_parallel: 1,
            version: "0.32.15".into(),
            flash_attention: false,
            kv_cache_type: KvType::F16,
        }
    }
}

/// The simulator's shared state; clones share it.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimConfig,
    /// Ollama skips the Host check when it listens on a non-loopback address.
    host_check: AtomicBool,
    state: Mutex<State>,
}

/// Everything that changes at run time. Guarded by one mutex that is never held across an await.
struct State {
    models: Vec<InstalledModel>,
    foreign_vram: u64,
    sched: Scheduler,
    log: Vec<RequestRecord>,
    failure: Option<FailurePlan>,
}

impl State {
    fn new(config: &SimConfig) -> State {
        State {
            models: models::installed_models(),
            foreign_vram: config.foreign_vram,
            sched: Scheduler::default(),
            log: Vec::new(),
            failure: None,
        }
    }

    fn find_model(&self, name: &str) -> Option<&InstalledModel> {
        let key = models::canonical_key(name)?;
        self.models
            .iter()
            .find(|m| models::canonical_key(&m.name).as_deref() == Some(key.as_str()))
    }
}

/// One inference request as the sim received and scheduled it (`GET /sim/requests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `/api/chat`, `/api/generate`, `/api/embed`, `/api/embeddings` or `/v1/embeddings`.
    pub path: String,
    /// `inference`, `load` (empty prompt/messages), `unload` (empty + `keep_alive: 0`) or `embed`.
    pub kind: String,
    /// The model name as sent.
    pub model: String,
    /// The installed model that served it.
    pub loaded_model: String,
    /// The runner's context after defaulting and clamping; `null` for an unload.
    pub num_ctx: Option<u32>,
    /// `options.num_ctx` exactly as sent, or `null`.
    pub requested_num_ctx: Value,
    /// `options` exactly as sent, or `null`.
    pub options: Value,
    /// Prompt tokens before truncation ([`tokens`] rule).
    pub prompt_tokens: u64,
    /// Tokens actually evaluated.
    pub prompt_eval_count: u64,
    pub truncated: bool,
    /// The runner was replaced because runner options differed.
    pub reloaded: bool,
    /// A load happened for this request (first load or reload).
    pub loaded_fresh: bool,
    /// `think` as sent, or `null`.
    pub think: Value,
    pub stream: bool,
    pub has_tools: bool,
    /// `keep_alive` as sent, or `null`.
    pub keep_alive: Value,
}

/// Scheduler counters (`GET /sim/stats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    pub loads: u64,
    pub reloads: u64,
    pub evictions: u64,
    pub load_seconds: f64,
    pub spilled_requests: u64,
    pub requests: u64,
    /// 400s for prompts over the context (shift off, or `truncate: false`).
    #[serde(default)]
    pub refused_too_long: u64,
    /// Prompt tokens of answered requests (after truncation) and how many of them the prompt
    /// cache spared.
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub prompt_tokens_cached: u64,
}

impl From<&Stats> for SimStats {
    fn from(s: &Stats) -> SimStats {
        SimStats {
            loads: s.loads,
            reloads: s.reloads,
            evictions: s.evictions,
            load_seconds: s.load_seconds,
            spilled_requests: s.spilled_requests,
            requests: s.requests,
            refused_too_long: s.refused_too_long,
            prompt_tokens: s.prompt_tokens,
            prompt_tokens_cached: s.prompt_tokens_cached,
        }
    }
}

/// Makes the next `count` chat/generate requests fail (`POST /sim/fail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailurePlan {
    /// 0: fail before the first byte with `status`. N > 0: stream N chunks, then an `{"error"}`
    /// line and EOF (status stays 200). Non-streaming requests always get `status`.
    #[serde(default)]
    pub after_chunks: u64,
    #[serde(default = "default_failure_error")]
    pub error: String,
    #[serde(default = "default_failure_status")]
    pub status: u16,
    #[serde(default = "default_failure_count")]
    pub count: u32,
}

fn default_failure_error() -> String {
    "an error was encountered while running the model".into()
}

fn default_failure_status() -> u16 {
    500
}

fn default_failure_count() -> u32 {
    1
}

/// NVML-like readings of the simulated GPU (`GET /sim/gpu`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuReading {
    pub name: String,
    pub total: u64,
    pub used: u64,
    pub free: u64,
    pub bandwidth_gbps: f64,
    pub processes: Vec<GpuProcess>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuProcess {
    pub pid: u32,
    pub name: String,
    pub used_memory: u64,
}

/// Simulated process ids for the GPU process list.
const OLLAMA_PID: u32 = 4242;
const FOREIGN_PID: u32 = 1717;

impl Sim {
    pub fn new(config: SimConfig) -> Sim {
        let state = State::new(&config);
        Sim {
            inner: Arc::new(Inner {
                config,
                host_check: AtomicBool::new(true),
                state: Mutex::new(state),
            }),
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// The state lock; a panic elsewhere must not wedge the simulator, so poisoning is ignored.
    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn limits(&self, state: &State) -> Limits {
        Limits {
            vram_total: self.inner.config.vram_total,
            foreign_vram: state.foreign_vram,
            max_loaded_models: self.inner.config.max_loaded_models,
            default_keep_alive: self.inner.config.default_keep_alive,
        }
    }

    /// Every inference request received so far, in order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state().log.clone()
    }

    pub fn clear_requests(&self) {
        self.state().log.clear();
    }

    pub fn stats(&self) -> SimStats {
        SimStats::from(&self.state().sched.stats)
    }

    /// Changes the VRAM other programs hold.
    pub fn set_foreign_vram(&self, bytes: u64) {
        self.state().foreign_vram = bytes;
    }

    /// Arms a failure for the next `plan.count` chat/generate requests.
    pub fn inject_failure(&self, plan: FailurePlan) {
        self.state().failure = (plan.count > 0).then_some(plan);
    }

    /// Unloads everything and restores the initial state: installed models, foreign VRAM, empty
    /// log, zero counters, no failure armed.
    pub fn reset(&self) {
        let fresh = State::new(&self.inner.config);
        *self.state() = fresh;
    }

    /// NVML-like readings: total, used (foreign + runners), free, per-process use.
    pub fn gpu(&self) -> GpuReading {
        let mut state = self.state();
        state.sched.expire(SystemTime::now());
        let ollama = state.sched.used_vram();
        let foreign = state.foreign_vram;
        let total = self.inner.config.vram_total;
        let used = (ollama + foreign).min(total);
        let processes = [
            (OLLAMA_PID, "ollama", ollama),
            (FOREIGN_PID, "foreign", foreign),
        ]
        .into_iter()
        .filter(|(_, _, bytes)| *bytes > 0)
        .map(|(pid, name, used_memory)| GpuProcess {
            pid,
            name: name.into(),
            used_memory,
        })
        .collect();
        GpuReading {
            name: "Simulated NVIDIA GeForce RTX 4070".into(),
            total,
            used,
            free: total - used,
            bandwidth_gbps: self.inner.config.bandwidth_gbps,
            processes,
        }
    }

    /// Takes one armed failure, if any.
    fn take_failure(state: &mut State) -> Option<FailurePlan> {
        let plan = state.failure.as_mut()?;
        let taken = plan.clone();
        plan.count = plan.count.saturating_sub(1);
        if plan.count == 0 {
            state.failure = None;
        }
        Some(taken)
    }
}

/// All routes of the simulated Ollama (plus `/sim/*`), state applied.
pub fn app(sim: Sim) -> Router {
    Router::new()
        .route("/", get(api::root))
        .route("/api/version", get(api::version))
        .route("/api/tags", get(api::tags))
        .route("/api/show", post(api::show))
        .route("/api/ps", get(api::ps).head(api::method_not_allowed))
        .route("/api/pull", post(api::pull))
        .route("/api/delete", axum::routing::delete(api::delete_model))
        .route("/api/copy", post(api::copy_model))
        .route("/api/chat", post(inference::chat))
        .route("/api/generate", post(inference::generate))
        .route("/api/embed", post(api::embed))
        .route("/api/embeddings", post(api::embeddings))
        .route(
            "/v1/models",
            get(api::v1_models).head(api::method_not_allowed),
        )
        .route("/v1/embeddings", post(api::v1_embeddings))
        .route("/v1/chat/completions", post(openai::chat_completions))
        .route("/v1/responses", post(responses::responses))
        .route("/v1/messages", post(anthropic::messages))
        .route(
            "/sim/requests",
            get(control::requests).delete(control::clear_requests),
        )
        .route("/sim/stats", get(control::stats))
        .route("/sim/gpu", get(control::gpu))
        .route("/sim/reset", post(control::reset))
        .route("/sim/fail", post(control::fail))
        .route(
            "/sim/config",
            get(control::config).post(control::set_config),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        // Ollama has no request body limit; coding prompts of several MB must get through.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            sim.clone(),
            api::host_check,
        ))
        .with_state(sim)
}

/// Serves the simulator on `listener` until the task is dropped or the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, sim: Sim) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let loopback = listener
        .local_addr()
        .map(|addr| addr.ip().is_loopback())
        .unwrap_or(true);
    sim.inner.host_check.store(loopback, Ordering::Relaxed);
    // Small NDJSON lines must not wait for Nagle: latency is what the router's benches measure.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(%err, "sim: failed to set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(sim)).await
}

/// Binds `127.0.0.1:0` and serves a new simulator in a background task.
pub async fn spawn(config: SimConfig) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let sim = Sim::new(config);
    let task = tokio::spawn(serve(listener, sim.clone()));
    Ok(SimHandle { addr, sim, task })
}

/// A running simulator; dropping it stops the server.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub sim: Sim,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

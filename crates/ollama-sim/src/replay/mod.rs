//! A simulated coding day: one seeded trace of a developer's requests ([`trace`]) replayed against
//! the simulated Ollama under six policies, and the report that compares them ([`report`]).
//!
//! Policies ([`Policy::COMPARED`]), the setups real users would pick:
//! 1. **Ollama unconfigured**: the clients' models and options, Ollama's default context 4096.
//! 2. **Ollama as documented for coding tools**: `OLLAMA_CONTEXT_LENGTH=64000`, the clients' models.
//! 3. **The seed, literally**: qwen3:8b@16384 for chat, agents, helpers and Aider (`num_ctx`
//!    pinned), qwen2.5-coder:7b-instruct-q5_K_M for autocomplete.
//! 4. The same at 32768.
//! 5. (4) with flash attention and `OLLAMA_KV_CACHE_TYPE=q8_0`.
//! 6. **router**: the same client requests through a router (default configuration, GPU readings
//!    from the simulator). This crate does not know the router: the caller supplies a
//!    [`RouterLauncher`] that starts one in front of a given sim URL, and the replay talks to it
//!    over HTTP like any client.
//!
//! Each policy gets a fresh simulated Ollama with its server settings; the default day is also
//! replayed on [`ReplayOptions::extra_seeds`] for a robustness table.
//!
//! Time is simulated, not measured: the simulator runs in fast mode (no sleeping) and reports
//! realistic `load_duration`, `prompt_eval_duration` and per-token `eval_duration` in each final
//! chunk. Its own answers are a few words long, so a request's latency is
//! `load + prompt eval + answer length × per-token time`, with the answer length taken from the
//! trace (the same for every policy). Truncation, reloads and spills come from the simulator's
//! request log and counters. A whole day replays in seconds.

mod drive;
pub mod report;
pub mod trace;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

pub use report::{ActivityRow, Outcome, PolicyResult, ReplayReport, Served};

use crate::GIB;
use crate::sim::{self, SimConfig};

/// What to replay.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayOptions {
    /// Seeds the trace; the same seed gives the same day.
    pub seed: u64,
    /// Requests in the day.
    pub requests: usize,
    /// Simulated GPU memory in bytes.
    pub vram: u64,
    /// Where to write `coding-day.md` and `coding-day.svg` (nothing is written when `None`).
    pub out_dir: Option<PathBuf>,
    /// More seeds replayed the same way and summarised in one table, so a conclusion does not
    /// rest on one lucky day.
    pub extra_seeds: Vec<u64>,
}

impl Default for ReplayOptions {
    fn default() -> ReplayOptions {
        ReplayOptions {
            // The seed benchmark's file name: 000_85b6312853eb1bd8.txt.
            seed: 0x85b6_3128_53eb_1bd8,
            requests: 600,
            vram: 12 * GIB,
            out_dir: None,
            extra_seeds: vec![1, 2],
        }
    }
}

/// One way of serving the day's requests: the setups real users would pick (issue 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Ollama as installed: the clients' models and options, Ollama's default context.
    OllamaUnconfigured,
    /// Ollama as documented for coding tools: `OLLAMA_CONTEXT_LENGTH=64000`, the clients' own
    /// models and options.
    OllamaDocumented,
    /// The seed's recommendation taken literally: qwen3:8b for chat, agents, helpers and Aider,
    /// qwen2.5-coder:7b-instruct-q5_K_M for autocomplete, `num_ctx` pinned; optionally with
    /// flash attention and `OLLAMA_KV_CACHE_TYPE=q8_0`.
    Seed { num_ctx: u32, flash_q8: bool },
    /// The same client requests through the router.
    Router,
}

/// The seed's daily driver and its quick-iterations coder (FIM-capable).
pub const SEED_CHAT_MODEL: &str = "qwen3:8b";
pub const SEED_FIM_MODEL: &str = "qwen2.5-coder:7b-instruct-q5_K_M";

impl Policy {
    /// The six policies the report compares, in report order.
    pub const COMPARED: [Policy; 6] = [
        Policy::OllamaUnconfigured,
        Policy::OllamaDocumented,
        Policy::Seed {
            num_ctx: 16384,
            flash_q8: false,
        },
        Policy::Seed {
            num_ctx: 32768,
            flash_q8: false,
        },
        Policy::Seed {
            num_ctx: 32768,
            flash_q8: true,
        },
        Policy::Router,
    ];

    pub fn label(&self) -> String {
        match self {
            Policy::OllamaUnconfigured => "Ollama unconfigured".into(),
            Policy::OllamaDocumented => "Ollama, OLLAMA_CONTEXT_LENGTH=64000".into(),
            Policy::Seed {
                num_ctx,
                flash_q8: false,
            } => format!("seed setup @{num_ctx}"),
            Policy::Seed {
                num_ctx,
                flash_q8: true,
            } => format!("seed setup @{num_ctx}, flash attn + q8_0 KV"),
            Policy::Router => "router".into(),
        }
    }

    /// The simulated Ollama's server settings under this policy.
    pub fn sim_config(&self, vram: u64) -> SimConfig {
        let base = SimConfig {
            fast: true,
            vram_total: vram,
            ..SimConfig::default()
        };
        match self {
            Policy::OllamaDocumented => SimConfig {
                default_num_ctx: 64000,
                ..base
            },
            Policy::Seed { flash_q8: true, .. } => SimConfig {
                flash_attention: true,
                kv_cache_type: sim::KvType::Q8_0,
                ..base
            },
            _ => base,
        }
    }
}

/// A router serving on a local address until dropped.
pub struct LaunchedRouter {
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Sets the router's clock to the day's simulated time (ms since the day began) before each
    /// request. The replay does not sleep, so without it a router that weighs how recently a
    /// model was used would see a ten-hour day pass in a minute.
    pub set_clock: Option<Box<dyn Fn(u64) + Send + Sync>>,
    /// Dropped when the policy's replay ends: it stops the router.
    pub guard: Box<dyn Send + Sync>,
}

/// A boxed future, so launchers can be closures over `async` blocks.
pub type LaunchFuture = Pin<Box<dyn Future<Output = Result<LaunchedRouter, String>> + Send>>;

/// Starts a fresh router with its default configuration in front of the simulated Ollama at
/// `sim_url` (GPU readings from the sim's `/sim/gpu`, `vram` bytes of it). Each call must return a
/// router with no sessions or learned speeds carried over.
pub trait RouterLauncher {
    fn launch(&self, sim_url: &str, vram: u64) -> LaunchFuture;
}

impl<F> RouterLauncher for F
where
    F: Fn(&str, u64) -> LaunchFuture,
{
    fn launch(&self, sim_url: &str, vram: u64) -> LaunchFuture {
        self(sim_url, vram)
    }
}

/// Replays one day under every policy.
async fn replay_day(
    http: &reqwest::Client,
    day: &[trace::Event],
    vram: u64,
    router: &dyn RouterLauncher,
) -> Result<Vec<PolicyResult>, String> {
    let mut results = Vec::new();
    for policy in Policy::COMPARED {
        // A fresh simulated Ollama per policy: its server settings differ.
        let sim = sim::spawn(policy.sim_config(vram))
            .await
            .map_err(|e| format!("cannot start the simulated Ollama: {e}"))?;
        // A fresh router per replay: no sessions or learned speeds carried over.
        let router = match policy {
            Policy::Router => Some(router.launch(&sim.url(), vram).await?),
            _ => None,
        };
        let target = drive::Target {
            http,
            sim: &sim.sim,
            sim_url: sim.url(),
            router_url: router.as_ref().map(|r| r.url.clone()),
            router_clock: router.as_ref().and_then(|r| r.set_clock.as_deref()),
        };
        let outcomes = drive::replay(&target, policy, day).await?;
        results.push(PolicyResult::new(
            policy.label(),
            outcomes,
            &sim.sim.stats(),
        ));
    }
    Ok(results)
}

/// Replays the day under every policy and builds the report (written to `out_dir` if set).
pub async fn run(
    opts: &ReplayOptions,
    router: &dyn RouterLauncher,
) -> Result<ReplayReport, String> {
    if opts.requests == 0 {
        return Err("a replay needs at least one request".into());
    }
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let day = trace::generate(opts.seed, opts.requests);
    let results = replay_day(&http, &day, opts.vram, router).await?;
    let mut other_seeds = Vec::new();
    for seed in &opts.extra_seeds {
        let other = trace::generate(*seed, opts.requests);
        let results = replay_day(&http, &other, opts.vram, router).await?;
        other_seeds.push((*seed, results));
    }
    let mut report = ReplayReport::new(opts, &day, results);
    report.other_seeds = other_seeds;

    if let Some(dir) = &opts.out_dir {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, text) in [
            ("coding-day.md", report.markdown()),
            ("coding-day.svg", report.svg()),
        ] {
            let path = dir.join(name);
            tokio::fs::write(&path, text)
                .await
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(report)
}

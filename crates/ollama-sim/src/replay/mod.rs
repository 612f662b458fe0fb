//! A simulated coding day: one seeded trace of a developer's requests ([`trace`]) replayed against
//! the simulated Ollama under three policies, and the report that compares them ([`report`]).
//!
//! Policies:
//! - **Ollama defaults**: every request goes straight to the simulated Ollama with the model the
//!   client names and the options the client sends. Only Aider sends `num_ctx`; everyone else
//!   gets Ollama's default context of 4096.
//! - **fixed qwen3:8b@16384**: straight to the simulated Ollama, every request rewritten to the
//!   seed's best all-rounder at 16384 (a careful manual setup).
//! - **router**: the same client requests through a router (default configuration, GPU readings
//!   from the simulator) in front of the same simulated Ollama. This crate does not know the
//!   router: the caller supplies a [`RouterLauncher`] that starts one in front of a given sim URL,
//!   and the replay talks to it over HTTP like any client.
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
}

impl Default for ReplayOptions {
    fn default() -> ReplayOptions {
        ReplayOptions {
            // The seed benchmark's file name: 000_85b6312853eb1bd8.txt.
            seed: 0x85b6_3128_53eb_1bd8,
            requests: 600,
            vram: 12 * GIB,
            out_dir: None,
        }
    }
}

/// One way of serving the day's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    OllamaDefaults,
    Fixed { model: &'static str, num_ctx: u32 },
    Router,
}

impl Policy {
    /// The three policies the report compares, in report order.
    pub const COMPARED: [Policy; 3] = [
        Policy::OllamaDefaults,
        Policy::Fixed {
            model: "qwen3:8b",
            num_ctx: 16384,
        },
        Policy::Router,
    ];

    pub fn label(&self) -> String {
        match self {
            Policy::OllamaDefaults => "Ollama defaults".into(),
            Policy::Fixed { model, num_ctx } => format!("fixed {model}@{num_ctx}"),
            Policy::Router => "router".into(),
        }
    }
}

/// A router serving on a local address until dropped.
pub struct LaunchedRouter {
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
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

/// Replays the day under every policy and builds the report (written to `out_dir` if set).
pub async fn run(
    opts: &ReplayOptions,
    router: &dyn RouterLauncher,
) -> Result<ReplayReport, String> {
    if opts.requests == 0 {
        return Err("a replay needs at least one request".into());
    }
    let day = trace::generate(opts.seed, opts.requests);
    let sim = sim::spawn(SimConfig {
        fast: true,
        vram_total: opts.vram,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the simulated Ollama: {e}"))?;
    let http = reqwest::Client::builder()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;

    let mut results = Vec::new();
    for policy in Policy::COMPARED {
        sim.sim.reset();
        // A fresh router per replay: no sessions or learned speeds carried over.
        let router = match policy {
            Policy::Router => Some(router.launch(&sim.url(), opts.vram).await?),
            _ => None,
        };
        let target = drive::Target {
            http: &http,
            sim: &sim.sim,
            sim_url: sim.url(),
            router_url: router.as_ref().map(|r| r.url.clone()),
        };
        let outcomes = drive::replay(&target, policy, &day).await?;
        results.push(PolicyResult::new(
            policy.label(),
            outcomes,
            &sim.sim.stats(),
        ));
    }
    let report = ReplayReport::new(opts, &day, results);
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

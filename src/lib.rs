//! ollama-router: a proxy in front of Ollama that picks, per request, the local model and context
//! size (`num_ctx`) that serve it best on this GPU right now.
//!
//! This crate is the service: HTTP, upstream I/O, background pollers, configuration loading,
//! metrics and the CLI. The decisions themselves are pure and live in [`router_core`]; the
//! simulated Ollama used by `--demo`, `sim` and `replay` lives in `ollama_sim`.
//!
//! Request flow: `api::*` (parse, dialect errors) → [`pipeline`] (view → classify → route →
//! rewrite, all `router_core`) → [`upstream`] → [`relay`] back through the dialect's encoder. Background tasks ([`inventory`],
//! [`gpu`], [`vocab`], [`config`] reload) publish snapshots that requests read without waiting. See
//! `ARCHITECTURE.md`.

pub mod api;
pub mod cli;
pub mod config;
pub mod failure;
pub mod gpu;
pub mod guard;
pub mod inventory;
pub mod launch;
pub mod observe;
pub mod pipeline;
pub mod relay;
pub mod server;
pub mod setup;
pub mod state;
pub mod status;
pub mod stream;
pub mod telemetry;
pub mod upstream;
pub mod vocab;

pub use api::app;
pub use state::AppState;

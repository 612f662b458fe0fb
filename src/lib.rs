//! ollama-router: a proxy in front of Ollama that picks, per request, the local model and context
//! size (`num_ctx`) that serve it best on this GPU right now.
//!
//! Request flow: `api::*` (parse, dialect errors) → [`pipeline`] (view → [`classify`] →
//! [`route`] → rewrite) → [`upstream`] → relay back. Background tasks ([`inventory`], [`gpu`],
//! [`config`] reload) publish snapshots that requests read without waiting. See `ARCHITECTURE.md`.

pub mod api;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod config;
pub mod gpu;
pub mod inventory;
pub mod observe;
pub mod pipeline;
pub mod replay;
pub mod request;
pub mod route;
pub mod session;
pub mod sim;
pub mod setup;
pub mod state;
pub mod status;
pub mod stream;
pub mod telemetry;
pub mod translate;
pub mod units;
pub mod upstream;

pub use api::app;
pub use state::AppState;

//! router-core: the pure routing core of ollama-router. Given a request body, the configuration
//! and a snapshot of the world (GPU reading, loaded and installed models, learned speeds), it
//! decides which local model and `num_ctx` serve the request, and converts between dialects.
//!
//! Invariant: no I/O, no clock, no globals, no async runtime. Everything arrives as arguments, so
//! every function here is deterministic and testable without a server.
//!
//! Layers, each using only those above it: [`units`], [`catalog`] → [`request`] (borrowed views
//! of native bodies, token estimate) → [`config`] (the `router.toml` types, compiled
//! [`config::Settings`]) → [`classify`] (model names, rules → `Kind`) → [`route`] (the decision) →
//! [`session`] (pins). [`tokens`] counts prompt tokens with a model's own vocabulary, or estimates
//! them per kind of text. [`memory`] models what a load takes and what Ollama does about it
//! (evict, place, spill); [`truncation`] recognises prompts Ollama refused or cut for their length.
//! [`translate`] converts OpenAI / Anthropic bodies to and from native ones.

pub mod catalog;
pub mod classify;
pub mod config;
pub mod memory;
pub mod request;
pub mod route;
pub mod session;
pub mod tokens;
pub mod translate;
pub mod truncation;
pub mod units;

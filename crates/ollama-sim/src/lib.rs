//! ollama-sim: a simulated Ollama ([`sim`]) and the replay of a simulated coding day ([`replay`]).
//!
//! The simulator is the referee the router is tested against, so this crate never depends on the
//! router or copies its data or formulas: its memory, token and scheduling models come from real
//! Ollama (the protocol reference, fixtures, Ollama's source) and the seed benchmark. The replay
//! drives a router over HTTP; the service supplies a [`replay::RouterLauncher`] that starts one.

pub mod replay;
pub mod sim;

pub use sim::{RequestRecord, Sim, SimConfig, SimHandle, SimStats, serve, spawn};

/// Bytes in a GiB.
pub const GIB: u64 = 1024 * 1024 * 1024;

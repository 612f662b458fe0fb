//! ollama-router: a proxy in front of Ollama that picks, per request, the local model and context
//! size (`num_ctx`) that serve it best on this GPU right now.
//!
//! See `ARCHITECTURE.md` for the codemap and the invariants.

pub mod catalog;
pub mod sim;
pub mod stream;
pub mod translate;

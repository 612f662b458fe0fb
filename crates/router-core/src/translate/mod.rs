//! Pure converters between the OpenAI / Anthropic dialects and Ollama's native `/api/chat`.
//!
//! Invariant: nothing in here does I/O, reads a clock or touches globals; callers pass ids and
//! timestamps in.

pub mod anthropic;
pub mod native;
pub mod openai;

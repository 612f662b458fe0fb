//! The simulated Ollama (owned by the sim work).

//! Anthropic Messages dialect ⇄ native `/api/chat` (owned by the Anthropic work).

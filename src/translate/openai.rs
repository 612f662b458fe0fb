//! OpenAI dialect ⇄ native `/api/chat` and `/api/generate` (owned by the OpenAI work).

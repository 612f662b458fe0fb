//! Prompts that outgrow their context: recognising Ollama's refusals and its silent cuts.
//!
//! Ollama (≥ 0.30.11, `llm/llama_server.go`) does one of three things with a prompt longer than
//! `num_ctx − 1` tokens:
//! - with `truncate: false` (the router sends it), it passes the prompt on and llama-server
//!   refuses it: HTTP 400 "request (N tokens) exceeds the available context size (M tokens), try
//!   increasing it" — with the exact count, which the router uses to pick a context that holds it;
//! - with context shift off (`shift: false`, deepseek2 models) it answers 400 "the prompt is
//!   longer than the context length currently available to the model; …";
//! - otherwise it keeps `num_keep` (+ BOS) tokens of the head and the tail up to
//!   `num_ctx − (num_ctx − n_keep)/2` tokens, silently, and `prompt_eval_count` says how many it
//!   kept. Older versions kept the last `num_ctx` tokens and dropped old chat messages.
//!
//! Invariant: pure functions of their arguments.

/// Ollama refused a prompt for its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextRefusal {
    /// The prompt's exact size when Ollama said it.
    pub tokens: Option<u32>,
    /// The context it was refused at, when Ollama said it.
    pub num_ctx: Option<u32>,
}

/// Reads a native error (status and `{"error": ...}` body, or its message) for a context-length
/// refusal. Anything else is `None`.
pub fn context_refusal(status: u16, message: &str) -> Option<ContextRefusal> {
    if status != 400 {
        return None;
    }
    if message.contains("exceeds the available context size") {
        return Some(ContextRefusal {
            tokens: number_after(message, "request ("),
            num_ctx: number_after(message, "context size ("),
        });
    }
    let lower = message.to_ascii_lowercase();
    (lower.contains("longer than the context length")
        || lower.contains("input length exceeds the context length"))
    .then_some(ContextRefusal {
        tokens: None,
        num_ctx: None,
    })
}

/// The number that follows `prefix` in `text` (the JSON escaping of llama-server's nested error
/// object leaves digits alone).
fn number_after(text: &str, prefix: &str) -> Option<u32> {
    let start = text.find(prefix)? + prefix.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// How an answer shows its prompt was cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// `prompt_eval_count` reached `num_ctx`: old-message dropping or an older Ollama's cut.
    ReachedContext,
    /// `prompt_eval_count` is exactly what Ollama's context shift keeps of a longer prompt.
    HalvedByContextShift,
}

impl Cut {
    pub fn as_str(self) -> &'static str {
        match self {
            Cut::ReachedContext => "reached_num_ctx",
            Cut::HalvedByContextShift => "context_shift_half",
        }
    }
}

/// Ollama's `contextShiftPromptLimit`: how many tokens of a too-long prompt it keeps.
pub fn context_shift_limit(num_ctx: u32, n_keep: u32) -> u32 {
    if num_ctx <= 1 {
        return 0;
    }
    let keep = n_keep.min(num_ctx - 1);
    num_ctx - ((num_ctx - keep) / 2).max(1)
}

/// Whether `prompt_eval_count` shows a cut prompt at `num_ctx`. A prompt of exactly the length
/// context shift keeps is taken for a cut: wrongly flagging one in a few thousand requests is
/// better than missing a cut.
pub fn cut_evidence(prompt_eval_count: u64, num_ctx: u32) -> Option<Cut> {
    if num_ctx == 0 {
        return None;
    }
    if prompt_eval_count + 16 >= u64::from(num_ctx) {
        return Some(Cut::ReachedContext);
    }
    // num_keep defaults to 4; one more when the tokenizer adds BOS.
    let halved = [4, 5].map(|k| u64::from(context_shift_limit(num_ctx, k)));
    halved
        .contains(&prompt_eval_count)
        .then_some(Cut::HalvedByContextShift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_refusals() {
        let llama = r#"{"error":{"code":400,"message":"request (20123 tokens) exceeds the available context size (16384 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":20123,"n_ctx":16384}}"#;
        assert_eq!(
            context_refusal(400, llama),
            Some(ContextRefusal {
                tokens: Some(20123),
                num_ctx: Some(16384)
            })
        );
        let shift_off = "the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length";
        assert_eq!(
            context_refusal(400, shift_off),
            Some(ContextRefusal {
                tokens: None,
                num_ctx: None
            })
        );
        assert_eq!(context_refusal(500, shift_off), None);
        assert_eq!(context_refusal(400, "invalid model name"), None);
    }

    #[test]
    fn shift_limits_match_fixture_06() {
        // contextShiftPromptLimit_table of fixture 06.
        assert_eq!(context_shift_limit(8, 3), 6);
        assert_eq!(context_shift_limit(4096, 4), 2050);
        assert_eq!(context_shift_limit(4096, 5), 2051);
        assert_eq!(context_shift_limit(8, 99), 7);
        assert_eq!(context_shift_limit(1, 0), 0);
        // realistic rows: 12000 tokens into 8192 with BOS keep 4099, without 4098.
        assert_eq!(context_shift_limit(8192, 5), 4099);
        assert_eq!(cut_evidence(4099, 8192), Some(Cut::HalvedByContextShift));
        assert_eq!(cut_evidence(8194, 16384), Some(Cut::HalvedByContextShift));
        assert_eq!(cut_evidence(8192, 8192), Some(Cut::ReachedContext));
        assert_eq!(cut_evidence(5000, 8192), None);
        assert_eq!(cut_evidence(4097, 8192), None);
    }
}

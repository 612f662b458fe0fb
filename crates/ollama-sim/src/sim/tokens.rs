//! The simulator's token accounting and its silent truncation, modelled on Ollama's
//! `chatPrompt` (`reference/ollama-protocol.md` §2.3).
//!
//! # The rule (fixed: tests and the router's calibration depend on it; never change it)
//!
//! - `text_tokens(s) = ceil(bytes(s) / 4)` (0 for an empty string).
//! - chat: Σ over messages of `text_tokens(content) + 4` (4 template tokens per message)
//!   `+ text_tokens(JSON of the tools array)` (0 without tools) `+ 768` per image.
//! - generate: `text_tokens(prompt) + text_tokens(system) + text_tokens(suffix) + 768` per image;
//!   no per-message template tokens.
//!
//! # Truncation (silent, like Ollama with `truncate` on)
//!
//! - chat: while the total exceeds `num_ctx`, drop the oldest non-system message, never the last
//!   one. Tools and system messages always stay. If it still does not fit, the runner keeps the
//!   last `num_ctx` tokens: `prompt_eval_count = num_ctx`.
//! - generate: the runner keeps the tail of the prompt: `prompt_eval_count = min(total, num_ctx)`.
//!
//! `prompt_eval_count` always reports the tokens actually evaluated (after truncation).

/// Template tokens each chat message costs on top of its content.
pub const TEMPLATE_TOKENS_PER_MESSAGE: u64 = 4;

/// What one image costs (Ollama's projector models count 768 per image).
pub const TOKENS_PER_IMAGE: u64 = 768;

/// `ceil(bytes / 4)`.
pub fn text_tokens(text_bytes: usize) -> u64 {
    (text_bytes as u64).div_ceil(4)
}

/// One chat message as the accounting sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageCost {
    pub is_system: bool,
    pub content_bytes: usize,
    pub images: usize,
}

impl MessageCost {
    pub fn tokens(&self) -> u64 {
        text_tokens(self.content_bytes)
            + TEMPLATE_TOKENS_PER_MESSAGE
            + self.images as u64 * TOKENS_PER_IMAGE
    }
}

/// The outcome of fitting a prompt into a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    /// Tokens of the whole prompt as sent (before truncation).
    pub prompt_tokens: u64,
    /// Tokens actually evaluated (`prompt_eval_count`).
    pub evaluated: u64,
    /// Whether anything was dropped or cut.
    pub truncated: bool,
    /// Per message: kept (`true`) or dropped. Empty for generate.
    pub kept: Vec<bool>,
}

/// Fits a chat prompt into `num_ctx` by dropping the oldest non-system messages.
pub fn fit_chat(messages: &[MessageCost], tools_json_bytes: usize, num_ctx: u32) -> Fit {
    let num_ctx = u64::from(num_ctx);
    let tools = text_tokens(tools_json_bytes);
    let costs: Vec<u64> = messages.iter().map(MessageCost::tokens).collect();
    let prompt_tokens = tools + costs.iter().sum::<u64>();
    let mut kept = vec![true; messages.len()];
    let mut total = prompt_tokens;
    let last = messages.len().saturating_sub(1);
    for (idx, message) in messages.iter().enumerate() {
        if total <= num_ctx {
            break;
        }
        if idx == last || message.is_system {
            continue;
        }
        kept[idx] = false;
        total -= costs[idx];
    }
    let evaluated = total.min(num_ctx);
    Fit {
        prompt_tokens,
        evaluated,
        truncated: evaluated < prompt_tokens,
        kept,
    }
}

/// Fits a generate prompt: the runner keeps its tail.
pub fn fit_generate(
    prompt_bytes: usize,
    system_bytes: usize,
    suffix_bytes: usize,
    images: usize,
    num_ctx: u32,
) -> Fit {
    let prompt_tokens = text_tokens(prompt_bytes)
        + text_tokens(system_bytes)
        + text_tokens(suffix_bytes)
        + images as u64 * TOKENS_PER_IMAGE;
    let evaluated = prompt_tokens.min(u64::from(num_ctx));
    Fit {
        prompt_tokens,
        evaluated,
        truncated: evaluated < prompt_tokens,
        kept: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(is_system: bool, content_bytes: usize) -> MessageCost {
        MessageCost {
            is_system,
            content_bytes,
            images: 0,
        }
    }

    #[test]
    fn counts_follow_the_documented_rule() {
        assert_eq!(text_tokens(0), 0);
        assert_eq!(text_tokens(1), 1);
        assert_eq!(text_tokens(8), 2);
        assert_eq!(text_tokens(9), 3);
        let fit = fit_chat(&[msg(true, 10), msg(false, 4)], 9, 4096);
        // (3 + 4) + (1 + 4) + 3
        assert_eq!(fit.prompt_tokens, 15);
        assert_eq!(fit.evaluated, 15);
        assert!(!fit.truncated);
        let with_image = MessageCost {
            is_system: false,
            content_bytes: 0,
            images: 2,
        };
        assert_eq!(with_image.tokens(), 4 + 1536);
    }

    #[test]
    fn drops_oldest_non_system_messages_but_keeps_the_last() {
        // system 104, then three 1004-token messages; ctx 2200 fits system + two of them.
        let messages = [
            msg(true, 400),
            msg(false, 4000),
            msg(false, 4000),
            msg(false, 4000),
        ];
        let fit = fit_chat(&messages, 0, 2200);
        assert_eq!(fit.kept, vec![true, false, true, true]);
        assert_eq!(fit.prompt_tokens, 104 + 3 * 1004);
        assert_eq!(fit.evaluated, 104 + 2 * 1004);
        assert!(fit.truncated);
    }

    #[test]
    fn an_oversized_last_message_is_cut_to_the_context() {
        let fit = fit_chat(&[msg(false, 48_000)], 0, 4096);
        assert_eq!(fit.kept, vec![true]);
        assert_eq!(fit.prompt_tokens, 12_004);
        assert_eq!(fit.evaluated, 4096);
        assert!(fit.truncated);
    }

    #[test]
    fn generate_keeps_the_tail() {
        let fit = fit_generate(40_000, 0, 0, 0, 4096);
        assert_eq!(
            (fit.prompt_tokens, fit.evaluated, fit.truncated),
            (10_000, 4096, true)
        );
        let fit = fit_generate(100, 20, 8, 0, 4096);
        assert_eq!(
            (fit.prompt_tokens, fit.evaluated, fit.truncated),
            (32, 32, false)
        );
    }
}

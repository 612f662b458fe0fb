//! The simulator's token accounting: the prompt the model reads, rendered the way the library's
//! Qwen templates render it (ChatML), counted with the model's own BPE ([`super::bpe`]), and what
//! Ollama ≥ 0.30.11 does when it is longer than the context (fixtures 05 and 06).
//!
//! # Counting
//! Ollama tokenizes the rendered template with special tokens parsed, so `<|im_start|>` is one
//! token. Every message is framed by specials, so a conversation's count is the sum of its
//! messages' counts: `<|im_start|>{role}\n{content}<|im_end|>\n`, tool calls as
//! `<tool_call>` blocks, tool results as a user turn in `<tool_response>`; the tool definitions
//! join the system turn with Qwen's tool preamble; the prompt ends with
//! `<|im_start|>assistant\n` (plus qwen3's empty `<think>` block when thinking is off); 768 per
//! image. `/api/generate` renders a system + user turn, a FIM prompt as
//! `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>`, a raw prompt as itself.
//!
//! # Too long for the context
//! 1. Messages ([`keep_messages`], `server/prompt.go` chatPrompt): for `i` in `0..=last`, the
//!    candidate is the system messages among `messages[..i]` plus `messages[i..]`; the first that
//!    fits `num_ctx` wins, the last message alone is kept even if it does not fit. No room is
//!    reserved for the answer. `truncate: false` keeps everything.
//! 2. The runner ([`runner_prompt`], `llm/llama_server.go` completionPromptForRequest): a prompt
//!    longer than `num_ctx − 1` keeps `n_keep` head tokens (`num_keep`, default 4, +1 for a BOS)
//!    and the tail, down to `num_ctx − max((num_ctx − n_keep)/2, 1)` tokens: about half the
//!    context. With context shift off (`shift: false`, deepseek2 by default) it is a 400 with
//!    [`LONGER_THAN_CONTEXT`]; with `truncate: false`, llama-server's own 400.
//!
//! `prompt_eval_count` reports the tokens of the prompt actually evaluated (cached included).

use super::bpe::Bpe;

/// What one image costs on projector models (`server/prompt.go`: 768 per image).
pub const TOKENS_PER_IMAGE: u64 = 768;

/// Ollama's default `num_keep` (`api/types.go` DefaultOptions).
pub const DEFAULT_NUM_KEEP: i64 = 4;

/// Tokens of a piece of model output or plain text (no template).
pub fn text_tokens(text: &str) -> u64 {
    Bpe::qwen2().count(text) as u64
}

/// One chat message as the template sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatPart<'a> {
    pub role: &'a str,
    pub content: &'a str,
    /// Each tool call as `{"name":…,"arguments":…}` JSON.
    pub tool_calls: &'a [String],
    pub images: usize,
}

/// One message as the template renders it (images aside).
fn render_message(m: &ChatPart<'_>) -> String {
    let mut text = String::with_capacity(m.content.len() + 64);
    if m.role == "tool" {
        // Qwen's templates wrap a tool result in a user turn.
        text.push_str("<|im_start|>user\n<tool_response>\n");
        text.push_str(m.content);
        text.push_str("\n</tool_response><|im_end|>\n");
    } else {
        text.push_str("<|im_start|>");
        text.push_str(m.role);
        text.push('\n');
        text.push_str(m.content);
        for call in m.tool_calls {
            text.push_str("\n<tool_call>\n");
            text.push_str(call);
            text.push_str("\n</tool_call>");
        }
        text.push_str("<|im_end|>\n");
    }
    text
}

/// Tokens of one rendered message.
pub fn message_tokens(m: &ChatPart<'_>) -> u64 {
    Bpe::qwen2().count(&render_message(m)) as u64 + m.images as u64 * TOKENS_PER_IMAGE
}

/// The token ids of one rendered message ([`message_tokens`] of them): its text, then
/// [`TOKENS_PER_IMAGE`] copies of each image's key (a stand-in for the image's embeddings, so
/// that two different images never share a cached prefix).
pub fn message_ids(m: &ChatPart<'_>, image_keys: &[u32]) -> Vec<u32> {
    let mut ids = Bpe::qwen2().encode(&render_message(m));
    push_images(&mut ids, m.images, image_keys);
    ids
}

fn push_images(ids: &mut Vec<u32>, images: usize, image_keys: &[u32]) {
    for i in 0..images {
        let key = image_keys.get(i).copied().unwrap_or(u32::MAX);
        ids.extend(std::iter::repeat_n(key, TOKENS_PER_IMAGE as usize));
    }
}

/// The tool definitions as the system turn carries them (Qwen2.5's tool preamble and one JSON
/// line per tool); empty without tools.
fn render_tools(tools: &[String]) -> String {
    if tools.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n\
         You are provided with function signatures within <tools></tools> XML tags:\n<tools>",
    );
    for tool in tools {
        text.push('\n');
        text.push_str(tool);
    }
    text.push_str(
        "\n</tools>\n\nFor each function call, return a json object with function name and \
         arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": \
         <function-name>, \"arguments\": <args-json-object>}\n</tool_call>",
    );
    text
}

/// Tokens the tool definitions add to the system turn; zero without tools.
pub fn tools_tokens(tools: &[String]) -> u64 {
    Bpe::qwen2().count(&render_tools(tools)) as u64
}

/// The token ids of [`tools_tokens`].
pub fn tools_ids(tools: &[String]) -> Vec<u32> {
    Bpe::qwen2().encode(&render_tools(tools))
}

/// The text after the last message: the assistant turn's opening, and qwen3's empty thinking
/// block when thinking is off.
fn assistant_prefix(empty_think_block: bool) -> &'static str {
    if empty_think_block {
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    } else {
        "<|im_start|>assistant\n"
    }
}

/// Tokens after the last message.
pub fn assistant_prefix_tokens(empty_think_block: bool) -> u64 {
    Bpe::qwen2().count(assistant_prefix(empty_think_block)) as u64
}

/// The token ids of [`assistant_prefix_tokens`].
pub fn assistant_prefix_ids(empty_think_block: bool) -> Vec<u32> {
    Bpe::qwen2().encode(assistant_prefix(empty_think_block))
}

/// Tokens of a `/api/generate` prompt.
pub fn generate_tokens(prompt: &str, system: &str, suffix: &str, raw: bool, images: usize) -> u64 {
    generate_ids(prompt, system, suffix, raw, images, &[]).len() as u64
}

/// The token ids of a `/api/generate` prompt: the raw prompt, a FIM prompt, or a system and a
/// user turn and the assistant's opening; each image as in [`message_ids`].
pub fn generate_ids(
    prompt: &str,
    system: &str,
    suffix: &str,
    raw: bool,
    images: usize,
    image_keys: &[u32],
) -> Vec<u32> {
    let bpe = Bpe::qwen2();
    let mut ids = if raw {
        bpe.encode(prompt)
    } else if !suffix.is_empty() {
        bpe.encode(&format!(
            "<|fim_prefix|>{prompt}<|fim_suffix|>{suffix}<|fim_middle|>"
        ))
    } else {
        let mut ids = Vec::new();
        if !system.is_empty() {
            ids = message_ids(
                &ChatPart {
                    role: "system",
                    content: system,
                    ..ChatPart::default()
                },
                &[],
            );
        }
        ids.extend(message_ids(
            &ChatPart {
                role: "user",
                content: prompt,
                ..ChatPart::default()
            },
            &[],
        ));
        ids.extend(assistant_prefix_ids(false));
        ids
    };
    push_images(&mut ids, images, image_keys);
    ids
}

/// The tokens the runner evaluates of `ids`, `evaluated` long ([`Fit::evaluated`]): all of them,
/// or, when context shift cut the prompt, the `num_keep` head and the tail
/// (`llm/llama_server.go` completionPromptForRequest keeps `tokens[:nKeep] + tokens[nKeep+discard:]`).
pub fn runner_ids(mut ids: Vec<u32>, evaluated: u64, rules: ContextRules) -> Vec<u32> {
    let len = ids.len() as u64;
    if evaluated >= len {
        return ids;
    }
    let ctx = u64::from(rules.num_ctx);
    let n_keep = u64::try_from(rules.num_keep)
        .unwrap_or(len)
        .min(ctx.saturating_sub(1))
        .min(evaluated);
    let discard = (len - evaluated) as usize;
    let n_keep = n_keep as usize;
    ids.drain(n_keep..n_keep + discard);
    ids
}

/// One message as the truncation loop sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageTokens {
    pub is_system: bool,
    pub tokens: u64,
}

/// Which messages survive (fixture 05). `fixed` is what every candidate carries (tools, the
/// assistant prefix). Returns (kept, tokens of the kept prompt).
pub fn keep_messages(
    messages: &[MessageTokens],
    fixed: u64,
    num_ctx: u32,
    truncate: bool,
) -> (Vec<bool>, u64) {
    let total: u64 = fixed + messages.iter().map(|m| m.tokens).sum::<u64>();
    if !truncate || messages.is_empty() {
        return (vec![true; messages.len()], total);
    }
    let last = messages.len() - 1;
    let mut suffix = vec![0u64; messages.len() + 1];
    for i in (0..messages.len()).rev() {
        suffix[i] = suffix[i + 1] + messages[i].tokens;
    }
    let mut systems_before = 0u64;
    for i in 0..last {
        let candidate = fixed + systems_before + suffix[i];
        if candidate <= u64::from(num_ctx) {
            return (kept_from(messages, i), candidate);
        }
        if messages[i].is_system {
            systems_before += messages[i].tokens;
        }
    }
    (
        kept_from(messages, last),
        fixed + systems_before + suffix[last],
    )
}

fn kept_from(messages: &[MessageTokens], first: usize) -> Vec<bool> {
    messages
        .iter()
        .enumerate()
        .map(|(j, m)| j >= first || m.is_system)
        .collect()
}

/// The runner refused the prompt (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunnerRefusal {
    /// Context shift off.
    LongerThanContext,
    /// `truncate: false`: llama-server's own check.
    ExceedsAvailableContext { tokens: u64, num_ctx: u32 },
}

impl RunnerRefusal {
    pub fn message(&self) -> String {
        match self {
            RunnerRefusal::LongerThanContext => LONGER_THAN_CONTEXT.to_string(),
            // llama-server's text (llm/llama_server_test.go l.2638); how Ollama relays it for a
            // completion is unverified: the sim passes it through.
            RunnerRefusal::ExceedsAvailableContext { tokens, num_ctx } => format!(
                "request ({tokens} tokens) exceeds the available context size ({num_ctx} tokens), try increasing it"
            ),
        }
    }
}

/// Ollama's text for a prompt over the context with context shift off (fixture 06).
pub const LONGER_THAN_CONTEXT: &str = "the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length";

/// How many tokens of a `prompt_tokens`-long prompt the runner evaluates (fixture 06).
pub fn runner_prompt(
    prompt_tokens: u64,
    num_ctx: u32,
    truncate: bool,
    shift: bool,
    num_keep: i64,
    adds_bos: bool,
) -> Result<u64, RunnerRefusal> {
    let ctx = u64::from(num_ctx);
    if !truncate {
        return if prompt_tokens > ctx {
            Err(RunnerRefusal::ExceedsAvailableContext {
                tokens: prompt_tokens,
                num_ctx,
            })
        } else {
            Ok(prompt_tokens)
        };
    }
    if ctx <= 1 || prompt_tokens < ctx {
        return Ok(prompt_tokens);
    }
    if !shift {
        return Err(RunnerRefusal::LongerThanContext);
    }
    let mut n_keep = u64::try_from(num_keep).unwrap_or(prompt_tokens);
    if adds_bos {
        n_keep += 1;
    }
    Ok(shift_limit(ctx, n_keep.min(ctx - 1)))
}

/// `contextShiftPromptLimit`.
pub fn shift_limit(num_ctx: u64, num_keep: u64) -> u64 {
    if num_ctx <= 1 {
        return 0;
    }
    let keep = num_keep.min(num_ctx - 1);
    num_ctx - ((num_ctx - keep) / 2).max(1)
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

/// Context settings of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextRules {
    pub num_ctx: u32,
    pub truncate: bool,
    pub shift: bool,
    pub num_keep: i64,
}

/// Fits a chat prompt: messages first, then the runner.
pub fn fit_chat(
    messages: &[MessageTokens],
    fixed: u64,
    rules: ContextRules,
) -> Result<Fit, RunnerRefusal> {
    let prompt_tokens = fixed + messages.iter().map(|m| m.tokens).sum::<u64>();
    let (kept, kept_tokens) = keep_messages(messages, fixed, rules.num_ctx, rules.truncate);
    let evaluated = runner_prompt(
        kept_tokens,
        rules.num_ctx,
        rules.truncate,
        rules.shift,
        rules.num_keep,
        false,
    )?;
    Ok(Fit {
        prompt_tokens,
        evaluated,
        truncated: evaluated < prompt_tokens,
        kept,
    })
}

/// Fits a generate prompt: the runner only.
pub fn fit_generate(prompt_tokens: u64, rules: ContextRules) -> Result<Fit, RunnerRefusal> {
    let evaluated = runner_prompt(
        prompt_tokens,
        rules.num_ctx,
        rules.truncate,
        rules.shift,
        rules.num_keep,
        false,
    )?;
    Ok(Fit {
        prompt_tokens,
        evaluated,
        truncated: evaluated < prompt_tokens,
        kept: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(tokens: u64) -> MessageTokens {
        MessageTokens {
            is_system: false,
            tokens,
        }
    }
    fn s(tokens: u64) -> MessageTokens {
        MessageTokens {
            is_system: true,
            tokens,
        }
    }

    /// Fixture 05 (server/prompt_test.go TestChatPrompt), with its word counts as token counts.
    #[test]
    fn fixture_05_message_truncation() {
        let harry = [m(4), m(3), m(11)];
        assert_eq!(keep_messages(&harry, 0, 64, true).0, [true, true, true]);
        assert_eq!(
            keep_messages(&harry, 0, 1, true),
            (vec![false, false, true], 11)
        );
        let sys_first = [s(6), m(4), m(3), m(11)];
        assert_eq!(keep_messages(&sys_first, 0, 2048, true).0, [true; 4]);
        let sys_mid = [m(4), s(6), m(3), m(11)];
        assert_eq!(keep_messages(&sys_mid, 0, 2048, true).0, [true; 4]);
        assert_eq!(
            keep_messages(&sys_mid, 0, 18, true),
            (vec![false, true, false, true], 17)
        );
        assert_eq!(keep_messages(&harry, 0, 10, false), (vec![true; 3], 18));
    }

    /// Fixture 06 (llm/llama_server_test.go), including the derived realistic rows.
    #[test]
    fn fixture_06_runner_truncation() {
        for (ctx, keep, limit) in [
            (8, 3, 6),
            (4096, 4, 2050),
            (4096, 5, 2051),
            (8, 99, 7),
            (1, 0, 0),
        ] {
            assert_eq!(shift_limit(ctx, keep), limit, "{ctx} {keep}");
        }
        // The table's (8, -1) -> 4 is the helper clamping a negative keep to 0; in a request a
        // negative num_keep keeps every token, capped at num_ctx - 1.
        assert_eq!(shift_limit(8, 0), 4);
        assert_eq!(runner_prompt(10, 8, true, true, -1, false), Ok(7));
        assert_eq!(runner_prompt(10, 8, true, true, 3, false), Ok(6));
        assert_eq!(runner_prompt(7, 8, true, true, 3, false), Ok(7));
        assert_eq!(
            runner_prompt(10, 8, true, false, 3, false),
            Err(RunnerRefusal::LongerThanContext)
        );
        assert_eq!(runner_prompt(12000, 8192, true, true, 4, true), Ok(4099));
        assert_eq!(runner_prompt(12000, 8192, true, true, 4, false), Ok(4098));
        assert_eq!(runner_prompt(20000, 16384, true, true, 4, true), Ok(8195));
        assert_eq!(
            runner_prompt(9000, 8192, false, true, 4, false),
            Err(RunnerRefusal::ExceedsAvailableContext {
                tokens: 9000,
                num_ctx: 8192
            })
        );
    }

    #[test]
    fn a_message_is_its_frame_plus_its_content() {
        // <|im_start|> user \n Hello world <|im_end|> \n
        let hello = ChatPart {
            role: "user",
            content: "Hello world",
            ..ChatPart::default()
        };
        assert_eq!(message_tokens(&hello), 7);
        assert_eq!(assistant_prefix_tokens(false), 3);
        assert_eq!(
            generate_tokens("def f(", "", "return 1", false, 0),
            3 + text_tokens("def f(") + text_tokens("return 1")
        );
        // Digits are one token each: a number costs its length.
        assert_eq!(text_tokens("1234567890"), 10);
    }

    #[test]
    fn a_long_chat_keeps_the_system_and_the_tail() {
        let rules = ContextRules {
            num_ctx: 2200,
            truncate: true,
            shift: true,
            num_keep: DEFAULT_NUM_KEEP,
        };
        let fit = fit_chat(&[s(104), m(1004), m(1004), m(1004)], 3, rules).unwrap();
        assert_eq!(fit.kept, vec![true, false, true, true]);
        assert_eq!(fit.evaluated, 104 + 2 * 1004 + 3);
        assert!(fit.truncated);
        // The last message alone is still too long: the runner halves it.
        let fit = fit_chat(
            &[m(12_004)],
            3,
            ContextRules {
                num_ctx: 4096,
                ..rules
            },
        )
        .unwrap();
        assert_eq!(fit.evaluated, 2050);
    }

    /// The runner's cut keeps the `num_keep` head and the tail, in ids as in counts.
    #[test]
    fn runner_ids_keep_the_head_and_the_tail() {
        let rules = ContextRules {
            num_ctx: 8,
            truncate: true,
            shift: true,
            num_keep: 3,
        };
        let ids: Vec<u32> = (0..10).collect();
        let evaluated = runner_prompt(10, 8, true, true, 3, false).unwrap();
        assert_eq!(
            runner_ids(ids.clone(), evaluated, rules),
            [0, 1, 2, 7, 8, 9]
        );
        assert_eq!(
            runner_ids(ids[..7].to_vec(), 7, rules),
            [0, 1, 2, 3, 4, 5, 6]
        );
        // Ids and counts agree for every shape of prompt.
        let m = ChatPart {
            role: "user",
            content: "fn main() { println!(\"1234\"); }",
            images: 1,
            ..ChatPart::default()
        };
        assert_eq!(message_ids(&m, &[42]).len() as u64, message_tokens(&m));
        let tools = ["{\"type\":\"function\"}".to_owned()];
        assert_eq!(tools_ids(&tools).len() as u64, tools_tokens(&tools));
        assert_eq!(
            generate_ids("def f(", "", "x", false, 0, &[]).len(),
            3 + 3 + 1
        );
    }
}

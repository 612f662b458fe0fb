//! Prompt tokens: exact counts with the model's own vocabulary, and a content-aware estimate
//! while the vocabulary is unknown.
//!
//! - [`bpe`]: a byte-level BPE counter built from the GGUF tokenizer Ollama reports
//!   (`/api/show` with `verbose: true`), with [`pretok`]'s pre-tokenizers.
//! - [`ModelTokenizer`]: that counter plus the chat template's framing ([`Framing`]): the prompt is
//!   counted the way the template renders it (role markers per message, the tool preamble, FIM
//!   tokens). Messages are counted one by one and remembered by content hash in a
//!   [`MessageCache`], so a growing conversation counts only its new messages.
//! - [`estimate`]: the fallback, priced per kind of text and calibrated per model and class.
//!
//! Everything here is pure: the service fetches vocabularies, keeps caches and learns.

pub mod bpe;
pub mod estimate;
pub mod pretok;

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap, FxHasher};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

pub use bpe::{Bpe, BuildError, GgufTokenizer};
pub use estimate::{Calibration, ClassTokens, TextClass};
pub use pretok::PreTokenizer;

use crate::request::{Endpoint, NativeBody, PeekMessage, raw_text};

/// How a chat template frames messages, in tokens around their text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// `<|im_start|>role\n…<|im_end|>\n` (Qwen).
    ChatMl,
    /// `<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>` (Llama 3).
    Llama3,
    /// Anything else: a few tokens per message, counted generously.
    Plain,
}

impl Framing {
    /// Recognises a template by its markers (Ollama's Go templates or Jinja alike).
    pub fn from_template(template: &str) -> Framing {
        if template.contains("<|im_start|>") {
            Framing::ChatMl
        } else if template.contains("<|start_header_id|>") {
            Framing::Llama3
        } else {
            Framing::Plain
        }
    }

    /// Tokens around one message's text.
    fn per_message(self, role: &str) -> u32 {
        match (self, role) {
            // `<|im_start|>user\n<tool_response>\n…\n</tool_response><|im_end|>\n`
            (Framing::ChatMl, "tool") => 9,
            // `<|im_start|>` role `\n` … `<|im_end|>` `\n`
            (Framing::ChatMl, _) => 5,
            // `<|start_header_id|>` role `<|end_header_id|>` `\n\n` … `<|eot_id|>`
            (Framing::Llama3, _) => 5,
            (Framing::Plain, _) => 8,
        }
    }

    /// Tokens once per prompt: the beginning-of-text mark and the assistant's opening.
    fn per_prompt(self, thinks: bool) -> u32 {
        match self {
            // `<|im_start|>assistant\n`, and Qwen 3's empty `<think>\n\n</think>\n\n`.
            Framing::ChatMl => 3 + if thinks { 4 } else { 0 },
            // `<|begin_of_text|>` and `<|start_header_id|>assistant<|end_header_id|>\n\n`.
            Framing::Llama3 => 5,
            Framing::Plain => 8,
        }
    }
}

/// Qwen 2.5's tool preamble as its template renders it around the tool list (Qwen 3 uses the
/// same text); other templates get a generous allowance for theirs.
const CHATML_TOOL_PREAMBLE: &str = "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
const OTHER_TOOL_PREAMBLE: u32 = 120;

/// A model's tokenizer: its vocabulary's counter and its template's framing.
#[derive(Debug)]
pub struct ModelTokenizer {
    bpe: Arc<Bpe>,
    framing: Framing,
    /// The template renders Qwen 3's empty thinking block.
    thinks: bool,
    /// The template renders FIM requests as `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>`.
    fim: bool,
    tool_preamble: u32,
    identity: u64,
}

impl ModelTokenizer {
    /// Builds from the GGUF tokenizer fields and the model's template (`/api/show` `template`).
    pub fn build(tokenizer: &GgufTokenizer, template: &str) -> Result<ModelTokenizer, BuildError> {
        Ok(ModelTokenizer::new(
            Arc::new(Bpe::build(tokenizer)?),
            template,
        ))
    }

    /// A tokenizer on an already built counter (models sharing a vocabulary share it).
    pub fn new(bpe: Arc<Bpe>, template: &str) -> ModelTokenizer {
        let framing = Framing::from_template(template);
        let tool_preamble = match framing {
            // The preamble plus the system block it opens when there is no system message.
            Framing::ChatMl => bpe.count(CHATML_TOOL_PREAMBLE) as u32 + 5,
            _ => OTHER_TOOL_PREAMBLE,
        };
        let thinks = template.contains("<think>");
        let fim = template.contains("<|fim_prefix|>") || template.contains("<fim_prefix>");
        let mut h = FxHasher::default();
        (bpe.identity(), framing, thinks, fim).hash(&mut h);
        ModelTokenizer {
            bpe,
            framing,
            thinks,
            fim,
            tool_preamble,
            identity: h.finish(),
        }
    }

    /// Models whose vocabulary and framing agree count alike: one count (and one cache) serves
    /// them all.
    pub fn identity(&self) -> u64 {
        self.identity
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    pub fn bpe(&self) -> &Arc<Bpe> {
        &self.bpe
    }

    /// The prompt's tokens as Ollama will evaluate them for this model. `per_image` is what one
    /// image costs (the projector's tokens, not in the text vocabulary).
    pub fn count_body(
        &self,
        body: &NativeBody<'_>,
        endpoint: Endpoint,
        per_image: u32,
        cache: &dyn CountCache,
    ) -> u32 {
        let p = &body.peek;
        let images = p.images.as_ref().map_or(0, Vec::len) as u32;
        let mut total = u64::from(images * per_image);
        let count = |raw: Option<&RawValue>| self.bpe.count(&raw_text(raw)) as u64;
        if endpoint == Endpoint::Generate || p.messages.is_none() {
            let prompt = self.cached(cache, "prompt", p.prompt, None, || count(p.prompt));
            let suffix_given = p.suffix.is_some_and(|s| s.get().len() > 2);
            if p.raw == Some(true) {
                return saturate(total + prompt + count(p.suffix));
            }
            if suffix_given && self.fim {
                return saturate(total + prompt + count(p.suffix) + 3);
            }
            total += prompt + u64::from(self.framing.per_message("user"));
            if p.system.is_some_and(|s| s.get().len() > 2) {
                total += count(p.system) + u64::from(self.framing.per_message("system"));
            }
            total += count(p.suffix);
            return saturate(total + u64::from(self.framing.per_prompt(self.thinks)));
        }
        let mut has_system = false;
        if p.system.is_some_and(|s| s.get().len() > 2) {
            has_system = true;
            total += count(p.system) + u64::from(self.framing.per_message("system"));
        }
        for m in p.messages.iter().flatten() {
            has_system |= m.role == "system";
            total += self.message(m, per_image, cache);
        }
        if let Some(tools) = p.tools.filter(|t| t.get().trim_start().starts_with('[')) {
            let list: Vec<IgnoredAny> = serde_json::from_str(tools.get()).unwrap_or_default();
            if !list.is_empty() {
                // Each tool is rendered as JSON inside the preamble, with a line break and, in
                // Qwen's template, a `{"type": "function", "function": …}` wrapper that the
                // client's own JSON usually already carries.
                total += u64::from(self.tool_preamble)
                    + self.cached(cache, "tools", Some(tools), None, || {
                        self.bpe.count(tools.get()) as u64
                    })
                    + 2 * list.len() as u64;
                if has_system {
                    total -= 5;
                }
            }
        }
        saturate(total + u64::from(self.framing.per_prompt(self.thinks)))
    }

    fn message(&self, m: &PeekMessage<'_>, per_image: u32, cache: &dyn CountCache) -> u64 {
        let images = m.images.as_ref().map_or(0, Vec::len) as u64;
        let text = self.cached(cache, &m.role, m.content, Some(m), || {
            let mut n = self.bpe.count(&raw_text(m.content)) as u64;
            n += self.bpe.count(&raw_text(m.thinking)) as u64;
            if let Some(calls) = m.tool_calls {
                // `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>` per call.
                n += self.bpe.count(calls.get()) as u64 + 4;
            }
            n
        });
        text + u64::from(self.framing.per_message(&m.role)) + images * u64::from(per_image)
    }

    /// Looks a text up in the cache by the hash of its raw JSON (hashing is ~20× cheaper than
    /// counting), counting and remembering it on a miss.
    fn cached(
        &self,
        cache: &dyn CountCache,
        role: &str,
        raw: Option<&RawValue>,
        message: Option<&PeekMessage<'_>>,
        count: impl FnOnce() -> u64,
    ) -> u64 {
        let Some(raw) = raw else {
            return match message {
                Some(_) => count(),
                None => 0,
            };
        };
        // Short texts cost less to count than to remember.
        if raw.get().len() < 256 && message.is_none_or(|m| m.tool_calls.is_none()) {
            return count();
        }
        let mut h = FxHasher::default();
        self.identity.hash(&mut h);
        role.hash(&mut h);
        raw.get().hash(&mut h);
        if let Some(m) = message {
            m.thinking.map(RawValue::get).hash(&mut h);
            m.tool_calls.map(RawValue::get).hash(&mut h);
        }
        let key = h.finish();
        if let Some(n) = cache.get(key) {
            return u64::from(n);
        }
        let n = count();
        cache.put(key, saturate(n));
        n
    }
}

fn saturate(n: u64) -> u32 {
    n.min(u64::from(u32::MAX)) as u32
}

/// Where message counts are remembered between requests.
pub trait CountCache {
    fn get(&self, key: u64) -> Option<u32>;
    fn put(&self, key: u64, tokens: u32);
}

/// Where per-message estimates are remembered between requests.
pub trait EstimateCache {
    fn get(&self, key: u64) -> Option<ClassTokens>;
    fn put(&self, key: u64, estimate: ClassTokens);
}

/// No memory: every count is fresh.
pub struct NoCache;

impl CountCache for NoCache {
    fn get(&self, _: u64) -> Option<u32> {
        None
    }
    fn put(&self, _: u64, _: u32) {}
}

impl EstimateCache for NoCache {
    fn get(&self, _: u64) -> Option<ClassTokens> {
        None
    }
    fn put(&self, _: u64, _: ClassTokens) {}
}

impl EstimateCache for Mutex<MessageCache<ClassTokens>> {
    fn get(&self, key: u64) -> Option<ClassTokens> {
        self.lock().ok()?.get(key)
    }
    fn put(&self, key: u64, estimate: ClassTokens) {
        if let Ok(mut c) = self.lock() {
            c.put(key, estimate);
        }
    }
}

/// A bounded map of message hash → tokens with two generations: when the current one fills, it
/// becomes the previous one and the oldest generation is dropped. Entries in use are promoted,
/// so a live conversation's messages stay; no clock needed.
#[derive(Debug)]
pub struct MessageCache<V = u32> {
    current: FxHashMap<u64, V>,
    previous: FxHashMap<u64, V>,
    capacity: usize,
}

impl<V: Copy> MessageCache<V> {
    pub fn new(capacity: usize) -> MessageCache<V> {
        MessageCache {
            current: FxHashMap::default(),
            previous: FxHashMap::default(),
            capacity: capacity.max(1),
        }
    }

    pub fn get(&mut self, key: u64) -> Option<V> {
        if let Some(n) = self.current.get(&key) {
            return Some(*n);
        }
        let n = self.previous.remove(&key)?;
        self.put(key, n);
        Some(n)
    }

    pub fn put(&mut self, key: u64, tokens: V) {
        if self.current.len() >= self.capacity {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, tokens);
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl CountCache for Mutex<MessageCache<u32>> {
    fn get(&self, key: u64) -> Option<u32> {
        self.lock().ok()?.get(key)
    }
    fn put(&self, key: u64, tokens: u32) {
        if let Ok(mut c) = self.lock() {
            c.put(key, tokens);
        }
    }
}

/// The fallback's reading of a request: raw token estimates per class, plus the template and
/// image tokens around them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BodyEstimate {
    pub text: ClassTokens,
    /// Template and image tokens (not calibrated: they do not depend on the text).
    pub framing: f64,
    /// Decoded text bytes: no byte-level BPE makes more tokens than bytes, so this plus
    /// `framing` bounds every exact count from above.
    pub text_bytes: u64,
}

impl BodyEstimate {
    /// The estimate for a model with this calibration.
    pub fn tokens(&self, calibration: &Calibration) -> u32 {
        let t = (self.text.calibrated(calibration) + self.framing).ceil();
        saturate(t as u64).min(self.upper_bound())
    }

    /// No byte-level BPE count can exceed this.
    pub fn upper_bound(&self) -> u32 {
        saturate(self.text_bytes + self.framing.ceil() as u64)
    }
}

/// Estimates a request's tokens without a vocabulary. `per_message` and `per_image` are the
/// configured template and image costs. Long texts' estimates are remembered in `cache` by the
/// hash of their raw JSON, so a follow-up estimates only its new messages.
pub fn estimate_body(
    body: &NativeBody<'_>,
    endpoint: Endpoint,
    per_message: u32,
    per_image: u32,
    cache: &dyn EstimateCache,
) -> BodyEstimate {
    let p = &body.peek;
    let mut out = BodyEstimate::default();
    let mut text = |raw: Option<&RawValue>, verbatim: bool| {
        let Some(raw) = raw else { return };
        let json = raw.get();
        let key = (json.len() >= 256).then(|| {
            let mut h = FxHasher::default();
            json.hash(&mut h);
            h.finish()
        });
        // The byte bound uses the raw JSON length, which bounds the decoded one from above and
        // is known without decoding (a cached message is never decoded again).
        out.text_bytes += json.len() as u64;
        if let Some(hit) = key.and_then(|k| cache.get(k)) {
            out.text.add(&hit);
            return;
        }
        let t: std::borrow::Cow<'_, str> = if verbatim {
            json.into()
        } else {
            raw_text(Some(raw))
        };
        if !t.is_empty() {
            let e = estimate::estimate(&t);
            if let Some(k) = key {
                cache.put(k, e);
            }
            out.text.add(&e);
        }
    };
    let mut images = p.images.as_ref().map_or(0, Vec::len) as u64;
    text(p.system, false);
    text(p.prompt, false);
    text(p.suffix, false);
    text(p.tools, true);
    for m in p.messages.iter().flatten() {
        images += m.images.as_ref().map_or(0, Vec::len) as u64;
        text(m.content, false);
        text(m.thinking, false);
        text(m.tool_calls, true);
    }
    out.framing = framing(body, endpoint, per_message, per_image);
    out.text_bytes += images * u64::from(per_image);
    out
}

/// Template and image tokens around a request's texts, as the fallback prices them.
fn framing(body: &NativeBody<'_>, endpoint: Endpoint, per_message: u32, per_image: u32) -> f64 {
    let p = &body.peek;
    let mut messages = u64::from(endpoint == Endpoint::Generate || p.messages.is_none());
    let mut images = p.images.as_ref().map_or(0, Vec::len) as u64;
    for m in p.messages.iter().flatten() {
        messages += 1;
        images += m.images.as_ref().map_or(0, Vec::len) as u64;
    }
    let tool_allowance = if p.tools.is_some_and(|t| t.get().len() > 2) {
        f64::from(OTHER_TOOL_PREAMBLE)
    } else {
        0.0
    };
    // Per message the configured allowance, at least ChatML's five; plus the reply's opening.
    (messages * u64::from(per_message.max(5)) + 8) as f64
        + images as f64 * f64::from(per_image)
        + tool_allowance
}

/// A bound no byte-level BPE count of the request exceeds, without reading its texts: their raw
/// JSON lengths (every token is at least one byte) plus the framing.
pub fn upper_bound(
    body: &NativeBody<'_>,
    endpoint: Endpoint,
    per_message: u32,
    per_image: u32,
) -> u32 {
    let p = &body.peek;
    let len = |r: Option<&RawValue>| r.map_or(0, |r| r.get().len() as u64);
    let mut bytes = len(p.system) + len(p.prompt) + len(p.suffix) + len(p.tools);
    let mut images = p.images.as_ref().map_or(0, Vec::len) as u64;
    for m in p.messages.iter().flatten() {
        bytes += len(m.content) + len(m.thinking) + len(m.tool_calls);
        images += m.images.as_ref().map_or(0, Vec::len) as u64;
    }
    let f = framing(body, endpoint, per_message, per_image).ceil() as u64;
    saturate(bytes + f + images * u64::from(per_image))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse_native;

    fn qwenish() -> ModelTokenizer {
        let t = bpe::tests::tiny(
            "qwen2",
            &[
                "h e", "he l", "hel l", "hell o", "w o", "wo r", "wor l", "worl d",
            ],
            &["<|im_start|>", "<|im_end|>"],
        );
        ModelTokenizer::build(&t, "{{ .System }}<|im_start|>user\n{{ .Prompt }}<|im_end|>").unwrap()
    }

    #[test]
    fn chat_is_counted_as_the_template_renders_it() {
        let tok = qwenish();
        let body = br#"{"model":"m","messages":[{"role":"user","content":"hello world"}]}"#;
        let native = parse_native(body).unwrap();
        // "hello" + " world"→" " "world" = 3 text tokens; 5 around the message; 3 for the reply.
        assert_eq!(
            tok.count_body(&native, Endpoint::Chat, 768, &NoCache),
            3 + 5 + 3
        );
    }

    #[test]
    fn fim_and_raw_prompts_have_no_chat_framing() {
        let t = bpe::tests::tiny("qwen2", &["h e"], &["<|fim_prefix|>"]);
        let tok = ModelTokenizer::build(&t, "<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>").unwrap();
        let fim = br#"{"model":"m","prompt":"he","suffix":"he"}"#;
        let native = parse_native(fim).unwrap();
        assert_eq!(
            tok.count_body(&native, Endpoint::Generate, 0, &NoCache),
            1 + 1 + 3
        );
        let raw = br#"{"model":"m","prompt":"he he","raw":true}"#;
        let native = parse_native(raw).unwrap();
        assert_eq!(tok.count_body(&native, Endpoint::Generate, 0, &NoCache), 3);
    }

    #[test]
    fn a_growing_conversation_counts_only_new_messages() {
        struct Spy(Mutex<MessageCache>, Mutex<u32>);
        impl CountCache for Spy {
            fn get(&self, key: u64) -> Option<u32> {
                self.0.get(key)
            }
            fn put(&self, key: u64, tokens: u32) {
                *self.1.lock().unwrap() += 1;
                self.0.put(key, tokens);
            }
        }
        let tok = qwenish();
        let spy = Spy(Mutex::new(MessageCache::new(64)), Mutex::new(0));
        let long = "hello world ".repeat(40);
        let turn1 = serde_json::json!({"model":"m","messages":[{"role":"user","content":long}]});
        let turn2 = serde_json::json!({"model":"m","messages":[{"role":"user","content":long},
            {"role":"assistant","content":long.to_uppercase()},{"role":"user","content":long.replace('h', "j")}]});
        let b1 = turn1.to_string();
        let b2 = turn2.to_string();
        let n1 = tok.count_body(
            &parse_native(b1.as_bytes()).unwrap(),
            Endpoint::Chat,
            0,
            &spy,
        );
        assert_eq!(*spy.1.lock().unwrap(), 1);
        let n2 = tok.count_body(
            &parse_native(b2.as_bytes()).unwrap(),
            Endpoint::Chat,
            0,
            &spy,
        );
        // Only the two new messages were counted; the total equals an uncached count.
        assert_eq!(*spy.1.lock().unwrap(), 3);
        let fresh = tok.count_body(
            &parse_native(b2.as_bytes()).unwrap(),
            Endpoint::Chat,
            0,
            &NoCache,
        );
        assert_eq!(n2, fresh);
        assert!(n2 > 2 * n1);
    }

    #[test]
    fn remembered_estimates_equal_fresh_ones() {
        let long = "let x = compute(1, 2); // sum\n".repeat(40);
        let body = serde_json::json!({"model":"m","messages":[{"role":"user","content":long}]})
            .to_string();
        let native = parse_native(body.as_bytes()).unwrap();
        let cache = Mutex::new(MessageCache::new(8));
        let fresh = estimate_body(&native, Endpoint::Chat, 4, 768, &NoCache);
        let first = estimate_body(&native, Endpoint::Chat, 4, 768, &cache);
        assert_eq!(cache.lock().unwrap().len(), 1);
        let again = estimate_body(&native, Endpoint::Chat, 4, 768, &cache);
        assert_eq!((first, again), (fresh, fresh));
    }

    #[test]
    fn the_cache_keeps_what_is_used() {
        let mut c = MessageCache::new(2);
        c.put(1, 10);
        c.put(2, 20);
        c.put(3, 30); // 1 and 2 become the previous generation
        assert_eq!(c.get(1), Some(10)); // promoted
        c.put(4, 40); // current {3, 1} was full: it becomes previous, 2 is dropped
        assert_eq!(c.get(2), None);
        assert_eq!(c.get(1), Some(10));
        assert_eq!(c.get(4), Some(40));
    }

    #[test]
    fn the_fallback_never_exceeds_the_byte_bound_and_counts_templates() {
        let body = br#"{"model":"m","messages":[{"role":"user","content":"1234567890"}]}"#;
        let native = parse_native(body).unwrap();
        let e = estimate_body(&native, Endpoint::Chat, 4, 768, &NoCache);
        assert_eq!(e.text_bytes, 12, "the raw JSON string, quotes included");
        let n = e.tokens(&Calibration::default());
        assert!(n >= 10 + 5, "{n}");
        assert!(n <= e.upper_bound());
        assert_eq!(
            upper_bound(&native, Endpoint::Chat, 4, 768),
            e.upper_bound()
        );
    }
}

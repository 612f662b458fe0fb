//! The dialect-neutral view of one inference request.
//!
//! [`parse_native`] reads a native `/api/chat` or `/api/generate` body once, borrowing strings from
//! it where JSON escapes allow, and keeps the raw top-level fields so the service's pipeline can write
//! the rewritten body without re-serialising the (possibly megabyte-sized) messages.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Which API the client spoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Ollama,
    OpenAi,
    Anthropic,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Ollama => "ollama",
            Dialect::OpenAi => "openai",
            Dialect::Anthropic => "anthropic",
        }
    }
}

/// The native endpoint a request is (or is translated to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    Chat,
    Generate,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "/api/chat",
            Endpoint::Generate => "/api/generate",
        }
    }
}

/// The kind of work a request is; each kind has its own profile of candidate models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Quick,
    Daily,
    Complex,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Quick, Kind::Daily, Kind::Complex];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Quick => "quick",
            Kind::Daily => "daily",
            Kind::Complex => "complex",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A dialect's own evidence about the request's kind (e.g. a Claude Code title request → quick).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindHint {
    pub kind: Kind,
    pub reason: String,
}

/// The `think` field: `true`/`false` or a level (`"low"`, `"medium"`, `"high"`, `"max"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Think {
    Off,
    On,
    Level(String),
}

impl Think {
    pub fn is_on(&self) -> bool {
        !matches!(self, Think::Off)
    }
}

/// What routing needs to know about a request, whatever dialect it arrived in.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestView<'a> {
    pub dialect: Dialect,
    pub endpoint: Endpoint,
    /// The model the client asked for.
    pub model: Cow<'a, str>,
    /// Bytes of system text (system messages, `system` field).
    pub system_bytes: usize,
    /// Bytes of conversation text: message contents, thinking, tool calls, the generate `prompt`.
    pub message_bytes: usize,
    /// Bytes of the JSON tool schemas (they are rendered into the prompt too).
    pub tool_schema_bytes: usize,
    pub suffix_bytes: usize,
    pub message_count: usize,
    pub image_count: usize,
    pub has_tools: bool,
    pub has_suffix: bool,
    pub raw: bool,
    pub think: Option<Think>,
    pub has_format: bool,
    /// `options.num_predict` as sent (`-1` = unlimited).
    pub num_predict: Option<i64>,
    /// `options.num_ctx` as sent; the router does not obey it blindly (it causes reloads).
    pub num_ctx: Option<u64>,
    /// The last user message (or the generate prompt), for wording rules.
    pub last_user: Cow<'a, str>,
    /// The first system text, for rules that recognise helper prompts (titles, summaries).
    pub system: Cow<'a, str>,
    /// `User-Agent`, or empty.
    pub client: String,
    /// Session identity for stickiness, when a header or the body gives one.
    pub session: Option<String>,
    pub hint: Option<KindHint>,
}

impl<'a> RequestView<'a> {
    /// A view of an empty request for `model`; fields are filled in by [`NativeBody::view`] (and
    /// by tests and benches that build views directly).
    pub fn new(dialect: Dialect, endpoint: Endpoint, model: Cow<'a, str>) -> RequestView<'a> {
        RequestView {
            dialect,
            endpoint,
            model,
            system_bytes: 0,
            message_bytes: 0,
            tool_schema_bytes: 0,
            suffix_bytes: 0,
            message_count: 0,
            image_count: 0,
            has_tools: false,
            has_suffix: false,
            raw: false,
            think: None,
            has_format: false,
            num_predict: None,
            num_ctx: None,
            last_user: Cow::Borrowed(""),
            system: Cow::Borrowed(""),
            client: String::new(),
            session: None,
            hint: None,
        }
    }
}

/// Why a native body could not be read. The text is shown to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("missing request body")]
    Empty,
    #[error("{0}")]
    Json(String),
    #[error("model is required")]
    NoModel,
}

/// A native request body read once, in one pass: the fields the router needs, most of them still
/// raw (unescaped text is only produced where a rule reads it), borrowed from the body so the
/// rewrite can splice new values in at their byte positions.
#[derive(Debug)]
pub struct NativeBody<'a> {
    /// The whole body as received.
    pub body: &'a [u8],
    pub peek: Peek<'a>,
}

/// The parts of a native body the router reads.
#[derive(Debug, Default, Deserialize)]
pub struct Peek<'a> {
    #[serde(borrow, default)]
    pub model: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub messages: Option<Vec<PeekMessage<'a>>>,
    #[serde(borrow, default)]
    pub prompt: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub suffix: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub system: Option<&'a RawValue>,
    #[serde(default)]
    pub images: Option<Vec<IgnoredAny>>,
    #[serde(borrow, default)]
    pub tools: Option<&'a RawValue>,
    #[serde(default)]
    pub raw: Option<bool>,
    #[serde(default)]
    pub think: Option<serde_json::Value>,
    #[serde(borrow, default)]
    pub format: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub options: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub keep_alive: Option<&'a RawValue>,
    #[serde(default)]
    pub stream: Option<bool>,
    /// Ollama's `truncate` (default true: cut a prompt longer than the context).
    #[serde(borrow, default)]
    pub truncate: Option<&'a RawValue>,
}

/// One message, contents left raw: their byte length is all the estimate needs (the escapes in it
/// make it a slight overcount, which is the safe side).
#[derive(Debug, Default, Deserialize)]
pub struct PeekMessage<'a> {
    #[serde(borrow, default)]
    pub role: Cow<'a, str>,
    #[serde(borrow, default)]
    pub content: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub thinking: Option<&'a RawValue>,
    #[serde(default)]
    pub images: Option<Vec<IgnoredAny>>,
    #[serde(borrow, default)]
    pub tool_calls: Option<&'a RawValue>,
}

/// The two options the router reads; the rest stay raw.
#[derive(Debug, Default, Deserialize)]
struct PeekOptions {
    #[serde(default)]
    num_ctx: Option<serde_json::Number>,
    #[serde(default)]
    num_predict: Option<serde_json::Number>,
}

/// Reads a native body. Field types the router depends on are checked; anything else is left for
/// Ollama to judge.
pub fn parse_native(body: &[u8]) -> Result<NativeBody<'_>, ParseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let peek: Peek<'_> =
        serde_json::from_slice(body).map_err(|e| ParseError::Json(e.to_string()))?;
    for (field, raw) in [
        ("model", peek.model),
        ("prompt", peek.prompt),
        ("suffix", peek.suffix),
        ("system", peek.system),
    ] {
        check_string(|| field.to_string(), raw)?;
    }
    for (i, m) in peek.messages.iter().flatten().enumerate() {
        check_string(|| format!("messages[{i}].content"), m.content)?;
        check_string(|| format!("messages[{i}].thinking"), m.thinking)?;
    }
    Ok(NativeBody { body, peek })
}

/// `field` is a closure: the name is only spelled out for an error, not for each of an agent's
/// hundreds of valid messages.
fn check_string(field: impl FnOnce() -> String, raw: Option<&RawValue>) -> Result<(), ParseError> {
    match raw.map(|r| r.get().as_bytes().first()) {
        None | Some(Some(b'"')) | Some(Some(b'n')) => Ok(()),
        Some(_) => Err(ParseError::Json(format!(
            "invalid type for {}: expected a string",
            field()
        ))),
    }
}

/// The text of a raw JSON string (`null` and absent are empty), borrowed when it has no escapes.
pub fn raw_text<'a>(raw: Option<&'a RawValue>) -> Cow<'a, str> {
    match raw {
        Some(r) if r.get().starts_with('"') => serde_json::from_str(r.get()).unwrap_or_default(),
        _ => Cow::Borrowed(""),
    }
}

/// How much of each end of a message wording rules read.
pub const RULE_WINDOW: usize = 4096;

/// The text of a raw JSON string, or for a long one its first and last
/// [`RULE_WINDOW`] bytes joined by a newline: wording rules only read the ends
/// of a message (see `classify::matches_ends`), and decoding a pasted megabyte just to
/// look at its ends costs a millisecond.
pub fn text_ends<'a>(raw: Option<&'a RawValue>) -> Cow<'a, str> {
    let window = RULE_WINDOW;
    let Some(text) = raw
        .map(RawValue::get)
        .filter(|t| t.starts_with('"') && t.len() >= 2)
    else {
        return Cow::Borrowed("");
    };
    let inner = &text[1..text.len() - 1];
    if inner.len() <= 2 * window + 64 {
        return raw_text(raw);
    }
    let head = decode_fragment(inner, 0, window);
    let tail = decode_fragment(inner, inner.len() - window, inner.len());
    Cow::Owned(format!("{head}\n{tail}"))
}

/// Decodes `inner[start..end]` of a JSON string's contents, nudging the edges inwards until they
/// no longer cut an escape sequence or a UTF-8 character in half.
fn decode_fragment(inner: &str, start: usize, end: usize) -> String {
    for shrink_start in 0..8 {
        for shrink_end in 0..8 {
            let (a, b) = (start + shrink_start, end.saturating_sub(shrink_end));
            if a >= b || !inner.is_char_boundary(a) || !inner.is_char_boundary(b) {
                continue;
            }
            if let Ok(text) = serde_json::from_str::<String>(&format!("\"{}\"", &inner[a..b])) {
                return text;
            }
        }
    }
    String::new()
}

/// Decoded byte length of a raw JSON string value (0 for `null` and absent), without decoding
/// it: the quotes do not count and each escape counts as the most bytes it can decode to (`\n`
/// is one byte, `\uXXXX` at most three), so the result never undercounts. Code is full of
/// escaped newlines and quotes; counting them raw would overstate it by several percent.
///
/// Why two paths: this runs on every message of every request, and pasted code has an escape
/// every few dozen bytes, where stepping from one backslash to the next costs more than reading
/// the bytes. Without an escaped backslash (`\\`) every backslash starts exactly one escape, so
/// counting backslashes (a loop the compiler vectorises) and `\u` pairs gives the same answer.
fn raw_len(raw: Option<&RawValue>) -> usize {
    let Some(text) = raw.map(RawValue::get).filter(|t| t.starts_with('"')) else {
        return 0;
    };
    let bytes = text.as_bytes();
    let len = bytes.len().saturating_sub(2);
    if memchr::memmem::find(bytes, b"\\\\").is_some() {
        return raw_len_exact(bytes);
    }
    let backslashes = bytes.iter().filter(|&&b| b == b'\\').count();
    if backslashes == 0 {
        return len;
    }
    let unicode = memchr::memmem::find_iter(bytes, b"\\u").count();
    len.saturating_sub(backslashes + 2 * unicode)
}

/// [`raw_len`] escape by escape: for strings with escaped backslashes, where a backslash may be
/// the escaped character rather than the start of an escape.
fn raw_len_exact(bytes: &[u8]) -> usize {
    let mut len = bytes.len().saturating_sub(2);
    let mut skip_until = 0;
    for at in memchr::memchr_iter(b'\\', bytes) {
        if at < skip_until {
            continue;
        }
        let unicode = bytes.get(at + 1) == Some(&b'u');
        len = len.saturating_sub(if unicode { 3 } else { 1 });
        skip_until = at + 2;
    }
    len
}

impl<'a> NativeBody<'a> {
    /// Builds the routing view. `client`, `session` and `hint` come from headers and the dialect.
    pub fn view(
        &'a self,
        dialect: Dialect,
        endpoint: Endpoint,
        client: String,
        session: Option<String>,
        hint: Option<KindHint>,
    ) -> Result<RequestView<'a>, ParseError> {
        let p = &self.peek;
        let model = raw_text(p.model);
        let options: PeekOptions = match p.options {
            Some(raw) if raw.get() != "null" => serde_json::from_str(raw.get())
                .map_err(|e| ParseError::Json(format!("options: {e}")))?,
            _ => PeekOptions::default(),
        };
        let mut view = RequestView {
            tool_schema_bytes: p.tools.map_or(0, |t| t.get().len()),
            suffix_bytes: raw_len(p.suffix),
            image_count: p.images.as_ref().map_or(0, Vec::len),
            has_tools: p.tools.is_some_and(|t| is_non_empty_array(t.get())),
            has_suffix: raw_len(p.suffix) > 0,
            raw: p.raw.unwrap_or(false),
            think: p.think.as_ref().and_then(parse_think),
            has_format: p.format.is_some_and(|f| f.get() != "null"),
            num_predict: options
                .num_predict
                .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))),
            num_ctx: options
                .num_ctx
                .and_then(|n| n.as_u64().or_else(|| n.as_f64().map(|f| f as u64))),
            client,
            session,
            hint,
            ..RequestView::new(dialect, endpoint, model)
        };
        let mut system_raw = p.system;
        view.system_bytes += raw_len(p.system);
        let mut last_user_raw = None;
        if let Some(prompt) = p.prompt {
            view.message_bytes += raw_len(Some(prompt));
            view.message_count += 1;
            last_user_raw = Some(prompt);
        }
        for m in p.messages.iter().flatten() {
            view.message_count += 1;
            view.image_count += m.images.as_ref().map_or(0, Vec::len);
            let bytes = raw_len(m.content)
                + raw_len(m.thinking)
                + m.tool_calls.map_or(0, |t| t.get().len());
            if m.role == "system" {
                view.system_bytes += bytes;
                if system_raw.is_none() {
                    system_raw = m.content;
                }
            } else {
                view.message_bytes += bytes;
                if m.role == "user" {
                    last_user_raw = m.content;
                }
            }
        }
        // Only the two texts rules read are unescaped, and of long ones only the ends rules read.
        view.system = text_ends(system_raw);
        view.last_user = text_ends(last_user_raw);
        Ok(view)
    }
}

fn is_non_empty_array(raw: &str) -> bool {
    let t = raw.trim_start();
    t.starts_with('[') && !t[1..].trim_start().starts_with(']')
}

fn parse_think(v: &serde_json::Value) -> Option<Think> {
    match v {
        serde_json::Value::Bool(true) => Some(Think::On),
        serde_json::Value::Bool(false) => Some(Think::Off),
        serde_json::Value::String(s) => Some(Think::Level(s.clone())),
        _ => None,
    }
}

/// Template and image costs of the token estimate (`[routing.tokens]`); the text itself is
/// counted with the model's vocabulary or priced per kind of text ([`crate::tokens`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenEstimator {
    /// No longer used: one bytes-per-token figure was 35 % high on code and 2–3× low on logs
    /// and CSV, so text is now counted exactly or priced per kind. Still accepted (and
    /// validated) so existing `router.toml` files keep loading.
    pub bytes_per_token: f64,
    /// Template tokens per message (role markers, separators) for models whose template the
    /// router does not know.
    pub per_message: u32,
    /// What one image costs on projector models (Ollama counts 768).
    pub per_image: u32,
}

impl Default for TokenEstimator {
    fn default() -> TokenEstimator {
        TokenEstimator {
            bytes_per_token: 3.0,
            per_message: 4,
            per_image: 768,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(body: &str) -> RequestView<'static> {
        let leaked: &'static [u8] = Box::leak(body.as_bytes().to_vec().into_boxed_slice());
        let native: &'static NativeBody<'static> =
            Box::leak(Box::new(parse_native(leaked).unwrap()));
        native
            .view(Dialect::Ollama, Endpoint::Chat, String::new(), None, None)
            .unwrap()
    }

    #[test]
    fn reads_chat_fields() {
        let v = view(
            r#"{"model":"auto","messages":[{"role":"system","content":"be brief"},
                {"role":"user","content":"hi \"there\"","images":["aGk="]},
                {"role":"assistant","content":"ok"},{"role":"user","content":"refactor it"}],
                "tools":[{"type":"function"}],"think":"high","options":{"num_ctx":8192.0,"num_predict":16}}"#,
        );
        assert_eq!(v.model, "auto");
        assert_eq!(v.system, "be brief");
        assert_eq!(v.system_bytes, 8);
        assert_eq!(v.message_count, 4);
        assert_eq!(v.image_count, 1);
        assert_eq!(v.last_user, "refactor it");
        assert!(v.has_tools);
        assert_eq!(v.think, Some(Think::Level("high".into())));
        assert_eq!(v.num_ctx, Some(8192));
        assert_eq!(v.num_predict, Some(16));
    }

    #[test]
    fn reads_generate_fields() {
        let v =
            view(r#"{"model":"m","prompt":"def f(","suffix":"  return x","raw":true,"tools":[]}"#);
        assert!(v.has_suffix && v.raw && !v.has_tools);
        assert_eq!(v.last_user, "def f(");
        assert_eq!(v.suffix_bytes, 10);
    }

    #[test]
    fn long_texts_keep_their_ends() {
        let raw = |s: &str| serde_json::value::RawValue::from_string(s.to_string()).unwrap();
        let middle = "x = \"é\"\n".repeat(3000);
        let text = format!("Refactor this:\n{middle}Thanks, step by step please");
        let json = serde_json::to_string(&text).unwrap();
        let value = raw(&json);
        let ends = text_ends(Some(&value));
        assert!(ends.starts_with("Refactor this:\n"), "{}", &ends[..40]);
        assert!(ends.ends_with("Thanks, step by step please"));
        assert!(ends.len() < 2 * RULE_WINDOW + 16);
        assert_eq!(text_ends(Some(&raw(r#""short \"one\"""#))), "short \"one\"");
    }

    #[test]
    fn escaped_text_is_measured_decoded() {
        let raw = |s: &str| serde_json::value::RawValue::from_string(s.to_string()).unwrap();
        assert_eq!(raw_len(Some(&raw(r#""a\nb""#))), 3);
        assert_eq!(raw_len(Some(&raw(r#""C:\\dir""#))), 6);
        assert_eq!(raw_len(Some(&raw(r#""\u00e9""#))), 3);
        assert_eq!(raw_len(Some(&raw("null"))), 0);
        let text = "fn main() {\n    println!(\"hi\");\n}\n".repeat(10);
        let json = serde_json::to_string(&text).unwrap();
        assert_eq!(raw_len(Some(&raw(&json))), text.len());
    }

    proptest::proptest! {
        /// The fast path agrees with the escape-by-escape count on any text, in any of the
        /// spellings JSON allows (serde's, and one with every non-ASCII character as `\\uXXXX`
        /// the way Python's `json.dumps` writes it), and never counts less than the decoded text.
        #[test]
        fn raw_len_matches_the_exact_count(text in "(\\PC|[\\\\\"\n\tu])*") {
            let raw = |s: &str| serde_json::value::RawValue::from_string(s.to_string()).unwrap();
            let json = serde_json::to_string(&text).unwrap();
            let ascii: String = json
                .chars()
                .map(|c| match c.is_ascii() {
                    true => c.to_string(),
                    false => c
                        .encode_utf16(&mut [0; 2])
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect(),
                })
                .collect();
            for json in [&json, &ascii] {
                let fast = raw_len(Some(&raw(json)));
                proptest::prop_assert_eq!(fast, raw_len_exact(json.as_bytes()), "{}", json);
                let decoded: String = serde_json::from_str(json).unwrap();
                proptest::prop_assert!(fast >= decoded.len(), "{} < {} for {}", fast, decoded.len(), json);
            }
        }
    }

    #[test]
    fn rejects_bad_bodies_with_clear_text() {
        assert_eq!(parse_native(b"  ").unwrap_err(), ParseError::Empty);
        let e = parse_native(b"{\"model\":").unwrap_err().to_string();
        assert!(e.contains("EOF"), "{e}");
        let e = parse_native(br#"{"model":"m","messages":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid type"), "{e}");
    }
}

//! Anthropic Messages dialect ⇄ native `/api/chat`: request translation, the Claude Code facts the
//! router classifies by (kind hint, body session id), response and stream-event translation, and
//! Anthropic's error shape.
//!
//! Pure: no I/O, no clock, no randomness. The handler (`api::anthropic`) mints the message and tool
//! ids and passes them in; pings (which need a clock) are the handler's business too.
//!
//! Shapes follow Anthropic's Messages API and `reference/ollama-protocol.md` §4 (Ollama's own
//! Anthropic layer), with deliberate differences from Ollama's mapping: system and text blocks are
//! joined with blank lines instead of being glued together; Claude Code's per-request billing
//! block is dropped (it changes every call and defeats Ollama's prompt-prefix cache);
//! `output_config.format` becomes a native `format` instead of being ignored; adaptive thinking
//! leaves `think` unset (see `native_think`); `tool_result.is_error` is marked in the text; and
//! `tool_choice` is honoured where the native API allows (`none`, a named `tool`).

use std::collections::HashMap;
use std::fmt;

use bytes::Bytes;
use http::HeaderMap;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::native;
use crate::request::{Kind, KindHint};

// ---------------------------------------------------------------------------------------------
// Request shapes
// ---------------------------------------------------------------------------------------------

/// A `POST /v1/messages` (or `/v1/messages/count_tokens`) body. Unknown fields (`cache_control`,
/// `service_tier`, `container`, ...) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MessagesRequest {
    #[serde(default)]
    pub model: String,
    /// Required by `/v1/messages`, absent from `count_tokens`: validated by [`validate_messages`].
    #[serde(default)]
    pub max_tokens: Option<i64>,
    pub messages: Vec<InputMessage>,
    #[serde(default)]
    pub system: Option<Content<SystemBlock>>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub top_p: Option<f64>,
    #[serde(default)]
    pub top_k: Option<i64>,
    #[serde(default)]
    pub stop_sequences: Option<Vec<String>>,
    /// `None` (field absent) and `Some([])` differ: Claude Code's helper calls send `tools: []`.
    #[serde(default)]
    pub tools: Option<Vec<Tool>>,
    #[serde(default)]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default)]
    pub thinking: Option<ThinkingConfig>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub output_config: Option<OutputConfig>,
}

/// One conversation turn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InputMessage {
    pub role: Role,
    pub content: Content<ContentBlock>,
}

/// Anthropic's API has only `user` and `assistant`, but Claude Code (2.1.331, captured) also
/// sends `system` turns mid-conversation (its environment block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    System,
}

/// Anthropic accepts either a plain string or a list of typed blocks in `content` and `system`.
#[derive(Debug, Clone, PartialEq)]
pub enum Content<B> {
    Text(String),
    Blocks(Vec<B>),
}

// A hand-written visitor instead of `#[serde(untagged)]`: untagged enums replace the real error
// ("unknown variant", "missing field `id`") with "did not match any variant", which is useless to a
// client debugging its request.
impl<'de, B: Deserialize<'de>> Deserialize<'de> for Content<B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor<B>(std::marker::PhantomData<B>);

        impl<'de, B: Deserialize<'de>> Visitor<'de> for ContentVisitor<B> {
            type Value = Content<B>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of content blocks")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Content<B>, E> {
                Ok(Content::Text(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Content<B>, E> {
                Ok(Content::Text(text))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content<B>, A::Error> {
                let mut blocks = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(block) = seq.next_element()? {
                    blocks.push(block);
                }
                Ok(Content::Blocks(blocks))
            }
        }

        deserializer.deserialize_any(ContentVisitor(std::marker::PhantomData))
    }
}

/// A block of a `system` array. Only text blocks exist in the API.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SystemBlock {
    #[serde(default)]
    pub text: String,
}

/// A block of a message's `content` array.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    Text {
        text: String,
    },
    Image {
        source: Source,
    },
    /// Only plain-text documents can reach a local model; others are refused with a clear 400.
    Document {
        source: Source,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    ToolResult {
        tool_use_id: String,
        #[serde(default)]
        content: Option<Content<ToolResultBlock>>,
        #[serde(default)]
        is_error: bool,
    },
    Thinking {
        #[serde(default)]
        thinking: String,
    },
    /// Encrypted reasoning from Anthropic's own models: nothing a local model can read.
    RedactedThinking,
    /// Block types a local model has no use for (`server_tool_use`, `web_search_tool_result`,
    /// `container_upload`, ...) are skipped like Ollama does, rather than failing the whole turn.
    #[serde(other)]
    Unsupported,
}

/// The `source` of an image or document block.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Source {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub data: Option<String>,
}

/// A block inside a `tool_result`'s content.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolResultBlock {
    Text {
        text: String,
    },
    Image {
        source: Source,
    },
    Document {
        source: Source,
    },
    #[serde(other)]
    Unsupported,
}

/// A tool definition. Client tools carry `input_schema`; Anthropic's server tools
/// (`web_search_*`, `bash_*`, `text_editor_*`, ...) carry only a `type` and cannot run locally.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tool {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub input_schema: Option<Value>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    Auto,
    Any,
    Tool { name: String },
    None,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThinkingConfig {
    Enabled {
        #[serde(default)]
        budget_tokens: Option<u64>,
    },
    Adaptive,
    Disabled,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OutputConfig {
    #[serde(default)]
    pub effort: Option<String>,
    #[serde(default)]
    pub format: Option<OutputFormat>,
}

/// Structured output: `{"type": "json_schema", "schema": {...}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OutputFormat {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub schema: Option<Value>,
}

/// A request the router refuses before it reaches Ollama; always `invalid_request_error` / 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(pub String);

/// Parses a Messages body; the error text names the offending field and position.
pub fn parse_request(body: &[u8]) -> Result<MessagesRequest, RequestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RequestError("request body is empty".to_owned()));
    }
    serde_json::from_slice(body).map_err(|err| RequestError(format!("invalid request body: {err}")))
}

/// The checks `/v1/messages` makes on top of parsing (`count_tokens` needs no `max_tokens`).
pub fn validate_messages(req: &MessagesRequest) -> Result<(), RequestError> {
    if req.model.trim().is_empty() {
        return Err(RequestError("model: field required".to_owned()));
    }
    match req.max_tokens {
        None => return Err(RequestError("max_tokens: field required".to_owned())),
        Some(n) if n < 1 => {
            return Err(RequestError(
                "max_tokens: must be greater than or equal to 1".to_owned(),
            ));
        }
        Some(_) => {}
    }
    if req.messages.is_empty() {
        return Err(RequestError(
            "messages: at least one message is required".to_owned(),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Request → native /api/chat
// ---------------------------------------------------------------------------------------------

/// The text Claude Code puts in `system[0]` on every request (unless
/// `CLAUDE_CODE_ATTRIBUTION_HEADER=0`); its version suffix changes per call.
const BILLING_HEADER_PREFIX: &str = "x-anthropic-billing-header:";

/// Separator between text blocks that Anthropic keeps apart but native messages hold as one string.
const BLOCK_SEPARATOR: &str = "\n\n";

/// Translates a Messages request into a native `/api/chat` request. `model` is passed through
/// unchanged: mapping `claude-*` / `sonnet` / `auto` names is the router's job.
pub fn to_native_chat(req: &MessagesRequest) -> Result<native::ChatRequest, RequestError> {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);

    let system = system_text(req.system.as_ref());
    if !system.is_empty() {
        messages.push(native::Message {
            role: "system".to_owned(),
            content: system,
            ..native::Message::default()
        });
    }

    // Native tool messages carry the tool's name (chat templates render it), Anthropic results only
    // the call id: remember the names of the calls seen so far.
    let mut tool_names: HashMap<&str, &str> = HashMap::new();
    for (position, message) in req.messages.iter().enumerate() {
        match message.role {
            Role::User => push_user_turn(&mut messages, message, &tool_names, position)?,
            Role::Assistant => {
                if let Content::Blocks(blocks) = &message.content {
                    for block in blocks {
                        if let ContentBlock::ToolUse { id, name, .. } = block {
                            tool_names.insert(id.as_str(), name.as_str());
                        }
                    }
                }
                messages.push(assistant_turn(message, position)?);
            }
            Role::System => {
                let text = match &message.content {
                    Content::Text(text) => text.clone(),
                    Content::Blocks(blocks) => join_texts(blocks.iter().filter_map(|b| match b {
                        ContentBlock::Text { text } => Some(text.as_str()),
                        _ => None,
                    })),
                };
                if !text.is_empty() {
                    messages.push(native::Message {
                        role: "system".to_owned(),
                        content: text,
                        ..native::Message::default()
                    });
                }
            }
        }
    }

    let mut options = Map::new();
    if let Some(max_tokens) = req.max_tokens {
        options.insert("num_predict".to_owned(), Value::from(max_tokens));
    }
    if let Some(temperature) = req.temperature {
        options.insert("temperature".to_owned(), Value::from(temperature));
    }
    if let Some(top_p) = req.top_p {
        options.insert("top_p".to_owned(), Value::from(top_p));
    }
    if let Some(top_k) = req.top_k {
        options.insert("top_k".to_owned(), Value::from(top_k));
    }
    if let Some(stop) = req.stop_sequences.as_ref().filter(|s| !s.is_empty()) {
        options.insert("stop".to_owned(), Value::from(stop.clone()));
    }

    Ok(native::ChatRequest {
        model: req.model.clone(),
        messages,
        tools: native_tools(req)?,
        format: native_format(req.output_config.as_ref()),
        options,
        stream: req.stream,
        think: native_think(req),
        keep_alive: None,
    })
}

/// Joins the system blocks, minus Claude Code's billing block.
fn system_text(system: Option<&Content<SystemBlock>>) -> String {
    match system {
        None => String::new(),
        Some(Content::Text(text)) => text.clone(),
        Some(Content::Blocks(blocks)) => join_texts(
            blocks
                .iter()
                .map(|b| b.text.as_str())
                .filter(|t| !is_billing_header(t)),
        ),
    }
}

fn is_billing_header(text: &str) -> bool {
    text.trim_start().starts_with(BILLING_HEADER_PREFIX)
}

fn join_texts<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for text in texts.filter(|t| !t.is_empty()) {
        if !out.is_empty() {
            out.push_str(BLOCK_SEPARATOR);
        }
        out.push_str(text);
    }
    out
}

/// A user turn becomes its tool results (native `tool` messages, which must directly follow the
/// assistant's calls) and then one user message with the remaining text and images.
fn push_user_turn(
    out: &mut Vec<native::Message>,
    message: &InputMessage,
    tool_names: &HashMap<&str, &str>,
    position: usize,
) -> Result<(), RequestError> {
    let blocks = match &message.content {
        Content::Text(text) => {
            out.push(native::Message {
                role: "user".to_owned(),
                content: text.clone(),
                ..native::Message::default()
            });
            return Ok(());
        }
        Content::Blocks(blocks) => blocks,
    };

    let mut texts: Vec<&str> = Vec::new();
    let mut images = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let at = || format!("messages.{position}.content.{index}");
        match block {
            ContentBlock::Text { text } => texts.push(text),
            ContentBlock::Image { source } => images.push(image_data(source, &at())?),
            ContentBlock::Document { source } => texts.push(document_text(source, &at())?),
            ContentBlock::ToolResult {
                tool_use_id,
                content,
                is_error,
            } => out.push(tool_message(
                tool_use_id,
                content.as_ref(),
                *is_error,
                tool_names,
                &at(),
            )?),
            ContentBlock::ToolUse { .. } => {
                return Err(RequestError(format!(
                    "{}: tool_use blocks are only allowed in assistant messages",
                    at()
                )));
            }
            // Reasoning in a user turn has no native place; dropping it changes nothing the model
            // would have seen from Anthropic either.
            ContentBlock::Thinking { .. }
            | ContentBlock::RedactedThinking
            | ContentBlock::Unsupported => {}
        }
    }

    if !texts.is_empty() || !images.is_empty() {
        out.push(native::Message {
            role: "user".to_owned(),
            content: join_texts(texts.into_iter()),
            images,
            ..native::Message::default()
        });
    }
    Ok(())
}

fn tool_message(
    tool_use_id: &str,
    content: Option<&Content<ToolResultBlock>>,
    is_error: bool,
    tool_names: &HashMap<&str, &str>,
    at: &str,
) -> Result<native::Message, RequestError> {
    let mut images = Vec::new();
    let mut text = match content {
        None => String::new(),
        Some(Content::Text(text)) => text.clone(),
        Some(Content::Blocks(blocks)) => {
            let mut texts = Vec::new();
            for (index, block) in blocks.iter().enumerate() {
                let at = || format!("{at}.content.{index}");
                match block {
                    ToolResultBlock::Text { text } => texts.push(text.as_str()),
                    ToolResultBlock::Image { source } => images.push(image_data(source, &at())?),
                    ToolResultBlock::Document { source } => {
                        texts.push(document_text(source, &at())?);
                    }
                    ToolResultBlock::Unsupported => {}
                }
            }
            join_texts(texts.into_iter())
        }
    };
    // Native tool messages have no error flag; without a marker the model would take an error
    // message for the tool's output.
    if is_error && !text.starts_with("Error") {
        text.insert_str(0, "Error: ");
    }
    Ok(native::Message {
        role: "tool".to_owned(),
        content: text,
        images,
        tool_name: tool_names.get(tool_use_id).map(|name| (*name).to_owned()),
        tool_call_id: Some(tool_use_id.to_owned()),
        ..native::Message::default()
    })
}

fn assistant_turn(
    message: &InputMessage,
    position: usize,
) -> Result<native::Message, RequestError> {
    let blocks = match &message.content {
        Content::Text(text) => {
            return Ok(native::Message {
                role: "assistant".to_owned(),
                content: text.clone(),
                ..native::Message::default()
            });
        }
        Content::Blocks(blocks) => blocks,
    };

    let mut texts = Vec::new();
    let mut thinking = Vec::new();
    let mut tool_calls = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        match block {
            ContentBlock::Text { text } => texts.push(text.as_str()),
            ContentBlock::Thinking { thinking: text } => thinking.push(text.as_str()),
            ContentBlock::ToolUse { id, name, input } => {
                tool_calls.push(native::ToolCall {
                    id: Some(id.clone()),
                    function: native::ToolCallFunction {
                        index: u32::try_from(tool_calls.len()).unwrap_or(u32::MAX),
                        name: name.clone(),
                        arguments: tool_arguments(input),
                    },
                });
            }
            ContentBlock::ToolResult { .. } => {
                return Err(RequestError(format!(
                    "messages.{position}.content.{index}: tool_result blocks are only allowed in user messages"
                )));
            }
            ContentBlock::Image { .. } | ContentBlock::Document { .. } => {
                return Err(RequestError(format!(
                    "messages.{position}.content.{index}: images and documents are only allowed in user messages"
                )));
            }
            ContentBlock::RedactedThinking | ContentBlock::Unsupported => {}
        }
    }
    let thinking = join_texts(thinking.into_iter());
    Ok(native::Message {
        role: "assistant".to_owned(),
        content: join_texts(texts.into_iter()),
        thinking: (!thinking.is_empty()).then_some(thinking),
        tool_calls,
        ..native::Message::default()
    })
}

/// Native arguments must be a JSON object; Anthropic inputs are objects too, but be lenient with
/// `null` from clients that build history by hand.
fn tool_arguments(input: &Value) -> Value {
    match input {
        Value::Object(_) => input.clone(),
        _ => Value::Object(Map::new()),
    }
}

fn image_data(source: &Source, at: &str) -> Result<String, RequestError> {
    match (source.kind.as_str(), &source.data) {
        ("base64", Some(data)) => Ok(data.clone()),
        ("base64", None) => Err(RequestError(format!("{at}.source.data: field required"))),
        (other, _) => Err(RequestError(format!(
            "{at}: invalid image source type: {other}. Only base64 images are supported by local models; \
             download the image and send it as base64"
        ))),
    }
}

fn document_text<'a>(source: &'a Source, at: &str) -> Result<&'a str, RequestError> {
    match (source.kind.as_str(), &source.data) {
        ("text", Some(data)) => Ok(data),
        (other, _) => Err(RequestError(format!(
            "{at}: document source type {other} is not supported by local models; only plain-text documents are"
        ))),
    }
}

/// Client tools become native functions. `tool_choice` has no native counterpart, so it is
/// honoured the only ways possible: `none` sends no tools, `tool` sends only the named one.
fn native_tools(req: &MessagesRequest) -> Result<Vec<Value>, RequestError> {
    let Some(tools) = &req.tools else {
        return Ok(Vec::new());
    };
    let wanted = match &req.tool_choice {
        Some(ToolChoice::None) => return Ok(Vec::new()),
        Some(ToolChoice::Tool { name }) if tools.iter().any(|t| &t.name == name) => {
            Some(name.as_str())
        }
        _ => None,
    };
    let mut out = Vec::with_capacity(tools.len());
    for (index, tool) in tools.iter().enumerate() {
        if wanted.is_some_and(|name| name != tool.name) {
            continue;
        }
        let Some(schema) = &tool.input_schema else {
            // Anthropic server tools (web search, code execution) run on Anthropic's side; a
            // custom tool without a schema is a client error.
            if tool.kind.as_deref().is_some_and(|k| k != "custom") {
                continue;
            }
            return Err(RequestError(format!(
                "tools.{index}.input_schema: field required"
            )));
        };
        if tool.name.is_empty() {
            return Err(RequestError(format!("tools.{index}.name: field required")));
        }
        let mut function = Map::new();
        function.insert("name".to_owned(), Value::from(tool.name.clone()));
        if let Some(description) = &tool.description {
            function.insert("description".to_owned(), Value::from(description.clone()));
        }
        function.insert("parameters".to_owned(), schema.clone());
        let mut wrapped = Map::new();
        wrapped.insert("type".to_owned(), Value::from("function"));
        wrapped.insert("function".to_owned(), Value::Object(function));
        out.push(Value::Object(wrapped));
    }
    Ok(out)
}

/// `thinking` decides whether to think; `output_config.effort` how hard (a native level).
///
/// Only an explicit request turns thinking on: `enabled`, or maximal effort. Adaptive thinking
/// ("think when useful") is Claude Code's default on every main-loop request, with effort `high`;
/// mapping it to native `think` would make every request "explicit thinking" for the router
/// (complex work, thinking-capable models only). Left unset, thinking models still think (Ollama's
/// default for them) and the router stays free to pick any model.
fn native_think(req: &MessagesRequest) -> Option<Value> {
    let effort = req.output_config.as_ref().and_then(|c| c.effort.as_deref());
    let level = effort.and_then(effort_level);
    match &req.thinking {
        Some(ThinkingConfig::Disabled) => Some(Value::Bool(false)),
        Some(ThinkingConfig::Enabled { .. }) => Some(level.map_or(Value::Bool(true), Value::from)),
        Some(ThinkingConfig::Adaptive | ThinkingConfig::Unknown) | None => {
            level.filter(|_| is_maximal_effort(effort)).map(Value::from)
        }
    }
}

fn is_maximal_effort(effort: Option<&str>) -> bool {
    matches!(effort, Some("max" | "xhigh"))
}

/// Native think levels are `low`, `medium`, `high`, `max`; Anthropic also has `xhigh`.
fn effort_level(effort: &str) -> Option<&'static str> {
    match effort {
        "low" => Some("low"),
        "medium" => Some("medium"),
        "high" | "xhigh" => Some("high"),
        "max" => Some("max"),
        _ => None,
    }
}

fn native_format(config: Option<&OutputConfig>) -> Option<Value> {
    let format = config?.format.as_ref()?;
    match format.kind.as_str() {
        "json_schema" => format.schema.clone(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Claude Code facts: kind hint and session id
// ---------------------------------------------------------------------------------------------

/// Start of the last user message of Claude Code's compaction request.
const COMPACTION_PROMPT: &str =
    "Your task is to create a detailed summary of the conversation so far";

/// The session id the body carries in `metadata.user_id`: a JSON string with `session_id` (current
/// Claude Code) or `user_<hash>_account_<uuid>_session_<uuid>` (older versions).
pub fn session_id(req: &MessagesRequest) -> Option<String> {
    let user_id = req.metadata.as_ref()?.user_id.as_deref()?.trim();
    if user_id.starts_with('{') {
        let parsed: Value = serde_json::from_str(user_id).ok()?;
        let session = parsed.get("session_id")?.as_str()?;
        return (!session.is_empty()).then(|| session.to_owned());
    }
    let (_, session) = user_id.rsplit_once("_session_")?;
    (!session.is_empty()).then(|| session.to_owned())
}

/// Whether this is a Claude Code subagent request: the agent-id header, or `cc_is_subagent=true`
/// in the billing block.
pub fn is_subagent(req: &MessagesRequest, headers: &HeaderMap) -> bool {
    if headers.contains_key("x-claude-code-agent-id") {
        return true;
    }
    let Some(Content::Blocks(blocks)) = &req.system else {
        return false;
    };
    blocks
        .iter()
        .filter(|b| is_billing_header(&b.text))
        .any(|b| b.text.contains("cc_is_subagent=true"))
}

/// What the request itself says about its kind. `None` means "no evidence": the router's own rules
/// (prompt text, size, client) decide. Model names are not looked at here: the router maps those.
///
/// Claude Code 2.1.331 sends `thinking: {"type": "adaptive"}` with `effort: "high"` on every
/// main-loop request (captured), so adaptive thinking alone is no evidence of complex work; an
/// explicit budget (`enabled`) or a maximal effort is.
pub fn kind_hint(req: &MessagesRequest, headers: &HeaderMap) -> Option<KindHint> {
    let hint = |kind: Kind, reason: &str| {
        Some(KindHint {
            kind,
            reason: reason.to_owned(),
        })
    };

    // The probe only loads the model: route it like the main loop so the load is not wasted.
    if is_model_probe(req) {
        return hint(Kind::Daily, "claude code model probe (max_tokens 1)");
    }
    let explicit_thinking = wants_explicit_thinking(req);
    match request_class(headers) {
        Some("compaction") => return hint(Kind::Daily, "request class compaction"),
        Some("auxiliary" | "side_reply") => return hint(Kind::Quick, "request class auxiliary"),
        Some("subagent" | "workflow") if !explicit_thinking => {
            return hint(Kind::Daily, "request class subagent");
        }
        // The header is authoritative when present: a main-loop request run with `--tools ""`
        // has `tools: []` too and must not be taken for a helper.
        Some("main") if !explicit_thinking => return None,
        _ => {}
    }
    if last_user_text_starts_with(req, COMPACTION_PROMPT) {
        return hint(Kind::Daily, "compaction request");
    }
    let thinking_on = matches!(
        req.thinking,
        Some(ThinkingConfig::Enabled { .. } | ThinkingConfig::Adaptive)
    );
    if req.tools.as_ref().is_some_and(Vec::is_empty) && !thinking_on {
        return hint(Kind::Quick, "helper call (tools: [], no thinking)");
    }
    if explicit_thinking {
        return hint(Kind::Complex, "thinking requested explicitly");
    }
    if is_subagent(req, headers) {
        return hint(Kind::Daily, "subagent");
    }
    None
}

/// `thinking.type: "enabled"` (a budget the user asked for), or adaptive thinking at maximal effort.
/// Mirrors [`native_think`]: true exactly when the native request asks to think.
fn wants_explicit_thinking(req: &MessagesRequest) -> bool {
    let effort = req.output_config.as_ref().and_then(|c| c.effort.as_deref());
    match req.thinking {
        Some(ThinkingConfig::Enabled { .. }) => true,
        Some(ThinkingConfig::Disabled) => false,
        _ => is_maximal_effort(effort),
    }
}

fn request_class(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-claude-code-request-class")?
        .to_str()
        .ok()
        .map(str::trim)
}

/// `{"max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}`
fn is_model_probe(req: &MessagesRequest) -> bool {
    if req.max_tokens != Some(1) || req.messages.len() != 1 {
        return false;
    }
    let message = &req.messages[0];
    message.role == Role::User && first_text(&message.content).is_some_and(|t| t.trim() == "Hi")
}

fn last_user_text_starts_with(req: &MessagesRequest, prefix: &str) -> bool {
    req.messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .is_some_and(|m| {
            match &m.content {
            Content::Text(text) => text.trim_start().starts_with(prefix),
            Content::Blocks(blocks) => blocks.iter().any(|b| {
                matches!(b, ContentBlock::Text { text } if text.trim_start().starts_with(prefix))
            }),
        }
        })
}

fn first_text(content: &Content<ContentBlock>) -> Option<&str> {
    match content {
        Content::Text(text) => Some(text),
        Content::Blocks(blocks) => blocks.iter().find_map(|b| match b {
            ContentBlock::Text { text } => Some(text.as_str()),
            _ => None,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// Ids the handler mints for one response. Tool calls keep Ollama's `call_…` id when it sends one;
/// otherwise the n-th call without an id gets `{tool_id_prefix}{n}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseIds {
    pub message_id: String,
    pub tool_id_prefix: String,
}

impl ResponseIds {
    fn tool_id(&self, native_id: Option<&str>, ordinal: usize) -> String {
        match native_id {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => format!("{}{ordinal}", self.tool_id_prefix),
        }
    }
}

/// A complete (non-stream) Messages response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub role: String,
    pub model: String,
    pub content: Vec<ResponseBlock>,
    pub stop_reason: Option<StopReason>,
    /// Always `null`: Ollama reports a stop-sequence hit as a plain `stop` without saying which.
    pub stop_sequence: Option<String>,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseBlock {
    /// Ollama has no signatures; an empty one keeps SDK models (where it is a required field) and
    /// clients that echo thinking blocks back working.
    Thinking {
        thinking: String,
        signature: String,
    },
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    MaxTokens,
    StopSequence,
    ToolUse,
}

/// Token usage. The cache fields are always 0 (Ollama's prefix reuse is not reported as such) but
/// present, as in Anthropic's responses, for clients that add them up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
}

impl Usage {
    fn from_metrics(metrics: &native::Metrics) -> Usage {
        Usage {
            input_tokens: metrics.prompt_eval_count.unwrap_or(0),
            output_tokens: metrics.eval_count.unwrap_or(0),
            ..Usage::default()
        }
    }
}

/// `length` means the output (or the context) ran out; a tool call wins over the native reason.
fn stop_reason(done_reason: Option<&str>, saw_tool_call: bool) -> StopReason {
    if saw_tool_call {
        return StopReason::ToolUse;
    }
    match done_reason {
        Some("length") => StopReason::MaxTokens,
        _ => StopReason::EndTurn,
    }
}

/// Translates a native non-stream `/api/chat` answer. Block order is thinking, text, tool uses.
pub fn message_response(chunk: &native::ChatChunk, ids: &ResponseIds) -> MessageResponse {
    let mut content = Vec::new();
    let empty = native::Message::default();
    let message = chunk.message.as_ref().unwrap_or(&empty);
    if let Some(thinking) = message.thinking.as_ref().filter(|t| !t.is_empty()) {
        content.push(ResponseBlock::Thinking {
            thinking: thinking.clone(),
            signature: String::new(),
        });
    }
    if !message.content.is_empty() {
        content.push(ResponseBlock::Text {
            text: message.content.clone(),
        });
    }
    for (ordinal, call) in message.tool_calls.iter().enumerate() {
        content.push(ResponseBlock::ToolUse {
            id: ids.tool_id(call.id.as_deref(), ordinal),
            name: call.function.name.clone(),
            input: tool_arguments(&call.function.arguments),
        });
    }
    MessageResponse {
        id: ids.message_id.clone(),
        kind: "message".to_owned(),
        role: "assistant".to_owned(),
        model: chunk.model.clone(),
        content,
        stop_reason: Some(stop_reason(
            chunk.done_reason.as_deref(),
            !message.tool_calls.is_empty(),
        )),
        stop_sequence: None,
        usage: Usage::from_metrics(&chunk.metrics),
    }
}

// ---------------------------------------------------------------------------------------------
// Stream events
// ---------------------------------------------------------------------------------------------

/// One server-sent event of a streaming Messages response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    MessageStart {
        message: MessageResponse,
    },
    ContentBlockStart {
        index: u32,
        content_block: ResponseBlock,
    },
    ContentBlockDelta {
        index: u32,
        delta: Delta,
    },
    ContentBlockStop {
        index: u32,
    },
    MessageDelta {
        delta: MessageDeltaBody,
        usage: Usage,
    },
    MessageStop,
    Ping,
    Error {
        error: ErrorBody,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    TextDelta { text: String },
    ThinkingDelta { thinking: String },
    SignatureDelta { signature: String },
    InputJsonDelta { partial_json: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageDeltaBody {
    pub stop_reason: StopReason,
    pub stop_sequence: Option<String>,
}

impl StreamEvent {
    /// The SSE `event:` name, equal to the JSON `type`.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::MessageStart { .. } => "message_start",
            StreamEvent::ContentBlockStart { .. } => "content_block_start",
            StreamEvent::ContentBlockDelta { .. } => "content_block_delta",
            StreamEvent::ContentBlockStop { .. } => "content_block_stop",
            StreamEvent::MessageDelta { .. } => "message_delta",
            StreamEvent::MessageStop => "message_stop",
            StreamEvent::Ping => "ping",
            StreamEvent::Error { .. } => "error",
        }
    }

    /// `event: <name>\ndata: <json>\n\n`.
    pub fn to_sse(&self) -> Bytes {
        let mut out = Vec::with_capacity(96);
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(self.name().as_bytes());
        out.extend_from_slice(b"\ndata: ");
        // Serializing these plain structs cannot fail (no maps with non-string keys, no custom
        // serializers); an empty object keeps the frame well-formed if it ever did.
        if serde_json::to_writer(&mut out, self).is_err() {
            out.extend_from_slice(b"{}");
        }
        out.extend_from_slice(b"\n\n");
        Bytes::from(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenBlock {
    Thinking,
    Text,
}

/// Turns native `/api/chat` NDJSON chunks into Messages stream events. Feed it every chunk in
/// order; it opens and closes content blocks, numbers them, and ends with `message_delta` +
/// `message_stop` on the `done` chunk, or with an `error` event on a failure.
#[derive(Debug)]
pub struct StreamTranslator {
    ids: ResponseIds,
    model: String,
    estimated_input_tokens: u64,
    started: bool,
    finished: bool,
    open: Option<OpenBlock>,
    /// Index of the open block, or of the next block when none is open.
    index: u32,
    tool_calls: usize,
}

impl StreamTranslator {
    /// `model` is the model the request was sent to (Ollama echoes it in every chunk);
    /// `estimated_input_tokens` fills `message_start.usage` until the real count arrives.
    pub fn new(ids: ResponseIds, model: String, estimated_input_tokens: u64) -> StreamTranslator {
        StreamTranslator {
            ids,
            model,
            estimated_input_tokens,
            started: false,
            finished: false,
            open: None,
            index: 0,
            tool_calls: 0,
        }
    }

    /// True once `message_stop` or `error` was produced: nothing more may be sent.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// `message_start`, if not sent yet. The handler calls it early so that pings can follow it
    /// while the model loads (clients reject events before `message_start`).
    pub fn start(&mut self) -> Option<StreamEvent> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(StreamEvent::MessageStart {
            message: MessageResponse {
                id: self.ids.message_id.clone(),
                kind: "message".to_owned(),
                role: "assistant".to_owned(),
                model: self.model.clone(),
                content: Vec::new(),
                stop_reason: None,
                stop_sequence: None,
                usage: Usage {
                    input_tokens: self.estimated_input_tokens,
                    ..Usage::default()
                },
            },
        })
    }

    /// Events for one native chunk. A chunk with `error` ends the stream with an `error` event.
    pub fn push(&mut self, chunk: &native::ChatChunk) -> Vec<StreamEvent> {
        let mut events = Vec::new();
        if self.finished {
            return events;
        }
        if let Some(error) = &chunk.error {
            events.extend(self.fail(ErrorType::ApiError, error.clone()));
            return events;
        }
        events.extend(self.start());
        if !chunk.model.is_empty() && chunk.model != self.model {
            // Cannot happen with Ollama (it echoes the request's model); remembered for the log.
            self.model.clone_from(&chunk.model);
        }

        if let Some(message) = &chunk.message {
            if let Some(thinking) = message.thinking.as_ref().filter(|t| !t.is_empty()) {
                self.ensure_open(OpenBlock::Thinking, &mut events);
                events.push(StreamEvent::ContentBlockDelta {
                    index: self.index,
                    delta: Delta::ThinkingDelta {
                        thinking: thinking.clone(),
                    },
                });
            }
            if !message.content.is_empty() {
                self.ensure_open(OpenBlock::Text, &mut events);
                events.push(StreamEvent::ContentBlockDelta {
                    index: self.index,
                    delta: Delta::TextDelta {
                        text: message.content.clone(),
                    },
                });
            }
            for call in &message.tool_calls {
                self.close_open(&mut events);
                let id = self.ids.tool_id(call.id.as_deref(), self.tool_calls);
                self.tool_calls += 1;
                let input = tool_arguments(&call.function.arguments);
                events.push(StreamEvent::ContentBlockStart {
                    index: self.index,
                    content_block: ResponseBlock::ToolUse {
                        id,
                        name: call.function.name.clone(),
                        input: Value::Object(Map::new()),
                    },
                });
                // Ollama sends whole calls, so the whole input goes out as one delta.
                events.push(StreamEvent::ContentBlockDelta {
                    index: self.index,
                    delta: Delta::InputJsonDelta {
                        partial_json: input.to_string(),
                    },
                });
                events.push(StreamEvent::ContentBlockStop { index: self.index });
                self.index += 1;
            }
        }

        if chunk.done {
            self.close_open(&mut events);
            events.push(StreamEvent::MessageDelta {
                delta: MessageDeltaBody {
                    stop_reason: stop_reason(chunk.done_reason.as_deref(), self.tool_calls > 0),
                    stop_sequence: None,
                },
                usage: Usage::from_metrics(&chunk.metrics),
            });
            events.push(StreamEvent::MessageStop);
            self.finished = true;
        }
        events
    }

    /// Ends the stream with an `error` event (upstream failure, dropped connection, a stream that
    /// ended without `done`). Emits `message_start` first if nothing was sent, since Anthropic's
    /// SDKs expect it before anything else.
    pub fn fail(&mut self, error_type: ErrorType, message: String) -> Vec<StreamEvent> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        let mut events: Vec<StreamEvent> = self.start().into_iter().collect();
        events.push(StreamEvent::Error {
            error: ErrorBody {
                kind: error_type,
                message,
            },
        });
        events
    }

    fn ensure_open(&mut self, kind: OpenBlock, events: &mut Vec<StreamEvent>) {
        if self.open == Some(kind) {
            return;
        }
        self.close_open(events);
        let content_block = match kind {
            OpenBlock::Thinking => ResponseBlock::Thinking {
                thinking: String::new(),
                signature: String::new(),
            },
            OpenBlock::Text => ResponseBlock::Text {
                text: String::new(),
            },
        };
        events.push(StreamEvent::ContentBlockStart {
            index: self.index,
            content_block,
        });
        self.open = Some(kind);
    }

    fn close_open(&mut self, events: &mut Vec<StreamEvent>) {
        let Some(kind) = self.open.take() else {
            return;
        };
        if kind == OpenBlock::Thinking {
            // Anthropic always closes a thinking block with its signature; clients that collect
            // it on this event (rather than from content_block_start) get an empty one.
            events.push(StreamEvent::ContentBlockDelta {
                index: self.index,
                delta: Delta::SignatureDelta {
                    signature: String::new(),
                },
            });
        }
        events.push(StreamEvent::ContentBlockStop { index: self.index });
        self.index += 1;
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Anthropic's error types, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    InvalidRequestError,
    AuthenticationError,
    PermissionError,
    NotFoundError,
    RequestTooLarge,
    RateLimitError,
    ApiError,
    OverloadedError,
}

impl ErrorType {
    pub fn status(self) -> http::StatusCode {
        match self {
            ErrorType::InvalidRequestError => http::StatusCode::BAD_REQUEST,
            ErrorType::AuthenticationError => http::StatusCode::UNAUTHORIZED,
            ErrorType::PermissionError => http::StatusCode::FORBIDDEN,
            ErrorType::NotFoundError => http::StatusCode::NOT_FOUND,
            ErrorType::RequestTooLarge => http::StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::RateLimitError => http::StatusCode::TOO_MANY_REQUESTS,
            ErrorType::ApiError => http::StatusCode::INTERNAL_SERVER_ERROR,
            // 529 is Anthropic's own "overloaded" status; its SDKs retry it.
            ErrorType::OverloadedError => {
                http::StatusCode::from_u16(529).unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE)
            }
        }
    }

    /// The type for an upstream (native) error status, as Ollama's own Anthropic layer maps it.
    pub fn for_upstream_status(status: u16) -> ErrorType {
        match status {
            400 => ErrorType::InvalidRequestError,
            401 => ErrorType::AuthenticationError,
            403 => ErrorType::PermissionError,
            404 => ErrorType::NotFoundError,
            413 => ErrorType::RequestTooLarge,
            429 => ErrorType::RateLimitError,
            503 | 529 => ErrorType::OverloadedError,
            _ => ErrorType::ApiError,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    pub message: String,
}

/// The complete error response body: `{"type":"error","error":{"type":…,"message":…}}`.
pub fn error_body(kind: ErrorType, message: impl Into<String>) -> Value {
    serde_json::json!({
        "type": "error",
        "error": ErrorBody { kind, message: message.into() },
    })
}

/// The text Claude Code reacts to by compacting the conversation.
pub fn prompt_too_long_message(tokens: u32, max: u32) -> String {
    format!("prompt is too long: {tokens} tokens > {max} maximum")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(body: Value) -> MessagesRequest {
        serde_json::from_value(body).unwrap()
    }

    fn native(body: Value) -> Value {
        serde_json::to_value(to_native_chat(&request(body)).unwrap()).unwrap()
    }

    fn translate_error(body: Value) -> String {
        to_native_chat(&request(body)).unwrap_err().0
    }

    #[test]
    fn plain_request_maps_sampling_options_and_system() {
        let got = native(json!({
            "model": "claude-sonnet-4-6", "max_tokens": 1024, "stream": true,
            "system": "Be terse.", "temperature": 0.2, "top_p": 0.9, "top_k": 20,
            "stop_sequences": ["</answer>"],
            "messages": [{"role": "user", "content": "hello"}],
        }));
        assert_eq!(
            got,
            json!({
                "model": "claude-sonnet-4-6",
                "messages": [
                    {"role": "system", "content": "Be terse."},
                    {"role": "user", "content": "hello"},
                ],
                "options": {"num_predict": 1024, "temperature": 0.2, "top_p": 0.9, "top_k": 20, "stop": ["</answer>"]},
                "stream": true,
            })
        );
    }

    #[test]
    fn billing_block_is_dropped_and_system_blocks_are_separated() {
        let got = native(json!({
            "model": "m", "max_tokens": 8,
            "system": [
                {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.330.a1b; cc_entrypoint=cli;"},
                {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "Instructions."},
            ],
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": "<system-reminder>r</system-reminder>"},
                {"type": "text", "text": "fix it", "cache_control": {"type": "ephemeral"}},
            ]}],
        }));
        assert_eq!(
            got["messages"][0],
            json!({"role": "system", "content": "You are Claude Code.\n\nInstructions."})
        );
        assert_eq!(
            got["messages"][1],
            json!({"role": "user", "content": "<system-reminder>r</system-reminder>\n\nfix it"})
        );
        assert_eq!(got["stream"], json!(false));
    }

    #[test]
    fn tool_round_trip_history_becomes_native_tool_calls_and_tool_messages() {
        let got = native(json!({
            "model": "m", "max_tokens": 8,
            "messages": [
                {"role": "user", "content": "weather in Paris and Rome?"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "two calls", "signature": "sig"},
                    {"type": "redacted_thinking", "data": "opaque"},
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "call_aaaa1111", "name": "get_weather", "input": {"city": "Paris"}},
                    {"type": "tool_use", "id": "toolu_01bb", "name": "get_weather", "input": {"city": "Rome"}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "call_aaaa1111", "content": "18C"},
                    {"type": "tool_result", "tool_use_id": "toolu_01bb", "is_error": true,
                     "content": [{"type": "text", "text": "timeout"}, {"type": "text", "text": "retry later"}]},
                    {"type": "text", "text": "and Berlin?"},
                ]},
            ],
        }));
        assert_eq!(
            got["messages"],
            json!([
                {"role": "user", "content": "weather in Paris and Rome?"},
                {"role": "assistant", "content": "Checking.", "thinking": "two calls", "tool_calls": [
                    {"id": "call_aaaa1111", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}},
                    {"id": "toolu_01bb", "function": {"index": 1, "name": "get_weather", "arguments": {"city": "Rome"}}},
                ]},
                {"role": "tool", "content": "18C", "tool_name": "get_weather", "tool_call_id": "call_aaaa1111"},
                {"role": "tool", "content": "Error: timeout\n\nretry later", "tool_name": "get_weather", "tool_call_id": "toolu_01bb"},
                {"role": "user", "content": "and Berlin?"},
            ])
        );
    }

    #[test]
    fn claude_code_main_loop_shape_translates() {
        // Trimmed from a request Claude Code 2.1.331 sent in `-p` mode (captured against a fake).
        let got = native(json!({
            "model": "qwen3:8b", "max_tokens": 32000, "stream": true,
            "thinking": {"type": "adaptive", "display": "omitted"},
            "output_config": {"effort": "high"},
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "metadata": {"user_id": "{\"device_id\":\"81f6\",\"account_uuid\":\"\",\"session_id\":\"e764dcae\"}"},
            "system": [
                {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.331.471; cc_entrypoint=sdk-cli;"},
                {"type": "text", "text": "You are a Claude agent, built on Anthropic's Claude Agent SDK.", "cache_control": {"type": "ephemeral"}},
            ],
            "tools": [
                {"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}},
                {"name": "DeferredToolPlaceholder", "description": "never call", "input_schema": {"type": "object", "properties": {}}, "defer_loading": true},
            ],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "<system-reminder>\nAttribution\n</system-reminder>\n"},
                    {"type": "text", "text": "Say hi"},
                ]},
                {"role": "system", "content": [{"type": "text", "text": "# Environment\nPlatform: linux"}]},
            ],
        }));
        assert_eq!(
            got["messages"],
            json!([
                {"role": "system", "content": "You are a Claude agent, built on Anthropic's Claude Agent SDK."},
                {"role": "user", "content": "<system-reminder>\nAttribution\n</system-reminder>\n\n\nSay hi"},
                {"role": "system", "content": "# Environment\nPlatform: linux"},
            ])
        );
        assert_eq!(
            got["think"],
            Value::Null,
            "adaptive thinking is the model's default"
        );
        assert_eq!(got["options"], json!({"num_predict": 32000}));
        assert_eq!(got["tools"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn a_user_turn_of_only_tool_results_adds_no_empty_user_message() {
        let got = native(json!({
            "model": "m", "max_tokens": 8,
            "messages": [
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Read", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]},
            ],
        }));
        let roles: Vec<&str> = got["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["assistant", "tool"]);
        assert_eq!(got["messages"][1]["content"], json!(""));
    }

    #[test]
    fn base64_images_pass_and_url_images_are_refused_clearly() {
        let got = native(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                {"type": "text", "text": "what is this?"},
            ]}],
        }));
        assert_eq!(
            got["messages"][0],
            json!({"role": "user", "content": "what is this?", "images": ["iVBORw0KGgo="]})
        );

        let err = translate_error(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
            ]}],
        }));
        assert!(
            err.starts_with("messages.0.content.1: invalid image source type: url."),
            "{err}"
        );
        assert!(err.contains("Only base64 images are supported"), "{err}");
    }

    #[test]
    fn text_documents_are_inlined_and_pdfs_refused() {
        let got = native(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "user", "content": [
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}},
                {"type": "text", "text": "summarise"},
            ]}],
        }));
        assert_eq!(got["messages"][0]["content"], json!("notes\n\nsummarise"));
        let err = translate_error(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "user", "content": [
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}},
            ]}],
        }));
        assert!(
            err.contains("document source type base64 is not supported"),
            "{err}"
        );
    }

    #[test]
    fn unknown_block_types_are_skipped() {
        let got = native(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "user", "content": [
                {"type": "container_upload", "file_id": "f"},
                {"type": "text", "text": "hi"},
            ]}],
        }));
        assert_eq!(got["messages"], json!([{"role": "user", "content": "hi"}]));
    }

    #[test]
    fn misplaced_blocks_are_refused() {
        let err = translate_error(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "assistant", "content": [{"type": "tool_result", "tool_use_id": "x", "content": "r"}]}],
        }));
        assert!(
            err.contains("tool_result blocks are only allowed in user messages"),
            "{err}"
        );
        let err = translate_error(json!({
            "model": "m", "max_tokens": 8,
            "messages": [{"role": "user", "content": [{"type": "tool_use", "id": "x", "name": "n", "input": {}}]}],
        }));
        assert!(
            err.contains("tool_use blocks are only allowed in assistant messages"),
            "{err}"
        );
    }

    #[test]
    fn tools_and_tool_choice() {
        let tools = json!([
            {"name": "Bash", "description": "run", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}},
            {"name": "Read", "input_schema": {"type": "object", "properties": {}}, "cache_control": {"type": "ephemeral"}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
        ]);
        let with_choice = |choice: Value| {
            let mut body = json!({"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}], "tools": tools});
            if !choice.is_null() {
                body["tool_choice"] = choice;
            }
            native(body)["tools"].clone()
        };
        let names = |tools: Value| -> Vec<String> {
            tools.as_array().map_or(Vec::new(), |a| {
                a.iter()
                    .map(|t| t["function"]["name"].as_str().unwrap().to_owned())
                    .collect()
            })
        };

        let all = with_choice(Value::Null);
        assert_eq!(
            all[0],
            json!({"type": "function", "function": {"name": "Bash", "description": "run",
                "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}})
        );
        assert_eq!(
            names(all),
            ["Bash", "Read"],
            "server tools cannot run locally"
        );
        assert_eq!(
            names(with_choice(json!({"type": "auto"}))),
            ["Bash", "Read"]
        );
        assert_eq!(names(with_choice(json!({"type": "any"}))), ["Bash", "Read"]);
        assert_eq!(
            names(with_choice(json!({"type": "tool", "name": "Read"}))),
            ["Read"]
        );
        assert_eq!(
            names(with_choice(json!({"type": "tool", "name": "Nope"}))),
            ["Bash", "Read"]
        );
        assert_eq!(
            with_choice(json!({"type": "none"})),
            Value::Null,
            "tool_choice none sends no tools"
        );

        let err = translate_error(
            json!({"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}],
            "tools": [{"name": "Broken"}]}),
        );
        assert_eq!(err, "tools.0.input_schema: field required");
    }

    #[test]
    fn thinking_and_effort_map_to_think() {
        let cases = [
            (json!(null), json!(null), json!(null)),
            (
                json!({"type": "enabled", "budget_tokens": 4000}),
                json!(null),
                json!(true),
            ),
            (json!({"type": "adaptive"}), json!(null), json!(null)),
            (
                json!({"type": "adaptive"}),
                json!({"effort": "high"}),
                json!(null),
            ),
            (json!(null), json!({"effort": "low"}), json!(null)),
            (json!({"type": "disabled"}), json!(null), json!(false)),
            (
                json!({"type": "disabled"}),
                json!({"effort": "high"}),
                json!(false),
            ),
            (
                json!({"type": "enabled", "budget_tokens": 4000}),
                json!({"effort": "low"}),
                json!("low"),
            ),
            (
                json!({"type": "adaptive"}),
                json!({"effort": "xhigh"}),
                json!("high"),
            ),
            (json!(null), json!({"effort": "max"}), json!("max")),
            (json!(null), json!({"effort": "extreme"}), json!(null)),
        ];
        for (thinking, output_config, want) in cases {
            let mut body = json!({"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]});
            if !thinking.is_null() {
                body["thinking"] = thinking.clone();
            }
            if !output_config.is_null() {
                body["output_config"] = output_config.clone();
            }
            assert_eq!(
                native(body)["think"],
                want,
                "thinking {thinking} effort {output_config}"
            );
        }
    }

    #[test]
    fn json_schema_output_format_becomes_native_format() {
        let schema = json!({"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]});
        let got = native(json!({
            "model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}],
            "output_config": {"format": {"type": "json_schema", "schema": schema}},
        }));
        assert_eq!(got["format"], schema);
    }

    #[test]
    fn validation_and_parse_errors_name_the_field() {
        let ok =
            json!({"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]});
        assert_eq!(validate_messages(&request(ok.clone())), Ok(()));
        let mut missing = ok.clone();
        missing.as_object_mut().unwrap().remove("max_tokens");
        assert_eq!(
            validate_messages(&request(missing)).unwrap_err().0,
            "max_tokens: field required"
        );
        let mut zero = ok.clone();
        zero["max_tokens"] = json!(0);
        assert!(
            validate_messages(&request(zero))
                .unwrap_err()
                .0
                .starts_with("max_tokens")
        );
        let mut empty = ok.clone();
        empty["messages"] = json!([]);
        assert!(
            validate_messages(&request(empty))
                .unwrap_err()
                .0
                .starts_with("messages")
        );

        assert_eq!(parse_request(b" ").unwrap_err().0, "request body is empty");
        let err = parse_request(br#"{"model":"m","messages":[{"role":"user","content":[{"type":"tool_use","name":"x"}]}]}"#)
            .unwrap_err()
            .0;
        assert!(err.contains("missing field `id`"), "{err}");
        let err = parse_request(br#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#)
            .unwrap_err()
            .0;
        assert!(err.contains("unknown variant `tool`"), "{err}");
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, http::HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn kind_hints_from_claude_code_shapes_and_headers() {
        let plain = json!({"model": "qwen3-coder", "max_tokens": 32000,
            "messages": [{"role": "user", "content": "explain this function"}],
            "tools": [{"name": "Bash", "input_schema": {"type": "object"}}]});
        let with = |patch: Value| {
            let mut body = plain.clone();
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };
        let subagent_system = json!([
            {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.330.f00; cc_entrypoint=cli; cc_is_subagent=true;"},
            {"type": "text", "text": "You are an agent."},
        ]);
        let cases: Vec<(&str, Value, HeaderMap, Option<Kind>)> = vec![
            ("plain main loop", plain.clone(), HeaderMap::new(), None),
            (
                "main class header",
                plain.clone(),
                headers(&[("x-claude-code-request-class", "main")]),
                None,
            ),
            (
                "probe",
                json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}]}]}),
                HeaderMap::new(),
                Some(Kind::Daily),
            ),
            (
                "one token but not the probe",
                with(json!({"max_tokens": 1})),
                HeaderMap::new(),
                None,
            ),
            (
                "auxiliary header",
                plain.clone(),
                headers(&[("x-claude-code-request-class", "auxiliary")]),
                Some(Kind::Quick),
            ),
            (
                "compaction header",
                with(json!({"tools": []})),
                headers(&[("x-claude-code-request-class", "compaction")]),
                Some(Kind::Daily),
            ),
            (
                "subagent header class",
                plain.clone(),
                headers(&[("x-claude-code-request-class", "subagent")]),
                Some(Kind::Daily),
            ),
            (
                "compaction prompt",
                with(json!({"tools": [], "messages": [
                    {"role": "user", "content": "fix the bug"},
                    {"role": "assistant", "content": "done"},
                    {"role": "user", "content": [{"type": "text", "text": "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests"}]},
                ]})),
                HeaderMap::new(),
                Some(Kind::Daily),
            ),
            (
                "title helper",
                with(json!({"tools": [], "thinking": {"type": "disabled"}})),
                HeaderMap::new(),
                Some(Kind::Quick),
            ),
            (
                "thinking enabled",
                with(json!({"thinking": {"type": "enabled", "budget_tokens": 10000}})),
                HeaderMap::new(),
                Some(Kind::Complex),
            ),
            (
                "adaptive thinking is claude code's default",
                with(
                    json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}}),
                ),
                HeaderMap::new(),
                None,
            ),
            (
                "adaptive thinking at max effort",
                with(json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "max"}})),
                HeaderMap::new(),
                Some(Kind::Complex),
            ),
            (
                "main loop run with --tools \"\"",
                with(json!({"tools": [], "thinking": {"type": "adaptive", "display": "omitted"}})),
                HeaderMap::new(),
                None,
            ),
            (
                "main class header beats tools: []",
                with(json!({"tools": []})),
                headers(&[("x-claude-code-request-class", "main")]),
                None,
            ),
            (
                "main class with a thinking budget",
                with(json!({"thinking": {"type": "enabled", "budget_tokens": 8000}})),
                headers(&[("x-claude-code-request-class", "main")]),
                Some(Kind::Complex),
            ),
            (
                "thinking disabled",
                with(json!({"thinking": {"type": "disabled"}})),
                HeaderMap::new(),
                None,
            ),
            (
                "subagent by agent id",
                plain.clone(),
                headers(&[("x-claude-code-agent-id", "a1")]),
                Some(Kind::Daily),
            ),
            (
                "subagent by billing block",
                with(json!({"system": subagent_system})),
                HeaderMap::new(),
                Some(Kind::Daily),
            ),
            (
                "thinking subagent",
                with(json!({"thinking": {"type": "enabled"}})),
                headers(&[("x-claude-code-agent-id", "a1")]),
                Some(Kind::Complex),
            ),
            (
                "thinking subagent by class",
                with(json!({"thinking": {"type": "enabled"}})),
                headers(&[("x-claude-code-request-class", "subagent")]),
                Some(Kind::Complex),
            ),
        ];
        for (name, body, headers, want) in cases {
            let got = kind_hint(&request(body), &headers);
            assert_eq!(got.as_ref().map(|h| h.kind), want, "{name}: {got:?}");
            if let Some(hint) = got {
                assert!(!hint.reason.is_empty(), "{name}: a hint says why");
            }
        }
    }

    #[test]
    fn session_id_from_metadata_user_id() {
        let with_user_id = |user_id: Value| {
            session_id(&request(
                json!({"model": "m", "messages": [], "metadata": {"user_id": user_id}}),
            ))
        };
        assert_eq!(
            with_user_id(json!(
                "{\"device_id\":\"ab12\",\"account_uuid\":\"\",\"session_id\":\"5f0c-11\"}"
            ))
            .as_deref(),
            Some("5f0c-11")
        );
        assert_eq!(
            with_user_id(json!("user_9f8e_account_1234_session_0b7e-22")).as_deref(),
            Some("0b7e-22")
        );
        assert_eq!(with_user_id(json!("{\"device_id\":\"ab12\"}")), None);
        assert_eq!(with_user_id(json!("{not json")), None);
        assert_eq!(with_user_id(json!("plain-user")), None);
        assert_eq!(
            session_id(&request(json!({"model": "m", "messages": []}))),
            None
        );
    }

    fn ids() -> ResponseIds {
        ResponseIds {
            message_id: "msg_test".to_owned(),
            tool_id_prefix: "toolu_test".to_owned(),
        }
    }

    fn chunk(value: Value) -> native::ChatChunk {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn non_stream_response_orders_blocks_and_reports_real_usage() {
        let answer = chunk(json!({
            "model": "qwen3:8b", "created_at": "2026-08-01T10:00:04Z", "done": true, "done_reason": "stop",
            "message": {"role": "assistant", "content": "Let me check.", "thinking": "hmm",
                "tool_calls": [
                    {"id": "call_k3x9a8mz", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}},
                    {"function": {"index": 1, "name": "get_time", "arguments": {}}},
                ]},
            "prompt_eval_count": 412, "eval_count": 37,
        }));
        let got = serde_json::to_value(message_response(&answer, &ids())).unwrap();
        assert_eq!(
            got,
            json!({
                "id": "msg_test", "type": "message", "role": "assistant", "model": "qwen3:8b",
                "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": ""},
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "call_k3x9a8mz", "name": "get_weather", "input": {"city": "Paris"}},
                    {"type": "tool_use", "id": "toolu_test1", "name": "get_time", "input": {}},
                ],
                "stop_reason": "tool_use", "stop_sequence": null,
                "usage": {"input_tokens": 412, "output_tokens": 37, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
            })
        );
    }

    #[test]
    fn stop_reasons() {
        for (done_reason, want) in [
            (json!("stop"), "end_turn"),
            (json!("length"), "max_tokens"),
            (json!(null), "end_turn"),
        ] {
            let answer = chunk(
                json!({"model": "m", "done": true, "done_reason": done_reason, "message": {"role": "assistant", "content": "x"}}),
            );
            let got = serde_json::to_value(message_response(&answer, &ids())).unwrap();
            assert_eq!(got["stop_reason"], json!(want), "{done_reason}");
        }
    }

    fn run_stream(translator: &mut StreamTranslator, chunks: &[Value]) -> Vec<Value> {
        chunks
            .iter()
            .flat_map(|c| translator.push(&chunk(c.clone())))
            .map(|e| {
                let value = serde_json::to_value(&e).unwrap();
                assert_eq!(
                    value["type"],
                    json!(e.name()),
                    "event name matches its type"
                );
                value
            })
            .collect()
    }

    #[test]
    fn stream_of_thinking_text_and_tool_call() {
        let mut translator = StreamTranslator::new(ids(), "qwen3:8b".to_owned(), 120);
        let events = run_stream(
            &mut translator,
            &[
                json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": "", "thinking": "Let me"}, "done": false}),
                json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": "", "thinking": " think"}, "done": false}),
                json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": "Hello"}, "done": false}),
                json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "call_k3x9a8mz", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "New York"}}}]}, "done": false}),
                json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": "stop",
                    "prompt_eval_count": 169, "eval_count": 15}),
            ],
        );
        assert_eq!(
            events,
            vec![
                json!({"type": "message_start", "message": {"id": "msg_test", "type": "message", "role": "assistant", "model": "qwen3:8b",
                    "content": [], "stop_reason": null, "stop_sequence": null,
                    "usage": {"input_tokens": 120, "output_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}),
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me"}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": " think"}}),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": ""}}),
                json!({"type": "content_block_stop", "index": 0}),
                json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
                json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello"}}),
                json!({"type": "content_block_stop", "index": 1}),
                json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "call_k3x9a8mz", "name": "get_weather", "input": {}}}),
                json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"city\":\"New York\"}"}}),
                json!({"type": "content_block_stop", "index": 2}),
                json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null},
                    "usage": {"input_tokens": 169, "output_tokens": 15, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}),
                json!({"type": "message_stop"}),
            ]
        );
        assert!(translator.is_finished());
        assert!(
            translator
                .push(&chunk(
                    json!({"message": {"role": "assistant", "content": "late"}})
                ))
                .is_empty()
        );
    }

    #[test]
    fn stream_text_only_ends_with_max_tokens_on_length() {
        let mut translator = StreamTranslator::new(ids(), "m".to_owned(), 0);
        let events = run_stream(
            &mut translator,
            &[
                json!({"model": "m", "message": {"role": "assistant", "content": "a"}, "done": false}),
                json!({"model": "m", "message": {"role": "assistant", "content": "b"}, "done": true, "done_reason": "length", "eval_count": 2}),
            ],
        );
        let names: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(
            events[3]["delta"]["text"],
            json!("b"),
            "content on the done chunk is not lost"
        );
        assert_eq!(events[5]["delta"]["stop_reason"], json!("max_tokens"));
    }

    #[test]
    fn stream_error_line_and_failure_before_any_chunk() {
        let mut translator = StreamTranslator::new(ids(), "m".to_owned(), 0);
        let events = run_stream(
            &mut translator,
            &[
                json!({"model": "m", "message": {"role": "assistant", "content": "Yes"}, "done": false}),
                json!({"error": "an error was encountered while running the model"}),
            ],
        );
        assert_eq!(
            events.last().unwrap(),
            &json!({"type": "error", "error": {"type": "api_error", "message": "an error was encountered while running the model"}})
        );
        assert!(translator.is_finished());

        let mut fresh = StreamTranslator::new(ids(), "m".to_owned(), 0);
        let events = fresh.fail(ErrorType::OverloadedError, "busy".to_owned());
        let names: Vec<&str> = events.iter().map(StreamEvent::name).collect();
        assert_eq!(
            names,
            ["message_start", "error"],
            "SDKs need message_start before anything"
        );
        assert!(
            fresh
                .fail(ErrorType::ApiError, "again".to_owned())
                .is_empty()
        );
    }

    #[test]
    fn start_is_sent_once() {
        let mut translator = StreamTranslator::new(ids(), "m".to_owned(), 0);
        assert!(translator.start().is_some());
        let events = run_stream(
            &mut translator,
            &[
                json!({"model": "m", "message": {"role": "assistant", "content": "x"}, "done": false}),
            ],
        );
        assert_eq!(events[0]["type"], json!("content_block_start"));
    }

    #[test]
    fn sse_framing() {
        assert_eq!(
            StreamEvent::Ping.to_sse(),
            Bytes::from("event: ping\ndata: {\"type\":\"ping\"}\n\n")
        );
        assert_eq!(
            StreamEvent::ContentBlockStop { index: 3 }.to_sse(),
            Bytes::from(
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":3}\n\n"
            )
        );
    }

    #[test]
    fn error_shapes_and_statuses() {
        assert_eq!(
            error_body(
                ErrorType::InvalidRequestError,
                prompt_too_long_message(250_000, 40_960)
            ),
            json!({"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 250000 tokens > 40960 maximum"}})
        );
        assert_eq!(
            ErrorType::for_upstream_status(503),
            ErrorType::OverloadedError
        );
        assert_eq!(ErrorType::OverloadedError.status().as_u16(), 529);
        assert_eq!(ErrorType::for_upstream_status(404).status().as_u16(), 404);
        assert_eq!(ErrorType::for_upstream_status(500), ErrorType::ApiError);
        assert_eq!(
            ErrorType::for_upstream_status(400),
            ErrorType::InvalidRequestError
        );
    }
}

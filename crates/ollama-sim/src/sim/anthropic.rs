//! `POST /v1/messages` (Anthropic's Messages API, what Claude Code speaks) as Ollama serves it.
//!
//! Written from real Ollama's behaviour (`anthropic/anthropic.go` FromMessagesRequest,
//! ToMessagesResponse, StreamConverter, EstimateCountTokens; `middleware/anthropic.go`
//! AnthropicMessagesMiddleware and AnthropicWriter at v0.33; fixtures 03 and 04), never from the
//! router's translators: the sim is a referee. The request becomes a native `/api/chat` request
//! run by the sim's own chat handler, and the native chunks become Anthropic events.
//!
//! Like Ollama: no `/v1/messages/count_tokens` route (a 404), no `ping` events, no
//! `signature_delta`, `think` on a model without thinking is ignored instead of refused
//! (`relax_thinking`). Left out: the server-side web search loop (a `web_search_*` tool is passed
//! to the model as a `web_search` function; a call to it is returned to the client, not run) and
//! image decoding (a base64 image counts as one image).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Sim;
use super::api::json_response;
use super::gowire::{
    JsonType, decode_body, expect_field, unmarshal_field_error, unmarshal_value_error,
};
use super::library::Capability;
use super::sse::{encoder_response, event_frame, transcode};

/// Anthropic's error body (`anthropic.NewError`): the type follows the status, and every error
/// carries a fresh `request_id`.
pub fn error_body(status: u16, message: &str) -> Value {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        503 | 529 => "overloaded_error",
        _ => "api_error",
    };
    json!({
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": generate_id("req"),
    })
}

/// A validation error of the middleware (`c.AbortWithStatusJSON`: gin's JSON render).
fn error_response(status: StatusCode, message: &str) -> Response {
    json_response(status, &error_body(status.as_u16(), message))
}

/// `<prefix>_` + 24 hex digits (12 random bytes).
fn generate_id(prefix: &str) -> String {
    let hex: String = (0..12)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect();
    format!("{prefix}_{hex}")
}

/// Message content: a string is one text block; otherwise the blocks as sent.
fn blocks(content: &Value) -> Result<Vec<Value>, String> {
    match content {
        Value::String(s) => Ok(vec![json!({"type": "text", "text": s})]),
        Value::Array(items) => {
            for item in items {
                if !item.is_object() && !item.is_null() {
                    return Err(unmarshal_value_error(item, "anthropic.ContentBlock"));
                }
            }
            Ok(items.clone())
        }
        Value::Null => Ok(Vec::new()),
        other => Err(unmarshal_value_error(other, "[]anthropic.ContentBlock")),
    }
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A `tool_result`'s content: a string, or its text blocks joined (images counted).
fn tool_result_content(content: &Value) -> Result<(String, usize), String> {
    match content {
        Value::String(s) => Ok((s.clone(), 0)),
        Value::Array(items) => {
            let mut text = String::new();
            let mut images = 0;
            for item in items {
                match item.get("type").and_then(Value::as_str) {
                    Some("text") => text.push_str(str_field(item, "text")),
                    Some("image") => {
                        let Some(source) = item.get("source").filter(|s| s.is_object()) else {
                            return Err("invalid tool_result image source".into());
                        };
                        check_image_source(source)?;
                        images += 1;
                    }
                    _ => {}
                }
            }
            Ok((text, images))
        }
        _ => Ok((String::new(), 0)),
    }
}

/// `resolveImageSource`: only base64 sources, decodable.
fn check_image_source(source: &Value) -> Result<(), String> {
    let kind = str_field(source, "type");
    if kind != "base64" {
        return Err(format!(
            "invalid image source type: {kind}. Only base64 images are supported."
        ));
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(str_field(source, "data"))
        .map(|_| ())
        .map_err(|e| format!("invalid base64 image data: {e}"))
}

/// One Anthropic message as native messages (`convertMessage`): a user turn's tool results come
/// first, as `tool` messages, then its text; other turns put results after the message.
fn convert_message(message: &Value) -> Result<Vec<Value>, String> {
    let role = str_field(message, "role").to_lowercase();
    let mut text = String::new();
    let mut images = 0usize;
    let mut tool_calls = Vec::new();
    let mut thinking = String::new();
    let mut results = Vec::new();
    for block in blocks(message.get("content").unwrap_or(&Value::Null))? {
        match str_field(&block, "type") {
            "text" => text.push_str(str_field(&block, "text")),
            "image" => {
                let Some(source) = block.get("source").filter(|s| s.is_object()) else {
                    return Err("invalid image source".into());
                };
                check_image_source(source)?;
                images += 1;
            }
            kind @ ("tool_use" | "server_tool_use") => {
                let id = str_field(&block, "id");
                let name = str_field(&block, "name");
                if kind == "tool_use" && id.is_empty() {
                    return Err("tool_use block missing required 'id' field".into());
                }
                if kind == "tool_use" && name.is_empty() {
                    return Err("tool_use block missing required 'name' field".into());
                }
                let mut call = Map::new();
                if !id.is_empty() {
                    call.insert("id".into(), json!(id));
                }
                call.insert(
                    "function".into(),
                    json!({
                        "index": 0,
                        "name": name,
                        "arguments": block.get("input").filter(|i| i.is_object()).cloned().unwrap_or(json!({})),
                    }),
                );
                tool_calls.push(Value::Object(call));
            }
            "tool_result" => {
                let (content, result_images) =
                    tool_result_content(block.get("content").unwrap_or(&Value::Null))?;
                results.push(native_message(
                    "tool",
                    &content,
                    "",
                    result_images,
                    Vec::new(),
                    str_field(&block, "tool_use_id"),
                ));
            }
            "thinking" => {
                if let Some(t) = block.get("thinking").and_then(Value::as_str) {
                    thinking = t.to_owned();
                }
            }
            "web_search_tool_result" => {
                let content = match block.get("content") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter(|i| str_field(i, "type") == "web_search_result")
                        .map(|i| format!("- {}: {}\n", str_field(i, "title"), str_field(i, "url")))
                        .collect(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                results.push(native_message(
                    "tool",
                    &content,
                    "",
                    0,
                    Vec::new(),
                    str_field(&block, "tool_use_id"),
                ));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let results_first = role == "user" && !results.is_empty();
    if results_first {
        out.append(&mut results);
    }
    if !text.is_empty() || images > 0 || !tool_calls.is_empty() || !thinking.is_empty() {
        out.push(native_message(
            &role, &text, &thinking, images, tool_calls, "",
        ));
    }
    out.append(&mut results);
    Ok(out)
}

/// An `api.Message` as Go marshals it (empty optional fields omitted).
fn native_message(
    role: &str,
    content: &str,
    thinking: &str,
    images: usize,
    tool_calls: Vec<Value>,
    tool_call_id: &str,
) -> Value {
    let mut m = Map::new();
    m.insert("role".into(), json!(role));
    m.insert("content".into(), json!(content));
    if !thinking.is_empty() {
        m.insert("thinking".into(), json!(thinking));
    }
    if images > 0 {
        // The sim only counts images; Ollama would carry the decoded bytes.
        m.insert("images".into(), json!(vec![""; images]));
    }
    if !tool_calls.is_empty() {
        m.insert("tool_calls".into(), Value::Array(tool_calls));
    }
    if !tool_call_id.is_empty() {
        m.insert("tool_call_id".into(), json!(tool_call_id));
    }
    Value::Object(m)
}

/// Type checks ShouldBindJSON would fail on, with Go's texts.
fn check_types(object: &Map<String, Value>) -> Result<(), String> {
    for (field, expected, go_type) in [
        ("model", JsonType::String, "string"),
        ("max_tokens", JsonType::Number, "int"),
        ("messages", JsonType::Array, "[]anthropic.MessageParam"),
        ("stream", JsonType::Bool, "bool"),
        ("temperature", JsonType::Number, "float64"),
        ("top_p", JsonType::Number, "float64"),
        ("top_k", JsonType::Number, "int"),
        ("stop_sequences", JsonType::Array, "[]string"),
        ("tools", JsonType::Array, "[]anthropic.Tool"),
        ("thinking", JsonType::Object, "anthropic.ThinkingConfig"),
        ("output_config", JsonType::Object, "anthropic.OutputConfig"),
    ] {
        expect_field(object, field, expected, "MessagesRequest", "", go_type)?;
    }
    for field in ["max_tokens", "top_k"] {
        if let Some(n) = object.get(field).and_then(Value::as_f64)
            && n.fract() != 0.0
        {
            return Err(format!(
                "json: cannot unmarshal number {n} into Go struct field MessagesRequest.{field} of type int"
            ));
        }
    }
    for message in object
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !message.is_object() {
            return Err(unmarshal_field_error(
                message,
                "MessagesRequest",
                "messages",
                "anthropic.MessageParam",
            ));
        }
    }
    Ok(())
}

/// The middleware's own checks, in its order, then `FromMessagesRequest`: an Anthropic request
/// as the native `/api/chat` request. `Err` carries the 400 message.
pub fn messages_request_to_native(request: &Value) -> Result<Value, String> {
    let Value::Object(object) = request else {
        return Err(unmarshal_value_error(request, "anthropic.MessagesRequest"));
    };
    check_types(object)?;
    if str_field(request, "model").is_empty() {
        return Err("model is required".into());
    }
    let max_tokens = object
        .get("max_tokens")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if max_tokens <= 0 {
        return Err("max_tokens is required and must be positive".into());
    }
    let messages = object
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if messages.is_empty() {
        return Err("messages is required".into());
    }

    let mut native_messages = Vec::new();
    match object.get("system") {
        Some(Value::String(s)) if !s.is_empty() => {
            native_messages.push(native_message("system", s, "", 0, Vec::new(), ""));
        }
        // Text blocks are concatenated as they are, without separators.
        Some(Value::Array(items)) => {
            let text: String = items
                .iter()
                .filter(|b| str_field(b, "type") == "text")
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            if !text.is_empty() {
                native_messages.push(native_message("system", &text, "", 0, Vec::new(), ""));
            }
        }
        _ => {}
    }
    for message in &messages {
        native_messages.extend(convert_message(message)?);
    }

    let mut options = Map::new();
    options.insert("num_predict".into(), json!(max_tokens));
    for key in ["temperature", "top_p", "top_k"] {
        if let Some(v) = object.get(key).filter(|v| !v.is_null()) {
            options.insert(key.into(), v.clone());
        }
    }
    if let Some(stop) = object
        .get("stop_sequences")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
    {
        options.insert("stop".into(), Value::Array(stop.clone()));
    }

    let declared = object
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has_web_search = declared
        .iter()
        .any(|t| str_field(t, "type").starts_with("web_search"));
    let mut tools = Vec::new();
    for tool in &declared {
        let kind = str_field(tool, "type");
        if kind.starts_with("web_search") {
            tools.push(json!({
                "type": "function",
                "function": {
                    "name": "web_search",
                    "description": "Search the web for current information. Use this to find up-to-date information about any topic.",
                    "parameters": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {"query": {"type": "string", "description": "The search query to look up on the web"}},
                    },
                },
            }));
            continue;
        }
        let name = str_field(tool, "name");
        // A user tool named like the built-in one would make its calls ambiguous.
        if has_web_search && name == "web_search" {
            continue;
        }
        let schema = tool.get("input_schema").filter(|s| !s.is_null());
        if let Some(schema) = schema
            && !schema.is_object()
        {
            return Err(format!(
                "invalid input_schema for tool \"{name}\": {}",
                unmarshal_value_error(schema, "api.ToolFunctionParameters")
            ));
        }
        let mut function = Map::new();
        function.insert("name".into(), json!(name));
        let description = str_field(tool, "description");
        if !description.is_empty() {
            function.insert("description".into(), json!(description));
        }
        function.insert(
            "parameters".into(),
            schema.cloned().unwrap_or_else(|| json!({"type": ""})),
        );
        tools.push(json!({"type": "function", "function": function}));
    }

    // `thinking` wins; without it, an `output_config.effort` level sets the think level.
    let mut effort = request
        .pointer("/output_config/effort")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_lowercase();
    if effort == "xhigh" {
        effort = "high".into();
    }
    let think = match request.pointer("/thinking/type").and_then(Value::as_str) {
        Some("enabled") => Some(json!(true)),
        Some("disabled") => Some(json!(false)),
        _ => matches!(effort.as_str(), "high" | "medium" | "low" | "max").then(|| json!(effort)),
    };

    let mut native = Map::new();
    native.insert("model".into(), json!(str_field(request, "model")));
    native.insert("messages".into(), Value::Array(native_messages));
    native.insert(
        "stream".into(),
        json!(object.get("stream").and_then(Value::as_bool) == Some(true)),
    );
    native.insert("options".into(), Value::Object(options));
    if !tools.is_empty() {
        native.insert("tools".into(), Value::Array(tools));
    }
    if let Some(think) = think {
        native.insert("think".into(), think);
    }
    Ok(Value::Object(native))
}

/// A content block as Go marshals `anthropic.ContentBlock` (used for the estimate).
fn block_json_len(block: &Value) -> usize {
    let mut m = Map::new();
    m.insert("type".into(), json!(str_field(block, "type")));
    if let Some(t) = block.get("text").and_then(Value::as_str) {
        m.insert("text".into(), json!(t));
    }
    for key in ["id", "name"] {
        let v = str_field(block, key);
        if !v.is_empty() {
            m.insert(key.into(), json!(v));
        }
    }
    if let Some(input) = block.get("input").filter(|i| i.is_object()) {
        m.insert("input".into(), input.clone());
    }
    let tool_use_id = str_field(block, "tool_use_id");
    if !tool_use_id.is_empty() {
        m.insert("tool_use_id".into(), json!(tool_use_id));
    }
    if let Some(c) = block.get("content").filter(|c| !c.is_null()) {
        m.insert("content".into(), c.clone());
    }
    if block.get("is_error").and_then(Value::as_bool) == Some(true) {
        m.insert("is_error".into(), json!(true));
    }
    if let Some(t) = block.get("thinking").and_then(Value::as_str) {
        m.insert("thinking".into(), json!(t));
    }
    let bytes = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
    super::gowire::go_html_escape(bytes).len()
}

fn blocks_len(blocks: &[Value]) -> usize {
    blocks
        .iter()
        .map(|b| {
            let text = b.get("text").and_then(Value::as_str).map_or(0, str::len);
            let thinking = b
                .get("thinking")
                .and_then(Value::as_str)
                .map_or(0, str::len);
            let kind = str_field(b, "type");
            let marshalled = if kind == "tool_use" || kind == "tool_result" {
                block_json_len(b)
            } else {
                0
            };
            text + thinking + marshalled
        })
        .sum()
}

/// Ollama's input estimate for `message_start` when the first chunk has no prompt count
/// (`EstimateCountTokens`): a quarter of the bytes of system, roles, texts, thinking, marshalled
/// tool blocks and tool declarations; at least 1 when there is anything.
pub fn estimate_input_tokens(request: &Value) -> u64 {
    let mut total = match request.get("system") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) => s.len(),
        Some(Value::Array(items)) => blocks_len(items),
        Some(other) => other.to_string().len(),
    };
    let messages = request
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for message in &messages {
        total += str_field(message, "role").len();
        total +=
            blocks(message.get("content").unwrap_or(&Value::Null)).map_or(0, |b| blocks_len(&b));
    }
    for tool in request
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        total += str_field(tool, "name").len() + str_field(tool, "description").len();
        // Go keeps the raw bytes; the sim measures the compact form.
        total += tool
            .get("input_schema")
            .filter(|s| !s.is_null())
            .map_or(0, |s| s.to_string().len());
    }
    let tokens = (total / 4) as u64;
    if tokens == 0 && (!messages.is_empty() || request.get("system").is_some_and(|s| !s.is_null()))
    {
        1
    } else {
        tokens
    }
}

/// `mapStopReason`.
pub fn stop_reason(done_reason: &str, had_tool_calls: bool) -> &'static str {
    if had_tool_calls {
        return "tool_use";
    }
    match done_reason {
        "stop" => "end_turn",
        "length" => "max_tokens",
        "" => "",
        _ => "stop_sequence",
    }
}

/// `anthropic.Usage`.
#[derive(Debug, Clone, Copy, Serialize)]
struct Usage {
    input_tokens: u64,
    output_tokens: u64,
}

/// `anthropic.MessagesResponse` in its field order.
#[derive(Debug, Clone, Serialize)]
struct MessagesResponse {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: Value,
    /// `null` when empty in a final message (a nil slice in Go), `[]` in `message_start`.
    content: Value,
    #[serde(skip_serializing_if = "str::is_empty")]
    stop_reason: &'static str,
    usage: Usage,
}

fn count(native: &Value, key: &str) -> u64 {
    native.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn tool_use_block(call: &Value, with_input: bool) -> Value {
    let mut block = Map::new();
    block.insert("type".into(), json!("tool_use"));
    let id = call.get("id").and_then(Value::as_str).unwrap_or("");
    if !id.is_empty() {
        block.insert("id".into(), json!(id));
    }
    let name = call
        .pointer("/function/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !name.is_empty() {
        block.insert("name".into(), json!(name));
    }
    let input = if with_input {
        call.pointer("/function/arguments")
            .filter(|a| a.is_object())
            .cloned()
            .unwrap_or(json!({}))
    } else {
        json!({})
    };
    block.insert("input".into(), input);
    Value::Object(block)
}

/// A non-streaming native answer as an Anthropic message (`ToMessagesResponse`).
pub fn to_message(id: &str, native: &Value) -> Value {
    let message = native.get("message").cloned().unwrap_or(json!({}));
    let mut content = Vec::new();
    let thinking = str_field(&message, "thinking");
    if !thinking.is_empty() {
        content.push(json!({"type": "thinking", "thinking": thinking}));
    }
    let text = str_field(&message, "content");
    if !text.is_empty() {
        content.push(json!({"type": "text", "text": text}));
    }
    let calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    content.extend(calls.iter().map(|c| tool_use_block(c, true)));
    serde_json::to_value(MessagesResponse {
        id: id.to_owned(),
        kind: "message",
        role: "assistant",
        model: native.get("model").cloned().unwrap_or(json!("")),
        content: if content.is_empty() {
            Value::Null
        } else {
            Value::Array(content)
        },
        stop_reason: stop_reason(str_field(native, "done_reason"), !calls.is_empty()),
        usage: Usage {
            input_tokens: count(native, "prompt_eval_count"),
            output_tokens: count(native, "eval_count"),
        },
    })
    .unwrap_or(Value::Null)
}

/// One streamed event: its name and its data.
pub type Event = (String, Value);

/// Ollama's `StreamConverter`: native chunks in, Anthropic events out.
#[derive(Debug)]
pub struct MessagesStream {
    id: String,
    model: String,
    estimated_input: u64,
    first_write: bool,
    index: u64,
    thinking_started: bool,
    thinking_done: bool,
    text_started: bool,
    tool_calls_sent: Vec<String>,
}

impl MessagesStream {
    pub fn new(id: impl Into<String>, model: impl Into<String>, estimated_input: u64) -> Self {
        MessagesStream {
            id: id.into(),
            model: model.into(),
            estimated_input,
            first_write: true,
            index: 0,
            thinking_started: false,
            thinking_done: false,
            text_started: false,
            tool_calls_sent: Vec::new(),
        }
    }

    fn stop(&mut self, advance: bool) -> Event {
        let event = (
            "content_block_stop".to_owned(),
            json!({"type": "content_block_stop", "index": self.index}),
        );
        if advance {
            self.index += 1;
        }
        event
    }

    fn start(&self, block: Value) -> Event {
        (
            "content_block_start".to_owned(),
            json!({"type": "content_block_start", "index": self.index, "content_block": block}),
        )
    }

    fn delta(&self, delta: Value) -> Event {
        (
            "content_block_delta".to_owned(),
            json!({"type": "content_block_delta", "index": self.index, "delta": delta}),
        )
    }

    /// The events one native chunk becomes.
    pub fn push(&mut self, native: &Value) -> Vec<Event> {
        let mut events = Vec::new();
        if self.first_write {
            self.first_write = false;
            let mut input = count(native, "prompt_eval_count");
            if input == 0 {
                input = self.estimated_input;
            }
            let start = MessagesResponse {
                id: self.id.clone(),
                kind: "message",
                role: "assistant",
                model: json!(self.model),
                content: json!([]),
                stop_reason: "",
                usage: Usage {
                    input_tokens: input,
                    output_tokens: 0,
                },
            };
            events.push((
                "message_start".to_owned(),
                json!({"type": "message_start", "message": start}),
            ));
        }
        let message = native.get("message").cloned().unwrap_or(json!({}));
        let thinking = str_field(&message, "thinking");
        let content = str_field(&message, "content");
        if !thinking.is_empty() && !self.thinking_done {
            if self.text_started {
                events.push(self.stop(true));
                self.text_started = false;
            }
            if !self.thinking_started {
                self.thinking_started = true;
                events.push(self.start(json!({"type": "thinking", "thinking": ""})));
            }
            events.push(self.delta(json!({"type": "thinking_delta", "thinking": thinking})));
        }
        if !content.is_empty() {
            if self.thinking_started && !self.thinking_done {
                self.thinking_done = true;
                events.push(self.stop(true));
            }
            if !self.text_started {
                self.text_started = true;
                events.push(self.start(json!({"type": "text", "text": ""})));
            }
            events.push(self.delta(json!({"type": "text_delta", "text": content})));
        }
        for call in message
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = call
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if self.tool_calls_sent.contains(&id) {
                continue;
            }
            if self.thinking_started && !self.thinking_done {
                self.thinking_done = true;
                events.push(self.stop(true));
            }
            if self.text_started {
                events.push(self.stop(true));
                self.text_started = false;
            }
            let arguments = call
                .pointer("/function/arguments")
                .filter(|a| !a.is_null())
                .cloned()
                .unwrap_or(json!({}));
            events.push(self.start(tool_use_block(call, false)));
            events.push(
                self.delta(
                    json!({"type": "input_json_delta", "partial_json": arguments.to_string()}),
                ),
            );
            events.push(self.stop(true));
            self.tool_calls_sent.push(id);
        }
        if native.get("done").and_then(Value::as_bool) == Some(true) {
            if self.text_started || (self.thinking_started && !self.thinking_done) {
                events.push(self.stop(false));
            }
            let stop_reason = stop_reason(
                str_field(native, "done_reason"),
                !self.tool_calls_sent.is_empty(),
            );
            let mut delta = Map::new();
            if !stop_reason.is_empty() {
                delta.insert("stop_reason".into(), json!(stop_reason));
            }
            events.push((
                "message_delta".to_owned(),
                json!({
                    "type": "message_delta",
                    "delta": delta,
                    "usage": {
                        "input_tokens": count(native, "prompt_eval_count"),
                        "output_tokens": count(native, "eval_count"),
                    },
                }),
            ));
            events.push(("message_stop".to_owned(), json!({"type": "message_stop"})));
        }
        events
    }
}

/// The SSE bytes of events.
pub fn frames(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .flat_map(|(name, data)| event_frame(name, data))
        .collect()
}

/// A native error response re-shaped as Anthropic's error body, status kept.
async fn wrap_error(response: Response) -> Response {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    // The writer's `writeError`: the encoder under a bare `application/json`.
    encoder_response(status, &error_body(status.as_u16(), &message))
}

/// `POST /v1/messages`.
pub(super) async fn messages(State(sim): State<Sim>, body: Bytes) -> Response {
    let request = match decode_body(&body) {
        Ok(v) => v,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, &message),
    };
    let mut native = match messages_request_to_native(&request) {
        Ok(n) => n,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, &message),
    };
    // `relax_thinking`: a model that cannot think ignores `think` here instead of refusing it.
    let enabled = native
        .get("think")
        .is_some_and(|t| *t != json!(false) && !t.is_null());
    if enabled {
        let model = str_field(&native, "model").to_owned();
        let thinks = sim
            .state()
            .find_model(&model)
            .is_none_or(|m| m.has(Capability::Thinking));
        if !thinks && let Some(object) = native.as_object_mut() {
            object.remove("think");
        }
    }
    let stream = native["stream"] == true;
    let id = generate_id("msg");
    let response = super::inference::chat(State(sim), Bytes::from(native.to_string())).await;
    if response.status() != StatusCode::OK {
        return wrap_error(response).await;
    }
    if !stream {
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        return match serde_json::from_slice::<Value>(&body) {
            Ok(v) => encoder_response(StatusCode::OK, &to_message(&id, &v)),
            Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
    }
    let model = str_field(&request, "model").to_owned();
    let mut converter = MessagesStream::new(id, model, estimate_input_tokens(&request));
    transcode(response, move |chunk| frames(&converter.push(chunk)))
}

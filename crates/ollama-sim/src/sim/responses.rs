//! `POST /v1/responses` (OpenAI's Responses API, what Codex speaks) as Ollama serves it.
//!
//! Written from real Ollama's behaviour (`openai/responses.go` FromResponsesRequest, ToResponse,
//! ResponsesStreamConverter; `middleware/openai.go` ResponsesMiddleware and ResponsesWriter at
//! v0.33), never from the router's translators: the sim is a referee. Like Ollama, the request
//! becomes a native `/api/chat` request run by the sim's own chat handler (same scheduling,
//! tokens, context rules), and the native chunks become Responses events.
//!
//! Left out (Codex does not send them to a local model, or the sim cannot honour them): the
//! server-side `web_search` loop (the tool is passed to the model as Ollama's private
//! `web_search` function, but a call to it is returned to the client, not run), zstd request
//! bodies, image decoding (an `input_image` with a data URL counts as one image) and `logprobs`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::Sim;
use super::api::openai_error;
use super::gowire::{JsonType, decode_body, expect_field, go_quote, unmarshal_value_error};
use super::openai::{think_from_effort, unix_now};
use super::sse::{encoder_response, event_frame, go_map, go_numbers, transcode};

/// One parsed input item (`unmarshalResponsesInputItem`).
#[derive(Debug, Clone)]
enum Item {
    Message {
        role: String,
        content: Vec<Part>,
    },
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    FunctionCallOutput {
        call_id: String,
        output: String,
        parts: Vec<Part>,
    },
    Reasoning {
        encrypted_content: String,
    },
    WebSearchCall,
}

/// One content part (`unmarshalResponsesContent`).
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Image { url: String },
    File,
}

fn parse_part(value: &Value) -> Result<Part, String> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let text = || {
        value
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    match kind {
        "input_text" | "output_text" => Ok(Part::Text(text())),
        "input_image" => Ok(Part::Image {
            url: value
                .get("image_url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        }),
        "input_file" => Ok(Part::File),
        other => Err(format!("unknown content type: {other}")),
    }
}

fn parse_parts(value: &Value, what: &str) -> Result<Vec<Part>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![Part::Text(s.clone())]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_part(item).map_err(|e| format!("{what}[{i}]: {e}")))
            .collect(),
        other => Err(format!(
            "{what} must be a string or array: {}",
            unmarshal_value_error(other, "[]json.RawMessage")
        )),
    }
}

fn str_field(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn parse_item(value: &Value) -> Result<Item, String> {
    let mut kind = str_field(value, "type");
    // The shorthand `{"role": ..., "content": ...}` is a message.
    if kind.is_empty() && !str_field(value, "role").is_empty() {
        kind = "message".into();
    }
    Ok(match kind.as_str() {
        "message" => Item::Message {
            role: str_field(value, "role"),
            content: parse_parts(value.get("content").unwrap_or(&Value::Null), "content")?,
        },
        "function_call" => Item::FunctionCall {
            call_id: str_field(value, "call_id"),
            name: str_field(value, "name"),
            arguments: str_field(value, "arguments"),
        },
        "function_call_output" => {
            let raw = value.get("output").unwrap_or(&Value::Null);
            let (output, parts) = match raw {
                Value::String(s) => (s.clone(), Vec::new()),
                Value::Null => (String::new(), Vec::new()),
                _ => {
                    let parts = parse_parts(raw, "output")?;
                    let text = parts
                        .iter()
                        .filter_map(|p| match p {
                            Part::Text(t) => Some(t.as_str()),
                            _ => None,
                        })
                        .collect();
                    (text, parts)
                }
            };
            Item::FunctionCallOutput {
                call_id: str_field(value, "call_id"),
                output,
                parts,
            }
        }
        "reasoning" => Item::Reasoning {
            encrypted_content: str_field(value, "encrypted_content"),
        },
        "web_search_call" => Item::WebSearchCall,
        "" => return Err("input item missing required 'type' field".into()),
        other => return Err(format!("unknown input item type: {}", go_quote(other))),
    })
}

/// Text and image count of content parts (`convertResponsesContent`).
fn convert_parts(parts: &[Part]) -> Result<(String, usize), String> {
    let mut text = String::new();
    let mut images = 0;
    for part in parts {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Image { url } if url.is_empty() => {}
            Part::Image { url } => {
                if url.starts_with("http://") || url.starts_with("https://") {
                    return Err(
                        "image URLs are not currently supported, please use base64 encoded data instead"
                            .into(),
                    );
                }
                let known = ["data:;base64,"]
                    .into_iter()
                    .map(str::to_owned)
                    .chain(
                        ["jpeg", "jpg", "png", "webp"]
                            .iter()
                            .map(|t| format!("data:image/{t};base64,")),
                    )
                    .any(|prefix| url.starts_with(&prefix));
                if !known {
                    return Err("invalid image input".into());
                }
                images += 1;
            }
            Part::File => return Err("file inputs are not currently supported".into()),
        }
    }
    Ok((text, images))
}

/// A native message under construction.
#[derive(Debug, Default)]
struct Message {
    role: String,
    content: String,
    thinking: String,
    images: usize,
    tool_calls: Vec<Value>,
    tool_call_id: String,
}

impl Message {
    fn to_native(&self) -> Value {
        let mut out = Map::new();
        out.insert("role".into(), json!(self.role));
        out.insert("content".into(), json!(self.content));
        if !self.thinking.is_empty() {
            out.insert("thinking".into(), json!(self.thinking));
        }
        if self.images > 0 {
            // The sim only counts images; Ollama would carry the decoded bytes.
            out.insert("images".into(), json!(vec![""; self.images]));
        }
        if !self.tool_calls.is_empty() {
            out.insert("tool_calls".into(), Value::Array(self.tool_calls.clone()));
        }
        if !self.tool_call_id.is_empty() {
            out.insert("tool_call_id".into(), json!(self.tool_call_id));
        }
        Value::Object(out)
    }

    fn has_call(&self, id: &str) -> bool {
        self.tool_calls.iter().any(|c| c["id"] == id)
    }
}

/// Type checks of the request fields ShouldBindJSON would reject, with Go's texts.
fn check_types(object: &Map<String, Value>) -> Result<(), String> {
    for (field, expected, go_type) in [
        ("model", JsonType::String, "string"),
        ("instructions", JsonType::String, "string"),
        ("max_output_tokens", JsonType::Number, "int"),
        ("temperature", JsonType::Number, "float64"),
        ("top_p", JsonType::Number, "float64"),
        ("stream", JsonType::Bool, "bool"),
        ("background", JsonType::Bool, "bool"),
        ("truncation", JsonType::String, "string"),
        ("tools", JsonType::Array, "[]openai.ResponsesTool"),
        ("reasoning", JsonType::Object, "openai.ResponsesReasoning"),
        ("text", JsonType::Object, "openai.ResponsesText"),
    ] {
        expect_field(object, field, expected, "ResponsesRequest", "", go_type)?;
    }
    if let Some(n) = object.get("max_output_tokens").and_then(Value::as_f64)
        && n.fract() != 0.0
    {
        return Err(format!(
            "json: cannot unmarshal number {n} into Go struct field ResponsesRequest.max_output_tokens of type int"
        ));
    }
    Ok(())
}

/// The tools as Ollama hands them to the model (`convertTools`): `namespace` declarations expand
/// to their members with qualified names; `web_search` becomes Ollama's private function.
fn native_tools(tools: &[Value]) -> Vec<Value> {
    fn expand(tool: &Value, out: &mut Vec<Value>) {
        if tool.get("type").and_then(Value::as_str) == Some("namespace") {
            let prefix = str_field(tool, "name");
            for member in tool
                .get("tools")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let start = out.len();
                expand(member, out);
                for t in &mut out[start..] {
                    let name = t["function"]["name"].as_str().unwrap_or("").to_owned();
                    if !prefix.is_empty() && !name.starts_with(&format!("{prefix}.")) {
                        t["function"]["name"] = json!(format!("{prefix}.{name}"));
                    }
                }
            }
            return;
        }
        let mut function = Map::new();
        function.insert("name".into(), json!(str_field(tool, "name")));
        let description = str_field(tool, "description");
        if !description.is_empty() {
            function.insert("description".into(), json!(description));
        }
        function.insert(
            "parameters".into(),
            tool.get("parameters")
                .filter(|p| !p.is_null())
                .cloned()
                .unwrap_or_else(|| json!({"type": ""})),
        );
        out.push(
            json!({ "type": tool.get("type").cloned().unwrap_or(json!("")), "function": function }),
        );
    }
    let has_web_search = tools
        .iter()
        .any(|t| t.get("type").and_then(Value::as_str) == Some("web_search"));
    let mut out = Vec::new();
    for tool in tools {
        if tool.get("type").and_then(Value::as_str) == Some("web_search") {
            out.push(json!({
                "type": "function",
                "function": {
                    "name": "web_search",
                    "description": "Search the web for current information.",
                    "parameters": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {"query": {"type": "string", "description": "The search query."}},
                    },
                },
            }));
            continue;
        }
        let start = out.len();
        expand(tool, &mut out);
        if has_web_search {
            // The built-in tool owns the name: a user function called `web_search` is dropped.
            let mut i = start;
            while i < out.len() {
                if out[i]["function"]["name"] == "web_search" {
                    out.remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }
    out
}

/// A Responses request rewritten into the native `/api/chat` request Ollama's middleware builds.
/// `Err` carries the 400 message.
pub fn responses_request_to_native(request: &Value) -> Result<Value, String> {
    let Value::Object(object) = request else {
        return Err(unmarshal_value_error(request, "openai.ResponsesRequest"));
    };
    check_types(object)?;
    let mut messages: Vec<Message> = Vec::new();
    let instructions = str_field(request, "instructions");
    if !instructions.is_empty() {
        messages.push(Message {
            role: "system".into(),
            content: instructions,
            ..Message::default()
        });
    }
    let items: Vec<Item> = match object.get("input").unwrap_or(&Value::Null) {
        Value::Null => Vec::new(),
        Value::String(text) => {
            if !text.is_empty() {
                messages.push(Message {
                    role: "user".into(),
                    content: text.clone(),
                    ..Message::default()
                });
            }
            Vec::new()
        }
        Value::Array(raw) => raw
            .iter()
            .enumerate()
            .map(|(i, item)| parse_item(item).map_err(|e| format!("input[{i}]: {e}")))
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "input must be a string or array: {}",
                unmarshal_value_error(other, "[]json.RawMessage")
            ));
        }
    };

    // Reasoning waits for the next assistant turn it belongs to.
    let mut pending_thinking = String::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Reasoning { encrypted_content } => pending_thinking = encrypted_content.clone(),
            Item::Message { role, content } => {
                let (text, images) = convert_parts(content)?;
                let mut msg = Message {
                    role: role.clone(),
                    content: text,
                    images,
                    ..Message::default()
                };
                if msg.role == "assistant" && !pending_thinking.is_empty() {
                    msg.thinking = std::mem::take(&mut pending_thinking);
                }
                // An assistant message replayed between a function_call and its output joins the
                // call's message, so the tool result still directly follows its call.
                let answered_next = match items.get(i + 1) {
                    Some(Item::FunctionCallOutput { call_id, .. }) => call_id.as_str(),
                    _ => "",
                };
                if msg.role == "assistant"
                    && !answered_next.is_empty()
                    && let Some(last) = messages.last_mut()
                    && last.role == "assistant"
                    && last.has_call(answered_next)
                {
                    if !last.content.is_empty() && !msg.content.is_empty() {
                        last.content.push('\n');
                    }
                    last.content.push_str(&msg.content);
                    last.images += msg.images;
                    if !msg.thinking.is_empty() {
                        last.thinking = msg.thinking;
                    }
                    continue;
                }
                messages.push(msg);
            }
            Item::FunctionCall {
                call_id,
                name,
                arguments,
            } => {
                let args = if arguments.is_empty() {
                    json!({})
                } else {
                    let parsed = decode_body(arguments.as_bytes())
                        .map_err(|e| format!("failed to parse function call arguments: {e}"))?;
                    if !parsed.is_object() {
                        return Err(format!(
                            "failed to parse function call arguments: {}",
                            unmarshal_value_error(&parsed, "map[string]interface {}")
                        ));
                    }
                    parsed
                };
                let call = json!({
                    "id": call_id,
                    "function": {"index": 0, "name": name, "arguments": args},
                });
                let thinking = std::mem::take(&mut pending_thinking);
                match messages.last_mut() {
                    Some(last) if last.role == "assistant" => {
                        last.tool_calls.push(call);
                        if !thinking.is_empty() {
                            last.thinking = thinking;
                        }
                    }
                    _ => messages.push(Message {
                        role: "assistant".into(),
                        tool_calls: vec![call],
                        thinking,
                        ..Message::default()
                    }),
                }
            }
            Item::FunctionCallOutput {
                call_id,
                output,
                parts,
            } => {
                let (content, images) = if parts.is_empty() {
                    (output.clone(), 0)
                } else {
                    convert_parts(parts)?
                };
                messages.push(Message {
                    role: "tool".into(),
                    content,
                    images,
                    tool_call_id: call_id.clone(),
                    ..Message::default()
                });
            }
            // Built-in tool calls are history metadata only.
            Item::WebSearchCall => {}
        }
    }
    if !pending_thinking.is_empty() {
        messages.push(Message {
            role: "assistant".into(),
            thinking: pending_thinking,
            ..Message::default()
        });
    }

    let mut options = Map::new();
    // Temperature defaults to OpenAI's 1.0; top_p is left to the model unless set.
    options.insert(
        "temperature".into(),
        object
            .get("temperature")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(json!(1.0)),
    );
    if let Some(top_p) = object.get("top_p").filter(|v| !v.is_null()) {
        options.insert("top_p".into(), top_p.clone());
    }
    if let Some(max) = object.get("max_output_tokens").filter(|v| !v.is_null()) {
        options.insert("num_predict".into(), max.clone());
    }
    let effort = request
        .pointer("/reasoning/effort")
        .and_then(Value::as_str)
        .unwrap_or("");
    let think = if effort.is_empty() {
        None
    } else {
        Some(think_from_effort(effort)?)
    };
    let tools = native_tools(
        object
            .get("tools")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
    );

    let mut native = Map::new();
    native.insert(
        "model".into(),
        object.get("model").cloned().unwrap_or(json!("")),
    );
    native.insert(
        "messages".into(),
        Value::Array(messages.iter().map(Message::to_native).collect()),
    );
    native.insert(
        "stream".into(),
        json!(object.get("stream").and_then(Value::as_bool) == Some(true)),
    );
    if request.pointer("/text/format/type").and_then(Value::as_str) == Some("json_schema")
        && let Some(schema) = request
            .pointer("/text/format/schema")
            .filter(|s| !s.is_null())
    {
        native.insert("format".into(), schema.clone());
    }
    native.insert("options".into(), Value::Object(options));
    if !tools.is_empty() {
        native.insert("tools".into(), Value::Array(tools));
    }
    if let Some(think) = think {
        native.insert("think".into(), think);
    }
    Ok(Value::Object(native))
}

/// What a response echoes from its request.
#[derive(Debug, Clone)]
struct Echo {
    model: Value,
    instructions: Value,
    truncation: Value,
    /// `tools` as the client declared them.
    tools: Vec<Value>,
    text_format: Option<Value>,
    effort: String,
    summary: String,
    top_p: Value,
    temperature: Value,
    max_output_tokens: Value,
    background: bool,
}

impl Echo {
    fn from_request(request: &Value) -> Echo {
        let instructions = str_field(request, "instructions");
        let number = |key: &str| {
            request
                .get(key)
                .filter(|v| v.is_number())
                .cloned()
                .unwrap_or(json!(1.0))
        };
        Echo {
            model: request.get("model").cloned().unwrap_or(json!("")),
            instructions: if instructions.is_empty() {
                Value::Null
            } else {
                json!(instructions)
            },
            truncation: request
                .get("truncation")
                .filter(|t| t.is_string())
                .cloned()
                .unwrap_or(json!("disabled")),
            tools: request
                .get("tools")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            text_format: request
                .pointer("/text/format")
                .filter(|f| f.is_object())
                .cloned(),
            effort: request
                .pointer("/reasoning/effort")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            summary: request
                .pointer("/reasoning/summary")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            top_p: number("top_p"),
            temperature: number("temperature"),
            max_output_tokens: request
                .get("max_output_tokens")
                .filter(|v| v.is_number())
                .cloned()
                .unwrap_or(Value::Null),
            background: request.get("background").and_then(Value::as_bool) == Some(true),
        }
    }

    /// A declared tool as `ResponsesTool` marshals it (struct order, `tools` only when set).
    fn tool_struct(tool: &Value) -> Value {
        let mut out = Map::new();
        out.insert("type".into(), json!(str_field(tool, "type")));
        out.insert("name".into(), json!(str_field(tool, "name")));
        for key in ["description", "strict", "parameters"] {
            out.insert(key.into(), tool.get(key).cloned().unwrap_or(Value::Null));
        }
        if let Some(members) = tool
            .get("tools")
            .and_then(Value::as_array)
            .filter(|m| !m.is_empty())
        {
            out.insert(
                "tools".into(),
                Value::Array(members.iter().map(Echo::tool_struct).collect()),
            );
        }
        Value::Object(out)
    }

    /// `text.format` as `ResponsesTextFormat` marshals it.
    fn format_struct(&self) -> Value {
        let Some(format) = &self.text_format else {
            return json!({"type": "text"});
        };
        let mut out = Map::new();
        out.insert("type".into(), json!(str_field(format, "type")));
        let name = str_field(format, "name");
        if !name.is_empty() {
            out.insert("name".into(), json!(name));
        }
        for key in ["schema", "strict"] {
            if let Some(v) = format.get(key).filter(|v| !v.is_null()) {
                out.insert(key.into(), v.clone());
            }
        }
        Value::Object(out)
    }
}

fn usage(native: &Value) -> (u64, u64) {
    let count = |k: &str| native.get(k).and_then(Value::as_u64).unwrap_or(0);
    (count("prompt_eval_count"), count("eval_count"))
}

/// A native tool call as the Responses layer shows it: `call_id`, name, arguments as a string.
fn call_parts(call: &Value) -> (Value, Value, String) {
    (
        call.get("id").cloned().unwrap_or(json!("")),
        call.pointer("/function/name").cloned().unwrap_or(json!("")),
        call.pointer("/function/arguments")
            .filter(|a| !a.is_null())
            .map_or_else(|| "{}".to_owned(), Value::to_string),
    )
}

/// A non-streaming native answer as a `response` object (`ToResponse`), in the struct's field
/// order.
pub fn to_response(
    response_id: &str,
    item_id: &str,
    native: &Value,
    request: &Value,
    created_at: i64,
    completed_at: i64,
) -> Value {
    let echo = Echo::from_request(request);
    let message = native.get("message").cloned().unwrap_or(json!({}));
    let thinking = str_field(&message, "thinking");
    let mut output = Vec::new();
    if !thinking.is_empty() {
        output.push(json!({
            "id": format!("rs_{response_id}"),
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": thinking}],
            "encrypted_content": thinking,
        }));
    }
    let calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if calls.is_empty() {
        output.push(json!({
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{
                "type": "output_text",
                "text": str_field(&message, "content"),
                "annotations": [],
                "logprobs": [],
            }],
        }));
    } else {
        for (i, call) in calls.iter().enumerate() {
            let (call_id, name, arguments) = call_parts(call);
            let mut item = Map::new();
            item.insert("id".into(), json!(format!("fc_{response_id}_{i}")));
            item.insert("type".into(), json!("function_call"));
            item.insert("status".into(), json!("completed"));
            if call_id != "" {
                item.insert("call_id".into(), call_id);
            }
            if name != "" {
                item.insert("name".into(), name);
            }
            item.insert("arguments".into(), json!(arguments));
            output.push(Value::Object(item));
        }
    }
    let reasoning = if echo.effort.is_empty() && echo.summary.is_empty() {
        Value::Null
    } else {
        let mut r = Map::new();
        if !echo.effort.is_empty() {
            r.insert("effort".into(), json!(echo.effort));
        }
        if !echo.summary.is_empty() {
            r.insert("summary".into(), json!(echo.summary));
        }
        Value::Object(r)
    };
    let (input, out) = usage(native);
    let response = json!({
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "completed_at": completed_at,
        "status": "completed",
        "incomplete_details": null,
        "model": echo.model,
        "previous_response_id": null,
        "instructions": echo.instructions,
        "output": output,
        "error": null,
        "tools": echo.tools.iter().map(Echo::tool_struct).collect::<Vec<_>>(),
        "tool_choice": "auto",
        "truncation": echo.truncation,
        "parallel_tool_calls": true,
        "text": {"format": echo.format_struct()},
        "top_p": echo.top_p,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "top_logprobs": 0,
        "temperature": echo.temperature,
        "reasoning": reasoning,
        "usage": {
            "input_tokens": input,
            "output_tokens": out,
            "total_tokens": input + out,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
        "max_output_tokens": echo.max_output_tokens,
        "max_tool_calls": null,
        "store": false,
        "background": echo.background,
        "service_tier": "default",
        "metadata": {},
        "safety_identifier": null,
        "prompt_cache_key": null,
    });
    go_numbers(response, &["schema"])
}

/// One streamed event: its name and its data (a Go map: keys sorted when framed).
pub type Event = (String, Value);

/// Ollama's `ResponsesStreamConverter`: native chunks in, Responses events out.
#[derive(Debug)]
pub struct ResponsesStream {
    response_id: String,
    item_id: String,
    echo: Echo,
    first_write: bool,
    output_index: u64,
    content_started: bool,
    tool_calls_sent: bool,
    text: String,
    sequence: u64,
    thinking: String,
    reasoning_id: Option<String>,
    completed: Vec<Value>,
}

impl ResponsesStream {
    pub fn new(
        response_id: impl Into<String>,
        item_id: impl Into<String>,
        request: &Value,
    ) -> ResponsesStream {
        ResponsesStream {
            response_id: response_id.into(),
            item_id: item_id.into(),
            echo: Echo::from_request(request),
            first_write: true,
            output_index: 0,
            content_started: false,
            tool_calls_sent: false,
            text: String::new(),
            sequence: 0,
            thinking: String::new(),
            reasoning_id: None,
            completed: Vec::new(),
        }
    }

    fn event(&mut self, kind: &str, mut data: Map<String, Value>) -> Event {
        data.insert("type".into(), json!(kind));
        data.insert("sequence_number".into(), json!(self.sequence));
        self.sequence += 1;
        (kind.to_owned(), Value::Object(data))
    }

    fn object(pairs: Value) -> Map<String, Value> {
        match pairs {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// The full response object of the lifecycle events (`buildResponseObject`).
    fn response_object(&self, status: &str, output: Vec<Value>, usage: Value, now: i64) -> Value {
        let echo = &self.echo;
        let tools: Vec<Value> = echo
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": str_field(t, "type"),
                    "name": str_field(t, "name"),
                    "description": t.get("description").cloned().unwrap_or(Value::Null),
                    "strict": t.get("strict").cloned().unwrap_or(Value::Null),
                    "parameters": t.get("parameters").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        let reasoning = if echo.effort.is_empty() && echo.summary.is_empty() {
            Value::Null
        } else {
            let or_null = |s: &str| {
                if s.is_empty() { Value::Null } else { json!(s) }
            };
            json!({"effort": or_null(&echo.effort), "summary": or_null(&echo.summary)})
        };
        json!({
            "id": self.response_id,
            "object": "response",
            "created_at": now,
            "completed_at": null,
            "status": status,
            "incomplete_details": null,
            "model": echo.model,
            "previous_response_id": null,
            "instructions": echo.instructions,
            "output": output,
            "error": null,
            "tools": tools,
            "tool_choice": "auto",
            "truncation": echo.truncation,
            "parallel_tool_calls": true,
            "text": {"format": echo.format_struct()},
            "top_p": echo.top_p,
            "presence_penalty": 0,
            "frequency_penalty": 0,
            "top_logprobs": 0,
            "temperature": echo.temperature,
            "reasoning": reasoning,
            "usage": usage,
            "max_output_tokens": echo.max_output_tokens,
            "max_tool_calls": null,
            "store": false,
            "background": echo.background,
            "service_tier": "default",
            "metadata": {},
            "safety_identifier": null,
            "prompt_cache_key": null,
        })
    }

    fn finish_reasoning(&mut self) -> Vec<Event> {
        let Some(item_id) = self.reasoning_id.take() else {
            return Vec::new();
        };
        let thinking = std::mem::take(&mut self.thinking);
        let index = self.output_index;
        let item = json!({
            "id": item_id,
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": thinking}],
            "encrypted_content": thinking,
        });
        self.completed.push(item.clone());
        self.output_index += 1;
        vec![
            self.event(
                "response.reasoning_summary_text.done",
                Self::object(json!({
                    "item_id": item_id, "output_index": index, "summary_index": 0, "text": thinking,
                })),
            ),
            self.event(
                "response.output_item.done",
                Self::object(json!({"output_index": index, "item": item})),
            ),
        ]
    }

    fn message_item(&self, status: &str) -> Value {
        json!({
            "id": self.item_id,
            "type": "message",
            "status": status,
            "role": "assistant",
            "content": [{"type": "output_text", "text": self.text, "annotations": [], "logprobs": []}],
        })
    }

    /// The events one native chunk becomes; `now` (unix seconds) stamps the response objects.
    pub fn push(&mut self, native: &Value, now: i64) -> Vec<Event> {
        let mut events = Vec::new();
        let message = native.get("message").cloned().unwrap_or(json!({}));
        let thinking = str_field(&message, "thinking");
        let content = str_field(&message, "content");
        let calls = message
            .get("tool_calls")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if self.first_write {
            self.first_write = false;
            for kind in ["response.created", "response.in_progress"] {
                let response = self.response_object("in_progress", Vec::new(), Value::Null, now);
                events.push(self.event(kind, Self::object(json!({"response": response}))));
            }
        }
        if !thinking.is_empty() {
            if self.reasoning_id.is_none() {
                let id = format!("rs_{}", fastrand::u32(0..999_999));
                self.reasoning_id = Some(id.clone());
                let index = self.output_index;
                events.push(self.event(
                    "response.output_item.added",
                    Self::object(json!({
                        "output_index": index,
                        "item": {"id": id, "type": "reasoning", "summary": []},
                    })),
                ));
            }
            self.thinking.push_str(&thinking);
            let (id, index) = (self.reasoning_id.clone(), self.output_index);
            events.push(self.event(
                "response.reasoning_summary_text.delta",
                Self::object(json!({
                    "item_id": id, "output_index": index, "summary_index": 0, "delta": thinking,
                })),
            ));
        }
        if !calls.is_empty() {
            events.extend(self.finish_reasoning());
            for (i, call) in calls.iter().enumerate() {
                let index = self.output_index + i as u64;
                let id = format!("fc_{}_{i}", fastrand::u32(0..999_999));
                let (call_id, name, arguments) = call_parts(call);
                let done_item = json!({
                    "id": id, "type": "function_call", "status": "completed",
                    "call_id": call_id, "name": name, "arguments": arguments,
                });
                self.completed.push(done_item.clone());
                let added = self.event(
                    "response.output_item.added",
                    Self::object(json!({
                        "output_index": index,
                        "item": {
                            "id": id, "type": "function_call", "status": "in_progress",
                            "call_id": call_id, "name": name, "arguments": "",
                        },
                    })),
                );
                let delta = self.event(
                    "response.function_call_arguments.delta",
                    Self::object(json!({"item_id": id, "output_index": index, "delta": arguments})),
                );
                let args_done = self.event(
                    "response.function_call_arguments.done",
                    Self::object(
                        json!({"item_id": id, "output_index": index, "arguments": arguments}),
                    ),
                );
                let item_done = self.event(
                    "response.output_item.done",
                    Self::object(json!({"output_index": index, "item": done_item})),
                );
                events.extend([added, delta, args_done, item_done]);
            }
            self.output_index += calls.len() as u64;
            self.tool_calls_sent = true;
        }
        // Text after a tool call is dropped, as in Ollama.
        if calls.is_empty() && !self.tool_calls_sent && !content.is_empty() {
            events.extend(self.finish_reasoning());
            let (id, index) = (self.item_id.clone(), self.output_index);
            if !self.content_started {
                self.content_started = true;
                events.push(self.event(
                    "response.output_item.added",
                    Self::object(json!({
                        "output_index": index,
                        "item": {"id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": []},
                    })),
                ));
                events.push(self.event(
                    "response.content_part.added",
                    Self::object(json!({
                        "item_id": id, "output_index": index, "content_index": 0,
                        "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []},
                    })),
                ));
            }
            self.text.push_str(&content);
            events.push(self.event(
                "response.output_text.delta",
                Self::object(json!({
                    "item_id": id, "output_index": index, "content_index": 0,
                    "delta": content, "logprobs": [],
                })),
            ));
        }
        if native.get("done").and_then(Value::as_bool) == Some(true) {
            events.extend(self.complete(native, now));
        }
        events
    }

    fn complete(&mut self, native: &Value, now: i64) -> Vec<Event> {
        let mut events = self.finish_reasoning();
        let (id, index, text) = (self.item_id.clone(), self.output_index, self.text.clone());
        if !self.tool_calls_sent && self.content_started {
            events.push(self.event(
                "response.output_text.done",
                Self::object(json!({
                    "item_id": id, "output_index": index, "content_index": 0,
                    "text": text, "logprobs": [],
                })),
            ));
            events.push(self.event(
                "response.content_part.done",
                Self::object(json!({
                    "item_id": id, "output_index": index, "content_index": 0,
                    "part": {"type": "output_text", "text": text, "annotations": [], "logprobs": []},
                })),
            ));
            let item = self.message_item("completed");
            events.push(self.event(
                "response.output_item.done",
                Self::object(json!({"output_index": index, "item": item})),
            ));
        }
        let mut output = self.completed.clone();
        if self.content_started {
            output.push(self.message_item("completed"));
        }
        let (input, out) = usage(native);
        let usage = json!({
            "input_tokens": input,
            "output_tokens": out,
            "total_tokens": input + out,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        });
        let mut response = self.response_object("completed", output, usage, now);
        response["completed_at"] = json!(now);
        events.push(self.event(
            "response.completed",
            Self::object(json!({"response": response})),
        ));
        events
    }
}

/// The SSE bytes of events, each data object marshalled as Go marshals its `map[string]any`
/// (keys sorted; a JSON schema keeps the client's order).
pub fn frames(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .flat_map(|(name, data)| event_frame(name, &go_map(data.clone(), &["schema"])))
        .collect()
}

/// `POST /v1/responses`.
pub(super) async fn responses(State(sim): State<Sim>, body: Bytes) -> Response {
    let request = match decode_body(&body) {
        Ok(v) => v,
        Err(message) => return openai_error(StatusCode::BAD_REQUEST, &message),
    };
    let native = match responses_request_to_native(&request) {
        Ok(n) => n,
        Err(message) => return openai_error(StatusCode::BAD_REQUEST, &message),
    };
    let stream = native["stream"] == true;
    let response_id = format!("resp_{}", fastrand::u32(0..999_999));
    let item_id = format!("msg_{}", fastrand::u32(0..999_999));
    let response = super::inference::chat(State(sim), Bytes::from(native.to_string())).await;
    if response.status() != StatusCode::OK {
        return wrap_error(response).await;
    }
    if !stream {
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        return match serde_json::from_slice::<Value>(&body) {
            Ok(v) => {
                let now = unix_now();
                encoder_response(
                    StatusCode::OK,
                    &to_response(&response_id, &item_id, &v, &request, now, now),
                )
            }
            Err(e) => openai_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
    }
    let mut converter = ResponsesStream::new(response_id, item_id, &request);
    transcode(response, move |chunk| {
        frames(&converter.push(chunk, unix_now()))
    })
}

/// A native error re-shaped by the writer's `writeError`: OpenAI's error body, status kept,
/// written by the encoder under a bare `application/json`.
async fn wrap_error(response: Response) -> Response {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    let kind = match status.as_u16() {
        400 => "invalid_request_error",
        404 => "not_found_error",
        _ => "api_error",
    };
    encoder_response(
        status,
        &json!({"error": {"message": message, "type": kind, "param": null, "code": null}}),
    )
}

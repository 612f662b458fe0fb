//! OpenAI Responses API (`POST /v1/responses`, what Codex speaks) ⇄ Ollama's native `/api/chat`.
//!
//! Why translate: Ollama's own Responses layer has no way to carry `num_ctx`, so Codex's first
//! prompt (~10K tokens of instructions, tool schemas and environment) ran at Ollama's 4096-token
//! default and was cut. As native chat it is classified, routed and sized like any other request.
//!
//! The mapping follows Ollama's layer (`openai/responses.go`, `middleware/openai.go`) and the
//! request shapes Codex 0.171 sends (`tests/fixtures/codex-responses.json`), with these deliberate
//! differences:
//! - Consecutive `system`/`developer` messages become one system message: Codex sends its
//!   instructions as several developer messages, and many chat templates render only one.
//! - The text parts of a message are joined with `\n` (as the chat translator does).
//! - `temperature` / `top_p` are only sent when the client sets them (Ollama's layer forces 1.0,
//!   which overrides the model's own defaults).
//! - Earlier reasoning comes back as thinking from its `summary` text, never from
//!   `encrypted_content` (opaque by contract; another server's blob would reach the model as text).
//! - An answer with both text and tool calls keeps both (Ollama's layer drops the text).
//! - Hosted tools (`web_search`, `file_search`, ...) are dropped: a local model cannot run them
//!   and the router runs no searches. `namespace` tools expand to `namespace.member` functions, as
//!   in Ollama; `custom` (free-form) tools become functions with one string argument `input`, and
//!   calls to them come back as `custom_tool_call` items.
//! - `previous_response_id`, `conversation` and `background: true` are a 400: nothing is stored
//!   here, so a client relying on them would silently lose its history.
//! - `done_reason: "length"` ends with `response.incomplete` (`max_output_tokens`), not
//!   `response.completed`; a mid-stream failure or a stream cut short ends with `response.failed`.
//!
//! Invariant: nothing here does I/O, reads a clock or draws random numbers; the handler passes
//! the response id and `created_at` in, and every other id is derived from them.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::native;
use super::openai::{self, OpenAiError};

// ---------------------------------------------------------------------------------------------
// Request
// ---------------------------------------------------------------------------------------------

/// `POST /v1/responses` body. Unknown fields are ignored (Codex sends `store`, `include`,
/// `client_metadata`, ...); every field has a default so a wrong-typed one can be named.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResponsesRequest {
    pub model: Option<String>,
    /// A string (one user message) or an array of input items.
    pub input: Option<Value>,
    pub instructions: Option<String>,
    pub tools: Option<Vec<Value>>,
    pub tool_choice: Option<Value>,
    pub reasoning: Option<ReasoningConfig>,
    pub max_output_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub text: Option<TextConfig>,
    pub stream: Option<bool>,
    /// Codex sets it to its session id: the router's session key.
    pub prompt_cache_key: Option<String>,
    pub previous_response_id: Option<String>,
    pub conversation: Option<Value>,
    pub background: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReasoningConfig {
    pub effort: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TextConfig {
    pub format: Option<TextFormat>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TextFormat {
    #[serde(rename = "type")]
    pub format_type: Option<String>,
    pub schema: Option<Value>,
}

impl ResponsesRequest {
    pub fn is_stream(&self) -> bool {
        self.stream.unwrap_or(false)
    }
}

/// Parses a `/v1/responses` body; malformed JSON or a known field of the wrong type is a 400
/// naming the field.
pub fn parse_responses_request(body: &[u8]) -> Result<ResponsesRequest, OpenAiError> {
    openai::parse_json(body, &[])
}

/// The native request plus what the answer's translation needs to know about the tools.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeResponsesRequest {
    pub chat: native::ChatRequest,
    /// Names of `custom` tools: calls to them are reported as `custom_tool_call` items.
    pub custom_tools: Vec<String>,
}

/// Translates a Responses request into a native `/api/chat` body. The native request always
/// streams; the handler aggregates for non-stream clients.
pub fn responses_request_to_native(
    request: &ResponsesRequest,
) -> Result<NativeResponsesRequest, OpenAiError> {
    let model = openai::required_model(request.model.as_deref())?;
    reject_stateful_options(request)?;

    let mut messages = Vec::new();
    if let Some(instructions) = request.instructions.as_deref().filter(|s| !s.is_empty()) {
        messages.push(text_message("system", instructions.to_owned()));
    }
    match &request.input {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => messages.push(text_message("user", text.clone())),
        Some(Value::Array(items)) => input_items_to_native(items, &mut messages)?,
        Some(_) => {
            return Err(OpenAiError::invalid_request(
                "Invalid type for 'input': expected a string or an array of input items",
                Some("input"),
            ));
        }
    }
    if messages.iter().all(|m| m.role == "system") {
        return Err(OpenAiError::invalid_request(
            "Missing required parameter: 'input'.",
            Some("input"),
        ));
    }
    merge_system_runs(&mut messages);

    let mut options = Map::new();
    if let Some(max) = request.max_output_tokens {
        options.insert("num_predict".to_owned(), Value::from(max));
    }
    for (key, value) in [
        ("temperature", request.temperature),
        ("top_p", request.top_p),
    ] {
        if let Some(number) = value.and_then(serde_json::Number::from_f64) {
            options.insert(key.to_owned(), Value::Number(number));
        }
    }
    let think = match request.reasoning.as_ref().and_then(|r| r.effort.as_deref()) {
        Some(effort) => Some(openai::think_for_effort(effort, "reasoning.effort")?),
        None => None,
    };
    let (tools, custom_tools) =
        tools_to_native(request.tools.as_deref(), request.tool_choice.as_ref())?;

    Ok(NativeResponsesRequest {
        chat: native::ChatRequest {
            model: model.to_owned(),
            messages,
            tools,
            format: text_format_to_native(request.text.as_ref())?,
            options,
            stream: true,
            think,
            keep_alive: None,
        },
        custom_tools,
    })
}

fn reject_stateful_options(request: &ResponsesRequest) -> Result<(), OpenAiError> {
    let stored = |param: &str| {
        OpenAiError::invalid_request(
            format!(
                "'{param}' is not supported: ollama-router stores no responses or \
                 conversations; send the whole conversation in 'input' (and 'store': false)"
            ),
            Some(param),
        )
    };
    if request
        .previous_response_id
        .as_deref()
        .is_some_and(|id| !id.is_empty())
    {
        return Err(stored("previous_response_id"));
    }
    if request.conversation.as_ref().is_some_and(|c| !c.is_null()) {
        return Err(stored("conversation"));
    }
    if request.background == Some(true) {
        return Err(stored("background"));
    }
    Ok(())
}

fn text_message(role: &str, content: String) -> native::Message {
    native::Message {
        role: role.to_owned(),
        content,
        ..native::Message::default()
    }
}

/// Joins each run of consecutive system messages into one (see the module doc).
fn merge_system_runs(messages: &mut Vec<native::Message>) {
    let mut merged: Vec<native::Message> = Vec::with_capacity(messages.len());
    for message in messages.drain(..) {
        match merged.last_mut() {
            Some(last) if last.role == "system" && message.role == "system" => {
                if !last.content.is_empty() && !message.content.is_empty() {
                    last.content.push_str("\n\n");
                }
                last.content.push_str(&message.content);
            }
            _ => merged.push(message),
        }
    }
    *messages = merged;
}

/// Input items → native messages: function calls join the assistant message before them, their
/// outputs become `tool` messages naming the tool, reasoning becomes the next assistant turn's
/// thinking.
fn input_items_to_native(
    items: &[Value],
    messages: &mut Vec<native::Message>,
) -> Result<(), OpenAiError> {
    let mut pending_thinking: Option<String> = None;
    let mut tool_names: HashMap<String, String> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("input[{index}]");
        let Value::Object(fields) = item else {
            return Err(OpenAiError::invalid_request(
                format!("Invalid type for '{path}': expected an input item object"),
                Some(&path),
            ));
        };
        let role = fields.get("role").and_then(Value::as_str);
        let item_type = match (fields.get("type").and_then(Value::as_str), role) {
            (Some(item_type), _) => item_type,
            // The shorthand `{"role": ..., "content": ...}` is a message.
            (None, Some(_)) => "message",
            (None, None) => {
                return Err(OpenAiError::invalid_request(
                    format!("Missing required parameter: '{path}.type'."),
                    Some(&format!("{path}.type")),
                ));
            }
        };
        match item_type {
            "message" => {
                let role = match role {
                    Some("user") => "user",
                    Some("assistant") => "assistant",
                    Some("system" | "developer") => "system",
                    Some(other) => {
                        return Err(OpenAiError::invalid_request(
                            format!(
                                "Invalid value for '{path}.role': '{other}' (expected user, \
                                 assistant, system or developer)"
                            ),
                            Some(&format!("{path}.role")),
                        ));
                    }
                    None => {
                        return Err(OpenAiError::invalid_request(
                            format!("Missing required parameter: '{path}.role'."),
                            Some(&format!("{path}.role")),
                        ));
                    }
                };
                let (content, images) = content_to_native(fields.get("content"), &path)?;
                let thinking = if role == "assistant" {
                    pending_thinking.take()
                } else {
                    None
                };
                if role == "assistant" && answers_open_call(items, index, messages) {
                    // Replayed between a call and its output: keep it in the call's message so
                    // the tool result directly follows the call (as Ollama's layer does).
                    if let Some(last) = messages.last_mut() {
                        if !last.content.is_empty() && !content.is_empty() {
                            last.content.push('\n');
                        }
                        last.content.push_str(&content);
                        last.images.extend(images);
                        if thinking.is_some() {
                            last.thinking = thinking;
                        }
                    }
                    continue;
                }
                messages.push(native::Message {
                    role: role.to_owned(),
                    content,
                    images,
                    thinking,
                    ..native::Message::default()
                });
            }
            "function_call" | "custom_tool_call" => {
                let name = required_str(fields, "name", &path)?.to_owned();
                let call_id = fields
                    .get("call_id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned);
                let arguments = if item_type == "custom_tool_call" {
                    let input = fields.get("input").and_then(Value::as_str).unwrap_or("");
                    json!({ "input": input })
                } else {
                    call_arguments(fields.get("arguments"), &path)?
                };
                if let Some(id) = &call_id {
                    tool_names.insert(id.clone(), name.clone());
                }
                let mut call = native::ToolCall {
                    id: call_id,
                    function: native::ToolCallFunction {
                        index: 0,
                        name,
                        arguments,
                    },
                };
                match messages.last_mut() {
                    Some(last) if last.role == "assistant" => {
                        call.function.index = u32::try_from(last.tool_calls.len()).unwrap_or(0);
                        last.tool_calls.push(call);
                        if let Some(thinking) = pending_thinking.take() {
                            last.thinking = Some(thinking);
                        }
                    }
                    _ => messages.push(native::Message {
                        role: "assistant".to_owned(),
                        tool_calls: vec![call],
                        thinking: pending_thinking.take(),
                        ..native::Message::default()
                    }),
                }
            }
            "function_call_output" | "custom_tool_call_output" => {
                let call_id = fields
                    .get("call_id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty());
                let (content, images) = match fields.get("output") {
                    Some(Value::String(text)) => (text.clone(), Vec::new()),
                    other => content_to_native(other, &format!("{path}.output"))?,
                };
                messages.push(native::Message {
                    role: "tool".to_owned(),
                    content,
                    images,
                    tool_name: call_id.and_then(|id| tool_names.get(id).cloned()),
                    tool_call_id: call_id.map(str::to_owned),
                    ..native::Message::default()
                });
            }
            "reasoning" => {
                let text = reasoning_text(fields);
                pending_thinking = (!text.is_empty()).then_some(text);
            }
            // A hosted search this server never ran: history metadata with nothing to render.
            "web_search_call" => {}
            other => {
                return Err(OpenAiError::invalid_request(
                    format!(
                        "Invalid value for '{path}.type': '{other}' (supported: message, \
                         function_call, function_call_output, custom_tool_call, \
                         custom_tool_call_output, reasoning)"
                    ),
                    Some(&format!("{path}.type")),
                ));
            }
        }
    }
    Ok(())
}

/// Whether the item after `index` is the output of a call made by the last message.
fn answers_open_call(items: &[Value], index: usize, messages: &[native::Message]) -> bool {
    let Some(next) = items.get(index + 1) else {
        return false;
    };
    if !matches!(
        next.get("type").and_then(Value::as_str),
        Some("function_call_output" | "custom_tool_call_output")
    ) {
        return false;
    }
    let Some(call_id) = next.get("call_id").and_then(Value::as_str) else {
        return false;
    };
    messages.last().is_some_and(|last| {
        last.role == "assistant"
            && last
                .tool_calls
                .iter()
                .any(|call| call.id.as_deref() == Some(call_id))
    })
}

fn required_str<'a>(
    fields: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a str, OpenAiError> {
    match fields.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        _ => Err(OpenAiError::invalid_request(
            format!("Missing required parameter: '{path}.{key}'."),
            Some(&format!("{path}.{key}")),
        )),
    }
}

/// A function call's `arguments`: a JSON object string (the object itself is accepted too).
fn call_arguments(arguments: Option<&Value>, path: &str) -> Result<Value, OpenAiError> {
    let param = format!("{path}.arguments");
    let invalid = || {
        OpenAiError::invalid_request(
            format!("Invalid value for '{param}': expected a JSON object string"),
            Some(&param),
        )
    };
    match arguments {
        None | Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Value::Object(Map::new())),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(object @ Value::Object(_)) => Ok(object),
            _ => Err(invalid()),
        },
        Some(object @ Value::Object(_)) => Ok(object.clone()),
        Some(_) => Err(invalid()),
    }
}

/// The readable text of a reasoning item: its summaries, else its `content` (reasoning text).
fn reasoning_text(fields: &Map<String, Value>) -> String {
    let texts = |key: &str| -> Vec<&str> {
        fields
            .get(key)
            .and_then(Value::as_array)
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|part| part.get("text").and_then(Value::as_str))
                    .filter(|text| !text.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let summary = texts("summary");
    if summary.is_empty() {
        texts("content").join("\n")
    } else {
        summary.join("\n")
    }
}

/// Message content (a string or an array of parts) → text and base64 images.
fn content_to_native(
    content: Option<&Value>,
    path: &str,
) -> Result<(String, Vec<String>), OpenAiError> {
    let parts = match content {
        None | Some(Value::Null) => return Ok((String::new(), Vec::new())),
        Some(Value::String(text)) => return Ok((text.clone(), Vec::new())),
        Some(Value::Array(parts)) => parts,
        Some(_) => {
            let param = format!("{path}.content");
            return Err(OpenAiError::invalid_request(
                format!("Invalid type for '{param}': expected a string or an array of parts"),
                Some(&param),
            ));
        }
    };
    let mut texts: Vec<&str> = Vec::new();
    let mut images = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let part_path = format!("{path}.content[{index}]");
        let text = |key: &str| part.get(key).and_then(Value::as_str).unwrap_or("");
        match part.get("type").and_then(Value::as_str) {
            Some("input_text" | "output_text" | "text" | "summary_text" | "reasoning_text") => {
                texts.push(text("text"));
            }
            Some("refusal") => texts.push(text("refusal")),
            Some("input_image") => match part.get("image_url").and_then(Value::as_str) {
                Some(url) => images.push(openai::image_data_from_url(url, &part_path)?),
                None => {
                    return Err(OpenAiError::invalid_request(
                        format!(
                            "'{part_path}': only inline images (image_url with a base64 data \
                             URL) are supported, not file ids"
                        ),
                        Some(&format!("{part_path}.image_url")),
                    ));
                }
            },
            Some("input_file") => {
                return Err(OpenAiError::invalid_request(
                    format!("'{part_path}': file inputs are not supported; send the text instead"),
                    Some(&part_path),
                ));
            }
            other => {
                let param = format!("{part_path}.type");
                return Err(OpenAiError::invalid_request(
                    format!(
                        "Invalid value for '{param}': {} (expected input_text, output_text or \
                         input_image)",
                        other.map_or_else(|| "missing".to_owned(), |t| format!("'{t}'"))
                    ),
                    Some(&param),
                ));
            }
        }
    }
    Ok((texts.join("\n"), images))
}

/// Responses tools (flat: `{"type": "function", "name", "parameters"}`) → native ones (nested
/// under `function`), with `tool_choice` applied as the chat translator does.
fn tools_to_native(
    tools: Option<&[Value]>,
    choice: Option<&Value>,
) -> Result<(Vec<Value>, Vec<String>), OpenAiError> {
    let mut native_tools = Vec::new();
    let mut custom = Vec::new();
    for (index, tool) in tools.unwrap_or_default().iter().enumerate() {
        expand_tool(
            tool,
            "",
            &format!("tools[{index}]"),
            &mut native_tools,
            &mut custom,
        )?;
    }
    let name_of = |tool: &Value| {
        tool.get("function")
            .and_then(|f| f.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match choice {
        None | Some(Value::Null) => {}
        Some(Value::String(mode)) => match mode.as_str() {
            "auto" | "required" => {}
            "none" => native_tools.clear(),
            other => {
                return Err(OpenAiError::invalid_request(
                    format!(
                        "Invalid value for 'tool_choice': '{other}' (expected none, auto or \
                         required)"
                    ),
                    Some("tool_choice"),
                ));
            }
        },
        Some(Value::Object(fields)) => {
            let wanted = fields.get("name").and_then(Value::as_str);
            if let Some(wanted) = wanted {
                native_tools.retain(|tool| name_of(tool).as_deref() == Some(wanted));
                if native_tools.is_empty() {
                    return Err(OpenAiError::invalid_request(
                        format!("'tool_choice' names '{wanted}', which is not in 'tools'"),
                        Some("tool_choice"),
                    ));
                }
            }
        }
        Some(_) => {
            return Err(OpenAiError::invalid_request(
                "Invalid type for 'tool_choice': expected a string or an object",
                Some("tool_choice"),
            ));
        }
    }
    custom.retain(|name| {
        native_tools
            .iter()
            .any(|t| name_of(t).as_deref() == Some(name))
    });
    Ok((native_tools, custom))
}

fn expand_tool(
    tool: &Value,
    prefix: &str,
    path: &str,
    out: &mut Vec<Value>,
    custom: &mut Vec<String>,
) -> Result<(), OpenAiError> {
    let Value::Object(fields) = tool else {
        return Err(OpenAiError::invalid_request(
            format!("Invalid type for '{path}': expected a tool object"),
            Some(path),
        ));
    };
    let qualified = |name: &str| {
        if prefix.is_empty() || name.starts_with(prefix) {
            name.to_owned()
        } else {
            format!("{prefix}{name}")
        }
    };
    match fields.get("type").and_then(Value::as_str) {
        Some("function") => {
            let name = qualified(required_str(fields, "name", path)?);
            let mut function = Map::new();
            function.insert("name".to_owned(), Value::String(name));
            if let Some(description) = fields.get("description").filter(|d| d.is_string()) {
                function.insert("description".to_owned(), description.clone());
            }
            let parameters = match fields.get("parameters") {
                Some(parameters @ Value::Object(_)) => parameters.clone(),
                _ => json!({"type": "object", "properties": {}}),
            };
            function.insert("parameters".to_owned(), parameters);
            out.push(json!({"type": "function", "function": function}));
        }
        Some("custom") => {
            let name = qualified(required_str(fields, "name", path)?);
            let description = fields
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push(json!({"type": "function", "function": {
                "name": name,
                "description": description,
                "parameters": {
                    "type": "object",
                    "properties": {"input": {"type": "string", "description": "The tool's free-form input."}},
                    "required": ["input"],
                },
            }}));
            custom.push(name);
        }
        Some("namespace") => {
            let namespace = fields.get("name").and_then(Value::as_str).unwrap_or("");
            let inner_prefix = if namespace.is_empty() {
                prefix.to_owned()
            } else {
                format!("{}{namespace}.", qualified(""))
            };
            let members = fields.get("tools").and_then(Value::as_array);
            for (index, member) in members.into_iter().flatten().enumerate() {
                expand_tool(
                    member,
                    &inner_prefix,
                    &format!("{path}.tools[{index}]"),
                    out,
                    custom,
                )?;
            }
        }
        // Hosted tools (web_search, file_search, code_interpreter, ...): see the module doc.
        Some(_) => {}
        None => {
            return Err(OpenAiError::invalid_request(
                format!("Missing required parameter: '{path}.type'."),
                Some(&format!("{path}.type")),
            ));
        }
    }
    Ok(())
}

/// `text.format` → native `format`: a JSON schema, `"json"`, or nothing for plain text.
fn text_format_to_native(text: Option<&TextConfig>) -> Result<Option<Value>, OpenAiError> {
    let Some(format) = text.and_then(|t| t.format.as_ref()) else {
        return Ok(None);
    };
    match format.format_type.as_deref() {
        None | Some("text") => Ok(None),
        Some("json_object") => Ok(Some(Value::String("json".to_owned()))),
        Some("json_schema") => format.schema.clone().map(Some).ok_or_else(|| {
            OpenAiError::invalid_request(
                "Missing required parameter: 'text.format.schema'.",
                Some("text.format.schema"),
            )
        }),
        Some(other) => Err(OpenAiError::invalid_request(
            format!(
                "Invalid value for 'text.format.type': '{other}' (expected text, json_object or \
                 json_schema)"
            ),
            Some("text.format.type"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Answer
// ---------------------------------------------------------------------------------------------

/// An output item being streamed.
#[derive(Debug, Clone)]
struct OpenItem {
    id: String,
    index: usize,
    text: String,
}

/// Native `/api/chat` chunks → Responses stream events (`event: <type>` + `data: <json>`), and
/// the final response object for non-stream clients (see [`ResponsesStream::final_response`]).
///
/// Feed every native chunk to [`ResponsesStream::push`]; each call returns the SSE text to send
/// (possibly empty). After the final chunk, an error line, [`ResponsesStream::fail`] or
/// [`ResponsesStream::end_of_upstream`] the stream is finished and further input yields nothing.
#[derive(Debug, Clone)]
pub struct ResponsesStream {
    id: String,
    created_at: u64,
    custom_tools: Vec<String>,
    model: String,
    sequence: u64,
    started: bool,
    finished: bool,
    /// Completed output items, in output order.
    output: Vec<Value>,
    reasoning: Option<OpenItem>,
    message: Option<OpenItem>,
    calls: u32,
    /// The terminal response object, once finished.
    terminal: Option<Value>,
    failure: Option<OpenAiError>,
}

impl ResponsesStream {
    /// `id` is the response id (`resp_…`); `model` the name to report until Ollama names the
    /// model that ran.
    pub fn new(
        id: String,
        created_at: u64,
        model: String,
        custom_tools: Vec<String>,
    ) -> ResponsesStream {
        ResponsesStream {
            id,
            created_at,
            custom_tools,
            model,
            sequence: 0,
            started: false,
            finished: false,
            output: Vec::new(),
            reasoning: None,
            message: None,
            calls: 0,
            terminal: None,
            failure: None,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn push(&mut self, chunk: &native::ChatChunk) -> String {
        let mut out = String::new();
        if self.finished {
            return out;
        }
        if let Some(message) = &chunk.error {
            return self.fail(&OpenAiError::with_status(500, message.clone()));
        }
        if !chunk.model.is_empty() && chunk.model != self.model {
            self.model.clone_from(&chunk.model);
        }
        self.start(&mut out);
        if let Some(message) = &chunk.message {
            if let Some(thinking) = message.thinking.as_deref().filter(|t| !t.is_empty()) {
                // Thinking after text (rare) starts a new reasoning item after that message.
                self.close_message(&mut out);
                self.thinking_delta(&mut out, thinking);
            }
            if !message.content.is_empty() {
                self.close_reasoning(&mut out);
                self.text_delta(&mut out, &message.content);
            }
            if !message.tool_calls.is_empty() {
                self.close_reasoning(&mut out);
                self.close_message(&mut out);
                for call in &message.tool_calls {
                    self.tool_call(&mut out, call);
                }
            }
        }
        if chunk.done {
            self.close_reasoning(&mut out);
            self.close_message(&mut out);
            let incomplete = chunk.done_reason.as_deref() == Some("length");
            let (event, status) = if incomplete {
                ("response.incomplete", "incomplete")
            } else {
                ("response.completed", "completed")
            };
            let mut response = self.response_object(status);
            response["usage"] = usage(&chunk.metrics);
            if incomplete {
                response["incomplete_details"] = json!({"reason": "max_output_tokens"});
            }
            self.event(&mut out, event, json!({ "response": response.clone() }));
            self.terminal = Some(response);
            self.finished = true;
        }
        out
    }

    /// Ends the stream with `response.failed` (transport failure, unreadable upstream line).
    pub fn fail(&mut self, error: &OpenAiError) -> String {
        let mut out = String::new();
        if std::mem::replace(&mut self.finished, true) {
            return out;
        }
        self.start(&mut out);
        let mut response = self.response_object("failed");
        response["error"] = json!({"code": "server_error", "message": error.message});
        self.event(&mut out, "response.failed", json!({ "response": response }));
        self.failure = Some(error.clone());
        out
    }

    /// The upstream body ended; without a final chunk that is a failure, not a completion.
    pub fn end_of_upstream(&mut self) -> String {
        self.fail(&OpenAiError::with_status(
            502,
            "upstream closed the stream before the answer was complete",
        ))
    }

    /// The whole response for a non-stream client, or the error that ended it.
    pub fn final_response(&self) -> Result<Value, OpenAiError> {
        if let Some(error) = &self.failure {
            return Err(error.clone());
        }
        self.terminal
            .clone()
            .ok_or_else(|| OpenAiError::with_status(502, "the answer ended before it was complete"))
    }

    fn start(&mut self, out: &mut String) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        let response = self.response_object("in_progress");
        self.event(
            out,
            "response.created",
            json!({ "response": response.clone() }),
        );
        self.event(out, "response.in_progress", json!({ "response": response }));
    }

    fn item_id(&self, prefix: &str) -> String {
        let suffix = self.id.strip_prefix("resp_").unwrap_or(&self.id);
        format!("{prefix}_{suffix}_{}", self.output.len())
    }

    fn next_index(&self) -> usize {
        self.output.len()
    }

    fn thinking_delta(&mut self, out: &mut String, thinking: &str) {
        if self.reasoning.is_none() {
            let item = OpenItem {
                id: self.item_id("rs"),
                index: self.next_index(),
                text: String::new(),
            };
            self.event(
                out,
                "response.output_item.added",
                json!({"output_index": item.index,
                       "item": {"id": item.id, "type": "reasoning", "summary": []}}),
            );
            self.event(
                out,
                "response.reasoning_summary_part.added",
                json!({"item_id": item.id, "output_index": item.index, "summary_index": 0,
                       "part": {"type": "summary_text", "text": ""}}),
            );
            self.reasoning = Some(item);
        }
        let Some(item) = self.reasoning.as_mut() else {
            return;
        };
        item.text.push_str(thinking);
        let data = json!({"item_id": item.id, "output_index": item.index, "summary_index": 0,
                          "delta": thinking});
        self.event(out, "response.reasoning_summary_text.delta", data);
    }

    fn close_reasoning(&mut self, out: &mut String) {
        let Some(item) = self.reasoning.take() else {
            return;
        };
        let part = json!({"type": "summary_text", "text": item.text});
        self.event(
            out,
            "response.reasoning_summary_text.done",
            json!({"item_id": item.id, "output_index": item.index, "summary_index": 0,
                   "text": item.text}),
        );
        self.event(
            out,
            "response.reasoning_summary_part.done",
            json!({"item_id": item.id, "output_index": item.index, "summary_index": 0,
                   "part": part}),
        );
        // The thinking travels back as `summary` (what this translator reads on the next turn);
        // `encrypted_content` carries it too because Codex asks for it and Ollama sends it so.
        let done = json!({"id": item.id, "type": "reasoning", "summary": [part],
                          "encrypted_content": item.text});
        self.event(
            out,
            "response.output_item.done",
            json!({"output_index": item.index, "item": done.clone()}),
        );
        self.output.push(done);
    }

    fn text_delta(&mut self, out: &mut String, text: &str) {
        if self.message.is_none() {
            let item = OpenItem {
                id: self.item_id("msg"),
                index: self.next_index(),
                text: String::new(),
            };
            self.event(
                out,
                "response.output_item.added",
                json!({"output_index": item.index,
                       "item": {"id": item.id, "type": "message", "status": "in_progress",
                                "role": "assistant", "content": []}}),
            );
            self.event(
                out,
                "response.content_part.added",
                json!({"item_id": item.id, "output_index": item.index, "content_index": 0,
                       "part": {"type": "output_text", "text": "", "annotations": [],
                                "logprobs": []}}),
            );
            self.message = Some(item);
        }
        let Some(item) = self.message.as_mut() else {
            return;
        };
        item.text.push_str(text);
        let data = json!({"item_id": item.id, "output_index": item.index, "content_index": 0,
                          "delta": text, "logprobs": []});
        self.event(out, "response.output_text.delta", data);
    }

    fn close_message(&mut self, out: &mut String) {
        let Some(item) = self.message.take() else {
            return;
        };
        let part = json!({"type": "output_text", "text": item.text, "annotations": [],
                          "logprobs": []});
        self.event(
            out,
            "response.output_text.done",
            json!({"item_id": item.id, "output_index": item.index, "content_index": 0,
                   "text": item.text, "logprobs": []}),
        );
        self.event(
            out,
            "response.content_part.done",
            json!({"item_id": item.id, "output_index": item.index, "content_index": 0,
                   "part": part.clone()}),
        );
        let done = json!({"id": item.id, "type": "message", "status": "completed",
                          "role": "assistant", "content": [part]});
        self.event(
            out,
            "response.output_item.done",
            json!({"output_index": item.index, "item": done.clone()}),
        );
        self.output.push(done);
    }

    fn tool_call(&mut self, out: &mut String, call: &native::ToolCall) {
        let index = self.next_index();
        let call_id = match &call.id {
            Some(id) if !id.is_empty() => id.clone(),
            _ => {
                let suffix = self.id.strip_prefix("resp_").unwrap_or(&self.id);
                format!("call_{suffix}_{}", self.calls)
            }
        };
        self.calls += 1;
        let name = call.function.name.as_str();
        let done = if self.custom_tools.iter().any(|custom| custom == name) {
            let input = match call.function.arguments.get("input") {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let item = json!({"id": self.item_id("ctc"), "type": "custom_tool_call",
                              "status": "completed", "call_id": call_id, "name": name,
                              "input": input});
            self.event(
                out,
                "response.output_item.added",
                json!({"output_index": index, "item": item.clone()}),
            );
            item
        } else {
            let arguments = match &call.function.arguments {
                Value::Null => "{}".to_owned(),
                other => other.to_string(),
            };
            let id = self.item_id("fc");
            self.event(
                out,
                "response.output_item.added",
                json!({"output_index": index,
                       "item": {"id": id, "type": "function_call", "status": "in_progress",
                                "call_id": call_id, "name": name, "arguments": ""}}),
            );
            self.event(
                out,
                "response.function_call_arguments.delta",
                json!({"item_id": id, "output_index": index, "delta": arguments}),
            );
            self.event(
                out,
                "response.function_call_arguments.done",
                json!({"item_id": id, "output_index": index, "arguments": arguments}),
            );
            json!({"id": id, "type": "function_call", "status": "completed",
                   "call_id": call_id, "name": name, "arguments": arguments})
        };
        self.event(
            out,
            "response.output_item.done",
            json!({"output_index": index, "item": done.clone()}),
        );
        self.output.push(done);
    }

    /// The response object events carry; `usage` and details are filled in at the end.
    fn response_object(&self, status: &str) -> Value {
        json!({
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "model": self.model,
            "output": self.output,
            "error": null,
            "incomplete_details": null,
            "usage": null,
            "parallel_tool_calls": true,
            "store": false,
        })
    }

    fn event(&mut self, out: &mut String, event_type: &str, mut data: Value) {
        if let Value::Object(fields) = &mut data {
            fields.insert("type".to_owned(), Value::from(event_type));
            fields.insert("sequence_number".to_owned(), Value::from(self.sequence));
        }
        self.sequence += 1;
        out.push_str("event: ");
        out.push_str(event_type);
        out.push_str("\ndata: ");
        out.push_str(&data.to_string());
        out.push_str("\n\n");
    }
}

fn usage(metrics: &native::Metrics) -> Value {
    let input = metrics.prompt_eval_count.unwrap_or(0);
    let output = metrics.eval_count.unwrap_or(0);
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + output,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn translate(body: Value) -> Result<NativeResponsesRequest, OpenAiError> {
        let bytes = serde_json::to_vec(&body).unwrap();
        responses_request_to_native(&parse_responses_request(&bytes)?)
    }

    fn ok(body: Value) -> NativeResponsesRequest {
        translate(body).unwrap()
    }

    fn err(body: Value) -> OpenAiError {
        translate(body).unwrap_err()
    }

    fn chunk(line: Value) -> native::ChatChunk {
        serde_json::from_value(line).unwrap()
    }

    fn text(t: &str) -> native::ChatChunk {
        chunk(
            json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": t}, "done": false}),
        )
    }

    fn thinking(t: &str) -> native::ChatChunk {
        chunk(
            json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": "", "thinking": t}, "done": false}),
        )
    }

    fn done(reason: &str) -> native::ChatChunk {
        chunk(
            json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": ""},
                     "done": true, "done_reason": reason, "prompt_eval_count": 9000, "eval_count": 12}),
        )
    }

    /// `(event type, data)` of every SSE frame, checking the framing and sequence numbers.
    fn events(sse: &str) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for frame in sse.split("\n\n").filter(|f| !f.is_empty()) {
            let (event, data) = frame
                .strip_prefix("event: ")
                .and_then(|rest| rest.split_once("\ndata: "))
                .unwrap_or_else(|| panic!("bad frame {frame:?}"));
            let data: Value = serde_json::from_str(data).unwrap();
            assert_eq!(data["type"], event, "{data}");
            assert_eq!(data["sequence_number"], out.len(), "{data}");
            out.push((event.to_owned(), data));
        }
        out
    }

    fn types(events: &[(String, Value)]) -> Vec<&str> {
        events.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn codex_request_becomes_native_chat() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/codex-responses.json"
        ))
        .unwrap();
        let native = ok(fixture["body"].clone()).chat;
        assert_eq!(native.model, "auto");
        assert!(native.stream);
        // Two developer messages → one system message; then the environment and the prompt.
        let roles: Vec<&str> = native.messages.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["system", "user", "user", "assistant", "tool"]);
        assert!(
            native.messages[0]
                .content
                .starts_with("You are a coding agent")
        );
        assert!(native.messages[0].content.contains("<skills_instructions>"));
        // The call and its output are linked by id and by name.
        let call = &native.messages[3].tool_calls[0];
        assert_eq!(call.function.name, "exec_command");
        assert_eq!(
            call.function.arguments,
            json!({"cmd": "echo hello-from-tool"})
        );
        assert_eq!(native.messages[4].tool_call_id, call.id);
        assert_eq!(
            native.messages[4].tool_name.as_deref(),
            Some("exec_command")
        );
        assert!(native.messages[4].content.contains("hello-from-tool"));
        // Function tools and the namespace's members; the hosted web_search tool is dropped.
        let names: Vec<&str> = native
            .tools
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"exec_command"), "{names:?}");
        assert!(names.contains(&"multi_agent_v1.close_agent"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("web_search")), "{names:?}");
        assert!(native.tools.iter().all(|t| t["type"] == "function"));
        // `reasoning: {summary: auto}` alone asks for nothing: the model's default stands.
        assert_eq!(native.think, None);
        assert!(native.options.is_empty(), "{:?}", native.options);
    }

    #[test]
    fn string_input_instructions_and_options() {
        let native = ok(json!({"model": "auto", "instructions": "Be brief.", "input": "hi",
            "max_output_tokens": 64, "temperature": 0.2, "reasoning": {"effort": "high"},
            "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}}}}))
        .chat;
        assert_eq!(native.messages.len(), 2);
        assert_eq!(native.messages[0].role, "system");
        assert_eq!(native.messages[1].content, "hi");
        assert_eq!(native.options["num_predict"], 64);
        assert_eq!(native.options["temperature"], 0.2);
        assert!(!native.options.contains_key("top_p"));
        assert_eq!(native.think, Some(json!("high")));
        assert_eq!(native.format, Some(json!({"type": "object"})));
        assert_eq!(
            ok(json!({"model": "m", "input": "x", "reasoning": {"effort": "none"}}))
                .chat
                .think,
            Some(json!(false))
        );
    }

    #[test]
    fn history_items_map_like_ollama() {
        let native = ok(json!({"model": "m", "input": [
            {"role": "user", "content": "list files"},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "I should run ls."}],
             "encrypted_content": "opaque-blob"},
            {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{\"cmd\":\"ls\"}"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running ls."}]},
            {"type": "function_call_output", "call_id": "c1", "output": [{"type": "input_text", "text": "a.rs"}]},
            {"type": "custom_tool_call", "call_id": "c2", "name": "apply_patch", "input": "*** Begin Patch"},
            {"type": "custom_tool_call_output", "call_id": "c2", "output": "done"},
            {"type": "web_search_call", "id": "ws", "status": "completed"},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "what is this?"},
                {"type": "input_image", "image_url": "data:image/png;base64,iVBOR"}]}
        ]}))
        .chat;
        let m = &native.messages;
        assert_eq!(m.len(), 6, "{m:#?}");
        // The reasoning's summary (not the opaque blob) becomes the call's thinking, and the
        // assistant text replayed before the output joins the call's message.
        assert_eq!(m[1].role, "assistant");
        assert_eq!(m[1].thinking.as_deref(), Some("I should run ls."));
        assert_eq!(m[1].content, "Running ls.");
        assert_eq!(m[1].tool_calls.len(), 1);
        assert_eq!(
            (m[2].role.as_str(), m[2].content.as_str()),
            ("tool", "a.rs")
        );
        assert_eq!(
            m[3].tool_calls[0].function.arguments,
            json!({"input": "*** Begin Patch"})
        );
        assert_eq!(m[4].tool_name.as_deref(), Some("apply_patch"));
        assert_eq!(m[5].images, vec!["iVBOR".to_owned()]);
    }

    #[test]
    fn tools_and_tool_choice() {
        let tools = json!([
            {"type": "function", "name": "read", "parameters": {"type": "object", "properties": {}}},
            {"type": "custom", "name": "apply_patch", "description": "patch"},
            {"type": "namespace", "name": "ns", "tools": [{"type": "function", "name": "go"}]},
            {"type": "web_search", "external_web_access": false},
            {"type": "file_search"}
        ]);
        let all = ok(json!({"model": "m", "input": "x", "tools": tools}));
        let names: Vec<&str> = all
            .chat
            .tools
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["read", "apply_patch", "ns.go"]);
        assert_eq!(all.custom_tools, ["apply_patch"]);
        assert_eq!(
            all.chat.tools[1]["function"]["parameters"]["required"],
            json!(["input"])
        );
        assert!(
            ok(json!({"model": "m", "input": "x", "tools": tools, "tool_choice": "none"}))
                .chat
                .tools
                .is_empty()
        );
        let one = ok(json!({"model": "m", "input": "x", "tools": tools,
                            "tool_choice": {"type": "function", "name": "ns.go"}}));
        assert_eq!(one.chat.tools.len(), 1);
        assert!(one.custom_tools.is_empty());
    }

    #[test]
    fn bad_requests_name_the_field() {
        let cases = [
            (json!({"input": "x"}), "model"),
            (json!({"model": "m"}), "input"),
            (json!({"model": "m", "input": 5}), "input"),
            (
                json!({"model": "m", "input": "x", "previous_response_id": "resp_1"}),
                "previous_response_id",
            ),
            (
                json!({"model": "m", "input": "x", "background": true}),
                "background",
            ),
            (
                json!({"model": "m", "input": [{"type": "computer_call"}]}),
                "input[0].type",
            ),
            (
                json!({"model": "m", "input": [{"role": "robot", "content": "x"}]}),
                "input[0].role",
            ),
            (
                json!({"model": "m", "input": [{"type": "function_call", "name": "f", "arguments": "[1]"}]}),
                "input[0].arguments",
            ),
            (
                json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}),
                "input[0].content[0]",
            ),
            (
                json!({"model": "m", "input": "x", "reasoning": {"effort": "extreme"}}),
                "reasoning.effort",
            ),
            (
                json!({"model": "m", "input": "x", "tool_choice": {"type": "function", "name": "nope"}}),
                "tool_choice",
            ),
            (
                json!({"model": "m", "input": "x", "max_output_tokens": "many"}),
                "max_output_tokens",
            ),
        ];
        for (body, param) in cases {
            let e = err(body.clone());
            assert_eq!(
                (e.status, e.param.as_deref()),
                (400, Some(param)),
                "{body}: {e:?}"
            );
        }
    }

    #[test]
    fn stream_of_thinking_text_and_done() {
        let mut s = ResponsesStream::new("resp_abc".into(), 1_700_000_000, "auto".into(), vec![]);
        let mut sse = String::new();
        for c in [
            thinking("Let me "),
            thinking("think."),
            text("Hi "),
            text("there."),
            done("stop"),
        ] {
            sse.push_str(&s.push(&c));
        }
        assert!(s.is_finished());
        assert_eq!(s.push(&text("late")), "");
        let ev = events(&sse);
        assert_eq!(
            types(&ev),
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done",
                "response.reasoning_summary_part.done",
                "response.output_item.done",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed",
            ]
        );
        let completed = &ev.last().unwrap().1["response"];
        assert_eq!(completed["status"], "completed");
        assert_eq!(completed["model"], "qwen3:8b");
        assert_eq!(completed["usage"]["input_tokens"], 9000);
        assert_eq!(completed["usage"]["total_tokens"], 9012);
        let output = completed["output"].as_array().unwrap();
        assert_eq!(output[0]["summary"][0]["text"], "Let me think.");
        assert_eq!(output[1]["content"][0]["text"], "Hi there.");
        assert_eq!(output[1]["id"], ev[9].1["item"]["id"]);
        assert_eq!(ev[9].1["output_index"], 1);
        assert_eq!(s.final_response().unwrap(), *completed);
    }

    #[test]
    fn stream_of_tool_calls_keeps_text_and_marks_custom_calls() {
        let mut s = ResponsesStream::new(
            "resp_x".into(),
            0,
            "auto".into(),
            vec!["apply_patch".into()],
        );
        let calls = chunk(
            json!({"model": "qwen3:8b", "message": {"role": "assistant", "content": "",
            "tool_calls": [
                {"id": "call_1", "function": {"index": 0, "name": "shell", "arguments": {"cmd": "ls"}}},
                {"function": {"index": 1, "name": "apply_patch", "arguments": {"input": "*** Begin"}}}]},
            "done": false}),
        );
        let sse = [
            s.push(&text("Looking.")),
            s.push(&calls),
            s.push(&done("stop")),
        ]
        .concat();
        let ev = events(&sse);
        let output = ev.last().unwrap().1["response"]["output"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(output.len(), 3);
        assert_eq!(output[0]["type"], "message");
        assert_eq!(output[1]["type"], "function_call");
        assert_eq!(output[1]["call_id"], "call_1");
        assert_eq!(output[1]["arguments"], "{\"cmd\":\"ls\"}");
        assert_eq!(output[2]["type"], "custom_tool_call");
        assert_eq!(output[2]["input"], "*** Begin");
        assert_eq!(output[2]["call_id"], "call_x_1");
        let added: Vec<usize> = ev
            .iter()
            .filter(|(t, _)| t == "response.output_item.added")
            .map(|(_, d)| d["output_index"].as_u64().unwrap() as usize)
            .collect();
        assert_eq!(added, [0, 1, 2]);
        assert!(types(&ev).contains(&"response.function_call_arguments.done"));
    }

    #[test]
    fn length_failures_and_cut_streams() {
        let mut s = ResponsesStream::new("resp_l".into(), 0, "auto".into(), vec![]);
        let ev = events(&[s.push(&text("partial")), s.push(&done("length"))].concat());
        let (last, data) = ev.last().unwrap();
        assert_eq!(last, "response.incomplete");
        assert_eq!(
            data["response"]["incomplete_details"]["reason"],
            "max_output_tokens"
        );

        let mut s = ResponsesStream::new("resp_e".into(), 0, "auto".into(), vec![]);
        let error = chunk(json!({"error": "model runner has unexpectedly stopped"}));
        let ev = events(&[s.push(&text("a")), s.push(&error)].concat());
        let (last, data) = ev.last().unwrap();
        assert_eq!(last, "response.failed");
        assert_eq!(
            data["response"]["error"]["message"],
            "model runner has unexpectedly stopped"
        );
        assert_eq!(s.final_response().unwrap_err().status, 500);
        assert!(s.end_of_upstream().is_empty());

        let mut s = ResponsesStream::new("resp_c".into(), 0, "auto".into(), vec![]);
        let ev = events(&[s.push(&text("a")), s.end_of_upstream()].concat());
        assert_eq!(ev.last().unwrap().0, "response.failed");
        assert_eq!(s.final_response().unwrap_err().status, 502);
    }
}

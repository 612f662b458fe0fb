//! OpenAI dialect ⇄ Ollama's native API: `/v1/chat/completions` ⇄ `/api/chat`,
//! `/v1/completions` ⇄ `/api/generate`, plus the small pure pieces the OpenAI handlers need
//! (error bodies, model cards). The Responses API (`/v1/responses`) is in [`super::responses`].
//!
//! Why translate at all: Ollama's own OpenAI layer drops every way of setting `num_ctx`
//! (`reference/ollama-protocol.md` §3.1), so the router speaks native upstream and re-emits
//! OpenAI framing itself. Request mapping and output shapes follow Ollama's layer (§3.2–§3.4,
//! HEAD ≥ v0.32.6 streaming format) with these deliberate differences:
//! - `temperature` / `top_p` are only sent when the client sets them. Ollama's layer defaults both
//!   to 1.0, which overrides the model's Modelfile (qwen3 ships 0.6 / 0.95) and degrades answers.
//! - The text parts of one message become one native message (joined with `\n`) instead of one
//!   native message per part, so a multi-part user turn renders as one turn.
//! - `n > 1` and `logprobs` are rejected with a 400 instead of being silently ignored.
//! - `tool_choice`: `none` drops the tools; a named function keeps only that tool; `auto` and
//!   `required` keep all tools (Ollama cannot force a call). `parallel_tool_calls` is ignored.
//! - Tool-call deltas are numbered by their position in the answer, not by the native `index`,
//!   so clients that merge deltas by `index` never merge two different calls.
//! - A native mid-stream failure ends the SSE stream with an `error` frame and no `[DONE]`
//!   (Ollama's layer emits an empty chunk and loses the text); an answer cut before the final
//!   chunk is reported the same way.
//! - `/v1/completions` streams carry usage only in the final `choices: []` chunk (as chat does),
//!   not a zero `usage` on every chunk.
//!
//! Invariant: nothing here does I/O, reads a clock or draws random numbers; the handler passes
//! response ids and `created` timestamps in.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::native;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}` plus the HTTP
/// status it is sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiError {
    pub status: u16,
    pub message: String,
    /// OpenAI's `type`: `invalid_request_error`, `not_found_error`, `api_error`.
    pub error_type: &'static str,
    pub param: Option<String>,
    pub code: Option<String>,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    error_type: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

impl OpenAiError {
    /// A 400 `invalid_request_error`; `param` names the offending request field.
    pub fn invalid_request(message: impl Into<String>, param: Option<&str>) -> OpenAiError {
        OpenAiError {
            status: 400,
            message: message.into(),
            error_type: "invalid_request_error",
            param: param.map(str::to_owned),
            code: None,
        }
    }

    /// A 404 for a model nobody serves (`code: model_not_found`, as OpenAI sends it).
    pub fn model_not_found(message: impl Into<String>) -> OpenAiError {
        OpenAiError {
            status: 404,
            message: message.into(),
            error_type: "not_found_error",
            param: Some("model".to_owned()),
            code: Some("model_not_found".to_owned()),
        }
    }

    /// The prompt does not fit any routable context. Worded like OpenAI's own error so clients
    /// that match on the text (not only on `code`) recognise it and compact their history.
    pub fn context_length_exceeded(prompt_tokens: u32, max_tokens: u32) -> OpenAiError {
        OpenAiError {
            status: 400,
            message: format!(
                "This model's maximum context length is {max_tokens} tokens. However, your \
                 messages resulted in {prompt_tokens} tokens (ollama-router estimate). Please \
                 reduce the length of the messages."
            ),
            error_type: "invalid_request_error",
            param: Some("messages".to_owned()),
            code: Some("context_length_exceeded".to_owned()),
        }
    }

    /// Any other failure, with the type Ollama's layer derives from the status
    /// (400 → `invalid_request_error`, 404 → `not_found_error`, else `api_error`).
    pub fn with_status(status: u16, message: impl Into<String>) -> OpenAiError {
        OpenAiError {
            status,
            message: message.into(),
            error_type: error_type_for_status(status),
            param: None,
            code: None,
        }
    }

    /// Converts a native error response (`{"error": "..."}` with a non-2xx status) keeping the
    /// status. A body that is not the native shape is quoted as text so nothing is lost.
    pub fn from_native(status: u16, body: &[u8]) -> OpenAiError {
        #[derive(Deserialize)]
        struct NativeError {
            error: String,
        }
        let message = match serde_json::from_slice::<NativeError>(body) {
            Ok(native) => native.error,
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if text.is_empty() {
                    format!("upstream answered HTTP {status} with an empty body")
                } else {
                    text.to_owned()
                }
            }
        };
        let mut error = OpenAiError::with_status(status, message);
        if status == 404 && error.message.contains("not found") {
            error.param = Some("model".to_owned());
            error.code = Some("model_not_found".to_owned());
        }
        error
    }

    /// The JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        let envelope = ErrorEnvelope {
            error: ErrorBody {
                message: &self.message,
                error_type: self.error_type,
                param: self.param.as_deref(),
                code: self.code.as_deref(),
            },
        };
        // Serializing plain strings into a Vec cannot fail.
        serde_json::to_vec(&envelope).unwrap_or_default()
    }

    /// The terminal SSE frame for a failure after streaming started. The OpenAI SDKs raise an
    /// `APIError` for a `data:` payload with an `error` member.
    pub fn sse_frame(&self) -> String {
        let mut frame = String::with_capacity(self.message.len() + 96);
        frame.push_str("data: ");
        frame.push_str(&String::from_utf8_lossy(&self.to_json()));
        frame.push_str("\n\n");
        frame
    }
}

fn error_type_for_status(status: u16) -> &'static str {
    match status {
        400 => "invalid_request_error",
        404 => "not_found_error",
        _ => "api_error",
    }
}

// ---------------------------------------------------------------------------------------------
// Request parsing
// ---------------------------------------------------------------------------------------------

/// `POST /v1/chat/completions` body. Unknown fields are ignored; every field has a default so a
/// wrong-typed field can be located by [`parse_json`] (required ones are checked afterwards).
/// Fields whose JSON type varies (`content`, `stop`, `tool_choice`, ...) stay [`Value`] and are
/// checked by the translator, which knows their path for the error message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChatCompletionRequest {
    pub model: Option<String>,
    pub messages: Option<Vec<ChatMessage>>,
    pub stream: Option<bool>,
    pub stream_options: Option<StreamOptions>,
    pub max_tokens: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub seed: Option<i64>,
    pub stop: Option<Value>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub presence_penalty: Option<f64>,
    pub response_format: Option<ResponseFormat>,
    pub tools: Option<Vec<Value>>,
    pub tool_choice: Option<Value>,
    pub reasoning_effort: Option<String>,
    pub reasoning: Option<ReasoningOptions>,
    /// Qwen Code (and vLLM / DashScope clients) switch thinking with this extra body field.
    pub enable_thinking: Option<bool>,
    pub n: Option<u64>,
    pub logprobs: Option<bool>,
    /// OpenAI's per-conversation prompt-cache key: the best session id a body can carry.
    pub prompt_cache_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StreamOptions {
    pub include_usage: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReasoningOptions {
    pub effort: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResponseFormat {
    #[serde(rename = "type")]
    pub format_type: Option<String>,
    pub json_schema: Option<JsonSchemaFormat>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct JsonSchemaFormat {
    pub schema: Option<Value>,
}

/// One request message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChatMessage {
    pub role: Option<String>,
    /// A string, an array of content parts, or null (assistant turns with tool calls).
    pub content: Option<Value>,
    pub name: Option<String>,
    pub tool_calls: Option<Vec<RequestToolCall>>,
    pub tool_call_id: Option<String>,
    /// Ollama's field for earlier thinking; `reasoning_content` is the DeepSeek/vLLM spelling.
    pub reasoning: Option<String>,
    pub reasoning_content: Option<String>,
}

/// An assistant tool call in the history: `arguments` is a JSON *string* in OpenAI's API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestToolCall {
    pub id: Option<String>,
    pub function: RequestFunction,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestFunction {
    pub name: String,
    pub arguments: Value,
}

/// `POST /v1/completions` body (same conventions as [`ChatCompletionRequest`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CompletionRequest {
    pub model: Option<String>,
    pub prompt: Option<Value>,
    pub suffix: Option<String>,
    pub stream: Option<bool>,
    pub stream_options: Option<StreamOptions>,
    pub max_tokens: Option<u64>,
    pub seed: Option<i64>,
    pub stop: Option<Value>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub presence_penalty: Option<f64>,
    pub echo: Option<bool>,
    pub logprobs: Option<Value>,
    pub n: Option<u64>,
    pub best_of: Option<u64>,
}

impl ChatCompletionRequest {
    pub fn is_stream(&self) -> bool {
        self.stream.unwrap_or(false)
    }

    pub fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|options| options.include_usage)
            .unwrap_or(false)
    }
}

impl CompletionRequest {
    pub fn is_stream(&self) -> bool {
        self.stream.unwrap_or(false)
    }

    pub fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|options| options.include_usage)
            .unwrap_or(false)
    }
}

/// Parses a `/v1/chat/completions` body; malformed JSON or a known field of the wrong type is a
/// 400 naming the field.
pub fn parse_chat_request(body: &[u8]) -> Result<ChatCompletionRequest, OpenAiError> {
    parse_json(body, &[("messages", locate_in_array::<ChatMessage>)])
}

/// Parses a `/v1/completions` body (see [`parse_chat_request`]).
pub fn parse_completion_request(body: &[u8]) -> Result<CompletionRequest, OpenAiError> {
    parse_json(body, &[])
}

/// Finds the element and key of an array field that fails to deserialize as `T`.
pub(crate) type Locator = fn(&str, &Value) -> Option<(String, serde_json::Error)>;

/// Deserializes `body` as `T`. On a type error, re-checks each top-level field alone (every field
/// of `T` has a default) to name the culprit, descending into the array fields listed in
/// `nested`; serde's own message says what was expected but not where.
pub(crate) fn parse_json<T: DeserializeOwned>(
    body: &[u8],
    nested: &[(&str, Locator)],
) -> Result<T, OpenAiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(OpenAiError::invalid_request(
            "We could not parse the JSON body of your request: the body is empty.",
            None,
        ));
    }
    let whole_error = match serde_json::from_slice::<T>(body) {
        Ok(parsed) => return Ok(parsed),
        Err(err) => err,
    };
    let value = match serde_json::from_slice::<Value>(body) {
        Ok(value) => value,
        Err(syntax) => {
            return Err(OpenAiError::invalid_request(
                format!("We could not parse the JSON body of your request: {syntax}"),
                None,
            ));
        }
    };
    let Value::Object(fields) = &value else {
        return Err(OpenAiError::invalid_request(
            "The request body must be a JSON object.",
            None,
        ));
    };
    for (key, field_value) in fields {
        if let Some((_, locate)) = nested.iter().find(|(name, _)| name == key)
            && let Some((path, err)) = locate(key, field_value)
        {
            return Err(field_type_error(&path, &err));
        }
        let mut alone = Map::new();
        alone.insert(key.clone(), field_value.clone());
        if let Err(err) = serde_json::from_value::<T>(Value::Object(alone)) {
            return Err(field_type_error(key, &err));
        }
    }
    Err(OpenAiError::invalid_request(
        format!("Invalid request body: {whole_error}"),
        None,
    ))
}

fn locate_in_array<T: DeserializeOwned>(
    name: &str,
    value: &Value,
) -> Option<(String, serde_json::Error)> {
    let Value::Array(items) = value else {
        return None;
    };
    for (index, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            let err = serde_json::from_value::<T>(item.clone()).err()?;
            return Some((format!("{name}[{index}]"), err));
        };
        for (key, field_value) in fields {
            let mut alone = Map::new();
            alone.insert(key.clone(), field_value.clone());
            if let Err(err) = serde_json::from_value::<T>(Value::Object(alone)) {
                return Some((format!("{name}[{index}].{key}"), err));
            }
        }
    }
    None
}

fn field_type_error(path: &str, err: &serde_json::Error) -> OpenAiError {
    OpenAiError::invalid_request(format!("Invalid type for '{path}': {err}"), Some(path))
}

// ---------------------------------------------------------------------------------------------
// Request translation
// ---------------------------------------------------------------------------------------------

/// Translates a chat request into a native `/api/chat` body. The native request always streams:
/// the handler aggregates for non-stream clients, so a long answer never sits behind a
/// first-byte timeout and metrics arrive the same way for both.
pub fn chat_request_to_native(
    request: &ChatCompletionRequest,
) -> Result<native::ChatRequest, OpenAiError> {
    let model = required_model(request.model.as_deref())?;
    reject_unsupported_chat_options(request)?;

    let messages = request.messages.as_deref().unwrap_or_default();
    if messages.is_empty() {
        return Err(OpenAiError::invalid_request(
            "[] is too short - 'messages'",
            Some("messages"),
        ));
    }
    let mut native_messages = Vec::with_capacity(messages.len());
    // Tool results name their call by id; native templates want the tool's name.
    let mut tool_names_by_call_id: HashMap<String, String> = HashMap::new();
    for (index, message) in messages.iter().enumerate() {
        let native_message = message_to_native(message, index, &tool_names_by_call_id)?;
        for call in &native_message.tool_calls {
            if let Some(id) = &call.id {
                tool_names_by_call_id.insert(id.clone(), call.function.name.clone());
            }
        }
        native_messages.push(native_message);
    }

    let mut options = Map::new();
    if let Some(max) = request.max_completion_tokens.or(request.max_tokens) {
        options.insert("num_predict".to_owned(), Value::from(max));
    }
    insert_sampling_options(
        &mut options,
        Sampling {
            temperature: request.temperature,
            top_p: request.top_p,
            seed: request.seed,
            frequency_penalty: request.frequency_penalty,
            presence_penalty: request.presence_penalty,
        },
    );
    if let Some(stop) = stop_sequences(request.stop.as_ref())? {
        options.insert("stop".to_owned(), stop);
    }

    Ok(native::ChatRequest {
        model: model.to_owned(),
        messages: native_messages,
        tools: select_tools(request.tools.as_deref(), request.tool_choice.as_ref())?,
        format: response_format_to_native(request.response_format.as_ref())?,
        options,
        stream: true,
        think: think_from_effort(request)?,
        keep_alive: None,
    })
}

pub(crate) fn required_model(model: Option<&str>) -> Result<&str, OpenAiError> {
    match model {
        Some(model) if !model.trim().is_empty() => Ok(model),
        _ => Err(OpenAiError::invalid_request(
            "you must provide a model parameter",
            Some("model"),
        )),
    }
}

fn reject_unsupported_chat_options(request: &ChatCompletionRequest) -> Result<(), OpenAiError> {
    if request.n.is_some_and(|n| n > 1) {
        return Err(OpenAiError::invalid_request(
            "n > 1 is not supported: local models answer one choice per request",
            Some("n"),
        ));
    }
    if request.logprobs == Some(true) {
        return Err(OpenAiError::invalid_request(
            "logprobs are not supported by ollama-router",
            Some("logprobs"),
        ));
    }
    Ok(())
}

fn message_to_native(
    message: &ChatMessage,
    index: usize,
    tool_names_by_call_id: &HashMap<String, String>,
) -> Result<native::Message, OpenAiError> {
    let role = match message.role.as_deref().map(str::to_ascii_lowercase) {
        // Ollama's templates know no `developer` role; OpenAI treats it as the new `system`.
        Some(role) if role == "developer" => "system".to_owned(),
        Some(role) if !role.is_empty() => role,
        _ => {
            return Err(OpenAiError::invalid_request(
                format!("Missing required parameter: 'messages[{index}].role'."),
                Some(&format!("messages[{index}].role")),
            ));
        }
    };
    let (content, images) = content_to_native(message.content.as_ref(), index)?;
    let tool_calls = message
        .tool_calls
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(call_index, call)| tool_call_to_native(call, index, call_index))
        .collect::<Result<Vec<_>, _>>()?;
    let thinking = message
        .reasoning
        .as_ref()
        .or(message.reasoning_content.as_ref())
        .filter(|text| !text.is_empty())
        .cloned();
    let tool_name = if role == "tool" {
        message.name.clone().or_else(|| {
            let id = message.tool_call_id.as_ref()?;
            tool_names_by_call_id.get(id).cloned()
        })
    } else {
        None
    };
    Ok(native::Message {
        role,
        content,
        thinking,
        images,
        tool_calls,
        tool_name,
        tool_call_id: message.tool_call_id.clone(),
    })
}

/// Flattens OpenAI content (string or parts) into native text plus base64 images.
fn content_to_native(
    content: Option<&Value>,
    message_index: usize,
) -> Result<(String, Vec<String>), OpenAiError> {
    let parts = match content {
        None | Some(Value::Null) => return Ok((String::new(), Vec::new())),
        Some(Value::String(text)) => return Ok((text.clone(), Vec::new())),
        Some(Value::Array(parts)) => parts,
        Some(_) => {
            let path = format!("messages[{message_index}].content");
            return Err(OpenAiError::invalid_request(
                format!(
                    "Invalid type for '{path}': expected a string or an array of content parts"
                ),
                Some(&path),
            ));
        }
    };
    let mut texts: Vec<&str> = Vec::new();
    let mut images = Vec::new();
    for (part_index, part) in parts.iter().enumerate() {
        let path = format!("messages[{message_index}].content[{part_index}]");
        let part_type = part.get("type").and_then(Value::as_str).unwrap_or_default();
        match part_type {
            "text" | "input_text" | "refusal" => {
                let field = if part_type == "refusal" {
                    "refusal"
                } else {
                    "text"
                };
                let text = part.get(field).and_then(Value::as_str).ok_or_else(|| {
                    OpenAiError::invalid_request(
                        format!("'{path}.{field}' must be a string"),
                        Some(&format!("{path}.{field}")),
                    )
                })?;
                texts.push(text);
            }
            "image_url" => {
                // `image_url` is `{"url": ...}` in OpenAI's API; Ollama also accepts a bare string.
                let url = match part.get("image_url") {
                    Some(Value::String(url)) => Some(url.as_str()),
                    Some(object) => object.get("url").and_then(Value::as_str),
                    None => None,
                };
                let url = url.ok_or_else(|| {
                    OpenAiError::invalid_request(
                        format!("'{path}.image_url.url' must be a string"),
                        Some(&format!("{path}.image_url")),
                    )
                })?;
                images.push(image_data_from_url(url, &path)?);
            }
            "input_audio" => {
                // Ollama's layer forwards audio bytes through `images` for audio-capable models.
                let data = part
                    .get("input_audio")
                    .and_then(|audio| audio.get("data"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        OpenAiError::invalid_request(
                            format!("'{path}.input_audio.data' must be a base64 string"),
                            Some(&format!("{path}.input_audio")),
                        )
                    })?;
                images.push(data.to_owned());
            }
            other => {
                return Err(OpenAiError::invalid_request(
                    format!(
                        "Unsupported content part type '{other}' in '{path}': supported types \
                         are text, image_url (base64 data: URLs) and input_audio"
                    ),
                    Some(&format!("{path}.type")),
                ));
            }
        }
    }
    Ok((texts.join("\n"), images))
}

/// Extracts the base64 payload of a `data:` URL. Ollama cannot fetch remote images, and fetching
/// them here would add unbounded latency, so those are a clear 400.
pub(crate) fn image_data_from_url(url: &str, path: &str) -> Result<String, OpenAiError> {
    let param = format!("{path}.image_url");
    let Some(rest) = url.strip_prefix("data:") else {
        return Err(OpenAiError::invalid_request(
            format!(
                "Image URLs are not supported by Ollama ('{path}'): send the image inline as a \
                 base64 data URL (data:image/png;base64,...)"
            ),
            Some(&param),
        ));
    };
    let Some((media, data)) = rest.split_once(',') else {
        return Err(OpenAiError::invalid_request(
            format!("Malformed data URL in '{path}'"),
            Some(&param),
        ));
    };
    let Some(mime) = media.strip_suffix(";base64") else {
        return Err(OpenAiError::invalid_request(
            format!("The data URL in '{path}' must be base64 encoded (data:image/png;base64,...)"),
            Some(&param),
        ));
    };
    // The formats Ollama's own layer accepts; an empty type is allowed there too.
    if !matches!(
        mime,
        "" | "image/jpeg" | "image/jpg" | "image/png" | "image/webp"
    ) {
        return Err(OpenAiError::invalid_request(
            format!("Unsupported image type '{mime}' in '{path}': use jpeg, png or webp"),
            Some(&param),
        ));
    }
    Ok(data.to_owned())
}

/// OpenAI sends arguments as a JSON string; native wants the object.
fn tool_call_to_native(
    call: &RequestToolCall,
    message_index: usize,
    call_index: usize,
) -> Result<native::ToolCall, OpenAiError> {
    let path = format!("messages[{message_index}].tool_calls[{call_index}].function.arguments");
    let invalid = || {
        OpenAiError::invalid_request(
            format!("invalid tool call arguments in '{path}': expected a JSON object string"),
            Some(&path),
        )
    };
    let arguments = match &call.function.arguments {
        Value::String(text) if text.trim().is_empty() => Value::Object(Map::new()),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(object @ Value::Object(_)) => object,
            _ => return Err(invalid()),
        },
        // Some clients send the object itself; accept it as Ollama does.
        object @ Value::Object(_) => object.clone(),
        Value::Null => Value::Object(Map::new()),
        _ => return Err(invalid()),
    };
    Ok(native::ToolCall {
        id: call.id.clone().filter(|id| !id.is_empty()),
        function: native::ToolCallFunction {
            index: u32::try_from(call_index).unwrap_or(u32::MAX),
            name: call.function.name.clone(),
            arguments,
        },
    })
}

/// Applies `tool_choice` to `tools` (see the module doc for the best-effort rules).
fn select_tools(
    tools: Option<&[Value]>,
    tool_choice: Option<&Value>,
) -> Result<Vec<Value>, OpenAiError> {
    let tools = tools.unwrap_or_default();
    match tool_choice {
        None | Some(Value::Null) => Ok(tools.to_vec()),
        Some(Value::String(choice)) => match choice.as_str() {
            "none" => Ok(Vec::new()),
            "auto" | "required" => Ok(tools.to_vec()),
            other => Err(OpenAiError::invalid_request(
                format!(
                    "Invalid value for 'tool_choice': '{other}' (expected none, auto, required \
                     or a function)"
                ),
                Some("tool_choice"),
            )),
        },
        Some(choice @ Value::Object(_)) => {
            let Some(name) = choice
                .get("function")
                .and_then(|function| function.get("name"))
                .and_then(Value::as_str)
            else {
                // Newer shapes (`allowed_tools`, custom tools): keep everything.
                return Ok(tools.to_vec());
            };
            let chosen: Vec<Value> = tools
                .iter()
                .filter(|tool| tool_function_name(tool) == Some(name))
                .cloned()
                .collect();
            if chosen.is_empty() {
                return Err(OpenAiError::invalid_request(
                    format!("tool_choice names function '{name}', which is not in 'tools'"),
                    Some("tool_choice"),
                ));
            }
            Ok(chosen)
        }
        Some(_) => Err(OpenAiError::invalid_request(
            "Invalid type for 'tool_choice': expected a string or an object",
            Some("tool_choice"),
        )),
    }
}

fn tool_function_name(tool: &Value) -> Option<&str> {
    tool.get("function")?.get("name")?.as_str()
}

fn response_format_to_native(
    format: Option<&ResponseFormat>,
) -> Result<Option<Value>, OpenAiError> {
    let Some(format) = format else {
        return Ok(None);
    };
    match format.format_type.as_deref() {
        None | Some("text") => Ok(None),
        Some("json_object") => Ok(Some(Value::String("json".to_owned()))),
        Some("json_schema") => {
            let schema = format
                .json_schema
                .as_ref()
                .and_then(|json_schema| json_schema.schema.clone())
                .ok_or_else(|| {
                    OpenAiError::invalid_request(
                        "Missing required parameter: 'response_format.json_schema.schema'.",
                        Some("response_format.json_schema.schema"),
                    )
                })?;
            Ok(Some(schema))
        }
        Some(other) => Err(OpenAiError::invalid_request(
            format!(
                "Invalid value for 'response_format.type': '{other}' (expected text, \
                 json_object or json_schema)"
            ),
            Some("response_format.type"),
        )),
    }
}

/// `reasoning_effort` (or `reasoning.effort`) → native `think`, as Ollama maps it. Absent means
/// the model's default: thinking-capable models think. Qwen Code's `enable_thinking` (sent as an
/// extra body field) is honoured when no effort is given.
fn think_from_effort(request: &ChatCompletionRequest) -> Result<Option<Value>, OpenAiError> {
    let (effort, param) = match (&request.reasoning_effort, &request.reasoning) {
        (Some(effort), _) => (effort.as_str(), "reasoning_effort"),
        (
            None,
            Some(ReasoningOptions {
                effort: Some(effort),
            }),
        ) => (effort.as_str(), "reasoning.effort"),
        _ => return Ok(request.enable_thinking.map(Value::Bool)),
    };
    think_for_effort(effort, param).map(Some)
}

/// One reasoning effort → native `think` (`param` names the field in the error).
pub(crate) fn think_for_effort(effort: &str, param: &str) -> Result<Value, OpenAiError> {
    Ok(match effort {
        "none" => Value::Bool(false),
        "minimal" | "low" => Value::from("low"),
        "medium" => Value::from("medium"),
        "high" => Value::from("high"),
        "max" | "xhigh" | "ultra" => Value::from("max"),
        other => {
            return Err(OpenAiError::invalid_request(
                format!(
                    "Invalid value for '{param}': '{other}' (expected none, minimal, low, \
                     medium, high, xhigh or max)"
                ),
                Some(param),
            ));
        }
    })
}

/// `stop`: a string or an array of strings → native `options.stop` (always an array).
fn stop_sequences(stop: Option<&Value>) -> Result<Option<Value>, OpenAiError> {
    let invalid = || {
        OpenAiError::invalid_request(
            "Invalid type for 'stop': expected a string or an array of strings",
            Some("stop"),
        )
    };
    match stop {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(one)) => Ok(Some(Value::Array(vec![Value::String(one.clone())]))),
        Some(Value::Array(many)) => {
            if many.iter().all(Value::is_string) {
                Ok((!many.is_empty()).then(|| Value::Array(many.clone())))
            } else {
                Err(invalid())
            }
        }
        Some(_) => Err(invalid()),
    }
}

#[derive(Clone, Copy)]
struct Sampling {
    temperature: Option<f64>,
    top_p: Option<f64>,
    seed: Option<i64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
}

fn insert_sampling_options(options: &mut Map<String, Value>, sampling: Sampling) {
    let floats = [
        ("temperature", sampling.temperature),
        ("top_p", sampling.top_p),
        ("frequency_penalty", sampling.frequency_penalty),
        ("presence_penalty", sampling.presence_penalty),
    ];
    for (key, value) in floats {
        // A non-finite float has no JSON form; serde_json would never parse one anyway.
        if let Some(number) = value.and_then(serde_json::Number::from_f64) {
            options.insert(key.to_owned(), Value::Number(number));
        }
    }
    if let Some(seed) = sampling.seed {
        options.insert("seed".to_owned(), Value::from(seed));
    }
}

/// Translates a legacy completion request into a native `/api/generate` body (streaming, for the
/// same reason as chat). `suffix` carries fill-in-the-middle.
pub fn completion_request_to_native(
    request: &CompletionRequest,
) -> Result<native::GenerateRequest, OpenAiError> {
    let model = required_model(request.model.as_deref())?;
    if request.echo == Some(true) {
        return Err(OpenAiError::invalid_request(
            "echo is not supported by ollama-router",
            Some("echo"),
        ));
    }
    if request
        .logprobs
        .as_ref()
        .is_some_and(|value| !value.is_null())
    {
        return Err(OpenAiError::invalid_request(
            "logprobs are not supported by ollama-router",
            Some("logprobs"),
        ));
    }
    if request.n.is_some_and(|n| n > 1) {
        return Err(OpenAiError::invalid_request(
            "n > 1 is not supported: local models answer one choice per request",
            Some("n"),
        ));
    }
    if request.best_of.is_some_and(|best_of| best_of > 1) {
        return Err(OpenAiError::invalid_request(
            "best_of > 1 is not supported: local models answer one choice per request",
            Some("best_of"),
        ));
    }
    let prompt = match request.prompt.as_ref() {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(prompt)) => prompt.clone(),
        Some(Value::Array(prompts)) => match prompts.as_slice() {
            [] => String::new(),
            [Value::String(prompt)] => prompt.clone(),
            _ => {
                return Err(OpenAiError::invalid_request(
                    "'prompt' must be a string or an array with one string: batched and \
                     token-id prompts are not supported",
                    Some("prompt"),
                ));
            }
        },
        Some(_) => {
            return Err(OpenAiError::invalid_request(
                "Invalid type for 'prompt': expected a string",
                Some("prompt"),
            ));
        }
    };
    let mut options = Map::new();
    if let Some(max) = request.max_tokens {
        options.insert("num_predict".to_owned(), Value::from(max));
    }
    insert_sampling_options(
        &mut options,
        Sampling {
            temperature: request.temperature,
            top_p: request.top_p,
            seed: request.seed,
            frequency_penalty: request.frequency_penalty,
            presence_penalty: request.presence_penalty,
        },
    );
    if let Some(stop) = stop_sequences(request.stop.as_ref())? {
        options.insert("stop".to_owned(), stop);
    }
    Ok(native::GenerateRequest {
        model: model.to_owned(),
        prompt,
        suffix: request.suffix.clone().filter(|suffix| !suffix.is_empty()),
        options,
        stream: true,
        ..native::GenerateRequest::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Response shapes
// ---------------------------------------------------------------------------------------------

/// Ollama's layer reports this fingerprint; clients that log it keep seeing the same value.
const SYSTEM_FINGERPRINT: &str = "fp_ollama";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

impl Usage {
    pub fn from_metrics(metrics: &native::Metrics) -> Usage {
        let prompt_tokens = metrics.prompt_eval_count.unwrap_or(0);
        let completion_tokens = metrics.eval_count.unwrap_or(0);
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        }
    }
}

/// OpenAI's `finish_reason` for a native `done_reason`: tool calls win over `stop`, `length`
/// passes through.
fn finish_reason(done_reason: Option<&str>, had_tool_calls: bool) -> &'static str {
    match done_reason {
        Some("length") => "length",
        _ if had_tool_calls => "tool_calls",
        _ => "stop",
    }
}

#[derive(Serialize)]
struct ToolCallOut<'a> {
    id: String,
    index: u32,
    #[serde(rename = "type")]
    call_type: &'static str,
    function: FunctionOut<'a>,
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    arguments: String,
}

/// The id a tool call is reported with: the native one, or a stable stand-in derived from the
/// response id when an older Ollama sent none (clients need an id to answer the call).
fn tool_call_id(call: &native::ToolCall, response_id: &str, position: u32) -> String {
    match &call.id {
        Some(id) if !id.is_empty() => id.clone(),
        _ => {
            let suffix = response_id.rsplit('-').next().unwrap_or(response_id);
            format!("call_{suffix}_{position}")
        }
    }
}

fn tool_call_out<'a>(
    call: &'a native::ToolCall,
    response_id: &str,
    position: u32,
) -> ToolCallOut<'a> {
    let arguments = match &call.function.arguments {
        Value::Null => "{}".to_owned(),
        other => other.to_string(),
    };
    ToolCallOut {
        id: tool_call_id(call, response_id, position),
        index: position,
        call_type: "function",
        function: FunctionOut {
            name: &call.function.name,
            arguments,
        },
    }
}

#[derive(Serialize)]
struct ChatChunkOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: Vec<ChunkChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize, Default)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCallOut<'a>>,
}

fn push_sse_data<T: Serialize>(out: &mut String, payload: &T) {
    out.push_str("data: ");
    // Serializing these borrowed structs cannot fail.
    out.push_str(&serde_json::to_string(payload).unwrap_or_default());
    out.push_str("\n\n");
}

const DONE_FRAME: &str = "data: [DONE]\n\n";

/// Native `/api/chat` NDJSON chunks → OpenAI `chat.completion.chunk` SSE frames.
///
/// Feed every native chunk to [`ChatStream::push`]; each call returns the SSE text to send
/// (possibly empty). After the final chunk, an error line, [`ChatStream::fail`] or
/// [`ChatStream::end_of_upstream`], the stream is finished and further input yields nothing.
#[derive(Debug)]
pub struct ChatStream {
    id: String,
    created: u64,
    include_usage: bool,
    role_sent: bool,
    tool_calls_sent: u32,
    finished: bool,
}

/// The terminal `error` frame of a stream, sent at most once and never after `[DONE]`.
fn fail_once(finished: &mut bool, error: &OpenAiError) -> String {
    if std::mem::replace(finished, true) {
        return String::new();
    }
    error.sse_frame()
}

fn cut_short() -> OpenAiError {
    OpenAiError::with_status(
        502,
        "upstream closed the stream before the answer was complete",
    )
}

impl ChatStream {
    pub fn new(id: String, created: u64, include_usage: bool) -> ChatStream {
        ChatStream {
            id,
            created,
            include_usage,
            role_sent: false,
            tool_calls_sent: 0,
            finished: false,
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
            out.push_str(&OpenAiError::with_status(500, message.clone()).sse_frame());
            self.finished = true;
            return out;
        }
        let model = chunk.model.as_str();
        if let Some(message) = &chunk.message {
            // Reasoning first, then content, then tool calls, as Ollama's layer splits them.
            if let Some(thinking) = message.thinking.as_deref().filter(|t| !t.is_empty()) {
                self.delta_frame(
                    &mut out,
                    model,
                    Delta {
                        content: Some(""),
                        reasoning: Some(thinking),
                        ..Delta::default()
                    },
                );
            }
            if !message.content.is_empty() {
                self.delta_frame(
                    &mut out,
                    model,
                    Delta {
                        content: Some(&message.content),
                        ..Delta::default()
                    },
                );
            }
            if !message.tool_calls.is_empty() {
                let mut calls = Vec::with_capacity(message.tool_calls.len());
                for call in &message.tool_calls {
                    calls.push(tool_call_out(call, &self.id, self.tool_calls_sent));
                    self.tool_calls_sent += 1;
                }
                self.delta_frame(
                    &mut out,
                    model,
                    Delta {
                        content: Some(""),
                        tool_calls: calls,
                        ..Delta::default()
                    },
                );
            }
        }
        if chunk.done {
            if !self.role_sent {
                // An empty answer still announces the assistant role before finishing.
                self.delta_frame(
                    &mut out,
                    model,
                    Delta {
                        content: Some(""),
                        ..Delta::default()
                    },
                );
            }
            let reason = finish_reason(chunk.done_reason.as_deref(), self.tool_calls_sent > 0);
            push_sse_data(
                &mut out,
                &self.chunk_out(
                    model,
                    vec![ChunkChoice {
                        index: 0,
                        delta: Delta::default(),
                        finish_reason: Some(reason),
                    }],
                    None,
                ),
            );
            if self.include_usage {
                let usage = Usage::from_metrics(&chunk.metrics);
                push_sse_data(&mut out, &self.chunk_out(model, Vec::new(), Some(usage)));
            }
            out.push_str(DONE_FRAME);
            self.finished = true;
        }
        out
    }

    /// Ends the stream with an `error` frame (transport failure, unreadable upstream line).
    pub fn fail(&mut self, error: &OpenAiError) -> String {
        fail_once(&mut self.finished, error)
    }

    /// The upstream body ended; if no final chunk came, say so instead of faking `[DONE]`.
    pub fn end_of_upstream(&mut self) -> String {
        fail_once(&mut self.finished, &cut_short())
    }

    fn delta_frame<'a>(&mut self, out: &mut String, model: &'a str, mut delta: Delta<'a>) {
        if !self.role_sent {
            delta.role = Some("assistant");
            self.role_sent = true;
        }
        push_sse_data(
            out,
            &self.chunk_out(
                model,
                vec![ChunkChoice {
                    index: 0,
                    delta,
                    finish_reason: None,
                }],
                None,
            ),
        );
    }

    fn chunk_out<'a>(
        &'a self,
        model: &'a str,
        choices: Vec<ChunkChoice<'a>>,
        usage: Option<Usage>,
    ) -> ChatChunkOut<'a> {
        ChatChunkOut {
            id: &self.id,
            object: "chat.completion.chunk",
            created: self.created,
            model,
            system_fingerprint: SYSTEM_FINGERPRINT,
            choices,
            usage,
        }
    }
}

#[derive(Serialize)]
struct ChatCompletionOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: [CompletionChoice<'a>; 1],
    usage: Usage,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    index: u32,
    message: AssistantMessageOut<'a>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct AssistantMessageOut<'a> {
    role: &'static str,
    content: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reasoning: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCallOut<'a>>,
}

/// Collects native `/api/chat` chunks into one non-stream `chat.completion`.
#[derive(Debug, Default, Clone)]
pub struct ChatCompletionBuilder {
    model: String,
    content: String,
    reasoning: String,
    tool_calls: Vec<native::ToolCall>,
    done_reason: Option<String>,
    metrics: native::Metrics,
    done: bool,
}

impl ChatCompletionBuilder {
    pub fn new() -> ChatCompletionBuilder {
        ChatCompletionBuilder::default()
    }

    /// Adds one native chunk (error lines are the handler's business: it answers with an error).
    pub fn push(&mut self, chunk: &native::ChatChunk) {
        if !chunk.model.is_empty() {
            self.model.clone_from(&chunk.model);
        }
        if let Some(message) = &chunk.message {
            self.content.push_str(&message.content);
            if let Some(thinking) = &message.thinking {
                self.reasoning.push_str(thinking);
            }
            self.tool_calls.extend(message.tool_calls.iter().cloned());
        }
        if chunk.done {
            self.done = true;
            self.done_reason.clone_from(&chunk.done_reason);
            self.metrics = chunk.metrics;
        }
    }

    /// Whether the final chunk arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The `chat.completion` JSON body.
    pub fn finish(&self, id: &str, created: u64) -> Vec<u8> {
        let tool_calls = self
            .tool_calls
            .iter()
            .zip(0u32..)
            .map(|(call, position)| tool_call_out(call, id, position))
            .collect::<Vec<_>>();
        let body = ChatCompletionOut {
            id,
            object: "chat.completion",
            created,
            model: &self.model,
            system_fingerprint: SYSTEM_FINGERPRINT,
            choices: [CompletionChoice {
                index: 0,
                message: AssistantMessageOut {
                    role: "assistant",
                    content: &self.content,
                    reasoning: &self.reasoning,
                    tool_calls,
                },
                finish_reason: finish_reason(
                    self.done_reason.as_deref(),
                    !self.tool_calls.is_empty(),
                ),
            }],
            usage: Usage::from_metrics(&self.metrics),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

#[derive(Serialize)]
struct TextCompletionOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: Vec<TextChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
}

#[derive(Serialize)]
struct TextChoice<'a> {
    text: &'a str,
    index: u32,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

/// Native `/api/generate` chunks → OpenAI `text_completion` SSE frames (same lifecycle as
/// [`ChatStream`]). Thinking text is dropped: the legacy completion shape has no place for it.
#[derive(Debug)]
pub struct CompletionStream {
    id: String,
    created: u64,
    include_usage: bool,
    finished: bool,
}

impl CompletionStream {
    pub fn new(id: String, created: u64, include_usage: bool) -> CompletionStream {
        CompletionStream {
            id,
            created,
            include_usage,
            finished: false,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn push(&mut self, chunk: &native::GenerateChunk) -> String {
        let mut out = String::new();
        if self.finished {
            return out;
        }
        if let Some(message) = &chunk.error {
            out.push_str(&OpenAiError::with_status(500, message.clone()).sse_frame());
            self.finished = true;
            return out;
        }
        if chunk.done || !chunk.response.is_empty() {
            let finish = chunk
                .done
                .then(|| finish_reason(chunk.done_reason.as_deref(), false));
            push_sse_data(
                &mut out,
                &self.chunk_out(
                    &chunk.model,
                    vec![TextChoice {
                        text: &chunk.response,
                        index: 0,
                        logprobs: None,
                        finish_reason: finish,
                    }],
                    None,
                ),
            );
        }
        if chunk.done {
            if self.include_usage {
                let usage = Usage::from_metrics(&chunk.metrics);
                push_sse_data(
                    &mut out,
                    &self.chunk_out(&chunk.model, Vec::new(), Some(usage)),
                );
            }
            out.push_str(DONE_FRAME);
            self.finished = true;
        }
        out
    }

    /// Ends the stream with an `error` frame (transport failure, unreadable upstream line).
    pub fn fail(&mut self, error: &OpenAiError) -> String {
        fail_once(&mut self.finished, error)
    }

    /// The upstream body ended; if no final chunk came, say so instead of faking `[DONE]`.
    pub fn end_of_upstream(&mut self) -> String {
        fail_once(&mut self.finished, &cut_short())
    }

    fn chunk_out<'a>(
        &'a self,
        model: &'a str,
        choices: Vec<TextChoice<'a>>,
        usage: Option<Usage>,
    ) -> TextCompletionOut<'a> {
        TextCompletionOut {
            id: &self.id,
            object: "text_completion",
            created: self.created,
            model,
            system_fingerprint: SYSTEM_FINGERPRINT,
            choices,
            usage,
        }
    }
}

/// Collects native `/api/generate` chunks into one non-stream `text_completion`.
#[derive(Debug, Default, Clone)]
pub struct CompletionBuilder {
    model: String,
    text: String,
    done_reason: Option<String>,
    metrics: native::Metrics,
    done: bool,
}

impl CompletionBuilder {
    pub fn new() -> CompletionBuilder {
        CompletionBuilder::default()
    }

    pub fn push(&mut self, chunk: &native::GenerateChunk) {
        if !chunk.model.is_empty() {
            self.model.clone_from(&chunk.model);
        }
        self.text.push_str(&chunk.response);
        if chunk.done {
            self.done = true;
            self.done_reason.clone_from(&chunk.done_reason);
            self.metrics = chunk.metrics;
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn finish(&self, id: &str, created: u64) -> Vec<u8> {
        let body = TextCompletionOut {
            id,
            object: "text_completion",
            created,
            model: &self.model,
            system_fingerprint: SYSTEM_FINGERPRINT,
            choices: vec![TextChoice {
                text: &self.text,
                index: 0,
                logprobs: None,
                finish_reason: Some(finish_reason(self.done_reason.as_deref(), false)),
            }],
            usage: Some(Usage::from_metrics(&self.metrics)),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/// One entry of `GET /v1/models`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCard {
    pub id: String,
    pub object: String,
    pub created: i64,
    pub owned_by: String,
}

/// `GET /v1/models` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCardList {
    pub object: String,
    pub data: Vec<ModelCard>,
}

impl ModelCardList {
    pub fn new(data: Vec<ModelCard>) -> ModelCardList {
        ModelCardList {
            object: "list".to_owned(),
            data,
        }
    }
}

impl ModelCard {
    /// A card for an installed model (`owned_by` is its namespace, `library` for official ones,
    /// as Ollama reports it) or for one of the router's virtual names.
    pub fn new(name: &str, modified_at: &str, is_virtual: bool) -> ModelCard {
        let owned_by = if is_virtual {
            "ollama-router"
        } else {
            let path = name.split(':').next().unwrap_or(name);
            let segments: Vec<&str> = path.split('/').collect();
            match segments.as_slice() {
                [_] => "library",
                [.., namespace, _] => namespace,
                [] => "library",
            }
        };
        ModelCard {
            id: name.to_owned(),
            object: "model".to_owned(),
            created: rfc3339_to_unix(modified_at).unwrap_or(0),
            owned_by: owned_by.to_owned(),
        }
    }
}

/// Seconds since the Unix epoch for an RFC 3339 timestamp with any offset and fraction
/// (`2025-05-10T08:06:48.639712648-07:00`), as `/api/tags` reports `modified_at`.
pub fn rfc3339_to_unix(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let offset = &rest[1..];
            let (hours, minutes) = offset.split_once(':')?;
            let hours: i64 = hours.parse().ok()?;
            let minutes: i64 = minutes.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // ---- helpers ------------------------------------------------------------------------------

    fn chat(body: Value) -> Result<native::ChatRequest, OpenAiError> {
        let bytes = serde_json::to_vec(&body).unwrap();
        chat_request_to_native(&parse_chat_request(&bytes)?)
    }

    fn chat_ok(body: Value) -> native::ChatRequest {
        chat(body).unwrap()
    }

    fn chat_err(body: Value) -> OpenAiError {
        chat(body).unwrap_err()
    }

    fn parse_err(body: &[u8]) -> OpenAiError {
        parse_chat_request(body).unwrap_err()
    }

    fn user(text: &str) -> Value {
        json!({"role": "user", "content": text})
    }

    fn native_chunk(line: Value) -> native::ChatChunk {
        serde_json::from_value(line).unwrap()
    }

    fn content_chunk(text: &str) -> native::ChatChunk {
        native_chunk(
            json!({"model": "qwen3:8b", "created_at": "2026-08-01T10:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": false}),
        )
    }

    fn final_chunk(done_reason: &str) -> native::ChatChunk {
        native_chunk(
            json!({"model": "qwen3:8b", "created_at": "2026-08-01T10:00:01Z",
            "message": {"role": "assistant", "content": ""}, "done": true,
            "done_reason": done_reason, "prompt_eval_count": 26, "eval_count": 12,
            "eval_duration": 1000}),
        )
    }

    fn tool_chunk(calls: Value) -> native::ChatChunk {
        native_chunk(
            json!({"model": "qwen2.5:7b", "created_at": "2026-08-01T10:00:00Z",
            "message": {"role": "assistant", "content": "", "tool_calls": calls}, "done": false}),
        )
    }

    /// Splits SSE text into its `data:` payloads; `[DONE]` is kept as a string.
    fn sse_frames(sse: &str) -> Vec<Value> {
        assert!(
            sse.is_empty() || sse.ends_with("\n\n"),
            "unterminated frame: {sse:?}"
        );
        sse.split("\n\n")
            .filter(|frame| !frame.is_empty())
            .map(|frame| {
                let data = frame
                    .strip_prefix("data: ")
                    .expect("every frame is a data line");
                if data == "[DONE]" {
                    Value::String("[DONE]".to_owned())
                } else {
                    serde_json::from_str(data).unwrap()
                }
            })
            .collect()
    }

    fn delta(frame: &Value) -> &Value {
        &frame["choices"][0]["delta"]
    }

    // ---- parsing and errors -------------------------------------------------------------------

    #[test]
    fn malformed_json_is_a_400_without_param() {
        let err = parse_err(b"{\"model\": \"auto\", ");
        assert_eq!(err.status, 400);
        assert_eq!(err.error_type, "invalid_request_error");
        assert_eq!(err.param, None);
        assert!(
            err.message.contains("could not parse the JSON body"),
            "{}",
            err.message
        );
        assert!(parse_err(b"  ").message.contains("empty"));
        assert!(parse_err(b"[1, 2]").message.contains("JSON object"));
    }

    #[test]
    fn wrong_typed_known_fields_are_named() {
        let cases: &[(Value, &str)] = &[
            (
                json!({"model": "auto", "messages": [], "temperature": "hot"}),
                "temperature",
            ),
            (json!({"model": 7, "messages": []}), "model"),
            (json!({"model": "auto", "messages": "hi"}), "messages"),
            (
                json!({"model": "auto", "messages": [], "max_tokens": -5}),
                "max_tokens",
            ),
            (
                json!({"model": "auto", "messages": [], "stream": "yes"}),
                "stream",
            ),
            (
                json!({"model": "auto", "messages": [], "stream_options": {"include_usage": 1}}),
                "stream_options",
            ),
            (
                json!({"model": "auto", "messages": [user("hi"), {"role": "assistant", "tool_calls": {}}]}),
                "messages[1].tool_calls",
            ),
            (
                json!({"model": "auto", "messages": [{"role": 3, "content": "x"}]}),
                "messages[0].role",
            ),
            (
                json!({"model": "auto", "messages": [user("hi"), "hello"]}),
                "messages[1]",
            ),
        ];
        for (body, param) in cases {
            let err = parse_err(&serde_json::to_vec(body).unwrap());
            assert_eq!(err.status, 400, "{body}");
            assert_eq!(
                err.param.as_deref(),
                Some(*param),
                "{body}: {}",
                err.message
            );
            assert!(err.message.contains(param), "{}", err.message);
        }
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let native = chat_ok(json!({"model": "auto", "messages": [user("hi")],
            "options": {"num_ctx": 2}, "user": "me", "parallel_tool_calls": false,
            "metadata": {"a": 1}, "store": true}));
        assert!(native.options.is_empty(), "{:?}", native.options);
    }

    #[test]
    fn missing_model_and_empty_messages_are_rejected() {
        let err = chat_err(json!({"messages": [user("hi")]}));
        assert_eq!(err.param.as_deref(), Some("model"));
        let err = chat_err(json!({"model": "auto", "messages": []}));
        assert_eq!(err.message, "[] is too short - 'messages'");
        assert_eq!(err.param.as_deref(), Some("messages"));
        let err = chat_err(json!({"model": "auto", "messages": [{"content": "no role"}]}));
        assert_eq!(err.param.as_deref(), Some("messages[0].role"));
    }

    #[test]
    fn error_bodies_have_openai_shape() {
        let err = OpenAiError::context_length_exceeded(40_000, 32_768);
        let body: Value = serde_json::from_slice(&err.to_json()).unwrap();
        assert_eq!(body["error"]["code"], "context_length_exceeded");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["param"], "messages");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("maximum context length is 32768 tokens"),
            "{message}"
        );
        assert!(message.contains("40000 tokens"), "{message}");

        let err = OpenAiError::with_status(502, "upstream http://127.0.0.1:11434 refused");
        let body: Value = serde_json::from_slice(&err.to_json()).unwrap();
        assert_eq!(
            body,
            json!({"error": {"message": "upstream http://127.0.0.1:11434 refused",
                "type": "api_error", "param": null, "code": null}})
        );
    }

    #[test]
    fn native_errors_keep_status_and_text() {
        let err = OpenAiError::from_native(404, br#"{"error":"model 'llama9' not found"}"#);
        assert_eq!(err.status, 404);
        assert_eq!(err.error_type, "not_found_error");
        assert_eq!(err.message, "model 'llama9' not found");
        assert_eq!(err.code.as_deref(), Some("model_not_found"));

        let err = OpenAiError::from_native(
            400,
            br#"{"error":"\"gemma3:12b\" does not support thinking"}"#,
        );
        assert_eq!(err.error_type, "invalid_request_error");
        assert_eq!(err.message, "\"gemma3:12b\" does not support thinking");

        let err = OpenAiError::from_native(503, b"busy\n");
        assert_eq!(
            (err.error_type, err.message.as_str()),
            ("api_error", "busy")
        );
        let err = OpenAiError::from_native(500, b"");
        assert!(err.message.contains("HTTP 500"), "{}", err.message);
    }

    // ---- request translation ------------------------------------------------------------------

    #[test]
    fn roles_and_plain_content_map_to_native_messages() {
        let native = chat_ok(
            json!({"model": "auto:complex", "stream": true, "messages": [
                {"role": "developer", "content": "Be terse."},
                {"role": "System", "content": "Second system."},
                user("Refactor this"),
                {"role": "assistant", "content": "Done.", "reasoning": "thought about it"},
            ]}),
        );
        assert_eq!(native.model, "auto:complex");
        assert!(native.stream);
        let roles: Vec<&str> = native.messages.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["system", "system", "user", "assistant"]);
        assert_eq!(native.messages[0].content, "Be terse.");
        assert_eq!(
            native.messages[3].thinking.as_deref(),
            Some("thought about it")
        );
        assert_eq!(
            native.think, None,
            "absent effort keeps the model's default"
        );
        assert!(native.tools.is_empty());
        assert_eq!(native.format, None);
    }

    #[test]
    fn content_parts_become_text_and_images() {
        let native = chat_ok(
            json!({"model": "auto", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "What is in"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}},
                {"type": "text", "text": "this picture?"},
                {"type": "image_url", "image_url": "data:;base64,AAAA"},
            ]}]}),
        );
        let message = &native.messages[0];
        assert_eq!(message.content, "What is in\nthis picture?");
        assert_eq!(message.images, ["iVBORw0KGgo=", "AAAA"]);
    }

    #[test]
    fn unusable_images_are_clear_400s() {
        let image = |url: &str| {
            json!({"model": "auto", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "hi"},
                {"type": "image_url", "image_url": {"url": url}}]}]})
        };
        let err = chat_err(image("https://example.com/cat.png"));
        assert_eq!(err.status, 400);
        assert_eq!(
            err.param.as_deref(),
            Some("messages[0].content[1].image_url")
        );
        assert!(err.message.contains("base64 data URL"), "{}", err.message);
        let err = chat_err(image("data:image/gif;base64,R0lG"));
        assert!(err.message.contains("image/gif"), "{}", err.message);
        let err = chat_err(image("data:image/png,rawbytes"));
        assert!(err.message.contains("base64"), "{}", err.message);
        let err = chat_err(json!({"model": "auto", "messages": [{"role": "user",
            "content": [{"type": "file", "file": {}}]}]}));
        assert_eq!(err.param.as_deref(), Some("messages[0].content[0].type"));
        let err = chat_err(json!({"model": "auto", "messages": [{"role": "user", "content": 5}]}));
        assert_eq!(err.param.as_deref(), Some("messages[0].content"));
    }

    #[test]
    fn tool_call_round_trip_history_maps_ids_names_and_arguments() {
        let native = chat_ok(json!({"model": "auto", "messages": [
            user("Weather in Tokyo and Paris?"),
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_a1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Tokyo\"}"}},
                {"id": "call_b2", "type": "function",
                 "function": {"name": "get_time", "arguments": ""}},
            ]},
            {"role": "tool", "tool_call_id": "call_b2", "content": "10:00"},
            {"role": "tool", "tool_call_id": "call_a1", "content": [{"type": "text", "text": "22°C"}]},
            {"role": "tool", "tool_call_id": "call_zz", "name": "explicit", "content": "x"},
            {"role": "tool", "tool_call_id": "call_unknown", "content": "y"},
        ]}));
        let assistant = &native.messages[1];
        assert_eq!(assistant.content, "");
        assert_eq!(assistant.tool_calls.len(), 2);
        assert_eq!(assistant.tool_calls[0].id.as_deref(), Some("call_a1"));
        assert_eq!(assistant.tool_calls[0].function.name, "get_weather");
        assert_eq!(
            assistant.tool_calls[0].function.arguments,
            json!({"city": "Tokyo"})
        );
        assert_eq!(assistant.tool_calls[1].function.index, 1);
        assert_eq!(assistant.tool_calls[1].function.arguments, json!({}));

        let tools = &native.messages[2..];
        assert_eq!(tools[0].tool_name.as_deref(), Some("get_time"));
        assert_eq!(tools[0].tool_call_id.as_deref(), Some("call_b2"));
        assert_eq!(tools[1].tool_name.as_deref(), Some("get_weather"));
        assert_eq!(tools[1].content, "22°C");
        assert_eq!(tools[2].tool_name.as_deref(), Some("explicit"));
        assert_eq!(tools[3].tool_name, None);
    }

    #[test]
    fn invalid_tool_call_arguments_are_rejected() {
        for arguments in [json!("{not json"), json!("[1,2]"), json!(42)] {
            let err = chat_err(json!({"model": "auto", "messages": [
                {"role": "assistant", "tool_calls": [
                    {"id": "c", "function": {"name": "f", "arguments": arguments}}]}]}));
            assert_eq!(
                err.param.as_deref(),
                Some("messages[0].tool_calls[0].function.arguments"),
                "{arguments}"
            );
        }
        // An object instead of a string is accepted, as Ollama does.
        let native = chat_ok(json!({"model": "auto", "messages": [{"role": "assistant",
            "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": {"a": 1}}}]}]}));
        assert_eq!(
            native.messages[0].tool_calls[0].function.arguments,
            json!({"a": 1})
        );
    }

    fn weather_tools() -> Value {
        json!([
            {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
            {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
        ])
    }

    #[test]
    fn tool_choice_selects_tools() {
        let with_choice = |choice: Value| {
            chat(
                json!({"model": "auto", "messages": [user("hi")], "tools": weather_tools(),
                "tool_choice": choice}),
            )
        };
        assert_eq!(with_choice(Value::Null).unwrap().tools.len(), 2);
        assert_eq!(with_choice(json!("auto")).unwrap().tools.len(), 2);
        assert_eq!(with_choice(json!("required")).unwrap().tools.len(), 2);
        assert!(with_choice(json!("none")).unwrap().tools.is_empty());
        let named =
            with_choice(json!({"type": "function", "function": {"name": "get_time"}})).unwrap();
        assert_eq!(named.tools.len(), 1);
        assert_eq!(named.tools[0]["function"]["name"], "get_time");
        let err =
            with_choice(json!({"type": "function", "function": {"name": "nope"}})).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("tool_choice"));
        assert_eq!(
            with_choice(json!("sometimes"))
                .unwrap_err()
                .param
                .as_deref(),
            Some("tool_choice")
        );
        // Tools pass through in OpenAI's shape, which is also native's.
        assert_eq!(
            Value::Array(with_choice(json!("auto")).unwrap().tools),
            weather_tools()
        );
    }

    #[test]
    fn sampling_options_map_to_native_options() {
        let native = chat_ok(json!({"model": "auto", "messages": [user("hi")],
            "max_tokens": 100, "max_completion_tokens": 50, "temperature": 0.2, "top_p": 0.9,
            "seed": 42, "stop": "END", "frequency_penalty": 0.5, "presence_penalty": -0.5}));
        assert_eq!(
            Value::Object(native.options),
            json!({"num_predict": 50, "temperature": 0.2, "top_p": 0.9, "seed": 42,
                "stop": ["END"], "frequency_penalty": 0.5, "presence_penalty": -0.5})
        );
        let native = chat_ok(json!({"model": "auto", "messages": [user("hi")],
            "max_tokens": 100, "stop": ["a", "b"]}));
        assert_eq!(
            Value::Object(native.options),
            json!({"num_predict": 100, "stop": ["a", "b"]})
        );
        // No client temperature → none sent, so the Modelfile's default applies.
        let native = chat_ok(json!({"model": "auto", "messages": [user("hi")], "stop": null}));
        assert!(native.options.is_empty());
        let err = chat_err(json!({"model": "auto", "messages": [user("hi")], "stop": [1]}));
        assert_eq!(err.param.as_deref(), Some("stop"));
    }

    #[test]
    fn response_format_maps_to_native_format() {
        let with_format = |format: Value| {
            chat(json!({"model": "auto", "messages": [user("hi")], "response_format": format}))
        };
        assert_eq!(with_format(json!({"type": "text"})).unwrap().format, None);
        assert_eq!(
            with_format(json!({"type": "json_object"})).unwrap().format,
            Some(json!("json"))
        );
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let native = with_format(json!({"type": "json_schema",
            "json_schema": {"name": "x", "strict": true, "schema": schema}}))
        .unwrap();
        assert_eq!(native.format, Some(schema));
        let err =
            with_format(json!({"type": "json_schema", "json_schema": {"name": "x"}})).unwrap_err();
        assert_eq!(
            err.param.as_deref(),
            Some("response_format.json_schema.schema")
        );
        let err = with_format(json!({"type": "yaml"})).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("response_format.type"));
    }

    #[test]
    fn reasoning_effort_maps_to_think_levels() {
        let cases = [
            ("none", json!(false)),
            ("minimal", json!("low")),
            ("low", json!("low")),
            ("medium", json!("medium")),
            ("high", json!("high")),
            ("xhigh", json!("max")),
            ("max", json!("max")),
        ];
        for (effort, think) in cases {
            let native = chat_ok(json!({"model": "auto", "messages": [user("hi")],
                "reasoning_effort": effort}));
            assert_eq!(native.think, Some(think.clone()), "{effort}");
            let native = chat_ok(json!({"model": "auto", "messages": [user("hi")],
                "reasoning": {"effort": effort}}));
            assert_eq!(native.think, Some(think), "reasoning.effort {effort}");
        }
        let err = chat_err(
            json!({"model": "auto", "messages": [user("hi")], "reasoning_effort": "lots"}),
        );
        assert_eq!(err.param.as_deref(), Some("reasoning_effort"));
    }

    #[test]
    fn unsupported_chat_options_are_rejected_not_ignored() {
        let err = chat_err(json!({"model": "auto", "messages": [user("hi")], "n": 2}));
        assert_eq!(err.param.as_deref(), Some("n"));
        let err = chat_err(json!({"model": "auto", "messages": [user("hi")], "logprobs": true}));
        assert_eq!(err.param.as_deref(), Some("logprobs"));
        chat_ok(json!({"model": "auto", "messages": [user("hi")], "n": 1, "logprobs": false}));
    }

    #[test]
    fn stream_flags_are_read() {
        let request = parse_chat_request(
            br#"{"model":"auto","messages":[],"stream":true,"stream_options":{"include_usage":true},"prompt_cache_key":"ses_1"}"#,
        )
        .unwrap();
        assert!(request.is_stream());
        assert!(request.include_usage());
        assert_eq!(request.prompt_cache_key.as_deref(), Some("ses_1"));
        let request =
            parse_chat_request(br#"{"model":"auto","messages":[],"stream":null}"#).unwrap();
        assert!(!request.is_stream());
        assert!(!request.include_usage());
    }

    // ---- streaming ----------------------------------------------------------------------------

    #[test]
    fn content_stream_has_role_first_then_finish_then_done() {
        let mut stream = ChatStream::new("chatcmpl-abc".to_owned(), 1_754_000_000, false);
        let mut sse = String::new();
        sse.push_str(&stream.push(&content_chunk("Hel")));
        sse.push_str(&stream.push(&content_chunk("")));
        sse.push_str(&stream.push(&content_chunk("lo")));
        assert!(!stream.is_finished());
        sse.push_str(&stream.push(&final_chunk("stop")));
        assert!(stream.is_finished());
        let frames = sse_frames(&sse);
        assert_eq!(frames.len(), 4, "{sse}");
        assert_eq!(
            frames[0],
            json!({"id": "chatcmpl-abc", "object": "chat.completion.chunk", "created": 1_754_000_000,
                "model": "qwen3:8b", "system_fingerprint": "fp_ollama",
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"},
                    "finish_reason": null}]})
        );
        assert_eq!(delta(&frames[1]), &json!({"content": "lo"}));
        assert_eq!(
            frames[2]["choices"][0],
            json!({"index": 0, "delta": {}, "finish_reason": "stop"})
        );
        assert_eq!(frames[3], "[DONE]");
        for frame in &frames[..3] {
            assert_eq!(frame["id"], "chatcmpl-abc");
            assert_eq!(frame["created"], 1_754_000_000);
        }
        // Nothing after the end.
        assert_eq!(stream.push(&content_chunk("late")), "");
    }

    #[test]
    fn thinking_streams_as_reasoning_before_content() {
        let mut stream = ChatStream::new("chatcmpl-t".to_owned(), 1, false);
        let mut sse = stream.push(&native_chunk(json!({"model": "qwen3:8b",
            "message": {"role": "assistant", "content": "", "thinking": "Let me"}, "done": false})));
        sse += &stream.push(&native_chunk(json!({"model": "qwen3:8b",
            "message": {"role": "assistant", "content": "Hi", "thinking": " think"}, "done": false})));
        sse += &stream.push(&final_chunk("stop"));
        let frames = sse_frames(&sse);
        assert_eq!(
            delta(&frames[0]),
            &json!({"role": "assistant", "content": "", "reasoning": "Let me"})
        );
        assert_eq!(
            delta(&frames[1]),
            &json!({"content": "", "reasoning": " think"})
        );
        assert_eq!(delta(&frames[2]), &json!({"content": "Hi"}));
        assert_eq!(frames[3]["choices"][0]["finish_reason"], "stop");
    }

    #[test]
    fn tool_calls_stream_as_complete_deltas_with_positions() {
        let mut stream = ChatStream::new("chatcmpl-xyz".to_owned(), 7, true);
        let mut sse = stream.push(&tool_chunk(json!([
            {"id": "call_k3x9a8mz", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Tokyo"}}}])));
        // A second call in a later chunk, from an Ollama that restarts native indexes and sends no id.
        sse += &stream.push(&tool_chunk(json!([
            {"function": {"index": 0, "name": "get_time", "arguments": {}}}])));
        sse += &stream.push(&final_chunk("stop"));
        let frames = sse_frames(&sse);
        assert_eq!(frames.len(), 5, "{sse}");
        assert_eq!(
            delta(&frames[0]),
            &json!({"role": "assistant", "content": "", "tool_calls": [{"id": "call_k3x9a8mz",
                "index": 0, "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Tokyo\"}"}}]})
        );
        let second = &delta(&frames[1])["tool_calls"][0];
        assert_eq!(second["index"], 1);
        assert_eq!(second["id"], "call_xyz_1");
        assert_eq!(second["function"]["arguments"], "{}");
        assert_eq!(frames[2]["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(frames[3]["choices"], json!([]));
        assert_eq!(
            frames[3]["usage"],
            json!({"prompt_tokens": 26, "completion_tokens": 12, "total_tokens": 38})
        );
        assert_eq!(frames[4], "[DONE]");
    }

    #[test]
    fn parallel_tool_calls_in_one_chunk_get_distinct_indexes() {
        let mut stream = ChatStream::new("chatcmpl-p".to_owned(), 7, false);
        let sse = stream.push(&tool_chunk(json!([
            {"id": "call_1", "function": {"index": 0, "name": "a", "arguments": {"x": 1}}},
            {"id": "call_2", "function": {"index": 1, "name": "b", "arguments": {"y": 2}}}])));
        let frames = sse_frames(&sse);
        let calls = delta(&frames[0])["tool_calls"].as_array().unwrap().clone();
        let summary: Vec<(u64, &str, &str)> = calls
            .iter()
            .map(|c| {
                (
                    c["index"].as_u64().unwrap(),
                    c["id"].as_str().unwrap(),
                    c["function"]["name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(summary, [(0, "call_1", "a"), (1, "call_2", "b")]);
    }

    #[test]
    fn length_finish_and_usage_chunk() {
        let mut stream = ChatStream::new("chatcmpl-l".to_owned(), 7, true);
        let mut sse = stream.push(&content_chunk("truncated ans"));
        sse += &stream.push(&final_chunk("length"));
        let frames = sse_frames(&sse);
        assert_eq!(frames[1]["choices"][0]["finish_reason"], "length");
        assert_eq!(frames[2]["usage"]["completion_tokens"], 12);
        assert_eq!(frames[3], "[DONE]");
    }

    #[test]
    fn usage_chunk_only_when_asked() {
        let mut stream = ChatStream::new("chatcmpl-u".to_owned(), 7, false);
        let frames = sse_frames(&stream.push(&final_chunk("stop")));
        // An empty answer still carries the role, then the finish chunk, and no usage.
        assert_eq!(
            delta(&frames[0]),
            &json!({"role": "assistant", "content": ""})
        );
        assert_eq!(frames[1]["choices"][0]["finish_reason"], "stop");
        assert_eq!(frames[2], "[DONE]");
        assert_eq!(frames.len(), 3);
        assert!(frames.iter().all(|f| f.get("usage").is_none()));
    }

    #[test]
    fn upstream_error_line_ends_the_stream_with_an_error_frame() {
        let mut stream = ChatStream::new("chatcmpl-e".to_owned(), 7, true);
        let mut sse = stream.push(&content_chunk("partial"));
        sse += &stream.push(&native_chunk(
            json!({"error": "an error was encountered while running the model"}),
        ));
        assert!(stream.is_finished());
        sse += &stream.push(&final_chunk("stop"));
        let frames = sse_frames(&sse);
        assert_eq!(frames.len(), 2, "{sse}");
        assert_eq!(
            frames[1],
            json!({"error": {"message": "an error was encountered while running the model",
                "type": "api_error", "param": null, "code": null}})
        );
        assert!(!sse.contains("[DONE]"));
    }

    #[test]
    fn transport_failure_and_early_eof_end_with_error_frames() {
        let mut stream = ChatStream::new("chatcmpl-f".to_owned(), 7, false);
        let _ = stream.push(&content_chunk("part"));
        let sse = stream.end_of_upstream();
        let frame = &sse_frames(&sse)[0];
        assert!(
            frame["error"]["message"]
                .as_str()
                .unwrap()
                .contains("before the answer was complete")
        );
        assert_eq!(stream.fail(&OpenAiError::with_status(502, "again")), "");

        let mut stream = ChatStream::new("chatcmpl-g".to_owned(), 7, false);
        let sse = stream.fail(&OpenAiError::with_status(
            502,
            "connection reset by http://127.0.0.1:11434",
        ));
        assert_eq!(
            sse_frames(&sse)[0]["error"]["message"],
            "connection reset by http://127.0.0.1:11434"
        );
        assert!(stream.is_finished());
    }

    // ---- non-stream ---------------------------------------------------------------------------

    #[test]
    fn non_stream_completion_aggregates_chunks() {
        let mut builder = ChatCompletionBuilder::new();
        builder.push(&native_chunk(json!({"model": "qwen3:8b",
            "message": {"role": "assistant", "content": "", "thinking": "hmm"}, "done": false})));
        builder.push(&content_chunk("Hello"));
        builder.push(&content_chunk(" world"));
        assert!(!builder.is_done());
        builder.push(&final_chunk("stop"));
        assert!(builder.is_done());
        let body: Value = serde_json::from_slice(&builder.finish("chatcmpl-n", 99)).unwrap();
        assert_eq!(
            body,
            json!({"id": "chatcmpl-n", "object": "chat.completion", "created": 99,
                "model": "qwen3:8b", "system_fingerprint": "fp_ollama",
                "choices": [{"index": 0, "message": {"role": "assistant",
                    "content": "Hello world", "reasoning": "hmm"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 26, "completion_tokens": 12, "total_tokens": 38}})
        );
    }

    #[test]
    fn non_stream_tool_calls_round_trip_into_the_next_request() {
        let mut builder = ChatCompletionBuilder::new();
        builder.push(&tool_chunk(json!([
            {"id": "call_abcdefgh", "function": {"index": 0, "name": "get_weather",
             "arguments": {"city": "Tokyo", "unit": "c"}}}])));
        builder.push(&final_chunk("stop"));
        let body: Value = serde_json::from_slice(&builder.finish("chatcmpl-r", 1)).unwrap();
        let choice = &body["choices"][0];
        assert_eq!(choice["finish_reason"], "tool_calls");
        assert_eq!(
            body["model"], "qwen3:8b",
            "the model of the final chunk is reported"
        );
        let message = choice["message"].clone();
        assert_eq!(message["tool_calls"][0]["id"], "call_abcdefgh");
        assert_eq!(message["tool_calls"][0]["type"], "function");

        // The client sends the assistant message back with the tool result; it must reach the
        // model as the same call with object arguments and the tool's name.
        let native = chat_ok(json!({"model": "auto", "messages": [
            user("Weather?"), message,
            {"role": "tool", "tool_call_id": "call_abcdefgh", "content": "22°C"}]}));
        let call = &native.messages[1].tool_calls[0];
        assert_eq!(call.id.as_deref(), Some("call_abcdefgh"));
        assert_eq!(
            call.function.arguments,
            json!({"city": "Tokyo", "unit": "c"})
        );
        assert_eq!(native.messages[2].tool_name.as_deref(), Some("get_weather"));
    }

    // ---- /v1/completions ----------------------------------------------------------------------

    fn completion(body: Value) -> Result<native::GenerateRequest, OpenAiError> {
        let bytes = serde_json::to_vec(&body).unwrap();
        completion_request_to_native(&parse_completion_request(&bytes)?)
    }

    #[test]
    fn completion_request_maps_prompt_suffix_and_options() {
        let native = completion(json!({"model": "auto:quick", "prompt": "def gcd(a, b):",
            "suffix": "    return result", "max_tokens": 64, "temperature": 0, "stop": ["\n\n"]}))
        .unwrap();
        assert_eq!(native.model, "auto:quick");
        assert_eq!(native.prompt, "def gcd(a, b):");
        assert_eq!(native.suffix.as_deref(), Some("    return result"));
        assert!(native.stream);
        assert_eq!(
            Value::Object(native.options),
            json!({"num_predict": 64, "temperature": 0.0, "stop": ["\n\n"]})
        );
        let native =
            completion(json!({"model": "m", "prompt": ["only one"], "suffix": ""})).unwrap();
        assert_eq!(native.prompt, "only one");
        assert_eq!(native.suffix, None);
    }

    #[test]
    fn completion_rejects_what_it_cannot_honour() {
        let cases: &[(Value, &str)] = &[
            (json!({"model": "m", "prompt": "x", "echo": true}), "echo"),
            (
                json!({"model": "m", "prompt": "x", "logprobs": 2}),
                "logprobs",
            ),
            (json!({"model": "m", "prompt": "x", "n": 3}), "n"),
            (
                json!({"model": "m", "prompt": "x", "best_of": 2}),
                "best_of",
            ),
            (json!({"model": "m", "prompt": ["a", "b"]}), "prompt"),
            (json!({"model": "m", "prompt": [1, 2, 3]}), "prompt"),
            (
                json!({"model": "m", "prompt": "x", "max_tokens": "many"}),
                "max_tokens",
            ),
            (json!({"prompt": "x"}), "model"),
        ];
        for (body, param) in cases {
            let err = completion(body.clone()).unwrap_err();
            assert_eq!(err.status, 400, "{body}");
            assert_eq!(
                err.param.as_deref(),
                Some(*param),
                "{body}: {}",
                err.message
            );
        }
        completion(json!({"model": "m", "prompt": "x", "echo": false, "logprobs": null, "n": 1}))
            .unwrap();
    }

    fn generate_chunk(line: Value) -> native::GenerateChunk {
        serde_json::from_value(line).unwrap()
    }

    #[test]
    fn completion_stream_frames() {
        let mut stream = CompletionStream::new("cmpl-1".to_owned(), 5, true);
        let mut sse = stream.push(&generate_chunk(
            json!({"model": "qwen2.5-coder:7b-instruct-q5_K_M",
            "response": "    result = a", "done": false}),
        ));
        sse += &stream.push(&generate_chunk(
            json!({"model": "qwen2.5-coder:7b-instruct-q5_K_M",
            "response": "", "thinking": "ignored", "done": false}),
        ));
        sse += &stream.push(&generate_chunk(json!({"model": "qwen2.5-coder:7b-instruct-q5_K_M",
            "response": "", "done": true, "done_reason": "length", "prompt_eval_count": 9, "eval_count": 4})));
        let frames = sse_frames(&sse);
        assert_eq!(frames.len(), 4, "{sse}");
        assert_eq!(
            frames[0],
            json!({"id": "cmpl-1", "object": "text_completion", "created": 5,
                "model": "qwen2.5-coder:7b-instruct-q5_K_M", "system_fingerprint": "fp_ollama",
                "choices": [{"text": "    result = a", "index": 0, "logprobs": null, "finish_reason": null}]})
        );
        assert_eq!(frames[1]["choices"][0]["finish_reason"], "length");
        assert_eq!(frames[2]["choices"], json!([]));
        assert_eq!(
            frames[2]["usage"],
            json!({"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13})
        );
        assert_eq!(frames[3], "[DONE]");

        let mut stream = CompletionStream::new("cmpl-2".to_owned(), 5, false);
        let sse = stream.push(&generate_chunk(json!({"error": "boom"})));
        assert_eq!(sse_frames(&sse)[0]["error"]["message"], "boom");
        assert!(stream.is_finished());
        assert!(!sse.contains("[DONE]"));
    }

    #[test]
    fn completion_builder_aggregates() {
        let mut builder = CompletionBuilder::new();
        builder.push(&generate_chunk(
            json!({"model": "m", "response": "a", "done": false}),
        ));
        builder.push(&generate_chunk(
            json!({"model": "m", "response": "b", "done": true,
            "done_reason": "stop", "prompt_eval_count": 3, "eval_count": 2}),
        ));
        assert!(builder.is_done());
        let body: Value = serde_json::from_slice(&builder.finish("cmpl-x", 8)).unwrap();
        assert_eq!(
            body,
            json!({"id": "cmpl-x", "object": "text_completion", "created": 8, "model": "m",
                "system_fingerprint": "fp_ollama",
                "choices": [{"text": "ab", "index": 0, "logprobs": null, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
        );
    }

    // ---- models and /v1/responses -------------------------------------------------------------

    #[test]
    fn rfc3339_timestamps_convert_to_unix_seconds() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2025-05-10T08:06:48.639712648-07:00", Some(1_746_889_608)),
            ("2025-05-10T15:06:48Z", Some(1_746_889_608)),
            ("2024-02-29T12:00:00+02:00", Some(1_709_200_800)),
            ("2000-03-01 00:00:00", Some(951_868_800)),
            ("not a date", None),
            ("2025-13-01T00:00:00Z", None),
            ("2025-05-10T08:06:48+0700", None),
        ];
        for (text, expected) in cases {
            assert_eq!(rfc3339_to_unix(text), expected, "{text}");
        }
    }

    #[test]
    fn model_cards_name_their_owner() {
        let card = ModelCard::new("qwen3:8b", "2025-05-10T08:06:48.639712648-07:00", false);
        assert_eq!(
            serde_json::to_value(&card).unwrap(),
            json!({"id": "qwen3:8b", "object": "model", "created": 1_746_889_608, "owned_by": "library"})
        );
        assert_eq!(
            ModelCard::new("jmorgan/llama:7b", "", false).owned_by,
            "jmorgan"
        );
        assert_eq!(
            ModelCard::new("hf.co/bartowski/Qwen-GGUF:Q4", "", false).owned_by,
            "bartowski"
        );
        let card = ModelCard::new("auto:quick", "", true);
        assert_eq!((card.owned_by.as_str(), card.created), ("ollama-router", 0));
    }
}

//! Ollama's OpenAI compatibility layer for chat: `POST /v1/chat/completions`, streaming and not.
//!
//! Written from real Ollama's behaviour (`openai/openai.go` FromChatRequest, ToChunk,
//! ToChatCompletion; `middleware/openai.go` ChatWriter; fixtures 01 and 02 in
//! `reference/ollama-fixtures/`), never from the router's translators: the sim is a referee.
//! Like Ollama, it rewrites the OpenAI request into a native `/api/chat` request, runs the native
//! handler, and rewrites each native chunk into `chat.completion.chunk` SSE frames.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::Sim;
use super::api::{json_response, openai_error};

/// Go's name for a JSON value's decoded type (what Ollama prints in "invalid ... type" errors).
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// `reasoning_effort` -> native `think` (openai/openai.go:531-546).
pub(super) fn think_from_effort(effort: &str) -> Result<Value, String> {
    Ok(match effort {
        "none" => Value::Bool(false),
        "minimal" | "low" => json!("low"),
        "medium" => json!("medium"),
        "high" => json!("high"),
        "max" | "xhigh" | "ultra" => json!("max"),
        other => {
            return Err(format!(
                "invalid reasoning value: \"{other}\" (must be \"minimal\", \"low\", \"medium\", \"high\", \"xhigh\", \"ultra\", \"max\", or \"none\")"
            ));
        }
    })
}

/// Message `content`: a string, or text parts joined (images are not simulated).
fn content_text(content: Option<&Value>) -> Result<String, String> {
    match content {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(parts)) => Ok(parts
            .iter()
            .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect()),
        Some(other) => Err(format!("invalid message content type: {}", go_type(other))),
    }
}

/// OpenAI tool calls -> native ones: `arguments` parsed from its JSON string, `index` numbered.
fn native_tool_calls(calls: &[Value]) -> Result<Vec<Value>, String> {
    calls
        .iter()
        .enumerate()
        .map(|(index, call)| {
            let function = call.get("function").cloned().unwrap_or(Value::Null);
            let name = function.get("name").and_then(Value::as_str).unwrap_or("");
            let arguments = match function.get("arguments") {
                Some(Value::String(s)) if !s.is_empty() => serde_json::from_str::<Value>(s)
                    .map_err(|e| format!("invalid tool call arguments: {e}"))?,
                Some(Value::Object(o)) => Value::Object(o.clone()),
                _ => json!({}),
            };
            let mut out = Map::new();
            if let Some(id) = call.get("id").and_then(Value::as_str) {
                out.insert("id".into(), json!(id));
            }
            out.insert(
                "function".into(),
                json!({ "index": index, "name": name, "arguments": arguments }),
            );
            Ok(Value::Object(out))
        })
        .collect()
}

/// An OpenAI chat request rewritten into the native `/api/chat` request Ollama's middleware
/// builds (`FromChatRequest`). `Err` carries the 400 message.
pub fn chat_request_to_native(request: &Value) -> Result<Value, String> {
    let object = request
        .as_object()
        .ok_or_else(|| "invalid request body".to_owned())?;
    let messages = match object.get("messages") {
        Some(Value::Array(m)) if !m.is_empty() => m,
        _ => return Err("[] is too short - 'messages'".into()),
    };
    // Tool results carry only the call id; Ollama names the tool from the matching call.
    let mut call_names: Vec<(String, String)> = Vec::new();
    let mut native_messages = Vec::with_capacity(messages.len());
    for message in messages {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        let mut out = Map::new();
        out.insert("role".into(), json!(role));
        out.insert(
            "content".into(),
            json!(content_text(message.get("content"))?),
        );
        let reasoning = message
            .get("reasoning")
            .or_else(|| message.get("reasoning_content"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if !reasoning.is_empty() {
            out.insert("thinking".into(), json!(reasoning));
        }
        if let Some(Value::Array(calls)) = message.get("tool_calls") {
            for call in calls {
                if let (Some(id), Some(name)) = (
                    call.get("id").and_then(Value::as_str),
                    call.pointer("/function/name").and_then(Value::as_str),
                ) {
                    call_names.push((id.to_owned(), name.to_owned()));
                }
            }
            out.insert("tool_calls".into(), Value::Array(native_tool_calls(calls)?));
        }
        if let Some(id) = message.get("tool_call_id").and_then(Value::as_str) {
            if let Some((_, name)) = call_names.iter().rev().find(|(c, _)| c == id) {
                out.insert("tool_name".into(), json!(name));
            }
            out.insert("tool_call_id".into(), json!(id));
        }
        native_messages.push(Value::Object(out));
    }

    let mut options = Map::new();
    if let Some(n) = object.get("max_tokens").filter(|v| !v.is_null()) {
        options.insert("num_predict".into(), n.clone());
    }
    for key in ["seed", "frequency_penalty", "presence_penalty"] {
        if let Some(v) = object.get(key).filter(|v| !v.is_null()) {
            options.insert(key.into(), v.clone());
        }
    }
    match object.get("stop") {
        Some(Value::String(s)) => {
            options.insert("stop".into(), json!([s]));
        }
        Some(Value::Array(a)) => {
            options.insert("stop".into(), Value::Array(a.clone()));
        }
        _ => {}
    }
    // Ollama overrides the Modelfile's sampling with OpenAI's defaults (1.0) when unset.
    for key in ["temperature", "top_p"] {
        let value = object.get(key).filter(|v| !v.is_null()).cloned();
        options.insert(key.into(), value.unwrap_or(json!(1.0)));
    }

    let mut native = Map::new();
    native.insert(
        "model".into(),
        object.get("model").cloned().unwrap_or(json!("")),
    );
    native.insert("messages".into(), Value::Array(native_messages));
    native.insert("options".into(), Value::Object(options));
    match object
        .get("response_format")
        .and_then(|f| f.get("type"))
        .and_then(Value::as_str)
    {
        Some("json_object") => {
            native.insert("format".into(), json!("json"));
        }
        Some("json_schema") => {
            if let Some(schema) = request.pointer("/response_format/json_schema/schema") {
                native.insert("format".into(), schema.clone());
            }
        }
        _ => {}
    }
    native.insert(
        "stream".into(),
        json!(
            object
                .get("stream")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
    );
    if let Some(tools) = object.get("tools").filter(|t| !t.is_null()) {
        native.insert("tools".into(), tools.clone());
    }
    // `reasoning.effort` wins over `reasoning_effort` (openai/openai.go:699-703).
    let effort = object
        .get("reasoning")
        .and_then(|r| r.get("effort"))
        .and_then(Value::as_str)
        .or_else(|| object.get("reasoning_effort").and_then(Value::as_str));
    if let Some(effort) = effort {
        native.insert("think".into(), think_from_effort(effort)?);
    }
    Ok(Value::Object(native))
}

/// A native tool call as OpenAI's: arguments as a JSON string, `type: function`.
fn openai_tool_call(call: &Value, position: usize) -> Value {
    let id = call
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("call_{}", fastrand_alnum(8)));
    let index = call
        .pointer("/function/index")
        .and_then(Value::as_u64)
        .unwrap_or(position as u64);
    let arguments = call
        .pointer("/function/arguments")
        .map(|a| a.to_string())
        .unwrap_or_else(|| "{}".into());
    json!({
        "id": id,
        "index": index,
        "type": "function",
        "function": {
            "name": call.pointer("/function/name").cloned().unwrap_or(json!("")),
            "arguments": arguments,
        }
    })
}

fn fastrand_alnum(n: usize) -> String {
    (0..n)
        .map(|_| fastrand::alphanumeric().to_ascii_lowercase())
        .collect()
}

/// One SSE `data:` payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Chunk(Value),
    /// The literal `[DONE]`.
    Done,
}

impl Frame {
    /// The SSE bytes: `data: …\n\n`.
    pub fn to_sse(&self) -> Bytes {
        match self {
            Frame::Chunk(v) => Bytes::from(format!("data: {v}\n\n")),
            Frame::Done => Bytes::from_static(b"data: [DONE]\n\n"),
        }
    }
}

/// Ollama's streaming `ChatWriter`: native chunks in, `chat.completion.chunk` frames out.
#[derive(Debug)]
pub struct ChatWriter {
    id: String,
    include_usage: bool,
    /// Pinned to the first chunk (middleware/openai.go:96-99).
    created: Option<i64>,
    role_sent: bool,
    saw_tool_calls: bool,
}

impl ChatWriter {
    pub fn new(id: impl Into<String>, include_usage: bool) -> ChatWriter {
        ChatWriter {
            id: id.into(),
            include_usage,
            created: None,
            role_sent: false,
            saw_tool_calls: false,
        }
    }

    fn frame(&self, model: &Value, delta: Value, finish: Value) -> Frame {
        Frame::Chunk(json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created.unwrap_or(0),
            "model": model,
            "system_fingerprint": "fp_ollama",
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
        }))
    }

    /// The frames one native chunk becomes; `now` (unix seconds) is used for the first chunk only.
    /// Mirrors `ChatWriter.writeResponse` + `ToStreamChunks` + `FinishChunk`.
    pub fn push(&mut self, native: &Value, now: i64) -> Vec<Frame> {
        let created = *self.created.get_or_insert(now);
        let model = native.get("model").cloned().unwrap_or(json!(""));
        let message = native.get("message").cloned().unwrap_or(json!({}));
        let thinking = message
            .get("thinking")
            .and_then(Value::as_str)
            .unwrap_or("");
        let content = message.get("content").and_then(Value::as_str).unwrap_or("");
        let calls: Vec<Value> = match message.get("tool_calls") {
            Some(Value::Array(c)) => c
                .iter()
                .enumerate()
                .map(|(i, c)| openai_tool_call(c, i))
                .collect(),
            _ => Vec::new(),
        };
        let done = native.get("done").and_then(Value::as_bool).unwrap_or(false);
        let mut frames = Vec::new();
        // The done chunk's metrics-only trailer makes no content frame, unless the stream is
        // still empty (a wholly empty completion still opens with a role frame).
        let empty_trailer =
            done && self.role_sent && content.is_empty() && thinking.is_empty() && calls.is_empty();
        if !empty_trailer {
            let role = (!self.role_sent).then_some(json!("assistant"));
            self.role_sent = true;
            self.saw_tool_calls |= !calls.is_empty();
            let mixed = !thinking.is_empty() && (!content.is_empty() || !calls.is_empty());
            let mut delta = Map::new();
            if let Some(role) = &role {
                delta.insert("role".into(), role.clone());
            }
            if mixed {
                // Reasoning split into its own frame, without a `content` key.
                delta.insert("reasoning".into(), json!(thinking));
                frames.push(self.frame(&model, Value::Object(delta), Value::Null));
                delta = Map::new();
            } else if !thinking.is_empty() {
                delta.insert("reasoning".into(), json!(thinking));
            }
            // `content` is kept even when empty ("" is not omitted in Go's `any`).
            delta.insert("content".into(), json!(content));
            if !calls.is_empty() {
                delta.insert("tool_calls".into(), Value::Array(calls));
            }
            frames.push(self.frame(&model, Value::Object(delta), Value::Null));
        }
        if done {
            // Only `stop` becomes `tool_calls`; any other reason passes through.
            let mut finish = native
                .get("done_reason")
                .and_then(Value::as_str)
                .filter(|r| !r.is_empty())
                .unwrap_or("stop");
            if finish == "stop" && self.saw_tool_calls {
                finish = "tool_calls";
            }
            frames.push(self.frame(&model, json!({}), json!(finish)));
            if self.include_usage {
                frames.push(Frame::Chunk(json!({
                    "id": self.id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_ollama",
                    "choices": [],
                    "usage": usage(native),
                })));
            }
            frames.push(Frame::Done);
        }
        frames
    }
}

fn usage(native: &Value) -> Value {
    let prompt = native
        .get("prompt_eval_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let completion = native
        .get("eval_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    json!({ "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion })
}

/// A non-streaming native answer as `chat.completion` (`ToChatCompletion`).
pub fn chat_completion(id: &str, native: &Value, now: i64) -> Value {
    let message = native.get("message").cloned().unwrap_or(json!({}));
    let mut out = Map::new();
    out.insert("role".into(), json!("assistant"));
    out.insert(
        "content".into(),
        message.get("content").cloned().unwrap_or(json!("")),
    );
    if let Some(t) = message
        .get("thinking")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        out.insert("reasoning".into(), json!(t));
    }
    let calls: Vec<Value> = match message.get("tool_calls") {
        Some(Value::Array(c)) => c
            .iter()
            .enumerate()
            .map(|(i, c)| openai_tool_call(c, i))
            .collect(),
        _ => Vec::new(),
    };
    // `stop` with tool calls becomes `tool_calls`; an empty reason is `null`.
    let finish = match native.get("done_reason").and_then(Value::as_str) {
        Some("stop") if !calls.is_empty() => json!("tool_calls"),
        Some(reason) if !reason.is_empty() => json!(reason),
        _ => Value::Null,
    };
    if !calls.is_empty() {
        out.insert("tool_calls".into(), Value::Array(calls));
    }
    json!({
        "id": id,
        "object": "chat.completion",
        "created": now,
        "model": native.get("model").cloned().unwrap_or(json!("")),
        "system_fingerprint": "fp_ollama",
        "choices": [{ "index": 0, "message": Value::Object(out), "finish_reason": finish }],
        "usage": usage(native),
    })
}

pub(super) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A native error response (`{"error": "..."}`) re-shaped as OpenAI's error body.
async fn wrap_error(response: Response) -> Response {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    openai_error(status, &message)
}

/// `POST /v1/chat/completions`.
pub(super) async fn chat_completions(State(sim): State<Sim>, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return openai_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let native = match chat_request_to_native(&request) {
        Ok(n) => n,
        Err(message) => return openai_error(StatusCode::BAD_REQUEST, &message),
    };
    let stream = native
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let include_usage = request
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let id = format!("chatcmpl-{}", fastrand::u32(0..999));
    let response = super::inference::chat(State(sim), Bytes::from(native.to_string())).await;
    if response.status() != StatusCode::OK {
        return wrap_error(response).await;
    }
    if !stream {
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        return match serde_json::from_slice::<Value>(&body) {
            Ok(v) if v.get("error").is_some() => openai_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                v["error"].as_str().unwrap_or(""),
            ),
            Ok(v) => json_response(StatusCode::OK, &chat_completion(&id, &v, unix_now())),
            Err(e) => openai_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
    }
    let writer = ChatWriter::new(id, include_usage);
    let data = response.into_body().into_data_stream();
    let frames = futures_util::stream::unfold(
        (data, Vec::<u8>::new(), writer, false),
        |(mut data, mut buf, mut writer, finished)| async move {
            if finished {
                return None;
            }
            loop {
                if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=pos).collect();
                    let Ok(value) = serde_json::from_slice::<Value>(&line) else {
                        continue;
                    };
                    // An `{"error"}` line mid-stream: Ollama's writer decodes it as an empty
                    // ChatResponse (one empty, model-less content frame) and the stream ends
                    // with no finish frame and no [DONE].
                    let failed = value.get("error").is_some();
                    let out: Vec<u8> = writer
                        .push(&value, unix_now())
                        .iter()
                        .flat_map(|f| f.to_sse().to_vec())
                        .collect();
                    if out.is_empty() && !failed {
                        continue;
                    }
                    return Some((
                        Ok::<_, std::io::Error>(Bytes::from(out)),
                        (data, buf, writer, failed),
                    ));
                }
                match data.next().await {
                    Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                    _ => return None,
                }
            }
        },
    );
    let mut response = Response::new(Body::from_stream(frames));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    response
}

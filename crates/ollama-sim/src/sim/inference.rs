//! `/api/chat` and `/api/generate`: validation in Ollama's order with its texts, scheduling,
//! truncation, the deterministic answer, streamed as NDJSON (or one JSON object), timing, and
//! failure injection (`reference/ollama-protocol.md` §1.5, §1.6, §2.2, §2.3).
//!
//! The stream is lazy: each line is produced when hyper polls for it, so a client disconnect drops
//! the stream and with it the in-flight guard, which frees the runner (Ollama cancels the request
//! context the same way).

use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::library::Capability;

use super::answer::{self, Answer, AnswerInput, Piece};
use super::api::{go_error, json_response, json_response_with_type};
use super::gowire::{
    JsonType, KeepAlive, Think, bool_option, decode_body, expect_field, go_html_escape, go_quote,
    int_option, parse_keep_alive, parse_think, rfc3339_nano, unmarshal_field_error,
    unmarshal_value_error, validate_options,
};
use super::memory::{self, KvType, RunnerShape};
use super::models::{self, InstalledModel};
use super::sched::{Placement, RunnerOptions, Want};
use super::tokens::{self, ChatPart, ContextRules, DEFAULT_NUM_KEEP, Fit, MessageTokens};
use super::{FailurePlan, RequestRecord, Sim, State as SimState};

/// Prompt evaluation speed (tokens per second).
const PROMPT_TOKENS_PER_SECOND: f64 = 2000.0;

/// Scheduling overhead reported as `load_duration` when the runner was already loaded.
const WARM_LOAD_DURATION: Duration = Duration::from_millis(1);

/// `errtypes.InvalidModelNameErrMsg`: what chat and generate answer (400) for a name that
/// `model.ParseName` cannot qualify, e.g. `bad name!!` (fixture 10).
const INVALID_MODEL_NAME: &str = "invalid model name";

/// Below this much total VRAM Ollama runs in "low VRAM mode" (no gpt-oss 8K minimum).
const LOW_VRAM_THRESHOLD: u64 = 20 * 1024 * 1024 * 1024;

/// A runner acquired for one request.
pub(super) struct Scheduled {
    pub placement: Placement,
    pub num_ctx: u32,
}

impl Scheduled {
    pub fn load_duration(&self) -> Duration {
        if self.placement.loaded_fresh {
            self.placement.load_time
        } else {
            WARM_LOAD_DURATION
        }
    }
}

impl Sim {
    /// The runner context for a request: `options.num_ctx`, else the server default; at least 4
    /// (2048 for vision models, 8192 for gpt-oss outside low-VRAM mode); at most the trained
    /// context.
    fn resolve_num_ctx(&self, model: &InstalledModel, options: &Map<String, Value>) -> u32 {
        let requested =
            int_option(options, "num_ctx").unwrap_or(i64::from(self.inner.config.default_num_ctx));
        let mut num_ctx = requested.clamp(4, i64::from(u32::MAX)) as u32;
        if model.has(Capability::Vision) {
            num_ctx = num_ctx.max(2048);
        }
        if model.arch.name == "gptoss" && self.inner.config.vram_total >= LOW_VRAM_THRESHOLD {
            num_ctx = num_ctx.max(8192);
        }
        num_ctx.min(model.arch.context_length)
    }

    /// Acquires a runner (loading, reloading, evicting as needed) and counts the request; never
    /// waits (embeddings).
    pub(super) fn schedule(
        &self,
        state: &mut SimState,
        model: &InstalledModel,
        options: &Map<String, Value>,
        keep_alive: Option<KeepAlive>,
        shift: bool,
        now: SystemTime,
    ) -> Scheduled {
        self.schedule_or_wait(state, model, options, keep_alive, shift, now, false, None)
            .expect("a forced schedule never waits")
    }

    /// [`Sim::schedule`], or `None` when `wait` and Ollama would queue the request (a busy
    /// slot, a reload behind requests in flight, another load under way). `prompt`, the token
    /// ids the runner will evaluate, chooses the slot and fills its cache.
    #[allow(clippy::too_many_arguments)]
    fn schedule_or_wait(
        &self,
        state: &mut SimState,
        model: &InstalledModel,
        options: &Map<String, Value>,
        keep_alive: Option<KeepAlive>,
        shift: bool,
        now: SystemTime,
        wait: bool,
        prompt: Option<&[u32]>,
    ) -> Option<Scheduled> {
        let num_ctx = self.resolve_num_ctx(model, options);
        let config = &self.inner.config;
        let parallel = if model.is_embedding() {
            1
        } else {
            config.num_parallel.max(1)
        };
        let cells = u64::from(num_ctx) * u64::from(parallel);
        let num_batch = int_option(options, "num_batch")
            .and_then(|b| u32::try_from(b).ok())
            .filter(|b| *b > 0)
            .unwrap_or_else(|| {
                memory::auto_num_batch(cells, config.flash_attention, config.vram_total)
            });
        let runner_options = RunnerOptions {
            num_ctx,
            num_batch: i64::from(num_batch),
            num_gpu: int_option(options, "num_gpu").unwrap_or(-1),
            main_gpu: int_option(options, "main_gpu").unwrap_or(0),
            use_mmap: bool_option(options, "use_mmap"),
            num_thread: int_option(options, "num_thread").unwrap_or(0),
            context_shift: shift,
        };
        let shape = model.shape();
        let want = Want {
            key: &model.digest,
            model_name: &model.name,
            options: runner_options,
            predicted: memory::predict_server_vram(&shape, num_ctx, parallel)
                + memory::batch_surcharge(num_batch),
            runner: RunnerShape {
                num_ctx,
                num_parallel: parallel,
                num_batch,
                flash_attention: config.flash_attention,
                kv_type: if config.flash_attention {
                    config.kv_cache_type
                } else {
                    KvType::F16
                },
            },
            shape,
            keep_alive,
            prompt,
        };
        let limits = self.limits(state);
        let placement = if wait {
            state.sched.try_acquire(&want, &limits, now)?
        } else {
            state.sched.acquire(&want, &limits, now)
        };
        state.sched.stats.requests += 1;
        if placement.memory.spilled() {
            state.sched.stats.spilled_requests += 1;
        }
        Some(Scheduled { placement, num_ctx })
    }
}

/// Releases the runner when the request ends, however it ends (done, error, client gone).
struct InFlight {
    sim: Sim,
    runner_id: u64,
    slot: usize,
}

impl InFlight {
    /// The runner finished loading: the next load may start (Ollama loads one at a time).
    fn loaded(&self) {
        self.sim.state().sched.loaded(self.runner_id);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.sim
            .state()
            .sched
            .release_slot(self.runner_id, Some(self.slot), SystemTime::now());
    }
}

/// Fields common to chat and generate after parsing.
#[derive(Clone)]
struct Common {
    model: String,
    options: Map<String, Value>,
    options_raw: Value,
    format: Option<Value>,
    stream: bool,
    think: Option<Think>,
    think_raw: Value,
    keep_alive: Option<KeepAlive>,
    keep_alive_raw: Value,
    /// `truncate` (default true).
    truncate: bool,
    /// `shift`, when the request sets it.
    shift: Option<bool>,
}

fn parse_common(object: &Map<String, Value>, go_struct: &str) -> Result<Common, String> {
    for (field, expected, go_type) in [
        ("model", JsonType::String, "string"),
        ("stream", JsonType::Bool, "bool"),
        ("options", JsonType::Object, "map[string]interface {}"),
        ("truncate", JsonType::Bool, "bool"),
        ("shift", JsonType::Bool, "bool"),
    ] {
        expect_field(object, field, expected, go_struct, "", go_type)?;
    }
    let keep_alive_raw = object.get("keep_alive").cloned().unwrap_or(Value::Null);
    let think_raw = object.get("think").cloned().unwrap_or(Value::Null);
    let options_raw = object.get("options").cloned().unwrap_or(Value::Null);
    Ok(Common {
        model: object
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        options: options_raw.as_object().cloned().unwrap_or_default(),
        format: object.get("format").filter(|f| !f.is_null()).cloned(),
        stream: object
            .get("stream")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        think: parse_think(&think_raw)?,
        keep_alive: parse_keep_alive(&keep_alive_raw)?,
        truncate: object
            .get("truncate")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        shift: object.get("shift").and_then(Value::as_bool),
        think_raw,
        keep_alive_raw,
        options_raw,
    })
}

#[derive(Clone)]
struct ChatMessage {
    role: String,
    content: String,
    images: usize,
    /// One key per image ([`image_key`]).
    image_keys: Vec<u32>,
    /// Each tool call's function as `{"name":…,"arguments":…}` JSON (what the template prints).
    tool_calls: Vec<String>,
}

#[derive(Clone)]
struct ChatRequest {
    common: Common,
    messages: Vec<ChatMessage>,
    tools: Vec<Value>,
    /// Each tool definition as JSON (one line each in the template).
    tools_json: Vec<String>,
}

fn parse_chat(value: &Value) -> Result<ChatRequest, String> {
    let Value::Object(object) = value else {
        return Err(unmarshal_value_error(value, "api.ChatRequest"));
    };
    expect_field(
        object,
        "messages",
        JsonType::Array,
        "ChatRequest",
        "",
        "[]api.Message",
    )?;
    expect_field(
        object,
        "tools",
        JsonType::Array,
        "ChatRequest",
        "",
        "api.Tools",
    )?;
    let common = parse_common(object, "ChatRequest")?;
    let mut messages = Vec::new();
    for item in object
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Value::Object(message) = item else {
            return Err(unmarshal_field_error(
                item,
                "ChatRequest",
                "messages",
                "api.Message",
            ));
        };
        for (field, expected, go_type) in [
            ("role", JsonType::String, "string"),
            ("content", JsonType::String, "string"),
            ("thinking", JsonType::String, "string"),
            ("images", JsonType::Array, "[]api.ImageData"),
            ("tool_calls", JsonType::Array, "[]api.ToolCall"),
            ("tool_name", JsonType::String, "string"),
        ] {
            expect_field(message, field, expected, "Message", "messages.", go_type)?;
        }
        messages.push(ChatMessage {
            // Ollama lower-cases roles on input.
            role: message
                .get("role")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase(),
            content: message
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            images: message
                .get("images")
                .and_then(Value::as_array)
                .map_or(0, Vec::len),
            image_keys: message
                .get("images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(image_key)
                .collect(),
            tool_calls: message
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|call| call.get("function").unwrap_or(call).to_string())
                .collect(),
        });
    }
    let tools = object
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tools_json = tools.iter().map(Value::to_string).collect();
    Ok(ChatRequest {
        common,
        messages,
        tools,
        tools_json,
    })
}

#[derive(Clone)]
struct GenerateRequest {
    common: Common,
    prompt: String,
    suffix: String,
    system: String,
    template: String,
    has_context: bool,
    raw: bool,
    images: usize,
    /// One key per image ([`image_key`]).
    image_keys: Vec<u32>,
}

fn parse_generate(value: &Value) -> Result<GenerateRequest, String> {
    let Value::Object(object) = value else {
        return Err(unmarshal_value_error(value, "api.GenerateRequest"));
    };
    for (field, expected, go_type) in [
        ("prompt", JsonType::String, "string"),
        ("suffix", JsonType::String, "string"),
        ("system", JsonType::String, "string"),
        ("template", JsonType::String, "string"),
        ("context", JsonType::Array, "[]int"),
        ("raw", JsonType::Bool, "bool"),
        ("images", JsonType::Array, "[]api.ImageData"),
    ] {
        expect_field(object, field, expected, "GenerateRequest", "", go_type)?;
    }
    let common = parse_common(object, "GenerateRequest")?;
    let text = |field: &str| {
        object
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Ok(GenerateRequest {
        common,
        prompt: text("prompt"),
        suffix: text("suffix"),
        system: text("system"),
        template: text("template"),
        has_context: object
            .get("context")
            .and_then(Value::as_array)
            .is_some_and(|c| !c.is_empty()),
        raw: object.get("raw").and_then(Value::as_bool).unwrap_or(false),
        images: object
            .get("images")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        image_keys: object
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(image_key)
            .collect(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Chat,
    Generate { raw: bool },
}

/// Everything needed to produce the answer once the lock is released.
struct Job {
    endpoint: Endpoint,
    /// The model name as the client sent it (Ollama echoes it verbatim).
    model: String,
    stream: bool,
    has_tools: bool,
    /// Tool calls ride in the `done` chunk instead of a chunk of their own ([`tool_calls_at_done`]).
    tool_calls_at_done: bool,
    answer: Answer,
    /// `prompt_eval_count`.
    evaluated: u64,
    load: Duration,
    /// Time spent queued for the runner (already waited; reported inside `load_duration`, as
    /// Ollama measures from the request's arrival).
    queued: Duration,
    prompt: Duration,
    per_token: Duration,
    sleep: bool,
    failure: Option<FailurePlan>,
    runner_id: u64,
    slot: usize,
}

impl Job {
    fn eval_duration(&self) -> Duration {
        self.per_token
            .saturating_mul(u32::try_from(self.answer.eval_count).unwrap_or(u32::MAX))
    }

    fn total_duration(&self) -> Duration {
        self.load + self.prompt + self.eval_duration()
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            total_duration: nanos(self.total_duration() + self.queued),
            load_duration: nanos(self.load + self.queued),
            prompt_eval_count: self.evaluated,
            prompt_eval_duration: nanos(self.prompt),
            eval_count: self.answer.eval_count,
            eval_duration: nanos(self.eval_duration()),
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What handling decided before any byte is sent.
enum Prepared {
    Respond(Response),
    Run(Job),
    /// Ollama would queue the request: retry once the scheduler changes.
    Wait,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `api.Metrics`, all `omitempty`.
#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Metrics {
    #[serde(skip_serializing_if = "is_zero")]
    total_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    load_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    prompt_eval_count: u64,
    #[serde(skip_serializing_if = "is_zero")]
    prompt_eval_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    eval_count: u64,
    #[serde(skip_serializing_if = "is_zero")]
    eval_duration: u64,
}

/// `api.Message` on the response side.
#[derive(Debug, Clone, Serialize)]
struct MessageOut {
    role: &'static str,
    content: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    thinking: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<Value>,
}

/// `api.ChatResponse` (field order as Go marshals it at v0.33: `done` before `done_reason`,
/// fixture 10).
#[derive(Debug, Clone, Serialize)]
struct ChatOut<'a> {
    model: &'a str,
    created_at: String,
    message: MessageOut,
    done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_reason: Option<&'a str>,
    #[serde(flatten)]
    metrics: Metrics,
}

/// `api.GenerateResponse` (field order as Go marshals it).
#[derive(Debug, Clone, Serialize)]
struct GenerateOut<'a> {
    model: &'a str,
    created_at: String,
    response: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    thinking: String,
    done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<Vec<u32>>,
    #[serde(flatten)]
    metrics: Metrics,
}

/// The answer's text parts accumulated (what a non-streaming response carries).
#[derive(Default)]
struct Accumulated {
    content: String,
    thinking: String,
    tool_calls: Vec<Value>,
}

fn accumulate<'a>(pieces: impl IntoIterator<Item = &'a Piece>) -> Accumulated {
    let mut acc = Accumulated::default();
    for piece in pieces {
        match piece {
            Piece::Thinking(t) => acc.thinking.push_str(t),
            Piece::Content(c) => acc.content.push_str(c),
            Piece::ToolCall(call) => acc.tool_calls.push(call.clone()),
        }
    }
    acc
}

/// A deterministic stand-in for the `context` token array of `/api/generate`.
fn context_tokens(count: u64) -> Vec<u32> {
    (0..count).map(|i| (i % 151_643) as u32).collect()
}

/// Renders one response object: a streamed piece (`piece`), or the final one (`done`), which
/// carries the accumulated text when `aggregate` is given (non-streaming).
fn render(
    job: &Job,
    piece: Option<&Piece>,
    done: bool,
    aggregate: Option<Accumulated>,
    now: SystemTime,
) -> Vec<u8> {
    let single = piece.map(|p| accumulate([p]));
    let held_back = (done && job.stream && job.tool_calls_at_done).then(|| {
        accumulate(
            job.answer
                .pieces
                .iter()
                .filter(|p| matches!(p, Piece::ToolCall(_))),
        )
    });
    let parts = aggregate.or(single).or(held_back).unwrap_or_default();
    let (done_reason, metrics) = if done {
        (Some(job.answer.done_reason), job.metrics())
    } else {
        (None, Metrics::default())
    };
    let created_at = rfc3339_nano(now);
    let rendered = match job.endpoint {
        Endpoint::Chat => serde_json::to_vec(&ChatOut {
            model: &job.model,
            created_at,
            message: MessageOut {
                role: "assistant",
                content: parts.content,
                thinking: parts.thinking,
                tool_calls: if job.has_tools {
                    parts.tool_calls
                } else {
                    Vec::new()
                },
            },
            done_reason,
            done,
            metrics,
        }),
        Endpoint::Generate { raw } => serde_json::to_vec(&GenerateOut {
            model: &job.model,
            created_at,
            response: parts.content,
            thinking: parts.thinking,
            done,
            done_reason,
            context: (done && !raw).then(|| context_tokens(job.evaluated + job.answer.eval_count)),
            metrics,
        }),
    };
    rendered.map(go_html_escape).unwrap_or_else(|err| {
        tracing::error!(%err, "sim: failed to serialise a chunk");
        b"{}".to_vec()
    })
}

fn error_line(message: &str) -> Bytes {
    let mut line = go_html_escape(json!({ "error": message }).to_string().into_bytes());
    line.push(b'\n');
    Bytes::from(line)
}

fn piece_tokens(piece: &Piece) -> u32 {
    match piece {
        Piece::ToolCall(call) => {
            u32::try_from(tokens::text_tokens(&call.to_string()).max(1)).unwrap_or(u32::MAX)
        }
        _ => 1,
    }
}

/// Where the stream stands between polls.
struct StreamState {
    job: Job,
    _in_flight: InFlight,
    next: usize,
    finished: bool,
}

async fn run(sim: Sim, job: Job) -> Response {
    let in_flight = InFlight {
        sim,
        runner_id: job.runner_id,
        slot: job.slot,
    };
    if job.sleep {
        tokio::time::sleep(job.load).await;
    }
    in_flight.loaded();
    if let Some(failure) = &job.failure
        && (failure.after_chunks == 0 || !job.stream)
    {
        let status =
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // streamResponse sets a bare `application/json` before writing an early error;
        // the non-streaming path goes through c.JSON (with charset).
        let content_type = if job.stream {
            "application/json"
        } else {
            super::api::JSON_UTF8
        };
        if job.sleep {
            tokio::time::sleep(job.prompt).await;
        }
        drop(in_flight);
        return json_response_with_type(status, &json!({ "error": failure.error }), content_type);
    }

    if !job.stream {
        if job.sleep {
            tokio::time::sleep(job.prompt + job.eval_duration()).await;
        }
        let body = render(
            &job,
            None,
            true,
            Some(accumulate(&job.answer.pieces)),
            SystemTime::now(),
        );
        drop(in_flight);
        return (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(super::api::JSON_UTF8),
            )],
            body,
        )
            .into_response();
    }

    // Ollama writes the response headers with the first chunk, i.e. after the load and the
    // prompt evaluation (fixture 10): a client sees nothing until then.
    if job.sleep {
        tokio::time::sleep(job.prompt).await;
    }
    let state = StreamState {
        job,
        _in_flight: in_flight,
        next: 0,
        finished: false,
    };
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        if st.finished {
            return None;
        }
        let pieces = st.job.answer.pieces.len();
        // Tool calls held for the `done` chunk are generated (and paid for) now but not sent:
        // the next line is the chunk after them.
        while st.job.tool_calls_at_done
            && st.next < pieces
            && matches!(st.job.answer.pieces[st.next], Piece::ToolCall(_))
        {
            if st.job.sleep {
                let piece = &st.job.answer.pieces[st.next];
                tokio::time::sleep(st.job.per_token.saturating_mul(piece_tokens(piece))).await;
            }
            st.next += 1;
        }
        let idx = st.next;
        if let Some(failure) = &st.job.failure
            && (idx as u64 >= failure.after_chunks || idx == pieces)
        {
            st.finished = true;
            return Some((Ok::<Bytes, Infallible>(error_line(&failure.error)), st));
        }
        let mut line = if idx < pieces {
            let piece = &st.job.answer.pieces[idx];
            if st.job.sleep {
                tokio::time::sleep(st.job.per_token.saturating_mul(piece_tokens(piece))).await;
            }
            st.next += 1;
            render(&st.job, Some(piece), false, None, SystemTime::now())
        } else {
            st.finished = true;
            render(&st.job, None, true, None, SystemTime::now())
        };
        line.push(b'\n');
        Some((Ok(Bytes::from(line)), st))
    });
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        )],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The chat shape of a load/unload answer (always plain JSON, even when streaming was asked).
fn chat_lifecycle(model: &str, reason: &str, now: SystemTime) -> Response {
    json_response(
        StatusCode::OK,
        &ChatOut {
            model,
            created_at: rfc3339_nano(now),
            message: MessageOut {
                role: "assistant",
                content: String::new(),
                thinking: String::new(),
                tool_calls: Vec::new(),
            },
            done_reason: Some(reason),
            done: true,
            metrics: Metrics::default(),
        },
    )
}

fn generate_lifecycle(model: &str, reason: &str, now: SystemTime) -> Response {
    json_response(
        StatusCode::OK,
        &GenerateOut {
            model,
            created_at: rfc3339_nano(now),
            response: String::new(),
            thinking: String::new(),
            done: true,
            done_reason: Some(reason),
            context: None,
            metrics: Metrics::default(),
        },
    )
}

/// The parts a [`Job`] is made of.
struct JobInput<'a> {
    endpoint: Endpoint,
    common: &'a Common,
    model: &'a InstalledModel,
    scheduled: &'a Scheduled,
    answer: Answer,
    evaluated: u64,
    has_tools: bool,
}

/// Builds the log entry for a request.
struct RecordInput<'a> {
    path: &'static str,
    kind: &'static str,
    common: &'a Common,
    loaded_model: &'a str,
    num_ctx: Option<u32>,
    fit: Option<&'a Fit>,
    placement: Option<&'a Placement>,
    has_tools: bool,
}

fn record(input: RecordInput<'_>) -> RequestRecord {
    let c = input.common;
    RequestRecord {
        path: input.path.into(),
        kind: input.kind.into(),
        model: c.model.clone(),
        loaded_model: input.loaded_model.into(),
        num_ctx: input.num_ctx,
        requested_num_ctx: c.options.get("num_ctx").cloned().unwrap_or(Value::Null),
        options: c.options_raw.clone(),
        prompt_tokens: input.fit.map_or(0, |f| f.prompt_tokens),
        prompt_eval_count: input.fit.map_or(0, |f| f.evaluated),
        truncated: input.fit.is_some_and(|f| f.truncated),
        reloaded: input.placement.is_some_and(|p| p.reloaded),
        loaded_fresh: input.placement.is_some_and(|p| p.loaded_fresh),
        think: c.think_raw.clone(),
        stream: c.stream,
        has_tools: input.has_tools,
        keep_alive: c.keep_alive_raw.clone(),
    }
}

impl Sim {
    /// The context rules of a request: its runner's `num_ctx`, `truncate`, context shift
    /// (`shift`, else off for deepseek2 models as Ollama's scheduler decides, on otherwise) and
    /// `num_keep`.
    fn context_rules(&self, model: &InstalledModel, common: &Common, num_ctx: u32) -> ContextRules {
        ContextRules {
            num_ctx,
            truncate: common.truncate,
            shift: common.shift.unwrap_or_else(|| default_context_shift(model)),
            num_keep: int_option(&common.options, "num_keep").unwrap_or(DEFAULT_NUM_KEEP),
        }
    }

    /// A 400 from the runner: the request ends, the runner stays loaded.
    fn refuse(
        &self,
        state: &mut SimState,
        scheduled: &Scheduled,
        refusal: tokens::RunnerRefusal,
        now: SystemTime,
    ) -> Response {
        state.sched.release_slot(
            scheduled.placement.runner_id,
            Some(scheduled.placement.slot),
            now,
        );
        state.sched.stats.refused_too_long += 1;
        go_error(StatusCode::BAD_REQUEST, &refusal.message())
    }

    /// Tokens per second of a model placed as `placed` ([`memory::tokens_per_second`]).
    fn tokens_per_second(&self, model: &InstalledModel, placed: &memory::Placement) -> f64 {
        let full = model.full_gpu_tps(self.inner.config.bandwidth_gbps);
        memory::tokens_per_second(full, &model.shape(), placed).max(0.1)
    }

    fn job(&self, state: &mut SimState, input: JobInput<'_>) -> Job {
        let placement = &input.scheduled.placement;
        let tps = self.tokens_per_second(input.model, &placement.memory);
        // Prompt evaluation: 2000 tok/s for a model as fast as qwen3:8b (72 tok/s), scaled with
        // the model's speed and slowed by a spill like generation.
        let full = input.model.full_gpu_tps(self.inner.config.bandwidth_gbps);
        let prompt_tps = PROMPT_TOKENS_PER_SECOND * full / 72.0 * (tps / full);
        Job {
            endpoint: input.endpoint,
            model: input.common.model.clone(),
            stream: input.common.stream,
            has_tools: input.has_tools,
            tool_calls_at_done: input.endpoint == Endpoint::Chat && tool_calls_at_done(input.model),
            evaluated: input.evaluated,
            load: input.scheduled.load_duration(),
            queued: Duration::ZERO,
            // Only what the slot's cache did not hold is evaluated (llama-server's `prompt_n`);
            // `prompt_eval_count` still reports the whole prompt (Ollama ≥ 0.30 reports
            // `cache_n + prompt_n`, `llm/llama_server.go` promptEvalCount).
            prompt: Duration::from_secs_f64(
                input.evaluated.saturating_sub(placement.cached).max(1) as f64
                    / prompt_tps.max(1.0),
            ),
            per_token: Duration::from_secs_f64(1.0 / tps),
            sleep: !self.inner.config.fast,
            failure: Sim::take_failure(state),
            runner_id: placement.runner_id,
            slot: placement.slot,
            answer: input.answer,
        }
    }

    fn prepare_chat(&self, req: ChatRequest, now: SystemTime) -> Prepared {
        let common = &req.common;
        // `modelref.ParseRef` trims the name: a blank one is "required", a malformed one invalid.
        if common.model.trim().is_empty() {
            return Prepared::Respond(go_error(StatusCode::BAD_REQUEST, "model is required"));
        }
        if !models::is_valid_name(&common.model) {
            return Prepared::Respond(go_error(StatusCode::BAD_REQUEST, INVALID_MODEL_NAME));
        }
        // Tokenized before taking the lock: a 64 KB paste takes milliseconds.
        let messages: Vec<(bool, Vec<u32>)> = req
            .messages
            .iter()
            .map(|m| {
                let part = ChatPart {
                    role: &m.role,
                    content: &m.content,
                    tool_calls: &m.tool_calls,
                    images: m.images,
                };
                (
                    m.role == "system",
                    tokens::message_ids(&part, &m.image_keys),
                )
            })
            .collect();
        let tools = tokens::tools_ids(&req.tools_json);
        let mut state = self.state();
        let Some(model) = state.find_model(&common.model).cloned() else {
            return Prepared::Respond(go_error(
                StatusCode::NOT_FOUND,
                &format!("model '{}' not found", common.model),
            ));
        };
        if req.messages.is_empty() && common.keep_alive.is_some_and(KeepAlive::is_zero) {
            state.sched.unload(&model.digest);
            state.log.push(record(RecordInput {
                path: "/api/chat",
                kind: "unload",
                common,
                loaded_model: &model.name,
                num_ctx: None,
                fit: None,
                placement: None,
                has_tools: !req.tools.is_empty(),
            }));
            return Prepared::Respond(chat_lifecycle(&common.model, "unload", now));
        }
        let think = match thinking(&model, common) {
            Ok(think) => think,
            Err(message) => {
                return Prepared::Respond(go_error(StatusCode::BAD_REQUEST, &message));
            }
        };
        if !model.has(Capability::Completion) {
            return Prepared::Respond(go_error(
                StatusCode::BAD_REQUEST,
                &format!("{} does not support chat", go_quote(&common.model)),
            ));
        }
        if !req.tools.is_empty() && !model.has(Capability::Tools) {
            return Prepared::Respond(go_error(
                StatusCode::BAD_REQUEST,
                &format!("{} does not support tools", model.full_name()),
            ));
        }
        if let Err(message) = validate_options(&common.options) {
            return Prepared::Respond(go_error(StatusCode::INTERNAL_SERVER_ERROR, &message));
        }
        let empty_think_block = model.arch.name == "qwen3" && !think;
        // The last message always survives truncation.
        let last = req.messages.last();
        self.admit(
            &mut state,
            Admission {
                endpoint: Endpoint::Chat,
                common,
                model: &model,
                has_tools: !req.tools.is_empty(),
                prompt: (!req.messages.is_empty()).then(|| Prompt {
                    messages,
                    tools,
                    tail: tokens::assistant_prefix_ids(empty_think_block),
                }),
                answer: AnswerInput {
                    model: &model.name,
                    thinking: think,
                    last_role: last.map_or("user", |m| m.role.as_str()),
                    last_content: last.map_or("", |m| m.content.as_str()),
                    tools: &req.tools,
                    format: common.format.as_ref(),
                    fill_in_middle: false,
                    num_predict: int_option(&common.options, "num_predict"),
                },
            },
            now,
        )
    }

    fn prepare_generate(&self, req: GenerateRequest, now: SystemTime) -> Prepared {
        let common = &req.common;
        // A malformed name is a 400 on both endpoints (`writeModelRefParseError`); an empty one
        // falls through to generate's 404 below.
        if !common.model.trim().is_empty() && !models::is_valid_name(&common.model) {
            return Prepared::Respond(go_error(StatusCode::BAD_REQUEST, INVALID_MODEL_NAME));
        }
        let prompt_ids = tokens::generate_ids(
            &req.prompt,
            &req.system,
            &req.suffix,
            req.raw,
            req.images,
            &req.image_keys,
        );
        let mut state = self.state();
        // An empty name is a 404 on generate ("keeping with what the API currently returns",
        // says Ollama's source), unlike chat's 400.
        let Some(model) = state.find_model(&common.model).cloned() else {
            return Prepared::Respond(go_error(
                StatusCode::NOT_FOUND,
                &format!("model '{}' not found", common.model),
            ));
        };
        if req.prompt.is_empty() && common.keep_alive.is_some_and(KeepAlive::is_zero) {
            state.sched.unload(&model.digest);
            state.log.push(record(RecordInput {
                path: "/api/generate",
                kind: "unload",
                common,
                loaded_model: &model.name,
                num_ctx: None,
                fit: None,
                placement: None,
                has_tools: false,
            }));
            return Prepared::Respond(generate_lifecycle(&common.model, "unload", now));
        }
        if req.raw && (!req.template.is_empty() || !req.system.is_empty() || req.has_context) {
            return Prepared::Respond(go_error(
                StatusCode::BAD_REQUEST,
                "raw mode does not support template, system, or context",
            ));
        }
        let think = match thinking(&model, common) {
            Ok(think) => think,
            Err(message) => {
                return Prepared::Respond(go_error(StatusCode::BAD_REQUEST, &message));
            }
        };
        if !model.has(Capability::Completion) {
            return Prepared::Respond(go_error(
                StatusCode::BAD_REQUEST,
                &format!("{} does not support generate", go_quote(&common.model)),
            ));
        }
        if !req.suffix.is_empty() && !model.has(Capability::Insert) {
            return Prepared::Respond(go_error(
                StatusCode::BAD_REQUEST,
                &format!("{} does not support insert", model.full_name()),
            ));
        }
        if let Err(message) = validate_options(&common.options) {
            return Prepared::Respond(go_error(StatusCode::INTERNAL_SERVER_ERROR, &message));
        }
        self.admit(
            &mut state,
            Admission {
                endpoint: Endpoint::Generate { raw: req.raw },
                common,
                model: &model,
                has_tools: false,
                // A generate prompt is one piece the runner may only cut, never drop from.
                prompt: (!req.prompt.is_empty()).then(|| Prompt {
                    messages: Vec::new(),
                    tools: Vec::new(),
                    tail: prompt_ids,
                }),
                answer: AnswerInput {
                    model: &model.name,
                    // A raw prompt bypasses the template that would open the thinking block.
                    thinking: think && !req.raw,
                    last_role: "user",
                    last_content: &req.prompt,
                    tools: &[],
                    format: common.format.as_ref(),
                    fill_in_middle: !req.suffix.is_empty(),
                    num_predict: int_option(&common.options, "num_predict"),
                },
            },
            now,
        )
    }

    /// What chat and generate share once the request is valid: schedule (or wait), answer an
    /// empty prompt with a load, fit the prompt into the context (or refuse it), reuse the slot's
    /// cached prefix, log, and build the job.
    fn admit(&self, state: &mut SimState, adm: Admission<'_>, now: SystemTime) -> Prepared {
        let (common, model) = (adm.common, adm.model);
        let (path, lifecycle): (_, fn(&str, &str, SystemTime) -> Response) = match adm.endpoint {
            Endpoint::Chat => ("/api/chat", chat_lifecycle),
            Endpoint::Generate { .. } => ("/api/generate", generate_lifecycle),
        };
        let shift = common.shift.unwrap_or_else(|| default_context_shift(model));
        // The prompt as the runner will see it: it chooses the slot (llama-server picks by
        // common prefix), so it is fitted before scheduling. `resolve_num_ctx` is what the
        // scheduler resolves too.
        let rules = self.context_rules(model, common, self.resolve_num_ctx(model, &common.options));
        let fitted = adm.prompt.map(|prompt| prompt.fit(rules));
        let runner_prompt = match &fitted {
            Some(Ok((_, ids))) => Some(ids.as_slice()),
            _ => None,
        };
        let Some(scheduled) = self.schedule_or_wait(
            state,
            model,
            &common.options,
            common.keep_alive,
            shift,
            now,
            true,
            runner_prompt,
        ) else {
            return Prepared::Wait;
        };
        let Some(fitted) = fitted else {
            state.log.push(record(RecordInput {
                path,
                kind: "load",
                common,
                loaded_model: &model.name,
                num_ctx: Some(scheduled.num_ctx),
                fit: None,
                placement: Some(&scheduled.placement),
                has_tools: adm.has_tools,
            }));
            state.sched.release_slot(
                scheduled.placement.runner_id,
                Some(scheduled.placement.slot),
                now,
            );
            state.sched.loaded(scheduled.placement.runner_id);
            return Prepared::Respond(lifecycle(&common.model, "load", now));
        };
        let fit = match fitted {
            Ok((fit, _)) => fit,
            Err(refusal) => {
                return Prepared::Respond(self.refuse(state, &scheduled, refusal, now));
            }
        };
        state.sched.stats.prompt_tokens += fit.evaluated;
        state.sched.stats.prompt_tokens_cached += scheduled.placement.cached;
        state.log.push(record(RecordInput {
            path,
            kind: "inference",
            common,
            loaded_model: &model.name,
            num_ctx: Some(scheduled.num_ctx),
            fit: Some(&fit),
            placement: Some(&scheduled.placement),
            has_tools: adm.has_tools,
        }));
        let answer = answer::answer(&adm.answer);
        state.sched.extend_cache(
            scheduled.placement.runner_id,
            scheduled.placement.slot,
            &generated_ids(&answer),
        );
        Prepared::Run(self.job(
            state,
            JobInput {
                endpoint: adm.endpoint,
                common,
                model,
                scheduled: &scheduled,
                answer,
                evaluated: fit.evaluated,
                has_tools: adm.has_tools,
            },
        ))
    }
}

/// What [`Sim::admit`] needs from chat or generate.
struct Admission<'a> {
    endpoint: Endpoint,
    common: &'a Common,
    model: &'a InstalledModel,
    has_tools: bool,
    /// `None`: an empty prompt, which only loads the model.
    prompt: Option<Prompt>,
    answer: AnswerInput<'a>,
}

/// A rendered prompt as token ids, in the pieces truncation works with.
struct Prompt {
    /// Chat messages in order (is it a system message, its ids); old ones may be dropped.
    messages: Vec<(bool, Vec<u32>)>,
    /// The tool definitions, part of the system turn.
    tools: Vec<u32>,
    /// What follows the messages: the assistant's opening (chat), or the whole generate prompt.
    tail: Vec<u32>,
}

impl Prompt {
    /// Fits the prompt into the context ([`tokens::fit_chat`] / [`tokens::fit_generate`]) and
    /// returns the token ids the runner evaluates: the kept messages, the tools after a leading
    /// system message (as Qwen's template appends them to it), the tail, cut by the runner if
    /// still too long.
    fn fit(self, rules: ContextRules) -> Result<(Fit, Vec<u32>), tokens::RunnerRefusal> {
        if self.messages.is_empty() && self.tools.is_empty() {
            let fit = tokens::fit_generate(self.tail.len() as u64, rules)?;
            let ids = tokens::runner_ids(self.tail, fit.evaluated, rules);
            return Ok((fit, ids));
        }
        let counts: Vec<MessageTokens> = self
            .messages
            .iter()
            .map(|(is_system, ids)| MessageTokens {
                is_system: *is_system,
                tokens: ids.len() as u64,
            })
            .collect();
        let fixed = (self.tools.len() + self.tail.len()) as u64;
        let fit = tokens::fit_chat(&counts, fixed, rules)?;
        let mut ids = Vec::with_capacity(fit.prompt_tokens as usize);
        let mut tools = Some(self.tools);
        for ((is_system, message), kept) in self.messages.into_iter().zip(&fit.kept) {
            if !is_system && let Some(tools) = tools.take() {
                ids.extend(tools);
            }
            if *kept {
                ids.extend(message);
            }
        }
        ids.extend(tools.into_iter().flatten());
        ids.extend(self.tail);
        let ids = tokens::runner_ids(ids, fit.evaluated, rules);
        Ok((fit, ids))
    }
}

/// Where a streamed chat's tool calls go. Ollama's harmony parser (gpt-oss) parses tool calls only
/// once the runner is done (`harmony/harmonyparser.go` Add: "defer parsing them until we know
/// we're done"), and its llama-server native chat path accumulates them into the final response
/// (`llm/llama_server.go` accumulatedToolCalls): both send them in the `done` chunk (fixture 01,
/// `tool_calls_in_final_chunk`). Models on a Go template's tool parser send each call in a chunk
/// of its own as soon as it closes, and the `done` chunk after it carries none.
fn tool_calls_at_done(model: &InstalledModel) -> bool {
    model.arch.name == "gptoss"
}

/// The tokens a model generates for `answer`, as its template would print them back: the
/// thinking block, the content, the tool calls. The end-of-turn token is sampled but never
/// decoded, so llama-server's cache does not hold it.
fn generated_ids(answer: &Answer) -> Vec<u32> {
    let acc = accumulate(&answer.pieces);
    let mut text = String::new();
    if !acc.thinking.is_empty() {
        text.push_str("<think>\n");
        text.push_str(&acc.thinking);
        text.push_str("\n</think>\n\n");
    }
    text.push_str(&acc.content);
    for call in &acc.tool_calls {
        text.push_str("\n<tool_call>\n");
        text.push_str(&call.get("function").unwrap_or(call).to_string());
        text.push_str("\n</tool_call>");
    }
    super::bpe::Bpe::qwen2().encode(&text)
}

/// A key for an image's embeddings in the token stream (its data hashed; std's SipHash with
/// fixed keys, so the same image gives the same key).
fn image_key(data: &Value) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data.to_string().hash(&mut hasher);
    hasher.finish() as u32
}

/// Ollama turns context shift off by default for deepseek2 models (`server/sched.go`
/// resolveContextShift) and on for the rest.
pub(super) fn default_context_shift(model: &InstalledModel) -> bool {
    model.arch.name != "deepseek2"
}

/// Ollama's thinking rule: a thinking-capable model thinks unless told `think:false`; asking a
/// model without the capability to think is a 400.
fn thinking(model: &InstalledModel, common: &Common) -> Result<bool, String> {
    if model.has(Capability::Thinking) {
        return Ok(common.think.as_ref().is_none_or(Think::enabled));
    }
    if common.think.as_ref().is_some_and(Think::enabled) {
        return Err(format!(
            "{} does not support thinking",
            go_quote(&common.model)
        ));
    }
    Ok(false)
}

pub(super) async fn chat(State(sim): State<Sim>, body: Bytes) -> Response {
    let parsed = decode_body(&body).and_then(|value| parse_chat(&value));
    let request = match parsed {
        Ok(request) => request,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    serve(sim, |sim, now| sim.prepare_chat(request.clone(), now)).await
}

pub(super) async fn generate(State(sim): State<Sim>, body: Bytes) -> Response {
    let parsed = decode_body(&body).and_then(|value| parse_generate(&value));
    let request = match parsed {
        Ok(request) => request,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    serve(sim, |sim, now| sim.prepare_generate(request.clone(), now)).await
}

/// Prepares the request, waiting (without a byte sent) while Ollama would queue it, then runs it.
async fn serve(sim: Sim, prepare: impl Fn(&Sim, SystemTime) -> Prepared) -> Response {
    let arrived = Instant::now();
    loop {
        // Registered before looking, so a release between the look and the await still wakes us.
        let notify = sim.state().sched.notify.clone();
        let notified = notify.notified();
        match prepare(&sim, SystemTime::now()) {
            Prepared::Respond(response) => return response,
            Prepared::Run(mut job) => {
                // In fast mode time is simulated: a real wait (microseconds) is not reported.
                if !sim.inner.config.fast {
                    job.queued = arrived.elapsed();
                }
                return run(sim, job).await;
            }
            Prepared::Wait => notified.await,
        }
    }
}

//! OpenAI-dialect HTTP handlers.
//!
//! - `POST /v1/chat/completions` and `POST /v1/completions` are translated to native `/api/chat`
//!   and `/api/generate` (see `translate::openai`), routed, and the native answer is re-emitted
//!   as OpenAI JSON or SSE. This is the only way a `num_ctx` reaches Ollama for OpenAI clients.
//! - `GET /v1/models` and `GET /v1/models/{id}` list installed models plus the virtual names.
//! - `POST /v1/embeddings` is forwarded unchanged (OpenAI-shaped error when Ollama is down).
//! - `POST /v1/responses` (Codex) is translated to native `/api/chat` too (see
//!   `translate::responses`) and answered as Responses events or one response object. Ollama's own
//!   Responses layer cannot carry `num_ctx`, so forwarding it would cut Codex's ~10K-token prompt
//!   to Ollama's default context. Only a compressed body (`Content-Encoding`, which Codex uses
//!   with OpenAI's own backend, not with `--oss`) is forwarded untouched: it cannot be read here.
//!
//! Streams are relayed lazily: nothing is spawned, so a client that hangs up drops the upstream
//! request and Ollama stops generating.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::Settings;
use crate::failure::Failure;
use crate::pipeline::{ModelList, RouteFailure, RouteInput, Routed, SendFailure};
use crate::state::{AppState, StreamGuard};
use crate::upstream::UpstreamError;
use router_core::request::{Dialect, Endpoint, Kind, KindHint};
use router_core::translate::native;
use router_core::translate::openai::{
    self as oa, ChatCompletionBuilder, ChatStream, CompletionBuilder, CompletionStream, ModelCard,
    ModelCardList, OpenAiError,
};
use router_core::translate::responses as rs;
use router_core::truncation::Cut;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/completions", post(completions))
        .route("/v1/models", get(list_models))
        // A wildcard so namespaced names (`hf.co/org/model:tag`) resolve too.
        .route("/v1/models/{*id}", get(retrieve_model))
        .route("/v1/embeddings", post(embeddings))
        .route("/v1/responses", post(responses))
}

type RouterHeaders = Vec<(HeaderName, HeaderValue)>;

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

async fn chat_completions(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let settings = state.settings();
    let body = match read_body(&settings, body).await {
        Ok(body) => body,
        Err(error) => return error_response(&error, &[]),
    };
    let request = match oa::parse_chat_request(&body) {
        Ok(request) => request,
        Err(error) => return error_response(&error, &[]),
    };
    let native_request = match oa::chat_request_to_native(&request) {
        Ok(native_request) => native_request,
        Err(error) => return error_response(&error, &[]),
    };
    let native_body = match serde_json::to_vec(&native_request) {
        Ok(native_body) => native_body,
        Err(error) => return error_response(&internal_error(&error), &[]),
    };
    let input = RouteInput {
        settings,
        dialect: Dialect::OpenAi,
        endpoint: Endpoint::Chat,
        body: &native_body,
        headers: &parts.headers,
        hint: kind_hint(&request),
        session: request.prompt_cache_key.clone(),
    };
    let routed = match state.route(input.again()) {
        Ok(routed) => routed,
        Err(failure) => return error_response(&route_failure(failure), &[]),
    };
    let id = response_id("chatcmpl-");
    let created = unix_now();
    let mode = if request.is_stream() {
        Mode::Stream(ChatStream::new(id, created, request.include_usage()))
    } else {
        Mode::Collect {
            builder: ChatCompletionBuilder::new(),
            id,
            created,
        }
    };
    relay_translated(state, parts.headers, routed, Endpoint::Chat, mode).await
}

async fn completions(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let settings = state.settings();
    let body = match read_body(&settings, body).await {
        Ok(body) => body,
        Err(error) => return error_response(&error, &[]),
    };
    let request = match oa::parse_completion_request(&body) {
        Ok(request) => request,
        Err(error) => return error_response(&error, &[]),
    };
    let native_request = match oa::completion_request_to_native(&request) {
        Ok(native_request) => native_request,
        Err(error) => return error_response(&error, &[]),
    };
    let native_body = match serde_json::to_vec(&native_request) {
        Ok(native_body) => native_body,
        Err(error) => return error_response(&internal_error(&error), &[]),
    };
    let input = RouteInput {
        settings,
        dialect: Dialect::OpenAi,
        endpoint: Endpoint::Generate,
        body: &native_body,
        headers: &parts.headers,
        hint: None,
        session: None,
    };
    let routed = match state.route(input.again()) {
        Ok(routed) => routed,
        Err(failure) => return error_response(&route_failure(failure), &[]),
    };
    let id = response_id("cmpl-");
    let created = unix_now();
    let mode = if request.is_stream() {
        Mode::Stream(CompletionStream::new(id, created, request.include_usage()))
    } else {
        Mode::Collect {
            builder: CompletionBuilder::new(),
            id,
            created,
        }
    };
    relay_translated(state, parts.headers, routed, Endpoint::Generate, mode).await
}

async fn list_models(State(state): State<AppState>) -> Response {
    match state.model_list().await {
        Ok(list) => json_response(StatusCode::OK, &ModelCardList::new(model_cards(&list)), &[]),
        Err(error) => error_response(&upstream_failure(&error), &[]),
    }
}

async fn retrieve_model(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let list = match state.model_list().await {
        Ok(list) => list,
        Err(error) => return error_response(&upstream_failure(&error), &[]),
    };
    // `qwen3` and `qwen3:latest` name the same model, as in Ollama.
    let latest = format!("{id}:latest");
    match model_cards(&list)
        .into_iter()
        .find(|card| card.id == id || card.id == latest)
    {
        Some(card) => json_response(StatusCode::OK, &card, &[]),
        None => error_response(
            &OpenAiError::model_not_found(format!("model '{id}' not found")),
            &[],
        ),
    }
}

/// Forwarded unchanged, body streamed (embedding batches can be large); only the error shape
/// when Ollama cannot be reached is OpenAI's.
async fn embeddings(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = reqwest::Body::wrap_stream(body.into_data_stream());
    match state
        .upstream()
        .forward(parts.method, "/v1/embeddings", &parts.headers, body)
        .await
    {
        Ok(upstream) => crate::api::relay_untouched(&state.settings(), upstream),
        Err(error) => error_response(&upstream_failure(&error), &[]),
    }
}

/// See the module doc: translated to native chat, routed, and re-emitted in the Responses shape.
async fn responses(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let encoded = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|encoding| encoding.as_bytes() != b"identity");
    if encoded {
        let body = reqwest::Body::wrap_stream(body.into_data_stream());
        return match state
            .upstream()
            .forward(parts.method, "/v1/responses", &parts.headers, body)
            .await
        {
            Ok(upstream) => crate::api::relay_untouched(&state.settings(), upstream),
            Err(error) => error_response(&upstream_failure(&error), &[]),
        };
    }
    let settings = state.settings();
    let body = match read_body(&settings, body).await {
        Ok(body) => body,
        Err(error) => return error_response(&error, &[]),
    };
    let request = match rs::parse_responses_request(&body) {
        Ok(request) => request,
        Err(error) => return error_response(&error, &[]),
    };
    let translated = match rs::responses_request_to_native(&request) {
        Ok(translated) => translated,
        Err(error) => return error_response(&error, &[]),
    };
    // Codex sends its session id as `prompt_cache_key` (and a `session-id` header).
    let session = request.prompt_cache_key.clone().or_else(|| {
        parts
            .headers
            .get("session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let native_body = match serde_json::to_vec(&translated.chat) {
        Ok(native_body) => native_body,
        Err(error) => return error_response(&internal_error(&error), &[]),
    };
    let routed = match state.route(RouteInput {
        settings,
        dialect: Dialect::OpenAi,
        endpoint: Endpoint::Chat,
        body: &native_body,
        headers: &parts.headers,
        hint: None,
        session,
    }) {
        Ok(routed) => routed,
        Err(failure) => return error_response(&route_failure(failure), &[]),
    };
    let id = response_id("resp_");
    let events = rs::ResponsesStream::new(
        id.clone(),
        unix_now(),
        translated.chat.model.clone(),
        translated.custom_tools,
    );
    let mode = if request.is_stream() {
        Mode::Stream(events)
    } else {
        Mode::Collect {
            builder: ResponseCollector(events),
            id,
            created: 0,
        }
    };
    relay_translated(state, parts.headers, routed, Endpoint::Chat, mode).await
}

// ---------------------------------------------------------------------------------------------
// Routing and the upstream call
// ---------------------------------------------------------------------------------------------

/// OpenCode's title requests are tiny one-shot helpers: route them as quick. The system prompt is
/// OpenCode's own (`reference/clients.md` §2.2).
fn kind_hint(request: &oa::ChatCompletionRequest) -> Option<KindHint> {
    let first = request.messages.as_ref()?.first()?;
    let is_system = matches!(first.role.as_deref(), Some("system" | "developer"));
    let text = match first.content.as_ref()? {
        Value::String(text) => text.as_str(),
        Value::Array(parts) => parts.first()?.get("text")?.as_str()?,
        _ => return None,
    };
    (is_system && text.starts_with("You are a title generator")).then(|| KindHint {
        kind: Kind::Quick,
        reason: "opencode title".to_owned(),
    })
}

/// How the answer is returned: re-framed as SSE, or collected into one JSON body.
enum Mode<S, B> {
    Stream(S),
    Collect {
        builder: B,
        id: String,
        created: u64,
    },
}

/// Sends a routed request: a prompt Ollama refuses as too long is routed again once for the size
/// it reported (`routed` then describes the retry), else it is `context_length_exceeded`.
async fn send(
    state: &AppState,
    headers: &HeaderMap,
    routed: &mut Routed,
    endpoint: Endpoint,
) -> Result<reqwest::Response, OpenAiError> {
    match state
        .send_routed(Dialect::OpenAi, endpoint, headers, routed)
        .await
    {
        Ok(upstream) => Ok(upstream),
        Err(SendFailure::Upstream(error)) => Err(upstream_failure(&error)),
        Err(SendFailure::Status { status, body }) => {
            Err(OpenAiError::from_native(status.as_u16(), &body))
        }
        Err(SendFailure::PromptTooLong { tokens, max, .. }) => {
            Err(Failure::PromptTooLong { tokens, max }.openai())
        }
    }
}

async fn relay_translated<S, B>(
    state: AppState,
    headers: HeaderMap,
    mut routed: Routed,
    endpoint: Endpoint,
    mode: Mode<S, B>,
) -> Response
where
    S: SseCodec,
    B: Collector<Chunk = S::Chunk> + Clone,
{
    let mut upstream = match send(&state, &headers, &mut routed, endpoint).await {
        Ok(upstream) => upstream,
        Err(error) => return error_response(&error, &routed.response_headers()),
    };
    let (mut builder, id, created) = match mode {
        Mode::Stream(codec) => {
            let answer = Answer::new(&state, &routed, upstream);
            return sse_response(answer, codec, &routed.response_headers());
        }
        Mode::Collect {
            builder,
            id,
            created,
        } => (builder, id, created),
    };
    // Unseen until complete: an answer whose prompt Ollama cut is asked for once more at a
    // context that holds it.
    let mut retried_after_cut = false;
    // A retry starts from an empty collector again.
    let pristine = builder.clone();
    loop {
        let answer = Answer::new(&state, &routed, upstream);
        let (result, cut) =
            collect(answer, std::mem::replace(&mut builder, pristine.clone())).await;
        if cut.is_some()
            && !retried_after_cut
            && let Some(again) = state.retry_after_cut(Dialect::OpenAi, endpoint, &headers, &routed)
        {
            retried_after_cut = true;
            routed = again;
            upstream = match send(&state, &headers, &mut routed, endpoint).await {
                Ok(upstream) => upstream,
                Err(error) => return error_response(&error, &routed.response_headers()),
            };
            continue;
        }
        let mut router_headers = routed.response_headers();
        if let Some((how, count)) = cut {
            router_headers.push(crate::pipeline::cut_header(how, count));
        }
        return match result {
            Ok(builder) => json_bytes_response(
                StatusCode::OK,
                builder.finish(&id, created),
                &router_headers,
            ),
            Err(error) => error_response(&error, &router_headers),
        };
    }
}

type LineStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// An upstream answer being read: its NDJSON lines plus what the end of it must report.
struct Answer {
    lines: LineStream,
    state: AppState,
    upstream_url: String,
    routed: Option<(
        Arc<router_core::route::Decision>,
        router_core::tokens::BodyEstimate,
        u64,
    )>,
    guard: Option<StreamGuard>,
    /// The final chunk showed a cut prompt: how, and Ollama's count.
    cut: Option<(Cut, u64)>,
}

impl Answer {
    fn new(state: &AppState, routed: &Routed, upstream: reqwest::Response) -> Answer {
        let idle = routed.settings.config.upstream.idle_timeout.0;
        let bytes = Box::pin(upstream.bytes_stream().map_err(std::io::Error::other));
        let bytes = crate::stream::with_idle_timeout(bytes, idle, || {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "upstream went silent (upstream.idle_timeout)",
            )
        });
        let lines: LineStream = Box::pin(crate::stream::ndjson_lines(Box::pin(bytes)));
        Answer {
            lines,
            state: state.clone(),
            upstream_url: state.upstream().base_url().to_owned(),
            guard: routed
                .decision
                .as_ref()
                .map(|decision| state.stream_guard(&decision.model)),
            routed: routed
                .decision
                .clone()
                .map(|decision| (decision, routed.tally, routed.record)),
            cut: None,
        }
    }

    /// The next native chunk; `None` at end of stream. A broken or unreadable stream is an
    /// OpenAI error naming the upstream.
    async fn next_chunk<C: NativeChunk>(&mut self) -> Option<Result<C, OpenAiError>> {
        let line = match self.lines.next().await? {
            Ok(line) => line,
            Err(error) => {
                return Some(Err(OpenAiError::with_status(
                    502,
                    format!(
                        "the answer from Ollama at {} broke off: {error}",
                        self.upstream_url
                    ),
                )));
            }
        };
        Some(serde_json::from_slice::<C>(&line).map_err(|error| {
            OpenAiError::with_status(
                502,
                format!(
                    "Ollama at {} sent an unreadable line: {error}",
                    self.upstream_url
                ),
            )
        }))
    }

    /// Feeds the final chunk's metrics back to the router (learned speed, token calibration) and
    /// notes a cut prompt (in a stream the headers are gone: the decision log and metrics show it).
    fn observe(&mut self, metrics: &native::Metrics) {
        if let Some((decision, tally, record)) = &self.routed
            && let Some(how) = self.state.observe(decision, tally, *record, metrics)
        {
            self.cut = Some((how, metrics.prompt_eval_count.unwrap_or(0)));
        }
    }

    /// The answer ended on its own (done, error line, broken stream), not by a client hang-up.
    fn ended(&mut self) {
        if let Some(guard) = self.guard.as_mut() {
            guard.finish();
        }
    }
}

/// What the relay needs from a native chunk type.
trait NativeChunk: DeserializeOwned + Send + 'static {
    fn error(&self) -> Option<&str>;
    /// The final chunk's metrics (`done: true`), else `None`.
    fn final_metrics(&self) -> Option<&native::Metrics>;
}

impl NativeChunk for native::ChatChunk {
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn final_metrics(&self) -> Option<&native::Metrics> {
        self.done.then_some(&self.metrics)
    }
}

impl NativeChunk for native::GenerateChunk {
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn final_metrics(&self) -> Option<&native::Metrics> {
        self.done.then_some(&self.metrics)
    }
}

/// A stateful native → SSE translator (`ChatStream`, `CompletionStream`).
trait SseCodec: Send + 'static {
    type Chunk: NativeChunk;
    fn push(&mut self, chunk: &Self::Chunk) -> String;
    fn fail(&mut self, error: &OpenAiError) -> String;
    fn end_of_upstream(&mut self) -> String;
    fn is_finished(&self) -> bool;
}

impl SseCodec for ChatStream {
    type Chunk = native::ChatChunk;
    fn push(&mut self, chunk: &native::ChatChunk) -> String {
        ChatStream::push(self, chunk)
    }
    fn fail(&mut self, error: &OpenAiError) -> String {
        ChatStream::fail(self, error)
    }
    fn end_of_upstream(&mut self) -> String {
        ChatStream::end_of_upstream(self)
    }
    fn is_finished(&self) -> bool {
        ChatStream::is_finished(self)
    }
}

impl SseCodec for CompletionStream {
    type Chunk = native::GenerateChunk;
    fn push(&mut self, chunk: &native::GenerateChunk) -> String {
        CompletionStream::push(self, chunk)
    }
    fn fail(&mut self, error: &OpenAiError) -> String {
        CompletionStream::fail(self, error)
    }
    fn end_of_upstream(&mut self) -> String {
        CompletionStream::end_of_upstream(self)
    }
    fn is_finished(&self) -> bool {
        CompletionStream::is_finished(self)
    }
}

impl SseCodec for rs::ResponsesStream {
    type Chunk = native::ChatChunk;
    fn push(&mut self, chunk: &native::ChatChunk) -> String {
        rs::ResponsesStream::push(self, chunk)
    }
    fn fail(&mut self, error: &OpenAiError) -> String {
        rs::ResponsesStream::fail(self, error)
    }
    fn end_of_upstream(&mut self) -> String {
        rs::ResponsesStream::end_of_upstream(self)
    }
    fn is_finished(&self) -> bool {
        rs::ResponsesStream::is_finished(self)
    }
}

/// A native → one-JSON-body collector (`ChatCompletionBuilder`, `CompletionBuilder`).
trait Collector: Send + 'static {
    type Chunk: NativeChunk;
    fn push(&mut self, chunk: &Self::Chunk);
    fn finish(&self, id: &str, created: u64) -> Vec<u8>;
}

impl Collector for ChatCompletionBuilder {
    type Chunk = native::ChatChunk;
    fn push(&mut self, chunk: &native::ChatChunk) {
        ChatCompletionBuilder::push(self, chunk);
    }
    fn finish(&self, id: &str, created: u64) -> Vec<u8> {
        ChatCompletionBuilder::finish(self, id, created)
    }
}

impl Collector for CompletionBuilder {
    type Chunk = native::GenerateChunk;
    fn push(&mut self, chunk: &native::GenerateChunk) {
        CompletionBuilder::push(self, chunk);
    }
    fn finish(&self, id: &str, created: u64) -> Vec<u8> {
        CompletionBuilder::finish(self, id, created)
    }
}

/// A non-stream Responses answer: the event translator run silently, then its final object (the
/// response id and time were given to it up front).
#[derive(Clone)]
struct ResponseCollector(rs::ResponsesStream);

impl Collector for ResponseCollector {
    type Chunk = native::ChatChunk;
    fn push(&mut self, chunk: &native::ChatChunk) {
        self.0.push(chunk);
    }
    fn finish(&self, _id: &str, _created: u64) -> Vec<u8> {
        match self.0.final_response() {
            Ok(response) => serde_json::to_vec(&response).unwrap_or_default(),
            Err(error) => error.to_json(),
        }
    }
}

/// Re-frames the native stream as SSE, one write per native chunk. Lazy (no task): dropping the
/// response body drops the upstream request.
fn sse_response<S: SseCodec>(answer: Answer, codec: S, router_headers: &RouterHeaders) -> Response {
    let frames =
        futures_util::stream::unfold((answer, codec), |(mut answer, mut codec)| async move {
            loop {
                if codec.is_finished() {
                    return None;
                }
                let text = match answer.next_chunk::<S::Chunk>().await {
                    Some(Ok(chunk)) => {
                        if chunk.error().is_none()
                            && let Some(metrics) = chunk.final_metrics()
                        {
                            answer.observe(metrics);
                        }
                        codec.push(&chunk)
                    }
                    Some(Err(error)) => codec.fail(&error),
                    None => codec.end_of_upstream(),
                };
                if codec.is_finished() {
                    answer.ended();
                }
                if !text.is_empty() {
                    return Some((Ok::<Bytes, Infallible>(Bytes::from(text)), (answer, codec)));
                }
            }
        });
    let mut response = Response::new(Body::from_stream(frames));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    append_headers(headers, router_headers);
    response
}

/// Reads the whole native answer for a non-stream client. A mid-answer failure becomes an error
/// response (500, as Ollama answers a non-stream request whose runner fails).
async fn collect<B: Collector>(
    mut answer: Answer,
    mut builder: B,
) -> (Result<B, OpenAiError>, Option<(Cut, u64)>) {
    loop {
        let chunk = match answer.next_chunk::<B::Chunk>().await {
            Some(Ok(chunk)) => chunk,
            Some(Err(error)) => {
                answer.ended();
                return (Err(error), answer.cut);
            }
            None => {
                answer.ended();
                let error = OpenAiError::with_status(
                    502,
                    format!(
                        "Ollama at {} closed the answer before it was complete",
                        answer.upstream_url
                    ),
                );
                return (Err(error), answer.cut);
            }
        };
        if let Some(message) = chunk.error() {
            answer.ended();
            return (Err(OpenAiError::with_status(500, message)), answer.cut);
        }
        builder.push(&chunk);
        if let Some(metrics) = chunk.final_metrics() {
            answer.observe(metrics);
            answer.ended();
            return (Ok(builder), answer.cut);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// Installed models plus the virtual names (virtual first: they are what users should pick).
fn model_cards(list: &ModelList) -> Vec<ModelCard> {
    let virtual_cards = list
        .virtual_models
        .iter()
        .map(|entry| ModelCard::new(&entry.name, &entry.modified_at, true));
    let installed_cards = list
        .installed
        .iter()
        .filter(|entry| !list.virtual_models.iter().any(|v| v.name == entry.name))
        .map(|entry| ModelCard::new(&entry.name, &entry.modified_at, false));
    virtual_cards.chain(installed_cards).collect()
}

// The router's own failures: status, type and text from the one `Failure` type.
fn route_failure(failure: RouteFailure) -> OpenAiError {
    Failure::from(failure).openai()
}

fn upstream_failure(error: &UpstreamError) -> OpenAiError {
    Failure::from(error).openai()
}

fn internal_error(error: &dyn std::error::Error) -> OpenAiError {
    Failure::Internal(error.to_string()).openai()
}

async fn read_body(settings: &Settings, body: Body) -> Result<Bytes, OpenAiError> {
    crate::api::read_body(settings, body)
        .await
        .map_err(|error| Failure::from(error).openai())
}

fn error_response(error: &OpenAiError, router_headers: &[(HeaderName, HeaderValue)]) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_bytes_response(status, error.to_json(), router_headers)
}

fn json_response<T: serde::Serialize>(
    status: StatusCode,
    value: &T,
    router_headers: &[(HeaderName, HeaderValue)],
) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes_response(status, body, router_headers),
        Err(error) => error_response(&internal_error(&error), &[]),
    }
}

fn json_bytes_response(
    status: StatusCode,
    body: Vec<u8>,
    router_headers: &[(HeaderName, HeaderValue)],
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    append_headers(response.headers_mut(), router_headers);
    response
}

fn append_headers(headers: &mut HeaderMap, extra: &[(HeaderName, HeaderValue)]) {
    for (name, value) in extra {
        headers.insert(name.clone(), value.clone());
    }
}

/// `chatcmpl-` / `cmpl-` plus 24 random alphanumerics: unique per response, like OpenAI's
/// (Ollama's `chatcmpl-<0..998>` collides).
fn response_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 24);
    id.push_str(prefix);
    id.extend(std::iter::repeat_with(fastrand::alphanumeric).take(24));
    id
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

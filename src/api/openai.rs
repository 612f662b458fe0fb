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
//! Answers go through the one relay (`crate::relay`) with the translators of router-core as
//! encoders and collectors: lazily, so a client that hangs up drops the upstream request and
//! Ollama stops generating.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::config::Settings;
use crate::failure::Failure;
use crate::pipeline::{ModelList, RouteFailure, RouteInput, Routed, SendFailure};
use crate::relay::{self, Answer, Collector, Encoder, End, Interruption};
use crate::state::AppState;
use crate::upstream::UpstreamError;
use router_core::request::{Dialect, Endpoint, Kind, KindHint};
use router_core::translate::native;
use router_core::translate::openai::{
    self as oa, ChatCompletionBuilder, ChatStream, CompletionBuilder, CompletionStream, ModelCard,
    ModelCardList, OpenAiError,
};
use router_core::translate::responses as rs;

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

/// A request that got no answer: the router's failure, or Ollama's error in OpenAI's shape (a
/// prompt too long for every context the router may give is `context_length_exceeded`).
fn send_error(failure: &SendFailure) -> OpenAiError {
    match failure {
        SendFailure::Upstream(error) => upstream_failure(error),
        SendFailure::Status { status, body } => OpenAiError::from_native(status.as_u16(), body),
        SendFailure::PromptTooLong { tokens, max, .. } => Failure::PromptTooLong {
            tokens: *tokens,
            max: *max,
        }
        .openai(),
    }
}

fn interruption_error(why: &Interruption) -> OpenAiError {
    match why {
        Interruption::Failure(failure) => failure.openai(),
        Interruption::NotSent(failure) => send_error(failure),
    }
}

/// Sends the routed request and answers in `mode`, through the one relay.
async fn relay_translated<S, B>(
    state: AppState,
    headers: HeaderMap,
    mut routed: Routed,
    endpoint: Endpoint,
    mode: Mode<S, B>,
) -> Response
where
    S: Encoder,
    B: Collector + Finish,
{
    let (builder, id, created) = match mode {
        Mode::Stream(codec) => {
            let upstream =
                match relay::send(&state, Dialect::OpenAi, endpoint, &headers, &mut routed).await {
                    Ok(upstream) => upstream,
                    Err(failure) => {
                        return error_response(&send_error(&failure), &routed.response_headers());
                    }
                };
            let answer = Answer::new(&state, &routed, upstream);
            let mut response = Response::new(relay::stream(answer, codec));
            relay::sse_headers(response.headers_mut());
            append_headers(response.headers_mut(), &routed.response_headers());
            return response;
        }
        Mode::Collect {
            builder,
            id,
            created,
        } => (builder, id, created),
    };
    let collected =
        match relay::collect(&state, Dialect::OpenAi, endpoint, &headers, routed, builder).await {
            Ok(collected) => collected,
            Err((failure, routed)) => {
                return error_response(&send_error(&failure), &routed.response_headers());
            }
        };
    let mut router_headers = collected.routed.response_headers();
    if let Some((how, count)) = collected.cut {
        router_headers.push(crate::pipeline::cut_header(how, count));
    }
    let error = match collected.end {
        End::Complete => {
            return json_bytes_response(
                StatusCode::OK,
                collected.collector.finish(&id, created),
                &router_headers,
            );
        }
        // As Ollama answers a non-stream request whose runner fails.
        End::OllamaError(message) => OpenAiError::with_status(500, message),
        End::Closed => Failure::Upstream(format!(
            "Ollama at {} closed the answer before it was complete",
            state.upstream().base_url()
        ))
        .openai(),
        End::Broke(why) => interruption_error(&why),
    };
    error_response(&error, &router_headers)
}

/// The translators of router-core as the relay's encoders: one SSE write per native chunk.
macro_rules! sse_encoder {
    ($($codec:ty => $chunk:ty),*) => {$(
        impl Encoder for $codec {
            type Chunk = $chunk;
            fn chunk(&mut self, _: Bytes, chunk: &$chunk) -> Bytes {
                self.push(chunk).into()
            }
            fn broke(&mut self, why: &Interruption) -> Bytes {
                self.fail(&interruption_error(why)).into()
            }
            fn closed(&mut self) -> Bytes {
                self.end_of_upstream().into()
            }
            fn is_finished(&self) -> bool {
                <$codec>::is_finished(self)
            }
        }
    )*};
}
sse_encoder!(
    ChatStream => native::ChatChunk,
    CompletionStream => native::GenerateChunk,
    rs::ResponsesStream => native::ChatChunk
);

/// A collected answer's one JSON body, given the response id and time.
trait Finish {
    fn finish(&self, id: &str, created: u64) -> Vec<u8>;
}

impl Collector for ChatCompletionBuilder {
    type Chunk = native::ChatChunk;
    fn push(&mut self, _: Bytes, chunk: native::ChatChunk) {
        ChatCompletionBuilder::push(self, &chunk);
    }
}

impl Finish for ChatCompletionBuilder {
    fn finish(&self, id: &str, created: u64) -> Vec<u8> {
        ChatCompletionBuilder::finish(self, id, created)
    }
}

impl Collector for CompletionBuilder {
    type Chunk = native::GenerateChunk;
    fn push(&mut self, _: Bytes, chunk: native::GenerateChunk) {
        CompletionBuilder::push(self, &chunk);
    }
}

impl Finish for CompletionBuilder {
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
    fn push(&mut self, _: Bytes, chunk: native::ChatChunk) {
        self.0.push(&chunk);
    }
}

impl Finish for ResponseCollector {
    fn finish(&self, _id: &str, _created: u64) -> Vec<u8> {
        match self.0.final_response() {
            Ok(response) => serde_json::to_vec(&response).unwrap_or_default(),
            Err(error) => error.to_json(),
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

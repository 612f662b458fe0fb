//! Ollama's native dialect: `/api/chat` and `/api/generate` are routed; `/api/tags` and
//! `/api/show` also answer for the virtual models; errors are `{"error": "..."}` like Ollama's.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::config::Settings;
use crate::failure::Failure;
use crate::pipeline::{RouteFailure, RouteInput, Routed, SendFailure};
use crate::relay::{self, Answer, Collector, Encoder, End, Interruption, Tail};
use crate::state::AppState;
use crate::upstream::UpstreamError;
use router_core::catalog::Capability;
use router_core::classify::{ModelTarget, VIRTUAL_MODELS, resolve_model};
use router_core::request::{Dialect, Endpoint, Kind};
use router_core::route::{VirtualFacts, virtual_model_facts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/chat", post(chat))
        .route("/api/generate", post(generate))
        .route("/api/tags", get(tags))
        .route("/api/show", post(show))
}

/// An error in Ollama's shape: `{"error": "<message>"}`.
#[derive(Debug)]
pub struct OllamaError {
    pub status: StatusCode,
    pub message: String,
}

impl OllamaError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> OllamaError {
        OllamaError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for OllamaError {
    fn into_response(self) -> Response {
        crate::api::json_response(self.status, &json!({ "error": self.message }))
    }
}

// The router's own failures take their status and text from the one `Failure` type.
impl From<Failure> for OllamaError {
    fn from(f: Failure) -> OllamaError {
        OllamaError::new(f.status(Dialect::Ollama), f.to_string())
    }
}

impl From<RouteFailure> for OllamaError {
    fn from(f: RouteFailure) -> OllamaError {
        Failure::from(f).into()
    }
}

impl From<UpstreamError> for OllamaError {
    fn from(e: UpstreamError) -> OllamaError {
        Failure::from(e).into()
    }
}

impl From<crate::api::BodyError> for OllamaError {
    fn from(e: crate::api::BodyError) -> OllamaError {
        Failure::from(e).into()
    }
}

async fn chat(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    routed(state, Endpoint::Chat, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn generate(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    routed(state, Endpoint::Generate, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The text litellm maps to a non-retryable `BadRequestError` for an Ollama server. litellm turns
/// every other error from `ollama` / `ollama_chat` models, 400s included, into an
/// `APIConnectionError`, which Aider retries with back-off for about a minute.
const LITELLM_NO_RETRY: &str = "Invalid response object from API";

/// A routing failure in Ollama's shape. For litellm (Aider) a prompt no model can hold also
/// carries [`LITELLM_NO_RETRY`], so the user sees the refusal at once instead of a minute of
/// retries that cannot succeed.
fn refusal(failure: RouteFailure, headers: &HeaderMap) -> OllamaError {
    let litellm = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.starts_with("litellm/"));
    let too_long = matches!(failure, RouteFailure::PromptTooLong { .. });
    let mut error = OllamaError::from(failure);
    if litellm && too_long {
        error.message = format!(
            "{} ({LITELLM_NO_RETRY}: no model on this GPU holds this prompt; drop files from the \
             chat or /clear, retrying will not help)",
            error.message
        );
    }
    error
}

async fn routed(
    state: AppState,
    endpoint: Endpoint,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, OllamaError> {
    let settings = state.settings();
    let bytes = crate::api::read_body(&settings, body).await?;
    let mut routed = state
        .route(RouteInput {
            settings,
            dialect: Dialect::Ollama,
            endpoint,
            body: &bytes,
            headers: &headers,
            hint: None,
            session: None,
        })
        .map_err(|failure| refusal(failure, &headers))?;
    drop(bytes);
    if routed.single {
        return Ok(single_answer(&state, endpoint, &headers, routed).await);
    }
    let resp = match relay::send(&state, Dialect::Ollama, endpoint, &headers, &mut routed).await {
        Ok(resp) => resp,
        Err(failure) => return Ok(with_routing(send_failure(failure), &routed)),
    };
    let mut out = Response::builder().status(resp.status());
    if let Some(h) = out.headers_mut() {
        crate::api::copy_response_headers(resp.headers(), h);
        // Lines are relayed as they come, not the body copied whole: no length.
        h.remove(http::header::CONTENT_LENGTH);
        for (k, v) in routed.response_headers() {
            h.insert(k, v);
        }
    }
    let body = relay::stream(Answer::new(&state, &routed, resp), Passthrough);
    out.body(body)
        .map_err(|e| OllamaError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// A request that got no answer to relay: Ollama's own error relayed as is (a prompt too long
/// for every context the router may give included), or the router's failure.
fn send_failure(failure: SendFailure) -> Response {
    match failure {
        SendFailure::Upstream(e) => OllamaError::from(e).into_response(),
        SendFailure::Status { status, body } | SendFailure::PromptTooLong { status, body, .. } => {
            let mut out = Response::new(Body::from(body));
            *out.status_mut() = status;
            out.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json; charset=utf-8"),
            );
            out
        }
    }
}

/// The `x-router-*` headers of `routed` on `out`.
fn with_routing(mut out: Response, routed: &Routed) -> Response {
    for (k, v) in routed.response_headers() {
        out.headers_mut().insert(k, v);
    }
    out
}

/// Native lines pass through as Ollama wrote them; a break mid-stream ends the stream with
/// Ollama's own mid-stream error line, so clients see an error instead of a silently cut answer.
struct Passthrough;

impl Encoder for Passthrough {
    type Chunk = Tail;
    fn chunk(&mut self, line: Bytes, _: &Tail) -> Bytes {
        line
    }
    fn broke(&mut self, why: &Interruption) -> Bytes {
        let message = match why {
            Interruption::Failure(f) => f.to_string(),
            Interruption::NotSent(SendFailure::Upstream(e)) => e.to_string(),
            Interruption::NotSent(
                SendFailure::Status { body, .. } | SendFailure::PromptTooLong { body, .. },
            ) => crate::pipeline::native_error_text(body),
        };
        Bytes::from(format!("{}\n", json!({ "error": message })))
    }
    fn closed(&mut self) -> Bytes {
        Bytes::new()
    }
    fn is_finished(&self) -> bool {
        // Everything Ollama sends is the client's, to the end of the body.
        false
    }
}

/// A non-streamed answer's lines, kept as Ollama wrote them (one JSON object).
#[derive(Clone, Default)]
struct Whole(Vec<Bytes>);

impl Collector for Whole {
    type Chunk = Tail;
    fn push(&mut self, line: Bytes, _: Tail) {
        self.0.push(line);
    }
}

/// A non-streamed answer (`stream: false`): read whole, so that an answer whose prompt Ollama
/// cut is asked for again at a context that holds it before the client sees it.
async fn single_answer(
    state: &AppState,
    endpoint: Endpoint,
    headers: &HeaderMap,
    routed: Routed,
) -> Response {
    let collected = match relay::collect(
        state,
        Dialect::Ollama,
        endpoint,
        headers,
        routed,
        Whole::default(),
    )
    .await
    {
        Ok(collected) => collected,
        Err((failure, routed)) => return with_routing(send_failure(failure), &routed),
    };
    let mut out = match collected.end {
        // Ollama's error line, or an answer it ended early: its bytes, as it sent them.
        End::Complete | End::OllamaError(_) | End::Closed => {
            let Whole(lines) = collected.collector;
            let body = match <[Bytes; 1]>::try_from(lines) {
                Ok([one]) => one,
                Err(lines) => Bytes::from(lines.concat()),
            };
            let mut out = Response::new(Body::from(body));
            *out.status_mut() = collected.status;
            crate::api::copy_response_headers(&collected.headers, out.headers_mut());
            out.headers_mut().remove(http::header::CONTENT_LENGTH);
            out
        }
        End::Broke(Interruption::Failure(f)) => f.render(Dialect::Ollama),
        End::Broke(Interruption::NotSent(failure)) => send_failure(failure),
    };
    out = with_routing(out, &collected.routed);
    if let Some((how, count)) = collected.cut {
        let (k, v) = crate::pipeline::cut_header(how, count);
        out.headers_mut().insert(k, v);
    }
    out
}

fn virtual_kind(settings: &Settings, name: &str) -> Option<Option<Kind>> {
    match resolve_model(settings, name) {
        ModelTarget::Auto => Some(None),
        ModelTarget::Forced(k) => Some(Some(k)),
        ModelTarget::Aliased { kind, .. } => Some(kind),
        _ => None,
    }
}

fn fake_digest(name: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut out = String::new();
    for salt in 0u8..4 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (salt, name).hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

fn virtual_tag(name: &str, facts: &VirtualFacts, modified_at: &str) -> Value {
    json!({
        "name": name,
        "model": name,
        "modified_at": modified_at,
        "size": facts.size,
        "digest": fake_digest(name),
        "details": {
            "parent_model": facts.base,
            "format": "gguf",
            "family": facts.family,
            "families": [facts.family],
            "parameter_size": facts.parameter_size,
            "quantization_level": facts.quantization,
            "context_length": facts.context_length,
            "embedding_length": facts.embedding_length,
        },
        "capabilities": facts.capabilities,
    })
}

/// `/api/tags`: Ollama's list plus the virtual models.
async fn tags(State(state): State<AppState>) -> Result<Response, OllamaError> {
    let resp = state.upstream().get("/api/tags").await?;
    if !resp.status().is_success() {
        return Ok(crate::api::relay_untouched(&state.settings(), resp));
    }
    let mut list: Value = resp.json().await.map_err(|e| {
        OllamaError::new(
            StatusCode::BAD_GATEWAY,
            format!("bad /api/tags answer from Ollama: {e}"),
        )
    })?;
    let settings = state.settings();
    let modified_at = list["models"][0]["modified_at"]
        .as_str()
        .unwrap_or("2026-01-01T00:00:00Z")
        .to_string();
    if let Some(models) = list.get_mut("models").and_then(Value::as_array_mut) {
        for (name, kind) in VIRTUAL_MODELS {
            models.push(virtual_tag(
                name,
                &virtual_model_facts(&settings, kind),
                &modified_at,
            ));
        }
    }
    Ok(crate::api::json_response(StatusCode::OK, &list))
}

/// `/api/show`: for a virtual model, the base model's answer with the router's capabilities and
/// context; for anything else, Ollama's answer untouched.
async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, OllamaError> {
    let bytes = crate::api::read_body(&state.settings(), body).await?;
    let req: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let name = req
        .get("model")
        .or_else(|| req.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let settings = state.settings();
    let Some(kind) = virtual_kind(&settings, &name) else {
        let resp = state
            .upstream()
            .forward(
                http::Method::POST,
                "/api/show",
                &headers,
                reqwest::Body::from(bytes),
            )
            .await?;
        return Ok(crate::api::relay_untouched(&state.settings(), resp));
    };
    let facts = virtual_model_facts(&settings, kind);
    let base_req = json!({ "model": facts.base });
    let upstream = state
        .upstream()
        .post_json("/api/show", Bytes::from(base_req.to_string()))
        .await;
    let mut shown = match upstream {
        Ok(r) if r.status().is_success() => r.json::<Value>().await.unwrap_or(Value::Null),
        _ => Value::Null,
    };
    if !shown.is_object() {
        shown = synthesize_show(&settings, &facts);
    }
    let arch = shown["model_info"]["general.architecture"]
        .as_str()
        .unwrap_or(&facts.family)
        .to_string();
    shown["capabilities"] = json!(facts.capabilities);
    shown["details"]["context_length"] = json!(facts.context_length);
    shown["details"]["parent_model"] = json!(facts.base);
    if let Some(info) = shown.get_mut("model_info").and_then(Value::as_object_mut) {
        info.insert(
            format!("{arch}.context_length"),
            json!(facts.context_length),
        );
    }
    let params = shown["parameters"].as_str().unwrap_or("").to_string();
    let params: String = params
        .lines()
        .filter(|l| !l.starts_with("num_ctx"))
        .map(|l| format!("{l}\n"))
        .collect();
    shown["parameters"] = json!(format!("{params}{:<31}{}", "num_ctx", facts.preferred_ctx));
    Ok(crate::api::json_response(StatusCode::OK, &shown))
}

fn synthesize_show(settings: &Settings, facts: &VirtualFacts) -> Value {
    let Some(spec) = settings.catalog.get(&facts.base) else {
        return json!({ "model_info": {}, "details": {} });
    };
    let a = &spec.arch;
    let p = &a.name;
    let template = if spec.has(Capability::Insert) {
        "{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- else }}{{ .Prompt }}{{- end }}"
    } else {
        "{{ .Prompt }}"
    };
    json!({
        "license": "",
        "modelfile": format!("FROM {}\n", spec.name),
        "parameters": "",
        "template": template,
        "details": {
            "parent_model": "", "format": "gguf", "family": p, "families": [p],
            "parameter_size": spec.parameter_size, "quantization_level": spec.quantization,
        },
        "model_info": {
            "general.architecture": p,
            format!("{p}.block_count"): a.block_count,
            format!("{p}.context_length"): a.context_length,
            format!("{p}.embedding_length"): a.embedding_length,
            format!("{p}.attention.head_count"): a.head_count,
            format!("{p}.attention.head_count_kv"): a.head_count_kv,
        },
        "capabilities": facts.capabilities,
        "modified_at": "2026-01-01T00:00:00Z",
    })
}

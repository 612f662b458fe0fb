//! HTTP handlers for Ollama's non-inference routes (root, version, tags, show, ps, pull, delete,
//! copy, embeddings, `/v1/models`, `/v1/embeddings`), the Host-header check and the gin-style
//! 404/405 answers (`reference/ollama-protocol.md` §1.1–1.2, §2.4–2.9, §3.4–3.5).

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::gowire::{
    JsonType, KeepAlive, decode_body, expect_field, go_html_escape, go_quote, parse_keep_alive,
    unmarshal_value_error, validate_options,
};
use super::models::{self, InstalledModel, fnv1a, splitmix64};
use super::{RequestRecord, Sim};

pub(super) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A JSON body the way gin's `c.JSON` sends it.
pub(super) fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    json_response_with_type(status, body, JSON_UTF8)
}

pub(super) fn json_response_with_type<T: Serialize>(
    status: StatusCode,
    body: &T,
    content_type: &'static str,
) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => go_html_escape(bytes),
        Err(err) => {
            tracing::error!(%err, "sim: failed to serialise a response");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response()
}

/// `{"error": "<message>"}` with gin's JSON content type.
pub(super) fn go_error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "error": message }))
}

fn text_response(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// gin's default 404.
pub(super) async fn not_found() -> Response {
    text_response(StatusCode::NOT_FOUND, "text/plain", "404 page not found")
}

/// gin's 405 (Ollama sets `HandleMethodNotAllowed`).
pub(super) async fn method_not_allowed() -> Response {
    text_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "text/plain",
        "405 method not allowed",
    )
}

/// Ollama's `allowedHostsMiddleware` for a loopback listener: loopback/private/unspecified IPs,
/// `localhost`, `*.localhost`, `*.local`, `*.internal` and an empty Host pass; anything else gets
/// `403` with an empty body. Not simulated: the machine's own hostname and the addresses of its
/// other interfaces (both also pass in Ollama).
pub(super) async fn host_check(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    if !sim
        .inner
        .host_check
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return next.run(request).await;
    }
    let raw = match request.headers().get(header::HOST) {
        None => "",
        Some(value) => match value.to_str() {
            Ok(text) => text,
            Err(_) => return StatusCode::FORBIDDEN.into_response(),
        },
    };
    let host = split_host(raw);
    if let Ok(ip) = host.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        let allowed = ip.is_loopback()
            || ip.is_unspecified()
            || match ip {
                IpAddr::V4(v4) => v4.is_private(),
                IpAddr::V6(v6) => v6.is_unique_local(),
            };
        if allowed {
            return next.run(request).await;
        }
    }
    if allowed_host_name(host) {
        if request.method() == Method::OPTIONS {
            return StatusCode::NO_CONTENT.into_response();
        }
        return next.run(request).await;
    }
    StatusCode::FORBIDDEN.into_response()
}

/// Go's `net.SplitHostPort`, falling back to the whole value when it has no port.
fn split_host(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) if tail.is_empty() || tail.starts_with(':') => {
                if tail.len() > 1 {
                    host
                } else {
                    host_port
                }
            }
            _ => host_port,
        };
    }
    match host_port.split_once(':') {
        // More than one colon without brackets is a bare IPv6 address: no port to strip.
        Some((host, port)) if !port.contains(':') => host,
        _ => host_port,
    }
}

fn allowed_host_name(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host.is_empty()
        || host == "localhost"
        || [".localhost", ".local", ".internal"]
            .iter()
            .any(|tld| host.ends_with(tld))
}

pub(super) async fn root() -> Response {
    text_response(
        StatusCode::OK,
        "text/plain; charset=utf-8",
        "Ollama is running",
    )
}

pub(super) async fn version(State(sim): State<Sim>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({ "version": sim.inner.config.version }),
    )
}

pub(super) async fn tags(State(sim): State<Sim>) -> Response {
    let mut models: Vec<InstalledModel> = sim.state().models.clone();
    // Most recently modified first, like ListHandler.
    models.sort_by_key(|m| std::cmp::Reverse(m.modified_at));
    let entries: Vec<_> = models.iter().map(InstalledModel::tag_entry).collect();
    json_response(StatusCode::OK, &json!({ "models": entries }))
}

/// Reads a JSON object body and checks its fields' types; errors are Go's 400 texts.
fn parse_object(
    body: &[u8],
    go_struct: &str,
    fields: &[(&str, JsonType, &str)],
) -> Result<Map<String, Value>, String> {
    let object = match decode_body(body)? {
        Value::Object(object) => object,
        other => return Err(unmarshal_value_error(&other, &format!("api.{go_struct}"))),
    };
    for (field, expected, go_type) in fields {
        expect_field(&object, field, *expected, go_struct, "", go_type)?;
    }
    Ok(object)
}

fn str_field<'a>(object: &'a Map<String, Value>, field: &str) -> &'a str {
    object.get(field).and_then(Value::as_str).unwrap_or("")
}

/// `model`, else the legacy `name` (Go's `cmp.Or`).
fn model_or_name(object: &Map<String, Value>) -> &str {
    let model = str_field(object, "model");
    if model.is_empty() {
        str_field(object, "name")
    } else {
        model
    }
}

pub(super) async fn show(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match parse_object(
        &body,
        "ShowRequest",
        &[
            ("model", JsonType::String, "string"),
            ("name", JsonType::String, "string"),
            ("system", JsonType::String, "string"),
            ("verbose", JsonType::Bool, "bool"),
            ("options", JsonType::Object, "map[string]interface {}"),
        ],
    ) {
        Ok(object) => object,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let name = model_or_name(&object);
    if name.is_empty() {
        return go_error(StatusCode::BAD_REQUEST, "model is required");
    }
    let found = sim.state().find_model(name).cloned();
    let Some(model) = found else {
        return go_error(StatusCode::NOT_FOUND, &format!("model '{name}' not found"));
    };
    let verbose = object
        .get("verbose")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // The first verbose answer builds ~6 MB of tokenizer JSON: off the async workers.
    match tokio::task::spawn_blocking(move || model.show(verbose)).await {
        Ok(show) => json_response(StatusCode::OK, &show),
        Err(_) => go_error(StatusCode::INTERNAL_SERVER_ERROR, "show failed"),
    }
}

#[derive(Serialize)]
struct PsEntry {
    name: String,
    model: String,
    size: u64,
    digest: String,
    details: models::Details,
    expires_at: String,
    size_vram: u64,
    context_length: u32,
}

pub(super) async fn ps(State(sim): State<Sim>) -> Response {
    let now = SystemTime::now();
    let mut state = sim.state();
    state.sched.expire(now);
    let mut entries: Vec<(SystemTime, PsEntry)> = state
        .sched
        .runners()
        .iter()
        .filter_map(|runner| {
            let model = state
                .find_model(&runner.model_name)
                .or_else(|| state.models.iter().find(|m| m.digest == runner.key))?;
            let expires_at = runner.expires_at(now);
            Some((
                expires_at,
                PsEntry {
                    name: runner.model_name.clone(),
                    model: runner.model_name.clone(),
                    size: runner.size,
                    digest: model.digest.clone(),
                    details: model.details(false),
                    expires_at: super::gowire::rfc3339_nano(expires_at),
                    size_vram: runner.size_vram,
                    context_length: runner.options.num_ctx,
                },
            ))
        })
        .collect();
    drop(state);
    // Longest remaining first (Ollama compares whole seconds; a stable sort keeps load order).
    entries.sort_by_key(|(expires_at, _)| {
        std::cmp::Reverse(
            expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    });
    let models: Vec<PsEntry> = entries.into_iter().map(|(_, entry)| entry).collect();
    json_response(StatusCode::OK, &json!({ "models": models }))
}

/// `api.ProgressResponse` (field order as Go marshals it).
#[derive(Serialize)]
struct Progress<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<u64>,
}

impl<'a> Progress<'a> {
    fn status(status: &'a str) -> Progress<'a> {
        Progress {
            status,
            digest: None,
            total: None,
            completed: None,
        }
    }
}

/// NDJSON lines in one body (the sim "downloads" instantly).
fn ndjson_response<T: Serialize>(lines: &[T]) -> Response {
    let mut body = Vec::new();
    for line in lines {
        match serde_json::to_vec(line) {
            Ok(bytes) => body.extend_from_slice(&go_html_escape(bytes)),
            Err(err) => tracing::error!(%err, "sim: failed to serialise a progress line"),
        }
        body.push(b'\n');
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        )],
        Body::from(body),
    )
        .into_response()
}

pub(super) async fn pull(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match parse_object(
        &body,
        "PullRequest",
        &[
            ("model", JsonType::String, "string"),
            ("name", JsonType::String, "string"),
            ("insecure", JsonType::Bool, "bool"),
            ("stream", JsonType::Bool, "bool"),
        ],
    ) {
        Ok(object) => object,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let name = model_or_name(&object);
    if models::canonical_key(name).is_none() {
        return go_error(StatusCode::BAD_REQUEST, "invalid model name");
    }
    let stream = object
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let installed = sim.state().find_model(name).cloned();
    let Some(model) = installed else {
        // The registry has nothing under that name: the error arrives after "pulling manifest".
        let error = "pull model manifest: file does not exist";
        if !stream {
            // waitForStream: `Content-Type: application/json` set before c.JSON, status 500.
            return json_response_with_type(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({ "error": error }),
                "application/json",
            );
        }
        return ndjson_response(&[
            json!({"status": "pulling manifest"}),
            json!({ "error": error }),
        ]);
    };
    if !stream {
        return json_response_with_type(
            StatusCode::OK,
            &json!({"status": "success"}),
            "application/json",
        );
    }
    let digest = format!("sha256:{}", model.digest);
    let status = format!("pulling {}", &model.digest[..12]);
    let layer = Progress {
        status: &status,
        digest: Some(&digest),
        total: Some(model.size),
        completed: None,
    };
    ndjson_response(&[
        Progress::status("pulling manifest"),
        Progress {
            completed: None,
            ..layer
        },
        Progress {
            completed: Some(model.size),
            ..layer
        },
        Progress::status("verifying sha256 digest"),
        Progress::status("writing manifest"),
        Progress::status("success"),
    ])
}

pub(super) async fn delete_model(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match parse_object(
        &body,
        "DeleteRequest",
        &[
            ("model", JsonType::String, "string"),
            ("name", JsonType::String, "string"),
        ],
    ) {
        Ok(object) => object,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let name = model_or_name(&object);
    let Some(key) = models::canonical_key(name) else {
        return go_error(
            StatusCode::BAD_REQUEST,
            &format!("name {} is invalid", go_quote(name)),
        );
    };
    let mut state = sim.state();
    let before = state.models.len();
    state
        .models
        .retain(|m| models::canonical_key(&m.name).as_deref() != Some(key.as_str()));
    if state.models.len() == before {
        return go_error(StatusCode::NOT_FOUND, &format!("model '{name}' not found"));
    }
    StatusCode::OK.into_response()
}

pub(super) async fn copy_model(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match parse_object(
        &body,
        "CopyRequest",
        &[
            ("source", JsonType::String, "string"),
            ("destination", JsonType::String, "string"),
        ],
    ) {
        Ok(object) => object,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let source = str_field(&object, "source");
    let destination = str_field(&object, "destination");
    if models::canonical_key(source).is_none() {
        return go_error(
            StatusCode::BAD_REQUEST,
            &format!("source {} is invalid", go_quote(source)),
        );
    }
    let (Some(dest_key), Some(dest_name)) = (
        models::canonical_key(destination),
        models::display_name(destination),
    ) else {
        return go_error(
            StatusCode::BAD_REQUEST,
            &format!("destination {} is invalid", go_quote(destination)),
        );
    };
    let mut state = sim.state();
    let Some(mut copy) = state.find_model(source).cloned() else {
        return go_error(
            StatusCode::NOT_FOUND,
            &format!("model {} not found", go_quote(source)),
        );
    };
    // Same manifest bytes, so same digest: the copy shares the original's scheduler slot.
    copy.name = dest_name;
    copy.modified_at = SystemTime::now();
    state
        .models
        .retain(|m| models::canonical_key(&m.name).as_deref() != Some(dest_key.as_str()));
    state.models.push(copy);
    StatusCode::OK.into_response()
}

#[derive(Serialize)]
struct OpenAiModel {
    id: String,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

#[derive(Serialize)]
struct OpenAiList<T> {
    object: &'static str,
    data: Option<Vec<T>>,
}

pub(super) async fn v1_models(State(sim): State<Sim>) -> Response {
    let mut models: Vec<InstalledModel> = sim.state().models.clone();
    models.sort_by_key(|m| std::cmp::Reverse(m.modified_at));
    let data: Vec<OpenAiModel> = models
        .iter()
        .map(|m| OpenAiModel {
            id: m.name.clone(),
            object: "model",
            created: m
                .modified_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            owned_by: "library",
        })
        .collect();
    json_response(
        StatusCode::OK,
        &OpenAiList {
            object: "list",
            // Quirk kept from Ollama: an empty list is `null` (a Go nil slice).
            data: (!data.is_empty()).then_some(data),
        },
    )
}

/// What an embedding call needs, whichever endpoint it came through.
struct EmbedCall<'a> {
    path: &'static str,
    model: &'a str,
    inputs: Vec<String>,
    options: Map<String, Value>,
    options_raw: Value,
    keep_alive: Option<KeepAlive>,
    keep_alive_raw: Value,
    truncate: bool,
    dimensions: Option<usize>,
}

struct EmbedOutcome {
    /// Raw (not normalised) vectors.
    vectors: Vec<Vec<f64>>,
    prompt_eval_count: u64,
    load_duration: Duration,
    total_duration: Duration,
}

/// Simulated time to embed one token.
const EMBED_SECONDS_PER_TOKEN: f64 = 1.0 / 5000.0;

impl Sim {
    /// Schedules an embedding model and computes deterministic vectors. Errors are
    /// `(status, Ollama's text)`.
    fn embed_core(
        &self,
        call: &EmbedCall<'_>,
        now: SystemTime,
    ) -> Result<EmbedOutcome, (StatusCode, String)> {
        if call.model.is_empty() {
            return Err((StatusCode::BAD_REQUEST, "model is required".into()));
        }
        let mut state = self.state();
        let Some(model) = state.find_model(call.model).cloned() else {
            // handleScheduleError's text (note the double quotes, unlike chat's).
            return Err((
                StatusCode::NOT_FOUND,
                format!(
                    "model {} not found, try pulling it first",
                    go_quote(call.model)
                ),
            ));
        };
        validate_options(&call.options).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e))?;
        let shift = super::inference::default_context_shift(&model);
        let scheduled = self.schedule(
            &mut state,
            &model,
            &call.options,
            call.keep_alive,
            shift,
            now,
        );
        let per_input: Vec<u64> = call
            .inputs
            .iter()
            .map(|text| super::tokens::text_tokens(text))
            .collect();
        let too_long = per_input
            .iter()
            .any(|tokens| *tokens > u64::from(scheduled.num_ctx));
        if !call.truncate && too_long {
            state.sched.release(scheduled.placement.runner_id, now);
            return Err((
                StatusCode::BAD_REQUEST,
                "the input length exceeds the context length".into(),
            ));
        }
        let prompt_tokens: u64 = per_input.iter().sum();
        let evaluated: u64 = per_input
            .iter()
            .map(|t| (*t).min(u64::from(scheduled.num_ctx)))
            .sum();
        state.log.push(RequestRecord {
            path: call.path.into(),
            kind: "embed".into(),
            model: call.model.into(),
            loaded_model: model.name.clone(),
            num_ctx: Some(scheduled.num_ctx),
            requested_num_ctx: call.options.get("num_ctx").cloned().unwrap_or(Value::Null),
            options: call.options_raw.clone(),
            prompt_tokens,
            prompt_eval_count: evaluated,
            truncated: evaluated < prompt_tokens,
            reloaded: scheduled.placement.reloaded,
            loaded_fresh: scheduled.placement.loaded_fresh,
            think: Value::Null,
            stream: false,
            has_tools: false,
            keep_alive: call.keep_alive_raw.clone(),
        });
        state.sched.release(scheduled.placement.runner_id, now);
        drop(state);

        let dims = (model.arch.embedding_length as usize).max(1);
        let vectors = call
            .inputs
            .iter()
            .map(|text| raw_vector(&model.name, text, dims))
            .collect();
        let load_duration = scheduled.load_duration();
        let total_duration =
            load_duration + Duration::from_secs_f64(evaluated as f64 * EMBED_SECONDS_PER_TOKEN);
        Ok(EmbedOutcome {
            vectors,
            prompt_eval_count: evaluated,
            load_duration,
            total_duration,
        })
    }
}

/// A deterministic pseudo-embedding in [-1, 1), seeded by model and text.
fn raw_vector(model: &str, text: &str, dims: usize) -> Vec<f64> {
    let mut state = fnv1a(format!("{model}\u{0}{text}").as_bytes());
    (0..dims)
        .map(|_| (splitmix64(&mut state) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
        .collect()
}

/// Ollama's `normalize`, then the `dimensions` cut and a second normalisation.
fn normalized(vector: &[f64], dimensions: Option<usize>) -> Vec<f32> {
    let norm = |v: &[f64]| -> Vec<f64> {
        let len = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        v.iter().map(|x| x / len).collect()
    };
    let mut out = norm(vector);
    if let Some(d) = dimensions.filter(|d| *d > 0 && *d < out.len()) {
        out.truncate(d);
        out = norm(&out);
    }
    out.into_iter().map(|x| x as f32).collect()
}

/// `input`: a string (empty = none) or an array of strings; `None` for anything else.
fn embed_inputs(input: Option<&Value>) -> Option<Vec<String>> {
    match input {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Some(Vec::new()),
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Some(_) => None,
    }
}

fn keep_alive_of(object: &Map<String, Value>) -> Result<(Option<KeepAlive>, Value), String> {
    let raw = object.get("keep_alive").cloned().unwrap_or(Value::Null);
    Ok((parse_keep_alive(&raw)?, raw))
}

fn options_of(object: &Map<String, Value>) -> (Map<String, Value>, Value) {
    let raw = object.get("options").cloned().unwrap_or(Value::Null);
    (raw.as_object().cloned().unwrap_or_default(), raw)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// `api.EmbedResponse` (field order as Go marshals it; metrics `omitempty`).
#[derive(Serialize)]
struct EmbedResponse<'a> {
    model: &'a str,
    embeddings: Vec<Vec<f32>>,
    #[serde(skip_serializing_if = "is_zero")]
    total_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    load_duration: u64,
    #[serde(skip_serializing_if = "is_zero")]
    prompt_eval_count: u64,
}

pub(super) async fn embed(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match parse_object(
        &body,
        "EmbedRequest",
        &[
            ("model", JsonType::String, "string"),
            ("truncate", JsonType::Bool, "bool"),
            ("dimensions", JsonType::Number, "int"),
            ("options", JsonType::Object, "map[string]interface {}"),
        ],
    ) {
        Ok(object) => object,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let (keep_alive, keep_alive_raw) = match keep_alive_of(&object) {
        Ok(parsed) => parsed,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let Some(inputs) = embed_inputs(object.get("input")) else {
        return go_error(StatusCode::BAD_REQUEST, "invalid input type");
    };
    let (options, options_raw) = options_of(&object);
    let model = str_field(&object, "model");
    let call = EmbedCall {
        path: "/api/embed",
        model,
        inputs,
        options,
        options_raw,
        keep_alive,
        keep_alive_raw,
        truncate: object
            .get("truncate")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        dimensions: object
            .get("dimensions")
            .and_then(Value::as_u64)
            .map(|d| d as usize),
    };
    match sim.embed_core(&call, SystemTime::now()) {
        Err((status, message)) => go_error(status, &message),
        Ok(outcome) if outcome.vectors.is_empty() => json_response(
            StatusCode::OK,
            &EmbedResponse {
                model,
                embeddings: Vec::new(),
                total_duration: 0,
                load_duration: 0,
                prompt_eval_count: 0,
            },
        ),
        Ok(outcome) => {
            let embeddings: Vec<Vec<f32>> = outcome
                .vectors
                .iter()
                .map(|v| normalized(v, call.dimensions))
                .collect();
            json_response(
                StatusCode::OK,
                &EmbedResponse {
                    model,
                    embeddings,
                    total_duration: nanos(outcome.total_duration),
                    load_duration: nanos(outcome.load_duration),
                    prompt_eval_count: outcome.prompt_eval_count,
                },
            )
        }
    }
}

/// Legacy `/api/embeddings`: one prompt, vector not normalised.
pub(super) async fn embeddings(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match parse_object(
        &body,
        "EmbeddingRequest",
        &[
            ("model", JsonType::String, "string"),
            ("prompt", JsonType::String, "string"),
            ("options", JsonType::Object, "map[string]interface {}"),
        ],
    ) {
        Ok(object) => object,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let (keep_alive, keep_alive_raw) = match keep_alive_of(&object) {
        Ok(parsed) => parsed,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    let prompt = str_field(&object, "prompt");
    let (options, options_raw) = options_of(&object);
    let call = EmbedCall {
        path: "/api/embeddings",
        model: str_field(&object, "model"),
        inputs: if prompt.is_empty() {
            Vec::new()
        } else {
            vec![prompt.to_owned()]
        },
        options,
        options_raw,
        keep_alive,
        keep_alive_raw,
        truncate: true,
        dimensions: None,
    };
    match sim.embed_core(&call, SystemTime::now()) {
        Err((status, message)) => go_error(status, &message),
        Ok(outcome) => {
            let embedding = outcome.vectors.into_iter().next().unwrap_or_default();
            json_response(StatusCode::OK, &json!({ "embedding": embedding }))
        }
    }
}

#[derive(Serialize)]
struct OpenAiErrorBody<'a> {
    error: OpenAiError<'a>,
}

#[derive(Serialize)]
struct OpenAiError<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

/// The OpenAI error shape Ollama's middleware renders (`reference/ollama-protocol.md` §3.2).
fn openai_error(status: StatusCode, message: &str) -> Response {
    let kind = match status.as_u16() {
        400 => "invalid_request_error",
        404 => "not_found_error",
        _ => "api_error",
    };
    json_response(
        status,
        &OpenAiErrorBody {
            error: OpenAiError {
                message,
                kind,
                param: None,
                code: None,
            },
        },
    )
}

/// Standard base64 (RFC 4648, padded): `encoding_format: "base64"` returns f32 little-endian.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Serialize)]
struct OpenAiEmbedding {
    object: &'static str,
    embedding: Value,
    index: usize,
}

#[derive(Serialize)]
struct OpenAiUsage {
    prompt_tokens: u64,
    total_tokens: u64,
}

#[derive(Serialize)]
struct OpenAiEmbeddings<'a> {
    object: &'static str,
    data: Vec<OpenAiEmbedding>,
    model: &'a str,
    usage: OpenAiUsage,
}

pub(super) async fn v1_embeddings(State(sim): State<Sim>, body: Bytes) -> Response {
    let object = match decode_body(&body) {
        Ok(Value::Object(object)) => object,
        Ok(other) => {
            return openai_error(
                StatusCode::BAD_REQUEST,
                &unmarshal_value_error(&other, "openai.EmbedRequest"),
            );
        }
        Err(message) => return openai_error(StatusCode::BAD_REQUEST, &message),
    };
    // Uncertain: the middleware's exact texts for a missing or ill-typed input.
    let inputs = match embed_inputs(object.get("input")) {
        Some(inputs) if !inputs.is_empty() => inputs,
        _ => return openai_error(StatusCode::BAD_REQUEST, "invalid input"),
    };
    let encoding = str_field(&object, "encoding_format");
    if !matches!(encoding, "" | "float" | "base64") {
        return openai_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "Invalid value for 'encoding_format' = {encoding}. Supported values: ['float', 'base64']."
            ),
        );
    }
    let model = str_field(&object, "model");
    let call = EmbedCall {
        path: "/v1/embeddings",
        model,
        inputs,
        options: Map::new(),
        options_raw: Value::Null,
        keep_alive: None,
        keep_alive_raw: Value::Null,
        truncate: true,
        dimensions: object
            .get("dimensions")
            .and_then(Value::as_u64)
            .map(|d| d as usize),
    };
    match sim.embed_core(&call, SystemTime::now()) {
        Err((status, message)) => openai_error(status, &message),
        Ok(outcome) => {
            let data: Vec<OpenAiEmbedding> = outcome
                .vectors
                .iter()
                .enumerate()
                .map(|(index, v)| {
                    let vector = normalized(v, call.dimensions);
                    let embedding = if encoding == "base64" {
                        let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                        json!(base64(&bytes))
                    } else {
                        json!(vector)
                    };
                    OpenAiEmbedding {
                        object: "embedding",
                        embedding,
                        index,
                    }
                })
                .collect();
            json_response(
                StatusCode::OK,
                &OpenAiEmbeddings {
                    object: "list",
                    data,
                    model,
                    usage: OpenAiUsage {
                        prompt_tokens: outcome.prompt_eval_count,
                        total_tokens: outcome.prompt_eval_count,
                    },
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_pass_like_ollama() {
        assert!(allowed_host_name("localhost"));
        assert!(allowed_host_name("ollama.internal"));
        assert!(allowed_host_name("box.local"));
        assert!(allowed_host_name("app.LOCALHOST"));
        assert!(!allowed_host_name("evil.example.com"));
        assert!(!allowed_host_name("localhost.evil.com"));
    }

    #[test]
    fn split_host_port_like_go() {
        assert_eq!(split_host("127.0.0.1:11434"), "127.0.0.1");
        assert_eq!(split_host("localhost"), "localhost");
        assert_eq!(split_host("[::1]:11434"), "::1");
        assert_eq!(split_host("::1"), "::1");
        assert_eq!(split_host("evil.example.com:80"), "evil.example.com");
    }

    #[test]
    fn vectors_are_deterministic_and_normalised() {
        let a = raw_vector("m", "hello", 8);
        assert_eq!(a, raw_vector("m", "hello", 8));
        assert_ne!(a, raw_vector("m", "hello!", 8));
        let n = normalized(&a, None);
        let len: f32 = n.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((len - 1.0).abs() < 1e-5);
        let cut = normalized(&a, Some(3));
        assert_eq!(cut.len(), 3);
        let len: f32 = cut.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((len - 1.0).abs() < 1e-5);
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}

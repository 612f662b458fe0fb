//! The router's own endpoints under `/router/`: health, recent decisions, metrics, the effective
//! configuration, and a dry-run `explain` that routes a body without sending it.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

use crate::api::ollama::OllamaError;
use crate::pipeline::RouteInput;
use crate::state::AppState;
use router_core::request::{Dialect, Endpoint};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/router/health", get(health))
        .route("/router/decisions", get(decisions))
        .route("/router/metrics", get(metrics))
        .route("/router/config", get(config))
        .route("/router/explain", post(explain))
        .route("/router/refresh", post(refresh))
}

fn json(v: serde_json::Value) -> Response {
    crate::api::json_response(StatusCode::OK, &v)
}

async fn health(State(state): State<AppState>) -> Response {
    let inv = state.inventory().load();
    json(json!({
        "status": "ok",
        "upstream": state.upstream().base_url(),
        "upstream_error": inv.last_error,
        "installed_models": inv.installed.as_ref().map(|s| s.len()),
        "loaded_models": inv.loaded,
        "gpu": state.gpu(),
        "config_file": state.settings().source,
        "config_error": state.shared_settings().last_error(),
        "sessions": state.sessions().len(),
    }))
}

/// Re-reads Ollama's model lists (and the simulated GPU) now instead of at the next poll, e.g.
/// right after `ollama pull`.
async fn refresh(State(state): State<AppState>) -> Response {
    state.inventory().refresh(&state.upstream()).await;
    if state.settings().config.gpu.source == crate::config::GpuSource::Sim {
        crate::gpu::refresh_once(&state, &mut crate::gpu::Reader::Sim).await;
    }
    health(State(state)).await
}

async fn decisions(State(state): State<AppState>) -> Response {
    json(serde_json::to_value(state.decisions().recent()).unwrap_or_default())
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut r = (StatusCode::OK, state.metrics().render()).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

async fn config(State(state): State<AppState>) -> Response {
    json(json!({
        "config": state.settings().config,
        "learned": state.learned().snapshot(),
    }))
}

/// Routes a native `/api/chat` body (or `/api/generate` with `?endpoint=generate`) without sending it.
async fn explain(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let settings = state.settings();
    let bytes = match crate::api::read_body(&settings, body).await {
        Ok(b) => b,
        Err(e) => return OllamaError::from(e).into_response(),
    };
    let endpoint = if serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .is_some_and(|v| v.get("prompt").is_some())
    {
        Endpoint::Generate
    } else {
        Endpoint::Chat
    };
    match state.explain(RouteInput {
        settings,
        dialect: Dialect::Ollama,
        endpoint,
        body: &bytes,
        headers: &headers,
        hint: None,
        session: None,
    }) {
        Ok(routed) => json(json!({
            "decision": routed.decision.as_deref(),
            "reason": routed.decision.as_ref().map(|_| routed.reason.as_str()),
            "body": String::from_utf8_lossy(&routed.body),
        })),
        Err(e) => OllamaError::from(e).into_response(),
    }
}

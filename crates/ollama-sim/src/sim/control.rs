//! `/sim/*`: inspection and control endpoints for tests, benches and the demo. Not part of
//! Ollama's API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::api::{go_error, json_response};
use super::gowire::decode_body;
use super::{FailurePlan, Sim};

pub(super) async fn requests(State(sim): State<Sim>) -> Response {
    json_response(StatusCode::OK, &sim.requests())
}

pub(super) async fn clear_requests(State(sim): State<Sim>) -> Response {
    sim.clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn stats(State(sim): State<Sim>) -> Response {
    json_response(StatusCode::OK, &sim.stats())
}

pub(super) async fn gpu(State(sim): State<Sim>) -> Response {
    json_response(StatusCode::OK, &sim.gpu())
}

pub(super) async fn reset(State(sim): State<Sim>) -> Response {
    sim.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// Arms failure injection; every field has a default (see [`FailurePlan`]).
pub(super) async fn fail(State(sim): State<Sim>, body: Bytes) -> Response {
    let value = if body.trim_ascii().is_empty() {
        json!({})
    } else {
        match decode_body(&body) {
            Ok(value) => value,
            Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
        }
    };
    match serde_json::from_value::<FailurePlan>(value) {
        Ok(plan) => {
            sim.inject_failure(plan.clone());
            json_response(StatusCode::OK, &plan)
        }
        Err(err) => go_error(StatusCode::BAD_REQUEST, &err.to_string()),
    }
}

fn config_view(sim: &Sim) -> Value {
    json!({
        "vram_total": sim.config().vram_total,
        "foreign_vram": sim.state().foreign_vram,
        "fast": sim.config().fast,
        "bandwidth_gbps": sim.config().bandwidth_gbps,
        "default_num_ctx": sim.config().default_num_ctx,
        "max_loaded_models": sim.config().max_loaded_models,
        "num_parallel": sim.config().num_parallel,
        "version": sim.config().version,
    })
}

pub(super) async fn config(State(sim): State<Sim>) -> Response {
    json_response(StatusCode::OK, &config_view(&sim))
}

/// `{"foreign_vram": bytes}` changes the VRAM other programs hold; answers the effective config.
pub(super) async fn set_config(State(sim): State<Sim>, body: Bytes) -> Response {
    let body = match decode_body(&body) {
        Ok(body) => body,
        Err(message) => return go_error(StatusCode::BAD_REQUEST, &message),
    };
    match body.get("foreign_vram") {
        None => {}
        Some(value) => match value.as_u64() {
            Some(bytes) => sim.set_foreign_vram(bytes),
            None => {
                return go_error(
                    StatusCode::BAD_REQUEST,
                    "foreign_vram must be a non-negative integer (bytes)",
                );
            }
        },
    }
    json_response(StatusCode::OK, &config_view(&sim))
}

//! HTTP surface: the route table of every dialect, the admin endpoints, and transparent
//! pass-through for everything else. Handlers stay thin: parse, call the pipeline, relay.

pub mod admin;
pub mod anthropic;
pub mod dashboard;
pub mod ollama;
pub mod openai;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::TryStreamExt;
use http::HeaderMap;

use crate::config::Settings;
use crate::failure::Failure;
use crate::state::AppState;
use crate::upstream::is_hop_by_hop;
use router_core::request::Dialect;

/// Builds the router; `main`, tests and benches share it.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(ollama::routes())
        .merge(openai::routes())
        .merge(anthropic::routes())
        .merge(admin::routes())
        .merge(dashboard::routes())
        // After the merges: it applies to the routes already registered. axum adds `Allow`.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(passthrough)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::guard::guard,
        ))
        // Outermost: the request id and timings cover everything the router does.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::telemetry::layer,
        ))
        .with_state(state)
}

/// The dialect a path belongs to, for errors raised before any handler runs.
pub fn dialect_of_path(path: &str) -> Dialect {
    if path.starts_with("/v1/messages") {
        Dialect::Anthropic
    } else if path.starts_with("/v1/") {
        Dialect::OpenAi
    } else {
        Dialect::Ollama
    }
}

/// A known path with the wrong method: a 405 with a body in the caller's dialect (axum's own is
/// empty, which clients report as a bare "405").
async fn method_not_allowed(method: http::Method, uri: http::Uri) -> Response {
    let path = uri.path().to_string();
    Failure::MethodNotAllowed {
        method: method.to_string(),
        path: path.clone(),
    }
    .render(dialect_of_path(&path))
}

/// A request body over `upstream.body_limit`, or one that broke off.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body is larger than {limit} (upstream.body_limit in router.toml)")]
    TooLarge { limit: router_core::units::ByteSize },
    #[error("could not read the request body: {0}")]
    Read(String),
    /// The guard's body-byte budget ran out while this body arrived (no `Content-Length`).
    #[error("{}", crate::guard::BODY_BUDGET_MESSAGE)]
    Busy { retry_after: std::time::Duration },
}

impl BodyError {
    pub fn status(&self) -> http::StatusCode {
        match self {
            BodyError::TooLarge { .. } => http::StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Read(_) => http::StatusCode::BAD_REQUEST,
            BodyError::Busy { .. } => http::StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Reads a whole request body, up to the configured limit (routed requests must be parsed whole).
pub async fn read_body(settings: &Settings, body: Body) -> Result<Bytes, BodyError> {
    let limit = settings.config.upstream.body_limit;
    axum::body::to_bytes(body, usize::try_from(limit.bytes()).unwrap_or(usize::MAX))
        .await
        .map_err(|e| {
            let text = e.to_string();
            if text.contains("length limit") {
                BodyError::TooLarge { limit }
            } else if text.contains(crate::guard::BODY_BUDGET_MESSAGE) {
                BodyError::Busy {
                    retry_after: settings.config.limits.retry_after.0,
                }
            } else {
                BodyError::Read(text)
            }
        })
}

/// A JSON body with Ollama's content type.
pub fn json_response(status: http::StatusCode, value: &serde_json::Value) -> Response {
    let mut resp = (status, value.to_string()).into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// Copies upstream response headers, minus hop-by-hop ones.
pub fn copy_response_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if !is_hop_by_hop(name) {
            to.append(name.clone(), value.clone());
        }
    }
}

/// Forwards any request to Ollama unchanged and streams the answer back chunk by chunk. The
/// request body is streamed too (no limit: `/api/blobs` uploads whole model files).
pub async fn passthrough(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path_and_query = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    state.metrics().passthrough.inc();
    let body = reqwest::Body::wrap_stream(body.into_data_stream());
    match state
        .upstream()
        .forward(parts.method, &path_and_query, &parts.headers, body)
        .await
    {
        Ok(resp) => relay_untouched(&state.settings(), resp),
        Err(e) => {
            crate::relay::count_upstream_error(&state, "passthrough");
            ollama::OllamaError::from(e).into_response()
        }
    }
}

/// Streams an upstream response back as is (status, headers, bytes), with the idle timeout.
pub fn relay_untouched(settings: &Settings, resp: reqwest::Response) -> Response {
    let idle = settings.config.upstream.idle_timeout.0;
    let mut out = Response::builder().status(resp.status());
    if let Some(h) = out.headers_mut() {
        copy_response_headers(resp.headers(), h);
    }
    let stream = crate::stream::with_idle_timeout(
        resp.bytes_stream().map_err(std::io::Error::other),
        idle,
        || {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "upstream went silent (upstream.idle_timeout)",
            )
        },
    );
    out.body(Body::from_stream(stream))
        .unwrap_or_else(|_| http::StatusCode::BAD_GATEWAY.into_response())
}

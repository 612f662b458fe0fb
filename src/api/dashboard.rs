//! The operator's view: the dashboard page at `/router/` (plain HTML, JS and CSS compiled into
//! the binary: no CDN, no build step, works offline), `GET /router/status` (the JSON it and
//! `ollama-router status` read) and `GET /router/events` (server-sent events: each decision as it
//! is made, each request as it finishes).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};

use crate::state::AppState;

const INDEX_HTML: &str = include_str!("../../assets/dashboard/index.html");
const APP_JS: &str = include_str!("../../assets/dashboard/app.js");
const STYLE_CSS: &str = include_str!("../../assets/dashboard/style.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/router", get(|| async { Redirect::permanent("/router/") }))
        .route(
            "/router/",
            get(|| async { asset(INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/router/dashboard.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/router/dashboard.css",
            get(|| async { asset(STYLE_CSS, "text/css; charset=utf-8") }),
        )
        .route("/router/status", get(status))
        .route("/router/events", get(events))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The page runs only its own script and talks only to this router.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; connect-src 'self'; img-src 'self' data:"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

async fn status(State(state): State<AppState>) -> Response {
    crate::api::json_response(
        StatusCode::OK,
        &serde_json::to_value(state.status()).unwrap_or_default(),
    )
}

/// Decisions and finished requests as they happen. A viewer that falls behind skips what it
/// missed (the page re-reads `/router/status` every two seconds anyway).
async fn events(
    State(state): State<AppState>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let rx = state.feed().subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    let event = Event::default().event(e.name()).data(e.json());
                    return Some((Ok(event), rx));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

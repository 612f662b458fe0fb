//! Per-request telemetry: a request id, the router-added latency, time to first token, tokens and
//! tok/s, one log line per request, the per-request histograms, and the live feed behind
//! `GET /router/events`.
//!
//! Why a task-local instead of a context threaded through every handler: the three dialects each
//! have their own handler and relay, and the facts arrive in different places (the decision in
//! `pipeline::route`, the first byte in the response body, the final metrics deep inside each
//! relay). A middleware scopes one [`RequestTrace`] over the handler future *and* over every poll
//! of the response body, so `route` and `observe` can note what they know with one call each and
//! no signature changes. Code that runs outside a request (explain on the CLI, replay, benches)
//! simply finds no trace.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body::{Body as _, Frame};
use serde::Serialize;

use crate::state::AppState;
use router_core::route::Decision;
use router_core::translate::native::Metrics;

tokio::task_local! {
    static CURRENT: Arc<RequestTrace>;
}

/// What one request has shown so far.
#[derive(Debug)]
pub struct RequestTrace {
    pub id: String,
    pub dialect: &'static str,
    /// An inference endpoint (chat, generate, completions, messages): logged at `info`.
    inference: bool,
    started: Instant,
    data: Mutex<TraceData>,
}

#[derive(Debug, Default)]
struct TraceData {
    routed_at: Option<Instant>,
    first_byte: Option<Instant>,
    decision: Option<Arc<Decision>>,
    answer: Option<Metrics>,
}

/// The request being served on this task, if any.
pub fn current_id() -> Option<String> {
    CURRENT.try_with(|t| t.id.clone()).ok()
}

/// Called by the pipeline once a request is routed: the router's own work ends here (the
/// upstream request goes out next), so this is where the router-added latency stops.
pub fn note_routed(decision: &Arc<Decision>) {
    let _ = CURRENT.try_with(|t| {
        if let Ok(mut d) = t.data.lock() {
            d.routed_at = Some(Instant::now());
            d.decision = Some(decision.clone());
        }
    });
}

/// Called with an answer's final metrics (tokens, durations).
pub fn note_answer(metrics: &Metrics) {
    let _ = CURRENT.try_with(|t| {
        if let Ok(mut d) = t.data.lock() {
            d.answer = Some(*metrics);
        }
    });
}

/// The dialect a path belongs to, and whether it is an inference endpoint.
fn classify_path(path: &str) -> (&'static str, bool) {
    match path {
        "/api/chat" | "/api/generate" => ("ollama", true),
        "/v1/messages" => ("anthropic", true),
        "/v1/chat/completions" | "/v1/completions" | "/v1/responses" => ("openai", true),
        p if p.starts_with("/router/") || p == "/router" => ("router", false),
        p if p.starts_with("/v1/") => ("openai", false),
        _ => ("ollama", false),
    }
}

/// A client's own `x-request-id` is kept when it is short and printable; else one is made.
fn request_id(req: &Request) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    if let Some(v) = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        && !v.is_empty()
        && v.len() <= 64
        && v.bytes().all(|b| b.is_ascii_graphic())
    {
        return v.to_string();
    }
    // A random per-process prefix keeps ids from two router runs apart in one log file.
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let prefix = *PREFIX.get_or_init(|| fastrand::u32(..));
    format!("{prefix:08x}-{:06}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The middleware: gives every request an id (`x-request-id` on the response), scopes its trace
/// over the handler and the response body, and reports when the body ends or is dropped.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (dialect, inference) = classify_path(req.uri().path());
    let trace = Arc::new(RequestTrace {
        id: request_id(&req),
        dialect,
        inference,
        started: Instant::now(),
        data: Mutex::new(TraceData::default()),
    });
    let mut resp = CURRENT.scope(trace.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&trace.id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let body = TracedBody {
        inner: body,
        trace,
        state,
        status,
        finished: false,
    };
    Response::from_parts(parts, Body::new(body))
}

/// The response body, polled inside the request's trace scope.
struct TracedBody {
    inner: Body,
    trace: Arc<RequestTrace>,
    state: AppState,
    status: StatusCode,
    finished: bool,
}

impl http_body::Body for TracedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let trace = this.trace.clone();
        let inner = &mut this.inner;
        let polled = CURRENT.sync_scope(trace, || std::pin::Pin::new(inner).poll_frame(cx));
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if frame.data_ref().is_some_and(|d| !d.is_empty())
                    && let Ok(mut d) = this.trace.data.lock()
                    && d.first_byte.is_none()
                {
                    d.first_byte = Some(Instant::now());
                }
                // Hyper stops polling a body that says it has ended.
                if this.inner.is_end_stream() {
                    this.finish(Outcome::Complete);
                }
            }
            Poll::Ready(Some(Err(_))) => this.finish(Outcome::BrokenOff),
            Poll::Ready(None) => this.finish(Outcome::Complete),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TracedBody {
    fn drop(&mut self) {
        let how = if self.inner.is_end_stream() {
            Outcome::Complete
        } else {
            Outcome::Dropped
        };
        self.finish(how);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Complete,
    BrokenOff,
    Dropped,
}

impl TracedBody {
    fn finish(&mut self, how: Outcome) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let report = RequestReport::new(&self.trace, self.status, how);
        self.state.record_request(&report, self.trace.inference);
    }
}

/// The one log line (and feed event) per request.
#[derive(Clone, Debug, Serialize)]
pub struct RequestReport {
    pub request_id: String,
    pub dialect: &'static str,
    pub status: u16,
    /// `ok`, `cancelled` (the client hung up), `incomplete` (a routed answer ended without its
    /// final chunk: Ollama failed mid-stream), `broken` (the body failed), or `http NNN`.
    pub outcome: String,
    pub kind: Option<&'static str>,
    pub model: Option<String>,
    pub num_ctx: Option<u32>,
    /// Ollama's `prompt_eval_count` (the whole prompt as the runner holds it: Ollama >= 0.30
    /// counts cached tokens too; older runners counted only the tokens they evaluated) or else the
    /// router's estimate.
    pub prompt_tokens: Option<u64>,
    pub eval_tokens: Option<u64>,
    /// Arrival to the routed request leaving for Ollama.
    pub router_ms: Option<f64>,
    /// Arrival to the first byte of the answer sent to the client.
    pub ttft_ms: Option<f64>,
    pub tokens_per_second: Option<f64>,
    pub total_ms: f64,
}

impl RequestReport {
    fn new(trace: &RequestTrace, status: StatusCode, how: Outcome) -> RequestReport {
        let now = Instant::now();
        let d = trace.data.lock().map(|d| TraceData {
            routed_at: d.routed_at,
            first_byte: d.first_byte,
            decision: d.decision.clone(),
            answer: d.answer,
        });
        let d = d.unwrap_or_default();
        let ms = |t: Instant| t.duration_since(trace.started).as_secs_f64() * 1000.0;
        let outcome = match how {
            _ if !status.is_success() => format!("http {}", status.as_u16()),
            Outcome::Dropped => "cancelled".to_string(),
            Outcome::BrokenOff => "broken".to_string(),
            Outcome::Complete if d.decision.is_some() && d.answer.is_none() => {
                "incomplete".to_string()
            }
            Outcome::Complete => "ok".to_string(),
        };
        let answer = d.answer.as_ref();
        let tokens_per_second = answer.and_then(|m| match (m.eval_count, m.eval_duration) {
            (Some(n), Some(ns)) if n > 0 && ns > 0 => Some(n as f64 / (ns as f64 / 1e9)),
            _ => None,
        });
        RequestReport {
            request_id: trace.id.clone(),
            dialect: trace.dialect,
            status: status.as_u16(),
            outcome,
            kind: d.decision.as_ref().map(|d| d.kind.as_str()),
            model: d.decision.as_ref().map(|d| d.model.clone()),
            num_ctx: d.decision.as_ref().map(|d| d.num_ctx),
            prompt_tokens: answer
                .and_then(|m| m.prompt_eval_count)
                .or_else(|| d.decision.as_ref().map(|d| u64::from(d.prompt_tokens))),
            eval_tokens: answer.and_then(|m| m.eval_count),
            router_ms: d.routed_at.map(ms),
            ttft_ms: d.first_byte.filter(|_| d.decision.is_some()).map(ms),
            tokens_per_second,
            total_ms: ms(now),
        }
    }
}

impl AppState {
    /// Metrics, the log line and the feed event for a finished request.
    fn record_request(&self, r: &RequestReport, inference: bool) {
        let m = self.metrics();
        if inference {
            m.requests
                .get_or_create(&crate::observe::RequestLabels {
                    dialect: r.dialect.to_string(),
                    outcome: r.outcome.clone(),
                })
                .inc();
        }
        if let Some(ms) = r.router_ms {
            m.added_latency.observe(ms / 1000.0);
        }
        if let Some(ms) = r.ttft_ms {
            m.time_to_first_token.observe(ms / 1000.0);
        }
        if let (Some(tps), Some(model)) = (r.tokens_per_second, &r.model) {
            m.tokens_per_second
                .get_or_create(&crate::observe::ModelLabels {
                    model: model.clone(),
                })
                .observe(tps);
        }
        macro_rules! line {
            ($level:ident) => {
                tracing::$level!(
                    request_id = %r.request_id,
                    dialect = r.dialect,
                    kind = r.kind.unwrap_or("-"),
                    model = r.model.as_deref().unwrap_or("-"),
                    num_ctx = r.num_ctx.unwrap_or(0),
                    prompt_tokens = r.prompt_tokens.unwrap_or(0),
                    eval_tokens = r.eval_tokens.unwrap_or(0),
                    router_ms = r.router_ms.map(round1),
                    ttft_ms = r.ttft_ms.map(round1),
                    tok_per_s = r.tokens_per_second.map(round1),
                    total_ms = round1(r.total_ms),
                    status = r.status,
                    outcome = %r.outcome,
                    "request"
                )
            };
        }
        if inference {
            line!(info);
            self.feed().publish(FeedEvent::Request(r.clone()));
        } else {
            line!(debug);
        }
    }
}

/// Ollama's context when a request sets none (on cards under 24 GiB, which this router is for).
const OLLAMA_DEFAULT_NUM_CTX: u64 = 4096;

impl AppState {
    /// Counts what a decision does compared with the request as the client sent it.
    ///
    /// - reload caused: the chosen model is not loaded at the chosen context, so Ollama loads it.
    /// - reload avoided: it is loaded, and the request as sent (a real model name and its own
    ///   `num_ctx`, Ollama's default when absent) would have made Ollama load or reload.
    ///   Virtual names (`auto`, aliases) have no "as sent" model and are not counted.
    /// - truncation prevented: the prompt alone exceeds the context the request asked for (or
    ///   Ollama's default), which Ollama would have cut, and the chosen context holds it.
    pub(crate) fn count_effects(
        &self,
        client_num_ctx: Option<u64>,
        d: &Decision,
        settings: &crate::config::Settings,
    ) {
        use router_core::classify::{ModelTarget, resolve_model};
        let m = self.metrics();
        let asked_ctx = client_num_ctx.unwrap_or(OLLAMA_DEFAULT_NUM_CTX);
        if d.fit.loaded {
            let named = match resolve_model(settings, &d.requested_model) {
                ModelTarget::Catalog(name) => Some(name),
                ModelTarget::Unknown => Some(d.requested_model.clone()),
                _ => None,
            };
            if named.is_some_and(|n| n != d.model || asked_ctx != u64::from(d.num_ctx)) {
                m.reloads_avoided.inc();
            }
        } else {
            m.reloads_caused.inc();
        }
        if d.fit.spill_fraction > 0.0 {
            m.spills_predicted.inc();
        }
        if u64::from(d.prompt_tokens) > asked_ctx && d.num_ctx >= d.needed_ctx {
            m.truncations_prevented
                .get_or_create(&crate::observe::HowLabels {
                    how: "resized".into(),
                })
                .inc();
        }
    }

    /// A prompt no model could hold was refused instead of cut.
    pub(crate) fn count_refused_prompt(&self) {
        self.metrics()
            .truncations_prevented
            .get_or_create(&crate::observe::HowLabels {
                how: "refused".into(),
            })
            .inc();
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// What `GET /router/events` streams.
#[derive(Clone, Debug)]
pub enum FeedEvent {
    Decision(crate::status::RecentDecision),
    Request(RequestReport),
}

impl FeedEvent {
    pub fn name(&self) -> &'static str {
        match self {
            FeedEvent::Decision(_) => "decision",
            FeedEvent::Request(_) => "request",
        }
    }

    pub fn json(&self) -> String {
        match self {
            FeedEvent::Decision(d) => serde_json::to_string(d),
            FeedEvent::Request(r) => serde_json::to_string(r),
        }
        .unwrap_or_default()
    }
}

/// A broadcast of decisions and finished requests to dashboard viewers. A slow viewer loses the
/// oldest events (and sees a gap) rather than holding requests back.
#[derive(Debug)]
pub struct Feed {
    tx: tokio::sync::broadcast::Sender<FeedEvent>,
}

impl Default for Feed {
    fn default() -> Feed {
        Feed {
            tx: tokio::sync::broadcast::channel(256).0,
        }
    }
}

impl Feed {
    pub fn publish(&self, e: FeedEvent) {
        // No viewer: nothing to do.
        let _ = self.tx.send(e);
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<FeedEvent> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_dialects() {
        assert_eq!(classify_path("/api/chat"), ("ollama", true));
        assert_eq!(classify_path("/v1/messages"), ("anthropic", true));
        assert_eq!(classify_path("/v1/chat/completions"), ("openai", true));
        assert_eq!(classify_path("/v1/models"), ("openai", false));
        assert_eq!(classify_path("/router/status"), ("router", false));
        assert_eq!(classify_path("/api/tags"), ("ollama", false));
    }
}

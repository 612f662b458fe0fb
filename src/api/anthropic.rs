//! The Anthropic Messages endpoints: `POST /v1/messages` (Claude Code's every request) and
//! `POST /v1/messages/count_tokens`, answered by translating to native `/api/chat` so the router
//! can set `num_ctx` (Ollama's own `/v1/messages` cannot).
//!
//! Owns the I/O around the pure translator in `translate::anthropic`: ids, upstream calls, the SSE
//! relay with its keep-alive pings, and rendering every failure in Anthropic's error shape. Routes
//! match on the path only (Claude Code appends `?beta=true`).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use crate::api::BodyError;
use crate::config::Settings;
use crate::failure::Failure;
use crate::observe::ReasonLabels;
use crate::pipeline::{RouteFailure, RouteInput, Routed, SendFailure};
use crate::state::{AppState, StreamGuard};
use crate::stream::ndjson_lines;
use crate::upstream::UpstreamError;
use router_core::request::{Dialect, Endpoint};
use router_core::translate::anthropic::{
    self as translate, ErrorType, ResponseIds, StreamEvent, StreamTranslator,
};
use router_core::translate::native;

/// A `ping` goes out when the upstream has been silent this long (model load, long prompt
/// evaluation), so clients and proxies with idle timeouts keep the connection.
const PING_INTERVAL: Duration = Duration::from_secs(5);

/// How long a streaming request waits for Ollama's response headers before committing to a 200
/// SSE response. Ollama answers errors (unknown model, busy, bad request) at once, so they still
/// get their real status; a slow answer means a model load, during which pings must flow.
const HEADERS_GRACE: Duration = PING_INTERVAL;

/// The Anthropic routes, merged into the app by `api::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens))
}

/// A failure rendered as `{"type":"error","error":{"type","message"}}` with its status.
#[derive(Debug, Clone, PartialEq)]
struct AnthropicError {
    kind: ErrorType,
    status: StatusCode,
    message: String,
}

impl AnthropicError {
    fn new(kind: ErrorType, message: impl Into<String>) -> AnthropicError {
        AnthropicError {
            kind,
            status: kind.status(),
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> AnthropicError {
        AnthropicError::new(ErrorType::InvalidRequestError, message)
    }

    /// The router's own failures: type, status and text from the one `Failure` type.
    fn from_failure(failure: &Failure) -> AnthropicError {
        let message = match failure {
            // Claude Code compacts the conversation when it reads exactly this text.
            Failure::PromptTooLong { tokens, max } => {
                translate::prompt_too_long_message(*tokens, *max)
            }
            other => other.to_string(),
        };
        AnthropicError {
            kind: failure.anthropic_type(),
            status: failure.status(Dialect::Anthropic),
            message,
        }
    }

    fn from_route(failure: RouteFailure) -> AnthropicError {
        AnthropicError::from_failure(&Failure::from(failure))
    }

    fn from_upstream(err: &UpstreamError) -> AnthropicError {
        tracing::warn!(%err, "anthropic: upstream request failed");
        AnthropicError::from_failure(&Failure::from(err))
    }

    /// A native error response (`{"error": "..."}` with a 4xx/5xx status), same status except
    /// "busy", which becomes Anthropic's 529 `overloaded_error` so clients back off and retry.
    fn from_native_status(status: StatusCode, body: &[u8]) -> AnthropicError {
        let message = native_error_message(body)
            .unwrap_or_else(|| format!("Ollama answered {status} without an error message"));
        let kind = ErrorType::for_upstream_status(status.as_u16());
        if status.is_server_error() {
            tracing::warn!(%status, %message, "anthropic: upstream error");
        }
        let mut error = AnthropicError::new(kind, message);
        if kind != ErrorType::OverloadedError {
            error.status = status;
        }
        error
    }
}

impl From<BodyError> for AnthropicError {
    fn from(error: BodyError) -> AnthropicError {
        AnthropicError::from_failure(&Failure::from(error))
    }
}

impl IntoResponse for AnthropicError {
    fn into_response(self) -> Response {
        let body = translate::error_body(self.kind, self.message);
        (self.status, axum::Json(body)).into_response()
    }
}

fn native_error_message(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct NativeError {
        error: String,
    }
    serde_json::from_slice::<NativeError>(body)
        .ok()
        .map(|e| e.error)
        .or_else(|| {
            let text = String::from_utf8_lossy(body).trim().to_owned();
            (!text.is_empty()).then_some(text)
        })
}

/// Everything the handler learned before talking to Ollama.
struct Prepared {
    request: translate::MessagesRequest,
    routed: Routed,
    /// The model the request goes to, reported back to the client.
    model: String,
}

/// Parse → translate, for both endpoints. `validate` adds `/v1/messages`' own checks.
fn translate_request(
    body: &[u8],
    validate: bool,
) -> Result<(translate::MessagesRequest, Vec<u8>), AnthropicError> {
    let request = translate::parse_request(body).map_err(|e| AnthropicError::invalid(e.0))?;
    if validate {
        translate::validate_messages(&request).map_err(|e| AnthropicError::invalid(e.0))?;
    }
    let native_request =
        translate::to_native_chat(&request).map_err(|e| AnthropicError::invalid(e.0))?;
    let native_body = serde_json::to_vec(&native_request)
        .map_err(|e| AnthropicError::new(ErrorType::ApiError, e.to_string()))?;
    Ok((request, native_body))
}

/// Parse → translate → route. Pure CPU work; no awaiting.
fn route(
    state: &AppState,
    settings: Arc<Settings>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Prepared, AnthropicError> {
    let (request, native_body) = translate_request(body, true)?;
    let routed = state
        .route(RouteInput {
            settings,
            dialect: Dialect::Anthropic,
            endpoint: Endpoint::Chat,
            body: &native_body,
            headers,
            hint: translate::kind_hint(&request, headers),
            session: translate::session_id(&request),
        })
        .map_err(AnthropicError::from_route)?;
    let model = routed
        .decision
        .as_ref()
        .map_or_else(|| request.model.clone(), |d| d.model.clone());
    Ok(Prepared {
        request,
        routed,
        model,
    })
}

/// `POST /v1/messages`.
async fn messages(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let settings = state.settings();
    let body = match crate::api::read_body(&settings, body).await {
        Ok(body) => body,
        Err(error) => return AnthropicError::from(error).into_response(),
    };
    let prepared = match route(&state, settings, &headers, &body) {
        Ok(prepared) => prepared,
        Err(error) => return error.into_response(),
    };
    // The translated copy went upstream; the client's body is not needed while streaming.
    drop(body);
    if prepared.request.stream {
        stream_messages(state, headers, prepared).await
    } else {
        let fallback = prepared.routed.response_headers();
        complete_message(state, headers, prepared)
            .await
            .unwrap_or_else(|error| {
                let mut response = error.into_response();
                response.headers_mut().extend(fallback);
                response
            })
    }
}

fn new_ids() -> ResponseIds {
    ResponseIds {
        message_id: format!("msg_{}", random_id(24)),
        tool_id_prefix: format!("toolu_{}", random_id(20)),
    }
}

fn random_id(len: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(len)
        .collect()
}

/// Counts an upstream failure in the router's metrics (`reason`: connect, status, midstream).
fn count_upstream_error(state: &AppState, reason: &str) {
    state
        .metrics()
        .upstream_errors
        .get_or_create(&ReasonLabels {
            reason: reason.to_owned(),
        })
        .inc();
}

/// POSTs the routed body, counting failures; a prompt Ollama refuses as too long is routed again
/// once for its reported size (`routed` then describes the retry), and otherwise becomes the
/// "prompt is too long" error Claude Code compacts on.
async fn send_upstream(
    state: &AppState,
    headers: &HeaderMap,
    routed: &mut Routed,
) -> Result<reqwest::Response, AnthropicError> {
    match state
        .send_routed(Dialect::Anthropic, Endpoint::Chat, headers, routed)
        .await
    {
        Ok(response) => Ok(response),
        Err(SendFailure::Upstream(err)) => {
            count_upstream_error(state, "connect");
            Err(AnthropicError::from_upstream(&err))
        }
        Err(SendFailure::Status { status, body }) => {
            count_upstream_error(state, "status");
            Err(AnthropicError::from_native_status(status, &body))
        }
        Err(SendFailure::PromptTooLong { tokens, max, .. }) => {
            Err(AnthropicError::from_failure(&Failure::PromptTooLong {
                tokens,
                max,
            }))
        }
    }
}

/// A non-stream request: one native answer, one Messages object. An answer whose prompt Ollama
/// cut is asked for once more at a context that holds it before the client sees it.
async fn complete_message(
    state: AppState,
    headers: HeaderMap,
    prepared: Prepared,
) -> Result<Response, AnthropicError> {
    let Prepared {
        mut routed, model, ..
    } = prepared;
    let mut retried_after_cut = false;
    loop {
        let model = routed
            .decision
            .as_ref()
            .map_or_else(|| model.clone(), |d| d.model.clone());
        let mut guard = routed.decision.as_ref().map(|_| state.stream_guard(&model));
        let answer = async {
            let response = send_upstream(&state, &headers, &mut routed).await?;
            response.bytes().await.map_err(|e| {
                count_upstream_error(&state, "midstream");
                AnthropicError::new(
                    ErrorType::ApiError,
                    format!("reading Ollama's answer failed: {e}"),
                )
            })
        }
        .await;
        // Finished either way: only a client hang-up (this future dropped) counts as cancelled.
        guard.finish();
        let chunk: native::ChatChunk = serde_json::from_slice(&answer?).map_err(|e| {
            AnthropicError::new(
                ErrorType::ApiError,
                format!("Ollama sent an answer the router cannot read: {e}"),
            )
        })?;
        if let Some(error) = chunk.error {
            return Err(AnthropicError::new(ErrorType::ApiError, error));
        }
        let cut = routed.decision.as_ref().and_then(|decision| {
            state.observe(decision, &routed.tally, routed.record, &chunk.metrics)
        });
        if cut.is_some()
            && !retried_after_cut
            && let Some(again) =
                state.retry_after_cut(Dialect::Anthropic, Endpoint::Chat, &headers, &routed)
        {
            retried_after_cut = true;
            routed = again;
            continue;
        }
        let message = translate::message_response(&chunk, &new_ids());
        let mut response = axum::Json(message).into_response();
        response.headers_mut().extend(routed.response_headers());
        if let Some(how) = cut {
            let (k, v) =
                crate::pipeline::cut_header(how, chunk.metrics.prompt_eval_count.unwrap_or(0));
            response.headers_mut().insert(k, v);
        }
        return Ok(response);
    }
}

/// One item of the upstream side of a stream: an NDJSON line, or why there are no more.
type UpstreamItem = Result<Bytes, AnthropicError>;
type UpstreamLines = Pin<Box<dyn Stream<Item = UpstreamItem> + Send>>;

/// The NDJSON lines of a successful upstream response; a broken connection or a silence longer
/// than `upstream.idle_timeout` becomes the last item, as an error.
fn lines_of(state: &AppState, idle: Duration, response: reqwest::Response) -> UpstreamLines {
    let bytes = crate::stream::with_idle_timeout(
        response
            .bytes_stream()
            .map_err(|e| format!("the connection to Ollama broke mid-answer: {e}")),
        idle,
        || "Ollama went silent longer than upstream.idle_timeout".to_owned(),
    );
    let state = state.clone();
    ndjson_lines(Box::pin(bytes))
        .map(move |line| {
            line.map_err(|message| {
                count_upstream_error(&state, "midstream");
                tracing::warn!(error = %message, "anthropic: upstream failed mid-stream");
                AnthropicError::new(ErrorType::ApiError, message)
            })
        })
        .boxed()
}

/// A streaming request. Errors Ollama reports at once keep their HTTP status; once the response
/// is committed (headers slower than [`HEADERS_GRACE`]), failures become an `error` event.
async fn stream_messages(state: AppState, headers: HeaderMap, prepared: Prepared) -> Response {
    let Prepared { routed, model, .. } = prepared;
    let idle = routed.settings.config.upstream.idle_timeout.0;
    let guard = routed.decision.as_ref().map(|_| state.stream_guard(&model));
    let first_headers = routed.response_headers();
    // The request as finally sent (a refusal for length routes it again): the headers and what
    // the answer is learned against follow it.
    let sent = Arc::new(Mutex::new(routed));
    let mut pending = Box::pin({
        let (state, sent) = (state.clone(), sent.clone());
        async move {
            let mut routed = sent.lock().map(|r| r.clone()).map_err(|_| {
                AnthropicError::new(ErrorType::ApiError, "router state poisoned".to_owned())
            })?;
            let result = send_upstream(&state, &headers, &mut routed).await;
            if let Ok(mut slot) = sent.lock() {
                *slot = routed;
            }
            result
        }
    });

    let final_headers = |sent: &Mutex<Routed>| {
        sent.lock()
            .map(|r| r.response_headers())
            .unwrap_or_default()
    };
    let (lines, router_headers): (UpstreamLines, _) =
        match tokio::time::timeout(HEADERS_GRACE, &mut pending).await {
            Ok(Err(error)) => {
                let mut response = error.into_response();
                response.headers_mut().extend(final_headers(&sent));
                return response;
            }
            Ok(Ok(response)) => (lines_of(&state, idle, response), final_headers(&sent)),
            Err(_still_waiting) => {
                let state = state.clone();
                let lines = stream::once(pending)
                    .flat_map(move |result| match result {
                        Ok(response) => lines_of(&state, idle, response),
                        Err(error) => stream::iter([Err(error)]).boxed(),
                    })
                    .boxed();
                // Committed before the answer: the headers of the first routing.
                (lines, first_headers)
            }
        };

    let estimated_input = sent
        .lock()
        .ok()
        .and_then(|r| r.decision.as_ref().map(|d| u64::from(d.prompt_tokens)))
        .unwrap_or(0);
    let translator = StreamTranslator::new(new_ids(), model, estimated_input);
    let on_done = move |metrics: &native::Metrics| {
        let Ok(routed) = sent.lock() else { return };
        if let Some(decision) = &routed.decision {
            // A stream's headers are gone: a cut shows in the decision log and metrics.
            let _ = state.observe(decision, &routed.tally, routed.record, metrics);
        }
    };
    let mut response = sse_response(relay(lines, translator, PING_INTERVAL, on_done, guard));
    response.headers_mut().extend(router_headers);
    response
}

fn sse_response(
    events: impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
) -> Response {
    let mut response = Response::new(Body::from_stream(events));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Tells nginx-style proxies in between not to buffer the stream.
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

/// Something the relay holds until the stream ends: the router's in-flight marker.
trait Finish: Send + 'static {
    fn finish(&mut self);
}

impl Finish for Option<StreamGuard> {
    fn finish(&mut self) {
        if let Some(guard) = self {
            guard.finish();
        }
    }
}

struct Relay<F, G> {
    lines: UpstreamLines,
    translator: StreamTranslator,
    ping_every: Duration,
    idle: Pin<Box<tokio::time::Sleep>>,
    on_done: Option<F>,
    guard: G,
}

/// Upstream NDJSON lines → SSE bytes: `message_start` and a `ping` at once, then the translated
/// events, a `ping` whenever the upstream is silent for `ping_every`, and a terminal `error`
/// event on any failure. Lazy and unspawned: dropping it (client gone) drops the upstream request.
fn relay<F, G>(
    lines: UpstreamLines,
    mut translator: StreamTranslator,
    ping_every: Duration,
    on_done: F,
    guard: G,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static
where
    F: FnOnce(&native::Metrics) + Send + 'static,
    G: Finish,
{
    let opening: Vec<Result<Bytes, Infallible>> = translator
        .start()
        .into_iter()
        .chain([StreamEvent::Ping])
        .map(|event| Ok(event.to_sse()))
        .collect();
    let state = Relay {
        lines,
        translator,
        ping_every,
        idle: Box::pin(tokio::time::sleep(ping_every)),
        on_done: Some(on_done),
        guard,
    };
    stream::iter(opening).chain(stream::unfold(state, |mut relay| async move {
        if relay.translator.is_finished() {
            return None;
        }
        loop {
            let next = tokio::select! {
                line = relay.lines.next() => Some(line),
                () = &mut relay.idle => None,
            };
            let events = match next {
                None => {
                    let deadline = tokio::time::Instant::now() + relay.ping_every;
                    relay.idle.as_mut().reset(deadline);
                    vec![StreamEvent::Ping]
                }
                Some(None) => relay.translator.fail(
                    ErrorType::ApiError,
                    "Ollama closed the stream before the answer was complete".to_owned(),
                ),
                Some(Some(Err(error))) => relay.translator.fail(error.kind, error.message),
                Some(Some(Ok(line))) => {
                    let deadline = tokio::time::Instant::now() + relay.ping_every;
                    relay.idle.as_mut().reset(deadline);
                    relay.translate_line(&line)
                }
            };
            if relay.translator.is_finished() {
                // Before the last bytes go out: a client that hangs up right after reading them
                // did not cancel anything.
                relay.guard.finish();
            }
            if !events.is_empty() {
                return Some((Ok(concat_sse(&events)), relay));
            }
        }
    }))
}

impl<F, G> Relay<F, G>
where
    F: FnOnce(&native::Metrics),
{
    fn translate_line(&mut self, line: &[u8]) -> Vec<StreamEvent> {
        let chunk: native::ChatChunk = match serde_json::from_slice(line) {
            Ok(chunk) => chunk,
            Err(err) => {
                tracing::warn!(%err, "anthropic: unreadable upstream line");
                return self.translator.fail(
                    ErrorType::ApiError,
                    format!("Ollama sent a line the router cannot read: {err}"),
                );
            }
        };
        if chunk.done
            && chunk.error.is_none()
            && let Some(on_done) = self.on_done.take()
        {
            on_done(&chunk.metrics);
        }
        self.translator.push(&chunk)
    }
}

fn concat_sse(events: &[StreamEvent]) -> Bytes {
    match events {
        [one] => one.to_sse(),
        many => {
            let mut out = Vec::new();
            for event in many {
                out.extend_from_slice(&event.to_sse());
            }
            Bytes::from(out)
        }
    }
}

/// `POST /v1/messages/count_tokens`: Ollama has no such route; the router's own (calibrated)
/// estimate of the translated request answers it.
async fn count_tokens(State(state): State<AppState>, body: Body) -> Response {
    let settings = state.settings();
    let counted = match crate::api::read_body(&settings, body).await {
        Ok(body) => translate_request(&body, false).and_then(|(_, native_body)| {
            state
                .estimate_tokens(&settings, Endpoint::Chat, &native_body)
                .map_err(AnthropicError::from_route)
        }),
        Err(error) => Err(AnthropicError::from(error)),
    };
    match counted {
        Ok(tokens) => axum::Json(serde_json::json!({ "input_tokens": tokens })).into_response(),
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    /// A stand-in for the router's stream guard that records whether the stream ended properly.
    #[derive(Clone, Default)]
    struct Flag(Arc<AtomicBool>);

    impl Flag {
        fn is_set(&self) -> bool {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl Finish for Flag {
        fn finish(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn translator() -> StreamTranslator {
        StreamTranslator::new(
            ResponseIds {
                message_id: "msg_t".to_owned(),
                tool_id_prefix: "toolu_t".to_owned(),
            },
            "qwen3:8b".to_owned(),
            10,
        )
    }

    fn line(json: &str) -> UpstreamItem {
        Ok(Bytes::from(json.to_owned()))
    }

    const TEXT: &str =
        r#"{"model":"qwen3:8b","message":{"role":"assistant","content":"Hi"},"done":false}"#;
    const DONE: &str = r#"{"model":"qwen3:8b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":7,"eval_count":1}"#;

    /// Runs the relay to its end; returns the SSE event names in order, the whole text, whether
    /// `on_done` saw the final metrics, and whether the guard was finished.
    async fn run(lines: UpstreamLines) -> (Vec<String>, String, Option<native::Metrics>, bool) {
        let seen = Arc::new(std::sync::Mutex::new(None));
        let seen_in = seen.clone();
        let on_done = move |m: &native::Metrics| {
            if let Ok(mut slot) = seen_in.lock() {
                *slot = Some(*m);
            }
        };
        let flag = Flag::default();
        let chunks: Vec<Bytes> = relay(lines, translator(), PING_INTERVAL, on_done, flag.clone())
            .map(|item| match item {
                Ok(bytes) => bytes,
                Err(never) => match never {},
            })
            .collect()
            .await;
        let text: String = chunks
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let names = text
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .map(str::to_owned)
            .collect();
        let metrics = *seen.lock().unwrap();
        (names, text, metrics, flag.is_set())
    }

    #[tokio::test(start_paused = true)]
    async fn pings_while_the_upstream_is_silent_then_relays_the_answer() {
        // Twelve silent seconds (a model load) before the answer: pings at 5 s and 10 s, on top
        // of the one right after message_start.
        let lines = stream::once(async {
            tokio::time::sleep(Duration::from_secs(12)).await;
            line(TEXT)
        })
        .chain(stream::iter([line(DONE)]))
        .boxed();
        let (names, _, metrics, finished) = run(lines).await;
        assert_eq!(
            names,
            [
                "message_start",
                "ping",
                "ping",
                "ping",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(metrics.and_then(|m| m.prompt_eval_count), Some(7));
        assert!(
            finished,
            "a completed stream releases its guard as finished"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_upstream_failure_mid_stream_ends_with_an_error_event() {
        let lines = stream::iter([
            line(TEXT),
            Err(AnthropicError::new(
                ErrorType::OverloadedError,
                "server busy",
            )),
            line(DONE),
        ])
        .boxed();
        let (names, text, metrics, finished) = run(lines).await;
        assert_eq!(names.last().map(String::as_str), Some("error"));
        assert!(!names.iter().any(|n| n == "message_stop"), "{names:?}");
        assert!(
            text.contains(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"server busy"}}"#
            ),
            "{text}"
        );
        assert_eq!(metrics, None, "nothing to learn from a failed answer");
        assert!(finished);
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_line_and_a_cut_stream_are_errors_too() {
        let (names, text, _, _) = run(stream::iter([
            line(TEXT),
            line(r#"{"error":"an error was encountered while running the model"}"#),
        ])
        .boxed())
        .await;
        assert_eq!(names.last().map(String::as_str), Some("error"));
        assert!(text.contains("an error was encountered while running the model"));

        let (names, text, _, _) = run(stream::iter([line(TEXT)]).boxed()).await;
        assert_eq!(names.last().map(String::as_str), Some("error"));
        assert!(text.contains("closed the stream before the answer was complete"));

        let (names, text, _, _) = run(stream::iter([line("not json")]).boxed()).await;
        assert_eq!(names, ["message_start", "ping", "error"]);
        assert!(text.contains("cannot read"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_hang_up_leaves_the_guard_unfinished() {
        let flag = Flag::default();
        let lines = stream::iter([line(TEXT)]).chain(stream::pending()).boxed();
        let mut events = Box::pin(relay(
            lines,
            translator(),
            PING_INTERVAL,
            |_: &native::Metrics| {},
            flag.clone(),
        ));
        assert!(events.next().await.is_some());
        drop(events);
        assert!(!flag.is_set(), "a dropped stream counts as cancelled");
    }

    #[test]
    fn native_errors_keep_their_status_except_busy() {
        let busy = AnthropicError::from_native_status(
            StatusCode::SERVICE_UNAVAILABLE,
            br#"{"error":"server busy, please try again.  maximum pending requests exceeded"}"#,
        );
        assert_eq!(busy.kind, ErrorType::OverloadedError);
        assert_eq!(busy.status.as_u16(), 529);
        assert!(busy.message.starts_with("server busy"));

        let missing = AnthropicError::from_native_status(
            StatusCode::NOT_FOUND,
            br#"{"error":"model 'llama9' not found"}"#,
        );
        assert_eq!(
            (missing.kind, missing.status, missing.message.as_str()),
            (
                ErrorType::NotFoundError,
                StatusCode::NOT_FOUND,
                "model 'llama9' not found"
            )
        );

        let crashed =
            AnthropicError::from_native_status(StatusCode::INTERNAL_SERVER_ERROR, b"boom\n");
        assert_eq!(
            (crashed.kind, crashed.status, crashed.message.as_str()),
            (
                ErrorType::ApiError,
                StatusCode::INTERNAL_SERVER_ERROR,
                "boom"
            )
        );
        let silent = AnthropicError::from_native_status(StatusCode::FORBIDDEN, b"");
        assert_eq!(silent.kind, ErrorType::PermissionError);
        assert!(silent.message.contains("403"), "{}", silent.message);
    }

    #[test]
    fn route_failures_in_anthropic_terms() {
        let too_long = AnthropicError::from_route(RouteFailure::PromptTooLong {
            tokens: 250_000,
            max: 40_960,
        });
        assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
        assert_eq!(too_long.kind, ErrorType::InvalidRequestError);
        assert_eq!(
            too_long.message,
            "prompt is too long: 250000 tokens > 40960 maximum"
        );
        let unknown = AnthropicError::from_route(RouteFailure::ModelNotFound("auto:bogus".into()));
        assert_eq!(
            (unknown.status, unknown.message.as_str()),
            (StatusCode::NOT_FOUND, "model 'auto:bogus' not found")
        );
        let no_route =
            AnthropicError::from_route(RouteFailure::NoRoute("no model can see images".into()));
        assert_eq!(no_route.status, StatusCode::BAD_REQUEST);
    }
}

//! The Anthropic Messages endpoints: `POST /v1/messages` (Claude Code's every request) and
//! `POST /v1/messages/count_tokens`, answered by translating to native `/api/chat` so the router
//! can set `num_ctx` (Ollama's own `/v1/messages` cannot).
//!
//! Owns the I/O around the pure translator in `translate::anthropic`: ids, the Messages encoder
//! for the one relay (`crate::relay`) with its keep-alive pings, committing a stream before a slow
//! model load answers, and rendering every failure in Anthropic's error shape. Routes
//! match on the path only (Claude Code appends `?beta=true`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::FutureExt;
use http::{HeaderMap, StatusCode};

use crate::api::BodyError;
use crate::config::Settings;
use crate::failure::Failure;
use crate::pipeline::{RouteFailure, RouteInput, Routed, SendFailure};
use crate::relay::{self, Answer, Collector, Encoder, End, Interruption};
use crate::state::AppState;
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

impl AnthropicError {
    /// A request that got no answer: the router's failure, Ollama's error, or the "prompt is
    /// too long" Claude Code compacts on.
    fn from_send_failure(failure: &SendFailure) -> AnthropicError {
        match failure {
            SendFailure::Upstream(err) => AnthropicError::from_upstream(err),
            SendFailure::Status { status, body } => {
                AnthropicError::from_native_status(*status, body)
            }
            SendFailure::PromptTooLong { tokens, max, .. } => {
                AnthropicError::from_failure(&Failure::PromptTooLong {
                    tokens: *tokens,
                    max: *max,
                })
            }
        }
    }

    fn from_interruption(why: &Interruption) -> AnthropicError {
        match why {
            Interruption::Failure(failure) => AnthropicError::from_failure(failure),
            Interruption::NotSent(failure) => AnthropicError::from_send_failure(failure),
        }
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

/// A non-stream request: one native answer, one Messages object, through the one relay (which
/// asks once more, unseen, for an answer whose prompt Ollama cut).
async fn complete_message(
    state: AppState,
    headers: HeaderMap,
    prepared: Prepared,
) -> Result<Response, AnthropicError> {
    let collected = relay::collect(
        &state,
        Dialect::Anthropic,
        Endpoint::Chat,
        &headers,
        prepared.routed,
        Message::default(),
    )
    .await;
    let collected = match collected {
        Ok(collected) => collected,
        Err((failure, routed)) => {
            let mut response = AnthropicError::from_send_failure(&failure).into_response();
            response.headers_mut().extend(routed.response_headers());
            return Ok(response);
        }
    };
    let chunk = match (collected.end, collected.collector.0) {
        (End::Complete, Some(chunk)) => chunk,
        (End::OllamaError(message), _) => {
            return Err(AnthropicError::new(ErrorType::ApiError, message));
        }
        (End::Broke(why), _) => return Err(AnthropicError::from_interruption(&why)),
        (End::Complete | End::Closed, _) => {
            return Err(AnthropicError::from_failure(&Failure::Upstream(format!(
                "Ollama at {} closed the answer before it was complete",
                state.upstream().base_url()
            ))));
        }
    };
    let message = translate::message_response(&chunk, &new_ids());
    let mut response = axum::Json(message).into_response();
    response
        .headers_mut()
        .extend(collected.routed.response_headers());
    if let Some((how, count)) = collected.cut {
        let (k, v) = crate::pipeline::cut_header(how, count);
        response.headers_mut().insert(k, v);
    }
    Ok(response)
}

/// A non-stream answer: Ollama's one object (lines, should it send several, merged into it).
#[derive(Clone, Default)]
struct Message(Option<native::ChatChunk>);

impl Collector for Message {
    type Chunk = native::ChatChunk;
    fn push(&mut self, _: Bytes, chunk: native::ChatChunk) {
        let Some(first) = self.0.as_mut() else {
            self.0 = Some(chunk);
            return;
        };
        if let (Some(into), Some(more)) = (first.message.as_mut(), chunk.message) {
            into.content.push_str(&more.content);
            if let Some(thinking) = more.thinking {
                into.thinking.get_or_insert_default().push_str(&thinking);
            }
            into.tool_calls.extend(more.tool_calls);
        }
        first.done = chunk.done;
        first.done_reason = chunk.done_reason.or(first.done_reason.take());
        first.metrics = chunk.metrics;
        first.error = chunk.error.or(first.error.take());
    }
}

/// A streaming request. Errors Ollama reports at once keep their HTTP status; once the response
/// is committed (headers slower than [`HEADERS_GRACE`]), failures become an `error` event.
async fn stream_messages(state: AppState, headers: HeaderMap, prepared: Prepared) -> Response {
    let Prepared { routed, model, .. } = prepared;
    // The model is busy from now on: a load is part of the answer.
    let guard = routed.decision.as_ref().map(|_| state.stream_guard(&model));
    let first = (routed.response_headers(), estimated_input(&routed));
    let mut pending = Box::pin({
        let state = state.clone();
        async move {
            let mut routed = routed;
            match relay::send(
                &state,
                Dialect::Anthropic,
                Endpoint::Chat,
                &headers,
                &mut routed,
            )
            .await
            {
                Ok(response) => Ok((routed, response)),
                Err(failure) => Err((failure, routed)),
            }
        }
    });
    let (answer, (router_headers, input)) =
        match tokio::time::timeout(HEADERS_GRACE, &mut pending).await {
            Ok(Err((failure, routed))) => {
                let mut response = AnthropicError::from_send_failure(&failure).into_response();
                response.headers_mut().extend(routed.response_headers());
                return response;
            }
            // The request as finally sent (a refusal for length routes it again): the headers
            // and what the answer is learned against follow it.
            Ok(Ok((routed, response))) => {
                let sent = (routed.response_headers(), estimated_input(&routed));
                let ready = std::future::ready(Ok((routed, response)));
                (Answer::pending(&state, guard, ready), sent)
            }
            // Committed before the answer: the headers of the first routing, pings meanwhile.
            Err(_still_waiting) => {
                let sent = pending.map(|result| result.map_err(|(failure, _)| failure));
                (Answer::pending(&state, guard, sent), first)
            }
        };
    let events = Events(StreamTranslator::new(new_ids(), model, input));
    let mut response = Response::new(relay::stream(answer, events));
    relay::sse_headers(response.headers_mut());
    response.headers_mut().extend(router_headers);
    response
}

fn estimated_input(routed: &Routed) -> u64 {
    routed
        .decision
        .as_ref()
        .map_or(0, |d| u64::from(d.prompt_tokens))
}

/// Native lines → Messages events: `message_start` and a `ping` at once, the translated events,
/// a `ping` whenever Ollama is silent for [`PING_INTERVAL`] (a model load, a long prompt), and a
/// terminal `error` event on any failure.
struct Events(StreamTranslator);

impl Encoder for Events {
    type Chunk = native::ChatChunk;
    fn open(&mut self) -> Bytes {
        let opening: Vec<StreamEvent> = self
            .0
            .start()
            .into_iter()
            .chain([StreamEvent::Ping])
            .collect();
        concat_sse(&opening)
    }
    fn chunk(&mut self, _: Bytes, chunk: &native::ChatChunk) -> Bytes {
        concat_sse(&self.0.push(chunk))
    }
    fn broke(&mut self, why: &Interruption) -> Bytes {
        let error = AnthropicError::from_interruption(why);
        concat_sse(&self.0.fail(error.kind, error.message))
    }
    fn closed(&mut self) -> Bytes {
        concat_sse(&self.0.fail(
            ErrorType::ApiError,
            "Ollama closed the stream before the answer was complete".to_owned(),
        ))
    }
    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
    fn keep_alive(&self) -> Option<(Duration, Bytes)> {
        Some((PING_INTERVAL, StreamEvent::Ping.to_sse()))
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
    use futures_util::{StreamExt, stream};

    use super::*;

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

    fn line(json: &str) -> Result<Bytes, Failure> {
        Ok(Bytes::from(format!("{json}\n")))
    }

    const TEXT: &str =
        r#"{"model":"qwen3:8b","message":{"role":"assistant","content":"Hi"},"done":false}"#;
    const DONE: &str = r#"{"model":"qwen3:8b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":7,"eval_count":1}"#;

    fn state() -> AppState {
        AppState::for_settings(
            crate::config::Settings::compile(crate::config::Config::default(), None).unwrap(),
        )
        .unwrap()
    }

    /// Runs the relay with the Messages encoder to its end; returns the SSE event names in
    /// order, the whole text, and whether the stream counted as cancelled (its guard released
    /// unfinished).
    async fn run(
        lines: impl futures_util::Stream<Item = Result<Bytes, Failure>> + Send + 'static,
    ) -> (Vec<String>, String, bool) {
        let state = state();
        let answer = Answer::from_lines(&state, Some(state.stream_guard("qwen3:8b")), lines);
        let chunks: Vec<Bytes> = relay::stream(answer, Events(translator()))
            .into_data_stream()
            .map(|item| item.unwrap())
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
        let cancelled = state.metrics().cancelled_streams.get() > 0;
        (names, text, cancelled)
    }

    #[tokio::test(start_paused = true)]
    async fn pings_while_the_upstream_is_silent_then_relays_the_answer() {
        // Twelve silent seconds (a model load) before the answer: pings at 5 s and 10 s, on top
        // of the one right after message_start.
        let lines = stream::once(async {
            tokio::time::sleep(Duration::from_secs(12)).await;
            line(TEXT)
        })
        .chain(stream::iter([line(DONE)]));
        let (names, _, cancelled) = run(lines).await;
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
        assert!(
            !cancelled,
            "a completed stream releases its guard as finished"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_upstream_failure_mid_stream_ends_with_an_error_event() {
        let lines = stream::iter([
            line(TEXT),
            Err(Failure::Overloaded {
                message: "server busy".into(),
                retry_after: None,
            }),
            line(DONE),
        ]);
        let (names, text, cancelled) = run(lines).await;
        assert_eq!(names.last().map(String::as_str), Some("error"));
        assert!(!names.iter().any(|n| n == "message_stop"), "{names:?}");
        assert!(
            text.contains(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"server busy"}}"#
            ),
            "{text}"
        );
        assert!(!cancelled);
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_line_and_a_cut_stream_are_errors_too() {
        let (names, text, _) = run(stream::iter([
            line(TEXT),
            line(r#"{"error":"an error was encountered while running the model"}"#),
        ]))
        .await;
        assert_eq!(names.last().map(String::as_str), Some("error"));
        assert!(text.contains("an error was encountered while running the model"));

        let (names, text, _) = run(stream::iter([line(TEXT)])).await;
        assert_eq!(names.last().map(String::as_str), Some("error"));
        assert!(text.contains("closed the stream before the answer was complete"));

        let (names, text, _) = run(stream::iter([line("not json")])).await;
        assert_eq!(names, ["message_start", "ping", "error"]);
        assert!(text.contains("cannot read"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_hang_up_leaves_the_guard_unfinished() {
        let state = state();
        let lines = stream::iter([line(TEXT)]).chain(stream::pending());
        let answer = Answer::from_lines(&state, Some(state.stream_guard("qwen3:8b")), lines);
        let mut events = relay::stream(answer, Events(translator())).into_data_stream();
        assert!(events.next().await.is_some());
        drop(events);
        assert_eq!(
            state.metrics().cancelled_streams.get(),
            1,
            "a dropped stream counts as cancelled"
        );
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

//! The one relay between Ollama's answer and every dialect.
//!
//! Every routed answer — native, OpenAI (chat, completions, Responses) and Anthropic, streamed or
//! not — is read by an [`Answer`]: Ollama's NDJSON lines under `upstream.idle_timeout`, each
//! parsed as the dialect's native chunk type. The answer learns from the final chunk
//! ([`AppState::observe`]: speeds, token calibration, footprints, a cut prompt), holds the stream
//! guard that marks the model busy (released unfinished, it counts as a cancelled stream), and
//! turns whatever breaks the answer into one typed [`Interruption`]. What the dialect makes of it
//! is its own business: an [`Encoder`] writes a stream's bytes ([`stream`]), a [`Collector`] one
//! body ([`collect`], which also asks once more for an answer whose prompt Ollama cut, before the
//! client sees it).
//!
//! Nothing is spawned: the response body owns the [`Answer`], so a client that hangs up drops
//! the upstream request and Ollama stops generating.
//!
//! Why not axum's `Sse`: the translators in router-core already write whole SSE frames (pure,
//! fuzzed); `Sse` would want each one taken apart into an `Event` and written again, a copy and
//! a scan per chunk. The one thing it would add, a keep-alive frame after a silence, is
//! [`Encoder::keep_alive`] here (Anthropic's `ping`), and a stream's headers still go out when
//! the handler has Ollama's, as before.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use router_core::request::{Dialect, Endpoint};
use router_core::route::Decision;
use router_core::tokens::BodyEstimate;
use router_core::translate::native::{ChatChunk, GenerateChunk, Metrics};
use router_core::truncation::Cut;

use crate::failure::Failure;
use crate::observe::ReasonLabels;
use crate::pipeline::{Routed, SendFailure};
use crate::state::{AppState, StreamGuard};

/// A native chunk type a dialect reads each upstream line as.
pub trait NativeChunk: Sized + Send + 'static {
    /// Parses one line (its terminator included); `Err` says why it cannot be read.
    fn parse(line: &[u8]) -> Result<Self, String>;
    /// The final chunk (`done: true`).
    fn done(&self) -> bool;
    /// Ollama's own mid-stream failure line (`{"error": "..."}`).
    fn error(&self) -> Option<&str>;
    /// The final chunk's timings and counts.
    fn metrics(&self) -> Metrics;
}

/// Ollama's chunk types, read whole (the translators want every field).
macro_rules! native_chunk {
    ($($chunk:ty),*) => {$(
        impl NativeChunk for $chunk {
            fn parse(line: &[u8]) -> Result<Self, String> {
                serde_json::from_slice(line).map_err(|e| e.to_string())
            }
            fn done(&self) -> bool {
                self.done
            }
            fn error(&self) -> Option<&str> {
                self.error.as_deref()
            }
            fn metrics(&self) -> Metrics {
                self.metrics
            }
        }
    )*};
}
native_chunk!(ChatChunk, GenerateChunk);

/// What the native pass-through reads of a line: whether it ends the answer, and the final
/// chunk's metrics (no text is copied). Never fails: a line the router cannot read is still
/// Ollama's to send.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Tail {
    #[serde(default)]
    done: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(skip)]
    metrics: Metrics,
}

impl NativeChunk for Tail {
    fn parse(line: &[u8]) -> Result<Self, String> {
        let mut tail: Tail = serde_json::from_slice(line).unwrap_or_default();
        if tail.done {
            // Only the final line is read twice.
            tail.metrics = serde_json::from_slice(line).unwrap_or_default();
        }
        Ok(tail)
    }
    fn done(&self) -> bool {
        self.done
    }
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
    fn metrics(&self) -> Metrics {
        self.metrics
    }
}

/// Why an answer broke off before its final chunk: one event, rendered by each dialect.
#[derive(Debug)]
pub enum Interruption {
    /// The router's account: the connection broke, Ollama went silent longer than
    /// `upstream.idle_timeout`, or sent a line that cannot be read.
    Failure(Failure),
    /// The request got no answer to relay, after the response was already committed (a stream
    /// that starts before Ollama answers, as Anthropic's does during a model load).
    NotSent(SendFailure),
}

/// How a collected answer ended.
#[derive(Debug)]
pub enum End {
    /// With its final chunk.
    Complete,
    /// With Ollama's own error line (its message); the line was collected too.
    OllamaError(String),
    /// Ollama closed the answer before its final chunk.
    Closed,
    Broke(Interruption),
}

/// One step of an [`Answer`].
pub enum Item<C> {
    /// A line (its terminator included) and what it parsed as.
    Line(Bytes, C),
    /// The answer broke off; nothing follows.
    Broke(Interruption),
    /// Ollama closed the answer before its final chunk; nothing follows.
    Closed,
}

type Lines = Pin<Box<dyn Stream<Item = Result<Bytes, Failure>> + Send>>;
type Pending =
    Pin<Box<dyn Future<Output = Result<(Routed, reqwest::Response), SendFailure>> + Send>>;

enum Source {
    /// The request is still on its way (the response was committed before Ollama answered).
    Pending(Pending),
    Lines(Lines),
    Ended,
}

/// What the final chunk is learned against.
struct Learn {
    decision: Arc<Decision>,
    tally: BodyEstimate,
    record: u64,
}

/// An upstream answer being read. See the module doc.
pub struct Answer<C> {
    state: AppState,
    source: Source,
    learn: Option<Learn>,
    guard: Option<StreamGuard>,
    /// The final chunk (or Ollama's error line) has been read.
    finished: bool,
    /// The final chunk showed a cut prompt: how, and Ollama's count.
    cut: Option<(Cut, u64)>,
    _chunk: std::marker::PhantomData<fn() -> C>,
}

impl<C: NativeChunk> Answer<C> {
    /// Ollama's answer to `routed`, its headers in.
    pub fn new(state: &AppState, routed: &Routed, response: reqwest::Response) -> Answer<C> {
        let guard = routed
            .decision
            .as_ref()
            .map(|d| state.stream_guard(&d.model));
        let mut answer = Answer::with_source(state, guard, Source::Ended);
        answer.attach(routed, response);
        answer
    }

    /// An answer whose request is still being sent: `sent` resolves to the request as finally
    /// sent (a refusal for length routes it again) and Ollama's response. `guard` marks the
    /// model busy meanwhile (a model load).
    pub fn pending(
        state: &AppState,
        guard: Option<StreamGuard>,
        sent: impl Future<Output = Result<(Routed, reqwest::Response), SendFailure>> + Send + 'static,
    ) -> Answer<C> {
        Answer::with_source(state, guard, Source::Pending(Box::pin(sent)))
    }

    /// An answer from lines already framed (tests).
    #[cfg(test)]
    pub(crate) fn from_lines(
        state: &AppState,
        guard: Option<StreamGuard>,
        lines: impl Stream<Item = Result<Bytes, Failure>> + Send + 'static,
    ) -> Answer<C> {
        Answer::with_source(state, guard, Source::Lines(Box::pin(lines)))
    }

    fn with_source(state: &AppState, guard: Option<StreamGuard>, source: Source) -> Answer<C> {
        Answer {
            state: state.clone(),
            source,
            learn: None,
            guard,
            finished: false,
            cut: None,
            _chunk: std::marker::PhantomData,
        }
    }

    fn attach(&mut self, routed: &Routed, response: reqwest::Response) {
        self.learn = routed.decision.clone().map(|decision| Learn {
            decision,
            tally: routed.tally,
            record: routed.record,
        });
        let url = self.state.upstream().base_url().to_owned();
        let idle = routed.settings.config.upstream.idle_timeout.0;
        let bytes = response.bytes_stream().map_err(move |e| {
            Failure::Upstream(format!(
                "the answer from Ollama at {url} broke off: {}",
                crate::upstream::root_cause(&e)
            ))
        });
        let bytes = crate::stream::with_idle_timeout(Box::pin(bytes), idle, move || {
            Failure::UpstreamTimeout(format!(
                "Ollama went silent longer than upstream.idle_timeout ({idle:?})"
            ))
        });
        self.source = Source::Lines(Box::pin(crate::stream::ndjson_frames(Box::pin(bytes))));
    }

    /// The final chunk showed a cut prompt: how, and Ollama's `prompt_eval_count`.
    pub fn cut(&self) -> Option<(Cut, u64)> {
        self.cut
    }

    /// The next line, or how the answer ended; `None` once it is over.
    pub async fn next(&mut self) -> Option<Item<C>> {
        loop {
            match &mut self.source {
                Source::Ended => return None,
                Source::Pending(sent) => match sent.await {
                    Ok((routed, response)) => self.attach(&routed, response),
                    Err(failure) => {
                        self.end();
                        return Some(Item::Broke(Interruption::NotSent(failure)));
                    }
                },
                Source::Lines(lines) => {
                    let line = match lines.next().await {
                        Some(Ok(line)) => line,
                        None if self.finished => {
                            self.end();
                            return None;
                        }
                        None => {
                            self.end();
                            return Some(Item::Closed);
                        }
                        Some(Err(failure)) => return self.broke(failure),
                    };
                    let chunk = match C::parse(&line) {
                        Ok(chunk) => chunk,
                        Err(e) => {
                            let url = self.state.upstream().base_url().to_owned();
                            return self.broke(Failure::Upstream(format!(
                                "Ollama at {url} sent a line the router cannot read: {e}"
                            )));
                        }
                    };
                    if !self.finished && (chunk.done() || chunk.error().is_some()) {
                        self.finish(&chunk);
                    }
                    return Some(Item::Line(line, chunk));
                }
            }
        }
    }

    /// The final chunk or Ollama's error line: the answer is complete (not a cancellation), and
    /// a final chunk is learned from. Later lines are still read (the connection goes back to
    /// the pool only once the body is read to its end).
    fn finish(&mut self, chunk: &C) {
        self.finished = true;
        if let Some(guard) = self.guard.as_mut() {
            guard.finish();
        }
        if chunk.error().is_none()
            && let Some(learn) = &self.learn
        {
            let metrics = chunk.metrics();
            // A stream's headers are gone: a cut shows in the decision log and metrics.
            if let Some(how) =
                self.state
                    .observe(&learn.decision, &learn.tally, learn.record, &metrics)
            {
                self.cut = Some((how, metrics.prompt_eval_count.unwrap_or(0)));
            }
        }
    }

    fn broke(&mut self, failure: Failure) -> Option<Item<C>> {
        self.end();
        if self.finished {
            // After the final chunk nothing the client needs is missing.
            return None;
        }
        count_upstream_error(&self.state, "midstream");
        tracing::warn!(error = %failure, "upstream failed mid-answer");
        Some(Item::Broke(Interruption::Failure(failure)))
    }

    /// Over, whichever way: not a client hang-up.
    fn end(&mut self) {
        self.source = Source::Ended;
        if let Some(guard) = self.guard.as_mut() {
            guard.finish();
        }
    }
}

/// Counts a failure on Ollama's side (`reason`: connect, status, midstream, passthrough).
pub fn count_upstream_error(state: &AppState, reason: &str) {
    state
        .metrics()
        .upstream_errors
        .get_or_create(&ReasonLabels {
            reason: reason.to_owned(),
        })
        .inc();
}

/// Sends a routed request ([`AppState::send_routed`]: a prompt Ollama refuses as too long, or a
/// model it lacks, is routed again, and `routed` then describes what was sent), counting what
/// failed.
pub async fn send(
    state: &AppState,
    dialect: Dialect,
    endpoint: Endpoint,
    headers: &HeaderMap,
    routed: &mut Routed,
) -> Result<reqwest::Response, SendFailure> {
    let result = state.send_routed(dialect, endpoint, headers, routed).await;
    match &result {
        Err(SendFailure::Upstream(e)) => {
            tracing::warn!(error = %e, "upstream request failed");
            count_upstream_error(state, "connect");
        }
        Err(SendFailure::Status { .. }) => count_upstream_error(state, "status"),
        _ => {}
    }
    result
}

/// A dialect's streamed answer: bytes for each line and for each way the answer can end.
pub trait Encoder: Send + 'static {
    type Chunk: NativeChunk;
    /// Bytes sent before anything from Ollama (Anthropic's `message_start` and `ping`).
    fn open(&mut self) -> Bytes {
        Bytes::new()
    }
    /// One upstream line (`line` is its bytes, terminator included).
    fn chunk(&mut self, line: Bytes, chunk: &Self::Chunk) -> Bytes;
    fn broke(&mut self, why: &Interruption) -> Bytes;
    /// Ollama closed the answer before its final chunk.
    fn closed(&mut self) -> Bytes;
    /// Nothing more will be written: the stream ends (and the upstream request is dropped).
    fn is_finished(&self) -> bool;
    /// A frame to send whenever the stream has been silent this long.
    fn keep_alive(&self) -> Option<(Duration, Bytes)> {
        None
    }
}

struct Streaming<E: Encoder> {
    answer: Answer<E::Chunk>,
    encoder: E,
    opening: Option<Bytes>,
    keep_alive: Option<(Duration, Bytes, Pin<Box<tokio::time::Sleep>>)>,
}

/// A streamed answer's body: each line through `encoder`, one write per line. Lazy: dropping
/// the body (a client hang-up) drops the upstream request.
pub fn stream<E: Encoder>(answer: Answer<E::Chunk>, mut encoder: E) -> Body {
    let opening = Some(encoder.open()).filter(|b| !b.is_empty());
    let keep_alive = encoder
        .keep_alive()
        .map(|(every, frame)| (every, frame, Box::pin(tokio::time::sleep(every))));
    let state = Streaming {
        answer,
        encoder,
        opening,
        keep_alive,
    };
    let frames = futures_util::stream::unfold(state, |mut s| async move {
        if let Some(opening) = s.opening.take() {
            return Some((Ok::<Bytes, std::convert::Infallible>(opening), s));
        }
        loop {
            if s.encoder.is_finished() {
                return None;
            }
            let next = match s.keep_alive.as_mut() {
                None => Some(s.answer.next().await),
                Some((_, _, timer)) => tokio::select! {
                    item = s.answer.next() => Some(item),
                    () = timer.as_mut() => None,
                },
            };
            if let (Some(Some(Item::Line(..))) | None, Some((every, _, timer))) =
                (&next, s.keep_alive.as_mut())
            {
                timer.as_mut().reset(tokio::time::Instant::now() + *every);
            }
            let bytes = match next {
                None => s
                    .keep_alive
                    .as_ref()
                    .map(|(_, frame, _)| frame.clone())
                    .unwrap_or_default(),
                Some(None) => return None,
                Some(Some(Item::Line(line, chunk))) => s.encoder.chunk(line, &chunk),
                Some(Some(Item::Broke(why))) => s.encoder.broke(&why),
                Some(Some(Item::Closed)) => s.encoder.closed(),
            };
            if !bytes.is_empty() {
                return Some((Ok(bytes), s));
            }
        }
    });
    Body::from_stream(frames)
}

/// `Content-Type: text/event-stream` and the headers that keep an SSE stream unbuffered.
pub fn sse_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Tells nginx-style proxies in between not to buffer the stream.
    headers.insert(
        http::HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
}

/// A dialect's non-streamed answer, built from every line.
pub trait Collector: Clone + Send + 'static {
    type Chunk: NativeChunk;
    fn push(&mut self, line: Bytes, chunk: Self::Chunk);
}

/// A whole answer, read.
pub struct Collected<C> {
    pub collector: C,
    pub end: End,
    /// Ollama's status and headers.
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The request as finally sent.
    pub routed: Routed,
    /// The prompt was cut (and could not be asked for again): how, and Ollama's count.
    pub cut: Option<(Cut, u64)>,
}

/// Sends `routed` and reads the whole answer into `collector`. An answer whose prompt Ollama cut
/// is asked for once more at a context that holds it (the client has seen nothing yet).
/// `Err`: the request got no answer; the routing it was last sent with comes back too.
pub async fn collect<C: Collector>(
    state: &AppState,
    dialect: Dialect,
    endpoint: Endpoint,
    headers: &HeaderMap,
    mut routed: Routed,
    collector: C,
) -> Result<Collected<C>, (SendFailure, Routed)> {
    let mut retried_after_cut = false;
    loop {
        let response = match send(state, dialect, endpoint, headers, &mut routed).await {
            Ok(response) => response,
            Err(failure) => return Err((failure, routed)),
        };
        let (status, upstream_headers) = (response.status(), response.headers().clone());
        let mut answer = Answer::<C::Chunk>::new(state, &routed, response);
        let mut filled = collector.clone();
        let mut end = End::Complete;
        while let Some(item) = answer.next().await {
            match item {
                Item::Line(line, chunk) => {
                    if let Some(message) = chunk.error() {
                        end = End::OllamaError(message.to_owned());
                    }
                    filled.push(line, chunk);
                }
                Item::Closed => end = End::Closed,
                Item::Broke(why) => end = End::Broke(why),
            }
        }
        let cut = answer.cut();
        if let (Some(_), Some(decision)) = (cut, &routed.decision)
            && !retried_after_cut
            && let Some(again) = state.retry_after_cut(dialect, endpoint, headers, &routed)
        {
            tracing::warn!(model = %decision.model, "retrying a cut prompt at a larger context");
            retried_after_cut = true;
            routed = again;
            continue;
        }
        return Ok(Collected {
            collector: filled,
            end,
            status,
            headers: upstream_headers,
            routed,
            cut,
        });
    }
}

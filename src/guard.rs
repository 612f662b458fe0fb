//! The request guard: every request passes it before any handler runs. It keeps web pages and
//! other machines out (DNS-rebinding `Host` check like Ollama's, an `Origin` allow-list with
//! Ollama's defaults and CORS preflight answers, browser form posts refused, tokens off
//! loopback), refuses pass-through paths that would not be forwarded exactly as received, and
//! bounds what callers can hold (concurrent requests, request-body bytes in memory, stalled
//! uploads). Refusals are answered in the caller's dialect, before anything is read or sent.
//!
//! Why here and not in the handlers: a refusal must happen before a body is read or Ollama is
//! touched, and the same rules must hold for routed, translated and passed-through paths alike.
//! The decisions themselves ([`host_allowed`], [`origin_allowed`], [`path_forwardable`],
//! [`token_matches`], ...) are pure functions, unit-tested below and fuzzed.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body::{Frame, SizeHint};
use subtle::ConstantTimeEq;

use crate::config::{AuthConfig, Config, LimitsConfig};
use crate::failure::Failure;
use crate::state::AppState;
use router_core::request::Dialect;

/// Origins Ollama allows by default (`envconfig.AllowedOrigins`); `*` matches any rest.
pub const DEFAULT_ORIGINS: &[&str] = &[
    "http://localhost",
    "https://localhost",
    "http://localhost:*",
    "https://localhost:*",
    "http://127.0.0.1",
    "https://127.0.0.1",
    "http://127.0.0.1:*",
    "https://127.0.0.1:*",
    "http://0.0.0.0",
    "https://0.0.0.0",
    "http://0.0.0.0:*",
    "https://0.0.0.0:*",
    "app://*",
    "file://*",
    "tauri://*",
    "vscode-webview://*",
    "vscode-file://*",
];

/// Request headers a browser may send cross-origin: Ollama's list plus what Anthropic's SDK and
/// the router's session headers use.
const ALLOW_HEADERS: &str = "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,\
OpenAI-Beta,X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,\
X-Stainless-Helper-Method,X-Stainless-Lang,X-Stainless-Os,X-Stainless-Package-Version,\
X-Stainless-Poll-Helper,X-Stainless-Retry-Count,X-Stainless-Runtime,\
X-Stainless-Runtime-Version,X-Stainless-Timeout,X-Api-Key,Anthropic-Version,Anthropic-Beta,\
Anthropic-Dangerous-Direct-Browser-Access,X-Session-Id,X-Session-Affinity";
const ALLOW_METHODS: &str = "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS";
/// The router's explanation headers, readable by an allowed page.
const EXPOSE_HEADERS: &str =
    "X-Router-Model,X-Router-Num-Ctx,X-Router-Kind,X-Router-Reason,X-Router-Degraded";
/// Twelve hours, as Ollama (gin-contrib/cors' default).
const PREFLIGHT_MAX_AGE: &str = "43200";

/// Request headers the router takes at most (hyper's own default). hyper is told to parse up to
/// [`crate::server::HYPER_MAX_HEADERS`], more than this, so that a request over it reaches
/// [`guard`] and gets a 431 with a body in its dialect instead of hyper's empty one.
pub const MAX_HEADERS: usize = 100;

/// Bytes of request headers (names and values) the router takes at most; Node's servers take
/// 16 KiB, so no real client sends more. hyper's own bound on a request head (its read buffer,
/// about 400 KiB) is above it: between the two, the answer is a 431 with a body.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Whether a request's headers are over [`MAX_HEADERS`] or [`MAX_HEADER_BYTES`]: the count and
/// total size found, for the refusal's message.
pub fn headers_too_large(headers: &HeaderMap) -> Option<(usize, usize)> {
    let count = headers.len();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    (count > MAX_HEADERS || bytes > MAX_HEADER_BYTES).then_some((count, bytes))
}

/// Whether `listen` (`host:port` from the config) is a loopback address. A name other than
/// `localhost` is not assumed to be loopback.
pub fn is_loopback_listen(listen: &str) -> bool {
    if let Ok(addr) = listen.parse::<SocketAddr>() {
        return addr.ip().to_canonical().is_loopback();
    }
    let host = split_host(listen);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Go's `net.SplitHostPort` host, falling back to the whole value when there is no port.
pub fn split_host(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        return rest.split_once(']').map_or(host_port, |(host, _)| host);
    }
    match host_port.rsplit_once(':') {
        // More than one colon and no brackets: a bare IPv6 address, not host:port.
        Some((host, _)) if !host.contains(':') => host,
        _ => host_port,
    }
}

/// Ollama's Host rule on a loopback bind (`allowedHostsMiddleware`): IP literals that are
/// loopback, private or unspecified; `localhost`, `*.localhost`, `*.local`, `*.internal`; this
/// machine's name; plus the configured names. A DNS-rebinding page arrives with its own domain
/// in `Host` and is refused.
pub fn host_allowed(host_header: &str, extra: &[String], machine_name: Option<&str>) -> bool {
    let host = split_host(host_header.trim()).to_ascii_lowercase();
    if let Ok(ip) = host.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        let local = ip.is_loopback()
            || ip.is_unspecified()
            || match ip {
                IpAddr::V4(v4) => v4.is_private(),
                IpAddr::V6(v6) => v6.is_unique_local(),
            };
        if local {
            return true;
        }
    }
    if host.is_empty() || host == "localhost" {
        return true;
    }
    if machine_name.is_some_and(|name| !name.is_empty() && host.eq_ignore_ascii_case(name)) {
        return true;
    }
    if [".localhost", ".local", ".internal"]
        .iter()
        .any(|tld| host.ends_with(tld))
    {
        return true;
    }
    extra
        .iter()
        .any(|name| split_host(name).eq_ignore_ascii_case(&host))
}

/// One allow-list entry against a browser `Origin`: exact (case-insensitive), or with one `*`
/// standing for any run of characters (gin-contrib/cors' wildcard rule, which Ollama uses).
fn origin_matches(pattern: &str, origin: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let origin = origin.to_ascii_lowercase();
    match pattern.split_once('*') {
        None => pattern == origin,
        Some((prefix, suffix)) => {
            origin.len() >= prefix.len() + suffix.len()
                && origin.starts_with(prefix)
                && origin.ends_with(suffix)
        }
    }
}

/// Whether a browser page at `origin` may call the router: Ollama's defaults or a configured
/// entry (`"*"` allows every origin, as `OLLAMA_ORIGINS=*` does).
pub fn origin_allowed(origin: &str, extra: &[String]) -> bool {
    DEFAULT_ORIGINS
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .any(|pattern| origin_matches(pattern, origin))
}

/// A request whose `Origin` is the router itself (`http://` + `Host`) is not cross-origin.
fn same_origin(origin: &str, host: &str) -> bool {
    !host.is_empty()
        && (origin.strip_prefix("http://") == Some(host)
            || origin.strip_prefix("https://") == Some(host))
}

/// Whether a request path (with its query) reaches Ollama exactly as received. The URL parser
/// behind the upstream client resolves `.` and `..` segments (also `%2e`-encoded ones) and
/// reads `\` as `/`, so `/api/../sim/x` would arrive as `/sim/x`: such paths are refused
/// rather than silently re-resolved. Control characters and a missing leading `/` are refused
/// too.
pub fn path_forwardable(path_and_query: &str) -> bool {
    let path = path_and_query
        .split_once('?')
        .map_or(path_and_query, |(p, _)| p);
    if !path.starts_with('/') || path.contains('\\') {
        return false;
    }
    if path_and_query
        .bytes()
        .any(|b| b.is_ascii_control() || b == b'#')
    {
        return false;
    }
    if path.split('/').any(is_dot_segment) {
        return false;
    }
    // Most paths (every route the router serves) are made of characters the URL parser keeps,
    // and need no parse, which allocates and costs microseconds on every request.
    path_and_query.bytes().all(url_parser_keeps) || survives_url_parser(path_and_query)
}

/// A character the upstream client's URL parser leaves as it is, wherever it stands in a path
/// or query (dot segments aside, which [`path_forwardable`] refuses first).
fn url_parser_keeps(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~/:?=&".contains(&b)
}

/// Whatever the upstream client's URL parser would change (it percent-encodes non-ASCII bytes,
/// spaces, quotes...; found by the `guard_rules` fuzz target) is refused: the target must come
/// out of it exactly as it went in.
fn survives_url_parser(path_and_query: &str) -> bool {
    let probe = format!("http://ollama{path_and_query}");
    reqwest::Url::parse(&probe).is_ok_and(|url| url.as_str() == probe)
}

/// `.` or `..`, also spelled with `%2e` (either case), which URL parsers resolve like dots.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while let Some(&first) = rest.first() {
        if first == b'.' {
            rest = &rest[1..];
        } else if let [b'%', b'2', e, tail @ ..] = rest
            && e.eq_ignore_ascii_case(&b'e')
        {
            rest = tail;
        } else {
            return false;
        }
        dots += 1;
    }
    matches!(dots, 1 | 2)
}

/// The token a request presents: `Authorization: Bearer <t>` or `x-api-key: <t>`.
pub fn presented_token(headers: &HeaderMap) -> Option<&[u8]> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let bytes = value.as_bytes();
        if bytes.len() > 7 && bytes[..7].eq_ignore_ascii_case(b"bearer ") {
            return Some(trim_ascii(&bytes[7..]));
        }
    }
    headers
        .get("x-api-key")
        .map(|value| trim_ascii(value.as_bytes()))
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// Constant-time membership: every configured token is compared in full, whatever matches, so
/// the time taken says nothing about how much of a guess was right.
pub fn token_matches(presented: &[u8], tokens: &[router_core::config::Secret]) -> bool {
    let mut found = subtle::Choice::from(0u8);
    for token in tokens {
        found |= token.expose().as_bytes().ct_eq(presented);
    }
    bool::from(found)
}

/// Paths a loopback client may use without a token when `auth.loopback_without_token` is set:
/// inference and listings. Everything else (admin, model management, blobs) changes state or
/// exposes configuration and always needs the token when tokens are configured.
pub fn is_model_endpoint(method: &Method, path: &str) -> bool {
    if method == Method::GET || method == Method::HEAD {
        return matches!(
            path,
            "/" | "/api/tags" | "/api/ps" | "/api/version" | "/router/health" | "/router/metrics"
        ) || path == "/v1/models"
            || path.starts_with("/v1/models/");
    }
    method == Method::POST
        && matches!(
            path,
            "/api/chat"
                | "/api/generate"
                | "/api/embed"
                | "/api/embeddings"
                | "/api/show"
                | "/v1/chat/completions"
                | "/v1/completions"
                | "/v1/embeddings"
                | "/v1/responses"
                | "/v1/messages"
                | "/v1/messages/count_tokens"
        )
}

/// A browser-style body on a JSON endpoint: a "simple" content type (form, multipart, text, or
/// none) that a page can send cross-site without a preflight. Only requests that carry a
/// browser's marks (`Origin` or `Sec-Fetch-*`) are judged, so `curl -d` keeps working.
pub fn browser_simple_body(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    let from_browser = headers.contains_key(header::ORIGIN)
        || headers.contains_key("sec-fetch-site")
        || headers.contains_key("sec-fetch-mode");
    if !from_browser || matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    // Blob uploads are raw bytes by design.
    if path.starts_with("/api/blobs/") {
        return false;
    }
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    matches!(
        mime.as_str(),
        "" | "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
    )
}

/// Requests that must stay answerable when the router is full: monitoring.
fn exempt_from_limits(path: &str) -> bool {
    matches!(path, "/router/health" | "/router/metrics")
}

/// Bodies that are streamed to Ollama, never held whole (model blobs can be gigabytes).
fn streamed_body(path: &str) -> bool {
    path.starts_with("/api/blobs/")
}

/// This machine's name, which Ollama also accepts as a `Host`.
pub fn machine_name() -> Option<String> {
    static NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
    .clone()
}

// ---------------------------------------------------------------------------------------------
// Shared budgets
// ---------------------------------------------------------------------------------------------

/// What every request draws from: request slots and body bytes. Limits are read from the config
/// snapshot on each request, so a reload applies at once.
#[derive(Debug, Default)]
pub struct Budgets {
    requests: AtomicUsize,
    body_bytes: AtomicU64,
}

impl Budgets {
    /// Requests being handled now (streams included until their last byte).
    pub fn requests_in_flight(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Request-body bytes reserved now.
    pub fn body_bytes_in_flight(&self) -> u64 {
        self.body_bytes.load(Ordering::Relaxed)
    }

    fn try_request(self: &Arc<Self>, max: usize) -> Option<RequestSlot> {
        self.requests
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| RequestSlot(self.clone()))
    }

    fn try_bytes(&self, n: u64, max: u64) -> bool {
        self.body_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= max)
            })
            .is_ok()
    }

    fn release_bytes(&self, n: u64) {
        self.body_bytes.fetch_sub(n, Ordering::AcqRel);
    }
}

/// One request slot, given back when the response body is finished or dropped.
#[derive(Debug)]
struct RequestSlot(Arc<Budgets>);

impl Drop for RequestSlot {
    fn drop(&mut self) {
        self.0.requests.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Body bytes one request holds; given back with the response (the parsed body and its rewrite
/// live as long as the request).
#[derive(Debug)]
struct ByteReservation {
    budgets: Arc<Budgets>,
    held: AtomicU64,
    max: u64,
}

impl ByteReservation {
    fn try_grow(&self, n: u64) -> bool {
        if self.budgets.try_bytes(n, self.max) {
            self.held.fetch_add(n, Ordering::AcqRel);
            true
        } else {
            false
        }
    }
}

impl Drop for ByteReservation {
    fn drop(&mut self) {
        self.budgets
            .release_bytes(self.held.load(Ordering::Acquire));
    }
}

/// The error a body read returns when the byte budget is spent mid-body. Handlers see it as a
/// failed read; its text says what happened and what to change.
pub const BODY_BUDGET_MESSAGE: &str = "the router is holding too many request bodies right now (limits.max_body_bytes_in_flight); retry shortly";
/// The error a body read returns when the client stops sending.
pub const BODY_STALLED_MESSAGE: &str =
    "the request body stalled (nothing received within limits.idle_connection_timeout)";

/// A request body that draws each frame from the byte budget (bodies without a
/// `Content-Length`) and fails when the client stops sending for `stall`.
struct MeteredBody {
    inner: Body,
    reservation: Option<Arc<ByteReservation>>,
    stall: Duration,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for MeteredBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.timer = None;
                if let (Some(data), Some(r)) = (frame.data_ref(), &this.reservation)
                    && !r.try_grow(data.len() as u64)
                {
                    return Poll::Ready(Some(Err(axum::Error::new(BODY_BUDGET_MESSAGE))));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                let stall = this.stall;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(axum::Error::new(BODY_STALLED_MESSAGE))));
                }
                Poll::Pending
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that keeps the request's slot and bytes until it is finished or dropped.
struct HeldBody {
    inner: Body,
    _slot: Option<RequestSlot>,
    _bytes: Option<Arc<ByteReservation>>,
}

impl http_body::Body for HeldBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

// ---------------------------------------------------------------------------------------------
// The middleware
// ---------------------------------------------------------------------------------------------

/// Why a request was refused; each becomes the dialect's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over [`MAX_HEADERS`] headers or [`MAX_HEADER_BYTES`] of them: how many, how large.
    HeadersTooLarge {
        count: usize,
        bytes: usize,
    },
    BadPath,
    ForeignHost(String),
    ForeignOrigin(String),
    Unauthorized,
    BrowserBody,
    Busy {
        retry_after: Duration,
        what: &'static str,
    },
}

impl Refusal {
    /// The metrics label.
    pub fn label(&self) -> &'static str {
        match self {
            Refusal::HeadersTooLarge { .. } => "headers",
            Refusal::BadPath => "path",
            Refusal::ForeignHost(_) => "host",
            Refusal::ForeignOrigin(_) => "origin",
            Refusal::Unauthorized => "token",
            Refusal::BrowserBody => "browser_body",
            Refusal::Busy { .. } => "busy",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::HeadersTooLarge { count, bytes } => format!(
                "request headers too large: {count} headers, {bytes} bytes (at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes)"
            ),
            Refusal::BadPath => "path refused: `.`/`..` segments, backslashes and control characters are not forwarded (they would reach Ollama re-resolved)".into(),
            Refusal::ForeignHost(host) => format!(
                "Host `{host}` is not allowed on a loopback router (DNS-rebinding protection); add it to auth.allowed_hosts in router.toml if it is yours"
            ),
            Refusal::ForeignOrigin(origin) => format!(
                "Origin `{origin}` is not allowed; add it to auth.allowed_origins in router.toml if this page should use the router"
            ),
            Refusal::Unauthorized => "missing or wrong token: send `Authorization: Bearer <token>` or `x-api-key: <token>` with one of auth.tokens".into(),
            Refusal::BrowserBody => "JSON endpoints accept `Content-Type: application/json` from browsers (form and text bodies are refused)".into(),
            Refusal::Busy { what, .. } => format!("the router is at its limit of {what}; retry shortly"),
        }
    }

    /// The refusal as the router's one failure type, which every dialect renders.
    pub fn failure(&self) -> Failure {
        let message = self.message();
        match self {
            Refusal::HeadersTooLarge { .. } => Failure::HeadersTooLarge(message),
            Refusal::BadPath => Failure::BadRequest(message),
            Refusal::ForeignHost(_) | Refusal::ForeignOrigin(_) => Failure::Forbidden(message),
            Refusal::Unauthorized => Failure::Unauthorized(message),
            Refusal::BrowserBody => Failure::UnsupportedMediaType(message),
            Refusal::Busy { retry_after, .. } => Failure::Overloaded {
                message,
                retry_after: Some(*retry_after),
            },
        }
    }

    /// The refusal in the caller's dialect.
    pub fn render(&self, dialect: Dialect) -> Response {
        self.failure().render(dialect)
    }
}

/// The client's and the router's addresses, put in request extensions by the serve loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The guard as axum middleware (`api::app` layers it over every route).
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let settings = state.settings();
    let config: &Config = &settings.config;
    let path = req.uri().path().to_string();
    let dialect = crate::api::dialect_of_path(&path);
    let refuse = |r: Refusal| {
        // The message names the rule, never a presented token.
        tracing::warn!(%path, reason = %r.message(), status = r.failure().status(dialect).as_u16(), "request refused");
        state
            .metrics()
            .refused
            .get_or_create(&crate::observe::ReasonLabels {
                reason: r.label().into(),
            })
            .inc();
        r.render(dialect)
    };

    // First: nothing else about an oversized head is worth reading.
    if let Some((count, bytes)) = headers_too_large(req.headers()) {
        return refuse(Refusal::HeadersTooLarge { count, bytes });
    }

    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or(path.as_str(), |pq| pq.as_str());
    if !path_forwardable(path_and_query) {
        return refuse(Refusal::BadPath);
    }

    let auth: &AuthConfig = &config.auth;
    let host = request_host(&req);
    if is_loopback_listen(&config.listen)
        && !host_allowed(&host, &auth.allowed_hosts, machine_name().as_deref())
    {
        return refuse(Refusal::ForeignHost(host));
    }

    // CORS: a cross-origin page must be on the list; its preflight is answered here.
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let cross_origin = origin
        .as_deref()
        .filter(|o| !same_origin(o, &host))
        .map(str::to_owned);
    if let Some(o) = &cross_origin {
        if !origin_allowed(o, &auth.allowed_origins) {
            return refuse(Refusal::ForeignOrigin(o.clone()));
        }
        if req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return preflight(o);
        }
    }

    if !auth.tokens.is_empty() {
        let loopback_peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .or_else(|| req.extensions().get::<Peer>().map(|p| p.0))
            .is_some_and(|a| a.ip().to_canonical().is_loopback());
        let exempt =
            auth.loopback_without_token && loopback_peer && is_model_endpoint(req.method(), &path);
        let ok = presented_token(req.headers()).is_some_and(|t| token_matches(t, &auth.tokens));
        if !ok && !exempt {
            return refuse(Refusal::Unauthorized);
        }
        // The router's token is not Ollama's business: it never travels upstream.
        if ok {
            req.headers_mut().remove(header::AUTHORIZATION);
            req.headers_mut().remove("x-api-key");
        }
    }

    if browser_simple_body(req.method(), &path, req.headers()) {
        return refuse(Refusal::BrowserBody);
    }

    let limits: &LimitsConfig = &config.limits;
    let retry_after = limits.retry_after.0;
    let budgets = state.budgets();
    let slot = if exempt_from_limits(&path) {
        None
    } else {
        match budgets.try_request(limits.max_concurrent_requests) {
            Some(slot) => Some(slot),
            None => {
                return refuse(Refusal::Busy {
                    retry_after,
                    what: "concurrent requests (limits.max_concurrent_requests)",
                });
            }
        }
    };

    let mut bytes = None;
    if !streamed_body(&path) && !matches!(*req.method(), Method::GET | Method::HEAD) {
        let max = limits.max_body_bytes_in_flight.bytes();
        let reservation = Arc::new(ByteReservation {
            budgets: budgets.clone(),
            held: AtomicU64::new(0),
            max,
        });
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let limit = config.upstream.body_limit.bytes();
        // A declared body is reserved whole before it is read. One over `upstream.body_limit`
        // reserves nothing: the handler answers its 413 without reading it.
        if let Some(n) = declared.filter(|n| *n <= limit)
            && !reservation.try_grow(n)
        {
            return refuse(Refusal::Busy {
                retry_after,
                what: "request-body bytes held in memory (limits.max_body_bytes_in_flight)",
            });
        }
        let stall = limits.idle_connection_timeout.0;
        let metered = declared.is_none().then(|| reservation.clone());
        bytes = Some(reservation);
        let (parts, body) = req.into_parts();
        let body = Body::new(MeteredBody {
            inner: body,
            reservation: metered,
            stall,
            timer: None,
        });
        req = Request::from_parts(parts, body);
    }

    let mut response = next.run(req).await;
    if let Some(o) = &cross_origin {
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(o) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    if slot.is_some() || bytes.is_some() {
        response = response.map(|inner| {
            Body::new(HeldBody {
                inner,
                _slot: slot,
                _bytes: bytes,
            })
        });
    }
    response
}

/// `Host`, or the authority of an absolute-form request target.
fn request_host(req: &Request) -> String {
    req.headers()
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default()
}

/// The answer to an allowed origin's preflight (as gin-contrib/cors gives it for Ollama).
fn preflight(origin: &str) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    for vary in [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    ] {
        h.append(header::VARY, HeaderValue::from_static(vary));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_like_ollama() {
        let none: Vec<String> = Vec::new();
        for ok in [
            "localhost",
            "localhost:11435",
            "LOCALHOST:1",
            "127.0.0.1:11435",
            "[::1]:11435",
            "::1",
            "10.0.0.5:80",
            "192.168.1.2",
            "0.0.0.0:11435",
            "dev.localhost",
            "box.local:8",
            "gpu.internal",
            "",
        ] {
            assert!(host_allowed(ok, &none, None), "{ok} should pass");
        }
        for bad in [
            "attacker.example",
            "attacker.example:11435",
            "8.8.8.8",
            "localhost.attacker.example",
            "[2001:db8::1]:80",
            "127.0.0.1.nip.io",
        ] {
            assert!(!host_allowed(bad, &none, None), "{bad} should be refused");
        }
        assert!(host_allowed("mybox:11435", &none, Some("MyBox")));
        assert!(host_allowed(
            "router.lan:11435",
            &["router.lan".to_string()],
            None
        ));
    }

    #[test]
    fn origins_like_ollama() {
        let none: Vec<String> = Vec::new();
        for ok in [
            "http://localhost",
            "http://localhost:3000",
            "https://127.0.0.1:8443",
            "app://obsidian.md",
            "file://",
            "tauri://localhost",
            "vscode-webview://abc",
            "vscode-file://vscode-app",
        ] {
            assert!(origin_allowed(ok, &none), "{ok} should pass");
        }
        for bad in [
            "https://attacker.example",
            "http://localhost.attacker.example",
            "null",
            "chrome-extension://abc",
            "http://127.0.0.1.attacker.example",
        ] {
            assert!(!origin_allowed(bad, &none), "{bad} should be refused");
        }
        assert!(origin_allowed(
            "https://chat.example.org",
            &["https://*.example.org".to_string()]
        ));
        assert!(origin_allowed("https://anything", &["*".to_string()]));
    }

    #[test]
    fn dot_segments_are_refused() {
        for ok in [
            "/api/tags",
            "/api/show?x=1",
            "/v1/models/hf.co/org/m:q4",
            "/api/blobs/sha256:abc",
            "/a/...b/c",
            "/api/x?path=../../etc",
        ] {
            assert!(path_forwardable(ok), "{ok}");
        }
        for bad in [
            "/api/../sim/reset",
            "/api/%2e%2e/sim/reset",
            "/api/%2E./x",
            "/./api/tags",
            "/api\\..\\x",
            "api/tags",
            "/api/tags/..",
            // Found by fuzzing: the URL parser would re-encode it as /aki%EF%BF%BDtags.
            "/aki\u{fffd}tags",
            "/api/tags?q=\"x\"",
        ] {
            assert!(!path_forwardable(bad), "{bad}");
        }
    }

    proptest::proptest! {
        /// The allocation-free dot-segment test agrees with the rule it replaced (lower-case,
        /// turn `%2e` into `.`, compare with `.` and `..`).
        #[test]
        fn dot_segments_are_found_like_the_lowercase_rule(segment in "([.a%2eE]|%2[eE]|\\PC){0,8}") {
            let dots = segment.to_ascii_lowercase().replace("%2e", ".");
            proptest::prop_assert_eq!(is_dot_segment(&segment), dots == "." || dots == "..");
        }

        /// The fast path never passes a path the URL parser would change: paths drawn from
        /// wider text (spaces, quotes, `%`, `#`, backslashes, non-ASCII), kept to the characters
        /// [`url_parser_keeps`] accepts, come out of the parser as they went in. A character let
        /// into that set that the parser rewrites fails here.
        #[test]
        fn kept_characters_survive_the_url_parser(
            raw in "/([a-zA-Z0-9._~:?=&/ #%\\\\\"<>{}|^`'\\[\\]@!$()*+,;-]|\\PC){0,24}"
        ) {
            let path: String = raw
                .chars()
                .filter(|c| c.is_ascii() && url_parser_keeps(*c as u8))
                .collect();
            let (before_query, _) = path.split_once('?').unwrap_or((&path, ""));
            proptest::prop_assume!(!before_query.split('/').any(is_dot_segment));
            proptest::prop_assert!(survives_url_parser(&path), "{}", path);
        }
    }

    #[test]
    fn tokens_compare_whole() {
        let tokens = vec![
            router_core::config::Secret::new("s3cret-token".into()),
            router_core::config::Secret::new("other".into()),
        ];
        assert!(token_matches(b"s3cret-token", &tokens));
        assert!(token_matches(b"other", &tokens));
        assert!(!token_matches(b"s3cret", &tokens));
        assert!(!token_matches(b"s3cret-token2", &tokens));
        assert!(!token_matches(b"", &tokens));
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer  abc "),
        );
        assert_eq!(presented_token(&h), Some(&b"abc"[..]));
        let mut h = HeaderMap::new();
        h.insert("x-api-key", HeaderValue::from_static("k"));
        assert_eq!(presented_token(&h), Some(&b"k"[..]));
    }

    #[test]
    fn loopback_listen() {
        assert!(is_loopback_listen("127.0.0.1:11435"));
        assert!(is_loopback_listen("[::1]:1"));
        assert!(is_loopback_listen("localhost:11435"));
        assert!(!is_loopback_listen("0.0.0.0:11435"));
        assert!(!is_loopback_listen("192.168.1.5:11435"));
        assert!(!is_loopback_listen("myhost:11435"));
    }

    #[test]
    fn browser_bodies() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        // curl -d without a browser's marks passes.
        assert!(!browser_simple_body(&Method::POST, "/api/chat", &h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:3000"),
        );
        assert!(browser_simple_body(&Method::POST, "/api/chat", &h));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(!browser_simple_body(&Method::POST, "/api/chat", &h));
    }
}

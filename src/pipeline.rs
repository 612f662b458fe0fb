//! The routing pipeline every dialect shares: native body → view → classify → decide → rewritten
//! body (synchronous, CPU-only), and sending the result so that no prompt is cut silently: a
//! prompt Ollama refuses as too long is routed again for the size Ollama reported
//! ([`AppState::send_routed`]); an answer whose `prompt_eval_count` shows a cut is counted, logged
//! and marked ([`AppState::observe`]).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use indexmap::IndexMap;
use serde_json::value::RawValue;

use crate::config::Settings;
use crate::observe::{DecisionLabels, DecisionRecord, ReasonLabels};
use crate::state::AppState;
use crate::upstream::UpstreamError;
use crate::vocab::Vocabularies;
use router_core::classify::{ModelTarget, VIRTUAL_MODELS, classify, resolve_model};
use router_core::request::{
    Dialect, Endpoint, Kind, KindHint, NativeBody, ParseError, parse_native,
};
use router_core::route::{Candidates, Decision, RouteError, TokenCount, World, decide};
use router_core::tokens::{BodyEstimate, estimate_body, upper_bound};
use router_core::translate::native::Metrics;
use router_core::truncation::{Cut, context_refusal};

/// One request to route, in native form.
pub struct RouteInput<'a> {
    /// The request's configuration snapshot, loaded once by the handler and used by every step
    /// of the request (body limit, routing, relay timeouts), so a reload mid-request cannot mix
    /// two configurations.
    pub settings: Arc<Settings>,
    pub dialect: Dialect,
    pub endpoint: Endpoint,
    /// A native `/api/chat` or `/api/generate` JSON body.
    pub body: &'a [u8],
    pub headers: &'a HeaderMap,
    pub hint: Option<KindHint>,
    /// A session id found in the body by the dialect (e.g. Anthropic `metadata.user_id`).
    pub session: Option<String>,
}

impl<'a> RouteInput<'a> {
    /// The same input again (to route it a second time after Ollama refused a model).
    pub fn again(&self) -> RouteInput<'a> {
        RouteInput {
            settings: self.settings.clone(),
            dialect: self.dialect,
            endpoint: self.endpoint,
            body: self.body,
            headers: self.headers,
            hint: self.hint.clone(),
            session: self.session.clone(),
        }
    }
}

/// The body to send upstream, and the decision behind it.
#[derive(Debug, Clone)]
pub struct Routed {
    pub body: Bytes,
    /// `None`: the model is not one the router routes (custom, embedding); body untouched.
    pub decision: Option<Arc<Decision>>,
    /// The fallback's per-class estimate, for calibration when the answer arrives.
    pub tally: BodyEstimate,
    /// [`Decision::reason`], built once: the log line and the header both carry it.
    pub reason: String,
    /// The decision's entry in the decision log, to mark a cut prompt on when the answer shows one.
    pub record: u64,
    /// The client asked for one JSON answer (`stream: false`), which can be retried unseen.
    pub single: bool,
    /// Why this request was routed a second time (`refused`, `cut`), if it was.
    pub retried: Option<&'static str>,
    /// The snapshot the request was routed with; the relay reads its timeouts from it.
    pub settings: Arc<Settings>,
}

impl Routed {
    /// `x-router-*` headers explaining the decision.
    pub fn response_headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let Some(d) = &self.decision else {
            return Vec::new();
        };
        let mut out = vec![
            (
                HeaderName::from_static("x-router-model"),
                HeaderValue::from_str(&d.model).ok(),
            ),
            (
                HeaderName::from_static("x-router-num-ctx"),
                Some(HeaderValue::from(d.num_ctx)),
            ),
            (
                HeaderName::from_static("x-router-kind"),
                Some(HeaderValue::from_static(d.kind.as_str())),
            ),
            (
                HeaderName::from_static("x-router-reason"),
                HeaderValue::from_str(&self.reason).ok(),
            ),
        ];
        if d.degraded {
            out.push((
                HeaderName::from_static("x-router-degraded"),
                Some(HeaderValue::from_static("true")),
            ));
        }
        if let Some(why) = self.retried {
            out.push((
                HeaderName::from_static("x-router-retried"),
                Some(HeaderValue::from_static(why)),
            ));
        }
        out.into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect()
    }
}

/// Why a request could not be routed. Each dialect renders it in its own error shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RouteFailure {
    #[error("{0}")]
    BadRequest(String),
    #[error("model '{0}' not found")]
    ModelNotFound(String),
    #[error("prompt is too long: {tokens} tokens > {max} maximum")]
    PromptTooLong { tokens: u32, max: u32 },
    #[error("{0}")]
    NoRoute(String),
}

impl From<ParseError> for RouteFailure {
    fn from(e: ParseError) -> RouteFailure {
        RouteFailure::BadRequest(e.to_string())
    }
}

/// Why a routed request has no answer to relay.
#[derive(Debug)]
pub enum SendFailure {
    /// Ollama could not be reached, or did not answer in time.
    Upstream(UpstreamError),
    /// Ollama answered an error: its status and body (one short JSON object), relayed as is.
    Status {
        status: http::StatusCode,
        body: Bytes,
    },
    /// Ollama refused the prompt as longer than the context and no context the router may give
    /// holds it. Native clients get Ollama's own answer (`status`, `body`); the other dialects
    /// their "prompt is too long" with `tokens` (Ollama's count when it gave one) and `max`.
    PromptTooLong {
        tokens: u32,
        max: u32,
        status: http::StatusCode,
        body: Bytes,
    },
}

/// An `x-router-truncated` header for a non-streamed answer whose prompt Ollama cut.
pub fn cut_header(cut: Cut, prompt_eval_count: u64) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("x-router-truncated"),
        HeaderValue::from_str(&format!(
            "{}; prompt_eval_count={prompt_eval_count}",
            cut.as_str()
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("true")),
    )
}

/// The message of a native error body (`{"error": "..."}`), else its text.
pub fn native_error_text(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct NativeError {
        error: serde_json::Value,
    }
    match serde_json::from_slice::<NativeError>(body) {
        Ok(NativeError {
            error: serde_json::Value::String(s),
        }) => s,
        Ok(NativeError { error }) => error.to_string(),
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    }
}

/// Upper bound for reading a native error body: it is one short JSON object.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

async fn read_bounded(response: reqwest::Response) -> Bytes {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(Ok(chunk)) = chunks.next().await {
        body.extend_from_slice(&chunk);
        if body.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    Bytes::from(body)
}

/// Models for listings: what Ollama has, plus the router's virtual names.
#[derive(Debug, Clone, Default)]
pub struct ModelList {
    pub installed: Vec<ModelEntry>,
    pub virtual_models: Vec<ModelEntry>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelEntry {
    pub name: String,
    pub modified_at: String,
    pub size: u64,
    pub context_length: Option<u32>,
    pub capabilities: Vec<String>,
}

/// Session identity: the client's own id if a header or the body carries one, else a hash of the
/// conversation's opening (system + first user message), which stays stable as the chat grows.
fn session_id(
    headers: &HeaderMap,
    body_session: Option<String>,
    native: &NativeBody<'_>,
) -> Option<String> {
    for h in [
        "x-claude-code-session-id",
        "x-session-id",
        "x-session-affinity",
    ] {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok())
            && !v.is_empty()
        {
            return Some(v.to_string());
        }
    }
    if body_session.is_some() {
        return body_session;
    }
    let messages = native.peek.messages.as_ref()?;
    let first_user = messages.iter().find(|m| m.role == "user")?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    // A prefix and the length identify a conversation's opening well enough; hashing a whole
    // pasted file on every request would not.
    let mut feed = |raw: Option<&RawValue>| {
        let text = raw.map_or("", RawValue::get);
        text.len().hash(&mut hasher);
        text.as_bytes()[..text.len().min(4096)].hash(&mut hasher);
    };
    for m in messages.iter().filter(|m| m.role == "system").take(1) {
        feed(m.content);
    }
    feed(first_user.content);
    Some(format!("conv-{:016x}", hasher.finish()))
}

/// Writes the routed body: `model` replaced, `options.num_ctx` set, reload-forcing options
/// dropped (and `keep_alive` replaced when configured). The new values are spliced in at the
/// byte positions of the old ones; everything else — megabytes of messages — is copied as is.
pub fn rewrite_native(native: &NativeBody<'_>, decision: &Decision, settings: &Settings) -> Bytes {
    let routing = &settings.config.routing;
    let body = native.body;
    let model = serde_json::to_string(&decision.model).unwrap_or_default();
    let mut options = Vec::new();
    write_options(
        &mut options,
        native.peek.options,
        decision.num_ctx,
        &routing.drop_options,
        &routing.keep_options,
    );
    let options = String::from_utf8(options).unwrap_or_default();
    let keep_alive = routing.keep_alive.as_deref().map(keep_alive_json);

    let mut replace: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    let mut insert: Vec<(&str, &str)> = Vec::new();
    let edits = [
        ("model", native.peek.model, Some(model.as_str())),
        ("options", native.peek.options, Some(options.as_str())),
        ("keep_alive", native.peek.keep_alive, keep_alive.as_deref()),
    ];
    for (field, raw, value) in edits {
        let Some(value) = value else { continue };
        match raw {
            Some(r) => replace.push((span_of(body, r), value)),
            None => insert.push((field, value)),
        }
    }
    // Refused with its size beats cut silently (see `routing.allow_truncation`).
    if !routing.allow_truncation && native.peek.truncate.is_none() {
        insert.push(("truncate", "false"));
    }
    replace.sort_by_key(|(range, _)| range.start);
    let mut out = Vec::with_capacity(body.len() + 96);
    let mut at = 0;
    for (range, value) in replace {
        out.extend_from_slice(&body[at..range.start]);
        out.extend_from_slice(value.as_bytes());
        at = range.end;
    }
    // Missing fields go in before the closing brace.
    let close = body.iter().rposition(|b| *b == b'}').unwrap_or(body.len());
    out.extend_from_slice(&body[at..close.max(at)]);
    let mut empty_object = body[..close]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b'{');
    for (field, value) in insert {
        if !empty_object {
            out.push(b',');
        }
        empty_object = false;
        out.extend_from_slice(format!("\"{field}\":{value}").as_bytes());
    }
    out.extend_from_slice(&body[close.max(at)..]);
    Bytes::from(out)
}

/// Where a borrowed raw value sits in the body it was parsed from.
fn span_of(body: &[u8], raw: &RawValue) -> std::ops::Range<usize> {
    let start = (raw.get().as_ptr() as usize).saturating_sub(body.as_ptr() as usize);
    start..start + raw.get().len()
}

/// Ollama reads a JSON number as seconds and a string as a Go duration; keep numbers numbers.
fn keep_alive_json(v: &str) -> String {
    match v.trim().parse::<i64>() {
        Ok(n) => n.to_string(),
        Err(_) => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn write_options(
    out: &mut Vec<u8>,
    raw: Option<&RawValue>,
    num_ctx: u32,
    drop: &[String],
    keep: &[String],
) {
    let parsed: IndexMap<std::borrow::Cow<'_, str>, &RawValue> = raw
        .filter(|r| r.get() != "null")
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or_default();
    out.push(b'{');
    let mut n = 0;
    for (k, v) in &parsed {
        let dropped = drop.iter().any(|d| d == k) && !keep.iter().any(|d| d == k);
        if k == "num_ctx" || dropped {
            continue;
        }
        if n > 0 {
            out.push(b',');
        }
        n += 1;
        out.extend_from_slice(
            serde_json::to_string(k.as_ref())
                .unwrap_or_default()
                .as_bytes(),
        );
        out.push(b':');
        out.extend_from_slice(v.get().as_bytes());
    }
    if n > 0 {
        out.push(b',');
    }
    out.extend_from_slice(format!("\"num_ctx\":{num_ctx}").as_bytes());
    out.push(b'}');
}

/// Whether an installed name and a requested one are the same model (`llama3.2` is
/// `llama3.2:latest`).
fn same_model(installed: &str, requested: &str) -> bool {
    let with_tag = |n: &str| {
        if n.contains(':') {
            n.to_string()
        } else {
            format!("{n}:latest")
        }
    };
    with_tag(installed) == with_tag(requested)
}

/// Ollama's answer to a generation that produced nothing, made up for held-back autocomplete
/// (one final chunk: the same line streamed or not), so every dialect renders it as an empty
/// completion through its usual path.
fn held_back_answer(decision: &Decision, single: bool) -> reqwest::Response {
    let line = serde_json::json!({
        "model": decision.model,
        "created_at": humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string(),
        "response": "",
        "done": true,
        "done_reason": "stop",
        "total_duration": 0,
        "load_duration": 0,
        "prompt_eval_count": 0,
        "prompt_eval_duration": 0,
        "eval_count": 0,
        "eval_duration": 0,
    });
    let mut body = serde_json::to_vec(&line).unwrap_or_default();
    body.push(b'\n');
    let content_type = if single {
        "application/json; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    let response = http::Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap_or_default();
    reqwest::Response::from(response)
}

/// What routing found, before anything is recorded.
struct Plan {
    routed: Routed,
    /// The session to pin to the decision.
    session: Option<String>,
    /// `options.num_ctx` as the client sent it (for counting reloads and truncations avoided).
    client_num_ctx: Option<u64>,
    /// Fill-in-the-middle (an editor's autocomplete).
    fim: bool,
    /// The request offered tools (an agent's turn).
    agent: bool,
}

/// Why routing failed, with the metric label of a routing failure (`None` for a bad request).
struct PlanFailure {
    failure: RouteFailure,
    label: Option<&'static str>,
    model: String,
}

impl From<ParseError> for PlanFailure {
    fn from(e: ParseError) -> PlanFailure {
        PlanFailure {
            failure: e.into(),
            label: None,
            model: String::new(),
        }
    }
}

impl AppState {
    /// Classifies, decides and rewrites one native request, then records it: the session pin,
    /// the decision log, metrics and the log line. Never awaits.
    pub fn route(&self, input: RouteInput<'_>) -> Result<Routed, RouteFailure> {
        self.route_with(input, None, &[])
    }

    /// Routes `routed`'s request again for a prompt of at least `floor` tokens, keeping its
    /// kind and configuration snapshot: Ollama said the prompt is that long (or longer than the
    /// context it got).
    pub fn reroute(
        &self,
        dialect: Dialect,
        endpoint: Endpoint,
        headers: &HeaderMap,
        routed: &Routed,
        floor: Option<u32>,
        missing: &[String],
    ) -> Result<Routed, RouteFailure> {
        let hint = routed.decision.as_ref().map(|d| KindHint {
            kind: d.kind,
            reason: "retry at a larger context".into(),
        });
        self.route_with(
            RouteInput {
                settings: routed.settings.clone(),
                dialect,
                endpoint,
                body: &routed.body,
                headers,
                hint,
                session: routed.decision.as_ref().and_then(|d| d.session.clone()),
            },
            floor,
            missing,
        )
        .map(|mut again| {
            // The body sent names the model the router picked; the client asked for another.
            if let (Some(first), Some(d)) = (
                routed.decision.as_ref(),
                again.decision.as_mut().and_then(Arc::get_mut),
            ) {
                d.requested_model = first.requested_model.clone();
            }
            again
        })
    }

    /// [`AppState::route`] for a prompt of at least `floor` tokens (Ollama's own count), after
    /// Ollama answered 404 for the `missing` models: they are listed first among the decision's
    /// rejections, so the log, `/router/decisions` and `x-router-reason` say why the next
    /// candidate serves.
    fn route_with(
        &self,
        input: RouteInput<'_>,
        floor: Option<u32>,
        missing: &[String],
    ) -> Result<Routed, RouteFailure> {
        let dialect = input.dialect;
        match self.plan(input, floor) {
            Ok(mut plan) => {
                if let Some(d) = plan.routed.decision.as_mut().and_then(Arc::get_mut)
                    && !missing.is_empty()
                {
                    let skipped = missing.iter().map(|m| router_core::route::Rejection {
                        model: m.clone(),
                        reason: "not found in Ollama (404 before the first byte)".into(),
                    });
                    d.rejected.splice(0..0, skipped);
                    plan.routed.reason = d.reason();
                }
                let mut routed = plan.routed;
                match &routed.decision {
                    None => {
                        self.metrics().passthrough.inc();
                    }
                    Some(decision) => {
                        if let Some(s) = &plan.session {
                            self.pin_session(s, decision, plan.fim);
                        }
                        if decision.held_back.is_none() {
                            self.note_use(decision, plan.fim, plan.agent);
                        }
                        self.count_effects(plan.client_num_ctx, decision, &routed.settings);
                        if !decision.fit.loaded && decision.held_back.is_none() {
                            // Ollama is about to load it: the next request must see that now,
                            // not at the next poll.
                            let spill = decision.fit.spill_fraction.clamp(0.0, 1.0);
                            self.inventory().note_load(
                                router_core::route::LoadedModel {
                                    name: decision.model.clone(),
                                    context_length: decision.num_ctx,
                                    size: decision.fit.need_bytes,
                                    size_vram: (decision.fit.need_bytes as f64 * (1.0 - spill))
                                        as u64,
                                    busy: false,
                                },
                                decision.fit.evicts.clone(),
                            );
                        }
                        routed.record = self.record_decision(dialect, decision, &routed.reason);
                        crate::telemetry::note_routed(decision);
                    }
                }
                Ok(routed)
            }
            Err(PlanFailure {
                failure,
                label,
                model,
            }) => {
                if label == Some("prompt_too_long") {
                    self.count_refused_prompt();
                }
                if let Some(label) = label {
                    self.metrics()
                        .route_failures
                        .get_or_create(&ReasonLabels {
                            reason: label.into(),
                        })
                        .inc();
                    tracing::warn!(model = %model, error = %failure, "request could not be routed");
                }
                Err(failure)
            }
        }
    }

    /// Drops a model from the installed list until the next inventory poll says otherwise.
    fn forget_installed(&self, model: &str) {
        let inventory = self.inventory().load();
        if let Some(installed) = &inventory.installed {
            let mut next = (*inventory).clone();
            let mut names = (**installed).clone();
            // `qwen3` and `qwen3:latest` name the same model.
            let bare = model.strip_suffix(":latest").unwrap_or(model);
            names.retain(|name| name.strip_suffix(":latest").unwrap_or(name) != bare);
            next.installed = Some(Arc::new(names));
            self.inventory().store(next);
        }
    }

    /// Pins `session` to the decision. A helper call (quick, not fill-in-the-middle) never moves
    /// a pin: it was served by the session's model or by whatever was loaded. A pin that stays
    /// on its model keeps the highest kind of work it served.
    fn pin_session(&self, session: &str, decision: &Decision, fim: bool) {
        let old = self.sessions().get(session);
        let helper = decision.kind == Kind::Quick && !fim;
        if helper && old.is_some() {
            return;
        }
        let kind = match &old {
            Some(p) if p.model == decision.model => p.kind.max(decision.kind),
            _ => decision.kind,
        };
        self.sessions().record(
            session,
            router_core::route::SessionPin {
                model: decision.model.clone(),
                num_ctx: decision.num_ctx,
                kind,
                prompt_tokens: decision.prompt_tokens,
            },
        );
    }

    /// The decision [`AppState::route`] would make, with no side effect at all: no session pin,
    /// no decision log entry, no metric, no log line (`/router/explain`, `ollama-router explain`).
    pub fn explain(&self, input: RouteInput<'_>) -> Result<Routed, RouteFailure> {
        self.plan(input, None)
            .map(|p| p.routed)
            .map_err(|f| f.failure)
    }

    fn plan(&self, input: RouteInput<'_>, floor: Option<u32>) -> Result<Plan, PlanFailure> {
        let snapshot = input.settings.clone();
        let mut settings = input.settings;
        let native = parse_native(input.body)?;
        let single = native.peek.stream == Some(false);
        let model = router_core::request::raw_text(native.peek.model).into_owned();
        let bad = |failure: RouteFailure| PlanFailure {
            failure,
            label: None,
            model: String::new(),
        };
        if model.is_empty() {
            return Err(bad(RouteFailure::BadRequest("model is required".into())));
        }
        let (forced, fallback, candidates) = match resolve_model(&settings, &model) {
            ModelTarget::Auto => (None, None, Candidates::Profile),
            ModelTarget::Forced(k) => (Some(k), None, Candidates::Profile),
            ModelTarget::Aliased { kind, .. } => (None, kind, Candidates::Profile),
            ModelTarget::Catalog(name) if settings.config.routing.respect_explicit_models => {
                (None, None, Candidates::Explicit(name))
            }
            ModelTarget::Catalog(_) => (None, None, Candidates::Profile),
            ModelTarget::BadVirtual(name) => return Err(bad(RouteFailure::ModelNotFound(name))),
            // OpenAI and Anthropic clients cannot set num_ctx themselves: left alone, an
            // installed model the catalog does not know would run at Ollama's default context and
            // truncate silently. So it keeps its name but gets a context sized from what Ollama
            // reports about it. Native clients set num_ctx themselves; theirs pass untouched.
            ModelTarget::Unknown => match self.spec_from_inventory(&model, &settings) {
                Some(spec) if input.dialect != Dialect::Ollama => {
                    let name = spec.name.clone();
                    let mut with_spec = (*settings).clone();
                    with_spec.catalog.insert(spec);
                    settings = Arc::new(with_spec);
                    (None, None, Candidates::Explicit(name))
                }
                _ => {
                    return Ok(Plan {
                        routed: Routed {
                            body: Bytes::copy_from_slice(input.body),
                            decision: None,
                            tally: BodyEstimate::default(),
                            reason: String::new(),
                            record: 0,
                            single,
                            retried: None,
                            settings: snapshot,
                        },
                        session: None,
                        client_num_ctx: None,
                        fim: false,
                        agent: false,
                    });
                }
            },
        };
        let client = input
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let session = session_id(input.headers, input.session, &native);
        let view = native
            .view(
                input.dialect,
                input.endpoint,
                client,
                session.clone(),
                input.hint,
            )
            .map_err(|e| bad(e.into()))?;
        let reserve = router_core::route::max_output_reserve(&view, &settings.config.routing);
        let (tally, prompt_tokens, mut per_model) =
            self.count_tokens(&native, input.endpoint, &settings, Some(reserve));
        // Ollama said the prompt is at least `floor` tokens (a refusal or a cut): no count, exact
        // or not, may size it below that.
        let floor = floor.unwrap_or(0);
        let prompt_tokens = prompt_tokens.max(floor);
        for count in per_model.values_mut() {
            if count.tokens < floor {
                *count = TokenCount {
                    tokens: floor,
                    exact: false,
                };
            }
        }
        let class = classify(
            &view,
            input.headers,
            prompt_tokens,
            &settings,
            forced,
            fallback,
        );
        let mut world = self.world();
        world.prompt_tokens = Arc::new(per_model);
        // A session keeps its model (same model, warm prompt cache) through plain follow-ups and
        // helper calls; it lets go when the work escalates past what the pin was chosen for, or
        // the client names a model. A prompt the pin cannot hold falls to the others in `decide`.
        world.session = session
            .as_deref()
            .and_then(|s| self.sessions().get(s))
            .filter(|pin| pin.kind >= class.kind);
        let candidates = match (candidates, &world.session) {
            (Candidates::Profile, Some(pin)) => {
                let mut list = settings.profile(class.kind).candidates;
                list.retain(|m| m != &pin.model);
                list.insert(0, pin.model.clone());
                Candidates::Ordered(list)
            }
            (c, _) => c,
        };
        let decision = decide(&class, &view, candidates, &settings, &world);
        let decision = match decision {
            Ok(d) => d,
            Err(e) => {
                let (label, failure) = match e {
                    RouteError::PromptTooLong { tokens, max, .. } => (
                        "prompt_too_long",
                        RouteFailure::PromptTooLong { tokens, max },
                    ),
                    RouteError::NoCandidate { .. } => {
                        ("no_candidate", RouteFailure::NoRoute(e.to_string()))
                    }
                };
                return Err(PlanFailure {
                    failure,
                    label: Some(label),
                    model,
                });
            }
        };
        let body = rewrite_native(&native, &decision, &settings);
        let reason = decision.reason();
        Ok(Plan {
            routed: Routed {
                body,
                decision: Some(Arc::new(decision)),
                tally,
                reason,
                record: 0,
                single,
                retried: None,
                settings: snapshot,
            },
            session,
            client_num_ctx: view.num_ctx,
            fim: view.has_suffix,
            agent: view.has_tools,
        })
    }

    /// Sends a routed request. When Ollama refuses the prompt as longer than its context — a 400
    /// before any answer, so the client has seen nothing — the request is routed again for the
    /// size Ollama reported and sent once more; `routed` then describes the retry.
    pub async fn send_routed(
        &self,
        dialect: Dialect,
        endpoint: Endpoint,
        headers: &HeaderMap,
        routed: &mut Routed,
    ) -> Result<reqwest::Response, SendFailure> {
        if let Some(decision) = &routed.decision
            && decision.held_back.is_some()
        {
            return Ok(held_back_answer(decision, routed.single));
        }
        let mut missing: Vec<String> = Vec::new();
        loop {
            let response = self
                .upstream()
                .post_json(endpoint.path(), routed.body.clone())
                .await
                .map_err(SendFailure::Upstream)?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            // Ollama does not have the model the router picked (deleted since the last poll,
            // never pulled): it leaves the installed list and the next candidate serves, the skip
            // recorded in the decision. A model the client named itself is not swapped, and when
            // no other candidate can serve, Ollama's own 404 is the answer.
            if status == http::StatusCode::NOT_FOUND
                && let Some(decision) = routed.decision.clone()
                && decision.model != decision.requested_model
                && !missing.contains(&decision.model)
            {
                tracing::warn!(model = %decision.model, "Ollama does not have the routed model; trying the next candidate");
                missing.push(decision.model.clone());
                self.forget_installed(&decision.model);
                if let Ok(next) = self.reroute(dialect, endpoint, headers, routed, None, &missing)
                    && next
                        .decision
                        .as_ref()
                        .is_some_and(|d| !missing.contains(&d.model))
                {
                    *routed = next;
                    continue;
                }
            }
            let body = read_bounded(response).await;
            let refusal = context_refusal(status.as_u16(), &native_error_text(&body));
            let (Some(refusal), Some(decision)) = (refusal, routed.decision.clone()) else {
                return Err(SendFailure::Status { status, body });
            };
            // Ollama's count when it gave one; else the prompt is at least the context it had.
            let tokens = refusal
                .tokens
                .unwrap_or(decision.num_ctx)
                .max(decision.prompt_tokens);
            let too_long = |max: u32| SendFailure::PromptTooLong {
                tokens,
                max,
                status,
                body: body.clone(),
            };
            let holds = decision
                .num_ctx
                .saturating_sub(decision.needed_ctx.saturating_sub(decision.prompt_tokens));
            if routed.retried.is_some() {
                return Err(too_long(holds));
            }
            tracing::warn!(model = %decision.model, num_ctx = decision.num_ctx, tokens, "Ollama refused the prompt as too long for its context; routing it again");
            self.count_retry("refused");
            match self.reroute(
                dialect,
                endpoint,
                headers,
                routed,
                Some(tokens.saturating_add(1)),
                &[],
            ) {
                Ok(mut again) => {
                    again.retried = Some("refused");
                    *routed = again;
                }
                Err(RouteFailure::PromptTooLong { max, .. }) => return Err(too_long(max)),
                Err(_) => return Err(SendFailure::Status { status, body }),
            }
        }
    }

    fn count_retry(&self, why: &str) {
        self.metrics()
            .context_retries
            .get_or_create(&ReasonLabels { reason: why.into() })
            .inc();
    }

    /// After an answer the client has not seen yet whose prompt was cut (`cut` from
    /// [`AppState::observe`]; a non-streamed answer):
    /// routes the request again at a context that holds more than Ollama kept, once. `None`:
    /// no retry (already retried, or nothing larger is possible), the cut answer stands.
    pub fn retry_after_cut(
        &self,
        dialect: Dialect,
        endpoint: Endpoint,
        headers: &HeaderMap,
        routed: &Routed,
    ) -> Option<Routed> {
        let decision = routed.decision.as_ref()?;
        if routed.retried.is_some() {
            return None;
        }
        // The prompt was longer than the context: at least num_ctx tokens.
        let mut again = self
            .reroute(
                dialect,
                endpoint,
                headers,
                routed,
                Some(decision.num_ctx.saturating_add(1)),
                &[],
            )
            .ok()?;
        if again.decision.as_ref()?.num_ctx <= decision.num_ctx {
            return None;
        }
        self.count_retry("cut");
        again.retried = Some("cut");
        Some(again)
    }

    /// A catalog entry for an installed model the catalog does not know, from Ollama's own
    /// numbers. Its speed is estimated from memory bandwidth: generating a token streams the
    /// weights once, and the seed's models reach about 78 % of the card's 504 GB/s that way.
    fn spec_from_inventory(
        &self,
        name: &str,
        settings: &Settings,
    ) -> Option<router_core::catalog::ModelSpec> {
        use router_core::catalog::Capability;
        let inv = self.inventory().load();
        let m = inv.measured.get(name)?;
        let (weights, arch) = (m.weights_bytes?, m.arch.clone()?);
        let capabilities = if m.capabilities.is_empty() {
            // Older Ollama does not list capabilities: let Ollama itself judge.
            vec![
                Capability::Completion,
                Capability::Tools,
                Capability::Insert,
                Capability::Vision,
                Capability::Thinking,
            ]
        } else {
            m.capabilities.clone()
        };
        if capabilities.contains(&Capability::Embedding)
            && !capabilities.contains(&Capability::Completion)
        {
            return None;
        }
        let gpu_tps =
            (0.78 * router_core::catalog::SEED_BANDWIDTH_GBPS / (weights as f64 / 1e9)) as f32;
        Some(router_core::catalog::ModelSpec {
            name: name.to_string(),
            parameter_size: String::new(),
            quantization: String::new(),
            weights_bytes: weights,
            min_ctx: settings
                .config
                .routing
                .context_ladder
                .first()
                .copied()
                .unwrap_or(2048)
                .min(arch.context_length),
            max_ctx: arch.context_length,
            recommended_ctx: settings
                .profile(settings.config.routing.default_kind)
                .preferred_ctx,
            arch,
            capabilities,
            tool_calling: None,
            engine: Vec::new(),
            agentic: Vec::new(),
            measured_tps: Vec::new(),
            measured_vram: Vec::new(),
            gpu_tps,
            not_recommended: None,
        })
    }

    fn record_decision(&self, dialect: Dialect, d: &Decision, reason: &str) -> u64 {
        self.metrics()
            .decisions
            .get_or_create(&DecisionLabels {
                dialect: dialect.as_str().into(),
                kind: d.kind.as_str().into(),
                model: d.model.clone(),
                num_ctx: d.num_ctx,
            })
            .inc();
        if d.degraded {
            self.metrics().degraded.inc();
        }
        // The request's one `info` line comes when it finishes (telemetry); this is the detail.
        tracing::debug!(
            dialect = dialect.as_str(),
            requested = %d.requested_model,
            model = %d.model,
            num_ctx = d.num_ctx,
            kind = d.kind.as_str(),
            prompt_tokens = d.prompt_tokens,
            need_bytes = d.fit.need_bytes,
            available_bytes = d.fit.available_bytes,
            predicted_tps = d.fit.predicted_tps,
            degraded = d.degraded,
            reason = %reason,
            "routed"
        );
        let record = DecisionRecord {
            id: 0,
            at: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
            dialect: dialect.as_str().into(),
            request_id: crate::telemetry::current_id(),
            reason: reason.to_string(),
            decision: d.clone(),
            cut: None,
        };
        self.feed().publish(crate::telemetry::FeedEvent::Decision(
            crate::status::RecentDecision::from(&record),
        ));
        self.decisions().push(record)
    }

    /// The world routing sees right now, from the latest snapshots.
    pub fn world(&self) -> World {
        let inv = self.inventory().load();
        let settings = self.settings();
        // What `/api/ps` reports after a load is the footprint from now on.
        let kv = settings.config.gpu.kv_cache_type;
        for l in inv.loaded.iter().flatten() {
            let weights = inv
                .measured
                .get(&l.name)
                .and_then(|m| m.weights_bytes)
                .or_else(|| settings.catalog.get(&l.name).map(|s| s.weights_bytes))
                .unwrap_or(0);
            self.learned()
                .observe_footprint(&l.name, l.context_length, kv, l.size, weights);
        }
        let busy = self.busy_models();
        let mut loaded = inv.loaded_now().unwrap_or_default();
        for l in &mut loaded {
            l.busy = busy.get(&l.name).is_some_and(|n| *n > 0);
        }
        // A measured free figure does not know the loads the router just sent (nor the models
        // they evict): shift it by the difference between `/api/ps` and the pending view.
        let mut gpu = self.gpu();
        if let Some(g) = gpu.as_mut()
            && let Some(free) = g.free
        {
            let vram = |list: &[router_core::route::LoadedModel]| -> u64 {
                list.iter().map(|l| l.size_vram).sum()
            };
            let polled = vram(inv.loaded.as_deref().unwrap_or_default());
            g.free = Some((free + polled).saturating_sub(vram(&loaded)));
        }
        let learned_tps = self.learned().speeds();
        let (recent, now_ms) = self.recent_uses();
        World {
            gpu,
            loaded,
            installed: inv.installed.clone(),
            learned_tps,
            session: None,
            prompt_tokens: Default::default(),
            measured: inv.measured.clone(),
            footprints: self.learned().footprints(),
            recent,
            now_ms,
            load_seconds: self.learned().load_seconds(),
            prompt_tps: self.learned().prompt_speeds(),
        }
    }

    /// Feeds an answer's final metrics back into learning (speed, token calibration) and
    /// metrics, and says whether they show a cut prompt, which is then counted, logged and marked
    /// on the decision (`record`).
    pub fn observe(
        &self,
        decision: &Decision,
        tally: &BodyEstimate,
        record: u64,
        metrics: &Metrics,
    ) -> Option<Cut> {
        crate::telemetry::note_answer(metrics);
        if decision.tokens_exact
            && let Some(p) = metrics.prompt_eval_count
            && p < u64::from(decision.num_ctx)
        {
            // Equal unless Ollama reused its prompt cache (smaller) or the template framed the
            // prompt differently from what the counter assumes: worth seeing when debugging.
            tracing::debug!(model = %decision.model, counted = decision.prompt_tokens, evaluated = p, "exact token count vs prompt_eval_count");
        }
        let cut = metrics
            .prompt_eval_count
            .and_then(|p| router_core::truncation::cut_evidence(p, decision.num_ctx));
        match cut {
            None => self.learned().observe(decision, tally, metrics),
            Some(how) => {
                // A cut count says how much Ollama kept, not how long the prompt was: no
                // calibration from it.
                let speed_only = Metrics {
                    prompt_eval_count: None,
                    ..*metrics
                };
                self.learned().observe(decision, tally, &speed_only);
                self.metrics().truncation_suspected.inc();
                self.metrics()
                    .prompt_cut
                    .get_or_create(&ReasonLabels {
                        reason: how.as_str().into(),
                    })
                    .inc();
                self.decisions().mark_cut(record, how.as_str());
                tracing::warn!(
                    model = %decision.model,
                    num_ctx = decision.num_ctx,
                    prompt_eval_count = metrics.prompt_eval_count,
                    estimate = decision.prompt_tokens,
                    cut = how.as_str(),
                    "Ollama cut the prompt"
                );
            }
        }
        cut
    }

    /// The router's token count for a native body: exact when the model's vocabulary is loaded,
    /// else the calibrated estimate.
    pub fn estimate_tokens(
        &self,
        settings: &Settings,
        endpoint: Endpoint,
        native_body: &[u8],
    ) -> Result<u32, RouteFailure> {
        let native = parse_native(native_body)?;
        // Count only for a model the request could actually use: a name that would fail on
        // `/v1/messages` fails here too, instead of getting a number for a model that is not there.
        let model = router_core::request::raw_text(native.peek.model).into_owned();
        match resolve_model(settings, &model) {
            _ if model.is_empty() => {
                return Err(RouteFailure::BadRequest("model is required".into()));
            }
            ModelTarget::BadVirtual(name) => return Err(RouteFailure::ModelNotFound(name)),
            ModelTarget::Unknown => {
                let installed = self.inventory().load().installed.clone();
                // Unknown to the catalog and not installed (when the installed list is known).
                if installed.is_some_and(|names| !names.iter().any(|n| same_model(n, &model))) {
                    return Err(RouteFailure::ModelNotFound(model));
                }
            }
            _ => {}
        }
        // No rung to decide here: always the exact count where there is one.
        let (_, any, per_model) = self.count_tokens(&native, endpoint, settings, None);
        Ok(settings
            .catalog
            .get(&model)
            .and_then(|spec| per_model.get(&spec.name))
            .map_or(any, |c| c.tokens))
    }

    /// Counts a request's prompt tokens: an exact count per distinct vocabulary among the
    /// catalog's models whose vocabulary is loaded, and the fallback's estimate (with each
    /// model's own calibration) for the others. Returns the estimate's tally (for calibration;
    /// empty when no installed model needed it), the count classification uses (the largest
    /// exact count, else the estimate) and the count per catalog model.
    ///
    /// Where the bytes already decide the rung — no byte-level BPE makes more tokens than
    /// bytes, so a prompt whose byte bound plus `reserve` (the largest output reserve any model
    /// gets for this request) fits the smallest rung gets that rung whatever the count — no exact
    /// count is made. `None`: no rung to decide, count exactly where a vocabulary is loaded.
    pub fn count_tokens(
        &self,
        native: &NativeBody<'_>,
        endpoint: Endpoint,
        settings: &Settings,
        reserve: Option<u32>,
    ) -> (BodyEstimate, u32, HashMap<String, TokenCount>) {
        let routing = &settings.config.routing;
        let (per_message, per_image) = (routing.tokens.per_message, routing.tokens.per_image);
        let smallest_rung = routing.context_ladder.first().copied().unwrap_or(0);
        let bound_decides = reserve.is_some_and(|r| {
            upper_bound(native, endpoint, per_message, per_image).saturating_add(r) <= smallest_rung
        });
        let counters = if bound_decides {
            Default::default()
        } else {
            self.vocab().snapshot()
        };
        let installed = self.inventory().load().installed.clone();
        let mut exact_by_identity: HashMap<u64, u32> = HashMap::new();
        let mut per_model = HashMap::new();
        let mut largest_exact = None::<u32>;
        let mut without_vocab = Vec::new();
        for spec in settings.catalog.iter() {
            let Some(c) = Vocabularies::find(&counters, &spec.name) else {
                without_vocab.push(spec.name.as_str());
                continue;
            };
            let tokens = *exact_by_identity
                .entry(c.tokenizer.identity())
                .or_insert_with(|| {
                    c.tokenizer
                        .count_body(native, endpoint, per_image, c.cache.as_ref())
                });
            largest_exact = Some(largest_exact.map_or(tokens, |l| l.max(tokens)));
            per_model.insert(
                spec.name.clone(),
                TokenCount {
                    tokens,
                    exact: true,
                },
            );
        }
        // The estimate costs as much as an exact count: skipped when every installed model
        // has its exact one (models not installed are never chosen).
        let needs_estimate = largest_exact.is_none()
            || without_vocab.iter().any(|name| {
                installed
                    .as_ref()
                    .is_none_or(|set| router_core::route::is_installed(set, name))
            });
        if !needs_estimate {
            return (
                BodyEstimate::default(),
                largest_exact.unwrap_or(0),
                per_model,
            );
        }
        let tally = estimate_body(
            native,
            endpoint,
            per_message,
            per_image,
            self.vocab().estimates(),
        );
        let calibrations = self.learned().calibrations();
        let estimate = tally.tokens(&calibrations.any_model);
        for name in without_vocab {
            let tokens = calibrations
                .by_model
                .get(name)
                .map_or(estimate, |c| tally.tokens(c));
            per_model.insert(
                name.to_string(),
                TokenCount {
                    tokens,
                    exact: false,
                },
            );
        }
        (tally, largest_exact.unwrap_or(estimate), per_model)
    }

    /// Installed models plus the virtual names, for `/v1/models` and friends.
    pub async fn model_list(&self) -> Result<ModelList, UpstreamError> {
        let tags: crate::inventory::TagsResponse = self.upstream().get_json("/api/tags").await?;
        let installed: Vec<ModelEntry> = tags
            .models
            .iter()
            .map(|m| ModelEntry {
                name: m
                    .get("name")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                modified_at: m
                    .get("modified_at")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                size: m.get("size").and_then(|v| v.as_u64()).unwrap_or(0),
                context_length: m
                    .get("details")
                    .and_then(|d| d.get("context_length"))
                    .and_then(|v| v.as_u64())
                    .map(|v| v as u32),
                capabilities: m
                    .get("capabilities")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        let settings = self.settings();
        let virtual_models = VIRTUAL_MODELS
            .iter()
            .map(|(name, kind)| {
                let v = router_core::route::virtual_model_facts(&settings, *kind);
                ModelEntry {
                    name: (*name).to_string(),
                    modified_at: installed
                        .first()
                        .map(|m| m.modified_at.clone())
                        .unwrap_or_default(),
                    size: v.size,
                    context_length: Some(v.context_length),
                    capabilities: v.capabilities,
                }
            })
            .collect();
        Ok(ModelList {
            installed,
            virtual_models,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use router_core::classify::Classification;
    use router_core::request::Kind;
    use router_core::route::{Candidates, World};

    fn rewrite(body: &str, toml: &str) -> String {
        let settings =
            Settings::compile(crate::config::from_toml_str(toml).unwrap(), None).unwrap();
        let native = parse_native(body.as_bytes()).unwrap();
        let view = native
            .view(Dialect::Ollama, Endpoint::Chat, String::new(), None, None)
            .unwrap();
        let class = Classification {
            kind: Kind::Daily,
            prompt_tokens: 10,
            reasons: vec![],
        };
        let decision = decide(
            &class,
            &view,
            Candidates::Profile,
            &settings,
            &World::default(),
        )
        .unwrap();
        String::from_utf8(rewrite_native(&native, &decision, &settings).to_vec()).unwrap()
    }

    #[test]
    fn splices_model_and_options_and_keeps_every_other_byte() {
        let body = r#"{"model": "auto", "messages":[{"role":"user","content":"h\u00e9 \"x\""}],
            "options": {"num_ctx": 4096, "num_batch": 512, "temperature": 0.1}, "stream": false}"#;
        let out = rewrite(body, "");
        assert_eq!(
            out,
            r#"{"model": "qwen3:8b", "messages":[{"role":"user","content":"h\u00e9 \"x\""}],
            "options": {"temperature":0.1,"num_ctx":16384}, "stream": false,"truncate":false}"#
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["messages"][0]["content"], "h\u{e9} \"x\"");
    }

    #[test]
    fn inserts_missing_fields() {
        let out = rewrite(
            r#"{"model":"auto","messages":[] }"#,
            "[routing]\nkeep_alive = \"30m\"\n",
        );
        assert_eq!(
            out,
            r#"{"model":"qwen3:8b","messages":[] ,"options":{"num_ctx":16384},"keep_alive":"30m","truncate":false}"#
        );
        let out = rewrite(
            r#"{"model":"auto","keep_alive":-1}"#,
            "[routing]\nkeep_alive = \"-1\"\n",
        );
        assert_eq!(
            out,
            r#"{"model":"qwen3:8b","keep_alive":-1,"options":{"num_ctx":16384},"truncate":false}"#
        );
    }

    #[test]
    fn asks_ollama_to_refuse_rather_than_cut() {
        // The client's own `truncate` stands; without one the router sends `truncate: false`
        // unless `routing.allow_truncation` is set.
        let out = rewrite(r#"{"model":"auto","truncate":true}"#, "");
        assert_eq!(
            out,
            r#"{"model":"qwen3:8b","truncate":true,"options":{"num_ctx":16384}}"#
        );
        let out = rewrite(
            r#"{"model":"auto"}"#,
            "[routing]\nallow_truncation = true\n",
        );
        assert_eq!(out, r#"{"model":"qwen3:8b","options":{"num_ctx":16384}}"#);
    }
}

//! Observation: Prometheus metrics, the ring buffer of recent decisions, and what the router learns
//! from answers (real tok/s per model and context, and how far the token estimate is off) and from
//! `/api/ps` (what a model at a context really occupies).
//!
//! Learned figures persist in a small JSON state file so a restart keeps them; a corrupt file is
//! ignored with a warning.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

use router_core::catalog::KvCacheType;
use router_core::tokens::{BodyEstimate, Calibration};

use router_core::route::Decision;
use router_core::translate::native::Metrics as AnswerMetrics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub dialect: String,
    pub kind: String,
    pub model: String,
    pub num_ctx: u32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub dialect: String,
    /// `ok`, `cancelled`, `incomplete`, `broken`, `http NNN` (see `telemetry::RequestReport`).
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ModelLabels {
    pub model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HowLabels {
    /// `resized`: the router gave the prompt a context that holds it; `refused`: no model could,
    /// and the client got "prompt too long" instead of a silently cut prompt.
    pub how: String,
}

/// Buckets from `start`, each `factor` times the last.
fn buckets(start: f64, factor: f64, n: u16) -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(start, factor, n)
}

fn tps_histogram() -> Histogram {
    Histogram::new(buckets(1.0, 1.5, 14))
}

/// The router's metrics, in one registry owned by the app state (no globals).
pub struct RouterMetrics {
    pub registry: Registry,
    pub decisions: Family<DecisionLabels, Counter>,
    pub degraded: Counter,
    pub route_failures: Family<ReasonLabels, Counter>,
    pub upstream_errors: Family<ReasonLabels, Counter>,
    pub passthrough: Counter,
    pub truncation_suspected: Counter,
    /// Answers whose prompt Ollama cut, by how it shows (`reached_num_ctx`, `context_shift_half`).
    pub prompt_cut: Family<ReasonLabels, Counter>,
    /// Requests sent again at a larger context, by why (`refused`: Ollama's 400, `cut`).
    pub context_retries: Family<ReasonLabels, Counter>,
    pub streams_in_flight: Gauge,
    pub cancelled_streams: Counter,
    /// Requests the guard turned away, by reason (host, origin, token, busy, ...).
    pub refused: Family<ReasonLabels, Counter>,
    /// Finished requests on inference endpoints, by dialect and outcome.
    pub requests: Family<RequestLabels, Counter>,
    /// Arrival to the routed request leaving for Ollama (body read, translation, routing).
    pub added_latency: Histogram,
    /// Arrival to the first byte of the answer.
    pub time_to_first_token: Histogram,
    pub tokens_per_second: Family<ModelLabels, Histogram, fn() -> Histogram>,
    pub reloads_caused: Counter,
    pub reloads_avoided: Counter,
    pub spills_predicted: Counter,
    pub truncations_prevented: Family<HowLabels, Counter>,
    pub gpu_free_bytes: Gauge,
}

impl Default for RouterMetrics {
    fn default() -> RouterMetrics {
        let mut registry = Registry::with_prefix("ollama_router");
        let m = RouterMetrics {
            decisions: Family::default(),
            degraded: Counter::default(),
            route_failures: Family::default(),
            upstream_errors: Family::default(),
            passthrough: Counter::default(),
            truncation_suspected: Counter::default(),
            prompt_cut: Family::default(),
            context_retries: Family::default(),
            streams_in_flight: Gauge::default(),
            cancelled_streams: Counter::default(),
            refused: Family::default(),
            requests: Family::default(),
            // 50 µs … ~1.6 s: the router's own work is sub-millisecond; a slow body read is not.
            added_latency: Histogram::new(buckets(0.000_05, 2.0, 16)),
            // 10 ms … ~5.5 min: a warm model answers in tens of ms, a cold 14B load takes minutes.
            time_to_first_token: Histogram::new(buckets(0.01, 2.0, 16)),
            tokens_per_second: Family::new_with_constructor(tps_histogram),
            reloads_caused: Counter::default(),
            reloads_avoided: Counter::default(),
            spills_predicted: Counter::default(),
            truncations_prevented: Family::default(),
            gpu_free_bytes: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("decisions", "Routing decisions", m.decisions.clone());
        registry.register(
            "degraded_decisions",
            "Decisions where no candidate met the speed floor",
            m.degraded.clone(),
        );
        registry.register(
            "route_failures",
            "Requests no model could serve",
            m.route_failures.clone(),
        );
        registry.register(
            "upstream_errors",
            "Failures talking to Ollama",
            m.upstream_errors.clone(),
        );
        registry.register(
            "passthrough_requests",
            "Requests forwarded untouched",
            m.passthrough.clone(),
        );
        registry.register(
            "truncation_suspected",
            "Answers whose prompt_eval_count reached num_ctx (Ollama may have truncated)",
            m.truncation_suspected.clone(),
        );
        registry.register(
            "prompt_cut",
            "Answers whose prompt_eval_count shows Ollama cut the prompt",
            m.prompt_cut.clone(),
        );
        registry.register(
            "context_retries",
            "Requests sent again at a context that holds the prompt",
            m.context_retries.clone(),
        );
        registry.register(
            "streams_in_flight",
            "Routed responses streaming now",
            m.streams_in_flight.clone(),
        );
        registry.register(
            "refused_requests",
            "Requests refused before any work (foreign host or origin, no token, bad path, full)",
            m.refused.clone(),
        );
        registry.register(
            "cancelled_streams",
            "Routed responses the client abandoned",
            m.cancelled_streams.clone(),
        );
        registry.register(
            "requests",
            "Finished requests on inference endpoints",
            m.requests.clone(),
        );
        registry.register(
            "added_latency_seconds",
            "Arrival to the routed request leaving for Ollama",
            m.added_latency.clone(),
        );
        registry.register(
            "time_to_first_token_seconds",
            "Arrival to the first byte of the answer",
            m.time_to_first_token.clone(),
        );
        registry.register(
            "tokens_per_second",
            "Generation speed Ollama reported (eval_count / eval_duration)",
            m.tokens_per_second.clone(),
        );
        registry.register(
            "reloads_caused",
            "Decisions for a model not loaded at the chosen context (Ollama loads or reloads it)",
            m.reloads_caused.clone(),
        );
        registry.register(
            "reloads_avoided",
            "Decisions that kept a loaded model where the request as sent would have reloaded",
            m.reloads_avoided.clone(),
        );
        registry.register(
            "spills_predicted",
            "Decisions predicted to spill part of the model to system RAM",
            m.spills_predicted.clone(),
        );
        registry.register(
            "truncations_prevented",
            "Prompts Ollama would have cut at the context the request asked for",
            m.truncations_prevented.clone(),
        );
        registry.register(
            "gpu_free_bytes",
            "Free GPU memory at the last reading",
            m.gpu_free_bytes.clone(),
        );
        RouterMetrics { registry, ..m }
    }
}

impl RouterMetrics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// A recent decision for `/router/decisions`.
#[derive(Clone, Debug, Serialize)]
pub struct DecisionRecord {
    /// Sequence number, so what the answer later shows can be added to its decision.
    pub id: u64,
    pub at: String,
    pub dialect: String,
    /// The request's `x-request-id` (absent outside a request, e.g. offline explain).
    #[serde(default)]
    pub request_id: Option<String>,
    /// [`Decision::reason`], as sent in `x-router-reason`.
    #[serde(default)]
    pub reason: String,
    pub decision: Decision,
    /// Ollama cut the prompt: how it showed (set when the answer's final chunk arrives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<String>,
}

/// The last N decisions.
#[derive(Debug)]
pub struct DecisionLog {
    capacity: usize,
    ring: Mutex<VecDeque<DecisionRecord>>,
}

impl DecisionLog {
    pub fn new(capacity: usize) -> DecisionLog {
        DecisionLog {
            capacity,
            ring: Mutex::new(VecDeque::with_capacity(capacity)),
        }
    }

    /// Adds a record, numbering it; returns its id.
    pub fn push(&self, mut rec: DecisionRecord) -> u64 {
        let Ok(mut ring) = self.ring.lock() else {
            return 0;
        };
        rec.id = ring.back().map_or(1, |r| r.id + 1);
        let id = rec.id;
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(rec);
        id
    }

    /// Records that the answer to decision `id` had its prompt cut (no-op once it left the ring).
    pub fn mark_cut(&self, id: u64, how: &str) {
        if let Ok(mut ring) = self.ring.lock()
            && let Some(rec) = ring.iter_mut().rev().find(|r| r.id == id)
        {
            rec.cut = Some(how.to_string());
        }
    }

    /// Newest first.
    pub fn recent(&self) -> Vec<DecisionRecord> {
        self.ring
            .lock()
            .map(|r| r.iter().rev().cloned().collect())
            .unwrap_or_default()
    }
}

/// What answers taught the router. Serialized as the state file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    /// Smoothed tok/s keyed by `model@ctx@gpu|spill`.
    pub speeds: HashMap<String, f64>,
    /// Per model, per kind of text: multipliers on the fallback token estimate, learned from
    /// `prompt_eval_count`. A log paste teaches the dense class only, so it does not inflate the
    /// next prose or code request.
    #[serde(default)]
    pub token_calibration: HashMap<String, Calibration>,
    /// `/api/ps` `size` after a load, keyed by [`footprint_key`].
    #[serde(default)]
    pub footprints: HashMap<String, u64>,
    /// Smoothed seconds a load took (`load_duration` of the first answer after it), by model.
    #[serde(default)]
    pub load_seconds: HashMap<String, f64>,
    /// Smoothed prompt evaluation tok/s fully on the GPU, by model.
    #[serde(default)]
    pub prompt_speeds: HashMap<String, f64>,
}

/// Token calibrations as requests read them.
#[derive(Debug, Default)]
pub struct Calibrations {
    pub by_model: HashMap<String, Calibration>,
    /// Per class, the largest factor any model learned: for the estimate made before the model
    /// is chosen, safe for every candidate.
    pub any_model: Calibration,
}

/// `model@num_ctx@kv` (e.g. `qwen3:8b@16384@f16`).
pub fn footprint_key(model: &str, ctx: u32, kv: KvCacheType) -> String {
    format!("{model}@{ctx}@{}", kv.as_str())
}

/// Parses a key written by [`footprint_key`].
pub fn parse_footprint_key(key: &str) -> Option<(String, u32, KvCacheType)> {
    let mut parts = key.rsplitn(3, '@');
    let kv = KvCacheType::parse(parts.next()?)?;
    let ctx = parts.next()?.parse().ok()?;
    Some((parts.next()?.to_string(), ctx, kv))
}

/// Learned footprints as routing reads them.
pub type Footprints = HashMap<(String, u32, KvCacheType), u64>;

pub fn speed_key(model: &str, ctx: u32, on_gpu: bool) -> String {
    format!("{model}@{ctx}@{}", if on_gpu { "gpu" } else { "spill" })
}

/// Parses a key written by [`speed_key`].
pub fn parse_speed_key(key: &str) -> Option<(String, u32, bool)> {
    let mut parts = key.rsplitn(3, '@');
    let place = parts.next()?;
    let ctx = parts.next()?.parse().ok()?;
    let model = parts.next()?;
    Some((model.to_string(), ctx, place == "gpu"))
}

/// The learning store with its persistence.
#[derive(Debug)]
pub struct LearnStore {
    inner: Mutex<Learned>,
    /// Parsed speeds, token calibrations and footprints, republished on every change so requests read
    /// them without locking or parsing.
    speeds: arc_swap::ArcSwap<HashMap<(String, u32, bool), f64>>,
    calibrations: arc_swap::ArcSwap<Calibrations>,
    footprints: arc_swap::ArcSwap<Footprints>,
    load_seconds: arc_swap::ArcSwap<HashMap<String, f64>>,
    prompt_speeds: arc_swap::ArcSwap<HashMap<String, f64>>,
    dirty: AtomicBool,
    path: Option<PathBuf>,
}

/// Weight of a new observation in the moving averages.
const SMOOTHING: f64 = 0.3;

impl LearnStore {
    /// Opens the store; a missing file is empty, a corrupt one is ignored with a warning.
    pub fn open(path: Option<PathBuf>) -> LearnStore {
        let learned = path
            .as_deref()
            .and_then(|p| match std::fs::read(p) {
                Ok(bytes) => match serde_json::from_slice::<Learned>(&bytes) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        tracing::warn!(file = %p.display(), error = %e, "ignoring corrupt learned-state file");
                        None
                    }
                },
                Err(_) => None,
            })
            .unwrap_or_default();
        let store = LearnStore {
            speeds: arc_swap::ArcSwap::from_pointee(HashMap::new()),
            calibrations: arc_swap::ArcSwap::from_pointee(Calibrations::default()),
            footprints: arc_swap::ArcSwap::from_pointee(HashMap::new()),
            load_seconds: arc_swap::ArcSwap::from_pointee(HashMap::new()),
            prompt_speeds: arc_swap::ArcSwap::from_pointee(HashMap::new()),
            inner: Mutex::new(learned),
            dirty: AtomicBool::new(false),
            path,
        };
        if let Ok(l) = store.inner.lock() {
            store.publish(&l);
        }
        store
    }

    fn publish(&self, l: &Learned) {
        let parsed = l
            .speeds
            .iter()
            .filter_map(|(k, v)| parse_speed_key(k).map(|key| (key, *v)))
            .collect();
        self.speeds.store(std::sync::Arc::new(parsed));
        let mut any_model = Calibration::default();
        for c in l.token_calibration.values() {
            for i in 0..any_model.factors.len() {
                if c.samples[i] > 0 {
                    any_model.factors[i] = if any_model.samples[i] == 0 {
                        c.factors[i]
                    } else {
                        any_model.factors[i].max(c.factors[i])
                    };
                    any_model.samples[i] += c.samples[i];
                }
            }
        }
        self.calibrations.store(std::sync::Arc::new(Calibrations {
            by_model: l.token_calibration.clone(),
            any_model,
        }));
        let footprints = l
            .footprints
            .iter()
            .filter_map(|(k, v)| parse_footprint_key(k).map(|key| (key, *v)))
            .collect();
        self.footprints.store(std::sync::Arc::new(footprints));
        self.load_seconds
            .store(std::sync::Arc::new(l.load_seconds.clone()));
        self.prompt_speeds
            .store(std::sync::Arc::new(l.prompt_speeds.clone()));
    }

    /// Learned load seconds by model; cheap to read per request.
    pub fn load_seconds(&self) -> std::sync::Arc<HashMap<String, f64>> {
        self.load_seconds.load_full()
    }

    /// Learned prompt evaluation tok/s (on the GPU) by model; cheap to read per request.
    pub fn prompt_speeds(&self) -> std::sync::Arc<HashMap<String, f64>> {
        self.prompt_speeds.load_full()
    }

    /// Learned footprints by (model, num_ctx, KV cache type); cheap to read per request.
    pub fn footprints(&self) -> std::sync::Arc<Footprints> {
        self.footprints.load_full()
    }

    /// Learns what a loaded model occupies from an `/api/ps` entry. `weights` is the model's file
    /// size: while a model loads, Ollama reports just that (no buffers parsed yet), which says
    /// nothing about the context, so only a size above it is a footprint. The latest reading
    /// wins (a footprint is a measurement, not a noisy sample).
    pub fn observe_footprint(
        &self,
        model: &str,
        ctx: u32,
        kv: KvCacheType,
        size: u64,
        weights: u64,
    ) {
        if ctx == 0 || size <= weights {
            return;
        }
        let key = (model.to_string(), ctx, kv);
        if self.footprints.load().get(&key) == Some(&size) {
            return;
        }
        let Ok(mut l) = self.inner.lock() else { return };
        l.footprints.insert(footprint_key(model, ctx, kv), size);
        self.dirty.store(true, Ordering::Relaxed);
        self.publish(&l);
    }

    /// Learned tok/s by (model, num_ctx, fully on GPU); cheap to read per request.
    pub fn speeds(&self) -> std::sync::Arc<HashMap<(String, u32, bool), f64>> {
        self.speeds.load_full()
    }

    pub fn snapshot(&self) -> Learned {
        self.inner.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Learned token calibrations; cheap to read per request.
    pub fn calibrations(&self) -> std::sync::Arc<Calibrations> {
        self.calibrations.load_full()
    }

    /// Learns from a final chunk.
    ///
    /// Speed: `eval_count / eval_duration`, only when at least 8 tokens were generated (shorter
    /// answers are dominated by per-request overhead).
    ///
    /// Token calibration: per class of text, what Ollama evaluated against the fallback's raw
    /// estimate ([`Calibration::learn`]), only when Ollama evaluated at least 256 tokens and half
    /// the router's count. A smaller count means an older Ollama (< 0.30) reused its prompt cache
    /// and counted only the new suffix — that says nothing about the tokenizer. A count at `num_ctx` means
    /// truncation, which says nothing either. Learned for every model, exact counts or not: a
    /// model whose vocabulary is known still needs the estimate when Ollama restarts.
    pub fn observe(&self, decision: &Decision, tally: &BodyEstimate, m: &AnswerMetrics) {
        let Ok(mut l) = self.inner.lock() else { return };
        if let (Some(n), Some(d)) = (m.eval_count, m.eval_duration)
            && n >= 8
            && d > 0
        {
            let tps = n as f64 / (d as f64 / 1e9);
            let key = speed_key(
                &decision.model,
                decision.num_ctx,
                decision.fit.spill_fraction == 0.0,
            );
            let v = l.speeds.entry(key).or_insert(tps);
            *v = *v * (1.0 - SMOOTHING) + tps * SMOOTHING;
            self.dirty.store(true, Ordering::Relaxed);
        }
        // A load the router predicted: how long it took. (A loaded model answers with a
        // `load_duration` of milliseconds, which says nothing about loading it.)
        if let Some(d) = m.load_duration
            && !decision.fit.loaded
            && d >= 100_000_000
        {
            let secs = d as f64 / 1e9;
            let v = l.load_seconds.entry(decision.model.clone()).or_insert(secs);
            *v = *v * (1.0 - SMOOTHING) + secs * SMOOTHING;
            self.dirty.store(true, Ordering::Relaxed);
        }
        // Prompt speed on the GPU, from prompts long enough that the per-request overhead does
        // not dominate, and only right after a load: Ollama >= 0.30 counts cached tokens in
        // `prompt_eval_count` but times only the evaluated ones, so a warm cache would read as
        // an absurd speed. A fresh load has an empty cache.
        if let (Some(n), Some(d)) = (m.prompt_eval_count, m.prompt_eval_duration)
            && n >= 256
            && d > 0
            && !decision.fit.loaded
            && decision.fit.spill_fraction == 0.0
        {
            let tps = n as f64 / (d as f64 / 1e9);
            let v = l.prompt_speeds.entry(decision.model.clone()).or_insert(tps);
            *v = *v * (1.0 - SMOOTHING) + tps * SMOOTHING;
            self.dirty.store(true, Ordering::Relaxed);
        }
        if let Some(p) = m.prompt_eval_count
            && p >= 256
            && p * 2 >= u64::from(decision.prompt_tokens)
            && p < u64::from(decision.num_ctx)
            && l.token_calibration
                .entry(decision.model.clone())
                .or_default()
                .learn(&tally.text, p as f64 - tally.framing)
        {
            self.dirty.store(true, Ordering::Relaxed);
        }
        self.publish(&l);
    }

    /// Writes the file if something changed since the last save.
    pub fn save_if_dirty(&self) {
        let Some(path) = &self.path else { return };
        if !self.dirty.swap(false, Ordering::Relaxed) {
            return;
        }
        let learned = self.snapshot();
        if let Err(e) = write_atomically(path, &learned) {
            tracing::warn!(file = %path.display(), error = %e, "could not save learned state");
        }
    }
}

fn write_atomically(path: &Path, learned: &Learned) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(learned).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, path)
}

/// The default state file: `$XDG_STATE_HOME/ollama-router/learned.json` (or `~/.local/state/...`).
pub fn default_state_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("ollama-router").join("learned.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_keys_round_trip() {
        let k = speed_key("qwen3:8b", 16384, true);
        assert_eq!(parse_speed_key(&k), Some(("qwen3:8b".into(), 16384, true)));
    }

    fn decision(num_ctx: u32, prompt_tokens: u32) -> Decision {
        Decision {
            requested_model: "auto".into(),
            model: "qwen3:8b".into(),
            num_ctx,
            kind: router_core::request::Kind::Daily,
            prompt_tokens,
            tokens_exact: false,
            needed_ctx: 2000,
            classified_by: vec!["default".into()],
            ctx_reason: "preferred".into(),
            fit: router_core::route::Fit {
                need_bytes: 1,
                available_bytes: 2,
                spill_fraction: 0.0,
                predicted_tps: 72.0,
                loaded: false,
                evicts_busy: false,
                evicts: Vec::new(),
                learned: false,
            },
            rejected: Vec::new(),
            degraded: false,
            session: None,
            scores: Vec::new(),
            held_back: None,
        }
    }

    #[test]
    fn learns_load_time_and_prompt_speed_from_answers() {
        let store = LearnStore::open(None);
        let tally = BodyEstimate::default();
        let loaded_now = decision(16384, 3000);
        let m = AnswerMetrics {
            load_duration: Some(4_000_000_000),
            prompt_eval_count: Some(3000),
            prompt_eval_duration: Some(1_500_000_000),
            ..answer(3000)
        };
        store.observe(&loaded_now, &tally, &m);
        assert_eq!(store.load_seconds().get("qwen3:8b"), Some(&4.0));
        assert_eq!(store.prompt_speeds().get("qwen3:8b"), Some(&2000.0));
        // An answer from a model that was already loaded says nothing about loading it.
        let mut warm = decision(16384, 3000);
        warm.fit.loaded = true;
        let m = AnswerMetrics {
            load_duration: Some(30_000_000_000),
            ..m
        };
        let m = AnswerMetrics {
            prompt_eval_duration: Some(15_000_000),
            ..m
        };
        store.observe(&warm, &tally, &m);
        assert_eq!(store.load_seconds().get("qwen3:8b"), Some(&4.0));
        // Nor about prompt speed: a warm cache's tokens are counted but not timed.
        assert_eq!(store.prompt_speeds().get("qwen3:8b"), Some(&2000.0));
        // Both persist with the rest of the learned state.
        let saved = serde_json::to_value(store.snapshot()).unwrap();
        assert_eq!(saved["load_seconds"]["qwen3:8b"], 4.0);
        assert_eq!(saved["prompt_speeds"]["qwen3:8b"], 2000.0);
    }

    fn answer(prompt_eval_count: u64) -> AnswerMetrics {
        AnswerMetrics {
            prompt_eval_count: Some(prompt_eval_count),
            eval_count: Some(50),
            eval_duration: Some(1_000_000_000),
            ..AnswerMetrics::default()
        }
    }

    /// An estimate of `code` tokens, all of them code.
    fn tally(code: f64) -> BodyEstimate {
        BodyEstimate {
            text: router_core::tokens::ClassTokens([code, 0.0, 0.0, 0.0]),
            framing: 0.0,
            text_bytes: 100_000,
        }
    }

    /// Token calibration learns Ollama's count over the raw estimate of the class the prompt is
    /// made of (plus a 5 % margin) and ignores what says nothing about the tokenizer:
    /// prompt-cache reuse, truncation, tiny prompts.
    #[test]
    fn token_calibration_learns_only_from_telling_answers() {
        use router_core::tokens::TextClass;
        let store = LearnStore::open(None);
        for (raw, evaluated, ctx) in [(1000, 300, 16384), (1000, 16384, 16384), (200, 250, 16384)] {
            store.observe(
                &decision(ctx, raw),
                &tally(f64::from(raw)),
                &answer(evaluated),
            );
            assert!(
                store.calibrations().by_model.is_empty(),
                "raw {raw}, evaluated {evaluated} of {ctx}: nothing to learn"
            );
        }
        store.observe(&decision(16384, 1000), &tally(1000.0), &answer(1500));
        let c = store.calibrations();
        let learned = c.by_model["qwen3:8b"];
        assert!(
            (learned.factor(TextClass::Code) - 1.575).abs() < 1e-9,
            "{learned:?}"
        );
        // Only the class the prompt was made of.
        assert_eq!(learned.factor(TextClass::Dense), 1.0);
        assert_eq!(
            c.any_model.factor(TextClass::Code),
            learned.factor(TextClass::Code)
        );
    }

    /// What was learned survives a restart through the state file, and only a change writes it.
    #[test]
    fn learned_state_round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/learned.json");
        let store = LearnStore::open(Some(p.clone()));
        store.save_if_dirty();
        assert!(!p.exists(), "nothing learned, nothing written");
        store.observe(&decision(16384, 1000), &tally(1000.0), &answer(1500));
        // Both learnings share the one state file: token calibration and footprints.
        store.observe_footprint("qwen3:8b", 16384, KvCacheType::F16, 9_300, 5_000);
        store.save_if_dirty();
        assert!(p.exists());
        let reopened = LearnStore::open(Some(p));
        assert_eq!(reopened.snapshot(), store.snapshot());
        assert!(!reopened.calibrations().by_model.is_empty());
        assert_eq!(
            reopened.calibrations().by_model,
            store.calibrations().by_model
        );
        assert_eq!(
            reopened
                .footprints()
                .get(&("qwen3:8b".to_string(), 16384, KvCacheType::F16)),
            Some(&9_300)
        );
        assert_eq!(
            reopened
                .speeds()
                .get(&("qwen3:8b".to_string(), 16384, true)),
            Some(&50.0)
        );
    }

    #[test]
    fn footprints_persist_and_ignore_loading_readings() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("learned.json");
        let store = LearnStore::open(Some(p.clone()));
        // Mid-load Ollama reports the file size: not a footprint.
        store.observe_footprint("qwen3:8b", 16384, KvCacheType::F16, 5_000, 5_000);
        assert!(store.footprints().is_empty());
        store.observe_footprint("qwen3:8b", 16384, KvCacheType::F16, 9_300, 5_000);
        store.save_if_dirty();
        let reopened = LearnStore::open(Some(p));
        assert_eq!(
            reopened
                .footprints()
                .get(&("qwen3:8b".to_string(), 16384, KvCacheType::F16)),
            Some(&9_300)
        );
        // A state file from before footprints were learned still loads.
        let old: Learned = serde_json::from_str(r#"{"speeds":{},"token_correction":{}}"#).unwrap();
        assert!(old.footprints.is_empty());
    }

    #[test]
    fn corrupt_state_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("learned.json");
        std::fs::write(&p, b"{not json").unwrap();
        let store = LearnStore::open(Some(p));
        assert_eq!(store.snapshot(), Learned::default());
    }
}

//! Pure routing: a classification and a snapshot of the world → which model, which `num_ctx`.
//!
//! For each candidate of the kind's profile, in order: filter by capability (tools, insert, vision,
//! thinking) and by what Ollama has installed; reserve room for the answer (the request's own
//! limit up to a cap, more when the model will think); choose a context rung (reuse a loaded or
//! session-pinned context that already holds the prompt, else the profile's preferred rung, else the
//! smallest rung that holds it); play Ollama's scheduler for the load ([`crate::memory`]: which
//! loaded models it evicts, what llama.cpp spills to the CPU, footprints learned from `/api/ps`
//! before the calibrated catalog); predict tok/s (learned, else the seed's measured speeds for that
//! spilled share, scaled by memory bandwidth); skip candidates below the profile's floor. If none qualifies, the fastest one that holds the prompt is taken and the
//! decision is marked degraded; if none can hold the prompt at all, that is an error the dialects
//! render as their own "prompt too long".
//!
//! Invariant: no I/O, no clock, no globals — everything arrives in [`World`].

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use crate::catalog::{Capability, KvCacheType, ModelSpec, SEED_BANDWIDTH_GBPS};
use crate::classify::Classification;
use crate::config::{RoutingConfig, Settings};
use crate::memory::{self, Resident};
use crate::request::{Kind, RequestView};
use crate::units::GIB;

/// GPU memory as last measured (or configured).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GpuView {
    /// Where the numbers came from: `nvml`, `sim`, `ollama`, `static`.
    pub source: String,
    pub name: String,
    pub total: u64,
    /// Free right now, as measured; `None` when nothing measures it (derived from loaded models).
    pub free: Option<u64>,
    /// Memory held by programs other than Ollama, when known.
    pub foreign: Option<u64>,
    pub bandwidth_gbps: Option<f64>,
}

impl GpuView {
    pub fn fixed(total: u64) -> GpuView {
        GpuView {
            source: "static".into(),
            name: "configured".into(),
            total,
            free: None,
            foreign: None,
            bandwidth_gbps: None,
        }
    }
}

/// A model Ollama has in memory (`/api/ps`), plus whether a request is streaming from it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadedModel {
    pub name: String,
    pub context_length: u32,
    pub size: u64,
    pub size_vram: u64,
    /// A response from it is streaming through the router right now.
    pub busy: bool,
}

/// A model and context a session was served with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionPin {
    pub model: String,
    pub num_ctx: u32,
    pub kind: Kind,
}

/// Everything outside the request that routing depends on, read from snapshots by the caller.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub gpu: Option<GpuView>,
    pub loaded: Vec<LoadedModel>,
    /// Installed model names (`/api/tags`); `None` when unknown (Ollama not reached yet).
    pub installed: Option<Arc<HashSet<String>>>,
    /// Learned tok/s by (model, num_ctx, fully on GPU).
    pub learned_tps: Arc<HashMap<(String, u32, bool), f64>>,
    pub session: Option<SessionPin>,
    /// What Ollama reports about installed models, which beats the catalog's numbers (a
    /// different quantisation under the same name has other weights and maybe other layers).
    pub measured: Arc<HashMap<String, MeasuredModel>>,
    /// Footprints `/api/ps` reported after loads, by (model, num_ctx, KV cache type): what a
    /// load really takes beats any prediction.
    pub footprints: Arc<HashMap<(String, u32, KvCacheType), u64>>,
    /// Prompt tokens counted for particular models, by catalog name: exact with the model's own
    /// vocabulary, or estimated with its own calibration. A model not listed is sized with the
    /// classification's count.
    pub prompt_tokens: Arc<HashMap<String, TokenCount>>,
}

/// A prompt's tokens for one model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TokenCount {
    pub tokens: u32,
    /// Counted with the model's vocabulary (else estimated).
    pub exact: bool,
}

impl World {
    /// The prompt's tokens for `model`, or `default` (an estimate) when none were counted for it.
    pub fn tokens_for(&self, model: &str, default: u32) -> TokenCount {
        self.prompt_tokens
            .get(model)
            .copied()
            .unwrap_or(TokenCount {
                tokens: default,
                exact: false,
            })
    }
}

/// A model's facts as Ollama reports them (`/api/tags` size, `/api/show` model_info).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MeasuredModel {
    pub weights_bytes: Option<u64>,
    pub arch: Option<crate::catalog::Architecture>,
    /// `/api/tags` capabilities (Ollama ≥ 0.30); empty when Ollama does not say.
    pub capabilities: Vec<Capability>,
}

/// The VRAM arithmetic behind a candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    pub need_bytes: u64,
    pub available_bytes: u64,
    /// Share of the model that would live in system RAM.
    pub spill_fraction: f64,
    pub predicted_tps: f64,
    /// Already loaded at this context: no load, no reload.
    pub loaded: bool,
    /// Loading it would evict a model that is streaming right now.
    pub evicts_busy: bool,
    /// Loaded models Ollama would unload to load this one (its 80 %-of-free rule).
    pub evicts: Vec<String>,
    /// `need_bytes` is what `/api/ps` reported for this model and context, not a prediction.
    pub learned: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rejection {
    pub model: String,
    pub reason: String,
}

/// What the router decided, and why. Logged, kept in the ring buffer, sent as headers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub requested_model: String,
    pub model: String,
    pub num_ctx: u32,
    pub kind: Kind,
    /// The prompt's tokens for the chosen model.
    pub prompt_tokens: u32,
    /// `prompt_tokens` was counted with the model's own vocabulary (else estimated).
    pub tokens_exact: bool,
    /// Prompt tokens plus the output reserve.
    pub needed_ctx: u32,
    pub classified_by: Vec<String>,
    /// Why this context: `loaded`, `session`, `preferred`, `smallest`, `explicit`.
    pub ctx_reason: String,
    pub fit: Fit,
    pub rejected: Vec<Rejection>,
    /// No candidate met the speed floor; this is the fastest that holds the prompt.
    pub degraded: bool,
    pub session: Option<String>,
}

impl Decision {
    /// One line for `x-router-reason` and logs (ASCII only: it travels in a header).
    pub fn reason(&self) -> String {
        let mut s = format!(
            "{} ({}); {} tok ({}) + reserve -> ctx {} ({}); {} needs {:.1}/{:.1} GiB",
            self.kind.as_str(),
            self.classified_by.join(","),
            self.prompt_tokens,
            if self.tokens_exact {
                "exact"
            } else {
                "estimated"
            },
            self.num_ctx,
            self.ctx_reason,
            self.model,
            self.fit.need_bytes as f64 / GIB as f64,
            self.fit.available_bytes as f64 / GIB as f64,
        );
        if self.fit.learned {
            s.push_str(" (measured)");
        }
        if self.fit.loaded {
            s.push_str(", loaded");
        }
        if !self.fit.evicts.is_empty() {
            let _ = write!(s, ", evicts {}", self.fit.evicts.join("+"));
        }
        if self.fit.spill_fraction > 0.0 {
            let _ = write!(s, ", spills {:.0}%", self.fit.spill_fraction * 100.0);
        }
        let _ = write!(s, ", ~{:.0} tok/s", self.fit.predicted_tps);
        if self.degraded {
            s.push_str("; DEGRADED: no candidate meets the speed floor");
        }
        if !self.rejected.is_empty() {
            s.push_str("; rejected: ");
            let parts: Vec<String> = self
                .rejected
                .iter()
                .map(|r| format!("{} ({})", r.model, r.reason))
                .collect();
            s.push_str(&parts.join(", "));
        }
        s.chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }
}

/// Why no model could be chosen.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RouteError {
    /// No capable candidate has a context that holds the prompt.
    #[error("prompt is too long: {tokens} tokens > {max} maximum")]
    PromptTooLong {
        tokens: u32,
        max: u32,
        rejected: Vec<Rejection>,
    },
    /// Nothing installed or capable.
    #[error("no model can serve this request: {}", summarize(.rejected))]
    NoCandidate { rejected: Vec<Rejection> },
}

fn summarize(rejected: &[Rejection]) -> String {
    rejected
        .iter()
        .map(|r| format!("{}: {}", r.model, r.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// How the candidate list was chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Candidates {
    /// The kind's profile (with overflow to other profiles when allowed).
    Profile,
    /// Exactly this model (`respect_explicit_models`).
    Explicit(String),
    /// These models in this order (a session's pinned model first), overflow allowed.
    Ordered(Vec<String>),
}

struct Evaluated<'a> {
    spec: &'a ModelSpec,
    tokens: TokenCount,
    /// Prompt plus this model's output reserve.
    needed: u32,
    num_ctx: u32,
    ctx_reason: &'static str,
    fit: Fit,
}

/// Decides model and context.
pub fn decide(
    class: &Classification,
    view: &RequestView<'_>,
    candidates: Candidates,
    settings: &Settings,
    world: &World,
) -> Result<Decision, RouteError> {
    let routing = &settings.config.routing;
    let profile = settings.profile(class.kind);
    let mut rejected = Vec::new();
    // The largest prompt any capable candidate could hold (its top rung minus its reserve).
    let mut max_prompt: Option<u32> = None;

    let mut primary: Vec<String> = match &candidates {
        Candidates::Explicit(m) => vec![m.clone()],
        Candidates::Profile => profile.candidates.clone(),
        Candidates::Ordered(list) => list.clone(),
    };
    // A helper call (a title, a summary, a commit message) is over in a second; loading a model
    // for it takes seconds and evicts the model the main work is using, which then reloads. So a
    // model already loaded with room for the prompt serves it — fill-in-the-middle excepted, which
    // needs an insert-capable model and comes in bursts that justify the load.
    let helper_call = class.kind == Kind::Quick && !view.has_suffix && !view.raw;
    if helper_call && !matches!(candidates, Candidates::Explicit(_)) {
        for l in world.loaded.iter().rev() {
            let known = settings.catalog.get(&l.name);
            if let Some(spec) = known
                && l.context_length
                    >= world
                        .tokens_for(&spec.name, class.prompt_tokens)
                        .tokens
                        .saturating_add(output_reserve(spec, view, routing))
                && !primary.first().is_some_and(|p| same_model(p, &spec.name))
            {
                let name = spec.name.clone();
                primary.retain(|p| !same_model(p, &name));
                primary.insert(0, name);
            }
        }
    }
    let mut holders = evaluate_all(
        &primary,
        view,
        class.prompt_tokens,
        settings,
        world,
        &mut rejected,
        &mut max_prompt,
    );
    let overflow =
        !matches!(candidates, Candidates::Explicit(_)) && routing.overflow_to_other_profiles;
    if holders.is_empty() && overflow {
        let mut seen: HashSet<String> = primary.iter().cloned().collect();
        let others: Vec<String> = Kind::ALL
            .into_iter()
            .filter(|k| *k != class.kind)
            .flat_map(|k| settings.profile(k).candidates)
            .filter(|m| seen.insert(m.clone()))
            .collect();
        holders = evaluate_all(
            &others,
            view,
            class.prompt_tokens,
            settings,
            world,
            &mut rejected,
            &mut max_prompt,
        );
    }
    if holders.is_empty() {
        return Err(match max_prompt {
            Some(max) => RouteError::PromptTooLong {
                tokens: class.prompt_tokens,
                max,
                rejected,
            },
            None => RouteError::NoCandidate { rejected },
        });
    }

    let floor = profile.min_tokens_per_second;
    let qualifies = |e: &Evaluated<'_>| e.fit.predicted_tps >= floor;
    let mut chosen: Option<usize> = holders.iter().position(qualifies);
    // A load that would evict a model mid-stream stalls that stream; prefer a loaded alternative.
    if let Some(i) = chosen
        && holders[i].fit.evicts_busy
        && let Some(j) = holders.iter().position(|e| qualifies(e) && e.fit.loaded)
    {
        rejected.push(Rejection {
            model: holders[i].spec.name.clone(),
            reason: "loading it would evict a model that is streaming".into(),
        });
        chosen = Some(j);
    }
    let degraded = chosen.is_none();
    for e in holders.iter().take(chosen.unwrap_or(holders.len())) {
        if !qualifies(e) {
            rejected.push(Rejection {
                model: e.spec.name.clone(),
                reason: format!(
                    "~{:.0} tok/s at ctx {} < {:.0} (spills {:.0}%)",
                    e.fit.predicted_tps,
                    e.num_ctx,
                    floor,
                    e.fit.spill_fraction * 100.0
                ),
            });
        }
    }
    let idx = chosen.unwrap_or_else(|| {
        holders
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.fit.predicted_tps.total_cmp(&b.1.fit.predicted_tps))
            .map_or(0, |(i, _)| i)
    });
    let best = holders.swap_remove(idx);
    Ok(Decision {
        requested_model: view.model.to_string(),
        model: best.spec.name.clone(),
        num_ctx: best.num_ctx,
        kind: class.kind,
        prompt_tokens: best.tokens.tokens,
        tokens_exact: best.tokens.exact,
        needed_ctx: best.needed,
        classified_by: class.reasons.clone(),
        ctx_reason: if matches!(candidates, Candidates::Explicit(_))
            && best.ctx_reason == "smallest"
        {
            "explicit".into()
        } else {
            best.ctx_reason.into()
        },
        fit: best.fit,
        rejected,
        degraded,
        session: view.session.clone(),
    })
}

/// `tokens`: the classification's prompt tokens and the output reserve.
fn evaluate_all<'a>(
    names: &[String],
    view: &RequestView<'_>,
    default_tokens: u32,
    settings: &'a Settings,
    world: &World,
    rejected: &mut Vec<Rejection>,
    max_prompt: &mut Option<u32>,
) -> Vec<Evaluated<'a>> {
    let mut out = Vec::new();
    for name in names {
        let Some(spec) = settings.catalog.get(name) else {
            rejected.push(Rejection {
                model: name.clone(),
                reason: "not in the catalog".into(),
            });
            continue;
        };
        if let Some(why) = incapable(spec, view, world) {
            rejected.push(Rejection {
                model: spec.name.clone(),
                reason: why,
            });
            continue;
        }
        let rungs = rungs_for(spec, &settings.config.routing.context_ladder);
        let tokens = world.tokens_for(&spec.name, default_tokens);
        let prompt_tokens = tokens.tokens;
        let reserve = output_reserve(spec, view, &settings.config.routing);
        let top = rungs.last().copied().unwrap_or(0);
        // A prompt that nearly fills the largest context still gets it, with less room for the
        // answer, rather than a refusal.
        let needed = match prompt_tokens.saturating_add(reserve) {
            n if n > top
                && prompt_tokens.saturating_add(reserve.min(MIN_OUTPUT_RESERVE)) <= top =>
            {
                top
            }
            n => n,
        };
        if top > 0 {
            let holds = top.saturating_sub(reserve.min(MIN_OUTPUT_RESERVE));
            *max_prompt = Some(max_prompt.map_or(holds, |m| m.max(holds)));
        }
        match evaluate(spec, &rungs, needed, settings, world) {
            Some(mut e) => {
                e.tokens = tokens;
                out.push(e)
            }
            None => rejected.push(Rejection {
                model: spec.name.clone(),
                reason: format!(
                    "needs ctx {needed} > max {}",
                    rungs.last().copied().unwrap_or(0)
                ),
            }),
        }
    }
    out
}

/// The least room for the answer a prompt near the largest context is given.
pub const MIN_OUTPUT_RESERVE: u32 = 1024;

/// Tokens kept free for the answer on `spec`: the request's own `num_predict`/`max_tokens` up to
/// `output_reserve_max`, else `output_reserve`; plus `thinking_reserve` when the model will think
/// (asked to, or a thinking model not told otherwise: Ollama lets qwen3 think by default, and the
/// seed saw its reasoning exhaust 8192 tokens). A request's limit counts thinking tokens too, so
/// the extra room widens the cap rather than adding to a small limit.
pub fn output_reserve(spec: &ModelSpec, view: &RequestView<'_>, routing: &RoutingConfig) -> u32 {
    let thinks = match &view.think {
        Some(t) => t.is_on() && spec.has(Capability::Thinking),
        None => spec.has(Capability::Thinking),
    };
    let extra = if thinks { routing.thinking_reserve } else { 0 };
    match view.num_predict {
        Some(n) if n > 0 => u32::try_from(n)
            .unwrap_or(u32::MAX)
            .min(routing.output_reserve_max.saturating_add(extra)),
        _ => routing.output_reserve.saturating_add(extra),
    }
}

/// The largest [`output_reserve`] any model gets for this request: the thinking room counts
/// unless the request turns thinking off. A prompt whose token bound plus this fits a context
/// fits it on every model.
pub fn max_output_reserve(view: &RequestView<'_>, routing: &RoutingConfig) -> u32 {
    let extra = match &view.think {
        Some(t) if !t.is_on() => 0,
        _ => routing.thinking_reserve,
    };
    match view.num_predict {
        Some(n) if n > 0 => u32::try_from(n)
            .unwrap_or(u32::MAX)
            .min(routing.output_reserve_max.saturating_add(extra)),
        _ => routing.output_reserve.saturating_add(extra),
    }
}

fn incapable(spec: &ModelSpec, view: &RequestView<'_>, world: &World) -> Option<String> {
    if let Some(installed) = &world.installed
        && !is_installed(installed, &spec.name)
    {
        return Some(format!("not installed (ollama pull {})", spec.name));
    }
    if view.has_tools && !spec.tools_usable() {
        return Some("cannot call tools".into());
    }
    if view.has_suffix && !spec.has(Capability::Insert) {
        return Some("no fill-in-the-middle".into());
    }
    if view.image_count > 0 && !spec.has(Capability::Vision) {
        return Some("no vision".into());
    }
    if view.think.as_ref().is_some_and(|t| t.is_on()) && !spec.has(Capability::Thinking) {
        return Some("cannot think".into());
    }
    None
}

/// Whether `name` is among the installed names, treating `x` and `x:latest` as one.
pub fn is_installed(installed: &HashSet<String>, name: &str) -> bool {
    installed.contains(name)
        || name
            .strip_suffix(":latest")
            .is_some_and(|bare| installed.contains(bare))
        || (!name.contains(':') && installed.contains(&format!("{name}:latest")))
}

/// The contexts a model can be given: ladder rungs within its limits, plus its ceiling when the
/// ladder stops short of it (so a 40K prompt can still use qwen3's trained 40960), plus its
/// minimum when no rung is in range.
pub fn rungs_for(spec: &ModelSpec, ladder: &[u32]) -> Vec<u32> {
    let ceiling = spec.ctx_ceiling();
    let mut rungs: Vec<u32> = ladder
        .iter()
        .copied()
        .filter(|r| *r >= spec.min_ctx && *r <= ceiling)
        .collect();
    if rungs.is_empty() && spec.min_ctx <= ceiling {
        rungs.push(spec.min_ctx);
    }
    if rungs.last().is_some_and(|top| *top < ceiling) {
        rungs.push(ceiling);
    }
    rungs
}

fn evaluate<'a>(
    spec: &'a ModelSpec,
    rungs: &[u32],
    needed: u32,
    settings: &Settings,
    world: &World,
) -> Option<Evaluated<'a>> {
    let holders: Vec<u32> = rungs.iter().copied().filter(|r| *r >= needed).collect();
    // The ceiling rung exists for prompts nothing else holds; small prompts never use it.
    let top_ladder = settings
        .config
        .routing
        .context_ladder
        .last()
        .copied()
        .unwrap_or(0);
    let holders: Vec<u32> = match holders
        .iter()
        .copied()
        .filter(|r| *r <= top_ladder)
        .collect::<Vec<_>>()
    {
        within if !within.is_empty() => within,
        _ => holders,
    };
    let first = *holders.first()?;
    let loaded = world
        .loaded
        .iter()
        .find(|l| same_model(&l.name, &spec.name));
    let reuse = |ctx: u32| ctx >= needed && ctx >= spec.min_ctx && ctx <= spec.ctx_ceiling();

    // 1. Already loaded with a context that holds the prompt: no reload, keep the prompt cache.
    if let Some(l) = loaded
        && reuse(l.context_length)
    {
        return Some(Evaluated {
            tokens: TokenCount::default(),
            spec,
            needed,
            num_ctx: l.context_length,
            ctx_reason: "loaded",
            fit: fit(spec, l.context_length, settings, world),
        });
    }
    // 2. The session's pinned context.
    if let Some(pin) = &world.session
        && same_model(&pin.model, &spec.name)
        && reuse(pin.num_ctx)
    {
        return Some(Evaluated {
            tokens: TokenCount::default(),
            spec,
            needed,
            num_ctx: pin.num_ctx,
            ctx_reason: "session",
            fit: fit(spec, pin.num_ctx, settings, world),
        });
    }
    // 3. The preferred rung if it fits in VRAM, then each larger-than-needed rung that fits.
    let preferred = settings
        .config
        .profiles
        .values()
        .find(|p| p.candidates.iter().any(|c| same_model(c, &spec.name)))
        .map_or(spec.recommended_ctx, |p| p.preferred_ctx);
    let mut order: Vec<(u32, &'static str)> = Vec::new();
    if let Some(p) = holders.iter().copied().find(|r| *r >= preferred) {
        order.push((p, "preferred"));
    }
    order.extend(holders.iter().map(|r| (*r, "smallest")));
    for (ctx, why) in &order {
        let f = fit(spec, *ctx, settings, world);
        if f.spill_fraction == 0.0 {
            return Some(Evaluated {
                tokens: TokenCount::default(),
                spec,
                needed,
                num_ctx: *ctx,
                ctx_reason: why,
                fit: f,
            });
        }
    }
    // 4. Nothing fits fully: the smallest holder spills least.
    Some(Evaluated {
        tokens: TokenCount::default(),
        spec,
        needed,
        num_ctx: first,
        ctx_reason: "smallest",
        fit: fit(spec, first, settings, world),
    })
}

fn same_model(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.strip_suffix(":latest").unwrap_or(s).to_string();
    norm(a) == norm(b)
}

/// VRAM a model needs at `ctx` (its footprint: weights, KV cache for every parallel slot,
/// compute buffers, fixed overhead; see [`crate::memory`]). Ollama's own numbers (`measured`)
/// beat the catalog's.
pub fn vram_need(
    spec: &ModelSpec,
    ctx: u32,
    settings: &Settings,
    measured: Option<&MeasuredModel>,
) -> u64 {
    memory::footprint(
        spec,
        measured.and_then(|m| m.weights_bytes),
        measured.and_then(|m| m.arch.as_ref()),
        ctx,
        &settings.config.gpu.memory_params(),
    )
    .total()
}

/// The VRAM arithmetic and speed prediction for one (model, ctx): what the load takes (learned
/// from `/api/ps`, else predicted), what Ollama evicts for it, what spills, how fast it runs.
pub fn fit(spec: &ModelSpec, ctx: u32, settings: &Settings, world: &World) -> Fit {
    let gpu_cfg = &settings.config.gpu;
    let params = gpu_cfg.memory_params();
    let gpu = world
        .gpu
        .clone()
        .unwrap_or_else(|| GpuView::fixed(gpu_cfg.vram_total.bytes()));
    let measured = world.measured.get(&spec.name);
    let learned = world
        .footprints
        .get(&(spec.name.clone(), ctx, params.kv_cache_type))
        .copied();
    // Measured at another context of this model: its fixed part carries over (nearest context).
    let learned_elsewhere = || {
        world
            .footprints
            .iter()
            .filter(|((m, _, kv), _)| m == &spec.name && *kv == params.kv_cache_type)
            .min_by_key(|((_, c, _), _)| c.abs_diff(ctx))
            .map(|((_, c, _), size)| {
                memory::footprint_from_measured(
                    measured
                        .and_then(|m| m.weights_bytes)
                        .unwrap_or(spec.weights_bytes),
                    measured.and_then(|m| m.arch.as_ref()).unwrap_or(&spec.arch),
                    ctx,
                    &params,
                    *c,
                    *size,
                )
                .total()
            })
    };
    let need = learned
        .or_else(learned_elsewhere)
        .unwrap_or_else(|| vram_need(spec, ctx, settings, measured));
    let this = world
        .loaded
        .iter()
        .find(|l| same_model(&l.name, &spec.name));
    let already = this.is_some_and(|l| l.context_length == ctx);
    let held_by_ollama: u64 = world.loaded.iter().map(|l| l.size_vram).sum();
    let free_now = gpu.free.unwrap_or_else(|| {
        gpu.total
            .saturating_sub(held_by_ollama)
            .saturating_sub(gpu.foreign.unwrap_or(0))
    });
    let (spill, available, evicts, evicts_busy) = match this {
        // Measured, not predicted: what Ollama reports for the running model.
        Some(l) if already => {
            let s = if l.size > 0 {
                l.size.saturating_sub(l.size_vram) as f64 / l.size as f64
            } else {
                0.0
            };
            (s, l.size_vram + free_now, Vec::new(), false)
        }
        _ => {
            // A reload unloads the model first; the others stay unless Ollama's rule evicts them.
            let free = free_now + this.map_or(0, |l| l.size_vram);
            let residents: Vec<Resident<'_>> = world
                .loaded
                .iter()
                .filter(|l| !same_model(&l.name, &spec.name))
                .map(|l| Resident {
                    name: &l.name,
                    size_vram: l.size_vram,
                    busy: l.busy,
                })
                .collect();
            let weights = measured
                .and_then(|m| m.weights_bytes)
                .unwrap_or(spec.weights_bytes);
            let arch = measured.and_then(|m| m.arch.as_ref()).unwrap_or(&spec.arch);
            let cells = memory::cells(ctx, &params);
            let predicted = memory::ollama_prediction(weights, arch, cells);
            let mut placement = memory::place(need, predicted, cells, free, &residents, &params);
            placement.usable = placement.usable.saturating_sub(gpu_cfg.reserve.bytes());
            placement.spill_bytes = need.saturating_sub(placement.usable);
            (
                placement.spill_fraction(need),
                placement.usable,
                placement.evicted,
                placement.evicts_busy,
            )
        }
    };
    let on_gpu = spill == 0.0;
    let bandwidth = gpu.bandwidth_gbps.or(gpu_cfg.bandwidth_gbps);
    let predicted = world
        .learned_tps
        .get(&(spec.name.clone(), ctx, on_gpu))
        .copied()
        .unwrap_or_else(|| {
            memory::tps_at_spill(spec, spill, &params)
                * bandwidth.map_or(1.0, |b| b / SEED_BANDWIDTH_GBPS)
        });
    Fit {
        need_bytes: need,
        available_bytes: available,
        spill_fraction: spill,
        predicted_tps: predicted,
        loaded: already,
        evicts_busy,
        evicts,
        learned: learned.is_some(),
    }
}

// Model lists in every dialect show virtual models the same way; computed here, purely, so the
// service's handlers and pipeline share it without depending on each other.
/// What a virtual model looks like to model lists: the union of its candidates' abilities and the
/// largest context the router will give.
#[derive(Debug, Clone)]
pub struct VirtualFacts {
    pub base: String,
    pub size: u64,
    pub context_length: u32,
    pub capabilities: Vec<String>,
    pub family: String,
    pub parameter_size: String,
    pub quantization: String,
    pub embedding_length: u32,
    pub preferred_ctx: u32,
}

pub fn virtual_model_facts(settings: &Settings, kind: Option<Kind>) -> VirtualFacts {
    let kinds: Vec<Kind> = match kind {
        Some(k) => vec![k],
        None => Kind::ALL.to_vec(),
    };
    let main_kind = kind.unwrap_or(settings.config.routing.default_kind);
    let ladder = &settings.config.routing.context_ladder;
    let top = ladder.last().copied().unwrap_or(0);
    let mut caps: Vec<Capability> = vec![Capability::Completion];
    let mut ctx = 0;
    for k in &kinds {
        for name in settings.profile(*k).candidates {
            if let Some(spec) = settings.catalog.get(&name) {
                for c in &spec.capabilities {
                    let usable = *c != Capability::Tools || spec.tools_usable();
                    if usable && !caps.contains(c) {
                        caps.push(*c);
                    }
                }
                ctx = ctx.max(
                    rungs_for(spec, ladder)
                        .into_iter()
                        .filter(|r| *r <= top)
                        .max()
                        .unwrap_or(0),
                );
            }
        }
    }
    caps.sort();
    let profile = settings.profile(main_kind);
    let base = profile.candidates.first().cloned().unwrap_or_default();
    let spec = settings.catalog.get(&base);
    VirtualFacts {
        size: spec.map_or(0, |s| s.weights_bytes),
        context_length: ctx,
        capabilities: caps.iter().map(|c| c.as_str().to_string()).collect(),
        family: spec.map_or_else(String::new, |s| s.arch.name.clone()),
        parameter_size: spec.map_or_else(String::new, |s| s.parameter_size.clone()),
        quantization: spec.map_or_else(String::new, |s| s.quantization.clone()),
        embedding_length: spec.map_or(0, |s| s.arch.embedding_length),
        preferred_ctx: profile.preferred_ctx,
        base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Classification, classify};
    use crate::request::{Dialect, Endpoint, Think};
    use std::borrow::Cow;

    fn view() -> RequestView<'static> {
        RequestView {
            message_count: 1,
            ..RequestView::new(Dialect::Ollama, Endpoint::Chat, Cow::Borrowed("auto"))
        }
    }

    fn gpu(total_gib: u64, foreign_gib: u64) -> Option<GpuView> {
        Some(GpuView {
            source: "test".into(),
            name: "test".into(),
            total: total_gib * GIB,
            free: None,
            foreign: Some(foreign_gib * GIB),
            bandwidth_gbps: Some(504.0),
        })
    }

    fn decide_for(
        kind: Kind,
        tokens: u32,
        v: RequestView<'_>,
        world: &World,
    ) -> Result<Decision, RouteError> {
        let s = Settings::defaults();
        let class = Classification {
            kind,
            prompt_tokens: tokens,
            reasons: vec!["test".into()],
        };
        decide(&class, &v, Candidates::Profile, &s, world)
    }

    fn check(kind: Kind, tokens: u32, v: RequestView<'_>, world: &World, model: &str, ctx: u32) {
        let d = decide_for(kind, tokens, v, world).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx),
            (model, ctx),
            "{}",
            d.reason()
        );
    }

    #[test]
    fn seed_recommendations_on_12_gib() {
        let w = World {
            gpu: gpu(12, 0),
            ..World::default()
        };
        check(Kind::Daily, 200, view(), &w, "qwen3:8b", 16384);
        check(Kind::Complex, 2000, view(), &w, "qwen3:14b", 8192);
        check(
            Kind::Quick,
            300,
            RequestView {
                has_suffix: true,
                ..view()
            },
            &w,
            "qwen2.5-coder:7b-instruct-q5_K_M",
            16384,
        );
        check(
            Kind::Quick,
            300,
            RequestView {
                has_tools: true,
                ..view()
            },
            &w,
            "qwen2.5:7b",
            16384,
        );
        // 12K tokens + 2048 reserve → 16384.
        check(Kind::Daily, 12_000, view(), &w, "qwen3:8b", 16384);
    }

    #[test]
    fn a_models_exact_count_sizes_its_context() {
        // The estimate says 20K (→ 32768); qwen3:8b's own vocabulary says 12K (→ 16384).
        let estimated = World {
            gpu: gpu(12, 0),
            ..World::default()
        };
        let d = decide_for(Kind::Daily, 20_000, view(), &estimated).unwrap();
        assert_eq!((d.num_ctx, d.tokens_exact), (32768, false));
        assert!(
            d.reason().contains("20000 tok (estimated)"),
            "{}",
            d.reason()
        );
        let counted = World {
            prompt_tokens: Arc::new(HashMap::from([(
                "qwen3:8b".to_string(),
                TokenCount {
                    tokens: 12_000,
                    exact: true,
                },
            )])),
            ..estimated
        };
        let d = decide_for(Kind::Daily, 20_000, view(), &counted).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx, d.prompt_tokens, d.tokens_exact),
            ("qwen3:8b", 16384, 12_000, true)
        );
        assert!(d.reason().contains("12000 tok (exact)"), "{}", d.reason());
    }

    #[test]
    fn issue_3_scenarios() {
        // 24 GiB: a complex 14K-token request gets qwen3:14b at 16384.
        let w24 = World {
            gpu: gpu(24, 0),
            ..World::default()
        };
        // (12K + qwen3's 2048 answer + 2048 thinking reserve.)
        check(Kind::Complex, 12_000, view(), &w24, "qwen3:14b", 16384);
        // 12 GiB with 3 GiB held elsewhere: no spilling 14B below 20 tok/s.
        let w12 = World {
            gpu: gpu(12, 3),
            ..World::default()
        };
        let d = decide_for(Kind::Complex, 12_000, view(), &w12).unwrap();
        assert_ne!(d.model, "qwen3:14b", "{}", d.reason());
        assert!(d.fit.predicted_tps >= 20.0 && !d.degraded, "{}", d.reason());
        assert!(
            d.rejected.iter().any(|r| r.model == "qwen3:14b"),
            "{:?}",
            d.rejected
        );
        // A loaded qwen3:8b@16384 serves a 3K-token daily request at 16384 (no reload).
        let loaded = World {
            gpu: gpu(12, 0),
            loaded: vec![LoadedModel {
                name: "qwen3:8b".into(),
                context_length: 16384,
                size: 9_000_000_000,
                size_vram: 9_000_000_000,
                busy: false,
            }],
            ..World::default()
        };
        let d = decide_for(Kind::Daily, 3000, view(), &loaded).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx, d.ctx_reason.as_str()),
            ("qwen3:8b", 16384, "loaded")
        );
        assert!(d.fit.loaded);
        // 8 GiB: qwen3:8b at 10240 (7.3 GiB) spills a little under llama.cpp's 1 GiB margin but
        // stays well above the floor; on 6 GiB it falls below and the smaller model serves.
        let w8 = World {
            gpu: gpu(8, 0),
            ..World::default()
        };
        let d = decide_for(Kind::Daily, 3000, view(), &w8).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx),
            ("qwen3:8b", 10240),
            "{}",
            d.reason()
        );
        assert!(d.fit.spill_fraction < 0.1 && !d.degraded, "{}", d.reason());
        let w6 = World {
            gpu: gpu(6, 0),
            ..World::default()
        };
        let d = decide_for(Kind::Daily, 3000, view(), &w6).unwrap();
        assert_eq!(d.model, "qwen2.5:7b", "{}", d.reason());
        assert!(d.rejected.iter().any(|r| r.model == "qwen3:8b"));
    }

    #[test]
    fn too_long_and_uninstalled() {
        let w = World {
            gpu: gpu(24, 0),
            ..World::default()
        };
        let e = decide_for(Kind::Daily, 200_000, view(), &w).unwrap_err();
        assert!(
            matches!(
                e,
                RouteError::PromptTooLong {
                    tokens: 200_000,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("prompt is too long: 200000 tokens > ")
        );
        let none = World {
            installed: Some(Arc::new(HashSet::new())),
            ..World::default()
        };
        let e = decide_for(Kind::Daily, 10, view(), &none).unwrap_err();
        assert!(matches!(e, RouteError::NoCandidate { .. }), "{e}");
        assert!(e.to_string().contains("ollama pull qwen3:8b"));
    }

    #[test]
    fn big_prompt_uses_the_trained_ceiling() {
        let w = World {
            gpu: gpu(24, 0),
            ..World::default()
        };
        // 36K + 2K reserve exceeds the 32768 rung; qwen3:8b's trained 40960 holds it.
        check(Kind::Daily, 36_000, view(), &w, "qwen3:8b", 40960);
    }

    #[test]
    fn thinking_needs_a_thinking_model() {
        let w = World {
            gpu: gpu(24, 0),
            ..World::default()
        };
        let s = Settings::defaults();
        let v = RequestView {
            think: Some(Think::On),
            ..view()
        };
        let class = classify(&v, &http::HeaderMap::new(), 100, &s, None, None);
        assert_eq!(class.kind, Kind::Complex);
        let d = decide(&class, &v, Candidates::Profile, &s, &w).unwrap();
        assert_eq!(d.model, "qwen3:14b");
    }

    /// The seed's card (12 GiB, nothing loaded) through the whole fit: spill points, speeds and
    /// footprints as the seed measured them, before anything is learned.
    #[test]
    fn seed_table_on_12_gib() {
        let s = Settings::defaults();
        let w = World {
            gpu: gpu(12, 0),
            ..World::default()
        };
        let at = |model: &str, ctx: u32| fit(s.catalog.get(model).unwrap(), ctx, &s, &w);
        let f = at("qwen3:14b", 10240);
        assert!(f.spill_fraction > 0.0, "{f:?}");
        assert!((f.predicted_tps - 22.0).abs() < 2.0, "{f:?}");
        let f = at("qwen3:14b", 8192);
        assert!(
            f.spill_fraction == 0.0 && (f.predicted_tps - 44.0).abs() < 1.0,
            "{f:?}"
        );
        let f = at("qwen3:14b", 32768);
        assert!((f.predicted_tps - 10.5).abs() < 1.1, "{f:?}");
        // qwen2.5:7b at 32K needs 8.8 GB (±0.3) and fits.
        let f = at("qwen2.5:7b", 32768);
        assert!((f.need_bytes as f64 / 1e9 - 8.8).abs() <= 0.3, "{f:?}");
        assert_eq!(f.spill_fraction, 0.0);
        // The old flat estimate put qwen3:8b at 16K under 8.7 GB; the seed measured 9.3.
        let f = at("qwen3:8b", 16384);
        assert!((f.need_bytes as f64 / 1e9 - 9.3).abs() <= 0.3, "{f:?}");
    }

    #[test]
    fn a_models_own_count_plus_its_own_reserve_sizes_its_context() {
        // qwen3:8b's vocabulary says 12.5K (the estimate 20K): with its thinking room (4096) that
        // is past 16384; told not to think (2048) it fits 16384.
        let w = World {
            gpu: gpu(24, 0),
            prompt_tokens: Arc::new(HashMap::from([(
                "qwen3:8b".to_string(),
                TokenCount {
                    tokens: 12_500,
                    exact: true,
                },
            )])),
            ..World::default()
        };
        let thinking = decide_for(Kind::Daily, 20_000, view(), &w).unwrap();
        assert_eq!(
            (
                thinking.model.as_str(),
                thinking.num_ctx,
                thinking.needed_ctx
            ),
            ("qwen3:8b", 32768, 12_500 + 4096)
        );
        let quiet = RequestView {
            think: Some(Think::Off),
            ..view()
        };
        let d = decide_for(Kind::Daily, 20_000, quiet, &w).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx, d.needed_ctx, d.tokens_exact),
            ("qwen3:8b", 16384, 12_500 + 2048, true)
        );
    }

    #[test]
    fn max_output_reserve_is_the_largest_any_model_gets() {
        let s = Settings::defaults();
        let r = &s.config.routing;
        for (num_predict, think) in [
            (None, None),
            (None, Some(Think::Off)),
            (Some(500), None),
            (Some(32000), None),
            (Some(32000), Some(Think::Off)),
        ] {
            let v = RequestView {
                num_predict,
                think: think.clone(),
                ..view()
            };
            let most = s
                .catalog
                .iter()
                .map(|spec| output_reserve(spec, &v, r))
                .max()
                .unwrap();
            assert_eq!(max_output_reserve(&v, r), most, "{num_predict:?} {think:?}");
        }
    }

    #[test]
    fn the_output_reserve_follows_the_request() {
        let s = Settings::defaults();
        let r = &s.config.routing;
        let qwen3 = s.catalog.get("qwen3:8b").unwrap();
        let qwen25 = s.catalog.get("qwen2.5:7b").unwrap();
        let with = |num_predict: Option<i64>, think: Option<Think>| RequestView {
            num_predict,
            think,
            ..view()
        };
        // Nothing said: the default, plus the thinking room for a model that thinks by default.
        assert_eq!(output_reserve(qwen25, &with(None, None), r), 2048);
        assert_eq!(output_reserve(qwen3, &with(None, None), r), 4096);
        assert_eq!(
            output_reserve(qwen3, &with(None, Some(Think::Off)), r),
            2048
        );
        // The request's own limit, up to the cap (wider when thinking).
        assert_eq!(output_reserve(qwen25, &with(Some(500), None), r), 500);
        assert_eq!(output_reserve(qwen25, &with(Some(3000), None), r), 3000);
        assert_eq!(output_reserve(qwen25, &with(Some(32000), None), r), 4096);
        assert_eq!(output_reserve(qwen3, &with(Some(32000), None), r), 6144);
        // And it decides the context: 11K tokens + 6144 no longer fit 16384 on qwen3.
        let w = World {
            gpu: gpu(24, 0),
            ..World::default()
        };
        let d = decide_for(Kind::Daily, 11_000, with(Some(32000), None), &w).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx),
            ("qwen3:8b", 32768),
            "{}",
            d.reason()
        );
        assert_eq!(d.needed_ctx, 11_000 + 6144);
        let d = decide_for(Kind::Daily, 11_000, with(Some(1000), None), &w).unwrap();
        assert_eq!(d.num_ctx, 16384, "{}", d.reason());
        // Near the largest context the reserve shrinks to 1024 before the prompt is refused.
        let d = decide_for(Kind::Daily, 38_000, with(Some(32000), None), &w).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx),
            ("qwen3:8b", 40960),
            "{}",
            d.reason()
        );
        let e = decide_for(Kind::Daily, 40_000, with(Some(32000), None), &w).unwrap_err();
        assert_eq!(
            e.to_string(),
            "prompt is too long: 40000 tokens > 39936 maximum"
        );
    }

    fn loaded(name: &str, ctx: u32, gb: f64, busy: bool) -> LoadedModel {
        LoadedModel {
            name: name.into(),
            context_length: ctx,
            size: (gb * 1e9) as u64,
            size_vram: (gb * 1e9) as u64,
            busy,
        }
    }

    /// Two models stay loaded only when Ollama's 80 %-of-free rule keeps both.
    #[test]
    fn co_residency_follows_ollamas_eviction_rule() {
        let s = Settings::defaults();
        let coder = s.catalog.get("qwen2.5-coder:7b-instruct-q5_K_M").unwrap();
        let with_gpu = |total| World {
            gpu: gpu(total, 0),
            loaded: vec![loaded("qwen3:8b", 16384, 9.3, false)],
            ..World::default()
        };
        // 24 GiB: the coder loads beside qwen3:8b, all on the GPU.
        let f = fit(coder, 16384, &s, &with_gpu(24));
        assert!(f.evicts.is_empty() && f.spill_fraction == 0.0, "{f:?}");
        // 12 GiB: Ollama evicts qwen3:8b first.
        let f = fit(coder, 16384, &s, &with_gpu(12));
        assert_eq!(f.evicts, vec!["qwen3:8b".to_string()], "{f:?}");
        assert_eq!(f.spill_fraction, 0.0);
        // 17 GiB: Ollama's own prediction (5.9 GiB at batch 512) passes its 80 % check, so it
        // keeps qwen3:8b, and llama.cpp spills part of the coder instead.
        let f = fit(coder, 16384, &s, &with_gpu(17));
        assert!(f.evicts.is_empty() && f.spill_fraction > 0.0, "{f:?}");
    }

    #[test]
    fn a_learned_footprint_beats_the_prediction() {
        let s = Settings::defaults();
        let spec = s.catalog.get("qwen3:14b").unwrap();
        let mut footprints = HashMap::new();
        // Measured on this machine: it fits after all at 10240.
        footprints.insert(
            ("qwen3:14b".to_string(), 10240, KvCacheType::F16),
            11_500_000_000,
        );
        let w = World {
            gpu: gpu(12, 0),
            footprints: Arc::new(footprints),
            ..World::default()
        };
        let f = fit(spec, 10240, &s, &w);
        assert!(
            f.learned && f.need_bytes == 11_500_000_000 && f.spill_fraction == 0.0,
            "{f:?}"
        );
        // At another context the measured fixed part carries over: 16384 is predicted from the
        // 10240 measurement (lower than the catalog's), still a spill.
        let f = fit(spec, 16384, &s, &w);
        assert!(!f.learned && f.spill_fraction > 0.0, "{f:?}");
        let catalog_only = fit(
            spec,
            16384,
            &s,
            &World {
                footprints: Arc::default(),
                ..w.clone()
            },
        );
        assert!(
            f.need_bytes < catalog_only.need_bytes,
            "{f:?} vs {catalog_only:?}"
        );
    }

    #[test]
    fn avoids_evicting_a_streaming_model() {
        // qwen3:8b is streaming; a complex request would load qwen3:14b, which cannot fit beside it.
        let w = World {
            gpu: gpu(12, 0),
            loaded: vec![LoadedModel {
                name: "qwen3:8b".into(),
                context_length: 16384,
                size: 8_700_000_000,
                size_vram: 8_700_000_000,
                busy: true,
            }],
            ..World::default()
        };
        let d = decide_for(Kind::Complex, 2000, view(), &w).unwrap();
        assert_eq!(d.model, "qwen3:8b", "{}", d.reason());
        assert!(d.rejected.iter().any(|r| r.reason.contains("streaming")));
    }

    #[test]
    fn helper_calls_use_a_loaded_model_instead_of_loading_one() {
        let loaded = World {
            gpu: gpu(12, 0),
            loaded: vec![LoadedModel {
                name: "qwen3:8b".into(),
                context_length: 16384,
                size: 8_400_000_000,
                size_vram: 8_400_000_000,
                busy: false,
            }],
            ..World::default()
        };
        let title = RequestView {
            num_predict: Some(16),
            ..view()
        };
        let d = decide_for(Kind::Quick, 300, title, &loaded).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx, d.ctx_reason.as_str()),
            ("qwen3:8b", 16384, "loaded")
        );
        // Fill-in-the-middle still gets the insert-capable coder.
        let fim = RequestView {
            has_suffix: true,
            ..view()
        };
        let d = decide_for(Kind::Quick, 300, fim, &loaded).unwrap();
        assert_eq!(d.model, "qwen2.5-coder:7b-instruct-q5_K_M");
        // Nothing loaded: the quick profile as usual.
        let w = World {
            gpu: gpu(12, 0),
            ..World::default()
        };
        let d = decide_for(
            Kind::Quick,
            300,
            RequestView {
                num_predict: Some(16),
                ..view()
            },
            &w,
        )
        .unwrap();
        assert_eq!(d.model, "qwen2.5-coder:7b-instruct-q5_K_M");
    }
}

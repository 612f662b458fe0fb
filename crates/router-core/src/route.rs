//! Pure routing: a classification and a snapshot of the world → which model, which `num_ctx`.
//!
//! Candidates are the kind's profile, the models already loaded, the catalog's vision models for
//! a request with images, and (when none of those holds the prompt at the profile's speed floor)
//! every other profile's models; a helper call (quick, not fill-in-the-middle) looks at what is
//! loaded and what the main work would load first. Each is filtered by capability (tools, insert,
//! vision, thinking) and by what Ollama has installed, given room for the answer (the request's
//! own limit up to a cap, more when the model will think), and offered at the contexts worth
//! pricing: the loaded or session-pinned context that holds the prompt, else the preferred rung
//! and larger ones that fit in VRAM, else the smallest that holds it. Each option gets Ollama's
//! scheduler played for its load ([`crate::memory`]: which loaded models it evicts, what llama.cpp
//! spills, footprints learned from `/api/ps` before the calibrated catalog) and a predicted speed
//! (learned, else the seed's speeds for that spill, scaled by memory bandwidth), then a price in
//! seconds ([`Score`]: load, uncached prompt, generation, reloads of recently used models it
//! evicts, outgrowing, spill, the seed's grade below the best) with the weights of
//! [`crate::config::CostWeights`]. The cheapest wins, except that a session's pinned model keeps
//! the session while it serves the prompt on the GPU. Autocomplete that would evict an agent's
//! model is held back. If nothing can hold the prompt at all, that is an error the dialects render
//! as their own "prompt too long".
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
    /// The highest kind of work the session did on this model: a plain follow-up after a
    /// refactor keeps the refactor's model.
    pub kind: Kind,
    /// The last prompt's tokens: what Ollama's prompt cache holds for the session's next turn.
    pub prompt_tokens: u32,
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
    /// The router's recent decisions, oldest first: which models other sessions and the
    /// autocomplete stream will want back soon.
    pub recent: Vec<Arc<RecentUse>>,
    /// Now, on the clock `RecentUse::at_ms` was read from (milliseconds).
    pub now_ms: u64,
    /// Seconds a load of each model took (Ollama's `load_duration`), learned.
    pub load_seconds: Arc<HashMap<String, f64>>,
    /// Prompt evaluation speed of each model fully on the GPU (tok/s), learned from
    /// `prompt_eval_count / prompt_eval_duration`.
    pub prompt_tps: Arc<HashMap<String, f64>>,
}

/// One recent routed request, as the cost of evicting its model sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecentUse {
    pub model: String,
    pub kind: Kind,
    /// Fill-in-the-middle (an editor's autocomplete stream).
    pub fim: bool,
    /// It offered tools: an agent's turn, the next one seconds away.
    pub agent: bool,
    pub session: Option<String>,
    /// When it was routed (milliseconds on the service's clock; see `World::now_ms`).
    pub at_ms: u64,
}

impl World {
    /// Seconds since `u` was routed.
    fn age_s(&self, u: &RecentUse) -> f64 {
        self.now_ms.saturating_sub(u.at_ms) as f64 / 1000.0
    }
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
    /// No candidate met the speed floor; this is the best of those that hold the prompt.
    pub degraded: bool,
    pub session: Option<String>,
    /// The expected cost of the chosen candidate first, then the runners-up, cheapest first.
    pub scores: Vec<Score>,
    /// Autocomplete not sent to Ollama, and why: it would evict the model a conversation is
    /// using right now ([`crate::config::CostWeights::hold_back_autocomplete`]). The client gets
    /// an empty completion at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_back: Option<String>,
}

/// What serving the request with one candidate is expected to cost the user, in seconds of
/// waiting (or of waiting traded for quality). See [`crate::config::CostWeights`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub model: String,
    pub num_ctx: u32,
    pub total_s: f64,
    /// Loading (or reloading at another context); 0 when loaded at this context.
    pub load_s: f64,
    /// Evaluating the prompt tokens Ollama has not cached.
    pub prompt_s: f64,
    /// Generating the expected answer at the predicted speed.
    pub generate_s: f64,
    /// Reloading the evicted models that were used recently.
    pub evict_s: f64,
    /// The reload (and the evaluation of the whole conversation again) a growing conversation
    /// will need when it outgrows this context.
    pub outgrow_s: f64,
    /// The share of the model on the CPU, priced.
    pub spill_s: f64,
    /// The seed's grade below the best candidate's, priced.
    pub quality_s: f64,
    /// The seed's grade for this kind of work at this context, when it measured one.
    pub grade: Option<f32>,
    /// Below the profile's speed floor, or evicting a streaming model.
    pub penalty_s: f64,
    /// Evicted models that keep coming back (interleaved work, e.g. autocomplete between chat
    /// turns): each return is a reload.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interleaved: Vec<String>,
    /// Why this candidate won without comparing costs (`session`), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_by: Option<&'static str>,
}

impl Score {
    /// Appends the score's one-line summary to `s` (the reason is built on every request, so
    /// the parts are written in place rather than collected).
    fn write_short(&self, s: &mut String) {
        let _ = write!(s, "{}@{} {:.1}s", self.model, self.num_ctx, self.total_s);
        let mut first = true;
        for (name, v) in [
            ("load", self.load_s),
            ("prompt", self.prompt_s),
            ("gen", self.generate_s),
            ("evict", self.evict_s),
            ("outgrow", self.outgrow_s),
            ("spill", self.spill_s),
            ("quality", self.quality_s),
            ("penalty", self.penalty_s),
        ] {
            if v >= 0.05 {
                s.push_str(if first { " (" } else { " + " });
                let _ = write!(s, "{name} {v:.1}");
                first = false;
            }
        }
        if !first {
            s.push(')');
        }
        if !self.interleaved.is_empty() {
            let _ = write!(s, " [interleaved with {}]", self.interleaved.join("+"));
        }
    }
}

impl Decision {
    /// One line for `x-router-reason` and logs (ASCII only: it travels in a header).
    pub fn reason(&self) -> String {
        let mut s = String::with_capacity(512);
        let _ = write!(
            s,
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
        if let Some(chosen) = self.scores.first() {
            s.push_str("; cost ");
            chosen.write_short(&mut s);
            if let Some(by) = chosen.chosen_by {
                let _ = write!(s, " [{by}]");
            }
            for (i, other) in self.scores.iter().skip(1).take(3).enumerate() {
                s.push_str(if i == 0 { "; runners-up: " } else { ", " });
                other.write_short(&mut s);
            }
        }
        if let Some(why) = &self.held_back {
            let _ = write!(s, "; HELD BACK: {why}");
        }
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
    /// A session's pinned model first, then the kind's profile: the pin wins while it holds the
    /// prompt at a usable speed.
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

/// Decides model and context: every capable candidate that holds the prompt is priced
/// ([`Score`]) and the cheapest wins, except that a session's pinned model that holds the prompt
/// at a usable speed keeps the session (same model, warm prompt cache).
pub fn decide(
    class: &Classification,
    view: &RequestView<'_>,
    candidates: Candidates,
    settings: &Settings,
    world: &World,
) -> Result<Decision, RouteError> {
    let routing = &settings.config.routing;
    let profile = settings.profile(class.kind);
    let floor = profile.min_tokens_per_second;
    let mut rejected = Vec::new();
    // The largest prompt any capable candidate could hold (its top rung minus its reserve).
    let mut max_prompt: Option<u32> = None;
    let explicit = matches!(candidates, Candidates::Explicit(_));
    let pinned = match &candidates {
        Candidates::Ordered(list) => list.first().cloned(),
        _ => None,
    };

    let mut primary: Vec<String> = match &candidates {
        Candidates::Explicit(m) => vec![m.clone()],
        Candidates::Profile => profile.candidates.clone(),
        Candidates::Ordered(list) => list.clone(),
    };
    // A helper call (a title, a summary, a commit message) is over in a second; loading a model
    // for it takes seconds and evicts the model the main work is using, which then reloads. So it
    // is served by a loaded model when one can, else by the model the main work would load (the
    // default kind's), so the first call of a session does not load one the next call evicts.
    // Fill-in-the-middle is no helper: it needs an insert-capable model and comes in bursts.
    let helper_call = class.kind == Kind::Quick && !view.has_suffix && !view.raw;
    if helper_call && !explicit {
        let mut list: Vec<String> = pinned.iter().cloned().collect();
        for l in world.loaded.iter().rev() {
            if settings.catalog.get(&l.name).is_some() {
                list.push(l.name.clone());
            }
        }
        list.extend(settings.profile(routing.default_kind).candidates);
        let mut unique: Vec<String> = Vec::new();
        for m in list {
            if !unique.iter().any(|u| same_model(u, &m)) {
                unique.push(m);
            }
        }
        primary = unique;
    }
    // Images need a vision model, which no default profile lists (none is good at code): the
    // catalog's vision models join rather than the request failing.
    if view.image_count > 0 && !explicit {
        for spec in settings.catalog.iter() {
            if spec.has(Capability::Vision) && !primary.iter().any(|p| same_model(p, &spec.name)) {
                primary.push(spec.name.clone());
            }
        }
    }
    // Models already loaded compete too (no load, maybe a warm cache): their grades for this kind
    // of work decide whether staying is worth it.
    if !explicit {
        for l in &world.loaded {
            if let Some(spec) = settings.catalog.get(&l.name)
                && !primary.iter().any(|p| same_model(p, &spec.name))
            {
                primary.push(spec.name.clone());
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
    // Other profiles' models are tried when none of these holds the prompt at a usable speed
    // (a complex request on 8 GB is better served by a smaller model that fits than by a spill).
    let overflow = !explicit && routing.overflow_to_other_profiles;
    if overflow && !holders.iter().any(|e| e.fit.predicted_tps >= floor) {
        let mut seen: Vec<String> = primary.clone();
        // Every profile: a helper call's own (quick) profile comes in only here.
        let others: Vec<String> = Kind::ALL
            .into_iter()
            .flat_map(|k| settings.profile(k).candidates)
            .filter(|m| {
                let new = !seen.iter().any(|s| same_model(s, m));
                if new {
                    seen.push(m.clone());
                }
                new
            })
            .collect();
        holders.extend(evaluate_all(
            &others,
            view,
            class.prompt_tokens,
            settings,
            world,
            &mut rejected,
            &mut max_prompt,
        ));
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

    // A helper call nothing loaded can serve loads what the main work would: priced as that work.
    let price_as = if helper_call && !holders.iter().any(|e| e.fit.loaded) {
        routing.default_kind
    } else {
        class.kind
    };
    let mut scores = score_all(&holders, price_as, floor, view, settings, world);
    // The pin holds while its model serves the prompt at a usable speed: at the pinned (or
    // loaded) context, or at a larger one that still fits in VRAM. A prompt that would make the
    // pinned model spill has outgrown it: then the costs decide, the pinned model among the others.
    let session_keeps = pinned.as_deref().and_then(|p| {
        holders.iter().position(|e| {
            same_model(&e.spec.name, p)
                && (matches!(e.ctx_reason, "session" | "loaded") || e.fit.spill_fraction == 0.0)
                && e.fit.predicted_tps >= floor
                && !e.fit.evicts_busy
        })
    });
    let idx = session_keeps.unwrap_or_else(|| {
        scores
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_s.total_cmp(&b.1.total_s))
            .map_or(0, |(i, _)| i)
    });
    if session_keeps.is_some() {
        scores[idx].chosen_by = Some("session");
    }
    let degraded = holders[idx].fit.predicted_tps < floor;
    let mut noted: Vec<&str> = vec![holders[idx].spec.name.as_str()];
    for e in &holders {
        if noted.contains(&e.spec.name.as_str()) {
            continue;
        }
        noted.push(&e.spec.name);
        if e.fit.evicts_busy && !holders[idx].fit.evicts_busy {
            rejected.push(Rejection {
                model: e.spec.name.clone(),
                reason: "loading it would evict a model that is streaming".into(),
            });
        } else if e.fit.predicted_tps < floor {
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
    let held_back = if view.has_suffix && routing.cost.hold_back_autocomplete {
        hold_back(
            &holders[idx],
            world,
            routing.cost.hold_back_window.0.as_secs_f64(),
        )
    } else {
        None
    };
    let chosen_score = scores.swap_remove(idx);
    scores.sort_by(|a, b| a.total_s.total_cmp(&b.total_s));
    scores.insert(0, chosen_score);
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
        ctx_reason: if explicit && best.ctx_reason == "smallest" {
            "explicit".into()
        } else {
            best.ctx_reason.into()
        },
        fit: best.fit,
        rejected,
        degraded,
        session: view.session.clone(),
        scores,
        held_back,
    })
}

/// Why autocomplete served by `chosen` should be held back, if it should: loading it evicts a
/// model that is streaming now, or that served an agent's turn (a request with tools: the next
/// turn is seconds away) within `window`. A plain chat's reader gets the completion: the coder
/// loads, and the chat model comes back when the next question does.
fn hold_back(chosen: &Evaluated<'_>, world: &World, window: f64) -> Option<String> {
    chosen.fit.evicts.iter().find_map(|evicted| {
        if world
            .loaded
            .iter()
            .any(|l| l.busy && same_model(&l.name, evicted))
        {
            return Some(format!(
                "loading {} would evict {evicted}, which is answering a conversation",
                chosen.spec.name
            ));
        }
        world
            .recent
            .iter()
            .rev()
            .find(|u| u.agent && same_model(&u.model, evicted) && world.age_s(u) <= window)
            .map(|u| {
                format!(
                    "loading {} would evict {evicted}, which served an agent's turn {:.0}s ago",
                    chosen.spec.name,
                    world.age_s(u)
                )
            })
    })
}

/// The seed's grade of `spec` for this kind of work at `ctx`: planning (agentic) for complex
/// work and for an agent's turns (it offers tools), writing code (engine) otherwise, the other
/// one when only that was measured.
pub fn grade(spec: &ModelSpec, kind: Kind, agentic: bool, ctx: u32) -> Option<f32> {
    if agentic || kind == Kind::Complex {
        spec.agentic_score(ctx).or_else(|| spec.engine_score(ctx))
    } else {
        spec.engine_score(ctx).or_else(|| spec.agentic_score(ctx))
    }
}

/// Seconds Ollama takes to load `spec`: learned, else from the size of its weights.
fn load_seconds(spec: &ModelSpec, settings: &Settings, world: &World) -> f64 {
    let weights = world
        .measured
        .get(&spec.name)
        .and_then(|m| m.weights_bytes)
        .unwrap_or(spec.weights_bytes);
    world
        .load_seconds
        .get(&spec.name)
        .copied()
        .unwrap_or_else(|| {
            RUNNER_START_SECONDS
                + weights as f64 / GIB as f64 * settings.config.routing.cost.load_seconds_per_gib
        })
}

/// Starting a runner process before any weight is read (seconds).
const RUNNER_START_SECONDS: f64 = 0.5;

fn score_all(
    holders: &[Evaluated<'_>],
    kind: Kind,
    floor: f64,
    view: &RequestView<'_>,
    settings: &Settings,
    world: &World,
) -> Vec<Score> {
    let w = &settings.config.routing.cost;
    let window = w.recent_use_window.0.as_secs_f64();
    let grades: Vec<Option<f32>> = holders
        .iter()
        .map(|e| grade(e.spec, kind, view.has_tools, e.num_ctx))
        .collect();
    let best = grades
        .iter()
        .flatten()
        .copied()
        .fold(None, |m: Option<f32>, g| Some(m.map_or(g, |m| m.max(g))));
    // The last request Ollama's prompt cache holds per model.
    let last_use = |model: &str| {
        world
            .recent
            .iter()
            .rev()
            .find(|u| same_model(&u.model, model))
    };
    holders
        .iter()
        .zip(grades)
        .map(|(e, grade)| {
            let spec = e.spec;
            let tps = e.fit.predicted_tps.max(0.1);
            let load_s = if e.fit.loaded {
                0.0
            } else {
                load_seconds(spec, settings, world)
            };
            // A loaded model whose last request was this session's keeps its prompt in cache.
            let cached = match (&world.session, &view.session) {
                (Some(pin), Some(session))
                    if e.fit.loaded
                        && same_model(&pin.model, &spec.name)
                        && pin.num_ctx == e.num_ctx
                        && last_use(&spec.name)
                            .is_some_and(|u| u.session.as_deref() == Some(session)) =>
                {
                    pin.prompt_tokens.min(e.tokens.tokens)
                }
                _ => 0,
            };
            let on_gpu_tps = spec.gpu_tps.max(1.0) as f64;
            let prompt_tps = world
                .prompt_tps
                .get(&spec.name)
                .map_or(tps * w.prompt_speed_ratio, |p| {
                    p * (tps / on_gpu_tps).min(1.0)
                });
            let prompt_s = f64::from(e.tokens.tokens - cached) / prompt_tps.max(1.0);
            let thinks = match &view.think {
                Some(t) => t.is_on() && spec.has(Capability::Thinking),
                None => spec.has(Capability::Thinking),
            };
            let expected = w.expected_output_tokens.get(kind);
            let answer = match view.num_predict {
                Some(n) if n > 0 => u32::try_from(n).unwrap_or(u32::MAX).min(expected),
                _ => expected,
            } + if thinks {
                w.expected_thinking_tokens
            } else {
                0
            };
            let generate_s = f64::from(answer) / tps;
            // An evicted model still in use comes back once per stretch of work it did in the
            // window: an editor's autocomplete between chat turns has many stretches
            // (interleaving), a model used once before has one.
            let mut interleaved = Vec::new();
            let evict_s: f64 = e
                .fit
                .evicts
                .iter()
                .map(|name| {
                    let returns = stretches(world, name, window);
                    if returns >= 2 {
                        interleaved.push(name.clone());
                    }
                    let reload = settings
                        .catalog
                        .get(name)
                        .map_or(RUNNER_START_SECONDS, |s| load_seconds(s, settings, world));
                    reload * f64::from(returns.min(MAX_RETURNS))
                })
                .sum();
            // A conversation that grew since its last turn will go on growing: a context it
            // outgrows within `growth_turns` costs a reload then (the largest one cannot grow).
            let top = rungs_for(spec, &settings.config.routing.context_ladder)
                .last()
                .copied()
                .unwrap_or(0);
            let growth = match (&world.session, &view.session) {
                (Some(pin), Some(_)) => Some(e.tokens.tokens.saturating_sub(pin.prompt_tokens)),
                // An agent's first turn: every turn adds a tool result.
                (None, Some(_)) if view.has_tools => Some(w.agent_turn_growth),
                _ => None,
            };
            let outgrow_s = match growth {
                Some(growth) if e.num_ctx < top => {
                    let ahead = e
                        .needed
                        .saturating_add(growth.saturating_mul(w.growth_turns));
                    // Outgrowing it means a reload and evaluating the whole conversation again.
                    if growth > 0 && ahead > e.num_ctx {
                        load_seconds(spec, settings, world) + f64::from(ahead) / prompt_tps.max(1.0)
                    } else {
                        0.0
                    }
                }
                _ => 0.0,
            };
            let spill_s = e.fit.spill_fraction * w.spill_seconds;
            let points = match (best, grade) {
                (Some(b), Some(g)) => f64::from(b - g),
                // Not graded by the seed: one point below the best that is.
                (Some(_), None) => 1.0,
                (None, _) => 0.0,
            };
            let quality_s = points.max(0.0) * w.quality_seconds_per_point.get(kind);
            let mut penalty_s = 0.0;
            if e.fit.predicted_tps < floor {
                penalty_s += w.below_floor_seconds;
            }
            if e.fit.evicts_busy {
                penalty_s += w.evict_busy_seconds;
            }
            Score {
                model: spec.name.clone(),
                num_ctx: e.num_ctx,
                total_s: load_s
                    + prompt_s
                    + generate_s
                    + evict_s
                    + outgrow_s
                    + spill_s
                    + quality_s
                    + penalty_s,
                load_s,
                prompt_s,
                generate_s,
                evict_s,
                outgrow_s,
                spill_s,
                quality_s,
                grade,
                penalty_s,
                interleaved,
                chosen_by: None,
            }
        })
        .collect()
}

/// The most reloads an eviction is charged for: interleaving is priced, not extrapolated.
const MAX_RETURNS: u32 = 3;

/// How many times `model` is expected back: the separate stretches, within the last `window`
/// seconds, of the kind of request it last served (fill-in-the-middle or not) served by it. An
/// editor's autocomplete between chat turns makes several stretches (interleaving) even when
/// one model serves both; a model used once before makes one.
fn stretches(world: &World, model: &str, window: f64) -> u32 {
    let in_window: Vec<&RecentUse> = world
        .recent
        .iter()
        .map(|u| &**u)
        .filter(|u| world.age_s(u) <= window)
        .collect();
    let Some(last) = in_window.iter().rev().find(|u| same_model(&u.model, model)) else {
        return 0;
    };
    let fim = last.fim;
    let mut runs = 0;
    let mut inside = false;
    for u in in_window {
        let this = u.fim == fim && same_model(&u.model, model);
        if this && !inside {
            runs += 1;
        }
        inside = this;
    }
    runs
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
        let options = evaluate(spec, &rungs, needed, settings, world);
        if options.is_empty() {
            rejected.push(Rejection {
                model: spec.name.clone(),
                reason: format!(
                    "needs ctx {needed} > max {}",
                    rungs.last().copied().unwrap_or(0)
                ),
            });
        }
        out.extend(options.into_iter().map(|e| Evaluated { tokens, ..e }));
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

/// The contexts worth pricing for `spec`: the loaded (or session-pinned) context when it holds
/// the prompt — no reload, warm cache; else every rung that holds the prompt and fits in VRAM, the
/// profile's preferred one first (a larger one may win when the conversation is growing); else
/// the smallest that holds it, which spills least. Empty when no rung holds the prompt.
fn evaluate<'a>(
    spec: &'a ModelSpec,
    rungs: &[u32],
    needed: u32,
    settings: &Settings,
    world: &World,
) -> Vec<Evaluated<'a>> {
    let option = |num_ctx: u32, ctx_reason: &'static str, fit: Fit| Evaluated {
        tokens: TokenCount::default(),
        spec,
        needed,
        num_ctx,
        ctx_reason,
        fit,
    };
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
    let Some(&first) = holders.first() else {
        return Vec::new();
    };
    let loaded = world
        .loaded
        .iter()
        .find(|l| same_model(&l.name, &spec.name));
    let reuse = |ctx: u32| ctx >= needed && ctx >= spec.min_ctx && ctx <= spec.ctx_ceiling();

    // 1. Already loaded with a context that holds the prompt: no reload, keep the prompt cache.
    if let Some(l) = loaded
        && reuse(l.context_length)
    {
        let f = fit(spec, l.context_length, settings, world);
        return vec![option(l.context_length, "loaded", f)];
    }
    // 2. The session's pinned context.
    if let Some(pin) = &world.session
        && same_model(&pin.model, &spec.name)
        && reuse(pin.num_ctx)
    {
        let f = fit(spec, pin.num_ctx, settings, world);
        return vec![option(pin.num_ctx, "session", f)];
    }
    // 3. The preferred rung if it fits in VRAM, then each other rung that holds and fits.
    let preferred = settings
        .config
        .profiles
        .values()
        .find(|p| p.candidates.iter().any(|c| same_model(c, &spec.name)))
        .map_or(spec.recommended_ctx, |p| p.preferred_ctx);
    // Rungs below the preferred one are offered only when it does not fit: the preferred context
    // is there so a growing conversation does not reload.
    let priced = |ctx: u32, why: &'static str| {
        let f = fit(spec, ctx, settings, world);
        (f.spill_fraction == 0.0).then(|| option(ctx, why, f))
    };
    let mut fitting: Vec<Evaluated<'a>> = Vec::new();
    if let Some(p) = holders.iter().copied().find(|r| *r >= preferred)
        && let Some(e) = priced(p, "preferred")
    {
        fitting.push(e);
        fitting.extend(
            holders
                .iter()
                .filter(|r| **r > p)
                .filter_map(|r| priced(*r, "headroom")),
        );
    } else {
        fitting.extend(
            holders
                .iter()
                .filter_map(|r| priced(*r, if *r == first { "smallest" } else { "headroom" })),
        );
    }
    if !fitting.is_empty() {
        return fitting;
    }
    // 4. Nothing fits fully: the smallest holder spills least.
    let f = fit(spec, first, settings, world);
    vec![option(first, "smallest", f)]
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
        // A quick call that is not fill-in-the-middle (a helper's title or summary) with nothing
        // loaded loads what the main work would (priced as that work: with tools, agentic), not
        // the autocomplete model the next turn evicts.
        let helper = RequestView {
            has_tools: true,
            ..view()
        };
        let d = decide_for(Kind::Quick, 300, helper.clone(), &w).unwrap();
        let main = decide_for(Kind::Daily, 300, helper, &w).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx),
            (main.model.as_str(), main.num_ctx),
            "{}",
            d.reason()
        );
        assert!(
            Settings::defaults()
                .profile(Kind::Daily)
                .candidates
                .contains(&d.model),
            "{}",
            d.reason()
        );
        // 12K tokens + the reserve → 16384, whichever of the two the costs pick (they are
        // within a second of each other: qwen3's grade against qwen2.5's speed).
        let d = decide_for(Kind::Daily, 12_000, view(), &w).unwrap();
        assert_eq!(d.num_ctx, 16384, "{}", d.reason());
        assert!(
            (d.scores[0].total_s - d.scores[1].total_s).abs() < 2.0,
            "{}",
            d.reason()
        );
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
        // 8 GiB: qwen3:8b at 10240 (7.3 GiB) spills a little under llama.cpp's 1 GiB margin and
        // stays above the floor, but qwen2.5:7b fits whole at twice the speed, which outweighs
        // qwen3's better grade.
        let w8 = World {
            gpu: gpu(8, 0),
            ..World::default()
        };
        let d = decide_for(Kind::Daily, 3000, view(), &w8).unwrap();
        assert_eq!(
            (d.model.as_str(), d.num_ctx),
            ("qwen2.5:7b", 16384),
            "{}",
            d.reason()
        );
        assert!(d.fit.spill_fraction == 0.0 && !d.degraded, "{}", d.reason());
        let runner_up = &d.scores[1];
        assert_eq!(
            (runner_up.model.as_str(), runner_up.num_ctx),
            ("qwen3:8b", 10240)
        );
        assert!(
            runner_up.spill_s > 0.0 && runner_up.quality_s == 0.0,
            "{runner_up:?}"
        );
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
        let on_qwen3 = |tokens: u32, v: RequestView<'_>| {
            let class = Classification {
                kind: Kind::Daily,
                prompt_tokens: tokens,
                reasons: vec!["test".into()],
            };
            decide(&class, &v, Candidates::Explicit("qwen3:8b".into()), &s, &w)
        };
        let d = on_qwen3(11_000, with(Some(32000), None)).unwrap();
        assert_eq!(d.num_ctx, 32768, "{}", d.reason());
        assert_eq!(d.needed_ctx, 11_000 + 6144);
        let d = on_qwen3(11_000, with(Some(1000), None)).unwrap();
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
    fn autocomplete_is_held_back_while_a_conversation_holds_the_gpu() {
        let fim = RequestView {
            has_suffix: true,
            ..view()
        };
        const NOW: u64 = 1_000_000;
        let agent_turn = |age_s: f64| RecentUse {
            model: "qwen3:8b".into(),
            kind: Kind::Daily,
            fim: false,
            agent: true,
            session: Some("cc-1".into()),
            at_ms: NOW - (age_s * 1000.0) as u64,
        };
        let world = |age_s: f64, busy: bool| World {
            gpu: gpu(12, 0),
            loaded: vec![loaded("qwen3:8b", 16384, 9.3, busy)],
            recent: vec![Arc::new(agent_turn(age_s))],
            now_ms: NOW,
            ..World::default()
        };
        // The agent's last turn was 5 s ago: the coder would evict qwen3:8b.
        let d = decide_for(Kind::Quick, 300, fim.clone(), &world(5.0, false)).unwrap();
        assert_eq!(d.model, "qwen2.5-coder:7b-instruct-q5_K_M");
        let why = d.held_back.as_deref().expect("held back");
        assert!(
            why.contains("evict qwen3:8b") && why.contains("5s ago"),
            "{why}"
        );
        assert!(d.reason().contains("HELD BACK"), "{}", d.reason());
        // Streaming right now, whatever the age.
        let d = decide_for(Kind::Quick, 300, fim.clone(), &world(500.0, true)).unwrap();
        assert!(d.held_back.is_some(), "{}", d.reason());
        // The conversation went quiet: autocomplete loads its model.
        let d = decide_for(Kind::Quick, 300, fim.clone(), &world(120.0, false)).unwrap();
        assert_eq!(d.held_back, None, "{}", d.reason());
        // Room for both (24 GiB): nothing is evicted, nothing held back.
        let roomy = World {
            gpu: gpu(24, 0),
            ..world(5.0, false)
        };
        let d = decide_for(Kind::Quick, 300, fim.clone(), &roomy).unwrap();
        assert_eq!(d.held_back, None, "{}", d.reason());
        // Switched off.
        let mut s = Settings::defaults();
        s.config.routing.cost.hold_back_autocomplete = false;
        let class = Classification {
            kind: Kind::Quick,
            prompt_tokens: 300,
            reasons: vec!["test".into()],
        };
        let d = decide(&class, &fim, Candidates::Profile, &s, &world(5.0, false)).unwrap();
        assert_eq!(d.held_back, None);
    }

    #[test]
    fn interleaving_counts_stretches_of_the_same_work() {
        const NOW: u64 = 1_000_000;
        let use_of = |model: &str, fim: bool, age_s: u64| {
            Arc::new(RecentUse {
                model: model.into(),
                kind: if fim { Kind::Quick } else { Kind::Daily },
                fim,
                agent: false,
                session: None,
                at_ms: NOW - age_s * 1000,
            })
        };
        let world = |recent: Vec<Arc<RecentUse>>| World {
            recent,
            now_ms: NOW,
            ..World::default()
        };
        // Autocomplete, chat, autocomplete, chat, all on the coder: autocomplete came back twice.
        let one_model = world(vec![
            use_of("coder", true, 50),
            use_of("coder", false, 40),
            use_of("coder", true, 30),
            use_of("coder", false, 20),
        ]);
        assert_eq!(stretches(&one_model, "coder", 300.0), 2);
        // The same on two models: each has two stretches.
        let two = world(vec![
            use_of("coder", true, 50),
            use_of("qwen3:8b", false, 40),
            use_of("coder", true, 30),
            use_of("qwen3:8b", false, 20),
        ]);
        assert_eq!(stretches(&two, "coder", 300.0), 2);
        assert_eq!(stretches(&two, "qwen3:8b", 300.0), 2);
        // Outside the window, or never used: not wanted back.
        assert_eq!(stretches(&two, "coder", 25.0), 0);
        assert_eq!(stretches(&two, "qwen2.5:7b", 300.0), 0);
        // One burst of autocomplete: one stretch.
        let burst = world(vec![use_of("coder", true, 30), use_of("coder", true, 29)]);
        assert_eq!(stretches(&burst, "coder", 300.0), 1);
    }

    #[test]
    fn complex_work_on_8_gib_is_not_degraded_while_a_fitting_model_exists() {
        // Neither 14B fits 8 GiB; the complex request goes to a model that runs above the floor
        // (other profiles' models join when the kind's own cannot), never to a crawling spill.
        let w = World {
            gpu: gpu(8, 0),
            ..World::default()
        };
        let d = decide_for(Kind::Complex, 3000, view(), &w).unwrap();
        assert!(!d.degraded, "{}", d.reason());
        assert!(d.fit.predicted_tps >= 20.0, "{}", d.reason());
        assert_ne!(d.model, "qwen3:14b", "{}", d.reason());
        assert!(
            d.scores
                .iter()
                .any(|s| s.model == "qwen3:14b" && s.penalty_s > 0.0),
            "the spilling 14B is priced below the floor: {}",
            d.reason()
        );
        // With only the 14B in the complex profile, the overflow finds a daily model that fits.
        let mut s = Settings::defaults();
        s.config
            .profiles
            .get_mut(&Kind::Complex)
            .unwrap()
            .candidates = vec!["qwen3:14b".into()];
        let class = Classification {
            kind: Kind::Complex,
            prompt_tokens: 3000,
            reasons: vec!["test".into()],
        };
        let d = decide(&class, &view(), Candidates::Profile, &s, &w).unwrap();
        assert!(!d.degraded && d.model != "qwen3:14b", "{}", d.reason());
    }

    #[test]
    fn images_go_to_a_vision_model() {
        let w = World {
            gpu: gpu(12, 0),
            ..World::default()
        };
        let v = RequestView {
            image_count: 1,
            ..view()
        };
        let d = decide_for(Kind::Daily, 800, v.clone(), &w).unwrap();
        assert_eq!(d.model, "gemma3:12b-it-q4_K_M", "{}", d.reason());
        assert!(d.num_ctx >= 16384, "{}", d.reason());
        assert!(
            d.rejected
                .iter()
                .any(|r| r.model == "qwen3:8b" && r.reason == "no vision"),
            "{:?}",
            d.rejected
        );
        // Not installed: the error says which vision model to pull.
        let none = World {
            installed: Some(Arc::new(HashSet::from(["qwen3:8b".to_string()]))),
            ..w
        };
        let e = decide_for(Kind::Daily, 800, v, &none).unwrap_err();
        assert!(
            e.to_string().contains("ollama pull gemma3:12b-it-q4_K_M"),
            "{e}"
        );
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
        // Nothing loaded: the model the main work would load, not one it would evict at once.
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
        assert_eq!(d.model, "qwen3:8b", "{}", d.reason());
    }
}

//! Sends the day's requests one after another under one policy and turns each answer, plus what
//! the simulator logged for it, into an [`Outcome`].

use std::time::Duration;

use serde_json::Value;

use super::report::Outcome;
use super::trace::Activity;
use super::trace::{Event, NumCtx};
use super::{Policy, SEED_CHAT_MODEL, SEED_FIM_MODEL};
use crate::sim::library::seed_model;
use crate::sim::{RequestRecord, Sim};

/// Where requests go.
pub(super) struct Target<'a> {
    pub http: &'a reqwest::Client,
    /// The in-process simulator, for its request log and counters.
    pub sim: &'a Sim,
    pub sim_url: String,
    /// Set for the router policy.
    pub router_url: Option<String>,
    /// Moves the router's clock to an event's simulated time.
    pub router_clock: Option<&'a (dyn Fn(u64) + Send + Sync)>,
}

/// The router polls Ollama's `/api/ps` and the GPU every couple of seconds. The replay does not
/// sleep, so it refreshes the router's view itself wherever the trace leaves at least this much
/// simulated time between two requests (inside autocomplete bursts it does not).
const ROUTER_POLL: u64 = 2_000;

/// A request that hangs is a bug in the simulator or the router; give up instead of waiting.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) async fn replay(
    target: &Target<'_>,
    policy: Policy,
    day: &[Event],
) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::with_capacity(day.len());
    let mut last_at: Option<u64> = None;
    for event in day {
        let (base, model, num_ctx) = match (policy, &target.router_url) {
            (Policy::OllamaUnconfigured | Policy::OllamaDocumented, _) => {
                (target.sim_url.as_str(), event.request.model, NumCtx::AsSent)
            }
            (Policy::Seed { num_ctx, .. }, _) => {
                let model = if event.activity == Activity::Autocomplete {
                    SEED_FIM_MODEL
                } else {
                    SEED_CHAT_MODEL
                };
                (target.sim_url.as_str(), model, NumCtx::Set(num_ctx))
            }
            (Policy::Router, Some(router)) => {
                if let Some(set_clock) = target.router_clock {
                    set_clock(event.at_ms);
                }
                if last_at.is_none_or(|t| event.at_ms.saturating_sub(t) >= ROUTER_POLL) {
                    refresh_router(target.http, router).await?;
                }
                (router.as_str(), event.request.model, NumCtx::AsSent)
            }
            (Policy::Router, None) => return Err("the router policy needs a running router".into()),
        };
        last_at = Some(event.at_ms);
        let before = target.sim.stats();
        let answer = send(target.http, base, event, model, num_ctx).await?;
        let mut log = target.sim.requests();
        target.sim.clear_requests();
        let spilled = target.sim.stats().spilled_requests > before.spilled_requests;
        let record = log.pop().filter(|r| r.kind == "inference");
        outcomes.push(outcome(event, answer, record, spilled));
    }
    Ok(outcomes)
}

async fn refresh_router(http: &reqwest::Client, router: &str) -> Result<(), String> {
    let resp = http
        .post(format!("{router}/router/refresh"))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("router refresh: {e}"))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("router refresh answered {}", resp.status()))
    }
}

/// What came back: the final chunk's metrics, or the error Ollama or the router gave.
enum Answer {
    Done(Value),
    Failed(String),
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    event: &Event,
    model: &str,
    num_ctx: NumCtx,
) -> Result<Answer, String> {
    let url = format!("{base}{}", event.request.endpoint.path());
    let mut req = http
        .post(&url)
        .timeout(REQUEST_TIMEOUT)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, event.client.user_agent())
        .body(event.request.body(model, num_ctx));
    if let Some(name) = event.client.session_header() {
        req = req.header(name, &event.session);
    }
    let resp = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("reading {url}: {e}"))?;
    // Streams end with the final chunk; a non-stream answer is one object. Either way the last
    // non-empty line is the one that carries the metrics, or the error.
    let last = body
        .split(|b| *b == b'\n')
        .rev()
        .find(|line| !line.trim_ascii().is_empty())
        .unwrap_or_default();
    let value: Value = serde_json::from_slice(last).unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        return Ok(Answer::Failed(error.to_string()));
    }
    if !status.is_success() || value.get("done") != Some(&Value::Bool(true)) {
        return Ok(Answer::Failed(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(last)
        )));
    }
    Ok(Answer::Done(value))
}

fn seconds(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0) as f64 / 1e9
}

fn outcome(event: &Event, answer: Answer, record: Option<RequestRecord>, spilled: bool) -> Outcome {
    let mut o = Outcome {
        activity: event.activity,
        model: record.as_ref().map(|r| r.loaded_model.clone()),
        num_ctx: record.as_ref().and_then(|r| r.num_ctx),
        prompt_tokens: record.as_ref().map_or(0, |r| r.prompt_tokens),
        truncated: record.as_ref().is_some_and(|r| r.truncated),
        loaded: record.as_ref().is_some_and(|r| r.loaded_fresh),
        reloaded: record.as_ref().is_some_and(|r| r.reloaded),
        spilled,
        error: None,
        load_s: 0.0,
        prompt_s: 0.0,
        output_tokens: 0,
        eval_s: 0.0,
        quality: 0.0,
        graded: false,
        held_back: false,
    };
    let metrics = match answer {
        Answer::Done(m) => m,
        Answer::Failed(e) => {
            o.error = Some(e);
            return o;
        }
    };
    // A success Ollama never saw: the router answered it without a model (autocomplete held
    // back). No wait, no answer.
    if record.is_none() {
        o.held_back = true;
        return o;
    }
    o.load_s = seconds(&metrics, "load_duration");
    o.prompt_s = seconds(&metrics, "prompt_eval_duration");
    let eval_count = metrics
        .get("eval_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let per_token = if eval_count > 0 {
        seconds(&metrics, "eval_duration") / eval_count as f64
    } else {
        0.0
    };
    // A client's num_predict caps the answer as it would on a real model.
    let cap = event
        .request
        .options
        .get("num_predict")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX));
    o.output_tokens = event.output_tokens.min(cap);
    o.eval_s = f64::from(o.output_tokens) * per_token;
    // Graded only where the seed measured that model at that context; a truncated prompt is
    // graded 0 (the model answered a question it never saw whole).
    if let (Some(model), Some(ctx)) = (&o.model, o.num_ctx)
        && let Some(grade) = grade(model, ctx, event.activity.graded_agentic())
    {
        o.graded = true;
        o.quality = if o.truncated { 0.0 } else { grade };
    }
    o
}

/// The seed's grade of `model` at exactly `ctx`: agentic for planning work (engine when the seed
/// has no agentic grade there), engine otherwise; `None` where the seed did not measure it.
fn grade(model: &str, ctx: u32, agentic: bool) -> Option<f64> {
    let spec = seed_model(model)?;
    let exact = |points: &[(u32, f32)]| {
        points
            .iter()
            .find(|(c, _)| *c == ctx)
            .map(|(_, s)| f64::from(*s))
    };
    if agentic {
        exact(spec.agentic).or_else(|| exact(spec.engine))
    } else {
        exact(spec.engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_the_seed() {
        assert_eq!(grade("qwen3:8b", 16384, false), Some(9.9_f32 as f64));
        assert_eq!(grade("qwen3:8b", 8192, false), Some(3.5_f32 as f64));
        // Only where the seed measured: qwen3:8b at 4096 or 32768 is ungraded.
        assert_eq!(grade("qwen3:8b", 4096, false), None);
        assert_eq!(grade("qwen3:8b", 32768, false), None);
        assert_eq!(grade("qwen3:14b", 16384, true), Some(10.0));
        assert_eq!(grade("nomic-embed-text", 8192, true), None);
    }
}

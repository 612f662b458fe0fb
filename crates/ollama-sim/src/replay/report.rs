//! The replay's results: per-request outcomes, per-policy summaries, and their rendering as a
//! markdown page and a hand-written SVG chart (no plotting dependency).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::ReplayOptions;
use super::trace::{Activity, Event};
use crate::GIB;
use crate::sim::SimStats;

/// What happened to one request under one policy. Times are simulated seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub activity: Activity,
    /// The model that served it (`None` when nothing did).
    pub model: Option<String>,
    pub num_ctx: Option<u32>,
    /// Prompt tokens as the simulator counted them, before any truncation.
    pub prompt_tokens: u64,
    pub truncated: bool,
    /// The model was loaded for this request (first load, reload or after an eviction).
    pub loaded: bool,
    /// A loaded runner of this model was replaced because its options (`num_ctx`) differed.
    pub reloaded: bool,
    /// The runner did not fit in VRAM and ran partly on the CPU.
    pub spilled: bool,
    /// Ollama's or the router's error, when the request failed.
    pub error: Option<String>,
    pub load_s: f64,
    pub prompt_s: f64,
    pub output_tokens: u32,
    /// Generating the answer: its length × the simulator's per-token time.
    pub eval_s: f64,
    /// The seed's grade (0–10) of the model at the context that served it, when the seed measured
    /// that model at that context (`graded`); 0 when truncated.
    pub quality: f64,
    /// The seed measured the serving model at the serving context.
    pub graded: bool,
    /// Answered at once without reaching Ollama, with nothing in it (a router holding an
    /// autocomplete back rather than evicting the model a conversation is using).
    pub held_back: bool,
}

impl Outcome {
    pub fn latency_s(&self) -> f64 {
        self.load_s + self.prompt_s + self.eval_s
    }

    /// Time to the first token: load, prompt evaluation, one token.
    pub fn ttft_s(&self) -> f64 {
        let per_token = if self.output_tokens > 0 {
            self.eval_s / f64::from(self.output_tokens)
        } else {
            0.0
        };
        self.load_s + self.prompt_s + per_token
    }
}

/// One policy's day, summarised.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyResult {
    pub policy: String,
    pub requests: usize,
    pub failed: usize,
    pub truncated: usize,
    /// Answered empty without reaching Ollama (see [`Outcome::held_back`]).
    pub held_back: usize,
    /// From the simulator's counters.
    pub loads: u64,
    pub reloads: u64,
    pub evictions: u64,
    pub load_seconds: f64,
    pub spilled_requests: usize,
    /// Prompt evaluation and generation time of requests served by a spilled runner.
    pub spilled_seconds: f64,
    pub latency_p50: f64,
    pub latency_p95: f64,
    pub ttft_p50: f64,
    pub ttft_p95: f64,
    /// Generated tokens per second of generation time, over the whole day.
    pub tokens_per_second: f64,
    /// Mean seed grade over graded requests (truncated ones count 0).
    pub quality: f64,
    /// Requests the seed could grade (served by a model at a context it measured).
    pub graded: usize,
    /// Sum of all latencies: how long the developer waited on the model that day.
    pub waited_seconds: f64,
    /// Share of the prompt tokens of answered requests that a slot's prompt cache held.
    pub prompt_cached_share: f64,
    /// Model → (contexts it was served at, requests), most used first.
    pub served: Vec<Served>,
    /// Error text → requests.
    pub errors: Vec<(String, usize)>,
    pub outcomes: Vec<Outcome>,
}

impl PolicyResult {
    /// Requests answered by a model with their whole prompt.
    pub fn whole(&self) -> usize {
        self.requests - self.failed - self.truncated - self.held_back
    }

    pub fn new(policy: String, outcomes: Vec<Outcome>, stats: &SimStats) -> PolicyResult {
        let ok: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.error.is_none() && !o.held_back)
            .collect();
        let held_back = outcomes.iter().filter(|o| o.held_back).count();
        let mut latencies: Vec<f64> = ok.iter().map(|o| o.latency_s()).collect();
        let mut ttfts: Vec<f64> = ok.iter().map(|o| o.ttft_s()).collect();
        let generated = total(ok.iter().map(|o| f64::from(o.output_tokens)));
        let eval = total(ok.iter().map(|o| o.eval_s));
        let mut served: BTreeMap<String, BTreeMap<u32, usize>> = BTreeMap::new();
        let mut errors: BTreeMap<String, usize> = BTreeMap::new();
        for o in &outcomes {
            match (&o.error, &o.model) {
                (Some(e), _) => *errors.entry(e.clone()).or_default() += 1,
                (None, Some(m)) => {
                    *served
                        .entry(m.clone())
                        .or_default()
                        .entry(o.num_ctx.unwrap_or(0))
                        .or_default() += 1;
                }
                (None, None) => {}
            }
        }
        PolicyResult {
            policy,
            requests: outcomes.len(),
            failed: outcomes.len() - ok.len() - held_back,
            truncated: outcomes.iter().filter(|o| o.truncated).count(),
            held_back,
            loads: stats.loads,
            reloads: stats.reloads,
            evictions: stats.evictions,
            load_seconds: stats.load_seconds,
            spilled_requests: ok.iter().filter(|o| o.spilled).count(),
            spilled_seconds: total(
                ok.iter()
                    .filter(|o| o.spilled)
                    .map(|o| o.prompt_s + o.eval_s),
            ),
            latency_p50: percentile(&mut latencies, 50.0),
            latency_p95: percentile(&mut latencies, 95.0),
            ttft_p50: percentile(&mut ttfts, 50.0),
            ttft_p95: percentile(&mut ttfts, 95.0),
            tokens_per_second: if eval > 0.0 { generated / eval } else { 0.0 },
            quality: mean(outcomes.iter().filter(|o| o.graded).map(|o| o.quality)),
            graded: outcomes.iter().filter(|o| o.graded).count(),
            waited_seconds: total(ok.iter().map(|o| o.latency_s())),
            prompt_cached_share: if stats.prompt_tokens > 0 {
                stats.prompt_tokens_cached as f64 / stats.prompt_tokens as f64
            } else {
                0.0
            },
            served: Served::list(served),
            errors: sorted_counts(errors),
            outcomes,
        }
    }
}

/// How often one model served, and at which contexts.
#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    pub model: String,
    pub requests: usize,
    /// Context → requests.
    pub contexts: BTreeMap<u32, usize>,
}

impl Served {
    fn list(by_model: BTreeMap<String, BTreeMap<u32, usize>>) -> Vec<Served> {
        let mut v: Vec<Served> = by_model
            .into_iter()
            .map(|(model, contexts)| Served {
                model,
                requests: contexts.values().sum(),
                contexts,
            })
            .collect();
        v.sort_by(|a, b| {
            b.requests
                .cmp(&a.requests)
                .then_with(|| a.model.cmp(&b.model))
        });
        v
    }

    /// `qwen3:8b ×120 (16384 ×100, 32768 ×20)`; many distinct contexts are shown as a range.
    fn describe(&self) -> String {
        let contexts = if self.contexts.len() > 4 {
            let lo = self.contexts.keys().next().copied().unwrap_or(0);
            let hi = self.contexts.keys().next_back().copied().unwrap_or(0);
            format!("{} distinct contexts, {lo}–{hi}", self.contexts.len())
        } else {
            let parts: Vec<String> = self
                .contexts
                .iter()
                .map(|(c, n)| format!("{c} ×{n}"))
                .collect();
            parts.join(", ")
        };
        format!("{} ×{} ({contexts})", self.model, self.requests)
    }
}

fn sorted_counts(map: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Nearest-rank percentile; 0 for no data.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// A sum that is `0.0`, not `-0.0`, for no values (an empty `f64` sum prints as "-0").
fn total(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// One activity of the trace: how much of the day it was and how big its prompts were.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityRow {
    pub activity: Activity,
    pub requests: usize,
    pub prompt_tokens_median: u64,
    pub prompt_tokens_max: u64,
}

/// The whole comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayReport {
    pub seed: u64,
    pub requests: usize,
    pub vram: u64,
    /// Simulated length of the day (first to last request), in hours.
    pub day_hours: f64,
    pub activities: Vec<ActivityRow>,
    /// In [`super::Policy::COMPARED`] order.
    pub policies: Vec<PolicyResult>,
    /// The same policies on other seeds' days (same length), for the robustness table.
    pub other_seeds: Vec<(u64, Vec<PolicyResult>)>,
}

impl ReplayReport {
    pub fn new(opts: &ReplayOptions, day: &[Event], policies: Vec<PolicyResult>) -> ReplayReport {
        let activities = Activity::ALL
            .into_iter()
            .filter_map(|activity| {
                let mut sizes: Vec<u64> = day
                    .iter()
                    .filter(|e| e.activity == activity)
                    .map(|e| e.request.sim_prompt_tokens())
                    .collect();
                sizes.sort_unstable();
                let max = *sizes.last()?;
                Some(ActivityRow {
                    activity,
                    requests: sizes.len(),
                    prompt_tokens_median: sizes[sizes.len() / 2],
                    prompt_tokens_max: max,
                })
            })
            .collect();
        let span = day.last().map_or(0, |e| e.at_ms) - day.first().map_or(0, |e| e.at_ms);
        ReplayReport {
            seed: opts.seed,
            requests: opts.requests,
            vram: opts.vram,
            day_hours: span as f64 / 3.6e6,
            activities,
            policies,
            other_seeds: Vec::new(),
        }
    }

    /// One row per policy and seed: the headline numbers, to show they hold beyond one day.
    fn seeds_table(&self) -> String {
        if self.other_seeds.is_empty() {
            return String::new();
        }
        let mut md = String::from(
            "## Other days\n\nThe same policies on days generated from other seeds (same length). \
             Cells: answered whole / truncated / failed / held back, loads, spilled requests, TTFT p95.\n\n| policy |",
        );
        let seeds: Vec<u64> = std::iter::once(self.seed)
            .chain(self.other_seeds.iter().map(|(s, _)| *s))
            .collect();
        for seed in &seeds {
            let _ = write!(md, " seed {seed:#x} |");
        }
        md.push_str("\n|---|");
        for _ in &seeds {
            md.push_str("--:|");
        }
        md.push('\n');
        for (i, p) in self.policies.iter().enumerate() {
            let _ = write!(md, "| {} |", p.policy);
            let rows =
                std::iter::once(p).chain(self.other_seeds.iter().filter_map(|(_, r)| r.get(i)));
            for r in rows {
                let _ = write!(
                    md,
                    " {} / {} / {} / {}, {} loads, {} spilled, {:.1} s |",
                    r.whole(),
                    r.truncated,
                    r.failed,
                    r.held_back,
                    r.loads,
                    r.spilled_requests,
                    r.ttft_p95
                );
            }
            md.push('\n');
        }
        md.push('\n');
        md
    }

    /// The policy with this label.
    pub fn policy(&self, label: &str) -> Option<&PolicyResult> {
        self.policies.iter().find(|p| p.policy == label)
    }

    /// A self-contained markdown page: the table, the chart, per-activity detail and the method.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let gib = self.vram as f64 / GIB as f64;
        let _ = writeln!(md, "# A simulated coding day\n");
        let _ = writeln!(
            md,
            "Generated by `ollama-router replay --seed {:#x} --requests {} --vram {}GiB --out docs`; \
             do not edit by hand (`cargo test` checks it is current).\n",
            self.seed, self.requests, gib
        );
        let _ = writeln!(
            md,
            "{} requests over {:.1} simulated hours from one developer's tools, replayed against the simulated \
             Ollama on a {gib} GiB GPU under six policies. Times are simulated seconds (see *How it is measured*).\n",
            self.requests, self.day_hours
        );
        let _ = writeln!(md, "![Per-policy comparison](coding-day.svg)\n");
        md.push_str(&self.highlights());
        md.push_str(
            "| policy | answered whole | truncated | failed | held back | loads (num_ctx reloads) | load time | spilled requests | \
             time spilled | latency p50 / p95 | TTFT p50 / p95 | tok/s | quality (graded) | waited |\n",
        );
        md.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for p in &self.policies {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} ({}) | {:.0} s | {} | {:.0} s | {:.1} / {:.1} s | {:.2} / {:.1} s | {:.0} | {} | {:.0} s |",
                p.policy,
                p.whole(),
                p.truncated,
                p.failed,
                p.held_back,
                p.loads,
                p.reloads,
                p.load_seconds,
                p.spilled_requests,
                p.spilled_seconds,
                p.latency_p50,
                p.latency_p95,
                p.ttft_p50,
                p.ttft_p95,
                p.tokens_per_second,
                if p.graded > 0 {
                    format!("{:.2} ({})", p.quality, p.graded)
                } else {
                    "ungraded".to_string()
                },
                p.waited_seconds,
            );
        }
        md.push('\n');
        md.push_str(
            "*failed*: Ollama (or the router) answered an error. *held back*: autocomplete the router answered at \
             once with an empty completion rather than evict the model a conversation was using (no wait, no \
             suggestion). *truncated*: the simulated Ollama silently dropped \
             part of the prompt. *loads*: model loads, including reloads after a `num_ctx` change (in brackets) and \
             loads after an eviction. *quality*: mean of the seed's grade (0–10) of the model at the context that \
             served each request, over the requests the seed can grade (in brackets: it measured that model at that \
             exact context; everything else is ungraded); truncated requests score 0. Latency, TTFT and tok/s cover answered \
             requests only (not held-back ones). *waited*: the sum of all latencies.\n\n",
        );

        md.push_str(&self.seeds_table());
        md.push_str(
            "## Per activity\n\nTruncated (and failed) requests, mean quality and median latency, per policy.\n\n\
             | activity | requests |",
        );
        for p in &self.policies {
            let _ = write!(md, " {} |", p.policy);
        }
        md.push_str("\n|---|--:|");
        for _ in &self.policies {
            md.push_str("--:|");
        }
        md.push('\n');
        for row in &self.activities {
            let _ = write!(md, "| {} | {} |", row.activity.label(), row.requests);
            for p in &self.policies {
                let of: Vec<&Outcome> = p
                    .outcomes
                    .iter()
                    .filter(|o| o.activity == row.activity)
                    .collect();
                let truncated = of.iter().filter(|o| o.truncated).count();
                let failed = of.iter().filter(|o| o.error.is_some()).count();
                let held_back = of.iter().filter(|o| o.held_back).count();
                let graded: Vec<f64> = of.iter().filter(|o| o.graded).map(|o| o.quality).collect();
                let mut latencies: Vec<f64> = of
                    .iter()
                    .filter(|o| o.error.is_none() && !o.held_back)
                    .map(|o| o.latency_s())
                    .collect();
                let _ = write!(md, " {truncated} truncated, ");
                if failed > 0 {
                    let _ = write!(md, "{failed} failed, ");
                }
                if held_back > 0 {
                    let _ = write!(md, "{held_back} held back, ");
                }
                if graded.is_empty() {
                    md.push_str("ungraded");
                } else {
                    let _ = write!(md, "q {:.1}", mean(graded.iter().copied()));
                }
                if !latencies.is_empty() {
                    let _ = write!(md, ", p50 {:.1} s", percentile(&mut latencies, 50.0));
                }
                md.push_str(" |");
            }
            md.push('\n');
        }

        md.push_str("\n## Models served\n\n");
        for p in &self.policies {
            let list: Vec<String> = p.served.iter().map(Served::describe).collect();
            let _ = writeln!(md, "- **{}**: {}", p.policy, list.join("; "));
            for (e, n) in &p.errors {
                let _ = writeln!(md, "  - error ×{n}: `{}`", e.replace('`', "'"));
            }
        }

        md.push_str("\n## The trace\n\n| activity | requests | median prompt tokens | largest |\n|---|--:|--:|--:|\n");
        for row in &self.activities {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                row.activity.label(),
                row.requests,
                row.prompt_tokens_median,
                row.prompt_tokens_max
            );
        }
        md.push_str(TRACE_AND_METHOD);
        md
    }

    /// One line per policy, from the numbers.
    fn highlights(&self) -> String {
        let mut md = String::from("Highlights:\n");
        for p in &self.policies {
            let _ = writeln!(
                md,
                "- **{}**: {} of {} answered whole, {} truncated, {} failed, {} held back; {} loads ({:.0} s), \
                 {} spilled; TTFT p95 {:.1} s; {:.0} % of prompt tokens from the prompt cache.",
                p.policy,
                p.whole(),
                p.requests,
                p.truncated,
                p.failed,
                p.held_back,
                p.loads,
                p.load_seconds,
                p.spilled_requests,
                p.ttft_p95,
                p.prompt_cached_share * 100.0
            );
        }
        md.push('\n');
        md
    }

    /// Small multiples: one panel per measure, one bar per policy.
    pub fn svg(&self) -> String {
        type Measure = (
            &'static str,
            &'static str,
            fn(&PolicyResult) -> f64,
            fn(f64) -> String,
        );
        let measures: [Measure; 8] = [
            (
                "Requests truncated",
                "lower is better",
                |p| p.truncated as f64,
                |v| format!("{v:.0}"),
            ),
            (
                "Requests failed",
                "lower is better",
                |p| p.failed as f64,
                |v| format!("{v:.0}"),
            ),
            (
                "Model load time (s)",
                "lower is better",
                |p| p.load_seconds,
                |v| format!("{v:.0}"),
            ),
            (
                "Time spilled to CPU (s)",
                "lower is better",
                |p| p.spilled_seconds,
                |v| format!("{v:.0}"),
            ),
            (
                "Latency p95 (s)",
                "lower is better",
                |p| p.latency_p95,
                |v| format!("{v:.1}"),
            ),
            (
                "Time to first token p95 (s)",
                "lower is better",
                |p| p.ttft_p95,
                |v| format!("{v:.1}"),
            ),
            (
                "Generation speed (tok/s)",
                "higher is better",
                |p| p.tokens_per_second,
                |v| format!("{v:.0}"),
            ),
            (
                "Quality (seed grade, 0-10)",
                "higher is better",
                |p| p.quality,
                |v| format!("{v:.2}"),
            ),
        ];
        const COLORS: [&str; 4] = ["#9e9e9e", "#4e79a7", "#f28e2b", "#59a14f"];
        let (cols, panel_w, panel_h, top) = (4usize, 240.0, 210.0, 86.0);
        let width = cols as f64 * panel_w + 20.0;
        let rows = measures.len().div_ceil(cols);
        let height = top + rows as f64 * panel_h + 10.0;
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">"#
        );
        let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        let _ = writeln!(
            s,
            r##"<text x="20" y="28" font-size="18" font-weight="bold" fill="#222">A simulated coding day: {} requests, {} GiB GPU (seed {:#x})</text>"##,
            self.requests,
            self.vram as f64 / GIB as f64,
            self.seed
        );
        let mut x = 20.0;
        for (i, p) in self.policies.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let _ = writeln!(
                s,
                r#"<rect x="{x}" y="44" width="14" height="14" fill="{color}"/>"#
            );
            let _ = writeln!(
                s,
                r##"<text x="{}" y="56" font-size="13" fill="#222">{}</text>"##,
                x + 20.0,
                escape(&p.policy)
            );
            x += 40.0 + 8.0 * p.policy.len() as f64;
        }
        for (m, (title, hint, value, fmt)) in measures.iter().enumerate() {
            let px = 20.0 + (m % cols) as f64 * panel_w;
            let py = top + (m / cols) as f64 * panel_h;
            let (plot_x, plot_w, plot_top, plot_h) =
                (px + 10.0, panel_w - 40.0, py + 46.0, panel_h - 90.0);
            let _ = writeln!(
                s,
                r##"<text x="{px}" y="{}" font-size="13" font-weight="bold" fill="#222">{}</text>"##,
                py + 14.0,
                escape(title)
            );
            let _ = writeln!(
                s,
                r##"<text x="{px}" y="{}" font-size="11" fill="#666">{hint}</text>"##,
                py + 29.0
            );
            let values: Vec<f64> = self.policies.iter().map(|p| value(p).max(0.0)).collect();
            let max = values.iter().copied().fold(0.0, f64::max);
            let scale = if max > 0.0 { plot_h / (max * 1.1) } else { 0.0 };
            let base = plot_top + plot_h;
            let _ = writeln!(
                s,
                r##"<line x1="{plot_x}" y1="{base}" x2="{}" y2="{base}" stroke="#999" stroke-width="1"/>"##,
                plot_x + plot_w
            );
            let slot = plot_w / values.len().max(1) as f64;
            for (i, v) in values.iter().enumerate() {
                let h = v * scale;
                let bx = plot_x + i as f64 * slot + slot * 0.15;
                let bw = slot * 0.7;
                let color = COLORS[i % COLORS.len()];
                let _ = writeln!(
                    s,
                    r#"<rect x="{bx:.1}" y="{:.1}" width="{bw:.1}" height="{h:.1}" fill="{color}"/>"#,
                    base - h
                );
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#222">{}</text>"##,
                    bx + bw / 2.0,
                    base - h - 4.0,
                    escape(&fmt(*v))
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const TRACE_AND_METHOD: &str = "
Who sends what (after `reference/clients.md`):
- **autocomplete**: Continue's fill-in-the-middle on `/api/generate` with `suffix`, `num_predict: 128`, in
  bursts a keystroke pause apart, and between the turns of a chat while its answer is applied; client
  model `qwen2.5-coder:7b`.
- **chat question** and **complex refactor**: OpenCode (OpenAI API, so no `num_ctx`) with files, logs, CSV
  or lockfiles pasted into the prompt, follow-ups in the same conversation; client model `qwen3:8b`.
  Pasted logs, CSV and lockfiles are 2–3× the tokens of prose per byte.
- **agent turn**: Claude Code through `ollama launch claude --model qwen3:14b` — 12 tool schemas, a long
  system prompt, and a tool result (a file, a build log, a lockfile, data) added to the history every
  turn, so prompts grow toward 20–30K tokens. An agent works in the background while the developer
  chats and types, so several sessions interleave.
- **Claude Code helper**: session titles and tool-use summaries with small `num_predict`; on a non-Anthropic
  base URL Claude Code sends them with the main model's name (`qwen3:14b`).
- **Aider** edits and commit messages: `ollama_chat/qwen2.5-coder:14b-instruct-q4_K_M`, with litellm's
  `num_ctx = int(tokens × 1.25) + 8192`, which changes on every request.

## How it is measured

- The trace is generated from the seed (`crates/ollama-sim/src/replay/trace.rs`); the same seed gives the same day.
- Every request is replayed in Ollama's native form (`/api/chat`, `/api/generate`). OpenCode and Claude Code
  really speak the OpenAI and Anthropic APIs; the router translates those to native bodies like these, and
  Ollama's own compatibility layers serve them with the same default context of 4096.
- Policies: *Ollama unconfigured* sends the clients' requests as they are (default context 4096); *Ollama,
  OLLAMA_CONTEXT_LENGTH=64000* is the setup Ollama documents for coding tools (the clients' own models);
  the *seed setups* take the seed's recommendation literally (qwen3:8b for chat, agents, helpers and Aider,
  qwen2.5-coder:7b-instruct-q5_K_M for autocomplete, `num_ctx` pinned), the last one with flash attention
  and `OLLAMA_KV_CACHE_TYPE=q8_0`; *router* sends the same client requests through the router (default
  configuration, GPU readings from the simulator). Each policy gets a fresh simulated Ollama with its
  server settings; the router starts fresh (no learned state). Requests are replayed one after another.
  The replay does not sleep, so it sets the router's clock to each request's time in the day: what the
  router remembers as recently used (what an eviction costs, when autocomplete is held back) ages as it
  would on a real desk.
- The simulated Ollama is a referee that does not know the router: prompts are counted with Qwen's real
  BPE vocabulary over the rendered template, too-long prompts are cut as Ollama >= 0.30.11 cuts them
  (oldest messages first, then head + tail to about half the context), memory is llama.cpp's placement
  (weights, KV cache, compute buffers, 1 GiB margin) with Ollama's own prediction deciding evictions, and
  speeds are the seed's, slowed by the CPU's share of the weights when a model spills.
- The simulator runs in fast mode and reports Ollama's metrics as a real GPU would produce them: load time
  (weights at 2 GB/s), prompt evaluation (2000 tok/s for a model as fast as qwen3:8b, scaled by model
  speed and spill) and the per-token time. Its answers are a few words, so latency is load + prompt
  evaluation + the trace's answer length × the per-token time; TTFT is load + prompt evaluation + one
  token. Thinking tokens are not added.
- Truncation, loads, reloads, evictions and spills come from the simulator's request log and counters
  (`/sim/requests`, `/sim/stats`).
- Quality uses the seed's engine grade (agentic for agent turns and refactors) of the model that served
  the request, only where the seed measured that model at exactly that context; everything else is
  ungraded and left out of the mean. This rates the model and context only — it cannot see how well a
  particular answer would have been.
- Ollama's prompt cache is simulated per slot token by token, as llama-server keeps it: a request takes the
  free slot sharing the longest prefix with its prompt (else the least recently used), evaluates only the
  tokens after that prefix; an overwritten slot is kept in llama-server's host-memory prompt cache (8 GiB)
  and restored when its conversation returns; a reload empties both.
- Not simulated: keep-alive expiry during idle time (the replay does not sleep), concurrency (one request
  at a time, so parallel slots and queueing never matter), generation running past the context, and every
  vocabulary but Qwen's (other models are counted with it). The router's own overhead (microseconds, see `cargo bench`) is not part of
  these times.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(latency: f64, truncated: bool, quality: f64) -> Outcome {
        Outcome {
            activity: Activity::Chat,
            model: Some("qwen3:8b".into()),
            num_ctx: Some(16384),
            prompt_tokens: 100,
            truncated,
            loaded: false,
            reloaded: false,
            spilled: false,
            error: None,
            load_s: 0.0,
            prompt_s: 0.0,
            output_tokens: 10,
            eval_s: latency,
            quality,
            graded: true,
            held_back: false,
        }
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 50.0), 50.0);
        assert_eq!(percentile(&mut v, 95.0), 95.0);
        assert_eq!(percentile(&mut [3.0], 99.0), 3.0);
        assert_eq!(percentile(&mut [], 50.0), 0.0);
    }

    #[test]
    fn summary_counts_and_renders() {
        let stats = SimStats {
            loads: 2,
            reloads: 1,
            evictions: 0,
            load_seconds: 5.0,
            spilled_requests: 0,
            requests: 3,
            refused_too_long: 0,
            prompt_tokens: 400,
            prompt_tokens_cached: 100,
        };
        let mut failed = outcome(0.0, false, 0.0);
        failed.error = Some("model \"x\" <bad>".into());
        failed.graded = false;
        let mut held = outcome(0.0, false, 0.0);
        (held.held_back, held.graded, held.model) = (true, false, None);
        let p = PolicyResult::new(
            "router".into(),
            vec![
                outcome(1.0, false, 9.9),
                outcome(3.0, true, 0.0),
                failed,
                held,
            ],
            &stats,
        );
        assert_eq!((p.failed, p.truncated, p.held_back, p.loads), (1, 1, 1, 2));
        assert_eq!(p.whole(), 1);
        assert_eq!(p.latency_p50, 1.0);
        // Over the graded requests only: (9.9 + 0 for the truncated one) / 2.
        assert!((p.quality - 4.95).abs() < 1e-9);
        assert_eq!(p.graded, 2);
        assert_eq!(p.served.len(), 1);
        assert_eq!(p.served[0].describe(), "qwen3:8b ×2 (16384 ×2)");
        let report = ReplayReport {
            seed: 1,
            requests: 3,
            vram: 12 * GIB,
            day_hours: 1.0,
            activities: Vec::new(),
            policies: vec![p.clone()],
            other_seeds: vec![(2, vec![p])],
        };
        let svg = report.svg();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect").count(),
            1 + 1 + 8,
            "background, legend, one bar per panel"
        );
        let md = report.markdown();
        assert!(md.contains("| router | 1 | 1 | 1 | 1 | 2 (1) |"), "{md}");
        assert!(md.contains("| 4.95 (2) |"), "{md}");
        assert!(md.contains("| seed 0x1 | seed 0x2 |"), "{md}");
        assert!(
            md.contains("| router | 1 / 1 / 1 / 1, 2 loads, 0 spilled,"),
            "{md}"
        );
        assert!(md.contains("`model \"x\" <bad>`"), "{md}");
        assert!(
            md.contains("25 % of prompt tokens from the prompt cache"),
            "{md}"
        );
    }
}

//! The router at a glance: the `GET /router/status` document (GPU, loaded models, what each
//! profile would pick now, recent decisions, counters), and its text rendering for
//! `ollama-router status`. The CLI reads the same typed document the endpoint writes, so the
//! two cannot drift apart.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::state::AppState;
use router_core::request::{Dialect, Endpoint, Kind};

/// `GET /router/status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RouterStatus {
    pub version: String,
    pub upstream: UpstreamStatus,
    /// `None` until the first GPU reading.
    pub gpu: Option<GpuStatus>,
    pub loaded: Vec<LoadedStatus>,
    pub profiles: Vec<ProfileStatus>,
    /// Rules from `router.toml`, in the order they are tried (the built-in rules follow).
    pub rules: Vec<serde_json::Value>,
    /// Newest first.
    pub recent: Vec<RecentDecision>,
    pub counters: Counters,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UpstreamStatus {
    pub url: String,
    /// The last error reading Ollama's model lists, if the last read failed.
    pub error: Option<String>,
    pub installed_models: Option<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GpuStatus {
    pub name: String,
    /// `nvml`, `sim`, `ollama` (derived from `/api/ps`), `static`.
    pub source: String,
    pub total_bytes: u64,
    pub used_bytes: u64,
    pub free_bytes: u64,
    /// Memory other programs (desktop, games, other CUDA programs) hold; `None` when unknown.
    pub other_programs_bytes: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadedStatus {
    pub name: String,
    pub context_length: u32,
    pub size_bytes: u64,
    pub vram_bytes: u64,
    /// Share of the model in VRAM (100 = fully on the GPU; less = spilled to system RAM).
    pub percent_gpu: f64,
    /// A routed answer from it is streaming now.
    pub busy: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProfileStatus {
    pub kind: String,
    pub candidates: Vec<String>,
    /// What a short request of this kind would get right now.
    pub pick: Option<Pick>,
    /// Why nothing would be picked.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pick {
    pub model: String,
    pub num_ctx: u32,
    pub loaded: bool,
    pub spill_percent: f64,
    pub predicted_tps: f64,
    pub reason: String,
}

/// A decision, flat: what `recent` lists and the dashboard feed shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecentDecision {
    pub at: String,
    pub dialect: String,
    pub request_id: Option<String>,
    pub kind: String,
    pub requested_model: String,
    pub model: String,
    pub num_ctx: u32,
    pub prompt_tokens: u32,
    pub loaded: bool,
    pub spill_percent: f64,
    pub reason: String,
}

impl From<&crate::observe::DecisionRecord> for RecentDecision {
    fn from(r: &crate::observe::DecisionRecord) -> RecentDecision {
        let d = &r.decision;
        RecentDecision {
            at: r.at.clone(),
            dialect: r.dialect.clone(),
            request_id: r.request_id.clone(),
            kind: d.kind.as_str().into(),
            requested_model: d.requested_model.clone(),
            model: d.model.clone(),
            num_ctx: d.num_ctx,
            prompt_tokens: d.prompt_tokens,
            loaded: d.fit.loaded,
            spill_percent: d.fit.spill_fraction * 100.0,
            reason: r.reason.clone(),
        }
    }
}

/// Totals since the router started (the same numbers `/router/metrics` exports).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Counters {
    pub requests: u64,
    pub decisions: u64,
    pub reloads_caused: u64,
    pub reloads_avoided: u64,
    pub spills_predicted: u64,
    pub truncations_prevented: u64,
    pub route_failures: u64,
    pub upstream_errors: u64,
    pub cancelled_streams: u64,
}

/// Measured free memory when the probe has it; else what loaded models and other programs leave.
pub(crate) fn free_bytes(
    g: &router_core::route::GpuView,
    loaded: &[router_core::route::LoadedModel],
) -> u64 {
    g.free.unwrap_or_else(|| {
        let in_models: u64 = loaded.iter().map(|m| m.size_vram).sum();
        g.total
            .saturating_sub(in_models)
            .saturating_sub(g.foreign.unwrap_or(0))
    })
}

/// Sums every sample of a metric family in Prometheus text (all label sets).
fn metric_sum(text: &str, name: &str) -> u64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            // The name must end here: `foo_total` is not `foo_total_seconds`.
            let rest = match rest.as_bytes().first() {
                Some(b'{') => &rest[rest.find('}')? + 1..],
                Some(b' ') => rest,
                _ => return None,
            };
            rest.split_whitespace().next()?.parse::<f64>().ok()
        })
        .sum::<f64>() as u64
}

impl AppState {
    /// The status document, from the latest snapshots (no I/O).
    pub fn status(&self) -> RouterStatus {
        let settings = self.settings();
        let inv = self.inventory().load();
        let world = self.world();
        let loaded: Vec<LoadedStatus> = world
            .loaded
            .iter()
            .map(|m| LoadedStatus {
                name: m.name.clone(),
                context_length: m.context_length,
                size_bytes: m.size,
                vram_bytes: m.size_vram,
                percent_gpu: if m.size == 0 {
                    100.0
                } else {
                    (m.size_vram as f64 / m.size as f64 * 100.0).min(100.0)
                },
                busy: m.busy,
            })
            .collect();
        let gpu = world.gpu.as_ref().map(|g| {
            let free = free_bytes(g, &world.loaded);
            GpuStatus {
                name: g.name.clone(),
                source: g.source.clone(),
                total_bytes: g.total,
                used_bytes: g.total.saturating_sub(free),
                free_bytes: free,
                other_programs_bytes: g.foreign,
            }
        });
        let profiles = Kind::ALL
            .into_iter()
            .map(|kind| {
                let (pick, error) = match self.preview(kind) {
                    Ok(p) => (Some(p), None),
                    Err(e) => (None, Some(e)),
                };
                ProfileStatus {
                    kind: kind.as_str().into(),
                    candidates: settings.profile(kind).candidates,
                    pick,
                    error,
                }
            })
            .collect();
        let text = self.metrics().render();
        let m = |name: &str| metric_sum(&text, &format!("ollama_router_{name}"));
        let counters = Counters {
            requests: m("requests_total"),
            decisions: m("decisions_total"),
            reloads_caused: m("reloads_caused_total"),
            reloads_avoided: m("reloads_avoided_total"),
            spills_predicted: m("spills_predicted_total"),
            truncations_prevented: m("truncations_prevented_total"),
            route_failures: m("route_failures_total"),
            upstream_errors: m("upstream_errors_total"),
            cancelled_streams: m("cancelled_streams_total"),
        };
        let recent = self
            .decisions()
            .recent()
            .iter()
            .take(20)
            .map(RecentDecision::from)
            .collect();
        RouterStatus {
            version: env!("CARGO_PKG_VERSION").into(),
            upstream: UpstreamStatus {
                url: self.upstream().base_url().to_string(),
                error: inv.last_error.clone(),
                installed_models: inv.installed.as_ref().map(|s| s.len()),
            },
            gpu,
            loaded,
            profiles,
            rules: settings
                .config
                .rules
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect(),
            recent,
            counters,
        }
    }

    /// What a short chat request forced to `kind` would get now. Runs the pure core only:
    /// nothing is recorded, no session is pinned.
    fn preview(&self, kind: Kind) -> Result<Pick, String> {
        let settings = self.settings();
        let body = format!(
            r#"{{"model":"auto:{}","messages":[{{"role":"user","content":"status preview"}}]}}"#,
            kind.as_str()
        );
        // The same side-effect-free planning `/router/explain` uses.
        let headers = http::HeaderMap::new();
        let routed = self
            .explain(crate::pipeline::RouteInput {
                settings,
                dialect: Dialect::Ollama,
                endpoint: Endpoint::Chat,
                body: body.as_bytes(),
                headers: &headers,
                hint: None,
                session: None,
            })
            .map_err(|e| e.to_string())?;
        let d = routed
            .decision
            .as_deref()
            .cloned()
            .ok_or_else(|| "no decision".to_owned())?;
        Ok(Pick {
            reason: d.reason(),
            model: d.model,
            num_ctx: d.num_ctx,
            loaded: d.fit.loaded,
            spill_percent: d.fit.spill_fraction * 100.0,
            predicted_tps: d.fit.predicted_tps,
        })
    }
}

const GIB: f64 = (1u64 << 30) as f64;

fn gib(b: u64) -> String {
    format!("{:.1} GiB", b as f64 / GIB)
}

/// Text for a person: `color` adds ANSI colours (only for a terminal).
pub fn render_text(s: &RouterStatus, router_url: &str, color: bool) -> String {
    use std::fmt::Write;
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let bold = |t: &str| paint("1", t);
    let mut o = String::new();
    let upstream = match &s.upstream.error {
        Some(e) => format!(
            "{} ({})",
            s.upstream.url,
            paint("31", &format!("error: {e}"))
        ),
        None => format!(
            "{} ({} models installed)",
            s.upstream.url,
            s.upstream
                .installed_models
                .map_or("?".to_string(), |n| n.to_string())
        ),
    };
    let _ = writeln!(
        o,
        "{} {} at {router_url}, Ollama {upstream}",
        bold("ollama-router"),
        s.version
    );
    match &s.gpu {
        Some(g) => {
            const WIDTH: usize = 40;
            let other = g.other_programs_bytes.unwrap_or(0).min(g.used_bytes);
            let cells =
                |b: u64| ((b as f64 / g.total_bytes.max(1) as f64) * WIDTH as f64).round() as usize;
            let n_used = cells(g.used_bytes).min(WIDTH);
            let n_other = cells(other).min(n_used);
            let bar = format!(
                "{}{}{}",
                paint("34", &"█".repeat(n_used - n_other)),
                paint("33", &"█".repeat(n_other)),
                paint("90", &"░".repeat(WIDTH - n_used)),
            );
            let others = g.other_programs_bytes.map_or("unknown".to_string(), gib);
            let _ = writeln!(
                o,
                "{} {} ({})\n  [{bar}] {} used / {} free of {}; other programs {others}",
                bold("GPU"),
                g.name,
                g.source,
                gib(g.used_bytes),
                gib(g.free_bytes),
                gib(g.total_bytes),
            );
        }
        None => {
            let _ = writeln!(o, "{} no reading yet", bold("GPU"));
        }
    }
    let _ = writeln!(o, "{}", bold("Loaded models"));
    if s.loaded.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for m in &s.loaded {
        let _ = writeln!(
            o,
            "  {:<34} ctx {:>6}  {:>9}  {:>3.0}% GPU{}",
            m.name,
            m.context_length,
            gib(m.vram_bytes),
            m.percent_gpu,
            if m.busy { "  streaming" } else { "" }
        );
    }
    let _ = writeln!(o, "{}", bold("Profiles (what each would pick now)"));
    for p in &s.profiles {
        match &p.pick {
            Some(k) => {
                let mut notes = vec![format!("~{:.0} tok/s", k.predicted_tps)];
                if k.loaded {
                    notes.insert(0, "loaded".into());
                }
                if k.spill_percent > 0.0 {
                    notes.push(format!("spills {:.0}%", k.spill_percent));
                }
                let _ = writeln!(
                    o,
                    "  {:<8} {:<34} ctx {:>6}  {}",
                    p.kind,
                    k.model,
                    k.num_ctx,
                    notes.join(", ")
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "  {:<8} {}",
                    p.kind,
                    paint("31", p.error.as_deref().unwrap_or("nothing"))
                );
            }
        }
    }
    let _ = writeln!(o, "{}", bold("Last decisions"));
    if s.recent.is_empty() {
        let _ = writeln!(o, "  none yet");
    }
    for d in s.recent.iter().take(5) {
        let time = d.at.get(11..19).unwrap_or(&d.at);
        let _ = writeln!(
            o,
            "  {time}  {:<9} {:<7} {:<34} ctx {:>6}  {} tok",
            d.dialect, d.kind, d.model, d.num_ctx, d.prompt_tokens
        );
    }
    let c = &s.counters;
    let _ = writeln!(
        o,
        "{} requests {} · routed {} · model loads {} · reloads avoided {} · spills predicted {} · \
         truncations prevented {} · could not route {} · upstream errors {} · cancelled {}",
        bold("Counters"),
        c.requests,
        c.decisions,
        c.reloads_caused,
        c.reloads_avoided,
        c.spills_predicted,
        c.truncations_prevented,
        c.route_failures,
        c.upstream_errors,
        c.cancelled_streams
    );
    o
}

/// Fetches `GET {url}/router/status` (the router's own endpoint, not Ollama's).
pub async fn fetch(client: &reqwest::Client, url: &str) -> Result<RouterStatus, String> {
    let endpoint = format!("{}/router/status", url.trim_end_matches('/'));
    let resp = client
        .get(&endpoint)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| format!("cannot reach the router at {url}: {e} (is `ollama-router serve` running? pick another with --url)"))?;
    if !resp.status().is_success() {
        return Err(format!("{endpoint} answered {}", resp.status()));
    }
    resp.json()
        .await
        .map_err(|e| format!("{endpoint} sent something that is not a router status: {e}"))
}

/// `ollama-router status`: prints once, or redraws every `interval` with `watch`. Exits non-zero
/// when the router does not answer (the Docker healthcheck relies on it).
#[expect(clippy::print_stdout, reason = "the status is the command's output")]
pub async fn run(url: &str, json: bool, watch: bool, interval: Duration) -> std::process::ExitCode {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        match fetch(&client, url).await {
            Ok(s) if json => println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default()),
            Ok(s) => {
                if watch && tty {
                    // Home and clear: redraw in place like `watch`.
                    print!("\x1b[H\x1b[2J");
                }
                print!("{}", render_text(&s, url, tty));
            }
            Err(e) => {
                eprintln!("ollama-router status: {e}");
                if !watch {
                    return std::process::ExitCode::FAILURE;
                }
            }
        }
        if !watch {
            return std::process::ExitCode::SUCCESS;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return std::process::ExitCode::SUCCESS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_metric_families_by_exact_name() {
        let text = "# HELP x\nollama_router_requests_total{dialect=\"openai\",outcome=\"ok\"} 2\n\
                    ollama_router_requests_total{dialect=\"ollama\",outcome=\"ok\"} 3\n\
                    ollama_router_requests_total_other 7\nollama_router_spills_predicted_total 1\n";
        assert_eq!(metric_sum(text, "ollama_router_requests_total"), 5);
        assert_eq!(metric_sum(text, "ollama_router_spills_predicted_total"), 1);
        assert_eq!(metric_sum(text, "ollama_router_missing_total"), 0);
    }
}

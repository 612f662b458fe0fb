//! End-to-end overhead of the router: the same requests sent straight to the simulated Ollama
//! (fast mode, no sleeping) and through the router, in one run, on one pooled HTTP client.
//!
//! Sections (each prints its numbers and the DESIGN.md budget it is checked against):
//! - `overhead`: added latency of a 64 KB coding prompt (non-streamed; and of a 1 KB one, which
//!   shows the cost of the extra hop alone), p50 / p99 / mean, from per-request timings of
//!   interleaved direct and routed requests.
//! - `overhead-process`: the same through the real `ollama-router serve` binary in its own process
//!   (its own runtime threads and its default logging), as users run it.
//! - `floor`: the same requests through a byte-level TCP splice and a bare axum + reqwest
//!   forwarder (no routing) next to the router: what any proxy adds on this machine, and what is
//!   the router's own.
//! - `ttfb`: added time to the first streamed byte.
//! - `relay`: added delay per streamed chunk, with chunks written 1 ms apart by a stand-in
//!   upstream (the fast simulator writes its few lines back to back).
//! - `throughput`: requests per second at concurrency 1, 16 and 64 (small prompts), direct vs
//!   through the router.
//! - `rss`: resident memory of a real `ollama-router serve` process (the bench profile's binary)
//!   in front of the simulator, idle after start and idle after serving 200 requests.
//! - criterion groups `e2e/...`: criterion's own estimates of the same round trips.
//!
//! Everything (client, router, simulator) shares this process and its 2 cores, so the numbers
//! include their competition for the CPU — as on a developer's machine, where the router, Ollama
//! and the editor share it too.
//!
//! Run all: `CARGO_TARGET_DIR=/work/target cargo bench --bench proxy`.
//! A subset: `cargo bench --bench proxy -- overhead` (or `overhead-process`, `floor`, `ttfb`, `relay`, `throughput`,
//! `rss`, `e2e`).
//! `cargo test --bench proxy` runs every section once with tiny counts (a smoke test).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::serve::ListenerExt;
use bytes::Bytes;
use criterion::Criterion;
use http::HeaderMap;
use ollama_router::AppState;
use ollama_router::config::{Config, GpuSource, Settings};
use ollama_router::pipeline::RouteInput;
use ollama_sim::sim::{self, SimConfig, SimHandle};
use router_core::request::{Dialect, Endpoint};
use serde_json::json;

/// What the command line asked for: criterion's conventions (`--bench` from `cargo bench`; its
/// absence means `cargo test`), plus an optional name filter.
struct Args {
    bench: bool,
    list: bool,
    filter: Option<String>,
}

impl Args {
    fn parse() -> Args {
        let args: Vec<String> = std::env::args().skip(1).collect();
        // Criterion options that take a value; their value is not a filter.
        let with_value = [
            "--save-baseline",
            "--baseline",
            "--load-baseline",
            "--sample-size",
            "--warm-up-time",
            "--measurement-time",
            "--profile-time",
            "--color",
            "--output-format",
            "--format",
            "--plotting-backend",
            "--nresamples",
            "--noise-threshold",
            "--confidence-level",
            "--significance-level",
        ];
        let mut filter = None;
        let mut skip = false;
        for a in &args {
            if skip {
                skip = false;
            } else if with_value.contains(&a.as_str()) {
                skip = true;
            } else if !a.starts_with('-') && filter.is_none() {
                filter = Some(a.clone());
            }
        }
        Args {
            bench: args.iter().any(|a| a == "--bench"),
            list: args.iter().any(|a| a == "--list"),
            filter,
        }
    }

    fn wants(&self, section: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| section.contains(f))
    }

    /// Full counts under `cargo bench`, a handful under `cargo test`.
    fn n(&self, full: usize) -> usize {
        if self.bench { full } else { 3 }
    }
}

/// The simulator and a router in front of it, both on `127.0.0.1:0`.
struct Env {
    sim: SimHandle,
    router: SocketAddr,
    state: AppState,
    http: reqwest::Client,
    _server: AbortOnDrop,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Env {
    async fn start() -> Env {
        let sim = sim::spawn(SimConfig {
            fast: true,
            ..SimConfig::default()
        })
        .await
        .expect("start the simulator");
        let mut config = Config::default();
        config.upstream.url = sim.url();
        config.gpu.source = GpuSource::Sim;
        let state = AppState::for_settings(Settings::compile(config, None).expect("config"))
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let router = listener.local_addr().expect("addr");
        // As `ollama-router serve` does: small streamed chunks must not wait for Nagle.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = ollama_router::app(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let env = Env {
            sim,
            router,
            state,
            http: reqwest::Client::new(),
            _server: AbortOnDrop(server),
        };
        env.http
            .post(env.router_url("/router/refresh"))
            .send()
            .await
            .expect("router refresh");
        env
    }

    fn router_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.router)
    }

    fn sim_url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.url())
    }

    /// The body the router would send upstream for `body`: sending it straight to the simulator
    /// makes it do exactly the same work on both paths (same model, same `num_ctx`, no reload).
    fn routed(&self, body: &[u8]) -> Bytes {
        let routed = self
            .state
            .route(RouteInput {
                settings: self.state.settings(),
                dialect: Dialect::Ollama,
                endpoint: Endpoint::Chat,
                body,
                headers: &HeaderMap::new(),
                hint: None,
                session: None,
            })
            .expect("the bench prompt is routable");
        routed.body
    }

    /// One whole request; returns its duration. Panics on a non-2xx answer: a bench that measures
    /// errors measures nothing.
    async fn round_trip(&self, url: &str, body: Bytes) -> Duration {
        let start = Instant::now();
        let resp = self
            .http
            .post(url)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        assert!(
            status.is_success(),
            "{url}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        start.elapsed()
    }

    /// A streamed request: time to the first body byte, total time and the number of NDJSON lines.
    async fn stream(&self, url: &str, body: Bytes) -> (Duration, Duration, usize) {
        let start = Instant::now();
        let mut resp = self
            .http
            .post(url)
            .body(body)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        let mut first = None;
        let mut lines = 0;
        while let Some(chunk) = resp.chunk().await.expect("chunk") {
            first.get_or_insert_with(|| start.elapsed());
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        (first.unwrap_or_default(), start.elapsed(), lines)
    }
}

/// A chat body of about `bytes` bytes of code pasted into the user message with the question, as
/// Continue and OpenCode send context.
fn chat_body(bytes: usize, stream: bool) -> Vec<u8> {
    let line = "    let value = parse(\"key\\tvalue\", &mut cursor)?; // keep the cursor in sync\n";
    let code = line.repeat(bytes / line.len() + 1)[..bytes].to_string();
    serde_json::to_vec(&json!({
        "model": "qwen3:8b",
        "messages": [
            {"role": "system", "content": "You are a coding assistant."},
            {"role": "user", "content": format!("{code}\nWhy does parse fail on an empty cursor?")}
        ],
        "stream": stream
    }))
    .expect("serialize")
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Nearest-rank percentile of durations, in microseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    micros(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn mean(v: &[Duration]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().map(|d| micros(*d)).sum::<f64>() / v.len() as f64
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "within budget" } else { "OVER BUDGET" }
}

#[allow(clippy::print_stdout, reason = "a bench reports on stdout")]
fn report(line: String) {
    println!("{line}");
}

/// Added latency for a 1 KB and a 64 KB prompt (the budget is for 64 KB; 1 KB shows the cost of
/// the extra hop itself). Direct and routed requests alternate so drift (frequency scaling, other
/// processes) affects both equally.
async fn overhead(env: &Env, args: &Args) {
    for (label, size, budget) in [("1KB", 1024, false), ("64KB", 64 * 1024, true)] {
        overhead_at(env, args, label, size, budget).await;
    }
}

async fn overhead_at(env: &Env, args: &Args, label: &str, size: usize, budget: bool) {
    let original = Bytes::from(chat_body(size, false));
    let routed = env.routed(&original);
    let (direct_url, router_url) = (env.sim_url("/api/chat"), env.router_url("/api/chat"));
    for _ in 0..args.n(200) {
        env.round_trip(&direct_url, routed.clone()).await;
        env.round_trip(&router_url, original.clone()).await;
    }
    let n = args.n(3000);
    let mut direct = Vec::with_capacity(n);
    let mut via = Vec::with_capacity(n);
    for i in 0..n {
        // Alternate which goes first, so neither always runs on a just-warmed connection.
        if i % 2 == 0 {
            direct.push(env.round_trip(&direct_url, routed.clone()).await);
            via.push(env.round_trip(&router_url, original.clone()).await);
        } else {
            via.push(env.round_trip(&router_url, original.clone()).await);
            direct.push(env.round_trip(&direct_url, routed.clone()).await);
        }
        if i % 500 == 0 {
            env.sim.sim.clear_requests();
        }
    }
    direct.sort();
    via.sort();
    let added_p50 = pct(&via, 50.0) - pct(&direct, 50.0);
    let added_p99 = pct(&via, 99.0) - pct(&direct, 99.0);
    let verdicts = if budget {
        format!(
            "\n  budget: added p50 ≤ 100 µs: {}; added p99 ≤ 1000 µs: {}",
            verdict(added_p50 <= 100.0),
            verdict(added_p99 <= 1000.0)
        )
    } else {
        String::new()
    };
    report(format!(
        "overhead/{label} ({} bytes, {n} requests each, non-stream)\n  direct: p50 {:.0} µs  p99 {:.0} µs  mean {:.0} µs\n  router: p50 {:.0} µs  p99 {:.0} µs  mean {:.0} µs\n  added:  p50 {added_p50:.0} µs  p99 {added_p99:.0} µs  mean {:.0} µs{verdicts}",
        original.len(),
        pct(&direct, 50.0),
        pct(&direct, 99.0),
        mean(&direct),
        pct(&via, 50.0),
        pct(&via, 99.0),
        mean(&via),
        mean(&via) - mean(&direct),
    ));
}

/// A byte-level TCP relay to the simulator: the least any proxy on loopback can add.
async fn spawn_tcp_splice(upstream: SocketAddr) -> (SocketAddr, AbortOnDrop) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = inbound.set_nodelay(true);
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                    let _ = outbound.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, AbortOnDrop(task))
}

/// An HTTP forwarder on the router's own stack (axum in, reqwest out, body streamed back) that
/// does no routing: what the router would cost if routing were free.
async fn spawn_bare_forwarder(upstream: String) -> (SocketAddr, AbortOnDrop) {
    use axum::extract::State;
    use axum::routing::post;
    let client = reqwest::Client::new();
    let app = axum::Router::new()
        .route(
            "/api/chat",
            post(
                |State((client, upstream)): State<(reqwest::Client, String)>, body: Bytes| async move {
                    let resp = client
                        .post(format!("{upstream}/api/chat"))
                        .header(http::header::CONTENT_TYPE, "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("upstream");
                    let mut out = axum::response::Response::builder().status(resp.status());
                    if let Some(h) = out.headers_mut() {
                        for (k, v) in resp.headers() {
                            h.insert(k, v.clone());
                        }
                    }
                    out.body(axum::body::Body::from_stream(resp.bytes_stream())).expect("response")
                },
            ),
        )
        .with_state((client, upstream));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, AbortOnDrop(task))
}

/// How much of the router's added latency any proxy would add on this machine: the same requests
/// through a TCP splice, a bare axum + reqwest forwarder (no routing) and the router, interleaved.
async fn floor(env: &Env, args: &Args) {
    let (splice, _splice_task) = spawn_tcp_splice(env.sim.addr).await;
    let (bare, _bare_task) = spawn_bare_forwarder(env.sim.url()).await;
    for (label, size) in [("1KB", 1024), ("64KB", 64 * 1024)] {
        let original = Bytes::from(chat_body(size, false));
        let routed = env.routed(&original);
        // The splice and the bare forwarder do not route: they get the routed body.
        let paths = [
            ("direct", env.sim_url("/api/chat"), routed.clone()),
            (
                "tcp splice",
                format!("http://{splice}/api/chat"),
                routed.clone(),
            ),
            (
                "bare forwarder",
                format!("http://{bare}/api/chat"),
                routed.clone(),
            ),
            ("router", env.router_url("/api/chat"), original.clone()),
        ];
        for _ in 0..args.n(200) {
            for (_, url, body) in &paths {
                env.round_trip(url, body.clone()).await;
            }
        }
        let n = args.n(2000);
        let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(n); paths.len()];
        for i in 0..n {
            // Rotate the order so no path always follows the same one.
            for k in 0..paths.len() {
                let j = (i + k) % paths.len();
                let (_, url, body) = &paths[j];
                times[j].push(env.round_trip(url, body.clone()).await);
            }
            if i % 500 == 0 {
                env.sim.sim.clear_requests();
            }
        }
        for t in &mut times {
            t.sort();
        }
        let base50 = pct(&times[0], 50.0);
        let base99 = pct(&times[0], 99.0);
        let mut text = format!("floor/{label} ({n} requests per path; added vs direct)");
        for ((name, _, _), t) in paths.iter().zip(&times) {
            text.push_str(&format!(
                "\n  {name:>14}: p50 {:>5.0} µs  p99 {:>5.0} µs   added p50 {:>4.0} µs  p99 {:>4.0} µs",
                pct(t, 50.0),
                pct(t, 99.0),
                pct(t, 50.0) - base50,
                pct(t, 99.0) - base99
            ));
        }
        report(text);
    }
}

/// Added time to the first streamed byte of a streamed answer (the fast simulator sends its few
/// lines back to back; `relay` measures chunks that arrive apart).
async fn ttfb(env: &Env, args: &Args) {
    let original = Bytes::from(chat_body(4 * 1024, true));
    let routed = env.routed(&original);
    let (direct_url, router_url) = (env.sim_url("/api/chat"), env.router_url("/api/chat"));
    for _ in 0..args.n(200) {
        env.stream(&direct_url, routed.clone()).await;
        env.stream(&router_url, original.clone()).await;
    }
    let n = args.n(3000);
    let (mut d_first, mut d_total, mut r_first, mut r_total) = (vec![], vec![], vec![], vec![]);
    let mut lines = 0;
    for i in 0..n {
        let (f, t, l) = env.stream(&direct_url, routed.clone()).await;
        d_first.push(f);
        d_total.push(t);
        let (f, t, _) = env.stream(&router_url, original.clone()).await;
        r_first.push(f);
        r_total.push(t);
        lines = l;
        if i % 500 == 0 {
            env.sim.sim.clear_requests();
        }
    }
    for v in [&mut d_first, &mut d_total, &mut r_first, &mut r_total] {
        v.sort();
    }
    let added_first = pct(&r_first, 50.0) - pct(&d_first, 50.0);
    report(format!(
        "ttfb/stream ({lines} NDJSON lines per answer, {n} requests each)\n  first byte: direct p50 {:.0} µs, router p50 {:.0} µs; added p50 {added_first:.0} µs ({}, ≤ 150 µs), added p99 {:.0} µs\n  whole stream: direct p50 {:.0} µs, router p50 {:.0} µs",
        pct(&d_first, 50.0),
        pct(&r_first, 50.0),
        verdict(added_first <= 150.0),
        pct(&r_first, 99.0) - pct(&d_first, 99.0),
        pct(&d_total, 50.0),
        pct(&r_total, 50.0),
    ));
}

/// When the fake upstream started; lines carry their send time relative to it.
static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn since_epoch_ns() -> u64 {
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A stand-in for Ollama that streams `lines` NDJSON chunks one millisecond apart, each stamped
/// with the moment it was written, so a client can tell how long each chunk took to arrive.
async fn spawn_ticker(lines: usize) -> (SocketAddr, AbortOnDrop) {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/api/chat",
        post(move || async move {
            let stream = futures_util::stream::unfold(0usize, move |i| async move {
                if i > lines {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
                let line = if i < lines {
                    format!(
                        "{{\"model\":\"qwen3:8b\",\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{{\"role\":\"assistant\",\"content\":\" tok\"}},\"done\":false,\"t\":{}}}\n",
                        since_epoch_ns()
                    )
                } else {
                    format!(
                        "{{\"model\":\"qwen3:8b\",\"created_at\":\"2026-01-01T00:00:00Z\",\"message\":{{\"role\":\"assistant\",\"content\":\"\"}},\"done\":true,\"done_reason\":\"stop\",\"eval_count\":{lines},\"eval_duration\":1000000,\"t\":{}}}\n",
                        since_epoch_ns()
                    )
                };
                Some((Ok::<_, std::convert::Infallible>(Bytes::from(line)), i + 1))
            });
            ([(http::header::CONTENT_TYPE, "application/x-ndjson")], axum::body::Body::from_stream(stream))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, AbortOnDrop(task))
}

/// Per-line delay (arrival − send) of a streamed answer, in microseconds.
async fn line_delays(http: &reqwest::Client, url: &str, body: Bytes, out: &mut Vec<f64>) {
    let mut resp = http.post(url).body(body).send().await.expect("request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    let mut splitter = ollama_router::stream::LineSplitter::new();
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        let now = since_epoch_ns();
        for line in splitter.push(&chunk) {
            let text = String::from_utf8_lossy(&line);
            if let Some(sent) = text
                .rsplit_once("\"t\":")
                .and_then(|(_, rest)| rest.trim_end_matches('}').parse::<u64>().ok())
            {
                out.push(now.saturating_sub(sent) as f64 / 1000.0);
            }
        }
    }
}

/// The relay's cost per streamed chunk: chunks written 1 ms apart (as tokens arrive from a real
/// model, each its own write) are timed from write to arrival, straight from the upstream and
/// through a router in front of it.
async fn relay(args: &Args) {
    let lines = if args.bench { 200 } else { 10 };
    let (ticker, _ticker_task) = spawn_ticker(lines).await;
    let mut config = Config::default();
    config.upstream.url = format!("http://{ticker}");
    config.gpu.source = GpuSource::Static;
    let state =
        AppState::for_settings(Settings::compile(config, None).expect("config")).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let router = listener.local_addr().expect("addr");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = ollama_router::app(state);
    let _server = AbortOnDrop(tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    }));
    let http = reqwest::Client::new();
    let body = Bytes::from(chat_body(1024, true));
    let (direct_url, router_url) = (
        format!("http://{ticker}/api/chat"),
        format!("http://{router}/api/chat"),
    );
    let (mut direct, mut via) = (Vec::new(), Vec::new());
    let mut scratch = Vec::new();
    line_delays(&http, &direct_url, body.clone(), &mut scratch).await;
    line_delays(&http, &router_url, body.clone(), &mut scratch).await;
    for _ in 0..args.n(40) {
        line_delays(&http, &direct_url, body.clone(), &mut direct).await;
        line_delays(&http, &router_url, body.clone(), &mut via).await;
    }
    let p = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            0.0
        } else {
            v[(((q / 100.0) * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
        }
    };
    report(format!(
        "relay/chunk ({} chunks each way, written 1 ms apart)\n  write → arrival: direct p50 {:.1} µs p99 {:.1} µs; router p50 {:.1} µs p99 {:.1} µs\n  added per chunk: p50 {:.1} µs, p99 {:.1} µs",
        direct.len(),
        p(&mut direct, 50.0),
        p(&mut direct, 99.0),
        p(&mut via, 50.0),
        p(&mut via, 99.0),
        p(&mut via, 50.0) - p(&mut direct, 50.0),
        p(&mut via, 99.0) - p(&mut direct, 99.0),
    ));
}

/// Requests per second with `concurrency` clients sending `total` small requests between them.
async fn rate(env: &Arc<Env>, url: String, body: Bytes, concurrency: usize, total: usize) -> f64 {
    let start = Instant::now();
    let per_worker = total / concurrency;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (env, url, body) = (env.clone(), url.clone(), body.clone());
            tokio::spawn(async move {
                for _ in 0..per_worker {
                    env.round_trip(&url, body.clone()).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    (per_worker * concurrency) as f64 / start.elapsed().as_secs_f64()
}

async fn throughput(env: &Arc<Env>, args: &Args) {
    let original = Bytes::from(chat_body(1024, false));
    let routed = env.routed(&original);
    let (direct_url, router_url) = (env.sim_url("/api/chat"), env.router_url("/api/chat"));
    for concurrency in [1, 16, 64] {
        let total = args.n(2000).max(concurrency * 2);
        // Warm the pool to this concurrency on both paths first.
        rate(
            env,
            direct_url.clone(),
            routed.clone(),
            concurrency,
            concurrency * 2,
        )
        .await;
        rate(
            env,
            router_url.clone(),
            original.clone(),
            concurrency,
            concurrency * 2,
        )
        .await;
        let direct = rate(env, direct_url.clone(), routed.clone(), concurrency, total).await;
        let via = rate(
            env,
            router_url.clone(),
            original.clone(),
            concurrency,
            total,
        )
        .await;
        env.sim.sim.clear_requests();
        report(format!(
            "throughput/c{concurrency} (1 KB prompt, {total} requests): direct {direct:.0} req/s, router {via:.0} req/s ({:.0} % of direct)",
            via / direct * 100.0
        ));
    }
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn rss_mib(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// A real `ollama-router serve` (the binary cargo built for this bench profile) in front of the
/// in-process simulator, with its default logging (info to stderr, sent to /dev/null here) and no
/// user configuration or state outside a temp dir.
struct RouterProcess {
    child: tokio::process::Child,
    pid: u32,
    base: String,
    _dir: tempfile::TempDir,
}

impl RouterProcess {
    async fn start(env: &Env) -> Result<RouterProcess, String> {
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_ollama-router"));
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("free port: {e}"))?
            .port();
        let mut child = tokio::process::Command::new(&binary)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--upstream",
                &env.sim.url(),
            ])
            .current_dir(dir.path())
            .env_remove("OLLAMA_ROUTER_CONFIG")
            .env_remove("RUST_LOG")
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let pid = child.id().unwrap_or(0);
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if let Ok(r) = env.http.get(format!("{base}/router/health")).send().await
                && r.status().is_success()
            {
                return Ok(RouterProcess {
                    child,
                    pid,
                    base,
                    _dir: dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill().await;
        Err(format!(
            "{} did not answer /router/health within 5 s",
            binary.display()
        ))
    }
}

/// The 64 KB and 1 KB round trips again, through the real binary in its own process (its own
/// runtime threads, its logging), instead of a router inside the bench process.
async fn overhead_process(env: &Env, args: &Args) {
    let router = match RouterProcess::start(env).await {
        Ok(r) => r,
        Err(e) => {
            report(format!("overhead-process: skipped, {e}"));
            return;
        }
    };
    for (label, size) in [("1KB", 1024), ("64KB", 64 * 1024)] {
        let original = Bytes::from(chat_body(size, false));
        let routed = env.routed(&original);
        let (direct_url, router_url) = (
            env.sim_url("/api/chat"),
            format!("{}/api/chat", router.base),
        );
        for _ in 0..args.n(200) {
            env.round_trip(&direct_url, routed.clone()).await;
            env.round_trip(&router_url, original.clone()).await;
        }
        let n = args.n(3000);
        let (mut direct, mut via) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            direct.push(env.round_trip(&direct_url, routed.clone()).await);
            via.push(env.round_trip(&router_url, original.clone()).await);
            if i % 500 == 0 {
                env.sim.sim.clear_requests();
            }
        }
        direct.sort();
        via.sort();
        let added_p50 = pct(&via, 50.0) - pct(&direct, 50.0);
        let added_p99 = pct(&via, 99.0) - pct(&direct, 99.0);
        let budget = if size == 64 * 1024 {
            format!(
                " (p50 {}, p99 {})",
                verdict(added_p50 <= 100.0),
                verdict(added_p99 <= 1000.0)
            )
        } else {
            String::new()
        };
        report(format!(
            "overhead-process/{label} ({n} requests each): direct p50 {:.0} µs p99 {:.0} µs; router process p50 {:.0} µs p99 {:.0} µs; added p50 {added_p50:.0} µs p99 {added_p99:.0} µs{budget}",
            pct(&direct, 50.0),
            pct(&direct, 99.0),
            pct(&via, 50.0),
            pct(&via, 99.0),
        ));
    }
    drop(router);
}

/// Idle memory of the real binary, in its own process, so the bench's allocations do not count.
async fn rss(env: &Env, args: &Args) {
    let mut router = match RouterProcess::start(env).await {
        Ok(r) => r,
        Err(e) => {
            report(format!("rss: skipped, {e}"));
            return;
        }
    };
    let (pid, base) = (router.pid, router.base.clone());
    // Let the pollers (inventory, GPU) run a few times.
    tokio::time::sleep(Duration::from_millis(if args.bench { 3000 } else { 300 })).await;
    let fresh = rss_mib(pid);
    let body = Bytes::from(chat_body(64 * 1024, true));
    let url = format!("{base}/api/chat");
    let served = args.n(200);
    for _ in 0..served {
        env.round_trip(&url, body.clone()).await;
    }
    tokio::time::sleep(Duration::from_millis(if args.bench { 3000 } else { 300 })).await;
    let after = rss_mib(pid);
    let _ = router.child.kill().await;
    match (fresh, after) {
        (Some((idle, _)), Some((after, peak))) => report(format!(
            "rss ({}): idle after start {idle:.1} MiB ({}, ≤ 20 MB = 19.1 MiB); idle after {served} × 64 KB requests {after:.1} MiB ({}); peak {peak:.1} MiB",
            env!("CARGO_BIN_EXE_ollama-router"),
            verdict(idle <= 19.07),
            verdict(after <= 19.07),
        )),
        _ => report("rss: skipped, /proc/PID/status is not readable here".into()),
    }
}

/// Criterion's view of the same round trips (mean and confidence interval).
fn criterion_groups(rt: &tokio::runtime::Runtime, env: &Env) {
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let original = Bytes::from(chat_body(64 * 1024, false));
    let routed = env.routed(&original);
    let (direct_url, router_url) = (env.sim_url("/api/chat"), env.router_url("/api/chat"));
    let mut g = c.benchmark_group("e2e/64KB");
    g.bench_function("direct", |b| {
        b.to_async(rt)
            .iter(|| env.round_trip(&direct_url, routed.clone()))
    });
    g.bench_function("router", |b| {
        b.to_async(rt)
            .iter(|| env.round_trip(&router_url, original.clone()))
    });
    g.finish();
    c.final_summary();
}

fn main() {
    let args = Args::parse();
    if args.list {
        for name in [
            "overhead: bench",
            "ttfb: bench",
            "throughput: bench",
            "rss: bench",
            "e2e/64KB/direct: bench",
            "e2e/64KB/router: bench",
        ] {
            report(name.into());
        }
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let env = Arc::new(rt.block_on(Env::start()));
    rt.block_on(async {
        if args.wants("overhead") {
            overhead(&env, &args).await;
        }
        if args.wants("overhead-process") {
            overhead_process(&env, &args).await;
        }
        if args.wants("floor") {
            floor(&env, &args).await;
        }
        if args.wants("ttfb") {
            ttfb(&env, &args).await;
        }
        if args.wants("relay") {
            relay(&args).await;
        }
        if args.wants("throughput") {
            throughput(&env, &args).await;
        }
        if args.wants("rss") {
            rss(&env, &args).await;
        }
    });
    if args.wants("e2e/64KB/direct") || args.wants("e2e/64KB/router") {
        criterion_groups(&rt, &env);
    }
}

//! Micro-benchmarks of the router's CPU work per request, on 1 KB, 64 KB and 1 MB coding prompts:
//! token estimate, `classify`, `decide`, the body rewrite, the whole `AppState::route` (the
//! "1 MB classify + decide + rewrite ≤ 3 ms" budget), the OpenAI and Anthropic translators
//! (request and stream frames) and NDJSON line framing.
//!
//! Run all: `CARGO_TARGET_DIR=/work/target cargo bench --bench core`.
//! Run a subset by name: `cargo bench --bench core -- route/` (or `estimate`, `classify`, `decide`,
//! `rewrite`, `openai`, `anthropic`, `ndjson`); `-- 1MB` runs only the 1 MB cases.

use std::collections::HashSet;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http::HeaderMap;
use ollama_router::AppState;
use ollama_router::config::Settings;
use ollama_router::inventory::Inventory;
use ollama_router::pipeline::{RouteInput, rewrite_native};
use ollama_router::stream::LineSplitter;
use router_core::catalog::Catalog;
use router_core::classify::classify;
use router_core::request::{Dialect, Endpoint, parse_native};
use router_core::route::{Candidates, GpuView, LoadedModel, decide};
use router_core::tokens::{Calibration, NoCache, estimate_body};
use router_core::translate::{anthropic, native, openai};
use serde_json::{Value, json};

const GIB: u64 = 1024 * 1024 * 1024;

/// Prompt sizes the budgets talk about.
const SIZES: [(&str, usize); 3] = [("1KB", 1024), ("64KB", 64 * 1024), ("1MB", 1024 * 1024)];

/// About `bytes` of source code, with quotes, backslashes and newlines that JSON must escape.
fn code(bytes: usize) -> String {
    let line = "    let value = parse(\"key\\tvalue\", &mut cursor)?; // \"quoted\" path\n";
    line.repeat(bytes / line.len() + 1)[..bytes].to_string()
}

/// A coding chat: a system prompt, earlier user / assistant turns carrying code, and a last user
/// message with pasted code and the question (as Continue and OpenCode send context), sized so the
/// whole JSON body is close to `total` bytes. The rules' regexes scan that last message.
fn messages(total: usize) -> Vec<Value> {
    let system = "You are a coding assistant. Answer with code and short explanations.";
    let turns = (total / 16_384).clamp(1, 64);
    let per_turn = total.saturating_sub(system.len() + 200) / turns;
    let mut messages = vec![json!({"role": "system", "content": system})];
    for i in 0..turns - 1 {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        messages.push(json!({"role": role, "content": code(per_turn * 9 / 10)}));
    }
    let last = format!(
        "{}\nWhy does parse fail on an empty cursor?",
        code(per_turn * 9 / 10)
    );
    messages.push(json!({"role": "user", "content": last}));
    messages
}

/// One user message with the whole pasted file and the question (a chat question about a file).
fn pasted_body(total: usize) -> Vec<u8> {
    let text = format!(
        "{}\nWhy does parse fail on an empty cursor?",
        code(total.saturating_sub(200))
    );
    let body = json!({"model": "qwen3:8b", "stream": true, "messages": [
        {"role": "system", "content": "You are a coding assistant."},
        {"role": "user", "content": text}]});
    serde_json::to_vec(&body).unwrap()
}

fn native_body(total: usize) -> Vec<u8> {
    let body = json!({"model": "qwen3:8b", "messages": messages(total), "stream": true,
        "options": {"temperature": 0.2, "num_ctx": 4096}});
    serde_json::to_vec(&body).unwrap()
}

/// An Anthropic Messages body as Claude Code sends it: system blocks, alternating turns (the last a
/// user turn with the pasted code), a large `max_tokens`.
fn anthropic_body(total: usize) -> Vec<u8> {
    let turns = (total / 16_384).clamp(1, 64) | 1;
    let per_turn = total.saturating_sub(300) / turns;
    let messages: Vec<Value> = (0..turns)
        .map(|i| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            json!({"role": role, "content": [{"type": "text", "text": code(per_turn * 9 / 10)}]})
        })
        .collect();
    let body = json!({"model": "claude-sonnet-4-6", "max_tokens": 32000, "stream": true,
        "system": [{"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."}],
        "messages": messages, "metadata": {"user_id": "{\"session_id\":\"bench\"}"}});
    serde_json::to_vec(&body).unwrap()
}

fn openai_body(total: usize) -> Vec<u8> {
    let body = json!({"model": "auto", "messages": messages(total), "stream": true,
        "stream_options": {"include_usage": true}, "temperature": 0.2, "max_tokens": 2048});
    serde_json::to_vec(&body).unwrap()
}

/// A router state with what the pollers would have published: every catalog model installed,
/// qwen3:8b loaded at 16384, a 12 GiB GPU with 6 GiB free.
fn state() -> AppState {
    let state = AppState::for_settings(Settings::defaults()).unwrap();
    let installed: HashSet<String> = Catalog::builtin().iter().map(|m| m.name.clone()).collect();
    let mut inventory = Inventory::default();
    inventory.installed = Some(Arc::new(installed));
    inventory.loaded = Some(vec![LoadedModel {
        name: "qwen3:8b".into(),
        context_length: 16384,
        size: 8_300_000_000,
        size_vram: 8_300_000_000,
        busy: false,
    }]);
    state.inventory().store(inventory);
    state.set_gpu(Some(GpuView {
        source: "sim".into(),
        name: "bench".into(),
        total: 12 * GIB,
        free: Some(6 * GIB),
        foreign: Some(0),
        bandwidth_gbps: Some(504.0),
    }));
    state
}

fn pure_steps(c: &mut Criterion) {
    let state = state();
    let settings = state.settings();
    let headers = HeaderMap::new();
    let estimator = settings.config.routing.tokens;
    for (label, size) in SIZES {
        let body = native_body(size);
        let native = parse_native(&body).unwrap();
        let view = native
            .view(Dialect::Ollama, Endpoint::Chat, String::new(), None, None)
            .unwrap();
        let tokens = estimate_body(
            &native,
            Endpoint::Chat,
            estimator.per_message,
            estimator.per_image,
            &NoCache,
        )
        .tokens(&Calibration::default());
        let class = classify(&view, &headers, tokens, &settings, None, None);
        let world = state.world();
        // 1 MB (~350K estimated tokens) fits no model: `decide` takes its "prompt too long" path,
        // and the rewrite is measured with the decision a routable prompt gets.
        let decision = decide(&class, &view, Candidates::Profile, &settings, &world)
            .unwrap_or_else(|_| {
                let small = native_body(1024);
                let small = parse_native(&small).unwrap();
                let small_view = small
                    .view(Dialect::Ollama, Endpoint::Chat, String::new(), None, None)
                    .unwrap();
                let small_class = classify(&small_view, &headers, 300, &settings, None, None);
                decide(
                    &small_class,
                    &small_view,
                    Candidates::Profile,
                    &settings,
                    &world,
                )
                .unwrap()
            });

        let mut g = c.benchmark_group("estimate");
        g.throughput(Throughput::Bytes(body.len() as u64));
        // The whole fallback path, first seen: parse the body once, estimate per kind of text.
        // (Exact counting is benched in router-core: `cargo bench -p router-core --bench tokens`.)
        g.bench_with_input(BenchmarkId::from_parameter(label), &body, |b, body| {
            b.iter(|| {
                let native = parse_native(black_box(body)).unwrap();
                estimate_body(
                    &native,
                    Endpoint::Chat,
                    estimator.per_message,
                    estimator.per_image,
                    &NoCache,
                )
                .tokens(&Calibration::default())
            })
        });
        g.finish();

        let mut g = c.benchmark_group("classify");
        g.bench_function(label, |b| {
            b.iter(|| classify(black_box(&view), &headers, tokens, &settings, None, None))
        });
        g.finish();

        let mut g = c.benchmark_group("decide");
        g.bench_function(label, |b| {
            b.iter(|| {
                decide(
                    black_box(&class),
                    &view,
                    Candidates::Profile,
                    &settings,
                    &world,
                )
            })
        });
        g.finish();

        let mut g = c.benchmark_group("rewrite");
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(label, |b| {
            b.iter(|| rewrite_native(black_box(&native), &decision, &settings))
        });
        g.finish();
    }
}

/// Everything a native request costs the router before the upstream call, for a multi-turn history
/// and for one pasted file (`pasted_*`: the session hash and the rules then read the whole text).
/// The 1 MB prompt is too long for every model, so it measures parse + classify + decide up to the
/// "prompt too long" answer; add `rewrite/1MB` for the budget's classify + decide + rewrite.
fn route(c: &mut Criterion) {
    let state = state();
    let headers = HeaderMap::new();
    let mut g = c.benchmark_group("route");
    let shapes = SIZES
        .iter()
        .map(|(label, size)| (label.to_string(), native_body(*size)))
        .chain(
            SIZES
                .iter()
                .map(|(label, size)| (format!("pasted_{label}"), pasted_body(*size))),
        );
    for (label, body) in shapes {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label), &body, |b, body| {
            b.iter(|| {
                state
                    .route(RouteInput {
                        settings: state.settings(),
                        dialect: Dialect::Ollama,
                        endpoint: Endpoint::Chat,
                        body: black_box(body),
                        headers: &headers,
                        hint: None,
                        session: None,
                    })
                    .map(|routed| routed.body.len())
            })
        });
    }
    g.finish();
}

/// The OpenAI dialect: request translation (parse, translate, serialize the native body) and the
/// per-chunk cost of turning native NDJSON lines into SSE frames.
fn openai_translator(c: &mut Criterion) {
    let mut g = c.benchmark_group("openai/request");
    for (label, size) in SIZES {
        let body = openai_body(size);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label), &body, |b, body| {
            b.iter(|| {
                let request = openai::parse_chat_request(black_box(body)).unwrap();
                let native = openai::chat_request_to_native(&request).unwrap();
                serde_json::to_vec(&native).unwrap()
            })
        });
    }
    g.finish();

    let lines = stream_lines(64);
    let mut g = c.benchmark_group("openai/stream");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("64_chunks", |b| {
        b.iter(|| {
            let mut stream = openai::ChatStream::new("chatcmpl-bench".into(), 1_700_000_000, true);
            let mut bytes = 0;
            for line in &lines {
                let chunk: native::ChatChunk = serde_json::from_slice(black_box(line)).unwrap();
                bytes += stream.push(&chunk).len();
            }
            bytes
        })
    });
    g.finish();
}

/// The Anthropic dialect: request translation and stream events (SSE frames) per native chunk.
fn anthropic_translator(c: &mut Criterion) {
    let mut g = c.benchmark_group("anthropic/request");
    for (label, size) in SIZES {
        let body = anthropic_body(size);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(label), &body, |b, body| {
            b.iter(|| {
                let request = anthropic::parse_request(black_box(body)).unwrap();
                anthropic::validate_messages(&request).unwrap();
                let native = anthropic::to_native_chat(&request).unwrap();
                serde_json::to_vec(&native).unwrap()
            })
        });
    }
    g.finish();

    let lines = stream_lines(64);
    let mut g = c.benchmark_group("anthropic/stream");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("64_chunks", |b| {
        b.iter(|| {
            let ids = anthropic::ResponseIds {
                message_id: "msg_bench".into(),
                tool_id_prefix: "toolu_bench_".into(),
            };
            let mut stream = anthropic::StreamTranslator::new(ids, "qwen3:8b".into(), 900);
            let mut bytes = stream.start().map_or(0, |e| e.to_sse().len());
            for line in &lines {
                let chunk: native::ChatChunk = serde_json::from_slice(black_box(line)).unwrap();
                bytes += stream
                    .push(&chunk)
                    .iter()
                    .map(|e| e.to_sse().len())
                    .sum::<usize>();
            }
            bytes
        })
    });
    g.finish();
}

/// A native chat stream: `n - 1` content chunks and the final chunk with metrics.
fn stream_lines(n: usize) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = (0..n - 1)
        .map(|i| {
            serde_json::to_vec(
                &json!({"model": "qwen3:8b", "created_at": "2026-01-01T00:00:00.000000001Z",
                "message": {"role": "assistant", "content": format!(" token{i}")}, "done": false}),
            )
            .unwrap()
        })
        .collect();
    lines.push(
        serde_json::to_vec(&json!({"model": "qwen3:8b", "created_at": "2026-01-01T00:00:00.000000001Z",
            "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": "stop",
            "total_duration": 1_000_000_000u64, "load_duration": 1_000_000u64, "prompt_eval_count": 900,
            "prompt_eval_duration": 450_000_000u64, "eval_count": n, "eval_duration": 500_000_000u64}))
        .unwrap(),
    );
    lines
}

/// Line framing of a relayed native stream: network chunks that split lines anywhere.
fn ndjson(c: &mut Criterion) {
    let lines = stream_lines(256);
    let mut wire = Vec::new();
    for line in &lines {
        wire.extend_from_slice(line);
        wire.push(b'\n');
    }
    // Odd-sized reads, as TCP delivers them.
    let reads: Vec<&[u8]> = wire.chunks(1500).collect();
    let mut g = c.benchmark_group("ndjson");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("split_256_lines", |b| {
        b.iter(|| {
            let mut splitter = LineSplitter::new();
            let mut n = 0;
            for read in &reads {
                n += splitter.push(black_box(read)).len();
            }
            n
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the whole of `cargo bench` must finish in a few minutes on 2 cores.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = pure_steps, route, openai_translator, anthropic_translator, ndjson
}
criterion_main!(benches);

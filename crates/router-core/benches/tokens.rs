//! Token counting cost: what the router adds to a request to count its prompt.
//!
//! - `tokens/first_seen/64KB`: a 64 KB chat prompt (8 messages) never seen before, counted with
//!   Qwen's vocabulary (cache empty): what the router adds once the vocabulary is loaded.
//! - `tokens/follow_up/64KB`: the same conversation one turn later: earlier messages come from the
//!   message cache, only the new turn is counted.
//! - `tokens/*_estimate/64KB`: the same with the fallback estimate (before the vocabulary loads).
//! - `tokens/build`: building the counter from the GGUF arrays (once per vocabulary, off the
//!   request path).
//!
//! The vocabulary is the simulated Ollama's (`crates/ollama-sim/data/qwen2.tiktoken.gz`), the text
//! its corpus. Budget (issue 11): first seen ≤ 1 ms p50, follow-up ≤ 0.3 ms.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use base64::Engine;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use router_core::request::{Endpoint, parse_native};
use router_core::tokens::{
    GgufTokenizer, MessageCache, ModelTokenizer, estimate_body, upper_bound,
};

fn qwen() -> GgufTokenizer {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ollama-sim/data/qwen2.tiktoken.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&root).expect("the sim's vocabulary"))
        .read_to_string(&mut text)
        .expect("gzip");
    // GPT-2's byte-to-unicode map, as GGUF files store tokens.
    let mut map = ['\0'; 256];
    let mut next = 256u32;
    for b in 0..=255u8 {
        map[b as usize] = if matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF) {
            char::from(b)
        } else {
            next += 1;
            char::from_u32(next - 1).unwrap()
        };
    }
    let mut ranked: Vec<(u32, String)> = text
        .lines()
        .filter_map(|l| {
            let (tok, rank) = l.split_once(' ')?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(tok).ok()?;
            Some((
                rank.parse().ok()?,
                bytes.iter().map(|b| map[*b as usize]).collect(),
            ))
        })
        .collect();
    ranked.sort();
    let mut tokens: Vec<String> = ranked.into_iter().map(|(_, t)| t).collect();
    let mut token_type = vec![1; tokens.len()];
    for s in ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] {
        tokens.push(s.into());
        token_type.push(3);
    }
    GgufTokenizer {
        model: "gpt2".into(),
        pre: "qwen2".into(),
        tokens,
        merges: Vec::new(),
        token_type,
    }
}

/// A conversation of about `bytes` from the sim's corpus (code, prose, logs, JSON), 8 messages.
fn conversation(bytes: usize, extra_turn: bool) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ollama-sim/tests/corpus");
    let mut parts = Vec::new();
    for f in [
        "code_rust.rs",
        "prose_markdown.md",
        "log_router.log",
        "data_tool_calls.json",
    ] {
        let t = std::fs::read_to_string(dir.join(f)).expect("corpus file");
        let mut cut = (bytes / 8).min(t.len());
        while !t.is_char_boundary(cut) {
            cut -= 1;
        }
        parts.push(t[..cut].to_string());
        parts.push(t[t.len() - cut..].to_string());
    }
    let mut messages: Vec<serde_json::Value> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::json!({"role": if i % 2 == 0 { "user" } else { "assistant" }, "content": p})
        })
        .collect();
    if extra_turn {
        messages.push(serde_json::json!({"role": "user", "content": "Now make the parser reject a trailing comma, and add a test for it please."}));
    }
    serde_json::to_vec(&serde_json::json!({"model": "auto", "messages": messages})).unwrap()
}

fn tokens(c: &mut Criterion) {
    let gguf = qwen();
    let template = "<|im_start|>system\n{{ .System }}<|im_end|>";
    let tok = ModelTokenizer::build(&gguf, template).unwrap();
    let first = conversation(64 * 1024, false);
    let follow = conversation(64 * 1024, true);
    let mut g = c.benchmark_group("tokens");
    // The body is parsed before (the router parses it for routing anyway): what is timed is
    // what counting adds.
    let first_native = parse_native(&first).unwrap();
    let follow_native = parse_native(&follow).unwrap();
    g.bench_function("first_seen/64KB", |b| {
        b.iter(|| {
            let cache = Mutex::new(MessageCache::new(4096));
            let bound = upper_bound(black_box(&first_native), Endpoint::Chat, 4, 768);
            (
                bound,
                tok.count_body(black_box(&first_native), Endpoint::Chat, 768, &cache),
            )
        })
    });
    let warm = Mutex::new(MessageCache::new(4096));
    tok.count_body(&first_native, Endpoint::Chat, 768, &warm);
    g.bench_function("follow_up/64KB", |b| {
        b.iter(|| {
            let bound = upper_bound(black_box(&follow_native), Endpoint::Chat, 4, 768);
            (
                bound,
                tok.count_body(black_box(&follow_native), Endpoint::Chat, 768, &warm),
            )
        })
    });
    g.bench_function("first_seen_estimate/64KB", |b| {
        b.iter(|| {
            let estimates = Mutex::new(MessageCache::new(4096));
            estimate_body(black_box(&first_native), Endpoint::Chat, 4, 768, &estimates)
        })
    });
    let warm_estimates = Mutex::new(MessageCache::new(4096));
    estimate_body(&first_native, Endpoint::Chat, 4, 768, &warm_estimates);
    g.bench_function("follow_up_estimate/64KB", |b| {
        b.iter(|| {
            estimate_body(
                black_box(&follow_native),
                Endpoint::Chat,
                4,
                768,
                &warm_estimates,
            )
        })
    });
    g.sample_size(10);
    g.bench_function("build", |b| {
        b.iter(|| ModelTokenizer::build(black_box(&gguf), template).unwrap())
    });
    g.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);

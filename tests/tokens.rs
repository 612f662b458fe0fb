//! Token counts against the referee: the simulated Ollama counts every prompt with Qwen's real
//! vocabulary (its own BPE, not the router's) and reports `prompt_eval_count`. On the sim's corpus
//! of real kinds of text — which the router's fallback was not tuned on — the router's count must
//! be within 2 % once it has loaded the vocabulary from `/api/show` (verbose), and never under by
//! more than 5 % before, with the content-aware estimate.

mod common;

use common::TestEnv;
use serde_json::json;

/// The sim's corpus, each file cut to its first ~8 KB (at a line break) so every prompt fits a
/// context with room to spare: a truncated prompt's `prompt_eval_count` would say nothing.
fn corpus() -> Vec<(String, String)> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/ollama-sim/tests/corpus");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the sim's corpus") {
        let path = entry.expect("corpus entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "counts.json" || name.ends_with(".py") && name.starts_with("generate") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("corpus text");
        let mut cut = text.len().min(8000);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = &text[..cut];
        let head = &head[..head.rfind('\n').map_or(head.len(), |i| i + 1)];
        out.push((name, head.to_string()));
    }
    out.sort();
    assert!(
        out.len() >= 10,
        "the corpus has every kind of text: {out:?}"
    );
    out
}

struct Answer {
    counted: u64,
    exact: bool,
    evaluated: u64,
    num_ctx: u64,
    model: String,
}

async fn ask(env: &TestEnv, text: &str) -> Answer {
    let r = reqwest::Client::new()
        .post(env.url("/api/chat"))
        .json(&json!({"model": "auto", "stream": false, "think": false,
            "messages": [{"role": "user", "content": text}]}))
        .send()
        .await
        .expect("chat");
    assert_eq!(r.status(), 200);
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let reason = header("x-router-reason");
    let model = header("x-router-model");
    let num_ctx = header("x-router-num-ctx").parse().unwrap_or(0);
    let body: serde_json::Value = r.json().await.expect("answer json");
    // "...; 1234 tok (exact) + reserve -> ctx ..."
    let (before, after) = reason
        .split_once(" tok (")
        .expect("the reason gives the count");
    let counted = before.rsplit(' ').next().unwrap().parse().expect("a count");
    Answer {
        counted,
        exact: after.starts_with("exact)"),
        evaluated: body["prompt_eval_count"]
            .as_u64()
            .expect("prompt_eval_count"),
        num_ctx,
        model,
    }
}

#[tokio::test]
async fn exact_counts_once_the_vocabulary_is_loaded_and_a_safe_estimate_before() {
    tokio::time::timeout(std::time::Duration::from_secs(300), async {
        let env = TestEnv::start().await;
        let corpus = corpus();

        // Before: no vocabulary, so the fallback estimates, per kind of text.
        assert!(env.state.vocab().snapshot().is_empty());
        for (name, text) in &corpus {
            let a = ask(&env, text).await;
            assert!(
                a.evaluated < a.num_ctx,
                "{name}: the prompt was cut, nothing to compare"
            );
            let ratio = a.counted as f64 / a.evaluated as f64;
            eprintln!(
                "estimated {name:24} router {:6} referee {:6} ratio {ratio:.3} ({})",
                a.counted, a.evaluated, a.model
            );
            assert!(!a.exact, "{name}: no vocabulary yet");
            assert!(
                ratio >= 0.95,
                "{name}: estimate {} < 95 % of {}",
                a.counted,
                a.evaluated
            );
        }
        // The answers taught the estimate, per model and kind of text (learning runs as each
        // relay ends, just after the client has its answer).
        let mut learned = Default::default();
        for _ in 0..100 {
            learned = env.state.learned().snapshot().token_calibration;
            if !learned.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let qwen3 = learned.get("qwen3:8b").expect("qwen3:8b calibrated");
        assert!(qwen3.samples.iter().sum::<u32>() > 0, "{qwen3:?}");

        // The vocabularies load in the background (here: now, from the sim's /api/show).
        let tags = env
            .state
            .inventory()
            .load()
            .tags
            .clone()
            .expect("tags read");
        env.state
            .vocab()
            .refresh(&env.state.upstream(), &tags)
            .await;
        let loaded = env.state.vocab().snapshot();
        assert!(
            loaded.contains_key("qwen3:8b"),
            "{:?}",
            loaded.keys().collect::<Vec<_>>()
        );

        // After: exact, within 2 % of the referee on every kind of text.
        for (name, text) in &corpus {
            let a = ask(&env, text).await;
            assert!(
                a.evaluated < a.num_ctx,
                "{name}: the prompt was cut, nothing to compare"
            );
            let error = (a.counted as f64 - a.evaluated as f64) / a.evaluated as f64;
            eprintln!(
                "exact     {name:24} router {:6} referee {:6} error {:+.2}% ({})",
                a.counted,
                a.evaluated,
                error * 100.0,
                a.model
            );
            assert!(a.exact, "{name}: the vocabulary is loaded");
            assert!(
                error.abs() <= 0.02,
                "{name}: {} vs {}",
                a.counted,
                a.evaluated
            );
        }
    })
    .await
    .expect("test timed out after 300 s");
}

/// A vocabulary read once is kept on disk under the state directory: after a restart it loads
/// with Ollama unreachable, and a model whose tokenizer cannot be counted is simply left out.
#[tokio::test]
async fn vocabularies_are_cached_on_disk() {
    tokio::time::timeout(std::time::Duration::from_secs(300), async {
        use ollama_router::config::{Settings, from_toml_str};
        use ollama_router::vocab::Vocabularies;
        let env = TestEnv::start().await;
        let dir = tempfile::tempdir().unwrap();
        let tags = env
            .state
            .inventory()
            .load()
            .tags
            .clone()
            .expect("tags read");
        let first = Vocabularies::new(Some(dir.path().to_path_buf()));
        first.refresh(&env.state.upstream(), &tags).await;
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert!(files > 0, "cached on disk");
        // Nothing listens on port 9 (discard): every request to it fails.
        let mut config = from_toml_str("").unwrap();
        config.upstream.url = "http://127.0.0.1:9".into();
        let offline =
            ollama_router::AppState::for_settings(Settings::compile(config, None).unwrap())
                .unwrap();
        let second = Vocabularies::new(Some(dir.path().to_path_buf()));
        second.refresh(&offline.upstream(), &tags).await;
        let (a, b) = (first.snapshot(), second.snapshot());
        assert_eq!(
            a.keys().collect::<std::collections::BTreeSet<_>>(),
            b.keys().collect::<std::collections::BTreeSet<_>>()
        );
        let text = "fn main() { println!(\"{}\", 1 + 2); }\n".repeat(50);
        let count = |v: &std::sync::Arc<
            std::collections::HashMap<String, ollama_router::vocab::Counter>,
        >| { v["qwen3:8b"].tokenizer.bpe().count(&text) };
        assert_eq!(count(&a), count(&b));
        // Without a disk cache and without Ollama, nothing loads (and nothing breaks).
        let none = Vocabularies::new(None);
        none.refresh(&offline.upstream(), &tags).await;
        assert!(none.snapshot().is_empty());
    })
    .await
    .expect("test timed out after 300 s");
}

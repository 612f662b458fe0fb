//! Nothing cut silently, against the referee: pasted logs and CSV through every dialect, streamed
//! and not, sent to a router that under-counts them (its token calibration is far off, as one
//! learned against another vocabulary would be: the content-aware estimate alone would size them
//! right). Every answer the simulated Ollama gave was for the whole prompt; a prompt no context
//! holds gets the dialect's own "prompt is too long"; and when Ollama is allowed to cut, the cut is
//! caught, retried or marked.

mod common;

use common::{TestEnv, within};
use ollama_sim::sim::SimConfig;
use serde_json::{Value, json};

/// A router whose learned token calibration prices every kind of text at 0.3 of the fallback's
/// estimate, so these pastes are under-counted about three times (vocabularies are not loaded):
/// only Ollama's refusal or cut shows how long they are. The directory holds the state file.
async fn undercounting_router(sim: SimConfig, router_toml: &str) -> (TestEnv, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("learned.json");
    let off = json!({"factors": [0.3, 0.3, 0.3, 0.3], "samples": [1, 1, 1, 1]});
    let learned = json!({"speeds": {}, "token_calibration": {"qwen3:8b": off}});
    std::fs::write(&file, learned.to_string()).unwrap();
    let env = TestEnv::with_state_file(sim, router_toml, Some(file)).await;
    assert!(
        env.state.vocab().snapshot().is_empty(),
        "counted by the estimate"
    );
    (env, dir)
}

fn corpus(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/ollama-sim/tests/corpus")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dialect {
    Native,
    OpenAi,
    Anthropic,
}

/// Sends one user message in `dialect`; returns status, headers and body text.
async fn ask(
    env: &TestEnv,
    dialect: Dialect,
    stream: bool,
    text: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let messages = json!([{"role": "user", "content": text}]);
    let (path, body) = match dialect {
        Dialect::Native => (
            "/api/chat",
            json!({"model": "auto", "stream": stream, "messages": messages}),
        ),
        Dialect::OpenAi => (
            "/v1/chat/completions",
            json!({"model": "auto", "stream": stream, "messages": messages}),
        ),
        Dialect::Anthropic => (
            "/v1/messages",
            json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": stream,
                "messages": messages}),
        ),
    };
    let r = reqwest::Client::new()
        .post(env.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

fn header<'h>(h: &'h reqwest::header::HeaderMap, name: &str) -> &'h str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The dialect's own "prompt is too long", with Ollama's exact count in it.
fn assert_too_long(dialect: Dialect, status: u16, body: &str) {
    assert_eq!(status, 400, "{dialect:?}: {body}");
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("{body}"));
    match dialect {
        Dialect::Native => {
            // The router's own refusal when its estimate already exceeds every context, else
            // Ollama's answer relayed as is.
            let e = v["error"].as_str().unwrap_or_default();
            assert!(
                e.starts_with("prompt is too long: ")
                    || e.contains("exceeds the available context size"),
                "{body}"
            );
        }
        Dialect::OpenAi => {
            assert_eq!(v["error"]["code"], "context_length_exceeded", "{body}");
        }
        Dialect::Anthropic => {
            assert_eq!(v["error"]["type"], "invalid_request_error", "{body}");
            let m = v["error"]["message"].as_str().unwrap_or_default();
            let tokens: u64 = m
                .strip_prefix("prompt is too long: ")
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{body}"));
            // The CSV and the log are 67K tokens: more than the largest context (40960).
            assert!(tokens > 40_960, "{body}");
        }
    }
}

#[tokio::test]
async fn no_silent_truncation_on_pasted_logs_and_csv() {
    within(async {
        let (env, _dir) = undercounting_router(common::fast_sim(), "").await;
        let csv = corpus("data_metrics.csv"); // 36 KB, 31.8K tokens
        let log = corpus("log_router.log"); // 66 KB, 35.7K tokens
        let half_csv = &csv[..csv.len() / 2];
        let part_log = &log[..log.len() * 3 / 5];
        let both = format!("{csv}\n{log}");
        let trace: [(Dialect, bool, String, bool); 8] = [
            (
                Dialect::Native,
                false,
                format!("Which rows disagree?\n{csv}"),
                true,
            ),
            (
                Dialect::OpenAi,
                true,
                format!("What failed here?\n{part_log}"),
                true,
            ),
            (
                Dialect::Anthropic,
                true,
                format!("Summarise:\n{half_csv}"),
                true,
            ),
            (
                Dialect::Anthropic,
                false,
                format!("Explain this log:\n{part_log}"),
                true,
            ),
            (
                Dialect::OpenAi,
                false,
                format!("Plot these:\n{half_csv}"),
                true,
            ),
            (Dialect::Native, true, format!("Compare:\n{both}"), false),
            (Dialect::OpenAi, false, format!("Compare:\n{both}"), false),
            (Dialect::Anthropic, true, format!("Compare:\n{both}"), false),
        ];
        let mut retried = 0;
        for (dialect, stream, text, answerable) in &trace {
            let (status, headers, body) = ask(&env, *dialect, *stream, text).await;
            if *answerable {
                assert_eq!(status, 200, "{dialect:?} stream={stream}: {body}");
                assert!(!body.contains("\"error\""), "{dialect:?}: {body}");
                assert_eq!(header(&headers, "x-router-truncated"), "", "{dialect:?}");
                if header(&headers, "x-router-retried") == "refused" {
                    retried += 1;
                }
            } else {
                assert_too_long(*dialect, status, &body);
            }
        }
        // The referee evaluated every prompt it answered whole.
        let requests = env.sim_requests().await;
        assert!(!requests.is_empty());
        for r in &requests {
            assert_eq!(r["truncated"], false, "{r}");
        }
        // The router under-counts these pastes: it was Ollama's refusal, routed again at a
        // context that holds the prompt, that kept them whole.
        assert!(retried >= 1, "{retried} retries");
    })
    .await;
}

#[tokio::test]
async fn a_cut_ollama_was_allowed_to_make_is_retried_or_marked() {
    within(async {
        // Ollama may cut here (the client's default, `routing.allow_truncation`).
        let (env, _dir) =
            undercounting_router(common::fast_sim(), "[routing]\nallow_truncation = true\n").await;
        let csv = corpus("data_metrics.csv");

        // Streamed: the headers are gone, so the decision log and the metrics carry it.
        let part_csv = &csv[..csv.len() * 2 / 3];
        let (status, _, body) = ask(
            &env,
            Dialect::OpenAi,
            true,
            &format!("What changed?\n{part_csv}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let last = env.sim_requests().await.pop().unwrap();
        assert_eq!(last["truncated"], true, "the referee did cut it: {last}");
        let decisions: Value = reqwest::get(env.url("/router/decisions"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            decisions[0]["cut"], "context_shift_half",
            "{}",
            decisions[0]
        );

        // Not streamed: the cut answer is never shown; it is asked for again at a larger context.
        let (status, headers, body) =
            ask(&env, Dialect::Native, false, &format!("Which rows?\n{csv}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(header(&headers, "x-router-retried"), "cut");
        assert_eq!(header(&headers, "x-router-truncated"), "");
        let requests = env.sim_requests().await;
        let (first, last) = (&requests[requests.len() - 2], &requests[requests.len() - 1]);
        assert_eq!(first["truncated"], true, "{first}");
        assert_eq!(last["truncated"], false, "{last}");
        assert!(last["num_ctx"].as_u64() > first["num_ctx"].as_u64());
        let metrics = reqwest::get(env.url("/router/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("ollama_router_prompt_cut_total{reason=\"context_shift_half\"} 2"),
            "{metrics}"
        );
        assert!(
            metrics.contains("ollama_router_context_retries_total{reason=\"cut\"} 1"),
            "{metrics}"
        );
    })
    .await;
}

/// A streamed request Ollama refuses for its length is routed again before anything streams:
/// the client gets one 200 stream for the whole prompt, its headers naming the context that held
/// it, and the referee never saw a cut prompt.
#[tokio::test]
async fn a_refused_stream_is_routed_again_before_it_starts() {
    within(async {
        let csv = corpus("data_metrics.csv"); // 31.8K tokens; the under-count says ~10K
        for dialect in [Dialect::Anthropic, Dialect::OpenAi] {
            let (env, _dir) = undercounting_router(common::fast_sim(), "").await;
            let (status, headers, body) =
                ask(&env, dialect, true, &format!("Which rows?\n{csv}")).await;
            assert_eq!(status, 200, "{dialect:?}: {body}");
            assert_eq!(
                header(&headers, "x-router-retried"),
                "refused",
                "{dialect:?}"
            );
            assert!(!body.contains("\"error\""), "{dialect:?}: {body}");
            let requests = env.sim_requests().await;
            let last = requests.last().unwrap();
            assert_eq!(last["truncated"], false, "{last}");
            assert_eq!(
                header(&headers, "x-router-model"),
                last["model"].as_str().unwrap_or_default(),
                "{dialect:?}: the headers follow the retry"
            );
            assert!(last["num_ctx"].as_u64().unwrap() > 31_800, "{last}");
        }
    })
    .await;
}

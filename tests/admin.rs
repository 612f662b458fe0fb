//! The router's own endpoints under `/router/`, over real HTTP in front of the simulated Ollama.

mod common;

use common::{TestEnv, within};
use serde_json::{Value, json};

async fn get_json(env: &TestEnv, path: &str) -> Value {
    reqwest::get(env.url(path))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What a routed request changes in the router: recorded decisions, pinned sessions and the
/// decision counter in the metrics.
async fn footprint(env: &TestEnv) -> (usize, u64, String) {
    let decisions = get_json(env, "/router/decisions").await;
    let health = get_json(env, "/router/health").await;
    let metrics = reqwest::get(env.url("/router/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let decision_lines = metrics
        .lines()
        .filter(|l| l.starts_with("ollama_router_decisions_total"))
        .collect::<Vec<_>>()
        .join("\n");
    (
        decisions.as_array().map_or(0, Vec::len),
        health["sessions"].as_u64().unwrap_or(0),
        decision_lines,
    )
}

/// `/router/explain` is a dry run: it answers with the decision and the rewritten body, and
/// leaves no trace (no decision recorded, no session pinned, no metric counted). Control: the
/// same body sent for real leaves all three.
#[tokio::test]
async fn explain_is_a_dry_run() {
    within(async {
        let env = TestEnv::start().await;
        let body = json!({
            "model": "auto",
            "stream": false,
            "messages": [{"role": "user", "content": "Refactor this parser into smaller functions"}],
        });
        let http = reqwest::Client::new();
        let before = footprint(&env).await;
        let r = http
            .post(env.url("/router/explain"))
            .header("x-session-id", "explain-test")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let explained: Value = r.json().await.unwrap();
        let model = explained["decision"]["model"].as_str().unwrap().to_string();
        assert!(!model.is_empty(), "{explained}");
        assert!(
            explained["body"].as_str().unwrap().contains("\"num_ctx\""),
            "{explained}"
        );
        assert!(explained["reason"].as_str().is_some_and(|r| !r.is_empty()));
        assert_eq!(footprint(&env).await, before, "explain left a trace");

        let r = http
            .post(env.url("/api/chat"))
            .header("x-session-id", "explain-test")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["x-router-model"].to_str().unwrap(),
            model,
            "explain predicts the real decision"
        );
        let _ = r.bytes().await;
        let after = footprint(&env).await;
        assert_eq!(after.0, before.0 + 1, "control: a real request is recorded");
        assert_eq!(after.1, before.1 + 1, "control: a real request pins its session");
        assert_ne!(after.2, before.2, "control: a real request is counted");
    })
    .await;
}

/// A known path with the wrong method answers 405 with a body in the path's dialect (and `Allow`).
#[tokio::test]
async fn wrong_method_is_a_405_with_a_dialect_body() {
    within(async {
        let env = TestEnv::start().await;
        let http = reqwest::Client::new();
        for (path, message_at) in [
            ("/api/chat", "/error"),
            ("/v1/chat/completions", "/error/message"),
            ("/v1/messages", "/error/message"),
        ] {
            let r = http.get(env.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 405, "{path}");
            assert_eq!(r.headers()["allow"], "POST", "{path}");
            let v: Value = r.json().await.unwrap();
            let message = v.pointer(message_at).and_then(Value::as_str).unwrap_or("");
            assert!(
                message.contains("GET") && message.contains(path),
                "{path}: {v}"
            );
        }
        let r = http.get(env.url("/v1/messages")).send().await.unwrap();
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["type"], "error", "{v}");
    })
    .await;
}

/// The value of the first metrics line starting with `prefix` (0 when absent).
fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// `/router/metrics` is OpenMetrics text, and each kind of traffic moves its own counter.
#[tokio::test]
async fn metrics_count_each_kind_of_traffic() {
    within(async {
        let env = TestEnv::start().await;
        let http = reqwest::Client::new();
        let read = || async {
            let r = http.get(env.url("/router/metrics")).send().await.unwrap();
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/openmetrics-text")
            );
            r.text().await.unwrap()
        };
        let before = read().await;
        assert!(before.trim_end().ends_with("# EOF"), "{before}");
        let chat = |content: String| json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": content}]});
        let r = http.post(env.url("/api/chat")).json(&chat("hi".into())).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let _ = r.bytes().await;
        let r = http.get(env.url("/api/version")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let huge = "lorem ipsum dolor sit amet ".repeat(60_000);
        let r = http.post(env.url("/api/chat")).json(&chat(huge)).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let after = read().await;
        for (family, delta) in [
            ("ollama_router_decisions_total", 1.0),
            ("ollama_router_passthrough_requests_total", 1.0),
            ("ollama_router_route_failures_total{reason=\"prompt_too_long\"}", 1.0),
        ] {
            assert_eq!(
                metric(&after, family) - metric(&before, family),
                delta,
                "{family}:\n{after}"
            );
        }
        assert_eq!(metric(&after, "ollama_router_streams_in_flight"), 0.0, "{after}");
    })
    .await;
}

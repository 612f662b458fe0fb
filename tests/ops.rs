//! Operator experience over real HTTP: `GET /router/status` against its JSON schema, metrics after
//! known traffic, the live feed (SSE), the dashboard's assets, explain leaving no trace.

mod common;

use common::{TestEnv, within};
use serde_json::{Value, json};

/// The subset of JSON Schema `docs/status.schema.json` uses: type (with unions), enum, required,
/// properties, additionalProperties: false, items, minimum, maximum.
fn validate(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{path}: {v} is not {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(v)
    {
        errors.push(format!("{path}: {v} not in {allowed:?}"));
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            errors.push(format!("{path}: {n} < {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            errors.push(format!("{path}: {n} > {max}"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(key) {
                errors.push(format!("{path}: missing `{key}`"));
            }
        }
        for (k, child) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(s, child, &format!("{path}.{k}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}: unexpected `{k}`"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, item) in arr.iter().enumerate() {
            validate(items, item, &format!("{path}[{i}]"), errors);
        }
    }
}

fn schema() -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/status.schema.json"),
    )
    .expect("docs/status.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

async fn chat(env: &TestEnv, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(env.url("/api/chat"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn status(env: &TestEnv) -> Value {
    reqwest::get(env.url("/router/status"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Sums every sample of `name` (all label sets) whose labels contain `labels`.
fn sample(text: &str, name: &str, labels: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, rest) = series.split_once('{').unwrap_or((series, ""));
            (n == name && rest.contains(labels)).then(|| value.parse::<f64>().ok())?
        })
        .sum()
}

async fn metrics(env: &TestEnv) -> String {
    reqwest::get(env.url("/router/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn status_matches_its_schema_and_shows_the_request() {
    within(async {
        let env = TestEnv::start().await;
        // Before any traffic: valid, and nothing loaded.
        let before = status(&env).await;
        let mut errors = Vec::new();
        validate(&schema(), &before, "status", &mut errors);
        assert!(errors.is_empty(), "{errors:#?}\n{before:#}");
        assert_eq!(before["loaded"], json!([]));

        let r = chat(
            &env,
            json!({"model": "auto", "stream": false,
                   "messages": [{"role": "user", "content": "Write a function that adds two numbers"}]}),
        )
        .await;
        assert!(r.status().is_success());
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        let model = r.headers()["x-router-model"].to_str().unwrap().to_string();
        r.text().await.unwrap();
        env.refresh().await;

        let s = status(&env).await;
        let mut errors = Vec::new();
        validate(&schema(), &s, "status", &mut errors);
        assert!(errors.is_empty(), "{errors:#?}\n{s:#}");
        assert_eq!(s["gpu"]["source"], "sim");
        assert_eq!(s["gpu"]["total_bytes"], 12u64 << 30);
        let gpu = &s["gpu"];
        assert_eq!(
            gpu["used_bytes"].as_u64().unwrap() + gpu["free_bytes"].as_u64().unwrap(),
            12u64 << 30
        );
        assert_eq!(s["loaded"][0]["name"], model.as_str());
        assert_eq!(s["loaded"][0]["percent_gpu"], 100.0);
        let kinds: Vec<&str> = s["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["quick", "daily", "complex"]);
        // The loaded model now holds a short daily request: the profile says so.
        assert_eq!(s["profiles"][1]["pick"]["model"], model.as_str());
        assert_eq!(s["profiles"][1]["pick"]["loaded"], true);
        assert_eq!(s["recent"][0]["request_id"], id.as_str());
        assert_eq!(s["recent"][0]["model"], model.as_str());
        assert_eq!(s["counters"]["requests"], 1);
        assert_eq!(s["counters"]["decisions"], 1);
    })
    .await;
}

#[tokio::test]
async fn the_schema_check_catches_a_wrong_shape() {
    // The validator above is not a rubber stamp.
    let mut bad = json!({"version": "x", "upstream": {"url": "u", "error": null, "installed_models": 1},
        "gpu": {"name": "g", "source": "nvml", "total_bytes": -1, "used_bytes": 0, "free_bytes": 0,
                "other_programs_bytes": null},
        "loaded": [], "profiles": [], "rules": [], "recent": [], "counters": {}});
    let mut errors = Vec::new();
    validate(&schema(), &bad, "status", &mut errors);
    assert!(
        errors.iter().any(|e| e.contains("total_bytes")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("missing `requests`")),
        "{errors:?}"
    );
    bad["extra"] = json!(1);
    errors.clear();
    validate(&schema(), &bad, "status", &mut errors);
    assert!(
        errors.iter().any(|e| e.contains("unexpected `extra`")),
        "{errors:?}"
    );
}

#[tokio::test]
async fn metrics_count_known_traffic() {
    within(async {
        let env = TestEnv::start().await;
        let client = reqwest::Client::new();
        // 1: native, streamed. Loads qwen3:8b at 16384 (a load caused).
        let r = chat(
            &env,
            json!({"model": "auto", "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        assert_eq!(r.headers()["x-router-model"], "qwen3:8b");
        r.text().await.unwrap();
        env.refresh().await;
        // 2: names qwen3:8b with its own num_ctx 8192: as sent, Ollama would reload; the router
        // keeps the loaded 16384 (a reload avoided).
        let r = chat(
            &env,
            json!({"model": "qwen3:8b", "stream": false, "options": {"num_ctx": 8192},
                   "messages": [{"role": "user", "content": "hello again"}]}),
        )
        .await;
        assert_eq!(r.headers()["x-router-num-ctx"], "16384");
        r.text().await.unwrap();
        // 3: a ~6K-token prompt with no num_ctx: Ollama's 4096 default would cut it (a truncation
        // prevented, resized).
        let long = "fn main() { println!(\"hello\"); }\n".repeat(700);
        let r = chat(
            &env,
            json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": long}]}),
        )
        .await;
        assert!(r.status().is_success());
        r.text().await.unwrap();
        // 4: OpenAI dialect, streamed.
        let r = client
            .post(env.url("/v1/chat/completions"))
            .json(&json!({"model": "auto", "stream": true,
                          "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.text().await.unwrap();
        // 5: Anthropic dialect, not streamed.
        let r = client
            .post(env.url("/v1/messages"))
            .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 64,
                          "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.text().await.unwrap();
        // 6: a prompt no model can hold: refused (a truncation prevented, refused).
        let huge = "word ".repeat(400_000);
        let r = chat(
            &env,
            json!({"model": "auto", "messages": [{"role": "user", "content": huge}]}),
        )
        .await;
        assert_eq!(r.status(), 400);
        r.text().await.unwrap();

        let m = metrics(&env).await;
        let n = |name: &str, labels: &str| sample(&m, name, labels);
        assert_eq!(n("ollama_router_requests_total", "outcome=\"ok\""), 5.0, "{m}");
        assert_eq!(n("ollama_router_requests_total", "dialect=\"ollama\",outcome=\"ok\""), 3.0);
        assert_eq!(n("ollama_router_requests_total", "dialect=\"openai\""), 1.0);
        assert_eq!(n("ollama_router_requests_total", "dialect=\"anthropic\""), 1.0);
        assert_eq!(n("ollama_router_requests_total", "outcome=\"http 400\""), 1.0);
        // Every routed request has its router-added latency, first token and speed.
        assert_eq!(n("ollama_router_added_latency_seconds_count", ""), 5.0);
        assert_eq!(n("ollama_router_time_to_first_token_seconds_count", ""), 5.0);
        assert_eq!(n("ollama_router_tokens_per_second_count", ""), 5.0);
        assert!(n("ollama_router_tokens_per_second_sum", "model=\"qwen3:8b\"") > 0.0);
        assert!(n("ollama_router_reloads_caused_total", "") >= 1.0);
        assert_eq!(n("ollama_router_reloads_avoided_total", ""), 1.0);
        assert_eq!(n("ollama_router_truncations_prevented_total", "how=\"resized\""), 1.0);
        assert_eq!(n("ollama_router_truncations_prevented_total", "how=\"refused\""), 1.0);
        assert_eq!(n("ollama_router_spills_predicted_total", ""), 0.0);
        assert_eq!(n("ollama_router_upstream_errors_total", ""), 0.0);
        // Nothing was abandoned: non-streamed answers are read to their end too.
        assert_eq!(n("ollama_router_cancelled_streams_total", ""), 0.0);
        let free = n("ollama_router_gpu_free_bytes", "");
        assert!(free > 0.0 && free < (12u64 << 30) as f64, "{free}");
    })
    .await;
}

#[tokio::test]
async fn failed_answers_are_counted_by_outcome() {
    within(async {
        let env = TestEnv::start().await;
        let client = reqwest::Client::new();
        let fail = |plan: Value| {
            let client = client.clone();
            let url = env.sim_url("/sim/fail");
            async move { client.post(url).json(&plan).send().await.unwrap() }
        };
        // Ollama answers 500 before the first byte.
        fail(json!({"status": 500})).await;
        let r = chat(
            &env,
            json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status(), 500);
        r.text().await.unwrap();
        // Ollama breaks off mid-stream: the answer ends without its final chunk.
        fail(json!({"after_chunks": 2})).await;
        let r = chat(
            &env,
            json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status(), 200);
        r.text().await.unwrap();
        let m = metrics(&env).await;
        assert_eq!(sample(&m, "ollama_router_requests_total", "outcome=\"http 500\""), 1.0, "{m}");
        assert_eq!(sample(&m, "ollama_router_requests_total", "outcome=\"incomplete\""), 1.0, "{m}");
        assert_eq!(sample(&m, "ollama_router_requests_total", "outcome=\"ok\""), 0.0, "{m}");
    })
    .await;
}

#[tokio::test]
async fn the_feed_streams_decisions_and_finished_requests() {
    within(async {
        let env = TestEnv::start().await;
        let mut events = reqwest::get(env.url("/router/events")).await.unwrap();
        assert_eq!(
            events.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let r = chat(
            &env,
            json!({"model": "auto", "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        r.text().await.unwrap();
        let mut text = String::new();
        while !text.contains("event: request") {
            let chunk = events.chunk().await.unwrap().expect("the feed stays open");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        let data = |event: &str| -> Value {
            let block = text
                .split("\n\n")
                .find(|b| b.contains(&format!("event: {event}")))
                .unwrap();
            let line = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap();
            serde_json::from_str(line).unwrap()
        };
        let decision = data("decision");
        assert_eq!(decision["request_id"], id.as_str());
        assert_eq!(decision["model"], "qwen3:8b");
        let done = data("request");
        assert_eq!(done["request_id"], id.as_str());
        assert_eq!(done["outcome"], "ok");
        assert!(done["eval_tokens"].as_u64().unwrap() > 0);
        assert!(done["tokens_per_second"].as_f64().unwrap() > 0.0);
        assert!(done["ttft_ms"].as_f64().is_some());
    })
    .await;
}

#[tokio::test]
async fn explain_leaves_no_trace() {
    within(async {
        let env = TestEnv::start().await;
        let r = reqwest::Client::new()
            .post(env.url("/router/explain"))
            .json(&json!({"model": "auto", "messages": [{"role": "user", "content": "hello"}]}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["decision"]["model"], "qwen3:8b");
        let decisions: Value = reqwest::get(env.url("/router/decisions"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(decisions, json!([]));
        assert_eq!(env.state.sessions().len(), 0);
        let s = status(&env).await;
        assert_eq!(s["counters"]["decisions"], 0);
        assert_eq!(s["counters"]["reloads_caused"], 0);
    })
    .await;
}

#[tokio::test]
async fn the_dashboard_is_served_from_the_binary() {
    within(async {
        let env = TestEnv::start().await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = client.get(env.url("/router")).send().await.unwrap();
        assert_eq!(r.status(), 308);
        assert_eq!(r.headers()["location"], "/router/");
        let r = client.get(env.url("/router/")).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        let html = r.text().await.unwrap();
        for needle in [
            "/router/dashboard.js",
            "/router/dashboard.css",
            "id=\"gpu-bar\"",
            "id=\"explain\"",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        // Nothing from elsewhere: every src/href is a path on this router.
        let elsewhere: Vec<&str> = html
            .split(['"', '\''])
            .filter(|s| s.starts_with("http"))
            .collect();
        assert!(elsewhere.is_empty(), "the page refers to {elsewhere:?}");
        for (path, ty) in [
            ("/router/dashboard.js", "text/javascript; charset=utf-8"),
            ("/router/dashboard.css", "text/css; charset=utf-8"),
        ] {
            let r = client.get(env.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert_eq!(r.headers()["content-type"], ty, "{path}");
            let body = r.text().await.unwrap();
            assert!(
                !body.contains("http://") && !body.contains("https://"),
                "{path}"
            );
        }
    })
    .await;
}

//! The OpenAI dialect over real HTTP: router in front of the simulated Ollama, driven by raw
//! requests (exact wire shapes, errors, mid-stream failures) and by the official `openai` Python
//! SDK (what real clients see).

mod common;

use common::{TestEnv, within};
use ollama_router::AppState;
use ollama_router::config::{Settings, from_toml_str};
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(env: &TestEnv, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(env.url(path))
        .json(&body)
        .send()
        .await
        .expect("router answers")
}

/// The `data:` payloads of an SSE body; `[DONE]` is kept as a JSON string.
fn sse_payloads(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter(|frame| !frame.trim().is_empty())
        .map(|frame| {
            let data = frame
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data frame: {frame:?}"));
            if data == "[DONE]" {
                Value::from("[DONE]")
            } else {
                serde_json::from_str(data).unwrap_or_else(|e| panic!("bad frame {data:?}: {e}"))
            }
        })
        .collect()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}: {:?}", response.headers()))
        .to_str()
        .expect("ASCII header")
}

/// Inference requests the sim received (control and listing calls excluded).
async fn inference_requests(env: &TestEnv) -> Vec<Value> {
    env.sim_requests()
        .await
        .into_iter()
        .filter(|r| r["kind"] == "inference")
        .collect()
}

#[tokio::test]
async fn non_stream_chat_is_routed_with_num_ctx_and_usage() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "messages": [{"role": "user", "content": "Say hello."}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let model = header(&response, "x-router-model").to_owned();
        let num_ctx: u32 = header(&response, "x-router-num-ctx").parse().unwrap();
        assert_eq!((model.as_str(), num_ctx), ("qwen3:8b", 16384));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["object"], "chat.completion");
        assert_eq!(body["model"], "qwen3:8b");
        assert!(body["id"].as_str().unwrap().starts_with("chatcmpl-"));
        assert_eq!(body["choices"][0]["finish_reason"], "stop");
        assert!(
            !body["choices"][0]["message"]["content"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let usage = &body["usage"];
        assert!(usage["prompt_tokens"].as_u64().unwrap() > 0, "{usage}");
        assert!(usage["completion_tokens"].as_u64().unwrap() > 0, "{usage}");

        let received = inference_requests(&env).await;
        assert_eq!(received.len(), 1, "{received:?}");
        assert_eq!(received[0]["path"], "/api/chat");
        assert_eq!(received[0]["model"], "qwen3:8b");
        assert_eq!(received[0]["num_ctx"], 16384);
        assert_eq!(received[0]["options"]["num_ctx"], 16384);
    })
    .await;
}

#[tokio::test]
async fn stream_chat_frames_reasoning_content_finish_usage_done() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "stream": true, "stream_options": {"include_usage": true},
                "messages": [{"role": "user", "content": "Write a haiku."}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type"), "text/event-stream");
        assert_eq!(header(&response, "x-router-num-ctx"), "16384");
        let frames = sse_payloads(&response.text().await.unwrap());
        assert_eq!(frames.last(), Some(&Value::from("[DONE]")));
        let chunks = &frames[..frames.len() - 1];
        let id = &chunks[0]["id"];
        assert!(
            chunks
                .iter()
                .all(|c| &c["id"] == id && c["model"] == "qwen3:8b")
        );
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        assert!(
            chunks[1..]
                .iter()
                .all(|c| c["choices"][0]["delta"].get("role").is_none())
        );
        // qwen3 thinks by default: reasoning deltas come before the content.
        let first_content = chunks
            .iter()
            .position(|c| {
                c["choices"][0]["delta"]["content"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty())
            })
            .expect("some content");
        assert!(
            chunks[..first_content]
                .iter()
                .any(|c| c["choices"][0]["delta"]["reasoning"].is_string()),
            "no reasoning before content: {chunks:?}"
        );
        let finish = &chunks[chunks.len() - 2];
        assert_eq!(
            finish["choices"][0],
            json!({"index": 0, "delta": {}, "finish_reason": "stop"})
        );
        let usage = &chunks[chunks.len() - 1];
        assert_eq!(usage["choices"], json!([]));
        assert!(usage["usage"]["total_tokens"].as_u64().unwrap() > 0);
    })
    .await;
}

#[tokio::test]
async fn stream_tool_call_then_result_round_trip() {
    within(async {
        let env = TestEnv::start().await;
        let tools = json!([{"type": "function", "function": {"name": "read_file",
            "parameters": {"type": "object", "required": ["path"],
                "properties": {"path": {"type": "string"}}}}}]);
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "stream": true, "tools": tools,
                "messages": [{"role": "user", "content": "Open main.rs"}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let frames = sse_payloads(&response.text().await.unwrap());
        let calls: Vec<&Value> = frames
            .iter()
            .filter_map(|f| f["choices"][0]["delta"]["tool_calls"].as_array())
            .flatten()
            .collect();
        assert_eq!(calls.len(), 1, "{frames:?}");
        let call = calls[0].clone();
        assert_eq!(call["index"], 0);
        assert_eq!(call["type"], "function");
        assert_eq!(call["function"]["name"], "read_file");
        let arguments: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
        assert!(arguments["path"].is_string(), "{arguments}");
        let finish = frames
            .iter()
            .find_map(|f| f["choices"][0]["finish_reason"].as_str());
        assert_eq!(finish, Some("tool_calls"));

        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "tools": tools, "messages": [
                {"role": "user", "content": "Open main.rs"},
                {"role": "assistant", "content": null, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": "fn main() {}"}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let content = body["choices"][0]["message"]["content"].as_str().unwrap();
        assert!(
            content.contains("fn main() {}"),
            "the model did not see the tool result: {content}"
        );
    })
    .await;
}

#[tokio::test]
async fn long_prompt_gets_a_context_that_holds_it() {
    within(async {
        let env = TestEnv::start().await;
        // ~12.8K tokens at the sim's 4 bytes per token; Ollama's default 4096 would cut it.
        let prompt: String = (0..900)
            .map(|i| format!("line {i:05}: the quick brown fox jumps over the lazy dog.\n"))
            .collect();
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "messages": [{"role": "user", "content": prompt}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let num_ctx: u64 = header(&response, "x-router-num-ctx").parse().unwrap();
        let received = inference_requests(&env).await;
        let last = received.last().expect("the sim saw the request");
        assert!(last["prompt_tokens"].as_u64().unwrap() > 12_000, "{last}");
        assert_eq!(last["num_ctx"].as_u64(), Some(num_ctx), "{last}");
        assert_eq!(last["truncated"], false, "{last}");
        assert_eq!(last["prompt_eval_count"], last["prompt_tokens"], "{last}");
    })
    .await;
}

#[tokio::test]
async fn errors_have_openai_shape() {
    within(async {
        let env = TestEnv::start().await;
        let cases = [
            (json!("{not json"), 400, "invalid_request_error", Value::Null, Value::Null),
            (
                json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}], "max_tokens": "ten"}),
                400,
                "invalid_request_error",
                json!("max_tokens"),
                Value::Null,
            ),
            (
                json!({"model": "auto:bogus", "messages": [{"role": "user", "content": "hi"}]}),
                404,
                "not_found_error",
                json!("model"),
                json!("model_not_found"),
            ),
            (
                json!({"model": "auto", "messages": [{"role": "user", "content": "word ".repeat(300_000)}]}),
                400,
                "invalid_request_error",
                json!("messages"),
                json!("context_length_exceeded"),
            ),
        ];
        for (body, status, error_type, param, code) in cases {
            let request = client().post(env.url("/v1/chat/completions"));
            let request = match &body {
                Value::String(raw) => request.header("content-type", "application/json").body(raw.clone()),
                _ => request.json(&body),
            };
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), status, "{body:.80}");
            let error: Value = response.json().await.unwrap();
            let error = &error["error"];
            assert_eq!(error["type"], error_type, "{error}");
            assert_eq!(error["param"], param, "{error}");
            assert_eq!(error["code"], code, "{error}");
            assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
        }
        assert!(inference_requests(&env).await.is_empty(), "rejected requests reached Ollama");
    })
    .await;
}

#[tokio::test]
async fn upstream_down_is_a_502_naming_it() {
    within(async {
        // A port nothing listens on: bind, note it, release.
        let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead_url = format!("http://{}", dead.local_addr().unwrap());
        drop(dead);
        let mut config = from_toml_str("").unwrap();
        config.upstream.url.clone_from(&dead_url);
        let state = AppState::for_settings(Settings::compile(config, None).unwrap()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let router_url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, ollama_router::app(state)).await;
        });
        for (path, body) in [
            (
                "/v1/chat/completions",
                json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}]}),
            ),
            ("/v1/completions", json!({"model": "auto", "prompt": "hi"})),
        ] {
            let response = client()
                .post(format!("{router_url}{path}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 502, "{path}");
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["type"], "api_error");
            assert!(
                error["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&dead_url),
                "{error}"
            );
        }
        let response = client()
            .get(format!("{router_url}/v1/models"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 502);
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn mid_stream_failure_ends_with_an_error_frame() {
    within(async {
        let env = TestEnv::start().await;
        let armed = post_sim(&env, "/sim/fail", json!({"after_chunks": 2, "error": "runner crashed"})).await;
        assert!(armed.status().is_success());
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(!text.contains("[DONE]"), "a failed stream must not claim success: {text}");
        let frames = sse_payloads(&text);
        let last = frames.last().unwrap();
        assert_eq!(last["error"]["message"], "runner crashed", "{text}");
        assert!(frames.len() >= 2, "the chunks before the failure are delivered: {text}");
    })
    .await;
}

/// A client that hangs up mid-stream makes the router drop its connection to Ollama, which is
/// what makes Ollama stop generating. An endless upstream notices the hang-up when its next write
/// fails; the router also counts the cancellation.
#[tokio::test]
async fn client_hang_up_drops_the_upstream_stream() {
    within(async {
        let upstream = common::scripted_ollama(common::Script::Endless);
        let env = common::router_in_front_of(&upstream.url).await;
        let mut response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "qwen3:8b", "stream": true,
                "messages": [{"role": "user", "content": "Tell me a very long story."}]}),
        )
        .await;
        let first = response.chunk().await.unwrap().expect("a first frame");
        assert!(first.starts_with(b"data: "));
        let second = response.chunk().await.unwrap().expect("still streaming");
        assert!(!second.is_empty());
        assert!(
            !upstream.hung_up.load(std::sync::atomic::Ordering::SeqCst),
            "the upstream is still generating while the client reads"
        );
        drop(response);
        // Only a router that keeps the upstream stream alive makes this wait forever (`within`).
        while !upstream.hung_up.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let metrics = env.state.metrics();
        while metrics.cancelled_streams.get() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(metrics.streams_in_flight.get(), 0);
    })
    .await;
}

#[tokio::test]
async fn upstream_error_status_keeps_status_in_openai_shape() {
    within(async {
        let env = TestEnv::start().await;
        let armed = post_sim(
            &env,
            "/sim/fail",
            json!({"after_chunks": 0, "error": "server busy", "status": 503}),
        )
        .await;
        assert!(armed.status().is_success());
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(response.status(), 503);
        assert_eq!(header(&response, "x-router-model"), "qwen3:8b");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["message"], "server busy");
        assert_eq!(error["error"]["type"], "api_error");
    })
    .await;
}

#[tokio::test]
async fn completions_fill_in_the_middle_goes_to_generate() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            "/v1/completions",
            json!({"model": "auto", "prompt": "def add(a, b):\n    ", "suffix": "\n    return c",
                "max_tokens": 16, "stream": true, "stream_options": {"include_usage": true}}),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "x-router-model"),
            "qwen2.5-coder:7b-instruct-q5_K_M"
        );
        let frames = sse_payloads(&response.text().await.unwrap());
        assert_eq!(frames.last(), Some(&Value::from("[DONE]")));
        assert!(frames.iter().any(|f| {
            f["object"] == "text_completion"
                && f["choices"][0]["text"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty())
        }));
        let received = inference_requests(&env).await;
        assert_eq!(received[0]["path"], "/api/generate");
        assert_eq!(received[0]["model"], "qwen2.5-coder:7b-instruct-q5_K_M");

        for (field, value) in [
            ("echo", json!(true)),
            ("n", json!(2)),
            ("logprobs", json!(1)),
        ] {
            let mut body = json!({"model": "auto", "prompt": "x"});
            body[field] = value;
            let response = post(&env, "/v1/completions", body).await;
            assert_eq!(response.status(), 400, "{field}");
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["param"], field);
        }
    })
    .await;
}

#[tokio::test]
async fn models_list_installed_and_virtual_names() {
    within(async {
        let env = TestEnv::start().await;
        let response = client().get(env.url("/v1/models")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let list: Value = response.json().await.unwrap();
        assert_eq!(list["object"], "list");
        let ids: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        for expected in [
            "auto",
            "auto:quick",
            "auto:daily",
            "auto:complex",
            "qwen3:8b",
        ] {
            assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
        }
        let card: Value = client()
            .get(env.url("/v1/models/qwen3:8b"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(card["id"], "qwen3:8b");
        assert_eq!(card["owned_by"], "library");
        assert!(card["created"].as_i64().unwrap() > 0, "{card}");
        let missing = client()
            .get(env.url("/v1/models/nope:1b"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
    })
    .await;
}

#[tokio::test]
async fn embeddings_pass_through() {
    within(async {
        let env = TestEnv::start().await;
        let tags: Value = client()
            .get(env.sim_url("/api/tags"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let embedder = tags["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| {
                m["capabilities"]
                    .as_array()
                    .is_some_and(|c| c.contains(&json!("embedding")))
            })
            .map(|m| m["name"].as_str().unwrap().to_owned());
        let Some(embedder) = embedder else {
            panic!("the sim installs no embedding model: {tags}");
        };
        let response = post(
            &env,
            "/v1/embeddings",
            json!({"model": embedder, "input": ["a", "b"]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["object"], "list");
        assert_eq!(body["data"].as_array().unwrap().len(), 2);
    })
    .await;
}

/// `/v1/responses` is forwarded with the virtual model replaced by the routed one. The simulator
/// has no Responses API, so a scripted Ollama answers and shows what it received.
#[tokio::test]
async fn responses_resolve_a_virtual_model_before_forwarding() {
    within(async {
        let upstream = common::scripted_ollama(common::Script::Endless);
        let env = common::router_in_front_of(&upstream.url).await;
        let response = post(
            &env,
            "/v1/responses",
            json!({"model": "auto:complex", "instructions": "You are Codex.", "input": "hi"}),
        )
        .await;
        assert_eq!(response.status(), 200);
        // The router picked a real model for the virtual name and said so; num_ctx cannot be set
        // on this path, so it is not claimed.
        assert_eq!(header(&response, "x-router-model"), "qwen3:14b");
        assert_eq!(header(&response, "x-router-kind"), "complex");
        assert!(response.headers().get("x-router-num-ctx").is_none());
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["status"], "completed", "Ollama's answer is relayed");
        let requests = upstream.requests.lock().unwrap().clone();
        let (_, body) = requests
            .iter()
            .find(|(line, _)| line.starts_with("POST /v1/responses"))
            .unwrap_or_else(|| panic!("not forwarded: {requests:?}"));
        let sent: Value = serde_json::from_str(body).unwrap();
        assert_eq!(sent["model"], "qwen3:14b", "{sent}");
        assert_eq!(
            sent["instructions"], "You are Codex.",
            "the rest is untouched"
        );
    })
    .await;
}

#[tokio::test]
async fn official_python_sdk() {
    let env = TestEnv::start().await;
    let args = vec![env.url(""), env.sim_url("")];
    // Longer than `within`: the first run may create the SDK virtualenv (pip install). The script
    // bounds itself too (60 s SDK timeout per request, no retries).
    let stdout = tokio::time::timeout(
        std::time::Duration::from_secs(600),
        common::run_python_async("openai_sdk.py", args),
    )
    .await
    .expect("the SDK script finished within 10 minutes");
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no summary line ({e}): {stdout}"));

    // The 12K-token prompt: the routed num_ctx reached Ollama and nothing was truncated.
    let long_ctx: u64 = summary["long"]["x-router-num-ctx"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let received = inference_requests(&env).await;
    let long = received
        .iter()
        .find(|r| r["prompt_tokens"].as_u64().is_some_and(|t| t > 12_000))
        .unwrap_or_else(|| panic!("the sim never saw the long prompt: {received:?}"));
    assert_eq!(long["num_ctx"].as_u64(), Some(long_ctx), "{long}");
    assert_eq!(long["truncated"], false, "{long}");
    assert!(long_ctx > 4096);
    assert!(
        received.iter().all(|r| r["truncated"] == false),
        "{received:?}"
    );
}

async fn post_sim(env: &TestEnv, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(env.sim_url(path))
        .json(&body)
        .send()
        .await
        .expect("sim answers")
}

#[tokio::test]
async fn an_installed_model_the_catalog_does_not_know_still_gets_a_context() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            "/v1/chat/completions",
            json!({"model": "llava:7b", "messages": [{"role": "user", "content": "describe a cat"}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        // The client's own model, with a context the router chose from Ollama's numbers.
        assert_eq!(header(&response, "x-router-model"), "llava:7b");
        let ctx: u64 = header(&response, "x-router-num-ctx").parse().unwrap();
        assert!(ctx >= 8192, "{}", header(&response, "x-router-reason"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["model"], "llava:7b");
        let last = inference_requests(&env).await.pop().unwrap();
        assert_eq!(last["model"], "llava:7b");
        assert_eq!(last["num_ctx"], ctx, "{last}");
    })
    .await;
}

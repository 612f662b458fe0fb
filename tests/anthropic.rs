//! The Anthropic Messages endpoints over real HTTP: router and simulated Ollama on loopback,
//! requests shaped like Claude Code's and the official Python SDK's.

mod common;

use common::{TestEnv, within};
use serde_json::{Value, json};

/// One parsed server-sent event.
#[derive(Debug)]
struct Event {
    name: String,
    data: Value,
}

fn parse_sse(text: &str) -> Vec<Event> {
    text.split("\n\n")
        .filter(|frame| !frame.trim().is_empty())
        .map(|frame| {
            let mut name = String::new();
            let mut data = Value::Null;
            for line in frame.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_owned();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(d).unwrap_or_else(|e| panic!("bad data {d}: {e}"));
                }
            }
            assert_eq!(
                data["type"],
                json!(name),
                "event name matches its type: {frame}"
            );
            Event { name, data }
        })
        .collect()
}

fn names(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.name.as_str()).collect()
}

async fn post(env: &TestEnv, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(env.url(path))
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .send()
        .await
        .expect("router answers")
}

async fn post_with_headers(
    env: &TestEnv,
    body: Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(env.url("/v1/messages?beta=true"))
        .json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("router answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn inference_requests(env: &TestEnv) -> Vec<Value> {
    env.sim_requests()
        .await
        .into_iter()
        .filter(|r| r["kind"] == json!("inference"))
        .collect()
}

/// Asserts an Anthropic error body and returns its message.
async fn error_message(response: reqwest::Response, status: u16, error_type: &str) -> String {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["type"], json!("error"), "{body}");
    assert_eq!(body["error"]["type"], json!(error_type), "{body}");
    body["error"]["message"]
        .as_str()
        .expect("error message")
        .to_owned()
}

#[tokio::test]
async fn streaming_text_is_translated_and_routed() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            "/v1/messages?beta=true",
            json!({
                "model": "claude-sonnet-4-6", "max_tokens": 1024, "stream": true,
                "system": [{"type": "text", "text": "You are terse."}],
                "messages": [{"role": "user", "content": "Say hello."}],
            }),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type"), "text/event-stream");
        let model = header(&response, "x-router-model").to_owned();
        let num_ctx = header(&response, "x-router-num-ctx").to_owned();
        assert_eq!(model, "qwen3:8b", "a plain chat is daily work");
        assert_eq!(header(&response, "x-router-kind"), "daily");

        let events = parse_sse(&response.text().await.expect("stream body"));
        let names = names(&events);
        assert_eq!(&names[..2], ["message_start", "ping"]);
        assert_eq!(names.last(), Some(&"message_stop"));
        assert_eq!(
            events[0].data["message"]["model"],
            json!("qwen3:8b"),
            "the model that answered"
        );
        assert!(
            events[0].data["message"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("msg_"))
        );

        // qwen3 thinks first (think not set): a thinking block, closed with a signature, then text.
        let starts: Vec<(&Value, &Value)> = events
            .iter()
            .filter(|e| e.name == "content_block_start")
            .map(|e| (&e.data["index"], &e.data["content_block"]["type"]))
            .collect();
        assert_eq!(
            starts,
            [(&json!(0), &json!("thinking")), (&json!(1), &json!("text"))]
        );
        assert!(
            events
                .iter()
                .any(|e| e.data["delta"]["type"] == json!("signature_delta"))
        );
        let text: String = events
            .iter()
            .filter_map(|e| e.data["delta"]["text"].as_str())
            .collect();
        assert!(!text.trim().is_empty());

        let delta = events
            .iter()
            .find(|e| e.name == "message_delta")
            .expect("message_delta");
        assert_eq!(delta.data["delta"]["stop_reason"], json!("end_turn"));
        assert!(
            delta.data["usage"]["output_tokens"].as_u64() > Some(0),
            "{}",
            delta.data
        );
        assert!(
            delta.data["usage"]["input_tokens"].as_u64() > Some(0),
            "{}",
            delta.data
        );

        let sent = inference_requests(&env).await;
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0]["path"],
            json!("/api/chat"),
            "translated to the native API"
        );
        assert_eq!(sent[0]["model"], json!(model));
        assert_eq!(
            sent[0]["num_ctx"].to_string(),
            num_ctx,
            "the router set num_ctx"
        );
        assert_eq!(sent[0]["truncated"], json!(false));
        assert_eq!(sent[0]["options"]["num_predict"], json!(1024));
    })
    .await;
}

#[tokio::test]
async fn tool_use_round_trip_without_streaming() {
    within(async {
        let env = TestEnv::start().await;
        let tools = json!([{
            "name": "get_weather", "description": "Current weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        }]);
        let question = json!({"role": "user", "content": "Weather in Paris?"});
        let first = post(
            &env,
            "/v1/messages",
            json!({"model": "claude-sonnet-4-6", "max_tokens": 256, "tools": tools, "messages": [question]}),
        )
        .await;
        assert_eq!(first.status(), 200);
        assert!(header(&first, "content-type").starts_with("application/json"));
        let first: Value = first.json().await.expect("message json");
        assert_eq!(first["type"], json!("message"));
        assert_eq!(first["stop_reason"], json!("tool_use"), "{first}");
        let tool_use = first["content"]
            .as_array()
            .and_then(|blocks| blocks.iter().find(|b| b["type"] == json!("tool_use")))
            .unwrap_or_else(|| panic!("a tool_use block: {first}"))
            .clone();
        assert_eq!(tool_use["name"], json!("get_weather"));
        assert!(tool_use["input"]["city"].is_string(), "{tool_use}");
        let id = tool_use["id"].as_str().expect("tool id").to_owned();
        assert!(id.starts_with("call_") || id.starts_with("toolu_"), "{id}");
        assert!(first["usage"]["input_tokens"].as_u64() > Some(0));

        let second = post(
            &env,
            "/v1/messages",
            json!({
                "model": "claude-sonnet-4-6", "max_tokens": 256, "tools": tools,
                "messages": [
                    question,
                    {"role": "assistant", "content": first["content"]},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": "sunny, 21 degrees"}]},
                ],
            }),
        )
        .await;
        assert_eq!(second.status(), 200);
        let second: Value = second.json().await.expect("message json");
        assert_eq!(second["stop_reason"], json!("end_turn"), "{second}");
        let text: String = second["content"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["text"].as_str())
            .collect();
        assert!(text.contains("sunny, 21 degrees"), "the answer quotes the tool result: {text}");
    })
    .await;
}

#[tokio::test]
async fn streamed_tool_use_arrives_as_one_input_json_delta() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            "/v1/messages",
            json!({
                "model": "claude-sonnet-4-6", "max_tokens": 256, "stream": true,
                "thinking": {"type": "disabled"},
                "tools": [{"name": "Read", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}}],
                "messages": [{"role": "user", "content": "Open main.rs"}],
            }),
        )
        .await;
        assert_eq!(response.status(), 200);
        let events = parse_sse(&response.text().await.expect("stream body"));
        let start = events
            .iter()
            .find(|e| e.name == "content_block_start" && e.data["content_block"]["type"] == json!("tool_use"))
            .unwrap_or_else(|| panic!("a tool_use block: {:?}", names(&events)));
        assert_eq!(start.data["content_block"]["name"], json!("Read"));
        assert_eq!(start.data["content_block"]["input"], json!({}));
        let index = &start.data["index"];
        let deltas: Vec<&Value> = events
            .iter()
            .filter(|e| &e.data["index"] == index && e.name == "content_block_delta")
            .map(|e| &e.data["delta"])
            .collect();
        assert_eq!(deltas.len(), 1);
        assert_eq!(deltas[0]["type"], json!("input_json_delta"));
        let input: Value = serde_json::from_str(deltas[0]["partial_json"].as_str().expect("partial_json")).expect("json input");
        assert!(input["file_path"].is_string(), "{input}");
        let stop = events.iter().find(|e| e.name == "message_delta").expect("message_delta");
        assert_eq!(stop.data["delta"]["stop_reason"], json!("tool_use"));
        assert!(!events.iter().any(|e| e.data["content_block"]["type"] == json!("thinking")), "thinking disabled");
    })
    .await;
}

#[tokio::test]
async fn count_tokens_is_answered_locally() {
    within(async {
        let env = TestEnv::start().await;
        let count = |content: String| {
            let env = &env;
            async move {
                let response = post(
                    env,
                    "/v1/messages/count_tokens?beta=true",
                    json!({"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": content}]}),
                )
                .await;
                assert_eq!(response.status(), 200);
                let body: Value = response.json().await.expect("count json");
                body["input_tokens"].as_u64().unwrap_or_else(|| panic!("input_tokens: {body}"))
            }
        };
        let short = count("hi".to_owned()).await;
        let long = count("fn main() { println!(\"hello\"); }\n".repeat(400)).await;
        assert!(short > 0);
        assert!(long > short + 1000, "{short} -> {long}");
        assert!(inference_requests(&env).await.is_empty(), "Ollama was not asked");
    })
    .await;
}

/// count_tokens answers only for models a request could use: a model neither the catalog nor
/// Ollama knows, or a bad virtual name, is a 404 `not_found_error`, like on `/v1/messages`. An
/// installed model the catalog does not know is counted.
#[tokio::test]
async fn count_tokens_rejects_unknown_models() {
    within(async {
        let env = TestEnv::start().await;
        env.refresh().await;
        let count = |model: &'static str| {
            let env = &env;
            async move {
                post(
                    env,
                    "/v1/messages/count_tokens",
                    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}),
                )
                .await
            }
        };
        for model in ["no-such-model:7b", "auto:bogus"] {
            let message = error_message(count(model).await, 404, "not_found_error").await;
            assert!(message.contains(model), "{message}");
        }
        for model in ["llava:7b", "qwen3:8b", "auto"] {
            assert_eq!(count(model).await.status(), 200, "{model}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_prompt_no_context_can_hold_is_the_error_claude_code_compacts_on() {
    within(async {
        let env = TestEnv::start().await;
        let huge = "lorem ipsum dolor sit amet ".repeat(60_000);
        let pattern = regex::Regex::new(r"^prompt is too long: \d+ tokens > \d+ maximum$").expect("regex");
        for stream in [false, true] {
            let response = post(
                &env,
                "/v1/messages?beta=true",
                json!({"model": "claude-opus-4-7", "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": huge}]}),
            )
            .await;
            let message = error_message(response, 400, "invalid_request_error").await;
            assert!(pattern.is_match(&message), "{message}");
        }
        assert!(inference_requests(&env).await.is_empty(), "never sent to be truncated");
    })
    .await;
}

#[tokio::test]
async fn bad_requests_get_anthropic_errors() {
    within(async {
        let env = TestEnv::start().await;
        let raw = reqwest::Client::new()
            .post(env.url("/v1/messages"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("router answers");
        error_message(raw, 400, "invalid_request_error").await;

        let missing = post(&env, "/v1/messages", json!({"model": "m", "messages": [{"role": "user", "content": "x"}]})).await;
        assert_eq!(error_message(missing, 400, "invalid_request_error").await, "max_tokens: field required");

        let url_image = post(
            &env,
            "/v1/messages",
            json!({"model": "claude-sonnet-4-6", "max_tokens": 8, "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
            ]}]}),
        )
        .await;
        let message = error_message(url_image, 400, "invalid_request_error").await;
        assert!(message.contains("Only base64 images are supported"), "{message}");

        let unknown = post(
            &env,
            "/v1/messages",
            json!({"model": "auto:bogus", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
        error_message(unknown, 404, "not_found_error").await;
        assert!(inference_requests(&env).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_failure_mid_stream_ends_with_an_error_event() {
    within(async {
        let env = TestEnv::start().await;
        let fail = reqwest::Client::new()
            .post(env.sim_url("/sim/fail"))
            .json(&json!({"after_chunks": 2, "error": "an error was encountered while running the model", "status": 500}))
            .send()
            .await
            .expect("sim answers");
        assert!(fail.status().is_success());
        let response = post(
            &env,
            "/v1/messages",
            json!({"model": "claude-sonnet-4-6", "max_tokens": 256, "stream": true, "messages": [{"role": "user", "content": "Say hello."}]}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let events = parse_sse(&response.text().await.expect("stream body"));
        let last = events.last().expect("events");
        assert_eq!(last.name, "error", "{:?}", names(&events));
        assert_eq!(last.data["error"]["type"], json!("api_error"));
        assert_eq!(last.data["error"]["message"], json!("an error was encountered while running the model"));
        assert!(!names(&events).contains(&"message_stop"));
    })
    .await;
}

#[tokio::test]
async fn a_busy_upstream_is_overloaded() {
    within(async {
        let env = TestEnv::start().await;
        let busy = "server busy, please try again.  maximum pending requests exceeded";
        for stream in [false, true] {
            let fail = reqwest::Client::new()
                .post(env.sim_url("/sim/fail"))
                .json(&json!({"after_chunks": 0, "error": busy, "status": 503}))
                .send()
                .await
                .expect("sim answers");
            assert!(fail.status().is_success());
            let response = post(
                &env,
                "/v1/messages",
                json!({"model": "claude-sonnet-4-6", "max_tokens": 16, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}),
            )
            .await;
            assert_eq!(error_message(response, 529, "overloaded_error").await, busy, "stream: {stream}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_upstream_is_an_api_error_naming_it() {
    within(async {
        // A port that was just free: nothing listens there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut config = ollama_router::config::from_toml_str("[gpu]\nsource = \"static\"\n")
            .expect("config parses");
        config.upstream.url = format!("http://{closed}");
        let settings = ollama_router::config::Settings::compile(config, None).expect("valid config");
        let unused_sim = ollama_sim::sim::spawn(common::fast_sim()).await.expect("sim");
        let env = TestEnv::with_settings(unused_sim, settings).await;
        for stream in [false, true] {
            let response = post(
                &env,
                "/v1/messages",
                json!({"model": "claude-sonnet-4-6", "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}),
            )
            .await;
            let message = error_message(response, 502, "api_error").await;
            assert!(message.contains(&closed.to_string()), "names the upstream: {message}");
        }
    })
    .await;
}

#[tokio::test]
async fn claude_code_traffic_is_classified_by_shape_and_headers() {
    within(async {
        let env = TestEnv::start().await;
        let kind_of = |body: Value, headers: Vec<(&'static str, &'static str)>| {
            let env = &env;
            async move {
                let response = post_with_headers(env, body, &headers).await;
                assert_eq!(response.status(), 200);
                let kind = header(&response, "x-router-kind").to_owned();
                let _ = response.bytes().await;
                kind
            }
        };
        let session = ("x-claude-code-session-id", "6ce6b851-19c7-4835-8267-622e2998a726");

        // A session title: no tools, no thinking, structured output.
        let title = json!({
            "model": "auto", "max_tokens": 512, "tools": [], "thinking": {"type": "disabled"},
            "system": [{"type": "text", "text": "Generate a concise title. Return JSON with a single \"title\" field."}],
            "messages": [{"role": "user", "content": "<session>fix the flaky test</session> Write the title in English."}],
            "output_config": {"format": {"type": "json_schema", "schema": {"type": "object", "properties": {"title": {"type": "string"}}}}},
        });
        assert_eq!(kind_of(title, vec![]).await, "quick");

        let planning = json!({
            "model": "auto", "max_tokens": 2048, "stream": true,
            "thinking": {"type": "enabled", "budget_tokens": 4000},
            "messages": [{"role": "user", "content": "How should the cache layer be structured?"}],
        });
        assert_eq!(kind_of(planning, vec![session]).await, "complex");

        let probe = json!({"model": "auto", "max_tokens": 1,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}}]}]});
        assert_eq!(kind_of(probe, vec![]).await, "daily");

        let helper_by_header = json!({"model": "auto", "max_tokens": 64,
            "tools": [{"name": "Bash", "input_schema": {"type": "object"}}],
            "messages": [{"role": "user", "content": "summarise the last tool call"}]});
        assert_eq!(kind_of(helper_by_header, vec![("x-claude-code-request-class", "auxiliary")]).await, "quick");
    })
    .await;
}

#[tokio::test]
async fn official_python_sdk() {
    let env = TestEnv::start().await;
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(600),
        common::run_python_async("anthropic_sdk.py", vec![env.url("")]),
    )
    .await
    .expect("the SDK checks finish");
    assert!(
        output.contains("all anthropic SDK checks passed"),
        "{output}"
    );
}

//! `/v1/messages` of the simulated Ollama over HTTP against real Ollama's behaviour
//! (`anthropic/anthropic.go`, `middleware/anthropic.go` at v0.33): it runs on the sim's own chat,
//! streams Ollama's event sequence, answers non-streaming requests in Anthropic's shape, and
//! relaxes `think` for models that cannot think. Fixtures 03/04 are ported in `fixtures.rs`.

use std::time::Duration;

use ollama_sim::sim::anthropic::estimate_input_tokens;
use ollama_sim::sim::{SimConfig, SimHandle, spawn};
use serde_json::{Value, json};

async fn fast_sim() -> SimHandle {
    spawn(SimConfig {
        fast: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim binds")
}

async fn post(sim: &SimHandle, body: &Value) -> reqwest::Response {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
        .post(format!("{}/v1/messages", sim.url()))
        .json(body)
        .send()
        .await
        .expect("request")
}

fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|frame| {
            let (event, data) = frame.split_once('\n').expect("two lines");
            (
                event.strip_prefix("event: ").expect("event").to_owned(),
                serde_json::from_str(data.strip_prefix("data: ").expect("data")).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn streamed_thinking_and_tool_use() {
    let sim = fast_sim().await;
    let request = json!({
        "model": "qwen3:8b", "max_tokens": 200, "stream": true,
        "system": [{"type": "text", "text": "You are Claude Code."}],
        "messages": [{"role": "user", "content": "weather in Paris?"}],
        "tools": [{"name": "get_weather", "description": "Weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
    });
    let response = post(&sim, &request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.unwrap();
    // Struct field order as Go marshals it.
    assert!(
        text.starts_with(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_"
        ),
        "{text}"
    );
    let events = events(&text);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    // No prompt count before the first token: message_start carries Ollama's len/4 estimate.
    assert_eq!(
        events[0].1["message"]["usage"],
        json!({"input_tokens": estimate_input_tokens(&request), "output_tokens": 0})
    );
    assert_eq!(events[0].1["message"]["content"], json!([]));
    assert_eq!(events[6].1["content_block"]["type"], "tool_use");
    assert_eq!(events[6].1["content_block"]["input"], json!({}));
    assert_eq!(events[6].1["index"], 1);
    assert_eq!(
        events[7].1["delta"],
        json!({"type": "input_json_delta", "partial_json": "{\"city\":\"sample\"}"})
    );
    let record = sim.sim.requests().last().cloned().unwrap();
    assert_eq!(record.path, "/api/chat");
    assert!(record.has_tools);
    assert_eq!(
        events[9].1,
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"},
            "usage": {"input_tokens": record.prompt_eval_count, "output_tokens": events[9].1["usage"]["output_tokens"]}})
    );
    assert!(events[9].1["usage"]["output_tokens"].as_u64().unwrap() > 3);
}

#[tokio::test]
async fn non_streaming_message_and_tool_result_turn() {
    let sim = fast_sim().await;
    let response = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "max_tokens": 200, "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "sunny"}]}]},
        ]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("}\n"), "json.Encoder's newline: {text}");
    assert!(
        text.starts_with(r#"{"id":"msg_"#)
            && text.contains(
                r#""type":"message","role":"assistant","model":"qwen2.5:7b","content":["#
            ),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    // The tool result reached the chat as the last (tool) message.
    assert_eq!(
        body["content"],
        json!([{"type": "text", "text": "The tool returned: sunny"}])
    );
    assert_eq!(body["stop_reason"], "end_turn");
    assert!(body.get("stop_sequence").is_none(), "omitted when empty");
    let record = sim.sim.requests().last().cloned().unwrap();
    assert_eq!(body["usage"]["input_tokens"], record.prompt_eval_count);
    assert_eq!(
        record.options["num_predict"], 200,
        "max_tokens -> num_predict"
    );
}

/// `max_tokens` caps the answer: the stop reason is `max_tokens`.
#[tokio::test]
async fn max_tokens_maps_to_num_predict_and_stop_reason() {
    let sim = fast_sim().await;
    let body: Value = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "max_tokens": 3, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["stop_reason"], "max_tokens");
    assert_eq!(body["usage"]["output_tokens"], 3);
}

/// `relax_thinking`: on /v1/messages a model without the thinking capability ignores `thinking`
/// (Claude Code always sends it); native /api/chat refuses the same request.
#[tokio::test]
async fn thinking_is_relaxed_for_models_that_cannot_think() {
    let sim = fast_sim().await;
    let response = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "max_tokens": 50, "thinking": {"type": "enabled", "budget_tokens": 1024},
            "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let record = sim.sim.requests().last().cloned().unwrap();
    assert!(record.think.is_null(), "{:?}", record.think);

    // A thinking model keeps it.
    let response = post(
        &sim,
        &json!({"model": "qwen3:8b", "max_tokens": 50, "output_config": {"effort": "high"},
            "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["content"][0]["type"], "thinking");
    let record = sim.sim.requests().last().cloned().unwrap();
    assert_eq!(record.think, "high");
}

#[tokio::test]
async fn conversion_errors_are_400s_in_anthropic_shape() {
    let sim = fast_sim().await;
    for (request, message) in [
        (
            json!({"model": "qwen2.5:7b", "max_tokens": 5, "messages": [{"role": "assistant", "content": [{"type": "tool_use", "name": "f", "input": {}}]}]}),
            "tool_use block missing required 'id' field",
        ),
        (
            json!({"model": "qwen2.5:7b", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "http://x"}}]}]}),
            "invalid image source type: url. Only base64 images are supported.",
        ),
        (
            json!({"model": "qwen2.5:7b", "max_tokens": "5", "messages": [{"role": "user", "content": "hi"}]}),
            "json: cannot unmarshal string into Go struct field MessagesRequest.max_tokens of type int",
        ),
        (
            json!({"model": "bad name!!", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}),
            "invalid model name",
        ),
    ] {
        let response = post(&sim, &request).await;
        assert_eq!(response.status(), 400, "{request}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"],
            json!({"type": "invalid_request_error", "message": message}),
            "{request}"
        );
    }
    assert!(sim.sim.requests().is_empty(), "nothing reached the runner");
}

//! `/v1/responses` of the simulated Ollama against real Ollama's behaviour (`openai/responses.go`,
//! `middleware/openai.go` at v0.33): request mapping, the streamed event sequence and shapes, the
//! response object, errors, and that it runs on the sim's own chat (tokens, context rules).

use std::time::Duration;

use ollama_sim::sim::responses::{ResponsesStream, responses_request_to_native};
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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client builds")
}

async fn post(sim: &SimHandle, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/v1/responses", sim.url()))
        .json(body)
        .send()
        .await
        .expect("request")
}

/// `(event name, data)` of an SSE body, checking the `event:` line matches the data's `type`.
fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|frame| {
            let (event, data) = frame.split_once('\n').expect("two lines");
            let name = event
                .strip_prefix("event: ")
                .expect("event line")
                .to_owned();
            let data: Value =
                serde_json::from_str(data.strip_prefix("data: ").expect("data line")).unwrap();
            assert_eq!(data["type"], name, "{frame}");
            (name, data)
        })
        .collect()
}

fn weather_tool() -> Value {
    json!({
        "type": "function",
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    })
}

#[test]
fn codex_history_maps_to_native_messages() {
    // What Codex sends on its second turn: instructions, the user turn, the reasoning and call of
    // the previous turn, the assistant's replayed text, and the call's output.
    let request = json!({
        "model": "qwen3:8b",
        "instructions": "You are Codex.",
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "I should run ls."},
            {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running ls."}]},
            {"type": "function_call_output", "call_id": "call_1", "output": "a.txt\nb.txt"},
            {"role": "user", "content": "thanks"},
        ],
        "tools": [weather_tool()],
        "reasoning": {"effort": "xhigh"},
        "max_output_tokens": 512,
        "stream": true,
    });
    let native = responses_request_to_native(&request).unwrap();
    assert_eq!(
        native["messages"],
        json!([
            {"role": "system", "content": "You are Codex."},
            {"role": "user", "content": "list files"},
            // The replayed text joins the call's message: the output still follows its call.
            {"role": "assistant", "content": "Running ls.", "thinking": "I should run ls.",
             "tool_calls": [{"id": "call_1", "function": {"index": 0, "name": "shell", "arguments": {"command": ["ls"]}}}]},
            {"role": "tool", "content": "a.txt\nb.txt", "tool_call_id": "call_1"},
            {"role": "user", "content": "thanks"},
        ])
    );
    assert_eq!(native["think"], "max", "xhigh -> max");
    assert_eq!(
        native["options"],
        json!({"temperature": 1.0, "num_predict": 512}),
        "temperature defaults to 1.0, top_p is left to the model"
    );
    assert_eq!(native["stream"], true);
    assert_eq!(
        native["tools"],
        json!([{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])
    );

    // A namespace expands to qualified members; effort "none" turns thinking off; a plain string
    // input is one user message; stream defaults to false.
    let request = json!({
        "model": "m", "input": "hi", "reasoning": {"effort": "none"}, "top_p": 0.5,
        "tools": [{"type": "namespace", "name": "fs", "tools": [{"type": "function", "name": "read", "parameters": {"type": "object"}}]}],
    });
    let native = responses_request_to_native(&request).unwrap();
    assert_eq!(
        native["messages"],
        json!([{"role": "user", "content": "hi"}])
    );
    assert_eq!(native["think"], false);
    assert_eq!(native["stream"], false);
    assert_eq!(native["options"]["top_p"], 0.5);
    assert_eq!(native["tools"][0]["function"]["name"], "fs.read");
}

#[test]
fn malformed_requests_get_ollamas_texts() {
    for (request, message) in [
        (
            json!({"model": "m", "input": [{"type": "bogus"}]}),
            "input[0]: unknown input item type: \"bogus\"",
        ),
        (
            json!({"model": "m", "input": [{"content": "no type, no role"}]}),
            "input[0]: input item missing required 'type' field",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [{"type": "video"}]}]}),
            "input[0]: content[0]: unknown content type: video",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}),
            "file inputs are not currently supported",
        ),
        (
            json!({"model": "m", "input": "hi", "reasoning": {"effort": "huge"}}),
            "invalid reasoning value: \"huge\" (must be \"minimal\", \"low\", \"medium\", \"high\", \"xhigh\", \"ultra\", \"max\", or \"none\")",
        ),
        (
            json!({"model": 7, "input": "hi"}),
            "json: cannot unmarshal number into Go struct field ResponsesRequest.model of type string",
        ),
        (
            json!({"model": "m", "input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{bad"}]}),
            "failed to parse function call arguments: invalid character 'b' looking for beginning of object key string",
        ),
    ] {
        assert_eq!(
            responses_request_to_native(&request).unwrap_err(),
            message,
            "{request}"
        );
    }
}

#[tokio::test]
async fn non_streaming_response_object() {
    let sim = fast_sim().await;
    let response = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "input": "hello", "instructions": "be brief"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    // The writer's json.Encoder: bare content type, trailing newline.
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("}\n"), "{text}");
    // Struct field order, Go's float formatting (1.0 -> 1).
    assert!(
        text.starts_with(r#"{"id":"resp_"#) && text.contains(r#""top_p":1,"presence_penalty":0"#),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["object"], "response");
    assert_eq!(body["status"], "completed");
    assert_eq!(body["instructions"], "be brief");
    assert_eq!(body["truncation"], "disabled");
    assert!(body["completed_at"].is_i64());
    let output = body["output"].as_array().unwrap();
    assert_eq!(output.len(), 1, "{body}");
    assert_eq!(output[0]["type"], "message");
    assert!(output[0]["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(
        output[0]["content"][0],
        json!({"type": "output_text",
            "text": "Simulated answer from qwen2.5:7b. It stands in for the reply a real model would write.",
            "annotations": [], "logprobs": []})
    );
    // It ran through the sim's native chat: the usage is the chat's own count.
    let record = sim.sim.requests().last().cloned().unwrap();
    assert_eq!(record.path, "/api/chat");
    assert!(!record.stream);
    assert_eq!(body["usage"]["input_tokens"], record.prompt_eval_count);
    assert_eq!(body["usage"]["output_tokens"], 15);
    assert_eq!(body["usage"]["total_tokens"], record.prompt_eval_count + 15);
}

#[tokio::test]
async fn streamed_text_event_sequence() {
    let sim = fast_sim().await;
    let response = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "input": "hello", "stream": true}),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "SSE"
    );
    let text = response.text().await.unwrap();
    // Go marshals the event maps with sorted keys.
    assert!(
        text.contains(r#"data: {"content_index":0,"delta":"Simulated","item_id":"msg_"#),
        "{text}"
    );
    let events = events(&text);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = vec![
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ];
    expected.extend(["response.output_text.delta"; 15]);
    expected.extend([
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]);
    assert_eq!(names, expected);
    for (i, (_, data)) in events.iter().enumerate() {
        assert_eq!(data["sequence_number"], i as u64);
    }
    assert_eq!(events[0].1["response"]["status"], "in_progress");
    assert_eq!(events[0].1["response"]["output"], json!([]));
    assert!(events[0].1["response"]["usage"].is_null());
    let deltas: String = events
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    let done = &events[19].1;
    assert_eq!(done["text"], deltas);
    let completed = &events.last().unwrap().1["response"];
    assert_eq!(completed["status"], "completed");
    assert!(completed["completed_at"].is_i64());
    assert_eq!(completed["output"][0]["content"][0]["text"], deltas);
    let record = sim.sim.requests().last().cloned().unwrap();
    assert!(record.stream);
    assert_eq!(completed["usage"]["input_tokens"], record.prompt_eval_count);
    assert_eq!(completed["usage"]["output_tokens"], 15);
}

#[tokio::test]
async fn streamed_reasoning_then_function_call() {
    let sim = fast_sim().await;
    let text = post(
        &sim,
        &json!({"model": "qwen3:8b", "input": "weather in Paris?", "stream": true,
            "reasoning": {"effort": "high"}, "tools": [weather_tool()]}),
    )
    .await
    .text()
    .await
    .unwrap();
    let events = events(&text);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(
        events[0].1["response"]["reasoning"],
        json!({"effort": "high", "summary": null})
    );
    assert_eq!(events[0].1["response"]["tools"][0]["strict"], Value::Null);
    let reasoning = &events[7].1;
    assert_eq!(reasoning["output_index"], 0);
    assert_eq!(
        reasoning["item"]["encrypted_content"],
        "Okay, let me think."
    );
    let added = &events[8].1;
    assert_eq!(added["output_index"], 1);
    assert_eq!(added["item"]["status"], "in_progress");
    assert_eq!(added["item"]["arguments"], "");
    assert_eq!(added["item"]["name"], "get_weather");
    assert!(
        added["item"]["call_id"]
            .as_str()
            .unwrap()
            .starts_with("call_")
    );
    assert_eq!(events[10].1["arguments"], "{\"city\":\"sample\"}");
    let output = &events[12].1["response"]["output"];
    assert_eq!(output.as_array().unwrap().len(), 2, "{output}");
    assert_eq!(output[0]["type"], "reasoning");
    assert_eq!(output[1]["type"], "function_call");
    assert_eq!(output[1]["call_id"], added["item"]["call_id"]);
    let record = sim.sim.requests().last().cloned().unwrap();
    assert_eq!(record.think, "high");
    assert!(record.has_tools);
}

#[tokio::test]
async fn function_call_output_round_trip_reaches_the_model() {
    let sim = fast_sim().await;
    let body: Value = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "tools": [weather_tool()], "input": [
            {"role": "user", "content": "weather?"},
            {"type": "function_call", "call_id": "call_9", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_9", "output": "sunny"},
        ]}),
    )
    .await
    .json()
    .await
    .unwrap();
    // The sim's model answers a tool result with the result: the output reached the chat as the
    // last (tool) message.
    assert_eq!(
        body["output"][0]["content"][0]["text"],
        "The tool returned: sunny"
    );
}

#[tokio::test]
async fn errors_in_openai_shape() {
    let sim = fast_sim().await;
    let cases = [
        (
            json!({"model": "llama9", "input": "hi"}),
            404,
            "not_found_error",
            "model 'llama9' not found",
        ),
        (
            json!({"input": "hi"}),
            400,
            "invalid_request_error",
            "model is required",
        ),
        (
            json!({"model": "qwen2.5:7b", "input": "hi", "reasoning": {"effort": "high"}}),
            400,
            "invalid_request_error",
            "\"qwen2.5:7b\" does not support thinking",
        ),
        (
            json!({"model": "qwen2.5:7b", "input": [{"type": "bogus"}]}),
            400,
            "invalid_request_error",
            "input[0]: unknown input item type: \"bogus\"",
        ),
    ];
    for (request, status, kind, message) in cases {
        let response = post(&sim, &request).await;
        assert_eq!(response.status().as_u16(), status, "{request}");
        // The middleware's own 400s go through gin (charset); native errors through the writer.
        let content_type = if message.starts_with("input[") {
            "application/json; charset=utf-8"
        } else {
            "application/json"
        };
        assert_eq!(
            response.headers()["content-type"],
            content_type,
            "{request}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["type"], kind, "{request}");
        assert_eq!(body["error"]["message"], message, "{request}");
    }
    let response = client()
        .post(format!("{}/v1/responses", sim.url()))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["message"], "unexpected EOF");
}

/// The native chat's context rules apply: a prompt over the context with context shift off is
/// the runner's 400, relayed in OpenAI's shape (deepseek2 models run with shift off).
#[tokio::test]
async fn prompt_longer_than_context_is_refused_like_chat() {
    let sim = fast_sim().await;
    let long = "word ".repeat(6000);
    let response = post(
        &sim,
        &json!({"model": "deepseek-coder-v2:16b", "input": long}),
    )
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length"
    );
    assert_eq!(sim.sim.stats().refused_too_long, 1);
}

/// An `{"error"}` line mid-stream: Ollama's writer decodes it as an empty chat response, which
/// closes nothing: the stream ends without `response.completed`.
#[tokio::test]
async fn error_mid_stream_ends_without_completed() {
    let sim = fast_sim().await;
    sim.sim.inject_failure(ollama_sim::sim::FailurePlan {
        after_chunks: 2,
        error: "an error was encountered while running the model".into(),
        status: 500,
        count: 1,
    });
    let text = post(
        &sim,
        &json!({"model": "qwen2.5:7b", "input": "hello", "stream": true}),
    )
    .await
    .text()
    .await
    .unwrap();
    let names: Vec<String> = events(&text).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
        ]
    );
}

/// Text after a tool call is not streamed, and a done chunk that carries the tool calls (the
/// shape of Ollama's native and harmony paths) still yields the function_call items.
#[test]
fn converter_handles_tool_calls_in_the_done_chunk() {
    let mut stream = ResponsesStream::new("resp_1", "msg_1", &json!({"model": "m"}));
    let done = json!({"model": "m", "message": {"role": "assistant", "content": "",
        "tool_calls": [{"id": "call_abc", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}]},
        "done": true, "done_reason": "stop", "prompt_eval_count": 3, "eval_count": 2});
    let names: Vec<String> = stream.push(&done, 0).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
}

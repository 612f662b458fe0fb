//! The OpenAI Responses API (`/v1/responses`, Codex) over real HTTP: the router translates it to
//! native `/api/chat` in front of the simulated Ollama, so routing and `num_ctx` apply.

mod common;

use common::{TestEnv, within};
use serde_json::{Value, json};

async fn post(env: &TestEnv, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(env.url("/v1/responses"))
        .json(body)
        .send()
        .await
        .expect("router answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}: {:?}", response.headers()))
        .to_str()
        .expect("ASCII header")
}

/// `(event, data)` of each SSE frame.
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|frame| !frame.trim().is_empty())
        .map(|frame| {
            let (event, data) = frame
                .strip_prefix("event: ")
                .and_then(|rest| rest.split_once("\ndata: "))
                .unwrap_or_else(|| panic!("not an event frame: {frame:?}"));
            let data: Value =
                serde_json::from_str(data).unwrap_or_else(|e| panic!("bad data {data:?}: {e}"));
            (event.to_owned(), data)
        })
        .collect()
}

async fn inference_requests(env: &TestEnv) -> Vec<Value> {
    env.sim_requests()
        .await
        .into_iter()
        .filter(|r| r["kind"] == "inference")
        .collect()
}

fn codex_fixture() -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/codex-responses.json"),
    )
    .expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

#[tokio::test]
async fn codex_turn_runs_as_native_chat_with_a_routed_context() {
    within(async {
        let env = TestEnv::start().await;
        let fixture = codex_fixture();
        let response = post(&env, &fixture["body"]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type"), "text/event-stream");
        let num_ctx: u64 = header(&response, "x-router-num-ctx").parse().unwrap();
        let model = header(&response, "x-router-model").to_owned();
        let events = events(&response.text().await.unwrap());

        // Ollama got a native chat with the routed context, holding the whole ~10K-token prompt.
        let sent = inference_requests(&env).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        let sent = &sent[0];
        assert_eq!(sent["path"], "/api/chat", "{sent}");
        assert_eq!(sent["model"], model.as_str());
        assert_eq!(sent["num_ctx"], num_ctx);
        assert!(sent["prompt_tokens"].as_u64().unwrap() > 8000, "{sent}");
        assert_eq!(sent["truncated"], false, "{sent}");

        // The last input item is a tool result: the sim answers with text, streamed as a message.
        let (first, _) = &events[0];
        assert_eq!(first, "response.created");
        let (last, done) = events.last().unwrap();
        assert_eq!(last, "response.completed", "{events:?}");
        let output = done["response"]["output"].as_array().unwrap();
        let message = output
            .iter()
            .find(|i| i["type"] == "message")
            .expect("a message");
        let text = message["content"][0]["text"].as_str().unwrap();
        assert!(text.starts_with("The tool returned:"), "{text}");
        assert!(done["response"]["usage"]["input_tokens"].as_u64().unwrap() > 8000);
        for (i, (_, data)) in events.iter().enumerate() {
            assert_eq!(data["sequence_number"], i, "{data}");
        }
    })
    .await;
}

#[tokio::test]
async fn tool_call_round_trip_without_streaming() {
    within(async {
        let env = TestEnv::start().await;
        let tools = json!([{"type": "function", "name": "shell", "description": "Run a command",
            "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}]);
        let first = post(&env, &json!({"model": "auto", "input": "list the files", "tools": tools})).await;
        assert_eq!(first.status(), 200);
        assert!(header(&first, "content-type").starts_with("application/json"));
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["object"], "response");
        assert_eq!(first["status"], "completed");
        let call = first["output"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["type"] == "function_call")
            .unwrap_or_else(|| panic!("no call: {first}"))
            .clone();
        assert_eq!(call["name"], "shell");
        let args: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args, json!({"cmd": "sample"}));

        let second = post(&env, &json!({"model": "auto", "tools": tools, "input": [
            {"role": "user", "content": "list the files"},
            call,
            {"type": "function_call_output", "call_id": call["call_id"], "output": "a.rs b.rs"},
        ]}))
        .await;
        assert_eq!(second.status(), 200);
        let second: Value = second.json().await.unwrap();
        let message = second["output"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["type"] == "message")
            .unwrap_or_else(|| panic!("no message: {second}"));
        let text = &message["content"][0]["text"];
        // The sim quotes the last message when it is a tool result: the output reached Ollama
        // as a native `tool` message.
        assert_eq!(text, "The tool returned: a.rs b.rs", "{second}");
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_an_openai_error_and_reaches_nothing() {
    within(async {
        let env = TestEnv::start().await;
        for (body, param) in [
            (
                json!({"model": "auto", "input": [{"type": "computer_call", "id": "x"}]}),
                "input[0].type",
            ),
            (
                json!({"model": "auto", "input": "hi", "previous_response_id": "resp_1"}),
                "previous_response_id",
            ),
            (json!({"model": "auto"}), "input"),
        ] {
            let response = post(&env, &body).await;
            assert_eq!(response.status(), 400, "{body}");
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["type"], "invalid_request_error", "{error}");
            assert_eq!(error["error"]["param"], param, "{error}");
        }
        assert!(inference_requests(&env).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_prompt_no_model_holds_is_context_length_exceeded() {
    within(async {
        let env = TestEnv::start().await;
        let huge = "fn main() { println!(\"hello\"); }\n".repeat(40_000);
        let response = post(
            &env,
            &json!({"model": "auto", "input": huge, "stream": true}),
        )
        .await;
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "context_length_exceeded", "{error}");
        assert!(inference_requests(&env).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_virtual_model_is_routed_and_its_context_applied() {
    within(async {
        let env = TestEnv::start().await;
        let response = post(
            &env,
            &json!({"model": "auto:complex", "instructions": "You are Codex.", "input": "hi"}),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-router-model"), "qwen3:14b");
        assert_eq!(header(&response, "x-router-kind"), "complex");
        let num_ctx: u64 = header(&response, "x-router-num-ctx").parse().unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["model"], "qwen3:14b", "{body}");
        let sent = inference_requests(&env).await;
        assert_eq!(sent[0]["model"], "qwen3:14b");
        assert_eq!(sent[0]["num_ctx"], num_ctx);
    })
    .await;
}

//! Fixtures from real Ollama (`../shared/reference/ollama-fixtures/`, beside the repo root) run
//! through router-core's translators: 01 (native chunks -> OpenAI SSE frames), 02 (OpenAI request
//! -> native request), 03 (native chunks -> Anthropic events) and 04 (Anthropic request -> native
//! request). The by-design differences the fixture README lists are applied explicitly, each
//! named where it is; everything else must match. A missing fixture fails loudly.

use std::path::PathBuf;

use router_core::translate::anthropic::{
    ErrorType, ResponseIds, StreamTranslator, parse_request, to_native_chat, validate_messages,
};
use router_core::translate::native::ChatChunk;
use router_core::translate::openai::{
    ChatStream, OpenAiError, chat_request_to_native, parse_chat_request,
};
use serde_json::{Map, Value, json};

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/ollama-fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "fixture {} is missing ({err}); CI needs ../shared beside the clone",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{name} is not JSON: {err}"))
}

fn chunk(value: &Value) -> ChatChunk {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("chunk {value}: {err}"))
}

/// The `data:` payloads of an SSE text.
fn payloads(sse: &str) -> Vec<String> {
    sse.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(str::to_owned)
        .collect()
}

/// Every key `expected` names must match (`<ID>`/`<T>` need only be present); objects are
/// compared whole below the top level, so an extra key in a delta fails.
fn assert_frame(expected: &Value, actual: &Value, ctx: &str) {
    for (key, value) in expected.as_object().expect("expected frame is an object") {
        let got = actual
            .get(key)
            .unwrap_or_else(|| panic!("{ctx}: key {key} missing in {actual}"));
        if value == "<ID>" || value == "<T>" {
            continue;
        }
        assert_eq!(value, got, "{ctx}: key {key} in {actual}");
    }
}

#[test]
fn fixture_01_chat_stream_matches_ollama() {
    let fx = fixture("01_openai_stream_chunks.json");
    let cases = fx["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut stream = ChatStream::new(
            "chatcmpl-1".into(),
            1_700_000_000,
            case["include_usage"] == true,
        );
        let mut out = String::new();
        for native in case["native"].as_array().unwrap() {
            out.push_str(&stream.push(&chunk(native)));
        }
        let got = payloads(&out);
        let expected = case["expected_frames"].as_array().unwrap();
        assert_eq!(expected.len(), got.len(), "{name}: {out}");
        for (i, (exp, payload)) in expected.iter().zip(&got).enumerate() {
            let ctx = format!("{name} frame {i}");
            if exp == "[DONE]" {
                assert_eq!(payload, "[DONE]", "{ctx}");
                continue;
            }
            let mut actual: Value = serde_json::from_str(payload).expect("frame is JSON");
            // By design (fixture README, 01): the router puts "content":"" into a reasoning frame
            // split from a mixed chunk (thinking with content or tool calls); Ollama's has no
            // content key.
            {
                if let Some(delta) = actual
                    .pointer_mut("/choices/0/delta")
                    .and_then(Value::as_object_mut)
                    .filter(|d| d.contains_key("reasoning") && d.get("content") == Some(&"".into()))
                {
                    delta.remove("content");
                }
            }
            assert_frame(exp, &actual, &ctx);
        }
    }
}

/// An event as the fixture writes it: `<event>[:<block or delta type>][:<index>]`.
fn label(event: &Value) -> String {
    let mut label = event["type"].as_str().unwrap_or("").to_owned();
    let kind = event["content_block"]["type"]
        .as_str()
        .or_else(|| event["delta"]["type"].as_str());
    if let Some(kind) = kind {
        label.push(':');
        label.push_str(kind);
    }
    if let Some(index) = event["index"].as_u64() {
        label.push_str(&format!(":{index}"));
    }
    label
}

#[test]
fn fixture_03_anthropic_stream_matches_ollama() {
    let fx = fixture("03_anthropic_stream_events.json");
    let mut checked = 0;
    for case in fx["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap();
        let Some(expected) = case.get("expected_sequence") else {
            continue;
        };
        let ids = ResponseIds {
            message_id: "msg_1".into(),
            tool_id_prefix: "toolu_".into(),
        };
        let mut translator = StreamTranslator::new(ids, "test-model".into(), 10);
        let mut events: Vec<Value> = Vec::new();
        for native in case["native"].as_array().unwrap() {
            for event in translator.push(&chunk(native)) {
                let sse = String::from_utf8(event.to_sse().to_vec()).unwrap();
                let data = payloads(&sse).pop().expect("data line");
                events.push(serde_json::from_str(&data).unwrap());
            }
        }
        // By design (fixture README, 03): the router adds `ping` and a `signature_delta` before
        // closing a thinking block; Ollama sends neither.
        let labels: Vec<String> = events
            .iter()
            .map(label)
            .filter(|l| l != "ping" && !l.starts_with("content_block_delta:signature_delta"))
            .collect();
        let expected: Vec<String> = serde_json::from_value(expected.clone()).unwrap();
        assert_eq!(labels, expected, "{name}");

        let delta = events
            .iter()
            .find(|e| e["type"] == "message_delta")
            .expect("message_delta");
        if let Some(stop) = case.get("expected_stop_reason") {
            assert_eq!(&delta["delta"]["stop_reason"], stop, "{name}");
        }
        if let Some(exp) = case.get("expected_message_delta") {
            assert_eq!(
                delta["delta"]["stop_reason"], exp["delta"]["stop_reason"],
                "{name}"
            );
            assert_eq!(
                delta["usage"]["output_tokens"], exp["usage"]["output_tokens"],
                "{name}"
            );
        }
        for (key, want_type) in [
            ("expected_tool_block_start", "content_block_start"),
            ("expected_tool_delta", "content_block_delta"),
        ] {
            if let Some(exp) = case.get(key) {
                let got = events
                    .iter()
                    .find(|e| e["type"] == want_type && e["index"] == exp["index"])
                    .unwrap_or_else(|| panic!("{name}: no {want_type} at {}", exp["index"]));
                assert_eq!(got, exp, "{name}: {key}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 3, "every sequence case of fixture 03 ran");
}

/// Go decodes JSON numbers as float64: 999 and 999.0 are the same request.
fn floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(floats).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), floats(v)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// The router's native request for an OpenAI chat body, as JSON.
fn openai_to_native(request: &Value) -> Result<Value, OpenAiError> {
    let parsed = parse_chat_request(request.to_string().as_bytes())?;
    let native = chat_request_to_native(&parsed)?;
    Ok(serde_json::to_value(native).unwrap())
}

fn named<'a>(fx: &'a Value, name: &str) -> &'a Value {
    fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("case {name}"))
}

#[test]
fn fixture_02_openai_request_mapping_matches_ollama() {
    let fx = fixture("02_openai_request_mapping.json");
    let mut checked = 0;
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if let Some(expected) = case.get("ollama_native_request") {
            let mut expected = expected.clone();
            // By design: the router always streams upstream and aggregates for non-stream
            // clients (`router_intended_difference`).
            expected["stream"] = json!(true);
            // By design: no OpenAI 1.0 temperature/top_p defaults, so the Modelfile's sampling
            // applies; only values the client sent are forwarded.
            let options = expected["options"].as_object_mut().unwrap();
            for key in ["temperature", "top_p"] {
                if case["openai_request"].get(key).is_none() {
                    options.remove(key);
                }
            }
            if options.is_empty() {
                expected.as_object_mut().unwrap().remove("options");
            }
            let got = openai_to_native(&case["openai_request"]).expect(name);
            assert_eq!(floats(&got), floats(&expected), "{name}");
            checked += 1;
        }
        if let Some(expected) = case.get("ollama_native_request_messages") {
            let got = openai_to_native(&case["openai_request"]).expect(name);
            assert_eq!(&got["messages"], expected, "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 4);

    let effort = named(&fx, "reasoning_effort_mapping");
    for row in effort["table"].as_array().unwrap() {
        let request = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "reasoning_effort": row["reasoning_effort"]});
        let got = openai_to_native(&request);
        match (row.get("think"), row.get("error_400")) {
            (_, Some(_)) => {
                let err = got.unwrap_err();
                // By design the router words the error in OpenAI's own style, naming the field;
                // status and type are Ollama's.
                assert_eq!((err.status, err.error_type), (400, "invalid_request_error"));
                assert_eq!(err.param.as_deref(), Some("reasoning_effort"));
            }
            (Some(_), None) if row["reasoning_effort"].is_null() => {
                assert!(got.unwrap().get("think").is_none(), "{row}");
            }
            (Some(think), None) => assert_eq!(&got.unwrap()["think"], think, "{row}"),
            _ => panic!("row without an answer: {row}"),
        }
    }
    // By design (`precedence`): the router prefers `reasoning_effort`, Ollama `reasoning.effort`.
    let both = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "reasoning_effort": "low", "reasoning": {"effort": "high"}});
    assert_eq!(openai_to_native(&both).unwrap()["think"], "low");

    let errors = named(&fx, "errors");
    for row in errors["table"].as_array().unwrap() {
        let expected = &row["body"]["error"];
        let status = row["status"].as_u64().unwrap() as u16;
        let err = if status == 404 {
            // Raised upstream by the model lookup; the router relays the native error.
            OpenAiError::from_native(404, br#"{"error":"model 'nope' not found"}"#)
        } else {
            openai_to_native(&row["openai_request"]).unwrap_err()
        };
        assert_eq!(err.status, status, "{row}");
        assert_eq!(err.error_type, expected["type"], "{row}");
        match row["openai_request"]["messages"].as_array().map(Vec::len) {
            // By design the router names the offending field in its own words.
            Some(1) if status == 400 => assert!(err.message.contains("messages[0]"), "{err:?}"),
            _ => assert_eq!(err.message, expected["message"], "{row}"),
        }
        if status == 404 {
            // By design: the router adds param/code as OpenAI does (fixture note).
            assert_eq!(err.param.as_deref(), Some("model"));
            assert_eq!(err.code.as_deref(), Some("model_not_found"));
        }
    }
}

/// The router's native request for an Anthropic body, as JSON.
fn anthropic_to_native(request: &Value) -> Value {
    let parsed = parse_request(request.to_string().as_bytes()).expect("parses");
    serde_json::to_value(to_native_chat(&parsed).expect("translates")).unwrap()
}

#[test]
fn fixture_04_anthropic_request_mapping_matches_ollama() {
    let fx = fixture("04_anthropic_request_mapping.json");

    // Order is shared: tool messages right after the assistant turn, before the user's text.
    // By design the router names the tool on a tool message (chat templates render it).
    let case = named(&fx, "tool_result_then_user_text_order");
    let mut expected = case["ollama_native_messages"].clone();
    expected[1]["tool_name"] = json!("Read");
    let got = anthropic_to_native(&case["anthropic_request"]);
    assert_eq!(got["messages"], expected);
    for (key, value) in case["ollama_options"].as_object().unwrap() {
        assert_eq!(&got["options"][key], value);
    }

    // A result for a call this request does not show has no name to add.
    let case = named(&fx, "tool_result_only");
    let got = anthropic_to_native(&case["anthropic_request"]);
    assert_eq!(got["messages"], case["ollama_native_messages"]);

    // By design the router separates system blocks with a blank line.
    let case = named(&fx, "system_block_array");
    let mut expected = case["ollama_native_messages"].clone();
    expected[0]["content"] = json!("You are helpful.\n\n Be concise.");
    let got = anthropic_to_native(&case["anthropic_request"]);
    assert_eq!(got["messages"], expected);

    for row in named(&fx, "think_mapping")["table"].as_array().unwrap() {
        let mut request = json!({"model": "m", "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}]});
        if !row["thinking"].is_null() {
            request["thinking"] = row["thinking"].clone();
        }
        if !row["output_config_effort"].is_null() {
            request["output_config"] = json!({"effort": row["output_config_effort"]});
        }
        let got = anthropic_to_native(&request);
        // Where the router differs by design the row says so (`router_think`).
        match row["router_think"].as_str() {
            Some(note) if note.starts_with("absent") => {
                assert!(got.get("think").is_none(), "{row}: {got}")
            }
            _ => assert_eq!(got["think"], row["router_think"], "{row}"),
        }
    }

    // Validation: Ollama's statuses and types; by design the router's own texts.
    let table = named(&fx, "validation_and_errors")["table"]
        .as_array()
        .unwrap();
    let router_texts = [
        "model: field required",
        "max_tokens: field required",
        "messages: at least one message is required",
    ];
    let requests: Vec<&Value> = table.iter().filter_map(|r| r.get("request")).collect();
    assert_eq!(requests.len(), router_texts.len());
    for (request, text) in requests.iter().zip(router_texts) {
        let parsed = parse_request(request.to_string().as_bytes()).expect("parses");
        assert_eq!(validate_messages(&parsed).unwrap_err().0, text, "{request}");
    }
    for row in table.iter().filter(|r| r.get("native_error").is_some()) {
        let status = row["native_error"]["status"].as_u64().unwrap() as u16;
        let kind = ErrorType::for_upstream_status(status);
        let expected_type = &row["body_error"]["type"];
        assert_eq!(json!(kind), *expected_type, "{row}");
        // By design an overloaded Ollama becomes Anthropic's 529, which its SDKs retry.
        let expected_status = if status == 503 { 529 } else { status };
        assert_eq!(kind.status().as_u16(), expected_status, "{row}");
    }
}

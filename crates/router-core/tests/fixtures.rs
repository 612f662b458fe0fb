//! Fixtures from real Ollama (`../shared/reference/ollama-fixtures/`, beside the repo root) run
//! through router-core's translators: 01 (native chunks -> OpenAI SSE frames) and 03 (native
//! chunks -> Anthropic events). The by-design differences the fixture README lists are applied
//! explicitly, each named where it is; everything else must match. A missing fixture fails
//! loudly. Fixtures 02/04 (request mapping) differ from Ollama by design in many fields and are
//! not ported yet.

use std::path::PathBuf;

use router_core::translate::anthropic::{ResponseIds, StreamTranslator};
use router_core::translate::native::ChatChunk;
use router_core::translate::openai::ChatStream;
use serde_json::Value;

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

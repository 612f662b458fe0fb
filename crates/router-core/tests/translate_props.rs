//! Property tests for the dialect translators: for any text (any Unicode, quotes, newlines,
//! control characters, however a stream is chunked), what the client wrote reaches Ollama
//! unchanged and what Ollama answers reaches the client unchanged, in order, with exactly one
//! well-formed ending. The fuzz targets (`fuzz/`) cover arbitrary bytes; these cover meaning.

use proptest::prelude::*;
use router_core::request::parse_native;
use router_core::translate::anthropic::{self, ResponseIds, StreamTranslator};
use router_core::translate::native::{ChatChunk, GenerateChunk, Message};
use router_core::translate::openai::{self, ChatStream, CompletionStream};
use serde_json::{Value, json};

/// Text of any kind, including the characters JSON and SSE framing care about.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z \\n\"\\\\{}:]{0,40}",
        Just("data: [DONE]\n\n".to_string()),
        Just("\r\n\r\nevent: error\n".to_string()),
    ]
}

fn role() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("system"), Just("user"), Just("assistant")]
}

fn chunk(content: &str) -> ChatChunk {
    ChatChunk {
        model: "m".into(),
        created_at: "2026-01-01T00:00:00Z".into(),
        message: Some(Message {
            role: "assistant".into(),
            content: content.into(),
            ..Message::default()
        }),
        ..ChatChunk::default()
    }
}

fn done_chunk() -> ChatChunk {
    let mut c = chunk("");
    c.done = true;
    c.done_reason = Some("stop".into());
    c.metrics.prompt_eval_count = Some(5);
    c.metrics.eval_count = Some(3);
    c
}

/// The JSON payloads of `data:` frames, in order; asserts every frame is well formed.
fn sse_data(text: &str) -> Vec<String> {
    assert!(
        text.is_empty() || text.ends_with("\n\n"),
        "unterminated: {text:?}"
    );
    text.split_terminator("\n\n")
        .map(|frame| {
            let data = frame.lines().find_map(|l| l.strip_prefix("data: "));
            data.unwrap_or_else(|| panic!("frame without data: {frame:?}"))
                .to_string()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// OpenAI chat → native: every message arrives, in order, with its role and exact text,
    /// and the native body is one the router's own parser accepts.
    #[test]
    fn openai_messages_reach_ollama_unchanged(
        messages in prop::collection::vec((role(), text()), 1..8)
    ) {
        let body = json!({
            "model": "auto",
            "messages": messages.iter().map(|(r, c)| json!({"role": r, "content": c})).collect::<Vec<_>>(),
        });
        let request = openai::parse_chat_request(body.to_string().as_bytes()).unwrap();
        let native = openai::chat_request_to_native(&request).unwrap();
        prop_assert_eq!(native.messages.len(), messages.len());
        for (got, (role, content)) in native.messages.iter().zip(&messages) {
            prop_assert_eq!(&got.role, role);
            prop_assert_eq!(&got.content, content);
        }
        let bytes = serde_json::to_vec(&native).unwrap();
        prop_assert!(parse_native(&bytes).is_ok());
    }

    /// Anthropic Messages → native: the system prompt first, then every turn's text, exact.
    #[test]
    fn anthropic_turns_reach_ollama_unchanged(
        system in text(),
        turns in prop::collection::vec(text(), 1..6)
    ) {
        let messages: Vec<Value> = turns
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"role": if i % 2 == 0 { "user" } else { "assistant" }, "content": t}))
            .collect();
        let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 64, "system": system, "messages": messages});
        let request = anthropic::parse_request(body.to_string().as_bytes()).unwrap();
        let native = anthropic::to_native_chat(&request).unwrap();
        let mut expected: Vec<(&str, &str)> = Vec::new();
        if !system.is_empty() {
            expected.push(("system", system.as_str()));
        }
        for (i, t) in turns.iter().enumerate() {
            expected.push((if i % 2 == 0 { "user" } else { "assistant" }, t.as_str()));
        }
        let got: Vec<(&str, &str)> = native
            .messages
            .iter()
            .map(|m| (m.role.as_str(), m.content.as_str()))
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// Native stream → OpenAI SSE: the deltas concatenate to the answer, every frame is JSON,
    /// and the stream ends once with `finish_reason` and `[DONE]`.
    #[test]
    fn openai_stream_relays_every_piece(pieces in prop::collection::vec(text(), 0..12)) {
        let mut s = ChatStream::new("chatcmpl-x".into(), 0, true);
        let mut out = String::new();
        for p in &pieces {
            out.push_str(&s.push(&chunk(p)));
        }
        out.push_str(&s.push(&done_chunk()));
        prop_assert!(s.is_finished());
        prop_assert_eq!(s.end_of_upstream(), "");
        let frames = sse_data(&out);
        prop_assert_eq!(frames.last().map(String::as_str), Some("[DONE]"));
        let mut text = String::new();
        let mut finishes = 0;
        for f in &frames[..frames.len() - 1] {
            let v: Value = serde_json::from_str(f).unwrap();
            if let Some(c) = v["choices"][0]["delta"]["content"].as_str() {
                text.push_str(c);
            }
            if v["choices"][0]["finish_reason"].is_string() {
                finishes += 1;
            }
        }
        prop_assert_eq!(text, pieces.concat());
        prop_assert_eq!(finishes, 1);
    }

    /// Native generate stream → OpenAI completions SSE: same guarantees.
    #[test]
    fn completion_stream_relays_every_piece(pieces in prop::collection::vec(text(), 0..12)) {
        let mut s = CompletionStream::new("cmpl-x".into(), 0, false);
        let mut out = String::new();
        for p in &pieces {
            out.push_str(&s.push(&GenerateChunk { response: p.clone(), ..GenerateChunk::default() }));
        }
        out.push_str(&s.push(&GenerateChunk {
            done: true,
            done_reason: Some("stop".into()),
            ..GenerateChunk::default()
        }));
        let frames = sse_data(&out);
        prop_assert_eq!(frames.last().map(String::as_str), Some("[DONE]"));
        let text: String = frames[..frames.len() - 1]
            .iter()
            .filter_map(|f| serde_json::from_str::<Value>(f).ok())
            .filter_map(|v| v["choices"][0]["text"].as_str().map(str::to_owned))
            .collect();
        prop_assert_eq!(text, pieces.concat());
    }

    /// Native stream → Anthropic events: `message_start` first, `message_stop` last, the text
    /// deltas concatenate to the answer, and a failure anywhere ends with one `error` event.
    #[test]
    fn anthropic_stream_relays_every_piece(
        pieces in prop::collection::vec(text(), 0..12),
        fail_at in proptest::option::of(0usize..12)
    ) {
        let ids = ResponseIds { message_id: "msg_x".into(), tool_id_prefix: "toolu_".into() };
        let mut t = StreamTranslator::new(ids, "m".into(), 3);
        let mut events = Vec::new();
        let mut failed = false;
        for (i, p) in pieces.iter().enumerate() {
            if fail_at == Some(i) {
                let mut c = chunk("");
                c.error = Some("runner crashed".into());
                events.extend(t.push(&c));
                failed = true;
                break;
            }
            events.extend(t.push(&chunk(p)));
        }
        events.extend(t.push(&done_chunk()));
        let frames: Vec<(String, Value)> = events
            .iter()
            .map(|e| {
                let sse = e.to_sse();
                let text = std::str::from_utf8(&sse).unwrap().to_owned();
                let name = text.strip_prefix("event: ").unwrap().split('\n').next().unwrap().to_owned();
                let data = sse_data(&text).pop().unwrap();
                (name, serde_json::from_str(&data).unwrap())
            })
            .collect();
        prop_assert_eq!(frames.first().map(|f| f.0.as_str()), Some("message_start"));
        let last = frames.last().map(|f| f.0.as_str());
        if failed {
            prop_assert_eq!(last, Some("error"));
            prop_assert_eq!(frames.iter().filter(|f| f.0 == "error").count(), 1);
        } else {
            prop_assert_eq!(last, Some("message_stop"));
            let text: String = frames
                .iter()
                .filter(|f| f.0 == "content_block_delta")
                .filter_map(|f| f.1["delta"]["text"].as_str().map(str::to_owned))
                .collect();
            prop_assert_eq!(text, pieces.concat());
        }
    }
}

//! Native NDJSON answer → OpenAI SSE frames. The input's lines are native chunks (those that
//! parse); every frame produced must be `data: <JSON>\n\n` or `data: [DONE]\n\n`, and nothing
//! may follow the end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use router_core::translate::native::{ChatChunk, GenerateChunk};
use router_core::translate::openai::{ChatStream, CompletionStream};

fn check_frames(text: &str) {
    for frame in text.split_terminator("\n\n") {
        let data = frame
            .strip_prefix("data: ")
            .unwrap_or_else(|| panic!("frame without data: {frame:?}"));
        if data != "[DONE]" {
            serde_json::from_str::<serde_json::Value>(data)
                .unwrap_or_else(|e| panic!("frame is not JSON ({e}): {data:?}"));
        }
    }
    assert!(text.is_empty() || text.ends_with("\n\n"), "unterminated frame: {text:?}");
}

fuzz_target!(|data: &[u8]| {
    let usage = data.first().is_some_and(|b| b & 1 == 1);
    let mut chat = ChatStream::new("chatcmpl-x".into(), 0, usage);
    let mut generate = CompletionStream::new("cmpl-x".into(), 0, usage);
    for line in data.split(|b| *b == b'\n') {
        if let Ok(chunk) = serde_json::from_slice::<ChatChunk>(line) {
            let out = chat.push(&chunk);
            check_frames(&out);
        }
        if let Ok(chunk) = serde_json::from_slice::<GenerateChunk>(line) {
            let out = generate.push(&chunk);
            check_frames(&out);
        }
    }
    let end = chat.end_of_upstream();
    check_frames(&end);
    assert!(chat.is_finished());
    assert!(chat.end_of_upstream().is_empty(), "frames after the end");
    check_frames(&generate.end_of_upstream());
});

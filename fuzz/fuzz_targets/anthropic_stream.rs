//! Native NDJSON answer → Anthropic stream events. Every event renders as one SSE frame
//! (`event: <name>\ndata: <JSON>\n\n`), and nothing is produced after the stream finished.
#![no_main]

use libfuzzer_sys::fuzz_target;
use router_core::translate::anthropic::{ResponseIds, StreamTranslator};
use router_core::translate::native::ChatChunk;

fuzz_target!(|data: &[u8]| {
    let ids = ResponseIds {
        message_id: "msg_x".into(),
        tool_id_prefix: "toolu_x".into(),
    };
    let mut t = StreamTranslator::new(ids, "m".into(), 7);
    for line in data.split(|b| *b == b'\n') {
        let Ok(chunk) = serde_json::from_slice::<ChatChunk>(line) else {
            continue;
        };
        let was_finished = t.is_finished();
        let events = t.push(&chunk);
        assert!(!was_finished || events.is_empty(), "events after the end");
        for event in events {
            let sse = event.to_sse();
            let text = std::str::from_utf8(&sse).expect("SSE is UTF-8");
            let rest = text.strip_prefix("event: ").expect("event line");
            let (_, data) = rest.split_once("\ndata: ").expect("data line");
            let json = data.strip_suffix("\n\n").expect("frame end");
            serde_json::from_str::<serde_json::Value>(json).expect("event data is JSON");
        }
    }
});

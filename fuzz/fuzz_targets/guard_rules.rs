//! The guard's pure rules on hostile header values and paths: no panic, and a path that hyper
//! accepts and the guard lets through reaches Ollama exactly as received (the upstream client
//! builds its URL with the `url` crate, which resolves dot segments and re-encodes).
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use ollama_router::guard;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = guard::host_allowed(&text, &[], Some("box"));
    let _ = guard::origin_allowed(&text, &["https://*.example.org".to_string()]);
    let _ = ollama_router::api::dialect_of_path(&text);
    let Ok(pq) = http::uri::PathAndQuery::from_str(&text) else {
        return;
    };
    if guard::path_forwardable(pq.as_str()) {
        let sent = format!("http://127.0.0.1:11434{}", pq.as_str());
        let parsed = url::Url::parse(&sent).expect("a forwardable path makes a URL");
        assert_eq!(parsed.as_str(), sent, "a forwardable path must reach Ollama unchanged");
    }
});

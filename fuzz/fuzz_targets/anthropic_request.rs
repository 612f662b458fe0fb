//! Anthropic Messages requests → native: translated or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use router_core::translate::anthropic;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = anthropic::parse_request(data) else {
        return;
    };
    if anthropic::validate_messages(&req).is_err() {
        return;
    }
    let _ = anthropic::session_id(&req);
    let _ = anthropic::kind_hint(&req, &http::HeaderMap::new());
    if let Ok(native) = anthropic::to_native_chat(&req) {
        serde_json::to_vec(&native).expect("native request serializes");
    }
});

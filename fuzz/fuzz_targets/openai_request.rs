//! OpenAI requests → native: any body is either translated (and the result serializes to JSON
//! that the native parser accepts) or refused with an OpenAI error; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use router_core::translate::openai;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = openai::parse_chat_request(data)
        && let Ok(native) = openai::chat_request_to_native(&req)
    {
        let body = serde_json::to_vec(&native).expect("native request serializes");
        assert!(
            router_core::request::parse_native(&body).is_ok() || native.model.is_empty(),
            "translated body must parse: {}",
            String::from_utf8_lossy(&body)
        );
    }
    if let Ok(req) = openai::parse_completion_request(data)
        && let Ok(native) = openai::completion_request_to_native(&req)
    {
        serde_json::to_vec(&native).expect("native request serializes");
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = openai::responses_routing_probe(&value);
    }
});

//! The native request parser: any bytes either parse into a view or give a `ParseError`; never
//! a panic, and the token estimate of what parses is finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use router_core::request::{Dialect, Endpoint, TokenEstimator, parse_native};

fuzz_target!(|data: &[u8]| {
    let Ok(native) = parse_native(data) else {
        return;
    };
    for endpoint in [Endpoint::Chat, Endpoint::Generate] {
        if let Ok(view) = native.view(Dialect::Ollama, endpoint, "fuzz".into(), None, None) {
            let _ = TokenEstimator::default().estimate(&view, 1.0);
        }
    }
});

//! The NDJSON framer: however the bytes are cut into network chunks, the lines that come out
//! are the same as splitting the whole body at once, and none contains a newline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ollama_router::stream::LineSplitter;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, body)) = data.split_first() else {
        return;
    };
    // Reference: the whole body in one push.
    let mut whole = LineSplitter::new();
    let mut expected: Vec<Vec<u8>> = whole.push(body).iter().map(|l| l.to_vec()).collect();
    expected.extend(whole.finish().map(|l| l.to_vec()));
    // Chunked: cut points derived from the seed byte.
    let step = usize::from(seed % 7) + 1;
    let mut split = LineSplitter::new();
    let mut got: Vec<Vec<u8>> = Vec::new();
    for chunk in body.chunks(step) {
        got.extend(split.push(chunk).iter().map(|l| l.to_vec()));
    }
    got.extend(split.finish().map(|l| l.to_vec()));
    assert_eq!(got, expected);
    for line in &got {
        assert!(!line.contains(&b'\n'));
        assert!(!line.is_empty());
    }
});

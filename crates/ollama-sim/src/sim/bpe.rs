//! Qwen's byte-level BPE, counted the way the model's own tokenizer counts: the sim's referee for
//! every token number it reports (`prompt_eval_count`, truncation, the 400 for prompts over the
//! context).
//!
//! The vocabulary is Qwen2/2.5/3's 151,643 byte-level merge ranks, shipped in this crate as
//! `data/qwen2.tiktoken.gz` (see `data/README.md` for where it comes from and its licence), so
//! nothing is fetched at run time. The pre-tokenizer is Qwen's regex (the GGUF `tokenizer.ggml.pre`
//! kind `qwen2`): letters in runs with one leading non-letter, **digits one per token**, punctuation
//! runs, newlines, and the `\s+(?!\S)` rule that leaves the last space of a run to the next word.
//! Merging follows tiktoken: repeatedly join the adjacent pair whose concatenation has the lowest
//! rank. Special tokens (`<|im_start|>`, FIM markers, `<think>`) are matched verbatim first, as
//! Ollama does when it tokenizes a rendered template.
//!
//! This code is the sim's own: it shares nothing with the router's token estimates.
//!
//! The sim ships only this vocabulary, so it counts every model with it (llama, gemma, phi and
//! gpt-oss have vocabularies of their own in reality; their counts differ by some percent) and
//! serves it in `/api/show` for every model, which keeps what it serves and what it counts
//! consistent.

use std::io::Read;
use std::sync::OnceLock;

use regex::Regex;
use rustc_hash::FxHashMap;

/// The gzipped `qwen.tiktoken` file: one `base64(token) rank` line per merge rank.
static QWEN2_TIKTOKEN_GZ: &[u8] = include_bytes!("../../data/qwen2.tiktoken.gz");

/// Qwen's pre-tokenizer (Qwen2 `tokenizer.json` / `qwen.tiktoken`'s `PAT_STR`) without the
/// `\s+(?!\S)` alternative, which the `regex` crate cannot express; [`Bpe::pieces`] applies it by
/// hand to every match of the final `\s+` alternative. Alternation is leftmost-first, as in the
/// original (PCRE-style) engine.
const QWEN2_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+";

/// Number of byte-level merge ranks in Qwen2's vocabulary (ids `0..151643`).
pub const QWEN2_RANKS: usize = 151_643;

/// The added tokens of Qwen2.5 (ids from 151643 on), in id order.
pub const QWEN25_ADDED: &[&str] = &[
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
];

/// Qwen3 adds these after Qwen2.5's.
pub const QWEN3_EXTRA_ADDED: &[&str] =
    &["<tool_response>", "</tool_response>", "<think>", "</think>"];

/// A byte-level BPE tokenizer with a regex pre-tokenizer and verbatim special tokens.
pub struct Bpe {
    ranks: FxHashMap<Vec<u8>, u32>,
    by_rank: Vec<Vec<u8>>,
    pattern: Regex,
    /// Special tokens, longest first so that a longer marker wins over a prefix of it.
    specials: Vec<(String, u32)>,
}

impl std::fmt::Debug for Bpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bpe")
            .field("ranks", &self.by_rank.len())
            .field("specials", &self.specials.len())
            .finish()
    }
}

impl Bpe {
    /// Qwen2/2.5/3's tokenizer (built once; ~0.2 s in a release build, more in debug).
    pub fn qwen2() -> &'static Bpe {
        static QWEN2: OnceLock<Bpe> = OnceLock::new();
        QWEN2.get_or_init(|| {
            let mut text = String::new();
            flate2::read::GzDecoder::new(QWEN2_TIKTOKEN_GZ)
                .read_to_string(&mut text)
                .expect("the embedded qwen2.tiktoken.gz is valid gzip of UTF-8 text");
            let specials = QWEN25_ADDED
                .iter()
                .chain(QWEN3_EXTRA_ADDED)
                .enumerate()
                .map(|(i, s)| (s.to_string(), (QWEN2_RANKS + i) as u32))
                .collect();
            Bpe::from_tiktoken(&text, QWEN2_PATTERN, specials)
                .expect("the embedded qwen2.tiktoken is well-formed")
        })
    }

    /// Builds a tokenizer from a tiktoken rank file (`base64 rank` per line, ranks dense from 0).
    pub fn from_tiktoken(
        text: &str,
        pattern: &str,
        mut specials: Vec<(String, u32)>,
    ) -> Result<Bpe, String> {
        use base64::Engine as _;
        let mut by_rank: Vec<Vec<u8>> = Vec::with_capacity(160_000);
        for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let (b64, rank) = line
                .split_once(' ')
                .ok_or_else(|| format!("line {}: no rank", line_no + 1))?;
            let rank: usize = rank
                .parse()
                .map_err(|_| format!("line {}: bad rank", line_no + 1))?;
            if rank != by_rank.len() {
                return Err(format!("line {}: rank {rank} out of order", line_no + 1));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("line {}: {e}", line_no + 1))?;
            by_rank.push(bytes);
        }
        let ranks = by_rank
            .iter()
            .enumerate()
            .map(|(rank, bytes)| (bytes.clone(), rank as u32))
            .collect();
        specials.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        Ok(Bpe {
            ranks,
            by_rank,
            pattern: Regex::new(pattern).map_err(|e| e.to_string())?,
            specials,
        })
    }

    /// Number of merge ranks (the byte-level vocabulary without added tokens).
    pub fn ranks(&self) -> usize {
        self.by_rank.len()
    }

    /// The bytes of merge rank `rank`.
    pub fn token_bytes(&self, rank: u32) -> Option<&[u8]> {
        self.by_rank.get(rank as usize).map(Vec::as_slice)
    }

    /// The rank of a byte string, if it is one token.
    pub fn rank_of(&self, bytes: &[u8]) -> Option<u32> {
        self.ranks.get(bytes).copied()
    }

    /// Token ids of `text`, special tokens included.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.each_token(text, &mut |id| out.push(id));
        out
    }

    /// How many tokens `text` is, special tokens included.
    pub fn count(&self, text: &str) -> usize {
        let mut n = 0;
        self.each_token(text, &mut |_| n += 1);
        n
    }

    /// How many tokens `text` is when special-token markers in it are plain text (user content
    /// that merely contains `<|im_start|>` is not a control token).
    pub fn count_ordinary(&self, text: &str) -> usize {
        let mut n = 0;
        self.ordinary(text, &mut |_| n += 1);
        n
    }

    fn each_token(&self, text: &str, sink: &mut dyn FnMut(u32)) {
        let mut rest = text;
        while !rest.is_empty() {
            match self.next_special(rest) {
                Some((at, len, id)) => {
                    self.ordinary(&rest[..at], sink);
                    sink(id);
                    rest = &rest[at + len..];
                }
                None => {
                    self.ordinary(rest, sink);
                    break;
                }
            }
        }
    }

    /// The first special token in `text`: (byte offset, length, id).
    fn next_special(&self, text: &str) -> Option<(usize, usize, u32)> {
        // Every special token starts with '<'; scan those only.
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(off) = memchr_lt(&bytes[from..]) {
            let at = from + off;
            for (s, id) in &self.specials {
                if text[at..].starts_with(s.as_str()) {
                    return Some((at, s.len(), *id));
                }
            }
            from = at + 1;
        }
        None
    }

    fn ordinary(&self, text: &str, sink: &mut dyn FnMut(u32)) {
        self.pieces(text, &mut |piece| self.merge(piece.as_bytes(), sink));
    }

    /// Splits `text` into pre-tokenizer pieces.
    pub fn pieces<'t>(&self, text: &'t str, sink: &mut dyn FnMut(&'t str)) {
        let mut at = 0;
        while at < text.len() {
            let Some(m) = self.pattern.find_at(text, at) else {
                break;
            };
            let mut end = m.end();
            let piece = m.as_str();
            // `\s+(?!\S)`: a run of spaces (no newline: `\s*[\r\n]+` took those) followed by a
            // non-space gives its last space to the next piece, unless the run is one character.
            if end < text.len()
                && piece.chars().all(char::is_whitespace)
                && !piece.contains(['\r', '\n'])
            {
                let last = piece.chars().next_back().map_or(0, char::len_utf8);
                if piece.len() > last {
                    end -= last;
                }
            }
            sink(&text[m.start()..end]);
            at = end;
        }
    }

    /// tiktoken's byte-pair merge of one piece: join the adjacent pair whose concatenation has
    /// the lowest rank until none is in the vocabulary.
    fn merge(&self, piece: &[u8], sink: &mut dyn FnMut(u32)) {
        if let Some(&id) = self.ranks.get(piece) {
            sink(id);
            return;
        }
        // parts[i] = start offset of part i; the last entry is piece.len().
        let mut parts: Vec<usize> = (0..=piece.len()).collect();
        let rank_at = |parts: &[usize], i: usize| -> u32 {
            if i + 2 < parts.len() {
                self.ranks
                    .get(&piece[parts[i]..parts[i + 2]])
                    .copied()
                    .unwrap_or(u32::MAX)
            } else {
                u32::MAX
            }
        };
        let mut pair_ranks: Vec<u32> = (0..parts.len() - 1).map(|i| rank_at(&parts, i)).collect();
        while let Some((best, _)) = pair_ranks
            .iter()
            .enumerate()
            .min_by_key(|&(i, r)| (*r, i))
            .filter(|(_, r)| **r != u32::MAX)
        {
            parts.remove(best + 1);
            pair_ranks.remove(best + 1);
            pair_ranks[best] = rank_at(&parts, best);
            if best > 0 {
                pair_ranks[best - 1] = rank_at(&parts, best - 1);
            }
        }
        for w in parts.windows(2) {
            // Every single byte is a rank, so each part is in the vocabulary.
            sink(self.ranks[&piece[w[0]..w[1]]]);
        }
    }
}

impl Bpe {
    /// The merge that forms rank `rank` (`"left right"` in byte-level text), found by running
    /// the BPE on the token's bytes with only lower ranks allowed: what the last step of
    /// tokenizing the token itself joins. `None` for single bytes.
    pub fn merge_of(&self, rank: u32) -> Option<(&[u8], &[u8])> {
        let piece = self.by_rank.get(rank as usize)?;
        if piece.len() < 2 {
            return None;
        }
        let mut parts: Vec<usize> = (0..=piece.len()).collect();
        loop {
            let mut best: Option<(u32, usize)> = None;
            for i in 0..parts.len().saturating_sub(2) {
                if let Some(&r) = self.ranks.get(&piece[parts[i]..parts[i + 2]])
                    && r < rank
                    && best.is_none_or(|(b, _)| r < b)
                {
                    best = Some((r, i));
                }
            }
            match best {
                Some((_, i)) => {
                    parts.remove(i + 1);
                }
                None => break,
            }
        }
        if parts.len() == 3 {
            return Some((&piece[..parts[1]], &piece[parts[1]..]));
        }
        // Not reachable by lower merges (does not happen in Qwen2's vocabulary; kept total):
        // the split whose halves have the lowest ranks, as Hugging Face's tiktoken converter does.
        (1..piece.len())
            .filter_map(|at| {
                let (l, r) = piece.split_at(at);
                Some(((self.ranks.get(l)?, self.ranks.get(r)?), at))
            })
            .min()
            .map(|(_, at)| piece.split_at(at))
    }
}

/// Qwen model generations, for the added tokens their GGUF files carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QwenGen {
    /// Qwen2 / Qwen2.5 / Qwen2.5-Coder: 22 added tokens.
    Qwen25,
    /// Qwen3: Qwen2.5's plus `<tool_response>`, `</tool_response>`, `<think>`, `</think>`.
    Qwen3,
}

/// GGUF token types (llama.cpp `gguf.TokenType`).
pub const TOKEN_NORMAL: i32 = 1;
pub const TOKEN_CONTROL: i32 = 3;
pub const TOKEN_USER_DEFINED: i32 = 4;
pub const TOKEN_UNUSED: i32 = 5;

/// The tokenizer arrays of a Qwen GGUF file, as llama.cpp's converter writes them and Ollama's
/// `/api/show` with `verbose: true` returns them in `model_info`.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufVocab {
    /// `tokenizer.ggml.tokens`: byte-level strings for ranks, added tokens verbatim, `[PAD{id}]`
    /// up to the model's embedding rows.
    pub tokens: Vec<String>,
    /// `tokenizer.ggml.token_type`.
    pub token_type: Vec<i32>,
    /// `tokenizer.ggml.merges`: `"left right"` in byte-level text, in rank order.
    pub merges: Vec<String>,
}

impl GgufVocab {
    /// Builds the arrays for a Qwen model with `vocab_size` embedding rows (152064 for
    /// Qwen2.5 7B/14B, 151936 for Qwen3 and the small Qwen2.5s).
    pub fn qwen(bpe: &Bpe, generation: QwenGen, vocab_size: usize) -> GgufVocab {
        let map = byte_to_char();
        let added: Vec<&str> = match generation {
            QwenGen::Qwen25 => QWEN25_ADDED.to_vec(),
            QwenGen::Qwen3 => QWEN25_ADDED
                .iter()
                .chain(QWEN3_EXTRA_ADDED)
                .copied()
                .collect(),
        };
        let mut tokens = Vec::with_capacity(vocab_size);
        let mut token_type = Vec::with_capacity(vocab_size);
        for rank in 0..bpe.ranks() {
            tokens.push(to_byte_level(&bpe.by_rank[rank], &map));
            token_type.push(TOKEN_NORMAL);
        }
        for token in &added {
            tokens.push((*token).to_string());
            // llama.cpp marks added tokens CONTROL when Hugging Face flags them special or they
            // look like `<|...|>`; `<tool_call>`, `<think>` and friends stay USER_DEFINED.
            let control = token.starts_with("<|") && token.ends_with("|>");
            token_type.push(if control {
                TOKEN_CONTROL
            } else {
                TOKEN_USER_DEFINED
            });
        }
        while tokens.len() < vocab_size {
            tokens.push(format!("[PAD{}]", tokens.len()));
            token_type.push(TOKEN_UNUSED);
        }
        let merges = (0..bpe.ranks() as u32)
            .filter_map(|rank| bpe.merge_of(rank))
            .map(|(l, r)| format!("{} {}", to_byte_level(l, &map), to_byte_level(r, &map)))
            .collect();
        GgufVocab {
            tokens,
            token_type,
            merges,
        }
    }
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

/// GPT-2's byte-to-character map for byte-level BPE vocabularies (what GGUF
/// `tokenizer.ggml.tokens` stores: printable bytes as themselves, the rest shifted to U+0100+).
pub fn byte_to_char() -> [char; 256] {
    let mut map = ['\0'; 256];
    let mut next = 256u32;
    for b in 0..=255u8 {
        let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        map[b as usize] = if printable {
            char::from(b)
        } else {
            let c = char::from_u32(next).expect("U+0100.. are chars");
            next += 1;
            c
        };
    }
    map
}

/// A byte string in GPT-2's byte-level alphabet.
pub fn to_byte_level(bytes: &[u8], map: &[char; 256]) -> String {
    bytes.iter().map(|&b| map[b as usize]).collect()
}

/// The `tokenizer.ggml.*` entries of `/api/show`'s `model_info` for a Qwen model. Without
/// `verbose` Ollama reads no array elements from the GGUF, and every array marshals as `null`
/// (`fs/ggml/gguf.go` array.MarshalJSON of nil values); with it, the whole arrays.
pub fn qwen_tokenizer_info(
    generation: QwenGen,
    vocab_size: usize,
    verbose: bool,
) -> Vec<(&'static str, Box<serde_json::value::RawValue>)> {
    use serde_json::value::{RawValue, to_raw_value};
    let raw = |v: serde_json::Value| to_raw_value(&v).expect("JSON values serialize");
    let (tokens, token_type, merges) = if verbose {
        let arrays = served_arrays(generation, vocab_size);
        (arrays.0.clone(), arrays.1.clone(), arrays.2.clone())
    } else {
        let null = || RawValue::from_string("null".into()).expect("null is JSON");
        (null(), null(), null())
    };
    vec![
        (
            "tokenizer.ggml.add_bos_token",
            raw(serde_json::json!(false)),
        ),
        (
            "tokenizer.ggml.bos_token_id",
            raw(serde_json::json!(151_643)),
        ),
        (
            "tokenizer.ggml.eos_token_id",
            raw(serde_json::json!(151_645)),
        ),
        ("tokenizer.ggml.merges", merges),
        ("tokenizer.ggml.model", raw(serde_json::json!("gpt2"))),
        (
            "tokenizer.ggml.padding_token_id",
            raw(serde_json::json!(151_643)),
        ),
        ("tokenizer.ggml.pre", raw(serde_json::json!("qwen2"))),
        ("tokenizer.ggml.token_type", token_type),
        ("tokenizer.ggml.tokens", tokens),
    ]
}

type ServedArrays = (
    Box<serde_json::value::RawValue>,
    Box<serde_json::value::RawValue>,
    Box<serde_json::value::RawValue>,
);

/// The serialized arrays, built once per (generation, vocab size): ~6 MB of JSON that every
/// verbose `/api/show` of such a model shares.
fn served_arrays(generation: QwenGen, vocab_size: usize) -> std::sync::Arc<ServedArrays> {
    use serde_json::value::to_raw_value;
    use std::sync::{Arc, Mutex, PoisonError};
    type Cache = Mutex<Vec<((QwenGen, usize), Arc<ServedArrays>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some((_, arrays)) = cache.iter().find(|(k, _)| *k == (generation, vocab_size)) {
        return arrays.clone();
    }
    let vocab = GgufVocab::qwen(Bpe::qwen2(), generation, vocab_size);
    let raw = "vectors of strings and numbers serialize";
    let arrays = Arc::new((
        to_raw_value(&vocab.tokens).expect(raw),
        to_raw_value(&vocab.token_type).expect(raw),
        to_raw_value(&vocab.merges).expect(raw),
    ));
    cache.push(((generation, vocab_size), arrays.clone()));
    arrays
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bpe() -> &'static Bpe {
        Bpe::qwen2()
    }

    #[test]
    fn vocabulary_is_qwen2s() {
        assert_eq!(bpe().ranks(), QWEN2_RANKS);
        assert_eq!(bpe().token_bytes(0), Some(&b"!"[..]));
        // " world" and "Hello" are single tokens in every GPT-style vocabulary.
        assert_eq!(bpe().encode("Hello world"), vec![9707, 1879]);
    }

    #[test]
    fn digits_split_one_per_token() {
        assert_eq!(bpe().encode("12345"), vec![16, 17, 18, 19, 20]);
        assert_eq!(bpe().count("x = 1000000"), 2 + 1 + 7 + 1 - 1);
    }

    #[test]
    fn the_last_space_of_a_run_goes_to_the_next_word() {
        let mut pieces = Vec::new();
        bpe().pieces("a   b\n\n  c  ", &mut |p| pieces.push(p.to_string()));
        assert_eq!(pieces, ["a", "  ", " b", "\n\n", " ", " c", "  "]);
    }

    #[test]
    fn matches_the_python_package_on_a_sample() {
        // `qwen_tokenizer.get_tokenizer("qwen2.5-72b-instruct").encode(...)` (tiktoken 0.14).
        assert_eq!(
            bpe().encode("Hello 12345 world\n\n  foo"),
            vec![9707, 220, 16, 17, 18, 19, 20, 1879, 271, 220, 15229]
        );
    }

    #[test]
    fn special_tokens_are_single_ids() {
        assert_eq!(bpe().encode("<|im_start|>user"), vec![151644, 872]);
        assert_eq!(bpe().encode("<think>"), vec![151667]);
        assert!(bpe().count_ordinary("<|im_start|>") > 1);
    }

    #[test]
    fn gguf_vocab_has_qwens_shape() {
        let v = GgufVocab::qwen(bpe(), QwenGen::Qwen3, 151_936);
        assert_eq!(v.tokens.len(), 151_936);
        assert_eq!(v.token_type.len(), 151_936);
        assert_eq!(v.merges.len(), QWEN2_RANKS - 256);
        assert_eq!(v.merges[0], "Ġ Ġ");
        assert_eq!(v.tokens[151_644], "<|im_start|>");
        assert_eq!(v.token_type[151_644], TOKEN_CONTROL);
        assert_eq!(v.tokens[151_667], "<think>");
        assert_eq!(v.token_type[151_667], TOKEN_USER_DEFINED);
        assert_eq!(v.tokens[151_935], "[PAD151935]");
        assert_eq!(v.tokens[1879], "Ġworld");
    }

    /// A BPE driven by the served merges (Hugging Face style: lowest merge index first) gives
    /// the same ids as the rank BPE on a sample: what a client building its counter from
    /// `/api/show` gets.
    #[test]
    fn served_merges_reproduce_the_counts() {
        let v = GgufVocab::qwen(bpe(), QwenGen::Qwen25, 152_064);
        let map = byte_to_char();
        let merge_rank: FxHashMap<(&str, &str), usize> = v
            .merges
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let (l, r) = m.split_once(' ').unwrap();
                ((l, r), i)
            })
            .collect();
        let id_of: FxHashMap<&str, usize> = v
            .tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i))
            .collect();
        let text = "fn main() {\n    let x: Vec<u64> = (0..1000).collect();\n    println!(\"{x:?} done\");\n}\n\
                    2026-12-04T14:17:07Z ERROR db: connection reset (retry 3/5)\n\
                    name,qty,price\nwidget,12,3.50\n中文文本的分词测试。";
        let mut ids = Vec::new();
        bpe().pieces(text, &mut |piece| {
            let mut parts: Vec<String> =
                piece.bytes().map(|b| map[b as usize].to_string()).collect();
            loop {
                let best = (0..parts.len().saturating_sub(1))
                    .filter_map(|i| {
                        merge_rank
                            .get(&(parts[i].as_str(), parts[i + 1].as_str()))
                            .map(|r| (*r, i))
                    })
                    .min();
                let Some((_, i)) = best else { break };
                let joined = format!("{}{}", parts[i], parts[i + 1]);
                parts[i] = joined;
                parts.remove(i + 1);
            }
            ids.extend(parts.iter().map(|p| id_of[p.as_str()] as u32));
        });
        assert_eq!(ids, bpe().encode(text));
    }

    #[test]
    fn byte_level_alphabet_is_gpt2s() {
        let map = byte_to_char();
        assert_eq!(map[b' ' as usize], 'Ġ');
        assert_eq!(map[b'\n' as usize], 'Ċ');
        assert_eq!(map[b'a' as usize], 'a');
    }
}

//! A byte-level BPE token counter built from a GGUF tokenizer (what Ollama's `/api/show` with
//! `verbose: true` returns under `model_info."tokenizer.ggml.*"`).
//!
//! The counting follows Ollama's `tokenizer/bytepairencoding.go`: control and user-defined tokens
//! found in the text count as one token each; the rest is cut by the pre-tokenizer; a piece that
//! is itself a vocabulary entry is one token; any other piece starts as its bytes and merges the
//! adjacent pair with the lowest merge rank until no pair merges.
//!
//! Why hand-rolled rather than `tiktoken-rs` or `tokenizers`: the router only needs a *count*,
//! never the ids, and the pre-tokenizer dominates the cost; `tiktoken-rs` would bring
//! `fancy-regex` (a backtracking engine, several MB/s: ~10 ms for a 64 KB prompt against a 1 ms
//! budget) plus megabytes of bundled vocabularies it would never use, and `tokenizers` takes
//! minutes to compile on two cores for the same regex cost. The merge loop here is the textbook
//! one (a rank-ordered heap over a linked list), and the tests check counts against a reference.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use super::pretok::PreTokenizer;

/// The tokenizer fields of a GGUF file, as `/api/show` reports them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GgufTokenizer {
    /// `tokenizer.ggml.model`: `gpt2` for byte-level BPE (`llama` is SentencePiece).
    pub model: String,
    /// `tokenizer.ggml.pre`: which split regex (`qwen2`, `llama-bpe`, `default`, ...).
    pub pre: String,
    /// `tokenizer.ggml.tokens`: GPT-2 byte-to-unicode strings, by id.
    pub tokens: Vec<String>,
    /// `tokenizer.ggml.merges`: `"left right"`, by rank. Empty: derived from token order, which
    /// is the rank order of vocabularies converted from tiktoken (Qwen, Llama 3).
    #[serde(default)]
    pub merges: Vec<String>,
    /// `tokenizer.ggml.token_type`: 1 normal, 3 control, 4 user-defined, 5 unused (padding),
    /// 6 byte.
    #[serde(default)]
    pub token_type: Vec<i32>,
}

/// Why no counter could be built; the caller estimates instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("tokenizer model {0:?} is not byte-level BPE")]
    NotBpe(String),
    #[error("pre-tokenizer {0:?} is not implemented")]
    UnknownPre(String),
    #[error("the vocabulary has no token for byte {0:#04x}")]
    MissingByte(u8),
    #[error("merge {0:?} names a token the vocabulary lacks")]
    BadMerge(String),
}

const NONE: u32 = u32::MAX;
/// Pieces up to this many bytes merge with a plain scan; longer ones (whitespace runs, rulers of
/// `=`) use a heap so a pasted 100 KB run cannot go quadratic.
const SHORT_PIECE: usize = 24;

/// A token counter for one vocabulary.
#[derive(Debug)]
pub struct Bpe {
    pre: PreTokenizer,
    ids: FxHashMap<Box<[u8]>, u32>,
    /// The entries of `ids` up to 15 bytes, keyed by their bytes packed in an integer: nearly
    /// every piece is that short, and an inline key saves the pointer chase (a cache miss) that
    /// dominates a lookup in a 150 K-entry table.
    short_ids: FxHashMap<u128, u32>,
    /// `(left << 32) | right` → `(rank, merged id)`.
    merges: FxHashMap<u64, (u32, u32)>,
    byte_ids: [u32; 256],
    /// Control and user-defined tokens, matched whole in the text (`<|im_start|>`, `<tool_call>`).
    specials: Vec<Box<str>>,
    identity: u64,
}

/// GPT-2's byte-to-unicode table, inverted: unicode char → byte.
fn unicode_to_byte() -> FxHashMap<char, u8> {
    let mut map = FxHashMap::default();
    let mut extra = 0u32;
    for b in 0u32..256 {
        let printable =
            (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b);
        let c = if printable {
            char::from_u32(b)
        } else {
            extra += 1;
            char::from_u32(255 + extra)
        };
        if let Some(c) = c {
            map.insert(c, b as u8);
        }
    }
    map
}

fn decode_token(s: &str, table: &FxHashMap<char, u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match table.get(&c) {
            Some(b) => out.push(*b),
            // Not a byte-level char (an added token written as plain text): its UTF-8 bytes.
            None => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// Bytes packed with their length in the top byte; `None` past 15 bytes.
#[inline]
fn short_key(b: &[u8]) -> Option<u128> {
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

#[inline]
fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl Bpe {
    /// Builds the counter. Takes ~100 ms for a 150 K vocabulary: done once per model digest, off
    /// the request path.
    pub fn build(t: &GgufTokenizer) -> Result<Bpe, BuildError> {
        if t.model != "gpt2" {
            return Err(BuildError::NotBpe(t.model.clone()));
        }
        let pre =
            PreTokenizer::from_gguf(&t.pre).ok_or_else(|| BuildError::UnknownPre(t.pre.clone()))?;
        let table = unicode_to_byte();
        let mut ids: FxHashMap<Box<[u8]>, u32> = FxHashMap::default();
        ids.reserve(t.tokens.len());
        let mut specials = Vec::new();
        for (id, tok) in t.tokens.iter().enumerate() {
            let kind = t.token_type.get(id).copied().unwrap_or(1);
            if kind == 3 || kind == 4 {
                if !tok.is_empty() {
                    specials.push(tok.clone().into_boxed_str());
                }
                continue;
            }
            if kind == 5 {
                continue;
            }
            let bytes = decode_token(tok, &table);
            // The first id wins, as in a map built by id order.
            ids.entry(bytes.into_boxed_slice()).or_insert(id as u32);
        }
        // Longest first, so `<|fim_prefix|>` is not read as a shorter special that prefixes it.
        specials.sort_by_key(|s| Reverse(s.len()));
        let mut byte_ids = [NONE; 256];
        for (b, slot) in byte_ids.iter_mut().enumerate() {
            *slot = *ids
                .get(&[b as u8][..])
                .ok_or(BuildError::MissingByte(b as u8))?;
        }
        let short_ids = ids
            .iter()
            .filter_map(|(k, v)| short_key(k).map(|key| (key, *v)))
            .collect();
        let mut bpe = Bpe {
            pre,
            ids,
            short_ids,
            merges: FxHashMap::default(),
            byte_ids,
            specials,
            identity: 0,
        };
        if t.merges.is_empty() {
            bpe.derive_merges(t, &table);
        } else {
            bpe.merges.reserve(t.merges.len());
            for (rank, m) in t.merges.iter().enumerate() {
                let (l, r) = m
                    .split_once(' ')
                    .ok_or_else(|| BuildError::BadMerge(m.clone()))?;
                let (l, r) = (decode_token(l, &table), decode_token(r, &table));
                let joined = [l.as_slice(), r.as_slice()].concat();
                let (Some(&a), Some(&b), Some(&c)) = (
                    bpe.ids.get(l.as_slice()),
                    bpe.ids.get(r.as_slice()),
                    bpe.ids.get(joined.as_slice()),
                ) else {
                    // llama.cpp skips such merges too; they can never fire.
                    continue;
                };
                bpe.merges.entry(pair_key(a, b)).or_insert((rank as u32, c));
            }
        }
        bpe.identity = Bpe::fingerprint(t);
        Ok(bpe)
    }

    /// The identity a counter built from `t` will have, without building it (~10 ms): models
    /// that report the same vocabulary share one counter.
    pub fn fingerprint(t: &GgufTokenizer) -> u64 {
        let mut h = FxHasher::default();
        (&t.model, &t.pre, &t.tokens, &t.merges, &t.token_type).hash(&mut h);
        h.finish()
    }

    /// For a vocabulary without merges: each token, in id (= rank) order, is the merge of the
    /// two parts the tokens before it encode it into.
    fn derive_merges(&mut self, t: &GgufTokenizer, table: &FxHashMap<char, u8>) {
        let mut order: Vec<(u32, Vec<u8>)> = Vec::new();
        for (id, tok) in t.tokens.iter().enumerate() {
            let kind = t.token_type.get(id).copied().unwrap_or(1);
            if matches!(kind, 3..=5) {
                continue;
            }
            let bytes = decode_token(tok, table);
            if bytes.len() >= 2 && self.ids.get(bytes.as_slice()) == Some(&(id as u32)) {
                order.push((id as u32, bytes));
            }
        }
        let mut parts = Vec::new();
        for (id, bytes) in order {
            self.merge_into(&bytes, &mut parts);
            if let [a, b] = parts[..] {
                self.merges.insert(pair_key(a, b), (id, id));
            }
        }
    }

    /// Identifies the vocabulary (pre-tokenizer, tokens, merges): models that share it share
    /// counts.
    pub fn identity(&self) -> u64 {
        self.identity
    }

    pub fn pre_tokenizer(&self) -> PreTokenizer {
        self.pre
    }

    /// Tokens of `text` as the model's tokenizer counts them (special tokens in it included).
    pub fn count(&self, text: &str) -> usize {
        if self.specials.is_empty() || !text.contains('<') {
            return self.count_ordinary(text);
        }
        let mut total = 0;
        let mut from = 0;
        let bytes = text.as_bytes();
        let mut search = 0;
        while let Some(off) = memchr::memchr(b'<', &bytes[search..]) {
            let at = search + off;
            match self.specials.iter().find(|s| text[at..].starts_with(&***s)) {
                Some(special) => {
                    total += self.count_ordinary(&text[from..at]) + 1;
                    from = at + special.len();
                    search = from;
                }
                None => search = at + 1,
            }
        }
        total + self.count_ordinary(&text[from..])
    }

    /// Tokens of `text` with no special-token handling.
    pub fn count_ordinary(&self, text: &str) -> usize {
        let mut total = 0;
        let mut parts = Vec::new();
        // Pieces that needed merging, by text: code repeats its identifiers, and merging costs
        // twenty-odd table lookups where this costs one.
        let mut merged: FxHashMap<&str, usize> = FxHashMap::default();
        self.pre.split(text, |piece| {
            let b = piece.as_bytes();
            total += if b.len() == 1 || self.is_token(b) {
                1
            } else {
                *merged.entry(piece).or_insert_with(|| {
                    self.merge_into(b, &mut parts);
                    parts.len()
                })
            };
        });
        total
    }

    #[inline]
    fn is_token(&self, b: &[u8]) -> bool {
        match short_key(b) {
            Some(k) => self.short_ids.contains_key(&k),
            None => self.ids.contains_key(b),
        }
    }

    /// Merges `piece` into token ids, left in `parts`.
    fn merge_into(&self, piece: &[u8], parts: &mut Vec<u32>) {
        parts.clear();
        parts.extend(piece.iter().map(|&b| self.byte_ids[b as usize]));
        if piece.len() <= SHORT_PIECE {
            self.merge_short(parts);
        } else {
            self.merge_long(parts);
        }
    }

    fn rank(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&pair_key(a, b)).copied()
    }

    /// tiktoken's loop: each part keeps the rank of the pair it starts, so a merge looks up only
    /// its two new neighbours instead of rescanning the piece.
    fn merge_short(&self, parts: &mut Vec<u32>) {
        let n = parts.len();
        let mut ranks = [NONE; SHORT_PIECE];
        let mut merged = [NONE; SHORT_PIECE];
        for i in 0..n - 1 {
            if let Some((rank, id)) = self.rank(parts[i], parts[i + 1]) {
                ranks[i] = rank;
                merged[i] = id;
            }
        }
        let mut len = n;
        loop {
            let mut best = NONE;
            let mut at = 0;
            for (i, &r) in ranks[..len - 1].iter().enumerate() {
                if r < best {
                    best = r;
                    at = i;
                }
            }
            if best == NONE {
                break;
            }
            parts[at] = merged[at];
            parts.copy_within(at + 2..len, at + 1);
            ranks.copy_within(at + 2..len, at + 1);
            merged.copy_within(at + 2..len, at + 1);
            len -= 1;
            ranks[len - 1] = NONE;
            for i in [at.wrapping_sub(1), at] {
                if i < len - 1 {
                    (ranks[i], merged[i]) =
                        self.rank(parts[i], parts[i + 1]).unwrap_or((NONE, NONE));
                }
            }
        }
        parts.truncate(len);
    }

    fn merge_long(&self, parts: &mut Vec<u32>) {
        let n = parts.len();
        let mut next: Vec<u32> = (1..=n as u32).collect();
        let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
        next[n - 1] = NONE;
        let mut alive = vec![true; n];
        let mut heap = BinaryHeap::new();
        for i in 0..n - 1 {
            if let Some((rank, _)) = self.rank(parts[i], parts[i + 1]) {
                heap.push(Reverse((rank, i as u32, parts[i], parts[i + 1])));
            }
        }
        while let Some(Reverse((_, l, lid, rid))) = heap.pop() {
            let l = l as usize;
            let r = next[l];
            if !alive[l] || parts[l] != lid || r == NONE || parts[r as usize] != rid {
                continue;
            }
            let r = r as usize;
            let Some((_, merged)) = self.rank(lid, rid) else {
                continue;
            };
            parts[l] = merged;
            alive[r] = false;
            next[l] = next[r];
            if next[r] != NONE {
                prev[next[r] as usize] = l as u32;
            }
            let p = prev[l];
            if p != NONE
                && let Some((rank, _)) = self.rank(parts[p as usize], merged)
            {
                heap.push(Reverse((rank, p, parts[p as usize], merged)));
            }
            let nx = next[l];
            if nx != NONE
                && let Some((rank, _)) = self.rank(merged, parts[nx as usize])
            {
                heap.push(Reverse((rank, l as u32, merged, parts[nx as usize])));
            }
        }
        let mut out = 0;
        for i in 0..n {
            if alive[i] {
                parts[out] = parts[i];
                out += 1;
            }
        }
        parts.truncate(out);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny vocabulary in GGUF form: all 256 bytes plus a few merges.
    pub(crate) fn tiny(pre: &str, merges: &[&str], specials: &[&str]) -> GgufTokenizer {
        let table = unicode_to_byte();
        let mut byte_char = vec![' '; 256];
        for (c, b) in &table {
            byte_char[*b as usize] = *c;
        }
        let enc = |s: &str| s.bytes().map(|b| byte_char[b as usize]).collect::<String>();
        let mut tokens: Vec<String> = byte_char.iter().map(|c| c.to_string()).collect();
        let mut gguf_merges = Vec::new();
        for m in merges {
            let (l, r) = m.split_once(' ').unwrap();
            gguf_merges.push(format!("{} {}", enc(l), enc(r)));
            let joined = enc(&format!("{l}{r}"));
            if !tokens.contains(&joined) {
                tokens.push(joined);
            }
        }
        let mut token_type = vec![1; tokens.len()];
        for s in specials {
            tokens.push(s.to_string());
            token_type.push(3);
        }
        GgufTokenizer {
            model: "gpt2".into(),
            pre: pre.into(),
            tokens,
            merges: gguf_merges,
            token_type,
        }
    }

    #[test]
    fn merges_by_rank() {
        let t = tiny("qwen2", &["a b", "b c", "ab c", " a"], &[]);
        let bpe = Bpe::build(&t).unwrap();
        // "abc": (a b) ranks before (b c) → ab, c → abc: one token.
        assert_eq!(bpe.count("abc"), 1);
        // "bcx": bc + x.
        assert_eq!(bpe.count("bcx"), 2);
        // Pieces "hello" (five bytes, no merges) and " abc": (a b) outranks ( a), so " " + "abc".
        assert_eq!(bpe.count("hello abc"), 5 + 2);
    }

    #[test]
    fn long_pieces_merge_like_short_ones() {
        let t = tiny("qwen2", &["= =", "== ==", "==== ====", "a a"], &[]);
        let bpe = Bpe::build(&t).unwrap();
        for n in [3, 8, 23, 24] {
            let text = "=".repeat(n);
            let mut short = Vec::new();
            short.extend(text.bytes().map(|b| bpe.byte_ids[b as usize]));
            bpe.merge_short(&mut short);
            let mut long = Vec::new();
            long.extend(text.bytes().map(|b| bpe.byte_ids[b as usize]));
            bpe.merge_long(&mut long);
            assert_eq!(short, long, "{n}");
            assert_eq!(
                bpe.count(&text),
                n / 8 + (n % 8).count_ones() as usize,
                "{n}"
            );
        }
    }

    #[test]
    fn specials_count_once_and_split_text() {
        let t = tiny("qwen2", &["a b"], &["<|im_start|>", "<|im_end|>"]);
        let bpe = Bpe::build(&t).unwrap();
        assert_eq!(bpe.count("<|im_start|>ab<|im_end|>"), 3);
        // Unterminated, or counted as ordinary text: bytes, as no merge applies.
        assert_eq!(bpe.count("<|im_start"), "<|im_start".len());
        assert_eq!(bpe.count_ordinary("<|im_end|>"), "<|im_end|>".len());
    }

    #[test]
    fn merges_derived_from_rank_order() {
        let mut t = tiny("qwen2", &["a b", "ab c"], &[]);
        let with = Bpe::build(&t).unwrap();
        t.merges.clear();
        let without = Bpe::build(&t).unwrap();
        for text in ["abc", "abcabc abc", "cab"] {
            assert_eq!(with.count(text), without.count(text), "{text}");
        }
        assert_eq!(without.count("abc"), 1);
    }

    #[test]
    fn refuses_what_it_cannot_count() {
        let mut t = tiny("qwen2", &[], &[]);
        t.model = "llama".into();
        assert!(matches!(Bpe::build(&t), Err(BuildError::NotBpe(_))));
        let mut t = tiny("chatglm-bpe", &[], &[]);
        assert!(matches!(Bpe::build(&t), Err(BuildError::UnknownPre(_))));
        t.pre = "qwen2".into();
        t.tokens.remove(b'x' as usize);
        assert!(matches!(Bpe::build(&t), Err(BuildError::MissingByte(_))));
    }
}

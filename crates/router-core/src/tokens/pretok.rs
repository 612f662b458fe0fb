//! Pre-tokenizers: the regex a byte-level BPE vocabulary splits text with before merging, as
//! hand-written scanners.
//!
//! A BPE merges only inside the pieces its pre-tokenizer cuts, so the cut must be exact: one
//! piece too many or too few is a token off, every time it happens. The patterns come from
//! llama.cpp/Ollama (`tokenizer.ggml.pre` → regex):
//!
//! - `qwen2`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
//! - `llama-bpe` (Llama 3): the same with `\p{N}{1,3}`.
//! - `default`/`gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
//!
//! Why not a regex engine: the lookahead `\s+(?!\S)` needs a backtracking engine, and those run
//! at a few MB/s; the budget is a 64 KB prompt in well under a millisecond. The scanners below
//! follow each alternative's leftmost-first semantics by hand; the tests check them against
//! `fancy-regex` running the original patterns.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Which split rule a vocabulary uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreTokenizer {
    /// Qwen 2/2.5/3: digits one by one, punctuation runs keep trailing newlines.
    Qwen2,
    /// Llama 3: like Qwen 2 but digits in groups of up to three.
    Llama3,
    /// GPT-2's original pattern (`default` in GGUF files).
    Gpt2,
}

impl PreTokenizer {
    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` value; `None` for kinds this module does
    /// not implement (the caller falls back to estimating).
    pub fn from_gguf(pre: &str) -> Option<PreTokenizer> {
        match pre {
            "qwen2" | "deepseek-r1-qwen" => Some(PreTokenizer::Qwen2),
            "llama-bpe" | "llama3" | "smaug-bpe" => Some(PreTokenizer::Llama3),
            "" | "default" | "gpt2" | "gpt-2" => Some(PreTokenizer::Gpt2),
            _ => None,
        }
    }

    /// Calls `piece` with each piece of `text`, in order; the pieces concatenate to `text`.
    pub fn split<'t>(self, text: &'t str, mut piece: impl FnMut(&'t str)) {
        let mut at = 0;
        while at < text.len() {
            let end = match self {
                PreTokenizer::Qwen2 => next_llama3_like(text, at, 1),
                PreTokenizer::Llama3 => next_llama3_like(text, at, 3),
                PreTokenizer::Gpt2 => next_gpt2(text, at),
            };
            debug_assert!(end > at);
            piece(&text[at..end]);
            at = end;
        }
    }
}

#[inline]
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.general_category_group() == GeneralCategoryGroup::Letter
    }
}

#[inline]
fn is_number(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        // Nd, Nl and No: exactly `\p{N}`.
        c.is_numeric()
    }
}

/// `\s`: Unicode White_Space, which is what `char::is_whitespace` tests.
#[inline]
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `[^\s\p{L}\p{N}]`
#[inline]
fn is_other(c: char) -> bool {
    !is_space(c) && !is_letter(c) && !is_number(c)
}

#[inline]
fn char_at(s: &str, at: usize) -> Option<char> {
    // Fast path for ASCII, which is nearly all of code.
    match s.as_bytes().get(at) {
        None => None,
        Some(&b) if b < 0x80 => Some(b as char),
        Some(_) => s[at..].chars().next(),
    }
}

/// End of the run of chars satisfying `pred` starting at `at`.
#[inline]
fn run_end(s: &str, mut at: usize, pred: impl Fn(char) -> bool) -> usize {
    while let Some(c) = char_at(s, at) {
        if !pred(c) {
            break;
        }
        at += c.len_utf8();
    }
    at
}

/// `'s|'t|'re|'ve|'m|'ll|'d`, case-insensitive or not, at `at` (which holds `'`).
fn contraction(s: &str, at: usize, any_case: bool) -> Option<usize> {
    let b = s.as_bytes();
    let lower = |i: usize| {
        b.get(at + i)
            .map(|&c| if any_case { c.to_ascii_lowercase() } else { c })
    };
    match lower(1)? {
        b's' | b't' | b'm' | b'd' => Some(at + 2),
        b'r' if lower(2) == Some(b'e') => Some(at + 3),
        b'v' if lower(2) == Some(b'e') => Some(at + 3),
        b'l' if lower(2) == Some(b'l') => Some(at + 3),
        _ => None,
    }
}

/// Whitespace alternatives shared by all patterns: `\s+(?!\S)|\s+` (and, when `newlines`,
/// `\s*[\r\n]+` before them). `at` holds a whitespace char.
fn whitespace(s: &str, at: usize, newlines: bool) -> usize {
    let end = run_end(s, at, is_space);
    if newlines {
        // `\s*[\r\n]+`: greedy `\s*` backs off to the last line break in the run.
        if let Some(last) = s.as_bytes()[at..end]
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
        {
            return at + last + 1;
        }
    }
    if end == s.len() {
        return end;
    }
    // `\s+(?!\S)`: the run minus its last char, when that leaves something.
    let last_len = s[at..end].chars().next_back().map_or(1, char::len_utf8);
    if end - at > last_len {
        end - last_len
    } else {
        end
    }
}

fn next_llama3_like(s: &str, at: usize, max_digits: usize) -> usize {
    let Some(c) = char_at(s, at) else {
        return s.len();
    };
    let next = at + c.len_utf8();
    if c == '\''
        && let Some(end) = contraction(s, at, true)
    {
        return end;
    }
    // `[^\r\n\p{L}\p{N}]?\p{L}+`
    if is_letter(c) {
        return run_end(s, next, is_letter);
    }
    if c != '\r' && c != '\n' && !is_number(c) && char_at(s, next).is_some_and(is_letter) {
        return run_end(s, next, is_letter);
    }
    // `\p{N}{1,max}`
    if is_number(c) {
        let mut end = next;
        for _ in 1..max_digits {
            match char_at(s, end) {
                Some(d) if is_number(d) => end += d.len_utf8(),
                _ => break,
            }
        }
        return end;
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
    let start = if c == ' ' { next } else { at };
    if char_at(s, start).is_some_and(is_other) {
        let end = run_end(s, start, is_other);
        return run_end(s, end, |c| c == '\r' || c == '\n');
    }
    whitespace(s, at, true)
}

fn next_gpt2(s: &str, at: usize) -> usize {
    let Some(c) = char_at(s, at) else {
        return s.len();
    };
    let next = at + c.len_utf8();
    if c == '\''
        && let Some(end) = contraction(s, at, false)
    {
        return end;
    }
    let (start, first) = if c == ' ' {
        match char_at(s, next) {
            Some(d) => (next, d),
            None => return next,
        }
    } else {
        (at, c)
    };
    if is_letter(first) {
        return run_end(s, start, is_letter);
    }
    if is_number(first) {
        return run_end(s, start, is_number);
    }
    if is_other(first) {
        return run_end(s, start, is_other);
    }
    whitespace(s, at, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    const GPT2: &str =
        r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    fn oracle(re: &fancy_regex::Regex, text: &str) -> Vec<String> {
        re.find_iter(text)
            .map(|m| m.unwrap().as_str().to_string())
            .collect()
    }

    fn oracles() -> Vec<(PreTokenizer, fancy_regex::Regex)> {
        [
            (PreTokenizer::Qwen2, QWEN2),
            (PreTokenizer::Llama3, LLAMA3),
            (PreTokenizer::Gpt2, GPT2),
        ]
        .into_iter()
        .map(|(p, re)| (p, fancy_regex::Regex::new(re).unwrap()))
        .collect()
    }

    fn ours(pre: PreTokenizer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        pre.split(text, |p| out.push(p.to_string()));
        out
    }

    pub(crate) const SAMPLES: &[&str] = &[
        "Hello world, it's 2024! We'LL see\n\n  how   it goes.\r\n\tdone  ",
        "fn main() {\n    let x_1 = compute(12345, 0xdeadBEEF);\n    println!(\"{x}\");\n}\n",
        "def f(a, b):\n\treturn a+b  # sum\n\n\n",
        "2024-01-02T03:04:05.678Z INFO [worker-3] request id=9f8e7d6c took 12.5ms\n",
        "id,name,price\n1,apple,0.50\n2,\"banana, ripe\",12.00\n",
        "{\"a\": [1, 2.5e-3, true, null], \"b\": {\"c\": \"d\"}}",
        "aGVsbG8gd29ybGQ=+/QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        "中文文本，包含标点。日本語のテキスト、한국어 텍스트도 있습니다.",
        "Ünïcödé — dashes… “quotes” ½ ⅔ ٣ ① x² ǅ",
        "   leading and trailing   \n   ",
        " \n \r\n\u{a0}\u{3000}x\u{2028}y",
        "''s 's 'S 'Re 'x don't I'M",
        "a  \n\n  b\n  \n",
        "!!!\n\n\n???  ...\r\r\n",
        "",
        " ",
        "\n",
        "x",
    ];

    #[test]
    fn scanners_match_the_regexes() {
        for (pre, re) in oracles() {
            for text in SAMPLES {
                assert_eq!(ours(pre, text), oracle(&re, text), "{pre:?} on {text:?}");
            }
        }
    }

    #[test]
    fn scanners_match_the_regexes_on_generated_text() {
        // Every short string over an alphabet that exercises each alternative's edges.
        let alphabet = [
            "a", "Z", "1", "'", "s", " ", "\n", "\r", "\t", ".", "_", "é", "中", "\u{a0}", "٣",
        ];
        let oracles = oracles();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for _ in 0..5_000 {
            let len = (next() % 10) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for (pre, re) in &oracles {
                assert_eq!(ours(*pre, &text), oracle(re, &text), "{pre:?} on {text:?}");
            }
        }
    }

    #[test]
    fn unknown_kinds_are_not_built() {
        assert_eq!(PreTokenizer::from_gguf("qwen2"), Some(PreTokenizer::Qwen2));
        assert_eq!(
            PreTokenizer::from_gguf("llama-bpe"),
            Some(PreTokenizer::Llama3)
        );
        assert_eq!(PreTokenizer::from_gguf("default"), Some(PreTokenizer::Gpt2));
        assert_eq!(PreTokenizer::from_gguf("deepseek-llm"), None);
    }
}

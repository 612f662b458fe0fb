//! The content-aware fallback: a token estimate for when the model's vocabulary is not known
//! yet (Ollama down, the first request while the vocabulary loads, a SentencePiece model).
//!
//! Bytes per token is no constant: on Qwen's vocabulary English prose runs ~4.7 bytes per token,
//! source code 3–5, JSON ~2.5, lockfiles ~2.2, logs ~1.6, CSV ~1.3 and base64 ~2. What makes text
//! dense is visible in one pass over its bytes: digits (Qwen splits them one per token, Llama 3
//! in threes), short letter runs between them (hashes, ids), random-looking letter runs
//! (base64), punctuation runs, CJK characters (about one token each). So each line is scanned
//! into those features, priced per feature, and the line's tokens are booked to its class —
//! [`TextClass::Code`], [`TextClass::Prose`], [`TextClass::Dense`] or [`TextClass::Cjk`] — so
//! that answers can calibrate each class per model ([`Calibration`]).
//!
//! The prices err on the safe side for dense text: counting too few tokens lets Ollama cut the
//! prompt silently; counting too many costs at most a larger context rung.

use serde::{Deserialize, Serialize};

/// What kind of text a line is, for calibration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextClass {
    /// Source code, markup, configuration: punctuation and indentation between words.
    Code,
    /// Natural-language text in a Latin or similar script.
    Prose,
    /// Digits, hex, base64, logs, CSV, lockfile hashes: the densest text.
    Dense,
    /// Chinese, Japanese, Korean.
    Cjk,
}

impl TextClass {
    pub const ALL: [TextClass; 4] = [
        TextClass::Code,
        TextClass::Prose,
        TextClass::Dense,
        TextClass::Cjk,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TextClass::Code => "code",
            TextClass::Prose => "prose",
            TextClass::Dense => "dense",
            TextClass::Cjk => "cjk",
        }
    }
}

/// Raw (uncalibrated) estimated tokens per class.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClassTokens(pub [f64; 4]);

impl ClassTokens {
    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }

    pub fn add(&mut self, other: &ClassTokens) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The class holding at least `share` of the estimate, if one does.
    pub fn dominant(&self, share: f64) -> Option<TextClass> {
        let total = self.total();
        TextClass::ALL
            .into_iter()
            .find(|c| total > 0.0 && self.0[c.index()] >= share * total)
    }

    /// The calibrated estimate.
    pub fn calibrated(&self, calibration: &Calibration) -> f64 {
        TextClass::ALL
            .into_iter()
            .map(|c| self.0[c.index()] * calibration.factor(c))
            .sum()
    }
}

/// Features of one line.
#[derive(Default)]
struct Line {
    digits: u32,
    /// ASCII letter runs priced as words.
    word_tokens: f64,
    words: u32,
    /// Letter runs that look random (base64, ids): priced dense.
    random_tokens: f64,
    punct_tokens: f64,
    punct: u32,
    space_tokens: f64,
    cjk: u32,
    other_unicode_tokens: f64,
}

impl Line {
    fn tokens(&self) -> f64 {
        f64::from(self.digits)
            + self.word_tokens
            + self.random_tokens
            + self.punct_tokens
            + self.space_tokens
            + f64::from(self.cjk)
            + self.other_unicode_tokens
    }

    fn class(&self, total: f64) -> TextClass {
        if total <= 0.0 {
            return TextClass::Code;
        }
        if f64::from(self.cjk) >= 0.3 * total {
            TextClass::Cjk
        } else if f64::from(self.digits) + self.random_tokens >= 0.3 * total {
            TextClass::Dense
        } else if self.punct * 4 <= self.words && self.words >= 4 {
            TextClass::Prose
        } else {
            TextClass::Code
        }
    }
}

/// Prices an ASCII letter run: common words and identifiers are one token up to ~8 letters; a
/// run whose case flips inside it (base64, random ids) merges badly, ~2 letters per token.
fn letter_run(run: &[u8], line: &mut Line) {
    let len = run.len();
    let flips = run
        .windows(2)
        .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .count();
    let vowels = run
        .iter()
        .filter(|b| {
            matches!(
                b.to_ascii_lowercase(),
                b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
            )
        })
        .count();
    // camelCase words flip once per word part, with vowels; random runs flip often or lack them.
    let random = len >= 6 && (flips * 4 > len || vowels * 6 < len);
    if random {
        line.random_tokens += (len as f64 / 2.0).ceil();
    } else {
        line.words += 1;
        line.word_tokens += 1.0 + (len.saturating_sub(1) / 7) as f64 + flips as f64;
    }
}

/// Estimates the tokens of `text`, per class.
pub fn estimate(text: &str) -> ClassTokens {
    let mut out = ClassTokens::default();
    let bytes = text.as_bytes();
    let mut line = Line::default();
    let mut i = 0;
    let mut book = |line: &mut Line| {
        let t = line.tokens();
        let class = line.class(t);
        // Dense text is where undercounting bites (a log paste cut silently): a 10 % margin.
        out.0[class.index()] += if class == TextClass::Dense {
            t * 1.1
        } else {
            t
        };
        *line = Line::default();
    };
    while i < bytes.len() {
        let b = bytes[i];
        if (i == 0 || bytes[i - 1] == b'\n')
            && let Some(end) = base64_line(&bytes[i..])
        {
            // Base64 of random bytes merges worst of all: every digit and `+`/`/` is a token,
            // and mixed-case letters pair up less than every other time (Qwen: ~1.35 bytes a
            // token over a whole blob).
            let line_bytes = &bytes[i..i + end];
            let letters = line_bytes
                .iter()
                .filter(|b| b.is_ascii_alphabetic())
                .count();
            line.random_tokens += (end - letters) as f64 + (letters as f64 / 1.4).ceil();
            i += end;
            continue;
        }
        let starts_token = i == 0 || !is_blob_byte(bytes[i - 1]);
        if b.is_ascii_alphanumeric()
            && starts_token
            && let Some(end) = blob(&bytes[i..])
        {
            // A hash or key in base64 inside a line (`"integrity": "sha512-…"`).
            let letters = bytes[i..i + end]
                .iter()
                .filter(|b| b.is_ascii_alphabetic())
                .count();
            line.random_tokens += (end - letters) as f64 + (letters as f64 / 1.4).ceil();
            i += end;
            continue;
        }
        match b {
            b'0'..=b'9' => {
                line.digits += 1;
                i += 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                letter_run(&bytes[start..i], &mut line);
            }
            b'\n' | b'\r' => {
                // A run of line breaks (with the indentation after it) is about one token.
                while i < bytes.len() && matches!(bytes[i], b'\n' | b'\r') {
                    i += 1;
                }
                line.space_tokens += 1.0;
                book(&mut line);
            }
            b' ' | b'\t' => {
                let start = i;
                while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
                    i += 1;
                }
                let run = i - start;
                // One space before a word or a mark is part of that piece (` x`, ` =`); longer
                // runs are indentation, one token up to 16 columns.
                let joins = bytes
                    .get(i)
                    .is_some_and(|n| n.is_ascii_alphabetic() || n.is_ascii_punctuation());
                if !(run == 1 && joins) {
                    line.space_tokens += (run as f64 / 16.0).ceil();
                }
            }
            0x21..=0x7e => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_punctuation() {
                    i += 1;
                }
                let run = i - start;
                line.punct += run as u32;
                // One mark before a word joins the word's piece (`.field`, `_name`, `,Wheezy`).
                let joins = run == 1 && bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
                let same = bytes[start..i].iter().all(|c| *c == b);
                // A joined mark makes the word's piece less often a single vocabulary entry.
                line.punct_tokens += if joins {
                    0.5
                } else if same && run > 2 {
                    // Rulers (`=====`, `////`) are in vocabularies as long runs.
                    (run as f64 / 16.0).ceil()
                } else {
                    1.0 + (run - 1) as f64 * 0.5
                };
                // Line breaks right after marks belong to the marks' piece (`);\n`).
                if !joins && i < bytes.len() && matches!(bytes[i], b'\n' | b'\r') {
                    while i < bytes.len() && matches!(bytes[i], b'\n' | b'\r') {
                        i += 1;
                    }
                    book(&mut line);
                }
            }
            0x80.. => {
                let c = text[i..].chars().next().unwrap_or('\u{fffd}');
                let len = c.len_utf8();
                if is_cjk(c) {
                    line.cjk += 1;
                } else if c.is_alphabetic() {
                    // Latin with accents, Cyrillic, Greek...: ~2 letters a token at worst.
                    line.other_unicode_tokens += 0.5;
                } else {
                    // Symbols, emoji: often several byte tokens.
                    line.other_unicode_tokens += len as f64 / 2.0;
                }
                i += len;
            }
            _ => {
                // Control characters: a byte token each.
                line.punct_tokens += 1.0;
                i += 1;
            }
        }
    }
    book(&mut line);
    out
}

/// The length of a base64 line starting `bytes` (at least 40 symbols, no spaces, mixed letters
/// and digits), without its line break.
fn base64_line(bytes: &[u8]) -> Option<usize> {
    let end = memchr::memchr(b'\n', bytes).unwrap_or(bytes.len());
    let line = &bytes[..end];
    let body = line.strip_suffix(b"\r").unwrap_or(line);
    if body.len() < 40
        || !body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    let upper = body.iter().filter(|b| b.is_ascii_uppercase()).count();
    let lower = body.iter().filter(|b| b.is_ascii_lowercase()).count();
    let digits = body.iter().filter(|b| b.is_ascii_digit()).count();
    (upper * 8 >= body.len() && lower + digits > 0).then_some(body.len())
}

fn is_blob_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// The length of a base64 blob starting `bytes`: at least 24 symbols with upper and lower case
/// letters and digits mixed through it, as random bytes encode.
fn blob(bytes: &[u8]) -> Option<usize> {
    let end = bytes
        .iter()
        .position(|b| !is_blob_byte(*b))
        .unwrap_or(bytes.len());
    if end < 24 {
        return None;
    }
    let run = &bytes[..end];
    let count = |f: fn(&u8) -> bool| run.iter().filter(|b| f(b)).count();
    let (upper, lower, digits) = (
        count(u8::is_ascii_uppercase),
        count(u8::is_ascii_lowercase),
        count(u8::is_ascii_digit),
    );
    (upper * 6 >= end && lower * 6 >= end && digits * 20 >= end).then_some(end)
}

fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FDF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x31BF | 0x31F0..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Per-class multipliers on the raw estimate, learned per model from answers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Indexed by [`TextClass::index`]; 1.0 is the uncalibrated price.
    pub factors: [f64; 4],
    /// How many answers taught each factor.
    pub samples: [u32; 4],
}

impl Default for Calibration {
    fn default() -> Calibration {
        Calibration {
            factors: [1.0; 4],
            samples: [0; 4],
        }
    }
}

/// Weight of a new observation in a factor's moving average.
const SMOOTHING: f64 = 0.3;
/// Kept above what answers showed, so the calibrated estimate stays on the safe side.
const MARGIN: f64 = 1.05;

impl Calibration {
    pub fn factor(&self, class: TextClass) -> f64 {
        self.factors[class.index()]
    }

    /// Learns from one answer: `actual` tokens Ollama evaluated for a prompt whose raw estimate
    /// was `raw` (template tokens already subtracted by the caller). Only a prompt one class
    /// dominates (≥ 80 %) teaches that class; a mixed one says too little about each. Returns
    /// whether anything was learned.
    pub fn learn(&mut self, raw: &ClassTokens, actual: f64) -> bool {
        let Some(class) = raw.dominant(0.8) else {
            return false;
        };
        let total = raw.total();
        if total < 64.0 || actual <= 0.0 {
            return false;
        }
        // What the dominant class must cost for the whole to come out right, the others kept.
        let others: f64 = TextClass::ALL
            .into_iter()
            .filter(|c| *c != class)
            .map(|c| raw.0[c.index()] * self.factor(c))
            .sum();
        let own = raw.0[class.index()];
        let ratio = ((actual - others).max(0.0) / own * MARGIN).clamp(0.3, 3.0);
        let i = class.index();
        self.factors[i] = if self.samples[i] == 0 {
            ratio
        } else {
            self.factors[i] * (1.0 - SMOOTHING) + ratio * SMOOTHING
        };
        self.samples[i] = self.samples[i].saturating_add(1);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_told_apart() {
        let prose = "The quick brown fox jumps over the lazy dog and keeps running far away.\n";
        assert_eq!(estimate(prose).dominant(0.9), Some(TextClass::Prose));
        let code = "    let x = foo(bar, baz)?;\n    if x.is_empty() { return Err(e); }\n";
        assert_eq!(estimate(code).dominant(0.9), Some(TextClass::Code));
        let log = "2024-01-02T03:04:05.678Z 10.0.0.12 GET /api/v1/items/48213 200 1532 12.5ms\n";
        assert_eq!(estimate(log).dominant(0.9), Some(TextClass::Dense));
        let b64 = "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3QgUVVKRFJFVkdSMGhKU2t0TVRVNVBVRkZTVTFSVlZsZFlXVm89\n";
        assert_eq!(estimate(b64).dominant(0.9), Some(TextClass::Dense));
        let cjk = "中文文本，包含标点。日本語のテキスト、한국어 텍스트도 있습니다\n";
        assert_eq!(estimate(cjk).dominant(0.9), Some(TextClass::Cjk));
    }

    #[test]
    fn digits_cost_a_token_each() {
        let t = estimate("1234567890").total();
        assert!(t >= 10.0, "{t}");
    }

    #[test]
    fn calibration_is_per_class_and_stays_above_what_it_saw() {
        let mut c = Calibration::default();
        let log = estimate(&"2024-01-02 12:00:01 ERROR worker 17 failed: code=503\n".repeat(50));
        let raw = log.total();
        assert!(c.learn(&log, raw * 0.8));
        assert!(c.factor(TextClass::Dense) >= 0.8, "{:?}", c);
        assert!(c.factor(TextClass::Dense) < 1.0);
        // Another class is untouched: one log paste does not inflate the next prose request.
        assert_eq!(c.factor(TextClass::Prose), 1.0);
        // A mixed prompt teaches nothing.
        let mut mixed = log;
        mixed.0[TextClass::Prose.index()] = raw;
        assert!(!c.learn(&mixed, 10.0));
    }
}

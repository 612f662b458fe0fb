//! The models "installed" in the simulated Ollama: every model of the seed ([`seed_models`]) plus
//! two models the seed does not know (`nomic-embed-text:latest`, `llava:7b`), so the router's
//! pass-through of unknown models can be tested. Also renders their `/api/tags`, `/api/show`,
//! `/api/ps` and `/v1/models` shapes (`reference/ollama-protocol.md` §2.4–2.6, §3.4).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Value, json};

use super::bpe::{QWEN2_RANKS, QWEN25_ADDED, QwenGen, qwen_tokenizer_info};
use super::memory::Shape;

use super::library::{Architecture, Capability, SEED_BANDWIDTH_GBPS, SeedModel, seed_models};

use super::gowire::rfc3339_nano;

/// The registry prefix Ollama puts in front of library names in capability errors.
pub const LIBRARY_PREFIX: &str = "registry.ollama.ai/library/";

/// Generation speed assumed for installed models the seed never measured (llava:7b), tok/s on the
/// seed's card.
const UNMEASURED_GPU_TPS: f64 = 80.0;

/// One installed model, as Ollama's manifest + GGUF header would describe it.
#[derive(Debug, Clone)]
pub struct InstalledModel {
    /// Display name with tag (`qwen3:8b`, `llama3.2:latest`).
    pub name: String,
    /// Bytes on disk; the weights part of its VRAM too.
    pub size: u64,
    /// Manifest digest (64 hex). Copies share it, and with it the scheduler slot.
    pub digest: String,
    pub arch: Architecture,
    /// Ollama's library `qwen2` GGUFs lack `attention.key_length`/`value_length`.
    pub omit_head_dims: bool,
    pub families: Vec<String>,
    pub parameter_size: String,
    pub quantization: String,
    pub capabilities: Vec<Capability>,
    /// tok/s with everything in VRAM on the seed's 504 GB/s card.
    pub gpu_tps: f64,
    pub modified_at: SystemTime,
}

impl InstalledModel {
    fn from_seed(spec: &SeedModel, modified_at: SystemTime) -> InstalledModel {
        InstalledModel {
            name: spec.name.into(),
            size: spec.weights_bytes,
            digest: fake_digest(spec.name),
            omit_head_dims: spec.arch.name == "qwen2",
            families: vec![spec.arch.name.clone()],
            arch: spec.arch.clone(),
            parameter_size: spec.parameter_size.into(),
            quantization: spec.quantization.into(),
            capabilities: spec.caps.to_vec(),
            gpu_tps: spec.gpu_tps(),
            modified_at,
        }
    }

    pub fn has(&self, cap: Capability) -> bool {
        self.capabilities.contains(&cap)
    }

    /// `registry.ollama.ai/library/<name>`, as `model.Name.String()` prints it.
    pub fn full_name(&self) -> String {
        format!("{LIBRARY_PREFIX}{}", self.name)
    }

    /// Embedding models always run with one slot (`reference/ollama-protocol.md` §5.1).
    pub fn is_embedding(&self) -> bool {
        self.has(Capability::Embedding) && !self.has(Capability::Completion)
    }

    fn parameter_count(&self) -> u64 {
        parse_parameter_size(&self.parameter_size)
    }

    pub fn details(&self, with_lengths: bool) -> Details {
        Details {
            parent_model: String::new(),
            format: "gguf",
            family: self.arch.name.clone(),
            families: self.families.clone(),
            parameter_size: self.parameter_size.clone(),
            quantization_level: self.quantization.clone(),
            context_length: with_lengths.then_some(self.arch.context_length),
            embedding_length: with_lengths.then_some(self.arch.embedding_length),
        }
    }

    /// `/api/tags` entry (v0.30+ shape, with `capabilities` and details lengths).
    pub fn tag_entry(&self) -> TagEntry {
        TagEntry {
            name: self.name.clone(),
            model: self.name.clone(),
            modified_at: rfc3339_nano(self.modified_at),
            size: self.size,
            digest: self.digest.clone(),
            details: self.details(true),
            capabilities: self.capability_names(),
        }
    }

    pub fn capability_names(&self) -> Vec<&'static str> {
        self.capabilities.iter().map(|c| c.as_str()).collect()
    }

    /// The GGUF key/values `/api/show` returns under `model_info` (sorted, like Go map marshalling).
    pub fn model_info(&self) -> BTreeMap<String, Value> {
        let a = &self.arch;
        let p = &a.name;
        let mut info = BTreeMap::new();
        info.insert("general.architecture".into(), json!(p));
        info.insert(
            "general.parameter_count".into(),
            json!(self.parameter_count()),
        );
        info.insert("general.quantization_version".into(), json!(2));
        info.insert(format!("{p}.block_count"), json!(a.block_count));
        info.insert(format!("{p}.context_length"), json!(a.context_length));
        info.insert(format!("{p}.embedding_length"), json!(a.embedding_length));
        info.insert(format!("{p}.attention.head_count"), json!(a.head_count));
        info.insert(
            format!("{p}.attention.head_count_kv"),
            json!(a.head_count_kv),
        );
        if !self.omit_head_dims {
            info.insert(format!("{p}.attention.key_length"), json!(a.key_length));
            info.insert(format!("{p}.attention.value_length"), json!(a.value_length));
        }
        if let Some(sw) = a.sliding_window {
            info.insert(format!("{p}.attention.sliding_window"), json!(sw.window));
        }
        if self.is_embedding() {
            // Mean pooling; its presence is what makes Ollama report the `embedding` capability.
            info.insert(format!("{p}.pooling_type"), json!(1));
        }
        info
    }

    /// A Go template in the spirit of the library's, containing what clients look for:
    /// `.Suffix` for insert-capable models (Continue's FIM check), `.Tools` for tool-capable ones,
    /// `<think>` tags for thinking ones. Abbreviated: the real templates are longer.
    pub fn template(&self) -> String {
        if self.is_embedding() {
            return "{{ .Prompt }}".into();
        }
        let mut t = String::new();
        if self.has(Capability::Insert) {
            t.push_str(
                "{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>\n{{- else }}",
            );
        }
        t.push_str("{{- if .System }}<|im_start|>system\n{{ .System }}");
        if self.has(Capability::Tools) {
            t.push_str(
                "{{- if .Tools }}\n\n# Tools\n<tools>\n{{- range .Tools }}\n{\"type\": \"function\", \"function\": {{ .Function }}}\n{{- end }}\n</tools>{{- end }}",
            );
        }
        t.push_str("<|im_end|>\n{{ end }}");
        t.push_str("{{- range $i, $_ := .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}");
        if self.has(Capability::Tools) {
            t.push_str(
                "{{- if .ToolCalls }}<tool_call>\n{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}{{ end }}\n</tool_call>{{ end }}",
            );
        }
        t.push_str("<|im_end|>\n{{ end }}<|im_start|>assistant\n");
        if self.has(Capability::Thinking) {
            t.push_str("{{- if and .IsThinkSet (not .Think) }}<think>\n\n</think>\n\n{{ end }}");
        }
        if self.has(Capability::Insert) {
            t.push_str("{{- end }}");
        }
        t
    }

    /// Modelfile `PARAMETER`s as `(key, Go %#v value)`; Ollama prints them 30-column padded.
    /// `num_ctx` is deliberately absent: the sim does not model a Modelfile context.
    fn parameters(&self) -> Vec<(&'static str, String)> {
        let quoted = |s: &str| format!("{s:?}");
        match self.arch.name.as_str() {
            "qwen3" => vec![
                ("repeat_penalty", "1".into()),
                ("stop", quoted("<|im_start|>")),
                ("stop", quoted("<|im_end|>")),
                ("temperature", "0.6".into()),
                ("top_k", "20".into()),
                ("top_p", "0.95".into()),
            ],
            "qwen2" => vec![
                ("stop", quoted("<|im_start|>")),
                ("stop", quoted("<|im_end|>")),
                ("stop", quoted("<|endoftext|>")),
            ],
            "llama" => vec![
                ("stop", quoted("<|start_header_id|>")),
                ("stop", quoted("<|end_header_id|>")),
                ("stop", quoted("<|eot_id|>")),
            ],
            "gemma3" | "gemma2" => vec![
                ("stop", quoted("<end_of_turn>")),
                ("temperature", "1".into()),
                ("top_k", "64".into()),
                ("top_p", "0.95".into()),
            ],
            "phi3" => vec![
                ("stop", quoted("<|im_start|>")),
                ("stop", quoted("<|im_sep|>")),
                ("stop", quoted("<|im_end|>")),
            ],
            "gptoss" => vec![("temperature", "1".into())],
            _ => Vec::new(),
        }
    }

    /// The `parameters` text of `/api/show`.
    pub fn parameters_text(&self) -> String {
        self.parameters()
            .iter()
            .map(|(k, v)| format!("{k:<30} {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The `modelfile` text of `/api/show`.
    pub fn modelfile(&self) -> String {
        let mut m = String::new();
        m.push_str("# Modelfile generated by \"ollama show\"\n");
        m.push_str("# To build a new Modelfile based on this, replace FROM with:\n");
        m.push_str(&format!("# FROM {}\n\n", self.name));
        m.push_str(&format!(
            "FROM /root/.ollama/models/blobs/sha256-{}\n",
            self.digest
        ));
        m.push_str(&format!("TEMPLATE \"\"\"{}\"\"\"\n", self.template()));
        for (k, v) in self.parameters() {
            m.push_str(&format!("PARAMETER {k} {v}\n"));
        }
        m
    }

    /// The tokenizer this model is served and counted with: (generation, `tokenizer.ggml.tokens`
    /// length). Qwen3 GGUFs pad to 151,936 embedding rows, Qwen2.5 7B/14B to 152,064; every
    /// other model gets Qwen2.5's 151,665 tokens unpadded (the only vocabulary the sim ships, see
    /// [`super::bpe`]).
    pub fn tokenizer(&self) -> (QwenGen, usize) {
        match self.arch.name.as_str() {
            "qwen3" => (QwenGen::Qwen3, 151_936),
            "qwen2" => (QwenGen::Qwen25, 152_064),
            _ => (QwenGen::Qwen25, QWEN2_RANKS + QWEN25_ADDED.len()),
        }
    }

    /// `model_info` with the tokenizer keys; their arrays are `null` unless `verbose`
    /// (`server/routes.go` getModelData reads no array elements without it).
    pub fn model_info_with_tokenizer(&self, verbose: bool) -> BTreeMap<String, Box<RawValue>> {
        let mut info: BTreeMap<String, Box<RawValue>> = self
            .model_info()
            .into_iter()
            .map(|(k, v)| (k, to_raw_value(&v).expect("JSON values serialize")))
            .collect();
        let (generation, vocab_size) = self.tokenizer();
        for (key, value) in qwen_tokenizer_info(generation, vocab_size, verbose) {
            info.insert(key.to_string(), value);
        }
        info
    }

    /// The whole `/api/show` answer (`verbose`: with the tokenizer's arrays).
    pub fn show(&self, verbose: bool) -> ShowResponse {
        ShowResponse {
            license: "Simulated model: no license text.".into(),
            modelfile: self.modelfile(),
            parameters: self.parameters_text(),
            template: self.template(),
            details: self.details(false),
            model_info: self.model_info_with_tokenizer(verbose),
            capabilities: self.capability_names(),
            modified_at: rfc3339_nano(self.modified_at),
        }
    }

    /// The shape the memory model works with ([`super::memory`]).
    pub fn shape(&self) -> Shape {
        let a = &self.arch;
        Shape {
            file_bytes: self.size,
            block_count: a.block_count,
            embedding_length: a.embedding_length,
            feed_forward_length: a.feed_forward_length,
            head_count: a.head_count,
            head_count_kv: a.head_count_kv,
            key_length: a.key_length,
            value_length: a.value_length,
            vocab_size: a.vocab_size,
            context_length: a.context_length,
            sliding_window: a
                .sliding_window
                .map(|sw| (sw.window, a.block_count.saturating_sub(sw.full_layers))),
            // The embedding table's type in the library's quantizations (Q4_K for *_K_M and
            // Q4_0 files, Q5_K for Q5_K_M, Q8_0 in gpt-oss's MXFP4 file).
            embd_bits_per_weight: match self.quantization.as_str() {
                "Q5_K_M" => 5.5,
                "MXFP4" => 8.5,
                "F16" => 16.0,
                _ => 4.5,
            },
        }
    }

    /// Tokens per second with everything in VRAM on a card of `bandwidth_gbps`.
    pub fn full_gpu_tps(&self, bandwidth_gbps: f64) -> f64 {
        let base = if self.gpu_tps > 0.0 {
            self.gpu_tps
        } else {
            UNMEASURED_GPU_TPS
        };
        base * bandwidth_gbps / SEED_BANDWIDTH_GBPS
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Details {
    pub parent_model: String,
    pub format: &'static str,
    pub family: String,
    pub families: Vec<String>,
    pub parameter_size: String,
    pub quantization_level: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_length: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TagEntry {
    pub name: String,
    pub model: String,
    pub modified_at: String,
    pub size: u64,
    pub digest: String,
    pub details: Details,
    pub capabilities: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShowResponse {
    pub license: String,
    pub modelfile: String,
    pub parameters: String,
    pub template: String,
    pub details: Details,
    pub model_info: BTreeMap<String, Box<RawValue>>,
    pub capabilities: Vec<&'static str>,
    pub modified_at: String,
}

/// `8.2B` → 8_200_000_000, `137M` → 137_000_000 (Ollama's own count is the exact tensor sum).
fn parse_parameter_size(size: &str) -> u64 {
    let (number, scale) = match size.chars().last() {
        Some('B') => (&size[..size.len() - 1], 1e9),
        Some('M') => (&size[..size.len() - 1], 1e6),
        Some('K') => (&size[..size.len() - 1], 1e3),
        _ => (size, 1.0),
    };
    number
        .parse::<f64>()
        .map_or(0, |n| (n * scale).round() as u64)
}

/// A stable, sha256-looking digest (64 hex chars) derived from a name with FNV-1a + splitmix64.
pub fn fake_digest(seed: &str) -> String {
    let mut state = fnv1a(seed.as_bytes());
    (0..4)
        .map(|_| format!("{:016x}", splitmix64(&mut state)))
        .collect()
}

pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Normalises a requested name the way Ollama's `model.ParseName` + `getExistingName` do for
/// library models: drops `registry.ollama.ai/` and `library/`, adds `:latest` when there is no
/// tag, compares case-insensitively. `None` for an empty name.
pub fn canonical_key(name: &str) -> Option<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return None;
    }
    let lower = trimmed.to_ascii_lowercase();
    let without_host = lower.strip_prefix("registry.ollama.ai/").unwrap_or(&lower);
    let bare = without_host
        .strip_prefix("library/")
        .unwrap_or(without_host);
    let last_segment = bare.rsplit('/').next().unwrap_or(bare);
    if last_segment.is_empty() {
        return None;
    }
    Some(if last_segment.contains(':') {
        bare.to_owned()
    } else {
        format!("{bare}:latest")
    })
}

/// Whether Ollama's `parseAndValidateModelRef` accepts `raw`: trimmed, an explicit `:local` or
/// `:cloud` source suffix removed, parsed as `[scheme://][host/][namespace/]model[:tag]` with the
/// defaults filled in, every part 1-80 characters (host 350) of ASCII letters, digits, `_`, `-`
/// and `.`, starting with a letter, digit or `_`; no `.` in the namespace, `:` only in the host.
/// A separator with nothing on one side ("promised" but missing) makes the name invalid.
pub fn is_valid_name(raw: &str) -> bool {
    let trimmed = raw.trim();
    let base = match trimmed.rfind(':') {
        Some(i)
            if matches!(
                trimmed[i + 1..].trim().to_ascii_lowercase().as_str(),
                "local" | "cloud"
            ) =>
        {
            &trimmed[..i]
        }
        _ => trimmed,
    };
    // `cutPromised`: split at the last `sep`; an empty side stands for a missing part.
    fn cut(s: &str, sep: char) -> Option<(Option<&str>, Option<&str>)> {
        let i = s.rfind(sep)?;
        let (before, after) = (&s[..i], &s[i + 1..]);
        Some((
            (!before.is_empty()).then_some(before),
            (!after.is_empty()).then_some(after),
        ))
    }
    let mut rest = base;
    let mut tag = Some("latest");
    if base.rfind(':').map(|i| i as isize).unwrap_or(-1)
        > base.rfind('/').map(|i| i as isize).unwrap_or(-1)
    {
        let Some((before, after)) = cut(base, ':') else {
            return false;
        };
        let (Some(before), Some(after)) = (before, after) else {
            return false;
        };
        rest = before;
        tag = Some(after);
    }
    let (mut host, mut namespace) = (Some("registry.ollama.ai"), Some("library"));
    let model = match cut(rest, '/') {
        None => Some(rest),
        Some((before, model)) => {
            let before = before.unwrap_or("");
            match cut(before, '/') {
                None => namespace = (!before.is_empty()).then_some(before),
                Some((front, ns)) => {
                    namespace = ns;
                    let front = front.unwrap_or("");
                    host = Some(front.split_once("://").map_or(front, |(_, h)| h))
                        .filter(|h| !h.is_empty());
                }
            }
            model
        }
    };
    // A part that is present but empty takes the default (`cmp.Or`); only a missing one fails.
    let parts = [
        (host, 0u8),
        (namespace, 1),
        (model.filter(|m| !m.is_empty()), 2),
        (tag, 3),
    ];
    parts.iter().all(|(part, kind)| {
        let Some(part) = part else {
            return false;
        };
        let max_len = if *kind == 0 { 350 } else { 80 };
        let bytes = part.as_bytes();
        if bytes.is_empty() || bytes.len() > max_len {
            return false;
        }
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        word(bytes[0])
            && bytes[1..].iter().all(|&b| match b {
                b'_' | b'-' => true,
                b'.' => *kind != 1,
                b':' => *kind == 0,
                _ => word(b),
            })
    })
}

/// The display name (`DisplayShortest`) Ollama gives a newly created name, e.g. a copy target.
pub fn display_name(name: &str) -> Option<String> {
    let key = canonical_key(name)?;
    // Keep the caller's spelling but with the implicit tag made explicit.
    let trimmed = name.trim();
    let bare = trimmed
        .strip_prefix("registry.ollama.ai/")
        .unwrap_or(trimmed);
    let bare = bare.strip_prefix("library/").unwrap_or(bare);
    Some(if bare.to_ascii_lowercase() == key {
        bare.to_owned()
    } else {
        format!("{bare}:latest")
    })
}

/// Modification times: a fixed instant, one hour apart per model, so `/api/tags` order is stable.
fn base_modified_at() -> SystemTime {
    // 2026-02-19T12:00:00Z, the seed's date.
    UNIX_EPOCH + Duration::from_secs(1_771_502_400)
}

/// Every model the sim starts with.
pub fn installed_models() -> Vec<InstalledModel> {
    let base = base_modified_at();
    let mut seed = seed_models();
    // In name order, as the catalog this replaced listed them: `/api/tags` order stays stable.
    seed.sort_by(|a, b| a.name.cmp(b.name));
    let mut models: Vec<InstalledModel> = seed
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            InstalledModel::from_seed(spec, base - Duration::from_secs(3600 * (i as u64 + 1)))
        })
        .collect();
    models.push(nomic_embed_text(base - Duration::from_secs(3600 * 30)));
    models.push(llava_7b(base - Duration::from_secs(3600 * 31)));
    models
}

fn nomic_embed_text(modified_at: SystemTime) -> InstalledModel {
    InstalledModel {
        name: "nomic-embed-text:latest".into(),
        size: 274_302_450,
        digest: fake_digest("nomic-embed-text:latest"),
        // nomic-embed-text-v1.5: 12 BERT layers, 12 heads, hidden 768, 2048 trained context.
        arch: Architecture {
            name: "nomic-bert".into(),
            block_count: 12,
            head_count: 12,
            head_count_kv: 12,
            key_length: 64,
            value_length: 64,
            embedding_length: 768,
            context_length: 2048,
            // nomic-embed-text v1.5 (BERT vocabulary).
            vocab_size: 30_522,
            feed_forward_length: 3_072,
            sliding_window: None,
        },
        omit_head_dims: true,
        families: vec!["nomic-bert".into()],
        parameter_size: "137M".into(),
        quantization: "F16".into(),
        capabilities: vec![Capability::Embedding],
        gpu_tps: 0.0,
        modified_at,
    }
}

fn llava_7b(modified_at: SystemTime) -> InstalledModel {
    InstalledModel {
        name: "llava:7b".into(),
        // approx: ollama.com lists 4.7 GB (LLM weights + CLIP projector).
        size: 4_733_363_377,
        digest: fake_digest("llava:7b"),
        // approx: llava-v1.6 on a 7B llama-architecture base.
        arch: Architecture {
            name: "llama".into(),
            block_count: 32,
            head_count: 32,
            head_count_kv: 8,
            key_length: 128,
            value_length: 128,
            embedding_length: 4096,
            context_length: 32768,
            // LLaVA 1.6 on Mistral-7B.
            vocab_size: 32_000,
            feed_forward_length: 14_336,
            sliding_window: None,
        },
        omit_head_dims: true,
        families: vec!["llama".into(), "clip".into()],
        parameter_size: "7B".into(),
        quantization: "Q4_0".into(),
        capabilities: vec![Capability::Completion, Capability::Vision],
        gpu_tps: 0.0,
        modified_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_ollama() {
        assert_eq!(canonical_key("qwen3:8b").as_deref(), Some("qwen3:8b"));
        assert_eq!(
            canonical_key("llama3.2").as_deref(),
            Some("llama3.2:latest")
        );
        assert_eq!(
            canonical_key("registry.ollama.ai/library/Qwen3:8B").as_deref(),
            Some("qwen3:8b")
        );
        assert_eq!(canonical_key(""), None);
        assert_eq!(display_name("my-alias").as_deref(), Some("my-alias:latest"));
        assert_eq!(display_name("My-Alias:v2").as_deref(), Some("My-Alias:v2"));
    }

    #[test]
    fn installed_set_has_catalog_and_extras() {
        let models = installed_models();
        assert_eq!(models.len(), seed_models().len() + 2);
        let nomic = models
            .iter()
            .find(|m| m.name == "nomic-embed-text:latest")
            .unwrap();
        assert!(nomic.is_embedding());
        assert_eq!(nomic.capability_names(), vec!["embedding"]);
        let digests: std::collections::HashSet<_> = models.iter().map(|m| &m.digest).collect();
        assert_eq!(digests.len(), models.len(), "digests must be unique");
        assert!(models.iter().all(|m| m.digest.len() == 64));
    }

    #[test]
    fn model_info_follows_the_gguf_conventions() {
        let models = installed_models();
        let qwen2 = models.iter().find(|m| m.name == "qwen2.5:7b").unwrap();
        let info = qwen2.model_info();
        assert_eq!(info["qwen2.attention.head_count_kv"], json!(4));
        assert!(!info.contains_key("qwen2.attention.key_length"));
        let qwen3 = models.iter().find(|m| m.name == "qwen3:8b").unwrap();
        let info = qwen3.model_info();
        assert_eq!(info["qwen3.attention.key_length"], json!(128));
        assert_eq!(info["general.parameter_count"], json!(8_200_000_000_u64));
        let gemma = models
            .iter()
            .find(|m| m.name == "gemma3:12b-it-q4_K_M")
            .unwrap();
        assert_eq!(
            gemma.model_info()["gemma3.attention.sliding_window"],
            json!(1024)
        );
    }

    #[test]
    fn templates_advertise_what_clients_check() {
        let models = installed_models();
        let coder = models
            .iter()
            .find(|m| m.name == "qwen2.5-coder:7b")
            .unwrap();
        assert!(coder.template().contains("{{ .Suffix }}"));
        let qwen3 = models.iter().find(|m| m.name == "qwen3:8b").unwrap();
        assert!(!qwen3.template().contains(".Suffix"));
        assert!(qwen3.template().contains(".Tools"));
        assert!(
            qwen3
                .parameters_text()
                .starts_with("repeat_penalty                 1\n")
        );
    }
}

//! What the router knows about models: the seed benchmark's grades and speeds, architecture numbers
//! for KV-cache arithmetic, capabilities and context limits.
//!
//! The built-in data comes from two places, both in `../shared`:
//! - `seed/000_85b6312853eb1bd8.txt`: engine/agentic scores per context size and tok/s per context,
//!   measured on an RTX 4070 (12 GB, 504 GB/s), plus VRAM footprints and "not recommended" verdicts.
//! - `reference/ollama-protocol.md` §6: block counts, KV heads, head dims, trained context lengths and
//!   download sizes as Ollama reports them in `/api/show` and `/api/tags`.
//!
//! Where neither source gives a number (gemma2, llama3.2, mistral, glm-4.7-flash architectures), the
//! value is the model's published Hugging Face config and is marked `approx` in a comment. `router.toml`
//! `[models."name"]` overrides any of the routing-relevant fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A letter grade the seed derives from a 0–10 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
    F,
}

impl Grade {
    /// The seed's bands: A ≥ 9, B ≥ 8, C ≥ 7, D ≥ 6, else F.
    pub fn from_score(score: f32) -> Grade {
        match score {
            s if s >= 9.0 => Grade::A,
            s if s >= 8.0 => Grade::B,
            s if s >= 7.0 => Grade::C,
            s if s >= 6.0 => Grade::D,
            _ => Grade::F,
        }
    }
}

/// What Ollama's `/api/show` lists under `capabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    Completion,
    Tools,
    Insert,
    Vision,
    Thinking,
    Embedding,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Completion => "completion",
            Capability::Tools => "tools",
            Capability::Insert => "insert",
            Capability::Vision => "vision",
            Capability::Thinking => "thinking",
            Capability::Embedding => "embedding",
        }
    }
}

/// Architecture numbers that size the KV cache (`reference/ollama-protocol.md` §5.4, §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// `general.architecture`, e.g. `qwen3`.
    pub name: String,
    pub block_count: u32,
    pub head_count: u32,
    pub head_count_kv: u32,
    pub key_length: u32,
    pub value_length: u32,
    pub embedding_length: u32,
    /// Trained context (`<arch>.context_length`); Ollama clamps `num_ctx` to it.
    pub context_length: u32,
    /// Sliding-window attention: `(window, layers_with_full_attention)`. Only the full layers hold
    /// a per-token cache; the sliding layers hold about `window` cells each.
    pub sliding_window: Option<SlidingWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SlidingWindow {
    pub window: u32,
    pub full_layers: u32,
}

/// Bytes per cache element for Ollama's `OLLAMA_KV_CACHE_TYPE` values (llama.cpp block sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KvCacheType {
    #[default]
    F16,
    Q8_0,
    Q4_0,
}

impl KvCacheType {
    /// Ollama's spelling (`OLLAMA_KV_CACHE_TYPE`).
    pub fn as_str(self) -> &'static str {
        match self {
            KvCacheType::F16 => "f16",
            KvCacheType::Q8_0 => "q8_0",
            KvCacheType::Q4_0 => "q4_0",
        }
    }

    pub fn parse(s: &str) -> Option<KvCacheType> {
        [KvCacheType::F16, KvCacheType::Q8_0, KvCacheType::Q4_0]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn bytes_per_element(self) -> f64 {
        match self {
            KvCacheType::F16 => 2.0,
            KvCacheType::Q8_0 => 34.0 / 32.0,
            KvCacheType::Q4_0 => 18.0 / 32.0,
        }
    }
}

impl Architecture {
    /// KV-cache bytes for one sequence of `ctx` tokens.
    ///
    /// Full-attention layers hold `2 × kv_heads × head_dim × bpe` bytes per token (K and V); sliding
    /// layers hold at most `window` tokens each, which is why gemma3 at 128K costs ~8 GiB, not 48.
    pub fn kv_bytes(&self, ctx: u32, kv: KvCacheType) -> u64 {
        let bpe = kv.bytes_per_element();
        let per_layer_token =
            f64::from(self.head_count_kv) * f64::from(self.key_length + self.value_length) * bpe;
        let (full_layers, sliding) = match self.sliding_window {
            Some(sw) => (sw.full_layers, Some(sw)),
            None => (self.block_count, None),
        };
        let mut bytes = per_layer_token * f64::from(full_layers) * f64::from(ctx);
        if let Some(sw) = sliding {
            let sliding_layers = self.block_count.saturating_sub(sw.full_layers);
            // llama.cpp keeps window + one micro-batch (512) of cells per sliding layer.
            let cells = f64::from(ctx.min(sw.window + 512));
            bytes += per_layer_token * f64::from(sliding_layers) * cells;
        }
        bytes as u64
    }
}

/// One model as the router sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The Ollama tag, e.g. `qwen3:8b`.
    pub name: String,
    /// `details.parameter_size`, e.g. `8.2B`.
    pub parameter_size: String,
    /// `details.quantization_level`, e.g. `Q4_K_M`.
    pub quantization: String,
    /// Size of the weights on disk (`/api/tags` `size`); also the VRAM the weights take.
    pub weights_bytes: u64,
    pub arch: Architecture,
    pub capabilities: Vec<Capability>,
    /// The seed's structured tool-calling grade where it measured one. `F` means the model cannot
    /// be trusted with `tools` even though its template accepts them.
    pub tool_calling: Option<Grade>,
    /// Engine (code-writing) scores `(num_ctx, score)` from the seed.
    pub engine: Vec<(u32, f32)>,
    /// Agentic (planning) scores `(num_ctx, score)` from the seed.
    pub agentic: Vec<(u32, f32)>,
    /// Measured tok/s `(num_ctx, tok/s)` on the seed's 12 GB card (includes spill where it happened).
    pub measured_tps: Vec<(u32, f32)>,
    /// Footprints the seed measured `(num_ctx, bytes)` on its card with Ollama's defaults: they
    /// calibrate the fixed part of [`crate::memory::footprint`] for this model.
    pub measured_vram: Vec<(u32, u64)>,
    /// Generation speed when the whole model sits in VRAM, on the seed's card.
    pub gpu_tps: f32,
    /// Smallest context the router will give it (seed failures below this).
    pub min_ctx: u32,
    /// Largest context the router will give it (≤ trained context).
    pub max_ctx: u32,
    /// The context the seed recommends.
    pub recommended_ctx: u32,
    /// Why the seed advises against it for coding, if it does.
    pub not_recommended: Option<String>,
}

/// The seed card's memory bandwidth (RTX 4070, GB/s); speeds scale from it.
pub const SEED_BANDWIDTH_GBPS: f64 = 504.0;

impl ModelSpec {
    pub fn has(&self, cap: Capability) -> bool {
        self.capabilities.contains(&cap)
    }

    /// Tools are usable when the template accepts them and the seed did not grade the model F.
    pub fn tools_usable(&self) -> bool {
        self.has(Capability::Tools) && self.tool_calling != Some(Grade::F)
    }

    /// The effective upper context: the configured max, never above the trained context.
    pub fn ctx_ceiling(&self) -> u32 {
        self.max_ctx.min(self.arch.context_length)
    }

    /// The seed's engine score at `ctx`: the measurement at the largest tested context ≤ `ctx`,
    /// else the smallest tested one. `None` when the seed has no engine score.
    pub fn engine_score(&self, ctx: u32) -> Option<f32> {
        score_at(&self.engine, ctx)
    }

    pub fn agentic_score(&self, ctx: u32) -> Option<f32> {
        score_at(&self.agentic, ctx)
    }
}

fn score_at(points: &[(u32, f32)], ctx: u32) -> Option<f32> {
    points
        .iter()
        .filter(|(c, _)| *c <= ctx)
        .max_by_key(|(c, _)| *c)
        .or_else(|| points.iter().min_by_key(|(c, _)| *c))
        .map(|(_, s)| *s)
}

/// All models the router knows, by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    models: BTreeMap<String, ModelSpec>,
}

impl Catalog {
    pub fn new(models: impl IntoIterator<Item = ModelSpec>) -> Catalog {
        Catalog {
            models: models.into_iter().map(|m| (m.name.clone(), m)).collect(),
        }
    }

    /// The seed's 16 models.
    pub fn builtin() -> Catalog {
        Catalog::new(builtin_models())
    }

    /// Looks a name up, accepting Ollama's implicit `:latest` tag.
    pub fn get(&self, name: &str) -> Option<&ModelSpec> {
        self.models.get(name).or_else(|| {
            if name.contains(':') {
                name.strip_suffix(":latest")
                    .and_then(|bare| self.models.get(bare))
            } else {
                self.models.get(&format!("{name}:latest"))
            }
        })
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut ModelSpec> {
        self.models.get_mut(name)
    }

    pub fn insert(&mut self, spec: ModelSpec) {
        self.models.insert(spec.name.clone(), spec);
    }

    pub fn iter(&self) -> impl Iterator<Item = &ModelSpec> {
        self.models.values()
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

const GB: u64 = 1_000_000_000;

fn qwen3(block_count: u32, head_count: u32, embedding: u32) -> Architecture {
    Architecture {
        name: "qwen3".into(),
        block_count,
        head_count,
        head_count_kv: 8,
        key_length: 128,
        value_length: 128,
        embedding_length: embedding,
        context_length: 40960,
        sliding_window: None,
    }
}

fn qwen2(block_count: u32, head_count: u32, kv: u32, embedding: u32) -> Architecture {
    Architecture {
        name: "qwen2".into(),
        block_count,
        head_count,
        head_count_kv: kv,
        // Absent in the library GGUFs; Ollama falls back to embedding_length / head_count = 128.
        key_length: 128,
        value_length: 128,
        embedding_length: embedding,
        context_length: 32768,
        sliding_window: None,
    }
}

fn llama(block_count: u32, head_count: u32, embedding: u32, context_length: u32) -> Architecture {
    Architecture {
        name: "llama".into(),
        block_count,
        head_count,
        head_count_kv: 8,
        key_length: 128,
        value_length: 128,
        embedding_length: embedding,
        context_length,
        sliding_window: None,
    }
}

struct Seed {
    name: &'static str,
    parameter_size: &'static str,
    quantization: &'static str,
    weights_bytes: u64,
    arch: Architecture,
    caps: &'static [Capability],
    tool_calling: Option<Grade>,
    engine: &'static [(u32, f32)],
    agentic: &'static [(u32, f32)],
    measured_tps: &'static [(u32, f32)],
    measured_vram: &'static [(u32, u64)],
    min_ctx: u32,
    max_ctx: u32,
    recommended_ctx: u32,
    not_recommended: Option<&'static str>,
}

impl From<Seed> for ModelSpec {
    fn from(s: Seed) -> ModelSpec {
        let mut spec = ModelSpec {
            name: s.name.into(),
            parameter_size: s.parameter_size.into(),
            quantization: s.quantization.into(),
            weights_bytes: s.weights_bytes,
            max_ctx: s.max_ctx.min(s.arch.context_length),
            arch: s.arch,
            capabilities: s.caps.to_vec(),
            tool_calling: s.tool_calling,
            engine: s.engine.to_vec(),
            agentic: s.agentic.to_vec(),
            measured_tps: s.measured_tps.to_vec(),
            measured_vram: s.measured_vram.to_vec(),
            gpu_tps: 0.0,
            min_ctx: s.min_ctx,
            recommended_ctx: s.recommended_ctx,
            not_recommended: s.not_recommended.map(str::to_owned),
        };
        // The best speed the seed measured without a spill; for a model it only saw spilled, what
        // memory bandwidth allows (its measured speeds are spilled ones, not its GPU speed).
        spec.gpu_tps = crate::memory::seed_gpu_tps(&spec) as f32;
        spec
    }
}

use Capability::{Completion, Insert, Thinking, Tools, Vision};

fn builtin_models() -> Vec<ModelSpec> {
    let seeds = [
        Seed {
            name: "qwen3:8b",
            parameter_size: "8.2B",
            quantization: "Q4_K_M",
            weights_bytes: 5_225_388_164,
            arch: qwen3(36, 32, 4096),
            caps: &[Completion, Tools, Thinking],
            tool_calling: Some(Grade::A),
            // F (3.5) at 8192: the engine task hit the context limit.
            engine: &[(8192, 3.5), (10240, 9.9), (16384, 9.9)],
            agentic: &[(10240, 9.7)],
            measured_tps: &[(8192, 72.0), (10240, 70.0), (16384, 71.0)],
            measured_vram: &[(8192, 7_300_000_000), (16384, 9_300_000_000)],
            min_ctx: 10240,
            max_ctx: 40960,
            recommended_ctx: 16384,
            not_recommended: None,
        },
        Seed {
            name: "qwen3:14b",
            parameter_size: "14.8B",
            quantization: "Q4_K_M",
            weights_bytes: 9_276_198_565,
            arch: qwen3(40, 40, 5120),
            caps: &[Completion, Tools, Thinking],
            tool_calling: Some(Grade::A),
            engine: &[(16384, 9.8)],
            agentic: &[(16384, 10.0)],
            // 10K and above spill the KV cache to the CPU on 12 GB.
            measured_tps: &[(8192, 44.0), (10240, 22.0), (16384, 23.0), (32768, 10.5)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 40960,
            recommended_ctx: 8192,
            not_recommended: None,
        },
        Seed {
            name: "phi4:14b-q4_K_M",
            parameter_size: "14.7B",
            quantization: "Q4_K_M",
            weights_bytes: 9_053_116_391,
            arch: Architecture {
                name: "phi3".into(),
                block_count: 40,
                head_count: 40,
                head_count_kv: 10,
                key_length: 128,
                value_length: 128,
                embedding_length: 5120,
                context_length: 16384,
                sliding_window: None,
            },
            caps: &[Completion],
            // "F on structured tool calling (empty response)".
            tool_calling: Some(Grade::F),
            engine: &[(8192, 9.9), (16384, 9.9)],
            agentic: &[(8192, 9.0), (16384, 9.0)],
            measured_tps: &[(8192, 23.0), (16384, 12.0)],
            measured_vram: &[],
            min_ctx: 8192,
            // "ctx-8192 only. At 16K the speed is barely interactive."
            max_ctx: 8192,
            recommended_ctx: 8192,
            not_recommended: None,
        },
        Seed {
            name: "qwen2.5-coder:14b-instruct-q4_K_M",
            parameter_size: "14.8B",
            quantization: "Q4_K_M",
            weights_bytes: 8_988_124_298,
            arch: qwen2(48, 40, 8, 5120),
            caps: &[Completion, Tools, Insert],
            tool_calling: Some(Grade::F),
            engine: &[(10240, 9.7)],
            agentic: &[(8192, 8.8)],
            measured_tps: &[(8192, 29.0), (16384, 15.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 10240,
            not_recommended: None,
        },
        Seed {
            name: "qwen2.5:7b",
            parameter_size: "7.6B",
            quantization: "Q4_K_M",
            weights_bytes: 4_683_073_952,
            arch: qwen2(28, 28, 4, 3584),
            caps: &[Completion, Tools],
            // "the only qwen2.5 variant that can do structured tool calling (A 10.0)".
            tool_calling: Some(Grade::A),
            engine: &[(16384, 8.7)],
            agentic: &[(16384, 9.0), (32768, 8.8)],
            measured_tps: &[(16384, 89.0), (32768, 91.0)],
            measured_vram: &[(16384, 7_200_000_000), (32768, 8_800_000_000)],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 16384,
            not_recommended: None,
        },
        Seed {
            name: "qwen2.5-coder:7b-instruct-q5_K_M",
            parameter_size: "7.6B",
            quantization: "Q5_K_M",
            weights_bytes: 5_444_831_872,
            arch: qwen2(28, 28, 4, 3584),
            caps: &[Completion, Tools, Insert],
            tool_calling: Some(Grade::F),
            engine: &[(16384, 8.8)],
            agentic: &[(16384, 9.2)],
            measured_tps: &[(8192, 79.0), (16384, 78.0)],
            measured_vram: &[(8192, 7_600_000_000), (16384, 8_000_000_000)],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 16384,
            not_recommended: None,
        },
        Seed {
            name: "qwen2.5-coder:7b",
            parameter_size: "7.6B",
            quantization: "Q4_K_M",
            weights_bytes: 4_683_087_519,
            arch: qwen2(28, 28, 4, 3584),
            caps: &[Completion, Tools, Insert],
            tool_calling: Some(Grade::F),
            // The seed only summarises it as "D-B engine, inconsistent".
            engine: &[(8192, 6.5), (16384, 8.0)],
            agentic: &[],
            measured_tps: &[(16384, 88.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 16384,
            not_recommended: None,
        },
        Seed {
            name: "gemma3:12b-it-q4_K_M",
            parameter_size: "12.2B",
            quantization: "Q4_K_M",
            weights_bytes: 8_149_190_253,
            arch: Architecture {
                name: "gemma3".into(),
                block_count: 48,
                head_count: 16,
                head_count_kv: 8,
                key_length: 256,
                value_length: 256,
                embedding_length: 3840,
                context_length: 131072,
                sliding_window: Some(SlidingWindow {
                    window: 1024,
                    full_layers: 8,
                }),
            },
            caps: &[Completion, Vision],
            tool_calling: None,
            // D (6.6) at 8K and 10K: empty output CSV.
            engine: &[(8192, 6.6), (10240, 6.6), (16384, 9.6)],
            agentic: &[(8192, 7.1), (10240, 7.3), (16384, 9.2)],
            measured_tps: &[(8192, 51.0), (16384, 51.0)],
            measured_vram: &[(8192, 10_900_000_000), (16384, 11_400_000_000)],
            min_ctx: 16384,
            max_ctx: 32768,
            recommended_ctx: 16384,
            not_recommended: None,
        },
        Seed {
            name: "gpt-oss:20b",
            parameter_size: "20.9B",
            quantization: "MXFP4",
            weights_bytes: 13_780_173_734,
            arch: Architecture {
                name: "gptoss".into(),
                block_count: 24,
                head_count: 64,
                head_count_kv: 8,
                key_length: 64,
                value_length: 64,
                embedding_length: 2880,
                context_length: 131072,
                sliding_window: Some(SlidingWindow {
                    window: 128,
                    full_layers: 12,
                }),
            },
            caps: &[Completion, Tools, Thinking],
            tool_calling: None,
            engine: &[(16384, 9.8)],
            agentic: &[(16384, 9.1)],
            measured_tps: &[(16384, 29.0)],
            measured_vram: &[],
            // "can only run at ctx-16384"; Ollama itself forces at least 8192.
            min_ctx: 16384,
            max_ctx: 32768,
            recommended_ctx: 16384,
            not_recommended: None,
        },
        Seed {
            name: "gemma2:9b-instruct-q4_K_M",
            parameter_size: "9.2B",
            quantization: "Q4_K_M",
            // approx: ollama.com lists 5.8 GB.
            weights_bytes: 5_761_057_728,
            arch: Architecture {
                name: "gemma2".into(),
                block_count: 42,
                head_count: 16,
                head_count_kv: 8,
                key_length: 256,
                value_length: 256,
                embedding_length: 3584,
                context_length: 8192,
                // Alternating local (4096) and global layers; at 8192 the window barely matters.
                sliding_window: None,
            },
            caps: &[Completion],
            tool_calling: None,
            engine: &[(8192, 9.4), (10240, 5.3), (16384, 8.5)],
            agentic: &[(8192, 8.5), (16384, 8.2)],
            measured_tps: &[(8192, 66.0), (16384, 60.0)],
            measured_vram: &[],
            min_ctx: 8192,
            // "Use at ctx-8192 only."
            max_ctx: 8192,
            recommended_ctx: 8192,
            not_recommended: None,
        },
        Seed {
            name: "deepseek-coder-v2:16b",
            parameter_size: "15.7B",
            quantization: "Q4_0",
            weights_bytes: 8_905_126_121,
            arch: Architecture {
                name: "deepseek2".into(),
                block_count: 27,
                head_count: 16,
                head_count_kv: 16,
                // Old GGUF without MLA keys: llama.cpp stores decompressed K (192) and V (128).
                key_length: 192,
                value_length: 128,
                embedding_length: 2048,
                context_length: 163840,
                sliding_window: None,
            },
            caps: &[Completion, Insert],
            tool_calling: None,
            engine: &[(8192, 8.3), (16384, 9.1)],
            agentic: &[(8192, 8.0), (16384, 8.1)],
            measured_tps: &[(8192, 25.0), (16384, 11.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 8192,
            not_recommended: Some(
                "outclassed: qwen2.5-coder:14b writes better code at the same speed with less VRAM",
            ),
        },
        Seed {
            name: "llama3.1:8b-instruct-q4_K_M",
            parameter_size: "8.0B",
            quantization: "Q4_K_M",
            weights_bytes: 4_920_753_328,
            arch: llama(32, 32, 4096, 131072),
            caps: &[Completion, Tools],
            tool_calling: None,
            engine: &[(8192, 5.7), (10240, 9.3), (16384, 5.7)],
            agentic: &[(8192, 9.1)],
            measured_tps: &[(8192, 83.0), (16384, 83.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 10240,
            not_recommended: Some(
                "code frequently crashes with runtime errors (KeyError) at 8K and 16K",
            ),
        },
        Seed {
            name: "llama3.1:8b",
            parameter_size: "8.0B",
            quantization: "Q4_K_M",
            weights_bytes: 4_920_753_328,
            arch: llama(32, 32, 4096, 131072),
            caps: &[Completion, Tools],
            tool_calling: None,
            engine: &[(8192, 5.7)],
            agentic: &[],
            measured_tps: &[(8192, 83.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 8192,
            not_recommended: Some("code crashes (UnboundLocalError, no output)"),
        },
        Seed {
            name: "llama3.2:latest",
            parameter_size: "3.2B",
            quantization: "Q4_K_M",
            weights_bytes: 2_019_393_189,
            // approx: Llama-3.2-3B config (28 layers, 24 heads, 8 KV heads, hidden 3072).
            arch: llama(28, 24, 3072, 131072),
            caps: &[Completion, Tools],
            tool_calling: None,
            engine: &[(8192, 5.7)],
            agentic: &[],
            measured_tps: &[(8192, 167.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 8192,
            not_recommended: Some("too small (3B): code crashes at every context size"),
        },
        Seed {
            name: "mistral:7b-instruct",
            parameter_size: "7.2B",
            quantization: "Q4_0",
            weights_bytes: 4_113_301_824,
            // approx: Mistral-7B-Instruct v0.3 config (32 layers, 32 heads, 8 KV heads).
            arch: llama(32, 32, 4096, 32768),
            caps: &[Completion, Tools],
            tool_calling: None,
            engine: &[(8192, 5.0), (10240, 8.0), (16384, 5.0)],
            agentic: &[],
            measured_tps: &[(8192, 77.0), (16384, 77.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 10240,
            not_recommended: Some("very inconsistent: F at 8K and 16K (SyntaxError, KeyError)"),
        },
        Seed {
            name: "glm-4.7-flash:q4_K_M",
            parameter_size: "29.9B",
            quantization: "Q4_K_M",
            weights_bytes: 19 * GB,
            // approx: MoE with MLA; the seed only tells that 19 GB never fits 12 GB.
            arch: Architecture {
                name: "glm4moelite".into(),
                block_count: 47,
                head_count: 20,
                head_count_kv: 20,
                key_length: 64,
                value_length: 64,
                embedding_length: 2048,
                context_length: 202752,
                sliding_window: None,
            },
            caps: &[Completion, Tools, Thinking],
            tool_calling: None,
            engine: &[(8192, 9.9)],
            agentic: &[],
            measured_tps: &[(8192, 9.0)],
            measured_vram: &[],
            min_ctx: 8192,
            max_ctx: 32768,
            recommended_ctx: 8192,
            not_recommended: Some("19 GB runs at CPU speed (~9 tok/s); times out at 16K+"),
        },
    ];
    seeds.into_iter().map(ModelSpec::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn kv_gib(model: &str, ctx: u32) -> f64 {
        let cat = Catalog::builtin();
        let spec = cat.get(model).unwrap();
        spec.arch.kv_bytes(ctx, KvCacheType::F16) as f64 / GIB
    }

    #[test]
    fn kv_sizes_match_the_reference_table() {
        // reference/ollama-protocol.md §6 "Derived KV-cache sizes".
        assert!((kv_gib("qwen3:8b", 16384) - 2.25).abs() < 0.01);
        assert!((kv_gib("qwen3:14b", 32768) - 5.00).abs() < 0.01);
        assert!((kv_gib("qwen2.5:7b", 16384) - 0.875).abs() < 0.01);
        assert!((kv_gib("phi4:14b-q4_K_M", 8192) - 1.5625).abs() < 0.01);
        assert!((kv_gib("deepseek-coder-v2:16b", 8192) - 2.11).abs() < 0.01);
        // gemma3 with SWA ≈ 0.97 GiB at 8K (not the 3 GiB a naive formula gives).
        let g = kv_gib("gemma3:12b-it-q4_K_M", 8192);
        assert!((0.9..1.1).contains(&g), "{g}");
    }

    #[test]
    fn seed_has_every_model_it_names() {
        let cat = Catalog::builtin();
        assert_eq!(cat.len(), 16);
        assert_eq!(cat.get("qwen3:8b").unwrap().gpu_tps, 72.0);
        assert_eq!(cat.get("llama3.2").unwrap().name, "llama3.2:latest");
        assert!(!cat.get("phi4:14b-q4_K_M").unwrap().tools_usable());
        assert!(cat.get("qwen2.5:7b").unwrap().tools_usable());
    }

    #[test]
    fn scores_pick_the_nearest_tested_context_below() {
        let cat = Catalog::builtin();
        let q = cat.get("qwen3:8b").unwrap();
        assert_eq!(q.engine_score(8192), Some(3.5));
        assert_eq!(q.engine_score(12000), Some(9.9));
        assert_eq!(q.engine_score(4096), Some(3.5));
        assert_eq!(Grade::from_score(9.9), Grade::A);
        assert_eq!(Grade::from_score(5.3), Grade::F);
    }
}

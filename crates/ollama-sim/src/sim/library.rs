//! The seed's models as the simulated Ollama installs them: names, sizes, GGUF architecture
//! numbers, template capabilities, and the seed's measured speeds and grades.
//!
//! This table is the simulator's own: it comes from `shared/seed/000_85b6312853eb1bd8.txt` (sizes,
//! tok/s, engine/agentic scores on an RTX 4070, 12 GB, 504 GB/s) and
//! `shared/reference/ollama-protocol.md` §6 (block counts, KV heads, head dims, trained contexts as
//! `/api/show` reports them). Where neither gives a number (gemma2, llama3.2, mistral,
//! glm-4.7-flash), the value is the model's published Hugging Face config (`approx`). It is kept
//! apart from the router's catalog on purpose: the simulator is the referee the router is tested
//! against, so it must not share the router's data or formulas.

/// The seed card's memory bandwidth (RTX 4070, GB/s); simulated speeds scale from it.
pub const SEED_BANDWIDTH_GBPS: f64 = 504.0;

/// What Ollama's `/api/show` lists under `capabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// The GGUF header numbers that size a model's KV cache (`reference/ollama-protocol.md` §5.4, §6).
#[derive(Debug, Clone, PartialEq)]
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
    /// Rows of the embedding and output matrices (`tokenizer.ggml.tokens` length): sizes the
    /// logits buffer and the embedding table llama.cpp keeps on the CPU.
    pub vocab_size: u32,
    /// `<arch>.feed_forward_length` (per expert for MoE models): sizes activations.
    pub feed_forward_length: u32,
    /// Sliding-window attention, for models whose layers mostly attend to a window only.
    pub sliding_window: Option<SlidingWindow>,
}

/// `(window, layers with full attention)` of a sliding-window model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlidingWindow {
    pub window: u32,
    pub full_layers: u32,
}

/// `OLLAMA_KV_CACHE_TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KvCacheType {
    #[default]
    F16,
    Q8_0,
    Q4_0,
}

impl KvCacheType {
    /// Bytes per cache element: ggml's block sizes (q8_0: 34 bytes per 32 values, q4_0: 18).
    pub fn bytes_per_element(self) -> f64 {
        match self {
            KvCacheType::F16 => 2.0,
            KvCacheType::Q8_0 => 34.0 / 32.0,
            KvCacheType::Q4_0 => 18.0 / 32.0,
        }
    }
}

/// Cells llama.cpp keeps per sliding-window layer beyond the window: one micro-batch (`n_ubatch`).
const SWA_EXTRA_CELLS: u32 = 512;

impl Architecture {
    /// KV-cache bytes for `ctx` cells, as llama.cpp allocates them: every full-attention layer
    /// holds K and V (`head_count_kv × (key_length + value_length)` elements) per cell; a
    /// sliding-window layer holds at most `window + n_ubatch` cells.
    pub fn kv_bytes(&self, ctx: u32, kv: KvCacheType) -> u64 {
        let per_cell_layer = f64::from(self.head_count_kv)
            * f64::from(self.key_length + self.value_length)
            * kv.bytes_per_element();
        let layer_cells = |layers: u32, cells: u32| f64::from(layers) * f64::from(cells);
        let cells = match self.sliding_window {
            None => layer_cells(self.block_count, ctx),
            Some(sw) => {
                layer_cells(sw.full_layers, ctx)
                    + layer_cells(
                        self.block_count.saturating_sub(sw.full_layers),
                        ctx.min(sw.window + SWA_EXTRA_CELLS),
                    )
            }
        };
        (per_cell_layer * cells) as u64
    }
}

/// One model of the seed benchmark.
#[derive(Debug, Clone)]
pub struct SeedModel {
    /// The Ollama tag, e.g. `qwen3:8b`.
    pub name: &'static str,
    /// `details.parameter_size`.
    pub parameter_size: &'static str,
    /// `details.quantization_level`.
    pub quantization: &'static str,
    /// Bytes on disk (`/api/tags` `size`).
    pub weights_bytes: u64,
    pub arch: Architecture,
    pub caps: &'static [Capability],
    /// The seed's engine (code-writing) scores, `(num_ctx, 0–10)`.
    pub engine: &'static [(u32, f32)],
    /// The seed's agentic (planning) scores, `(num_ctx, 0–10)`.
    pub agentic: &'static [(u32, f32)],
    /// Measured tok/s per `num_ctx` on the seed's card (spilled runs included).
    pub measured_tps: &'static [(u32, f32)],
}

impl SeedModel {
    /// Generation speed with everything in VRAM: the best the seed measured (a spill only slows).
    pub fn gpu_tps(&self) -> f64 {
        f64::from(
            self.measured_tps
                .iter()
                .map(|(_, t)| *t)
                .fold(0.0, f32::max),
        )
    }

    /// The seed's engine score at `ctx`: the run at the largest tested context ≤ `ctx`, else the
    /// smallest tested one.
    pub fn engine_score(&self, ctx: u32) -> Option<f32> {
        score_at(self.engine, ctx)
    }

    pub fn agentic_score(&self, ctx: u32) -> Option<f32> {
        score_at(self.agentic, ctx)
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

/// Looks a seed model up by name, accepting Ollama's implicit `:latest`.
pub fn seed_model(name: &str) -> Option<SeedModel> {
    let bare = name.strip_suffix(":latest").unwrap_or(name);
    seed_models()
        .into_iter()
        .find(|m| m.name == name || m.name.strip_suffix(":latest") == Some(bare) || m.name == bare)
}

use Capability::{Completion, Insert, Thinking, Tools, Vision};

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
        vocab_size: 151_936,
        // Qwen3-8B 12288, Qwen3-14B 17408 (Hugging Face configs).
        feed_forward_length: if embedding == 4096 { 12_288 } else { 17_408 },
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
        // Qwen2.5 7B and 14B pad to 152064 rows.
        vocab_size: 152_064,
        // Qwen2.5-7B 18944, Qwen2.5-14B 13824 (Hugging Face configs).
        feed_forward_length: if embedding == 3584 { 18_944 } else { 13_824 },
        sliding_window: None,
    }
}

fn llama(
    block_count: u32,
    head_count: u32,
    embedding: u32,
    context_length: u32,
    (vocab_size, feed_forward_length): (u32, u32),
) -> Architecture {
    Architecture {
        name: "llama".into(),
        block_count,
        head_count,
        head_count_kv: 8,
        key_length: 128,
        value_length: 128,
        embedding_length: embedding,
        context_length,
        vocab_size,
        feed_forward_length,
        sliding_window: None,
    }
}

/// The seed's 16 models as Ollama would have them installed.
pub fn seed_models() -> Vec<SeedModel> {
    vec![
        SeedModel {
            name: "qwen3:8b",
            parameter_size: "8.2B",
            quantization: "Q4_K_M",
            weights_bytes: 5_225_388_164,
            arch: qwen3(36, 32, 4096),
            caps: &[Completion, Tools, Thinking],
            // F (3.5) at 8192: the engine task hit the context limit.
            engine: &[(8192, 3.5), (10240, 9.9), (16384, 9.9)],
            agentic: &[(10240, 9.7)],
            measured_tps: &[(8192, 72.0), (10240, 70.0), (16384, 71.0)],
        },
        SeedModel {
            name: "qwen3:14b",
            parameter_size: "14.8B",
            quantization: "Q4_K_M",
            weights_bytes: 9_276_198_565,
            arch: qwen3(40, 40, 5120),
            caps: &[Completion, Tools, Thinking],
            engine: &[(16384, 9.8)],
            agentic: &[(16384, 10.0)],
            // 10K and above spill the KV cache to the CPU on 12 GB.
            measured_tps: &[(8192, 44.0), (10240, 22.0), (16384, 23.0), (32768, 10.5)],
        },
        SeedModel {
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
                // phi-4 (Hugging Face config).
                vocab_size: 100_352,
                feed_forward_length: 17_920,
                sliding_window: None,
            },
            caps: &[Completion],
            engine: &[(8192, 9.9), (16384, 9.9)],
            agentic: &[(8192, 9.0), (16384, 9.0)],
            measured_tps: &[(8192, 23.0), (16384, 12.0)],
        },
        SeedModel {
            name: "qwen2.5-coder:14b-instruct-q4_K_M",
            parameter_size: "14.8B",
            quantization: "Q4_K_M",
            weights_bytes: 8_988_124_298,
            arch: qwen2(48, 40, 8, 5120),
            caps: &[Completion, Tools, Insert],
            engine: &[(10240, 9.7)],
            agentic: &[(8192, 8.8)],
            measured_tps: &[(8192, 29.0), (16384, 15.0)],
        },
        SeedModel {
            name: "qwen2.5:7b",
            parameter_size: "7.6B",
            quantization: "Q4_K_M",
            weights_bytes: 4_683_073_952,
            arch: qwen2(28, 28, 4, 3584),
            caps: &[Completion, Tools],
            engine: &[(16384, 8.7)],
            agentic: &[(16384, 9.0), (32768, 8.8)],
            measured_tps: &[(16384, 89.0), (32768, 91.0)],
        },
        SeedModel {
            name: "qwen2.5-coder:7b-instruct-q5_K_M",
            parameter_size: "7.6B",
            quantization: "Q5_K_M",
            weights_bytes: 5_444_831_872,
            arch: qwen2(28, 28, 4, 3584),
            caps: &[Completion, Tools, Insert],
            engine: &[(16384, 8.8)],
            agentic: &[(16384, 9.2)],
            measured_tps: &[(8192, 79.0), (16384, 78.0)],
        },
        SeedModel {
            name: "qwen2.5-coder:7b",
            parameter_size: "7.6B",
            quantization: "Q4_K_M",
            weights_bytes: 4_683_087_519,
            arch: qwen2(28, 28, 4, 3584),
            caps: &[Completion, Tools, Insert],
            // The seed only summarises it as "D-B engine, inconsistent".
            engine: &[(8192, 6.5), (16384, 8.0)],
            agentic: &[],
            measured_tps: &[(16384, 88.0)],
        },
        SeedModel {
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
                // Gemma-3-12B (Hugging Face config).
                vocab_size: 262_208,
                feed_forward_length: 15_360,
                sliding_window: Some(SlidingWindow {
                    window: 1024,
                    full_layers: 8,
                }),
            },
            caps: &[Completion, Vision],
            // D (6.6) at 8K and 10K: empty output CSV.
            engine: &[(8192, 6.6), (10240, 6.6), (16384, 9.6)],
            agentic: &[(8192, 7.1), (10240, 7.3), (16384, 9.2)],
            measured_tps: &[(8192, 51.0), (16384, 51.0)],
        },
        SeedModel {
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
                // gpt-oss-20b: o200k vocabulary, per-expert FFN.
                vocab_size: 201_088,
                feed_forward_length: 2_880,
                sliding_window: Some(SlidingWindow {
                    window: 128,
                    full_layers: 12,
                }),
            },
            caps: &[Completion, Tools, Thinking],
            engine: &[(16384, 9.8)],
            agentic: &[(16384, 9.1)],
            measured_tps: &[(16384, 29.0)],
        },
        SeedModel {
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
                // Gemma-2-9B (Hugging Face config).
                vocab_size: 256_000,
                feed_forward_length: 14_336,
                // Alternating local (4096) and global layers; at 8192 the window barely matters.
                sliding_window: None,
            },
            caps: &[Completion],
            engine: &[(8192, 9.4), (10240, 5.3), (16384, 8.5)],
            agentic: &[(8192, 8.5), (16384, 8.2)],
            measured_tps: &[(8192, 66.0), (16384, 60.0)],
        },
        SeedModel {
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
                // DeepSeek-Coder-V2-Lite (Hugging Face config; dense first layer).
                vocab_size: 102_400,
                feed_forward_length: 10_944,
                sliding_window: None,
            },
            caps: &[Completion, Insert],
            engine: &[(8192, 8.3), (16384, 9.1)],
            agentic: &[(8192, 8.0), (16384, 8.1)],
            measured_tps: &[(8192, 25.0), (16384, 11.0)],
        },
        SeedModel {
            name: "llama3.1:8b-instruct-q4_K_M",
            parameter_size: "8.0B",
            quantization: "Q4_K_M",
            weights_bytes: 4_920_753_328,
            arch: llama(32, 32, 4096, 131072, (128_256, 14_336)),
            caps: &[Completion, Tools],
            engine: &[(8192, 5.7), (10240, 9.3), (16384, 5.7)],
            agentic: &[(8192, 9.1)],
            measured_tps: &[(8192, 83.0), (16384, 83.0)],
        },
        SeedModel {
            name: "llama3.1:8b",
            parameter_size: "8.0B",
            quantization: "Q4_K_M",
            weights_bytes: 4_920_753_328,
            arch: llama(32, 32, 4096, 131072, (128_256, 14_336)),
            caps: &[Completion, Tools],
            engine: &[(8192, 5.7)],
            agentic: &[],
            measured_tps: &[(8192, 83.0)],
        },
        SeedModel {
            name: "llama3.2:latest",
            parameter_size: "3.2B",
            quantization: "Q4_K_M",
            weights_bytes: 2_019_393_189,
            // approx: Llama-3.2-3B config (28 layers, 24 heads, 8 KV heads, hidden 3072).
            arch: llama(28, 24, 3072, 131072, (128_256, 8_192)),
            caps: &[Completion, Tools],
            engine: &[(8192, 5.7)],
            agentic: &[],
            measured_tps: &[(8192, 167.0)],
        },
        SeedModel {
            name: "mistral:7b-instruct",
            parameter_size: "7.2B",
            quantization: "Q4_0",
            weights_bytes: 4_113_301_824,
            // approx: Mistral-7B-Instruct v0.3 config (32 layers, 32 heads, 8 KV heads).
            arch: llama(32, 32, 4096, 32768, (32_768, 14_336)),
            caps: &[Completion, Tools],
            engine: &[(8192, 5.0), (10240, 8.0), (16384, 5.0)],
            agentic: &[],
            measured_tps: &[(8192, 77.0), (16384, 77.0)],
        },
        SeedModel {
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
                // approx: GLM-4.7-Flash.
                vocab_size: 154_880,
                feed_forward_length: 10_240,
                sliding_window: None,
            },
            caps: &[Completion, Tools, Thinking],
            engine: &[(8192, 9.9)],
            agentic: &[],
            measured_tps: &[(8192, 9.0)],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn kv_gib(model: &str, ctx: u32) -> f64 {
        seed_model(model)
            .unwrap()
            .arch
            .kv_bytes(ctx, KvCacheType::F16) as f64
            / GIB
    }

    #[test]
    fn kv_sizes_match_the_reference_table() {
        // reference/ollama-protocol.md §6 "Derived KV-cache sizes".
        assert!((kv_gib("qwen3:8b", 16384) - 2.25).abs() < 0.01);
        assert!((kv_gib("qwen3:14b", 32768) - 5.00).abs() < 0.01);
        assert!((kv_gib("qwen2.5:7b", 16384) - 0.875).abs() < 0.01);
        let g = kv_gib("gemma3:12b-it-q4_K_M", 8192);
        assert!((0.9..1.1).contains(&g), "{g}");
    }

    #[test]
    fn the_seed_has_sixteen_models() {
        assert_eq!(seed_models().len(), 16);
        assert_eq!(seed_model("qwen3:8b").unwrap().gpu_tps(), 72.0);
        assert_eq!(seed_model("llama3.2").unwrap().name, "llama3.2:latest");
        assert_eq!(
            seed_model("qwen3:8b").unwrap().engine_score(4096),
            Some(3.5)
        );
    }
}

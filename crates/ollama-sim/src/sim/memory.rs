//! Memory of a loaded runner, as real Ollama + llama.cpp use it on one CUDA GPU: the sim's own
//! model, built from Ollama's source (fixtures 07–09) and calibrated on the seed's measurements.
//! Nothing here comes from the router.
//!
//! Three different numbers, on purpose:
//! - [`predict_server_vram`]: **Ollama's own prediction** (`llm/llama_server.go` PredictServerVRAM):
//!   file size + f16 KV for `num_ctx × num_parallel` cells, no compute term. Ollama uses it only
//!   to decide whether to evict another runner before loading ([`must_evict_before_loading`]:
//!   prediction + batch surcharge > 80 % of free VRAM).
//! - [`place`]: **llama.cpp's placement** (`--fit`, on by default): weights, KV cache and compute
//!   buffers for the real shapes; layers that do not fit under `free − margin` go to the CPU.
//! - [`Placement::ps_size`] / [`Placement::ps_size_vram`]: what `/api/ps` shows, summed from
//!   llama.cpp's buffers (fixture 09): host compute counted only when something spilled; the CUDA
//!   context is in neither.
//!
//! Calibration (`tests` below, from the seed): qwen3:8b 7.3–9.3 GB at 8K–16K, qwen2.5:7b 7.2 GB at
//! 16K and 8.8 GB at 32K, qwen3:14b fits at 8K and spills at 10240 on a 12 GB card. The seed's
//! "GB" are decimal (its model sizes are `ollama list`'s), and its footprints include the CUDA
//! context (nvidia-smi): [`CUDA_CONTEXT_BYTES`].

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// CUDA context, cuBLAS workspace and driver allocations of one llama-server process: in
/// nvidia-smi's reading (and so in the seed's footprints), in no llama.cpp buffer and so not in
/// `/api/ps` (fixture 09).
pub const CUDA_CONTEXT_BYTES: u64 = 512 * MIB;

/// llama.cpp `--fit` keeps this much free on each GPU (`LLAMA_ARG_FIT_TARGET`, default 1024 MiB).
pub const FIT_MARGIN_BYTES: u64 = 1024 * MIB;

/// A model's shape, as its GGUF header says.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Bytes of the GGUF file (`ollama list` size).
    pub file_bytes: u64,
    pub block_count: u32,
    pub embedding_length: u32,
    pub feed_forward_length: u32,
    pub head_count: u32,
    pub head_count_kv: u32,
    /// Per-head K and V widths (`attention.key_length` / `value_length`).
    pub key_length: u32,
    pub value_length: u32,
    pub vocab_size: u32,
    /// Trained context (`<arch>.context_length`).
    pub context_length: u32,
    /// Sliding-window attention: (window, how many of the layers slide).
    pub sliding_window: Option<(u32, u32)>,
    /// Bits per weight of the token embedding table, which llama.cpp keeps on the CPU.
    pub embd_bits_per_weight: f64,
}

impl Shape {
    /// Bytes of `token_embd` (always in system RAM: llama.cpp never offloads the input layer).
    pub fn token_embd_bytes(&self) -> u64 {
        (f64::from(self.vocab_size) * f64::from(self.embedding_length) * self.embd_bits_per_weight
            / 8.0) as u64
    }

    /// Weights of one repeating layer (what moves between GPU and CPU), assuming the output
    /// head is about the size of the embedding table.
    pub fn layer_weight_bytes(&self) -> u64 {
        let repeating = self.file_bytes.saturating_sub(2 * self.token_embd_bytes());
        repeating / u64::from(self.block_count.max(1))
    }

    /// Output head + norms: on the GPU whenever at least one layer is.
    pub fn output_bytes(&self) -> u64 {
        self.file_bytes
            .saturating_sub(self.token_embd_bytes())
            .saturating_sub(self.layer_weight_bytes() * u64::from(self.block_count))
    }
}

/// `OLLAMA_KV_CACHE_TYPE` (honoured only with flash attention, as in Ollama).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvType {
    F16,
    Q8_0,
    Q4_0,
}

impl KvType {
    /// Bytes per element ×32 (q8_0: 34 bytes per 32 values, q4_0: 18).
    fn bytes_per_32(self) -> u64 {
        match self {
            KvType::F16 => 64,
            KvType::Q8_0 => 34,
            KvType::Q4_0 => 18,
        }
    }

    pub fn parse(s: &str) -> Option<KvType> {
        match s {
            "" | "f16" => Some(KvType::F16),
            "q8_0" => Some(KvType::Q8_0),
            "q4_0" => Some(KvType::Q4_0),
            _ => None,
        }
    }
}

/// Load-time settings of one runner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunnerShape {
    /// Per-slot context after clamping to the trained context.
    pub num_ctx: u32,
    pub num_parallel: u32,
    /// `-b`/`-ub` (Ollama passes the same number for both).
    pub num_batch: u32,
    pub flash_attention: bool,
    /// Effective cache type (f16 unless flash attention is on).
    pub kv_type: KvType,
}

impl RunnerShape {
    /// Total KV cells llama-server allocates (`-c num_ctx*np`).
    pub fn cells(&self) -> u64 {
        u64::from(self.num_ctx) * u64::from(self.num_parallel.max(1))
    }
}

fn pad256(n: u64) -> u64 {
    n.div_ceil(256) * 256
}

/// KV cache bytes of all layers (llama.cpp: full layers hold every cell, sliding layers
/// `min(cells, window × np + ubatch)` padded to 256).
pub fn kv_bytes(shape: &Shape, runner: &RunnerShape) -> u64 {
    let (full_layers, swa_layers, swa_cells) = kv_layout(shape, runner);
    let per_cell = kv_bytes_per_cell_layer(shape, runner.kv_type);
    per_cell * (full_layers * pad256(runner.cells()) + swa_layers * swa_cells)
}

fn kv_layout(shape: &Shape, runner: &RunnerShape) -> (u64, u64, u64) {
    let layers = u64::from(shape.block_count);
    match shape.sliding_window {
        Some((window, sliding)) => {
            let swa_cells = pad256(runner.cells().min(
                u64::from(window) * u64::from(runner.num_parallel.max(1))
                    + u64::from(runner.num_batch),
            ));
            (layers - u64::from(sliding), u64::from(sliding), swa_cells)
        }
        None => (layers, 0, 0),
    }
}

fn kv_bytes_per_cell_layer(shape: &Shape, kv: KvType) -> u64 {
    let width = u64::from(shape.head_count_kv) * u64::from(shape.key_length + shape.value_length);
    width * kv.bytes_per_32() / 32
}

/// KV bytes of one layer (the average over full and sliding layers).
fn kv_bytes_per_layer(shape: &Shape, runner: &RunnerShape) -> u64 {
    kv_bytes(shape, runner) / u64::from(shape.block_count.max(1))
}

/// The GPU compute buffer llama.cpp reserves for the worst-case micro-batch. Without flash
/// attention the attention scores are materialised: `n_head × cells × ubatch` f32 (llama-3-8B at
/// 8K: 512 MiB of its measured 560 MiB); with it they are not. The logits of a full micro-batch
/// (`vocab × ubatch` f32) are the other peak; the graph allocator reuses memory, so the larger of
/// the two counts, plus activations.
pub fn compute_bytes(shape: &Shape, runner: &RunnerShape) -> u64 {
    let ubatch = u64::from(runner.num_batch);
    let attn_cells = match shape.sliding_window {
        // Full layers see every cell; the buffer is sized for them.
        Some(_) | None => pad256(u64::from(runner.num_ctx)),
    };
    let scores = if runner.flash_attention {
        0
    } else {
        u64::from(shape.head_count) * attn_cells * ubatch * 4
    };
    let logits = u64::from(shape.vocab_size) * ubatch * 4;
    let activations = ubatch
        * 4
        * (6 * u64::from(shape.embedding_length) + 2 * u64::from(shape.feed_forward_length));
    scores.max(logits) + activations
}

/// Host-side (pinned) compute buffer when layers run on the CPU: the CPU's share of the graph.
fn host_compute_bytes(shape: &Shape, runner: &RunnerShape) -> u64 {
    u64::from(shape.embedding_length) * u64::from(runner.num_batch) * 4 * 16
}

/// Where a runner's memory went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub layers_total: u32,
    pub layers_gpu: u32,
    pub weights_gpu: u64,
    pub weights_cpu: u64,
    pub kv_gpu: u64,
    pub kv_cpu: u64,
    pub compute_gpu: u64,
    pub compute_host: u64,
}

impl Placement {
    pub fn spilled(&self) -> bool {
        self.layers_gpu < self.layers_total
    }

    /// `/api/ps` `size_vram`: every buffer on the GPU.
    pub fn ps_size_vram(&self) -> u64 {
        self.weights_gpu + self.kv_gpu + self.compute_gpu
    }

    /// `/api/ps` `size`: every buffer; with full offload Ollama reports `size_vram` (host-side
    /// buffers masked, fixture 09).
    pub fn ps_size(&self) -> u64 {
        if self.spilled() {
            self.ps_size_vram() + self.weights_cpu + self.kv_cpu + self.compute_host
        } else {
            self.ps_size_vram()
        }
    }

    /// What nvidia-smi shows for this process (the seed's "VRAM" numbers).
    pub fn nvidia_smi_bytes(&self) -> u64 {
        self.ps_size_vram() + CUDA_CONTEXT_BYTES
    }

    /// Share of the weights the CPU reads per token.
    pub fn cpu_weight_share(&self) -> f64 {
        let total = self.weights_gpu + self.weights_cpu;
        if total == 0 {
            0.0
        } else {
            self.weights_cpu as f64 / total as f64
        }
    }
}

/// llama.cpp's placement on a GPU with `free` bytes (after other processes and runners, before
/// this process's CUDA context): everything if it fits under `free − margin`, else as many
/// repeating layers as fit (the output head and the compute buffer stay on the GPU).
/// `num_gpu` (`Some(n)`) forces `n` layers on the GPU, as Ollama's `num_gpu` option does.
pub fn place(shape: &Shape, runner: &RunnerShape, free: u64, num_gpu: Option<u32>) -> Placement {
    let layers = shape.block_count;
    let layer_w = shape.layer_weight_bytes();
    let layer_kv = kv_bytes_per_layer(shape, runner);
    let compute = compute_bytes(shape, runner);
    let fixed_gpu = shape.output_bytes() + compute;
    let budget = free
        .saturating_sub(CUDA_CONTEXT_BYTES)
        .saturating_sub(FIT_MARGIN_BYTES);
    let fitting = if budget <= fixed_gpu {
        0
    } else {
        ((budget - fixed_gpu) / (layer_w + layer_kv).max(1)).min(u64::from(layers)) as u32
    };
    let layers_gpu = num_gpu.map_or(fitting, |n| n.min(layers));
    let on_cpu = u64::from(layers - layers_gpu);
    let any_gpu = layers_gpu > 0;
    let kv_total = kv_bytes(shape, runner);
    let kv_cpu = layer_kv * on_cpu;
    Placement {
        layers_total: layers,
        layers_gpu,
        weights_gpu: if any_gpu {
            shape.output_bytes() + layer_w * u64::from(layers_gpu)
        } else {
            0
        },
        weights_cpu: shape.token_embd_bytes()
            + layer_w * on_cpu
            + if any_gpu { 0 } else { shape.output_bytes() },
        kv_gpu: kv_total - kv_cpu,
        kv_cpu,
        compute_gpu: if any_gpu { compute } else { 0 },
        compute_host: host_compute_bytes(shape, runner),
    }
}

/// Ollama's `PredictServerVRAM`: file + f16 KV over all layers for `num_ctx × num_parallel`
/// cells, head width taken as `embedding_length / head_count`, no sliding window, no compute.
pub fn predict_server_vram(shape: &Shape, num_ctx: u32, num_parallel: u32) -> u64 {
    let head_dim = u64::from(shape.embedding_length / shape.head_count.max(1));
    let cells = u64::from(num_ctx) * u64::from(num_parallel.max(1));
    shape.file_bytes
        + 2 * u64::from(shape.block_count)
            * u64::from(shape.head_count_kv.max(1))
            * head_dim
            * cells
            * 2
}

/// Ollama's automatic `num_batch`: by total cells; forced to 512 on CUDA without flash
/// attention (256 on cards of 8 GiB or less above 4096 cells).
pub fn auto_num_batch(cells: u64, flash_attention: bool, vram_total: u64) -> u32 {
    if !flash_attention {
        return if vram_total <= 8 * GIB && cells > 4096 {
            256
        } else {
            512
        };
    }
    if cells > 32768 {
        2048
    } else if cells > 4096 {
        1024
    } else {
        512
    }
}

/// What Ollama adds to its prediction for a batch above 512.
pub fn batch_surcharge(num_batch: u32) -> u64 {
    match num_batch {
        b if b >= 2048 => 2 * GIB,
        b if b >= 1024 => 768 * MIB,
        _ => 0,
    }
}

/// Ollama's pre-flight when other runners are loaded: evict one (and retry) while the new
/// runner's prediction + surcharge exceeds 80 % of the VRAM the loaded runners leave free.
/// A first load never evicts (there is nothing to evict) and is never refused for size.
pub fn must_evict_before_loading(predicted: u64, surcharge: u64, free_after_loaded: u64) -> bool {
    (predicted + surcharge) as f64 > 0.8 * free_after_loaded as f64
}

/// Generation speed of a placement, from the model's measured full-GPU speed on the seed's card.
/// A token reads every weight once: the GPU's share at full-GPU speed, the CPU's share from
/// system RAM at [`CPU_BYTES_PER_SECOND`], plus a fixed cost per token for the split graph.
pub fn tokens_per_second(full_gpu_tps: f64, shape: &Shape, placement: &Placement) -> f64 {
    if !placement.spilled() {
        return full_gpu_tps;
    }
    let gpu_share = 1.0 - placement.cpu_weight_share();
    let t_gpu = gpu_share / full_gpu_tps;
    let cpu_bytes =
        (placement.weights_cpu - shape.token_embd_bytes().min(placement.weights_cpu)) as f64;
    let t_cpu = cpu_bytes / CPU_BYTES_PER_SECOND;
    1.0 / (t_gpu + t_cpu + SPLIT_SECONDS_PER_TOKEN)
}

/// Effective system-RAM read rate of CPU-side layers (dual-channel DDR5, calibrated so that
/// qwen3:14b runs ~22 tok/s at 10240 and ~10 at 32768 on the seed's machine).
pub const CPU_BYTES_PER_SECOND: f64 = 45.0 * GIB as f64;

/// Per-token cost of a graph split between GPU and CPU (synchronisation and copies).
pub const SPLIT_SECONDS_PER_TOKEN: f64 = 0.019;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::models::installed_models;

    const GB: f64 = 1e9;
    /// The seed's card: RTX 4070, 12282 MiB.
    const RTX4070: u64 = 12282 * MIB;

    fn shape(name: &str) -> Shape {
        installed_models()
            .into_iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} is installed"))
            .shape()
    }
    fn runner(num_ctx: u32) -> RunnerShape {
        RunnerShape {
            num_ctx,
            num_parallel: 1,
            num_batch: 512,
            flash_attention: false,
            kv_type: KvType::F16,
        }
    }

    /// The seed's footprints (nvidia-smi, decimal GB) at Ollama's defaults of its day
    /// (flash attention off, f16 cache, batch 512, one slot). The seed gives the q5 coder only
    /// as a range, "7.6-8.0 GB" for 8K-16K; its 16K end is checked.
    #[test]
    fn seed_footprints() {
        for (name, ctx, seed_gb) in [
            ("qwen3:8b", 8192, 7.3),
            ("qwen3:8b", 16384, 9.3),
            ("qwen2.5:7b", 16384, 7.2),
            ("qwen2.5:7b", 32768, 8.8),
            ("qwen2.5-coder:7b-instruct-q5_K_M", 16384, 8.0),
        ] {
            let p = place(&shape(name), &runner(ctx), RTX4070, None);
            let gb = p.nvidia_smi_bytes() as f64 / GB;
            assert!(!p.spilled(), "{name}@{ctx}");
            assert!(
                (gb - seed_gb).abs() / seed_gb < 0.08,
                "{name}@{ctx}: {gb:.2} GB vs seed {seed_gb}"
            );
        }
    }

    /// qwen3:14b: 44 tok/s at 8K on the GPU, a partial spill at 10240 (~22 tok/s), ~10.5 at 32K;
    /// the process never eats llama.cpp's margin ("capped at ~11.5 GB").
    #[test]
    fn seed_spill_points_and_speeds() {
        let s = shape("qwen3:14b");
        let at = |ctx| place(&s, &runner(ctx), RTX4070, None);
        let tps = |ctx| tokens_per_second(44.0, &s, &at(ctx));
        assert!(!at(8192).spilled());
        assert!((tps(8192) - 44.0).abs() < 0.1);
        assert!(at(10240).spilled());
        assert!((tps(10240) - 22.0).abs() < 3.0, "{}", tps(10240));
        assert!((tps(32768) - 10.5).abs() < 2.5, "{}", tps(32768));
        assert!(tps(16384) < tps(10240));
        for ctx in [8192, 10240, 16384, 32768] {
            let gb = at(ctx).nvidia_smi_bytes() as f64 / GB;
            assert!(gb < 11.9, "{ctx}: {gb}");
        }
        // qwen3:8b and qwen2.5:7b never spill at the seed's contexts.
        for (name, ctx) in [("qwen3:8b", 16384), ("qwen2.5:7b", 32768)] {
            assert!(!place(&shape(name), &runner(ctx), RTX4070, None).spilled());
        }
        // gpt-oss:20b (13.8 GB file) cannot fit 12 GB at all.
        assert!(place(&shape("gpt-oss:20b"), &runner(16384), RTX4070, None).spilled());
    }

    /// Fixture 08: Ollama's prediction is file + f16 KV at E/H head width for ctx x np cells.
    #[test]
    fn ollama_prediction_matches_fixture_08() {
        let s = shape("qwen3:8b");
        assert_eq!(
            predict_server_vram(&s, 8192, 1),
            s.file_bytes + 2 * 36 * 8 * 128 * 8192 * 2
        );
        assert_eq!(
            predict_server_vram(&s, 8192, 2),
            predict_server_vram(&s, 16384, 1)
        );
        assert_eq!(auto_num_batch(8192, true, 12 * GIB), 1024);
        assert_eq!(auto_num_batch(4096, true, 12 * GIB), 512);
        assert_eq!(auto_num_batch(65536, true, 12 * GIB), 2048);
        assert_eq!(auto_num_batch(65536, false, 12 * GIB), 512);
        assert_eq!(auto_num_batch(65536, false, 8 * GIB), 256);
        assert_eq!(batch_surcharge(1024), 768 * MIB);
        assert_eq!(batch_surcharge(2048), 2 * GIB);
        assert!(must_evict_before_loading(7 * GIB, 768 * MIB, 9 * GIB));
        assert!(!must_evict_before_loading(6 * GIB, 0, 9 * GIB));
    }

    #[test]
    fn kv_types_and_flash_attention_shrink_memory() {
        let s = shape("qwen3:8b");
        let f16 = kv_bytes(&s, &runner(32768));
        let mut q8 = runner(32768);
        q8.kv_type = KvType::Q8_0;
        q8.flash_attention = true;
        assert_eq!(f16, 36 * 8 * 256 * 2 * 32768);
        assert_eq!(kv_bytes(&s, &q8), f16 * 34 / 64);
        assert!(compute_bytes(&s, &q8) < compute_bytes(&s, &runner(32768)) / 2);
        // Sliding layers hold window + one micro-batch.
        let g = shape("gemma3:12b-it-q4_K_M");
        assert!(kv_bytes(&g, &runner(32768)) < kv_bytes(&g, &runner(8192)) * 3);
    }

    /// Fixture 09: with full offload size = size_vram; with a spill size counts host buffers.
    #[test]
    fn ps_sizes_follow_fixture_09() {
        let s = shape("qwen3:14b");
        let full = place(&s, &runner(8192), RTX4070, None);
        assert_eq!(full.ps_size(), full.ps_size_vram());
        let spilled = place(&s, &runner(32768), RTX4070, None);
        assert!(spilled.ps_size() > spilled.ps_size_vram());
        assert!(spilled.nvidia_smi_bytes() <= RTX4070 - FIT_MARGIN_BYTES);
        let forced = place(&s, &runner(8192), RTX4070, Some(20));
        assert_eq!(forced.layers_gpu, 20);
    }
}

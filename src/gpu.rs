//! GPU readings: one [`GpuProbe`] trait with NVML, simulated (`/sim/gpu`), Ollama-only and static
//! implementations, and a poller that publishes the latest reading. Requests never wait on it.
//!
//! Invariant: this is the only module that touches NVML. NVML is loaded at run time; when
//! `libnvidia-ml.so` is missing (CI, AMD, Apple) the router says so once and falls back.

use std::time::Duration;

use serde::Deserialize;

use crate::config::{GpuConfig, GpuSource};
use crate::state::AppState;
use crate::upstream::Upstream;
use router_core::route::GpuView;

/// Something that can read GPU memory. Blocking probes (NVML) run on their own thread.
pub trait GpuProbe: Send {
    fn name(&self) -> &'static str;
    fn read(&mut self) -> Result<GpuView, String>;
}

/// Only the configured total; free memory is derived from Ollama's `/api/ps`.
pub struct StaticProbe {
    pub total: u64,
    pub source: &'static str,
}

impl GpuProbe for StaticProbe {
    fn name(&self) -> &'static str {
        self.source
    }
    fn read(&mut self) -> Result<GpuView, String> {
        Ok(GpuView {
            source: self.source.into(),
            ..GpuView::fixed(self.total)
        })
    }
}

/// NVML: device 0's memory, bandwidth and the memory other programs hold.
pub struct NvmlProbe {
    nvml: nvml_wrapper::Nvml,
}

impl NvmlProbe {
    /// Loads `libnvidia-ml.so.1`; an error (library missing, driver not loaded) is a fallback reason.
    pub fn open() -> Result<NvmlProbe, String> {
        nvml_wrapper::Nvml::init()
            .map(|nvml| NvmlProbe { nvml })
            .map_err(|e| e.to_string())
    }
}

/// Whether a process id belongs to Ollama (its server or a model runner).
fn is_ollama_process(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| {
            let c = c.trim();
            c.starts_with("ollama")
                || c.starts_with("llama-server")
                || c.starts_with("llama_server")
        })
        .unwrap_or(false)
}

impl GpuProbe for NvmlProbe {
    fn name(&self) -> &'static str {
        "nvml"
    }

    fn read(&mut self) -> Result<GpuView, String> {
        use nvml_wrapper::enum_wrappers::device::Clock;
        use nvml_wrapper::enums::device::UsedGpuMemory;
        let device = self.nvml.device_by_index(0).map_err(|e| e.to_string())?;
        let mem = device.memory_info().map_err(|e| e.to_string())?;
        // GDDR moves two transfers per clock: bus bytes × MHz × 2 = MB/s.
        let bandwidth = match (
            device.memory_bus_width(),
            device.max_clock_info(Clock::Memory),
        ) {
            (Ok(bits), Ok(mhz)) if bits > 0 && mhz > 0 => {
                Some(f64::from(bits) / 8.0 * f64::from(mhz) * 2.0 / 1000.0)
            }
            _ => None,
        };
        let mut foreign = 0u64;
        let mut known = false;
        let lists = [
            device.running_compute_processes(),
            device.running_graphics_processes(),
        ];
        for procs in lists.into_iter().flatten() {
            known = true;
            for p in procs {
                if let UsedGpuMemory::Used(bytes) = p.used_gpu_memory
                    && !is_ollama_process(p.pid)
                {
                    foreign += bytes;
                }
            }
        }
        Ok(GpuView {
            source: "nvml".into(),
            name: device.name().unwrap_or_else(|_| "NVIDIA GPU".into()),
            total: mem.total,
            free: Some(mem.free),
            foreign: known.then_some(foreign),
            bandwidth_gbps: bandwidth,
        })
    }
}

/// The simulated Ollama's NVML-like readings.
#[derive(Debug, Deserialize)]
struct SimGpu {
    name: String,
    total: u64,
    free: u64,
    bandwidth_gbps: Option<f64>,
    #[serde(default)]
    processes: Vec<SimProcess>,
}

#[derive(Debug, Deserialize)]
struct SimProcess {
    name: String,
    used_memory: u64,
}

/// Reads `/sim/gpu` from the upstream (through [`Upstream`], the one module that talks to it).
pub async fn read_sim(upstream: &Upstream) -> Result<GpuView, String> {
    let g: SimGpu = upstream
        .get_json("/sim/gpu")
        .await
        .map_err(|e| e.to_string())?;
    let foreign = g
        .processes
        .iter()
        .filter(|p| p.name != "ollama")
        .map(|p| p.used_memory)
        .sum();
    Ok(GpuView {
        source: "sim".into(),
        name: g.name,
        total: g.total,
        free: Some(g.free),
        foreign: Some(foreign),
        bandwidth_gbps: g.bandwidth_gbps,
    })
}

/// Which probe `gpu.source` selects; `auto` tries NVML and falls back with one warning.
pub enum Reader {
    Blocking(Box<dyn GpuProbe>),
    Sim,
}

pub fn select(config: &GpuConfig) -> Reader {
    let fallback = |source| {
        Reader::Blocking(Box::new(StaticProbe {
            total: config.vram_total.bytes(),
            source,
        }))
    };
    match config.source {
        GpuSource::Sim => Reader::Sim,
        GpuSource::Static => fallback("static"),
        GpuSource::Ollama => fallback("ollama"),
        GpuSource::Nvml | GpuSource::Auto => match NvmlProbe::open() {
            Ok(p) => Reader::Blocking(Box::new(p)),
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    vram_total = %config.vram_total,
                    "NVML is not available; using Ollama's /api/ps and gpu.vram_total for VRAM"
                );
                fallback("ollama")
            }
        },
    }
}

/// Reads once and publishes.
pub async fn refresh_once(state: &AppState, reader: &mut Reader) {
    let (probe, reading) = match reader {
        Reader::Sim => ("sim", read_sim(&state.upstream()).await),
        Reader::Blocking(p) => (p.name(), p.read()),
    };
    publish(state, probe, reading);
}

/// Publishes a reading; a failed one falls back to the configured total until the next poll.
fn publish(state: &AppState, probe: &str, reading: Result<GpuView, String>) {
    match reading {
        Ok(v) => state.set_gpu(Some(v)),
        Err(e) => {
            tracing::debug!(error = %e, probe, "GPU reading failed; using the configured total");
            state.set_gpu(None);
        }
    }
}

/// Starts the poller. NVML calls block, so each blocking read runs on the blocking pool, one read
/// at a time; the loop itself is a task, so aborting it (shutdown) stops the poller. (A loop that
/// slept on a blocking thread kept the runtime, and with it Ctrl-C, waiting forever.)
pub fn spawn_poller(state: AppState) -> tokio::task::JoinHandle<()> {
    let config = state.settings().config.gpu.clone();
    let interval = config.poll_interval.0.max(Duration::from_millis(100));
    match select(&config) {
        Reader::Sim => tokio::spawn(async move {
            let mut reader = Reader::Sim;
            let mut tick = tokio::time::interval(interval);
            loop {
                tick.tick().await;
                refresh_once(&state, &mut reader).await;
            }
        }),
        Reader::Blocking(probe) => tokio::spawn(async move {
            let mut probe = probe;
            let mut tick = tokio::time::interval(interval);
            loop {
                tick.tick().await;
                let read = tokio::task::spawn_blocking(move || {
                    let reading = probe.read();
                    (probe, reading)
                });
                let Ok((p, reading)) = read.await else {
                    return;
                };
                probe = p;
                publish(&state, probe.name(), reading);
            }
        }),
    }
}

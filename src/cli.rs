//! Command-line interface: `serve` (default), `sim`, `check`, `explain`. Wiring only; the work
//! happens in the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use router_core::units::ByteSize;

#[derive(Debug, Parser)]
#[command(
    name = "ollama-router",
    version,
    about = "Routes coding-assistant requests to the best local Ollama model and context size for this GPU",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the router (the default when no command is given).
    Serve(ServeArgs),
    /// Run the simulated Ollama on its own.
    Sim(SimArgs),
    /// Validate the configuration and print the effective, merged result.
    Check(CheckArgs),
    /// Show the routing decision for a request body, offline.
    Explain(ExplainArgs),
    /// Replay a simulated coding day under Ollama's defaults, a fixed model and the router.
    Replay(ReplayArgs),
    /// A running router at a glance: GPU, loaded models, what each profile would pick, counters.
    Status(StatusArgs),
    /// Pull the models the profiles need and write a starter router.toml for this GPU.
    Setup(SetupArgs),
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// The router's URL.
    #[arg(
        long,
        default_value = "http://127.0.0.1:11435",
        env = "OLLAMA_ROUTER_URL"
    )]
    pub url: String,
    /// Print the `GET /router/status` JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Redraw every `--interval` until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub interval: std::time::Duration,
}

#[derive(Debug, Clone, Args)]
pub struct SetupArgs {
    /// Configuration whose profiles say which models are needed (default: ./router.toml, then
    /// $XDG_CONFIG_HOME/ollama-router/router.toml, else a starter config for the detected GPU).
    #[arg(long, env = "OLLAMA_ROUTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Ollama's URL (default: upstream.url from the configuration).
    #[arg(long)]
    pub upstream: Option<String>,
    /// GPU memory, when neither NVML nor the simulated Ollama can tell.
    #[arg(long)]
    pub vram: Option<ByteSize>,
    /// Pull without asking.
    #[arg(long)]
    pub yes: bool,
    /// Where to write the starter config (default: $XDG_CONFIG_HOME/ollama-router/router.toml);
    /// an existing file is never overwritten.
    #[arg(long)]
    pub write_config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// Seeds the synthetic trace (the same seed gives the same day).
    #[arg(long, default_value = "0x85b6312853eb1bd8", value_parser = parse_seed)]
    pub seed: u64,
    /// Requests in the day.
    #[arg(long, default_value_t = 600)]
    pub requests: usize,
    /// Simulated GPU memory.
    #[arg(long, default_value = "12GiB")]
    pub vram: ByteSize,
    /// Where to write coding-day.md and coding-day.svg (default: print the markdown only).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|e| format!("`{s}` is not a seed: {e}"))
}

#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Configuration file (default: ./router.toml, then $XDG_CONFIG_HOME/ollama-router/router.toml).
    #[arg(long, env = "OLLAMA_ROUTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides `listen`).
    #[arg(long)]
    pub listen: Option<String>,
    /// Ollama's URL (overrides `upstream.url`).
    #[arg(long)]
    pub upstream: Option<String>,
    /// Serve in front of a built-in simulated Ollama (no GPU or Ollama needed).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    #[arg(long, default_value = "127.0.0.1:11434")]
    pub listen: String,
    /// Simulated GPU memory.
    #[arg(long, default_value = "12GiB")]
    pub vram: ByteSize,
    /// Memory held by other programs (a game, the desktop).
    #[arg(long, default_value = "0")]
    pub foreign_vram: ByteSize,
    /// Stream without delays (benchmarks).
    #[arg(long)]
    pub fast: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[arg(long, env = "OLLAMA_ROUTER_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A native /api/chat or /api/generate JSON body (`-` for stdin).
    pub request: PathBuf,
    #[arg(long, env = "OLLAMA_ROUTER_CONFIG")]
    pub config: Option<PathBuf>,
    /// GPU memory to assume (default: gpu.vram_total).
    #[arg(long)]
    pub vram: Option<ByteSize>,
    /// Memory other programs hold.
    #[arg(long, default_value = "0")]
    pub foreign_vram: ByteSize,
    /// A model Ollama has loaded, as NAME@CTX (repeatable).
    #[arg(long = "loaded", value_name = "NAME@CTX")]
    pub loaded: Vec<String>,
}

/// Finds the configuration file: the flag, else `./router.toml`, else the user config dir.
pub fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    if flag.is_some() {
        return flag;
    }
    let local = PathBuf::from("router.toml");
    if local.exists() {
        return Some(local);
    }
    let dir = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    let user = dir.join("ollama-router").join("router.toml");
    user.exists().then_some(user)
}

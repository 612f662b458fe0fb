//! The `router.toml` contract, pure: the [`Config`] serde types and their defaults, validation,
//! and the compiled, immutable [`Settings`] snapshot (regexes, aliases, catalog overrides).
//!
//! Nothing here reads a file, the environment or a clock: loading (figment layering, `OLLAMA_ROUTER_*`
//! variables, line-located errors, hot reload) lives in the service's `config` module, which hands
//! the parsed [`Config`] to [`Settings::compile`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, KvCacheType};
use crate::memory::{FlashAttention, MemoryParams};
use crate::request::{Kind, TokenEstimator};
use crate::units::{ByteSize, HumanDuration};

/// Everything `router.toml` can say. Key names are a contract with users' files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the router listens.
    pub listen: String,
    /// On SIGINT/SIGTERM, how long answers still streaming may take to finish before the router
    /// exits anyway (new connections are refused at once).
    pub shutdown_grace: HumanDuration,
    pub upstream: UpstreamConfig,
    pub gpu: GpuConfig,
    pub routing: RoutingConfig,
    pub profiles: BTreeMap<Kind, Profile>,
    /// User rules, tried in order before the built-in ones.
    pub rules: Vec<Rule>,
    /// Per-model overrides of the catalog.
    pub models: BTreeMap<String, ModelOverride>,
    /// Model-name globs that stand for a virtual model, e.g. `"claude-*haiku*" = "auto:quick"`.
    /// The most specific (longest) pattern wins.
    pub aliases: BTreeMap<String, String>,
    pub sessions: SessionConfig,
    pub auth: AuthConfig,
    pub limits: LimitsConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamConfig {
    /// Ollama's base URL.
    pub url: String,
    pub connect_timeout: HumanDuration,
    /// Until response headers arrive; generous because a cold model load takes tens of seconds.
    pub first_byte_timeout: HumanDuration,
    /// Longest silence between two streamed chunks.
    pub idle_timeout: HumanDuration,
    /// The router's own small queries (start-up check, `/api/tags`, `/api/ps`, `/api/show`,
    /// `/sim/gpu`), whole answer included: short, so a hung Ollama never stalls start-up or the
    /// pollers for the length of `first_byte_timeout`.
    pub probe_timeout: HumanDuration,
    /// Largest request body accepted (coding prompts are big; axum's 2 MB default is not enough).
    pub body_limit: ByteSize,
    /// How often `/api/tags` and `/api/ps` are refreshed in the background.
    pub poll_interval: HumanDuration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuSource {
    /// NVML if it loads, else Ollama's `/api/ps` with `vram_total`.
    Auto,
    Nvml,
    Ollama,
    /// The simulated Ollama's `/sim/gpu` readings.
    Sim,
    /// `vram_total` only, nothing measured.
    Static,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GpuConfig {
    pub source: GpuSource,
    /// Total VRAM when NVML cannot tell.
    pub vram_total: ByteSize,
    /// Head-room never planned for (desktop, driver spikes).
    pub reserve: ByteSize,
    /// Mirrors Ollama's `OLLAMA_KV_CACHE_TYPE`.
    pub kv_cache_type: KvCacheType,
    /// Mirrors Ollama's `OLLAMA_NUM_PARALLEL`: every slot gets a full context of KV cache.
    pub num_parallel: u32,
    /// Mirrors Ollama's `OLLAMA_FLASH_ATTENTION` (`auto`, `on`, `off`): with it on, compute
    /// buffers no longer grow with the context; off fixes Ollama's batch at 512.
    pub flash_attention: FlashAttention,
    /// VRAM llama.cpp's layer placement keeps free on the GPU (its `--fit` target); what does
    /// not fit under it spills to the CPU.
    pub fit_margin: ByteSize,
    /// The fixed part of a loaded model's footprint (CUDA context, output buffers) for models the
    /// seed did not measure; the catalog calibrates it per model where the seed did.
    pub compute_overhead: ByteSize,
    /// Memory bandwidth in GB/s when NVML cannot tell; speeds scale from the seed card's 504.
    pub bandwidth_gbps: Option<f64>,
    /// How much slower a token is per spilled share of the model, for models the seed never saw
    /// spill (the seed's own spilled speeds are used where it measured them).
    pub cpu_slowdown: f64,
    pub poll_interval: HumanDuration,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// When true, a request naming a catalog model gets exactly that model (num_ctx still routed).
    pub respect_explicit_models: bool,
    /// The context sizes the router chooses from (few rungs → few reloads).
    pub context_ladder: Vec<u32>,
    /// Tokens kept free for the answer when the request does not say how long it may be.
    pub output_reserve: u32,
    /// The most a request's own `max_tokens`/`num_predict` reserves: Claude Code asks for 32000+
    /// on every request, which must not inflate the context.
    pub output_reserve_max: u32,
    /// Added to both when the model will think (thinking was asked for, or the model thinks
    /// unless told not to, like qwen3): its reasoning fills the context before the answer does.
    pub thinking_reserve: u32,
    /// The kind when no rule fires.
    pub default_kind: Kind,
    /// Apply the built-in rules after the user's `[[rules]]`.
    pub builtin_rules: bool,
    /// User-Agent regexes of clients that ask for thinking on every request (Qwen Code with
    /// thinking switched on sends `enable_thinking: true` even on its helper calls). Their
    /// thinking still reaches the model; it is just no sign of complex work for the rules.
    pub always_thinking_clients: Vec<String>,
    /// Client options that force a runner reload; dropped unless listed in `keep_options`.
    pub drop_options: Vec<String>,
    pub keep_options: Vec<String>,
    /// When no profile candidate can hold the prompt, try every other profile's candidates.
    pub overflow_to_other_profiles: bool,
    /// Replaces the client's `keep_alive` on routed requests (Zed sends `-1`, which pins a model
    /// in VRAM forever). Ollama's syntax: `"30m"`, `"-1"`, `"0"`. Unset: the client's value stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<String>,
    /// Let Ollama cut prompts longer than the context (its default). Off, the router sends
    /// `truncate: false`: Ollama then refuses such a prompt with its exact size, and the router
    /// retries at a context that holds it or answers the dialect's "prompt is too long". A client
    /// that sets `truncate` itself is obeyed.
    pub allow_truncation: bool,
    pub tokens: TokenEstimator,
    /// How candidates are weighed against each other (`[routing.cost]`).
    pub cost: CostWeights,
}

/// A value per kind of work.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerKind<T> {
    pub quick: T,
    pub daily: T,
    pub complex: T,
}

impl<T: Copy> PerKind<T> {
    pub fn get(&self, kind: Kind) -> T {
        match kind {
            Kind::Quick => self.quick,
            Kind::Daily => self.daily,
            Kind::Complex => self.complex,
        }
    }
}

/// The weights of the router's choice. Every candidate (model × context) is priced in seconds the
/// user waits or would trade for quality: loading it (and reloading what it evicts that is still
/// in use), evaluating the part of the prompt Ollama has not cached, generating the answer at the
/// predicted speed, a charge for spilling to the CPU, and the seed's grade below the best
/// candidate's. The cheapest wins; `x-router-reason` and `explain` show the runners-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostWeights {
    /// Seconds of waiting one point of the seed's 0–10 grade is worth. Quick work (titles,
    /// completions) trades quality for speed; complex work the other way round.
    pub quality_seconds_per_point: PerKind<f64>,
    /// Answer length assumed when the request does not cap it lower.
    pub expected_output_tokens: PerKind<u32>,
    /// Extra tokens a thinking model is assumed to reason before it answers.
    pub expected_thinking_tokens: u32,
    /// Load time per GiB of weights until Ollama's `load_duration` has been seen for the model.
    pub load_seconds_per_gib: f64,
    /// Prompt evaluation speed as a multiple of generation speed, until measured.
    pub prompt_speed_ratio: f64,
    /// Seconds charged for a full spill to the CPU (a share of it for a partial one), on top of
    /// the slower speeds: a spilled model also slows everything else using the CPU.
    pub spill_seconds: f64,
    /// A model used within this window is still wanted: evicting it costs its reload.
    pub recent_use_window: HumanDuration,
    /// Turns ahead a conversation is assumed to go on growing as fast as its last turn did: a
    /// context it would outgrow by then is charged the reload it will need.
    pub growth_turns: u32,
    /// Tokens an agent's conversation (a session that offers tools) is assumed to grow per turn
    /// before its second turn shows the real growth: a tool result, a file read.
    pub agent_turn_growth: u32,
    /// Charged to candidates predicted below their profile's speed floor.
    pub below_floor_seconds: f64,
    /// Charged for evicting a model that is streaming an answer right now.
    pub evict_busy_seconds: f64,
    /// Autocomplete that would evict the model a conversation is streaming from, or an agent
    /// (a request with tools) used within `hold_back_window`, is answered at once with an empty
    /// completion instead: on a card where the two cannot share VRAM, the completion would cost
    /// the agent a reload and a re-read prompt, for a suggestion that comes too late anyway.
    pub hold_back_autocomplete: bool,
    pub hold_back_window: HumanDuration,
}

impl Default for CostWeights {
    fn default() -> CostWeights {
        CostWeights {
            quality_seconds_per_point: PerKind {
                quick: 2.0,
                daily: 5.0,
                // The seed: qwen3:14b's 10.0 planning is worth its halved speed on hard work.
                complex: 60.0,
            },
            expected_output_tokens: PerKind {
                quick: 64,
                daily: 512,
                complex: 1024,
            },
            expected_thinking_tokens: 256,
            // NVMe to VRAM with Ollama's parsing: roughly 2 GB/s, plus the runner start below.
            load_seconds_per_gib: 0.55,
            prompt_speed_ratio: 30.0,
            spill_seconds: 20.0,
            recent_use_window: HumanDuration::secs(300),
            growth_turns: 4,
            agent_turn_growth: 2048,
            below_floor_seconds: 600.0,
            evict_busy_seconds: 1000.0,
            hold_back_autocomplete: true,
            hold_back_window: HumanDuration::secs(30),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// Models in order of preference.
    pub candidates: Vec<String>,
    /// The context given when the prompt is small, so a growing conversation does not reload.
    pub preferred_ctx: u32,
    /// Candidates predicted slower than this are skipped (the seed: below 20 tok/s coding is frustrating).
    pub min_tokens_per_second: f64,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile {
            candidates: Vec::new(),
            preferred_ctx: 16384,
            min_tokens_per_second: 20.0,
        }
    }
}

/// One classification rule: when every condition in `when` holds, the request is `route`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default)]
    pub when: When,
    pub route: Kind,
}

/// Conditions of a rule; all present ones must hold. Regexes use Rust `regex` syntax.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct When {
    /// Native path glob, e.g. `/api/generate`.
    pub path: Option<String>,
    /// The dialect the client spoke: `ollama`, `openai`, `anthropic`.
    pub dialect: Option<String>,
    /// Regex on the User-Agent.
    pub client: Option<String>,
    /// Glob on the requested model name.
    pub model: Option<String>,
    pub min_prompt_tokens: Option<u32>,
    pub max_prompt_tokens: Option<u32>,
    /// Holds when the client asked for at most this many output tokens.
    pub max_output_tokens: Option<u32>,
    pub last_user_matches: Option<String>,
    pub system_matches: Option<String>,
    pub has_tools: Option<bool>,
    pub has_images: Option<bool>,
    pub has_suffix: Option<bool>,
    pub raw: Option<bool>,
    /// Thinking explicitly requested (`think` true or a level).
    pub think: Option<bool>,
    /// Header name → regex its value must match (`".*"` = present).
    pub header: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelOverride {
    pub min_ctx: Option<u32>,
    pub max_ctx: Option<u32>,
    /// Full-GPU tok/s on the seed card (scaled by bandwidth on other cards).
    pub tokens_per_second: Option<f32>,
    /// Force tool use on or off regardless of the seed's grade.
    pub tools: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Sessions remembered for stickiness (least recently used are forgotten first).
    pub max_sessions: usize,
    /// Where learned speeds and token calibration persist; empty = the platform state dir.
    pub state_file: Option<PathBuf>,
}

/// Who may call the router (`[auth]`). The Host and Origin rules follow Ollama's; tokens are
/// for reaching the router from other machines.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Accepted as `Authorization: Bearer <token>` or `x-api-key: <token>`. Empty: none asked.
    pub tokens: Vec<Secret>,
    /// Serve on a non-loopback address without tokens (anyone who can reach it uses the GPU).
    pub allow_unauthenticated_remote: bool,
    /// Loopback clients may call model endpoints without a token (for clients that cannot send
    /// one); admin, model-management and pass-through endpoints still need it.
    pub loopback_without_token: bool,
    /// `Host` names accepted on a loopback bind besides Ollama's (localhost, *.localhost,
    /// *.local, *.internal, private and loopback IPs, this machine's name).
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed besides Ollama's defaults (`*` matches any run of characters).
    pub allowed_origins: Vec<String>,
}

/// A token from the configuration. Its `Debug` and serialized forms never show it, so it cannot
/// reach a log line, `/router/config` or `ollama-router check`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The token itself, for the constant-time comparison only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

/// Bounds on what clients can hold (`[limits]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Open client connections at most; further clients wait to be accepted.
    pub max_connections: usize,
    /// Requests handled at once (a stream counts until its end); more get 503 + Retry-After.
    pub max_concurrent_requests: usize,
    /// Request-body bytes held in memory across all requests at once; more get 503.
    pub max_body_bytes_in_flight: ByteSize,
    /// From a request's first byte until its headers are complete.
    pub header_read_timeout: HumanDuration,
    /// A connection with no request in progress is closed after this; also the longest pause
    /// inside a request body upload.
    pub idle_connection_timeout: HumanDuration,
    /// What `Retry-After` tells a client that got a 503.
    pub retry_after: HumanDuration,
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        LimitsConfig {
            max_connections: 512,
            max_concurrent_requests: 256,
            max_body_bytes_in_flight: ByteSize::mib(256),
            header_read_timeout: HumanDuration::secs(10),
            idle_connection_timeout: HumanDuration::secs(75),
            retry_after: HumanDuration::secs(1),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        let profile = |candidates: &[&str], preferred_ctx: u32| Profile {
            candidates: candidates.iter().map(|s| s.to_string()).collect(),
            preferred_ctx,
            min_tokens_per_second: 20.0,
        };
        Config {
            listen: "127.0.0.1:11435".into(),
            shutdown_grace: HumanDuration::secs(10),
            upstream: UpstreamConfig::default(),
            gpu: GpuConfig::default(),
            routing: RoutingConfig::default(),
            profiles: BTreeMap::from([
                (
                    Kind::Quick,
                    profile(&["qwen2.5-coder:7b-instruct-q5_K_M", "qwen2.5:7b"], 16384),
                ),
                (Kind::Daily, profile(&["qwen3:8b", "qwen2.5:7b"], 16384)),
                (
                    Kind::Complex,
                    profile(&["qwen3:14b", "phi4:14b-q4_K_M", "qwen3:8b"], 8192),
                ),
            ]),
            rules: Vec::new(),
            models: BTreeMap::new(),
            aliases: default_aliases(),
            sessions: SessionConfig::default(),
            auth: AuthConfig::default(),
            limits: LimitsConfig::default(),
        }
    }
}

fn default_aliases() -> BTreeMap<String, String> {
    [
        ("claude-*", "auto"),
        ("claude-*haiku*", "auto:quick"),
        ("claude-*sonnet*", "auto:daily"),
        ("claude-*opus*", "auto:complex"),
        ("haiku", "auto:quick"),
        ("sonnet", "auto:daily"),
        ("opus", "auto:complex"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

impl Default for UpstreamConfig {
    fn default() -> UpstreamConfig {
        UpstreamConfig {
            url: "http://127.0.0.1:11434".into(),
            connect_timeout: HumanDuration::secs(2),
            first_byte_timeout: HumanDuration::secs(600),
            idle_timeout: HumanDuration::secs(300),
            probe_timeout: HumanDuration::secs(5),
            body_limit: ByteSize::mib(64),
            poll_interval: HumanDuration::secs(2),
        }
    }
}

impl Default for GpuConfig {
    fn default() -> GpuConfig {
        GpuConfig {
            source: GpuSource::Auto,
            vram_total: ByteSize::gib(12),
            // llama.cpp's own fit margin already keeps 1 GiB free; anything more is the user's.
            reserve: ByteSize(0),
            kv_cache_type: KvCacheType::F16,
            num_parallel: 1,
            flash_attention: FlashAttention::Auto,
            fit_margin: ByteSize::gib(1),
            compute_overhead: ByteSize(crate::memory::DEFAULT_FIXED_OVERHEAD),
            bandwidth_gbps: None,
            cpu_slowdown: 13.0,
            poll_interval: HumanDuration(std::time::Duration::from_millis(1000)),
        }
    }
}

impl GpuConfig {
    /// What the memory model needs to know about the Ollama behind the router.
    pub fn memory_params(&self) -> MemoryParams {
        MemoryParams {
            kv_cache_type: self.kv_cache_type,
            num_parallel: self.num_parallel.max(1),
            flash_attention: self.flash_attention,
            fit_margin: self.fit_margin.bytes(),
            fixed_overhead: self.compute_overhead.bytes(),
            cpu_slowdown: self.cpu_slowdown,
        }
    }
}

impl Default for RoutingConfig {
    fn default() -> RoutingConfig {
        RoutingConfig {
            respect_explicit_models: false,
            context_ladder: vec![8192, 10240, 16384, 32768],
            output_reserve: 2048,
            output_reserve_max: 4096,
            thinking_reserve: 2048,
            default_kind: Kind::Daily,
            builtin_rules: true,
            always_thinking_clients: vec!["^QwenCode/".into()],
            drop_options: ["num_batch", "num_gpu", "main_gpu", "use_mmap", "num_thread"]
                .map(String::from)
                .to_vec(),
            keep_options: Vec::new(),
            overflow_to_other_profiles: true,
            keep_alive: None,
            allow_truncation: false,
            tokens: TokenEstimator::default(),
            cost: CostWeights::default(),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            max_sessions: 1024,
            state_file: None,
        }
    }
}

/// The wording of complex work, read at the ends of the last user message
/// ([`crate::classify::matches_ends`]). A bare keyword is not enough: "design" in a CSS question,
/// "the migration fails", "Port 8080 is in use" or "the redesign broke the header" are everyday
/// questions. What counts, in order:
/// - an instruction to restructure code (refactor, restructure, re-architect, redesign,
///   reorganise, modularise, decouple, split … into, migrate/port/convert/move … from/to,
///   architect/structure …, design a/the …) at the start of a sentence or line, or after a
///   request ("please", "can you", "help me", "we need to", "how should I", …), possibly after
///   a sequencing word ("Now refactor the tests the same way.");
/// - designing or planning a system, architecture, API, schema, service, database, protocol, …
///   ("design a REST API", "plan the architecture for …"), or a software / system / app
///   architecture or design, or "the architecture of this codebase";
/// - a migration from or to something; multi-file work ("across all files", "multi-file");
/// - "step by step".
///
/// The table test in `classify.rs` holds the cases, false positives included.
pub const ARCHITECTURE_WORK: &str = concat!(
    r"(?i)",
    // An instruction: sentence or line start, or after a request phrase.
    r"(?:(?:^|[.!?;:\n]\s*|\b(?:please|pls|can you|could you|would you|will you|help me|",
    r"i want to|i'd like to|i need to|we need to|we should|let's|lets|let us|",
    r"how (?:do|should|would|can|could) (?:i|we)|time to|go ahead and)\s+)",
    // …optionally after a sequencing word ("Now refactor the tests the same way.").
    r"(?:(?:now|then|also|next|first|just|and|so|ok|okay|finally),? )?",
    r"(?:refactor|restructure|re-?architect|re-?design|reorgani[sz]e|modulari[sz]e|decouple|untangle",
    r"|split (?:up )?(?:this|the|it|our|my)\b[^.?!\n]{0,40}\b(?:into|across)",
    r"|(?:migrate|port|convert|move) (?:this|the|that|these|those|it|our|my|all|every|everything)\b",
    r"[^.?!\n]{0,60}\b(?:from|to)\b",
    r"|(?:architect|structure|organi[sz]e) (?:this|the|it|our|my|a|an)\b",
    r"|design (?:a|an|the|our|my|this)\b))",
    // Designing a system-sized thing.
    r"|\b(?:design|architect|plan)\w* (?:(?:a|an|the|our|my|this|new) ){1,2}(?:\w+ )?",
    r"(?:system|architecture|api|schema|service|microservices?|module structure|database|",
    r"data model|backend|plugin system|class hierarchy|protocol|pipeline)\b",
    r"|\b(?:software|system|code|codebase|overall|high-level|app|application|project) ",
    r"(?:architecture|design)\b",
    r"|\barchitecture (?:for|of) (?:a|an|the|our|my|this) (?:[\w-]+ ){0,3}?",
    r"(?:service|system|app|application|backend|project|codebase|library|tool|platform)\b",
    // Migrations, multi-file work, step by step.
    r"|\bmigrat\w* (?:\w+ ){0,4}?(?:from|to) [\w.]+",
    r"|\bmulti-?file\b",
    r"|\b(?:across|in) (?:the |all (?:the )?|several |multiple |many |every ){1,2}",
    r"(?:files|modules|crates|packages|services)\b",
    r"|\bstep[- ]by[- ]step\b",
);

/// The built-in classification rules, tried after the user's.
pub fn builtin_rules() -> Vec<Rule> {
    let rule = |name: &str, when: When, route: Kind| Rule {
        name: name.into(),
        when,
        route,
    };
    vec![
        rule(
            "fill-in-the-middle",
            When {
                has_suffix: Some(true),
                ..When::default()
            },
            Kind::Quick,
        ),
        rule(
            "raw completion",
            When {
                raw: Some(true),
                ..When::default()
            },
            Kind::Quick,
        ),
        rule(
            "short helper call",
            When {
                max_prompt_tokens: Some(1500),
                max_output_tokens: Some(256),
                ..When::default()
            },
            Kind::Quick,
        ),
        rule(
            "explicit thinking",
            When {
                think: Some(true),
                ..When::default()
            },
            Kind::Complex,
        ),
        rule(
            "architecture work",
            When {
                last_user_matches: Some(ARCHITECTURE_WORK.into()),
                ..When::default()
            },
            Kind::Complex,
        ),
    ]
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub name: String,
    pub route: Kind,
    pub when: When,
    pub client: Option<Regex>,
    pub last_user: Option<Regex>,
    pub system: Option<Regex>,
    pub headers: Vec<(http::HeaderName, Regex)>,
}

/// One validated, compiled configuration snapshot. Requests hold an `Arc` of it for their lifetime.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub rules: Vec<CompiledRule>,
    /// `routing.always_thinking_clients`, compiled.
    pub always_thinking_clients: Vec<Regex>,
    /// Aliases sorted most specific first.
    pub aliases: Vec<(String, String)>,
    pub catalog: Catalog,
    /// Where it came from, for messages.
    pub source: Option<PathBuf>,
}

impl Settings {
    /// Compiles a config (used for defaults, files and tests alike).
    pub fn compile(config: Config, source: Option<PathBuf>) -> Result<Settings, ConfigError> {
        validate(&config).map_err(|(key, message)| ConfigError::Invalid {
            file: source.clone(),
            key,
            line: None,
            message,
        })?;
        let mut rules = Vec::new();
        let user = config
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("rules.{i}"), r));
        let builtin = if config.routing.builtin_rules {
            builtin_rules()
        } else {
            Vec::new()
        };
        for (key, rule) in user.chain(builtin.iter().map(|r| ("builtin".to_string(), r))) {
            rules.push(
                compile_rule(rule, &key).map_err(|(k, message)| ConfigError::Invalid {
                    file: source.clone(),
                    key: k,
                    line: None,
                    message,
                })?,
            );
        }
        let always_thinking_clients = config
            .routing
            .always_thinking_clients
            .iter()
            .enumerate()
            .map(|(i, pattern)| {
                Regex::new(pattern).map_err(|e| ConfigError::Invalid {
                    file: source.clone(),
                    key: format!("routing.always_thinking_clients.{i}"),
                    line: None,
                    message: format!("bad regex: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut aliases: Vec<(String, String)> = config
            .aliases
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        aliases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut catalog = Catalog::builtin();
        for (name, o) in &config.models {
            if let Some(spec) = catalog.get_mut(name) {
                if let Some(v) = o.min_ctx {
                    spec.min_ctx = v;
                }
                if let Some(v) = o.max_ctx {
                    spec.max_ctx = v;
                }
                if let Some(v) = o.tokens_per_second {
                    spec.gpu_tps = v;
                }
                if let Some(v) = o.tools {
                    spec.tool_calling = Some(if v {
                        crate::catalog::Grade::A
                    } else {
                        crate::catalog::Grade::F
                    });
                    if v && !spec.has(crate::catalog::Capability::Tools) {
                        spec.capabilities.push(crate::catalog::Capability::Tools);
                    }
                }
            }
        }
        Ok(Settings {
            config,
            rules,
            always_thinking_clients,
            aliases,
            catalog,
            source,
        })
    }

    pub fn defaults() -> Settings {
        // The defaults are validated by a unit test, so this cannot fail in practice; fall back to
        // an empty rule set rather than panic if it ever did.
        Settings::compile(Config::default(), None).unwrap_or_else(|_| Settings {
            config: Config::default(),
            rules: Vec::new(),
            always_thinking_clients: Vec::new(),
            aliases: Vec::new(),
            catalog: Catalog::builtin(),
            source: None,
        })
    }

    pub fn profile(&self, kind: Kind) -> Profile {
        self.config.profiles.get(&kind).cloned().unwrap_or_default()
    }
}

fn validate(c: &Config) -> Result<(), (String, String)> {
    let err = |k: &str, m: String| Err((k.to_string(), m));
    if c.listen.parse::<std::net::SocketAddr>().is_err() {
        return err(
            "listen",
            format!("`{}` is not an address like 127.0.0.1:11435", c.listen),
        );
    }
    match c.upstream.url.parse::<http::Uri>() {
        // The build has no TLS stack: an https:// upstream would pass here and then fail on
        // every request, so it is refused up front with what to do instead.
        Ok(u) if u.scheme_str() == Some("https") => {
            return err(
                "upstream.url",
                format!(
                    "`{}`: https:// is not supported (this build has no TLS). Ollama itself speaks \
                     plain HTTP: use its http:// address, or a local TLS-terminating proxy's",
                    c.upstream.url
                ),
            );
        }
        Ok(u)
            if u.scheme_str() == Some("http")
                && u.authority().is_some_and(|a| !a.host().is_empty()) => {}
        _ => {
            return err(
                "upstream.url",
                format!(
                    "`{}` is not an http:// URL like http://127.0.0.1:11434",
                    c.upstream.url
                ),
            );
        }
    }
    let ladder = &c.routing.context_ladder;
    if ladder.is_empty() || ladder.windows(2).any(|w| w[0] >= w[1]) || ladder[0] < 512 {
        return err(
            "routing.context_ladder",
            "must be a non-empty, strictly increasing list of context sizes ≥ 512".into(),
        );
    }
    if c.routing.tokens.bytes_per_token < 1.0 {
        return err(
            "routing.tokens.bytes_per_token",
            "must be at least 1.0".into(),
        );
    }
    let cost = &c.routing.cost;
    for (key, v) in [
        (
            "quality_seconds_per_point.quick",
            cost.quality_seconds_per_point.quick,
        ),
        (
            "quality_seconds_per_point.daily",
            cost.quality_seconds_per_point.daily,
        ),
        (
            "quality_seconds_per_point.complex",
            cost.quality_seconds_per_point.complex,
        ),
        ("load_seconds_per_gib", cost.load_seconds_per_gib),
        ("spill_seconds", cost.spill_seconds),
        ("below_floor_seconds", cost.below_floor_seconds),
        ("evict_busy_seconds", cost.evict_busy_seconds),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return err(
                &format!("routing.cost.{key}"),
                "must be a number ≥ 0".into(),
            );
        }
    }
    if !(cost.prompt_speed_ratio.is_finite() && cost.prompt_speed_ratio >= 1.0) {
        return err(
            "routing.cost.prompt_speed_ratio",
            "must be at least 1.0".into(),
        );
    }
    if c.gpu.num_parallel == 0 {
        return err("gpu.num_parallel", "must be at least 1".into());
    }
    for kind in Kind::ALL {
        match c.profiles.get(&kind) {
            Some(p) if !p.candidates.is_empty() => {
                if p.min_tokens_per_second < 0.0 {
                    return err(
                        &format!("profiles.{}.min_tokens_per_second", kind.as_str()),
                        "must not be negative".into(),
                    );
                }
            }
            _ => {
                return err(
                    &format!("profiles.{}.candidates", kind.as_str()),
                    "every kind needs at least one candidate model".into(),
                );
            }
        }
    }
    validate_access(c)?;
    for (pattern, target) in &c.aliases {
        if !is_virtual_target(target) {
            return err(
                &format!("aliases.{pattern}"),
                format!("`{target}` must be auto, auto:quick, auto:daily or auto:complex"),
            );
        }
    }
    Ok(())
}

/// `[auth]` and `[limits]`: an open port without tokens is refused, and no limit may make a
/// legal request impossible.
fn validate_access(c: &Config) -> Result<(), (String, String)> {
    let err = |k: &str, m: String| Err((k.to_string(), m));
    for (i, t) in c.auth.tokens.iter().enumerate() {
        let t = t.expose();
        if t.len() < 8 || t.bytes().any(|b| !b.is_ascii_graphic()) {
            return err(
                &format!("auth.tokens[{i}]"),
                "a token needs at least 8 printable characters and no spaces".into(),
            );
        }
    }
    let loopback = c
        .listen
        .parse::<std::net::SocketAddr>()
        .is_ok_and(|a| a.ip().to_canonical().is_loopback());
    if !loopback && c.auth.tokens.is_empty() && !c.auth.allow_unauthenticated_remote {
        return err(
            "auth.tokens",
            format!(
                "listening on {} lets other machines use the router: set auth.tokens, or \
                 auth.allow_unauthenticated_remote = true if the network is yours alone",
                c.listen
            ),
        );
    }
    for (i, h) in c.auth.allowed_hosts.iter().enumerate() {
        if h.trim().is_empty() || h.contains('/') || h.contains(char::is_whitespace) {
            return err(
                &format!("auth.allowed_hosts[{i}]"),
                format!("`{h}` is not a host name like router.lan"),
            );
        }
    }
    for (i, o) in c.auth.allowed_origins.iter().enumerate() {
        if o != "*" && (!o.contains("://") || o.matches('*').count() > 1) {
            return err(
                &format!("auth.allowed_origins[{i}]"),
                format!("`{o}` is not an origin like https://app.example or http://localhost:*"),
            );
        }
    }
    let l = &c.limits;
    if l.max_connections == 0 {
        return err("limits.max_connections", "must be at least 1".into());
    }
    if l.max_concurrent_requests == 0 {
        return err(
            "limits.max_concurrent_requests",
            "must be at least 1".into(),
        );
    }
    if l.max_body_bytes_in_flight.bytes() < c.upstream.body_limit.bytes() {
        return err(
            "limits.max_body_bytes_in_flight",
            format!(
                "must be at least upstream.body_limit ({}), or a largest allowed body could never be accepted",
                c.upstream.body_limit
            ),
        );
    }
    for (key, d) in [
        ("limits.header_read_timeout", l.header_read_timeout),
        ("limits.idle_connection_timeout", l.idle_connection_timeout),
        ("limits.retry_after", l.retry_after),
    ] {
        if d.0.is_zero() {
            return err(key, "must be longer than 0s".into());
        }
    }
    Ok(())
}

fn is_virtual_target(t: &str) -> bool {
    t == "auto" || t.strip_prefix("auto:").and_then(Kind::parse).is_some()
}

fn compile_rule(rule: &Rule, key: &str) -> Result<CompiledRule, (String, String)> {
    let re = |field: &str, s: &Option<String>| -> Result<Option<Regex>, (String, String)> {
        s.as_deref()
            .map(|p| {
                Regex::new(p).map_err(|e| {
                    (
                        format!("{key}.when.{field}"),
                        format!("rule `{}`: bad regex: {e}", rule.name),
                    )
                })
            })
            .transpose()
    };
    let mut headers = Vec::new();
    for (name, pattern) in &rule.when.header {
        let header = http::HeaderName::try_from(name.as_str()).map_err(|_| {
            (
                format!("{key}.when.header"),
                format!("rule `{}`: `{name}` is not a header name", rule.name),
            )
        })?;
        let regex = Regex::new(pattern).map_err(|e| {
            (
                format!("{key}.when.header.{name}"),
                format!("rule `{}`: bad regex: {e}", rule.name),
            )
        })?;
        headers.push((header, regex));
    }
    if let Some(d) = &rule.when.dialect
        && !["ollama", "openai", "anthropic"].contains(&d.as_str())
    {
        return Err((
            format!("{key}.when.dialect"),
            format!(
                "rule `{}`: dialect must be ollama, openai or anthropic",
                rule.name
            ),
        ));
    }
    Ok(CompiledRule {
        name: rule.name.clone(),
        route: rule.route,
        client: re("client", &rule.when.client)?,
        last_user: re("last_user_matches", &rule.when.last_user_matches)?,
        system: re("system_matches", &rule.when.system_matches)?,
        headers,
        when: rule.when.clone(),
    })
}

/// A configuration problem, with the key and (when it can be found) the line it is on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("{}", render_invalid(file, key, line, message))]
    Invalid {
        file: Option<PathBuf>,
        key: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{0}")]
    Syntax(String),
}

fn render_invalid(
    file: &Option<PathBuf>,
    key: &str,
    line: &Option<usize>,
    message: &str,
) -> String {
    let place = match (file, line) {
        (Some(f), Some(l)) => format!("{}:{l}: ", f.display()),
        (Some(f), None) => format!("{}: ", f.display()),
        (None, _) => String::new(),
    };
    format!("{place}key `{key}`: {message}")
}

/// Command-line values that beat the file and the environment (kept across reloads).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<OverrideUpstream>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpu: Option<OverrideGpu>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OverrideUpstream {
    pub url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OverrideGpu {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<GpuSource>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_url_must_be_plain_http() {
        let with_url = |url: &str| {
            let mut c = Config::default();
            c.upstream.url = url.into();
            Settings::compile(c, None)
        };
        assert!(with_url("http://10.0.0.5:11434").is_ok());
        let e = with_url("https://ollama.example").unwrap_err().to_string();
        assert!(e.contains("upstream.url") && e.contains("TLS"), "{e}");
        for bad in ["ftp://x", "http://", "localhost:11434", ""] {
            assert!(with_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_compile() {
        let s = Settings::compile(Config::default(), None).unwrap();
        assert!(s.rules.len() >= 5);
        assert_eq!(s.aliases[0].0.len(), "claude-*sonnet*".len());
    }
}

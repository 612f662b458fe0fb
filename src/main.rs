//! `ollama-router` binary: parses the command line and wires the library together.

use std::process::ExitCode;
use std::time::Duration;

use axum::serve::ListenerExt;
use clap::Parser;
use ollama_router::cli::{
    CheckArgs, Cli, Command, ExplainArgs, LogFormat, ReplayArgs, ServeArgs, SimArgs, config_path,
};
use ollama_router::config::{
    self, GpuSource, OverrideGpu, OverrideUpstream, Overrides, SettingsShared,
};
use ollama_router::{AppState, gpu, observe};
use ollama_sim::sim;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A replay routes thousands of requests in seconds; one log line each would drown the report.
    let default_filter = match cli.command {
        Some(Command::Replay(_)) => "warn",
        _ => "ollama_router=info,warn",
    };
    init_tracing(cli.log_format, default_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ollama-router: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            None => serve(cli.serve).await,
            Some(Command::Serve(args)) => serve(args).await,
            Some(Command::Sim(args)) => run_sim(args).await,
            Some(Command::Check(args)) => check(args),
            Some(Command::Explain(args)) => explain(args),
            Some(Command::Replay(args)) => replay(args).await,
        }
    });
    // Whatever is still running (a GPU read on the blocking pool, a stream past its grace) must
    // not hold the process: dropping the runtime would wait for blocking tasks indefinitely.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

fn init_tracing(format: LogFormat, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    // Colours only for a person at a terminal; log files and pipes get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Exit code for configuration and start-up problems (EX_CONFIG).
const EXIT_CONFIG: u8 = 78;

async fn serve(args: ServeArgs) -> ExitCode {
    let path = config_path(args.config.clone());
    let mut overrides = Overrides {
        listen: args.listen.clone(),
        upstream: args.upstream.clone().map(|url| OverrideUpstream { url }),
        gpu: None,
    };
    let demo = if args.demo {
        let sim_config = sim::SimConfig::default();
        match sim::spawn(sim_config).await {
            Ok(handle) => {
                overrides.upstream = Some(OverrideUpstream { url: handle.url() });
                overrides.gpu = Some(OverrideGpu {
                    source: Some(GpuSource::Sim),
                });
                Some(handle)
            }
            Err(e) => {
                eprintln!("ollama-router: cannot start the simulated Ollama: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        }
    } else {
        None
    };
    let settings = match config::load_located(path.as_deref(), &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ollama-router: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let listen = settings.config.listen.clone();
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "ollama-router: {listen} is already in use. Another router, or Ollama's macOS app (its Claude \
                 gateway listens on 127.0.0.1:11435), may hold it. Pick another address with --listen \
                 127.0.0.1:PORT or `listen` in router.toml."
            );
            return ExitCode::from(EXIT_CONFIG);
        }
        Err(e) => {
            eprintln!(
                "ollama-router: cannot listen on {listen}: {e} (change it with --listen or `listen` in router.toml)"
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let shared = SettingsShared::with_overrides(settings, overrides);
    // The demo learns speeds of a simulated GPU: they must neither read nor overwrite what the
    // real router learned about the real one, so the demo keeps its learning (and the
    // vocabularies it reads from the simulated Ollama) in memory.
    let state_file = if demo.is_some() {
        None
    } else {
        shared
            .load()
            .config
            .sessions
            .state_file
            .clone()
            .or_else(observe::default_state_file)
    };
    let state = match AppState::new(shared.clone(), state_file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ollama-router: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let upstream_url = state.upstream().base_url().to_string();
    let mut tasks = vec![
        // In the background: the router serves (health, pass-through errors, config) at once,
        // whatever Ollama does; a hung one costs at most `upstream.probe_timeout` per query.
        tokio::spawn(startup_probe(state.clone())),
        state.inventory().spawn_poller(
            {
                let state = state.clone();
                move || state.upstream()
            },
            state.settings().config.upstream.poll_interval.0,
        ),
        gpu::spawn_poller(state.clone()),
        spawn_saver(state.clone()),
        state.vocab().spawn_loader(
            {
                let state = state.clone();
                move || state.upstream()
            },
            state.inventory().clone(),
            state.settings().config.upstream.poll_interval.0,
        ),
    ];
    if let Some(p) = path.clone() {
        let live = state.clone();
        tasks.push(shared.watch(p, move |old, new| live.settings_changed(old, new)));
    }
    let addr = listener
        .local_addr()
        .map_or(listen.clone(), |a| a.to_string());
    tracing::info!(listen = %addr, upstream = %upstream_url, config = ?path, "ollama-router serving");
    if demo.is_some() {
        print_demo_banner(&addr);
    }
    let listener = listener.tap_io(|tcp| {
        // Streamed tokens are tiny writes; Nagle would hold them back.
        let _ = tcp.set_nodelay(true);
    });
    let grace = state.settings().config.shutdown_grace.0;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, ollama_router::app(state.clone())).with_graceful_shutdown(
        async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
        },
    );
    // On a signal axum stops accepting and waits for open connections; a stream may run for
    // minutes, so the wait is capped at the grace.
    let result = tokio::select! {
        r = server => r,
        () = grace_elapsed(stop_rx, grace) => {
            tracing::warn!(grace = ?grace, "shutdown grace elapsed; closing the answers still streaming");
            Ok(())
        }
    };
    for t in tasks {
        t.abort();
    }
    state.learned().save_if_dirty();
    drop(demo);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ollama-router: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the demo banner is the command's output"
)]
fn print_demo_banner(addr: &str) {
    println!(
        "ollama-router demo: routing to a simulated Ollama (12 GiB GPU).\n\
         Try:\n  curl -si http://{addr}/api/chat -d '{{\"model\":\"auto\",\"stream\":false,\"messages\":[{{\"role\":\"user\",\"content\":\"Refactor this parser into smaller functions\"}}]}}'\n\
         The x-router-* headers say which model and num_ctx were chosen and why; recent decisions: curl http://{addr}/router/decisions"
    );
}

/// Says once whether Ollama answers, and fills the inventory before the first poll interval.
async fn startup_probe(state: AppState) {
    let upstream = state.upstream();
    let upstream_url = upstream.base_url().to_string();
    match upstream.get_json::<serde_json::Value>("/api/version").await {
        Ok(v) => {
            tracing::info!(upstream = %upstream_url, version = %v["version"], "Ollama reachable")
        }
        Err(e) => tracing::warn!(
            upstream = %upstream_url,
            error = %e,
            "Ollama is not reachable; serving anyway. Start it with `ollama serve`, or point the router \
             elsewhere with --upstream URL or upstream.url in router.toml"
        ),
    }
    state.inventory().refresh(&upstream).await;
}

/// Persists learned speeds every 30 s.
fn spawn_saver(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            state.learned().save_if_dirty();
        }
    })
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (`kill`, systemd, docker stop).
async fn shutdown_signal() {
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the router");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    let which = tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        () = term => "SIGTERM",
    };
    tracing::info!(
        signal = which,
        "shutting down: no new connections, open answers may finish"
    );
}

/// Resolves `grace` after the shutdown signal; never if there is none.
async fn grace_elapsed(mut stop: tokio::sync::watch::Receiver<bool>, grace: Duration) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(grace).await;
}

async fn run_sim(args: SimArgs) -> ExitCode {
    let config = sim::SimConfig {
        vram_total: args.vram.bytes(),
        foreign_vram: args.foreign_vram.bytes(),
        fast: args.fast,
        ..sim::SimConfig::default()
    };
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "ollama-router sim: cannot listen on {}: {e} (change it with --listen)",
                args.listen
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    tracing::info!(listen = %args.listen, vram = %args.vram, fast = args.fast, "simulated Ollama serving");
    match sim::serve(listener, sim::Sim::new(config)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ollama-router sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let path = config_path(args.config);
    match config::load_located(path.as_deref(), &Overrides::default()) {
        Ok(s) => {
            let text = toml_text(&s.config);
            emit(&format!(
                "# effective configuration ({})\n{text}",
                path.map_or("built-in defaults".into(), |p| p.display().to_string())
            ))
        }
        Err(e) => {
            eprintln!("ollama-router: {e}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

fn toml_text(config: &config::Config) -> String {
    toml::to_string_pretty(config).unwrap_or_else(|e| format!("# cannot render: {e}"))
}

/// Writes a command's output and a newline to stdout. A reader that went away (`explain | head
/// -1`) is not an error: the output was not wanted any more, so the command ends quietly with
/// success instead of panicking as `println!` does on a broken pipe.
fn emit(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ollama-router: cannot write the output: {e}");
            ExitCode::FAILURE
        }
    }
}

fn explain(args: ExplainArgs) -> ExitCode {
    use router_core::route::{GpuView, LoadedModel};
    let path = config_path(args.config.clone());
    let settings = match config::load_located(path.as_deref(), &Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ollama-router: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let body = if args.request.as_os_str() == "-" {
        let mut buf = Vec::new();
        if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf) {
            eprintln!("ollama-router: cannot read stdin: {e}");
            return ExitCode::FAILURE;
        }
        buf
    } else {
        match std::fs::read(&args.request) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("ollama-router: cannot read {}: {e}", args.request.display());
                return ExitCode::FAILURE;
            }
        }
    };
    let total = args.vram.unwrap_or(settings.config.gpu.vram_total).bytes();
    let state = match AppState::for_settings(settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ollama-router: {e}");
            return ExitCode::FAILURE;
        }
    };
    state.set_gpu(Some(GpuView {
        foreign: Some(args.foreign_vram.bytes()),
        ..GpuView::fixed(total)
    }));
    let mut inventory = (*state.inventory().load()).clone();
    let mut loaded = Vec::new();
    for spec in &args.loaded {
        let Some((name, ctx)) = spec
            .rsplit_once('@')
            .and_then(|(n, c)| c.parse::<u32>().ok().map(|c| (n, c)))
        else {
            eprintln!("ollama-router: --loaded expects NAME@CTX, got `{spec}`");
            return ExitCode::FAILURE;
        };
        let s = state.settings();
        let size = s
            .catalog
            .get(name)
            .map_or(0, |m| router_core::route::vram_need(m, ctx, &s, None));
        loaded.push(LoadedModel {
            name: name.to_string(),
            context_length: ctx,
            size,
            size_vram: size,
            busy: false,
        });
    }
    inventory.loaded = Some(loaded);
    state.inventory().store(inventory);
    let endpoint = if serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .is_some_and(|v| v.get("prompt").is_some())
    {
        router_core::request::Endpoint::Generate
    } else {
        router_core::request::Endpoint::Chat
    };
    let headers = http::HeaderMap::new();
    match state.explain(ollama_router::pipeline::RouteInput {
        settings: state.settings(),
        dialect: router_core::request::Dialect::Ollama,
        endpoint,
        body: &body,
        headers: &headers,
        hint: None,
        session: None,
    }) {
        Ok(routed) => emit(&match routed.decision.as_deref() {
            Some(d) => format!(
                "{}\n{}",
                d.reason(),
                serde_json::to_string_pretty(d).unwrap_or_default()
            ),
            None => "not routed: the model is not one the router manages; it would pass through untouched".into(),
        }),
        Err(e) => {
            emit(&e.to_string());
            ExitCode::FAILURE
        }
    }
}

async fn replay(args: ReplayArgs) -> ExitCode {
    let opts = ollama_sim::replay::ReplayOptions {
        seed: args.seed,
        requests: args.requests,
        vram: args.vram.bytes(),
        out_dir: args.out,
        ..ollama_sim::replay::ReplayOptions::default()
    };
    match ollama_sim::replay::run(&opts, &ollama_router::launch::replay_router).await {
        Ok(report) => emit(&report.markdown()),
        Err(e) => {
            eprintln!("ollama-router replay: {e}");
            ExitCode::FAILURE
        }
    }
}

//! Starting an in-process router for the replay: the [`ollama_sim::replay::RouterLauncher`] the
//! service hands to `ollama_sim::replay::run`, which knows nothing about the router and talks to
//! it over HTTP.

use ollama_sim::replay::{LaunchFuture, LaunchedRouter};

use crate::config::{Config, GpuSource, Settings};
use crate::state::AppState;
use router_core::units::ByteSize;

/// Stops the router's server task when the replay drops it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A fresh router (default configuration, GPU readings from the sim, `vram` bytes) on
/// `127.0.0.1:0` in front of the simulated Ollama at `sim_url`. Fresh each call: no sessions or
/// learned speeds carried over from an earlier policy.
pub fn replay_router(sim_url: &str, vram: u64) -> LaunchFuture {
    let sim_url = sim_url.to_string();
    Box::pin(async move {
        let mut config = Config::default();
        config.upstream.url = sim_url;
        config.gpu.source = GpuSource::Sim;
        config.gpu.vram_total = ByteSize(vram);
        let settings =
            Settings::compile(config, None).map_err(|e| format!("router configuration: {e}"))?;
        let state = AppState::for_settings(settings).map_err(|e| format!("router state: {e}"))?;
        let (state, clock) = state.with_manual_clock();
        // As the real router does in its first seconds: read Ollama's models and their
        // vocabularies, so prompts are counted exactly as Ollama will.
        state.inventory().refresh(&state.upstream()).await;
        if let Some(tags) = state.inventory().load().tags.clone() {
            state.vocab().refresh(&state.upstream(), &tags).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot bind the router: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("router address: {e}"))?;
        let app = crate::api::app(state.clone());
        let limits = crate::server::limits_from(state.shared_settings().clone());
        let server = tokio::spawn(async move {
            let drain = crate::server::Drain {
                shutdown: std::future::pending::<()>(),
                grace: std::time::Duration::from_secs(1),
            };
            let _ = crate::server::serve(listener, app, limits, drain).await;
        });
        Ok(LaunchedRouter {
            url: format!("http://{addr}"),
            set_clock: Some(Box::new(move |ms| {
                clock.store(ms, std::sync::atomic::Ordering::Relaxed);
            })),
            guard: Box::new(AbortOnDrop(server)),
        })
    })
}

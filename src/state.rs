//! The application state shared by every handler: one `Clone` struct of `Arc`s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::config::{Settings, SettingsShared};
use crate::inventory::SharedInventory;
use crate::observe::{DecisionLog, LearnStore, RouterMetrics};
use crate::upstream::{Upstream, UpstreamError};
use crate::vocab::Vocabularies;
use router_core::route::{GpuView, RecentUse};
use router_core::session::Sessions;

/// Everything a request may read. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub settings: SettingsShared,
    /// Swapped when `[upstream]` changes on reload; requests in flight keep the client they got.
    pub upstream: ArcSwap<Upstream>,
    pub inventory: SharedInventory,
    pub gpu: Arc<ArcSwap<Option<GpuView>>>,
    pub sessions: Sessions,
    pub learned: LearnStore,
    /// Model vocabularies for exact token counts, loaded in the background.
    pub vocab: Arc<Vocabularies>,
    pub decisions: DecisionLog,
    pub metrics: RouterMetrics,
    pub feed: crate::telemetry::Feed,
    /// Routed responses streaming now, per model (a busy model is not evicted lightly).
    pub in_flight: Mutex<HashMap<String, usize>>,
    /// Request slots and body bytes held now (`guard`).
    pub budgets: Arc<crate::guard::Budgets>,
    /// The last routed requests (with the [`Clock`] reading when routed), oldest first: which
    /// models are still wanted.
    pub recent: Mutex<std::collections::VecDeque<Arc<RecentUse>>>,
    pub clock: Clock,
}

/// Milliseconds for weighing how recently a model was used: the monotonic clock, or one the
/// replay sets to its simulated day (a ten-hour day replays in a minute).
#[derive(Clone, Debug)]
pub enum Clock {
    Monotonic(std::time::Instant),
    Manual(Arc<std::sync::atomic::AtomicU64>),
}

impl Clock {
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::Monotonic(start) => {
                u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
            }
            Clock::Manual(ms) => ms.load(std::sync::atomic::Ordering::Relaxed),
        }
    }
}

/// How many routed requests [`AppState::recent_uses`] remembers.
const RECENT_USES: usize = 64;

impl AppState {
    /// Builds the state. `state_file` is where learned figures persist (`None`: memory only).
    pub fn new(
        settings: SettingsShared,
        state_file: Option<std::path::PathBuf>,
    ) -> Result<AppState, UpstreamError> {
        let current = settings.load();
        let upstream = Upstream::new(&current.config.upstream)?;
        let sessions = Sessions::new(current.config.sessions.max_sessions);
        Ok(AppState {
            inner: Arc::new(Inner {
                settings,
                upstream: ArcSwap::from_pointee(upstream),
                inventory: SharedInventory::default(),
                gpu: Arc::new(ArcSwap::from_pointee(None)),
                sessions,
                // Vocabularies are cached beside the learned state (never without one: the
                // demo and tests run memory-only).
                vocab: Arc::new(Vocabularies::new(
                    state_file
                        .as_deref()
                        .and_then(std::path::Path::parent)
                        .map(|d| d.join("vocab")),
                )),
                learned: LearnStore::open(state_file),
                decisions: DecisionLog::new(256),
                metrics: RouterMetrics::default(),
                feed: crate::telemetry::Feed::default(),
                in_flight: Mutex::new(HashMap::new()),
                budgets: Arc::default(),
                recent: Mutex::new(std::collections::VecDeque::with_capacity(RECENT_USES)),
                clock: Clock::Monotonic(std::time::Instant::now()),
            }),
        })
    }

    /// The same state with a clock the caller sets (the replay's simulated day).
    pub fn with_manual_clock(self) -> (AppState, Arc<std::sync::atomic::AtomicU64>) {
        let ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut inner = Arc::into_inner(self.inner).expect("a fresh state is not shared yet");
        inner.clock = Clock::Manual(ms.clone());
        (
            AppState {
                inner: Arc::new(inner),
            },
            ms,
        )
    }

    /// A state for tests and benches: the given settings, memory-only learning.
    pub fn for_settings(settings: Settings) -> Result<AppState, UpstreamError> {
        AppState::new(SettingsShared::new(settings), None)
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.inner.settings.load()
    }

    /// What requests in flight hold (slots, body bytes), for the guard and `/router/health`.
    pub fn budgets(&self) -> &Arc<crate::guard::Budgets> {
        &self.inner.budgets
    }

    pub fn shared_settings(&self) -> &SettingsShared {
        &self.inner.settings
    }

    /// The only way to talk to Ollama: the client for the current `[upstream]` settings.
    pub fn upstream(&self) -> Arc<Upstream> {
        self.inner.upstream.load_full()
    }

    /// Applies a reloaded configuration where a new snapshot alone is not enough: rebuilds the
    /// upstream client when `[upstream]` changed, and warns loudly about keys that only take
    /// effect on restart (the old value stays in force until then).
    pub fn settings_changed(&self, old: &Settings, new: &Settings) {
        let (o, n) = (&old.config, &new.config);
        if o.upstream != n.upstream {
            match Upstream::new(&n.upstream) {
                Ok(u) => {
                    tracing::info!(upstream = %u.base_url(), "upstream settings applied");
                    self.inner.upstream.store(Arc::new(u));
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot apply the new upstream settings; keeping the old client")
                }
            }
        }
        for key in restart_keys(old, new) {
            tracing::warn!(
                key,
                "changed in the config file, but takes effect only when the router restarts; \
                 the running router keeps the old value"
            );
        }
    }

    pub fn inventory(&self) -> &SharedInventory {
        &self.inner.inventory
    }

    pub fn metrics(&self) -> &RouterMetrics {
        &self.inner.metrics
    }

    pub fn decisions(&self) -> &DecisionLog {
        &self.inner.decisions
    }

    pub fn learned(&self) -> &LearnStore {
        &self.inner.learned
    }

    pub fn vocab(&self) -> &Arc<Vocabularies> {
        &self.inner.vocab
    }

    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Live decisions and finished requests for `/router/events`.
    pub fn feed(&self) -> &crate::telemetry::Feed {
        &self.inner.feed
    }

    /// Publishes a new GPU reading (from the GPU poller).
    pub fn set_gpu(&self, reading: Option<GpuView>) {
        if let Some(g) = &reading {
            let loaded = self
                .inner
                .inventory
                .load()
                .loaded
                .clone()
                .unwrap_or_default();
            let free = crate::status::free_bytes(g, &loaded);
            self.inner
                .metrics
                .gpu_free_bytes
                .set(i64::try_from(free).unwrap_or(i64::MAX));
        }
        self.inner.gpu.store(Arc::new(reading));
    }

    pub fn gpu(&self) -> Option<GpuView> {
        (*self.inner.gpu.load_full()).clone()
    }

    /// Marks a model as streaming until the guard drops.
    pub fn stream_guard(&self, model: &str) -> StreamGuard {
        if let Ok(mut m) = self.inner.in_flight.lock() {
            *m.entry(model.to_string()).or_insert(0) += 1;
        }
        self.inner.metrics.streams_in_flight.inc();
        StreamGuard {
            state: self.clone(),
            model: model.to_string(),
            finished: false,
        }
    }

    /// Remembers a routed request.
    pub fn note_use(&self, decision: &router_core::route::Decision, fim: bool, agent: bool) {
        let used = Arc::new(RecentUse {
            model: decision.model.clone(),
            kind: decision.kind,
            fim,
            agent,
            session: decision.session.clone(),
            at_ms: self.inner.clock.now_ms(),
        });
        if let Ok(mut r) = self.inner.recent.lock() {
            if r.len() == RECENT_USES {
                r.pop_front();
            }
            r.push_back(used);
        }
    }

    /// The remembered requests, oldest first, and the clock's reading now (cheap: shared).
    pub fn recent_uses(&self) -> (Vec<Arc<RecentUse>>, u64) {
        let recent = self
            .inner
            .recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default();
        (recent, self.inner.clock.now_ms())
    }

    pub(crate) fn busy_models(&self) -> HashMap<String, usize> {
        self.inner
            .in_flight
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }
}

/// Keys whose new value the running router cannot apply: what it listens on, what the
/// background pollers were started with, and the session table's size and state file.
pub fn restart_keys(old: &Settings, new: &Settings) -> Vec<&'static str> {
    let (o, n) = (&old.config, &new.config);
    let mut keys = Vec::new();
    let mut check = |changed: bool, key: &'static str| {
        if changed {
            keys.push(key);
        }
    };
    check(o.listen != n.listen, "listen");
    check(o.shutdown_grace != n.shutdown_grace, "shutdown_grace");
    check(
        o.upstream.poll_interval != n.upstream.poll_interval,
        "upstream.poll_interval",
    );
    check(o.gpu.source != n.gpu.source, "gpu.source");
    check(
        o.gpu.poll_interval != n.gpu.poll_interval,
        "gpu.poll_interval",
    );
    check(
        o.sessions.max_sessions != n.sessions.max_sessions,
        "sessions.max_sessions",
    );
    check(
        o.sessions.state_file != n.sessions.state_file,
        "sessions.state_file",
    );
    keys
}

/// Held while a routed response streams; counts a cancellation if dropped before the end.
pub struct StreamGuard {
    state: AppState,
    model: String,
    finished: bool,
}

impl StreamGuard {
    /// The stream reached its end (normally or with an upstream error), not a client hang-up.
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if let Ok(mut m) = self.state.inner.in_flight.lock()
            && let Some(n) = m.get_mut(&self.model)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.model);
            }
        }
        self.state.inner.metrics.streams_in_flight.dec();
        if !self.finished {
            self.state.inner.metrics.cancelled_streams.inc();
        }
    }
}

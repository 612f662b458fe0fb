//! What Ollama has: installed models (`/api/tags`) and loaded models (`/api/ps`), refreshed by a
//! background task and published as a snapshot. Requests read the snapshot and never wait on Ollama.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::route::LoadedModel;
use crate::upstream::Upstream;

/// One `/api/tags` entry, kept raw so model lists can be re-served faithfully.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TagsResponse {
    #[serde(default)]
    pub models: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PsResponse {
    #[serde(default)]
    pub models: Vec<PsModel>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PsModel {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub size_vram: u64,
    #[serde(default)]
    pub context_length: u32,
}

/// The last known state of Ollama.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// `None` until `/api/tags` answered once.
    pub installed: Option<HashSet<String>>,
    pub tags: Option<TagsResponse>,
    /// `None` until `/api/ps` answered once.
    pub loaded: Option<Vec<LoadedModel>>,
    /// The last refresh error, for `/router/health`.
    pub last_error: Option<String>,
}

/// Shared, swappable inventory.
#[derive(Clone, Default)]
pub struct SharedInventory {
    inner: Arc<ArcSwap<Inventory>>,
}

impl SharedInventory {
    pub fn load(&self) -> Arc<Inventory> {
        self.inner.load_full()
    }

    pub fn store(&self, inv: Inventory) {
        self.inner.store(Arc::new(inv));
    }

    /// Refreshes both lists once. Keeps old values for a list whose fetch failed.
    pub async fn refresh(&self, upstream: &Upstream) {
        let old = self.load();
        let mut next = (*old).clone();
        next.last_error = None;
        match upstream.get_json::<TagsResponse>("/api/tags").await {
            Ok(tags) => {
                next.installed = Some(
                    tags.models
                        .iter()
                        .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                        .collect(),
                );
                next.tags = Some(tags);
            }
            Err(e) => next.last_error = Some(e.to_string()),
        }
        match upstream.get_json::<PsResponse>("/api/ps").await {
            Ok(ps) => {
                next.loaded = Some(
                    ps.models
                        .into_iter()
                        .map(|m| LoadedModel {
                            name: m.name,
                            context_length: m.context_length,
                            size: m.size,
                            size_vram: m.size_vram,
                            busy: false,
                        })
                        .collect(),
                );
            }
            Err(e) => next.last_error = Some(e.to_string()),
        }
        self.store(next);
    }

    /// Refreshes every `interval` until the task is aborted.
    pub fn spawn_poller(
        &self,
        upstream: Upstream,
        interval: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let shared = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                shared.refresh(&upstream).await;
            }
        })
    }
}

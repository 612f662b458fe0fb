//! What Ollama has: installed models (`/api/tags`) and loaded models (`/api/ps`), refreshed by a
//! background task and published as a snapshot. Requests read the snapshot and never wait on Ollama.
//!
//! Between two polls the router is not blind to what it does itself: a request it routes to a
//! model that is not loaded (or loaded at another context) is noted as a pending load, with the
//! models Ollama will evict for it, and [`Inventory::loaded_now`] shows Ollama as it will be. A
//! pending load ends when `/api/ps` shows it, or after [`PENDING_LOAD_TTL`] (a load that failed).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::upstream::Upstream;
use router_core::catalog::{Architecture, SlidingWindow};
use router_core::route::{LoadedModel, MeasuredModel};

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
    pub installed: Option<Arc<HashSet<String>>>,
    pub tags: Option<TagsResponse>,
    /// `None` until `/api/ps` answered once.
    pub loaded: Option<Vec<LoadedModel>>,
    /// Sizes from `/api/tags` and architectures from `/api/show`, by model name.
    pub measured: Arc<HashMap<String, MeasuredModel>>,
    /// Digests whose `/api/show` was already read.
    shown: HashMap<String, String>,
    /// The last refresh error, for `/router/health`.
    pub last_error: Option<String>,
    /// Loads the router caused that `/api/ps` does not show yet, oldest first.
    pending: Vec<PendingLoad>,
}

/// A load the router sent on its way.
#[derive(Clone, Debug)]
struct PendingLoad {
    model: LoadedModel,
    evicts: Vec<String>,
    since: Instant,
}

/// How long a noted load stands in for `/api/ps` (loads on a 12 GB card take seconds; one that
/// failed must not haunt routing).
pub const PENDING_LOAD_TTL: Duration = Duration::from_secs(30);

impl Inventory {
    /// Loaded models as they are about to be: `/api/ps`'s list with the router's own pending
    /// loads applied (their evictions removed, the model at its new context in place).
    pub fn loaded_now(&self) -> Option<Vec<LoadedModel>> {
        if self.pending.is_empty() {
            return self.loaded.clone();
        }
        let mut loaded = self.loaded.clone().unwrap_or_default();
        for p in &self.pending {
            loaded.retain(|l| l.name != p.model.name && !p.evicts.contains(&l.name));
            loaded.push(p.model.clone());
        }
        Some(loaded)
    }
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

    /// Notes that a routed request is loading `model` (evicting `evicts`), so the next request
    /// sees it before `/api/ps` does.
    pub fn note_load(&self, model: LoadedModel, evicts: Vec<String>) {
        self.inner.rcu(|inv| {
            let mut next = (**inv).clone();
            next.pending.retain(|p| p.model.name != model.name);
            next.pending.push(PendingLoad {
                model: model.clone(),
                evicts: evicts.clone(),
                since: Instant::now(),
            });
            next
        });
    }

    /// Refreshes both lists once. Keeps old values for a list whose fetch failed.
    pub async fn refresh(&self, upstream: &Upstream) {
        let old = self.load();
        let mut next = (*old).clone();
        next.last_error = None;
        match upstream.get_json::<TagsResponse>("/api/tags").await {
            Ok(tags) => {
                next.installed = Some(Arc::new(
                    tags.models
                        .iter()
                        .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                        .collect(),
                ));
                let measured = Arc::make_mut(&mut next.measured);
                for m in &tags.models {
                    let (Some(name), Some(size)) = (
                        m.get("name").and_then(|n| n.as_str()),
                        m.get("size").and_then(|s| s.as_u64()),
                    ) else {
                        continue;
                    };
                    let entry = measured.entry(name.to_string()).or_default();
                    entry.weights_bytes = Some(size);
                    entry.capabilities = m
                        .get("capabilities")
                        .and_then(|c| c.as_array())
                        .map(|caps| {
                            // One at a time: a capability this router does not know ("audio")
                            // must not hide the ones it does.
                            caps.iter()
                                .filter_map(|c| serde_json::from_value(c.clone()).ok())
                                .collect()
                        })
                        .unwrap_or_default();
                    let digest = m
                        .get("digest")
                        .and_then(|d| d.as_str())
                        .unwrap_or("")
                        .to_string();
                    if next.shown.get(name) != Some(&digest) {
                        let body =
                            bytes::Bytes::from(serde_json::json!({ "model": name }).to_string());
                        if let Ok(Some(show)) = upstream
                            .probe_post_json::<serde_json::Value>("/api/show", body)
                            .await
                        {
                            measured.entry(name.to_string()).or_default().arch =
                                arch_from_show(&show);
                            next.shown.insert(name.to_string(), digest);
                        }
                    }
                }
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
        // Loads noted while this refresh was waiting on Ollama count too; those `/api/ps` now
        // shows at their context, and stale ones, are over.
        self.inner.rcu(|current| {
            let mut merged = next.clone();
            merged.pending = current
                .pending
                .iter()
                .filter(|p| {
                    p.since.elapsed() < PENDING_LOAD_TTL
                        && !merged.loaded.as_ref().is_some_and(|loaded| {
                            loaded.iter().any(|l| {
                                l.name == p.model.name && l.context_length == p.model.context_length
                            })
                        })
                })
                .cloned()
                .collect();
            merged
        });
    }

    /// Refreshes every `interval` until the task is aborted.
    /// Refreshes every `interval` through the client `upstream()` returns at that moment, so a
    /// reloaded `upstream.url` is followed.
    pub fn spawn_poller(
        &self,
        upstream: impl Fn() -> Arc<Upstream> + Send + 'static,
        interval: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let shared = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                shared.refresh(&upstream()).await;
            }
        })
    }
}

/// Reads the KV-cache-relevant architecture numbers from `/api/show`'s `model_info`. Returns `None`
/// when a number is missing or per-layer (hybrid models), so the catalog's numbers are used.
pub fn arch_from_show(show: &serde_json::Value) -> Option<Architecture> {
    let info = show.get("model_info")?.as_object()?;
    let name = info.get("general.architecture")?.as_str()?.to_string();
    let get = |key: &str| {
        info.get(&format!("{name}.{key}"))
            .and_then(serde_json::Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
    };
    let block_count = get("block_count")?;
    let head_count = get("attention.head_count")?.max(1);
    let head_count_kv = get("attention.head_count_kv")?;
    let embedding_length = get("embedding_length")?;
    // Absent in older qwen2/llama GGUFs; Ollama falls back to embedding_length / head_count.
    let key_length = get("attention.key_length").unwrap_or(embedding_length / head_count);
    let value_length = get("attention.value_length").unwrap_or(key_length);
    let sliding_window = get("attention.sliding_window").and_then(|window| {
        // Which layers slide is per architecture: gemma3 five of every six, gpt-oss and gemma2 every other.
        let full_layers = match name.as_str() {
            "gemma3" => block_count / 6,
            "gptoss" | "gemma2" => block_count / 2,
            _ => return None,
        };
        Some(SlidingWindow {
            window,
            full_layers,
        })
    });
    Some(Architecture {
        context_length: get("context_length")?,
        name,
        block_count,
        head_count,
        head_count_kv,
        key_length,
        value_length,
        embedding_length,
        sliding_window,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(name: &str, ctx: u32) -> LoadedModel {
        LoadedModel {
            name: name.into(),
            context_length: ctx,
            size: 1,
            size_vram: 1,
            busy: false,
        }
    }

    #[test]
    fn a_noted_load_shows_at_once_with_its_evictions() {
        let inv = SharedInventory::default();
        inv.store(Inventory {
            loaded: Some(vec![loaded("qwen3:8b", 16384), loaded("qwen2.5:7b", 16384)]),
            ..Inventory::default()
        });
        inv.note_load(loaded("qwen3:14b", 8192), vec!["qwen3:8b".into()]);
        let now = inv.load().loaded_now().unwrap();
        let names: Vec<(&str, u32)> = now
            .iter()
            .map(|l| (l.name.as_str(), l.context_length))
            .collect();
        assert_eq!(names, [("qwen2.5:7b", 16384), ("qwen3:14b", 8192)]);
        // A reload at another context replaces the old entry.
        inv.note_load(loaded("qwen2.5:7b", 32768), vec![]);
        let now = inv.load().loaded_now().unwrap();
        assert!(
            now.iter()
                .any(|l| l.name == "qwen2.5:7b" && l.context_length == 32768)
        );
        assert_eq!(now.iter().filter(|l| l.name == "qwen2.5:7b").count(), 1);
    }

    #[test]
    fn reads_architecture_from_show() {
        let show = serde_json::json!({"model_info": {
            "general.architecture": "qwen2", "qwen2.block_count": 28, "qwen2.context_length": 32768,
            "qwen2.embedding_length": 3584, "qwen2.attention.head_count": 28, "qwen2.attention.head_count_kv": 4}});
        let a = arch_from_show(&show).unwrap();
        assert_eq!(
            (
                a.block_count,
                a.head_count_kv,
                a.key_length,
                a.context_length
            ),
            (28, 4, 128, 32768)
        );
        let hybrid = serde_json::json!({"model_info": {"general.architecture": "x", "x.block_count": 2,
            "x.attention.head_count": [1, 2]}});
        assert!(arch_from_show(&hybrid).is_none());
    }
}

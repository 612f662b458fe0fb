//! Model vocabularies for exact token counts: read from Ollama's `/api/show` with
//! `verbose: true` once per model digest, in the background, cached on disk, published to
//! requests through an [`ArcSwap`] (a request never waits for one: until it is there, the
//! fallback estimate is used).
//!
//! The disk cache (`<state dir>/vocab/<digest>.json`, the tokenizer fields and the template) saves
//! the 5–7 MB `/api/show` answer on the next start; the counter itself is rebuilt from it (about
//! 100 ms per vocabulary, on a blocking thread).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::inventory::{SharedInventory, TagsResponse};
use crate::upstream::Upstream;
use router_core::tokens::{Bpe, ClassTokens, GgufTokenizer, MessageCache, ModelTokenizer};

/// Messages remembered per vocabulary (two generations of this many).
const CACHE_ENTRIES: usize = 4096;

/// What is kept on disk per digest.
#[derive(Debug, Serialize, Deserialize)]
struct Cached {
    tokenizer: GgufTokenizer,
    template: String,
}

/// The parts of a verbose `/api/show` answer a counter needs.
#[derive(Debug, Default, Deserialize)]
struct Show {
    #[serde(default)]
    template: String,
    #[serde(default)]
    model_info: ShowInfo,
}

#[derive(Debug, Default, Deserialize)]
struct ShowInfo {
    // Options throughout: Ollama writes `null` for arrays it did not read (no `verbose`).
    #[serde(rename = "tokenizer.ggml.model", default)]
    model: Option<String>,
    #[serde(rename = "tokenizer.ggml.pre", default)]
    pre: Option<String>,
    #[serde(rename = "tokenizer.ggml.tokens", default)]
    tokens: Option<Vec<String>>,
    #[serde(rename = "tokenizer.ggml.merges", default)]
    merges: Option<Vec<String>>,
    #[serde(rename = "tokenizer.ggml.token_type", default)]
    token_type: Option<Vec<i32>>,
}

/// One model's counter and the message cache shared by every model with the same vocabulary.
#[derive(Clone)]
pub struct Counter {
    pub tokenizer: Arc<ModelTokenizer>,
    pub cache: Arc<Mutex<MessageCache>>,
}

/// Counters by installed model name.
pub struct Vocabularies {
    by_model: ArcSwap<HashMap<String, Counter>>,
    /// Digest last handled per model (built, or found unusable), so each is fetched once.
    handled: Mutex<HashMap<String, String>>,
    /// Built counters by [`Bpe::fingerprint`]: the Qwen family shares one.
    built: Mutex<HashMap<u64, Arc<Bpe>>>,
    /// The fallback's per-message estimates (they need no vocabulary).
    estimates: Mutex<MessageCache<ClassTokens>>,
    dir: Option<PathBuf>,
}

impl Vocabularies {
    /// `dir`: where vocabularies are cached on disk (`None`: memory only).
    pub fn new(dir: Option<PathBuf>) -> Vocabularies {
        Vocabularies {
            by_model: ArcSwap::from_pointee(HashMap::new()),
            handled: Mutex::new(HashMap::new()),
            built: Mutex::new(HashMap::new()),
            estimates: Mutex::new(MessageCache::new(CACHE_ENTRIES)),
            dir,
        }
    }

    /// Remembered per-message estimates.
    pub fn estimates(&self) -> &Mutex<MessageCache<ClassTokens>> {
        &self.estimates
    }

    /// Every counter, by installed model name; cheap to read per request.
    pub fn snapshot(&self) -> Arc<HashMap<String, Counter>> {
        self.by_model.load_full()
    }

    /// The counter for a catalog or installed name (`x` and `x:latest` are one model).
    pub fn find<'a>(all: &'a HashMap<String, Counter>, name: &str) -> Option<&'a Counter> {
        fn bare(n: &str) -> &str {
            n.strip_suffix(":latest").unwrap_or(n)
        }
        all.get(name).or_else(|| {
            all.iter()
                .find(|(k, _)| bare(k) == bare(name))
                .map(|(_, v)| v)
        })
    }

    /// Loads the vocabularies of installed models not handled yet, one at a time.
    pub async fn refresh(&self, upstream: &Upstream, tags: &TagsResponse) {
        for m in &tags.models {
            let (Some(name), digest) = (
                m.get("name").and_then(|n| n.as_str()),
                m.get("digest").and_then(|d| d.as_str()).unwrap_or(""),
            ) else {
                continue;
            };
            let seen = self
                .handled
                .lock()
                .map(|h| h.get(name).is_some_and(|d| d == digest))
                .unwrap_or(true);
            if seen {
                continue;
            }
            match self.load(upstream, name, digest).await {
                Ok(Some(counter)) => {
                    tracing::info!(
                        model = name,
                        "vocabulary loaded: exact token counts from now on"
                    );
                    let mut next = (*self.by_model.load_full()).clone();
                    next.insert(name.to_string(), counter);
                    self.by_model.store(Arc::new(next));
                }
                Ok(None) => {}
                // Ollama unreachable or busy: try again on the next round.
                Err(e) => {
                    tracing::debug!(model = name, error = %e, "vocabulary not loaded yet");
                    continue;
                }
            }
            if let Ok(mut h) = self.handled.lock() {
                h.insert(name.to_string(), digest.to_string());
            }
        }
    }

    /// The counter for one model: from disk, else from Ollama. `Ok(None)`: the model's
    /// tokenizer cannot be counted here (SentencePiece, an unknown pre-tokenizer).
    async fn load(
        &self,
        upstream: &Upstream,
        name: &str,
        digest: &str,
    ) -> Result<Option<Counter>, String> {
        let file = self.file_for(digest);
        let from_disk = match &file {
            Some(f) => tokio::fs::read(f)
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<Cached>(&b).ok()),
            None => None,
        };
        let mut cached = match from_disk {
            Some(c) => c,
            None => {
                let body = bytes::Bytes::from(
                    serde_json::json!({ "model": name, "verbose": true }).to_string(),
                );
                let resp = upstream
                    .post_json("/api/show", body)
                    .await
                    .map_err(|e| e.to_string())?;
                if !resp.status().is_success() {
                    return Err(format!("/api/show answered {}", resp.status()));
                }
                let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
                let show: Show = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                let info = show.model_info;
                let c = Cached {
                    tokenizer: GgufTokenizer {
                        model: info.model.unwrap_or_default(),
                        // Absent in old GGUFs: llama.cpp then uses GPT-2's pattern.
                        pre: info.pre.unwrap_or_else(|| "default".into()),
                        tokens: info.tokens.unwrap_or_default(),
                        merges: info.merges.unwrap_or_default(),
                        token_type: info.token_type.unwrap_or_default(),
                    },
                    template: show.template,
                };
                if c.tokenizer.tokens.is_empty() {
                    tracing::info!(
                        model = name,
                        "Ollama reports no vocabulary: token counts stay estimates"
                    );
                    return Ok(None);
                }
                if let Some(f) = &file {
                    write_cache(f, &c).await;
                }
                c
            }
        };
        let template = std::mem::take(&mut cached.template);
        let fingerprint = Bpe::fingerprint(&cached.tokenizer);
        let known = self
            .built
            .lock()
            .ok()
            .and_then(|b| b.get(&fingerprint).cloned());
        let bpe = match known {
            Some(bpe) => Ok(bpe),
            None => {
                tokio::task::spawn_blocking(move || Bpe::build(&cached.tokenizer).map(Arc::new))
                    .await
                    .map_err(|e| e.to_string())?
            }
        };
        match bpe {
            Ok(bpe) => {
                if let Ok(mut b) = self.built.lock() {
                    b.insert(fingerprint, bpe.clone());
                }
                let tokenizer = ModelTokenizer::new(bpe, &template);
                let cache = self.cache_for(tokenizer.identity());
                Ok(Some(Counter {
                    tokenizer: Arc::new(tokenizer),
                    cache,
                }))
            }
            Err(e) => {
                tracing::info!(model = name, reason = %e, "no exact token counts for this model: estimating");
                Ok(None)
            }
        }
    }

    /// Models sharing a vocabulary share its message cache.
    fn cache_for(&self, identity: u64) -> Arc<Mutex<MessageCache>> {
        self.by_model
            .load()
            .values()
            .find(|c| c.tokenizer.identity() == identity)
            .map(|c| c.cache.clone())
            .unwrap_or_else(|| Arc::new(Mutex::new(MessageCache::new(CACHE_ENTRIES))))
    }

    fn file_for(&self, digest: &str) -> Option<PathBuf> {
        let safe: String = digest
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(80)
            .collect();
        if safe.is_empty() {
            return None;
        }
        self.dir.as_ref().map(|d| d.join(format!("{safe}.json")))
    }

    /// Loads vocabularies whenever the inventory shows a new model or digest, until aborted.
    /// `upstream` is asked each round (a configuration reload may rebuild the client).
    pub fn spawn_loader(
        self: &Arc<Self>,
        upstream: impl Fn() -> Arc<Upstream> + Send + 'static,
        inventory: SharedInventory,
        interval: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Some(tags) = inventory.load().tags.clone() {
                    me.refresh(&upstream(), &tags).await;
                }
            }
        })
    }
}

async fn write_cache(path: &Path, c: &Cached) {
    let result = async {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("tmp");
        tokio::fs::write(&tmp, serde_json::to_vec(c).map_err(std::io::Error::other)?).await?;
        tokio::fs::rename(tmp, path).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(file = %path.display(), error = %e, "could not cache the vocabulary");
    }
}

//! The simulated scheduler: which runners are loaded, with which options and how much VRAM, and
//! when they expire — Ollama's `server/sched.go` reduced to its observable behaviour
//! (`reference/ollama-protocol.md` §5.2, §5.3).
//!
//! Pure: the caller passes `now` and the VRAM a load needs; nothing here reads a clock.
//!
//! Memory follows [`super::memory`]: Ollama's own prediction decides evictions (when another
//! runner is loaded: evict while prediction + batch surcharge > 80 % of free VRAM), llama.cpp's
//! placement decides what lands on the GPU with the VRAM that is then free, and a runner holds
//! its buffers plus a CUDA context on the card.
//!
//! Waiting ([`Scheduler::try_acquire`], what `/api/chat` and `/api/generate` use): a runner has
//! `OLLAMA_NUM_PARALLEL` slots and serves one request per slot; a request for a runner whose
//! slots are all busy, a reload of a runner with requests in flight, and a load while another
//! load is still under way all wait (the caller awaits [`Scheduler::notify`] and retries), as
//! Ollama's `server/sched.go` queues pending requests behind one scheduler loop.
//!
//! Prompt cache and slot choice, as llama-server does them (Ollama ≥ 0.30 hands every GGML model
//! to llama-server with `-np OLLAMA_NUM_PARALLEL` and `cache_prompt: true`; `tools/server`
//! `get_available_slot`): each slot holds the token ids in its KV cache (the last prompt and the
//! answer generated after it). A request takes the free slot whose tokens share the longest common
//! prefix with its prompt, if that prefix is more than 10 % of the prompt (llama-server's default
//! `--slot-prompt-similarity 0.1`); otherwise the free slot released longest ago (never-used
//! slots first). Only the tokens after the common prefix are evaluated, and at least one (the
//! runner needs the last token's logits). Before a slot is overwritten (picked as least recently
//! used, or keeping under half of its tokens), llama-server saves its tokens in host memory
//! (`--cache-ram`, 8 GiB by default) and restores the saved prompt that suits the request better,
//! so with one slot two alternating conversations both keep their caches. A reload (a new
//! llama-server) starts with empty slots and an empty host cache. Ollama ≤ 0.29's own
//! runner picked by longest prefix too (`runner/ollamarunner/cache.go` findLongestCacheSlot;
//! with `OLLAMA_MULTIUSER_CACHE`, findBestCacheSlot reuses a slot only when its whole content is
//! a prefix, else overwrites the least recently used).
//!
//! Simplifications:
//! - [`Scheduler::acquire`] (embeddings) never waits: it shares a busy slot, and a reload replaces
//!   the runner at once.
//! - When only busy runners are left to evict, the new model loads anyway: spilled into whatever
//!   VRAM is free, or over `max_loaded_models`, instead of queueing.
//! - Saving and restoring a slot through host memory takes no time, and the host cache's limit
//!   counts tokens (8 GiB over the KV bytes per token), not llama.cpp's exact state sizes.
//! - A prompt cut by the runner (context shift) is cached as the tokens evaluated; llama-server's
//!   `--cache-reuse` chunk matching (off by default) is not simulated.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

use super::gowire::KeepAlive;
use super::memory::{self, CUDA_CONTEXT_BYTES, RunnerShape, Shape};

/// Simulated load bandwidth from disk/page cache into VRAM (bytes per second).
pub const LOAD_BYTES_PER_SECOND: f64 = 2e9;

/// The load-time ("runner") options whose change forces a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerOptions {
    /// After defaulting and clamping to the trained context.
    pub num_ctx: u32,
    pub num_batch: i64,
    /// Layers to offload; -1 = automatic.
    pub num_gpu: i64,
    pub main_gpu: i64,
    pub use_mmap: Option<bool>,
    pub num_thread: i64,
    /// Context shift (fixture 07: a change reloads).
    pub context_shift: bool,
}

impl RunnerOptions {
    /// Ollama's `needsReload`: every runner option must match, except that a request with
    /// automatic `num_gpu` (-1) accepts whatever the runner has.
    pub fn needs_reload(&self, requested: &RunnerOptions) -> bool {
        self.num_ctx != requested.num_ctx
            || self.num_batch != requested.num_batch
            || self.main_gpu != requested.main_gpu
            || self.use_mmap != requested.use_mmap
            || self.num_thread != requested.num_thread
            || self.context_shift != requested.context_shift
            || (requested.num_gpu != -1 && requested.num_gpu != self.num_gpu)
    }
}

/// A loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct Runner {
    pub id: u64,
    /// The scheduler slot: the model blob (names sharing a blob share a runner).
    pub key: String,
    /// The name that loaded it (what `/api/ps` shows).
    pub model_name: String,
    pub options: RunnerOptions,
    /// Total bytes (GPU + CPU), as `/api/ps` reports them.
    pub size: u64,
    /// Bytes on the GPU; `< size` means spilled.
    pub size_vram: u64,
    /// Where its memory went.
    pub memory: memory::Placement,
    pub session: KeepAlive,
    pub in_flight: u32,
    /// Set while idle: when the runner unloads.
    pub idle_expires_at: Option<SystemTime>,
    /// One per parallel sequence (`OLLAMA_NUM_PARALLEL`).
    pub slots: Vec<Slot>,
    /// llama-server's host-memory prompt cache (`--cache-ram`): slot contents saved when a
    /// slot is about to be overwritten, oldest first; a later request may restore one.
    pub saved: VecDeque<Vec<u32>>,
    /// Tokens the saved prompts may hold in all: `--cache-ram` over the KV bytes per token,
    /// at least the runner's context (llama-server's `limit_tokens`).
    pub saved_limit_tokens: u64,
}

/// One sequence of a runner: busy or not, and the tokens its KV cache holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slot {
    pub busy: bool,
    /// Token ids in the slot's KV cache: the last prompt evaluated here, then its answer.
    pub cached: Vec<u32>,
    /// Scheduler tick of the last release (llama-server's `t_last_used`); 0: never used.
    pub last_used: u64,
}

/// llama-server's default `--cache-ram` (8192 MiB); Ollama does not pass the flag.
pub const CACHE_RAM_BYTES: u64 = 8192 * 1024 * 1024;

/// llama-server's default `--slot-prompt-similarity`: a slot is chosen for its cache only when
/// the common prefix is more than this share of the new prompt.
pub const SLOT_PROMPT_SIMILARITY: f64 = 0.1;

/// Tokens at the start of `a` and `b` that are equal.
pub fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// llama-server's `get_available_slot`: among free slots, the one whose cache shares the longest
/// prefix with `prompt` when that is more than [`SLOT_PROMPT_SIMILARITY`] of the prompt; else the
/// free slot released longest ago (the last of equals, as its `<=` picks). `None`: all busy.
pub fn choose_slot(slots: &[Slot], prompt: Option<&[u32]>) -> Option<usize> {
    pick_slot(slots, prompt).map(|(slot, _)| slot)
}

/// [`choose_slot`], and whether llama-server then saves the slot's contents to its host-memory
/// prompt cache before reusing it: when it was picked as least recently used, or by similarity
/// but keeping less than half of what it holds.
fn pick_slot(slots: &[Slot], prompt: Option<&[u32]>) -> Option<(usize, bool)> {
    let pick = pick_by_prefix(slots, prompt);
    if let (Some(slot), Some(prompt)) = (pick, prompt) {
        let held = &slots[slot].cached;
        let keep = common_prefix(held, prompt) as f64 / held.len() as f64;
        return Some((slot, keep < 0.5));
    }
    let mut lru: Option<usize> = None;
    for (i, slot) in slots.iter().enumerate() {
        if !slot.busy && lru.is_none_or(|l| slot.last_used <= slots[l].last_used) {
            lru = Some(i);
        }
    }
    lru.map(|slot| (slot, true))
}

fn pick_by_prefix(slots: &[Slot], prompt: Option<&[u32]>) -> Option<usize> {
    if let Some(prompt) = prompt.filter(|p| !p.is_empty()) {
        let mut best: Option<(usize, f64)> = None;
        for (i, slot) in slots.iter().enumerate() {
            if slot.busy || slot.cached.is_empty() {
                continue;
            }
            let similarity = common_prefix(&slot.cached, prompt) as f64 / prompt.len() as f64;
            if similarity > SLOT_PROMPT_SIMILARITY && best.is_none_or(|(_, b)| similarity > b) {
                best = Some((i, similarity));
            }
        }
        if let Some((i, _)) = best {
            return Some(i);
        }
    }
    None
}

/// llama-server's prompt cache in host memory, around a slot about to serve `prompt`
/// (`server_prompt_cache` alloc / load / update): the slot's contents are saved (replacing saved
/// prompts they contain; skipped if a saved one contains them), then the saved prompt that keeps
/// more of itself and covers more of `prompt` than the slot does (and keeps at least a quarter
/// of itself) is restored into the slot and leaves the cache; the oldest saved prompts go while
/// the cache holds more than its limit.
fn swap_with_ram(runner: &mut Runner, slot: usize, prompt: &[u32]) {
    let held = runner.slots[slot].cached.clone();
    if held.is_empty() || prompt.is_empty() {
        return;
    }
    if !runner
        .saved
        .iter()
        .any(|saved| common_prefix(saved, &held) == held.len())
    {
        runner
            .saved
            .retain(|saved| common_prefix(saved, &held) < saved.len());
        runner.saved.push_back(held.clone());
    }
    let lcp = common_prefix(&held, prompt);
    let mut keep_best = lcp as f64 / held.len() as f64;
    let mut sim_best = lcp as f64 / prompt.len() as f64;
    let mut best = None;
    for (i, saved) in runner.saved.iter().enumerate() {
        let lcp = common_prefix(saved, prompt);
        let keep = lcp as f64 / saved.len() as f64;
        let sim = lcp as f64 / prompt.len() as f64;
        if keep >= 0.25 && keep_best < keep && sim_best < sim {
            (keep_best, sim_best, best) = (keep, sim, Some(i));
        }
    }
    if let Some(restored) = best.and_then(|i| runner.saved.remove(i)) {
        runner.slots[slot].cached = restored;
    }
    while runner.saved.iter().map(|s| s.len() as u64).sum::<u64>() > runner.saved_limit_tokens {
        runner.saved.pop_front();
    }
}

/// Puts `prompt` into a slot taken for it and returns how much of it was already there: the
/// common prefix, less one token when the whole prompt matched (the runner evaluates the last
/// token again for its logits). `None` leaves the cache untouched.
fn fill_cache(slot: &mut Slot, prompt: Option<&[u32]>) -> u64 {
    let Some(prompt) = prompt else {
        return 0;
    };
    let mut cached = common_prefix(&slot.cached, prompt);
    if cached == prompt.len() {
        cached = cached.saturating_sub(1);
    }
    slot.cached.clear();
    slot.cached.extend_from_slice(prompt);
    cached as u64
}

impl Runner {
    /// `expires_at` as `/api/ps` shows it: while busy (or loading), now + session duration.
    pub fn expires_at(&self, now: SystemTime) -> SystemTime {
        self.idle_expires_at
            .unwrap_or_else(|| add_saturating(now, self.session.as_duration()))
    }

    /// Share of the model that lives in system RAM.
    pub fn spilled_fraction(&self) -> f64 {
        if self.size == 0 {
            0.0
        } else {
            (self.size - self.size_vram.min(self.size)) as f64 / self.size as f64
        }
    }
}

fn add_saturating(at: SystemTime, d: Duration) -> SystemTime {
    at.checked_add(d).unwrap_or(at)
}

/// GPU and policy limits for one scheduling decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub vram_total: u64,
    pub foreign_vram: u64,
    pub max_loaded_models: usize,
    pub default_keep_alive: Duration,
}

/// A request for a runner.
#[derive(Debug, Clone, PartialEq)]
pub struct Want<'a> {
    pub key: &'a str,
    pub model_name: &'a str,
    pub options: RunnerOptions,
    /// The model's shape and the runner's (cells, batch, cache type).
    pub shape: Shape,
    pub runner: RunnerShape,
    /// Ollama's prediction plus the batch surcharge (the eviction pre-flight).
    pub predicted: u64,
    pub keep_alive: Option<KeepAlive>,
    /// The token ids the runner will evaluate (after truncation): they choose the slot and fill
    /// its cache. `None` (a load request, a refused prompt, embeddings) leaves every cache as is.
    pub prompt: Option<&'a [u32]>,
}

/// Where a request landed.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub runner_id: u64,
    /// A load happened (first load or reload).
    pub loaded_fresh: bool,
    /// An existing runner of this model was replaced because its options differed.
    pub reloaded: bool,
    /// Simulated time the load took (zero when reused).
    pub load_time: Duration,
    pub size: u64,
    pub size_vram: u64,
    pub memory: memory::Placement,
    /// Names of the runners evicted to make room.
    pub evicted: Vec<String>,
    /// The runner slot this request holds.
    pub slot: usize,
    /// Prompt tokens found in the slot's cache (not evaluated again).
    pub cached: u64,
}

impl Placement {
    pub fn spilled_fraction(&self) -> f64 {
        if self.size == 0 {
            0.0
        } else {
            (self.size - self.size_vram.min(self.size)) as f64 / self.size as f64
        }
    }
}

/// Counters exposed by `/sim/stats`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub loads: u64,
    pub reloads: u64,
    pub evictions: u64,
    pub load_seconds: f64,
    pub spilled_requests: u64,
    pub requests: u64,
    /// Requests refused with a 400 because the prompt did not fit the context.
    pub refused_too_long: u64,
    /// Prompt tokens of answered requests (after truncation), and those of them found in a
    /// slot's cache instead of being evaluated.
    pub prompt_tokens: u64,
    pub prompt_tokens_cached: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Scheduler {
    runners: Vec<Runner>,
    next_id: u64,
    pub stats: Stats,
    /// The runner whose load is still under way (Ollama loads one model at a time).
    loading: Option<u64>,
    /// Woken whenever a slot frees, a load finishes or a runner goes: waiting requests retry.
    pub notify: Arc<Notify>,
    /// Counts releases: the order in which slots were last used (no clock needed).
    tick: u64,
}

impl Scheduler {
    pub fn runners(&self) -> &[Runner] {
        &self.runners
    }

    /// VRAM held by loaded runners: their buffers and their CUDA contexts.
    pub fn used_vram(&self) -> u64 {
        self.runners
            .iter()
            .map(|r| r.size_vram + CUDA_CONTEXT_BYTES)
            .sum()
    }

    /// Drops idle runners whose keep-alive ran out (Ollama's expiry timers, checked lazily).
    pub fn expire(&mut self, now: SystemTime) {
        self.runners
            .retain(|r| r.in_flight > 0 || r.idle_expires_at.is_none_or(|expires| expires > now));
    }

    /// Finds or loads a runner for `want` and marks one request in flight on it, never waiting
    /// (embeddings): a busy slot is shared, a busy runner is replaced.
    pub fn acquire(&mut self, want: &Want<'_>, limits: &Limits, now: SystemTime) -> Placement {
        self.acquire_inner(want, limits, now, false)
            .expect("a forced acquire never waits")
    }

    /// Like [`Scheduler::acquire`], but `None` when Ollama would make the request wait: every
    /// slot of the runner is busy, the runner must reload while requests are in flight, or the
    /// model must load while another load is under way. Retry after [`Scheduler::notify`].
    pub fn try_acquire(
        &mut self,
        want: &Want<'_>,
        limits: &Limits,
        now: SystemTime,
    ) -> Option<Placement> {
        self.acquire_inner(want, limits, now, true)
    }

    fn acquire_inner(
        &mut self,
        want: &Want<'_>,
        limits: &Limits,
        now: SystemTime,
        wait: bool,
    ) -> Option<Placement> {
        self.expire(now);
        let mut reloaded = false;
        if let Some(pos) = self.runners.iter().position(|r| r.key == want.key) {
            let loading = self.loading;
            let runner = &mut self.runners[pos];
            if !runner.options.needs_reload(&want.options) {
                let pick = pick_slot(&runner.slots, want.prompt);
                if wait && (pick.is_none() || loading == Some(runner.id)) {
                    return None;
                }
                let slot = pick.map_or(0, |(slot, _)| slot);
                let cached = match (pick, want.prompt) {
                    (Some((free, through_ram)), Some(prompt)) => {
                        if through_ram {
                            swap_with_ram(runner, free, prompt);
                        }
                        runner.slots[free].busy = true;
                        fill_cache(&mut runner.slots[free], Some(prompt))
                    }
                    (Some((free, _)), None) => {
                        runner.slots[free].busy = true;
                        0
                    }
                    (None, _) => 0,
                };
                runner.in_flight += 1;
                runner.idle_expires_at = None;
                if let Some(keep_alive) = want.keep_alive {
                    runner.session = keep_alive;
                }
                return Some(Placement {
                    runner_id: runner.id,
                    loaded_fresh: false,
                    reloaded: false,
                    load_time: Duration::ZERO,
                    size: runner.size,
                    size_vram: runner.size_vram,
                    memory: runner.memory,
                    evicted: Vec::new(),
                    slot,
                    cached,
                });
            }
            // Ollama's needsReload path drains the runner's requests before unloading it.
            if wait && (runner.in_flight > 0 || self.loading.is_some()) {
                return None;
            }
            self.runners.remove(pos);
            self.stats.reloads += 1;
            reloaded = true;
        }

        if wait && self.loading.is_some() {
            return None;
        }
        let mut evicted = Vec::new();
        while self.runners.len() >= limits.max_loaded_models.max(1) {
            match self.evict_one() {
                Some(name) => evicted.push(name),
                None => break,
            }
        }
        // Ollama's pre-flight runs only when another runner is loaded: a first load never
        // evicts and is never refused for size.
        while !self.runners.is_empty()
            && memory::must_evict_before_loading(want.predicted, 0, self.free_vram(limits))
        {
            match self.evict_one() {
                Some(name) => evicted.push(name),
                None => break,
            }
        }
        let num_gpu = u32::try_from(want.options.num_gpu).ok();
        let placed = memory::place(&want.shape, &want.runner, self.free_vram(limits), num_gpu);
        let size_vram = placed.ps_size_vram();
        let load_time =
            Duration::from_secs_f64(want.shape.file_bytes as f64 / LOAD_BYTES_PER_SECOND);
        self.stats.loads += 1;
        self.stats.load_seconds += load_time.as_secs_f64();
        self.stats.evictions += evicted.len() as u64;
        self.next_id += 1;
        let mut runner = Runner {
            id: self.next_id,
            key: want.key.to_owned(),
            model_name: want.model_name.to_owned(),
            options: want.options,
            size: placed.ps_size(),
            size_vram,
            memory: placed,
            session: want
                .keep_alive
                .unwrap_or(KeepAlive::For(limits.default_keep_alive)),
            in_flight: 1,
            idle_expires_at: None,
            slots: vec![Slot::default(); want.runner.num_parallel.max(1) as usize],
            saved: VecDeque::new(),
            saved_limit_tokens: {
                let cells = want.runner.cells().max(1);
                let per_token = (memory::kv_bytes(&want.shape, &want.runner) / cells).max(1);
                (CACHE_RAM_BYTES / per_token).max(cells)
            },
        };
        // A fresh runner's slots are all unused: llama-server's LRU pick takes the last one.
        let slot = choose_slot(&runner.slots, want.prompt).unwrap_or(0);
        runner.slots[slot].busy = true;
        fill_cache(&mut runner.slots[slot], want.prompt);
        let placement = Placement {
            runner_id: runner.id,
            loaded_fresh: true,
            reloaded,
            load_time,
            size: runner.size,
            size_vram,
            memory: placed,
            evicted,
            slot,
            cached: 0,
        };
        if wait {
            self.loading = Some(runner.id);
        }
        self.runners.push(runner);
        Some(placement)
    }

    /// The load of `runner_id` finished: the next load may start.
    pub fn loaded(&mut self, runner_id: u64) {
        if self.loading == Some(runner_id) {
            self.loading = None;
            self.notify.notify_waiters();
        }
    }

    /// Appends the answer's tokens to the slot's cache: llama-server keeps every token it
    /// decoded, so a follow-up that repeats the answer verbatim finds it cached.
    pub fn extend_cache(&mut self, runner_id: u64, slot: usize, generated: &[u32]) {
        if let Some(slot) = self
            .runners
            .iter_mut()
            .find(|r| r.id == runner_id)
            .and_then(|r| r.slots.get_mut(slot))
        {
            slot.cached.extend_from_slice(generated);
        }
    }

    fn free_vram(&self, limits: &Limits) -> u64 {
        limits
            .vram_total
            .saturating_sub(limits.foreign_vram)
            .saturating_sub(self.used_vram())
    }

    /// Evicts the idle runner with the shortest keep-alive (ties: by name), like Ollama.
    fn evict_one(&mut self) -> Option<String> {
        let pos = self
            .runners
            .iter()
            .enumerate()
            .filter(|(_, r)| r.in_flight == 0)
            .min_by(|(_, a), (_, b)| {
                a.session
                    .as_duration()
                    .cmp(&b.session.as_duration())
                    .then_with(|| a.model_name.cmp(&b.model_name))
            })
            .map(|(pos, _)| pos)?;
        Some(self.runners.remove(pos).model_name)
    }

    /// Ends one request on a runner (freeing its last busy slot).
    pub fn release(&mut self, runner_id: u64, now: SystemTime) {
        let slot = self
            .runners
            .iter()
            .find(|r| r.id == runner_id)
            .and_then(|r| r.slots.iter().rposition(|s| s.busy));
        self.release_slot(runner_id, slot, now);
    }

    /// Ends one request on a runner and frees its slot; an idle runner starts its keep-alive
    /// clock, and a zero keep-alive unloads it right away. Waiting requests are woken.
    pub fn release_slot(&mut self, runner_id: u64, slot: Option<usize>, now: SystemTime) {
        self.notify.notify_waiters();
        self.loaded(runner_id);
        let Some(pos) = self.runners.iter().position(|r| r.id == runner_id) else {
            return;
        };
        let runner = &mut self.runners[pos];
        self.tick += 1;
        if let Some(slot) = slot.and_then(|i| runner.slots.get_mut(i)) {
            slot.busy = false;
            slot.last_used = self.tick;
        }
        runner.in_flight = runner.in_flight.saturating_sub(1);
        if runner.in_flight > 0 {
            return;
        }
        if runner.session.is_zero() {
            self.runners.remove(pos);
        } else {
            runner.idle_expires_at = Some(add_saturating(now, runner.session.as_duration()));
        }
    }

    /// `keep_alive: 0` with no prompt (Ollama's `expireRunner`): unload now, or after the
    /// requests in flight finish.
    pub fn unload(&mut self, key: &str) {
        self.notify.notify_waiters();
        if let Some(pos) = self.runners.iter().position(|r| r.key == key) {
            if self.runners[pos].in_flight == 0 {
                self.runners.remove(pos);
            } else {
                self.runners[pos].session = KeepAlive::For(Duration::ZERO);
            }
        }
    }

    /// Unloads everything and clears the counters.
    pub fn reset(&mut self) {
        self.runners.clear();
        self.stats = Stats::default();
        self.loading = None;
        self.notify.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const GIB: u64 = 1024 * 1024 * 1024;

    fn limits() -> Limits {
        Limits {
            vram_total: 12 * GIB,
            foreign_vram: 0,
            max_loaded_models: 3,
            default_keep_alive: Duration::from_secs(300),
        }
    }

    fn opts(num_ctx: u32) -> RunnerOptions {
        RunnerOptions {
            num_ctx,
            num_batch: 512,
            num_gpu: -1,
            main_gpu: 0,
            use_mmap: None,
            num_thread: 0,
            context_shift: true,
        }
    }

    /// A dense 40-layer model whose file is `size` bytes.
    fn want<'a>(key: &'a str, size: u64, num_ctx: u32) -> Want<'a> {
        let shape = Shape {
            file_bytes: size,
            block_count: 40,
            embedding_length: 4096,
            feed_forward_length: 12288,
            head_count: 32,
            head_count_kv: 8,
            key_length: 128,
            value_length: 128,
            vocab_size: 32000,
            context_length: 131072,
            sliding_window: None,
            embd_bits_per_weight: 4.5,
        };
        Want {
            key,
            model_name: key,
            options: opts(num_ctx),
            predicted: memory::predict_server_vram(&shape, num_ctx, 1),
            runner: RunnerShape {
                num_ctx,
                num_parallel: 1,
                num_batch: 512,
                flash_attention: false,
                kv_type: memory::KvType::F16,
            },
            shape,
            keep_alive: None,
            prompt: None,
        }
    }

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_000_000 + secs)
    }

    #[test]
    fn reuses_a_runner_with_the_same_options_and_reloads_on_change() {
        let mut s = Scheduler::default();
        let p = s.acquire(&want("a", 4 * GIB, 4096), &limits(), t(0));
        assert!(p.loaded_fresh && !p.reloaded);
        s.release(p.runner_id, t(1));
        let p = s.acquire(&want("a", 4 * GIB, 4096), &limits(), t(2));
        assert!(!p.loaded_fresh);
        s.release(p.runner_id, t(3));
        let p = s.acquire(&want("a", 5 * GIB, 8192), &limits(), t(4));
        assert!(p.loaded_fresh && p.reloaded);
        assert_eq!(s.runners().len(), 1);
        assert_eq!(s.runners()[0].options.num_ctx, 8192);
        assert_eq!((s.stats.loads, s.stats.reloads), (2, 1));
        // num_gpu -1 on the request accepts an explicit value on the runner.
        let mut explicit = opts(8192);
        explicit.num_gpu = 20;
        assert!(!explicit.needs_reload(&opts(8192)));
        assert!(opts(8192).needs_reload(&explicit));
    }

    #[test]
    fn evicts_idle_runners_shortest_keep_alive_first_to_make_room() {
        let mut s = Scheduler::default();
        let size = 7 * GIB / 2;
        let mut long = want("long", size, 4096);
        long.keep_alive = Some(KeepAlive::Forever);
        let p = s.acquire(&long, &limits(), t(0));
        s.release(p.runner_id, t(1));
        let p = s.acquire(&want("short", size, 4096), &limits(), t(2));
        assert!(
            p.evicted.is_empty(),
            "two 3.5 GiB models fit Ollama's 80 % rule"
        );
        s.release(p.runner_id, t(3));
        // A third does not: Ollama evicts the shortest keep-alive first.
        let p = s.acquire(&want("new", size, 4096), &limits(), t(4));
        assert_eq!(p.evicted, vec!["short".to_owned()]);
        assert!(!p.memory.spilled());
        assert_eq!(p.size_vram, p.size, "full offload reports size = size_vram");
        assert_eq!(s.stats.evictions, 1);
    }

    /// Two 5 GiB models do not stay loaded together on 12 GiB: the second's prediction is over
    /// 80 % of what the first leaves free (fixture 08), although both would fit byte for byte.
    #[test]
    fn ollamas_80_percent_rule_evicts_before_bytes_run_out() {
        let mut s = Scheduler::default();
        let p = s.acquire(&want("a", 5 * GIB, 4096), &limits(), t(0));
        s.release(p.runner_id, t(1));
        let p = s.acquire(&want("b", 5 * GIB, 4096), &limits(), t(2));
        assert_eq!(p.evicted, vec!["a".to_owned()]);
    }

    #[test]
    fn spills_when_nothing_is_left_to_evict() {
        let mut s = Scheduler::default();
        let mut l = limits();
        l.foreign_vram = 2 * GIB;
        let p = s.acquire(&want("big", 14 * GIB, 32768), &l, t(0));
        assert!(p.memory.spilled());
        assert!(p.size > p.size_vram);
        // llama.cpp keeps its margin; the CUDA context is on the card too.
        assert!(s.used_vram() + l.foreign_vram <= l.vram_total - memory::FIT_MARGIN_BYTES);
    }

    #[test]
    fn busy_runners_are_not_evicted() {
        let mut s = Scheduler::default();
        let busy = s.acquire(&want("busy", 8 * GIB, 4096), &limits(), t(0));
        let p = s.acquire(&want("other", 8 * GIB, 4096), &limits(), t(1));
        assert!(p.evicted.is_empty());
        assert!(p.memory.spilled(), "loads beside the busy runner, spilled");
        assert_eq!(s.runners().len(), 2);
        s.release(busy.runner_id, t(2));
    }

    #[test]
    fn max_loaded_models_evicts_the_extra_runner() {
        let mut s = Scheduler::default();
        let mut l = limits();
        l.vram_total = 100 * GIB;
        for key in ["a", "b", "c"] {
            let p = s.acquire(&want(key, GIB, 4096), &l, t(0));
            s.release(p.runner_id, t(1));
        }
        let p = s.acquire(&want("d", GIB, 4096), &l, t(2));
        assert_eq!(p.evicted, vec!["a".to_owned()]);
        assert_eq!(s.runners().len(), 3);
    }

    #[test]
    fn keep_alive_expires_lazily_and_zero_unloads_after_the_request() {
        let mut s = Scheduler::default();
        let p = s.acquire(&want("a", GIB, 4096), &limits(), t(0));
        assert_eq!(s.runners()[0].expires_at(t(0)), t(300));
        s.release(p.runner_id, t(10));
        assert_eq!(s.runners()[0].expires_at(t(50)), t(310));
        s.expire(t(309));
        assert_eq!(s.runners().len(), 1);
        s.expire(t(310));
        assert!(s.runners().is_empty());

        let mut zero = want("z", GIB, 4096);
        zero.keep_alive = Some(KeepAlive::For(Duration::ZERO));
        let p = s.acquire(&zero, &limits(), t(400));
        assert_eq!(s.runners().len(), 1);
        s.release(p.runner_id, t(401));
        assert!(s.runners().is_empty());
    }

    #[test]
    fn unload_waits_for_requests_in_flight() {
        let mut s = Scheduler::default();
        let p = s.acquire(&want("a", GIB, 4096), &limits(), t(0));
        s.unload("a");
        assert_eq!(s.runners().len(), 1);
        s.release(p.runner_id, t(1));
        assert!(s.runners().is_empty());
    }

    #[test]
    fn partial_offload_with_num_gpu() {
        let mut s = Scheduler::default();
        let mut w = want("a", 4 * GIB, 4096);
        w.options.num_gpu = 10; // of 40 layers
        let p = s.acquire(&w, &limits(), t(0));
        assert_eq!(p.memory.layers_gpu, 10);
        assert!(p.size_vram < p.size / 3);
    }

    #[test]
    fn try_acquire_waits_for_a_busy_slot_a_draining_reload_and_a_load() {
        let mut s = Scheduler::default();
        let first = s
            .try_acquire(&want("a", GIB, 4096), &limits(), t(0))
            .unwrap();
        // Loading: no second load, and no request on the loading runner.
        assert!(
            s.try_acquire(&want("b", GIB, 4096), &limits(), t(0))
                .is_none()
        );
        s.loaded(first.runner_id);
        // The only slot is busy; a reload waits for it too.
        assert!(
            s.try_acquire(&want("a", GIB, 4096), &limits(), t(1))
                .is_none()
        );
        assert!(
            s.try_acquire(&want("a", GIB, 8192), &limits(), t(1))
                .is_none()
        );
        s.release_slot(first.runner_id, Some(first.slot), t(2));
        let again = s
            .try_acquire(&want("a", GIB, 4096), &limits(), t(3))
            .unwrap();
        assert!(!again.loaded_fresh);
    }

    /// `key`'s runner with `parallel` slots, asked for `prompt`.
    fn ask<'a>(key: &'a str, parallel: u32, prompt: &'a [u32]) -> Want<'a> {
        let mut w = want(key, GIB, 4096);
        w.runner.num_parallel = parallel;
        w.prompt = Some(prompt);
        w
    }

    /// Serves `prompt` on `key` and releases the slot; returns (slot, cached tokens).
    fn serve(s: &mut Scheduler, parallel: u32, prompt: &[u32], at: u64) -> (usize, u64) {
        let p = s.acquire(&ask("a", parallel, prompt), &limits(), t(at));
        s.release_slot(p.runner_id, Some(p.slot), t(at));
        (p.slot, p.cached)
    }

    #[test]
    fn the_prompt_cache_reuses_the_longest_common_token_prefix_and_dies_with_a_reload() {
        let mut s = Scheduler::default();
        let first: Vec<u32> = (0..100).collect();
        assert_eq!(serve(&mut s, 1, &first, 0).1, 0);
        // A follow-up that extends the prompt evaluates only the new tokens.
        let longer: Vec<u32> = (0..130).collect();
        assert_eq!(serve(&mut s, 1, &longer, 1).1, 100);
        // An edit at token 60 re-evaluates from there on.
        let mut edited = longer.clone();
        edited[60] = 9999;
        assert_eq!(serve(&mut s, 1, &edited, 2).1, 60);
        // The same prompt again: all but the last token, which the runner evaluates again.
        assert_eq!(serve(&mut s, 1, &edited, 3).1, 129);
        // The answer's tokens join the cache; a follow-up that repeats them reuses them.
        let p = s.acquire(&ask("a", 1, &edited), &limits(), t(4));
        s.extend_cache(p.runner_id, p.slot, &[7, 7, 7]);
        s.release_slot(p.runner_id, Some(p.slot), t(4));
        let mut follow = edited.clone();
        follow.extend([7, 7, 7, 8]);
        assert_eq!(serve(&mut s, 1, &follow, 5).1, 133);
        // A reload starts empty.
        let mut reload = ask("a", 1, &follow);
        reload.options.num_ctx = 8192;
        let p = s.acquire(&reload, &limits(), t(6));
        assert!(p.reloaded);
        assert_eq!(p.cached, 0);
    }

    /// Two conversations on a two-slot runner keep their caches: each follow-up finds the slot
    /// that holds its own history (the first free slot would be the other conversation's).
    #[test]
    fn a_request_takes_the_free_slot_with_the_longest_common_prefix() {
        let mut s = Scheduler::default();
        let a: Vec<u32> = (0..200).collect();
        let b: Vec<u32> = (1000..1200).collect();
        let (slot_a, _) = serve(&mut s, 2, &a, 0);
        let (slot_b, _) = serve(&mut s, 2, &b, 1);
        assert_ne!(slot_a, slot_b, "the unused slot is taken before a used one");
        for round in 0..2u32 {
            let mut b_next = b.clone();
            b_next.push(2000 + round);
            assert_eq!(serve(&mut s, 2, &b_next, 2), (slot_b, 200));
            let mut a_next = a.clone();
            a_next.push(3000 + round);
            assert_eq!(serve(&mut s, 2, &a_next, 3), (slot_a, 200));
        }
    }

    /// A prompt that shares nothing (or no more than 10 % of itself) with any slot overwrites
    /// the slot released longest ago, as llama-server's LRU pick does.
    #[test]
    fn without_a_shared_prefix_the_least_recently_used_slot_is_overwritten() {
        let mut s = Scheduler::default();
        let a: Vec<u32> = (0..200).collect();
        let b: Vec<u32> = (1000..1200).collect();
        let (slot_a, _) = serve(&mut s, 2, &a, 0);
        let (slot_b, _) = serve(&mut s, 2, &b, 1);
        // Shares 10 tokens (5 %) with b: below the similarity threshold, so a's older slot goes.
        let mut c: Vec<u32> = b[..10].to_vec();
        c.extend(5000..5190);
        assert_eq!(serve(&mut s, 2, &c, 2), (slot_a, 0));
        // b's cache survived in its slot.
        assert_eq!(serve(&mut s, 2, &b, 3), (slot_b, 199));
        // Busy slots are never chosen: with b's slot busy, b's prompt goes to the other slot.
        let busy = s.acquire(&ask("a", 2, &b), &limits(), t(5));
        assert_eq!(busy.slot, slot_b);
        let other = s.acquire(&ask("a", 2, &b), &limits(), t(5));
        assert_eq!(other.slot, slot_a);
    }

    /// One slot, two conversations: each overwrites the other's slot, but llama-server saves
    /// the slot's tokens in host memory first and restores them when their conversation returns.
    /// A prompt sharing too little with any saved one, or one the limit pushed out, starts cold.
    #[test]
    fn overwritten_slots_come_back_from_host_memory() {
        let mut s = Scheduler::default();
        let a: Vec<u32> = (0..200).collect();
        let b: Vec<u32> = (1000..1300).collect();
        assert_eq!(serve(&mut s, 1, &a, 0), (0, 0));
        assert_eq!(serve(&mut s, 1, &b, 1), (0, 0));
        let mut a_next = a.clone();
        a_next.extend([7, 8, 9]);
        assert_eq!(serve(&mut s, 1, &a_next, 2), (0, 200), "a restored");
        let mut b_next = b.clone();
        b_next.push(7);
        assert_eq!(serve(&mut s, 1, &b_next, 3), (0, 300), "b restored");
        // What was restored left the cache; what it replaced went in: a's grown prompt only
        // (the shorter a it contains was dropped).
        let saved: Vec<usize> = s.runners()[0].saved.iter().map(Vec::len).collect();
        assert_eq!(saved, [203]);
        // Too little in common (under a quarter of the saved prompt): cold.
        let c: Vec<u32> = a[..40].iter().copied().chain(5000..5100).collect();
        assert_eq!(serve(&mut s, 1, &c, 4), (0, 0));
        // The limit: the oldest saved prompts go first.
        s.runners[0].saved_limit_tokens = 250;
        let d: Vec<u32> = (9000..9100).collect();
        serve(&mut s, 1, &d, 5);
        let saved: Vec<usize> = s.runners()[0].saved.iter().map(Vec::len).collect();
        assert_eq!(saved, [140], "b (301) and a (203) pushed out, c kept");
        assert_eq!(serve(&mut s, 1, &b_next, 6), (0, 0));
    }
}

//! The simulated Ollama's scheduling over real HTTP, as `server/sched.go` and the runner behave:
//! one request per runner slot (`OLLAMA_NUM_PARALLEL`), a reload that waits for the requests in
//! flight, one load at a time, the prompt cache, and keep-alive expiry.
//!
//! The queueing tests run the sim in real time on a slow simulated GPU, and assert only the
//! ORDER of events (one response's headers against another's last line), never a duration; the
//! margins are seconds. Each has a twin or a setting that shows the order is the feature's doing.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ollama_sim::sim::{SimConfig, SimHandle, spawn};
use serde_json::{Value, json};

/// Fails a test that hangs instead of letting it eat the CI budget.
async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("test timed out")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// Real time on a GPU with `bandwidth_gbps` (the seed's has 504): a short answer streams for
/// seconds, while loads keep their real speed (2 GB/s).
async fn slow_sim(num_parallel: u32, bandwidth_gbps: f64) -> SimHandle {
    spawn(SimConfig {
        fast: false,
        bandwidth_gbps,
        num_parallel,
        ..SimConfig::default()
    })
    .await
    .expect("sim binds")
}

async fn fast_sim() -> SimHandle {
    spawn(SimConfig {
        fast: true,
        ..SimConfig::default()
    })
    .await
    .expect("sim binds")
}

async fn post_json(sim: &SimHandle, path: &str, body: Value) -> Value {
    let response = client()
        .post(format!("{}{path}", sim.url()))
        .json(&body)
        .send()
        .await
        .expect("request sent");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("JSON body")
}

async fn ps(sim: &SimHandle) -> Vec<Value> {
    let body: Value = client()
        .get(format!("{}/api/ps", sim.url()))
        .send()
        .await
        .expect("ps")
        .json()
        .await
        .expect("ps JSON");
    body["models"].as_array().cloned().unwrap_or_default()
}

type Events = Arc<Mutex<Vec<String>>>;

/// Sends a streaming chat; logs "`tag` headers" when the response head arrives and "`tag` done"
/// once its last line is read.
fn start_chat(
    sim: &SimHandle,
    tag: &'static str,
    body: Value,
    events: &Events,
) -> tokio::task::JoinHandle<Value> {
    let url = format!("{}/api/chat", sim.url());
    let events = events.clone();
    tokio::spawn(async move {
        let response = client().post(url).json(&body).send().await.expect("sent");
        assert!(response.status().is_success());
        events.lock().unwrap().push(format!("{tag} headers"));
        let text = response.text().await.expect("body");
        events.lock().unwrap().push(format!("{tag} done"));
        let last = text.lines().last().expect("a line");
        serde_json::from_str(last).expect("JSON line")
    })
}

fn chat(model: &str, content: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": content}]})
}

fn position(events: &Events, event: &str) -> usize {
    let events = events.lock().unwrap();
    events
        .iter()
        .position(|e| e == event)
        .unwrap_or_else(|| panic!("{event} missing from {events:?}"))
}

/// Preloads `model` (no load time left for the requests that follow).
async fn preload(sim: &SimHandle, model: &str, options: Value) {
    post_json(
        sim,
        "/api/chat",
        json!({"model": model, "messages": [], "options": options}),
    )
    .await;
}

/// With one slot, a second request to a busy model sees nothing until the first is finished; with
/// two slots it is served beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_request_per_slot_the_rest_queue() {
    within(async {
        for (parallel, queued) in [(1, true), (2, false)] {
            let sim = slow_sim(parallel, 50.0).await;
            preload(&sim, "qwen2.5:7b", json!({})).await;
            let events = Events::default();
            let first = start_chat(&sim, "A", chat("qwen2.5:7b", "first"), &events);
            while events.lock().unwrap().is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let second = start_chat(&sim, "B", chat("qwen2.5:7b", "second"), &events);
            first.await.unwrap();
            let last = second.await.unwrap();
            assert_eq!(last["done"], true);
            let order = position(&events, "A done") < position(&events, "B headers");
            assert_eq!(
                order,
                queued,
                "num_parallel={parallel}: {:?}",
                events.lock().unwrap()
            );
        }
    })
    .await;
}

/// A request that needs other runner options waits for the runner's requests in flight before
/// reloading it (Ollama's needsReload drains first).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reload_waits_for_requests_in_flight() {
    within(async {
        // A 3B model at a fiftieth of the seed's bandwidth: the first answer streams for about
        // six seconds, the reload takes one.
        let sim = slow_sim(1, 10.0).await;
        preload(&sim, "llama3.2:latest", json!({"num_ctx": 4096})).await;
        let events = Events::default();
        let first = start_chat(&sim, "A", chat("llama3.2:latest", "first"), &events);
        while events.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut reload = chat("llama3.2:latest", "second");
        reload["options"] = json!({"num_ctx": 8192});
        let second = start_chat(&sim, "B", reload, &events);
        let a = first.await.unwrap();
        second.await.unwrap();
        assert_eq!(
            a["done_reason"], "stop",
            "the first answer was not cut by the reload"
        );
        assert!(
            position(&events, "A done") < position(&events, "B headers"),
            "{:?}",
            events.lock().unwrap()
        );
        let models = ps(&sim).await;
        assert_eq!(models.len(), 1);
        assert_eq!(models[0]["context_length"], 8192);
    })
    .await;
}

/// Ollama loads one model at a time: a second model's load starts after the first's ends, so the
/// small model (1 s to load) answers after the big one (2.3 s) that began loading first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loads_happen_one_at_a_time() {
    within(async {
        let sim = slow_sim(1, 50.0).await;
        let events = Events::default();
        let big = start_chat(&sim, "A", chat("qwen2.5:7b", "big"), &events);
        // The big model's runner exists (loading) before the small one is asked for.
        while ps(&sim).await.is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let small = start_chat(&sim, "B", chat("llama3.2:latest", "small"), &events);
        big.await.unwrap();
        let b = small.await.unwrap();
        assert!(
            position(&events, "A headers") < position(&events, "B headers"),
            "{:?}",
            events.lock().unwrap()
        );
        // Ollama's load_duration runs from the request's arrival: the queueing is in it.
        assert!(b["load_duration"].as_u64().unwrap() > 0);
    })
    .await;
}

fn count(reply: &Value) -> u64 {
    reply["prompt_eval_count"]
        .as_u64()
        .expect("prompt_eval_count")
}

fn duration(reply: &Value) -> u64 {
    reply["prompt_eval_duration"]
        .as_u64()
        .expect("prompt_eval_duration")
}

/// Prompt tokens the sim's prompt cache has spared so far (`/sim/stats`).
fn cached(sim: &SimHandle) -> u64 {
    sim.sim.stats().prompt_tokens_cached
}

/// A follow-up that extends the previous prompt evaluates only the new tokens (the answer it
/// repeats included), while `prompt_eval_count` still counts the whole prompt, as Ollama ≥ 0.30
/// reports llama-server's `cache_n + prompt_n`; a reload loses the cache; an identical generate
/// prompt evaluates one token.
#[tokio::test]
async fn the_prompt_cache_evaluates_only_new_tokens_until_a_reload() {
    within(async {
        let system = "You are a careful coding assistant. ".repeat(40);
        let first = json!({"model": "qwen2.5:7b", "stream": false, "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": "Write a function that parses a CSV line."}]});

        let sim = fast_sim().await;
        let reply = post_json(&sim, "/api/chat", first.clone()).await;
        let c1 = count(&reply);
        assert_eq!(cached(&sim), 0);
        // The client sends the answer back verbatim, then asks again.
        let answer = reply["message"]["content"].as_str().unwrap().to_owned();
        let mut follow = first.clone();
        let messages = follow["messages"].as_array_mut().unwrap();
        messages.push(json!({"role": "assistant", "content": answer}));
        messages.push(json!({"role": "user", "content": "Now handle quoted fields."}));
        let warm = post_json(&sim, "/api/chat", follow.clone()).await;

        let cold_sim = fast_sim().await;
        let cold = post_json(&cold_sim, "/api/chat", follow.clone()).await;
        assert_eq!(count(&warm), count(&cold), "the whole prompt is counted");
        // Reused: the first prompt and the answer's tokens, which the runner generated there.
        let answer_tokens = ollama_sim::sim::tokens::text_tokens(&answer);
        assert_eq!(cached(&sim), c1 + answer_tokens, "c1={c1}");
        assert!(
            duration(&warm) < duration(&cold) / 10,
            "fewer tokens evaluated take less time"
        );

        // Another num_ctx reloads the runner: the cache is gone.
        let before = cached(&sim);
        let mut reload = follow.clone();
        reload["options"] = json!({"num_ctx": 8192});
        let reloaded = post_json(&sim, "/api/chat", reload).await;
        assert_eq!(cached(&sim), before);
        assert_eq!(duration(&reloaded), duration(&cold));

        // An identical generate prompt: everything but the last token comes from the cache.
        let generate = json!({"model": "qwen2.5:7b", "stream": false, "prompt": system});
        let g1 = post_json(&sim, "/api/generate", generate.clone()).await;
        let before = cached(&sim);
        let g2 = post_json(&sim, "/api/generate", generate).await;
        assert!(count(&g1) > 250);
        assert_eq!(count(&g2), count(&g1));
        assert_eq!(cached(&sim) - before, count(&g1) - 1);
        assert!(duration(&g2) < duration(&g1) / 100);
    })
    .await;
}

/// The cache works on tokens, not messages: an edited last message re-evaluates from its first
/// changed token, and a changed system prompt from the change on.
#[tokio::test]
async fn an_edited_prompt_reuses_the_tokens_before_the_first_change() {
    within(async {
        let sim = fast_sim().await;
        let system = "You are a careful coding assistant. ".repeat(40);
        let question = "Explain this log line by line:\n".to_owned()
            + &"2026-12-04T08:13:23Z INFO pipeline: stream took=714.6ms status=400\n".repeat(30);
        let ask = |system: &str, question: &str| {
            json!({"model": "qwen2.5:7b", "stream": false, "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": question}]})
        };
        let full = count(&post_json(&sim, "/api/chat", ask(&system, &question)).await);
        let system_tokens =
            ollama_sim::sim::tokens::message_tokens(&ollama_sim::sim::tokens::ChatPart {
                role: "system",
                content: &system,
                ..Default::default()
            });
        // The user adds a sentence at the end of the same message and sends it again.
        let before = cached(&sim);
        let edited = question.clone() + "Which requests failed?";
        post_json(&sim, "/api/chat", ask(&system, &edited)).await;
        let reused = cached(&sim) - before;
        assert!(
            reused > system_tokens + (full - system_tokens) * 9 / 10 && reused < full,
            "reused {reused} of {full} (system {system_tokens})"
        );
        // A system prompt changed near its start: almost nothing is reused.
        let before = cached(&sim);
        let changed = system.replacen("careful", "terse", 1);
        post_json(&sim, "/api/chat", ask(&changed, &edited)).await;
        let reused = cached(&sim) - before;
        assert!(reused < 10, "reused {reused}");
    })
    .await;
}

/// Two alternating conversations each find their own history: with two slots
/// (`OLLAMA_NUM_PARALLEL=2`) the runner picks the free slot with the longest common prefix; with
/// one (Ollama's default) llama-server saves the overwritten slot in host memory and restores it.
#[tokio::test]
async fn alternating_conversations_keep_their_caches() {
    for num_parallel in [1, 2] {
        alternate(num_parallel).await;
    }
}

async fn alternate(num_parallel: u32) {
    within(async {
        let sim = spawn(SimConfig {
            fast: true,
            num_parallel,
            ..SimConfig::default()
        })
        .await
        .expect("sim binds");
        let conversation = |topic: &str, turns: usize| {
            let mut messages = vec![json!({"role": "system",
                "content": format!("You answer questions about {topic}. ").repeat(30)})];
            for turn in 0..turns {
                messages
                    .push(json!({"role": "user", "content": format!("{topic} question {turn}")}));
                messages.push(
                    json!({"role": "assistant", "content": format!("{topic} answer {turn}")}),
                );
            }
            messages.pop();
            json!({"model": "qwen2.5:7b", "stream": false, "messages": messages})
        };
        for turns in 1..4 {
            for topic in ["Rust lifetimes", "SQL joins"] {
                let before = cached(&sim);
                let body = conversation(topic, turns);
                let reply = post_json(&sim, "/api/chat", body).await;
                let reused = cached(&sim) - before;
                if turns > 1 {
                    // All but the newest user turn and the assistant turn before it.
                    assert!(
                        reused + 40 > count(&reply),
                        "np {num_parallel}, {topic} turn {turns}: {reused}"
                    );
                }
            }
        }
    })
    .await;
}

/// An idle runner unloads when its keep-alive runs out.
#[tokio::test]
async fn keep_alive_expires() {
    within(async {
        let sim = fast_sim().await;
        let mut body = chat("llama3.2:latest", "hi");
        body["stream"] = json!(false);
        body["keep_alive"] = json!("1s");
        post_json(&sim, "/api/chat", body).await;
        assert_eq!(ps(&sim).await.len(), 1);
        while !ps(&sim).await.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

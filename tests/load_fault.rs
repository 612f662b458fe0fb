//! Load and faults over real HTTP, with the simulated Ollama in its own process so it can be
//! killed like a crashed Ollama:
//!
//! 1. Many concurrent streams (one of them a slow reader) while idle sockets sit on the router:
//!    every answer equals, byte for byte, the same request sent straight to the sim (the sim's
//!    wall-clock fields, `created_at` and the `*_duration`s, are masked).
//! 2. Ollama killed mid-run: every client, in each dialect, gets that dialect's error and the
//!    stream ends; nobody hangs.
//! 3. Ollama restarted on the same port: normal service, byte-exact again, and everything the
//!    requests held (slots, body bytes, open streams, memory) is given back.
//!
//! `cargo test` runs a short variant; `tests/load/fault.sh` runs the full one (200 streams)
//! with `LOAD_FAULT_FULL=1` in release mode and prints the numbers.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_ollama-router");

struct Scale {
    streams: usize,
    fault_streams: usize,
    idle_sockets: usize,
}

fn scale() -> Scale {
    if std::env::var_os("LOAD_FAULT_FULL").is_some() {
        Scale {
            streams: 200,
            fault_streams: 60,
            idle_sockets: 300,
        }
    } else {
        Scale {
            streams: 40,
            fault_streams: 12,
            idle_sockets: 40,
        }
    }
}

/// A simulated Ollama in a child process (`ollama-router sim`), killed when dropped.
struct SimProcess(Child);

impl SimProcess {
    async fn start(addr: SocketAddr, fast: bool) -> SimProcess {
        let mut cmd = Command::new(BIN);
        cmd.args(["sim", "--listen", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if fast {
            cmd.arg("--fast");
        }
        // Owned at once, so a panic below still kills and reaps it.
        let process = SimProcess(cmd.spawn().expect("start the sim process"));
        let url = format!("http://{addr}/api/version");
        for _ in 0..500 {
            if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
                return process;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the sim process did not come up on {addr}");
    }

    /// SIGKILL, like a crashed Ollama: every connection is cut at once.
    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    l.local_addr().expect("address")
}

/// Resident memory of this process (router, clients; the sim runs elsewhere).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// The sim's clock readings masked; everything else must be equal byte for byte.
fn mask_clock(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let created = regex::Regex::new(r#""created_at":"[^"]*""#).unwrap();
    let durations = regex::Regex::new(r#""(total|load|prompt_eval|eval)_duration":\d+"#).unwrap();
    // The second of two identical prompts hits Ollama's prompt cache (the referee has one), so
    // how many prompt tokens were evaluated depends on which copy came first, not on the relay.
    let evaluated = regex::Regex::new(r#""prompt_eval_count":\d+"#).unwrap();
    let text = created.replace_all(&text, r#""created_at":"T""#);
    let text = durations.replace_all(&text, r#""${1}_duration":0"#);
    evaluated
        .replace_all(&text, r#""prompt_eval_count":0"#)
        .into_owned()
}

fn native_request(i: usize) -> Value {
    json!({
        "model": "auto",
        "stream": true,
        "messages": [{"role": "user", "content": format!("request {i}: explain lifetimes in a sentence or two")}],
    })
}

/// Sends to the router, reads the stream (slowly when asked), then sends the routed request
/// straight to the sim and returns both bodies, masked.
async fn compare_one(
    router: SocketAddr,
    sim: SocketAddr,
    i: usize,
    slow: bool,
) -> (String, String) {
    let client = reqwest::Client::new();
    let body = native_request(i);
    let r = client
        .post(format!("http://{router}/api/chat"))
        .json(&body)
        .send()
        .await
        .expect("router answers");
    assert_eq!(r.status(), 200, "request {i}");
    let model = r.headers()["x-router-model"].to_str().unwrap().to_string();
    let num_ctx: u64 = r.headers()["x-router-num-ctx"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut via = Vec::new();
    let mut stream = r.bytes_stream();
    while let Some(chunk) = stream.next().await {
        via.extend_from_slice(&chunk.expect("stream chunk"));
        if slow {
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    let mut direct_body = body.clone();
    direct_body["model"] = json!(model);
    direct_body["options"] = json!({ "num_ctx": num_ctx });
    let direct = client
        .post(format!("http://{sim}/api/chat"))
        .json(&direct_body)
        .send()
        .await
        .expect("sim answers")
        .bytes()
        .await
        .expect("sim body");
    (mask_clock(&via), mask_clock(&direct))
}

async fn fidelity_round(router: SocketAddr, sim: SocketAddr, n: usize, offset: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| tokio::spawn(compare_one(router, sim, offset + i, i == 0)))
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        let (via, direct) = t.await.expect("client task");
        assert!(
            via.contains("\"done\":true"),
            "request {i} incomplete: {via}"
        );
        assert_eq!(via, direct, "request {i}: router and sim answers differ");
    }
}

/// How a faulted request ended, judged in its dialect.
#[derive(Debug, PartialEq)]
enum Ending {
    /// Finished normally before the kill.
    Complete,
    /// Not answered yet when Ollama died: an error status with the dialect's error body.
    ErrorBeforeAnswer,
    /// Cut mid-stream: the stream's own error line (native), frame (OpenAI) or event (Anthropic).
    ErrorMidStream,
}

async fn faulted(
    router: SocketAddr,
    dialect: usize,
    i: usize,
    first_byte: tokio::sync::mpsc::Sender<()>,
) -> Ending {
    let client = reqwest::Client::new();
    let text = format!("fault {i}: write a long story about compilers");
    let (path, body) = match dialect {
        0 => ("/api/chat", native_request(i)),
        1 => (
            "/v1/chat/completions",
            json!({"model":"auto","stream":true,"messages":[{"role":"user","content":text}]}),
        ),
        _ => (
            "/v1/messages",
            json!({"model":"claude-sonnet-4-5","max_tokens":512,"stream":true,"messages":[{"role":"user","content":text}]}),
        ),
    };
    let r = client
        .post(format!("http://{router}{path}"))
        .json(&body)
        .send()
        .await
        .expect("the router answers even when Ollama dies");
    let status = r.status();
    let mut out = Vec::new();
    let mut stream = r.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if dialect == 0 && !chunk.is_empty() {
            let _ = first_byte.try_send(());
        }
        out.extend_from_slice(&chunk);
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    if !status.is_success() {
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} {status}: {e}: {text}"));
        let ok = match dialect {
            0 => v["error"].is_string(),
            1 => v["error"]["message"].is_string(),
            _ => v["type"] == "error" && v["error"]["message"].is_string(),
        };
        assert!(ok, "{path} {status} is not the dialect's error: {text}");
        return Ending::ErrorBeforeAnswer;
    }
    match dialect {
        0 => {
            let last = text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
            let v: Value =
                serde_json::from_str(last).unwrap_or_else(|e| panic!("{path}: {e}: {last}"));
            if v["error"].is_string() {
                Ending::ErrorMidStream
            } else {
                assert_eq!(
                    v["done"], true,
                    "{path} ended without done or error: {text}"
                );
                Ending::Complete
            }
        }
        1 => {
            if text.contains("data: [DONE]") && !text.contains("\"error\"") {
                Ending::Complete
            } else {
                assert!(
                    text.contains("data: {\"error\""),
                    "{path} ended without an error frame: {text}"
                );
                Ending::ErrorMidStream
            }
        }
        _ => {
            if text.contains("event: message_stop") {
                Ending::Complete
            } else {
                assert!(
                    text.contains("event: error"),
                    "{path} ended without an error event: {text}"
                );
                Ending::ErrorMidStream
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streams_survive_load_and_an_ollama_crash() {
    let scale = scale();
    let sim_addr = free_port();
    let sim = SimProcess::start(sim_addr, true).await;
    let toml = format!(
        "[gpu]\nsource = \"sim\"\n[upstream]\nurl = \"http://{sim_addr}\"\n[limits]\nmax_connections = {}\nidle_connection_timeout = \"2s\"\nheader_read_timeout = \"1s\"\n",
        scale.streams + scale.idle_sockets / 2
    );
    let env = common::RouterOnly::start(&toml).await;
    let router = env.addr;

    // Warm up (models loaded, pools filled), then take the idle baseline.
    fidelity_round(router, sim_addr, 4, 10_000).await;
    let idle_rss = rss_bytes();

    // 1. Load, with idle sockets holding part of the connection budget.
    let mut idle = Vec::new();
    for _ in 0..scale.idle_sockets {
        idle.push(TcpStream::connect(router).await.expect("idle socket"));
    }
    tokio::time::timeout(
        Duration::from_secs(120),
        fidelity_round(router, sim_addr, scale.streams, 0),
    )
    .await
    .expect("the load round finished");
    drop(idle);
    let loaded_rss = rss_bytes();

    // 2. Ollama crashes mid-run. A slow sim, so streams are in flight when it dies.
    sim.kill();
    let slow = SimProcess::start(sim_addr, false).await;
    let (tx, mut first_byte) = tokio::sync::mpsc::channel(scale.fault_streams);
    let clients: Vec<_> = (0..scale.fault_streams)
        .map(|i| tokio::spawn(faulted(router, i % 3, i, tx.clone())))
        .collect();
    tokio::time::timeout(Duration::from_secs(120), first_byte.recv())
        .await
        .expect("a stream started");
    slow.kill();
    let (mut before, mut mid) = (0, 0);
    for c in clients {
        let ending = tokio::time::timeout(Duration::from_secs(60), c)
            .await
            .expect("no client hangs after Ollama dies")
            .expect("client task");
        match ending {
            Ending::ErrorBeforeAnswer => before += 1,
            Ending::ErrorMidStream => mid += 1,
            Ending::Complete => {}
        }
    }
    assert!(
        mid > 0,
        "a stream was running when Ollama died: it must end with an error"
    );
    let errors = before + mid;

    // 3. Ollama is back: normal, byte-exact service.
    let sim = SimProcess::start(sim_addr, true).await;
    tokio::time::timeout(
        Duration::from_secs(120),
        fidelity_round(router, sim_addr, scale.streams / 2, 20_000),
    )
    .await
    .expect("service after the restart");
    drop(sim);

    // Everything held was given back.
    let budgets = env.state.budgets();
    assert_eq!(budgets.requests_in_flight(), 0);
    assert_eq!(budgets.body_bytes_in_flight(), 0);
    assert_eq!(env.state.metrics().streams_in_flight.get(), 0);
    let end_rss = rss_bytes();
    eprintln!(
        "load_fault: {} streams byte-exact; Ollama killed: {} of {} requests got their dialect's error ({} mid-stream, {} before an answer); RSS idle {} MiB, after load {} MiB, at end {} MiB",
        scale.streams,
        errors,
        scale.fault_streams,
        mid,
        before,
        idle_rss >> 20,
        loaded_rss >> 20,
        end_rss >> 20
    );
    assert!(
        end_rss <= idle_rss + (64 << 20),
        "memory did not return near idle: {} MiB → {} MiB",
        idle_rss >> 20,
        end_rss >> 20
    );
}

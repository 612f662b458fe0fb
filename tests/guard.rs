//! The request guard over real HTTP: Host and Origin checks, CORS preflight, browser bodies,
//! tokens, pass-through paths, request and body-byte caps, header/idle deadlines, the
//! connection cap, and health telling a hung Ollama from a refused one. Each refusal is checked
//! in the caller's dialect, and for the dangerous ones that Ollama saw nothing.

mod common;

use std::time::Duration;

use common::{TestEnv, fast_sim, within};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "test-token-0123456789";

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// One request per dialect with a body that would be served if let through.
fn dialect_requests() -> Vec<(&'static str, Value)> {
    vec![
        (
            "/api/chat",
            json!({"model":"auto","stream":false,"messages":[{"role":"user","content":"hi"}]}),
        ),
        (
            "/v1/chat/completions",
            json!({"model":"auto","messages":[{"role":"user","content":"hi"}]}),
        ),
        (
            "/v1/messages",
            json!({"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}),
        ),
    ]
}

/// The error text of a body in any dialect's shape; panics if the shape is not the path's.
fn dialect_error(path: &str, body: &Value) -> String {
    if path == "/v1/messages" {
        assert_eq!(body["type"], "error", "anthropic shape: {body}");
        body["error"]["message"]
            .as_str()
            .expect("message")
            .to_string()
    } else if path.starts_with("/v1/") {
        assert!(body["error"]["type"].is_string(), "openai shape: {body}");
        body["error"]["message"]
            .as_str()
            .expect("message")
            .to_string()
    } else {
        body["error"].as_str().expect("native shape").to_string()
    }
}

/// Sends raw bytes and reads the whole answer (the server closes or the answer ends).
async fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                if out.windows(4).any(|w| w == b"\r\n\r\n") && complete(&out) {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response with a Content-Length whose body has fully arrived.
fn complete(out: &[u8]) -> bool {
    let text = String::from_utf8_lossy(out);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .is_some_and(|n| body.len() >= n)
}

async fn installed(env: &TestEnv) -> Vec<String> {
    let tags: Value = client()
        .get(env.sim_url("/api/tags"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tags["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn foreign_host_is_refused_in_each_dialect_and_reaches_nothing() {
    within(async {
        let env = TestEnv::start().await;
        for (path, body) in dialect_requests() {
            let r = client()
                .post(env.url(path))
                .header("host", "attacker.example:11435")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{path}");
            let text = dialect_error(path, &r.json().await.unwrap());
            assert!(text.contains("attacker.example"), "{text}");
        }
        // The measured attack: a rebinding page copying a model through pass-through.
        let before = installed(&env).await;
        let r = client()
            .post(env.url("/api/copy"))
            .header("host", "attacker.example")
            .json(&json!({"source":"qwen3:8b","destination":"pwned:latest"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(
            installed(&env).await,
            before,
            "Ollama must not have been touched"
        );
        assert!(env.sim_requests().await.is_empty());
        // Loopback names and addresses still work.
        for host in ["localhost:11435", "127.0.0.1", "[::1]:1"] {
            let r = client()
                .get(env.url("/api/version"))
                .header("host", host)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{host}");
        }
    })
    .await;
}

#[tokio::test]
async fn configured_host_is_accepted() {
    within(async {
        let env = TestEnv::with(fast_sim(), "[auth]\nallowed_hosts = [\"router.lan\"]\n").await;
        let r = client()
            .get(env.url("/api/version"))
            .header("host", "router.lan:11435")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn origins_follow_ollamas_list_with_preflight() {
    within(async {
        let env = TestEnv::with(
            fast_sim(),
            "[auth]\nallowed_origins = [\"https://*.example.org\"]\n",
        )
        .await;
        // A foreign page: refused in the dialect's shape, Ollama untouched.
        for (path, body) in dialect_requests() {
            let r = client()
                .post(env.url(path))
                .header("origin", "https://evil.example")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{path}");
            assert!(r.headers().get("access-control-allow-origin").is_none());
            dialect_error(path, &r.json().await.unwrap());
        }
        assert!(env.sim_requests().await.is_empty());
        // Preflight from an allowed origin: 204 with the CORS answer, nothing forwarded.
        for origin in [
            "http://localhost:5173",
            "https://chat.example.org",
            "vscode-webview://x",
        ] {
            let r = client()
                .request(reqwest::Method::OPTIONS, env.url("/v1/chat/completions"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type",
                )
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204, "{origin}");
            let h = r.headers();
            assert_eq!(h["access-control-allow-origin"], origin);
            assert!(
                h["access-control-allow-methods"]
                    .to_str()
                    .unwrap()
                    .contains("POST")
            );
            assert!(
                h["access-control-allow-headers"]
                    .to_str()
                    .unwrap()
                    .contains("Authorization")
            );
            assert_eq!(h["access-control-max-age"], "43200");
        }
        // Preflight from a foreign origin is refused.
        let r = client()
            .request(reqwest::Method::OPTIONS, env.url("/api/chat"))
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // An allowed page's real request is served and may read the answer and its headers.
        let r = client()
            .post(env.url("/api/chat"))
            .header("origin", "http://localhost:5173")
            .json(&dialect_requests()[0].1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "http://localhost:5173"
        );
        assert!(
            r.headers()["access-control-expose-headers"]
                .to_str()
                .unwrap()
                .contains("X-Router-Model")
        );
    })
    .await;
}

#[tokio::test]
async fn browser_form_and_text_bodies_are_refused() {
    within(async {
        let env = TestEnv::start().await;
        let body = dialect_requests()[0].1.to_string();
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            for (path, _) in dialect_requests() {
                let r = client()
                    .post(env.url(path))
                    .header("origin", "http://localhost:3000")
                    .header("content-type", ct)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 415, "{path} {ct}");
                dialect_error(path, &r.json().await.unwrap());
            }
        }
        assert!(env.sim_requests().await.is_empty());
        // `curl -d` (form content type, no browser marks) keeps working.
        let r = client()
            .post(env.url("/api/chat"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn tokens_are_required_checked_and_never_forwarded_or_shown() {
    within(async {
        let toml = format!("[auth]\ntokens = [\"{TOKEN}\"]\n");
        let env = TestEnv::with(fast_sim(), &toml).await;
        for (path, body) in dialect_requests() {
            for bad in [
                None,
                Some("wrong-token-xxxxxxxx"),
                Some(&TOKEN[..TOKEN.len() - 1]),
            ] {
                let mut req = client().post(env.url(path)).json(&body);
                if let Some(t) = bad {
                    req = req.bearer_auth(t);
                }
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), 401, "{path} {bad:?}");
                assert_eq!(r.headers()["www-authenticate"], "Bearer");
                dialect_error(path, &r.json().await.unwrap());
            }
            let r = client()
                .post(env.url(path))
                .bearer_auth(TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} with Bearer");
            let r = client()
                .post(env.url(path))
                .header("x-api-key", TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} with x-api-key");
        }
        // Admin endpoints too.
        let r = client()
            .post(env.url("/router/refresh"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        // The effective config never shows the token.
        let config = client()
            .get(env.url("/router/config"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!config.contains(TOKEN), "{config}");
        assert!(config.contains("<redacted>"));
        assert!(!format!("{:?}", env.state.settings().config).contains(TOKEN));
    })
    .await;
}

#[tokio::test]
async fn the_token_does_not_travel_upstream() {
    within(async {
        // A fake Ollama that records the request head it gets.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let n = s.read(&mut buf).await.unwrap();
            let reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
            s.write_all(reply.as_bytes()).await.unwrap();
            String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase()
        });
        let sim = ollama_sim::sim::spawn(fast_sim()).await.unwrap();
        let mut config = ollama_router::config::from_toml_str(&format!(
            "[auth]\ntokens = [\"{TOKEN}\"]\n[gpu]\nsource = \"static\"\n"
        ))
        .unwrap();
        config.upstream.url = format!("http://{addr}");
        let settings = ollama_router::config::Settings::compile(config, None).unwrap();
        let state = ollama_router::AppState::for_settings(settings).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let router = listener.local_addr().unwrap();
        let app = ollama_router::app(state);
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let r = client()
            .get(format!("http://{router}/api/ps"))
            .bearer_auth(TOKEN)
            .header("x-api-key", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let head = seen.await.unwrap();
        assert!(head.starts_with("get /api/ps"), "{head}");
        assert!(!head.contains(&TOKEN.to_ascii_lowercase()), "{head}");
        assert!(!head.contains("authorization"), "{head}");
        server.abort();
        drop(sim);
    })
    .await;
}

#[tokio::test]
async fn loopback_clients_may_skip_the_token_for_models_only() {
    within(async {
        let toml = format!("[auth]\ntokens = [\"{TOKEN}\"]\nloopback_without_token = true\n");
        let env = TestEnv::with(fast_sim(), &toml).await;
        for (path, body) in dialect_requests() {
            let r = client()
                .post(env.url(path))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
        }
        // State-changing endpoints still need it.
        for (method, path) in [
            (reqwest::Method::POST, "/router/refresh"),
            (reqwest::Method::GET, "/router/config"),
            (reqwest::Method::POST, "/api/copy"),
            (reqwest::Method::DELETE, "/api/delete"),
            (reqwest::Method::POST, "/api/pull"),
        ] {
            let r = client()
                .request(method.clone(), env.url(path))
                .json(&json!({"model":"qwen3:8b","source":"qwen3:8b","destination":"x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{method} {path}");
        }
        let r = client()
            .post(env.url("/router/refresh"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    })
    .await;
}

#[test]
fn an_open_port_without_tokens_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = |toml: &str, cmd: &str| {
        let path = dir.path().join("router.toml");
        std::fs::write(&path, toml).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_ollama-router"))
            .arg(cmd)
            .arg("--config")
            .arg(&path)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .unwrap()
    };
    for cmd in ["check", "serve"] {
        let out = run("listen = \"0.0.0.0:0\"\n", cmd);
        assert_eq!(out.status.code(), Some(78), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("auth.tokens"), "{cmd}: {err}");
    }
    let out = run(
        "listen = \"0.0.0.0:0\"\n[auth]\nallow_unauthenticated_remote = true\n",
        "check",
    );
    assert_eq!(out.status.code(), Some(0));
    let out = run(
        &format!("listen = \"0.0.0.0:0\"\n[auth]\ntokens = [\"{TOKEN}\"]\n"),
        "check",
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(TOKEN),
        "check must not print the token: {stdout}"
    );
    // Limits that would make a legal request impossible are refused too.
    let out = run(
        "[upstream]\nbody_limit = \"64MiB\"\n[limits]\nmax_body_bytes_in_flight = \"1MiB\"\n",
        "check",
    );
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limits.max_body_bytes_in_flight"));
}

#[tokio::test]
async fn dot_segments_are_refused_not_resolved() {
    within(async {
        let env = TestEnv::start().await;
        for path in [
            "/api/../sim/reset",
            "/api/%2e%2e/sim/reset",
            "/./sim/reset",
        ] {
            let answer = raw(
                env.router_addr,
                &format!("POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
            )
            .await;
            assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
            assert!(answer.contains("path refused"), "{path}: {answer}");
        }
        // Nothing reached the sim's control endpoints: its request log is intact.
        let r = client()
            .post(env.url("/api/chat"))
            .json(&dialect_requests()[0].1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let answer = raw(
            env.router_addr,
            "POST /api/%2e%2e/sim/reset HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 400"));
        assert_eq!(env.sim_requests().await.len(), 1, "the sim was not reset");
    })
    .await;
}

/// An Ollama that accepts connections and never answers.
async fn hung_upstream() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    (addr, task)
}

/// A router (our serve loop) in front of `upstream`, configured by `toml`.
async fn router_for(
    upstream: &str,
    toml: &str,
) -> (
    std::net::SocketAddr,
    ollama_router::AppState,
    common::RouterOnly,
) {
    let toml = format!("{toml}\n[gpu]\nsource = \"static\"\n");
    let mut config = ollama_router::config::from_toml_str(&toml).unwrap();
    config.upstream.url = upstream.to_string();
    let text = toml::to_string(&config).unwrap();
    let env = common::RouterOnly::start(&text).await;
    (env.addr, env.state.clone(), env)
}

#[tokio::test]
async fn full_router_answers_503_with_retry_after_in_each_dialect() {
    within(async {
        let (hung, _h) = hung_upstream().await;
        let (addr, state, _t) = router_for(
            &format!("http://{hung}"),
            "[limits]\nmax_concurrent_requests = 2\nretry_after = \"3s\"\n",
        )
        .await;
        let url = |p: &str| format!("http://{addr}{p}");
        // Two requests stuck waiting on the hung Ollama hold both slots.
        let mut stuck = Vec::new();
        for _ in 0..2 {
            let req = client().get(url("/api/ps"));
            stuck.push(tokio::spawn(req.send()));
        }
        while state.budgets().requests_in_flight() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for (path, body) in dialect_requests() {
            let r = client().post(url(path)).json(&body).send().await.unwrap();
            // Anthropic's own "overloaded" status, which its SDKs retry.
            let busy = if path == "/v1/messages" { 529 } else { 503 };
            assert_eq!(r.status(), busy, "{path}");
            assert_eq!(r.headers()["retry-after"], "3");
            let text = dialect_error(path, &r.json().await.unwrap());
            assert!(text.contains("max_concurrent_requests"), "{text}");
        }
        // Monitoring still answers, and says which way Ollama is broken.
        let health: Value = client()
            .get(url("/router/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["upstream_state"], "hung", "{health}");
        assert_eq!(health["requests_in_flight"], 2);
        // A client giving up frees its slot.
        for s in stuck {
            s.abort();
        }
        loop {
            let r = client().get(url("/router/decisions")).send().await.unwrap();
            if r.status() == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn health_tells_refused_from_hung() {
    within(async {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let (addr, _state, _t) = router_for(&format!("http://{closed}"), "").await;
        let health: Value = client()
            .get(format!("http://{addr}/router/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["upstream_state"], "refused", "{health}");
        let sim = ollama_sim::sim::spawn(fast_sim()).await.unwrap();
        let (addr, _state, _t) = router_for(&sim.url(), "").await;
        let health: Value = client()
            .get(format!("http://{addr}/router/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["upstream_state"], "ok", "{health}");
    })
    .await;
}

#[tokio::test]
async fn body_bytes_in_flight_are_capped() {
    within(async {
        let sim = ollama_sim::sim::spawn(fast_sim()).await.unwrap();
        let (addr, state, _t) = router_for(
            &sim.url(),
            "[upstream]\nbody_limit = \"1MiB\"\n[limits]\nmax_body_bytes_in_flight = \"1MiB\"\nidle_connection_timeout = \"30s\"\n",
        )
        .await;
        // A client announces a 1 MiB body and sends only part of it: the bytes are reserved.
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(
            b"POST /api/chat HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1048576\r\n\r\n{\"model\":",
        )
        .await
        .unwrap();
        while state.budgets().body_bytes_in_flight() < 1_048_576 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for (path, body) in dialect_requests() {
            let r = client()
                .post(format!("http://{addr}{path}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let busy = if path == "/v1/messages" { 529 } else { 503 };
            assert_eq!(r.status(), busy, "{path}");
            assert!(r.headers().contains_key("retry-after"));
            let text = dialect_error(path, &r.json().await.unwrap());
            assert!(text.contains("max_body_bytes_in_flight"), "{text}");
        }
        // The client hangs up: its bytes come back and requests are served again.
        drop(slow);
        while state.budgets().body_bytes_in_flight() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let r = client()
            .post(format!("http://{addr}/api/chat"))
            .json(&dialect_requests()[0].1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(state.budgets().body_bytes_in_flight(), 0);
    })
    .await;
}

#[tokio::test]
async fn slow_headers_idle_sockets_and_stalled_bodies_are_closed() {
    within(async {
        let sim = ollama_sim::sim::spawn(fast_sim()).await.unwrap();
        let (addr, _state, _t) = router_for(
            &sim.url(),
            "[limits]\nmax_connections = 4\nheader_read_timeout = \"1s\"\nidle_connection_timeout = \"2s\"\n",
        )
        .await;
        // Four sockets take every connection slot: two never speak, one sends half a head,
        // one sends a head and a third of its body.
        let mut silent = Vec::new();
        for _ in 0..2 {
            silent.push(TcpStream::connect(addr).await.unwrap());
        }
        let mut half_head = TcpStream::connect(addr).await.unwrap();
        half_head
            .write_all(b"GET /api/version HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
            .await
            .unwrap();
        let mut stalled = TcpStream::connect(addr).await.unwrap();
        stalled
            .write_all(b"POST /api/chat HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 30\r\n\r\n{\"model\":")
            .await
            .unwrap();
        // A fifth client is served once the router has shed them (it waits in the backlog).
        let r = client()
            .get(format!("http://{addr}/api/version"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Each was closed by the router, not by us.
        for mut s in silent.into_iter().chain([half_head]) {
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).await.unwrap_or(0);
            assert_eq!(n, 0, "closed without an answer");
        }
        let mut answer = Vec::new();
        let _ = stalled.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("stalled"), "{answer}");
    })
    .await;
}

#[tokio::test]
async fn keep_alive_connections_serve_many_requests() {
    within(async {
        let sim = ollama_sim::sim::spawn(fast_sim()).await.unwrap();
        let (addr, _state, _t) = router_for(&sim.url(), "").await;
        let c = client();
        for _ in 0..20 {
            let r = c
                .post(format!("http://{addr}/api/chat"))
                .json(&dialect_requests()[0].1)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn a_model_missing_upstream_falls_to_the_next_candidate() {
    within(async {
        let env = TestEnv::start().await;
        let chat = |model: &str| {
            json!({"model": model, "stream": false, "messages": [{"role": "user", "content": "hi"}]})
        };
        // Which model does the router pick for this request while Ollama has everything?
        let r = client().post(env.url("/api/chat")).json(&chat("auto")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let first = r.headers()["x-router-model"].to_str().unwrap().to_string();
        // Ollama loses it (deleted behind the router's back, before the next poll).
        let r = client()
            .delete(env.sim_url("/api/delete"))
            .json(&json!({"model": first}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // A client that named the model itself gets Ollama's own 404: it is not swapped.
        let r = client().post(env.url("/api/chat")).json(&chat(&first)).send().await.unwrap();
        assert_eq!(r.status(), 404, "an explicitly named model is not replaced");
        // A routed request is served by the next candidate, and the decision says why.
        let r = client().post(env.url("/api/chat")).json(&chat("auto")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let next = r.headers()["x-router-model"].to_str().unwrap().to_string();
        assert_ne!(next, first);
        let reason = r.headers()["x-router-reason"].to_str().unwrap().to_string();
        assert!(reason.contains(&first) && reason.contains("not found in Ollama"), "{reason}");
        let decisions: Value = client()
            .get(env.url("/router/decisions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let last = decisions
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["decision"]["model"] == next.as_str())
            .expect("the served decision is logged")
            .clone();
        assert_eq!(last["decision"]["rejected"][0]["model"], first.as_str(), "{last}");
    })
    .await;
}

#[tokio::test]
async fn a_model_missing_upstream_falls_to_the_next_candidate_for_openai_clients() {
    within(async {
        let env = TestEnv::start().await;
        let body = json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}]});
        let url = env.url("/v1/chat/completions");
        let r = client().post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let first = r.headers()["x-router-model"].to_str().unwrap().to_string();
        client()
            .delete(env.sim_url("/api/delete"))
            .json(&json!({"model": first}))
            .send()
            .await
            .unwrap();
        let r = client().post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_ne!(r.headers()["x-router-model"].to_str().unwrap(), first);
        let reason = r.headers()["x-router-reason"].to_str().unwrap();
        assert!(reason.contains("not found in Ollama"), "{reason}");
        let v: Value = r.json().await.unwrap();
        assert!(v["choices"][0]["message"]["content"].is_string(), "{v}");
    })
    .await;
}

#[tokio::test]
async fn a_keep_alive_connection_is_closed_once_idle() {
    within(async {
        let sim = ollama_sim::sim::spawn(fast_sim()).await.unwrap();
        let (addr, _state, _t) = router_for(
            &sim.url(),
            "[limits]\nidle_connection_timeout = \"1s\"\nheader_read_timeout = \"1s\"\n",
        )
        .await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        // Two requests on one connection, then silence.
        for _ in 0..2 {
            s.write_all(b"GET /api/version HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
                .await
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !complete(&got) {
                let n = s.read(&mut buf).await.unwrap();
                assert!(n > 0, "the connection stays open while in use");
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got.starts_with(b"HTTP/1.1 200"));
        }
        // The router, not the client, ends the idle connection.
        let mut buf = [0u8; 64];
        assert_eq!(s.read(&mut buf).await.unwrap_or(0), 0);
    })
    .await;
}

#[tokio::test]
async fn a_model_missing_upstream_falls_to_the_next_candidate_for_anthropic_clients() {
    within(async {
        for stream in [false, true] {
            let env = TestEnv::start().await;
            let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": stream,
                "messages": [{"role": "user", "content": "hi"}]});
            let url = env.url("/v1/messages");
            let r = client().post(&url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let first = r.headers()["x-router-model"].to_str().unwrap().to_string();
            r.bytes().await.unwrap();
            client()
                .delete(env.sim_url("/api/delete"))
                .json(&json!({"model": first}))
                .send()
                .await
                .unwrap();
            let r = client().post(&url).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 200, "stream: {stream}");
            let served = r.headers()["x-router-model"].to_str().unwrap().to_string();
            assert_ne!(served, first, "stream: {stream}");
            assert_eq!(r.headers().get_all("x-router-model").iter().count(), 1);
            let reason = r.headers()["x-router-reason"].to_str().unwrap().to_string();
            assert!(reason.contains("not found in Ollama"), "{reason}");
            let text = r.text().await.unwrap();
            if stream {
                assert!(text.contains("event: message_stop"), "{text}");
                assert!(
                    text.contains(&served),
                    "message_start names the model that served"
                );
            } else {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["type"], "message", "{v}");
            }
        }
    })
    .await;
}

/// Too many request headers, or too large ones, answer 431 with a body in the caller's dialect
/// (hyper's own answer, before any handler, is an empty 431), and Ollama sees nothing.
#[tokio::test]
async fn too_many_or_too_large_headers_are_a_431_with_a_dialect_body() {
    within(async {
        let env = TestEnv::start().await;
        let before = env.sim_requests().await.len();
        let many: String = (0..200).map(|i| format!("X-Filler-{i}: {i}\r\n")).collect();
        let large = format!("X-Large: {}\r\n", "a".repeat(100 * 1024));
        for (path, body) in dialect_requests() {
            for (what, extra) in [("200 headers", &many), ("a 100 KiB header", &large)] {
                let body = body.to_string();
                let request = format!(
                    "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
                    body.len()
                );
                let answer = raw(env.router_addr, &request).await;
                let (head, payload) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
                assert!(head.starts_with("HTTP/1.1 431"), "{path}, {what}: {head}");
                let v: Value = serde_json::from_str(payload)
                    .unwrap_or_else(|e| panic!("{path}, {what}: a JSON body ({e}): {payload:?}"));
                let message = dialect_error(path, &v);
                assert!(message.contains("headers too large"), "{path}, {what}: {v}");
            }
        }
        assert_eq!(
            env.sim_requests().await.len(),
            before,
            "nothing was forwarded"
        );
    })
    .await;
}

//! The operator commands through the real binary: `status` (text, JSON, a dead router), one log
//! line per request (text and `--log-format json`), and `setup` against the simulated Ollama.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{TestEnv, within};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_ollama-router");

/// Runs the binary off the async runtime (the router under test runs on it).
async fn run(args: Vec<String>, env: Vec<(&'static str, String)>, dir: Option<&Path>) -> Output {
    let dir = dir.map(Path::to_path_buf);
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(BIN);
        cmd.args(&args).stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(d) = dir {
            cmd.current_dir(d);
        }
        cmd.output().expect("run ollama-router")
    })
    .await
    .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn chat(url: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/api/chat"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_prints_the_gpu_models_profiles_and_counters() {
    within(async {
        let env = TestEnv::start().await;
        let router = format!("http://{}", env.router_addr);
        let r = chat(
            &router,
            json!({"model": "auto", "stream": false,
                   "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        r.text().await.unwrap();
        env.refresh().await;

        let out = run(
            vec!["status".into(), "--url".into(), router.clone()],
            vec![],
            None,
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let t = text(&out.stdout);
        for needle in [
            "Simulated NVIDIA GeForce RTX 4070",
            "of 12.0 GiB",
            "other programs 0.0 GiB",
            "qwen3:8b",
            "ctx  16384",
            "100% GPU",
            "daily    qwen3:8b",
            "loaded",
            "requests 1 · routed 1 · model loads 1",
        ] {
            assert!(t.contains(needle), "missing `{needle}` in:\n{t}");
        }
        assert!(!t.contains('\u{1b}'), "no colours off a terminal:\n{t}");

        let out = run(
            vec!["status".into(), "--json".into(), "--url".into(), router],
            vec![],
            None,
        )
        .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).expect("status --json prints JSON");
        assert_eq!(v["loaded"][0]["name"], "qwen3:8b");
        assert_eq!(v["counters"]["requests"], 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_fails_clearly_when_the_router_is_down() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let out = run(
        vec!["status".into(), "--url".into(), url.clone()],
        vec![],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot reach the router") && err.contains(&url),
        "{err}"
    );
}

/// Starts `ollama-router serve` in front of `upstream` with extra arguments; returns the child
/// and its URL once it answers.
async fn serve(upstream: &str, extra: &[&str]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(extra)
        .args([
            "--config",
            "/dev/null",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--upstream",
            upstream,
        ])
        .env("OLLAMA_ROUTER_GPU__SOURCE", "sim")
        .env("RUST_LOG", "ollama_router=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if reqwest::get(format!("{url}/router/health")).await.is_ok() {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    panic!("the router did not start:\n{}", text(&out.stderr));
}

async fn stop(mut child: std::process::Child) -> String {
    tokio::task::spawn_blocking(move || {
        let _ = child.kill();
        text(&child.wait_with_output().unwrap().stderr)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_json_log_line_per_request() {
    within(async {
        let sim = ollama_sim::sim::spawn(common::fast_sim()).await.unwrap();
        let (child, url) = serve(&sim.url(), &["--log-format", "json"]).await;
        let r = chat(
            &url,
            json!({"model": "auto", "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        r.text().await.unwrap();
        let r = reqwest::Client::new()
            .post(format!("{url}/v1/chat/completions"))
            .header("x-request-id", "client-chosen-42")
            .json(&json!({"model": "auto:quick", "messages": [{"role": "user", "content": "hi"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["x-request-id"], "client-chosen-42");
        r.text().await.unwrap();
        // Not an inference request: no info line.
        reqwest::get(format!("{url}/api/tags")).await.unwrap();
        let err = stop(child).await;
        let lines: Vec<Value> = err
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["fields"]["message"] == "request")
            .collect();
        assert_eq!(lines.len(), 2, "one line per inference request:\n{err}");
        let f = &lines[0]["fields"];
        assert_eq!(f["request_id"], id.as_str());
        assert_eq!(f["dialect"], "ollama");
        assert_eq!(f["kind"], "daily");
        assert_eq!(f["model"], "qwen3:8b");
        assert_eq!(f["num_ctx"], 16384);
        assert_eq!(f["outcome"], "ok");
        assert!(f["prompt_tokens"].as_u64().unwrap() > 0, "{f}");
        assert!(f["eval_tokens"].as_u64().unwrap() > 0, "{f}");
        assert!(f["ttft_ms"].as_f64().is_some(), "{f}");
        assert!(f["tok_per_s"].as_f64().unwrap() > 0.0, "{f}");
        assert!(f["router_ms"].as_f64().is_some(), "{f}");
        let f = &lines[1]["fields"];
        assert_eq!(f["request_id"], "client-chosen-42");
        assert_eq!(f["dialect"], "openai");
        assert_eq!(f["kind"], "quick");
        // The routing detail is at debug level: the request line is the only info line for it.
        assert!(!err.contains("\"message\":\"routed\""), "{err}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_text_log_line_per_request() {
    within(async {
        let sim = ollama_sim::sim::spawn(common::fast_sim()).await.unwrap();
        let (child, url) = serve(&sim.url(), &[]).await;
        let r = chat(
            &url,
            json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        r.text().await.unwrap();
        let err = stop(child).await;
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(" request ")).collect();
        assert_eq!(lines.len(), 1, "{err}");
        let line = lines[0];
        for needle in [
            &format!("request_id={id}") as &str,
            "dialect=\"ollama\"",
            "model=\"qwen3:8b\"",
            "num_ctx=16384",
            "outcome=ok",
            "tok_per_s=",
            "ttft_ms=",
        ] {
            assert!(line.contains(needle), "missing `{needle}` in {line}");
        }
    })
    .await;
}

async fn sim_models(sim: &str) -> Vec<String> {
    let v: Value = reqwest::get(format!("{sim}/api/tags"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}

async fn delete(sim: &str, model: &str) {
    let r = reqwest::Client::new()
        .delete(format!("{sim}/api/delete"))
        .json(&json!({ "model": model }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "delete {model}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_pulls_missing_models_and_writes_a_starter_config() {
    within(async {
        let sim = ollama_sim::sim::spawn(common::fast_sim()).await.unwrap();
        let sim_url = sim.url();
        delete(&sim_url, "qwen3:14b").await;
        delete(&sim_url, "qwen2.5:7b").await;
        assert!(
            !sim_models(&sim_url)
                .await
                .contains(&"qwen3:14b".to_string())
        );
        // A fresh user: no ./router.toml, an empty config directory.
        let home = tempfile::tempdir().unwrap();
        let xdg = home.path().join("config");
        let env = vec![
            ("HOME", home.path().display().to_string()),
            ("XDG_CONFIG_HOME", xdg.display().to_string()),
        ];
        let args = |extra: &[&str]| {
            let mut a: Vec<String> = vec!["setup".into(), "--upstream".into(), sim_url.clone()];
            a.extend(extra.iter().map(|s| s.to_string()));
            a
        };

        // Without --yes and without a terminal to ask on: the plan only.
        let out = run(args(&[]), env.clone(), Some(home.path())).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let t = text(&out.stdout);
        assert!(
            t.contains("GPU: Simulated NVIDIA GeForce RTX 4070 with 12.0 GiB"),
            "{t}"
        );
        let line = |name: &str| {
            t.lines()
                .find(|l| l.trim_start().starts_with(name))
                .map(str::to_owned)
        };
        let l14 = line("qwen3:14b ").unwrap_or_else(|| panic!("qwen3:14b listed:\n{t}"));
        assert!(
            l14.contains("MISSING") && l14.contains("complex") && l14.contains("GiB"),
            "{l14}"
        );
        assert!(line("qwen3:8b ").unwrap().contains("installed"), "{t}");
        assert!(t.contains("Pull 2 model(s)") && t.contains("--yes"), "{t}");
        assert!(
            !sim_models(&sim_url)
                .await
                .contains(&"qwen3:14b".to_string()),
            "nothing pulled"
        );
        let written = xdg.join("ollama-router/router.toml");
        assert!(written.exists(), "starter config written:\n{t}");
        let starter = std::fs::read_to_string(&written).unwrap();
        assert!(starter.contains("vram_total = \"12GiB\""), "{starter}");
        assert!(
            starter.contains(&format!("url = \"{sim_url}\"")),
            "{starter}"
        );
        let check = run(
            vec![
                "check".into(),
                "--config".into(),
                written.display().to_string(),
            ],
            vec![],
            None,
        )
        .await;
        assert!(
            check.status.success(),
            "the starter config is valid: {}",
            text(&check.stderr)
        );

        // With --yes: both are pulled through /api/pull; the config written above is now the one
        // in use, and it is left as it is.
        let out = run(args(&["--yes"]), env.clone(), Some(home.path())).await;
        let t = text(&out.stdout);
        assert!(out.status.success(), "{t}\n{}", text(&out.stderr));
        assert!(
            t.contains("pulled qwen3:14b") && t.contains("pulled qwen2.5:7b"),
            "{t}"
        );
        assert!(t.contains("Using ") && t.contains("router.toml"), "{t}");
        assert_eq!(std::fs::read_to_string(&written).unwrap(), starter);
        let models = sim_models(&sim_url).await;
        assert!(models.contains(&"qwen3:14b".to_string()), "{models:?}");
        assert!(models.contains(&"qwen2.5:7b".to_string()), "{models:?}");

        // Run again: nothing left to pull.
        let out = run(args(&["--yes"]), env, Some(home.path())).await;
        assert!(
            text(&out.stdout).contains("Ollama has every model the profiles use"),
            "{}",
            text(&out.stdout)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_reports_a_failed_pull() {
    within(async {
        let sim = ollama_sim::sim::spawn(common::fast_sim()).await.unwrap();
        let config = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        std::fs::write(
            config.path(),
            "[profiles.daily]\ncandidates = [\"qwen3:8b\", \"no-such-model:1b\"]\n",
        )
        .unwrap();
        let out = run(
            vec![
                "setup".into(),
                "--yes".into(),
                "--upstream".into(),
                sim.url(),
                "--config".into(),
                config.path().display().to_string(),
            ],
            vec![],
            None,
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(
            err.contains("could not pull no-such-model:1b") && err.contains("file does not exist"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_watch_redraws_until_stopped() {
    within(async {
        let env = TestEnv::start().await;
        let router = format!("http://{}", env.router_addr);
        let mut child = Command::new(BIN)
            .args(["status", "--watch", "--interval", "100ms", "--url", &router])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Traffic while it watches: a later frame counts it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        chat(
            &router,
            json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await
        .text()
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let out = tokio::task::spawn_blocking(move || {
            let _ = child.kill();
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        let t = text(&out.stdout);
        let frames = t.matches("Loaded models").count();
        assert!(frames >= 3, "{frames} frames:\n{t}");
        assert!(t.contains("requests 0 ·") && t.contains("requests 1 ·"), "{t}");
    })
    .await;
}

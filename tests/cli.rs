//! The binary's command-line contract: `check`, a taken port, an unreachable Ollama.

use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_ollama-router");

fn temp_config(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

#[test]
fn check_prints_the_effective_config() {
    let f = temp_config("[routing]\noutput_reserve = 4096\n");
    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(f.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("output_reserve = 4096"), "{text}");
    assert!(text.contains("[profiles.complex]"), "{text}");
}

#[test]
fn check_names_the_bad_key_and_line() {
    let f = temp_config("listen = \"127.0.0.1:11435\"\n[gpu]\nreserve = \"lots\"\n");
    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gpu.reserve") && err.contains(":3:"), "{err}");
}

#[test]
fn taken_port_is_a_clear_error() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            &addr,
            "--upstream",
            "http://127.0.0.1:9",
        ])
        .env(
            "OLLAMA_ROUTER_CONFIG",
            "/nonexistent-so-defaults-are-not-used",
        )
        .args(["--config", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&addr) && err.contains("--listen"), "{err}");
}

#[test]
fn serves_even_when_ollama_is_down() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--config",
            "/dev/null",
            "--listen",
            &addr,
            "--upstream",
            &dead_url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it answers its own health endpoint.
    let mut healthy = None;
    for _ in 0..100 {
        if let Ok(r) = reqwest::blocking_get(&format!("http://{addr}/router/health")) {
            healthy = Some(r);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let body = healthy.unwrap_or_else(|| panic!("router never answered; stderr:\n{err}"));
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    assert!(
        err.contains("not reachable") && err.contains(&dead_url),
        "{err}"
    );
    assert_eq!(
        err.matches("not reachable").count(),
        1,
        "warned once: {err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "no colour codes when stderr is not a terminal: {err}"
    );
}

mod reqwest {
    /// A minimal blocking GET over std, so this test needs no async runtime.
    pub fn blocking_get(url: &str) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut s = std::net::TcpStream::connect(host)?;
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    }

    /// A minimal blocking POST of a JSON body; reads the whole (possibly streamed) answer.
    pub fn blocking_post(url: &str, body: &str) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut s = std::net::TcpStream::connect(host)?;
        write!(
            s,
            "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    }
}

/// `OLLAMA_ROUTER_*` variables reach every section of the configuration, and a bad one is named.
/// The environment is cleared so nothing from the test runner's own environment leaks in.
#[test]
fn environment_variables_configure_every_section() {
    let rows: [(&str, &str, &str); 4] = [
        (
            "OLLAMA_ROUTER_LISTEN",
            "127.0.0.1:9999",
            "listen = \"127.0.0.1:9999\"",
        ),
        (
            "OLLAMA_ROUTER_UPSTREAM__URL",
            "http://127.0.0.1:4242",
            "url = \"http://127.0.0.1:4242\"",
        ),
        ("OLLAMA_ROUTER_GPU__SOURCE", "sim", "source = \"sim\""),
        (
            "OLLAMA_ROUTER_ROUTING__OUTPUT_RESERVE",
            "3333",
            "output_reserve = 3333",
        ),
    ];
    for (var, value, expected) in rows {
        let out = Command::new(BIN)
            .env_clear()
            .env(var, value)
            .args(["check", "--config", "/dev/null"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{var}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains(expected),
            "{var}={value} not applied:\n{text}"
        );
    }
    for (var, value) in [
        ("OLLAMA_ROUTER_GPU__SOURCE", "cuda"),
        ("OLLAMA_ROUTER_LISTEN", "not-an-address"),
        ("OLLAMA_ROUTER_UPSTREAM__URL", "https://ollama.example"),
    ] {
        let out = Command::new(BIN)
            .env_clear()
            .env(var, value)
            .args(["check", "--config", "/dev/null"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{var}={value}: {err}");
        assert!(
            err.contains(var),
            "{var}={value}: the error must name the variable: {err}"
        );
    }
}

/// A free local address (bound, then released) for a router to listen on.
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Starts `serve` with the defaults, listening on `addr`, in front of `upstream`.
fn spawn_router(addr: &str, upstream: &str) -> std::process::Child {
    Command::new(BIN)
        .args([
            "serve",
            "--config",
            "/dev/null",
            "--listen",
            addr,
            "--upstream",
            upstream,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Polls `/router/health` until it answers (a hang guard, not a timing assertion).
fn wait_healthy(addr: &str) -> Option<String> {
    for _ in 0..200 {
        if let Ok(r) = reqwest::blocking_get(&format!("http://{addr}/router/health"))
            && r.contains("\"status\":\"ok\"")
        {
            return Some(r);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Waits for the child to exit; kills it and returns `None` if it does not within `limit`.
fn wait_exit(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Ctrl-C (SIGINT) and SIGTERM both stop `serve` cleanly: exit 0, and the log says so. With the
/// default GPU source there is no NVML here, so the blocking static probe runs: the poller that
/// used to keep the runtime, and the process, alive after Ctrl-C.
#[test]
fn serve_stops_on_sigint_and_sigterm() {
    let dead = free_addr();
    for signal in ["INT", "TERM"] {
        let addr = free_addr();
        let mut child = spawn_router(&addr, &format!("http://{dead}"));
        assert!(
            wait_healthy(&addr).is_some(),
            "router never answered before SIG{signal}"
        );
        let killed = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        // Far beyond the shutdown path's needs: only a router that ignores the signal hits it.
        let status = wait_exit(&mut child, Duration::from_secs(30));
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        let status = status.unwrap_or_else(|| panic!("SIG{signal} did not stop serve:\n{err}"));
        assert_eq!(status.code(), Some(0), "SIG{signal}: {err}");
        assert!(
            err.contains("shutting down") && err.contains(&format!("SIG{signal}")),
            "{err}"
        );
    }
}

/// An Ollama that accepts connections and never answers: the router still serves its health
/// endpoint straight away and says Ollama is not reachable once the short probe gives up.
#[test]
fn a_hung_ollama_does_not_block_start_up() {
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_url = format!("http://{}", hung.local_addr().unwrap());
    // Accept and hold every connection without reading or writing a byte.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in hung.incoming() {
            held.push(conn);
        }
    });
    let addr = free_addr();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--config",
            "/dev/null",
            "--listen",
            &addr,
            "--upstream",
            &hung_url,
        ])
        .env("OLLAMA_ROUTER_UPSTREAM__PROBE_TIMEOUT", "300ms")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let healthy = wait_healthy(&addr);
    // Give the probe time to give up, then stop the router and read its log.
    let mut still_running = false;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(50));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        still_running = true;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(still_running, "the router exited on its own: {err}");
    assert!(
        healthy.is_some(),
        "no health answer with a hung Ollama:\n{err}"
    );
    assert!(
        status.is_some(),
        "a hung Ollama kept the router from stopping:\n{err}"
    );
    assert!(
        err.contains("not reachable") && err.contains("probe_timeout"),
        "{err}"
    );
}

/// `--demo` learns the speeds of a simulated GPU, so it must leave the real learned-state file
/// alone. Control: the same streamed request through a plain `serve` in front of the same kind of
/// simulator does write the file, so the demo's empty directory means something.
#[test]
fn demo_keeps_its_learning_out_of_the_state_file() {
    let chat = r#"{"model":"auto","messages":[{"role":"user","content":"hi"}]}"#;
    let run = |demo: bool| -> (tempfile::TempDir, String) {
        let state_home = tempfile::tempdir().unwrap();
        let addr = free_addr();
        let mut sim = None;
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--config", "/dev/null", "--listen", &addr]);
        if demo {
            cmd.arg("--demo");
        } else {
            let sim_addr = free_addr();
            sim = Some(
                Command::new(BIN)
                    .args(["sim", "--fast", "--listen", &sim_addr])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            cmd.args(["--upstream", &format!("http://{sim_addr}")]);
            cmd.env("OLLAMA_ROUTER_GPU__SOURCE", "sim");
        }
        let mut child = cmd
            .env("XDG_STATE_HOME", state_home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        assert!(wait_healthy(&addr).is_some(), "router never answered");
        let mut answer = String::new();
        for _ in 0..100 {
            answer = reqwest::blocking_post(&format!("http://{addr}/api/chat"), chat)
                .unwrap_or_default();
            if answer.contains("\"done\":true") {
                break;
            }
            // The simulator may still be starting.
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = wait_exit(&mut child, Duration::from_secs(30));
        if let Some(mut s) = sim {
            let _ = s.kill();
            let _ = s.wait();
        }
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        assert!(
            answer.contains("\"done\":true"),
            "no answer: {answer}\n{err}"
        );
        assert!(status.is_some(), "router did not stop: {err}");
        (state_home, err)
    };
    let state_file = |home: &tempfile::TempDir| home.path().join("ollama-router/learned.json");

    let (control, err) = run(false);
    assert!(
        state_file(&control).exists(),
        "control: a plain router saves what it learned on exit: {err}"
    );
    let (demo, err) = run(true);
    assert!(
        !state_file(&demo).exists(),
        "the demo wrote the real state file: {err}"
    );
}

/// `explain | head -1`: the reader goes away before the output is written. The command must end
/// quietly (exit 0, no panic) rather than die on the broken pipe. The request arrives on stdin
/// after a pause, so the reader (`true`) has certainly exited when explain writes.
#[test]
fn explain_into_a_closed_pipe_ends_quietly() {
    let req = temp_config(
        r#"{"model":"auto","messages":[{"role":"user","content":"Refactor this parser"}]}"#,
    );
    let script = format!(
        "(sleep 0.5; cat '{}') | '{BIN}' explain --config /dev/null - 2>\"$ERR\" | true; echo \"${{PIPESTATUS[1]}}\"",
        req.path().display()
    );
    let err_file = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("ERR", err_file.path())
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let err = std::fs::read_to_string(err_file.path()).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        status, "0",
        "explain's exit status into a closed pipe; stderr: {err}"
    );
}

/// Editing `upstream.url` in the watched config file moves the running router to the new Ollama
/// (requests and health follow it); editing `listen` is reported as needing a restart, and the
/// router keeps listening where it was.
#[test]
fn hot_reload_follows_upstream_url_and_flags_listen() {
    let spawn_sim = |addr: &str| {
        Command::new(BIN)
            .args(["sim", "--fast", "--listen", addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (a, b) = (free_addr(), free_addr());
    let mut sim_a = spawn_sim(&a);
    let mut sim_b = spawn_sim(&b);
    let addr = free_addr();
    let config = temp_config(&format!(
        "listen = \"{addr}\"\n[upstream]\nurl = \"http://{a}\"\n[gpu]\nsource = \"static\"\n"
    ));
    let mut router = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let health = wait_healthy(&addr).expect("router answers");
    assert!(health.contains(&format!("http://{a}")), "{health}");

    let moved = free_addr();
    std::fs::write(
        config.path(),
        format!(
            "listen = \"{moved}\"\n[upstream]\nurl = \"http://{b}\"\n[gpu]\nsource = \"static\"\n"
        ),
    )
    .unwrap();
    // The watcher polls once a second; this loop only guards against a router that never moves.
    let mut followed = false;
    for _ in 0..200 {
        let h = reqwest::blocking_get(&format!("http://{addr}/router/health")).unwrap_or_default();
        if h.contains(&format!("http://{b}")) {
            followed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // With the old Ollama gone, pass-through still works: it goes to the new one.
    let _ = sim_a.kill();
    let _ = sim_a.wait();
    let version = reqwest::blocking_get(&format!("http://{addr}/api/version")).unwrap_or_default();
    let _ = Command::new("kill")
        .args(["-TERM", &router.id().to_string()])
        .status();
    let _ = wait_exit(&mut router, Duration::from_secs(30));
    let _ = sim_b.kill();
    let _ = sim_b.wait();
    let mut err = String::new();
    if let Some(mut e) = router.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(followed, "health never showed the new upstream:\n{err}");
    assert!(
        version.starts_with("HTTP/1.1 200") && version.contains("\"version\""),
        "{version}\n{err}"
    );
    assert!(
        err.contains("key=\"listen\"") || err.contains("key=listen"),
        "listen needs a restart and the log must say so:\n{err}"
    );
    assert!(err.contains("restarts"), "{err}");
}

/// Starts a router (with `shutdown_grace`) in front of a realistic-timing simulator, opens a
/// streamed chat, sends SIGTERM once the first chunk is in, and returns what the client received
/// after that, the router's exit status and its log.
fn terminate_mid_stream(grace: &str) -> (String, Option<std::process::ExitStatus>, String) {
    use std::io::{Read, Write};
    let sim_addr = free_addr();
    let mut sim = Command::new(BIN)
        .args(["sim", "--listen", &sim_addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = free_addr();
    let mut router = Command::new(BIN)
        .args(["serve", "--config", "/dev/null", "--listen", &addr])
        .args(["--upstream", &format!("http://{sim_addr}")])
        .env("OLLAMA_ROUTER_GPU__SOURCE", "sim")
        .env("OLLAMA_ROUTER_SHUTDOWN_GRACE", grace)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_healthy(&addr).is_some(), "router never answered");
    let body = r#"{"model":"qwen3:8b","options":{"num_predict":200},"messages":[{"role":"user","content":"Tell me a long story"}]}"#;
    let mut conn = None;
    for _ in 0..100 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "POST /api/chat HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut head = vec![0u8; 4096];
        let n = s.read(&mut head).unwrap_or(0);
        if String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200") {
            conn = Some(s);
            break;
        }
        // The simulator may still be starting.
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut conn = conn.expect("a streamed answer starts");
    let _ = Command::new("kill")
        .args(["-TERM", &router.id().to_string()])
        .status();
    let mut rest = String::new();
    let _ = conn.read_to_string(&mut rest);
    let status = wait_exit(&mut router, Duration::from_secs(60));
    let _ = sim.kill();
    let _ = sim.wait();
    let mut err = String::new();
    if let Some(mut e) = router.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    (rest, status, err)
}

/// SIGTERM while an answer streams: with a long enough grace the answer finishes; with a short
/// one the router exits anyway, cutting it. Either way the exit status is 0.
#[test]
fn shutdown_lets_streams_finish_within_the_grace() {
    let (rest, status, err) = terminate_mid_stream("60s");
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{err}");
    assert!(
        rest.contains("\"done\":true"),
        "the stream finished: {rest}\n{err}"
    );

    let (rest, status, err) = terminate_mid_stream("100ms");
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{err}");
    assert!(
        !rest.contains("\"done\":true"),
        "the grace cut the stream: {rest}"
    );
    assert!(err.contains("grace elapsed"), "{err}");
}

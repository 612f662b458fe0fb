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

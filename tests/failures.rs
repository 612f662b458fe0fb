//! The router's own failures over real HTTP, in every dialect: the same status everywhere and
//! each dialect's error shape (`src/failure.rs` renders them; its unit test covers every variant).

mod common;

use common::{Script, TestEnv, router_in_front_of_with, scripted_ollama, within};
use serde_json::{Value, json};

/// One routed endpoint per dialect, with a minimal valid body for `content`, and where the
/// error message sits in that dialect's error body.
fn endpoints(content: &str, stream: bool) -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "/api/chat",
            json!({"model": "qwen3:8b", "stream": stream, "messages": [{"role": "user", "content": content}]}),
            "/error",
        ),
        (
            "/v1/chat/completions",
            json!({"model": "qwen3:8b", "stream": stream, "messages": [{"role": "user", "content": content}]}),
            "/error/message",
        ),
        (
            "/v1/messages",
            json!({"model": "qwen3:8b", "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": content}]}),
            "/error/message",
        ),
    ]
}

async fn post(env: &TestEnv, path: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(env.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A body over `upstream.body_limit` is a 413 in every dialect (count_tokens included), and
/// nothing reaches Ollama.
#[tokio::test]
async fn an_oversized_body_is_a_413_in_every_dialect() {
    within(async {
        let env = TestEnv::with(common::fast_sim(), "[upstream]\nbody_limit = \"1KiB\"\n").await;
        let big = "x".repeat(4096);
        let mut cases = endpoints(&big, false);
        cases.push((
            "/v1/messages/count_tokens",
            json!({"model": "qwen3:8b", "messages": [{"role": "user", "content": big}]}),
            "/error/message",
        ));
        cases.push((
            "/api/generate",
            json!({"model": "qwen3:8b", "prompt": big}),
            "/error",
        ));
        for (path, body, message_at) in cases {
            let r = post(&env, path, &body).await;
            assert_eq!(r.status(), 413, "{path}");
            let v: Value = r.json().await.unwrap();
            let message = v.pointer(message_at).and_then(Value::as_str).unwrap_or("");
            assert!(message.contains("body_limit"), "{path}: {v}");
            if path.starts_with("/v1/messages") {
                assert_eq!(v["error"]["type"], "request_too_large", "{v}");
            }
        }
        assert!(env.sim_requests().await.is_empty(), "nothing was forwarded");
    })
    .await;
}

/// An Ollama that never sends response headers: every dialect answers 504 naming the setting,
/// after `upstream.first_byte_timeout`.
#[tokio::test]
async fn no_first_byte_is_a_504_in_every_dialect() {
    within(async {
        let upstream = scripted_ollama(Script::Hang);
        let env = router_in_front_of_with(
            &upstream.url,
            "[upstream]\nfirst_byte_timeout = \"300ms\"\n",
        )
        .await;
        for (path, body, message_at) in endpoints("hi", false) {
            let r = post(&env, path, &body).await;
            assert_eq!(r.status(), 504, "{path}");
            let v: Value = r.json().await.unwrap();
            let message = v.pointer(message_at).and_then(Value::as_str).unwrap_or("");
            assert!(message.contains("first_byte_timeout"), "{path}: {v}");
        }
    })
    .await;
}

/// An Ollama that goes silent mid-answer: the stream ends with the dialect's error marker naming
/// `upstream.idle_timeout`, never as a normal end.
#[tokio::test]
async fn a_silent_upstream_ends_the_stream_with_an_error_in_every_dialect() {
    within(async {
        let upstream = scripted_ollama(Script::StallAfter(2));
        let env =
            router_in_front_of_with(&upstream.url, "[upstream]\nidle_timeout = \"300ms\"\n").await;
        for (path, body, _) in endpoints("hi", true) {
            let r = post(&env, path, &body).await;
            assert_eq!(r.status(), 200, "{path}");
            let text = r.text().await.unwrap();
            assert!(
                text.contains("w1 "),
                "the chunks before the silence arrive: {path}: {text}"
            );
            assert!(
                text.contains("idle_timeout") || text.contains("went silent"),
                "{path}: {text}"
            );
            assert!(
                !text.contains("[DONE]")
                    && !text.contains("message_stop")
                    && !text.contains("\"done\":true"),
                "{path} must not end like a complete answer: {text}"
            );
        }
    })
    .await;
}

/// An upstream address that takes no connection: a listener with a backlog of one that never
/// accepts, its queue filled, so the kernel drops further SYNs and a connect hangs (Linux). A
/// refused connection would be the "Ollama not running" case, answered at once; this is the
/// connect phase itself. Returns the address and what must stay open.
fn black_hole() -> (
    std::net::SocketAddr,
    tokio::net::TcpListener,
    Vec<std::net::TcpStream>,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200)) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return (addr, listener, queued);
            }
            Err(e) => panic!("filling the black hole's queue: {e}"),
        }
    }
    panic!("the kernel kept accepting connections: no black hole on this system");
}

/// An Ollama address that takes no connection: every dialect answers 504 naming
/// `upstream.connect_timeout`, in the caller's shape. `first_byte_timeout` is far longer than
/// the test may run, so only the connect phase's own timeout can produce the answer.
#[tokio::test]
async fn an_unconnectable_upstream_is_a_504_naming_connect_timeout_in_every_dialect() {
    within(async {
        let (addr, _listener, _queued) = black_hole();
        let env = router_in_front_of_with(
            &format!("http://{addr}"),
            "[upstream]\nconnect_timeout = \"300ms\"\nfirst_byte_timeout = \"10m\"\n",
        )
        .await;
        for stream in [false, true] {
            for (path, body, message_at) in endpoints("hi", stream) {
                let r = post(&env, path, &body).await;
                assert_eq!(r.status(), 504, "{path} stream={stream}");
                let v: Value = r.json().await.unwrap();
                let message = v.pointer(message_at).and_then(Value::as_str).unwrap_or("");
                assert!(
                    message.contains("connect_timeout"),
                    "{path} stream={stream}: {v}"
                );
            }
        }
    })
    .await;
}

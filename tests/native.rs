//! The native Ollama dialect through the router, against the simulated Ollama over real HTTP:
//! pass-through fidelity, the seed's routing table, headers, virtual models and error shapes.

mod common;

use common::{TestEnv, fast_sim, within};
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(env: &TestEnv, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(env.url(path))
        .json(&body)
        .send()
        .await
        .expect("router answers")
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A user message of about `tokens` router-estimated tokens (3 bytes each).
/// About `tokens` Qwen tokens: each line is seven (`fn`, ` f`, `()`, ` {}`, ` //`, ` x`, `\n`).
fn text_of_tokens(tokens: usize) -> String {
    "fn f() {} // x\n".repeat(tokens / 7)
}

#[tokio::test]
async fn passthrough_is_byte_exact() {
    within(async {
        let env = TestEnv::start().await;
        for path in ["/", "/api/version", "/api/ps"] {
            let via = client().get(env.url(path)).send().await.unwrap();
            let direct = client().get(env.sim_url(path)).send().await.unwrap();
            assert_eq!(via.status(), direct.status(), "{path}");
            assert_eq!(
                header(&via, "content-type"),
                header(&direct, "content-type"),
                "{path}"
            );
            assert_eq!(
                via.bytes().await.unwrap(),
                direct.bytes().await.unwrap(),
                "{path}"
            );
        }
        // A streamed pass-through endpoint, and a POST with a body.
        let pull = json!({"model": "qwen3:8b"});
        let via = post(&env, "/api/pull", pull.clone()).await;
        assert_eq!(header(&via, "content-type"), "application/x-ndjson");
        let via = via.bytes().await.unwrap();
        let direct = client()
            .post(env.sim_url("/api/pull"))
            .json(&pull)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            via == direct,
            "bodies differ: {} vs {} bytes",
            via.len(),
            direct.len()
        );
        assert!(
            String::from_utf8_lossy(&via)
                .lines()
                .last()
                .unwrap()
                .contains("success")
        );
        // Warm the embedding model first: a cold call reports a load_duration a warm one does not.
        let embed = json!({"model": "nomic-embed-text", "input": ["a", "b"]});
        let _ = client()
            .post(env.sim_url("/api/embed"))
            .json(&embed)
            .send()
            .await
            .unwrap()
            .bytes()
            .await;
        let via = post(&env, "/api/embed", embed.clone())
            .await
            .bytes()
            .await
            .unwrap();
        let direct = client()
            .post(env.sim_url("/api/embed"))
            .json(&embed)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            via == direct,
            "bodies differ: {} vs {} bytes",
            via.len(),
            direct.len()
        );
        // Unknown paths keep Ollama's own 404, query strings survive.
        let r = client().get(env.url("/nope?x=1")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.text().await.unwrap(), "404 page not found");
    })
    .await;
}

#[tokio::test]
async fn routes_a_plain_chat_and_explains_it() {
    within(async {
        let env = TestEnv::start().await;
        let r = post(
            &env,
            "/api/chat",
            json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "What does this function return?"}]}),
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "x-router-model"), "qwen3:8b");
        assert_eq!(header(&r, "x-router-num-ctx"), "16384");
        assert_eq!(header(&r, "x-router-kind"), "daily");
        assert!(header(&r, "x-router-reason").contains("daily"), "{}", header(&r, "x-router-reason"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["done"], true);
        assert_eq!(body["model"], "qwen3:8b");
        let seen = env.sim_requests().await;
        let last = seen.last().unwrap();
        assert_eq!(last["model"], "qwen3:8b");
        assert_eq!(last["num_ctx"], 16384);
        assert_eq!(last["truncated"], false);
        // The decision is kept for /router/decisions.
        let d: Value = client().get(env.url("/router/decisions")).send().await.unwrap().json().await.unwrap();
        assert_eq!(d[0]["decision"]["model"], "qwen3:8b");
    })
    .await;
}

#[tokio::test]
async fn seed_routing_table() {
    within(async {
        struct Case {
            name: &'static str,
            path: &'static str,
            body: Value,
            /// `None`: either daily model, whichever the costs pick (they are within a second).
            model: Option<&'static str>,
            ctx: Option<&'static str>,
        }
        let tool = json!([{"type": "function", "function": {"name": "read_file", "description": "Read a file",
            "parameters": {"type": "object", "required": ["path"], "properties": {"path": {"type": "string"}}}}}]);
        // Each on a fresh 12 GiB card with nothing loaded: what is loaded changes the choice
        // (staying is cheaper than loading), which other tests cover.
        let cases = [
            Case {
                name: "quick + tools goes to the model the main work would load, not the coder",
                path: "/api/chat",
                body: json!({"model": "auto:quick", "stream": false, "tools": tool,
                    "messages": [{"role": "user", "content": "open main.rs"}]}),
                model: Some("qwen2.5:7b"),
                ctx: None,
            },
            Case {
                name: "FIM goes to the coder 7B",
                path: "/api/generate",
                body: json!({"model": "auto", "prompt": "def gcd(a, b):", "suffix": "    return a", "stream": false,
                    "options": {"num_predict": 32}}),
                model: Some("qwen2.5-coder:7b-instruct-q5_K_M"),
                ctx: None,
            },
            Case {
                name: "short chat goes to qwen3:8b at >= 10240",
                path: "/api/chat",
                body: json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "explain borrowck"}]}),
                model: Some("qwen3:8b"),
                ctx: Some("16384"),
            },
            Case {
                name: "a refactor goes to qwen3:14b at 8192",
                path: "/api/chat",
                body: json!({"model": "auto", "stream": false, "think": false,
                    "messages": [{"role": "user", "content": "Refactor this module into smaller functions"}]}),
                model: Some("qwen3:14b"),
                ctx: Some("8192"),
            },
            Case {
                // ~11K tokens as Qwen counts this code (8K by the router's byte estimate).
                name: "an 11K-token prompt gets 16384",
                path: "/api/chat",
                body: json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": text_of_tokens(8_000)}]}),
                model: None,
                ctx: Some("16384"),
            },
            Case {
                name: "a catalog model is routed by kind too",
                path: "/api/chat",
                body: json!({"model": "qwen2.5:7b", "stream": false, "messages": [{"role": "user", "content": "hi there, how are you"}]}),
                model: Some("qwen3:8b"),
                ctx: None,
            },
        ];
        for c in cases {
            let env = TestEnv::start().await;
            // The table's prompts are sized in real tokens: count them as the model does.
            env.load_vocabularies().await;
            let r = post(&env, c.path, c.body).await;
            assert_eq!(r.status(), 200, "{}", c.name);
            let model = header(&r, "x-router-model").to_string();
            match c.model {
                Some(m) => assert_eq!(model, m, "{}: {}", c.name, header(&r, "x-router-reason")),
                None => assert!(
                    ["qwen3:8b", "qwen2.5:7b"].contains(&model.as_str()),
                    "{}: {}",
                    c.name,
                    header(&r, "x-router-reason")
                ),
            }
            if let Some(ctx) = c.ctx {
                assert_eq!(header(&r, "x-router-num-ctx"), ctx, "{}", c.name);
            }
            let ctx: u64 = header(&r, "x-router-num-ctx").parse().unwrap();
            let _ = r.bytes().await.unwrap();
            let last = env.sim_requests().await.pop().unwrap();
            assert_eq!(last["model"], model.as_str(), "{}", c.name);
            assert_eq!(last["num_ctx"], ctx, "{}: the routed num_ctx reached Ollama", c.name);
            assert_eq!(last["truncated"], false, "{}", c.name);
        }
    })
    .await;
}

#[tokio::test]
async fn streams_ndjson_and_drops_reload_options() {
    within(async {
        let env = TestEnv::start().await;
        let r = post(
            &env,
            "/api/chat",
            json!({"model": "auto", "messages": [{"role": "user", "content": "hello"}],
                   "options": {"num_ctx": 4096, "num_batch": 1024, "num_gpu": 99, "temperature": 0.2}}),
        )
        .await;
        assert_eq!(header(&r, "content-type"), "application/x-ndjson");
        let text = r.text().await.unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("every line is JSON")).collect();
        assert!(lines.len() > 2);
        assert_eq!(lines.last().unwrap()["done"], true);
        assert!(lines.last().unwrap()["eval_count"].as_u64().unwrap() > 0);
        let last = env.sim_requests().await.pop().unwrap();
        let opts = &last["options"];
        assert_eq!(opts["num_ctx"], 16384, "client num_ctx replaced: {opts}");
        assert!(opts.get("num_batch").is_none() && opts.get("num_gpu").is_none(), "{opts}");
        assert_eq!(opts["temperature"], 0.2);
    })
    .await;
}

#[tokio::test]
async fn unknown_models_pass_untouched() {
    within(async {
        let env = TestEnv::start().await;
        let body = json!({"model": "llava:7b", "stream": false, "options": {"num_gpu": 10},
            "messages": [{"role": "user", "content": "hi"}]});
        let r = post(&env, "/api/chat", body).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("x-router-model").is_none());
        let last = env.sim_requests().await.pop().unwrap();
        assert_eq!(last["model"], "llava:7b");
        assert_eq!(last["options"]["num_gpu"], 10);
        assert!(last["requested_num_ctx"].is_null());
    })
    .await;
}

#[tokio::test]
async fn virtual_models_are_listed_and_inspectable() {
    within(async {
        let env = TestEnv::start().await;
        let tags: Value = client()
            .get(env.url("/api/tags"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = tags["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        for v in [
            "auto",
            "auto:quick",
            "auto:daily",
            "auto:complex",
            "qwen3:8b",
        ] {
            assert!(names.contains(&v), "{v} missing from {names:?}");
        }
        let auto = tags["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "auto")
            .unwrap();
        assert!(
            auto["capabilities"]
                .as_array()
                .unwrap()
                .contains(&json!("tools"))
        );
        assert!(auto["details"]["context_length"].as_u64().unwrap() >= 16384);
        let show: Value = post(&env, "/api/show", json!({"model": "auto:quick"}))
            .await
            .json()
            .await
            .unwrap();
        let caps = show["capabilities"].as_array().unwrap();
        assert!(
            caps.contains(&json!("insert")) && caps.contains(&json!("tools")),
            "{caps:?}"
        );
        assert!(show["template"].as_str().unwrap().contains(".Suffix"));
        assert!(show["parameters"].as_str().unwrap().contains("num_ctx"));
        assert_eq!(show["model_info"]["general.architecture"], "qwen2");
        // A real model's /api/show is Ollama's own.
        let r = post(&env, "/api/show", json!({"model": "qwen3:8b"})).await;
        let direct: Value = client()
            .post(env.sim_url("/api/show"))
            .json(&json!({"model": "qwen3:8b"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap(), direct);
    })
    .await;
}

#[tokio::test]
async fn errors_in_ollama_shape() {
    within(async {
        let env = TestEnv::start().await;
        let r = client().post(env.url("/api/chat")).body("{\"model\": ").send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert!(header(&r, "content-type").starts_with("application/json"));
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("EOF"), "{e}");
        let r = client().post(env.url("/api/chat")).send().await.unwrap();
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": "missing request body"}));
        let r = post(&env, "/api/chat", json!({"messages": []})).await;
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": "model is required"}));
        let r = post(&env, "/api/chat", json!({"model": "auto:turbo", "messages": []})).await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": "model 'auto:turbo' not found"}));
        // Too long for every model: a clear error, never a silent truncation.
        let r = post(&env, "/api/chat", json!({"model": "auto", "messages": [{"role": "user", "content": text_of_tokens(60_000)}]})).await;
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().starts_with("prompt is too long: "), "{e}");
        // The sim never saw any of these.
        assert!(env.sim_requests().await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn body_limit_is_configurable_and_answered_in_shape() {
    within(async {
        let env = TestEnv::with(fast_sim(), "[upstream]\nbody_limit = \"1KiB\"\n").await;
        let r = post(
            &env,
            "/api/chat",
            json!({"model": "auto", "messages": [{"role": "user", "content": "x".repeat(4096)}]}),
        )
        .await;
        assert_eq!(r.status(), 413);
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("body_limit"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn ollama_down_is_a_502_naming_the_upstream() {
    within(async {
        let env = TestEnv::start().await;
        // Point a second router at a port nobody listens on.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = dead.local_addr().unwrap().port();
        drop(dead);
        let mut config = ollama_router::config::from_toml_str("").unwrap();
        config.upstream.url = format!("http://127.0.0.1:{port}");
        config.gpu.source = ollama_router::config::GpuSource::Static;
        let settings = ollama_router::config::Settings::compile(config, None).unwrap();
        let down =
            TestEnv::with_settings(ollama_sim::sim::spawn(fast_sim()).await.unwrap(), settings)
                .await;
        let r = post(
            &down,
            "/api/chat",
            json!({"model": "auto", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status(), 502);
        let e: Value = r.json().await.unwrap();
        let msg = e["error"].as_str().unwrap();
        assert!(
            msg.contains(&format!("127.0.0.1:{port}")) && msg.contains("--upstream"),
            "{msg}"
        );
        let r = client().get(down.url("/api/version")).send().await.unwrap();
        assert_eq!(r.status(), 502);
        drop(env);
    })
    .await;
}

/// Ollama's own mid-stream failure (an `{"error"}` line, then EOF) is relayed as is.
#[tokio::test]
async fn mid_stream_error_line_reaches_the_client() {
    within(async {
        let env = TestEnv::start().await;
        client()
            .post(env.sim_url("/sim/fail"))
            .json(&json!({"after_chunks": 2, "error": "an error was encountered while running the model"}))
            .send()
            .await
            .unwrap();
        let r = post(&env, "/api/chat", json!({"model": "auto", "messages": [{"role": "user", "content": "hello"}]})).await;
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last, json!({"error": "an error was encountered while running the model"}));
        assert!(!text.contains("\"done\":true"));
    })
    .await;
}

/// The connection to Ollama breaks mid-answer (no error line from Ollama at all): the router
/// ends the stream with an error line of its own, after the chunks that did arrive, so the client
/// sees a failure instead of an answer that silently stops.
#[tokio::test]
async fn broken_upstream_mid_stream_ends_with_an_error_line() {
    within(async {
        let upstream = common::scripted_ollama(common::Script::BreakAfter(2));
        let env = common::router_in_front_of(&upstream.url).await;
        let r = post(
            &env,
            "/api/chat",
            json!({"model": "qwen3:8b", "messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines.len(),
            3,
            "two chunks, then the router's error line: {text}"
        );
        assert_eq!(lines[1]["message"]["content"], "w1 ", "{text}");
        let error = lines[2]["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error line: {text}"));
        assert!(!error.is_empty());
    })
    .await;
}

#[tokio::test]
async fn loaded_model_context_is_reused() {
    within(async {
        // 24 GiB: qwen3:8b at 32768 fits whole, so staying on it is the cheapest choice.
        let env = TestEnv::with(
            ollama_sim::sim::SimConfig {
                vram_total: 24 << 30,
                ..common::fast_sim()
            },
            "",
        )
        .await;
        // Load qwen3:8b at 32768 the way a client would (Ollama's load form), then route.
        let r = client()
            .post(env.sim_url("/api/generate"))
            .json(&json!({"model": "qwen3:8b", "options": {"num_ctx": 32768}, "stream": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["done_reason"], "load");
        env.refresh().await;
        let r = post(&env, "/api/chat", json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "hello"}]})).await;
        assert_eq!(header(&r, "x-router-num-ctx"), "32768", "{}", header(&r, "x-router-reason"));
        let _ = r.bytes().await;
        let last = env.sim_requests().await.pop().unwrap();
        assert_eq!(last["reloaded"], false);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_ollama_python_client() {
    let env = TestEnv::start().await;
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(600),
        common::run_python_async("ollama_sdk.py", vec![env.url("")]),
    )
    .await
    .expect("ollama SDK run timed out");
    assert!(out.contains("ollama SDK checks passed"), "{out}");
    // Every request the SDK made that reached Ollama carried a routed context.
    for r in env.sim_requests().await {
        assert!(r["num_ctx"].as_u64().unwrap() >= 8192, "{r}");
        assert_eq!(r["truncated"], false, "{r}");
    }
}

#[tokio::test]
async fn keep_alive_can_be_overridden() {
    within(async {
        let env = TestEnv::with(fast_sim(), "[routing]\nkeep_alive = \"30m\"\n").await;
        let r = post(
            &env,
            "/api/chat",
            json!({"model": "auto", "stream": false, "keep_alive": -1, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let _ = r.bytes().await;
        let last = env.sim_requests().await.pop().unwrap();
        assert_eq!(last["keep_alive"], "30m", "{last}");
    })
    .await;
}

/// A non-streamed native answer (Ollama sends it with a Content-Length) is learned from like a
/// streamed one, and is not counted as a cancelled stream.
#[tokio::test]
async fn non_streamed_answers_are_learned_from() {
    within(async {
        let env = TestEnv::start().await;
        env.refresh().await;
        let r = post(
            &env,
            "/api/chat",
            json!({"model": "auto", "stream": false, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let model = header(&r, "x-router-model").to_string();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["done"], true, "{body}");
        let config: Value = client()
            .get(env.url("/router/config"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let speeds = config["learned"]["speeds"].as_object().unwrap();
        assert!(
            speeds.keys().any(|k| k.starts_with(&format!("{model}@"))),
            "nothing learned for {model}: {config}"
        );
        let metrics = client()
            .get(env.url("/router/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let cancelled = metrics
            .lines()
            .find(|l| l.starts_with("ollama_router_cancelled_streams_total"))
            .unwrap_or_else(|| panic!("{metrics}"));
        assert!(cancelled.ends_with(" 0"), "{cancelled}");
    })
    .await;
}

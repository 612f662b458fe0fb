//! What real clients do that the router must answer well, over real HTTP (router in front of the
//! simulated Ollama): Aider/litellm's retries on a refused prompt, Qwen Code's habitual thinking,
//! and wording that mentions "design" without asking for design work.

mod common;

use common::{TestEnv, within};
use serde_json::{Value, json};

async fn post(env: &TestEnv, path: &str, user_agent: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(env.url(path))
        .header("user-agent", user_agent)
        .json(&body)
        .send()
        .await
        .expect("router answers")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}: {:?}", response.headers()))
        .to_str()
        .expect("ASCII header")
        .to_owned()
}

/// A conversation no model on a 12 GiB GPU can hold (~100K tokens).
fn too_long() -> Value {
    json!({"model": "auto", "messages": [
        {"role": "user", "content": "Summarise this log.\n".to_owned()
            + &"ERROR worker 17 lost its lease; retrying\n".repeat(9000)}]})
}

#[tokio::test]
async fn litellm_gets_a_refusal_it_does_not_retry() {
    within(async {
        let env = TestEnv::start().await;
        // litellm (Aider) maps this text to BadRequestError, which Aider does not retry.
        let response = post(&env, "/api/chat", "litellm/1.81.10", too_long()).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        let message = body["error"].as_str().unwrap();
        assert!(message.starts_with("prompt is too long:"), "{message}");
        assert!(
            message.contains("Invalid response object from API"),
            "{message}"
        );
        // Other native clients get the plain message.
        let response = post(&env, "/api/chat", "ollama-python/0.6.3", too_long()).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert!(
            !body["error"].as_str().unwrap().contains("Invalid response"),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn qwen_code_thinking_on_every_request_is_not_complex_work() {
    within(async {
        let env = TestEnv::start().await;
        let body = |text: &str| {
            json!({"model": "auto", "max_tokens": 32000, "stream": false, "enable_thinking": true,
                   "messages": [{"role": "system", "content": "You are Qwen Code."},
                                {"role": "user", "content": text}]})
        };
        let qwen = "QwenCode/0.24.4 (linux; x64)";
        let response = post(
            &env,
            "/v1/chat/completions",
            qwen,
            body("What does main.rs do?"),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-router-kind"), "daily");
        assert!(header(&response, "x-router-reason").contains("think:client default"));
        // The thinking itself still reaches Ollama.
        let sent = env.sim_requests().await;
        assert_eq!(sent.last().unwrap()["think"], true, "{sent:?}");
        // Its real complex work is still recognised by wording…
        let response = post(
            &env,
            "/v1/chat/completions",
            qwen,
            body("Refactor main.rs into modules"),
        )
        .await;
        assert_eq!(header(&response, "x-router-kind"), "complex");
        // …and another client asking for thinking explicitly still gets complex routing.
        let response = post(
            &env,
            "/v1/chat/completions",
            "OpenAI/Python 2.8.1",
            body("What does main.rs do?"),
        )
        .await;
        assert_eq!(header(&response, "x-router-kind"), "complex");
    })
    .await;
}

#[tokio::test]
async fn design_in_a_css_question_stays_daily() {
    within(async {
        let env = TestEnv::start().await;
        let ask = |text: &str| {
            json!({"model": "auto", "stream": false,
                   "messages": [{"role": "user", "content": text}]})
        };
        let css = "How do I center this card? The design has a sidebar.\n.card { display: flex; }";
        let response = post(&env, "/api/chat", "ollama-python/0.6.3", ask(css)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-router-kind"), "daily");
        let response = post(
            &env,
            "/api/chat",
            "ollama-python/0.6.3",
            ask("Design a plugin system for the editor"),
        )
        .await;
        assert_eq!(header(&response, "x-router-kind"), "complex");
    })
    .await;
}

//! The only module that talks to Ollama: one pooled reqwest client, phase timeouts, `Host`
//! rewritten to the upstream's (Ollama answers 403 to foreign hosts), hop-by-hop headers dropped,
//! and no system proxy (an `HTTP_PROXY` in the environment must not capture loopback traffic).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Method};

use crate::config::UpstreamConfig;

/// A failure to get a response out of Ollama.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error(
        "cannot reach Ollama at {url}: {detail}. Start it with `ollama serve`, or point the router elsewhere with --upstream URL or upstream.url in router.toml"
    )]
    Connect { url: String, detail: String },
    /// Nothing answered the connection attempt in time (a host that is down, a firewall dropping
    /// packets, an Ollama whose accept queue is full): not "Ollama is not running", which is
    /// refused at once and reported as [`UpstreamError::Connect`].
    #[error(
        "could not connect to Ollama at {url} within {timeout:?} (upstream.connect_timeout): the host does not answer (down, unreachable, or a firewall dropping packets)"
    )]
    ConnectTimeout { url: String, timeout: Duration },
    #[error("Ollama at {url} sent no response within {timeout:?} (upstream.{setting})")]
    Timeout {
        url: String,
        timeout: Duration,
        /// The setting that bounded the wait: `first_byte_timeout` or `probe_timeout`.
        setting: &'static str,
    },
    #[error("request to Ollama at {url} failed: {detail}")]
    Other { url: String, detail: String },
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) and headers the proxy must own.
pub fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
    )
}

/// A client for one Ollama.
#[derive(Clone, Debug)]
pub struct Upstream {
    client: reqwest::Client,
    base: String,
    first_byte_timeout: Duration,
    connect_timeout: Duration,
    probe_timeout: Duration,
}

impl Upstream {
    pub fn new(config: &UpstreamConfig) -> Result<Upstream, UpstreamError> {
        let base = config.url.trim_end_matches('/').to_string();
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(config.connect_timeout.0)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| UpstreamError::Other {
                url: base.clone(),
                detail: e.to_string(),
            })?;
        Ok(Upstream {
            client,
            base,
            first_byte_timeout: config.first_byte_timeout.0,
            connect_timeout: config.connect_timeout.0,
            probe_timeout: config.probe_timeout.0,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// POSTs a JSON body. Returns once headers arrive; non-2xx statuses come back as `Ok`.
    pub async fn post_json(
        &self,
        path: &str,
        body: Bytes,
    ) -> Result<reqwest::Response, UpstreamError> {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> Result<reqwest::Response, UpstreamError> {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    /// The router's own query: GETs and decodes JSON, treating non-2xx as an error. The whole
    /// exchange is bounded by `upstream.probe_timeout`, not `first_byte_timeout`: start-up and the
    /// pollers must not hang on an Ollama that accepts connections and never answers.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, UpstreamError> {
        self.probe(self.get_json_unbounded(path)).await
    }

    /// POSTs a JSON body and decodes a JSON answer, bounded like [`Upstream::get_json`]; `None`
    /// for a non-2xx status.
    pub async fn probe_post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Bytes,
    ) -> Result<Option<T>, UpstreamError> {
        self.probe(async {
            let resp = self.post_json(path, body).await?;
            if !resp.status().is_success() {
                return Ok(None);
            }
            resp.json()
                .await
                .map(Some)
                .map_err(|e| UpstreamError::Other {
                    url: self.base.clone(),
                    detail: format!("POST {path}: {e}"),
                })
        })
        .await
    }

    async fn probe<T>(
        &self,
        query: impl Future<Output = Result<T, UpstreamError>>,
    ) -> Result<T, UpstreamError> {
        tokio::time::timeout(self.probe_timeout, query)
            .await
            .unwrap_or_else(|_| {
                Err(UpstreamError::Timeout {
                    url: self.base.clone(),
                    timeout: self.probe_timeout,
                    setting: "probe_timeout",
                })
            })
    }

    async fn get_json_unbounded<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, UpstreamError> {
        let resp = self.get(path).await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(UpstreamError::Other {
                url: self.base.clone(),
                detail: format!("GET {path} answered {status}"),
            });
        }
        resp.json().await.map_err(|e| UpstreamError::Other {
            url: self.base.clone(),
            detail: format!("GET {path}: {e}"),
        })
    }

    /// Forwards an arbitrary request unchanged (pass-through). `path_and_query` keeps the query.
    pub async fn forward(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: reqwest::Body,
    ) -> Result<reqwest::Response, UpstreamError> {
        let mut req = self
            .client
            .request(method, format!("{}{path_and_query}", self.base));
        for (name, value) in headers {
            if !is_hop_by_hop(name) {
                req = req.header(name, value);
            }
        }
        self.send(req.body(body)).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, UpstreamError> {
        match tokio::time::timeout(self.first_byte_timeout, req.send()).await {
            Err(_) => Err(UpstreamError::Timeout {
                url: self.base.clone(),
                timeout: self.first_byte_timeout,
                setting: "first_byte_timeout",
            }),
            Ok(Err(e)) if e.is_connect() && e.is_timeout() => Err(UpstreamError::ConnectTimeout {
                url: self.base.clone(),
                timeout: self.connect_timeout,
            }),
            Ok(Err(e)) if e.is_connect() => Err(UpstreamError::Connect {
                url: self.base.clone(),
                detail: root_cause(&e),
            }),
            Ok(Err(e)) => Err(UpstreamError::Other {
                url: self.base.clone(),
                detail: root_cause(&e),
            }),
            Ok(Ok(resp)) => Ok(resp),
        }
    }
}

/// What a short probe of Ollama found: the states need different fixes (start Ollama, restart
/// a hung one, check the address or firewall).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamState {
    /// Answered `/api/version`.
    Ok,
    /// Nothing listens there (connection refused): Ollama is not running.
    Refused,
    /// The connection was accepted but no answer came in time: Ollama is hung or overloaded.
    Hung,
    /// The connection itself got no answer (host down, firewall dropping packets).
    Unreachable,
    /// Anything else (bad status, reset, DNS).
    Error,
}

impl Upstream {
    /// Asks `/api/version` with its own short deadline (`connect_timeout` + `probe_timeout`),
    /// whatever `first_byte_timeout` says, and classifies the outcome.
    pub async fn health_probe(&self) -> (UpstreamState, Option<String>) {
        let answer = self.probe_timeout;
        let req = self.client.get(format!("{}/api/version", self.base));
        match tokio::time::timeout(self.connect_timeout + answer, req.send()).await {
            Err(_) => (
                UpstreamState::Hung,
                Some(format!(
                    "Ollama at {} accepted the connection but did not answer within {answer:?}",
                    self.base
                )),
            ),
            Ok(Ok(resp)) if resp.status().is_success() => (UpstreamState::Ok, None),
            Ok(Ok(resp)) => (
                UpstreamState::Error,
                Some(format!("GET /api/version answered {}", resp.status())),
            ),
            Ok(Err(e)) => {
                let refused = io_kind(&e) == Some(std::io::ErrorKind::ConnectionRefused);
                let state = if refused {
                    UpstreamState::Refused
                } else if e.is_connect() && e.is_timeout() {
                    UpstreamState::Unreachable
                } else if e.is_timeout() {
                    UpstreamState::Hung
                } else {
                    UpstreamState::Error
                };
                (state, Some(root_cause(&e)))
            }
        }
    }
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

/// The innermost error's text: what actually went wrong, without the wrappers' words.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

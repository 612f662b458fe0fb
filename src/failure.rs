//! One failure type for the whole router, rendered by every dialect.
//!
//! Handlers, the pipeline, body reading and the upstream client each fail in their own words;
//! all of it converts into a [`Failure`], and [`Failure::render`] turns it into the caller's
//! dialect: Ollama's `{"error": "..."}`, OpenAI's `{"error": {"message", "type", "param",
//! "code"}}`, Anthropic's `{"type": "error", "error": {"type", "message"}}`. The status is the same
//! in every dialect (Anthropic's 529 for "overloaded" is the one deliberate difference: its SDKs
//! retry exactly that), so a timeout cannot be 504 in one dialect and 502 in another again.
//!
//! Adding a failure: add a variant, give it a status in [`Failure::status`], a message in
//! `Display`, and a row in the table test below; every dialect then renders it.
//!
//! Errors Ollama itself answered (a native 4xx/5xx body) are not failures of the router: the
//! dialects relay those with Ollama's status and text.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use router_core::request::Dialect;
use router_core::translate::anthropic::{ErrorType, error_body, prompt_too_long_message};
use router_core::translate::openai::OpenAiError;
use router_core::units::ByteSize;

use crate::api::BodyError;
use crate::pipeline::RouteFailure;
use crate::upstream::UpstreamError;

/// Everything that can go wrong in the router before or while answering a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The request itself is malformed (bad JSON, a missing field).
    #[error("{0}")]
    BadRequest(String),
    /// A model name nobody serves (`auto:bogus`, an unknown model where one is required).
    #[error("model '{0}' not found")]
    ModelNotFound(String),
    /// The prompt fits no routable context.
    #[error("prompt is too long: {tokens} tokens > {max} maximum")]
    PromptTooLong { tokens: u32, max: u32 },
    /// No installed model can serve this request (capabilities, VRAM). Retrying will not help,
    /// so it is a 400 that says why, not a 5xx that clients retry for minutes.
    #[error("{0}")]
    NoRoute(String),
    /// The request body is over `upstream.body_limit`.
    #[error("request body is larger than {limit} (upstream.body_limit in router.toml)")]
    BodyTooLarge { limit: ByteSize },
    /// The request body broke off or could not be read.
    #[error("could not read the request body: {0}")]
    BodyRead(String),
    /// Too many request headers, or too many bytes of them (`guard::MAX_HEADERS`,
    /// `guard::MAX_HEADER_BYTES`).
    #[error("{0}")]
    HeadersTooLarge(String),
    /// The path exists, the method does not.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    /// The request is refused by policy (for security middleware).
    #[error("{0}")]
    Forbidden(String),
    /// No token, or a wrong one, where `auth.tokens` asks for one. Answered with
    /// `WWW-Authenticate: Bearer`.
    #[error("{0}")]
    Unauthorized(String),
    /// A body type the endpoint does not take (a browser's form or text post to a JSON endpoint).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The router (or Ollama behind it) is busy; `retry_after` becomes a `Retry-After` header.
    #[error("{message}")]
    Overloaded {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Ollama sent no response in time.
    #[error("{0}")]
    UpstreamTimeout(String),
    /// Ollama cannot be reached, or the exchange with it failed.
    #[error("{0}")]
    Upstream(String),
    /// A bug or an impossible state in the router.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Failure {
    /// The HTTP status, the same in every dialect except Anthropic's `overloaded` (529).
    pub fn status(&self, dialect: Dialect) -> StatusCode {
        match self {
            Failure::BadRequest(_) | Failure::PromptTooLong { .. } | Failure::NoRoute(_) => {
                StatusCode::BAD_REQUEST
            }
            Failure::BodyRead(_) => StatusCode::BAD_REQUEST,
            Failure::ModelNotFound(_) => StatusCode::NOT_FOUND,
            Failure::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Failure::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Failure::Forbidden(_) => StatusCode::FORBIDDEN,
            Failure::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Failure::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Failure::Overloaded { .. } if dialect == Dialect::Anthropic => {
                ErrorType::OverloadedError.status()
            }
            Failure::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Failure::UpstreamTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Failure::Upstream(_) => StatusCode::BAD_GATEWAY,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether Ollama's side failed (counted as an upstream error), rather than the request.
    pub fn is_upstream(&self) -> bool {
        matches!(self, Failure::UpstreamTimeout(_) | Failure::Upstream(_))
    }

    /// The response in `dialect`'s error shape.
    pub fn render(&self, dialect: Dialect) -> Response {
        let status = self.status(dialect);
        let body: Vec<u8> = match dialect {
            Dialect::Ollama => serde_json::json!({ "error": self.to_string() })
                .to_string()
                .into(),
            Dialect::OpenAi => self.openai().to_json(),
            Dialect::Anthropic => {
                let message = match self {
                    // Claude Code compacts the conversation when it reads exactly this text.
                    Failure::PromptTooLong { tokens, max } => {
                        prompt_too_long_message(*tokens, *max)
                    }
                    other => other.to_string(),
                };
                error_body(self.anthropic_type(), message)
                    .to_string()
                    .into()
            }
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Failure::Unauthorized(_) = self {
            headers.insert(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer"),
            );
        }
        if let Failure::Overloaded {
            retry_after: Some(after),
            ..
        } = self
        {
            headers.insert(
                http::header::RETRY_AFTER,
                HeaderValue::from(after.as_secs().max(1)),
            );
        }
        response
    }

    /// The OpenAI error object (status, `type`, `param`, `code`).
    pub fn openai(&self) -> OpenAiError {
        match self {
            Failure::PromptTooLong { tokens, max } => {
                OpenAiError::context_length_exceeded(*tokens, *max)
            }
            Failure::ModelNotFound(_) => OpenAiError::model_not_found(self.to_string()),
            Failure::BadRequest(_) | Failure::NoRoute(_) | Failure::BodyRead(_) => {
                OpenAiError::invalid_request(self.to_string(), None)
            }
            other => {
                let mut e = OpenAiError::with_status(
                    other.status(Dialect::OpenAi).as_u16(),
                    other.to_string(),
                );
                if let Failure::Unauthorized(_) = other {
                    // What OpenAI answers a wrong key with; SDKs raise AuthenticationError.
                    e.code = Some("invalid_api_key".into());
                }
                e.error_type = match other {
                    Failure::Forbidden(_) => "permission_error",
                    Failure::Unauthorized(_) | Failure::UnsupportedMediaType(_) => {
                        "invalid_request_error"
                    }
                    Failure::Overloaded { .. } => "rate_limit_error",
                    Failure::BodyTooLarge { .. }
                    | Failure::MethodNotAllowed { .. }
                    | Failure::HeadersTooLarge(_) => "invalid_request_error",
                    _ => "api_error",
                };
                e
            }
        }
    }

    /// Anthropic's error `type`.
    pub fn anthropic_type(&self) -> ErrorType {
        match self {
            Failure::BadRequest(_)
            | Failure::PromptTooLong { .. }
            | Failure::NoRoute(_)
            | Failure::BodyRead(_)
            | Failure::MethodNotAllowed { .. }
            | Failure::HeadersTooLarge(_)
            | Failure::UnsupportedMediaType(_) => ErrorType::InvalidRequestError,
            Failure::Unauthorized(_) => ErrorType::AuthenticationError,
            Failure::ModelNotFound(_) => ErrorType::NotFoundError,
            Failure::BodyTooLarge { .. } => ErrorType::RequestTooLarge,
            Failure::Forbidden(_) => ErrorType::PermissionError,
            Failure::Overloaded { .. } => ErrorType::OverloadedError,
            Failure::UpstreamTimeout(_) | Failure::Upstream(_) | Failure::Internal(_) => {
                ErrorType::ApiError
            }
        }
    }
}

impl From<RouteFailure> for Failure {
    fn from(f: RouteFailure) -> Failure {
        match f {
            RouteFailure::BadRequest(m) => Failure::BadRequest(m),
            RouteFailure::ModelNotFound(m) => Failure::ModelNotFound(m),
            RouteFailure::PromptTooLong { tokens, max } => Failure::PromptTooLong { tokens, max },
            RouteFailure::NoRoute(m) => Failure::NoRoute(m),
        }
    }
}

impl From<&UpstreamError> for Failure {
    fn from(e: &UpstreamError) -> Failure {
        match e {
            UpstreamError::Timeout { .. } | UpstreamError::ConnectTimeout { .. } => {
                Failure::UpstreamTimeout(e.to_string())
            }
            UpstreamError::Connect { .. } | UpstreamError::Other { .. } => {
                Failure::Upstream(e.to_string())
            }
        }
    }
}

impl From<UpstreamError> for Failure {
    fn from(e: UpstreamError) -> Failure {
        Failure::from(&e)
    }
}

impl From<BodyError> for Failure {
    fn from(e: BodyError) -> Failure {
        match e {
            BodyError::TooLarge { limit } => Failure::BodyTooLarge { limit },
            BodyError::Read(m) => Failure::BodyRead(m),
            BodyError::Busy { retry_after } => Failure::Overloaded {
                message: crate::guard::BODY_BUDGET_MESSAGE.into(),
                retry_after: Some(retry_after),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn every_failure() -> Vec<(Failure, u16)> {
        vec![
            (Failure::BadRequest("bad json".into()), 400),
            (Failure::ModelNotFound("auto:bogus".into()), 404),
            (Failure::PromptTooLong { tokens: 9, max: 8 }, 400),
            (Failure::NoRoute("no model can see images".into()), 400),
            (
                Failure::BodyTooLarge {
                    limit: ByteSize::mib(1),
                },
                413,
            ),
            (Failure::BodyRead("reset".into()), 400),
            (
                Failure::MethodNotAllowed {
                    method: "GET".into(),
                    path: "/api/chat".into(),
                },
                405,
            ),
            (Failure::HeadersTooLarge("200 headers".into()), 431),
            (Failure::Forbidden("no".into()), 403),
            (Failure::Unauthorized("no token".into()), 401),
            (Failure::UnsupportedMediaType("text/plain".into()), 415),
            (
                Failure::Overloaded {
                    message: "busy".into(),
                    retry_after: Some(Duration::from_secs(3)),
                },
                503,
            ),
            (Failure::UpstreamTimeout("slow".into()), 504),
            (Failure::Upstream("refused".into()), 502),
            (Failure::Internal("oops".into()), 500),
        ]
    }

    async fn body(r: Response) -> Value {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Each failure × each dialect: the status, and the dialect's body shape with a message.
    #[tokio::test]
    async fn every_failure_renders_in_every_dialect() {
        for (failure, status) in every_failure() {
            for dialect in [Dialect::Ollama, Dialect::OpenAi, Dialect::Anthropic] {
                let r = failure.render(dialect);
                let expected = match (&failure, dialect) {
                    (Failure::Overloaded { .. }, Dialect::Anthropic) => 529,
                    _ => status,
                };
                assert_eq!(r.status().as_u16(), expected, "{failure:?} in {dialect:?}");
                assert!(
                    r.headers()[http::header::CONTENT_TYPE]
                        .to_str()
                        .unwrap()
                        .starts_with("application/json")
                );
                if matches!(failure, Failure::Overloaded { .. }) {
                    assert_eq!(r.headers()[http::header::RETRY_AFTER], "3");
                }
                if matches!(failure, Failure::Unauthorized(_)) {
                    assert_eq!(r.headers()[http::header::WWW_AUTHENTICATE], "Bearer");
                }
                let v = body(r).await;
                let message = match dialect {
                    Dialect::Ollama => v["error"].as_str(),
                    Dialect::OpenAi => {
                        assert!(v["error"]["type"].is_string(), "{v}");
                        assert!(v["error"].get("param").is_some(), "{v}");
                        assert!(v["error"].get("code").is_some(), "{v}");
                        v["error"]["message"].as_str()
                    }
                    Dialect::Anthropic => {
                        assert_eq!(v["type"], "error", "{v}");
                        assert_eq!(
                            v["error"]["type"],
                            serde_json::to_value(failure.anthropic_type()).unwrap(),
                            "{v}"
                        );
                        v["error"]["message"].as_str()
                    }
                };
                assert!(
                    message.is_some_and(|m| !m.is_empty()),
                    "{failure:?} in {dialect:?}: {v}"
                );
            }
        }
    }

    #[test]
    fn dialect_specific_wording_survives() {
        let too_long = Failure::PromptTooLong {
            tokens: 40000,
            max: 32768,
        };
        assert_eq!(
            too_long.openai().code.as_deref(),
            Some("context_length_exceeded")
        );
        assert_eq!(
            too_long.to_string(),
            prompt_too_long_message(40000, 32768),
            "Claude Code matches this text"
        );
    }
}

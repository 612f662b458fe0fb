//! Shared plumbing of the layers that, like Ollama's middlewares, run a native `/api/chat` and
//! rewrite its NDJSON stream as Server-Sent Events (`/v1/responses`, `/v1/messages`).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;

use super::gowire::go_html_escape;

/// One `event: <name>\ndata: <json>\n\n` frame, the JSON escaped like Go's `json.Marshal`.
pub fn event_frame(name: &str, data: &impl Serialize) -> Vec<u8> {
    let json = serde_json::to_vec(data)
        .map(go_html_escape)
        .unwrap_or_else(|err| {
            tracing::error!(%err, "sim: failed to serialise an event");
            b"{}".to_vec()
        });
    let mut frame = format!("event: {name}\ndata: ").into_bytes();
    frame.extend_from_slice(&json);
    frame.extend_from_slice(b"\n\n");
    frame
}

/// What Ollama's writers send for a whole body: `json.NewEncoder(w).Encode` (a trailing newline)
/// under a bare `application/json`, unlike gin's `c.JSON` (`; charset=utf-8`, no newline), which
/// the middlewares use only for their own validation errors.
pub fn encoder_response(status: StatusCode, body: &impl Serialize) -> Response {
    let mut bytes = serde_json::to_vec(body)
        .map(go_html_escape)
        .unwrap_or_else(|err| {
            tracing::error!(%err, "sim: failed to serialise a body");
            b"{}".to_vec()
        });
    bytes.push(b'\n');
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Sorts object keys recursively, as Go marshals a `map[string]any`; the values under `keep`
/// keys are left as they are (Go's `json.RawMessage` keeps the client's order).
pub fn go_map(value: Value, keep: &[&str]) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if keep.contains(&k.as_str()) {
                            v
                        } else {
                            go_map(v, keep)
                        };
                        (k, v)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| go_map(v, keep)).collect()),
        other => go_number(other),
    }
}

/// A number as Go's encoder writes a `float64`: no `.0` on whole values (`1.0` -> `1`).
pub fn go_number(value: Value) -> Value {
    match value.as_f64() {
        Some(f) if value.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => Value::from(f as i64),
        _ => value,
    }
}

/// [`go_number`] applied to every number, outside `keep` keys.
pub fn go_numbers(value: Value, keep: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if keep.contains(&k.as_str()) {
                        v
                    } else {
                        go_numbers(v, keep)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| go_numbers(v, keep)).collect())
        }
        other => go_number(other),
    }
}

/// A native NDJSON chat stream rewritten frame by frame: `convert` gets each chunk and returns
/// the bytes to send. An `{"error"}` line mid-stream is, as in Ollama's writers, decoded into an
/// empty `api.ChatResponse` (so `convert` sees `{}`), and the stream ends after it.
pub fn transcode<F>(native: Response, convert: F) -> Response
where
    F: FnMut(&Value) -> Vec<u8> + Send + 'static,
{
    let data = native.into_body().into_data_stream();
    let frames = futures_util::stream::unfold(
        (data, Vec::<u8>::new(), convert, false),
        |(mut data, mut buf, mut convert, finished)| async move {
            if finished {
                return None;
            }
            loop {
                if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=pos).collect();
                    let Ok(value) = serde_json::from_slice::<Value>(&line) else {
                        continue;
                    };
                    let failed = value.get("error").is_some();
                    let chunk = if failed {
                        Value::Object(serde_json::Map::new())
                    } else {
                        value
                    };
                    let out = convert(&chunk);
                    if out.is_empty() && !failed {
                        continue;
                    }
                    return Some((
                        Ok::<_, std::io::Error>(Bytes::from(out)),
                        (data, buf, convert, failed),
                    ));
                }
                match data.next().await {
                    Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                    _ => return None,
                }
            }
        },
    );
    let mut response = Response::new(Body::from_stream(frames));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

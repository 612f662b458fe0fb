//! Streaming helpers: NDJSON line framing over an upstream body, without buffering whole bodies.
//!
//! A network chunk can hold half a line or several lines; [`LineSplitter`] keeps a carry buffer and
//! yields complete lines (without the trailing `\n`, tolerant of `\r\n`, or as received for
//! [`ndjson_frames`], which the relay passes on untouched).

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

/// Splits a byte stream into `\n`-terminated lines.
#[derive(Debug, Default)]
pub struct LineSplitter {
    carry: BytesMut,
}

impl LineSplitter {
    pub fn new() -> LineSplitter {
        LineSplitter::default()
    }

    /// Feeds one chunk; returns the complete lines it finished, without their terminators
    /// (blank lines are skipped).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Bytes> {
        self.push_raw(chunk)
            .into_iter()
            .map(|line| {
                let content = line.as_ref().trim_ascii_end().len();
                line.slice(..content)
            })
            .collect()
    }

    /// Feeds one chunk; returns the complete lines it finished as received, terminators
    /// included, so they can be passed on without a copy (blank lines are skipped).
    pub fn push_raw(&mut self, chunk: &[u8]) -> Vec<Bytes> {
        self.carry.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(pos) = self.carry.iter().position(|b| *b == b'\n') {
            let line = self.carry.split_to(pos + 1).freeze();
            if !line.as_ref().trim_ascii().is_empty() {
                lines.push(line);
            }
        }
        lines
    }

    /// The unterminated tail at end of stream, trimmed, if any (Ollama always ends lines, but
    /// be lenient).
    pub fn finish(&mut self) -> Option<Bytes> {
        self.finish_raw().map(|rest| {
            let trimmed = rest.as_ref().trim_ascii();
            rest.slice_ref(trimmed)
        })
    }

    /// The unterminated tail at end of stream as received (a non-streamed answer is one JSON
    /// object with no newline).
    pub fn finish_raw(&mut self) -> Option<Bytes> {
        let rest = std::mem::take(&mut self.carry).freeze();
        (!rest.as_ref().trim_ascii().is_empty()).then_some(rest)
    }
}

/// Turns a byte stream (an upstream body) into its NDJSON lines as received, terminators
/// included. Lazy: nothing is spawned, so dropping the consumer drops the upstream body and
/// Ollama stops generating.
pub fn ndjson_frames<S, E>(body: S) -> impl Stream<Item = Result<Bytes, E>> + Send
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: Send,
{
    let state = (body, LineSplitter::new(), VecDeque::new(), false);
    futures_util::stream::unfold(
        state,
        |(mut body, mut splitter, mut pending, mut ended)| async move {
            loop {
                if let Some(line) = pending.pop_front() {
                    return Some((Ok(line), (body, splitter, pending, ended)));
                }
                if ended {
                    return None;
                }
                match body.next().await {
                    Some(Ok(chunk)) => pending.extend(splitter.push_raw(&chunk)),
                    Some(Err(err)) => {
                        return Some((Err(err), (body, splitter, pending, true)));
                    }
                    None => {
                        ended = true;
                        pending.extend(splitter.finish_raw());
                    }
                }
            }
        },
    )
}

/// Wraps a stream so that a silence longer than `idle` ends it with an error.
pub fn with_idle_timeout<S, T, E>(
    stream: S,
    idle: std::time::Duration,
    on_timeout: impl Fn() -> E + Send + 'static,
) -> impl Stream<Item = Result<T, E>> + Send
where
    S: Stream<Item = Result<T, E>> + Unpin + Send,
    T: Send,
    E: Send,
{
    futures_util::stream::unfold(
        (stream, on_timeout, false),
        move |(mut s, f, done)| async move {
            if done {
                return None;
            }
            match tokio::time::timeout(idle, s.next()).await {
                Ok(Some(item)) => Some((item, (s, f, false))),
                Ok(None) => None,
                Err(_) => {
                    let e = f();
                    Some((Err(e), (s, f, true)))
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_chunks() {
        let mut s = LineSplitter::new();
        assert!(s.push(b"{\"a\":").is_empty());
        let lines = s.push(b"1}\n{\"b\":2}\r\n{\"c\"");
        assert_eq!(
            lines,
            vec![Bytes::from("{\"a\":1}"), Bytes::from("{\"b\":2}")]
        );
        assert_eq!(s.push(b":3}\n\n"), vec![Bytes::from("{\"c\":3}")]);
        assert_eq!(s.finish(), None);
        s.push(b"tail ");
        assert_eq!(s.finish(), Some(Bytes::from("tail")));
    }

    #[test]
    fn raw_lines_keep_their_bytes() {
        let mut s = LineSplitter::new();
        assert_eq!(
            s.push_raw(b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\""),
            vec![Bytes::from("{\"a\":1}\n"), Bytes::from("{\"b\":2}\r\n")]
        );
        assert_eq!(s.finish_raw(), Some(Bytes::from("{\"c\"")));
        assert_eq!(s.finish_raw(), None);
    }
}

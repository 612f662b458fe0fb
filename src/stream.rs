//! Streaming helpers: NDJSON line framing over an upstream body, without buffering whole bodies.
//!
//! A network chunk can hold half a line or several lines; [`LineSplitter`] keeps a carry buffer and
//! yields complete lines (without the trailing `\n`, tolerant of `\r\n`).

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

    /// Feeds one chunk; returns the complete lines it finished (empty lines are skipped).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Bytes> {
        self.carry.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(pos) = self.carry.iter().position(|b| *b == b'\n') {
            let mut line = self.carry.split_to(pos + 1);
            line.truncate(pos);
            if line.last() == Some(&b'\r') {
                line.truncate(pos - 1);
            }
            if !line.is_empty() {
                lines.push(line.freeze());
            }
        }
        lines
    }

    /// The unterminated tail at end of stream, if any (Ollama always ends lines, but be lenient).
    pub fn finish(&mut self) -> Option<Bytes> {
        let rest = std::mem::take(&mut self.carry);
        let rest = rest.freeze();
        let trimmed = trim_ascii(&rest);
        (!trimmed.is_empty()).then(|| rest.slice_ref(trimmed))
    }
}

fn trim_ascii(b: &Bytes) -> &[u8] {
    b.as_ref().trim_ascii()
}

/// Turns a byte stream (an upstream body) into a stream of NDJSON lines. Lazy: nothing is spawned,
/// so dropping the consumer drops the upstream body and Ollama stops generating.
pub fn ndjson_lines<S, E>(body: S) -> impl Stream<Item = Result<Bytes, E>> + Send
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
                    Some(Ok(chunk)) => pending.extend(splitter.push(&chunk)),
                    Some(Err(err)) => {
                        return Some((Err(err), (body, splitter, pending, true)));
                    }
                    None => {
                        ended = true;
                        pending.extend(splitter.finish());
                    }
                }
            }
        },
    )
}

/// Remembers the last complete NDJSON line of a stream without storing the rest, so the final
/// chunk's metrics can be read after bytes were passed through untouched.
#[derive(Debug, Default)]
pub struct LastLine {
    current: BytesMut,
    last: Option<Bytes>,
}

impl LastLine {
    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            self.current.extend_from_slice(&rest[..pos]);
            let line = std::mem::take(&mut self.current).freeze();
            if !line.as_ref().trim_ascii().is_empty() {
                self.last = Some(line);
            }
            rest = &rest[pos + 1..];
        }
        self.current.extend_from_slice(rest);
    }

    /// The last line, counting an unterminated tail (a non-stream body has no trailing newline).
    pub fn finish(mut self) -> Option<Bytes> {
        let tail = std::mem::take(&mut self.current).freeze();
        if tail.as_ref().trim_ascii().is_empty() {
            self.last
        } else {
            Some(tail)
        }
    }
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
    fn last_line_survives_chunking() {
        let mut l = LastLine::default();
        l.push(b"{\"a\":1}\n{\"do");
        l.push(b"ne\":true}\n");
        assert_eq!(l.finish(), Some(Bytes::from("{\"done\":true}")));
        let mut l = LastLine::default();
        l.push(b"{\"whole\":1}");
        assert_eq!(l.finish(), Some(Bytes::from("{\"whole\":1}")));
    }
}

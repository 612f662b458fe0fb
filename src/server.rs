//! The accept loop: HTTP/1 connections served by hyper with the limits axum's `serve` cannot
//! set: a cap on open connections, a deadline for a request's headers, an idle deadline for
//! connections with no request in progress, and a graceful drain on shutdown.
//!
//! Why our own loop: 300 idle sockets starved a router with 256 descriptors, and a client that
//! sends headers one byte a minute held a task forever. hyper's own `header_read_timeout` also
//! runs while a keep-alive connection waits for its next request, so one timer cannot give both
//! a short header deadline and a longer idle one; [`Deadlines`] around the socket does.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// How many request headers hyper parses, above [`crate::guard::MAX_HEADERS`]: hyper answers a
/// request over its own limit with an empty 431 before any handler; one between the two reaches
/// the guard, which answers 431 with a body in the caller's dialect.
pub const HYPER_MAX_HEADERS: usize = 1024;

/// Per-connection limits, read for each new connection (a config reload applies to the next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Open connections at most; further clients wait in the kernel's accept queue.
    pub max_connections: usize,
    /// From a request's first byte to its complete head.
    pub header_read: Duration,
    /// With no request in progress (keep-alive, or a socket that never speaks).
    pub idle: Duration,
}

/// The connection limits of the current config snapshot, for [`serve`].
pub fn limits_from(
    settings: crate::config::SettingsShared,
) -> impl Fn() -> ConnLimits + Send + Sync + 'static {
    move || {
        let l = &settings.load().config.limits;
        ConnLimits {
            max_connections: l.max_connections,
            header_read: l.header_read_timeout.0,
            idle: l.idle_connection_timeout.0,
        }
    }
}

/// How `serve` stops: when `shutdown` completes it accepts no more connections, lets idle ones
/// close, lets requests in progress finish for up to `grace`, then drops what is left.
pub struct Drain<F> {
    pub shutdown: F,
    pub grace: Duration,
}

/// Serves `app` on `listener` until the drain's `shutdown` future completes and connections are
/// drained. `limits` is called for every accepted connection.
pub async fn serve<F, L>(
    listener: TcpListener,
    app: Router,
    limits: L,
    drain: Drain<F>,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send,
    L: Fn() -> ConnLimits + Send + Sync + 'static,
{
    let local = listener.local_addr()?;
    let open = Arc::new(OpenConnections::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let shutdown = drain.shutdown;
    tokio::pin!(shutdown);
    loop {
        let current = limits();
        // Wait for a free connection slot before accepting: waiting clients stay in the
        // kernel's backlog instead of costing a descriptor and a task each.
        tokio::select! {
            () = &mut shutdown => break,
            () = open.wait_below(current.max_connections) => {}
        }
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors or a reset before accept: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Streamed tokens are tiny writes; Nagle would hold them back.
        let _ = tcp.set_nodelay(true);
        let held = open.clone().enter();
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            let _held = held;
            serve_connection(tcp, peer, local, app, current, &mut stop).await;
        });
        // Reap finished tasks so the set does not grow with every connection ever served.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(drain.grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = tasks.len(),
            "shutdown grace elapsed; closing the answers still streaming"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
    Ok(())
}

async fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    app: Router,
    limits: ConnLimits,
    stop: &mut watch::Receiver<bool>,
) {
    let busy = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Deadlines::new(tcp, busy.clone(), limits));
    let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req.extensions_mut().insert(crate::guard::Peer(peer));
        req.extensions_mut().insert(LocalAddr(local));
        let busy = Busy::enter(busy.clone());
        let app = app.clone();
        async move {
            let response = app.oneshot(req).await.unwrap_or_else(|e| match e {});
            Ok::<_, std::convert::Infallible>(
                response.map(|inner| Body::new(BusyBody { inner, _busy: busy })),
            )
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .max_headers(HYPER_MAX_HEADERS)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            return;
        }
        _ = stop.wait_for(|s| *s) => {}
    }
    // Shutting down: finish the request in progress (if any), then close.
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "connection ended with an error while draining");
    }
}

/// The address the client connected to.
#[derive(Debug, Clone, Copy)]
pub struct LocalAddr(pub SocketAddr);

/// Open connections, and a wake-up when one closes.
#[derive(Default)]
struct OpenConnections {
    count: AtomicUsize,
    closed: Notify,
}

impl OpenConnections {
    async fn wait_below(&self, max: usize) {
        loop {
            let notified = self.closed.notified();
            if self.count.load(Ordering::Acquire) < max.max(1) {
                return;
            }
            notified.await;
        }
    }

    fn enter(self: Arc<Self>) -> OpenGuard {
        self.count.fetch_add(1, Ordering::AcqRel);
        OpenGuard(self)
    }
}

struct OpenGuard(Arc<OpenConnections>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::AcqRel);
        self.0.closed.notify_waiters();
    }
}

/// Requests in progress on one connection (response body not yet finished).
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(count: Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::AcqRel);
        Busy(count)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

struct BusyBody {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for BusyBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Which deadline a quiet connection is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A request is in progress: its own timeouts (upstream, body stall) apply, not ours.
    Busy,
    /// Nothing in progress and nothing received: `idle`.
    Idle,
    /// Bytes of a new request arrived: its head must be complete within `header_read`.
    Head,
}

/// A socket that ends itself when a quiet connection outlives its deadline: `idle` with no
/// request in progress, `header_read` once a request has started but its handler has not.
struct Deadlines<T> {
    inner: T,
    busy: Arc<AtomicUsize>,
    limits: ConnLimits,
    phase: Phase,
    timer: Pin<Box<Sleep>>,
}

impl<T> Deadlines<T> {
    fn new(inner: T, busy: Arc<AtomicUsize>, limits: ConnLimits) -> Deadlines<T> {
        Deadlines {
            inner,
            busy,
            limits,
            phase: Phase::Busy,
            timer: Box::pin(tokio::time::sleep(limits.idle)),
        }
    }

    fn enter(&mut self, phase: Phase) {
        if self.phase == phase {
            return;
        }
        self.phase = phase;
        let after = match phase {
            Phase::Busy => return,
            Phase::Idle => self.limits.idle,
            Phase::Head => self.limits.header_read,
        };
        self.timer.as_mut().reset(Instant::now() + after);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Deadlines<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let busy = this.busy.load(Ordering::Acquire) > 0;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let got = buf.filled().len() > before;
                if busy {
                    this.enter(Phase::Busy);
                } else if got {
                    this.enter(Phase::Head);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if busy {
                    this.enter(Phase::Busy);
                    return Poll::Pending;
                }
                if this.phase == Phase::Busy {
                    this.enter(Phase::Idle);
                }
                if this.timer.as_mut().poll(cx).is_ready() {
                    let what = if this.phase == Phase::Head {
                        "request headers not complete within limits.header_read_timeout"
                    } else {
                        "connection idle longer than limits.idle_connection_timeout"
                    };
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        what,
                    )));
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Deadlines<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

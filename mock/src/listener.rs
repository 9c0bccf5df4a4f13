//! The listener of [`crate::spawn`]: serves up to [`crate::Limits::max_connections`]
//! connections at once with hyper (HTTP/1.1 and HTTP/2), closing those whose request head takes
//! longer than the header timeout or on which nothing moves for the idle timeout. The body
//! timeout is the dispatcher's (it reads the bodies). A connection beyond the limit is not
//! refused: it is accepted only once a slot frees, waiting meanwhile in the listen backlog
//! (first come, first served; the kernel bounds it), so the timeouts that free slots also
//! bound how long it waits.

use crate::server::App;
use axum::handler::Handler;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

/// Serves `listener` until `stop` resolves, then lets the connections in flight finish their
/// requests (the caller bounds how long it waits).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = app.config.limits;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let service = TowerToHyperService::new(crate::dispatch::handle.with_state(app));
    tokio::pin!(stop);
    let mut saturated = false;
    loop {
        // The slot first, then the connection: beyond the limit, connections wait in the
        // listen backlog until one in service ends (slow heads end at the header timeout).
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                saturated = false;
                slot
            }
            Err(_) => {
                if !std::mem::replace(&mut saturated, true) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "every connection slot in use: new connections wait until one frees"
                    );
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = &mut stop => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted:
                // accept again after a pause rather than spin.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        // Before its first byte a connection is held to the header timeout too: hyper's
        // starts only once the first bytes tell HTTP/1 from HTTP/2, so a silent connection
        // would hold its slot for the idle timeout.
        let first_byte = limits.header_timeout().min(limits.idle_timeout());
        let io = TokioIo::new(Idle::new(stream, limits.idle_timeout(), first_byte));
        let connection = builder.serve_connection_with_upgrades(io, service.clone()).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A connection that fails with `TimedOut` once no byte has been read or written for the idle
/// timeout while the server waits to read: idle keep-alive connections and stalled requests
/// end, and their slot is freed.
struct Idle<T> {
    io: T,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> Idle<T> {
    /// `first_byte`: how long the first byte may take; after it, `timeout` between bytes.
    fn new(io: T, timeout: Duration, first_byte: Duration) -> Idle<T> {
        Idle { io, timeout, deadline: Box::pin(tokio::time::sleep(first_byte)) }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.timeout);
    }

    fn wrote(&mut self, written: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        written
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Idle<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no byte moved within the idle timeout",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Idle<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        this.wrote(written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.wrote(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

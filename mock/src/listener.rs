//! The listener of [`crate::spawn`]: serves up to [`crate::Limits::max_connections`]
//! connections at once with hyper, HTTP/1.1 only (both documents are HTTP/1.1 APIs, and the
//! runner's and the generated client's reqwest is built without HTTP/2; an HTTP/2 connection
//! sending PINGs escaped the header timeout), closing those whose request head takes longer
//! than the header timeout, on which nothing moves for the idle timeout, or whose answer is
//! not taken within the send timeout. The body timeout is the dispatcher's (it reads the
//! bodies). A connection beyond the limit waits for a slot in a bounded waiting room (first
//! come, first served), so the timeouts that free slots also bound how long it waits; beyond
//! the room it is told at once to retry (see [`Room`]).

use crate::server::App;
use axum::handler::Handler;
use axum::http::StatusCode;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
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
    let room = Room::new(limits.max_connections);
    let mut builder = http1::Builder::new();
    builder.timer(Woken).header_read_timeout(limits.header_timeout());
    let tick = tick(limits.header_timeout(), limits.idle_timeout().min(limits.send_timeout()));
    // Before its first byte a connection is held to the header timeout too: hyper's starts
    // only once the first bytes arrive, so a silent connection would hold its slot for the
    // idle timeout.
    let first_byte = limits.header_timeout().min(limits.idle_timeout());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let service = TowerToHyperService::new(crate::dispatch::handle.with_state(app));
    tokio::pin!(stop);
    let mut saturated = false;
    'serving: loop {
        // Every slot, place and refusal taken: leave new connections in the listen backlog
        // until one frees (refusals end within a fraction of a second).
        while slots.available_permits() == 0 && room.is_full() {
            tokio::select! {
                () = room.freed.notified() => {}
                () = &mut stop => break 'serving,
            }
        }
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
        let (builder, service, watcher) = (builder.clone(), service.clone(), graceful.watcher());
        let serve_on = move |stream: TcpStream, slot: OwnedSemaphorePermit| async move {
            let io = TokioIo::new(Idle::new(stream, limits, first_byte, tick));
            if let Err(error) = watcher.watch(builder.serve_connection(io, service)).await {
                log_refused(&error);
                tracing::debug!(%error, "connection closed");
            }
            drop(slot);
        };
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                saturated = false;
                tokio::spawn(serve_on(stream, slot));
            }
            Err(_) => {
                if !std::mem::replace(&mut saturated, true) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "every connection slot in use: new connections wait until one frees"
                    );
                }
                room.wait_or_refuse(stream, slots.clone(), serve_on);
            }
        }
    }
    // Connections still waiting for a slot are dropped.
    slots.close();
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Where connections beyond the limit wait for a slot, first come first served (tokio's
/// semaphore is fair): at most a quarter of the limit of them. Beyond, a connection is
/// answered at once 429 `APIGW.0308` with `Retry-After` (the gateway's documented answer to
/// too much traffic), as many refusals at once. Once, they
/// waited in the kernel's listen backlog; past its 1,024 the kernel dropped their SYNs and a
/// client retransmitting behind a flood waited without bound (over 90 s seen), unable to tell
/// "wait" from "dead". Open files stay under the limit plus half of it: with every place and
/// refusal taken, new connections stay in the backlog until one frees (a refusal ends within
/// 200 ms), so every accepted connection is served or answered.
struct Room {
    most: usize,
    waiting: Arc<AtomicUsize>,
    refusing: Arc<AtomicUsize>,
    /// Told whenever a place or a refusal ends.
    freed: Arc<tokio::sync::Notify>,
}

impl Room {
    fn new(max_connections: usize) -> Room {
        Room {
            most: max_connections.div_ceil(4),
            waiting: Arc::default(),
            refusing: Arc::default(),
            freed: Arc::default(),
        }
    }

    /// Every place and every refusal taken.
    fn is_full(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) >= self.most
            && self.refusing.load(Ordering::Relaxed) >= self.most
    }

    /// Has `stream` wait for a slot of `slots` and then be served by `serve_on`, or refuses it.
    fn wait_or_refuse<F>(
        &self,
        stream: TcpStream,
        slots: Arc<Semaphore>,
        serve_on: impl FnOnce(TcpStream, OwnedSemaphorePermit) -> F + Send + 'static,
    ) where
        F: Future<Output = ()> + Send,
    {
        let counted = |count: &Arc<AtomicUsize>| {
            let before = count.fetch_add(1, Ordering::Relaxed);
            if before < self.most {
                return Some(Counted(count.clone(), self.freed.clone()));
            }
            count.fetch_sub(1, Ordering::Relaxed);
            None
        };
        if let Some(place) = counted(&self.waiting) {
            tokio::spawn(async move {
                let slot = slots.acquire_owned().await;
                drop(place);
                if let Ok(slot) = slot {
                    serve_on(stream, slot).await;
                }
            });
        } else {
            // Uncounted only when a waiting connection took the slot seen free a moment ago.
            let place = counted(&self.refusing);
            tokio::spawn(async move {
                refuse(stream).await;
                drop(place);
            });
        }
    }
}

/// One in a [`Room`]'s count, until dropped (which tells the accept loop).
struct Counted(Arc<AtomicUsize>, Arc<tokio::sync::Notify>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
        self.1.notify_one();
    }
}

/// Answers 429 `APIGW.0308` with `Retry-After: 1` and `Connection: close`, then reads what the
/// client sent, for at most a fifth of a second (closing with its request unread would reset
/// the connection before the client reads the answer; a silent flood must not hold the
/// refusals long).
async fn refuse(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let code = csbs_types::codes::gateway::APIGW_0308;
    let body = serde_json::json!({
        "error_code": code.code,
        "error_msg": format!("{}: every connection slot is in use, and as many connections \
                              wait for one as may", code.message),
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    crate::dispatch::log("-", "-", StatusCode::TOO_MANY_REQUESTS, Some(code.code), 0.0);
    let _ = tokio::time::timeout(Duration::from_millis(200), async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), io::Error>(())
    })
    .await;
}

/// A request hyper refused itself, before the mock saw it, gets its request-log line too:
/// method and path `-` (hyper keeps neither), the status hyper answered (431 for a head too
/// large, 414 for a URI too long, 400 for one it cannot parse), `ms` 0.
fn log_refused(error: &hyper::Error) {
    if !error.is_parse() || error.is_parse_version_h2() {
        return;
    }
    let status = match (error.is_parse_too_large(), error.to_string().contains("URI")) {
        (true, true) => StatusCode::URI_TOO_LONG,
        (true, false) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        (false, _) => StatusCode::BAD_REQUEST,
    };
    crate::dispatch::log("-", "-", status, None, 0.0);
}

/// A connection that fails with `TimedOut` once no byte has been read or written for the idle
/// timeout (before its first byte: `first_byte`) while the server waits to read: idle
/// keep-alive connections and stalled requests end, and their slot is freed. It also fails
/// once an answer has waited for the send timeout to be taken, counted from the first write
/// that could not go through until hyper flushes the answer whole: a client reading a few
/// bytes before every idle timeout is cut there.
///
/// Time is counted in ticks (an eighth of the shorter of the header and idle timeouts), not by
/// re-arming a timer at every read and write: a read or write only sets `moved`, and a tick
/// with nothing moved since the last one counts as quiet. So a connection closes between its
/// timeout and one tick after it. The ticks also wake a connection waiting for a request head,
/// which is what lets hyper's header timer ([`Woken`]) do without a timer entry per request.
struct Idle {
    io: TcpStream,
    tick: Pin<Box<Sleep>>,
    every: Duration,
    /// Quiet ticks in a row that close the connection: `first_byte`'s until the first byte,
    /// then `idle`'s.
    limit: u32,
    idle: u32,
    quiet: u32,
    moved: bool,
    /// Ticks an answer may wait to be taken, and those it has waited (`None`: no write
    /// waiting since the last flush).
    send: u32,
    sending: Option<u32>,
    /// The waker `tick` was last polled with: polling again with the same one is skipped.
    waker: Option<Waker>,
}

/// [`Idle`]'s tick for these timeouts: an eighth of the shorter one (at least a millisecond).
/// `idle` is the shorter of the idle and send timeouts.
fn tick(header: Duration, idle: Duration) -> Duration {
    (header.min(idle) / 8).max(Duration::from_millis(1))
}

impl Idle {
    /// `first_byte`: how long the first byte may take; after it, `timeout` between bytes.
    fn new(io: TcpStream, limits: crate::Limits, first_byte: Duration, every: Duration) -> Idle {
        let ticks = |d: Duration| {
            u32::try_from(d.as_nanos().div_ceil(every.as_nanos())).unwrap_or(u32::MAX).max(1)
        };
        Idle {
            io,
            tick: Box::pin(tokio::time::sleep(every)),
            every,
            limit: ticks(first_byte),
            idle: ticks(limits.idle_timeout()),
            quiet: 0,
            moved: false,
            send: ticks(limits.send_timeout()),
            sending: None,
            waker: None,
        }
    }

    /// After a write: progress counts as a byte moved; a write that cannot go through starts
    /// the send timeout's count (if not counting already) and waits for the next tick, which
    /// fails the write once the answer has waited too long.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) if n > 0 => self.moved = true,
            Poll::Pending => {
                self.sending.get_or_insert(0);
                return match self.wait(cx) {
                    Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                    _ => Poll::Pending,
                };
            }
            _ => {}
        }
        written
    }

    /// A read waits: counts the ticks gone by, `TimedOut` once `limit` of them in a row were
    /// quiet; else waits (woken by the next tick at the latest).
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker()));
        if polled && !self.tick.is_elapsed() {
            return Poll::Pending;
        }
        if self.tick.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            // Ticks missed while nobody read (a handler running) count as well.
            let late = now.saturating_duration_since(self.tick.deadline());
            let gone =
                u32::try_from(1 + late.as_nanos() / self.every.as_nanos()).unwrap_or(u32::MAX);
            if std::mem::take(&mut self.moved) {
                self.quiet = 0;
                self.limit = self.idle;
            } else {
                self.quiet = self.quiet.saturating_add(gone);
            }
            if self.quiet >= self.limit {
                let error = "no byte moved within the idle timeout";
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, error)));
            }
            if let Some(waited) = &mut self.sending {
                *waited = waited.saturating_add(gone);
                if *waited >= self.send {
                    // Reset rather than close: a close would leave the unsent answer in the
                    // kernel's buffer, trickling to the slow reader for as long as it likes.
                    let _ = self.io.set_zero_linger();
                    let error = "the answer was not taken within the send timeout";
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, error)));
                }
            }
            self.tick.as_mut().reset(now + self.every);
            let _pending = self.tick.as_mut().poll(cx);
        }
        if !polled {
            self.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl AsyncRead for Idle {
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
                    this.moved = true;
                }
                Poll::Ready(result)
            }
            Poll::Pending => this.wait(cx),
        }
    }
}

/// hyper's header timer: a sleep that only compares the clock when polled and keeps no timer
/// entry (tokio's cost a registration and a removal in the timer wheel for every request).
/// hyper polls it each time it waits for a request head, and [`Idle`]'s ticks wake such a
/// connection, so a late head is noticed at most a tick after its deadline.
#[derive(Clone, Copy)]
struct Woken;

impl hyper::rt::Timer for Woken {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Deadline(deadline))
    }

    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }
}

/// A [`Woken`] sleep: ready once the clock has passed it.
struct Deadline(std::time::Instant);

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if Instant::now().into_std() >= self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl hyper::rt::Sleep for Deadline {}

impl AsyncWrite for Idle {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        this.wrote(cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.wrote(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// hyper flushes once its buffer of the answer is written whole: the answer was taken.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let flushed = Pin::new(&mut this.io).poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(()))) {
            this.sending = None;
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

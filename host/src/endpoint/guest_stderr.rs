//! A guest's WASI stderr: passed to the server's stderr (a Rust guest's
//! panic message lands there), but only so many bytes per call, so a
//! handler that prints without end cannot flood the server's log.

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// Bytes of stderr one guest call may write; the rest of the call's output
/// is dropped, with one line saying so.
pub const STDERR_PER_CALL: usize = 64 * 1024;

/// The stderr of one instance, with the allowance of the running call.
#[derive(Clone)]
pub struct GuestStderr {
    left: Arc<AtomicUsize>,
    /// The running call was told its output is being dropped.
    cut: Arc<AtomicBool>,
}

impl GuestStderr {
    pub fn new() -> GuestStderr {
        GuestStderr {
            left: Arc::new(AtomicUsize::new(STDERR_PER_CALL)),
            cut: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A call starts: it gets a fresh allowance.
    pub fn begin_call(&self) {
        self.left.store(STDERR_PER_CALL, Ordering::Relaxed);
        self.cut.store(false, Ordering::Relaxed);
    }

    fn write(&self, buf: &[u8]) -> std::io::Result<()> {
        let before = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(buf.len()))
            })
            .unwrap_or(0);
        let passed = before.min(buf.len());
        let mut err = std::io::stderr().lock();
        err.write_all(&buf[..passed])?;
        if passed < buf.len() && !self.cut.swap(true, Ordering::Relaxed) {
            writeln!(
                err,
                "\n[a handler wrote over {STDERR_PER_CALL} bytes to stderr in one call; \
                 the rest of it is dropped]"
            )?;
        }
        Ok(())
    }
}

impl IsTerminal for GuestStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestStderr {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for GuestStderr {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        GuestStderr::write(self, &bytes)
            .map_err(|e| StreamError::LastOperationFailed(wasmtime::Error::from(e)))
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always ready: writes past the allowance are dropped, not waited on.
        Ok(STDERR_PER_CALL)
    }
}

impl Pollable for GuestStderr {
    // `Pollable` is an `async_trait`; this is its desugared form.
    fn ready<'a, 'b>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(std::future::ready(()))
    }
}

impl AsyncWrite for GuestStderr {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(GuestStderr::write(&self, buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

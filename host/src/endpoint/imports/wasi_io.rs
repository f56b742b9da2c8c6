//! `wasi:io/poll` and `wasi:io/streams` with the call deadline: every WASI
//! call a guest can block in returns, or traps, by the end of its call.
//!
//! Epoch interruption stops guest code, not host code: a guest that sleeps
//! (`std::thread::sleep` is `subscribe-duration` + `pollable.block`), polls
//! a pollable that never becomes ready, or blocks on a stream would hold its
//! endpoint's actor for as long as it asked. These are wasmtime-wasi's own
//! implementations (over the `ResourceTable`) with each blocking wait cut at
//! the deadline that [`GuestState::begin_call`] armed; a cut wait is a trap
//! ([`DeadlineInWasi`]), counted and handled like an interrupted call.
//! Everything that cannot block is passed straight through. `runtime.rs`
//! links these over wasmtime-wasi's (the linker shadows the two interfaces).
//!
//! Other WASI calls cannot wait on anything a guest controls here: stdin is
//! closed, stdout and stderr never block (`guest_stderr.rs`), sockets and
//! name lookup are denied. File I/O in a directory `sio.toml` grants runs
//! on a blocking thread and is not cut (docs/architecture.md, "Known
//! limits").

use std::fmt;
use std::future::Future;
use std::time::Instant;

use wasmtime::component::{HasData, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::sync::io::{poll, streams};
use wasmtime_wasi::p2::{DynPollable, StreamError, StreamResult};
use wasmtime_wasi::runtime::in_tokio;
use wasmtime_wasi_io::bindings::wasi::io::poll::{
    Host as AsyncPoll, HostPollable as AsyncPollable,
};
use wasmtime_wasi_io::bindings::wasi::io::streams::{
    Host as AsyncStreams, HostInputStream as AsyncInput, HostOutputStream as AsyncOutput,
};
use wasmtime_wasi_io::streams::{DynInputStream, DynOutputStream};

use crate::endpoint::store::GuestState;

/// A guest blocked in a WASI call past its call deadline. The call traps
/// with it; the actor counts it as a deadline.
#[derive(Debug)]
pub struct DeadlineInWasi;

impl fmt::Display for DeadlineInWasi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("call deadline reached while blocked in a WASI call")
    }
}

impl std::error::Error for DeadlineInWasi {}

/// The resource table and the running call's deadline.
pub(crate) struct BoundedIo<'a> {
    table: &'a mut ResourceTable,
    deadline: Option<Instant>,
}

/// [`HasData`] for [`BoundedIo`] views of a [`GuestState`].
pub(crate) struct HasBoundedIo;

impl HasData for HasBoundedIo {
    type Data<'a> = BoundedIo<'a>;
}

/// The view the linker hands the functions below.
pub(crate) fn bounded_io(state: &mut GuestState) -> BoundedIo<'_> {
    let deadline = state.call_deadline;
    BoundedIo {
        table: state.table_mut(),
        deadline,
    }
}

/// Link `wasi:io/poll` and `wasi:io/streams` over wasmtime-wasi's.
pub(crate) fn add_to_linker(
    linker: &mut wasmtime::component::Linker<GuestState>,
) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    poll::add_to_linker::<GuestState, HasBoundedIo>(linker, bounded_io)?;
    streams::add_to_linker::<GuestState, HasBoundedIo>(linker, bounded_io)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Wait for `wait` to finish, or until `deadline` (`Err`). In the sync
/// bindings' way: on wasmtime-wasi's tokio runtime, blocking this thread.
fn bounded<T>(
    deadline: Option<Instant>,
    wait: impl Future<Output = T>,
) -> Result<T, DeadlineInWasi> {
    in_tokio(async move {
        match deadline {
            Some(at) => until(at, wait).await,
            // Outside a call (instantiation): nothing to bound.
            None => Ok(wait.await),
        }
    })
}

async fn until<T>(at: Instant, wait: impl Future<Output = T>) -> Result<T, DeadlineInWasi> {
    tokio::time::timeout_at(at.into(), wait)
        .await
        .map_err(|_| DeadlineInWasi)
}

/// A deadline cut as the trap a stream call returns.
fn stream_trap(e: DeadlineInWasi) -> StreamError {
    StreamError::Trap(e.into())
}

impl poll::Host for BoundedIo<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        bounded(self.deadline, AsyncPoll::poll(self.table, pollables))?
    }
}

impl poll::HostPollable for BoundedIo<'_> {
    fn ready(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<bool> {
        // Polls once; never waits.
        in_tokio(AsyncPollable::ready(self.table, pollable))
    }

    fn block(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        bounded(self.deadline, AsyncPollable::block(self.table, pollable))?
    }

    fn drop(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        AsyncPollable::drop(self.table, pollable)
    }
}

impl streams::Host for BoundedIo<'_> {
    fn convert_stream_error(&mut self, err: StreamError) -> wasmtime::Result<streams::StreamError> {
        Ok(AsyncStreams::convert_stream_error(self.table, err)?.into())
    }
}

impl streams::HostInputStream for BoundedIo<'_> {
    fn drop(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<()> {
        in_tokio(AsyncInput::drop(self.table, stream))
    }

    fn read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        AsyncInput::read(self.table, stream, len)
    }

    fn blocking_read(
        &mut self,
        stream: Resource<DynInputStream>,
        len: u64,
    ) -> StreamResult<Vec<u8>> {
        bounded(
            self.deadline,
            AsyncInput::blocking_read(self.table, stream, len),
        )
        .map_err(stream_trap)?
    }

    fn skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        AsyncInput::skip(self.table, stream, len)
    }

    fn blocking_skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        bounded(
            self.deadline,
            AsyncInput::blocking_skip(self.table, stream, len),
        )
        .map_err(stream_trap)?
    }

    fn subscribe(
        &mut self,
        stream: Resource<DynInputStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        AsyncInput::subscribe(self.table, stream)
    }
}

impl streams::HostOutputStream for BoundedIo<'_> {
    fn drop(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<()> {
        // Dropping a stream may wait for its last write to land.
        bounded(self.deadline, AsyncOutput::drop(self.table, stream))?
    }

    fn check_write(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<u64> {
        AsyncOutput::check_write(self.table, stream)
    }

    fn write(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        AsyncOutput::write(self.table, stream, bytes)
    }

    fn blocking_write_and_flush(
        &mut self,
        stream: Resource<DynOutputStream>,
        bytes: Vec<u8>,
    ) -> StreamResult<()> {
        bounded(
            self.deadline,
            AsyncOutput::blocking_write_and_flush(self.table, stream, bytes),
        )
        .map_err(stream_trap)?
    }

    fn blocking_write_zeroes_and_flush(
        &mut self,
        stream: Resource<DynOutputStream>,
        len: u64,
    ) -> StreamResult<()> {
        bounded(
            self.deadline,
            AsyncOutput::blocking_write_zeroes_and_flush(self.table, stream, len),
        )
        .map_err(stream_trap)?
    }

    fn subscribe(
        &mut self,
        stream: Resource<DynOutputStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        AsyncOutput::subscribe(self.table, stream)
    }

    fn write_zeroes(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        AsyncOutput::write_zeroes(self.table, stream, len)
    }

    fn flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        AsyncOutput::flush(self.table, stream)
    }

    fn blocking_flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        bounded(
            self.deadline,
            AsyncOutput::blocking_flush(self.table, stream),
        )
        .map_err(stream_trap)?
    }

    fn splice(
        &mut self,
        dst: Resource<DynOutputStream>,
        src: Resource<DynInputStream>,
        len: u64,
    ) -> StreamResult<u64> {
        AsyncOutput::splice(self.table, dst, src, len)
    }

    fn blocking_splice(
        &mut self,
        dst: Resource<DynOutputStream>,
        src: Resource<DynInputStream>,
        len: u64,
    ) -> StreamResult<u64> {
        bounded(
            self.deadline,
            AsyncOutput::blocking_splice(self.table, dst, src, len),
        )
        .map_err(stream_trap)?
    }
}

//! The CPU backend: generic kernels over `T: Element`, each with a contiguous fast path
//! (plain slices the compiler vectorises, split across the kernel pool above a size
//! threshold) and a strided path.

pub(crate) mod alloc;
pub(crate) mod conv;
pub(crate) mod copy;
pub(crate) mod dispatch;
pub(crate) mod elementwise;
pub(crate) mod index;
pub(crate) mod linalg;
pub(crate) mod loss;
pub(crate) mod matmul;
pub(crate) mod norm;
pub(crate) mod optim;
pub(crate) mod pad;
pub(crate) mod parallel;
pub(crate) mod primitives;
pub(crate) mod reduce;
pub(crate) mod scan;
pub(crate) mod softmax;

pub(crate) use alloc::CpuBuffer;
pub use alloc::{
    allocated_bytes, cached_bytes, empty_cache, peak_allocated_bytes, reset_peak, set_cache_limit,
};

/// Elements per task below which a kernel runs on the calling thread.
pub(crate) const PAR_THRESHOLD: usize = 32 * 1024;
/// Elements per parallel chunk.
pub(crate) const PAR_CHUNK: usize = 16 * 1024;

/// Runs `run(start, chunk)` over `d` in `PAR_CHUNK` pieces, split across the kernel pool
/// when `d` is large; `start` is the chunk's index in `d`.
#[inline]
pub(crate) fn chunked<O: Send>(d: &mut [O], run: impl Fn(usize, &mut [O]) + Sync) {
    if d.len() >= PAR_THRESHOLD {
        par_chunked(d, &run);
    } else {
        run(0, d);
    }
}

/// Takes the closure as `dyn` so the pool's plumbing is instantiated once per element type,
/// not once per kernel closure (see Note [Walker code size] in layout.rs); the call is one
/// indirect jump per chunk of `PAR_CHUNK` elements. See Note [Kernel thread pool].
#[inline(never)]
fn par_chunked<O: Send>(d: &mut [O], run: &(dyn Fn(usize, &mut [O]) + Sync)) {
    parallel::par_chunks_mut(d, PAR_CHUNK, run);
}

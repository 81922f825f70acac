//! CPU buffers and the cache of recently freed ones.
//!
//! Note [CPU buffer cache]
//! A fresh 64 MB output costs more than the op that fills it: every page faults on first
//! touch. So freed buffers go to a size-bucketed cache and the next allocation of the same
//! bucket reuses one (PyTorch's CUDA caching allocator, applied to host memory). Buffers of
//! 2 MiB and more are mapped directly, 2 MiB-aligned and advised as transparent huge pages,
//! so a first touch faults 2 MiB at a time. A reused buffer holds stale (initialised) bytes:
//! callers that need zeros ask for them, and bool buffers are only ever written with 0/1.

use crate::dtype::Element;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

const SMALL_ALIGN: usize = 64;
const HUGE: usize = 2 << 20;
/// Cached bytes above which freed buffers go back to the OS.
const DEFAULT_CACHE_LIMIT: usize = 1 << 30;

static CACHE: Mutex<BTreeMap<usize, Vec<SendPtr>>> = Mutex::new(BTreeMap::new());
static CACHED_BYTES: AtomicUsize = AtomicUsize::new(0);
static CACHE_LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_CACHE_LIMIT);
/// Bytes held by live buffers (not counting the cache), and the peak of that.
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn track_alloc(bytes: usize) {
    let now = ALLOCATED.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

struct SendPtr(NonNull<u8>);
// SAFETY: a cached pointer is owned by the cache alone; no one else refers to it.
unsafe impl Send for SendPtr {}

/// The bucket an allocation of `bytes` falls in.
fn bucket(bytes: usize) -> usize {
    if bytes <= SMALL_ALIGN {
        SMALL_ALIGN
    } else if bytes < HUGE {
        bytes.next_power_of_two()
    } else {
        bytes.div_ceil(HUGE) * HUGE
    }
}

/// How the memory of a buffer was obtained, so it is released the same way.
enum Origin {
    /// From [`bucket`]-sized allocation; goes back to the cache.
    Cached,
    /// Adopted from a `Vec<T>` with this allocation layout.
    Vec(std::alloc::Layout),
    /// No allocation (zero bytes).
    Empty,
    /// Memory owned by someone else (a NumPy array); dropping the owner releases it.
    /// See Note [Foreign memory].
    External(#[allow(dead_code)] Box<dyn std::any::Any + Send + Sync>),
}

/// A host memory block holding elements of one dtype.
pub(crate) struct CpuBuffer {
    ptr: NonNull<u8>,
    bytes: usize,
    cap: usize,
    origin: Origin,
}

// SAFETY: CpuBuffer owns its memory exclusively; access is synchronised by Storage's lock.
unsafe impl Send for CpuBuffer {}
// SAFETY: shared references only read.
unsafe impl Sync for CpuBuffer {}

fn raw_alloc(cap: usize) -> NonNull<u8> {
    if cap >= HUGE {
        #[cfg(target_os = "linux")]
        {
            if let Some(p) = map_huge(cap) {
                return p;
            }
        }
    }
    let layout = std::alloc::Layout::from_size_align(cap, SMALL_ALIGN).expect("valid layout");
    // SAFETY: cap > 0.
    let p = unsafe { std::alloc::alloc_zeroed(layout) };
    NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

fn raw_free(ptr: NonNull<u8>, cap: usize) {
    #[cfg(target_os = "linux")]
    {
        if cap >= HUGE {
            // SAFETY: ptr/cap came from map_huge.
            unsafe { libc::munmap(ptr.as_ptr().cast(), cap) };
            return;
        }
    }
    let layout = std::alloc::Layout::from_size_align(cap, SMALL_ALIGN).expect("valid layout");
    // SAFETY: allocated by raw_alloc with this layout.
    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
}

/// Maps `cap` bytes (a multiple of 2 MiB) aligned to 2 MiB and advises huge pages.
#[cfg(target_os = "linux")]
fn map_huge(cap: usize) -> Option<NonNull<u8>> {
    let len = cap + HUGE;
    // SAFETY: anonymous private mapping; checked for MAP_FAILED.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return None;
    }
    let start = p as usize;
    let aligned = start.div_ceil(HUGE) * HUGE;
    let head = aligned - start;
    let tail = len - head - cap;
    // SAFETY: trimming the unaligned ends of our own mapping.
    unsafe {
        if head > 0 {
            libc::munmap(p, head);
        }
        if tail > 0 {
            libc::munmap((aligned + cap) as *mut libc::c_void, tail);
        }
        libc::madvise(aligned as *mut libc::c_void, cap, libc::MADV_HUGEPAGE);
    }
    NonNull::new(aligned as *mut u8)
}

impl CpuBuffer {
    /// A buffer of `bytes` bytes whose contents are unspecified (but initialised).
    pub fn new(bytes: usize) -> CpuBuffer {
        if bytes == 0 {
            return CpuBuffer {
                ptr: NonNull::<u64>::dangling().cast(),
                bytes: 0,
                cap: 0,
                origin: Origin::Empty,
            };
        }
        let cap = bucket(bytes);
        let cached = {
            let mut cache = CACHE.lock();
            let hit = cache.get_mut(&cap).and_then(Vec::pop);
            if hit.is_some() {
                CACHED_BYTES.fetch_sub(cap, Ordering::Relaxed);
            }
            hit
        };
        let ptr = match cached {
            Some(SendPtr(p)) => p,
            None => raw_alloc(cap),
        };
        track_alloc(cap);
        CpuBuffer {
            ptr,
            bytes,
            cap,
            origin: Origin::Cached,
        }
    }

    /// A buffer of `bytes` zero bytes.
    pub fn zeroed(bytes: usize) -> CpuBuffer {
        let mut b = CpuBuffer::new(bytes);
        b.bytes_mut().fill(0);
        b
    }

    /// Takes ownership of a vector's allocation without copying.
    pub fn from_vec<T: Element>(v: Vec<T>) -> CpuBuffer {
        let mut v = std::mem::ManuallyDrop::new(v);
        let bytes = v.len() * std::mem::size_of::<T>();
        let cap_bytes = v.capacity() * std::mem::size_of::<T>();
        if cap_bytes == 0 {
            return CpuBuffer::new(0);
        }
        let layout = std::alloc::Layout::array::<T>(v.capacity()).expect("vec layout");
        // SAFETY: a Vec's pointer is non-null when its capacity is non-zero.
        let ptr = unsafe { NonNull::new_unchecked(v.as_mut_ptr().cast::<u8>()) };
        track_alloc(cap_bytes);
        CpuBuffer {
            ptr,
            bytes,
            cap: cap_bytes,
            origin: Origin::Vec(layout),
        }
    }

    /// A buffer over `bytes` bytes at `ptr` that someone else owns; `owner` is kept alive
    /// (and dropped) with the buffer.
    ///
    /// Note [Foreign memory]
    /// `torch.from_numpy` shares the array's memory: the buffer neither allocates nor frees
    /// it, and holds the array (the `owner`) until the last tensor over it is gone. The
    /// pointer never moves while a storage holds it, which is also what lets `x.numpy()`
    /// hand out the tensor's own memory.
    ///
    /// # Safety
    /// `ptr` must be valid for reads and writes of `bytes` bytes, aligned for the element
    /// type the buffer will be read as, and stay so for as long as `owner` lives.
    pub unsafe fn from_external(
        ptr: NonNull<u8>,
        bytes: usize,
        owner: Box<dyn std::any::Any + Send + Sync>,
    ) -> CpuBuffer {
        CpuBuffer {
            ptr,
            bytes,
            cap: 0,
            origin: Origin::External(owner),
        }
    }

    /// The address of the first byte.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// The buffer's length in bytes.
    pub fn len_bytes(&self) -> usize {
        self.bytes
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: ptr is valid for `bytes` bytes and uniquely borrowed.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.bytes) }
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: ptr is valid for `bytes` bytes.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.bytes) }
    }

    /// The contents as elements of `T`.
    #[inline]
    pub fn as_slice<T: Element>(&self) -> &[T] {
        let n = self.bytes / std::mem::size_of::<T>();
        debug_assert_eq!(self.ptr.as_ptr() as usize % std::mem::align_of::<T>(), 0);
        // SAFETY: the buffer is aligned for every element type (64-byte or the vec's own
        // alignment, which is T's), holds `n` initialised elements, and bool buffers only
        // ever hold 0/1 (Note [CPU buffer cache]).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<T>(), n) }
    }

    /// The contents as mutable elements of `T`.
    #[inline]
    pub fn as_mut_slice<T: Element>(&mut self) -> &mut [T] {
        let n = self.bytes / std::mem::size_of::<T>();
        debug_assert_eq!(self.ptr.as_ptr() as usize % std::mem::align_of::<T>(), 0);
        // SAFETY: as in as_slice, and the borrow is unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<T>(), n) }
    }
}

impl Drop for CpuBuffer {
    fn drop(&mut self) {
        ALLOCATED.fetch_sub(self.cap, Ordering::Relaxed);
        match self.origin {
            Origin::Empty | Origin::External(_) => {}
            Origin::Vec(layout) => {
                // SAFETY: the allocation came from a Vec with this layout.
                unsafe { std::alloc::dealloc(self.ptr.as_ptr(), layout) }
            }
            Origin::Cached => {
                let limit = CACHE_LIMIT.load(Ordering::Relaxed);
                if CACHED_BYTES.load(Ordering::Relaxed) + self.cap <= limit {
                    CACHED_BYTES.fetch_add(self.cap, Ordering::Relaxed);
                    CACHE
                        .lock()
                        .entry(self.cap)
                        .or_default()
                        .push(SendPtr(self.ptr));
                } else {
                    raw_free(self.ptr, self.cap);
                }
            }
        }
    }
}

/// Releases every cached CPU buffer to the operating system.
///
/// ```
/// ember::cpu::empty_cache();
/// ```
pub fn empty_cache() {
    let drained: Vec<(usize, Vec<SendPtr>)> =
        std::mem::take(&mut *CACHE.lock()).into_iter().collect();
    for (cap, ptrs) in drained {
        for SendPtr(p) in ptrs {
            CACHED_BYTES.fetch_sub(cap, Ordering::Relaxed);
            raw_free(p, cap);
        }
    }
}

/// Sets how many bytes of freed CPU buffers are kept for reuse (default 1 GiB).
///
/// ```
/// ember::cpu::set_cache_limit(256 << 20);
/// # ember::cpu::set_cache_limit(1 << 30);
/// ```
pub fn set_cache_limit(bytes: usize) {
    CACHE_LIMIT.store(bytes, Ordering::Relaxed);
}

/// Bytes of CPU memory held by live tensors' storages (`torch.cuda.memory_allocated`'s CPU
/// twin; the cache is not counted).
///
/// ```
/// let before = ember::cpu::allocated_bytes();
/// let x = ember::zeros([1024]);
/// assert!(ember::cpu::allocated_bytes() >= before + 4096);
/// drop(x);
/// ```
pub fn allocated_bytes() -> usize {
    ALLOCATED.load(Ordering::Relaxed)
}

/// The highest [`allocated_bytes`] seen since the start or the last [`reset_peak`].
///
/// ```
/// ember::cpu::reset_peak();
/// let _x = ember::zeros([256]);
/// assert!(ember::cpu::peak_allocated_bytes() >= 1024);
/// ```
pub fn peak_allocated_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Resets [`peak_allocated_bytes`] to the current allocation.
pub fn reset_peak() {
    PEAK.store(ALLOCATED.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Bytes currently held in the CPU buffer cache.
///
/// ```
/// let _ = ember::cpu::cached_bytes();
/// ```
pub fn cached_bytes() -> usize {
    CACHED_BYTES.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_up() {
        assert_eq!(bucket(1), 64);
        assert_eq!(bucket(100), 128);
        assert_eq!(bucket(HUGE + 1), 2 * HUGE);
    }

    #[test]
    fn reuse_and_vec_roundtrip() {
        let mut b = CpuBuffer::new(4 * 10);
        b.as_mut_slice::<f32>().fill(1.5);
        assert_eq!(b.as_slice::<f32>().len(), 10);
        drop(b);
        let v = CpuBuffer::from_vec(vec![1i64, 2, 3]);
        assert_eq!(v.as_slice::<i64>(), &[1, 2, 3]);
        let big = CpuBuffer::zeroed(3 * HUGE + 5);
        assert!(big.bytes().iter().all(|&x| x == 0));
    }
}

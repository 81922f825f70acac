//! The CUDA caching allocator, written over a trait for raw device memory so its logic is
//! tested without a GPU.
//!
//! Note [CUDA caching allocator]
//! `cuMemAlloc`/`cuMemFree` synchronise the device and cost far more than the kernels of a
//! training step, so freed blocks are kept and reused, as PyTorch's `CUDACachingAllocator`
//! does, with its constants: requests round up to 512 bytes; requests of at most 1 MiB come
//! from 2 MiB segments (the small pool), requests below 10 MiB from 20 MiB segments, larger
//! ones from segments rounded up to 2 MiB (the large pool). A free block is found best-fit in
//! its pool and split when the rest is worth keeping (at least 512 bytes in the small pool,
//! more than 1 MiB in the large one); a freed block merges with free neighbours of its
//! segment. So a loop that allocates the same sizes every iteration asks the driver for
//! memory only in its first iteration. Segments go back to the driver only on
//! `empty_cache`, or when the driver is out of memory (then the allocation is retried once).
//! `memory_allocated` counts the (rounded) sizes of live blocks, `memory_reserved` the
//! segments held.

// The generic logic is unit-tested everywhere but reached only through the CUDA device.
#![cfg_attr(not(feature = "cuda"), allow(dead_code))]

use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Sizes are multiples of this.
pub(crate) const MIN_BLOCK: usize = 512;
/// Requests up to this size use the small pool.
pub(crate) const SMALL_SIZE: usize = 1 << 20;
/// Segment size of the small pool.
pub(crate) const SMALL_BUFFER: usize = 2 << 20;
/// Segment size for large-pool requests below `MIN_LARGE_ALLOC`.
pub(crate) const LARGE_BUFFER: usize = 20 << 20;
/// Requests from this size get a segment of their own size (rounded to `ROUND_LARGE`).
pub(crate) const MIN_LARGE_ALLOC: usize = 10 << 20;
/// Rounding of segments for large requests.
pub(crate) const ROUND_LARGE: usize = 2 << 20;

/// Raw device memory: the driver on a GPU, a counting fake in tests.
pub(crate) trait RawAllocator {
    /// Owns one raw allocation; dropping it returns the memory to the device.
    type Segment;
    /// A new segment of `bytes`, or `Ok(None)` when the device is out of memory.
    ///
    /// # Errors
    /// On any other driver failure.
    fn alloc(&mut self, bytes: usize) -> Result<Option<Self::Segment>>;
    /// The device address of a segment's first byte.
    fn address(segment: &Self::Segment) -> u64;
}

/// The size a request of `bytes` occupies: a multiple of 512, at least 512.
pub(crate) fn round_size(bytes: usize) -> usize {
    bytes.max(1).div_ceil(MIN_BLOCK) * MIN_BLOCK
}

/// The size of the segment requested from the driver for a block of `size` bytes.
pub(crate) fn segment_size(size: usize) -> usize {
    if size <= SMALL_SIZE {
        SMALL_BUFFER
    } else if size < MIN_LARGE_ALLOC {
        LARGE_BUFFER
    } else {
        size.div_ceil(ROUND_LARGE) * ROUND_LARGE
    }
}

/// PyTorch's `format_size`: `512 bytes`, `1.50 KiB`, `20.00 MiB`, `2.00 GiB`.
pub(crate) fn format_size(bytes: usize) -> String {
    let b = bytes as f64;
    if bytes <= 1024 {
        format!("{bytes} bytes")
    } else if bytes <= 1 << 20 {
        format!("{:.2} KiB", b / 1024.0)
    } else if bytes <= 1 << 30 {
        format!("{:.2} MiB", b / 1048576.0)
    } else {
        format!("{:.2} GiB", b / 1073741824.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pool {
    Small,
    Large,
}

fn pool_of(size: usize) -> Pool {
    if size <= SMALL_SIZE {
        Pool::Small
    } else {
        Pool::Large
    }
}

#[derive(Clone, Copy, Debug)]
struct Block {
    size: usize,
    allocated: bool,
    /// Base address of the segment holding the block.
    segment: u64,
}

struct Segment<S> {
    _raw: S,
    size: usize,
    pool: Pool,
}

/// Byte counters, as `torch.cuda.memory_stats` reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Bytes in live blocks.
    pub allocated: usize,
    /// Peak of `allocated` since the last reset.
    pub peak_allocated: usize,
    /// Bytes in segments held from the driver.
    pub reserved: usize,
    /// Peak of `reserved` since the last reset.
    pub peak_reserved: usize,
}

/// The caching allocator of one device. See Note [CUDA caching allocator].
pub(crate) struct CachingAllocator<R: RawAllocator> {
    raw: R,
    /// Every block of every segment, by address.
    blocks: BTreeMap<u64, Block>,
    /// Free blocks per pool, ordered by (size, address) for best-fit lookup.
    free_small: BTreeSet<(usize, u64)>,
    free_large: BTreeSet<(usize, u64)>,
    segments: HashMap<u64, Segment<R::Segment>>,
    stats: Stats,
    device: usize,
}

impl<R: RawAllocator> CachingAllocator<R> {
    /// An empty allocator for device `device` over `raw`.
    pub(crate) fn new(raw: R, device: usize) -> Self {
        CachingAllocator {
            raw,
            blocks: BTreeMap::new(),
            free_small: BTreeSet::new(),
            free_large: BTreeSet::new(),
            segments: HashMap::new(),
            stats: Stats::default(),
            device,
        }
    }

    /// The raw allocator (tests read its counters).
    #[cfg(test)]
    pub(crate) fn raw(&self) -> &R {
        &self.raw
    }

    /// The byte counters.
    pub(crate) fn stats(&self) -> Stats {
        self.stats
    }

    /// Resets the peaks to the current values (`torch.cuda.reset_peak_memory_stats`).
    pub(crate) fn reset_peak(&mut self) {
        self.stats.peak_allocated = self.stats.allocated;
        self.stats.peak_reserved = self.stats.reserved;
    }

    fn free_set(&mut self, pool: Pool) -> &mut BTreeSet<(usize, u64)> {
        match pool {
            Pool::Small => &mut self.free_small,
            Pool::Large => &mut self.free_large,
        }
    }

    /// The address of a new block of at least `bytes`; 0 (null) for zero bytes, as PyTorch.
    ///
    /// # Errors
    /// When the device is out of memory even after the cache is released, or the driver
    /// fails.
    pub(crate) fn alloc(&mut self, bytes: usize) -> Result<u64> {
        if bytes == 0 {
            return Ok(0);
        }
        let size = round_size(bytes);
        let pool = pool_of(size);
        let best = self.free_set(pool).range((size, 0)..).next().copied();
        let addr = match best {
            Some(key) => {
                self.free_set(pool).remove(&key);
                key.1
            }
            None => self.new_segment(size, pool)?,
        };
        let block = self.blocks[&addr];
        let rest = block.size - size;
        let split = match pool {
            Pool::Small => rest >= MIN_BLOCK,
            Pool::Large => rest > SMALL_SIZE,
        };
        let size = if split {
            let tail = addr + size as u64;
            self.blocks.insert(
                tail,
                Block {
                    size: rest,
                    allocated: false,
                    segment: block.segment,
                },
            );
            self.free_set(pool).insert((rest, tail));
            size
        } else {
            block.size
        };
        self.blocks.insert(
            addr,
            Block {
                size,
                allocated: true,
                segment: block.segment,
            },
        );
        self.stats.allocated += size;
        self.stats.peak_allocated = self.stats.peak_allocated.max(self.stats.allocated);
        Ok(addr)
    }

    /// Gets a segment for a block of `size` from the driver and returns its one free block,
    /// which is in no free set.
    fn new_segment(&mut self, size: usize, pool: Pool) -> Result<u64> {
        let bytes = segment_size(size);
        let raw = match self.raw.alloc(bytes)? {
            Some(s) => s,
            None => {
                self.empty_cache();
                match self.raw.alloc(bytes)? {
                    Some(s) => s,
                    None => return Err(self.out_of_memory(size)),
                }
            }
        };
        let base = R::address(&raw);
        self.segments.insert(
            base,
            Segment {
                _raw: raw,
                size: bytes,
                pool,
            },
        );
        self.blocks.insert(
            base,
            Block {
                size: bytes,
                allocated: false,
                segment: base,
            },
        );
        self.stats.reserved += bytes;
        self.stats.peak_reserved = self.stats.peak_reserved.max(self.stats.reserved);
        Ok(base)
    }

    fn out_of_memory(&self, size: usize) -> Error {
        let s = self.stats;
        Error::Device(format!(
            "CUDA out of memory. Tried to allocate {}. Of the allocated memory {} is allocated by ember, and {} is reserved by ember but unallocated. (GPU {})",
            format_size(size),
            format_size(s.allocated),
            format_size(s.reserved - s.allocated),
            self.device
        ))
    }

    /// Returns the block at `addr` to the cache, merging it with free neighbours.
    ///
    /// # Errors
    /// If `addr` is not a live block of this allocator.
    pub(crate) fn free(&mut self, addr: u64) -> Result<()> {
        if addr == 0 {
            return Ok(());
        }
        let block = match self.blocks.get(&addr) {
            Some(b) if b.allocated => *b,
            _ => {
                return Err(Error::Value(format!("invalid device pointer: {addr:#x}")));
            }
        };
        self.stats.allocated -= block.size;
        let pool = self.segments[&block.segment].pool;
        let (mut start, mut size) = (addr, block.size);
        let next = addr + size as u64;
        if let Some(n) = self.blocks.get(&next).copied()
            && !n.allocated
            && n.segment == block.segment
        {
            self.free_set(pool).remove(&(n.size, next));
            self.blocks.remove(&next);
            size += n.size;
        }
        if let Some((&p_addr, &p)) = self.blocks.range(..addr).next_back()
            && !p.allocated
            && p.segment == block.segment
            && p_addr + p.size as u64 == addr
        {
            self.free_set(pool).remove(&(p.size, p_addr));
            self.blocks.remove(&addr);
            start = p_addr;
            size += p.size;
        }
        self.blocks.insert(
            start,
            Block {
                size,
                allocated: false,
                segment: block.segment,
            },
        );
        self.free_set(pool).insert((size, start));
        Ok(())
    }

    /// Returns every segment without a live block to the driver (`torch.cuda.empty_cache`).
    pub(crate) fn empty_cache(&mut self) {
        let idle: Vec<u64> = self
            .segments
            .iter()
            .filter(|(base, seg)| {
                self.blocks
                    .get(base)
                    .is_some_and(|b| !b.allocated && b.size == seg.size)
            })
            .map(|(&base, _)| base)
            .collect();
        for base in idle {
            if let Some(seg) = self.segments.remove(&base) {
                self.free_set(seg.pool).remove(&(seg.size, base));
                self.blocks.remove(&base);
                self.stats.reserved -= seg.size;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Device memory that counts its calls and can run out.
    struct Fake {
        capacity: usize,
        next: u64,
        allocs: usize,
        in_use: Rc<Cell<usize>>,
        frees: Rc<Cell<usize>>,
    }

    struct FakeSegment {
        addr: u64,
        size: usize,
        in_use: Rc<Cell<usize>>,
        frees: Rc<Cell<usize>>,
    }

    impl Drop for FakeSegment {
        fn drop(&mut self) {
            self.in_use.set(self.in_use.get() - self.size);
            self.frees.set(self.frees.get() + 1);
        }
    }

    impl RawAllocator for Fake {
        type Segment = FakeSegment;
        fn alloc(&mut self, bytes: usize) -> Result<Option<FakeSegment>> {
            if self.in_use.get() + bytes > self.capacity {
                return Ok(None);
            }
            self.allocs += 1;
            self.in_use.set(self.in_use.get() + bytes);
            let addr = self.next;
            // A gap between segments, so neighbouring segments never look contiguous.
            self.next += bytes as u64 + 4096;
            Ok(Some(FakeSegment {
                addr,
                size: bytes,
                in_use: self.in_use.clone(),
                frees: self.frees.clone(),
            }))
        }
        fn address(s: &FakeSegment) -> u64 {
            s.addr
        }
    }

    fn alloc_with(capacity: usize) -> CachingAllocator<Fake> {
        let raw = Fake {
            capacity,
            next: 1 << 32,
            allocs: 0,
            in_use: Rc::new(Cell::new(0)),
            frees: Rc::new(Cell::new(0)),
        };
        CachingAllocator::new(raw, 0)
    }

    fn allocator() -> CachingAllocator<Fake> {
        alloc_with(usize::MAX / 2)
    }

    const MIB: usize = 1 << 20;

    #[test]
    fn sizes_round_as_pytorch() {
        assert_eq!(round_size(1), 512);
        assert_eq!(round_size(512), 512);
        assert_eq!(round_size(513), 1024);
        assert_eq!(segment_size(1000), 2 * MIB);
        assert_eq!(segment_size(MIB), 2 * MIB);
        assert_eq!(segment_size(MIB + 512), 20 * MIB);
        assert_eq!(segment_size(10 * MIB), 10 * MIB);
        assert_eq!(segment_size(11 * MIB), 12 * MIB);
        assert_eq!(format_size(512), "512 bytes");
        assert_eq!(format_size(1536), "1.50 KiB");
        assert_eq!(format_size(20 * MIB), "20.00 MiB");
        assert_eq!(format_size(3 << 30), "3.00 GiB");
    }

    #[test]
    fn zero_bytes_is_null_and_free_of_null_is_fine() {
        let mut a = allocator();
        assert_eq!(a.alloc(0).unwrap(), 0);
        a.free(0).unwrap();
        assert_eq!(a.raw().allocs, 0);
    }

    #[test]
    fn small_blocks_share_a_segment() {
        let mut a = allocator();
        let p: Vec<u64> = (0..4).map(|_| a.alloc(1000).unwrap()).collect();
        assert_eq!(a.raw().allocs, 1);
        for w in p.windows(2) {
            assert_eq!(w[1] - w[0], 1024);
        }
        let s = a.stats();
        assert_eq!((s.allocated, s.reserved), (4096, 2 * MIB));
    }

    #[test]
    fn freed_block_is_reused() {
        let mut a = allocator();
        let x = a.alloc(3000).unwrap();
        a.free(x).unwrap();
        assert_eq!(a.stats().allocated, 0);
        assert_eq!(a.alloc(3000).unwrap(), x);
        assert_eq!(a.raw().allocs, 1);
    }

    #[test]
    fn free_merges_neighbours_and_empty_cache_returns_whole_segments() {
        let mut a = allocator();
        let (x, y, z) = (
            a.alloc(512).unwrap(),
            a.alloc(512).unwrap(),
            a.alloc(512).unwrap(),
        );
        let keep = a.alloc(5 * MIB).unwrap();
        a.free(x).unwrap();
        a.free(z).unwrap();
        a.free(y).unwrap();
        // One free block covers the small segment again: a 2 MiB request fits nowhere else,
        // but a 1 MiB one takes the merged block's start.
        assert_eq!(a.alloc(MIB).unwrap(), x);
        a.free(x).unwrap();
        a.empty_cache();
        assert_eq!(a.raw().frees.get(), 1);
        assert_eq!(a.stats().reserved, 20 * MIB);
        a.free(keep).unwrap();
        a.empty_cache();
        assert_eq!(a.raw().frees.get(), 2);
        assert_eq!(
            a.stats(),
            Stats {
                peak_allocated: a.stats().peak_allocated,
                peak_reserved: 22 * MIB,
                ..Stats::default()
            }
        );
        assert_eq!(a.raw().in_use.get(), 0);
    }

    #[test]
    fn large_blocks_split_only_when_the_rest_exceeds_1_mib() {
        let mut a = allocator();
        let x = a.alloc(3 * MIB).unwrap();
        let y = a.alloc(3 * MIB).unwrap();
        assert_eq!(y - x, 3 * MIB as u64);
        assert_eq!(a.raw().allocs, 1);
        // 15 MiB does not fit the 14 MiB rest, and a 10 MiB+ request gets a segment of its
        // own rounded size (16 MiB); the 1 MiB rest stays in the block, which counts whole.
        let big = a.alloc(15 * MIB).unwrap();
        assert_eq!(a.raw().allocs, 2);
        assert_eq!(a.stats().allocated, 22 * MIB);
        a.free(big).unwrap();
        // The 16 MiB block is whole again and serves a 15.5 MiB request unsplit (a 0.5 MiB
        // rest is not worth a block in the large pool), counted at its full size.
        assert_eq!(a.alloc(15 * MIB + MIB / 2).unwrap(), big);
        assert_eq!(a.stats().allocated, 22 * MIB);
        assert_eq!(a.raw().allocs, 2);
    }

    #[test]
    fn pools_do_not_mix() {
        let mut a = allocator();
        let big = a.alloc(3 * MIB).unwrap();
        a.free(big).unwrap();
        // A small request never carves the cached 20 MiB large segment.
        let s = a.alloc(4096).unwrap();
        assert_eq!(a.raw().allocs, 2);
        assert_ne!(s, big);
    }

    #[test]
    fn training_loop_allocates_nothing_after_warm_up() {
        let mut a = allocator();
        let sizes = [
            4 * MIB,
            512 * 1024,
            1000,
            30 * MIB,
            4 * MIB,
            64,
            256 * 1024,
            12 * MIB,
        ];
        let mut after_first = 0;
        for it in 0..1000 {
            let ptrs: Vec<u64> = sizes.iter().map(|&s| a.alloc(s).unwrap()).collect();
            // Free in an order that differs from allocation, as autograd does.
            for (i, &p) in ptrs.iter().enumerate().rev() {
                if i % 2 == 0 {
                    a.free(p).unwrap();
                }
            }
            for (i, &p) in ptrs.iter().enumerate() {
                if i % 2 == 1 {
                    a.free(p).unwrap();
                }
            }
            if it == 0 {
                after_first = a.raw().allocs;
            }
            assert_eq!(a.stats().allocated, 0);
        }
        assert_eq!(a.raw().allocs, after_first);
        assert_eq!(a.raw().frees.get(), 0);
    }

    #[test]
    fn peaks_and_reset() {
        let mut a = allocator();
        let x = a.alloc(MIB).unwrap();
        let y = a.alloc(MIB).unwrap();
        a.free(x).unwrap();
        let s = a.stats();
        assert_eq!((s.allocated, s.peak_allocated), (MIB, 2 * MIB));
        a.reset_peak();
        assert_eq!(a.stats().peak_allocated, MIB);
        a.free(y).unwrap();
        assert_eq!(a.stats().peak_allocated, MIB);
    }

    #[test]
    fn out_of_memory_releases_the_cache_then_reports() {
        let mut a = alloc_with(24 * MIB);
        let x = a.alloc(3 * MIB).unwrap(); // a 20 MiB segment
        a.free(x).unwrap();
        // 22 MiB does not fit beside the cached 20 MiB: the cache is released and it fits.
        let y = a.alloc(22 * MIB).unwrap();
        assert_eq!((a.raw().allocs, a.raw().frees.get()), (2, 1));
        let err = a.alloc(30 * MIB).unwrap_err().to_string();
        assert!(
            err.starts_with("CUDA out of memory. Tried to allocate 30.00 MiB."),
            "{err}"
        );
        a.free(y).unwrap();
    }

    #[test]
    fn freeing_an_unknown_or_freed_pointer_is_an_error() {
        let mut a = allocator();
        let x = a.alloc(100).unwrap();
        a.free(x).unwrap();
        let err = a.free(x).unwrap_err().to_string();
        assert!(err.starts_with("invalid device pointer: 0x"), "{err}");
        assert!(a.free(12345).is_err());
    }
}

//! The kernels' own thread pool: the calling thread takes part, and the workers spin briefly
//! before they sleep.
//!
//! Note [Kernel thread pool]
//! Entering rayon from a thread outside its pool queues the job, wakes a sleeping worker and
//! parks the caller until the job is done: two futex round trips, measured at 10–22 µs per
//! parallel region on this project's 2-core VM even when the region does nothing. A training
//! step runs a handful of mid-sized parallel kernels (optimizer updates, `zero_`, Linear's
//! products), so that latency alone was ~10% of the seed loop. PyTorch avoids it with
//! OpenMP, whose team includes the caller and whose idle threads spin before blocking; this
//! pool does the same. `threads - 1` workers spin for `SPIN` after their last task, so the
//! kernels of one step find them awake, then sleep on a condvar so an idle program costs
//! nothing. One job runs at a time: a caller that finds the pool busy (another user thread,
//! or a task that itself calls `parallel_for`) runs its tasks inline, which also makes
//! nesting safe. Only faer's factorisations still run on rayon, with their split capped at
//! the same thread count.

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it sleeps.
const SPIN: Duration = Duration::from_micros(300);

type Task = dyn Fn(usize) + Sync;

struct Shared {
    /// Set while a caller owns the job slot.
    busy: AtomicBool,
    /// Odd while a job is open to workers; even otherwise.
    epoch: AtomicUsize,
    /// The open job. Written only by the owner of `busy` while the epoch is even and no
    /// worker is `active`; read by workers only while they are `active` and the epoch is odd.
    job: UnsafeCell<(*const Task, usize)>,
    next: AtomicUsize,
    pending: AtomicUsize,
    /// Workers that may be reading `job`.
    active: AtomicUsize,
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

// SAFETY: `job` is the only non-Sync field; the epoch/active protocol above orders every
// write to it before the reads it serves (see `parallel_for`).
unsafe impl Sync for Shared {}

struct Pool {
    /// Workers started so far (the caller is not one of them); only grows.
    spawned: Mutex<usize>,
    shared: &'static Shared,
}

/// Threads kernels split their work over, the caller included (`set_num_threads`). Workers
/// whose index is at or above it sit out jobs, so lowering it needs no thread to exit.
static LIMIT: AtomicUsize = AtomicUsize::new(0);

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            busy: AtomicBool::new(false),
            epoch: AtomicUsize::new(0),
            job: UnsafeCell::new((std::ptr::null::<fn(usize)>() as *const Task, 0)),
            next: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
            panic: Mutex::new(None),
        }));
        let p = Pool {
            spawned: Mutex::new(0),
            shared,
        };
        // The same default as rayon's, so RAYON_NUM_THREADS (and torch-style 2-thread
        // comparisons) govern both.
        let n = rayon::current_num_threads().max(1);
        let _ = LIMIT.compare_exchange(0, n, SeqCst, SeqCst);
        grow(&p, LIMIT.load(SeqCst));
        p
    })
}

/// Starts workers until `threads - 1` exist (fewer if the OS refuses a thread; the limit is
/// then what did start, so kernels do not plan for threads that are not there).
fn grow(p: &Pool, threads: usize) {
    let mut spawned = p.spawned.lock().unwrap_or_else(|e| e.into_inner());
    while *spawned + 1 < threads {
        let (idx, shared) = (*spawned + 1, p.shared);
        let ok = std::thread::Builder::new()
            .name(format!("ember-cpu-{idx}"))
            .spawn(move || worker(shared, idx))
            .is_ok();
        if !ok {
            LIMIT.store(*spawned + 1, SeqCst);
            break;
        }
        *spawned += 1;
    }
}

/// Threads a kernel can split its work over (the caller included).
pub(crate) fn num_threads() -> usize {
    pool();
    LIMIT.load(Relaxed).max(1)
}

/// Raising the limit starts workers; lowering it parks them.
fn set_threads(n: usize) {
    let p = pool();
    LIMIT.store(n.max(1), SeqCst);
    grow(p, n);
    // Parked workers re-read the limit when woken.
    let _g = p.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
    p.shared.wake.notify_all();
}

/// `torch.set_num_threads(n)`: how many threads ember's CPU kernels use, the calling thread
/// included. Takes effect from the next kernel, on every thread. The default is
/// `RAYON_NUM_THREADS` when set, else the machine's logical cores. Every kernel follows it:
/// those that split work over this pool directly, and the large factorisations, which cap
/// faer's split at this count.
///
/// ```
/// let before = ember::get_num_threads();
/// ember::try_set_num_threads(1).unwrap();
/// assert_eq!(ember::get_num_threads(), 1);
/// assert_eq!(
///     ember::try_set_num_threads(0).unwrap_err().to_string(),
///     "set_num_threads expects a positive integer"
/// );
/// ember::set_num_threads(before);
/// ```
///
/// # Errors
/// If `n` is 0, with PyTorch's message.
#[ember_derive::panicking]
pub fn try_set_num_threads(n: usize) -> crate::Result<()> {
    if n == 0 {
        crate::error::bail!(Value, "set_num_threads expects a positive integer");
    }
    set_threads(n);
    Ok(())
}

/// `torch.get_num_threads()`: the threads ember's CPU kernels use (see
/// [`try_set_num_threads`]).
///
/// ```
/// assert!(ember::get_num_threads() >= 1);
/// ```
pub fn get_num_threads() -> usize {
    num_threads()
}

/// Runs `f(i)` for every `i` in `0..n` across the pool and the calling thread, returning when
/// all have run. A panic in any task is re-raised here once every task has finished.
pub(crate) fn parallel_for<'a>(n: usize, f: &'a (dyn Fn(usize) + Sync + 'a)) {
    let s = pool().shared;
    if n <= 1
        || num_threads() <= 1
        || s.busy
            .compare_exchange(false, true, Acquire, Relaxed)
            .is_err()
    {
        (0..n).for_each(f);
        return;
    }
    // SAFETY: only the lifetime is erased; this function does not return before every worker
    // has stopped using the pointer (the `active` wait below).
    let erased: *const Task =
        unsafe { std::mem::transmute::<&'a (dyn Fn(usize) + Sync + 'a), &'static Task>(f) };
    // SAFETY: we own `busy`, the epoch is even and no worker is active (the previous owner
    // waited for that), so nothing reads the slot now.
    unsafe { *s.job.get() = (erased, n) };
    s.next.store(0, Relaxed);
    s.pending.store(n, Relaxed);
    s.epoch.fetch_add(1, SeqCst);
    if s.sleepers.load(SeqCst) > 0 {
        let _g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
        s.wake.notify_all();
    }
    run_tasks(s, f, n);
    let mut spins = 0u32;
    while s.pending.load(Acquire) != 0 {
        backoff(&mut spins);
    }
    // Close the job, then wait out workers that registered before the close: a worker
    // increments `active` before it reads the epoch, so under SeqCst it either sees the even
    // epoch or is counted here.
    s.epoch.fetch_add(1, SeqCst);
    while s.active.load(SeqCst) != 0 {
        backoff(&mut spins);
    }
    let caught = s.panic.lock().unwrap_or_else(|e| e.into_inner()).take();
    s.busy.store(false, Release);
    if let Some(payload) = caught {
        resume_unwind(payload);
    }
}

fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 1 << 12 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

fn run_tasks(s: &Shared, f: &(dyn Fn(usize) + Sync + '_), n: usize) {
    loop {
        let i = s.next.fetch_add(1, Relaxed);
        if i >= n {
            return;
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(i))) {
            s.panic
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(payload);
        }
        s.pending.fetch_sub(1, Release);
    }
}

fn open_job(e: usize, seen: usize) -> bool {
    e % 2 == 1 && e != seen
}

/// Worker `idx` (1-based: the caller of a job is thread 0) takes part in jobs while `idx` is
/// below the thread limit.
fn worker(s: &'static Shared, idx: usize) {
    let mut seen = 0;
    let wanted = |e: usize, seen: usize| open_job(e, seen) && idx < LIMIT.load(Relaxed);
    loop {
        let start = Instant::now();
        let mut spins = 0u32;
        while !wanted(s.epoch.load(Acquire), seen) {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(256) && start.elapsed() > SPIN {
                let mut g = s.lock.lock().unwrap_or_else(|e| e.into_inner());
                s.sleepers.fetch_add(1, SeqCst);
                while !wanted(s.epoch.load(SeqCst), seen) {
                    g = s.wake.wait(g).unwrap_or_else(|e| e.into_inner());
                }
                s.sleepers.fetch_sub(1, SeqCst);
                break;
            }
            std::hint::spin_loop();
        }
        s.active.fetch_add(1, SeqCst);
        let e = s.epoch.load(SeqCst);
        if open_job(e, seen) {
            // SAFETY: we are active and the job is open, so its owner is still inside
            // `parallel_for` and the closure is alive; the slot was written before the
            // epoch's increment, which our SeqCst load observed.
            let (f, n) = unsafe { *s.job.get() };
            run_tasks(s, unsafe { &*f }, n);
            seen = e;
        }
        s.active.fetch_sub(1, SeqCst);
    }
}

/// A raw pointer tasks may share; each task derives a disjoint piece from it.
pub(crate) struct SendPtr<T>(pub(crate) *mut T);
impl<T> Clone for SendPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SendPtr<T> {}
// SAFETY: used only to hand tasks the base of a buffer they write in disjoint pieces.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    /// Taking `self` whole makes closures capture the `Sync` wrapper, not its field.
    pub(crate) fn get(self) -> *mut T {
        self.0
    }
}

/// Runs `run(start, piece)` over pieces of at most `chunk` elements of `d` in parallel;
/// `start` is the piece's index in `d`. Each thread takes one contiguous run of pieces (as
/// OpenMP's static schedule does): interleaving pieces across threads measured 2x slower on
/// 4 MB buffers, which stream better when each core owns one region.
pub(crate) fn par_chunks_mut<O: Send>(
    d: &mut [O],
    chunk: usize,
    run: &(dyn Fn(usize, &mut [O]) + Sync),
) {
    let (len, chunk) = (d.len(), chunk.max(1));
    let pieces = len.div_ceil(chunk);
    let parts = num_threads().min(pieces);
    let base = SendPtr(d.as_mut_ptr());
    parallel_for(parts, &|t| {
        for i in pieces * t / parts..pieces * (t + 1) / parts {
            let start = i * chunk;
            let end = (start + chunk).min(len);
            // SAFETY: pieces are disjoint ranges inside `d`, which stays borrowed mutably
            // until `parallel_for` returns.
            let piece =
                unsafe { std::slice::from_raw_parts_mut(base.get().add(start), end - start) };
            run(start, piece);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_runs_once() {
        for n in [0, 1, 2, 3, 17, 1000] {
            let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            parallel_for(n, &|i| {
                hits[i].fetch_add(1, Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Relaxed) == 1), "n = {n}");
        }
    }

    #[test]
    fn concurrent_and_nested_callers_finish() {
        let total = AtomicUsize::new(0);
        std::thread::scope(|sc| {
            for _ in 0..4 {
                sc.spawn(|| {
                    for _ in 0..200 {
                        parallel_for(4, &|_| {
                            parallel_for(3, &|_| {
                                total.fetch_add(1, Relaxed);
                            });
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(Relaxed), 4 * 200 * 4 * 3);
    }

    #[test]
    fn chunks_cover_the_slice() {
        let mut v = vec![0usize; 10_001];
        par_chunks_mut(&mut v, 1000, &|start, c| {
            for (k, x) in c.iter_mut().enumerate() {
                *x = start + k;
            }
        });
        assert!(v.iter().enumerate().all(|(i, &x)| i == x));
    }

    #[test]
    fn a_panicking_task_reaches_the_caller_and_the_pool_survives() {
        let r = catch_unwind(|| {
            parallel_for(8, &|i| {
                if i == 5 {
                    panic!("task five");
                }
            })
        });
        assert!(r.is_err());
        let ran = AtomicUsize::new(0);
        parallel_for(8, &|_| {
            ran.fetch_add(1, Relaxed);
        });
        assert_eq!(ran.load(Relaxed), 8);
    }
}

//! The worker threads of a [`DataLoader`](super::DataLoader) with `num_workers > 0`.
//!
//! Note [DataLoader workers]
//! PyTorch's design, on threads instead of processes. Batch `i` goes to worker
//! `i mod num_workers` (skipping workers whose iterable stream has ended) through that
//! worker's own task queue, so which worker loads which batch — and so what a worker's
//! seeded generator draws — does not depend on timing. At most `prefetch_factor` batches
//! per worker are in flight; results come back on one channel and are held until their
//! turn, so batches are yielded in sampler order. Each worker runs with its own generator,
//! seeded `base_seed + id` (PyTorch's `torch.manual_seed(base_seed + worker_id)`), as the
//! source of every random draw it makes (`Generator::scope`). A panic in a sample's fetch
//! is caught and becomes that batch's `Err`; a worker that ends without answering gives
//! an `Err` too, so the loader never waits forever. Dropping the iterator raises the stop
//! flag, closes the queues and joins the threads.

use crate::Generator;
use crate::error::{Error, Result};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Loads the batch of the given indices; stops early (with an error nobody sees) once the
/// flag is raised.
pub(super) type Fetch<B> = Arc<dyn Fn(&[usize], &AtomicBool) -> Result<B> + Send + Sync>;
/// A pass over an iterable dataset, batched.
pub(super) type Stream<B> = Box<dyn Iterator<Item = Result<B>> + Send>;
/// Starts a pass over an iterable dataset.
pub(super) type MakeStream<B> = Arc<dyn Fn() -> Stream<B> + Send + Sync>;
/// `worker_init_fn(worker_id)`: runs first in each worker thread.
///
/// ```
/// use ember::utils::data::{DataLoaderOptions, WorkerInitFn};
/// let init: WorkerInitFn = std::sync::Arc::new(|id| assert!(id < 4));
/// let opts = DataLoaderOptions { num_workers: 4, worker_init_fn: Some(init), ..Default::default() };
/// assert!(opts.worker_init_fn.is_some());
/// ```
pub type WorkerInitFn = Arc<dyn Fn(usize) + Send + Sync>;

/// What workers load: batches by index (map-style) or the next batch of their stream.
pub(super) enum Job<B> {
    Map(Fetch<B>),
    Iterable(MakeStream<B>),
}

impl<B> Clone for Job<B> {
    fn clone(&self) -> Self {
        match self {
            Job::Map(f) => Job::Map(Arc::clone(f)),
            Job::Iterable(m) => Job::Iterable(Arc::clone(m)),
        }
    }
}

/// `torch.utils.data.get_worker_info()`'s answer inside a worker thread.
///
/// ```
/// use ember::utils::data::{DataLoader, DataLoaderOptions, Dataset, get_worker_info};
///
/// struct WhoLoads;
/// impl Dataset for WhoLoads {
///     type Item = i64;
///     fn len(&self) -> usize { 4 }
///     fn get(&self, _: usize) -> ember::Result<i64> {
///         Ok(get_worker_info().map_or(-1, |w| w.id as i64))
///     }
/// }
/// let opts = DataLoaderOptions { batch_size: Some(1), num_workers: 2, ..Default::default() };
/// let ids: Vec<i64> = DataLoader::new(WhoLoads, opts).unwrap().iter().map(|b| b.unwrap().item::<i64>()).collect();
/// assert_eq!(ids, vec![0, 1, 0, 1]); // batch i goes to worker i % 2
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkerInfo {
    /// This worker's index, `0..num_workers`.
    pub id: usize,
    /// How many workers the loader runs.
    pub num_workers: usize,
    /// The seed of this worker's generator (`base_seed + id`).
    pub seed: u64,
}

thread_local! {
    static WORKER_INFO: Cell<Option<WorkerInfo>> = const { Cell::new(None) };
}

/// `torch.utils.data.get_worker_info()`: which worker thread this is, or `None` outside the
/// workers (in the thread iterating a loader with `num_workers: 0`, say). An iterable
/// dataset uses it to give each worker its share of the stream.
///
/// ```
/// assert!(ember::utils::data::get_worker_info().is_none());
/// ```
pub fn get_worker_info() -> Option<WorkerInfo> {
    WORKER_INFO.with(Cell::get)
}

/// A task: its number in the pass, and its indices (none for an iterable dataset).
type Task = (usize, Vec<usize>);
/// A worker's answer: the task's number, the worker's id, the outcome.
type Answer<B> = (usize, usize, Outcome<B>);

/// What a worker answers for one task.
enum Outcome<B> {
    Batch(Result<B>),
    /// The worker's stream has ended (iterable datasets).
    Exhausted,
}

/// How the pool runs, from the loader's options.
pub(super) struct PoolConfig {
    pub num_workers: usize,
    pub prefetch_factor: usize,
    pub timeout: Option<Duration>,
    pub init: Option<WorkerInitFn>,
    pub base_seed: u64,
}

/// The running workers of one pass. See Note [DataLoader workers].
pub(super) struct Pool<B> {
    queues: Vec<Option<Sender<Task>>>,
    results: Option<Receiver<Answer<B>>>,
    handles: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    /// The batches not yet handed out (map-style); `None` for an iterable dataset.
    batches: Option<std::vec::IntoIter<Vec<usize>>>,
    /// Results that came before their turn: task → (worker, outcome).
    pending: BTreeMap<usize, (usize, Outcome<B>)>,
    /// The worker of each task in flight.
    assigned: BTreeMap<usize, usize>,
    next_send: usize,
    next_yield: usize,
    cursor: usize,
    in_flight: usize,
    timeout: Option<Duration>,
}

/// How often a waiting loader checks that the worker it waits for is still alive.
const POLL: Duration = Duration::from_millis(50);

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `f`, turning a panic into the error PyTorch re-raises for a worker's exception.
fn caught<T>(id: usize, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        Err(Error::Worker(format!(
            "Caught panic in DataLoader worker {id}: {}",
            panic_message(&*p)
        )))
    })
}

impl<B: Send + 'static> Pool<B> {
    /// Starts the workers; `batches` is `None` for an iterable dataset.
    pub fn start(job: Job<B>, batches: Option<Vec<Vec<usize>>>, cfg: PoolConfig) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let (result_tx, result_rx) = channel();
        let mut pool = Pool {
            queues: Vec::with_capacity(cfg.num_workers),
            results: Some(result_rx),
            handles: Vec::with_capacity(cfg.num_workers),
            stop: Arc::clone(&stop),
            batches: batches.map(Vec::into_iter),
            pending: BTreeMap::new(),
            assigned: BTreeMap::new(),
            next_send: 0,
            next_yield: 0,
            cursor: 0,
            in_flight: cfg.num_workers * cfg.prefetch_factor.max(1),
            timeout: cfg.timeout,
        };
        for id in 0..cfg.num_workers {
            let (task_tx, task_rx) = channel();
            let info = WorkerInfo {
                id,
                num_workers: cfg.num_workers,
                seed: cfg.base_seed.wrapping_add(id as u64),
            };
            let (job, results, stop, init) = (
                job.clone(),
                result_tx.clone(),
                Arc::clone(&stop),
                cfg.init.clone(),
            );
            let handle = std::thread::Builder::new()
                .name(format!("ember-dataloader-{id}"))
                .spawn(move || run(info, job, task_rx, results, init, stop))
                .map_err(|e| {
                    Error::Worker(format!("could not start DataLoader worker {id}: {e}"))
                })?;
            pool.queues.push(Some(task_tx));
            pool.handles.push(handle);
        }
        Ok(pool)
    }

    /// Hands out the next task; `false` when there is none left to hand out.
    fn send_one(&mut self) -> bool {
        let indices = match &mut self.batches {
            Some(it) => match it.next() {
                Some(b) => b,
                None => return false,
            },
            None => Vec::new(),
        };
        let n = self.queues.len();
        let Some(w) = (0..n)
            .map(|k| (self.cursor + k) % n)
            .find(|&w| self.queues[w].is_some())
        else {
            return false;
        };
        self.cursor = (w + 1) % n;
        if let Some(q) = &self.queues[w] {
            // A worker that is gone is noticed while waiting for this task.
            let _ = q.send((self.next_send, indices));
        }
        self.assigned.insert(self.next_send, w);
        self.next_send += 1;
        true
    }

    /// The outcome of task `t`, waiting for it.
    fn wait(&mut self, t: usize) -> Result<(usize, Outcome<B>)> {
        let start = Instant::now();
        let w = self.assigned.get(&t).copied().unwrap_or(0);
        let Some(results) = &self.results else {
            return Err(dead(w));
        };
        loop {
            if let Some(x) = self.pending.remove(&t) {
                return Ok(x);
            }
            match results.recv_timeout(POLL) {
                Ok((task, worker, outcome)) => {
                    if task >= t {
                        self.pending.insert(task, (worker, outcome));
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.handles.get(w).is_none_or(JoinHandle::is_finished) {
                        // It may have answered just before ending.
                        while let Ok((task, worker, outcome)) = results.try_recv() {
                            self.pending.insert(task, (worker, outcome));
                        }
                        if !self.pending.contains_key(&t) {
                            return Err(dead(w));
                        }
                    }
                    if let Some(limit) = self.timeout
                        && start.elapsed() >= limit
                    {
                        return Err(Error::Worker(format!(
                            "DataLoader timed out after {} seconds",
                            limit.as_secs_f64()
                        )));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if !self.pending.contains_key(&t) {
                        return Err(dead(w));
                    }
                }
            }
        }
    }
}

fn dead(w: usize) -> Error {
    Error::Worker(format!(
        "DataLoader worker (thread {w}) exited unexpectedly"
    ))
}

impl<B: Send + 'static> Iterator for Pool<B> {
    type Item = Result<B>;

    fn next(&mut self) -> Option<Result<B>> {
        loop {
            while self.next_send - self.next_yield < self.in_flight && self.send_one() {}
            if self.next_yield == self.next_send {
                return None;
            }
            let t = self.next_yield;
            let got = self.wait(t);
            self.next_yield += 1;
            self.assigned.remove(&t);
            match got {
                Err(e) => return Some(Err(e)),
                Ok((_, Outcome::Batch(r))) => return Some(r),
                Ok((w, Outcome::Exhausted)) => {
                    // Closing its queue ends the worker once it has answered the rest.
                    if let Some(q) = self.queues.get_mut(w) {
                        *q = None;
                    }
                }
            }
        }
    }
}

impl<B> Drop for Pool<B> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.queues.clear();
        self.results = None;
        for h in self.handles.drain(..) {
            // A worker's panics are caught per task; one escaping has nothing left to say.
            let _ = h.join();
        }
    }
}

fn run<B>(
    info: WorkerInfo,
    job: Job<B>,
    tasks: Receiver<Task>,
    results: Sender<Answer<B>>,
    init: Option<WorkerInitFn>,
    stop: Arc<AtomicBool>,
) {
    WORKER_INFO.with(|c| c.set(Some(info)));
    let id = info.id;
    let mut generator = Generator::new(info.seed);
    generator.scope(|| {
        let init_error = init.and_then(|f| {
            caught(id, || {
                f(id);
                Ok(())
            })
            .err()
        });
        let mut stream: Option<Stream<B>> = None;
        let mut ended = false;
        while let Ok((t, indices)) = tasks.recv() {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let outcome = if let Some(e) = &init_error {
                Outcome::Batch(Err(e.clone()))
            } else {
                match &job {
                    Job::Map(fetch) => Outcome::Batch(caught(id, || fetch(&indices, &stop))),
                    Job::Iterable(make) => next_of_stream(id, make, &mut stream, &mut ended),
                }
            };
            if results.send((t, id, outcome)).is_err() {
                break;
            }
        }
    });
}

/// The next batch of this worker's pass over an iterable dataset, starting the pass on
/// the first call. A panic ends the pass (as an exception ends a Python generator).
fn next_of_stream<B>(
    id: usize,
    make: &MakeStream<B>,
    stream: &mut Option<Stream<B>>,
    ended: &mut bool,
) -> Outcome<B> {
    if *ended {
        return Outcome::Exhausted;
    }
    if stream.is_none() {
        match caught(id, || Ok(make())) {
            Ok(s) => *stream = Some(s),
            Err(e) => {
                *ended = true;
                return Outcome::Batch(Err(e));
            }
        }
    }
    let Some(s) = stream.as_mut() else {
        return Outcome::Exhausted;
    };
    match caught(id, || Ok(s.next())) {
        Ok(Some(r)) => Outcome::Batch(r),
        Ok(None) => {
            *ended = true;
            *stream = None;
            Outcome::Exhausted
        }
        Err(e) => {
            *ended = true;
            *stream = None;
            Outcome::Batch(Err(e))
        }
    }
}

//! `torch.utils.data.DataLoader`: batches of a dataset, in a sampler's order, loaded on the
//! calling thread or by worker threads.

use super::collate::Collate;
use super::dataset::{Dataset, IterableDataset};
use super::sampler::{RandomSampler, RandomSamplerOptions, Sampler, batch_count, batches};
use super::worker::{Fetch, Job, MakeStream, Pool, PoolConfig, Stream, WorkerInitFn};
use crate::Generator;
use crate::error::{Error, Result, bail};
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The keyword arguments of [`DataLoader`], with PyTorch's defaults.
///
/// ```
/// use ember::utils::data::DataLoaderOptions;
/// let opts = DataLoaderOptions { batch_size: Some(64), shuffle: true, ..Default::default() };
/// assert!(!opts.drop_last);
/// ```
pub struct DataLoaderOptions {
    /// Samples per batch (default `Some(1)`); `None` turns batching off: each sample is
    /// yielded by itself, through [`Collate::convert`] or the collate function.
    pub batch_size: Option<usize>,
    /// Visit the samples in a new random order each pass (default false).
    pub shuffle: bool,
    /// The order of the samples (default: sequential, or random with `shuffle`).
    pub sampler: Option<Box<dyn Sampler>>,
    /// Yields whole batches of indices; excludes `batch_size`, `shuffle`, `sampler` and
    /// `drop_last`.
    pub batch_sampler: Option<Box<dyn Sampler<Vec<usize>>>>,
    /// Worker threads that load batches ahead of the caller (default 0: load on the
    /// calling thread).
    pub num_workers: usize,
    /// Batches in flight per worker (default: 2 when there are workers).
    pub prefetch_factor: Option<usize>,
    /// Drop the last batch when it is short (default false).
    pub drop_last: bool,
    /// How long to wait for a worker's batch before giving up (default: forever).
    pub timeout: Option<Duration>,
    /// Runs first in each worker thread, given its id.
    pub worker_init_fn: Option<WorkerInitFn>,
    /// The source of the shuffled order and of the workers' seeds (default: the default
    /// generator, as PyTorch draws from it).
    pub generator: Option<Generator>,
}

impl Default for DataLoaderOptions {
    fn default() -> Self {
        DataLoaderOptions {
            batch_size: Some(1),
            shuffle: false,
            sampler: None,
            batch_sampler: None,
            num_workers: 0,
            prefetch_factor: None,
            drop_last: false,
            timeout: None,
            worker_init_fn: None,
            generator: None,
        }
    }
}

impl std::fmt::Debug for DataLoaderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataLoaderOptions")
            .field("batch_size", &self.batch_size)
            .field("shuffle", &self.shuffle)
            .field("sampler", &self.sampler.as_ref().map(|_| "…"))
            .field("batch_sampler", &self.batch_sampler.as_ref().map(|_| "…"))
            .field("num_workers", &self.num_workers)
            .field("prefetch_factor", &self.prefetch_factor)
            .field("drop_last", &self.drop_last)
            .field("timeout", &self.timeout)
            .field("worker_init_fn", &self.worker_init_fn.as_ref().map(|_| "…"))
            .field(
                "generator",
                &self.generator.as_ref().map(Generator::initial_seed),
            )
            .finish()
    }
}

/// Where a map-style loader's indices come from.
enum Plan {
    /// `shuffle`: the loader's generator, if any, lives in the sampler (PyTorch shares it).
    Shuffle(Box<RandomSampler>),
    Sampler(Box<dyn Sampler>),
    Batches(Box<dyn Sampler<Vec<usize>>>),
}

struct State {
    /// `None` for an iterable dataset.
    plan: Option<Plan>,
    /// The loader's generator when no shuffle sampler holds it.
    generator: Option<Generator>,
}

/// The loader's dataset, type-erased behind what the loader needs of it.
enum Source<B> {
    Map(Fetch<B>),
    Iterable {
        make: MakeStream<B>,
        len: Option<usize>,
    },
}

/// `torch.utils.data.DataLoader`: iterates over batches of a dataset.
///
/// Iterating (`for batch in &loader`) starts a pass: the sampler draws its order, then the
/// batches are loaded on this thread or, with `num_workers`, by worker threads that run
/// ahead (see Note [DataLoader workers]); either way they come in sampler order. Each
/// batch is a `Result`: a sample that fails to load (or panics, in a worker) gives an
/// `Err` for its batch and the pass goes on.
///
/// ```
/// use ember::utils::data::{DataLoader, DataLoaderOptions, TensorDataset};
///
/// let x = ember::arange(10.0).view([5, 2]);
/// let y = ember::arange(5.0);
/// let ds = TensorDataset::new((x, y)).unwrap();
/// let opts = DataLoaderOptions { batch_size: Some(2), ..Default::default() };
/// let loader = DataLoader::new(ds, opts).unwrap();
/// assert_eq!(loader.len(), 3);
/// let shapes: Vec<Vec<usize>> = loader.iter().map(|b| b.unwrap().0.shape().to_vec()).collect();
/// assert_eq!(shapes, vec![vec![2, 2], vec![2, 2], vec![1, 2]]);
/// ```
pub struct DataLoader<B> {
    source: Source<B>,
    state: Mutex<State>,
    batch_size: Option<usize>,
    drop_last: bool,
    num_workers: usize,
    prefetch_factor: usize,
    timeout: Option<Duration>,
    worker_init_fn: Option<WorkerInitFn>,
}

/// Turns the samples of one batch into what the loader yields.
type Finish<T, B> = Arc<dyn Fn(Vec<T>) -> Result<B> + Send + Sync>;

fn default_finish<T: Collate + 'static>(batched: bool) -> Finish<T, T::Batch> {
    if batched {
        Arc::new(T::collate)
    } else {
        Arc::new(|v: Vec<T>| match v.into_iter().next() {
            Some(s) => s.convert(),
            None => bail!(Value, "an unbatched DataLoader fetched no sample"),
        })
    }
}

impl<B: Send + 'static> DataLoader<B> {
    /// A loader over a map-style dataset, batching with [`default_collate`](super::default_collate).
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// let opts = DataLoaderOptions { batch_size: Some(2), drop_last: true, ..Default::default() };
    /// let loader = DataLoader::new(vec![1i64, 2, 3, 4, 5], opts).unwrap();
    /// let b: Vec<Vec<i64>> = loader.iter().map(|b| b.unwrap().to_vec::<i64>()).collect();
    /// assert_eq!(b, vec![vec![1, 2], vec![3, 4]]);
    /// ```
    ///
    /// # Errors
    /// For options PyTorch refuses, with its messages: `sampler` with `shuffle`,
    /// `batch_sampler` with `batch_size`/`shuffle`/`sampler`/`drop_last`, `batch_size:
    /// None` with `drop_last`, `prefetch_factor` without workers, a zero batch size,
    /// `shuffle` over an empty dataset.
    pub fn new<D>(dataset: D, opts: DataLoaderOptions) -> Result<Self>
    where
        D: Dataset + 'static,
        D::Item: Collate<Batch = B> + 'static,
    {
        let finish = default_finish::<D::Item>(batched(&opts));
        Self::map_style(dataset, opts, finish)
    }

    /// A loader over a map-style dataset with a custom `collate_fn`. Without batching
    /// (`batch_size: None`) it gets one-sample `Vec`s (PyTorch passes the sample itself).
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// let opts = DataLoaderOptions { batch_size: Some(2), ..Default::default() };
    /// let sums = DataLoader::with_collate_fn(vec![1i64, 2, 3], opts, |b: Vec<i64>| Ok(b.iter().sum::<i64>()))
    ///     .unwrap();
    /// assert_eq!(sums.iter().map(|s| s.unwrap()).collect::<Vec<_>>(), vec![3, 3]);
    /// ```
    ///
    /// # Errors
    /// As [`DataLoader::new`].
    pub fn with_collate_fn<D, F>(dataset: D, opts: DataLoaderOptions, collate_fn: F) -> Result<Self>
    where
        D: Dataset + 'static,
        F: Fn(Vec<D::Item>) -> Result<B> + Send + Sync + 'static,
    {
        Self::map_style(dataset, opts, Arc::new(collate_fn))
    }

    /// A loader over an iterable dataset, batching with `default_collate`. With workers,
    /// each worker runs its own pass (see [`IterableDataset`]) and their batches alternate.
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions, IterableDataset};
    ///
    /// struct Count(i64);
    /// impl IterableDataset for Count {
    ///     type Item = i64;
    ///     fn iter(&self) -> Box<dyn Iterator<Item = ember::Result<i64>> + Send> {
    ///         Box::new((0..self.0).map(Ok))
    ///     }
    /// }
    /// let opts = DataLoaderOptions { batch_size: Some(2), ..Default::default() };
    /// let loader = DataLoader::from_iterable(Count(5), opts).unwrap();
    /// let b: Vec<Vec<i64>> = loader.iter().map(|b| b.unwrap().to_vec::<i64>()).collect();
    /// assert_eq!(b, vec![vec![0, 1], vec![2, 3], vec![4]]);
    /// ```
    ///
    /// # Errors
    /// For `shuffle`, a `sampler` or a `batch_sampler` (an iterable dataset has no
    /// indices), and as [`DataLoader::new`].
    pub fn from_iterable<D>(dataset: D, opts: DataLoaderOptions) -> Result<Self>
    where
        D: IterableDataset + 'static,
        D::Item: Collate<Batch = B> + 'static,
    {
        let finish = default_finish::<D::Item>(batched(&opts));
        Self::iterable_style(dataset, opts, finish)
    }

    /// A loader over an iterable dataset with a custom `collate_fn`.
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions, IterableDataset};
    ///
    /// struct Words;
    /// impl IterableDataset for Words {
    ///     type Item = String;
    ///     fn iter(&self) -> Box<dyn Iterator<Item = ember::Result<String>> + Send> {
    ///         Box::new(["a", "bb", "ccc"].into_iter().map(|s| Ok(s.to_string())))
    ///     }
    /// }
    /// let opts = DataLoaderOptions { batch_size: Some(2), ..Default::default() };
    /// let lens = DataLoader::from_iterable_with_collate_fn(Words, opts, |b: Vec<String>| Ok(b.concat().len()))
    ///     .unwrap();
    /// assert_eq!(lens.iter().map(|n| n.unwrap()).collect::<Vec<_>>(), vec![3, 3]);
    /// ```
    ///
    /// # Errors
    /// As [`DataLoader::from_iterable`].
    pub fn from_iterable_with_collate_fn<D, F>(
        dataset: D,
        opts: DataLoaderOptions,
        collate_fn: F,
    ) -> Result<Self>
    where
        D: IterableDataset + 'static,
        F: Fn(Vec<D::Item>) -> Result<B> + Send + Sync + 'static,
    {
        Self::iterable_style(dataset, opts, Arc::new(collate_fn))
    }

    fn map_style<D>(
        dataset: D,
        mut opts: DataLoaderOptions,
        finish: Finish<D::Item, B>,
    ) -> Result<Self>
    where
        D: Dataset + 'static,
    {
        check_common(&opts)?;
        if opts.sampler.is_some() && opts.shuffle {
            bail!(Value, "sampler option is mutually exclusive with shuffle");
        }
        if opts.batch_sampler.is_some()
            && (opts.batch_size != Some(1)
                || opts.shuffle
                || opts.sampler.is_some()
                || opts.drop_last)
        {
            bail!(
                Value,
                "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
            );
        }
        let mut generator = opts.generator.take();
        let plan = if let Some(b) = opts.batch_sampler.take() {
            opts.batch_size = None;
            Plan::Batches(b)
        } else if let Some(s) = opts.sampler.take() {
            Plan::Sampler(s)
        } else if opts.shuffle {
            let ropts = RandomSamplerOptions {
                generator: generator.take(),
                ..Default::default()
            };
            Plan::Shuffle(Box::new(RandomSampler::new_with(dataset.len(), ropts)?))
        } else {
            Plan::Sampler(Box::new(super::SequentialSampler::new(dataset.len())))
        };
        let dataset = Arc::new(dataset);
        let fetch: Fetch<B> = Arc::new(move |indices: &[usize], stop: &AtomicBool| {
            let mut samples = Vec::with_capacity(indices.len());
            for &i in indices {
                if stop.load(Ordering::Relaxed) {
                    bail!(Worker, "DataLoader stopped");
                }
                samples.push(dataset.get(i)?);
            }
            finish(samples)
        });
        Ok(Self::build(Source::Map(fetch), Some(plan), generator, opts))
    }

    fn iterable_style<D>(
        dataset: D,
        mut opts: DataLoaderOptions,
        finish: Finish<D::Item, B>,
    ) -> Result<Self>
    where
        D: IterableDataset + 'static,
    {
        if opts.shuffle {
            bail!(
                Value,
                "DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=True"
            );
        }
        if opts.sampler.is_some() {
            bail!(
                Value,
                "DataLoader with IterableDataset: expected unspecified sampler option, but got a sampler"
            );
        }
        if opts.batch_sampler.is_some() {
            bail!(
                Value,
                "DataLoader with IterableDataset: expected unspecified batch_sampler option, but got a batch_sampler"
            );
        }
        check_common(&opts)?;
        let len = dataset.len();
        let (batch_size, drop_last) = (opts.batch_size, opts.drop_last);
        let dataset = Arc::new(dataset);
        let make: MakeStream<B> = Arc::new(move || -> Stream<B> {
            Box::new(Batched {
                samples: dataset.iter(),
                batch_size,
                drop_last,
                finish: Arc::clone(&finish),
                ended: false,
            })
        });
        let generator = opts.generator.take();
        Ok(Self::build(
            Source::Iterable { make, len },
            None,
            generator,
            opts,
        ))
    }

    fn build(
        source: Source<B>,
        plan: Option<Plan>,
        generator: Option<Generator>,
        opts: DataLoaderOptions,
    ) -> Self {
        DataLoader {
            source,
            state: Mutex::new(State { plan, generator }),
            batch_size: opts.batch_size,
            drop_last: opts.drop_last,
            num_workers: opts.num_workers,
            prefetch_factor: opts.prefetch_factor.unwrap_or(2),
            timeout: opts.timeout,
            worker_init_fn: opts.worker_init_fn,
        }
    }

    /// The number of batches a pass yields (`len(loader)`).
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// let opts = DataLoaderOptions { batch_size: Some(4), ..Default::default() };
    /// assert_eq!(DataLoader::new(vec![0i64; 10], opts).unwrap().try_len().unwrap(), 3);
    /// ```
    ///
    /// # Errors
    /// For an iterable dataset that does not know its length.
    pub fn try_len(&self) -> Result<usize> {
        let n = match &self.source {
            Source::Iterable { len, .. } => len.ok_or_else(|| {
                Error::Value("object of type 'IterableDataset' has no len()".into())
            })?,
            Source::Map(_) => match &self.state.lock().plan {
                Some(Plan::Shuffle(s)) => s.len(),
                Some(Plan::Sampler(s)) => s.len(),
                Some(Plan::Batches(b)) => return Ok(b.len()),
                None => 0,
            },
        };
        Ok(match self.batch_size {
            Some(b) => batch_count(n, b, self.drop_last),
            None => n,
        })
    }

    /// The number of batches a pass yields (`len(loader)`).
    ///
    /// # Panics
    /// For an iterable dataset that does not know its length.
    #[track_caller]
    pub fn len(&self) -> usize {
        match self.try_len() {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        }
    }

    /// Whether a pass yields no batch.
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// assert!(DataLoader::new(Vec::<i64>::new(), DataLoaderOptions::default()).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.try_len().is_ok_and(|n| n == 0)
    }

    /// The loader's generator as it stands (`loader.generator`), or `None` when it draws
    /// from the default generator.
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// let opts = DataLoaderOptions { generator: Some(ember::Generator::new(3)), ..Default::default() };
    /// let loader = DataLoader::new(vec![1i64], opts).unwrap();
    /// assert_eq!(loader.generator().unwrap().initial_seed(), 3);
    /// ```
    pub fn generator(&self) -> Option<Generator> {
        let st = self.state.lock();
        match &st.plan {
            Some(Plan::Shuffle(s)) if s.generator.is_some() => s.generator.clone(),
            _ => st.generator.clone(),
        }
    }

    /// Starts a pass over the batches (`iter(loader)`).
    ///
    /// As in PyTorch, each pass first draws a base seed from the loader's generator (the
    /// workers' seeds), then the sampler draws its order.
    ///
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// let opts = DataLoaderOptions { batch_size: Some(2), num_workers: 2, ..Default::default() };
    /// let loader = DataLoader::new((0..7i64).collect::<Vec<_>>(), opts).unwrap();
    /// let firsts: Vec<i64> = loader.iter().map(|b| b.unwrap().to_vec::<i64>()[0]).collect();
    /// assert_eq!(firsts, vec![0, 2, 4, 6]);
    /// ```
    pub fn iter(&self) -> DataLoaderIter<B> {
        let (base_seed, batches) = self.start_pass();
        let job = match &self.source {
            Source::Map(f) => Job::Map(Arc::clone(f)),
            Source::Iterable { make, .. } => Job::Iterable(Arc::clone(make)),
        };
        let inner = if self.num_workers == 0 {
            match job {
                Job::Map(fetch) => Inner::Serial {
                    fetch,
                    batches: batches.unwrap_or_default().into_iter(),
                },
                Job::Iterable(make) => Inner::Stream(make()),
            }
        } else {
            let cfg = PoolConfig {
                num_workers: self.num_workers,
                prefetch_factor: self.prefetch_factor,
                timeout: self.timeout,
                init: self.worker_init_fn.clone(),
                base_seed,
            };
            match Pool::start(job, batches, cfg) {
                Ok(p) => Inner::Pool(Box::new(p)),
                Err(e) => Inner::Failed(Some(e)),
            }
        };
        DataLoaderIter { inner }
    }

    /// The base seed of a new pass and, for a map-style dataset, its batches of indices.
    fn start_pass(&self) -> (u64, Option<Vec<Vec<usize>>>) {
        let mut st = self.state.lock();
        let State { plan, generator } = &mut *st;
        let base_seed = match (plan.as_mut(), generator.as_mut()) {
            (Some(Plan::Shuffle(s)), _) if s.generator.is_some() => {
                s.generator.as_mut().map_or(0, Generator::random_i64)
            }
            (_, Some(g)) => g.random_i64(),
            _ => crate::with_default_generator(Generator::random_i64),
        } as u64;
        let singles = |v: Vec<usize>| v.into_iter().map(|i| vec![i]).collect();
        let cut = |v: Vec<usize>| match self.batch_size {
            Some(b) => batches(v, b, self.drop_last),
            None => singles(v),
        };
        let batches = plan.as_mut().map(|p| match p {
            Plan::Shuffle(s) => cut(s.indices()),
            Plan::Sampler(s) => cut(s.indices()),
            Plan::Batches(b) => b.indices(),
        });
        (base_seed, batches)
    }
}

fn batched(opts: &DataLoaderOptions) -> bool {
    opts.batch_size.is_some() || opts.batch_sampler.is_some()
}

/// The checks PyTorch makes of every loader's options.
fn check_common(opts: &DataLoaderOptions) -> Result<()> {
    match (opts.num_workers, opts.prefetch_factor) {
        (0, Some(_)) => bail!(
            Value,
            "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        ),
        (_, Some(0)) => bail!(
            Value,
            "prefetch_factor option should be positive, so that each worker has a batch to load"
        ),
        _ => {}
    }
    if opts.batch_size.is_none() && opts.drop_last {
        bail!(
            Value,
            "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
        );
    }
    if let Some(b) = opts.batch_size {
        super::sampler::check_batch_size(b)?;
    }
    Ok(())
}

/// An iterable dataset's samples as batches, as PyTorch's `_IterableDatasetFetcher` cuts
/// them: a failing sample fails its batch at once.
struct Batched<T, B> {
    samples: Box<dyn Iterator<Item = Result<T>> + Send>,
    batch_size: Option<usize>,
    drop_last: bool,
    finish: Finish<T, B>,
    ended: bool,
}

impl<T, B> Iterator for Batched<T, B> {
    type Item = Result<B>;
    fn next(&mut self) -> Option<Result<B>> {
        if self.ended {
            return None;
        }
        let want = self.batch_size.unwrap_or(1);
        let mut batch = Vec::with_capacity(want);
        while batch.len() < want {
            match self.samples.next() {
                Some(Ok(s)) => batch.push(s),
                Some(Err(e)) => return Some(Err(e)),
                None => {
                    self.ended = true;
                    break;
                }
            }
        }
        if batch.is_empty() || (self.drop_last && batch.len() < want) {
            return None;
        }
        Some((self.finish)(batch))
    }
}

enum Inner<B> {
    Serial {
        fetch: Fetch<B>,
        batches: std::vec::IntoIter<Vec<usize>>,
    },
    Stream(Stream<B>),
    Pool(Box<Pool<B>>),
    Failed(Option<Error>),
}

/// One pass over a [`DataLoader`]'s batches. Dropping it before the end stops the loader's
/// workers.
pub struct DataLoaderIter<B> {
    inner: Inner<B>,
}

static NEVER: AtomicBool = AtomicBool::new(false);

impl<B: Send + 'static> Iterator for DataLoaderIter<B> {
    type Item = Result<B>;
    fn next(&mut self) -> Option<Result<B>> {
        match &mut self.inner {
            Inner::Serial { fetch, batches } => batches.next().map(|b| fetch(&b, &NEVER)),
            Inner::Stream(s) => s.next(),
            Inner::Pool(p) => p.next(),
            Inner::Failed(e) => e.take().map(Err),
        }
    }
}

impl<B: Send + 'static> IntoIterator for &DataLoader<B> {
    type Item = Result<B>;
    type IntoIter = DataLoaderIter<B>;
    fn into_iter(self) -> DataLoaderIter<B> {
        self.iter()
    }
}

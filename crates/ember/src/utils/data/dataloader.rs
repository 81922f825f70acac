//! `torch.utils.data.DataLoader`: batches of a dataset, in a sampler's order, loaded on the
//! calling thread or by worker threads (a pass itself is in `iter.rs`).

use super::collate::Collate;
use super::dataset::{Dataset, IterableDataset};
use super::fetch::{Finish, default_finish, iterable_stream, map_fetch};
use super::options::{DataLoaderOptions, batched, check_common};
use super::sampler::{RandomSampler, RandomSamplerOptions, Sampler, batch_count};
use super::worker::{Fetch, MakeStream, WorkerInitFn};
use crate::Generator;
use crate::error::{Error, Result, bail};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// Where a map-style loader's indices come from.
pub(super) enum Plan {
    /// `shuffle`: the loader's generator, if any, lives in the sampler (PyTorch shares it).
    Shuffle(Box<RandomSampler>),
    Sampler(Box<dyn Sampler>),
    Batches(Box<dyn Sampler<Vec<usize>>>),
}

pub(super) struct State {
    /// `None` for an iterable dataset.
    pub(super) plan: Option<Plan>,
    /// The loader's generator when no shuffle sampler holds it.
    pub(super) generator: Option<Generator>,
}

/// The loader's dataset, type-erased behind what the loader needs of it.
pub(super) enum Source<B> {
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
    pub(super) source: Source<B>,
    pub(super) state: Mutex<State>,
    pub(super) batch_size: Option<usize>,
    pub(super) drop_last: bool,
    pub(super) num_workers: usize,
    pub(super) prefetch_factor: usize,
    pub(super) timeout: Option<Duration>,
    pub(super) worker_init_fn: Option<WorkerInitFn>,
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
        let fetch = map_fetch(dataset, finish);
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
        let make = iterable_stream(dataset, opts.batch_size, opts.drop_last, finish);
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
    /// ```
    /// use ember::utils::data::{DataLoader, DataLoaderOptions};
    /// let opts = DataLoaderOptions { batch_size: Some(4), drop_last: true, ..Default::default() };
    /// assert_eq!(DataLoader::new(vec![0i64; 10], opts).unwrap().len(), 2);
    /// ```
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
}

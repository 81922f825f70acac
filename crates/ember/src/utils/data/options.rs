//! The keyword arguments of a `DataLoader` and the checks PyTorch makes of them.

use super::sampler::Sampler;
use super::worker::WorkerInitFn;
use crate::Generator;
use crate::error::{Result, bail};
use std::time::Duration;

/// The keyword arguments of [`DataLoader`](super::DataLoader), with PyTorch's defaults.
///
/// ```
/// use ember::utils::data::DataLoaderOptions;
/// let opts = DataLoaderOptions { batch_size: Some(64), shuffle: true, ..Default::default() };
/// assert!(!opts.drop_last);
/// ```
pub struct DataLoaderOptions {
    /// Samples per batch (default `Some(1)`); `None` turns batching off: each sample is
    /// yielded by itself, through [`Collate::convert`](super::Collate::convert) or the collate function.
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

pub(super) fn batched(opts: &DataLoaderOptions) -> bool {
    opts.batch_size.is_some() || opts.batch_sampler.is_some()
}

/// The checks PyTorch makes of every loader's options.
pub(super) fn check_common(opts: &DataLoaderOptions) -> Result<()> {
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

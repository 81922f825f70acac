//! One pass over a `DataLoader`: its base seed and order, then batches loaded on the
//! calling thread or by the workers.

use super::dataloader::{DataLoader, Plan, Source, State};
use super::sampler::{Sampler, batches};
use super::worker::{Fetch, Job, Pool, PoolConfig, Stream};
use crate::Generator;
use crate::error::{Error, Result};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

impl<B: Send + 'static> DataLoader<B> {
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
///
/// ```
/// use ember::utils::data::{DataLoader, DataLoaderOptions};
/// let opts = DataLoaderOptions { batch_size: Some(2), num_workers: 2, ..Default::default() };
/// let loader = DataLoader::new(vec![1i64; 100], opts).unwrap();
/// let mut pass = loader.iter();
/// assert_eq!(pass.next().unwrap().unwrap().to_vec::<i64>(), vec![1, 1]);
/// drop(pass); // the workers stop
/// ```
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

//! Samplers: the order in which a [`DataLoader`](super::DataLoader) visits a dataset,
//! drawn exactly as `torch/utils/data/sampler.py` draws it (same generator calls, same
//! order), so a seed gives PyTorch's order.

use crate::Generator;
use crate::error::{Result, bail};

/// `torch.utils.data.Sampler`: yields the indices (or, for a batch sampler, the lists of
/// indices) of one pass over a dataset.
///
/// A pass is drawn whole when it starts, where PyTorch's samplers are generators that draw
/// as they go; the numbers drawn and their order are the same, since nothing else draws
/// from a sampler's generator in between.
///
/// ```
/// use ember::utils::data::Sampler;
///
/// struct Reversed(usize);
/// impl Sampler for Reversed {
///     fn len(&self) -> usize { self.0 }
///     fn indices(&mut self) -> Vec<usize> { (0..self.0).rev().collect() }
/// }
/// assert_eq!(Reversed(3).indices(), vec![2, 1, 0]);
/// ```
pub trait Sampler<T = usize>: Send {
    /// How many items a pass yields (`len(sampler)`).
    fn len(&self) -> usize;

    /// One pass (`list(iter(sampler))`); a random sampler draws a new order each time.
    fn indices(&mut self) -> Vec<T>;

    /// Whether a pass yields nothing.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T, S: Sampler<T> + ?Sized> Sampler<T> for Box<S> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn indices(&mut self) -> Vec<T> {
        (**self).indices()
    }
}

/// A fixed list is a sampler that yields itself, as any iterable with a length is one for a
/// PyTorch `DataLoader`.
///
/// ```
/// use ember::utils::data::Sampler;
/// assert_eq!(vec![2usize, 0].indices(), vec![2, 0]);
/// ```
impl<T: Clone + Send> Sampler<T> for Vec<T> {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn indices(&mut self) -> Vec<T> {
        self.clone()
    }
}

/// `SequentialSampler(data_source)`: `0, 1, …, len - 1`.
///
/// ```
/// use ember::utils::data::{Sampler, SequentialSampler};
/// assert_eq!(SequentialSampler::new(3).indices(), vec![0, 1, 2]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SequentialSampler {
    len: usize,
}

impl SequentialSampler {
    /// A sampler over a data source of `len` samples.
    pub fn new(len: usize) -> Self {
        SequentialSampler { len }
    }
}

impl Sampler for SequentialSampler {
    fn len(&self) -> usize {
        self.len
    }
    fn indices(&mut self) -> Vec<usize> {
        (0..self.len).collect()
    }
}

/// The keyword arguments of [`RandomSampler`].
///
/// ```
/// use ember::utils::data::{RandomSampler, RandomSamplerOptions, Sampler};
/// let opts = RandomSamplerOptions { replacement: true, num_samples: Some(50), ..Default::default() };
/// let s = RandomSampler::new_with(10, opts).unwrap();
/// assert_eq!(s.len(), 50);
/// ```
#[derive(Clone, Debug, Default)]
pub struct RandomSamplerOptions {
    /// Draw with replacement (default false).
    pub replacement: bool,
    /// How many indices a pass yields (default: the data source's length).
    pub num_samples: Option<usize>,
    /// The generator to draw from; without one, each pass seeds a fresh generator from the
    /// default one, as PyTorch does.
    pub generator: Option<Generator>,
}

/// `RandomSampler(data_source, replacement, num_samples, generator)`: a random order
/// (`randperm`) or, with replacement, `randint` draws in chunks of 32.
///
/// ```
/// use ember::utils::data::{RandomSampler, RandomSamplerOptions, Sampler};
///
/// let opts = RandomSamplerOptions { generator: Some(ember::Generator::new(0)), ..Default::default() };
/// let mut s = RandomSampler::new_with(10, opts).unwrap();
/// // list(RandomSampler(range(10), generator=torch.Generator().manual_seed(0)))
/// assert_eq!(s.indices(), vec![4, 1, 7, 5, 3, 9, 0, 8, 6, 2]);
/// ```
#[derive(Clone, Debug)]
pub struct RandomSampler {
    data_len: usize,
    replacement: bool,
    num_samples: usize,
    pub(super) generator: Option<Generator>,
}

impl RandomSampler {
    /// A random order of `0..len` on each pass.
    ///
    /// ```
    /// use ember::utils::data::{RandomSampler, Sampler};
    /// let mut p = RandomSampler::new(5).unwrap().indices();
    /// p.sort();
    /// assert_eq!(p, vec![0, 1, 2, 3, 4]);
    /// ```
    ///
    /// # Errors
    /// If `len` is 0 (no sample to draw).
    pub fn new(len: usize) -> Result<Self> {
        Self::new_with(len, RandomSamplerOptions::default())
    }

    /// A random sampler with [`RandomSamplerOptions`].
    ///
    /// # Errors
    /// If the number of samples is 0 ("num_samples should be a positive integer value,
    /// but got num_samples=0"), or positive with nothing to draw from (`len` 0).
    pub fn new_with(len: usize, opts: RandomSamplerOptions) -> Result<Self> {
        let num_samples = opts.num_samples.unwrap_or(len);
        if num_samples == 0 {
            bail!(
                Value,
                "num_samples should be a positive integer value, but got num_samples={num_samples}"
            );
        }
        if len == 0 {
            // PyTorch fails on the first draw (randint's empty range, or `k // 0`).
            bail!(
                Value,
                "RandomSampler: cannot draw {num_samples} samples from an empty data source"
            );
        }
        Ok(RandomSampler {
            data_len: len,
            replacement: opts.replacement,
            num_samples,
            generator: opts.generator,
        })
    }

    fn draw(&self, g: &mut Generator) -> Vec<usize> {
        let (n, k) = (self.data_len, self.num_samples);
        if self.replacement {
            // torch.randint(high=n, size=(32,)) per full chunk, then one of k % 32.
            let mut out = Vec::with_capacity(k);
            for _ in 0..k / 32 {
                out.extend((0..32).map(|_| randint(g, n)));
            }
            out.extend((0..k % 32).map(|_| randint(g, n)));
            return out;
        }
        let mut out = Vec::with_capacity(k);
        for _ in 0..k / n {
            out.extend(randperm(g, n));
        }
        let tail = randperm(g, n);
        out.extend(tail.into_iter().take(k % n));
        out
    }
}

impl Sampler for RandomSampler {
    fn len(&self) -> usize {
        self.num_samples
    }
    fn indices(&mut self) -> Vec<usize> {
        match self.generator.take() {
            Some(mut g) => {
                let out = self.draw(&mut g);
                self.generator = Some(g);
                out
            }
            None => {
                // `torch.empty((), dtype=torch.int64).random_().item()` seeds a new one.
                let seed = crate::with_default_generator(|g| g.random_i64());
                self.draw(&mut Generator::new(seed as u64))
            }
        }
    }
}

/// `torch.randint(high=n, (1,), generator=g)` as PyTorch's CPU kernel draws one value.
fn randint(g: &mut Generator, n: usize) -> usize {
    // Below `n`, so it fits a `usize`.
    g.random_below(n as u64) as usize
}

fn randperm(g: &mut Generator, n: usize) -> Vec<usize> {
    // A permutation of `0..n` holds only values below `n`, so they fit a `usize`.
    g.randperm(n)
        .try_to_vec::<i64>()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i as usize)
        .collect()
}

/// `SubsetRandomSampler(indices, generator)`: `indices` in a random order
/// (`randperm(len(indices))`, from the default generator when given none).
///
/// ```
/// use ember::utils::data::{Sampler, SubsetRandomSampler};
/// let mut s = SubsetRandomSampler::new(vec![10, 20, 30], Some(ember::Generator::new(1)));
/// let mut v = s.indices();
/// v.sort();
/// assert_eq!(v, vec![10, 20, 30]);
/// ```
#[derive(Clone, Debug)]
pub struct SubsetRandomSampler {
    indices: Vec<usize>,
    generator: Option<Generator>,
}

impl SubsetRandomSampler {
    /// A sampler over `indices`, drawing from `generator` (or the default generator).
    pub fn new(indices: Vec<usize>, generator: Option<Generator>) -> Self {
        SubsetRandomSampler { indices, generator }
    }
}

impl Sampler for SubsetRandomSampler {
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn indices(&mut self) -> Vec<usize> {
        let n = self.indices.len();
        let perm = match &mut self.generator {
            Some(g) => randperm(g, n),
            None => crate::with_default_generator(|g| randperm(g, n)),
        };
        perm.into_iter().map(|i| self.indices[i]).collect()
    }
}

/// `BatchSampler(sampler, batch_size, drop_last)`: the sampler's indices in lists of
/// `batch_size`, the last one shorter unless `drop_last`.
///
/// ```
/// use ember::utils::data::{BatchSampler, Sampler, SequentialSampler};
/// let mut b = BatchSampler::new(SequentialSampler::new(10), 3, false).unwrap();
/// assert_eq!(b.indices(), vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]);
/// assert_eq!(b.len(), 4);
/// let mut d = BatchSampler::new(SequentialSampler::new(10), 3, true).unwrap();
/// assert_eq!(d.len(), 3);
/// ```
pub struct BatchSampler {
    sampler: Box<dyn Sampler>,
    batch_size: usize,
    drop_last: bool,
}

impl std::fmt::Debug for BatchSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchSampler")
            .field("batch_size", &self.batch_size)
            .field("drop_last", &self.drop_last)
            .finish_non_exhaustive()
    }
}

impl BatchSampler {
    /// Batches of `batch_size` indices from `sampler`.
    ///
    /// # Errors
    /// If `batch_size` is 0 ("batch_size should be a positive integer value, but got
    /// batch_size=0").
    pub fn new(
        sampler: impl Sampler + 'static,
        batch_size: usize,
        drop_last: bool,
    ) -> Result<Self> {
        check_batch_size(batch_size)?;
        Ok(BatchSampler {
            sampler: Box::new(sampler),
            batch_size,
            drop_last,
        })
    }
}

pub(super) fn check_batch_size(batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        bail!(
            Value,
            "batch_size should be a positive integer value, but got batch_size=0"
        );
    }
    Ok(())
}

/// `indices` cut into batches as `BatchSampler` cuts them.
pub(super) fn batches(indices: Vec<usize>, batch_size: usize, drop_last: bool) -> Vec<Vec<usize>> {
    indices
        .chunks(batch_size)
        .filter(|c| !drop_last || c.len() == batch_size)
        .map(<[usize]>::to_vec)
        .collect()
}

/// `len(BatchSampler)` for a sampler of `n` indices.
pub(super) fn batch_count(n: usize, batch_size: usize, drop_last: bool) -> usize {
    if drop_last {
        n / batch_size
    } else {
        n.div_ceil(batch_size)
    }
}

impl Sampler<Vec<usize>> for BatchSampler {
    fn len(&self) -> usize {
        batch_count(self.sampler.len(), self.batch_size, self.drop_last)
    }
    fn indices(&mut self) -> Vec<Vec<usize>> {
        batches(self.sampler.indices(), self.batch_size, self.drop_last)
    }
}

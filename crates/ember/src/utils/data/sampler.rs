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
    let n = n as u64;
    let r = if n >= 1 << 32 {
        g.random64() % n
    } else {
        g.random() as u64 % n
    };
    r as usize
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

/// The keyword arguments of [`WeightedRandomSampler`].
#[derive(Clone, Debug)]
pub struct WeightedRandomSamplerOptions {
    /// Draw with replacement (default true).
    pub replacement: bool,
    /// The generator to draw from (default: the default generator).
    pub generator: Option<Generator>,
}

impl Default for WeightedRandomSamplerOptions {
    fn default() -> Self {
        WeightedRandomSamplerOptions {
            replacement: true,
            generator: None,
        }
    }
}

/// `WeightedRandomSampler(weights, num_samples, replacement, generator)`: indices drawn
/// with probabilities proportional to `weights`, by `torch.multinomial`'s CPU algorithm.
///
/// ```
/// use ember::utils::data::{Sampler, WeightedRandomSampler, WeightedRandomSamplerOptions};
///
/// let opts = WeightedRandomSamplerOptions { generator: Some(ember::Generator::new(3)), ..Default::default() };
/// let w = vec![0.1, 0.9, 0.4, 0.7, 3.0, 0.6];
/// let mut s = WeightedRandomSampler::new_with(w, 10, opts).unwrap();
/// assert_eq!(s.indices(), vec![1, 3, 4, 1, 4, 4, 2, 4, 4, 4]); // as PyTorch draws them
/// ```
#[derive(Clone, Debug)]
pub struct WeightedRandomSampler {
    weights: Vec<f64>,
    num_samples: usize,
    replacement: bool,
    generator: Option<Generator>,
}

impl WeightedRandomSampler {
    /// `num_samples` indices into `weights`, with replacement, from the default generator.
    ///
    /// ```
    /// use ember::utils::data::{Sampler, WeightedRandomSampler};
    /// let mut s = WeightedRandomSampler::new(vec![0.0, 1.0], 3).unwrap();
    /// assert_eq!(s.indices(), vec![1, 1, 1]);
    /// ```
    ///
    /// # Errors
    /// As [`WeightedRandomSampler::new_with`].
    pub fn new(weights: Vec<f64>, num_samples: usize) -> Result<Self> {
        Self::new_with(
            weights,
            num_samples,
            WeightedRandomSamplerOptions::default(),
        )
    }

    /// A weighted sampler with [`WeightedRandomSamplerOptions`]. The weights are checked
    /// here, with `torch.multinomial`'s messages (PyTorch checks them on the first draw).
    ///
    /// ```
    /// use ember::utils::data::{WeightedRandomSampler, WeightedRandomSamplerOptions};
    /// let opts = WeightedRandomSamplerOptions { replacement: false, generator: None };
    /// let e = WeightedRandomSampler::new_with(vec![1.0, 2.0], 3, opts).unwrap_err();
    /// assert_eq!(e.to_string(), "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
    /// ```
    ///
    /// # Errors
    /// If `num_samples` is 0, or the weights are not a valid distribution: a negative,
    /// infinite or NaN weight, a zero sum, more samples than weights without replacement.
    pub fn new_with(
        weights: Vec<f64>,
        num_samples: usize,
        opts: WeightedRandomSamplerOptions,
    ) -> Result<Self> {
        if num_samples == 0 {
            bail!(
                Value,
                "num_samples should be a positive integer value, but got num_samples=0"
            );
        }
        check_distribution(&weights, num_samples, opts.replacement)?;
        Ok(WeightedRandomSampler {
            weights,
            num_samples,
            replacement: opts.replacement,
            generator: opts.generator,
        })
    }
}

impl Sampler for WeightedRandomSampler {
    fn len(&self) -> usize {
        self.num_samples
    }
    fn indices(&mut self) -> Vec<usize> {
        let (w, k, r) = (&self.weights, self.num_samples, self.replacement);
        match &mut self.generator {
            Some(g) => multinomial(w, k, r, g),
            None => crate::with_default_generator(|g| multinomial(w, k, r, g)),
        }
    }
}

/// The checks `torch.multinomial` makes before drawing, in its order and words.
fn check_distribution(w: &[f64], k: usize, replacement: bool) -> Result<()> {
    if !replacement && k > w.len() {
        bail!(
            Value,
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        );
    }
    if w.len() > 1 << 24 {
        bail!(Value, "number of categories cannot exceed 2^24");
    }
    if !replacement || k == 1 {
        // The Gumbel path's checks.
        if w.iter().any(|&v| !(0.0..f64::INFINITY).contains(&v)) {
            bail!(
                Value,
                "probability tensor contains either `inf`, `nan` or element < 0"
            );
        }
        if w.iter().sum::<f64>() == 0.0 {
            bail!(
                Value,
                "invalid multinomial distribution (sum of probabilities <= 0)"
            );
        }
        return Ok(());
    }
    let mut sum = 0.0;
    for &v in w {
        if v < 0.0 {
            bail!(
                Value,
                "invalid multinomial distribution (encountering probability entry < 0)"
            );
        }
        if !v.is_finite() {
            bail!(
                Value,
                "invalid multinomial distribution (encountering probability entry = infinity or NaN)"
            );
        }
        sum += v;
    }
    if sum <= 0.0 {
        bail!(
            Value,
            "invalid multinomial distribution (sum of probabilities <= 0)"
        );
    }
    Ok(())
}

/// A double in `[0, 1)` as `at::uniform_real_distribution<double>` draws it.
fn uniform(g: &mut Generator) -> f64 {
    (g.random64() & ((1u64 << 53) - 1)) as f64 / (1u64 << 53) as f64
}

/// `torch.multinomial(weights (float64), k, replacement, generator=g)` on the CPU, for
/// weights already checked by [`check_distribution`].
///
/// Without replacement (or for one sample) PyTorch uses the Gumbel trick: `q ~ Exp(1)`
/// drawn for every weight (`-log1p(-u)`), then the top `k` of `w / q`. With replacement it
/// normalises the running sum and binary-searches one uniform draw per sample.
fn multinomial(w: &[f64], k: usize, replacement: bool, g: &mut Generator) -> Vec<usize> {
    if !replacement || k == 1 {
        let q: Vec<f64> = w.iter().map(|&p| p / -(-uniform(g)).ln_1p()).collect();
        let mut order: Vec<usize> = (0..w.len()).collect();
        // Descending, ties by index: topk's sorted output (argmax takes the first maximum).
        order.sort_by(|&a, &b| q[b].total_cmp(&q[a]).then(a.cmp(&b)));
        order.truncate(k);
        return order;
    }
    let mut cum = Vec::with_capacity(w.len());
    let mut sum = 0.0;
    for &p in w {
        sum += p;
        cum.push(sum);
    }
    for c in &mut cum {
        *c /= sum;
    }
    if let Some(last) = cum.last_mut() {
        *last = 1.0;
    }
    (0..k)
        .map(|_| {
            let u = uniform(g);
            cum.partition_point(|&c| c < u)
        })
        .collect()
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

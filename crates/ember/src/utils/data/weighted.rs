//! `WeightedRandomSampler`, with `torch.multinomial`'s CPU draws (ember has no
//! `multinomial` op; the sampler is its only user).

use super::sampler::Sampler;
use crate::Generator;
use crate::error::{Result, bail};

/// The keyword arguments of [`WeightedRandomSampler`].
///
/// ```
/// use ember::utils::data::{Sampler, WeightedRandomSampler, WeightedRandomSamplerOptions};
/// let opts = WeightedRandomSamplerOptions { replacement: false, ..Default::default() };
/// let mut s = WeightedRandomSampler::new_with(vec![1.0, 0.0, 2.0], 2, opts).unwrap();
/// let mut v = s.indices();
/// v.sort();
/// assert_eq!(v, vec![0, 2]); // a zero weight is never drawn while others remain
/// ```
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

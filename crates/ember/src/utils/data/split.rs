//! `random_split`: a dataset cut into random non-overlapping subsets.

use super::dataset::{Dataset, Subset};
use crate::Generator;
use crate::error::{Result, bail};
use std::sync::Arc;

/// A split length for [`random_split`]: a count (`3`) or a fraction of the dataset (`0.3`).
///
/// ```
/// use ember::utils::data::SplitLength;
/// assert_eq!((3usize.to_f64(), 0.25f32.to_f64()), (3.0, 0.25));
/// ```
pub trait SplitLength: Copy {
    /// The value as a float (a count converts exactly up to 2^53).
    fn to_f64(self) -> f64;
}

macro_rules! split_length {
    ($($t:ty),*) => {$(
        impl SplitLength for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
split_length!(usize, u32, u64, i32, i64, f32, f64);

/// `torch.utils.data.random_split(dataset, lengths, generator)`: non-overlapping random
/// subsets of the given lengths, drawn as PyTorch draws them (`randperm(len, generator)`, cut
/// in order). Fractions that sum to 1 become `floor(frac · len)` each, the remainder dealt
/// one by one from the first split on. Pass `ember::with_default_generator(|g| …)` for
/// PyTorch's default `generator=default_generator`.
///
/// ```
/// use ember::utils::data::{Dataset, random_split};
///
/// let mut g = ember::Generator::new(42);
/// let parts = random_split((0..10i64).collect::<Vec<_>>(), &[3, 7], &mut g).unwrap();
/// assert_eq!((parts[0].len(), parts[1].len()), (3, 7));
/// assert_eq!(parts[0].indices(), &[2, 6, 1]); // PyTorch's split with manual_seed(42)
///
/// let halves = random_split(vec![0i64; 11], &[0.5, 0.5], &mut g).unwrap();
/// assert_eq!((halves[0].len(), halves[1].len()), (6, 5));
/// ```
///
/// # Errors
/// If the lengths do not sum to the dataset's length ("Sum of input lengths does not equal
/// the length of the input dataset!"), a fraction is outside `[0, 1]`, or a count is
/// negative or not whole.
pub fn random_split<D: Dataset, L: SplitLength>(
    dataset: D,
    lengths: &[L],
    generator: &mut Generator,
) -> Result<Vec<Subset<Arc<D>>>> {
    let n = dataset.len();
    let values: Vec<f64> = lengths.iter().map(|l| l.to_f64()).collect();
    let sum: f64 = values.iter().sum();
    let counts: Vec<usize> = if is_close_to_one(sum) && sum <= 1.0 {
        fraction_lengths(&values, n)?
    } else {
        let mut counts = Vec::with_capacity(values.len());
        for (i, &v) in values.iter().enumerate() {
            if v < 0.0 || v.fract() != 0.0 {
                bail!(
                    Value,
                    "Length at index {i} should be a non-negative whole number, got {v}"
                );
            }
            counts.push(v as usize);
        }
        counts
    };
    if counts.iter().sum::<usize>() != n {
        bail!(
            Value,
            "Sum of input lengths does not equal the length of the input dataset!"
        );
    }
    let perm: Vec<usize> = generator
        .randperm(n)
        .try_to_vec::<i64>()?
        .into_iter()
        .map(|i| i as usize)
        .collect();
    let dataset = Arc::new(dataset);
    let mut offset = 0;
    Ok(counts
        .iter()
        .map(|&c| {
            let s = Subset::new(Arc::clone(&dataset), perm[offset..offset + c].to_vec());
            offset += c;
            s
        })
        .collect())
}

/// Python's `math.isclose(x, 1)` with its default relative tolerance 1e-9.
fn is_close_to_one(x: f64) -> bool {
    (x - 1.0).abs() <= 1e-9 * x.abs().max(1.0)
}

fn fraction_lengths(fracs: &[f64], n: usize) -> Result<Vec<usize>> {
    let mut counts = Vec::with_capacity(fracs.len());
    for (i, &f) in fracs.iter().enumerate() {
        if !(0.0..=1.0).contains(&f) {
            bail!(Value, "Fraction at index {i} is not between 0 and 1");
        }
        counts.push((n as f64 * f).floor() as usize);
    }
    let remainder = n.saturating_sub(counts.iter().sum());
    let k = counts.len();
    for i in 0..remainder {
        counts[i % k] += 1;
    }
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            crate::warnings::warn(format!(
                "Length of split at index {i} is 0. This might result in an empty dataset."
            ));
        }
    }
    Ok(counts)
}

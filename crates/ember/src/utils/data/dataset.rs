//! Datasets: the map-style [`Dataset`] trait (`__len__` + `__getitem__`), the iterable
//! [`IterableDataset`], and PyTorch's ready-made ones: [`TensorDataset`], [`Subset`],
//! [`ConcatDataset`], [`random_split`].

use crate::error::{Error, Result, bail};
use crate::{Generator, Tensor};
use std::sync::Arc;

/// A map-style dataset (`torch.utils.data.Dataset`): `len` samples, each fetched by index.
///
/// `Send + Sync` because a [`DataLoader`](super::DataLoader)'s worker threads share it.
///
/// ```
/// use ember::utils::data::Dataset;
///
/// struct Squares;
/// impl Dataset for Squares {
///     type Item = i64;
///     fn len(&self) -> usize { 4 }
///     fn get(&self, index: usize) -> ember::Result<i64> { Ok((index * index) as i64) }
/// }
/// assert_eq!(Squares.get(3).unwrap(), 9);
/// ```
pub trait Dataset: Send + Sync {
    /// What one sample is.
    type Item;

    /// The number of samples (`len(dataset)`).
    fn len(&self) -> usize;

    /// The sample at `index` (`dataset[index]`).
    ///
    /// # Errors
    /// Whatever reading the sample can fail with; an index past the end should be an
    /// [`Error::IndexOutOfRange`].
    fn get(&self, index: usize) -> Result<Self::Item>;

    /// Whether there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<D: Dataset + ?Sized> Dataset for Arc<D> {
    type Item = D::Item;
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<D::Item> {
        (**self).get(index)
    }
}

impl<D: Dataset + ?Sized> Dataset for Box<D> {
    type Item = D::Item;
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<D::Item> {
        (**self).get(index)
    }
}

/// A `Vec` is a dataset of clones of its elements, as a Python list is for a `DataLoader`.
///
/// ```
/// use ember::utils::data::Dataset;
/// let ds = vec![10i64, 20, 30];
/// assert_eq!(ds.get(1).unwrap(), 20);
/// assert_eq!(ds.get(3).unwrap_err().to_string(), "list index out of range");
/// ```
impl<T: Clone + Send + Sync> Dataset for Vec<T> {
    type Item = T;
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn get(&self, index: usize) -> Result<T> {
        match <[T]>::get(self, index) {
            Some(v) => Ok(v.clone()),
            None => bail!(IndexOutOfRange, "list index out of range"),
        }
    }
}

/// An iterable-style dataset (`torch.utils.data.IterableDataset`): a factory of iterators
/// over its samples, for data that is read as a stream rather than by index.
///
/// A [`DataLoader`](super::DataLoader) with `num_workers` threads calls [`iter`](Self::iter)
/// once in each worker, so every worker yields the whole stream unless the dataset splits
/// it by [`get_worker_info`](super::get_worker_info), as in PyTorch.
///
/// ```
/// use ember::utils::data::IterableDataset;
///
/// struct Range(i64, i64);
/// impl IterableDataset for Range {
///     type Item = i64;
///     fn iter(&self) -> Box<dyn Iterator<Item = ember::Result<i64>> + Send> {
///         Box::new((self.0..self.1).map(Ok))
///     }
/// }
/// let v: Vec<i64> = Range(3, 6).iter().map(|r| r.unwrap()).collect();
/// assert_eq!(v, vec![3, 4, 5]);
/// ```
pub trait IterableDataset: Send + Sync {
    /// What one sample is.
    type Item;

    /// A fresh pass over the samples (`iter(dataset)`).
    fn iter(&self) -> Box<dyn Iterator<Item = Result<Self::Item>> + Send>;

    /// The number of samples, if known (`len(dataset)`; PyTorch raises `TypeError` when a
    /// dataset has no `__len__`).
    fn len(&self) -> Option<usize> {
        None
    }

    /// Whether there are no samples, if the length is known.
    fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }
}

impl<D: IterableDataset + ?Sized> IterableDataset for Arc<D> {
    type Item = D::Item;
    fn iter(&self) -> Box<dyn Iterator<Item = Result<D::Item>> + Send> {
        (**self).iter()
    }
    fn len(&self) -> Option<usize> {
        (**self).len()
    }
}

/// The tensors a [`TensorDataset`] holds, and what one of its samples is: a single tensor,
/// a tuple of up to four, or a `Vec` (PyTorch's tuple of any length).
pub trait TensorTuple: Send + Sync + Sized {
    /// The tensors, in order.
    fn tensors(&self) -> Vec<&Tensor>;
    /// Each tensor's row `index` (`tensor[index]`, a view).
    ///
    /// # Errors
    /// If `index` is past a tensor's first dimension.
    fn select(&self, index: usize) -> Result<Self>;
}

/// `t[index]`, with the message of PyTorch's indexing (not `select`'s) past the end.
fn row(t: &Tensor, index: usize) -> Result<Tensor> {
    let size = t.shape().first().copied().unwrap_or(0);
    if index >= size {
        bail!(
            IndexOutOfRange,
            "index {index} is out of bounds for dimension 0 with size {size}"
        );
    }
    // Below a tensor's size, so it fits an i64.
    t.try_select(0, index as i64)
}

impl TensorTuple for Tensor {
    fn tensors(&self) -> Vec<&Tensor> {
        vec![self]
    }
    fn select(&self, index: usize) -> Result<Self> {
        row(self, index)
    }
}

impl TensorTuple for Vec<Tensor> {
    fn tensors(&self) -> Vec<&Tensor> {
        self.iter().collect()
    }
    fn select(&self, index: usize) -> Result<Self> {
        self.iter().map(|t| row(t, index)).collect()
    }
}

macro_rules! tensor_tuple {
    ($($t:ident $i:tt),+) => {
        impl TensorTuple for ($($t,)+) {
            fn tensors(&self) -> Vec<&Tensor> {
                vec![$(&self.$i),+]
            }
            fn select(&self, index: usize) -> Result<Self> {
                Ok(($(row(&self.$i, index)?,)+))
            }
        }
    };
}
tensor_tuple!(Tensor 0);
tensor_tuple!(Tensor 0, Tensor 1);
tensor_tuple!(Tensor 0, Tensor 1, Tensor 2);
tensor_tuple!(Tensor 0, Tensor 1, Tensor 2, Tensor 3);

/// `torch.utils.data.TensorDataset`: sample `i` is row `i` of each tensor, which share their
/// first dimension. Give it a tuple to get tuples back (`(x, y)` pairs), or a `Vec`.
///
/// ```
/// use ember::utils::data::{Dataset, TensorDataset};
///
/// let x = ember::arange(6.0).view([3, 2]);
/// let y = ember::tensor([0i64, 1, 0]);
/// let ds = TensorDataset::new((x, y)).unwrap();
/// let (xi, yi) = ds.get(1).unwrap();
/// assert_eq!((xi.to_vec::<f32>(), yi.item::<i64>()), (vec![2.0, 3.0], 1));
/// assert_eq!(ds.len(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct TensorDataset<T: TensorTuple> {
    tensors: T,
    len: usize,
}

impl<T: TensorTuple> TensorDataset<T> {
    /// A dataset over `tensors`, which must agree on their first dimension.
    ///
    /// ```
    /// use ember::utils::data::TensorDataset;
    /// let e = TensorDataset::new((ember::zeros([3]), ember::zeros([4]))).unwrap_err();
    /// assert_eq!(e.to_string(), "Size mismatch between tensors");
    /// ```
    ///
    /// # Errors
    /// If there is no tensor, one is 0-dim, or their first dimensions differ.
    pub fn new(tensors: T) -> Result<Self> {
        let ts = tensors.tensors();
        let Some(first) = ts.first() else {
            bail!(Value, "TensorDataset needs at least one tensor");
        };
        let len = *first.shape().first().ok_or_else(|| {
            Error::IndexOutOfRange("dimension specified as 0 but tensor has no dimensions".into())
        })?;
        if ts.iter().any(|t| t.shape().first() != Some(&len)) {
            bail!(Shape, "Size mismatch between tensors");
        }
        Ok(TensorDataset { tensors, len })
    }

    /// The tensors (`dataset.tensors`).
    ///
    /// ```
    /// let ds = ember::utils::data::TensorDataset::new(ember::zeros([2])).unwrap();
    /// assert_eq!(ds.tensors().shape(), &[2]);
    /// ```
    pub fn tensors(&self) -> &T {
        &self.tensors
    }
}

impl<T: TensorTuple> Dataset for TensorDataset<T> {
    type Item = T;
    fn len(&self) -> usize {
        self.len
    }
    fn get(&self, index: usize) -> Result<T> {
        self.tensors.select(index)
    }
}

/// `torch.utils.data.Subset`: the samples of `dataset` at `indices`, in that order.
///
/// ```
/// use ember::utils::data::{Dataset, Subset};
/// let s = Subset::new(vec![10i64, 20, 30, 40], vec![3, 0]);
/// assert_eq!((s.len(), s.get(0).unwrap()), (2, 40));
/// ```
#[derive(Clone, Debug)]
pub struct Subset<D> {
    dataset: D,
    indices: Vec<usize>,
}

impl<D: Dataset> Subset<D> {
    /// The subset of `dataset` at `indices` (not checked here: an index past the end fails
    /// when its sample is read, as in PyTorch).
    pub fn new(dataset: D, indices: Vec<usize>) -> Self {
        Subset { dataset, indices }
    }

    /// The indices into the underlying dataset (`subset.indices`).
    ///
    /// ```
    /// let s = ember::utils::data::Subset::new(vec![1i64, 2], vec![1]);
    /// assert_eq!(s.indices(), &[1]);
    /// ```
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// The underlying dataset (`subset.dataset`).
    ///
    /// ```
    /// let s = ember::utils::data::Subset::new(vec![1i64, 2], vec![1]);
    /// assert_eq!(s.dataset().len(), 2);
    /// ```
    pub fn dataset(&self) -> &D {
        &self.dataset
    }
}

impl<D: Dataset> Dataset for Subset<D> {
    type Item = D::Item;
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn get(&self, index: usize) -> Result<D::Item> {
        match <[usize]>::get(&self.indices, index) {
            Some(&i) => self.dataset.get(i),
            None => bail!(IndexOutOfRange, "list index out of range"),
        }
    }
}

/// `torch.utils.data.ConcatDataset`: several datasets one after the other.
///
/// ```
/// use ember::utils::data::{ConcatDataset, Dataset};
/// let c = ConcatDataset::new(vec![vec![1i64, 2], vec![3, 4, 5]]).unwrap();
/// assert_eq!((c.len(), c.get(2).unwrap()), (5, 3));
/// assert_eq!(c.cumulative_sizes(), &[2, 5]);
/// ```
#[derive(Clone, Debug)]
pub struct ConcatDataset<D> {
    datasets: Vec<D>,
    cumulative: Vec<usize>,
}

impl<D: Dataset> ConcatDataset<D> {
    /// The concatenation of `datasets`.
    ///
    /// # Errors
    /// If `datasets` is empty (PyTorch: "datasets should not be an empty iterable").
    pub fn new(datasets: Vec<D>) -> Result<Self> {
        if datasets.is_empty() {
            bail!(Value, "datasets should not be an empty iterable");
        }
        let cumulative = datasets
            .iter()
            .scan(0usize, |acc, d| {
                *acc += d.len();
                Some(*acc)
            })
            .collect();
        Ok(ConcatDataset {
            datasets,
            cumulative,
        })
    }

    /// The running totals of the datasets' lengths (`cumulative_sizes`).
    pub fn cumulative_sizes(&self) -> &[usize] {
        &self.cumulative
    }

    /// The datasets (`concat.datasets`).
    ///
    /// ```
    /// let c = ember::utils::data::ConcatDataset::new(vec![vec![1i64]]).unwrap();
    /// assert_eq!(c.datasets().len(), 1);
    /// ```
    pub fn datasets(&self) -> &[D] {
        &self.datasets
    }
}

impl<D: Dataset> Dataset for ConcatDataset<D> {
    type Item = D::Item;
    fn len(&self) -> usize {
        self.cumulative.last().copied().unwrap_or(0)
    }
    fn get(&self, index: usize) -> Result<D::Item> {
        // bisect_right: the first dataset whose running total exceeds `index`.
        let d = self.cumulative.partition_point(|&c| c <= index);
        if d == self.datasets.len() {
            bail!(IndexOutOfRange, "list index out of range");
        }
        let start = if d == 0 { 0 } else { self.cumulative[d - 1] };
        self.datasets[d].get(index - start)
    }
}

/// A split length for [`random_split`]: a count (`3`) or a fraction of the dataset (`0.3`).
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

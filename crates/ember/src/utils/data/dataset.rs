//! Datasets: the map-style [`Dataset`] trait (`__len__` + `__getitem__`), the iterable
//! [`IterableDataset`], and two of PyTorch's ready-made ones, [`Subset`] and
//! [`ConcatDataset`] (`TensorDataset` and `random_split` have files of their own).

use crate::error::{Result, bail};
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
    /// [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange).
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

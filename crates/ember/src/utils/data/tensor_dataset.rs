//! `TensorDataset`: samples that are rows of tensors.

use super::dataset::Dataset;
use crate::Tensor;
use crate::error::{Error, Result, bail};

/// The tensors a [`TensorDataset`] holds, and what one of its samples is: a single tensor,
/// a tuple of up to four, or a `Vec` (PyTorch's tuple of any length).
///
/// ```
/// use ember::utils::data::TensorTuple;
/// let pair = (ember::arange(3), ember::zeros([3, 2]));
/// let (a, b) = pair.select(1).unwrap();
/// assert_eq!((a.item::<i64>(), b.shape()), (1, &[2][..]));
/// assert_eq!(pair.tensors().len(), 2);
/// ```
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

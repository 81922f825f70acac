//! Joining and splitting: `cat`, `stack` (copies), and `split`, `chunk`, `unbind` (views).

use crate::error::{Result, bail};
use crate::ops::shape::formulas as f;
use crate::shape::{Dims, IntList, ShapeFmt, wrap_dim};
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Tensor};
use ember_derive::panicking;

/// PyTorch still skips 1-D empty tensors in `cat` whatever the other shapes are.
fn skipped(t: &Tensor) -> bool {
    t.shape() == [0]
}

/// `cat` without history: the checks, the result dtype and the copies.
fn cat_raw(tensors: &[&Tensor], dim: i64) -> Result<(Tensor, usize)> {
    let Some(first) = tensors.first() else {
        bail!(Value, "ember.cat(): expected a non-empty list of Tensors");
    };
    for (i, t) in tensors.iter().enumerate() {
        if t.dim() == 0 {
            bail!(
                Shape,
                "zero-dimensional tensor (at position {i}) cannot be concatenated"
            );
        }
        first.check_same_device(t)?;
    }
    let reference = tensors.iter().find(|t| !skipped(t)).unwrap_or(first);
    // When every input is a legacy empty 1-D tensor PyTorch checks no dim at all (the
    // result is another empty 1-D tensor whatever `dim` says).
    let d = if tensors.iter().all(|t| skipped(t)) {
        0
    } else {
        wrap_dim(dim, reference.dim())?
    };
    let mut shape: Dims = reference.shape().into();
    shape[d] = 0;
    for (i, t) in tensors.iter().enumerate() {
        if skipped(t) {
            continue;
        }
        if t.dim() != reference.dim() {
            bail!(
                Shape,
                "Tensors must have same number of dimensions: got {} and {}",
                reference.dim(),
                t.dim()
            );
        }
        for k in 0..t.dim() {
            if k != d && t.shape()[k] != reference.shape()[k] {
                bail!(
                    Shape,
                    "Sizes of tensors must match except in dimension {d}. Expected size {} but got size {} for tensor number {i} in the list.",
                    reference.shape()[k],
                    t.shape()[k]
                );
            }
        }
        shape[d] += t.shape()[d];
    }
    let dt = tensors
        .iter()
        .map(|t| t.dtype())
        .reduce(DType::promote)
        .unwrap_or(DType::F32);
    let out = Tensor::alloc(&shape, dt, first.device())?;
    let mut at = 0;
    for t in tensors.iter().filter(|t| !skipped(t)) {
        let n = t.shape()[d];
        if n > 0 {
            let target = out.layout().slice(d, at, n, 1);
            kernel::copy(t.arg(), out.at(&target))?;
        }
        at += n;
    }
    Ok((out, d))
}

/// `torch.cat(tensors, dim)`: the tensors joined along `dim`, in the promoted dtype.
///
/// ```
/// let a = ember::tensor([[1, 2]]);
/// let b = ember::tensor([[3.5, 4.0]]);
/// let c = ember::cat(&[&a, &b], 0);
/// assert_eq!(c.shape(), &[2, 2]);
/// assert_eq!(c.to_vec::<f32>(), vec![1.0, 2.0, 3.5, 4.0]);
/// ```
///
/// # Errors
/// If the list is empty, a tensor is 0-dim, the shapes differ outside `dim`, `dim` is out
/// of range, or the devices differ.
#[panicking(must_use)]
pub fn try_cat(tensors: &[&Tensor], dim: i64) -> Result<Tensor> {
    let (out, d) = cat_raw(tensors, dim)?;
    if needs_grad(tensors) {
        let sizes = tensors
            .iter()
            .map(|t| (!skipped(t)).then(|| t.shape()[d]))
            .collect();
        record(f::CatBackward { dim: d, sizes }, tensors, &[&out], &[]);
    }
    Ok(out)
}

/// `torch.stack(tensors, dim)`: the tensors (all of one shape) joined along a new dim.
///
/// ```
/// let a = ember::tensor([1.0, 2.0]);
/// let s = ember::stack(&[&a, &a], 1);
/// assert_eq!(s.shape(), &[2, 2]);
/// assert_eq!(s.to_vec::<f32>(), vec![1.0, 1.0, 2.0, 2.0]);
/// ```
///
/// # Errors
/// If the list is empty, the shapes differ, or `dim` is out of range.
#[panicking(must_use)]
pub fn try_stack(tensors: &[&Tensor], dim: i64) -> Result<Tensor> {
    let Some(first) = tensors.first() else {
        bail!(Value, "stack expects a non-empty TensorList");
    };
    for (i, t) in tensors.iter().enumerate() {
        if t.shape() != first.shape() {
            bail!(
                Shape,
                "stack expects each tensor to be equal size, but got {} at entry 0 and {} at entry {i}",
                ShapeFmt(first.shape()),
                ShapeFmt(t.shape())
            );
        }
    }
    let d = wrap_dim(dim, first.dim() + 1)?;
    let views: Vec<Tensor> = tensors
        .iter()
        .map(|t| t.view_as_layout(t.layout().unsqueeze(d)))
        .collect();
    let refs: Vec<&Tensor> = views.iter().collect();
    let (out, _) = cat_raw(&refs, d as i64)?;
    if needs_grad(tensors) {
        record(f::StackBackward { dim: d }, tensors, &[&out], &[]);
    }
    Ok(out)
}

impl Tensor {
    /// Views of consecutive pieces of `sizes` along `d`, recorded as one node named `name`.
    fn split_views(&self, d: usize, sizes: Vec<usize>, name: &'static str) -> Vec<Tensor> {
        let mut at = 0;
        let outs: Vec<Tensor> = sizes
            .iter()
            .map(|&n| {
                let v = self.view_as_layout(self.layout().slice(d, at, n, 1));
                at += n;
                v
            })
            .collect();
        if needs_grad(&[self]) && !outs.is_empty() {
            let refs: Vec<&Tensor> = outs.iter().collect();
            record(
                f::SplitBackward {
                    dim: d,
                    sizes,
                    input: self.shape().into(),
                    name,
                },
                &[self],
                &refs,
                &[],
            );
        }
        outs
    }

    fn split_dim(&self, dim: i64) -> Result<usize> {
        if self.dim() == 0 {
            bail!(
                IndexOutOfRange,
                "split expects at least a 1-dimensional tensor"
            );
        }
        wrap_dim(dim, self.dim())
    }

    /// `x.split(split_size, dim)`: views of `split_size` entries along `dim` (the last may
    /// be shorter).
    ///
    /// ```
    /// let parts = ember::arange(5).split(2, 0);
    /// assert_eq!(parts.len(), 3);
    /// assert_eq!(parts[2].to_vec::<i64>(), vec![4]);
    /// ```
    ///
    /// # Errors
    /// If `split_size` is 0 on a non-empty dim, or `dim` is out of range.
    #[panicking(must_use)]
    pub fn try_split(&self, split_size: usize, dim: i64) -> Result<Vec<Tensor>> {
        let d = self.split_dim(dim)?;
        let n = self.shape()[d];
        if split_size == 0 && n != 0 {
            bail!(
                Value,
                "split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            );
        }
        let pieces = if split_size == 0 {
            1
        } else {
            n.div_ceil(split_size).max(1)
        };
        let sizes = (0..pieces)
            .map(|i| split_size.min(n - (i * split_size).min(n)))
            .collect();
        Ok(self.split_views(d, sizes, "SplitBackward0"))
    }

    /// `x.split([sizes], dim)` (`split_with_sizes`): views of the given sizes along `dim`.
    ///
    /// ```
    /// let parts = ember::arange(5).split_with_sizes([1, 4], 0);
    /// assert_eq!(parts[1].to_vec::<i64>(), vec![1, 2, 3, 4]);
    /// ```
    ///
    /// # Errors
    /// If the sizes do not sum to the size of `dim`, or a size is negative.
    #[panicking(must_use)]
    pub fn try_split_with_sizes(&self, sizes: impl IntList, dim: i64) -> Result<Vec<Tensor>> {
        let d = self.split_dim(dim)?;
        let spec = sizes.into_list();
        let n = self.shape()[d];
        if spec.iter().any(|&s| s < 0) || spec.iter().sum::<i64>() != n as i64 {
            bail!(
                Shape,
                "split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), but got split_sizes={}",
                ShapeFmt(&spec)
            );
        }
        let sizes = spec.iter().map(|&s| s as usize).collect();
        Ok(self.split_views(d, sizes, "SplitWithSizesBackward0"))
    }

    /// `x.chunk(chunks, dim)`: at most `chunks` views of equal size (the last may be
    /// smaller).
    ///
    /// ```
    /// let parts = ember::arange(7).chunk(3, 0);
    /// assert_eq!(parts.iter().map(|p| p.numel()).collect::<Vec<_>>(), vec![3, 3, 1]);
    /// ```
    ///
    /// # Errors
    /// If `chunks` is 0 or `dim` is out of range.
    #[panicking(must_use)]
    pub fn try_chunk(&self, chunks: usize, dim: i64) -> Result<Vec<Tensor>> {
        if self.dim() == 0 {
            bail!(Shape, "chunk expects at least a 1-dimensional tensor");
        }
        if chunks == 0 {
            bail!(Value, "chunk expects `chunks` to be greater than 0, got: 0");
        }
        let d = self.split_dim(dim)?;
        let n = self.shape()[d];
        if n == 0 {
            return Ok(self.split_views(d, vec![0; chunks], "SplitWithSizesBackward0"));
        }
        self.try_split(n.div_ceil(chunks), dim)
    }

    /// `x.unbind(dim)`: the views `x.select(dim, i)` for every `i`.
    ///
    /// ```
    /// let rows = ember::tensor([[1, 2], [3, 4]]).unbind(0);
    /// assert_eq!(rows[1].to_vec::<i64>(), vec![3, 4]);
    /// ```
    ///
    /// # Errors
    /// If the tensor is 0-dim or `dim` is out of range.
    #[panicking(must_use)]
    pub fn try_unbind(&self, dim: i64) -> Result<Vec<Tensor>> {
        if self.dim() == 0 {
            bail!(
                IndexOutOfRange,
                "Dimension specified as 0 but tensor has no dimensions"
            );
        }
        let d = wrap_dim(dim, self.dim())?;
        let outs: Vec<Tensor> = (0..self.shape()[d])
            .map(|i| self.view_as_layout(self.layout().select(d, i)))
            .collect();
        if needs_grad(&[self]) && !outs.is_empty() {
            let refs: Vec<&Tensor> = outs.iter().collect();
            record(
                f::UnbindBackward {
                    dim: d,
                    input: self.shape().into(),
                },
                &[self],
                &refs,
                &[],
            );
        }
        Ok(outs)
    }
}

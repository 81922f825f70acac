//! Shape ops: views (`view`, `transpose`, `permute`, `expand`, `squeeze`, `unsqueeze`, …)
//! that share memory, and the ops that copy when they must (`reshape`).

pub(crate) mod formulas;

pub(crate) mod ext;
pub(crate) mod join;

use crate::Tensor;
use crate::error::{Result, bail};
use crate::layout::Layout;
use crate::ops::shape::formulas as f;
use crate::shape::{Dims, IntList, ShapeFmt, infer_size, wrap_dim, wrap_dims};
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel;
use ember_derive::panicking;

impl Tensor {
    /// A view with another layout, recording `formula` when grad is needed.
    pub(crate) fn view_op<F: crate::tensor::graph::formula::Formula>(
        &self,
        layout: Layout,
        formula: impl FnOnce() -> F,
    ) -> Tensor {
        let out = self.view_as_layout(layout);
        if needs_grad(&[self]) {
            record(formula(), &[self], &[&out], &[]);
        }
        out
    }

    /// `x.view(shape)`: the same memory seen with another shape; one size may be `-1`.
    ///
    /// ```
    /// let x = ember::arange(16);
    /// assert_eq!(x.view([2, 8]).shape(), &[2, 8]);
    /// assert_eq!(x.view([-1, 2]).shape(), &[8, 2]);
    /// ```
    ///
    /// # Errors
    /// If the element count differs, or the strides do not allow a view (use `reshape`).
    #[panicking(must_use)]
    pub fn try_view(&self, shape: impl IntList) -> Result<Tensor> {
        let spec = shape.into_list();
        let shape = infer_size(&spec, self.numel())?;
        let Some(layout) = self.layout().view(&shape) else {
            bail!(
                Shape,
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            );
        };
        let input = Dims::from_slice(self.shape());
        Ok(self.view_op(layout, || f::ViewBackward {
            input,
            name: "ViewBackward0",
        }))
    }

    /// `x.reshape(shape)`: a view when the strides allow, otherwise a copy.
    ///
    /// ```
    /// let x = ember::arange(6).view([2, 3]).t();
    /// assert_eq!(x.reshape([-1]).to_vec::<i64>(), vec![0, 3, 1, 4, 2, 5]);
    /// ```
    ///
    /// # Errors
    /// If the element count differs.
    #[panicking(must_use)]
    pub fn try_reshape(&self, shape: impl IntList) -> Result<Tensor> {
        let spec = shape.into_list();
        let shape = infer_size(&spec, self.numel())?;
        if let Some(layout) = self.layout().view(&shape) {
            if self.is_contiguous() {
                return self.try_view(shape);
            }
            // PyTorch's reshape of a non-contiguous tensor that strides can still view
            // goes through `_reshape_alias` (node `ReshapeAliasBackward0`).
            let input = Dims::from_slice(self.shape());
            return Ok(self.view_op(layout, || f::ViewBackward {
                input,
                name: "ReshapeAliasBackward0",
            }));
        }
        let c = self.try_clone_tensor()?;
        let layout = Layout::contiguous(&shape);
        let out = c.detach().view_as_layout(layout);
        // A reshape that copies owns its memory: it is not a view of `c`.
        let out = out.alias(out.layout().clone());
        if needs_grad(&[&c]) {
            let input = Dims::from_slice(c.shape());
            record(
                f::ViewBackward {
                    input,
                    name: "UnsafeViewBackward0",
                },
                &[&c],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    /// `x.transpose(dim0, dim1)`: a view with two dims swapped.
    ///
    /// ```
    /// let z = ember::zeros([2, 8]);
    /// assert_eq!(z.transpose(1, 0).shape(), &[8, 2]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range.
    #[panicking(must_use)]
    pub fn try_transpose(&self, dim0: i64, dim1: i64) -> Result<Tensor> {
        let (d0, d1) = (wrap_dim(dim0, self.dim())?, wrap_dim(dim1, self.dim())?);
        if self.dim() == 0 {
            return Ok(self.view_op(self.layout().clone(), || f::Transpose(0, 0)));
        }
        Ok(self.view_op(self.layout().transpose(d0, d1), || f::Transpose(d0, d1)))
    }

    /// `x.t()`: transpose of a matrix (vectors and scalars are returned as they are).
    ///
    /// ```
    /// let x = ember::zeros([2, 5]);
    /// assert_eq!(x.t().shape(), &[5, 2]);
    /// ```
    ///
    /// # Errors
    /// If the tensor has more than 2 dims.
    #[panicking(must_use)]
    pub fn try_t(&self) -> Result<Tensor> {
        if self.dim() > 2 {
            bail!(
                Shape,
                "t() expects a tensor with <= 2 dimensions, but self is {}D",
                self.dim()
            );
        }
        let layout = if self.dim() == 2 {
            self.layout().transpose(0, 1)
        } else {
            self.layout().clone()
        };
        Ok(self.view_op(layout, || f::TBackward))
    }

    /// `x.permute(dims)`: a view with the dims reordered.
    ///
    /// ```
    /// assert_eq!(ember::zeros([2, 3, 4]).permute([2, 0, 1]).shape(), &[4, 2, 3]);
    /// ```
    ///
    /// # Errors
    /// If `dims` is not a permutation of the tensor's dims.
    #[panicking(must_use)]
    pub fn try_permute(&self, dims: impl IntList) -> Result<Tensor> {
        let dims = dims.into_list();
        if dims.len() != self.dim() {
            bail!(
                Shape,
                "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
                self.dim(),
                dims.len()
            );
        }
        let mut perm: Vec<usize> = Vec::with_capacity(dims.len());
        for &d in &dims {
            let w = wrap_dim(d, self.dim())?;
            if perm.contains(&w) {
                bail!(Shape, "permute(): duplicate dims are not allowed.");
            }
            perm.push(w);
        }
        Ok(self.view_op(self.layout().permute(&perm), || f::Permute(perm.clone())))
    }

    /// `x.expand(sizes)`: a broadcast view; `-1` keeps a dim's size.
    ///
    /// ```
    /// let x = ember::tensor([[1], [2], [3]]);
    /// let e = x.expand([3, 4]);
    /// assert_eq!(e.shape(), &[3, 4]);
    /// assert!(e.shares_storage(&x));
    /// ```
    ///
    /// # Errors
    /// If a non-singleton dim would change size or too few sizes are given.
    #[panicking(must_use)]
    pub fn try_expand(&self, sizes: impl IntList) -> Result<Tensor> {
        let spec = sizes.into_list();
        if spec.len() < self.dim() {
            let ty = self.dtype().type_string();
            bail!(
                Shape,
                "expand({ty}{{{}}}, size={}): the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
                ShapeFmt(self.shape()),
                ShapeFmt(&spec),
                spec.len(),
                self.dim()
            );
        }
        let lead = spec.len() - self.dim();
        let mut shape = Dims::with_capacity(spec.len());
        for (i, &s) in spec.iter().enumerate() {
            if s == -1 {
                if i < lead {
                    bail!(
                        Shape,
                        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}"
                    );
                }
                shape.push(self.shape()[i - lead]);
            } else if s < 0 {
                bail!(
                    Value,
                    "Trying to create tensor with negative dimension {s}: {}",
                    ShapeFmt(&spec)
                );
            } else {
                shape.push(s as usize);
            }
        }
        let layout = self.layout().expand(&shape)?;
        let input = Dims::from_slice(self.shape());
        Ok(self.view_op(layout, || f::ExpandBackward { input }))
    }

    /// `x.expand_as(other)`.
    ///
    /// # Errors
    /// As [`Tensor::try_expand`].
    pub fn try_expand_as(&self, other: &Tensor) -> Result<Tensor> {
        self.try_expand(other.shape())
    }

    /// `x.unsqueeze(dim)`: a view with a new size-1 dim at `dim`.
    ///
    /// ```
    /// assert_eq!(ember::zeros([2, 3]).unsqueeze(-1).shape(), &[2, 3, 1]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is outside `[-ndim-1, ndim]`.
    #[panicking(must_use)]
    pub fn try_unsqueeze(&self, dim: i64) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim() + 1)?;
        Ok(self.view_op(self.layout().unsqueeze(d), || f::Unsqueeze(d)))
    }

    /// `x.squeeze()`: a view without the size-1 dims.
    ///
    /// ```
    /// assert_eq!(ember::zeros([1, 3, 1]).squeeze().shape(), &[3]);
    /// ```
    ///
    /// # Errors
    /// Never; kept fallible for symmetry.
    #[panicking(must_use)]
    pub fn try_squeeze(&self) -> Result<Tensor> {
        let all: Vec<usize> = (0..self.dim()).collect();
        let input = Dims::from_slice(self.shape());
        Ok(
            self.view_op(self.layout().squeeze_dims(&all), || f::SqueezeBackward {
                input,
                dims: None,
            }),
        )
    }

    /// `x.squeeze(dim)`: removes `dim` (or dims) if its size is 1.
    ///
    /// ```
    /// assert_eq!(ember::zeros([3, 1, 2]).squeeze_dim(1).shape(), &[3, 2]);
    /// assert_eq!(ember::zeros([3, 1, 2]).squeeze_dim(0).shape(), &[3, 1, 2]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range.
    #[panicking(must_use)]
    pub fn try_squeeze_dim(&self, dims: impl IntList) -> Result<Tensor> {
        let d = wrap_dims(&dims.into_list(), self.dim())?;
        let input = Dims::from_slice(self.shape());
        let dv: Vec<usize> = d.to_vec();
        Ok(
            self.view_op(self.layout().squeeze_dims(&dv), || f::SqueezeBackward {
                input,
                dims: Some(dv.clone()),
            }),
        )
    }
}

impl Tensor {
    /// `x.select(dim, index)`: the slice at `index` along `dim`, as a view without that dim.
    ///
    /// ```
    /// let x = ember::arange(6).view([2, 3]);
    /// assert_eq!(x.select(1, -1).to_vec::<i64>(), vec![2, 5]);
    /// ```
    ///
    /// # Errors
    /// If `dim` or `index` is out of range, or the tensor is 0-dim.
    #[panicking(must_use)]
    pub fn try_select(&self, dim: i64, index: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            bail!(
                IndexOutOfRange,
                "select() cannot be applied to a 0-dim tensor."
            );
        }
        let d = wrap_dim(dim, self.dim())?;
        let n = self.shape()[d] as i64;
        if index < -n || index >= n {
            bail!(
                IndexOutOfRange,
                "select(): index {index} out of range for tensor of size {} at dimension {d}",
                ShapeFmt(self.shape())
            );
        }
        let i = if index < 0 { index + n } else { index } as usize;
        let input = Dims::from_slice(self.shape());
        Ok(
            self.view_op(self.layout().select(d, i), || f::SelectBackward {
                input,
                dim: d,
                index: i,
            }),
        )
    }

    /// `x.narrow(dim, start, length)`: `length` elements from `start` along `dim`, as a view.
    ///
    /// ```
    /// let x = ember::arange(6);
    /// assert_eq!(x.narrow(0, 2, 3).to_vec::<i64>(), vec![2, 3, 4]);
    /// ```
    ///
    /// # Errors
    /// If the range does not fit in the dim.
    #[panicking(must_use)]
    pub fn try_narrow(&self, dim: i64, start: i64, length: usize) -> Result<Tensor> {
        if self.dim() == 0 {
            bail!(
                IndexOutOfRange,
                "narrow() cannot be applied to a 0-dim tensor."
            );
        }
        let d = wrap_dim(dim, self.dim())?;
        let n = self.shape()[d] as i64;
        if start < -n || start > n {
            bail!(
                IndexOutOfRange,
                "start out of range (expected to be in range of [{}, {n}], but got {start})",
                -n
            );
        }
        let s = if start < 0 { start + n } else { start };
        if s + length as i64 > n {
            bail!(
                IndexOutOfRange,
                "start ({s}) + length ({length}) exceeds dimension size ({n})."
            );
        }
        self.slice_dim(d, s as usize, length, 1)
    }

    /// `x[..., start:start+len*step:step, ...]` along `d` (bounds already checked), recorded
    /// as `SliceBackward0`.
    pub(crate) fn slice_dim(
        &self,
        d: usize,
        start: usize,
        len: usize,
        step: usize,
    ) -> Result<Tensor> {
        let input = Dims::from_slice(self.shape());
        Ok(self.view_op(self.layout().slice(d, start, len, step), || {
            f::SliceBackward {
                input,
                dim: d,
                start,
                len,
                step,
            }
        }))
    }
}

impl Tensor {
    /// Zeros of `shape` with `grad` written into the view `layout_of(zeros)`; the base of
    /// `select_backward`/`slice_backward`.
    fn scatter_into_zeros(
        grad: &Tensor,
        shape: &[usize],
        view: impl FnOnce(&Layout) -> Layout,
    ) -> Result<Tensor> {
        let out = crate::try_zeros_with(shape, (grad.dtype(), grad.device()))?;
        let target = out.view_as_layout(view(out.layout()));
        kernel::copy(grad.arg(), out.at(target.layout()))?;
        Ok(out.alias(out.layout().clone()))
    }

    /// `select_backward(grad, sizes, dim, index)`: zeros with `grad` at `index` along `dim`.
    pub(crate) fn select_backward(
        grad: &Tensor,
        shape: &[usize],
        dim: usize,
        index: usize,
    ) -> Result<Tensor> {
        let out = Tensor::scatter_into_zeros(grad, shape, |l| l.select(dim, index))?;
        if needs_grad(&[grad]) {
            record(
                f::SelectBackwardBackward { dim, index },
                &[grad],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    /// `slice_backward(grad, sizes, dim, start, end, step)`: zeros with `grad` in the slice.
    pub(crate) fn slice_backward(
        grad: &Tensor,
        shape: &[usize],
        dim: usize,
        start: usize,
        len: usize,
        step: usize,
    ) -> Result<Tensor> {
        let out = Tensor::scatter_into_zeros(grad, shape, |l| l.slice(dim, start, len, step))?;
        if needs_grad(&[grad]) {
            record(
                f::SliceBackwardBackward {
                    dim,
                    start,
                    len,
                    step,
                },
                &[grad],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }
}

//! Reductions: sum and mean over all elements or over dims, with `keepdim`.

pub(crate) mod formulas;
mod minmax;
mod stats;

use crate::Tensor;
use crate::error::{Result, bail};
use crate::layout::Layout;
use crate::ops::ReduceOp;
use crate::ops::reduce::formulas as f;
use crate::shape::{Dims, IntList, wrap_dims};
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel;
use ember_derive::panicking;

impl Tensor {
    /// Reduces over `dims` (all dims when empty) without recording history. The result has
    /// the keepdim shape, or the reduced dims removed.
    pub(crate) fn reduce_raw(&self, op: ReduceOp, dims: &[usize], keepdim: bool) -> Result<Tensor> {
        let all: Vec<usize>;
        // A 0-dim tensor's dim 0 (PyTorch accepts it) is the whole one-element tensor.
        let dims = if self.dim() == 0 {
            &[][..]
        } else if dims.is_empty() {
            all = (0..self.dim()).collect();
            &all[..]
        } else {
            dims
        };
        let out_dt = op.out_dtype(self.dtype());
        let kshape: Dims = self
            .shape()
            .iter()
            .enumerate()
            .map(|(i, &n)| if dims.contains(&i) { 1 } else { n })
            .collect();
        let out = Tensor::alloc(&kshape, out_dt, self.device())?;
        kernel::reduce(op, self.arg(), dims, out.arg())?;
        if keepdim {
            return Ok(out);
        }
        let shape: Dims = self
            .shape()
            .iter()
            .enumerate()
            .filter(|(i, _)| !dims.contains(i))
            .map(|(_, &n)| n)
            .collect();
        Ok(out.alias(Layout::contiguous(&shape)))
    }

    /// `x.sum()`: the sum of all elements (integers and bool sum to int64).
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 2.0, 4.0]).sum().item::<f32>(), 7.0);
    /// assert_eq!(ember::tensor([true, true]).sum().item::<i64>(), 2);
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_sum(&self) -> Result<Tensor> {
        let out = self.reduce_raw(ReduceOp::Sum, &[], false)?;
        if out.dtype().is_floating_point() && needs_grad(&[self]) {
            let input = Dims::from_slice(self.shape());
            record(
                f::SumBackward {
                    input,
                    dims: None,
                    keepdim: false,
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    /// `x.sum(dim, keepdim)`; `dim` may be one dim or a list.
    ///
    /// ```
    /// let x = ember::ones([2, 3, 4]);
    /// assert_eq!(x.sum_dim(1, false).shape(), &[2, 4]);
    /// assert_eq!(x.sum_dim([0, 2], true).shape(), &[1, 3, 1]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range or repeated.
    #[panicking(must_use)]
    pub fn try_sum_dim(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        let d = wrap_dims(&dims.into_list(), self.dim())?;
        let out = self.reduce_raw(ReduceOp::Sum, &d, keepdim)?;
        if out.dtype().is_floating_point() && needs_grad(&[self]) {
            let input = Dims::from_slice(self.shape());
            let dims = if d.is_empty() {
                (0..self.dim()).collect()
            } else {
                d.to_vec()
            };
            record(
                f::SumBackward {
                    input,
                    dims: Some(dims),
                    keepdim,
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    fn check_mean_dtype(&self) -> Result<()> {
        if !self.dtype().is_floating_point() {
            bail!(
                DType,
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
                self.dtype().scalar_type_name()
            );
        }
        Ok(())
    }

    /// `x.mean()`.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 2.0, 6.0]).mean().item::<f32>(), 3.0);
    /// assert!(ember::tensor([1, 2]).try_mean().is_err());
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes.
    #[panicking(must_use)]
    pub fn try_mean(&self) -> Result<Tensor> {
        self.check_mean_dtype()?;
        let n = self.numel();
        let out = {
            let s = self.reduce_raw(ReduceOp::Sum, &[], false)?;
            s.binary_raw(
                &s.scalar_like(crate::Scalar::Float(n as f64), s.dtype())?,
                crate::ops::BinaryOp::Div,
            )?
        };
        if needs_grad(&[self]) {
            let input = Dims::from_slice(self.shape());
            record(
                f::MeanBackward {
                    input,
                    dims: None,
                    keepdim: false,
                    count: n,
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    /// `x.mean(dim, keepdim)`.
    ///
    /// ```
    /// let m = ember::tensor([[1.0, 3.0], [5.0, 7.0]]).mean_dim(1, false);
    /// assert_eq!(m.to_vec::<f32>(), vec![2.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, or a dim out of range.
    #[panicking(must_use)]
    pub fn try_mean_dim(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.check_mean_dtype()?;
        let d = wrap_dims(&dims.into_list(), self.dim())?;
        let dims: Vec<usize> = if d.is_empty() {
            (0..self.dim()).collect()
        } else {
            d.to_vec()
        };
        // A 0-dim tensor's dim 0 is its one element.
        let n: usize = dims
            .iter()
            .map(|&i| self.shape().get(i).copied().unwrap_or(1))
            .product();
        let out = {
            let s = self.reduce_raw(ReduceOp::Sum, &dims, keepdim)?;
            s.binary_raw(
                &s.scalar_like(crate::Scalar::Float(n as f64), s.dtype())?,
                crate::ops::BinaryOp::Div,
            )?
        };
        if needs_grad(&[self]) {
            let input = Dims::from_slice(self.shape());
            record(
                f::MeanBackward {
                    input,
                    dims: Some(dims),
                    keepdim,
                    count: n,
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }
}

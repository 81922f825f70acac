//! Cumulative ops along a dim: cumsum and cumprod (integers and bool give int64).

pub(crate) mod formulas;

use crate::Tensor;
use crate::error::Result;
use crate::ops::ScanOp;
use crate::ops::scan::formulas as f;
use crate::shape::wrap_dim;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use ember_derive::panicking;

impl Tensor {
    /// `op` along `dim` (from the end when `reverse`) without recording history.
    pub(crate) fn scan_raw(&self, op: ScanOp, dim: usize, reverse: bool) -> Result<Tensor> {
        let dt = op.out_dtype(self.dtype());
        let out = Tensor::alloc(self.shape(), dt, self.device())?;
        kernel::scan(op, self.arg(), dim, reverse, out.arg())?;
        Ok(out)
    }

    /// `x.cumsum(dim)`: running sums along `dim`.
    ///
    /// ```
    /// let x = ember::tensor([[1, 2, 3], [4, 5, 6]]);
    /// assert_eq!(x.cumsum(1).to_vec::<i64>(), vec![1, 3, 6, 4, 9, 15]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range.
    #[panicking(must_use)]
    pub fn try_cumsum(&self, dim: i64) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim())?;
        let out = self.scan_raw(ScanOp::Sum, d, false)?;
        if needs_grad(&[self]) {
            record(f::CumsumBackward { dim: d }, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// Sums along `dim` from the end (`x.flip(dim).cumsum(dim).flip(dim)`), the gradient of
    /// `cumsum`.
    pub(crate) fn try_reversed_cumsum(&self, dim: usize) -> Result<Tensor> {
        let out = self.scan_raw(ScanOp::Sum, dim, true)?;
        if needs_grad(&[self]) {
            record(f::ReversedCumsumBackward { dim }, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `x.cumprod(dim)`: running products along `dim`.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(x.cumprod(0).to_vec::<f32>(), vec![1.0, 2.0, 6.0, 24.0]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range.
    #[panicking(must_use)]
    pub fn try_cumprod(&self, dim: i64) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim())?;
        let out = self.scan_raw(ScanOp::Prod, d, false)?;
        if needs_grad(&[self]) {
            record(
                f::CumprodBackward { dim: d },
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }
}

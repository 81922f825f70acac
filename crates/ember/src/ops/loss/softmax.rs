//! `softmax` and `log_softmax`: one kernel each (max-shifted, so large logits stay finite)
//! and PyTorch's `SoftmaxBackward0` / `LogSoftmaxBackward0` nodes.

use crate::error::{Result, bail};
use crate::ops::loss::nll_formulas as f;
use crate::shape::wrap_dim;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// Softmax or log-softmax along `dim` (already wrapped), without history.
    pub(crate) fn softmax_raw(&self, dim: usize, log: bool) -> Result<Tensor> {
        let dt = self.dtype();
        if !dt.is_floating_point() {
            let last = self.dim() == 0 || dim + 1 == self.dim();
            let kernel = match (log, last) {
                (false, true) => "softmax_lastdim_kernel_impl",
                (false, false) => "softmax_kernel_impl",
                (true, true) => "log_softmax_lastdim_kernel_impl",
                (true, false) => "log_softmax_kernel_impl",
            };
            bail!(
                DType,
                "\"{kernel}\" not implemented for '{}'",
                dt.scalar_type_name()
            );
        }
        if matches!(dt, DType::F16 | DType::BF16) {
            return self
                .try_to_dtype_raw(DType::F32)?
                .softmax_raw(dim, log)?
                .try_to_dtype_raw(dt);
        }
        let x = self.detach().try_contiguous()?;
        let shape = x.shape();
        let (n, inner) = if shape.is_empty() {
            (1, 1)
        } else {
            (shape[dim], shape[dim + 1..].iter().product())
        };
        let out = Tensor::alloc(shape, dt, x.device())?;
        if out.numel() > 0 {
            kernel::softmax(x.arg(), &out, n, inner, log)?;
        }
        Ok(out)
    }

    /// `_softmax_backward_data(go, y, dim)` (log: `_log_softmax_backward_data`): softmax's
    /// gradient from the incoming gradient `go` and the output `y`, recorded as its own node.
    pub(crate) fn softmax_backward_data(
        go: &Tensor,
        y: &Tensor,
        dim: usize,
        log: bool,
    ) -> Result<Tensor> {
        let d = dim as i64;
        let out = {
            let _g = crate::no_grad();
            if log {
                // go - softmax * sum(go)
                go.try_sub(&y.try_exp()?.try_mul(&go.try_sum_dim(d, true)?)?)?
            } else {
                // y * (go - sum(go * y))
                let s = go.try_mul(y)?.try_sum_dim(d, true)?;
                y.try_mul(&go.try_sub(&s)?)?
            }
        };
        if needs_grad(&[go, y]) {
            record(
                f::SoftmaxBackwardData { dim, log },
                &[go, y],
                &[&out],
                &[Save::Tensor(go), Save::Tensor(y)],
            );
        }
        Ok(out)
    }

    fn softmax_impl(&self, dim: i64, log: bool) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim())?;
        let out = {
            let _g = crate::no_grad();
            self.softmax_raw(d, log)?
        };
        if needs_grad(&[self]) {
            let formula = if log {
                f::Softmax::log(d)
            } else {
                f::Softmax::new(d)
            };
            record(formula, &[self], &[&out], &[Save::Output(0)]);
        }
        Ok(out)
    }

    /// `x.softmax(dim)`: `exp(x) / exp(x).sum(dim)`, computed stably.
    ///
    /// ```
    /// let y = ember::tensor([1.0, 1.0, 1000.0, 1000.0]).softmax(0);
    /// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 0.5, 0.5]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range or the dtype is not floating.
    #[panicking(must_use)]
    pub fn try_softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, false)
    }

    /// `x.log_softmax(dim)`: `x - logsumexp(x, dim)`, computed stably.
    ///
    /// ```
    /// let y = ember::tensor([0.0, 0.0]).log_softmax(0);
    /// assert_eq!(y.to_vec::<f32>(), vec![-2f32.ln(), -2f32.ln()]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range or the dtype is not floating.
    #[panicking(must_use)]
    pub fn try_log_softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, true)
    }
}

/// `F.softmax(input, dim)`; see [`Tensor::try_softmax`].
///
/// ```
/// let y = ember::nn::functional::softmax(&ember::tensor([[0.0, 0.0]]), 1).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![0.5, 0.5]);
/// assert_eq!(y.shape(), &[1, 2]);
/// ```
///
/// # Errors
/// If `dim` is out of range or the dtype is not floating.
pub fn softmax(input: &Tensor, dim: i64) -> Result<Tensor> {
    input.try_softmax(dim)
}

/// `F.log_softmax(input, dim)`; see [`Tensor::try_log_softmax`].
///
/// ```
/// let y = ember::nn::functional::log_softmax(&ember::tensor([0.0, 0.0]), 0).unwrap();
/// assert!((y.to_vec::<f32>()[0] + 2f32.ln()).abs() < 1e-7);
/// ```
///
/// # Errors
/// If `dim` is out of range or the dtype is not floating.
pub fn log_softmax(input: &Tensor, dim: i64) -> Result<Tensor> {
    input.try_log_softmax(dim)
}

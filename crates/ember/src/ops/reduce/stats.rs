//! Reductions that compute a statistic: prod, var/std, the vector norm and logsumexp.
//! Forward passes are composed from other ops without history; each records one node of
//! PyTorch's name.

use crate::error::{Result, bail};
use crate::ops::ReduceOp;
use crate::ops::reduce::formulas as f;
use crate::shape::{IntList, wrap_dim};
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{DType, Tensor};
use ember_derive::panicking;

/// `t` in the dtype to compute a statistic in: half types go through f32, as PyTorch's
/// `opmath` type.
fn opmath(t: &Tensor) -> Result<Tensor> {
    match t.dtype() {
        DType::F16 | DType::BF16 => t.try_to_dtype(DType::F32),
        _ => Ok(t.clone()),
    }
}

fn numel_over(shape: &[usize], dims: &[usize]) -> usize {
    // A 0-dim tensor reduces over its dim 0 as over one element.
    dims.iter()
        .map(|&d| shape.get(d).copied().unwrap_or(1))
        .product()
}

impl Tensor {
    /// `x.prod()`: the product of all elements (integers and bool give int64).
    ///
    /// ```
    /// assert_eq!(ember::tensor([2.0, 3.0, 4.0]).prod().item::<f32>(), 24.0);
    /// assert_eq!(ember::tensor([2, 3]).prod().item::<i64>(), 6);
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_prod(&self) -> Result<Tensor> {
        let out = self.reduce_raw(ReduceOp::Prod, &[], false)?;
        if needs_grad(&[self]) {
            record(
                f::ProdBackward {
                    dim: None,
                    keepdim: false,
                },
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `x.prod(dim, keepdim)`.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(x.prod_dim(1, false).to_vec::<f32>(), vec![2.0, 12.0]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range.
    #[panicking(must_use)]
    pub fn try_prod_dim(&self, dim: i64, keepdim: bool) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim())?;
        let dims: &[usize] = if self.dim() == 0 { &[] } else { &[d] };
        let out = self.reduce_raw(ReduceOp::Prod, dims, keepdim)?;
        if needs_grad(&[self]) {
            record(
                f::ProdBackward {
                    dim: Some(d),
                    keepdim,
                },
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// The variance over `dims` (all when empty) without history.
    /// PyTorch checks the dtype of std/var (and of norms) before it looks at the dims.
    fn check_var_dtype(&self) -> Result<()> {
        if !self.dtype().is_floating_point() {
            bail!(
                DType,
                "std and var only support floating point and complex dtypes"
            );
        }
        Ok(())
    }

    fn check_norm_dtype(&self) -> Result<()> {
        if !self.dtype().is_floating_point() {
            bail!(
                DType,
                "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}",
                self.dtype().scalar_type_name()
            );
        }
        Ok(())
    }

    /// The variance in the compute dtype (f32 for half types): std takes its root before
    /// the one rounding to the input's dtype, as PyTorch does.
    fn var_raw(&self, dims: &[usize], correction: f64, keepdim: bool) -> Result<Tensor> {
        self.check_var_dtype()?;
        let _g = crate::no_grad();
        let x = opmath(self)?;
        let n = numel_over(self.shape(), dims);
        let mean = x.try_sum_dim(dims, true)?.try_div(n as f64)?;
        let d = x.try_sub(&mean)?;
        let ss = d.try_mul(&d)?.try_sum_dim(dims, keepdim)?;
        // PyTorch divides by max(0, n - correction): inf, or NaN for a zero sum.
        ss.try_div((n as f64 - correction).max(0.0))
    }

    fn var_std(
        &self,
        dims: impl IntList,
        correction: f64,
        keepdim: bool,
        std: bool,
    ) -> Result<Tensor> {
        self.check_var_dtype()?;
        let list = dims.into_list();
        let d = self.reduce_dims(list.clone())?;
        let out = {
            let _g = crate::no_grad();
            let var = self.var_raw(&d, correction, keepdim)?;
            if std { var.try_sqrt()? } else { var }.try_to_dtype(self.dtype())?
        };
        if needs_grad(&[self]) {
            let dims = (!list.is_empty() && self.dim() > 0).then_some(d);
            if std {
                record(
                    f::StdBackward(f::VarBackward {
                        dims,
                        correction,
                        keepdim,
                    }),
                    &[self],
                    &[&out],
                    &[Save::Tensor(self), Save::Output(0)],
                );
            } else {
                record(
                    f::VarBackward {
                        dims,
                        correction,
                        keepdim,
                    },
                    &[self],
                    &[&out],
                    &[Save::Tensor(self)],
                );
            }
        }
        Ok(out)
    }

    /// `x.var()`: the unbiased variance of all elements (`correction=1`).
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 2.0, 3.0, 4.0]).var().item::<f32>(), 5.0 / 3.0);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes.
    #[panicking(must_use)]
    pub fn try_var(&self) -> Result<Tensor> {
        self.var_std((), 1.0, false, false)
    }

    /// `x.var(dim, keepdim=keepdim)`: the unbiased variance over `dims` (all when empty).
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 3.0], [2.0, 2.0]]);
    /// assert_eq!(x.var_dim(1, false).to_vec::<f32>(), vec![2.0, 0.0]);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, or a dim out of range or repeated.
    #[panicking(must_use)]
    pub fn try_var_dim(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.var_std(dims, 1.0, keepdim, false)
    }

    /// `x.var(dim, correction=c, keepdim=keepdim)`: the sum of squared deviations over
    /// `dims` (all when empty) divided by `n - c` (`c = 0` is `unbiased=False`).
    ///
    /// ```
    /// let x = ember::tensor([1.0, 3.0]);
    /// assert_eq!(x.var_with((), 0.0, false).item::<f32>(), 1.0);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, or a dim out of range or repeated.
    #[panicking(must_use)]
    pub fn try_var_with(
        &self,
        dims: impl IntList,
        correction: f64,
        keepdim: bool,
    ) -> Result<Tensor> {
        self.var_std(dims, correction, keepdim, false)
    }

    /// `x.std()`: the unbiased standard deviation of all elements.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 3.0]).std().item::<f32>(), 2f32.sqrt());
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes.
    #[panicking(must_use)]
    pub fn try_std(&self) -> Result<Tensor> {
        self.var_std((), 1.0, false, true)
    }

    /// `x.std(dim, keepdim=keepdim)`: the unbiased standard deviation over `dims`.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 3.0], [2.0, 2.0]]);
    /// assert_eq!(x.std_dim(1, true).shape(), &[2, 1]);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, or a dim out of range or repeated.
    #[panicking(must_use)]
    pub fn try_std_dim(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.var_std(dims, 1.0, keepdim, true)
    }

    /// `x.std(dim, correction=c, keepdim=keepdim)`.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 3.0]);
    /// assert_eq!(x.std_with((), 0.0, false).item::<f32>(), 1.0);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, or a dim out of range or repeated.
    #[panicking(must_use)]
    pub fn try_std_with(
        &self,
        dims: impl IntList,
        correction: f64,
        keepdim: bool,
    ) -> Result<Tensor> {
        self.var_std(dims, correction, keepdim, true)
    }

    /// The `ord`-norm over `dims` without history.
    fn vector_norm_raw(&self, ord: f64, dims: &[usize], keepdim: bool) -> Result<Tensor> {
        self.check_norm_dtype()?;
        let _g = crate::no_grad();
        let x = opmath(self)?;
        let out = if ord.is_infinite() {
            if numel_over(self.shape(), dims) == 0 {
                bail!(
                    IndexOutOfRange,
                    "linalg.vector_norm cannot compute the {} norm on an empty tensor because the operation does not have an identity",
                    if ord > 0.0 { "inf" } else { "-inf" }
                );
            }
            let a = x.try_abs()?;
            if ord > 0.0 {
                a.reduce_raw(ReduceOp::Max, dims, keepdim)?
            } else {
                a.reduce_raw(ReduceOp::Min, dims, keepdim)?
            }
        } else if ord == 0.0 {
            x.try_ne(0.0)?
                .try_sum_dim(dims, keepdim)?
                .try_to_dtype(x.dtype())?
        } else if ord == 1.0 {
            x.try_abs()?.try_sum_dim(dims, keepdim)?
        } else if ord == 2.0 {
            x.try_mul(&x)?.try_sum_dim(dims, keepdim)?.try_sqrt()?
        } else {
            x.try_abs()?
                .try_pow(ord)?
                .try_sum_dim(dims, keepdim)?
                .try_pow(1.0 / ord)?
        };
        out.try_to_dtype(self.dtype())
    }

    /// `x.norm()`: the Euclidean norm of all elements.
    ///
    /// ```
    /// assert_eq!(ember::tensor([3.0, 4.0]).norm().item::<f32>(), 5.0);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes.
    #[panicking(must_use)]
    pub fn try_norm(&self) -> Result<Tensor> {
        self.try_norm_with(2.0, (), false)
    }

    /// `x.norm(p, dim, keepdim)` (`torch.linalg.vector_norm`): `sum(|x|^p)^(1/p)` over
    /// `dims` (all when empty); `p = inf`/`-inf` give the largest/smallest `|x|`, `p = 0`
    /// the number of nonzero elements.
    ///
    /// ```
    /// let x = ember::tensor([[3.0, -4.0], [1.0, 0.0]]);
    /// assert_eq!(x.norm_with(1.0, 1, false).to_vec::<f32>(), vec![7.0, 1.0]);
    /// assert_eq!(x.norm_with(f64::INFINITY, (), false).item::<f32>(), 4.0);
    /// assert_eq!(x.norm_with(0.0, (), false).item::<f32>(), 3.0);
    /// ```
    ///
    /// # Errors
    /// For non-float dtypes, a dim out of range or repeated, or an infinite `p` over
    /// nothing.
    #[panicking(must_use)]
    pub fn try_norm_with(&self, p: f64, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.check_norm_dtype()?;
        let d = self.reduce_dims(dims)?;
        let out = self.vector_norm_raw(p, &d, keepdim)?;
        if needs_grad(&[self]) {
            record(
                f::NormBackward {
                    ord: p,
                    dims: d,
                    keepdim,
                },
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `torch.logsumexp(x, dim, keepdim)`: `log(sum(exp(x)))` over `dims` (all when empty),
    /// computed stably. Integers are first converted to the default float dtype.
    ///
    /// ```
    /// let x = ember::tensor_with([[0.0, 0.0], [1000.0, 1000.0]], ember::DType::F64);
    /// let y = x.logsumexp(1, false).to_vec::<f64>();
    /// assert!((y[0] - 2f64.ln()).abs() < 1e-12 && (y[1] - 1000.0 - 2f64.ln()).abs() < 1e-9);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range or repeated.
    #[panicking(must_use)]
    pub fn try_logsumexp(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        let d = self.reduce_dims(dims)?;
        let out = {
            let _g = crate::no_grad();
            // Each step rounds to the input's dtype, as PyTorch's composite does (amax, sub,
            // exp, sum, log, add): f16/bf16 are not widened for the whole chain.
            let x = if self.dtype().is_floating_point() {
                self.clone()
            } else {
                self.try_to_dtype(crate::get_default_dtype())?
            };
            let out = if numel_over(self.shape(), &d) == 0 {
                x.try_sum_dim(&d, keepdim)?.try_add(f64::NEG_INFINITY)?
            } else {
                let m = x.reduce_raw(ReduceOp::Max, &d, true)?;
                // An infinite maximum would give inf - inf = NaN: shift by 0 instead.
                let m = crate::try_where_(&m.try_abs()?.try_eq(f64::INFINITY)?, 0.0, &m)?;
                let s = x
                    .try_sub(&m)?
                    .try_exp()?
                    .try_sum_dim(&d, keepdim)?
                    .try_log()?;
                s.try_add(&m.try_reshape(s.shape())?)?
            };
            let dt = if self.dtype().is_floating_point() {
                self.dtype()
            } else {
                out.dtype()
            };
            out.try_to_dtype(dt)?
        };
        if needs_grad(&[self]) {
            record(
                f::LogsumexpBackward { dims: d, keepdim },
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }
}

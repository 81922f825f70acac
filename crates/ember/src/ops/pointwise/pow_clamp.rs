//! `pow` with a scalar on either side, and `clamp`.

use super::Operand;
use crate::dtype::ResultType;
use crate::error::{OrPanic, Result, bail};
use crate::ops::pointwise::formulas as f;
use crate::ops::{BinaryOp, ParamOp};
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{Scalar, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// `torch.pow(self, exponent)` with a scalar or tensor exponent.
    ///
    /// ```
    /// let x = ember::tensor([-3.0, 2.0, 5.0]);
    /// assert_eq!(x.pow(3).to_vec::<f32>(), vec![-27.0, 8.0, 125.0]);
    /// assert_eq!(x.pow(&x).to_vec::<f32>()[1], 4.0);
    /// ```
    ///
    /// # Errors
    /// If shapes do not broadcast, or for negative integer powers of integers.
    #[panicking(must_use)]
    pub fn try_pow<'a>(&self, exponent: impl Into<Operand<'a>>) -> Result<Tensor> {
        match exponent.into() {
            Operand::Tensor(t) => self.binary_op(Operand::Tensor(t), BinaryOp::Pow),
            Operand::Scalar(s) => {
                let dt = ResultType::default()
                    .tensor(self.dtype(), self.dim())
                    .scalar(s)
                    .finish();
                if !dt.is_floating_point() && s.to_i64() < 0 {
                    bail!(
                        Value,
                        "Integers to negative integer powers are not allowed."
                    );
                }
                let x = self.cast_for_kernel(dt)?;
                let out = x.param_raw(ParamOp::PowScalar(s.to_f64()), false)?;
                if dt.is_floating_point() && needs_grad(&[self]) {
                    record(
                        f::PowScalar(s.to_f64()),
                        &[self],
                        &[&out],
                        &[Save::Tensor(self)],
                    );
                }
                Ok(out)
            }
        }
    }

    /// `base ** self` for a scalar base (`torch.pow(base, self)`).
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 3.0]).rpow(2.0).to_vec::<f32>(), vec![2.0, 8.0]);
    /// ```
    ///
    /// # Errors
    /// For non-numeric dtypes.
    #[panicking(must_use)]
    pub fn try_rpow(&self, base: impl Into<Scalar>) -> Result<Tensor> {
        let b = base.into();
        let dt = ResultType::default()
            .tensor(self.dtype(), self.dim())
            .scalar(b)
            .finish();
        if !dt.is_floating_point() {
            // An integer base to integer powers stays integer (`2 ** x` is int64 for int x).
            let base = self.scalar_like(b, dt)?;
            let (_, shape) = base.binary_plan(self)?;
            return base.binary_raw_as(self, BinaryOp::Pow, dt, &shape);
        }
        let x = self.cast_for_kernel(dt)?;
        let out = x.param_raw(ParamOp::RPowScalar(b.to_f64()), false)?;
        if needs_grad(&[self]) {
            record(
                f::RPowScalar(b.to_f64()),
                &[self],
                &[&out],
                &[Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `torch.clamp(self, min, max)`; either bound may be `None`.
    ///
    /// ```
    /// let x = ember::tensor([-1.0, 0.5, 2.0]);
    /// assert_eq!(x.clamp(0.0, None).to_vec::<f32>(), vec![0.0, 0.5, 2.0]);
    /// assert_eq!(x.clamp(None, 1.0).to_vec::<f32>(), vec![-1.0, 0.5, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If both bounds are `None`.
    #[panicking(must_use)]
    pub fn try_clamp(
        &self,
        min: impl Into<Option<f64>>,
        max: impl Into<Option<f64>>,
    ) -> Result<Tensor> {
        let (min, max) = (min.into(), max.into());
        if min.is_none() && max.is_none() {
            bail!(
                Value,
                "ember.clamp: At least one of 'min' or 'max' must not be None"
            );
        }
        let out = self.param_raw(ParamOp::Clamp(min, max), false)?;
        if needs_grad(&[self]) {
            record(
                f::Clamp {
                    min,
                    max,
                    name: "ClampBackward1",
                },
                &[self],
                &[&out],
                &[Save::Tensor(self)],
            );
        }
        Ok(out)
    }

    /// `torch.clamp(self, min, max)` with Python-number bounds and PyTorch's promotion: an
    /// integer tensor clamped by a float bound becomes a float tensor, by int bounds stays
    /// integer.
    ///
    /// ```
    /// use ember::{DType, Scalar};
    /// let x = ember::tensor([1i64, 5]);
    /// let f = x.try_clamp_scalar(Some(Scalar::Float(1.5)), None).unwrap();
    /// assert_eq!((f.dtype(), f.to_vec::<f32>()), (DType::F32, vec![1.5, 5.0]));
    /// let i = x.try_clamp_scalar(None, Some(Scalar::Int(3))).unwrap();
    /// assert_eq!((i.dtype(), i.to_vec::<i64>()), (DType::I64, vec![1, 3]));
    /// ```
    ///
    /// # Errors
    /// If both bounds are `None`.
    pub fn try_clamp_scalar(&self, min: Option<Scalar>, max: Option<Scalar>) -> Result<Tensor> {
        let mut rt = ResultType::default().tensor(self.dtype(), self.dim());
        for s in [min, max].into_iter().flatten() {
            rt = rt.scalar(s);
        }
        let dt = rt.finish();
        let x = if dt == self.dtype() {
            self.clone()
        } else {
            self.try_to_dtype(dt)?
        };
        x.try_clamp(min.map(Scalar::to_f64), max.map(Scalar::to_f64))
    }

    /// `torch.clamp_min(self, min)` (node `ClampMinBackward0`).
    ///
    /// ```
    /// let h = ember::tensor([-1.0, 3.0]).clamp_min(0.0);
    /// assert_eq!(h.to_vec::<f32>(), vec![0.0, 3.0]);
    /// ```
    #[must_use]
    pub fn clamp_min(&self, min: f64) -> Tensor {
        self.clamp_one(Some(min), None, "ClampMinBackward0")
            .or_panic()
    }

    /// `torch.clamp_max(self, max)` (node `ClampMaxBackward0`).
    ///
    /// ```
    /// assert_eq!(ember::tensor([-1.0, 3.0]).clamp_max(0.0).to_vec::<f32>(), vec![-1.0, 0.0]);
    /// ```
    #[must_use]
    pub fn clamp_max(&self, max: f64) -> Tensor {
        self.clamp_one(None, Some(max), "ClampMaxBackward0")
            .or_panic()
    }

    fn clamp_one(&self, min: Option<f64>, max: Option<f64>, name: &'static str) -> Result<Tensor> {
        let out = self.param_raw(ParamOp::Clamp(min, max), false)?;
        if needs_grad(&[self]) {
            record(
                f::Clamp { min, max, name },
                &[self],
                &[&out],
                &[Save::Tensor(self)],
            );
        }
        Ok(out)
    }
}

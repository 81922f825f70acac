//! Conversions: dtype casts, contiguous copies, clones, and reading values out.

use crate::error::{Result, bail};
use crate::layout::Layout;
use crate::tensor::graph::formula::{Ctx, Formula, when};
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Element, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// A copy of `self` in a fresh contiguous buffer of dtype `dt`, without history.
    pub(crate) fn copy_raw(&self, dt: DType) -> Result<Tensor> {
        let out = Tensor::alloc(self.shape(), dt, self.device())?;
        kernel::copy(self.arg(), out.arg())?;
        Ok(out)
    }

    /// A contiguous copy of `self` on `device` (`ToCopyBackward0` when it needs grad). The
    /// backend refuses copies it cannot make (out of a meta tensor).
    pub(crate) fn copy_to_device(&self, device: crate::Device) -> Result<Tensor> {
        let out = Tensor::alloc(self.shape(), self.dtype(), device)?;
        kernel::copy(self.arg(), out.arg())?;
        if needs_grad(&[self]) {
            record(ToCopyBackward, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `self` as dtype `dt` without recording history (`self` itself when it already is).
    pub(crate) fn try_to_dtype_raw(&self, dt: DType) -> Result<Tensor> {
        if self.dtype() == dt {
            Ok(self.clone())
        } else {
            self.copy_raw(dt)
        }
    }

    /// `x.to(dtype)`: a converted copy (or `self` when the dtype already matches). Float to
    /// integer truncates toward zero, as in PyTorch.
    ///
    /// ```
    /// let x = ember::tensor([-1.7, 2.5]);
    /// assert_eq!(x.to_dtype(ember::DType::I64).to_vec::<i64>(), vec![-1, 2]);
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_to_dtype(&self, dt: DType) -> Result<Tensor> {
        if self.dtype() == dt {
            return Ok(self.clone());
        }
        let out = self.copy_raw(dt)?;
        if dt.is_floating_point() && needs_grad(&[self]) {
            record(ToCopyBackward, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `x.float()`.
    #[must_use]
    pub fn float(&self) -> Tensor {
        self.to_dtype(DType::F32)
    }

    /// `x.double()`.
    #[must_use]
    pub fn double(&self) -> Tensor {
        self.to_dtype(DType::F64)
    }

    /// `x.long()`.
    ///
    /// ```
    /// assert_eq!(ember::zeros([5, 3]).long().dtype(), ember::DType::I64);
    /// ```
    #[must_use]
    pub fn long(&self) -> Tensor {
        self.to_dtype(DType::I64)
    }

    /// `x.int()`.
    #[must_use]
    pub fn int(&self) -> Tensor {
        self.to_dtype(DType::I32)
    }

    /// `x.half()`.
    #[must_use]
    pub fn half(&self) -> Tensor {
        self.to_dtype(DType::F16)
    }

    /// `x.bool()`.
    #[must_use]
    pub fn bool(&self) -> Tensor {
        self.to_dtype(DType::Bool)
    }

    /// `x.clone()`: a copy of the data in new memory, with `CloneBackward0` history.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0]);
    /// let y = x.clone_tensor();
    /// y.fill_(0.0);
    /// assert_eq!(x.to_vec::<f32>(), vec![1.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_clone_tensor(&self) -> Result<Tensor> {
        let out = self.copy_raw(self.dtype())?;
        if needs_grad(&[self]) {
            record(CloneBackward, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `x.contiguous()`: `self` when already contiguous, else a contiguous copy.
    ///
    /// ```
    /// let x = ember::zeros([2, 3]).t();
    /// assert!(x.contiguous().is_contiguous());
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            Ok(self.clone())
        } else {
            self.try_clone_tensor()
        }
    }

    /// The elements in row-major order, converted to `T` with PyTorch's casting rules.
    ///
    /// The copying conversions (`item`, `to_vec`) follow one rule: they cast to the `T` asked
    /// for as `x.to(dtype)` would (floats to integers truncate toward zero, like `as`), never
    /// fail on a dtype mismatch. Only the views of the tensor's own memory
    /// (`with_ndarray`, `with_ndarray_mut`) need `T` to be the tensor's dtype.
    ///
    /// ```
    /// let x = ember::tensor([[1, 2], [3, 4]]).t();
    /// assert_eq!(x.try_to_vec::<f64>().unwrap(), vec![1.0, 3.0, 2.0, 4.0]);
    /// // torch.tensor([-1.5, 2.7]).to(torch.int32).tolist() == [-1, 2]
    /// assert_eq!(ember::tensor([-1.5, 2.7]).to_vec::<i32>(), vec![-1, 2]);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.5, 2.0]).to_vec::<f64>(), vec![1.5, 2.0]);
    /// ```
    ///
    /// # Errors
    /// On the meta device, whose tensors hold no data.
    #[panicking]
    pub fn try_to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let src = if self.is_contiguous() && self.dtype() == T::DTYPE {
            self.clone()
        } else {
            self.copy_raw(T::DTYPE)?
        };
        kernel::read_vec(&src)
    }

    /// The value of a one-element tensor (`x.item()`), converted to `T` by the rule of
    /// [`Tensor::try_to_vec`] (a cast, as `int(x.item())` / `float(x.item())` would).
    ///
    /// ```
    /// assert_eq!(ember::tensor([0.25]).item::<f64>(), 0.25);
    /// assert_eq!(ember::tensor([2.7]).item::<i64>(), 2);
    /// assert_eq!(ember::tensor([3i64]).item::<f32>(), 3.0);
    /// assert!(ember::tensor([1.0, 2.0]).try_item::<f32>().is_err());
    /// ```
    ///
    /// # Errors
    /// If the tensor does not have exactly one element.
    #[panicking]
    pub fn try_item<T: Element>(&self) -> Result<T> {
        if self.numel() != 1 {
            bail!(
                Value,
                "a Tensor with {} elements cannot be converted to Scalar",
                self.numel()
            );
        }
        if self.device().is_meta() {
            bail!(Value, "Tensor.item() cannot be called on meta tensors");
        }
        let v = self.view_as_layout(Layout {
            shape: Default::default(),
            strides: Default::default(),
            offset: self.layout().offset,
        });
        Ok(v.try_to_vec::<T>()?[0])
    }
}

/// `x.clone()` / `x.contiguous()` (`CloneBackward0`): the gradient passes through.
pub(crate) struct CloneBackward;

impl Formula for CloneBackward {
    fn name(&self) -> &'static str {
        "CloneBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || Ok(ctx.grad()?.clone()))?])
    }
}

/// `x.to(dtype)` (`ToCopyBackward0`): the gradient is cast back (by `fit_to_input`).
pub(crate) struct ToCopyBackward;

impl Formula for ToCopyBackward {
    fn name(&self) -> &'static str {
        "ToCopyBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || Ok(ctx.grad()?.clone()))?])
    }
}

//! Selecting reductions: max/min (over everything, or along a dim with indices), amax/amin,
//! argmax/argmin, and the logical all/any.

use crate::Tensor;
use crate::error::{Result, bail};
use crate::ops::ReduceOp;
use crate::ops::reduce::formulas as f;
use crate::shape::{Dims, IntList, wrap_dim, wrap_dims};
use crate::tensor::graph::node::{Save, needs_grad, record};
use ember_derive::panicking;

impl Tensor {
    /// Wrapped `dims`, all dims when the list is empty (PyTorch's `dim=()`/`None`).
    pub(crate) fn reduce_dims(&self, dims: impl IntList) -> Result<Vec<usize>> {
        let d = wrap_dims(&dims.into_list(), self.dim())?;
        Ok(if d.is_empty() {
            (0..self.dim()).collect()
        } else {
            d.to_vec()
        })
    }

    /// PyTorch's errors for reductions without an identity: over everything of an empty
    /// tensor (`dims` is `None`), or over an empty dim.
    fn check_has_identity_free(&self, name: &str, dims: Option<&[usize]>) -> Result<()> {
        match dims {
            None if self.numel() == 0 => bail!(
                IndexOutOfRange,
                "{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            ),
            Some(ds) if self.dim() > 0 => {
                if let Some(d) = ds.iter().find(|&&d| self.shape()[d] == 0) {
                    bail!(
                        IndexOutOfRange,
                        "{name}(): Expected reduction dim {d} to have non-zero size."
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn extreme_all(&self, max: bool) -> Result<Tensor> {
        self.check_has_identity_free(if max { "max" } else { "min" }, None)?;
        let op = if max { ReduceOp::Max } else { ReduceOp::Min };
        let out = self.reduce_raw(op, &[], false)?;
        if needs_grad(&[self]) {
            let name = if max { "MaxBackward1" } else { "MinBackward1" };
            record(
                f::EvenlyDistributeBackward { name },
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `x.max()`: the largest element; NaN if any element is NaN.
    ///
    /// The gradient is split evenly among the elements equal to the maximum.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1.0, 5.0, 3.0]).max().item::<f32>(), 5.0);
    /// assert!(ember::tensor([1.0, f32::NAN]).max().item::<f32>().is_nan());
    /// ```
    ///
    /// # Errors
    /// If the tensor is empty.
    #[panicking(must_use)]
    pub fn try_max(&self) -> Result<Tensor> {
        self.extreme_all(true)
    }

    /// `x.min()`: the smallest element; NaN if any element is NaN.
    ///
    /// ```
    /// assert_eq!(ember::tensor([4, -2, 3]).min().item::<i64>(), -2);
    /// ```
    ///
    /// # Errors
    /// If the tensor is empty.
    #[panicking(must_use)]
    pub fn try_min(&self) -> Result<Tensor> {
        self.extreme_all(false)
    }

    fn extreme_dim(&self, dim: i64, keepdim: bool, max: bool) -> Result<(Tensor, Tensor)> {
        let name = if max { "max" } else { "min" };
        let d = wrap_dim(dim, self.dim())?;
        self.check_has_identity_free(name, Some(&[d]))?;
        let dims: &[usize] = if self.dim() == 0 { &[] } else { &[d] };
        let (op, arg) = if max {
            (ReduceOp::Max, ReduceOp::ArgMax)
        } else {
            (ReduceOp::Min, ReduceOp::ArgMin)
        };
        let values = self.reduce_raw(op, dims, keepdim)?;
        let indices = self.reduce_raw(arg, dims, keepdim)?;
        if needs_grad(&[self]) {
            record(
                f::SelectBackward {
                    name: if max { "MaxBackward0" } else { "MinBackward0" },
                    input: Dims::from_slice(self.shape()),
                    dim: d,
                    keepdim,
                },
                &[self],
                &[&values],
                &[Save::Tensor(&indices)],
            );
        }
        Ok((values, indices))
    }

    /// `x.max(dim, keepdim)`: the largest values along `dim` and their indices (int64; the
    /// first occurrence, or the first NaN).
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 7.0, 3.0], [9.0, 2.0, 9.0]]);
    /// let (v, i) = x.max_dim(1, false);
    /// assert_eq!(v.to_vec::<f32>(), vec![7.0, 9.0]);
    /// assert_eq!(i.to_vec::<i64>(), vec![1, 0]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range or the dim is empty.
    #[panicking(must_use)]
    pub fn try_max_dim(&self, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extreme_dim(dim, keepdim, true)
    }

    /// `x.min(dim, keepdim)`: the smallest values along `dim` and their indices.
    ///
    /// ```
    /// let (v, i) = ember::tensor([[1.0, -7.0], [0.0, 2.0]]).min_dim(0, true);
    /// assert_eq!(v.shape(), &[1, 2]);
    /// assert_eq!(i.to_vec::<i64>(), vec![1, 0]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range or the dim is empty.
    #[panicking(must_use)]
    pub fn try_min_dim(&self, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extreme_dim(dim, keepdim, false)
    }

    fn amax_amin(&self, dims: impl IntList, keepdim: bool, max: bool) -> Result<Tensor> {
        let name = if max { "amax" } else { "amin" };
        let list = dims.into_list();
        // PyTorch names the offending dim as the caller wrote it (`dim -1`), unlike max/min,
        // and checks sizes before repeats.
        if !list.is_empty() && self.dim() > 0 {
            let wrapped = list
                .iter()
                .map(|&r| wrap_dim(r, self.dim()))
                .collect::<Result<Vec<_>>>()?;
            if let Some((raw, _)) = list
                .iter()
                .zip(&wrapped)
                .find(|&(_, &w)| self.shape()[w] == 0)
            {
                bail!(
                    IndexOutOfRange,
                    "{name}(): Expected reduction dim {raw} to have non-zero size."
                );
            }
        } else {
            self.check_has_identity_free(name, None)?;
        }
        let d = self.reduce_dims(list.clone())?;
        let op = if max { ReduceOp::Max } else { ReduceOp::Min };
        let out = self.reduce_raw(op, &d, keepdim)?;
        if needs_grad(&[self]) {
            record(
                f::AmaxBackward {
                    name: if max {
                        "AmaxBackward0"
                    } else {
                        "AminBackward0"
                    },
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

    /// `x.amax(dim, keepdim)`: the maximum over `dims` (all when empty). The gradient is
    /// split evenly among ties.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 7.0], [9.0, 2.0]]);
    /// assert_eq!(x.amax(1, false).to_vec::<f32>(), vec![7.0, 9.0]);
    /// assert_eq!(x.amax((), false).item::<f32>(), 9.0);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range, repeated, or empty.
    #[panicking(must_use)]
    pub fn try_amax(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.amax_amin(dims, keepdim, true)
    }

    /// `x.amin(dim, keepdim)`: the minimum over `dims` (all when empty).
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 7.0], [9.0, 2.0]]);
    /// assert_eq!(x.amin([0, 1], false).item::<f32>(), 1.0);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range, repeated, or empty.
    #[panicking(must_use)]
    pub fn try_amin(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.amax_amin(dims, keepdim, false)
    }

    fn arg_extreme(&self, dim: Option<(i64, bool)>, max: bool) -> Result<Tensor> {
        let name = if max { "argmax" } else { "argmin" };
        if self.dtype() == crate::DType::Bool {
            bail!(DType, "{name}(): does not support bool input");
        }
        let op = if max {
            ReduceOp::ArgMax
        } else {
            ReduceOp::ArgMin
        };
        match dim {
            None => {
                if self.numel() == 0 {
                    bail!(
                        IndexOutOfRange,
                        "{name}(): Expected reduction dim to be specified for input.numel() == 0."
                    );
                }
                self.reduce_raw(op, &[], false)
            }
            Some((dim, keepdim)) => {
                let d = wrap_dim(dim, self.dim())?;
                self.check_has_identity_free(name, Some(&[d]))?;
                let dims: &[usize] = if self.dim() == 0 { &[] } else { &[d] };
                self.reduce_raw(op, dims, keepdim)
            }
        }
    }

    /// `x.argmax()`: the index of the largest element in the flattened tensor (int64; the
    /// first occurrence, or the first NaN).
    ///
    /// ```
    /// assert_eq!(ember::tensor([[1.0, 7.0], [9.0, 2.0]]).argmax().item::<i64>(), 2);
    /// ```
    ///
    /// # Errors
    /// If the tensor is empty.
    #[panicking(must_use)]
    pub fn try_argmax(&self) -> Result<Tensor> {
        self.arg_extreme(None, true)
    }

    /// `x.argmax(dim, keepdim)`.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 7.0], [9.0, 2.0]]);
    /// assert_eq!(x.argmax_dim(1, false).to_vec::<i64>(), vec![1, 0]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range or the dim is empty.
    #[panicking(must_use)]
    pub fn try_argmax_dim(&self, dim: i64, keepdim: bool) -> Result<Tensor> {
        self.arg_extreme(Some((dim, keepdim)), true)
    }

    /// `x.argmin()`: the index of the smallest element in the flattened tensor.
    ///
    /// ```
    /// assert_eq!(ember::tensor([3, 1, 2]).argmin().item::<i64>(), 1);
    /// ```
    ///
    /// # Errors
    /// If the tensor is empty.
    #[panicking(must_use)]
    pub fn try_argmin(&self) -> Result<Tensor> {
        self.arg_extreme(None, false)
    }

    /// `x.argmin(dim, keepdim)`.
    ///
    /// ```
    /// let x = ember::tensor([[1.0, 7.0], [9.0, 2.0]]);
    /// assert_eq!(x.argmin_dim(0, true).to_vec::<i64>(), vec![0, 1]);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range or the dim is empty.
    #[panicking(must_use)]
    pub fn try_argmin_dim(&self, dim: i64, keepdim: bool) -> Result<Tensor> {
        self.arg_extreme(Some((dim, keepdim)), false)
    }

    /// `x.all()`: whether every element is nonzero (bool; uint8 for a uint8 tensor, as
    /// PyTorch). True for an empty tensor.
    ///
    /// ```
    /// assert!(ember::tensor([1.0, 2.0]).all().item::<bool>());
    /// assert!(!ember::tensor([1, 0]).all().item::<bool>());
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_all(&self) -> Result<Tensor> {
        self.reduce_raw(ReduceOp::All, &[], false)
    }

    /// `x.all(dim, keepdim)`; `dim` may be one dim or a list (an empty list tests each element on its own, as PyTorch's `dim=[]`).
    ///
    /// ```
    /// let x = ember::tensor([[true, false], [true, true]]);
    /// assert_eq!(x.all_dim(1, false).to_vec::<bool>(), vec![false, true]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range or repeated.
    #[panicking(must_use)]
    pub fn try_all_dim(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.logical_reduce_dims(dims, keepdim, ReduceOp::All)
    }

    /// `all`/`any` over `dims`. An explicitly empty list reduces over no dim at all in
    /// PyTorch (unlike `sum`'s): each element is tested on its own and the shape is kept.
    fn logical_reduce_dims(
        &self,
        dims: impl IntList,
        keepdim: bool,
        op: ReduceOp,
    ) -> Result<Tensor> {
        let list = dims.into_list();
        if list.is_empty() && self.dim() > 0 {
            let t = self.try_ne(0.0)?;
            // uint8 in, uint8 out (PyTorch's all/any keep uint8).
            return if self.dtype() == crate::DType::U8 {
                t.try_to_dtype(crate::DType::U8)
            } else {
                Ok(t)
            };
        }
        let d = self.reduce_dims(list)?;
        self.reduce_raw(op, &d, keepdim)
    }

    /// `x.any()`: whether some element is nonzero (NaN counts as nonzero). False for an
    /// empty tensor.
    ///
    /// ```
    /// assert!(ember::tensor([0.0, f32::NAN]).any().item::<bool>());
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_any(&self) -> Result<Tensor> {
        self.reduce_raw(ReduceOp::Any, &[], false)
    }

    /// `x.any(dim, keepdim)`; `dim` may be one dim or a list (an empty list tests each element on its own, as PyTorch's `dim=[]`).
    ///
    /// ```
    /// let x = ember::tensor([[0, 0], [0, 3]]);
    /// assert_eq!(x.any_dim(0, false).to_vec::<bool>(), vec![false, true]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range or repeated.
    #[panicking(must_use)]
    pub fn try_any_dim(&self, dims: impl IntList, keepdim: bool) -> Result<Tensor> {
        self.logical_reduce_dims(dims, keepdim, ReduceOp::Any)
    }
}

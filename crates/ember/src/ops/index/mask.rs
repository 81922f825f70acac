//! The mask ops: `masked_fill`, `masked_fill_`, `masked_select`, and `nonzero`.

use crate::autograd::inplace::{inplace_needs_grad, record_inplace};
use crate::error::{Result, bail};
use crate::ops::index::formulas as f;
use crate::shape::broadcast_shapes;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Scalar, Tensor};
use ember_derive::panicking;

impl Tensor {
    fn check_mask(mask: &Tensor, op: &str) -> Result<()> {
        if mask.dtype() != DType::Bool {
            bail!(
                DType,
                "{op} only supports boolean masks, but got mask with dtype {}",
                mask.dtype().cpp_type_name()
            );
        }
        Ok(())
    }

    /// `x.masked_fill(mask, value)`: `value` where the bool `mask` (broadcast) is true.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0, 3.0]);
    /// let y = x.masked_fill(&ember::tensor([true, false, true]), -1.0);
    /// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 2.0, -1.0]);
    /// ```
    ///
    /// # Errors
    /// If `mask` is not bool or the shapes do not broadcast.
    #[panicking(must_use)]
    pub fn try_masked_fill(&self, mask: &Tensor, value: impl Into<Scalar>) -> Result<Tensor> {
        Tensor::check_mask(mask, "masked_fill_")?;
        self.check_same_device(mask)?;
        let v = self.scalar_like(value.into(), self.dtype())?;
        let out = {
            let _g = crate::no_grad();
            crate::try_where_(mask, &v, self)?
        };
        if needs_grad(&[self]) {
            let mask = mask.detach();
            record(
                f::MaskedFillBackward,
                &[self],
                &[&out],
                &[Save::Tensor(&mask)],
            );
        }
        Ok(out)
    }

    /// `x.masked_fill_(mask, value)`: in place; `mask` must broadcast to `x`'s shape.
    ///
    /// ```
    /// let x = ember::zeros([2, 2]);
    /// x.masked_fill_(&ember::tensor([true, false]), 5.0);
    /// assert_eq!(x.to_vec::<f32>(), vec![5.0, 0.0, 5.0, 0.0]);
    /// assert_eq!(x.version(), 1);
    /// ```
    ///
    /// # Errors
    /// If `mask` is not bool or does not broadcast to `x`, or as the in-place checks of
    /// autograd.
    #[panicking]
    pub fn try_masked_fill_(&self, mask: &Tensor, value: impl Into<Scalar>) -> Result<Tensor> {
        Tensor::check_mask(mask, "masked_fill_")?;
        self.check_same_device(mask)?;
        self.check_inplace()?;
        let ml = mask.layout().expand(self.shape())?;
        let v = self.scalar_like(value.into(), self.dtype())?;
        let filled = {
            let m = mask.view_as_layout(ml);
            let _g = crate::no_grad();
            crate::try_where_(&m, &v, self)?
        };
        kernel::copy(filled.arg(), self.arg())?;
        self.bump_version();
        if self.dtype().is_floating_point() && inplace_needs_grad(self, &[]) {
            let mask = mask.detach();
            record_inplace(f::MaskedFillBackward, &[self], &[Save::Tensor(&mask)])?;
        }
        Ok(self.clone())
    }

    /// `x.masked_select(mask)`: the elements where the bool `mask` is true (both broadcast),
    /// as a 1-D tensor.
    ///
    /// ```
    /// let x = ember::tensor([[1, 2], [3, 4]]);
    /// let y = x.masked_select(&ember::tensor([false, true]));
    /// assert_eq!(y.to_vec::<i64>(), vec![2, 4]);
    /// ```
    ///
    /// # Errors
    /// If `mask` is not bool or the shapes do not broadcast.
    #[panicking(must_use)]
    pub fn try_masked_select(&self, mask: &Tensor) -> Result<Tensor> {
        Tensor::check_mask(mask, "masked_select:")?;
        self.check_same_device(mask)?;
        let shape = broadcast_shapes(mask.shape(), self.shape())?;
        let xl = self.layout().expand(&shape)?;
        let ml = mask.layout().expand(&shape)?;
        let (x, m) = (self.view_as_layout(xl), mask.view_as_layout(ml));
        let idx = m.nonzero_values()?;
        let dims: Vec<usize> = (0..shape.len()).collect();
        let n = match idx.first() {
            Some(c) => c.len(),
            None => usize::from(m.try_to_vec::<bool>()?.first().copied().unwrap_or(false)),
        };
        let out = x.take_rows_raw(&dims, &idx, n, 0)?;
        if needs_grad(&[self]) {
            let mask = mask.detach();
            record(
                f::MaskedSelectBackward,
                &[self],
                &[&out],
                &[Save::Tensor(&mask)],
            );
        }
        Ok(out)
    }

    /// The coordinates of the nonzero elements, one list per dim.
    pub(crate) fn nonzero_values(&self) -> Result<Vec<Vec<i64>>> {
        if !self.has_data() {
            return Err(crate::error::data_dependent("nonzero"));
        }
        let flags = self.try_to_vec::<bool>()?;
        let nd = self.dim();
        let mut out = vec![Vec::new(); nd];
        let mut coord = vec![0usize; nd];
        for &fl in &flags {
            if fl {
                for (o, &c) in out.iter_mut().zip(&coord) {
                    o.push(c as i64);
                }
            }
            for d in (0..nd).rev() {
                coord[d] += 1;
                if coord[d] < self.shape()[d] {
                    break;
                }
                coord[d] = 0;
            }
        }
        Ok(out)
    }

    /// `x.nonzero()`: the indices of the nonzero elements, as an int64 tensor of shape
    /// `[count, ndim]`.
    ///
    /// ```
    /// let x = ember::tensor([[0, 1], [2, 0]]);
    /// assert_eq!(x.nonzero().to_vec::<i64>(), vec![0, 1, 1, 0]);
    /// ```
    ///
    /// # Errors
    /// Never on the CPU; kept fallible for other devices.
    #[panicking(must_use)]
    pub fn try_nonzero(&self) -> Result<Tensor> {
        let cols = self.nonzero_values()?;
        let nd = self.dim();
        let n = match cols.first() {
            Some(c) => c.len(),
            None => usize::from(self.try_to_vec::<bool>()?.first().copied().unwrap_or(false)),
        };
        let mut data = Vec::with_capacity(n * nd);
        for b in 0..n {
            data.extend(cols.iter().map(|c| c[b]));
        }
        Tensor::try_from_vec(data, [n, nd])
    }
}

//! Derivatives of reductions.

use crate::error::Result;
use crate::shape::Dims;
use crate::tensor::graph::formula::{Ctx, Formula, when};
use crate::{DType, Tensor};

/// Puts reduced dims back as size 1 (`keepdim=False` results) and expands to `input`
/// (PyTorch's `sum_backward`).
pub(crate) fn expand_reduced(
    g: &Tensor,
    input: &[usize],
    dims: &[usize],
    keepdim: bool,
) -> Result<Tensor> {
    let mut g = g.clone();
    if !keepdim && !input.is_empty() {
        let mut sorted = dims.to_vec();
        sorted.sort_unstable();
        for d in sorted {
            g = g.try_unsqueeze(d as i64)?;
        }
    }
    g.try_expand(input)
}

/// `sum()` (`SumBackward0`) and `sum(dims, keepdim)` (`SumBackward1`).
pub(crate) struct SumBackward {
    pub input: Dims,
    /// `None` for the full reduction.
    pub dims: Option<Vec<usize>>,
    pub keepdim: bool,
}

impl Formula for SumBackward {
    fn name(&self) -> &'static str {
        if self.dims.is_some() {
            "SumBackward1"
        } else {
            "SumBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || match &self.dims {
            None => g.try_expand(&self.input),
            Some(d) => expand_reduced(g, &self.input, d, self.keepdim),
        })?])
    }
}

/// `mean()` (`MeanBackward0`) and `mean(dims, keepdim)` (`MeanBackward1`).
pub(crate) struct MeanBackward {
    pub input: Dims,
    pub dims: Option<Vec<usize>>,
    pub keepdim: bool,
    pub count: usize,
}

impl Formula for MeanBackward {
    fn name(&self) -> &'static str {
        if self.dims.is_some() {
            "MeanBackward1"
        } else {
            "MeanBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let e = match &self.dims {
                None => g.try_expand(&self.input)?,
                Some(d) => expand_reduced(g, &self.input, d, self.keepdim)?,
            };
            // PyTorch's mean_backward divides by the count as a C++ Scalar (DivBackward1
            // under create_graph).
            e.scale_scalar(self.count as f64, true)
        })?])
    }
}

/// Puts reduced dims back as size 1 when the op dropped them (PyTorch's
/// `restore_reduced_dims`/`unsqueeze_multiple`), without expanding.
fn unsqueeze_reduced(t: &Tensor, dims: &[usize], keepdim: bool, ndim: usize) -> Result<Tensor> {
    let mut t = t.clone();
    if !keepdim && ndim > 0 && t.dim() < ndim {
        let mut sorted = dims.to_vec();
        sorted.sort_unstable();
        for d in sorted {
            t = t.try_unsqueeze(d as i64)?;
        }
    }
    Ok(t)
}

/// Whether any element of `t` is zero (never, where the device holds no data: either
/// branch of the formula gives the same shapes).
fn has_zero(t: &Tensor) -> Result<bool> {
    if !t.has_data() {
        return Ok(false);
    }
    t.try_eq(0.0)?.try_any()?.try_item::<bool>()
}

/// `max()`/`min()` (`MaxBackward1`, `MinBackward1`): the gradient is split evenly among
/// the elements equal to the result (the NaNs when it is NaN). Saves input and result.
pub(crate) struct EvenlyDistributeBackward {
    pub name: &'static str,
}

impl Formula for EvenlyDistributeBackward {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let (x, r) = (ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            let mask = if r.has_data() && r.try_item::<f64>()?.is_nan() {
                x.try_ne(x)?
            } else {
                x.try_eq(r)?
            };
            let share = g.try_div(&mask.try_sum()?)?;
            crate::try_where_(&mask, &share, 0.0)
        })?])
    }
}

/// `max(dim)`/`min(dim)` (`MaxBackward0`, `MinBackward0`): the gradient goes to the
/// selected index of each slice (PyTorch's `value_selecting_reduction_backward`). Saves
/// the indices.
pub(crate) struct SelectBackward {
    pub name: &'static str,
    pub input: Dims,
    pub dim: usize,
    pub keepdim: bool,
}

impl Formula for SelectBackward {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let idx = ctx.saved(0);
        Ok(vec![when(ctx.needs(0), || {
            if self.input.is_empty() {
                return Ok(g.clone());
            }
            let n = self.input.len();
            let g = unsqueeze_reduced(g, &[self.dim], self.keepdim, n)?;
            let idx = unsqueeze_reduced(idx, &[self.dim], self.keepdim, n)?;
            // A one-hot mask along `dim` (the scatter of PyTorch's formula).
            let mut shape = vec![1i64; n];
            shape[self.dim] = self.input[self.dim] as i64;
            let positions =
                crate::try_arange_with(0i64, shape[self.dim], 1i64, (DType::I64, g.device()))?
                    .try_view(shape)?;
            crate::try_where_(&positions.try_eq(&idx)?, &g, 0.0)
        })?])
    }
}

/// `amax`/`amin` (`AmaxBackward0`, `AminBackward0`): the gradient is split evenly among
/// ties in each slice. Saves input and result.
pub(crate) struct AmaxBackward {
    pub name: &'static str,
    pub dims: Vec<usize>,
    pub keepdim: bool,
}

impl Formula for AmaxBackward {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (x, r) = (ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            let n = x.dim();
            let g = unsqueeze_reduced(ctx.grad()?, &self.dims, self.keepdim, n)?;
            let r = unsqueeze_reduced(r, &self.dims, self.keepdim, n)?;
            let mask = r.try_eq(x)?;
            g.try_div(&mask.try_sum_dim(&self.dims, true)?)?
                .try_mul(&mask)
        })?])
    }
}

/// `prod()` (`ProdBackward0`) and `prod(dim)` (`ProdBackward1`): `grad * result / input`,
/// or, when the input holds zeros, the product of the other elements of each slice
/// (nonzero only where the slice has at most one zero). Saves input and result.
pub(crate) struct ProdBackward {
    pub dim: Option<usize>,
    pub keepdim: bool,
}

impl Formula for ProdBackward {
    fn name(&self) -> &'static str {
        if self.dim.is_some() {
            "ProdBackward1"
        } else {
            "ProdBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (x, r) = (ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            let g = ctx.grad()?;
            if x.dim() == 0 {
                return Ok(g.clone());
            }
            let dims: Vec<usize> = match self.dim {
                Some(d) => vec![d],
                None => (0..x.dim()).collect(),
            };
            let g = unsqueeze_reduced(g, &dims, self.keepdim || self.dim.is_none(), x.dim())?;
            let r = unsqueeze_reduced(r, &dims, self.keepdim || self.dim.is_none(), x.dim())?;
            if !has_zero(x)? {
                return g.try_mul(&r.try_div(x)?);
            }
            // PyTorch's prod_safe_zeros_backward: the product of the other elements of each
            // slice as exclusive cumulative products from both ends, so NaN and inf in the
            // others propagate exactly as in PyTorch (a division would turn inf/inf into NaN).
            match self.dim {
                Some(d) => g.try_mul(&others_product(x, d)?),
                None => {
                    // Over everything, PyTorch gives zeros outright past one zero.
                    let zeros = x.try_eq(0.0)?.try_sum()?.try_item::<i64>()?;
                    if zeros > 1 {
                        return crate::try_zeros_like(x);
                    }
                    let flat = x.try_reshape([-1])?;
                    g.try_mul(&others_product(&flat, 0)?.try_reshape(x.shape())?)
                }
            }
        })?])
    }
}

/// `out[i] = prod(x[j] for j != i)` along `d`.
fn others_product(x: &Tensor, d: usize) -> Result<Tensor> {
    let n = x.shape()[d];
    let one = crate::try_ones_like(&x.try_narrow(d as i64, 0, 1)?)?;
    let rest = x.try_narrow(d as i64, 0, n - 1)?;
    let left = crate::try_cat(&[&one, &rest], d as i64)?.try_cumprod(d as i64)?;
    let rev = x.try_flip([d as i64])?;
    let rev_rest = rev.try_narrow(d as i64, 0, n - 1)?;
    let right = crate::try_cat(&[&one, &rev_rest], d as i64)?
        .try_cumprod(d as i64)?
        .try_flip([d as i64])?;
    left.try_mul(&right)
}

/// `var` (`VarBackward0`): `2 / (n - correction) * grad * (x - mean)`. Saves the input.
pub(crate) struct VarBackward {
    /// `None` for the reduction over everything.
    pub dims: Option<Vec<usize>>,
    pub correction: f64,
    pub keepdim: bool,
}

impl VarBackward {
    fn grad(&self, g: &Tensor, x: &Tensor) -> Result<Tensor> {
        match &self.dims {
            None => {
                let dof = x.numel() as f64 - self.correction;
                let mean = x.try_mean()?;
                if dof <= 0.0 {
                    // inf * (x - mean): NaN where x equals the mean, inf elsewhere.
                    let w = crate::try_where_(&x.try_eq(&mean)?, f64::NAN, f64::INFINITY)?;
                    g.try_mul(&w)
                } else {
                    g.try_mul(2.0 / dof)?.try_mul(&x.try_sub(&mean)?)
                }
            }
            Some(dims) => {
                let g = if x.dim() > 1 {
                    unsqueeze_reduced(g, dims, self.keepdim, x.dim())?
                } else {
                    g.clone()
                };
                let n: usize = dims.iter().map(|&d| x.shape()[d]).product();
                let mean = x.try_mean_dim(dims, true)?;
                g.try_mul(2.0 / (n as f64 - self.correction))?
                    .try_mul(&x.try_sub(&mean)?)
            }
        }
    }
}

impl Formula for VarBackward {
    fn name(&self) -> &'static str {
        "VarBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            self.grad(ctx.grad()?, ctx.saved(0))
        })?])
    }
}

/// `std` (`StdBackward0`): the variance's gradient of `grad / (2 std)`, zero where the
/// standard deviation is zero. Saves input and result.
pub(crate) struct StdBackward(pub VarBackward);

impl Formula for StdBackward {
    fn name(&self) -> &'static str {
        "StdBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (x, r) = (ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            let gv = ctx.grad()?.try_div(&r.try_mul(2.0)?)?;
            let gv = crate::try_where_(&r.try_eq(0.0)?, 0.0, &gv)?;
            self.0.grad(&gv, x)
        })?])
    }
}

/// `linalg.vector_norm` / `norm` (`LinalgVectorNormBackward0`), PyTorch's `norm_backward`
/// case by case. Saves input and result.
pub(crate) struct NormBackward {
    pub ord: f64,
    /// The reduced dims (every dim for the full reduction).
    pub dims: Vec<usize>,
    pub keepdim: bool,
}

impl Formula for NormBackward {
    fn name(&self) -> &'static str {
        "LinalgVectorNormBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let p = self.ord;
        // The 0-"norm" counts elements: PyTorch returns no gradient at all.
        if !ctx.needs(0) || p == 0.0 {
            return Ok(vec![None]);
        }
        let (x, r) = (ctx.saved(0), ctx.saved(1));
        let g = unsqueeze_reduced(ctx.grad()?, &self.dims, self.keepdim, x.dim())?;
        let r = unsqueeze_reduced(r, &self.dims, self.keepdim, x.dim())?;
        let zero_where_r0 = |t: &Tensor| crate::try_where_(&r.try_eq(0.0)?, 0.0, t);
        let gx = if p == 1.0 {
            x.try_sign()?.try_mul(&g)?
        } else if p == 2.0 {
            g.try_mul(&zero_where_r0(&x.try_div(&r)?)?)?
        } else if p.is_infinite() {
            let a = x.try_abs()?;
            let mask = a.try_eq(&r)?.try_logical_or(&a.try_ne(&a)?)?;
            let share = g.try_div(&mask.try_sum_dim(&self.dims, true)?)?;
            x.try_sign()?.try_mul(&share.try_mul(&mask)?)?
        } else if p < 1.0 {
            let pw = crate::try_where_(&x.try_eq(0.0)?, 0.0, &x.try_abs()?.try_pow(p - 1.0)?)?;
            x.try_sign()?
                .try_mul(&pw)?
                .try_mul(&g)?
                .try_mul(&r.try_pow(1.0 - p)?)?
        } else {
            let scaled = if p < 2.0 {
                x.try_sign()?.try_mul(&x.try_abs()?.try_pow(p - 1.0)?)?
            } else {
                x.try_mul(&x.try_abs()?.try_pow(p - 2.0)?)?
            };
            scaled.try_mul(&zero_where_r0(&g.try_div(&r.try_pow(p - 1.0)?)?)?)?
        };
        Ok(vec![Some(gx)])
    }
}

/// `logsumexp` (`LogsumexpBackward0`): `grad * exp(x - result)`. Saves input and result.
pub(crate) struct LogsumexpBackward {
    pub dims: Vec<usize>,
    pub keepdim: bool,
}

impl Formula for LogsumexpBackward {
    fn name(&self) -> &'static str {
        "LogsumexpBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (x, r) = (ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            let g = unsqueeze_reduced(ctx.grad()?, &self.dims, self.keepdim, x.dim())?;
            let r = unsqueeze_reduced(r, &self.dims, self.keepdim, x.dim())?;
            g.try_mul(&x.try_sub(&r)?.try_exp()?)
        })?])
    }
}

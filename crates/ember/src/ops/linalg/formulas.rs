//! Derivatives of the matrix products: PyTorch's `derivatives.yaml` entries for `dot`, `mv`,
//! `mm`, `bmm`, `addmm`, `addbmm`, `baddbmm`, `addmv` and `trace`, and the in-place
//! `squeeze_(0)` that `matmul` applies to a vector-matrix product.
//!
//! Note [Saving matmul operands]
//! Each product saves an operand only when the *other* one needs a gradient (the gradient of
//! `a` in `a @ b` reads `b`, and vice versa), as PyTorch's generated code does. So updating
//! a weight in place under `no_grad` after `x.mm(&w)` is no error when `x` does not require
//! grad, and a saved operand holds no memory the backward pass cannot use.

use crate::Tensor;
use crate::error::Result;
use crate::tensor::graph::formula::{Ctx, Formula, when};
use crate::tensor::graph::node::Save;

/// PyTorch's `maybe_multiply`: `t * s`, or `t` itself when `s == 1`.
pub(crate) fn maybe_multiply(t: Tensor, s: f64) -> Result<Tensor> {
    if s == 1.0 { Ok(t) } else { t.try_mul(s) }
}

/// Which of the two product operands `a`, `b` are saved. See Note [Saving matmul operands].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair {
    a: bool,
    b: bool,
}

impl Pair {
    pub fn of(a: &Tensor, b: &Tensor) -> Pair {
        Pair {
            a: b.requires_grad(),
            b: a.requires_grad(),
        }
    }

    /// The save list, `a` first.
    pub fn saves<'t>(&self, a: &'t Tensor, b: &'t Tensor) -> Vec<Save<'t>> {
        let mut v = Vec::with_capacity(2);
        if self.a {
            v.push(Save::Tensor(a));
        }
        if self.b {
            v.push(Save::Tensor(b));
        }
        v
    }

    fn a<'c>(&self, ctx: &'c Ctx<'_>) -> &'c Tensor {
        ctx.saved(0)
    }

    fn b<'c>(&self, ctx: &'c Ctx<'_>) -> &'c Tensor {
        ctx.saved(self.a as usize)
    }
}

/// `self.dot(other)` (`DotBackward0`).
pub(crate) struct DotBackward(pub Pair);

impl Formula for DotBackward {
    fn name(&self) -> &'static str {
        "DotBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || g.try_mul(self.0.b(ctx)))?,
            when(ctx.needs(1), || g.try_mul(self.0.a(ctx)))?,
        ])
    }
}

/// `self.mv(vec)` (`MvBackward0`).
pub(crate) struct MvBackward(pub Pair);

impl Formula for MvBackward {
    fn name(&self) -> &'static str {
        "MvBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || g.try_outer(self.0.b(ctx)))?,
            when(ctx.needs(1), || self.0.a(ctx).try_t()?.try_mv(g))?,
        ])
    }
}

/// A matrix's sizes and strides, which the `mm` gradients look at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatGeom {
    pub sizes: [usize; 2],
    pub strides: [usize; 2],
}

impl MatGeom {
    pub fn of(t: &Tensor) -> MatGeom {
        let (s, st) = (t.shape(), t.stride());
        MatGeom {
            sizes: [s[0], s[1]],
            strides: [st[0], st[1]],
        }
    }

    /// Column-major, as `x.t()` of a contiguous matrix.
    fn col_major(&self) -> bool {
        self.strides[0] == 1 && self.strides[1] == self.sizes[0]
    }
}

/// PyTorch's `mm_mat1_backward`: the gradient of `mat1` in `alpha * mat1 @ mat2`, laid out
/// column-major when `mat1` was.
fn mm_mat1_backward(g: &Tensor, mat2: &Tensor, mat1: MatGeom, alpha: f64) -> Result<Tensor> {
    let r = if mat1.col_major() {
        mat2.try_mm(&g.try_t()?)?.try_t()?
    } else {
        g.try_mm(&mat2.try_t()?)?
    };
    maybe_multiply(r, alpha)
}

/// PyTorch's `mm_mat2_backward`.
fn mm_mat2_backward(g: &Tensor, mat1: &Tensor, mat2: MatGeom, alpha: f64) -> Result<Tensor> {
    let r = if mat2.col_major() {
        g.try_t()?.try_mm(mat1)?.try_t()?
    } else {
        mat1.try_t()?.try_mm(g)?
    };
    maybe_multiply(r, alpha)
}

/// `self.mm(mat2)` (`MmBackward0`).
pub(crate) struct MmBackward {
    pub pair: Pair,
    pub mat1: MatGeom,
    pub mat2: MatGeom,
}

impl Formula for MmBackward {
    fn name(&self) -> &'static str {
        "MmBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || {
                mm_mat1_backward(g, self.pair.b(ctx), self.mat1, 1.0)
            })?,
            when(ctx.needs(1), || {
                mm_mat2_backward(g, self.pair.a(ctx), self.mat2, 1.0)
            })?,
        ])
    }
}

/// `self.bmm(mat2)` (`BmmBackward0`).
pub(crate) struct BmmBackward(pub Pair);

impl Formula for BmmBackward {
    fn name(&self) -> &'static str {
        "BmmBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || {
                g.try_bmm(&self.0.b(ctx).try_transpose(1, 2)?)
            })?,
            when(ctx.needs(1), || {
                self.0.a(ctx).try_transpose(1, 2)?.try_bmm(g)
            })?,
        ])
    }
}

/// `input.addmm(mat1, mat2, beta, alpha)` (`AddmmBackward0`); inputs are `input, mat1, mat2`.
pub(crate) struct AddmmBackward {
    pub pair: Pair,
    pub mat1: MatGeom,
    pub mat2: MatGeom,
    pub beta: f64,
    pub alpha: f64,
}

impl Formula for AddmmBackward {
    fn name(&self) -> &'static str {
        "AddmmBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || maybe_multiply(g.clone(), self.beta))?,
            when(ctx.needs(1), || {
                mm_mat1_backward(g, self.pair.b(ctx), self.mat1, self.alpha)
            })?,
            when(ctx.needs(2), || {
                mm_mat2_backward(g, self.pair.a(ctx), self.mat2, self.alpha)
            })?,
        ])
    }
}

/// `input.addbmm(batch1, batch2, beta, alpha)` (`AddbmmBackward0`): the sum over the batch
/// is undone by expanding the gradient along it.
pub(crate) struct AddbmmBackward {
    pub pair: Pair,
    /// `[batch1.size(0), batch1.size(1), batch2.size(2)]`.
    pub expand: [usize; 3],
    pub beta: f64,
    pub alpha: f64,
}

impl Formula for AddbmmBackward {
    fn name(&self) -> &'static str {
        "AddbmmBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let ge = || g.try_unsqueeze(0)?.try_expand(self.expand);
        Ok(vec![
            when(ctx.needs(0), || maybe_multiply(g.clone(), self.beta))?,
            when(ctx.needs(1), || {
                let b2t = self.pair.b(ctx).try_transpose(1, 2)?;
                maybe_multiply(ge()?.try_bmm(&b2t)?, self.alpha)
            })?,
            when(ctx.needs(2), || {
                let b1t = self.pair.a(ctx).try_transpose(1, 2)?;
                maybe_multiply(b1t.try_bmm(&ge()?)?, self.alpha)
            })?,
        ])
    }
}

/// `input.baddbmm(batch1, batch2, beta, alpha)` (`BaddbmmBackward0`).
pub(crate) struct BaddbmmBackward {
    pub pair: Pair,
    pub beta: f64,
    pub alpha: f64,
}

impl Formula for BaddbmmBackward {
    fn name(&self) -> &'static str {
        "BaddbmmBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || maybe_multiply(g.clone(), self.beta))?,
            when(ctx.needs(1), || {
                let b2t = self.pair.b(ctx).try_transpose(1, 2)?;
                maybe_multiply(g.try_bmm(&b2t)?, self.alpha)
            })?,
            when(ctx.needs(2), || {
                let b1t = self.pair.a(ctx).try_transpose(1, 2)?;
                maybe_multiply(b1t.try_bmm(g)?, self.alpha)
            })?,
        ])
    }
}

/// `input.addmv(mat, vec, beta, alpha)` (`AddmvBackward0`).
pub(crate) struct AddmvBackward {
    pub pair: Pair,
    pub beta: f64,
    pub alpha: f64,
}

impl Formula for AddmvBackward {
    fn name(&self) -> &'static str {
        "AddmvBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![
            when(ctx.needs(0), || maybe_multiply(g.clone(), self.beta))?,
            when(ctx.needs(1), || {
                maybe_multiply(g.try_outer(self.pair.b(ctx))?, self.alpha)
            })?,
            when(ctx.needs(2), || {
                maybe_multiply(self.pair.a(ctx).try_t()?.try_mv(g)?, self.alpha)
            })?,
        ])
    }
}

/// `x.trace()` (`TraceBackward0`): the gradient sits on the diagonal.
pub(crate) struct TraceBackward {
    pub rows: usize,
    pub cols: usize,
}

impl Formula for TraceBackward {
    fn name(&self) -> &'static str {
        "TraceBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let eye = crate::ops::linalg::tri_mask(self.rows, self.cols, 0, 0, g)?;
            eye.try_mul(g)
        })?])
    }
}

/// The in-place `squeeze_(dim)` that ends `matmul` of a vector and a matrix
/// (`SqueezeBackward4`).
pub(crate) struct SqueezeInplaceBackward(pub usize);

impl Formula for SqueezeInplaceBackward {
    fn name(&self) -> &'static str {
        "SqueezeBackward4"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || g.try_unsqueeze(self.0 as i64))?])
    }
}

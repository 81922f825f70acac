//! Derivatives of the dense linear algebra: `linalg_inv_ex`, `linalg_det`, `linalg_solve_ex`,
//! `linalg_cholesky_ex` and `linalg_solve_triangular`, after PyTorch's `FunctionsManual.cpp`.

use crate::Tensor;
use crate::error::Result;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// `A.mT()`: the transpose of the last two dims (`A.mH()` for real tensors).
fn mt(t: &Tensor) -> Result<Tensor> {
    t.try_transpose(-2, -1)
}

/// `d[..., None, None]`: a per-matrix scalar, broadcast over its matrix.
fn per_matrix(d: &Tensor) -> Result<Tensor> {
    d.try_unsqueeze(-1)?.try_unsqueeze(-1)
}

/// `linalg.inv(A)` (`LinalgInvExBackward0`): `-A^{-T} G A^{-T}`; saves the inverse.
pub(crate) struct LinalgInvExBackward;

impl Formula for LinalgInvExBackward {
    fn name(&self) -> &'static str {
        "LinalgInvExBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let inv_t = mt(ctx.saved(0))?;
            inv_t.try_matmul(&g.try_matmul(&inv_t)?)?.try_neg()
        })?])
    }
}

/// `linalg.det(A)` (`LinalgDetBackward0`); saves `A` and the determinant.
///
/// The gradient is the cofactor matrix times the incoming gradient, `g det A^{-T}`. As in
/// PyTorch, a plain backward computes it from an LU whose exact-zero pivots are replaced by
/// epsilon, so it is `g det A^{-T}` for an invertible matrix and exactly zero for a singular
/// one (its determinant is zero); under `create_graph` it is computed with differentiable ops,
/// and for (nearly) singular matrices through the SVD, which gives the true cofactors.
pub(crate) struct LinalgDetBackward;

impl Formula for LinalgDetBackward {
    fn name(&self) -> &'static str {
        "LinalgDetBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let (a, det) = (ctx.saved(0), ctx.saved(1));
        Ok(vec![when(ctx.needs(0), || {
            if a.numel() == 0 {
                return crate::try_zeros_with(a.shape(), (a.dtype(), a.device()));
            }
            let d = per_matrix(&g.try_mul(det)?)?;
            if !crate::is_grad_enabled() {
                return d.try_mul(&mt(&a.inverse_perturbed_raw()?)?);
            }
            let n = a.shape()[a.dim() - 1];
            let eye = crate::ops::linalg::tri_mask(n, n, 0, 0, a)?;
            let eps = if a.dtype() == crate::DType::F32 {
                f32::EPSILON as f64
            } else {
                f64::EPSILON
            };
            let singular = det.detach().try_abs()?.try_lt(100.0 * eps)?;
            let flags = singular.try_to_vec::<bool>()?;
            let singular_part = || per_matrix(g)?.try_mul(&a.cofactor_raw()?);
            if flags.iter().all(|&s| s) {
                return singular_part();
            }
            // Solving with a singular matrix would fail: those take the identity instead,
            // and their gradient comes from the SVD below.
            let any_singular = flags.iter().any(|&s| s);
            let mask = per_matrix(&singular)?;
            let a_safe = if any_singular {
                crate::where_(&mask, &eye, a)
            } else {
                a.clone()
            };
            let nonsingular = mt(&a_safe)?.try_linalg_solve(&d.try_mul(&eye)?)?;
            if !any_singular {
                return Ok(nonsingular);
            }
            crate::try_where_(&mask, &singular_part()?, &nonsingular)
        })?])
    }
}

/// `linalg.solve(A, B)` (`LinalgSolveExBackward0`): `gB = A^{-T} gX`, `gA = -gB X^T`; saves
/// `A` and the solution `X`.
pub(crate) struct LinalgSolveExBackward {
    /// `B` was a vector (or a batch of vectors).
    pub vector: bool,
}

impl Formula for LinalgSolveExBackward {
    fn name(&self) -> &'static str {
        "LinalgSolveExBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        if !ctx.needs(0) && !ctx.needs(1) {
            return Ok(vec![None, None]);
        }
        let (a, x) = (ctx.saved(0), ctx.saved(1));
        let to_mat = |t: &Tensor| {
            if self.vector {
                t.try_unsqueeze(-1)
            } else {
                Ok(t.clone())
            }
        };
        let gb = mt(a)?.try_linalg_solve(&to_mat(ctx.grad()?)?)?;
        let ga = when(ctx.needs(0), || gb.try_matmul(&mt(&to_mat(x)?)?)?.try_neg())?;
        let gb = when(ctx.needs(1), || {
            if self.vector {
                gb.try_squeeze_dim(-1)
            } else {
                Ok(gb.clone())
            }
        })?;
        Ok(vec![ga, gb])
    }
}

/// `linalg.cholesky(A, upper)` (`LinalgCholeskyExBackward0`), Iain Murray's formula
/// (arXiv:1602.07527) as PyTorch's `cholesky_backward`; saves the factor.
pub(crate) struct LinalgCholeskyExBackward {
    pub upper: bool,
}

impl Formula for LinalgCholeskyExBackward {
    fn name(&self) -> &'static str {
        "LinalgCholeskyExBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            let (mut l, mut gl) = (ctx.saved(0).clone(), ctx.grad()?.clone());
            if self.upper {
                l = mt(&l)?;
                gl = mt(&gl)?;
            }
            // tril(L^H gL) needs no tril of gL: L^H triu(gL, 1) is strictly upper.
            let ga = mt(&l)?.try_matmul(&gl)?.tri_masked(0, true)?;
            // 0.5 * (gA + gA^H - diag(gA)).
            let ga = ga.try_add(&mt(&ga.tri_masked(-1, true)?)?)?.try_mul(0.5)?;
            let ga = mt(&l)?.try_linalg_solve_triangular(&ga, true, true, false)?;
            l.try_linalg_solve_triangular(&ga, false, false, false)
        })?])
    }
}

/// `linalg.solve_triangular(A, B, upper, left, unitriangular)`
/// (`LinalgSolveTriangularBackward0`); saves `A` and the solution `X`.
pub(crate) struct LinalgSolveTriangularBackward {
    pub upper: bool,
    pub left: bool,
    pub unit: bool,
}

impl Formula for LinalgSolveTriangularBackward {
    fn name(&self) -> &'static str {
        "LinalgSolveTriangularBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        if !ctx.needs(0) && !ctx.needs(1) {
            return Ok(vec![None, None]);
        }
        let (a, x) = (ctx.saved(0), ctx.saved(1));
        let gb =
            mt(a)?.try_linalg_solve_triangular(ctx.grad()?, !self.upper, self.left, self.unit)?;
        let ga = when(ctx.needs(0), || {
            let xt = mt(x)?;
            let ga = if self.left {
                gb.try_matmul(&xt)?
            } else {
                xt.try_matmul(&gb)?
            }
            .try_neg()?;
            let k = self.unit as i64;
            if self.upper {
                ga.tri_masked(k, false)
            } else {
                ga.tri_masked(-k, true)
            }
        })?;
        Ok(vec![ga, when(ctx.needs(1), || Ok(gb.clone()))?])
    }
}

//! Golden dispatch for the linalg family.

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    let arg = |i: usize| inputs.get(i);
    let beta = kw.f64("beta").unwrap_or(1.0);
    let alpha = kw.f64("alpha").unwrap_or(1.0);
    match op {
        "dot" => one(x.try_dot(arg(1)?)),
        "mv" => one(x.try_mv(arg(1)?)),
        "mm" => one(x.try_mm(arg(1)?)),
        "bmm" => one(x.try_bmm(arg(1)?)),
        "matmul" => one(x.try_matmul(arg(1)?)),
        "outer" | "ger" => one(x.try_outer(arg(1)?)),
        "addmm" => one(x.try_addmm_with(arg(1)?, arg(2)?, beta, alpha)),
        "addbmm" => one(x.try_addbmm_with(arg(1)?, arg(2)?, beta, alpha)),
        "baddbmm" => one(x.try_baddbmm_with(arg(1)?, arg(2)?, beta, alpha)),
        "addmv" => one(x.try_addmv_with(arg(1)?, arg(2)?, beta, alpha)),
        "trace" => one(x.try_trace()),
        "inverse" => one(x.try_inverse()),
        "linalg_inv" => one(x.try_linalg_inv()),
        "det" => one(x.try_det()),
        "linalg_det" => one(x.try_linalg_det()),
        "linalg_solve" => one(x.try_linalg_solve(arg(1)?)),
        "linalg_cholesky" => one(x.try_linalg_cholesky_with(kw.bool("upper").unwrap_or(false))),
        "linalg_solve_triangular" => one(x.try_linalg_solve_triangular(
            arg(1)?,
            kw.bool("upper").unwrap_or(false),
            kw.bool("left").unwrap_or(true),
            kw.bool("unitriangular").unwrap_or(false),
        )),
        _ => None,
    }
}

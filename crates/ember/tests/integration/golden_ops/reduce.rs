//! Golden dispatch for reductions.

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;

/// `(values, indices)` as the two outputs of `max(dim)`/`min(dim)`.
fn pair(r: ember::Result<(Tensor, Tensor)>) -> Option<OpResult> {
    Some(r.map(|(v, i)| vec![v, i]))
}

/// PyTorch's `correction`, or `unbiased` (default true).
fn correction(kw: &Kw) -> f64 {
    kw.f64("correction")
        .unwrap_or(if kw.bool("unbiased").unwrap_or(true) {
            1.0
        } else {
            0.0
        })
}

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    let keepdim = kw.bool("keepdim").unwrap_or(false);
    let dims = kw.ints("dim");
    match op {
        "sum" => match dims {
            Some(d) => one(x.try_sum_dim(d, keepdim)),
            None => one(x.try_sum()),
        },
        "mean" => match dims {
            Some(d) => one(x.try_mean_dim(d, keepdim)),
            None => one(x.try_mean()),
        },
        "prod" => match kw.i64("dim") {
            Some(d) => one(x.try_prod_dim(d, keepdim)),
            None => one(x.try_prod()),
        },
        "max" => match kw.i64("dim") {
            Some(d) => pair(x.try_max_dim(d, keepdim)),
            None => one(x.try_max()),
        },
        "min" => match kw.i64("dim") {
            Some(d) => pair(x.try_min_dim(d, keepdim)),
            None => one(x.try_min()),
        },
        "amax" => one(x.try_amax(dims.unwrap_or_default(), keepdim)),
        "amin" => one(x.try_amin(dims.unwrap_or_default(), keepdim)),
        "argmax" => match kw.i64("dim") {
            Some(d) => one(x.try_argmax_dim(d, keepdim)),
            None => one(x.try_argmax()),
        },
        "argmin" => match kw.i64("dim") {
            Some(d) => one(x.try_argmin_dim(d, keepdim)),
            None => one(x.try_argmin()),
        },
        "var" => one(x.try_var_with(dims.unwrap_or_default(), correction(kw), keepdim)),
        "std" => one(x.try_std_with(dims.unwrap_or_default(), correction(kw), keepdim)),
        "norm" => one(x.try_norm_with(
            kw.f64("p").unwrap_or(2.0),
            dims.unwrap_or_default(),
            keepdim,
        )),
        "logsumexp" => one(x.try_logsumexp(dims.unwrap_or_default(), keepdim)),
        "cumsum" => one(x.try_cumsum(kw.i64("dim")?)),
        "cumprod" => one(x.try_cumprod(kw.i64("dim")?)),
        "all" => match dims {
            Some(d) => one(x.try_all_dim(d, keepdim)),
            None => one(x.try_all()),
        },
        "any" => match dims {
            Some(d) => one(x.try_any_dim(d, keepdim)),
            None => one(x.try_any()),
        },
        _ => None,
    }
}

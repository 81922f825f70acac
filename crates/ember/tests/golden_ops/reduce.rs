//! Golden dispatch for reductions.

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    let keepdim = kw.bool("keepdim").unwrap_or(false);
    match op {
        "sum" => match kw.ints("dim") {
            Some(d) => one(x.try_sum_dim(d, keepdim)),
            None => one(x.try_sum()),
        },
        "mean" => match kw.ints("dim") {
            Some(d) => one(x.try_mean_dim(d, keepdim)),
            None => one(x.try_mean()),
        },
        _ => None,
    }
}

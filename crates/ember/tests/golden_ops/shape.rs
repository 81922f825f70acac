//! Golden dispatch for shape ops.

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    match op {
        "reshape" => one(x.try_reshape(kw.ints("shape")?)),
        "view" => one(x.try_view(kw.ints("shape")?)),
        "transpose" => one(x.try_transpose(kw.i64("dim0")?, kw.i64("dim1")?)),
        "permute" => one(x.try_permute(kw.ints("dims")?)),
        "t" => one(x.try_t()),
        "squeeze" => match kw.ints("dim") {
            Some(d) => one(x.try_squeeze_dim(d)),
            None => one(x.try_squeeze()),
        },
        "unsqueeze" => one(x.try_unsqueeze(kw.i64("dim")?)),
        "expand" => one(x.try_expand(kw.ints("size")?)),
        "narrow" => one(x.try_narrow(kw.i64("dim")?, kw.i64("start")?, kw.i64("length")? as usize)),
        "select" => one(x.try_select(kw.i64("dim")?, kw.i64("index")?)),
        "contiguous" => one(x.try_contiguous()),
        _ => None,
    }
}

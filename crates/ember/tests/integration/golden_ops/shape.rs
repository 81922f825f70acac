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
        "flatten" => one(x.try_flatten(
            kw.i64("start_dim").unwrap_or(0),
            kw.i64("end_dim").unwrap_or(-1),
        )),
        "repeat" => one(x.try_repeat(kw.ints("repeats")?)),
        "cat" | "stack" => {
            let refs: Vec<&Tensor> = inputs.iter().collect();
            let dim = kw.i64("dim").unwrap_or(0);
            one(if op == "cat" {
                ember::try_cat(&refs, dim)
            } else {
                ember::try_stack(&refs, dim)
            })
        }
        "split" => {
            let dim = kw.i64("dim").unwrap_or(0);
            Some(match kw.get("split_size")? {
                serde_json::Value::Array(_) => x.try_split_with_sizes(kw.ints("split_size")?, dim),
                v => x.try_split(v.as_u64()? as usize, dim),
            })
        }
        "chunk" => Some(x.try_chunk(kw.i64("chunks")? as usize, kw.i64("dim").unwrap_or(0))),
        "unbind" => Some(x.try_unbind(kw.i64("dim").unwrap_or(0))),
        "flip" => one(x.try_flip(kw.ints("dims")?)),
        "tril" => one(x.try_tril(kw.i64("diagonal").unwrap_or(0))),
        "triu" => one(x.try_triu(kw.i64("diagonal").unwrap_or(0))),
        "diag" => one(x.try_diag(kw.i64("diagonal").unwrap_or(0))),
        "roll" => one(x.try_roll(kw.ints("shifts")?, kw.ints("dims").unwrap_or_default())),
        "movedim" => one(x.try_movedim(kw.ints("source")?, kw.ints("destination")?)),
        _ => None,
    }
}

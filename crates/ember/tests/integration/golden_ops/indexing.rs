//! Golden dispatch for the indexing family.

use super::spec::Kw;
use super::{OpResult, one};
use ember::{Tensor, TensorIndex};
use serde_json::Value;

/// One item of a `getitem` index: an int, `"start:stop:step"`, `"None"` or `"..."`.
fn index_item(v: &Value) -> Option<TensorIndex> {
    if let Some(i) = v.as_i64() {
        return Some(TensorIndex::Select(i));
    }
    match v.as_str()? {
        "None" => Some(TensorIndex::NewAxis),
        "..." => Some(TensorIndex::Ellipsis),
        s => {
            let parts: Vec<&str> = s.split(':').collect();
            let part = |i: usize| -> Option<Option<i64>> {
                match parts.get(i).copied().unwrap_or("") {
                    "" => Some(None),
                    p => p.parse().ok().map(Some),
                }
            };
            Some(TensorIndex::Slice {
                start: part(0)?,
                stop: part(1)?,
                step: part(2)?.unwrap_or(1),
            })
        }
    }
}

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    match op {
        "getitem" => {
            let items = kw
                .get("index")?
                .as_array()?
                .iter()
                .map(index_item)
                .collect::<Option<Vec<_>>>()?;
            one(x.try_i(items))
        }
        "getitem_mask" | "getitem_tensor" => one(x.try_i(inputs.get(1)?)),
        "index_select" => one(x.try_index_select(kw.i64("dim")?, inputs.get(1)?)),
        "gather" => one(x.try_gather(kw.i64("dim")?, inputs.get(1)?)),
        "scatter_add" => one(x.try_scatter_add(kw.i64("dim")?, inputs.get(1)?, inputs.get(2)?)),
        "index_add" => one(x.try_index_add(
            kw.i64("dim")?,
            inputs.get(1)?,
            inputs.get(2)?,
            kw.scalar("alpha").unwrap_or(ember::Scalar::Int(1)),
        )),
        "masked_fill" => one(x.try_masked_fill(inputs.get(1)?, kw.scalar("value")?)),
        "masked_select" => one(x.try_masked_select(inputs.get(1)?)),
        "nonzero" => one(x.try_nonzero()),
        _ => None,
    }
}

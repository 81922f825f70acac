//! Golden dispatch for normalisation, embedding, dropout and padding
//! (`torch.nn.functional`).

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;
use ember::nn::functional as F;

fn usizes(kw: &Kw, k: &str) -> Option<Vec<usize>> {
    kw.ints(k)?
        .into_iter()
        .map(|v| usize::try_from(v).ok())
        .collect()
}

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    match op {
        "layer_norm" => one(F::layer_norm(
            x,
            &usizes(kw, "normalized_shape")?,
            inputs.get(1),
            inputs.get(2),
            kw.f64("eps").unwrap_or(1e-5),
        )),
        "group_norm" => one(F::group_norm(
            x,
            usize::try_from(kw.i64("num_groups")?).ok()?,
            inputs.get(1),
            inputs.get(2),
            kw.f64("eps").unwrap_or(1e-5),
        )),
        "batch_norm" => one(F::batch_norm(
            x,
            inputs.get(3),
            inputs.get(4),
            F::BatchNormOptions {
                weight: inputs.get(1),
                bias: inputs.get(2),
                training: kw.bool("training").unwrap_or(false),
                momentum: kw.f64("momentum").unwrap_or(0.1),
                eps: kw.f64("eps").unwrap_or(1e-5),
            },
        )),
        "pad" => one(F::pad(
            x,
            &kw.ints("pad")?,
            kw.str("mode").unwrap_or("constant").parse().ok()?,
            kw.f64("value"),
        )),
        "dropout" => one(F::dropout(
            x,
            kw.f64("p").unwrap_or(0.5),
            kw.bool("training").unwrap_or(true),
        )),
        "embedding" => one(F::embedding(x, inputs.get(1)?, kw.i64("padding_idx"))),
        "one_hot" => one(F::one_hot(x, kw.i64("num_classes").unwrap_or(-1))),
        "normalize" => one(F::normalize(
            x,
            kw.f64("p").unwrap_or(2.0),
            kw.i64("dim").unwrap_or(1),
            kw.f64("eps").unwrap_or(1e-12),
        )),
        "cosine_similarity" => one(F::cosine_similarity(
            x,
            inputs.get(1)?,
            kw.i64("dim").unwrap_or(1),
            kw.f64("eps").unwrap_or(1e-8),
        )),
        _ => None,
    }
}

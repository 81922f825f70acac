//! Golden dispatch for `torch.nn.functional`.

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;
use ember::nn::functional as F;

fn reduction(kw: &Kw) -> Option<F::Reduction> {
    kw.str("reduction").unwrap_or("mean").parse().ok()
}

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    match op {
        "mse_loss" => one(F::mse_loss(x, inputs.get(1)?, reduction(kw)?)),
        "l1_loss" => one(F::l1_loss(x, inputs.get(1)?, reduction(kw)?)),
        "huber_loss" => one(F::huber_loss(
            x,
            inputs.get(1)?,
            reduction(kw)?,
            kw.f64("delta").unwrap_or(1.0),
        )),
        "smooth_l1_loss" => one(F::smooth_l1_loss(
            x,
            inputs.get(1)?,
            reduction(kw)?,
            kw.f64("beta").unwrap_or(1.0),
        )),
        "binary_cross_entropy" => one(F::binary_cross_entropy(x, inputs.get(1)?, reduction(kw)?)),
        "binary_cross_entropy_with_logits" => one(F::binary_cross_entropy_with_logits(
            x,
            inputs.get(1)?,
            reduction(kw)?,
        )),
        "linear" => one(F::linear(x, inputs.get(1)?, inputs.get(2))),
        "softmax" => one(F::softmax(x, kw.i64("dim")?)),
        "log_softmax" => one(F::log_softmax(x, kw.i64("dim")?)),
        "nll_loss" => one(F::nll_loss(
            x,
            inputs.get(1)?,
            F::NllLossOptions {
                weight: inputs.get(2),
                ignore_index: kw.i64("ignore_index").unwrap_or(-100),
                reduction: reduction(kw)?,
            },
        )),
        "cross_entropy" => one(F::cross_entropy(
            x,
            inputs.get(1)?,
            F::CrossEntropyOptions {
                weight: inputs.get(2),
                ignore_index: kw.i64("ignore_index").unwrap_or(-100),
                reduction: reduction(kw)?,
                label_smoothing: kw.f64("label_smoothing").unwrap_or(0.0),
            },
        )),
        "scaled_dot_product_attention" => one(F::scaled_dot_product_attention(
            x,
            inputs.get(1)?,
            inputs.get(2)?,
            F::SdpaOptions {
                attn_mask: inputs.get(3),
                dropout_p: kw.f64("dropout_p").unwrap_or(0.0),
                is_causal: kw.bool("is_causal").unwrap_or(false),
                scale: kw.f64("scale"),
                enable_gqa: kw.bool("enable_gqa").unwrap_or(false),
            },
        )),
        _ => None,
    }
}

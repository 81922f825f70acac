//! Golden dispatch for `torch.nn.functional`.

use super::spec::Kw;
use super::{OpResult, one};
use ember::Tensor;
use ember::nn::functional as F;

/// An int-or-list keyword as `N` per-dim sizes (`default` when absent).
fn dims<const N: usize>(kw: &Kw, k: &str, default: i64) -> Option<[i64; N]> {
    match kw.ints(k) {
        None => Some([default; N]),
        Some(v) if v.len() == 1 => Some([v[0]; N]),
        Some(v) => v.try_into().ok(),
    }
}

fn conv_opts<const N: usize>(kw: &Kw) -> Option<F::ConvOptions<N>> {
    Some(F::ConvOptions {
        stride: dims(kw, "stride", 1)?,
        padding: dims(kw, "padding", 0)?,
        dilation: dims(kw, "dilation", 1)?,
        groups: kw.i64("groups").unwrap_or(1),
        padding_str: None,
    })
}

fn pool_stride(kw: &Kw) -> Option<Option<[i64; 2]>> {
    Some(match kw.get("stride") {
        None => None,
        Some(_) => Some(dims(kw, "stride", 1)?),
    })
}

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    // A bad `reduction` is the op's error (PyTorch: "avg is not a valid value for reduction").
    let red = match kw
        .str("reduction")
        .unwrap_or("mean")
        .parse::<F::Reduction>()
    {
        Ok(r) => r,
        Err(e) if kw.get("reduction").is_some() => return Some(Err(e)),
        Err(_) => F::Reduction::Mean,
    };
    match op {
        "mse_loss" => one(F::mse_loss(x, inputs.get(1)?, red)),
        "l1_loss" => one(F::l1_loss(x, inputs.get(1)?, red)),
        "huber_loss" => one(F::huber_loss(
            x,
            inputs.get(1)?,
            red,
            kw.f64("delta").unwrap_or(1.0),
        )),
        "smooth_l1_loss" => one(F::smooth_l1_loss(
            x,
            inputs.get(1)?,
            red,
            kw.f64("beta").unwrap_or(1.0),
        )),
        "binary_cross_entropy" => one(F::binary_cross_entropy(x, inputs.get(1)?, red)),
        "binary_cross_entropy_with_logits" => {
            one(F::binary_cross_entropy_with_logits(x, inputs.get(1)?, red))
        }
        "linear" => one(F::linear(x, inputs.get(1)?, inputs.get(2))),
        // `dtype=` casts the input first, as PyTorch does.
        "softmax" | "log_softmax" => {
            let x = match kw.str("dtype") {
                Some(d) => match ember::DType::from_name(d) {
                    Some(dt) => x.to_dtype(dt),
                    None => return Some(Err(ember::Error::Value(format!("bad dtype {d}")))),
                },
                None => x.clone(),
            };
            let dim = kw.i64("dim")?;
            one(if op == "softmax" {
                F::softmax(&x, dim)
            } else {
                F::log_softmax(&x, dim)
            })
        }
        "nll_loss" => one(F::nll_loss(
            x,
            inputs.get(1)?,
            F::NllLossOptions {
                weight: inputs.get(2),
                ignore_index: kw.i64("ignore_index").unwrap_or(-100),
                reduction: red,
            },
        )),
        "cross_entropy" => one(F::cross_entropy(
            x,
            inputs.get(1)?,
            F::CrossEntropyOptions {
                weight: inputs.get(2),
                ignore_index: kw.i64("ignore_index").unwrap_or(-100),
                reduction: red,
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
        "conv1d" => one(F::conv1d(x, inputs.get(1)?, inputs.get(2), conv_opts(kw)?)),
        "conv2d" => one(F::conv2d(x, inputs.get(1)?, inputs.get(2), conv_opts(kw)?)),
        "conv_transpose2d" => one(F::conv_transpose2d(
            x,
            inputs.get(1)?,
            inputs.get(2),
            F::ConvTranspose2dOptions {
                stride: dims(kw, "stride", 1)?,
                padding: dims(kw, "padding", 0)?,
                output_padding: dims(kw, "output_padding", 0)?,
                groups: kw.i64("groups").unwrap_or(1),
                dilation: dims(kw, "dilation", 1)?,
            },
        )),
        "max_pool2d" => one(F::max_pool2d(
            x,
            F::MaxPool2dOptions {
                kernel_size: dims(kw, "kernel_size", 1)?,
                stride: pool_stride(kw)?,
                padding: dims(kw, "padding", 0)?,
                dilation: dims(kw, "dilation", 1)?,
                ceil_mode: kw.bool("ceil_mode").unwrap_or(false),
            },
        )),
        "avg_pool2d" => one(F::avg_pool2d(
            x,
            F::AvgPool2dOptions {
                kernel_size: dims(kw, "kernel_size", 1)?,
                stride: pool_stride(kw)?,
                padding: dims(kw, "padding", 0)?,
                ceil_mode: kw.bool("ceil_mode").unwrap_or(false),
                count_include_pad: kw.bool("count_include_pad").unwrap_or(true),
                divisor_override: kw.i64("divisor_override"),
            },
        )),
        "adaptive_avg_pool2d" => {
            // `None` in output_size keeps that input size.
            let s = x.shape();
            let os = match kw.get("output_size").and_then(|v| v.as_array()) {
                Some(a) if a.len() == 2 && s.len() >= 2 => {
                    let n = s.len();
                    [
                        a[0].as_i64().unwrap_or(s[n - 2] as i64),
                        a[1].as_i64().unwrap_or(s[n - 1] as i64),
                    ]
                }
                _ => dims::<2>(kw, "output_size", 1)?,
            };
            one(F::adaptive_avg_pool2d(x, os))
        }
        "unfold" => one(F::unfold(
            x,
            F::FoldOptions {
                kernel_size: dims(kw, "kernel_size", 1)?,
                dilation: dims(kw, "dilation", 1)?,
                padding: dims(kw, "padding", 0)?,
                stride: dims(kw, "stride", 1)?,
            },
        )),
        _ => None,
    }
}

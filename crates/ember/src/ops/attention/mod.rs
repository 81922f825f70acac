//! `F.scaled_dot_product_attention`, taking the path PyTorch's CPU dispatcher takes so that
//! `grad_fn` reads the same: 3-D inputs gain a leading dim (`UnsqueezeBackward0`) and lose
//! it again (`SqueezeBackward1`); 4-D inputs of one batch and head shape with equal head
//! sizes and no dropout go through one fused node
//! (`ScaledDotProductFlashAttentionForCpuBackward0`); everything else is the math
//! composite (`softmax(q kᵀ · scale + mask) @ v`) built from public ops.

pub(crate) mod formulas;

use crate::error::{Result, bail};
use crate::ops::attention::formulas as f;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{DType, Tensor, TensorOptions};

/// Keyword arguments of [`scaled_dot_product_attention`] (PyTorch's defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct SdpaOptions<'a> {
    /// A bool mask (`true` = may attend) or a float mask added to the scores, broadcastable
    /// to `[..., L, S]`.
    pub attn_mask: Option<&'a Tensor>,
    /// Dropout probability on the attention weights (default 0).
    pub dropout_p: f64,
    /// Masks out keys after each query position (top-left aligned `tril`).
    pub is_causal: bool,
    /// The scores' scale; default `1 / sqrt(E)`.
    pub scale: Option<f64>,
    /// Grouped-query attention: `k` and `v` may have fewer heads (dim -3) than `q`.
    pub enable_gqa: bool,
}

/// `F.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal,
/// scale, enable_gqa)`: `softmax(q kᵀ · scale + mask) @ v` over the last two dims. Rows
/// whose keys are all masked give zeros, as in PyTorch.
///
/// ```
/// use ember::nn::functional::{SdpaOptions, scaled_dot_product_attention};
/// let q = ember::ones([2, 3, 4]);
/// let kv = ember::rand([2, 5, 4]);
/// let opts = SdpaOptions { is_causal: true, ..Default::default() };
/// let y = scaled_dot_product_attention(&q, &kv, &kv, opts).unwrap();
/// assert_eq!(y.shape(), &[2, 3, 4]);
/// // The first query sees only the first key.
/// assert_eq!(y.i((0, 0)).to_vec::<f32>(), kv.i((0, 0)).to_vec::<f32>());
/// ```
///
/// # Errors
/// If an input has fewer than 2 dims, the dtypes differ or are not floating, a mask is given
/// with `is_causal`, `dropout_p` is outside `[0, 1]`, or the shapes do not fit.
pub fn scaled_dot_product_attention(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    opts: SdpaOptions<'_>,
) -> Result<Tensor> {
    let (q, k, v) = (query, key, value);
    if q.dim() < 2 || k.dim() < 2 || v.dim() < 2 {
        bail!(
            Shape,
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: {} key.dim: {} and value.dim: {} instead.",
            q.dim(),
            k.dim(),
            v.dim()
        );
    }
    if q.dtype() != k.dtype() || q.dtype() != v.dtype() {
        bail!(
            DType,
            "Expected query, key, and value to have the same dtype, but got query.dtype: {} key.dtype: {} and value.dtype: {} instead.",
            type_meta(q.dtype()),
            type_meta(k.dtype()),
            type_meta(v.dtype())
        );
    }
    if !q.dtype().is_floating_point() {
        // PyTorch's math kernel fails when it meets the (float) scale factor.
        bail!(
            DType,
            "expected scalar type Float but found {}",
            q.dtype().scalar_type_name()
        );
    }
    if opts.is_causal && opts.attn_mask.is_some() {
        bail!(
            Value,
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"
        );
    }
    if !(0.0..=1.0).contains(&opts.dropout_p) {
        bail!(
            Value,
            "dropout probability has to be between 0 and 1, but got {}",
            opts.dropout_p
        );
    }
    if q.dim() == 3 && k.dim() == 3 && v.dim() == 3 {
        let out = scaled_dot_product_attention(
            &q.try_unsqueeze(0)?,
            &k.try_unsqueeze(0)?,
            &v.try_unsqueeze(0)?,
            opts,
        )?;
        return out.try_squeeze_dim(0);
    }
    let scale = opts
        .scale
        .unwrap_or_else(|| 1.0 / (*q.shape().last().unwrap_or(&1) as f64).sqrt());
    let bias = mask_bias(q, k, opts)?;
    if fused_eligible(q, k, v, opts) {
        return fused(q, k, v, bias.as_ref(), scale, opts.enable_gqa);
    }
    let (k, v) = if opts.enable_gqa {
        (repeat_heads(k, q)?, repeat_heads(v, q)?)
    } else {
        (k.clone(), v.clone())
    };
    let mut p = attention_probs(q, &k, bias.as_ref(), scale)?;
    if opts.dropout_p > 0.0 {
        p = crate::ops::dropout::dropout(&p, opts.dropout_p, true)?;
    }
    p.try_matmul(&v)
}

/// How PyTorch's messages print a dtype's element type (`caffe2::TypeMeta`): `float`, `double`.
fn type_meta(dt: DType) -> String {
    dt.scalar_type_name().to_ascii_lowercase()
}

/// The mask as an additive bias in the query's dtype (`-inf` where attention is barred).
fn mask_bias(q: &Tensor, k: &Tensor, opts: SdpaOptions<'_>) -> Result<Option<Tensor>> {
    let (l, s) = (q.shape()[q.dim() - 2], k.shape()[k.dim() - 2]);
    let allowed = if opts.is_causal {
        crate::try_full_with(
            [l, s],
            true,
            TensorOptions::new().dtype(DType::Bool).device(q.device()),
        )?
        .try_tril(0)?
    } else {
        match opts.attn_mask {
            None => return Ok(None),
            Some(m) if m.dtype() == DType::Bool => m.clone(),
            Some(m) => return Ok(Some(m.clone())),
        }
    };
    additive_mask(&allowed.try_logical_not()?, q.dtype()).map(Some)
}

/// A bool mask as an additive float mask of dtype `dt`: `-inf` where `barred`, else 0.
pub(crate) fn additive_mask(barred: &Tensor, dt: DType) -> Result<Tensor> {
    crate::try_full_with(
        barred.shape(),
        0.0,
        TensorOptions::new().dtype(dt).device(barred.device()),
    )?
    .try_masked_fill(barred, f64::NEG_INFINITY)
}

/// PyTorch's CPU flash kernel takes 4-D inputs of one batch and head shape (or whole groups
/// of query heads per key head under GQA), one head size, and no dropout.
fn fused_eligible(q: &Tensor, k: &Tensor, v: &Tensor, opts: SdpaOptions<'_>) -> bool {
    let (qs, ks, vs) = (q.shape(), k.shape(), v.shape());
    let heads_ok = if opts.enable_gqa {
        ks[1] == vs[1] && ks[1] > 0 && qs[1] % ks[1] == 0
    } else {
        qs[1] == ks[1] && ks[1] == vs[1]
    };
    // A mask that needs a gradient takes the math path, which gives it one (PyTorch too).
    let mask_grad = opts.attn_mask.is_some_and(|m| m.requires_grad()) && crate::is_grad_enabled();
    q.dim() == 4
        && k.dim() == 4
        && v.dim() == 4
        && !mask_grad
        && opts.dropout_p == 0.0
        && qs[0] == ks[0]
        && ks[0] == vs[0]
        && heads_ok
        && qs[3] == ks[3]
        && ks[3] == vs[3]
        && ks[2] == vs[2]
        && qs[2] > 0
        && ks[2] > 0
}

/// `kv` `[.., Hk, S, E]` with each head repeated for its group of query heads (PyTorch's
/// `repeat_interleave` on dim -3).
pub(crate) fn repeat_heads(kv: &Tensor, q: &Tensor) -> Result<Tensor> {
    let d = kv.dim();
    let (hq, hk) = (q.shape()[q.dim() - 3], kv.shape()[d - 3]);
    if hk == hq {
        return Ok(kv.clone());
    }
    if hk == 0 || hq % hk != 0 {
        bail!(
            Shape,
            "number of heads in key and value must divide the number of heads in query"
        );
    }
    let mut wide = kv.shape().to_vec();
    wide.insert(d - 2, hq / hk);
    let mut shape = kv.shape().to_vec();
    shape[d - 3] = hq;
    kv.try_unsqueeze(d as i64 - 2)?
        .try_expand(wide)?
        .try_reshape(shape)
}

/// `softmax(q kᵀ · scale + bias)` over the keys, with fully masked rows set to zero (PyTorch's
/// `_safe_softmax`) rather than NaN, in value and in gradient.
pub(crate) fn attention_probs(
    q: &Tensor,
    k: &Tensor,
    bias: Option<&Tensor>,
    scale: f64,
) -> Result<Tensor> {
    let mut s = q.try_matmul(&k.try_transpose(-2, -1)?)?.try_mul(scale)?;
    if let Some(b) = bias {
        s = s.try_add(b)?;
    }
    let dead = s.try_amax(-1, true)?.try_eq(f64::NEG_INFINITY)?;
    // Softmax of a finite row, then zeroed: no NaN reaches the gradient of a dead row.
    s.try_masked_fill(&dead, 0.0)?
        .try_softmax(-1)?
        .try_masked_fill(&dead, 0.0)
}

/// The fused path: one node with inputs `q, k, v` (the mask is not differentiated, as in
/// PyTorch's flash kernel).
fn fused(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    bias: Option<&Tensor>,
    scale: f64,
    gqa: bool,
) -> Result<Tensor> {
    let bias = bias.map(Tensor::detach);
    let out = {
        let _g = crate::no_grad();
        let (k, v) = if gqa {
            (repeat_heads(k, q)?, repeat_heads(v, q)?)
        } else {
            (k.clone(), v.clone())
        };
        attention_probs(q, &k, bias.as_ref(), scale)?
            .try_matmul(&v)?
            .try_contiguous()?
    };
    if needs_grad(&[q, k, v]) {
        let mut saves = vec![Save::Tensor(q), Save::Tensor(k), Save::Tensor(v)];
        if let Some(b) = &bias {
            saves.push(Save::Tensor(b));
        }
        let formula = f::FlashAttention {
            scale,
            has_bias: bias.is_some(),
        };
        record(formula, &[q, k, v], &[&out], &saves);
    }
    Ok(out)
}

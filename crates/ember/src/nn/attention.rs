//! `nn.MultiheadAttention`, following `F.multi_head_attention_forward` step by step: the
//! explicit softmax path when attention weights are asked for, `scaled_dot_product_attention`
//! otherwise.

use super::functional::{self as F, SdpaOptions};
use super::module::{ModuleFields, module_repr};
use super::{Buffer, Linear, LinearOptions, Module, Parameter, init};
use crate::error::{OrPanic, Result, bail};
use crate::{DType, Tensor};
use std::any::Any;

/// `nn.modules.linear.NonDynamicallyQuantizableLinear`: the [`Linear`] that
/// `MultiheadAttention` keeps as `out_proj`. PyTorch subclasses `Linear` only to keep dynamic
/// quantization away from it; here it is a `Linear` (it derefs to one) that prints and
/// reports its type under PyTorch's name.
///
/// ```
/// use ember::nn::{Module, NonDynamicallyQuantizableLinear};
/// let l = NonDynamicallyQuantizableLinear::new(4, 2);
/// assert_eq!(l.weight.shape(), &[2, 4]);
/// assert_eq!(l.to_string(), "NonDynamicallyQuantizableLinear(in_features=4, out_features=2, bias=True)");
/// assert_eq!(l.forward(&ember::ones([3, 4])).unwrap().shape(), &[3, 2]);
/// ```
pub struct NonDynamicallyQuantizableLinear(pub Linear);

impl NonDynamicallyQuantizableLinear {
    /// `NonDynamicallyQuantizableLinear(in_features, out_features)`, initialised as
    /// [`Linear::new`].
    ///
    /// # Panics
    /// Never for valid sizes.
    #[track_caller]
    pub fn new(in_features: usize, out_features: usize) -> NonDynamicallyQuantizableLinear {
        NonDynamicallyQuantizableLinear(Linear::new(in_features, out_features))
    }

    /// `NonDynamicallyQuantizableLinear(in_features, out_features, bias=…, dtype=…)`.
    ///
    /// # Errors
    /// As [`Linear::new_with`].
    pub fn new_with(
        in_features: usize,
        out_features: usize,
        opts: LinearOptions,
    ) -> Result<NonDynamicallyQuantizableLinear> {
        Linear::new_with(in_features, out_features, opts).map(NonDynamicallyQuantizableLinear)
    }
}

impl std::ops::Deref for NonDynamicallyQuantizableLinear {
    type Target = Linear;

    fn deref(&self) -> &Linear {
        &self.0
    }
}

impl std::ops::DerefMut for NonDynamicallyQuantizableLinear {
    fn deref_mut(&mut self) -> &mut Linear {
        &mut self.0
    }
}

impl From<Linear> for NonDynamicallyQuantizableLinear {
    fn from(l: Linear) -> Self {
        NonDynamicallyQuantizableLinear(l)
    }
}

/// The inner `Linear`'s registry (so `out_proj.weight`, `out_proj.bias`), under PyTorch's
/// type name.
impl ModuleFields for NonDynamicallyQuantizableLinear {
    fn visit_parameters<'a>(&'a self, v: &mut dyn FnMut(&str, &'a Parameter)) {
        self.0.visit_parameters(v)
    }
    fn visit_parameters_mut(&mut self, v: &mut dyn FnMut(&str, &mut Parameter)) {
        self.0.visit_parameters_mut(v)
    }
    fn visit_buffers<'a>(&'a self, v: &mut dyn FnMut(&str, &'a Buffer)) {
        self.0.visit_buffers(v)
    }
    fn visit_buffers_mut(&mut self, v: &mut dyn FnMut(&str, &mut Buffer)) {
        self.0.visit_buffers_mut(v)
    }
    fn visit_children<'a>(&'a self, v: &mut dyn FnMut(&str, &'a dyn Module)) {
        self.0.visit_children(v)
    }
    fn visit_children_mut(&mut self, v: &mut dyn FnMut(&str, &mut dyn Module)) {
        self.0.visit_children_mut(v)
    }
    fn type_name(&self) -> &'static str {
        "NonDynamicallyQuantizableLinear"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn own_training(&self) -> Option<bool> {
        self.0.own_training()
    }
    fn set_own_training(&mut self, mode: bool) {
        self.0.set_own_training(mode)
    }
    fn extra_repr(&self) -> String {
        self.0.extra_repr()
    }
}

impl Module for NonDynamicallyQuantizableLinear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.0.forward(x)
    }
}

impl std::fmt::Display for NonDynamicallyQuantizableLinear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&module_repr(self))
    }
}

/// Options of [`MultiheadAttention::new_with`] (PyTorch's keywords).
#[derive(Clone, Copy, Debug)]
pub struct MultiheadAttentionOptions {
    /// Dropout on the attention weights while training (default 0).
    pub dropout: f64,
    /// Whether the input and output projections have biases (default true).
    pub bias: bool,
    /// Feature size of keys (default `embed_dim`).
    pub kdim: Option<usize>,
    /// Feature size of values (default `embed_dim`).
    pub vdim: Option<usize>,
    /// Inputs and outputs are `[N, L, E]` instead of `[L, N, E]` (default false).
    pub batch_first: bool,
    /// The parameters' dtype (default: the default float dtype).
    pub dtype: Option<DType>,
}

impl Default for MultiheadAttentionOptions {
    fn default() -> Self {
        MultiheadAttentionOptions {
            dropout: 0.0,
            bias: true,
            kdim: None,
            vdim: None,
            batch_first: false,
            dtype: None,
        }
    }
}

/// Keyword arguments of [`MultiheadAttention::attend`].
#[derive(Clone, Copy, Debug)]
pub struct AttendOptions<'a> {
    /// `[N, S]` (or `[S]` unbatched); `true` (or a float `-inf`) marks keys to ignore.
    pub key_padding_mask: Option<&'a Tensor>,
    /// Whether to return the attention weights (default true).
    pub need_weights: bool,
    /// `[L, S]` or `[N·num_heads, L, S]`; `true` (or a float `-inf`) bars attention.
    pub attn_mask: Option<&'a Tensor>,
    /// Average the returned weights over heads (default true).
    pub average_attn_weights: bool,
    /// A hint that `attn_mask` is the causal mask (which must then be given).
    pub is_causal: bool,
}

impl Default for AttendOptions<'_> {
    fn default() -> Self {
        AttendOptions {
            key_padding_mask: None,
            need_weights: true,
            attn_mask: None,
            average_attn_weights: true,
            is_causal: false,
        }
    }
}

/// `nn.MultiheadAttention(embed_dim, num_heads)`: `num_heads` attention heads over learned
/// projections of query, key and value, with PyTorch's parameter names and initialisation
/// (`in_proj_weight` Xavier-uniform, biases zero, `out_proj` a
/// [`NonDynamicallyQuantizableLinear`]), state-dict keys and printed form.
///
/// `forward(x)` is self-attention without weights; [`MultiheadAttention::attend`] is
/// PyTorch's full `forward(query, key, value, …)`.
///
/// ```
/// use ember::nn::{AttendOptions, Module, MultiheadAttention};
/// let mha = MultiheadAttention::new(8, 2);
/// let x = ember::rand([5, 3, 8]); // [L, N, E]
/// let (y, w) = mha.attend(&x, &x, &x, AttendOptions::default()).unwrap();
/// assert_eq!(y.shape(), &[5, 3, 8]);
/// assert_eq!(w.unwrap().shape(), &[3, 5, 5]);
/// let names: Vec<String> = mha.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
/// assert_eq!(
///     mha.to_string(),
///     "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n)"
/// );
/// ```
#[derive(ember_derive::Module)]
pub struct MultiheadAttention {
    /// `[3·E, E]`: the stacked query/key/value projections when `kdim == vdim == E`.
    pub in_proj_weight: Option<Parameter>,
    /// `[E, E]`: the query projection when key or value sizes differ from `E`.
    pub q_proj_weight: Option<Parameter>,
    /// `[E, kdim]`: the key projection when sizes differ.
    pub k_proj_weight: Option<Parameter>,
    /// `[E, vdim]`: the value projection when sizes differ.
    pub v_proj_weight: Option<Parameter>,
    /// `[3·E]`, if the layer has biases.
    pub in_proj_bias: Option<Parameter>,
    /// The output projection (`out_proj.weight` `[E, E]`, `out_proj.bias` `[E]`).
    pub out_proj: NonDynamicallyQuantizableLinear,
    embed_dim: usize,
    num_heads: usize,
    dropout: f64,
    batch_first: bool,
    training: bool,
}

impl MultiheadAttention {
    /// `nn.MultiheadAttention(embed_dim, num_heads)`.
    ///
    /// # Panics
    /// If `embed_dim` is not divisible by `num_heads`.
    #[track_caller]
    pub fn new(embed_dim: usize, num_heads: usize) -> MultiheadAttention {
        MultiheadAttention::new_with(embed_dim, num_heads, Default::default()).or_panic()
    }

    /// `nn.MultiheadAttention(embed_dim, num_heads, dropout=…, bias=…, kdim=…, vdim=…,
    /// batch_first=…, dtype=…)`.
    ///
    /// ```
    /// use ember::nn::{Module, MultiheadAttention, MultiheadAttentionOptions};
    /// let opts = MultiheadAttentionOptions { kdim: Some(3), vdim: Some(5), bias: false, ..Default::default() };
    /// let mha = MultiheadAttention::new_with(4, 2, opts).unwrap();
    /// assert_eq!(mha.k_proj_weight.as_ref().unwrap().shape(), &[4, 3]);
    /// assert_eq!(mha.named_parameters().len(), 4);
    /// ```
    ///
    /// # Errors
    /// If `embed_dim` or `num_heads` is zero, `embed_dim` is not divisible by `num_heads`,
    /// `dropout` is outside `[0, 1]` or the dtype is not floating.
    pub fn new_with(
        embed_dim: usize,
        num_heads: usize,
        opts: MultiheadAttentionOptions,
    ) -> Result<MultiheadAttention> {
        if embed_dim == 0 || num_heads == 0 {
            bail!(
                Value,
                "embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and num_heads={num_heads} instead"
            );
        }
        if !embed_dim.is_multiple_of(num_heads) {
            bail!(Value, "embed_dim must be divisible by num_heads");
        }
        if !(0.0..=1.0).contains(&opts.dropout) {
            bail!(
                Value,
                "dropout probability has to be between 0 and 1, but got {}",
                crate::optim::py_float(opts.dropout)
            );
        }
        let dt = opts.dtype.unwrap_or_else(crate::get_default_dtype);
        let (kdim, vdim) = (
            opts.kdim.unwrap_or(embed_dim),
            opts.vdim.unwrap_or(embed_dim),
        );
        let empty = |shape: &[usize]| crate::try_empty_with(shape, dt);
        // PyTorch draws the output projection's init first, then resets the input ones.
        let out_proj = NonDynamicallyQuantizableLinear::new_with(
            embed_dim,
            embed_dim,
            LinearOptions {
                bias: opts.bias,
                dtype: Some(dt),
            },
        )?;
        let same = kdim == embed_dim && vdim == embed_dim;
        let proj = |cols: usize, rows: usize| -> Result<Option<Parameter>> {
            let w = empty(&[rows, cols])?;
            init::xavier_uniform_(&w, 1.0)?;
            Ok(Some(Parameter::new(w)?))
        };
        let (in_w, q_w, k_w, v_w) = if same {
            (proj(embed_dim, 3 * embed_dim)?, None, None, None)
        } else {
            let q = proj(embed_dim, embed_dim)?;
            let k = proj(kdim, embed_dim)?;
            (None, q, k, proj(vdim, embed_dim)?)
        };
        let in_b = if opts.bias {
            if let Some(b) = &out_proj.bias {
                init::zeros_(b)?;
            }
            Some(Parameter::new(crate::try_zeros_with([3 * embed_dim], dt)?)?)
        } else {
            None
        };
        Ok(MultiheadAttention {
            in_proj_weight: in_w,
            q_proj_weight: q_w,
            k_proj_weight: k_w,
            v_proj_weight: v_w,
            in_proj_bias: in_b,
            out_proj,
            embed_dim,
            num_heads,
            dropout: opts.dropout,
            batch_first: opts.batch_first,
            training: true,
        })
    }

    /// The query, key and value projection weights.
    fn projections(&self) -> Result<[Tensor; 3]> {
        if let Some(w) = &self.in_proj_weight {
            let c = w.try_chunk(3, 0)?;
            return Ok([c[0].clone(), c[1].clone(), c[2].clone()]);
        }
        match (
            &self.q_proj_weight,
            &self.k_proj_weight,
            &self.v_proj_weight,
        ) {
            (Some(q), Some(k), Some(v)) => Ok([(**q).clone(), (**k).clone(), (**v).clone()]),
            _ => bail!(Value, "MultiheadAttention has no projection weights"),
        }
    }

    /// PyTorch's `forward(query, key, value, key_padding_mask, need_weights, attn_mask,
    /// average_attn_weights, is_causal)`: the attention output and, when asked for, the
    /// weights (`[N, L, S]` averaged over heads, or `[N, num_heads, L, S]`).
    ///
    /// ```
    /// use ember::nn::{AttendOptions, MultiheadAttention};
    /// let mha = MultiheadAttention::new(4, 2);
    /// let q = ember::rand([3, 4]); // unbatched [L, E]
    /// let kv = ember::rand([6, 4]);
    /// let opts = AttendOptions { average_attn_weights: false, ..Default::default() };
    /// let (y, w) = mha.attend(&q, &kv, &kv, opts).unwrap();
    /// assert_eq!(y.shape(), &[3, 4]);
    /// assert_eq!(w.unwrap().shape(), &[2, 3, 6]);
    /// ```
    ///
    /// # Errors
    /// If the inputs are not 2-D/3-D with the module's feature sizes, or a mask's shape
    /// does not fit.
    pub fn attend(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        o: AttendOptions<'_>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let batched = match query.dim() {
            3 => true,
            2 => false,
            d => bail!(
                Shape,
                "query should be unbatched 2D or batched 3D tensor but received {d}-D query tensor"
            ),
        };
        if key.dim() != query.dim() || value.dim() != query.dim() {
            bail!(
                Shape,
                "For {}: Expected key and value to be {}-D but found {}-D and {}-D tensors respectively",
                if batched {
                    "batched (3-D) `query`"
                } else {
                    "unbatched (2-D) `query`"
                },
                query.dim(),
                key.dim(),
                value.dim()
            );
        }
        // Work in PyTorch's [L, N, E] layout.
        let prep = |t: &Tensor| -> Result<Tensor> {
            match (batched, self.batch_first) {
                (true, true) => t.try_transpose(0, 1),
                (true, false) => Ok(t.clone()),
                (false, _) => t.try_unsqueeze(1),
            }
        };
        let (q, k, v) = (prep(query)?, prep(key)?, prep(value)?);
        let kpm = match o.key_padding_mask {
            Some(m) if !batched => Some(m.try_unsqueeze(0)?),
            m => m.cloned(),
        };
        let (l, n, e) = (q.shape()[0], q.shape()[1], q.shape()[2]);
        let s = k.shape()[0];
        if e != self.embed_dim {
            bail!(
                Shape,
                "was expecting embedding dimension of {}, but got {e}",
                self.embed_dim
            );
        }
        if k.shape()[..2] != v.shape()[..2] {
            bail!(
                Shape,
                "key shape {:?} does not match value shape {:?}",
                k.shape(),
                v.shape()
            );
        }
        let (h, hd) = (self.num_heads, self.embed_dim / self.num_heads);
        let [wq, wk, wv] = self.projections()?;
        let b: Vec<Option<Tensor>> = match &self.in_proj_bias {
            Some(b) => b.try_chunk(3, 0)?.into_iter().map(Some).collect(),
            None => vec![None, None, None],
        };
        let q = F::linear(&q, &wq, b[0].as_ref())?;
        let k = F::linear(&k, &wk, b[1].as_ref())?;
        let v = F::linear(&v, &wv, b[2].as_ref())?;

        if o.is_causal && o.attn_mask.is_none() {
            bail!(
                Value,
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask."
            );
        }
        let sdpa_causal = o.is_causal && kpm.is_none() && !o.need_weights;
        let mut mask = match o.attn_mask {
            Some(m) if !sdpa_causal => Some(self.canonical_attn_mask(m, l, n, s, q.dtype())?),
            _ => None,
        };
        if let Some(kpm) = &kpm {
            if kpm.shape() != [n, s] {
                bail!(
                    Shape,
                    "expecting key_padding_mask shape of {:?}, but got {:?}",
                    [n, s],
                    kpm.shape()
                );
            }
            let kpm = float_mask(kpm, q.dtype())?
                .try_view([n as i64, 1, 1, s as i64])?
                .try_expand([n, h, 1, s])?
                .try_reshape([n * h, 1, s])?;
            mask = Some(match mask {
                Some(m) => m.try_add(&kpm)?,
                None => kpm,
            });
        }
        let heads = |t: &Tensor, len: usize| -> Result<Tensor> {
            t.try_view([len, n * h, hd])?.try_transpose(0, 1)
        };
        let (q, k, v) = (heads(&q, l)?, heads(&k, s)?, heads(&v, s)?);
        let p = if self.training { self.dropout } else { 0.0 };
        let out_proj = |a: Tensor| -> Result<Tensor> {
            F::linear(&a, &self.out_proj.weight, self.out_proj.bias.as_deref())?.try_view([l, n, e])
        };

        let (out, weights) = if o.need_weights {
            let qs = q.try_mul((1.0 / hd as f64).sqrt())?;
            let kt = k.try_transpose(-2, -1)?;
            let mut w = match &mask {
                Some(m) => m.try_baddbmm(&qs, &kt)?,
                None => qs.try_bmm(&kt)?,
            }
            .try_softmax(-1)?;
            if p > 0.0 {
                w = F::dropout(&w, p, true)?;
            }
            let a = w
                .try_bmm(&v)?
                .try_transpose(0, 1)?
                .try_contiguous()?
                .try_view([l * n, e])?;
            let w = w.try_view([n, h, l, s])?;
            let w = if o.average_attn_weights {
                w.try_mean_dim(1, false)?
            } else {
                w
            };
            (out_proj(a)?, Some(w))
        } else {
            let mask = match mask {
                Some(m) if m.shape()[0] == 1 => Some(m.try_unsqueeze(0)?),
                Some(m) => Some(m.try_view([n as i64, h as i64, -1, s as i64])?),
                None => None,
            };
            let view4 = |t: &Tensor, len: usize| t.try_view([n, h, len, hd]);
            let a = F::scaled_dot_product_attention(
                &view4(&q, l)?,
                &view4(&k, s)?,
                &view4(&v, s)?,
                SdpaOptions {
                    attn_mask: mask.as_ref(),
                    dropout_p: p,
                    is_causal: sdpa_causal,
                    ..Default::default()
                },
            )?
            .try_permute([2, 0, 1, 3])?
            .try_contiguous()?
            .try_view([n * l, e])?;
            (out_proj(a)?, None)
        };
        if !batched {
            let w = weights.map(|w| w.try_squeeze_dim(0)).transpose()?;
            return Ok((out.try_squeeze_dim(1)?, w));
        }
        let out = if self.batch_first {
            out.try_transpose(1, 0)?
        } else {
            out
        };
        Ok((out, weights))
    }

    /// `attn_mask` as a float `[1 | N·H, L, S]` mask.
    fn canonical_attn_mask(
        &self,
        m: &Tensor,
        l: usize,
        n: usize,
        s: usize,
        dt: DType,
    ) -> Result<Tensor> {
        let m = float_mask(m, dt)?;
        match m.dim() {
            2 if m.shape() == [l, s] => m.try_unsqueeze(0),
            2 => bail!(
                Shape,
                "The shape of the 2D attn_mask is {:?}, but should be {:?}.",
                m.shape(),
                [l, s]
            ),
            3 if m.shape() == [n * self.num_heads, l, s] => Ok(m),
            3 => bail!(
                Shape,
                "The shape of the 3D attn_mask is {:?}, but should be {:?}.",
                m.shape(),
                [n * self.num_heads, l, s]
            ),
            d => bail!(Shape, "attn_mask's dimension {d} is not supported"),
        }
    }
}

/// A bool mask (`true` = masked) as an additive float mask; float masks pass through.
fn float_mask(m: &Tensor, dt: DType) -> Result<Tensor> {
    if m.dtype() != DType::Bool {
        return Ok(m.clone());
    }
    crate::ops::attention::additive_mask(m, dt)
}

impl Module for MultiheadAttention {
    /// Self-attention `attend(x, x, x)` without weights.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let opts = AttendOptions {
            need_weights: false,
            ..Default::default()
        };
        Ok(self.attend(x, x, x, opts)?.0)
    }
}

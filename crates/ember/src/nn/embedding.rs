//! `nn.Embedding`: a lookup table of `num_embeddings` rows of size `embedding_dim`.

use super::functional as F;
use super::module::Module;
use super::{Parameter, init};
use crate::error::{OrPanic, Result, bail};
use crate::{DType, Tensor};

/// Options of [`Embedding::new_with`] (PyTorch's keywords and defaults).
#[derive(Clone, Copy, Debug)]
pub struct EmbeddingOptions {
    /// The row that starts at zero and receives no gradient; a negative index counts from
    /// the end (default none).
    pub padding_idx: Option<i64>,
    /// Rows looked up whose `norm_type`-norm exceeds this are rescaled in place to it
    /// (default none).
    pub max_norm: Option<f64>,
    /// The `p` of `max_norm`'s norm (default 2).
    pub norm_type: f64,
    /// Scale each row's gradient by the inverse of its index's frequency in the batch
    /// (default false).
    pub scale_grad_by_freq: bool,
    /// The weight's dtype (default: the default float dtype).
    pub dtype: Option<DType>,
}

impl Default for EmbeddingOptions {
    fn default() -> Self {
        EmbeddingOptions {
            padding_idx: None,
            max_norm: None,
            norm_type: 2.0,
            scale_grad_by_freq: false,
            dtype: None,
        }
    }
}

/// Options of [`Embedding::from_pretrained`] (PyTorch's keywords and defaults).
#[derive(Clone, Copy, Debug)]
pub struct FromPretrainedOptions {
    /// Keep the weight out of training: `requires_grad` false (default true).
    pub freeze: bool,
    /// The row that receives no gradient (it keeps its pretrained values); a negative index
    /// counts from the end (default none).
    pub padding_idx: Option<i64>,
    /// As [`EmbeddingOptions::max_norm`].
    pub max_norm: Option<f64>,
    /// As [`EmbeddingOptions::norm_type`].
    pub norm_type: f64,
    /// As [`EmbeddingOptions::scale_grad_by_freq`].
    pub scale_grad_by_freq: bool,
}

impl Default for FromPretrainedOptions {
    fn default() -> Self {
        FromPretrainedOptions {
            freeze: true,
            padding_idx: None,
            max_norm: None,
            norm_type: 2.0,
            scale_grad_by_freq: false,
        }
    }
}

/// `nn.Embedding(num_embeddings, embedding_dim)`: [`F::embedding`] with a weight drawn from
/// N(0, 1); a `padding_idx` row starts at zero and gets no gradient.
///
/// ```
/// use ember::nn::{Embedding, EmbeddingOptions, Module};
/// // nn.Embedding(10, 3, padding_idx=0)
/// let opts = EmbeddingOptions { padding_idx: Some(0), ..Default::default() };
/// let emb = Embedding::new_with(10, 3, opts).unwrap();
/// assert_eq!(emb.to_string(), "Embedding(10, 3, padding_idx=0)");
/// let y = emb.forward(&ember::tensor([[0i64, 4]])).unwrap();
/// assert_eq!(y.shape(), &[1, 2, 3]);
/// assert_eq!(y.to_vec::<f32>()[..3], [0.0, 0.0, 0.0]);
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Embedding {
    /// `[num_embeddings, embedding_dim]`.
    pub weight: Parameter,
    /// The row that is all zeros and receives no gradient (non-negative).
    pub padding_idx: Option<i64>,
    /// `max_norm=`: see [`EmbeddingOptions::max_norm`].
    pub max_norm: Option<f64>,
    /// `norm_type=`.
    pub norm_type: f64,
    /// `scale_grad_by_freq=`.
    pub scale_grad_by_freq: bool,
}

impl Embedding {
    /// `nn.Embedding(num_embeddings, embedding_dim)`.
    #[must_use]
    #[track_caller]
    pub fn new(num_embeddings: usize, embedding_dim: usize) -> Embedding {
        Embedding::new_with(num_embeddings, embedding_dim, EmbeddingOptions::default()).or_panic()
    }

    /// `nn.Embedding(num_embeddings, embedding_dim, padding_idx=…, dtype=…)`.
    ///
    /// ```
    /// use ember::nn::{Embedding, EmbeddingOptions};
    /// let opts = EmbeddingOptions { padding_idx: Some(-1), dtype: Some(ember::DType::F64), ..Default::default() };
    /// let emb = Embedding::new_with(4, 2, opts).unwrap();
    /// assert_eq!((emb.padding_idx, emb.weight.dtype()), (Some(3), ember::DType::F64));
    /// let e = Embedding::new_with(4, 2, EmbeddingOptions { padding_idx: Some(4), ..Default::default() });
    /// assert_eq!(e.err().unwrap().to_string(), "Padding_idx must be within num_embeddings");
    /// ```
    ///
    /// # Errors
    /// "Padding_idx must be within num_embeddings", or a non-floating dtype.
    pub fn new_with(
        num_embeddings: usize,
        embedding_dim: usize,
        opts: EmbeddingOptions,
    ) -> Result<Embedding> {
        let dt = opts.dtype.unwrap_or_else(crate::get_default_dtype);
        let w = crate::try_empty_with([num_embeddings, embedding_dim], dt)?;
        init::normal_(&w, 0.0, 1.0)?;
        let look = lookup(
            opts.padding_idx,
            opts.max_norm,
            opts.norm_type,
            opts.scale_grad_by_freq,
        );
        Embedding::with_weight(w, look, true, true)
    }

    /// `nn.Embedding.from_pretrained(embeddings, freeze=…, padding_idx=…)`: the given 2-D
    /// weight (the same storage), frozen unless `freeze` is false. The padding row keeps its
    /// values.
    ///
    /// ```
    /// use ember::nn::{Embedding, FromPretrainedOptions, Module};
    /// let w = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
    /// let emb = Embedding::from_pretrained(&w, FromPretrainedOptions::default()).unwrap();
    /// assert!(!emb.weight.requires_grad());
    /// let y = emb.forward(&ember::tensor([1i64, 0])).unwrap();
    /// assert_eq!(y.to_vec::<f32>(), vec![3.0, 4.0, 1.0, 2.0]);
    ///
    /// // nn.Embedding.from_pretrained(w, freeze=False, padding_idx=1)
    /// let opts = FromPretrainedOptions { freeze: false, padding_idx: Some(1), ..Default::default() };
    /// let emb = Embedding::from_pretrained(&w, opts).unwrap();
    /// assert!(emb.weight.requires_grad());
    /// assert_eq!(emb.weight.to_vec::<f32>(), vec![1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(emb.to_string(), "Embedding(2, 2, padding_idx=1)");
    /// ```
    ///
    /// # Errors
    /// "Embeddings parameter is expected to be 2-dimensional", or a bad `padding_idx`.
    pub fn from_pretrained(embeddings: &Tensor, opts: FromPretrainedOptions) -> Result<Embedding> {
        if embeddings.dim() != 2 {
            bail!(
                Value,
                "Embeddings parameter is expected to be 2-dimensional"
            );
        }
        let look = lookup(
            opts.padding_idx,
            opts.max_norm,
            opts.norm_type,
            opts.scale_grad_by_freq,
        );
        Embedding::with_weight(embeddings.clone(), look, !opts.freeze, false)
    }

    fn with_weight(
        w: Tensor,
        look: F::EmbeddingFuncOptions,
        trainable: bool,
        zero_pad: bool,
    ) -> Result<Embedding> {
        let n = w.shape()[0] as i64;
        let padding_idx = match look.padding_idx {
            Some(p) if p >= n || p < -n => {
                bail!(Value, "Padding_idx must be within num_embeddings")
            }
            Some(p) if p < 0 => Some(p + n),
            p => p,
        };
        if let (Some(p), true) = (padding_idx, zero_pad) {
            let _g = crate::no_grad();
            w.try_select(0, p)?.try_fill_(0.0)?;
        }
        let weight = if trainable {
            Parameter::new(w)?
        } else {
            Parameter::frozen(w)
        };
        Ok(Embedding {
            weight,
            padding_idx,
            max_norm: look.max_norm,
            norm_type: look.norm_type,
            scale_grad_by_freq: look.scale_grad_by_freq,
        })
    }
}

impl Embedding {
    fn repr(&self) -> String {
        let s = self.weight.shape();
        let mut r = format!("{}, {}", s[0], s[1]);
        if let Some(p) = self.padding_idx {
            r += &format!(", padding_idx={p}");
        }
        if let Some(m) = self.max_norm {
            r += &format!(", max_norm={}", crate::scalar::py_float(m));
        }
        if self.norm_type != 2.0 {
            r += &format!(", norm_type={}", crate::scalar::py_float(self.norm_type));
        }
        if self.scale_grad_by_freq {
            r += ", scale_grad_by_freq=True";
        }
        r
    }
}

/// The functional options a layer's lookup uses.
fn lookup(
    padding_idx: Option<i64>,
    max_norm: Option<f64>,
    norm_type: f64,
    scale_grad_by_freq: bool,
) -> F::EmbeddingFuncOptions {
    F::EmbeddingFuncOptions {
        padding_idx,
        max_norm,
        norm_type,
        scale_grad_by_freq,
    }
}

impl Module for Embedding {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let look = lookup(
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
        );
        F::embedding_with(x, &self.weight, look)
    }
}

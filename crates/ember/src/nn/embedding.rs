//! `nn.Embedding`: a lookup table of `num_embeddings` rows of size `embedding_dim`.

use super::functional as F;
use super::module::Module;
use super::{Parameter, init};
use crate::error::{OrPanic, Result, bail};
use crate::{DType, Tensor};

/// `nn.Embedding(num_embeddings, embedding_dim, padding_idx)`: [`F::embedding`] with a
/// weight drawn from N(0, 1); the `padding_idx` row starts at zero and gets no gradient.
///
/// ```
/// use ember::nn::{Embedding, Module};
/// let emb = Embedding::new_with(10, 3, Some(0), None).unwrap();
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
}

impl Embedding {
    /// `nn.Embedding(num_embeddings, embedding_dim)`.
    #[must_use]
    #[track_caller]
    pub fn new(num_embeddings: usize, embedding_dim: usize) -> Embedding {
        Embedding::new_with(num_embeddings, embedding_dim, None, None).or_panic()
    }

    /// `nn.Embedding(num_embeddings, embedding_dim, padding_idx, dtype=…)`; a negative
    /// `padding_idx` counts from the end.
    ///
    /// # Errors
    /// "Padding_idx must be within num_embeddings", or a non-floating dtype.
    pub fn new_with(
        num_embeddings: usize,
        embedding_dim: usize,
        padding_idx: Option<i64>,
        dtype: Option<DType>,
    ) -> Result<Embedding> {
        let dt = dtype.unwrap_or_else(crate::get_default_dtype);
        let w = crate::try_empty_with([num_embeddings, embedding_dim], dt)?;
        init::normal_(&w, 0.0, 1.0)?;
        Embedding::with_weight(w, padding_idx, true, true)
    }

    /// `nn.Embedding.from_pretrained(embeddings, freeze, padding_idx)`: the given 2-D
    /// weight, trainable unless `freeze`. The padding row keeps its values.
    ///
    /// ```
    /// let w = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
    /// let emb = ember::nn::Embedding::from_pretrained(&w, true, None).unwrap();
    /// assert!(!emb.weight.requires_grad());
    /// ```
    ///
    /// # Errors
    /// "Embeddings parameter is expected to be 2-dimensional", or a bad `padding_idx`.
    pub fn from_pretrained(
        embeddings: &Tensor,
        freeze: bool,
        padding_idx: Option<i64>,
    ) -> Result<Embedding> {
        if embeddings.dim() != 2 {
            bail!(
                Value,
                "Embeddings parameter is expected to be 2-dimensional"
            );
        }
        Embedding::with_weight(embeddings.clone(), padding_idx, !freeze, false)
    }

    fn with_weight(
        w: Tensor,
        padding_idx: Option<i64>,
        trainable: bool,
        zero_pad: bool,
    ) -> Result<Embedding> {
        let n = w.shape()[0] as i64;
        let padding_idx = match padding_idx {
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
        })
    }
}

impl Embedding {
    fn repr(&self) -> String {
        let s = self.weight.shape();
        match self.padding_idx {
            Some(p) => format!("{}, {}, padding_idx={p}", s[0], s[1]),
            None => format!("{}, {}", s[0], s[1]),
        }
    }
}

impl Module for Embedding {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::embedding(x, &self.weight, self.padding_idx)
    }
}

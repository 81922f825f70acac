//! `embedding` (a row lookup with PyTorch's `EmbeddingBackward0`) and `one_hot`.

use crate::error::{Result, bail};
use crate::ops::index::formulas::Embedding;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{DType, Tensor};

/// Smallest and largest value of an integer tensor (`None` when empty, or on a device
/// without data, where the bounds checks are skipped).
fn int_range(t: &Tensor) -> Result<Option<(i64, i64)>> {
    if t.numel() == 0 || !t.has_data() {
        return Ok(None);
    }
    let _g = crate::no_grad();
    let t = t.try_to_dtype(DType::I64)?;
    Ok(Some((t.try_min()?.try_item()?, t.try_max()?.try_item()?)))
}

/// `F.embedding(input, weight, padding_idx)`: row `input[i]` of `weight` for every index,
/// shaped `input.shape + [embedding_dim]` (`EmbeddingBackward0`). Rows read at
/// `padding_idx` (which may be negative, counted from the end) receive no gradient.
///
/// ```
/// use ember::nn::functional as F;
/// let w = ember::tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]).requires_grad_(true);
/// let idx = ember::tensor([2i64, 0, 2]);
/// let y = F::embedding(&idx, &w, None).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![4.0, 5.0, 0.0, 1.0, 4.0, 5.0]);
/// y.sum().backward();
/// assert_eq!(w.grad().unwrap().to_vec::<f32>(), vec![1.0, 1.0, 0.0, 0.0, 2.0, 2.0]);
/// ```
///
/// # Errors
/// "index out of range in self" for an index outside `[0, num_embeddings)`; also if the
/// indices are not integers, the weight is not 2-D, or `padding_idx` is out of range.
pub fn embedding(input: &Tensor, weight: &Tensor, padding_idx: Option<i64>) -> Result<Tensor> {
    let opts = EmbeddingFuncOptions {
        padding_idx,
        ..Default::default()
    };
    embedding_with(input, weight, opts)
}

/// `F.embedding`'s keywords after `weight` (PyTorch's defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EmbeddingFuncOptions {
    /// The row that receives no gradient; negative counts from the end (default none).
    pub padding_idx: Option<i64>,
    /// Rows read whose `norm_type`-norm exceeds this are first rescaled in place to norm
    /// `max_norm` (`embedding_renorm_`; default none).
    pub max_norm: Option<f64>,
    /// The `p` of `max_norm`'s norm (default 2).
    pub norm_type: f64,
    /// Divide each row's gradient by how often its index occurs in `input` (default false).
    pub scale_grad_by_freq: bool,
}

impl Default for EmbeddingFuncOptions {
    fn default() -> Self {
        EmbeddingFuncOptions {
            padding_idx: None,
            max_norm: None,
            norm_type: 2.0,
            scale_grad_by_freq: false,
        }
    }
}

/// `F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)`.
///
/// ```
/// use ember::nn::functional::{self as F, EmbeddingFuncOptions};
/// let w = ember::tensor([[3.0, 4.0], [0.3, 0.4]]).requires_grad_(true);
/// let idx = ember::tensor([0i64, 0, 1]);
/// let opts = EmbeddingFuncOptions { max_norm: Some(1.0), scale_grad_by_freq: true, ..Default::default() };
/// let y = F::embedding_with(&idx, &w, opts).unwrap();
/// // Row 0 (norm 5) was rescaled in place to norm 1; row 1 (norm 0.5) was left alone.
/// assert_eq!(w.detach().to_vec::<f32>(), vec![0.6, 0.8, 0.3, 0.4]);
/// y.sum().backward();
/// // Index 0 occurs twice: its summed gradient is divided by 2.
/// assert_eq!(w.grad().unwrap().to_vec::<f32>(), vec![1.0, 1.0, 1.0, 1.0]);
/// ```
///
/// # Errors
/// As [`embedding`].
pub fn embedding_with(
    input: &Tensor,
    weight: &Tensor,
    opts: EmbeddingFuncOptions,
) -> Result<Tensor> {
    let padding_idx = opts.padding_idx;
    if !matches!(input.dtype(), DType::I64 | DType::I32) {
        bail!(
            DType,
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got {} instead (while checking arguments for embedding)",
            input.dtype().type_string()
        );
    }
    if weight.dim() != 2 {
        bail!(Shape, "'weight' must be 2-D");
    }
    let (num, d) = (weight.shape()[0], weight.shape()[1]);
    let padding_idx = match padding_idx {
        Some(p) if p >= num as i64 || p < -(num as i64) => {
            bail!(Value, "Padding_idx must be within num_embeddings")
        }
        Some(p) if p < 0 => Some(p + num as i64),
        p => p,
    };
    if let Some(max_norm) = opts.max_norm {
        // F.embedding renormalises under no_grad, before it checks the indices for the
        // lookup: the weight's rows change in place, and the lookup reads the new values.
        let _g = crate::no_grad();
        embedding_renorm_(weight, input, max_norm, opts.norm_type)?;
    }
    if let Some((lo, hi)) = int_range(input)?
        && (lo < 0 || hi >= num as i64)
    {
        bail!(IndexOutOfRange, "index out of range in self");
    }
    let out = {
        let _g = crate::no_grad();
        let flat = input.try_reshape([-1])?.try_to_dtype(DType::I64)?;
        let mut shape: Vec<usize> = input.shape().to_vec();
        shape.push(d);
        weight
            .detach()
            .try_index_select(0, &flat)?
            .try_reshape(shape)?
    };
    if needs_grad(&[weight]) {
        let idx = input.try_to_dtype(DType::I64)?;
        let f = Embedding {
            num_weights: num,
            padding_idx,
            scale_grad_by_freq: opts.scale_grad_by_freq,
        };
        record(f, &[weight], &[&out], &[Save::Tensor(&idx)]);
    }
    Ok(out)
}

/// `torch.embedding_renorm_(weight, indices, max_norm, norm_type)`: every row of `weight`
/// that `indices` names and whose `norm_type`-norm exceeds `max_norm` is scaled in place by
/// `max_norm / (norm + 1e-7)`, the scale computed in f64 as PyTorch does. An index selects
/// its row as `select` does (negative counts from the end). Returns `weight`.
///
/// ```
/// let w = ember::tensor([[3.0, 4.0], [6.0, 8.0]]);
/// ember::nn::functional::embedding_renorm_(&w, &ember::tensor([1i64]), 5.0, 2.0).unwrap();
/// assert_eq!(w.to_vec::<f32>(), vec![3.0, 4.0, 3.0, 4.0]);
/// ```
///
/// # Errors
/// As PyTorch: a weight that is not 2-D, indices that are not integers, an index `select`
/// refuses, or
/// an in-place change autograd forbids (a leaf that requires grad, outside `no_grad`).
pub fn embedding_renorm_(
    weight: &Tensor,
    indices: &Tensor,
    max_norm: f64,
    norm_type: f64,
) -> Result<Tensor> {
    if weight.dim() != 2 {
        bail!(
            Shape,
            "Expected 2-dimensional tensor, but got {}-dimensional tensor for argument #1 'self' (while checking arguments for embedding_renorm_)",
            weight.dim()
        );
    }
    if !matches!(indices.dtype(), DType::I64 | DType::I32) {
        bail!(
            DType,
            "Expected tensor for argument #2 'indices' to have one of the following scalar types: Long, Int; but got {} instead (while checking arguments for embedding_renorm_)",
            indices.dtype().type_string()
        );
    }
    // The op is in place on the whole weight, so autograd's check is the weight's, not
    // that of the row views it writes through.
    weight.check_inplace()?;
    if !weight.has_data() || indices.numel() == 0 {
        return Ok(weight.clone());
    }
    let mut rows = indices.try_to_dtype(DType::I64)?.try_to_vec::<i64>()?;
    rows.sort_unstable();
    rows.dedup();
    for r in rows {
        let row = weight.try_select(0, r)?;
        let norm = row.try_norm_with(norm_type, (), false)?;
        let norm = norm.try_to_dtype(DType::F64)?.try_item::<f64>()?;
        if norm > max_norm {
            row.try_mul_(max_norm / (norm + 1e-7))?;
        }
    }
    Ok(weight.clone())
}

/// `F.one_hot(tensor, num_classes)`: an int64 tensor of shape `tensor.shape + [C]` with a 1
/// at each index; `num_classes = -1` takes `C = max + 1`.
///
/// ```
/// use ember::nn::functional as F;
/// let y = F::one_hot(&ember::tensor([2i64, 0]), -1).unwrap();
/// assert_eq!(y.shape(), &[2, 3]);
/// assert_eq!(y.to_vec::<i64>(), vec![0, 0, 1, 1, 0, 0]);
/// ```
///
/// # Errors
/// As PyTorch: non-int64 input, negative values, values not below `num_classes`, or
/// `num_classes = -1` with an empty input.
pub fn one_hot(tensor: &Tensor, num_classes: i64) -> Result<Tensor> {
    if tensor.dtype() != DType::I64 {
        bail!(
            DType,
            "one_hot is only applicable to index tensor of type LongTensor."
        );
    }
    if num_classes == -1 && !tensor.has_data() {
        // The class count would be `max + 1`, a value meta tensors do not have.
        return Err(crate::error::data_dependent("one_hot"));
    }
    let classes = match int_range(tensor)? {
        None if num_classes == -1 => {
            bail!(
                Value,
                "Can not infer total number of classes from empty tensor."
            )
        }
        None => num_classes,
        Some((lo, _)) if lo < 0 => bail!(Value, "Class values must be non-negative."),
        Some((_, hi)) if num_classes == -1 => hi + 1,
        Some((_, hi)) if hi >= num_classes => {
            bail!(Value, "Class values must be smaller than num_classes.")
        }
        Some(_) => num_classes,
    };
    let Ok(classes) = usize::try_from(classes) else {
        bail!(Value, "Class values must be smaller than num_classes.");
    };
    let mut shape: Vec<usize> = tensor.shape().to_vec();
    shape.push(classes);
    let out = crate::try_zeros_with(shape, (DType::I64, tensor.device()))?;
    if tensor.numel() == 0 {
        return Ok(out);
    }
    let idx = tensor.try_unsqueeze(-1)?;
    let ones = crate::try_full_with(idx.shape(), 1i64, (DType::I64, tensor.device()))?;
    out.try_scatter_add(-1, &idx, &ones)
}

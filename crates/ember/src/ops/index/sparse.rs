//! `embedding` (a row lookup with PyTorch's `EmbeddingBackward0`) and `one_hot`.

use crate::error::{Result, bail};
use crate::ops::norm::formulas::Embedding;
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
    if !matches!(input.dtype(), DType::I64 | DType::I32) {
        bail!(
            DType,
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got {} instead (while checking arguments for embedding)",
            format!("ember.{}", input.dtype().legacy_name())
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
        };
        record(f, &[weight], &[&out], &[Save::Tensor(&idx)]);
    }
    Ok(out)
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

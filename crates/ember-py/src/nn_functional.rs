//! `torch.nn.functional`: the engine's functional layers and losses with PyTorch's Python
//! signatures, in the `_C._nn` submodule that `ember/nn/functional.py` re-exports.
//! Convolutions and pools release the GIL while they run.

use crate::convert::{Ints, TensorArg};
use crate::error::{OrRaise, guard};
use crate::tensor::wrap;
use ember::Tensor;
use ember::nn::functional as F;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

fn t(x: &Option<TensorArg>) -> Option<&Tensor> {
    x.as_ref().map(|a| &a.0)
}

/// An int or a sequence of `N` ints (`stride=2`, `stride=(2, 1)`).
fn dims<const N: usize>(v: &Ints, what: &str) -> PyResult<[i64; N]> {
    match v.0.as_slice() {
        [x] => Ok([*x; N]),
        s if s.len() == N => {
            let mut out = [0i64; N];
            out.copy_from_slice(s);
            Ok(out)
        }
        s => Err(PyValueError::new_err(format!(
            "{what} must be an int or a tuple of {N} ints, got {} values",
            s.len()
        ))),
    }
}

/// An activation's result, written back into `input` when called with `inplace=True`.
fn in_place_or_new(
    py: Python<'_>,
    input: TensorArg,
    r: ember::Result<Tensor>,
    inplace: bool,
) -> PyResult<Py<PyAny>> {
    let r = r.or_raise()?;
    if inplace {
        input.0.try_copy_(&r).or_raise()?;
        return wrap(py, input.0);
    }
    wrap(py, r)
}

fn out(py: Python<'_>, r: ember::Result<Tensor>) -> PyResult<Py<PyAny>> {
    wrap(py, r.or_raise()?)
}

#[pyfunction]
#[pyo3(signature = (input, weight, bias = None))]
fn linear(
    py: Python<'_>,
    input: TensorArg,
    weight: TensorArg,
    bias: Option<TensorArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| out(py, py.detach(|| F::linear(&input.0, &weight.0, t(&bias)))))
}

#[pyfunction]
#[pyo3(signature = (input1, input2, weight, bias = None))]
fn bilinear(
    py: Python<'_>,
    input1: TensorArg,
    input2: TensorArg,
    weight: TensorArg,
    bias: Option<TensorArg>,
) -> PyResult<Py<PyAny>> {
    guard(|| out(py, F::bilinear(&input1.0, &input2.0, &weight.0, t(&bias))))
}

fn conv_opts<const N: usize>(
    stride: &Ints,
    padding: &Bound<'_, PyAny>,
    dilation: &Ints,
    groups: i64,
) -> PyResult<F::ConvOptions<N>> {
    let (pad, pad_str) = match padding.extract::<String>() {
        Ok(s) => (
            [0; N],
            Some(
                s.parse::<F::ConvPadding>()
                    .map_err(|e| PyValueError::new_err(e.to_string()))?,
            ),
        ),
        Err(_) => (dims::<N>(&padding.extract::<Ints>()?, "padding")?, None),
    };
    Ok(F::ConvOptions {
        stride: dims(stride, "stride")?,
        padding: pad,
        dilation: dims(dilation, "dilation")?,
        groups,
        padding_str: pad_str,
    })
}

macro_rules! conv {
    ($name:ident, $n:literal, $f:path) => {
        #[pyfunction]
        #[pyo3(signature = (input, weight, bias = None, stride = Ints(vec![1]), padding = None, dilation = Ints(vec![1]), groups = 1))]
        #[allow(clippy::too_many_arguments)]
        fn $name(
            py: Python<'_>,
            input: TensorArg,
            weight: TensorArg,
            bias: Option<TensorArg>,
            stride: Ints,
            padding: Option<&Bound<'_, PyAny>>,
            dilation: Ints,
            groups: i64,
        ) -> PyResult<Py<PyAny>> {
            guard(|| {
                let zero = 0i64.into_pyobject(py)?.into_any();
                let o = conv_opts::<$n>(&stride, padding.unwrap_or(&zero), &dilation, groups)?;
                out(py, py.detach(|| $f(&input.0, &weight.0, t(&bias), o)))
            })
        }
    };
}

conv!(conv1d, 1, F::conv1d);
conv!(conv2d, 2, F::conv2d);

#[pyfunction]
#[pyo3(signature = (input, weight, bias = None, stride = Ints(vec![1]), padding = Ints(vec![0]), output_padding = Ints(vec![0]), groups = 1, dilation = Ints(vec![1])))]
#[allow(clippy::too_many_arguments)]
fn conv_transpose2d(
    py: Python<'_>,
    input: TensorArg,
    weight: TensorArg,
    bias: Option<TensorArg>,
    stride: Ints,
    padding: Ints,
    output_padding: Ints,
    groups: i64,
    dilation: Ints,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::ConvTranspose2dOptions {
            stride: dims(&stride, "stride")?,
            padding: dims(&padding, "padding")?,
            output_padding: dims(&output_padding, "output_padding")?,
            groups,
            dilation: dims(&dilation, "dilation")?,
        };
        out(
            py,
            py.detach(|| F::conv_transpose2d(&input.0, &weight.0, t(&bias), o)),
        )
    })
}

fn stride_or_kernel<const N: usize>(stride: &Option<Ints>) -> PyResult<Option<[i64; N]>> {
    match stride {
        None => Ok(None),
        Some(s) if s.0.is_empty() => Ok(None),
        Some(s) => dims(s, "stride").map(Some),
    }
}

#[pyfunction]
#[pyo3(signature = (input, kernel_size, stride = None, padding = Ints(vec![0]), dilation = Ints(vec![1]), ceil_mode = false, return_indices = false))]
#[allow(clippy::too_many_arguments)]
fn max_pool2d(
    py: Python<'_>,
    input: TensorArg,
    kernel_size: Ints,
    stride: Option<Ints>,
    padding: Ints,
    dilation: Ints,
    ceil_mode: bool,
    return_indices: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::MaxPool2dOptions {
            kernel_size: dims(&kernel_size, "kernel_size")?,
            stride: stride_or_kernel(&stride)?,
            padding: dims(&padding, "padding")?,
            dilation: dims(&dilation, "dilation")?,
            ceil_mode,
        };
        if return_indices {
            let (v, i) = py
                .detach(|| F::max_pool2d_with_indices(&input.0, o))
                .or_raise()?;
            return crate::ret::tuple_of(py, vec![v, i]);
        }
        out(py, py.detach(|| F::max_pool2d(&input.0, o)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, kernel_size, stride = None, padding = Ints(vec![0]), dilation = Ints(vec![1]), ceil_mode = false, return_indices = false))]
#[allow(clippy::too_many_arguments)]
fn max_pool1d(
    py: Python<'_>,
    input: TensorArg,
    kernel_size: Ints,
    stride: Option<Ints>,
    padding: Ints,
    dilation: Ints,
    ceil_mode: bool,
    return_indices: bool,
) -> PyResult<Py<PyAny>> {
    if return_indices {
        return Err(PyTypeError::new_err(
            "ember: max_pool1d(return_indices=True) is not supported; use max_pool2d on an unsqueezed input",
        ));
    }
    guard(|| {
        let o = F::MaxPool1dOptions {
            kernel_size: dims(&kernel_size, "kernel_size")?,
            stride: stride_or_kernel(&stride)?,
            padding: dims(&padding, "padding")?,
            dilation: dims(&dilation, "dilation")?,
            ceil_mode,
        };
        out(py, py.detach(|| F::max_pool1d(&input.0, o)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, kernel_size, stride = None, padding = Ints(vec![0]), ceil_mode = false, count_include_pad = true, divisor_override = None))]
#[allow(clippy::too_many_arguments)]
fn avg_pool2d(
    py: Python<'_>,
    input: TensorArg,
    kernel_size: Ints,
    stride: Option<Ints>,
    padding: Ints,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::AvgPool2dOptions {
            kernel_size: dims(&kernel_size, "kernel_size")?,
            stride: stride_or_kernel(&stride)?,
            padding: dims(&padding, "padding")?,
            ceil_mode,
            count_include_pad,
            divisor_override,
        };
        out(py, py.detach(|| F::avg_pool2d(&input.0, o)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, kernel_size, stride = None, padding = Ints(vec![0]), ceil_mode = false, count_include_pad = true))]
fn avg_pool1d(
    py: Python<'_>,
    input: TensorArg,
    kernel_size: Ints,
    stride: Option<Ints>,
    padding: Ints,
    ceil_mode: bool,
    count_include_pad: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::AvgPool1dOptions {
            kernel_size: dims(&kernel_size, "kernel_size")?,
            stride: stride_or_kernel(&stride)?,
            padding: dims(&padding, "padding")?,
            ceil_mode,
            count_include_pad,
            divisor_override: None,
        };
        out(py, py.detach(|| F::avg_pool1d(&input.0, o)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, output_size))]
fn adaptive_avg_pool2d(
    py: Python<'_>,
    input: TensorArg,
    output_size: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let s = input.0.shape();
        let n = s.len();
        // An int, or a pair whose None entries keep that input size.
        let os: [i64; 2] = match output_size.extract::<i64>() {
            Ok(v) => [v, v],
            Err(_) => {
                let items: Vec<Option<i64>> = output_size.extract()?;
                if items.len() != 2 || n < 2 {
                    return Err(PyValueError::new_err(
                        "adaptive_avg_pool2d: output_size must be an int or a pair",
                    ));
                }
                [
                    items[0].unwrap_or(s[n - 2] as i64),
                    items[1].unwrap_or(s[n - 1] as i64),
                ]
            }
        };
        out(py, py.detach(|| F::adaptive_avg_pool2d(&input.0, os)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, running_mean, running_var, weight = None, bias = None, training = false, momentum = 0.1, eps = 1e-5))]
#[allow(clippy::too_many_arguments)]
fn batch_norm(
    py: Python<'_>,
    input: TensorArg,
    running_mean: Option<TensorArg>,
    running_var: Option<TensorArg>,
    weight: Option<TensorArg>,
    bias: Option<TensorArg>,
    training: bool,
    momentum: f64,
    eps: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::BatchNormOptions {
            weight: t(&weight),
            bias: t(&bias),
            training,
            momentum,
            eps,
        };
        out(
            py,
            F::batch_norm(&input.0, t(&running_mean), t(&running_var), o),
        )
    })
}

#[pyfunction]
#[pyo3(signature = (input, normalized_shape, weight = None, bias = None, eps = 1e-5))]
fn layer_norm(
    py: Python<'_>,
    input: TensorArg,
    normalized_shape: Ints,
    weight: Option<TensorArg>,
    bias: Option<TensorArg>,
    eps: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let shape = crate::convert::sizes(&normalized_shape.0)?;
        out(
            py,
            F::layer_norm(&input.0, &shape, t(&weight), t(&bias), eps),
        )
    })
}

#[pyfunction]
#[pyo3(signature = (input, num_groups, weight = None, bias = None, eps = 1e-5))]
fn group_norm(
    py: Python<'_>,
    input: TensorArg,
    num_groups: usize,
    weight: Option<TensorArg>,
    bias: Option<TensorArg>,
    eps: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        out(
            py,
            F::group_norm(&input.0, num_groups, t(&weight), t(&bias), eps),
        )
    })
}

#[pyfunction]
#[pyo3(signature = (input, pad, mode = "constant", value = None))]
fn pad(
    py: Python<'_>,
    input: TensorArg,
    pad: Ints,
    mode: &str,
    value: Option<f64>,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let m: F::PadMode = mode
            .parse()
            .map_err(|e: ember::Error| PyValueError::new_err(e.to_string()))?;
        out(py, F::pad(&input.0, &pad.0, m, value))
    })
}

#[pyfunction]
#[pyo3(signature = (input, kernel_size, dilation = Ints(vec![1]), padding = Ints(vec![0]), stride = Ints(vec![1])))]
fn unfold(
    py: Python<'_>,
    input: TensorArg,
    kernel_size: Ints,
    dilation: Ints,
    padding: Ints,
    stride: Ints,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::FoldOptions {
            kernel_size: dims(&kernel_size, "kernel_size")?,
            dilation: dims(&dilation, "dilation")?,
            padding: dims(&padding, "padding")?,
            stride: dims(&stride, "stride")?,
        };
        out(py, py.detach(|| F::unfold(&input.0, o)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, output_size, kernel_size, dilation = Ints(vec![1]), padding = Ints(vec![0]), stride = Ints(vec![1])))]
fn fold(
    py: Python<'_>,
    input: TensorArg,
    output_size: Ints,
    kernel_size: Ints,
    dilation: Ints,
    padding: Ints,
    stride: Ints,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::FoldOptions {
            kernel_size: dims(&kernel_size, "kernel_size")?,
            dilation: dims(&dilation, "dilation")?,
            padding: dims(&padding, "padding")?,
            stride: dims(&stride, "stride")?,
        };
        let os = dims::<2>(&output_size, "output_size")?;
        out(py, py.detach(|| F::fold(&input.0, os, o)))
    })
}

#[pyfunction]
#[pyo3(signature = (input, weight, padding_idx = None, max_norm = None, norm_type = 2.0, scale_grad_by_freq = false, sparse = false))]
#[allow(clippy::too_many_arguments)]
fn embedding(
    py: Python<'_>,
    input: TensorArg,
    weight: TensorArg,
    padding_idx: Option<i64>,
    max_norm: Option<f64>,
    norm_type: f64,
    scale_grad_by_freq: bool,
    sparse: bool,
) -> PyResult<Py<PyAny>> {
    if sparse {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(
            "ember: sparse gradients (F.embedding(sparse=True)) are not supported",
        ));
    }
    let o = F::EmbeddingFuncOptions {
        padding_idx,
        max_norm,
        norm_type,
        scale_grad_by_freq,
    };
    guard(|| out(py, F::embedding_with(&input.0, &weight.0, o)))
}

/// `torch.embedding_renorm_(weight, indices, max_norm, norm_type)`.
#[pyfunction]
fn embedding_renorm_(
    py: Python<'_>,
    weight: TensorArg,
    indices: TensorArg,
    max_norm: f64,
    norm_type: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        out(
            py,
            F::embedding_renorm_(&weight.0, &indices.0, max_norm, norm_type),
        )
    })
}

#[pyfunction]
#[pyo3(signature = (tensor, num_classes = -1))]
fn one_hot(py: Python<'_>, tensor: TensorArg, num_classes: i64) -> PyResult<Py<PyAny>> {
    guard(|| out(py, F::one_hot(&tensor.0, num_classes)))
}

#[pyfunction]
#[pyo3(signature = (input, p = 2.0, dim = 1, eps = 1e-12, out = None))]
fn normalize(
    py: Python<'_>,
    input: TensorArg,
    p: f64,
    dim: i64,
    eps: f64,
    out: Option<TensorArg>,
) -> PyResult<Py<PyAny>> {
    let _ = out;
    guard(|| self::out(py, F::normalize(&input.0, p, dim, eps)))
}

#[pyfunction]
#[pyo3(signature = (x1, x2, dim = 1, eps = 1e-8))]
fn cosine_similarity(
    py: Python<'_>,
    x1: TensorArg,
    x2: TensorArg,
    dim: i64,
    eps: f64,
) -> PyResult<Py<PyAny>> {
    guard(|| out(py, F::cosine_similarity(&x1.0, &x2.0, dim, eps)))
}

#[pyfunction]
#[pyo3(signature = (query, key, value, attn_mask = None, dropout_p = 0.0, is_causal = false, scale = None, enable_gqa = false))]
#[allow(clippy::too_many_arguments)]
fn scaled_dot_product_attention(
    py: Python<'_>,
    query: TensorArg,
    key: TensorArg,
    value: TensorArg,
    attn_mask: Option<TensorArg>,
    dropout_p: f64,
    is_causal: bool,
    scale: Option<f64>,
    enable_gqa: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let o = F::SdpaOptions {
            attn_mask: t(&attn_mask),
            dropout_p,
            is_causal,
            scale,
            enable_gqa,
        };
        out(
            py,
            py.detach(|| F::scaled_dot_product_attention(&query.0, &key.0, &value.0, o)),
        )
    })
}

#[pyfunction]
#[pyo3(signature = (input, approximate = "none"))]
fn gelu(py: Python<'_>, input: TensorArg, approximate: &str) -> PyResult<Py<PyAny>> {
    guard(|| {
        let a: F::GeluApproximate = approximate
            .parse()
            .map_err(|e: ember::Error| PyValueError::new_err(e.to_string()))?;
        out(py, input.0.try_gelu_approx(a))
    })
}

#[pyfunction]
#[pyo3(signature = (input, alpha = 1.0, inplace = false))]
fn elu(py: Python<'_>, input: TensorArg, alpha: f64, inplace: bool) -> PyResult<Py<PyAny>> {
    guard(|| {
        let r = input.0.try_elu(alpha);
        in_place_or_new(py, input, r, inplace)
    })
}

#[pyfunction]
#[pyo3(signature = (input, negative_slope = 0.01, inplace = false))]
fn leaky_relu(
    py: Python<'_>,
    input: TensorArg,
    negative_slope: f64,
    inplace: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let r = input.0.try_leaky_relu(negative_slope);
        in_place_or_new(py, input, r, inplace)
    })
}

#[pyfunction]
#[pyo3(signature = (input, beta = 1.0, threshold = 20.0))]
fn softplus(py: Python<'_>, input: TensorArg, beta: f64, threshold: f64) -> PyResult<Py<PyAny>> {
    guard(|| out(py, input.0.try_softplus(beta, threshold)))
}

#[pyfunction]
#[pyo3(signature = (input, min_val = -1.0, max_val = 1.0, inplace = false))]
fn hardtanh(
    py: Python<'_>,
    input: TensorArg,
    min_val: f64,
    max_val: f64,
    inplace: bool,
) -> PyResult<Py<PyAny>> {
    guard(|| {
        let r = input.0.try_hardtanh(min_val, max_val);
        in_place_or_new(py, input, r, inplace)
    })
}

/// The `_C._nn` submodule.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let nn = PyModule::new(m.py(), "_nn")?;
    for f in [
        wrap_pyfunction!(linear, &nn)?,
        wrap_pyfunction!(bilinear, &nn)?,
        wrap_pyfunction!(conv1d, &nn)?,
        wrap_pyfunction!(conv2d, &nn)?,
        wrap_pyfunction!(conv_transpose2d, &nn)?,
        wrap_pyfunction!(max_pool1d, &nn)?,
        wrap_pyfunction!(max_pool2d, &nn)?,
        wrap_pyfunction!(avg_pool1d, &nn)?,
        wrap_pyfunction!(avg_pool2d, &nn)?,
        wrap_pyfunction!(adaptive_avg_pool2d, &nn)?,
        wrap_pyfunction!(batch_norm, &nn)?,
        wrap_pyfunction!(layer_norm, &nn)?,
        wrap_pyfunction!(group_norm, &nn)?,
        wrap_pyfunction!(pad, &nn)?,
        wrap_pyfunction!(unfold, &nn)?,
        wrap_pyfunction!(fold, &nn)?,
        wrap_pyfunction!(embedding, &nn)?,
        wrap_pyfunction!(embedding_renorm_, &nn)?,
        wrap_pyfunction!(one_hot, &nn)?,
        wrap_pyfunction!(normalize, &nn)?,
        wrap_pyfunction!(cosine_similarity, &nn)?,
        wrap_pyfunction!(scaled_dot_product_attention, &nn)?,
        wrap_pyfunction!(crate::nn_loss::mse_loss, &nn)?,
        wrap_pyfunction!(crate::nn_loss::l1_loss, &nn)?,
        wrap_pyfunction!(crate::nn_loss::binary_cross_entropy, &nn)?,
        wrap_pyfunction!(crate::nn_loss::binary_cross_entropy_with_logits, &nn)?,
        wrap_pyfunction!(crate::nn_loss::huber_loss, &nn)?,
        wrap_pyfunction!(crate::nn_loss::smooth_l1_loss, &nn)?,
        wrap_pyfunction!(crate::nn_loss::nll_loss, &nn)?,
        wrap_pyfunction!(crate::nn_loss::cross_entropy, &nn)?,
        wrap_pyfunction!(gelu, &nn)?,
        wrap_pyfunction!(elu, &nn)?,
        wrap_pyfunction!(leaky_relu, &nn)?,
        wrap_pyfunction!(softplus, &nn)?,
        wrap_pyfunction!(hardtanh, &nn)?,
    ] {
        nn.add_function(f)?;
    }
    crate::nn_dropout::add(&nn)?;
    m.add_submodule(&nn)?;
    Ok(())
}

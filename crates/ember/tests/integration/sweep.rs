//! The no-panic sweep: every op over a grid of awkward inputs, under `catch_unwind`.
//!
//! Two halves:
//! - **PyTorch's answers** (`sweep_cases_match_pytorch`): `tools/sweep_cases.py` ran the golden
//!   vocabulary over a grid (every dtype; 0-dim, empty, zero-size, size-1 and non-contiguous
//!   inputs; NaN/inf; negative, out-of-range and empty-list dims; mismatched dtypes) and wrote
//!   PyTorch's output or error to `tests/golden/sweep/*.jsonl`. Each case runs through the
//!   golden runner's dispatcher and must agree, value, dtype, shape, node name and gradient.
//! - **No panics** (`no_op_panics_on_the_grid`): a wider grid in Rust alone (more shapes, every
//!   op of the op table, the `try_` functions outside the golden vocabulary, backward of every
//!   float result). A panic is a bug whatever the input; an `Err` is fine here.
//!
//! Known disagreements in files outside the ops layer are listed in [`KNOWN`] with their
//! owner, so the sweep stays green while they are open and fails when one is fixed (the
//! entry must then go).

use crate::golden_ops::{self, spec};
use ember::{BinaryOp, CmpOp, DType, Operand, Scalar, Tensor, UnaryOp};
use serde_json::{Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Case ids (prefixes) that disagree with PyTorch, with where the fix belongs.
const KNOWN: &[(&str, &str)] = &[];

/// Calls (description prefixes) known to panic in files outside the ops layer, with the
/// place. The sweep fails when one stops panicking, so the entry goes with the fix.
const KNOWN_PANICS: &[(&str, &str)] = &[];

/// Small deterministic values of `dt` (the same recipe as `tools/sweep_cases.py`).
fn values(shape: &[usize], dt: DType, special: bool) -> Tensor {
    let n: usize = shape.iter().product();
    let data: Vec<f64> = (0..n)
        .map(|i| match dt {
            DType::Bool => f64::from(u8::from(i % 3 != 1)),
            DType::U8 => ((i * 5 + 1) % 7) as f64,
            d if d.is_floating_point() => ((i * 7 + 3) % 11) as f64 * 0.375 - 5.0 * 0.375,
            _ => ((i * 5 + 1) % 7) as f64 - 3.0,
        })
        .collect();
    let mut data = data;
    if special && dt.is_floating_point() {
        for (k, v) in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0]
            .into_iter()
            .enumerate()
        {
            if k < n {
                data[(k * 3) % n] = v;
            }
        }
    }
    let dims: Vec<i64> = shape.iter().map(|&s| s as i64).collect();
    Tensor::from_vec(data, dims).to_dtype(dt)
}

/// One input of the grid: a description and the tensor.
struct Input {
    name: String,
    t: Tensor,
}

/// Every dtype over shapes and layouts that have broken kernels before: 0-dim, empty,
/// zero-size dims (leading, trailing, middle), size-1 dims, 3-d and 4-d, a transpose, a
/// strided slice, an expanded (stride-0) view, NaN/inf.
fn grid() -> Vec<Input> {
    let shapes: &[(&str, &[usize])] = &[
        ("0d", &[]),
        ("e0", &[0]),
        ("v1", &[1]),
        ("v3", &[3]),
        ("m23", &[2, 3]),
        ("z20", &[2, 0]),
        ("z03", &[0, 3]),
        ("o13", &[1, 3]),
        ("o31", &[3, 1]),
        ("c234", &[2, 3, 4]),
        ("c202", &[2, 0, 2]),
        ("n1244", &[1, 2, 4, 4]),
    ];
    let mut out = Vec::new();
    for dt in DType::ALL {
        for (tag, s) in shapes {
            out.push(Input {
                name: format!("{dt}/{tag}"),
                t: values(s, dt, false),
            });
        }
        out.push(Input {
            name: format!("{dt}/transposed"),
            t: values(&[2, 3], dt, false).t(),
        });
        out.push(Input {
            name: format!("{dt}/sliced"),
            t: values(&[8], dt, false).i(ember::step_by(.., 2)),
        });
        out.push(Input {
            name: format!("{dt}/expanded"),
            t: values(&[1, 3], dt, false).expand([2, 3]),
        });
        if dt.is_floating_point() {
            out.push(Input {
                name: format!("{dt}/special"),
                t: values(&[2, 3], dt, true),
            });
        }
    }
    out
}

/// Runs `f` and reports a panic as its message.
fn no_panic<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".into())
    })
}

/// Ops of the golden vocabulary with one tensor input, with the keyword sets to try. Dims
/// cover negative, out-of-range and list forms.
fn unary_calls() -> Vec<(&'static str, Value)> {
    let mut v: Vec<(&'static str, Value)> = Vec::new();
    let simple = [
        "neg",
        "abs",
        "exp",
        "log",
        "sqrt",
        "rsqrt",
        "sin",
        "cos",
        "tan",
        "tanh",
        "sigmoid",
        "relu",
        "sign",
        "floor",
        "ceil",
        "round",
        "trunc",
        "reciprocal",
        "square",
        "log1p",
        "expm1",
        "erf",
        "log2",
        "log10",
        "asin",
        "acos",
        "atan",
        "sinh",
        "cosh",
        "exp2",
        "silu",
        "elu",
        "softplus",
        "hardtanh",
        "logical_not",
        "t",
        "contiguous",
        "nonzero",
        "flatten",
        "squeeze",
        "leaky_relu",
        "inverse",
        "det",
        "trace",
        "linalg_cholesky",
        "linalg_inv",
        "linalg_det",
        "diag",
    ];
    for op in simple {
        v.push((op, json!({})));
    }
    v.push(("gelu", json!({"approximate": "tanh"})));
    v.push(("clamp", json!({"min": -1, "max": 1})));
    v.push(("clamp", json!({"min": -300, "max": 300})));
    v.push(("clamp", json!({"min": 0.5})));
    v.push(("hardtanh", json!({"min_val": -300.0, "max_val": 2.5})));
    for e in [json!(2), json!(-1), json!(0.5), json!(0)] {
        v.push(("pow", json!({"exponent": e})));
    }
    for o in [json!(2), json!(0.5), json!(0), json!(true)] {
        for op in [
            "add", "sub", "mul", "div", "maximum", "minimum", "atan2", "rsub", "rdiv", "rpow",
            "eq", "ne", "lt", "le", "gt", "ge",
        ] {
            v.push((op, json!({"other": o})));
        }
    }
    for dt in [
        "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
        "float64",
    ] {
        v.push(("to", json!({"dtype": dt})));
    }
    let dims = [
        json!(0),
        json!(-1),
        json!(1),
        json!(3),
        json!(-4),
        json!([]),
        json!([0, -1]),
        json!([0, 0]),
    ];
    for op in [
        "sum",
        "mean",
        "amax",
        "amin",
        "var",
        "std",
        "logsumexp",
        "all",
        "any",
        "norm",
    ] {
        v.push((op, json!({})));
        for d in &dims {
            v.push((op, json!({"dim": d})));
            v.push((op, json!({"dim": d, "keepdim": true})));
        }
    }
    for p in [json!(0), json!(1), json!(3), json!("inf"), json!("-inf")] {
        v.push(("norm", json!({"p": p})));
        v.push(("norm", json!({"p": p, "dim": -1})));
    }
    v.push(("var", json!({"dim": 0, "correction": 0})));
    v.push(("std", json!({"dim": -1, "correction": 5})));
    for op in [
        "prod",
        "max",
        "min",
        "argmax",
        "argmin",
        "cumsum",
        "cumprod",
        "softmax",
        "log_softmax",
    ] {
        v.push((op, json!({})));
        for d in [0, -1, 1, 3, -4] {
            v.push((op, json!({"dim": d})));
            v.push((op, json!({"dim": d, "keepdim": true})));
        }
    }
    for d in [0, -1, 1, 2, 3, -4] {
        v.push(("unsqueeze", json!({"dim": d})));
        v.push(("squeeze", json!({"dim": d})));
        v.push(("transpose", json!({"dim0": d, "dim1": 0})));
        v.push(("select", json!({"dim": d, "index": 0})));
        v.push(("select", json!({"dim": d, "index": -1})));
        v.push(("narrow", json!({"dim": d, "start": 0, "length": 1})));
        v.push(("narrow", json!({"dim": d, "start": -1, "length": 2})));
        v.push(("split", json!({"split_size": 2, "dim": d})));
        v.push(("split", json!({"split_size": 0, "dim": d})));
        v.push(("chunk", json!({"chunks": 2, "dim": d})));
        v.push(("unbind", json!({"dim": d})));
        v.push(("flip", json!({"dims": [d]})));
        v.push(("roll", json!({"shifts": 1, "dims": d})));
        v.push(("tril", json!({"diagonal": d})));
        v.push(("triu", json!({"diagonal": d})));
        v.push(("diag", json!({"diagonal": d})));
        v.push(("movedim", json!({"source": d, "destination": 0})));
        v.push(("flatten", json!({"start_dim": d, "end_dim": -1})));
    }
    for s in [
        json!([-1]),
        json!([0, -1]),
        json!([-1, 0]),
        json!([2, -1]),
        json!([3, 2]),
        json!([]),
    ] {
        v.push(("reshape", json!({"shape": s})));
        v.push(("view", json!({"shape": s})));
    }
    for s in [json!([2, 3]), json!([-1, -1]), json!([0]), json!([2, 0, 3])] {
        v.push(("expand", json!({"size": s})));
    }
    for r in [json!([2]), json!([0, 1]), json!([1, 2, 1]), json!([])] {
        v.push(("repeat", json!({"repeats": r})));
    }
    v.push(("permute", json!({"dims": [1, 0]})));
    v.push(("permute", json!({"dims": [0]})));
    v.push(("permute", json!({"dims": []})));
    for idx in [
        json!(["..."]),
        json!([-1]),
        json!([5]),
        json!(["None", "::2"]),
        json!([":", "1:"]),
        json!(["...", "None"]),
        json!(["2:1"]),
    ] {
        v.push(("getitem", json!({"index": idx})));
    }
    // Layers: only the 3-/4-d inputs get past the rank checks, the rest must fail cleanly.
    for kw in [
        json!({"kernel_size": 2}),
        json!({"kernel_size": 3, "padding": 1, "stride": 2}),
        json!({"kernel_size": 5}),
        json!({"kernel_size": 2, "padding": 1, "ceil_mode": true}),
    ] {
        v.push(("max_pool2d", kw.clone()));
        v.push(("avg_pool2d", kw.clone()));
        v.push(("unfold", kw));
    }
    v.push((
        "avg_pool2d",
        json!({"kernel_size": 2, "divisor_override": 3}),
    ));
    v.push((
        "avg_pool2d",
        json!({"kernel_size": 2, "count_include_pad": false, "padding": 1}),
    ));
    for o in [json!(1), json!([2, 3]), json!(5), json!(0)] {
        v.push(("adaptive_avg_pool2d", json!({"output_size": o})));
    }
    v.push(("layer_norm", json!({"normalized_shape": [3]})));
    v.push(("layer_norm", json!({"normalized_shape": []})));
    v.push(("group_norm", json!({"num_groups": 1})));
    v.push(("batch_norm", json!({"training": true})));
    v.push(("pad", json!({"pad": [1, 1]})));
    v.push(("pad", json!({"pad": [1, 1], "mode": "reflect"})));
    v.push(("pad", json!({"pad": [-1, 2], "mode": "replicate"})));
    v.push(("pad", json!({"pad": [1, 0], "mode": "circular"})));
    v.push(("dropout", json!({"p": 0.0})));
    v.push(("one_hot", json!({})));
    v.push(("normalize", json!({"dim": -1})));
    v.push(("requires_grad_", json!({})));
    v
}

/// Ops of the golden vocabulary over two tensors.
fn binary_calls() -> Vec<(&'static str, Value)> {
    let mut v: Vec<(&'static str, Value)> = Vec::new();
    for op in [
        "add",
        "sub",
        "mul",
        "div",
        "maximum",
        "minimum",
        "atan2",
        "pow",
        "eq",
        "lt",
        "logical_and",
        "logical_or",
        "logical_xor",
        "dot",
        "mv",
        "mm",
        "bmm",
        "matmul",
        "outer",
        "linalg_solve",
        "masked_fill",
        "masked_select",
        "getitem_mask",
        "getitem_tensor",
        "mse_loss",
        "l1_loss",
        "huber_loss",
        "smooth_l1_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
        "nll_loss",
        "linear",
        "conv1d",
        "conv2d",
        "conv_transpose2d",
        "embedding",
        "cosine_similarity",
    ] {
        v.push((op, json!({"value": 1.5})));
    }
    v.push(("add", json!({"alpha": 2})));
    v.push(("sub", json!({"alpha": 0.5})));
    for kw in [
        json!({"groups": 2}),
        json!({"padding": 1, "stride": 2, "dilation": 2}),
        json!({"padding": 3}),
        json!({"stride": 0}),
        json!({"groups": 0}),
    ] {
        v.push(("conv1d", kw.clone()));
        v.push(("conv2d", kw.clone()));
        v.push(("conv_transpose2d", kw));
    }
    v.push((
        "conv_transpose2d",
        json!({"stride": 2, "output_padding": 1}),
    ));
    v.push(("conv_transpose2d", json!({"output_padding": 2})));
    for d in [0, -1, 2] {
        v.push(("index_add", json!({"dim": d})));
        v.push(("scatter_add", json!({"dim": d})));
        v.push(("cross_entropy", json!({"label_smoothing": 0.2, "dim": d})));
        v.push(("nll_loss", json!({"ignore_index": d})));
    }
    for r in ["sum", "none", "bogus"] {
        v.push(("mse_loss", json!({"reduction": r})));
        v.push(("cross_entropy", json!({"reduction": r})));
    }
    for d in [0, -1, 1, 3] {
        v.push(("cat", json!({"dim": d})));
        v.push(("stack", json!({"dim": d})));
        v.push(("index_select", json!({"dim": d})));
        v.push(("gather", json!({"dim": d})));
    }
    v
}

/// Ops of the golden vocabulary over three tensors (tried as `x, p, p` and `p, x, x`).
fn ternary_calls() -> Vec<(&'static str, Value)> {
    let mut v: Vec<(&'static str, Value)> = Vec::new();
    for op in [
        "where",
        "addmm",
        "addbmm",
        "baddbmm",
        "addmv",
        "linear",
        "conv1d",
        "conv2d",
        "conv_transpose2d",
        "cross_entropy",
        "nll_loss",
        "layer_norm",
        "group_norm",
        "batch_norm",
        "linalg_solve_triangular",
        "scaled_dot_product_attention",
    ] {
        v.push((op, json!({})));
    }
    v.push(("scatter_add", json!({"dim": 0})));
    v.push(("index_add", json!({"dim": -1})));
    v.push(("layer_norm", json!({"normalized_shape": [3]})));
    v.push(("group_norm", json!({"num_groups": 2})));
    v.push(("batch_norm", json!({"training": true})));
    v.push(("addmm", json!({"beta": 0, "alpha": 2})));
    v
}

/// Direct calls to `try_` functions outside the golden vocabulary (and every op of the op
/// table through its generic entry points), each with a name for the report.
type Direct = (&'static str, fn(&Tensor) -> ember::Result<Vec<Tensor>>);

fn direct_calls() -> Vec<Direct> {
    fn one(r: ember::Result<Tensor>) -> ember::Result<Vec<Tensor>> {
        r.map(|t| vec![t])
    }
    vec![
        ("unary ops", |x| {
            UnaryOp::ALL.iter().map(|&op| x.try_unary(op)).collect()
        }),
        ("unary ops in place", |x| {
            UnaryOp::ALL
                .iter()
                .map(|&op| x.detach().try_clone_tensor()?.try_unary_(op))
                .collect()
        }),
        ("binary ops with self", |x| {
            BinaryOp::ALL
                .iter()
                .map(|&op| x.try_binary(x, op))
                .collect()
        }),
        ("binary ops with scalars", |x| {
            let mut out = Vec::new();
            for &op in BinaryOp::ALL {
                for s in [Scalar::Int(0), Scalar::Float(-1.5), Scalar::Bool(true)] {
                    out.push(x.try_binary(Operand::Scalar(s), op)?);
                }
            }
            Ok(out)
        }),
        ("binary ops in place", |x| {
            BinaryOp::ALL
                .iter()
                .map(|&op| x.detach().try_clone_tensor()?.try_binary_(2.0, op))
                .collect()
        }),
        ("cmp ops", |x| {
            CmpOp::ALL
                .iter()
                .map(|&op| x.try_cmp(Operand::Scalar(Scalar::Float(f64::NAN)), op))
                .collect()
        }),
        ("clamp_scalar", |x| {
            one(x.try_clamp_scalar(Some(Scalar::Int(-1)), Some(Scalar::Float(0.5))))
        }),
        ("clamp_ int bounds", |x| {
            one(x.detach().try_clone_tensor()?.try_clamp_(-1.0, 1.0))
        }),
        ("fill_ / zero_", |x| {
            let y = x.detach().try_clone_tensor()?;
            Ok(vec![y.try_fill_(2.5)?, y.try_zero_()?])
        }),
        ("copy_ from transposed", |x| {
            let y = x.detach().try_clone_tensor()?;
            one(y.try_copy_(&x.try_t()?))
        }),
        ("squeeze_dim lists", |x| {
            Ok(vec![x.try_squeeze_dim([0, -1])?, x.try_squeeze_dim(())?])
        }),
        ("split_with_sizes", |x| {
            x.try_split_with_sizes([1, 0, 2], -1)
        }),
        ("expand_as self", |x| one(x.try_expand_as(x))),
        ("index with empty list", |x| one(x.try_index(&[]))),
        ("index_put_ empty index", |x| {
            let i = Tensor::from_vec(Vec::<i64>::new(), [0]);
            let v = ember::zeros([0]).to_dtype(x.dtype());
            one(x
                .detach()
                .try_clone_tensor()?
                .try_index_put_(&[Some(i)], &v, false))
        }),
        ("index_add empty", |x| {
            let i = Tensor::from_vec(Vec::<i64>::new(), [0]);
            one(x.try_index_add(0, &i, &x.try_narrow(0, 0, 0)?, Scalar::Int(1)))
        }),
        ("scatter_add self", |x| {
            let i = ember::zeros_like(x).to_dtype(DType::I64);
            one(x.try_scatter_add(-1, &i, x))
        }),
        (
            "where_cond",
            |x| one(x.try_where_cond(&x.try_ne(0.0)?, 0.0)),
        ),
        ("vector_norm orders", |x| {
            [0.0, 1.0, 2.0, 0.5, f64::INFINITY, f64::NEG_INFINITY]
                .iter()
                .map(|&p| x.try_norm_with(p, (), false))
                .collect()
        }),
        ("std/var with corrections", |x| {
            Ok(vec![
                x.try_var_with((), 0.0, false)?,
                x.try_std_with(-1, 3.0, true)?,
            ])
        }),
        ("max/min dims", |x| {
            let (a, b) = x.try_max_dim(-1, true)?;
            let (c, d) = x.try_min_dim(0, false)?;
            Ok(vec![a, b, c, d])
        }),
        ("cumprod", |x| one(x.try_cumprod(-1))),
        ("rsub/rdiv/rpow", |x| {
            Ok(vec![x.try_rsub(2)?, x.try_rdiv(0.5)?, x.try_rpow(2.0)?])
        }),
        ("add/sub alpha self", |x| {
            Ok(vec![x.try_add_alpha(x, 2.0)?, x.try_sub_alpha(x, -0.5)?])
        }),
        ("item", |x| {
            x.try_item::<f64>()?;
            Ok(vec![])
        }),
        ("size_at", |x| {
            x.try_size_at(-1)?;
            x.try_size_at(7)?;
            Ok(vec![])
        }),
        ("max_pool1d / avg_pool1d", |x| {
            use ember::nn::functional as F;
            Ok(vec![
                F::max_pool1d(x, F::MaxPool1dOptions::new(2))?,
                F::avg_pool1d(x, F::AvgPool1dOptions::new(2))?,
            ])
        }),
        ("max_pool2d_with_indices", |x| {
            use ember::nn::functional as F;
            let (a, b) = F::max_pool2d_with_indices(x, F::MaxPool2dOptions::new(2))?;
            Ok(vec![a, b])
        }),
        ("fold", |x| {
            use ember::nn::functional as F;
            one(F::fold(x, [2, 2], F::FoldOptions::new(1)))
        }),
        ("dropout train", |x| {
            one(ember::nn::functional::dropout(x, 0.5, true))
        }),
        ("in-place ops through a transposed view", |x| {
            let y = x.detach().try_clone_tensor()?;
            let t = y.try_t()?;
            Ok(vec![
                t.try_add_(1)?,
                t.try_mul_(&t)?,
                t.try_clamp_(0.0, 1.0)?,
                t.try_masked_fill_(&t.try_ne(0.0)?, 2)?,
                t.try_copy_(&y)?,
            ])
        }),
        ("index_put_ accumulate", |x| {
            let y = x.detach().try_clone_tensor()?;
            let i = Tensor::from_vec(vec![0i64, 0, -1], [3]);
            let v = values(&[], y.dtype(), false);
            Ok(vec![
                y.try_index_put_(&[Some(i.clone())], &v, true)?,
                y.try_index_put(&[Some(i)], &v, false)?,
            ])
        }),
        ("nonzero / masked_select of self", |x| {
            Ok(vec![
                x.try_nonzero()?,
                x.try_masked_select(&x.try_ne(0.0)?)?,
            ])
        }),
        ("unfold / fold geometry", |x| {
            use ember::nn::functional as F;
            let u = F::unfold(x, F::FoldOptions::new(2).stride([2, 1]))?;
            Ok(vec![F::fold(&u, [3, 3], F::FoldOptions::new(2))?, u])
        }),
        ("adaptive_avg_pool2d sizes", |x| {
            use ember::nn::functional as F;
            Ok(vec![
                F::adaptive_avg_pool2d(x, [1, 1])?,
                F::adaptive_avg_pool2d(x, [7, 3])?,
                F::adaptive_avg_pool2d(x, [0, 2])?,
            ])
        }),
        ("gelu approximations", |x| {
            use ember::nn::functional::GeluApproximate;
            Ok(vec![
                x.try_gelu_approx(GeluApproximate::None)?,
                x.try_gelu_approx(GeluApproximate::Tanh)?,
            ])
        }),
        ("activations with odd parameters", |x| {
            Ok(vec![
                x.try_leaky_relu(f64::NAN)?,
                x.try_elu(-1.0)?,
                x.try_softplus(0.0, -1.0)?,
                x.try_hardtanh(2.0, -2.0)?,
                x.try_hardtanh(f64::NEG_INFINITY, f64::INFINITY)?,
            ])
        }),
        ("softmax over every dim", |x| {
            (-3..3).map(|d| x.try_softmax(d)).collect()
        }),
        ("linalg", |x| {
            Ok(vec![
                x.try_linalg_cholesky_with(true)?,
                x.try_linalg_solve(x)?,
                x.try_addmm(x, x)?,
                x.try_addmv(x, x)?,
                x.try_baddbmm(x, x)?,
                x.try_addbmm(x, x)?,
            ])
        }),
    ]
}

/// Direct calls with two tensors (in-place binary ops, masks, indices of any dtype).
type DirectPair = (
    &'static str,
    fn(&Tensor, &Tensor) -> ember::Result<Vec<Tensor>>,
);

fn direct_pair_calls() -> Vec<DirectPair> {
    fn one(r: ember::Result<Tensor>) -> ember::Result<Vec<Tensor>> {
        r.map(|t| vec![t])
    }
    vec![
        ("binary ops in place with a tensor", |x, p| {
            BinaryOp::ALL
                .iter()
                .map(|&op| x.detach().try_clone_tensor()?.try_binary_(p, op))
                .collect()
        }),
        ("cmp ops with a tensor", |x, p| {
            CmpOp::ALL.iter().map(|&op| x.try_cmp(p, op)).collect()
        }),
        ("binary ops with a tensor", |x, p| {
            BinaryOp::ALL
                .iter()
                .map(|&op| x.try_binary(p, op))
                .collect()
        }),
        ("where_cond with p as mask", |x, p| {
            one(x.try_where_cond(p, 1.5))
        }),
        ("masked_fill with p as mask", |x, p| {
            one(x.try_masked_fill(p, 2))
        }),
        ("copy_ from p", |x, p| {
            one(x.detach().try_clone_tensor()?.try_copy_(p))
        }),
        ("expand_as p", |x, p| one(x.try_expand_as(p))),
        ("index_select / gather / index by p", |x, p| {
            Ok(vec![
                x.try_index_select(0, p)?,
                x.try_gather(-1, p)?,
                x.try_index(&[Some(p.clone())])?,
            ])
        }),
        ("index_put_ at p", |x, p| {
            let v = values(&[], x.dtype(), false);
            one(x
                .detach()
                .try_clone_tensor()?
                .try_index_put_(&[Some(p.clone())], &v, true))
        }),
        ("pow both ways", |x, p| {
            Ok(vec![x.try_pow(p)?, p.try_pow(x)?])
        }),
        ("where_ with scalars", |x, p| {
            Ok(vec![
                ember::try_where_(p, x, 0.5)?,
                ember::try_where_(p, 1, x)?,
            ])
        }),
    ]
}

/// The second operand for a pair: the same input, a broadcastable one, or other dtypes.
fn partners(x: &Tensor) -> Vec<(String, Tensor)> {
    let mut out = vec![("self".to_string(), x.clone())];
    for dt in [DType::Bool, DType::I64, DType::F32, DType::F64] {
        out.push((format!("{dt}/0d"), values(&[], dt, false)));
        out.push((format!("{dt}/e0"), values(&[0], dt, false)));
    }
    for dt in DType::ALL {
        out.push((format!("{dt}/v3"), values(&[3], dt, false)));
    }
    out.push(("i64/m23".into(), values(&[2, 3], DType::I64, false)));
    out.push(("f32/m32t".into(), values(&[2, 3], DType::F32, false).t()));
    out
}

/// `x` as a leaf requiring grad when it is f64/f32 (so backward runs too).
fn leaf(x: &Tensor) -> Tensor {
    if matches!(x.dtype(), DType::F32 | DType::F64) {
        x.detach().requires_grad_(true)
    } else {
        x.clone()
    }
}

/// Backward through the first float output that has history (an `Err` is fine).
fn backward(outs: &[Tensor]) {
    if let Some(o) = outs.iter().find(|o| o.requires_grad())
        && let Ok(s) = o.try_sum()
    {
        let _ = s.try_backward();
    }
}

#[test]
fn no_op_panics_on_the_grid() {
    let inputs = grid();
    let (unary, binary, direct) = (unary_calls(), binary_calls(), direct_calls());
    let ternary = ternary_calls();
    let direct_pairs = direct_pair_calls();
    let mut panics: Vec<String> = Vec::new();
    let mut known_seen = vec![false; KNOWN_PANICS.len()];
    let mut calls = 0usize;
    let mut record = |what: String, r: Result<(), String>| {
        calls += 1;
        if let Err(m) = r {
            match KNOWN_PANICS.iter().position(|(k, _)| what.starts_with(k)) {
                Some(k) => known_seen[k] = true,
                None => panics.push(format!("{what}: {m}")),
            }
        }
    };
    for inp in &inputs {
        for (op, kw) in &unary {
            let x = leaf(&inp.t);
            record(
                format!("{op} {kw} on {}", inp.name),
                no_panic(|| {
                    if let Some(Ok(outs)) =
                        golden_ops::dispatch(op, std::slice::from_ref(&x), &spec::Kw(kw))
                    {
                        backward(&outs);
                    }
                }),
            );
        }
        for (name, f) in &direct {
            let x = leaf(&inp.t);
            record(
                format!("{name} on {}", inp.name),
                no_panic(|| {
                    if let Ok(outs) = f(&x) {
                        backward(&outs);
                    }
                }),
            );
        }
    }
    // Pairs: every input with a few partners (self, broadcastable, other dtypes, empty).
    for inp in &inputs {
        for (pname, p) in partners(&inp.t) {
            for (name, f) in &direct_pairs {
                let (x, y) = (leaf(&inp.t), leaf(&p));
                record(
                    format!("{name} on {} and {pname}", inp.name),
                    no_panic(|| {
                        if let Ok(outs) = f(&x, &y) {
                            backward(&outs);
                        }
                    }),
                );
            }
            for (op, kw) in &binary {
                let (x, y) = (leaf(&inp.t), leaf(&p));
                record(
                    format!("{op} {kw} on {} and {pname}", inp.name),
                    no_panic(|| {
                        let ins = [x, y];
                        if let Some(Ok(outs)) = golden_ops::dispatch(op, &ins, &spec::Kw(kw)) {
                            backward(&outs);
                        }
                    }),
                );
            }
        }
    }
    // Triples: the op's first operand from the grid with a partner in the other two places,
    // and the other way round.
    for inp in &inputs {
        for (pname, p) in partners(&inp.t) {
            for (op, kw) in &ternary {
                for order in 0..2 {
                    let (x, y) = (leaf(&inp.t), leaf(&p));
                    let ins = if order == 0 {
                        [x, y.clone(), y]
                    } else {
                        [y, x.clone(), x]
                    };
                    record(
                        format!("{op} {kw} on {} and {pname} ({order})", inp.name),
                        no_panic(|| {
                            if let Some(Ok(outs)) = golden_ops::dispatch(op, &ins, &spec::Kw(kw)) {
                                backward(&outs);
                            }
                        }),
                    );
                }
            }
        }
    }
    eprintln!("sweep: {calls} calls");
    assert!(calls > 10_000, "the grid shrank to {calls} calls");
    assert!(
        panics.is_empty(),
        "{} of {calls} calls panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
    let fixed: Vec<&str> = KNOWN_PANICS
        .iter()
        .zip(&known_seen)
        .filter(|(_, seen)| !**seen)
        .map(|((k, _), _)| *k)
        .collect();
    assert!(
        fixed.is_empty(),
        "KNOWN_PANICS entries that no longer panic: {fixed:?}"
    );
}

/// One op case, checked as the golden runner checks it (error, outputs, node name,
/// gradients).
fn run_case(case: &Value) -> Result<(), String> {
    crate::golden::run_op_case(case)
}

#[test]
fn sweep_cases_match_pytorch() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sweep");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let (mut passed, mut failures, mut known_seen) = (0usize, Vec::new(), vec![false; KNOWN.len()]);
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable sweep file");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("valid JSON");
            let id = case["id"].as_str().unwrap_or("?").to_string();
            let r = no_panic(|| run_case(&case)).unwrap_or_else(|p| Err(format!("panicked: {p}")));
            let known = KNOWN.iter().position(|(k, _)| id.starts_with(k));
            match (r, known) {
                (Ok(()), _) => passed += 1,
                (Err(_), Some(k)) => known_seen[k] = true,
                (Err(e), None) => failures.push(format!("  {id}: {e}")),
            }
        }
    }
    assert!(passed > 1000, "only {passed} sweep cases ran");
    assert!(
        failures.is_empty(),
        "{} sweep cases disagree with PyTorch ({passed} pass):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let stale: Vec<&str> = KNOWN
        .iter()
        .zip(&known_seen)
        .filter(|(_, seen)| !**seen)
        .map(|((k, _), _)| *k)
        .collect();
    assert!(stale.is_empty(), "KNOWN entries that now pass: {stale:?}");
}

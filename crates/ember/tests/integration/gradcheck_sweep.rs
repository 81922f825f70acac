//! The gradcheck sweep: every differentiable op of the vocabulary against finite differences
//! in f64, on contiguous leaves, on transposed (non-contiguous) leaves, and with broadcast
//! operands, plus a second-order check (gradgradcheck) on the contiguous case. The nn layers
//! have their own sweeps in tests/nn_*.rs.

use ember::autograd::{gradcheck, gradgradcheck};
use ember::{DType, Result, Tensor, UnaryOp};

/// Uniform values in `[lo, hi)` of `shape`, as a leaf that is transposed (non-contiguous,
/// same shape) when `transposed` and the tensor has at least 2 dims.
fn leaf(shape: &[usize], (lo, hi): (f64, f64), transposed: bool) -> Tensor {
    let n = shape.len();
    if transposed && n >= 2 {
        let mut s = shape.to_vec();
        s.swap(n - 1, n - 2);
        let t = ember::rand_with(s, DType::F64)
            .mul(hi - lo)
            .add(lo)
            .transpose(-1, -2);
        assert!(shape[n - 1] == 1 || shape[n - 2] == 1 || !t.is_contiguous());
        t.requires_grad_(true)
    } else {
        ember::rand_with(shape, DType::F64)
            .mul(hi - lo)
            .add(lo)
            .requires_grad_(true)
    }
}

type Op = Box<dyn Fn(&[Tensor]) -> Result<Tensor>>;

/// One sweep entry: the op, its input shapes and domains, and whether it is smooth enough
/// for a second-order check.
struct Case {
    name: String,
    f: Op,
    inputs: Vec<(Vec<usize>, (f64, f64))>,
    second_order: bool,
}

fn case(
    name: &str,
    inputs: &[(&[usize], (f64, f64))],
    f: impl Fn(&[Tensor]) -> Result<Tensor> + 'static,
) -> Case {
    Case {
        name: name.into(),
        f: Box::new(f),
        inputs: inputs.iter().map(|(s, d)| (s.to_vec(), *d)).collect(),
        second_order: true,
    }
}

const ANY: (f64, f64) = (-2.0, 2.0);
const POS: (f64, f64) = (0.5, 2.0);
const UNIT: (f64, f64) = (-0.9, 0.9);

/// Runs every case in both layouts; returns the failures instead of stopping at the first.
fn sweep(cases: Vec<Case>) {
    ember::manual_seed(7);
    let mut failures = Vec::new();
    for c in &cases {
        for transposed in [false, true] {
            let leaves: Vec<Tensor> = c
                .inputs
                .iter()
                .map(|(s, d)| leaf(s, *d, transposed))
                .collect();
            let f = |i: &[Tensor]| Ok(vec![(c.f)(i)?]);
            if let Err(e) = gradcheck(f, &leaves) {
                failures.push(format!("{} (transposed={transposed}): {e}", c.name));
            }
            if c.second_order
                && !transposed
                && let Err(e) = gradgradcheck(f, &leaves)
            {
                failures.push(format!("{} (gradgrad): {e}", c.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn domain(op: UnaryOp) -> (f64, f64) {
    use UnaryOp::*;
    match op {
        Log | Log2 | Log10 | Sqrt | Rsqrt | Reciprocal => POS,
        Log1p => (0.0, 1.0),
        Asin | Acos | Tan => UNIT,
        _ => ANY,
    }
}

#[test]
fn unary_ops() {
    let mut cases = Vec::new();
    for &op in UnaryOp::ALL {
        let d = domain(op);
        cases.push(case(op.name(), &[(&[3, 4], d)], move |i| {
            i[0].try_unary(op)
        }));
        // A broadcast operand: the leaf is expanded inside the op.
        cases.push(case(
            &format!("{} (expanded)", op.name()),
            &[(&[3, 1], d)],
            move |i| i[0].try_expand([3, 4])?.try_unary(op),
        ));
    }
    sweep(cases);
}

#[test]
fn parametrised_activations() {
    sweep(vec![
        case("leaky_relu", &[(&[3, 4], ANY)], |i| {
            i[0].try_leaky_relu(0.1)
        }),
        case("elu", &[(&[3, 4], ANY)], |i| i[0].try_elu(1.3)),
        case("gelu_tanh", &[(&[3, 4], ANY)], |i| {
            i[0].try_gelu_approx(ember::nn::functional::GeluApproximate::Tanh)
        }),
        case("softplus", &[(&[3, 4], ANY)], |i| {
            i[0].try_softplus(2.0, 20.0)
        }),
        case("hardtanh", &[(&[3, 4], ANY)], |i| {
            i[0].try_hardtanh(-1.0, 1.0)
        }),
        case("clamp", &[(&[3, 4], ANY)], |i| i[0].try_clamp(-0.5, 0.7)),
    ]);
}

#[test]
fn binary_ops() {
    type Bin = fn(&Tensor, &Tensor) -> Result<Tensor>;
    type Domain = (f64, f64);
    let ops: [(&str, Bin, Domain, Domain); 10] = [
        ("add", |a, b| a.try_add(b), ANY, ANY),
        ("sub", |a, b| a.try_sub(b), ANY, ANY),
        ("mul", |a, b| a.try_mul(b), ANY, ANY),
        ("div", |a, b| a.try_div(b), ANY, POS),
        ("maximum", |a, b| a.try_maximum(b), ANY, ANY),
        ("minimum", |a, b| a.try_minimum(b), ANY, ANY),
        ("atan2", |a, b| a.try_atan2(b), ANY, ANY),
        ("pow", |a, b| a.try_pow(b), POS, ANY),
        ("remainder", |a, b| a.try_remainder(b), ANY, POS),
        ("fmod", |a, b| a.try_fmod(b), ANY, POS),
    ];
    let mut cases = Vec::new();
    for (name, f, da, db) in ops {
        let full: &[usize] = &[3, 4];
        for (label, sb) in [
            ("", full),
            (" (broadcast [4])", &[4]),
            (" (broadcast [3,1])", &[3, 1]),
        ] {
            cases.push(case(
                &format!("{name}{label}"),
                &[(full, da), (sb, db)],
                move |i| f(&i[0], &i[1]),
            ));
        }
    }
    // Scalar operands on either side.
    cases.push(case("pow scalar exponent", &[(&[3, 4], POS)], |i| {
        i[0].try_pow(2.5)
    }));
    cases.push(case("rpow", &[(&[3, 4], ANY)], |i| i[0].try_rpow(1.7)));
    cases.push(case("rdiv", &[(&[3, 4], POS)], |i| i[0].try_rdiv(3.0)));
    cases.push(case("rsub", &[(&[3, 4], ANY)], |i| i[0].try_rsub(3.0)));
    sweep(cases);
}

#[test]
fn reductions_and_scans() {
    sweep(vec![
        case("sum", &[(&[3, 4], ANY)], |i| i[0].try_sum()),
        case("sum_dim", &[(&[3, 4], ANY)], |i| i[0].try_sum_dim(1, true)),
        case("mean", &[(&[3, 4], ANY)], |i| i[0].try_mean()),
        case("mean_dim", &[(&[3, 4], ANY)], |i| {
            i[0].try_mean_dim(-2, false)
        }),
        case("prod", &[(&[3, 4], POS)], |i| i[0].try_prod()),
        case("prod_dim", &[(&[3, 4], POS)], |i| {
            i[0].try_prod_dim(0, false)
        }),
        case("amax", &[(&[3, 4], ANY)], |i| i[0].try_amax(1, false)),
        case("amin", &[(&[3, 4], ANY)], |i| i[0].try_amin(0, true)),
        case("max", &[(&[3, 4], ANY)], |i| i[0].try_max()),
        case("max_dim", &[(&[3, 4], ANY)], |i| {
            Ok(i[0].try_max_dim(1, false)?.0)
        }),
        case("min_dim", &[(&[3, 4], ANY)], |i| {
            Ok(i[0].try_min_dim(0, true)?.0)
        }),
        case("var", &[(&[3, 4], ANY)], |i| i[0].try_var()),
        case("var_dim", &[(&[3, 4], ANY)], |i| i[0].try_var_dim(1, true)),
        case("std", &[(&[3, 4], ANY)], |i| i[0].try_std()),
        case("std_dim", &[(&[3, 4], ANY)], |i| i[0].try_std_dim(0, false)),
        case("norm", &[(&[3, 4], ANY)], |i| i[0].try_norm()),
        case("norm p=3 dim", &[(&[3, 4], POS)], |i| {
            i[0].try_norm_with(3.0, 1, false)
        }),
        case("logsumexp", &[(&[3, 4], ANY)], |i| {
            i[0].try_logsumexp(1, false)
        }),
        case("cumsum", &[(&[3, 4], ANY)], |i| i[0].try_cumsum(1)),
        case("cumprod", &[(&[3, 4], POS)], |i| i[0].try_cumprod(0)),
        case("softmax", &[(&[3, 4], ANY)], |i| i[0].try_softmax(1)),
        case("log_softmax", &[(&[3, 4], ANY)], |i| {
            i[0].try_log_softmax(0)
        }),
    ]);
}

#[test]
fn matmul_family_and_linalg() {
    let spd = |a: &Tensor| -> Result<Tensor> {
        a.try_matmul(&a.try_t()?)?
            .try_add(&ember::eye_with(3, 3, DType::F64).mul(3.0))
    };
    sweep(vec![
        case("mm", &[(&[3, 4], ANY), (&[4, 2], ANY)], |i| {
            i[0].try_mm(&i[1])
        }),
        case(
            "matmul broadcast",
            &[(&[2, 3, 4], ANY), (&[4, 2], ANY)],
            |i| i[0].try_matmul(&i[1]),
        ),
        case("matmul vec", &[(&[4], ANY), (&[2, 4, 3], ANY)], |i| {
            i[0].try_matmul(&i[1])
        }),
        case("bmm", &[(&[2, 3, 4], ANY), (&[2, 4, 2], ANY)], |i| {
            i[0].try_bmm(&i[1])
        }),
        case("mv", &[(&[3, 4], ANY), (&[4], ANY)], |i| i[0].try_mv(&i[1])),
        case("dot", &[(&[4], ANY), (&[4], ANY)], |i| i[0].try_dot(&i[1])),
        case("outer", &[(&[3], ANY), (&[4], ANY)], |i| {
            i[0].try_outer(&i[1])
        }),
        case(
            "addmm",
            &[(&[2], ANY), (&[3, 4], ANY), (&[4, 2], ANY)],
            |i| i[0].try_addmm(&i[1], &i[2]),
        ),
        case(
            "baddbmm",
            &[(&[3, 2], ANY), (&[2, 3, 4], ANY), (&[2, 4, 2], ANY)],
            |i| i[0].try_baddbmm(&i[1], &i[2]),
        ),
        case("trace", &[(&[3, 4], ANY)], |i| i[0].try_trace()),
        case("inverse", &[(&[3, 3], ANY)], move |i| {
            spd(&i[0])?.try_inverse()
        }),
        case("det", &[(&[3, 3], ANY)], |i| i[0].try_det()),
        case("solve", &[(&[3, 3], ANY), (&[3, 2], ANY)], move |i| {
            spd(&i[0])?.try_linalg_solve(&i[1])
        }),
        case("cholesky", &[(&[3, 3], ANY)], move |i| {
            spd(&i[0])?.try_linalg_cholesky()
        }),
        case(
            "solve_triangular",
            &[(&[3, 3], ANY), (&[3, 2], ANY)],
            move |i| {
                let l = spd(&i[0])?.try_linalg_cholesky()?;
                l.try_linalg_solve_triangular(&i[1], false, true, false)
            },
        ),
    ]);
}

#[test]
fn shape_and_index_ops() {
    let idx = || ember::tensor([2i64, 0, 2]);
    sweep(vec![
        case("view", &[(&[3, 4], ANY)], |i| {
            i[0].try_contiguous()?.try_view([2, 6])
        }),
        case("reshape", &[(&[3, 4], ANY)], |i| i[0].try_reshape([4, 3])),
        case("permute", &[(&[2, 3, 4], ANY)], |i| {
            i[0].try_permute([2, 0, 1])
        }),
        case("expand", &[(&[3, 1], ANY)], |i| i[0].try_expand([2, 3, 4])),
        case("squeeze/unsqueeze", &[(&[3, 1], ANY)], |i| {
            i[0].try_squeeze_dim(1)?.try_unsqueeze(0)
        }),
        case("flip", &[(&[3, 4], ANY)], |i| i[0].try_flip([0, 1])),
        case("roll", &[(&[3, 4], ANY)], |i| i[0].try_roll([1], [1])),
        case("tril", &[(&[3, 4], ANY)], |i| i[0].try_tril(0)),
        case("triu", &[(&[3, 4], ANY)], |i| i[0].try_triu(1)),
        case("diag", &[(&[3, 4], ANY)], |i| i[0].try_diag(0)),
        case("repeat", &[(&[3, 4], ANY)], |i| i[0].try_repeat([2, 1, 2])),
        case("movedim", &[(&[2, 3, 4], ANY)], |i| i[0].try_movedim(0, 2)),
        case("narrow", &[(&[3, 4], ANY)], |i| i[0].try_narrow(1, 1, 2)),
        case("select", &[(&[3, 4], ANY)], |i| i[0].try_select(0, -1)),
        case("cat", &[(&[3, 4], ANY), (&[2, 4], ANY)], |i| {
            ember::try_cat(&[&i[0], &i[1]], 0)
        }),
        case("stack", &[(&[3, 4], ANY), (&[3, 4], ANY)], |i| {
            ember::try_stack(&[&i[0], &i[1]], 1)
        }),
        case("index_select", &[(&[3, 4], ANY)], move |i| {
            i[0].try_index_select(1, &idx())
        }),
        case("gather", &[(&[3, 4], ANY)], |i| {
            i[0].try_gather(1, &ember::tensor([[0i64, 3], [1, 1], [2, 0]]))
        }),
        case("scatter_add", &[(&[3, 4], ANY), (&[3, 2], ANY)], |i| {
            i[0].try_scatter_add(1, &ember::tensor([[0i64, 3], [1, 1], [2, 0]]), &i[1])
        }),
        case("masked_fill", &[(&[3, 4], ANY)], |i| {
            let m = ember::tensor([true, false, false, true]);
            i[0].try_masked_fill(&m, 0.5)
        }),
        case("where", &[(&[3, 4], ANY), (&[4], ANY)], |i| {
            let c = ember::tensor([true, false, false, true]);
            ember::try_where_(&c, &i[0], &i[1])
        }),
    ]);
}

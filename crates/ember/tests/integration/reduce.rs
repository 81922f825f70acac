//! Reductions and scans through the public API: gradients against finite differences on
//! contiguous, transposed and expanded inputs, second derivatives, `grad_fn` names, values
//! and errors with numbers from PyTorch 2.15.

use crate::common::leaf;
use ember::autograd::{GradOptions, grad_with, gradcheck, gradgradcheck};
use ember::{DType, Result, Tensor};

/// Distinct values (no ties between the elements of a slice), so that max/min/norm-inf are
/// differentiable at the point.
fn distinct(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| ((i * 7919 % 101) as f64 - 50.0) / 17.0 + 0.013 * i as f64)
        .collect();
    leaf(v, shape)
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * (1.0 + y.abs()))
}

fn err<T>(r: Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

type Op = fn(&Tensor) -> Result<Tensor>;

/// Runs gradcheck of `op` on a contiguous [3, 4] input, on the transpose of a [4, 3] leaf,
/// and on a [3, 1] leaf expanded to [3, 4].
fn check_layouts(op: Op) {
    let x = distinct(&[3, 4]);
    gradcheck(|xs| Ok(vec![op(&xs[0])?]), &[x]).unwrap();
    let xt = distinct(&[4, 3]);
    gradcheck(|xs| Ok(vec![op(&xs[0].try_t()?)?]), &[xt]).unwrap();
    let xe = distinct(&[3, 1]);
    gradcheck(|xs| Ok(vec![op(&xs[0].try_expand([3, 4])?)?]), &[xe]).unwrap();
}

#[test]
fn gradcheck_every_op_and_layout() {
    let ops: &[(&str, Op)] = &[
        ("prod", |x| x.try_prod()),
        ("prod_dim", |x| x.try_prod_dim(1, false)),
        ("prod_dim_keep", |x| x.try_prod_dim(0, true)),
        ("max", |x| x.try_max()),
        ("min", |x| x.try_min()),
        ("max_dim", |x| Ok(x.try_max_dim(1, false)?.0)),
        ("min_dim_keep", |x| Ok(x.try_min_dim(0, true)?.0)),
        ("amax", |x| x.try_amax(1, false)),
        ("amin_all", |x| x.try_amin((), true)),
        ("var", |x| x.try_var()),
        ("var_dim", |x| x.try_var_dim(1, false)),
        ("var_c0_keep", |x| x.try_var_with([0, 1], 0.0, true)),
        ("std", |x| x.try_std()),
        ("std_dim", |x| x.try_std_with(0, 0.0, false)),
        ("norm", |x| x.try_norm()),
        ("norm1", |x| x.try_norm_with(1.0, 1, false)),
        ("norm3", |x| x.try_norm_with(3.0, 0, true)),
        ("norm1.5", |x| x.try_norm_with(1.5, (), false)),
        ("norm0.5", |x| x.try_norm_with(0.5, 1, false)),
        ("norm_inf", |x| x.try_norm_with(f64::INFINITY, 1, false)),
        ("norm_ninf", |x| {
            x.try_norm_with(f64::NEG_INFINITY, (), false)
        }),
        ("logsumexp", |x| x.try_logsumexp(1, false)),
        ("logsumexp_all", |x| x.try_logsumexp((), true)),
        ("cumsum", |x| x.try_cumsum(1)),
        ("cumsum0", |x| x.try_cumsum(-2)),
        ("cumprod", |x| x.try_cumprod(1)),
        ("cumprod0", |x| x.try_cumprod(0)),
    ];
    for (name, op) in ops {
        eprintln!("{name}");
        check_layouts(*op);
    }
}

#[test]
fn gradgradcheck_smooth_ops() {
    let ops: &[Op] = &[
        |x| x.try_prod_dim(1, false),
        |x| x.try_prod(),
        |x| x.try_var_dim(1, false),
        |x| x.try_std(),
        |x| x.try_norm(),
        |x| x.try_norm_with(3.0, 1, false),
        |x| x.try_logsumexp(0, false),
        |x| x.try_cumsum(1),
        |x| x.try_cumprod(1),
        |x| x.try_amax(1, true),
        |x| Ok(x.try_max_dim(0, false)?.0),
    ];
    for op in ops {
        gradgradcheck(|xs| Ok(vec![op(&xs[0])?]), &[distinct(&[3, 4])]).unwrap();
    }
}

#[test]
fn zeros_in_prod_and_cumprod() {
    // Gradients at zeros from PyTorch: prod([2, 0, 3, 0, 5]) and prod([2, 0, 3, 4]).
    let x = leaf(vec![2.0, 0.0, 3.0, 0.0, 5.0], &[5]);
    x.prod().backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.0; 5]);
    let x = leaf(vec![2.0, 0.0, 3.0, 4.0], &[4]);
    x.prod().backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.0, 24.0, 0.0, 0.0]);
    let x = leaf(vec![2.0, 0.0, 3.0, 4.0, 0.0, 1.0], &[2, 3]);
    x.prod_dim(1, false).sum().backward();
    assert_eq!(
        x.grad().unwrap().to_vec::<f64>(),
        vec![0.0, 6.0, 0.0, 0.0, 4.0, 0.0]
    );
    let x = leaf(vec![2.0, 0.0, 3.0, 0.0, 5.0], &[5]);
    let g = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0, 5.0], [5]);
    x.cumprod(0).backward_opts().gradient(&g).run().unwrap();
    assert_eq!(
        x.grad().unwrap().to_vec::<f64>(),
        vec![1.0, 22.0, 0.0, 0.0, 0.0]
    );
    // First derivatives through zeros match finite differences.
    let x = leaf(vec![2.0, 0.0, 3.0, 4.0, -1.0, 0.5], &[2, 3]);
    gradcheck(
        |xs| Ok(vec![xs[0].try_cumprod(1)?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    gradcheck(
        |xs| Ok(vec![xs[0].try_prod_dim(1, false)?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    gradcheck(|xs| Ok(vec![xs[0].try_prod()?]), &[x]).unwrap();
}

#[test]
fn cumprod_double_backward_at_a_zero_before_it() {
    // d/dy of the gradient of sum(cumprod(y)) at y = [2, 0, 3, 4] (PyTorch: first entry
    // [1, 32, 0, 0]); entries at or before the first zero are exact to second order.
    let y = leaf(vec![2.0, 0.0, 3.0, 4.0], &[4]);
    let opts = GradOptions {
        create_graph: true,
        ..Default::default()
    };
    let g = grad_with(&[&y.cumprod(0).sum()], &[&y], opts).unwrap()[0]
        .clone()
        .unwrap();
    assert_eq!(g.to_vec::<f64>(), vec![1.0, 32.0, 0.0, 0.0]);
}

#[test]
fn grad_fn_names() {
    let x = distinct(&[2, 3]);
    let name = |t: &Tensor| t.grad_fn().unwrap().name();
    assert_eq!(name(&x.prod()), "ProdBackward0");
    assert_eq!(name(&x.prod_dim(0, false)), "ProdBackward1");
    assert_eq!(name(&x.max()), "MaxBackward1");
    assert_eq!(name(&x.min()), "MinBackward1");
    let (v, i) = x.max_dim(1, false);
    assert_eq!(name(&v), "MaxBackward0");
    assert!(i.grad_fn().is_none() && !i.requires_grad());
    assert_eq!(name(&x.min_dim(1, false).0), "MinBackward0");
    assert_eq!(name(&x.amax(1, false)), "AmaxBackward0");
    assert_eq!(name(&x.amin(1, false)), "AminBackward0");
    assert_eq!(name(&x.var()), "VarBackward0");
    assert_eq!(name(&x.std_dim(1, true)), "StdBackward0");
    assert_eq!(name(&x.norm()), "LinalgVectorNormBackward0");
    assert_eq!(name(&x.logsumexp(1, false)), "LogsumexpBackward0");
    assert_eq!(name(&x.cumsum(1)), "CumsumBackward0");
    assert_eq!(name(&x.cumprod(1)), "CumprodBackward0");
    assert!(x.argmax().grad_fn().is_none());
}

#[test]
fn values_match_pytorch() {
    let x = Tensor::from_vec(vec![1.5f64, -2.0, 3.0, 0.5, 4.0, -1.0], [2, 3]);
    let v = |t: Tensor| t.to_vec::<f64>();
    assert!(close(
        &v(x.var_dim(1, false)),
        &[6.583333333333334, 6.583333333333334]
    ));
    assert!(close(&v(x.var()), &[5.3]));
    assert!(close(&v(x.std_with(0, 0.0, false)), &[0.5, 3.0, 2.0]));
    assert!(close(
        &v(x.norm_with(3.0, 1, false)),
        &[3.372998355852712, 4.023301496486735]
    ));
    assert!(close(&v(x.norm_with(0.5, (), false)), &[65.25595847329612]));
    assert!(close(
        &v(x.norm_with(f64::NEG_INFINITY, 0, false)),
        &[0.5, 2.0, 1.0]
    ));
    assert!(close(
        &v(x.logsumexp(1, false)),
        &[3.2069069336734133, 4.036269565124779]
    ));
    assert!(close(&v(x.logsumexp([0, 1], false)), &[4.398358933882533]));
    assert_eq!(v(x.cumprod(1)), vec![1.5, -3.0, -9.0, 0.5, 2.0, -2.0]);
    assert_eq!(v(x.cumsum(0)), vec![1.5, -2.0, 3.0, 2.0, 2.0, 2.0]);
}

#[test]
fn ties_split_the_gradient() {
    // PyTorch: max() and amax(1) split evenly; max(1) picks the first index.
    let x = leaf(vec![1.0, 3.0, 3.0, 2.0, 2.0, 0.0], &[2, 3]);
    let (v, i) = x.max_dim(1, false);
    assert_eq!(v.to_vec::<f64>(), vec![3.0, 2.0]);
    assert_eq!(i.to_vec::<i64>(), vec![1, 0]);
    v.sum().backward();
    assert_eq!(
        x.grad().unwrap().to_vec::<f64>(),
        vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    );
    let x = leaf(vec![1.0, 3.0, 3.0, 2.0, 2.0, 0.0], &[2, 3]);
    x.max().backward();
    assert_eq!(
        x.grad().unwrap().to_vec::<f64>(),
        vec![0.0, 0.5, 0.5, 0.0, 0.0, 0.0]
    );
    let x = leaf(vec![1.0, 3.0, 3.0, 2.0, 2.0, 0.0], &[2, 3]);
    x.amax(1, false).sum().backward();
    assert_eq!(
        x.grad().unwrap().to_vec::<f64>(),
        vec![0.0, 0.5, 0.5, 0.5, 0.5, 0.0]
    );
    // inf-norm: sign times the even split.
    let x = leaf(vec![3.0, -3.0, 1.0], &[3]);
    x.norm_with(f64::INFINITY, (), false).backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.5, -0.5, 0.0]);
}

#[test]
fn nan_propagates() {
    let nan = f64::NAN;
    let x = leaf(vec![1.0, nan, 3.0], &[3]);
    assert!(x.max().item::<f64>().is_nan());
    assert!(x.min().item::<f64>().is_nan());
    assert!(x.amax((), false).item::<f64>().is_nan());
    let (v, i) = x.max_dim(0, false);
    assert!(v.item::<f64>().is_nan());
    assert_eq!(i.item::<i64>(), 1);
    assert_eq!(x.argmin().item::<i64>(), 1);
    // max(): the gradient goes to the NaN; amax(): NaN everywhere (PyTorch's formulas).
    x.max().backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.0, 1.0, 0.0]);
    let x = leaf(vec![1.0, nan, 3.0], &[3]);
    x.amax((), false).backward();
    assert!(x.grad().unwrap().to_vec::<f64>().iter().all(|g| g.is_nan()));
    assert!(ember::tensor([1.0, f32::NAN]).all().item::<bool>());
}

#[test]
fn degenerate_gradients() {
    // PyTorch: norm of zeros has gradient 0; std of equal values 0; the 0-norm none.
    let x = leaf(vec![0.0, 0.0], &[2]);
    x.norm().backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.0, 0.0]);
    let x = leaf(vec![1.0, 1.0], &[2]);
    x.std().backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.0, 0.0]);
    let x = leaf(vec![1.0, 0.0, 2.0], &[3]);
    x.norm_with(0.0, (), false).backward();
    assert!(x.grad().is_none());
    let x = leaf(vec![0.0, 1.0], &[2]);
    x.norm_with(0.5, (), false).backward();
    assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![0.0, 1.0]);
    // One element, unbiased: NaN value and NaN gradient.
    let x = leaf(vec![2.0], &[1]);
    let v = x.var();
    assert!(v.item::<f64>().is_nan());
    v.backward();
    assert!(x.grad().unwrap().item::<f64>().is_nan());
    assert_eq!(
        Tensor::from_vec(vec![1.0f64, 2.0], [2])
            .var_with((), 2.0, false)
            .item::<f64>(),
        f64::INFINITY
    );
}

#[test]
fn dtypes() {
    let i = ember::tensor([[1, 2], [3, 4]]);
    assert_eq!(i.prod().dtype(), DType::I64);
    assert_eq!(i.cumsum(1).dtype(), DType::I64);
    assert_eq!(i.to_dtype(DType::I8).cumprod(0).dtype(), DType::I64);
    assert_eq!(
        ember::tensor([true, true]).cumsum(0).to_vec::<i64>(),
        vec![1, 2]
    );
    assert_eq!(ember::tensor([true, false]).prod().dtype(), DType::I64);
    assert_eq!(i.amax((), false).dtype(), DType::I64);
    assert_eq!(i.argmax().dtype(), DType::I64);
    assert_eq!(i.all().dtype(), DType::Bool);
    // uint8 all/any stay uint8, as PyTorch.
    let u = i.to_dtype(DType::U8);
    assert_eq!(u.all().dtype(), DType::U8);
    assert_eq!(u.any_dim(0, false).to_vec::<u8>(), vec![1, 1]);
    // logsumexp of integers is computed in the default float dtype (PyTorch: 3.4076).
    let l = ember::tensor([1, 2, 3]).logsumexp(0, false);
    assert_eq!(l.dtype(), DType::F32);
    assert!((l.item::<f32>() - 3.407_606).abs() < 1e-5);
    let h = ember::ones_with([2, 3], DType::F16);
    assert_eq!(h.norm().dtype(), DType::F16);
    assert_eq!(h.cumsum(1).dtype(), DType::F16);
    assert_eq!(h.var().dtype(), DType::F16);
}

#[test]
fn empty_inputs() {
    let e = ember::zeros([0]);
    assert!(ember::zeros([0]).all().item::<bool>());
    assert!(!e.any().item::<bool>());
    assert_eq!(ember::zeros([0, 3]).all_dim(1, false).shape(), &[0]);
    assert_eq!(ember::zeros([0, 3]).amax(1, false).shape(), &[0]);
    let (v, i) = ember::zeros([0, 3]).max_dim(1, false);
    assert_eq!((v.shape(), i.shape()), (&[0usize][..], &[0usize][..]));
    assert_eq!(e.prod().item::<f32>(), 1.0);
    assert_eq!(
        ember::zeros([2, 0]).logsumexp(1, false).to_vec::<f32>(),
        vec![f32::NEG_INFINITY; 2]
    );
}

#[test]
fn zero_dim_inputs() {
    let s = leaf(vec![3.0], &[]);
    assert_eq!(s.max_dim(0, false).1.item::<i64>(), 0);
    assert_eq!(s.argmax_dim(-1, true).shape(), &[] as &[usize]);
    assert_eq!(s.cumsum(0).item::<f64>(), 3.0);
    assert_eq!(s.prod_dim(0, false).item::<f64>(), 3.0);
    s.cumprod(0).backward();
    assert_eq!(s.grad().unwrap().item::<f64>(), 1.0);
}

#[test]
fn errors_read_like_pytorch() {
    let e = ember::zeros([0]);
    assert_eq!(
        err(e.try_max()),
        "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
    );
    assert_eq!(
        err(e.try_argmax()),
        "argmax(): Expected reduction dim to be specified for input.numel() == 0."
    );
    let e2 = ember::zeros([0, 3]);
    assert_eq!(
        err(e2.try_amax(0, false)),
        "amax(): Expected reduction dim 0 to have non-zero size."
    );
    assert_eq!(
        err(e2.try_min_dim(0, false)),
        "min(): Expected reduction dim 0 to have non-zero size."
    );
    assert_eq!(
        err(e2.try_argmin_dim(0, false)),
        "argmin(): Expected reduction dim 0 to have non-zero size."
    );
    let x = ember::ones([2, 3]);
    assert_eq!(
        err(x.try_prod_dim(2, false)),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    );
    assert_eq!(
        err(x.try_amax([0, 0], false)),
        "dim 0 appears multiple times in the list of dims"
    );
    assert_eq!(
        err(x.try_cumsum(-3)),
        "Dimension out of range (expected to be in range of [-2, 1], but got -3)"
    );
    let i = ember::tensor([1, 2]);
    assert_eq!(
        err(i.try_var()),
        "std and var only support floating point and complex dtypes"
    );
    assert_eq!(
        err(i.try_norm()),
        "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"
    );
    assert_eq!(
        err(ember::zeros([0]).try_norm_with(f64::INFINITY, (), false)),
        "linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not have an identity"
    );
}

#[test]
fn sum_over_outer_dims_matches_inner_path() {
    // Reducing outer dims walks rows (`sum_outer`); reducing the same data laid out with the
    // reduced dims innermost takes the per-output path. Both must agree exactly.
    let x = ember::randn_with([3, 5, 7], ember::DType::F64);
    for (dims, keepdim) in [(vec![0i64], false), (vec![0, 1], true), (vec![1], false)] {
        let fast = x.sum_dim(dims.clone(), keepdim);
        let moved = x.permute([2, 0, 1]).contiguous().permute([1, 2, 0]);
        assert!(!moved.is_contiguous());
        let slow = moved.sum_dim(dims.clone(), keepdim);
        assert_eq!(fast.shape(), slow.shape(), "{dims:?}");
        assert_eq!(fast.to_vec::<f64>(), slow.to_vec::<f64>(), "{dims:?}");
    }
    let m = ember::tensor([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    assert_eq!(m.sum_dim(0, false).to_vec::<f32>(), vec![9.0, 12.0]);
    assert_eq!(m.mean_dim(0, true).to_vec::<f32>(), vec![3.0, 4.0]);
}

/// Sums over trailing dims of a large contiguous tensor split their rows across threads;
/// each row's sum is the serial one (f64 accumulation), checked against plain Rust.
#[test]
fn large_trailing_dim_sums_match_row_sums() {
    let (rows, cols) = (300usize, 200usize);
    let v: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.25)
        .collect();
    let t = Tensor::from_vec(v.clone(), [rows, cols]);
    let want: Vec<f64> = v
        .chunks(cols)
        .map(|r| r.iter().map(|&x| x as f64).sum())
        .collect();
    let got: Vec<f64> = t.sum_dim([1], false).to_vec::<f64>();
    assert_eq!(
        got,
        want.iter().map(|&x| x as f32 as f64).collect::<Vec<_>>()
    );
    let t3 = t.view([3, 100, 200]);
    let want3: Vec<f64> = v
        .chunks(100 * 200)
        .map(|r| r.iter().map(|&x| x as f64).sum::<f64>() as f32 as f64)
        .collect();
    assert_eq!(t3.sum_dim([1, 2], false).to_vec::<f64>(), want3);
    assert_eq!(t3.sum_dim([2, 1], true).shape(), &[3, 1, 1]);
}

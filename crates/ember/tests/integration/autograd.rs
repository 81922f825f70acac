//! Autograd semantics through the public API: the behaviours of seeds 000, 002 and 003, graph
//! introspection, hooks, retain_grad, create_graph, in-place rules, custom functions, anomaly
//! detection, and memory that stays flat over training iterations.

use ember::autograd::{self, Function, FunctionCtx, GradOptions};
use ember::{DType, Result, Tensor, TensorOptions};

fn f64_leaf(data: &[f64], shape: &[usize]) -> Tensor {
    Tensor::from_slice(data, shape).requires_grad_(true)
}

fn assert_close(t: &Tensor, want: &[f64], tol: f64) {
    let got = t.to_vec::<f64>();
    assert_eq!(got.len(), want.len(), "{t}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "got {got:?}, want {want:?}"
        );
    }
}

/// Seed 000's `compute()`: y = 2x + 1, z = y*y + 1, out = z.mean().
fn compute(x: &Tensor) -> (Tensor, Tensor, Tensor) {
    let y = x * 2.0 + 1.0;
    let z = &y * &y + 1.0;
    let out = z.mean();
    (y, z, out)
}

#[test]
fn seed000_retain_grad_and_values() {
    let x = f64_leaf(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let (y, z, out) = compute(&x);
    for t in [&y, &z, &out] {
        t.retain_grad();
    }
    out.backward();
    assert_eq!(out.item::<f64>(), 42.0);
    assert_close(&x.grad().unwrap(), &[3.0, 5.0, 7.0, 9.0], 0.0);
    assert_close(&y.grad().unwrap(), &[1.5, 2.5, 3.5, 4.5], 0.0);
    assert_close(&z.grad().unwrap(), &[0.25; 4], 0.0);
    assert_close(&out.grad().unwrap(), &[1.0], 0.0);
    assert_eq!(y.grad_fn().unwrap().name(), "AddBackward0");
    assert_eq!(out.grad_fn().unwrap().name(), "MeanBackward0");
    assert!(x.is_leaf() && !y.is_leaf());
    assert_eq!(
        format!("{y}"),
        "tensor([[3., 5.],\n        [7., 9.]], dtype=ember.float64, grad_fn=<AddBackward0>)"
    );
}

#[test]
fn seed000_backward_with_gradient_of_other_dtype() {
    let x = f64_leaf(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let (y, z, _) = compute(&x);
    z.backward_with(&ember::tensor([[0.5, 1.0], [2.0, 4.0]]));
    assert_close(&x.grad().unwrap(), &[6.0, 20.0, 56.0, 144.0], 0.0);
    assert!(y.grad().is_none());
    assert_eq!(
        x.grad().unwrap().to_string(),
        "tensor([[  6.,  20.],\n        [ 56., 144.]], dtype=ember.float64)"
    );
}

#[test]
fn seed000_create_graph_gives_differentiable_grad() {
    let x = f64_leaf(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let (_, _, out) = compute(&x);
    out.backward_opts()
        .retain_graph(true)
        .create_graph(true)
        .run()
        .unwrap();
    let g = x.grad().unwrap();
    assert_eq!(g.grad_fn().unwrap().name(), "CopyBackwards");
    // g = d out/dx = 2x + 1, so d/dx sum(g²) = 2g · 2 = 4g.
    let s = (&g * &g).sum();
    let gg = autograd::grad(&[&s], &[&x]).unwrap();
    assert_close(&gg[0], &[12.0, 20.0, 28.0, 36.0], 1e-12);
}

#[test]
fn backward_twice_needs_retain_graph() {
    let x = f64_leaf(&[1.0, 2.0], &[2]);
    let y = (&x * &x).sum();
    y.backward();
    let err = y.try_backward().unwrap_err().to_string();
    assert!(
        err.starts_with("Trying to backward through the graph a second time"),
        "{err}"
    );

    let x = f64_leaf(&[1.0, 2.0], &[2]);
    let y = (&x * &x).sum();
    y.backward_opts().retain_graph(true).run().unwrap();
    y.backward();
    assert_close(&x.grad().unwrap(), &[4.0, 8.0], 0.0);
}

#[test]
fn nonscalar_backward_needs_gradient() {
    let x = f64_leaf(&[1.0, 2.0], &[2]);
    let err = (&x * 2.0).try_backward().unwrap_err().to_string();
    assert_eq!(
        err,
        "grad can be implicitly created only for scalar outputs"
    );
    let err = (&x * 2.0)
        .backward_opts()
        .gradient(&ember::ones([3]))
        .run()
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("Mismatch in shape"), "{err}");
}

#[test]
fn seed003_requires_grad_rules() {
    let x = ember::tensor([1.0, 2.0]);
    let y = ember::tensor([4.0, 5.0]);
    let z = ember::tensor([7.0, 3.0]);
    assert!(!x.requires_grad() && !(&x + &y).requires_grad());
    z.requires_grad_(true);
    assert!((&x + &z).requires_grad());
    let e = ember::tensor([1, 10]).try_requires_grad_(true).unwrap_err();
    assert_eq!(
        e.to_string(),
        "only Tensors of floating point dtype can require gradients"
    );
    let t = ember::tensor([1.0, 2.0, 4.0]).requires_grad_(true);
    assert_eq!(t.to_string(), "tensor([1., 2., 4.], requires_grad=True)");
}

#[test]
fn seed003_autograd_grad_and_pow() {
    let t = ember::tensor([1.0, 2.0, 4.0]).requires_grad_(true);
    let u = ember::tensor([10.0, 20.0]).requires_grad_(true);
    let a = t.pow(2).sum() + u.log().sum();
    assert_eq!(a.to_string(), "tensor(26.2983, grad_fn=<AddBackward0>)");
    let g = autograd::grad(&[&a], &[&t, &u]).unwrap();
    assert_eq!(g[0].to_string(), "tensor([2., 4., 8.])");
    assert_eq!(g[1].to_string(), "tensor([0.1000, 0.0500])");
    assert_eq!(
        u.log().to_string(),
        "tensor([2.3026, 2.9957], grad_fn=<LogBackward0>)"
    );

    let x = ember::tensor([-3.0, 2.0, 5.0]).requires_grad_(true);
    let s = x.pow(3).sum();
    assert!(x.grad().is_none());
    s.backward();
    assert_eq!(x.grad().unwrap().to_string(), "tensor([27., 12., 75.])");
}

#[test]
fn seed003_next_functions() {
    let x = ember::tensor([1.0, -2.0, 3.0, -4.0]).requires_grad_(true);
    let a = x.abs();
    assert_eq!(
        a.to_string(),
        "tensor([1., 2., 3., 4.], grad_fn=<AbsBackward0>)"
    );
    let s = a.sum();
    assert_eq!(s.to_string(), "tensor(10., grad_fn=<SumBackward0>)");
    let next = s.grad_fn().unwrap().next_functions();
    assert_eq!(next.len(), 1);
    let (abs, nr) = &next[0];
    assert_eq!(
        (abs.as_ref().unwrap().name().as_str(), *nr),
        ("AbsBackward0", 0)
    );
    let leaf = &abs.as_ref().unwrap().next_functions()[0];
    assert_eq!(leaf.0.as_ref().unwrap().name(), "AccumulateGrad");
    assert!(leaf.0.as_ref().unwrap().variable().unwrap().is(&x));
}

/// Seed 003's gradient descent on l = (a-1)² + (b+1)² + (a-b)², with and without `detach`.
fn descent(detach: bool) -> (f32, f32) {
    let a = ember::tensor(0.5).requires_grad_(true);
    let b = ember::tensor(-0.5).requires_grad_(true);
    let (mut a_, mut b_) = (a.clone(), b.clone());
    for _ in 0..100 {
        let ad = if detach { a.detach() } else { a.clone() };
        let l = (&a - 1.0).pow(2) + (&b + 1.0).pow(2) + (&ad - &b).pow(2);
        let g = autograd::grad(&[&l], &[&a, &b]).unwrap();
        let _ng = ember::no_grad();
        a_ -= 0.1 * &g[0];
        b_ -= 0.1 * &g[1];
    }
    (a.item::<f32>(), b.item::<f32>())
}

#[test]
fn seed003_descent_end_points() {
    let (a, b) = descent(false);
    assert_eq!(
        (format!("{a:.6}"), format!("{b:.6}")),
        ("0.333333".into(), "-0.333333".into())
    );
    assert!((a - 0.333_333_34).abs() < 1e-7 && (b + 0.333_333_34).abs() < 1e-7);
    let (a, b) = descent(true);
    assert_eq!(
        (format!("{a:.6}"), format!("{b:.6}")),
        ("1.000000".into(), "-0.000000".into())
    );
}

#[test]
fn seed002_scalar_graph() {
    let x = ember::tensor(1.0).requires_grad_(true);
    let w = ember::tensor(2.0).requires_grad_(true);
    let b = ember::tensor(3.0).requires_grad_(true);
    let y = &w * &x + &b;
    y.backward();
    assert_eq!(w.grad().unwrap().to_string(), "tensor(1.)");
    assert_eq!(x.grad().unwrap().to_string(), "tensor(2.)");
    assert_eq!(b.grad().unwrap().to_string(), "tensor(1.)");
}

#[test]
fn grad_allow_unused_and_errors() {
    let x = f64_leaf(&[1.0, 2.0, 3.0], &[3]);
    let z = f64_leaf(&[1.0, 2.0, 3.0], &[3]);
    let s = x.sum();
    let opts = GradOptions {
        retain_graph: Some(true),
        ..Default::default()
    };
    let e = autograd::grad_with(&[&s], &[&x, &z], opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("appears to not have been used in the graph"),
        "{e}"
    );
    let opts = GradOptions {
        allow_unused: true,
        ..Default::default()
    };
    let g = autograd::grad_with(&[&s], &[&x, &z], opts).unwrap();
    assert!(g[1].is_none());
    assert_close(g[0].as_ref().unwrap(), &[1.0, 1.0, 1.0], 0.0);
    let e = autograd::grad(&[&ember::ones([1])], &[&x])
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not require grad"), "{e}");
}

#[test]
fn higher_order_gradients() {
    let x = f64_leaf(&[1.0, 2.0, 3.0], &[3]);
    let u = x.pow(3).sum();
    let opts = || GradOptions {
        create_graph: true,
        retain_graph: Some(true),
        ..Default::default()
    };
    let g1 = autograd::grad_with(&[&u], &[&x], opts()).unwrap()[0]
        .clone()
        .unwrap();
    assert_eq!(g1.grad_fn().unwrap().name(), "MulBackward0");
    assert_close(&g1, &[3.0, 12.0, 27.0], 1e-12);
    let g2 = autograd::grad_with(&[&g1.sum()], &[&x], opts()).unwrap()[0]
        .clone()
        .unwrap();
    assert_close(&g2, &[6.0, 12.0, 18.0], 1e-12);
    let g3 = autograd::grad(&[&g2.sum()], &[&x]).unwrap();
    assert_close(&g3[0], &[6.0, 6.0, 6.0], 1e-12);
    assert!(!g3[0].requires_grad());
}

#[test]
fn accumulation_and_set_to_none() {
    let x = f64_leaf(&[1.0, 2.0], &[2]);
    let s = (&x * &x).sum();
    s.backward_opts().retain_graph(true).run().unwrap();
    s.backward();
    assert_close(&x.grad().unwrap(), &[4.0, 8.0], 0.0);
    x.grad().unwrap().zero_();
    assert_close(&x.grad().unwrap(), &[0.0, 0.0], 0.0);
    x.set_grad(None);
    x.sum().backward();
    assert_close(&x.grad().unwrap(), &[1.0, 1.0], 0.0);
}

#[test]
fn hooks_see_and_replace_gradients() {
    let x = f64_leaf(&[1.0, 2.0], &[2]);
    let y = &x * 3.0;
    let seen = std::sync::Arc::new(parking_lot_free::Seen::default());
    let s2 = seen.clone();
    y.register_hook(move |g| {
        s2.set(g.to_vec::<f64>());
        Some(g * 10.0)
    })
    .unwrap();
    y.sum().backward();
    assert_eq!(seen.get(), vec![1.0, 1.0]);
    assert_close(&x.grad().unwrap(), &[30.0, 30.0], 0.0);
    let e = ember::ones([1])
        .register_hook(|_| None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("doesn't require gradient"), "{e}");
}

mod parking_lot_free {
    #[derive(Default)]
    pub struct Seen(std::sync::Mutex<Vec<f64>>);
    impl Seen {
        pub fn set(&self, v: Vec<f64>) {
            *self.0.lock().unwrap() = v;
        }
        pub fn get(&self) -> Vec<f64> {
            self.0.lock().unwrap().clone()
        }
    }
}

#[test]
fn no_grad_modes() {
    let x = f64_leaf(&[1.0], &[1]);
    {
        let _g = ember::no_grad();
        let y = &x * 2.0;
        assert!(!y.requires_grad() && y.grad_fn().is_none());
        let _e = ember::enable_grad();
        assert!((&x * 2.0).requires_grad());
    }
    assert!(ember::no_grad_scope(|| !(&x * 2.0).requires_grad()));
    assert!((&x * 2.0).requires_grad());
}

#[test]
fn inplace_rules_and_version_checks() {
    let w = f64_leaf(&[1.0, 2.0, 3.0], &[3]);
    let e = w.try_sub_(&ember::ones([3])).unwrap_err().to_string();
    assert_eq!(
        e,
        "a leaf Variable that requires grad is being used in an in-place operation."
    );
    let e = w.select(0, 0).try_mul_(2.0).unwrap_err().to_string();
    assert!(e.contains("a view of a leaf Variable"), "{e}");
    {
        let _g = ember::no_grad();
        w.sub_(&ember::ones([3]));
        assert_eq!(w.version(), 1);
    }

    let x = f64_leaf(&[1.0, 2.0, 3.0], &[3]);
    let y = x.exp();
    let s = y.sum();
    y.mul_(2.0);
    let e = s.try_backward().unwrap_err().to_string();
    assert!(
        e.starts_with("one of the variables needed for gradient computation has been modified by an inplace operation: [ember.DoubleTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead."),
        "{e}"
    );

    // In-place on a non-leaf is recorded and rebases its history.
    let x = f64_leaf(&[1.0, 2.0, 3.0], &[3]);
    let y = &x * 3.0;
    y.add_(1.0);
    assert_eq!(y.grad_fn().unwrap().name(), "AddBackward0");
    y.mul_(2.0);
    assert_eq!(y.grad_fn().unwrap().name(), "MulBackward0");
    y.sum().backward();
    assert_close(&x.grad().unwrap(), &[6.0, 6.0, 6.0], 0.0);
}

#[test]
fn inplace_through_views_uses_copy_slices() {
    let x = f64_leaf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let y = &x * 1.5;
    let row = y.select(0, 1);
    row.mul_(2.0);
    assert_eq!(y.grad_fn().unwrap().name(), "CopySlices");
    assert_eq!(row.grad_fn().unwrap().name(), "AsStridedBackward0");
    assert_close(&y, &[1.5, 3.0, 4.5, 12.0, 15.0, 18.0], 0.0);
    y.sum().backward();
    assert_close(&x.grad().unwrap(), &[1.5, 1.5, 1.5, 3.0, 3.0, 3.0], 0.0);

    // A base that does not require grad gains history from the written value.
    let b = ember::zeros_with([2, 3], DType::F64);
    let s = ember::ones_with(
        [3],
        TensorOptions::new().dtype(DType::F64).requires_grad(true),
    );
    b.select(0, 0).add_(&s);
    assert_eq!(b.grad_fn().unwrap().name(), "CopySlices");
    assert!(b.requires_grad() && !b.is_leaf());
    (&b * 2.0).sum().backward();
    assert_close(&s.grad().unwrap(), &[2.0, 2.0, 2.0], 0.0);

    // Aliasing: reading and writing the same memory.
    let a = ember::tensor([1.0, 2.0]);
    a.add_(&a);
    assert_eq!(a.to_vec::<f32>(), vec![2.0, 4.0]);
    let m = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
    m.copy_(&m.t());
    assert_eq!(m.to_vec::<f32>(), vec![1.0, 3.0, 2.0, 4.0]);
}

struct MyReLU;

impl Function for MyReLU {
    fn forward(&self, ctx: &mut FunctionCtx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        ctx.save_for_backward(&[&inputs[0]]);
        Ok(vec![inputs[0].try_clamp(0.0, None)?])
    }

    fn backward(&self, ctx: &FunctionCtx, grads: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let input = &ctx.saved_tensors()?[0];
        Ok(vec![Some(
            grads[0].try_where_cond(&input.try_ge(0.0)?, 0.0)?,
        )])
    }
}

/// A function that saves its output, which must not keep its own graph alive.
struct Exp;

impl Function for Exp {
    fn forward(&self, ctx: &mut FunctionCtx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let y = inputs[0].try_exp()?;
        ctx.save_for_backward(&[&y]);
        Ok(vec![y])
    }

    fn backward(&self, ctx: &FunctionCtx, grads: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(grads[0].try_mul(&ctx.saved_tensors()?[0])?)])
    }
}

#[test]
fn custom_functions() {
    let x = f64_leaf(&[-1.0, 2.0, -3.0, 4.0], &[4]);
    let y = MyReLU.apply1(&(&x * 2.0)).unwrap();
    assert_eq!(y.grad_fn().unwrap().name(), "MyReLUBackward");
    (&y * &y).sum().backward();
    assert_close(&x.grad().unwrap(), &[0.0, 16.0, 0.0, 32.0], 0.0);

    let x = f64_leaf(&[0.5, -0.25], &[2]);
    autograd::gradcheck(|xs| Ok(vec![Exp.apply1(&xs[0])?]), std::slice::from_ref(&x)).unwrap();
    autograd::gradgradcheck(|xs| Ok(vec![Exp.apply1(&xs[0])?]), &[x]).unwrap();
}

#[test]
fn anomaly_detection_names_the_node() {
    let _a = autograd::detect_anomaly();
    let x = f64_leaf(&[0.0], &[1]);
    let y = (&x * 0.0).sqrt().sum();
    let e = y.try_backward().unwrap_err().to_string();
    // sqrt's backward gives inf at 0; multiplying by 0 in MulBackward0 makes the NaN.
    assert!(
        e.starts_with("Function 'MulBackward0' returned nan values in its 0th output."),
        "{e}"
    );
}

#[test]
fn make_dot_draws_seed004_graph() {
    let x = ember::ones([2, 2]).requires_grad_(true);
    let y = (&x + 2.0).exp();
    let yy = (-&x - 2.0).exp();
    let out = ((&y + &yy) / 2.0).mean();
    let dot = autograd::make_dot(&out, &[("x", &x)]).to_dot();
    for name in [
        "MeanBackward0",
        "DivBackward0",
        "AddBackward0",
        "ExpBackward0",
        "NegBackward0",
        "SubBackward0",
    ] {
        assert!(dot.contains(name), "{name} missing from\n{dot}");
    }
    assert_eq!(dot.matches("#add8e6").count(), 1, "one leaf: {dot}");
    assert!(dot.contains("saved\\n(2, 2)"), "saved tensors shown: {dot}");
}

/// `x @ w.t()` (Linear) hands `w` its gradient as the transpose of a fresh product; the
/// accumulator takes that memory rather than copying it, and the stored `.grad` is a plain
/// tensor with `w`'s strides, not a view of the product.
#[test]
fn linear_weight_grad_is_taken_whole() {
    let x = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, -1.0, 0.5, 4.0], [2, 3]);
    let w = f64_leaf(
        &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
        &[4, 3],
    );
    x.matmul(&w.t()).sum().backward();
    let g = w.grad().expect("w.grad");
    assert!(g.base().is_none());
    assert_eq!(g.stride(), w.stride());
    // d/dw[i, j] of sum(x @ w.T) = sum over rows of x[:, j].
    assert_close(
        &g,
        &[0.0, 2.5, 7.0, 0.0, 2.5, 7.0, 0.0, 2.5, 7.0, 0.0, 2.5, 7.0],
        0.0,
    );
    // A second backward accumulates into the stolen buffer.
    x.matmul(&w.t()).sum().backward();
    assert_close(
        &w.grad().expect("w.grad"),
        &[
            0.0, 5.0, 14.0, 0.0, 5.0, 14.0, 0.0, 5.0, 14.0, 0.0, 5.0, 14.0,
        ],
        0.0,
    );
}

//! The autograd cells of seeds 000, 002, 003 and 004, in order: `retain_grad`, backward with
//! a gradient tensor, `retain_graph` + `create_graph`, the `requires_grad` rules,
//! `autograd::grad`, the norm graph, `next_functions`, the two gradient-descent loops with
//! and without `detach`, `no_grad`, and `make_dot` writing `graph.svg`.
//!
//! ```sh
//! cargo run --release --example autograd
//! ```

use ember::{DType, Result, Tensor, TensorOptions};

fn rule() {
    println!("{}", "-".repeat(50));
}

fn print_tensor(key: &str, t: &Tensor) {
    println!("{key}={t}");
    let grad_fn = t.grad_fn().map_or("None".to_string(), |g| g.to_string());
    let grad = t.grad().map_or("None".to_string(), |g| g.to_string());
    println!(
        "  grad_fn={grad_fn} \n  grad={grad} \n  requires_grad={}\n  is_leaf={} \n  dtype={}",
        py_bool(t.requires_grad()),
        py_bool(t.is_leaf()),
        t.dtype()
    );
    rule();
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Seed 000's `compute()`: `x` → `y = 2x + 1` → `z = y*y + 1` → `out = z.mean()`.
fn compute() -> Result<Vec<(&'static str, Tensor)>> {
    let x = ember::tensor_with(
        [[1.0, 2.0], [3.0, 4.0]],
        TensorOptions::new().dtype(DType::F64).requires_grad(true),
    );
    let y = x.try_mul(2.0)?.try_add(1.0)?;
    let z = y.try_mul(&y)?.try_add(1.0)?;
    let out = z.try_mean()?;
    Ok(vec![("x", x), ("y", y), ("z", z), ("out", out)])
}

fn print_tensors(ts: &[(&str, Tensor)]) {
    for (k, t) in ts {
        print_tensor(k, t);
    }
}

fn seed000() -> Result<()> {
    println!("## seed 000: retain_grad");
    let ts = compute()?;
    for (_, t) in &ts {
        t.retain_grad();
    }
    ts[3].1.try_backward()?;
    print_tensors(&ts);

    println!("## seed 000: backward with a gradient tensor");
    let ts = compute()?;
    let gradients = ember::tensor([[0.5, 1.0], [2.0, 4.0]]);
    ts[2].1.backward_opts().gradient(&gradients).run()?;
    print_tensors(&ts);

    println!("## seed 000: retain_graph + create_graph");
    let ts = compute()?;
    ts[3]
        .1
        .backward_opts()
        .retain_graph(true)
        .create_graph(true)
        .run()?;
    print_tensors(&ts);
    Ok(())
}

fn seed003() -> Result<()> {
    println!("## seed 003: requires_grad rules");
    let x = ember::tensor([1.0, 2.0]);
    let y = ember::tensor([4.0, 5.0]);
    let z = ember::tensor([7.0, 3.0]);
    println!("{x}\n{y}\n{z}");
    println!("{}", py_bool(x.requires_grad()));
    println!("{}", py_bool(x.try_add(&y)?.requires_grad()));
    z.try_requires_grad_(true)?;
    println!("{}", py_bool(x.try_add(&z)?.requires_grad()));
    let x = ember::tensor([1, 10]);
    match x.try_requires_grad_(true) {
        Ok(_) => println!("unexpected: an integer tensor accepted requires_grad"),
        Err(e) => println!("RuntimeError: {e}"),
    }

    println!("## seed 003: autograd.grad");
    let t = ember::tensor([1.0, 2.0, 4.0]).requires_grad_(true);
    let u = ember::tensor([10.0, 20.0]).requires_grad_(true);
    println!("{t}\n{u}");
    let a = t
        .try_pow(2.0)?
        .try_sum()?
        .try_add(&u.try_log()?.try_sum()?)?;
    println!("{a}");
    let g = ember::autograd::grad(&[&a], &[&t, &u])?;
    println!("({}, {})", g[0], g[1]);
    println!("{}", u.try_log()?);

    let x = ember::tensor([-3.0, 2.0, 5.0]).requires_grad_(true);
    let u = x.try_pow(3.0)?.try_sum()?;
    println!("{:?}", x.grad().map(|g| g.to_string()));
    u.try_backward()?;
    println!("{}", x.grad().map_or("None".into(), |g| g.to_string()));

    println!("## seed 003: the norm graph");
    let w1 = ember::rand([5, 5]).requires_grad_(true);
    let w2 = ember::rand([5, 5]).requires_grad_(true);
    let x = ember::empty([5]);
    x.try_normal_(0.0, 1.0)?;
    println!("{w1}\n{w2}\n{x}");
    let x0 = &x;
    let x1 = w1.try_matmul(x0)?;
    let x2 = x0.try_add(&w2.try_matmul(&x1)?)?;
    let x3 = w1.try_matmul(&x1.try_add(&x2)?)?;
    let q = x3.try_norm()?;
    q.try_backward()?;
    println!("{}", w1.grad().map_or("None".into(), |g| g.to_string()));
    println!("{}", w2.grad().map_or("None".into(), |g| g.to_string()));

    println!("## seed 003: next_functions");
    let x = ember::tensor([1.0, -2.0, 3.0, -4.0]).requires_grad_(true);
    let a = x.try_abs()?;
    println!("{a}");
    let s = a.try_sum()?;
    println!("{s}");
    if let Some(f) = s.grad_fn() {
        let next = f.next_functions();
        println!("{}", fmt_next(&next));
        if let Some((Some(abs), _)) = next.first() {
            println!("{}", fmt_next(&abs.next_functions()));
        }
    }
    let x = ember::tensor([1.0, 2.0, 2.0]).requires_grad_(true);
    println!("{x}");
    println!("{}", x.try_norm()?);

    println!("## seed 003: gradient descent, with and without detach");
    for detach in [false, true] {
        let a = ember::tensor(0.5).requires_grad_(true);
        let b = ember::tensor(-0.5).requires_grad_(true);
        let eta = 0.1;
        for _ in 0..100 {
            let a_in = if detach { a.detach() } else { a.clone() };
            let l = a
                .try_sub(1.0)?
                .try_pow(2.0)?
                .try_add(&b.try_add(1.0)?.try_pow(2.0)?)?
                .try_add(&a_in.try_sub(&b)?.try_pow(2.0)?)?;
            let g = ember::autograd::grad(&[&l], &[&a, &b])?;
            let _guard = ember::no_grad();
            a.try_sub_(&g[0].try_mul(eta)?)?;
            b.try_sub_(&g[1].try_mul(eta)?)?;
        }
        println!("{:.6} {:.6}", a.try_item::<f64>()?, b.try_item::<f64>()?);
    }
    Ok(())
}

fn fmt_next(next: &[(Option<ember::autograd::GradFn>, usize)]) -> String {
    let items: Vec<String> = next
        .iter()
        .map(|(f, i)| {
            let name = f
                .as_ref()
                .map_or("None".to_string(), |f| format!("<{}>", f.name()));
            format!("({name}, {i})")
        })
        .collect();
    if items.len() == 1 {
        format!("({},)", items[0])
    } else {
        format!("({})", items.join(", "))
    }
}

fn seed002() -> Result<()> {
    println!("## seed 002: autograd basics");
    let x = ember::ones_with([2, 2], TensorOptions::new().requires_grad(true));
    println!("{}", py_bool(x.requires_grad()));
    let y = x.try_add(2.0)?;
    println!("{}", y.grad_fn().map_or("None".into(), |g| g.to_string()));
    let z = y.try_mul(&y)?.try_mul(3.0)?;
    let out = z.try_mean()?;
    out.try_backward()?;
    println!("{}", x.grad().map_or("None".into(), |g| g.to_string()));
    x.try_requires_grad_(false)?;

    let x = ember::ones_with([2, 2], TensorOptions::new().requires_grad(true));
    println!("{}", py_bool(x.requires_grad()));
    println!("{}", py_bool(x.try_pow(2.0)?.requires_grad()));
    {
        let _guard = ember::no_grad();
        println!("{}", py_bool(x.try_pow(2.0)?.requires_grad()));
    }

    println!("## seed 002: Y = X·W + b");
    let xx = ember::tensor([1.5, 2.5, 3.5]);
    let w = ember::tensor([0.2, 0.4, 0.6]).requires_grad_(true);
    let b = ember::tensor(0.1).requires_grad_(true);
    let yy = xx.try_dot(&w)?.try_add(&b)?;
    for t in [&xx, &w, &b, &yy] {
        println!("{}", py_bool(t.requires_grad()));
    }
    yy.try_backward()?;
    println!("{}", w.grad().map_or("None".into(), |g| g.to_string()));
    println!("{}", b.grad().map_or("None".into(), |g| g.to_string()));

    println!("## seed 002: backward(gradient)");
    let x = ember::tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).requires_grad_(true);
    let y = x.try_pow(2.0)?.try_add(&x)?;
    let gradient = ember::ones([2, 3]);
    y.backward_opts().gradient(&gradient).run()?;
    println!("{}", x.grad().map_or("None".into(), |g| g.to_string()));
    Ok(())
}

fn seed004() -> Result<()> {
    println!("## seed 004: make_dot");
    let x = ember::ones_with([2, 2], TensorOptions::new().requires_grad(true));
    let y = x.try_add(2.0)?.try_exp()?;
    let yy = x.try_neg()?.try_sub(2.0)?.try_exp()?;
    let z = y.try_add(&yy)?.try_div(2.0)?;
    let out = z.try_mean()?;
    println!("{y}\n{z} {out}");
    let dot = ember::autograd::make_dot(&out, &[("x", &x)]);
    dot.save("graph.svg")?;
    println!("wrote graph.svg");

    let xx = ember::randn([1, 1]).requires_grad_(true);
    println!("{xx}");
    let yy = xx.try_mul(3.0)?;
    let zz = yy.try_pow(2.0)?;
    // The seed passes a [1] gradient for a [1, 1] output, which old PyTorch accepted; today's
    // PyTorch (and ember) want the output's shape.
    zz.backward_opts().gradient(&ember::tensor([[0.1]])).run()?;
    // d(zz)/d(xx) = 18·xx, times the 0.1 gradient.
    println!("{}", xx.grad().map_or("None".into(), |g| g.to_string()));
    Ok(())
}

fn main() -> Result<()> {
    ember::manual_seed(0);
    seed000()?;
    seed003()?;
    seed002()?;
    seed004()
}

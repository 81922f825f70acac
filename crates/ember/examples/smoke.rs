use ember::prelude::*;
fn main() {
    let x = ember::tensor_with(
        [[1.0, 2.0], [3.0, 4.0]],
        TensorOptions::new().dtype(DType::F64).requires_grad(true),
    );
    let y = &x * 2.0 + 1.0;
    let z = &y * &y + 1.0;
    let out = z.mean();
    y.retain_grad();
    z.retain_grad();
    println!("{x}\n{y}\n{z}\n{out}");
    out.backward_opts()
        .retain_graph(true)
        .create_graph(true)
        .run()
        .unwrap();
    println!("{}", x.grad().unwrap());
    println!("{:?}", y.grad());
    println!("{}", ember::tensor([1.0e-5, 0.5, 3.0]));
    println!("{}", ember::arange(1500));
    println!("{}", ember::arange(2000).view([40, 50]).float());
    let t = ember::tensor([1.0, 2.0, 4.0]).requires_grad_(true);
    let u = ember::tensor([10.0, 20.0]).requires_grad_(true);
    let a = t.pow(2).sum() + u.log().sum();
    println!("{a}");
    let g = ember::autograd::grad(&[&a], &[&t, &u]).unwrap();
    println!("{} {}", g[0], g[1]);
}

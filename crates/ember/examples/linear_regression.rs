//! Seed 000's linear regression, solved four ways: the normal equation with `inverse`,
//! gradient descent with a hand-written gradient, with autograd, and with `optim::SGD` +
//! `nn::MSELoss`. The three descents print the same losses and gradients, and all four end at
//! the same `w`.
//!
//! ```sh
//! cargo run --release --example linear_regression
//! ```

use ember::nn;
use ember::optim::{self, Optimizer as _};
use ember::{Result, Tensor};

const EPOCHS: usize = 2000;
const LEARNING_RATE: f64 = 0.01;

fn report(epoch: usize, loss: &Tensor, grad: &Tensor) -> Result<()> {
    if epoch.is_multiple_of(EPOCHS / 10) {
        println!(
            "epoch {epoch}, loss: {:.6}, grad: {}",
            loss.try_item::<f64>()?,
            grad.try_t()?
        );
    }
    Ok(())
}

fn manual_train(x: &Tensor, y: &Tensor, w_init: &Tensor, m: f64) -> Result<Tensor> {
    let mut w = w_init.clone();
    for epoch in 0..EPOCHS {
        let delta = x.try_matmul(&w)?.try_sub(y)?;
        let loss = delta.try_t()?.try_matmul(&delta)?.try_div(m)?;
        let grad = x.try_t()?.try_mul(2.0)?.try_matmul(&delta)?.try_div(m)?;
        report(epoch, &loss, &grad)?;
        w = w.try_sub(&grad.try_mul(LEARNING_RATE)?)?;
    }
    Ok(w)
}

fn autograd_train(x: &Tensor, y: &Tensor, w_init: &Tensor, m: f64) -> Result<Tensor> {
    let mut w = w_init.clone();
    for epoch in 0..EPOCHS {
        w.try_requires_grad_(true)?;
        let delta = x.try_matmul(&w)?.try_sub(y)?;
        let loss = delta.try_t()?.try_matmul(&delta)?.try_div(m)?;
        loss.try_backward()?;
        let grad = w.grad().unwrap_or_else(|| ember::zeros_like(&w));
        report(epoch, &loss, &grad)?;
        let _guard = ember::no_grad();
        w = w.try_sub(&grad.try_mul(LEARNING_RATE)?)?;
    }
    Ok(w)
}

fn pytorch_train(x: &Tensor, y: &Tensor, w_init: &Tensor) -> Result<Tensor> {
    let w = w_init.clone();
    let mut optimizer = optim::SGD::new(vec![w.clone()], LEARNING_RATE);
    let criterion = nn::MSELoss::new();
    for epoch in 0..EPOCHS {
        optimizer.zero_grad();
        let loss = criterion.forward(&x.try_matmul(&w)?, y)?;
        loss.try_backward()?;
        let grad = w.grad().unwrap_or_else(|| ember::zeros_like(&w));
        report(epoch, &loss, &grad)?;
        optimizer.step()?;
    }
    Ok(w)
}

fn main() -> Result<()> {
    ember::manual_seed(0);
    let x = ember::tensor([
        [5.0, 3.0, 2.0],
        [4.0, 1.0, 5.0],
        [7.0, 6.0, 8.0],
        [1.0, 4.0, 2.0],
    ]);
    let (m, n) = (x.size()[0], x.size()[1]);
    let y = ember::tensor([1.0, 0.0, 2.0, 3.0]).try_view([m as i64, 1])?;
    let x = ember::try_cat(&[&ember::ones([m, 1]), &x], 1)?;
    let w_init = ember::randn([n + 1, 1]);
    println!("X = \n{x}\n");
    println!("y = \n{y}\n");

    println!("{}equation{}", "-".repeat(30), "-".repeat(30));
    let xt = x.try_t()?;
    let w = xt
        .try_matmul(&x)?
        .try_inverse()?
        .try_matmul(&xt)?
        .try_matmul(&y)?;
    println!("w = \n{w}\n");

    println!("{}manual grad{}", "-".repeat(30), "-".repeat(30));
    let w = manual_train(&x, &y, &w_init, m as f64)?;
    println!("w = \n{w}\n");

    println!("{}autograd{}", "-".repeat(30), "-".repeat(30));
    let w = autograd_train(&x, &y, &w_init, m as f64)?;
    println!("w = \n{w}\n");

    println!("{}pytorch optimize{}", "-".repeat(30), "-".repeat(30));
    let w = pytorch_train(&x, &y, &w_init)?;
    println!("w = \n{w}\n");
    Ok(())
}

//! ember on several threads at once: two models trained concurrently, a read-only tensor
//! shared between threads, backward on separate graphs in parallel, grad mode per thread
//! (thread-local, as in PyTorch), and `set_num_threads`. Concurrent results must equal the
//! serial ones exactly: a kernel splits its work by the thread count, not by which threads
//! happen to run the pieces, so the arithmetic is the same.

use ember::nn::{Linear, MSELoss, Module, ReLU, Sequential};
use ember::optim::{Optimizer, SGD, SgdOptions};
use ember::{DType, Tensor};
use std::sync::Barrier;

/// Deterministic data of `shape`: `sin(0.37·i + off)`.
fn data(shape: &[usize], off: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|i| ((i as f64) * 0.37 + off).sin() as f32)
        .collect();
    Tensor::from_slice(&v, shape)
}

/// A model whose weights are fixed numbers (no generator), so threads need no seeding.
fn model(off: f64) -> Sequential {
    let net = Sequential::new()
        .push(Linear::new(64, 128))
        .push(ReLU::new())
        .push(Linear::new(128, 8));
    ember::no_grad_scope(|| {
        for (i, p) in net.parameters().iter().enumerate() {
            p.copy_(&data(p.shape(), off + i as f64).mul(0.1));
        }
    });
    net
}

/// Trains `model(off)` for 30 SGD steps on fixed data; returns the losses and the weights.
fn train(off: f64) -> (Vec<f32>, Vec<Vec<f32>>) {
    let net = model(off);
    let o = SgdOptions {
        lr: 0.05,
        momentum: 0.9,
        ..Default::default()
    };
    let mut opt = SGD::with(net.parameters(), o);
    let (x, y) = (data(&[256, 64], off), data(&[256, 8], off + 0.5));
    let mut losses = Vec::new();
    for _ in 0..30 {
        opt.zero_grad();
        let loss = MSELoss::new().call(&net.forward(&x).unwrap(), &y);
        loss.backward();
        opt.step().unwrap();
        losses.push(loss.item::<f32>());
    }
    let weights = net.parameters().iter().map(|p| p.to_vec::<f32>()).collect();
    (losses, weights)
}

#[test]
fn two_models_train_at_once_as_they_do_alone() {
    let serial = [train(0.0), train(1.0)];
    let barrier = Barrier::new(2);
    let concurrent: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = [0.0, 1.0]
            .map(|off| {
                let b = &barrier;
                s.spawn(move || {
                    b.wait();
                    train(off)
                })
            })
            .into_iter()
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(concurrent[0], serial[0]);
    assert_eq!(concurrent[1], serial[1]);
    assert!(serial[0].0[29] < serial[0].0[0], "the loss fell");
}

#[test]
fn a_read_only_tensor_is_shared_between_threads() {
    let shared = data(&[300, 200], 0.0);
    let want: Vec<f32> = (0..4)
        .map(|k| shared.mul(k as f64).matmul(&shared.t()).sum().item::<f32>())
        .collect();
    let got: Vec<f32> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|k| {
                let t = &shared;
                s.spawn(move || t.mul(k as f64).matmul(&t.t()).sum().item::<f32>())
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(got, want);
    // Each thread can also hold a clone (a new handle to the same storage).
    let c = shared.clone();
    let sum = std::thread::spawn(move || c.sum().item::<f32>())
        .join()
        .unwrap();
    assert_eq!(sum, shared.sum().item::<f32>());
}

/// `d/dw sum(tanh(x·w)²)` for a graph of the thread's own.
fn grad_of(off: f64) -> Vec<f64> {
    let x = data(&[40, 30], off).to_dtype(DType::F64);
    let w = data(&[30, 20], off + 2.0)
        .to_dtype(DType::F64)
        .requires_grad_(true);
    x.matmul(&w).tanh().pow(2).sum().backward();
    w.grad().unwrap().to_vec::<f64>()
}

#[test]
fn backward_runs_concurrently_on_separate_graphs() {
    let offs = [0.0, 0.5, 1.0, 1.5];
    let serial: Vec<_> = offs.iter().map(|&o| grad_of(o)).collect();
    let barrier = Barrier::new(offs.len());
    let concurrent: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = offs
            .iter()
            .map(|&o| {
                let b = &barrier;
                s.spawn(move || {
                    b.wait();
                    (0..5).map(|_| grad_of(o)).collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (runs, want) in concurrent.iter().zip(&serial) {
        for got in runs {
            assert_eq!(got, want);
        }
    }
}

#[test]
fn backward_through_a_shared_leaf_from_two_threads_accumulates_both() {
    // Two threads' graphs end at the same leaf: its .grad gets both contributions (PyTorch
    // accumulates under the leaf's lock), whatever the order.
    let w = data(&[10], 0.0).to_dtype(DType::F64).requires_grad_(true);
    std::thread::scope(|s| {
        for k in [2.0, 3.0] {
            let w = &w;
            s.spawn(move || w.mul(k).sum().backward());
        }
    });
    assert_eq!(w.grad().unwrap().to_vec::<f64>(), vec![5.0; 10]);
}

#[test]
fn grad_mode_is_per_thread() {
    let x = ember::ones([3]).requires_grad_(true);
    ember::no_grad_scope(|| {
        assert!(!ember::is_grad_enabled());
        // A thread started under no_grad still records: grad mode is thread-local and every
        // thread starts with it on, as in PyTorch.
        let (enabled, records) = std::thread::scope(|s| {
            s.spawn(|| (ember::is_grad_enabled(), x.mul(2.0).requires_grad()))
                .join()
                .unwrap()
        });
        assert!(enabled);
        assert!(records);
        assert!(!x.mul(2.0).requires_grad());
    });
    // And a thread's no_grad does not leak into this one.
    let b = Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            ember::no_grad_scope(|| {
                b.wait();
                b.wait();
            })
        });
        b.wait();
        assert!(ember::is_grad_enabled());
        assert!(x.mul(2.0).requires_grad());
        b.wait();
    });
}

#[test]
fn set_num_threads_changes_the_kernels_threads_not_their_results() {
    isolated!(set_num_threads_changes_the_kernels_threads_not_their_results);
    let before = ember::get_num_threads();
    let big = data(&[512, 512], 0.0).to_dtype(DType::F64);
    let want = big.matmul(&big).sum().item::<f64>();
    for n in [1, 3, before] {
        ember::set_num_threads(n);
        assert_eq!(ember::get_num_threads(), n);
        let got = big.matmul(&big).sum().item::<f64>();
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "{n} threads: {got} vs {want}"
        );
        let (losses, _) = train(0.0);
        assert!(losses[29] < losses[0]);
    }
    assert_eq!(
        ember::try_set_num_threads(0).unwrap_err().to_string(),
        "set_num_threads expects a positive integer"
    );
}

//! Memory over training iterations, in a process of its own (`isolated!`) so that no other
//! test allocates tensors concurrently while the counters are read.

/// Seed 002's training loop must not leak: saved tensors are freed by each backward and no
/// reference cycle keeps graphs alive.
#[test]
fn training_loop_memory_is_flat() {
    isolated!(training_loop_memory_is_flat);
    ember::manual_seed(0);
    let x = ember::randn([8, 20]);
    let y = ember::randn([8, 5]);
    let w1 = ember::randn([20, 10]).requires_grad_(true);
    let w2 = ember::randn([10, 5]).requires_grad_(true);
    let step = || {
        let h = (x.unsqueeze(2) * w1.unsqueeze(0))
            .sum_dim(1, false)
            .clamp(0.0, None);
        let y_pred = (h.unsqueeze(2) * w2.unsqueeze(0)).sum_dim(1, false);
        let loss = (&y_pred - &y).pow(2).sum();
        loss.backward();
        let _g = ember::no_grad();
        let (mut a, mut b) = (w1.clone(), w2.clone());
        a -= 1e-4 * &w1.grad().unwrap();
        b -= 1e-4 * &w2.grad().unwrap();
        w1.grad().unwrap().zero_();
        w2.grad().unwrap().zero_();
        loss.item::<f32>()
    };
    let first = step();
    let (tensors, bytes) = (ember::live_tensors(), ember::cpu::allocated_bytes());
    let mut last = first;
    for _ in 0..10_000 {
        last = step();
    }
    assert!(last < first, "loss should fall: {first} -> {last}");
    assert_eq!(ember::live_tensors(), tensors, "live tensors grew");
    assert!(
        ember::cpu::allocated_bytes() <= bytes,
        "allocated bytes grew"
    );
}

/// `backward(create_graph=True)` makes the reference cycle PyTorch warns about: the leaf's
/// `.grad` has a graph that reaches back to the leaf (its `AccumulateGrad` node and the
/// saved leaf). It is the only thing keeping those tensors alive: clearing `.grad`, as
/// PyTorch's warning advises, frees everything, and `autograd::grad` makes no cycle at all.
#[test]
fn create_graph_cycle_is_only_the_grad_one() {
    isolated!(create_graph_cycle_is_only_the_grad_one);
    ember::warnings::ignored(create_graph_cycle_body);
}

fn create_graph_cycle_body() {
    let before = ember::live_tensors();
    for _ in 0..100 {
        let x = ember::tensor([1.0f64, 2.0]).requires_grad_(true);
        let y = x.pow(3.0).sum();
        y.backward_opts().create_graph(true).run().unwrap();
        let g = x.grad().unwrap();
        assert!(g.grad_fn().is_some());
        // A second-order step through the first gradient, as gradient penalties do.
        g.sum().backward();
        assert_eq!(x.grad().unwrap().to_vec::<f64>(), vec![9.0, 24.0]);
        x.set_grad(None);
    }
    assert_eq!(
        ember::live_tensors(),
        before,
        "the .grad cycle was not broken"
    );
    for _ in 0..100 {
        let x = ember::tensor([1.0f64, 2.0]).requires_grad_(true);
        let y = x.pow(3.0).sum();
        let g = ember::autograd::grad_with(
            &[&y],
            &[&x],
            ember::autograd::GradOptions {
                create_graph: true,
                ..Default::default()
            },
        )
        .unwrap();
        let g = g[0].as_ref().unwrap();
        assert!(g.grad_fn().is_some());
        assert_eq!(g.to_vec::<f64>(), vec![3.0, 12.0]);
    }
    assert_eq!(ember::live_tensors(), before, "autograd::grad leaked");
}

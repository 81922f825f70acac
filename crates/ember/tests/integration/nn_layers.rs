//! `torch.nn.functional` ops and layers through the public API: gradients against finite
//! differences (f64; contiguous and transposed inputs), PyTorch's values and node names
//! (from PyTorch 2.15), and bad inputs.

use crate::common::{close, err, name, rand, rand_t};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::nn::functional::{self as F, CrossEntropyOptions, NllLossOptions, Reduction};
use ember::{DType, Tensor};

fn check1(f: impl Fn(&Tensor) -> ember::Result<Tensor> + Copy, x: &Tensor) {
    gradcheck(|i| Ok(vec![f(&i[0])?]), std::slice::from_ref(x)).unwrap();
    gradgradcheck(|i| Ok(vec![f(&i[0])?]), std::slice::from_ref(x)).unwrap();
}

#[test]
fn softmax_gradients() {
    ember::manual_seed(0);
    for x in [rand(&[3, 4]), rand_t(&[3, 4]), rand(&[2, 3, 4])] {
        for d in [0, 1, -1] {
            check1(|x| x.try_softmax(d), &x);
            check1(|x| x.try_log_softmax(d), &x);
        }
    }
    check1(|x| x.try_softmax(0), &rand(&[]));
    let x = rand(&[2, 3]);
    assert_eq!(name(&x.softmax(1)), "SoftmaxBackward0");
    assert_eq!(name(&x.log_softmax(1)), "LogSoftmaxBackward0");
    // Under create_graph the gradient is PyTorch's own op, whose inputs are the incoming
    // gradient and the forward's output.
    for (log, want) in [
        (false, "SoftmaxBackwardDataBackward0"),
        (true, "LogSoftmaxBackwardDataBackward0"),
    ] {
        let y = if log { x.log_softmax(1) } else { x.softmax(1) };
        let g = rand(&[2, 3]);
        let opts = ember::autograd::GradOptions {
            grad_outputs: vec![Some(g)],
            create_graph: true,
            ..Default::default()
        };
        let gx = ember::autograd::grad_with(&[&y], &[&x], opts).unwrap();
        let gx = gx[0].clone().unwrap();
        assert_eq!(name(&gx), want);
    }
}

#[test]
fn softmax_values_and_errors() {
    let x = ember::tensor([[1.0f32, 2.0, 3.0], [1000.0, 1000.0, f32::NEG_INFINITY]]);
    let y = x.softmax(1).to_vec::<f32>();
    assert!(close(
        &y.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        &[0.09003057, 0.24472847, 0.66524096, 0.5, 0.5, 0.0],
        1e-6
    ));
    let h = x.to_dtype(DType::BF16).log_softmax(1);
    assert_eq!(h.dtype(), DType::BF16);
    let i = ember::tensor([[1i64, 2]]);
    assert_eq!(
        err(i.try_softmax(1)),
        "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"
    );
    assert_eq!(
        err(x.try_softmax(2)),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    );
}

fn logits() -> Tensor {
    Tensor::from_vec(
        vec![
            0.5, -1.0, 2.0, 1.5, 0.25, -0.75, 0.0, 3.0, 1.0, -2.0, 0.5, 0.5,
        ],
        [4, 3],
    )
    .requires_grad_(true)
}

#[test]
fn cross_entropy_matches_pytorch() {
    let x = logits();
    let t = ember::tensor([2i64, 0, -100, 1]);
    let w = Tensor::from_vec(vec![0.5, 2.0, 1.0], [3]);
    let opts = CrossEntropyOptions {
        weight: Some(&w),
        label_smoothing: 0.2,
        ..Default::default()
    };
    let l = F::cross_entropy(&x, &t, opts).unwrap();
    assert_eq!(name(&l), "AddBackward0");
    assert!((l.item::<f64>() - 0.7580835094343403).abs() < 1e-12);
    l.backward();
    let want = [
        0.042228591965153696,
        -0.026547716462939894,
        -0.015680875502213792,
        0.006193966494002216,
        -0.0008486145147106691,
        -0.005345351979291553,
        0.0,
        0.0,
        0.0,
        0.01112707844162299,
        -0.2436587773160496,
        0.2325316988744266,
    ];
    assert!(close(&x.grad().unwrap().to_vec::<f64>(), &want, 1e-12));
    let none = F::cross_entropy(
        &x,
        &t,
        CrossEntropyOptions {
            reduction: Reduction::None,
            ..opts
        },
    )
    .unwrap();
    assert!(close(
        &none.to_vec::<f64>(),
        &[
            0.699355006545729,
            0.5260926526245753,
            0.0,
            1.4278446238498872
        ],
        1e-12
    ));
}

#[test]
fn nll_loss_matches_pytorch() {
    let x = logits();
    let t = ember::tensor([2i64, 0, -100, 1]);
    let w = Tensor::from_vec(vec![0.5, 2.0, 1.0], [3]);
    let opts = NllLossOptions {
        weight: Some(&w),
        ..Default::default()
    };
    let l = F::nll_loss(&x, &t, opts).unwrap();
    assert!((l.item::<f64>() + 1.0714285714285714).abs() < 1e-12);
    l.backward();
    let mut want = vec![0.0; 12];
    want[2] = -0.2857142857142857;
    want[3] = -0.14285714285714285;
    want[10] = -0.5714285714285714;
    assert!(close(&x.grad().unwrap().to_vec::<f64>(), &want, 1e-12));
    // Double backward names PyTorch's nodes.
    let x = logits();
    let g = ember::autograd::grad_with(
        &[&F::nll_loss(&x.log_softmax(1), &t, opts).unwrap()],
        &[&x],
        ember::autograd::GradOptions {
            create_graph: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(g[0].as_ref().unwrap().requires_grad());
}

#[test]
fn nll_and_cross_entropy_gradients() {
    ember::manual_seed(1);
    let t = ember::tensor([2i64, 0, 1, 1]);
    let w = Tensor::from_vec(vec![0.5, 2.0, 1.0], [3]);
    for x in [rand(&[4, 3]), rand_t(&[4, 3])] {
        for reduction in [Reduction::None, Reduction::Sum, Reduction::Mean] {
            for weight in [None, Some(&w)] {
                let o = NllLossOptions {
                    weight,
                    ignore_index: 1,
                    reduction,
                };
                check1(|x| F::nll_loss(x, &t, o), &x);
                let c = CrossEntropyOptions {
                    weight,
                    ignore_index: 1,
                    reduction,
                    label_smoothing: 0.1,
                };
                check1(|x| F::cross_entropy(x, &t, c), &x);
            }
        }
        let p = ember::rand_with([4, 3], DType::F64).softmax(1);
        let c = CrossEntropyOptions {
            weight: Some(&w),
            label_smoothing: 0.3,
            ..Default::default()
        };
        check1(|x| F::cross_entropy(x, &p, c), &x);
    }
    // Spatial targets: 4-d is one NllLoss2D node, 3-d goes through it and a view.
    let x4 = rand(&[2, 3, 2, 2]);
    let t4 = ember::randint(0, 3, [2, 2, 2]);
    check1(|x| F::nll_loss(x, &t4, NllLossOptions::default()), &x4);
    assert_eq!(
        name(&F::nll_loss(&x4, &t4, NllLossOptions::default()).unwrap()),
        "NllLoss2DBackward0"
    );
    let x3 = rand(&[2, 3, 4]);
    let t3 = ember::randint(0, 3, [2, 4]);
    let none = NllLossOptions {
        reduction: Reduction::None,
        ..Default::default()
    };
    check1(|x| F::nll_loss(x, &t3, none), &x3);
    assert_eq!(name(&F::nll_loss(&x3, &t3, none).unwrap()), "ViewBackward0");
    // A single sample: `[C]` input, 0-d target.
    let x1 = rand(&[5]);
    check1(
        |x| F::cross_entropy(x, &ember::scalar_tensor(2i64), Default::default()),
        &x1,
    );
}

#[test]
fn nll_loss_errors() {
    let x = ember::zeros([4, 5]);
    let d = NllLossOptions::default();
    assert_eq!(
        err(F::nll_loss(&x, &ember::tensor([1i64, 2, 3]), d)),
        "Expected input batch_size (4) to match target batch_size (3)."
    );
    assert_eq!(
        err(F::nll_loss(&x, &ember::tensor([1i64, 2, 3, 7]), d)),
        "Target 7 is out of bounds."
    );
    assert_eq!(
        err(F::nll_loss(
            &x,
            &ember::tensor([1i64, 2, 3, 4]).to_dtype(DType::I32),
            d
        )),
        "expected target dtype to be Long or Byte, but got Int"
    );
    let w = ember::ones([3]);
    assert_eq!(
        err(F::nll_loss(
            &x,
            &ember::tensor([1i64, 2, 3, 4]),
            NllLossOptions {
                weight: Some(&w),
                ..d
            }
        )),
        "weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [3]"
    );
    assert_eq!(
        err(F::nll_loss(
            &ember::scalar_tensor(1.0),
            &ember::scalar_tensor(1i64),
            d
        )),
        "Expected 1 or more dimensions (got 0)"
    );
    assert_eq!(
        err(F::cross_entropy(
            &x,
            &ember::zeros([4, 4]),
            Default::default()
        )),
        "0D or 1D target tensor expected, multi-target not supported"
    );
    assert_eq!(
        err(F::cross_entropy(
            &x,
            &ember::tensor([1i64, 2, 3, 4]),
            CrossEntropyOptions {
                label_smoothing: 1.5,
                ..Default::default()
            }
        )),
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5"
    );
    assert_eq!(
        err(F::cross_entropy(
            &x,
            &ember::zeros_with([4, 5], DType::I64),
            Default::default()
        )),
        "Expected floating point type for target with class probabilities, got Long"
    );
}

#[test]
fn loss_modules() {
    use ember::nn::{CrossEntropyLoss, Module, ModuleFields, NLLLoss, Softmax};
    let x = logits();
    let t = ember::tensor([2i64, 0, 1, 1]);
    let a = CrossEntropyLoss::default().call(&x, &t);
    let b = NLLLoss::default().call(&x.log_softmax(1), &t);
    assert_eq!(a.item::<f64>(), b.item::<f64>());
    let s = Softmax::new(1).forward(&x).unwrap();
    assert!(close(
        &s.sum_dim(1, false).to_vec::<f64>(),
        &[1.0; 4],
        1e-12
    ));
    assert_eq!(Softmax::new(1).extra_repr(), "dim=1");
}

/// `sin(0.37 i + phase)` in f64, the inputs of the PyTorch script behind the numbers below.
fn sin_inp(shape: &[usize], phase: f64) -> Tensor {
    let n = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37 + phase).sin()).collect();
    Tensor::from_vec(v, shape)
}

#[test]
fn bilinear_matches_pytorch() {
    isolated!(bilinear_matches_pytorch);
    let x1 = sin_inp(&[2, 3], 0.1).requires_grad_(true);
    let (x2, w, b) = (
        sin_inp(&[2, 4], 0.2),
        sin_inp(&[5, 3, 4], 0.3),
        sin_inp(&[5], 0.4),
    );
    let y = F::bilinear(&x1, &x2, &w, Some(&b)).unwrap();
    assert_eq!(name(&y), "AddBackward0");
    let want = [
        -0.130894901494,
        2.658853826046,
        0.37287419568,
        -0.67629214068,
        2.389297555271,
        2.954574514005,
        1.751570225263,
        -2.224416574767,
        1.628505851446,
        3.746454413957,
    ];
    assert!(close(&y.to_vec::<f64>(), &want, 1e-9));
    // Leading batch dims, no bias.
    let y = F::bilinear(
        &sin_inp(&[2, 2, 3], 0.1),
        &sin_inp(&[2, 2, 4], 0.2),
        &w,
        None,
    )
    .unwrap();
    assert_eq!(y.shape(), &[2, 2, 5]);
    let last: Vec<f64> = y.to_vec::<f64>()[15..].to_vec();
    let want = [
        0.627548790496,
        2.408041711452,
        -1.923234658633,
        -1.373214134983,
        2.662114778591,
    ];
    assert!(close(&last, &want, 1e-9));
    let f = |i: &[Tensor]| Ok(vec![F::bilinear(&i[0], &i[1], &i[2], Some(&i[3]))?]);
    gradcheck(
        f,
        &[rand_t(&[3, 2]), rand(&[3, 4]), rand(&[5, 2, 4]), rand(&[5])],
    )
    .unwrap();
    assert_eq!(
        err(F::bilinear(&x1, &x2, &w, Some(&sin_inp(&[1], 0.0)))),
        "bilinear(): bias size does not match weight size: got 1 but expected 5"
    );
    assert_eq!(
        err(F::bilinear(&x1, &sin_inp(&[3, 4], 0.0), &w, None)),
        "bilinear(): input batch dimensions do not match at dim 0: got 2 and 3"
    );
    assert_eq!(
        err(F::bilinear(&x1, &x2, &sin_inp(&[5, 2, 4], 0.0), None)),
        "bilinear(): input1 size does not match weight size: got 3 but expected 2"
    );
    ember::manual_seed(0);
    let m = ember::nn::Bilinear::new(3, 4, 5);
    let w0: Vec<f32> = m.weight.to_vec::<f32>()[..4].to_vec();
    let want = [
        -0.004322517663,
        0.30971583724,
        -0.475185334682,
        -0.424894601107,
    ];
    assert!(close(
        &w0.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        &want,
        1e-6
    ));
    assert!((m.bias.as_ref().unwrap().to_vec::<f32>()[0] - 0.261_235_4).abs() < 1e-6);
}

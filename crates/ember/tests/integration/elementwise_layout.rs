//! Elementwise outputs take the memory order of their inputs, as PyTorch's TensorIterator
//! gives them: the expected strides below are PyTorch 2.15's for the same expressions.

use ember::{DType, Tensor, step_by};

/// `arange(n) / 7` reshaped: distinct values whose positions are easy to check.
fn seq(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    ember::arange(n as i64)
        .to_dtype(DType::F32)
        .div(7.0)
        .reshape(shape)
}

/// The same values written out in row-major order, through a contiguous copy.
fn values(t: &Tensor) -> Vec<f32> {
    t.contiguous().to_vec::<f32>()
}

#[test]
fn strides_match_pytorch() {
    let a = seq(&[3, 4]);
    let at = a.t();
    let x = seq(&[2, 3, 4]);
    let c = seq(&[2, 3, 4, 5]);
    let cases: Vec<(&str, Tensor, Vec<usize>)> = vec![
        ("t_add_t", &at + &at, vec![1, 4]),
        ("t_add_c", &at + &seq(&[4, 3]), vec![1, 4]),
        ("c_add_t", &seq(&[4, 3]) + &at, vec![3, 1]),
        ("t_exp", at.exp(), vec![1, 4]),
        ("perm_sin", x.permute([2, 0, 1]).sin(), vec![1, 12, 4]),
        ("t_add_row", &at + &seq(&[3]), vec![1, 4]),
        ("t_add_col", &at + &seq(&[4, 1]), vec![1, 4]),
        ("t_mul_scalar", &at * 2.0, vec![1, 4]),
        ("outer_bcast", &seq(&[4, 1]) + &seq(&[1, 3]), vec![3, 1]),
        (
            "t_row_bcast_first",
            &seq(&[3, 1]).t() + &seq(&[4, 3]),
            vec![3, 1],
        ),
        ("sliced_t", at.i((.., 1..)).exp(), vec![1, 4]),
        ("strided_slice", a.i((.., step_by(.., 2))).exp(), vec![2, 1]),
        ("expanded_t", seq(&[4]).expand([3, 4]).t().exp(), vec![3, 1]),
        (
            "exp3",
            seq(&[3, 4]).t().unsqueeze(0).expand([2, 4, 3]).exp(),
            vec![12, 1, 4],
        ),
        ("where_t", at.where_cond(&at.gt(0.0), 0.0), vec![1, 4]),
        (
            "where_c_first",
            ember::where_(&ember::ones([4, 3]).gt(0.0), &at, &at),
            vec![3, 1],
        ),
        ("gt_t", at.gt(0.0), vec![1, 4]),
        ("clamp_t", at.clamp(0.0, 1.0), vec![1, 4]),
        ("pow_t", at.pow(2), vec![1, 4]),
        (
            "int_t_exp",
            ember::arange(12).reshape([3, 4]).t().exp(),
            vec![1, 4],
        ),
        ("relu_t", at.relu(), vec![1, 4]),
        (
            "perm4_mul",
            &c.permute([0, 2, 3, 1]) * &c.permute([0, 2, 3, 1]),
            vec![60, 5, 1, 20],
        ),
        (
            "perm4_vs_bcast",
            &c.permute([0, 2, 3, 1]) * &seq(&[3]),
            vec![60, 5, 1, 20],
        ),
    ];
    for (name, t, strides) in cases {
        assert_eq!(t.stride(), strides.as_slice(), "{name}");
    }
    assert!(!at.exp().is_contiguous());
}

#[test]
fn permuted_outputs_hold_the_right_values() {
    let a = seq(&[3, 4]);
    let at = a.t();
    let e = at.exp();
    let want: Vec<f32> = values(&at).iter().map(|v| v.exp()).collect();
    assert_eq!(values(&e), want);

    let b = seq(&[4, 3]);
    let sum = &at + &b;
    let want: Vec<f32> = values(&at)
        .iter()
        .zip(values(&b))
        .map(|(x, y)| x + y)
        .collect();
    assert_eq!(sum.stride(), &[1, 4]);
    assert_eq!(values(&sum), want);

    // A large transposed pair runs the parallel dense path over the permuted buffer.
    let big = seq(&[256, 300]).t();
    let s = &big + &big;
    let want: Vec<f32> = values(&big).iter().map(|v| v + v).collect();
    assert_eq!(s.stride(), &[1, 300]);
    assert_eq!(values(&s), want);

    // A cast keeps the order, and so does the op reading it.
    let i = ember::arange(12).reshape([3, 4]).t();
    let f = &i * 0.5;
    assert_eq!(f.stride(), &[1, 4]);
    assert_eq!(
        values(&f),
        vec![0.0, 2.0, 4.0, 0.5, 2.5, 4.5, 1.0, 3.0, 5.0, 1.5, 3.5, 5.5]
    );

    // Views of a permuted output, and ops that need a row-major input.
    assert_eq!(values(&e.reshape([12])), values(&e).to_vec());
    assert_eq!(e.t().stride(), &[4, 1]);
    let m = e.mm(&ember::ones([3, 2]));
    let want: Vec<f32> = (0..4)
        .flat_map(|r| {
            let s: f32 = values(&e)[r * 3..r * 3 + 3].iter().sum();
            [s, s]
        })
        .collect();
    let got = m.to_vec::<f32>();
    assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-4));
}

#[test]
fn out_and_in_place_keep_their_layout() {
    let at = seq(&[3, 4]).t();
    let y = seq(&[4, 3]);
    let before = y.stride().to_vec();
    y.add_(&at);
    assert_eq!(y.stride(), before.as_slice());
    let z = ember::zeros([3, 4]).t();
    z.add_(&seq(&[4, 3]));
    assert_eq!(z.stride(), &[1, 4]);
    assert_eq!(values(&z), values(&seq(&[4, 3])));
}

#[test]
fn gradients_through_permuted_outputs() {
    let w =
        Tensor::from_vec((0..12).map(|v| v as f64 / 5.0).collect(), [3, 4]).requires_grad_(true);
    let y = w.t().tanh();
    assert_eq!(y.stride(), &[1, 4]);
    y.sum().backward();
    let g = w.grad().unwrap();
    let want: Vec<f64> = (0..12)
        .map(|v| 1.0 - (v as f64 / 5.0).tanh().powi(2))
        .collect();
    let got = g.contiguous().to_vec::<f64>();
    assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12));
}

#[test]
fn in_place_on_a_view_of_a_permuted_output() {
    // PyTorch 2.15: y = x.t() * 1.5; y.select(0, 1).mul_(2); (y * y).sum().backward()
    let x = Tensor::from_vec((0..12).map(f64::from).collect(), [3, 4]).requires_grad_(true);
    let y = x.t().mul(1.5);
    assert_eq!(y.stride(), &[1, 4]);
    y.select(0, 1).mul_(2.0);
    assert_eq!(y.grad_fn().unwrap().name(), "CopySlices");
    assert_eq!(
        y.detach().contiguous().to_vec::<f64>(),
        vec![
            0.0, 6.0, 12.0, 3.0, 15.0, 27.0, 3.0, 9.0, 15.0, 4.5, 10.5, 16.5
        ]
    );
    y.mul(&y).sum().backward();
    assert_eq!(
        x.grad().unwrap().contiguous().to_vec::<f64>(),
        vec![
            0.0, 18.0, 9.0, 13.5, 18.0, 90.0, 27.0, 31.5, 36.0, 162.0, 45.0, 49.5
        ]
    );
}

#[test]
fn large_mixed_orders_take_the_parallel_strided_path() {
    // `at` transposed, `b` row-major: the output follows `at`, `b` is read across.
    let at = seq(&[300, 256]).t();
    let b = seq(&[256, 300]);
    let (va, vb) = (values(&at), values(&b));
    let s = &at + &b;
    assert_eq!(s.stride(), &[1, 256]);
    let want: Vec<f32> = va.iter().zip(&vb).map(|(x, y)| x + y).collect();
    assert_eq!(values(&s), want);
    // The same scalar function as the contiguous kernel, so the same bits.
    let e = at.exp().add(&b);
    let ec = values(&at.contiguous().exp());
    let want: Vec<f32> = ec.iter().zip(&vb).map(|(x, y)| x + y).collect();
    assert_eq!(values(&e), want);
    let m = at.gt(&b);
    let want: Vec<bool> = va.iter().zip(&vb).map(|(x, y)| x > y).collect();
    assert_eq!(m.contiguous().to_vec::<bool>(), want);
    let w = ember::where_(&m, &b, &at);
    let want: Vec<f32> = va
        .iter()
        .zip(&vb)
        .map(|(x, y)| if x > y { *y } else { *x })
        .collect();
    assert_eq!(values(&w), want);
    // A non-dense output written in place keeps the serial walk.
    let big = ember::zeros([300, 400]);
    let view = big.i((.., 0..256)).t();
    view.add_(&b);
    assert_eq!(values(&view), vb);
}

//! Inputs the fuzz targets under `fuzz/` found, each once a panic (or a wrong gradient) and
//! now a test with the reproducer inline. A finding in code this suite's owner does not own
//! sits here `#[ignore]`d, with what it does, until the fix lands (then drop the ignore).
//! `fuzz/README.md` lists the runs that found them.

use ember::io;

/// npy: a multi-byte character where the descr's byte-order mark belongs (found before this
/// file existed; moved here from io.rs).
#[test]
fn npy_multibyte_descr() {
    let mut b = b"\x93NUMPY\x01\x00\x5b\x00{'descr': '".to_vec();
    b.extend("\u{296}4', 'fortran_order': True, 'shape': (2, 2), }".as_bytes());
    b.resize(10 + 0x5b, b' ');
    assert!(io::npy_from_bytes(&b).is_err());
}

// ---- Findings of the `ops` target in code outside io (ops/, backend/, autograd/). ----

/// ops: an elementwise op on an empty view whose offset is past its (empty) storage panics
/// in the CPU kernel (`backend/cpu/elementwise.rs`: "range start index 2 out of range for
/// slice of length 0"). PyTorch gives an empty `[2, 0, 1]` result. The fuzzer met it in
/// backward, where `cat`'s backward narrows an empty gradient (`cat([x, x]).neg()` with `x`
/// of shape `[2, 0, 1]` and then `.sum().backward()`); this is the forward-only core.
/// Fuzz input: `artifacts/ops/crash-d96dc355…` (bytes below).
#[test]
fn empty_view_with_offset_elementwise() {
    let g = ember::zeros([4, 0, 1]).narrow(0, 2, 2);
    assert_eq!(g.neg().shape(), &[2, 0, 1]);
    // The fuzz input that found it (`cargo +nightly fuzz run ops <file of these bytes>`).
    let _input: &[u8] = &[
        0x1b, 0x23, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x2b, 0x13, 0x40, 0xff, 0x5b, 0x5c, 0xff, 0xff, 0x00, 0x00, 0x00, 0xce, 0x00,
        0x00, 0x40, 0x94, 0x3a, 0x4b, 0xc1, 0xd9, 0xfd, 0x03, 0x00, 0xff, 0x72, 0x60, 0x01, 0x00,
        0x00, 0xce, 0x40, 0x94, 0x3a, 0x4b, 0xc1, 0xd9, 0xfd, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x06, 0x16, 0x2c, 0xd1, 0xc9, 0xe6, 0x97, 0xa0, 0xcc, 0x01, 0x00, 0x97,
    ];
}

/// The second derivative of `x` through `y = x.clone(); <in-place op on y>`, by
/// `create_graph` then a second `grad`.
fn second_derivative_through_inplace(inplace: impl Fn(&ember::Tensor, &ember::Tensor)) -> Vec<f64> {
    use ember::autograd::{GradOptions, grad, grad_with};
    let x = ember::tensor_with([0.5f64], ember::DType::F64).requires_grad_(true);
    let y = x.clone_tensor();
    inplace(&y, &x);
    let opts = GradOptions {
        create_graph: true,
        ..Default::default()
    };
    let g = grad_with(&[&y.sum()], &[&x], opts).unwrap()[0]
        .clone()
        .unwrap();
    grad(&[&g.sum()], &[&x]).unwrap()[0].to_vec::<f64>()
}

/// ops (gradgradcheck): the backward of an in-place op is not differentiable with
/// `create_graph`. For `y = x.clone(); y.cos_()` the first gradient does not require grad
/// (so the second `grad` fails), where PyTorch gives `-cos(0.5) = -0.8776`. Out of place
/// (`x.clone().cos()`) it is right. Every gradgradcheck failure of the first ops run had an
/// in-place op (unary, binary or through a view) on the path; fuzz input
/// `artifacts/ops/crash-0ab308c1…` (`InplaceUnary(Gelu, …)`
/// last).
#[test]
fn second_derivative_through_inplace_unary() {
    let d2 = second_derivative_through_inplace(|y, _| {
        y.try_unary_(ember::UnaryOp::Cos).unwrap();
    });
    assert_eq!(d2, vec![-(0.5f64).cos()]);
}

/// ops (gradgradcheck): `y = x.clone(); y.mul_(x)` is `x²`, whose second derivative is 2
/// (PyTorch: 2); ember gives 1 — the path through the pre-multiply value of `y` is missing
/// from the double backward. The fuzz input (below) decodes to inputs `-1.125` and
/// `[[[3.96875]]]`, the one op `InplaceBinary(Mul, 255, 255)` (the second input times
/// itself, in place on its clone) and the gradgradcheck flag (see `fuzz_targets/ops.rs`).
#[test]
fn second_derivative_through_inplace_mul() {
    let _input: &[u8] = &[
        0x13, 0x40, 0x5c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0xff, 0xff, 0xff,
    ];
    let d2 = second_derivative_through_inplace(|y, x| {
        y.try_binary_(x, ember::BinaryOp::Mul).unwrap();
    });
    assert_eq!(d2, vec![2.0]);
}

/// ops (gradgradcheck, 2026-12-08 run): `cumprod` of an input holding zeros gave a second
/// derivative of 0 through the zero (its gradient after the first zero was the constant 0).
/// Values from PyTorch 2.15, whose gradient there is the differentiable O(n²) form.
#[test]
fn second_derivative_of_cumprod_through_zeros() {
    let x = ember::tensor_with(
        [[2.0, 0.0, 3.0, -1.5], [0.5, 1.5, 0.0, 0.0]],
        ember::DType::F64,
    )
    .requires_grad_(true);
    let y = x.cumprod(1);
    let opts = ember::autograd::GradOptions {
        create_graph: true,
        ..Default::default()
    };
    let g = ember::autograd::grad_with(&[&y.sum()], &[&x], opts).unwrap()[0]
        .clone()
        .unwrap();
    assert_eq!(
        g.to_vec::<f64>(),
        vec![1.0, -1.0, 0.0, 0.0, 2.5, 0.5, 0.75, 0.0]
    );
    let w = ember::arange(8.0).to_dtype(ember::DType::F64).view([2, 4]);
    let h = ember::autograd::grad(&[&(&g * &w).sum()], &[&x]).unwrap();
    assert_eq!(
        h[0].to_vec::<f64>(),
        vec![-0.5, 16.0, -1.0, 6.0, 14.0, 7.0, 13.75, 4.5]
    );
    // And the fuzzer's program: asin, sin, expand, cumprod with a zero.
    let x = ember::tensor_with([[0.3, 0.0, -0.7], [0.0, 0.0, 0.4]], ember::DType::F64)
        .requires_grad_(true);
    let f = |xs: &[ember::Tensor]| Ok(vec![xs[0].sin().expand([2, 2, 3]).cumprod(2)]);
    ember::manual_seed(0);
    ember::autograd::gradgradcheck(f, &[x]).unwrap();
}

//! Reflect, replicate and circular `F.pad` through the public API: PyTorch 2.15's values,
//! gradients, node names (also of the gradient, for double backward) and messages, and
//! gradcheck / gradgradcheck in f64 on contiguous and transposed inputs.

use crate::common::{det, err, name};
use ember::autograd::{GradOptions, grad_with, gradcheck, gradgradcheck};
use ember::nn::functional::{self as F, PadMode};
use ember::{DType, Tensor};

/// `sum(t · det(t.shape, k, off))`: one number that any misplaced element changes.
fn weigh(t: &Tensor, k: f64, off: f64) -> f64 {
    t.mul(&det(t.shape(), k, off)).sum().item::<f64>()
}

/// Mode, input shape, pad, padded shape, and PyTorch's `weigh(y, 0.29, 0.1)` and
/// `weigh(x.grad, 0.71, 0.2)` after `y.backward(det(y.shape, 0.53, 0))`.
type Case = (
    PadMode,
    &'static [usize],
    &'static [i64],
    &'static [usize],
    f64,
    f64,
);

#[rustfmt::skip]
const CASES: [Case; 19] = [
    (PadMode::Reflect, &[2, 3, 4], &[2, 1], &[2, 3, 7], -6.131099438069221, 13.37196899503507),
    (PadMode::Reflect, &[3, 4], &[-1, 3], &[3, 6], 29.00480630642997, 37.89791367152055),
    (PadMode::Reflect, &[1, 2, 3, 4], &[1, 2, 2, 1], &[1, 2, 6, 7], 49.784512117307344, -27.159954449056112),
    (PadMode::Reflect, &[2, 3, 4], &[3, -1, 2, 2], &[2, 7, 6], 57.60345549866058, 46.489716135251726),
    (PadMode::Reflect, &[1, 2, 2, 3, 4], &[1, 2, 1, 1, 1, 0], &[1, 2, 3, 5, 7], 97.26240661676943, -65.59913265272984),
    (PadMode::Reflect, &[2, 3, 3, 4], &[-1, 1, 2, 0, 1, 1], &[2, 5, 5, 4], 26.095060175221445, 18.895307105585193),
    (PadMode::Replicate, &[2, 3, 4], &[3, 1], &[2, 3, 8], -10.30931602159119, 19.30209580566514),
    (PadMode::Replicate, &[3, 4], &[-2, 5], &[3, 7], 41.654251020742095, 33.67933884335025),
    (PadMode::Replicate, &[1, 2, 3, 4], &[1, 2, 4, 1], &[1, 2, 8, 7], -5.572856455668341, 13.658675956162126),
    (PadMode::Replicate, &[2, 3, 4], &[3, -1, -2, 2], &[2, 3, 6], 30.96175406784552, -3.164357021342424),
    (PadMode::Replicate, &[1, 2, 2, 3, 4], &[1, 2, 1, 1, 2, 0], &[1, 2, 4, 5, 7], 0.16752365872769204, 29.13222784919175),
    (PadMode::Replicate, &[2, 3, 3, 4], &[-1, 1, 2, 0, 3, 1], &[2, 7, 5, 4], -45.195271589371394, 47.722021840129244),
    (PadMode::Circular, &[2, 3, 4], &[2, 1], &[2, 3, 7], -4.056340666316269, 37.33298280576772),
    (PadMode::Circular, &[3, 4], &[-1, 3], &[3, 6], 36.64828902036614, 42.618611235347856),
    (PadMode::Circular, &[1, 2, 3, 4], &[1, 2, 2, 1], &[1, 2, 6, 7], 87.46200751817197, 17.379772938857954),
    (PadMode::Circular, &[2, 3, 4], &[3, -1, -1, 2], &[2, 4, 6], 20.05886575940867, -41.90831042659052),
    (PadMode::Circular, &[2, 3, 4], &[-2, 1, 1, -1], &[2, 3, 3], 26.867430294677348, 6.471083214231881),
    (PadMode::Circular, &[1, 2, 2, 3, 4], &[1, 2, 1, 1, 1, 0], &[1, 2, 3, 5, 7], 120.38828673721548, 17.517054016762188),
    (PadMode::Circular, &[2, 3, 3, 4], &[-1, 1, 2, 0, 1, 1], &[2, 5, 5, 4], 9.620959400982873, 22.543743250439817),
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * (1.0 + b.abs())
}

#[test]
fn values_and_gradients_match_pytorch() {
    for (mode, shape, pad, out, wy, wg) in CASES {
        let x = det(shape, 0.37, 0.0).requires_grad_(true);
        let y = F::pad(&x, pad, mode, None).unwrap();
        assert_eq!(y.shape(), out, "{mode:?} {pad:?}");
        assert!(close(weigh(&y, 0.29, 0.1), wy), "{mode:?} {pad:?} value");
        y.backward_opts()
            .gradient(&det(out, 0.53, 0.0))
            .run()
            .unwrap();
        let g = x.grad().unwrap();
        assert!(close(weigh(&g, 0.71, 0.2), wg), "{mode:?} {pad:?} grad");
    }
}

#[test]
fn small_values_in_full() {
    let x = Tensor::from_slice(&[1.0, 2.0, 3.0, 4.0], [1, 1, 4]);
    let r = F::pad(&x, &[3, 2], PadMode::Reflect, None).unwrap();
    assert_eq!(
        r.to_vec::<f64>(),
        [4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]
    );
    let r = F::pad(&x, &[2, -1], PadMode::Replicate, None).unwrap();
    assert_eq!(r.to_vec::<f64>(), [1.0, 1.0, 1.0, 2.0, 3.0]);
    let r = F::pad(&x, &[2, 1], PadMode::Circular, None).unwrap();
    assert_eq!(r.to_vec::<f64>(), [3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0]);
}

#[test]
fn node_names_match_pytorch() {
    let modes = [
        (PadMode::Reflect, "ReflectionPad"),
        (PadMode::Replicate, "ReplicationPad"),
    ];
    let shapes: [(&[usize], &[i64]); 3] = [
        (&[1, 2, 5], &[2, 1]),
        (&[1, 4, 5], &[1, 2, 2, 1]),
        (&[1, 3, 4, 5], &[1, 1, 1, 2, 2, 1]),
    ];
    for (mode, stem) in modes {
        for (k, (shape, pad)) in shapes.iter().enumerate() {
            let x = ember::randn_with(*shape, DType::F64).requires_grad_(true);
            let y = F::pad(&x, pad, mode, None).unwrap();
            assert_eq!(name(&y), format!("{stem}{}DBackward0", k + 1));
            let gy = ember::randn_like(&y).requires_grad_(true);
            let opts = GradOptions {
                grad_outputs: vec![Some(gy.clone())],
                create_graph: true,
                ..Default::default()
            };
            let gx = grad_with(&[&y], &[&x], opts).unwrap()[0].clone().unwrap();
            assert_eq!(name(&gx), format!("{stem}{}DBackwardBackward0", k + 1));
            // The gradient of the gradient is the padding again.
            let ggx = ember::randn_like(&gx);
            let opts = GradOptions {
                grad_outputs: vec![Some(ggx.clone())],
                ..Default::default()
            };
            let gg = grad_with(&[&gx], &[&gy], opts).unwrap()[0].clone().unwrap();
            let want = F::pad(&ggx, pad, mode, None).unwrap();
            assert_eq!(gg.to_vec::<f64>(), want.to_vec::<f64>());
        }
    }
    let x = ember::randn_with([1, 2, 3], DType::F64).requires_grad_(true);
    let y = F::pad(&x, &[2, 1], PadMode::Circular, None).unwrap();
    assert_eq!(name(&y), "CopySlices");
}

#[test]
fn gradcheck_and_gradgradcheck() {
    let t = |s: &[usize]| {
        let mut r = s.to_vec();
        let n = r.len();
        r.swap(n - 1, n - 2);
        ember::randn_with(r, DType::F64).transpose(-1, -2)
    };
    let pads: [(&[usize], &[i64]); 4] = [
        (&[2, 3, 4], &[2, 1]),
        (&[2, 3, 4], &[-1, 3]),
        (&[1, 2, 3, 4], &[1, 2, 2, -1]),
        (&[2, 2, 3, 4], &[1, 2, 1, 0, 1, 1]),
    ];
    for mode in [PadMode::Reflect, PadMode::Replicate, PadMode::Circular] {
        for (shape, pad) in pads {
            for x in [ember::randn_with(shape, DType::F64), t(shape)] {
                let x = x.requires_grad_(true);
                let f = |i: &[Tensor]| Ok(vec![F::pad(&i[0], pad, mode, None)?]);
                gradcheck(f, std::slice::from_ref(&x)).unwrap();
                gradgradcheck(f, &[x]).unwrap();
            }
        }
    }
}

#[test]
fn other_dtypes() {
    let x = ember::arange(6).view([1, 2, 3]);
    for mode in [PadMode::Reflect, PadMode::Replicate, PadMode::Circular] {
        let y = F::pad(&x, &[1, 1], mode, None).unwrap();
        assert_eq!(y.dtype(), DType::I64);
        let want = F::pad(&x.to_dtype(DType::F64), &[1, 1], mode, None).unwrap();
        assert_eq!(y.to_dtype(DType::F64).to_vec::<f64>(), want.to_vec::<f64>());
    }
    let h = ember::randn([1, 2, 3])
        .to_dtype(DType::F16)
        .requires_grad_(true);
    let y = F::pad(&h, &[2, 1], PadMode::Reflect, None).unwrap();
    assert_eq!(y.dtype(), DType::F16);
    y.sum().backward();
    // Reflecting [a b c] by (2, 1) reads c b a b c b: a once, b three times, c twice.
    assert_eq!(
        h.grad().unwrap().to_dtype(DType::F32).to_vec::<f32>(),
        [1.0, 3.0, 2.0, 1.0, 3.0, 2.0]
    );
    let b = x.gt(2);
    assert_eq!(
        err(F::pad(&b, &[1, 1], PadMode::Reflect, None)),
        "\"reflection_pad1d\" not implemented for 'Bool'"
    );
    assert_eq!(
        err(F::pad(
            &b.view([1, 1, 2, 3]),
            &[1, 1, 1, 1],
            PadMode::Replicate,
            None
        )),
        "\"replication_pad2d\" not implemented for 'Bool'"
    );
    let c = F::pad(&b, &[1, 1], PadMode::Circular, None).unwrap();
    assert_eq!(c.shape(), &[1, 2, 5]);
}

#[test]
fn errors_match_pytorch() {
    let e = |shape: &[usize], pad: &[i64], mode| err(F::pad(&ember::zeros(shape), pad, mode, None));
    use PadMode::{Circular, Reflect, Replicate};
    assert_eq!(
        e(&[1, 2, 3], &[0, 3], Reflect),
        "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (0, 3) at dimension 2 of input [1, 2, 3]"
    );
    assert_eq!(
        e(&[1, 3, 4], &[1, 1, 4, 0], Reflect),
        "Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (4, 0) at dimension 1 of input [1, 3, 4]"
    );
    assert_eq!(
        e(&[1, 1, 3, 4, 5], &[1, 1, 1, 1, 3, 0], Reflect),
        "Argument #8: Padding size should be less than the corresponding input dimension, but got: padding (3, 0) at dimension 2 of input [1, 1, 3, 4, 5]"
    );
    for mode in [Reflect, Replicate] {
        assert_eq!(
            e(&[1, 2, 3], &[-3, 0], mode),
            "input (W: 3) is too small. Calculated output W: 0"
        );
        assert_eq!(
            e(&[1, 1, 3, 4], &[-4, 0, 0, 0], mode),
            "Calculated output H: 3 W: 0 must be >= 1 in every dimension (input H: 3, W: 4)"
        );
        assert_eq!(
            e(&[1, 1, 2, 3, 4], &[0, 0, 0, 0, -5, 0], mode),
            "Calculated output D: -3 H: 3 W: 4 must be >= 1 in every dimension (input D: 2, H: 3, W: 4)"
        );
        assert_eq!(
            e(&[1, 2, 0], &[1, 1], mode),
            "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 2, 0]"
        );
        assert_eq!(
            e(&[1, 0, 3, 4], &[0, 0, 1, 0], mode),
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 0, 3, 4]"
        );
        assert_eq!(
            F::pad(&ember::zeros([0, 2, 3]), &[1, 1], mode, None)
                .unwrap()
                .shape(),
            &[0, 2, 5]
        );
    }
    assert_eq!(
        e(&[3], &[1, 1], Reflect),
        "Padding size 2 is not supported for 1D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
    );
    assert_eq!(
        e(&[1, 2, 3], &[4, 0], Circular),
        "Padding value causes wrapping around more than once."
    );
    assert_eq!(
        e(&[1, 2, 3], &[-4, 0], Circular),
        "Negative padding value is resulting in an empty dimension"
    );
    assert_eq!(
        F::pad(&ember::zeros([1, 2, 3]), &[-3, 0], Circular, None)
            .unwrap()
            .shape(),
        &[1, 2, 0]
    );
    // A wrap that would read the border it writes (PyTorch: this error, or unspecified
    // values when its overlap check cannot see it).
    assert_eq!(
        e(&[1, 3, 4], &[0, 0, 2, -2], Circular),
        "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation."
    );
    // A zero value is accepted with any mode, as in PyTorch.
    assert_eq!(
        F::pad(&ember::zeros([1, 2, 3]), &[1, 1], Reflect, Some(0.0))
            .unwrap()
            .shape(),
        &[1, 2, 5]
    );
}

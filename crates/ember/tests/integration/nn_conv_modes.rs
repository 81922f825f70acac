//! Convolution and pooling fidelity beyond the golden cases: the double-backward node,
//! string padding (`"same"` / `"valid"`), the layers' `padding_mode` and integer max
//! pooling, against PyTorch 2.15's values, names and messages.

use crate::common::{det, name, rand};
use ember::autograd::{GradOptions, grad_with, gradcheck};
use ember::nn::functional::{
    self as F, Conv1dOptions, Conv2dOptions, ConvPadding, ConvTranspose2dOptions,
};
use ember::nn::{
    Conv1d, Conv1dLayerOptions, Conv2d, Conv2dLayerOptions, ConvTranspose2d,
    ConvTranspose2dLayerOptions, Module, ModuleFields, PaddingMode,
};
use ember::{DType, Tensor};

/// `sum(y · det(y.shape, 0.29, 0.1))`, compared with PyTorch's.
fn assert_weighs(tag: &str, y: &Tensor, want: f64) {
    let got = y.mul(&det(y.shape(), 0.29, 0.1)).sum().item::<f64>();
    assert!(
        (got - want).abs() <= 1e-10 * (1.0 + want.abs()),
        "{tag}: {got} vs {want}"
    );
}

fn err<T>(r: ember::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// A convolution of `(x, w, b)`.
type Conv = dyn Fn(&Tensor, &Tensor, &Tensor) -> ember::Result<Tensor>;

/// The gradients of `f(x, w, b)` for the output gradient `gy`, with `create_graph`.
fn grads(
    f: impl Fn(&Tensor, &Tensor, &Tensor) -> ember::Result<Tensor>,
    i: &[Tensor],
) -> ember::Result<Vec<Tensor>> {
    let y = f(&i[0], &i[1], &i[2])?;
    let opts = GradOptions {
        grad_outputs: vec![Some(i[3].clone())],
        create_graph: true,
        ..Default::default()
    };
    let g = grad_with(&[&y], &[&i[0], &i[1], &i[2]], opts)?;
    Ok(g.into_iter().flatten().collect())
}

#[test]
fn double_backward_node_and_gradients() {
    ember::manual_seed(0);
    let conv2 = |x: &Tensor, w: &Tensor, b: &Tensor| {
        let o = Conv2dOptions::default().stride([2, 1]).padding(1).groups(2);
        F::conv2d(x, w, Some(b), o)
    };
    let conv1 = |x: &Tensor, w: &Tensor, b: &Tensor| {
        F::conv1d(x, w, Some(b), Conv1dOptions::default().dilation(2))
    };
    let convt = |x: &Tensor, w: &Tensor, b: &Tensor| {
        let o = ConvTranspose2dOptions::default()
            .stride(2)
            .output_padding(1);
        F::conv_transpose2d(x, w, Some(b), o)
    };
    let cases: [(&Conv, [&[usize]; 4]); 3] = [
        (&conv2, [&[2, 4, 5, 4], &[4, 2, 3, 2], &[4], &[2, 4, 3, 5]]),
        (&conv1, [&[2, 3, 8], &[2, 3, 3], &[2], &[2, 2, 4]]),
        (&convt, [&[1, 2, 3, 3], &[2, 3, 2, 2], &[3], &[1, 3, 7, 7]]),
    ];
    for (f, shapes) in cases {
        let inputs: Vec<Tensor> = shapes.iter().map(|s| rand(s)).collect();
        let g = grads(f, &inputs).unwrap();
        for gi in &g {
            assert_eq!(name(gi), "ConvolutionBackwardBackward0");
        }
        // Every second derivative, including the one with respect to the output gradient.
        gradcheck(|i| grads(f, i), &inputs).unwrap();
    }
    // Only the input requires grad: the gradient still records the node, as in PyTorch.
    let x = rand(&[1, 2, 4, 4]);
    let w = ember::randn_with([3, 2, 2, 2], DType::F64);
    let y = F::conv2d(&x, &w, None, Conv2dOptions::default()).unwrap();
    let opts = GradOptions {
        grad_outputs: vec![Some(ember::ones_like(&y))],
        create_graph: true,
        ..Default::default()
    };
    let g = grad_with(&[&y], &[&x], opts).unwrap();
    assert_eq!(name(g[0].as_ref().unwrap()), "ConvolutionBackwardBackward0");
}

#[test]
fn string_padding_matches_pytorch() {
    let x = det(&[1, 2, 7, 6], 0.37, 0.0);
    let w = det(&[3, 2, 4, 3], 0.53, 0.1);
    let b = det(&[3], 0.7, 0.2);
    let same = Conv2dOptions::default().padding(ConvPadding::Same);
    let y = F::conv2d(&x, &w, Some(&b), same).unwrap();
    assert_eq!(y.shape(), &[1, 3, 7, 6]);
    assert_weighs("same", &y, -233.47710763381858);
    let y = F::conv2d(&x, &w, Some(&b), same.dilation([2, 1])).unwrap();
    assert_eq!(y.shape(), &[1, 3, 7, 6]);
    assert_weighs("same dilated", &y, -18.172759379425415);
    let valid = Conv2dOptions::default().padding(ConvPadding::Valid);
    assert_weighs(
        "valid",
        &F::conv2d(&x, &w, Some(&b), valid).unwrap(),
        79.68680224916406,
    );
    let x1 = det(&[2, 3, 9], 0.37, 0.0);
    let w1 = det(&[4, 3, 4], 0.53, 0.1);
    let o = Conv1dOptions::default().padding(ConvPadding::Same);
    let y = F::conv1d(&x1, &w1, None, o).unwrap();
    assert_eq!(y.shape(), &[2, 4, 9]);
    assert_weighs("same 1d", &y, 42.21456824956488);
    // An even kernel pads its input first; gradients flow through both.
    let (xr, wr) = (rand(&[1, 2, 5, 4]), rand(&[2, 2, 2, 3]));
    gradcheck(
        |i| Ok(vec![F::conv2d(&i[0], &i[1], None, same)?]),
        &[xr, wr],
    )
    .unwrap();
    assert_eq!(
        err(F::conv2d(&x, &w, None, same.stride([1, 2]))),
        "padding='same' is not supported for strided convolutions"
    );
    assert_eq!(
        err("foo".parse::<ConvPadding>()),
        "Invalid padding string 'foo', should be one of {'valid', 'same'}"
    );
}

/// PyTorch's weighed outputs of `Conv2d(2, 3, (4, 3), padding=(1, 2))`, of the same layer
/// with `padding="same"`, and of `Conv1d(3, 4, 4, padding=2, bias=False)`, per mode.
const MODES: [(PaddingMode, f64, f64, f64); 4] = [
    (
        PaddingMode::Reflect,
        275.8955303551116,
        -154.74977300997892,
        -6.152426760568723,
    ),
    (
        PaddingMode::Replicate,
        320.05260405655906,
        -173.29266835827428,
        8.867863143674725,
    ),
    (
        PaddingMode::Circular,
        250.00508662480928,
        -131.05430046209267,
        -20.163287227058134,
    ),
    (
        PaddingMode::Zeros,
        252.59842362893846,
        -233.47710763381858,
        -6.310234859678946,
    ),
];

#[test]
fn padding_modes_match_pytorch() {
    let x = det(&[1, 2, 7, 6], 0.37, 0.0);
    let w = det(&[3, 2, 4, 3], 0.53, 0.1);
    let b = det(&[3], 0.7, 0.2);
    let x1 = det(&[2, 3, 9], 0.37, 0.0);
    let w1 = det(&[4, 3, 4], 0.53, 0.1);
    let set = |p: &ember::nn::Parameter, v: &Tensor| {
        let _g = ember::no_grad();
        p.copy_(v);
    };
    for (mode, explicit, same, one_d) in MODES {
        let base = Conv2dLayerOptions::default()
            .dtype(DType::F64)
            .padding_mode(mode);
        for (opts, want, shape) in [
            (base.padding([1, 2]), explicit, [1, 3, 6, 8]),
            (base.padding(ConvPadding::Same), same, [1, 3, 7, 6]),
        ] {
            let c = Conv2d::new_with(2, 3, [4, 3], opts).unwrap();
            set(&c.weight, &w);
            set(c.bias.as_ref().unwrap(), &b);
            let y = c.forward(&x).unwrap();
            assert_eq!(y.shape(), &shape);
            assert_weighs(&format!("{mode:?}"), &y, want);
        }
        let o = Conv1dLayerOptions::default()
            .dtype(DType::F64)
            .padding(2)
            .bias(false)
            .padding_mode(mode);
        let c = Conv1d::new_with(3, 4, 4, o).unwrap();
        set(&c.weight, &w1);
        let y = c.forward(&x1).unwrap();
        assert_eq!(y.shape(), &[2, 4, 10]);
        assert_weighs(&format!("{mode:?} 1d"), &y, one_d);
    }
}

#[test]
fn layer_reprs_and_errors() {
    let o = Conv2dLayerOptions::default()
        .padding([1, 2])
        .padding_mode(PaddingMode::Replicate);
    let c = Conv2d::new_with(2, 3, [4, 3], o).unwrap();
    assert_eq!(
        c.extra_repr(),
        "2, 3, kernel_size=(4, 3), stride=(1, 1), padding=(1, 2), padding_mode=replicate"
    );
    let o = Conv2dLayerOptions::default()
        .padding(ConvPadding::Same)
        .padding_mode(PaddingMode::Replicate);
    assert_eq!(
        Conv2d::new_with(2, 3, [4, 3], o).unwrap().extra_repr(),
        "2, 3, kernel_size=(4, 3), stride=(1, 1), padding=same, padding_mode=replicate"
    );
    let o = Conv2dLayerOptions::default().padding(ConvPadding::Valid);
    assert_eq!(
        Conv2d::new_with(2, 3, [4, 3], o).unwrap().extra_repr(),
        "2, 3, kernel_size=(4, 3), stride=(1, 1), padding=valid"
    );
    let o = Conv1dLayerOptions::default().padding(ConvPadding::Same);
    assert_eq!(
        Conv1d::new_with(2, 3, 4, o).unwrap().extra_repr(),
        "2, 3, kernel_size=(4,), stride=(1,), padding=same"
    );
    let o = Conv2dLayerOptions::default()
        .padding(ConvPadding::Same)
        .stride(2);
    assert_eq!(
        err(Conv2d::new_with(2, 3, 3, o)),
        "padding='same' is not supported for strided convolutions"
    );
    assert_eq!(
        err("foo".parse::<PaddingMode>()),
        "padding_mode must be one of {'replicate', 'circular', 'reflect', 'zeros'}, but got padding_mode='foo'"
    );
    let o = ConvTranspose2dLayerOptions::default().padding_mode(PaddingMode::Reflect);
    assert_eq!(
        err(ConvTranspose2d::new_with(2, 3, 3, o)),
        "Only \"zeros\" padding mode is supported for ConvTranspose2d"
    );
}

#[test]
fn integer_max_pooling_matches_pytorch() {
    use F::{AvgPool2dOptions, MaxPool1dOptions, MaxPool2dOptions};
    let v: Vec<i64> = vec![
        3, -1, 4, 1, 0, 5, 9, -2, 6, 2, 5, 3, 5, 8, -7, 9, 7, -9, 3, 1,
    ];
    let x = Tensor::from_vec(v, [1, 4, 5]);
    let o = MaxPool2dOptions::new([2, 3]).stride([1, 2]).padding(1);
    let (y, i) = F::max_pool2d_with_indices(&x, o).unwrap();
    assert_eq!((y.dtype(), y.shape()), (DType::I64, &[1, 5, 3][..]));
    assert_eq!(
        y.to_vec::<i64>(),
        [3, 4, 1, 9, 9, 6, 9, 9, 8, 9, 8, 8, 9, 7, 3]
    );
    assert_eq!(
        i.to_vec::<i64>(),
        [0, 2, 3, 6, 6, 8, 6, 6, 13, 15, 13, 13, 15, 16, 18]
    );
    let u = x.to_dtype(DType::U8);
    let (y, i) = F::max_pool2d_with_indices(&u, MaxPool2dOptions::new(2).ceil_mode(true)).unwrap();
    assert_eq!(y.to_vec::<u8>(), [255, 254, 2, 9, 247, 249]);
    assert_eq!(i.to_vec::<i64>(), [1, 7, 9, 15, 17, 14]);
    assert_eq!(
        err(F::max_pool2d(&x.gt(0), MaxPool2dOptions::new(2))),
        "\"max_pool2d\" not implemented for 'Bool'"
    );
    assert_eq!(
        err(F::max_pool1d(&x, MaxPool1dOptions::new(2))),
        "\"max_pool1d_impl\" not implemented for 'Long'"
    );
    assert_eq!(
        err(F::avg_pool2d(
            &x.to_dtype(DType::I32),
            AvgPool2dOptions::new(2)
        )),
        "\"avg_pool2d\" not implemented for 'Int'"
    );
}

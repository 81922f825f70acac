//! Convolution, fold/unfold and pooling through the public API: gradients against finite
//! differences (f64; contiguous and permuted inputs), PyTorch's values for option
//! combinations the golden files do not cover (from PyTorch 2.15), errors and layers.

use crate::common::{err, name, rand};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::nn::functional::{
    self as F, AvgPool1dOptions, AvgPool2dOptions, Conv1dOptions, Conv2dOptions,
    ConvTranspose2dOptions, FoldOptions, MaxPool1dOptions, MaxPool2dOptions,
};
use ember::nn::{
    AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, Conv2dLayerOptions, ConvTranspose2d,
    ConvTranspose2dLayerOptions, MaxPool2d, Module, ModuleFields,
};
use ember::{DType, Tensor};

/// A non-contiguous leaf of `shape` (4-d: channels-last memory; 3-d: transposed).
fn rand_nc(shape: &[usize]) -> Tensor {
    let x = if shape.len() == 4 {
        ember::randn_with([shape[0], shape[2], shape[3], shape[1]], DType::F64)
            .permute([0, 3, 1, 2])
    } else {
        ember::randn_with([shape[0], shape[2], shape[1]], DType::F64).transpose(1, 2)
    };
    assert!(!x.is_contiguous());
    x.requires_grad_(true)
}

/// `sin(0.37 i + 0.1)` in `shape`, the inputs the PyTorch values below were computed from.
fn d(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37 + 0.1).sin()).collect();
    Tensor::from_vec(v, shape)
}

/// Compares with PyTorch's shape, sum, cos-weighted sum and first values.
fn check(tag: &str, t: &Tensor, want: (&[usize], f64, f64, &[f64])) {
    let (shape, sum, wsum, head) = want;
    assert_eq!(t.shape(), shape, "{tag}");
    let v = t.detach().to_dtype(DType::F64).contiguous().to_vec::<f64>();
    let s: f64 = v.iter().sum();
    let w: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| x * (i as f64).cos())
        .sum();
    assert!(
        (s - sum).abs() < 1e-8 * (1.0 + sum.abs()),
        "{tag}: sum {s} vs {sum}"
    );
    assert!(
        (w - wsum).abs() < 1e-8 * (1.0 + wsum.abs()),
        "{tag}: wsum {w} vs {wsum}"
    );
    for (a, b) in v.iter().zip(head) {
        assert!((a - b).abs() < 1e-9, "{tag}: {a} vs {b}");
    }
}

#[test]
fn conv2d_groups_dilation_stride_matches_pytorch() {
    let x = d(&[2, 4, 7, 8]).requires_grad_(true);
    let w = d(&[6, 2, 3, 2]).requires_grad_(true);
    let b = d(&[6]).requires_grad_(true);
    let o = Conv2dOptions::default()
        .stride([2, 1])
        .padding([1, 2])
        .dilation([2, 3])
        .groups(2);
    let y = F::conv2d(&x, &w, Some(&b), o).unwrap();
    assert_eq!(name(&y), "ConvolutionBackward0");
    check(
        "conv_gds",
        &y,
        (
            &[2, 6, 3, 9],
            236.0255299939,
            -1.6297041801,
            &[0.9746839324, 0.1300165599, 0.2980465848, -1.0651477574],
        ),
    );
    y.mul(&y).sum().backward();
    let gx = x.grad().unwrap().sum_dim([0, 1], false);
    check(
        "conv_gds_gx",
        &gx,
        (&[7, 8], -202.2765087217, -11.2535727992, &[0.0; 4]),
    );
    check(
        "conv_gds_gw",
        &w.grad().unwrap(),
        (
            &[6, 2, 3, 2],
            -58.9664173347,
            -23.6363224018,
            &[56.2159887186, 47.6393212435, 95.2348851379, 88.2697417865],
        ),
    );
}

#[test]
fn conv1d_and_transpose_match_pytorch() {
    let o = Conv1dOptions::default()
        .stride(2)
        .padding(1)
        .dilation(2)
        .groups(2);
    let y = F::conv1d(&d(&[2, 4, 9]), &d(&[4, 2, 3]), Some(&d(&[4])), o).unwrap();
    check(
        "conv1d",
        &y,
        (
            &[2, 4, 4],
            16.4702798618,
            3.5792830842,
            &[-0.5253830251, -1.0803698157, -1.0676621083, -0.6588326183],
        ),
    );
    let o = ConvTranspose2dOptions::default()
        .stride([2, 3])
        .padding([1, 0])
        .output_padding([1, 2])
        .groups(2)
        .dilation([1, 2]);
    let y = F::conv_transpose2d(&d(&[1, 4, 3, 4]), &d(&[4, 3, 3, 2]), Some(&d(&[6])), o).unwrap();
    check(
        "convt_op",
        &y,
        (
            &[1, 6, 6, 14],
            347.7800509804,
            0.7819660963,
            &[-0.7499230527, 0.0998334166, -0.791812233, -0.4826729212],
        ),
    );
}

#[test]
fn pooling_options_match_pytorch() {
    let x = d(&[1, 2, 5, 7]);
    let o = MaxPool2dOptions::new(3)
        .stride(2)
        .padding(1)
        .ceil_mode(true);
    let (y, i) = F::max_pool2d_with_indices(&x, o).unwrap();
    check(
        "maxceil",
        &y,
        (
            &[1, 2, 3, 4],
            18.7016808792,
            0.5713808665,
            &[0.4528862854, 0.9356160016, 0.9999576465, 0.928959715],
        ),
    );
    check(
        "maxceil_idx",
        &i,
        (&[1, 2, 3, 4], 400.0, -69.5076364733, &[1., 3., 4., 5.]),
    );
    let y = F::max_pool2d(&x, MaxPool2dOptions::new(2).stride(1).dilation(2)).unwrap();
    check(
        "maxdil",
        &y,
        (
            &[1, 2, 3, 5],
            19.7528316630,
            -0.0724268342,
            &[0.74464312, 0.9356160016, 0.9999576465, 0.9356160016],
        ),
    );
    let o = AvgPool2dOptions::new(3)
        .stride(2)
        .padding(1)
        .count_include_pad(false);
    let y = F::avg_pool2d(&x, o).unwrap();
    check(
        "avgnopad",
        &y,
        (
            &[1, 2, 3, 4],
            -1.0877337675,
            0.9020346496,
            &[0.267655234, 0.2197273259, 0.0685032861, -0.0761312551],
        ),
    );
    let y = F::avg_pool2d(&x, AvgPool2dOptions::new(2).stride(2).ceil_mode(true)).unwrap();
    check(
        "avgceil",
        &y,
        (
            &[1, 2, 3, 4],
            -1.4567001484,
            2.3217413570,
            &[0.267655234, 0.1959938795, 0.0218154015, -0.1241534769],
        ),
    );
    let o = AvgPool2dOptions::new(3)
        .stride(2)
        .padding(1)
        .ceil_mode(true);
    let y = F::avg_pool2d(&x, o).unwrap();
    check(
        "avgceilpad",
        &y,
        (
            &[1, 2, 3, 4],
            -0.7446459842,
            0.3702675420,
            &[0.1189578818, 0.1464848839, 0.0456688574, -0.0338361134],
        ),
    );
    let y = F::avg_pool2d(&x, AvgPool2dOptions::new(2).divisor_override(3)).unwrap();
    check(
        "avgdiv",
        &y,
        (
            &[1, 2, 2, 3],
            2.7349690313,
            0.1001925053,
            &[0.3568736453, 0.2613251727, 0.0290872019, 0.1637946272],
        ),
    );
    let y = F::adaptive_avg_pool2d(&x, [3, 4]).unwrap();
    check(
        "adapt",
        &y,
        (
            &[1, 2, 3, 4],
            -1.0877337675,
            0.9020346496,
            &[0.267655234, 0.2197273259, 0.0685032861, -0.0761312551],
        ),
    );
    let o = FoldOptions::new([2, 3]).padding(1).stride(2);
    let y = F::fold(&d(&[2, 12, 9]), [4, 5], o).unwrap();
    check(
        "fold",
        &y,
        (
            &[2, 2, 4, 5],
            -1.1557178736,
            1.9836111280,
            &[0.7536707851, -1.7234091649, 0.9403403914, -1.9737480076],
        ),
    );
}

type Op = Box<dyn Fn(&Tensor) -> ember::Result<Tensor>>;

/// gradcheck of `f` on a contiguous and a non-contiguous input of `shape`.
fn check_both(shape: &[usize], f: impl Fn(&Tensor) -> ember::Result<Tensor>) {
    for x in [rand(shape), rand_nc(shape)] {
        gradcheck(|i| Ok(vec![f(&i[0])?]), std::slice::from_ref(&x)).unwrap();
    }
}

#[test]
fn conv_gradients() {
    ember::manual_seed(0);
    let w = rand(&[6, 2, 3, 2]);
    let b = rand(&[6]);
    let o = Conv2dOptions::default()
        .stride([2, 1])
        .padding([1, 2])
        .dilation([2, 1])
        .groups(2);
    for x in [rand(&[2, 4, 6, 5]), rand_nc(&[2, 4, 6, 5])] {
        let f = |i: &[Tensor]| Ok(vec![F::conv2d(&i[0], &i[1], Some(&i[2]), o)?]);
        let inputs = [x.clone(), w.clone(), b.clone()];
        gradcheck(f, &inputs).unwrap();
        gradgradcheck(f, &inputs).unwrap();
    }
    // Ungrouped: the weight gradient takes the unfold-and-multiply path.
    let o = Conv2dOptions::default()
        .stride([2, 1])
        .padding([1, 2])
        .dilation([2, 1]);
    for x in [rand(&[2, 3, 6, 5]), rand_nc(&[2, 3, 6, 5])] {
        let f = |i: &[Tensor]| Ok(vec![F::conv2d(&i[0], &i[1], Some(&i[2]), o)?]);
        let inputs = [x.clone(), rand(&[4, 3, 3, 2]), rand(&[4])];
        gradcheck(f, &inputs).unwrap();
        gradgradcheck(f, &inputs).unwrap();
    }
    let o = Conv1dOptions::default().stride(2).padding(1).dilation(2);
    let f = |i: &[Tensor]| Ok(vec![F::conv1d(&i[0], &i[1], None, o)?]);
    let inputs = [rand_nc(&[2, 3, 9]), rand(&[2, 3, 3])];
    gradcheck(f, &inputs).unwrap();
    gradgradcheck(f, &inputs).unwrap();
    // Unbatched input, no bias.
    let f = |i: &[Tensor]| {
        Ok(vec![F::conv2d(
            &i[0],
            &i[1],
            None,
            Conv2dOptions::default(),
        )?])
    };
    gradcheck(f, &[rand(&[2, 4, 4]), rand(&[3, 2, 2, 2])]).unwrap();

    let o = Conv1dOptions::default()
        .stride(2)
        .padding(1)
        .dilation(2)
        .groups(2);
    for x in [rand(&[2, 4, 9]), rand_nc(&[2, 4, 9])] {
        let f = |i: &[Tensor]| Ok(vec![F::conv1d(&i[0], &i[1], Some(&i[2]), o)?]);
        gradcheck(f, &[x, rand(&[4, 2, 3]), rand(&[4])]).unwrap();
    }

    let o = ConvTranspose2dOptions::default()
        .stride([2, 3])
        .padding([1, 0])
        .output_padding([1, 2])
        .groups(2)
        .dilation([1, 2]);
    for x in [rand(&[2, 4, 3, 4]), rand_nc(&[2, 4, 3, 4])] {
        let f = |i: &[Tensor]| Ok(vec![F::conv_transpose2d(&i[0], &i[1], Some(&i[2]), o)?]);
        let inputs = [x, rand(&[4, 3, 3, 2]), rand(&[6])];
        gradcheck(f, &inputs).unwrap();
        gradgradcheck(f, &inputs).unwrap();
    }
}

#[test]
fn fold_and_pool_gradients() {
    ember::manual_seed(1);
    let ops: Vec<(&[usize], Op)> = vec![
        (
            &[2, 3, 5, 6],
            Box::new(|x| {
                F::unfold(
                    x,
                    FoldOptions::new([2, 3])
                        .padding(1)
                        .stride(2)
                        .dilation([2, 1]),
                )
            }),
        ),
        (
            &[2, 3, 5, 6],
            Box::new(|x| {
                F::max_pool2d(
                    x,
                    MaxPool2dOptions::new(3)
                        .stride(2)
                        .padding(1)
                        .ceil_mode(true),
                )
            }),
        ),
        (
            &[2, 3, 7, 6],
            Box::new(|x| F::max_pool2d(x, MaxPool2dOptions::new(2).stride(1).dilation(2))),
        ),
        (
            &[2, 3, 5, 7],
            Box::new(|x| {
                let o = AvgPool2dOptions::new(3)
                    .stride(2)
                    .padding(1)
                    .count_include_pad(false);
                F::avg_pool2d(x, o.ceil_mode(true))
            }),
        ),
        (
            &[2, 3, 5, 7],
            Box::new(|x| F::avg_pool2d(x, AvgPool2dOptions::new(2).divisor_override(3))),
        ),
        (
            &[2, 3, 5, 7],
            Box::new(|x| F::adaptive_avg_pool2d(x, [3, 4])),
        ),
        (
            &[2, 3, 8],
            Box::new(|x| F::max_pool1d(x, MaxPool1dOptions::new(3).stride(2))),
        ),
        (
            &[2, 3, 8],
            Box::new(|x| F::avg_pool1d(x, AvgPool1dOptions::new(3).padding(1))),
        ),
    ];
    for (shape, f) in &ops {
        check_both(shape, f);
    }
    // Unbatched inputs and fold.
    check_both(&[3, 5, 6], |x| F::max_pool2d(x, MaxPool2dOptions::new(2)));
    check_both(&[2, 12, 9], |x| {
        F::fold(x, [4, 5], FoldOptions::new([2, 3]).padding(1).stride(2))
    });
    let x = rand(&[3, 5, 6]);
    assert_eq!(
        name(&F::max_pool2d(&x, MaxPool2dOptions::new(2)).unwrap()),
        "MaxPool2DWithIndicesBackward0"
    );
    assert_eq!(
        name(&F::avg_pool2d(&x, AvgPool2dOptions::new(2)).unwrap()),
        "AvgPool2DBackward0"
    );
    assert_eq!(
        name(&F::adaptive_avg_pool2d(&x, 2).unwrap()),
        "AdaptiveAvgPool2DBackward0"
    );
    assert_eq!(
        name(&F::unfold(&x, FoldOptions::new(2)).unwrap()),
        "Im2ColBackward0"
    );
    let cols = F::unfold(&x, FoldOptions::new(2)).unwrap();
    assert_eq!(cols.shape(), &[12, 20]);
    assert_eq!(
        name(&F::fold(&cols, [5, 6], FoldOptions::new(2)).unwrap()),
        "Col2ImBackward0"
    );
    gradgradcheck(
        |i| Ok(vec![F::max_pool2d(&i[0], MaxPool2dOptions::new(2))?]),
        &[rand(&[1, 2, 4, 4])],
    )
    .unwrap();
}

#[test]
fn errors_match_pytorch() {
    let x = ember::zeros([2, 3, 5, 6]);
    let c = Conv2dOptions::default();
    let w = |s: &[usize]| ember::zeros(s);
    assert_eq!(
        err(F::conv2d(&ember::zeros([3, 5]), &w(&[4, 3, 3, 3]), None, c)),
        "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 5]"
    );
    assert_eq!(
        err(F::conv2d(&x, &w(&[4, 2, 3, 3]), None, c)),
        "Given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 5, 6] to have 2 channels, but got 3 channels instead"
    );
    assert_eq!(
        err(F::conv2d(&x, &w(&[4, 1, 3, 3]), None, c.groups(3))),
        "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[4, 1, 3, 3]] instead"
    );
    assert_eq!(
        err(F::conv2d(&x, &w(&[4, 3, 7, 3]), None, c)),
        "Calculated padded input size per channel: (5 x 6). Kernel size: (7 x 3). Kernel size can't be greater than actual input size"
    );
    assert_eq!(
        err(F::conv2d(&x, &w(&[4, 3, 3, 3]), Some(&w(&[3])), c)),
        "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead"
    );
    assert_eq!(
        err(F::conv2d(&x, &w(&[4, 3, 3, 3]), None, c.stride(0))),
        "non-positive stride is not supported"
    );
    assert_eq!(
        err(F::conv2d(&x, &w(&[4, 3, 3, 3]), None, c.padding(-1))),
        "negative padding is not supported"
    );
    assert_eq!(
        err(F::conv2d(
            &x.to_dtype(DType::F64),
            &w(&[4, 3, 3, 3]),
            None,
            c
        )),
        "expected scalar type Double but found Float"
    );
    assert_eq!(
        err(F::conv1d(
            &ember::zeros([2, 3, 2]),
            &w(&[4, 3, 3]),
            None,
            Conv1dOptions::default()
        )),
        "Calculated padded input size per channel: (2). Kernel size: (3). Kernel size can't be greater than actual input size"
    );
    assert_eq!(
        err(F::conv_transpose2d(
            &x,
            &w(&[2, 3, 3, 3]),
            None,
            ConvTranspose2dOptions::default()
        )),
        "Given transposed=1, weight of size [2, 3, 3, 3], expected input[2, 3, 5, 6] to have 2 channels, but got 3 channels instead"
    );
    assert_eq!(
        err(F::conv_transpose2d(
            &x,
            &w(&[3, 3, 3, 3]),
            None,
            ConvTranspose2dOptions::default().output_padding(1)
        )),
        "output padding must be smaller than either stride or dilation, but got output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1"
    );
    assert_eq!(
        err(F::max_pool2d(&x, MaxPool2dOptions::new(7))),
        "Given input size: (3x5x6). Calculated output size: (3x0x0). Output size is too small"
    );
    assert_eq!(
        err(F::avg_pool2d(&x, AvgPool2dOptions::new(2).padding(2))),
        "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"
    );
    assert_eq!(
        err(F::max_pool2d(
            &ember::zeros([5, 6]),
            MaxPool2dOptions::new(2)
        )),
        "non-empty 3D or 4D (batch mode) tensor expected for input"
    );
    assert_eq!(
        err(F::avg_pool2d(
            &x,
            AvgPool2dOptions::new(2).divisor_override(0)
        )),
        "divisor must be not zero"
    );
    assert_eq!(
        err(F::adaptive_avg_pool2d(&ember::zeros([5, 6]), 2)),
        "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 6]"
    );
    assert_eq!(
        err(F::unfold(&x, FoldOptions::new(7))),
        "Given input with spatial size (5, 6), kernel_size=(7, 7), dilation=(1, 1), padding=(0, 0), calculated shape of the array of sliding blocks as (-1, 0), but its components must be at least one."
    );
    assert_eq!(
        err(F::fold(
            &ember::zeros([2, 13, 20]),
            [5, 6],
            FoldOptions::new(2)
        )),
        "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=13 and kernel_size=(2, 2)."
    );
    assert_eq!(
        err(F::fold(
            &ember::zeros([2, 12, 21]),
            [5, 6],
            FoldOptions::new(2)
        )),
        "Given output_size=(5, 6), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of sliding blocks 4 * 5 = 20, but got input.size(2)=21."
    );
}

#[test]
fn layers_register_parameters_like_pytorch() {
    isolated!(layers_register_parameters_like_pytorch);
    ember::manual_seed(0);
    let c = Conv2d::new(1, 6, 5);
    let names: Vec<(String, Vec<usize>)> = c
        .named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.shape().to_vec()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("weight".into(), vec![6, 1, 5, 5]),
            ("bias".into(), vec![6])
        ]
    );
    // torch.manual_seed(0); nn.Conv2d(1, 6, 5).weight[0, 0, 0, :2] and .bias[:2]
    let w = c.weight.to_vec::<f32>();
    assert!(
        (w[0] + 0.0015).abs() < 1e-4 && (w[1] - 0.1073).abs() < 1e-4,
        "{:?}",
        &w[..2]
    );
    let b = c.bias.as_ref().unwrap().to_vec::<f32>();
    assert!((b[0] + 0.1872).abs() < 1e-4, "{:?}", &b[..2]);

    let o = Conv2dLayerOptions::default()
        .stride(2)
        .padding(1)
        .groups(2)
        .bias(false);
    let c = Conv2d::new_with(4, 6, [3, 2], o).unwrap();
    assert_eq!(c.weight.shape(), &[6, 2, 3, 2]);
    assert_eq!(c.named_parameters().len(), 1);
    assert_eq!(
        c.extra_repr(),
        "4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), groups=2, bias=False"
    );
    assert_eq!(
        c.forward(&ember::ones([1, 4, 6, 6])).unwrap().shape(),
        &[1, 6, 3, 4]
    );

    let c = Conv1d::new(3, 4, 2);
    assert_eq!(c.weight.shape(), &[4, 3, 2]);
    assert_eq!(c.extra_repr(), "3, 4, kernel_size=(2,), stride=(1,)");

    let o = ConvTranspose2dLayerOptions::default()
        .stride(2)
        .output_padding(1);
    let t = ConvTranspose2d::new_with(4, 6, 3, o).unwrap();
    assert_eq!(t.weight.shape(), &[4, 6, 3, 3]);
    assert_eq!(t.bias.as_ref().unwrap().shape(), &[6]);
    assert_eq!(
        t.forward(&ember::ones([1, 4, 5, 5])).unwrap().shape(),
        &[1, 6, 12, 12]
    );
    assert_eq!(
        t.extra_repr(),
        "4, 6, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1)"
    );

    let x = ember::ones([1, 2, 6, 6]);
    assert_eq!(
        MaxPool2d::new(2).forward(&x).unwrap().shape(),
        &[1, 2, 3, 3]
    );
    assert_eq!(
        AvgPool2d::new(3).forward(&x).unwrap().shape(),
        &[1, 2, 2, 2]
    );
    assert_eq!(
        AdaptiveAvgPool2d::new(1).forward(&x).unwrap().shape(),
        &[1, 2, 1, 1]
    );
    assert!(MaxPool2d::new(2).named_parameters().is_empty());
}

#[derive(ember::nn::Module)]
struct Net {
    conv1: Conv2d,
    conv2: Conv2d,
}

impl Module for Net {
    fn forward(&self, x: &Tensor) -> ember::Result<Tensor> {
        self.conv2.forward(&self.conv1.forward(x)?)
    }
}

#[test]
fn derive_registers_conv_layers() {
    let net = Net {
        conv1: Conv2d::new(1, 2, 3),
        conv2: Conv2d::new(2, 3, 3),
    };
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]
    );
    let y = net.forward(&ember::ones([1, 1, 6, 6])).unwrap();
    y.sum().backward();
    assert_eq!(net.conv1.weight.grad().unwrap().shape(), &[2, 1, 3, 3]);
}

/// PyTorch's convolution output is contiguous NCHW, with or without bias, so the layers after
/// it run on plain slices.
#[test]
fn conv_output_is_contiguous() {
    let x = d(&[2, 3, 5, 5]);
    let w = d(&[4, 3, 3, 3]);
    let b = d(&[4]);
    for bias in [Some(&b), None] {
        let y = F::conv2d(&x, &w, bias, Conv2dOptions::default()).unwrap();
        assert_eq!(y.shape(), &[2, 4, 3, 3]);
        assert!(y.is_contiguous());
        assert_eq!(y.stride(), &[36, 9, 3, 1]);
    }
    // One output element, F.conv2d(x, w, b)[1, 2, 0, 1], against its definition.
    let y = F::conv2d(&x, &w, Some(&b), Conv2dOptions::default()).unwrap();
    let want = {
        // The same sum written out: b[2] + sum over c, i, j of x[1, c, i, 1 + j] * w[2, c, i, j].
        let (xv, wv, bv) = (x.to_vec::<f64>(), w.to_vec::<f64>(), b.to_vec::<f64>());
        let mut s = bv[2];
        for c in 0..3 {
            for i in 0..3 {
                for j in 0..3 {
                    s += xv[75 + c * 25 + i * 5 + 1 + j] * wv[2 * 27 + c * 9 + i * 3 + j];
                }
            }
        }
        s
    };
    let got = y.to_vec::<f64>()[36 + 2 * 9 + 1];
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
}

#[test]
fn max_pool_nan_and_ties_match_pytorch() {
    // PyTorch 2.15: F.max_pool2d(x, 2, return_indices=True) -> values [nan, 5, 7, -1],
    // indices [4, 6, 13, 10] (the last NaN wins, ties keep the first).
    let n = f32::NAN;
    let x = ember::tensor([
        1.0f32, n, 3.0, 0.0, n, 2.0, 5.0, 5.0, 0.0, 0.0, -1.0, -2.0, 0.0, 7.0, -3.0, -1.0,
    ])
    .reshape([1, 1, 4, 4]);
    let (y, i) = F::max_pool2d_with_indices(&x, MaxPool2dOptions::new(2)).unwrap();
    let y = y.to_vec::<f32>();
    assert!(y[0].is_nan());
    assert_eq!(&y[1..], &[5.0, 7.0, -1.0]);
    assert_eq!(i.to_vec::<i64>(), vec![4, 6, 13, 10]);
}

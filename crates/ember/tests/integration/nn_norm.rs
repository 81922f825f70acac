//! Normalisation layers and `F.normalize` / cosine similarity through the public API:
//! gradients against finite differences (f64; contiguous and transposed inputs), PyTorch's
//! values (from PyTorch 2.15, for options the golden cases do not cover), node names, errors,
//! and the layers' keyword options and printed form.

use crate::common::{assert_close, det, err, name, rand, rand_t};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::nn::functional::{self as F, BatchNormOptions};
use ember::nn::{
    BatchNorm1d, BatchNorm2d, BatchNormConfig, GroupNorm, GroupNormOptions, LayerNorm,
    LayerNormOptions, Module, ModuleFields,
};
use ember::{DType, Tensor};

fn check(f: impl Fn(&[Tensor]) -> ember::Result<Tensor>, inputs: &[Tensor]) {
    gradcheck(|i| Ok(vec![f(i)?]), inputs).unwrap();
}

#[test]
fn layer_norm_gradients() {
    let f = |i: &[Tensor]| F::layer_norm(&i[0], &[3, 4], Some(&i[1]), Some(&i[2]), 1e-5);
    for x in [rand(&[2, 3, 4]), rand_t(&[2, 3, 4])] {
        let (w, b) = (rand_t(&[3, 4]), rand(&[3, 4]));
        check(f, &[x.clone(), w.clone(), b.clone()]);
        gradgradcheck(|i| Ok(vec![f(i)?]), &[x, w, b]).unwrap();
    }
    let g = |i: &[Tensor]| F::layer_norm(&i[0], &[5], None, None, 1e-5);
    check(g, &[rand_t(&[3, 5])]);
    gradgradcheck(|i| Ok(vec![g(i)?]), &[rand(&[3, 5])]).unwrap();
    let y = F::layer_norm(&rand(&[2, 5]), &[5], None, None, 1e-5).unwrap();
    assert_eq!(name(&y), "NativeLayerNormBackward0");
}

#[test]
fn group_and_batch_norm_gradients() {
    for x in [rand(&[2, 4, 3]), rand_t(&[2, 4, 3])] {
        let (w, b) = (rand(&[4]), rand(&[4]));
        let gn = |i: &[Tensor]| F::group_norm(&i[0], 2, Some(&i[1]), Some(&i[2]), 1e-5);
        check(gn, &[x.clone(), w.clone(), b.clone()]);
        gradgradcheck(|i| Ok(vec![gn(i)?]), &[x.clone(), w.clone(), b.clone()]).unwrap();
        let train = |i: &[Tensor]| {
            let opts = BatchNormOptions {
                weight: Some(&i[1]),
                bias: Some(&i[2]),
                training: true,
                ..Default::default()
            };
            F::batch_norm(&i[0], None, None, opts)
        };
        check(train, &[x.clone(), w.clone(), b.clone()]);
        gradgradcheck(|i| Ok(vec![train(i)?]), &[x.clone(), w.clone(), b.clone()]).unwrap();
        let (rm, rv) = (
            ember::randn_with([4], DType::F64),
            ember::rand_with([4], DType::F64),
        );
        let eval = |i: &[Tensor]| {
            let opts = BatchNormOptions {
                weight: Some(&i[1]),
                bias: Some(&i[2]),
                ..Default::default()
            };
            F::batch_norm(&i[0], Some(&rm), Some(&rv), opts)
        };
        check(eval, &[x, w, b]);
    }
}

#[test]
fn batch_norm_running_stats_over_two_steps() {
    let mut bn = BatchNorm1d::new(3);
    bn.to_dtype(DType::F64).unwrap();
    let (x1, x2) = (det(&[4, 3], 0.37, 0.0), det(&[4, 3], 0.71, 1.0));
    bn.forward(&x1).unwrap();
    let y2 = bn.forward(&x2).unwrap();
    assert_close(
        &y2,
        &[
            0.866065096132,
            1.000830701727,
            0.749250897366,
            -0.296779112814,
            -1.214051055656,
            -1.712859694378,
            -1.509345099893,
            -0.759896629755,
            0.339604772247,
            0.940059116575,
            0.973116983684,
            0.624004024765,
        ],
    );
    let rm = bn.running_mean.as_ref().unwrap();
    let rv = bn.running_var.as_ref().unwrap();
    assert_close(rm, &[0.169402145332, 0.168283067191, 0.134547017245]);
    assert_close(rv, &[1.190309716384, 1.246562847733, 1.264127843719]);
    let n = bn.num_batches_tracked.as_ref().unwrap();
    assert_eq!((n.dtype(), n.item::<i64>()), (DType::I64, 2));
    bn.eval();
    assert_close(
        &bn.forward(&x1).unwrap(),
        &[
            0.119702777943,
            0.765738998446,
            1.346594765043,
            1.761653499844,
            1.901906057125,
            1.857094410264,
            1.579927374774,
            1.056699805934,
            0.468404627104,
            -0.223636575937,
            -0.831128639973,
            -1.277088828646,
        ],
    );
    assert_eq!(bn.num_batches_tracked.as_ref().unwrap().item::<i64>(), 2);
}

#[test]
fn batch_norm_cumulative_average_and_3d_input() {
    let config = BatchNormConfig {
        momentum: None,
        ..Default::default()
    };
    let mut bn = BatchNorm1d::new_with(3, config).unwrap();
    bn.to_dtype(DType::F64).unwrap();
    for (k, off) in [(0.37, 0.0), (0.71, 1.0), (1.3, 0.0)] {
        bn.forward(&det(&[4, 3], k, off)).unwrap();
    }
    let rm = bn.running_mean.as_ref().unwrap();
    assert_close(rm, &[0.624555576392, 0.830033453403, 0.723676076672]);
    let rv = bn.running_var.as_ref().unwrap();
    assert_close(rv, &[2.196764454376, 2.318129911278, 2.381608620947]);

    let mut bn3 = BatchNorm1d::new(3);
    bn3.to_dtype(DType::F64).unwrap();
    let y = bn3.forward(&det(&[2, 3, 4], 0.37, 0.0)).unwrap();
    assert_close(
        &y,
        &[
            0.272932029661,
            0.769937888279,
            1.199676335492,
            1.503984288465,
            1.12546006716,
            1.047379204556,
            0.675743908264,
            0.060853272218,
            -0.159606489772,
            -0.702652156527,
            -1.208279365768,
            -1.608053846728,
            -1.050799406548,
            -1.094930014966,
            -0.953926912575,
            -0.646874207808,
            -1.923110484818,
            -1.106174398503,
            -0.291319368478,
            0.411167799601,
            0.900402015666,
            1.044717145415,
            0.989952494941,
            0.743520202773,
        ],
    );
    let rm = bn3.running_mean.as_ref().unwrap();
    assert_close(rm, &[-0.009716406594, 0.129414802606, 0.087744609891]);
    let rv = bn3.running_var.as_ref().unwrap();
    assert_close(rv, &[1.142003018272, 0.989794764544, 1.109804612843]);
    assert_eq!(name(&y), "NativeBatchNormBackward0");
}

#[test]
fn affine_group_and_layer_norm_values() {
    let (xg, wg, bg) = (
        det(&[2, 4, 3], 0.37, 0.0),
        det(&[4], 0.2, 0.0),
        det(&[4], 0.5, 0.0),
    );
    assert_close(
        &F::group_norm(&xg, 2, Some(&wg), Some(&bg), 1e-5).unwrap(),
        &[
            -0.238190438762,
            0.062087383848,
            0.321724011835,
            1.736711334039,
            1.930081369839,
            1.863286101858,
            3.515939823586,
            2.993284686917,
            2.334602185544,
            1.826129356216,
            0.955784590919,
            0.26764593769,
            0.037566821714,
            0.011097556058,
            0.095670343728,
            1.211986791965,
            1.813644818212,
            2.507437001177,
            -0.112336327389,
            1.461818074234,
            2.571120773283,
            3.729116145699,
            3.480601038791,
            2.362322242094,
        ],
    );
    let (xl, wl, bl) = (
        det(&[3, 2, 4], 0.37, 0.0),
        det(&[2, 4], 0.2, 0.0),
        det(&[2, 4], 0.5, 0.0),
    );
    assert_close(
        &F::layer_norm(&xl, &[2, 4], Some(&wl), Some(&bl), 1e-5).unwrap(),
        &[
            -0.309987314199,
            0.628358249354,
            2.060815574942,
            3.386308148365,
            3.985772496789,
            3.417036928843,
            1.564723791681,
            -1.303010965381,
            0.909457271561,
            2.013934178905,
            2.198127503421,
            1.581837516248,
            0.526267581547,
            -0.487430539058,
            -1.01086323224,
            -0.764986843025,
            -0.282782230424,
            0.450092840278,
            1.574124027984,
            2.715507252527,
            3.451874231497,
            3.440171486421,
            2.5293824267,
            0.821989197219,
        ],
    );
}

#[test]
fn norm_errors() {
    let x = ember::zeros([4, 6]);
    assert_eq!(
        err(F::layer_norm(&x, &[5], None, None, 1e-5)),
        "Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[4, 6]"
    );
    assert_eq!(
        err(F::layer_norm(&x, &[6], Some(&ember::ones([5])), None, 1e-5)),
        "Expected weight to be of same shape as normalized_shape, but got weight of shape [5] and normalized_shape = [6]"
    );
    let train = BatchNormOptions {
        training: true,
        ..Default::default()
    };
    assert_eq!(
        err(F::batch_norm(&ember::zeros([1, 3]), None, None, train)),
        "Expected more than 1 value per channel when training, got input size ember.Size([1, 3])"
    );
    assert_eq!(
        err(F::batch_norm(
            &ember::zeros([2, 3]),
            None,
            None,
            Default::default()
        )),
        "running_mean must be defined in evaluation mode"
    );
    let (rm, rv) = (ember::zeros([4]), ember::ones([4]));
    assert_eq!(
        err(F::batch_norm(
            &ember::zeros([2, 3]),
            Some(&rm),
            Some(&rv),
            train
        )),
        "running_mean should contain 3 elements not 4"
    );
    assert_eq!(
        err(F::group_norm(
            &ember::zeros([2, 3, 5, 6]),
            2,
            None,
            None,
            1e-5
        )),
        "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 3, 5, 6] and num_groups=2"
    );
    assert_eq!(
        err(F::group_norm(&ember::zeros([4]), 2, None, None, 1e-5)),
        "Expected at least 2 dimensions for input tensor but received 1"
    );
    assert_eq!(
        err(BatchNorm2d::new(3).forward(&ember::zeros([2, 3]))),
        "expected 4D input (got 2D input)"
    );
}

#[test]
fn normalize_and_cosine_similarity() {
    for x in [rand(&[3, 4]), rand_t(&[3, 4])] {
        check(
            |i| F::normalize(&i[0], 2.0, 1, 1e-12),
            std::slice::from_ref(&x),
        );
        check(
            |i| F::normalize(&i[0], 1.0, 0, 1e-12),
            std::slice::from_ref(&x),
        );
        let y = rand(&[1, 4]);
        check(|i| F::cosine_similarity(&i[0], &i[1], 1, 1e-8), &[x, y]);
    }
    assert_close(
        &F::normalize(&det(&[3, 4], 0.37, 0.0), 1.0, 0, 1e-12).unwrap(),
        &[
            0.092223861531,
            0.30816766805,
            0.383266809148,
            0.441146793044,
            0.70451704225,
            0.66936817474,
            0.440121859214,
            0.284357725391,
            0.203259096219,
            -0.02246415721,
            -0.176611331637,
            -0.274495481565,
        ],
    );
    let (a, b) = (det(&[3, 4], 0.37, 0.0), det(&[1, 4], 0.8, 0.0));
    let s = F::cosine_similarity(&a.requires_grad_(true), &b, 1, 1e-8).unwrap();
    assert_close(&s, &[0.95254556759, 0.844909356495, -0.696828056778]);
    assert_eq!(name(&s), "SumBackward1");
}

/// `assert!` that `got` is within 1e-6 of `want`, element by element.
fn assert_values(got: &Tensor, want: &[f64]) {
    let g = got.to_dtype(DType::F64).to_vec::<f64>();
    assert!(crate::common::close(&g, want, 1e-6), "{g:?} != {want:?}");
}

#[test]
fn layer_and_group_norm_keyword_options() {
    // nn.LayerNorm(3, eps=0.5, bias=False)
    let opts = LayerNormOptions {
        eps: 0.5,
        bias: false,
        ..Default::default()
    };
    let ln = LayerNorm::new_with(&[3], opts).unwrap();
    assert_eq!(
        ln.to_string(),
        "LayerNorm((3,), eps=0.5, elementwise_affine=True, bias=False)"
    );
    assert_eq!(ln.state_dict().into_keys().collect::<Vec<_>>(), ["weight"]);
    let x = ember::tensor([[1.0f32, 2.0, 4.0], [0.0, -1.0, 3.0]]);
    let y = ln.forward(&x).unwrap();
    assert_eq!(name(&y), "NativeLayerNormBackward0");
    assert_values(
        &y,
        &[
            -0.929980993270874,
            -0.23249521851539612,
            1.1624764204025269,
            -0.36214298009872437,
            -0.9053574800491333,
            1.267500638961792,
        ],
    );
    // nn.LayerNorm([2, 3], elementwise_affine=False, bias=True): PyTorch prints whether the
    // bias exists, not the argument.
    let plain = LayerNorm::new_with(
        &[2, 3],
        LayerNormOptions {
            elementwise_affine: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        plain.extra_repr(),
        "(2, 3), eps=1e-05, elementwise_affine=False, bias=False"
    );
    assert!(plain.state_dict().is_empty());
    let f64_ln = LayerNorm::new_with(
        &[3],
        LayerNormOptions {
            dtype: Some(DType::F64),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(f64_ln.weight.as_ref().unwrap().dtype(), DType::F64);
    assert!(
        LayerNorm::new_with(
            &[3],
            LayerNormOptions {
                dtype: Some(DType::I64),
                ..Default::default()
            },
        )
        .is_err()
    );

    // nn.GroupNorm(1, 3, eps=0.25, bias=False)
    let opts = GroupNormOptions {
        eps: 0.25,
        bias: false,
        ..Default::default()
    };
    let gn = GroupNorm::new_with(1, 3, opts).unwrap();
    assert_eq!(
        gn.to_string(),
        "GroupNorm(1, 3, eps=0.25, affine=True, bias=False)"
    );
    assert_eq!(gn.state_dict().into_keys().collect::<Vec<_>>(), ["weight"]);
    let xg = ember::tensor([[[1.0f32, 2.0], [3.0, 5.0], [0.0, 1.0]]]);
    assert_values(
        &gn.forward(&xg).unwrap(),
        &[
            -0.5855400562286377,
            0.0,
            0.5855400562286377,
            1.756620168685913,
            -1.1710801124572754,
            -0.5855400562286377,
        ],
    );
    // nn.GroupNorm(1, 3, affine=False)
    let plain = GroupNorm::new_with(
        1,
        3,
        GroupNormOptions {
            affine: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        plain.extra_repr(),
        "1, 3, eps=1e-05, affine=False, bias=False"
    );
    assert!(plain.state_dict().is_empty());
    let e = |g, c| {
        GroupNorm::new_with(g, c, GroupNormOptions::default())
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        e(2, 3),
        "num_channels (3) must be divisible by num_groups (2)"
    );
    assert_eq!(e(0, 4), "integer modulo by zero");
}

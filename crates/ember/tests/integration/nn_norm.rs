//! Normalisation, embedding, dropout and padding through the public API: gradients against
//! finite differences (f64; contiguous and transposed inputs), PyTorch's values (from
//! PyTorch 2.15, for options the golden cases do not cover), node names, errors, and the
//! layers' state-dict keys and printed form.

use crate::common::{err, name, rand, rand_t};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::nn::functional::{self as F, BatchNormOptions, PadMode};
use ember::nn::{
    BatchNorm1d, BatchNorm2d, BatchNormConfig, Dropout, DropoutOptions, Embedding,
    EmbeddingOptions, Flatten, FromPretrainedOptions, GroupNorm, GroupNormOptions, LayerNorm,
    LayerNormOptions, Module, ModuleFields, Unflatten,
};
use ember::{DType, Tensor};

/// The deterministic values the PyTorch reference used: `sin(k·i + off)·2 + 0.3`.
fn det(shape: &[usize], k: f64, off: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| (i as f64 * k + off).sin() * 2.0 + 0.3)
        .collect();
    Tensor::from_slice(&v, shape)
}

fn assert_close(got: &Tensor, want: &[f64]) {
    let g = got.to_dtype(DType::F64).to_vec::<f64>();
    assert_eq!(g.len(), want.len(), "length");
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
            "at {i}: {a} vs {b}"
        );
    }
}

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
fn embedding_gradients_and_padding_idx() {
    let idx = ember::tensor([[0i64, 2, 4], [2, 2, 1]]);
    for w in [rand(&[5, 3]), rand_t(&[5, 3])] {
        // padding_idx deliberately breaks the finite-difference match, so check without it.
        check(
            |i| F::embedding(&idx, &i[0], None),
            std::slice::from_ref(&w),
        );
        gradgradcheck(|i| Ok(vec![F::embedding(&idx, &i[0], None)?]), &[w]).unwrap();
    }
    let w = det(&[5, 3], 0.37, 0.0).requires_grad_(true);
    let e = F::embedding(&idx, &w, Some(2)).unwrap();
    assert_eq!(name(&e), "EmbeddingBackward0");
    e.backward_opts()
        .gradient(&det(&[2, 3, 3], 0.91, 0.0))
        .run()
        .unwrap();
    assert_close(
        &w.grad().unwrap(),
        &[
            0.3,
            1.87900747938,
            2.238218257761,
            2.067325253529,
            2.123860136348,
            0.771447559162,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            -1.166630401991,
            0.47341136642,
            1.979491380098,
        ],
    );
    // Negative padding_idx counts from the end.
    let w2 = det(&[5, 3], 0.37, 0.0).requires_grad_(true);
    let e2 = F::embedding(&idx, &w2, Some(-3)).unwrap();
    e2.backward_opts()
        .gradient(&det(&[2, 3, 3], 0.91, 0.0))
        .run()
        .unwrap();
    assert_eq!(
        w2.grad().unwrap().to_vec::<f64>(),
        w.grad().unwrap().to_vec::<f64>()
    );
}

#[test]
fn embedding_and_one_hot_errors() {
    let w = ember::zeros([6, 3]);
    for bad in [ember::tensor([0i64, 6]), ember::tensor([0i64, -1])] {
        assert_eq!(
            err(F::embedding(&bad, &w, None)),
            "index out of range in self"
        );
    }
    assert_eq!(
        err(F::embedding(&ember::tensor([0.0, 1.0]), &w, None)),
        "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ember.FloatTensor instead (while checking arguments for embedding)"
    );
    let i = ember::tensor([0i64, 1]);
    assert_eq!(
        err(F::embedding(&i, &w, Some(6))),
        "Padding_idx must be within num_embeddings"
    );
    assert_eq!(
        err(F::one_hot(&ember::tensor([0i64, -1]), -1)),
        "Class values must be non-negative."
    );
    assert_eq!(
        err(F::one_hot(&ember::tensor([0i64, 3]), 3)),
        "Class values must be smaller than num_classes."
    );
    assert_eq!(
        err(F::one_hot(&ember::tensor([0.0, 3.0]), -1)),
        "one_hot is only applicable to index tensor of type LongTensor."
    );
    let empty = ember::zeros_with([0], DType::I64);
    assert_eq!(
        err(F::one_hot(&empty, -1)),
        "Can not infer total number of classes from empty tensor."
    );
    assert_eq!(F::one_hot(&empty, 3).unwrap().shape(), &[0, 3]);
}

/// A pad mode, its pads, the padded size, and PyTorch's values and gradient.
type PadCase = (PadMode, [i64; 2], usize, Vec<f64>, Vec<f64>);

#[test]
fn pad_modes_match_pytorch() {
    let x = det(&[2, 3, 4], 0.37, 0.0);
    let cases: [PadCase; 3] = [
        (
            PadMode::Reflect,
            [2, 1],
            7,
            vec![
                1.648575823256,
                1.02323086393,
                0.3,
                1.02323086393,
                1.648575823256,
                2.09139737136,
                1.648575823256,
                1.893130944472,
                2.222550405951,
                2.291761689075,
                2.222550405951,
                1.893130944472,
                1.348088683375,
                1.893130944472,
                -0.759672281817,
                -0.074589327086,
                0.661192535788,
                -0.074589327086,
                -0.759672281817,
                -1.301333564352,
                -0.759672281817,
                -1.485295358856,
                -1.690479651538,
                -1.626261861147,
                -1.690479651538,
                -1.485295358856,
                -1.038479714553,
                -1.485295358856,
                1.035921021145,
                0.31362928015,
                -0.410507119976,
                0.31362928015,
                1.035921021145,
                1.65860930429,
                1.035921021145,
                2.218749667786,
                2.292951229481,
                2.097416191623,
                2.292951229481,
                2.218749667786,
                1.884854339817,
                2.218749667786,
            ],
            vec![
                2.04471096469,
                3.610697912678,
                2.529085154095,
                1.24406108258,
                -1.696681888314,
                -2.845502501612,
                0.08826339208,
                0.453478348585,
                1.920733711823,
                3.396761011965,
                0.639112084455,
                -0.90275171038,
                -0.435095103516,
                -0.668490505628,
                2.15146807024,
                2.17378216024,
                -0.081717162748,
                -0.058696533912,
                -0.948484929207,
                -1.655543175267,
                1.678486522461,
                2.978735836378,
                2.764187859241,
                1.722322445812,
            ],
        ),
        (
            PadMode::Replicate,
            [1, 2],
            7,
            vec![
                0.3,
                0.3,
                1.02323086393,
                1.648575823256,
                2.09139737136,
                2.09139737136,
                2.09139737136,
                2.291761689075,
                2.291761689075,
                2.222550405951,
                1.893130944472,
                1.348088683375,
                1.348088683375,
                1.348088683375,
                0.661192535788,
                0.661192535788,
                -0.074589327086,
                -0.759672281817,
                -1.301333564352,
                -1.301333564352,
                -1.301333564352,
                -1.626261861147,
                -1.626261861147,
                -1.690479651538,
                -1.485295358856,
                -1.038479714553,
                -1.038479714553,
                -1.038479714553,
                -0.410507119976,
                -0.410507119976,
                0.31362928015,
                1.035921021145,
                1.65860930429,
                1.65860930429,
                1.65860930429,
                2.097416191623,
                2.097416191623,
                2.292951229481,
                2.218749667786,
                1.884854339817,
                1.884854339817,
                1.884854339817,
            ],
            vec![
                1.61106668241,
                2.04471096469,
                2.299631230269,
                3.473146236675,
                -2.257548633744,
                -1.696681888314,
                -1.364534884448,
                1.318322757245,
                4.40538499855,
                1.920733711823,
                1.105973457449,
                -2.378237069959,
                -2.95649897214,
                -0.435095103516,
                0.606051543832,
                6.00720715316,
                2.789160553681,
                -0.081717162748,
                -1.021829060165,
                -4.430056131901,
                0.466627904276,
                1.678486522461,
                2.221916065745,
                4.776702171409,
            ],
        ),
        (
            PadMode::Circular,
            [2, 3],
            9,
            vec![
                1.648575823256,
                2.09139737136,
                0.3,
                1.02323086393,
                1.648575823256,
                2.09139737136,
                0.3,
                1.02323086393,
                1.648575823256,
                1.893130944472,
                1.348088683375,
                2.291761689075,
                2.222550405951,
                1.893130944472,
                1.348088683375,
                2.291761689075,
                2.222550405951,
                1.893130944472,
                -0.759672281817,
                -1.301333564352,
                0.661192535788,
                -0.074589327086,
                -0.759672281817,
                -1.301333564352,
                0.661192535788,
                -0.074589327086,
                -0.759672281817,
                -1.485295358856,
                -1.038479714553,
                -1.626261861147,
                -1.690479651538,
                -1.485295358856,
                -1.038479714553,
                -1.626261861147,
                -1.690479651538,
                -1.485295358856,
                1.035921021145,
                1.65860930429,
                -0.410507119976,
                0.31362928015,
                1.035921021145,
                1.65860930429,
                -0.410507119976,
                0.31362928015,
                1.035921021145,
                2.218749667786,
                1.884854339817,
                2.097416191623,
                2.292951229481,
                2.218749667786,
                1.884854339817,
                2.097416191623,
                2.292951229481,
                2.218749667786,
            ],
            vec![
                2.26791515568,
                1.523050213689,
                0.824913345942,
                2.555127764989,
                1.715124507989,
                2.374212060408,
                0.849799024322,
                0.750062559587,
                -0.939499299393,
                -0.118734947242,
                0.969305594426,
                -1.337846813896,
                -0.692410649014,
                -1.256980363886,
                0.958182090961,
                0.226778271931,
                1.990667470322,
                1.10488822266,
                0.837394556972,
                2.494867229597,
                2.052557567794,
                2.515122439481,
                0.834608371882,
                1.191431440163,
            ],
        ),
    ];
    for (mode, p, len, want_y, want_g) in cases {
        let xx = x.detach().requires_grad_(true);
        let y = F::pad(&xx, &p, mode, None).unwrap();
        assert_eq!(y.shape(), &[2, 3, len], "{mode:?}");
        assert_close(&y, &want_y);
        y.backward_opts()
            .gradient(&det(&[2, 3, len], 0.53, 0.0))
            .run()
            .unwrap();
        assert_close(&xx.grad().unwrap(), &want_g);
    }
}

#[test]
fn pad_2d_and_negative_constant() {
    let x = det(&[1, 2, 3, 4], 0.37, 0.0);
    let r = F::pad(&x, &[1, 2, 2, 1], PadMode::Reflect, None).unwrap();
    assert_eq!(r.shape(), &[1, 2, 6, 7]);
    assert_close(
        &r.narrow(1, 0, 1).flatten(0, -1).narrow(0, 0, 14),
        &[
            -0.074589327086,
            0.661192535788,
            -0.074589327086,
            -0.759672281817,
            -1.301333564352,
            -0.759672281817,
            -0.074589327086,
            2.222550405951,
            2.291761689075,
            2.222550405951,
            1.893130944472,
            1.348088683375,
            1.893130944472,
            2.222550405951,
        ],
    );
    let c = F::pad(&x, &[1, 2, 2, 1], PadMode::Circular, None).unwrap();
    assert_close(
        &c.flatten(0, -1).narrow(0, 0, 7),
        &[
            1.348088683375,
            2.291761689075,
            2.222550405951,
            1.893130944472,
            1.348088683375,
            2.291761689075,
            2.222550405951,
        ],
    );
    let n = F::pad(&x, &[-1, 2, 1, -2], PadMode::Constant, Some(0.5)).unwrap();
    assert_eq!(n.shape(), &[1, 2, 2, 5]);
    assert_close(
        &n,
        &[
            0.5,
            0.5,
            0.5,
            0.5,
            0.5,
            1.02323086393,
            1.648575823256,
            2.09139737136,
            0.5,
            0.5,
            0.5,
            0.5,
            0.5,
            0.5,
            0.5,
            -1.690479651538,
            -1.485295358856,
            -1.038479714553,
            0.5,
            0.5,
        ],
    );
}

#[test]
fn pad_gradients_and_errors() {
    for x in [rand(&[2, 3, 4]), rand_t(&[2, 3, 4])] {
        for mode in [
            PadMode::Constant,
            PadMode::Reflect,
            PadMode::Replicate,
            PadMode::Circular,
        ] {
            check(
                |i| F::pad(&i[0], &[2, 1, 1, 1], mode, None),
                std::slice::from_ref(&x),
            );
        }
        check(
            |i| F::pad(&i[0], &[-1, 2], PadMode::Constant, None),
            std::slice::from_ref(&x),
        );
        gradgradcheck(
            |i| Ok(vec![F::pad(&i[0], &[1, -1], PadMode::Constant, None)?]),
            &[x],
        )
        .unwrap();
    }
    let x = rand(&[2, 3, 5, 6]);
    let y = F::pad(&x, &[1, 2, 0, 1], PadMode::Constant, None).unwrap();
    assert_eq!(name(&y), "ConstantPadNdBackward0");
    let msg = |p: &[i64], m: PadMode| err(F::pad(&x, p, m, None));
    assert_eq!(
        msg(&[1, 2, 3], PadMode::Constant),
        "Padding length must be divisible by 2"
    );
    assert_eq!(
        msg(&[1; 10], PadMode::Constant),
        "Padding length should be less than or equal to two times the input dimension but got padding length 10 and input of dimension 4"
    );
    assert_eq!(
        msg(&[6, 6], PadMode::Reflect).lines().next(),
        Some("Padding size 2 is not supported for 4D input tensor.")
    );
    assert_eq!(
        msg(&[6, 1, 0, 0], PadMode::Reflect),
        "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (6, 1) at dimension 3 of input [2, 3, 5, 6]"
    );
    assert_eq!(
        msg(&[7, 1, 0, 0], PadMode::Circular),
        "Padding value causes wrapping around more than once."
    );
    assert_eq!(
        err(F::pad(&x, &[1, 1, 1, 1], PadMode::Reflect, Some(1.0))),
        "Padding mode \"reflect\" doesn't take in value argument"
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

#[test]
fn dropout_semantics() {
    isolated!(dropout_semantics);
    let x = rand(&[50, 40]);
    // p = 0 and evaluation hand back the input itself.
    assert!(F::dropout(&x, 0.0, true).unwrap().grad_fn().is_none());
    assert!(F::dropout(&x, 0.5, false).unwrap().is_leaf());
    ember::manual_seed(3);
    let y = F::dropout(&x, 0.25, true).unwrap();
    assert_eq!(name(&y), "MulBackward0");
    let (xv, yv) = (x.to_vec::<f64>(), y.to_vec::<f64>());
    let kept = yv.iter().filter(|v| **v != 0.0).count();
    assert!((kept as f64 / 2000.0 - 0.75).abs() < 0.05, "{kept}");
    for (a, b) in xv.iter().zip(&yv) {
        assert!(*b == 0.0 || (b - a / 0.75).abs() < 1e-12);
    }
    // The same mask for the same seed, so finite differences see a fixed function.
    check(
        |i| {
            ember::manual_seed(7);
            F::dropout(&i[0], 0.3, true)
        },
        &[rand_t(&[4, 5])],
    );
    assert_eq!(
        err(F::dropout(&x, 1.5, true)),
        "dropout probability has to be between 0 and 1, but got 1.5"
    );
    let z = F::dropout(&x, 1.0, true).unwrap();
    assert!(z.to_vec::<f64>().iter().all(|v| *v == 0.0));
}

#[test]
fn modules_state_dict_and_repr() {
    #[derive(Module)]
    struct Net {
        bn: BatchNorm2d,
        ln: LayerNorm,
        gn: GroupNorm,
        emb: Embedding,
        drop: Dropout,
        flat: Flatten,
    }
    impl Module for Net {
        fn forward(&self, x: &Tensor) -> ember::Result<Tensor> {
            self.flat
                .forward(&self.drop.forward(&self.gn.forward(&self.bn.forward(x)?)?)?)
        }
    }
    let mut net = Net {
        bn: BatchNorm2d::new(4),
        ln: LayerNorm::new(&[3]),
        gn: GroupNorm::new(2, 4),
        emb: Embedding::new_with(
            10,
            3,
            EmbeddingOptions {
                padding_idx: Some(0),
                ..Default::default()
            },
        )
        .unwrap(),
        drop: Dropout::new(0.2),
        flat: Flatten::default(),
    };
    let keys: Vec<String> = net.state_dict().into_keys().collect();
    assert_eq!(
        keys,
        // PyTorch's order: each module's parameters, then its buffers, in field order.
        [
            "bn.weight",
            "bn.bias",
            "bn.running_mean",
            "bn.running_var",
            "bn.num_batches_tracked",
            "ln.weight",
            "ln.bias",
            "gn.weight",
            "gn.bias",
            "emb.weight",
        ]
    );
    let params: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        params,
        [
            "bn.weight",
            "bn.bias",
            "ln.weight",
            "ln.bias",
            "gn.weight",
            "gn.bias",
            "emb.weight"
        ]
    );
    assert_eq!(net.emb.weight.to_vec::<f32>()[..3], [0.0, 0.0, 0.0]);
    let y = net.forward(&ember::randn([2, 4, 3, 3])).unwrap();
    assert_eq!(y.shape(), &[2, 36]);
    net.eval();
    assert!(!net.bn.is_training() && !net.drop.is_training());
    assert_eq!(
        net.bn.extra_repr(),
        "4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True"
    );
    assert_eq!(
        LayerNorm::new(&[4, 5]).extra_repr(),
        "(4, 5), eps=1e-05, elementwise_affine=True, bias=True"
    );
    assert_eq!(
        net.gn.extra_repr(),
        "2, 4, eps=1e-05, affine=True, bias=True"
    );
    assert_eq!(net.emb.extra_repr(), "10, 3, padding_idx=0");
    assert_eq!(net.drop.extra_repr(), "p=0.2, inplace=False");
    assert_eq!(net.flat.extra_repr(), "start_dim=1, end_dim=-1");
    let u = Unflatten::new(1, &[2, 5]);
    assert_eq!(u.extra_repr(), "dim=1, unflattened_size=(2, 5)");
    assert_eq!(
        u.forward(&ember::zeros([3, 10])).unwrap().shape(),
        &[3, 2, 5]
    );
    let cum = BatchNorm2d::new_with(
        4,
        BatchNormConfig {
            momentum: None,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(cum.extra_repr().contains("momentum=None"));
}

#[test]
fn state_dict_keeps_pytorch_order() {
    use ember::nn::{Linear, Sequential};
    let net = Sequential::new()
        .push(Linear::new(2, 3))
        .push(BatchNorm1d::new(3))
        .push(Linear::new(3, 1));
    let sd = net.state_dict();
    // `list(nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1)).state_dict())`
    let want = [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
        "2.weight",
        "2.bias",
    ];
    assert_eq!(sd.keys().collect::<Vec<_>>(), want);
    // The same order comes back from a safetensors round trip and loads strictly.
    let back =
        ember::io::safetensors_from_bytes(&ember::io::safetensors_to_bytes(&sd).unwrap()).unwrap();
    assert_eq!(back.len(), want.len());
    net.load_state_dict(&back).unwrap();
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

#[test]
fn embedding_and_dropout_keyword_options() {
    let w = ember::tensor([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    // nn.Embedding.from_pretrained(w): frozen, PyTorch's default.
    let frozen = Embedding::from_pretrained(&w, FromPretrainedOptions::default()).unwrap();
    assert!(!frozen.weight.requires_grad());
    assert_eq!(frozen.to_string(), "Embedding(3, 2)");
    // nn.Embedding.from_pretrained(w, freeze=False, padding_idx=-1)
    let opts = FromPretrainedOptions {
        freeze: false,
        padding_idx: Some(-1),
    };
    let emb = Embedding::from_pretrained(&w, opts).unwrap();
    assert!(emb.weight.requires_grad());
    assert_eq!(emb.padding_idx, Some(2));
    assert_eq!(emb.to_string(), "Embedding(3, 2, padding_idx=2)");
    // The padding row keeps its pretrained values but gets no gradient.
    let y = emb.forward(&ember::tensor([2i64, 0, 2])).unwrap();
    assert_eq!(y.to_vec::<f32>(), vec![5.0, 6.0, 1.0, 2.0, 5.0, 6.0]);
    y.sum().backward();
    assert_eq!(
        emb.weight.grad().unwrap().to_vec::<f32>(),
        vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    );
    let bad = |t: &Tensor, p| {
        let opts = FromPretrainedOptions {
            padding_idx: p,
            ..Default::default()
        };
        Embedding::from_pretrained(t, opts)
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        bad(&ember::ones([3]), None),
        "Embeddings parameter is expected to be 2-dimensional"
    );
    assert_eq!(
        bad(&w, Some(3)),
        "Padding_idx must be within num_embeddings"
    );

    // nn.Embedding(4, 2, padding_idx=1, dtype=torch.float64)
    let opts = EmbeddingOptions {
        padding_idx: Some(1),
        dtype: Some(DType::F64),
    };
    let emb = Embedding::new_with(4, 2, opts).unwrap();
    assert_eq!(emb.weight.dtype(), DType::F64);
    assert_eq!(emb.weight.to_vec::<f64>()[2..4], [0.0, 0.0]);

    // nn.Dropout(0.5, inplace=True) writes into its input while training.
    let d = Dropout::new_with(0.5, DropoutOptions { inplace: true }).unwrap();
    assert_eq!(d.to_string(), "Dropout(p=0.5, inplace=True)");
    let x = ember::ones([64]);
    let y = d.forward(&x).unwrap();
    assert_eq!(x.to_vec::<f32>(), y.to_vec::<f32>());
    assert!(x.to_vec::<f32>().iter().all(|&v| v == 0.0 || v == 2.0));
    assert_eq!(
        Dropout::new_with(-0.1, DropoutOptions::default())
            .unwrap_err()
            .to_string(),
        "dropout probability has to be between 0 and 1, but got -0.1"
    );
}

#[test]
fn load_state_dict_strict_and_non_strict() {
    use ember::nn::{Linear, Sequential, StateDict};
    let net = || {
        Sequential::new()
            .push(Linear::new(2, 3))
            .push(Linear::new(3, 1))
    };
    let m = net();
    let before: Vec<Vec<f32>> = m.parameters().iter().map(|p| p.to_vec()).collect();
    let mut sd = StateDict::new();
    sd.insert("0.weight".into(), ember::zeros([3, 2]));
    sd.insert("1.weight".into(), ember::zeros([2, 3]));
    sd.insert("1.bias".into(), ember::zeros([1]));
    sd.insert("extra".into(), ember::zeros([1]));
    sd.insert("zz".into(), ember::zeros([1]));
    // PyTorch 2.15's message (sizes printed as ember.Size): missing, unexpected, then size
    // mismatches.
    assert_eq!(
        m.load_state_dict(&sd).unwrap_err().to_string(),
        "Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"0.bias\". \n\tUnexpected key(s) in state_dict: \"extra\", \"zz\". \n\tsize mismatch for 1.weight: copying a param with shape ember.Size([2, 3]) from checkpoint, the shape in current model is ember.Size([1, 3])."
    );
    assert_eq!(
        m.load_state_dict_non_strict(&sd).unwrap_err().to_string(),
        "Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 1.weight: copying a param with shape ember.Size([2, 3]) from checkpoint, the shape in current model is ember.Size([1, 3])."
    );
    // Nothing was copied by the failed loads.
    let after: Vec<Vec<f32>> = m.parameters().iter().map(|p| p.to_vec()).collect();
    assert_eq!(before, after);

    sd.insert("1.weight".into(), ember::full([1, 3], 2.0));
    let r = m.load_state_dict_non_strict(&sd).unwrap();
    assert_eq!(r.missing_keys, ["0.bias"]);
    assert_eq!(r.unexpected_keys, ["extra", "zz"]);
    assert_eq!(m.parameters()[2].to_vec::<f32>(), vec![2.0; 3]);
    assert_eq!(m.parameters()[0].to_vec::<f32>(), vec![0.0; 6]);
    // Loading keeps the parameters leaves that require grad, without history.
    assert!(
        m.parameters()
            .iter()
            .all(|p| p.is_leaf() && p.requires_grad())
    );

    let other = net();
    other.load_state_dict(&m.state_dict()).unwrap();
    assert_eq!(other.parameters()[2].to_vec::<f32>(), vec![2.0; 3]);
    assert_eq!(
        m.load_state_dict_non_strict(&other.state_dict()).unwrap(),
        ember::nn::LoadStateDictResult::default()
    );
}

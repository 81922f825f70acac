//! Embedding and dropout, and what every module shares: state-dict keys in PyTorch's
//! registration order, strict and non-strict `load_state_dict`, and the printed form. Values
//! are PyTorch 2.15's where the golden cases do not cover an option.

use crate::common::{assert_close, det, err, name, rand, rand_t};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::nn::functional::{self as F};
use ember::nn::{
    BatchNorm1d, BatchNorm2d, BatchNormConfig, Dropout, DropoutOptions, Embedding,
    EmbeddingOptions, Flatten, FromPretrainedOptions, GroupNorm, LayerNorm, Module, ModuleFields,
    Unflatten,
};
use ember::{DType, Tensor};

fn check(f: impl Fn(&[Tensor]) -> ember::Result<Tensor>, inputs: &[Tensor]) {
    gradcheck(|i| Ok(vec![f(i)?]), inputs).unwrap();
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
        ..Default::default()
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
        ..Default::default()
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

#[test]
fn embedding_max_norm_and_scale_grad_by_freq() {
    use ember::nn::functional::{EmbeddingFuncOptions, embedding_renorm_, embedding_with};
    let w0 = [0.5, -1.5, 2.0, 0.1, 0.2, 0.3, 3.0, 0.0, -4.0, 1.0, 1.0, 1.0];
    let w = Tensor::from_slice(&w0, [4, 3]).requires_grad_(true);
    let idx = ember::tensor([[2i64, 0, 2], [3, 2, 1]]);
    let opts = EmbeddingFuncOptions {
        padding_idx: Some(1),
        max_norm: Some(1.5),
        norm_type: 3.0,
        scale_grad_by_freq: true,
    };
    let y = embedding_with(&idx, &w, opts).unwrap();
    assert_eq!(name(&y), "EmbeddingBackward0");
    // PyTorch 2.15: F.embedding(idx, w, padding_idx=1, max_norm=1.5, norm_type=3.0,
    // scale_grad_by_freq=True) on float64 renormalises rows 0, 2 and 3 in place.
    assert_close(
        &w.detach(),
        &[
            0.33227318726654276,
            -0.9968195617996283,
            1.329092749066171,
            0.1,
            0.2,
            0.3,
            1.0004576437252164,
            0.0,
            -1.3339435249669551,
            1.0,
            1.0,
            1.0,
        ],
    );
    let g = ember::arange(18).to_dtype(DType::F64).reshape([2, 3, 3]);
    y.mul(&g).sum().backward();
    assert_eq!(
        w.grad().unwrap().to_vec::<f64>(),
        vec![
            3.0,
            4.0,
            5.0,
            0.0,
            0.0,
            0.0,
            6.0,
            7.0,
            7.999999999999999,
            9.0,
            10.0,
            11.0
        ]
    );

    // The module form, and PyTorch's repr of each option.
    let opts = EmbeddingOptions {
        padding_idx: Some(1),
        max_norm: Some(1.5),
        norm_type: 3.0,
        scale_grad_by_freq: true,
        dtype: Some(DType::F64),
    };
    let e = Embedding::new_with(4, 3, opts).unwrap();
    assert_eq!(
        e.to_string(),
        "Embedding(4, 3, padding_idx=1, max_norm=1.5, norm_type=3.0, scale_grad_by_freq=True)"
    );
    let norm1 = EmbeddingOptions {
        norm_type: 1.0,
        ..Default::default()
    };
    assert_eq!(
        Embedding::new_with(4, 3, norm1).unwrap().to_string(),
        "Embedding(4, 3, norm_type=1.0)"
    );
    ember::no_grad_scope(|| e.weight.copy_(&Tensor::from_slice(&w0, [4, 3])));
    let y = e.forward(&ember::tensor([0i64, 2, 2])).unwrap();
    assert_close(
        &y.select(0, 0),
        &[0.33227318726654276, -0.9968195617996283, 1.329092749066171],
    );

    // embedding_renorm_ itself: rows as select() picks them (-1 is the last), p = inf and 0.
    let w = Tensor::from_slice(&w0, [4, 3]);
    embedding_renorm_(&w, &ember::tensor([-1i64]), 1.0, 2.0).unwrap();
    assert_close(
        &w.select(0, 3),
        &[0.5773502358562944, 0.5773502358562944, 0.5773502358562944],
    );
    let w = Tensor::from_slice(&w0, [4, 3]);
    embedding_renorm_(&w, &ember::tensor([0i64]), 1.0, f64::INFINITY).unwrap();
    assert_close(
        &w.select(0, 0),
        &[0.24999998750000064, -0.7499999625000019, 0.9999999500000025],
    );
    // Errors, with PyTorch's words; out of range is select()'s, before the lookup's own.
    let w = Tensor::from_slice(&w0, [4, 3]);
    assert_eq!(
        err(embedding_renorm_(&w, &ember::tensor([7i64]), 1.0, 2.0)),
        "select(): index 7 out of range for tensor of size [4, 3] at dimension 0"
    );
    let with_norm = EmbeddingFuncOptions {
        max_norm: Some(1.0),
        ..Default::default()
    };
    assert_eq!(
        err(embedding_with(&ember::tensor([-1i64]), &w, with_norm)),
        "index out of range in self"
    );
    assert_eq!(
        err(embedding_renorm_(&w, &ember::tensor([1.5]), 1.0, 2.0)),
        "Expected tensor for argument #2 'indices' to have one of the following scalar types: Long, Int; but got ember.FloatTensor instead (while checking arguments for embedding_renorm_)"
    );
    assert_eq!(
        err(embedding_renorm_(
            &ember::zeros([3]),
            &ember::tensor([0i64]),
            1.0,
            2.0
        )),
        "Expected 2-dimensional tensor, but got 1-dimensional tensor for argument #1 'self' (while checking arguments for embedding_renorm_)"
    );
    // Outside no_grad, renormalising a leaf that requires grad is autograd's error.
    let leaf = Tensor::from_slice(&w0, [4, 3]).requires_grad_(true);
    assert_eq!(
        err(embedding_renorm_(&leaf, &ember::tensor([0i64]), 1.0, 2.0)),
        "a leaf Variable that requires grad is being used in an in-place operation."
    );
}

/// `2 · x` of `dropout_family_draws_pytorchs_masks`: what PyTorch's dropout2d and dropout3d
/// give there (every channel kept, scaled by `1 / (1 - 0.5)`).
const ALL_KEPT: [f64; 12] = [
    -1.0,
    -0.7142857313156128,
    -0.4285714030265808,
    -0.1428571343421936,
    0.14285719394683838,
    0.4285714626312256,
    0.7142857313156128,
    1.0,
    1.2857143878936768,
    1.5714285373687744,
    1.8571429252624512,
    2.142857074737549,
];

#[test]
fn dropout_family_draws_pytorchs_masks() {
    isolated!(dropout_family_draws_pytorchs_masks);
    use ember::nn::functional as F;
    let x = ember::arange(12)
        .to_dtype(DType::F32)
        .reshape([2, 3, 2])
        .div(7.0)
        .sub(0.5);
    type Case<'a> = (
        &'a str,
        Box<dyn Fn() -> ember::Result<Tensor> + 'a>,
        [f64; 12],
    );
    // PyTorch 2.15: torch.manual_seed(3), then each call on the same x.
    let cases: Vec<Case> = vec![
        (
            "dropout",
            Box::new(|| F::dropout(&x, 0.3, true)),
            [
                -0.7142857313156128,
                -0.5102040767669678,
                0.0,
                -0.10204081237316132,
                0.0,
                0.30612248182296753,
                0.5102040767669678,
                0.7142857313156128,
                0.9183674454689026,
                0.0,
                1.3265306949615479,
                1.5306122303009033,
            ],
        ),
        (
            "alpha_dropout",
            Box::new(|| F::alpha_dropout(&x, 0.3, true)),
            [
                0.023615747690200806,
                0.14660897850990295,
                -1.059548258781433,
                0.39259544014930725,
                -1.059548258781433,
                0.6385819315910339,
                0.7615751028060913,
                0.8845683336257935,
                1.0075616836547852,
                -1.059548258781433,
                1.2535480260849,
                1.376541256904602,
            ],
        ),
        (
            "feature_alpha_dropout",
            Box::new(|| F::feature_alpha_dropout(&x, 0.3, true)),
            [
                0.023615747690200806,
                0.14660897850990295,
                0.2696022391319275,
                0.39259544014930725,
                -1.059548258781433,
                -1.059548258781433,
                0.7615751028060913,
                0.8845683336257935,
                -1.059548258781433,
                -1.059548258781433,
                1.2535480260849,
                1.376541256904602,
            ],
        ),
        (
            "dropout1d",
            Box::new(|| F::dropout1d(&x, 0.4, true, false)),
            [
                -0.8333333134651184,
                -0.5952380895614624,
                -0.357142835855484,
                -0.119047611951828,
                0.0,
                0.0,
                0.5952380895614624,
                0.8333333134651184,
                0.0,
                0.0,
                0.0,
                0.0,
            ],
        ),
        (
            "dropout2d",
            Box::new(|| F::dropout2d(&x.reshape([1, 2, 3, 2]), 0.5, true, false)),
            ALL_KEPT,
        ),
        (
            "dropout3d",
            Box::new(|| F::dropout3d(&x.reshape([2, 3, 2, 1]), 0.5, true, false)),
            ALL_KEPT,
        ),
    ];
    for (what, f, want) in cases {
        ember::manual_seed(3);
        let got = f().unwrap().to_vec::<f32>();
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((*g as f64 - w).abs() <= 1e-6, "{what}[{i}]: {g} vs {w}");
        }
    }
    // Alpha dropout's graph: the mask multiplies, the affine shift adds (AddBackward0).
    let xr = x.detach().requires_grad_(true);
    ember::manual_seed(3);
    let y = F::alpha_dropout(&xr, 0.3, true).unwrap();
    assert_eq!(name(&y), "AddBackward0");
    y.sum().backward();
    let a = 0.860952615737915;
    let keep = [a, a, 0.0, a, 0.0, a, a, a, a, 0.0, a, a];
    assert_close(
        &xr.grad().unwrap().to_dtype(DType::F64),
        &keep.map(|v: f64| v as f32 as f64),
    );
    // Evaluation, p = 0 and empty inputs are the identity; p = 1 zeroes everything.
    assert_eq!(
        F::alpha_dropout(&x, 0.3, false).unwrap().to_vec::<f32>(),
        x.to_vec::<f32>()
    );
    assert_eq!(
        F::alpha_dropout(&x, 1.0, true).unwrap().sum().item::<f32>(),
        0.0
    );
    assert_eq!(
        err(F::feature_alpha_dropout(&ember::ones([3]), 0.5, true)),
        "Feature dropout requires at least 2 dimensions in the input"
    );
    assert_eq!(
        err(F::alpha_dropout(&x, 1.5, true)),
        "dropout probability has to be between 0 and 1, but got 1.5"
    );
    // The layers, and dropout2d's warnings for ranks it does not expect.
    let mut d = ember::nn::AlphaDropout::new(0.3);
    ember::manual_seed(3);
    assert_eq!(d.forward(&x).unwrap().to_vec::<f32>()[2], -1.059_548_3_f32);
    d.eval();
    assert_eq!(d.forward(&x).unwrap().to_vec::<f32>(), x.to_vec::<f32>());
    let (_, w) = ember::warnings::catch_warnings(|| F::dropout2d(&x, 0.5, true, false));
    assert_eq!(w.len(), 1);
    assert!(w[0].message.starts_with(
        "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout"
    ));
    let (_, w) =
        ember::warnings::catch_warnings(|| F::dropout2d(&ember::ones([4, 4]), 0.5, true, false));
    assert!(
        w[0].message
            .starts_with("dropout2d: Received a 2-D input to dropout2d, which is deprecated")
    );
}

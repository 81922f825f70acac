//! `scaled_dot_product_attention` and `nn.MultiheadAttention`: PyTorch 2.15's values, node
//! names and errors; gradients against finite differences on each of the dispatcher's paths.

use crate::common::name;
use ember::autograd::{gradcheck, gradgradcheck};
use ember::nn::functional::{SdpaOptions, scaled_dot_product_attention as sdpa};
use ember::nn::{AttendOptions, Module, MultiheadAttention, MultiheadAttentionOptions};
use ember::{DType, Tensor};

/// `sin(0.37 i + phase)` in f64: the same inputs as the PyTorch script that made the numbers.
fn inp(shape: &[usize], phase: f64) -> Tensor {
    let n = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37 + phase).sin()).collect();
    Tensor::from_vec(v, shape)
}

fn leaf(shape: &[usize], phase: f64) -> Tensor {
    inp(shape, phase).requires_grad_(true)
}

fn assert_close(got: &Tensor, want: &[f64]) {
    let g = got.to_dtype(DType::F64).to_vec::<f64>();
    assert_eq!(g.len(), want.len(), "length");
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 1e-9 + 1e-7 * b.abs(), "[{i}] {a} vs {b}");
    }
}

fn err(r: ember::Result<Tensor>) -> String {
    match r {
        Ok(t) => panic!("expected an error, got shape {:?}", t.shape()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn fused_path_values_grads_and_node() {
    let (q, k, v) = (
        leaf(&[2, 2, 3, 4], 0.1),
        leaf(&[2, 2, 5, 4], 0.7),
        leaf(&[2, 2, 5, 4], 1.3),
    );
    let m = inp(&[3, 5], 2.0);
    let opts = SdpaOptions {
        attn_mask: Some(&m),
        scale: Some(0.7),
        ..Default::default()
    };
    let o = sdpa(&q, &k, &v, opts).unwrap();
    assert_eq!(name(&o), "ScaledDotProductFlashAttentionForCpuBackward0");
    assert_close(
        &o.i((1, 1)),
        &[
            0.769326484083,
            0.767844182127,
            0.662437772239,
            0.467373517516,
            0.076663008132,
            -0.000912834368,
            -0.078365129019,
            -0.145211071085,
            -0.843859085869,
            -0.890798274142,
            -0.817172094933,
            -0.632945506203,
        ],
    );
    o.mul(&inp(o.shape(), 0.5)).sum().backward();
    assert_close(
        &q.grad().unwrap().i((1, 1)),
        &[
            0.149771639593,
            0.305297742472,
            0.419503228125,
            0.476930919829,
            0.08452937828,
            0.001853501216,
            -0.081073238542,
            -0.153027095795,
            -0.078692726398,
            -0.166693762299,
            -0.232133579468,
            -0.266155205644,
        ],
    );
    assert_close(
        &k.grad().unwrap().i((0, 1, 0)),
        &[
            0.009347898837,
            -0.040152076015,
            -0.084217655741,
            -0.116884770845,
        ],
    );
    assert_close(
        &v.grad().unwrap().i((1, 0, 4)),
        &[
            -0.117903338301,
            -0.073368685665,
            -0.018903925612,
            0.03811939209,
        ],
    );
}

#[test]
fn math_paths_values_and_nodes() {
    // Value head size differs from the query's: the math path; a dead row gives zeros.
    let (q, k, v) = (
        leaf(&[2, 3, 4], 0.1),
        inp(&[2, 5, 4], 0.7),
        inp(&[2, 5, 6], 1.3),
    );
    let allowed: Vec<bool> = (0..15).map(|i| !(5..10).contains(&i) && i != 10).collect();
    let bm = Tensor::from_vec(allowed, [3, 5]);
    let opts = SdpaOptions {
        attn_mask: Some(&bm),
        ..Default::default()
    };
    let o = sdpa(&q, &k, &v, opts).unwrap();
    assert_eq!(name(&o), "SqueezeBackward1");
    assert_close(
        &o.i(1),
        &[
            -0.13644251029,
            -0.233851480988,
            -0.299609750782,
            -0.32481724634,
            -0.306062251393,
            -0.245883166522,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.4798394567,
            0.368147183189,
            0.206627915489,
            0.017142528764,
            -0.174663018811,
            -0.34282874617,
        ],
    );
    // The dead row's gradient is zero, not NaN.
    o.sum().backward();
    assert!(
        q.grad()
            .unwrap()
            .to_vec::<f64>()
            .iter()
            .all(|g| g.is_finite())
    );
    assert_close(&q.grad().unwrap().i((0, 1)), &[0.0; 4]);

    // 2-D inputs: plain matrices.
    let o = sdpa(
        &q.i(0),
        &k.i(0),
        &v.i(0),
        SdpaOptions {
            is_causal: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(name(&o), "MmBackward0");
    assert_close(
        &o,
        &[
            0.963558185417,
            0.99508334981,
            0.891928650953,
            0.668055593416,
            0.353764345301,
            -0.008407247367,
            0.487320471062,
            0.396461119094,
            0.251942614541,
            0.073324859025,
            -0.115217072177,
            -0.288164913168,
            -0.29870379733,
            -0.163579373994,
            -0.006315249774,
            0.151803613876,
            0.289376570532,
            0.387783765893,
        ],
    );
}

#[test]
fn grouped_query_attention() {
    let (q, k, v) = (
        inp(&[1, 4, 3, 4], 0.2),
        inp(&[1, 2, 5, 4], 0.9),
        inp(&[1, 2, 5, 4], 1.1),
    );
    let gqa = SdpaOptions {
        enable_gqa: true,
        ..Default::default()
    };
    let o = sdpa(&q, &k, &v, gqa).unwrap();
    assert_close(
        &o.i((0, 3)),
        &[
            0.635872561758,
            0.603160211634,
            0.488812956418,
            0.308307160676,
            0.329352635776,
            0.244162123599,
            0.12592541341,
            -0.009354710742,
            -0.498655100792,
            -0.557970770705,
            -0.541767714362,
            -0.452238939427,
        ],
    );
    let e = err(sdpa(&q, &k, &v, SdpaOptions::default()));
    assert!(e.contains("must match the size"), "{e}");
}

#[test]
fn gradcheck_every_path() {
    let causal = SdpaOptions {
        is_causal: true,
        ..Default::default()
    };
    let check = |q: &Tensor, k: &Tensor, v: &Tensor, opts: SdpaOptions<'static>| {
        let f = |i: &[Tensor]| Ok(vec![sdpa(&i[0], &i[1], &i[2], opts)?]);
        gradcheck(f, &[q.clone(), k.clone(), v.clone()]).unwrap();
    };
    // Fused, contiguous and causal.
    check(
        &leaf(&[2, 2, 3, 4], 0.1),
        &leaf(&[2, 2, 5, 4], 0.7),
        &leaf(&[2, 2, 5, 4], 1.3),
        causal,
    );
    // Fused on transposed (non-contiguous) inputs.
    let t = |s: &[usize], p: f64| inp(s, p).transpose(-1, -2).requires_grad_(true);
    let (q, k, v) = (
        t(&[1, 2, 4, 3], 0.1),
        t(&[1, 2, 4, 5], 0.7),
        t(&[1, 2, 4, 5], 1.3),
    );
    assert!(!q.is_contiguous());
    check(&q, &k, &v, SdpaOptions::default());
    gradgradcheck(
        |i| Ok(vec![sdpa(&i[0], &i[1], &i[2], SdpaOptions::default())?]),
        &[q, k, v],
    )
    .unwrap();
    // Math path with batch broadcasting and a different value size.
    check(
        &leaf(&[2, 3, 3, 4], 0.1),
        &leaf(&[1, 3, 5, 4], 0.7),
        &leaf(&[1, 3, 5, 2], 1.3),
        SdpaOptions::default(),
    );
    // Grouped-query attention sums the gradients of shared heads.
    check(
        &leaf(&[1, 4, 3, 4], 0.2),
        &leaf(&[1, 2, 5, 4], 0.9),
        &leaf(&[1, 2, 5, 4], 1.1),
        SdpaOptions {
            enable_gqa: true,
            ..Default::default()
        },
    );
}

#[test]
fn sdpa_errors() {
    let q = ember::rand([2, 3, 4]);
    let k = ember::rand([2, 5, 4]);
    assert_eq!(
        err(sdpa(
            &q.i((0, 0)),
            &k.i((0, 0)),
            &k.i((0, 0)),
            SdpaOptions::default()
        )),
        "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: 1 key.dim: 1 and value.dim: 1 instead."
    );
    assert_eq!(
        err(sdpa(
            &q,
            &k.to_dtype(DType::F64),
            &k,
            SdpaOptions::default()
        )),
        "Expected query, key, and value to have the same dtype, but got query.dtype: float key.dtype: double and value.dtype: float instead."
    );
    let m = ember::ones([3, 5]);
    let both = SdpaOptions {
        attn_mask: Some(&m),
        is_causal: true,
        ..Default::default()
    };
    assert_eq!(
        err(sdpa(&q, &k, &k, both)),
        "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"
    );
    assert!(err(sdpa(&q, &k.i((.., .., ..3)), &k, SdpaOptions::default())).contains("size"));
}

/// PyTorch's `nn.MultiheadAttention(4, 2).double()` with every parameter overwritten.
fn mha() -> MultiheadAttention {
    let opts = MultiheadAttentionOptions {
        dtype: Some(DType::F64),
        ..Default::default()
    };
    let m = MultiheadAttention::new_with(4, 2, opts).unwrap();
    let _g = ember::no_grad();
    m.in_proj_weight
        .as_ref()
        .unwrap()
        .copy_(&inp(&[12, 4], 0.3));
    m.in_proj_bias.as_ref().unwrap().copy_(&inp(&[12], 0.4));
    m.out_proj.weight.copy_(&inp(&[4, 4], 0.5));
    m.out_proj.bias.as_ref().unwrap().copy_(&inp(&[4], 0.6));
    m
}

#[test]
fn multihead_attention_matches_pytorch() {
    isolated!(multihead_attention_matches_pytorch);
    ember::manual_seed(0);
    let m = MultiheadAttention::new(4, 2);
    assert_close(
        &m.in_proj_weight.as_ref().unwrap().i(0),
        &[
            0.222424164414,
            0.508506715298,
            -0.126026362181,
            0.458245515823,
        ],
    );
    assert_close(
        &m.out_proj.weight.i(0),
        &[
            -0.00374341011,
            0.268221795559,
            -0.411522567272,
            -0.367969512939,
        ],
    );
    assert_eq!(
        m.in_proj_bias.as_ref().unwrap().to_vec::<f32>(),
        vec![0.0; 12]
    );

    let m = mha();
    let (x, y) = (inp(&[3, 2, 4], 0.8), inp(&[5, 2, 4], 1.5));
    let (o, w) = m.attend(&x, &y, &y, AttendOptions::default()).unwrap();
    assert_close(
        &o.i(2),
        &[
            -2.010215689391,
            2.471564657574,
            3.846956814172,
            -0.135267342483,
            -1.29819437913,
            0.503062567139,
            2.777960939308,
            1.639379562913,
        ],
    );
    let w = w.unwrap();
    assert_eq!(w.shape(), &[2, 3, 5]);
    assert_close(
        &w.i(1).i(0),
        &[
            0.135465622744,
            0.211586275335,
            0.172042783001,
            0.091312840631,
            0.389592478288,
        ],
    );

    let mut pad = vec![false; 10];
    pad[8] = true;
    pad[9] = true;
    let kpm = Tensor::from_vec(pad, [2, 5]);
    let mut am = vec![false; 15];
    am[0] = true;
    let am = Tensor::from_vec(am, [3, 5]);
    let masked = AttendOptions {
        key_padding_mask: Some(&kpm),
        attn_mask: Some(&am),
        average_attn_weights: false,
        ..Default::default()
    };
    let (o, w) = m.attend(&x, &y, &y, masked).unwrap();
    let want = [
        -1.333036495801,
        -2.771093605513,
        2.219056938131,
        4.812182268153,
        -0.729400950237,
        -0.829497629923,
        1.967516714887,
        2.824971171243,
    ];
    assert_close(&o.i(1), &want);
    assert_close(
        &w.unwrap().i((1, 1)).i(0),
        &[0.0, 0.337571530306, 0.662428469694, 0.0, 0.0],
    );
    // Without weights the same numbers come from scaled_dot_product_attention.
    let (o2, none) = m
        .attend(
            &x,
            &y,
            &y,
            AttendOptions {
                need_weights: false,
                ..masked
            },
        )
        .unwrap();
    assert!(none.is_none());
    assert_close(&o2.i(1), &want);

    // Unbatched input and the batch-first layout agree with the batched one.
    let (o, w) = m
        .attend(
            &x.i((.., 0)),
            &y.i((.., 0)),
            &y.i((.., 0)),
            AttendOptions::default(),
        )
        .unwrap();
    assert_eq!(w.unwrap().shape(), &[3, 5]);
    assert_close(
        &o.i(0),
        &[
            -2.022111041991,
            2.475913085166,
            3.859640724759,
            -0.137315628519,
        ],
    );
}

#[test]
fn multihead_attention_layouts_params_and_errors() {
    let m = mha();
    let x = inp(&[3, 2, 4], 0.8);
    let opts = MultiheadAttentionOptions {
        batch_first: true,
        dtype: Some(DType::F64),
        ..Default::default()
    };
    let bf = MultiheadAttention::new_with(4, 2, opts).unwrap();
    bf.load_state_dict(&m.state_dict()).unwrap();
    let want = m.forward(&x).unwrap();
    let got = bf.forward(&x.transpose(0, 1)).unwrap().transpose(0, 1);
    assert_close(&got, &want.to_vec::<f64>());
    // Gradients reach every parameter.
    want.sum().backward();
    assert!(m.parameters().iter().all(|p| p.grad().is_some()));

    let sep = MultiheadAttentionOptions {
        kdim: Some(3),
        vdim: Some(5),
        bias: false,
        ..Default::default()
    };
    let m2 = MultiheadAttention::new_with(4, 2, sep).unwrap();
    let names: Vec<String> = m2.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "q_proj_weight",
            "k_proj_weight",
            "v_proj_weight",
            "out_proj.weight"
        ]
    );
    let (o, _) = m2
        .attend(
            &ember::rand([3, 2, 4]),
            &ember::rand([6, 2, 3]),
            &ember::rand([6, 2, 5]),
            AttendOptions::default(),
        )
        .unwrap();
    assert_eq!(o.shape(), &[3, 2, 4]);

    let e = |e, h| {
        MultiheadAttention::new_with(e, h, Default::default())
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(e(5, 2), "embed_dim must be divisible by num_heads");
    assert_eq!(
        e(4, 0),
        "embed_dim and num_heads must be greater than 0, got embed_dim=4 and num_heads=0 instead"
    );
    let e = m.forward(&inp(&[3, 2, 5], 0.0)).unwrap_err().to_string();
    assert_eq!(e, "was expecting embedding dimension of 4, but got 5");
    let causal = AttendOptions {
        is_causal: true,
        ..Default::default()
    };
    assert!(
        m.attend(&x, &x, &x, causal)
            .unwrap_err()
            .to_string()
            .starts_with("Need attn_mask if specifying the is_causal hint")
    );
}

#[test]
fn multihead_attention_out_proj_matches_pytorch() {
    use ember::nn::{NonDynamicallyQuantizableLinear, Sequential};
    // print(nn.Sequential(nn.MultiheadAttention(4, 2, bias=False)))
    let opts = MultiheadAttentionOptions {
        bias: false,
        ..Default::default()
    };
    let net = Sequential::new().push(MultiheadAttention::new_with(4, 2, opts).unwrap());
    assert_eq!(
        net.to_string(),
        "Sequential(\n  (0): MultiheadAttention(\n    (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=False)\n  )\n)"
    );
    assert_eq!(
        net.state_dict().into_keys().collect::<Vec<_>>(),
        ["0.in_proj_weight", "0.out_proj.weight"]
    );
    let m = MultiheadAttention::new(4, 2);
    let children = m.named_children();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].0, "out_proj");
    assert_eq!(children[0].1.type_name(), "NonDynamicallyQuantizableLinear");
    assert!(
        children[0]
            .1
            .downcast_ref::<NonDynamicallyQuantizableLinear>()
            .is_some()
    );
    // `out_proj` is a `Linear` underneath: its weight, bias and forward.
    assert_eq!(m.out_proj.weight.shape(), &[4, 4]);
    assert_eq!(
        m.out_proj.bias.as_ref().unwrap().to_vec::<f32>(),
        vec![0.0; 4]
    );
    let x = ember::ones([2, 4]);
    let want =
        ember::nn::functional::linear(&x, &m.out_proj.weight, m.out_proj.bias.as_deref()).unwrap();
    assert_eq!(
        m.out_proj.forward(&x).unwrap().to_vec::<f32>(),
        want.to_vec::<f32>()
    );
}

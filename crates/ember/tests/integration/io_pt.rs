//! PyTorch's `.pt` checkpoints: files written by PyTorch 2.15 (`tests/fixtures/pt`, from
//! `tools/make_pt_fixtures.py`) load in ember with their values, views and types; what ember
//! writes loads back; malicious and malformed files are refused with an error; training
//! resumed from an ember checkpoint is bit-identical to training straight through.

use ember::io::{Object, pt_from_bytes, pt_to_bytes};
use ember::nn::{Conv2d, Linear, Module, ReLU, Sequential, StateDict};
use ember::optim::{Adam, Optimizer, SGD, SgdOptions};
use ember::{DType, Error, Tensor};
use std::io::Write;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pt")
        .join(name)
}

fn load(name: &str) -> Object {
    ember::load(fixture(name)).unwrap()
}

fn f64s(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>()
}

#[track_caller]
fn assert_allclose(a: &Tensor, b: &Tensor, tol: f64) {
    assert_eq!(a.shape(), b.shape());
    for (i, (x, y)) in f64s(a).iter().zip(f64s(b)).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "at {i}: {x} vs {y}");
    }
}

#[derive(ember::nn::Module)]
struct LeNet {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl LeNet {
    fn new() -> LeNet {
        LeNet {
            conv1: Conv2d::new(1, 6, 5),
            conv2: Conv2d::new(6, 16, 5),
            fc1: Linear::new(16 * 4 * 4, 120),
            fc2: Linear::new(120, 84),
            fc3: Linear::new(84, 10),
        }
    }
}

impl Module for LeNet {
    fn forward(&self, x: &Tensor) -> ember::Result<Tensor> {
        use ember::nn::functional::{MaxPool2dOptions, max_pool2d};
        let x = max_pool2d(
            &self.conv1.forward(x)?.try_relu()?,
            MaxPool2dOptions::new(2),
        )?;
        let x = max_pool2d(
            &self.conv2.forward(&x)?.try_relu()?,
            MaxPool2dOptions::new(2),
        )?;
        let x = x.try_flatten(1, -1)?;
        let x = self.fc1.forward(&x)?.try_relu()?;
        let x = self.fc2.forward(&x)?.try_relu()?;
        self.fc3.forward(&x)
    }
}

#[test]
fn lenet_state_dict_predicts_as_pytorch() {
    let sd = load("lenet.pt").into_state_dict().unwrap();
    let names: Vec<&str> = sd.keys().map(String::as_str).collect();
    assert_eq!(names[..3], ["conv1.weight", "conv1.bias", "conv2.weight"]);
    let model = LeNet::new();
    model.load_state_dict(&sd).unwrap();
    let io = load("lenet_io.pt");
    let x = io.try_get("input").unwrap().try_tensor().unwrap();
    let want = io.try_get("logits").unwrap().try_tensor().unwrap();
    let got = ember::no_grad_scope(|| model.forward(x)).unwrap();
    assert_eq!(got.shape(), &[4, 10]);
    assert_allclose(&got, want, 1e-5);
    // Same predicted classes.
    assert_eq!(
        got.argmax_dim(1, false).to_vec::<i64>(),
        want.argmax_dim(1, false).to_vec::<i64>()
    );
}

#[track_caller]
fn refused(name: &str, message: &str) {
    match ember::load(fixture(name)) {
        Err(Error::Unpickling(m)) => assert!(m.contains(message), "{name}: {m}"),
        other => panic!("{name}: expected an unpickling error, got {other:?}"),
    }
}

#[test]
fn malicious_files_are_refused() {
    refused(
        "evil_posix_system.pt",
        "Trying to load unsupported GLOBAL posix.system whose module posix is blocked.",
    );
    refused(
        "evil_os_system.pt",
        "Trying to load unsupported GLOBAL os.system whose module os is blocked.",
    );
    refused(
        "evil_builtins_eval.pt",
        "Unsupported global: GLOBAL eval was not an allowed global by default.",
    );
    refused("evil_bad_memo.pt", "Memo value not found at index 5");
    for e in [
        ember::load(fixture("evil_posix_system.pt")).unwrap_err(),
        ember::load(fixture("evil_builtins_eval.pt")).unwrap_err(),
    ] {
        assert!(
            e.to_string().starts_with("Weights only load failed."),
            "{e}"
        );
    }
    let e = ember::load(fixture("evil_truncated.pt")).unwrap_err();
    assert!(matches!(e, Error::Format(_)), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("PytorchStreamReader failed reading zip archive")
            && m.contains("evil_truncated.pt"),
        "{m}"
    );
}

#[test]
fn views_and_every_dtype_load_from_pytorch() {
    let d = load("views_dtypes.pt");
    assert!(matches!(d, Object::OrderedDict(_)));
    let t = |k: &str| d.try_get(k).unwrap().try_tensor().unwrap().clone();
    let w = t("w");
    let want: Vec<f64> = (0..12).map(f64::from).collect();
    assert_eq!(f64s(&w), want);
    let (wt, row, cols) = (t("wt"), t("row"), t("cols"));
    for v in [&wt, &row, &cols] {
        assert!(v.shares_storage(&w));
    }
    assert_eq!((wt.shape(), wt.stride()), (&[4, 3][..], &[1, 4][..]));
    assert_eq!(
        (row.storage_offset(), f64s(&row)),
        (4, vec![4.0, 5.0, 6.0, 7.0])
    );
    assert_eq!((cols.storage_offset(), cols.stride()), (1, &[4, 1][..]));
    assert_eq!(f64s(&cols), vec![1.0, 2.0, 5.0, 6.0, 9.0, 10.0]);
    // Writes through one view are seen by the others, as in PyTorch.
    w.mul_(2.0);
    assert_eq!(f64s(&wt)[..3], [0.0, 8.0, 16.0]);
    assert!(t("tied").is(&w));
    let e = t("expanded");
    assert_eq!((e.shape(), e.stride()), (&[3, 4][..], &[1, 0][..]));
    assert_eq!(f64s(&e)[4..8], [1.0; 4]);
    for dt in DType::ALL {
        let x = t(dt.name());
        assert_eq!((x.dtype(), x.shape()), (dt, &[2, 3][..]), "{dt:?}");
        // `(torch.arange(6).reshape(2, 3) - 2).to(dt)`, as PyTorch casts.
        let want: &[f64] = match dt {
            DType::U8 => &[254.0, 255.0, 0.0, 1.0, 2.0, 3.0],
            DType::Bool => &[1.0, 1.0, 0.0, 1.0, 1.0, 1.0],
            _ => &[-2.0, -1.0, 0.0, 1.0, 2.0, 3.0],
        };
        assert_eq!(f64s(&x), want, "{dt:?}");
    }
    let s = t("scalar");
    assert_eq!((s.ndim(), s.dtype(), s.item::<f64>()), (0, DType::F64, 2.5));
    assert_eq!(t("empty").shape(), &[0, 3]);
    assert!(matches!(d.try_get("param").unwrap(), Object::Parameter(p) if p.requires_grad()));
    assert!(matches!(d.try_get("frozen").unwrap(), Object::Parameter(p) if !p.requires_grad()));
    assert!(matches!(d.try_get("grad_leaf").unwrap(), Object::Tensor(p) if p.requires_grad()));
    let x = d.try_get("extras").unwrap();
    assert!(matches!(x, Object::Dict(_)));
    assert!(matches!(
        x.try_items().unwrap()[0],
        (Object::Int(1), Object::None)
    ));
    assert_eq!(x.try_get("neg").unwrap().try_int().unwrap(), -5);
    assert_eq!(x.try_get("big").unwrap().try_int().unwrap(), 1 << 40);
    assert_eq!(x.try_get("pi").unwrap().try_float().unwrap(), 3.25);
    assert!(x.try_get("flag").unwrap().try_bool().unwrap());
    assert_eq!(x.try_get("text").unwrap().try_str().unwrap(), "héllo");
    assert!(matches!(x.try_get("raw").unwrap(), Object::Bytes(b) if b == b"\x00\xffab"));
    assert!(matches!(x.try_get("pair").unwrap(), Object::Tuple(v) if v.len() == 2));
    let nested = x.try_get("nested").unwrap().try_list().unwrap();
    assert!(matches!(&nested[1], Object::Tuple(v) if v.len() == 1));
    assert!(matches!(&nested[2], Object::List(v) if v.is_empty()));
}

#[test]
fn legacy_and_protocol4_files_load() {
    let d = load("legacy.pt");
    let x = d.try_get("x").unwrap().try_tensor().unwrap();
    let mid = d.try_get("middle").unwrap().try_tensor().unwrap();
    assert_eq!(f64s(x), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!((f64s(mid), mid.storage_offset()), (vec![2.0, 3.0], 2));
    assert!(mid.shares_storage(x));
    assert_eq!(d.try_get("n").unwrap().try_int().unwrap(), 3);
    assert_eq!(d.try_get("name").unwrap().try_str().unwrap(), "legacy");
    let p = load("protocol4.pt");
    assert_eq!(
        f64s(p.try_get("a").unwrap().try_tensor().unwrap()),
        vec![1.0, 1.0]
    );
    let b = p.try_get("b").unwrap().try_list().unwrap();
    assert_eq!(b[1].try_str().unwrap(), "xxx");
    assert!(matches!(p.try_get("c").unwrap(), Object::Bytes(v) if v == b"xy"));
}

/// What `tools/make_pt_fixtures.py`'s `views_dtypes` holds, made by ember.
fn views_object() -> Object {
    let w = ember::arange(12).to_dtype(DType::F32).view([3, 4]);
    let mut items = vec![
        ("w", Object::from(&w)),
        ("wt", w.t().into()),
        ("cols", w.narrow(1, 1, 2).into()),
        (
            "expanded",
            ember::arange(3).view([3, 1]).expand([3, 4]).into(),
        ),
        ("tied", w.clone().into()),
    ];
    let names: Vec<&'static str> = DType::ALL.iter().map(|d| d.name()).collect();
    for (dt, name) in DType::ALL.into_iter().zip(names) {
        items.push((name, ember::arange(6).view([2, 3]).to_dtype(dt).into()));
    }
    items.push((
        "scalar",
        ember::scalar_tensor(2.5).to_dtype(DType::F64).into(),
    ));
    items.push(("empty", Tensor::from_vec(Vec::<f32>::new(), [0, 3]).into()));
    items.push((
        "grad_leaf",
        ember::tensor([0.5]).requires_grad_(true).into(),
    ));
    items.push((
        "param",
        Object::Parameter(ember::tensor([1.0, -2.0]).requires_grad_(true)),
    ));
    items.push(("frozen", Object::Parameter(ember::tensor([3.0]))));
    Object::dict(items)
}

#[test]
fn round_trip_keeps_dtypes_views_and_flags() {
    let o = views_object();
    let back = pt_from_bytes(&pt_to_bytes(&o).unwrap()).unwrap();
    let t = |o: &Object, k: &str| o.try_get(k).unwrap().try_tensor().unwrap().clone();
    for (k, v) in o.try_items().unwrap() {
        let k = k.try_str().unwrap();
        let (a, b) = (v.try_tensor().unwrap(), t(&back, k));
        assert_eq!(
            (a.dtype(), a.shape(), a.stride()),
            (b.dtype(), b.shape(), b.stride()),
            "{k}"
        );
        assert_eq!(f64s(a), f64s(&b), "{k}");
        assert_eq!(a.requires_grad(), b.requires_grad(), "{k}");
        assert_eq!(v.type_name(), back.try_get(k).unwrap().type_name(), "{k}");
    }
    let w = t(&back, "w");
    assert!(t(&back, "wt").shares_storage(&w) && t(&back, "cols").shares_storage(&w));
    assert_eq!(t(&back, "cols").storage_offset(), 1);
    assert!(t(&back, "tied").is(&w));
    w.add_(1.0);
    assert_eq!(f64s(&t(&back, "cols"))[0], 2.0);
    // A parameter and a view of its data come back over one storage, the parameter a leaf
    // that trains.
    let p = ember::ones([2, 3]).requires_grad_(true);
    let o = Object::dict([
        ("p", Object::Parameter(p.clone())),
        ("pt", p.t().detach().into()),
    ]);
    let back = pt_from_bytes(&pt_to_bytes(&o).unwrap()).unwrap();
    let (bp, bt) = (t(&back, "p"), t(&back, "pt"));
    assert!(bp.requires_grad() && bp.is_leaf() && !bt.requires_grad());
    assert!(bt.shares_storage(&bp));
    (&bp * 2.0).sum().backward();
    assert_eq!(f64s(&bp.grad().unwrap()), vec![2.0; 6]);
    // A slice saved alone keeps its values, and only its own elements are written.
    let big = ember::arange(1000).to_dtype(DType::F64);
    let bytes = pt_to_bytes(big.narrow(0, 10, 3)).unwrap();
    assert!(bytes.len() < 2000, "{}", bytes.len());
    let s = pt_from_bytes(&bytes).unwrap();
    assert_eq!(f64s(s.try_tensor().unwrap()), vec![10.0, 11.0, 12.0]);
}

#[test]
fn scalars_and_containers_round_trip() {
    let o = Object::List(vec![
        Object::None,
        true.into(),
        Object::Int(-1),
        Object::Int(255),
        Object::Int(65_536),
        Object::Int(i64::MIN),
        Object::Int(i64::MAX),
        Object::Float(-0.0),
        Object::Float(f64::INFINITY),
        "ünï".into(),
        Object::Bytes((0..=255).collect()),
        Object::Bytes(vec![]),
        Object::Tuple((0..5).map(Object::Int).collect()),
        Object::OrderedDict(vec![(Object::Int(0), Object::Dict(vec![]))]),
    ]);
    let back = pt_from_bytes(&pt_to_bytes(&o).unwrap()).unwrap();
    assert_eq!(format!("{o:?}"), format!("{back:?}"));
}

fn mlp() -> Sequential {
    Sequential::new()
        .push(Linear::new(4, 8))
        .push(ReLU)
        .push(Linear::new(8, 3))
}

fn train_data() -> (Tensor, Tensor) {
    let x = (&ember::arange(24).to_dtype(DType::F32).view([6, 4]) - 11.5) / 7.0;
    let y = ember::arange(18).to_dtype(DType::F32).view([6, 3]).sin();
    (x, y)
}

fn train_step(model: &dyn Module, opt: &mut dyn Optimizer, x: &Tensor, y: &Tensor) {
    opt.zero_grad();
    let loss = ember::nn::functional::mse_loss(
        &model.forward(x).unwrap(),
        y,
        ember::nn::functional::Reduction::Mean,
    )
    .unwrap();
    loss.backward();
    opt.step().unwrap();
}

fn sgd(params: Vec<Tensor>) -> SGD {
    SGD::with(
        params,
        SgdOptions {
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 1e-3,
            ..Default::default()
        },
    )
}

/// PyTorch's checkpoint after 3 steps loads into ember's model and optimizer, and ember's
/// next step gives PyTorch's next weights.
#[test]
fn pytorch_checkpoints_resume_in_ember() {
    let next = load("checkpoint_next.pt");
    for (name, file) in [("adam", "checkpoint.pt"), ("sgd", "checkpoint_sgd.pt")] {
        let ck = load(file);
        assert_eq!(ck.try_get("epoch").unwrap().try_int().unwrap(), 3);
        let model = mlp();
        model
            .load_state_dict(&ck.try_get("model").unwrap().to_state_dict().unwrap())
            .unwrap();
        let osd = ck
            .try_get("optimizer")
            .unwrap()
            .to_optimizer_state_dict()
            .unwrap();
        let mut opt: Box<dyn Optimizer> = if name == "adam" {
            Box::new(Adam::new(model.parameters(), 0.5))
        } else {
            Box::new(sgd(model.parameters()))
        };
        opt.load_state_dict(&osd).unwrap();
        let n = next.try_get(name).unwrap();
        let x = n.try_get("input").unwrap().try_tensor().unwrap();
        let y = n.try_get("target").unwrap().try_tensor().unwrap();
        train_step(&model, opt.as_mut(), x, y);
        let want = n.try_get("after_step").unwrap().to_state_dict().unwrap();
        for (k, t) in model.state_dict() {
            assert_allclose(&t, &want[&k], 1e-6);
        }
    }
}

#[test]
fn optimizer_state_dict_has_pytorchs_layout() {
    let ck = load("checkpoint.pt");
    let o = ck.try_get("optimizer").unwrap();
    let st = o.try_get("state").unwrap().try_items().unwrap();
    assert!(matches!(st[0].0, Object::Int(0)));
    let step = st[0].1.try_get("step").unwrap().try_tensor().unwrap();
    assert_eq!((step.ndim(), step.item::<f64>()), (0, 3.0));
    // ember's own state dict, converted, has the same keys and value types.
    let model = mlp();
    let mut opt = Adam::new(model.parameters(), 1e-2);
    let (x, y) = train_data();
    train_step(&model, &mut opt, &x, &y);
    let mine = Object::from(&opt.state_dict());
    let g = &mine.try_get("param_groups").unwrap().try_list().unwrap()[0];
    assert!(matches!(g.try_get("betas").unwrap(), Object::Tuple(v) if v.len() == 2));
    let params = g.try_get("params").unwrap().try_list().unwrap();
    assert_eq!(
        params
            .iter()
            .map(|p| p.try_int().unwrap())
            .collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let s0 = &mine.try_get("state").unwrap().try_items().unwrap()[0];
    assert!(matches!(s0.0, Object::Int(0)));
    for k in ["step", "exp_avg", "exp_avg_sq"] {
        assert!(matches!(s0.1.try_get(k).unwrap(), Object::Tensor(_)), "{k}");
    }
    let theirs = o.try_get("param_groups").unwrap().try_list().unwrap()[0].clone();
    for (k, _) in g.try_items().unwrap() {
        assert!(theirs.get(k.try_str().unwrap()).is_some(), "{k:?}");
    }
    // Not an optimizer state dict.
    let e = Object::Int(1).into_optimizer_state_dict().unwrap_err();
    assert!(e.to_string().contains("expected a dict, got int"), "{e}");
    let e = Object::dict([
        ("state", Object::Int(1)),
        ("param_groups", Object::List(vec![])),
    ])
    .into_optimizer_state_dict()
    .unwrap_err();
    assert!(e.to_string().contains("'state' must be a dict"), "{e}");
}

/// Two epochs straight, or one, a checkpoint through a file, a fresh model and optimizer
/// loaded from it, and one more: the same weights to the bit.
#[test]
fn resume_from_checkpoint_is_bit_identical() {
    let (x, y) = train_data();
    let batches: Vec<(Tensor, Tensor)> = (0..3)
        .map(|i| (x.narrow(0, 2 * i, 2), y.narrow(0, 2 * i, 2)))
        .collect();
    let epoch = |model: &Sequential, opt: &mut dyn Optimizer| {
        for (bx, by) in &batches {
            train_step(model, opt, bx, by);
        }
    };
    let start = mlp();
    let start_sd: StateDict = start
        .state_dict()
        .into_iter()
        .map(|(k, t)| (k, t.clone_tensor()))
        .collect();
    let make_opt = |which: &str, m: &Sequential| -> Box<dyn Optimizer> {
        if which == "adam" {
            Box::new(Adam::new(m.parameters(), 1e-2))
        } else {
            Box::new(sgd(m.parameters()))
        }
    };
    for which in ["adam", "sgd"] {
        let straight = mlp();
        straight.load_state_dict(&start_sd).unwrap();
        let mut opt = make_opt(which, &straight);
        epoch(&straight, opt.as_mut());
        epoch(&straight, opt.as_mut());

        let first = mlp();
        first.load_state_dict(&start_sd).unwrap();
        let mut opt = make_opt(which, &first);
        epoch(&first, opt.as_mut());
        let path =
            std::env::temp_dir().join(format!("ember_resume_{which}_{}.pt", std::process::id()));
        let ckpt = Object::dict([
            ("model", Object::from(&first.state_dict())),
            ("optimizer", Object::from(&opt.state_dict())),
            ("epoch", 1.into()),
        ]);
        ember::save(&ckpt, &path).unwrap();
        drop((first, opt));

        let ck = ember::load(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let resumed = mlp();
        resumed
            .load_state_dict(&ck.try_get("model").unwrap().to_state_dict().unwrap())
            .unwrap();
        let mut opt = make_opt(which, &resumed);
        opt.load_state_dict(
            &ck.try_get("optimizer")
                .unwrap()
                .to_optimizer_state_dict()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(ck.try_get("epoch").unwrap().try_int().unwrap(), 1);
        epoch(&resumed, opt.as_mut());
        for ((k, a), (_, b)) in straight
            .state_dict()
            .iter()
            .zip(resumed.state_dict().iter())
        {
            let (a, b) = (a.to_vec::<f32>(), b.to_vec::<f32>());
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "{which}: {k}");
        }
    }
}

/// The checkpoint behind `ember_written.pt`: views, dtypes, a parameter, Python values, and
/// an MLP with its Adam state after 2 steps from the weights saved as `start`.
fn ember_checkpoint() -> Object {
    let model = mlp();
    for (i, p) in model.parameters().iter().enumerate() {
        let n = p.numel();
        let v = (&ember::arange(n as i64).to_dtype(DType::F32) * 0.37 + i as f64).sin() * 0.5;
        let v = v.view(p.shape());
        ember::no_grad_scope(|| p.copy_(&v));
    }
    let start = Object::from(
        &model
            .state_dict()
            .into_iter()
            .map(|(k, t)| (k, t.clone_tensor()))
            .collect::<StateDict>(),
    );
    let mut opt = Adam::new(model.parameters(), 1e-2);
    let (x, y) = train_data();
    for _ in 0..2 {
        train_step(&model, &mut opt, &x, &y);
    }
    let views = match views_object() {
        Object::Dict(items) => Object::OrderedDict(items.into_iter().take(3).collect()),
        _ => unreachable!(),
    };
    let dtypes = Object::dict(
        DType::ALL
            .into_iter()
            .map(|dt| (dt.name(), ember::arange(6).view([2, 3]).to_dtype(dt).into())),
    );
    let extras = Object::dict([
        ("epoch", 3.into()),
        ("neg", Object::Int(-5)),
        ("big", Object::Int(1 << 40)),
        ("pi", 3.25.into()),
        ("flag", true.into()),
        ("none", Object::None),
        ("text", "héllo".into()),
        ("raw", Object::Bytes(b"\x00\xffab".to_vec())),
        ("pair", Object::Tuple(vec![0.9.into(), 0.999.into()])),
        (
            "nested",
            Object::List(vec![
                Object::List(vec![1.into(), 2.into()]),
                Object::Tuple(vec![3.into()]),
                Object::List(vec![]),
            ]),
        ),
    ]);
    Object::dict([
        ("views", views),
        ("dtypes", dtypes),
        (
            "scalar",
            ember::scalar_tensor(2.5).to_dtype(DType::F64).into(),
        ),
        ("empty", Tensor::from_vec(Vec::<f32>::new(), [0, 3]).into()),
        (
            "param",
            Object::Parameter(ember::tensor([1.0, -2.0]).requires_grad_(true)),
        ),
        ("extras", extras),
        ("start", start),
        ("model", Object::from(&model.state_dict())),
        ("optimizer", Object::from(&opt.state_dict())),
    ])
}

/// `ember_written.pt` is what ember writes: `tools/make_pt_fixtures.py` checks that PyTorch
/// loads it (values, views, the model and optimizer state), and this test that ember still
/// writes exactly those bytes for its contents (the format, independent of the training
/// numerics) and the values ember makes now. `EMBER_WRITE_PT_FIXTURES=1` rewrites it.
#[test]
fn ember_written_file_is_stable() {
    let path = fixture("ember_written.pt");
    if std::env::var_os("EMBER_WRITE_PT_FIXTURES").is_some() {
        ember::save(ember_checkpoint(), &path).unwrap();
    }
    let committed = std::fs::read(&path).unwrap();
    let loaded = pt_from_bytes(&committed).unwrap();
    assert!(
        pt_to_bytes(&loaded).unwrap() == committed,
        "ember no longer writes {path:?}: if the change is meant, rewrite it with EMBER_WRITE_PT_FIXTURES=1 and check it with tools/make_pt_fixtures.py"
    );
    let fresh = ember_checkpoint();
    for key in ["model", "start"] {
        let a = loaded.try_get(key).unwrap().to_state_dict().unwrap();
        let b = fresh.try_get(key).unwrap().to_state_dict().unwrap();
        for (k, t) in &b {
            assert_allclose(&a[k], t, 1e-5);
        }
    }
}

/// A torch.save-shaped archive around a hand-made pickle and records.
fn archive(pkl: &[u8], records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("archive/data.pkl", opts).unwrap();
    zip.write_all(pkl).unwrap();
    for (name, bytes) in records {
        zip.start_file(format!("archive/{name}"), opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A pickle of one `_rebuild_tensor_v2` call: `storage` a FloatStorage of `numel`
/// elements under key "0", and `layout` the pickled (offset, size, stride) opcodes.
fn tensor_pickle(numel: &[u8], layout: &[u8]) -> Vec<u8> {
    let mut p = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu".to_vec();
    p.extend(numel);
    p.extend(b"tQ");
    p.extend(layout);
    p.extend(b"\x89ccollections\nOrderedDict\n)RtR.");
    p
}

#[track_caller]
fn load_err(bytes: &[u8]) -> String {
    match pt_from_bytes(bytes) {
        Ok(o) => panic!("expected an error, got {o:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_files_give_errors() {
    let four = [0u8; 16];
    // The hand-made pickle is right: offset 1, size (2,), stride (1,) over 4 floats.
    let ok = archive(
        &tensor_pickle(b"K\x04", b"K\x01K\x02\x85K\x01\x85"),
        &[("data/0", &four)],
    );
    assert_eq!(
        pt_from_bytes(&ok)
            .unwrap()
            .try_tensor()
            .unwrap()
            .storage_offset(),
        1
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        // A tensor reaching past its storage, and strides that overflow.
        (
            archive(
                &tensor_pickle(b"K\x04", b"K\x00K\x0a\x85K\x01\x85"),
                &[("data/0", &four)],
            ),
            "does not fit its storage",
        ),
        (
            archive(
                &tensor_pickle(
                    b"K\x04",
                    b"K\x00K\x02K\x02\x86\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7fK\x01\x86",
                ),
                &[("data/0", &four)],
            ),
            "does not fit its storage",
        ),
        // A storage record shorter than its tensors need, a missing one, a huge one.
        (
            archive(
                &tensor_pickle(b"K\x08", b"K\x00K\x02\x85K\x01\x85"),
                &[("data/0", &four)],
            ),
            "expected 32",
        ),
        (
            archive(&tensor_pickle(b"K\x04", b"K\x00K\x02\x85K\x01\x85"), &[]),
            "failed locating file archive/data/0",
        ),
        (
            archive(
                &tensor_pickle(
                    b"\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x10",
                    b"K\x00K\x02\x85K\x01\x85",
                ),
                &[("data/0", &four)],
            ),
            "cannot fit in a file of",
        ),
        (
            archive(
                &tensor_pickle(
                    b"\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40",
                    b"K\x00K\x02\x85K\x01\x85",
                ),
                &[("data/0", &four)],
            ),
            "is too large",
        ),
        // VM misuse.
        (archive(b"\x80\x02a.", &[]), "unpickling stack underflow"),
        (
            archive(b"\x80\x02X\xff\xff\xff\xff", &[]),
            "pickle data was truncated",
        ),
        (archive(b"\x80\x02]", &[]), "pickle data was truncated"),
        (archive(b"\x80\x02\xff.", &[]), "Unsupported operand 255"),
        (
            archive(b"\x80\x02]K\x01K\x02s.", &[]),
            "Can only SETITEM for dict",
        ),
        (
            archive(b"\x80\x02}K\x01a.", &[]),
            "Can only append to lists",
        ),
        (
            archive(b"\x80\x02ccollections\nOrderedDict\n)\x81.", &[]),
            "Can only create new object",
        ),
        (
            archive(b"\x80\x02K\x01)R.", &[]),
            "Trying to call reduce for unrecognized function int",
        ),
        (
            archive(b"\x80\x02X\x01\x00\x00\x00aQ.", &[]),
            "persistent_load id must be tuple",
        ),
        (
            archive(b"\x80\x02ccollections\nOrderedDict\n.", &[]),
            "not loaded as a value",
        ),
        (
            archive(
                b"\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.",
                &[],
            ),
            "more than 64 bits",
        ),
        (
            archive(b"\x80\x02r\xff\xff\xff\xff.", &[]),
            "stack underflow",
        ),
        (
            archive(b"\x80\x02Nj\x00\x00\x00\x01.", &[]),
            "Memo value not found at index 16777216",
        ),
        (
            archive(b"\x80\x06N.", &[]),
            "unsupported pickle protocol: 6",
        ),
        (
            archive(b"\x80\x02c__builtin__\ngetattr\n.", &[]),
            "GLOBAL getattr was not an allowed",
        ),
        (
            archive(b"\x80\x02csys\nmodules\n.", &[]),
            "whose module sys is blocked",
        ),
        (
            archive(
                b"\x80\x02X\x02\x00\x00\x00ntX\x06\x00\x00\x00system\x93.",
                &[],
            ),
            "module nt is blocked",
        ),
        (
            archive(b"\x80\x02ctorch\nComplexFloatStorage\n.", &[]),
            "not an allowed global",
        ),
        // Not an archive at all, or a zip without PyTorch's layout.
        (b"hello".to_vec(), "Invalid magic number; corrupt file?"),
        (
            b"PK\x03\x04".to_vec(),
            "PytorchStreamReader failed reading zip archive",
        ),
    ];
    for (bytes, want) in cases {
        let m = load_err(&bytes);
        assert!(m.contains(want), "expected '{want}' in: {m}");
    }
}

#[test]
fn deep_and_explosive_pickles_are_refused() {
    // Lists nested 300 deep.
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat_n(b']', 300));
    p.extend(std::iter::repeat_n(b'a', 299));
    p.push(b'.');
    assert!(load_err(&archive(&p, &[])).contains("deeper than 256 levels"));
    // l0 = []; l(i+1) = [l(i), l(i)]: 2^60 lists from 60 short steps.
    let mut p = b"\x80\x02]q\x00".to_vec();
    for i in 0..60u8 {
        p.extend([b'(', b'h', i, b'h', i, b'l', b'q', i + 1]);
    }
    p.push(b'.');
    assert!(load_err(&archive(&p, &[])).contains("far more objects"));
    // A list that contains itself.
    let m = load_err(&archive(b"\x80\x02]q\x00h\x00a.", &[]));
    assert!(m.contains("deeper than 256 levels"), "{m}");
    // Saving what is nested too deep is refused too, not a stack overflow.
    let mut o = Object::None;
    for _ in 0..300 {
        o = Object::List(vec![o]);
    }
    assert!(
        pt_to_bytes(&o)
            .unwrap_err()
            .to_string()
            .contains("deeper than 256")
    );
}

#[test]
fn accessors_name_what_was_wrong() {
    let e = Object::Int(1).into_state_dict().unwrap_err().to_string();
    assert!(e.contains("expected a state dict"), "{e}");
    let e = Object::dict([("w", Object::Int(1))])
        .into_state_dict()
        .unwrap_err()
        .to_string();
    assert!(e.contains("state dict entry 'w' is a int"), "{e}");
    let e = Object::List(vec![]).try_get("x").unwrap_err().to_string();
    assert!(e.contains("expected a dict, got list"), "{e}");
    assert!(Object::Str("a".into()).try_int().is_err());
    let e = ember::load("/no/such/dir/x.pt").unwrap_err().to_string();
    assert!(e.contains("/no/such/dir/x.pt"), "{e}");
}

/// An empty record may be read under several dtypes (PyTorch's loader allows it): each
/// tensor keeps its own.
#[test]
fn empty_storage_read_under_two_dtypes() {
    let tensor = |class: &[u8]| -> Vec<u8> {
        [
            &b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n"[..],
            class,
            b"\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x00tQK\x00K\x00\x85K\x01\x85\x89",
            b"ccollections\nOrderedDict\n)RtR",
        ]
        .concat()
    };
    let mut p = b"\x80\x02](".to_vec();
    p.extend(tensor(b"FloatStorage"));
    p.extend(tensor(b"LongStorage"));
    p.extend(b"e.");
    let o = pt_from_bytes(&archive(&p, &[("data/0", b"")])).unwrap();
    let dtypes: Vec<DType> = o
        .try_list()
        .unwrap()
        .iter()
        .map(|t| t.try_tensor().unwrap().dtype())
        .collect();
    assert_eq!(dtypes, [DType::F32, DType::I64]);
}

//! `#[derive(Module)]` over the built-in layers: registration order (state-dict keys) and
//! printing, against PyTorch 2.15's output.

use super::*;

#[test]
fn print_nested_model_as_pytorch() {
    let mut list = ModuleList::new();
    list.push(ReLU);
    list.push(ReLU);
    list.push(Linear::new(1, 1));
    let mut dict = ModuleDict::new();
    dict.insert("a", Identity);
    let inner = Sequential::new().push(Linear::new(3, 3)).push(Tanh);
    let model = Sequential::new()
        .push(Linear::new(2, 3))
        .push(ReLU)
        .push(inner)
        .push(list)
        .push(dict)
        .push(ModuleList::new());
    // print(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Tanh()),
    //     nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(1, 1)]),
    //     nn.ModuleDict({'a': nn.Identity()}), nn.ModuleList([])))
    let want = "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n  (2): Sequential(\n    (0): Linear(in_features=3, out_features=3, bias=True)\n    (1): Tanh()\n  )\n  (3): ModuleList(\n    (0-1): 2 x ReLU()\n    (2): Linear(in_features=1, out_features=1, bias=True)\n  )\n  (4): ModuleDict(\n    (a): Identity()\n  )\n  (5): ModuleList()\n)";
    assert_eq!(model.to_string(), want);
    let boxed: Box<dyn Module> = Box::new(model);
    assert_eq!(boxed.to_string(), want);
    assert_eq!(format!("{}", &*boxed), want);
}

#[test]
fn print_leaf_layers_as_pytorch() {
    let cases: Vec<(String, &str)> = vec![
        (GELU::default().to_string(), "GELU(approximate='none')"),
        (
            LeakyReLU::new(0.2).to_string(),
            "LeakyReLU(negative_slope=0.2)",
        ),
        (ELU::new(0.5).to_string(), "ELU(alpha=0.5)"),
        (
            Softplus::new(2.0, 10.0).to_string(),
            "Softplus(beta=2.0, threshold=10.0)",
        ),
        (
            Hardtanh::new(-2.0, 2.0).to_string(),
            "Hardtanh(min_val=-2.0, max_val=2.0)",
        ),
        (
            LayerNorm::new(&[4]).to_string(),
            "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)",
        ),
        (
            Conv2d::new(1, 2, 3).to_string(),
            "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))",
        ),
        (
            MaxPool2d::new(2).to_string(),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
        ),
        (
            Dropout::new(0.25).to_string(),
            "Dropout(p=0.25, inplace=False)",
        ),
        (
            CrossEntropyLoss::default().to_string(),
            "CrossEntropyLoss()",
        ),
        (
            BatchNorm1d::new(3).to_string(),
            "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)",
        ),
        (Softmax::new(1).to_string(), "Softmax(dim=1)"),
        (Identity.to_string(), "Identity()"),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[derive(Module)]
struct Net {
    fc: Linear,
    bn: BatchNorm1d,
    blocks: ModuleList,
}

impl Module for Net {
    fn forward(&self, x: &crate::Tensor) -> crate::Result<crate::Tensor> {
        self.fc.forward(x)
    }
}

#[test]
fn derived_struct_keys_and_print_as_pytorch() {
    let mut blocks = ModuleList::new();
    blocks.push(Linear::new(2, 2));
    blocks.push(Linear::new(2, 2));
    let net = Net {
        fc: Linear::new(2, 2),
        bn: BatchNorm1d::new(2),
        blocks,
    };
    let keys: Vec<String> = net.state_dict().into_keys().collect();
    // list(Net().state_dict()) in PyTorch, fields assigned in this order.
    assert_eq!(
        keys,
        [
            "fc.weight",
            "fc.bias",
            "bn.weight",
            "bn.bias",
            "bn.running_mean",
            "bn.running_var",
            "bn.num_batches_tracked",
            "blocks.0.weight",
            "blocks.0.bias",
            "blocks.1.weight",
            "blocks.1.bias"
        ]
    );
    assert_eq!(
        net.to_string(),
        "Net(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n  (bn): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n  (blocks): ModuleList(\n    (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n  )\n)"
    );
}

/// A parameter held in a wrapper type the derive does not know by name.
#[derive(Clone)]
struct Wrapped(Parameter);

impl std::ops::Deref for Wrapped {
    type Target = Parameter;
    fn deref(&self) -> &Parameter {
        &self.0
    }
}

#[derive(Module)]
#[module(name = "Custom", extra_repr = repr)]
struct Attrs {
    #[module(name = "w")]
    weight: Parameter,
    #[module(buffer)]
    stats: Option<Buffer>,
    #[module(skip)]
    reduction: functional::Reduction,
    #[module(training)]
    mode: bool,
    #[module(flatten)]
    named: Vec<(String, Box<dyn Module>)>,
    #[module(skip)]
    extra: Option<Wrapped>,
}

impl Attrs {
    fn repr(&self) -> String {
        "k=1".into()
    }
}

impl Module for Attrs {
    fn forward(&self, x: &crate::Tensor) -> crate::Result<crate::Tensor> {
        Ok(x.clone())
    }
}

#[test]
fn derive_attributes() {
    let mut m = Attrs {
        weight: Parameter::new(crate::ones([1])).unwrap(),
        stats: Some(Buffer::new(crate::zeros([1]))),
        reduction: functional::Reduction::Sum,
        mode: true,
        named: vec![("act".to_string(), Box::new(ReLU) as Box<dyn Module>)],
        extra: None,
    };
    let keys: Vec<String> = m.state_dict().into_keys().collect();
    assert_eq!(keys, ["w", "stats"]);
    assert_eq!(m.named_children()[0].0, "act");
    assert_eq!(m.to_string(), "Custom(\n  k=1\n  (act): ReLU()\n)");
    assert!(m.is_training());
    m.eval();
    assert!(!m.mode);
    assert!(matches!(m.reduction, functional::Reduction::Sum) && m.extra.is_none());
}

//! The meta device (issue 16): tensors with a shape, dtype and strides but no data; ops,
//! autograd and modules work on them without touching memory. Expected texts are PyTorch
//! 2.15's (`torch.empty(2, 3, device="meta")` and friends).

use ember::nn::Module;
use ember::{DType, Device, Error, Tensor};

fn meta(shape: &[usize]) -> Tensor {
    ember::empty_with(shape, Device::Meta)
}

#[test]
fn prints_like_pytorch() {
    assert_eq!(
        meta(&[2, 3]).to_string(),
        "tensor(..., device='meta', size=(2, 3))"
    );
    assert_eq!(
        meta(&[0]).to_string(),
        "tensor(..., device='meta', size=(0,))"
    );
    assert_eq!(meta(&[]).to_string(), "tensor(..., device='meta', size=())");
    let i = ember::empty_with([2], (DType::I64, Device::Meta));
    assert_eq!(
        i.to_string(),
        "tensor(..., device='meta', size=(2,), dtype=ember.int64)"
    );
    let y = ember::ones_with(
        [3],
        ember::TensorOptions::new()
            .device(Device::Meta)
            .dtype(DType::F64)
            .requires_grad(true),
    );
    assert_eq!(
        y.to_string(),
        "tensor(..., device='meta', size=(3,), dtype=ember.float64, requires_grad=True)"
    );
    assert_eq!(
        (&y * 2.0).to_string(),
        "tensor(..., device='meta', size=(3,), dtype=ember.float64,\n       grad_fn=<MulBackward0>)"
    );
}

#[test]
fn device_parses_and_prints() {
    assert_eq!("meta".parse::<Device>().unwrap(), Device::Meta);
    assert_eq!(Device::Meta.to_string(), "meta");
    assert!(meta(&[1]).device().is_meta());
    assert_eq!(
        "foo".parse::<Device>().unwrap_err().to_string(),
        "Expected one of cpu, cuda, meta device type at start of device string: foo"
    );
}

#[test]
fn ops_compute_shapes_and_dtypes_only() {
    let x = meta(&[4, 3]);
    let w = meta(&[5, 3]);
    let y = x.matmul(&w.t()).relu().sum_dim(1, true);
    assert_eq!(
        (y.shape(), y.dtype(), y.device()),
        (&[4, 1][..], DType::F32, Device::Meta)
    );
    let idx = ember::empty_with([2], (DType::I64, Device::Meta));
    assert_eq!(x.index_select(0, &idx).shape(), &[2, 3]);
    assert_eq!(x.argmax_dim(1, false).dtype(), DType::I64);
    assert_eq!(x.to_dtype(DType::F64).dtype(), DType::F64);
    let ints = ember::empty_with([3], (DType::I64, Device::Meta));
    // Integer division checks divisors for zero on the host: there are none to check.
    assert_eq!(ints.remainder(&ints).shape(), &[3]);
    // Views of meta tensors are meta views.
    assert_eq!(x.t().stride(), vec![1, 3]);
    assert_eq!(x.data_ptr(), 0);
}

#[test]
fn values_are_a_clean_error() {
    let x = meta(&[2, 3]);
    let e = x.try_to_vec::<f32>().unwrap_err();
    assert!(matches!(e, Error::NotImplemented(_)));
    assert_eq!(e.to_string(), "Cannot copy out of meta tensor; no data!");
    assert_eq!(
        x.try_item::<f32>().unwrap_err().to_string(),
        "a Tensor with 6 elements cannot be converted to Scalar"
    );
    assert_eq!(
        x.sum().try_item::<f32>().unwrap_err().to_string(),
        "Tensor.item() cannot be called on meta tensors"
    );
    assert_eq!(
        x.try_to_device(Device::Cpu).unwrap_err().to_string(),
        "Cannot copy out of meta tensor; no data!"
    );
    let e = x.try_nonzero().unwrap_err();
    assert!(matches!(e, Error::NotImplemented(_)), "{e}");
    let mask = ember::empty_with([2, 3], (DType::Bool, Device::Meta));
    assert!(matches!(
        x.try_masked_select(&mask).unwrap_err(),
        Error::NotImplemented(_)
    ));
}

#[test]
fn mixing_devices_is_pytorchs_error() {
    let m = meta(&[2, 2]);
    let c = ember::ones([2, 2]);
    let msg = |r: ember::Result<Tensor>| r.unwrap_err().to_string();
    assert_eq!(
        msg(m.try_add(&c)),
        "Expected all tensors to be on the same device, but found at least two devices, meta and cpu!"
    );
    assert_eq!(
        msg(c.try_add(&m)),
        "Expected all tensors to be on the same device, but found at least two devices, cpu and meta!"
    );
    assert!(c.try_matmul(&m).is_err());
    assert!(ember::try_cat(&[&c, &m], 0).is_err());
    assert!(c.try_copy_(&m).is_err());
}

#[test]
fn anything_goes_to_meta_with_its_history() {
    let x = ember::tensor([1.0f32, 2.0]).requires_grad_(true);
    let m = x.to_device(Device::Meta);
    assert_eq!(m.grad_fn().unwrap().name(), "ToCopyBackward0");
    let y = ember::tensor_with([1.0, 2.0], Device::Meta);
    assert_eq!(y.device(), Device::Meta);
}

#[test]
fn autograd_runs_on_meta() {
    let w = ember::randn_with(
        [3, 4],
        ember::TensorOptions::new()
            .device(Device::Meta)
            .requires_grad(true),
    );
    let x = meta(&[2, 3]);
    let loss = x.matmul(&w).tanh().pow(2.0).mean();
    loss.backward();
    let g = w.grad().unwrap();
    assert_eq!((g.shape(), g.device()), (&[3, 4][..], Device::Meta));
}

#[test]
fn random_ops_do_not_advance_the_generator_on_meta() {
    isolated!(random_ops_do_not_advance_the_generator_on_meta);
    ember::manual_seed(7);
    let a = ember::rand([3]).to_vec::<f32>();
    ember::manual_seed(7);
    let _ = ember::rand_with([1000], Device::Meta);
    meta(&[1000]).uniform_(0.0, 1.0);
    assert_eq!(ember::rand([3]).to_vec::<f32>(), a);
}

#[test]
fn a_billion_parameter_model_builds_instantly_and_materialises() {
    use ember::nn::{Linear, ReLU, Sequential};
    let model = ember::device_scope(Device::Meta, || {
        Sequential::new()
            .push(Linear::new(32_768, 16_384))
            .push(ReLU::new())
            .push(Linear::new(16_384, 32_768))
            .push(ReLU::new())
            .push(Linear::new(32_768, 8))
    });
    assert_eq!(ember::get_default_device(), Device::Cpu);
    let n: usize = model.parameters().iter().map(|p| p.numel()).sum();
    assert_eq!(n, 1_074_053_128);
    let out = model.forward(&meta(&[2, 32_768])).unwrap();
    assert_eq!((out.shape(), out.device()), (&[2, 8][..], Device::Meta));

    let mut small = ember::device_scope(Device::Meta, || Linear::new(3, 2));
    small.to_empty(Device::Cpu).unwrap();
    assert!(small.weight.device() == Device::Cpu && small.weight.requires_grad());
    let y = small.forward(&ember::ones([1, 3])).unwrap();
    assert_eq!(y.shape(), &[1, 2]);
}

//! The numpy bridge (ndarray) and the `out=` ops.

use ember::{BinaryOp, DType, Tensor};

#[test]
fn ndarray_round_trip_every_dtype() {
    let a = ndarray::array![[1.5f64, -2.0], [3.25, 4.0]].into_dyn();
    let t = Tensor::from_ndarray(a.clone());
    assert_eq!(t.dtype(), DType::F64);
    assert_eq!(t.to_ndarray::<f64>(), a);
    let b = ndarray::arr1(&[true, false, true]);
    assert_eq!(
        Tensor::from_ndarray(b).to_vec::<bool>(),
        vec![true, false, true]
    );
    let h = ndarray::arr1(&[half::f16::from_f32(0.5)]);
    assert_eq!(Tensor::from_ndarray(h).dtype(), DType::F16);
    let i = ndarray::arr1(&[1u8, 2, 255]);
    assert_eq!(Tensor::from_ndarray(i).to_vec::<u8>(), vec![1, 2, 255]);
}

#[test]
fn ndarray_non_standard_layout_is_copied_in_order() {
    let a = ndarray::array![[1i32, 2, 3], [4, 5, 6]];
    let t = Tensor::from_ndarray(a.t().to_owned());
    assert_eq!(t.shape(), &[3, 2]);
    assert_eq!(t.to_vec::<i32>(), vec![1, 4, 2, 5, 3, 6]);
    let sliced = a.slice_move(ndarray::s![.., 1..]);
    assert_eq!(
        Tensor::from_ndarray(sliced).to_vec::<i32>(),
        vec![2, 3, 5, 6]
    );
}

#[test]
fn ndarray_views_share_memory() {
    // Seed 001: `b = a.numpy(); a.add_(1)` changes b, and writing b changes a.
    let a = ember::ones([5]);
    a.add_(1.0);
    a.with_ndarray(|b: ndarray::ArrayViewD<f32>| assert_eq!(b.sum(), 10.0));
    let v0 = a.version();
    a.with_ndarray_mut(|mut b: ndarray::ArrayViewMutD<f32>| b[[0]] = 7.0);
    assert_eq!(a.to_vec::<f32>(), vec![7.0, 2.0, 2.0, 2.0, 2.0]);
    assert!(a.version() > v0);
    // Strided views see the right elements.
    let x = ember::arange(12).view([3, 4]);
    let col = x.select(1, 2);
    col.with_ndarray_mut(|mut c: ndarray::ArrayViewMutD<i64>| c.fill(-1));
    assert_eq!(
        x.to_vec::<i64>(),
        vec![0, 1, -1, 3, 4, 5, -1, 7, 8, 9, -1, 11]
    );
}

#[test]
fn ndarray_errors() {
    // A copy casts as `to_vec` does; only the shared-memory views need the dtype.
    let t = ember::ones([2]);
    assert_eq!(
        t.try_to_ndarray::<f64>().unwrap(),
        ndarray::arr1(&[1.0f64, 1.0]).into_dyn()
    );
    assert!(
        t.try_with_ndarray(|_: ndarray::ArrayViewD<f64>| ())
            .is_err()
    );
    let g = ember::ones([2]).requires_grad_(true);
    assert_eq!(
        g.try_to_ndarray::<f32>().unwrap_err().to_string(),
        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    );
    assert!(g.detach().try_to_ndarray::<f32>().is_ok());
    let e = ember::ones([1, 3]).expand([4, 3]);
    assert!(
        e.try_with_ndarray_mut(|_: ndarray::ArrayViewMutD<f32>| ())
            .is_err()
    );
    assert!(
        e.try_with_ndarray(|v: ndarray::ArrayViewD<f32>| v.sum())
            .is_ok()
    );
}

#[test]
fn add_out_writes_in_place() {
    // Seed 001: `result = torch.empty(5, 3); torch.add(x, y, out=result)`.
    let x = ember::rand([5, 3]);
    let y = ember::rand([5, 3]);
    let result = ember::empty([5, 3]);
    let version = result.version();
    ember::add_out(&x, &y, &result);
    assert_eq!(result.to_vec::<f32>(), (&x + &y).to_vec::<f32>());
    assert!(result.version() > version);
    // Broadcasting, scalars, promotion into a wider out, and aliasing the output.
    let out = ember::empty_with([2, 3], DType::F64);
    ember::mul_out(
        &ember::tensor([[1, 2, 3]]),
        &ember::tensor([[2], [3]]),
        &out,
    );
    assert_eq!(out.to_vec::<f64>(), vec![2.0, 4.0, 6.0, 3.0, 6.0, 9.0]);
    let z = ember::tensor([1.0, 2.0]);
    ember::sub_out(&z, 1.0, &z);
    assert_eq!(z.to_vec::<f32>(), vec![0.0, 1.0]);
    ember::add_out(&z, &z, &z);
    assert_eq!(z.to_vec::<f32>(), vec![0.0, 2.0]);
    // Integer true division computes in float: fine into a float out, refused into an int one.
    let fout = ember::empty([2]);
    ember::tensor([7, 8]).binary_out(&ember::tensor([2, 4]), BinaryOp::Div, &fout);
    assert_eq!(fout.to_vec::<f32>(), vec![3.5, 2.0]);
    let iout = ember::empty_with([2], DType::I64);
    assert!(ember::try_div_out(&ember::tensor([7, 8]), &ember::tensor([2, 3]), &iout).is_err());
}

#[test]
fn out_errors() {
    let x = ember::ones([2, 3]);
    let e = ember::try_add_out(&x, &x, &ember::empty([3, 2])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "output with shape [3, 2] doesn't match the broadcast shape [2, 3]"
    );
    let e = ember::try_add_out(&x, &x, &ember::empty_with([2, 3], DType::I64)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "result type Float can't be cast to the desired output type Long"
    );
    let g = ember::ones([2, 3]).requires_grad_(true);
    let e = ember::try_add_out(&g, &x, &ember::empty([2, 3])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "add(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."
    );
    let _guard = ember::no_grad();
    assert!(ember::try_add_out(&g, &x, &ember::empty([2, 3])).is_ok());
}

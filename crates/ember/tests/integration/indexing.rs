//! Shape and indexing ops through the public API: gradients against finite differences on
//! contiguous, transposed and expanded inputs, values and errors from PyTorch 2.15, and the
//! view/in-place rules (views share memory, in-place writes bump the version).

use crate::common::{err, rand};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::{DType, Ellipsis, NewAxis, Result, Tensor, step_by};

fn idx(v: &[i64]) -> Tensor {
    Tensor::from_vec(v.to_vec(), [v.len()])
}

fn errs(r: Result<Vec<Tensor>>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

/// Checks `f` on `x` as given, on the transpose of a leaf of the swapped shape, and on an
/// expanded leaf with a size-1 first dim.
fn check3(shape: &[usize], f: impl Fn(&Tensor) -> Result<Tensor>) {
    let x = rand(shape);
    gradcheck(|v| Ok(vec![f(&v[0])?]), &[x]).unwrap();
    let mut swapped = shape.to_vec();
    let n = swapped.len();
    swapped.swap(n - 1, n - 2);
    let xt = rand(&swapped);
    gradcheck(|v| Ok(vec![f(&v[0].try_transpose(-1, -2)?)?]), &[xt]).unwrap();
    let mut one = shape.to_vec();
    one[0] = 1;
    let xe = rand(&one);
    let full = shape.to_vec();
    gradcheck(|v| Ok(vec![f(&v[0].try_expand(&full)?)?]), &[xe]).unwrap();
}

#[test]
fn gradcheck_shape_ops() {
    check3(&[3, 4], |x| x.try_flatten(0, -1));
    check3(&[2, 3, 4], |x| x.try_flatten(1, 2));
    check3(&[2, 3, 4], |x| x.try_movedim(0, -1));
    check3(&[3, 2], |x| x.try_repeat([2, 1, 3]));
    check3(&[2, 3, 4], |x| x.try_flip([0, 2]));
    check3(&[3, 4], |x| x.try_roll([1, -2], [0, 1]));
    check3(&[3, 4], |x| x.try_roll(5, ()));
    check3(&[3, 4], |x| x.try_tril(0));
    check3(&[2, 3, 4], |x| x.try_triu(1));
    check3(&[3, 4], |x| x.try_diag(1));
    check3(&[4, 3], |x| x.try_diag(-1));
    let v = rand(&[3]);
    gradcheck(|v| Ok(vec![v[0].try_diag(-1)?]), &[v]).unwrap();
}

#[test]
fn gradcheck_join_split() {
    let (a, b) = (rand(&[3, 2]), rand(&[2, 3]));
    gradcheck(
        |v| Ok(vec![ember::try_cat(&[&v[0], &v[1].try_t()?], 1)?]),
        &[a.clone(), b.clone()],
    )
    .unwrap();
    gradcheck(
        |v| Ok(vec![ember::try_stack(&[&v[0], &v[1].try_t()?], -1)?]),
        &[a.clone(), b],
    )
    .unwrap();
    let e = rand(&[1, 2]);
    gradcheck(
        |v| {
            let x = v[0].try_expand([3, 2])?;
            Ok(vec![ember::try_cat(&[&x, &v[1]], 0)?])
        },
        &[e, a],
    )
    .unwrap();
    check3(&[5, 4], |x| {
        let parts = x.try_split(2, 0)?;
        parts[0]
            .try_sum()?
            .try_add(&parts[2].try_mul(3.0)?.try_sum()?)
    });
    check3(&[4, 5], |x| {
        let parts = x.try_split_with_sizes([1, 3], 0)?;
        ember::try_cat(&[&parts[1], &parts[0]], 0)
    });
    check3(&[4, 7], |x| Ok(x.try_chunk(3, 1)?[1].clone()));
    check3(&[3, 4], |x| {
        let rows = x.try_unbind(1)?;
        rows[1].try_mul(&rows[3])
    });
}

#[test]
fn gradcheck_indexing() {
    check3(&[4, 5], |x| x.try_i((1.., step_by(..4, 2))));
    check3(&[4, 5], |x| x.try_i((Ellipsis, -1)));
    check3(&[4, 5], |x| x.try_i((NewAxis, 2, ..)));
    check3(&[4, 5], |x| x.try_i(idx(&[3, 0, 3])));
    check3(&[4, 5], |x| x.try_i((.., &idx(&[-1, 1]))));
    check3(&[4, 5], |x| x.try_i((&idx(&[0, 2]), 1..)));
    check3(&[4, 5], |x| x.try_i((&idx(&[0, 2, 2]), &idx(&[4, 0, 4]))));
    let mask = Tensor::from_vec((0..20).map(|i| i % 3 == 0).collect::<Vec<_>>(), [4, 5]);
    check3(&[4, 5], |x| x.try_i(&mask));
    check3(&[4, 5], |x| x.try_index_select(1, &idx(&[4, 4, 0])));
    let g = Tensor::from_vec(vec![0i64, 3, 3, 1, 2, 0], [3, 2]);
    check3(&[4, 5], |x| x.try_gather(0, &g));
    check3(&[4, 5], |x| x.try_masked_fill(&mask, 2.5));
    let row = ember::tensor([true, false, false, true, true]);
    check3(&[4, 5], |x| x.try_masked_fill(&row, -1.0));
    check3(&[4, 5], |x| x.try_masked_select(&row));
    check3(&[4, 5], |x| {
        let y = x.try_mul(1.0)?;
        y.try_masked_fill_(&row, 0.0)
    });
}

#[test]
fn gradcheck_scatter_and_put() {
    let (x, src) = (rand(&[3, 4]), rand(&[2, 4]));
    let index = Tensor::from_vec(vec![2i64, 0, 2, 1, 2, 2, 0, 0], [2, 4]);
    gradcheck(
        |v| Ok(vec![v[0].try_scatter_add(0, &index, &v[1])?]),
        &[x.clone(), src.clone()],
    )
    .unwrap();
    gradcheck(
        |v| {
            let x = v[0].try_t()?.try_t()?;
            Ok(vec![x.try_index_add(0, &idx(&[2, 2]), &v[1], 0.5)?])
        },
        &[x.clone(), src.clone()],
    )
    .unwrap();
    let vals = rand(&[3]);
    for acc in [false, true] {
        gradcheck(
            |v| {
                let ind = [Some(idx(&[0, 2, 0])), Some(idx(&[1, 1, 3]))];
                Ok(vec![v[0].try_index_put(&ind, &v[1], acc)?])
            },
            &[x.clone(), vals.clone()],
        )
        .unwrap();
        gradcheck(
            |v| {
                let y = v[0].try_mul(2.0)?;
                let ind = [None, Some(idx(&[3, 1, 0]))];
                y.try_index_put_(&ind, &v[1], acc)?;
                Ok(vec![y])
            },
            &[x.clone(), vals.clone()],
        )
        .unwrap();
    }
}

#[test]
fn gradgradcheck_indexing() {
    let x = rand(&[4, 3]);
    gradgradcheck(
        |v| Ok(vec![v[0].try_index_select(0, &idx(&[1, 1, 3]))?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    let g = Tensor::from_vec(vec![2i64, 0, 1, 1], [2, 2]);
    gradgradcheck(
        |v| Ok(vec![v[0].try_gather(1, &g)?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    gradgradcheck(
        |v| Ok(vec![v[0].try_i((&idx(&[3, 0]), 1..))?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    gradgradcheck(
        |v| Ok(vec![ember::try_cat(&[&v[0], &v[0].try_mul(&v[0])?], 1)?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    gradgradcheck(
        |v| Ok(vec![v[0].try_diag(0)?.try_mul(&v[0].try_diag(0)?)?]),
        std::slice::from_ref(&x),
    )
    .unwrap();
    gradgradcheck(|v| Ok(vec![v[0].try_split(2, 0)?[1].try_square()?]), &[x]).unwrap();
}

#[test]
fn advanced_indexing_values_match_pytorch() {
    let x = ember::arange(24).view([2, 3, 4]);
    // Non-adjacent index tensors: the broadcast dims go first.
    let y = x.i((&idx(&[1, 0]), .., &Tensor::from_vec(vec![3i64, 1], [2, 1])));
    assert_eq!(y.shape(), &[2, 2, 3]);
    assert_eq!(
        y.to_vec::<i64>(),
        vec![15, 19, 23, 3, 7, 11, 13, 17, 21, 1, 5, 9]
    );
    let y = x.i((.., &idx(&[2, 0]), 1..3));
    assert_eq!(y.shape(), &[2, 2, 2]);
    assert_eq!(y.to_vec::<i64>(), vec![9, 10, 1, 2, 21, 22, 13, 14]);
    let m = ember::tensor([[true, false, true], [false, true, false]]);
    let y = x.i(&m);
    assert_eq!(y.shape(), &[3, 4]);
    assert_eq!(
        y.to_vec::<i64>(),
        vec![0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19]
    );
    assert_eq!(
        x.i((1, &m.select(0, 0))).to_vec::<i64>(),
        vec![12, 13, 14, 15, 20, 21, 22, 23]
    );
    assert_eq!(
        x.i((Ellipsis, &idx(&[-1]))).to_vec::<i64>(),
        vec![3, 7, 11, 15, 19, 23]
    );
    assert_eq!(x.i((1, 2, 3)).item::<i64>(), 23);
    assert_eq!(x.i((0, 7..)).shape(), &[0, 4]);
    assert_eq!(x.i((0, -10..2)).shape(), &[2, 4]);
    assert_eq!(ember::scalar_tensor(5.0).i(NewAxis).shape(), &[1]);
    let g = x.i(..).grad_fn();
    assert!(g.is_none());
}

#[test]
fn index_ops_values_match_pytorch() {
    let x = ember::arange(24).view([2, 3, 4]);
    let y = ember::zeros([5]);
    y.index_put_(
        &[Some(idx(&[1, 3, 1]))],
        &ember::tensor([1.0f32, 2.0, 3.0]),
        true,
    );
    assert_eq!(y.to_vec::<f32>(), vec![0.0, 4.0, 0.0, 2.0, 0.0]);
    let z = ember::zeros([2, 3]);
    z.index_put_(
        &[Some(ember::tensor([true, false]))],
        &ember::scalar_tensor(7.0f32),
        false,
    );
    assert_eq!(z.to_vec::<f32>(), vec![7.0, 7.0, 7.0, 0.0, 0.0, 0.0]);
    let c = ember::cat(
        &[
            &Tensor::from_vec(vec![1i32, 2], [2]),
            &ember::tensor([true]),
            &ember::tensor([0.5f32]).to_dtype(DType::F16),
        ],
        0,
    );
    assert_eq!(c.dtype(), DType::F16);
    let c = ember::cat(
        &[
            &Tensor::from_vec(vec![1u8, 2], [2]),
            &Tensor::from_vec(vec![-1i8], [1]),
        ],
        0,
    );
    assert_eq!(c.dtype(), DType::I16);
    assert_eq!(c.to_vec::<i64>(), vec![1, 2, -1]);
    assert_eq!(
        x.roll([1, -1], [0, 2]).to_vec::<i64>(),
        vec![
            13, 14, 15, 12, 17, 18, 19, 16, 21, 22, 23, 20, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8
        ]
    );
    assert_eq!(x.roll(5, ()).to_vec::<i64>()[..6], [19, 20, 21, 22, 23, 0]);
    assert_eq!(
        x.flip([0, 2]).to_vec::<i64>()[..8],
        [15, 14, 13, 12, 19, 18, 17, 16]
    );
    assert_eq!(
        ember::tensor([1, 2, 3]).diag(-1).to_vec::<i64>(),
        vec![0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0]
    );
    assert_eq!(x.select(0, 0).diag(1).to_vec::<i64>(), vec![1, 6, 11]);
    assert_eq!(x.select(0, 0).diag(-2).to_vec::<i64>(), vec![8]);
    assert_eq!(
        x.select(0, 0).triu(-1).to_vec::<i64>(),
        vec![0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11]
    );
    assert_eq!(
        x.select(0, 1).tril(1).to_vec::<i64>(),
        vec![12, 13, 0, 0, 16, 17, 18, 0, 20, 21, 22, 23]
    );
    assert_eq!(
        ember::tensor([[1, 2], [3, 4]])
            .repeat([2, 1, 2])
            .to_vec::<i64>(),
        vec![1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]
    );
    assert_eq!(x.movedim([0, 1], [2, 0]).shape(), &[3, 4, 2]);
    let gi = Tensor::from_vec(vec![3i64, 0, 1, 1, 2, 0], [1, 3, 2]);
    assert_eq!(x.gather(2, &gi).to_vec::<i64>(), vec![3, 0, 5, 5, 10, 8]);
    let s = ember::zeros([3, 2]).scatter_add(
        0,
        &Tensor::from_vec(vec![2i64, 0, 2, 2], [2, 2]),
        &ember::ones([2, 2]),
    );
    assert_eq!(s.to_vec::<f32>(), vec![0.0, 1.0, 0.0, 0.0, 2.0, 1.0]);
    assert_eq!(
        x.masked_select(&ember::tensor([true, false, false, true]))
            .to_vec::<i64>(),
        vec![0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23]
    );
    let nz = ember::tensor([[0.0, 1.5], [2.0, 0.0]]).nonzero();
    assert_eq!(nz.shape(), &[2, 2]);
    assert_eq!(nz.to_vec::<i64>(), vec![0, 1, 1, 0]);
    assert_eq!(ember::scalar_tensor(3).nonzero().shape(), &[1, 0]);
    let chunks = x.chunk(3, 2);
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[1].shape(), &[2, 3, 2]);
    let a = ember::zeros([3]).index_add(0, &idx(&[0, 0, 2]), &ember::tensor([1.0, 2.0, 3.0]), 2);
    assert_eq!(a.to_vec::<f32>(), vec![6.0, 0.0, 6.0]);
    assert_eq!(
        ember::zeros_with([3], DType::I64)
            .masked_fill(&ember::tensor([true, false, true]), 1.5)
            .to_vec::<i64>(),
        vec![1, 0, 1]
    );
    // masked_fill broadcasts self to the mask's shape.
    let b = ember::zeros([3, 1]).masked_fill(&ember::ones_with([3, 2], DType::Bool), 1.0);
    assert_eq!(b.shape(), &[3, 2]);
}

#[test]
fn grad_fn_names_match_pytorch() {
    let x = rand(&[3, 4]);
    let name = |t: &Tensor| t.grad_fn().map(|g| g.name()).unwrap_or_default();
    assert_eq!(name(&x.i(..)), "SliceBackward0");
    assert_eq!(name(&x.i(Ellipsis)), "AliasBackward0");
    assert_eq!(name(&x.i(NewAxis)), "UnsqueezeBackward0");
    assert_eq!(name(&x.i((1, 2))), "SelectBackward0");
    assert_eq!(name(&x.i((1.., &idx(&[0])))), "IndexBackward0");
    assert_eq!(
        name(&x.split_with_sizes([1, 2], 0)[0]),
        "SplitWithSizesBackward0"
    );
    assert_eq!(name(&x.split(2, 0)[1]), "SplitBackward0");
    assert_eq!(name(&x.unbind(0)[0]), "UnbindBackward0");
    assert_eq!(name(&x.diag(0)), "DiagonalBackward0_copy");
    assert_eq!(name(&x.select(0, 0).diag(0)), "DiagEmbedBackward0");
    assert_eq!(name(&x.movedim(0, 1)), "PermuteBackward0");
    assert_eq!(name(&x.t().flatten(0, -1)), "UnsafeViewBackward0");
    assert_eq!(name(&x.flatten(0, -1)), "ViewBackward0");
    assert_eq!(
        name(&x.index_add(0, &idx(&[0]), &x.i(..1), 1)),
        "IndexAddBackward0"
    );
    let y = x.mul(1.0);
    y.masked_fill_(&ember::tensor([true, false, false, false]), 0.0);
    assert_eq!(name(&y), "MaskedFillBackward0");
    let y = x.mul(1.0);
    y.index_put_(
        &[Some(idx(&[0, 0]))],
        &ember::scalar_tensor(1.0).to_dtype(DType::F64),
        false,
    );
    assert_eq!(name(&y), "IndexPutBackward0");
    assert_eq!(
        name(&x.index_put(
            &[Some(idx(&[1]))],
            &ember::scalar_tensor(1.0).to_dtype(DType::F64),
            true
        )),
        "IndexPutBackward0"
    );
}

#[test]
fn views_share_memory_and_inplace_bumps_version() {
    let x = ember::zeros([4, 3]);
    for v in [
        x.i((1.., step_by(.., 2))),
        x.i(-1),
        x.split(2, 0)[1].clone(),
        x.chunk(2, 1)[0].clone(),
        x.unbind(1)[2].clone(),
        x.flatten(0, 1),
    ] {
        assert!(v.shares_storage(&x));
    }
    assert!(!x.i(idx(&[1])).shares_storage(&x));
    x.i((1, step_by(.., 2))).fill_(5.0);
    assert_eq!(x.i(1).to_vec::<f32>(), vec![5.0, 0.0, 5.0]);
    let v0 = x.version();
    x.masked_fill_(&ember::tensor([false, true, false]), 2.0);
    assert_eq!(x.version(), v0 + 1);
    assert_eq!(x.i(0).to_vec::<f32>(), vec![0.0, 2.0, 0.0]);
    x.index_put_(
        &[Some(idx(&[3]))],
        &ember::tensor([1.0f32, 2.0, 3.0]),
        false,
    );
    assert_eq!(x.version(), v0 + 2);
    assert_eq!(x.i(3).to_vec::<f32>(), vec![1.0, 2.0, 3.0]);
    // A view of a leaf that requires grad cannot be written in place.
    let w = rand(&[2, 2]);
    assert!(
        w.try_masked_fill_(&ember::tensor([true, false]), 0.0)
            .is_err()
    );
    // Writing through a view of a non-leaf goes through CopySlices.
    let w = rand(&[2, 2]);
    let y = w.mul(3.0);
    y.i(0).masked_fill_(&ember::tensor([true, false]), 0.0);
    assert_eq!(y.grad_fn().unwrap().name(), "CopySlices");
    y.sum().backward();
    assert_eq!(w.grad().unwrap().to_vec::<f64>(), vec![0.0, 3.0, 3.0, 3.0]);
}

#[test]
fn errors_match_pytorch() {
    let x = ember::randn([3, 2]);
    assert_eq!(
        err(ember::try_cat(&[], 0)),
        "ember.cat(): expected a non-empty list of Tensors"
    );
    assert_eq!(
        err(ember::try_cat(&[&x, &ember::zeros([3, 2, 4])], 0)),
        "Tensors must have same number of dimensions: got 2 and 3"
    );
    assert_eq!(
        err(ember::try_cat(&[&ember::scalar_tensor(1.0), &x], 0)),
        "zero-dimensional tensor (at position 0) cannot be concatenated"
    );
    assert_eq!(
        err(ember::try_cat(&[&x, &x], 2)),
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    );
    assert_eq!(ember::cat(&[&x, &ember::zeros([0])], 0).shape(), &[3, 2]);
    assert_eq!(
        err(ember::try_stack(&[], 0)),
        "stack expects a non-empty TensorList"
    );
    assert_eq!(
        err(ember::try_stack(&[&x, &ember::zeros([3, 3])], 0)),
        "stack expects each tensor to be equal size, but got [3, 2] at entry 0 and [3, 3] at entry 1"
    );
    assert_eq!(
        err(ember::zeros([3, 4, 2]).try_diag(0)),
        "diag(): Supports 1D or 2D tensors. Got 3D"
    );
    assert_eq!(
        errs(x.try_split_with_sizes([1, 1], 0)),
        "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 0), but got split_sizes=[1, 1]"
    );
    assert_eq!(
        errs(x.try_chunk(0, 0)),
        "chunk expects `chunks` to be greater than 0, got: 0"
    );
    assert_eq!(
        errs(x.try_split(0, 0)),
        "split_size can only be 0 if dimension size is 0, but got dimension size of 3"
    );
    assert_eq!(
        err(x.try_repeat([2])),
        "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
    );
    assert_eq!(
        err(x.try_roll([1, 2], [0])),
        "shifts and dimensions must align. shifts: 2, dims:1"
    );
    assert_eq!(
        err(ember::zeros([3]).try_tril(0)),
        "tril: input tensor must have at least 2 dimensions"
    );
    assert_eq!(
        err(x.try_flatten(1, 0)),
        "flatten() has invalid args: start_dim cannot come after end_dim"
    );
    assert_eq!(
        err(x.try_i(5)),
        "index 5 is out of bounds for dimension 0 with size 3"
    );
    assert_eq!(
        err(x.try_i((.., 5))),
        "index 5 is out of bounds for dimension 1 with size 2"
    );
    assert_eq!(
        err(x.try_i((1, 1, 1))),
        "too many indices for tensor of dimension 2"
    );
    assert_eq!(
        err(x.try_i(step_by(.., -1))),
        "step must be greater than zero"
    );
    assert_eq!(
        err(x.try_i(idx(&[5]))),
        "index 5 is out of bounds for dimension 0 with size 3"
    );
    assert_eq!(
        err(x.try_i(ember::tensor([1.0]))),
        "tensors used as indices must be long, int, byte or bool tensors"
    );
    assert_eq!(
        err(x.try_i(ember::tensor([true, false]))),
        "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 2] at index 0"
    );
    assert_eq!(
        err(x.try_i((&idx(&[0, 1]), &idx(&[0, 1, 1])))),
        "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]"
    );
    assert!(
        err(ember::scalar_tensor(5.0).try_i(0)).starts_with("invalid index of a 0-dim tensor.")
    );
    assert_eq!(
        err(x.try_index_select(0, &ember::tensor([1.0]))),
        "index_select(): Expected dtype int32 or int64 for index"
    );
    assert_eq!(
        err(x.try_index_select(0, &Tensor::from_vec(vec![1i64], [1, 1]))),
        "index_select(): Index is supposed to be a vector"
    );
    assert_eq!(
        err(x.try_index_select(0, &idx(&[-1]))),
        "index out of range in self"
    );
    assert_eq!(
        err(x.try_gather(0, &Tensor::from_vec(vec![5i64], [1, 1]))),
        "index 5 is out of bounds for dimension 0 with size 3"
    );
    assert_eq!(
        err(x.try_gather(0, &Tensor::from_vec(vec![-1i64], [1, 1]))),
        "index -1 is out of bounds for dimension 0 with size 3"
    );
    assert_eq!(
        err(x.try_gather(0, &idx(&[1]))),
        "Index tensor must have the same number of dimensions as input tensor"
    );
    assert_eq!(
        err(x.try_gather(0, &Tensor::from_vec(vec![1i64, 1, 1], [1, 3]))),
        "Size does not match at dimension 1 expected index [1, 3] to be no larger than self [3, 2] apart from dimension 0"
    );
    assert_eq!(
        err(x.try_masked_fill(&idx(&[1, 0]), 0.0)),
        "masked_fill_ only supports boolean masks, but got mask with dtype long int"
    );
    assert_eq!(
        err(x.try_masked_select(&ember::tensor([true, false, true, true]).view([4, 1]))),
        "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 0"
    );
    assert_eq!(
        err(x.try_index_add(0, &idx(&[0]), &ember::ones([2, 2]), 1)),
        "index_add_(): Number of indices (1) should be equal to source.size(dim): (2), for dim: 0"
    );
    assert_eq!(
        err(ember::zeros([2]).try_index_put_(
            &[Some(idx(&[3]))],
            &ember::scalar_tensor(1.0f32),
            false
        )),
        "index 3 is out of bounds for dimension 0 with size 2"
    );
}

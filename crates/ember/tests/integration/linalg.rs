//! The matrix-product family through the public API: gradients against finite differences
//! (contiguous, transposed and broadcast operands), the graphs `matmul` records (checked
//! against PyTorch's), bad inputs, and edge cases with numbers from PyTorch 2.15.
//! The decompositions are in `linalg_decomp.rs`.

use crate::common::{close, err, leaf, rand};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::{DType, Tensor};

/// The graph below a tensor, `Name(child,child)`, as the PyTorch script that produced the
/// expected strings prints it.
fn graph(t: &Tensor) -> String {
    fn rec(f: Option<ember::GradFn>) -> String {
        match f {
            None => "None".into(),
            Some(f) => {
                let kids: Vec<String> = f
                    .next_functions()
                    .into_iter()
                    .map(|(c, _)| rec(c))
                    .collect();
                if kids.is_empty() {
                    f.name()
                } else {
                    format!("{}({})", f.name(), kids.join(","))
                }
            }
        }
    }
    rec(t.grad_fn())
}

#[test]
fn gradcheck_products() {
    let (a, b) = (rand(&[3, 4]), rand(&[4, 2]));
    gradcheck(|x| Ok(vec![x[0].try_mm(&x[1])?]), &[a.clone(), b.clone()]).unwrap();
    // Transposed operands (read in place by the kernel).
    gradcheck(
        |x| Ok(vec![x[0].try_t()?.try_mm(&x[1].try_t()?)?]),
        &[rand(&[4, 3]), rand(&[2, 4])],
    )
    .unwrap();
    // Column-major inputs take the other branch of mm's backward.
    gradcheck(
        |x| {
            Ok(vec![
                x[0].try_t()?.try_contiguous()?.try_t()?.try_mm(&x[1])?,
            ])
        },
        &[a.clone(), b.clone()],
    )
    .unwrap();
    gradcheck(
        |x| Ok(vec![x[0].try_dot(&x[1])?]),
        &[rand(&[5]), rand(&[5])],
    )
    .unwrap();
    gradcheck(
        |x| Ok(vec![x[0].try_mv(&x[1])?]),
        &[rand(&[3, 4]), rand(&[4])],
    )
    .unwrap();
    gradcheck(
        |x| Ok(vec![x[0].try_t()?.try_mv(&x[1].try_narrow(0, 1, 3)?)?]),
        &[rand(&[3, 2]), rand(&[4])],
    )
    .unwrap();
    gradcheck(
        |x| Ok(vec![x[0].try_bmm(&x[1])?]),
        &[rand(&[2, 3, 4]), rand(&[2, 4, 2])],
    )
    .unwrap();
    gradcheck(
        |x| {
            Ok(vec![
                x[0].try_transpose(1, 2)?
                    .try_bmm(&x[1].try_expand([3, 4, 2])?)?,
            ])
        },
        &[rand(&[3, 4, 4]), rand(&[1, 4, 2])],
    )
    .unwrap();
    gradcheck(
        |x| Ok(vec![x[0].try_outer(&x[1])?]),
        &[rand(&[3]), rand(&[4])],
    )
    .unwrap();
    gradcheck(|x| Ok(vec![x[0].try_trace()?]), &[rand(&[3, 3])]).unwrap();
    gradcheck(|x| Ok(vec![x[0].try_t()?.try_trace()?]), &[rand(&[2, 4])]).unwrap();
}

#[test]
fn gradcheck_add_products() {
    let f = |x: &[Tensor]| Ok(vec![x[0].try_addmm_with(&x[1], &x[2], 0.5, -2.0)?]);
    gradcheck(f, &[rand(&[3, 2]), rand(&[3, 4]), rand(&[4, 2])]).unwrap();
    // A broadcast input, and a transposed mat1.
    let f = |x: &[Tensor]| {
        Ok(vec![x[0].try_addmm_with(
            &x[1].try_t()?,
            &x[2],
            1.0,
            1.0,
        )?])
    };
    gradcheck(f, &[rand(&[2]), rand(&[4, 3]), rand(&[4, 2])]).unwrap();
    let f = |x: &[Tensor]| Ok(vec![x[0].try_addbmm_with(&x[1], &x[2], 2.0, 0.5)?]);
    gradcheck(f, &[rand(&[3, 1]), rand(&[2, 3, 4]), rand(&[2, 4, 2])]).unwrap();
    let f = |x: &[Tensor]| Ok(vec![x[0].try_baddbmm_with(&x[1], &x[2], -1.0, 3.0)?]);
    gradcheck(f, &[rand(&[3, 2]), rand(&[2, 3, 4]), rand(&[2, 4, 2])]).unwrap();
    let f = |x: &[Tensor]| Ok(vec![x[0].try_addmv_with(&x[1], &x[2], 0.25, 1.5)?]);
    gradcheck(f, &[rand(&[1]), rand(&[3, 4]), rand(&[4])]).unwrap();
}

#[test]
fn gradcheck_matmul_cases() {
    let shapes: &[(&[usize], &[usize])] = &[
        (&[3], &[3]),
        (&[2, 3], &[3]),
        (&[3], &[3, 4]),
        (&[2, 3], &[3, 4]),
        (&[5, 2, 3], &[3]),
        (&[5, 2, 3], &[3, 4]),
        (&[3], &[5, 3, 4]),
        (&[2, 3], &[5, 3, 4]),
        (&[2, 1, 2, 3], &[3, 3, 4]),
        (&[1, 2, 3], &[5, 3, 4]),
        (&[5, 2, 3], &[1, 3, 4]),
    ];
    for (a, b) in shapes {
        gradcheck(|x| Ok(vec![x[0].try_matmul(&x[1])?]), &[rand(a), rand(b)])
            .unwrap_or_else(|e| panic!("{a:?} @ {b:?}: {e}"));
        // One operand not requiring grad takes other branches (folding, squeezing).
        let c = ember::randn_with(*b, DType::F64);
        gradcheck(|x| Ok(vec![x[0].try_matmul(&x[1])?]), &[rand(a), c])
            .unwrap_or_else(|e| panic!("{a:?} @ const {b:?}: {e}"));
    }
}

#[test]
fn gradgradcheck_products() {
    gradgradcheck(
        |x| Ok(vec![x[0].try_mm(&x[1])?]),
        &[rand(&[2, 3]), rand(&[3, 2])],
    )
    .unwrap();
    gradgradcheck(
        |x| Ok(vec![x[0].try_matmul(&x[1])?]),
        &[rand(&[2, 2, 3]), rand(&[3])],
    )
    .unwrap();
    gradgradcheck(
        |x| Ok(vec![x[0].try_addmm_with(&x[1], &x[2], 0.5, 2.0)?]),
        &[rand(&[2]), rand(&[2, 3]), rand(&[3, 2])],
    )
    .unwrap();
}

#[test]
fn matmul_records_pytorchs_graph() {
    // Generated by running `x @ y` in PyTorch 2.15 and printing `grad_fn` recursively.
    // (shape of x, shape of y, x requires grad, y requires grad, PyTorch's graph)
    type Case = (&'static [usize], &'static [usize], bool, bool, &'static str);
    let cases: &[Case] = &[
        (
            &[3],
            &[3],
            true,
            true,
            "DotBackward0(AccumulateGrad,AccumulateGrad)",
        ),
        (
            &[2, 3],
            &[3],
            true,
            true,
            "MvBackward0(AccumulateGrad,AccumulateGrad)",
        ),
        (
            &[3],
            &[3, 4],
            true,
            true,
            "SqueezeBackward4(MmBackward0(UnsqueezeBackward0(AccumulateGrad),AccumulateGrad))",
        ),
        (
            &[2, 3],
            &[3, 4],
            true,
            true,
            "MmBackward0(AccumulateGrad,AccumulateGrad)",
        ),
        (
            &[5, 2, 3],
            &[3],
            true,
            true,
            "UnsafeViewBackward0(MvBackward0(ViewBackward0(AccumulateGrad),AccumulateGrad))",
        ),
        (
            &[5, 2, 3],
            &[3, 4],
            true,
            true,
            "UnsafeViewBackward0(MmBackward0(ViewBackward0(AccumulateGrad),AccumulateGrad))",
        ),
        (
            &[3],
            &[5, 3, 4],
            true,
            true,
            "UnsafeViewBackward0(MvBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0(AccumulateGrad))),AccumulateGrad))",
        ),
        (
            &[2, 3],
            &[5, 3, 4],
            true,
            true,
            "CloneBackward0(TransposeBackward0(UnsafeViewBackward0(MmBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0(AccumulateGrad))),TBackward0(AccumulateGrad)))))",
        ),
        (
            &[2, 1, 2, 3],
            &[3, 3, 4],
            true,
            true,
            "UnsafeViewBackward0(BmmBackward0(UnsafeViewBackward0(CloneBackward0(ExpandBackward0(AccumulateGrad))),UnsafeViewBackward0(CloneBackward0(ExpandBackward0(AccumulateGrad)))))",
        ),
        (
            &[5, 2, 3],
            &[5, 3, 4],
            true,
            true,
            "UnsafeViewBackward0(BmmBackward0(ViewBackward0(ExpandBackward0(AccumulateGrad)),ViewBackward0(ExpandBackward0(AccumulateGrad))))",
        ),
        (
            &[1, 2, 3],
            &[5, 3, 4],
            true,
            true,
            "CloneBackward0(TransposeBackward0(UnsafeViewBackward0(MmBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0(AccumulateGrad))),TBackward0(SqueezeBackward1(AccumulateGrad))))))",
        ),
        (
            &[5, 2, 3],
            &[1, 3, 4],
            true,
            true,
            "UnsafeViewBackward0(MmBackward0(ViewBackward0(AccumulateGrad),SqueezeBackward1(AccumulateGrad)))",
        ),
        (
            &[4, 5, 2, 3],
            &[3, 4],
            true,
            true,
            "UnsafeViewBackward0(MmBackward0(ViewBackward0(AccumulateGrad),AccumulateGrad))",
        ),
        (
            &[3],
            &[3, 4],
            true,
            false,
            "SqueezeBackward4(MmBackward0(UnsqueezeBackward0(AccumulateGrad),None))",
        ),
        (
            &[3],
            &[5, 3, 4],
            true,
            false,
            "UnsafeViewBackward0(MvBackward0(None,AccumulateGrad))",
        ),
        (
            &[2, 3],
            &[5, 3, 4],
            true,
            false,
            "CloneBackward0(TransposeBackward0(UnsafeViewBackward0(MmBackward0(None,TBackward0(AccumulateGrad)))))",
        ),
        (
            &[1, 2, 3],
            &[5, 3, 4],
            true,
            false,
            "CloneBackward0(TransposeBackward0(UnsafeViewBackward0(MmBackward0(None,TBackward0(SqueezeBackward1(AccumulateGrad))))))",
        ),
        (
            &[5, 2, 3],
            &[1, 3, 4],
            true,
            false,
            "UnsafeViewBackward0(BmmBackward0(ViewBackward0(ExpandBackward0(AccumulateGrad)),None))",
        ),
        (
            &[3],
            &[3, 4],
            false,
            true,
            "SqueezeBackward4(MmBackward0(None,AccumulateGrad))",
        ),
        (
            &[3],
            &[5, 3, 4],
            false,
            true,
            "UnsafeViewBackward0(BmmBackward0(None,ViewBackward0(ExpandBackward0(AccumulateGrad))))",
        ),
        (
            &[2, 3],
            &[5, 3, 4],
            false,
            true,
            "UnsafeViewBackward0(BmmBackward0(None,ViewBackward0(ExpandBackward0(AccumulateGrad))))",
        ),
        (
            &[2, 1, 2, 3],
            &[3, 3, 4],
            false,
            true,
            "UnsafeViewBackward0(BmmBackward0(None,UnsafeViewBackward0(CloneBackward0(ExpandBackward0(AccumulateGrad)))))",
        ),
        (
            &[5, 2, 3],
            &[1, 3, 4],
            false,
            true,
            "UnsafeViewBackward0(MmBackward0(None,SqueezeBackward1(AccumulateGrad)))",
        ),
        (
            &[2, 3, 4],
            &[4],
            false,
            true,
            "UnsafeViewBackward0(MvBackward0(None,AccumulateGrad))",
        ),
    ];
    for &(a, b, ra, rb, want) in cases {
        let x = ember::randn_with(a, DType::F64).requires_grad_(ra);
        let y = ember::randn_with(b, DType::F64).requires_grad_(rb);
        let r = x.matmul(&y);
        assert_eq!(graph(&r), want, "{a:?} @ {b:?} ({ra}, {rb})");
        // `_unsafe_view` and the in-place squeeze leave a tensor that is not a view.
        assert!(!r.is_view(), "{a:?} @ {b:?}");
    }
}

#[test]
fn matmul_values_against_pytorch() {
    // torch.arange(12.).reshape(2, 1, 2, 3) @ torch.arange(6.).reshape(3, 2) - 1
    let a = ember::arange(12).to_dtype(DType::F64).view([2, 1, 2, 3]);
    let b = ember::arange(6).to_dtype(DType::F64).view([3, 2]) - 1.0;
    let r = a.matmul(&b);
    assert_eq!(r.shape(), &[2, 1, 2, 2]);
    assert_eq!(
        r.to_vec::<f64>(),
        vec![7., 10., 16., 28., 25., 46., 34., 64.]
    );
    // A 1-D left operand against a batch: (3,) @ (2, 3, 2).
    let v = Tensor::from_vec(vec![1.0f64, -1.0, 2.0], [3]);
    let bb = ember::arange(12).to_dtype(DType::F64).view([2, 3, 2]);
    assert_eq!(v.matmul(&bb).to_vec::<f64>(), vec![6., 8., 18., 20.]);
    // Integer matmul through the integer kernel, wrapping like PyTorch's.
    let i = ember::tensor([[1i64, 2], [3, 4]]);
    assert_eq!(i.matmul(&i).to_vec::<i64>(), vec![7, 10, 15, 22]);
    let big = ember::full([1, 2], 100).to_dtype(DType::I8);
    let col = ember::full([2, 1], 2).to_dtype(DType::I8);
    // 100*2 + 100*2 = 400 wraps to -112 in int8.
    assert_eq!(big.mm(&col).to_vec::<i8>(), vec![-112]);
    // Half precision is computed in f32 and rounded once.
    let h = ember::tensor([[0.1f64, 0.2], [0.3, 0.4]]).to_dtype(DType::F16);
    let hv = h.mm(&h).to_dtype(DType::F64).to_vec::<f64>();
    assert!(close(&hv, &[0.07, 0.1, 0.15, 0.22], 2e-3), "{hv:?}");
    // Empty inner dimension: zeros.
    let z = ember::ones([3, 5, 0]).matmul(&ember::ones([0, 2]));
    assert_eq!(z.shape(), &[3, 5, 2]);
    assert_eq!(z.to_vec::<f32>(), vec![0.0; 30]);
}

#[test]
fn add_products_against_pytorch() {
    let m1 = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
    let m2 = Tensor::from_vec(vec![1.0f64, 0.0, -1.0, 2.0, 0.5, 1.0], [3, 2]);
    let inp = Tensor::from_vec(vec![10.0f64, 20.0], [2]);
    // torch.addmm(inp, m1, m2, beta=0.5, alpha=2)
    let r = inp.addmm_with(&m1, &m2, 0.5, 2.0);
    assert_eq!(r.to_vec::<f64>(), vec![6.0, 24.0, 9.0, 42.0]);
    // beta = 0 ignores NaN in the input.
    let nan = ember::full([2], f64::NAN).to_dtype(DType::F64);
    assert!(
        nan.addmm_with(&m1, &m2, 0.0, 1.0)
            .to_vec::<f64>()
            .iter()
            .all(|v| v.is_finite())
    );
    // Integers truncate beta and alpha: torch.addmm(ones(4, long), ones(2, 3), ones(3, 4), beta=0.5) = 3.
    let i = ember::ones_with([4], DType::I64);
    let r = i.addmm_with(
        &ember::ones_with([2, 3], DType::I64),
        &ember::ones_with([3, 4], DType::I64),
        0.5,
        1.0,
    );
    assert_eq!(r.to_vec::<i64>(), vec![3; 8]);
    // torch.addbmm(ones(2, 2, long), ones(2, 2, 3), ones(2, 3, 2), beta=2, alpha=3) = 20
    let r = ember::ones_with([2, 2], DType::I64).addbmm_with(
        &ember::ones_with([2, 2, 3], DType::I64),
        &ember::ones_with([2, 3, 2], DType::I64),
        2.0,
        3.0,
    );
    assert_eq!(r.to_vec::<i64>(), vec![20; 4]);
    // An empty batch leaves beta * input.
    let r =
        ember::ones([2, 2]).addbmm_with(&ember::ones([0, 2, 3]), &ember::ones([0, 3, 2]), 3.0, 1.0);
    assert_eq!(r.to_vec::<f32>(), vec![3.0; 4]);
    let r = ember::ones([1]).addmv_with(&ember::ones([2, 3]), &ember::ones([3]), 2.0, 0.5);
    assert_eq!(r.to_vec::<f32>(), vec![3.5, 3.5]);
    let r = ember::ones([2, 1]).baddbmm(&ember::ones([3, 2, 4]), &ember::ones([3, 4, 5]));
    assert_eq!(r.shape(), &[3, 2, 5]);
    assert_eq!(r.to_vec::<f32>(), vec![5.0; 30]);
}

#[test]
fn node_names() {
    let (a, b, c) = (rand(&[2, 3]), rand(&[3, 4]), rand(&[4]));
    assert_eq!(a.mm(&b).grad_fn().unwrap().name(), "MmBackward0");
    assert_eq!(c.addmm(&a, &b).grad_fn().unwrap().name(), "AddmmBackward0");
    assert_eq!(
        a.mv(&b.select(1, 0)).grad_fn().unwrap().name(),
        "MvBackward0"
    );
    assert_eq!(c.dot(&c).grad_fn().unwrap().name(), "DotBackward0");
    assert_eq!(c.outer(&c).grad_fn().unwrap().name(), "MulBackward0");
    assert_eq!(b.trace().grad_fn().unwrap().name(), "TraceBackward0");
    let (p, q) = (rand(&[2, 2, 3]), rand(&[2, 3, 4]));
    assert_eq!(p.bmm(&q).grad_fn().unwrap().name(), "BmmBackward0");
    assert_eq!(
        rand(&[2, 4]).baddbmm(&p, &q).grad_fn().unwrap().name(),
        "BaddbmmBackward0"
    );
    assert_eq!(
        rand(&[2, 4]).addbmm(&p, &q).grad_fn().unwrap().name(),
        "AddbmmBackward0"
    );
    assert_eq!(
        rand(&[2]).addmv(&a, &rand(&[3])).grad_fn().unwrap().name(),
        "AddmvBackward0"
    );
}

#[test]
fn saved_operands_follow_pytorch() {
    // Only the operand the other's gradient needs is saved: x.mm(w) with x constant keeps x
    // and not w, so updating w in place before backward is fine, updating x is not.
    let x = ember::randn_with([2, 3], DType::F64);
    let w = rand(&[3, 4]);
    let y = x.mm(&w);
    ember::no_grad_scope(|| w.sub_(1.0));
    y.sum().backward();
    let y = x.mm(&w);
    x.add_(1.0);
    let e = y.sum().try_backward().unwrap_err().to_string();
    assert!(e.contains("modified by an inplace operation"), "{e}");
}

#[test]
fn trace_and_outer_dtypes() {
    assert_eq!(
        ember::ones_with([3, 3], DType::I32).trace().dtype(),
        DType::I64
    );
    assert_eq!(ember::ones_with([3, 3], DType::U8).trace().item::<i64>(), 3);
    assert_eq!(
        ember::ones_with([3, 3], DType::F16).trace().dtype(),
        DType::F16
    );
    assert_eq!(ember::ones([0, 3]).trace().item::<f32>(), 0.0);
    let o = ember::arange(2).outer(&ember::tensor([0.5, 1.0]));
    assert_eq!(o.dtype(), DType::F32);
    assert_eq!(o.to_vec::<f32>(), vec![0.0, 0.0, 0.5, 1.0]);
    let b = ember::tensor([true, false]).outer(&ember::tensor([true, true]));
    assert_eq!(b.to_vec::<bool>(), vec![true, true, false, false]);
    // Gradient of trace on a rectangular matrix is the (rectangular) identity times g.
    let x = leaf(vec![0.0; 6], &[2, 3]);
    x.trace().mul(3.0).backward();
    assert_eq!(
        x.grad().unwrap().to_vec::<f64>(),
        vec![3., 0., 0., 0., 3., 0.]
    );
}

#[test]
fn bad_inputs() {
    let f = |s: &[usize]| ember::zeros(s);
    let d = |s: &[usize]| ember::zeros_with(s, DType::F64);
    let cases: Vec<(ember::Result<Tensor>, &str)> = vec![
        (
            f(&[3]).try_dot(&d(&[3])),
            "dot : expected both vectors to have same dtype, but found Float and Double",
        ),
        (
            f(&[3]).try_dot(&f(&[4])),
            "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements",
        ),
        (
            f(&[3, 1]).try_dot(&f(&[3])),
            "1D tensors expected, but got 2D and 1D tensors",
        ),
        (
            ember::ones_with([2], DType::Bool).try_dot(&ember::ones_with([2], DType::Bool)),
            "\"dot\" not implemented for 'Bool'",
        ),
        (
            f(&[2, 3]).try_mv(&d(&[3])),
            "addmv input tensors must have the same dtype, but got Double, Float, and Double",
        ),
        (
            f(&[2, 3]).try_mv(&f(&[4])),
            "size mismatch, got input (2), mat (2x3), vec (4)",
        ),
        (
            f(&[3]).try_mv(&f(&[3])),
            "vector + matrix @ vector expected, got 1, 1, 1",
        ),
        (
            f(&[2, 3]).try_mm(&d(&[3, 4])),
            "expected m1 and m2 to have the same dtype, but got: float != double",
        ),
        (
            ember::zeros_with([2, 3], DType::I32).try_mm(&ember::zeros_with([3, 4], DType::I64)),
            "but got: int != long int",
        ),
        (
            f(&[2, 3]).try_mm(&f(&[4, 5])),
            "mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
        ),
        (
            f(&[3]).try_mm(&f(&[3, 4])),
            "mm: self must be a matrix, got 1-D tensor",
        ),
        (
            f(&[2, 3]).try_mm(&f(&[3])),
            "mm: mat2 must be a matrix, got 1-D tensor",
        ),
        (
            ember::ones_with([2, 2], DType::Bool).try_mm(&ember::ones_with([2, 2], DType::Bool)),
            "\"addmm_impl_cpu_\" not implemented for 'Bool'",
        ),
        (
            f(&[2, 2, 3]).try_bmm(&d(&[2, 3, 4])),
            "expected scalar type Float but found Double",
        ),
        (
            f(&[2, 2, 3]).try_bmm(&f(&[3, 3, 4])),
            "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3].",
        ),
        (
            f(&[2, 3]).try_bmm(&f(&[3, 4])),
            "batch1 must be a 3D tensor",
        ),
        (
            ember::scalar_tensor(1.0).try_matmul(&f(&[3])),
            "both arguments to matmul need to be at least 1D, but they are 0D and 1D",
        ),
        (
            f(&[3]).try_matmul(&f(&[4])),
            "inconsistent tensor size, expected tensor [3] and src [4]",
        ),
        (
            f(&[3]).try_matmul(&f(&[4, 5])),
            "mm: mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)",
        ),
        (
            f(&[2, 2, 3]).try_matmul(&f(&[4, 5])),
            "mm: mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)",
        ),
        (
            f(&[4]).try_matmul(&f(&[2, 3, 5])),
            "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3].",
        ),
        (
            f(&[2, 2, 3]).try_matmul(&f(&[3, 3, 5])),
            "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
        ),
        (
            f(&[2, 2, 3]).try_matmul(&d(&[2, 3, 4])),
            "expected scalar type Float but found Double",
        ),
        (
            f(&[3]).try_addmm(&f(&[2, 3]), &f(&[3, 4])),
            "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [3]",
        ),
        (
            d(&[4]).try_addmm(&f(&[2, 3]), &f(&[3, 4])),
            "self and mat2 must have the same dtype, but got Double and Float",
        ),
        (
            f(&[4]).try_addmm(&d(&[2, 3]), &f(&[3, 4])),
            "mat1 and mat2 must have the same dtype, but got Double and Float",
        ),
        (
            f(&[4]).try_addmm(&f(&[2, 3]), &f(&[4, 4])),
            "addmm: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x4)",
        ),
        (
            f(&[4]).try_addmm(&f(&[3]), &f(&[3, 4])),
            "addmm: self must be a matrix, got 1-D tensor",
        ),
        (
            f(&[3]).try_addmv(&f(&[2, 3]), &f(&[3])),
            "size mismatch, got input (3), mat (2x3), vec (3)",
        ),
        (
            f(&[1, 2]).try_addmv(&f(&[2, 3]), &f(&[3])),
            "vector + matrix @ vector expected, got 2, 2, 1",
        ),
        (
            d(&[2]).try_addmv(&f(&[2, 3]), &f(&[3])),
            "addmv input tensors must have the same dtype, but got Double, Float, and Float",
        ),
        (
            f(&[2, 4]).try_addbmm(&f(&[3, 2, 3]), &f(&[2, 3, 4])),
            "batch1 and batch2 must have same number of batches, got 3 and 2",
        ),
        (
            f(&[2, 4]).try_addbmm(&f(&[3, 2, 3]), &f(&[3, 4, 4])),
            "Incompatible matrix sizes for bmm (2x3 and 4x4)",
        ),
        (
            f(&[2, 4]).try_addbmm(&f(&[2, 3]), &f(&[3, 4])),
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
        ),
        (
            f(&[2, 2, 4]).try_baddbmm(&f(&[3, 2, 3]), &f(&[3, 3, 4])),
            "The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  Target sizes: [3, 2, 4].  Tensor sizes: [2, 2, 4]",
        ),
        (
            d(&[3, 2, 4]).try_baddbmm(&f(&[3, 2, 3]), &f(&[3, 3, 4])),
            "Input dtypes must be the same, got: input double, batch1: float, batch2: float",
        ),
        (
            f(&[2, 1]).try_outer(&f(&[3])),
            "outer: Expected 1-D argument self, but got 2-D",
        ),
        (
            f(&[2]).try_outer(&f(&[])),
            "outer: Expected 1-D argument vec2, but got 0-D",
        ),
        (
            f(&[2, 3, 3]).try_trace(),
            "trace: expected a matrix, but got tensor with dim 3",
        ),
        (
            ember::ones_with([2, 2], DType::Bool).try_trace(),
            "\"trace\" not implemented for 'Bool'",
        ),
    ];
    for (r, want) in cases {
        let e = err(r);
        assert!(e.contains(want), "{e:?} does not contain {want:?}");
    }
}

//! Dense linear algebra through the public API: `inverse`, `det`, `linalg_solve`,
//! `linalg_cholesky`, `linalg_solve_triangular` — gradients against finite differences,
//! PyTorch's values and errors (singular and non-positive-definite inputs), batches and
//! broadcasting.

use crate::common::{close, err, leaf, rand};
use ember::autograd::{gradcheck, gradgradcheck};
use ember::{DType, Tensor};

/// A well-conditioned matrix built from `x` (so finite differences stay inside the domain).
fn well_conditioned(x: &Tensor) -> ember::Result<Tensor> {
    let n = x.shape()[x.dim() - 1];
    x.try_add(&ember::eye(n).to_dtype(DType::F64).mul(3.0))
}

/// A symmetric positive-definite matrix built from `x`.
fn spd(x: &Tensor) -> ember::Result<Tensor> {
    let n = x.shape()[x.dim() - 1];
    x.try_matmul(&x.try_transpose(-2, -1)?)?
        .try_add(&ember::eye(n).to_dtype(DType::F64))
}

/// Two matrices as a batch (f64).
fn pair(a: &Tensor, b: &Tensor) -> Tensor {
    let mut v = a.to_vec::<f64>();
    v.extend(b.to_vec::<f64>());
    let mut shape = vec![2];
    shape.extend_from_slice(a.shape());
    Tensor::from_vec(v, shape.as_slice())
}

fn singular3() -> Tensor {
    Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 2.0, 4.0, 6.0, 1.0, 0.0, 1.0], [3, 3])
}

#[test]
fn inverse_values_and_gradients() {
    let a = leaf(vec![4.0, 7.0, 2.0, 6.0], &[2, 2]);
    let inv = a.inverse();
    assert!(close(&inv.to_vec::<f64>(), &[0.6, -0.7, -0.2, 0.4], 1e-12));
    assert_eq!(inv.grad_fn().unwrap().name(), "LinalgInvExBackward0");
    inv.sum().backward();
    assert!(close(
        &a.grad().unwrap().to_vec::<f64>(),
        &[0.04, -0.08, -0.03, 0.06],
        1e-12
    ));
    gradcheck(
        |x| Ok(vec![well_conditioned(&x[0])?.try_inverse()?]),
        &[rand(&[2, 3, 3])],
    )
    .unwrap();
    gradcheck(
        |x| {
            Ok(vec![
                well_conditioned(&x[0].try_transpose(-2, -1)?)?.try_linalg_inv()?,
            ])
        },
        &[rand(&[3, 3])],
    )
    .unwrap();
    gradgradcheck(
        |x| Ok(vec![well_conditioned(&x[0])?.try_inverse()?]),
        &[rand(&[2, 2])],
    )
    .unwrap();
    // Empty matrices and batches.
    assert_eq!(ember::zeros([0, 0]).inverse().shape(), &[0, 0]);
    assert_eq!(ember::zeros([2, 0, 0]).inverse().shape(), &[2, 0, 0]);
    // f32 too.
    let f = ember::tensor([[2.0, 0.0], [0.0, 8.0]]).inverse();
    assert_eq!(
        (f.dtype(), f.to_vec::<f32>()),
        (DType::F32, vec![0.5, 0.0, 0.0, 0.125])
    );
}

#[test]
fn inverse_of_singular_names_lapacks_pivot() {
    let e = err(singular3().try_inverse());
    assert_eq!(
        e,
        "linalg.inv: The diagonal element 3 is zero, the inversion could not be completed because the input matrix is singular."
    );
    let e = err(ember::zeros([3, 3]).try_inverse());
    assert!(e.contains("The diagonal element 1 is zero"), "{e}");
    let e = err(ember::tensor([[1.0, 2.0], [2.0, 4.0]]).try_linalg_inv());
    assert!(e.contains("The diagonal element 2 is zero"), "{e}");
    let batch = pair(&ember::eye(3), &singular3());
    let e = err(batch.try_inverse());
    assert!(
        e.starts_with("linalg.inv: (Batch element 1): The diagonal element 3 is zero"),
        "{e}"
    );
}

#[test]
fn det_values_and_gradients() {
    let b = leaf(vec![2., 1., 0., 1., 3., 1., 0., 1., 4.], &[3, 3]);
    let d = b.det();
    assert!((d.item::<f64>() - 18.0).abs() < 1e-12);
    assert_eq!(d.grad_fn().unwrap().name(), "LinalgDetBackward0");
    d.backward();
    let want = [11., -4., 1., -4., 8., -2., 1., -2., 5.];
    assert!(close(&b.grad().unwrap().to_vec::<f64>(), &want, 1e-12));
    gradcheck(|x| Ok(vec![x[0].try_det()?]), &[rand(&[2, 3, 3])]).unwrap();
    gradcheck(
        |x| Ok(vec![x[0].try_t()?.try_linalg_det()?]),
        &[rand(&[4, 4])],
    )
    .unwrap();
    gradgradcheck(
        |x| Ok(vec![well_conditioned(&x[0])?.try_det()?]),
        &[rand(&[3, 3])],
    )
    .unwrap();
    // Empty: the empty product.
    assert_eq!(ember::zeros([0, 0]).det().item::<f32>(), 1.0);
    assert_eq!(
        ember::zeros([2, 0, 0]).det().to_vec::<f32>(),
        vec![1.0, 1.0]
    );
}

#[test]
fn det_of_singular_matrices() {
    // Exactly zero, with LAPACK's sign: PyTorch gives -0.0 here.
    let d = singular3().det().item::<f64>();
    assert_eq!(d, 0.0);
    assert!(d.is_sign_negative());
    assert_eq!(ember::zeros([3, 3]).det().item::<f32>(), 0.0);
    // A plain backward gives PyTorch's zero gradient (g * det * A^-T with det = 0)...
    let s = leaf(vec![1.0, 2.0, 2.0, 4.0], &[2, 2]);
    s.det().backward();
    assert_eq!(s.grad().unwrap().to_vec::<f64>(), vec![0.0; 4]);
    // ...while create_graph goes through the SVD and gives the true cofactors.
    let g = &ember::autograd::grad_with(
        &[&s.det()],
        &[&s],
        ember::autograd::GradOptions {
            create_graph: true,
            ..Default::default()
        },
    )
    .unwrap()[0];
    let g = g.as_ref().unwrap().to_vec::<f64>();
    assert!(close(&g, &[4.0, -2.0, -2.0, 1.0], 1e-10), "{g:?}");
    // A batch mixing singular and regular matrices.
    let m = pair(&ember::eye(2).mul(3.0), &s.detach()).requires_grad_(true);
    let g = &ember::autograd::grad_with(
        &[&m.det().sum()],
        &[&m],
        ember::autograd::GradOptions {
            create_graph: true,
            ..Default::default()
        },
    )
    .unwrap()[0];
    let g = g.as_ref().unwrap().to_vec::<f64>();
    assert!(
        close(&g, &[3., 0., 0., 3., 4., -2., -2., 1.], 1e-10),
        "{g:?}"
    );
}

#[test]
fn solve_values_and_gradients() {
    let a = Tensor::from_vec(vec![3.0f64, 1.0, 1.0, 2.0], [2, 2]);
    let x = a.linalg_solve(&Tensor::from_vec(vec![9.0f64, 8.0], [2]));
    assert!(close(&x.to_vec::<f64>(), &[2.0, 3.0], 1e-12));
    // Vector, batched vector (B of A's shape less its last dim), matrix, broadcast batches.
    let shapes: &[(&[usize], &[usize], &[usize])] = &[
        (&[3, 3], &[3], &[3]),
        (&[2, 3, 3], &[2, 3], &[2, 3]),
        (&[2, 3, 3], &[3], &[2, 3]),
        (&[3, 3], &[3, 2], &[3, 2]),
        (&[2, 3, 3], &[3, 2], &[2, 3, 2]),
        (&[3, 3], &[4, 3, 2], &[4, 3, 2]),
        (&[2, 1, 3, 3], &[5, 3, 2], &[2, 5, 3, 2]),
    ];
    for (sa, sb, so) in shapes {
        let f = |x: &[Tensor]| Ok(vec![well_conditioned(&x[0])?.try_linalg_solve(&x[1])?]);
        let out = f(&[rand(sa), rand(sb)]).unwrap();
        assert_eq!(out[0].shape(), *so, "{sa:?} \\ {sb:?}");
        assert_eq!(out[0].grad_fn().unwrap().name(), "LinalgSolveExBackward0");
        gradcheck(f, &[rand(sa), rand(sb)]).unwrap_or_else(|e| panic!("{sa:?} \\ {sb:?}: {e}"));
    }
    gradgradcheck(
        |x| Ok(vec![well_conditioned(&x[0])?.try_linalg_solve(&x[1])?]),
        &[rand(&[2, 2]), rand(&[2])],
    )
    .unwrap();
    // A singular system.
    let e = err(singular3().try_linalg_solve(&ember::ones_with([3], DType::F64)));
    assert_eq!(
        e,
        "ember.linalg.solve: The solver failed because the input matrix is singular."
    );
    let batch = pair(&ember::eye(3), &singular3());
    let e = err(batch.try_linalg_solve(&ember::ones_with([3], DType::F64)));
    assert!(e.contains("(Batch element 1): The solver failed"), "{e}");
}

#[test]
fn cholesky_values_and_gradients() {
    let c = leaf(
        vec![4., 12., -16., 12., 37., -43., -16., -43., 98.],
        &[3, 3],
    );
    let l = c.linalg_cholesky();
    assert_eq!(l.to_vec::<f64>(), vec![2., 0., 0., 6., 1., 0., -8., 5., 3.]);
    assert_eq!(l.grad_fn().unwrap().name(), "LinalgCholeskyExBackward0");
    l.sum().backward();
    let want = [
        30.666666666666664,
        -7.583333333333332,
        1.9166666666666665,
        -7.583333333333333,
        2.1666666666666665,
        -0.3333333333333333,
        1.9166666666666665,
        -0.33333333333333326,
        0.16666666666666666,
    ];
    assert!(close(&c.grad().unwrap().to_vec::<f64>(), &want, 1e-10));
    c.set_grad(None);
    let u = c.linalg_cholesky_with(true);
    assert_eq!(u.to_vec::<f64>(), vec![2., 6., -8., 0., 1., 5., 0., 0., 3.]);
    u.mul(&ember::arange(9).to_dtype(DType::F64).view([3, 3]))
        .sum()
        .backward();
    let want = [
        328.0833333333333,
        -84.91666666666666,
        18.333333333333332,
        -84.91666666666666,
        22.83333333333333,
        -4.166666666666666,
        18.333333333333332,
        -4.166666666666666,
        1.3333333333333333,
    ];
    assert!(close(&c.grad().unwrap().to_vec::<f64>(), &want, 1e-10));
    // Only the lower triangle is read.
    let nonsym = ember::tensor([[4.0, 100.0], [2.0, 3.0]]);
    assert_eq!(
        nonsym.linalg_cholesky().to_vec::<f32>(),
        vec![2.0, 0.0, 1.0, 2f32.sqrt()]
    );
    for upper in [false, true] {
        let f = move |x: &[Tensor]| Ok(vec![spd(&x[0])?.try_linalg_cholesky_with(upper)?]);
        gradcheck(f, &[rand(&[2, 3, 3])]).unwrap();
        gradgradcheck(f, &[rand(&[2, 2])]).unwrap();
    }
}

#[test]
fn cholesky_of_non_positive_definite() {
    let e = err(ember::tensor([[1.0, 2.0], [2.0, 1.0]]).try_linalg_cholesky());
    assert_eq!(
        e,
        "linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order 2 is not positive-definite)."
    );
    let e = err(ember::tensor([[-1.0, 0.0], [0.0, 1.0]]).try_linalg_cholesky());
    assert!(e.contains("the leading minor of order 1 is"), "{e}");
    let e = err(ember::tensor([[f32::NAN, 2.0], [2.0, 3.0]]).try_linalg_cholesky());
    assert!(e.contains("the leading minor of order 1 is"), "{e}");
    let batch = pair(&ember::eye(2), &ember::tensor([[1.0, 2.0], [2.0, 1.0]]));
    let e = err(batch.try_linalg_cholesky());
    assert!(
        e.contains("(Batch element 1): The factorization could not be completed"),
        "{e}"
    );
}

#[test]
fn solve_triangular_values_and_gradients() {
    let a = ember::tensor([[2.0, 0.0], [1.0, 1.0]]);
    let x = a.linalg_solve_triangular(&ember::tensor([[2.0], [3.0]]), false, true, false);
    assert_eq!(x.to_vec::<f32>(), vec![1.0, 2.0]);
    // Right-hand side: X A = B.
    let x = a.linalg_solve_triangular(&ember::tensor([[2.0, 3.0]]), false, false, false);
    assert_eq!(x.to_vec::<f32>(), vec![-0.5, 3.0]);
    // Unit diagonal, and the unused triangle is ignored.
    let a = ember::tensor([[5.0, 9.0], [1.0, 7.0]]);
    let x = a.linalg_solve_triangular(&ember::tensor([[2.0], [3.0]]), false, true, true);
    assert_eq!(x.to_vec::<f32>(), vec![2.0, 1.0]);
    for (upper, left, unit) in [
        (false, true, false),
        (true, true, false),
        (false, false, false),
        (true, false, true),
    ] {
        let f = move |x: &[Tensor]| {
            let a = well_conditioned(&x[0])?;
            Ok(vec![
                a.try_linalg_solve_triangular(&x[1], upper, left, unit)?,
            ])
        };
        let b = if left {
            rand(&[2, 3, 2])
        } else {
            rand(&[2, 2, 3])
        };
        gradcheck(f, &[rand(&[3, 3]), b]).unwrap_or_else(|e| panic!("{upper} {left} {unit}: {e}"));
    }
}

#[test]
fn bad_inputs() {
    let f = |s: &[usize]| ember::zeros(s);
    let t = |s: &[usize], dt: DType| ember::zeros_with(s, dt);
    let cases: Vec<(ember::Result<Tensor>, &str)> = vec![
        (
            f(&[2, 3]).try_inverse(),
            "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices",
        ),
        (
            f(&[3]).try_inverse(),
            "linalg.inv: The input tensor A must have at least 2 dimensions.",
        ),
        (
            t(&[3, 3], DType::I64).try_inverse(),
            "linalg.inv: Expected a floating point or complex tensor as input. Got Long",
        ),
        (
            t(&[3, 3], DType::F16).try_inverse(),
            "linalg.inv: Low precision dtypes not supported. Got Half",
        ),
        (
            t(&[3, 4], DType::I64).try_inverse(),
            "A must be batches of square matrices, but they are 3 by 4 matrices",
        ),
        (
            f(&[2, 3]).try_det(),
            "linalg.det: A must be batches of square matrices, but they are 2 by 3 matrices",
        ),
        (
            f(&[3]).try_det(),
            "linalg.det: The input tensor A must have at least 2 dimensions.",
        ),
        (
            t(&[3, 3], DType::I64).try_det(),
            "linalg.det: Expected a floating point or complex tensor as input. Got Long",
        ),
        (
            t(&[3, 3], DType::BF16).try_det(),
            "\"lu_cpu\" not implemented for 'BFloat16'",
        ),
        (
            f(&[3, 3]).try_linalg_solve(&f(&[4])),
            "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x1)",
        ),
        (f(&[3, 3]).try_linalg_solve(&f(&[4, 2])), "(3x3 and 4x2)"),
        (
            f(&[3, 4]).try_linalg_solve(&f(&[3, 2])),
            "linalg.solve: A must be batches of square matrices, but they are 3 by 4 matrices",
        ),
        (
            f(&[2, 3, 3]).try_linalg_solve(&f(&[3, 3, 2])),
            "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
        ),
        (
            f(&[3]).try_linalg_solve(&f(&[3])),
            "linalg.solve: The input tensor A must have at least 2 dimensions.",
        ),
        (
            f(&[3, 3]).try_linalg_solve(&t(&[3], DType::F64)),
            "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B of type Double instead",
        ),
        (
            t(&[3, 4], DType::I64).try_linalg_solve(&t(&[3], DType::I64)),
            "linalg.solve: Expected a floating point or complex tensor as input. Got Long",
        ),
        (
            f(&[3, 3]).try_linalg_solve(&f(&[])),
            "linalg.solve: The input tensor B must have at least 2 dimensions.",
        ),
        (
            t(&[3, 3], DType::F16).try_linalg_solve(&t(&[3], DType::F16)),
            "\"lu_cpu\" not implemented for 'Half'",
        ),
        (
            f(&[2, 3]).try_linalg_cholesky(),
            "linalg.cholesky: A must be batches of square matrices, but they are 2 by 3 matrices",
        ),
        (
            f(&[3]).try_linalg_cholesky(),
            "linalg.cholesky: The input tensor A must have at least 2 dimensions.",
        ),
        (
            t(&[3, 3], DType::I64).try_linalg_cholesky(),
            "linalg.cholesky: Expected a floating point or complex tensor as input. Got Long",
        ),
        (
            t(&[3, 3], DType::F16).try_linalg_cholesky(),
            "\"cholesky_cpu\" not implemented for 'Half'",
        ),
        (
            f(&[2, 2]).try_linalg_solve_triangular(&f(&[3, 1]), false, true, false),
            "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1)",
        ),
        (
            f(&[2, 2]).try_linalg_solve_triangular(&f(&[3, 1]), false, false, false),
            "for the equation XA = B (2x2 and 3x1)",
        ),
        (
            f(&[2, 2]).try_linalg_solve_triangular(&f(&[2]), false, true, false),
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions.",
        ),
        (
            f(&[2, 3]).try_linalg_solve_triangular(&f(&[2, 1]), false, true, false),
            "linalg.solve_triangular: A must be batches of square matrices, but they are 2 by 3 matrices",
        ),
        (
            t(&[2, 2], DType::I64).try_linalg_solve_triangular(
                &t(&[2, 1], DType::I64),
                false,
                true,
                false,
            ),
            "\"triangular_solve_cpu\" not implemented for 'Long'",
        ),
    ];
    for (r, want) in cases {
        let e = err(r);
        assert!(e.contains(want), "{e:?} does not contain {want:?}");
    }
}

//! `torch.linalg`: the linear-algebra namespace, as free functions over the [`Tensor`]
//! methods of the same name (`linalg::inv(&a)` is `a.linalg_inv()`).
//!
//! ```
//! let a = ember::tensor([[4.0, 2.0], [2.0, 2.0]]);
//! let l = ember::linalg::cholesky(&a);
//! assert_eq!(l.to_vec::<f32>(), vec![2.0, 0.0, 1.0, 1.0]);
//! let x = ember::linalg::solve(&a, &ember::tensor([6.0, 4.0]));
//! assert_eq!(x.to_vec::<f32>(), vec![1.0, 1.0]);
//! ```

use crate::Tensor;
use crate::error::Result;
use ember_derive::panicking;

/// `torch.linalg.inv(A)`, see [`Tensor::try_linalg_inv`].
///
/// ```
/// let a = ember::tensor([[2.0, 0.0], [0.0, 4.0]]);
/// assert_eq!(ember::linalg::try_inv(&a).unwrap().to_vec::<f32>(), vec![0.5, 0.0, 0.0, 0.25]);
/// ```
///
/// ```
/// assert_eq!(ember::linalg::inv(&ember::eye(2)).to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
///
/// # Errors
/// As [`Tensor::try_linalg_inv`].
#[panicking(must_use)]
pub fn try_inv(a: &Tensor) -> Result<Tensor> {
    a.try_linalg_inv()
}

/// `torch.linalg.det(A)`, see [`Tensor::try_linalg_det`].
///
/// ```
/// let a = ember::tensor([[2.0, 0.0], [0.0, 4.0]]);
/// assert_eq!(ember::linalg::try_det(&a).unwrap().item::<f32>(), 8.0);
/// ```
///
/// ```
/// assert_eq!(ember::linalg::det(&ember::eye(3)).item::<f32>(), 1.0);
/// ```
///
/// # Errors
/// As [`Tensor::try_linalg_det`].
#[panicking(must_use)]
pub fn try_det(a: &Tensor) -> Result<Tensor> {
    a.try_linalg_det()
}

/// `torch.linalg.solve(A, B)`, see [`Tensor::try_linalg_solve`].
///
/// ```
/// let a = ember::tensor([[2.0, 0.0], [0.0, 4.0]]);
/// let x = ember::linalg::try_solve(&a, &ember::tensor([2.0, 2.0])).unwrap();
/// assert_eq!(x.to_vec::<f32>(), vec![1.0, 0.5]);
/// ```
///
/// ```
/// let x = ember::linalg::solve(&ember::eye(2), &ember::tensor([3.0, 4.0]));
/// assert_eq!(x.to_vec::<f32>(), vec![3.0, 4.0]);
/// ```
///
/// # Errors
/// As [`Tensor::try_linalg_solve`].
#[panicking(must_use)]
pub fn try_solve(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.try_linalg_solve(b)
}

/// `torch.linalg.cholesky(A)`, see [`Tensor::try_linalg_cholesky`]; for `upper=True`, use
/// [`Tensor::try_linalg_cholesky_with`].
///
/// ```
/// let l = ember::linalg::try_cholesky(&ember::tensor([[9.0]])).unwrap();
/// assert_eq!(l.item::<f32>(), 3.0);
/// ```
///
/// ```
/// assert_eq!(ember::linalg::cholesky(&ember::eye(2)).to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
///
/// # Errors
/// As [`Tensor::try_linalg_cholesky`].
#[panicking(must_use)]
pub fn try_cholesky(a: &Tensor) -> Result<Tensor> {
    a.try_linalg_cholesky()
}

/// `torch.linalg.solve_triangular(A, B, upper=upper, left=left,
/// unitriangular=unitriangular)`, see [`Tensor::try_linalg_solve_triangular`].
///
/// ```
/// let a = ember::tensor([[2.0, 0.0], [1.0, 1.0]]);
/// let x = ember::linalg::try_solve_triangular(&a, &ember::tensor([[2.0], [3.0]]), false, true, false);
/// assert_eq!(x.unwrap().to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
///
/// ```
/// let x = ember::linalg::solve_triangular(&ember::eye(2), &ember::ones([2, 1]), true, true, false);
/// assert_eq!(x.to_vec::<f32>(), vec![1.0, 1.0]);
/// ```
///
/// # Errors
/// As [`Tensor::try_linalg_solve_triangular`].
#[panicking(must_use)]
pub fn try_solve_triangular(
    a: &Tensor,
    b: &Tensor,
    upper: bool,
    left: bool,
    unitriangular: bool,
) -> Result<Tensor> {
    a.try_linalg_solve_triangular(b, upper, left, unitriangular)
}

/// `torch.linalg.vector_norm(x, ord, dim, keepdim)`, see [`Tensor::try_norm_with`]
/// (`dims` empty: over all elements).
///
/// ```
/// let x = ember::tensor([[3.0, -4.0], [0.0, 1.0]]);
/// let n = ember::linalg::try_vector_norm(&x, 2.0, 1, false).unwrap();
/// assert_eq!(n.to_vec::<f32>(), vec![5.0, 1.0]);
/// ```
///
/// ```
/// let x = ember::tensor([1.0, -2.0, 2.0]);
/// assert_eq!(ember::linalg::vector_norm(&x, 2.0, (), false).item::<f32>(), 3.0);
/// ```
///
/// # Errors
/// As [`Tensor::try_norm_with`].
#[panicking(must_use)]
pub fn try_vector_norm(
    x: &Tensor,
    ord: f64,
    dims: impl crate::IntList,
    keepdim: bool,
) -> Result<Tensor> {
    x.try_norm_with(ord, dims, keepdim)
}

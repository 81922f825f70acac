//! Dense linear algebra through faer: `inverse`/`linalg_inv`, `det`/`linalg_det`,
//! `linalg_solve`, `linalg_cholesky` and `linalg_solve_triangular`, batched over leading
//! dims, for f32 and f64 (PyTorch supports no half types here either), with PyTorch's
//! messages for singular and non-positive-definite inputs.

use crate::error::{Result, bail};
use crate::ops::linalg::decomp_formulas as f;
use crate::shape::broadcast_shapes;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Tensor};
use ember_derive::panicking;

/// `"(Batch element i): "` when the input is a batch, as PyTorch's linalg errors say.
fn batch_prefix(batched: bool, i: usize) -> String {
    if batched {
        format!("(Batch element {i}): ")
    } else {
        String::new()
    }
}

/// The index, within the batch of `own` (right-aligned, broadcast), of element `i` of the
/// broadcast batch `full`.
fn own_batch_index(i: usize, full: &[usize], own: &[usize]) -> usize {
    let mut idx = vec![0usize; full.len()];
    let mut r = i;
    for d in (0..full.len()).rev() {
        idx[d] = r % full[d].max(1);
        r /= full[d].max(1);
    }
    let lead = full.len() - own.len();
    own.iter().enumerate().fold(0, |acc, (d, &s)| {
        acc * s + if s == 1 { 0 } else { idx[lead + d] }
    })
}

impl Tensor {
    /// PyTorch's `checkIsMatrix` + `squareCheckInputs` for linalg ops.
    fn check_square(&self, op: &str) -> Result<()> {
        if self.dim() < 2 {
            bail!(
                Shape,
                "{op}: The input tensor A must have at least 2 dimensions."
            );
        }
        let (r, c) = (self.shape()[self.dim() - 2], self.shape()[self.dim() - 1]);
        if r != c {
            bail!(
                Shape,
                "{op}: A must be batches of square matrices, but they are {r} by {c} matrices"
            );
        }
        Ok(())
    }

    fn check_linalg_float(&self, op: &str) -> Result<()> {
        if !self.dtype().is_floating_point() {
            bail!(
                DType,
                "{op}: Expected a floating point or complex tensor as input. Got {}",
                self.dtype().scalar_type_name()
            );
        }
        Ok(())
    }

    /// Errors for the half types, which no LAPACK kernel takes.
    fn check_lapack_dtype(&self, kernel: &str) -> Result<()> {
        if matches!(self.dtype(), DType::F16 | DType::BF16) || !self.dtype().is_floating_point() {
            bail!(
                DType,
                "\"{kernel}\" not implemented for '{}'",
                self.dtype().scalar_type_name()
            );
        }
        Ok(())
    }

    fn batch_shape(&self) -> &[usize] {
        &self.shape()[..self.dim().saturating_sub(2)]
    }

    /// The inverse of each matrix, without history.
    fn inverse_raw(&self) -> Result<Tensor> {
        let out = Tensor::alloc(self.shape(), self.dtype(), self.device())?;
        if self.numel() == 0 {
            return Ok(out);
        }
        let failed = kernel::inverse(self.arg(), &out)?;
        if let Some((bi, info)) = failed {
            bail!(
                Linalg,
                "linalg.inv: {}The diagonal element {info} is zero, the inversion could not be completed because the input matrix is singular.",
                batch_prefix(self.dim() > 2, bi)
            );
        }
        Ok(out)
    }

    /// For `det`'s backward: the inverse with zero LU pivots replaced by epsilon.
    pub(crate) fn inverse_perturbed_raw(&self) -> Result<Tensor> {
        let a = self.detach();
        let out = Tensor::alloc(a.shape(), a.dtype(), a.device())?;
        if a.numel() > 0 {
            kernel::inverse_perturbed(a.arg(), &out)?;
        }
        Ok(out)
    }

    /// For `det`'s backward: the cofactor matrix `adj(A)^T`, singular or not; no history.
    pub(crate) fn cofactor_raw(&self) -> Result<Tensor> {
        let a = self.detach();
        let out = Tensor::alloc(a.shape(), a.dtype(), a.device())?;
        if a.numel() > 0 {
            kernel::cofactor(a.arg(), &out)?;
        }
        Ok(out)
    }

    /// `torch.linalg.inv(A)`: the inverse of a square matrix or of each in a batch.
    ///
    /// ```
    /// let a = ember::tensor([[2.0, 0.0], [0.0, 4.0]]);
    /// assert_eq!(a.linalg_inv().to_vec::<f32>(), vec![0.5, 0.0, 0.0, 0.25]);
    /// let s = ember::tensor([[1.0, 2.0], [2.0, 4.0]]);
    /// assert!(s.try_linalg_inv().unwrap_err().to_string().contains("singular"));
    /// ```
    ///
    /// ```
    /// let a = ember::tensor([[4.0f64]]);
    /// assert_eq!(a.linalg_inv().item::<f64>(), 0.25);
    /// ```
    ///
    /// # Errors
    /// If `A` is not a (batch of) square matrices, not f32/f64, or singular ("The diagonal
    /// element k is zero", k being LAPACK's first zero pivot).
    #[panicking(must_use)]
    pub fn try_linalg_inv(&self) -> Result<Tensor> {
        self.check_square("linalg.inv")?;
        self.check_linalg_float("linalg.inv")?;
        if matches!(self.dtype(), DType::F16 | DType::BF16) {
            bail!(
                DType,
                "linalg.inv: Low precision dtypes not supported. Got {}",
                self.dtype().scalar_type_name()
            );
        }
        let out = self.inverse_raw()?;
        if needs_grad(&[self]) {
            record(f::LinalgInvExBackward, &[self], &[&out], &[Save::Output(0)]);
        }
        Ok(out)
    }

    /// `torch.inverse(A)`, the same as [`Tensor::try_linalg_inv`].
    ///
    /// ```
    /// let a = ember::tensor([[1.0, 1.0], [0.0, 1.0]]);
    /// assert_eq!(a.try_inverse().unwrap().to_vec::<f32>(), vec![1.0, -1.0, 0.0, 1.0]);
    /// ```
    ///
    /// ```
    /// let a = ember::eye(3);
    /// assert_eq!(a.inverse().to_vec::<f32>(), a.to_vec::<f32>());
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_linalg_inv`].
    #[panicking(must_use)]
    pub fn try_inverse(&self) -> Result<Tensor> {
        self.try_linalg_inv()
    }

    /// `torch.linalg.det(A)`: the determinant of a square matrix or of each in a batch;
    /// exactly zero for a singular matrix.
    ///
    /// ```
    /// let a = ember::tensor_with([[1.0, 2.0], [3.0, 4.0]], ember::DType::F64);
    /// assert!((a.linalg_det().item::<f64>() + 2.0).abs() < 1e-12);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::eye(3).linalg_det().item::<f32>(), 1.0);
    /// ```
    ///
    /// # Errors
    /// If `A` is not a (batch of) square matrices or not f32/f64.
    #[panicking(must_use)]
    pub fn try_linalg_det(&self) -> Result<Tensor> {
        self.check_square("linalg.det")?;
        self.check_linalg_float("linalg.det")?;
        self.check_lapack_dtype("lu_cpu")?;
        let out = Tensor::alloc(self.batch_shape(), self.dtype(), self.device())?;
        if self.numel() == 0 {
            // The determinant of an empty matrix is the empty product.
            kernel::fill(out.arg(), crate::Scalar::Float(1.0))?;
        } else {
            kernel::det(self.arg(), &out)?;
        }
        if needs_grad(&[self]) {
            record(
                f::LinalgDetBackward,
                &[self],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `torch.det(A)`, the same as [`Tensor::try_linalg_det`].
    ///
    /// ```
    /// let s = ember::tensor([[1.0, 2.0], [2.0, 4.0]]);
    /// assert_eq!(s.try_det().unwrap().item::<f32>(), 0.0);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::tensor([[3.0]]).det().item::<f32>(), 3.0);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_linalg_det`].
    #[panicking(must_use)]
    pub fn try_det(&self) -> Result<Tensor> {
        self.try_linalg_det()
    }

    /// `torch.linalg.solve(A, B)`: `X` with `A X = B`. `B` is a vector (or a batch of them)
    /// when it is 1-D or has `A`'s shape without its last dim; batch dims broadcast.
    ///
    /// ```
    /// let a = ember::tensor([[2.0, 0.0], [0.0, 4.0]]);
    /// let x = a.linalg_solve(&ember::tensor([2.0, 2.0]));
    /// assert_eq!(x.to_vec::<f32>(), vec![1.0, 0.5]);
    /// ```
    ///
    /// ```
    /// let a = ember::tensor([[1.0, 1.0], [0.0, 1.0]]);
    /// let x = a.linalg_solve(&ember::tensor([[3.0], [1.0]]));
    /// assert_eq!(x.to_vec::<f32>(), vec![2.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If the dtypes are not float or differ, `A` is not a (batch of) square matrices, the
    /// shapes do not fit, or `A` is singular.
    #[panicking(must_use)]
    pub fn try_linalg_solve(&self, b: &Tensor) -> Result<Tensor> {
        self.check_same_device(b)?;
        self.check_linalg_float("linalg.solve")?;
        if self.dtype() != b.dtype() {
            bail!(
                DType,
                "linalg.solve: Expected A and B to have the same dtype, but found A of type {} and B of type {} instead",
                self.dtype().scalar_type_name(),
                b.dtype().scalar_type_name()
            );
        }
        self.check_square("linalg.solve")?;
        let n = self.shape()[self.dim() - 1];
        let vector = b.dim() == 1
            || (b.dim() + 1 == self.dim() && b.shape() == &self.shape()[..self.dim() - 1]);
        let bm = if vector {
            b.try_unsqueeze(-1)?
        } else {
            b.clone()
        };
        if bm.dim() < 2 {
            bail!(
                Shape,
                "linalg.solve: The input tensor B must have at least 2 dimensions."
            );
        }
        let (br, bc) = (bm.shape()[bm.dim() - 2], bm.shape()[bm.dim() - 1]);
        if br != n {
            bail!(
                Shape,
                "linalg.solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {br}x{bc})"
            );
        }
        self.check_lapack_dtype("lu_cpu")?;
        // B's batch first: PyTorch's message names B as tensor a.
        let batch = broadcast_shapes(bm.batch_shape(), self.batch_shape())?;
        let mut ashape = batch.to_vec();
        ashape.extend([n, n]);
        let mut xshape = batch.to_vec();
        xshape.extend([n, bc]);
        let out = Tensor::alloc(&xshape, self.dtype(), self.device())?;
        if out.numel() > 0 {
            let al = self.layout().expand(&ashape)?;
            let bl = bm.layout().expand(&xshape)?;
            let failed = kernel::solve(self.at(&al), bm.at(&bl), &out)?;
            if let Some(bi) = failed {
                let own = own_batch_index(bi, &batch, self.batch_shape());
                bail!(
                    Linalg,
                    "ember.linalg.solve: {}The solver failed because the input matrix is singular.",
                    batch_prefix(self.dim() > 2, own)
                );
            }
        }
        let out = if vector {
            out.reshaped_raw(&xshape[..xshape.len() - 1])
        } else {
            out
        };
        if needs_grad(&[self, b]) {
            record(
                f::LinalgSolveExBackward { vector },
                &[self, b],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `torch.linalg.cholesky(A)`: the lower-triangular `L` with `A = L L^T`, reading only
    /// `A`'s lower triangle.
    ///
    /// ```
    /// let a = ember::tensor([[4.0, 2.0], [2.0, 2.0]]);
    /// assert_eq!(a.linalg_cholesky().to_vec::<f32>(), vec![2.0, 0.0, 1.0, 1.0]);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::eye(2).linalg_cholesky().to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_linalg_cholesky_with`].
    #[panicking(must_use)]
    pub fn try_linalg_cholesky(&self) -> Result<Tensor> {
        self.try_linalg_cholesky_with(false)
    }

    /// `torch.linalg.cholesky(A, upper=upper)`: with `upper`, the upper-triangular
    /// `U = L^T` with `A = U^T U`.
    ///
    /// ```
    /// let a = ember::tensor([[4.0, 2.0], [2.0, 2.0]]);
    /// assert_eq!(a.linalg_cholesky_with(true).to_vec::<f32>(), vec![2.0, 1.0, 0.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If `A` is not a (batch of) square f32/f64 matrices, or not positive-definite.
    #[panicking(must_use)]
    pub fn try_linalg_cholesky_with(&self, upper: bool) -> Result<Tensor> {
        self.check_square("linalg.cholesky")?;
        self.check_linalg_float("linalg.cholesky")?;
        self.check_lapack_dtype("cholesky_cpu")?;
        let out = Tensor::alloc(self.shape(), self.dtype(), self.device())?;
        if self.numel() > 0 {
            let failed = kernel::cholesky(self.arg(), &out, upper)?;
            if let Some((bi, order)) = failed {
                bail!(
                    Linalg,
                    "linalg.cholesky: {}The factorization could not be completed because the input is not positive-definite (the leading minor of order {order} is not positive-definite).",
                    batch_prefix(self.dim() > 2, bi)
                );
            }
        }
        if needs_grad(&[self]) {
            record(
                f::LinalgCholeskyExBackward { upper },
                &[self],
                &[&out],
                &[Save::Output(0)],
            );
        }
        Ok(out)
    }

    /// `torch.linalg.solve_triangular(A, B, upper=upper, left=left,
    /// unitriangular=unitriangular)`: `X` with `A X = B` (`left`) or `X A = B`, reading only
    /// the `upper` (or lower) triangle of `A`, and its diagonal as ones with `unitriangular`.
    /// `B` is cast to `A`'s dtype and batch dims broadcast.
    ///
    /// ```
    /// let a = ember::tensor([[2.0, 0.0], [1.0, 1.0]]);
    /// let x = a.linalg_solve_triangular(&ember::tensor([[2.0], [3.0]]), false, true, false);
    /// assert_eq!(x.to_vec::<f32>(), vec![1.0, 2.0]);
    /// ```
    ///
    /// ```
    /// let a = ember::tensor([[2.0, 1.0], [0.0, 1.0]]);
    /// let x = a.linalg_solve_triangular(&ember::tensor([[1.0, 1.0]]), true, false, false);
    /// assert_eq!(x.to_vec::<f32>(), vec![0.5, 0.5]);
    /// ```
    ///
    /// # Errors
    /// If `A` is not a (batch of) square f32/f64 matrices, `B` is not at least 2-D, or the
    /// shapes do not fit.
    #[panicking(must_use)]
    pub fn try_linalg_solve_triangular(
        &self,
        b: &Tensor,
        upper: bool,
        left: bool,
        unitriangular: bool,
    ) -> Result<Tensor> {
        self.check_same_device(b)?;
        self.check_lapack_dtype("triangular_solve_cpu")?;
        let op = "linalg.solve_triangular";
        for (t, name) in [(self, "A"), (b, "B")] {
            if t.dim() < 2 {
                bail!(
                    Shape,
                    "{op}: The input tensor {name} must have at least 2 dimensions."
                );
            }
        }
        self.check_square(op)?;
        let n = self.shape()[self.dim() - 1];
        let (br, bc) = (b.shape()[b.dim() - 2], b.shape()[b.dim() - 1]);
        if (left && br != n) || (!left && bc != n) {
            bail!(
                Shape,
                "{op}: Incompatible shapes of A and B for the equation {} ({n}x{n} and {br}x{bc})",
                if left { "AX = B" } else { "XA = B" }
            );
        }
        let b = b.try_to_dtype(self.dtype())?;
        let batch = broadcast_shapes(b.batch_shape(), self.batch_shape())?;
        let mut ashape = batch.to_vec();
        ashape.extend([n, n]);
        let mut xshape = batch.to_vec();
        xshape.extend([br, bc]);
        let out = Tensor::alloc(&xshape, self.dtype(), self.device())?;
        if out.numel() > 0 {
            let al = self.layout().expand(&ashape)?;
            let bl = b.layout().expand(&xshape)?;
            kernel::solve_triangular(self.at(&al), b.at(&bl), &out, upper, left, unitriangular)?;
        }
        if needs_grad(&[self, &b]) {
            record(
                f::LinalgSolveTriangularBackward {
                    upper,
                    left,
                    unit: unitriangular,
                },
                &[self, &b],
                &[&out],
                &[Save::Tensor(self), Save::Output(0)],
            );
        }
        Ok(out)
    }
}

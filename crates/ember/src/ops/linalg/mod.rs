//! The matrix-product family: `dot`, `mv`, `mm`, `bmm`, `outer`, `trace` here; `addmm`,
//! `addbmm`, `baddbmm`, `addmv` in `addmm.rs`; `matmul` (the `@` operator) in `matmul.rs`;
//! and the dense linear algebra through faer (`inverse`, `det`, `linalg_solve`,
//! `linalg_cholesky`, `linalg_solve_triangular`) in `decomp.rs`.
//!
//! Every product runs on the one batched kernel `kernel::matmul`, which reads its operands at
//! their own strides (Note [Strided matmul operands]): a vector is a 1×n or n×1 matrix view, a
//! transposed matrix is the same memory with swapped strides.

mod addmm;
mod decomp;
pub(crate) mod decomp_formulas;
pub(crate) mod formulas;
mod matmul;
use ember_derive::panicking;
pub(crate) use matmul::unsafe_view;

use crate::error::{Result, bail};
use crate::layout::Layout;
use crate::ops::linalg::formulas as f;
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Tensor};

/// A `rows × cols` matrix of dtype `dt` with ones where `lo <= j - i <= hi`, zeros elsewhere:
/// the identity for `(0, 0)`, the `tril(k)` mask for `(i64::MIN, k)`, `triu(k)` for
/// `(k, i64::MAX)`.
pub(crate) fn tri_mask(
    rows: usize,
    cols: usize,
    lo: i64,
    hi: i64,
    like: &Tensor,
) -> Result<Tensor> {
    let mut v = vec![0f64; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            let d = j as i64 - i as i64;
            if lo <= d && d <= hi {
                v[i * cols + j] = 1.0;
            }
        }
    }
    Tensor::try_from_vec(v, [rows, cols])?
        .try_to_dtype_raw(like.dtype())?
        .try_to_device(like.device())
}

/// A 2-D (or batched) layout seen as `[batch, rows, cols]`: a batch of one for a matrix.
fn as_batch(l: &Layout) -> Layout {
    if l.ndim() == 3 {
        l.clone()
    } else {
        l.unsqueeze(0)
    }
}

impl Tensor {
    /// `tril(k)` (`lower`) or `triu(k)` through a constant mask, so it is differentiable (the
    /// gradient is masked the same way).
    pub(crate) fn tri_masked(&self, k: i64, lower: bool) -> Result<Tensor> {
        let n = self.dim();
        let (r, c) = (self.shape()[n - 2], self.shape()[n - 1]);
        let (lo, hi) = if lower { (i64::MIN, k) } else { (k, i64::MAX) };
        self.try_mul(&tri_mask(r, c, lo, hi, self)?)
    }

    /// Batched `alpha * a @ b (+ beta * acc)` with `a`, `b` read at the 3-D layouts `al`, `bl`,
    /// into a fresh contiguous `[B, M, N]` tensor; no history. `acc` is broadcast to
    /// `[B, M, N]` (or `[M, N]`) and ignored when `beta == 0`, as in PyTorch.
    pub(crate) fn bmm_raw(
        a: &Tensor,
        al: &Layout,
        b: &Tensor,
        bl: &Layout,
        alpha: f64,
        acc: Option<(&Tensor, f64)>,
    ) -> Result<Tensor> {
        let (batch, m, n) = (al.shape[0], al.shape[1], bl.shape[2]);
        let dt = a.dtype();
        let out = Tensor::alloc(&[batch, m, n], dt, a.device())?;
        let beta = match acc {
            Some((c, beta)) if beta != 0.0 => {
                let cl = if c.dim() == 2 {
                    c.layout().unsqueeze(0).expand(&[batch, m, n])?
                } else {
                    c.layout().expand(&[batch, m, n])?
                };
                kernel::copy(c.at(&cl), out.arg())?;
                Some(beta)
            }
            _ => None,
        };
        kernel::matmul(a.at(al), b.at(bl), out.arg(), alpha, beta)?;
        Ok(out)
    }

    /// The same fresh (non-view) data seen with another contiguous shape.
    pub(crate) fn reshaped_raw(&self, shape: &[usize]) -> Tensor {
        let mut l = Layout::contiguous(shape);
        l.offset = self.layout().offset;
        self.alias(l)
    }

    fn check_bool_product(&self, op: &str) -> Result<()> {
        if self.dtype() == DType::Bool {
            bail!(DType, "\"{op}\" not implemented for 'Bool'");
        }
        Ok(())
    }

    /// `torch.dot(self, other)`: the inner product of two 1-D tensors of one dtype.
    ///
    /// ```
    /// let x = ember::tensor([1.0, 2.0, 3.0]);
    /// assert_eq!(x.dot(&ember::tensor([4.0, 5.0, 6.0])).item::<f32>(), 32.0);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::tensor([1, 2]).dot(&ember::tensor([3, 4])).item::<i64>(), 11);
    /// ```
    ///
    /// # Errors
    /// If an operand is not 1-D, the dtypes differ, or the lengths differ.
    #[panicking(must_use)]
    pub fn try_dot(&self, other: &Tensor) -> Result<Tensor> {
        self.check_same_device(other)?;
        if self.dim() != 1 || other.dim() != 1 {
            bail!(
                Shape,
                "1D tensors expected, but got {}D and {}D tensors",
                self.dim(),
                other.dim()
            );
        }
        if self.dtype() != other.dtype() {
            bail!(
                DType,
                "dot : expected both vectors to have same dtype, but found {} and {}",
                self.dtype().scalar_type_name(),
                other.dtype().scalar_type_name()
            );
        }
        let (n, m) = (self.numel(), other.numel());
        if n != m {
            bail!(
                Shape,
                "inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, but got {n} and {m} elements respectively"
            );
        }
        self.check_bool_product("dot")?;
        let al = self.layout().unsqueeze(0).unsqueeze(0);
        let bl = other.layout().unsqueeze(0).unsqueeze(2);
        let out = Tensor::bmm_raw(self, &al, other, &bl, 1.0, None)?.reshaped_raw(&[]);
        if needs_grad(&[self, other]) {
            let pair = f::Pair::of(self, other);
            record(
                f::DotBackward(pair),
                &[self, other],
                &[&out],
                &pair.saves(self, other),
            );
        }
        Ok(out)
    }

    /// `torch.mv(self, vec)`: matrix-vector product.
    ///
    /// ```
    /// let a = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
    /// assert_eq!(a.mv(&ember::tensor([1.0, 1.0])).to_vec::<f32>(), vec![3.0, 7.0]);
    /// ```
    ///
    /// ```
    /// let a = ember::ones([2, 3]);
    /// assert_eq!(a.mv(&ember::ones([3])).to_vec::<f32>(), vec![3.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// If `self` is not 2-D or `vec` not 1-D, the sizes do not match, or the dtypes differ.
    #[panicking(must_use)]
    pub fn try_mv(&self, vec: &Tensor) -> Result<Tensor> {
        self.check_same_device(vec)?;
        if self.dim() != 2 || vec.dim() != 1 {
            bail!(
                Shape,
                "vector + matrix @ vector expected, got 1, {}, {}",
                self.dim(),
                vec.dim()
            );
        }
        let (m, k) = (self.shape()[0], self.shape()[1]);
        if vec.shape()[0] != k {
            bail!(
                Shape,
                "size mismatch, got input ({m}), mat ({m}x{k}), vec ({})",
                vec.shape()[0]
            );
        }
        if self.dtype() != vec.dtype() {
            // The result is allocated with the vector's dtype and checked with the operands.
            let v = vec.dtype().scalar_type_name();
            bail!(
                DType,
                "addmv input tensors must have the same dtype, but got {v}, {}, and {v}",
                self.dtype().scalar_type_name()
            );
        }
        self.check_bool_product("addmv_impl_cpu")?;
        let al = self.layout().unsqueeze(0);
        let bl = vec.layout().unsqueeze(0).unsqueeze(2);
        let out = Tensor::bmm_raw(self, &al, vec, &bl, 1.0, None)?.reshaped_raw(&[m]);
        if needs_grad(&[self, vec]) {
            let pair = f::Pair::of(self, vec);
            record(
                f::MvBackward(pair),
                &[self, vec],
                &[&out],
                &pair.saves(self, vec),
            );
        }
        Ok(out)
    }

    /// Checks `mm`-style operands: both matrices, inner sizes equal, one dtype.
    fn check_mm(&self, mat2: &Tensor, op: &str) -> Result<()> {
        self.check_same_device(mat2)?;
        for (t, name) in [(self, "self"), (mat2, "mat2")] {
            if t.dim() != 2 {
                bail!(
                    Shape,
                    "{op}: {name} must be a matrix, got {}-D tensor",
                    t.dim()
                );
            }
        }
        let (a, b) = (self.shape(), mat2.shape());
        if a[1] != b[0] {
            bail!(
                Shape,
                "{op}: mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
                a[0],
                a[1],
                b[0],
                b[1]
            );
        }
        Ok(())
    }

    /// `torch.mm(self, mat2)`: the product of two matrices of one dtype (integers too).
    /// Transposed operands are read in place, without a copy.
    ///
    /// ```
    /// let a = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
    /// let b = a.mm(&a.t());
    /// assert_eq!(b.to_vec::<f32>(), vec![5.0, 11.0, 11.0, 25.0]);
    /// ```
    ///
    /// ```
    /// let x = ember::ones([64, 1000]);
    /// let w = ember::ones([1000, 100]);
    /// assert_eq!(x.mm(&w).shape(), &[64, 100]);
    /// ```
    ///
    /// # Errors
    /// If an operand is not 2-D, the inner sizes differ, or the dtypes differ.
    #[panicking(must_use)]
    pub fn try_mm(&self, mat2: &Tensor) -> Result<Tensor> {
        self.check_mm(mat2, "mm")?;
        if self.dtype() != mat2.dtype() {
            bail!(
                DType,
                "expected m1 and m2 to have the same dtype, but got: {} != {}",
                self.dtype().cpp_type_name(),
                mat2.dtype().cpp_type_name()
            );
        }
        self.check_bool_product("addmm_impl_cpu_")?;
        let (m, n) = (self.shape()[0], mat2.shape()[1]);
        let out = Tensor::bmm_raw(
            self,
            &as_batch(self.layout()),
            mat2,
            &as_batch(mat2.layout()),
            1.0,
            None,
        )?
        .reshaped_raw(&[m, n]);
        if needs_grad(&[self, mat2]) {
            let pair = f::Pair::of(self, mat2);
            record(
                f::MmBackward {
                    pair,
                    mat1: f::MatGeom::of(self),
                    mat2: f::MatGeom::of(mat2),
                },
                &[self, mat2],
                &[&out],
                &pair.saves(self, mat2),
            );
        }
        Ok(out)
    }

    /// Checks `bmm`-style operands: 3-D, matching batch and inner sizes, one dtype.
    fn check_bmm(&self, mat2: &Tensor) -> Result<()> {
        self.check_same_device(mat2)?;
        for (t, name) in [(self, "batch1"), (mat2, "batch2")] {
            if t.dim() != 3 {
                bail!(Shape, "{name} must be a 3D tensor");
            }
        }
        let (a, b) = (self.shape(), mat2.shape());
        if b[0] != a[0] || b[1] != a[2] {
            bail!(
                Shape,
                "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
                a[0],
                a[2],
                b[0],
                b[1]
            );
        }
        if self.dtype() != mat2.dtype() {
            bail!(
                DType,
                "expected scalar type {} but found {}",
                self.dtype().scalar_type_name(),
                mat2.dtype().scalar_type_name()
            );
        }
        Ok(())
    }

    /// `torch.bmm(self, mat2)`: a batch of matrix products, `[b, n, m] @ [b, m, p]`.
    ///
    /// ```
    /// let a = ember::ones([4, 2, 3]);
    /// let b = ember::ones([4, 3, 5]);
    /// assert_eq!(a.bmm(&b).shape(), &[4, 2, 5]);
    /// ```
    ///
    /// ```
    /// let a = ember::ones([2, 1, 3]);
    /// assert_eq!(a.bmm(&a.transpose(1, 2)).to_vec::<f32>(), vec![3.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// If an operand is not 3-D, the batch or inner sizes differ, or the dtypes differ.
    #[panicking(must_use)]
    pub fn try_bmm(&self, mat2: &Tensor) -> Result<Tensor> {
        self.check_bmm(mat2)?;
        self.check_bool_product("bmm")?;
        let out = Tensor::bmm_raw(self, self.layout(), mat2, mat2.layout(), 1.0, None)?;
        if needs_grad(&[self, mat2]) {
            let pair = f::Pair::of(self, mat2);
            record(
                f::BmmBackward(pair),
                &[self, mat2],
                &[&out],
                &pair.saves(self, mat2),
            );
        }
        Ok(out)
    }

    /// `torch.outer(self, vec2)`: `self[i] * vec2[j]`, a broadcast multiplication (so its
    /// node is `MulBackward0`, as in PyTorch), with type promotion.
    ///
    /// ```
    /// let o = ember::tensor([1.0, 2.0]).outer(&ember::tensor([1.0, 10.0, 100.0]));
    /// assert_eq!(o.shape(), &[2, 3]);
    /// assert_eq!(o.to_vec::<f32>(), vec![1.0, 10.0, 100.0, 2.0, 20.0, 200.0]);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::ones([2]).outer(&ember::ones([4])).shape(), &[2, 4]);
    /// ```
    ///
    /// # Errors
    /// If an operand is not 1-D.
    #[panicking(must_use)]
    pub fn try_outer(&self, vec2: &Tensor) -> Result<Tensor> {
        for (t, name) in [(self, "self"), (vec2, "vec2")] {
            if t.dim() != 1 {
                bail!(
                    Shape,
                    "outer: Expected 1-D argument {name}, but got {}-D",
                    t.dim()
                );
            }
        }
        self.try_reshape([self.numel() as i64, 1])?.try_mul(vec2)
    }

    /// `torch.ger(self, vec2)`: the old name of [`Tensor::try_outer`].
    ///
    /// ```
    /// assert_eq!(ember::ones([2]).try_ger(&ember::ones([4])).unwrap().shape(), &[2, 4]);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::ones([2]).ger(&ember::ones([4])).shape(), &[2, 4]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_outer`].
    #[panicking(must_use)]
    pub fn try_ger(&self, vec2: &Tensor) -> Result<Tensor> {
        self.try_outer(vec2)
    }

    /// `torch.trace(self)`: the sum of a matrix's diagonal (integers sum to int64).
    ///
    /// ```
    /// let x = ember::arange(6).view([2, 3]);
    /// assert_eq!(x.trace().item::<i64>(), 4);
    /// ```
    ///
    /// ```
    /// assert_eq!(ember::eye(3).trace().item::<f32>(), 3.0);
    /// ```
    ///
    /// # Errors
    /// If `self` is not 2-D, or is bool.
    #[panicking(must_use)]
    pub fn try_trace(&self) -> Result<Tensor> {
        if self.dim() != 2 {
            bail!(
                Shape,
                "trace: expected a matrix, but got tensor with dim {}",
                self.dim()
            );
        }
        self.check_bool_product("trace")?;
        let (r, c) = (self.shape()[0], self.shape()[1]);
        let l = self.layout();
        let diag = Layout {
            shape: [r.min(c)].into_iter().collect(),
            strides: [l.strides[0] + l.strides[1]].into_iter().collect(),
            offset: l.offset,
        };
        let diag = self.alias(diag);
        let out = diag.reduce_raw(crate::ops::ReduceOp::Sum, &[], false)?;
        if needs_grad(&[self]) {
            record(f::TraceBackward { rows: r, cols: c }, &[self], &[&out], &[]);
        }
        Ok(out)
    }
}

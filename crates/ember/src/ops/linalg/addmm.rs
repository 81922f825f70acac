//! `beta * input + alpha * product`: `addmm`, `addbmm`, `baddbmm`, `addmv`. The input is
//! broadcast to the product's shape and ignored when `beta == 0` (so NaN in it does not
//! spread), as in PyTorch; for integer tensors `beta` and `alpha` are truncated to integers.

use super::as_batch;
use crate::error::{Result, bail};
use crate::ops::linalg::formulas as f;
use crate::tensor::graph::node::{needs_grad, record};
use crate::{DType, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// The error of expanding `self` to `shape`, if any (PyTorch's `expand_size` check).
    fn check_expandable(&self, shape: &[usize]) -> Result<()> {
        let s: Vec<i64> = shape.iter().map(|&x| x as i64).collect();
        self.detach().try_expand(s).map(|_| ())
    }

    /// `torch.addmm(self, mat1, mat2)`: `self + mat1 @ mat2`, `self` broadcast to the result.
    ///
    /// ```
    /// let bias = ember::tensor([1.0, 2.0]);
    /// let y = bias.addmm(&ember::ones([3, 4]), &ember::ones([4, 2]));
    /// assert_eq!(y.to_vec::<f32>(), vec![5.0, 6.0, 5.0, 6.0, 5.0, 6.0]);
    /// ```
    ///
    /// ```
    /// let y = ember::zeros([2]).addmm(&ember::ones([1, 3]), &ember::ones([3, 2]));
    /// assert_eq!(y.to_vec::<f32>(), vec![3.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_addmm_with`].
    #[panicking(must_use)]
    pub fn try_addmm(&self, mat1: &Tensor, mat2: &Tensor) -> Result<Tensor> {
        self.try_addmm_with(mat1, mat2, 1.0, 1.0)
    }

    /// `torch.addmm(self, mat1, mat2, beta=beta, alpha=alpha)`:
    /// `beta * self + alpha * mat1 @ mat2`.
    ///
    /// ```
    /// let y = ember::ones([2]).addmm_with(&ember::ones([1, 3]), &ember::ones([3, 2]), 0.5, 2.0);
    /// assert_eq!(y.to_vec::<f32>(), vec![6.5, 6.5]);
    /// ```
    ///
    /// # Errors
    /// If `mat1`/`mat2` are not matrices, their shapes do not multiply, the dtypes differ, or
    /// `self` does not broadcast to the result.
    #[panicking(must_use)]
    pub fn try_addmm_with(
        &self,
        mat1: &Tensor,
        mat2: &Tensor,
        beta: f64,
        alpha: f64,
    ) -> Result<Tensor> {
        self.check_same_device(mat1)?;
        for (t, name) in [(mat1, "self"), (mat2, "mat2")] {
            if t.dim() != 2 {
                bail!(
                    Shape,
                    "addmm: {name} must be a matrix, got {}-D tensor",
                    t.dim()
                );
            }
        }
        for (a, an) in [(self, "self"), (mat1, "mat1")] {
            if a.dtype() != mat2.dtype() {
                bail!(
                    DType,
                    "{an} and mat2 must have the same dtype, but got {} and {}",
                    a.dtype().scalar_type_name(),
                    mat2.dtype().scalar_type_name()
                );
            }
        }
        mat1.check_mm(mat2, "addmm")?;
        mat1.check_bool_product("addmm_impl_cpu_")?;
        let (m, n) = (mat1.shape()[0], mat2.shape()[1]);
        self.check_expandable(&[m, n])?;
        let out = Tensor::bmm_raw(
            mat1,
            &as_batch(mat1.layout()),
            mat2,
            &as_batch(mat2.layout()),
            alpha,
            Some((&self.detach().try_expand([m as i64, n as i64])?, beta)),
        )?
        .reshaped_raw(&[m, n]);
        if needs_grad(&[self, mat1, mat2]) {
            let pair = f::Pair::of(mat1, mat2);
            record(
                f::AddmmBackward {
                    pair,
                    mat1: f::MatGeom::of(mat1),
                    mat2: f::MatGeom::of(mat2),
                    beta,
                    alpha,
                },
                &[self, mat1, mat2],
                &[&out],
                &pair.saves(mat1, mat2),
            );
        }
        Ok(out)
    }

    /// `torch.addbmm(self, batch1, batch2)`: `self + Σ_b batch1[b] @ batch2[b]`.
    ///
    /// ```
    /// let y = ember::zeros([2, 2]).addbmm(&ember::ones([3, 2, 4]), &ember::ones([3, 4, 2]));
    /// assert_eq!(y.to_vec::<f32>(), vec![12.0; 4]);
    /// ```
    ///
    /// ```
    /// let y = ember::ones([2]).addbmm(&ember::ones([2, 1, 3]), &ember::ones([2, 3, 2]));
    /// assert_eq!(y.to_vec::<f32>(), vec![7.0, 7.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_addbmm_with`].
    #[panicking(must_use)]
    pub fn try_addbmm(&self, batch1: &Tensor, batch2: &Tensor) -> Result<Tensor> {
        self.try_addbmm_with(batch1, batch2, 1.0, 1.0)
    }

    /// `torch.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)`:
    /// `beta * self + alpha * Σ_b batch1[b] @ batch2[b]`.
    ///
    /// ```
    /// let y = ember::ones([1]).addbmm_with(&ember::ones([2, 1, 3]), &ember::ones([2, 3, 1]), 2.0, 0.5);
    /// assert_eq!(y.to_vec::<f32>(), vec![5.0]);
    /// ```
    ///
    /// # Errors
    /// If the batches are not 3-D, their counts or inner sizes differ, the dtypes differ, or
    /// `self` does not broadcast to the result.
    #[panicking(must_use)]
    pub fn try_addbmm_with(
        &self,
        batch1: &Tensor,
        batch2: &Tensor,
        beta: f64,
        alpha: f64,
    ) -> Result<Tensor> {
        self.check_same_device(batch1)?;
        let (n, p) = (batch1.try_size_at(1)?, batch2.try_size_at(2)?);
        self.check_expandable(&[n, p])?;
        for (t, name) in [(batch1, "batch1"), (batch2, "batch2")] {
            if t.dim() != 3 {
                bail!(Shape, "{name} must be a 3D tensor");
            }
        }
        for (a, an) in [(self, "self"), (batch1, "mat1")] {
            if a.dtype() != batch2.dtype() {
                bail!(
                    DType,
                    "{an} and mat2 must have the same dtype, but got {} and {}",
                    a.dtype().scalar_type_name(),
                    batch2.dtype().scalar_type_name()
                );
            }
        }
        let (a, b) = (batch1.shape(), batch2.shape());
        if a[0] != b[0] {
            bail!(
                Shape,
                "batch1 and batch2 must have same number of batches, got {} and {}",
                a[0],
                b[0]
            );
        }
        if a[2] != b[1] {
            bail!(
                Shape,
                "Incompatible matrix sizes for bmm ({}x{} and {}x{})",
                a[1],
                a[2],
                b[1],
                b[2]
            );
        }
        batch1.check_bool_product("addbmm")?;
        let input = self.detach().try_expand([n as i64, p as i64])?;
        let out = if matches!(batch1.dtype(), DType::F16 | DType::BF16) && a[0] > 0 {
            // Half results are rounded after each batch's product, as PyTorch's loop of
            // `addmm_` calls does.
            let mut out = input;
            for i in 0..a[0] as i64 {
                let (x, y) = (
                    batch1.detach().try_select(0, i)?,
                    batch2.detach().try_select(0, i)?,
                );
                let b = if i == 0 { beta } else { 1.0 };
                out = Tensor::bmm_raw(
                    &x,
                    &as_batch(x.layout()),
                    &y,
                    &as_batch(y.layout()),
                    alpha,
                    Some((&out, b)),
                )?
                .reshaped_raw(&[n, p]);
            }
            out
        } else {
            // The sum over the batch is one product: [n, B*k] @ [B*k, p], the batches side
            // by side (a copy only when their layout does not allow the view).
            let (bn, k) = (a[0] as i64, a[2] as i64);
            let lhs = batch1
                .detach()
                .try_permute([1, 0, 2])?
                .try_reshape([n as i64, bn * k])?;
            let rhs = batch2.detach().try_reshape([bn * k, p as i64])?;
            Tensor::bmm_raw(
                &lhs,
                &as_batch(lhs.layout()),
                &rhs,
                &as_batch(rhs.layout()),
                alpha,
                Some((&input, beta)),
            )?
            .reshaped_raw(&[n, p])
        };
        if needs_grad(&[self, batch1, batch2]) {
            let pair = f::Pair::of(batch1, batch2);
            record(
                f::AddbmmBackward {
                    pair,
                    expand: [a[0], n, p],
                    beta,
                    alpha,
                },
                &[self, batch1, batch2],
                &[&out],
                &pair.saves(batch1, batch2),
            );
        }
        Ok(out)
    }

    /// `torch.baddbmm(self, batch1, batch2)`: `self + batch1 @ batch2` per batch.
    ///
    /// ```
    /// let y = ember::ones([2, 2]).baddbmm(&ember::ones([3, 2, 4]), &ember::ones([3, 4, 2]));
    /// assert_eq!(y.shape(), &[3, 2, 2]);
    /// assert_eq!(y.to_vec::<f32>(), vec![5.0; 12]);
    /// ```
    ///
    /// ```
    /// let y = ember::zeros([1]).baddbmm(&ember::ones([2, 1, 3]), &ember::ones([2, 3, 1]));
    /// assert_eq!(y.to_vec::<f32>(), vec![3.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_baddbmm_with`].
    #[panicking(must_use)]
    pub fn try_baddbmm(&self, batch1: &Tensor, batch2: &Tensor) -> Result<Tensor> {
        self.try_baddbmm_with(batch1, batch2, 1.0, 1.0)
    }

    /// `torch.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)`:
    /// `beta * self + alpha * batch1 @ batch2`.
    ///
    /// ```
    /// let y = ember::ones([1]).baddbmm_with(&ember::ones([1, 1, 2]), &ember::ones([1, 2, 1]), 0.0, 3.0);
    /// assert_eq!(y.to_vec::<f32>(), vec![6.0]);
    /// ```
    ///
    /// # Errors
    /// If `self` does not broadcast to the result, the batches are not 3-D, their sizes do
    /// not match, or the dtypes differ.
    #[panicking(must_use)]
    pub fn try_baddbmm_with(
        &self,
        batch1: &Tensor,
        batch2: &Tensor,
        beta: f64,
        alpha: f64,
    ) -> Result<Tensor> {
        self.check_same_device(batch1)?;
        let shape = [
            batch1.try_size_at(0)?,
            batch1.try_size_at(1)?,
            batch2.try_size_at(2)?,
        ];
        self.check_expandable(&shape)?;
        if self.dtype() != batch1.dtype() {
            bail!(
                DType,
                "Input dtypes must be the same, got: input {}, batch1: {}, batch2: {}",
                self.dtype().cpp_type_name(),
                batch1.dtype().cpp_type_name(),
                batch2.dtype().cpp_type_name()
            );
        }
        batch1.check_bmm(batch2)?;
        batch1.check_bool_product("baddbmm")?;
        let input = self.detach().try_expand(shape)?;
        let out = Tensor::bmm_raw(
            batch1,
            batch1.layout(),
            batch2,
            batch2.layout(),
            alpha,
            Some((&input, beta)),
        )?;
        if needs_grad(&[self, batch1, batch2]) {
            let pair = f::Pair::of(batch1, batch2);
            record(
                f::BaddbmmBackward { pair, beta, alpha },
                &[self, batch1, batch2],
                &[&out],
                &pair.saves(batch1, batch2),
            );
        }
        Ok(out)
    }

    /// `torch.addmv(self, mat, vec)`: `self + mat @ vec`.
    ///
    /// ```
    /// let y = ember::tensor([1.0, 2.0]).addmv(&ember::ones([2, 3]), &ember::ones([3]));
    /// assert_eq!(y.to_vec::<f32>(), vec![4.0, 5.0]);
    /// ```
    ///
    /// ```
    /// let y = ember::zeros([1]).addmv(&ember::ones([2, 3]), &ember::ones([3]));
    /// assert_eq!(y.to_vec::<f32>(), vec![3.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_addmv_with`].
    #[panicking(must_use)]
    pub fn try_addmv(&self, mat: &Tensor, vec: &Tensor) -> Result<Tensor> {
        self.try_addmv_with(mat, vec, 1.0, 1.0)
    }

    /// `torch.addmv(self, mat, vec, beta=beta, alpha=alpha)`: `beta * self + alpha * mat @ vec`.
    ///
    /// ```
    /// let y = ember::ones([2]).addmv_with(&ember::ones([2, 3]), &ember::ones([3]), 2.0, 0.5);
    /// assert_eq!(y.to_vec::<f32>(), vec![3.5, 3.5]);
    /// ```
    ///
    /// # Errors
    /// If `mat` is not 2-D, `vec` not 1-D or `self` more than 1-D, the sizes do not match,
    /// or the dtypes differ.
    #[panicking(must_use)]
    pub fn try_addmv_with(
        &self,
        mat: &Tensor,
        vec: &Tensor,
        beta: f64,
        alpha: f64,
    ) -> Result<Tensor> {
        self.check_same_device(mat)?;
        if mat.dim() != 2 || vec.dim() != 1 || self.dim() > 1 {
            bail!(
                Shape,
                "vector + matrix @ vector expected, got {}, {}, {}",
                self.dim(),
                mat.dim(),
                vec.dim()
            );
        }
        let (m, k) = (mat.shape()[0], mat.shape()[1]);
        if vec.shape()[0] != k || (self.numel() != m && self.numel() != 1) {
            if self.dim() == 0 {
                bail!(
                    IndexOutOfRange,
                    "Dimension specified as 0 but tensor has no dimensions"
                );
            }
            bail!(
                Shape,
                "size mismatch, got input ({}), mat ({m}x{k}), vec ({})",
                self.shape()[0],
                vec.shape()[0]
            );
        }
        if self.dtype() != mat.dtype() || mat.dtype() != vec.dtype() {
            bail!(
                DType,
                "addmv input tensors must have the same dtype, but got {}, {}, and {}",
                self.dtype().scalar_type_name(),
                mat.dtype().scalar_type_name(),
                vec.dtype().scalar_type_name()
            );
        }
        mat.check_bool_product("addmv_impl_cpu")?;
        let input = self.detach().try_reshape([-1])?.try_expand([m as i64])?;
        let input = input.try_unsqueeze(1)?;
        let out = Tensor::bmm_raw(
            mat,
            &as_batch(mat.layout()),
            vec,
            &vec.layout().unsqueeze(0).unsqueeze(2),
            alpha,
            Some((&input, beta)),
        )?
        .reshaped_raw(&[m]);
        if needs_grad(&[self, mat, vec]) {
            let pair = f::Pair::of(mat, vec);
            record(
                f::AddmvBackward { pair, beta, alpha },
                &[self, mat, vec],
                &[&out],
                &pair.saves(mat, vec),
            );
        }
        Ok(out)
    }
}

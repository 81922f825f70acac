//! `matmul`, the `@` operator: PyTorch's `_matmul_impl`, case for case, so that the recorded
//! graph is PyTorch's too (`DotBackward0` for two vectors, `SqueezeBackward4` over
//! `MmBackward0` for vector @ matrix, `UnsafeViewBackward0` over a folded `mm`/`mv` or a
//! broadcast `bmm` for batches).

use crate::Tensor;
use crate::error::{Result, bail};
use crate::ops::linalg::formulas as f;
use crate::ops::shape::formulas::ViewBackward;
use crate::shape::{Dims, broadcast_shapes};
use crate::tensor::graph::node::{needs_grad, record};
use ember_derive::panicking;

/// `t` (a fresh contiguous result) seen with `shape`, recorded as PyTorch's `_unsafe_view`:
/// not a view of `t` for autograd's purposes, node `UnsafeViewBackward0`.
pub(crate) fn unsafe_view(t: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let Some(layout) = t.layout().view(shape) else {
        bail!(
            Shape,
            "_unsafe_view: cannot view {:?} as {shape:?}",
            t.shape()
        );
    };
    let out = t.alias(layout);
    if needs_grad(&[t]) {
        record(
            ViewBackward {
                input: Dims::from_slice(t.shape()),
                name: "UnsafeViewBackward0",
            },
            &[t],
            &[&out],
            &[],
        );
    }
    Ok(out)
}

/// `t.squeeze_(dim)` on a fresh result: the same data without `dim`, node `SqueezeBackward4`.
fn squeeze_inplace(t: &Tensor, dim: usize) -> Tensor {
    let out = t.alias(t.layout().squeeze_dims(&[dim]));
    if needs_grad(&[t]) {
        record(f::SqueezeInplaceBackward(dim), &[t], &[&out], &[]);
    }
    out
}

/// PyTorch's `should_fold`: whether the larger operand (≥3-D, against a ≤2-D one) can be
/// folded into a matrix for one `mm`/`mv` instead of a `bmm`.
fn should_fold(t1: &Tensor, t2: &Tensor) -> bool {
    let t1_larger = t1.dim() >= t2.dim();
    let (big, dim_small) = if t1_larger {
        (t1.layout().clone(), t2.dim())
    } else {
        let n = t2.dim();
        (t2.layout().transpose(n - 2, n - 1), t1.dim())
    };
    let dim_big = big.ndim();
    if !(dim_big >= 3 && dim_small <= 2) {
        return false;
    }
    // Folding copies the larger operand when it is not laid out for it, but spares the
    // backward a [batch, n, k] gradient of the smaller one that would then be summed.
    let small_requires_grad = if t1_larger {
        t2.requires_grad()
    } else {
        t1.requires_grad()
    };
    if small_requires_grad {
        return true;
    }
    if t1.dim() == 2 {
        return false;
    }
    if big.numel() == 0 {
        return true;
    }
    (0..dim_big - 2).all(|i| big.strides[i] == big.strides[i + 1] * big.shape[i + 1])
}

impl Tensor {
    /// `torch.matmul(self, other)`, Python's `self @ other`: the product of vectors,
    /// matrices and broadcast batches of matrices, with PyTorch's rules — a 1-D operand is a
    /// row (left) or column (right) vector whose dim is dropped from the result, batch dims
    /// broadcast. Integer tensors multiply too (dtypes must match).
    ///
    /// ```
    /// let a = ember::ones([10, 2, 3]);
    /// let b = ember::ones([3, 4]);
    /// assert_eq!(a.matmul(&b).shape(), &[10, 2, 4]);
    /// let v = ember::tensor([1.0, 2.0, 3.0]);
    /// assert_eq!(v.matmul(&v).item::<f32>(), 14.0);
    /// ```
    ///
    /// ```
    /// let x = ember::ones([64, 1000]);
    /// let w = ember::ones([1000, 100]);
    /// assert_eq!(x.matmul(&w).shape(), &[64, 100]);
    /// ```
    ///
    /// # Errors
    /// If an operand is 0-D, the inner sizes differ, the batch dims do not broadcast, or the
    /// dtypes differ.
    #[panicking(must_use)]
    pub fn try_matmul(&self, other: &Tensor) -> Result<Tensor> {
        let (d1, d2) = (self.dim(), other.dim());
        if d1 == 0 || d2 == 0 {
            bail!(
                Shape,
                "both arguments to matmul need to be at least 1D, but they are {d1}D and {d2}D"
            );
        }
        match (d1, d2) {
            (1, 1) => self.try_dot(other),
            (2, 1) => self.try_mv(other),
            (1, 2) => Ok(squeeze_inplace(&self.try_unsqueeze(0)?.try_mm(other)?, 0)),
            (2, 2) => self.try_mm(other),
            _ if should_fold(self, other) => self.matmul_folded(other),
            _ => self.matmul_batched(other),
        }
    }

    /// A ≥3-D operand against a ≤2-D one, folded into one `mm` or `mv`.
    fn matmul_folded(&self, other: &Tensor) -> Result<Tensor> {
        let (d1, d2) = (self.dim(), other.dim());
        let transpose = d2 > d1;
        let t1 = if transpose {
            other.try_transpose(-2, -1)?
        } else {
            self.clone()
        };
        let t2 = if !transpose {
            other.clone()
        } else if d1 == 2 {
            self.try_t()?
        } else {
            self.clone()
        };
        let sizes = t1.shape();
        let mut out_shape: Vec<usize> = sizes[..sizes.len() - 1].to_vec();
        let folded: usize = out_shape.iter().product();
        let inner = sizes[sizes.len() - 1];
        let t1_folded = t1.try_reshape([folded as i64, inner as i64])?;
        if t2.dim() == 2 {
            out_shape.push(t2.shape()[1]);
            let out = unsafe_view(&t1_folded.try_mm(&t2)?, &out_shape)?;
            if transpose {
                out.try_transpose(-2, -1)?.try_contiguous()
            } else {
                Ok(out)
            }
        } else {
            unsafe_view(&t1_folded.try_mv(&t2)?, &out_shape)
        }
    }

    /// The general case: batch dims broadcast, then one `bmm`.
    fn matmul_batched(&self, other: &Tensor) -> Result<Tensor> {
        let (d1, d2) = (self.dim(), other.dim());
        let (s1, s2) = (self.shape(), other.shape());
        let n = if d1 > 1 { s1[d1 - 2] } else { 1 };
        let m1 = s1[d1 - 1];
        let batch1 = &s1[..d1.saturating_sub(2)];
        let m2 = if d2 > 1 { s2[d2 - 2] } else { s2[0] };
        let p = if d2 > 1 { s2[d2 - 1] } else { 1 };
        let batch2 = &s2[..d2.saturating_sub(2)];
        // A batch of one that requires grad is squeezed rather than broadcast, so its
        // gradient is not a broadcast one summed back down.
        if d1 == 3 && d2 == 3 && batch1[0] != batch2[0] {
            if batch1[0] == 1 && self.requires_grad() {
                return self.try_squeeze_dim(0)?.try_matmul(other);
            }
            if batch2[0] == 1 && other.requires_grad() {
                return self.try_matmul(&other.try_squeeze_dim(0)?);
            }
        }
        let mut out_shape: Vec<usize> = broadcast_shapes(batch1, batch2)?.to_vec();
        let bp: usize = out_shape.iter().product();
        let as_i64 = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<i64>>();
        let mut e1 = out_shape.clone();
        e1.extend([n, m1]);
        let t1 = self
            .try_expand(as_i64(&e1))?
            .try_reshape([bp as i64, n as i64, m1 as i64])?;
        let vector_rhs = d2 == 1;
        let mut e2 = out_shape.clone();
        if vector_rhs {
            e2.push(m2);
        } else {
            e2.extend([m2, p]);
        }
        let t2 = other.try_expand(as_i64(&e2))?;
        let t2 = if vector_rhs {
            t2.try_reshape([bp as i64, m2 as i64])?.try_unsqueeze(2)?
        } else {
            t2.try_reshape([bp as i64, m2 as i64, p as i64])?
        };
        if d1 > 1 {
            out_shape.push(n);
        }
        if d2 > 1 {
            out_shape.push(p);
        }
        let prod = t1.try_bmm(&t2)?;
        if vector_rhs {
            unsafe_view(&prod.try_squeeze_dim(-1)?, &out_shape)
        } else {
            unsafe_view(&prod, &out_shape)
        }
    }

    /// `torch.matmul(self, other, out=out)`: the product written into `out`'s memory (it
    /// bumps `out`'s version counter); returns `out`. As the other `_out` forms, `out` must
    /// already have the result's shape, and, as PyTorch's, its dtype.
    ///
    /// ```
    /// let a = ember::ones([2, 3]);
    /// let b = ember::ones([3, 4]);
    /// let out = ember::empty([2, 4]);
    /// let _ = a.matmul_out(&b, &out);
    /// assert_eq!(out.to_vec::<f32>(), vec![3.0; 8]);
    /// let wrong = ember::empty_with([2, 4], ember::DType::F64);
    /// assert_eq!(
    ///     a.try_matmul_out(&b, &wrong).unwrap_err().to_string(),
    ///     "Expected out tensor to have dtype float, but got double instead"
    /// );
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_matmul`]; also when `out`'s shape or dtype is not the result's, or an
    /// argument requires grad while grad mode is on (out= ops are not differentiable).
    #[panicking]
    pub fn try_matmul_out(&self, other: &Tensor, out: &Tensor) -> Result<Tensor> {
        if crate::is_grad_enabled()
            && (self.requires_grad() || other.requires_grad() || out.requires_grad())
        {
            bail!(
                Autograd,
                "matmul(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad."
            );
        }
        let r = {
            let _g = crate::no_grad();
            self.try_matmul(other)?
        };
        if r.dtype() != out.dtype() {
            bail!(
                DType,
                "Expected out tensor to have dtype {}, but got {} instead",
                type_meta_name(r.dtype()),
                type_meta_name(out.dtype())
            );
        }
        if r.shape() != out.shape() {
            bail!(
                Shape,
                "output with shape {} doesn't match the broadcast shape {}",
                crate::shape::ShapeFmt(out.shape()),
                crate::shape::ShapeFmt(r.shape())
            );
        }
        out.check_writable()?;
        out.copy_values_from(&r)
    }
}

/// A dtype as PyTorch's `TypeMeta` prints it in messages (`float`, `double`, `long int`).
fn type_meta_name(dt: crate::DType) -> &'static str {
    use crate::DType as D;
    match dt {
        D::Bool => "bool",
        D::U8 => "unsigned char",
        D::I8 => "signed char",
        D::I16 => "short int",
        D::I32 => "int",
        D::I64 => "long int",
        D::F16 => "c10::Half",
        D::BF16 => "c10::BFloat16",
        D::F32 => "float",
        D::F64 => "double",
    }
}

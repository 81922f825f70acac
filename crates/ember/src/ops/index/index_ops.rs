//! Index ops over a dim: `index_select`, `gather`, `scatter_add`, `index_add` (the mask ops
//! are in `mask.rs`). All copies go through the two row kernels (`take_rows`/`put_rows`, see
//! `backend/cpu/index.rs`).

use crate::error::{Error, Result, bail};
use crate::layout::{Layout, for_each_offsets};
use crate::ops::index::formulas as f;
use crate::shape::{Dims, ShapeFmt, wrap_dim};
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel;
use crate::{DType, Scalar, Tensor};
use ember_derive::panicking;

/// Storage offsets of the rows picked by `idx[k][b]` along `dims[k]` (values validated).
fn row_offsets(l: &Layout, dims: &[usize], idx: &[Vec<i64>], n: usize) -> Vec<usize> {
    (0..n)
        .map(|b| {
            l.offset
                + dims
                    .iter()
                    .zip(idx)
                    .map(|(&d, v)| v[b] as usize * l.strides[d])
                    .sum::<usize>()
        })
        .collect()
}

/// Shapes and strides of the dims of `l` not in `dims`.
fn rest_of(l: &Layout, dims: &[usize]) -> (Dims, Dims) {
    (0..l.ndim())
        .filter(|d| !dims.contains(d))
        .map(|d| (l.shape[d], l.strides[d]))
        .unzip()
}

/// Rows along dim `pos` of `l`: the start of each and the strides of the other dims.
fn rows_along(l: &Layout, pos: usize) -> (Vec<usize>, Dims) {
    let offs = (0..l.shape[pos])
        .map(|b| l.offset + b * l.strides[pos])
        .collect();
    (offs, rest_of(l, &[pos]).1)
}

/// Checks index values against a dim of size `size`, wrapping negatives when `wrap`.
pub(crate) fn check_indices(
    vals: &mut [i64],
    size: usize,
    wrap: bool,
    err: impl Fn(i64) -> Error,
) -> Result<()> {
    let n = size as i64;
    for v in vals.iter_mut() {
        if wrap && *v < 0 && *v >= -n {
            *v += n;
        }
        if *v < 0 || *v >= n {
            return Err(err(*v));
        }
    }
    Ok(())
}

fn out_of_bounds(dim: usize, size: usize) -> impl Fn(i64) -> Error {
    move |v| {
        Error::IndexOutOfRange(format!(
            "index {v} is out of bounds for dimension {dim} with size {size}"
        ))
    }
}

impl Tensor {
    /// The values of an integer index tensor, row-major. A meta index has none: its zeros
    /// stand in, so the op computes its output's shape and its kernels (no-ops on meta) get
    /// rows to move.
    pub(crate) fn index_values(&self) -> Result<Vec<i64>> {
        let vals = kernel::read_i64(self.arg())?;
        Ok(vals.unwrap_or_else(|| vec![0; self.numel()]))
    }

    /// Gathers the rows `idx[k][b]` along `dims` (validated, each of length `n`) into a new
    /// contiguous tensor: the other dims in order, with a dim of size `n` at `pos`.
    pub(crate) fn take_rows_raw(
        &self,
        dims: &[usize],
        idx: &[Vec<i64>],
        n: usize,
        pos: usize,
    ) -> Result<Tensor> {
        let (rest, src_strides) = rest_of(self.layout(), dims);
        let mut shape = rest.clone();
        shape.insert(pos, n);
        let out = Tensor::alloc(&shape, self.dtype(), self.device())?;
        let src_offsets = row_offsets(self.layout(), dims, idx, n);
        let (dst_offsets, dst_strides) = rows_along(out.layout(), pos);
        kernel::copy_rows(
            self,
            (&src_offsets, &src_strides),
            &out,
            (&dst_offsets, &dst_strides),
            &rest,
            false,
        )?;
        Ok(out)
    }

    /// Writes (or adds) `src` into the rows `idx[k][b]` along `dims` of `self`, in place and
    /// without history; `src` has `take_rows_raw`'s shape for the same arguments (it may
    /// be an expanded view).
    pub(crate) fn put_rows_raw(
        &self,
        dims: &[usize],
        idx: &[Vec<i64>],
        n: usize,
        pos: usize,
        src: &Tensor,
        accumulate: bool,
    ) -> Result<()> {
        let src = if src.shares_storage(self) || src.dtype() != self.dtype() {
            src.copy_raw(self.dtype())?
        } else {
            src.clone()
        };
        let (rest, dst_strides) = rest_of(self.layout(), dims);
        let dst_offsets = row_offsets(self.layout(), dims, idx, n);
        let (src_offsets, src_strides) = rows_along(src.layout(), pos);
        kernel::copy_rows(
            &src,
            (&src_offsets, &src_strides),
            self,
            (&dst_offsets, &dst_strides),
            &rest,
            accumulate,
        )
    }

    /// index_select/index_add_ take int32 or int64 indices, checked even when empty (as
    /// PyTorch does), each with its own wording.
    fn check_index_dtype(index: &Tensor, op: &str) -> Result<()> {
        match index.dtype() {
            DType::I64 | DType::I32 => Ok(()),
            dt if op == "index_add_" => bail!(
                DType,
                "{op}(): Expected dtype int32/int64 for index but got: {}",
                dt.scalar_type_name()
            ),
            _ => bail!(DType, "{op}(): Expected dtype int32 or int64 for index"),
        }
    }

    /// `index_select`'s checks: the wrapped dim and the validated index values.
    fn index_select_plan(&self, dim: i64, index: &Tensor, op: &str) -> Result<(usize, Vec<i64>)> {
        // A 0-dim source takes exactly one index value; PyTorch says so before anything else.
        if self.dim() == 0 && index.numel() != 1 && op == "index_select" {
            bail!(
                IndexOutOfRange,
                "{op}(): Index to scalar can have only 1 value, got {} value(s)",
                index.numel()
            );
        }
        Tensor::check_index_dtype(index, op)?;
        if index.dim() > 1 {
            bail!(Shape, "{op}(): Index is supposed to be a vector");
        }
        self.check_same_device(index)?;
        let d = wrap_dim(dim, self.dim())?;
        let size = if self.dim() == 0 { 1 } else { self.shape()[d] };
        let mut vals = index.index_values()?;
        if self.dim() == 0 && vals.len() > 1 {
            bail!(
                IndexOutOfRange,
                "{op}(): Index to scalar can have only 1 value, got {} value(s)",
                vals.len()
            );
        }
        // PyTorch's matrix path checks the indexed dim's size before the values.
        if op == "index_select" && self.dim() > 1 && size == 0 && !vals.is_empty() {
            bail!(
                IndexOutOfRange,
                "index_select(): self indexing axis dim should be positive"
            );
        }
        // index_add_ into an empty matrix (or more dims) writes nothing and PyTorch's kernel
        // checks no value then (the caller skips the kernel); its 1-D path still checks.
        if op == "index_add_" && self.numel() == 0 && self.dim() > 1 {
            return Ok((d, vals));
        }
        // PyTorch's CPU kernel words the check differently off dim 0 of a matrix.
        let inner = self.dim() > 1 && d != 0;
        check_indices(&mut vals, size, false, |v| {
            Error::IndexOutOfRange(if inner {
                format!("INDICES element is out of DATA bounds, id={v} axis_dim={size}")
            } else {
                "index out of range in self".into()
            })
        })?;
        Ok((d, vals))
    }

    /// `x.index_select(dim, index)`: the entries at `index` (a 1-D int64 or int32 tensor)
    /// along `dim`, copied.
    ///
    /// ```
    /// let x = ember::tensor([[1, 2], [3, 4], [5, 6]]);
    /// let y = x.index_select(0, &ember::tensor([2, 0]));
    /// assert_eq!(y.to_vec::<i64>(), vec![5, 6, 1, 2]);
    /// ```
    ///
    /// # Errors
    /// If `index` is not an integer vector, an index is out of range, or `dim` is invalid.
    #[panicking(must_use)]
    pub fn try_index_select(&self, dim: i64, index: &Tensor) -> Result<Tensor> {
        let (d, vals) = self.index_select_plan(dim, index, "index_select")?;
        if self.dim() == 0 {
            return self.try_clone_tensor();
        }
        let out = self.take_rows_raw(&[d], std::slice::from_ref(&vals), vals.len(), d)?;
        if needs_grad(&[self]) {
            let index = index.try_to_dtype_raw(DType::I64)?.detach();
            record(
                f::IndexSelectBackward {
                    dim: d,
                    input: self.shape().into(),
                },
                &[self],
                &[&out],
                &[Save::Tensor(&index)],
            );
        }
        Ok(out)
    }

    /// Offsets into `self` of the elements `gather`/`scatter_add` address: the position of
    /// each element of `index` with its value replacing the coordinate along `d`.
    fn scatter_offsets(&self, d: usize, index: &Tensor, op: &str) -> Result<Vec<usize>> {
        // PyTorch's gather/scatter check the index dtype only when it has elements (an
        // empty index of any dtype addresses nothing), and take int32 as well as int64;
        // scatter_add reports itself as `scatter()`.
        if index.numel() != 0 && !matches!(index.dtype(), DType::I64 | DType::I32) {
            let name = if op == "gather" { "gather" } else { "scatter" };
            bail!(DType, "{name}(): Expected dtype int32/int64 for index");
        }
        self.check_same_device(index)?;
        if index.dim() != self.dim() && !(index.dim() <= 1 && self.dim() <= 1) {
            bail!(
                Shape,
                "Index tensor must have the same number of dimensions as input tensor"
            );
        }
        let shape = if self.dim() == 0 {
            Dims::from_elem(1, 1)
        } else {
            self.shape().into()
        };
        let ishape: Dims = if index.dim() == 0 {
            Dims::from_elem(1, 1)
        } else {
            index.shape().into()
        };
        for i in 0..shape.len() {
            if i != d && ishape[i] > shape[i] {
                bail!(
                    Shape,
                    "Size does not match at dimension {i} expected index {} to be no larger than self {} apart from dimension {d}",
                    ShapeFmt(&ishape),
                    ShapeFmt(&shape)
                );
            }
        }
        let mut vals = index.index_values()?;
        check_indices(&mut vals, shape[d], false, out_of_bounds(d, shape[d]))?;
        let l = self.layout();
        let mut strides: Dims = if self.dim() == 0 {
            Dims::from_elem(0, 1)
        } else {
            l.strides.iter().copied().collect()
        };
        let sd = strides[d];
        strides[d] = 0;
        let mut offs = Vec::with_capacity(vals.len());
        for_each_offsets(&ishape, [&strides], [l.offset], |[o]| offs.push(o));
        Ok(offs
            .into_iter()
            .zip(vals)
            .map(|(o, v)| o + v as usize * sd)
            .collect())
    }

    /// `x.gather(dim, index)`: `out[i][j] = x[index[i][j]][j]` for `dim = 0` (and so on);
    /// `index` is int64 with the same number of dims.
    ///
    /// ```
    /// let x = ember::tensor([[1, 2], [3, 4]]);
    /// let y = x.gather(1, &ember::tensor([[0, 0], [1, 0]]));
    /// assert_eq!(y.to_vec::<i64>(), vec![1, 1, 4, 3]);
    /// ```
    ///
    /// # Errors
    /// If `index` is not int64, its shape does not fit, or a value is out of range.
    #[panicking(must_use)]
    pub fn try_gather(&self, dim: i64, index: &Tensor) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim())?;
        let offsets = self.scatter_offsets(d, index, "gather")?;
        let out = Tensor::alloc(index.shape(), self.dtype(), self.device())?;
        let dst: Vec<usize> = (0..offsets.len()).collect();
        kernel::copy_rows(self, (&offsets, &[]), &out, (&dst, &[]), &[], false)?;
        if needs_grad(&[self]) {
            let index = index.detach();
            record(
                f::GatherBackward {
                    dim: d,
                    input: self.shape().into(),
                },
                &[self],
                &[&out],
                &[Save::Tensor(&index)],
            );
        }
        Ok(out)
    }

    /// `x.scatter_add(dim, index, src)`: a copy of `x` with `src[i][j]` added at
    /// `[index[i][j]][j]` for `dim = 0` (repeated indices add up).
    ///
    /// ```
    /// let x = ember::zeros([3]);
    /// let y = x.scatter_add(0, &ember::tensor([0, 2, 0]), &ember::tensor([1.0, 2.0, 3.0]));
    /// assert_eq!(y.to_vec::<f32>(), vec![4.0, 0.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// If `index` is not int64, the shapes do not fit, a value is out of range, or the
    /// dtypes of `x` and `src` differ.
    #[panicking(must_use)]
    pub fn try_scatter_add(&self, dim: i64, index: &Tensor, src: &Tensor) -> Result<Tensor> {
        let d = wrap_dim(dim, self.dim())?;
        if src.dtype() != self.dtype() {
            bail!(
                DType,
                "scatter(): Expected self.dtype to be equal to src.dtype"
            );
        }
        self.check_same_device(src)?;
        if index.dim() != src.dim() && !(index.dim() <= 1 && src.dim() <= 1) {
            bail!(
                Shape,
                "Index tensor must have the same number of dimensions as src tensor"
            );
        }
        for i in 0..index.dim() {
            if index.shape()[i] > src.shape().get(i).copied().unwrap_or(1) {
                bail!(
                    Shape,
                    "Size does not match at dimension {i} expected index {} to be no larger than src {}",
                    ShapeFmt(index.shape()),
                    ShapeFmt(src.shape())
                );
            }
        }
        let out = self.copy_raw(self.dtype())?;
        let offsets = out.scatter_offsets(d, index, "scatter_add")?;
        // The part of `src` that `index` covers, in `index`'s row-major order.
        let mut l = src.layout().clone();
        for (i, &n) in index.shape().iter().enumerate() {
            if i < l.ndim() {
                l.shape[i] = n;
            }
        }
        let part = src.view_as_layout(l).copy_raw(self.dtype())?;
        let src_offsets: Vec<usize> = (0..offsets.len()).collect();
        kernel::copy_rows(&part, (&src_offsets, &[]), &out, (&offsets, &[]), &[], true)?;
        if needs_grad(&[self, src]) {
            let index = index.detach();
            record(
                f::ScatterAddBackward { dim: d },
                &[self, src],
                &[&out],
                &[Save::Tensor(&index)],
            );
        }
        Ok(out)
    }

    /// `x.index_add(dim, index, source, alpha=alpha)`: a copy of `x` with `alpha * source`
    /// added at the entries `index` along `dim` (repeated indices add up).
    ///
    /// ```
    /// let x = ember::zeros([3, 2]);
    /// let y = x.index_add(0, &ember::tensor([2, 2]), &ember::ones([2, 2]), 1.0);
    /// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 0.0, 0.0, 2.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// If `index` is not an integer vector, a value is out of range, or `source`'s shape or
    /// dtype does not fit.
    #[panicking(must_use)]
    pub fn try_index_add(
        &self,
        dim: i64,
        index: &Tensor,
        source: &Tensor,
        alpha: impl Into<Scalar>,
    ) -> Result<Tensor> {
        let alpha = alpha.into();
        let (d, vals) = self.index_select_plan(dim, index, "index_add_")?;
        if source.dtype() != self.dtype() {
            bail!(
                DType,
                "index_add_(): self ({}) and source ({}) must have the same scalar type",
                self.dtype().scalar_type_name(),
                source.dtype().scalar_type_name()
            );
        }
        let src_n = if source.dim() == 0 {
            1
        } else {
            source.shape()[d.min(source.dim() - 1)]
        };
        if source.dim() > 0 && (source.dim() != self.dim() || src_n != vals.len()) {
            if source.dim() == self.dim() || self.dim() == 0 {
                bail!(
                    Shape,
                    "index_add_(): Number of indices ({}) should be equal to source.size(dim): ({src_n}), for dim: {d}",
                    vals.len()
                );
            }
            bail!(
                Shape,
                "index_add_(): Source/destination tensor must have same number of dimensions"
            );
        }
        let mut expected: Dims = self.shape().into();
        if !expected.is_empty() {
            expected[d] = vals.len();
        }
        let scaled = {
            let _g = crate::no_grad();
            let s = if alpha == Scalar::Int(1) {
                source.clone()
            } else {
                source.try_mul(alpha)?
            };
            s.try_expand(&expected)?.try_to_dtype(self.dtype())?
        };
        let out = self.copy_raw(self.dtype())?;
        if self.numel() == 0 {
            // Nothing to add into (the index values were not checked).
        } else if self.dim() == 0 {
            out.put_rows_raw(&[], &[], 1, 0, &scaled.try_reshape([1])?, true)?;
        } else {
            out.put_rows_raw(
                &[d],
                std::slice::from_ref(&vals),
                vals.len(),
                d,
                &scaled,
                true,
            )?;
        }
        if needs_grad(&[self, source]) {
            let index = index.try_to_dtype_raw(DType::I64)?.detach();
            record(
                f::IndexAddBackward { dim: d, alpha },
                &[self, source],
                &[&out],
                &[Save::Tensor(&index)],
            );
        }
        Ok(out)
    }
}

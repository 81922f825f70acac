//! More shape ops: `flatten`, `movedim` (views when possible), and the copying `repeat`,
//! `flip`, `roll`, `tril`/`triu`, `diag`.

use crate::error::{Result, bail};
use crate::layout::{Layout, Strides};
use crate::ops::shape::formulas as f;
use crate::shape::{Dims, IntList, ShapeFmt, wrap_dim, wrap_dims};
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel;
use crate::{Scalar, Tensor};
use ember_derive::panicking;

impl Tensor {
    /// A copy where the coordinate `c` along `dims[k]` of the output reads coordinate
    /// `src(k, c)` of `self` (other dims unchanged).
    fn remap_copy(&self, dims: &[usize], src: impl Fn(usize, usize) -> usize) -> Result<Tensor> {
        let out = Tensor::alloc(self.shape(), self.dtype(), self.device())?;
        if self.numel() == 0 {
            return Ok(out);
        }
        let (sl, ol) = (self.layout(), out.layout());
        let rest_dims: Vec<usize> = (0..self.dim()).filter(|d| !dims.contains(d)).collect();
        let rest: Dims = rest_dims.iter().map(|&d| sl.shape[d]).collect();
        let s_rest: Dims = rest_dims.iter().map(|&d| sl.strides[d]).collect();
        let o_rest: Dims = rest_dims.iter().map(|&d| ol.strides[d]).collect();
        let rows: usize = dims.iter().map(|&d| sl.shape[d]).product();
        let (mut so, mut oo) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        let mut coord = vec![0usize; dims.len()];
        for _ in 0..rows {
            let mut s = sl.offset;
            let mut o = 0;
            for (k, (&d, &c)) in dims.iter().zip(&coord).enumerate() {
                s += src(k, c) * sl.strides[d];
                o += c * ol.strides[d];
            }
            so.push(s);
            oo.push(o);
            for k in (0..dims.len()).rev() {
                coord[k] += 1;
                if coord[k] < sl.shape[dims[k]] {
                    break;
                }
                coord[k] = 0;
            }
        }
        kernel::copy_rows(self, (&so, &s_rest), &out, (&oo, &o_rest), &rest, false)?;
        Ok(out)
    }

    /// `x.flatten(start_dim, end_dim)`: the dims from `start_dim` to `end_dim` merged into
    /// one (a view when the strides allow, as `reshape`).
    ///
    /// ```
    /// let x = ember::zeros([2, 3, 4]);
    /// assert_eq!(x.flatten(1, -1).shape(), &[2, 12]);
    /// assert_eq!(x.flatten(0, -1).shape(), &[24]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range or `start_dim` comes after `end_dim`.
    #[panicking(must_use)]
    pub fn try_flatten(&self, start_dim: i64, end_dim: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            return self.try_reshape([1]);
        }
        let (s, e) = (
            wrap_dim(start_dim, self.dim())?,
            wrap_dim(end_dim, self.dim())?,
        );
        if s > e {
            bail!(
                Value,
                "flatten() has invalid args: start_dim cannot come after end_dim"
            );
        }
        if s == e {
            return Ok(self.clone());
        }
        let mut shape: Vec<i64> = self.shape()[..s].iter().map(|&n| n as i64).collect();
        shape.push(self.shape()[s..=e].iter().product::<usize>() as i64);
        shape.extend(self.shape()[e + 1..].iter().map(|&n| n as i64));
        self.try_reshape(shape)
    }

    /// `x.movedim(source, destination)`: a view with the `source` dims moved to the
    /// `destination` positions, the others keeping their order.
    ///
    /// ```
    /// assert_eq!(ember::zeros([2, 3, 4]).movedim(0, -1).shape(), &[3, 4, 2]);
    /// ```
    ///
    /// # Errors
    /// If the lists differ in length, or a dim is out of range or repeated.
    #[panicking(must_use)]
    pub fn try_movedim(&self, source: impl IntList, destination: impl IntList) -> Result<Tensor> {
        let (src, dst) = (source.into_list(), destination.into_list());
        if src.len() != dst.len() {
            bail!(
                Shape,
                "movedim: Invalid source or destination dims: source ({} dims) should contain the same number of dims as destination ({} dims)",
                ShapeFmt(&src),
                ShapeFmt(&dst)
            );
        }
        let (s, d) = (wrap_dims(&src, self.dim())?, wrap_dims(&dst, self.dim())?);
        // A 0-dim tensor (dims 0 and -1 name its one element) comes back as an alias, as
        // PyTorch's movedim returns it (`AliasBackward0`).
        if self.dim() == 0 {
            return self.try_i(crate::TensorIndex::Ellipsis);
        }
        let mut perm: Vec<Option<i64>> = vec![None; self.dim()];
        for (&a, &b) in s.iter().zip(&d) {
            perm[b] = Some(a as i64);
        }
        let mut others = (0..self.dim()).filter(|i| !s.contains(i));
        let perm: Vec<i64> = perm
            .into_iter()
            .map(|p| p.unwrap_or_else(|| others.next().unwrap_or(0) as i64))
            .collect();
        self.try_permute(perm)
    }

    /// `x.repeat(repeats)`: the tensor tiled `repeats[i]` times along each dim (more
    /// repeats than dims add leading dims).
    ///
    /// ```
    /// let x = ember::tensor([1, 2]);
    /// assert_eq!(x.repeat([2, 2]).to_vec::<i64>(), vec![1, 2, 1, 2, 1, 2, 1, 2]);
    /// ```
    ///
    /// # Errors
    /// If there are fewer repeats than dims, or a repeat is negative.
    #[panicking(must_use)]
    pub fn try_repeat(&self, repeats: impl IntList) -> Result<Tensor> {
        let spec = repeats.into_list();
        if spec.len() < self.dim() {
            bail!(
                Shape,
                "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
            );
        }
        let lead = spec.len() - self.dim();
        let l = self.layout();
        let (mut shape, mut strides) = (Dims::new(), Strides::new());
        let mut out_shape = Vec::with_capacity(spec.len());
        for (i, &r) in spec.iter().enumerate() {
            if r < 0 {
                let sizes: Vec<i64> = spec
                    .iter()
                    .enumerate()
                    .map(|(j, &r)| {
                        r * if j < lead {
                            1
                        } else {
                            l.shape[j - lead] as i64
                        }
                    })
                    .collect();
                bail!(
                    Value,
                    "Trying to create tensor with negative dimension {}: {}",
                    sizes[i],
                    ShapeFmt(&sizes)
                );
            }
            let (n, st) = if i < lead {
                (1, 0)
            } else {
                (l.shape[i - lead], l.strides[i - lead])
            };
            shape.extend([r as usize, n]);
            strides.extend([0, st]);
            out_shape.push(r as usize * n);
        }
        let src = Layout {
            shape: shape.clone(),
            strides,
            offset: l.offset,
        };
        let out = Tensor::alloc(&shape, self.dtype(), self.device())?;
        kernel::copy(self.at(&src), out.arg())?;
        let out = out.alias(Layout::contiguous(&out_shape));
        if needs_grad(&[self]) {
            record(
                f::RepeatBackward {
                    repeats: spec.iter().map(|&r| r as usize).collect(),
                    input: self.shape().into(),
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    /// `x.flip(dims)`: a copy with the order of entries reversed along `dims`.
    ///
    /// ```
    /// let x = ember::tensor([[1, 2], [3, 4]]);
    /// assert_eq!(x.flip([1]).to_vec::<i64>(), vec![2, 1, 4, 3]);
    /// ```
    ///
    /// # Errors
    /// If a dim is out of range or repeated.
    #[panicking(must_use)]
    pub fn try_flip(&self, dims: impl IntList) -> Result<Tensor> {
        let mut d: Vec<usize> = wrap_dims(&dims.into_list(), self.dim())?.to_vec();
        d.sort_unstable();
        if self.dim() == 0 {
            d.clear();
        }
        let sizes: Vec<usize> = d.iter().map(|&k| self.shape()[k]).collect();
        let out = self.remap_copy(&d, |k, c| sizes[k] - 1 - c)?;
        if needs_grad(&[self]) {
            record(f::FlipBackward(d), &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `x.roll(shifts, dims)`: entries shifted cyclically by `shifts[i]` along `dims[i]`;
    /// with no dims, over the flattened tensor.
    ///
    /// ```
    /// let x = ember::tensor([1, 2, 3, 4]);
    /// assert_eq!(x.roll(1, ()).to_vec::<i64>(), vec![4, 1, 2, 3]);
    /// ```
    ///
    /// # Errors
    /// If `shifts` and `dims` differ in length, or a dim is out of range.
    #[panicking(must_use)]
    pub fn try_roll(&self, shifts: impl IntList, dims: impl IntList) -> Result<Tensor> {
        let (shifts, dims) = (shifts.into_list(), dims.into_list());
        if !dims.is_empty() && shifts.len() != dims.len() {
            bail!(
                Value,
                "shifts and dimensions must align. shifts: {}, dims:{}",
                shifts.len(),
                dims.len()
            );
        }
        let out = if self.numel() == 0 && !dims.is_empty() {
            // PyTorch returns an empty tensor's copy before looking at the dims.
            let _g = crate::no_grad();
            self.try_clone_tensor()?
        } else if dims.is_empty() {
            if shifts.len() != 1 {
                bail!(Value, "`shifts` required");
            }
            let _g = crate::no_grad();
            let flat = self.try_reshape([-1])?;
            let n = flat.numel().max(1) as i64;
            let s = shifts[0].rem_euclid(n) as usize;
            let r = flat.remap_copy(&[0], |_, c| (c + n as usize - s) % n as usize)?;
            r.alias(Layout::contiguous(self.shape()))
        } else {
            // PyTorch's roll takes no dim of a 0-dim tensor (only the flattened form).
            if self.dim() == 0 {
                bail!(
                    IndexOutOfRange,
                    "Dimension specified as {} but tensor has no dimensions",
                    dims[0]
                );
            }
            let mut by_dim: Vec<(usize, i64)> = Vec::new();
            for (&d, &s) in dims.iter().zip(&shifts) {
                let d = wrap_dim(d, self.dim())?;
                match by_dim.iter_mut().find(|(k, _)| *k == d) {
                    Some(e) => e.1 += s,
                    None => by_dim.push((d, s)),
                }
            }
            by_dim.sort_unstable();
            let d: Vec<usize> = by_dim.iter().map(|e| e.0).collect();
            let plan: Vec<(usize, usize)> = by_dim
                .iter()
                .map(|&(k, s)| {
                    let n = self.shape()[k].max(1);
                    (n, s.rem_euclid(n as i64) as usize)
                })
                .collect();
            self.remap_copy(&d, |k, c| (c + plan[k].0 - plan[k].1) % plan[k].0)?
        };
        if needs_grad(&[self]) {
            record(
                f::RollBackward {
                    shifts: shifts.to_vec(),
                    dims: dims.to_vec(),
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    fn tri(&self, diagonal: i64, upper: bool) -> Result<Tensor> {
        let name = if upper { "triu" } else { "tril" };
        if self.dim() < 2 {
            bail!(
                Shape,
                "{name}: input tensor must have at least 2 dimensions"
            );
        }
        let (n, m) = (self.shape()[self.dim() - 2], self.shape()[self.dim() - 1]);
        let keep: Vec<bool> = (0..n * m)
            .map(|k| {
                let off = (k % m) as i64 - (k / m) as i64;
                if upper {
                    off >= diagonal
                } else {
                    off <= diagonal
                }
            })
            .collect();
        let mask = Tensor::try_from_vec(keep, [n, m])?.try_to_device(self.device())?;
        let zero = self.scalar_like(Scalar::Int(0), self.dtype())?;
        let out = {
            let _g = crate::no_grad();
            crate::try_where_(&mask, self, &zero)?
        };
        if needs_grad(&[self]) {
            record(f::TriBackward { upper, diagonal }, &[self], &[&out], &[]);
        }
        Ok(out)
    }

    /// `x.tril(diagonal)`: the lower triangle of the last two dims (entries with
    /// `col - row <= diagonal`), zeros elsewhere.
    ///
    /// ```
    /// let x = ember::ones([2, 2]);
    /// assert_eq!(x.tril(0).to_vec::<f32>(), vec![1.0, 0.0, 1.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If the tensor has fewer than 2 dims.
    #[panicking(must_use)]
    pub fn try_tril(&self, diagonal: i64) -> Result<Tensor> {
        self.tri(diagonal, false)
    }

    /// `x.triu(diagonal)`: the upper triangle of the last two dims (entries with
    /// `col - row >= diagonal`), zeros elsewhere.
    ///
    /// ```
    /// let x = ember::ones([2, 2]);
    /// assert_eq!(x.triu(1).to_vec::<f32>(), vec![0.0, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Errors
    /// If the tensor has fewer than 2 dims.
    #[panicking(must_use)]
    pub fn try_triu(&self, diagonal: i64) -> Result<Tensor> {
        self.tri(diagonal, true)
    }

    /// The layout of diagonal `k` of a matrix layout.
    fn diagonal_layout(l: &Layout, k: i64) -> Layout {
        let (n, m) = (l.shape[0] as i64, l.shape[1] as i64);
        let len = if k >= 0 { n.min(m - k) } else { (n + k).min(m) }.max(0) as usize;
        let start = if len == 0 {
            0
        } else if k >= 0 {
            k as usize * l.strides[1]
        } else {
            (-k) as usize * l.strides[0]
        };
        Layout {
            shape: Dims::from_elem(len, 1),
            strides: Strides::from_elem(l.strides[0] + l.strides[1], 1),
            offset: l.offset + start,
        }
    }

    /// Zeros of `shape` (a matrix) with `v` written on diagonal `k`, without history.
    fn embed_diagonal(v: &Tensor, shape: &[usize], k: i64) -> Result<Tensor> {
        let out = crate::try_zeros_with(shape, (v.dtype(), v.device()))?;
        let dl = Tensor::diagonal_layout(out.layout(), k);
        kernel::copy(v.arg(), out.at(&dl))?;
        Ok(out)
    }

    /// The backward of `diag` of a matrix: zeros of `shape` with `grad` on diagonal `k`.
    pub(crate) fn diagonal_backward(grad: &Tensor, shape: &[usize], k: i64) -> Result<Tensor> {
        let out = Tensor::embed_diagonal(grad, shape, k)?;
        if needs_grad(&[grad]) {
            record(
                f::DiagonalBackwardBackward { diagonal: k },
                &[grad],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }

    /// `torch.diag(x, diagonal)`: of a vector, the square matrix with it on diagonal
    /// `diagonal`; of a matrix, that diagonal as a vector (a copy).
    ///
    /// ```
    /// let m = ember::tensor([1, 2]).diag(0);
    /// assert_eq!(m.to_vec::<i64>(), vec![1, 0, 0, 2]);
    /// assert_eq!(m.diag(0).to_vec::<i64>(), vec![1, 2]);
    /// ```
    ///
    /// # Errors
    /// If the tensor is not 1-D or 2-D.
    #[panicking(must_use)]
    pub fn try_diag(&self, diagonal: i64) -> Result<Tensor> {
        let out = match self.dim() {
            1 => {
                let n = self.shape()[0] + diagonal.unsigned_abs() as usize;
                Tensor::embed_diagonal(self, &[n, n], diagonal)?
            }
            2 => {
                let l = Tensor::diagonal_layout(self.layout(), diagonal);
                self.view_as_layout(l).copy_raw(self.dtype())?
            }
            d => bail!(Shape, "diag(): Supports 1D or 2D tensors. Got {d}D"),
        };
        if needs_grad(&[self]) {
            record(
                f::DiagBackward {
                    input: self.shape().into(),
                    diagonal,
                },
                &[self],
                &[&out],
                &[],
            );
        }
        Ok(out)
    }
}

//! Layout = shape + strides + offset, and the arithmetic of views over one storage.
//!
//! Note [Views]
//! A view is a new `Layout` over the same `Arc<Storage>`: transpose, permute, narrow, select,
//! slicing, expand, squeeze/unsqueeze and (when strides allow) view/reshape never copy.
//! Strides are in elements and never negative (flip copies, as in PyTorch); an expanded
//! dimension has stride 0. Every layout stays inside its storage: the largest offset it can
//! reach is `offset + Σ (size-1)·stride`, checked when a view is made.

use crate::error::{Result, bail};
use crate::shape::{Dims, ShapeFmt, numel};
use smallvec::SmallVec;

/// Strides, in elements.
pub(crate) type Strides = SmallVec<[usize; 6]>;

/// Shape, strides and storage offset of a tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub shape: Dims,
    pub strides: Strides,
    pub offset: usize,
}

/// Row-major strides of a shape (a size-0 or size-1 dim gets the stride it would have).
pub(crate) fn contiguous_strides(shape: &[usize]) -> Strides {
    let mut strides = Strides::from_elem(0, shape.len());
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i].max(1);
    }
    strides
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            shape: Dims::from_slice(shape),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        numel(&self.shape)
    }

    /// PyTorch's `is_contiguous`: row-major, ignoring the strides of size-1 dims.
    pub fn is_contiguous(&self) -> bool {
        if self.numel() == 0 {
            return true;
        }
        let mut expected = 1usize;
        for i in (0..self.ndim()).rev() {
            if self.shape[i] != 1 {
                if self.strides[i] != expected {
                    return false;
                }
                expected *= self.shape[i];
            }
        }
        true
    }

    /// True when the elements occupy exactly `numel` consecutive slots in some order.
    pub fn is_non_overlapping_and_dense(&self) -> bool {
        if self.is_contiguous() {
            return true;
        }
        let mut perm: SmallVec<[usize; 6]> = (0..self.ndim()).collect();
        perm.sort_by_key(|&i| (self.strides[i], self.shape[i]));
        let mut expected = 1usize;
        for &i in &perm {
            if self.shape[i] == 1 {
                continue;
            }
            if self.strides[i] != expected {
                return false;
            }
            expected *= self.shape[i];
        }
        true
    }

    /// True when `self` and `other` have the same shape and the same strides on every dim
    /// that has more than one element: they walk their storage in the same order, so when
    /// one is dense both are the slices `offset..offset + numel`.
    pub fn same_order(&self, other: &Layout) -> bool {
        self.shape == other.shape
            && self
                .shape
                .iter()
                .zip(self.strides.iter().zip(&other.strides))
                .all(|(&n, (&a, &b))| n <= 1 || a == b)
    }

    /// One past the largest storage offset this layout can reach (0 when empty).
    pub fn extent(&self) -> usize {
        if self.numel() == 0 {
            return 0;
        }
        self.offset
            + 1
            + self
                .shape
                .iter()
                .zip(&self.strides)
                .map(|(&n, &s)| (n - 1) * s)
                .sum::<usize>()
    }

    pub fn transpose(&self, d0: usize, d1: usize) -> Layout {
        let mut l = self.clone();
        l.shape.swap(d0, d1);
        l.strides.swap(d0, d1);
        l
    }

    pub fn permute(&self, dims: &[usize]) -> Layout {
        Layout {
            shape: dims.iter().map(|&d| self.shape[d]).collect(),
            strides: dims.iter().map(|&d| self.strides[d]).collect(),
            offset: self.offset,
        }
    }

    /// `start..start+len` of `dim` with a step (callers have checked the bounds).
    pub fn slice(&self, dim: usize, start: usize, len: usize, step: usize) -> Layout {
        let mut l = self.clone();
        if len > 0 {
            l.offset += start * self.strides[dim];
        }
        l.shape[dim] = len;
        l.strides[dim] = self.strides[dim] * step;
        l
    }

    pub fn select(&self, dim: usize, index: usize) -> Layout {
        let mut l = self.clone();
        l.offset += index * self.strides[dim];
        l.shape.remove(dim);
        l.strides.remove(dim);
        l
    }

    pub fn unsqueeze(&self, dim: usize) -> Layout {
        let mut l = self.clone();
        let stride = if dim < self.ndim() {
            self.strides[dim] * self.shape[dim]
        } else {
            1
        };
        l.shape.insert(dim, 1);
        l.strides.insert(dim, stride);
        l
    }

    pub fn squeeze_dims(&self, dims: &[usize]) -> Layout {
        let mut l = Layout {
            shape: Dims::new(),
            strides: Strides::new(),
            offset: self.offset,
        };
        for i in 0..self.ndim() {
            if !(dims.contains(&i) && self.shape[i] == 1) {
                l.shape.push(self.shape[i]);
                l.strides.push(self.strides[i]);
            }
        }
        l
    }

    /// Broadcasts to `shape` (which has at least as many dims), giving new or size-1 dims
    /// stride 0. `expand`'s error messages are PyTorch's.
    pub fn expand(&self, shape: &[usize]) -> Result<Layout> {
        if shape.len() < self.ndim() {
            bail!(
                Shape,
                "the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
                shape.len(),
                self.ndim()
            );
        }
        let lead = shape.len() - self.ndim();
        let mut strides = Strides::from_elem(0, shape.len());
        // From the last dim, as PyTorch's `inferExpandGeometry`, so errors name the same dim.
        for i in (0..shape.len()).rev() {
            if i < lead {
                continue;
            }
            let (size, stride) = (self.shape[i - lead], self.strides[i - lead]);
            if size == shape[i] {
                strides[i] = stride;
            } else if size == 1 {
                strides[i] = 0;
            } else {
                bail!(
                    Shape,
                    "The expanded size of the tensor ({}) must match the existing size ({size}) at non-singleton dimension {i}.  Target sizes: {}.  Tensor sizes: {}",
                    shape[i],
                    ShapeFmt(shape),
                    ShapeFmt(&self.shape)
                );
            }
        }
        Ok(Layout {
            shape: Dims::from_slice(shape),
            strides,
            offset: self.offset,
        })
    }

    /// The layout of `view(shape)` if it exists without copying (PyTorch's `computeStride`).
    pub fn view(&self, shape: &[usize]) -> Option<Layout> {
        let strides = self.view_strides(shape)?;
        Some(Layout {
            shape: Dims::from_slice(shape),
            strides,
            offset: self.offset,
        })
    }

    fn view_strides(&self, new: &[usize]) -> Option<Strides> {
        let (old, old_st) = (&self.shape, &self.strides);
        if self.numel() == 0 {
            return Some(if old.as_slice() == new {
                old_st.clone()
            } else {
                contiguous_strides(new)
            });
        }
        if old.is_empty() {
            return Some(Strides::from_elem(1, new.len()));
        }
        let mut out = Strides::from_elem(0, new.len());
        let mut view_d = new.len() as isize - 1;
        let mut chunk_base = *old_st.last()?;
        let mut tensor_numel = 1usize;
        let mut view_numel = 1usize;
        for td in (0..old.len()).rev() {
            tensor_numel *= old[td];
            if td == 0 || (old[td - 1] != 1 && old_st[td - 1] != tensor_numel * chunk_base) {
                while view_d >= 0 && (view_numel < tensor_numel || new[view_d as usize] == 1) {
                    out[view_d as usize] = view_numel * chunk_base;
                    view_numel *= new[view_d as usize];
                    view_d -= 1;
                }
                if view_numel != tensor_numel {
                    return None;
                }
                if td > 0 {
                    chunk_base = old_st[td - 1];
                    tensor_numel = 1;
                    view_numel = 1;
                }
            }
        }
        if view_d != -1 {
            return None;
        }
        Some(out)
    }
}

// Note [Elementwise output layout]
// An elementwise op allocates its output in the memory order of its inputs, as PyTorch's
// TensorIterator does, so that `a.t().exp()` has strides `(1, n)` like `a.t()` and the
// kernel walks every operand as one dense slice. The rules, in PyTorch's order:
// - inputs all of the output's shape and all contiguous: a contiguous output;
// - inputs all of the output's shape, non-overlapping and dense with equal strides: the
//   output takes exactly those strides;
// - otherwise the dims are sorted innermost-first by the inputs' strides (broadcast dims,
//   stride 0, do not vote; the first input whose strides differ decides; equal strides put
//   the smaller dim inside) and the output is dense in that order.
// `out=` and in-place ops keep the layout of the tensor they write.

/// The layout of a fresh elementwise output of `shape` whose inputs are read at `inputs`
/// (their own layouts, before broadcasting). See Note [Elementwise output layout].
pub(crate) fn elementwise_layout(shape: &[usize], inputs: &[&Layout]) -> Layout {
    let nd = shape.len();
    if nd <= 1 || shape.contains(&0) || inputs.is_empty() {
        return Layout::contiguous(shape);
    }
    if inputs.iter().all(|l| l.shape.as_slice() == shape) {
        if inputs.iter().all(|l| l.is_contiguous()) {
            return Layout::contiguous(shape);
        }
        let first = inputs[0];
        if inputs
            .iter()
            .all(|l| l.strides == first.strides && l.is_non_overlapping_and_dense())
        {
            return Layout {
                shape: Dims::from_slice(shape),
                strides: first.strides.clone(),
                offset: 0,
            };
        }
    }
    // Each input's strides broadcast to `shape` (0 on new and expanded dims).
    let stride = |l: &Layout, d: usize| -> usize {
        let lead = nd - l.ndim();
        if d < lead || l.shape[d - lead] != shape[d] {
            0
        } else {
            l.strides[d - lead]
        }
    };
    // 1 to swap (d1 goes inside d0), -1 to keep, 0 when no input decides.
    let should_swap = |d0: usize, d1: usize| -> i8 {
        for l in inputs {
            let (s0, s1) = (stride(l, d0), stride(l, d1));
            if s0 == 0 || s1 == 0 {
                continue;
            }
            if s0 != s1 {
                return if s0 < s1 { -1 } else { 1 };
            }
            if shape[d0] > shape[d1] {
                return 1;
            }
        }
        0
    };
    // perm[0] is the innermost dim; PyTorch's insertion sort, which tolerates ties.
    let mut perm: SmallVec<[usize; 8]> = (0..nd).rev().collect();
    for i in 1..nd {
        let mut d1 = i;
        for d0 in (0..i).rev() {
            match should_swap(perm[d0], perm[d1]) {
                1 => {
                    perm.swap(d0, d1);
                    d1 = d0;
                }
                -1 => break,
                _ => {}
            }
        }
    }
    let mut strides = Strides::from_elem(0, nd);
    let mut acc = 1usize;
    for &d in &perm {
        strides[d] = acc;
        acc *= shape[d];
    }
    Layout {
        shape: Dims::from_slice(shape),
        strides,
        offset: 0,
    }
}

// Note [Walker code size]
// Every kernel closure instantiates the walkers below, and there are over a thousand of them
// (op x dtype x operand count). Everything that does not need the closure -- dropping size-1
// dims, merging, ordering, the odometer over the outer dims -- lives in `Walk`, which is
// generic over the operand count only; the closure-generic part is the inner loop alone.
// Written the other way, those copies of sorting and `SmallVec` code made up half of the
// crate's LLVM IR and most of its build time.

/// The dims of an `N`-operand walk after dropping size-1 dims and merging dims that every
/// operand traverses contiguously; the last dim is the inner loop.
struct Walk<const N: usize> {
    outer: SmallVec<[usize; 8]>,
    strides: [SmallVec<[usize; 8]>; N],
    inner: usize,
    inner_st: [usize; N],
}

impl<const N: usize> Walk<N> {
    /// `None` when `shape` has no elements. With `any_order`, dims are first sorted by
    /// operand 0's stride, largest outermost.
    #[inline(never)]
    fn new(shape: &[usize], strides: [&[usize]; N], any_order: bool) -> Option<Walk<N>> {
        if shape.contains(&0) {
            return None;
        }
        let mut dims: SmallVec<[usize; 8]> = (0..shape.len()).filter(|&d| shape[d] > 1).collect();
        if any_order {
            dims.sort_by(|&a, &b| strides[0][b].cmp(&strides[0][a]));
        }
        let mut sh: SmallVec<[usize; 8]> = SmallVec::new();
        let mut st: [SmallVec<[usize; 8]>; N] = std::array::from_fn(|_| SmallVec::new());
        for &d in &dims {
            if let Some(last) = sh.last_mut()
                && (0..N).all(|k| st[k][st[k].len() - 1] == strides[k][d] * shape[d])
            {
                *last *= shape[d];
                for (k, s) in st.iter_mut().enumerate() {
                    let m = s.len() - 1;
                    s[m] = strides[k][d];
                }
                continue;
            }
            sh.push(shape[d]);
            for (k, s) in st.iter_mut().enumerate() {
                s.push(strides[k][d]);
            }
        }
        let (inner, inner_st) = match sh.pop() {
            Some(n) => (n, std::array::from_fn(|k| st[k].pop().unwrap_or(0))),
            None => (1, [0; N]),
        };
        Some(Walk {
            outer: sh,
            strides: st,
            inner,
            inner_st,
        })
    }

    /// The base offsets of each inner row, in order.
    fn rows(&self, offsets: [usize; N]) -> Rows<'_, N> {
        Rows {
            walk: self,
            idx: SmallVec::from_elem(0, self.outer.len()),
            base: offsets,
            done: false,
        }
    }
}

struct Rows<'a, const N: usize> {
    walk: &'a Walk<N>,
    idx: SmallVec<[usize; 8]>,
    base: [usize; N],
    done: bool,
}

impl<const N: usize> Iterator for Rows<'_, N> {
    type Item = [usize; N];

    #[inline(never)]
    fn next(&mut self) -> Option<[usize; N]> {
        if self.done {
            return None;
        }
        let row = self.base;
        let w = self.walk;
        // Advance the outer multi-index for the next call.
        let mut d = w.outer.len();
        loop {
            if d == 0 {
                self.done = true;
                break;
            }
            d -= 1;
            self.idx[d] += 1;
            for k in 0..N {
                self.base[k] += w.strides[k][d];
            }
            if self.idx[d] < w.outer[d] {
                break;
            }
            for k in 0..N {
                self.base[k] -= w.strides[k][d] * w.outer[d];
            }
            self.idx[d] = 0;
        }
        Some(row)
    }
}

#[inline]
fn walk<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    offsets: [usize; N],
    any_order: bool,
    mut f: impl FnMut([usize; N]),
) {
    let Some(w) = Walk::new(shape, strides, any_order) else {
        return;
    };
    let (inner, inner_st) = (w.inner, w.inner_st);
    for mut o in w.rows(offsets) {
        for _ in 0..inner {
            f(o);
            for k in 0..N {
                o[k] += inner_st[k];
            }
        }
    }
}

/// Calls `f(offsets, len, steps)` for each innermost row of `shape` in row-major order: the
/// row's first offsets, its length and each operand's stride along it (dims merged as in
/// [`for_each_offsets`]), for kernels that handle a whole row at once.
pub(crate) fn for_each_row<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    offsets: [usize; N],
    mut f: impl FnMut([usize; N], usize, [usize; N]),
) {
    let Some(w) = Walk::new(shape, strides, false) else {
        return;
    };
    for o in w.rows(offsets) {
        f(o, w.inner, w.inner_st);
    }
}

/// Calls `f` with the storage offsets of `N` operands for every index of `shape`, in
/// row-major order. Operands are given by their strides and base offsets; dims that all
/// operands traverse contiguously are merged first so the inner loop is long.
/// See Note [Walker code size].
#[inline]
pub(crate) fn for_each_offsets<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    offsets: [usize; N],
    f: impl FnMut([usize; N]),
) {
    walk(shape, strides, offsets, false, f);
}

/// As [`for_each_offsets`], but free to visit in any order: dims are walked with operand 0's
/// smallest stride innermost, so writes to an output laid out in its inputs' memory order
/// (or to a transposed one) stay sequential. Only for `f` whose effect does not depend on the
/// order, such as writing each output element once.
#[inline]
pub(crate) fn for_each_offsets_any_order<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
    offsets: [usize; N],
    f: impl FnMut([usize; N]),
) {
    walk(shape, strides, offsets, true, f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_of_transpose_needs_copy() {
        let l = Layout::contiguous(&[2, 3]).transpose(0, 1);
        assert!(l.view(&[6]).is_none());
        assert!(l.view(&[3, 2]).is_some());
        let c = Layout::contiguous(&[4, 4]);
        assert_eq!(c.view(&[2, 8]).unwrap().strides.as_slice(), &[8, 1]);
    }

    #[test]
    fn offsets_walk_row_major() {
        let l = Layout::contiguous(&[2, 3]).transpose(0, 1);
        let mut seen = vec![];
        for_each_offsets(&l.shape, [&l.strides], [l.offset], |[o]| seen.push(o));
        assert_eq!(seen, vec![0, 3, 1, 4, 2, 5]);
    }

    #[test]
    fn dense_checks() {
        let l = Layout::contiguous(&[2, 3]).transpose(0, 1);
        assert!(!l.is_contiguous());
        assert!(l.is_non_overlapping_and_dense());
        let e = Layout::contiguous(&[3, 1]).expand(&[3, 4]).unwrap();
        assert!(!e.is_non_overlapping_and_dense());
    }
}

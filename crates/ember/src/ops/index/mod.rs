//! Python's `x[...]`: [`Tensor::i`] with ints, ranges, steps, new axes and an ellipsis
//! (views), and index or mask tensors (advanced indexing, copies); `index_put_`.
//!
//! Note [Advanced indexing]
//! Index tensors are broadcast together to a shape `B`; the dims they index are replaced by
//! `B`, placed where the first indexed dim was when the indexed dims are adjacent, and in
//! front otherwise (NumPy's rule). A bool (or uint8) mask over `k` dims stands for the `k`
//! index tensors of its `nonzero()` coordinates.

pub(crate) mod formulas;
pub(crate) mod index_ops;
mod mask;
pub(crate) mod sparse;

use crate::autograd::inplace::{inplace_needs_grad, record_inplace};
use crate::error::{Error, Result, bail};
use crate::layout::Layout;
use crate::ops::index::formulas as f;
use crate::ops::index::index_ops::check_indices;
use crate::shape::{Dims, ShapeFmt, broadcast_shapes, numel};
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{DType, Tensor};
use ember_derive::panicking;
use std::ops::{Bound, RangeBounds};

/// One item of an indexing expression, as in Python's `x[1, 2:, None, ..., idx]`.
#[derive(Clone, Debug)]
pub enum TensorIndex {
    /// An integer: selects one entry and removes the dim (negative counts from the end).
    Select(i64),
    /// `start:stop:step`; missing bounds are the ends of the dim. A view.
    Slice {
        /// First index (default 0).
        start: Option<i64>,
        /// One past the last index (default the dim's size).
        stop: Option<i64>,
        /// Step, at least 1.
        step: i64,
    },
    /// `None`: a new dim of size 1.
    NewAxis,
    /// `...`: as many full slices as needed.
    Ellipsis,
    /// An integer index tensor or a bool mask (advanced indexing: a copy).
    Tensor(Tensor),
}

/// `None` in an index: a new dim of size 1 (`x.i((NewAxis, ..))` is `x[None, :]`).
#[derive(Clone, Copy, Debug)]
pub struct NewAxis;

/// `...` in an index: as many full slices as needed (`x.i((Ellipsis, 0))` is `x[..., 0]`).
#[derive(Clone, Copy, Debug)]
pub struct Ellipsis;

/// A slice with a step: `step_by(1..4, 2)` is Python's `1:4:2`, `step_by(.., 2)` is `::2`.
///
/// ```
/// let x = ember::arange(6);
/// assert_eq!(x.i(ember::step_by(1..6, 2)).to_vec::<i64>(), vec![1, 3, 5]);
/// ```
pub fn step_by(range: impl RangeBounds<i64>, step: i64) -> TensorIndex {
    let start = match range.start_bound() {
        Bound::Included(&s) => Some(s),
        Bound::Excluded(&s) => Some(s + 1),
        Bound::Unbounded => None,
    };
    let stop = match range.end_bound() {
        Bound::Included(&e) => (e != -1).then_some(e + 1),
        Bound::Excluded(&e) => Some(e),
        Bound::Unbounded => None,
    };
    TensorIndex::Slice { start, stop, step }
}

impl From<NewAxis> for TensorIndex {
    fn from(_: NewAxis) -> Self {
        TensorIndex::NewAxis
    }
}

impl From<Ellipsis> for TensorIndex {
    fn from(_: Ellipsis) -> Self {
        TensorIndex::Ellipsis
    }
}

impl From<std::ops::RangeFull> for TensorIndex {
    fn from(_: std::ops::RangeFull) -> Self {
        step_by(.., 1)
    }
}

impl From<&Tensor> for TensorIndex {
    fn from(t: &Tensor) -> Self {
        TensorIndex::Tensor(t.clone())
    }
}

impl From<Tensor> for TensorIndex {
    fn from(t: Tensor) -> Self {
        TensorIndex::Tensor(t)
    }
}

macro_rules! index_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for TensorIndex {
            fn from(i: $t) -> Self {
                TensorIndex::Select(i as i64)
            }
        }
        impl From<std::ops::Range<$t>> for TensorIndex {
            fn from(r: std::ops::Range<$t>) -> Self {
                step_by(r.start as i64..r.end as i64, 1)
            }
        }
        impl From<std::ops::RangeFrom<$t>> for TensorIndex {
            fn from(r: std::ops::RangeFrom<$t>) -> Self {
                step_by(r.start as i64.., 1)
            }
        }
        impl From<std::ops::RangeTo<$t>> for TensorIndex {
            fn from(r: std::ops::RangeTo<$t>) -> Self {
                step_by(..r.end as i64, 1)
            }
        }
        impl From<std::ops::RangeInclusive<$t>> for TensorIndex {
            fn from(r: std::ops::RangeInclusive<$t>) -> Self {
                step_by(*r.start() as i64..=*r.end() as i64, 1)
            }
        }
        impl From<std::ops::RangeToInclusive<$t>> for TensorIndex {
            fn from(r: std::ops::RangeToInclusive<$t>) -> Self {
                step_by(..=r.end as i64, 1)
            }
        }
    )*};
}
index_from_int!(i64, i32, usize);

/// What [`Tensor::i`] accepts: one index item, a tuple of them (`(.., 1..)`), or a list.
pub trait IndexArg {
    /// The items, in order.
    fn into_items(self) -> Vec<TensorIndex>;
}

impl<T: Into<TensorIndex>> IndexArg for T {
    fn into_items(self) -> Vec<TensorIndex> {
        vec![self.into()]
    }
}

impl IndexArg for Vec<TensorIndex> {
    fn into_items(self) -> Vec<TensorIndex> {
        self
    }
}

impl IndexArg for &[TensorIndex] {
    fn into_items(self) -> Vec<TensorIndex> {
        self.to_vec()
    }
}

macro_rules! index_arg_tuple {
    ($($T:ident $v:ident),*) => {
        impl<$($T: Into<TensorIndex>),*> IndexArg for ($($T,)*) {
            fn into_items(self) -> Vec<TensorIndex> {
                let ($($v,)*) = self;
                vec![$($v.into()),*]
            }
        }
    };
}
index_arg_tuple!(A a);
index_arg_tuple!(A a, B b);
index_arg_tuple!(A a, B b, C c);
index_arg_tuple!(A a, B b, C c, D d);
index_arg_tuple!(A a, B b, C c, D d, E e);
index_arg_tuple!(A a, B b, C c, D d, E e, F f);
index_arg_tuple!(A a, B b, C c, D d, E e, F f, G g);
index_arg_tuple!(A a, B b, C c, D d, E e, F f, G g, H h);

fn is_mask(t: &Tensor) -> bool {
    matches!(t.dtype(), DType::Bool | DType::U8)
}

fn too_many(ndim: usize) -> Error {
    Error::IndexOutOfRange(format!("too many indices for tensor of dimension {ndim}"))
}

/// Python's slice bounds for a dim of size `n`: `(start, len)`.
fn slice_bounds(start: Option<i64>, stop: Option<i64>, step: i64, n: usize) -> (usize, usize) {
    let n = n as i64;
    let clamp = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) };
    let s = start.map_or(0, clamp);
    let e = stop.map_or(n, clamp);
    let len = if e > s { (e - s + step - 1) / step } else { 0 };
    (s as usize, len as usize)
}

/// The index computation of Note [Advanced indexing].
struct IndexPlan {
    dims: Vec<usize>,
    vals: Vec<Vec<i64>>,
    /// The broadcast shape of the index tensors.
    bshape: Dims,
    /// Where `bshape` goes among the dims that are not indexed.
    pos: usize,
    rest: Dims,
    pattern: Vec<bool>,
    saved: Vec<Tensor>,
}

impl IndexPlan {
    fn n(&self) -> usize {
        numel(&self.bshape)
    }

    /// The shape of the result: the dims not indexed, with `bshape` at `pos`.
    fn result_shape(&self) -> Dims {
        let mut s: Dims = self.rest[..self.pos].into();
        s.extend_from_slice(&self.bshape);
        s.extend_from_slice(&self.rest[self.pos..]);
        s
    }

    /// The result's shape with `bshape` flattened to one dim.
    fn rows_shape(&self) -> Dims {
        let mut s = self.rest.clone();
        s.insert(self.pos, self.n());
        s
    }
}

impl Tensor {
    fn index_plan(&self, indices: &[Option<Tensor>]) -> Result<IndexPlan> {
        let mut idx: Vec<(usize, Tensor)> = Vec::new();
        let mut d = 0usize;
        for it in indices {
            match it {
                None => d += 1,
                Some(x) if is_mask(x) => {
                    self.check_same_device(x)?;
                    if d + x.dim() > self.dim() {
                        return Err(too_many(self.dim()));
                    }
                    for j in 0..x.dim() {
                        if x.shape()[j] != self.shape()[d + j] {
                            bail!(
                                IndexOutOfRange,
                                "The shape of the mask {} at index {j} does not match the shape of the indexed tensor {} at index {}",
                                ShapeFmt(x.shape()),
                                ShapeFmt(self.shape()),
                                d + j
                            );
                        }
                    }
                    let cols = x.try_to_dtype_raw(DType::Bool)?.nonzero_values()?;
                    for (j, c) in cols.into_iter().enumerate() {
                        let n = c.len();
                        idx.push((d + j, Tensor::try_from_vec(c, [n])?));
                    }
                    d += x.dim();
                }
                // int64 and int32 index; uint8 and bool are masks (above); PyTorch refuses
                // the other integers.
                Some(x) if matches!(x.dtype(), DType::I64 | DType::I32) => {
                    self.check_same_device(x)?;
                    idx.push((d, x.clone()));
                    d += 1;
                }
                Some(_) => bail!(
                    DType,
                    "tensors used as indices must be long, int, byte or bool tensors"
                ),
            }
            if d > self.dim() {
                return Err(too_many(self.dim()));
            }
        }
        let mut bshape = Dims::new();
        for (_, x) in &idx {
            bshape = broadcast_shapes(&bshape, x.shape()).map_err(|_| {
                let shapes: Vec<String> = idx
                    .iter()
                    .map(|(_, x)| ShapeFmt(x.shape()).to_string())
                    .collect();
                Error::IndexOutOfRange(format!(
                    "shape mismatch: indexing tensors could not be broadcast together with shapes {}",
                    shapes.join(", ")
                ))
            })?;
        }
        let mut dims = Vec::with_capacity(idx.len());
        let mut vals = Vec::with_capacity(idx.len());
        // A result with no elements (a zero-size dim that is not indexed) reads nothing, and
        // PyTorch's kernel checks no index value then; zeros stand in for the unchecked ones.
        let empty_result = (0..self.dim())
            .filter(|d| !idx.iter().any(|(k, _)| k == d))
            .any(|d| self.shape()[d] == 0);
        for (d, x) in &idx {
            let size = self.shape()[*d];
            let mut v = x.try_expand(&bshape)?.index_values()?;
            if empty_result {
                v.iter_mut().for_each(|i| *i = 0);
                dims.push(*d);
                vals.push(v);
                continue;
            }
            check_indices(&mut v, size, true, |i| {
                // PyTorch's kernel words it without the numbers for an empty dim.
                Error::IndexOutOfRange(if size == 0 {
                    "index is out of bounds for dimension with size 0".to_string()
                } else {
                    format!("index {i} is out of bounds for dimension {d} with size {size}")
                })
            })?;
            dims.push(*d);
            vals.push(v);
        }
        let adjacent = dims.windows(2).all(|w| w[1] == w[0] + 1);
        let pos = if adjacent {
            dims.first().copied().unwrap_or(0)
        } else {
            0
        };
        let rest = (0..self.dim())
            .filter(|d| !dims.contains(d))
            .map(|d| self.shape()[d])
            .collect();
        Ok(IndexPlan {
            dims,
            vals,
            bshape,
            pos,
            rest,
            pattern: indices.iter().map(Option::is_some).collect(),
            saved: indices.iter().flatten().map(Tensor::detach).collect(),
        })
    }

    /// `x[indices]` with index tensors (`torch.ops.aten.index`): `indices[i]` indexes the
    /// next dim (a bool mask: the next `mask.dim()` dims), `None` keeps a dim. A copy; see
    /// Note [Advanced indexing].
    ///
    /// ```
    /// let x = ember::tensor([[1, 2], [3, 4], [5, 6]]);
    /// let y = x.index(&[None, Some(ember::tensor([1, 1]))]);
    /// assert_eq!(y.to_vec::<i64>(), vec![2, 2, 4, 4, 6, 6]);
    /// ```
    ///
    /// # Errors
    /// If an index tensor has a bad dtype, the indices do not broadcast together, there are
    /// too many, or a value is out of range.
    #[panicking(must_use)]
    pub fn try_index(&self, indices: &[Option<Tensor>]) -> Result<Tensor> {
        let plan = self.index_plan(indices)?;
        if plan.dims.is_empty() {
            return self.try_clone_tensor();
        }
        let rows = self.take_rows_raw(&plan.dims, &plan.vals, plan.n(), plan.pos)?;
        let out = rows.alias(Layout::contiguous(&plan.result_shape()));
        if needs_grad(&[self]) {
            let saves: Vec<Save<'_>> = plan.saved.iter().map(Save::Tensor).collect();
            record(
                f::IndexBackward {
                    pattern: plan.pattern.clone(),
                },
                &[self],
                &[&out],
                &saves,
            );
        }
        Ok(out)
    }

    /// Writes `values` (broadcast to `x[indices]`'s shape) into `out` at `indices`.
    fn put_values(&self, plan: &IndexPlan, values: &Tensor, accumulate: bool) -> Result<()> {
        if values.dtype() != self.dtype() {
            bail!(
                DType,
                "Index put requires the source and destination dtypes match, got {} for the destination and {} for the source.",
                self.dtype().scalar_type_name(),
                values.dtype().scalar_type_name()
            );
        }
        self.check_same_device(values)?;
        let target = plan.result_shape();
        let Ok(vl) = values.layout().expand(&target) else {
            bail!(
                Shape,
                "shape mismatch: value tensor of shape {} cannot be broadcast to indexing result of shape {}",
                ShapeFmt(values.shape()),
                ShapeFmt(&target)
            );
        };
        let src = values.view_as_layout(vl).copy_raw(self.dtype())?;
        let src = src.alias(Layout::contiguous(&plan.rows_shape()));
        self.put_rows_raw(&plan.dims, &plan.vals, plan.n(), plan.pos, &src, accumulate)
    }

    /// `x.index_put_(indices, values, accumulate)`: in place, `x[indices] = values` (or
    /// `+=` with `accumulate`, where repeated indices add up). Returns `self`.
    ///
    /// ```
    /// let x = ember::zeros([3]);
    /// x.index_put_(&[Some(ember::tensor([0, 2, 0]))], &ember::scalar_tensor(1.0f32), true);
    /// assert_eq!(x.to_vec::<f32>(), vec![2.0, 0.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_index`]; also if `values` has another dtype or does not broadcast,
    /// or as the in-place checks of autograd.
    #[panicking]
    pub fn try_index_put_(
        &self,
        indices: &[Option<Tensor>],
        values: &Tensor,
        accumulate: bool,
    ) -> Result<Tensor> {
        self.check_inplace()?;
        let plan = self.index_plan(indices)?;
        self.put_values(&plan, values, accumulate)?;
        self.bump_version();
        if self.dtype().is_floating_point() && inplace_needs_grad(self, &[values]) {
            let saves: Vec<Save<'_>> = plan.saved.iter().map(Save::Tensor).collect();
            record_inplace(
                f::IndexPutBackward {
                    pattern: plan.pattern.clone(),
                    accumulate,
                },
                &[self, values],
                &saves,
            )?;
        }
        Ok(self.clone())
    }

    /// `x.index_put(indices, values, accumulate)`: the out-of-place [`Tensor::index_put_`].
    ///
    /// ```
    /// let x = ember::zeros([2, 2]);
    /// let y = x.index_put(&[Some(ember::tensor([true, false]))], &ember::scalar_tensor(3.0f32), false);
    /// assert_eq!(y.to_vec::<f32>(), vec![3.0, 3.0, 0.0, 0.0]);
    /// assert_eq!(x.to_vec::<f32>(), vec![0.0; 4]);
    /// ```
    ///
    /// # Errors
    /// As [`Tensor::try_index_put_`].
    #[panicking(must_use)]
    pub fn try_index_put(
        &self,
        indices: &[Option<Tensor>],
        values: &Tensor,
        accumulate: bool,
    ) -> Result<Tensor> {
        let plan = self.index_plan(indices)?;
        let out = self.copy_raw(self.dtype())?;
        out.put_values(&plan, values, accumulate)?;
        if needs_grad(&[self, values]) {
            let saves: Vec<Save<'_>> = plan.saved.iter().map(Save::Tensor).collect();
            record(
                f::IndexPutBackward {
                    pattern: plan.pattern.clone(),
                    accumulate,
                },
                &[self, values],
                &[&out],
                &saves,
            );
        }
        Ok(out)
    }

    /// Python's `x[index]`: ints select (removing the dim), ranges and [`step_by`] slice,
    /// [`NewAxis`] adds a dim, [`Ellipsis`] (or a lone `..`) stands for the remaining dims;
    /// all of these give views. Index tensors and bool masks index as in
    /// [`Tensor::index`] and give copies.
    ///
    /// ```
    /// use ember::{Ellipsis, NewAxis, step_by};
    /// let x = ember::arange(12).view([3, 4]);
    /// assert_eq!(x.i((.., 1..)).shape(), &[3, 3]);
    /// assert_eq!(x.i(-1).to_vec::<i64>(), vec![8, 9, 10, 11]);
    /// assert_eq!(x.i((1, 2)).item::<i64>(), 6);
    /// assert_eq!(x.i((Ellipsis, 0)).to_vec::<i64>(), vec![0, 4, 8]);
    /// assert_eq!(x.i((NewAxis, step_by(.., 2))).shape(), &[1, 2, 4]);
    /// assert_eq!(x.i(&ember::tensor([2, 0])).shape(), &[2, 4]);
    /// assert!(x.i((.., 1..)).shares_storage(&x));
    /// ```
    ///
    /// # Errors
    /// For an index out of range, a step below 1, too many indices, more than one ellipsis,
    /// or the errors of [`Tensor::try_index`].
    #[panicking(must_use)]
    pub fn try_i(&self, index: impl IndexArg) -> Result<Tensor> {
        let items = index.into_items();
        let mut consumed = 0;
        let mut ellipses = 0;
        for it in &items {
            match it {
                // PyTorch bounds-checks any index but 0 first (against a size of 0).
                TensorIndex::Select(i) if self.dim() == 0 && *i != 0 => bail!(
                    IndexOutOfRange,
                    "index {i} is out of bounds for dimension 0 with size 0"
                ),
                TensorIndex::Select(_) if self.dim() == 0 => bail!(
                    IndexOutOfRange,
                    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
                ),
                TensorIndex::Select(_) | TensorIndex::Slice { .. } => consumed += 1,
                TensorIndex::Tensor(t) if is_mask(t) => consumed += t.dim(),
                TensorIndex::Tensor(_) => consumed += 1,
                TensorIndex::Ellipsis => ellipses += 1,
                TensorIndex::NewAxis => {}
            }
        }
        if ellipses > 1 {
            bail!(
                IndexOutOfRange,
                "an index can only have a single ellipsis ('...')"
            );
        }
        if consumed > self.dim() {
            return Err(too_many(self.dim()));
        }
        let mut t = self.clone();
        let mut d = 0usize;
        // The dim of `self` an item stands for (errors name it, as PyTorch's do).
        let mut orig = 0usize;
        let mut adv: Vec<(usize, Tensor)> = Vec::new();
        let only = items.len() == 1;
        for it in items {
            match it {
                TensorIndex::Select(i) => {
                    let n = t.shape()[d] as i64;
                    if i < -n || i >= n {
                        bail!(
                            IndexOutOfRange,
                            "index {i} is out of bounds for dimension {orig} with size {n}"
                        );
                    }
                    t = t.try_select(d as i64, i)?;
                    orig += 1;
                }
                TensorIndex::Slice { start, stop, step } => {
                    if step < 1 {
                        bail!(Value, "step must be greater than zero");
                    }
                    let size = t.shape()[d];
                    let (s, len) = slice_bounds(start, stop, step, size);
                    // Full slices are skipped, except alone (`x[:]` is a SliceBackward0 view).
                    if only || !(s == 0 && len == size && step == 1) {
                        t = t.slice_dim(d, s, len, step as usize)?;
                    }
                    d += 1;
                    orig += 1;
                }
                TensorIndex::NewAxis => {
                    t = t.try_unsqueeze(d as i64)?;
                    d += 1;
                }
                TensorIndex::Ellipsis => {
                    d += self.dim() - consumed;
                    orig += self.dim() - consumed;
                }
                TensorIndex::Tensor(x) => {
                    orig += if is_mask(&x) { x.dim() } else { 1 };
                    if is_mask(&x) && x.dim() == 0 {
                        t = t.try_unsqueeze(d as i64)?;
                        adv.push((d, x.try_reshape([1])?));
                        d += 1;
                    } else {
                        d += if is_mask(&x) { x.dim() } else { 1 };
                        adv.push((d - if is_mask(&x) { x.dim() } else { 1 }, x));
                    }
                }
            }
        }
        if adv.is_empty() {
            if t.is(self) {
                let out = self.view_as_layout(self.layout().clone());
                if needs_grad(&[self]) {
                    record(f::AliasBackward, &[self], &[&out], &[]);
                }
                return Ok(out);
            }
            return Ok(t);
        }
        let mut list: Vec<Option<Tensor>> = Vec::new();
        let mut cur = 0;
        for (pos, x) in adv {
            while cur < pos {
                list.push(None);
                cur += 1;
            }
            cur += if is_mask(&x) { x.dim() } else { 1 };
            list.push(Some(x));
        }
        t.try_index(&list)
    }
}

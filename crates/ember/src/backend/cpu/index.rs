//! The indexing kernel. Every indexing op (index_select, advanced indexing, gather,
//! scatter_add, index_add, index_put_, flip, roll, masked_select) is one move over "rows": a
//! row is a block of elements that starts at a storage offset computed by the tensor layer
//! from validated indices, and is walked with the strides of the dims that are not indexed.

use super::CpuBuffer;
use super::dispatch::{with_dtype, with_float, with_int};
use crate::DType;
use crate::dtype::Element;
use crate::layout::for_each_offsets;
use crate::math::IntElement;

/// Row starts and the strides that walk a row, for one operand.
pub(crate) struct Rows<'a> {
    pub offsets: &'a [usize],
    pub strides: &'a [usize],
}

/// `dst[row b] = src[row b]` for every row, or `+=` with `accumulate` (rows are visited in
/// order, so with repeated destination rows the last write wins or all add up).
pub(crate) fn copy_rows(
    src: &CpuBuffer,
    s: &Rows<'_>,
    dst: &mut CpuBuffer,
    d: &Rows<'_>,
    rest: &[usize],
    dt: DType,
    accumulate: bool,
) {
    if !accumulate {
        with_dtype!(dt, T => rows_typed::<T>(src.as_slice(), s, dst.as_mut_slice(), d, rest, |_, v| v));
        return;
    }
    with_float!(dt, T => rows_typed::<T>(src.as_slice(), s, dst.as_mut_slice(), d, rest, |a, b| T::from_f64(a.to_f64() + b.to_f64())),
        _ => with_int!(dt, T => rows_typed::<T>(src.as_slice(), s, dst.as_mut_slice(), d, rest, |a: T, b| a.add_w(b)),
            _ => rows_typed::<bool>(src.as_slice(), s, dst.as_mut_slice(), d, rest, |a, b| a | b)))
}

fn rows_typed<T: Element>(
    src: &[T],
    s: &Rows<'_>,
    dst: &mut [T],
    d: &Rows<'_>,
    rest: &[usize],
    f: impl Fn(T, T) -> T,
) {
    if rest.is_empty() {
        for (&so, &doff) in s.offsets.iter().zip(d.offsets) {
            dst[doff] = f(dst[doff], src[so]);
        }
        return;
    }
    for (&so, &doff) in s.offsets.iter().zip(d.offsets) {
        for_each_offsets(rest, [d.strides, s.strides], [doff, so], |[o, i]| {
            dst[o] = f(dst[o], src[i]);
        });
    }
}

//! Copies between layouts (with casts) and fills.

use super::dispatch::with_dtype;
use super::{CpuBuffer, chunked};
use crate::dtype::Element;
use crate::layout::{Layout, for_each_offsets_any_order};
use crate::{DType, Scalar};

pub(crate) fn copy_strided(
    src: &CpuBuffer,
    sl: &Layout,
    src_dt: DType,
    dst: &mut CpuBuffer,
    dl: &Layout,
    dst_dt: DType,
) {
    with_dtype!(src_dt, S => with_dtype!(dst_dt, D => {
        copy_typed::<S, D>(src.as_slice::<S>(), sl, dst.as_mut_slice::<D>(), dl)
    }))
}

fn copy_typed<S: Element, D: Element>(src: &[S], sl: &Layout, dst: &mut [D], dl: &Layout) {
    let n = dl.numel();
    // An empty view may carry an offset past the end of its (empty) buffer: nothing to copy.
    if n == 0 {
        return;
    }
    // Same memory order and dense (e.g. a cast of a transposed tensor): one flat copy.
    if sl.same_order(dl) && dl.is_non_overlapping_and_dense() {
        let s = &src[sl.offset..sl.offset + n];
        let d = &mut dst[dl.offset..dl.offset + n];
        if S::DTYPE == D::DTYPE {
            // SAFETY: S and D are the same type when their dtypes are equal.
            let s: &[D] = unsafe { std::slice::from_raw_parts(s.as_ptr().cast(), n) };
            d.copy_from_slice(s);
        } else {
            chunked(d, |st, c| {
                let s = &s[st..st + c.len()];
                c.iter_mut().zip(s).for_each(|(o, &i)| *o = i.cast())
            });
        }
        return;
    }
    for_each_offsets_any_order(
        &dl.shape,
        [&dl.strides, &sl.strides],
        [dl.offset, sl.offset],
        |[o, i]| dst[o] = src[i].cast(),
    );
}

pub(crate) fn fill(dst: &mut CpuBuffer, dl: &Layout, dt: DType, value: Scalar) {
    with_dtype!(dt, T => {
        let v: T = match value {
            Scalar::Float(f) => T::from_f64(f),
            Scalar::Int(i) => T::from_i64(i),
            Scalar::Bool(b) => T::from_bool(b),
        };
        fill_typed(dst.as_mut_slice::<T>(), dl, v)
    })
}

fn fill_typed<T: Element>(dst: &mut [T], dl: &Layout, v: T) {
    let n = dl.numel();
    // As in `copy_typed`: an empty view's offset may lie past its buffer.
    if n == 0 {
        return;
    }
    if dl.is_non_overlapping_and_dense() {
        let d = &mut dst[dl.offset..dl.offset + n];
        chunked(d, |_, c| c.fill(v));
        return;
    }
    for_each_offsets_any_order(&dl.shape, [&dl.strides], [dl.offset], |[o]| dst[o] = v);
}

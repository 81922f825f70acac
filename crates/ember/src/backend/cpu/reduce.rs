//! Reductions over a set of dims: sum and prod accumulate in f64 (floats) or i64 (integers
//! and bool); max/min propagate NaN; argmax/argmin return the first extreme index, counting
//! NaN as the extreme; all/any test elements against zero (NaN is nonzero).

use super::dispatch::with_dtype;
use super::{CpuBuffer, PAR_CHUNK, PAR_THRESHOLD, parallel};
use crate::DType;
use crate::dtype::Element;
use crate::error::{Result, bail};
use crate::layout::{Layout, Strides, for_each_offsets, for_each_row};
use crate::ops::table::ReduceOp;
use crate::shape::Dims;

/// Calls `f(dst_offset, inner)` for every output element, where `inner` is the layout of the
/// reduced sub-block of `sl` feeding it.
fn for_each_output(sl: &Layout, dims: &[usize], dl: &Layout, mut f: impl FnMut(usize, &Layout)) {
    let mut inner = Layout {
        shape: dims.iter().map(|&d| sl.shape[d]).collect::<Dims>(),
        strides: dims.iter().map(|&d| sl.strides[d]).collect::<Strides>(),
        offset: 0,
    };
    // Walk the output's shape; the source strides of reduced dims never move (size 1 there).
    for_each_offsets(
        &dl.shape,
        [&dl.strides, &sl.strides],
        [dl.offset, sl.offset],
        |[o, s]| {
            inner.offset = s;
            f(o, &inner)
        },
    );
}

#[inline]
fn is_nan<T: Element>(x: T) -> bool {
    #[allow(clippy::eq_op)]
    {
        x != x
    }
}

/// Folds the elements of `l` in row-major order.
#[inline]
fn fold<T: Element, A>(src: &[T], l: &Layout, init: A, mut f: impl FnMut(A, T) -> A) -> A {
    let mut acc = Some(init);
    if l.numel() == 0 {
        return acc.take().expect("init");
    }
    if l.is_contiguous() {
        let mut a = acc.take().expect("init");
        for &x in &src[l.offset..l.offset + l.numel()] {
            a = f(a, x);
        }
        return a;
    }
    for_each_offsets(&l.shape, [&l.strides], [l.offset], |[i]| {
        let a = acc.take().expect("acc");
        acc = Some(f(a, src[i]));
    });
    acc.expect("acc")
}

/// The f64 sum of `s` (8 running sums, then the tail), in an AVX2 build when the CPU has
/// it: the widening adds are the bottleneck at SSE2's 2 lanes, so sums trailed PyTorch's.
fn sum_f64<T: Element>(s: &[T]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if T::IS_FLOAT && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { sum_f64_avx2(s) };
    }
    sum_f64_plain(s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sum_f64_avx2<T: Element>(s: &[T]) -> f64 {
    sum_f64_plain(s)
}

#[inline(always)]
fn sum_f64_plain<T: Element>(s: &[T]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = s.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] += c[k].to_f64();
        }
    }
    let mut total = acc.iter().sum::<f64>();
    for &x in rem {
        total += x.to_f64();
    }
    total
}

fn sum_typed<T: Element>(src: &[T], sl: &Layout, dims: &[usize], dst: &mut CpuBuffer, dl: &Layout) {
    let total = sl.numel();
    if T::IS_FLOAT {
        let d = dst.as_mut_slice::<T>();
        if dims.len() == sl.ndim() && sl.is_contiguous() && total >= PAR_THRESHOLD {
            // Each thread sums a contiguous share chunk by chunk; the shares add in order.
            let s = &src[sl.offset..sl.offset + total];
            let chunks = total.div_ceil(PAR_CHUNK);
            let parts = parallel::num_threads().min(chunks);
            let mut partial = vec![0f64; parts];
            parallel::par_chunks_mut(&mut partial, 1, &|t, p| {
                let (lo, hi) = (chunks * t / parts, chunks * (t + 1) / parts);
                let share = &s[lo * PAR_CHUNK..(hi * PAR_CHUNK).min(total)];
                p[0] = share.chunks(PAR_CHUNK).map(sum_f64).sum();
            });
            d[dl.offset] = T::from_f64(partial.iter().sum());
            return;
        }
        // `m.sum(1)`: each output reduces its own contiguous run; the runs go to the kernel pool (the
        // same per-run sum as the serial path below, so the same bits).
        let kept = sl.ndim() - dims.len();
        if sl.is_contiguous()
            && dl.is_contiguous()
            && total >= PAR_THRESHOLD
            && dims.iter().all(|&d| d >= kept)
        {
            let inner: usize = sl.shape[kept..].iter().product();
            if inner > 0 && total / inner > 1 {
                let s = &src[sl.offset..sl.offset + total];
                let out = &mut d[dl.offset..dl.offset + total / inner];
                let rows = (PAR_CHUNK / inner).max(1);
                parallel::par_chunks_mut(out, rows, &|r, o| {
                    for (k, o) in o.iter_mut().enumerate() {
                        let run = &s[(r + k) * inner..(r + k + 1) * inner];
                        *o = T::from_f64(sum_f64(run));
                    }
                });
                return;
            }
        }
        let last = sl.ndim().wrapping_sub(1);
        if sl.is_contiguous() && sl.ndim() > 1 && !dims.contains(&last) && sl.shape[last] > 1 {
            sum_outer(src, sl, dims, d, dl);
            return;
        }
        // Each output adds up its block row by row, so a reduced block with a contiguous
        // innermost dim (the bias gradient's `g.sum([0, 2, 3])`) is summed in vector runs.
        for_each_output(sl, dims, dl, |o, inner| {
            let mut acc = 0f64;
            for_each_row(
                &inner.shape,
                [&inner.strides],
                [inner.offset],
                |[i], len, [st]| {
                    acc += if st == 1 {
                        sum_f64(&src[i..i + len])
                    } else {
                        (0..len).fold(0f64, |a, k| a + src[i + k * st].to_f64())
                    };
                },
            );
            d[o] = T::from_f64(acc);
        });
    } else {
        let d = dst.as_mut_slice::<i64>();
        for_each_output(sl, dims, dl, |o, inner| {
            d[o] = fold(src, inner, 0i64, |a, x| a.wrapping_add(x.to_i64()))
        });
    }
}

/// `m.sum(0)`-style reductions, where the innermost dim is kept: walks the source in memory
/// order and adds each row into one f64 accumulator per output element, instead of striding
/// down each reduced column (a cache miss per element). Each output still adds its inputs in
/// increasing index order, so the result equals the per-output fold.
fn sum_outer<T: Element>(src: &[T], sl: &Layout, dims: &[usize], d: &mut [T], dl: &Layout) {
    let mut acc = vec![0f64; dl.numel()];
    let mut acc_strides: Strides = sl.shape.iter().map(|_| 0).collect();
    let mut step = 1;
    for k in (0..sl.ndim()).rev() {
        if !dims.contains(&k) {
            acc_strides[k] = step;
            step *= sl.shape[k];
        }
    }
    // The dims after the last reduced one form a contiguous block in both the source and
    // the accumulator: add it as one vectorisable slice.
    let last = dims.iter().copied().max().unwrap_or(0);
    let block: usize = sl.shape[last + 1..].iter().product();
    // An empty source sums to zeros; its offsets may point past the (empty) buffer.
    let empty = sl.numel() == 0;
    for_each_offsets(
        &sl.shape[..=last],
        [&sl.strides[..=last], &acc_strides[..=last]],
        [sl.offset, 0],
        |[i, o]| {
            if empty {
                return;
            }
            for (a, &x) in acc[o..o + block].iter_mut().zip(&src[i..i + block]) {
                *a += x.to_f64();
            }
        },
    );
    let mut k = 0;
    for_each_offsets(&dl.shape, [&dl.strides], [dl.offset], |[o]| {
        d[o] = T::from_f64(acc[k]);
        k += 1;
    });
}

fn prod_typed<T: Element>(
    src: &[T],
    sl: &Layout,
    dims: &[usize],
    dst: &mut CpuBuffer,
    dl: &Layout,
) {
    if T::IS_FLOAT {
        let d = dst.as_mut_slice::<T>();
        for_each_output(sl, dims, dl, |o, inner| {
            d[o] = T::from_f64(fold(src, inner, 1f64, |a, x| a * x.to_f64()))
        });
    } else {
        let d = dst.as_mut_slice::<i64>();
        for_each_output(sl, dims, dl, |o, inner| {
            d[o] = fold(src, inner, 1i64, |a, x| a.wrapping_mul(x.to_i64()))
        });
    }
}

fn extreme_typed<T: Element>(
    src: &[T],
    sl: &Layout,
    dims: &[usize],
    dst: &mut CpuBuffer,
    dl: &Layout,
    max: bool,
) {
    let d = dst.as_mut_slice::<T>();
    for_each_output(sl, dims, dl, |o, inner| {
        d[o] = fold(src, inner, None::<T>, |a, x| match a {
            None => Some(x),
            Some(a) if is_nan(a) => Some(a),
            Some(_) if is_nan(x) => Some(x),
            Some(a) => Some(if (max && x > a) || (!max && x < a) {
                x
            } else {
                a
            }),
        })
        .unwrap_or_default()
    });
}

fn arg_typed<T: Element>(
    src: &[T],
    sl: &Layout,
    dims: &[usize],
    dst: &mut CpuBuffer,
    dl: &Layout,
    max: bool,
) {
    let d = dst.as_mut_slice::<i64>();
    for_each_output(sl, dims, dl, |o, inner| {
        let (_, best, _) = fold(src, inner, (None::<T>, 0i64, 0i64), |(a, bi, i), x| {
            let take = match a {
                None => true,
                Some(a) if is_nan(a) => false,
                Some(_) if is_nan(x) => true,
                Some(a) => (max && x > a) || (!max && x < a),
            };
            if take {
                (Some(x), i, i + 1)
            } else {
                (a, bi, i + 1)
            }
        });
        d[o] = best;
    });
}

fn all_any_typed<T: Element>(
    src: &[T],
    sl: &Layout,
    dims: &[usize],
    dst: &mut CpuBuffer,
    dl: &Layout,
    dst_dt: DType,
    all: bool,
) {
    // `all` of an empty slice is true and `any` false: the fold's initial value.
    let each = |f: &mut dyn FnMut(usize, bool)| {
        for_each_output(sl, dims, dl, |o, inner| {
            f(
                o,
                fold(src, inner, all, |a, x| {
                    if all {
                        a && x.is_nonzero()
                    } else {
                        a || x.is_nonzero()
                    }
                }),
            )
        })
    };
    if dst_dt == DType::U8 {
        let d = dst.as_mut_slice::<u8>();
        each(&mut |o, v| d[o] = v as u8);
    } else {
        let d = dst.as_mut_slice::<bool>();
        each(&mut |o, v| d[o] = v);
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn reduce(
    op: ReduceOp,
    src: &CpuBuffer,
    sl: &Layout,
    src_dt: DType,
    dims: &[usize],
    dst: &mut CpuBuffer,
    dl: &Layout,
    dst_dt: DType,
) -> Result<()> {
    let expect = op.out_dtype(src_dt);
    if dst_dt != expect {
        bail!(
            DType,
            "reduce {op:?}: output dtype {dst_dt} but expected {expect}"
        );
    }
    with_dtype!(src_dt, T => {
        let s = src.as_slice::<T>();
        match op {
            ReduceOp::Sum => sum_typed(s, sl, dims, dst, dl),
            ReduceOp::Prod => prod_typed(s, sl, dims, dst, dl),
            ReduceOp::Max => extreme_typed(s, sl, dims, dst, dl, true),
            ReduceOp::Min => extreme_typed(s, sl, dims, dst, dl, false),
            ReduceOp::ArgMax => arg_typed(s, sl, dims, dst, dl, true),
            ReduceOp::ArgMin => arg_typed(s, sl, dims, dst, dl, false),
            ReduceOp::All => all_any_typed(s, sl, dims, dst, dl, dst_dt, true),
            ReduceOp::Any => all_any_typed(s, sl, dims, dst, dl, dst_dt, false),
        }
    });
    Ok(())
}

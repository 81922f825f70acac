//! Elementwise kernels: unary, parametric unary, binary, comparison and `where`.

use super::dispatch::{with_dtype, with_float, with_int};
use super::{CpuBuffer, chunked};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::{Layout, for_each_offsets_any_order};
use crate::ops::table::{BinaryOp, CmpOp, IntMode, Map1, Map2, ParamOp, UnaryOp};
use crate::{DType, Device};

type Src<'a, T> = (&'a [T], &'a Layout);

fn unsupported(op: &str, dt: DType) -> Error {
    Error::Unsupported {
        op: op.to_string(),
        dtype: dt,
        device: Device::Cpu,
    }
}

/// True when every dim of size > 1 has stride 0: the operand is one repeated value.
fn is_scalar_like(l: &Layout) -> bool {
    l.shape
        .iter()
        .zip(&l.strides)
        .all(|(&n, &s)| n == 1 || s == 0)
}

/// True when `l` walks its storage in the same order as the dense output layout `dl`:
/// then both are plain slices, whether that order is row-major or permuted
/// (see Note [Elementwise output layout]).
fn same_contig(l: &Layout, dl: &Layout) -> bool {
    l.same_order(dl)
}

/// True when `l` covers `offset..offset + numel` exactly, in any dim order.
fn dense(l: &Layout) -> bool {
    l.is_non_overlapping_and_dense()
}

#[inline]
fn contig<'a, T>(s: &'a [T], l: &Layout) -> &'a [T] {
    &s[l.offset..l.offset + l.numel()]
}

struct M1<'a, T> {
    src: Option<Src<'a, T>>,
    dst: &'a mut [T],
    dl: &'a Layout,
}

impl<T: Element> Map1<T> for M1<'_, T> {
    type Out = ();
    #[inline]
    fn call<F: Fn(T) -> T + Copy + Send + Sync>(self, f: F) {
        map1(self.src, self.dst, self.dl, f)
    }
}

/// A half-precision map whose function runs in f32: PyTorch's CPU kernels compute f16/bf16
/// elementwise functions in float and round once, so a composite such as sigmoid
/// (`1 / (1 + exp(-x))`) must not round after every step.
struct Via32<'a, H>(M1<'a, H>);

impl<H: Element> Map1<f32> for Via32<'_, H> {
    type Out = ();
    #[inline]
    fn call<F: Fn(f32) -> f32 + Copy + Send + Sync>(self, f: F) {
        // f16/bf16 -> f32 is exact; f32 -> f64 -> half rounds once.
        self.0
            .call(move |x: H| H::from_f64(f64::from(f(x.to_f64() as f32))))
    }
}

/// `o = f(i)` over a slice (`src` `None`: in place). Float loops also get an AVX2 build,
/// taken when the CPU has it: the crate targets baseline x86-64 (SSE2), where a vectorised
/// function such as [`crate::math::exp_f32`] runs 4 lanes wide instead of 8.
#[inline(always)]
fn map_slice<T: Element, F: Fn(T) -> T>(out: &mut [T], src: Option<&[T]>, f: F) {
    #[cfg(target_arch = "x86_64")]
    if T::IS_FLOAT && std::mem::size_of::<T>() >= 4 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { map_slice_avx2(out, src, f) };
        return;
    }
    map_slice_plain(out, src, f);
}

#[inline(always)]
fn map_slice_plain<T: Element, F: Fn(T) -> T>(out: &mut [T], src: Option<&[T]>, f: F) {
    match src {
        None => out.iter_mut().for_each(|o| *o = f(*o)),
        Some(s) => out.iter_mut().zip(s).for_each(|(o, &i)| *o = f(i)),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn map_slice_avx2<T: Element, F: Fn(T) -> T>(out: &mut [T], src: Option<&[T]>, f: F) {
    map_slice_plain(out, src, f);
}

fn map1<T: Element, F: Fn(T) -> T + Copy + Send + Sync>(
    src: Option<Src<'_, T>>,
    dst: &mut [T],
    dl: &Layout,
    f: F,
) {
    let n = dl.numel();
    if dense(dl) {
        let d = &mut dst[dl.offset..dl.offset + n];
        match src {
            None => {
                chunked(d, |_, c| map_slice(c, None, f));
                return;
            }
            Some((s, sl)) if same_contig(sl, dl) => {
                let s = contig(s, sl);
                chunked(d, |st, c| map_slice(c, Some(&s[st..st + c.len()]), f));
                return;
            }
            _ => {}
        }
    }
    match src {
        None => for_each_offsets_any_order(&dl.shape, [&dl.strides], [dl.offset], |[o]| {
            dst[o] = f(dst[o])
        }),
        Some((s, sl)) => for_each_offsets_any_order(
            &dl.shape,
            [&dl.strides, &sl.strides],
            [dl.offset, sl.offset],
            |[o, i]| dst[o] = f(s[i]),
        ),
    }
}

pub(crate) fn unary(
    op: UnaryOp,
    src: Option<(&CpuBuffer, &Layout)>,
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
) -> Result<()> {
    if let Some(r) = via32(dt, src, dst, dl, |m| op.visit_float::<f32, _>(m)) {
        return r;
    }
    with_float!(dt, T => {
        op.visit_float::<T, _>(M1 {
            src: src.map(|(b, l)| (b.as_slice::<T>(), l)),
            dst: dst.as_mut_slice::<T>(),
            dl,
        });
        Ok(())
    }, _ => {
        if op.int_mode() == IntMode::Promote {
            return Err(unsupported(op.name(), dt));
        }
        with_int!(dt, T => {
            op.visit_int::<T, _>(M1 {
                src: src.map(|(b, l)| (b.as_slice::<T>(), l)),
                dst: dst.as_mut_slice::<T>(),
                dl,
            });
            Ok(())
        }, _ => Err(unsupported(op.name(), dt)))
    })
}

pub(crate) fn param(
    op: ParamOp,
    src: Option<(&CpuBuffer, &Layout)>,
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
) -> Result<()> {
    if let Some(r) = via32(dt, src, dst, dl, |m| op.visit_float::<f32, _>(m)) {
        return r;
    }
    with_float!(dt, T => {
        op.visit_float::<T, _>(M1 {
            src: src.map(|(b, l)| (b.as_slice::<T>(), l)),
            dst: dst.as_mut_slice::<T>(),
            dl,
        });
        Ok(())
    }, _ => with_int!(dt, T => {
        op.visit_int::<T, _>(M1 {
            src: src.map(|(b, l)| (b.as_slice::<T>(), l)),
            dst: dst.as_mut_slice::<T>(),
            dl,
        })
        .ok_or_else(|| unsupported(&format!("{op:?}"), dt))
    }, _ => Err(unsupported(&format!("{op:?}"), dt))))
}

/// Runs `visit` with a [`Via32`] map when `dt` is f16 or bf16; `None` for other dtypes.
fn via32(
    dt: DType,
    src: Option<(&CpuBuffer, &Layout)>,
    dst: &mut CpuBuffer,
    dl: &Layout,
    visit: impl FnOnce(Via32Any<'_>),
) -> Option<Result<()>> {
    match dt {
        DType::F16 => visit(Via32Any::F16(Via32(M1 {
            src: src.map(|(b, l)| (b.as_slice::<half::f16>(), l)),
            dst: dst.as_mut_slice::<half::f16>(),
            dl,
        }))),
        DType::BF16 => visit(Via32Any::BF16(Via32(M1 {
            src: src.map(|(b, l)| (b.as_slice::<half::bf16>(), l)),
            dst: dst.as_mut_slice::<half::bf16>(),
            dl,
        }))),
        _ => return None,
    }
    Some(Ok(()))
}

/// Either half type's [`Via32`], so one visitor call serves both.
enum Via32Any<'a> {
    F16(Via32<'a, half::f16>),
    BF16(Via32<'a, half::bf16>),
}

impl Map1<f32> for Via32Any<'_> {
    type Out = ();
    #[inline]
    fn call<F: Fn(f32) -> f32 + Copy + Send + Sync>(self, f: F) {
        match self {
            Via32Any::F16(m) => m.call(f),
            Via32Any::BF16(m) => m.call(f),
        }
    }
}

struct M2<'a, T> {
    a: Option<Src<'a, T>>,
    b: Src<'a, T>,
    dst: &'a mut [T],
    dl: &'a Layout,
}

impl<T: Element> Map2<T> for M2<'_, T> {
    type Out = ();
    #[inline]
    fn call<F: Fn(T, T) -> T + Copy + Send + Sync>(self, f: F) {
        map2(self.a, self.b, self.dst, self.dl, f)
    }
}

fn map2<T: Element, F: Fn(T, T) -> T + Copy + Send + Sync>(
    a: Option<Src<'_, T>>,
    b: Src<'_, T>,
    dst: &mut [T],
    dl: &Layout,
    f: F,
) {
    let n = dl.numel();
    let (bs, bl) = b;
    if n > 0 && dense(dl) {
        // `a` is the output itself, or a contiguous input of the output's shape.
        let a_contig = match a {
            None => true,
            Some((_, al)) => same_contig(al, dl),
        };
        if a_contig && (same_contig(bl, dl) || is_scalar_like(bl)) {
            let scalar_b = !same_contig(bl, dl);
            let bv = bs[bl.offset];
            let bc = if scalar_b { &bs[..0] } else { contig(bs, bl) };
            let (d_off, a_src) = (dl.offset, a.map(|(s, l)| contig(s, l)));
            let d = &mut dst[d_off..d_off + n];
            let run = |start: usize, d: &mut [T]| {
                let len = d.len();
                match (a_src, scalar_b) {
                    (None, true) => d.iter_mut().for_each(|o| *o = f(*o, bv)),
                    (None, false) => d
                        .iter_mut()
                        .zip(&bc[start..start + len])
                        .for_each(|(o, &y)| *o = f(*o, y)),
                    (Some(av), true) => d
                        .iter_mut()
                        .zip(&av[start..start + len])
                        .for_each(|(o, &x)| *o = f(x, bv)),
                    (Some(av), false) => d
                        .iter_mut()
                        .zip(av[start..start + len].iter().zip(&bc[start..start + len]))
                        .for_each(|(o, (&x, &y))| *o = f(x, y)),
                }
            };
            chunked(d, run);
            return;
        }
        if let Some((as_, al)) = a
            && is_scalar_like(al)
            && same_contig(bl, dl)
        {
            let av = as_[al.offset];
            let bc = contig(bs, bl);
            let d = &mut dst[dl.offset..dl.offset + n];
            chunked(d, |st, c| {
                let bc = &bc[st..st + c.len()];
                c.iter_mut().zip(bc).for_each(|(o, &y)| *o = f(av, y))
            });
            return;
        }
    }
    match a {
        None => for_each_offsets_any_order(
            &dl.shape,
            [&dl.strides, &bl.strides],
            [dl.offset, bl.offset],
            |[o, j]| dst[o] = f(dst[o], bs[j]),
        ),
        Some((as_, al)) => for_each_offsets_any_order(
            &dl.shape,
            [&dl.strides, &al.strides, &bl.strides],
            [dl.offset, al.offset, bl.offset],
            |[o, i, j]| dst[o] = f(as_[i], bs[j]),
        ),
    }
}

pub(crate) fn binary(
    op: BinaryOp,
    a: Option<(&CpuBuffer, &Layout)>,
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
) -> Result<()> {
    with_float!(dt, T => {
        op.visit_float::<T, _>(M2 {
            a: a.map(|(x, l)| (x.as_slice::<T>(), l)),
            b: (b.0.as_slice::<T>(), b.1),
            dst: dst.as_mut_slice::<T>(),
            dl,
        });
        Ok(())
    }, _ => {
        if op.int_mode() == IntMode::Promote {
            return Err(unsupported(op.name(), dt));
        }
        with_int!(dt, T => {
            op.visit_int::<T, _>(M2 {
                a: a.map(|(x, l)| (x.as_slice::<T>(), l)),
                b: (b.0.as_slice::<T>(), b.1),
                dst: dst.as_mut_slice::<T>(),
                dl,
            });
            Ok(())
        }, _ => Err(unsupported(op.name(), dt)))
    })
}

fn cmp_typed<T: Element>(
    a: Src<'_, T>,
    b: Src<'_, T>,
    dst: &mut [bool],
    dl: &Layout,
    f: impl Fn(T, T) -> bool + Copy + Send + Sync,
) {
    let ((as_, al), (bs, bl)) = (a, b);
    let n = dl.numel();
    if n > 0 && same_contig(al, dl) && dense(dl) {
        let x = contig(as_, al);
        let d = &mut dst[dl.offset..dl.offset + n];
        if same_contig(bl, dl) {
            let y = contig(bs, bl);
            chunked(d, |st, c| {
                let (x, y) = (&x[st..st + c.len()], &y[st..st + c.len()]);
                c.iter_mut()
                    .zip(x.iter().zip(y))
                    .for_each(|(o, (&x, &y))| *o = f(x, y));
            });
            return;
        }
        if is_scalar_like(bl) {
            let y = bs[bl.offset];
            chunked(d, |st, c| {
                let x = &x[st..st + c.len()];
                c.iter_mut().zip(x).for_each(|(o, &x)| *o = f(x, y));
            });
            return;
        }
    }
    for_each_offsets_any_order(
        &dl.shape,
        [&dl.strides, &al.strides, &bl.strides],
        [dl.offset, al.offset, bl.offset],
        |[o, i, j]| dst[o] = f(as_[i], bs[j]),
    );
}

// The bool instantiation compares bools with `<`, as PyTorch does.
#[allow(clippy::bool_comparison)]
pub(crate) fn cmp(
    op: CmpOp,
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
) {
    with_dtype!(dt, T => {
        let (x, y) = ((a.0.as_slice::<T>(), a.1), (b.0.as_slice::<T>(), b.1));
        let d = dst.as_mut_slice::<bool>();
        match op {
            CmpOp::Eq => cmp_typed(x, y, d, dl, |p: T, q: T| p == q),
            CmpOp::Ne => cmp_typed(x, y, d, dl, |p: T, q: T| p != q),
            CmpOp::Lt => cmp_typed(x, y, d, dl, |p: T, q: T| p < q),
            CmpOp::Le => cmp_typed(x, y, d, dl, |p: T, q: T| p <= q),
            CmpOp::Gt => cmp_typed(x, y, d, dl, |p: T, q: T| p > q),
            CmpOp::Ge => cmp_typed(x, y, d, dl, |p: T, q: T| p >= q),
            other => cmp_typed(x, y, d, dl, move |p: T, q: T| other.apply(p, q)),
        }
    })
}

pub(crate) fn where_(
    cond: (&CpuBuffer, &Layout),
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
) {
    with_dtype!(dt, T => {
        let (cs, cl) = (cond.0.as_slice::<bool>(), cond.1);
        let (as_, al) = (a.0.as_slice::<T>(), a.1);
        let (bs, bl) = (b.0.as_slice::<T>(), b.1);
        let d = dst.as_mut_slice::<T>();
        let n = dl.numel();
        // relu's backward, `where(x > 0, grad, 0)`, takes this path over plain slices.
        if n > 0 && same_contig(cl, dl) && same_contig(al, dl) && dense(dl) {
            let (c, x) = (contig(cs, cl), contig(as_, al));
            let d = &mut d[dl.offset..dl.offset + n];
            if same_contig(bl, dl) {
                let y = contig(bs, bl);
                chunked(d, |st, o| {
                    let r = st..st + o.len();
                    o.iter_mut()
                        .zip(c[r.clone()].iter().zip(x[r.clone()].iter().zip(&y[r])))
                        .for_each(|(o, (&c, (&x, &y)))| *o = if c { x } else { y });
                });
                return;
            }
            if is_scalar_like(bl) {
                let y = bs[bl.offset];
                chunked(d, |st, o| {
                    let r = st..st + o.len();
                    o.iter_mut()
                        .zip(c[r.clone()].iter().zip(&x[r]))
                        .for_each(|(o, (&c, &x))| *o = if c { x } else { y });
                });
                return;
            }
        }
        for_each_offsets_any_order(
            &dl.shape,
            [&dl.strides, &cl.strides, &al.strides, &bl.strides],
            [dl.offset, cl.offset, al.offset, bl.offset],
            |[o, c, i, j]| d[o] = if cs[c] { as_[i] } else { bs[j] },
        );
    })
}

//! Convolution and pooling kernels over contiguous planes: im2col / col2im (the lowering that
//! turns a convolution into one matrix product) and max pooling with indices.

use super::{PAR_CHUNK, PAR_THRESHOLD, parallel};
use crate::dtype::Element;

/// What the column lowering needs of an element: a zero and a sum. Integer convolutions
/// wrap on overflow, as PyTorch's do (and as a release build's `+` would).
pub(crate) trait Summable: Copy + Send + Sync {
    /// The additive identity (the padding value).
    fn zero() -> Self;
    /// `self + other`, wrapping for integers.
    fn plus(self, other: Self) -> Self;
}

macro_rules! summable {
    (float: $($f:ty),*; int: $($i:ty),*) => {
        $(impl Summable for $f {
            fn zero() -> Self {
                <$f as num_traits::Zero>::zero()
            }
            fn plus(self, other: Self) -> Self {
                self + other
            }
        })*
        $(impl Summable for $i {
            fn zero() -> Self {
                0
            }
            fn plus(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
        })*
    };
}
summable!(float: f32, f64, half::f16, half::bf16; int: u8, i8, i16, i32, i64);

/// The geometry of a sliding window over `[n, c, h, w]` planes and of its column matrix.
///
/// The column matrix has a row per `(channel, kernel row, kernel column)` and `oh * ow`
/// entries per sample. `channel_major` lays it out as `[c * kh * kw, n * oh * ow]` (the operand
/// of a convolution's single matrix product over the whole batch); otherwise it is
/// `[n, c * kh * kw, oh * ow]` (`F.unfold`). Either way each `(row, sample)` pair owns one
/// contiguous run of `oh * ow` elements, which is the unit the kernels parallelise over.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
    pub channel_major: bool,
}

impl Window {
    fn rows(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// The `(row, sample)` of the `i`-th run of the column matrix.
    fn run(&self, i: usize) -> (usize, usize) {
        if self.channel_major {
            (i / self.n, i % self.n)
        } else {
            (i % self.rows(), i / self.rows())
        }
    }

    /// The index of the run of `(row, sample)`.
    fn run_index(&self, row: usize, n: usize) -> usize {
        if self.channel_major {
            row * self.n + n
        } else {
            n * self.rows() + row
        }
    }

    /// The input column of output column `ox` at kernel column `kj`, if inside the input.
    #[inline]
    fn ix(&self, ox: usize, kj: usize) -> Option<usize> {
        (ox * self.sw + kj * self.dw)
            .checked_sub(self.pw)
            .filter(|&x| x < self.w)
    }

    #[inline]
    fn iy(&self, oy: usize, ki: usize) -> Option<usize> {
        (oy * self.sh + ki * self.dh)
            .checked_sub(self.ph)
            .filter(|&y| y < self.h)
    }

    /// The output columns `[lo, hi)` whose input column at kernel column `kj` is inside the
    /// input, for stride 1.
    fn span(&self, kj: usize) -> (usize, usize) {
        let off = kj * self.dw;
        let lo = self.pw.saturating_sub(off).min(self.ow);
        let hi = (self.w + self.pw).saturating_sub(off).min(self.ow).max(lo);
        (lo, hi)
    }
}

/// Runs `f(i, chunk)` over the `len`-element chunks of `dst`, in parallel when large.
fn for_chunks<T: Send>(dst: &mut [T], len: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    if dst.len() >= PAR_THRESHOLD {
        let group = (PAR_CHUNK / len).max(1) * len;
        parallel::par_chunks_mut(dst, group, &|start, piece| {
            for (j, d) in piece.chunks_mut(len).enumerate() {
                f(start / len + j, d);
            }
        });
    } else {
        dst.chunks_mut(len).enumerate().for_each(|(i, d)| f(i, d));
    }
}

/// Fills the column matrix `col` from the planes `x` (zeros where the window hangs over the
/// padding).
pub(crate) fn im2col<T: Summable>(x: &[T], col: &mut [T], g: &Window) {
    let l = g.oh * g.ow;
    if l == 0 || col.is_empty() {
        return;
    }
    let kk = g.kh * g.kw;
    for_chunks(col, l, |i, dst| {
        let (row, n) = g.run(i);
        let (c, ki, kj) = (row / kk, (row % kk) / g.kw, row % g.kw);
        let plane = &x[(n * g.c + c) * g.h * g.w..][..g.h * g.w];
        let (lo, hi) = g.span(kj);
        for (oy, d) in dst.chunks_exact_mut(g.ow).enumerate() {
            let Some(iy) = g.iy(oy, ki) else {
                d.fill(T::zero());
                continue;
            };
            let src = &plane[iy * g.w..][..g.w];
            if g.sw == 1 {
                d[..lo].fill(T::zero());
                d[hi..].fill(T::zero());
                if hi > lo {
                    let start = lo + kj * g.dw - g.pw;
                    d[lo..hi].copy_from_slice(&src[start..start + hi - lo]);
                }
            } else {
                for (ox, v) in d.iter_mut().enumerate() {
                    *v = g.ix(ox, kj).map_or(T::zero(), |ix| src[ix]);
                }
            }
        }
    });
}

/// The adjoint of [`im2col`]: `x` (overwritten) receives the sum of the column entries that
/// read each input element.
pub(crate) fn col2im<T: Summable>(col: &[T], x: &mut [T], g: &Window) {
    let hw = g.h * g.w;
    if hw == 0 || x.is_empty() {
        return;
    }
    let (l, kk) = (g.oh * g.ow, g.kh * g.kw);
    for_chunks(x, hw, |p, plane| {
        plane.fill(T::zero());
        if l == 0 {
            return;
        }
        let (n, c) = (p / g.c, p % g.c);
        for ki in 0..g.kh {
            for kj in 0..g.kw {
                let run = g.run_index(c * kk + ki * g.kw + kj, n);
                let src = &col[run * l..][..l];
                let (lo, hi) = g.span(kj);
                for (oy, s) in src.chunks_exact(g.ow).enumerate() {
                    let Some(iy) = g.iy(oy, ki) else { continue };
                    let d = &mut plane[iy * g.w..][..g.w];
                    if g.sw == 1 {
                        if hi > lo {
                            let start = lo + kj * g.dw - g.pw;
                            for (a, &b) in d[start..start + hi - lo].iter_mut().zip(&s[lo..hi]) {
                                *a = a.plus(b);
                            }
                        }
                    } else {
                        for (ox, &v) in s.iter().enumerate() {
                            if let Some(ix) = g.ix(ox, kj) {
                                d[ix] = d[ix].plus(v);
                            }
                        }
                    }
                }
            }
        }
    });
}

/// Max pooling of the `n * c` planes of `x` into `out`, with the flat in-plane index of
/// each maximum in `idx` (NaN wins, as in PyTorch).
pub(crate) fn max_pool2d<T: Element>(x: &[T], out: &mut [T], idx: &mut [i64], g: &Window) {
    let (hw, l) = (g.h * g.w, g.oh * g.ow);
    if l == 0 || out.is_empty() {
        return;
    }
    let run = |p: usize, o: &mut [T], ix: &mut [i64]| {
        let plane = &x[p * hw..][..hw];
        for oy in 0..g.oh {
            // Rows whose windows all lie inside the plane (every row without padding) go
            // kernel offset by kernel offset across the whole output row, with selects in
            // place of branches (which mispredicted on ReLU outputs). Each output still scans
            // its window in the same order with the same rule as below, so the same result.
            let y0 = (oy * g.sh)
                .checked_sub(g.ph)
                .filter(|&y| y + (g.kh - 1) * g.dh < g.h);
            let row_inside = g.pw == 0 && (g.ow - 1) * g.sw + (g.kw - 1) * g.dw < g.w;
            if let (Some(y0), true) = (y0, row_inside) {
                let (o, ix) = (
                    &mut o[oy * g.ow..(oy + 1) * g.ow],
                    &mut ix[oy * g.ow..(oy + 1) * g.ow],
                );
                // Only the index is carried (an integer select compiles to a conditional
                // move; a float select on the running maximum did not), and the current
                // maximum is re-read through it.
                for (k, at) in ix.iter_mut().enumerate() {
                    *at = (y0 * g.w + k * g.sw) as i64;
                }
                for ki in 0..g.kh {
                    for kj in 0..g.kw {
                        if ki == 0 && kj == 0 {
                            continue;
                        }
                        let start = (y0 + ki * g.dh) * g.w + kj * g.dw;
                        for (k, at) in ix.iter_mut().enumerate() {
                            let cand = start + k * g.sw;
                            let (v, b) = (plane[cand], plane[*at as usize]);
                            #[allow(clippy::eq_op)]
                            let take = (v > b) | (v != v);
                            // Not `if`: LLVM turns that (and a bit mask, or indexing a pair) into a
                            // branch, which mispredicts on ReLU outputs: 3x slower pooling.
                            *at = std::hint::select_unpredictable(take, cand as i64, *at);
                        }
                    }
                }
                for (b, &at) in o.iter_mut().zip(ix.iter()) {
                    *b = plane[at as usize];
                }
                continue;
            }
            let ys = (0..g.kh).filter_map(|ki| g.iy(oy, ki));
            for ox in 0..g.ow {
                // PyTorch's rule: start at the first in-bounds element, then take any larger
                // value or any NaN (`v != v`; so the last NaN wins).
                let mut best: Option<(T, usize)> = None;
                for iy in ys.clone() {
                    for ix in (0..g.kw).filter_map(|kj| g.ix(ox, kj)) {
                        let v = plane[iy * g.w + ix];
                        #[allow(clippy::eq_op)]
                        let take = best.is_none_or(|(b, _)| v > b || v != v);
                        if take {
                            best = Some((v, iy * g.w + ix));
                        }
                    }
                }
                let empty = (T::from_f64(f64::NEG_INFINITY), usize::MAX);
                let (v, at) = best.unwrap_or(empty);
                o[oy * g.ow + ox] = v;
                ix[oy * g.ow + ox] = if at == usize::MAX { -1 } else { at as i64 };
            }
        }
    };
    let planes = out.len() / l;
    if out.len() >= PAR_THRESHOLD / 4 && idx.len() == out.len() {
        let parts = parallel::num_threads().min(planes);
        let (op, ip) = (
            parallel::SendPtr(out.as_mut_ptr()),
            parallel::SendPtr(idx.as_mut_ptr()),
        );
        parallel::parallel_for(parts, &|t| {
            for p in planes * t / parts..planes * (t + 1) / parts {
                // SAFETY: each plane `p` is a disjoint `l`-element run of `out` and of `idx`
                // (equal lengths, checked above), both borrowed mutably until the loop ends.
                let (o, ix) = unsafe {
                    (
                        std::slice::from_raw_parts_mut(op.get().add(p * l), l),
                        std::slice::from_raw_parts_mut(ip.get().add(p * l), l),
                    )
                };
                run(p, o, ix);
            }
        });
    } else {
        out.chunks_mut(l)
            .zip(idx.chunks_mut(l))
            .enumerate()
            .for_each(|(p, (o, ix))| run(p, o, ix));
    }
}

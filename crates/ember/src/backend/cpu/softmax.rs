//! Softmax and log-softmax along one dim of a contiguous `[outer, n, inner]` block, with the
//! max subtracted first so large logits do not overflow.

use super::PAR_THRESHOLD;
use super::parallel::par_chunks_mut;
use num_traits::Float;

/// One `[n, inner]` slab: `dst = softmax(src)` (or log-softmax) along the `n` axis.
fn slab<T: Float>(src: &[T], dst: &mut [T], n: usize, inner: usize, log: bool) {
    if inner == 1 {
        let m = src.iter().fold(T::neg_infinity(), |a, &b| a.max(b));
        // All -inf: PyTorch yields NaN (exp(-inf - -inf)); a finite shift keeps that.
        let mut sum = T::zero();
        for (d, &s) in dst.iter_mut().zip(src) {
            let e = (s - m).exp();
            *d = e;
            sum = sum + e;
        }
        if log {
            let ls = sum.ln();
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = s - m - ls;
            }
        } else {
            let inv = T::one() / sum;
            for d in dst.iter_mut() {
                *d = *d * inv;
            }
        }
        return;
    }
    // Rows of `inner` contiguous elements: keep running maxima and sums per column so the
    // inner loops stay contiguous.
    let mut m = vec![T::neg_infinity(); inner];
    for row in src.chunks_exact(inner).take(n) {
        for (a, &b) in m.iter_mut().zip(row) {
            *a = a.max(b);
        }
    }
    let mut sum = vec![T::zero(); inner];
    for (drow, srow) in dst.chunks_exact_mut(inner).zip(src.chunks_exact(inner)) {
        for ((d, &s), (&mx, acc)) in drow.iter_mut().zip(srow).zip(m.iter().zip(sum.iter_mut())) {
            let e = (s - mx).exp();
            *d = e;
            *acc = *acc + e;
        }
    }
    if log {
        for v in sum.iter_mut() {
            *v = v.ln();
        }
        for (drow, srow) in dst.chunks_exact_mut(inner).zip(src.chunks_exact(inner)) {
            for ((d, &s), (&mx, &ls)) in drow.iter_mut().zip(srow).zip(m.iter().zip(&sum)) {
                *d = s - mx - ls;
            }
        }
    } else {
        for v in sum.iter_mut() {
            *v = T::one() / *v;
        }
        for drow in dst.chunks_exact_mut(inner) {
            for (d, &inv) in drow.iter_mut().zip(&sum) {
                *d = *d * inv;
            }
        }
    }
}

/// Softmax (or log-softmax) of `src` viewed as `[outer, n, inner]` along `n`.
pub(crate) fn softmax<T: Float + Send + Sync>(
    src: &[T],
    dst: &mut [T],
    n: usize,
    inner: usize,
    log: bool,
) {
    let block = n * inner;
    if block == 0 {
        return;
    }
    if src.len() >= PAR_THRESHOLD && src.len() / block > 1 {
        par_chunks_mut(dst, block, &|start, d| {
            slab(&src[start..start + d.len()], d, n, inner, log)
        });
    } else {
        for (d, s) in dst.chunks_mut(block).zip(src.chunks(block)) {
            slab(s, d, n, inner, log);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_columns_agree() {
        let x: Vec<f64> = (0..12).map(|i| (i as f64 * 0.7).sin() * 3.0).collect();
        // [3, 4] along dim 0 (inner = 4) against the transpose along dim 1 (inner = 1).
        let mut a = vec![0.0; 12];
        softmax(&x, &mut a, 3, 4, false);
        let xt: Vec<f64> = (0..12).map(|k| x[(k % 3) * 4 + k / 3]).collect();
        let mut b = vec![0.0; 12];
        softmax(&xt, &mut b, 3, 1, false);
        for k in 0..12 {
            assert!((a[(k % 3) * 4 + k / 3] - b[k]).abs() < 1e-15);
        }
        let mut l = vec![0.0; 12];
        softmax(&x, &mut l, 3, 4, true);
        for k in 0..12 {
            assert!((l[k].exp() - a[k]).abs() < 1e-14);
        }
    }

    #[test]
    fn large_logits_stay_finite() {
        let mut d = [0f32; 2];
        softmax(&[1000.0f32, 1000.0], &mut d, 2, 1, false);
        assert_eq!(d, [0.5, 0.5]);
    }
}

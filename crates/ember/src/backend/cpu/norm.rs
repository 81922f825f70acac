//! Mean and biased variance per channel of a contiguous `[outer, c, inner]` block, and the
//! normalised values `(x - mean) / sqrt(var + eps)`: one kernel for layer, group and batch
//! norm (layer/group norm: `outer = 1`; batch norm: `outer = N`, `inner = H·W`).
//! Sums run in f64 with the mean subtracted first, so f32 inputs with a large offset keep
//! their precision.

use super::PAR_THRESHOLD;
use super::parallel::{num_threads, par_chunks_mut};
use num_traits::Float;

/// Statistics of channel `ch`: `(mean, biased variance)`.
fn channel_stats<T: Float>(src: &[T], ch: usize, c: usize, inner: usize) -> (f64, f64) {
    let block = c * inner;
    let rows = || {
        src.chunks_exact(block)
            .map(move |b| &b[ch * inner..(ch + 1) * inner])
    };
    let n = (src.len() / block.max(1) * inner) as f64;
    let sum: f64 = rows()
        .flat_map(|r| r.iter())
        .map(|v| v.to_f64().unwrap_or(f64::NAN))
        .sum();
    let mean = sum / n;
    let sq: f64 = rows()
        .flat_map(|r| r.iter())
        .map(|v| {
            let d = v.to_f64().unwrap_or(f64::NAN) - mean;
            d * d
        })
        .sum();
    (mean, sq / n)
}

/// Fills `mean[ch]`, `var[ch]` (biased) and `dst = (src - mean) * rsqrt(var + eps)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn moments<T: Float + Send + Sync>(
    src: &[T],
    dst: &mut [T],
    mean: &mut [T],
    var: &mut [T],
    c: usize,
    inner: usize,
    eps: f64,
) {
    if c == 0 || inner == 0 || src.is_empty() {
        return;
    }
    let stats = |ch: usize| channel_stats(src, ch, c, inner);
    let st: Vec<(f64, f64)> = if src.len() >= PAR_THRESHOLD && c > 1 {
        let mut st = vec![(0.0, 0.0); c];
        par_chunks_mut(&mut st, 1, &|ch, slot| slot[0] = stats(ch));
        st
    } else {
        (0..c).map(stats).collect()
    };
    let cast = |v: f64| T::from(v).unwrap_or_else(T::nan);
    let scale: Vec<(T, T)> = st
        .iter()
        .map(|&(m, v)| (cast(m), cast(1.0 / (v + eps).sqrt())))
        .collect();
    for (ch, &(m, v)) in st.iter().enumerate() {
        mean[ch] = cast(m);
        var[ch] = cast(v);
    }
    let block = c * inner;
    let fill = |(d, s): (&mut [T], &[T])| {
        for ((dr, sr), &(m, r)) in d
            .chunks_exact_mut(inner)
            .zip(s.chunks_exact(inner))
            .zip(&scale)
        {
            for (o, &x) in dr.iter_mut().zip(sr) {
                *o = (x - m) * r;
            }
        }
    };
    if src.len() >= PAR_THRESHOLD && src.len() > block {
        par_chunks_mut(dst, block, &|start, d| {
            let s = &src[start..start + d.len()];
            fill((d, s))
        });
    } else if src.len() >= PAR_THRESHOLD {
        let chunk = inner * (c / num_threads()).max(1);
        par_chunks_mut(dst, chunk, &|start, d| {
            let s = &src[start..start + d.len()];
            let first = start / inner;
            for ((dr, sr), &(m, r)) in d
                .chunks_exact_mut(inner)
                .zip(s.chunks_exact(inner))
                .zip(&scale[first..])
            {
                for (o, &x) in dr.iter_mut().zip(sr) {
                    *o = (x - m) * r;
                }
            }
        });
    } else {
        dst.chunks_mut(block).zip(src.chunks(block)).for_each(fill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_channel_over_outer_and_inner() {
        // [outer=2, c=2, inner=2]: channel 0 holds 1, 2, 5, 6; channel 1 holds 3, 4, 7, 8.
        let x: Vec<f64> = (1..=8).map(f64::from).collect();
        let (mut d, mut m, mut v) = (vec![0.0; 8], vec![0.0; 2], vec![0.0; 2]);
        moments(&x, &mut d, &mut m, &mut v, 2, 2, 0.0);
        assert_eq!(m, [3.5, 5.5]);
        assert_eq!(v, [4.25, 4.25]);
        assert!((d[0] - (1.0 - 3.5) / 4.25f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn large_offset_keeps_precision() {
        let x = [1e4f32 + 1.0, 1e4 - 1.0];
        let (mut d, mut m, mut v) = ([0f32; 2], [0f32; 1], [0f32; 1]);
        moments(&x, &mut d, &mut m, &mut v, 1, 2, 0.0);
        assert_eq!(v, [1.0]);
        assert_eq!(d, [1.0, -1.0]);
    }
}

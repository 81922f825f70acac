//! Negative log-likelihood over class indices: input `[n, c, s]`, target `[n, s]`, an
//! optional per-class weight, and an ignored index.

use crate::error::{Result, bail};
use num_traits::Float;

/// Shape of an nll problem: batch, classes, spatial positions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NllDims {
    pub n: usize,
    pub c: usize,
    pub s: usize,
    pub ignore_index: i64,
}

fn class(t: i64, d: &NllDims) -> Result<Option<usize>> {
    if t == d.ignore_index {
        return Ok(None);
    }
    if t < 0 || t as usize >= d.c {
        bail!(IndexOutOfRange, "Target {t} is out of bounds.");
    }
    Ok(Some(t as usize))
}

/// Writes `-w[t] x[n, t, s]` per target into `dst` (zero where ignored) and returns the
/// total weight of the counted targets.
pub(crate) fn nll_forward<T: Float>(
    x: &[T],
    target: &[i64],
    weight: Option<&[T]>,
    d: NllDims,
    dst: &mut [T],
) -> Result<f64> {
    let mut total = 0f64;
    for ni in 0..d.n {
        for si in 0..d.s {
            let k = ni * d.s + si;
            dst[k] = match class(target[k], &d)? {
                None => T::zero(),
                Some(t) => {
                    let w = weight.map_or(T::one(), |w| w[t]);
                    total += w.to_f64().unwrap_or(0.0);
                    -(w * x[(ni * d.c + t) * d.s + si])
                }
            };
        }
    }
    Ok(total)
}

/// The gradient of [`nll_forward`]'s (scaled) losses: `dst[n, t, s] = -w[t] g[n, s] scale`,
/// zero elsewhere. `g` holds one value (a reduced loss) or one per target.
pub(crate) fn nll_backward<T: Float>(
    g: &[T],
    target: &[i64],
    weight: Option<&[T]>,
    d: NllDims,
    scale: f64,
    dst: &mut [T],
) -> Result<()> {
    dst.iter_mut().for_each(|v| *v = T::zero());
    let scale = T::from(scale).unwrap_or_else(T::one);
    for ni in 0..d.n {
        for si in 0..d.s {
            let k = ni * d.s + si;
            if let Some(t) = class(target[k], &d)? {
                let w = weight.map_or(T::one(), |w| w[t]);
                let gk = if g.len() == 1 { g[0] } else { g[k] };
                dst[(ni * d.c + t) * d.s + si] = -(w * gk * scale);
            }
        }
    }
    Ok(())
}

//! Fused optimizer updates: one pass over a parameter and its state instead of the dozen
//! elementwise passes (and their temporaries) the update is written as.
//!
//! Note [Fused Adam]
//! The fused step performs, per element, exactly the f32/f64 operations of PyTorch's
//! single-tensor Adam in the same order (`lerp_`, `mul_`, `addcmul_`, `sqrt`, `/`, `add_`,
//! `addcdiv_`), each rounded as the separate kernels round it, so it gives the same bits as
//! the composed path in `optim/adam.rs`, which still serves the half types (rounded to half
//! between steps), amsgrad and non-contiguous state.

use super::PAR_CHUNK;
use super::parallel::{self, SendPtr};
use crate::math::FloatElement;

/// The scalars of one Adam step, as the optimizer computed them in f64.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamScalars {
    /// `1 - beta1`, the weight of `exp_avg.lerp_(grad, w)`.
    pub lerp_weight: f64,
    pub beta2: f64,
    /// `1 - beta2`, the value of `exp_avg_sq.addcmul_(grad, grad, value)`.
    pub sq_weight: f64,
    pub bias_correction2_sqrt: f64,
    pub eps: f64,
    /// `-lr / bias_correction1`, the value of `param.addcdiv_(exp_avg, denom, value)`.
    pub neg_step: f64,
}

/// One Adam step over contiguous `p`, `g`, `m` (`exp_avg`) and `v` (`exp_avg_sq`).
pub(crate) fn adam<T: FloatElement>(
    p: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
    s: &AdamScalars,
) {
    let w = T::from_f64(s.lerp_weight);
    let w_far = T::from_f64(1.0 - s.lerp_weight);
    let near = s.lerp_weight.abs() < 0.5;
    let (beta2, c) = (T::from_f64(s.beta2), T::from_f64(s.sq_weight));
    let (bc2, eps, step) = (
        T::from_f64(s.bias_correction2_sqrt),
        T::from_f64(s.eps),
        T::from_f64(s.neg_step),
    );
    let run = |p: &mut [T], g: &[T], m: &mut [T], v: &mut [T]| {
        for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            // PyTorch's lerp: exact at both ends.
            let d = g - *m;
            *m = if near { *m + d * w } else { g - d * w_far };
            *v = *v * beta2;
            *v = *v + g * c * g;
            let denom = v.sqrt() / bc2 + eps;
            *p = *p + *m * step / denom;
        }
    };
    let n = p.len();
    if n >= super::PAR_THRESHOLD && g.len() == n && m.len() == n && v.len() == n {
        let (mp, vp) = (SendPtr(m.as_mut_ptr()), SendPtr(v.as_mut_ptr()));
        parallel::par_chunks_mut(p, PAR_CHUNK, &|start, p| {
            let r = start..start + p.len();
            // SAFETY: `m` and `v` have `p`'s length (checked above) and each piece of `p` is a
            // disjoint range, so the matching pieces of `m` and `v` are disjoint too; both stay
            // borrowed mutably until the call returns.
            let (m, v) = unsafe {
                (
                    std::slice::from_raw_parts_mut(mp.get().add(start), p.len()),
                    std::slice::from_raw_parts_mut(vp.get().add(start), p.len()),
                )
            };
            run(p, &g[r], m, v);
        });
    } else {
        run(p, g, m, v);
    }
}

//! RMSprop: gradients scaled by a running average of their square.

use super::core::{
    Algorithm, ParamState, add_scaled_, addcdiv_, addcmul_, lerp_, optimizer_type, signed_grad,
    with_weight_decay,
};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap, scalar_state};
use crate::error::Result;
use crate::{Tensor, UnaryOp};

optimizer_options! {
    /// `torch.optim.RMSprop`'s options, defaults as PyTorch's.
    pub struct RMSpropOptions {
        /// Learning rate (default 1e-2).
        lr: f64 = 1e-2,
        /// Smoothing constant of the squared-gradient average (default 0.99).
        alpha: f64 = 0.99,
        /// Added to the denominator for stability (default 1e-8).
        eps: f64 = 1e-8,
        /// L2 penalty (default 0).
        weight_decay: f64 = 0.0,
        /// Momentum factor (default 0).
        momentum: f64 = 0.0,
        /// Normalise by the estimated variance of the gradient (default false).
        centered: bool = false,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
    }
    group: [momentum];
    checks: [
        nonneg(lr, "learning rate"),
        nonneg(eps, "epsilon value"),
        nonneg(momentum, "momentum value"),
        nonneg(weight_decay, "weight_decay value"),
        nonneg(alpha, "alpha value"),
    ];
    state_dict: fields;
}

/// RMSprop's per-parameter state.
pub(crate) struct RMSpropState {
    step: f64,
    square_avg: Tensor,
    momentum_buffer: Option<Tensor>,
    grad_avg: Option<Tensor>,
}

impl ParamState for RMSpropState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        m.insert("step".into(), scalar_state(self.step));
        m.insert(
            "square_avg".into(),
            StateValue::Tensor(self.square_avg.detach()),
        );
        if let Some(t) = &self.momentum_buffer {
            m.insert("momentum_buffer".into(), StateValue::Tensor(t.detach()));
        }
        if let Some(t) = &self.grad_avg {
            m.insert("grad_avg".into(), StateValue::Tensor(t.detach()));
        }
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        let r = Reader(m);
        Ok(RMSpropState {
            step: r.f64("step")?,
            square_avg: r.tensor("square_avg", p)?,
            momentum_buffer: r.opt_tensor("momentum_buffer", p)?,
            grad_avg: r.opt_tensor("grad_avg", p)?,
        })
    }
}

pub(crate) struct RMSpropAlgo;

impl Algorithm for RMSpropAlgo {
    type Options = RMSpropOptions;
    type State = RMSpropState;

    fn update(
        o: &RMSpropOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<RMSpropState>,
    ) -> Result<()> {
        let st = match state {
            Some(s) => s,
            None => state.insert(RMSpropState {
                step: 0.0,
                square_avg: crate::try_zeros_like(p)?,
                momentum_buffer: None,
                grad_avg: None,
            }),
        };
        if o.momentum > 0.0 && st.momentum_buffer.is_none() {
            st.momentum_buffer = Some(crate::try_zeros_like(p)?);
        }
        if o.centered && st.grad_avg.is_none() {
            st.grad_avg = Some(crate::try_zeros_like(p)?);
        }
        let g = with_weight_decay(signed_grad(grad, o.maximize)?, p, o.weight_decay)?;
        st.step += 1.0;
        st.square_avg.try_mul_(o.alpha)?;
        addcmul_(&st.square_avg, &g, &g, 1.0 - o.alpha)?;
        let avg = match (&st.grad_avg, o.centered) {
            (Some(ga), true) => {
                lerp_(ga, &g, 1.0 - o.alpha)?;
                let v = st.square_avg.try_add(&ga.try_mul(-1.0)?.try_mul(ga)?)?;
                v.try_unary_(UnaryOp::Sqrt)?;
                v
            }
            _ => st.square_avg.try_unary(UnaryOp::Sqrt)?,
        };
        avg.try_add_(o.eps)?;
        match (&st.momentum_buffer, o.momentum > 0.0) {
            (Some(buf), true) => {
                buf.try_mul_(o.momentum)?;
                addcdiv_(buf, &g, &avg, 1.0)?;
                add_scaled_(p, buf, -o.lr)
            }
            _ => addcdiv_(p, &g, &avg, -o.lr),
        }
    }
}

optimizer_type! {
    /// `torch.optim.RMSprop`.
    ///
    /// ```
    /// use ember::optim::{Optimizer, RMSprop};
    ///
    /// let p = ember::tensor_with([1.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = RMSprop::new(vec![p.clone()], 0.01);
    /// p.set_grad(Some(ember::tensor_with([2.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// // v = 0.01 * 4, p = 1 - 0.01 * 2 / (sqrt(v) + 1e-8)
    /// assert!((p.item::<f64>() - (1.0 - 0.01 * 2.0 / (0.04f64.sqrt() + 1e-8))).abs() < 1e-12);
    /// ```
    RMSprop, RMSpropAlgo, RMSpropOptions
}

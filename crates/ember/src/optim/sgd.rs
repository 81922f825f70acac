//! Stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

use super::core::{
    Algorithm, ParamState, add_scaled_, optimizer_type, signed_grad, with_weight_decay,
};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap};
use crate::Tensor;
use crate::error::{Result, bail};

optimizer_options! {
    /// `torch.optim.SGD`'s options, defaults as PyTorch's.
    ///
    /// ```
    /// let o = ember::optim::SgdOptions { lr: 0.1, momentum: 0.9, ..Default::default() };
    /// assert_eq!(o.dampening, 0.0);
    /// ```
    pub struct SgdOptions {
        /// Learning rate (default 1e-3).
        lr: f64 = 1e-3,
        /// Momentum factor (default 0).
        momentum: f64 = 0.0,
        /// Dampening for momentum (default 0).
        dampening: f64 = 0.0,
        /// L2 penalty (default 0).
        weight_decay: f64 = 0.0,
        /// Nesterov momentum (default false).
        nesterov: bool = false,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
    }
    group: [momentum];
    checks: [
        nonneg(lr, "learning rate"),
        nonneg(momentum, "momentum value"),
        nonneg(weight_decay, "weight_decay value"),
    ];
    also: |o| {
        if o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0) {
            bail!(
                Value,
                "Nesterov momentum requires a momentum and zero dampening"
            );
        }
    };
    state_dict: fields;
}

/// SGD's per-parameter state: the momentum buffer, once momentum has been used.
pub(crate) struct SgdState {
    momentum_buffer: Option<Tensor>,
}

impl ParamState for SgdState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        if let Some(b) = &self.momentum_buffer {
            m.insert("momentum_buffer".into(), StateValue::Tensor(b.detach()));
        }
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        Ok(SgdState {
            momentum_buffer: Reader(m).opt_tensor("momentum_buffer", p)?,
        })
    }
}

pub(crate) struct Sgd;

impl Algorithm for Sgd {
    type Options = SgdOptions;
    type State = SgdState;

    fn update(
        o: &SgdOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<SgdState>,
    ) -> Result<()> {
        let mut g = with_weight_decay(signed_grad(grad, o.maximize)?, p, o.weight_decay)?;
        if o.momentum != 0.0 {
            let st = state.get_or_insert(SgdState {
                momentum_buffer: None,
            });
            let buf = match &st.momentum_buffer {
                None => {
                    let b = g.detach().try_clone_tensor()?;
                    st.momentum_buffer = Some(b.clone());
                    b
                }
                Some(b) => {
                    b.try_mul_(o.momentum)?;
                    add_scaled_(b, &g, 1.0 - o.dampening)?;
                    b.clone()
                }
            };
            g = if o.nesterov {
                g.try_add_alpha(&buf, o.momentum)?
            } else {
                buf
            };
        }
        add_scaled_(p, &g, -o.lr)
    }
}

optimizer_type! {
    /// `torch.optim.SGD`: stochastic gradient descent, optionally with momentum.
    ///
    /// With momentum `μ`, dampening `τ`: `b ← μ·b + (1−τ)·g` (the first step takes `b = g`),
    /// then `p ← p − lr·b` (or `p ← p − lr·(g + μ·b)` with Nesterov).
    ///
    /// ```
    /// use ember::optim::{Optimizer, SGD, SgdOptions};
    ///
    /// let p = ember::tensor([1.0]).requires_grad_(true);
    /// let mut opt = SGD::with(vec![p.clone()], SgdOptions { lr: 0.1, momentum: 0.9, ..Default::default() });
    /// for _ in 0..2 {
    ///     p.set_grad(Some(ember::tensor([1.0])));
    ///     opt.step().unwrap();
    /// }
    /// // b = 1, then b = 0.9 + 1 = 1.9: p = 1 - 0.1 - 0.19
    /// assert!((p.item::<f32>() - 0.71).abs() < 1e-6);
    /// assert_eq!(opt.param_groups()[0].momentum, 0.9);
    /// assert_eq!(
    ///     SGD::try_new(vec![p.clone()], -1.0).unwrap_err().to_string(),
    ///     "Invalid learning rate: -1.0"
    /// );
    /// ```
    SGD, Sgd, SgdOptions
}

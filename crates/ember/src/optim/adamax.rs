//! Adamax: Adam with the infinity norm in place of the second moment.

use super::core::{
    Algorithm, ParamState, addcdiv_, lerp_, optimizer_type, signed_grad, with_weight_decay,
};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap, scalar_state};
use crate::error::Result;
use crate::{Tensor, UnaryOp};

optimizer_options! {
    /// `torch.optim.Adamax`'s options, defaults as PyTorch's.
    pub struct AdamaxOptions {
        /// Learning rate (default 2e-3).
        lr: f64 = 2e-3,
        /// Coefficients of the running average and of the infinity norm (0.9, 0.999).
        betas: (f64, f64) = (0.9, 0.999),
        /// Added to the denominator for stability (default 1e-8).
        eps: f64 = 1e-8,
        /// L2 penalty (default 0).
        weight_decay: f64 = 0.0,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
    }
    group: [betas];
    checks: [
        nonneg(lr, "learning rate"),
        nonneg(eps, "epsilon value"),
        betas(betas),
        nonneg(weight_decay, "weight_decay value"),
    ];
    state_dict: fields;
}

/// Adamax's per-parameter state.
pub(crate) struct AdamaxState {
    step: f64,
    exp_avg: Tensor,
    exp_inf: Tensor,
}

impl ParamState for AdamaxState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        m.insert("step".into(), scalar_state(self.step));
        m.insert("exp_avg".into(), StateValue::Tensor(self.exp_avg.detach()));
        m.insert("exp_inf".into(), StateValue::Tensor(self.exp_inf.detach()));
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        let r = Reader(m);
        Ok(AdamaxState {
            step: r.f64("step")?,
            exp_avg: r.tensor("exp_avg", p)?,
            exp_inf: r.tensor("exp_inf", p)?,
        })
    }
}

pub(crate) struct AdamaxAlgo;

impl Algorithm for AdamaxAlgo {
    type Options = AdamaxOptions;
    type State = AdamaxState;

    fn update(
        o: &AdamaxOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<AdamaxState>,
    ) -> Result<()> {
        let st = match state {
            Some(s) => s,
            None => state.insert(AdamaxState {
                step: 0.0,
                exp_avg: crate::try_zeros_like(p)?,
                exp_inf: crate::try_zeros_like(p)?,
            }),
        };
        let g = signed_grad(grad, o.maximize)?;
        st.step += 1.0;
        let g = with_weight_decay(g, p, o.weight_decay)?;
        let (beta1, beta2) = o.betas;
        lerp_(&st.exp_avg, &g, 1.0 - beta1)?;
        st.exp_inf.try_mul_(beta2)?;
        let norm = g.try_unary(UnaryOp::Abs)?;
        norm.try_add_(o.eps)?;
        st.exp_inf.try_copy_(&st.exp_inf.try_maximum(&norm)?)?;
        let clr = o.lr / (1.0 - beta1.powf(st.step));
        addcdiv_(p, &st.exp_avg, &st.exp_inf, -clr)
    }
}

optimizer_type! {
    /// `torch.optim.Adamax`.
    ///
    /// ```
    /// use ember::optim::{Adamax, Optimizer};
    ///
    /// let p = ember::tensor_with([1.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = Adamax::new(vec![p.clone()], 0.01);
    /// p.set_grad(Some(ember::tensor_with([2.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// // m = 0.2, u = 2 + 1e-8, p = 1 - (0.01 / 0.1) * m / u
    /// assert!((p.item::<f64>() - 0.99).abs() < 1e-9);
    /// ```
    Adamax, AdamaxAlgo, AdamaxOptions
}

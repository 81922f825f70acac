//! Adadelta: step sizes from running averages of squared gradients and squared updates.

use super::core::{
    Algorithm, ParamState, add_scaled_, addcmul_, optimizer_type, signed_grad, with_weight_decay,
};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap, scalar_state};
use crate::error::Result;
use crate::{Tensor, UnaryOp};

optimizer_options! {
    /// `torch.optim.Adadelta`'s options, defaults as PyTorch's.
    pub struct AdadeltaOptions {
        /// Scale applied to the update (default 1.0).
        lr: f64 = 1.0,
        /// Coefficient of the running averages (default 0.9).
        rho: f64 = 0.9,
        /// Added inside the square roots for stability (default 1e-6).
        eps: f64 = 1e-6,
        /// L2 penalty (default 0).
        weight_decay: f64 = 0.0,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
    }
    group: [];
    checks: [
        nonneg(lr, "learning rate"),
        unit(rho, "rho value"),
        nonneg(eps, "epsilon value"),
        nonneg(weight_decay, "weight_decay value"),
    ];
    state_dict: fields;
}

/// Adadelta's per-parameter state.
pub(crate) struct AdadeltaState {
    step: f64,
    square_avg: Tensor,
    acc_delta: Tensor,
}

impl ParamState for AdadeltaState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        m.insert("step".into(), scalar_state(self.step));
        m.insert(
            "square_avg".into(),
            StateValue::Tensor(self.square_avg.detach()),
        );
        m.insert(
            "acc_delta".into(),
            StateValue::Tensor(self.acc_delta.detach()),
        );
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        let r = Reader(m);
        Ok(AdadeltaState {
            step: r.f64("step")?,
            square_avg: r.tensor("square_avg", p)?,
            acc_delta: r.tensor("acc_delta", p)?,
        })
    }
}

pub(crate) struct AdadeltaAlgo;

impl Algorithm for AdadeltaAlgo {
    type Options = AdadeltaOptions;
    type State = AdadeltaState;

    fn update(
        o: &AdadeltaOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<AdadeltaState>,
    ) -> Result<()> {
        let st = match state {
            Some(s) => s,
            None => state.insert(AdadeltaState {
                step: 0.0,
                square_avg: crate::try_zeros_like(p)?,
                acc_delta: crate::try_zeros_like(p)?,
            }),
        };
        st.step += 1.0;
        let g = with_weight_decay(signed_grad(grad, o.maximize)?, p, o.weight_decay)?;
        st.square_avg.try_mul_(o.rho)?;
        addcmul_(&st.square_avg, &g, &g, 1.0 - o.rho)?;
        let std = st.square_avg.try_add(o.eps)?;
        std.try_unary_(UnaryOp::Sqrt)?;
        let delta = st.acc_delta.try_add(o.eps)?;
        delta.try_unary_(UnaryOp::Sqrt)?;
        delta.try_div_(&std)?;
        delta.try_mul_(&g)?;
        st.acc_delta.try_mul_(o.rho)?;
        addcmul_(&st.acc_delta, &delta, &delta, 1.0 - o.rho)?;
        add_scaled_(p, &delta, -o.lr)
    }
}

optimizer_type! {
    /// `torch.optim.Adadelta`.
    ///
    /// ```
    /// use ember::optim::{Adadelta, Optimizer};
    ///
    /// let p = ember::tensor_with([1.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = Adadelta::new(vec![p.clone()], 1.0);
    /// p.set_grad(Some(ember::tensor_with([1.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// // v = 0.1, delta = sqrt(1e-6) / sqrt(0.1 + 1e-6)
    /// let delta = (1e-6f64).sqrt() / (0.1f64 + 1e-6).sqrt();
    /// assert!((p.item::<f64>() - (1.0 - delta)).abs() < 1e-12);
    /// ```
    Adadelta, AdadeltaAlgo, AdadeltaOptions
}

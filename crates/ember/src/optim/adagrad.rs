//! Adagrad: per-element learning rates from the sum of squared gradients.

use super::core::{
    Algorithm, ParamState, addcdiv_, addcmul_, optimizer_type, signed_grad, with_weight_decay,
};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap, scalar_state};
use crate::error::Result;
use crate::{Tensor, UnaryOp};

optimizer_options! {
    /// `torch.optim.Adagrad`'s options, defaults as PyTorch's.
    pub struct AdagradOptions {
        /// Learning rate (default 1e-2).
        lr: f64 = 1e-2,
        /// Learning-rate decay: step `t` uses `lr / (1 + (t − 1)·lr_decay)` (default 0).
        lr_decay: f64 = 0.0,
        /// L2 penalty (default 0).
        weight_decay: f64 = 0.0,
        /// Starting value of the sum of squares (default 0).
        initial_accumulator_value: f64 = 0.0,
        /// Added to the denominator for stability (default 1e-10).
        eps: f64 = 1e-10,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
    }
    group: [];
    checks: [
        nonneg(lr, "learning rate"),
        nonneg(lr_decay, "lr_decay value"),
        nonneg(weight_decay, "weight_decay value"),
        nonneg(initial_accumulator_value, "initial_accumulator_value value"),
        nonneg(eps, "epsilon value"),
    ];
    state_dict: fields;
}

/// Adagrad's per-parameter state.
pub(crate) struct AdagradState {
    step: f64,
    sum: Tensor,
}

impl ParamState for AdagradState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        m.insert("step".into(), scalar_state(self.step));
        m.insert("sum".into(), StateValue::Tensor(self.sum.detach()));
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        let r = Reader(m);
        Ok(AdagradState {
            step: r.f64("step")?,
            sum: r.tensor("sum", p)?,
        })
    }
}

pub(crate) struct AdagradAlgo;

impl Algorithm for AdagradAlgo {
    type Options = AdagradOptions;
    type State = AdagradState;

    fn update(
        o: &AdagradOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<AdagradState>,
    ) -> Result<()> {
        let st = match state {
            Some(s) => s,
            None => {
                let sum = crate::try_zeros_like(p)?;
                sum.try_fill_(o.initial_accumulator_value)?;
                state.insert(AdagradState { step: 0.0, sum })
            }
        };
        st.step += 1.0;
        let g = with_weight_decay(signed_grad(grad, o.maximize)?, p, o.weight_decay)?;
        let clr = o.lr / (1.0 + (st.step - 1.0) * o.lr_decay);
        addcmul_(&st.sum, &g, &g, 1.0)?;
        let std = st.sum.try_unary(UnaryOp::Sqrt)?;
        std.try_add_(o.eps)?;
        addcdiv_(p, &g, &std, -clr)
    }
}

optimizer_type! {
    /// `torch.optim.Adagrad`.
    ///
    /// ```
    /// use ember::optim::{Adagrad, Optimizer};
    ///
    /// let p = ember::tensor_with([1.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = Adagrad::new(vec![p.clone()], 0.1);
    /// p.set_grad(Some(ember::tensor_with([3.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// // sum = 9, p = 1 - 0.1 * 3 / (3 + 1e-10)
    /// assert!((p.item::<f64>() - 0.9).abs() < 1e-9);
    /// ```
    Adagrad, AdagradAlgo, AdagradOptions
}

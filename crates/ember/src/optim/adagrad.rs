//! Adagrad: per-element learning rates from the sum of squared gradients.

use super::GroupOptions;
use super::core::{
    Algorithm, Options, ParamState, addcdiv_, addcmul_, check_nonneg, optimizer_type, signed_grad,
    with_weight_decay,
};
use super::py_float;
use super::state::{Reader, StateValue, ValueMap, option_fields, scalar_state};
use crate::error::{Result, bail};
use crate::{Tensor, UnaryOp};

/// `torch.optim.Adagrad`'s options, defaults as PyTorch's.
#[derive(Clone, Debug, PartialEq)]
pub struct AdagradOptions {
    /// Learning rate (default 1e-2).
    pub lr: f64,
    /// Learning-rate decay: step `t` uses `lr / (1 + (t − 1)·lr_decay)` (default 0).
    pub lr_decay: f64,
    /// L2 penalty (default 0).
    pub weight_decay: f64,
    /// Starting value of the sum of squares (default 0).
    pub initial_accumulator_value: f64,
    /// Added to the denominator for stability (default 1e-10).
    pub eps: f64,
    /// Maximize the objective instead of minimizing (default false).
    pub maximize: bool,
}

impl Default for AdagradOptions {
    fn default() -> Self {
        AdagradOptions {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl GroupOptions for AdagradOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}

impl Options for AdagradOptions {
    fn validate(&self) -> Result<()> {
        check_nonneg(self.lr, "learning rate")?;
        check_nonneg(self.lr_decay, "lr_decay value")?;
        check_nonneg(self.weight_decay, "weight_decay value")?;
        let v = self.initial_accumulator_value;
        if v.is_nan() || v < 0.0 {
            bail!(
                Value,
                "Invalid initial_accumulator_value value: {}",
                py_float(v)
            );
        }
        check_nonneg(self.eps, "epsilon value")
    }
}

option_fields!(AdagradOptions {
    lr,
    lr_decay,
    weight_decay,
    initial_accumulator_value,
    eps,
    maximize,
});

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

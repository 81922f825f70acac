//! NAdam: Adam with Nesterov momentum.

use super::core::{Algorithm, ParamState, addcdiv_, addcmul_, lerp_, optimizer_type, signed_grad};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap, scalar_dtype, scalar_state};
use crate::error::Result;
use crate::{DType, Tensor, UnaryOp};

optimizer_options! {
    /// `torch.optim.NAdam`'s options, defaults as PyTorch's.
    pub struct NAdamOptions {
        /// Learning rate (default 2e-3).
        lr: f64 = 2e-3,
        /// Coefficients of the running averages (0.9, 0.999).
        betas: (f64, f64) = (0.9, 0.999),
        /// Added to the denominator for stability (default 1e-8).
        eps: f64 = 1e-8,
        /// Weight decay (default 0).
        weight_decay: f64 = 0.0,
        /// Momentum decay ψ (default 4e-3).
        momentum_decay: f64 = 4e-3,
        /// Decay the weights directly, as AdamW (default false).
        decoupled_weight_decay: bool = false,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
    }
    group: [betas];
    checks: [
        nonneg(lr, "learning rate"),
        nonneg(eps, "epsilon value"),
        betas(betas),
        nonneg(weight_decay, "weight_decay value"),
        nonneg(momentum_decay, "momentum_decay value"),
    ];
    state_dict: fields;
}

/// NAdam's per-parameter state.
pub(crate) struct NAdamState {
    step: f64,
    /// Product of the momentum schedule so far, rounded as PyTorch's scalar tensor is.
    mu_product: f64,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
}

impl ParamState for NAdamState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        m.insert("step".into(), scalar_state(self.step));
        m.insert("mu_product".into(), scalar_state(self.mu_product));
        m.insert("exp_avg".into(), StateValue::Tensor(self.exp_avg.detach()));
        m.insert(
            "exp_avg_sq".into(),
            StateValue::Tensor(self.exp_avg_sq.detach()),
        );
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        let r = Reader(m);
        Ok(NAdamState {
            step: r.f64("step")?,
            mu_product: r.f64("mu_product")?,
            exp_avg: r.tensor("exp_avg", p)?,
            exp_avg_sq: r.tensor("exp_avg_sq", p)?,
        })
    }
}

pub(crate) struct NAdamAlgo;

impl Algorithm for NAdamAlgo {
    type Options = NAdamOptions;
    type State = NAdamState;

    fn update(
        o: &NAdamOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<NAdamState>,
    ) -> Result<()> {
        let st = match state {
            Some(s) => s,
            None => state.insert(NAdamState {
                step: 0.0,
                mu_product: 1.0,
                exp_avg: crate::try_zeros_like(p)?,
                exp_avg_sq: crate::try_zeros_like(p)?,
            }),
        };
        let mut g = signed_grad(grad, o.maximize)?;
        st.step += 1.0;
        let step = st.step;
        let (beta1, beta2) = o.betas;
        let bias_correction2 = 1.0 - beta2.powf(step);
        if o.weight_decay != 0.0 {
            if o.decoupled_weight_decay {
                p.try_mul_(1.0 - o.lr * o.weight_decay)?;
            } else {
                g = g.try_add_alpha(p, o.weight_decay)?;
            }
        }
        let mu = beta1 * (1.0 - 0.5 * 0.96f64.powf(step * o.momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * 0.96f64.powf((step + 1.0) * o.momentum_decay));
        // `mu_product *= mu` runs on a 0-dim tensor of PyTorch's scalar dtype (f32 unless the
        // default dtype is f64), so the product is rounded there too.
        st.mu_product = if scalar_dtype() == DType::F32 {
            f64::from((st.mu_product as f32) * (mu as f32))
        } else {
            st.mu_product * mu
        };
        lerp_(&st.exp_avg, &g, 1.0 - beta1)?;
        st.exp_avg_sq.try_mul_(beta2)?;
        addcmul_(&st.exp_avg_sq, &g, &g, 1.0 - beta2)?;
        let denom = st
            .exp_avg_sq
            .try_div(bias_correction2)?
            .try_unary(UnaryOp::Sqrt)?;
        let mu_product_next = st.mu_product * mu_next;
        denom.try_add_(o.eps)?;
        addcdiv_(p, &g, &denom, -o.lr * (1.0 - mu) / (1.0 - st.mu_product))?;
        addcdiv_(
            p,
            &st.exp_avg,
            &denom,
            (-o.lr * mu_next) / (1.0 - mu_product_next),
        )
    }
}

optimizer_type! {
    /// `torch.optim.NAdam`.
    ///
    /// ```
    /// use ember::optim::{NAdam, Optimizer};
    ///
    /// let p = ember::tensor_with([1.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = NAdam::new(vec![p.clone()], 0.01);
    /// p.set_grad(Some(ember::tensor_with([1.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// assert!((p.item::<f64>() - 0.99).abs() < 1e-3);
    /// ```
    NAdam, NAdamAlgo, NAdamOptions
}

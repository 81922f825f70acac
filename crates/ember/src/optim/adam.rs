//! Adam and AdamW (Adam with decoupled weight decay).

use super::core::{
    Algorithm, OptionFields, ParamState, addcdiv_, addcmul_, lerp_, optimizer_type, signed_grad,
};
use super::options::optimizer_options;
use super::state::{Reader, StateValue, ValueMap, scalar_state};
use crate::error::Result;
use crate::tensor::kernel::{self, AdamScalars};
use crate::{Tensor, UnaryOp};

optimizer_options! {
    /// `torch.optim.Adam`'s options, defaults as PyTorch's.
    pub struct AdamOptions {
        /// Learning rate (default 1e-3).
        lr: f64 = 1e-3,
        /// Coefficients of the running averages of the gradient and its square (0.9, 0.999).
        betas: (f64, f64) = (0.9, 0.999),
        /// Added to the denominator for stability (default 1e-8).
        eps: f64 = 1e-8,
        /// Weight decay (default 0): an L2 penalty, or decoupled when `decoupled_weight_decay`.
        weight_decay: f64 = 0.0,
        /// Use the AMSGrad variant (default false).
        amsgrad: bool = false,
        /// Maximize the objective instead of minimizing (default false).
        maximize: bool = false,
        /// Decay the weights directly, as AdamW (default false).
        decoupled_weight_decay: bool = false,
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

optimizer_options! {
    /// `torch.optim.AdamW`'s options: Adam's, with weight decay 1e-2 by default and always
    /// decoupled.
    pub struct AdamWOptions {
        /// Learning rate (default 1e-3).
        lr: f64 = 1e-3,
        /// Coefficients of the running averages (0.9, 0.999).
        betas: (f64, f64) = (0.9, 0.999),
        /// Added to the denominator for stability (default 1e-8).
        eps: f64 = 1e-8,
        /// Decoupled weight decay (default 1e-2).
        weight_decay: f64 = 1e-2,
        /// Use the AMSGrad variant (default false).
        amsgrad: bool = false,
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
    state_dict: custom;
}

impl AdamWOptions {
    fn as_adam(&self) -> AdamOptions {
        AdamOptions {
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
            maximize: self.maximize,
            decoupled_weight_decay: true,
        }
    }
}

// AdamW's groups are Adam's, with `decoupled_weight_decay` saved as true (PyTorch's AdamW is
// an Adam subclass).
impl OptionFields for AdamWOptions {
    fn to_map(&self) -> ValueMap {
        self.as_adam().to_map()
    }

    fn load_map(&mut self, m: &ValueMap) -> Result<()> {
        let mut a = self.as_adam();
        a.load_map(m)?;
        *self = AdamWOptions {
            lr: a.lr,
            betas: a.betas,
            eps: a.eps,
            weight_decay: a.weight_decay,
            amsgrad: a.amsgrad,
            maximize: a.maximize,
        };
        Ok(())
    }
}

/// Adam's per-parameter state.
pub(crate) struct AdamState {
    step: f64,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
    max_exp_avg_sq: Option<Tensor>,
}

impl ParamState for AdamState {
    fn to_map(&self) -> ValueMap {
        let mut m = ValueMap::new();
        m.insert("step".into(), scalar_state(self.step));
        m.insert("exp_avg".into(), StateValue::Tensor(self.exp_avg.detach()));
        m.insert(
            "exp_avg_sq".into(),
            StateValue::Tensor(self.exp_avg_sq.detach()),
        );
        if let Some(t) = &self.max_exp_avg_sq {
            m.insert("max_exp_avg_sq".into(), StateValue::Tensor(t.detach()));
        }
        m
    }

    fn from_map(m: &ValueMap, p: &Tensor) -> Result<Self> {
        let r = Reader(m);
        Ok(AdamState {
            step: r.f64("step")?,
            exp_avg: r.tensor("exp_avg", p)?,
            exp_avg_sq: r.tensor("exp_avg_sq", p)?,
            max_exp_avg_sq: r.opt_tensor("max_exp_avg_sq", p)?,
        })
    }
}

pub(crate) struct AdamAlgo;

/// `_single_tensor_adam`, the non-capturable branch.
/// The step in one pass when every operand is a contiguous f32/f64 CPU tensor of one shape
/// (see Note [Fused Adam]); `false` (nothing done) otherwise.
fn fused_adam(p: &Tensor, g: &Tensor, m: &Tensor, v: &Tensor, s: &AdamScalars) -> Result<bool> {
    let ts = [p, g, m, v];
    let dt = p.dtype();
    let same = ts.iter().all(|t| {
        t.dtype() == dt
            && t.device() == crate::Device::Cpu
            && t.is_contiguous()
            && t.shape() == p.shape()
    });
    // Operands sharing memory take the unfused path (the kernel refuses them).
    let distinct = (0..4).all(|i| (i + 1..4).all(|j| !ts[i].shares_storage(ts[j])));
    if !same || !distinct || !matches!(dt, crate::DType::F32 | crate::DType::F64) {
        return Ok(false);
    }
    let at = |t: &Tensor| t.layout().offset;
    kernel::adam_step((p, at(p)), (g, at(g)), (m, at(m)), (v, at(v)), p.numel(), s)?;
    for t in [p, m, v] {
        t.bump_version();
    }
    Ok(true)
}

fn adam_update(
    o: &AdamOptions,
    p: &Tensor,
    grad: &Tensor,
    state: &mut Option<AdamState>,
) -> Result<()> {
    let st = match state {
        Some(s) => s,
        None => state.insert(AdamState {
            step: 0.0,
            exp_avg: crate::try_zeros_like(p)?,
            exp_avg_sq: crate::try_zeros_like(p)?,
            max_exp_avg_sq: None,
        }),
    };
    if o.amsgrad && st.max_exp_avg_sq.is_none() {
        st.max_exp_avg_sq = Some(crate::try_zeros_like(p)?);
    }
    let mut g = signed_grad(grad, o.maximize)?;
    st.step += 1.0;
    let (beta1, beta2) = o.betas;
    if o.weight_decay != 0.0 {
        if o.decoupled_weight_decay {
            p.try_mul_(1.0 - o.lr * o.weight_decay)?;
        } else {
            g = g.try_add_alpha(p, o.weight_decay)?;
        }
    }
    let bias_correction1 = 1.0 - beta1.powf(st.step);
    let bias_correction2 = 1.0 - beta2.powf(st.step);
    let step_size = o.lr / bias_correction1;
    // Python's `x ** 0.5`, which is pow, not sqrt.
    let bias_correction2_sqrt = bias_correction2.powf(0.5);
    if !o.amsgrad {
        let scalars = AdamScalars {
            lerp_weight: 1.0 - beta1,
            beta2,
            sq_weight: 1.0 - beta2,
            bias_correction2_sqrt,
            eps: o.eps,
            neg_step: -step_size,
        };
        if fused_adam(p, &g, &st.exp_avg, &st.exp_avg_sq, &scalars)? {
            return Ok(());
        }
    }
    lerp_(&st.exp_avg, &g, 1.0 - beta1)?;
    st.exp_avg_sq.try_mul_(beta2)?;
    addcmul_(&st.exp_avg_sq, &g, &g, 1.0 - beta2)?;
    let second = match (&st.max_exp_avg_sq, o.amsgrad) {
        (Some(m), true) => {
            m.try_copy_(&m.try_maximum(&st.exp_avg_sq)?)?;
            m.clone()
        }
        _ => st.exp_avg_sq.clone(),
    };
    let denom = second
        .try_unary(UnaryOp::Sqrt)?
        .try_div(bias_correction2_sqrt)?;
    denom.try_add_(o.eps)?;
    addcdiv_(p, &st.exp_avg, &denom, -step_size)
}

impl Algorithm for AdamAlgo {
    type Options = AdamOptions;
    type State = AdamState;

    fn update(
        o: &AdamOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<AdamState>,
    ) -> Result<()> {
        adam_update(o, p, grad, state)
    }
}

pub(crate) struct AdamWAlgo;

impl Algorithm for AdamWAlgo {
    type Options = AdamWOptions;
    type State = AdamState;

    fn update(
        o: &AdamWOptions,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<AdamState>,
    ) -> Result<()> {
        adam_update(&o.as_adam(), p, grad, state)
    }
}

optimizer_type! {
    /// `torch.optim.Adam`: adaptive moment estimation.
    ///
    /// ```
    /// use ember::optim::{Adam, Optimizer};
    ///
    /// let p = ember::tensor_with([1.0, 2.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = Adam::new(vec![p.clone()], 0.1);
    /// p.set_grad(Some(ember::tensor_with([0.5, -3.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// // The first step moves each element by about lr against its gradient's sign.
    /// let v = p.to_vec::<f64>();
    /// assert!((v[0] - 0.9).abs() < 1e-6 && (v[1] - 2.1).abs() < 1e-6);
    /// ```
    Adam, AdamAlgo, AdamOptions
}

optimizer_type! {
    /// `torch.optim.AdamW`: Adam with decoupled weight decay (`p ← p·(1 − lr·wd)` before
    /// the Adam step).
    ///
    /// ```
    /// use ember::optim::{AdamW, Optimizer};
    ///
    /// let p = ember::tensor_with([1.0], ember::DType::F64).requires_grad_(true);
    /// let mut opt = AdamW::new(vec![p.clone()], 0.1);
    /// assert_eq!(opt.param_groups()[0].weight_decay, 0.01);
    /// p.set_grad(Some(ember::tensor_with([1.0], ember::DType::F64)));
    /// opt.step().unwrap();
    /// assert!((p.item::<f64>() - (1.0 * (1.0 - 0.1 * 0.01) - 0.1)).abs() < 1e-6);
    /// ```
    AdamW, AdamWAlgo, AdamWOptions
}

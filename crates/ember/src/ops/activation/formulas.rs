//! Derivatives of the parametric activations.

use crate::Tensor;
use crate::error::Result;
use crate::tensor::graph::formula::{Ctx, Formula, when};

/// The activation and its parameters; the node saves the input.
pub(crate) enum Activation {
    LeakyRelu(f64),
    Elu(f64),
    GeluTanh,
    Softplus(f64, f64),
    Hardtanh(f64, f64),
}

impl Formula for Activation {
    fn name(&self) -> &'static str {
        match self {
            Activation::LeakyRelu(_) => "LeakyReluBackward0",
            Activation::Elu(_) => "EluBackward0",
            Activation::GeluTanh => "GeluBackward0",
            Activation::Softplus(..) => "SoftplusBackward0",
            Activation::Hardtanh(..) => "HardtanhBackward0",
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x) = (ctx.grad()?, ctx.saved(0));
        Ok(vec![when(ctx.needs(0), || match *self {
            Activation::LeakyRelu(s) => g.try_where_cond(&x.try_gt(0.0)?, &g.try_mul(s)?),
            Activation::Elu(a) => {
                g.try_where_cond(&x.try_gt(0.0)?, &g.try_mul(&x.try_exp()?.try_mul(a)?)?)
            }
            Activation::GeluTanh => {
                let k = (2.0 / std::f64::consts::PI).sqrt();
                let c = 0.044715;
                let x2 = x.try_mul(x)?;
                let inner = x.try_add(&x2.try_mul(x)?.try_mul(c)?)?.try_mul(k)?;
                let t = inner.try_tanh()?;
                let left = t.try_add(1.0)?.try_mul(0.5)?;
                let dinner = x2.try_mul(3.0 * c)?.try_add(1.0)?.try_mul(k)?;
                let right = x
                    .try_mul(0.5)?
                    .try_mul(&t.try_mul(&t)?.try_rsub(1.0)?)?
                    .try_mul(&dinner)?;
                g.try_mul(&left.try_add(&right)?)
            }
            Activation::Softplus(beta, threshold) => {
                let bx = x.try_mul(beta)?;
                let soft = g.try_mul(&bx.try_sigmoid()?)?;
                g.try_where_cond(&bx.try_gt(threshold)?, &soft)
            }
            Activation::Hardtanh(lo, hi) => {
                let inside = x.try_gt(lo)?.try_logical_and(&x.try_lt(hi)?)?;
                g.try_where_cond(&inside, 0.0)
            }
        })?])
    }
}

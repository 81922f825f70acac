//! Derivatives of elementwise ops (PyTorch's `derivatives.yaml` entries, same structure, so
//! that `create_graph` gradients carry the same node names).

use crate::Tensor;
use crate::error::Result;
use crate::ops::{BinaryOp, UnaryOp};
use crate::tensor::graph::formula::{Ctx, Formula, when};
use std::f64::consts::{LN_2, LN_10, PI};

/// What a unary op's formula needs saved.
pub(crate) enum Saves {
    Input,
    Output,
    Nothing,
}

/// Declares the backward formula of every unary op of the table, one line each: the op,
/// PyTorch's node name, what the formula saves (`Input`: `self`, `Output`: `result`, or
/// `Nothing`) and the gradient of the input from the output's gradient `g` and the saved
/// tensor `s()`. The node's `name`, the saves the op layer records (`unary_saves`) and the
/// backward are all generated from the declaration, so they cannot drift apart. A missing
/// op is a compile error (the matches are exhaustive).
macro_rules! unary_formulas {
    ($($op:ident => $name:literal, $saves:ident, |$g:ident, $s:ident| $grad:expr;)*) => {
        /// The tensor each unary formula reads: its input (`self`) or its output (`result`).
        pub(crate) fn unary_saves(op: UnaryOp) -> Saves {
            match op {
                $(UnaryOp::$op => Saves::$saves,)*
            }
        }

        /// Backward of a unary op of the table.
        pub(crate) struct Unary(pub UnaryOp);

        impl Formula for Unary {
            fn name(&self) -> &'static str {
                match self.0 {
                    $(UnaryOp::$op => $name,)*
                }
            }

            #[allow(unused_variables)]
            fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
                let g = ctx.grad()?;
                let s = || ctx.saved(0);
                let gi = when(ctx.needs(0), || match self.0 {
                    $(UnaryOp::$op => {
                        let ($g, $s) = (g, s);
                        $grad
                    })*
                })?;
                Ok(vec![gi])
            }
        }
    };
}

// `Square` records `PowScalar(2)` (PowBackward0, as `torch.square` does) in the op layer;
// its line here serves `unary_saves` and the name.
unary_formulas! {
    Neg => "NegBackward0", Nothing, |g, s| g.try_neg();
    Abs => "AbsBackward0", Input, |g, s| g.try_mul(&s().try_sign()?);
    Exp => "ExpBackward0", Output, |g, s| g.try_mul(s());
    Log => "LogBackward0", Input, |g, s| g.try_div(s());
    Sqrt => "SqrtBackward0", Output, |g, s| g.try_div(&s().try_mul(2.0)?);
    Rsqrt => "RsqrtBackward0", Output, |g, s| g.try_mul(-0.5)?.try_mul(&s().try_pow(3.0)?);
    Sin => "SinBackward0", Input, |g, s| g.try_mul(&s().try_cos()?);
    Cos => "CosBackward0", Input, |g, s| g.try_mul(&s().try_sin()?.try_neg()?);
    Tan => "TanBackward0", Output, |g, s| g.try_mul(&s().try_pow(2.0)?.try_add(1.0)?);
    Tanh => "TanhBackward0", Output, |g, s| Tensor::tanh_backward(g, s());
    Sigmoid => "SigmoidBackward0", Output, |g, s| Tensor::sigmoid_backward(g, s());
    Relu => "ReluBackward0", Output, |g, s| Tensor::threshold_backward(g, s(), 0.0);
    Sign => "SignBackward0", Nothing, |g, s| crate::try_zeros_like(g);
    Floor => "FloorBackward0", Nothing, |g, s| crate::try_zeros_like(g);
    Ceil => "CeilBackward0", Nothing, |g, s| crate::try_zeros_like(g);
    Round => "RoundBackward0", Nothing, |g, s| crate::try_zeros_like(g);
    Trunc => "TruncBackward0", Nothing, |g, s| crate::try_zeros_like(g);
    Reciprocal => "ReciprocalBackward0", Output, |g, s| g.try_neg()?.try_mul(&s().try_mul(s())?);
    Square => "PowBackward0", Nothing, |g, s| g.try_mul(&s().try_mul(2.0)?);
    Log1p => "Log1PBackward0", Input, |g, s| g.try_div(&s().try_add(1.0)?);
    Expm1 => "Expm1Backward0", Output, |g, s| g.try_mul(&s().try_add(1.0)?);
    Erf => "ErfBackward0", Input, |g, s| s()
        .try_pow(2.0)?
        .try_neg()?
        .try_exp()?
        .try_mul(2.0 / PI.sqrt())?
        .try_mul(g);
    Log2 => "Log2Backward0", Input, |g, s| g.try_div(&s().try_mul(LN_2)?);
    Log10 => "Log10Backward0", Input, |g, s| g.try_div(&s().try_mul(LN_10)?);
    Asin => "AsinBackward0", Input, |g, s| g.try_mul(&s().try_neg()?.try_mul(s())?.try_add(1.0)?.try_rsqrt()?);
    Acos => "AcosBackward0", Input, |g, s| g.try_mul(
        &s().try_neg()?.try_mul(s())?.try_add(1.0)?.try_rsqrt()?.try_neg()?,
    );
    Atan => "AtanBackward0", Input, |g, s| g.try_div(&s().try_mul(s())?.try_add(1.0)?);
    Sinh => "SinhBackward0", Input, |g, s| g.try_mul(&s().try_cosh()?);
    Cosh => "CoshBackward0", Input, |g, s| g.try_mul(&s().try_sinh()?);
    Exp2 => "Exp2Backward0", Output, |g, s| g.try_mul(s())?.try_mul(LN_2);
    Silu => "SiluBackward0", Input, |g, s| {
        let sig = s().try_sigmoid()?;
        let inner = s().try_mul(&sig.try_rsub(1.0)?)?.try_add(1.0)?;
        g.try_mul(&sig)?.try_mul(&inner)
    };
    Gelu => "GeluBackward0", Input, |g, s| {
        let x = s();
        let cdf = x
            .try_mul(std::f64::consts::FRAC_1_SQRT_2)?
            .try_erf()?
            .try_add(1.0)?
            .try_mul(0.5)?;
        let pdf = x
            .try_pow(2.0)?
            .try_mul(-0.5)?
            .try_exp()?
            .try_mul(1.0 / (2.0 * PI).sqrt())?;
        g.try_mul(&cdf.try_add(&x.try_mul(&pdf)?)?)
    };
}

/// `pow(self, exponent)` with a scalar exponent (`PowBackward0`).
/// ATen's `mul(Tensor, Scalar)` / `div(Tensor, Scalar)` as C++ code calls them (backward
/// formulas, composites): `MulBackward1` / `DivBackward1`. From Python a scalar operand is
/// wrapped into a tensor and the node is `MulBackward0`/`DivBackward0`, which the public
/// operators record. See `Tensor::scale_scalar`.
pub(crate) struct ScaleScalar {
    pub factor: f64,
    pub div: bool,
}

impl Formula for ScaleScalar {
    fn name(&self) -> &'static str {
        if self.div {
            "DivBackward1"
        } else {
            "MulBackward1"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            g.scale_scalar(self.factor, self.div)
        })?])
    }
}

pub(crate) struct PowScalar(pub f64);

impl Formula for PowScalar {
    fn name(&self) -> &'static str {
        "PowBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x, e) = (ctx.grad()?, ctx.saved(0), self.0);
        Ok(vec![when(ctx.needs(0), || {
            if e == 0.0 {
                crate::try_zeros_like(x)
            } else {
                g.try_mul(&x.try_pow(e - 1.0)?.try_mul(e)?)
            }
        })?])
    }
}

/// `pow(base, self)` with a scalar base (`PowBackward2`); saves the result.
pub(crate) struct RPowScalar(pub f64);

impl Formula for RPowScalar {
    fn name(&self) -> &'static str {
        "PowBackward2"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, result, b) = (ctx.grad()?, ctx.saved(0), self.0);
        Ok(vec![when(ctx.needs(0), || {
            if b == 0.0 {
                // d/dx 0^x is 0 where x >= 0 (PyTorch masks those points).
                let mask = result.try_ne(0.0)?;
                g.try_mul(&result.try_mul(b.ln())?.try_where_cond(&mask, 0.0)?)
            } else {
                g.try_mul(&result.try_mul(b.ln())?)
            }
        })?])
    }
}

/// Binary ops of two tensors (and `add`/`sub` with `alpha`).
pub(crate) struct Binary {
    pub op: BinaryOp,
    pub alpha: f64,
}

impl Formula for Binary {
    fn name(&self) -> &'static str {
        match self.op {
            BinaryOp::Add => "AddBackward0",
            BinaryOp::Sub => "SubBackward0",
            BinaryOp::Mul => "MulBackward0",
            BinaryOp::Div => "DivBackward0",
            BinaryOp::Maximum => "MaximumBackward0",
            BinaryOp::Minimum => "MinimumBackward0",
            BinaryOp::Atan2 => "Atan2Backward0",
            BinaryOp::Pow => "PowBackward1",
            BinaryOp::Remainder => "RemainderBackward0",
            BinaryOp::Fmod => "FmodBackward1",
            BinaryOp::FloorDivide => "FloorDivideBackward0",
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let (n0, n1) = (ctx.needs(0), ctx.needs(1));
        let alpha = self.alpha;
        let scaled = |t: &Tensor| -> Result<Tensor> {
            if alpha == 1.0 {
                Ok(t.clone())
            } else {
                t.try_mul(alpha)
            }
        };
        Ok(match self.op {
            BinaryOp::Add => vec![when(n0, || Ok(g.clone()))?, when(n1, || scaled(g))?],
            BinaryOp::Sub => vec![
                when(n0, || Ok(g.clone()))?,
                when(n1, || {
                    if alpha == 1.0 {
                        g.try_neg()
                    } else {
                        g.try_mul(-alpha)
                    }
                })?,
            ],
            BinaryOp::Mul => {
                let (a, b) = (ctx.saved(0), ctx.saved(1));
                vec![when(n0, || g.try_mul(b))?, when(n1, || g.try_mul(a))?]
            }
            BinaryOp::Div => {
                let (a, b) = (ctx.saved(0), ctx.saved(1));
                vec![
                    when(n0, || g.try_div(b))?,
                    when(n1, || g.try_neg()?.try_mul(&a.try_div(b)?.try_div(b)?))?,
                ]
            }
            BinaryOp::Maximum | BinaryOp::Minimum => {
                let (a, b) = (ctx.saved(0), ctx.saved(1));
                let half = g.try_div(2.0)?;
                let eq = a.try_eq(b)?;
                let shared = g.try_where_cond(&eq.try_logical_not()?, &half)?;
                let max = self.op == BinaryOp::Maximum;
                let a_loses = if max { a.try_lt(b)? } else { a.try_gt(b)? };
                let b_loses = if max { a.try_gt(b)? } else { a.try_lt(b)? };
                vec![
                    when(n0, || crate::try_where_(&a_loses, 0.0, &shared))?,
                    when(n1, || crate::try_where_(&b_loses, 0.0, &shared))?,
                ]
            }
            BinaryOp::Atan2 => {
                let (a, b) = (ctx.saved(0), ctx.saved(1));
                let denom = a.try_mul(a)?.try_add(&b.try_mul(b)?)?;
                vec![
                    when(n0, || g.try_mul(&b.try_div(&denom)?))?,
                    when(n1, || g.try_mul(&a.try_neg()?.try_div(&denom)?))?,
                ]
            }
            BinaryOp::Pow => {
                let (a, e, result) = (ctx.saved(0), ctx.saved(1), ctx.saved(2));
                vec![
                    when(n0, || {
                        let d = g.try_mul(&e.try_mul(&a.try_pow(&e.try_sub(1.0)?)?)?)?;
                        d.try_where_cond(&e.try_ne(0.0)?, 0.0)
                    })?,
                    when(n1, || {
                        let mask = a.try_eq(0.0)?.try_logical_and(&e.try_ge(0.0)?)?;
                        let d = result.try_mul(&a.try_log()?)?;
                        g.try_mul(&crate::try_where_(&mask, 0.0, &d)?)
                    })?,
                ]
            }
            BinaryOp::Remainder | BinaryOp::Fmod => {
                let (a, b) = (ctx.saved(0), ctx.saved(1));
                let q = a.try_div(b)?;
                let q = if self.op == BinaryOp::Remainder {
                    q.try_floor()?
                } else {
                    q.try_trunc()?
                };
                vec![
                    when(n0, || Ok(g.clone()))?,
                    when(n1, || g.try_neg()?.try_mul(&q))?,
                ]
            }
            BinaryOp::FloorDivide => vec![
                when(n0, || crate::try_zeros_like(g))?,
                when(n1, || crate::try_zeros_like(g))?,
            ],
        })
    }
}

/// Binary ops with a scalar `other`.
pub(crate) struct BinaryScalar {
    pub op: BinaryOp,
    pub other: f64,
}

impl Formula for BinaryScalar {
    fn name(&self) -> &'static str {
        match self.op {
            BinaryOp::Fmod => "FmodBackward0",
            BinaryOp::Remainder => "RemainderBackward0",
            op => Binary { op, alpha: 1.0 }.name(),
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let s = self.other;
        Ok(vec![when(ctx.needs(0), || match self.op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Remainder | BinaryOp::Fmod => Ok(g.clone()),
            BinaryOp::Mul => g.try_mul(s),
            BinaryOp::Div => g.try_div(s),
            BinaryOp::Maximum | BinaryOp::Minimum => {
                let x = ctx.saved(0);
                let lose = if self.op == BinaryOp::Maximum {
                    x.try_lt(s)?
                } else {
                    x.try_gt(s)?
                };
                let shared = g.try_where_cond(&x.try_ne(s)?, &g.try_div(2.0)?)?;
                crate::try_where_(&lose, 0.0, &shared)
            }
            BinaryOp::Atan2 => {
                let x = ctx.saved(0);
                g.try_mul(&x.try_mul(x)?.try_add(s * s)?.try_rdiv(s)?)
            }
            BinaryOp::Pow => {
                let x = ctx.saved(0);
                g.try_mul(&x.try_pow(s - 1.0)?.try_mul(s)?)
            }
            BinaryOp::FloorDivide => crate::try_zeros_like(g),
        })?])
    }
}

/// `rsub(self, other)` = `other - self` (`RsubBackward1`).
pub(crate) struct Rsub;

impl Formula for Rsub {
    fn name(&self) -> &'static str {
        "RsubBackward1"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || ctx.grad()?.try_neg())?])
    }
}

/// `clamp` and its one-sided forms: the gradient passes where the input is inside the bounds.
pub(crate) struct Clamp {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub name: &'static str,
}

impl Formula for Clamp {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x) = (ctx.grad()?, ctx.saved(0));
        Ok(vec![when(ctx.needs(0), || {
            let mask = match (self.min, self.max) {
                (Some(lo), Some(hi)) => x.try_ge(lo)?.try_logical_and(&x.try_le(hi)?)?,
                (Some(lo), None) => x.try_ge(lo)?,
                (None, Some(hi)) => x.try_le(hi)?,
                (None, None) => x.try_eq(x)?,
            };
            g.try_where_cond(&mask, 0.0)
        })?])
    }
}

/// `where(cond, a, b)`; `which` says which of a, b were tensors (the node's inputs).
pub(crate) struct Where {
    pub which: Vec<bool>,
}

impl Formula for Where {
    fn name(&self) -> &'static str {
        "WhereBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, cond) = (ctx.grad()?, ctx.saved(0));
        let mut out = Vec::new();
        let mut k = 0;
        for (i, &is_tensor) in self.which.iter().enumerate() {
            if !is_tensor {
                continue;
            }
            out.push(when(ctx.needs(k), || {
                if i == 0 {
                    g.try_where_cond(cond, 0.0)
                } else {
                    crate::try_where_(cond, 0.0, g)
                }
            })?);
            k += 1;
        }
        Ok(out)
    }
}

/// `tanh_backward(grad_output, output)` (`TanhBackwardBackward0`).
pub(crate) struct TanhBackward;

impl Formula for TanhBackward {
    fn name(&self) -> &'static str {
        "TanhBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, go, y) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        Ok(vec![
            when(ctx.needs(0), || Tensor::tanh_backward(g, y))?,
            when(ctx.needs(1), || g.try_mul(&y.try_mul(-2.0)?.try_mul(go)?))?,
        ])
    }
}

/// `sigmoid_backward(grad_output, output)` (`SigmoidBackwardBackward0`).
pub(crate) struct SigmoidBackward;

impl Formula for SigmoidBackward {
    fn name(&self) -> &'static str {
        "SigmoidBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, go, y) = (ctx.grad()?, ctx.saved(0), ctx.saved(1));
        Ok(vec![
            when(ctx.needs(0), || Tensor::sigmoid_backward(g, y))?,
            when(ctx.needs(1), || {
                g.try_mul(go)?.try_mul(&y.try_mul(-2.0)?.try_add(1.0)?)
            })?,
        ])
    }
}

/// `threshold_backward(grad_output, self, threshold)` (`ThresholdBackwardBackward0`).
pub(crate) struct ThresholdBackward(pub f64);

impl Formula for ThresholdBackward {
    fn name(&self) -> &'static str {
        "ThresholdBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let (g, x) = (ctx.grad()?, ctx.saved(0));
        Ok(vec![
            when(ctx.needs(0), || Tensor::threshold_backward(g, x, self.0))?,
            when(ctx.needs(1), || crate::try_zeros_like(g))?,
        ])
    }
}

//! Golden dispatch for elementwise ops, comparisons, `where`, `to` and `requires_grad_`.

use super::spec::Kw;
use super::{OpResult, one};
use ember::{Operand, Scalar, Tensor, UnaryOp};

/// The second operand: `inputs[1]` when given, else the scalar `kwargs.other`.
fn other<'a>(inputs: &'a [Tensor], kw: &Kw) -> Option<Operand<'a>> {
    match inputs.get(1) {
        Some(t) => Some(Operand::Tensor(t)),
        None => kw.scalar("other").map(Operand::Scalar),
    }
}

pub fn dispatch(op: &str, inputs: &[Tensor], kw: &Kw) -> Option<OpResult> {
    let x = inputs.first()?;
    if op == "gelu" {
        let approx = kw.str("approximate").unwrap_or("none").parse();
        return one(approx.and_then(|a| x.try_gelu_approx(a)));
    }
    if let Some(u) = UnaryOp::ALL.iter().find(|u| u.name() == op) {
        return one(x.try_unary(*u));
    }
    match op {
        "add" | "sub" => {
            let alpha = kw.f64("alpha");
            let o = other(inputs, kw)?;
            let r = match (o, alpha) {
                (Operand::Tensor(t), Some(a)) if op == "add" => x.try_add_alpha(t, a),
                (Operand::Tensor(t), Some(a)) => x.try_sub_alpha(t, a),
                // torch.add(x, s, alpha=a) adds s * a, an int when both are.
                (Operand::Scalar(s), Some(a)) => {
                    let sa = match (s, kw.scalar("alpha")) {
                        (ember::Scalar::Int(i), Some(ember::Scalar::Int(j))) => {
                            ember::Scalar::Int(i * j)
                        }
                        _ => ember::Scalar::Float(s.to_f64() * a),
                    };
                    if op == "add" {
                        x.try_add(sa)
                    } else {
                        x.try_sub(sa)
                    }
                }
                (o, _) if op == "add" => x.try_add(o),
                (o, _) => x.try_sub(o),
            };
            one(r)
        }
        "mul" => one(x.try_mul(other(inputs, kw)?)),
        "div" => one(x.try_div(other(inputs, kw)?)),
        "maximum" => one(x.try_maximum(other(inputs, kw)?)),
        "minimum" => one(x.try_minimum(other(inputs, kw)?)),
        "atan2" => one(x.try_atan2(other(inputs, kw)?)),
        "rsub" => one(x.try_rsub(kw.scalar("other")?)),
        "rdiv" => one(x.try_rdiv(kw.scalar("other")?)),
        "rpow" => one(x.try_rpow(kw.scalar("other")?)),
        "pow" => match inputs.get(1) {
            Some(e) => one(x.try_pow(e)),
            None => one(x.try_pow(kw.scalar("exponent")?)),
        },
        "clamp" => one(x.try_clamp_scalar(kw.scalar("min"), kw.scalar("max"))),
        "eq" => one(x.try_eq(other(inputs, kw)?)),
        "ne" => one(x.try_ne(other(inputs, kw)?)),
        "lt" => one(x.try_lt(other(inputs, kw)?)),
        "le" => one(x.try_le(other(inputs, kw)?)),
        "gt" => one(x.try_gt(other(inputs, kw)?)),
        "ge" => one(x.try_ge(other(inputs, kw)?)),
        "logical_and" => one(x.try_logical_and(other(inputs, kw)?)),
        "logical_or" => one(x.try_logical_or(other(inputs, kw)?)),
        "logical_xor" => one(x.try_logical_xor(other(inputs, kw)?)),
        "logical_not" => one(x.try_logical_not()),
        "where" => one(ember::try_where_(x, &inputs[1], &inputs[2])),
        "to" => {
            let dt = ember::DType::from_name(kw.str("dtype")?)?;
            one(x.try_to_dtype(dt))
        }
        "requires_grad_" => one(x.try_requires_grad_(true)),
        "leaky_relu" => one(x.try_leaky_relu(kw.f64("negative_slope").unwrap_or(0.01))),
        "elu" => one(x.try_elu(kw.f64("alpha").unwrap_or(1.0))),
        "silu" => one(x.try_silu()),
        "softplus" => one(x.try_softplus(
            kw.f64("beta").unwrap_or(1.0),
            kw.f64("threshold").unwrap_or(20.0),
        )),
        "hardtanh" => one(x.try_hardtanh(
            kw.f64("min_val").unwrap_or(-1.0),
            kw.f64("max_val").unwrap_or(1.0),
        )),
        _ => {
            let _ = Scalar::Int(0);
            None
        }
    }
}

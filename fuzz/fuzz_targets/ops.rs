//! Fuzzes sequences of tensor ops with autograd: the bytes decode into one or two small f64
//! leaf tensors and up to a dozen ops (unary, binary, reductions, shape ops, in-place ops,
//! also through views) over them and their results. Every op goes through its `try_` form,
//! so a panic anywhere is a bug (an `Err` is a fine answer to, say, mismatched shapes).
//! After the forward pass, `backward` of the sum must not panic either; and when every op
//! between the inputs and the result is smooth, the analytic gradients must equal
//! `gradcheck`'s finite differences (and, on a flag bit, `gradgradcheck`'s second ones).
//!
//! Sizes stay small (dims of 0 to 3, at most 64 elements per intermediate) so that one
//! execution, gradcheck included, takes well under a millisecond or two.
#![no_main]

use ember::autograd::{gradcheck, gradgradcheck};
use ember::{BinaryOp, DType, Result, Tensor, UnaryOp};
use libfuzzer_sys::fuzz_target;

/// Reads the input front to back; past its end every read gives 0, so every input decodes.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    /// An index below `n` (`n > 0`).
    fn idx(&mut self, n: usize) -> usize {
        self.u8() as usize % n
    }
    /// A dimension argument, negative ones and out-of-range ones included.
    fn dim(&mut self) -> i64 {
        i64::from(self.u8() % 9) - 4
    }
    /// A value in [-4, 4) on a grid of 1/32: zeros and ties happen, as in real data.
    fn value(&mut self) -> f64 {
        (f64::from(self.u8()) - 128.0) / 32.0
    }
    fn flag(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Unary ops that are smooth on the whole real line, so finite differences agree with the
/// derivative wherever the inputs land.
fn smooth_everywhere(op: UnaryOp) -> bool {
    use UnaryOp::*;
    matches!(
        op,
        Neg | Exp
            | Sin
            | Cos
            | Tanh
            | Sigmoid
            | Square
            | Expm1
            | Erf
            | Atan
            | Sinh
            | Cosh
            | Exp2
            | Silu
            | Gelu
    )
}

/// Unary ops smooth on (0, ∞) (where [`Op::Positive`] applies them).
fn smooth_on_positive(op: UnaryOp) -> bool {
    use UnaryOp::*;
    matches!(op, Log | Sqrt | Rsqrt | Reciprocal | Log1p | Log2 | Log10) || smooth_everywhere(op)
}

/// One step; operands are indices into the values computed so far (taken modulo their count
/// when the step runs).
#[derive(Debug, Clone)]
enum Op {
    Unary(UnaryOp, usize),
    /// `op(x² + 0.5)`: the domain-restricted ops (log, sqrt, …) where they are smooth.
    Positive(UnaryOp, usize),
    /// `op(0.9·tanh(x))`: asin and acos inside (-1, 1).
    Unit(UnaryOp, usize),
    Binary(BinaryOp, usize, usize),
    /// `x / (y² + 0.5)`: division away from zero.
    SafeDiv(usize, usize),
    Scalar(BinaryOp, usize, f64),
    Sum(usize),
    SumDim(usize, i64, bool),
    MeanDim(usize, i64, bool),
    ProdDim(usize, i64, bool),
    VarDim(usize, i64, bool),
    MaxDim(usize, i64, bool),
    Logsumexp(usize, i64, bool),
    Softmax(usize, i64),
    LogSoftmax(usize, i64),
    Cumsum(usize, i64),
    Cumprod(usize, i64),
    Flatten(usize),
    Reshape(usize, u8),
    Transpose(usize, i64, i64),
    Permute(usize, u8),
    Unsqueeze(usize, i64),
    Squeeze(usize),
    Expand(usize, usize),
    Narrow(usize, i64, i64, usize),
    Select(usize, i64, i64),
    Flip(usize, i64),
    Cat(usize, usize, i64),
    Stack(usize, usize, i64),
    Matmul(usize, usize),
    Contiguous(usize),
    Clamp(usize, f64, f64),
    /// `y = x.clone(); y.op_()`: an in-place op on a non-leaf (rebases its history).
    InplaceUnary(UnaryOp, usize),
    InplaceBinary(BinaryOp, usize, usize),
    /// `y = x.clone(); y.select(dim, i).mul_(c)`: in-place through a view (CopySlices).
    InplaceView(usize, i64, i64, f64),
}

impl Op {
    fn decode(b: &mut Bytes) -> Op {
        let un = |b: &mut Bytes| UnaryOp::ALL[b.idx(UnaryOp::ALL.len())];
        let bin = |b: &mut Bytes| BinaryOp::ALL[b.idx(BinaryOp::ALL.len())];
        let i = |b: &mut Bytes| b.u8() as usize;
        match b.u8() % 36 {
            0 => Op::Unary(un(b), i(b)),
            1 => Op::Positive(un(b), i(b)),
            2 => {
                let op = if b.flag() {
                    UnaryOp::Asin
                } else {
                    UnaryOp::Acos
                };
                Op::Unit(op, i(b))
            }
            3 => Op::Binary(bin(b), i(b), i(b)),
            4 => Op::SafeDiv(i(b), i(b)),
            5 => Op::Scalar(bin(b), i(b), b.value()),
            6 => Op::Sum(i(b)),
            7 => Op::SumDim(i(b), b.dim(), b.flag()),
            8 => Op::MeanDim(i(b), b.dim(), b.flag()),
            9 => Op::ProdDim(i(b), b.dim(), b.flag()),
            10 => Op::VarDim(i(b), b.dim(), b.flag()),
            11 => Op::MaxDim(i(b), b.dim(), b.flag()),
            12 => Op::Logsumexp(i(b), b.dim(), b.flag()),
            13 => Op::Softmax(i(b), b.dim()),
            14 => Op::LogSoftmax(i(b), b.dim()),
            15 => Op::Cumsum(i(b), b.dim()),
            16 => Op::Cumprod(i(b), b.dim()),
            17 => Op::Flatten(i(b)),
            18 => Op::Reshape(i(b), b.u8()),
            19 => Op::Transpose(i(b), b.dim(), b.dim()),
            20 => Op::Permute(i(b), b.u8()),
            21 => Op::Unsqueeze(i(b), b.dim()),
            22 => Op::Squeeze(i(b)),
            23 => Op::Expand(i(b), b.idx(3) + 1),
            24 => Op::Narrow(i(b), b.dim(), b.dim(), b.idx(4)),
            25 => Op::Select(i(b), b.dim(), b.dim()),
            26 => Op::Flip(i(b), b.dim()),
            27 => Op::Cat(i(b), i(b), b.dim()),
            28 => Op::Stack(i(b), i(b), b.dim()),
            29 | 30 => Op::Matmul(i(b), i(b)),
            31 => Op::Contiguous(i(b)),
            32 => Op::Clamp(i(b), b.value(), b.value()),
            33 => Op::InplaceUnary(un(b), i(b)),
            34 => Op::InplaceBinary(bin(b), i(b), i(b)),
            _ => Op::InplaceView(i(b), b.dim(), b.dim(), b.value()),
        }
    }
}

/// The inputs (shapes and values) and the ops of one fuzz case.
#[derive(Debug)]
struct Program {
    inputs: Vec<(Vec<usize>, Vec<f64>)>,
    ops: Vec<Op>,
    second_order: bool,
}

impl Program {
    fn decode(data: &[u8]) -> Program {
        let mut b = Bytes(data);
        let n_inputs = b.idx(2) + 1;
        let inputs = (0..n_inputs)
            .map(|_| {
                let rank = b.idx(4);
                // Mostly 1..=3, sometimes 0: empty tensors are where index arithmetic slips.
                let shape: Vec<usize> = (0..rank)
                    .map(|_| match b.u8() % 8 {
                        0 => 0,
                        k => (k as usize - 1) % 3 + 1,
                    })
                    .collect();
                let n = shape.iter().product();
                let values = (0..n).map(|_| b.value()).collect();
                (shape, values)
            })
            .collect();
        let second_order = b.u8() == 0xff;
        let mut ops = Vec::new();
        while !b.is_empty() && ops.len() < 12 {
            ops.push(Op::decode(&mut b));
        }
        Program {
            inputs,
            ops,
            second_order,
        }
    }
}

/// A computed value and whether it is a smooth function of the inputs.
struct Value {
    t: Tensor,
    smooth: bool,
}

const MAX_NUMEL: usize = 64;

/// `(x² + 0.5)`, positive and smooth.
fn positive(x: &Tensor) -> Result<Tensor> {
    x.try_square()?.try_binary(0.5, BinaryOp::Add)
}

/// One step: the result and whether the op itself is smooth (at the operands' values).
fn step(op: &Op, vals: &[Value]) -> Result<(Tensor, bool)> {
    let v = |i: &usize| &vals[*i % vals.len()];
    let t = |i: &usize| &v(i).t;
    Ok(match op {
        Op::Unary(u, a) => (t(a).try_unary(*u)?, smooth_everywhere(*u)),
        Op::Positive(u, a) => {
            // The argument must be moderate too: `cos(x⁸ + 0.5)` at x = -4 is in [-1, 1],
            // but its third derivative (~1e15) swamps the finite differences.
            let p = positive(t(a))?;
            let moderate = p
                .detach()
                .try_to_vec::<f64>()
                .is_ok_and(|v| v.iter().all(|x| x.abs() < 1e3));
            (p.try_unary(*u)?, smooth_on_positive(*u) && moderate)
        }
        Op::Unit(u, a) => (
            t(a).try_tanh()?
                .try_binary(0.9, BinaryOp::Mul)?
                .try_unary(*u)?,
            true,
        ),
        Op::Binary(o, a, c) => (
            t(a).try_binary(t(c), *o)?,
            matches!(o, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul),
        ),
        Op::SafeDiv(a, c) => (t(a).try_binary(&positive(t(c))?, BinaryOp::Div)?, true),
        Op::Scalar(o, a, s) => (
            t(a).try_binary(*s, *o)?,
            matches!(o, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul)
                || (*o == BinaryOp::Div && *s != 0.0),
        ),
        Op::Sum(a) => (t(a).try_sum()?, true),
        Op::SumDim(a, d, k) => (t(a).try_sum_dim(*d, *k)?, true),
        Op::MeanDim(a, d, k) => (t(a).try_mean_dim(*d, *k)?, true),
        Op::ProdDim(a, d, k) => (t(a).try_prod_dim(*d, *k)?, true),
        Op::VarDim(a, d, k) => (t(a).try_var_dim(*d, *k)?, true),
        // Ties make max non-differentiable; the grid of input values makes ties likely.
        Op::MaxDim(a, d, k) => (t(a).try_max_dim(*d, *k)?.0, false),
        Op::Logsumexp(a, d, k) => (t(a).try_logsumexp(*d, *k)?, true),
        Op::Softmax(a, d) => (t(a).try_softmax(*d)?, true),
        Op::LogSoftmax(a, d) => (t(a).try_log_softmax(*d)?, true),
        Op::Cumsum(a, d) => (t(a).try_cumsum(*d)?, true),
        Op::Cumprod(a, d) => (t(a).try_cumprod(*d)?, true),
        Op::Flatten(a) => (t(a).try_flatten(0, -1)?, true),
        Op::Reshape(a, how) => {
            let x = t(a);
            let n = x.numel() as i64;
            // A split of the elements into two factors (one of them inferred).
            let shape = match how % 3 {
                0 => vec![-1],
                1 => vec![1, -1],
                _ => vec![-1, if n % 2 == 0 { 2 } else { 1 }],
            };
            (x.try_reshape(shape)?, true)
        }
        Op::Transpose(a, d0, d1) => (t(a).try_transpose(*d0, *d1)?, true),
        Op::Permute(a, how) => {
            let x = t(a);
            let mut perm: Vec<i64> = (0..x.ndim() as i64).collect();
            if !perm.is_empty() {
                let k = *how as usize % perm.len();
                perm.rotate_left(k);
                if how & 0x80 != 0 {
                    perm.reverse();
                }
            }
            (x.try_permute(perm)?, true)
        }
        Op::Unsqueeze(a, d) => (t(a).try_unsqueeze(*d)?, true),
        Op::Squeeze(a) => (t(a).try_squeeze()?, true),
        Op::Expand(a, k) => {
            let x = t(a);
            let mut sizes: Vec<i64> = vec![*k as i64];
            sizes.extend(std::iter::repeat_n(-1, x.ndim()));
            (x.try_expand(sizes)?, true)
        }
        Op::Narrow(a, d, s, l) => (t(a).try_narrow(*d, *s, *l)?, true),
        Op::Select(a, d, i) => (t(a).try_select(*d, *i)?, true),
        Op::Flip(a, d) => (t(a).try_flip([*d])?, true),
        Op::Cat(a, c, d) => (ember::try_cat(&[t(a), t(c)], *d)?, true),
        Op::Stack(a, c, d) => (ember::try_stack(&[t(a), t(c)], *d)?, true),
        Op::Matmul(a, c) => (t(a).try_matmul(t(c))?, true),
        Op::Contiguous(a) => (t(a).try_contiguous()?, true),
        Op::Clamp(a, lo, hi) => (t(a).try_clamp(Some(*lo), Some(*hi))?, false),
        Op::InplaceUnary(u, a) => {
            let y = t(a).try_clone_tensor()?;
            y.try_unary_(*u)?;
            (y, smooth_everywhere(*u))
        }
        Op::InplaceBinary(o, a, c) => {
            let y = t(a).try_clone_tensor()?;
            y.try_binary_(t(c), *o)?;
            (
                y,
                matches!(o, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul),
            )
        }
        Op::InplaceView(a, d, i, s) => {
            let y = t(a).try_clone_tensor()?;
            y.try_select(*d, *i)?.try_binary_(*s, BinaryOp::Mul)?;
            (y, true)
        }
    })
}

/// The operands an op reads, for the smoothness of its result.
fn operands(op: &Op) -> Vec<usize> {
    match op {
        Op::Binary(_, a, c)
        | Op::SafeDiv(a, c)
        | Op::Cat(a, c, _)
        | Op::Stack(a, c, _)
        | Op::Matmul(a, c)
        | Op::InplaceBinary(_, a, c) => vec![*a, *c],
        Op::Unary(_, a)
        | Op::Positive(_, a)
        | Op::Unit(_, a)
        | Op::Scalar(_, a, _)
        | Op::Sum(a)
        | Op::SumDim(a, ..)
        | Op::MeanDim(a, ..)
        | Op::ProdDim(a, ..)
        | Op::VarDim(a, ..)
        | Op::MaxDim(a, ..)
        | Op::Logsumexp(a, ..)
        | Op::Softmax(a, _)
        | Op::LogSoftmax(a, _)
        | Op::Cumsum(a, _)
        | Op::Cumprod(a, _)
        | Op::Flatten(a)
        | Op::Reshape(a, _)
        | Op::Transpose(a, ..)
        | Op::Permute(a, _)
        | Op::Unsqueeze(a, _)
        | Op::Squeeze(a)
        | Op::Expand(a, _)
        | Op::Narrow(a, ..)
        | Op::Select(a, ..)
        | Op::Flip(a, _)
        | Op::Contiguous(a)
        | Op::Clamp(a, ..)
        | Op::InplaceUnary(_, a)
        | Op::InplaceView(a, ..) => vec![*a],
    }
}

/// Runs the program on `inputs`; steps that fail (shape errors and the like) or grow past
/// [`MAX_NUMEL`] are skipped, which depends on shapes only, so every run over inputs of the
/// same shapes takes the same steps (gradcheck's perturbed runs included). Returns the last
/// value.
fn run(prog: &Program, inputs: &[Tensor]) -> Value {
    let mut vals: Vec<Value> = inputs
        .iter()
        .map(|t| Value {
            t: t.clone(),
            smooth: true,
        })
        .collect();
    for op in &prog.ops {
        if let Ok((t, smooth_op)) = step(op, &vals) {
            if t.numel() > MAX_NUMEL {
                continue;
            }
            // A NaN or infinity on the way (var of one element, exp overflow) can vanish
            // from the result (a select, a zero weight) but still poisons the analytic
            // gradient, as in PyTorch; and a large value on the way swallows the
            // finite-difference step (`(big + y) - big` has a numerical gradient of 0 in y).
            // No check after either.
            let tame = t
                .detach()
                .try_to_vec::<f64>()
                .is_ok_and(|v| v.iter().all(|x| x.is_finite() && x.abs() < 1e3));
            let smooth =
                smooth_op && tame && operands(op).iter().all(|i| vals[*i % vals.len()].smooth);
            vals.push(Value { t, smooth });
        }
    }
    vals.pop().expect("the inputs are values")
}

fn leaves(prog: &Program) -> Vec<Tensor> {
    prog.inputs
        .iter()
        .map(|(shape, values)| {
            Tensor::from_vec(values.clone(), shape.as_slice()).requires_grad_(true)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let prog = Program::decode(data);
    let out = run(&prog, &leaves(&prog));
    let _ = format!("{:?}", out.t);
    // Backward of the sum must give an answer (an error is one: an in-place write to a
    // tensor saved for backward is refused there).
    let backward = if out.t.requires_grad() {
        out.t.try_sum().and_then(|s| s.try_backward())
    } else {
        Ok(())
    };
    // `smooth` also says every value on the way was finite and moderate (see `run`).
    if backward.is_err() || !out.smooth || out.t.dtype() != DType::F64 {
        return;
    }
    let f = |xs: &[Tensor]| Ok(vec![run(&prog, xs).t]);
    if let Err(e) = gradcheck(f, &leaves(&prog)) {
        panic!("gradcheck failed: {e}\n{prog:?}");
    }
    if prog.second_order {
        // gradgradcheck draws its output gradients from the default generator.
        ember::manual_seed(0);
        if let Err(e) = gradgradcheck(f, &leaves(&prog)) {
            panic!("gradgradcheck failed: {e}\n{prog:?}");
        }
    }
});

//! `gradcheck` and `gradgradcheck`: compare autograd's gradients with finite differences.

use crate::error::{Error, Result};
use crate::{DType, Tensor};

/// Tolerances and step of [`gradcheck_with`] (PyTorch's defaults).
#[derive(Clone, Copy, Debug)]
pub struct GradcheckOptions {
    /// Finite-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance.
    pub rtol: f64,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        }
    }
}

/// Flattened outputs of `f`, as f64 values.
fn eval(f: &dyn Fn(&[Tensor]) -> Result<Vec<Tensor>>, inputs: &[Tensor]) -> Result<Vec<f64>> {
    let mut v = Vec::new();
    for o in f(inputs)? {
        if o.dtype().is_floating_point() {
            v.extend(o.try_to_vec::<f64>()?);
        }
    }
    Ok(v)
}

/// `torch.autograd.gradcheck`: checks the Jacobian autograd computes for `f` at `inputs`
/// (f64 tensors; those requiring grad are checked) against central finite differences.
///
/// ```
/// use ember::autograd::gradcheck;
/// let x = ember::randn_with([3, 2], ember::DType::F64).requires_grad_(true);
/// gradcheck(|xs| Ok(vec![xs[0].sin().mul(&xs[0])]), &[x]).unwrap();
/// ```
///
/// # Errors
/// Describes the first mismatching Jacobian entry, or an error raised by `f`.
pub fn gradcheck(f: impl Fn(&[Tensor]) -> Result<Vec<Tensor>>, inputs: &[Tensor]) -> Result<()> {
    gradcheck_with(f, inputs, GradcheckOptions::default())
}

/// [`gradcheck`] with explicit tolerances.
///
/// # Errors
/// As [`gradcheck`].
pub fn gradcheck_with(
    f: impl Fn(&[Tensor]) -> Result<Vec<Tensor>>,
    inputs: &[Tensor],
    opts: GradcheckOptions,
) -> Result<()> {
    for (i, x) in inputs.iter().enumerate() {
        if x.requires_grad() && x.dtype() != DType::F64 {
            return Err(Error::Value(format!(
                "gradcheck expects float64 inputs; input {i} is {}",
                x.dtype()
            )));
        }
    }
    let outs = f(inputs)?;
    let outs: Vec<Tensor> = outs
        .into_iter()
        .filter(|o| o.dtype().is_floating_point())
        .collect();
    let n_out: usize = outs.iter().map(Tensor::numel).sum();
    let wrt: Vec<(usize, &Tensor)> = inputs
        .iter()
        .enumerate()
        .filter(|(_, t)| t.requires_grad())
        .collect();
    // Analytical Jacobian, one output element at a time.
    let mut analytic: Vec<Vec<Vec<f64>>> = wrt
        .iter()
        .map(|(_, t)| vec![vec![0.0; n_out]; t.numel()])
        .collect();
    let mut row = 0;
    for o in &outs {
        for k in 0..o.numel() {
            let mut onehot = vec![0f64; o.numel()];
            onehot[k] = 1.0;
            let go = Tensor::try_from_vec(onehot, o.shape())?.try_to_dtype(o.dtype())?;
            if o.requires_grad() {
                let ins: Vec<&Tensor> = wrt.iter().map(|(_, t)| *t).collect();
                let g = super::grad_with(
                    &[o],
                    &ins,
                    super::GradOptions {
                        grad_outputs: vec![Some(go)],
                        retain_graph: Some(true),
                        create_graph: false,
                        allow_unused: true,
                    },
                )?;
                for (w, gi) in g.iter().enumerate() {
                    if let Some(gi) = gi {
                        for (j, v) in gi.try_to_vec::<f64>()?.into_iter().enumerate() {
                            analytic[w][j][row] = v;
                        }
                    }
                }
            }
            row += 1;
        }
    }
    // Numerical Jacobian by central differences.
    for (w, (idx, x)) in wrt.iter().enumerate() {
        let base = x.detach().try_to_vec::<f64>()?;
        for j in 0..x.numel() {
            let mut plus = base.clone();
            let mut minus = base.clone();
            plus[j] += opts.eps;
            minus[j] -= opts.eps;
            let mut ins_p: Vec<Tensor> = inputs.iter().map(Tensor::detach).collect();
            let mut ins_m = ins_p.clone();
            // Perturbed inputs keep requires_grad: `f` may itself differentiate them
            // (gradgradcheck).
            for (k, t) in inputs.iter().enumerate() {
                if t.requires_grad() {
                    ins_p[k] = ins_p[k].try_clone_tensor()?.try_requires_grad_(true)?;
                    ins_m[k] = ins_m[k].try_clone_tensor()?.try_requires_grad_(true)?;
                }
            }
            ins_p[*idx] = Tensor::try_from_vec(plus, x.shape())?.try_requires_grad_(true)?;
            ins_m[*idx] = Tensor::try_from_vec(minus, x.shape())?.try_requires_grad_(true)?;
            let (fp, fm) = (eval(&f, &ins_p)?, eval(&f, &ins_m)?);
            for r in 0..n_out {
                let num = (fp[r] - fm[r]) / (2.0 * opts.eps);
                let ana = analytic[w][j][r];
                if (num - ana).abs() > opts.atol + opts.rtol * num.abs() {
                    return Err(Error::Autograd(format!(
                        "Jacobian mismatch for output {r} with respect to input {idx}, element {j}: numerical {num} vs analytical {ana}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// `torch.autograd.gradgradcheck`: [`gradcheck`] of the gradients of `f` (with random
/// output gradients), which checks second derivatives through `create_graph`.
///
/// ```
/// use ember::autograd::gradgradcheck;
/// let x = ember::randn_with([4], ember::DType::F64).requires_grad_(true);
/// gradgradcheck(|xs| Ok(vec![xs[0].tanh()]), &[x]).unwrap();
/// ```
///
/// # Errors
/// As [`gradcheck`].
pub fn gradgradcheck(
    f: impl Fn(&[Tensor]) -> Result<Vec<Tensor>>,
    inputs: &[Tensor],
) -> Result<()> {
    let shapes: Vec<(Vec<usize>, DType)> = {
        let _g = crate::no_grad();
        f(inputs)?
            .iter()
            .filter(|o| o.dtype().is_floating_point())
            .map(|o| (o.shape().to_vec(), o.dtype()))
            .collect()
    };
    let gos: Vec<Tensor> = shapes
        .iter()
        .map(|(s, dt)| crate::try_randn_with(s.as_slice(), *dt))
        .collect::<Result<_>>()?;
    let n = inputs.len();
    let g = move |xs: &[Tensor]| -> Result<Vec<Tensor>> {
        let outs: Vec<Tensor> = f(&xs[..n])?
            .into_iter()
            .filter(|o| o.dtype().is_floating_point())
            .collect();
        let wrt: Vec<&Tensor> = xs[..n].iter().filter(|t| t.requires_grad()).collect();
        let outs_ref: Vec<&Tensor> = outs.iter().collect();
        let grads = super::grad_with(
            &outs_ref,
            &wrt,
            super::GradOptions {
                grad_outputs: gos.iter().cloned().map(Some).collect(),
                retain_graph: Some(true),
                create_graph: true,
                allow_unused: true,
            },
        )?;
        Ok(grads.into_iter().flatten().collect())
    };
    gradcheck(g, inputs)
}

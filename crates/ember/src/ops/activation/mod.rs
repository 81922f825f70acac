//! Activation functions with parameters (`leaky_relu`, `elu`, `gelu`, `softplus`,
//! `hardtanh`); parameterless ones (`relu`, `sigmoid`, `tanh`, `silu`) are in the op table.

pub(crate) mod formulas;

use crate::error::{Result, bail};
use crate::ops::ParamOp;
use crate::ops::activation::formulas as f;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::{DType, Tensor};
use ember_derive::panicking;

/// `approximate=` of `F.gelu` / `nn.GELU`, under PyTorch's names (`"none"`, `"tanh"`), which
/// also parse.
///
/// ```
/// use ember::nn::functional::GeluApproximate;
/// assert_eq!("tanh".parse::<GeluApproximate>().unwrap(), GeluApproximate::Tanh);
/// assert_eq!(GeluApproximate::None.to_string(), "none");
/// assert_eq!(
///     "fast".parse::<GeluApproximate>().unwrap_err().to_string(),
///     "approximate argument must be either none or tanh."
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GeluApproximate {
    /// `"none"`: the exact `x·Φ(x)` (the default).
    #[default]
    None,
    /// `"tanh"`: the tanh approximation.
    Tanh,
}

impl std::str::FromStr for GeluApproximate {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<GeluApproximate> {
        match s {
            "none" => Ok(GeluApproximate::None),
            "tanh" => Ok(GeluApproximate::Tanh),
            _ => bail!(Value, "approximate argument must be either none or tanh."),
        }
    }
}

impl std::fmt::Display for GeluApproximate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GeluApproximate::None => "none",
            GeluApproximate::Tanh => "tanh",
        })
    }
}

impl Tensor {
    /// `F.gelu(x, approximate=…)`.
    ///
    /// ```
    /// use ember::nn::functional::GeluApproximate;
    /// let x = ember::tensor([1.0f64]);
    /// // F.gelu(torch.tensor([1.], dtype=torch.float64), approximate="tanh") == 0.8411919906082768
    /// let y = x.gelu_approx(GeluApproximate::Tanh).item::<f64>();
    /// assert!((y - 0.8411919906082768).abs() < 1e-6);
    /// assert_eq!(x.gelu_approx(GeluApproximate::None).item::<f64>(), x.gelu().item::<f64>());
    /// ```
    ///
    /// # Errors
    /// For bool tensors (and other dtypes the op does not support).
    #[panicking(must_use)]
    pub fn try_gelu_approx(&self, approximate: GeluApproximate) -> Result<Tensor> {
        match approximate {
            GeluApproximate::None => self.try_gelu(),
            GeluApproximate::Tanh => self.try_gelu_tanh(),
        }
    }

    fn activation(&self, op: ParamOp, formula: f::Activation) -> Result<Tensor> {
        let dt = self.dtype();
        if !dt.is_floating_point() {
            // PyTorch's CPU kernels for these exist for floats only and name themselves in
            // the error; hardtanh is a clamp on integers (keeping their dtype), not on bool.
            let kernel = match op {
                ParamOp::LeakyRelu(_) => "leaky_relu_cpu",
                ParamOp::Elu(_) => "elu_cpu",
                ParamOp::Softplus(..) => "softplus_cpu",
                ParamOp::GeluTanh => "GeluKernelImpl",
                ParamOp::Hardtanh(..) if dt == DType::Bool => {
                    bail!(DType, "Bool inputs not supported for hardtanh")
                }
                ParamOp::Hardtanh(lo, hi) => {
                    return self.param_raw(ParamOp::Clamp(Some(lo), Some(hi)), false);
                }
                _ => "",
            };
            if !kernel.is_empty() {
                bail!(
                    DType,
                    "\"{kernel}\" not implemented for '{}'",
                    dt.scalar_type_name()
                );
            }
        }
        let out = self.param_raw(op, true)?;
        if needs_grad(&[self]) {
            record(formula, &[self], &[&out], &[Save::Tensor(self)]);
        }
        Ok(out)
    }

    /// `F.leaky_relu(x, negative_slope)`.
    ///
    /// ```
    /// let y = ember::tensor([-2.0, 3.0]).leaky_relu(0.1);
    /// assert_eq!(y.to_vec::<f32>(), vec![-0.2, 3.0]);
    /// ```
    ///
    /// # Errors
    /// For bool tensors.
    #[panicking(must_use)]
    pub fn try_leaky_relu(&self, negative_slope: f64) -> Result<Tensor> {
        self.activation(
            ParamOp::LeakyRelu(negative_slope),
            f::Activation::LeakyRelu(negative_slope),
        )
    }

    /// `F.elu(x, alpha)`.
    ///
    /// ```
    /// let y = ember::tensor([0.0f64, 2.0]).elu(1.0);
    /// assert_eq!(y.to_vec::<f64>(), vec![0.0, 2.0]);
    /// ```
    ///
    /// # Errors
    /// For bool tensors.
    #[panicking(must_use)]
    pub fn try_elu(&self, alpha: f64) -> Result<Tensor> {
        self.activation(ParamOp::Elu(alpha), f::Activation::Elu(alpha))
    }

    /// `F.gelu(x, approximate="tanh")`; the public form is
    /// `Tensor::try_gelu_approx(GeluApproximate::Tanh)` (in `nn::functional`).
    pub(crate) fn try_gelu_tanh(&self) -> Result<Tensor> {
        self.activation(ParamOp::GeluTanh, f::Activation::GeluTanh)
    }

    /// `F.softplus(x, beta, threshold)`: `log(1 + exp(beta x)) / beta`, linear above
    /// `threshold`.
    ///
    /// ```
    /// let y = ember::Tensor::from_slice(&[0.0f64], [1]).softplus(1.0, 20.0);
    /// assert!((y.item::<f64>() - 2f64.ln()).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// For bool tensors.
    #[panicking(must_use)]
    pub fn try_softplus(&self, beta: f64, threshold: f64) -> Result<Tensor> {
        self.activation(
            ParamOp::Softplus(beta, threshold),
            f::Activation::Softplus(beta, threshold),
        )
    }

    /// `F.hardtanh(x, min_val, max_val)`.
    ///
    /// ```
    /// let y = ember::tensor([-3.0, 0.5, 3.0]).hardtanh(-1.0, 1.0);
    /// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 0.5, 1.0]);
    /// ```
    ///
    /// # Errors
    /// For bool tensors.
    #[panicking(must_use)]
    pub fn try_hardtanh(&self, min_val: f64, max_val: f64) -> Result<Tensor> {
        self.activation(
            ParamOp::Hardtanh(min_val, max_val),
            f::Activation::Hardtanh(min_val, max_val),
        )
    }
}

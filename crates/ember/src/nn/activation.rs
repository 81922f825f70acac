//! Activation modules (`nn.ReLU`, `nn.Sigmoid`, …): thin wrappers over the tensor methods.

use super::functional::GeluApproximate;
use super::module::Module;
use crate::Tensor;
use crate::error::Result;
use crate::optim::py_float;

macro_rules! simple_activation {
    ($(#[$doc:meta])* $t:ident, |$x:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, ember_derive::Module)]
        pub struct $t;

        impl $t {
            /// The module.
            pub fn new() -> $t {
                $t
            }
        }

        impl Module for $t {
            fn forward(&self, $x: &Tensor) -> Result<Tensor> {
                $body
            }
        }
    };
}

simple_activation!(
    /// `nn.ReLU()`.
    ///
    /// ```
    /// use ember::nn::Module;
    /// let y = ember::nn::ReLU.forward(&ember::tensor([-1.0, 2.0])).unwrap();
    /// assert_eq!(y.to_vec::<f32>(), vec![0.0, 2.0]);
    /// ```
    ReLU, |x| x.try_relu()
);
simple_activation!(
    /// `nn.Sigmoid()`.
    ///
    /// ```
    /// use ember::nn::Module;
    /// let y = ember::nn::Sigmoid.forward(&ember::tensor([0.0])).unwrap();
    /// assert_eq!(y.to_vec::<f32>(), vec![0.5]);
    /// ```
    Sigmoid, |x| x.try_sigmoid()
);
simple_activation!(
    /// `nn.Tanh()`.
    ///
    /// ```
    /// use ember::nn::Module;
    /// let y = ember::nn::Tanh.forward(&ember::tensor([0.0])).unwrap();
    /// assert_eq!(y.to_vec::<f32>(), vec![0.0]);
    /// ```
    Tanh, |x| x.try_tanh()
);
simple_activation!(
    /// `nn.SiLU()`.
    ///
    /// ```
    /// use ember::nn::Module;
    /// let y = ember::nn::SiLU.forward(&ember::tensor([0.0])).unwrap();
    /// assert_eq!(y.to_vec::<f32>(), vec![0.0]);
    /// ```
    SiLU, |x| x.try_silu()
);

/// `nn.GELU(approximate=…)`: exact, or the tanh approximation.
///
/// ```
/// use ember::nn::{GELU, Module, functional::GeluApproximate};
/// let g = GELU::new(GeluApproximate::Tanh);
/// assert_eq!(g.to_string(), "GELU(approximate='tanh')");
/// let y = g.forward(&ember::tensor([1.0f64])).unwrap();
/// assert!((y.item::<f64>() - 0.8411919906082768).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default, ember_derive::Module)]
#[module(extra_repr = approx_repr)]
pub struct GELU {
    /// Exact (`None`, the default) or `Tanh`.
    #[module(skip)]
    pub approximate: GeluApproximate,
}

impl GELU {
    /// `nn.GELU(approximate)`.
    pub fn new(approximate: GeluApproximate) -> GELU {
        GELU { approximate }
    }

    fn approx_repr(&self) -> String {
        format!("approximate='{}'", self.approximate)
    }
}

impl Module for GELU {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_gelu_approx(self.approximate)
    }
}

/// `nn.LeakyReLU(negative_slope)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::LeakyReLU::new(0.1).forward(&ember::tensor([-1.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![-0.1]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = slope_repr)]
pub struct LeakyReLU {
    /// Slope for negative inputs (default 0.01).
    pub negative_slope: f64,
}

impl LeakyReLU {
    /// `nn.LeakyReLU(negative_slope)`.
    pub fn new(negative_slope: f64) -> LeakyReLU {
        LeakyReLU { negative_slope }
    }
}

impl Default for LeakyReLU {
    fn default() -> Self {
        LeakyReLU::new(0.01)
    }
}

impl LeakyReLU {
    fn slope_repr(&self) -> String {
        format!("negative_slope={}", py_float(self.negative_slope))
    }
}

impl Module for LeakyReLU {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_leaky_relu(self.negative_slope)
    }
}

/// `nn.ELU(alpha)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::ELU::new(1.0).forward(&ember::tensor([1.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![1.0]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = alpha_repr)]
pub struct ELU {
    /// Scale of the negative part (default 1).
    pub alpha: f64,
}

impl ELU {
    /// `nn.ELU(alpha)`.
    pub fn new(alpha: f64) -> ELU {
        ELU { alpha }
    }
}

impl Default for ELU {
    fn default() -> Self {
        ELU::new(1.0)
    }
}

impl ELU {
    fn alpha_repr(&self) -> String {
        format!("alpha={}", py_float(self.alpha))
    }
}

impl Module for ELU {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_elu(self.alpha)
    }
}

/// `nn.Softplus(beta, threshold)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::Softplus::default().forward(&ember::tensor([30.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![30.0]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = beta_repr)]
pub struct Softplus {
    /// Sharpness (default 1).
    pub beta: f64,
    /// Above `beta * x > threshold` the function is linear (default 20).
    pub threshold: f64,
}

impl Softplus {
    /// `nn.Softplus(beta, threshold)`.
    pub fn new(beta: f64, threshold: f64) -> Softplus {
        Softplus { beta, threshold }
    }
}

impl Default for Softplus {
    fn default() -> Self {
        Softplus::new(1.0, 20.0)
    }
}

impl Softplus {
    fn beta_repr(&self) -> String {
        format!(
            "beta={}, threshold={}",
            py_float(self.beta),
            py_float(self.threshold)
        )
    }
}

impl Module for Softplus {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_softplus(self.beta, self.threshold)
    }
}

/// `nn.Hardtanh(min_val, max_val)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::Hardtanh::default().forward(&ember::tensor([3.0])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![1.0]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = bounds_repr)]
pub struct Hardtanh {
    /// Lower bound (default -1).
    pub min_val: f64,
    /// Upper bound (default 1).
    pub max_val: f64,
}

impl Hardtanh {
    /// `nn.Hardtanh(min_val, max_val)`.
    pub fn new(min_val: f64, max_val: f64) -> Hardtanh {
        Hardtanh { min_val, max_val }
    }
}

impl Default for Hardtanh {
    fn default() -> Self {
        Hardtanh::new(-1.0, 1.0)
    }
}

impl Hardtanh {
    fn bounds_repr(&self) -> String {
        format!(
            "min_val={}, max_val={}",
            py_float(self.min_val),
            py_float(self.max_val)
        )
    }
}

impl Module for Hardtanh {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_hardtanh(self.min_val, self.max_val)
    }
}

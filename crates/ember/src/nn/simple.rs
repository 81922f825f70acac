//! Parameter-free layers with arguments: `nn.Softmax`, `nn.LogSoftmax`, `nn.Flatten`.

use super::module::Module;
use crate::Tensor;
use crate::error::Result;

/// `nn.Softmax(dim)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::Softmax::new(1).forward(&ember::tensor([[0.0, 0.0]])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![0.5, 0.5]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = dim_repr)]
pub struct Softmax {
    /// The dim along which the outputs sum to 1.
    pub dim: i64,
}

impl Softmax {
    /// `nn.Softmax(dim)`.
    pub fn new(dim: i64) -> Softmax {
        Softmax { dim }
    }

    fn dim_repr(&self) -> String {
        format!("dim={}", self.dim)
    }
}

impl Module for Softmax {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_softmax(self.dim)
    }
}

/// `nn.LogSoftmax(dim)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::LogSoftmax::new(0).forward(&ember::tensor([0.0, 0.0])).unwrap();
/// assert!((y.to_vec::<f32>()[0] + 2f32.ln()).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = dim_repr)]
pub struct LogSoftmax {
    /// The dim along which the exponentials of the outputs sum to 1.
    pub dim: i64,
}

impl LogSoftmax {
    /// `nn.LogSoftmax(dim)`.
    pub fn new(dim: i64) -> LogSoftmax {
        LogSoftmax { dim }
    }

    fn dim_repr(&self) -> String {
        format!("dim={}", self.dim)
    }
}

impl Module for LogSoftmax {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_log_softmax(self.dim)
    }
}

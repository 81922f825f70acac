//! Parameter-free layers with arguments: `nn.Softmax`, `nn.LogSoftmax`, `nn.Flatten`.

use super::Parameter;
use super::module::{Module, ModuleFields};
use crate::Tensor;
use crate::error::Result;
use std::any::Any;

/// `ModuleFields` for a layer without parameters whose `extra_repr` is given.
macro_rules! plain_layer {
    ($t:ty, $name:literal, |$s:ident| $repr:expr) => {
        impl ModuleFields for $t {
            fn visit_parameters<'a>(&'a self, _v: &mut dyn FnMut(&str, &'a Parameter)) {}
            fn visit_parameters_mut(&mut self, _v: &mut dyn FnMut(&str, &mut Parameter)) {}
            fn type_name(&self) -> &'static str {
                $name
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
            fn as_any_mut(&mut self) -> &mut dyn Any {
                self
            }
            fn extra_repr(&self) -> String {
                let $s = self;
                $repr
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use plain_layer;

/// `nn.Softmax(dim)`.
///
/// ```
/// use ember::nn::Module;
/// let y = ember::nn::Softmax::new(1).forward(&ember::tensor([[0.0, 0.0]])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![0.5, 0.5]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Softmax {
    /// The dim along which the outputs sum to 1.
    pub dim: i64,
}

impl Softmax {
    /// `nn.Softmax(dim)`.
    pub fn new(dim: i64) -> Softmax {
        Softmax { dim }
    }
}

plain_layer!(Softmax, "Softmax", |s| format!("dim={}", s.dim));

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
#[derive(Clone, Copy, Debug)]
pub struct LogSoftmax {
    /// The dim along which the exponentials of the outputs sum to 1.
    pub dim: i64,
}

impl LogSoftmax {
    /// `nn.LogSoftmax(dim)`.
    pub fn new(dim: i64) -> LogSoftmax {
        LogSoftmax { dim }
    }
}

plain_layer!(LogSoftmax, "LogSoftmax", |s| format!("dim={}", s.dim));

impl Module for LogSoftmax {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_log_softmax(self.dim)
    }
}

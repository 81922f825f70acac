//! Neural-network building blocks (`torch.nn`): the [`Module`] system with
//! `#[derive(Module)]`, parameters and buffers, containers, layers and losses.
//!
//! ```
//! use ember::nn::{Module, Parameter};
//! use ember::{Result, Tensor};
//!
//! #[derive(ember::nn::Module)]
//! struct Scale {
//!     weight: Parameter,
//! }
//!
//! impl Module for Scale {
//!     fn forward(&self, x: &Tensor) -> Result<Tensor> {
//!         x.try_mul(&*self.weight)
//!     }
//! }
//!
//! let m = Scale { weight: Parameter::new(ember::ones([3])).unwrap() };
//! assert_eq!(m.named_parameters()[0].0, "weight");
//! let y = m.forward(&ember::tensor([1.0, 2.0, 3.0])).unwrap();
//! y.sum().backward();
//! assert_eq!(m.weight.grad().unwrap().to_vec::<f32>(), vec![1.0, 2.0, 3.0]);
//! ```

mod activation;
mod attention;
mod container;
mod conv;
mod dropout;
mod embedding;
pub mod functional;
pub mod init;
mod linear;
mod loss;
mod module;
mod norm;
mod parameter;
mod pool;
mod simple;
#[cfg(test)]
mod tests;
pub mod utils;

pub use activation::{ELU, GELU, Hardtanh, LeakyReLU, ReLU, SiLU, Sigmoid, Softplus, Tanh};
pub use attention::{
    AttendOptions, MultiheadAttention, MultiheadAttentionOptions, NonDynamicallyQuantizableLinear,
};
pub use container::{Identity, ModuleDict, ModuleList, Sequential};
pub use conv::{
    Conv1d, Conv1dLayerOptions, Conv2d, Conv2dLayerOptions, ConvLayerOptions, ConvTranspose2d,
    ConvTranspose2dLayerOptions, PaddingMode,
};
pub use dropout::{
    AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, DropoutOptions, FeatureAlphaDropout,
    Flatten, Unflatten,
};
pub use embedding::{Embedding, EmbeddingOptions, FromPretrainedOptions};
pub use ember_derive::Module;
pub use linear::{Bilinear, Linear, LinearOptions};
pub use loss::{
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
};
pub use module::{LoadStateDictResult, Module, ModuleFields, StateDict, module_repr};
pub use norm::{
    BatchNorm1d, BatchNorm2d, BatchNormConfig, GroupNorm, GroupNormOptions, LayerNorm,
    LayerNormOptions,
};
pub use parameter::{Buffer, Parameter};
pub use pool::{AdaptiveAvgPool2d, AvgPool2d, MaxPool2d};
pub use simple::{LogSoftmax, Softmax};

//! `torch.nn.functional`: the functional forms of layers, activations and losses.

mod activation;
pub(crate) mod conv;
mod cross_entropy;
mod fold;
mod loss;
pub(crate) mod pool;

pub use super::linear::linear;
pub use activation::{log_softmax, softmax};
pub use conv::{
    Conv1dOptions, Conv2dOptions, ConvOptions, ConvTranspose2dOptions, ConvTransposeOptions,
    conv_transpose2d, conv1d, conv2d,
};
pub use cross_entropy::{CrossEntropyOptions, NllLossOptions, cross_entropy, nll_loss};
pub use fold::{FoldOptions, IntoDims, fold, unfold};
pub use loss::{
    Reduction, binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, l1_loss,
    mse_loss, smooth_l1_loss,
};
pub use pool::{
    AvgPool1dOptions, AvgPool2dOptions, AvgPoolOptions, MaxPool1dOptions, MaxPool2dOptions,
    MaxPoolOptions, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d,
    max_pool2d_with_indices,
};

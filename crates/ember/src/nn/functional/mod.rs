//! `torch.nn.functional`: the functional forms of layers, activations and losses.

mod activation;
pub(crate) mod attention;
pub(crate) mod conv;
mod cross_entropy;
mod distance;
mod dropout;
pub(crate) mod fold;
mod loss;
mod norm;
pub(crate) mod pad;
pub(crate) mod pool;
mod sparse;

pub use super::linear::{bilinear, linear};
pub use activation::{GeluApproximate, log_softmax, softmax};
pub use attention::{SdpaOptions, scaled_dot_product_attention};
pub use conv::{
    Conv1dOptions, Conv2dOptions, ConvOptions, ConvPadding, ConvTranspose2dOptions,
    ConvTransposeOptions, IntoPadding, conv_transpose2d, conv1d, conv2d,
};
pub use cross_entropy::{CrossEntropyOptions, NllLossOptions, cross_entropy, nll_loss};
pub use distance::{cosine_similarity, normalize};
pub use dropout::{dropout, dropout_};
pub use fold::{FoldOptions, IntoDims, fold, unfold};
pub use loss::{
    Reduction, binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, l1_loss,
    mse_loss, smooth_l1_loss,
};
pub use norm::{BatchNormOptions, batch_norm, group_norm, layer_norm};
pub use pad::{PadMode, pad};
pub use pool::{
    AvgPool1dOptions, AvgPool2dOptions, AvgPoolOptions, MaxPool1dOptions, MaxPool2dOptions,
    MaxPoolOptions, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d,
    max_pool2d_with_indices,
};
pub use sparse::{embedding, one_hot};

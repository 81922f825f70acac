//! `torch.nn.functional`: the functional forms of layers, activations and losses.

mod distance;

pub use super::linear::{bilinear, linear};
pub use crate::ops::activation::GeluApproximate;
pub use crate::ops::attention::{SdpaOptions, scaled_dot_product_attention};
pub use crate::ops::conv::fold::{FoldOptions, IntoDims, fold, unfold};
pub use crate::ops::conv::pool::{
    AvgPool1dOptions, AvgPool2dOptions, AvgPoolOptions, MaxPool1dOptions, MaxPool2dOptions,
    MaxPoolOptions, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d,
    max_pool2d_with_indices,
};
pub use crate::ops::conv::{
    Conv1dOptions, Conv2dOptions, ConvOptions, ConvPadding, ConvTranspose2dOptions,
    ConvTransposeOptions, IntoPadding, conv_transpose2d, conv1d, conv2d,
};
pub use crate::ops::dropout::{
    alpha_dropout, alpha_dropout_, dropout, dropout_, dropout1d, dropout2d, dropout3d,
    feature_alpha_dropout, feature_alpha_dropout_, feature_dropout, feature_dropout_,
};
pub use crate::ops::index::sparse::{
    EmbeddingFuncOptions, embedding, embedding_renorm_, embedding_with, one_hot,
};
pub use crate::ops::loss::cross_entropy::{
    CrossEntropyOptions, NllLossOptions, cross_entropy, nll_loss,
};
pub use crate::ops::loss::softmax::{log_softmax, softmax};
pub use crate::ops::loss::{
    Reduction, binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, l1_loss,
    mse_loss, smooth_l1_loss,
};
pub use crate::ops::norm::{BatchNormOptions, batch_norm, group_norm, layer_norm};
pub use crate::ops::pad::{PadMode, pad};
pub use distance::{cosine_similarity, normalize};

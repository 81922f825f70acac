//! `torch.nn.functional`: the functional forms of layers, activations and losses.

mod activation;
mod cross_entropy;
mod distance;
mod dropout;
mod loss;
mod norm;
mod pad;
mod sparse;

pub use super::linear::linear;
pub use activation::{log_softmax, softmax};
pub use cross_entropy::{CrossEntropyOptions, NllLossOptions, cross_entropy, nll_loss};
pub use distance::{cosine_similarity, normalize};
pub use dropout::{dropout, dropout_};
pub use loss::{
    Reduction, binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, l1_loss,
    mse_loss, smooth_l1_loss,
};
pub use norm::{BatchNormOptions, batch_norm, group_norm, layer_norm};
pub use pad::{PadMode, pad};
pub use sparse::{embedding, one_hot};

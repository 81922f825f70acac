"""``torch.nn.functional``: layers and losses as functions (the engine's, with PyTorch's
signatures), plus the activations every Tensor has."""

from .. import _C, Tensor
from .._C import _nn as _native

adaptive_avg_pool2d = _native.adaptive_avg_pool2d
avg_pool1d = _native.avg_pool1d
avg_pool2d = _native.avg_pool2d
batch_norm = _native.batch_norm
bilinear = _native.bilinear
binary_cross_entropy = _native.binary_cross_entropy
binary_cross_entropy_with_logits = _native.binary_cross_entropy_with_logits
conv1d = _native.conv1d
conv2d = _native.conv2d
conv_transpose2d = _native.conv_transpose2d
cosine_similarity = _native.cosine_similarity
cross_entropy = _native.cross_entropy
dropout = _native.dropout
elu = _native.elu
embedding = _native.embedding
fold = _native.fold
gelu = _native.gelu
group_norm = _native.group_norm
hardtanh = _native.hardtanh
huber_loss = _native.huber_loss
l1_loss = _native.l1_loss
layer_norm = _native.layer_norm
leaky_relu = _native.leaky_relu
linear = _native.linear
max_pool1d = _native.max_pool1d
max_pool2d = _native.max_pool2d
mse_loss = _native.mse_loss
nll_loss = _native.nll_loss
normalize = _native.normalize
one_hot = _native.one_hot
pad = _native.pad
scaled_dot_product_attention = _native.scaled_dot_product_attention
smooth_l1_loss = _native.smooth_l1_loss
softplus = _native.softplus
unfold = _native.unfold

_table = _C._table_ops


def relu(input, inplace=False):
    """``F.relu``."""
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def silu(input, inplace=False):
    """``F.silu``."""
    r = _table["silu"](input)
    return input.copy_(r) if inplace else r


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``F.softmax``."""
    if dim is None:
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``F.log_softmax``."""
    if dim is None:
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return input.log_softmax(dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


def logsigmoid(input):
    return -softplus(-input)


def mish(input, inplace=False):
    r = input * softplus(input).tanh()
    return input.copy_(r) if inplace else r


def hardsigmoid(input, inplace=False):
    r = (input + 3).clamp(0, 6) / 6
    return input.copy_(r) if inplace else r


def hardswish(input, inplace=False):
    r = input * (input + 3).clamp(0, 6) / 6
    return input.copy_(r) if inplace else r


def softsign(input):
    return input / (1 + input.abs())


def tanhshrink(input):
    return input - input.tanh()


def dropout1d(input, p=0.5, training=True, inplace=False):
    return dropout(input, p, training, inplace)


dropout2d = dropout1d


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``F.kl_div`` (composite, as in PyTorch)."""
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target * (target.log() - input)
        loss = loss.masked_fill(target == 0, 0.0)
    if reduction == "mean":
        return loss.mean()
    if reduction == "batchmean":
        return loss.sum() / input.size(0)
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def _is_tensor(x):
    return isinstance(x, Tensor)

"""``torch.autograd.graph``: the node type of ``tensor.grad_fn``."""

from .._C import Node  # noqa: F401

"""``torch.autograd.Function``: custom differentiable operations written in Python.

``forward(ctx, *args)`` runs without recording history; ``backward(ctx, *grad_outputs)``
returns one gradient per ``forward`` argument (None for non-tensors). The engine records the
node, keeps the saved tensors as engine tensors (version-checked), and calls ``backward``
with the GIL taken back (see Note [Python callbacks in backward] in the native module).
"""

from .. import _C
from .._C import FunctionCtx  # noqa: F401


class _FunctionMeta(type):
    pass


class Function(metaclass=_FunctionMeta):
    """Subclass with ``@staticmethod forward(ctx, ...)`` and ``backward(ctx, ...)``, then call
    ``MyFunction.apply(...)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError("Function.apply takes positional arguments only")
        return _C._function_apply(cls, args)

    def __call__(self, *args):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method."
        )


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        self.inplace = inplace


def once_differentiable(fn):
    return fn

"""``torch.autograd``: ``backward``, ``grad``, ``Function``, ``Variable``, ``gradcheck``,
anomaly detection."""

from .. import _C
from .._C import backward, grad  # noqa: F401
from .function import Function, FunctionCtx  # noqa: F401
from .grad_mode import (  # noqa: F401
    detect_anomaly,
    enable_grad,
    inference_mode,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from . import function, graph  # noqa: F401


def Variable(data=None, requires_grad=False, volatile=False):
    """PyTorch's legacy ``Variable``: since PyTorch 0.4 it returns a Tensor."""
    from .. import Tensor, tensor

    t = data if isinstance(data, Tensor) else tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **kwargs):
    """``torch.autograd.gradcheck``: analytic against finite-difference gradients (float64)."""
    from .. import Tensor

    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    return _C.gradcheck(func, tuple(inputs), eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **kwargs):
    """``torch.autograd.gradgradcheck``: gradcheck of the first derivatives."""
    from .. import Tensor, ones_like

    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)

    def first_grads(*xs):
        outs = func(*xs)
        if isinstance(outs, Tensor):
            outs = (outs,)
        gos = [ones_like(o) for o in outs] if grad_outputs is None else list(grad_outputs)
        diff = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        gs = grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)


Variable.__module__ = __name__

"""``torch.nn.Parameter``: a Tensor that a Module registers as a learnable parameter."""

from .. import Tensor


class Parameter(Tensor):
    """A leaf tensor (requires grad by default) sharing ``data``'s memory."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .. import empty

            data = empty(0)
        return Tensor.__new__(cls, _wrap=data, _requires_grad=requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        r = type(self)(Tensor.__deepcopy__(self.detach(), memo), self.requires_grad)
        memo[id(self)] = r
        return r

    def __reduce_ex__(self, proto):
        return (Parameter, (self.detach(), self.requires_grad))


class Buffer(Tensor):
    """``torch.nn.Buffer``: marks a tensor to be registered as a buffer."""

    def __new__(cls, data=None, *, persistent=True):
        from .. import empty

        t = Tensor.__new__(cls, _wrap=empty(0) if data is None else data, _requires_grad=False)
        t.persistent = persistent
        return t

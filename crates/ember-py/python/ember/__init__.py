"""ember: PyTorch's programming model on a Rust engine.

``import ember`` gives ember under its own name; ``ember.install_as_torch()`` makes
``import torch`` (and ``torch.nn``, ``torch.optim``, ...) give ember, so a program written for
PyTorch runs unchanged.
"""

import builtins as _builtins
import collections as _collections
import functools as _functools
import sys as _sys

from . import _C
from ._C import (  # noqa: F401
    Tensor,
    device,
    dtype,
    tensor,
    as_tensor,
    from_numpy,
    zeros,
    ones,
    empty,
    full,
    rand,
    randn,
    randint,
    randperm,
    arange,
    linspace,
    eye,
    zeros_like,
    ones_like,
    empty_like,
    rand_like,
    randn_like,
    full_like,
    randint_like,
    cat,
    stack,
    initial_seed,
    get_default_dtype,
    set_default_dtype,
    get_default_device,
    set_default_device,
    is_tensor,
    numel,
    is_grad_enabled,
    is_anomaly_enabled,
    live_tensors,
    get_num_threads,
    set_num_threads,
)

__version__ = "0.1.0"

# ---- dtypes, under PyTorch's names and aliases ----
float32 = _C.float32
float64 = _C.float64
float16 = _C.float16
bfloat16 = _C.bfloat16
int64 = _C.int64
int32 = _C.int32
int16 = _C.int16
int8 = _C.int8
uint8 = _C.uint8
bool = _C.bool  # noqa: A001  (torch.bool, as PyTorch names it)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

where = getattr(_C, "where")  # noqa: A001


class Size(tuple):
    """``torch.Size``: a tuple of dimension sizes."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        return super().__new__(cls, (_builtins.int(s) for s in sizes))

    def __repr__(self):
        return "{}.Size([{}])".format(_prefix(), ", ".join(str(s) for s in self))

    __str__ = __repr__

    def __getitem__(self, key):
        r = super().__getitem__(key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))


_C._set_size_class(Size)

_torch_names = False


def _prefix():
    return "torch" if _torch_names else "ember"


class _ReturnTypes:
    """``torch.return_types``: the named tuples of ``max(dim)``, ``min(dim)``, ..."""

    def __init__(self):
        self._types = {}

    def _get(self, name):
        t = self._types.get(name)
        if t is None:
            base = _collections.namedtuple(name, ["values", "indices"])

            def __repr__(self, _name=name):
                return "{}.return_types.{}(\nvalues={!r},\nindices={!r})".format(
                    _prefix(), _name, self.values, self.indices
                )

            t = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
            t.__module__ = "torch.return_types"
            self._types[name] = t
        return t

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._get(name)

    def __call__(self, name, values, indices):
        return self._get(name)(values, indices)


return_types = _ReturnTypes()
_C._set_return_type_factory(return_types)

# ---- module functions: every tensor op, generated or declared, taking the tensor first ----
for _name in _C._tensor_functions:
    globals()[_name] = getattr(Tensor, _name)
for _name, _f in _C._table_ops.items():
    if _name not in globals():
        globals()[_name] = _f
del _name, _f

# Table ops PyTorch has as functions (torch.maximum) but not as
# these Tensor methods: keep `dir(tensor)` PyTorch's.
for _name in ("maximum_", "minimum_"):
    if hasattr(Tensor, _name):
        delattr(Tensor, _name)
del _name

# `x.where(condition, y)`: the Rust method cannot be called `where`.
Tensor.where = Tensor.where_
del Tensor.where_

_ALIASES = {
    "concat": "cat",
    "concatenate": "cat",
    "absolute": "abs",
    "negative": "neg",
    "greater": "gt",
    "greater_equal": "ge",
    "less": "lt",
    "less_equal": "le",
    "not_equal": "ne",
    "arctan2": "atan2",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "fix": "trunc",
}
for _alias, _target in _ALIASES.items():
    if _target in globals():
        globals()[_alias] = globals()[_target]
    if hasattr(Tensor, _target) and not hasattr(Tensor, _alias):
        setattr(Tensor, _alias, getattr(Tensor, _target))
del _alias, _target


_tensor_pow = Tensor.pow


def pow(input, exponent, *, out=None):  # noqa: A001
    """``torch.pow(input, exponent)``; ``input`` may be a Python number (``torch.pow(2, x)``)."""
    if not isinstance(input, Tensor):
        if out is not None:
            return Tensor.copy_(out, exponent.__rpow__(input))
        return exponent.__rpow__(input)
    return _tensor_pow(input, exponent, out=out)


def rsub(input, other, *, alpha=1):
    """``torch.rsub(input, other, alpha=1)``: ``other - alpha * input``."""
    return Tensor.rsub(input, other, alpha=alpha)


def hstack(tensors, *, out=None):
    """``torch.hstack``: concatenation along the first dim of 1-d tensors, else the second."""
    ts = [t if t.dim() > 0 else t.reshape(1) for t in tensors]
    return cat(ts, 0 if ts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """``torch.vstack``: concatenation along the first dim, after making tensors 2-d."""
    ts = [t.reshape(1, -1) if t.dim() < 2 else t for t in tensors]
    return cat(ts, 0, out=out)


def broadcast_shapes(*shapes):
    """``torch.broadcast_shapes(*shapes)``."""
    return Size(_C._broadcast_shape(*[(s,) if isinstance(s, _builtins.int) else s for s in shapes]))


def broadcast_tensors(*tensors):
    """``torch.broadcast_tensors(*tensors)``: views expanded to one shape."""
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(shape) for t in tensors)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``torch.allclose``."""
    return _builtins.bool(isclose(input, other, rtol, atol, equal_nan).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``torch.isclose``."""
    if not isinstance(other, Tensor):
        other = tensor(other, dtype=input.dtype)
    diff = (input - other).abs()
    close = diff <= atol + rtol * other.abs()
    close = close | (input == other)
    if equal_nan:
        close = close | ((input != input) & (other != other))
    return close


def equal(input, other):
    """``torch.equal``: same shape and same values."""
    return input.shape == other.shape and _builtins.bool((input == other).all())


def isnan(input):
    """``torch.isnan``."""
    return input != input


def isinf(input):
    """``torch.isinf``."""
    return input.abs() == _builtins.float("inf")


def isfinite(input):
    """``torch.isfinite``."""
    return (input == input) & (input.abs() != _builtins.float("inf"))


Tensor.isnan = isnan
Tensor.isinf = isinf
Tensor.isfinite = isfinite


def numel_of(input):
    return input.numel()


def flatten(input, start_dim=0, end_dim=-1):
    """``torch.flatten``."""
    return input.flatten(start_dim, end_dim)


def reshape(input, shape):
    """``torch.reshape(input, shape)``."""
    return input.reshape(shape)


def permute(input, dims):
    """``torch.permute(input, dims)``."""
    return input.permute(dims)


def flip(input, dims):
    """``torch.flip(input, dims)``."""
    return input.flip(dims)


def squeeze(input, dim=None):
    """``torch.squeeze``."""
    return input.squeeze(dim)


def t(input):  # noqa: F811
    """``torch.t``."""
    return input.t()


def clone(input, *, memory_format=None):
    """``torch.clone``."""
    return input.clone()


def detach(input):
    """``torch.detach``."""
    return input.detach()


# ---- grad mode: context managers and decorators ----
class _GradMode:
    """Base of ``no_grad``/``enable_grad``/``inference_mode``: usable in ``with`` and as a
    decorator (with or without parentheses), restoring the previous mode on exit (per
    thread, as in PyTorch)."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is not None and callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None):
        pass

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, func):
        mode = self._mode

        @_functools.wraps(func)
        def wrapper(*args, **kwargs):
            prev = _C.is_grad_enabled()
            _C._set_grad_enabled(mode)
            try:
                return func(*args, **kwargs)
            finally:
                _C._set_grad_enabled(prev)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradMode):
    """``with torch.no_grad():`` — ops record no history."""

    _mode = False


class enable_grad(_GradMode):
    """``with torch.enable_grad():`` — recording back on inside ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradMode):
    """``torch.set_grad_enabled(mode)``: sets the mode now; as a context manager, restores it."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self._prev = _C.is_grad_enabled()
        self._mode = _builtins.bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def clone(self):
        return self.__class__(self._mode)


class inference_mode(_GradMode):
    """``torch.inference_mode()``: as ``no_grad`` (ember has no separate inference tensors)."""

    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode=True):
        self._mode = not mode


def is_inference_mode_enabled():
    return False


# ---- legacy typed constructors: torch.FloatTensor(2, 3), torch.LongTensor([1, 2]) ----
class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls._dtype and not obj.is_cuda

    def __repr__(cls):
        return "<class '{}.{}'>".format(_prefix(), cls.__name__)


def _legacy(name, dt):
    def __new__(cls, *args, **kwargs):
        return Tensor(*args, dtype=dt, **kwargs)

    return _LegacyMeta(name, (), {"__new__": __new__, "_dtype": dt})


FloatTensor = _legacy("FloatTensor", float32)
DoubleTensor = _legacy("DoubleTensor", float64)
HalfTensor = _legacy("HalfTensor", float16)
BFloat16Tensor = _legacy("BFloat16Tensor", bfloat16)
LongTensor = _legacy("LongTensor", int64)
IntTensor = _legacy("IntTensor", int32)
ShortTensor = _legacy("ShortTensor", int16)
CharTensor = _legacy("CharTensor", int8)
ByteTensor = _legacy("ByteTensor", uint8)
BoolTensor = _legacy("BoolTensor", bool)


def typename(obj):
    """``torch.typename(obj)``."""
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__qualname__


Generator = _C.Generator
#: ``torch.default_generator``: the generator of every random op given no ``generator=``.
default_generator = _C.default_generator


def manual_seed(seed):
    """``torch.manual_seed(seed)``: seeds the default generator and every device's; returns
    ``torch.default_generator``. In a DataLoader worker thread it seeds that worker's own
    stream (a worker process's, in PyTorch), leaving the main thread's alone."""
    from .utils.data import get_worker_info

    seed = _builtins.int(seed)
    if get_worker_info() is not None:
        return default_generator.manual_seed(seed)
    _C.manual_seed(seed)
    return default_generator


def seed():
    """``torch.seed()``: seeds the default generator (and the devices') from a
    nondeterministic seed, and returns it."""
    s = default_generator.seed()
    manual_seed(s)
    return s


def get_rng_state():
    """``torch.get_rng_state()``: the default generator's state, a uint8 tensor in
    PyTorch's layout (so it restores in PyTorch too)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """``torch.set_rng_state(new_state)``: restores the default generator's state."""
    default_generator.set_state(new_state)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """``torch.set_printoptions``: the engine's print options."""
    _C._set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode) if hasattr(
        _C, "_set_printoptions"
    ) else None


# ---- checkpoints: torch.save / torch.load (the engine's restricted unpickler) ----
from ._C import load, save  # noqa: E402, F401

# ---- submodules ----
from . import autograd  # noqa: E402
from . import cuda  # noqa: E402
from . import linalg  # noqa: E402
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import random  # noqa: E402
from . import utils  # noqa: E402
from . import vision  # noqa: E402

strided = "strided"
contiguous_format = "contiguous_format"
preserve_format = "preserve_format"
channels_last = "channels_last"


#: The names ``install_as_torch()`` serves, and the ember module behind each.
_ALIASES = {"torch": __name__, "torchvision": __name__ + ".vision"}


def _aliased(fullname):
    """The ember module name behind ``fullname`` (``torch.nn`` → ``ember.nn``,
    ``torchvision.transforms`` → ``ember.vision.transforms``), or None."""
    for alias, target in _ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return target + fullname[len(alias):]
    return None


class _TorchAlias:
    """Import hook: ``import torch.X`` gives the module ``ember.X`` itself (never a second
    copy of it), also for submodules first imported after ``install_as_torch()``; the same
    for ``torchvision`` (``ember.vision``)."""

    def find_spec(self, fullname, path=None, target=None):
        if _aliased(fullname) is None:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        import importlib

        return importlib.import_module(_aliased(spec.name))

    def exec_module(self, module):
        pass


def install_as_torch():
    """Makes ``import torch`` (and its submodules) give ember, as
    ``pymysql.install_as_MySQLdb()`` serves MySQLdb programs, and ``import torchvision``
    give ``ember.vision``. Printed names then say ``torch.`` (``torch.float32``,
    ``torch.Size``) as PyTorch's do."""
    global _torch_names
    _torch_names = True
    _C._set_torch_names(True)
    me = _sys.modules[__name__]
    for alias, target in _ALIASES.items():
        for name, mod in list(_sys.modules.items()):
            if name == target or name.startswith(target + "."):
                _sys.modules[alias + name[len(target):]] = mod
    if not _builtins.any(isinstance(f, _TorchAlias) for f in _sys.meta_path):
        _sys.meta_path.insert(0, _TorchAlias())
    return me

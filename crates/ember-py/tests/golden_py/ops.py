"""The golden ops as PyTorch users call them.

``styles(op, xs, kw)`` returns the call styles of one op: a list of ``Style(label, fn,
on_error)`` where ``fn(inputs)`` calls the op on freshly built input tensors. The first style
is the primary one, the most generic path: ``torch.<op>(*inputs, **kwargs)`` where torch has
the op with that signature, ``torch.nn.functional.<op>`` for the nn vocabulary, a method, an
operator or indexing where that is how PyTorch spells it. The others exercise the same op
through the other ways Python code writes it (method form, operator form, positional instead
of keyword arguments, varargs instead of a list, ``tuple`` instead of ``list``, ...); every
style must give the case's result. ``on_error=False`` marks a style that is not checked on the
case's bad input because PyTorch itself words that error differently there (an indexing form
of ``select``, the ``requires_grad`` setter, ...).

An op missing from the table is looked up generically (``torch.linalg.<x>`` for
``linalg_<x>``, then ``torch.<op>``, ``torch.nn.functional.<op>``, ``Tensor.<op>``); when
nothing has that name the op is unknown, which fails the case.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, NamedTuple

import torch
import torch.nn.functional as F

from .spec import DTYPE_NAMES, SPECIAL_FLOATS, Mismatch


class UnknownOp(Mismatch):
    """An op name neither the table nor PyTorch's namespaces know."""


class Style(NamedTuple):
    label: str
    fn: Callable[[list], Any]
    on_error: bool = True


def convert_value(key: str, v):
    """A keyword value as Python code passes it: ``"inf"``/``"-inf"``/``"nan"`` are floats, a
    dtype name under a ``dtype`` key is ``torch.<dtype>``, lists convert item by item."""
    if isinstance(v, list):
        return [convert_value(key, x) for x in v]
    if isinstance(v, str):
        if v in SPECIAL_FLOATS:
            return SPECIAL_FLOATS[v]
        if key.endswith("dtype") and v in DTYPE_NAMES:
            return getattr(torch, v)
    return v


def convert_kwargs(kw: dict | None) -> dict:
    return {k: convert_value(k, v) for k, v in (kw or {}).items()}


def _fmt(v) -> str:
    if isinstance(v, float) and v != v:
        return "nan"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def _kws(kw: dict) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in kw.items())


def _args(*parts) -> str:
    return ", ".join(p for p in parts if p)


def _tup(v):
    """A list argument as a tuple (the other way Python code writes an int list)."""
    return tuple(v) if isinstance(v, list) else v


def _names(n: int) -> str:
    return ", ".join("abcdefgh"[i] for i in range(n))


# --------------------------------------------------------------------------- pointwise

UNARY = [
    "neg", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid",
    "relu", "sign", "floor", "ceil", "round", "trunc", "reciprocal", "square", "log1p",
    "expm1", "erf", "log2", "log10", "asin", "acos", "atan", "sinh", "cosh", "exp2",
    "logical_not", "erfinv", "sgn", "frac", "deg2rad", "rad2deg", "isnan", "isinf",
    "isfinite", "signbit", "bitwise_not", "digamma", "lgamma", "i0", "sinc", "logit",
    "nan_to_num", "positive", "angle", "asinh", "acosh", "atanh",
]


def _unary(op):
    def styles(xs, kw):
        out = [
            Style(f"torch.{op}(x{', ' + _kws(kw) if kw else ''})",
                  lambda x: getattr(torch, op)(x[0], **kw)),
            Style(f"x.{op}({_kws(kw)})", lambda x: getattr(x[0], op)(**kw)),
        ]
        if not kw and op == "neg":
            out.append(Style("-x", lambda x: -x[0]))
        if not kw and op == "abs":
            out.append(Style("abs(x)", lambda x: abs(x[0])))
        if not kw and op == "relu":
            out.append(Style("F.relu(x)", lambda x: F.relu(x[0])))
        return out
    return styles


# torch.nn.functional activations: the keywords they take positionally, in order.
ACTIVATIONS = {
    "leaky_relu": ["negative_slope"],
    "elu": ["alpha"],
    "softplus": ["beta", "threshold"],
    "hardtanh": ["min_val", "max_val"],
    "gelu": [],  # approximate is keyword-only
    "silu": [],
    "celu": ["alpha"],
    "selu": [],
    "mish": [],
    "hardswish": [],
    "hardsigmoid": [],
    "relu6": [],
    "softsign": [],
    "tanhshrink": [],
    "logsigmoid": [],
    "softshrink": ["lambd"],
    "hardshrink": ["lambd"],
    "threshold": ["threshold", "value"],
}


def _prefix_positional(kw: dict, order: list) -> list | None:
    """``kw``'s values as positional arguments, when its keys are a prefix of ``order``."""
    keys = list(kw)
    if keys and keys == order[: len(keys)]:
        return [kw[k] for k in order[: len(keys)]]
    return None


def _activation(op):
    def styles(xs, kw):
        out = [Style(f"F.{op}(x{', ' + _kws(kw) if kw else ''})",
                     lambda x: getattr(F, op)(x[0], **kw))]
        pos = _prefix_positional(kw, ACTIVATIONS[op])
        if pos is not None:
            out.append(Style(f"F.{op}(x, {', '.join(map(_fmt, pos))})",
                             lambda x: getattr(F, op)(x[0], *pos)))
        return out
    return styles


OPERATORS = {
    "add": ("+", operator.add), "sub": ("-", operator.sub), "mul": ("*", operator.mul),
    "div": ("/", operator.truediv), "eq": ("==", operator.eq), "ne": ("!=", operator.ne),
    "lt": ("<", operator.lt), "le": ("<=", operator.le), "gt": (">", operator.gt),
    "ge": (">=", operator.ge), "remainder": ("%", operator.mod),
    "floor_divide": ("//", operator.floordiv), "matmul": ("@", operator.matmul),
    "bitwise_and": ("&", operator.and_), "bitwise_or": ("|", operator.or_),
    "bitwise_xor": ("^", operator.xor),
}
# Same result as the operator on bool tensors only.
BOOL_OPERATORS = {"logical_and": ("&", operator.and_), "logical_or": ("|", operator.or_),
                  "logical_xor": ("^", operator.xor)}
COMMUTATIVE = {"add", "mul", "eq", "ne"}


def _binary(op):
    """A binary op whose second operand is ``inputs[1]`` or the scalar ``kwargs.other``."""
    def styles(xs, kw):
        rest = {k: v for k, v in kw.items() if k != "other"}
        if len(xs) >= 2:
            def other(x):
                return x[1]
            o, scalar = "b", False
        elif "other" in kw:
            s = kw["other"]

            def other(x):
                return s
            o, scalar = _fmt(s), True
        else:  # let PyTorch say what is missing
            return [Style(f"torch.{op}(a, {_kws(kw)})", lambda x: getattr(torch, op)(*x, **kw))]
        fn = getattr(torch, op)
        out = [
            # The generic form: torch.<op>(*inputs, **kwargs), `other=` a keyword for a scalar.
            Style(f"torch.{op}({_args(_names(len(xs)), _kws(kw))})",
                  lambda x: fn(*x, **kw)),
            Style(f"a.{op}({_args(o, _kws(rest))})",
                  lambda x: getattr(x[0], op)(other(x), **rest)),
        ]
        if scalar:
            out.append(Style(f"torch.{op}({_args('a', o, _kws(rest))})",
                             lambda x: fn(x[0], other(x), **rest)))
        if not rest and op in OPERATORS:
            sym, f = OPERATORS[op]
            out.append(Style(f"a {sym} {o}", lambda x: f(x[0], other(x))))
            if scalar and op in COMMUTATIVE:
                out.append(Style(f"{o} {sym} a", lambda x: f(other(x), x[0])))
        if (not rest and op in BOOL_OPERATORS and not scalar
                and all(t.dtype == torch.bool for t in xs[:2])):
            sym, f = BOOL_OPERATORS[op]
            out.append(Style(f"a {sym} b", lambda x: f(x[0], x[1])))
        return out
    return styles


BINARY = [
    "add", "sub", "mul", "div", "maximum", "minimum", "atan2", "eq", "ne", "lt", "le",
    "gt", "ge", "logical_and", "logical_or", "logical_xor", "fmod", "remainder",
    "floor_divide", "fmax", "fmin", "hypot", "copysign", "bitwise_and", "bitwise_or",
    "bitwise_xor", "xlogy", "true_divide", "nextafter", "heaviside", "ldexp",
    "float_power", "logaddexp", "logaddexp2", "isclose", "dist",
]


def _reflected(op):
    """rsub/rdiv/rpow: the Python scalar ``kwargs.other`` on the left of the operator."""
    sym, f = {"rsub": ("-", operator.sub), "rdiv": ("/", operator.truediv),
              "rpow": ("**", operator.pow)}[op]

    def styles(xs, kw):
        s = kw["other"]
        rest = {k: v for k, v in kw.items() if k != "other"}
        if rest and op == "rsub":  # alpha: other - alpha * x
            return [Style(f"torch.rsub(x, {_fmt(s)}, {_kws(rest)})",
                          lambda x: torch.rsub(x[0], s, **rest))]
        out = [Style(f"{_fmt(s)} {sym} x", lambda x: f(s, x[0]))]
        if op == "rsub":
            out.append(Style(f"torch.rsub(x, {_fmt(s)})", lambda x: torch.rsub(x[0], s)))
        if op == "rpow":
            out.append(Style(f"torch.pow({_fmt(s)}, x)", lambda x: torch.pow(s, x[0])))
        return out
    return styles


def _pow(xs, kw):
    if len(xs) >= 2:
        return [
            Style("torch.pow(a, b)", lambda x: torch.pow(x[0], x[1])),
            Style("a.pow(b)", lambda x: x[0].pow(x[1])),
            Style("a ** b", lambda x: x[0] ** x[1]),
        ]
    e = kw.get("exponent")
    return [
        Style(f"torch.pow({_args('x', _kws(kw))})", lambda x: torch.pow(x[0], **kw)),
        Style(f"x.pow({_fmt(e)})", lambda x: x[0].pow(e)),
        Style(f"x ** {_fmt(e)}", lambda x: x[0] ** e),
    ]


def _clamp(xs, kw):
    if len(xs) > 1:  # tensor bounds
        return _tensor_op("clamp")(xs, kw)
    lo, hi = kw.get("min"), kw.get("max")
    return [
        Style(f"torch.clamp({_args('x', _kws(kw))})", lambda x: torch.clamp(x[0], **kw)),
        Style(f"x.clamp({_kws(kw)})", lambda x: x[0].clamp(**kw)),
        Style(f"torch.clamp(x, {_fmt(lo)}, {_fmt(hi)})", lambda x: torch.clamp(x[0], lo, hi)),
    ]


def _where(xs, kw):
    if len(xs) != 3 or kw:
        return _tensor_op("where")(xs, kw)
    return [
        Style("torch.where(cond, a, b)", lambda x: torch.where(x[0], x[1], x[2])),
        Style("a.where(cond, b)", lambda x: x[1].where(x[0], x[2])),
        Style("torch.where(condition=cond, input=a, other=b)",
              lambda x: torch.where(condition=x[0], input=x[1], other=x[2])),
    ]


DTYPE_METHODS = {
    "float32": "float", "float64": "double", "float16": "half", "bfloat16": "bfloat16",
    "int64": "long", "int32": "int", "int16": "short", "int8": "char", "uint8": "byte",
    "bool": "bool",
}


def _to(xs, kw):
    if list(kw) != ["dtype"]:
        return [Style(f"x.to({_kws(kw)})", lambda x: x[0].to(**kw))]
    dt = kw["dtype"]
    name = str(dt).rsplit(".", 1)[-1]
    out = [
        Style(f"x.to({dt})", lambda x: x[0].to(dt)),
        Style(f"x.to(dtype={dt})", lambda x: x[0].to(dtype=dt)),
    ]
    if name in DTYPE_METHODS:
        m = DTYPE_METHODS[name]
        out.append(Style(f"x.{m}()", lambda x: getattr(x[0], m)()))
    return out


def _requires_grad_(xs, kw):
    def setter(x):
        x[0].requires_grad = True
        return x[0]
    if kw:
        return [Style(f"x.requires_grad_({_kws(kw)})", lambda x: x[0].requires_grad_(**kw))]
    return [
        Style("x.requires_grad_()", lambda x: x[0].requires_grad_()),
        Style("x.requires_grad_(True)", lambda x: x[0].requires_grad_(True)),
        # PyTorch's setter says "floating point and complex dtype" where the method says
        # "floating point dtype": not held to the case's error text.
        Style("x.requires_grad = True", setter, on_error=False),
    ]


# --------------------------------------------------------------------------- reductions

def _reduction(op, positional_dim=True, method=True):
    """``torch.<op>(x, **kw)``, ``x.<op>(**kw)`` and, with a ``dim``, ``x.<op>(dim, ...)``
    (a list of dims as a tuple)."""
    def styles(xs, kw):
        fn = getattr(torch, op)
        n = _names(len(xs))
        out = [Style(f"torch.{op}({_args(n, _kws(kw))})", lambda x: fn(*x, **kw))]
        if not method:
            return out
        out.append(Style(f"x.{op}({_args(n[3:], _kws(kw))})",
                         lambda x: getattr(x[0], op)(*x[1:], **kw)))
        if positional_dim and "dim" in kw and len(xs) == 1:
            d = _tup(kw["dim"])
            rest = {k: v for k, v in kw.items() if k != "dim"}
            out.append(Style(f"x.{op}({_args(_fmt(d), _kws(rest))})",
                             lambda x: getattr(x[0], op)(d, **rest)))
        return out
    return styles


REDUCTIONS = [
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var",
    "logsumexp", "cumsum", "cumprod", "all", "any", "nansum", "nanmean", "median",
    "nanmedian", "mode", "count_nonzero", "aminmax", "cummax", "cummin", "logcumsumexp",
    "std_mean", "var_mean", "sort", "argsort", "topk", "kthvalue", "unique",
]


def _norm(xs, kw):
    out = [
        Style(f"torch.norm({_args('x', _kws(kw))})", lambda x: torch.norm(x[0], **kw)),
        Style(f"x.norm({_kws(kw)})", lambda x: x[0].norm(**kw)),
    ]
    if "p" in kw:
        p = kw["p"]
        rest = {k: v for k, v in kw.items() if k != "p"}
        if "dim" in rest:
            rest["dim"] = _tup(rest["dim"])
        out.append(Style(f"x.norm({_args(_fmt(p), _kws(rest))})",
                         lambda x: x[0].norm(p, **rest)))
    return out


# --------------------------------------------------------------------------- linalg

def _tensor_op(op, operator_sym=None, fn=True, method=True):
    """``torch.<op>(*inputs, **kw)`` and ``inputs[0].<op>(*inputs[1:], **kw)``."""
    def styles(xs, kw):
        n = _names(len(xs))
        out = []
        if fn:
            out.append(Style(f"torch.{op}({_args(n, _kws(kw))})",
                             lambda x: getattr(torch, op)(*x, **kw)))
        if method:
            out.append(Style(f"a.{op}({_args(n[3:], _kws(kw))})",
                             lambda x: getattr(x[0], op)(*x[1:], **kw)))
        if operator_sym and not kw and len(xs) == 2:
            sym, f = operator_sym
            out.append(Style(f"a {sym} b", lambda x: f(x[0], x[1])))
        return out
    return styles


def _linalg(name):
    def styles(xs, kw):
        return [Style(f"torch.linalg.{name}({_args(_names(len(xs)), _kws(kw))})",
                      lambda x: getattr(torch.linalg, name)(*x, **kw))]
    return styles


# --------------------------------------------------------------------------- shapes

def _sizes_op(op, key, fn_form=False):
    """``x.<op>(list)``, ``x.<op>(*sizes)``, ``x.<op>(tuple)`` (reshape, view, permute,
    expand, repeat, flip); ``torch.<op>(x, list)`` first where torch has it."""
    def styles(xs, kw):
        if op == "view" and "dtype" in kw:  # x.view(dtype)
            return [Style(f"x.view({kw['dtype']})", lambda x: x[0].view(kw["dtype"]))]
        v = kw[key]
        out = []
        if fn_form:
            out.append(Style(f"torch.{op}(x, {key}={_fmt(v)})",
                             lambda x: getattr(torch, op)(x[0], **{key: v})))
        out.append(Style(f"x.{op}({_fmt(v)})", lambda x: getattr(x[0], op)(v)))
        if isinstance(v, list):
            out.append(Style(f"x.{op}({_fmt(tuple(v))})", lambda x: getattr(x[0], op)(tuple(v))))
            if v:
                out.append(Style(f"x.{op}({', '.join(map(_fmt, v))})",
                                 lambda x: getattr(x[0], op)(*v)))
        return out
    return styles


def _positional(op, order, method=True, fn=True):
    """``torch.<op>(x, **kw)``, ``torch.<op>(x, *args)`` and ``x.<op>(*args)`` with the
    keywords in ``order`` passed positionally (those present, while they form a prefix)."""
    def styles(xs, kw):
        n = _names(len(xs))
        out = []
        if fn:
            out.append(Style(f"torch.{op}({_args(n, _kws(kw))})",
                             lambda x: getattr(torch, op)(*x, **kw)))
        pos = _prefix_positional(kw, order)
        if pos is not None and fn:
            out.append(Style(f"torch.{op}({_args(n, ', '.join(map(_fmt, pos)))})",
                             lambda x: getattr(torch, op)(*x, *pos)))
        if method:
            out.append(Style(f"x.{op}({_kws(kw)})", lambda x: getattr(x[0], op)(*x[1:], **kw)))
            if pos is not None:
                out.append(Style(f"x.{op}({', '.join(map(_fmt, pos))})",
                                 lambda x: getattr(x[0], op)(*x[1:], *pos)))
        return out
    return styles


def _select(xs, kw):
    out = _positional("select", ["dim", "index"])(xs, kw)
    d, i = kw.get("dim"), kw.get("index")
    if isinstance(d, int) and isinstance(i, int) and xs and xs[0].dim() > 0:
        nd = xs[0].dim()
        if -nd <= d < nd:
            idx = (slice(None),) * (d % nd) + (i,)
            # x[i] words an out-of-range index differently from select().
            out.append(Style(f"x[{_index_text(list(idx))}]", lambda x: x[0][idx],
                             on_error=False))
    return out


def _transpose(xs, kw):
    d0, d1 = kw.get("dim0"), kw.get("dim1")
    return [
        Style(f"torch.transpose({_args('x', _kws(kw))})", lambda x: torch.transpose(x[0], **kw)),
        Style(f"x.transpose({_fmt(d0)}, {_fmt(d1)})", lambda x: x[0].transpose(d0, d1)),
        Style(f"torch.transpose(x, {_fmt(d0)}, {_fmt(d1)})",
              lambda x: torch.transpose(x[0], d0, d1)),
    ]


def _squeeze(xs, kw):
    out = [Style(f"torch.squeeze(x{', ' + _kws(kw) if kw else ''})",
                 lambda x: torch.squeeze(x[0], **kw)),
           Style(f"x.squeeze({_kws(kw)})", lambda x: x[0].squeeze(**kw))]
    if "dim" in kw:
        d = _tup(kw["dim"])
        out.append(Style(f"x.squeeze({_fmt(d)})", lambda x: x[0].squeeze(d)))
    return out


def _seq(op):
    """cat/stack: the inputs as one sequence argument."""
    def styles(xs, kw):
        n = _names(len(xs))
        out = [
            Style(f"torch.{op}([{n}]{', ' + _kws(kw) if kw else ''})",
                  lambda x: getattr(torch, op)(list(x), **kw)),
            Style(f"torch.{op}(({n},){', ' + _kws(kw) if kw else ''})",
                  lambda x: getattr(torch, op)(tuple(x), **kw)),
        ]
        if list(kw) == ["dim"]:
            d = kw["dim"]
            out.append(Style(f"torch.{op}([{n}], {_fmt(d)})",
                             lambda x: getattr(torch, op)(list(x), d)))
        return out
    return styles


def _split(xs, kw):
    # The golden key is Tensor.split's keyword name; torch.split calls it
    # split_size_or_sections, so the function form passes it positionally.
    s = kw.get("split_size", kw.get("split_size_or_sections"))
    rest = {k: v for k, v in kw.items() if k not in ("split_size", "split_size_or_sections")}
    out = [
        Style(f"torch.split(x, {_args(_fmt(s), _kws(rest))})",
              lambda x: torch.split(x[0], s, **rest)),
        Style(f"x.split({_args(_fmt(s), _kws(rest))})", lambda x: x[0].split(s, **rest)),
    ]
    if "dim" in rest and len(rest) == 1:
        d = rest["dim"]
        out.append(Style(f"x.split({_fmt(s)}, {_fmt(d)})", lambda x: x[0].split(s, d)))
    if isinstance(s, list):
        out.append(Style(f"x.split({_args(_fmt(tuple(s)), _kws(rest))})",
                         lambda x: x[0].split(tuple(s), **rest)))
    return out


def _contiguous(xs, kw):
    return [Style("x.contiguous()", lambda x: x[0].contiguous())]


# --------------------------------------------------------------------------- indexing

def index_item(it):
    """One item of ``kwargs.index``: an int, ``"start:stop:step"``, ``"None"``, ``"..."``
    (or a list of ints: an advanced index, ``x[[0, 2]]``)."""
    if isinstance(it, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in it):
        return list(it)
    if isinstance(it, bool) or not isinstance(it, (int, str)):
        raise Mismatch(f"bad index item {it!r}")
    if isinstance(it, int):
        return it
    if it == "None":
        return None
    if it == "...":
        return Ellipsis
    parts = it.split(":")
    if len(parts) > 3 or (len(parts) == 1):
        raise Mismatch(f"bad index item {it!r}")
    return slice(*[int(p) if p.strip() else None for p in parts])


def _index_text(items) -> str:
    def one(i):
        if i is None:
            return "None"
        if i is Ellipsis:
            return "..."
        if isinstance(i, slice):
            s = ":".join("" if v is None else str(v) for v in (i.start, i.stop, i.step))
            return s[:-1] if s.endswith(":") and i.step is None else s
        return repr(i)
    return ", ".join(one(i) for i in items) + ("," if len(items) == 1 else "")


def _getitem(xs, kw):
    items = [index_item(it) for it in kw["index"]]
    idx = tuple(items)
    if len(items) != 1:
        return [Style(f"x[{_index_text(items)}]", lambda x: x[0][idx])]
    # One item goes in bare (x[0]), as the generator indexed; the one-tuple x[(0,)] selects
    # the same but words a 0-dim tensor's error differently ("too many indices").
    one = items[0]
    return [Style(f"x[{_index_text(items)[:-1]}]", lambda x: x[0][one]),
            Style(f"x[{_index_text(items)}]", lambda x: x[0][idx], on_error=False)]


def _getitem_tensor(xs, kw):
    return [
        Style("x[index]", lambda x: x[0][x[1]]),
        Style("x[(index,)]", lambda x: x[0][(x[1],)]),
    ]


def _dim_second(op):
    """index_select/gather/scatter_add/index_add: ``dim`` sits between the tensors."""
    def styles(xs, kw):
        d = kw.get("dim")
        rest = {k: v for k, v in kw.items() if k != "dim"}
        n = _names(len(xs))
        out = [
            Style(f"torch.{op}({_args('a', _fmt(d), n[3:], _kws(rest))})",
                  lambda x: getattr(torch, op)(x[0], d, *x[1:], **rest)),
            Style(f"a.{op}({_args(_fmt(d), n[3:], _kws(rest))})",
                  lambda x: getattr(x[0], op)(d, *x[1:], **rest)),
        ]
        names = {"index_select": ["index"], "gather": ["index"],
                 "scatter_add": ["index", "src"], "scatter": ["index", "src"],
                 "index_add": ["index", "source"], "index_copy": ["index", "source"]}.get(op)
        if names and len(names) == len(xs) - 1:
            def by_kw(x):
                return getattr(torch, op)(x[0], dim=d, **dict(zip(names, x[1:])), **rest)
            out.append(Style(f"torch.{op}(a, dim={_fmt(d)}, "
                             f"{', '.join(f'{k}={v}' for k, v in zip(names, n[3::3]))}"
                             f"{', ' + _kws(rest) if rest else ''})", by_kw))
        return out
    return styles


def _masked_fill(xs, kw):
    if len(xs) > 2:  # a 0-dim tensor value
        return _tensor_op("masked_fill")(xs, kw)
    v = kw.get("value")
    return [
        Style(f"torch.masked_fill({_args('x, mask', _kws(kw))})",
              lambda x: torch.masked_fill(x[0], x[1], **kw)),
        Style(f"x.masked_fill(mask, {_fmt(v)})", lambda x: x[0].masked_fill(x[1], v)),
    ]


# --------------------------------------------------------------------------- nn.functional

def _f(op, extra_kw_inputs=()):
    """``F.<op>(*inputs, **kw)``; inputs past the positional ones go by keyword (for
    ``F.cross_entropy(x, t, weight=w)``), and the all-positional form as an alternative."""
    def styles(xs, kw):
        n = _names(len(xs))
        npos = len(xs)
        out = []
        fn = getattr(F, op)
        if extra_kw_inputs and len(xs) > 2:
            names = list(extra_kw_inputs)[: len(xs) - 2]

            def by_kw(x):
                return fn(x[0], x[1], **dict(zip(names, x[2:])), **kw)
            extra = ", ".join(f"{k}={v}" for k, v in zip(names, n.split(", ")[2:]))
            out.append(Style(f"F.{op}({_args('a, b', extra, _kws(kw))})", by_kw))
        out.append(Style(f"F.{op}({_args(n, _kws(kw))})", lambda x: fn(*x[:npos], **kw)))
        return out
    return styles


def _softmax(op):
    def styles(xs, kw):
        if "dim" not in kw:  # the implicit dim: F only (it warns)
            return [Style(f"F.{op}({_args('x', _kws(kw))})", lambda x: getattr(F, op)(x[0], **kw))]
        d = kw.get("dim")
        rest = {k: v for k, v in kw.items() if k != "dim"}
        return [
            Style(f"F.{op}(x, {_kws(kw)})", lambda x: getattr(F, op)(x[0], **kw)),
            Style(f"torch.{op}(x, {_args(_fmt(d), _kws(rest))})",
                  lambda x: getattr(torch, op)(x[0], d, **rest)),
            Style(f"x.{op}({_args(_fmt(d), _kws(rest))})",
                  lambda x: getattr(x[0], op)(d, **rest)),
        ]
    return styles


def _layer_norm(xs, kw):
    ns = kw["normalized_shape"]
    rest = {k: v for k, v in kw.items() if k != "normalized_shape"}
    names = ["weight", "bias"][: len(xs) - 1]

    def by_kw(x):
        return F.layer_norm(x[0], ns, **dict(zip(names, x[1:])), **rest)
    return [
        Style(f"F.layer_norm({_args('x', _fmt(ns), *[f'{k}={k}' for k in names], _kws(rest))})",
              by_kw),
        Style(f"F.layer_norm({_args('x', _fmt(_tup(ns)), *names, _kws(rest))})",
              lambda x: F.layer_norm(x[0], _tup(ns), *x[1:], **rest)),
    ]


def _group_norm(xs, kw):
    g = kw["num_groups"]
    rest = {k: v for k, v in kw.items() if k != "num_groups"}
    names = ["weight", "bias"][: len(xs) - 1]

    def by_kw(x):
        return F.group_norm(x[0], g, **dict(zip(names, x[1:])), **rest)
    return [
        Style(f"F.group_norm({_args('x', str(g), *[f'{k}={k}' for k in names], _kws(rest))})",
              by_kw),
        Style(f"F.group_norm({_args('x', str(g), *names, _kws(rest))})",
              lambda x: F.group_norm(x[0], g, *x[1:], **rest)),
    ]


def _batch_norm(xs, kw):
    # Golden inputs: x, weight, bias[, running_mean, running_var]; F.batch_norm takes the
    # running statistics second and third.
    def call(x):
        w = x[1] if len(x) > 1 else None
        b = x[2] if len(x) > 2 else None
        rm = x[3] if len(x) > 3 else None
        rv = x[4] if len(x) > 4 else None
        return F.batch_norm(x[0], rm, rv, weight=w, bias=b, **kw)
    return [Style(f"F.batch_norm({_args('x, running_mean, running_var, weight=w, bias=b', _kws(kw))})",
                  call)]


def _adaptive(op):
    def styles(xs, kw):
        o = kw["output_size"]
        return [
            Style(f"F.{op}(x, {_fmt(o)})", lambda x: getattr(F, op)(x[0], o)),
            Style(f"F.{op}(x, output_size={_fmt(_tup(o))})",
                  lambda x: getattr(F, op)(x[0], output_size=_tup(o))),
        ]
    return styles


def _pad(xs, kw):
    p = kw["pad"]
    rest = {k: v for k, v in kw.items() if k != "pad"}
    return [
        Style(f"F.pad(x, {_args(_fmt(p), _kws(rest))})", lambda x: F.pad(x[0], p, **rest)),
        Style(f"F.pad(x, {_args(_fmt(_tup(p)), _kws(rest))})",
              lambda x: F.pad(x[0], _tup(p), **rest)),
    ]


def _sdpa(xs, kw):
    def call(x):
        if len(x) > 3:
            return F.scaled_dot_product_attention(x[0], x[1], x[2], attn_mask=x[3], **kw)
        return F.scaled_dot_product_attention(*x, **kw)
    return [Style(f"F.scaled_dot_product_attention(q, k, v{', attn_mask=m' if len(xs) > 3 else ''}"
                  f"{', ' + _kws(kw) if kw else ''})", call)]


def _tuple_kw_variant(op):
    """``F.<op>(*inputs, **kw)`` and the same with int lists as tuples (conv, pool, unfold)."""
    def styles(xs, kw):
        n = _names(len(xs))
        out = [Style(f"F.{op}({_args(n, _kws(kw))})", lambda x: getattr(F, op)(*x, **kw))]
        tkw = {k: _tup(v) for k, v in kw.items()}
        if tkw != kw or any(isinstance(v, list) for v in kw.values()):
            out.append(Style(f"F.{op}({_args(n, _kws(tkw))})",
                             lambda x: getattr(F, op)(*x, **tkw)))
        if len(xs) == 3 and op.startswith("conv"):
            out.append(Style(f"F.{op}(a, b, bias=c{', ' + _kws(kw) if kw else ''})",
                             lambda x: getattr(F, op)(x[0], x[1], bias=x[2], **kw)))
        return out
    return styles


# --------------------------------------------------------------------------- the table

OPS: dict[str, Callable] = {}
for _op in UNARY:
    OPS[_op] = _unary(_op)
for _op in ACTIVATIONS:
    OPS[_op] = _activation(_op)
for _op in BINARY:
    OPS[_op] = _binary(_op)
for _op in ("rsub", "rdiv", "rpow"):
    OPS[_op] = _reflected(_op)
for _op in REDUCTIONS:
    # topk(k, dim), kthvalue(k, dim), unique(sorted, ..., dim): dim is not first.
    OPS[_op] = _reduction(_op, positional_dim=_op not in ("topk", "kthvalue", "unique"),
                          method=_op not in ("std_mean", "var_mean"))
for _op, _sym in [("dot", None), ("mv", None), ("mm", None), ("bmm", None),
                  ("matmul", ("@", operator.matmul)), ("outer", None), ("ger", None),
                  ("addmm", None), ("addbmm", None), ("baddbmm", None), ("addmv", None),
                  ("addr", None), ("inverse", None), ("det", None), ("trace", None),
                  ("logdet", None), ("slogdet", None), ("cross", None), ("kron", None),
                  ("inner", None), ("vdot", None), ("cholesky", None),
                  ("pinverse", None), ("matrix_power", None), ("diagonal", None),
                  ("masked_select", None), ("nonzero", None), ("take", None),
                  ("broadcast_to", None)]:
    OPS[_op] = _tensor_op(_op, _sym)
OPS["tensordot"] = _tensor_op("tensordot", method=False)
for _op in ("expand_as", "view_as", "reshape_as", "type_as"):
    OPS[_op] = _tensor_op(_op, fn=False)
for _op in ("reshape", "permute", "flip"):
    OPS[_op] = _sizes_op(_op, {"reshape": "shape", "permute": "dims", "flip": "dims"}[_op],
                         fn_form=True)
OPS["view"] = _sizes_op("view", "shape")
OPS["expand"] = _sizes_op("expand", "size")
OPS["repeat"] = _sizes_op("repeat", "repeats")
OPS.update({
    "pow": _pow,
    "clamp": _clamp,
    "where": _where,
    "to": _to,
    "requires_grad_": _requires_grad_,
    "norm": _norm,
    "transpose": _transpose,
    "t": _positional("t", []),
    "squeeze": _squeeze,
    "unsqueeze": _positional("unsqueeze", ["dim"]),
    "flatten": _positional("flatten", ["start_dim", "end_dim"]),
    "cat": _seq("cat"),
    "stack": _seq("stack"),
    "split": _split,
    "chunk": _positional("chunk", ["chunks", "dim"]),
    "unbind": _positional("unbind", ["dim"]),
    "narrow": _positional("narrow", ["dim", "start", "length"]),
    "select": _select,
    "tril": _positional("tril", ["diagonal"]),
    "triu": _positional("triu", ["diagonal"]),
    "diag": _positional("diag", ["diagonal"]),
    "diag_embed": _positional("diag_embed", ["offset", "dim1", "dim2"]),
    "roll": _positional("roll", ["shifts", "dims"]),
    "movedim": _positional("movedim", ["source", "destination"]),
    "contiguous": _contiguous,
    "clone": _positional("clone", []),
    "getitem": _getitem,
    "getitem_mask": _getitem_tensor,
    "getitem_tensor": _getitem_tensor,
    "index_select": _dim_second("index_select"),
    "gather": _dim_second("gather"),
    "scatter_add": _dim_second("scatter_add"),
    "scatter": _dim_second("scatter"),
    "index_add": _dim_second("index_add"),
    "index_copy": _dim_second("index_copy"),
    "masked_fill": _masked_fill,
    "softmax": _softmax("softmax"),
    "log_softmax": _softmax("log_softmax"),
    "layer_norm": _layer_norm,
    "group_norm": _group_norm,
    "batch_norm": _batch_norm,
    "adaptive_avg_pool2d": _adaptive("adaptive_avg_pool2d"),
    "adaptive_avg_pool1d": _adaptive("adaptive_avg_pool1d"),
    "adaptive_max_pool2d": _adaptive("adaptive_max_pool2d"),
    "pad": _pad,
    "scaled_dot_product_attention": _sdpa,
})
for _op in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
            "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
            "soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
            "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss"):
    OPS[_op] = _f(_op, ("weight",))
for _op in ("linear", "bilinear", "embedding", "one_hot", "normalize", "cosine_similarity",
            "pairwise_distance", "dropout", "alpha_dropout", "dropout1d", "dropout2d",
            "pixel_shuffle", "pixel_unshuffle", "glu", "prelu", "instance_norm", "fold",
            "interpolate", "grid_sample", "affine_grid", "rms_norm", "local_response_norm"):
    OPS[_op] = _f(_op)
for _op in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
            "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d",
            "avg_pool2d", "avg_pool3d", "lp_pool2d", "unfold"):
    OPS[_op] = _tuple_kw_variant(_op)


def _generic(op):
    """An op outside the table, by name: ``torch.linalg.<x>`` for ``linalg_<x>``, else
    ``torch.<op>(*inputs, **kwargs)``, else ``torch.nn.functional.<op>``, else a method."""
    linalg, special = getattr(torch, "linalg", None), getattr(torch, "special", None)
    if op.startswith("linalg_") and callable(getattr(linalg, op[7:], None)):
        return _linalg(op[7:])
    if op.startswith("special_") and callable(getattr(special, op[8:], None)):
        name = op[8:]
        return lambda xs, kw: [Style(f"torch.special.{name}(...)",
                                     lambda x: getattr(torch.special, name)(*x, **kw))]
    if not op.startswith("_") and callable(getattr(torch, op, None)):
        return _tensor_op(op)
    if not op.startswith("_") and callable(getattr(F, op, None)):
        return _f(op)
    if not op.startswith("_") and callable(getattr(torch.Tensor, op, None)):
        return lambda xs, kw: [Style(f"x.{op}(...)", lambda x: getattr(x[0], op)(*x[1:], **kw))]
    return None


def styles(op: str, xs: list, kw: dict) -> list[Style]:
    """The call styles of ``op`` (``kw`` already converted by ``convert_kwargs``)."""
    make = OPS.get(op) or _generic(op)
    if make is None:
        raise UnknownOp(f"unknown op {op!r}")
    try:
        return make(xs, kw)
    except KeyError as e:
        raise Mismatch(f"op {op!r} needs the keyword {e} in kwargs") from None


def call(op: str, xs: list, kw: dict):
    """The op by its primary style (the scenario steps, ``then`` of repr cases)."""
    return styles(op, xs, kw)[0].fn(xs)

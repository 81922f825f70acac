"""Tensor specs of the golden format: building tensors from them and comparing results.

A spec is ``{"dtype", "shape", "data" (flat, row-major), "requires_grad"?, "noncontig"?}``;
floats may be written ``"nan"``, ``"inf"``, ``"-inf"`` (see ``golden/FORMAT.md``).
"""

from __future__ import annotations

import math

import numpy as np
import torch

DTYPE_NAMES = (
    "float32", "float64", "float16", "bfloat16",
    "int64", "int32", "int16", "int8", "uint8", "bool",
)
FLOAT_NAMES = ("float32", "float64", "float16", "bfloat16")
SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class Mismatch(AssertionError):
    """A result that differs from the case (the test's failure reason)."""


def dtype(name: str):
    """``torch.<name>``, looked up when asked (so it is ember's dtype when ember is torch)."""
    if name not in DTYPE_NAMES:
        raise Mismatch(f"unknown dtype name {name!r} in the case")
    return getattr(torch, name)


def num(v):
    """A JSON number, with ``"nan"``/``"inf"``/``"-inf"`` read as floats."""
    if isinstance(v, str) and v in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[v]
    return v


def _nest(flat: list, shape: list):
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def python_values(spec) -> list:
    """The spec's flat data as Python values of the spec's kind (bool, int or float)."""
    name = spec["dtype"]
    data = [num(v) for v in spec["data"]]
    if name == "bool":
        return [bool(v) for v in data]
    if name in FLOAT_NAMES:
        return [float(v) for v in data]
    return [int(v) for v in data]


def build(spec):
    """The tensor a spec describes, the way a PyTorch user writes one: ``torch.tensor`` of
    nested Python lists (``torch.tensor([]).reshape(shape)`` when the shape has a zero), the
    format's non-contiguous view when ``noncontig`` is set, requiring grad when asked."""
    dt = dtype(spec["dtype"])
    shape = [int(s) for s in spec["shape"]]
    data = python_values(spec)
    rg = spec.get("requires_grad") is True
    nc = spec.get("noncontig") is True
    if len(data) != math.prod(shape):
        raise Mismatch(f"bad spec: {len(data)} values for shape {shape}")
    if 0 in shape:
        t = torch.tensor([], dtype=dt).reshape(shape)
    elif rg and not nc:
        return torch.tensor(_nest(data, shape), dtype=dt, requires_grad=True)
    else:
        t = torch.tensor(_nest(data, shape), dtype=dt)
    if nc:
        if t.dim() >= 2:
            # The transpose of a contiguous tensor whose last two dims are swapped.
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        elif t.dim() == 1:
            # Every other element of a contiguous tensor of twice the length.
            t = torch.stack([t, t], 1).reshape(-1)[::2]
    if rg:
        t.requires_grad_()
    return t


def default_tolerance(name: str) -> tuple[float, float]:
    """(rtol, atol) the format uses when a case gives none."""
    if name == "float64":
        return 1e-7, 1e-9
    if name == "float32":
        return 1.3e-6, 1e-5
    if name in ("float16", "bfloat16"):
        return 1e-3, 1e-3
    return 0.0, 0.0


def case_tolerance(case) -> tuple[float, float] | None:
    """The case's own (rtol, atol); one given alone makes the other 0 (as the Rust runner)."""
    r, a = case.get("rtol"), case.get("atol")
    if r is None and a is None:
        return None
    return float(r or 0.0), float(a or 0.0)


def _flatten(v, out: list) -> list:
    if isinstance(v, list):
        for x in v:
            _flatten(x, out)
    else:
        out.append(v)
    return out


def values(t) -> list:
    """A tensor's values, flat, through ``Tensor.tolist()``."""
    return _flatten(t.tolist(), [])


def compare(got, spec, tol=None) -> None:
    """Raises ``Mismatch`` unless ``got`` is a tensor of the spec's dtype, shape and values
    (NaN equals NaN; an infinity must be met exactly; floats within the tolerances)."""
    if not isinstance(got, torch.Tensor):
        raise Mismatch(f"got {type(got).__name__}, expected a tensor")
    name = spec["dtype"]
    want_dt = dtype(name)
    if got.dtype != want_dt:
        raise Mismatch(f"dtype {got.dtype} != expected {want_dt}")
    want_shape = [int(s) for s in spec["shape"]]
    if list(got.shape) != want_shape:
        raise Mismatch(f"shape {list(got.shape)} != expected {want_shape}")
    have = values(got)
    want = python_values(spec)
    if len(have) != len(want):
        raise Mismatch(f"{len(have)} values from tolist(), expected {len(want)}")
    kind = bool if name == "bool" else float if name in FLOAT_NAMES else int
    bad = [v for v in have if type(v) is not kind]
    if bad:
        raise Mismatch(f"tolist() of a {name} tensor holds {type(bad[0]).__name__} "
                       f"{bad[0]!r}, expected Python {kind.__name__}s")
    if len(want) == 1:
        item = got.item()
        if type(item) is not kind or not (item == have[0] or item != item and have[0] != have[0]):
            raise Mismatch(f"item() = {item!r} but tolist() holds {have[0]!r}")
    if name not in FLOAT_NAMES:
        for i, (h, w) in enumerate(zip(have, want)):
            if h != w:
                raise Mismatch(f"value[{i}] = {h!r} != expected {w!r}")
        return
    rtol, atol = tol if tol is not None else default_tolerance(name)
    h = np.asarray(have, dtype=np.float64)
    w = np.asarray(want, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.where(
            np.isnan(w),
            np.isnan(h),
            np.where(np.isinf(w), h == w, np.abs(h - w) <= atol + rtol * np.abs(w)),
        )
    if not ok.all():
        i = int(np.argmin(ok))
        raise Mismatch(
            f"value[{i}] = {have[i]!r} != expected {want[i]!r} (rtol {rtol}, atol {atol}; "
            f"{int((~ok).sum())} of {len(want)} differ)"
        )

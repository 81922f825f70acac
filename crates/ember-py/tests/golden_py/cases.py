"""Runs one golden case through PyTorch's Python API (see ``golden/FORMAT.md``).

``run_case(case, exceptions)`` raises ``Mismatch`` with the reason when the case fails.
``exceptions`` maps a case id (``"<id>#<step>"`` for a scenario step) to the exception class
PyTorch raises there (``golden_py/exceptions.json``, written by
``tools/golden_exceptions.py``); an error case listed there must raise that class. With
``record`` (a dict) given instead, the classes raised are written into it.
"""

from __future__ import annotations

import json
import math
import pathlib

import torch

from . import ops
from .spec import Mismatch, build, case_tolerance, compare, num

EXCEPTIONS_FILE = pathlib.Path(__file__).resolve().parent / "exceptions.json"


def load_exceptions() -> dict:
    if EXCEPTIONS_FILE.exists():
        return json.loads(EXCEPTIONS_FILE.read_text())
    return {}


def load_pending(path: pathlib.Path) -> set:
    if not path.exists():
        return set()
    return {
        ln.strip() for ln in path.read_text().splitlines()
        if ln.strip() and not ln.strip().startswith("#")
    }


def uses_pending(case: dict, pending: set) -> bool:
    if case.get("op") in pending:
        return True
    return any(isinstance(s, dict) and s.get("op") in pending for s in case.get("steps") or [])


# --------------------------------------------------------------------------- errors

def _normalise(s: str) -> str:
    return " ".join(s.split())


def class_path(cls) -> str:
    """A public dotted name of an exception class: ``RuntimeError``,
    ``torch.linalg.LinAlgError``, ..."""
    if cls.__module__ == "builtins":
        return cls.__name__
    for sub in ("", "linalg", "autograd", "nn", "cuda", "utils", "jit"):
        mod = getattr(torch, sub, None) if sub else torch
        if mod is None:
            continue
        for name in sorted(dir(mod)):
            if not name.startswith("_") and getattr(mod, name, None) is cls:
                return f"torch.{sub}.{name}" if sub else f"torch.{name}"
    return f"{cls.__module__}.{cls.__qualname__}"


def resolve_class(path: str):
    """The class a ``class_path`` names, in the ``torch`` being tested."""
    import builtins
    if "." not in path:
        cls = getattr(builtins, path, None)
    else:
        parts = path.split(".")
        if parts[0] != "torch":
            raise Mismatch(f"exception class {path} is not under torch")
        cls = torch
        for p in parts[1:]:
            cls = getattr(cls, p, None)
            if cls is None:
                break
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise Mismatch(f"exception class {path} does not exist here")
    return cls


class ErrorCheck:
    """What an error case expects: the message (start of PyTorch's) and, when known, the
    exception class."""

    def __init__(self, want: str, key: str, exceptions: dict | None, record: dict | None):
        self.want = want
        self.key = key
        self.cls_path = (exceptions or {}).get(key)
        self.record = record

    def check(self, thunk, label: str) -> None:
        try:
            thunk()
        except Mismatch:
            raise
        except Exception as e:  # noqa: BLE001 - the error under test
            msg = str(e)
            if _normalise(self.want) not in _normalise(msg):
                raise Mismatch(
                    f"{label}: {type(e).__name__} {msg.splitlines()[0] if msg else ''!r} "
                    f"does not contain the expected error {self.want!r}") from None
            if self.record is not None:
                got = class_path(type(e))
                prev = self.record.setdefault(self.key, got)
                if prev != got:
                    raise Mismatch(f"{label}: raised {got}, another style raised {prev}")
            if self.cls_path is not None and not isinstance(e, resolve_class(self.cls_path)):
                raise Mismatch(
                    f"{label}: raised {class_path(type(e))} ({msg.splitlines()[0]!r}); "
                    f"PyTorch raises {self.cls_path}") from None
            return
        raise Mismatch(f"{label}: expected error {self.want!r}, got success")


# --------------------------------------------------------------------------- op cases

def _grad_fn_name(t):
    g = t.grad_fn
    return None if g is None else g.name()


def _want_name(name):
    """The expected node name: ``"NoneType"`` (``type(None).__name__``) or null is no node;
    PyTorch's C++-only nodes are ``torch::autograd::CopySlices`` by ``name()`` and
    ``CopySlices`` by class name, and the cases hold either, so both sides drop the prefix."""
    if name is None or name == "NoneType":
        return None
    return name.removeprefix("torch::autograd::")


def check_grad_fn(t, want, what="grad_fn") -> None:
    got = _grad_fn_name(t)
    got = None if got is None else got.removeprefix("torch::autograd::")
    if got != _want_name(want):
        raise Mismatch(f"{what} {got!r} != expected {_want_name(want)!r}")


def _outputs(res, want) -> list:
    """The result as a list of tensors matching ``want`` (a spec or a list of specs)."""
    if isinstance(want, list):
        if not isinstance(res, (tuple, list)):
            raise Mismatch(f"got {type(res).__name__}, expected {len(want)} outputs")
        outs = list(res)
        if len(outs) != len(want):
            raise Mismatch(f"{len(outs)} outputs, expected {len(want)}")
        # torch.return_types (max/min with dim, sort, topk, ...): named fields too.
        if isinstance(res, tuple) and hasattr(res, "values") and hasattr(res, "indices"):
            if res.values is not outs[0] or res.indices is not outs[1]:
                raise Mismatch("result .values/.indices are not its items 0 and 1")
        return outs
    return [res]


def _call(style, xs):
    try:
        return style.fn(xs)
    except Mismatch:
        raise
    except Exception as e:  # noqa: BLE001
        msg = str(e).splitlines()[0] if str(e) else ""
        raise Mismatch(f"{style.label}: raised {type(e).__name__}: {msg}") from e


def run_op_case(case, exceptions=None, record=None) -> None:
    op = case["op"]
    specs = case.get("inputs") or []
    kw = ops.convert_kwargs(case.get("kwargs"))
    sample = [build(s) for s in specs]
    styles = ops.styles(op, sample, kw)
    if "error" in case:
        chk = ErrorCheck(case["error"], case["id"], exceptions, record)
        for i, st in enumerate(styles):
            if i == 0 or st.on_error:
                xs = sample if i == 0 else [build(s) for s in specs]
                chk.check(lambda: st.fn(xs), st.label)
        return
    if "output" not in case:
        raise Mismatch("case has neither output nor error")
    tol = case_tolerance(case)
    grads = case.get("grads")
    for i, st in enumerate(styles):
        xs = sample if i == 0 else [build(s) for s in specs]
        res = _call(st, xs)
        try:
            outs = _outputs(res, case["output"])
            want = case["output"] if isinstance(case["output"], list) else [case["output"]]
            for j, (o, w) in enumerate(zip(outs, want)):
                try:
                    compare(o, w, tol)
                except Mismatch as e:
                    raise Mismatch(f"output {j}: {e}") from None
            if "grad_fn" in case:
                check_grad_fn(outs[0], case["grad_fn"])
            if grads is not None:
                go = build(case["grad_output"])
                _check_grads(outs[0], xs, grads, go, tol, by_backward=(i == 0))
        except Mismatch as e:
            raise Mismatch(f"{st.label}: {e}") from None


def _check_grads(out, xs, grads, go, tol, by_backward: bool) -> None:
    """The primary style checks ``x.grad`` after ``out.backward(go)``; the others
    ``torch.autograd.grad(out, leaves, go)``."""
    if len(grads) != len(xs):
        raise Mismatch(f"case has {len(grads)} grads for {len(xs)} inputs")
    if by_backward:
        try:
            out.backward(go)
        except Exception as e:  # noqa: BLE001
            raise Mismatch(f"backward raised {type(e).__name__}: {e}") from e
        for i, (x, g) in enumerate(zip(xs, grads)):
            if g is None:
                if x.grad is not None:
                    raise Mismatch(f"input {i} got a gradient, expected none")
            elif x.grad is None:
                raise Mismatch(f"input {i} got no gradient (.grad is None)")
            else:
                try:
                    compare(x.grad, g, tol)
                except Mismatch as e:
                    raise Mismatch(f"grad {i}: {e}") from None
        return
    idx = [i for i, g in enumerate(grads) if g is not None]
    if not idx:
        return
    try:
        got = torch.autograd.grad(out, [xs[i] for i in idx], go, allow_unused=True)
    except Exception as e:  # noqa: BLE001
        raise Mismatch(f"torch.autograd.grad raised {type(e).__name__}: {e}") from e
    for i, g in zip(idx, got):
        if g is None:
            raise Mismatch(f"torch.autograd.grad: input {i} got no gradient")
        try:
            compare(g, grads[i], tol)
        except Mismatch as e:
            raise Mismatch(f"torch.autograd.grad, grad {i}: {e}") from None


# --------------------------------------------------------------------------- repr cases

def _then(t, then: str):
    """``kwargs.then``: ``"mean"`` (an op applied alone) or ``"mul:2"`` (with a float
    ``other``: ``t * 2.0``, as the generator computed it)."""
    name, _, arg = then.partition(":")
    if arg:
        return ops.call(name, [t], {"other": float(num(arg))})
    return ops.call(name, [t], {})


def run_repr_case(case, exceptions=None, record=None) -> None:
    specs = case.get("inputs") or []
    if not specs:
        raise Mismatch("repr case without input")
    t = build(specs[0])
    then = (case.get("kwargs") or {}).get("then")
    if then:
        t = _then(t, then)
    # The files spell the module "ember." (the Rust crate prints that); the Python front,
    # installed as torch, prints "torch." as PyTorch does.
    want = case["repr"].replace("ember.", "torch.")
    for label, got in (("repr(t)", repr(t)), ("str(t)", str(t))):
        if got != want:
            raise Mismatch(f"{label}:\n{got}\n!= expected\n{want}")


# --------------------------------------------------------------------------- optim

def _optim_kwargs(kw: dict) -> dict:
    """Constructor keywords as Python code writes them: lists (``betas``) as tuples."""
    out = {}
    for k, v in ops.convert_kwargs(kw).items():
        out[k] = tuple(v) if isinstance(v, list) else v
    return out


def run_optim_case(case, exceptions=None, record=None) -> None:
    name = case["optimizer"]
    cls = getattr(torch.optim, name, None)
    if cls is None:
        raise Mismatch(f"unknown optimizer torch.optim.{name}")
    p = build(dict(case["param"], requires_grad=True))
    opt = cls([p], **_optim_kwargs(case.get("kwargs") or {}))
    grads, after = case["grads"], case["params_after"]
    if len(grads) != len(after):
        raise Mismatch("grads and params_after differ in length")
    for t, (g, want) in enumerate(zip(grads, after)):
        opt.zero_grad()
        p.grad = build(g)
        opt.step()
        try:
            compare(p.detach(), want)
        except Mismatch as e:
            raise Mismatch(f"after step {t}: {e}") from None


def _lr_close(got, want) -> bool:
    return abs(got - want) <= 1e-12 + 1e-10 * abs(want)


def _scheduler_kwargs(opt, kw: dict) -> dict:
    """Scheduler keywords: ``"inf"`` strings as floats; a ``"lambda ..."`` string (LambdaLR,
    MultiplicativeLR) as that function; a list of ``{"scheduler"|"name", "kwargs"}`` objects
    (SequentialLR, ChainedScheduler) as those schedulers on the same optimizer."""
    out = {}
    for k, v in ops.convert_kwargs(kw).items():
        if isinstance(v, str) and v.lstrip().startswith("lambda"):
            v = eval(v, {"math": math})  # noqa: S307 - the case's own function text
        elif isinstance(v, list) and v and all(isinstance(s, dict) for s in v):
            v = [_make_scheduler(opt, s.get("scheduler") or s.get("name"),
                                 s.get("kwargs") or {}) for s in v]
        out[k] = v
    return out


def _make_scheduler(opt, name, kw):
    cls = getattr(torch.optim.lr_scheduler, name or "", None)
    if cls is None:
        raise Mismatch(f"unknown scheduler torch.optim.lr_scheduler.{name}")
    return cls(opt, **_scheduler_kwargs(opt, kw))


def run_scheduler_case(case, exceptions=None, record=None) -> None:
    okw = dict(case.get("optimizer") or {"name": "SGD", "lr": 0.1})
    oname = okw.pop("name", "SGD")
    ocls = getattr(torch.optim, oname, None)
    if ocls is None:
        raise Mismatch(f"unknown optimizer torch.optim.{oname}")
    p = torch.zeros(2, requires_grad=True)
    opt = ocls([p], **_optim_kwargs(okw))
    sched = _make_scheduler(opt, case["scheduler"], case.get("kwargs") or {})
    lrs = case["lrs"]
    metrics = case.get("metrics")
    if metrics is not None and len(metrics) != len(lrs):
        raise Mismatch("metrics and lrs differ in length")
    for t, want in enumerate(lrs):
        want = float(num(want))
        opt.step()
        if metrics is not None:
            sched.step(float(num(metrics[t])))
        else:
            sched.step()
        got = sched.get_last_lr()[0]
        if not _lr_close(got, want):
            raise Mismatch(f"step {t}: get_last_lr()[0] = {got!r} != expected {want!r}")
        got = opt.param_groups[0]["lr"]
        if not _lr_close(got, want):
            raise Mismatch(f"step {t}: param_groups[0]['lr'] = {got!r} != expected {want!r}")


# --------------------------------------------------------------------------- scenarios

class _Env(dict):
    def get_tensor(self, name):
        if not isinstance(name, str):
            raise Mismatch(f"bad tensor name {name!r}")
        t = self.get(name)
        if t is None:
            raise Mismatch(f"unbound tensor {name!r}")
        return t


_INPLACE_OPERATORS = {"add_": "+=", "sub_": "-=", "mul_": "*=", "div_": "/="}


def _inplace(env, step, si):
    kind = step["inplace"]
    t = env.get_tensor(step["target"])
    args = [env.get_tensor(n) for n in step.get("inputs") or []]
    kw = ops.convert_kwargs(step.get("kwargs"))
    if not args and "other" in kw:
        args = [kw.pop("other")]
    fn = getattr(t, kind, None) if kind.endswith("_") else None
    if fn is None:
        raise Mismatch(f"unknown in-place op {kind}")
    # Both spellings of Python code: the method on even steps, the augmented assignment
    # (which rebinds the name to the same tensor) on odd ones.
    if kind in _INPLACE_OPERATORS and si % 2 == 1 and len(args) == 1 and not kw:
        o = args[0]
        if kind == "add_":
            t += o
        elif kind == "sub_":
            t -= o
        elif kind == "mul_":
            t *= o
        else:
            t /= o
        env[step["target"]] = t
    else:
        fn(*args, **kw)


def _grad_step(env, step):
    g = step["grad"]
    outs = [env.get_tensor(n) for n in g["outputs"]]
    ins = [env.get_tensor(n) for n in g["inputs"]]
    go = g.get("grad_outputs")
    if go is not None:
        go = [None if s is None else build(s) for s in go]
    kwargs = {}
    for k in ("retain_graph", "create_graph", "allow_unused"):
        if g.get(k) is not None:
            kwargs[k] = g[k]
    res = torch.autograd.grad(outs, ins, grad_outputs=go, **kwargs)
    for n, r in zip(step.get("let") or [], res):
        env[n] = r


def _expect(env, step):
    t = env.get_tensor(step["expect"])
    compare(t, step["value"])
    if step.get("requires_grad") is not None and t.requires_grad != step["requires_grad"]:
        raise Mismatch(f"requires_grad {t.requires_grad} != {step['requires_grad']}")
    if step.get("is_leaf") is not None and t.is_leaf != step["is_leaf"]:
        raise Mismatch(f"is_leaf {t.is_leaf} != {step['is_leaf']}")
    if "grad_fn" in step:
        check_grad_fn(t, step["grad_fn"])


def _expect_grad(env, step):
    g = env.get_tensor(step["expect_grad"]).grad
    if step.get("value") is None:
        if g is not None:
            raise Mismatch(f"expected no .grad, got {g!r}")
        return
    if g is None:
        raise Mismatch("expected a .grad, got None")
    compare(g, step["value"])
    if "grad_fn" in step:
        check_grad_fn(g, step["grad_fn"], ".grad's grad_fn")


class _NoGrad:
    """``{"no_grad": true}`` ... ``{"no_grad": false}`` as ``with torch.no_grad():``."""

    def __init__(self):
        self.cm = None

    def set(self, on: bool):
        if on and self.cm is None:
            self.cm = torch.no_grad()
            self.cm.__enter__()
        elif not on and self.cm is not None:
            cm, self.cm = self.cm, None
            cm.__exit__(None, None, None)


def _step(env, step, si, nograd):
    if "tensor" in step:
        env[step["let"]] = build(step["tensor"])
    elif "op" in step:
        xs = [env.get_tensor(n) for n in step.get("inputs") or []]
        res = ops.call(step["op"], xs, ops.convert_kwargs(step.get("kwargs")))
        env[step["let"]] = res[0] if isinstance(res, (tuple, list)) else res
    elif "inplace" in step:
        _inplace(env, step, si)
    elif "backward" in step:
        t = env.get_tensor(step["backward"])
        grad = None if step.get("gradient") is None else build(step["gradient"])
        t.backward(grad, retain_graph=step.get("retain_graph"),
                   create_graph=bool(step.get("create_graph")))
    elif isinstance(step.get("grad"), dict):
        _grad_step(env, step)
    elif "retain_grad" in step:
        env.get_tensor(step["retain_grad"]).retain_grad()
    elif "requires_grad_" in step:
        env.get_tensor(step["requires_grad_"]).requires_grad_()
    elif "detach" in step:
        env[step["let"]] = env.get_tensor(step["detach"]).detach()
    elif "grad_of" in step:
        env[step["let"]] = env.get_tensor(step["grad_of"]).grad
    elif "zero_grad" in step:
        g = env.get_tensor(step["zero_grad"]).grad
        if g is None:
            raise Mismatch("zero_grad of a tensor without .grad")
        g.zero_()
    elif "set_grad_none" in step:
        env.get_tensor(step["set_grad_none"]).grad = None
    elif "no_grad" in step:
        nograd.set(bool(step["no_grad"]))
    elif "expect" in step:
        _expect(env, step)
    elif "expect_grad" in step:
        _expect_grad(env, step)
    else:
        raise Mismatch(f"unknown step {json.dumps(step)[:200]}")


def _step_text(step) -> str:
    s = json.dumps(step)
    return s if len(s) <= 200 else s[:200] + "..."


def run_scenario(case, exceptions=None, record=None) -> None:
    env = _Env()
    nograd = _NoGrad()
    try:
        for si, step in enumerate(case.get("steps") or []):
            if "error" in step:
                chk = ErrorCheck(step["error"], f"{case['id']}#{si}", exceptions, record)
                try:
                    chk.check(lambda: _step(env, step, si, nograd), f"step {si}")
                except Mismatch as e:
                    raise Mismatch(f"step {si} {_step_text(step)}: {e}") from None
                continue
            try:
                _step(env, step, si, nograd)
            except Mismatch as e:
                raise Mismatch(f"step {si} {_step_text(step)}: {e}") from None
            except Exception as e:  # noqa: BLE001
                msg = str(e).splitlines()[0] if str(e) else ""
                raise Mismatch(f"step {si} {_step_text(step)}: raised "
                               f"{type(e).__name__}: {msg}") from e
    finally:
        nograd.set(False)


# --------------------------------------------------------------------------- dispatch

RUNNERS = {
    "repr": run_repr_case,
    "scenario": run_scenario,
    "optim": run_optim_case,
    "lr_scheduler": run_scheduler_case,
}


def run_case(case, exceptions=None, record=None) -> None:
    if not isinstance(case.get("op"), str):
        raise Mismatch("case without op")
    runner = RUNNERS.get(case["op"], run_op_case)
    try:
        runner(case, exceptions, record)
    finally:
        torch.set_grad_enabled(True)


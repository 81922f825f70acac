"""A tiny notebook runner: runs cells in order in one namespace, like a Jupyter kernel.

It knows nothing about ember or PyTorch: ``import torch`` inside a cell gets whatever
``sys.modules`` holds (ember after ``ember.install_as_torch()``, else the real PyTorch), and
the runner behaves the same for both.

* All cells share one global namespace (``__name__ == "__main__"``).
* A cell whose last statement is an expression displays ``repr(value)`` on stdout unless the
  value is None or the cell ends with ``;`` (IPython's ``Out[N]``; IPython pretty-prints
  long lists over several lines, plain ``repr`` is what the comparison uses).
* Per cell it records stdout, stderr, the warnings raised (category and message), the
  exception if the cell raised (type name and ``str(exc)``; the notebook then goes on with
  the next cell, like Jupyter), and the wall time.

Also the text normalisations the seed tests compare with: ``normalise`` (memory addresses)
and ``skeleton`` (numbers and whitespace, for outputs that depend on random numbers).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dataclasses
import io
import re
import time
import traceback
import warnings


@dataclasses.dataclass
class CellResult:
    id: str
    stdout: str = ""
    stderr: str = ""
    #: (exception type name, ``str(exception)``), or None if the cell ran through.
    error: tuple[str, str] | None = None
    #: ``"Category: message"`` of every warning the cell raised, in order.
    warnings: list[str] = dataclasses.field(default_factory=list)
    traceback: str = ""
    seconds: float = 0.0


def seed_generators(seed: int) -> None:
    """Seed torch (whichever is installed as ``torch``), numpy and ``random``."""
    import random

    import numpy
    import torch

    torch.manual_seed(seed)
    numpy.random.seed(seed)
    random.seed(seed)


class Kernel:
    """One notebook namespace."""

    def __init__(self, prelude: str | None = None):
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        if prelude:
            exec(compile(prelude, "<prelude>", "exec"), self.namespace)

    def run_cell(self, source: str, cell_id: str = "<cell>") -> CellResult:
        result = CellResult(cell_id)
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stdout(out))
            stack.enter_context(contextlib.redirect_stderr(err))
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
            try:
                self._execute(source, cell_id)
            except (KeyboardInterrupt, SystemExit, GeneratorExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - a notebook shows any error and goes on
                # (BaseException: a Rust panic comes as pyo3's PanicException, which is one)
                result.error = (type(exc).__name__, str(exc))
                result.traceback = traceback.format_exc()
        result.seconds = time.perf_counter() - start
        result.stdout, result.stderr = out.getvalue(), err.getvalue()
        result.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
        return result

    def _execute(self, source: str, cell_id: str) -> None:
        filename = f"<cell {cell_id}>"
        tree = ast.parse(source, filename, "exec")
        display = (
            tree.body
            and isinstance(tree.body[-1], ast.Expr)
            and not source.rstrip().endswith(";")
        )
        body = tree.body[:-1] if display else tree.body
        exec(compile(ast.Module(body=body, type_ignores=[]), filename, "exec"), self.namespace)
        if display:
            expr = ast.Expression(body=tree.body[-1].value)
            value = eval(compile(expr, filename, "eval"), self.namespace)
            if value is not None:
                print(repr(value))


def run_notebook(
    cells: list[dict], seed: int | None = 0, prelude: str | None = None
) -> list[CellResult]:
    """Run ``cells`` (dicts with ``id`` and ``source``) in order in a fresh kernel.

    ``seed``: seed torch, numpy and ``random`` with it before the first cell (None: don't).
    ``prelude``: code run in the kernel's namespace before the first cell.
    """
    if seed is not None:
        seed_generators(seed)
    kernel = Kernel(prelude)
    return [kernel.run_cell(cell["source"], cell["id"]) for cell in cells]


# ----------------------------------------------------------------------- normalisation

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def normalise(text: str) -> str:
    """Memory addresses (``<AddBackward0 object at 0x7feb540dd048>``) -> ``0x…``."""
    return _ADDRESS.sub("0x…", text)


#: A number token: int, float, scientific notation, nan, inf, with its sign; not the
#: digits inside a name (``float64``, ``AddBackward0``) nor those of ``0x…``.
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w.])"
)


def skeleton(text: str) -> str:
    """``text`` with every number replaced by ``#`` and all whitespace removed.

    What is left is the layout that does not depend on the values: brackets and commas
    (so the shape of a printed tensor), ``dtype=``, ``requires_grad=True``,
    ``grad_fn=<...>``, words, and how many numbers there are.  Whitespace goes entirely
    (not only collapsed) because its amount depends on the digits: the padding PyTorch
    and numpy use to align columns, and where they wrap a long row.
    """
    return re.sub(r"\s+", "", _NUMBER.sub("#", normalise(text)))


# -------------------------------------------------------------------------- comparison

EXACT, SKELETON, MISMATCH = "exact", "skeleton", "mismatch"


def compare(expected: dict, actual: CellResult) -> tuple[str, str]:
    """Compare a cell's result with its record in expected.json.

    Returns ``(EXACT | SKELETON | MISMATCH, explanation)``: EXACT when stdout and the
    exception are equal after ``normalise``; SKELETON when only their ``skeleton``s are
    equal, which passes for a cell that expected.json marks ``random``; else MISMATCH,
    with a readable explanation (unified diff of expected vs actual).
    """
    random = expected["random"]
    exp_err, act_err = expected["error"], actual.error
    if act_err is not None:
        act_err = (act_err[0], normalise(act_err[1]))
    problems, status = [], EXACT
    if exp_err is None and act_err is not None:
        problems.append(
            f"raised {act_err[0]}: {act_err[1]}\n(PyTorch does not raise here)\n\n"
            + actual.traceback
        )
    elif exp_err is not None and act_err is None:
        problems.append(f"did not raise; PyTorch raises {exp_err[0]}: {exp_err[1]}")
    elif exp_err is not None:
        if exp_err[0] != act_err[0]:
            problems.append(
                f"raised {act_err[0]} where PyTorch raises {exp_err[0]}\n"
                f"  PyTorch: {exp_err[0]}: {exp_err[1]}\n  actual:  {act_err[0]}: {act_err[1]}\n\n"
                + actual.traceback
            )
        elif exp_err[1] != act_err[1]:
            if random and skeleton(exp_err[1]) == skeleton(act_err[1]):
                status = SKELETON
            else:
                problems.append(
                    f"{exp_err[0]} with another message\n"
                    + diff(exp_err[1], act_err[1], "message (PyTorch)", "message (actual)")
                )
    exp_out, act_out = expected["stdout"], normalise(actual.stdout)
    if exp_out != act_out:
        if random and skeleton(exp_out) == skeleton(act_out):
            status = SKELETON
        else:
            if random:
                problems.append(
                    "skeleton of stdout differs (the numbers may differ, nothing else); "
                    "diff with numbers as # and runs of spaces as one:\n"
                    + diff(line_skeleton(exp_out), line_skeleton(act_out), "stdout (PyTorch)", "stdout (actual)")
                    + "\n" + skeleton_divergence(exp_out, act_out)
                )
            else:
                problems.append("stdout differs\n" + diff(exp_out, act_out, "stdout (PyTorch)", "stdout (actual)"))
    if problems:
        return MISMATCH, f"cell {expected['id']}" + (" (random)" if random else "") + ":\n" + "\n".join(problems)
    return status, ""


def diff(expected: str, actual: str, from_name: str, to_name: str, limit: int = 200) -> str:
    import difflib

    def lines(text: str) -> list[str]:
        # A very long line (the list of dir(x)) is cut at ", " so that the diff shows items.
        out = []
        for line in text.splitlines():
            out.extend(re.split(r"(?<=,) ", line) if len(line) > 500 else [line])
        return out

    a, b = lines(expected), lines(actual)
    d = []
    # difflib.unified_diff, but without autojunk: it takes a line that repeats (a training
    # loop's "# #") for junk and then diffs everything.
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        if not d:
            d = [f"--- {from_name}", f"+++ {to_name}"]
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        d.append(f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@")
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                d.extend(" " + line for line in a[a1:a2])
                continue
            d.extend("-" + line for line in a[a1:a2])
            d.extend("+" + line for line in b[b1:b2])
    if len(d) > limit:
        d = d[:limit] + [f"... ({len(d) - limit} more diff lines)"]
    return "\n".join(d) if d else "(no line differs: trailing newline or whitespace?)"


def line_skeleton(text: str) -> str:
    """Like ``skeleton`` but line by line, runs of spaces kept as one: for diffs to read."""
    return "\n".join(re.sub(r"\s+", " ", _NUMBER.sub("#", line)).strip() for line in normalise(text).splitlines())


def skeleton_divergence(expected: str, actual: str, width: int = 60) -> str:
    a, b = skeleton(expected), skeleton(actual)
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    lo = max(0, i - width)
    return (
        f"skeletons diverge at character {i}:\n"
        f"  PyTorch: ...{a[lo:i + width]}\n  actual:  ...{b[lo:i + width]}"
    )

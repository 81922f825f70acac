#!/usr/bin/env python3
"""Extract the Python code cells of the seed tutorials into tests/seeds/cells.json.

Usage:  python crates/ember-py/tools/extract_seed_cells.py [SEEDS_DIR]
        (SEEDS_DIR defaults to /work/shared/seeds; the output path is fixed)

The seeds are text dumps of Jupyter notebooks (cells start with ``In [N]:``, then the code,
then whatever the notebook printed, then markdown) or of a markdown blog post (each
```` ```python ```` fence is one cell).  CI has no access to the seeds, so the cells are
vendored as JSON:

    {"000": [{"id": "000/In[133]", "source": "...", "adapted": "..."}, ...], ...}

Optional keys of a cell: ``adapted`` (what was changed and why), ``expect_error`` (the
exception type PyTorch raises too, for a cell that is plainly not runnable as written),
``nondeterministic`` (why the output varies from run to run although no random generator
is involved: the test then only compares its skeleton), ``note`` (anything else).

Ids: ``SEED/In[N]`` with N as printed (``None`` for an unexecuted cell); a number a
notebook uses twice gets ``~2``, ``~3``... in order of appearance.  Markdown seeds:
``SEED/block[K]``, K counting ```` ```python ```` fences from 1.

How a notebook cell's code is told apart from its printed output (the dumps do not mark
the boundary): the text after ``In [N]:`` is cut into paragraphs at blank lines (lines of
only whitespace count as blank); the first paragraph is code; each next paragraph is
added while it does not look like output or markdown (``OUTPUT_START``; or consists of
``#`` lines only, i.e. a markdown heading) and the code with it still compiles.  An
unexecuted ``In [ ]:`` whose first paragraph is not Python is empty (markdown follows).  Where
that heuristic is wrong, ``CODE_PARAGRAPHS`` below fixes the count by hand (see there).

Adaptation rules, the only changes made to a cell's source (applied in this order):

  R1  drop IPython line magics: lines whose first non-blank character is ``%``
      (``%matplotlib inline``).
  R2  drop torchviz: ``from torchviz import ...`` lines and lines that are a bare call
      ``make_dot(...)`` (torchviz is not a dependency of the tests).
  R3  Python 2 print statements: ``print x`` -> ``print(x)``, ``print z, out`` ->
      ``print(z, out)`` (a line ``print <something not starting with '('>``).

Then leading and trailing blank lines are stripped.  Cells empty from the start
(``In [ ]:`` placeholders) are left out; a cell emptied by the rules is kept with its
``adapted`` note so that the dump and cells.json line up.

A hand-written table (``EXTRA``) marks the cells that PyTorch itself cannot run as written
(``expect_error``) and the one that prints uninitialised memory (``nondeterministic``).  They
are checked by tools/seed_expected.py against what PyTorch really does.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / "tests" / "seeds" / "cells.json"
DEFAULT_SEEDS = pathlib.Path("/work/shared/seeds")

#: Seeds that are markdown posts (```python fences) rather than notebook dumps.
MARKDOWN_SEEDS = {"002"}

#: ``In [N]:`` (the dumps of some notebooks use a no-break space after ``In``).
CELL_HEADER = re.compile(r"^In[ \u00a0]\[([^\]]*)\]:\s*$")

#: A paragraph whose first line matches this is printed output, not code.
OUTPUT_START = re.compile(
    r"""^(
        tensor\( | array\( | \(tensor | \(\( | \[ | \{ | <
      | torch\.(Size\(|u?int\d|float|double|long|bool|complex|device\()
      | (True|False|None)\s*$
      | Out\[ | Variable\ containing | \[torch\.
      | [-+]?\.?\d
      | \w*(Error|Exception|Warning):
    )""",
    re.X,
)

#: Hand fixes of the code/output boundary: id -> number of paragraphs that are code.
#: (Empty: the heuristic gets every cell of the current seeds right; checked by eye
#: against the dumps, and by seed_expected.py, which fails if a cell does not compile.)
CODE_PARAGRAPHS: dict[str, int] = {}

_TORCH_NOT_IMPORTED = (
    "the post never imports torch (or numpy) before this block; as a fresh kernel, "
    "PyTorch raises NameError too (see the '002+imports' run for the same blocks with "
    "torch and numpy imported)"
)

#: Extra keys of particular cells (see the module docstring).
EXTRA: dict[str, dict[str, str]] = {
    "001/In[3]": {
        "nondeterministic": "displays torch.empty(5, 3): uninitialised memory",
    },
    "001/In[None]": {
        "expect_error": "NameError",
        "note": "the notebook never defines `model` (In [None]: the cell was never executed)",
    },
    "003/In[16]": {
        "expect_error": "RuntimeError",
        "note": "the notebook shows this RuntimeError itself: an integer tensor cannot "
        "require gradients",
    },
    "004/In[29]": {
        "expect_error": "RuntimeError",
        "note": "out is 0-dimensional in today's PyTorch (a 1-element tensor in the 0.3 "
        "era of the notebook), so the gradient T.FloatTensor(1) has the wrong shape: "
        "'Mismatch in shape' (that gradient is uninitialised memory anyway)",
    },
    "004/In[44]": {
        "expect_error": "RuntimeError",
        "note": "zz has shape [1, 1], the gradient T.FloatTensor([0.1]) shape [1]: "
        "'Mismatch in shape' in today's PyTorch (the notebook ran on PyTorch 0.3)",
    },
}
for _k in range(1, 12):
    EXTRA[f"002/block[{_k}]"] = {"expect_error": "NameError", "note": _TORCH_NOT_IMPORTED}


# --------------------------------------------------------------------------- adaptation

_MAGIC = re.compile(r"^\s*%")
_TORCHVIZ_IMPORT = re.compile(r"^\s*from\s+torchviz\s+import\b|^\s*import\s+torchviz\b")
_MAKE_DOT = re.compile(r"^\s*make_dot\(.*\)\s*;?\s*$")
_PY2_PRINT = re.compile(r"^(\s*)print\s+(?![\s(=])(.*?)\s*$")


def adapt(source: str) -> tuple[str, list[str]]:
    """Apply R1-R3 to one cell; returns the new source and the notes of what changed."""
    out, notes = [], []
    for line in source.split("\n"):
        if _MAGIC.match(line):
            notes.append(f"R1 dropped IPython magic {line.strip()!r}")
            continue
        if _TORCHVIZ_IMPORT.match(line) or _MAKE_DOT.match(line):
            notes.append(f"R2 dropped torchviz call {line.strip()!r}")
            continue
        m = _PY2_PRINT.match(line)
        if m:
            new = f"{m.group(1)}print({m.group(2)})"
            notes.append(f"R3 Python 2 {line.strip()!r} -> {new.strip()!r}")
            line = new
        out.append(line)
    return strip_blank(out), notes


def strip_blank(lines: list[str]) -> str:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def compiles(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


# ------------------------------------------------------------------------------ parsing

def paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last + 1) line indices of the runs of non-blank lines."""
    paras, start = [], None
    for i, line in enumerate(lines):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            paras.append((start, i))
            start = None
    if start is not None:
        paras.append((start, len(lines)))
    return paras


def code_of_block(cell_id: str, body: list[str]) -> str:
    """The code at the start of one ``In [N]:`` block (see the docstring)."""
    paras = paragraphs(body)
    if not paras:
        return ""
    first, last = paras[0]
    if cell_id.split("/", 1)[1].startswith("In[ ]") and not compiles(adapt("\n".join(body[first:last]))[0]):
        return ""  # an unexecuted, empty ``In [ ]:`` followed by markdown
    if cell_id in CODE_PARAGRAPHS:
        n = CODE_PARAGRAPHS[cell_id]
    else:
        n = 1
        while n < len(paras):
            first, last = paras[n]
            nxt = body[first:last]
            if OUTPUT_START.match(nxt[0]) or all(l.lstrip().startswith("#") for l in nxt):
                break
            if not compiles(adapt("\n".join(body[: last]))[0]):
                break
            n += 1
    # The code keeps its own blank lines: cut after the n-th paragraph.
    return strip_blank(body[: paras[n - 1][1]])


def notebook_cells(seed: str, text: str) -> list[tuple[str, str]]:
    lines = text.split("\n")
    heads = [(i, m.group(1).strip()) for i, l in enumerate(lines) if (m := CELL_HEADER.match(l))]
    cells, used = [], {}
    for k, (start, num) in enumerate(heads):
        stop = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        label = num if num else " "
        used[label] = used.get(label, 0) + 1
        cell_id = f"{seed}/In[{label}]" + (f"~{used[label]}" if used[label] > 1 else "")
        cells.append((cell_id, code_of_block(cell_id, lines[start + 1 : stop])))
    return cells


_FENCE = re.compile(r"^```python\s*\n(.*?)^```\s*$", re.S | re.M)


def markdown_cells(seed: str, text: str) -> list[tuple[str, str]]:
    return [
        (f"{seed}/block[{k}]", strip_blank(m.group(1).split("\n")))
        for k, m in enumerate(_FENCE.finditer(text), 1)
    ]


def extract(seeds_dir: pathlib.Path) -> dict[str, list[dict[str, str]]]:
    result = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        seed = path.name.split("_", 1)[0]
        text = path.read_text(encoding="utf-8")
        raw = markdown_cells(seed, text) if seed in MARKDOWN_SEEDS else notebook_cells(seed, text)
        cells = []
        for cell_id, source in raw:
            if not source.strip():
                continue  # an empty ``In [ ]:`` placeholder
            assert source in text, f"{cell_id}: extracted code is not verbatim in {path}"
            new, notes = adapt(source)
            cell = {"id": cell_id, "source": new}
            if notes:
                cell["adapted"] = "; ".join(notes)
            cell.update(EXTRA.get(cell_id, {}))
            cells.append(cell)
        result[seed] = cells
    unknown = set(EXTRA) - {c["id"] for cs in result.values() for c in cs}
    if unknown:
        raise SystemExit(f"EXTRA names cells that do not exist: {sorted(unknown)}")
    return result


def main(argv: list[str]) -> int:
    seeds_dir = pathlib.Path(argv[1]) if len(argv) > 1 else DEFAULT_SEEDS
    cells = extract(seeds_dir)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(cells, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for seed, cs in cells.items():
        print(f"{seed}: {len(cs)} cells")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

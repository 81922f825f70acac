#!/usr/bin/env python3
"""Record what the seed notebooks print under the real PyTorch: tests/seeds/expected.json.

Usage (with the reference venv, which has the real PyTorch):

    ~/torch-venv/bin/python crates/ember-py/tools/seed_expected.py
        run every seed's cells (tests/seeds/cells.json) through tests/notebook.py and
        write tests/seeds/expected.json.
    ~/torch-venv/bin/python crates/ember-py/tools/seed_expected.py --compare [--ember]
        run the seeds again with the torch this interpreter has (with --ember: ember, via
        ember.install_as_torch()) and print, cell by cell, whether they match
        expected.json exactly, only in skeleton (numbers differ), or not at all.

Each cell's record: its stdout (addresses normalised, ``0x…``), the exception PyTorch raises
(type name, message) or null, the warnings (for information; the tests don't compare
them), its time, and ``random``: whether its output depends on random numbers.

``random`` is decided mechanically.  Every run is done four times, all in this one process
(as pytest does): with torch, numpy and ``random`` seeded with 0, 1, 2 and 0 again before
the first cell.  A cell is random if its normalised stdout or exception differs between
any two of them; a difference between the two runs seeded with 0 means it varies without
any generator being involved (uninitialised memory, thread timing).  Cells that cells.json
marks ``nondeterministic`` count as random too (uninitialised memory may happen to be the
same in all four runs).  The recorded output is that of the first run, seeded with 0, as
the tests seed it.

Runs: one per seed, its cells in a fresh kernel, and the extra run ``002+imports``: seed
002's blocks with ``import torch`` and ``import numpy`` run first.  Post 002 never
imports torch before its 12th block, so as written its first 11 blocks all stop at a
NameError (in PyTorch too); the extra run checks what they actually exercise.

The script fails if a cell marked ``expect_error`` does not raise that exception in
PyTorch, or if a cell without the mark raises (in the runs of the seeds as written).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
CELLS_JSON = TESTS / "seeds" / "cells.json"
EXPECTED_JSON = TESTS / "seeds" / "expected.json"
sys.path.insert(0, str(TESTS))

import notebook  # noqa: E402

#: The seed every test run uses, and the extra seeds that tell random cells apart.
SEED = 0
OTHER_SEEDS = (1, 2)
#: Cells that take longer than this under PyTorch are reported.
SLOW_S = 20.0

#: Extra runs: name -> (seed whose cells it runs, prelude run in the kernel first).
VARIANTS = {"002+imports": ("002", "import torch\nimport numpy")}


def sha(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def runs_of(cells: dict) -> dict[str, dict]:
    runs = {seed: {"seed": seed, "prelude": None} for seed in cells}
    for name, (seed, prelude) in VARIANTS.items():
        runs[name] = {"seed": seed, "prelude": prelude}
    return dict(sorted(runs.items()))


def observed(r: notebook.CellResult) -> tuple:
    err = None if r.error is None else (r.error[0], notebook.normalise(r.error[1]))
    return notebook.normalise(r.stdout), err


def run_all(cells: dict, runs: dict, seed: int) -> dict[str, list[notebook.CellResult]]:
    out = {}
    for name, spec in runs.items():
        t0 = time.perf_counter()
        out[name] = notebook.run_notebook(cells[spec["seed"]], seed=seed, prelude=spec["prelude"])
        print(f"  seed {seed}: {name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def generate() -> int:
    import numpy
    import torch

    if "ember" in (getattr(torch, "__file__", "") or "") or not hasattr(torch, "_C"):
        raise SystemExit("seed_expected.py must run with the real PyTorch (~/torch-venv/bin/python)")
    cells = json.loads(CELLS_JSON.read_text(encoding="utf-8"))
    runs = runs_of(cells)
    passes = [(s, run_all(cells, runs, s)) for s in (SEED, *OTHER_SEEDS, SEED)]
    base = passes[0][1]

    problems, report = [], []
    doc = {
        "generated_by": "crates/ember-py/tools/seed_expected.py",
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "cuda_available": torch.cuda.is_available(),
        "seed": SEED,
        "runs": {},
    }
    for name, spec in runs.items():
        records = []
        for k, (cell, r) in enumerate(zip(cells[spec["seed"]], base[name])):
            obs = [observed(results[name][k]) for _, results in passes]
            reasons = []
            if len({o for o in obs[:-1]}) > 1:
                reasons.append("output differs with the seed of torch/numpy")
            if obs[0] != obs[-1]:
                reasons.append("output differs between two runs with the same seed")
            if cell.get("nondeterministic"):
                reasons.append(cell["nondeterministic"])
            stdout, err = obs[0]
            rec = {
                "id": cell["id"],
                "source_sha": sha(cell["source"]),
                "stdout": stdout,
                "error": list(err) if err else None,
                "random": bool(reasons),
            }
            if reasons:
                rec["random_reason"] = "; ".join(reasons)
            if r.warnings:
                rec["warnings"] = sorted(set(notebook.normalise(w) for w in r.warnings))
            rec["seconds"] = round(r.seconds, 1)
            records.append(rec)
            if r.seconds > SLOW_S:
                report.append(f"slow: {cell['id']} ({name}) takes {r.seconds:.1f} s")
            if spec["prelude"] is None:
                want = cell.get("expect_error")
                got = err[0] if err else None
                if want != got:
                    problems.append(
                        f"{cell['id']}: cells.json expects {want or 'no exception'}, "
                        f"PyTorch gives {got or 'no exception'}" + (f": {err[1]}" if err else "")
                    )
        doc["runs"][name] = {**spec, "cells": records}

    EXPECTED_JSON.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED_JSON}")
    print_summary(doc)
    for line in report:
        print(line)
    for line in problems:
        print("PROBLEM:", line)
    return 1 if problems else 0


def print_summary(doc: dict) -> None:
    print(f"{'run':<12} {'cells':>5} {'determ.':>7} {'random':>6} {'raise':>5} {'seconds':>8}")
    for name, run in doc["runs"].items():
        cs = run["cells"]
        rnd = sum(c["random"] for c in cs)
        err = sum(c["error"] is not None for c in cs)
        secs = sum(c["seconds"] for c in cs)
        print(f"{name:<12} {len(cs):>5} {len(cs) - rnd:>7} {rnd:>6} {err:>5} {secs:>8.1f}")


def compare_mode(use_ember: bool) -> int:
    if use_ember:
        import ember

        ember.install_as_torch()
    import torch

    cells = json.loads(CELLS_JSON.read_text(encoding="utf-8"))
    doc = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))
    print(f"torch = {getattr(torch, '__file__', torch)}")
    totals = {notebook.EXACT: 0, notebook.SKELETON: 0, notebook.MISMATCH: 0}
    random_exact = random_total = 0
    for name, run in doc["runs"].items():
        results = notebook.run_notebook(cells[run["seed"]], seed=doc["seed"], prelude=run["prelude"])
        for exp, act in zip(run["cells"], results):
            status, message = notebook.compare(exp, act)
            totals[status] += 1
            if exp["random"]:
                random_total += 1
                random_exact += status == notebook.EXACT
            tag = " (random)" if exp["random"] else ""
            print(f"{status:<9} {name}: {exp['id']}{tag}  {act.seconds:.2f} s")
            if status == notebook.MISMATCH:
                print("    " + message.replace("\n", "\n    ")[:4000])
    print(totals, f"random cells matching exactly: {random_exact}/{random_total}")
    return 1 if totals[notebook.MISMATCH] else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", action="store_true", help="compare this torch with expected.json")
    ap.add_argument("--ember", action="store_true", help="with --compare: use ember as torch")
    args = ap.parse_args()
    return compare_mode(args.ember) if args.compare else generate()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Records the exception class PyTorch raises for every error case of the golden set.

``tests/test_golden.py`` checks an error case's message against the case file; the case files
do not say which exception class PyTorch raises, so this script runs each error case (and each
scenario step that expects an error) through the same runner (``tests/golden_py``) with the
real PyTorch and writes ``tests/golden_py/exceptions.json``: ``{case id: class}``, the key
``"<id>#<step>"`` for a scenario step, the class as a public dotted name (``RuntimeError``,
``IndexError``, ``torch.linalg.LinAlgError``, ...). The test then requires ember to raise an
instance of that class, so ``except IndexError:`` in a PyTorch program behaves the same.

    ~/torch-venv/bin/python crates/ember-py/tools/golden_exceptions.py            # visible set
    ~/torch-venv/bin/python crates/ember-py/tools/golden_exceptions.py DIR... -o FILE

Every call style of a case must raise the same class (the script fails otherwise).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))

import torch  # noqa: E402  (the real PyTorch: no conftest here)

from golden_py import cases  # noqa: E402

GOLDEN_DIR = HERE.parent.parent / "ember" / "tests" / "golden"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=pathlib.Path, default=[GOLDEN_DIR],
                    help="folders of *.jsonl case files (default: the vendored set)")
    ap.add_argument("-o", "--output", type=pathlib.Path, default=cases.EXCEPTIONS_FILE)
    args = ap.parse_args()
    if "ember" in getattr(torch, "__file__", "") or not hasattr(torch, "__version__"):
        print("run this with the real PyTorch", file=sys.stderr)
        return 2
    pending = cases.load_pending(GOLDEN_DIR / "PENDING.txt")
    record: dict[str, str] = {}
    failures = []
    n = 0
    for d in args.dirs:
        for f in sorted(d.glob("*.jsonl")):
            for line in f.read_text().splitlines():
                if not line.strip():
                    continue
                case = json.loads(line)
                has_error = "error" in case or any(
                    isinstance(s, dict) and "error" in s for s in case.get("steps") or [])
                if not has_error or cases.uses_pending(case, pending):
                    continue
                n += 1
                try:
                    cases.run_case(case, None, record)
                except cases.Mismatch as e:
                    failures.append(f"{case['id']}: {e}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        print(f"{len(failures)} error cases failed on PyTorch {torch.__version__}",
              file=sys.stderr)
        return 1
    args.output.write_text(json.dumps(dict(sorted(record.items())), indent=1) + "\n")
    counts: dict[str, int] = {}
    for c in record.values():
        counts[c] = counts.get(c, 0) + 1
    print(f"{len(record)} error classes from {n} cases (PyTorch {torch.__version__}) "
          f"-> {args.output}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

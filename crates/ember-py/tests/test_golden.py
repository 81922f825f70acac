"""The golden conformance cases, through PyTorch's Python API.

Runs every case of ``crates/ember/tests/golden/*.jsonl`` (computed by PyTorch; format in
``golden/FORMAT.md``) and of every ``*.jsonl`` in the folder named by ``EMBER_GOLDEN_DIR``
when that is set, one test per case id. Each op is called the way a PyTorch program calls it
(``torch.<op>``, ``torch.nn.functional.<op>``, methods, operators, indexing; see
``golden_py/ops.py``), so a case checks ember's Python front too: argument parsing,
conversions, values, dtypes, shapes, gradients, ``grad_fn`` names, printing and errors
(message and, for the cases in ``golden_py/exceptions.json``, exception class).

An op the runner does not know fails; ops listed in ``golden/PENDING.txt`` are skipped.

    pytest -q test_golden.py                      # ember (installed as torch)
    EMBER_TEST_TORCH=1 pytest -q test_golden.py   # the real PyTorch: checks the runner
"""

from __future__ import annotations

import json
import os
import pathlib

import pytest
import torch

from golden_py import cases

try:
    from conftest import GOLDEN_DIR
except ImportError:  # run without this folder's conftest on the path
    GOLDEN_DIR = pathlib.Path(__file__).resolve().parent.parent.parent / "ember" / "tests" / "golden"

GOLDEN_DIR = pathlib.Path(GOLDEN_DIR)
PENDING = cases.load_pending(GOLDEN_DIR / "PENDING.txt")
EXCEPTIONS = cases.load_exceptions()


def case_files() -> list[pathlib.Path]:
    dirs = [GOLDEN_DIR]
    extra = os.environ.get("EMBER_GOLDEN_DIR")
    if extra:
        dirs.append(pathlib.Path(extra))
    files = []
    for d in dirs:
        if not d.is_dir():
            raise FileNotFoundError(f"golden case folder {d} does not exist")
        files.extend(sorted(d.glob("*.jsonl")))
    return files


def _params():
    params, seen = [], set()
    for f in case_files():
        for ln, line in enumerate(f.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                cid = str(case["id"])
            except (ValueError, KeyError, TypeError) as e:
                case, cid = {"_bad": f"{f.name}:{ln}: bad case line: {e}"}, f"{f.name}:{ln}"
            pid = cid if cid not in seen else f"{cid} ({f.name}:{ln})"
            seen.add(pid)
            params.append(pytest.param(case, id=pid))
    return params


@pytest.mark.parametrize("case", _params())
def test_golden(case):
    if "_bad" in case:
        pytest.fail(case["_bad"], pytrace=False)
    if cases.uses_pending(case, PENDING):
        pytest.skip(f"op pending (golden/PENDING.txt): {case.get('op')}")
    reason = None
    try:
        cases.run_case(case, EXCEPTIONS)
    except cases.Mismatch as e:
        reason = f"{case['id']}: {e}"
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - a Rust panic (PyO3's PanicException) too
        msg = str(e).splitlines()[0] if str(e) else ""
        reason = f"{case['id']}: {type(e).__name__} escaped the runner: {msg}"
    finally:
        torch.set_grad_enabled(True)
    if reason is not None:
        pytest.fail(reason, pytrace=False)

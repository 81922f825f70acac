#!/usr/bin/env python3
"""Writes tests/data_expected/data_expected.json: what the real PyTorch gives for every case
of tests/data_cases.py (``torch.Generator``, the samplers, ``random_split``, the
``DataLoader`` with and without workers, ``default_collate``), for test_data.py and
test_generator.py, which run the same cases on ember (CI has no torch).

    ~/torch-venv/bin/python crates/ember-py/tools/make_data_expected.py
"""

import json
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))

import data_cases  # noqa: E402


def main():
    out = {"torch": torch.__version__, "cases": {}}
    for name, fn in data_cases.CASES.items():
        out["cases"][name] = data_cases.encode(fn(torch))
    path = TESTS / "data_expected" / "data_expected.json"
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(out['cases'])} cases to {path}")


if __name__ == "__main__":
    main()

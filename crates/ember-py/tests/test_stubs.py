"""The type stub of the native module (python/ember/_C.pyi, with py.typed) is the one
tools/gen_stubs.py makes from the module as built: regenerate it after changing a binding."""

import pathlib
import subprocess
import sys

import pytest
import torch

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "tools"


@pytest.mark.skipif(not hasattr(torch, "install_as_torch"), reason="ember's own stub")
def test_stub_is_current():
    r = subprocess.run([sys.executable, str(TOOLS / "gen_stubs.py"), "--check"])
    assert r.returncode == 0, "python/ember/_C.pyi is stale: run tools/gen_stubs.py"


@pytest.mark.skipif(not hasattr(torch, "install_as_torch"), reason="ember's own stub")
def test_package_is_typed():
    pkg = pathlib.Path(torch.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_C.pyi").exists()

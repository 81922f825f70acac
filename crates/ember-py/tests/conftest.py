"""pytest set-up: the suite is written against PyTorch's API and runs on ember.

Every test says ``import torch``. By default that is ember, installed under PyTorch's names
with ``ember.install_as_torch()``. With ``EMBER_TEST_TORCH=1`` the real PyTorch is used
instead, which checks that a test (and the expectations it was written with) is right about
PyTorch itself.
"""

import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

USE_REAL_TORCH = os.environ.get("EMBER_TEST_TORCH") == "1"

if not USE_REAL_TORCH:
    import ember

    ember.install_as_torch()

import torch  # noqa: E402  (ember when installed above)

#: The vendored golden cases of the Rust crate, shared by both fronts.
GOLDEN_DIR = HERE.parent.parent / "ember" / "tests" / "golden"

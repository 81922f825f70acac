"""Helpers of ``test_golden.py``: the golden conformance cases run through PyTorch's Python API.

``spec``  builds tensors from the cases' tensor specs and compares results with them;
``ops``   maps an op name and its keyword arguments to the calls a PyTorch user would write
          (the function form, the method form, operators, ...);
``cases`` runs one case of each kind (op, repr, optim, lr_scheduler, scenario).

Everything here says ``import torch``: under pytest that is whatever ``conftest.py`` put in
``sys.modules`` (ember by default, the real PyTorch with ``EMBER_TEST_TORCH=1``).
"""

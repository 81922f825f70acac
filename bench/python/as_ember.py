"""Runs a PyTorch script on ember: `python bench/python/as_ember.py SCRIPT [ARGS...]`.

`ember.install_as_torch()` first, so the script's `import torch` gives ember; the script
itself is unchanged."""
import runpy
import sys

import ember

ember.install_as_torch()
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")

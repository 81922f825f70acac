"""A stand-in for ember that leaves real PyTorch in place and adds `datasets.Digits` (the
shipped digits with ember's split) to torchvision, so that ember's digits example runs on
PyTorch unchanged, for a side-by-side run:

    PYTHONPATH=bench/pytorch/digits_shim python crates/ember-py/examples/digits.py

(PyTorch, numpy and torchvision in that Python.)
"""

import gzip
import os

import numpy as np
import torch
import torchvision

CSV = os.path.join(os.path.dirname(__file__), "..", "..", "..", "crates", "ember", "data", "digits.csv.gz")


class Digits(torch.utils.data.Dataset):
    """ember's `datasets.Digits`: pixels 0-16 scaled to 0-255, split as
    `random_split(digits, [1500, 297], generator=torch.Generator().manual_seed(0))`."""

    def __init__(self, root=None, train=True, transform=None, target_transform=None):
        rows = np.loadtxt(gzip.open(CSV), delimiter=",")
        images = np.floor(rows[:, :64] * 255 / 16 + 0.5).astype(np.uint8).reshape(-1, 8, 8)
        perm = torch.randperm(len(rows), generator=torch.Generator().manual_seed(0)).numpy()
        idx = perm[:1500] if train else perm[1500:]
        self.data, self.targets = images[idx], rows[idx, 64].astype(np.int64)
        self.transform = transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        x = self.data[i]
        return (self.transform(x) if self.transform else x), int(self.targets[i])


torchvision.datasets.Digits = Digits


def install_as_torch():
    """Nothing to do: `import torch` is PyTorch here."""

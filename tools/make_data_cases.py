#!/usr/bin/env python3
"""Writes crates/ember/tests/fixtures/data/cases.json: what torch.utils.data, torchvision's
transforms and scikit-learn's digits give, for the tests of `ember::utils::data` and
`ember::vision` (tests/integration/data.rs, vision.rs).

    ~/torch-venv/bin/python tools/make_data_cases.py

Needs torch; torchvision and scikit-learn are used when installed, and the transform cases
are computed with numpy when torchvision is not (the same arithmetic in float32).

Sampler orders depend only on the generator's stream, so each case names its seed and the
Rust test replays it. Cases "without a generator" seed the default generator with
`torch.manual_seed(seed)` and record the default stream's next draw afterwards (`after`), so
the test also checks how many numbers the sampler took from it.
"""

import json
import os
import sys

import numpy as np
import torch
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)
from torch.utils.data._utils.collate import default_collate

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ember", "tests", "fixtures",
    "data", "cases.json",
)


def gen(seed):
    return torch.Generator().manual_seed(seed)


def next_default():
    """The default generator's next int64 draw (how far a case moved the default stream)."""
    return int(torch.empty((), dtype=torch.int64).random_().item())


def encode(v):
    """A collated value as JSON: tensors with dtype, shape and flat values."""
    if isinstance(v, torch.Tensor):
        vals = v.reshape(-1).tolist()
        return {"tensor": {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                           "values": vals}}
    if isinstance(v, dict):
        return {"dict": {k: encode(x) for k, x in v.items()}}
    if isinstance(v, (list, tuple)):
        return {"list": [encode(x) for x in v]}
    if isinstance(v, str):
        return {"str": v}
    raise TypeError(type(v))


def samplers():
    c = {}
    for s in (0, 7):
        g = gen(s)
        smp = RandomSampler(range(10), generator=g)
        c[f"random_n10_seed{s}"] = {"seed": s, "epochs": [list(smp), list(smp)]}
    g = gen(3)
    c["random_replacement_n10_k40_seed3"] = {
        "seed": 3, "epochs": [list(RandomSampler(range(10), True, 40, generator=g))]}
    g = gen(3)
    c["random_replacement_n1000_k5_seed3"] = {
        "seed": 3, "epochs": [list(RandomSampler(range(1000), True, 5, generator=g))]}
    g = gen(5)
    c["random_n4_k10_seed5"] = {
        "seed": 5, "epochs": [list(RandomSampler(range(4), num_samples=10, generator=g))]}
    torch.manual_seed(11)
    smp = RandomSampler(range(10))
    c["random_default_n10_seed11"] = {"seed": 11, "epochs": [list(smp), list(smp)],
                                      "after": next_default()}
    torch.manual_seed(12)
    smp = RandomSampler(range(10), replacement=True, num_samples=35)
    c["random_default_replacement_k35_seed12"] = {"seed": 12, "epochs": [list(smp)],
                                                  "after": next_default()}
    idx = [5, 10, 15, 20, 25]
    g = gen(2)
    smp = SubsetRandomSampler(idx, generator=g)
    c["subset_seed2"] = {"seed": 2, "indices": idx, "epochs": [list(smp), list(smp)]}
    torch.manual_seed(4)
    smp = SubsetRandomSampler(idx)
    c["subset_default_seed4"] = {"seed": 4, "indices": idx, "epochs": [list(smp)],
                                 "after": next_default()}
    return c


def weighted():
    w = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    c = {}
    for name, k, repl, seed in [("repl_k10_seed3", 10, True, 3), ("norepl_k4_seed3", 4, False, 3),
                                ("repl_k1_seed9", 1, True, 9), ("norepl_k6_seed1", 6, False, 1),
                                ("repl_k50_seed0", 50, True, 0)]:
        g = gen(seed)
        smp = WeightedRandomSampler(w, k, repl, generator=g)
        c[name] = {"weights": w, "num_samples": k, "replacement": repl, "seed": seed,
                   "epochs": [list(smp), list(smp)]}
    torch.manual_seed(6)
    smp = WeightedRandomSampler(w, 8)
    c["default_repl_k8_seed6"] = {"weights": w, "num_samples": 8, "replacement": True,
                                  "seed": 6, "epochs": [list(smp)], "after": next_default()}
    errors = {}
    for name, (ww, k, repl) in {
        "too_many": (w, 7, False),
        "zero_sum": ([0.0, 0.0], 2, True),
        "negative": ([-1.0, 1.0], 3, True),
        "negative_fast": ([-1.0, 1.0], 1, True),
        "inf": ([float("inf"), 1.0], 3, True),
    }.items():
        try:
            list(WeightedRandomSampler(ww, k, repl))
            raise AssertionError(name)
        except RuntimeError as e:
            errors[name] = {"weights": [str(x) for x in ww], "num_samples": k,
                            "replacement": repl, "error": str(e)}
    c["errors"] = errors
    return c


def splits():
    c = {}
    for name, n, lengths, seed in [("ints_10_3_7", 10, [3, 7], 42),
                                   ("fracs_30", 30, [0.3, 0.3, 0.4], 42),
                                   ("fracs_11_half", 11, [0.5, 0.5], 1),
                                   ("fracs_7", 7, [0.1, 0.2, 0.7], 0)]:
        parts = random_split(range(n), lengths, generator=gen(seed))
        c[name] = {"n": n, "lengths": lengths, "seed": seed,
                   "subsets": [list(p.indices) for p in parts]}
    torch.manual_seed(5)
    parts = random_split(range(8), [4, 4])
    c["default_8_4_4"] = {"n": 8, "lengths": [4, 4], "seed": 5,
                          "subsets": [list(p.indices) for p in parts], "after": next_default()}
    try:
        random_split(range(10), [3, 6])
    except ValueError as e:
        c["error_sum"] = str(e)
    try:
        random_split(range(10), [1.2, -0.2])
    except ValueError as e:
        c["error_fraction"] = str(e)
    return c


def loaders():
    c = {}
    ds = TensorDataset(torch.arange(10))
    for name, kw in [("shuffle_bs3_seed42", dict(batch_size=3)),
                     ("shuffle_bs3_droplast_seed42", dict(batch_size=3, drop_last=True)),
                     ("shuffle_bs4_seed0", dict(batch_size=4))]:
        seed = int(name.rsplit("seed", 1)[1])
        g = gen(seed)
        dl = DataLoader(ds, shuffle=True, generator=g, **kw)
        epochs = [[b[0].tolist() for b in dl] for _ in range(2)]
        c[name] = {"seed": seed, "len": len(dl), "epochs": epochs,
                   "generator_after": int(torch.empty((), dtype=torch.int64).random_(generator=g))}
    g = gen(9)
    dl = DataLoader(ds, batch_size=4, generator=g)
    epochs = [[b[0].tolist() for b in dl] for _ in range(2)]
    c["sequential_bs4_seed9"] = {"seed": 9, "len": len(dl), "epochs": epochs,
                                 "generator_after": int(torch.empty((), dtype=torch.int64)
                                                        .random_(generator=g))}
    torch.manual_seed(0)
    dl = DataLoader(ds, batch_size=3, shuffle=True)
    epochs = [[b[0].tolist() for b in dl] for _ in range(2)]
    c["default_shuffle_bs3_seed0"] = {"seed": 0, "len": len(dl), "epochs": epochs,
                                      "after": next_default()}
    torch.manual_seed(1)
    dl = DataLoader(ds, batch_size=5)
    epochs = [[b[0].tolist() for b in dl] for _ in range(1)]
    c["default_sequential_bs5_seed1"] = {"seed": 1, "len": len(dl), "epochs": epochs,
                                         "after": next_default()}
    errors = {}
    for name, kw in [("sampler_shuffle", dict(sampler=SequentialSampler(ds), shuffle=True)),
                     ("batch_sampler_bs", dict(batch_sampler=BatchSampler(SequentialSampler(ds), 2,
                                                                          False), batch_size=2)),
                     ("none_drop_last", dict(batch_size=None, drop_last=True)),
                     ("prefetch_no_workers", dict(prefetch_factor=2))]:
        try:
            DataLoader(ds, **kw)
            raise AssertionError(name)
        except ValueError as e:
            errors[name] = str(e)
    for name, f in [("batch_size_zero", lambda: BatchSampler(range(3), 0, False)),
                    ("num_samples_zero", lambda: RandomSampler(range(0)))]:
        try:
            f()
            raise AssertionError(name)
        except ValueError as e:
            errors[name] = str(e)
    c["errors"] = errors
    return c


def collate():
    c = {}
    arange = lambda i: torch.arange(6, dtype=torch.float32).reshape(2, 3) + 10 * i  # noqa: E731
    cases = {
        "tensors": [arange(i) for i in range(3)],
        "ints": [1, 2, 3],
        "floats": [0.5, 1.5, -2.25],
        "bools": [True, False, True],
        "f32": [np.float32(0.5), np.float32(-1.25)],
        "u8": [np.uint8(3), np.uint8(250)],
        "strings": ["a", "bb", "c"],
        "pairs": [(torch.tensor([i, i + 1.0]), i) for i in range(4)],
        "lists": [[i, 2 * i, 3 * i] for i in range(3)],
        "dicts": [{"x": torch.full((3,), i * 1.0), "y": i, "name": f"s{i}"} for i in range(2)],
        "nested": [(torch.tensor([i]), {"a": i * 0.5, "b": True}) for i in range(3)],
    }
    for name, batch in cases.items():
        c[name] = encode(default_collate(batch))
    errors = {}
    try:
        default_collate([torch.zeros(2), torch.zeros(3)])
    except RuntimeError as e:
        errors["stack_shapes"] = str(e)
    try:
        default_collate([[1, 2], [3]])
    except RuntimeError as e:
        errors["list_sizes"] = str(e)
    c["errors"] = errors
    return c


def transforms():
    hwc = (np.arange(18, dtype=np.int64) * 37 % 256).astype(np.uint8).reshape(2, 3, 3)
    hw = (np.arange(6, dtype=np.int64) * 51 % 256).astype(np.uint8).reshape(2, 3)
    fl = (np.arange(12, dtype=np.float32) / 7).reshape(2, 2, 3)
    mean, std = [0.5, 0.25, 0.1], [0.2, 0.5, 0.3]
    try:
        from torchvision import transforms as T

        to_tensor = lambda a: T.ToTensor()(a)  # noqa: E731
        normalize = lambda t, m, s: T.Normalize(m, s)(t)  # noqa: E731
        source = "torchvision"
    except ImportError:
        def to_tensor(a):
            a = a[:, :, None] if a.ndim == 2 else a
            t = torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))
            return t.to(torch.float32).div(255) if t.dtype == torch.uint8 else t

        def normalize(t, m, s):
            m = torch.as_tensor(m, dtype=t.dtype).view(-1, 1, 1)
            s = torch.as_tensor(s, dtype=t.dtype).view(-1, 1, 1)
            return t.clone().sub_(m).div_(s)

        source = "numpy"
    c = {"source": source}
    c["to_tensor_hwc"] = {"input": hwc.reshape(-1).tolist(), "shape": list(hwc.shape),
                          "output": encode(to_tensor(hwc))}
    c["to_tensor_hw"] = {"input": hw.reshape(-1).tolist(), "shape": list(hw.shape),
                         "output": encode(to_tensor(hw))}
    c["to_tensor_float"] = {"input": fl.reshape(-1).tolist(), "shape": list(fl.shape),
                            "output": encode(to_tensor(fl))}
    c["normalize_hwc"] = {"mean": mean, "std": std,
                          "output": encode(normalize(to_tensor(hwc), mean, std))}
    c["normalize_mnist"] = {"mean": [0.1307], "std": [0.3081],
                            "output": encode(normalize(to_tensor(hw), [0.1307], [0.3081]))}
    if source == "torchvision":
        errors = {}
        for name, f in [
            ("normalize_uint8", lambda: T.Normalize([0.5], [0.5])(torch.zeros(1, 2, 2,
                                                                            dtype=torch.uint8))),
            ("normalize_2d", lambda: T.Normalize([0.5], [0.5])(torch.zeros(2, 2))),
            ("normalize_std0", lambda: T.Normalize([0.5], [0.0])(torch.zeros(1, 2, 2))),
            ("to_tensor_4d", lambda: T.ToTensor()(np.zeros((1, 1, 1, 1), dtype=np.uint8))),
        ]:
            try:
                f()
                raise AssertionError(name)
            except (TypeError, ValueError) as e:
                errors[name] = str(e)
        c["errors"] = errors
    return c


def digits():
    import gzip

    try:
        import sklearn.datasets

        path = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "digits.csv.gz")
    except ImportError:
        path = os.path.join(os.path.dirname(OUT), "..", "..", "..", "data", "digits.csv.gz")
    rows = np.loadtxt(gzip.open(path), delimiter=",")
    images, labels = rows[:, :64].astype(np.int64), rows[:, 64].astype(np.int64)
    count = lambda ls: np.bincount(ls, minlength=10).tolist()  # noqa: E731
    split = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0)).numpy()
    return {
        "n": len(labels),
        "first_rows": images[:2].tolist(),
        "last_row": images[-1].tolist(),
        "first_labels": labels[:12].tolist(),
        "label_counts": count(labels),
        # ember's split: random_split(digits, [1500, 297], torch.Generator().manual_seed(0)).
        "split_train_first": split[:8].tolist(),
        "split_test_first": split[1500:1508].tolist(),
        "train_label_counts": count(labels[split[:1500]]),
        "test_label_counts": count(labels[split[1500:]]),
        "pixel_sum": int(images.sum()),
    }


def main():
    cases = {
        "torch": torch.__version__,
        "samplers": samplers(),
        "weighted": weighted(),
        "random_split": splits(),
        "loaders": loaders(),
        "collate": collate(),
        "transforms": transforms(),
        "digits": digits(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

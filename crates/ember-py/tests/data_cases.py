"""Cases of ``torch.Generator`` and ``torch.utils.data`` whose results must be PyTorch's.

Each case is a function of the ``torch`` module in use, returning plain data (``encode``):
tools/make_data_expected.py runs them on the real PyTorch and writes
tests/data_expected/data_expected.json; test_data.py and test_generator.py run them on ember
(``import torch`` there) and compare. One definition of each case serves both sides.
"""

import collections
import math

import numpy as np

#: Value comparisons of float results allow this relative error (the other results are
#: compared exactly): ``orthogonal_``'s QR, ``kaiming``'s bound and ``randn``'s Box–Muller
#: may round differently in the last bits.
FLOAT_RTOL = 1e-5

CASES = {}


def case(fn):
    """Registers a case under its function's name."""
    CASES[fn.__name__] = fn
    return fn


def encode(v):
    """``v`` as JSON data tagged with its type, so a tensor, a list and a tuple of the same
    numbers stay apart."""
    import torch

    if isinstance(v, torch.Tensor):
        return {"tensor": {"dtype": str(v.dtype).split(".")[-1], "shape": list(v.shape),
                           "values": v.reshape(-1).tolist()}}
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return {"namedtuple": [type(v).__name__, {f: encode(getattr(v, f)) for f in v._fields}]}
    if isinstance(v, tuple):
        return {"tuple": [encode(x) for x in v]}
    if isinstance(v, list):
        return {"list": [encode(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": {str(k): encode(x) for k, x in v.items()}}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, float):
        return {"float": v}
    if isinstance(v, (str, bytes)):
        return {"str": v if isinstance(v, str) else v.decode()}
    raise TypeError(f"cannot encode {type(v)}")


def close(got, want, path="result"):
    """Asserts ``got`` equals ``want`` (both encoded): exactly, but for float values within
    ``FLOAT_RTOL``."""
    assert type(got) is type(want), f"{path}: {got!r} vs {want!r}"
    if isinstance(want, dict):
        assert got.keys() == want.keys(), f"{path}: keys {list(got)} vs {list(want)}"
        for k in want:
            close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), f"{path}: length {len(got)} vs {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            close(g, w, f"{path}[{i}]")
    elif isinstance(want, float):
        assert math.isclose(got, want, rel_tol=FLOAT_RTOL, abs_tol=1e-7), f"{path}: {got} vs {want}"
    else:
        assert got == want, f"{path}: {got!r} vs {want!r}"


def _g(torch, seed):
    return torch.Generator().manual_seed(seed)


def _next_default(torch):
    """The default stream's next int64 draw: tells how far a case moved it."""
    return int(torch.empty((), dtype=torch.int64).random_().item())


# ---- Generator ----


@case
def gen_randperm(torch):
    return [torch.randperm(10, generator=_g(torch, 3)), torch.randperm(1, generator=_g(torch, 3)),
            torch.randperm(20, generator=_g(torch, 0), dtype=torch.float64)]


@case
def gen_randint_then_rand(torch):
    g = _g(torch, 3)
    return [torch.randint(0, 10, (5,), generator=g), torch.rand(3, generator=g),
            torch.randint(3, (2, 2), generator=g), torch.randint(high=7, size=(3,), generator=g),
            torch.randint(-5, 2**40, (3,), generator=g)]


@case
def gen_randn(torch):
    g = _g(torch, 7)
    return [torch.randn(3, generator=g), torch.randn(20, generator=g), torch.randn(2, 3, generator=g,
                                                                                  dtype=torch.float64)]


@case
def gen_fill_and_like(torch):
    g = _g(torch, 11)
    return [torch.empty(5).normal_(generator=g), torch.empty(4).uniform_(-1, 1, generator=g),
            torch.rand_like(torch.zeros(3), generator=g), torch.randn_like(torch.zeros(2), generator=g),
            torch.randint_like(torch.zeros(3), 10, generator=g)]


@case
def gen_default_stream_unmoved(torch):
    torch.manual_seed(1)
    a = torch.rand(2)
    torch.manual_seed(1)
    g = _g(torch, 5)
    torch.rand(4, generator=g)
    torch.randperm(6, generator=g)
    torch.empty(3).normal_(generator=g)
    return [a, torch.rand(2), torch.rand(2, generator=g)]


@case
def gen_random_(torch):
    out = []
    for dt in [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
               torch.bfloat16, torch.float32, torch.float64]:
        g = _g(torch, 5)
        out.append([torch.empty(4, dtype=dt).random_(generator=g), torch.empty(3, dtype=dt).random_(0, 2, generator=g),
                    torch.empty(2, dtype=dt).random_(1, None, generator=g),
                    torch.empty(2, dtype=dt).random_(2, generator=g)])
    g = _g(torch, 5)
    out.append([torch.empty(3, dtype=torch.int64).random_(-2**63, None, generator=g),
                torch.empty(3, dtype=torch.int64).random_(-5, 2**40, generator=g),
                torch.empty(3, dtype=torch.int32).random_(-2**31, None, generator=g),
                torch.empty(3, dtype=torch.int8).random_(-100, None, generator=g),
                torch.empty(3, dtype=torch.int32).random_(5, to=7, generator=g)])
    torch.manual_seed(2)
    out.append(torch.empty(3, dtype=torch.int64).random_())
    return out


@case
def gen_seeds(torch):
    return [torch.Generator().initial_seed(), torch.Generator().manual_seed(-1).initial_seed(),
            torch.Generator().manual_seed(2**64 - 1).initial_seed(), torch.manual_seed(4).initial_seed(),
            torch.initial_seed()]


@case
def gen_state_bytes(torch):
    g = _g(torch, 3)
    s0 = g.get_state()
    torch.rand(3, generator=g)
    s1 = g.get_state()
    torch.randn(1, generator=g)
    s2 = g.get_state()
    torch.manual_seed(11)
    torch.rand(2)
    return [bytes(s.tolist()).hex() for s in (s0, s1, s2, torch.get_rng_state())] + [
        s0.dtype == torch.uint8, list(s0.shape)]


@case
def gen_set_state(torch):
    g = _g(torch, 5)
    torch.randn(1, generator=g)
    s = g.get_state()
    a = torch.randn(3, generator=g)
    h = torch.Generator().set_state(s)
    torch.manual_seed(0)
    torch.rand(5)
    state = torch.get_rng_state()
    b = torch.rand(2)
    torch.set_rng_state(state)
    return [a, torch.randn(3, generator=h), b, torch.rand(2), h.initial_seed()]


@case
def gen_nn_init(torch):
    return [torch.nn.init.kaiming_uniform_(torch.empty(3, 4), generator=_g(torch, 0)),
            torch.nn.init.normal_(torch.empty(4), generator=_g(torch, 1)),
            torch.nn.init.orthogonal_(torch.empty(3, 3), generator=_g(torch, 2))]


# ---- samplers and random_split ----


@case
def sampler_random(torch):
    from torch.utils.data import RandomSampler

    return [list(RandomSampler(range(10), generator=_g(torch, 1))),
            list(RandomSampler(range(10), replacement=True, num_samples=40, generator=_g(torch, 1))),
            list(RandomSampler(range(7), num_samples=17, generator=_g(torch, 2))),
            list(RandomSampler(range(5), replacement=True, generator=_g(torch, 3)))]


@case
def sampler_random_default_generator(torch):
    from torch.utils.data import RandomSampler

    torch.manual_seed(5)
    a = list(RandomSampler(range(10)))
    b = list(RandomSampler(range(4), replacement=True, num_samples=3))
    return [a, b, _next_default(torch)]


@case
def sampler_others(torch):
    from torch.utils.data import BatchSampler, SequentialSampler, SubsetRandomSampler

    torch.manual_seed(8)
    return [list(SequentialSampler(range(4))), list(SubsetRandomSampler([5, 7, 9, 11], generator=_g(torch, 4))),
            list(SubsetRandomSampler([1, 2, 3])), _next_default(torch),
            list(BatchSampler(SequentialSampler(range(10)), 3, False)),
            list(BatchSampler(SequentialSampler(range(10)), 3, True)),
            len(BatchSampler(range(10), 3, False)), len(BatchSampler(range(10), 3, True)),
            list(BatchSampler([4, 2, 0], 5, False))]


@case
def sampler_weighted(torch):
    from torch.utils.data import WeightedRandomSampler

    return [list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=True, generator=_g(torch, 0))),
            list(WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, replacement=False, generator=_g(torch, 0)))]


@case
def split_random(torch):
    from torch.utils.data import random_split

    def lists(parts):
        return [list(p) for p in parts]

    torch.manual_seed(3)
    return [lists(random_split(range(10), [3, 7], generator=_g(torch, 42))),
            lists(random_split(range(30), [0.3, 0.3, 0.4], generator=_g(torch, 42))),
            lists(random_split(range(11), [0.5, 0.5], generator=_g(torch, 1))),
            lists(random_split(range(6), [2, 4])), _next_default(torch)]


# ---- DataLoader ----


def _tensor_ds(torch):
    from torch.utils.data import TensorDataset

    return TensorDataset(torch.arange(14.0).view(7, 2), torch.arange(7))


@case
def loader_shuffle_generator(torch):
    from torch.utils.data import DataLoader

    g = _g(torch, 7)
    loader = DataLoader(_tensor_ds(torch), batch_size=2, shuffle=True, generator=g)
    return [list(loader), list(loader), torch.rand(2, generator=g)]


@case
def loader_shuffle_default(torch):
    from torch.utils.data import DataLoader

    torch.manual_seed(9)
    batches = list(DataLoader(_tensor_ds(torch), batch_size=3, shuffle=True, drop_last=True))
    return [batches, _next_default(torch)]


@case
def loader_lengths(torch):
    from torch.utils.data import BatchSampler, DataLoader, IterableDataset, SequentialSampler

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    ds = _tensor_ds(torch)
    return [len(DataLoader(ds, batch_size=2)), len(DataLoader(ds, batch_size=2, drop_last=True)),
            len(DataLoader(ds, batch_size=None)), len(DataLoader(Stream(), batch_size=3)),
            len(DataLoader(Stream(), batch_size=3, drop_last=True)),
            len(DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, False))),
            list(DataLoader(Stream(), batch_size=3)), list(DataLoader(Stream(), batch_size=3, drop_last=True)),
            list(DataLoader(ds, batch_size=3, sampler=[6, 0, 3, 1])), list(DataLoader([1.5, 2.5], batch_size=None))]


@case
def loader_workers_random(torch):
    """Workers draw from ``base_seed + worker_id``: the numbers are PyTorch's."""
    from torch.utils.data import DataLoader, Dataset, get_worker_info

    class Draws(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            info = get_worker_info()
            return i, torch.rand(1), torch.initial_seed(), info.id, info.seed

    torch.manual_seed(12)
    loader = DataLoader(Draws(), batch_size=2, num_workers=2, generator=_g(torch, 5))
    return [list(loader), _next_default(torch)]


@case
def loader_workers_iterable(torch):
    """PyTorch's documented sharding of an IterableDataset by ``get_worker_info``."""
    from torch.utils.data import DataLoader, IterableDataset, get_worker_info

    class Range(IterableDataset):
        def __init__(self, start, end):
            super().__init__()
            self.start, self.end = start, end

        def __iter__(self):
            info = get_worker_info()
            per = int(math.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per
            return iter(range(lo, min(lo + per, self.end)))

    class Plain(IterableDataset):
        def __init__(self, start, end):
            super().__init__()
            self.start, self.end = start, end

        def __iter__(self):
            return iter(range(self.start, self.end))

    def init_fn(worker_id):
        ds = get_worker_info().dataset
        per = int(math.ceil((ds.end - ds.start) / float(get_worker_info().num_workers)))
        ds.start = ds.start + worker_id * per
        ds.end = min(ds.start + per, ds.end)

    return [list(DataLoader(Range(3, 7), num_workers=2)), list(DataLoader(Range(3, 12), batch_size=2, num_workers=2)),
            list(DataLoader(Plain(3, 7), num_workers=2, worker_init_fn=init_fn))]


# ---- collation ----

Point = collections.namedtuple("Point", ["x", "y"])


@case
def collate_default(torch):
    from torch.utils.data import default_collate

    return [
        default_collate([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]),
        default_collate([1, 2, 3]),
        default_collate([1.5, 2.5]),
        default_collate([True, False, True]),
        default_collate(["a", "b"]),
        default_collate([b"a", b"b"]),
        default_collate([(0, 1.5, True, "a"), (2, 3.5, False, "b")]),
        default_collate([[0, 1], [2, 3]]),
        default_collate([{"x": torch.zeros(3), "y": 1, "name": "s0"}, {"x": torch.ones(3), "y": 2, "name": "s1"}]),
        default_collate([Point(0, 0.5), Point(1, 1.5)]),
        default_collate([np.array([1, 2], dtype=np.float32), np.array([3, 4], dtype=np.float32)]),
        default_collate([np.array([[1]], dtype=np.int16), np.array([[2]], dtype=np.int16)]),
        default_collate([np.float64(1.5), np.float64(2.5)]),
        default_collate([np.int32(1), np.int32(2)]),
        default_collate([np.bool_(True), np.bool_(False)]),
        default_collate([{"a": (np.array([1.0]), [1, 2])}, {"a": (np.array([2.0]), [3, 4])}]),
        default_collate([torch.tensor(1, dtype=torch.uint8), torch.tensor(2, dtype=torch.uint8)]),
    ]


@case
def collate_convert(torch):
    from torch.utils.data import default_convert

    return [default_convert(np.array([0, 1])), default_convert([np.array([0, 1]), (np.float64(2.0), "s")]),
            default_convert(Point(np.array(0), np.array(1.5))), default_convert({"a": np.int64(3), "b": 2}),
            default_convert(7), default_convert("s"), default_convert(np.array(["u"]).tolist())]


@case
def collate_errors(torch):
    from torch.utils.data import default_collate

    out = []
    for bad in ([[1, 2], [3]], [object(), object()], [torch.zeros(2), torch.zeros(3)],
                [np.array(["a"]), np.array(["b"])], [None, None]):
        try:
            default_collate(bad)
            out.append("no error")
        except Exception as e:  # noqa: BLE001  (the type and message are the result)
            out.append([type(e).__name__, str(e)])
    return out

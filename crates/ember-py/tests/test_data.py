"""``torch.utils.data`` and ``torchvision``: samplers, ``random_split``, the ``DataLoader``
(with worker threads too) and collation give PyTorch's results (cases in data_cases.py,
PyTorch's results in data_expected/); workers re-raise errors at their batch and never hang;
the transforms and datasets of ``ember.vision``."""

import json
import os
import pathlib
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch
from conftest import USE_REAL_TORCH
from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

import data_cases

HERE = pathlib.Path(__file__).resolve().parent
EXPECTED = json.loads((HERE / "data_expected" / "data_expected.json").read_text(encoding="utf-8"))["cases"]

DATA_CASES = [name for name in data_cases.CASES if not name.startswith("gen_")]


@pytest.mark.parametrize("name", DATA_CASES)
def test_matches_pytorch(name):
    data_cases.close(data_cases.encode(data_cases.CASES[name](torch)), EXPECTED[name])


def bounded(fn, seconds=60):
    """Runs ``fn`` in a thread and fails (rather than hanging the suite) if it does not
    finish within ``seconds``; returns its result or raises its exception."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001  (handed to the test thread)
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"did not finish within {seconds} s (a hang)"
    if "error" in out:
        raise out["error"]
    return out["value"]


class Squares(Dataset):
    def __init__(self, n=10, bad=None, slow=0.0):
        self.n, self.bad, self.slow = n, bad, slow

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.slow:
            time.sleep(self.slow)
        if i == self.bad:
            raise ValueError(f"bad sample {i}")
        return torch.tensor([i * i]), i


def batches(loader):
    return [(x.tolist(), y.tolist()) for x, y in loader]


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_give_the_batches_of_no_workers(workers):
    ds = Squares(23)
    want = batches(DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1)))
    got = bounded(lambda: batches(DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                                             generator=torch.Generator().manual_seed(1), prefetch_factor=3)))
    assert got == want


def test_slow_workers_keep_sampler_order():
    ds = Squares(12, slow=0.01)
    got = bounded(lambda: batches(DataLoader(ds, batch_size=1, num_workers=2)))
    assert got == [([[i * i]], [i]) for i in range(12)]


def test_worker_error_is_raised_at_its_batch():
    loader = DataLoader(Squares(10, bad=5), batch_size=2, num_workers=2)

    def run():
        it = iter(loader)
        seen = [next(it) for _ in range(2)]
        with pytest.raises(ValueError) as info:
            next(it)
        return seen, str(info.value)

    seen, msg = bounded(run)
    assert [b[1].tolist() for b in seen] == [[0, 1], [2, 3]]
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback")
    assert "bad sample 5" in msg


def test_worker_key_error_message_stays_readable():
    class Missing(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise KeyError("k")

    def run():
        with pytest.raises(KeyError) as info:
            next(iter(DataLoader(Missing(), num_workers=1)))
        return info.value.args[0]

    msg = bounded(run)
    assert repr(msg) == msg and "Caught KeyError in DataLoader worker process 0" in msg


def test_error_in_worker_init_fn_is_raised_at_the_first_batch():
    def init(worker_id):
        raise RuntimeError(f"init {worker_id}")

    def run():
        with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 0"):
            list(DataLoader(Squares(4), num_workers=1, worker_init_fn=init))

    bounded(run)


def test_timeout_raises_instead_of_waiting():
    def run():
        with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
            next(iter(DataLoader(Squares(4, slow=2.0), num_workers=1, timeout=0.2)))

    bounded(run)


@pytest.mark.skipif(USE_REAL_TORCH, reason="worker threads are ember's")
def test_abandoned_iterator_stops_its_workers():
    before = threading.active_count()

    def run():
        it = iter(DataLoader(Squares(50), batch_size=2, num_workers=2))
        next(it)
        it._shutdown_workers()
        return it

    it = bounded(run)
    assert all(not w.is_alive() for w in it._workers)
    assert threading.active_count() <= before + 1


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(Squares(7), batch_size=3, num_workers=2, persistent_workers=True)

    def run():
        return [batches(loader) for _ in range(3)]

    epochs = bounded(run)
    want = batches(DataLoader(Squares(7), batch_size=3))
    assert epochs == [want] * 3
    loader._iterator._shutdown_workers()


class WorkerFacts(Dataset):
    def __init__(self):
        self.init_ids = None

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return [info.id, info.num_workers, info.seed, torch.initial_seed(), info.dataset.init_ids]


def test_worker_info_and_seeds():
    def init(worker_id):
        get_worker_info().dataset.init_ids = (worker_id, get_worker_info().id)

    loader = DataLoader(WorkerFacts(), num_workers=2, worker_init_fn=init, batch_size=None,
                        generator=torch.Generator().manual_seed(3))
    got = bounded(lambda: list(loader))
    base = torch.empty((), dtype=torch.int64).random_(generator=torch.Generator().manual_seed(3)).item()
    want = [[w, 2, base + w, base + w, [w, w]] for w in (0, 1, 0, 1)]  # tuples convert to lists
    if USE_REAL_TORCH:
        assert got == want
    else:
        # A map-style dataset is shared by the worker threads (see Note [Thread workers]):
        # the last worker_init_fn to run wins.
        assert [g[:4] for g in got] == [w[:4] for w in want] and got[0][4] in ([0, 0], [1, 1])
    assert get_worker_info() is None


@pytest.mark.skipif(USE_REAL_TORCH, reason="worker threads are ember's")
def test_worker_threads_leave_the_main_stream_alone():
    class Draw(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            torch.manual_seed(100 + i)  # a worker's manual_seed reseeds that worker's stream
            return torch.rand(1)

    torch.manual_seed(5)
    it = iter(DataLoader(Draw(), num_workers=2))
    after_iter = torch.rand(3)
    torch.manual_seed(5)
    torch.empty((), dtype=torch.int64).random_()  # the base seed the iterator drew
    assert torch.equal(after_iter, torch.rand(3))
    state = torch.get_rng_state()
    got = bounded(lambda: [b.item() for b in it])
    assert torch.equal(torch.get_rng_state(), state)
    assert got == [torch.rand(1, generator=torch.Generator().manual_seed(100 + i)).item() for i in range(8)]
    assert get_worker_info() is None


def test_iterable_dataset_with_workers_and_len_warning():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 3

    loader = DataLoader(Stream(), batch_size=None)
    assert len(loader) == 3
    with pytest.warns(UserWarning, match="was reported to be 3"):
        assert [int(x) for x in loader] == [0, 1, 2, 3, 4]
    got = bounded(lambda: sorted(int(x) for x in DataLoader(Stream(), batch_size=None, num_workers=2)))
    assert got == sorted(list(range(5)) * 2)


def test_loader_argument_errors():
    ds = Squares(4)
    cases = [
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(shuffle=True, sampler=[0, 1]), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
    ]
    for kwargs, msg in cases:
        with pytest.raises(ValueError, match=msg):
            DataLoader(ds, **kwargs)
    loader = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(TorchStream(), shuffle=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used with multi-process loading"):
        DataLoader(ds, multiprocessing_context="spawn")
    if not USE_REAL_TORCH:
        with pytest.raises(NotImplementedError, match="workers are threads"):
            DataLoader(ds, num_workers=1, multiprocessing_context="spawn")


class TorchStream(IterableDataset):
    def __iter__(self):
        return iter(range(2))


def test_sampler_argument_errors():
    from torch.utils.data import BatchSampler, RandomSampler

    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(0))
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        torch.utils.data.random_split(range(5), [2, 2])


def test_datasets():
    from torch.utils.data import ConcatDataset, StackDataset, Subset

    t = TensorDataset(torch.arange(4), torch.arange(4) * 10)
    assert [int(v) for v in t[2]] == [2, 20] and len(t) == 4
    c = ConcatDataset([range(3), range(10, 12)])
    assert [c[i] for i in range(len(c))] == [0, 1, 2, 10, 11] and c[-1] == 11
    s = StackDataset(a=range(3), b=range(3, 6))
    assert s[1] == {"a": 1, "b": 4} and s.__getitems__([0, 2]) == [{"a": 0, "b": 3}, {"a": 2, "b": 5}]
    assert Subset(range(10), [7, 3]).__getitems__([1, 0]) == [3, 7]
    assert isinstance(t + t, ConcatDataset) and len(t + t) == 8
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(torch.zeros(2), torch.zeros(3))


def test_pin_memory_is_accepted_and_says_so():
    with pytest.warns(UserWarning, match="pin"):
        assert len(list(DataLoader(Squares(2), pin_memory=True))) == 2


# ---- torchvision ----

vision = pytest.mark.skipif(USE_REAL_TORCH, reason="torchvision is ember's own (ember.vision)")


@vision
def test_to_tensor_and_normalize():
    from torchvision import transforms

    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3) * 10
    t = transforms.ToTensor()(hwc)
    assert t.dtype == torch.float32 and tuple(t.shape) == (3, 2, 4)
    np.testing.assert_array_equal(t.numpy(), hwc.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    hw = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    assert transforms.ToTensor()(hw).tolist() == [[[0.0, 1.0], [float(np.float32(0.2)), float(np.float32(0.4))]]]
    assert torch.equal(transforms.ToTensor()(torch.tensor(hw)), transforms.ToTensor()(hw))
    f = transforms.ToTensor()(np.ones((2, 2), dtype=np.float64) * 3)
    assert f.dtype == torch.float64 and f.tolist() == [[[3.0, 3.0], [3.0, 3.0]]]
    norm = transforms.Normalize((0.5, 0.25, 0.0), (0.5, 0.5, 2.0))
    n = norm(t)
    want = (hwc.transpose(2, 0, 1).astype(np.float32) / np.float32(255) - np.float32([0.5, 0.25, 0.0])[:, None, None])
    np.testing.assert_allclose(n.numpy(), want / np.float32([0.5, 0.5, 2.0])[:, None, None], rtol=1e-6)
    assert not torch.equal(n, t)
    inplace = t.clone()
    assert transforms.Normalize(0.5, 0.5, inplace=True)(inplace) is inplace
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,)),
                                   transforms.Lambda(lambda x: x * 2)])
    assert repr(pipeline) == ("Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n"
                              "    Lambda()\n)")
    assert tuple(pipeline(hw).shape) == (1, 2, 2)


@vision
def test_transform_errors():
    from torchvision import transforms

    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        transforms.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        transforms.ToTensor()(np.zeros(3, dtype=np.uint8))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8."):
        transforms.Normalize(0, 1)(torch.zeros(1, 2, 2, dtype=torch.uint8))
    with pytest.raises(ValueError, match="Expected tensor to be a tensor image of size"):
        transforms.Normalize(0, 1)(torch.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        transforms.Normalize(0, 0)(torch.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        transforms.Lambda(3)


def write_idx(path, array):
    """An IDX file as MNIST's: magic (0, 0, type 0x08 = uint8, ndim), big-endian sizes, data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, array.ndim))
        f.write(struct.pack(f">{array.ndim}I", *array.shape))
        f.write(array.tobytes())


@vision
def test_mnist_from_idx_files(tmp_path):
    from torchvision import datasets, transforms

    if not hasattr(torch._C, "_read_idx"):
        pytest.skip("waiting for _C._read_idx (crates/ember-py/src/data.rs)")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = {"train": rng.integers(0, 256, (5, 28, 28)), "t10k": rng.integers(0, 256, (3, 28, 28))}
    labels = {"train": np.array([5, 0, 4, 1, 9]), "t10k": np.array([7, 2, 1])}
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        datasets.MNIST(str(tmp_path))
    with pytest.raises(RuntimeError, match="ember does not download datasets"):
        datasets.MNIST(str(tmp_path), download=True)
    for split in ("train", "t10k"):
        write_idx(raw / f"{split}-images-idx3-ubyte", images[split])
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels[split])
    train = datasets.MNIST(str(tmp_path), download=True)
    test = datasets.MNIST(str(tmp_path), train=False, transform=transforms.ToTensor(), target_transform=lambda y: -y)
    assert (len(train), len(test)) == (5, 3)
    img, label = train[2]
    assert img.dtype == torch.uint8 and tuple(img.shape) == (28, 28) and label == 4 and type(label) is int
    np.testing.assert_array_equal(img.numpy(), images["train"][2])
    assert train.targets.dtype == torch.int64 and train.data.shape == (5, 28, 28)
    timg, tlabel = test[0]
    assert tuple(timg.shape) == (1, 28, 28) and tlabel == -7
    np.testing.assert_allclose(timg.numpy()[0], images["t10k"][0] / np.float32(255), rtol=1e-6)
    assert repr(train).splitlines()[:4] == ["Dataset MNIST", "    Number of datapoints: 5",
                                            f"    Root location: {tmp_path}", "    Split: Train"]
    batch = next(iter(DataLoader(test, batch_size=3)))
    assert tuple(batch[0].shape) == (3, 1, 28, 28) and batch[1].tolist() == [-7, -2, -1]


@vision
def test_digits():
    from torchvision import datasets, transforms

    if not hasattr(torch._C, "_digits"):
        pytest.skip("waiting for _C._digits (crates/ember-py/src/data.rs)")
    train = datasets.Digits()
    test = datasets.Digits(train=False)
    assert (len(train), len(test)) == (1500, 297)
    labels = train.targets.tolist() + test.targets.tolist()
    assert [labels.count(d) for d in range(10)] == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # random_split(digits, [1500, 297], generator=torch.Generator().manual_seed(0)).
    perm = torch.randperm(1797, generator=torch.Generator().manual_seed(0))
    images, targets = torch._C._digits()
    assert torch.equal(train.targets, targets[perm[:1500]]) and torch.equal(test.data, images[perm[1500:]])
    assert set(test.targets.tolist()) == set(range(10))
    img, label = train[0]
    assert img.dtype == torch.uint8 and tuple(img.shape) == (8, 8) and (label, type(label)) == (6, int)
    assert train.data.max().item() == 255 and train.data.shape == (1500, 8, 8)
    t, _ = datasets.Digits(transform=transforms.ToTensor())[0]
    assert tuple(t.shape) == (1, 8, 8) and 0.0 <= t.min().item() and t.max().item() <= 1.0


@vision
def test_torchvision_alias_in_a_fresh_interpreter():
    code = (
        "import ember; ember.install_as_torch()\n"
        "import torchvision\n"
        "from torchvision import datasets, transforms\n"
        "import torchvision.transforms as T\n"
        "from torch.utils.data import DataLoader\n"
        "import torch.utils.data as tud\n"
        "assert torchvision is ember.vision and T is ember.vision.transforms\n"
        "assert datasets is ember.vision.datasets and tud is ember.utils.data\n"
        "assert DataLoader is ember.utils.data.DataLoader\n"
        "print('ok')\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_weighted_sampler_errors_are_multinomials():
    from torch.utils.data import WeightedRandomSampler

    for weights, message in [
        ([1.0, -1.0], "element < 0"),
        ([0.0, 0.0], "sum of probabilities <= 0"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            list(WeightedRandomSampler(weights, 1))
    with pytest.raises(RuntimeError, match="without replacement"):
        list(WeightedRandomSampler([1.0, 2.0], 3, replacement=False))

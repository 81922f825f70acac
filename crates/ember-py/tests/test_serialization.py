"""``torch.save`` / ``torch.load``: the checkpoints PyTorch 2.15 wrote
(``crates/ember/tests/fixtures/pt``, from ``tools/make_pt_fixtures.py``) load with their
values and types, what ember saves loads back as PyTorch's would, and malicious files raise
PyTorch's ``pickle.UnpicklingError``. ``EMBER_TEST_TORCH=1`` runs these tests on PyTorch.
"""

import collections
import io
import os
import pickle

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from conftest import HERE, USE_REAL_TORCH

FIXTURES = HERE.parent.parent / "ember" / "tests" / "fixtures" / "pt"


def fixture(name):
    return torch.load(FIXTURES / name, weights_only=True)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def step(model, opt, x, y):
    opt.zero_grad()
    F.mse_loss(model(x), y).backward()
    opt.step()


def test_lenet_predicts_as_pytorch():
    sd = fixture("lenet.pt")
    assert isinstance(sd, collections.OrderedDict)
    assert list(sd)[:2] == ["conv1.weight", "conv1.bias"]
    model = LeNet()
    model.load_state_dict(sd)
    data = fixture("lenet_io.pt")
    with torch.no_grad():
        got = model(data["input"])
    assert torch.allclose(got, data["logits"], rtol=1e-5, atol=1e-5)
    assert torch.equal(got.argmax(1), data["logits"].argmax(1))


@pytest.mark.parametrize("opt_name,file", [("adam", "checkpoint.pt"), ("sgd", "checkpoint_sgd.pt")])
def test_checkpoint_resumes(opt_name, file):
    ck = fixture(file)
    assert ck["epoch"] == 3
    assert type(ck["optimizer"]) is dict and type(ck["optimizer"]["state"]) is dict
    assert sorted(ck["optimizer"]["state"]) == [0, 1, 2, 3]
    model = mlp()
    model.load_state_dict(ck["model"])
    if opt_name == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=0.5)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-3)
    opt.load_state_dict(ck["optimizer"])
    assert opt.param_groups[0]["lr"] == (1e-2 if opt_name == "adam" else 0.05)
    nxt = fixture("checkpoint_next.pt")[opt_name]
    step(model, opt, nxt["input"], nxt["target"])
    for k, t in model.state_dict().items():
        assert torch.allclose(t, nxt["after_step"][k], rtol=1e-5, atol=1e-6), k


def test_views_dtypes_and_python_values():
    d = fixture("views_dtypes.pt")
    w, wt, cols = d["w"], d["wt"], d["cols"]
    assert torch.equal(w, torch.arange(12.0).reshape(3, 4))
    assert wt.stride() == (1, 4) and cols.storage_offset() == 1
    w.add_(1)  # the views share w's memory
    assert wt[1, 0].item() == w[0, 1].item() == 2.0 and cols[0, 0].item() == 2.0
    assert d["tied"] is d["w"]
    assert d["expanded"].stride() == (1, 0)
    assert d["uint8"].tolist() == [[254, 255, 0], [1, 2, 3]]
    assert d["bfloat16"].dtype == torch.bfloat16 and d["bool"].dtype == torch.bool
    assert d["scalar"].dim() == 0 and d["empty"].shape == (0, 3)
    assert isinstance(d["param"], nn.Parameter) and d["param"].requires_grad
    assert isinstance(d["frozen"], nn.Parameter) and not d["frozen"].requires_grad
    assert d["grad_leaf"].requires_grad and not isinstance(d["grad_leaf"], nn.Parameter)
    assert d["extras"] == {
        1: None, "neg": -5, "big": 2**40, "pi": 3.25, "flag": True, "text": "héllo",
        "raw": b"\x00\xffab", "pair": (0.9, 0.999), "nested": [[1, 2], (3,), []],
    }
    legacy = fixture("legacy.pt")
    assert legacy["middle"].tolist() == [2.0, 3.0] and legacy["name"] == "legacy"


def test_round_trip_through_a_buffer_and_a_path(tmp_path):
    w = torch.arange(12.0).reshape(3, 4)
    p = nn.Parameter(torch.tensor([1.0, -2.0]))
    obj = {
        "w": w, "wt": w.t(), "row": w[1], "p": p, "again": p, "n": 7, "f": 0.5,
        "s": "x", "b": b"\x01", "none": None, "t": (1, [2.5]), "od": collections.OrderedDict(a=1),
        "dtypes": [torch.ones(2, dtype=dt) for dt in
                   (torch.float16, torch.bfloat16, torch.float64, torch.int8, torch.int16,
                    torch.int32, torch.int64, torch.uint8, torch.bool)],
    }
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    back = torch.load(buf, weights_only=True)
    torch.save(obj, tmp_path / "x.pt")
    from_path = torch.load(str(tmp_path / "x.pt"))
    for b in (back, from_path):
        assert torch.equal(b["wt"], w.t()) and b["wt"].stride() == (1, 4)
        b["w"].mul_(2)
        assert b["row"].tolist() == [8.0, 10.0, 12.0, 14.0]
        assert isinstance(b["p"], nn.Parameter) and b["p"].requires_grad and b["again"] is b["p"]
        assert (b["n"], b["f"], b["s"], b["b"], b["none"], b["t"]) == (7, 0.5, "x", b"\x01", None, (1, [2.5]))
        assert type(b["od"]) is collections.OrderedDict and type(b) is dict
        assert [t.dtype for t in b["dtypes"]] == [t.dtype for t in obj["dtypes"]]


@pytest.mark.parametrize("map_location", [None, "cpu", torch.device("cpu"), lambda s, loc: s])
def test_map_location_and_file_objects(tmp_path, map_location):
    path = tmp_path / "m.pt"
    with open(path, "wb") as f:
        torch.save({"w": torch.ones(2, 3), "p": nn.Parameter(torch.zeros(1))}, f)
    with open(path, "rb") as f:
        d = torch.load(f, map_location=map_location, weights_only=True)
    assert d["w"].device == torch.device("cpu") and d["w"].sum().item() == 6.0
    assert isinstance(d["p"], nn.Parameter) and d["p"].requires_grad


def test_model_and_optimizer_round_trip_bit_identical():
    x = (torch.arange(24, dtype=torch.float32).reshape(6, 4) - 11.5) / 7.0
    y = torch.sin(torch.arange(18, dtype=torch.float32).reshape(6, 3))
    torch.manual_seed(0)
    straight = mlp()
    start = {k: v.clone() for k, v in straight.state_dict().items()}
    opt = torch.optim.Adam(straight.parameters(), lr=1e-2)
    for _ in range(4):
        step(straight, opt, x, y)
    first = mlp()
    first.load_state_dict(start)
    opt = torch.optim.Adam(first.parameters(), lr=1e-2)
    for _ in range(2):
        step(first, opt, x, y)
    buf = io.BytesIO()
    torch.save({"model": first.state_dict(), "optimizer": opt.state_dict(), "epoch": 2}, buf)
    buf.seek(0)
    ck = torch.load(buf)
    assert type(ck["model"]) is collections.OrderedDict
    resumed = mlp()
    resumed.load_state_dict(ck["model"])
    opt = torch.optim.Adam(resumed.parameters(), lr=1e-2)
    opt.load_state_dict(ck["optimizer"])
    for _ in range(2):
        step(resumed, opt, x, y)
    for k, t in straight.state_dict().items():
        assert torch.equal(t, resumed.state_dict()[k]), k


@pytest.mark.parametrize("name,message", [
    ("evil_posix_system.pt", "GLOBAL posix.system whose module posix is blocked"),
    ("evil_os_system.pt", "GLOBAL os.system whose module os is blocked"),
    ("evil_builtins_eval.pt", "Unsupported global: GLOBAL eval was not an allowed global by default"),
])
def test_malicious_globals_are_refused(name, message):
    with pytest.raises(pickle.UnpicklingError, match=message):
        torch.load(FIXTURES / name, weights_only=True)
    with open(FIXTURES / name, "rb") as f:
        with pytest.raises(pickle.UnpicklingError, match=message):
            torch.load(io.BytesIO(f.read()))


def test_malformed_files_are_refused():
    # PyTorch itself raises a KeyError for the memo slot never written.
    with pytest.raises(KeyError if USE_REAL_TORCH else pickle.UnpicklingError):
        torch.load(FIXTURES / "evil_bad_memo.pt", weights_only=True)
    with pytest.raises(RuntimeError, match="PytorchStreamReader failed reading zip archive"):
        torch.load(FIXTURES / "evil_truncated.pt", weights_only=True)
    with pytest.raises(FileNotFoundError):
        torch.load(os.path.join(str(FIXTURES), "no_such_file.pt"))


@pytest.mark.skipif(USE_REAL_TORCH, reason="PyTorch pickles any object")
def test_unsupported_objects_are_a_type_error():
    with pytest.raises(TypeError, match="cannot save an object of type 'set'"):
        torch.save({1, 2}, io.BytesIO())

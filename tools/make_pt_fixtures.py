"""Writes the `.pt` fixtures of ember's checkpoint tests with real PyTorch, and checks that
PyTorch loads what ember writes.

    ~/torch-venv/bin/python tools/make_pt_fixtures.py

Writes into crates/ember/tests/fixtures/pt/ (PyTorch 2.15):

  lenet.pt             torch.save(model.state_dict()) of a LeNet for 1x28x28 input
  lenet_io.pt          {"input": a batch of 4, "logits": the model's output for it}
  checkpoint.pt        {"model": sd, "optimizer": adam.state_dict(), "epoch": 3} after 3 steps
  checkpoint_sgd.pt    the same with SGD (momentum 0.9, weight decay)
  checkpoint_next.pt   per optimizer: the batch and the state dict after one more step
  views_dtypes.pt      views sharing storage, every dtype, 0-dim/empty tensors, parameters,
                       the Python scalars and containers
  legacy.pt            the pre-1.6 format (_use_new_zipfile_serialization=False)
  protocol4.pt         torch.save(..., pickle_protocol=4): FRAME, MEMOIZE, short strings
  evil_*.pt            pickles calling posix.system / builtins.eval / os.system (made
                       with __reduce__, never loaded here), one reading a memo slot never
                       written, a truncated archive

and seeds for the `pt` fuzz target into fuzz/corpus/pt/.

Then, if ember has written crates/ember/tests/fixtures/pt/ember_written.pt (the Rust test
`io_pt::ember_written_file_is_stable` keeps it equal to what ember writes now; set
EMBER_WRITE_PT_FIXTURES=1 when running it to rewrite it), this script loads it with
`torch.load(weights_only=True)` and checks every value, the sharing of its views, and that
its model and Adam state load into PyTorch's and step as PyTorch's own would. So CI, which
has no PyTorch, checks that ember still writes that file, and this script checks that
PyTorch reads it.
"""

import collections
import io
import os
import pickle
import sys
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "ember", "tests", "fixtures", "pt")
SEEDS = os.path.join(ROOT, "fuzz", "corpus", "pt")


def path(name):
    return os.path.join(OUT, name)


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


def train_data():
    """The fixed batch of the checkpoint tests (ember's test builds the same with arange)."""
    x = (torch.arange(24, dtype=torch.float32).reshape(6, 4) - 11.5) / 7.0
    y = torch.sin(torch.arange(18, dtype=torch.float32).reshape(6, 3))
    return x, y


def step(model, opt, x, y):
    opt.zero_grad()
    F.mse_loss(model(x), y).backward()
    opt.step()


def make_lenet():
    torch.manual_seed(0)
    model = LeNet()
    torch.save(model.state_dict(), path("lenet.pt"))
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        logits = model(x)
    torch.save({"input": x, "logits": logits}, path("lenet_io.pt"))


OPTIMIZERS = {
    "adam": lambda p: torch.optim.Adam(p, lr=1e-2),
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-3),
}


def make_checkpoints():
    x, y = train_data()
    nxt = {}
    for name, make in OPTIMIZERS.items():
        torch.manual_seed(1)
        model = mlp()
        opt = make(model.parameters())
        for _ in range(3):
            step(model, opt, x, y)
        ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}
        torch.save(ckpt, path("checkpoint.pt" if name == "adam" else f"checkpoint_{name}.pt"))
        step(model, opt, x, y)
        nxt[name] = {"input": x, "target": y, "after_step": model.state_dict()}
    torch.save(nxt, path("checkpoint_next.pt"))


def views_dtypes():
    w = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    d = collections.OrderedDict()
    d["w"] = w
    d["wt"] = w.t()
    d["row"] = w[1]
    d["cols"] = w[:, 1:3]
    d["expanded"] = torch.arange(3.0).reshape(3, 1).expand(3, 4)
    for dt in [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
               torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool]:
        d[str(dt).replace("torch.", "")] = (torch.arange(6).reshape(2, 3) - 2).to(dt)
    d["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    d["empty"] = torch.empty(0, 3)
    d["param"] = nn.Parameter(torch.tensor([1.0, -2.0]))
    d["frozen"] = nn.Parameter(torch.tensor([3.0]), requires_grad=False)
    d["grad_leaf"] = torch.tensor([0.5], requires_grad=True)
    d["tied"] = w  # the same tensor twice: one memo entry, one tensor in ember
    d["extras"] = {
        1: None, "neg": -5, "big": 2**40, "pi": 3.25, "flag": True, "text": "héllo",
        "raw": b"\x00\xffab", "pair": (0.9, 0.999), "nested": [[1, 2], (3,), []],
    }
    return d


def make_views_dtypes():
    torch.save(views_dtypes(), path("views_dtypes.pt"))


def make_legacy():
    x = torch.arange(6.0)
    torch.save({"x": x, "middle": x[2:4], "n": 3, "name": "legacy"}, path("legacy.pt"),
               _use_new_zipfile_serialization=False)


def make_protocol4():
    d = {"a": torch.ones(2, dtype=torch.float64), "b": [torch.arange(3), "x" * 3], "c": b"xy"}
    torch.save(d, path("protocol4.pt"), pickle_protocol=4)


class Reduce:
    """An object that pickles as `func(*args)`: what a malicious file holds."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def archive(pkl):
    """A zip laid out as torch.save's, around a hand-made pickle."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        for name, data in [("data.pkl", pkl), ("byteorder", "little"), ("version", "3\n")]:
            # A fixed date: the same file each run.
            z.writestr(zipfile.ZipInfo("archive/" + name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return b.getvalue()


def make_malicious():
    # os.system pickles as posix.system on Linux; a literal `os` module is written by hand.
    evil = {
        "evil_posix_system.pt": pickle.dumps(Reduce(os.system, ("echo pwned",)), protocol=2),
        "evil_builtins_eval.pt": pickle.dumps(Reduce(eval, ("1+1",)), protocol=2),
        "evil_os_system.pt": b"\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.",
        "evil_bad_memo.pt": b"\x80\x02]q\x00(h\x05e.",
    }
    for name, pkl in evil.items():
        with open(path(name), "wb") as f:
            f.write(archive(pkl))
    with open(path("views_dtypes.pt"), "rb") as f:
        data = f.read()
    with open(path("evil_truncated.pt"), "wb") as f:
        f.write(data[: len(data) * 3 // 5])


def make_seeds():
    """Seeds with stable names (torch.save draws a random serialization id, so names from
    the contents would add new files each run); added to what is there, so a minimised
    corpus keeps its other inputs."""
    os.makedirs(SEEDS, exist_ok=True)
    seeds = {}
    names = ["checkpoint.pt", "views_dtypes.pt", "legacy.pt", "protocol4.pt"]
    names += sorted(n for n in os.listdir(OUT) if n.startswith("evil_"))
    for name in names:
        with open(path(name), "rb") as f:
            seeds["fixture_" + name[: -len(".pt")]] = f.read()
    # Small files, one feature each, so that mutations stay near a valid file.
    small = [
        torch.tensor(1.5), torch.zeros(0), torch.arange(4, dtype=torch.int16),
        [torch.ones(2, 2).t()], (1, "a", None), {"k": [1.0, 2**40, -1]},
        collections.OrderedDict(a=torch.tensor([True, False])), b"bytes",
        nn.Parameter(torch.ones(1)), {"s": torch.ones(4)[1:3], "base": torch.ones(4)},
    ]
    forms = {"zip": {}, "legacy": {"_use_new_zipfile_serialization": False},
             "proto4": {"pickle_protocol": 4}}
    for i, obj in enumerate(small):
        for form, kw in forms.items():
            b = io.BytesIO()
            torch.save(obj, b, **kw)
            seeds[f"small_{i}_{form}"] = b.getvalue()
    for name, b in seeds.items():
        with open(os.path.join(SEEDS, name), "wb") as f:
            f.write(b)
    return len(seeds)


def verify_ember_written():
    """PyTorch loads ember's file with weights_only=True, with the values ember put in it
    (crates/ember/tests/integration/io_pt.rs, `ember_checkpoint`, builds them)."""
    p = path("ember_written.pt")
    if not os.path.exists(p):
        print("no ember_written.pt yet: run the Rust test io_pt::ember_written_file_is_stable")
        return
    ck = torch.load(p, weights_only=True)
    w = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    v = ck["views"]
    assert isinstance(v, collections.OrderedDict)
    assert torch.equal(v["w"], w) and torch.equal(v["wt"], w.t()) and torch.equal(v["cols"], w[:, 1:3])
    ptr = v["w"].untyped_storage().data_ptr()
    assert v["wt"].untyped_storage().data_ptr() == ptr and v["cols"].untyped_storage().data_ptr() == ptr
    assert v["wt"].stride() == (1, 4) and v["cols"].storage_offset() == 1
    for dt in [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
               torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool]:
        t = ck["dtypes"][str(dt).replace("torch.", "")]
        assert t.dtype == dt and torch.equal(t, torch.arange(6).reshape(2, 3).to(dt)), dt
    assert ck["scalar"].dim() == 0 and ck["scalar"].item() == 2.5
    assert ck["empty"].shape == (0, 3)
    assert isinstance(ck["param"], nn.Parameter) and ck["param"].requires_grad
    assert ck["extras"] == {"epoch": 3, "neg": -5, "big": 2**40, "pi": 3.25, "flag": True,
                            "none": None, "text": "héllo", "raw": b"\x00\xffab",
                            "pair": (0.9, 0.999), "nested": [[1, 2], (3,), []]}, ck["extras"]
    # The model and its Adam state: PyTorch trains on from them as from its own checkpoint.
    x, y = train_data()
    model = mlp()
    model.load_state_dict(ck["model"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    opt.load_state_dict(ck["optimizer"])
    assert opt.state_dict()["state"][0]["step"].item() == 2.0
    step(model, opt, x, y)
    # ember wrote the state after 2 steps from fixed weights; PyTorch takes the third, and
    # must match PyTorch doing all three (the weights ember started from are in "start").
    ref = mlp()
    ref.load_state_dict(ck["start"])
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    for _ in range(3):
        step(ref, ref_opt, x, y)
    for k, t in ref.state_dict().items():
        assert torch.allclose(model.state_dict()[k], t, rtol=1e-5, atol=1e-6), k
    print(f"verified ember_written.pt with torch {torch.__version__}")


def main():
    os.makedirs(OUT, exist_ok=True)
    make_lenet()
    make_checkpoints()
    make_views_dtypes()
    make_legacy()
    make_protocol4()
    make_malicious()
    n = make_seeds()
    print(f"wrote {OUT} and {n} seeds into {SEEDS}")
    verify_ember_written()


if __name__ == "__main__":
    sys.exit(main())

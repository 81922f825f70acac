"""``torch.Generator`` and the ``generator=`` argument: PyTorch's numbers for a seed (cases
in data_cases.py, PyTorch's results in data_expected/, see tools/make_data_expected.py), a
default stream that does not move, states in PyTorch's layout, PyTorch's errors."""

import json
import pathlib
import threading

import pytest
import torch

import data_cases

EXPECTED = json.loads(
    (pathlib.Path(__file__).resolve().parent / "data_expected" / "data_expected.json").read_text(encoding="utf-8")
)["cases"]

GEN_CASES = [name for name in data_cases.CASES if name.startswith("gen_")]


@pytest.mark.parametrize("name", GEN_CASES)
def test_matches_pytorch(name):
    data_cases.close(data_cases.encode(data_cases.CASES[name](torch)), EXPECTED[name])


def test_the_documented_values():
    assert torch.randperm(10, generator=torch.Generator().manual_seed(3)).tolist() == [6, 0, 3, 7, 8, 5, 1, 9, 2, 4]
    g = torch.Generator().manual_seed(3)
    assert torch.randint(0, 10, (5,), generator=g).tolist() == [6, 8, 7, 7, 0]
    assert torch.rand(3, generator=g).tolist() == [0.06011629104614258, 0.7718658447265625, 0.7436993718147278]


def test_manual_seed_returns_the_generator_and_replays():
    g = torch.Generator()
    assert g.manual_seed(4) is g
    a = torch.rand(5, generator=g)
    assert torch.equal(a, torch.rand(5, generator=g.manual_seed(4)))
    assert g.initial_seed() == 4
    assert g.device == torch.device("cpu")


def test_seed_is_fresh_and_reseeds():
    g = torch.Generator()
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert torch.equal(torch.rand(3, generator=g), torch.rand(3, generator=torch.Generator().manual_seed(s)))
    assert g.seed() != s


def test_default_generator_is_the_global_stream():
    torch.manual_seed(21)
    assert torch.default_generator.initial_seed() == 21
    a = torch.rand(3, generator=torch.default_generator)
    torch.manual_seed(21)
    assert torch.equal(a, torch.rand(3))
    torch.default_generator.manual_seed(21)
    assert torch.equal(a, torch.rand(3))


def test_clone_state():
    g = torch.Generator().manual_seed(8)
    torch.rand(2, generator=g)
    h = g.clone_state()
    assert torch.equal(torch.rand(4, generator=g), torch.rand(4, generator=h))


def test_shared_generator_across_threads_gives_each_draw_once():
    g = torch.Generator().manual_seed(0)
    out = []
    lock = threading.Lock()

    def draw():
        for _ in range(50):
            v = torch.randperm(8, generator=g)
            with lock:
                out.append(tuple(v.tolist()))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    ref = torch.Generator().manual_seed(0)
    serial = [tuple(torch.randperm(8, generator=ref).tolist()) for _ in range(200)]
    assert sorted(out) == sorted(serial)


def expect(exc, match, fn):
    with pytest.raises(exc) as info:
        fn()
    assert match in str(info.value), str(info.value)


def test_errors_as_pytorch():
    g = torch.Generator()
    expect(TypeError, "argument 'generator' must be torch.Generator, not int", lambda: torch.empty(3).normal_(generator=5))
    # PyTorch words these as its overload errors ("invalid combination of arguments").
    expect(TypeError, "generator", lambda: torch.rand(3, generator=5))
    expect(TypeError, "generator", lambda: torch.randperm(3, generator="a"))
    expect(RuntimeError, "manual_seed expected a long, but got float", lambda: g.manual_seed(1.5))
    expect(ValueError, "Overflow when unpacking long long", lambda: g.manual_seed(2**64))
    expect(TypeError, "expected a torch.ByteTensor, but got int", lambda: g.set_state(5))
    expect(TypeError, "RNG state must be a torch.ByteTensor", lambda: g.set_state(torch.zeros(5056)))
    expect(RuntimeError, "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10",
           lambda: g.set_state(torch.zeros(10, dtype=torch.uint8)))
    expect(RuntimeError, "Invalid mt19937 state", lambda: g.set_state(torch.zeros(5056, dtype=torch.uint8)))
    expect(RuntimeError, "META device type not an accelerator.", lambda: torch.Generator("meta"))


def test_random_errors_as_pytorch():
    expect(RuntimeError, "from is out of bounds for unsigned char", lambda: torch.empty(3, dtype=torch.uint8).random_(-1, 5))
    expect(RuntimeError, "to - 1 is out of bounds for unsigned char",
           lambda: torch.empty(3, dtype=torch.uint8).random_(0, 300))
    expect(RuntimeError, "random_ expects 'from' to be less than 'to', but got from=5 >= to=3",
           lambda: torch.empty(3).random_(5, 3))
    expect(RuntimeError, "from is out of bounds for c10::Half", lambda: torch.empty(1, dtype=torch.float16).random_(-2**62, 0))
    expect(RuntimeError, "a leaf Variable that requires grad", lambda: torch.empty(3, requires_grad=True).random_())
    with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
        torch.empty(3).random_(0, 2**30)


def test_random_on_an_empty_tensor_draws_nothing():
    torch.manual_seed(3)
    a = torch.rand(1)
    torch.manual_seed(3)
    torch.empty(0, dtype=torch.int64).random_()
    assert torch.equal(torch.rand(1), a)


def test_generator_pickles_and_deepcopies():
    import copy
    import pickle

    g = torch.Generator().manual_seed(3)
    torch.rand(2, generator=g)
    copies = [copy.deepcopy(g)]
    try:
        pickle.dumps(torch.zeros(1))
    except TypeError:
        pass  # the state travels as a tensor, as PyTorch's; it pickles once tensors do
    else:
        copies.append(pickle.loads(pickle.dumps(g)))
    for h in copies:
        assert h is not g and h.initial_seed() == 3
        assert torch.equal(torch.rand(4, generator=h), torch.rand(4, generator=g.clone_state()))
    torch.manual_seed(6)
    d = copy.deepcopy(torch.default_generator)
    assert d is not torch.default_generator
    assert torch.equal(torch.rand(3, generator=d), torch.rand(3))


def test_fork_rng_restores_the_stream():
    torch.manual_seed(0)
    want = torch.rand(2)
    torch.manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        torch.rand(5)
    assert torch.equal(torch.rand(2), want)
    assert torch.random.initial_seed() == 0

"""Tensor basics through the Python API: construction, attributes, operators, indexing,
printing. Expected values are PyTorch 2.15's (each test also runs on PyTorch with
EMBER_TEST_TORCH=1)."""

import copy

import pytest
import torch


def test_shapes_as_varargs_or_sequence():
    assert torch.zeros(5, 3).shape == torch.zeros((5, 3)).shape == torch.zeros([5, 3]).shape
    assert torch.zeros(5, 3).shape == (5, 3)
    assert repr(torch.ones(2, 3).size()) == "torch.Size([2, 3])"
    assert torch.ones(2, 3).size(1) == 3
    assert torch.ones(2, 3).size(-2) == 2
    assert torch.zeros(torch.Size([2, 4])).numel() == 8


def test_dtypes_and_defaults():
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert torch.tensor([1.0, 2]).dtype is torch.float32
    assert torch.tensor([True]).dtype is torch.bool
    assert torch.tensor([1, 2], dtype=torch.double).dtype is torch.float64
    assert torch.tensor([1, 2], dtype=float).dtype is torch.float64
    assert torch.zeros(2, dtype=torch.long).dtype is torch.int64
    assert torch.float is torch.float32 and torch.long is torch.int64
    assert repr(torch.float64) == "torch.float64"
    assert torch.float32.is_floating_point and not torch.int64.is_floating_point
    assert torch.full((2,), 3).dtype is torch.int64
    assert torch.full((2,), 3.0).dtype is torch.float32
    assert torch.arange(5).dtype is torch.int64
    assert torch.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]


def test_legacy_constructors():
    x = torch.Tensor([[5, 3], [4, 1]])
    assert x.dtype is torch.float32 and x.tolist() == [[5.0, 3.0], [4.0, 1.0]]
    assert torch.FloatTensor(3).shape == (3,)
    assert torch.LongTensor([1, 2]).dtype is torch.int64
    assert torch.Tensor().shape == (0,)
    assert x.type() == "torch.FloatTensor"


def test_item_tolist_and_python_numbers():
    x = torch.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert x.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert isinstance(torch.tensor(3).item(), int)
    assert isinstance(torch.tensor(True).item(), bool)
    assert float(torch.tensor([2.5])) == 2.5
    assert int(torch.tensor(7.9)) == 7
    assert bool(torch.tensor([0.0])) is False
    assert "{:.2f}".format(torch.tensor(1.2345)) == "1.23"
    assert "{}".format(torch.tensor(42.0)) == "42.0"
    assert len(torch.zeros(4, 2)) == 4
    assert [t.tolist() for t in torch.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        torch.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torch.tensor(1.0))


def test_operators_promote_like_pytorch():
    x = torch.tensor([1, 2, 3])
    assert (x * 2).dtype is torch.int64
    assert (x * 2.5).dtype is torch.float32
    assert (x / 2).tolist() == [0.5, 1.0, 1.5]
    assert (2 - x).tolist() == [1, 0, -1]
    assert (1 / torch.tensor([2.0, 4.0])).tolist() == [0.5, 0.25]
    assert (2 ** torch.tensor([1.0, 3.0])).tolist() == [2.0, 8.0]
    assert (-x).tolist() == [-1, -2, -3]
    assert abs(torch.tensor([-1.5])).tolist() == [1.5]
    assert (x // 2).tolist() == [0, 1, 1]
    assert (torch.tensor([-7, 7]) % 3).tolist() == [2, 1]
    assert (torch.tensor([[1.0, 2.0]]) @ torch.tensor([[3.0], [4.0]])).tolist() == [[11.0]]
    assert (x > 1).tolist() == [False, True, True]
    assert (1 < x).tolist() == [False, True, True]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert (x == 2).dtype is torch.bool
    assert (x == None) is False  # noqa: E711  (Python falls back to identity)
    assert 2 in x and 5 not in x


def test_inplace_operators_bump_the_version_and_keep_identity():
    y = torch.ones(3)
    v = y._version
    z = y
    y += 1
    y *= torch.tensor([1.0, 2.0, 3.0])
    y -= 0.5
    y /= 2
    assert y is z
    assert y.tolist() == [0.75, 1.75, 2.75]
    assert y._version == v + 4
    assert torch.ones(2).add_(torch.ones(2), alpha=3).tolist() == [4.0, 4.0]


def test_functions_and_keywords():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = torch.ones(2, 2)
    result = torch.empty(2, 2)
    r = torch.add(x, y, out=result)
    assert r is result and result.tolist() == [[2.0, 3.0], [4.0, 5.0]]
    assert torch.add(x, y, alpha=2).tolist() == [[3.0, 4.0], [5.0, 6.0]]
    assert torch.sum(x, dim=0).tolist() == [4.0, 6.0]
    assert x.sum(1, keepdim=True).shape == (2, 1)
    assert x.sum((0, 1)).item() == 10.0
    assert x.mean().item() == 2.5
    assert torch.exp(torch.tensor([0.0])).tolist() == [1.0]
    assert torch.clamp(x, min=2.5).tolist() == [[2.5, 2.5], [3.0, 4.0]]
    assert x.clamp(max=2).tolist() == [[1.0, 2.0], [2.0, 2.0]]
    assert torch.max(x).item() == 4.0
    v, i = torch.max(x, 1)
    assert v.tolist() == [2.0, 4.0] and i.tolist() == [1, 1]
    assert torch.max(x, dim=0).indices.tolist() == [1, 1]
    assert torch.max(x, y).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x.var().item() == pytest.approx(1.6666666269302368)
    assert x.std(0, unbiased=False).tolist() == [1.0, 1.0]
    assert torch.cat((x, y), 1).shape == (2, 4)
    assert torch.stack((x, y)).shape == (2, 2, 2)
    assert torch.where(x > 2, x, y).tolist() == [[1.0, 1.0], [3.0, 4.0]]
    assert x.view(-1, 4).shape == (1, 4) and x.view(4).shape == (4,)
    assert x.t().is_contiguous() is False
    assert x.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert torch.pow(2, torch.tensor([1, 2])).tolist() == [2, 4]
    assert torch.div(torch.tensor([7, -7]), 2, rounding_mode="floor").tolist() == [3, -4]
    assert torch.div(torch.tensor([7, -7]), 2, rounding_mode="trunc").tolist() == [3, -3]


def test_indexing_reads_and_writes():
    x = torch.arange(12).view(3, 4)
    assert x[1].tolist() == [4, 5, 6, 7]
    assert x[:, 1:].shape == (3, 3)
    assert x[::2, ::3].tolist() == [[0, 3], [8, 11]]
    assert x[None].shape == (1, 3, 4)
    assert x[..., 0].tolist() == [0, 4, 8]
    assert x[x > 9].tolist() == [10, 11]
    assert x[[0, 2]].tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert x[torch.tensor([2]), 1:3].tolist() == [[9, 10]]
    g = torch.tensor([[-1.0, 2.0], [3.0, -4.0]])
    g[g < 0] = 0
    assert g.tolist() == [[0.0, 2.0], [3.0, 0.0]]
    x[0, :] = 100
    x[1] = torch.tensor([1, 2, 3, 4])
    x[2, [0, 3]] = -1
    assert x.tolist() == [[100, 100, 100, 100], [1, 2, 3, 4], [-1, 9, 10, -1]]
    with pytest.raises(IndexError):
        x[5]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]


def test_views_share_memory():
    x = torch.zeros(2, 3)
    v = x[0]
    v.fill_(7)
    assert x.tolist() == [[7.0, 7.0, 7.0], [0.0, 0.0, 0.0]]
    assert x.t()._base is x or x.t()._is_view()


def test_repr_matches_pytorch():
    assert repr(torch.tensor([5.5, 3])) == "tensor([5.5000, 3.0000])"
    assert repr(torch.zeros(2, 2, dtype=torch.long)) == "tensor([[0, 0],\n        [0, 0]])"
    x = torch.tensor([[1, 2], [3, 4]], dtype=torch.double, requires_grad=True)
    assert repr(x) == "tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64, requires_grad=True)"
    assert str(2 * x + 1) == (
        "tensor([[3., 5.],\n        [7., 9.]], dtype=torch.float64, grad_fn=<AddBackward0>)"
    )
    assert repr(torch.device("cpu")) == "device(type='cpu')"
    assert str(torch.device("cuda:1")) == "cuda:1"


def test_to_and_conversions():
    x = torch.tensor([1.7, -2.2])
    assert x.to(torch.int64).tolist() == [1, -2]
    assert x.to("cpu") is x
    assert x.to(torch.float32) is x
    assert x.long().dtype is torch.int64 and x.double().dtype is torch.float64
    assert x.to(dtype=torch.float64, copy=True).dtype is torch.float64
    assert x.cpu() is x
    assert x.new_ones(2, 3).dtype is torch.float32
    assert x.new_zeros((2,), dtype=torch.int32).dtype is torch.int32
    assert torch.zeros_like(x, dtype=torch.long).dtype is torch.int64
    assert torch.randn_like(x, dtype=torch.double).dtype is torch.float64
    y = copy.deepcopy(x)
    y.add_(1)
    assert x.tolist() != y.tolist()


def test_seeded_random_streams_match_pytorch():
    # torch.manual_seed(0); torch.rand(3) / torch.randn(2) in PyTorch 2.15.
    torch.manual_seed(0)
    assert torch.rand(3).tolist() == pytest.approx([0.49625658988952637, 0.7682217955589294, 0.08847743272781372])
    torch.manual_seed(0)
    assert torch.randn(2).tolist() == pytest.approx([1.5409960746765137, -0.293428897857666])


def test_cuda_is_absent_here():
    assert torch.cuda.is_available() is False
    assert torch.cuda.device_count() == 0

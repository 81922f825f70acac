"""The meta device through the Python front: PyTorch's printing, errors and shapes-only ops
(runs on real PyTorch too, with EMBER_TEST_TORCH=1)."""

import pytest
import torch
import torch.nn as nn


def test_meta_tensors_print_and_compute_shapes():
    x = torch.empty(2, 3, device="meta")
    assert repr(x) == "tensor(..., device='meta', size=(2, 3))"
    assert x.is_meta and not x.is_cpu
    assert x.device == torch.device("meta")
    assert str(x.device) == "meta"
    assert repr(torch.device("meta")) == "device(type='meta')"
    y = (x @ torch.ones(3, 4, device="meta")).relu().sum(1)
    assert y.shape == (2,) and y.is_meta
    assert repr(torch.arange(5, device="meta")) == (
        "tensor(..., device='meta', size=(5,), dtype=torch.int64)"
    )
    assert torch.ones(2, 3).to("meta").is_meta


def test_reading_meta_values_is_an_error():
    x = torch.empty(2, 3, device="meta")
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        x.tolist()
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        x.cpu()
    with pytest.raises(RuntimeError, match="Tensor.item\\(\\) cannot be called on meta tensors"):
        x.sum().item()
    with pytest.raises(NotImplementedError):
        x.nonzero()


def test_meta_autograd():
    w = torch.randn(3, 4, device="meta", requires_grad=True)
    (torch.empty(2, 3, device="meta") @ w).tanh().mean().backward()
    assert w.grad.shape == (3, 4) and w.grad.is_meta


def test_modules_on_meta_and_to_empty():
    with torch.device("meta"):
        model = nn.Sequential(nn.Linear(32768, 16384), nn.ReLU(), nn.Linear(16384, 32768))
    assert torch.empty(1).device == torch.device("cpu")
    assert sum(p.numel() for p in model.parameters()) == 1_073_790_976
    assert model[0].weight.is_meta
    assert repr(model[0].weight) == (
        "Parameter containing:\ntensor(..., device='meta', size=(16384, 32768), requires_grad=True)"
    )
    small = nn.Linear(3, 2, device="meta")
    small.to_empty(device="cpu")
    assert small.weight.device == torch.device("cpu") and small.weight.requires_grad
    assert small(torch.ones(1, 3)).shape == (1, 2)


def test_default_device():
    torch.set_default_device("meta")
    try:
        assert torch.zeros(2).is_meta
        assert torch.get_default_device() == torch.device("meta")
    finally:
        torch.set_default_device(None)
    assert torch.zeros(2).device == torch.device("cpu")

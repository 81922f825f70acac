"""NumPy interop: from_numpy and .numpy() share memory both ways; torch.tensor copies;
ndarray (op) tensor defers to the tensor."""

import numpy as np
import pytest
import torch


def test_numpy_shares_the_tensors_memory():
    a = torch.ones(5)
    b = a.numpy()
    assert b.dtype == np.float32
    b[1] = 10
    assert a.tolist() == [1.0, 10.0, 1.0, 1.0, 1.0]
    a.add_(1)
    assert b.tolist() == [2.0, 11.0, 2.0, 2.0, 2.0]
    t = torch.arange(6).view(2, 3).t()
    assert t.numpy().tolist() == [[0, 3], [1, 4], [2, 5]]


def test_from_numpy_shares_the_arrays_memory():
    a = np.ones(5)
    b = torch.from_numpy(a)
    np.add(a, 1, out=a)
    assert b.dtype is torch.float64 and b.tolist() == [2.0] * 5
    b.mul_(3)
    assert a.tolist() == [6.0] * 5
    a = a + 1  # a new array: the tensor keeps the old one alive and unchanged
    assert b.tolist() == [6.0] * 5
    f = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert torch.from_numpy(f).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert torch.from_numpy(np.array([True, False])).dtype is torch.bool


def test_tensor_copies():
    a = np.array([1, 2, 3])
    t = torch.tensor(a)
    a[0] = 100
    assert t.tolist() == [1, 2, 3] and t.dtype is torch.int64
    assert torch.tensor(np.float32(2.5)).dtype is torch.float32 or torch.tensor(np.float32(2.5)).item() == 2.5


def test_arrays_and_tensors_mix():
    a = np.ones(3)
    r = torch.ones(3) + a
    assert isinstance(r, torch.Tensor) and r.dtype is torch.float64
    # NumPy defers to the tensor, whose reflected operators take no arrays (as PyTorch's).
    with pytest.raises(TypeError):
        a * torch.ones(3)
    assert np.asarray(torch.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert np.array(torch.zeros(2, 2)).shape == (2, 2)


def test_numpy_errors():
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        torch.ones(2, requires_grad=True).numpy()
    assert torch.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.longdouble"):
        torch.from_numpy(np.zeros(2, dtype=np.longdouble))
    with pytest.raises(ValueError, match="negative"):
        torch.from_numpy(np.arange(4)[::-1])


def test_numpy_scalars_keep_their_dtype():
    # PyTorch: torch.tensor(np.float64(1.5)) is a 0-dim float64 tensor, and so on.
    cases = [
        (np.float64(1.5), torch.float64),
        (np.float32(1.5), torch.float32),
        (np.float16(1.5), torch.float16),
        (np.int32(3), torch.int32),
        (np.int64(3), torch.int64),
        (np.uint8(3), torch.uint8),
        (np.bool_(True), torch.bool),
    ]
    for value, dtype in cases:
        for make in (torch.tensor, torch.as_tensor):
            t = make(value)
            assert t.dtype == dtype, (value, make)
            assert t.shape == ()
            assert t.item() == value.item()
    assert torch.tensor(np.float64(2.5), dtype=torch.float32).dtype == torch.float32


def test_zero_dim_arrays_stay_zero_dim():
    # PyTorch: torch.tensor(np.array(2.5)) has shape (); as does from_numpy.
    a = np.array(2.5)
    for t in (torch.tensor(a), torch.as_tensor(a)):
        assert t.shape == () and t.dtype == torch.float64 and t.item() == 2.5

"""Errors reach Python as the exception PyTorch raises, with PyTorch's message; never as a
Rust panic."""

import pytest
import torch


def test_shape_mismatch_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 0"):
        torch.ones(3) + torch.ones(4)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        torch.ones(2, 3).mm(torch.ones(2, 3))
    with pytest.raises(RuntimeError, match="shape '\\[5\\]' is invalid for input of size 4"):
        torch.ones(4).view(5)


def test_dimension_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        torch.ones(2, 3).sum(2)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        torch.ones(3)[3]


def test_dtype_errors():
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        torch.tensor([True]).abs()
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        torch.ones(2, dtype=torch.long).add_(0.5)


def test_value_errors():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        torch.arange(4)[::-2]


def test_linalg_error_is_a_runtime_error_subclass():
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.zeros(2, 2))


def test_wrong_argument_types_are_type_errors():
    x = torch.ones(2)
    with pytest.raises(TypeError) as e:
        torch.add(x, "a")
    # PyTorch names the argument in the message, ember (PyO3) in a note on the exception.
    assert "other" in str(e.value) + " ".join(getattr(e.value, "__notes__", []))
    with pytest.raises(TypeError) as e:
        x.mm("a")
    assert "mat2" in str(e.value) + " ".join(getattr(e.value, "__notes__", []))
    with pytest.raises(TypeError, match="must be Tensor"):
        torch.exp(3.0)
    with pytest.raises(TypeError):
        x.view("a")
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        torch.exp(x, 3)


def test_autograd_errors():
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(2).retain_grad()
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        (x * 2).requires_grad_(False)

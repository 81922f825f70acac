"""PyTorch's UserWarnings, torch.set_num_threads, and F.embedding's max_norm /
scale_grad_by_freq. Runs on ember and, with EMBER_TEST_TORCH=1, on PyTorch itself."""

import warnings

import pytest
import torch
import torch.nn.functional as F

TARGET_5_VS_5X1 = (
    "Using a target size (torch.Size([5])) that is different to the input size "
    "(torch.Size([5, 1])). This will likely lead to incorrect results due to broadcasting. "
    "Please ensure they have the same size."
)


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss,
                                  torch.nn.MSELoss(), torch.nn.L1Loss()])
def test_a_mismatched_target_warns_once_per_call(loss):
    x, y = torch.zeros(5, 1), torch.zeros(5)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = loss(x, y)
    assert out.item() == 0.0
    # One warning, not one from the Python layer and another from the engine.
    assert [str(m.message) for m in w] == [TARGET_5_VS_5X1]
    assert all(m.category is UserWarning for m in w)


def test_the_warning_names_the_callers_line():
    x, y = torch.zeros(5, 1), torch.zeros(5)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        F.mse_loss(x, y)
    assert w[0].filename == __file__


def test_warnings_as_errors_raise():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="Using a target size"):
            F.mse_loss(torch.zeros(3), torch.zeros(1))


def test_set_num_threads():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.get_num_threads() == 1
        a = torch.arange(40000, dtype=torch.float64).reshape(200, 200) / 1e4
        one = (a @ a).sum().item()
        torch.set_num_threads(3)
        assert torch.get_num_threads() == 3
        assert abs((a @ a).sum().item() - one) <= 1e-9 * abs(one)
        for bad in (0, -2):
            with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
                torch.set_num_threads(bad)
    finally:
        torch.set_num_threads(before)


W0 = [[0.5, -1.5, 2.0], [0.1, 0.2, 0.3], [3.0, 0.0, -4.0], [1.0, 1.0, 1.0]]
IDX = [[2, 0, 2], [3, 2, 1]]


def test_embedding_max_norm_and_scale_grad_by_freq():
    w = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    y = F.embedding(torch.tensor(IDX), w, padding_idx=1, max_norm=1.5, norm_type=3.0,
                    scale_grad_by_freq=True)
    assert y.grad_fn.name() == "EmbeddingBackward0"
    # PyTorch 2.15's values: rows 0, 2 and 3 renormalised in place.
    want = [0.33227318726654276, -0.9968195617996283, 1.329092749066171, 0.1, 0.2, 0.3,
            1.0004576437252164, 0.0, -1.3339435249669551, 1.0, 1.0, 1.0]
    got = w.detach().reshape(-1).tolist()
    assert all(abs(a - b) <= 1e-12 for a, b in zip(got, want)), got
    (y * torch.arange(18, dtype=torch.float64).reshape(2, 3, 3)).sum().backward()
    assert w.grad.reshape(-1).tolist() == [3.0, 4.0, 5.0, 0.0, 0.0, 0.0, 6.0, 7.0,
                                           7.999999999999999, 9.0, 10.0, 11.0]


def test_embedding_module_options():
    e = torch.nn.Embedding(4, 3, padding_idx=1, max_norm=1.5, norm_type=3.0, scale_grad_by_freq=True)
    assert repr(e) == "Embedding(4, 3, padding_idx=1, max_norm=1.5, norm_type=3.0, scale_grad_by_freq=True)"
    with torch.no_grad():
        e.weight.copy_(torch.tensor(W0))
    e(torch.tensor([0, 0, 3])).sum().backward()
    assert e.weight.grad[0].tolist() == [1.0, 1.0, 1.0]
    assert e.weight.detach()[0].norm(3.0).item() == pytest.approx(1.5, rel=1e-6)
    assert e.weight.detach()[3].tolist() == [1.0, 1.0, 1.0]  # norm 3 ** (1/3) < 1.5: kept


def test_embedding_renorm_errors():
    with pytest.raises(IndexError, match=r"select\(\): index 7 out of range for tensor of size \[4, 3\]"):
        F.embedding(torch.tensor([7]), torch.tensor(W0), max_norm=1.0)
    w = torch.tensor(W0, requires_grad=True)
    F.embedding(torch.tensor([0]), w, max_norm=1.0)  # under no_grad inside F.embedding
    assert w.detach()[0].norm().item() == pytest.approx(1.0, rel=1e-6)


def test_grad_of_a_non_leaf_warns_once_from_the_callers_line():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert y.grad is None
    assert len(w) == 1 and w[0].category is UserWarning
    assert str(w[0].message).startswith(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
        "attribute won't be populated during autograd.backward()."
    )
    assert "for more information." in str(w[0].message)
    assert w[0].filename == __file__
    y.retain_grad()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y.grad, x.grad
    assert w == []

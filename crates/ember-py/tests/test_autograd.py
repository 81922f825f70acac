"""Autograd from Python: backward options, autograd.grad, grad_fn introspection, hooks,
retain_grad, no_grad as context manager and decorator, custom Functions, anomaly mode."""

import threading

import pytest
import torch


def test_seed_000_gradients():
    x = torch.tensor([[1, 2], [3, 4]], dtype=torch.double, requires_grad=True)
    y = 2 * x + 1
    z = y * y + 1
    out = z.mean()
    y.retain_grad()
    out.backward()
    assert x.grad.tolist() == [[3.0, 5.0], [7.0, 9.0]]
    assert y.grad.tolist() == [[1.5, 2.5], [3.5, 4.5]]
    assert z.grad is None
    assert out.grad_fn.name() == "MeanBackward0"
    (nxt, nr), = out.grad_fn.next_functions
    assert nxt.name() == "AddBackward0" and nr == 0


def test_backward_with_gradient_and_create_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.backward(torch.tensor([1.0, 0.5]), retain_graph=True)
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    y.sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn.name().endswith("CopyBackwards")
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z = (x * x).sum()
        z.backward()
        z.backward()


def test_autograd_grad_seed_003():
    t = torch.tensor([1.0, 2.0, 4.0]).requires_grad_()
    u = torch.tensor([10.0, 20.0]).requires_grad_()
    a = t.pow(2).sum() + u.log().sum()
    gt, gu = torch.autograd.grad(a, (t, u))
    assert gt.tolist() == [2.0, 4.0, 8.0]
    assert gu.tolist() == pytest.approx([0.1, 0.05])
    assert t.grad is None
    x = torch.tensor(3.0, requires_grad=True)
    (g,) = torch.autograd.grad(x ** 3, x, create_graph=True)
    (gg,) = torch.autograd.grad(g, x)
    assert g.item() == 27.0 and gg.item() == 18.0
    w = torch.tensor(1.0, requires_grad=True)
    assert torch.autograd.grad(x * 2, [x, w], allow_unused=True)[1] is None


def test_no_grad_forms():
    w = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        assert not (w * 2).requires_grad
        with torch.enable_grad():
            assert (w * 2).requires_grad
    assert (w * 2).requires_grad

    @torch.no_grad()
    def f():
        return w * 2

    @torch.no_grad
    def g():
        return w * 2

    assert not f().requires_grad and not g().requires_grad and torch.is_grad_enabled()
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with torch.no_grad():
        t = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_inplace_on_leaf_and_version_checks():
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w += 1
    with torch.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5] and w.is_leaf
    a = torch.ones(3, requires_grad=True)
    b = a.exp()
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_hooks_see_and_replace_gradients():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[30.0, 30.0]]
    assert x.grad.tolist() == [30.0, 30.0]
    h.remove()
    (x * 1).sum().backward()
    assert seen == [[30.0, 30.0]]


def test_hook_exception_propagates():
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2

    def bad(g):
        raise ValueError("boom from a hook")

    y.register_hook(bad)
    with pytest.raises(ValueError, match="boom from a hook"):
        y.sum().backward()


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        assert ctx.needs_input_grad == (True, False)
        return x * factor

    @staticmethod
    def backward(ctx, g):
        return g * ctx.factor, None


def test_custom_function():
    x = torch.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = MyReLU.apply(x)
    assert y.grad_fn.name() == "MyReLUBackward"
    (y * y).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0, 0.0, 8.0]
    z = Scale.apply(x, 2.5)
    z.sum().backward()
    assert x.grad.tolist() == [2.5, 6.5, 2.5, 10.5]


def test_custom_function_saved_tensors_are_version_checked():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = MyReLU.apply(h)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_gradcheck_and_variable():
    x = torch.randn(3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: (a * a).sin(), (x,))
    v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    assert isinstance(v, torch.Tensor) and v.requires_grad


def test_anomaly_mode_toggles():
    assert not torch.is_anomaly_enabled()
    with torch.autograd.detect_anomaly():
        assert torch.is_anomaly_enabled()
    assert not torch.is_anomaly_enabled()


def test_requires_grad_errors():
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can require gradients"):
        torch.tensor([1, 10]).requires_grad = True
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        torch.tensor([1, 10], requires_grad=True)
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        torch.ones(2).sum().backward()

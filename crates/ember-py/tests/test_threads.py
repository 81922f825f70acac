"""Python threads and the engine: backward and matmuls release the GIL, Python hooks and
Functions take it back, and nothing deadlocks or mixes results."""

import threading

import torch


class Double(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


def data(seed):
    torch.manual_seed(seed)
    return torch.randn(64, 64), torch.randn(32, 64)


def train(seed, w0, x, out):
    w = w0.clone().requires_grad_()
    for _ in range(30):
        h = Double.apply(x @ w)
        h.register_hook(lambda g: g * 0.5)
        loss = (h * h).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.01 * w.grad
            w.grad.zero_()
    out[seed] = w.detach().clone()


def test_concurrent_training_equals_serial():
    inputs = {s: data(s) for s in (1, 2, 3)}
    serial = {}
    for s, (w0, x) in inputs.items():
        train(s, w0, x, serial)
    threaded = {}
    threads = [threading.Thread(target=train, args=(s, w0, x, threaded)) for s, (w0, x) in inputs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in (1, 2, 3):
        assert torch.equal(serial[s], threaded[s])


def test_backward_while_other_threads_run_python():
    stop = threading.Event()
    counter = [0]

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        w = torch.randn(200, 200, requires_grad=True)
        for _ in range(5):
            y = (w @ w).tanh().sum()
            y.register_hook(lambda g: g)
            y.backward()
    finally:
        stop.set()
        t.join()
    assert w.grad is not None and counter[0] > 0

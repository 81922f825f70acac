"""The training loops of crates/ember/examples/bench_seed.rs in PyTorch, same thread count.

Usage: python bench/pytorch/bench_seed.py [--threads 2] [--iters 100]
           [--variant autograd|myrelu|nn-sgd|nn-adam|mlp|cnn]
Without --variant: one line per workload, the median milliseconds per iteration over 5
rounds; each workload runs in a fresh subprocess so its peak RSS (ru_maxrss) is its own.
With --variant: 10 warm-up steps, then --iters timed steps with no per-step output; the last
line is `ms_per_iter=<float>`, as the Rust example prints it (bench/compare.sh reads it).
"""
import argparse
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

N, D_IN, H, D_OUT = 64, 1000, 100, 10


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


def seed_autograd(custom):
    x, y = torch.randn(N, D_IN), torch.randn(N, D_OUT)
    w1 = torch.randn(D_IN, H, requires_grad=True)
    w2 = torch.randn(H, D_OUT, requires_grad=True)
    relu = MyReLU.apply if custom else (lambda h: h.clamp(min=0))

    def step():
        nonlocal w1, w2  # `w1 -= ...` rebinds the name (to the same tensor, updated in place)
        loss = (relu(x.mm(w1)).mm(w2) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            w1 -= 1e-6 * w1.grad
            w2 -= 1e-6 * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()

    return step


class TwoLayerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(D_IN, H)
        self.linear2 = nn.Linear(H, D_OUT)

    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


def seed_optim(adam):
    x, y = torch.randn(N, D_IN), torch.randn(N, D_OUT)
    if adam:
        model = TwoLayerNet()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    else:
        model = nn.Sequential(nn.Linear(D_IN, H), nn.ReLU(), nn.Linear(H, D_OUT))
        opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    loss_fn = nn.MSELoss(reduction="sum")

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def mlp():
    x, target = torch.randn(256, 784), torch.randint(0, 10, (256,))
    model = nn.Sequential(
        nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = F.cross_entropy(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def lenet():
    x, target = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        loss = F.cross_entropy(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


# --variant name -> (table name, builder); the same list as the Rust example's.
WORKLOADS = {
    "autograd": ("seed_autograd", lambda: seed_autograd(False)),
    "myrelu": ("seed_myrelu", lambda: seed_autograd(True)),
    "nn-sgd": ("seed_sequential_sgd", lambda: seed_optim(False)),
    "nn-adam": ("seed_twolayer_adam", lambda: seed_optim(True)),
    "mlp": ("mlp_784_1024_1024_10_adam", mlp),
    "cnn": ("lenet5_sgd_momentum", lenet),
}


def prepare(variant, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    step = WORKLOADS[variant][1]()
    for _ in range(10):
        step()
    return step


def timed(step, iters):
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    return (time.perf_counter() - t0) / iters


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_variant(variant, iters, threads):
    step = prepare(variant, threads)
    t = timed(step, iters)
    print(f"threads={torch.get_num_threads()}")
    print(f"peak_rss_mib={peak_rss_mib():.1f}")
    print(f"ms_per_iter={t * 1e3}")


def run_rounds(variant, iters, threads):
    step = prepare(variant, threads)
    times = [timed(step, iters) for _ in range(5)]
    name = WORKLOADS[variant][0]
    print(f"{name:32s} {statistics.median(times) * 1e3:9.3f} ms/iter  peak RSS {peak_rss_mib():7.1f} MiB")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=100)
    p.add_argument("--variant", choices=list(WORKLOADS))
    p.add_argument("--rounds", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.variant and args.rounds:
        run_rounds(args.variant, args.iters, args.threads)
        return
    if args.variant:
        run_variant(args.variant, args.iters, args.threads)
        return
    print(f"# torch {torch.__version__}, {args.threads} threads, {args.iters} iterations x 5 rounds")
    for variant in WORKLOADS:
        iters = args.iters if variant not in ("mlp", "cnn") else max(args.iters // 10, 5)
        subprocess.run(
            [sys.executable, __file__, "--variant", variant, "--rounds", "--iters", str(iters),
             "--threads", str(args.threads)],
            check=True,
        )


if __name__ == "__main__":
    main()

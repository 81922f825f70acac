"""Per-call cost of tiny ops from Python, as PyTorch users write them.

Usage: python bench/python/bench_tiny.py [--threads 2]
Prints one line per workload: `<name> <microseconds per call>` (best of 7 repeats of a
timeit loop). Run it as is for PyTorch; bench/python/as_ember.py runs it on ember.
"""
import argparse
import timeit

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads) if hasattr(torch, "set_num_threads") else None
    a = torch.rand(4)
    b = torch.rand(4)
    x = torch.rand(4, requires_grad=True)

    def fwd_bwd():
        y = (x * 2 + 1).sum()
        y.backward()

    cases = [
        ("a + b", lambda: a + b, 200_000),
        ("a.add_(b)", lambda: a.add_(b), 200_000),
        ("a.sum()", lambda: a.sum(), 200_000),
        ("a[1:]", lambda: a[1:], 200_000),
        ("(x*2+1).sum().backward()", fwd_bwd, 20_000),
    ]
    for name, f, n in cases:
        for _ in range(1000):
            f()
        best = min(timeit.repeat(f, number=n, repeat=7)) / n
        print(f"{name}\t{best * 1e6:.3f}")


if __name__ == "__main__":
    main()

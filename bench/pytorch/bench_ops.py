"""The workloads of crates/ember/benches/ops.rs in PyTorch, same thread count.

Usage: python bench/pytorch/bench_ops.py [--threads 2]
Prints one line per workload: name, median time, and throughput (GB/s or GFLOP/s).
"""
import argparse
import statistics
import time

import torch


def bench(fn, min_time=1.0, rounds=7):
    fn()  # warm up
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt > min_time / rounds:
            break
        n *= 2
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    big = 16 << 20
    a, b = torch.randn(big), torch.randn(big)
    out = torch.zeros(big)
    at, bt = a.view(4096, 4096).t(), b.view(4096, 4096).t()
    rows = []

    def gbps(name, fn, nbytes):
        t = bench(fn)
        rows.append((name, t, f"{nbytes / t / 1e9:.1f} GB/s"))

    gbps("elementwise/add_alloc_16M_f32", lambda: a + b, 3 * big * 4)
    gbps("elementwise/add_inplace_16M_f32", lambda: out.add_(b), 3 * big * 4)
    gbps("elementwise/add_out_16M_f32", lambda: torch.add(a, b, out=out), 3 * big * 4)
    gbps("elementwise/add_transposed_16M_f32", lambda: at + bt, 3 * big * 4)
    bm = b.view(4096, 4096)
    gbps("elementwise/add_transposed_contiguous_16M_f32", lambda: at + bm, 3 * big * 4)
    gbps("elementwise/exp_alloc_16M_f32", lambda: a.exp(), 2 * big * 4)
    gbps("elementwise/exp_inplace_16M_f32", lambda: out.exp_(), 2 * big * 4)
    gbps("elementwise/exp_transposed_16M_f32", lambda: at.exp(), 2 * big * 4)
    gbps("elementwise/relu_alloc_16M_f32", lambda: a.relu(), 2 * big * 4)
    gbps("reduce/sum_16M_f32", lambda: a.sum(), big * 4)
    m = a.view(4096, 4096)
    gbps("reduce/sum_dim0_4096x4096_f32", lambda: m.sum(0), big * 4)
    gbps("reduce/sum_dim1_4096x4096_f32", lambda: m.sum(1), big * 4)
    for dt, name in [(torch.float32, "f32"), (torch.float64, "f64")]:
        for n in [128, 512, 1024, 2048]:
            x, y = torch.randn(n, n, dtype=dt), torch.randn(n, n, dtype=dt)
            t = bench(lambda: x @ y)
            rows.append((f"matmul/{name}_{n}", t, f"{2 * n**3 / t / 1e9:.1f} GFLOP/s"))
    x, w1, gh = torch.randn(64, 1000), torch.randn(1000, 100), torch.randn(64, 100)
    seed_flops = 2 * 64 * 1000 * 100
    t = bench(lambda: x @ w1)
    rows.append(("matmul/seed_x_w1_64x1000x100", t, f"{seed_flops / t / 1e9:.1f} GFLOP/s"))
    t = bench(lambda: x.t() @ gh)
    rows.append(("matmul/seed_xt_gh_1000x64x100", t, f"{seed_flops / t / 1e9:.1f} GFLOP/s"))
    one, two = torch.ones(1), torch.ones(1)
    t = bench(lambda: one + two)
    rows.append(("overhead/add_tiny", t, ""))
    og = torch.ones(1, requires_grad=True)
    t = bench(lambda: og + two)
    rows.append(("overhead/add_tiny_recording", t, ""))

    def fb():
        (og + two).sum().backward()

    t = bench(fb)
    rows.append(("overhead/add_tiny_forward_backward", t, ""))
    print(f"# torch {torch.__version__}, {args.threads} threads")
    for name, t, tp in rows:
        print(f"{name:45s} {t * 1e6:12.2f} us  {tp}")


if __name__ == "__main__":
    main()

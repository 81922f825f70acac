//! Criterion benchmarks of ember's kernels (README "Performance"). Run with
//! `cargo bench -p ember --bench ops`; `bench/pytorch/bench_ops.py` measures the same
//! workloads in PyTorch with the same thread count.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const BIG: usize = 16 << 20;

fn elementwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("elementwise");
    g.sample_size(20);
    let a = ember::randn([BIG]);
    let b = ember::randn([BIG]);
    let out = ember::zeros([BIG]);
    g.throughput(Throughput::Bytes((3 * BIG * 4) as u64));
    g.bench_function("add_alloc_16M_f32", |bn| bn.iter(|| black_box(&a + &b)));
    g.bench_function("add_inplace_16M_f32", |bn| bn.iter(|| out.add_(&b)));
    g.bench_function("add_out_16M_f32", |bn| {
        bn.iter(|| ember::add_out(&a, &b, &out))
    });
    // The bandwidth ceiling the in-place and out= ops are held to: a plain rayon loop.
    let (va, vb) = (a.to_vec::<f32>(), b.to_vec::<f32>());
    let mut vo = vec![0f32; BIG];
    g.bench_function("plain_rust_add_into_16M_f32", |bn| {
        use rayon::prelude::*;
        bn.iter(|| {
            vo.par_chunks_mut(1 << 16)
                .zip(va.par_chunks(1 << 16).zip(vb.par_chunks(1 << 16)))
                .for_each(|(o, (x, y))| {
                    for ((o, x), y) in o.iter_mut().zip(x).zip(y) {
                        *o = x + y;
                    }
                })
        })
    });
    let at = a.view([4096, 4096]).t();
    let bt = b.view([4096, 4096]).t();
    g.bench_function("add_transposed_16M_f32", |bn| {
        bn.iter(|| black_box(&at + &bt))
    });
    // Operands in different memory orders: the strided path, output in `at`'s order.
    let bm = b.view([4096, 4096]);
    g.bench_function("add_transposed_contiguous_16M_f32", |bn| {
        bn.iter(|| black_box(&at + &bm))
    });
    g.throughput(Throughput::Bytes((2 * BIG * 4) as u64));
    g.bench_function("exp_alloc_16M_f32", |bn| bn.iter(|| black_box(a.exp())));
    g.bench_function("exp_inplace_16M_f32", |bn| {
        bn.iter(|| out.unary_(ember::UnaryOp::Exp))
    });
    g.bench_function("exp_transposed_16M_f32", |bn| {
        bn.iter(|| black_box(at.exp()))
    });
    g.bench_function("relu_alloc_16M_f32", |bn| bn.iter(|| black_box(a.relu())));
    g.finish();
}

fn reductions(c: &mut Criterion) {
    let mut g = c.benchmark_group("reduce");
    g.sample_size(20);
    let a = ember::randn([BIG]);
    g.throughput(Throughput::Bytes((BIG * 4) as u64));
    g.bench_function("sum_16M_f32", |bn| bn.iter(|| black_box(a.sum())));
    let m = a.view([4096, 4096]);
    g.bench_function("sum_dim0_4096x4096_f32", |bn| {
        bn.iter(|| black_box(m.sum_dim(0, false)))
    });
    g.bench_function("sum_dim1_4096x4096_f32", |bn| {
        bn.iter(|| black_box(m.sum_dim(1, false)))
    });
    g.finish();
}

fn overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("overhead");
    let a = ember::ones([1]);
    let b = ember::ones([1]);
    g.bench_function("add_tiny", |bn| bn.iter(|| black_box(&a + &b)));
    let ag = ember::ones([1]).requires_grad_(true);
    g.bench_function("add_tiny_recording", |bn| bn.iter(|| black_box(&ag + &b)));
    g.bench_function("add_tiny_forward_backward", |bn| {
        bn.iter(|| {
            let y = (&ag + &b).sum();
            y.backward();
        })
    });
    g.finish();
}

fn matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("matmul");
    g.sample_size(10);
    for (dt, name) in [(ember::DType::F32, "f32"), (ember::DType::F64, "f64")] {
        for n in [128usize, 512, 1024, 2048] {
            let x = ember::randn_with([n, n], dt);
            let y = ember::randn_with([n, n], dt);
            // Elements = flops, so criterion's Gelem/s reads as GFLOP/s.
            g.throughput(Throughput::Elements((2 * n * n * n) as u64));
            g.bench_function(format!("{name}_{n}"), |bn| {
                bn.iter(|| black_box(x.matmul(&y)))
            });
        }
    }
    // The seed two-layer net's products: forward `x @ w1` and backward `x.t() @ grad_h`,
    // which dominate its training step.
    let x = ember::randn([64, 1000]);
    let w1 = ember::randn([1000, 100]);
    let gh = ember::randn([64, 100]);
    g.throughput(Throughput::Elements(2 * 64 * 1000 * 100));
    g.bench_function("seed_x_w1_64x1000x100", |bn| {
        bn.iter(|| black_box(x.matmul(&w1)))
    });
    g.bench_function("seed_xt_gh_1000x64x100", |bn| {
        bn.iter(|| black_box(x.t().matmul(&gh)))
    });
    g.finish();
}

fn random(c: &mut Criterion) {
    let mut g = c.benchmark_group("random");
    g.sample_size(10);
    for n in [1 << 16, 1 << 20] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("randn_f32", n), &n, |bn, &n| {
            bn.iter(|| black_box(ember::randn([n])))
        });
    }
    g.finish();
}

criterion_group!(benches, elementwise, reductions, matmul, overhead, random);
criterion_main!(benches);

//! Measures f32 matrix-product throughput (GFLOP/s) of `mm` at a few sizes, with row-major and
//! transposed operands, and the seed two-layer net's products (64×1000 · 1000×100 and the
//! backward's transposed ones). Run with `cargo run --release --example matmul_gflops`;
//! `RAYON_NUM_THREADS` sets the thread count.

use std::time::Instant;

fn gflops(m: usize, k: usize, n: usize, f: impl Fn() -> ember::Tensor) -> f64 {
    let _ = f();
    let flops = 2.0 * (m * k * n) as f64;
    // Enough repetitions for ~0.5 s, best of three rounds.
    let t = Instant::now();
    let _ = f();
    let once = t.elapsed().as_secs_f64().max(1e-7);
    let reps = ((0.5 / once) as usize).clamp(1, 10_000);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(f());
        }
        best = best.min(t.elapsed().as_secs_f64() / reps as f64);
    }
    flops / best / 1e9
}

fn main() {
    println!("threads: {}", rayon::current_num_threads());
    for n in [512usize, 1024, 2048] {
        let a = ember::randn([n, n]);
        let b = ember::randn([n, n]);
        let nn = gflops(n, n, n, || a.mm(&b));
        let tn = gflops(n, n, n, || a.t().mm(&b));
        let nt = gflops(n, n, n, || a.mm(&b.t()));
        println!("f32 {n}x{n}: A@B {nn:.1}  A^T@B {tn:.1}  A@B^T {nt:.1} GFLOP/s");
    }
    let x = ember::randn([64, 1000]);
    let w1 = ember::randn([1000, 100]);
    let g = ember::randn([64, 100]);
    println!(
        "seed net: x@w1 {:.1}  x^T@g {:.1}  g@w1^T {:.1} GFLOP/s",
        gflops(64, 1000, 100, || x.mm(&w1)),
        gflops(1000, 64, 100, || x.t().mm(&g)),
        gflops(64, 100, 1000, || g.mm(&w1.t())),
    );
}

//! Criterion benchmarks of ember's ops (see README "Performance").

use criterion::{Criterion, criterion_group, criterion_main};

fn tiny_add(c: &mut Criterion) {
    let a = ember::ones([1]);
    let b = ember::ones([1]);
    c.bench_function("add_tiny", |bench| bench.iter(|| &a + &b));
}

criterion_group!(benches, tiny_add);
criterion_main!(benches);

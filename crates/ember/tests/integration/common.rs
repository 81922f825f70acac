//! Helpers shared by the test families, and the isolation of the tests that read or seed
//! process-wide state.
//!
//! All the families run in one process, on libtest's threads. Most state a test touches is
//! its own (grad mode and anomaly mode are thread-local), but a few things are global to the
//! process: the default random generator (`manual_seed`, `randn`, every module's
//! initialisation), the live-tensor and allocator counters (`live_tensors`,
//! `cpu::allocated_bytes`). A test that asserts what a seed draws, or that counts tensors,
//! would see the other threads' draws and tensors. Such a test starts with
//! [`isolated!`]: it then runs alone, in a child process of this binary, as it did when every
//! family was a binary of its own.

#![allow(dead_code)] // each family uses some of these

use ember::{DType, Tensor};
use std::process::Command;

/// The variable that tells a child process which isolated test it is to run.
const ISOLATED: &str = "EMBER_TEST_ISOLATED";

/// `isolated!(test_name);` as the first statement of a test: the test then runs alone, in a
/// child process of this binary that runs only it, on one thread, so that nothing else in
/// that process draws random numbers or makes tensors meanwhile. In the parent the macro
/// waits for the child and returns (panicking with the child's output when it failed); in
/// the child it does nothing and the test's body runs. `test_name` must be the test
/// function's own name.
macro_rules! isolated {
    ($name:ident) => {
        if !$crate::common::in_isolated_child(concat!(module_path!(), "::", stringify!($name))) {
            return;
        }
    };
}

/// What [`isolated!`] does: `true` in the child, where the test is to run; in the parent,
/// runs the child and returns `false`, or panics when the child failed or did not run
/// exactly the test `path` (`module_path!()` + `::` + the test's name).
#[track_caller]
pub fn in_isolated_child(path: &str) -> bool {
    // libtest names a test by its path without the crate's name.
    let path = path.split_once("::").map_or(path, |(_, rest)| rest);
    if std::env::var(ISOLATED).as_deref() == Ok(path) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([path, "--exact", "--test-threads=1", "--nocapture"])
        .env(ISOLATED, path)
        .output()
        .expect("running the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "isolated test {path} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    false
}

/// An f64 leaf of `shape` drawn from the default generator, requiring grad.
pub fn rand(shape: &[usize]) -> Tensor {
    ember::randn_with(shape, DType::F64).requires_grad_(true)
}

/// Like [`rand`], but a transposed (non-contiguous) view of the last two dims.
pub fn rand_t(shape: &[usize]) -> Tensor {
    let mut s = shape.to_vec();
    let n = s.len();
    s.swap(n - 1, n - 2);
    let x = ember::randn_with(s, DType::F64).transpose(-1, -2);
    assert!(!x.is_contiguous());
    x.requires_grad_(true)
}

/// An f64 leaf holding `data`, requiring grad.
pub fn leaf(data: Vec<f64>, shape: &[usize]) -> Tensor {
    Tensor::from_vec(data, shape).requires_grad_(true)
}

/// Whether `a` and `b` agree elementwise within `tol` relative to `1 + |b|`.
pub fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

/// The name of `t`'s `grad_fn`, or `""` for a leaf.
pub fn name(t: &Tensor) -> String {
    t.grad_fn().map(|g| g.name()).unwrap_or_default()
}

/// The message of the error `r` must be.
#[track_caller]
pub fn err(r: ember::Result<Tensor>) -> String {
    match r {
        Ok(t) => panic!("expected an error, got a tensor of shape {:?}", t.shape()),
        Err(e) => e.to_string(),
    }
}

/// The deterministic values the PyTorch references used: `sin(k·i + off)·2 + 0.3`.
pub fn det(shape: &[usize], k: f64, off: f64) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| (i as f64 * k + off).sin() * 2.0 + 0.3)
        .collect();
    Tensor::from_slice(&v, shape)
}

/// `assert!` that `got` holds `want` within 1e-9 relative to `1 + |want|`, element by element.
#[track_caller]
pub fn assert_close(got: &Tensor, want: &[f64]) {
    let g = got.to_dtype(DType::F64).to_vec::<f64>();
    assert_eq!(g.len(), want.len(), "length");
    for (i, (a, b)) in g.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
            "at {i}: {a} vs {b}"
        );
    }
}

//! ember's integration tests: behaviour through the public API, one module per family.
//!
//! One test binary (`cargo test -p ember --test integration`) instead of one per family:
//! every binary links the whole crate, so twenty of them cost twenty links and twenty copies
//! of ember on disk. Run one family with a filter, e.g. `cargo test -p ember --test
//! integration golden::` or `... -- nn_conv::`.
//!
//! The families share one process, so a test that reads or seeds process-wide state (the
//! default generator, the live-tensor and allocator counters) runs in a child process of its
//! own: see `isolated!` in [`common`]. Data the tests read sits beside this folder:
//! `tests/golden/` (PyTorch's cases) and `tests/fixtures/` (files written by PyTorch and
//! numpy).

#[macro_use]
mod common;

mod autograd;
mod cuda;
mod data;
mod elementwise_layout;
mod fuzz_regressions;
mod golden;
mod golden_ops;
mod gradcheck_sweep;
mod indexing;
mod interop;
mod io;
mod io_pt;
mod linalg;
mod linalg_decomp;
mod memory;
mod meta;
mod nn_attention;
mod nn_conv;
mod nn_conv_modes;
mod nn_layers;
mod nn_modules;
mod nn_norm;
mod nn_pad;
mod nn_pad_values;
mod optim;
mod panicking;
mod reduce;
mod seeds;
mod sweep;
mod threads;
mod vision;
mod warnings;

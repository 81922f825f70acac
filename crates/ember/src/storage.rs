//! Storage: the memory a tensor and all its views share, and its version counter.
//!
//! Note [Version counter]
//! Every in-place write to a storage bumps `version`, whichever view it went through.
//! Autograd records the version of each tensor it saves for backward and refuses to use it
//! if the version moved ("one of the variables needed for gradient computation has been
//! modified by an inplace operation"), so a stale value can never produce a silent wrong
//! gradient.
//!
//! Note [Storage locks]
//! The buffer sits behind a `RwLock`. Kernels take read guards on their inputs
//! (`read_recursive`, so `x * x` may lock the same storage twice) and a write guard on the
//! output. An in-place op whose input shares the output's storage (`x.add_(&x)`) would
//! deadlock, so the op layer copies such an input first (see `Tensor::unalias`).

use crate::Device;
pub(crate) use crate::backend::Buffer;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::sync::atomic::{AtomicU64, Ordering};

/// Memory shared by a tensor and its views, with its version counter.
pub(crate) struct Storage {
    buffer: RwLock<Buffer>,
    version: AtomicU64,
    device: Device,
}

impl Storage {
    pub fn new(buffer: Buffer) -> Storage {
        Storage {
            device: buffer.device(),
            buffer: RwLock::new(buffer),
            version: AtomicU64::new(0),
        }
    }

    pub fn device(&self) -> Device {
        self.device
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Buffer> {
        self.buffer.read_recursive()
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Buffer> {
        self.buffer.write()
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// See Note [Version counter].
    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }
}

//! The CUDA driver and NVRTC, loaded at run time through cudarc.
//!
//! Note [Loading CUDA]
//! cudarc's dynamic loader panics when a library is missing ("Unable to dynamically load
//! ..."), and most machines have no CUDA. So ember first looks for each library itself with
//! `libloading`, under the names cudarc searches, and calls into cudarc only when it was
//! found; those first calls are also wrapped in `catch_unwind` as a second guard. The answer
//! is cached for the process, so `cuda::is_available()` is cheap after the first call.

use super::alloc::{CachingAllocator, RawAllocator};
use crate::error::{Error, Result};
use cudarc::driver::sys::CUresult;
use cudarc::driver::{CudaContext, CudaSlice, CudaStream, DevicePtr, DriverError};
use parking_lot::Mutex;
use std::sync::{Arc, OnceLock};

/// PyTorch's message when the driver library cannot be loaded.
pub(crate) const NO_DRIVER: &str = "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx";

/// True when one of the names cudarc searches for library `name` (`cuda`, `nvrtc`) loads.
pub(crate) fn library_present(name: &str) -> bool {
    cudarc::get_lib_name_candidates(name)
        .iter()
        .any(|candidate| {
            // SAFETY: loading a shared library runs its initialisers; the CUDA libraries are
            // made to be loaded this way, and it is what cudarc does with the same names next.
            unsafe { libloading::Library::new(candidate) }.is_ok()
        })
}

/// What the driver said when first asked. See Note [Loading CUDA].
pub(crate) enum Driver {
    /// `cuInit` succeeded and reported this many devices (maybe 0).
    Ready(usize),
    /// No usable driver, with PyTorch's message.
    Unavailable(String),
}

pub(crate) fn driver() -> &'static Driver {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    DRIVER.get_or_init(|| {
        if !library_present("cuda") {
            return Driver::Unavailable(NO_DRIVER.into());
        }
        match std::panic::catch_unwind(probe) {
            Ok(Ok(n)) => Driver::Ready(n),
            Ok(Err(msg)) => Driver::Unavailable(msg),
            Err(_) => Driver::Unavailable(NO_DRIVER.into()),
        }
    })
}

fn describe(e: DriverError) -> String {
    format!("{e:?}")
}

/// `cuInit` and the device count, with PyTorch's messages for a failing driver.
fn probe() -> std::result::Result<usize, String> {
    use cudarc::driver::result;
    match result::init() {
        Ok(()) => {}
        Err(DriverError(CUresult::CUDA_ERROR_NO_DEVICE)) => return Ok(0),
        Err(e) => {
            return Err(format!(
                "CUDA driver initialization failed, you might not have a CUDA gpu. ({})",
                describe(e)
            ));
        }
    }
    result::device::get_count()
        .map(|n| usize::try_from(n).unwrap_or(0))
        .map_err(|e| format!("Unexpected error from cuDeviceGetCount(): {}", describe(e)))
}

/// Device memory from the driver, on the device's primary context and default stream.
pub(crate) struct DriverMemory {
    stream: Arc<CudaStream>,
}

/// A segment of device memory; dropping it frees it.
pub(crate) struct DeviceSegment {
    _slice: CudaSlice<u8>,
    address: u64,
}

impl RawAllocator for DriverMemory {
    type Segment = DeviceSegment;

    fn alloc(&mut self, bytes: usize) -> Result<Option<DeviceSegment>> {
        match self.stream.alloc_zeros::<u8>(bytes) {
            Ok(slice) => {
                let address = slice.device_ptr(&self.stream).0;
                Ok(Some(DeviceSegment {
                    _slice: slice,
                    address,
                }))
            }
            Err(DriverError(CUresult::CUDA_ERROR_OUT_OF_MEMORY)) => Ok(None),
            Err(e) => Err(Error::Cuda(describe(e))),
        }
    }

    fn address(segment: &DeviceSegment) -> u64 {
        segment.address
    }
}

type DeviceAllocator = CachingAllocator<DriverMemory>;

/// One caching allocator per device, created at the device's first allocation.
fn allocators() -> &'static [Mutex<Option<DeviceAllocator>>] {
    static ALLOCATORS: OnceLock<Vec<Mutex<Option<DeviceAllocator>>>> = OnceLock::new();
    ALLOCATORS.get_or_init(|| {
        let n = match driver() {
            Driver::Ready(n) => *n,
            Driver::Unavailable(_) => 0,
        };
        (0..n).map(|_| Mutex::new(None)).collect()
    })
}

/// Runs `f` on device `index`'s allocator, creating it (and the device's context) first.
pub(crate) fn with_allocator<T>(
    index: usize,
    f: impl FnOnce(&mut DeviceAllocator) -> Result<T>,
) -> Result<T> {
    let slot = allocators()
        .get(index)
        .ok_or_else(|| Error::Cuda("invalid device ordinal".into()))?;
    let mut slot = slot.lock();
    if slot.is_none() {
        let ctx = CudaContext::new(index).map_err(|e| Error::Cuda(describe(e)))?;
        let stream = ctx.default_stream();
        *slot = Some(CachingAllocator::new(DriverMemory { stream }, index));
    }
    match slot.as_mut() {
        Some(alloc) => f(alloc),
        None => Err(Error::Cuda(format!("no allocator for cuda:{index}"))),
    }
}

/// Runs `f` on device `index`'s allocator if it exists (`None` when nothing was allocated).
pub(crate) fn existing_allocator<T>(
    index: usize,
    f: impl FnOnce(&mut DeviceAllocator) -> T,
) -> Option<T> {
    allocators().get(index)?.lock().as_mut().map(f)
}

/// True when libnvrtc loads (under the names cudarc searches). See Note [Loading CUDA].
pub(crate) fn nvrtc_available() -> bool {
    static NVRTC: OnceLock<bool> = OnceLock::new();
    *NVRTC.get_or_init(|| library_present("nvrtc"))
}

/// Compiles CUDA C++ `source` to PTX for `arch` (`compute_90`, `sm_90`) with NVRTC.
pub(crate) fn compile(name: &str, source: &str, arch: &str) -> Result<String> {
    if !nvrtc_available() {
        return Err(Error::Cuda(format!(
            "NVRTC is not available: none of {:?} could be loaded",
            cudarc::get_lib_name_candidates("nvrtc")
        )));
    }
    let opts = cudarc::nvrtc::CompileOptions {
        name: Some(format!("{name}.cu")),
        options: vec!["--std=c++17".into(), format!("--gpu-architecture={arch}")],
        ..Default::default()
    };
    let src = source.to_string();
    let compiled =
        std::panic::catch_unwind(move || cudarc::nvrtc::compile_ptx_with_opts(src, opts))
            .map_err(|_| Error::Cuda(format!("NVRTC failed on {name}")))?;
    match compiled {
        Ok(ptx) => Ok(ptx.to_src()),
        Err(cudarc::nvrtc::CompileError::CompileError { log, .. }) => Err(Error::Cuda(format!(
            "NVRTC could not compile {name}:\n{}",
            log.to_string_lossy()
        ))),
        Err(e) => Err(Error::Cuda(format!("NVRTC failed on {name}: {e:?}"))),
    }
}

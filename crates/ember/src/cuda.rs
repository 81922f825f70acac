//! `torch.cuda`: the CUDA devices, their memory, and ember's CUDA kernels.
//!
//! With feature `cuda` (on by default) ember loads the CUDA driver at run time, so it builds
//! and runs on machines without CUDA, where [`is_available`] is `false` and every request
//! for a CUDA device returns PyTorch's error (see Note [Loading CUDA] in
//! `backend/cuda/driver.rs`). Tensors on CUDA devices are not implemented yet: a request for
//! one on a machine with a GPU says so. Ops never copy between devices silently.

use crate::error::{Error, Result};
use crate::{Device, Tensor};
use ember_derive::panicking;

pub use crate::backend::cuda::source::KernelModule;
pub(crate) use crate::backend::cuda::{check_device, device_error};

#[cfg(feature = "cuda")]
use crate::backend::cuda::driver::{self, Driver};

#[cfg(not(feature = "cuda"))]
use crate::backend::cuda::NOT_COMPILED;

/// `torch.cuda.is_available()`: whether a CUDA device can be used.
///
/// ```
/// if ember::cuda::is_available() {
///     assert!(ember::cuda::device_count() > 0);
/// } else {
///     assert_eq!(ember::cuda::device_count(), 0);
/// }
/// ```
pub fn is_available() -> bool {
    device_count() > 0
}

/// `torch.cuda.device_count()`: the number of CUDA devices (0 without a driver).
///
/// ```
/// let n = ember::cuda::device_count();
/// assert_eq!(n > 0, ember::cuda::is_available());
/// ```
pub fn device_count() -> usize {
    #[cfg(feature = "cuda")]
    {
        match driver::driver() {
            Driver::Ready(n) => *n,
            Driver::Unavailable(_) => 0,
        }
    }
    #[cfg(not(feature = "cuda"))]
    {
        0
    }
}

/// `torch.cuda.synchronize()`: waits for the work issued on device 0.
///
///
/// # Errors
/// Without a usable CUDA device, PyTorch's error.
///
/// ```
/// assert_eq!(ember::cuda::try_synchronize().is_ok(), ember::cuda::is_available());
/// ```
#[panicking]
pub fn try_synchronize() -> Result<()> {
    // ember issues no CUDA work yet, so there is nothing to wait for.
    check_device(0)
}

/// `torch.cuda.manual_seed(seed)`: seeds the CUDA generators. As in PyTorch this is lazy
/// and succeeds without a GPU; the seed applies when a device is first used.
///
/// ```
/// ember::cuda::manual_seed(0); // fine without a GPU
/// ```
pub fn manual_seed(seed: u64) {
    // ember has no current-device state yet: device 0 is the current one.
    crate::random::seed_devices(Some(crate::Device::Cuda(0)), seed);
}

/// `torch.cuda.manual_seed_all(seed)`: [`manual_seed`] for every device.
///
/// ```
/// ember::cuda::manual_seed_all(42);
/// ```
pub fn manual_seed_all(seed: u64) {
    crate::random::seed_devices(None, seed);
}

/// Byte counters of device 0's caching allocator; all 0 when nothing was allocated.
fn stats() -> crate::backend::cuda::alloc::Stats {
    #[cfg(feature = "cuda")]
    {
        driver::existing_allocator(0, |a| a.stats()).unwrap_or_default()
    }
    #[cfg(not(feature = "cuda"))]
    {
        Default::default()
    }
}

/// `torch.cuda.memory_allocated()`: bytes held by live blocks on device 0 (0 without a GPU,
/// as in PyTorch). See Note [CUDA caching allocator].
///
/// ```
/// if !ember::cuda::is_available() {
///     assert_eq!(ember::cuda::memory_allocated(), 0);
/// }
/// ```
pub fn memory_allocated() -> usize {
    stats().allocated
}

/// `torch.cuda.max_memory_allocated()`: the peak of [`memory_allocated`] since the start
/// or the last [`reset_peak_memory_stats`].
///
/// ```
/// assert!(ember::cuda::max_memory_allocated() >= ember::cuda::memory_allocated());
/// ```
pub fn max_memory_allocated() -> usize {
    stats().peak_allocated
}

/// `torch.cuda.memory_reserved()`: bytes the caching allocator holds from the driver on
/// device 0, live or cached.
///
/// ```
/// assert!(ember::cuda::memory_reserved() >= ember::cuda::memory_allocated());
/// ```
pub fn memory_reserved() -> usize {
    stats().reserved
}

/// `torch.cuda.max_memory_reserved()`: the peak of [`memory_reserved`].
///
/// ```
/// assert!(ember::cuda::max_memory_reserved() >= ember::cuda::memory_reserved());
/// ```
pub fn max_memory_reserved() -> usize {
    stats().peak_reserved
}

/// `torch.cuda.empty_cache()`: returns cached, unused device memory to the driver (a no-op
/// without a GPU, as in PyTorch).
///
/// ```
/// ember::cuda::empty_cache();
/// ```
pub fn empty_cache() {
    #[cfg(feature = "cuda")]
    for index in 0..device_count() {
        driver::existing_allocator(index, |a| a.empty_cache());
    }
}

/// `torch.cuda.reset_peak_memory_stats()`: sets the peaks to the current values.
///
///
/// # Errors
/// Without a usable device, PyTorch's "invalid argument to reset_peak_memory_stats".
///
/// ```
/// assert_eq!(ember::cuda::try_reset_peak_memory_stats().is_ok(), ember::cuda::is_available());
/// ```
#[panicking]
pub fn try_reset_peak_memory_stats() -> Result<()> {
    if check_device(0).is_err() {
        return Err(Error::Value(
            "invalid argument to reset_peak_memory_stats".into(),
        ));
    }
    #[cfg(feature = "cuda")]
    driver::existing_allocator(0, |a| a.reset_peak());
    Ok(())
}

/// `torch.cuda.caching_allocator_alloc(size, device)`: the address of `size` bytes of
/// device memory from ember's caching allocator (0 for 0 bytes). Give it back with
/// [`caching_allocator_delete`].
///
/// # Errors
/// Without the device, or when it is out of memory.
///
/// ```
/// let p = ember::cuda::caching_allocator_alloc(1024, 0);
/// assert_eq!(p.is_ok(), ember::cuda::is_available());
/// if let Ok(p) = p {
///     assert!(ember::cuda::memory_allocated() >= 1024);
///     ember::cuda::caching_allocator_delete(p).unwrap();
/// }
/// ```
pub fn caching_allocator_alloc(size: usize, device: usize) -> Result<u64> {
    check_device(device)?;
    #[cfg(feature = "cuda")]
    {
        driver::with_allocator(device, |a| a.alloc(size))
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = size;
        Err(Error::Device(NOT_COMPILED.into()))
    }
}

/// `torch.cuda.caching_allocator_delete(ptr)`: returns a block from
/// [`caching_allocator_alloc`] to the cache.
///
/// # Errors
/// If `ptr` is not a live block of the allocator.
///
/// ```
/// assert!(ember::cuda::caching_allocator_delete(0).is_ok()); // null is fine
/// assert!(ember::cuda::caching_allocator_delete(0x1234).is_err());
/// ```
pub fn caching_allocator_delete(ptr: u64) -> Result<()> {
    if ptr == 0 {
        return Ok(());
    }
    #[cfg(feature = "cuda")]
    for index in 0..device_count() {
        if let Some(Ok(())) = driver::existing_allocator(index, |a| a.free(ptr)) {
            return Ok(());
        }
    }
    Err(Error::Value(format!("invalid device pointer: {ptr:#x}")))
}

/// The CUDA C++ sources of all of ember's kernels, one NVRTC program per family, generated
/// from the op table for every op and dtype (see Note [CUDA kernel sources]).
///
/// ```
/// let modules = ember::cuda::kernel_modules();
/// let names: Vec<&str> = modules.iter().flat_map(|m| m.kernels.iter().map(|k| k.as_str())).collect();
/// assert!(names.contains(&"ember_binary_floor_divide_i64"));
/// assert!(names.contains(&"ember_cast_bf16_bool"));
/// assert!(names.contains(&"ember_reduce_argmax_f16"));
/// ```
pub fn kernel_modules() -> Vec<KernelModule> {
    crate::backend::cuda::source::modules()
}

/// Whether NVRTC (`libnvrtc`) can be loaded, so kernels can be compiled.
///
/// ```
/// if !ember::cuda::nvrtc_available() {
///     let m = &ember::cuda::kernel_modules()[0];
///     assert!(ember::cuda::compile(m, "compute_90").is_err());
/// }
/// ```
pub fn nvrtc_available() -> bool {
    #[cfg(feature = "cuda")]
    {
        driver::nvrtc_available()
    }
    #[cfg(not(feature = "cuda"))]
    {
        false
    }
}

/// Compiles a kernel module with NVRTC for `arch` (`"compute_90"` gives PTX for sm_90 and
/// later) and returns the PTX. Needs NVRTC, not a GPU.
///
/// # Errors
/// Without NVRTC (or without feature `cuda`), or with NVRTC's log when the source does not
/// compile.
///
/// ```
/// let m = ember::cuda::kernel_modules().into_iter().find(|m| m.name == "ember_optim").unwrap();
/// match ember::cuda::compile(&m, "compute_90") {
///     Ok(ptx) => assert!(ptx.contains(".entry ember_adam_f32")),
///     Err(e) => assert!(!ember::cuda::nvrtc_available(), "{e}"),
/// }
/// ```
pub fn compile(module: &KernelModule, arch: &str) -> Result<String> {
    #[cfg(feature = "cuda")]
    {
        driver::compile(module.name, &module.source, arch)
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = (module, arch);
        Err(Error::Device(NOT_COMPILED.into()))
    }
}

impl Tensor {
    /// `x.to(device)`: `self` when already there, else a copy on `device` (differentiable,
    /// `ToCopyBackward0`). Any tensor can go to the meta device (nothing is copied); a meta
    /// tensor has no data to bring anywhere else.
    ///
    /// ```
    /// use ember::Device;
    /// let x = ember::ones([2]);
    /// assert!(x.to_device(Device::Cpu).is(&x));
    /// let m = x.to_device(Device::Meta);
    /// assert_eq!((m.device(), m.shape()), (Device::Meta, &[2][..]));
    /// assert_eq!(
    ///     m.try_to_device(Device::Cpu).unwrap_err().to_string(),
    ///     "Cannot copy out of meta tensor; no data!"
    /// );
    /// assert!(x.try_to_device(Device::Cuda(0)).is_err());
    /// ```
    ///
    /// # Errors
    /// If the device is not available (PyTorch's message), is a CUDA device (not
    /// implemented yet), or `self` is a meta tensor going elsewhere.
    #[panicking(must_use)]
    pub fn try_to_device(&self, device: Device) -> Result<Tensor> {
        if device == self.device() {
            return Ok(self.clone());
        }
        match device {
            Device::Cuda(i) => Err(device_error(i)),
            Device::Cpu | Device::Meta => self.copy_to_device(device),
        }
    }

    /// `x.cuda()`: the tensor on `cuda:0`.
    ///
    /// # Errors
    /// As [`Tensor::try_to_device`].
    ///
    /// ```
    /// let err = ember::ones([1]).try_cuda().unwrap_err();
    /// if !ember::cuda::is_available() {
    ///     assert!(err.to_string().contains("NVIDIA driver") || err.to_string().contains("CUDA"));
    /// }
    /// ```
    #[panicking(must_use)]
    pub fn try_cuda(&self) -> Result<Tensor> {
        self.try_to_device(Device::Cuda(0))
    }

    /// `x.cpu()`.
    ///
    /// ```
    /// assert_eq!(ember::ones([1]).cpu().device(), ember::Device::Cpu);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn cpu(&self) -> Tensor {
        self.to_device(Device::Cpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_device_errors_read_like_pytorch() {
        if is_available() {
            return;
        }
        let msg = device_error(0).to_string();
        #[cfg(feature = "cuda")]
        assert!(
            msg == driver::NO_DRIVER
                || msg == "No CUDA GPUs are available"
                || msg.starts_with("CUDA driver initialization failed"),
            "{msg}"
        );
        #[cfg(not(feature = "cuda"))]
        assert_eq!(msg, "Torch not compiled with CUDA enabled");
    }

    #[test]
    fn past_the_last_device_is_an_invalid_ordinal() {
        let n = device_count();
        if n == 0 {
            return;
        }
        assert_eq!(
            device_error(n).to_string(),
            "CUDA error: invalid device ordinal"
        );
    }
}

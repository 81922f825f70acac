//! The CUDA device. Until the CUDA backend lands, no CUDA device is available and every
//! request for one returns a clear error (never a silent copy to the CPU).

use crate::error::{Error, Result};
use crate::{Device, Tensor};

/// `torch.cuda.is_available()`.
///
/// ```
/// if ember::cuda::is_available() {
///     let x = ember::ones([1]).to_device(ember::Device::Cuda(0));
///     assert!(x.device().is_cuda());
/// }
/// ```
pub fn is_available() -> bool {
    false
}

/// `torch.cuda.device_count()`.
///
/// ```
/// assert_eq!(ember::cuda::device_count(), if ember::cuda::is_available() { ember::cuda::device_count() } else { 0 });
/// ```
pub fn device_count() -> usize {
    0
}

pub(crate) fn unavailable() -> Error {
    Error::Device(
        "Torch not compiled with CUDA enabled: no CUDA device is available to ember".into(),
    )
}

impl Tensor {
    /// `x.to(device)`: `self` when already there, else a copy on `device`.
    ///
    /// ```
    /// let x = ember::ones([2]);
    /// assert!(x.to_device(ember::Device::Cpu).is(&x));
    /// assert!(ember::cuda::is_available() || x.try_to_device(ember::Device::Cuda(0)).is_err());
    /// ```
    ///
    /// # Errors
    /// If the device is not available.
    pub fn try_to_device(&self, device: Device) -> Result<Tensor> {
        if device == self.device() {
            return Ok(self.clone());
        }
        Err(unavailable())
    }

    /// Panicking form of [`Tensor::try_to_device`].
    ///
    /// # Panics
    /// If the device is not available.
    #[must_use]
    #[track_caller]
    pub fn to_device(&self, device: Device) -> Tensor {
        crate::error::OrPanic::or_panic(self.try_to_device(device))
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

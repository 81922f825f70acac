//! PyTorch's `dtype=`, `device=` and `requires_grad=` options of creation functions, and
//! the defaults they fall back on (`get_default_dtype`, `get_default_device`).

use crate::error::Result;
use crate::{DType, Device, Tensor};

pub use crate::dtype::{get_default_dtype, set_default_dtype};

thread_local! {
    static DEFAULT_DEVICE: std::cell::Cell<Device> = const { std::cell::Cell::new(Device::Cpu) };
}

/// The device creation functions use when not told one (`torch.get_default_device()`);
/// the CPU unless [`set_default_device`] changed it on this thread.
///
/// ```
/// assert_eq!(ember::get_default_device(), ember::Device::Cpu);
/// ```
pub fn get_default_device() -> Device {
    DEFAULT_DEVICE.with(std::cell::Cell::get)
}

/// Sets the device creation functions (and so module constructors) use when not told one
/// (`torch.set_default_device`), for the current thread, and returns the previous one.
/// [`device_scope`] restores it for you: PyTorch's `with torch.device("meta"):`.
///
/// ```
/// use ember::Device;
/// let before = ember::set_default_device(Device::Meta);
/// assert_eq!(ember::zeros([2]).device(), Device::Meta);
/// ember::set_default_device(before);
/// assert_eq!(ember::zeros([2]).device(), Device::Cpu);
/// ```
pub fn set_default_device(device: Device) -> Device {
    DEFAULT_DEVICE.with(|d| d.replace(device))
}

/// Runs `f` with `device` as the default device of this thread (`with torch.device(d):`),
/// restoring the previous default afterwards, even if `f` panics.
///
/// ```
/// use ember::{Device, nn::Module};
/// // A model too large for any machine, built instantly: meta tensors hold no data.
/// let model = ember::device_scope(Device::Meta, || ember::nn::Linear::new(100_000, 10_000));
/// let n: usize = model.parameters().iter().map(|p| p.numel()).sum();
/// assert_eq!(n, 1_000_010_000);
/// assert!(model.weight.device().is_meta());
/// ```
pub fn device_scope<R>(device: Device, f: impl FnOnce() -> R) -> R {
    struct Restore(Device);
    impl Drop for Restore {
        fn drop(&mut self) {
            set_default_device(self.0);
        }
    }
    let _restore = Restore(set_default_device(device));
    f()
}

/// PyTorch's `dtype=`, `device=` and `requires_grad=` keywords of creation functions.
///
/// A `DType`, a `Device`, or a `(DType, Device)` pair converts into options, so the common
/// call stays short: `ember::zeros_with([5, 3], DType::I64)`.
///
/// ```
/// use ember::{DType, TensorOptions};
/// let x = ember::ones_with([2], TensorOptions::new().dtype(DType::F64).requires_grad(true));
/// assert!(x.requires_grad() && x.dtype() == DType::F64);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TensorOptions {
    /// The element type; `None` means the op's default.
    pub dtype: Option<DType>,
    /// The device; `None` means the op's default ([`get_default_device`], or the `_like`
    /// tensor's).
    pub device: Option<Device>,
    /// Make the new tensor a leaf that requires grad.
    pub requires_grad: bool,
}

impl TensorOptions {
    /// Options with every field at its default.
    pub fn new() -> TensorOptions {
        TensorOptions::default()
    }

    /// Sets the dtype.
    pub fn dtype(mut self, dt: DType) -> Self {
        self.dtype = Some(dt);
        self
    }

    /// Sets the device.
    pub fn device(mut self, d: Device) -> Self {
        self.device = Some(d);
        self
    }

    /// Sets `requires_grad`.
    pub fn requires_grad(mut self, yes: bool) -> Self {
        self.requires_grad = yes;
        self
    }

    /// The device asked for, else the default device.
    pub(crate) fn device_or_default(&self) -> Device {
        self.device.unwrap_or_else(get_default_device)
    }

    /// Puts a freshly made tensor on the device asked for and marks it as requiring grad
    /// when asked.
    pub(crate) fn finish(self, t: Tensor) -> Result<Tensor> {
        let device = self.device_or_default();
        let t = if t.device() == device {
            t
        } else {
            t.try_to_device(device)?
        };
        if self.requires_grad {
            t.try_requires_grad_(true)?;
        }
        Ok(t)
    }
}

impl From<DType> for TensorOptions {
    fn from(dt: DType) -> Self {
        TensorOptions::new().dtype(dt)
    }
}

impl From<Device> for TensorOptions {
    fn from(d: Device) -> Self {
        TensorOptions::new().device(d)
    }
}

impl From<(DType, Device)> for TensorOptions {
    fn from((dt, d): (DType, Device)) -> Self {
        TensorOptions::new().dtype(dt).device(d)
    }
}

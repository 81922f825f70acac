//! Where a tensor's memory lives.

use std::fmt;

/// A device, as in `torch.device`.
///
/// ```
/// use ember::Device;
/// assert_eq!(Device::Cpu.to_string(), "cpu");
/// assert_eq!(Device::Cuda(0).to_string(), "cuda:0");
/// assert_eq!("cuda".parse::<Device>().unwrap(), Device::Cuda(0));
/// assert_eq!("meta".parse::<Device>().unwrap(), Device::Meta);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// Host memory.
    #[default]
    Cpu,
    /// The CUDA device with this index.
    Cuda(usize),
    /// PyTorch's meta device: tensors with a shape, dtype and strides but no data. Every op
    /// computes its output's shape and dtype without touching memory, so a model too large
    /// for any machine can be built and inspected, then materialised with `to_empty`.
    Meta,
}

impl Device {
    /// True for `Device::Cuda(_)`.
    ///
    /// ```
    /// assert!(!ember::Device::Cpu.is_cuda());
    /// ```
    pub fn is_cuda(self) -> bool {
        matches!(self, Device::Cuda(_))
    }

    /// True for `Device::Meta` (`x.is_meta`).
    ///
    /// ```
    /// assert!(ember::Device::Meta.is_meta());
    /// assert!(!ember::Device::Cpu.is_meta());
    /// ```
    pub fn is_meta(self) -> bool {
        self == Device::Meta
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
            Device::Meta => write!(f, "meta"),
        }
    }
}

impl std::str::FromStr for Device {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Device> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            "meta" | "meta:0" => Ok(Device::Meta),
            _ => match s.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(i)) => Ok(Device::Cuda(i)),
                _ => Err(crate::Error::Device(format!(
                    "Expected one of cpu, cuda, meta device type at start of device string: {s}"
                ))),
            },
        }
    }
}

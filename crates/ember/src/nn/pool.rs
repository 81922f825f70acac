//! Pooling layers: `nn.MaxPool2d`, `nn.AvgPool2d`, `nn.AdaptiveAvgPool2d`.

use super::functional::{self as F, AvgPool2dOptions, IntoDims, MaxPool2dOptions};
use super::module::Module;
use crate::Tensor;
use crate::error::Result;

/// A pair as PyTorch prints a pooling argument: one int when both are equal.
fn pair(v: [i64; 2]) -> String {
    if v[0] == v[1] {
        v[0].to_string()
    } else {
        format!("({}, {})", v[0], v[1])
    }
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// `nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode)`.
///
/// ```
/// use ember::nn::{MaxPool2d, Module, ModuleFields};
/// let m = MaxPool2d::new(2);
/// assert_eq!(m.forward(&ember::ones([1, 3, 4, 4])).unwrap().shape(), &[1, 3, 2, 2]);
/// assert_eq!(m.extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False");
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct MaxPool2d {
    /// The functional keywords used in `forward`.
    #[module(skip)]
    pub options: MaxPool2dOptions,
}

impl MaxPool2d {
    /// `nn.MaxPool2d(kernel_size)`.
    ///
    /// ```
    /// assert_eq!(ember::nn::MaxPool2d::new(3).options.kernel_size, [3, 3]);
    /// ```
    pub fn new(kernel_size: impl IntoDims<2>) -> MaxPool2d {
        MaxPool2d {
            options: MaxPool2dOptions::new(kernel_size),
        }
    }

    /// `nn.MaxPool2d(…)` with keyword options.
    ///
    /// ```
    /// use ember::nn::{MaxPool2d, functional::MaxPool2dOptions};
    /// let m = MaxPool2d::with_options(MaxPool2dOptions::new(3).stride(1).padding(1));
    /// assert_eq!(m.options.padding, [1, 1]);
    /// ```
    pub fn with_options(options: MaxPool2dOptions) -> MaxPool2d {
        MaxPool2d { options }
    }
}

impl MaxPool2d {
    fn repr(&self) -> String {
        let o = &self.options;
        format!(
            "kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
            pair(o.kernel_size),
            pair(o.stride.unwrap_or(o.kernel_size)),
            pair(o.padding),
            pair(o.dilation),
            py_bool(o.ceil_mode)
        )
    }
}

impl Module for MaxPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::max_pool2d(x, self.options)
    }
}

/// `nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad,
/// divisor_override)`.
///
/// ```
/// use ember::nn::{AvgPool2d, Module, ModuleFields};
/// let m = AvgPool2d::new(2);
/// assert_eq!(m.forward(&ember::ones([3, 4, 4])).unwrap().shape(), &[3, 2, 2]);
/// assert_eq!(m.extra_repr(), "kernel_size=2, stride=2, padding=0");
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct AvgPool2d {
    /// The functional keywords used in `forward`.
    #[module(skip)]
    pub options: AvgPool2dOptions,
}

impl AvgPool2d {
    /// `nn.AvgPool2d(kernel_size)`.
    ///
    /// ```
    /// assert_eq!(ember::nn::AvgPool2d::new(3).options.kernel_size, [3, 3]);
    /// ```
    pub fn new(kernel_size: impl IntoDims<2>) -> AvgPool2d {
        AvgPool2d {
            options: AvgPool2dOptions::new(kernel_size),
        }
    }

    /// `nn.AvgPool2d(…)` with keyword options.
    ///
    /// ```
    /// use ember::nn::{AvgPool2d, functional::AvgPool2dOptions};
    /// let m = AvgPool2d::with_options(AvgPool2dOptions::new(3).ceil_mode(true));
    /// assert!(m.options.ceil_mode);
    /// ```
    pub fn with_options(options: AvgPool2dOptions) -> AvgPool2d {
        AvgPool2d { options }
    }
}

impl AvgPool2d {
    fn repr(&self) -> String {
        let o = &self.options;
        format!(
            "kernel_size={}, stride={}, padding={}",
            pair(o.kernel_size),
            pair(o.stride.unwrap_or(o.kernel_size)),
            pair(o.padding)
        )
    }
}

impl Module for AvgPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::avg_pool2d(x, self.options)
    }
}

/// `nn.AdaptiveAvgPool2d(output_size)`.
///
/// ```
/// use ember::nn::{AdaptiveAvgPool2d, Module};
/// let m = AdaptiveAvgPool2d::new([2, 3]);
/// assert_eq!(m.forward(&ember::ones([1, 4, 5, 7])).unwrap().shape(), &[1, 4, 2, 3]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct AdaptiveAvgPool2d {
    /// The output's spatial size.
    pub output_size: [i64; 2],
}

impl AdaptiveAvgPool2d {
    /// `nn.AdaptiveAvgPool2d(output_size)`.
    ///
    /// ```
    /// assert_eq!(ember::nn::AdaptiveAvgPool2d::new(1).output_size, [1, 1]);
    /// ```
    pub fn new(output_size: impl IntoDims<2>) -> AdaptiveAvgPool2d {
        AdaptiveAvgPool2d {
            output_size: output_size.into_dims(),
        }
    }
}

impl AdaptiveAvgPool2d {
    fn repr(&self) -> String {
        format!("output_size={}", pair(self.output_size))
    }
}

impl Module for AdaptiveAvgPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::adaptive_avg_pool2d(x, self.output_size)
    }
}

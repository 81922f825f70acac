//! `nn.Parameter` and registered buffers.

use crate::Tensor;
use crate::error::Result;
use std::ops::Deref;

/// A tensor registered as a module's trainable parameter (`nn.Parameter`): a leaf that
/// requires grad. It dereferences to the [`Tensor`].
///
/// ```
/// let p = ember::nn::Parameter::new(ember::zeros([2])).unwrap();
/// assert!(p.requires_grad() && p.is_leaf());
/// assert_eq!(p.to_string(), "Parameter containing:\ntensor([0., 0.], requires_grad=True)");
/// ```
#[derive(Clone)]
pub struct Parameter(Tensor);

impl Parameter {
    /// Wraps `t` (its data, without history) as a parameter that requires grad.
    ///
    /// # Errors
    /// If `t` is not a floating-point tensor.
    pub fn new(t: Tensor) -> Result<Parameter> {
        let leaf = t.detach();
        leaf.try_requires_grad_(true)?;
        Ok(Parameter(leaf))
    }

    /// Wraps `t` keeping its `requires_grad` flag (`nn.Parameter(t, requires_grad=False)`).
    ///
    /// ```
    /// let p = ember::nn::Parameter::frozen(ember::zeros([2]));
    /// assert!(!p.requires_grad());
    /// ```
    pub fn frozen(t: Tensor) -> Parameter {
        Parameter(t.detach())
    }

    /// The parameter's tensor (a handle to the same leaf).
    pub fn tensor(&self) -> &Tensor {
        &self.0
    }

    /// Replaces the tensor (e.g. after moving the module to another dtype or device).
    pub(crate) fn set(&mut self, t: Tensor) {
        self.0 = t;
    }
}

impl Deref for Parameter {
    type Target = Tensor;
    fn deref(&self) -> &Tensor {
        &self.0
    }
}

impl std::fmt::Display for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parameter containing:\n{}", self.0)
    }
}

impl std::fmt::Debug for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A tensor registered as a module's state but not trained (`register_buffer`), such as
/// batch norm's running statistics. Saved in `state_dict`.
///
/// ```
/// let b = ember::nn::Buffer::new(ember::zeros([3]));
/// assert!(!b.requires_grad());
/// ```
#[derive(Clone)]
pub struct Buffer(Tensor);

impl Buffer {
    /// Wraps `t` (without history) as a buffer.
    pub fn new(t: Tensor) -> Buffer {
        Buffer(t.detach())
    }

    /// The buffer's tensor.
    pub fn tensor(&self) -> &Tensor {
        &self.0
    }

    /// Replaces the tensor.
    pub fn set(&mut self, t: Tensor) {
        self.0 = t.detach();
    }
}

impl Deref for Buffer {
    type Target = Tensor;
    fn deref(&self) -> &Tensor {
        &self.0
    }
}

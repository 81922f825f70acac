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

/// The arithmetic operators on `&Parameter` and `&Buffer`, as on the tensor they hold, so
/// `&w * &x`, `&x - &w`, `&w + 1.0` and `2.0 * &w` read as in PyTorch (no `&*w`).
macro_rules! handle_operators {
    ($h:ty; $($trait:ident $method:ident),*) => {$(
        impl std::ops::$trait<&Tensor> for &$h {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                std::ops::$trait::$method(&self.0, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for &$h {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                std::ops::$trait::$method(&self.0, &rhs)
            }
        }
        impl std::ops::$trait<&$h> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &$h) -> Tensor {
                std::ops::$trait::$method(self, &rhs.0)
            }
        }
        impl std::ops::$trait<&$h> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &$h) -> Tensor {
                std::ops::$trait::$method(&self, &rhs.0)
            }
        }
        impl std::ops::$trait<&$h> for &$h {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &$h) -> Tensor {
                std::ops::$trait::$method(&self.0, &rhs.0)
            }
        }
        impl<S: Into<crate::Scalar> + Copy> std::ops::$trait<S> for &$h {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                Tensor::$method(&self.0, Into::<crate::Scalar>::into(rhs))
            }
        }
        handle_operators!(@scalars $h; $trait $method; f64, i64);
    )*};
    (@scalars $h:ty; $trait:ident $method:ident; $($s:ty),*) => {$(
        impl std::ops::$trait<&$h> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &$h) -> Tensor {
                std::ops::$trait::$method(self, &rhs.0)
            }
        }
    )*};
}

handle_operators!(Parameter; Add add, Sub sub, Mul mul, Div div);
handle_operators!(Buffer; Add add, Sub sub, Mul mul, Div div);

impl std::ops::Neg for &Parameter {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        -&self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Parameter;

    #[test]
    fn operators_on_parameters() {
        let w = Parameter::new(crate::tensor([1.0f32, 2.0])).unwrap();
        let x = crate::tensor([3.0f32, 4.0]);
        assert_eq!((&w * &x).to_vec::<f32>(), vec![3.0, 8.0]);
        assert_eq!((&x - &w).to_vec::<f32>(), vec![2.0, 2.0]);
        assert_eq!((&w + 1.0).to_vec::<f32>(), vec![2.0, 3.0]);
        assert_eq!((2.0 * &w).to_vec::<f32>(), vec![2.0, 4.0]);
        assert_eq!((&w * 2.0f32).to_vec::<f32>(), vec![2.0, 4.0]);
        assert_eq!((2 * &w).to_vec::<f32>(), vec![2.0, 4.0]);
        assert_eq!((&w / &w).to_vec::<f32>(), vec![1.0, 1.0]);
        assert_eq!((-&w).to_vec::<f32>(), vec![-1.0, -2.0]);
        // Recorded like the tensor op: `w * x` has MulBackward0 and flows back into w.
        let y = &w * &x;
        assert_eq!(y.grad_fn().unwrap().name(), "MulBackward0");
        y.sum().backward();
        assert_eq!(w.grad().unwrap().to_vec::<f32>(), vec![3.0, 4.0]);
    }

    #[test]
    fn scalar_operands_of_every_kind() {
        let x = crate::tensor([1.0f32, 2.0]);
        // As torch: `x * 2.0` / `2 * x` keep float32, `10 - x`, `1 / x`.
        assert_eq!((&x * 2.0f32).to_vec::<f32>(), vec![2.0, 4.0]);
        assert_eq!((&x * 2i32).to_vec::<f32>(), vec![2.0, 4.0]);
        assert_eq!((10i64 - &x).to_vec::<f32>(), vec![9.0, 8.0]);
        assert_eq!((1.0 / &x).to_vec::<f32>(), vec![1.0, 0.5]);
        assert_eq!((&x + 3i64).dtype(), crate::DType::F32);
        // Untyped literals still resolve on either side.
        assert_eq!((&x * 2.0).to_vec::<f32>(), (2.0 * &x).to_vec::<f32>());
        assert_eq!((&x - 1).to_vec::<f32>(), vec![0.0, 1.0]);
        let i = crate::tensor([1i64, 2]);
        // torch.tensor([1, 2]) * 2.5 -> tensor([2.5, 5.0]) (float32); 2 * it stays int64.
        assert_eq!((&i * 2.5f32).to_vec::<f32>(), vec![2.5, 5.0]);
        assert_eq!((&i * 2i32).dtype(), crate::DType::I64);
        assert_eq!((2 * &i).to_vec::<i64>(), vec![2, 4]);
    }
}

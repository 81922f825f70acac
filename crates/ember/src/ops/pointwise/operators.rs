//! The operator traits: `+ - * /` with tensors or Rust numbers on either side, and unary
//! `-`.

use crate::{Scalar, Tensor};

/// The Rust scalars an operator takes on its right (`&x * 2.0f32`, `&x + 1i32`): one generic
/// impl over them, so an untyped literal (`&x * 2.0`) still picks one impl and defaults to
/// `f64`/`i32` as usual. On the left (`2.0 * &x`) Rust needs one impl per type: `f64` and
/// `i64` there, so untyped literals work; give other types as `f64`/`i64`.
pub trait OperatorScalar: Into<Scalar> + Copy + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! operator_scalars {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl OperatorScalar for $t {}
    )*};
}
operator_scalars!(f64, f32, i64, i32);

macro_rules! impl_binary_operator {
    ($trait:ident, $method:ident, $op:ident, $rop:expr) => {
        impl std::ops::$trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$op(self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$op(self, &rhs)
            }
        }
        impl std::ops::$trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$op(&self, rhs)
            }
        }
        impl std::ops::$trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$op(&self, &rhs)
            }
        }
        impl<S: OperatorScalar> std::ops::$trait<S> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                Tensor::$op(self, rhs.into())
            }
        }
        impl<S: OperatorScalar> std::ops::$trait<S> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                Tensor::$op(&self, rhs.into())
            }
        }
        impl_binary_operator!(@scalars $trait, $method, $op, $rop, f64, i64);
    };
    (@scalars $trait:ident, $method:ident, $op:ident, $rop:expr, $($s:ty),*) => {$(
        impl std::ops::$trait<&Tensor> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                let f: fn(&Tensor, $s) -> Tensor = $rop;
                f(rhs, self)
            }
        }
        impl std::ops::$trait<Tensor> for $s {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                let f: fn(&Tensor, $s) -> Tensor = $rop;
                f(&rhs, self)
            }
        }
    )*};
}

impl_binary_operator!(Add, add, add, |t, s| t.add(s));
impl_binary_operator!(Sub, sub, sub, |t, s| t.rsub(s));
impl_binary_operator!(Mul, mul, mul, |t, s| t.mul(s));
impl_binary_operator!(Div, div, div, |t, s| t.rdiv(s));

impl std::ops::Neg for &Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

impl std::ops::Neg for Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}

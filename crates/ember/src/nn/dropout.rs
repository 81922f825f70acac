//! `nn.Dropout` and its family (`Dropout1d/2d/3d`, `AlphaDropout`, `FeatureAlphaDropout`),
//! and the reshaping layers `nn.Flatten` and `nn.Unflatten`.

use super::functional as F;
use super::module::Module;
use crate::Tensor;
use crate::error::{OrPanic, Result, bail};
use crate::optim::py_float;
use crate::shape::wrap_dim;

/// Options of [`Dropout::new_with`] (PyTorch's keywords and defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct DropoutOptions {
    /// Zero elements of the input itself, as `F.dropout_` does, instead of returning a new
    /// tensor (default false).
    pub inplace: bool,
}

/// Declares a dropout layer: `p` and `inplace`, the functional form while training, the
/// identity after `eval()`, and PyTorch's `p=…, inplace=…` repr.
macro_rules! dropout_layer {
    ($(#[$doc:meta])* $name:ident, $torch:literal, |$x:ident, $p:ident, $t:ident, $i:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, ember_derive::Module)]
        #[module(extra_repr = repr)]
        pub struct $name {
            /// The probability of zeroing an element (a channel, for the feature forms).
            pub p: f64,
            /// Whether to write into the input.
            pub inplace: bool,
            training: bool,
        }

        impl $name {
            #[doc = concat!("`", $torch, "(p)`.")]
            ///
            /// # Panics
            /// If `p` is outside `[0, 1]`.
            #[must_use]
            #[track_caller]
            pub fn new(p: f64) -> $name {
                $name::new_with(p, DropoutOptions::default()).or_panic()
            }

            #[doc = concat!("`", $torch, "(p, inplace=…)`.")]
            ///
            /// # Errors
            /// If `p` is outside `[0, 1]`.
            pub fn new_with(p: f64, opts: DropoutOptions) -> Result<$name> {
                if !(0.0..=1.0).contains(&p) {
                    bail!(
                        Value,
                        "dropout probability has to be between 0 and 1, but got {}",
                        py_float(p)
                    );
                }
                Ok($name {
                    p,
                    inplace: opts.inplace,
                    training: true,
                })
            }

            fn repr(&self) -> String {
                format!(
                    "p={}, inplace={}",
                    py_float(self.p),
                    if self.inplace { "True" } else { "False" }
                )
            }
        }

        impl Module for $name {
            #[track_caller]
            fn forward(&self, $x: &Tensor) -> Result<Tensor> {
                let ($p, $t, $i) = (self.p, self.training, self.inplace);
                $body
            }
        }
    };
}

dropout_layer!(
    /// `nn.Dropout(p)`: [`F::dropout`] while training, the identity after `eval()`.
    ///
    /// ```
    /// use ember::nn::{Dropout, DropoutOptions, Module};
    /// let mut d = Dropout::new(0.5);
    /// d.eval();
    /// let x = ember::ones([3]);
    /// assert_eq!(d.forward(&x).unwrap().to_vec::<f32>(), vec![1.0; 3]);
    ///
    /// // nn.Dropout(1.0, inplace=True): zeroes the input itself while training.
    /// let d = Dropout::new_with(1.0, DropoutOptions { inplace: true }).unwrap();
    /// assert_eq!(d.to_string(), "Dropout(p=1.0, inplace=True)");
    /// let x = ember::ones([3]);
    /// d.forward(&x).unwrap();
    /// assert_eq!(x.to_vec::<f32>(), vec![0.0; 3]);
    ///
    /// let e = Dropout::new_with(1.5, DropoutOptions::default()).unwrap_err();
    /// assert_eq!(e.to_string(), "dropout probability has to be between 0 and 1, but got 1.5");
    /// ```
    Dropout,
    "nn.Dropout",
    |x, p, training, inplace| if inplace {
        F::dropout_(x, p, training)
    } else {
        F::dropout(x, p, training)
    }
);

dropout_layer!(
    /// `nn.Dropout1d(p)`: [`F::dropout1d`] (whole channels of `(N, C, L)` or `(C, L)`).
    ///
    /// ```
    /// use ember::nn::{Dropout1d, Module};
    /// assert_eq!(Dropout1d::new(0.2).to_string(), "Dropout1d(p=0.2, inplace=False)");
    /// ```
    Dropout1d,
    "nn.Dropout1d",
    |x, p, training, inplace| F::dropout1d(x, p, training, inplace)
);

dropout_layer!(
    /// `nn.Dropout2d(p)`: [`F::dropout2d`] (whole channels of `(N, C, H, W)`).
    ///
    /// ```
    /// use ember::nn::{Dropout2d, Module};
    /// assert_eq!(Dropout2d::new(0.5).to_string(), "Dropout2d(p=0.5, inplace=False)");
    /// ```
    Dropout2d,
    "nn.Dropout2d",
    |x, p, training, inplace| F::dropout2d(x, p, training, inplace)
);

dropout_layer!(
    /// `nn.Dropout3d(p)`: [`F::dropout3d`] (whole channels of `(N, C, D, H, W)`).
    ///
    /// ```
    /// use ember::nn::{Dropout3d, Module};
    /// assert_eq!(Dropout3d::new(0.5).to_string(), "Dropout3d(p=0.5, inplace=False)");
    /// ```
    Dropout3d,
    "nn.Dropout3d",
    |x, p, training, inplace| F::dropout3d(x, p, training, inplace)
);

dropout_layer!(
    /// `nn.AlphaDropout(p)`: [`F::alpha_dropout`] while training (for SELU networks).
    ///
    /// ```
    /// use ember::nn::{AlphaDropout, Module};
    /// let d = AlphaDropout::new(0.2);
    /// assert_eq!(d.to_string(), "AlphaDropout(p=0.2, inplace=False)");
    /// ```
    AlphaDropout,
    "nn.AlphaDropout",
    |x, p, training, inplace| if inplace {
        F::alpha_dropout_(x, p, training)
    } else {
        F::alpha_dropout(x, p, training)
    }
);

dropout_layer!(
    /// `nn.FeatureAlphaDropout(p)`: [`F::feature_alpha_dropout`] while training.
    ///
    /// ```
    /// use ember::nn::{FeatureAlphaDropout, Module};
    /// assert_eq!(FeatureAlphaDropout::new(0.5).to_string(), "FeatureAlphaDropout(p=0.5, inplace=False)");
    /// ```
    FeatureAlphaDropout,
    "nn.FeatureAlphaDropout",
    |x, p, training, inplace| if inplace {
        F::feature_alpha_dropout_(x, p, training)
    } else {
        F::feature_alpha_dropout(x, p, training)
    }
);

/// `nn.Flatten(start_dim, end_dim)` (default `1, -1`): merges those dims into one.
///
/// ```
/// use ember::nn::{Flatten, Module};
/// let y = Flatten::default().forward(&ember::zeros([2, 3, 4])).unwrap();
/// assert_eq!(y.shape(), &[2, 12]);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Flatten {
    /// First dim merged.
    pub start_dim: i64,
    /// Last dim merged.
    pub end_dim: i64,
}

impl Flatten {
    /// `nn.Flatten(start_dim, end_dim)`.
    pub fn new(start_dim: i64, end_dim: i64) -> Flatten {
        Flatten { start_dim, end_dim }
    }
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten::new(1, -1)
    }
}

impl Flatten {
    fn repr(&self) -> String {
        format!("start_dim={}, end_dim={}", self.start_dim, self.end_dim)
    }
}

impl Module for Flatten {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.try_flatten(self.start_dim, self.end_dim)
    }
}

/// `nn.Unflatten(dim, unflattened_size)`: splits one dim into several (one size may be -1).
///
/// ```
/// use ember::nn::{Module, Unflatten};
/// let y = Unflatten::new(1, &[2, -1]).forward(&ember::zeros([3, 10])).unwrap();
/// assert_eq!(y.shape(), &[3, 2, 5]);
/// ```
#[derive(Clone, Debug, ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Unflatten {
    /// The dim split.
    pub dim: i64,
    /// The sizes it is split into.
    pub unflattened_size: Vec<i64>,
}

impl Unflatten {
    /// `nn.Unflatten(dim, unflattened_size)`.
    pub fn new(dim: i64, unflattened_size: &[i64]) -> Unflatten {
        Unflatten {
            dim,
            unflattened_size: unflattened_size.to_vec(),
        }
    }
}

impl Unflatten {
    fn repr(&self) -> String {
        let sizes: Vec<String> = self.unflattened_size.iter().map(i64::to_string).collect();
        let tuple = if sizes.len() == 1 {
            format!("({},)", sizes[0])
        } else {
            format!("({})", sizes.join(", "))
        };
        format!("dim={}, unflattened_size={tuple}", self.dim)
    }
}

impl Module for Unflatten {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let d = wrap_dim(self.dim, x.dim())?;
        let s = x.shape();
        let shape: Vec<i64> = s[..d]
            .iter()
            .map(|&v| v as i64)
            .chain(self.unflattened_size.iter().copied())
            .chain(s[d + 1..].iter().map(|&v| v as i64))
            .collect();
        let known: i64 = self.unflattened_size.iter().filter(|&&v| v != -1).product();
        let fits = if self.unflattened_size.contains(&-1) {
            known != 0 && s[d] as i64 % known == 0
        } else {
            known == s[d] as i64
        };
        if !fits {
            bail!(
                Shape,
                "unflatten: Provided sizes {} don't multiply up to the size of dim {} ({}) in the input tensor",
                crate::shape::ShapeFmt(&self.unflattened_size),
                self.dim,
                s[d]
            );
        }
        x.try_view(shape)
    }
}

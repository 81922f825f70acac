//! The dropout family — `dropout`, `dropout1d/2d/3d` (feature dropout: whole channels),
//! `alpha_dropout` and `feature_alpha_dropout`, each with its in-place form — drawing
//! PyTorch's masks in PyTorch's order, so a seeded run drops what PyTorch drops.
//!
//! Note [Dropout masks]
//! PyTorch's CPU dropout (`_dropout_impl`) is `noise = empty_like(input).bernoulli_(1 - p)`,
//! then `noise.div_(1 - p)` and `input * noise` (`MulBackward0`). Its `bernoulli_(q)` draws
//! one double per element, in memory order, from the 53 low bits of a 64-bit draw, and
//! keeps the element where that double is below `q`: the same doubles `rand(shape, f64)`
//! gives. So the mask here is `rand(shape, f64) < 1 - p`, which reproduces PyTorch's masks
//! after `manual_seed` exactly. Feature dropout draws one value per `(N, C)` channel; alpha
//! dropout turns the mask into an affine map that keeps SELU's mean and variance.

use crate::error::{Result, bail};
use crate::{DType, Tensor};

fn check_p(p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        bail!(
            Value,
            "dropout probability has to be between 0 and 1, but got {}",
            crate::scalar::py_float(p)
        );
    }
    Ok(())
}

/// Which member of the family ([`dropout_impl`]'s template arguments in PyTorch).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Kind {
    feature: bool,
    alpha: bool,
}

const PLAIN: Kind = Kind {
    feature: false,
    alpha: false,
};
const FEATURE: Kind = Kind {
    feature: true,
    alpha: false,
};
const ALPHA: Kind = Kind {
    feature: false,
    alpha: true,
};
const FEATURE_ALPHA: Kind = Kind {
    feature: true,
    alpha: true,
};

/// `input * m` or `input *= m`.
fn multiply(input: &Tensor, m: &Tensor, inplace: bool) -> Result<Tensor> {
    if inplace {
        input.try_mul_(m)
    } else {
        input.try_mul(m)
    }
}

/// PyTorch's `_dropout_impl<feature, alpha, inplace>`. See Note [Dropout masks].
fn dropout_impl(input: &Tensor, p: f64, train: bool, inplace: bool, kind: Kind) -> Result<Tensor> {
    check_p(p)?;
    if p == 0.0 || !train || input.numel() == 0 {
        return Ok(input.clone());
    }
    if p == 1.0 {
        let zero = crate::try_zeros_with([0usize; 0], (input.dtype(), input.device()))?;
        return multiply(input, &zero, inplace);
    }
    let shape: Vec<usize> = if kind.feature {
        if input.dim() < 2 {
            bail!(
                Shape,
                "Feature dropout requires at least 2 dimensions in the input"
            );
        }
        let s = input.shape();
        let mut v = vec![s[0], s[1]];
        v.resize(s.len(), 1);
        v
    } else {
        input.shape().to_vec()
    };
    let (noise, b) = {
        let _g = crate::no_grad();
        let u = crate::try_rand_with(shape.as_slice(), (DType::F64, input.device()))?;
        let noise = u.try_lt(1.0 - p)?.try_to_dtype(input.dtype())?;
        if kind.alpha {
            const ALPHA: f64 = 1.758_099_340_847_376_6;
            let a = 1.0 / ((ALPHA * ALPHA * p + 1.0) * (1.0 - p)).sqrt();
            let b = noise.try_add(-1.0)?;
            b.try_mul_(ALPHA * a)?;
            b.try_add_(ALPHA * a * p)?;
            noise.try_mul_(a)?;
            (noise, Some(b))
        } else {
            noise.try_div_(1.0 - p)?;
            (noise, None)
        }
    };
    let out = multiply(input, &noise, inplace)?;
    match b {
        Some(b) => out.try_add_(&b),
        None => Ok(out),
    }
}

/// Declares a member of the family and its in-place form.
macro_rules! dropout_fns {
    ($(#[$doc:meta])* $name:ident, $inplace:ident, $kind:expr, $torch:literal) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// If `p` is outside `[0, 1]`, the input is not floating, or (feature dropout) it has
        /// fewer than 2 dims.
        pub fn $name(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
            dropout_impl(input, p, training, false, $kind)
        }

        #[doc = concat!("`", $torch, "(..., inplace=True)`: as [`", stringify!($name), "`], writing into `input`.")]
        ///
        /// # Errors
        #[doc = concat!("As [`", stringify!($name), "`], and autograd's in-place checks.")]
        pub fn $inplace(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
            dropout_impl(input, p, training, true, $kind)
        }
    };
}

dropout_fns!(
    /// `F.dropout(input, p, training)`: zeroes each element with probability `p` and scales
    /// the rest by `1 / (1 - p)`; PyTorch's mask after `manual_seed`. In evaluation, with
    /// `p = 0` or an empty input, the input itself comes back.
    ///
    /// ```
    /// use ember::nn::functional as F;
    /// let x = ember::ones([1000]);
    /// ember::manual_seed(0);
    /// let y = F::dropout(&x, 0.5, true).unwrap();
    /// assert!(y.to_vec::<f32>().iter().all(|&e| e == 0.0 || e == 2.0));
    /// assert!((y.mean().item::<f32>() - 1.0).abs() < 0.15);
    /// assert_eq!(F::dropout(&x, 0.5, false).unwrap().to_vec::<f32>(), x.to_vec::<f32>());
    /// F::dropout_(&x, 1.0, true).unwrap();
    /// assert_eq!(x.sum().item::<f32>(), 0.0);
    /// ```
    dropout,
    dropout_,
    PLAIN,
    "F.dropout"
);

dropout_fns!(
    /// `F.alpha_dropout(input, p, training)`: dropout for SELU networks. Dropped elements
    /// become SELU's negative saturation and the result is rescaled, so that mean and
    /// variance are kept.
    ///
    /// ```
    /// use ember::nn::functional as F;
    /// ember::manual_seed(0);
    /// // Zero mean and unit variance stay so.
    /// let y = F::alpha_dropout(&ember::randn([10000]), 0.2, true).unwrap();
    /// assert!(y.mean().item::<f32>().abs() < 0.05);
    /// assert!((y.std().item::<f32>() - 1.0).abs() < 0.05);
    /// ```
    alpha_dropout,
    alpha_dropout_,
    ALPHA,
    "F.alpha_dropout"
);

dropout_fns!(
    /// `torch.feature_dropout(input, p, train)`: dropout of whole channels (one draw per
    /// `(N, C)`), what `dropout1d/2d/3d` run after their rank checks.
    ///
    /// ```
    /// use ember::nn::functional as F;
    /// ember::manual_seed(0);
    /// let y = F::feature_dropout(&ember::ones([4, 8, 5]), 0.5, true).unwrap();
    /// assert!(y.to_vec::<f32>().chunks(5).all(|c| c.iter().all(|&e| e == c[0])));
    /// ```
    feature_dropout,
    feature_dropout_,
    FEATURE,
    "torch.feature_dropout"
);

dropout_fns!(
    /// `F.feature_alpha_dropout(input, p, training)`: alpha dropout of whole channels (one
    /// draw per `(N, C)`).
    ///
    /// ```
    /// use ember::nn::functional as F;
    /// ember::manual_seed(0);
    /// let y = F::feature_alpha_dropout(&ember::ones([4, 8, 5]), 0.5, true).unwrap();
    /// let v = y.to_vec::<f32>();
    /// assert!(v.chunks(5).all(|c| c.iter().all(|&e| e == c[0])));
    /// ```
    feature_alpha_dropout,
    feature_alpha_dropout_,
    FEATURE_ALPHA,
    "F.feature_alpha_dropout"
);

/// PyTorch's `dropout2d`/`dropout3d` warning for an input of a rank they do not expect.
#[track_caller]
fn warn_rank(which: &str, spatial: usize, got: usize) {
    let ranks = match spatial {
        2 => "3D or 4D",
        _ => "4D or 5D",
    };
    let dims = if spatial == 2 {
        "2 spatial dimensions"
    } else {
        "3 spatial dimensions"
    };
    crate::warnings::warn(format!(
        "{which}: Received a {got}-D input to {which}, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that {which} exists to provide channel-wise dropout on inputs with {dims}, a channel dimension, and an optional batch dimension (i.e. {ranks} inputs)."
    ));
}

/// Feature dropout that treats an input without its batch dim as a batch of one.
fn unbatched(
    input: &Tensor,
    batched: bool,
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    if batched {
        return f(input);
    }
    f(&input.try_unsqueeze(0)?)?.try_squeeze_dim(0)
}

/// `F.dropout1d(input, p, training, inplace)`: zeroes whole channels of an `(N, C, L)` or
/// `(C, L)` input, each with probability `p`.
///
/// ```
/// use ember::nn::functional as F;
/// ember::manual_seed(0);
/// let y = F::dropout1d(&ember::ones([6, 4]), 0.5, true, false).unwrap();
/// assert!(y.to_vec::<f32>().chunks(4).all(|c| c.iter().all(|&e| e == c[0])));
/// assert!(F::dropout1d(&ember::ones([4]), 0.5, true, false).is_err());
/// ```
///
/// # Errors
/// If the input is not 2-D or 3-D, or as [`dropout`].
pub fn dropout1d(input: &Tensor, p: f64, training: bool, inplace: bool) -> Result<Tensor> {
    check_p(p)?;
    let d = input.dim();
    if d != 2 && d != 3 {
        bail!(
            Shape,
            "dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        );
    }
    unbatched(input, d == 3, |x| {
        dropout_impl(x, p, training, inplace, FEATURE)
    })
}

/// `F.dropout2d(input, p, training, inplace)`: zeroes whole channels of an `(N, C, H, W)`
/// input. As in PyTorch, a 3-D input is taken as `(N, C, L)` (with a warning), and other
/// ranks warn that they are deprecated.
///
/// ```
/// use ember::nn::functional as F;
/// ember::manual_seed(0);
/// let y = F::dropout2d(&ember::ones([2, 3, 4, 4]), 0.5, true, false).unwrap();
/// assert!(y.to_vec::<f32>().chunks(16).all(|c| c.iter().all(|&e| e == c[0])));
/// ```
///
/// # Errors
/// As [`dropout`], or an input of fewer than 2 dims.
#[track_caller]
pub fn dropout2d(input: &Tensor, p: f64, training: bool, inplace: bool) -> Result<Tensor> {
    check_p(p)?;
    let d = input.dim();
    if d != 3 && d != 4 {
        warn_rank("dropout2d", 2, d);
    }
    if d == 3 {
        crate::warnings::warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
        );
    }
    dropout_impl(input, p, training, inplace, FEATURE)
}

/// `F.dropout3d(input, p, training, inplace)`: zeroes whole channels of an
/// `(N, C, D, H, W)` or `(C, D, H, W)` input; other ranks warn that they are deprecated.
///
/// ```
/// use ember::nn::functional as F;
/// ember::manual_seed(0);
/// let y = F::dropout3d(&ember::ones([3, 2, 2, 2]), 0.5, true, false).unwrap();
/// assert!(y.to_vec::<f32>().chunks(8).all(|c| c.iter().all(|&e| e == c[0])));
/// ```
///
/// # Errors
/// As [`dropout`].
#[track_caller]
pub fn dropout3d(input: &Tensor, p: f64, training: bool, inplace: bool) -> Result<Tensor> {
    check_p(p)?;
    let d = input.dim();
    if d != 4 && d != 5 {
        warn_rank("dropout3d", 3, d);
    }
    unbatched(input, d == 5, |x| {
        dropout_impl(x, p, training, inplace, FEATURE)
    })
}

//! Loss modules (`nn.MSELoss`, `nn.CrossEntropyLoss`, …): the functional losses with their
//! keyword arguments stored. Like PyTorch's, their `forward` takes `(input, target)`.

use super::functional::{self as F, CrossEntropyOptions, NllLossOptions, Reduction};
use crate::Tensor;
use crate::error::{OrPanic, Result};

/// The panicking `call(input, target)` of a loss module (its `ModuleFields` are derived).
macro_rules! loss_call {
    ($t:ty) => {
        impl $t {
            /// Panicking form of `forward`.
            ///
            /// # Panics
            /// As `forward`'s errors.
            #[track_caller]
            pub fn call(&self, input: &Tensor, target: &Tensor) -> Tensor {
                self.forward(input, target).or_panic()
            }
        }
    };
    ($t:ident, with_new) => {
        loss_call!($t);

        impl $t {
            #[doc = concat!("`nn.", stringify!($t), "()`: the loss with PyTorch's defaults.")]
            pub fn new() -> $t {
                $t::default()
            }
        }
    };
}

macro_rules! reduction_loss {
    ($(#[$doc:meta])* $t:ident, |$s:ident, $x:ident, $y:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, ember_derive::Module)]
        pub struct $t {
            /// `reduction=` (default mean).
            #[module(skip)]
            pub reduction: Reduction,
        }

        impl $t {
            /// The loss with the default reduction (mean).
            pub fn new() -> $t {
                $t::default()
            }

            /// The loss with `reduction`.
            pub fn with_reduction(reduction: Reduction) -> $t {
                $t { reduction }
            }

            /// The loss of `input` against `target`.
            ///
            /// # Errors
            /// As the functional form's.
            #[track_caller]
            pub fn forward(&self, $x: &Tensor, $y: &Tensor) -> Result<Tensor> {
                let $s = self;
                $body
            }
        }

        loss_call!($t);
    };
}

reduction_loss!(
    /// `nn.MSELoss()`.
    ///
    /// ```
    /// let l = ember::nn::MSELoss::new().call(&ember::tensor([1.0, 3.0]), &ember::tensor([0.0, 0.0]));
    /// assert_eq!(l.item::<f32>(), 5.0);
    /// ```
    MSELoss, |s, x, y| F::mse_loss(x, y, s.reduction)
);
reduction_loss!(
    /// `nn.L1Loss()`.
    ///
    /// ```
    /// let l = ember::nn::L1Loss::new().call(&ember::tensor([1.0, -3.0]), &ember::tensor([0.0, 0.0]));
    /// assert_eq!(l.item::<f32>(), 2.0);
    /// ```
    L1Loss, |s, x, y| F::l1_loss(x, y, s.reduction)
);
reduction_loss!(
    /// `nn.BCELoss()` on probabilities.
    ///
    /// ```
    /// let l = ember::nn::BCELoss::new().call(&ember::tensor([0.5]), &ember::tensor([1.0]));
    /// assert!((l.item::<f32>() - 2f32.ln()).abs() < 1e-6);
    /// ```
    BCELoss, |s, x, y| F::binary_cross_entropy(x, y, s.reduction)
);
reduction_loss!(
    /// `nn.BCEWithLogitsLoss()` on logits.
    ///
    /// ```
    /// let l = ember::nn::BCEWithLogitsLoss::new().call(&ember::tensor([0.0]), &ember::tensor([1.0]));
    /// assert!((l.item::<f32>() - 2f32.ln()).abs() < 1e-6);
    /// ```
    BCEWithLogitsLoss, |s, x, y| F::binary_cross_entropy_with_logits(x, y, s.reduction)
);

/// `nn.HuberLoss(reduction, delta)`.
///
/// ```
/// let l = ember::nn::HuberLoss::default().call(&ember::tensor([3.0]), &ember::tensor([0.0]));
/// assert_eq!(l.item::<f32>(), 2.5);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
pub struct HuberLoss {
    /// `reduction=` (default mean).
    #[module(skip)]
    pub reduction: Reduction,
    /// Where the loss turns linear (default 1).
    pub delta: f64,
}

impl Default for HuberLoss {
    fn default() -> Self {
        HuberLoss {
            reduction: Reduction::Mean,
            delta: 1.0,
        }
    }
}

impl HuberLoss {
    /// The loss of `input` against `target`.
    ///
    /// # Errors
    /// As [`F::huber_loss`].
    #[track_caller]
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        F::huber_loss(input, target, self.reduction, self.delta)
    }
}

loss_call!(HuberLoss, with_new);

/// `nn.SmoothL1Loss(reduction, beta)`.
///
/// ```
/// let l = ember::nn::SmoothL1Loss::default().call(&ember::tensor([0.5]), &ember::tensor([0.0]));
/// assert_eq!(l.item::<f32>(), 0.125);
/// ```
#[derive(Clone, Copy, Debug, ember_derive::Module)]
pub struct SmoothL1Loss {
    /// `reduction=` (default mean).
    #[module(skip)]
    pub reduction: Reduction,
    /// Where the loss turns linear (default 1).
    pub beta: f64,
}

impl Default for SmoothL1Loss {
    fn default() -> Self {
        SmoothL1Loss {
            reduction: Reduction::Mean,
            beta: 1.0,
        }
    }
}

impl SmoothL1Loss {
    /// The loss of `input` against `target`.
    ///
    /// # Errors
    /// As [`F::smooth_l1_loss`].
    #[track_caller]
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        F::smooth_l1_loss(input, target, self.reduction, self.beta)
    }
}

loss_call!(SmoothL1Loss, with_new);

/// `nn.NLLLoss(weight, ignore_index, reduction)` on log-probabilities.
///
/// ```
/// let l = ember::nn::NLLLoss::default().call(&ember::tensor([[-1.0, -2.0]]), &ember::tensor([1i64]));
/// assert_eq!(l.item::<f32>(), 2.0);
/// ```
#[derive(Clone, Debug, ember_derive::Module)]
pub struct NLLLoss {
    /// A weight per class.
    pub weight: Option<Tensor>,
    /// Targets equal to this are skipped (default -100).
    pub ignore_index: i64,
    /// `reduction=` (default mean).
    #[module(skip)]
    pub reduction: Reduction,
}

impl Default for NLLLoss {
    fn default() -> Self {
        NLLLoss {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
        }
    }
}

impl NLLLoss {
    /// The loss of `input` against class indices `target`.
    ///
    /// # Errors
    /// As [`F::nll_loss`].
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        F::nll_loss(
            input,
            target,
            NllLossOptions {
                weight: self.weight.as_ref(),
                ignore_index: self.ignore_index,
                reduction: self.reduction,
            },
        )
    }
}

loss_call!(NLLLoss, with_new);

/// `nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)` on logits.
///
/// ```
/// let loss = ember::nn::CrossEntropyLoss::new();
/// let l = loss.call(&ember::tensor([[0.0, 0.0]]), &ember::tensor([1i64]));
/// assert!((l.item::<f32>() - 2f32.ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, ember_derive::Module)]
pub struct CrossEntropyLoss {
    /// A weight per class.
    pub weight: Option<Tensor>,
    /// Class-index targets equal to this are skipped (default -100).
    pub ignore_index: i64,
    /// `reduction=` (default mean).
    #[module(skip)]
    pub reduction: Reduction,
    /// `label_smoothing=` (default 0).
    pub label_smoothing: f64,
}

impl Default for CrossEntropyLoss {
    fn default() -> Self {
        CrossEntropyLoss {
            weight: None,
            ignore_index: -100,
            reduction: Reduction::Mean,
            label_smoothing: 0.0,
        }
    }
}

impl CrossEntropyLoss {
    /// The loss of logits `input` against class indices or probabilities `target`.
    ///
    /// # Errors
    /// As [`F::cross_entropy`].
    pub fn forward(&self, input: &Tensor, target: &Tensor) -> Result<Tensor> {
        F::cross_entropy(
            input,
            target,
            CrossEntropyOptions {
                weight: self.weight.as_ref(),
                ignore_index: self.ignore_index,
                reduction: self.reduction,
                label_smoothing: self.label_smoothing,
            },
        )
    }
}

loss_call!(CrossEntropyLoss, with_new);

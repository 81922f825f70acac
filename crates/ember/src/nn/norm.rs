//! Normalisation layers: `nn.LayerNorm`, `nn.GroupNorm`, `nn.BatchNorm1d`, `nn.BatchNorm2d`.

use super::functional::{self as F, BatchNormOptions};
use super::module::Module;
use super::{Buffer, Parameter};
use crate::error::{OrPanic, Result, bail};
use crate::optim::py_float;
use crate::{DType, Tensor};

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// `ones` or `zeros` of `shape` as a parameter, in `dtype` (default: the default float
/// dtype).
fn affine_param(shape: &[usize], one: bool, dtype: Option<DType>) -> Result<Parameter> {
    let dt = dtype.unwrap_or_else(crate::get_default_dtype);
    let t = if one {
        crate::try_full_with(shape, 1.0, dt)?
    } else {
        crate::try_zeros_with(shape, dt)?
    };
    Parameter::new(t)
}

/// Options of [`LayerNorm::new_with`] (PyTorch's keywords and defaults).
///
/// ```
/// use ember::nn::{LayerNorm, LayerNormOptions};
/// // nn.LayerNorm(4, eps=1e-6, bias=False)
/// let opts = LayerNormOptions { eps: 1e-6, bias: false, ..Default::default() };
/// let ln = LayerNorm::new_with(&[4], opts).unwrap();
/// assert_eq!(ln.to_string(), "LayerNorm((4,), eps=1e-06, elementwise_affine=True, bias=False)");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct LayerNormOptions {
    /// Added to the variance (default 1e-5).
    pub eps: f64,
    /// Learnable per-element weight (ones) and bias (zeros) of `normalized_shape` (default
    /// true).
    pub elementwise_affine: bool,
    /// With `elementwise_affine`, whether there is a bias (default true).
    pub bias: bool,
    /// The parameters' dtype (default: the default float dtype).
    pub dtype: Option<DType>,
}

impl Default for LayerNormOptions {
    fn default() -> Self {
        LayerNormOptions {
            eps: 1e-5,
            elementwise_affine: true,
            bias: true,
            dtype: None,
        }
    }
}

/// `nn.LayerNorm(normalized_shape)`: [`F::layer_norm`] over the trailing `normalized_shape`
/// dims, with a weight (ones) and bias (zeros) of that shape.
///
/// ```
/// use ember::nn::{LayerNorm, Module};
/// let ln = LayerNorm::new(&[2]);
/// let y = ln.forward(&ember::tensor([[1.0, 3.0]])).unwrap();
/// assert!((y.to_vec::<f32>()[1] - 1.0).abs() < 1e-4);
/// assert_eq!(y.grad_fn().unwrap().name(), "NativeLayerNormBackward0");
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct LayerNorm {
    /// `normalized_shape`, if `elementwise_affine`.
    pub weight: Option<Parameter>,
    /// `normalized_shape`, if `elementwise_affine` and `bias`.
    pub bias: Option<Parameter>,
    /// The trailing dims normalised over.
    pub normalized_shape: Vec<usize>,
    /// Added to the variance.
    pub eps: f64,
    training: bool,
}

impl LayerNorm {
    /// `nn.LayerNorm(normalized_shape)` (eps 1e-5, with weight and bias).
    #[must_use]
    #[track_caller]
    pub fn new(normalized_shape: &[usize]) -> LayerNorm {
        LayerNorm::new_with(normalized_shape, LayerNormOptions::default()).or_panic()
    }

    /// `nn.LayerNorm(normalized_shape, eps=…, elementwise_affine=…, bias=…, dtype=…)`.
    ///
    /// ```
    /// use ember::nn::{LayerNorm, LayerNormOptions, Module};
    /// // nn.LayerNorm(2, elementwise_affine=False): no parameters at all.
    /// let opts = LayerNormOptions { elementwise_affine: false, ..Default::default() };
    /// let ln = LayerNorm::new_with(&[2], opts).unwrap();
    /// assert!(ln.weight.is_none() && ln.bias.is_none());
    /// assert!(ln.state_dict().is_empty());
    /// let y = ln.forward(&ember::tensor([[1.0, 3.0]])).unwrap();
    /// assert!((y.to_vec::<f32>()[0] + 1.0).abs() < 1e-4);
    /// ```
    ///
    /// # Errors
    /// If `dtype` is not a floating dtype.
    pub fn new_with(normalized_shape: &[usize], opts: LayerNormOptions) -> Result<LayerNorm> {
        let weight = opts
            .elementwise_affine
            .then(|| affine_param(normalized_shape, true, opts.dtype))
            .transpose()?;
        let bias = (opts.elementwise_affine && opts.bias)
            .then(|| affine_param(normalized_shape, false, opts.dtype))
            .transpose()?;
        Ok(LayerNorm {
            weight,
            bias,
            normalized_shape: normalized_shape.to_vec(),
            eps: opts.eps,
            training: true,
        })
    }
}

impl LayerNorm {
    fn repr(&self) -> String {
        let dims: Vec<String> = self.normalized_shape.iter().map(usize::to_string).collect();
        let tuple = if dims.len() == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        };
        format!(
            "{tuple}, eps={}, elementwise_affine={}, bias={}",
            py_float(self.eps),
            py_bool(self.weight.is_some()),
            py_bool(self.bias.is_some())
        )
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::layer_norm(
            x,
            &self.normalized_shape,
            self.weight.as_deref(),
            self.bias.as_deref(),
            self.eps,
        )
    }
}

/// Options of [`GroupNorm::new_with`] (PyTorch's keywords and defaults).
///
/// ```
/// use ember::nn::{GroupNorm, GroupNormOptions};
/// // nn.GroupNorm(2, 4, affine=False)
/// let opts = GroupNormOptions { affine: false, ..Default::default() };
/// let gn = GroupNorm::new_with(2, 4, opts).unwrap();
/// assert_eq!(gn.to_string(), "GroupNorm(2, 4, eps=1e-05, affine=False, bias=False)");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct GroupNormOptions {
    /// Added to the variance (default 1e-5).
    pub eps: f64,
    /// Learnable per-channel weight (ones) and bias (zeros) (default true).
    pub affine: bool,
    /// With `affine`, whether there is a bias (default true).
    pub bias: bool,
    /// The parameters' dtype (default: the default float dtype).
    pub dtype: Option<DType>,
}

impl Default for GroupNormOptions {
    fn default() -> Self {
        GroupNormOptions {
            eps: 1e-5,
            affine: true,
            bias: true,
            dtype: None,
        }
    }
}

/// `nn.GroupNorm(num_groups, num_channels)`: [`F::group_norm`] with a per-channel weight
/// (ones) and bias (zeros).
///
/// ```
/// use ember::nn::{GroupNorm, Module};
/// let gn = GroupNorm::new(2, 4);
/// let y = gn.forward(&ember::randn([3, 4, 5])).unwrap();
/// assert_eq!(y.grad_fn().unwrap().name(), "NativeGroupNormBackward0");
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct GroupNorm {
    /// `[num_channels]`, if `affine`.
    pub weight: Option<Parameter>,
    /// `[num_channels]`, if `affine` and `bias`.
    pub bias: Option<Parameter>,
    /// Groups the channels are split into.
    pub num_groups: usize,
    /// Channels expected in dim 1.
    pub num_channels: usize,
    /// Added to the variance.
    pub eps: f64,
    training: bool,
}

impl GroupNorm {
    /// `nn.GroupNorm(num_groups, num_channels)`.
    ///
    /// # Panics
    /// If `num_channels` is not divisible by `num_groups`.
    #[must_use]
    #[track_caller]
    pub fn new(num_groups: usize, num_channels: usize) -> GroupNorm {
        GroupNorm::new_with(num_groups, num_channels, GroupNormOptions::default()).or_panic()
    }

    /// `nn.GroupNorm(num_groups, num_channels, eps=…, affine=…, dtype=…, bias=…)`.
    ///
    /// ```
    /// use ember::nn::{GroupNorm, GroupNormOptions};
    /// let opts = GroupNormOptions { eps: 1e-3, bias: false, ..Default::default() };
    /// let gn = GroupNorm::new_with(2, 4, opts).unwrap();
    /// assert_eq!(gn.weight.as_ref().unwrap().to_vec::<f32>(), vec![1.0; 4]);
    /// assert!(gn.bias.is_none());
    /// let e = GroupNorm::new_with(3, 4, GroupNormOptions::default()).err().unwrap();
    /// assert_eq!(e.to_string(), "num_channels (4) must be divisible by num_groups (3)");
    /// ```
    ///
    /// # Errors
    /// If `num_groups` is zero, `num_channels` is not divisible by it, or `dtype` is not a
    /// floating dtype.
    pub fn new_with(
        num_groups: usize,
        num_channels: usize,
        opts: GroupNormOptions,
    ) -> Result<GroupNorm> {
        if num_groups == 0 {
            // Python's message for `num_channels % 0`.
            bail!(Value, "integer modulo by zero");
        }
        if !num_channels.is_multiple_of(num_groups) {
            bail!(
                Value,
                "num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            );
        }
        Ok(GroupNorm {
            weight: opts
                .affine
                .then(|| affine_param(&[num_channels], true, opts.dtype))
                .transpose()?,
            bias: (opts.affine && opts.bias)
                .then(|| affine_param(&[num_channels], false, opts.dtype))
                .transpose()?,
            num_groups,
            num_channels,
            eps: opts.eps,
            training: true,
        })
    }
}

impl GroupNorm {
    fn repr(&self) -> String {
        format!(
            "{}, {}, eps={}, affine={}, bias={}",
            self.num_groups,
            self.num_channels,
            py_float(self.eps),
            py_bool(self.weight.is_some()),
            py_bool(self.bias.is_some())
        )
    }
}

impl Module for GroupNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::group_norm(
            x,
            self.num_groups,
            self.weight.as_deref(),
            self.bias.as_deref(),
            self.eps,
        )
    }
}

/// Options of the batch-norm layers (PyTorch's keywords and defaults).
#[derive(Clone, Copy, Debug)]
pub struct BatchNormConfig {
    /// Added to the variance (default 1e-5).
    pub eps: f64,
    /// Running-statistics update weight (default `Some(0.1)`); `None` keeps a cumulative
    /// average (`1 / num_batches_tracked`).
    pub momentum: Option<f64>,
    /// Learnable per-channel weight and bias (default true).
    pub affine: bool,
    /// With `affine`, whether there is a bias (default true).
    pub bias: bool,
    /// Keep running statistics, used in evaluation (default true).
    pub track_running_stats: bool,
}

impl Default for BatchNormConfig {
    fn default() -> Self {
        BatchNormConfig {
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
            bias: true,
            track_running_stats: true,
        }
    }
}

macro_rules! batch_norm_layer {
    ($(#[$doc:meta])* $t:ident, $name:literal, |$nd:ident| $ok:expr, $expected:literal) => {
        $(#[$doc])*
        #[derive(ember_derive::Module)]
        #[module(extra_repr = repr)]
        pub struct $t {
            /// `[num_features]`, if `affine`.
            pub weight: Option<Parameter>,
            /// `[num_features]`, if `affine`.
            pub bias: Option<Parameter>,
            /// `[num_features]`, if `track_running_stats` (zeros at first).
            pub running_mean: Option<Buffer>,
            /// `[num_features]`, if `track_running_stats` (ones at first).
            pub running_var: Option<Buffer>,
            /// A 0-d int64 count of training batches, if `track_running_stats`.
            pub num_batches_tracked: Option<Buffer>,
            /// Channels expected in dim 1.
            pub num_features: usize,
            /// The options it was built with.
            #[module(skip)]
            pub config: BatchNormConfig,
            training: bool,
        }

        impl $t {
            #[doc = concat!("`nn.", $name, "(num_features)`.")]
            #[must_use]
            #[track_caller]
            pub fn new(num_features: usize) -> $t {
                $t::new_with(num_features, BatchNormConfig::default()).or_panic()
            }

            #[doc = concat!("`nn.", $name, "(num_features, eps, momentum, affine, track_running_stats)`.")]
            ///
            /// # Errors
            /// Never for valid sizes.
            pub fn new_with(num_features: usize, config: BatchNormConfig) -> Result<$t> {
                let stats = config.track_running_stats;
                let buf = |one: bool| -> Result<Option<Buffer>> {
                    stats
                        .then(|| affine_param(&[num_features], one, None).map(|p| Buffer::new(p.detach())))
                        .transpose()
                };
                Ok($t {
                    weight: config
                        .affine
                        .then(|| affine_param(&[num_features], true, None))
                        .transpose()?,
                    bias: (config.affine && config.bias)
                        .then(|| affine_param(&[num_features], false, None))
                        .transpose()?,
                    running_mean: buf(false)?,
                    running_var: buf(true)?,
                    num_batches_tracked: stats
                        .then(|| crate::try_zeros_with(Vec::<usize>::new(), DType::I64).map(Buffer::new))
                        .transpose()?,
                    num_features,
                    config,
                    training: true,
                })
            }
        }

        impl $t {
            fn repr(&self) -> String {
                format!(
                    "{}, eps={}, momentum={}, affine={}, bias={}, track_running_stats={}",
                    self.num_features,
                    py_float(self.config.eps),
                    self.config.momentum.map_or("None".to_string(), py_float),
                    py_bool(self.config.affine),
                    py_bool(self.config.bias),
                    py_bool(self.config.track_running_stats)
                )
            }
        }

        impl Module for $t {
            fn forward(&self, x: &Tensor) -> Result<Tensor> {
                let $nd = x.dim();
                if !$ok {
                    bail!(Value, concat!("expected ", $expected, " input (got {}D input)"), $nd);
                }
                batch_norm_forward(
                    x,
                    self.training,
                    &self.config,
                    (self.weight.as_deref(), self.bias.as_deref()),
                    (
                        self.running_mean.as_deref(),
                        self.running_var.as_deref(),
                        self.num_batches_tracked.as_deref(),
                    ),
                )
            }
        }
    };
}

/// `_BatchNorm.forward`: counts the batch, picks the update weight (cumulative average when
/// `momentum` is `None`), and uses batch statistics in training or without running ones.
fn batch_norm_forward(
    x: &Tensor,
    training: bool,
    config: &BatchNormConfig,
    (weight, bias): (Option<&Tensor>, Option<&Tensor>),
    (rm, rv, count): (Option<&Tensor>, Option<&Tensor>, Option<&Tensor>),
) -> Result<Tensor> {
    let mut factor = config.momentum.unwrap_or(0.0);
    if training
        && config.track_running_stats
        && let Some(n) = count
    {
        let _g = crate::no_grad();
        n.try_add_(1i64)?;
        if config.momentum.is_none() {
            factor = 1.0 / n.try_item::<i64>()? as f64;
        }
    }
    let use_batch = training || (rm.is_none() && rv.is_none());
    let (rm, rv) = if !training || config.track_running_stats {
        (rm, rv)
    } else {
        (None, None)
    };
    F::batch_norm(
        x,
        rm,
        rv,
        BatchNormOptions {
            weight,
            bias,
            training: use_batch,
            momentum: factor,
            eps: config.eps,
        },
    )
}

batch_norm_layer!(
    /// `nn.BatchNorm1d(num_features)`: [`F::batch_norm`] over `[N, C]` or `[N, C, L]`
    /// input, with running statistics as buffers (`running_mean`, `running_var`,
    /// `num_batches_tracked`) used after `eval()`.
    ///
    /// ```
    /// use ember::nn::{BatchNorm1d, Module};
    /// let bn = BatchNorm1d::new(2);
    /// let y = bn.forward(&ember::tensor([[1.0, 2.0], [3.0, 6.0]])).unwrap();
    /// assert!((y.to_vec::<f32>()[0] + 1.0).abs() < 1e-4);
    /// assert_eq!(bn.running_mean.as_ref().unwrap().to_vec::<f32>(), vec![0.2, 0.4]);
    /// ```
    BatchNorm1d,
    "BatchNorm1d",
    |nd| nd == 2 || nd == 3,
    "2D or 3D"
);

batch_norm_layer!(
    /// `nn.BatchNorm2d(num_features)`: [`F::batch_norm`] over `[N, C, H, W]` input.
    ///
    /// ```
    /// use ember::nn::{BatchNorm2d, Module};
    /// let mut bn = BatchNorm2d::new(3);
    /// bn.eval();
    /// let x = ember::randn([2, 3, 4, 4]);
    /// let y = bn.forward(&x).unwrap();
    /// // Fresh running statistics (mean 0, var 1): almost the identity.
    /// assert!(y.sub(&x).abs().max().item::<f32>() < 1e-4);
    /// ```
    BatchNorm2d,
    "BatchNorm2d",
    |nd| nd == 4,
    "4D"
);

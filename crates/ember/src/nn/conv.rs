//! `nn.Conv1d`, `nn.Conv2d` and `nn.ConvTranspose2d`, initialised as PyTorch does.

use super::functional::{
    self as F, ConvOptions, ConvPadding, ConvTransposeOptions, IntoDims, IntoPadding, PadMode,
};
use super::module::Module;
use super::{Parameter, init};
use crate::error::{OrPanic, Result, bail};
use crate::ops::conv::fold::option_setters;
use crate::{DType, Tensor};

/// Options of the convolution layers: the functional keywords plus `bias` and `dtype`.
///
/// ```
/// use ember::nn::Conv2dLayerOptions;
/// let o = Conv2dLayerOptions::default().stride(2).padding(1).bias(false);
/// assert_eq!(o.conv.stride, [2, 2]);
/// assert!(!o.bias);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ConvLayerOptions<C> {
    /// `stride`, `padding`, `dilation`, `groups` (and `output_padding` when transposed).
    pub conv: C,
    /// Whether the layer has a bias (default true).
    pub bias: bool,
    /// The parameters' dtype (default: the default float dtype).
    pub dtype: Option<DType>,
    /// How the border is padded (default [`PaddingMode::Zeros`]).
    pub padding_mode: PaddingMode,
}

/// `padding_mode=` of the convolution layers: zeros (the convolution's own padding) or an
/// `F.pad` mode applied to the input first.
///
/// ```
/// use ember::nn::PaddingMode;
/// assert_eq!("reflect".parse::<PaddingMode>().unwrap(), PaddingMode::Reflect);
/// assert!("edge".parse::<PaddingMode>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PaddingMode {
    /// `"zeros"` (the default).
    #[default]
    Zeros,
    /// `"reflect"`.
    Reflect,
    /// `"replicate"`.
    Replicate,
    /// `"circular"`.
    Circular,
}

impl PaddingMode {
    fn name(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Reflect => "reflect",
            PaddingMode::Replicate => "replicate",
            PaddingMode::Circular => "circular",
        }
    }

    fn pad_mode(self) -> Option<PadMode> {
        match self {
            PaddingMode::Zeros => None,
            PaddingMode::Reflect => Some(PadMode::Reflect),
            PaddingMode::Replicate => Some(PadMode::Replicate),
            PaddingMode::Circular => Some(PadMode::Circular),
        }
    }
}

impl std::str::FromStr for PaddingMode {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<PaddingMode> {
        Ok(match s {
            "zeros" => PaddingMode::Zeros,
            "reflect" => PaddingMode::Reflect,
            "replicate" => PaddingMode::Replicate,
            "circular" => PaddingMode::Circular,
            _ => bail!(
                Value,
                "padding_mode must be one of {{'replicate', 'circular', 'reflect', 'zeros'}}, but got padding_mode='{s}'"
            ),
        })
    }
}

/// [`ConvLayerOptions`] of [`Conv1d`].
pub type Conv1dLayerOptions = ConvLayerOptions<ConvOptions<1>>;
/// [`ConvLayerOptions`] of [`Conv2d`].
pub type Conv2dLayerOptions = ConvLayerOptions<ConvOptions<2>>;
/// [`ConvLayerOptions`] of [`ConvTranspose2d`].
pub type ConvTranspose2dLayerOptions = ConvLayerOptions<ConvTransposeOptions<2>>;

impl<C: Default> Default for ConvLayerOptions<C> {
    fn default() -> Self {
        ConvLayerOptions {
            conv: C::default(),
            bias: true,
            dtype: None,
            padding_mode: PaddingMode::Zeros,
        }
    }
}

option_setters! {
    impl[C] ConvLayerOptions<C>, "nn::Conv1dLayerOptions::default()" {
        bias: value[bool](false) => !o.bias;
        dtype: some[DType](ember::DType::F64) => o.dtype == Some(ember::DType::F64);
        padding_mode: value[PaddingMode](ember::nn::PaddingMode::Circular)
            => o.padding_mode == ember::nn::PaddingMode::Circular;
    }
}

impl<const N: usize> ConvLayerOptions<ConvOptions<N>> {
    /// Sets `padding`: sizes, or [`ConvPadding::Same`] / [`ConvPadding::Valid`].
    ///
    /// ```
    /// use ember::nn::{Conv2dLayerOptions, functional::ConvPadding};
    /// let o = Conv2dLayerOptions::default().padding(ConvPadding::Same);
    /// assert_eq!(o.conv.padding_str, Some(ConvPadding::Same));
    /// ```
    #[must_use]
    pub fn padding(mut self, v: impl IntoPadding<N>) -> Self {
        self.conv = self.conv.padding(v);
        self
    }
}

option_setters! {
    impl[] ConvLayerOptions<ConvOptions<1>>, "nn::Conv1dLayerOptions::default()" {
        stride: via[conv, impl IntoDims<1>](2) => o.conv.stride == [2];
        dilation: via[conv, impl IntoDims<1>](2) => o.conv.dilation == [2];
        groups: via[conv, i64](2) => o.conv.groups == 2;
    }
}

option_setters! {
    impl[] ConvLayerOptions<ConvOptions<2>>, "nn::Conv2dLayerOptions::default()" {
        stride: via[conv, impl IntoDims<2>]([2, 1]) => o.conv.stride == [2, 1];
        dilation: via[conv, impl IntoDims<2>](2) => o.conv.dilation == [2, 2];
        groups: via[conv, i64](2) => o.conv.groups == 2;
    }
}

option_setters! {
    impl[] ConvLayerOptions<ConvTransposeOptions<2>>, "nn::ConvTranspose2dLayerOptions::default()" {
        stride: via[conv, impl IntoDims<2>](2) => o.conv.stride == [2, 2];
        padding: via[conv, impl IntoDims<2>](1) => o.conv.padding == [1, 1];
        dilation: via[conv, impl IntoDims<2>](2) => o.conv.dilation == [2, 2];
        output_padding: via[conv, impl IntoDims<2>](1) => o.conv.output_padding == [1, 1];
        groups: via[conv, i64](2) => o.conv.groups == 2;
    }
}

/// PyTorch's default init: weight Kaiming-uniform (a = √5), bias uniform in ±1/√fan_in.
fn make_params(
    shape: &[usize],
    bias_len: usize,
    bias: bool,
    dtype: Option<DType>,
) -> Result<(Parameter, Option<Parameter>)> {
    let dt = dtype.unwrap_or_else(crate::get_default_dtype);
    if !dt.is_floating_point() {
        bail!(DType, "Conv parameters need a floating dtype, got {dt}");
    }
    let w = crate::try_empty_with(shape, dt)?;
    init::kaiming_uniform_(
        &w,
        5f64.sqrt(),
        init::FanMode::FanIn,
        init::Nonlinearity::LeakyReLU,
    )?;
    let b = if bias {
        let b = crate::try_empty_with([bias_len], dt)?;
        let (fan_in, _) = init::fan_in_and_fan_out(&w)?;
        let bound = if fan_in > 0 {
            1.0 / (fan_in as f64).sqrt()
        } else {
            0.0
        };
        init::uniform_(&b, -bound, bound)?;
        Some(Parameter::new(b)?)
    } else {
        None
    };
    Ok((Parameter::new(w)?, b))
}

fn check_groups(inc: usize, outc: usize, groups: i64) -> Result<usize> {
    if groups <= 0 {
        bail!(Value, "groups must be a positive integer");
    }
    let g = groups as usize;
    if !inc.is_multiple_of(g) {
        bail!(Value, "in_channels must be divisible by groups");
    }
    if !outc.is_multiple_of(g) {
        bail!(Value, "out_channels must be divisible by groups");
    }
    Ok(g)
}

fn tuple(v: &[i64]) -> String {
    let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    if v.len() == 1 {
        format!("({},)", s[0])
    } else {
        format!("({})", s.join(", "))
    }
}

/// PyTorch's `_ConvNd.extra_repr`.
#[allow(clippy::too_many_arguments)]
fn conv_repr(
    inc: usize,
    outc: usize,
    k: &[i64],
    s: &[i64],
    p: (&[i64], Option<ConvPadding>),
    d: &[i64],
    op: Option<&[i64]>,
    g: i64,
    bias: bool,
    mode: PaddingMode,
) -> String {
    let mut r = format!(
        "{inc}, {outc}, kernel_size={}, stride={}",
        tuple(k),
        tuple(s)
    );
    if let Some(ps) = p.1 {
        r += &format!(", padding={}", ps.name());
    } else if p.0.iter().any(|&v| v != 0) {
        r += &format!(", padding={}", tuple(p.0));
    }
    if d.iter().any(|&v| v != 1) {
        r += &format!(", dilation={}", tuple(d));
    }
    if let Some(op) = op.filter(|op| op.iter().any(|&v| v != 0)) {
        r += &format!(", output_padding={}", tuple(op));
    }
    if g != 1 {
        r += &format!(", groups={g}");
    }
    if !bias {
        r += ", bias=False";
    }
    if mode != PaddingMode::Zeros {
        r += &format!(", padding_mode={}", mode.name());
    }
    r
}

/// `nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
/// bias)`, with PyTorch's initialisation drawn from the default generator.
///
/// ```
/// use ember::nn::{Conv2d, Module, ModuleFields};
/// ember::manual_seed(0);
/// let c = Conv2d::new(1, 6, 5);
/// assert_eq!(c.weight.shape(), &[6, 1, 5, 5]);
/// let y = c.forward(&ember::ones([2, 1, 28, 28])).unwrap();
/// assert_eq!(y.shape(), &[2, 6, 24, 24]);
/// assert_eq!(c.extra_repr(), "1, 6, kernel_size=(5, 5), stride=(1, 1)");
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Conv2d {
    /// `[out_channels, in_channels / groups, kh, kw]`.
    pub weight: Parameter,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Parameter>,
    /// The functional keywords used in `forward`.
    #[module(skip)]
    pub options: ConvOptions<2>,
    in_channels: usize,
    out_channels: usize,
    kernel_size: [i64; 2],
    #[module(skip)]
    padding_mode: PaddingMode,
    /// `F.pad`'s pads (last dim first) for a non-zeros `padding_mode`.
    pad_twice: Vec<i64>,
}

/// `nn.Conv1d(in_channels, out_channels, kernel_size, …)`; see [`Conv2d`].
///
/// ```
/// use ember::nn::{Conv1d, Module};
/// let c = Conv1d::new(3, 4, 2);
/// assert_eq!(c.weight.shape(), &[4, 3, 2]);
/// assert_eq!(c.forward(&ember::ones([1, 3, 5])).unwrap().shape(), &[1, 4, 4]);
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Conv1d {
    /// `[out_channels, in_channels / groups, k]`.
    pub weight: Parameter,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Parameter>,
    /// The functional keywords used in `forward`.
    #[module(skip)]
    pub options: ConvOptions<1>,
    in_channels: usize,
    out_channels: usize,
    kernel_size: [i64; 1],
    #[module(skip)]
    padding_mode: PaddingMode,
    /// `F.pad`'s pads (last dim first) for a non-zeros `padding_mode`.
    pad_twice: Vec<i64>,
}

macro_rules! conv_layer {
    ($t:ident, $n:literal, $N:literal, $f:ident) => {
        impl $t {
            #[doc = concat!("`nn.", $n, "(in_channels, out_channels, kernel_size)`.")]
            ///
            /// # Panics
            /// If `kernel_size` is not positive.
            #[track_caller]
            pub fn new(
                in_channels: usize,
                out_channels: usize,
                kernel_size: impl IntoDims<$N>,
            ) -> $t {
                $t::new_with(in_channels, out_channels, kernel_size, Default::default()).or_panic()
            }

            #[doc = concat!("`nn.", $n, "(…)` with keyword options.")]
            ///
            /// # Errors
            /// If the channels are not divisible by `groups`, the kernel size is not positive
            /// or `dtype` is not floating.
            pub fn new_with(
                in_channels: usize,
                out_channels: usize,
                kernel_size: impl IntoDims<$N>,
                opts: ConvLayerOptions<ConvOptions<$N>>,
            ) -> Result<$t> {
                let k = kernel_size.into_dims();
                if k.iter().any(|&v| v <= 0) {
                    bail!(Value, "kernel_size must be positive, got {k:?}");
                }
                let g = check_groups(in_channels, out_channels, opts.conv.groups)?;
                let c = &opts.conv;
                if c.padding_str == Some(ConvPadding::Same) && c.stride.iter().any(|&s| s != 1) {
                    bail!(
                        Value,
                        "padding='same' is not supported for strided convolutions"
                    );
                }
                // PyTorch's `_reversed_padding_repeated_twice`.
                let mut pad_twice = Vec::with_capacity(2 * $N);
                for i in (0..$N).rev() {
                    let (l, r) = match c.padding_str {
                        Some(ConvPadding::Same) => {
                            let total = c.dilation[i] * (k[i] - 1);
                            (total / 2, total - total / 2)
                        }
                        Some(ConvPadding::Valid) => (0, 0),
                        None => (c.padding[i], c.padding[i]),
                    };
                    pad_twice.extend([l, r]);
                }
                let mut shape = vec![out_channels, in_channels / g];
                shape.extend(k.iter().map(|&v| v as usize));
                let (weight, bias) = make_params(&shape, out_channels, opts.bias, opts.dtype)?;
                Ok($t {
                    weight,
                    bias,
                    options: opts.conv,
                    in_channels,
                    out_channels,
                    kernel_size: k,
                    padding_mode: opts.padding_mode,
                    pad_twice,
                })
            }

            fn repr(&self) -> String {
                let o = &self.options;
                conv_repr(
                    self.in_channels,
                    self.out_channels,
                    &self.kernel_size,
                    &o.stride,
                    (&o.padding, o.padding_str),
                    &o.dilation,
                    None,
                    o.groups,
                    self.bias.is_some(),
                    self.padding_mode,
                )
            }
        }

        impl Module for $t {
            fn forward(&self, x: &Tensor) -> Result<Tensor> {
                let (w, b) = (&self.weight, self.bias.as_deref());
                match self.padding_mode.pad_mode() {
                    None => F::$f(x, w, b, self.options),
                    Some(mode) => {
                        let x = F::pad(x, &self.pad_twice, mode, None)?;
                        let o = self.options.padding([0; $N]);
                        F::$f(&x, w, b, o)
                    }
                }
            }
        }
    };
}

conv_layer!(Conv1d, "Conv1d", 1, conv1d);
conv_layer!(Conv2d, "Conv2d", 2, conv2d);

/// `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding,
/// output_padding, groups, bias, dilation)`.
///
/// ```
/// use ember::nn::{ConvTranspose2d, ConvTranspose2dLayerOptions, Module};
/// let opts = ConvTranspose2dLayerOptions::default().stride(2);
/// let c = ConvTranspose2d::new_with(3, 2, 3, opts).unwrap();
/// assert_eq!(c.weight.shape(), &[3, 2, 3, 3]);
/// assert_eq!(c.forward(&ember::ones([1, 3, 4, 4])).unwrap().shape(), &[1, 2, 9, 9]);
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct ConvTranspose2d {
    /// `[in_channels, out_channels / groups, kh, kw]`.
    pub weight: Parameter,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Parameter>,
    /// The functional keywords used in `forward`.
    #[module(skip)]
    pub options: ConvTransposeOptions<2>,
    in_channels: usize,
    out_channels: usize,
    kernel_size: [i64; 2],
}

impl ConvTranspose2d {
    /// `nn.ConvTranspose2d(in_channels, out_channels, kernel_size)`.
    ///
    /// ```
    /// assert_eq!(ember::nn::ConvTranspose2d::new(4, 2, 3).weight.shape(), &[4, 2, 3, 3]);
    /// ```
    ///
    /// # Panics
    /// If `kernel_size` is not positive.
    #[track_caller]
    pub fn new(in_channels: usize, out_channels: usize, kernel_size: impl IntoDims<2>) -> Self {
        Self::new_with(in_channels, out_channels, kernel_size, Default::default()).or_panic()
    }

    /// `nn.ConvTranspose2d(…)` with keyword options.
    ///
    /// ```
    /// use ember::nn::{ConvTranspose2d, ConvTranspose2dLayerOptions};
    /// let c = ConvTranspose2d::new_with(4, 2, 3, ConvTranspose2dLayerOptions::default().bias(false));
    /// assert!(c.unwrap().bias.is_none());
    /// ```
    ///
    /// # Errors
    /// As [`Conv2d::new_with`].
    pub fn new_with(
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl IntoDims<2>,
        opts: ConvTranspose2dLayerOptions,
    ) -> Result<Self> {
        let k = kernel_size.into_dims();
        if k.iter().any(|&v| v <= 0) {
            bail!(Value, "kernel_size must be positive, got {k:?}");
        }
        if opts.padding_mode != PaddingMode::Zeros {
            bail!(
                Value,
                "Only \"zeros\" padding mode is supported for ConvTranspose2d"
            );
        }
        let g = check_groups(in_channels, out_channels, opts.conv.groups)?;
        let shape = [in_channels, out_channels / g, k[0] as usize, k[1] as usize];
        let (weight, bias) = make_params(&shape, out_channels, opts.bias, opts.dtype)?;
        Ok(ConvTranspose2d {
            weight,
            bias,
            options: opts.conv,
            in_channels,
            out_channels,
            kernel_size: k,
        })
    }

    fn repr(&self) -> String {
        let o = &self.options;
        conv_repr(
            self.in_channels,
            self.out_channels,
            &self.kernel_size,
            &o.stride,
            (&o.padding, None),
            &o.dilation,
            Some(&o.output_padding),
            o.groups,
            self.bias.is_some(),
            PaddingMode::Zeros,
        )
    }
}

impl Module for ConvTranspose2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::conv_transpose2d(x, &self.weight, self.bias.as_deref(), self.options)
    }
}

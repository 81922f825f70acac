//! The keyword arguments of the convolutions: [`ConvOptions`] (`F.conv1d` / `F.conv2d`),
//! its string padding [`ConvPadding`], and [`ConvTransposeOptions`].

use super::fold::{IntoDims, option_setters};
use crate::error::{Result, bail};

/// Keyword arguments of [`conv1d`](super::conv1d) / [`conv2d`](super::conv2d) (`stride`,
/// `padding`, `dilation`, `groups`). Each size takes one integer for every spatial dim or one
/// per dim, as in PyTorch.
///
/// ```
/// use ember::nn::functional::Conv2dOptions;
/// let o = Conv2dOptions::default().stride(2).padding([1, 0]).groups(3);
/// assert_eq!(o.stride, [2, 2]);
/// assert_eq!(o.padding, [1, 0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvOptions<const N: usize> {
    /// Step of the window (default 1).
    pub stride: [i64; N],
    /// Implicit zeros on both sides of each spatial dim (default 0).
    pub padding: [i64; N],
    /// Spacing between kernel elements (default 1).
    pub dilation: [i64; N],
    /// Number of blocked connections from input to output channels (default 1).
    pub groups: i64,
    /// `padding="same"` / `"valid"`, which replaces `padding` when set (default `None`).
    pub padding_str: Option<ConvPadding>,
}

/// A string `padding=` of [`conv1d`](super::conv1d) / [`conv2d`](super::conv2d) and the
/// convolution layers.
///
/// ```
/// use ember::nn::functional::ConvPadding;
/// assert_eq!("same".parse::<ConvPadding>().unwrap(), ConvPadding::Same);
/// assert_eq!(
///     "full".parse::<ConvPadding>().unwrap_err().to_string(),
///     "Invalid padding string 'full', should be one of {'valid', 'same'}"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvPadding {
    /// `"same"`: pads so the output has the input's size (stride 1 only); an odd total
    /// padding puts the extra element after the input, as PyTorch does.
    Same,
    /// `"valid"`: no padding.
    Valid,
}

impl ConvPadding {
    /// PyTorch's spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ConvPadding::Same => "same",
            ConvPadding::Valid => "valid",
        }
    }
}

impl std::str::FromStr for ConvPadding {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<ConvPadding> {
        match s {
            "same" => Ok(ConvPadding::Same),
            "valid" => Ok(ConvPadding::Valid),
            _ => bail!(
                Value,
                "Invalid padding string '{s}', should be one of {{'valid', 'same'}}"
            ),
        }
    }
}

/// What [`ConvOptions::padding`] takes: per-dim sizes (as [`IntoDims`]) or a
/// [`ConvPadding`].
pub trait IntoPadding<const N: usize> {
    /// The explicit sizes and the string padding, if any.
    fn into_padding(self) -> ([i64; N], Option<ConvPadding>);
}

impl<const N: usize, T: IntoDims<N>> IntoPadding<N> for T {
    fn into_padding(self) -> ([i64; N], Option<ConvPadding>) {
        (self.into_dims(), None)
    }
}

impl<const N: usize> IntoPadding<N> for ConvPadding {
    fn into_padding(self) -> ([i64; N], Option<ConvPadding>) {
        ([0; N], Some(self))
    }
}

/// [`ConvOptions`] of `F.conv1d`.
pub type Conv1dOptions = ConvOptions<1>;
/// [`ConvOptions`] of `F.conv2d`.
pub type Conv2dOptions = ConvOptions<2>;

impl<const N: usize> Default for ConvOptions<N> {
    fn default() -> Self {
        ConvOptions {
            stride: [1; N],
            padding: [0; N],
            dilation: [1; N],
            groups: 1,
            padding_str: None,
        }
    }
}

impl<const N: usize> ConvOptions<N> {
    /// Sets `padding`: sizes, or [`ConvPadding::Same`] / [`ConvPadding::Valid`].
    ///
    /// ```
    /// use ember::nn::functional::{Conv1dOptions, ConvPadding};
    /// assert_eq!(Conv1dOptions::default().padding(1).padding, [1]);
    /// let o = Conv1dOptions::default().padding(ConvPadding::Same);
    /// assert_eq!(o.padding_str, Some(ConvPadding::Same));
    /// ```
    #[must_use]
    pub fn padding(mut self, v: impl IntoPadding<N>) -> Self {
        (self.padding, self.padding_str) = v.into_padding();
        self
    }
}

option_setters! {
    impl[const N: usize] ConvOptions<N>, "nn::functional::Conv1dOptions::default()" {
        stride: dims[N](3) => o.stride == [3];
        dilation: dims[N](2) => o.dilation == [2];
        groups: value[i64](2) => o.groups == 2;
    }
}

/// Keyword arguments of [`conv_transpose2d`](super::conv_transpose2d) (`stride`, `padding`,
/// `output_padding`, `groups`, `dilation`).
///
/// ```
/// use ember::nn::functional::ConvTranspose2dOptions;
/// let o = ConvTranspose2dOptions::default().stride(2).output_padding(1);
/// assert_eq!(o.output_padding, [1, 1]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvTransposeOptions<const N: usize> {
    /// Step of the window over the output (default 1).
    pub stride: [i64; N],
    /// `dilation * (kernel_size - 1) - padding` zeros are added to the input (default 0).
    pub padding: [i64; N],
    /// Extra size added to one side of the output (default 0).
    pub output_padding: [i64; N],
    /// Number of blocked connections (default 1).
    pub groups: i64,
    /// Spacing between kernel elements (default 1).
    pub dilation: [i64; N],
}

/// [`ConvTransposeOptions`] of `F.conv_transpose2d`.
pub type ConvTranspose2dOptions = ConvTransposeOptions<2>;

impl<const N: usize> Default for ConvTransposeOptions<N> {
    fn default() -> Self {
        ConvTransposeOptions {
            stride: [1; N],
            padding: [0; N],
            output_padding: [0; N],
            groups: 1,
            dilation: [1; N],
        }
    }
}

option_setters! {
    impl[const N: usize] ConvTransposeOptions<N>, "nn::functional::ConvTranspose2dOptions::default()" {
        stride: dims[N](2) => o.stride == [2, 2];
        padding: dims[N](1) => o.padding == [1, 1];
        output_padding: dims[N]([0, 1]) => o.output_padding == [0, 1];
        dilation: dims[N](2) => o.dilation == [2, 2];
        groups: value[i64](2) => o.groups == 2;
    }
}

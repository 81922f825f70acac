//! `F.unfold` (im2col: sliding blocks to columns) and `F.fold` (col2im, its adjoint), and
//! the per-dim size arguments shared by convolution and pooling.

use crate::error::{Result, bail};
use crate::ops::conv::formulas as f;
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel::{self, Window};
use crate::{DType, Tensor};

/// A size given once for every spatial dim or once per dim, like PyTorch's `int | tuple`
/// arguments (`kernel_size=2` or `kernel_size=(2, 3)`).
///
/// ```
/// use ember::nn::functional::IntoDims;
/// assert_eq!(IntoDims::<2>::into_dims(3), [3, 3]);
/// assert_eq!(IntoDims::<2>::into_dims([1, 2]), [1, 2]);
/// ```
pub trait IntoDims<const N: usize> {
    /// The size of each dim.
    fn into_dims(self) -> [i64; N];
}

macro_rules! into_dims {
    ($($t:ty),*) => {$(
        impl<const N: usize> IntoDims<N> for $t {
            fn into_dims(self) -> [i64; N] {
                [self as i64; N]
            }
        }
        impl<const N: usize> IntoDims<N> for [$t; N] {
            fn into_dims(self) -> [i64; N] {
                self.map(|v| v as i64)
            }
        }
    )*};
}
into_dims!(i32, i64, usize);

/// The builder setters of the convolution, pooling and fold options (functional and layer
/// ones): one line per keyword, with its doc example.
///
/// `name: kind[args](example_arg) => check;` where `kind` is
/// - `dims[N]`: takes an [`IntoDims<N>`] (`3` or `[3, 1]`),
/// - `some_dims[N]`: the same, stored as `Some(..)` (a `stride` defaulting to the kernel),
/// - `value[T]` / `some[T]`: takes a `T`, stored as is / as `Some(..)`,
/// - `via[field, T]`: forwards to `self.field.name(v)` (a layer's functional options).
///
/// `check` is the doc example's assertion, over `o`, the options after the call.
macro_rules! option_setters {
    (impl[$($g:tt)*] $t:ty, $ctor:literal {
        $( $f:ident : $kind:ident [$($kp:tt)*] ($arg:expr) => $check:expr ; )*
    }) => {
        impl<$($g)*> $t {
            $(
                $crate::ops::conv::fold::option_setters!(@fn [
                    #[doc = concat!("Sets `", stringify!($f), "`.")]
                    #[doc = ""]
                    #[doc = "```"]
                    #[doc = concat!("let o = ember::", $ctor, ".", stringify!($f), "(", stringify!($arg), ");")]
                    #[doc = concat!("assert!(", stringify!($check), ");")]
                    #[doc = "```"]
                    #[must_use]
                ] $f $kind [$($kp)*]);
            )*
        }
    };
    (@fn [$(#[$m:meta])*] $f:ident dims [$n:tt]) => {
        $(#[$m])*
        pub fn $f(mut self, v: impl $crate::ops::conv::fold::IntoDims<$n>) -> Self {
            self.$f = v.into_dims();
            self
        }
    };
    (@fn [$(#[$m:meta])*] $f:ident some_dims [$n:tt]) => {
        $(#[$m])*
        pub fn $f(mut self, v: impl $crate::ops::conv::fold::IntoDims<$n>) -> Self {
            self.$f = Some(v.into_dims());
            self
        }
    };
    (@fn [$(#[$m:meta])*] $f:ident value [$v:ty]) => {
        $(#[$m])*
        pub fn $f(mut self, v: $v) -> Self {
            self.$f = v;
            self
        }
    };
    (@fn [$(#[$m:meta])*] $f:ident some [$v:ty]) => {
        $(#[$m])*
        pub fn $f(mut self, v: $v) -> Self {
            self.$f = Some(v);
            self
        }
    };
    (@fn [$(#[$m:meta])*] $f:ident via [$inner:ident, $v:ty]) => {
        $(#[$m])*
        pub fn $f(mut self, v: $v) -> Self {
            self.$inner = self.$inner.$f(v);
            self
        }
    };
}
pub(crate) use option_setters;

/// Fails unless `x` is floating (the kernels exist for floats only).
pub(crate) fn check_floating(x: &Tensor, op: &str) -> Result<()> {
    let dt = x.dtype();
    if !dt.is_floating_point() {
        bail!(
            DType,
            "\"{op}\" not implemented for '{}'",
            dt.scalar_type_name()
        );
    }
    Ok(())
}

/// Keyword arguments of [`unfold`] and [`fold`]: `kernel_size`, `dilation`, `padding`,
/// `stride`.
///
/// ```
/// use ember::nn::functional::FoldOptions;
/// let o = FoldOptions::new(2).stride([1, 2]);
/// assert_eq!((o.kernel_size, o.stride, o.padding), ([2, 2], [1, 2], [0, 0]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoldOptions {
    /// Size of the sliding block.
    pub kernel_size: [i64; 2],
    /// Spacing between block elements (default 1).
    pub dilation: [i64; 2],
    /// Implicit zeros on both sides (default 0).
    pub padding: [i64; 2],
    /// Step of the block (default 1).
    pub stride: [i64; 2],
}

impl FoldOptions {
    /// Blocks of `kernel_size` with the defaults for the rest.
    ///
    /// ```
    /// assert_eq!(ember::nn::functional::FoldOptions::new(3).dilation, [1, 1]);
    /// ```
    pub fn new(kernel_size: impl IntoDims<2>) -> FoldOptions {
        FoldOptions {
            kernel_size: kernel_size.into_dims(),
            dilation: [1, 1],
            padding: [0, 0],
            stride: [1, 1],
        }
    }
}

option_setters! {
    impl[] FoldOptions, "nn::functional::FoldOptions::new(3)" {
        dilation: dims[2](2) => o.dilation == [2, 2];
        padding: dims[2](1) => o.padding == [1, 1];
        stride: dims[2]([1, 2]) => o.stride == [1, 2];
    }
}

impl FoldOptions {
    fn check(&self) -> Result<()> {
        let [k, d, p, s] = [self.kernel_size, self.dilation, self.padding, self.stride];
        if k.iter().any(|&v| v <= 0) {
            bail!(
                Value,
                "kernel size should be greater than zero, but got kernel_height: {} kernel_width: {}",
                k[0],
                k[1]
            );
        }
        if s.iter().any(|&v| v <= 0) {
            bail!(
                Value,
                "stride should be greater than zero, but got stride_height: {} stride_width: {}",
                s[0],
                s[1]
            );
        }
        if d.iter().any(|&v| v <= 0) {
            bail!(
                Value,
                "dilation should be greater than zero, but got dilation_height: {} dilation_width: {}",
                d[0],
                d[1]
            );
        }
        if p.iter().any(|&v| v < 0) {
            bail!(
                Value,
                "padding should be non-negative, but got pad_height: {} pad_width: {}",
                p[0],
                p[1]
            );
        }
        Ok(())
    }

    /// The number of blocks along each dim of an `[h, w]` input (may be non-positive).
    fn blocks(&self, hw: [usize; 2]) -> [i64; 2] {
        std::array::from_fn(|i| {
            let eff = self.dilation[i] * (self.kernel_size[i] - 1) + 1;
            (hw[i] as i64 + 2 * self.padding[i] - eff) / self.stride[i] + 1
        })
    }

    fn describe(&self) -> String {
        let t = |v: [i64; 2]| format!("({}, {})", v[0], v[1]);
        format!(
            "kernel_size={}, dilation={}, padding={}",
            t(self.kernel_size),
            t(self.dilation),
            t(self.padding)
        )
    }

    /// The window over `[n, c, h, w]` planes with `[oh, ow]` blocks, batch-major columns.
    pub(crate) fn window(&self, n: usize, c: usize, hw: [usize; 2], out: [i64; 2]) -> Window {
        let u = |v: i64| v as usize;
        Window {
            n,
            c,
            h: hw[0],
            w: hw[1],
            kh: u(self.kernel_size[0]),
            kw: u(self.kernel_size[1]),
            sh: u(self.stride[0]),
            sw: u(self.stride[1]),
            ph: u(self.padding[0]),
            pw: u(self.padding[1]),
            dh: u(self.dilation[0]),
            dw: u(self.dilation[1]),
            oh: u(out[0]),
            ow: u(out[1]),
            channel_major: false,
        }
    }
}

/// Computes in f32 for half types, else on a contiguous detached copy.
fn compute(x: &Tensor, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let _g = crate::no_grad();
    let dt = x.dtype();
    if matches!(dt, DType::F16 | DType::BF16) {
        f(&x.detach().try_to_dtype_raw(DType::F32)?)?.try_to_dtype_raw(dt)
    } else {
        f(&x.detach().try_contiguous()?)
    }
}

/// `F.unfold(input, kernel_size, dilation, padding, stride)`: each sliding block of the
/// `[N, C, H, W]` (or unbatched `[C, H, W]`) input as a column of `[N, C * kh * kw, L]`.
///
/// ```
/// use ember::nn::functional::{self as F, FoldOptions};
/// let x = ember::arange_range(0.0, 6.0, 1.0).view([1, 1, 2, 3]);
/// let y = F::unfold(&x, FoldOptions::new(2)).unwrap();
/// assert_eq!(y.shape(), &[1, 4, 2]);
/// assert_eq!(y.to_vec::<f32>(), vec![0., 1., 1., 2., 3., 4., 4., 5.]);
/// ```
///
/// # Errors
/// PyTorch's errors for a wrong rank, non-positive kernel/stride/dilation, negative padding
/// or a kernel that does not fit the padded input.
pub fn unfold(input: &Tensor, opts: FoldOptions) -> Result<Tensor> {
    let s = input.shape();
    if !(s.len() == 3 || s.len() == 4) || s[s.len() - 3..].contains(&0) {
        bail!(
            Shape,
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: {s:?}"
        );
    }
    opts.check()?;
    check_floating(input, "im2col")?;
    let batched = s.len() == 4;
    let (n, c) = if batched { (s[0], s[1]) } else { (1, s[0]) };
    let hw = [s[s.len() - 2], s[s.len() - 1]];
    let blocks = opts.blocks(hw);
    if blocks.iter().any(|&b| b < 1) {
        bail!(
            Shape,
            "Given input with spatial size ({}, {}), {}, calculated shape of the array of sliding blocks as ({}, {}), but its components must be at least one.",
            hw[0],
            hw[1],
            opts.describe(),
            blocks[0],
            blocks[1]
        );
    }
    let g = opts.window(n, c, hw, blocks);
    let rows = c * g.kh * g.kw;
    let l = g.oh * g.ow;
    let out = compute(input, |x| {
        let col = Tensor::alloc(&[n, rows, l], x.dtype(), x.device())?;
        if col.numel() > 0 {
            kernel::im2col(x.arg(), &col, &g)?;
        }
        if batched {
            Ok(col)
        } else {
            col.try_view([rows, l])
        }
    })?;
    if needs_grad(&[input]) {
        let formula = f::Im2Col { opts, hw };
        record(formula, &[input], &[&out], &[]);
    }
    Ok(out)
}

/// `F.fold(input, output_size, kernel_size, dilation, padding, stride)`: sums the columns of
/// `[N, C * kh * kw, L]` (or unbatched `[C * kh * kw, L]`) back into `[N, C, H, W]` planes,
/// the adjoint of [`unfold`].
///
/// ```
/// use ember::nn::functional::{self as F, FoldOptions};
/// let y = F::fold(&ember::ones([1, 4, 4]), [3, 3], FoldOptions::new(2)).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![1., 2., 1., 2., 4., 2., 1., 2., 1.]);
/// ```
///
/// # Errors
/// PyTorch's errors for a wrong rank, a channel dim not divisible by the kernel's size or a
/// block count that does not match `output_size`.
pub fn fold(input: &Tensor, output_size: impl IntoDims<2>, opts: FoldOptions) -> Result<Tensor> {
    let s = input.shape();
    if !(s.len() == 2 || s.len() == 3) || s[s.len() - 2..].contains(&0) {
        bail!(
            Shape,
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: {s:?}"
        );
    }
    opts.check()?;
    check_floating(input, "col2im")?;
    let os = output_size.into_dims();
    if os.iter().any(|&v| v <= 0) {
        bail!(
            Value,
            "Expected output spatial size to be positive, but got: output_size=({}, {}).",
            os[0],
            os[1]
        );
    }
    let batched = s.len() == 3;
    let (n, rows, l) = if batched {
        (s[0], s[1], s[2])
    } else {
        (1, s[0], s[1])
    };
    let kk = (opts.kernel_size[0] * opts.kernel_size[1]) as usize;
    if rows % kk != 0 {
        bail!(
            Shape,
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)={rows} and kernel_size=({}, {}).",
            opts.kernel_size[0],
            opts.kernel_size[1]
        );
    }
    let hw = [os[0] as usize, os[1] as usize];
    let blocks = opts.blocks(hw);
    let detail = format!(
        "Given output_size=({}, {}), {}, stride=({}, {})",
        os[0],
        os[1],
        opts.describe(),
        opts.stride[0],
        opts.stride[1]
    );
    if blocks.iter().any(|&b| b < 1) {
        bail!(
            Shape,
            "{detail}, calculated shape of the array of sliding blocks as ({}, {}), which is too small (non-positive).",
            blocks[0],
            blocks[1]
        );
    }
    if (blocks[0] * blocks[1]) as usize != l {
        bail!(
            Shape,
            "{detail}, expected size of input's dimension {} to match the calculated number of sliding blocks {} * {} = {}, but got input.size({})={l}.",
            s.len() - 1,
            blocks[0],
            blocks[1],
            blocks[0] * blocks[1],
            s.len() - 1
        );
    }
    let c = rows / kk;
    let g = opts.window(n, c, hw, blocks);
    let out = compute(input, |x| {
        let y = Tensor::alloc(&[n, c, hw[0], hw[1]], x.dtype(), x.device())?;
        if y.numel() > 0 {
            kernel::col2im(x.arg(), &y, &g)?;
        }
        if batched {
            Ok(y)
        } else {
            y.try_view([c, hw[0], hw[1]])
        }
    })?;
    if needs_grad(&[input]) {
        record(f::Col2Im { opts }, &[input], &[&out], &[]);
    }
    Ok(out)
}

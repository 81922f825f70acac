//! Pooling: `F.max_pool1d/2d` (a kernel that also returns the argmax indices),
//! `F.avg_pool1d/2d` and `F.adaptive_avg_pool2d`. Average pooling is separable — every
//! window's divisor is a product of a row part and a column part — so it is written as
//! `A_h @ x @ A_wᵀ` with two small averaging matrices, and its gradient is the same product
//! with the matrices transposed.

use super::fold::{IntoDims, check_floating, option_setters};
use crate::error::{Result, bail};
use crate::ops::conv::formulas as f;
use crate::tensor::graph::node::{Save, needs_grad, record};
use crate::tensor::kernel::{self, Window};
use crate::{DType, Tensor};

/// Keyword arguments of [`max_pool1d`] / [`max_pool2d`]: `kernel_size`, `stride` (default:
/// the kernel size), `padding`, `dilation`, `ceil_mode`.
///
/// ```
/// use ember::nn::functional::MaxPool2dOptions;
/// let o = MaxPool2dOptions::new(3).stride(1).padding(1);
/// assert_eq!((o.kernel_size, o.stride, o.ceil_mode), ([3, 3], Some([1, 1]), false));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPoolOptions<const N: usize> {
    /// Size of the window.
    pub kernel_size: [i64; N],
    /// Step of the window (`None`: the kernel size).
    pub stride: Option<[i64; N]>,
    /// Implicit -inf on both sides (default 0).
    pub padding: [i64; N],
    /// Spacing between window elements (default 1).
    pub dilation: [i64; N],
    /// Round the output size up instead of down (default false).
    pub ceil_mode: bool,
}

/// [`MaxPoolOptions`] of `F.max_pool1d`.
pub type MaxPool1dOptions = MaxPoolOptions<1>;
/// [`MaxPoolOptions`] of `F.max_pool2d`.
pub type MaxPool2dOptions = MaxPoolOptions<2>;

impl<const N: usize> MaxPoolOptions<N> {
    /// A window of `kernel_size` with the defaults for the rest.
    ///
    /// ```
    /// assert_eq!(ember::nn::functional::MaxPool2dOptions::new([2, 3]).kernel_size, [2, 3]);
    /// ```
    pub fn new(kernel_size: impl IntoDims<N>) -> Self {
        MaxPoolOptions {
            kernel_size: kernel_size.into_dims(),
            stride: None,
            padding: [0; N],
            dilation: [1; N],
            ceil_mode: false,
        }
    }
}

option_setters! {
    impl[const N: usize] MaxPoolOptions<N>, "nn::functional::MaxPool1dOptions::new(2)" {
        stride: some_dims[N](1) => o.stride == Some([1]);
        padding: dims[N](1) => o.padding == [1];
        dilation: dims[N](2) => o.dilation == [2];
        ceil_mode: value[bool](true) => o.ceil_mode;
    }
}

/// Keyword arguments of [`avg_pool1d`] / [`avg_pool2d`]: `kernel_size`, `stride` (default:
/// the kernel size), `padding`, `ceil_mode`, `count_include_pad`, `divisor_override`.
///
/// ```
/// use ember::nn::functional::AvgPool2dOptions;
/// let o = AvgPool2dOptions::new(3).count_include_pad(false);
/// assert!(!o.count_include_pad);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPoolOptions<const N: usize> {
    /// Size of the window.
    pub kernel_size: [i64; N],
    /// Step of the window (`None`: the kernel size).
    pub stride: Option<[i64; N]>,
    /// Implicit zeros on both sides (default 0).
    pub padding: [i64; N],
    /// Round the output size up instead of down (default false).
    pub ceil_mode: bool,
    /// Count the padding zeros in the divisor (default true).
    pub count_include_pad: bool,
    /// Divide by this instead of the window size (2-d only).
    pub divisor_override: Option<i64>,
}

/// [`AvgPoolOptions`] of `F.avg_pool1d`.
pub type AvgPool1dOptions = AvgPoolOptions<1>;
/// [`AvgPoolOptions`] of `F.avg_pool2d`.
pub type AvgPool2dOptions = AvgPoolOptions<2>;

impl<const N: usize> AvgPoolOptions<N> {
    /// A window of `kernel_size` with the defaults for the rest.
    ///
    /// ```
    /// assert!(ember::nn::functional::AvgPool2dOptions::new(2).count_include_pad);
    /// ```
    pub fn new(kernel_size: impl IntoDims<N>) -> Self {
        AvgPoolOptions {
            kernel_size: kernel_size.into_dims(),
            stride: None,
            padding: [0; N],
            ceil_mode: false,
            count_include_pad: true,
            divisor_override: None,
        }
    }
}

option_setters! {
    impl[const N: usize] AvgPoolOptions<N>, "nn::functional::AvgPool2dOptions::new(2)" {
        stride: some_dims[N](1) => o.stride == Some([1, 1]);
        padding: dims[N](1) => o.padding == [1, 1];
        ceil_mode: value[bool](true) => o.ceil_mode;
        count_include_pad: value[bool](false) => !o.count_include_pad;
        divisor_override: some[i64](3) => o.divisor_override == Some(3);
    }
}

fn lift<const N: usize>(v: [i64; N], fill: i64) -> [i64; 2] {
    if N == 1 {
        [fill, v[0]]
    } else {
        [v[0], v[N - 1]]
    }
}

/// PyTorch's `pooling_output_shape`.
fn out_size(input: i64, k: i64, p: i64, s: i64, d: i64, ceil: bool) -> i64 {
    let num = input + 2 * p - d * (k - 1) - 1 + if ceil { s - 1 } else { 0 };
    let mut o = num.div_euclid(s) + 1;
    if ceil && (o - 1) * s >= input + p {
        o -= 1;
    }
    o
}

/// A validated 2-d pooling window.
struct Pool {
    k: [i64; 2],
    s: [i64; 2],
    p: [i64; 2],
    d: [i64; 2],
    ceil: bool,
}

impl Pool {
    fn new(k: [i64; 2], s: Option<[i64; 2]>, p: [i64; 2], d: [i64; 2], ceil: bool) -> Result<Pool> {
        if k.iter().any(|&v| v <= 0) {
            bail!(
                Value,
                "kernel size should be greater than zero, but got kH: {} kW: {}",
                k[0],
                k[1]
            );
        }
        let s = s.unwrap_or(k);
        if s.iter().any(|&v| v <= 0) {
            bail!(Value, "stride should not be zero");
        }
        if d.iter().any(|&v| v <= 0) {
            bail!(
                Value,
                "dilation should be greater than zero, but got dilationH: {} dilationW: {}",
                d[0],
                d[1]
            );
        }
        if let Some(&v) = p.iter().find(|&&v| v < 0) {
            bail!(Value, "pad must be non-negative, but got pad: {v}");
        }
        for i in 0..2 {
            if p[i] > (d[i] * (k[i] - 1) + 1) / 2 {
                bail!(
                    Value,
                    "pad should be at most half of effective kernel size, but got pad={}, kernel_size={} and dilation={}",
                    p[i],
                    k[i],
                    d[i]
                );
            }
        }
        Ok(Pool { k, s, p, d, ceil })
    }

    /// The output's spatial size for an input of shape `s` (3-d or 4-d), or PyTorch's error.
    fn output(&self, s: &[usize]) -> Result<[usize; 2]> {
        let hw = [s[s.len() - 2] as i64, s[s.len() - 1] as i64];
        let o: [i64; 2] = std::array::from_fn(|i| {
            out_size(hw[i], self.k[i], self.p[i], self.s[i], self.d[i], self.ceil)
        });
        if o.iter().any(|&v| v < 1) {
            let c = s[s.len() - 3];
            bail!(
                Shape,
                "Given input size: ({c}x{}x{}). Calculated output size: ({c}x{}x{}). Output size is too small",
                hw[0],
                hw[1],
                o[0],
                o[1]
            );
        }
        Ok([o[0] as usize, o[1] as usize])
    }
}

fn check_input(x: &Tensor, op: &str) -> Result<()> {
    check_rank(x)?;
    check_floating(x, op)
}

/// Max pooling only compares, so PyTorch takes every dtype but bool.
fn check_max_input(x: &Tensor) -> Result<()> {
    check_rank(x)?;
    if x.dtype() == DType::Bool {
        bail!(DType, "\"max_pool2d\" not implemented for 'Bool'");
    }
    Ok(())
}

fn check_rank(x: &Tensor) -> Result<()> {
    let s = x.shape();
    if !(s.len() == 3 || s.len() == 4) {
        bail!(
            Shape,
            "non-empty 3D or 4D (batch mode) tensor expected for input"
        );
    }
    if s[s.len() - 3..].contains(&0) {
        bail!(
            Shape,
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:{s:?}"
        );
    }
    Ok(())
}

/// `F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode,
/// return_indices=True)`: the maxima of each window of `[N, C, H, W]` (or `[C, H, W]`) and
/// their flat indices within each `H × W` plane.
///
/// ```
/// use ember::nn::functional::{self as F, MaxPool2dOptions};
/// let x = ember::tensor([[[1.0, 5.0], [3.0, 2.0]]]);
/// let (y, i) = F::max_pool2d_with_indices(&x, MaxPool2dOptions::new(2)).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![5.0]);
/// assert_eq!(i.to_vec::<i64>(), vec![1]);
/// ```
///
/// # Errors
/// PyTorch's errors for a wrong rank, a bool input, non-positive kernel, stride or
/// dilation, padding over half the kernel, or an output size below 1.
pub fn max_pool2d_with_indices(input: &Tensor, opts: MaxPool2dOptions) -> Result<(Tensor, Tensor)> {
    let pool = Pool::new(
        opts.kernel_size,
        opts.stride,
        opts.padding,
        opts.dilation,
        opts.ceil_mode,
    )?;
    check_max_input(input)?;
    let out = pool.output(input.shape())?;
    let s = input.shape();
    let planes: usize = s[..s.len() - 2].iter().product();
    let mut oshape = s.to_vec();
    let r = oshape.len();
    oshape[r - 2..].copy_from_slice(&out);
    let u = |v: i64| v as usize;
    let g = Window {
        n: planes,
        c: 1,
        h: s[r - 2],
        w: s[r - 1],
        kh: u(pool.k[0]),
        kw: u(pool.k[1]),
        sh: u(pool.s[0]),
        sw: u(pool.s[1]),
        ph: u(pool.p[0]),
        pw: u(pool.p[1]),
        dh: u(pool.d[0]),
        dw: u(pool.d[1]),
        oh: out[0],
        ow: out[1],
        channel_major: false,
    };
    let dt = input.dtype();
    let (y, idx) = {
        let _g = crate::no_grad();
        let half = matches!(dt, DType::F16 | DType::BF16);
        let x = if half {
            input.detach().try_to_dtype_raw(DType::F32)?
        } else {
            input.detach().try_contiguous()?
        };
        let y = Tensor::alloc(&oshape, x.dtype(), x.device())?;
        let idx = Tensor::alloc(&oshape, DType::I64, x.device())?;
        if y.numel() > 0 {
            kernel::max_pool2d(x.arg(), &y, &idx, &g)?;
        }
        (if half { y.try_to_dtype_raw(dt)? } else { y }, idx)
    };
    if needs_grad(&[input]) {
        record(f::MaxPool2d, &[input], &[&y], &[Save::Tensor(&idx)]);
    }
    Ok((y, idx))
}

/// `F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)`.
///
/// ```
/// use ember::nn::functional::{self as F, MaxPool2dOptions};
/// let x = ember::arange_range(0.0, 16.0, 1.0).view([1, 1, 4, 4]);
/// let y = F::max_pool2d(&x, MaxPool2dOptions::new(2)).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![5.0, 7.0, 13.0, 15.0]);
/// ```
///
/// # Errors
/// As [`max_pool2d_with_indices`].
pub fn max_pool2d(input: &Tensor, opts: MaxPool2dOptions) -> Result<Tensor> {
    Ok(max_pool2d_with_indices(input, opts)?.0)
}

/// `F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)` over
/// `[N, C, L]` (or `[C, L]`).
///
/// ```
/// use ember::nn::functional::{self as F, MaxPool1dOptions};
/// let y = F::max_pool1d(&ember::tensor([[1.0, 3.0, 2.0, 0.0]]), MaxPool1dOptions::new(2)).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![3.0, 2.0]);
/// ```
///
/// # Errors
/// As [`max_pool2d_with_indices`].
pub fn max_pool1d(input: &Tensor, opts: MaxPool1dOptions) -> Result<Tensor> {
    if !(input.dim() == 2 || input.dim() == 3) {
        bail!(
            Shape,
            "max_pool1d() Expected 2D or 3D input tensor, but got {:?}",
            input.shape()
        );
    }
    // PyTorch's `max_pool1d` (without indices) has its own kernel, for floats only.
    if !input.dtype().is_floating_point() {
        bail!(
            DType,
            "\"max_pool1d_impl\" not implemented for '{}'",
            input.dtype().scalar_type_name()
        );
    }
    let o = MaxPool2dOptions {
        kernel_size: lift(opts.kernel_size, 1),
        stride: opts.stride.map(|s| lift(s, 1)),
        padding: lift(opts.padding, 0),
        dilation: lift(opts.dilation, 1),
        ceil_mode: opts.ceil_mode,
    };
    max_pool2d(&input.try_unsqueeze(-2)?, o)?.try_squeeze_dim(-2)
}

/// The averaging matrix `[out, input]` of one dim: row `i` holds `1 / divisor` over window `i`.
fn avg_matrix(rows: &[(usize, usize, f64)], input: usize, like: &Tensor) -> Result<Tensor> {
    let mut m = vec![0.0f64; rows.len() * input];
    for (i, &(a, b, div)) in rows.iter().enumerate() {
        for v in &mut m[i * input + a..i * input + b] {
            *v = 1.0 / div;
        }
    }
    Tensor::try_from_vec(m, [rows.len(), input])?
        .try_to_dtype_raw(like.dtype())?
        .try_to_device(like.device())
}

/// `A_h @ x @ A_wᵀ` over the last two dims of `x`.
pub(crate) fn separable(x: &Tensor, a_h: &Tensor, a_w: &Tensor) -> Result<Tensor> {
    let s = x.shape();
    let r = s.len();
    let lead: usize = s[..r - 2].iter().product();
    let (h, w, oh, ow) = (s[r - 2], s[r - 1], a_h.shape()[0], a_w.shape()[0]);
    // Both products as single 2-d matmuls: along w on rows, then along h on the transpose.
    let y = x.try_reshape([lead * h, w])?.try_mm(&a_w.try_t()?)?;
    let y = y.try_view([lead, h, ow])?.try_transpose(1, 2)?;
    let y = y.try_reshape([lead * ow, h])?.try_mm(&a_h.try_t()?)?;
    let mut shape = s.to_vec();
    shape[r - 2] = oh;
    shape[r - 1] = ow;
    y.try_view([lead, ow, oh])?
        .try_transpose(1, 2)?
        .try_reshape(shape)
}

/// Runs `A_h @ x @ A_wᵀ` without history and records `name`'s node.
fn averaged(x: &Tensor, a_h: Tensor, a_w: Tensor, adaptive: bool) -> Result<Tensor> {
    let out = {
        let _g = crate::no_grad();
        separable(&x.detach(), &a_h, &a_w)?
    };
    if needs_grad(&[x]) {
        record(
            f::AvgPool2d { adaptive },
            &[x],
            &[&out],
            &[Save::Tensor(&a_h), Save::Tensor(&a_w)],
        );
    }
    Ok(out)
}

/// `F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
/// divisor_override)` over `[N, C, H, W]` (or `[C, H, W]`).
///
/// ```
/// use ember::nn::functional::{self as F, AvgPool2dOptions};
/// let x = ember::arange_range(0.0, 16.0, 1.0).view([1, 1, 4, 4]).requires_grad_(true);
/// let y = F::avg_pool2d(&x, AvgPool2dOptions::new(2)).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![2.5, 4.5, 10.5, 12.5]);
/// assert_eq!(y.grad_fn().unwrap().name(), "AvgPool2DBackward0");
/// ```
///
/// # Errors
/// As [`max_pool2d_with_indices`], and for a zero `divisor_override`.
pub fn avg_pool2d(input: &Tensor, opts: AvgPool2dOptions) -> Result<Tensor> {
    let pool = Pool::new(
        opts.kernel_size,
        opts.stride,
        opts.padding,
        [1, 1],
        opts.ceil_mode,
    )?;
    if opts.divisor_override == Some(0) {
        bail!(Value, "divisor must be not zero");
    }
    // PyTorch's CPU avg_pool2d has an int64 kernel; the other integers and bool have none.
    let int = input.dtype() == DType::I64;
    if !int {
        check_input(input, "avg_pool2d")?;
    } else {
        check_rank(input)?;
    }
    let out = pool.output(input.shape())?;
    let s = input.shape();
    let r = s.len();
    let rows: Vec<Vec<(usize, usize, f64)>> = (0..2)
        .map(|i| {
            let (len, k, st, p) = (s[r - 2 + i] as i64, pool.k[i], pool.s[i], pool.p[i]);
            (0..out[i] as i64)
                .map(|o| {
                    let start = o * st - p;
                    let end = (start + k).min(len + p);
                    let size = end - start;
                    let (a, b) = (start.max(0), end.min(len));
                    let div = match opts.divisor_override {
                        // The override divides once: put it in the row matrix only.
                        Some(d) => {
                            if i == 0 {
                                d as f64
                            } else {
                                1.0
                            }
                        }
                        None if opts.count_include_pad => size as f64,
                        None => (b - a).max(1) as f64,
                    };
                    (a as usize, b.max(a) as usize, div)
                })
                .collect()
        })
        .collect();
    if int {
        return avg_pool2d_int(input, &rows, opts.divisor_override);
    }
    let mats: Vec<Tensor> = (0..2)
        .map(|i| avg_matrix(&rows[i], s[r - 2 + i], input))
        .collect::<Result<_>>()?;
    let [a_h, a_w]: [Tensor; 2] = mats
        .try_into()
        .map_err(|_| crate::Error::Value("avg_pool2d".into()))?;
    averaged(input, a_h, a_w, false)
}

/// int64 average pooling as PyTorch's CPU kernel does it: the window's sum divided by the
/// divisor with C++'s truncating division. The sums are taken in f64 (exact for the values
/// pooling sees, below 2^53) and `trunc(sum / divisor)` of exact integers is that quotient.
fn avg_pool2d_int(
    input: &Tensor,
    rows: &[Vec<(usize, usize, f64)>],
    divisor_override: Option<i64>,
) -> Result<Tensor> {
    let s = input.shape();
    let r = s.len();
    let x = input.try_to_dtype(DType::F64)?;
    // Window sums: the averaging matrices with every divisor 1.
    let ones = |rs: &[(usize, usize, f64)]| -> Vec<(usize, usize, f64)> {
        rs.iter().map(|&(a, b, _)| (a, b, 1.0)).collect()
    };
    let a_h = avg_matrix(&ones(&rows[0]), s[r - 2], &x)?;
    let a_w = avg_matrix(&ones(&rows[1]), s[r - 1], &x)?;
    let sum = separable(&x, &a_h, &a_w)?;
    // The per-window divisor: the override, or the product of the two dims' window sizes
    // (the override sits in the row dim's entry only).
    let (oh, ow) = (rows[0].len(), rows[1].len());
    let div: Vec<f64> = (0..oh * ow)
        .map(|k| match divisor_override {
            Some(d) => d as f64,
            None => rows[0][k / ow].2 * rows[1][k % ow].2,
        })
        .collect();
    let div = Tensor::try_from_vec(div, [oh, ow])?.try_to_device(input.device())?;
    sum.try_div(&div)?.try_trunc()?.try_to_dtype(DType::I64)
}

/// `F.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)` over
/// `[N, C, L]` (or `[C, L]`).
///
/// ```
/// use ember::nn::functional::{self as F, AvgPool1dOptions};
/// let y = F::avg_pool1d(&ember::tensor([[1.0, 3.0, 2.0, 0.0]]), AvgPool1dOptions::new(2)).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![2.0, 1.0]);
/// ```
///
/// # Errors
/// As [`avg_pool2d`].
pub fn avg_pool1d(input: &Tensor, opts: AvgPool1dOptions) -> Result<Tensor> {
    if !(input.dim() == 2 || input.dim() == 3) {
        bail!(
            Shape,
            "avg_pool1d() Expected 2D or 3D input tensor, but got {:?}",
            input.shape()
        );
    }
    let o = AvgPool2dOptions {
        kernel_size: lift(opts.kernel_size, 1),
        stride: opts.stride.map(|s| lift(s, 1)),
        padding: lift(opts.padding, 0),
        ceil_mode: opts.ceil_mode,
        count_include_pad: opts.count_include_pad,
        divisor_override: opts.divisor_override,
    };
    avg_pool2d(&input.try_unsqueeze(-2)?, o)?.try_squeeze_dim(-2)
}

/// `F.adaptive_avg_pool2d(input, output_size)`: averages over `output_size` windows that
/// tile `[N, C, H, W]` (or `[C, H, W]`) as evenly as possible.
///
/// ```
/// use ember::nn::functional as F;
/// let x = ember::arange_range(0.0, 6.0, 1.0).view([1, 2, 3]);
/// let y = F::adaptive_avg_pool2d(&x, [1, 2]).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![2.0, 3.0]);
/// ```
///
/// # Errors
/// For a wrong rank, empty non-batch dims, a negative output size or a non-floating input.
pub fn adaptive_avg_pool2d(input: &Tensor, output_size: impl IntoDims<2>) -> Result<Tensor> {
    let s = input.shape();
    let os = output_size.into_dims();
    if !(s.len() == 3 || s.len() == 4) {
        bail!(
            Shape,
            "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {s:?}"
        );
    }
    if let Some(d) = (1..s.len()).find(|&d| s[d] == 0 && (s.len() == 4 || d > 0)) {
        bail!(
            Shape,
            "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {s:?} with dimension {d} being empty"
        );
    }
    if os.iter().any(|&v| v < 0) {
        bail!(
            Value,
            "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {{{}, {}}}",
            os[0],
            os[1]
        );
    }
    check_floating(input, "adaptive_avg_pool2d")?;
    if os == [1, 1] {
        // PyTorch's global pooling is a mean (node `MeanBackward1`).
        return input.try_mean_dim([-1, -2], true);
    }
    let r = s.len();
    let mats: Vec<Tensor> = (0..2)
        .map(|i| {
            let (len, o) = (s[r - 2 + i], os[i] as usize);
            let rows: Vec<(usize, usize, f64)> = (0..o)
                .map(|j| {
                    let a = j * len / o;
                    let b = ((j + 1) * len).div_ceil(o);
                    (a, b, (b - a) as f64)
                })
                .collect();
            avg_matrix(&rows, len, input)
        })
        .collect::<Result<_>>()?;
    let [a_h, a_w]: [Tensor; 2] = mats
        .try_into()
        .map_err(|_| crate::Error::Value("adaptive_avg_pool2d".into()))?;
    averaged(input, a_h, a_w, true)
}

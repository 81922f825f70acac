//! `F.pad`: constant padding (negative pads crop) with PyTorch's `ConstantPadNdBackward0`,
//! and reflect / replicate / circular padding as a gather of source indices per padded dim
//! (so their gradient is the index op's, summing each output back into its source).

use crate::autograd::formulas::norm::ConstantPad;
use crate::autograd::node::{needs_grad, record};
use crate::error::{Result, bail};
use crate::shape::ShapeFmt;
use crate::{DType, Scalar, Tensor};

/// How [`pad`] fills the new border (`mode=` in PyTorch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PadMode {
    /// A constant value (`"constant"`, the default).
    #[default]
    Constant,
    /// The input mirrored at its edge, the edge itself not repeated (`"reflect"`).
    Reflect,
    /// The edge value repeated (`"replicate"`).
    Replicate,
    /// The input wrapped around (`"circular"`).
    Circular,
}

impl PadMode {
    fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Reflect => "reflect",
            PadMode::Replicate => "replicate",
            PadMode::Circular => "circular",
        }
    }
}

impl std::str::FromStr for PadMode {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<PadMode> {
        Ok(match s {
            "constant" => PadMode::Constant,
            "reflect" => PadMode::Reflect,
            "replicate" => PadMode::Replicate,
            "circular" => PadMode::Circular,
            _ => bail!(Value, "Unrecognised padding mode {s}"),
        })
    }
}

/// The `(dim, before, after)` of each padded dim; `pad` lists the last dim first.
fn pad_dims(ndim: usize, pad: &[i64]) -> impl Iterator<Item = (usize, i64, i64)> + '_ {
    pad.chunks_exact(2)
        .enumerate()
        .map(move |(i, p)| (ndim - 1 - i, p[0], p[1]))
}

/// `F.pad(input, pad, mode, value)`: pads the last `pad.len() / 2` dims, `pad` giving
/// `(before, after)` for the last dim first, as PyTorch orders it. `value` (default 0) is
/// only for [`PadMode::Constant`], where negative pads crop.
///
/// ```
/// use ember::nn::functional::{self as F, PadMode};
/// let x = ember::tensor([[1.0, 2.0, 3.0]]);
/// let y = F::pad(&x, &[1, 0], PadMode::Constant, None).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 1.0, 2.0, 3.0]);
/// let r = F::pad(&x, &[2, 1], PadMode::Reflect, None).unwrap();
/// assert_eq!(r.to_vec::<f32>(), vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
/// ```
///
/// # Errors
/// As PyTorch: an odd `pad` length, more pads than dims, a negative output size, a `value`
/// with a non-constant mode, and the size limits of reflect and circular padding.
pub fn pad(input: &Tensor, pad: &[i64], mode: PadMode, value: Option<f64>) -> Result<Tensor> {
    if pad.len() % 2 != 0 {
        bail!(Value, "Padding length must be divisible by 2");
    }
    let nd = input.dim();
    if pad.len() / 2 > nd {
        bail!(
            Value,
            "Padding length should be less than or equal to two times the input dimension but got padding length {} and input of dimension {nd}",
            pad.len()
        );
    }
    if mode == PadMode::Constant {
        return constant_pad(input, pad, value.unwrap_or(0.0));
    }
    if value.is_some() {
        bail!(
            Value,
            "Padding mode \"{}\" doesn't take in value argument",
            mode.name()
        );
    }
    let k = pad.len() / 2;
    if !(1..=3).contains(&k) || (k + 1 != nd && k + 2 != nd) {
        bail!(
            Value,
            "Padding size {} is not supported for {nd}D input tensor.",
            pad.len()
        );
    }
    let mut out = input.clone();
    for (i, (d, before, after)) in pad_dims(nd, pad).enumerate() {
        let n = input.shape()[d] as i64;
        match mode {
            PadMode::Reflect if before >= n || after >= n => bail!(
                Shape,
                "Argument #{}: Padding size should be less than the corresponding input dimension, but got: padding ({before}, {after}) at dimension {d} of input {}",
                4 + 2 * i,
                ShapeFmt(input.shape())
            ),
            PadMode::Circular if before > n || after > n => {
                bail!(
                    Value,
                    "Padding value causes wrapping around more than once."
                )
            }
            _ => {}
        }
        let len = n + before + after;
        if len < 0 {
            bail!(Shape, "narrow(): length must be non-negative.");
        }
        let src: Vec<i64> = (0..len)
            .map(|j| {
                let k = j - before;
                match mode {
                    PadMode::Reflect => {
                        let r = if k < 0 { -k } else { k };
                        if r >= n { 2 * (n - 1) - r } else { r }
                    }
                    PadMode::Replicate => k.clamp(0, n - 1),
                    _ => k.rem_euclid(n.max(1)),
                }
            })
            .collect();
        let idx = crate::try_tensor_with(src, (DType::I64, input.device()))?;
        out = out.try_index_select(d as i64, &idx)?;
    }
    Ok(out)
}

/// `constant_pad_nd`: a tensor of `value` with the (cropped) input copied into its window.
fn constant_pad(input: &Tensor, pad: &[i64], value: f64) -> Result<Tensor> {
    let nd = input.dim();
    let mut shape: Vec<usize> = input.shape().to_vec();
    for (d, before, after) in pad_dims(nd, pad) {
        let len = input.shape()[d] as i64 + before + after;
        if len < 0 {
            bail!(
                Shape,
                "The input size {}, plus negative padding {before} and {after} resulted in a negative output size, which is invalid. Check dimension {d} of your input.",
                input.shape()[d]
            );
        }
        shape[d] = len as usize;
    }
    let dt = input.dtype();
    let fill = if dt.is_floating_point() {
        Scalar::from(value)
    } else if dt == DType::Bool {
        Scalar::from(value != 0.0)
    } else {
        Scalar::from(value as i64)
    };
    let out = crate::try_full_with(shape, fill, (dt, input.device()))?;
    {
        let _g = crate::no_grad();
        let (mut dst, mut src) = (out.clone(), input.detach());
        let mut empty = false;
        for (d, before, after) in pad_dims(nd, pad) {
            let n = input.shape()[d] as i64;
            let len = n - (-before).max(0) - (-after).max(0);
            if len <= 0 {
                empty = true;
                break;
            }
            dst = dst.try_narrow(d as i64, before.max(0), len as usize)?;
            src = src.try_narrow(d as i64, (-before).max(0), len as usize)?;
        }
        if !empty && src.numel() > 0 {
            dst.try_copy_(&src)?;
        }
    }
    if needs_grad(&[input]) {
        let f = ConstantPad { pad: pad.to_vec() };
        record(f, &[input], &[&out], &[]);
    }
    Ok(out)
}

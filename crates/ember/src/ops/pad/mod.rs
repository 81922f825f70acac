//! `F.pad`: constant padding (negative pads crop) with PyTorch's `ConstantPadNdBackward0`;
//! reflect / replicate padding as a native gather of source indices per padded dim, with
//! PyTorch's `ReflectionPadNDBackward0` / `ReplicationPadNDBackward0` nodes; circular
//! padding as PyTorch composes it, from slice copies (`CopySlices`).

pub(crate) mod formulas;

use crate::error::{Result, bail};
use crate::ops::pad::formulas as f;
use crate::ops::pad::formulas::ConstantPad;
use crate::shape::ShapeFmt;
use crate::tensor::graph::node::{needs_grad, record};
use crate::tensor::kernel::{self, PadMaps};
use crate::{DType, Scalar, Tensor};
use std::sync::Arc;

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
    if !pad.len().is_multiple_of(2) {
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
    if value.is_some_and(|v| v != 0.0) {
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
            "Padding size {} is not supported for {nd}D input tensor.\nSupported combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)",
            pad.len()
        );
    }
    match mode {
        PadMode::Circular => circular_pad(input, pad),
        _ => index_pad(input, pad, mode),
    }
}

/// The input index each output index of one padded dim of size `n` reads.
fn index_map(mode: PadMode, n: i64, before: i64, after: i64) -> Vec<usize> {
    (0..n + before + after)
        .map(|j| {
            let k = j - before;
            let i = match mode {
                PadMode::Reflect => {
                    let r = k.abs();
                    if r >= n { 2 * (n - 1) - r } else { r }
                }
                _ => k.clamp(0, n - 1),
            };
            i as usize
        })
        .collect()
}

/// Reflection / replication padding (PyTorch's `reflection_padNd` / `replication_padNd`),
/// with their checks and messages.
fn index_pad(input: &Tensor, pad: &[i64], mode: PadMode) -> Result<Tensor> {
    let (nd, k) = (input.dim(), pad.len() / 2);
    let s = input.shape();
    let op = match mode {
        PadMode::Reflect => "reflection",
        _ => "replication",
    };
    if input.dtype() == DType::Bool {
        bail!(DType, "\"{op}_pad{k}d\" not implemented for 'Bool'");
    }
    let first = if nd == k + 2 { 1 } else { 0 };
    if s[first..].contains(&0) {
        bail!(
            Shape,
            "Expected {}D or {}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: {}",
            k + 1,
            k + 2,
            ShapeFmt(s)
        );
    }
    if mode == PadMode::Reflect {
        for (i, (d, before, after)) in pad_dims(nd, pad).enumerate() {
            let n = s[d] as i64;
            if before >= n || after >= n {
                bail!(
                    Shape,
                    "Argument #{}: Padding size should be less than the corresponding input dimension, but got: padding ({before}, {after}) at dimension {d} of input {}",
                    4 + 2 * i,
                    ShapeFmt(s)
                );
            }
        }
    }
    // The padded dims in order (D, H, W), with their input and output sizes.
    let mut dims: Vec<(usize, i64, i64)> = pad_dims(nd, pad).collect();
    dims.reverse();
    let sizes: Vec<(i64, i64)> = dims
        .iter()
        .map(|&(d, b, a)| (s[d] as i64, s[d] as i64 + b + a))
        .collect();
    if sizes.iter().any(|&(_, o)| o < 1) {
        let names = &["D", "H", "W"][3 - k..];
        if k == 1 {
            bail!(
                Shape,
                "input (W: {}) is too small. Calculated output W: {}",
                sizes[0].0,
                sizes[0].1
            );
        }
        let outs: Vec<String> = names
            .iter()
            .zip(&sizes)
            .map(|(n, (_, o))| format!("{n}: {o}"))
            .collect();
        let ins: Vec<String> = names
            .iter()
            .zip(&sizes)
            .map(|(n, (i, _))| format!("{n}: {i}"))
            .collect();
        bail!(
            Shape,
            "Calculated output {} must be >= 1 in every dimension (input {})",
            outs.join(" "),
            ins.join(", ")
        );
    }
    let plan = Arc::new(PadPlan {
        mode,
        src: sizes.iter().map(|&(i, _)| i as usize).collect(),
        maps: dims
            .iter()
            .map(|&(d, b, a)| index_map(mode, s[d] as i64, b, a))
            .collect(),
    });
    pad_gather(input, &plan)
}

/// A reflection or replication padding as one index map per padded dim.
pub(crate) struct PadPlan {
    /// Reflect or replicate (names the autograd nodes).
    pub mode: PadMode,
    /// The input sizes of the padded (trailing) dims.
    pub src: Vec<usize>,
    /// For each padded dim, the input index each output index reads.
    pub maps: Vec<Vec<usize>>,
}

impl PadPlan {
    /// The kernels' geometry for `batch` leading planes.
    fn geometry(&self, batch: usize) -> PadMaps<'_> {
        let pad = 3 - self.maps.len();
        let mut src = [1; 3];
        src[pad..].copy_from_slice(&self.src);
        let mut maps: [&[usize]; 3] = [&[0], &[0], &[0]];
        for (m, v) in maps[pad..].iter_mut().zip(&self.maps) {
            *m = v;
        }
        PadMaps { batch, src, maps }
    }

    /// The leading (unpadded) dims of `t`.
    fn lead<'a>(&self, t: &'a Tensor) -> &'a [usize] {
        &t.shape()[..t.dim() - self.maps.len()]
    }
}

/// Pads `input` by `plan` (the forward of reflection / replication padding).
pub(crate) fn pad_gather(input: &Tensor, plan: &Arc<PadPlan>) -> Result<Tensor> {
    let lead = plan.lead(input);
    let mut shape = lead.to_vec();
    shape.extend(plan.maps.iter().map(Vec::len));
    let out = {
        let _g = crate::no_grad();
        let x = input.detach().try_contiguous()?;
        let out = Tensor::alloc(&shape, x.dtype(), x.device())?;
        let g = plan.geometry(lead.iter().product());
        kernel::pad_gather(x.arg(), &out, &g)?;
        out
    };
    if needs_grad(&[input]) {
        record(f::PadNd { plan: plan.clone() }, &[input], &[&out], &[]);
    }
    Ok(out)
}

/// The gradient of [`pad_gather`]: sums `grad` (the padded shape) back into the input's
/// shape (PyTorch's `reflection_padNd_backward` / `replication_padNd_backward`).
pub(crate) fn pad_scatter(grad: &Tensor, plan: &Arc<PadPlan>) -> Result<Tensor> {
    let lead = plan.lead(grad);
    let mut shape = lead.to_vec();
    shape.extend(&plan.src);
    let dt = grad.dtype();
    let out = {
        let _g = crate::no_grad();
        let half = matches!(dt, DType::F16 | DType::BF16);
        let g = if half {
            grad.detach().try_to_dtype_raw(DType::F32)?
        } else {
            grad.detach().try_contiguous()?
        };
        let out = Tensor::alloc(&shape, g.dtype(), g.device())?;
        let geo = plan.geometry(lead.iter().product());
        kernel::pad_scatter_add(g.arg(), &out, &geo)?;
        if half { out.try_to_dtype_raw(dt)? } else { out }
    };
    if needs_grad(&[grad]) {
        record(
            f::PadNdBackward { plan: plan.clone() },
            &[grad],
            &[&out],
            &[],
        );
    }
    Ok(out)
}

/// Circular padding as PyTorch's `_pad_circular` writes it: the (cropped) input copied into
/// a new tensor, then each border copied from the opposite side of that tensor, so autograd
/// records the same `CopySlices` chain.
fn circular_pad(input: &Tensor, pad: &[i64]) -> Result<Tensor> {
    let nd = input.dim();
    let mut shape = input.shape().to_vec();
    for (d, before, after) in pad_dims(nd, pad) {
        let n = input.shape()[d] as i64;
        if before > n || after > n {
            bail!(
                Value,
                "Padding value causes wrapping around more than once."
            );
        }
        if n + before + after < 0 {
            bail!(
                Value,
                "Negative padding value is resulting in an empty dimension"
            );
        }
        // Each border is copied from the other end of the cropped input; a border wider
        // than that would read itself.
        if before.max(after) > n + before.min(0) + after.min(0) {
            bail!(
                Value,
                "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation."
            );
        }
        shape[d] = (n + before + after) as usize;
    }
    let out = Tensor::alloc(&shape, input.dtype(), input.device())?;
    let (mut dst, mut src) = (out.clone(), input.clone());
    for (d, before, after) in pad_dims(nd, pad) {
        let (n, len) = (input.shape()[d] as i64, shape[d] as i64);
        let (lo, hi) = (before.max(0), len - after.max(0));
        dst = dst.try_narrow(d as i64, lo, (hi - lo).max(0) as usize)?;
        let (lo, hi) = ((-before).max(0), n - (-after).max(0));
        src = src.try_narrow(d as i64, lo, (hi - lo).max(0) as usize)?;
    }
    dst.try_copy_(&src)?;
    for (d, before, after) in pad_dims(nd, pad) {
        let (len, di) = (shape[d] as i64, d as i64);
        if before > 0 {
            let from = out.try_narrow(di, len - before - after.max(0), before as usize)?;
            out.try_narrow(di, 0, before as usize)?.try_copy_(&from)?;
        }
        if after > 0 {
            let from = out.try_narrow(di, before.max(0), after as usize)?;
            out.try_narrow(di, len - after, after as usize)?
                .try_copy_(&from)?;
        }
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

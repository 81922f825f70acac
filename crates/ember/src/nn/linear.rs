//! `nn.Linear` and `F.linear`.

use super::module::Module;
use super::{Parameter, init};
use crate::error::{Result, bail};
use crate::{DType, Tensor};

/// `F.linear(input, weight, bias)`: `input @ weight.T + bias`, recorded as PyTorch records
/// it (`AddmmBackward0` for 2-D input with bias, `MmBackward0` without).
///
/// ```
/// let x = ember::ones([2, 3]);
/// let w = ember::ones([4, 3]);
/// let b = ember::zeros([4]);
/// let y = ember::nn::functional::linear(&x, &w, Some(&b)).unwrap();
/// assert_eq!(y.shape(), &[2, 4]);
/// assert_eq!(y.to_vec::<f32>()[0], 3.0);
/// ```
///
/// # Errors
/// If the shapes do not fit.
pub fn linear(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let wt = weight.try_t()?;
    match bias {
        Some(b) if input.dim() == 2 => b.try_addmm(input, &wt),
        // Other contiguous ranks are folded into one addmm, as PyTorch's `_flatten_nd_linear`
        // (node `UnsafeViewBackward0` over `AddmmBackward0`).
        Some(b) if b.dim() == 1 && input.dim() >= 1 && input.is_contiguous() => {
            let k = input.shape()[input.dim() - 1];
            // The leading sizes' product, not -1: `view([-1, 0])` is ambiguous when k = 0.
            let rows: usize = input.shape()[..input.dim() - 1].iter().product();
            let y = b.try_addmm(&input.try_view([rows as i64, k as i64])?, &wt)?;
            let mut shape = input.shape()[..input.dim() - 1].to_vec();
            shape.push(y.shape()[1]);
            crate::ops::linalg::unsafe_view(&y, &shape)
        }
        Some(b) => input.try_matmul(&wt)?.try_add(b),
        None => input.try_matmul(&wt),
    }
}

/// Options of [`Linear::new_with`] (PyTorch's keywords).
#[derive(Clone, Copy, Debug)]
pub struct LinearOptions {
    /// Whether the layer has a bias (default true).
    pub bias: bool,
    /// The parameters' dtype (default: the default float dtype).
    pub dtype: Option<DType>,
}

impl Default for LinearOptions {
    fn default() -> Self {
        LinearOptions {
            bias: true,
            dtype: None,
        }
    }
}

/// `nn.Linear(in_features, out_features, bias=True)`: `y = x Wᵀ + b`, initialised as
/// PyTorch does (Kaiming-uniform with a = √5, bias uniform in ±1/√in_features), drawing from
/// the default generator in PyTorch's order.
///
/// ```
/// use ember::nn::{Linear, Module};
/// ember::manual_seed(0);
/// let l = Linear::new(4, 3);
/// assert_eq!(l.weight.shape(), &[3, 4]);
/// // torch.manual_seed(0); nn.Linear(4, 3).weight[0, 1] == 0.2682
/// assert!((l.weight.to_vec::<f32>()[1] - 0.2682).abs() < 1e-4);
/// let y = l.forward(&ember::ones([2, 4])).unwrap();
/// assert_eq!(y.grad_fn().unwrap().name(), "AddmmBackward0");
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Parameter,
    /// `[out_features]`, if the layer has a bias.
    pub bias: Option<Parameter>,
    in_features: usize,
    out_features: usize,
}

impl Linear {
    /// `nn.Linear(in_features, out_features)`.
    ///
    /// # Panics
    /// Never for valid sizes.
    #[track_caller]
    pub fn new(in_features: usize, out_features: usize) -> Linear {
        crate::error::OrPanic::or_panic(Linear::new_with(
            in_features,
            out_features,
            LinearOptions::default(),
        ))
    }

    /// `nn.Linear(in_features, out_features, bias=…, dtype=…)`.
    ///
    /// ```
    /// use ember::nn::{Linear, LinearOptions};
    /// let l = Linear::new_with(1000, 100, LinearOptions { bias: false, ..Default::default() }).unwrap();
    /// assert!(l.bias.is_none());
    /// ```
    ///
    /// # Errors
    /// If `dtype` is not a floating dtype.
    pub fn new_with(
        in_features: usize,
        out_features: usize,
        opts: LinearOptions,
    ) -> Result<Linear> {
        let dt = opts.dtype.unwrap_or_else(crate::get_default_dtype);
        if !dt.is_floating_point() {
            bail!(DType, "Linear parameters need a floating dtype, got {dt}");
        }
        let w = crate::try_empty_with([out_features, in_features], dt)?;
        init::kaiming_uniform_(
            &w,
            5f64.sqrt(),
            init::FanMode::FanIn,
            init::Nonlinearity::LeakyReLU,
        )?;
        let bias = if opts.bias {
            let b = crate::try_empty_with([out_features], dt)?;
            let bound = if in_features > 0 {
                1.0 / (in_features as f64).sqrt()
            } else {
                0.0
            };
            init::uniform_(&b, -bound, bound)?;
            Some(Parameter::new(b)?)
        } else {
            None
        };
        Ok(Linear {
            weight: Parameter::new(w)?,
            bias,
            in_features,
            out_features,
        })
    }
}

impl Linear {
    fn repr(&self) -> String {
        format!(
            "in_features={}, out_features={}, bias={}",
            self.in_features,
            self.out_features,
            if self.bias.is_some() { "True" } else { "False" }
        )
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        linear(x, &self.weight, self.bias.as_deref())
    }
}

/// `F.bilinear(input1, input2, weight, bias)`: `y[.., o] = Σᵢⱼ x1[.., i] W[o, i, j] x2[.., j] + b[o]`
/// over matching leading dims, written with public ops.
///
/// ```
/// let x1 = ember::ones([2, 3]);
/// let x2 = ember::ones([2, 4]);
/// let w = ember::ones([5, 3, 4]);
/// let y = ember::nn::functional::bilinear(&x1, &x2, &w, None).unwrap();
/// assert_eq!(y.shape(), &[2, 5]);
/// assert_eq!(y.to_vec::<f32>()[0], 12.0);
/// ```
///
/// # Errors
/// If the shapes do not fit (PyTorch's messages).
pub fn bilinear(
    input1: &Tensor,
    input2: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    let (s1, s2, ws) = (input1.shape(), input2.shape(), weight.shape());
    if s1.len() != s2.len() {
        bail!(
            Shape,
            "bilinear(): input dimensions do not match: got {} and {}",
            s1.len(),
            s2.len()
        );
    }
    if s1.is_empty() {
        bail!(Shape, "bilinear(): input dimensions must be at least 1");
    }
    if let Some(d) = (0..s1.len() - 1).find(|&d| s1[d] != s2[d]) {
        bail!(
            Shape,
            "bilinear(): input batch dimensions do not match at dim {d}: got {} and {}",
            s1[d],
            s2[d]
        );
    }
    if ws.len() != 3 {
        bail!(
            Shape,
            "bilinear(): weight must be three-dimensional, but got {}",
            ws.len()
        );
    }
    let (out, in1, in2) = (ws[0], ws[1], ws[2]);
    let (n1, n2) = (s1[s1.len() - 1], s2[s2.len() - 1]);
    if n1 != in1 {
        bail!(
            Shape,
            "bilinear(): input1 size does not match weight size: got {n1} but expected {in1}"
        );
    }
    if n2 != in2 {
        bail!(
            Shape,
            "bilinear(): input2 size does not match weight size: got {n2} but expected {in2}"
        );
    }
    if let Some(b) = bias
        && b.shape() != [out]
    {
        bail!(
            Shape,
            "bilinear(): bias size does not match weight size: got {} but expected {out}",
            b.shape().last().copied().unwrap_or(0)
        );
    }
    let batch: usize = s1[..s1.len() - 1].iter().product();
    let x1 = input1.try_reshape([batch, in1])?;
    let x2 = input2.try_reshape([batch, in2])?;
    // x2 Wᵀ per (o, i), then contracted with x1 over i.
    let u = x2
        .try_matmul(&weight.try_reshape([out * in1, in2])?.try_t()?)?
        .try_view([batch, out, in1])?;
    let mut y = u.try_mul(&x1.try_unsqueeze(1)?)?.try_sum_dim(-1, false)?;
    let mut shape = s1[..s1.len() - 1].to_vec();
    shape.push(out);
    y = y.try_reshape(shape)?;
    match bias {
        Some(b) => y.try_add(b),
        None => Ok(y),
    }
}

/// `nn.Bilinear(in1_features, in2_features, out_features)`: [`bilinear`] with a learned
/// `[out, in1, in2]` weight and `[out]` bias, both uniform in ±1/√in1_features as PyTorch
/// initialises them.
///
/// ```
/// use ember::nn::{Bilinear, Module};
/// ember::manual_seed(0);
/// let m = Bilinear::new(3, 4, 5);
/// // torch.manual_seed(0); nn.Bilinear(3, 4, 5).weight[0, 0, 1] == 0.3097
/// assert!((m.weight.to_vec::<f32>()[1] - 0.3097).abs() < 1e-4);
/// let y = m.forward_with(&ember::ones([2, 3]), &ember::ones([2, 4])).unwrap();
/// assert_eq!(y.shape(), &[2, 5]);
/// ```
#[derive(ember_derive::Module)]
#[module(extra_repr = repr)]
pub struct Bilinear {
    /// `[out_features, in1_features, in2_features]`.
    pub weight: Parameter,
    /// `[out_features]`, if the layer has a bias.
    pub bias: Option<Parameter>,
}

impl Bilinear {
    /// `nn.Bilinear(in1_features, in2_features, out_features)`.
    ///
    /// # Panics
    /// Never for valid sizes.
    #[track_caller]
    pub fn new(in1_features: usize, in2_features: usize, out_features: usize) -> Bilinear {
        crate::error::OrPanic::or_panic(Bilinear::new_with(
            in1_features,
            in2_features,
            out_features,
            LinearOptions::default(),
        ))
    }

    /// `nn.Bilinear(…, bias=…, dtype=…)`.
    ///
    /// # Errors
    /// If `dtype` is not a floating dtype.
    pub fn new_with(
        in1_features: usize,
        in2_features: usize,
        out_features: usize,
        opts: LinearOptions,
    ) -> Result<Bilinear> {
        let dt = opts.dtype.unwrap_or_else(crate::get_default_dtype);
        if !dt.is_floating_point() {
            bail!(DType, "Bilinear parameters need a floating dtype, got {dt}");
        }
        let bound = if in1_features > 0 {
            1.0 / (in1_features as f64).sqrt()
        } else {
            0.0
        };
        let w = crate::try_empty_with([out_features, in1_features, in2_features], dt)?;
        init::uniform_(&w, -bound, bound)?;
        let bias = if opts.bias {
            let b = crate::try_empty_with([out_features], dt)?;
            init::uniform_(&b, -bound, bound)?;
            Some(Parameter::new(b)?)
        } else {
            None
        };
        Ok(Bilinear {
            weight: Parameter::new(w)?,
            bias,
        })
    }

    /// `m(input1, input2)`.
    ///
    /// # Errors
    /// As [`bilinear`].
    pub fn forward_with(&self, input1: &Tensor, input2: &Tensor) -> Result<Tensor> {
        bilinear(input1, input2, &self.weight, self.bias.as_deref())
    }
}

impl Bilinear {
    fn repr(&self) -> String {
        let s = self.weight.shape();
        format!(
            "in1_features={}, in2_features={}, out_features={}, bias={}",
            s[1],
            s[2],
            s[0],
            if self.bias.is_some() { "True" } else { "False" }
        )
    }
}

impl Module for Bilinear {
    /// A bilinear layer takes two inputs: use [`Bilinear::forward_with`].
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        bail!(
            Value,
            "Bilinear.forward() missing 1 required positional argument: 'input2' (use forward_with)"
        )
    }
}

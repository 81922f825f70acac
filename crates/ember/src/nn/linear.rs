//! `nn.Linear` and `F.linear`.

use super::module::{Module, ModuleFields};
use super::{Parameter, init};
use crate::error::{Result, bail};
use crate::{DType, Tensor};
use std::any::Any;

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
        init::kaiming_uniform_(&w, 5f64.sqrt(), "fan_in", "leaky_relu")?;
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

impl ModuleFields for Linear {
    fn visit_parameters<'a>(&'a self, v: &mut dyn FnMut(&str, &'a Parameter)) {
        v("weight", &self.weight);
        if let Some(b) = &self.bias {
            v("bias", b);
        }
    }
    fn visit_parameters_mut(&mut self, v: &mut dyn FnMut(&str, &mut Parameter)) {
        v("weight", &mut self.weight);
        if let Some(b) = &mut self.bias {
            v("bias", b);
        }
    }
    fn type_name(&self) -> &'static str {
        "Linear"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn extra_repr(&self) -> String {
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

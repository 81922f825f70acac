//! `torch.nn.init`: in-place initialisers. They draw from the default generator in the same
//! order as PyTorch, so `manual_seed(s)` gives PyTorch's initial weights.

use crate::error::{Result, bail};
use crate::{Scalar, Tensor};

/// The `nonlinearity=` of [`calculate_gain`] and the Kaiming initialisers, under PyTorch's
/// names (`"relu"`, `"leaky_relu"`, …), which also parse.
///
/// ```
/// use ember::nn::init::Nonlinearity;
/// assert_eq!("leaky_relu".parse::<Nonlinearity>().unwrap(), Nonlinearity::LeakyReLU);
/// assert_eq!(Nonlinearity::ConvTranspose2d.to_string(), "conv_transpose2d");
/// assert_eq!(
///     "gelu".parse::<Nonlinearity>().unwrap_err().to_string(),
///     "Unsupported nonlinearity gelu"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nonlinearity {
    /// `"linear"`.
    Linear,
    /// `"conv1d"`.
    Conv1d,
    /// `"conv2d"`.
    Conv2d,
    /// `"conv3d"`.
    Conv3d,
    /// `"conv_transpose1d"`.
    ConvTranspose1d,
    /// `"conv_transpose2d"`.
    ConvTranspose2d,
    /// `"conv_transpose3d"`.
    ConvTranspose3d,
    /// `"sigmoid"`.
    Sigmoid,
    /// `"tanh"`.
    Tanh,
    /// `"relu"`.
    ReLU,
    /// `"leaky_relu"` (the Kaiming initialisers' default).
    LeakyReLU,
    /// `"selu"`.
    SELU,
}

impl Nonlinearity {
    const ALL: [Nonlinearity; 12] = [
        Nonlinearity::Linear,
        Nonlinearity::Conv1d,
        Nonlinearity::Conv2d,
        Nonlinearity::Conv3d,
        Nonlinearity::ConvTranspose1d,
        Nonlinearity::ConvTranspose2d,
        Nonlinearity::ConvTranspose3d,
        Nonlinearity::Sigmoid,
        Nonlinearity::Tanh,
        Nonlinearity::ReLU,
        Nonlinearity::LeakyReLU,
        Nonlinearity::SELU,
    ];

    /// PyTorch's name.
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Linear => "linear",
            Nonlinearity::Conv1d => "conv1d",
            Nonlinearity::Conv2d => "conv2d",
            Nonlinearity::Conv3d => "conv3d",
            Nonlinearity::ConvTranspose1d => "conv_transpose1d",
            Nonlinearity::ConvTranspose2d => "conv_transpose2d",
            Nonlinearity::ConvTranspose3d => "conv_transpose3d",
            Nonlinearity::Sigmoid => "sigmoid",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::ReLU => "relu",
            Nonlinearity::LeakyReLU => "leaky_relu",
            Nonlinearity::SELU => "selu",
        }
    }
}

impl std::str::FromStr for Nonlinearity {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Nonlinearity> {
        match Nonlinearity::ALL.iter().find(|n| n.name() == s) {
            Some(&n) => Ok(n),
            None => bail!(Value, "Unsupported nonlinearity {s}"),
        }
    }
}

impl std::fmt::Display for Nonlinearity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The `mode=` of the Kaiming initialisers: scale by the fan-in (PyTorch's default,
/// preserving the forward pass's variance) or the fan-out (the backward pass's).
///
/// ```
/// use ember::nn::init::FanMode;
/// assert_eq!("fan_out".parse::<FanMode>().unwrap(), FanMode::FanOut);
/// assert_eq!(
///     "fan_avg".parse::<FanMode>().unwrap_err().to_string(),
///     "Mode fan_avg not supported, please use one of fan_in, fan_out"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FanMode {
    /// `"fan_in"` (the default).
    #[default]
    FanIn,
    /// `"fan_out"`.
    FanOut,
}

impl std::str::FromStr for FanMode {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<FanMode> {
        match s {
            "fan_in" => Ok(FanMode::FanIn),
            "fan_out" => Ok(FanMode::FanOut),
            _ => bail!(
                Value,
                "Mode {s} not supported, please use one of fan_in, fan_out"
            ),
        }
    }
}

impl std::fmt::Display for FanMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
        })
    }
}

/// `nn.init.calculate_gain(nonlinearity, param)`; `param` is leaky ReLU's negative slope
/// (default 0.01).
///
/// ```
/// use ember::nn::init::{Nonlinearity, calculate_gain};
/// assert_eq!(calculate_gain(Nonlinearity::ReLU, None), 2f64.sqrt());
/// assert_eq!(calculate_gain(Nonlinearity::Tanh, None), 5.0 / 3.0);
/// // nn.init.calculate_gain("leaky_relu", 0.2) == 1.3867504905630728
/// assert_eq!(calculate_gain(Nonlinearity::LeakyReLU, Some(0.2)), 1.3867504905630728);
/// ```
pub fn calculate_gain(nonlinearity: Nonlinearity, param: Option<f64>) -> f64 {
    use Nonlinearity as N;
    match nonlinearity {
        N::Linear
        | N::Conv1d
        | N::Conv2d
        | N::Conv3d
        | N::ConvTranspose1d
        | N::ConvTranspose2d
        | N::ConvTranspose3d
        | N::Sigmoid => 1.0,
        N::Tanh => 5.0 / 3.0,
        N::ReLU => 2f64.sqrt(),
        N::LeakyReLU => {
            let slope = param.unwrap_or(0.01);
            (2.0 / (1.0 + slope * slope)).sqrt()
        }
        N::SELU => 0.75,
    }
}

/// `(fan_in, fan_out)` of a weight: `size(1)·receptive`, `size(0)·receptive`.
///
/// ```
/// let w = ember::zeros([100, 1000]);
/// assert_eq!(ember::nn::init::fan_in_and_fan_out(&w).unwrap(), (1000, 100));
/// ```
///
/// # Errors
/// For tensors with fewer than 2 dims.
pub fn fan_in_and_fan_out(t: &Tensor) -> Result<(usize, usize)> {
    if t.dim() < 2 {
        bail!(
            Value,
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        );
    }
    let receptive: usize = t.shape()[2..].iter().product();
    Ok((t.shape()[1] * receptive, t.shape()[0] * receptive))
}

fn with_no_grad<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let _g = crate::no_grad();
    f()
}

/// `nn.init.uniform_(t, a, b)`.
///
/// ```
/// let w = ember::nn::init::uniform_(&ember::empty([3]), -1.0, 1.0).unwrap();
/// assert!(w.to_vec::<f32>().iter().all(|v| (-1.0..1.0).contains(v)));
/// ```
///
/// # Errors
/// If `a > b` or the tensor is not floating.
pub fn uniform_(t: &Tensor, a: f64, b: f64) -> Result<Tensor> {
    with_no_grad(|| t.try_uniform_(a, b))
}

/// `nn.init.normal_(t, mean, std)`.
///
/// ```
/// let w = ember::nn::init::normal_(&ember::empty([3]), 0.0, 1.0).unwrap();
/// assert_eq!(w.shape(), &[3]);
/// ```
///
/// # Errors
/// If `std < 0` or the tensor is not floating.
pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<Tensor> {
    with_no_grad(|| t.try_normal_(mean, std))
}

/// `nn.init.constant_(t, val)`.
///
/// ```
/// let w = ember::nn::init::constant_(&ember::empty([2]), 0.5).unwrap();
/// assert_eq!(w.to_vec::<f32>(), vec![0.5, 0.5]);
/// ```
///
/// # Errors
/// Never for CPU tensors.
pub fn constant_(t: &Tensor, val: impl Into<Scalar>) -> Result<Tensor> {
    let v = val.into();
    with_no_grad(|| t.try_fill_(v))
}

/// `nn.init.zeros_(t)`.
///
/// # Errors
/// Never for CPU tensors.
pub fn zeros_(t: &Tensor) -> Result<Tensor> {
    constant_(t, 0)
}

/// `nn.init.ones_(t)`.
///
/// # Errors
/// Never for CPU tensors.
pub fn ones_(t: &Tensor) -> Result<Tensor> {
    constant_(t, 1)
}

/// `nn.init.eye_(t)`: the identity in a 2-D tensor.
///
/// ```
/// let w = ember::nn::init::eye_(&ember::empty([2, 3])).unwrap();
/// assert_eq!(w.to_vec::<f32>(), vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
/// ```
///
/// # Errors
/// For tensors that are not 2-D.
pub fn eye_(t: &Tensor) -> Result<Tensor> {
    if t.dim() != 2 {
        bail!(Value, "Only tensors with 2 dimensions are supported");
    }
    let e = crate::eye_with(t.shape()[0], t.shape()[1], t.dtype());
    with_no_grad(|| t.try_copy_(&e))
}

/// `nn.init.xavier_uniform_(t, gain)`.
///
/// ```
/// let w = ember::nn::init::xavier_uniform_(&ember::empty([10, 20]), 1.0).unwrap();
/// let bound = (6.0f32 / 30.0).sqrt();
/// assert!(w.to_vec::<f32>().iter().all(|v| v.abs() <= bound));
/// ```
///
/// # Errors
/// For tensors with fewer than 2 dims.
pub fn xavier_uniform_(t: &Tensor, gain: f64) -> Result<Tensor> {
    let (fi, fo) = fan_in_and_fan_out(t)?;
    let a = 3f64.sqrt() * gain * (2.0 / (fi + fo) as f64).sqrt();
    uniform_(t, -a, a)
}

/// `nn.init.xavier_normal_(t, gain)`.
///
/// # Errors
/// For tensors with fewer than 2 dims.
pub fn xavier_normal_(t: &Tensor, gain: f64) -> Result<Tensor> {
    let (fi, fo) = fan_in_and_fan_out(t)?;
    normal_(t, 0.0, gain * (2.0 / (fi + fo) as f64).sqrt())
}

fn kaiming_std(t: &Tensor, a: f64, mode: FanMode, nonlinearity: Nonlinearity) -> Result<f64> {
    let (fi, fo) = fan_in_and_fan_out(t)?;
    let fan = match mode {
        FanMode::FanIn => fi,
        FanMode::FanOut => fo,
    };
    if fan == 0 {
        return Ok(0.0);
    }
    Ok(calculate_gain(nonlinearity, Some(a)) / (fan as f64).sqrt())
}

/// `nn.init.kaiming_uniform_(t, a, mode, nonlinearity)`; `nn.Linear` uses
/// `kaiming_uniform_(w, √5, FanMode::FanIn, Nonlinearity::LeakyReLU)`.
///
/// ```
/// use ember::nn::init::{FanMode, Nonlinearity, kaiming_uniform_};
/// let w = ember::empty([4, 9]);
/// kaiming_uniform_(&w, 5f64.sqrt(), FanMode::FanIn, Nonlinearity::LeakyReLU).unwrap();
/// assert!(w.to_vec::<f32>().iter().all(|v| v.abs() <= 1.0 / 3.0));
/// ```
///
/// # Errors
/// For tensors with fewer than 2 dims.
pub fn kaiming_uniform_(
    t: &Tensor,
    a: f64,
    mode: FanMode,
    nonlinearity: Nonlinearity,
) -> Result<Tensor> {
    let bound = 3f64.sqrt() * kaiming_std(t, a, mode, nonlinearity)?;
    uniform_(t, -bound, bound)
}

/// `nn.init.kaiming_normal_(t, a, mode, nonlinearity)`.
///
/// # Errors
/// As [`kaiming_uniform_`].
pub fn kaiming_normal_(
    t: &Tensor,
    a: f64,
    mode: FanMode,
    nonlinearity: Nonlinearity,
) -> Result<Tensor> {
    let std = kaiming_std(t, a, mode, nonlinearity)?;
    normal_(t, 0.0, std)
}

/// `nn.init.orthogonal_(t, gain)`: a (semi-)orthogonal matrix from the QR decomposition of a
/// normal sample, with PyTorch's sign convention.
///
/// ```
/// let w = ember::nn::init::orthogonal_(&ember::empty_with([3, 3], ember::DType::F64), 1.0).unwrap();
/// let v = w.to_vec::<f64>();
/// let dot01: f64 = (0..3).map(|k| v[k] * v[3 + k]).sum();
/// assert!(dot01.abs() < 1e-12);
/// ```
///
/// # Errors
/// For tensors with fewer than 2 dims.
pub fn orthogonal_(t: &Tensor, gain: f64) -> Result<Tensor> {
    if t.dim() < 2 {
        bail!(
            Value,
            "Only tensors with 2 or more dimensions are supported"
        );
    }
    if t.numel() == 0 {
        return Ok(t.clone());
    }
    let rows = t.shape()[0];
    let cols = t.numel() / rows;
    let flat = crate::try_empty_with([rows, cols], t.dtype())?;
    flat.try_normal_(0.0, 1.0)?;
    let a = flat.try_to_vec::<f64>()?;
    // QR of the (cols x rows) transpose when the matrix is wide, as PyTorch does.
    let (m, n) = if rows < cols {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let mat = faer::Mat::<f64>::from_fn(m, n, |i, j| {
        if rows < cols {
            a[j * cols + i]
        } else {
            a[i * cols + j]
        }
    });
    let qr = mat.qr();
    let q = qr.compute_thin_Q();
    let r = qr.thin_R();
    let mut out = vec![0f64; rows * cols];
    for i in 0..m {
        for j in 0..n {
            let d = r[(j, j)];
            let s = if d > 0.0 {
                1.0
            } else if d < 0.0 {
                -1.0
            } else {
                0.0
            };
            let v = q[(i, j)] * s * gain;
            if rows < cols {
                out[j * cols + i] = v;
            } else {
                out[i * cols + j] = v;
            }
        }
    }
    let src = Tensor::try_from_vec(out, t.shape())?;
    with_no_grad(|| t.try_copy_(&src))
}

//! Filled tensors (`zeros`, `ones`, `full`, `eye`, `arange`, `linspace`) and the `*_like`
//! / `new_*` forms, with PyTorch's dtype/device/requires_grad options.

use super::data::{TensorData, try_tensor_with};
use super::options::TensorOptions;
use crate::backend;
use crate::dtype::get_default_dtype;
use crate::error::{OrPanic, Result, bail};
use crate::shape::{IntList, resolve_shape};
use crate::{DType, Device, Scalar, Tensor};

fn filled(shape: &[usize], value: Scalar, dt: DType, device: Device) -> Result<Tensor> {
    let t = Tensor::alloc(shape, dt, device)?;
    backend::fill(&mut t.storage().write(), t.layout(), dt, value)?;
    Ok(t)
}

fn make(
    shape: impl IntList,
    value: Option<Scalar>,
    default_dt: DType,
    opts: TensorOptions,
) -> Result<Tensor> {
    let shape = resolve_shape(&shape.into_list())?;
    let dt = opts.dtype.unwrap_or(default_dt);
    let device = opts.device_or_default();
    let t = match value {
        Some(v) => filled(&shape, v, dt, device)?,
        None => Tensor::alloc(&shape, dt, device)?,
    };
    opts.finish(t)
}

macro_rules! filled_fns {
    ($($(#[$doc:meta])* $name:ident, $with:ident, $try_with:ident, $value:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Panics
        /// If a size is negative.
        #[track_caller]
        pub fn $name(shape: impl IntList) -> Tensor {
            $try_with(shape, TensorOptions::new()).or_panic()
        }

        $(#[$doc])*
        /// With options (`dtype=`, `device=`, `requires_grad=`).
        ///
        /// # Panics
        /// If a size is negative, the device is unavailable, or `requires_grad` is asked for
        /// a non-float dtype.
        #[track_caller]
        pub fn $with(shape: impl IntList, opts: impl Into<TensorOptions>) -> Tensor {
            $try_with(shape, opts).or_panic()
        }

        $(#[$doc])*
        /// Fallible, with options.
        ///
        /// # Errors
        /// If a size is negative, the device is unavailable, or `requires_grad` is asked for
        /// a non-float dtype.
        pub fn $try_with(shape: impl IntList, opts: impl Into<TensorOptions>) -> Result<Tensor> {
            make(shape, $value, get_default_dtype(), opts.into())
        }
    )*};
}

filled_fns! {
    /// `torch.zeros(shape)`.
    ///
    /// ```
    /// let x = ember::zeros_with([5, 3], ember::DType::I64);
    /// assert_eq!(x.to_vec::<i64>(), vec![0; 15]);
    /// ```
    zeros, zeros_with, try_zeros_with, Some(Scalar::Int(0));
    /// `torch.ones(shape)`.
    ///
    /// ```
    /// assert_eq!(ember::ones([2]).to_vec::<f32>(), vec![1.0, 1.0]);
    /// ```
    ones, ones_with, try_ones_with, Some(Scalar::Int(1));
    /// `torch.empty(shape)`: contents unspecified (memory may be reused).
    ///
    /// ```
    /// assert_eq!(ember::empty([5, 3]).shape(), &[5, 3]);
    /// ```
    empty, empty_with, try_empty_with, None;
}

/// `torch.full(shape, value)`; the dtype follows the value as a Python number would.
///
/// ```
/// let x = ember::full([2], 7);
/// assert_eq!((x.dtype(), x.to_vec::<i64>()), (ember::DType::I64, vec![7, 7]));
/// ```
///
/// # Panics
/// If a size is negative.
#[track_caller]
pub fn full(shape: impl IntList, value: impl Into<Scalar>) -> Tensor {
    try_full_with(shape, value, TensorOptions::new()).or_panic()
}

/// `torch.full(shape, value, dtype=…, …)`.
///
/// ```
/// assert_eq!(ember::full_with([1], 2, ember::DType::F64).dtype(), ember::DType::F64);
/// ```
///
/// # Panics
/// As [`try_full_with`].
#[track_caller]
pub fn full_with(
    shape: impl IntList,
    value: impl Into<Scalar>,
    opts: impl Into<TensorOptions>,
) -> Tensor {
    try_full_with(shape, value, opts).or_panic()
}

/// Fallible [`full_with`].
///
/// # Errors
/// If a size is negative, the device is unavailable, or `requires_grad` is asked for a
/// non-float dtype.
pub fn try_full_with(
    shape: impl IntList,
    value: impl Into<Scalar>,
    opts: impl Into<TensorOptions>,
) -> Result<Tensor> {
    let v = value.into();
    make(shape, Some(v), v.natural_dtype(), opts.into())
}

fn like_opts(t: &Tensor, opts: TensorOptions) -> TensorOptions {
    TensorOptions {
        dtype: Some(opts.dtype.unwrap_or(t.dtype())),
        device: Some(opts.device.unwrap_or(t.device())),
        requires_grad: opts.requires_grad,
    }
}

macro_rules! like_fns {
    ($($(#[$doc:meta])* $name:ident, $try_name:ident, $with:ident, $try_with:ident, $value:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Panics
        /// Never on the CPU.
        #[track_caller]
        pub fn $name(t: &Tensor) -> Tensor {
            $try_with(t, TensorOptions::new()).or_panic()
        }

        $(#[$doc])*
        ///
        /// # Errors
        /// Never on the CPU; kept fallible for other devices.
        pub fn $try_name(t: &Tensor) -> Result<Tensor> {
            $try_with(t, TensorOptions::new())
        }

        $(#[$doc])*
        /// With options overriding the dtype or device of `t`.
        ///
        /// # Panics
        /// As the `try_` form's errors.
        #[track_caller]
        pub fn $with(t: &Tensor, opts: impl Into<TensorOptions>) -> Tensor {
            $try_with(t, opts).or_panic()
        }

        $(#[$doc])*
        /// Fallible, with options.
        ///
        /// # Errors
        /// If the device is unavailable or `requires_grad` is asked for a non-float dtype.
        pub fn $try_with(t: &Tensor, opts: impl Into<TensorOptions>) -> Result<Tensor> {
            make(t.shape(), $value, t.dtype(), like_opts(t, opts.into()))
        }
    )*};
}

like_fns! {
    /// `torch.zeros_like(t)`.
    ///
    /// ```
    /// let z = ember::zeros_like(&ember::ones([2, 2]));
    /// assert_eq!(z.to_vec::<f32>(), vec![0.0; 4]);
    /// ```
    zeros_like, try_zeros_like, zeros_like_with, try_zeros_like_with, Some(Scalar::Int(0));
    /// `torch.ones_like(t)`.
    ///
    /// ```
    /// let o = ember::ones_like_with(&ember::zeros([2]), ember::DType::F64);
    /// assert_eq!(o.dtype(), ember::DType::F64);
    /// ```
    ones_like, try_ones_like, ones_like_with, try_ones_like_with, Some(Scalar::Int(1));
    /// `torch.empty_like(t)`.
    ///
    /// ```
    /// assert_eq!(ember::empty_like(&ember::zeros([3])).shape(), &[3]);
    /// ```
    empty_like, try_empty_like, empty_like_with, try_empty_like_with, None;
}

/// `torch.full_like(t, value)`.
///
/// ```
/// assert_eq!(ember::full_like(&ember::zeros([2]), 3.0).to_vec::<f32>(), vec![3.0, 3.0]);
/// ```
///
/// # Panics
/// Never on the CPU.
#[track_caller]
pub fn full_like(t: &Tensor, value: impl Into<Scalar>) -> Tensor {
    make(
        t.shape(),
        Some(value.into()),
        t.dtype(),
        like_opts(t, TensorOptions::new()),
    )
    .or_panic()
}

impl Tensor {
    /// `x.new_ones(shape)`: ones with `x`'s dtype and device.
    ///
    /// ```
    /// let x = ember::tensor([5.5, 3.0]).double();
    /// assert_eq!(x.new_ones([5, 3]).dtype(), ember::DType::F64);
    /// ```
    ///
    /// # Panics
    /// If a size is negative.
    #[track_caller]
    pub fn new_ones(&self, shape: impl IntList) -> Tensor {
        make(
            shape,
            Some(Scalar::Int(1)),
            self.dtype(),
            like_opts(self, TensorOptions::new()),
        )
        .or_panic()
    }

    /// `x.new_zeros(shape)`.
    ///
    /// ```
    /// assert_eq!(ember::tensor([1, 2]).new_zeros([3]).dtype(), ember::DType::I64);
    /// ```
    ///
    /// # Panics
    /// If a size is negative.
    #[track_caller]
    pub fn new_zeros(&self, shape: impl IntList) -> Tensor {
        make(
            shape,
            Some(Scalar::Int(0)),
            self.dtype(),
            like_opts(self, TensorOptions::new()),
        )
        .or_panic()
    }

    /// `x.new_full(shape, value)`.
    ///
    /// ```
    /// assert_eq!(ember::zeros([1]).new_full([2], 4).to_vec::<f32>(), vec![4.0, 4.0]);
    /// ```
    ///
    /// # Panics
    /// If a size is negative.
    #[track_caller]
    pub fn new_full(&self, shape: impl IntList, value: impl Into<Scalar>) -> Tensor {
        make(
            shape,
            Some(value.into()),
            self.dtype(),
            like_opts(self, TensorOptions::new()),
        )
        .or_panic()
    }

    /// `x.new_empty(shape)`.
    ///
    /// ```
    /// assert_eq!(ember::zeros([1]).new_empty([2, 2]).shape(), &[2, 2]);
    /// ```
    ///
    /// # Panics
    /// If a size is negative.
    #[track_caller]
    pub fn new_empty(&self, shape: impl IntList) -> Tensor {
        make(
            shape,
            None,
            self.dtype(),
            like_opts(self, TensorOptions::new()),
        )
        .or_panic()
    }

    /// `x.new_tensor(data)`: `data` with `x`'s dtype and device.
    ///
    /// ```
    /// let x = ember::zeros_with([1], ember::DType::F64);
    /// assert_eq!(x.new_tensor([1, 2]).dtype(), ember::DType::F64);
    /// ```
    ///
    /// # Panics
    /// If the data is ragged.
    #[track_caller]
    pub fn new_tensor<D: TensorData>(&self, data: D) -> Tensor {
        try_tensor_with(data, (self.dtype(), self.device())).or_panic()
    }
}

/// `torch.eye(n)`: the n×n identity.
///
/// ```
/// assert_eq!(ember::eye(2).to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
///
/// # Panics
/// Never for valid sizes.
#[track_caller]
pub fn eye(n: usize) -> Tensor {
    eye_with(n, n, TensorOptions::new())
}

/// `torch.eye(n, m, dtype=…)`.
///
/// ```
/// let e = ember::eye_with(2, 3, ember::DType::I64);
/// assert_eq!(e.to_vec::<i64>(), vec![1, 0, 0, 0, 1, 0]);
/// ```
///
/// # Panics
/// If the device is unavailable.
#[track_caller]
pub fn eye_with(n: usize, m: usize, opts: impl Into<TensorOptions>) -> Tensor {
    let opts: TensorOptions = opts.into();
    let dt = opts.dtype.unwrap_or(get_default_dtype());
    let mut v = vec![0f64; n * m];
    for i in 0..n.min(m) {
        v[i * m + i] = 1.0;
    }
    let t = Tensor::from_vec(v, [n, m]).try_to_dtype_raw(dt).or_panic();
    opts.finish(t).or_panic()
}

/// `torch.arange(end)`: `0, 1, …, end-1`; the dtype follows `end` as a Python number.
///
/// ```
/// assert_eq!(ember::arange(4).to_vec::<i64>(), vec![0, 1, 2, 3]);
/// ```
///
/// # Panics
/// As [`try_arange_with`].
#[track_caller]
pub fn arange(end: impl Into<Scalar>) -> Tensor {
    try_arange_with(Scalar::Int(0), end, Scalar::Int(1), TensorOptions::new()).or_panic()
}

/// `torch.arange(start, end, step)`.
///
/// ```
/// assert_eq!(ember::arange_range(1.0, 2.0, 0.25).to_vec::<f32>(), vec![1.0, 1.25, 1.5, 1.75]);
/// ```
///
/// # Panics
/// As [`try_arange_with`].
#[track_caller]
pub fn arange_range(
    start: impl Into<Scalar>,
    end: impl Into<Scalar>,
    step: impl Into<Scalar>,
) -> Tensor {
    try_arange_with(start, end, step, TensorOptions::new()).or_panic()
}

/// `torch.arange(start, end, step, dtype=…)`.
///
/// ```
/// let x = ember::try_arange_with(0, 3, 1, ember::DType::F64).unwrap();
/// assert_eq!(x.to_vec::<f64>(), vec![0.0, 1.0, 2.0]);
/// ```
///
/// # Errors
/// If `step` is zero or has the wrong sign for the range.
pub fn try_arange_with(
    start: impl Into<Scalar>,
    end: impl Into<Scalar>,
    step: impl Into<Scalar>,
    opts: impl Into<TensorOptions>,
) -> Result<Tensor> {
    let (start, end, step) = (start.into(), end.into(), step.into());
    let opts: TensorOptions = opts.into();
    let any_float = start.is_float() || end.is_float() || step.is_float();
    let dt = opts.dtype.unwrap_or(if any_float {
        get_default_dtype()
    } else {
        DType::I64
    });
    let (s, e, st) = (start.to_f64(), end.to_f64(), step.to_f64());
    if st == 0.0 {
        bail!(Value, "step must be nonzero");
    }
    if (st > 0.0 && e < s) || (st < 0.0 && e > s) {
        bail!(
            Value,
            "upper bound and larger bound inconsistent with step sign"
        );
    }
    let n = ((e - s) / st).ceil().max(0.0) as usize;
    let t = if dt.is_floating_point() {
        Tensor::from_vec((0..n).map(|i| s + i as f64 * st).collect::<Vec<f64>>(), [n])
    } else {
        let (si, sti) = (start.to_i64(), step.to_i64());
        Tensor::from_vec(
            (0..n as i64).map(|i| si + i * sti).collect::<Vec<i64>>(),
            [n],
        )
    };
    let t = t.try_to_dtype_raw(dt)?;
    opts.finish(t)
}

/// `torch.linspace(start, end, steps)`.
///
/// ```
/// assert_eq!(ember::linspace(0.0, 1.0, 5).to_vec::<f32>(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
/// ```
///
/// # Panics
/// Never for valid arguments.
#[track_caller]
pub fn linspace(start: f64, end: f64, steps: usize) -> Tensor {
    try_linspace_with(start, end, steps, TensorOptions::new()).or_panic()
}

/// `torch.linspace(start, end, steps, dtype=…)`.
///
/// # Errors
/// If the device is unavailable or `requires_grad` is asked for a non-float dtype.
pub fn try_linspace_with(
    start: f64,
    end: f64,
    steps: usize,
    opts: impl Into<TensorOptions>,
) -> Result<Tensor> {
    let opts: TensorOptions = opts.into();
    let dt = opts.dtype.unwrap_or(get_default_dtype());
    let step = if steps > 1 {
        (end - start) / (steps - 1) as f64
    } else {
        0.0
    };
    // PyTorch fills the second half backwards from `end` so both ends are exact.
    let half = steps / 2;
    let v: Vec<f64> = (0..steps)
        .map(|i| {
            if i < half {
                start + step * i as f64
            } else {
                end - step * (steps - 1 - i) as f64
            }
        })
        .collect();
    let t = Tensor::from_vec(v, [steps]).try_to_dtype_raw(dt)?;
    opts.finish(t)
}

//! Creating tensors: from Rust data, filled (`zeros`, `ones`, `full`, `eye`, `arange`,
//! `linspace`), and `*_like` / `new_*` forms, with PyTorch's dtype/device/requires_grad options.

use crate::backend;
use crate::error::{OrPanic, Result, bail};
use crate::shape::{Dims, IntList, resolve_shape};
use crate::{DType, Device, Element, Scalar, Tensor};

pub use crate::dtype::{get_default_dtype, set_default_dtype};

thread_local! {
    static DEFAULT_DEVICE: std::cell::Cell<Device> = const { std::cell::Cell::new(Device::Cpu) };
}

/// The device creation functions use when not told one (`torch.get_default_device()`);
/// the CPU unless [`set_default_device`] changed it on this thread.
///
/// ```
/// assert_eq!(ember::get_default_device(), ember::Device::Cpu);
/// ```
pub fn get_default_device() -> Device {
    DEFAULT_DEVICE.with(std::cell::Cell::get)
}

/// Sets the device creation functions (and so module constructors) use when not told one
/// (`torch.set_default_device`), for the current thread, and returns the previous one.
/// [`device_scope`] restores it for you: PyTorch's `with torch.device("meta"):`.
///
/// ```
/// use ember::Device;
/// let before = ember::set_default_device(Device::Meta);
/// assert_eq!(ember::zeros([2]).device(), Device::Meta);
/// ember::set_default_device(before);
/// assert_eq!(ember::zeros([2]).device(), Device::Cpu);
/// ```
pub fn set_default_device(device: Device) -> Device {
    DEFAULT_DEVICE.with(|d| d.replace(device))
}

/// Runs `f` with `device` as the default device of this thread (`with torch.device(d):`),
/// restoring the previous default afterwards, even if `f` panics.
///
/// ```
/// use ember::{Device, nn::Module};
/// // A model too large for any machine, built instantly: meta tensors hold no data.
/// let model = ember::device_scope(Device::Meta, || ember::nn::Linear::new(100_000, 10_000));
/// let n: usize = model.parameters().iter().map(|p| p.numel()).sum();
/// assert_eq!(n, 1_000_010_000);
/// assert!(model.weight.device().is_meta());
/// ```
pub fn device_scope<R>(device: Device, f: impl FnOnce() -> R) -> R {
    struct Restore(Device);
    impl Drop for Restore {
        fn drop(&mut self) {
            set_default_device(self.0);
        }
    }
    let _restore = Restore(set_default_device(device));
    f()
}

/// PyTorch's `dtype=`, `device=` and `requires_grad=` keywords of creation functions.
///
/// A `DType`, a `Device`, or a `(DType, Device)` pair converts into options, so the common
/// call stays short: `ember::zeros_with([5, 3], DType::I64)`.
///
/// ```
/// use ember::{DType, TensorOptions};
/// let x = ember::ones_with([2], TensorOptions::new().dtype(DType::F64).requires_grad(true));
/// assert!(x.requires_grad() && x.dtype() == DType::F64);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TensorOptions {
    /// The element type; `None` means the op's default.
    pub dtype: Option<DType>,
    /// The device; `None` means the op's default ([`get_default_device`], or the `_like`
    /// tensor's).
    pub device: Option<Device>,
    /// Make the new tensor a leaf that requires grad.
    pub requires_grad: bool,
}

impl TensorOptions {
    /// Options with every field at its default.
    pub fn new() -> TensorOptions {
        TensorOptions::default()
    }

    /// Sets the dtype.
    pub fn dtype(mut self, dt: DType) -> Self {
        self.dtype = Some(dt);
        self
    }

    /// Sets the device.
    pub fn device(mut self, d: Device) -> Self {
        self.device = Some(d);
        self
    }

    /// Sets `requires_grad`.
    pub fn requires_grad(mut self, yes: bool) -> Self {
        self.requires_grad = yes;
        self
    }

    /// The device asked for, else the default device.
    pub(crate) fn device_or_default(&self) -> Device {
        self.device.unwrap_or_else(get_default_device)
    }

    /// Puts a freshly made tensor on the device asked for and marks it as requiring grad
    /// when asked.
    fn finish(self, t: Tensor) -> Result<Tensor> {
        let device = self.device_or_default();
        let t = if t.device() == device {
            t
        } else {
            t.try_to_device(device)?
        };
        if self.requires_grad {
            t.try_requires_grad_(true)?;
        }
        Ok(t)
    }
}

impl From<DType> for TensorOptions {
    fn from(dt: DType) -> Self {
        TensorOptions::new().dtype(dt)
    }
}

impl From<Device> for TensorOptions {
    fn from(d: Device) -> Self {
        TensorOptions::new().device(d)
    }
}

impl From<(DType, Device)> for TensorOptions {
    fn from((dt, d): (DType, Device)) -> Self {
        TensorOptions::new().dtype(dt).device(d)
    }
}

/// Rust data that becomes a tensor: numbers, nested arrays, `Vec`s and slices of them.
///
/// Numbers follow Python's: an `f64` (a float literal) becomes the default float dtype and
/// an `i32`/`i64` (an integer literal) becomes int64, as `torch.tensor([1., 2.])` and
/// `torch.tensor([1, 2])` do; other Rust types keep their own dtype (`f32`, `u8`, `f16`…).
pub trait TensorData {
    /// The element type.
    type Elem: PyElement;
    /// Appends the elements in row-major order and returns the shape.
    fn flatten_into(self, out: &mut Vec<Self::Elem>) -> Result<Dims>;
}

/// An element type of [`TensorData`], with the dtype a Python number of its kind becomes.
pub trait PyElement: Element {
    /// The dtype `ember::tensor` gives data of this type.
    fn natural_dtype() -> DType {
        Self::DTYPE
    }
}

impl PyElement for f64 {
    fn natural_dtype() -> DType {
        get_default_dtype()
    }
}
impl PyElement for i32 {
    fn natural_dtype() -> DType {
        DType::I64
    }
}
impl PyElement for f32 {}
impl PyElement for i64 {}
impl PyElement for i16 {}
impl PyElement for i8 {}
impl PyElement for u8 {}
impl PyElement for bool {}
impl PyElement for half::f16 {}
impl PyElement for half::bf16 {}

macro_rules! scalar_data {
    ($($t:ty),*) => {$(
        impl TensorData for $t {
            type Elem = $t;
            fn flatten_into(self, out: &mut Vec<$t>) -> Result<Dims> {
                out.push(self);
                Ok(Dims::new())
            }
        }
    )*};
}
scalar_data!(f64, f32, i64, i32, i16, i8, u8, bool, half::f16, half::bf16);

fn flatten_seq<D: TensorData>(
    items: impl ExactSizeIterator<Item = D>,
    out: &mut Vec<D::Elem>,
) -> Result<Dims> {
    let n = items.len();
    let mut inner: Option<Dims> = None;
    for item in items {
        let s = item.flatten_into(out)?;
        match &inner {
            None => inner = Some(s),
            Some(prev) if *prev != s => {
                bail!(
                    Shape,
                    "expected sequence of length {} at dim 1 (got {})",
                    prev.first().copied().unwrap_or(0),
                    s.first().copied().unwrap_or(0)
                );
            }
            _ => {}
        }
    }
    let mut shape = Dims::from_elem(n, 1);
    if let Some(i) = inner {
        shape.extend(i);
    }
    Ok(shape)
}

impl<D: TensorData, const N: usize> TensorData for [D; N] {
    type Elem = D::Elem;
    fn flatten_into(self, out: &mut Vec<D::Elem>) -> Result<Dims> {
        flatten_seq(self.into_iter(), out)
    }
}

impl<D: TensorData> TensorData for Vec<D> {
    type Elem = D::Elem;
    fn flatten_into(self, out: &mut Vec<D::Elem>) -> Result<Dims> {
        flatten_seq(self.into_iter(), out)
    }
}

impl<D: TensorData + Clone> TensorData for &[D] {
    type Elem = D::Elem;
    fn flatten_into(self, out: &mut Vec<D::Elem>) -> Result<Dims> {
        flatten_seq(self.iter().cloned(), out)
    }
}

/// `torch.tensor(data)`: a new leaf tensor holding a copy of `data`.
///
/// ```
/// let x = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
/// assert_eq!((x.shape(), x.dtype()), (&[2usize, 2][..], ember::DType::F32));
/// assert_eq!(ember::tensor([5.5, 3.0]).to_vec::<f32>(), vec![5.5, 3.0]);
/// assert_eq!(ember::tensor([1, 10]).dtype(), ember::DType::I64);
/// assert_eq!(ember::tensor(42.0).ndim(), 0);
/// ```
///
/// # Panics
/// If nested data is ragged.
#[track_caller]
pub fn tensor<D: TensorData>(data: D) -> Tensor {
    try_tensor(data).or_panic()
}

/// Fallible [`tensor`].
///
/// # Errors
/// If nested data is ragged.
pub fn try_tensor<D: TensorData>(data: D) -> Result<Tensor> {
    try_tensor_with(data, TensorOptions::new())
}

/// `torch.tensor(data, dtype=…, device=…, requires_grad=…)`.
///
/// ```
/// let x = ember::tensor_with([[1, 2], [3, 4]], ember::TensorOptions::new()
///     .dtype(ember::DType::F64).requires_grad(true));
/// assert!(x.requires_grad());
/// ```
///
/// # Panics
/// If the data is ragged, or `requires_grad` is asked for a non-float dtype.
#[track_caller]
pub fn tensor_with<D: TensorData>(data: D, opts: impl Into<TensorOptions>) -> Tensor {
    try_tensor_with(data, opts).or_panic()
}

/// Fallible [`tensor_with`].
///
/// # Errors
/// If the data is ragged, the device is unavailable, or `requires_grad` is asked for a
/// non-float dtype.
pub fn try_tensor_with<D: TensorData>(data: D, opts: impl Into<TensorOptions>) -> Result<Tensor> {
    let opts = opts.into();
    let mut v = Vec::new();
    let shape = data.flatten_into(&mut v)?;
    let t = Tensor::try_from_vec(v, shape.as_slice())?;
    let dt = opts
        .dtype
        .unwrap_or(<D::Elem as PyElement>::natural_dtype());
    let t = t.try_to_dtype_raw(dt)?;
    opts.finish(t)
}

/// A 0-dim tensor holding `v` (`torch.tensor(3.0)`), with Python-number dtypes.
///
/// ```
/// let t = ember::scalar_tensor(0.5);
/// assert_eq!(t.ndim(), 0);
/// assert_eq!(t.item::<f32>(), 0.5);
/// ```
pub fn scalar_tensor(v: impl Into<Scalar>) -> Tensor {
    let s = v.into();
    let t = Tensor::alloc(&[], s.natural_dtype(), Device::Cpu).or_panic();
    backend::fill(&mut t.storage().write(), t.layout(), t.dtype(), s).or_panic();
    t
}

impl Tensor {
    /// A tensor of `shape` owning `data` (no copy), with `T`'s dtype.
    ///
    /// ```
    /// let x = ember::Tensor::from_vec(vec![1u8, 2, 3, 4], [2, 2]);
    /// assert_eq!(x.dtype(), ember::DType::U8);
    /// ```
    ///
    /// # Panics
    /// If the number of elements does not match the shape.
    #[track_caller]
    pub fn from_vec<T: Element>(data: Vec<T>, shape: impl IntList) -> Tensor {
        Tensor::try_from_vec(data, shape).or_panic()
    }

    /// Fallible [`Tensor::from_vec`].
    ///
    /// # Errors
    /// If the number of elements does not match the shape or a size is negative.
    pub fn try_from_vec<T: Element>(data: Vec<T>, shape: impl IntList) -> Result<Tensor> {
        let shape = resolve_shape(&shape.into_list())?;
        let n = crate::shape::numel(&shape);
        if data.len() != n {
            bail!(
                Shape,
                "shape '{}' is invalid for input of size {}",
                crate::shape::ShapeFmt(&shape),
                data.len()
            );
        }
        let buf = crate::backend::cpu::CpuBuffer::from_vec(data);
        Ok(Tensor::from_parts(
            std::sync::Arc::new(crate::storage::Storage::new(crate::storage::Buffer::Cpu(
                buf,
            ))),
            crate::layout::Layout::contiguous(&shape),
            T::DTYPE,
        ))
    }

    /// A tensor of `shape` holding a copy of `data`.
    ///
    /// ```
    /// let x = ember::Tensor::from_slice(&[1.0f64, 2.0, 3.0], [3]);
    /// assert_eq!(x.dtype(), ember::DType::F64);
    /// ```
    ///
    /// # Panics
    /// If the number of elements does not match the shape.
    #[track_caller]
    pub fn from_slice<T: Element>(data: &[T], shape: impl IntList) -> Tensor {
        Tensor::try_from_vec(data.to_vec(), shape).or_panic()
    }
}

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

//! Tensors from Rust data: `tensor!`-style nested arrays, `Vec`s and slices (with Python's
//! dtypes for number literals), `from_vec` (no copy) and `scalar_tensor`.

use super::options::TensorOptions;
use crate::backend;
use crate::dtype::get_default_dtype;
use crate::error::{OrPanic, Result, bail};
use crate::shape::{Dims, IntList, resolve_shape};
use crate::{DType, Device, Element, Scalar, Tensor};

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

impl Tensor {
    /// The elements as little-endian bytes, row-major (the element data of `io`'s formats).
    pub(crate) fn to_le_bytes(&self) -> Result<Vec<u8>> {
        let t = self.try_contiguous()?;
        let n = t.numel() * t.element_size();
        let guard = t.storage().read();
        let crate::storage::Buffer::Cpu(b) = &*guard else {
            return Err(crate::error::no_data());
        };
        let start = t.storage_offset() * t.element_size();
        let mut bytes = b.bytes()[start..start + n].to_vec();
        if cfg!(target_endian = "big") {
            for chunk in bytes.chunks_mut(t.element_size()) {
                chunk.reverse();
            }
        }
        Ok(bytes)
    }

    /// A CPU tensor of `shape` and `dtype` from little-endian bytes (big-endian with `swap`),
    /// already length-checked.
    pub(crate) fn from_le_bytes(
        bytes: &[u8],
        shape: &[usize],
        dtype: DType,
        swap: bool,
    ) -> Result<Tensor> {
        let mut buf = crate::backend::cpu::CpuBuffer::new(bytes.len());
        let dst = buf.bytes_mut();
        dst.copy_from_slice(bytes);
        let swap = swap != cfg!(target_endian = "big");
        if swap && dtype.size_in_bytes() > 1 {
            for chunk in dst.chunks_mut(dtype.size_in_bytes()) {
                chunk.reverse();
            }
        }
        if dtype == DType::Bool {
            // Only 0/1 are valid bools.
            for b in dst.iter_mut() {
                *b = (*b != 0) as u8;
            }
        }
        let storage = std::sync::Arc::new(crate::storage::Storage::new(
            crate::storage::Buffer::Cpu(buf),
        ));
        Ok(Tensor::from_parts(
            storage,
            crate::layout::Layout::contiguous(shape),
            dtype,
        ))
    }
}

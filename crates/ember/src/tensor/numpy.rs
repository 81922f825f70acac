//! The numpy bridge of seed 001 (`torch.from_numpy`, `x.numpy()`), with `ndarray` as Rust's
//! numpy: owned conversions both ways, and borrowed views that share the tensor's memory.

use crate::error::{OrPanic, Result, bail};
use crate::layout::Layout;
use crate::storage::Buffer;
use crate::{Element, Tensor};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Dimension, IxDyn, ShapeBuilder};

impl Tensor {
    /// A tensor over memory someone else owns, without a copy (libtorch's `from_blob`, what
    /// `torch.from_numpy` does): `strides` are in elements, and `owner` is kept alive as long
    /// as any tensor over the memory lives. See Note [Foreign memory].
    ///
    /// ```
    /// let data = Box::new([1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// let ptr = std::ptr::NonNull::new(data.as_ptr() as *mut u8).unwrap();
    /// // SAFETY: `data` (moved into the tensor as its owner) holds 6 f32s at `ptr`.
    /// let t = unsafe { ember::Tensor::from_blob(ptr, &[3, 2], &[1, 3], 0, ember::DType::F32, 6, Box::new(data)) }
    ///     .unwrap();
    /// assert_eq!(t.to_vec::<f32>(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// ```
    ///
    /// # Errors
    /// If the layout reaches outside the `len` elements, or `ptr` is not aligned for `dtype`.
    ///
    /// # Safety
    /// `ptr` must be valid for reads and writes of `len` elements of `dtype` for as long as
    /// `owner` lives, and nothing may free or move that memory meanwhile.
    pub unsafe fn from_blob(
        ptr: std::ptr::NonNull<u8>,
        shape: &[usize],
        strides: &[usize],
        offset: usize,
        dtype: crate::DType,
        len: usize,
        owner: Box<dyn std::any::Any + Send + Sync>,
    ) -> Result<Tensor> {
        if shape.len() != strides.len() {
            bail!(
                Shape,
                "from_blob: {} sizes but {} strides",
                shape.len(),
                strides.len()
            );
        }
        if !(ptr.as_ptr() as usize).is_multiple_of(dtype.size_in_bytes()) {
            bail!(
                Value,
                "from_blob: data pointer is not aligned for {}",
                dtype.name()
            );
        }
        let layout = Layout {
            shape: shape.iter().copied().collect(),
            strides: strides.iter().copied().collect(),
            offset,
        };
        check_in_bounds(&layout, len)?;
        let bytes = len
            .checked_mul(dtype.size_in_bytes())
            .ok_or_else(|| crate::Error::Value("from_blob: size overflows".into()))?;
        // SAFETY: the caller vouches for `ptr`, `len` and the owner's lifetime.
        let buf = unsafe { crate::backend::cpu::CpuBuffer::from_external(ptr, bytes, owner) };
        let storage = std::sync::Arc::new(crate::storage::Storage::new(Buffer::Cpu(buf)));
        Ok(Tensor::from_parts(storage, layout, dtype))
    }

    /// The address of the tensor's first element (`x.data_ptr()`); stable for the storage's
    /// lifetime (Note [Foreign memory]).
    ///
    /// ```
    /// let x = ember::zeros([4]);
    /// assert_eq!(x.narrow(0, 1, 2).data_ptr(), x.data_ptr() + 4);
    /// ```
    pub fn data_ptr(&self) -> usize {
        let guard = self.storage().read();
        match &*guard {
            Buffer::Cpu(buf) => {
                buf.as_ptr() as usize + self.layout().offset * self.dtype().size_in_bytes()
            }
            // PyTorch's meta tensors report a null data pointer.
            Buffer::Meta => 0,
        }
    }

    /// `torch.from_numpy(a)`: a tensor owning the array's memory. No copy when the array is in
    /// standard (row-major, contiguous) layout; other layouts are copied into one.
    ///
    /// ```
    /// let a = ndarray::array![[1i64, 2, 3], [4, 5, 6]];
    /// let t = ember::Tensor::from_ndarray(a);
    /// assert_eq!(t.shape(), &[2, 3]);
    /// assert_eq!(t.dtype(), ember::DType::I64);
    /// assert_eq!(t.to_vec::<i64>(), vec![1, 2, 3, 4, 5, 6]);
    /// ```
    pub fn from_ndarray<T: Element, D: Dimension>(array: ndarray::Array<T, D>) -> Tensor {
        let shape = array.shape().to_vec();
        let data = if array.is_standard_layout() {
            // A sliced array keeps its whole allocation: drop what lies outside the view.
            let (mut v, offset) = array.into_raw_vec_and_offset();
            v.drain(..offset.unwrap_or(0));
            v.truncate(crate::shape::numel(&shape));
            v
        } else {
            array.iter().copied().collect()
        };
        // The element count matches the shape by construction.
        Tensor::try_from_vec(data, shape.as_slice()).or_panic()
    }

    /// An owned array with the tensor's shape and values, converted to `T` by the rule of
    /// [`Tensor::try_to_vec`] and [`Tensor::try_item`] (a cast, as `x.to(dtype)` would; as
    /// `x.detach().numpy().astype(T)`). Only the views of the tensor's own memory
    /// ([`Tensor::try_with_ndarray`]) need `T` to be its dtype.
    ///
    /// ```
    /// let a = ember::ones([2, 3]);
    /// assert_eq!(a.to_ndarray::<f32>(), ndarray::Array2::<f32>::ones((2, 3)).into_dyn());
    /// // torch.tensor([-1.5, 2.7]).numpy().astype(np.int64) == [-1, 2]
    /// let b = ember::tensor([-1.5, 2.7]).to_ndarray::<i64>();
    /// assert_eq!(b, ndarray::arr1(&[-1i64, 2]).into_dyn());
    /// assert_eq!(ember::arange(4).view([2, 2]).t().to_ndarray::<f64>()[[0, 1]], 2.0);
    /// ```
    ///
    /// # Errors
    /// If the tensor requires grad or is not on the CPU (as `x.numpy()`).
    pub fn try_to_ndarray<T: Element>(&self) -> Result<ArrayD<T>> {
        self.check_numpy()?;
        let v = self.try_to_vec::<T>()?;
        ArrayD::from_shape_vec(IxDyn(self.shape()), v)
            .map_err(|e| crate::error::Error::Value(e.to_string()))
    }

    /// Panicking form of [`Tensor::try_to_ndarray`].
    ///
    /// # Panics
    /// As the `try_` form's errors.
    #[must_use]
    #[track_caller]
    pub fn to_ndarray<T: Element>(&self) -> ArrayD<T> {
        self.try_to_ndarray().or_panic()
    }

    /// Calls `f` with an `ndarray` view of the tensor's own memory (no copy; strides and
    /// offset as the tensor's), as `x.numpy()` shares memory with `x`. The tensor's storage
    /// is locked for reading while `f` runs: do not write to the tensor inside `f`.
    ///
    /// ```
    /// let x = ember::arange(6).view([2, 3]);
    /// let total = x.t().with_ndarray(|a: ndarray::ArrayViewD<i64>| {
    ///     assert_eq!(a.shape(), &[3, 2]);
    ///     assert_eq!(a[[2, 1]], 5);
    ///     a.sum()
    /// });
    /// assert_eq!(total, 15);
    /// ```
    ///
    /// # Errors
    /// If `T` is not the tensor's dtype, the tensor requires grad, or it is not on the CPU.
    pub fn try_with_ndarray<T: Element, R>(
        &self,
        f: impl FnOnce(ArrayViewD<'_, T>) -> R,
    ) -> Result<R> {
        self.check_view::<T>()?;
        let guard = self.storage().read();
        let Buffer::Cpu(buf) = &*guard else {
            return Err(crate::error::no_data());
        };
        let data = buf.as_slice::<T>();
        let layout = self.layout();
        check_in_bounds(layout, data.len())?;
        let shape = IxDyn(&layout.shape).strides(IxDyn(&layout.strides));
        // SAFETY: every element the layout reaches lies inside `data` (checked above), the
        // read lock keeps the memory alive and unwritten for the view's lifetime, which
        // cannot outlive `guard` because the view only lives inside `f`.
        let view = unsafe { ArrayViewD::from_shape_ptr(shape, data.as_ptr().add(layout.offset)) };
        Ok(f(view))
    }

    /// Panicking form of [`Tensor::try_with_ndarray`].
    ///
    /// # Panics
    /// As the `try_` form's errors.
    #[track_caller]
    pub fn with_ndarray<T: Element, R>(&self, f: impl FnOnce(ArrayViewD<'_, T>) -> R) -> R {
        self.try_with_ndarray(f).or_panic()
    }

    /// Calls `f` with a mutable `ndarray` view of the tensor's memory, so writes through the
    /// array change the tensor (and every view of it), as writing into `x.numpy()` does. Bumps
    /// the version counter. The storage is locked while `f` runs: do not use the tensor
    /// inside `f`.
    ///
    /// ```
    /// let x = ember::zeros([2, 3]);
    /// let row = x.select(0, 1);
    /// row.with_ndarray_mut(|mut a: ndarray::ArrayViewMutD<f32>| a.fill(7.0));
    /// assert_eq!(x.to_vec::<f32>(), vec![0.0, 0.0, 0.0, 7.0, 7.0, 7.0]);
    /// assert!(ember::ones([2]).expand([3, 2]).try_with_ndarray_mut(|_: ndarray::ArrayViewMutD<f32>| ()).is_err());
    /// ```
    ///
    /// # Errors
    /// If `T` is not the tensor's dtype, the tensor requires grad, it is not on the CPU, or
    /// several of its elements share memory (an expanded tensor).
    pub fn try_with_ndarray_mut<T: Element, R>(
        &self,
        f: impl FnOnce(ArrayViewMutD<'_, T>) -> R,
    ) -> Result<R> {
        self.check_view::<T>()?;
        let layout = self.layout();
        if overlaps(layout) {
            bail!(
                Value,
                "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation."
            );
        }
        let out = {
            let mut guard = self.storage().write();
            let Buffer::Cpu(buf) = &mut *guard else {
                return Err(crate::error::no_data());
            };
            let data = buf.as_mut_slice::<T>();
            check_in_bounds(layout, data.len())?;
            let shape = IxDyn(&layout.shape).strides(IxDyn(&layout.strides));
            // SAFETY: in bounds as checked, no two indices reach the same element (checked
            // above), and the write lock gives exclusive access while the view lives in `f`.
            let view = unsafe {
                ArrayViewMutD::from_shape_ptr(shape, data.as_mut_ptr().add(layout.offset))
            };
            f(view)
        };
        self.storage().bump_version();
        Ok(out)
    }

    /// Panicking form of [`Tensor::try_with_ndarray_mut`].
    ///
    /// # Panics
    /// As the `try_` form's errors.
    #[track_caller]
    pub fn with_ndarray_mut<T: Element, R>(&self, f: impl FnOnce(ArrayViewMutD<'_, T>) -> R) -> R {
        self.try_with_ndarray_mut(f).or_panic()
    }

    fn check_view<T: Element>(&self) -> Result<()> {
        self.check_numpy()?;
        if T::DTYPE != self.dtype() {
            bail!(
                DType,
                "expected an array of element type {} for a tensor of dtype {}",
                T::DTYPE,
                self.dtype()
            );
        }
        Ok(())
    }

    fn check_numpy(&self) -> Result<()> {
        if self.requires_grad() {
            bail!(
                Autograd,
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            );
        }
        if self.device() != crate::Device::Cpu {
            bail!(
                Device,
                "can't convert {} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.",
                self.device()
            );
        }
        Ok(())
    }
}

/// `torch.from_numpy(a)`; see [`Tensor::from_ndarray`].
///
/// ```
/// let t = ember::from_ndarray(ndarray::arr1(&[1.0f64, 2.0]));
/// assert_eq!(t.dtype(), ember::DType::F64);
/// ```
pub fn from_ndarray<T: Element, D: Dimension>(array: ndarray::Array<T, D>) -> Tensor {
    Tensor::from_ndarray(array)
}

fn check_in_bounds(layout: &Layout, len: usize) -> Result<()> {
    if layout.extent() > len {
        bail!(
            Value,
            "the tensor's layout reaches past the end of its storage"
        );
    }
    Ok(())
}

/// True when two indices of `layout` reach the same element (a zero stride, or strides that
/// interleave).
fn overlaps(layout: &Layout) -> bool {
    let mut dims: Vec<(usize, usize)> = layout
        .shape
        .iter()
        .zip(&layout.strides)
        .filter(|(n, _)| **n > 1)
        .map(|(&n, &s)| (s, n))
        .collect();
    dims.sort_unstable();
    let mut reach = 0usize;
    for (stride, n) in dims {
        if stride <= reach {
            return true;
        }
        reach += stride * (n - 1);
    }
    false
}

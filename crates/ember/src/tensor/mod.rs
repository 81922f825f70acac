//! The [`Tensor`] type, its storage and graph types, accessors, creation and printing; the
//! op families live in `ops/<family>/`.

mod create;
mod data;
mod display;
pub(crate) mod graph;
pub(crate) mod kernel;
mod numpy;
mod options;

pub use create::*;
pub use data::*;
pub(crate) use display::size_repr;
pub use display::{PrintOptions, print_options, set_print_options};
pub use numpy::from_ndarray;
pub use options::*;

use crate::error::{Result, bail};
use crate::layout::Layout;
use crate::storage::Storage;
use crate::{DType, Device};
use graph::AutogradMeta;
use parking_lot::{Mutex, MutexGuard};
use std::sync::Arc;

/// A multi-dimensional array with autograd, as `torch.Tensor`.
///
/// Cloning a `Tensor` gives another handle to the same tensor (like assigning a Python
/// variable); use [`Tensor::clone_tensor`] for a copy of the data. Views (`t()`, `view`,
/// `narrow`, indexing with ranges, …) share memory with the tensor they come from.
///
/// ```
/// use ember::Tensor;
/// let x = ember::tensor([[1.0, 2.0], [3.0, 4.0]]);
/// assert_eq!(x.shape(), &[2, 2]);
/// assert_eq!(x.dtype(), ember::DType::F32);
/// let y = &x * 2.0 + 1.0;
/// assert_eq!(y.to_vec::<f32>(), vec![3.0, 5.0, 7.0, 9.0]);
/// ```
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<TensorImpl>);

pub(crate) struct TensorImpl {
    pub storage: Arc<Storage>,
    pub layout: Layout,
    pub dtype: DType,
    pub autograd: Mutex<AutogradMeta>,
    /// For a view, the tensor owning the memory (itself never a view). See Note [Views].
    pub base: Option<Tensor>,
}

static LIVE_TENSORS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for TensorImpl {
    fn drop(&mut self) {
        LIVE_TENSORS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl TensorImpl {
    fn new(
        storage: Arc<Storage>,
        layout: Layout,
        dtype: DType,
        base: Option<Tensor>,
    ) -> TensorImpl {
        LIVE_TENSORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TensorImpl {
            storage,
            layout,
            dtype,
            autograd: Mutex::new(AutogradMeta::default()),
            base,
        }
    }
}

/// The number of tensor objects alive in the process (handles to the same tensor count
/// once). Useful to check that a training loop does not leak graph memory.
///
/// ```
/// let before = ember::live_tensors();
/// let x = ember::ones([2]);
/// assert_eq!(ember::live_tensors(), before + 1);
/// drop(x);
/// ```
pub fn live_tensors() -> usize {
    LIVE_TENSORS.load(std::sync::atomic::Ordering::Relaxed)
}

impl Tensor {
    /// A tensor over `storage` at `layout`, with no autograd history.
    pub(crate) fn from_parts(storage: Arc<Storage>, layout: Layout, dtype: DType) -> Tensor {
        Tensor(Arc::new(TensorImpl::new(storage, layout, dtype, None)))
    }

    /// A new contiguous tensor whose contents are unspecified (bool tensors are zeroed).
    pub(crate) fn alloc(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        Self::alloc_dense(Layout::contiguous(shape), dtype, device)
    }

    /// A new tensor at `layout`, which must be dense from offset 0 (contents as `alloc`).
    pub(crate) fn alloc_dense(layout: Layout, dtype: DType, device: Device) -> Result<Tensor> {
        debug_assert!(layout.offset == 0 && layout.is_non_overlapping_and_dense());
        let shape = layout.shape.as_slice();
        let bytes = layout
            .numel()
            .checked_mul(dtype.size_in_bytes())
            .ok_or_else(|| {
                crate::Error::Value(format!("tensor of shape {shape:?} is too large"))
            })?;
        // Bool buffers are zeroed: kernels only ever write 0/1 into them.
        let buffer = crate::backend::alloc(device, bytes, dtype == DType::Bool)?;
        Ok(Tensor::from_parts(
            Arc::new(Storage::new(buffer)),
            layout,
            dtype,
        ))
    }

    /// A view of the same storage at another layout, remembering its base.
    pub(crate) fn view_as_layout(&self, layout: Layout) -> Tensor {
        let base = Some(self.0.base.clone().unwrap_or_else(|| self.clone()));
        Tensor(Arc::new(TensorImpl::new(
            self.0.storage.clone(),
            layout,
            self.0.dtype,
            base,
        )))
    }

    /// The tensor whose memory this view shares (`x._base`), `None` if not a view.
    ///
    /// ```
    /// let x = ember::zeros([2, 3]);
    /// assert!(x.t().base().unwrap().is(&x));
    /// assert!(x.base().is_none());
    /// ```
    pub fn base(&self) -> Option<&Tensor> {
        self.0.base.as_ref()
    }

    /// True for views (`x._is_view()`).
    pub fn is_view(&self) -> bool {
        self.0.base.is_some()
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.0.layout
    }

    pub(crate) fn storage(&self) -> &Arc<Storage> {
        &self.0.storage
    }

    pub(crate) fn meta(&self) -> MutexGuard<'_, AutogradMeta> {
        self.0.autograd.lock()
    }

    /// The sizes of the dimensions (`x.shape` / `x.size()` in PyTorch).
    ///
    /// ```
    /// assert_eq!(ember::zeros([5, 3]).shape(), &[5, 3]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.0.layout.shape
    }

    /// The shape as `x.size()` gives it: a [`Size`](crate::Size), which prints as
    /// `ember.Size([5, 3])` and reads as the slice [`Tensor::shape`] returns.
    ///
    /// ```
    /// let x = ember::zeros([5, 3]);
    /// assert_eq!(x.size(), [5, 3]);
    /// assert_eq!(format!("{:?}", x.size()), "ember.Size([5, 3])");
    /// ```
    pub fn size(&self) -> crate::Size<'_> {
        crate::Size(self.shape())
    }

    /// The size of one dimension (`x.size(dim)`); negative dims count from the end.
    ///
    /// ```
    /// assert_eq!(ember::zeros([5, 3]).try_size_at(-1).unwrap(), 3);
    /// ```
    ///
    /// # Errors
    /// If `dim` is out of range.
    pub fn try_size_at(&self, dim: i64) -> Result<usize> {
        if self.dim() == 0 {
            bail!(
                IndexOutOfRange,
                "Dimension specified as {dim} but tensor has no dimensions"
            );
        }
        Ok(self.shape()[crate::shape::wrap_dim(dim, self.dim())?])
    }

    /// Panicking form of [`Tensor::try_size_at`].
    ///
    /// ```
    /// assert_eq!(ember::zeros([5, 3]).size_at(0), 5);
    /// ```
    ///
    /// # Panics
    /// If `dim` is out of range.
    #[track_caller]
    pub fn size_at(&self, dim: i64) -> usize {
        crate::error::OrPanic::or_panic(self.try_size_at(dim))
    }

    /// Number of dimensions (`x.dim()`).
    ///
    /// ```
    /// assert_eq!(ember::zeros([5, 3]).dim(), 2);
    /// ```
    pub fn dim(&self) -> usize {
        self.0.layout.ndim()
    }

    /// Number of dimensions (`x.ndim`).
    ///
    /// ```
    /// assert_eq!(ember::scalar_tensor(1.0).ndim(), 0);
    /// ```
    pub fn ndim(&self) -> usize {
        self.dim()
    }

    /// Number of elements (`x.numel()`).
    ///
    /// ```
    /// assert_eq!(ember::zeros([5, 3]).numel(), 15);
    /// ```
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }

    /// The element type.
    ///
    /// ```
    /// assert_eq!(ember::zeros([1]).dtype(), ember::DType::F32);
    /// ```
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }

    /// The device holding the data.
    ///
    /// ```
    /// assert_eq!(ember::zeros([1]).device(), ember::Device::Cpu);
    /// ```
    pub fn device(&self) -> Device {
        self.0.storage.device()
    }

    /// Strides in elements (`x.stride()`).
    ///
    /// ```
    /// assert_eq!(ember::zeros([2, 3]).t().stride(), &[1, 3]);
    /// ```
    pub fn stride(&self) -> &[usize] {
        &self.0.layout.strides
    }

    /// Offset of the first element in the storage, in elements.
    ///
    /// ```
    /// let x = ember::arange(6);
    /// assert_eq!(x.narrow(0, 2, 3).storage_offset(), 2);
    /// ```
    pub fn storage_offset(&self) -> usize {
        self.0.layout.offset
    }

    /// Bytes per element.
    ///
    /// ```
    /// assert_eq!(ember::zeros([1]).element_size(), 4);
    /// ```
    pub fn element_size(&self) -> usize {
        self.0.dtype.size_in_bytes()
    }

    /// True when the elements are laid out row-major without gaps.
    ///
    /// ```
    /// let x = ember::zeros([2, 3]);
    /// assert!(x.is_contiguous());
    /// assert!(!x.t().is_contiguous());
    /// ```
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }

    /// True for float dtypes.
    ///
    /// ```
    /// assert!(ember::zeros([1]).is_floating_point());
    /// ```
    pub fn is_floating_point(&self) -> bool {
        self.0.dtype.is_floating_point()
    }

    /// True when both tensors view the same storage (`x.untyped_storage()` identity).
    ///
    /// ```
    /// let x = ember::zeros([2, 3]);
    /// assert!(x.t().shares_storage(&x));
    /// assert!(!x.clone_tensor().shares_storage(&x));
    /// ```
    pub fn shares_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0.storage, &other.0.storage)
    }

    /// True when both handles refer to the very same tensor (Python's `is`).
    ///
    /// ```
    /// let x = ember::zeros([2]);
    /// let y = x.clone();
    /// assert!(x.is(&y));
    /// assert!(!x.is(&x.detach()));
    /// ```
    pub fn is(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The version counter of the storage (`x._version`): bumped by every in-place write.
    ///
    /// ```
    /// let x = ember::zeros([2]);
    /// assert_eq!(x.version(), 0);
    /// x.add_(1.0);
    /// assert_eq!(x.version(), 1);
    /// ```
    pub fn version(&self) -> u64 {
        self.0.storage.version()
    }

    /// Whether the tensor's device holds its values (false on the meta device). Host-side
    /// checks of values (divisors, index bounds, targets) are skipped where it does not.
    pub(crate) fn has_data(&self) -> bool {
        !self.device().is_meta()
    }

    /// Whether an integer tensor holds a zero (integer division's check); false where the
    /// device holds no data.
    pub(crate) fn has_zero(&self) -> Result<bool> {
        let vals = crate::backend::read_i64((&self.storage().read(), self.layout()), self.dtype())?;
        Ok(vals.is_some_and(|v| v.contains(&0)))
    }

    /// Errors unless `other` lives on the same device (ops never copy between devices).
    pub(crate) fn check_same_device(&self, other: &Tensor) -> Result<()> {
        crate::backend::check_same_device(self.device(), other.device())
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn tensor_is_send_sync() {
        assert_send_sync::<Tensor>();
    }
}

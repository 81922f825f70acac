//! The error type every fallible ember call returns.

use crate::{DType, Device};

/// Everything that can go wrong in ember, with messages that read like PyTorch's.
///
/// ```
/// let a = ember::zeros([2, 3]);
/// let b = ember::zeros([2, 4]);
/// let err = a.try_add(&b).unwrap_err();
/// assert!(err.to_string().contains("must match the size of tensor b"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Shapes that do not fit the operation (broadcasting, matmul, view, cat, …).
    #[error("{0}")]
    Shape(String),
    /// A dtype the operation does not accept.
    #[error("{0}")]
    DType(String),
    /// Tensors on different devices, or an unavailable device.
    #[error("{0}")]
    Device(String),
    /// A dimension or an index outside its range.
    #[error("{0}")]
    IndexOutOfRange(String),
    /// A violation of autograd's rules (in-place on a leaf, freed graph, version mismatch, …).
    #[error("{0}")]
    Autograd(String),
    /// A numerical failure such as a singular matrix.
    #[error("{0}")]
    Linalg(String),
    /// An invalid argument value (negative size, bad probability, …).
    #[error("{0}")]
    Value(String),
    /// The operation is not implemented for this dtype or device.
    #[error("\"{op}\" not implemented for '{dtype}' on {device}")]
    Unsupported {
        /// The operation's name.
        op: String,
        /// The dtype it was asked for.
        dtype: DType,
        /// The device it was asked for.
        device: Device,
    },
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// A file's contents are malformed.
    #[error("{0}")]
    Format(String),
    /// A pickle that the restricted unpickler of `.pt` files refuses: a global outside its
    /// allowlist, or malformed opcodes (PyTorch's `pickle.UnpicklingError` of
    /// `torch.load(weights_only=True)`).
    #[error("{0}")]
    Unpickling(String),
    /// An error from the CUDA driver or libraries.
    #[error("CUDA error: {0}")]
    Cuda(String),
    /// An operation with no implementation where it was asked for: reading the values of a
    /// meta tensor, or an op whose output shape depends on data a meta tensor does not have
    /// (`nonzero`, `masked_select`). PyTorch raises `NotImplementedError` for these.
    #[error("{0}")]
    NotImplemented(String),
    /// A `DataLoader` worker failed: a panic while loading a batch, a worker that ended
    /// without answering, or a batch that took longer than the loader's timeout. PyTorch
    /// raises these as `RuntimeError` from the main process.
    #[error("{0}")]
    Worker(String),
}

/// `Result<T, ember::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

/// A failed read or write of the file at `path`: the OS's message and the path, as Python's
/// `FileNotFoundError: [Errno 2] No such file or directory: 'x.pt'` gives both — the bare
/// `io::Error` says what went wrong but not with which file.
pub(crate) fn file_error(path: &std::path::Path, e: &std::io::Error) -> Error {
    Error::Io(format!("{e}: '{}'", path.display()))
}

/// PyTorch's error for reading the values of a tensor that has none.
pub(crate) fn no_data() -> Error {
    Error::NotImplemented("Cannot copy out of meta tensor; no data!".into())
}

/// PyTorch's refusal of an op whose output shape depends on values a meta tensor does not
/// have (`nonzero`, `masked_select`, boolean-mask indexing).
pub(crate) fn data_dependent(op: &str) -> Error {
    Error::NotImplemented(format!(
        "aten::{op}: attempted to run this operator with Meta tensors, but its output shape depends on the tensor's values"
    ))
}

/// Returns early with an [`Error`] variant built from a format string.
macro_rules! bail {
    ($variant:ident, $($arg:tt)*) => {
        return Err($crate::Error::$variant(format!($($arg)*)))
    };
}
pub(crate) use bail;

/// Unwraps a `Result` in a panicking wrapper, panicking with the error's message at the caller.
pub(crate) trait OrPanic<T> {
    fn or_panic(self) -> T;
}

impl<T> OrPanic<T> for Result<T> {
    #[track_caller]
    #[inline]
    fn or_panic(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }
}

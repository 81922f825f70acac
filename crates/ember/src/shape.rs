//! Shapes, dimension arguments, dim normalisation and broadcasting.

use crate::error::{Result, bail};
use smallvec::SmallVec;
use std::fmt;

/// The sizes of a tensor's dimensions; most tensors have few, so they live inline.
pub type Dims = SmallVec<[usize; 6]>;

/// An integer or a list of integers, where PyTorch takes `int` or `IntArrayRef`: shapes
/// (`[2, 3]`, with `-1` where a size is inferred), dims to reduce (`1`, `[0, 2]`), repeats.
///
/// ```
/// use ember::IntList;
/// assert_eq!([4, -1].into_list().as_slice(), &[4, -1]);
/// assert_eq!(2usize.into_list().as_slice(), &[2]);
/// assert_eq!(vec![1i64, 2].into_list().as_slice(), &[1, 2]);
/// ```
pub trait IntList {
    /// The integers, in order.
    fn into_list(self) -> SmallVec<[i64; 6]>;
}

macro_rules! int_list_scalar {
    ($($t:ty),*) => {$(
        impl IntList for $t {
            fn into_list(self) -> SmallVec<[i64; 6]> {
                smallvec::smallvec![self as i64]
            }
        }
        impl<const N: usize> IntList for [$t; N] {
            fn into_list(self) -> SmallVec<[i64; 6]> {
                self.iter().map(|&v| v as i64).collect()
            }
        }
        impl<const N: usize> IntList for &[$t; N] {
            fn into_list(self) -> SmallVec<[i64; 6]> {
                self.iter().map(|&v| v as i64).collect()
            }
        }
        impl IntList for &[$t] {
            fn into_list(self) -> SmallVec<[i64; 6]> {
                self.iter().map(|&v| v as i64).collect()
            }
        }
        impl IntList for Vec<$t> {
            fn into_list(self) -> SmallVec<[i64; 6]> {
                self.iter().map(|&v| v as i64).collect()
            }
        }
        impl IntList for &Vec<$t> {
            fn into_list(self) -> SmallVec<[i64; 6]> {
                self.iter().map(|&v| v as i64).collect()
            }
        }
    )*};
}
int_list_scalar!(i32, i64, isize, usize, u32);

impl IntList for () {
    fn into_list(self) -> SmallVec<[i64; 6]> {
        SmallVec::new()
    }
}

impl IntList for &Dims {
    fn into_list(self) -> SmallVec<[i64; 6]> {
        self.iter().map(|&v| v as i64).collect()
    }
}

impl IntList for Dims {
    fn into_list(self) -> SmallVec<[i64; 6]> {
        self.iter().map(|&v| v as i64).collect()
    }
}

impl IntList for SmallVec<[i64; 6]> {
    fn into_list(self) -> SmallVec<[i64; 6]> {
        self
    }
}

/// Formats a shape as PyTorch does in messages: `[2, 3]`.
pub(crate) struct ShapeFmt<'a, T>(pub &'a [T]);

impl<T: fmt::Display> fmt::Display for ShapeFmt<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{d}")?;
        }
        write!(f, "]")
    }
}

/// A tensor's shape as `x.size()` gives it, which prints as PyTorch's `torch.Size` does
/// (with ember's module name) and otherwise is the slice of sizes.
///
/// ```
/// let x = ember::zeros([5, 3]);
/// let s = x.size();
/// assert_eq!(format!("{s:?}"), "ember.Size([5, 3])");
/// assert_eq!(s, [5, 3]);
/// assert_eq!((s[0], s.len()), (5, 2));
/// let (m, n) = (s[0], s[1]);
/// assert_eq!(m * n, s.iter().product::<usize>());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Size<'a>(pub &'a [usize]);

impl std::ops::Deref for Size<'_> {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.0
    }
}

impl fmt::Debug for Size<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ember.Size({})", ShapeFmt(self.0))
    }
}

impl fmt::Display for Size<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl<'a> IntoIterator for Size<'a> {
    type Item = &'a usize;
    type IntoIter = std::slice::Iter<'a, usize>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Size<'_> {
    fn eq(&self, other: &[usize; N]) -> bool {
        self.0 == other
    }
}

impl<const N: usize> PartialEq<&[usize; N]> for Size<'_> {
    fn eq(&self, other: &&[usize; N]) -> bool {
        self.0 == *other
    }
}

impl PartialEq<[usize]> for Size<'_> {
    fn eq(&self, other: &[usize]) -> bool {
        self.0 == other
    }
}

impl PartialEq<&[usize]> for Size<'_> {
    fn eq(&self, other: &&[usize]) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Vec<usize>> for Size<'_> {
    fn eq(&self, other: &Vec<usize>) -> bool {
        self.0 == other.as_slice()
    }
}

/// A shape given by the user for a new tensor: every size must be non-negative.
pub(crate) fn resolve_shape(spec: &[i64]) -> Result<Dims> {
    let mut out = Dims::with_capacity(spec.len());
    for &s in spec {
        if s < 0 {
            bail!(
                Value,
                "Trying to create tensor with negative dimension {s}: {}",
                ShapeFmt(spec)
            );
        }
        out.push(s as usize);
    }
    Ok(out)
}

/// Resolves a `view`/`reshape` spec with at most one `-1` against `numel` elements.
pub(crate) fn infer_size(spec: &[i64], numel: usize) -> Result<Dims> {
    let mut infer = None;
    let mut known: usize = 1;
    for (i, &s) in spec.iter().enumerate() {
        if s == -1 {
            if infer.is_some() {
                bail!(Shape, "only one dimension can be inferred");
            }
            infer = Some(i);
        } else if s < 0 {
            bail!(Value, "invalid shape dimension {s}");
        } else {
            known = known.saturating_mul(s as usize);
        }
    }
    let invalid = || {
        crate::Error::Shape(format!(
            "shape '{}' is invalid for input of size {numel}",
            ShapeFmt(spec)
        ))
    };
    let mut out: Dims = spec.iter().map(|&s| s.max(0) as usize).collect();
    match infer {
        Some(i) => {
            if known == 0 || !numel.is_multiple_of(known) {
                // PyTorch reports a zero-sized known part with -1 as ambiguous when there
                // are no elements; with elements the shape simply cannot fit.
                if known == 0 && numel == 0 {
                    bail!(
                        Shape,
                        "cannot reshape tensor of {numel} elements into shape {} because the unspecified dimension size -1 can be any value and is ambiguous",
                        ShapeFmt(spec)
                    );
                }
                return Err(invalid());
            }
            out[i] = numel / known;
        }
        None => {
            if known != numel {
                return Err(invalid());
            }
        }
    }
    Ok(out)
}

/// Wraps a possibly negative `dim` into `0..ndim`, PyTorch's `maybe_wrap_dim`
/// (a 0-dim tensor accepts dims `-1` and `0`).
pub(crate) fn wrap_dim(dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64;
    if dim < -n || dim >= n {
        bail!(
            IndexOutOfRange,
            "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
            -n,
            n - 1
        );
    }
    Ok(if dim < 0 {
        (dim + n) as usize
    } else {
        dim as usize
    })
}

/// Wraps a list of dims, rejecting repeats (`dim 1 appears multiple times in the list of dims`).
pub(crate) fn wrap_dims(dims: &[i64], ndim: usize) -> Result<SmallVec<[usize; 6]>> {
    let mut out: SmallVec<[usize; 6]> = SmallVec::with_capacity(dims.len());
    for &d in dims {
        let w = wrap_dim(d, ndim)?;
        if out.contains(&w) {
            bail!(Shape, "dim {w} appears multiple times in the list of dims");
        }
        out.push(w);
    }
    Ok(out)
}

/// The broadcast shape of two shapes, or PyTorch's error naming tensors a and b.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Dims> {
    let n = a.len().max(b.len());
    let mut out = Dims::from_elem(0, n);
    // From the last dim, as PyTorch's infer_size: the first mismatch it names is the innermost.
    for i in (0..n).rev() {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            bail!(
                Shape,
                "The size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {i}"
            );
        };
    }
    Ok(out)
}

/// Number of elements of a shape.
#[inline]
pub(crate) fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infer_and_errors() {
        assert_eq!(infer_size(&[-1, 8], 16).unwrap().as_slice(), &[2, 8]);
        let e = infer_size(&[4, 4], 6).unwrap_err().to_string();
        assert_eq!(e, "shape '[4, 4]' is invalid for input of size 6");
        let e = infer_size(&[5, -1], 6).unwrap_err().to_string();
        assert_eq!(e, "shape '[5, -1]' is invalid for input of size 6");
    }

    #[test]
    fn wrap() {
        assert_eq!(wrap_dim(-1, 3).unwrap(), 2);
        assert_eq!(wrap_dim(0, 0).unwrap(), 0);
        let e = wrap_dim(3, 2).unwrap_err().to_string();
        assert_eq!(
            e,
            "Dimension out of range (expected to be in range of [-2, 1], but got 3)"
        );
    }

    #[test]
    fn broadcast() {
        assert_eq!(
            broadcast_shapes(&[3, 1], &[1, 4]).unwrap().as_slice(),
            &[3, 4]
        );
        assert_eq!(broadcast_shapes(&[], &[2, 3]).unwrap().as_slice(), &[2, 3]);
        assert!(broadcast_shapes(&[2, 3], &[2, 4]).is_err());
    }
}

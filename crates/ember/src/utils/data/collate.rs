//! `default_collate`: how a list of samples becomes a batch, as
//! `torch.utils.data.default_collate` does it, with the structure given by the sample's
//! Rust type instead of inspected at run time.

use crate::Tensor;
use crate::error::{Error, Result, bail};
use indexmap::IndexMap;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// A sample type that [`default_collate`] can batch.
///
/// PyTorch's rules, by type: tensors are stacked along a new first dim; numbers become a
/// 1-d tensor (Rust's scalars act as numpy's: `f64` → float64, `f32` → float32, `i64` and
/// `usize` → int64, `bool` → bool, …); strings stay a list; tuples, `Vec`s and maps are
/// collated position by position (key by key).
///
/// ```
/// use ember::utils::data::default_collate;
///
/// let batch = vec![(ember::tensor([1.0, 2.0]), 0i64), (ember::tensor([3.0, 4.0]), 1i64)];
/// let (x, y) = default_collate(batch).unwrap();
/// assert_eq!(x.shape(), &[2, 2]);
/// assert_eq!((y.dtype(), y.to_vec::<i64>()), (ember::DType::I64, vec![0, 1]));
/// ```
pub trait Collate: Sized {
    /// What a batch of these is.
    type Batch;

    /// Batches `samples` (`default_collate(samples)`).
    ///
    /// # Errors
    /// If the samples do not agree in shape (tensors of different sizes, lists of different
    /// lengths, a missing key).
    fn collate(samples: Vec<Self>) -> Result<Self::Batch>;

    /// One sample as a batch-free value of the batch type (`default_convert`, what a
    /// `DataLoader` with `batch_size: None` yields): tensors as they are, a number as a
    /// 0-dim tensor (PyTorch leaves it a Python number; a Rust batch type must be one
    /// type), a string as a one-element list.
    ///
    /// # Errors
    /// Only where building a tensor can fail (a `usize` past `i64::MAX`).
    fn convert(self) -> Result<Self::Batch>;
}

/// `torch.utils.data.default_collate(batch)`.
///
/// ```
/// let t = ember::utils::data::default_collate(vec![0.5f64, 1.5]).unwrap();
/// assert_eq!((t.dtype(), t.to_vec::<f64>()), (ember::DType::F64, vec![0.5, 1.5]));
/// ```
///
/// # Errors
/// As [`Collate::collate`].
pub fn default_collate<T: Collate>(batch: Vec<T>) -> Result<T::Batch> {
    T::collate(batch)
}

/// `torch.utils.data.default_convert(sample)`.
///
/// ```
/// let t = ember::utils::data::default_convert(3i64).unwrap();
/// assert_eq!((t.ndim(), t.item::<i64>()), (0, 3));
/// ```
///
/// # Errors
/// As [`Collate::convert`].
pub fn default_convert<T: Collate>(sample: T) -> Result<T::Batch> {
    sample.convert()
}

impl Collate for Tensor {
    type Batch = Tensor;
    fn collate(samples: Vec<Tensor>) -> Result<Tensor> {
        let refs: Vec<&Tensor> = samples.iter().collect();
        crate::try_stack(&refs, 0)
    }
    fn convert(self) -> Result<Tensor> {
        Ok(self)
    }
}

macro_rules! collate_numbers {
    ($($t:ty),*) => {$(
        impl Collate for $t {
            type Batch = Tensor;
            fn collate(samples: Vec<$t>) -> Result<Tensor> {
                let n = samples.len();
                Tensor::try_from_vec(samples, [n])
            }
            fn convert(self) -> Result<Tensor> {
                Tensor::try_from_vec(vec![self], [0usize; 0])
            }
        }
    )*};
}
collate_numbers!(f64, f32, i64, i32, i16, i8, u8, bool);

fn index_to_i64(v: usize) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::Value("Overflow when unpacking long".into()))
}

/// Indices and counts are `usize` in Rust and Python ints in PyTorch: int64.
impl Collate for usize {
    type Batch = Tensor;
    fn collate(samples: Vec<usize>) -> Result<Tensor> {
        let v = samples
            .into_iter()
            .map(index_to_i64)
            .collect::<Result<Vec<_>>>()?;
        i64::collate(v)
    }
    fn convert(self) -> Result<Tensor> {
        index_to_i64(self)?.convert()
    }
}

impl Collate for String {
    type Batch = Vec<String>;
    fn collate(samples: Vec<String>) -> Result<Vec<String>> {
        Ok(samples)
    }
    fn convert(self) -> Result<Vec<String>> {
        Ok(vec![self])
    }
}

impl Collate for &'static str {
    type Batch = Vec<&'static str>;
    fn collate(samples: Vec<&'static str>) -> Result<Vec<&'static str>> {
        Ok(samples)
    }
    fn convert(self) -> Result<Vec<&'static str>> {
        Ok(vec![self])
    }
}

macro_rules! collate_tuple {
    ($($t:ident $v:ident $i:tt),+) => {
        impl<$($t: Collate),+> Collate for ($($t,)+) {
            type Batch = ($($t::Batch,)+);
            fn collate(samples: Vec<Self>) -> Result<Self::Batch> {
                $(let mut $v = Vec::with_capacity(samples.len());)+
                for s in samples {
                    $($v.push(s.$i);)+
                }
                Ok(($($t::collate($v)?,)+))
            }
            fn convert(self) -> Result<Self::Batch> {
                Ok(($(self.$i.convert()?,)+))
            }
        }
    };
}
collate_tuple!(A a 0);
collate_tuple!(A a 0, B b 1);
collate_tuple!(A a 0, B b 1, C c 2);
collate_tuple!(A a 0, B b 1, C c 2, D d 3);

/// Lists are collated position by position (PyTorch returns a list of batches).
impl<T: Collate> Collate for Vec<T> {
    type Batch = Vec<T::Batch>;
    fn collate(samples: Vec<Vec<T>>) -> Result<Vec<T::Batch>> {
        let width = samples.first().map_or(0, Vec::len);
        if samples.iter().any(|s| s.len() != width) {
            bail!(
                Shape,
                "each element in list of batch should be of equal size"
            );
        }
        let n = samples.len();
        let mut columns: Vec<Vec<T>> = (0..width).map(|_| Vec::with_capacity(n)).collect();
        for s in samples {
            for (col, v) in columns.iter_mut().zip(s) {
                col.push(v);
            }
        }
        columns.into_iter().map(T::collate).collect()
    }
    fn convert(self) -> Result<Vec<T::Batch>> {
        self.into_iter().map(T::convert).collect()
    }
}

fn missing_key(key: &impl std::fmt::Debug, sample: usize) -> Error {
    // PyTorch's `d[key]` raises `KeyError: 'key'`.
    Error::Value(format!(
        "KeyError: {key:?} (missing from sample {sample} of the batch)"
    ))
}

macro_rules! collate_map {
    ($map:ident, $($bound:tt)+) => {
        /// Maps are collated key by key, over the keys of the first sample.
        impl<K: $($bound)+ + Clone + std::fmt::Debug, T: Collate> Collate for $map<K, T> {
            type Batch = $map<K, T::Batch>;
            fn collate(samples: Vec<Self>) -> Result<Self::Batch> {
                let keys: Vec<K> = samples.first().map_or_else(Vec::new, |s| s.keys().cloned().collect());
                let mut columns: Vec<Vec<T>> = keys.iter().map(|_| Vec::with_capacity(samples.len())).collect();
                for (i, mut s) in samples.into_iter().enumerate() {
                    for (key, col) in keys.iter().zip(&mut columns) {
                        col.push(take(&mut s, key).ok_or_else(|| missing_key(key, i))?);
                    }
                }
                keys.into_iter()
                    .zip(columns)
                    .map(|(k, col)| Ok((k, T::collate(col)?)))
                    .collect()
            }
            fn convert(self) -> Result<Self::Batch> {
                self.into_iter().map(|(k, v)| Ok((k, v.convert()?))).collect()
            }
        }
    };
}

trait Take<K, T> {
    fn take_key(&mut self, key: &K) -> Option<T>;
}
impl<K: Ord, T> Take<K, T> for BTreeMap<K, T> {
    fn take_key(&mut self, key: &K) -> Option<T> {
        self.remove(key)
    }
}
impl<K: Hash + Eq, T> Take<K, T> for IndexMap<K, T> {
    fn take_key(&mut self, key: &K) -> Option<T> {
        self.shift_remove(key)
    }
}
impl<K: Hash + Eq, T> Take<K, T> for HashMap<K, T> {
    fn take_key(&mut self, key: &K) -> Option<T> {
        self.remove(key)
    }
}
fn take<K, T>(m: &mut impl Take<K, T>, key: &K) -> Option<T> {
    m.take_key(key)
}

collate_map!(BTreeMap, Ord);
collate_map!(IndexMap, Hash + Eq);
collate_map!(HashMap, Hash + Eq);

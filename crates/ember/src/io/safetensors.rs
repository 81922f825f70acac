//! State dicts as safetensors files.

use crate::error::{Error, Result};
use crate::nn::StateDict;
use crate::{DType, Tensor};
use ::safetensors::tensor::{Dtype, SafeTensors, View};
use std::borrow::Cow;
use std::path::Path;

fn to_st(dt: DType) -> Dtype {
    match dt {
        DType::Bool => Dtype::BOOL,
        DType::U8 => Dtype::U8,
        DType::I8 => Dtype::I8,
        DType::I16 => Dtype::I16,
        DType::I32 => Dtype::I32,
        DType::I64 => Dtype::I64,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
    }
}

fn from_st(dt: Dtype) -> Result<DType> {
    Ok(match dt {
        Dtype::BOOL => DType::Bool,
        Dtype::U8 => DType::U8,
        Dtype::I8 => DType::I8,
        Dtype::I16 => DType::I16,
        Dtype::I32 => DType::I32,
        Dtype::I64 => DType::I64,
        Dtype::F16 => DType::F16,
        Dtype::BF16 => DType::BF16,
        Dtype::F32 => DType::F32,
        Dtype::F64 => DType::F64,
        other => {
            return Err(Error::Format(format!(
                "unsupported safetensors dtype {other:?}"
            )));
        }
    })
}

struct Entry {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Entry {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// A state dict as the bytes of a safetensors file.
///
/// ```
/// let mut sd = ember::nn::StateDict::new();
/// sd.insert("w".into(), ember::tensor([1.0, 2.0]));
/// let bytes = ember::io::safetensors_to_bytes(&sd).unwrap();
/// let back = ember::io::safetensors_from_bytes(&bytes).unwrap();
/// assert_eq!(back["w"].to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
///
/// # Errors
/// If a tensor is not on the CPU or the header is too large.
pub fn safetensors_to_bytes(sd: &StateDict) -> Result<Vec<u8>> {
    let entries: Vec<(String, Entry)> = sd
        .iter()
        .map(|(k, t)| {
            Ok((
                k.clone(),
                Entry {
                    dtype: to_st(t.dtype()),
                    shape: t.shape().to_vec(),
                    bytes: t.to_le_bytes()?,
                },
            ))
        })
        .collect::<Result<_>>()?;
    ::safetensors::serialize(entries.iter().map(|(k, e)| (k.as_str(), e)), None)
        .map_err(|e| Error::Format(format!("safetensors: {e}")))
}

/// Parses the bytes of a safetensors file into a state dict.
///
/// # Errors
/// If the bytes are not a valid safetensors file or hold an unsupported dtype.
pub fn safetensors_from_bytes(bytes: &[u8]) -> Result<StateDict> {
    let st =
        SafeTensors::deserialize(bytes).map_err(|e| Error::Format(format!("safetensors: {e}")))?;
    let mut sd = StateDict::new();
    let mut tensors = st.tensors();
    // The file's order (as `safetensors.torch.load_file` reads it), not the header map's.
    tensors.sort_by_key(|(_, v)| v.data().as_ptr() as usize);
    for (name, view) in tensors {
        let dt = from_st(view.dtype())?;
        let shape = view.shape().to_vec();
        if super::checked_nbytes(&shape, dt)? != view.data().len() {
            return Err(Error::Format(format!(
                "safetensors: size mismatch for {name}"
            )));
        }
        sd.insert(name, Tensor::from_le_bytes(view.data(), &shape, dt, false)?);
    }
    Ok(sd)
}

/// Saves a state dict (e.g. `model.state_dict()`) as a safetensors file, readable by
/// `safetensors.torch.load_file`.
///
/// ```
/// use ember::nn::Module;
/// let mut sd = ember::nn::StateDict::new();
/// sd.insert("bias".into(), ember::zeros([3]));
/// let path = std::env::temp_dir().join("ember_doc_save.safetensors");
/// ember::io::save(&sd, &path).unwrap();
/// assert_eq!(ember::io::load(&path).unwrap()["bias"].shape(), &[3]);
/// ```
///
/// # Errors
/// If the file cannot be written.
pub fn save(sd: &StateDict, path: impl AsRef<Path>) -> Result<()> {
    super::write_file(path.as_ref(), &safetensors_to_bytes(sd)?)
}

/// Loads a safetensors file as a state dict (for `load_state_dict`).
///
/// # Errors
/// If the file cannot be read or is malformed.
pub fn load(path: impl AsRef<Path>) -> Result<StateDict> {
    safetensors_from_bytes(&super::read_file(path.as_ref())?)
}

impl Tensor {
    /// Saves this single tensor to a safetensors file under `name`.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn save_safetensors(&self, name: &str, path: impl AsRef<Path>) -> Result<()> {
        let mut sd = StateDict::new();
        sd.insert(name.to_string(), self.clone());
        save(&sd, path)
    }
}

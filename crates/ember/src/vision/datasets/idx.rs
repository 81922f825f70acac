//! The IDX format of the MNIST files (LeCun's "SN3 Pascal Vincent" format, as
//! torchvision's `read_sn3_pascalvincent_tensor` reads it): a big-endian magic number
//! `0x0000TTNN` (element type `TT`, `NN` dims), `NN` big-endian `u32` sizes, then the
//! elements, big-endian, row-major.

use crate::error::{Error, Result, bail};
use crate::{DType, Element, Tensor};
use std::io::Read;
use std::path::Path;

/// Reads an IDX file (`train-images-idx3-ubyte`, …) as a tensor of its element type and
/// shape; a path ending in `.gz` is decompressed first.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("ember-idx-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("labels-idx1-ubyte");
/// std::fs::write(&path, [0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]).unwrap();
/// let t = ember::datasets::read_idx(&path).unwrap();
/// assert_eq!((t.dtype(), t.to_vec::<u8>()), (ember::DType::U8, vec![7, 2, 1]));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
///
/// # Errors
/// If the file cannot be read (the error names the path), or is not a well-formed IDX
/// file (magic number, dims, data length).
pub fn read_idx(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let bytes = read_maybe_gz(path)?;
    parse_idx(&bytes).map_err(|e| Error::Format(format!("{}: {e}", path.display())))
}

/// A file's bytes, gunzipped when its name ends in `.gz`.
pub(crate) fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| crate::error::file_error(path, &e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        return gunzip(&raw)
            .map_err(|e| Error::Format(format!("{}: not a valid gzip file: {e}", path.display())));
    }
    Ok(raw)
}

/// Decompresses gzip data (one or more members, as `gzip.open` reads them).
pub(crate) fn gunzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

/// Parses the bytes of an IDX file.
///
/// ```
/// let t = ember::datasets::parse_idx(&[0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 5, 6]).unwrap();
/// assert_eq!(t.shape(), &[1, 2]);
/// let e = ember::datasets::parse_idx(&[1, 2, 3, 4]).unwrap_err();
/// assert!(e.to_string().starts_with("not an IDX file: magic number 0x01020304"));
/// ```
///
/// # Errors
/// If the magic number is wrong (nonzero first bytes, an unknown element type, no dims),
/// or the data is shorter or longer than the dims say.
pub fn parse_idx(bytes: &[u8]) -> Result<Tensor> {
    let Some(magic) = be_u32(bytes, 0) else {
        bail!(
            Format,
            "not an IDX file: {} bytes, shorter than the 4-byte magic number",
            bytes.len()
        );
    };
    let (ty, nd) = ((magic >> 8) & 0xff, (magic & 0xff) as usize);
    if magic >> 16 != 0 || nd == 0 {
        return Err(bad_magic(magic));
    }
    let dtype = match ty {
        0x08 => DType::U8,
        0x09 => DType::I8,
        0x0b => DType::I16,
        0x0c => DType::I32,
        0x0d => DType::F32,
        0x0e => DType::F64,
        _ => return Err(bad_magic(magic)),
    };
    let header = 4 * (nd + 1);
    let mut shape = Vec::with_capacity(nd);
    for i in 0..nd {
        let Some(d) = be_u32(bytes, 4 * (i + 1)) else {
            bail!(
                Format,
                "truncated IDX header: {nd} dims need {header} bytes, the file has {}",
                bytes.len()
            );
        };
        shape.push(d as usize);
    }
    let want = shape
        .iter()
        .try_fold(dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::Format(format!("IDX dims {shape:?} are too large")))?;
    let data = &bytes[header..];
    if data.len() != want {
        bail!(
            Format,
            "IDX data of shape {shape:?} ({dtype}) needs {want} bytes, the file has {}",
            data.len()
        );
    }
    match dtype {
        DType::U8 => Tensor::try_from_vec(data.to_vec(), shape),
        DType::I8 => Tensor::try_from_vec(data.iter().map(|&b| b as i8).collect(), shape),
        DType::I16 => from_be(data, shape, i16::from_be_bytes),
        DType::I32 => from_be(data, shape, i32::from_be_bytes),
        DType::F32 => from_be(data, shape, f32::from_be_bytes),
        _ => from_be(data, shape, f64::from_be_bytes),
    }
}

fn bad_magic(magic: u32) -> Error {
    Error::Format(format!(
        "not an IDX file: magic number {magic:#010x} (expected 0x0000TTNN: element type TT in \
         0x08, 0x09, 0x0b-0x0e and NN >= 1 dims)"
    ))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn from_be<T: Element, const N: usize>(
    data: &[u8],
    shape: Vec<usize>,
    f: fn([u8; N]) -> T,
) -> Result<Tensor> {
    let v = data
        .chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            f(a)
        })
        .collect();
    Tensor::try_from_vec(v, shape)
}

//! numpy's `.npy` (one array) and `.npz` (a zip of `.npy` files) formats.

use crate::error::{Error, Result, bail};
use crate::{DType, Tensor};
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

fn descr(dt: DType) -> &'static str {
    match dt {
        DType::Bool => "|b1",
        DType::U8 => "|u1",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F16 => "<f2",
        // numpy has no bfloat16; store it as what ml_dtypes writes (2-byte void).
        DType::BF16 => "<V2",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
    }
}

/// Parses a descr such as `<f4` into a dtype and whether bytes are big-endian.
fn parse_descr(d: &str) -> Result<(DType, bool)> {
    let mut chars = d.chars();
    let big = match chars.next() {
        Some('<' | '|' | '=') => false,
        Some('>') => true,
        _ => bail!(Format, "npy: unsupported descr '{d}'"),
    };
    let code = chars.as_str();
    let dt = match code {
        "b1" => DType::Bool,
        "u1" => DType::U8,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "f2" => DType::F16,
        "V2" => DType::BF16,
        "f4" => DType::F32,
        "f8" => DType::F64,
        _ => bail!(Format, "npy: unsupported descr '{d}'"),
    };
    Ok((dt, big))
}

/// The value text following `'key':` in a header dict.
fn header_value<'a>(h: &'a str, key: &str) -> Result<&'a str> {
    let pat = format!("'{key}':");
    let start = h
        .find(&pat)
        .ok_or_else(|| Error::Format(format!("npy: header lacks '{key}'")))?
        + pat.len();
    Ok(h[start..].trim_start())
}

fn parse_header(h: &str) -> Result<(DType, bool, bool, Vec<usize>)> {
    let d = header_value(h, "descr")?;
    let d = d
        .strip_prefix('\'')
        .and_then(|s| s.split('\'').next())
        .ok_or_else(|| Error::Format("npy: bad descr".into()))?;
    let (dt, big) = parse_descr(d)?;
    let f = header_value(h, "fortran_order")?;
    let fortran = if f.starts_with("True") {
        true
    } else if f.starts_with("False") {
        false
    } else {
        bail!(Format, "npy: bad fortran_order");
    };
    let s = header_value(h, "shape")?;
    let inner = s
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| Error::Format("npy: bad shape".into()))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| Error::Format(format!("npy: bad dimension '{p}'")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((dt, big, fortran, shape))
}

/// Parses the bytes of a `.npy` file.
///
/// ```
/// let t = ember::tensor([[1, 2], [3, 4]]);
/// let back = ember::io::npy_from_bytes(&ember::io::npy_to_bytes(&t).unwrap()).unwrap();
/// assert_eq!(back.to_vec::<i64>(), vec![1, 2, 3, 4]);
/// assert!(ember::io::npy_from_bytes(b"not numpy").is_err());
/// ```
///
/// # Errors
/// If the bytes are not a valid `.npy` file of a supported dtype.
pub fn npy_from_bytes(bytes: &[u8]) -> Result<Tensor> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        bail!(Format, "npy: missing magic string");
    }
    let major = bytes[6];
    let (hlen, hstart) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            if bytes.len() < 12 {
                bail!(Format, "npy: truncated header");
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => bail!(Format, "npy: unsupported format version {v}"),
    };
    let hend = hstart
        .checked_add(hlen)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| Error::Format("npy: truncated header".into()))?;
    let header = std::str::from_utf8(&bytes[hstart..hend])
        .map_err(|_| Error::Format("npy: header is not text".into()))?;
    let (dt, big, fortran, shape) = parse_header(header)?;
    let nbytes = super::checked_nbytes(&shape, dt)?;
    let data = &bytes[hend..];
    if data.len() != nbytes {
        bail!(
            Format,
            "npy: expected {nbytes} bytes of data for shape {shape:?}, found {}",
            data.len()
        );
    }
    if !fortran {
        return Tensor::from_le_bytes(data, &shape, dt, big);
    }
    // Column-major data is the row-major data of the reversed shape, transposed.
    let rev: Vec<usize> = shape.iter().rev().copied().collect();
    let t = Tensor::from_le_bytes(data, &rev, dt, big)?;
    let perm: Vec<i64> = (0..shape.len() as i64).rev().collect();
    t.try_permute(perm)?.try_contiguous()
}

/// The bytes of a `.npy` file holding `t` (format 1.0, C order, little-endian).
///
/// # Errors
/// Never for CPU tensors.
pub fn npy_to_bytes(t: &Tensor) -> Result<Vec<u8>> {
    let shape = match t.shape() {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        descr(t.dtype())
    );
    // Pad so that the data starts on a 64-byte boundary, ending with a newline.
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat(total.next_multiple_of(64) - total));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + t.numel() * t.element_size());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend(t.to_le_bytes()?);
    Ok(out)
}

/// `np.save(path, t)`.
///
/// # Errors
/// If the file cannot be written.
pub fn save_npy(t: &Tensor, path: impl AsRef<Path>) -> Result<()> {
    super::write_file(path.as_ref(), &npy_to_bytes(t)?)
}

/// `np.load(path)` of a `.npy` file.
///
/// ```
/// let p = std::env::temp_dir().join("ember_doc.npy");
/// ember::io::save_npy(&ember::arange(3), &p).unwrap();
/// assert_eq!(ember::io::load_npy(&p).unwrap().to_vec::<i64>(), vec![0, 1, 2]);
/// ```
///
/// # Errors
/// If the file cannot be read or is malformed.
pub fn load_npy(path: impl AsRef<Path>) -> Result<Tensor> {
    npy_from_bytes(&super::read_file(path.as_ref())?)
}

fn zip_err(e: impl std::fmt::Display) -> Error {
    Error::Format(format!("npz: {e}"))
}

/// Parses the bytes of an `.npz` archive into `(name, tensor)` pairs (names without `.npy`).
///
/// # Errors
/// If the archive or one of its arrays is malformed.
pub fn npz_from_bytes(bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_err)?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(zip_err)?;
        let name = f
            .name()
            .map_err(zip_err)?
            .trim_end_matches(".npy")
            .to_string();
        // Never trust the declared size for the allocation: read with a cap.
        let mut data = Vec::new();
        (&mut f)
            .take(bytes.len().saturating_mul(1032) as u64 + (1 << 20))
            .read_to_end(&mut data)
            .map_err(zip_err)?;
        out.push((name, npy_from_bytes(&data)?));
    }
    Ok(out)
}

/// `np.savez(path, name=t, …)` as bytes (stored, uncompressed).
///
/// # Errors
/// If writing the archive fails.
pub fn npz_to_bytes(arrays: &[(&str, &Tensor)]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, t) in arrays {
        zip.start_file(format!("{name}.npy"), opts)
            .map_err(zip_err)?;
        zip.write_all(&npy_to_bytes(t)?).map_err(zip_err)?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// `np.savez(path, **arrays)`.
///
/// ```
/// let p = std::env::temp_dir().join("ember_doc.npz");
/// let (a, b) = (ember::ones([2]), ember::arange(3));
/// ember::io::save_npz(&[("a", &a), ("b", &b)], &p).unwrap();
/// let loaded = ember::io::load_npz(&p).unwrap();
/// assert_eq!(loaded[1].0, "b");
/// ```
///
/// # Errors
/// If the file cannot be written.
pub fn save_npz(arrays: &[(&str, &Tensor)], path: impl AsRef<Path>) -> Result<()> {
    super::write_file(path.as_ref(), &npz_to_bytes(arrays)?)
}

/// `np.load(path)` of an `.npz` archive.
///
/// # Errors
/// If the file cannot be read or is malformed.
pub fn load_npz(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    npz_from_bytes(&super::read_file(path.as_ref())?)
}

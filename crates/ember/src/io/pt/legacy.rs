//! The format before PyTorch 1.6 (`torch.save(..., _use_new_zipfile_serialization=False)`):
//! five pickles in a row — the magic number, the protocol version (1001), the system
//! info, the object, the list of storage keys — then each storage as its element count
//! (a little-endian `i64`) and its raw bytes, in the order of that list.

use super::Object;
use super::build::{self, storage_refs};
use super::unpickle::unpickle;
use super::value::Format;
use crate::error::{Error, Result, bail};
use std::collections::HashMap;

/// `pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)`: how a legacy file starts.
pub(super) const MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

const PROTOCOL_VERSION: i64 = 1001;

fn corrupt(what: &str) -> Error {
    Error::Format(format!("legacy torch.save file: {what}"))
}

/// A pickle without tensors, as an object.
fn small_pickle(bytes: &[u8]) -> Result<(Object, usize)> {
    let (p, n) = unpickle(bytes, Format::Zip)?;
    let o = build::build(&p, false, &mut |_, _| {
        Err(corrupt("the header pickles hold no tensors"))
    })?;
    Ok((o, n))
}

/// Loads a legacy-format file (the caller checked that it starts with [`MAGIC`]).
///
/// # Errors
/// If a pickle is refused or malformed, the protocol version is not 1001, the file was
/// written on a big-endian machine, or a storage is missing or of the wrong size.
pub(super) fn load(bytes: &[u8]) -> Result<Object> {
    let mut pos = MAGIC.len();
    let (version, n) = small_pickle(&bytes[pos..])?;
    pos += n;
    match version {
        Object::Int(PROTOCOL_VERSION) => {}
        v => bail!(Format, "Invalid protocol version: {v:?}"),
    }
    let (sys_info, n) = small_pickle(&bytes[pos..])?;
    pos += n;
    if !matches!(sys_info.get("little_endian"), Some(Object::Bool(true))) {
        return Err(corrupt(
            "written on a big-endian machine, which ember does not read",
        ));
    }
    let (p, n) = unpickle(&bytes[pos..], Format::Legacy)?;
    pos += n;
    let (keys, n) = small_pickle(&bytes[pos..])?;
    pos += n;
    let refs = storage_refs(&p);
    let mut storages: HashMap<String, Vec<u8>> = HashMap::new();
    for k in keys
        .try_list()
        .map_err(|_| corrupt("the storage keys are not a list"))?
    {
        let k = k
            .try_str()
            .map_err(|_| corrupt("a storage key is not a str"))?;
        let Some(r) = refs.get(k) else {
            bail!(Format, "storage key '{k}' not found in the pickle");
        };
        let header = bytes
            .get(pos..pos + 8)
            .ok_or_else(|| corrupt("truncated before a storage"))?;
        pos += 8;
        let mut numel = [0u8; 8];
        numel.copy_from_slice(header);
        let numel = i64::from_le_bytes(numel);
        if usize::try_from(numel).ok() != Some(r.numel) {
            bail!(
                Format,
                "storage has wrong byte size: expected {} elements, got {numel}",
                r.numel
            );
        }
        let len = r
            .numel
            .checked_mul(r.dtype.size_in_bytes())
            .filter(|&len| len <= bytes.len() - pos)
            .ok_or_else(|| corrupt("truncated inside a storage"))?;
        storages.insert(k.to_string(), bytes[pos..pos + len].to_vec());
        pos += len;
    }
    build::build(&p, false, &mut |s, _| {
        storages
            .remove(&s.key)
            .ok_or_else(|| Error::Format(format!("storage '{}' is missing from the file", s.key)))
    })
}

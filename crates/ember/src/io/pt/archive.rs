//! The zip archive of `torch.save` (PyTorch ≥ 1.6): `<name>/data.pkl` (the pickle),
//! `<name>/data/<key>` (one record per storage, raw little-endian elements, aligned to 64
//! bytes), `<name>/byteorder`, `<name>/version`, `.format_version`, `.storage_alignment`
//! and `.data/serialization_id`, all stored uncompressed.

use super::Object;
use super::build;
use super::pickle::Pickled;
use super::unpickle::unpickle;
use super::value::Format;
use crate::error::{Error, Result, bail};
use std::io::{Cursor, Read, Write};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

/// The folder PyTorch names the archive's records under when saving to a buffer.
const ARCHIVE: &str = "archive";

fn reader_err(e: impl std::fmt::Display) -> Error {
    Error::Format(format!(
        "PytorchStreamReader failed reading zip archive: {e}"
    ))
}

fn writer_err(e: impl std::fmt::Display) -> Error {
    Error::Format(format!(
        "PytorchStreamWriter failed writing the archive: {e}"
    ))
}

/// A stable 40-digit id from the archive's contents (PyTorch draws a random one; it only
/// tells saves apart).
fn serialization_id(p: &Pickled) -> String {
    let fnv = |seed: u64| {
        let mut h = seed;
        let bytes = p.data.iter().chain(p.records.iter().flatten());
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    format!(
        "{:020}{:020}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x8422_2325_cbf2_9ce4)
    )
}

/// The archive's bytes, records in the order PyTorch writes them.
pub(super) fn write(p: &Pickled) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        // A fixed time (1980-01-01, zip's epoch): the same object gives the same bytes.
        .last_modified_time(zip::DateTime::default())
        .with_alignment(64);
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let opts = stored.large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        zip.start_file(format!("{ARCHIVE}/{name}"), opts)
            .map_err(writer_err)?;
        zip.write_all(bytes).map_err(writer_err)
    };
    put("data.pkl", &p.data)?;
    put(".format_version", b"1")?;
    put(".storage_alignment", b"64")?;
    put("byteorder", b"little")?;
    for (i, r) in p.records.iter().enumerate() {
        put(&format!("data/{i}"), r)?;
    }
    put("version", b"3\n")?;
    put(".data/serialization_id", serialization_id(p).as_bytes())?;
    Ok(zip.finish().map_err(writer_err)?.into_inner())
}

/// Reads record `name` of at most `cap` bytes (`exact`: of exactly that many).
fn read_record(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    cap: usize,
    exact: bool,
) -> Result<Vec<u8>> {
    let mut f = zip.by_name(name).map_err(|_| {
        Error::Format(format!(
            "PytorchStreamReader failed locating file {name}: file not found"
        ))
    })?;
    let declared = f.size();
    if declared > cap as u64 || (exact && declared != cap as u64) {
        bail!(
            Format,
            "record {name} holds {declared} bytes, expected {}{cap}",
            if exact { "" } else { "at most " }
        );
    }
    // The declared size is checked above, and `take` stops a record that inflates past it.
    let mut out = Vec::new();
    (&mut f)
        .take(cap as u64)
        .read_to_end(&mut out)
        .map_err(reader_err)?;
    if exact && out.len() != cap {
        bail!(
            Format,
            "record {name} holds {} bytes, expected {cap}",
            out.len()
        );
    }
    Ok(out)
}

/// Loads the object of a `torch.save` zip archive.
///
/// # Errors
/// If the archive is malformed, lacks a record, the pickle is refused, or a storage record
/// does not have the size its tensors need.
pub(super) fn read(bytes: &[u8]) -> Result<Object> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(reader_err)?;
    // Records sit under one folder, named after the file when it was saved: PyTorch takes
    // it from the first record.
    let prefix = match zip.name_for_index(0) {
        Some(Ok(name)) => match name.split_once('/') {
            Some((p, _)) => p.to_string(),
            None => bail!(
                Format,
                "PytorchStreamReader: file in archive is not in a subdirectory: {name}"
            ),
        },
        _ => return Err(reader_err("the archive has no records")),
    };
    // No record may inflate beyond what deflate can make of the file (~1032:1).
    let cap = bytes.len().saturating_mul(1032).saturating_add(1 << 20);
    let data = read_record(&mut zip, &format!("{prefix}/data.pkl"), cap, false)?;
    let swap = match zip.index_for_name(&format!("{prefix}/byteorder")) {
        None => false,
        Some(_) => {
            match read_record(&mut zip, &format!("{prefix}/byteorder"), 16, false)?.as_slice() {
                b"little" => false,
                b"big" => true,
                other => bail!(
                    Value,
                    "Unknown endianness type: {}",
                    String::from_utf8_lossy(other)
                ),
            }
        }
    };
    let (p, _) = unpickle(&data, Format::Zip)?;
    build::build(&p, swap, &mut |s, nbytes| {
        if nbytes > cap {
            bail!(
                Format,
                "storage '{}' of {nbytes} bytes cannot fit in a file of {} bytes",
                s.key,
                bytes.len()
            );
        }
        read_record(&mut zip, &format!("{prefix}/data/{}", s.key), nbytes, true)
    })
}

//! PyTorch's checkpoint format (`.pt`/`.pth`): [`save`] and [`load`] are `torch.save` and
//! `torch.load(weights_only=True)`, over the values of [`Object`].
//!
//! A `.pt` file is a pickle, Python's serialization, whose tensors are calls of
//! `torch._utils._rebuild_tensor_v2` over storages kept outside the pickle: in a zip
//! archive since PyTorch 1.6 (`archive.rs`), after the pickle in the legacy format
//! (`legacy.rs`, read only). A pickle is a program: `GLOBAL os system` + `REDUCE` runs
//! `os.system`. So loading runs no Python and calls nothing: `unpickle.rs` is a small pickle
//! VM of our own that builds data only, and accepts only the globals `torch.load(...,
//! weights_only=True)` needs to rebuild tensors and containers (`globals.rs`):
//! `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` / `_rebuild_tensor` /
//! `_rebuild_parameter` / `_rebuild_parameter_with_state`, the `torch.*Storage` classes of
//! ember's dtypes, `torch.Size` (as a tuple) and `_codecs.encode` (protocol 2's bytes). Any
//! other global is an [`Error::Unpickling`] with PyTorch's message (`Unsupported global:
//! GLOBAL eval was not an allowed global by default`; `os`, `posix`, `nt` and `sys` are
//! blocked outright, as PyTorch blocks them). Lengths are checked against the input before
//! anything is allocated, memo and stack misuse are errors, containers may nest 256 deep
//! and a pickle may expand (through shared references) to a few objects per byte.
//!
//! Why not a crate: `serde-pickle` maps pickles onto serde's data model. It resolves a
//! fixed set of builtin globals and either fails on or replaces with `None` any other, and
//! has no hook for persistent ids (how every tensor refers to its storage) or for what an
//! allowlisted `REDUCE` should build, so tensors cannot be rebuilt through it; candle, the
//! other Rust library that reads `.pt` files, carries its own VM for the same reason. The
//! opcodes PyTorch's `weights_only` loader accepts are about forty, and this code decides
//! what a file may make ember do, so ember owns it.
//!
//! Saving (`pickle.rs`) writes what `torch.save` writes — protocol 2, PyTorch's record
//! names, storages aligned to 64 bytes — so ember's files load in PyTorch with
//! `weights_only=True`. Views saved together come back sharing memory (Note [Saved views],
//! Note [Loaded views]). Tensors load on the CPU whatever device they were saved from.

mod archive;
mod build;
mod globals;
mod legacy;
mod object;
mod opcodes;
mod optimizer;
mod pickle;
mod storages;
mod unpickle;
mod value;

pub use object::Object;

use crate::error::{Error, Result, bail};
use std::path::Path;

/// `torch.save(obj, buffer)`: the bytes of a `.pt` file holding `obj`.
///
/// ```
/// let mut sd = ember::nn::StateDict::new();
/// sd.insert("w".into(), ember::tensor([1.0, 2.0]));
/// let bytes = ember::io::pt_to_bytes(&sd).unwrap();
/// assert_eq!(&bytes[..2], b"PK"); // a zip archive, as PyTorch's
/// let back = ember::io::pt_from_bytes(&bytes).unwrap().into_state_dict().unwrap();
/// assert_eq!(back["w"].to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
///
/// # Errors
/// If containers nest deeper than 256 levels, or a tensor's data cannot be read (a meta
/// tensor).
pub fn pt_to_bytes(obj: impl Into<Object>) -> Result<Vec<u8>> {
    archive::write(&pickle::pickle(&obj.into())?)
}

/// `torch.load(buffer, weights_only=True)`: the object of a `.pt` file's bytes (the zip
/// format, or the legacy one of PyTorch before 1.6), its tensors on the CPU.
///
/// ```
/// let err = ember::io::pt_from_bytes(b"not a checkpoint").unwrap_err();
/// assert!(err.to_string().contains("Invalid magic number"));
/// ```
///
/// # Errors
/// [`Error::Unpickling`] if the pickle names a global outside the allowlist or is
/// malformed; [`Error::Format`] if the archive is (a truncated zip, a missing record, a
/// storage of the wrong size, a tensor reaching outside its storage).
pub fn pt_from_bytes(bytes: &[u8]) -> Result<Object> {
    if bytes.starts_with(b"PK\x03\x04") {
        archive::read(bytes)
    } else if bytes.starts_with(legacy::MAGIC) {
        legacy::load(bytes)
    } else {
        bail!(Format, "Invalid magic number; corrupt file?")
    }
}

/// `torch.save(obj, path)`: a state dict, an optimizer's state dict or a whole checkpoint
/// (anything that converts to an [`Object`]) written as a `.pt` file that PyTorch loads.
///
/// ```
/// use ember::io::Object;
/// let model = ember::nn::Linear::new(2, 1);
/// let path = std::env::temp_dir().join("ember_doc_ckpt.pt");
/// use ember::nn::Module;
/// ember::save(Object::dict([("model", (&model.state_dict()).into()), ("epoch", 3.into())]), &path).unwrap();
/// let ckpt = ember::load(&path).unwrap();
/// assert_eq!(ckpt.try_get("epoch").unwrap().try_int().unwrap(), 3);
/// model.load_state_dict(&ckpt.try_get("model").unwrap().to_state_dict().unwrap()).unwrap();
/// ```
///
/// # Errors
/// If the file cannot be written, or as [`pt_to_bytes`].
pub fn save(obj: impl Into<Object>, path: impl AsRef<Path>) -> Result<()> {
    super::write_file(path.as_ref(), &pt_to_bytes(obj)?)
}

/// `torch.load(path, weights_only=True)`, tensors on the CPU.
///
/// ```
/// let path = std::env::temp_dir().join("ember_doc_load.pt");
/// ember::save(ember::ones([2]), &path).unwrap();
/// let t = ember::load(&path).unwrap();
/// assert_eq!(t.try_tensor().unwrap().to_vec::<f32>(), vec![1.0, 1.0]);
/// assert!(ember::load("no/such.pt").unwrap_err().to_string().contains("no/such.pt"));
/// ```
///
/// # Errors
/// If the file cannot be read, or as [`pt_from_bytes`] (a malformed archive's error names
/// the file).
pub fn load(path: impl AsRef<Path>) -> Result<Object> {
    let path = path.as_ref();
    pt_from_bytes(&super::read_file(path)?).map_err(|e| match e {
        Error::Format(m) => Error::Format(format!("{m} (in '{}')", path.display())),
        e => e,
    })
}

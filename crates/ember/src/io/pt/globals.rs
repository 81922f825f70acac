//! The allowlist of globals and what "calling" each one builds: PyTorch's `weights_only`
//! rules, restricted to what rebuilds ember's values.

use super::unpickle::{Vm, unpickling};
use super::value::{Format, Node, StorageRef, TensorSpec, Val};
use crate::DType;
use crate::error::Result;

/// The allowlisted globals, by what they build.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Global {
    OrderedDict,
    RebuildTensorV2,
    RebuildTensor,
    RebuildParameter,
    RebuildParameterWithState,
    Size,
    Encode,
    Storage(DType),
}

impl Global {
    /// The name a pickle gives it.
    fn name(self) -> &'static str {
        match self {
            Global::OrderedDict => "collections.OrderedDict",
            Global::RebuildTensorV2 => "torch._utils._rebuild_tensor_v2",
            Global::RebuildTensor => "torch._utils._rebuild_tensor",
            Global::RebuildParameter => "torch._utils._rebuild_parameter",
            Global::RebuildParameterWithState => "torch._utils._rebuild_parameter_with_state",
            Global::Size => "torch.Size",
            Global::Encode => "_codecs.encode",
            Global::Storage(_) => "a torch storage class",
        }
    }
}

/// The dtype of PyTorch's legacy typed storage class `torch.<name>`.
fn storage_dtype(name: &str) -> Option<DType> {
    Some(match name {
        "FloatStorage" => DType::F32,
        "DoubleStorage" => DType::F64,
        "HalfStorage" => DType::F16,
        "BFloat16Storage" => DType::BF16,
        "LongStorage" => DType::I64,
        "IntStorage" => DType::I32,
        "ShortStorage" => DType::I16,
        "CharStorage" => DType::I8,
        "ByteStorage" | "UntypedStorage" => DType::U8,
        "BoolStorage" => DType::Bool,
        _ => return None,
    })
}

/// The allowlist: what `GLOBAL module name` may name. PyTorch's `weights_only` list,
/// restricted to what rebuilds ember's values; the modules PyTorch blocks outright get its
/// "is blocked" message, every other name its "not an allowed global" one.
pub(super) fn resolve(module: &str, name: &str) -> Result<Global> {
    // Protocol 2 pickles name Python 2's modules; pickle maps them (`_compat_pickle`).
    let module = match module {
        "__builtin__" => "builtins",
        "copy_reg" => "copyreg",
        m => m,
    };
    let full = format!("{module}.{name}");
    if ["sys", "os", "posix", "nt"].contains(&module) {
        return Err(unpickling(format!(
            "Trying to load unsupported GLOBAL {full} whose module {module} is blocked."
        )));
    }
    Ok(match full.as_str() {
        "collections.OrderedDict" => Global::OrderedDict,
        "torch._utils._rebuild_tensor_v2" => Global::RebuildTensorV2,
        "torch._utils._rebuild_tensor" => Global::RebuildTensor,
        "torch._utils._rebuild_parameter" => Global::RebuildParameter,
        "torch._utils._rebuild_parameter_with_state" => Global::RebuildParameterWithState,
        "torch.Size" => Global::Size,
        "_codecs.encode" => Global::Encode,
        _ => match (module, storage_dtype(name)) {
            ("torch", Some(dt)) => Global::Storage(dt),
            _ => {
                // PyTorch shows builtins without their module (`GLOBAL eval`).
                let shown = full.strip_prefix("builtins.").unwrap_or(&full);
                return Err(unpickling(format!(
                    "Unsupported global: GLOBAL {shown} was not an allowed global by default."
                )));
            }
        },
    })
}

impl Vm {
    fn tuple(&self, v: Val, what: &str) -> Result<&[Val]> {
        match self.node(v) {
            Some(Node::Tuple(items)) => Ok(items),
            _ => Err(unpickling(format!(
                "{what} must be a tuple, got {}",
                self.type_name(v)
            ))),
        }
    }

    fn usize_of(&self, v: Val, what: &str) -> Result<usize> {
        match v {
            Val::Int(i) => usize::try_from(i)
                .map_err(|_| unpickling(format!("{what} must not be negative, got {i}"))),
            _ => Err(unpickling(format!(
                "{what} must be an int, got {}",
                self.type_name(v)
            ))),
        }
    }

    fn sizes(&self, v: Val, what: &str) -> Result<Vec<usize>> {
        self.tuple(v, what)?
            .iter()
            .map(|&x| self.usize_of(x, what))
            .collect()
    }

    fn bool_of(&self, v: Val, what: &str) -> Result<bool> {
        match v {
            Val::Bool(b) => Ok(b),
            _ => Err(unpickling(format!(
                "{what} must be a bool, got {}",
                self.type_name(v)
            ))),
        }
    }

    /// The node `REDUCE` makes of `func(*args)`: only allowlisted globals can get here.
    pub(super) fn reduce(&self, func: Val, args: Val) -> Result<Node> {
        let g = match self.node(func) {
            Some(Node::Global(g)) => *g,
            _ => {
                return Err(unpickling(format!(
                    "Trying to call reduce for unrecognized function {}",
                    self.type_name(func)
                )));
            }
        };
        let args = self.tuple(args, "REDUCE's arguments")?;
        let arity = |n: &[usize]| {
            if n.contains(&args.len()) {
                Ok(())
            } else {
                Err(unpickling(format!(
                    "{} takes {n:?} arguments, got {}",
                    g.name(),
                    args.len()
                )))
            }
        };
        match g {
            Global::OrderedDict => {
                arity(&[0])?;
                Ok(Node::OrderedDict(Vec::new()))
            }
            Global::RebuildTensorV2 | Global::RebuildTensor => {
                // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[,
                // metadata]]): hooks and metadata hold nothing ember's tensors have.
                arity(if g == Global::RebuildTensor {
                    &[4]
                } else {
                    &[6, 7]
                })?;
                let storage = match self.node(args[0]) {
                    Some(Node::Storage(s)) => s.clone(),
                    _ => {
                        return Err(unpickling(format!(
                            "a tensor's storage must be a persistent storage, got {}",
                            self.type_name(args[0])
                        )));
                    }
                };
                let size = self.sizes(args[2], "a tensor's size")?;
                let stride = self.sizes(args[3], "a tensor's stride")?;
                if size.len() != stride.len() {
                    return Err(unpickling(format!(
                        "a tensor has {} sizes but {} strides",
                        size.len(),
                        stride.len()
                    )));
                }
                let requires_grad = match args.get(4) {
                    Some(&v) => self.bool_of(v, "requires_grad")?,
                    None => false,
                };
                Ok(Node::Tensor(TensorSpec {
                    storage,
                    offset: self.usize_of(args[1], "a storage offset")?,
                    size,
                    stride,
                    requires_grad,
                }))
            }
            Global::RebuildParameter | Global::RebuildParameterWithState => {
                // (data, requires_grad, backward_hooks[, state]): the state is the Python
                // attributes of a Parameter subclass, which ember's parameters have none of.
                arity(if g == Global::RebuildParameter {
                    &[3]
                } else {
                    &[4]
                })?;
                let tensor = match (args[0], self.node(args[0])) {
                    (Val::Ref(i), Some(Node::Tensor(_))) => i,
                    _ => {
                        return Err(unpickling(format!(
                            "a Parameter's data must be a tensor, got {}",
                            self.type_name(args[0])
                        )));
                    }
                };
                Ok(Node::Parameter {
                    tensor,
                    requires_grad: self.bool_of(args[1], "requires_grad")?,
                })
            }
            Global::Size => {
                arity(&[1])?;
                let dims = self.tuple(args[0], "torch.Size's argument")?;
                for &d in dims {
                    if !matches!(d, Val::Int(_)) {
                        return Err(unpickling("torch.Size takes ints"));
                    }
                }
                Ok(Node::Tuple(dims.to_vec()))
            }
            Global::Encode => {
                // `bytes` as protocol 2 pickles it: `_codecs.encode(text, "latin1")`.
                arity(&[1, 2])?;
                let text = match self.node(args[0]) {
                    Some(Node::Str(s)) => s,
                    _ => return Err(unpickling("_codecs.encode takes a str")),
                };
                let encoding = match args.get(1) {
                    Some(&e) => self.string_at(e).unwrap_or("?"),
                    None => "utf-8",
                };
                match encoding {
                    "latin1" | "latin-1" | "iso-8859-1" => text
                        .chars()
                        .map(|c| u8::try_from(u32::from(c)))
                        .collect::<std::result::Result<Vec<u8>, _>>()
                        .map(Node::Bytes)
                        .map_err(|_| unpickling("'latin-1' codec can't encode the text")),
                    "utf-8" | "utf8" => Ok(Node::Bytes(text.as_bytes().to_vec())),
                    e => Err(unpickling(format!(
                        "_codecs.encode: unsupported encoding '{e}'"
                    ))),
                }
            }
            Global::Storage(dt) => Err(unpickling(format!(
                "Trying to call reduce for a storage class (of {})",
                dt.name()
            ))),
        }
    }

    /// `BINPERSID`: a storage of the archive, `('storage', StorageType, key, location,
    /// numel)` (with a sixth entry, the view metadata, in the legacy format).
    pub(super) fn persistent_load(&self, pid: Val) -> Result<StorageRef> {
        let t = match self.node(pid) {
            Some(Node::Tuple(t)) => t,
            _ => {
                return Err(unpickling(format!(
                    "persistent_load id must be tuple or int, but got {}",
                    self.type_name(pid)
                )));
            }
        };
        if t.first().and_then(|&v| self.string_at(v)) != Some("storage") {
            return Err(unpickling(
                "Only persistent_load of storage is allowed, but got something else",
            ));
        }
        let n = if self.format == Format::Legacy { 6 } else { 5 };
        if t.len() != n {
            return Err(unpickling(format!(
                "a storage's persistent id has {} entries, expected {n}",
                t.len()
            )));
        }
        let dtype = match self.node(t[1]) {
            Some(Node::Global(Global::Storage(dt))) => *dt,
            _ => return Err(unpickling("a storage's type must be a torch storage class")),
        };
        let Some(key) = self.string_at(t[2]) else {
            return Err(unpickling("a storage's key must be a str"));
        };
        if self.format == Format::Legacy && !matches!(t[5], Val::None) {
            return Err(unpickling(
                "storage views of the legacy format (before PyTorch 1.0) are not supported",
            ));
        }
        Ok(StorageRef {
            key: key.to_string(),
            dtype,
            numel: self.usize_of(t[4], "a storage's size")?,
        })
    }
}

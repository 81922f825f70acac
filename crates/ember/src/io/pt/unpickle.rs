//! The restricted unpickler: a pickle VM that builds data and never calls anything.
//!
//! It runs the opcodes of PyTorch's `weights_only` unpickler (`torch/_weights_only_unpickler.py`)
//! plus the data-only opcodes of protocols 3–5 (bytes, short strings, framing, `MEMOIZE`,
//! `STACK_GLOBAL`), over an arena: containers live in `arena` and the stack and memo hold
//! cheap [`Val`] handles to them, so a container filled after it was memoized is the same
//! container when the memo is read back, as in Python. Every `GLOBAL` is checked against
//! the allowlist of [`resolve`] when it is read, and a `REDUCE` only "calls" one of those
//! globals by building the value it stands for: a tensor description, an `OrderedDict`,
//! bytes. Nothing here allocates more than the input can pay for: every string, container
//! element and memo entry costs at least one input byte, and lengths are checked against
//! the bytes left before anything is allocated for them.

use super::globals::resolve;
use super::opcodes as op;
use super::value::{Format, Node, Pickle, Val};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// An error of the unpickler, worded as PyTorch's `weights_only` load failures are.
pub(super) fn unpickling(msg: impl std::fmt::Display) -> Error {
    Error::Unpickling(format!(
        "Weights only load failed. WeightsUnpickler error: {msg}"
    ))
}

struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.data.len() - self.pos < n {
            return Err(unpickling("pickle data was truncated"));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    fn len_u32(&mut self) -> Result<usize> {
        Ok(u32::from_le_bytes(self.array()?) as usize)
    }

    fn len_u64(&mut self) -> Result<usize> {
        // Any length beyond the input fails in `take`, so saturating is enough.
        Ok(usize::try_from(u64::from_le_bytes(self.array()?)).unwrap_or(usize::MAX))
    }

    fn line(&mut self) -> Result<&'a str> {
        let rest = &self.data[self.pos..];
        let Some(n) = rest.iter().position(|&b| b == b'\n') else {
            return Err(unpickling("pickle data was truncated"));
        };
        let line = self.take(n + 1)?;
        std::str::from_utf8(&line[..n]).map_err(|_| unpickling("GLOBAL names must be UTF-8"))
    }
}

/// The VM's state while it runs.
pub(super) struct Vm {
    pub(super) arena: Vec<Node>,
    stack: Vec<Val>,
    /// Stack lengths at each open `MARK`: nothing below the innermost may be popped.
    marks: Vec<usize>,
    memo: HashMap<u32, Val>,
    pub(super) format: Format,
}

/// Runs the pickle at the start of `data`; returns the object and the bytes it took.
///
/// # Errors
/// On a global outside the allowlist, an opcode outside the supported set, or malformed
/// data (truncation, a stack underflow, a memo index never stored, a wrongly typed value).
pub(super) fn unpickle(data: &[u8], format: Format) -> Result<(Pickle, usize)> {
    let mut vm = Vm {
        arena: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        format,
    };
    let mut input = Input { data, pos: 0 };
    loop {
        let code = input.byte()?;
        if code == op::STOP {
            let root = vm.pop()?;
            let len = input.pos;
            return Ok((
                Pickle {
                    arena: vm.arena,
                    root,
                    len,
                },
                len,
            ));
        }
        vm.step(code, &mut input)?;
    }
}

fn utf8(bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| unpickling("string is not valid UTF-8"))
}

/// A `LONG1` payload: a little-endian two's-complement integer of up to 8 bytes.
fn decode_long(bytes: &[u8]) -> Result<i64> {
    if bytes.len() > 8 {
        return Err(unpickling("int too large to load (more than 64 bits)"));
    }
    let fill = if bytes.last().is_some_and(|&b| b & 0x80 != 0) {
        0xff
    } else {
        0
    };
    let mut a = [fill; 8];
    a[..bytes.len()].copy_from_slice(bytes);
    Ok(i64::from_le_bytes(a))
}

impl Vm {
    fn push_node(&mut self, n: Node) {
        self.arena.push(n);
        self.stack.push(Val::Ref(self.arena.len() - 1));
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Val> {
        if self.stack.len() <= self.floor() {
            return Err(unpickling("unpickling stack underflow"));
        }
        self.stack
            .pop()
            .ok_or_else(|| unpickling("unpickling stack underflow"))
    }

    fn top(&self) -> Result<Val> {
        match self.stack.last() {
            Some(v) if self.stack.len() > self.floor() => Ok(*v),
            _ => Err(unpickling("unpickling stack underflow")),
        }
    }

    fn pop_mark(&mut self) -> Result<Vec<Val>> {
        let m = self
            .marks
            .pop()
            .ok_or_else(|| unpickling("could not find MARK"))?;
        // Pops never go below the innermost mark, so `m` is within the stack.
        Ok(self.stack.split_off(m.min(self.stack.len())))
    }

    pub(super) fn node(&self, v: Val) -> Option<&Node> {
        match v {
            Val::Ref(i) => self.arena.get(i),
            _ => None,
        }
    }

    pub(super) fn type_name(&self, v: Val) -> &'static str {
        match v {
            Val::None => "NoneType",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float",
            Val::Ref(_) => match self.node(v) {
                Some(Node::Str(_)) => "str",
                Some(Node::Bytes(_)) => "bytes",
                Some(Node::List(_)) => "list",
                Some(Node::Tuple(_)) => "tuple",
                Some(Node::Dict(_)) => "dict",
                Some(Node::OrderedDict(_)) => "collections.OrderedDict",
                Some(Node::Global(_)) => "global",
                Some(Node::Storage(_)) => "storage",
                Some(Node::Tensor(_)) => "torch.Tensor",
                Some(Node::Parameter { .. }) => "torch.nn.Parameter",
                None => "?",
            },
        }
    }

    fn push_memo(&mut self, i: u32) -> Result<()> {
        let v = self.top()?;
        self.memo.insert(i, v);
        Ok(())
    }

    fn get_memo(&mut self, i: u32) -> Result<()> {
        match self.memo.get(&i) {
            Some(v) => {
                self.stack.push(*v);
                Ok(())
            }
            None => Err(unpickling(format!("Memo value not found at index {i}"))),
        }
    }

    fn set_items(&mut self, items: Vec<Val>, opcode: &str) -> Result<()> {
        if !items.len().is_multiple_of(2) {
            return Err(unpickling(format!("odd number of items for {opcode}")));
        }
        let target = self.top()?;
        let name = self.type_name(target);
        let pairs = items.chunks_exact(2).map(|p| (p[0], p[1]));
        match target {
            Val::Ref(i) => match &mut self.arena[i] {
                Node::Dict(d) | Node::OrderedDict(d) => {
                    d.extend(pairs);
                    Ok(())
                }
                _ => Err(unpickling(format!(
                    "Can only {opcode} for dict, collections.OrderedDict, but got {name}"
                ))),
            },
            _ => Err(unpickling(format!(
                "Can only {opcode} for dict, collections.OrderedDict, but got {name}"
            ))),
        }
    }

    fn extend_list(&mut self, items: Vec<Val>) -> Result<()> {
        let target = self.top()?;
        let name = self.type_name(target);
        if let Val::Ref(i) = target
            && let Node::List(l) = &mut self.arena[i]
        {
            l.extend(items);
            return Ok(());
        }
        Err(unpickling(format!(
            "Can only append to lists, but got {name}"
        )))
    }

    pub(super) fn string_at(&self, v: Val) -> Option<&str> {
        match self.node(v) {
            Some(Node::Str(s)) => Some(s),
            Some(Node::Bytes(b)) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    fn step(&mut self, code: u8, input: &mut Input<'_>) -> Result<()> {
        match code {
            op::PROTO => {
                let p = input.byte()?;
                if p > 5 {
                    return Err(unpickling(format!("unsupported pickle protocol: {p}")));
                }
            }
            // A framing hint (protocol 4): the frame's length, nothing to build.
            op::FRAME => {
                input.take(8)?;
            }
            op::MARK => self.marks.push(self.stack.len()),
            op::NONE => self.stack.push(Val::None),
            op::NEWTRUE => self.stack.push(Val::Bool(true)),
            op::NEWFALSE => self.stack.push(Val::Bool(false)),
            op::BININT => self
                .stack
                .push(Val::Int(i32::from_le_bytes(input.array()?).into())),
            op::BININT1 => self.stack.push(Val::Int(input.byte()?.into())),
            op::BININT2 => self
                .stack
                .push(Val::Int(u16::from_le_bytes(input.array()?).into())),
            op::LONG1 => {
                let n = input.byte()? as usize;
                let v = decode_long(input.take(n)?)?;
                self.stack.push(Val::Int(v));
            }
            op::BINFLOAT => self
                .stack
                .push(Val::Float(f64::from_be_bytes(input.array()?))),
            op::BINUNICODE | op::SHORT_BINUNICODE | op::BINUNICODE8 | op::SHORT_BINSTRING => {
                let n = match code {
                    op::BINUNICODE => input.len_u32()?,
                    op::BINUNICODE8 => input.len_u64()?,
                    _ => input.byte()? as usize,
                };
                // `torch.load` decodes Python 2 strings (SHORT_BINSTRING) as UTF-8 too.
                let s = utf8(input.take(n)?)?;
                self.push_node(Node::Str(s));
            }
            op::SHORT_BINBYTES | op::BINBYTES | op::BINBYTES8 => {
                let n = match code {
                    op::BINBYTES => input.len_u32()?,
                    op::BINBYTES8 => input.len_u64()?,
                    _ => input.byte()? as usize,
                };
                let b = input.take(n)?.to_vec();
                self.push_node(Node::Bytes(b));
            }
            op::EMPTY_LIST => self.push_node(Node::List(Vec::new())),
            op::EMPTY_DICT => self.push_node(Node::Dict(Vec::new())),
            op::EMPTY_TUPLE => self.push_node(Node::Tuple(Vec::new())),
            op::LIST => {
                let items = self.pop_mark()?;
                self.push_node(Node::List(items));
            }
            op::TUPLE => {
                let items = self.pop_mark()?;
                self.push_node(Node::Tuple(items));
            }
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                let n = (code - op::TUPLE1 + 1) as usize;
                let mut items = vec![Val::None; n];
                for slot in items.iter_mut().rev() {
                    *slot = self.pop()?;
                }
                self.push_node(Node::Tuple(items));
            }
            op::DICT => {
                let items = self.pop_mark()?;
                self.push_node(Node::Dict(Vec::new()));
                self.set_items(items, "DICT")?;
            }
            op::APPEND => {
                let item = self.pop()?;
                self.extend_list(vec![item])?;
            }
            op::APPENDS => {
                let items = self.pop_mark()?;
                self.extend_list(items)?;
            }
            op::SETITEM => {
                let v = self.pop()?;
                let k = self.pop()?;
                self.set_items(vec![k, v], "SETITEM")?;
            }
            op::SETITEMS => {
                let items = self.pop_mark()?;
                self.set_items(items, "SETITEMS")?;
            }
            op::BINPUT => {
                let i = input.byte()?;
                self.push_memo(i.into())?;
            }
            op::LONG_BINPUT => {
                let i = u32::from_le_bytes(input.array()?);
                self.push_memo(i)?;
            }
            op::MEMOIZE => {
                let i =
                    u32::try_from(self.memo.len()).map_err(|_| unpickling("memo is too large"))?;
                self.push_memo(i)?;
            }
            op::BINGET => {
                let i = input.byte()?;
                self.get_memo(i.into())?;
            }
            op::LONG_BINGET => {
                let i = u32::from_le_bytes(input.array()?);
                self.get_memo(i)?;
            }
            op::GLOBAL => {
                let module = input.line()?;
                let name = input.line()?;
                let g = resolve(module, name)?;
                self.push_node(Node::Global(g));
            }
            op::STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(m), Some(n)) = (self.string_at(module), self.string_at(name)) else {
                    return Err(unpickling("STACK_GLOBAL requires str"));
                };
                let g = resolve(m, n)?;
                self.push_node(Node::Global(g));
            }
            op::REDUCE => {
                let args = self.pop()?;
                let func = self.pop()?;
                let node = self.reduce(func, args)?;
                self.push_node(node);
            }
            op::BUILD => {
                let _state = self.pop()?;
                let inst = self.top()?;
                // An OrderedDict's state is its attributes (a state dict's `_metadata`,
                // the per-module versions that only PyTorch's own loaders read).
                if !matches!(self.node(inst), Some(Node::OrderedDict(_))) {
                    return Err(unpickling(format!(
                        "Can only build Tensor, Parameter, OrderedDict or types allowlisted via `add_safe_globals`, but got {}",
                        self.type_name(inst)
                    )));
                }
            }
            op::NEWOBJ => {
                let _args = self.pop()?;
                let cls = self.pop()?;
                return Err(unpickling(format!(
                    "Can only create new object for nn.Parameter or classes allowlisted via `add_safe_globals` but got {}",
                    self.type_name(cls)
                )));
            }
            op::BINPERSID => {
                let pid = self.pop()?;
                let s = self.persistent_load(pid)?;
                self.push_node(Node::Storage(s));
            }
            _ => return Err(unpickling(format!("Unsupported operand {code}"))),
        }
        Ok(())
    }
}

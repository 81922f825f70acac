//! The pickler: an [`Object`] as the protocol-2 pickle `torch.save` writes, tensors as
//! `_rebuild_tensor_v2` calls over persistent storage ids.

use super::Object;
use super::build::MAX_DEPTH;
use super::opcodes as op;
use super::storages::{self, Placement};
use crate::error::{Result, bail};
use crate::{DType, Tensor};
use std::collections::HashMap;

/// A pickled object: `data.pkl`'s bytes and the storage records, `data/<i>` for record `i`.
pub(super) struct Pickled {
    pub data: Vec<u8>,
    pub records: Vec<Vec<u8>>,
}

/// How many tensors at one address are searched for the one being saved.
const MAX_ALIASES: usize = 64;

/// PyTorch's legacy storage class for a dtype, which names it in a persistent id.
fn storage_class(dt: DType) -> &'static str {
    match dt {
        DType::F32 => "FloatStorage",
        DType::F64 => "DoubleStorage",
        DType::F16 => "HalfStorage",
        DType::BF16 => "BFloat16Storage",
        DType::I64 => "LongStorage",
        DType::I32 => "IntStorage",
        DType::I16 => "ShortStorage",
        DType::I8 => "CharStorage",
        DType::U8 => "ByteStorage",
        DType::Bool => "BoolStorage",
    }
}

/// Every tensor of the tree, each once (by identity), in the order a save meets them.
fn collect<'a>(o: &'a Object, depth: usize, out: &mut Vec<&'a Tensor>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(
            Value,
            "cannot save: containers nest deeper than {MAX_DEPTH} levels"
        );
    }
    match o {
        Object::List(items) | Object::Tuple(items) => {
            for x in items {
                collect(x, depth + 1, out)?;
            }
        }
        Object::Dict(items) | Object::OrderedDict(items) => {
            for (k, v) in items {
                collect(k, depth + 1, out)?;
                collect(v, depth + 1, out)?;
            }
        }
        Object::Tensor(t) | Object::Parameter(t) => out.push(t),
        _ => {}
    }
    Ok(())
}

struct Pickler<'a> {
    out: Vec<u8>,
    next_memo: u32,
    globals: HashMap<&'static str, u32>,
    /// The tensors of the save, each with its placement.
    tensors: Vec<(&'a Tensor, Placement)>,
    /// For each tensor the tree holds, in the order `collect` met them, its index in
    /// `tensors` (the writer meets them in the same order); `next` the one to come.
    order: Vec<usize>,
    next: usize,
    /// The memo slots of the tensors and parameters already written, by tensor index.
    written: HashMap<(usize, bool), u32>,
}

impl Pickler<'_> {
    fn memoize(&mut self) -> u32 {
        let i = self.next_memo;
        if i < 256 {
            self.out.extend([op::BINPUT, i as u8]);
        } else {
            self.out.push(op::LONG_BINPUT);
            self.out.extend(i.to_le_bytes());
        }
        self.next_memo += 1;
        i
    }

    fn get(&mut self, i: u32) {
        if i < 256 {
            self.out.extend([op::BINGET, i as u8]);
        } else {
            self.out.push(op::LONG_BINGET);
            self.out.extend(i.to_le_bytes());
        }
    }

    fn global(&mut self, module: &'static str, name: &'static str) {
        if let Some(&i) = self.globals.get(name) {
            return self.get(i);
        }
        self.out.push(op::GLOBAL);
        self.out.extend(format!("{module}\n{name}\n").bytes());
        let i = self.memoize();
        self.globals.insert(name, i);
    }

    fn int(&mut self, i: i64) {
        if (0..=0xff).contains(&i) {
            self.out.extend([op::BININT1, i as u8]);
        } else if (0..=0xffff).contains(&i) {
            self.out.push(op::BININT2);
            self.out.extend((i as u16).to_le_bytes());
        } else if let Ok(i) = i32::try_from(i) {
            self.out.push(op::BININT);
            self.out.extend(i.to_le_bytes());
        } else {
            // The shortest two's-complement little-endian form, as `pickle.encode_long`.
            let mut b = i.to_le_bytes().to_vec();
            while b.len() > 1 {
                let (last, prev) = (b[b.len() - 1], b[b.len() - 2]);
                if (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
                    b.pop();
                } else {
                    break;
                }
            }
            self.out.extend([op::LONG1, b.len() as u8]);
            self.out.extend(b);
        }
    }

    fn str(&mut self, s: &str) {
        self.out.push(op::BINUNICODE);
        // Strings come from Rust values, far below 4 GiB in any checkpoint.
        self.out.extend((s.len() as u32).to_le_bytes());
        self.out.extend(s.as_bytes());
    }

    fn empty_ordered_dict(&mut self) {
        self.global("collections", "OrderedDict");
        self.out.extend([op::EMPTY_TUPLE, op::REDUCE]);
    }

    fn sizes(&mut self, v: &[usize]) {
        match v.len() {
            0 => self.out.push(op::EMPTY_TUPLE),
            n @ 1..=3 => {
                v.iter().for_each(|&x| self.int(x as i64));
                self.out.push(op::TUPLE1 + n as u8 - 1);
            }
            _ => {
                self.out.push(op::MARK);
                v.iter().for_each(|&x| self.int(x as i64));
                self.out.push(op::TUPLE);
            }
        }
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())`,
    /// or `_rebuild_parameter` of it.
    fn tensor(&mut self, t: &Tensor, parameter: bool) -> Result<()> {
        let Some(&i) = self.order.get(self.next) else {
            bail!(Value, "cannot save: a tensor was not planned");
        };
        self.next += 1;
        if let Some(&m) = self.written.get(&(i, parameter)) {
            self.get(m);
            return Ok(());
        }
        if parameter {
            self.global("torch._utils", "_rebuild_parameter");
            self.out.push(op::MARK);
        }
        let p = self.tensors[i].1.clone();
        self.global("torch._utils", "_rebuild_tensor_v2");
        self.out.extend([op::MARK, op::MARK]);
        self.str("storage");
        self.global("torch", storage_class(t.dtype()));
        self.str(&p.key.to_string());
        self.str(&p.location);
        self.int(p.storage_numel as i64);
        self.out.extend([op::TUPLE, op::BINPERSID]);
        self.int(p.offset as i64);
        self.sizes(t.shape());
        self.sizes(&p.stride);
        // A parameter's data is saved without the flag; the parameter carries it.
        let rg = !parameter && t.requires_grad();
        self.out.push(if rg { op::NEWTRUE } else { op::NEWFALSE });
        self.empty_ordered_dict();
        self.out.extend([op::TUPLE, op::REDUCE]);
        if parameter {
            self.out.push(if t.requires_grad() {
                op::NEWTRUE
            } else {
                op::NEWFALSE
            });
            self.empty_ordered_dict();
            self.out.extend([op::TUPLE, op::REDUCE]);
        }
        let m = self.memoize();
        self.written.insert((i, parameter), m);
        Ok(())
    }

    fn items(&mut self, items: &[(Object, Object)], depth: usize) -> Result<()> {
        if !items.is_empty() {
            self.out.push(op::MARK);
            for (k, v) in items {
                self.object(k, depth)?;
                self.object(v, depth)?;
            }
            self.out.push(op::SETITEMS);
        }
        Ok(())
    }

    fn object(&mut self, o: &Object, depth: usize) -> Result<()> {
        let d = depth + 1;
        match o {
            Object::None => self.out.push(op::NONE),
            Object::Bool(b) => self.out.push(if *b { op::NEWTRUE } else { op::NEWFALSE }),
            Object::Int(i) => self.int(*i),
            Object::Float(x) => {
                self.out.push(op::BINFLOAT);
                self.out.extend(x.to_be_bytes());
            }
            Object::Str(s) => self.str(s),
            Object::Bytes(b) => {
                // Protocol 2 has no bytes opcode: `_codecs.encode(latin-1 text, "latin1")`.
                self.global("_codecs", "encode");
                let text: String = b.iter().map(|&c| char::from(c)).collect();
                self.str(&text);
                self.str("latin1");
                self.out.extend([op::TUPLE2, op::REDUCE]);
            }
            Object::List(items) => {
                self.out.push(op::EMPTY_LIST);
                if !items.is_empty() {
                    self.out.push(op::MARK);
                    for x in items {
                        self.object(x, d)?;
                    }
                    self.out.push(op::APPENDS);
                }
            }
            Object::Tuple(items) => {
                if items.is_empty() {
                    self.out.push(op::EMPTY_TUPLE);
                } else if items.len() <= 3 {
                    for x in items {
                        self.object(x, d)?;
                    }
                    self.out.push(op::TUPLE1 + items.len() as u8 - 1);
                } else {
                    self.out.push(op::MARK);
                    for x in items {
                        self.object(x, d)?;
                    }
                    self.out.push(op::TUPLE);
                }
            }
            Object::Dict(items) => {
                self.out.push(op::EMPTY_DICT);
                self.items(items, d)?;
            }
            Object::OrderedDict(items) => {
                self.empty_ordered_dict();
                self.items(items, d)?;
            }
            Object::Tensor(t) => self.tensor(t, false)?,
            Object::Parameter(t) => self.tensor(t, true)?,
        }
        Ok(())
    }
}

/// Pickles `o` as `torch.save` does (protocol 2), with its storages as records.
///
/// # Errors
/// If containers nest deeper than [`MAX_DEPTH`] or a tensor's data cannot be read.
pub(super) fn pickle(o: &Object) -> Result<Pickled> {
    let mut found = Vec::new();
    collect(o, 0, &mut found)?;
    let mut tensors: Vec<Tensor> = Vec::with_capacity(found.len());
    let mut order = Vec::with_capacity(found.len());
    let mut seen: HashMap<usize, Vec<usize>> = HashMap::new();
    for t in found {
        let bucket = seen.entry(t.data_ptr()).or_default();
        // The same tensor twice (a tied weight) is pickled once. Only a crafted file holds
        // many distinct tensors at one address; past `MAX_ALIASES` of them a tensor is
        // taken as new (written again, over the same storage), which keeps this linear.
        let found = bucket
            .iter()
            .rev()
            .take(MAX_ALIASES)
            .copied()
            .find(|&i| tensors[i].is(t));
        order.push(found.unwrap_or_else(|| {
            bucket.push(tensors.len());
            tensors.push(t.clone());
            tensors.len() - 1
        }));
    }
    let plan = storages::plan(&tensors)?;
    let mut p = Pickler {
        out: vec![op::PROTO, 2],
        next_memo: 0,
        globals: HashMap::new(),
        tensors: tensors.iter().zip(plan.placements).collect(),
        order,
        next: 0,
        written: HashMap::new(),
    };
    p.object(o, 0)?;
    p.out.push(op::STOP);
    Ok(Pickled {
        data: p.out,
        records: plan.records,
    })
}

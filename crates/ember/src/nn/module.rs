//! The `Module` trait: a layer's forward computation plus the registry of its parameters,
//! buffers and submodules (PyTorch's `nn.Module`).

use super::{Buffer, Parameter};
use crate::error::{Result, bail};
use crate::{DType, Device, Tensor};
use std::any::Any;

/// A module's registered fields, visited by name. `#[derive(Module)]` implements it from the
/// struct's fields; the built-in layers implement it by hand.
pub trait ModuleFields: Send + Sync + 'static {
    /// Calls `v` with each direct parameter and its name.
    fn visit_parameters<'a>(&'a self, v: &mut dyn FnMut(&str, &'a Parameter));
    /// Calls `v` with each direct parameter, mutably.
    fn visit_parameters_mut(&mut self, v: &mut dyn FnMut(&str, &mut Parameter));
    /// Calls `v` with each direct buffer and its name.
    fn visit_buffers<'a>(&'a self, _v: &mut dyn FnMut(&str, &'a Buffer)) {}
    /// Calls `v` with each direct buffer, mutably.
    fn visit_buffers_mut(&mut self, _v: &mut dyn FnMut(&str, &mut Buffer)) {}
    /// Calls `v` with each direct submodule and its name.
    fn visit_children<'a>(&'a self, _v: &mut dyn FnMut(&str, &'a dyn Module)) {}
    /// Calls `v` with each direct submodule, mutably.
    fn visit_children_mut(&mut self, _v: &mut dyn FnMut(&str, &mut dyn Module)) {}
    /// The module's type name, as printed by PyTorch (`Linear`).
    fn type_name(&self) -> &'static str;
    /// The module as `Any`, to get the concrete layer back (`model[0]` in PyTorch).
    fn as_any(&self) -> &dyn Any;
    /// The module as mutable `Any`.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// This module's own train/eval flag, if it keeps one.
    fn own_training(&self) -> Option<bool> {
        None
    }
    /// Sets this module's own train/eval flag, if it keeps one.
    fn set_own_training(&mut self, _mode: bool) {}
    /// Extra text shown in the module's printed form (`in_features=3, out_features=2`).
    fn extra_repr(&self) -> String {
        String::new()
    }
    /// Whether runs of identical children print once, as `(0-2): 3 x ReLU()`
    /// (`nn.ModuleList`'s `__repr__`).
    fn compress_repeated_children(&self) -> bool {
        false
    }
}

/// PyTorch's `_addindent`: indents every line but the first by `n` spaces.
fn add_indent(s: &str, n: usize) -> String {
    let mut lines = s.split('\n');
    let first = lines.next().unwrap_or("");
    let pad = " ".repeat(n);
    let mut out = first.to_string();
    for l in lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(l);
    }
    out
}

/// The module as PyTorch's `repr(module)` / `print(module)` writes it: the type name, the
/// [`extra_repr`](ModuleFields::extra_repr) and each child on its own indented line. This is
/// what `{}` prints for every module deriving `Module`, and for `dyn Module`.
///
/// ```
/// use ember::nn::{self, Linear, ReLU, Sequential};
/// let model = Sequential::new().push(Linear::new(2, 3)).push(ReLU);
/// assert_eq!(
///     nn::module_repr(&model),
///     "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)"
/// );
/// assert_eq!(model.to_string(), nn::module_repr(&model));
/// ```
pub fn module_repr<M: ModuleFields + ?Sized>(m: &M) -> String {
    let extra = m.extra_repr();
    let extra_lines: Vec<&str> = if extra.is_empty() {
        Vec::new()
    } else {
        extra.split('\n').collect()
    };
    let mut children: Vec<(String, String)> = Vec::new();
    m.visit_children(&mut |n, c| children.push((n.to_string(), module_repr(c))));
    let mut child_lines = Vec::new();
    if m.compress_repeated_children() {
        let mut i = 0;
        while i < children.len() {
            let mut j = i;
            while j + 1 < children.len() && children[j + 1].1 == children[i].1 {
                j += 1;
            }
            let line = if i == j {
                format!("({}): {}", children[i].0, children[i].1)
            } else {
                format!(
                    "({}-{}): {} x {}",
                    children[i].0,
                    children[j].0,
                    j - i + 1,
                    children[i].1
                )
            };
            child_lines.push(add_indent(&line, 2));
            i = j + 1;
        }
    } else {
        for (n, r) in &children {
            child_lines.push(format!("({n}): {}", add_indent(r, 2)));
        }
    }
    let mut s = format!("{}(", m.type_name());
    if extra_lines.len() == 1 && child_lines.is_empty() {
        s.push_str(extra_lines[0]);
    } else if !extra_lines.is_empty() || !child_lines.is_empty() {
        let lines: Vec<&str> = extra_lines
            .iter()
            .copied()
            .chain(child_lines.iter().map(String::as_str))
            .collect();
        s.push_str("\n  ");
        s.push_str(&lines.join("\n  "));
        s.push('\n');
    }
    s.push(')');
    s
}

impl dyn Module {
    /// The module as its concrete type, if it is a `T` (`model[0]` is the `Linear`).
    ///
    /// ```
    /// use ember::nn::{Linear, Module, ReLU};
    /// let m: Box<dyn Module> = Box::new(Linear::new(2, 1));
    /// assert!(m.downcast_ref::<Linear>().is_some());
    /// assert!(m.downcast_ref::<ReLU>().is_none());
    /// ```
    pub fn downcast_ref<T: Module>(&self) -> Option<&T> {
        self.as_any().downcast_ref::<T>()
    }

    /// The module as its concrete type, mutably.
    pub fn downcast_mut<T: Module>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut::<T>()
    }
}

impl std::fmt::Display for dyn Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&module_repr(self))
    }
}

/// A state dict: parameter and buffer names (dotted, as PyTorch's) mapped to tensors, in
/// PyTorch's order (each module's parameters, then its buffers, then its children, depth
/// first), which is the order they were inserted in.
///
/// ```
/// use ember::nn::{BatchNorm1d, Linear, Module, Sequential};
/// let net = Sequential::new()
///     .push(Linear::new(2, 3))
///     .push(BatchNorm1d::new(3));
/// let keys: Vec<String> = net.state_dict().into_keys().collect();
/// assert_eq!(
///     keys,
///     ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
///      "1.num_batches_tracked"]
/// );
/// ```
pub type StateDict = indexmap::IndexMap<String, Tensor>;

/// What [`Module::load_state_dict_non_strict`] found missing or unexpected (PyTorch's
/// `_IncompatibleKeys` named tuple).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadStateDictResult {
    /// Keys the module has but the state dict lacks.
    pub missing_keys: Vec<String>,
    /// Keys the state dict has but the module lacks.
    pub unexpected_keys: Vec<String>,
}

/// A neural-network module (`nn.Module`): implement `forward`, derive the registry with
/// `#[derive(ember::nn::Module)]`, and get `parameters`, `named_parameters`, `zero_grad`,
/// `train`/`eval`, `state_dict`/`load_state_dict` and `to` for free.
pub trait Module: ModuleFields {
    /// The forward computation (`module(x)` in PyTorch).
    ///
    /// # Errors
    /// Whatever the computation returns (shape mismatches, …).
    fn forward(&self, x: &Tensor) -> Result<Tensor>;

    /// Panicking form of [`Module::forward`], for scripts: `let y = model.call(&x);`.
    ///
    /// # Panics
    /// If `forward` returns an error.
    #[track_caller]
    fn call(&self, x: &Tensor) -> Tensor {
        match self.forward(x) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// All parameters, this module's first, then each submodule's, recursively.
    fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// All parameters with their dotted names (`linear1.weight`).
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        collect_params(self, "", &mut out);
        out
    }

    /// All buffers with their dotted names.
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        collect_buffers(self, "", &mut out);
        out
    }

    /// The direct submodules with their names.
    fn named_children(&self) -> Vec<(String, &dyn Module)> {
        let mut out = Vec::new();
        self.visit_children(&mut |n, m| out.push((n.to_string(), m)));
        out
    }

    /// `model.zero_grad()`: clears every parameter's gradient (`set_to_none=True`).
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.set_grad(None);
        }
    }

    /// Whether the module is in training mode.
    fn is_training(&self) -> bool {
        if let Some(t) = self.own_training() {
            return t;
        }
        let mut mode = None;
        self.visit_children(&mut |_, m| {
            if mode.is_none() {
                mode = Some(m.is_training());
            }
        });
        mode.unwrap_or(true)
    }

    /// `model.train(mode)`: sets training mode here and in every submodule.
    fn train(&mut self, mode: bool) {
        self.set_own_training(mode);
        self.visit_children_mut(&mut |_, m| m.train(mode));
    }

    /// `model.eval()`.
    fn eval(&mut self) {
        self.train(false);
    }

    /// `model.state_dict()`: parameters and buffers by dotted name (detached handles).
    fn state_dict(&self) -> StateDict {
        let mut state = Vec::new();
        collect_state(self, "", &mut state);
        state.into_iter().map(|(n, t)| (n, t.detach())).collect()
    }

    /// `model.load_state_dict(sd)` (strict, PyTorch's default): copies values into the
    /// existing parameters and buffers (in place, without history). Every key of the module
    /// must be in `sd` and every key of `sd` in the module; see
    /// [`load_state_dict_non_strict`](Module::load_state_dict_non_strict) for
    /// `strict=False`. Nothing is copied when it fails.
    ///
    /// ```
    /// use ember::nn::{Linear, Module, Sequential};
    /// let src = Sequential::new().push(Linear::new(2, 3));
    /// let dst = Sequential::new().push(Linear::new(2, 3));
    /// dst.load_state_dict(&src.state_dict()).unwrap();
    /// assert_eq!(dst.parameters()[0].to_vec::<f32>(), src.parameters()[0].to_vec::<f32>());
    ///
    /// let mut sd = src.state_dict();
    /// sd.shift_remove("0.bias");
    /// sd.insert("extra".into(), ember::zeros([1]));
    /// let e = dst.load_state_dict(&sd).unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"0.bias\". \n\tUnexpected key(s) in state_dict: \"extra\". "
    /// );
    /// ```
    ///
    /// # Errors
    /// On missing or unexpected keys, or a shape mismatch — with PyTorch's message.
    fn load_state_dict(&self, sd: &StateDict) -> Result<()> {
        load_state(self, sd, true).map(|_| ())
    }

    /// `model.load_state_dict(sd, strict=False)`: copies the values of the keys the module
    /// and `sd` share, and returns the keys only one side has (PyTorch's `_IncompatibleKeys`).
    ///
    /// ```
    /// use ember::nn::{Linear, Module};
    /// let m = Linear::new(2, 1);
    /// let mut sd = ember::nn::StateDict::new();
    /// sd.insert("weight".into(), ember::tensor([[2.0, 3.0]]));
    /// sd.insert("scale".into(), ember::ones([1]));
    /// let r = m.load_state_dict_non_strict(&sd).unwrap();
    /// assert_eq!((r.missing_keys, r.unexpected_keys), (vec!["bias".into()], vec!["scale".into()]));
    /// assert_eq!(m.weight.to_vec::<f32>(), vec![2.0, 3.0]);
    /// ```
    ///
    /// # Errors
    /// On a shape mismatch, with PyTorch's message (and nothing is copied).
    fn load_state_dict_non_strict(&self, sd: &StateDict) -> Result<LoadStateDictResult> {
        load_state(self, sd, false)
    }

    /// `model.to(dtype)`: converts every floating parameter and buffer.
    ///
    /// # Errors
    /// If a conversion fails.
    fn to_dtype(&mut self, dtype: DType) -> Result<()> {
        convert(self, &|t: &Tensor| {
            if t.is_floating_point() {
                t.try_to_dtype(dtype)
            } else {
                Ok(t.clone())
            }
        })
    }

    /// `model.to(device)` / `model.cuda()`: moves every parameter and buffer.
    ///
    /// # Errors
    /// If the device is unavailable.
    fn to_device(&mut self, device: Device) -> Result<()> {
        convert(self, &|t: &Tensor| t.try_to_device(device))
    }

    /// `model.to_empty(device=…)`: replaces every parameter and buffer with an uninitialised
    /// tensor of the same shape and dtype on `device` — how a model built on the meta device
    /// is materialised (then initialise it, or load a state dict into it).
    ///
    /// ```
    /// use ember::{Device, nn::Module};
    /// let mut m = ember::device_scope(Device::Meta, || ember::nn::Linear::new(3, 4));
    /// assert_eq!(
    ///     m.weight.to_string(),
    ///     "Parameter containing:\ntensor(..., device='meta', size=(4, 3), requires_grad=True)"
    /// );
    /// m.to_empty(Device::Cpu).unwrap();
    /// assert_eq!((m.weight.device(), m.weight.shape()), (Device::Cpu, &[4, 3][..]));
    /// assert!(m.weight.requires_grad() && m.weight.is_leaf());
    /// ```
    ///
    /// # Errors
    /// If the device is unavailable.
    fn to_empty(&mut self, device: Device) -> Result<()> {
        convert(self, &|t: &Tensor| {
            crate::try_empty_with(t.shape(), (t.dtype(), device))
        })
    }
}

/// `load_state_dict`: checks every key and shape first (PyTorch's messages, in its order:
/// missing, unexpected, then size mismatches), then copies.
fn load_state<M: Module + ?Sized>(
    m: &M,
    sd: &StateDict,
    strict: bool,
) -> Result<LoadStateDictResult> {
    let mut own = Vec::new();
    collect_state(m, "", &mut own);
    let mut res = LoadStateDictResult::default();
    let mut errors = Vec::new();
    for (n, t) in &own {
        match sd.get(n) {
            None => res.missing_keys.push(n.clone()),
            Some(v) if v.shape() != t.shape() => errors.push(format!(
                "size mismatch for {n}: copying a param with shape {} from checkpoint, the shape in current model is {}.",
                crate::tensor::size_repr(v.shape()),
                crate::tensor::size_repr(t.shape())
            )),
            Some(_) => {}
        }
    }
    for k in sd.keys() {
        if !own.iter().any(|(n, _)| n == k) {
            res.unexpected_keys.push(k.clone());
        }
    }
    let quoted = |keys: &[String]| -> String {
        let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        keys.join(", ")
    };
    if strict && !res.unexpected_keys.is_empty() {
        errors.insert(
            0,
            format!(
                "Unexpected key(s) in state_dict: {}. ",
                quoted(&res.unexpected_keys)
            ),
        );
    }
    if strict && !res.missing_keys.is_empty() {
        errors.insert(
            0,
            format!(
                "Missing key(s) in state_dict: {}. ",
                quoted(&res.missing_keys)
            ),
        );
    }
    if !errors.is_empty() {
        bail!(
            Value,
            "Error(s) in loading state_dict for {}:\n\t{}",
            m.type_name(),
            errors.join("\n\t")
        );
    }
    let _g = crate::no_grad();
    for (n, t) in &own {
        if let Some(v) = sd.get(n) {
            t.try_copy_(v)?;
        }
    }
    Ok(res)
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn collect_params<M: Module + ?Sized>(m: &M, prefix: &str, out: &mut Vec<(String, Tensor)>) {
    m.visit_parameters(&mut |n, p| out.push((join(prefix, n), p.tensor().clone())));
    m.visit_children(&mut |n, c| collect_params(c, &join(prefix, n), out));
}

/// Parameters and buffers in `state_dict` order: this module's parameters, its buffers,
/// then each child's, depth first.
fn collect_state<M: Module + ?Sized>(m: &M, prefix: &str, out: &mut Vec<(String, Tensor)>) {
    m.visit_parameters(&mut |n, p| out.push((join(prefix, n), p.tensor().clone())));
    m.visit_buffers(&mut |n, b| out.push((join(prefix, n), b.tensor().clone())));
    m.visit_children(&mut |n, c| collect_state(c, &join(prefix, n), out));
}

fn collect_buffers<M: Module + ?Sized>(m: &M, prefix: &str, out: &mut Vec<(String, Tensor)>) {
    m.visit_buffers(&mut |n, b| out.push((join(prefix, n), b.tensor().clone())));
    m.visit_children(&mut |n, c| collect_buffers(c, &join(prefix, n), out));
}

fn convert<M: Module + ?Sized>(m: &mut M, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<()> {
    let mut err = None;
    m.visit_parameters_mut(&mut |_, p| {
        if err.is_some() {
            return;
        }
        match f(p.tensor()) {
            Ok(t) => {
                let rg = p.requires_grad();
                let t = t.detach();
                if rg && let Err(e) = t.try_requires_grad_(true) {
                    err = Some(e);
                }
                p.set(t);
            }
            Err(e) => err = Some(e),
        }
    });
    m.visit_buffers_mut(&mut |_, b| {
        if err.is_some() {
            return;
        }
        match f(b.tensor()) {
            Ok(t) => b.set(t),
            Err(e) => err = Some(e),
        }
    });
    m.visit_children_mut(&mut |_, c| {
        if err.is_none()
            && let Err(e) = convert(c, f)
        {
            err = Some(e);
        }
    });
    err.map_or(Ok(()), Err)
}

impl ModuleFields for Box<dyn Module> {
    fn visit_parameters<'a>(&'a self, v: &mut dyn FnMut(&str, &'a Parameter)) {
        (**self).visit_parameters(v)
    }
    fn visit_parameters_mut(&mut self, v: &mut dyn FnMut(&str, &mut Parameter)) {
        (**self).visit_parameters_mut(v)
    }
    fn visit_buffers<'a>(&'a self, v: &mut dyn FnMut(&str, &'a Buffer)) {
        (**self).visit_buffers(v)
    }
    fn visit_buffers_mut(&mut self, v: &mut dyn FnMut(&str, &mut Buffer)) {
        (**self).visit_buffers_mut(v)
    }
    fn visit_children<'a>(&'a self, v: &mut dyn FnMut(&str, &'a dyn Module)) {
        (**self).visit_children(v)
    }
    fn visit_children_mut(&mut self, v: &mut dyn FnMut(&str, &mut dyn Module)) {
        (**self).visit_children_mut(v)
    }
    fn type_name(&self) -> &'static str {
        (**self).type_name()
    }
    fn as_any(&self) -> &dyn Any {
        (**self).as_any()
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        (**self).as_any_mut()
    }
    fn own_training(&self) -> Option<bool> {
        (**self).own_training()
    }
    fn set_own_training(&mut self, mode: bool) {
        (**self).set_own_training(mode)
    }
    fn extra_repr(&self) -> String {
        (**self).extra_repr()
    }
    fn compress_repeated_children(&self) -> bool {
        (**self).compress_repeated_children()
    }
}

impl Module for Box<dyn Module> {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        (**self).forward(x)
    }
    fn train(&mut self, mode: bool) {
        (**self).train(mode)
    }
}

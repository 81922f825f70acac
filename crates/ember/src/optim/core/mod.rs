//! What the optimizers share: parameter groups, per-parameter state keyed by parameter, the
//! step loop, state dicts, and the in-place arithmetic of PyTorch's update rules.

use super::state::{OptimizerStateDict, StateValue, ValueMap};
use super::{GroupOptions, py_float};
use crate::Tensor;
use crate::error::{Result, bail};
use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

mod handle;
mod update;

pub(crate) use handle::optimizer_type;
pub(crate) use update::{add_scaled_, addcdiv_, addcmul_, lerp_, signed_grad, with_weight_decay};

/// A parameter group: the tensors it updates and their options (`optimizer.param_groups[i]`).
/// It dereferences to the options, so `group.lr` reads as PyTorch's `group["lr"]`.
#[derive(Clone, Debug)]
pub struct ParamGroup<O> {
    /// The parameters of the group.
    pub params: Vec<Tensor>,
    /// The group's options.
    pub options: O,
}

impl<O> Deref for ParamGroup<O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.options
    }
}

impl<O> DerefMut for ParamGroup<O> {
    fn deref_mut(&mut self) -> &mut O {
        &mut self.options
    }
}

/// Access to an optimizer's parameter groups (`optimizer.param_groups`), readable and
/// writable: `opt.param_groups()[0].lr = 0.01`. It holds the optimizer's lock: drop it before
/// calling `step` (which otherwise fails rather than waiting forever).
pub struct ParamGroups<'a, O>(pub(crate) MappedMutexGuard<'a, Vec<ParamGroup<O>>>);

impl<O> Deref for ParamGroups<'_, O> {
    type Target = [ParamGroup<O>];
    fn deref(&self) -> &[ParamGroup<O>] {
        &self.0
    }
}

impl<O> DerefMut for ParamGroups<'_, O> {
    fn deref_mut(&mut self) -> &mut [ParamGroup<O>] {
        &mut self.0
    }
}

/// The options of one optimizer: validation and conversion to and from a state dict.
pub(crate) trait Options:
    GroupOptions + OptionFields + Clone + Default + std::fmt::Debug + 'static
{
    /// PyTorch's constructor checks ("Invalid learning rate: -1.0").
    fn validate(&self) -> Result<()>;
}

/// An options struct as a group of a state dict; written by `state::option_fields!`.
pub(crate) trait OptionFields {
    /// The options under PyTorch's names.
    fn to_map(&self) -> ValueMap;
    /// Reads back what `to_map` wrote.
    fn load_map(&mut self, m: &ValueMap) -> Result<()>;
}

/// One parameter's state (`exp_avg`, `momentum_buffer`, …).
pub(crate) trait ParamState: Sized + Send + 'static {
    fn to_map(&self) -> ValueMap;
    fn from_map(m: &ValueMap, param: &Tensor) -> Result<Self>;
}

/// One optimizer's update rule, applied to a single parameter.
pub(crate) trait Algorithm: 'static {
    type Options: Options;
    type State: ParamState;
    /// Updates `p` in place given its gradient; `state` is `None` before the first step.
    fn update(
        o: &Self::Options,
        p: &Tensor,
        grad: &Tensor,
        state: &mut Option<Self::State>,
    ) -> Result<()>;
}

/// The data behind an optimizer handle.
pub(crate) struct Core<O, S> {
    pub(crate) defaults: O,
    pub(crate) groups: Vec<ParamGroup<O>>,
    /// State by parameter identity; the entry keeps its parameter alive so the key stays unique.
    pub(crate) state: HashMap<usize, (Tensor, S)>,
}

/// A shared optimizer: every clone of the handle sees the same groups and state.
pub(crate) type Shared<A> = Arc<Mutex<Core<<A as Algorithm>::Options, <A as Algorithm>::State>>>;

fn key(t: &Tensor) -> usize {
    Arc::as_ptr(&t.0) as usize
}

pub(crate) fn new_shared<A: Algorithm>(
    params: Vec<Tensor>,
    options: A::Options,
) -> Result<Shared<A>> {
    options.validate()?;
    if params.is_empty() {
        bail!(Value, "optimizer got an empty parameter list");
    }
    let mut core = Core {
        defaults: options.clone(),
        groups: Vec::new(),
        state: HashMap::new(),
    };
    add_group(&mut core, params, options)?;
    Ok(Arc::new(Mutex::new(core)))
}

pub(crate) fn add_group<O: Options, S>(
    core: &mut Core<O, S>,
    params: Vec<Tensor>,
    options: O,
) -> Result<()> {
    options.validate()?;
    add_group_unvalidated(core, params, options)
}

/// [`add_group`] without the options' checks: PyTorch checks only constructor arguments,
/// not the options of the groups given with them or added later.
pub(crate) fn add_group_unvalidated<O: Options, S>(
    core: &mut Core<O, S>,
    params: Vec<Tensor>,
    options: O,
) -> Result<()> {
    for p in &params {
        if !(p.is_leaf() || p.retains_grad()) {
            bail!(Value, "can't optimize a non-leaf Tensor");
        }
    }
    let present: std::collections::HashSet<usize> = core
        .groups
        .iter()
        .flat_map(|g| g.params.iter().map(key))
        .collect();
    if params.iter().any(|p| present.contains(&key(p))) {
        bail!(
            Value,
            "some parameters appear in more than one parameter group"
        );
    }
    core.groups.push(ParamGroup { params, options });
    Ok(())
}

/// `o` with the options named in `m` replaced (names `o` does not have are ignored).
pub(crate) fn overlay<O: OptionFields>(o: &mut O, m: &ValueMap) -> Result<()> {
    let mut cur = o.to_map();
    for (k, v) in m {
        if let Some(slot) = cur.get_mut(k) {
            *slot = v.clone();
        }
    }
    o.load_map(&cur)
}

/// An optimizer without groups whose defaults are PyTorch's overlaid with `defaults`
/// (not validated: see [`crate::optim::by_name`]).
pub(crate) fn from_defaults<A: Algorithm>(defaults: &ValueMap) -> Result<Shared<A>> {
    let mut o = A::Options::default();
    overlay(&mut o, defaults)?;
    Ok(Arc::new(Mutex::new(Core {
        defaults: o,
        groups: Vec::new(),
        state: HashMap::new(),
    })))
}

/// The parameter at position `index`, counting across groups as state dicts do.
fn param_at<O, S>(core: &Core<O, S>, index: usize) -> Option<&Tensor> {
    core.groups.iter().flat_map(|g| &g.params).nth(index)
}

pub(crate) fn set_group_options<O: Options, S>(
    core: &mut Core<O, S>,
    i: usize,
    m: &ValueMap,
) -> Result<()> {
    let n = core.groups.len();
    let Some(g) = core.groups.get_mut(i) else {
        bail!(
            IndexOutOfRange,
            "group index {i} out of range for {n} groups"
        );
    };
    let mut o = g.options.clone();
    overlay(&mut o, m)?;
    g.options = o;
    Ok(())
}

pub(crate) fn add_group_from_map<O: Options, S>(
    core: &mut Core<O, S>,
    params: Vec<Tensor>,
    m: &ValueMap,
) -> Result<()> {
    let mut o = core.defaults.clone();
    overlay(&mut o, m)?;
    add_group_unvalidated(core, params, o)
}

pub(crate) fn param_state<O, S: ParamState>(core: &Core<O, S>, index: usize) -> Option<ValueMap> {
    let p = param_at(core, index)?;
    core.state.get(&key(p)).map(|(_, s)| s.to_map())
}

pub(crate) fn set_param_state<O, S: ParamState>(
    core: &mut Core<O, S>,
    index: usize,
    m: Option<&ValueMap>,
) -> Result<()> {
    let Some(p) = param_at(core, index).cloned() else {
        bail!(IndexOutOfRange, "parameter index {index} out of range");
    };
    match m {
        None => {
            core.state.remove(&key(&p));
        }
        Some(m) => {
            let st = S::from_map(m, &p)?;
            core.state.insert(key(&p), (p, st));
        }
    }
    Ok(())
}

pub(crate) fn lock<A: Algorithm>(
    s: &Shared<A>,
) -> Result<MutexGuard<'_, Core<A::Options, A::State>>> {
    match s.try_lock() {
        Some(g) => Ok(g),
        None => bail!(
            Value,
            "optimizer is in use: drop the guard returned by param_groups() before calling it"
        ),
    }
}

pub(crate) fn step<A: Algorithm>(s: &Shared<A>) -> Result<()> {
    let mut core = lock::<A>(s)?;
    let core = &mut *core;
    let _no_grad = crate::no_grad();
    for g in &core.groups {
        for p in &g.params {
            let Some(grad) = p.grad() else { continue };
            let entry = core.state.remove(&key(p));
            let mut st = entry.map(|(_, s)| s);
            let r = A::update(&g.options, p, &grad, &mut st);
            if let Some(st) = st {
                core.state.insert(key(p), (p.clone(), st));
            }
            r?;
        }
    }
    Ok(())
}

pub(crate) fn zero_grad<O, S>(core: &Core<O, S>, set_to_none: bool) {
    for p in core.groups.iter().flat_map(|g| &g.params) {
        let Some(g) = p.grad() else { continue };
        if set_to_none {
            p.set_grad(None);
        } else {
            // As PyTorch: a gradient with history (create_graph) is cut from it first.
            let g = if g.grad_fn().is_some() {
                let d = g.detach();
                p.set_grad(Some(d.clone()));
                d
            } else {
                g
            };
            let _ = g.try_requires_grad_(false);
            let _no_grad = crate::no_grad();
            let _ = g.try_zero_();
        }
    }
}

pub(crate) fn state_dict<O: Options, S: ParamState>(core: &Core<O, S>) -> OptimizerStateDict {
    let mut sd = OptimizerStateDict::default();
    let mut id = 0;
    for g in &core.groups {
        let mut m = g.options.to_map();
        let mut ids = Vec::with_capacity(g.params.len());
        for p in &g.params {
            if let Some((_, st)) = core.state.get(&key(p)) {
                sd.state.insert(id, st.to_map());
            }
            ids.push(id);
            id += 1;
        }
        m.insert("params".into(), StateValue::Params(ids));
        sd.param_groups.push(m);
    }
    sd
}

pub(crate) fn load_state_dict<O: Options, S: ParamState>(
    core: &mut Core<O, S>,
    sd: &OptimizerStateDict,
) -> Result<()> {
    if core.groups.len() != sd.param_groups.len() {
        bail!(
            Value,
            "loaded state dict has a different number of parameter groups"
        );
    }
    let mut saved_ids = Vec::with_capacity(sd.param_groups.len());
    for (g, m) in core.groups.iter().zip(&sd.param_groups) {
        let ids = match m.get("params") {
            Some(StateValue::Params(ids)) => ids.clone(),
            _ => bail!(Value, "state dict is missing key 'params'"),
        };
        if ids.len() != g.params.len() {
            bail!(
                Value,
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            );
        }
        saved_ids.push(ids);
    }
    // Build everything first so a failure leaves the optimizer unchanged.
    let mut options = Vec::with_capacity(core.groups.len());
    let mut state = HashMap::new();
    for ((g, m), ids) in core.groups.iter().zip(&sd.param_groups).zip(&saved_ids) {
        let mut o = g.options.clone();
        o.load_map(m)?;
        o.validate()?;
        options.push(o);
        for (p, id) in g.params.iter().zip(ids) {
            if let Some(sm) = sd.state.get(id) {
                state.insert(key(p), (p.clone(), S::from_map(sm, p)?));
            }
        }
    }
    for (g, o) in core.groups.iter_mut().zip(options) {
        g.options = o;
    }
    core.state = state;
    Ok(())
}

/// Checks PyTorch's `not 0.0 <= x` (NaN fails too) and words the error as PyTorch does.
pub(crate) fn check_nonneg(x: f64, what: &str) -> Result<()> {
    if x.is_nan() || x < 0.0 {
        bail!(Value, "Invalid {what}: {}", py_float(x));
    }
    Ok(())
}

/// PyTorch's beta check: `not 0.0 <= beta < 1.0`.
pub(crate) fn check_beta(b: f64, index: usize) -> Result<()> {
    if !(0.0..1.0).contains(&b) {
        bail!(
            Value,
            "Invalid beta parameter at index {index}: {}",
            py_float(b)
        );
    }
    Ok(())
}

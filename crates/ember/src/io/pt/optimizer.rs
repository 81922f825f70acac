//! An optimizer's state dict as an [`Object`] in PyTorch's layout:
//! `{"state": {0: {"step": tensor(3.), "exp_avg": …}}, "param_groups": [{"lr": …,
//! "betas": (0.9, 0.999), …, "params": [0, 1]}]}`.

use super::Object;
use crate::error::{Error, Result, bail};
use crate::optim::{OptimizerStateDict, StateValue, ValueMap};

fn value_to_object(v: &StateValue) -> Object {
    match v {
        StateValue::Float(x) => Object::Float(*x),
        StateValue::Bool(b) => Object::Bool(*b),
        StateValue::Pair(a, b) => Object::Tuple(vec![Object::Float(*a), Object::Float(*b)]),
        StateValue::Tensor(t) => Object::Tensor(t.clone()),
        StateValue::Params(ids) => {
            Object::List(ids.iter().map(|&i| Object::Int(i as i64)).collect())
        }
    }
}

fn map_to_object(m: &ValueMap) -> Object {
    // `params` last, where PyTorch's groups have it.
    let mut items: Vec<(Object, Object)> = m
        .iter()
        .filter(|(k, _)| *k != "params")
        .map(|(k, v)| (Object::Str(k.clone()), value_to_object(v)))
        .collect();
    if let Some(p) = m.get("params") {
        items.push((Object::Str("params".into()), value_to_object(p)));
    }
    Object::Dict(items)
}

/// `optimizer.state_dict()` as PyTorch saves it: plain dicts, integer parameter ids.
impl From<&OptimizerStateDict> for Object {
    fn from(sd: &OptimizerStateDict) -> Object {
        let state = sd
            .state
            .iter()
            .map(|(&id, m)| (Object::Int(id as i64), map_to_object(m)))
            .collect();
        let groups = sd.param_groups.iter().map(map_to_object).collect();
        Object::dict([
            ("state", Object::Dict(state)),
            ("param_groups", Object::List(groups)),
        ])
    }
}

fn param_id(o: &Object, what: &str) -> Result<usize> {
    match o {
        Object::Int(i) if *i >= 0 => Ok(*i as usize),
        o => bail!(
            Value,
            "optimizer state dict: {what} must be a non-negative int, got {}",
            if let Object::Int(i) = o {
                i.to_string()
            } else {
                o.type_name().to_string()
            }
        ),
    }
}

/// One value of a state or group dict; `None` for the options that have no ember form
/// (`foreach: None`, `fused: None`, `param_names`), which no ember optimizer reads.
fn object_to_value(k: &str, v: &Object) -> Result<Option<StateValue>> {
    Ok(Some(match v {
        Object::Float(x) => StateValue::Float(*x),
        Object::Int(i) => StateValue::Float(*i as f64),
        Object::Bool(b) => StateValue::Bool(*b),
        Object::Tensor(t) | Object::Parameter(t) => StateValue::Tensor(t.clone()),
        Object::List(items) if k == "params" => StateValue::Params(
            items
                .iter()
                .map(|o| param_id(o, "a parameter id"))
                .collect::<Result<_>>()?,
        ),
        Object::Tuple(items) | Object::List(items)
            if items.len() == 2 && items.iter().all(|o| o.try_float().is_ok()) =>
        {
            StateValue::Pair(items[0].try_float()?, items[1].try_float()?)
        }
        Object::None | Object::Str(_) | Object::List(_) | Object::Tuple(_) => return Ok(None),
        o => bail!(
            Value,
            "optimizer state dict: '{k}' is a {}, which no optimizer option or state is",
            o.type_name()
        ),
    }))
}

fn object_to_map(o: &Object, what: &str) -> Result<ValueMap> {
    let items = o.try_items().map_err(|_| {
        Error::Value(format!(
            "optimizer state dict: {what} must be a dict, got {}",
            o.type_name()
        ))
    })?;
    let mut m = ValueMap::new();
    for (k, v) in items {
        let Object::Str(k) = k else {
            bail!(
                Value,
                "optimizer state dict: the keys of {what} must be strings, got {}",
                k.type_name()
            );
        };
        if let Some(v) = object_to_value(k, v)? {
            m.insert(k.clone(), v);
        }
    }
    Ok(m)
}

impl Object {
    /// This dict as an optimizer state dict (for [`crate::optim::Optimizer::load_state_dict`]),
    /// read from PyTorch's layout. Integers become floats (PyTorch saves `weight_decay: 0`),
    /// two-number tuples pairs (`betas`), and options ember has no form for (`foreach:
    /// None`, `param_names`) are dropped.
    ///
    /// ```
    /// use ember::optim::{Optimizer, SGD, SgdOptions};
    /// let w = ember::ones([2]).requires_grad_(true);
    /// let opt = SGD::with(vec![w.clone()], SgdOptions { lr: 0.1, momentum: 0.9, ..Default::default() });
    /// let saved = ember::io::Object::from(&opt.state_dict());
    /// let mut fresh = SGD::new(vec![w], 0.5);
    /// fresh.load_state_dict(&saved.into_optimizer_state_dict().unwrap()).unwrap();
    /// let lr = &fresh.state_dict().param_groups[0]["lr"];
    /// assert!(matches!(lr, ember::optim::StateValue::Float(x) if *x == 0.1));
    /// ```
    ///
    /// # Errors
    /// If the layout is not PyTorch's: no `state`/`param_groups`, non-integer parameter ids,
    /// or values that are neither numbers, flags, pairs nor tensors.
    pub fn into_optimizer_state_dict(self) -> Result<OptimizerStateDict> {
        let state = self.try_get("state")?;
        let groups = self.try_get("param_groups")?;
        let mut sd = OptimizerStateDict::default();
        let state_items = state.try_items().map_err(|_| {
            Error::Value(format!(
                "optimizer state dict: 'state' must be a dict, got {}",
                state.type_name()
            ))
        })?;
        for (k, v) in state_items {
            let id = param_id(k, "a key of 'state'")?;
            sd.state.insert(
                id,
                object_to_map(v, &format!("the state of parameter {id}"))?,
            );
        }
        let group_items = groups.try_list().map_err(|_| {
            Error::Value(format!(
                "optimizer state dict: 'param_groups' must be a list, got {}",
                groups.type_name()
            ))
        })?;
        for (i, g) in group_items.iter().enumerate() {
            sd.param_groups
                .push(object_to_map(g, &format!("param group {i}"))?);
        }
        Ok(sd)
    }
}

impl Object {
    /// [`Object::into_optimizer_state_dict`] of a borrowed value, for the optimizer's entry
    /// of a checkpoint (tensors are shared handles, not copied).
    ///
    /// ```
    /// use ember::optim::{Adam, Optimizer};
    /// let w = ember::ones([2]).requires_grad_(true);
    /// let mut opt = Adam::new(vec![w], 1e-3);
    /// let ckpt = ember::io::Object::dict([("optimizer", (&opt.state_dict()).into())]);
    /// opt.load_state_dict(&ckpt.try_get("optimizer").unwrap().to_optimizer_state_dict().unwrap())
    ///     .unwrap();
    /// ```
    ///
    /// # Errors
    /// As [`Object::into_optimizer_state_dict`].
    pub fn to_optimizer_state_dict(&self) -> Result<OptimizerStateDict> {
        self.clone().into_optimizer_state_dict()
    }
}

impl TryFrom<Object> for OptimizerStateDict {
    type Error = Error;
    fn try_from(o: Object) -> Result<OptimizerStateDict> {
        o.into_optimizer_state_dict()
    }
}

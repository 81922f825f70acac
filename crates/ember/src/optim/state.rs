//! An optimizer's saved state, shaped as PyTorch's `{"state": …, "param_groups": […]}`.

use crate::error::{Result, bail};
use crate::{DType, Tensor};
use std::collections::BTreeMap;

/// One value of an optimizer state dict: a hyper-parameter or a state tensor.
#[derive(Clone, Debug)]
pub enum StateValue {
    /// A float option (`lr`) or scalar state (`mu_product` when saved as a number).
    Float(f64),
    /// A flag (`nesterov`, `amsgrad`).
    Bool(bool),
    /// A pair (`betas`).
    Pair(f64, f64),
    /// A tensor (`exp_avg`, `momentum_buffer`, and `step` as PyTorch saves it).
    Tensor(Tensor),
    /// The parameter ids of a group (`params`).
    Params(Vec<usize>),
}

/// `optimizer.state_dict()`: `state` maps a parameter's position (counting across groups, as
/// PyTorch numbers them) to its named state; `param_groups` holds each group's options and
/// its `params` ids.
#[derive(Clone, Debug, Default)]
pub struct OptimizerStateDict {
    /// Per-parameter state by parameter id.
    pub state: BTreeMap<usize, BTreeMap<String, StateValue>>,
    /// Each group's options by PyTorch's names, plus `params`.
    pub param_groups: Vec<BTreeMap<String, StateValue>>,
}

/// A named map of state values: one parameter's state (`{"step": …, "exp_avg": …}`) or one
/// group's options under PyTorch's names (`{"lr": Float(0.1), "betas": Pair(0.9, 0.999)}`).
pub type ValueMap = BTreeMap<String, StateValue>;

/// Reads typed values out of a [`ValueMap`], with errors naming the key.
pub(crate) struct Reader<'a>(pub &'a ValueMap);

impl Reader<'_> {
    fn get(&self, k: &str) -> Result<&StateValue> {
        match self.0.get(k) {
            Some(v) => Ok(v),
            None => bail!(Value, "state dict is missing key '{k}'"),
        }
    }

    pub fn f64(&self, k: &str) -> Result<f64> {
        match self.get(k)? {
            StateValue::Float(x) => Ok(*x),
            StateValue::Tensor(t) if t.numel() == 1 => t.try_item::<f64>(),
            v => bail!(Value, "state dict key '{k}': expected a number, got {v:?}"),
        }
    }

    pub fn bool(&self, k: &str) -> Result<bool> {
        match self.get(k)? {
            StateValue::Bool(b) => Ok(*b),
            v => bail!(Value, "state dict key '{k}': expected a bool, got {v:?}"),
        }
    }

    pub fn pair(&self, k: &str) -> Result<(f64, f64)> {
        match self.get(k)? {
            StateValue::Pair(a, b) => Ok((*a, *b)),
            v => bail!(Value, "state dict key '{k}': expected a pair, got {v:?}"),
        }
    }

    /// A state tensor, copied and cast to `like`'s dtype and device (PyTorch casts state to
    /// its parameter's dtype when loading). The copy keeps the optimizer from writing into the
    /// tensors of a dict the caller still holds.
    pub fn tensor(&self, k: &str, like: &Tensor) -> Result<Tensor> {
        match self.get(k)? {
            StateValue::Tensor(t) => {
                if t.shape() != like.shape() {
                    bail!(
                        Value,
                        "state dict key '{k}': shape {:?} does not match the parameter's {:?}",
                        t.shape(),
                        like.shape()
                    );
                }
                let c = t.detach().try_to_dtype(like.dtype())?;
                let c = c.try_to_device(like.device())?;
                if c.shares_storage(t) {
                    c.try_clone_tensor()
                } else {
                    Ok(c)
                }
            }
            v => bail!(Value, "state dict key '{k}': expected a tensor, got {v:?}"),
        }
    }

    /// An optional state tensor (present only for some options, like `max_exp_avg_sq`).
    pub fn opt_tensor(&self, k: &str, like: &Tensor) -> Result<Option<Tensor>> {
        if self.0.contains_key(k) {
            self.tensor(k, like).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The dtype PyTorch keeps scalar state in (`step`, `mu_product`): `_get_scalar_dtype()`.
pub(crate) fn scalar_dtype() -> DType {
    if crate::get_default_dtype() == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

/// A scalar state value as PyTorch saves it: a 0-dim tensor of the scalar dtype.
pub(crate) fn scalar_state(x: f64) -> StateValue {
    StateValue::Tensor(crate::scalar_tensor(x).to_dtype(scalar_dtype()))
}

/// A hyper-parameter type as a state dict stores it (`lr` a float, `betas` a pair, flags).
pub(crate) trait OptionValue: Sized {
    fn to_value(&self) -> StateValue;
    fn read(r: &Reader<'_>, k: &str) -> Result<Self>;
}

impl OptionValue for f64 {
    fn to_value(&self) -> StateValue {
        StateValue::Float(*self)
    }
    fn read(r: &Reader<'_>, k: &str) -> Result<Self> {
        r.f64(k)
    }
}

impl OptionValue for bool {
    fn to_value(&self) -> StateValue {
        StateValue::Bool(*self)
    }
    fn read(r: &Reader<'_>, k: &str) -> Result<Self> {
        r.bool(k)
    }
}

impl OptionValue for (f64, f64) {
    fn to_value(&self) -> StateValue {
        StateValue::Pair(self.0, self.1)
    }
    fn read(r: &Reader<'_>, k: &str) -> Result<Self> {
        r.pair(k)
    }
}

/// Implements `to_map`/`load_map` of [`super::core::OptionFields`] for an options struct:
/// each listed field is saved under its own name, which is PyTorch's name for the option.
macro_rules! option_fields {
    ($t:ty { $($field:ident),* $(,)? }) => {
        impl $crate::optim::core::OptionFields for $t {
            fn to_map(&self) -> $crate::optim::state::ValueMap {
                use $crate::optim::state::OptionValue;
                [$((stringify!($field).to_string(), self.$field.to_value())),*]
                    .into_iter()
                    .collect()
            }

            fn load_map(
                &mut self,
                m: &$crate::optim::state::ValueMap,
            ) -> $crate::error::Result<()> {
                use $crate::optim::state::OptionValue;
                let r = $crate::optim::state::Reader(m);
                $(self.$field = OptionValue::read(&r, stringify!($field))?;)*
                Ok(())
            }
        }
    };
}
pub(crate) use option_fields;

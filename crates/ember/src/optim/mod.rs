//! Optimizers (`torch.optim`): [`SGD`], [`Adam`], [`AdamW`], [`RMSprop`], [`Adagrad`],
//! [`Adamax`], [`NAdam`], [`Adadelta`], and learning-rate schedulers in [`lr_scheduler`].
//!
//! Each optimizer follows PyTorch's single-tensor (`foreach=False`) algorithm operation by
//! operation, so trajectories match PyTorch's to rounding. An optimizer is a handle, like a
//! [`Tensor`]: cloning it gives another handle to the same optimizer, which is how a scheduler
//! can change the learning rate of the optimizer the training loop steps.
//!
//! ```
//! use ember::optim::{self, Optimizer};
//!
//! let w = ember::tensor([1.0, -2.0]).requires_grad_(true);
//! let mut opt = optim::SGD::new(vec![w.clone()], 0.1);
//! for _ in 0..2 {
//!     opt.zero_grad();
//!     let loss = (&w * &w).sum();
//!     loss.backward();
//!     opt.step().unwrap();
//! }
//! // w <- w - 0.1 * 2w, twice: w * 0.8^2
//! assert_eq!(w.to_vec::<f32>(), vec![0.64, -1.28]);
//! ```

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod core;
pub mod lr_scheduler;
mod nadam;
mod options;
mod rmsprop;
mod sgd;
mod state;

pub use adadelta::{Adadelta, AdadeltaOptions};
pub use adagrad::{Adagrad, AdagradOptions};
pub use adam::{Adam, AdamOptions, AdamW, AdamWOptions};
pub use adamax::{Adamax, AdamaxOptions};
pub use core::{ParamGroup, ParamGroups};
pub use nadam::{NAdam, NAdamOptions};
pub use rmsprop::{RMSprop, RMSpropOptions};
pub use sgd::{SGD, SgdOptions};
pub use state::{OptimizerStateDict, StateValue, ValueMap};

use crate::error::bail;
use crate::{Result, Tensor};

/// The per-group hyper-parameters every scheduler may read and write, whatever the optimizer.
///
/// `momentum` and `betas` are `None` for optimizers that have no such option (PyTorch's
/// `"momentum" in optimizer.defaults`); [`lr_scheduler::OneCycleLR`] cycles whichever exists.
pub trait GroupOptions: Send + Sync {
    /// The learning rate (`group["lr"]`).
    fn lr(&self) -> f64;
    /// Sets the learning rate.
    fn set_lr(&mut self, lr: f64);
    /// The momentum, for optimizers that have one (SGD, RMSprop).
    fn momentum(&self) -> Option<f64> {
        None
    }
    /// Sets the momentum; ignored by optimizers without one.
    fn set_momentum(&mut self, _momentum: f64) {}
    /// The betas, for Adam-like optimizers.
    fn betas(&self) -> Option<(f64, f64)> {
        None
    }
    /// Sets the betas; ignored by optimizers without them.
    fn set_betas(&mut self, _betas: (f64, f64)) {}
}

/// What every optimizer offers (PyTorch's `torch.optim.Optimizer`).
pub trait Optimizer: Send + Sync {
    /// `optimizer.step()`: updates every parameter that has a gradient, in place and without
    /// recording history. Parameters whose `.grad` is `None` are skipped.
    ///
    /// # Errors
    /// If a gradient does not fit its parameter (shape, dtype or device), or if a
    /// [`ParamGroups`] guard of this optimizer is still alive.
    fn step(&mut self) -> Result<()>;

    /// `optimizer.zero_grad()`: sets every parameter's gradient to `None` (PyTorch's default,
    /// `set_to_none=True`), so `p.grad()` is `None` until the next `backward`.
    ///
    /// ```
    /// use ember::optim::{Optimizer, SGD};
    /// let w = ember::tensor([1.0]).requires_grad_(true);
    /// let mut opt = SGD::new(vec![w.clone()], 0.1);
    /// (&w * 2.0).sum().backward();
    /// opt.zero_grad();
    /// assert!(w.grad().is_none());
    /// ```
    fn zero_grad(&mut self);

    /// `optimizer.zero_grad(set_to_none=False)`: fills every existing gradient with zeros in
    /// place (cutting it from any graph first), keeping the tensors.
    ///
    /// ```
    /// use ember::optim::{Optimizer, SGD};
    /// let w = ember::tensor([1.0]).requires_grad_(true);
    /// let mut opt = SGD::new(vec![w.clone()], 0.1);
    /// (&w * 2.0).sum().backward();
    /// opt.zero_grad_to_zeros();
    /// assert_eq!(w.grad().unwrap().to_vec::<f32>(), vec![0.0]);
    /// ```
    fn zero_grad_to_zeros(&mut self);

    /// The number of parameter groups.
    fn num_param_groups(&self) -> usize;

    /// Calls `f` with each group's index and its options, which `f` may change.
    fn visit_group_options(&self, f: &mut dyn FnMut(usize, &mut dyn GroupOptions));

    /// Every parameter, group after group.
    fn params(&self) -> Vec<Tensor>;

    /// `optimizer.add_param_group({"params": params})`: a new group with the optimizer's
    /// default options (each optimizer also has a typed `add_param_group_with`).
    ///
    /// # Errors
    /// As PyTorch: a parameter that is not a leaf, or that is already in a group.
    fn add_param_group(&mut self, params: Vec<Tensor>) -> Result<()>;

    /// `optimizer.state_dict()`: the per-parameter state (keyed by the parameter's position
    /// across groups) and each group's options.
    fn state_dict(&self) -> OptimizerStateDict;

    /// `optimizer.load_state_dict(sd)`: restores options and state saved by `state_dict`.
    ///
    /// # Errors
    /// PyTorch's errors when the groups do not match, or when a value has the wrong kind.
    fn load_state_dict(&mut self, state_dict: &OptimizerStateDict) -> Result<()>;

    /// Another handle to this same optimizer (what a scheduler keeps).
    fn handle(&self) -> Box<dyn Optimizer>;

    /// The options new groups get (`optimizer.defaults`), under PyTorch's names.
    fn default_options(&self) -> ValueMap;

    /// Group `i`'s options under PyTorch's names (`optimizer.param_groups[i]` without
    /// `params`), or `None` when there is no group `i`.
    fn group_options(&self, i: usize) -> Option<ValueMap>;

    /// `group[k] = v` for each entry of `options`: the options named there replace group
    /// `i`'s, the others keep their values, and names this optimizer does not have are
    /// ignored. As in PyTorch the values are not validated (only their kinds are).
    ///
    /// # Errors
    /// No group `i`, a value of the wrong kind, or a [`ParamGroups`] guard still alive.
    fn set_group_options(&self, i: usize, options: &ValueMap) -> Result<()>;

    /// `optimizer.add_param_group({"params": params, **options})` with options by PyTorch's
    /// names: missing ones take the optimizer's defaults, unknown ones are ignored, and the
    /// values are not validated (PyTorch validates only constructor arguments).
    ///
    /// # Errors
    /// A value of the wrong kind, a non-leaf parameter, or one already in a group.
    fn add_param_group_options(&mut self, params: Vec<Tensor>, options: &ValueMap) -> Result<()>;

    /// The state of the parameter at position `index` (counting across groups, as state
    /// dicts do; tensors share memory with the optimizer's), or `None` before its first step.
    fn param_state(&self, index: usize) -> Option<ValueMap>;

    /// Replaces (`Some`) or clears (`None`) the state of the parameter at `index`. Tensors are
    /// copied, cast to the parameter's dtype and device, as `load_state_dict` does.
    ///
    /// # Errors
    /// No parameter `index`, a missing or ill-kinded state entry.
    fn set_param_state(&mut self, index: usize, state: Option<&ValueMap>) -> Result<()>;

    /// Each group's learning rate.
    fn lrs(&self) -> Vec<f64> {
        let mut out = Vec::new();
        self.visit_group_options(&mut |_, g| out.push(g.lr()));
        out
    }

    /// Sets each group's learning rate (`lrs[i]` for group `i`; extra values are ignored).
    fn set_lrs(&self, lrs: &[f64]) {
        self.visit_group_options(&mut |i, g| {
            if let Some(&lr) = lrs.get(i) {
                g.set_lr(lr);
            }
        });
    }
}

/// The optimizer PyTorch calls `name` (`"SGD"`, `"Adam"`, `"AdamW"`, `"RMSprop"`,
/// `"Adagrad"`, `"Adamax"`, `"NAdam"`, `"Adadelta"`), with no groups yet and the defaults
/// `defaults` by PyTorch's names (missing options at PyTorch's defaults, unknown names
/// ignored). Groups are added with [`Optimizer::add_param_group_options`].
///
/// This is the constructor for front ends that hold options as PyTorch's Python API does
/// (a dict per group): unlike the typed constructors it does not validate the options, as
/// those front ends make PyTorch's own checks with PyTorch's messages.
///
/// ```
/// use ember::optim::{self, Optimizer, StateValue, ValueMap};
///
/// let p = ember::tensor([1.0]).requires_grad_(true);
/// let defaults = ValueMap::from([("lr".to_string(), StateValue::Float(0.5))]);
/// let mut opt = optim::by_name("SGD", &defaults).unwrap();
/// opt.add_param_group_options(vec![p.clone()], &ValueMap::new()).unwrap();
/// let momentum = ValueMap::from([("momentum".to_string(), StateValue::Float(0.9))]);
/// opt.set_group_options(0, &momentum).unwrap();
/// assert!(matches!(opt.group_options(0).unwrap()["momentum"], StateValue::Float(m) if m == 0.9));
/// p.set_grad(Some(ember::tensor([1.0])));
/// opt.step().unwrap();
/// assert_eq!(p.to_vec::<f32>(), vec![0.5]);
/// assert!(opt.param_state(0).unwrap().contains_key("momentum_buffer"));
/// opt.set_param_state(0, None).unwrap();
/// assert!(opt.param_state(0).is_none());
/// assert!(optim::by_name("LBFGS", &ValueMap::new()).is_err());
/// ```
///
/// # Errors
/// An unknown name, or a default of the wrong kind.
pub fn by_name(name: &str, defaults: &ValueMap) -> Result<Box<dyn Optimizer>> {
    Ok(match name {
        "SGD" => Box::new(SGD::from_defaults_map(defaults)?),
        "Adam" => Box::new(Adam::from_defaults_map(defaults)?),
        "AdamW" => Box::new(AdamW::from_defaults_map(defaults)?),
        "RMSprop" => Box::new(RMSprop::from_defaults_map(defaults)?),
        "Adagrad" => Box::new(Adagrad::from_defaults_map(defaults)?),
        "Adamax" => Box::new(Adamax::from_defaults_map(defaults)?),
        "NAdam" => Box::new(NAdam::from_defaults_map(defaults)?),
        "Adadelta" => Box::new(Adadelta::from_defaults_map(defaults)?),
        _ => bail!(Value, "ember has no optimizer named '{name}'"),
    })
}

pub(crate) use crate::scalar::py_float;

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float(-1.0), "-1.0");
        assert_eq!(py_float(0.1), "0.1");
        assert_eq!(py_float(1e-5), "1e-05");
        assert_eq!(py_float(-2.5e20), "-2.5e+20");
        assert_eq!(py_float(0.0001), "0.0001");
    }
}

//! The optimizer handle types: [`optimizer_type!`] writes each one over its
//! [`Algorithm`](super::Algorithm).

/// Defines an optimizer handle type over an [`Algorithm`](super::Algorithm): constructors,
/// `param_groups`, `add_param_group_with`, and the [`Optimizer`](crate::optim::Optimizer)
/// impl.
macro_rules! optimizer_type {
    ($(#[$doc:meta])* $name:ident, $algo:ty, $opts:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(crate::optim::core::Shared<$algo>);

        impl $name {
            #[doc = concat!("`", stringify!($name), "(params, lr=lr)` with the other options at PyTorch's defaults.")]
            ///
            /// # Panics
            /// As the `try_` form's errors.
            #[track_caller]
            pub fn new(params: Vec<crate::Tensor>, lr: f64) -> $name {
                Self::with(params, $opts { lr, ..Default::default() })
            }

            #[doc = concat!("Fallible form of [`", stringify!($name), "::new`].")]
            ///
            /// # Errors
            /// PyTorch's: an invalid learning rate, an empty parameter list.
            pub fn try_new(params: Vec<crate::Tensor>, lr: f64) -> crate::Result<$name> {
                Self::try_with(params, $opts { lr, ..Default::default() })
            }

            #[doc = concat!("`", stringify!($name), "(params, **options)`.")]
            ///
            /// # Panics
            /// As the `try_` form's errors.
            #[track_caller]
            pub fn with(params: Vec<crate::Tensor>, options: $opts) -> $name {
                match Self::try_with(params, options) {
                    Ok(o) => o,
                    Err(e) => panic!("{e}"),
                }
            }

            #[doc = concat!("Fallible form of [`", stringify!($name), "::with`].")]
            ///
            /// # Errors
            /// PyTorch's checks of the options (\"Invalid learning rate: -1.0\"), an empty
            /// parameter list, a parameter that is not a leaf.
            pub fn try_with(params: Vec<crate::Tensor>, options: $opts) -> crate::Result<$name> {
                crate::optim::core::new_shared::<$algo>(params, options).map($name)
            }

            /// The parameter groups, readable and writable (`opt.param_groups()[0].lr = 0.1`).
            /// Drop the returned guard before stepping.
            pub fn param_groups(&self) -> crate::optim::ParamGroups<'_, $opts> {
                crate::optim::ParamGroups(parking_lot::MutexGuard::map(self.0.lock(), |c| {
                    &mut c.groups
                }))
            }

            /// The options new groups get by default (`optimizer.defaults`).
            pub fn defaults(&self) -> $opts {
                self.0.lock().defaults.clone()
            }

            /// An optimizer without groups, defaults from PyTorch-named options (see
            /// [`crate::optim::by_name`]).
            pub(crate) fn from_defaults_map(
                defaults: &crate::optim::ValueMap,
            ) -> crate::Result<$name> {
                crate::optim::core::from_defaults::<$algo>(defaults).map($name)
            }

            /// `add_param_group({"params": params, **options})`.
            ///
            /// # Errors
            /// Invalid options, a non-leaf parameter, or one already in a group.
            pub fn add_param_group_with(
                &mut self,
                params: Vec<crate::Tensor>,
                options: $opts,
            ) -> crate::Result<()> {
                let mut core = crate::optim::core::lock::<$algo>(&self.0)?;
                crate::optim::core::add_group(&mut core, params, options)
            }
        }

        impl crate::optim::Optimizer for $name {
            fn step(&mut self) -> crate::Result<()> {
                crate::optim::core::step::<$algo>(&self.0)
            }

            fn zero_grad(&mut self) {
                crate::optim::core::zero_grad(&self.0.lock(), true)
            }

            fn zero_grad_to_zeros(&mut self) {
                crate::optim::core::zero_grad(&self.0.lock(), false)
            }

            fn num_param_groups(&self) -> usize {
                self.0.lock().groups.len()
            }

            fn visit_group_options(
                &self,
                f: &mut dyn FnMut(usize, &mut dyn crate::optim::GroupOptions),
            ) {
                for (i, g) in self.0.lock().groups.iter_mut().enumerate() {
                    f(i, &mut g.options);
                }
            }

            fn params(&self) -> Vec<crate::Tensor> {
                self.0
                    .lock()
                    .groups
                    .iter()
                    .flat_map(|g| g.params.iter().cloned())
                    .collect()
            }

            fn add_param_group(&mut self, params: Vec<crate::Tensor>) -> crate::Result<()> {
                let defaults = self.defaults();
                self.add_param_group_with(params, defaults)
            }

            fn state_dict(&self) -> crate::optim::OptimizerStateDict {
                crate::optim::core::state_dict(&self.0.lock())
            }

            fn load_state_dict(
                &mut self,
                sd: &crate::optim::OptimizerStateDict,
            ) -> crate::Result<()> {
                let mut core = crate::optim::core::lock::<$algo>(&self.0)?;
                crate::optim::core::load_state_dict(&mut core, sd)
            }

            fn handle(&self) -> Box<dyn crate::optim::Optimizer> {
                Box::new(self.clone())
            }

            fn default_options(&self) -> crate::optim::ValueMap {
                crate::optim::core::OptionFields::to_map(&self.0.lock().defaults)
            }

            fn group_options(&self, i: usize) -> Option<crate::optim::ValueMap> {
                self.0
                    .lock()
                    .groups
                    .get(i)
                    .map(|g| crate::optim::core::OptionFields::to_map(&g.options))
            }

            fn set_group_options(
                &self,
                i: usize,
                options: &crate::optim::ValueMap,
            ) -> crate::Result<()> {
                let mut core = crate::optim::core::lock::<$algo>(&self.0)?;
                crate::optim::core::set_group_options(&mut core, i, options)
            }

            fn add_param_group_options(
                &mut self,
                params: Vec<crate::Tensor>,
                options: &crate::optim::ValueMap,
            ) -> crate::Result<()> {
                let mut core = crate::optim::core::lock::<$algo>(&self.0)?;
                crate::optim::core::add_group_from_map(&mut core, params, options)
            }

            fn param_state(&self, index: usize) -> Option<crate::optim::ValueMap> {
                crate::optim::core::param_state(&self.0.lock(), index)
            }

            fn set_param_state(
                &mut self,
                index: usize,
                state: Option<&crate::optim::ValueMap>,
            ) -> crate::Result<()> {
                let mut core = crate::optim::core::lock::<$algo>(&self.0)?;
                crate::optim::core::set_param_state(&mut core, index, state)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let core = self.0.lock();
                write!(f, "{} (", stringify!($name))?;
                for (i, g) in core.groups.iter().enumerate() {
                    write!(f, "\nParameter Group {i}\n    {:?}", g.options)?;
                }
                write!(f, "\n)")
            }
        }
    };
}

pub(crate) use optimizer_type;

//! One macro for the optimizers' option structs: the struct with PyTorch's defaults, the
//! scheduler-facing [`GroupOptions`](super::GroupOptions), PyTorch's constructor checks and
//! the state-dict conversion, from one declaration per optimizer.

/// Declares an optimizer's options struct.
///
/// ```ignore
/// optimizer_options! {
///     /// docs…
///     pub struct SgdOptions {
///         /// Learning rate (default 1e-3).
///         lr: f64 = 1e-3,
///         …
///     }
///     group: [momentum];                 // extra GroupOptions: `momentum` and/or `betas`
///     checks: [nonneg(lr, "learning rate"), …];   // PyTorch's order
///     also: |o| { … };                   // optional: checks that read several fields
///     state_dict: fields;                // or `custom` to implement OptionFields by hand
/// }
/// ```
///
/// Checks are the functions of [`checks`]: `nonneg(field, what)` ("Invalid {what}: -1.0"),
/// `betas(field)` (each in `[0, 1)`), `unit(field, what)` (in `[0, 1]`).
macro_rules! optimizer_options {
    (
        $(#[$doc:meta])*
        pub struct $name:ident {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr ),* $(,)?
        }
        group: [$($extra:ident),*];
        checks: [$($check:ident($cf:ident $(, $carg:expr)*)),* $(,)?];
        $(also: |$o:ident| $more:block;)?
        state_dict: $state:ident;
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::optim::GroupOptions for $name {
            fn lr(&self) -> f64 {
                self.lr
            }
            fn set_lr(&mut self, lr: f64) {
                self.lr = lr;
            }
            $( $crate::optim::options::optimizer_options!(@group $extra); )*
        }

        impl $crate::optim::core::Options for $name {
            fn validate(&self) -> $crate::Result<()> {
                $( $crate::optim::options::checks::$check(self.$cf $(, $carg)*)?; )*
                $( let $o = self; $more )?
                Ok(())
            }
        }

        $crate::optim::options::optimizer_options!(@state $state $name { $($field),* });
    };
    (@group momentum) => {
        fn momentum(&self) -> Option<f64> {
            Some(self.momentum)
        }
        fn set_momentum(&mut self, m: f64) {
            self.momentum = m;
        }
    };
    (@group betas) => {
        fn betas(&self) -> Option<(f64, f64)> {
            Some(self.betas)
        }
        fn set_betas(&mut self, b: (f64, f64)) {
            self.betas = b;
        }
    };
    (@state fields $name:ident { $($field:ident),* }) => {
        $crate::optim::state::option_fields!($name { $($field),* });
    };
    (@state custom $name:ident { $($field:ident),* }) => {};
}
pub(crate) use optimizer_options;

/// PyTorch's constructor checks, worded as PyTorch words them.
pub(crate) mod checks {
    use crate::Result;
    use crate::error::bail;
    use crate::optim::py_float;

    /// `not 0.0 <= x` (NaN fails too): "Invalid {what}: {x}".
    pub(crate) fn nonneg(x: f64, what: &str) -> Result<()> {
        crate::optim::core::check_nonneg(x, what)
    }

    /// `not 0.0 <= beta < 1.0` for each of the pair.
    pub(crate) fn betas(b: (f64, f64)) -> Result<()> {
        crate::optim::core::check_beta(b.0, 0)?;
        crate::optim::core::check_beta(b.1, 1)
    }

    /// `not 0.0 <= x <= 1.0`: "Invalid {what}: {x}".
    pub(crate) fn unit(x: f64, what: &str) -> Result<()> {
        if !(0.0..=1.0).contains(&x) {
            bail!(Value, "Invalid {what}: {}", py_float(x));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::core::Options;
    use crate::optim::{
        AdadeltaOptions, AdagradOptions, AdamOptions, AdamWOptions, GroupOptions, RMSpropOptions,
        SgdOptions,
    };

    fn err<O: Options>(o: O) -> String {
        o.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_and_checks_as_pytorch() {
        assert_eq!(AdamWOptions::default().weight_decay, 1e-2);
        assert_eq!(AdadeltaOptions::default().lr, 1.0);
        assert!(AdamOptions::default().validate().is_ok());
        // PyTorch 2.15's messages for the same arguments.
        let rho = AdadeltaOptions {
            rho: 1.5,
            ..Default::default()
        };
        assert_eq!(err(rho), "Invalid rho value: 1.5");
        let betas = AdamOptions {
            betas: (0.9, 1.0),
            ..Default::default()
        };
        assert_eq!(err(betas), "Invalid beta parameter at index 1: 1.0");
        let acc = AdagradOptions {
            initial_accumulator_value: -1.0,
            ..Default::default()
        };
        assert_eq!(err(acc), "Invalid initial_accumulator_value value: -1.0");
        let nesterov = SgdOptions {
            nesterov: true,
            ..Default::default()
        };
        assert_eq!(
            err(nesterov),
            "Nesterov momentum requires a momentum and zero dampening"
        );
        let alpha = RMSpropOptions {
            alpha: -0.5,
            ..Default::default()
        };
        assert_eq!(err(alpha), "Invalid alpha value: -0.5");
        let lr = AdamWOptions {
            lr: -1e-5,
            ..Default::default()
        };
        assert_eq!(err(lr), "Invalid learning rate: -1e-05");
    }

    #[test]
    fn group_options_by_kind() {
        let mut s = SgdOptions::default();
        s.set_momentum(0.5);
        assert_eq!((s.momentum(), s.betas()), (Some(0.5), None));
        let mut a = AdamOptions::default();
        a.set_betas((0.8, 0.9));
        a.set_momentum(0.3);
        assert_eq!((a.betas(), a.momentum()), (Some((0.8, 0.9)), None));
        assert_eq!(AdagradOptions::default().lr(), 1e-2);
    }
}

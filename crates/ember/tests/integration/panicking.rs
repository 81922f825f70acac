//! `#[panicking]` (ember-derive): the generated panicking forms of `try_` functions, in each
//! shape the crate uses — methods on `&self` and `self`, associated and free functions,
//! generics, `impl Trait` arguments, where clauses, patterns, and a trait's methods.

use ember::{Error, Result};
use ember_derive::panicking;

struct Counter(i64);

impl Counter {
    /// Adds `n`, failing on a negative `n`.
    ///
    /// # Errors
    /// If `n` is negative.
    #[panicking(must_use)]
    fn try_plus(&self, n: i64) -> Result<i64> {
        if n < 0 {
            return Err(Error::Value(format!("negative: {n}")));
        }
        Ok(self.0 + n)
    }

    /// Consumes the counter.
    #[panicking]
    fn try_into_inner(mut self) -> Result<i64> {
        self.0 += 0;
        Ok(self.0)
    }

    /// A counter at `start`.
    #[panicking(assoc)]
    fn try_new(start: i64) -> Result<Self> {
        Ok(Counter(start))
    }

    /// Checks a value; returns nothing.
    #[panicking(name = check_value)]
    fn try_check<T: PartialOrd + Default>(&self, v: T) -> Result<()> {
        if v < T::default() {
            return Err(Error::Value("below the default".into()));
        }
        Ok(())
    }
}

/// The sum of `items`, failing when it exceeds `limit`.
#[panicking]
fn try_total<'a, I>(items: I, (limit, _unused): (i64, u8), label: impl AsRef<str>) -> Result<i64>
where
    I: IntoIterator<Item = &'a i64>,
{
    let s: i64 = items.into_iter().sum();
    if s > limit {
        return Err(Error::Value(format!("{}: {s} > {limit}", label.as_ref())));
    }
    Ok(s)
}

trait Step {
    /// One step.
    ///
    /// # Errors
    /// When done.
    #[panicking]
    fn try_step(&mut self) -> Result<()>;
}

impl Step for Counter {
    fn try_step(&mut self) -> Result<()> {
        if self.0 == 0 {
            return Err(Error::Value("done".into()));
        }
        self.0 -= 1;
        Ok(())
    }
}

/// The panic message of `f`.
fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("it should panic");
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn generated_forms_return_the_value_or_panic_with_the_error() {
    let c = Counter::new(5);
    assert_eq!(c.plus(2), 7);
    assert_eq!(c.try_plus(-1).unwrap_err().to_string(), "negative: -1");
    assert_eq!(
        panic_message(|| {
            let _ = Counter(1).plus(-3);
        }),
        "negative: -3"
    );
    c.check_value(1.5);
    assert_eq!(
        panic_message(|| Counter(0).check_value(-1)),
        "below the default"
    );
    assert_eq!(total(&[1, 2, 3], (10, 0), "sum"), 6);
    assert_eq!(
        panic_message(|| {
            total(&[4, 8], (10, 0), String::from("sum"));
        }),
        "sum: 12 > 10"
    );
    let mut c = Counter::new(1);
    c.step();
    assert_eq!(panic_message(move || c.step()), "done");
    assert_eq!(Counter(9).into_inner(), 9);
}

#[test]
fn the_panic_points_at_the_caller() {
    // The panic hook is the process's: alone in a process, no other test's panic reaches it.
    isolated!(the_panic_points_at_the_caller);
    use std::sync::{Arc, Mutex};
    let line = Arc::new(Mutex::new(0));
    let seen = line.clone();
    std::panic::set_hook(Box::new(move |info| {
        *seen.lock().unwrap() = info.location().unwrap().line();
    }));
    let here = line!() + 1;
    let r = std::panic::catch_unwind(|| Counter(0).plus(-1));
    let _ = std::panic::take_hook();
    assert!(r.is_err());
    assert_eq!(*line.lock().unwrap(), here);
}

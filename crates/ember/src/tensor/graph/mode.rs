//! Grad mode: whether ops record graph nodes, per thread (`torch.is_grad_enabled`,
//! `no_grad`, `enable_grad`, `set_grad_enabled`), and anomaly mode's flag, which nodes read
//! when they are recorded. Re-exported from `ember::autograd`.

use std::cell::Cell;

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether operations record autograd history on this thread (`torch.is_grad_enabled()`).
///
/// ```
/// assert!(ember::is_grad_enabled());
/// let _g = ember::no_grad();
/// assert!(!ember::is_grad_enabled());
/// ```
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(Cell::get)
}

/// Turns grad mode on or off for this thread until changed again
/// (`torch.set_grad_enabled(mode)` called as a function).
///
/// ```
/// ember::set_grad_enabled(false);
/// assert!(!ember::is_grad_enabled());
/// ember::set_grad_enabled(true);
/// ```
pub fn set_grad_enabled(enabled: bool) {
    GRAD_ENABLED.with(|g| g.set(enabled));
}

/// Restores the previous grad mode when dropped. Made by [`no_grad`], [`enable_grad`] and
/// [`GradModeGuard::new`].
#[must_use = "grad mode is restored when the guard is dropped"]
pub struct GradModeGuard {
    prev: bool,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl GradModeGuard {
    /// Sets grad mode to `enabled` for the guard's lifetime (`with torch.set_grad_enabled(b):`).
    ///
    /// ```
    /// let g = ember::autograd::GradModeGuard::new(false);
    /// assert!(!ember::is_grad_enabled());
    /// drop(g);
    /// assert!(ember::is_grad_enabled());
    /// ```
    pub fn new(enabled: bool) -> GradModeGuard {
        let prev = is_grad_enabled();
        set_grad_enabled(enabled);
        GradModeGuard {
            prev,
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        set_grad_enabled(self.prev);
    }
}

/// `with torch.no_grad():` — ops record no history while the guard lives.
///
/// ```
/// let w = ember::ones([2]).requires_grad_(true);
/// {
///     let _g = ember::no_grad();
///     assert!(!(&w * 2.0).requires_grad());
/// }
/// assert!((&w * 2.0).requires_grad());
/// ```
pub fn no_grad() -> GradModeGuard {
    GradModeGuard::new(false)
}

/// `with torch.enable_grad():` — turns recording back on inside a `no_grad` region.
///
/// ```
/// let _outer = ember::no_grad();
/// let _inner = ember::enable_grad();
/// assert!(ember::is_grad_enabled());
/// ```
pub fn enable_grad() -> GradModeGuard {
    GradModeGuard::new(true)
}

/// Runs `f` with grad mode off (the closure form of [`no_grad`]).
///
/// ```
/// let w = ember::ones([2]).requires_grad_(true);
/// let y = ember::no_grad_scope(|| &w * 2.0);
/// assert!(!y.requires_grad());
/// ```
pub fn no_grad_scope<R>(f: impl FnOnce() -> R) -> R {
    let _g = no_grad();
    f()
}

thread_local! {
    static ANOMALY: Cell<bool> = const { Cell::new(false) };
}

/// Turns anomaly detection on or off for this thread (`torch.autograd.set_detect_anomaly`).
///
/// ```
/// ember::autograd::set_detect_anomaly(true);
/// let x = ember::tensor([0.0f64]).requires_grad_(true);
/// let y = (&x * 0.0).sqrt().sum();   // d sqrt at 0 is inf; times 0 gives NaN
/// let err = y.try_backward().unwrap_err().to_string();
/// assert!(err.contains("returned nan values"));
/// ember::autograd::set_detect_anomaly(false);
/// ```
pub fn set_detect_anomaly(enabled: bool) {
    ANOMALY.with(|a| a.set(enabled));
}

/// Whether anomaly detection is on for this thread.
pub fn is_anomaly_enabled() -> bool {
    ANOMALY.with(Cell::get)
}

/// The creation backtrace to store in a new node, when anomaly detection is on.
pub(crate) fn capture_trace() -> Option<String> {
    is_anomaly_enabled().then(|| std::backtrace::Backtrace::force_capture().to_string())
}

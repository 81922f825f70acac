//! Anomaly detection (`torch.autograd.detect_anomaly`): while enabled, every recorded node
//! keeps the backtrace of the forward call that created it, and a backward that produces NaN
//! fails naming the node and that forward call.

use crate::Tensor;
use std::cell::Cell;

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

/// `with torch.autograd.detect_anomaly():` — anomaly detection while the guard lives.
///
/// ```
/// {
///     let _a = ember::autograd::detect_anomaly();
///     assert!(ember::autograd::is_anomaly_enabled());
/// }
/// assert!(!ember::autograd::is_anomaly_enabled());
/// ```
#[must_use = "anomaly detection is turned off again when the guard is dropped"]
pub fn detect_anomaly() -> AnomalyGuard {
    let prev = is_anomaly_enabled();
    set_detect_anomaly(true);
    AnomalyGuard { prev }
}

/// Restores the previous anomaly mode when dropped; made by [`detect_anomaly`].
pub struct AnomalyGuard {
    prev: bool,
}

impl Drop for AnomalyGuard {
    fn drop(&mut self) {
        set_detect_anomaly(self.prev);
    }
}

/// The creation backtrace to store in a new node, when anomaly detection is on.
pub(crate) fn capture() -> Option<String> {
    is_anomaly_enabled().then(|| std::backtrace::Backtrace::force_capture().to_string())
}

/// Fails if a gradient computed by `name` contains NaN.
pub(crate) fn check_nan(
    name: &str,
    trace: Option<&str>,
    grads: &[Option<Tensor>],
) -> crate::Result<()> {
    for (i, g) in grads.iter().enumerate() {
        if let Some(g) = g
            && g.dtype().is_floating_point()
            && g.try_to_vec::<f64>()?.iter().any(|v| v.is_nan())
        {
            let mut msg = format!("Function '{name}' returned nan values in its {i}th output.");
            if let Some(t) = trace {
                msg.push_str("\n\nTraceback of forward call that caused the error:\n");
                msg.push_str(t);
            }
            return Err(crate::Error::Autograd(msg));
        }
    }
    Ok(())
}

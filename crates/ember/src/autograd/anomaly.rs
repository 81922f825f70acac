//! Anomaly detection (`torch.autograd.detect_anomaly`): while enabled, every recorded node
//! keeps the backtrace of the forward call that created it, and a backward that produces NaN
//! fails naming the node and that forward call.

use crate::Tensor;
pub use crate::tensor::graph::mode::{is_anomaly_enabled, set_detect_anomaly};

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

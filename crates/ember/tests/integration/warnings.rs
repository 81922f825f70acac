//! The warning channel (`ember::warnings`): PyTorch's UserWarnings with PyTorch's text, once
//! per call site on stderr by default, recorded by `catch_warnings`, silenced by
//! `Action::Ignore`.

use ember::nn::functional::{self as F, Reduction};
use ember::nn::{HuberLoss, L1Loss, MSELoss, SmoothL1Loss};
use ember::warnings::{self, Action, catch_warnings};
use std::process::Command;

/// PyTorch 2.15's text for `F.mse_loss(torch.zeros(5, 1), torch.zeros(5))`, with `ember.`.
const TARGET_5_VS_5X1: &str = "Using a target size (ember.Size([5])) that is different to the input size (ember.Size([5, 1])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.";

#[test]
fn mismatched_loss_shapes_warn_with_pytorchs_text() {
    let (x, y) = (ember::zeros([5, 1]), ember::zeros([5]));
    let losses: [(&str, &dyn Fn() -> ember::Result<ember::Tensor>); 8] = [
        ("mse", &|| F::mse_loss(&x, &y, Reduction::Mean)),
        ("l1", &|| F::l1_loss(&x, &y, Reduction::Mean)),
        ("huber", &|| F::huber_loss(&x, &y, Reduction::Mean, 1.0)),
        ("smooth_l1", &|| {
            F::smooth_l1_loss(&x, &y, Reduction::Mean, 1.0)
        }),
        ("smooth_l1 beta 0", &|| {
            F::smooth_l1_loss(&x, &y, Reduction::Sum, 0.0)
        }),
        ("MSELoss", &|| MSELoss::new().forward(&x, &y)),
        ("L1Loss", &|| L1Loss::new().forward(&x, &y)),
        ("HuberLoss", &|| HuberLoss::default().forward(&x, &y)),
    ];
    for (what, f) in losses {
        let (r, w) = catch_warnings(f);
        // The loss is still computed, broadcast to [5, 5], as in PyTorch.
        assert_eq!(r.unwrap().item::<f32>(), 0.0, "{what}");
        assert_eq!(w.len(), 1, "{what}: {w:?}");
        assert_eq!(w[0].message, TARGET_5_VS_5X1, "{what}");
    }
    let (_, w) = catch_warnings(|| SmoothL1Loss::default().call(&x, &y));
    assert_eq!(w.len(), 1);
    // A 0-dim input against a one-element target warns too; equal shapes do not.
    let (_, w) = catch_warnings(|| {
        F::mse_loss(
            &ember::zeros([0usize; 0]),
            &ember::zeros([1]),
            Reduction::Sum,
        )
    });
    assert_eq!(
        w[0].message,
        "Using a target size (ember.Size([1])) that is different to the input size (ember.Size([])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size."
    );
    let (_, w) = catch_warnings(|| F::mse_loss(&x, &x, Reduction::Sum));
    assert!(w.is_empty());
}

#[test]
fn a_warning_names_the_callers_line() {
    let (x, y) = (ember::zeros([3]), ember::zeros([1]));
    let line = line!() + 1;
    let (_, w) = catch_warnings(|| MSELoss::new().call(&x, &y));
    assert_eq!(w[0].location.file(), file!());
    assert_eq!(w[0].location.line(), line);
    assert!(w[0].to_string().starts_with(&format!(
        "{}:{line}: UserWarning: Using a target size",
        file!()
    )));
}

#[test]
fn catch_warnings_nests_and_is_per_thread() {
    let (x, y) = (ember::zeros([3]), ember::zeros([1]));
    let ((inner, other_thread), outer) = catch_warnings(|| {
        warnings::warn("outer");
        let ((), inner) = catch_warnings(|| {
            let _ = F::l1_loss(&x, &y, Reduction::Sum);
        });
        // Another thread's warnings are not this thread's recorder's.
        let other = std::thread::scope(|s| {
            s.spawn(|| catch_warnings(|| warnings::warn("elsewhere")).1)
                .join()
                .unwrap()
        });
        (inner, other)
    });
    assert_eq!(outer.len(), 1);
    assert_eq!(outer[0].message, "outer");
    assert_eq!(inner.len(), 1);
    assert_eq!(other_thread[0].message, "elsewhere");
}

/// Runs this binary's test `name` in a child process with `EMBER_WARN_CHILD` set, returning
/// its stderr.
fn child_stderr(name: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env("EMBER_WARN_CHILD", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The child's half of `stderr_shows_each_call_site_once`: three warnings from one line and
/// one from another, under the default action, then three under `Ignore`.
#[test]
fn child_warns_from_two_sites() {
    if std::env::var("EMBER_WARN_CHILD").is_err() {
        return;
    }
    let (x, y) = (ember::zeros([5, 1]), ember::zeros([5]));
    for _ in 0..3 {
        F::mse_loss(&x, &y, Reduction::Mean).unwrap();
    }
    F::mse_loss(&x, &y, Reduction::Sum).unwrap();
    warnings::set_action(Action::Ignore);
    for _ in 0..3 {
        F::l1_loss(&x, &y, Reduction::Mean).unwrap();
    }
}

#[test]
fn stderr_shows_each_call_site_once() {
    let err = child_stderr("warnings::child_warns_from_two_sites");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("UserWarning")).collect();
    assert_eq!(lines.len(), 2, "{err}");
    for l in &lines {
        assert!(l.starts_with(file!()), "{l}");
        assert!(
            l.ends_with(&format!("UserWarning: {TARGET_5_VS_5X1}")),
            "{l}"
        );
    }
    assert_ne!(lines[0], lines[1], "two call sites, two lines");
}

#[test]
fn reading_grad_of_a_non_leaf_warns_as_pytorch() {
    let x = ember::ones([2]).requires_grad_(true);
    let y = x.mul(2.0);
    let (g, w) = catch_warnings(|| y.grad());
    assert!(g.is_none());
    assert_eq!(w.len(), 1);
    assert!(w[0].message.starts_with(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward()."
    ));
    assert!(
        w[0].message
            .ends_with("See github.com/pytorch/pytorch/pull/30531 for more information.")
    );
    // A leaf, and a non-leaf that retains its gradient, do not warn.
    y.retain_grad();
    let (_, w) = catch_warnings(|| (x.grad(), y.grad()));
    assert!(w.is_empty());
}

#[test]
fn backward_with_create_graph_warns_once() {
    isolated!(backward_with_create_graph_warns_once);
    let x = ember::ones([2]).requires_grad_(true);
    let ((), w) = catch_warnings(|| {
        for _ in 0..2 {
            x.mul(&x)
                .sum()
                .backward_opts()
                .create_graph(true)
                .run()
                .unwrap();
        }
        // autograd.grad is the recommended way and does not warn.
        let opts = ember::autograd::GradOptions {
            create_graph: true,
            ..Default::default()
        };
        ember::autograd::grad_with(&[&x.mul(&x).sum()], &[&x], opts).unwrap();
    });
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].message.starts_with(
        "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient"
    ));
    x.set_grad(None);
}

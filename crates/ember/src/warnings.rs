//! `ember::warnings`: the one channel for the warnings PyTorch gives as Python
//! `UserWarning`s (a loss whose target size differs from its input's, a deprecated option).
//!
//! By default a warning is written to stderr once per call site, as Python's default filter
//! does: `src/main.rs:12: UserWarning: Using a target size …`. [`set_action`] changes that
//! (every time, or never: [`Action::Ignore`] silences them), [`catch_warnings`] records the
//! warnings a closure gives instead of printing them (a test's `pytest.warns`), and
//! [`set_handler`] hands every warning to a function of the caller's (the Python front turns
//! them into Python `UserWarning`s there, and Python's own filters take over).
//!
//! ```
//! use ember::nn::functional::{mse_loss, Reduction};
//! let x = ember::zeros([5, 1]);
//! let y = ember::zeros([5]);
//! let (loss, warned) = ember::warnings::catch_warnings(|| mse_loss(&x, &y, Reduction::Mean));
//! assert_eq!(loss.unwrap().item::<f32>(), 0.0);
//! assert!(warned[0].message.starts_with("Using a target size (ember.Size([5]))"));
//! ```

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::Location;
use std::sync::{Mutex, RwLock};

/// One warning: PyTorch's message and where in the caller's code it was raised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The text PyTorch gives (with `ember.` where it says `torch.`).
    pub message: String,
    /// The call site the warning is attributed to: the first caller outside ember that the
    /// warning's path tracks (`#[track_caller]`), else the place in ember that raised it.
    pub location: &'static Location<'static>,
}

impl std::fmt::Display for Warning {
    /// Python's `warnings.formatwarning` form, without the source line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = self.location;
        write!(
            f,
            "{}:{}: UserWarning: {}",
            l.file(),
            l.line(),
            self.message
        )
    }
}

/// What happens to a warning no handler or [`catch_warnings`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Action {
    /// Print it to stderr the first time each call site gives each message (Python's
    /// `"default"`).
    #[default]
    Default,
    /// Print it every time (`"always"`).
    Always,
    /// Drop it (`"ignore"`).
    Ignore,
}

/// A function every warning is handed to (see [`set_handler`]).
pub type Handler = Box<dyn Fn(&Warning) + Send + Sync>;

/// The (file, line, column, message) of the warnings already printed.
type Seen = HashSet<(&'static str, u32, u32, String)>;

static ACTION: RwLock<Action> = RwLock::new(Action::Default);
static HANDLER: RwLock<Option<Handler>> = RwLock::new(None);
static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

thread_local! {
    /// The recorders of the [`catch_warnings`] calls open on this thread, innermost last.
    static CAUGHT: RefCell<Vec<Vec<Warning>>> = const { RefCell::new(Vec::new()) };
}

/// Sets what happens to warnings from now on, for every thread (Python's
/// `warnings.simplefilter(action)`).
///
/// ```
/// use ember::warnings::{Action, set_action};
/// set_action(Action::Ignore);
/// set_action(Action::Default);
/// ```
pub fn set_action(action: Action) {
    *ACTION.write().unwrap_or_else(|e| e.into_inner()) = action;
}

/// The current [`Action`].
///
/// ```
/// assert_eq!(ember::warnings::action(), ember::warnings::Action::Default);
/// ```
pub fn action() -> Action {
    *ACTION.read().unwrap_or_else(|e| e.into_inner())
}

/// Sends every warning to `handler` instead of stderr (`None` restores stderr). The handler
/// sees each warning each time; filtering is its own. [`catch_warnings`] still takes
/// precedence on its thread.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// static N: AtomicUsize = AtomicUsize::new(0);
/// ember::warnings::set_handler(Some(Box::new(|_w| {
///     N.fetch_add(1, Ordering::Relaxed);
/// })));
/// ember::warnings::warn("something odd");
/// ember::warnings::set_handler(None);
/// assert_eq!(N.load(Ordering::Relaxed), 1);
/// ```
pub fn set_handler(handler: Option<Handler>) {
    *HANDLER.write().unwrap_or_else(|e| e.into_inner()) = handler;
}

/// Runs `f`, recording the warnings it gives on this thread instead of printing them, every
/// time (Python's `warnings.catch_warnings(record=True)` with `simplefilter("always")`).
///
/// ```
/// let ((), w) = ember::warnings::catch_warnings(|| ember::warnings::warn("careful"));
/// assert_eq!(w.len(), 1);
/// assert_eq!(w[0].message, "careful");
/// ```
pub fn catch_warnings<R>(f: impl FnOnce() -> R) -> (R, Vec<Warning>) {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            CAUGHT.with(|c| {
                c.borrow_mut().pop();
            });
        }
    }
    CAUGHT.with(|c| c.borrow_mut().push(Vec::new()));
    let pop = Pop;
    let r = f();
    let caught = CAUGHT.with(|c| c.borrow_mut().last_mut().map(std::mem::take));
    drop(pop);
    (r, caught.unwrap_or_default())
}

/// Gives a warning attributed to the caller (or to its caller, through `#[track_caller]`
/// functions).
///
/// ```
/// ember::warnings::warn("this is printed once to stderr");
/// ```
#[track_caller]
pub fn warn(message: impl Into<String>) {
    emit(Warning {
        message: message.into(),
        location: Location::caller(),
    });
}

fn emit(w: Warning) {
    let caught = CAUGHT.with(|c| match c.borrow_mut().last_mut() {
        Some(rec) => {
            rec.push(w.clone());
            true
        }
        None => false,
    });
    if caught {
        return;
    }
    if let Some(h) = HANDLER.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        h(&w);
        return;
    }
    match action() {
        Action::Ignore => {}
        Action::Always => eprintln!("{w}"),
        Action::Default => {
            let l = w.location;
            let key = (l.file(), l.line(), l.column(), w.message.clone());
            let first = SEEN
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert_with(HashSet::new)
                .insert(key);
            if first {
                eprintln!("{w}");
            }
        }
    }
}

/// Runs `f` with the warnings it gives on this thread dropped (Python's `catch_warnings()`
/// with `simplefilter("ignore")`), for a caller that gives the same warning itself.
///
/// ```
/// use ember::nn::functional::{l1_loss, Reduction};
/// let (x, y) = (ember::zeros([3, 1]), ember::zeros([3]));
/// let ((), w) = ember::warnings::catch_warnings(|| {
///     ember::warnings::ignored(|| l1_loss(&x, &y, Reduction::Sum)).unwrap();
/// });
/// assert!(w.is_empty());
/// ```
pub fn ignored<R>(f: impl FnOnce() -> R) -> R {
    catch_warnings(f).0
}

//! Containers: `Sequential`, `ModuleList`, `ModuleDict`.

use super::module::Module;
use crate::Tensor;
use crate::error::{Result, bail};

/// `nn.Sequential`: applies its modules in order; children are named `0`, `1`, ….
///
/// ```
/// use ember::nn::{Module, Sequential};
/// let model = Sequential::new().push(ember::nn::Identity).push(ember::nn::Identity);
/// assert_eq!(model.len(), 2);
/// let y = model.forward(&ember::ones([2])).unwrap();
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 1.0]);
/// ```
#[derive(Default, ember_derive::Module)]
pub struct Sequential {
    #[module(flatten)]
    layers: Vec<Box<dyn Module>>,
}

impl Sequential {
    /// An empty sequence.
    pub fn new() -> Sequential {
        Sequential::default()
    }

    /// Appends a module (builder style).
    #[must_use]
    pub fn push(mut self, m: impl Module) -> Sequential {
        self.layers.push(Box::new(m));
        self
    }

    /// Appends a boxed module.
    pub fn append(&mut self, m: Box<dyn Module>) {
        self.layers.push(m);
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The `i`-th module (`model[i]`).
    pub fn get(&self, i: usize) -> Option<&dyn Module> {
        self.layers.get(i).map(|b| b.as_ref())
    }

    /// The `i`-th module as its concrete type (`model[0].weight` needs the `Linear`).
    ///
    /// ```
    /// use ember::nn::{Identity, Sequential};
    /// let model = Sequential::new().push(Identity);
    /// assert!(model.layer::<Identity>(0).is_some());
    /// ```
    pub fn layer<T: Module>(&self, i: usize) -> Option<&T> {
        self.layers
            .get(i)
            .and_then(|b| b.as_any().downcast_ref::<T>())
    }

    /// The `i`-th module as its concrete type, mutably.
    pub fn layer_mut<T: Module>(&mut self, i: usize) -> Option<&mut T> {
        self.layers.get_mut(i)?.as_any_mut().downcast_mut::<T>()
    }
}

/// `model[i]`: the `i`-th module, as a `dyn Module` (call it, print it, read its
/// parameters; [`downcast_ref`](trait.Module.html#method.downcast_ref) gives the concrete layer).
///
/// ```
/// use ember::nn::{Linear, Module, ReLU, Sequential};
/// let model = Sequential::new().push(Linear::new(2, 3)).push(ReLU);
/// assert_eq!(model[1].to_string(), "ReLU()");
/// assert_eq!(model[0].parameters()[0].shape(), &[3, 2]);
/// let first: &Linear = model[0].downcast_ref().unwrap();
/// assert_eq!(first.weight.shape(), &[3, 2]);
/// ```
///
/// # Panics
/// If `i` is out of range ("index 2 is out of range", as PyTorch's `IndexError`).
impl std::ops::Index<usize> for Sequential {
    type Output = dyn Module;
    #[track_caller]
    fn index(&self, i: usize) -> &dyn Module {
        match self.layers.get(i) {
            Some(m) => m.as_ref(),
            None => panic!("index {i} is out of range"),
        }
    }
}

/// `model[i]`, mutably (e.g. to `train` one layer).
impl std::ops::IndexMut<usize> for Sequential {
    #[track_caller]
    fn index_mut(&mut self, i: usize) -> &mut dyn Module {
        match self.layers.get_mut(i) {
            Some(m) => m.as_mut(),
            None => panic!("index {i} is out of range"),
        }
    }
}

impl FromIterator<Box<dyn Module>> for Sequential {
    fn from_iter<I: IntoIterator<Item = Box<dyn Module>>>(it: I) -> Self {
        Sequential {
            layers: it.into_iter().collect(),
        }
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for m in &self.layers {
            h = m.forward(&h)?;
        }
        Ok(h)
    }
}

/// `nn.ModuleList`: holds modules (children `0`, `1`, …) without a forward of its own.
///
/// ```
/// use ember::nn::{Module, ModuleList, Identity};
/// let mut l = ModuleList::new();
/// l.push(Identity);
/// assert_eq!(l.len(), 1);
/// assert!(l.forward(&ember::ones([1])).is_err());
/// ```
#[derive(Default, ember_derive::Module)]
#[module(compress_repeated)]
pub struct ModuleList {
    #[module(flatten)]
    items: Vec<Box<dyn Module>>,
}

impl ModuleList {
    /// An empty list.
    pub fn new() -> ModuleList {
        ModuleList::default()
    }

    /// Appends a module.
    pub fn push(&mut self, m: impl Module) {
        self.items.push(Box::new(m));
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Iterates over the modules.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Module> {
        self.items.iter().map(|b| b.as_ref())
    }
}

/// `layers[i]`, as for [`Sequential`].
///
/// ```
/// use ember::nn::{Identity, ModuleList};
/// let mut l = ModuleList::new();
/// l.push(Identity);
/// assert_eq!(l[0].to_string(), "Identity()");
/// ```
///
/// # Panics
/// If `i` is out of range.
impl std::ops::Index<usize> for ModuleList {
    type Output = dyn Module;
    #[track_caller]
    fn index(&self, i: usize) -> &dyn Module {
        match self.items.get(i) {
            Some(m) => m.as_ref(),
            None => panic!("index {i} is out of range"),
        }
    }
}

impl Module for ModuleList {
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        bail!(
            Value,
            "Module [ModuleList] is missing the required \"forward\" function"
        )
    }
}

/// `nn.ModuleDict`: modules by name, in insertion order, without a forward of its own.
///
/// ```
/// use ember::nn::{ModuleDict, Identity};
/// let mut d = ModuleDict::new();
/// d.insert("skip", Identity);
/// assert!(d.get("skip").is_some());
/// ```
#[derive(Default, ember_derive::Module)]
pub struct ModuleDict {
    #[module(flatten)]
    items: Vec<(String, Box<dyn Module>)>,
}

impl ModuleDict {
    /// An empty dict.
    pub fn new() -> ModuleDict {
        ModuleDict::default()
    }

    /// Inserts or replaces a module.
    pub fn insert(&mut self, name: &str, m: impl Module) {
        match self.items.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = Box::new(m),
            None => self.items.push((name.to_string(), Box::new(m))),
        }
    }

    /// The module under `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Module> {
        self.items
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_ref())
    }

    /// Number of modules.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Module for ModuleDict {
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        bail!(
            Value,
            "Module [ModuleDict] is missing the required \"forward\" function"
        )
    }
}

/// `nn.Identity`: returns its input.
///
/// ```
/// use ember::nn::Module;
/// let x = ember::ones([2]);
/// assert!(ember::nn::Identity.forward(&x).unwrap().is(&x));
/// ```
#[derive(Default, Clone, Copy, Debug, ember_derive::Module)]
pub struct Identity;

impl Module for Identity {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
}

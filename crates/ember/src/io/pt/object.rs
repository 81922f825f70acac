//! [`Object`]: the values a `.pt` file holds, and their conversions to state dicts.

use crate::Tensor;
use crate::error::{Error, Result, bail};
use crate::nn::StateDict;

/// A value that `torch.save` writes and `torch.load` reads: the containers and scalars of a
/// checkpoint, with tensors as leaves. Each variant is the Python type of the same name, so
/// a file round-trips through ember with its types intact (an `OrderedDict` stays one, a
/// tuple stays a tuple).
///
/// ```
/// use ember::io::Object;
///
/// let ckpt = Object::dict([("epoch", Object::from(3)), ("lr", Object::from(0.1))]);
/// let back = ember::io::pt_from_bytes(&ember::io::pt_to_bytes(&ckpt).unwrap()).unwrap();
/// assert_eq!(back.try_get("epoch").unwrap().try_int().unwrap(), 3);
/// ```
#[derive(Clone, Debug)]
pub enum Object {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// A Python `int` that fits in 64 bits (larger ones are refused when loading).
    Int(i64),
    /// A Python `float`.
    Float(f64),
    /// A Python `str`.
    Str(String),
    /// A Python `bytes`.
    Bytes(Vec<u8>),
    /// A Python `list`.
    List(Vec<Object>),
    /// A Python `tuple` (also what a `torch.Size` loads as).
    Tuple(Vec<Object>),
    /// A plain `dict`, in insertion order (an optimizer's state dict is one).
    Dict(Vec<(Object, Object)>),
    /// A `collections.OrderedDict` (a module's state dict is one).
    OrderedDict(Vec<(Object, Object)>),
    /// A `torch.Tensor`; its `requires_grad` flag is saved with it.
    Tensor(Tensor),
    /// A `torch.nn.Parameter`: a tensor rebuilt as a parameter (requires grad unless it was
    /// saved frozen).
    Parameter(Tensor),
}

impl Object {
    /// A plain `dict` with string keys, in the given order.
    ///
    /// ```
    /// let d = ember::io::Object::dict([("epoch", 3.into())]);
    /// assert_eq!(d.try_get("epoch").unwrap().try_int().unwrap(), 3);
    /// ```
    pub fn dict<K: Into<String>>(items: impl IntoIterator<Item = (K, Object)>) -> Object {
        Object::Dict(
            items
                .into_iter()
                .map(|(k, v)| (Object::Str(k.into()), v))
                .collect(),
        )
    }

    /// The Python type's name (`"dict"`, `"OrderedDict"`, `"Tensor"`, …), for messages.
    ///
    /// ```
    /// assert_eq!(ember::io::Object::None.type_name(), "NoneType");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::None => "NoneType",
            Object::Bool(_) => "bool",
            Object::Int(_) => "int",
            Object::Float(_) => "float",
            Object::Str(_) => "str",
            Object::Bytes(_) => "bytes",
            Object::List(_) => "list",
            Object::Tuple(_) => "tuple",
            Object::Dict(_) => "dict",
            Object::OrderedDict(_) => "OrderedDict",
            Object::Tensor(_) => "Tensor",
            Object::Parameter(_) => "Parameter",
        }
    }

    fn expected(&self, what: &str) -> Error {
        Error::Value(format!("expected {what}, got {}", self.type_name()))
    }

    /// The items of a `dict` or `OrderedDict`.
    ///
    /// # Errors
    /// If this is not a dict.
    ///
    /// ```
    /// let d = ember::io::Object::dict([("a", 1.into())]);
    /// assert_eq!(d.try_items().unwrap().len(), 1);
    /// assert!(ember::io::Object::None.try_items().is_err());
    /// ```
    pub fn try_items(&self) -> Result<&[(Object, Object)]> {
        match self {
            Object::Dict(items) | Object::OrderedDict(items) => Ok(items),
            o => Err(o.expected("a dict")),
        }
    }

    /// The value under the string key `key` of a dict, if there is one.
    ///
    /// ```
    /// let d = ember::io::Object::dict([("a", 1.into())]);
    /// assert!(d.get("a").is_some() && d.get("b").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Object> {
        let items = self.try_items().ok()?;
        items
            .iter()
            .find(|(k, _)| matches!(k, Object::Str(s) if s == key))
            .map(|(_, v)| v)
    }

    /// The value under the string key `key` of a dict (Python's `d[key]`).
    ///
    /// # Errors
    /// If this is not a dict or has no such key.
    ///
    /// ```
    /// let d = ember::io::Object::dict([("a", 1.into())]);
    /// assert!(d.try_get("b").unwrap_err().to_string().contains("'b'"));
    /// ```
    pub fn try_get(&self, key: &str) -> Result<&Object> {
        let items = self.try_items()?;
        match items
            .iter()
            .find(|(k, _)| matches!(k, Object::Str(s) if s == key))
        {
            Some((_, v)) => Ok(v),
            None => bail!(Value, "KeyError: '{key}' is not a key of the loaded dict"),
        }
    }

    /// The elements of a `list` or `tuple`.
    ///
    /// # Errors
    /// If this is neither.
    ///
    /// ```
    /// let l = ember::io::Object::List(vec![1.into(), 2.into()]);
    /// assert_eq!(l.try_list().unwrap().len(), 2);
    /// ```
    pub fn try_list(&self) -> Result<&[Object]> {
        match self {
            Object::List(v) | Object::Tuple(v) => Ok(v),
            o => Err(o.expected("a list or tuple")),
        }
    }

    /// The value of an `int` (a `bool` counts, as in Python).
    ///
    /// # Errors
    /// If this is not an integer.
    ///
    /// ```
    /// assert_eq!(ember::io::Object::Int(7).try_int().unwrap(), 7);
    /// ```
    pub fn try_int(&self) -> Result<i64> {
        match self {
            Object::Int(i) => Ok(*i),
            Object::Bool(b) => Ok(*b as i64),
            o => Err(o.expected("an int")),
        }
    }

    /// The value of a `float` or `int`.
    ///
    /// # Errors
    /// If this is not a number.
    ///
    /// ```
    /// assert_eq!(ember::io::Object::Int(2).try_float().unwrap(), 2.0);
    /// ```
    pub fn try_float(&self) -> Result<f64> {
        match self {
            Object::Float(x) => Ok(*x),
            Object::Int(i) => Ok(*i as f64),
            Object::Bool(b) => Ok(*b as i64 as f64),
            o => Err(o.expected("a float")),
        }
    }

    /// The value of a `bool`.
    ///
    /// # Errors
    /// If this is not a bool.
    ///
    /// ```
    /// assert!(ember::io::Object::Bool(true).try_bool().unwrap());
    /// ```
    pub fn try_bool(&self) -> Result<bool> {
        match self {
            Object::Bool(b) => Ok(*b),
            o => Err(o.expected("a bool")),
        }
    }

    /// The text of a `str`.
    ///
    /// # Errors
    /// If this is not a string.
    ///
    /// ```
    /// assert_eq!(ember::io::Object::from("relu").try_str().unwrap(), "relu");
    /// ```
    pub fn try_str(&self) -> Result<&str> {
        match self {
            Object::Str(s) => Ok(s),
            o => Err(o.expected("a str")),
        }
    }

    /// The tensor of a `Tensor` or `Parameter`.
    ///
    /// # Errors
    /// If this is not a tensor.
    ///
    /// ```
    /// let o = ember::io::Object::from(ember::ones([2]));
    /// assert_eq!(o.try_tensor().unwrap().shape(), &[2]);
    /// ```
    pub fn try_tensor(&self) -> Result<&Tensor> {
        match self {
            Object::Tensor(t) | Object::Parameter(t) => Ok(t),
            o => Err(o.expected("a Tensor")),
        }
    }

    /// This dict as a state dict (for [`crate::nn::Module::load_state_dict`]): string keys
    /// and tensor values, in the file's order.
    ///
    /// ```
    /// let mut sd = ember::nn::StateDict::new();
    /// sd.insert("w".into(), ember::ones([2]));
    /// let back = ember::io::Object::from(&sd).into_state_dict().unwrap();
    /// assert_eq!(back["w"].to_vec::<f32>(), vec![1.0, 1.0]);
    /// ```
    ///
    /// # Errors
    /// If this is not a dict, or a key is not a string, or a value not a tensor.
    pub fn into_state_dict(self) -> Result<StateDict> {
        let items = match self {
            Object::Dict(items) | Object::OrderedDict(items) => items,
            o => bail!(
                Value,
                "expected a state dict (a dict of tensors), got {}",
                o.type_name()
            ),
        };
        let mut sd = StateDict::with_capacity(items.len());
        for (k, v) in items {
            let Object::Str(k) = k else {
                bail!(
                    Value,
                    "state dict keys must be strings, got {}",
                    k.type_name()
                );
            };
            match v {
                Object::Tensor(t) | Object::Parameter(t) => {
                    sd.insert(k, t);
                }
                v => bail!(
                    Value,
                    "state dict entry '{k}' is a {}, not a Tensor",
                    v.type_name()
                ),
            }
        }
        Ok(sd)
    }

    /// [`Object::into_state_dict`] of a borrowed value, for a state dict inside a checkpoint
    /// (the tensors are shared handles: only the keys are copied).
    ///
    /// ```
    /// use ember::nn::Module;
    /// let model = ember::nn::Linear::new(2, 1);
    /// let ckpt = ember::io::Object::dict([("model", (&model.state_dict()).into())]);
    /// model.load_state_dict(&ckpt.try_get("model").unwrap().to_state_dict().unwrap()).unwrap();
    /// ```
    ///
    /// # Errors
    /// As [`Object::into_state_dict`].
    pub fn to_state_dict(&self) -> Result<StateDict> {
        self.clone().into_state_dict()
    }
}

/// A state dict as PyTorch's `model.state_dict()` saves it: an `OrderedDict` of tensors.
impl From<&StateDict> for Object {
    fn from(sd: &StateDict) -> Object {
        Object::OrderedDict(
            sd.iter()
                .map(|(k, t)| (Object::Str(k.clone()), Object::Tensor(t.clone())))
                .collect(),
        )
    }
}

/// A copy of the tree (tensors are shared handles), so `save(&obj, …)` works.
impl From<&Object> for Object {
    fn from(o: &Object) -> Object {
        o.clone()
    }
}

impl TryFrom<Object> for StateDict {
    type Error = Error;
    fn try_from(o: Object) -> Result<StateDict> {
        o.into_state_dict()
    }
}

macro_rules! from_scalar {
    ($($t:ty => $v:ident($conv:expr)),* $(,)?) => {$(
        impl From<$t> for Object {
            fn from(x: $t) -> Object {
                Object::$v($conv(x))
            }
        }
    )*};
}

from_scalar! {
    bool => Bool(|x| x),
    i64 => Int(|x| x),
    i32 => Int(i64::from),
    f64 => Float(|x| x),
    f32 => Float(f64::from),
    String => Str(|x| x),
    &str => Str(str::to_string),
    Vec<u8> => Bytes(|x| x),
    Tensor => Tensor(|x| x),
    &Tensor => Tensor(Tensor::clone),
    Vec<Object> => List(|x| x),
}
